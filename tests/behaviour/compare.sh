#!/usr/bin/env bash
# Compares two runs of tests/behaviour/check.sh (issue 18): the normalised exit code, verdict
# lines and report outlines of every case (OUT_DIR/norm/<case>.txt).
#
#   tests/behaviour/compare.sh BEFORE_DIR AFTER_DIR [EXPECTED]
#
# Prints each case only one side has, and a unified diff of each case whose outline differs.
# EXPECTED (optional) names the differences you expect, one per line: `CASE` (the whole case may
# differ), `CASE file:PATH` (the report file PATH of CASE may be gone, new or changed: its
# section is left out on both sides), or `CASE REGEX` (diff lines of CASE matching the extended
# regex are expected); CASE may be a glob (`load-*`); `#` starts a comment. Named differences
# are counted, not printed.
# Exit 0: no difference beyond the named ones; 1: differences; 2: usage.
set -uo pipefail
if [ $# -lt 2 ] || [ ! -d "$1/norm" ] || [ ! -d "$2/norm" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
A=$1/norm
B=$2/norm
EXPECTED=${3:-}

cases=$( (ls "$A"; ls "$B") | sed 's/\.txt$//' | sort -u)
declare -A whole=()
declare -A pattern=()
declare -A files=()
if [ -n "$EXPECTED" ]; then
  while IFS= read -r line; do
    line=${line%%#*}
    read -r glob rx <<< "$line"
    [ -z "${glob:-}" ] && continue
    for c in $cases; do
      # shellcheck disable=SC2053 # a glob on purpose
      [[ $c == $glob ]] || continue
      if [ -z "${rx:-}" ]; then
        whole[$c]=1
      elif [[ $rx == file:* ]]; then
        files[$c]+="${rx#file:}"$'\n'
      else
        pattern[$c]+="${pattern[$c]:+|}(${rx})"
      fi
    done
  done < "$EXPECTED"
fi

# The outline of a case without the sections of the files named for it.
outline() {
  awk -v skip="${files[$2]:-}" '
    BEGIN { n = split(skip, f, "\n"); for (i = 1; i <= n; i++) if (f[i] != "") drop["== file " f[i]] = 1 }
    /^== / { out = !($0 in drop) }
    /^[^ =]/ { out = 1 }
    out' "$1"
}

differ=0
named=0
for c in $cases; do
  if [ ! -e "$A/$c.txt" ] || [ ! -e "$B/$c.txt" ]; then
    side=$([ -e "$A/$c.txt" ] && echo "only in $1" || echo "only in $2")
    if [ -n "${whole[$c]:-}" ]; then named=$((named + 1)); continue; fi
    echo "=== $c: $side"
    differ=$((differ + 1))
    continue
  fi
  d=$(diff -u --label "before/$c" --label "after/$c" "$A/$c.txt" "$B/$c.txt")
  [ -z "$d" ] && continue
  if [ -n "${whole[$c]:-}" ]; then named=$((named + 1)); continue; fi
  if [ -n "${files[$c]:-}" ]; then
    d=$(diff -u --label "before/$c" --label "after/$c" <(outline "$A/$c.txt" "$c") <(outline "$B/$c.txt" "$c"))
    changed=$(grep -E '^[-+]' <<< "$d" | grep -vE '^(\+\+\+|---) ')
    if [ -z "$changed" ] && [ -z "${pattern[$c]:-}" ]; then named=$((named + 1)); continue; fi
  fi
  changed=$(grep -E '^[-+]' <<< "$d" | grep -vE '^(\+\+\+|---) ')
  if [ -n "${pattern[$c]:-}" ]; then
    rest=$(grep -vE -- "^[-+].*(${pattern[$c]})" <<< "$changed")
    if [ -z "$rest" ]; then named=$((named + 1)); continue; fi
  fi
  echo "=== $c"
  echo "$d"
  differ=$((differ + 1))
done

total=$(wc -w <<< "$cases")
echo "compare.sh: $total cases; $differ differ; $named differ as named${EXPECTED:+ in $EXPECTED}"
[ "$differ" -eq 0 ]
