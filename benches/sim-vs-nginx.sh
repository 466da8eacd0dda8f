#!/usr/bin/env bash
# Peer comparison: campaign-sim serving a Kore.ai voice start/stop mix vs nginx (1 worker)
# returning the Kore.ai "Campaign Started" sample body as a static 200, both driven by wrk
# on the same machine in the same run. Also reports campaign-sim's peak RSS.
#
#   benches/sim-vs-nginx.sh                 # 10 s per run
#   DURATION=3s benches/sim-vs-nginx.sh     # quicker
#
# Environment: DURATION (wrk -d, default 10s), CONNECTIONS (wrk -c, default 32),
# ROUNDS (default 3: nginx and campaign-sim alternate, so drift in the machine's speed hits both;
# the summary gives each round and the median), SIM_THREADS (campaign-sim --threads; default 1,
# matching nginx's single worker; SIM_THREADS= gives one per core),
# NGINX_PORT (default 18080), SIM_PORT (default 18081), KEEP_TMP=1 keeps the temp dir.
#
# Quote the figures as the ratio from one run: absolute req/s depend on the machine and on
# whatever else it is doing (wrk shares the cores with the server it drives).

set -euo pipefail

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
NGINX_PORT="${NGINX_PORT:-18080}"
SIM_PORT="${SIM_PORT:-18081}"
ROUNDS="${ROUNDS:-3}"
SIM_THREADS="${SIM_THREADS-1}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA="$ROOT/benches/kore-mix.lua"
SIM_BIN="$ROOT/target/release/campaign-sim"
KORE_START_BODY='{"status":"Active","message":"Campaign Started","totalCallsCompleted":0,"updatedAt":"2025-06-27T07:01:45.416Z","campaignInstanceId":"cid-dbb5e25-605e-4556-8912-9292181axxxx"}'

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'sim-vs-nginx: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

apt_install() {
  log "installing $* from Debian's packages"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  fi
}

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/time ] || missing+=(time)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# --- build -------------------------------------------------------------------------------------
log "building campaign-sim (release)"
(cd "$ROOT" && cargo build --release -j2 -p campaign-sim)
[ -x "$SIM_BIN" ] || die "no $SIM_BIN after the build"

# --- processes and cleanup ---------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/sim-vs-nginx.XXXXXX")"
NGINX_PID=""
TIME_PID=""
SIM_PID=""

cleanup() {
  local rc=$?
  for pid in "$SIM_PID" "$NGINX_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "$TIME_PID" "$NGINX_PID"; do
    if [ -n "$pid" ]; then
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$TMP/nginx-error.log" "$TMP/sim.log"; do
      if [ -s "$f" ]; then
        printf -- '--- %s ---\n' "$f" >&2
        tail -n 20 "$f" >&2 || true
      fi
    done
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- nginx -------------------------------------------------------------------------------------
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx-error.log warn;

events {
    worker_connections 1024;
}

http {
    access_log off;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;

    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            default_type application/json;
            return 200 '$KORE_START_BODY';
        }
    }
}
EOF

log "starting nginx on 127.0.0.1:$NGINX_PORT"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" \
  >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!

# --- campaign-sim under /usr/bin/time -v ---------------------------------------------------------
log "starting campaign-sim on 127.0.0.1:$SIM_PORT"
sim_args=(--addr "127.0.0.1:$SIM_PORT")
if [ -n "$SIM_THREADS" ]; then
  sim_args+=(--threads "$SIM_THREADS")
fi
/usr/bin/time -v -o "$TMP/sim.time" "$SIM_BIN" "${sim_args[@]}" \
  >"$TMP/sim.log" 2>&1 &
TIME_PID=$!

# --- wait until both answer --------------------------------------------------------------------
nginx_up=0
sim_up=0
for _ in $(seq 1 100); do
  if [ -z "$SIM_PID" ]; then
    SIM_PID="$(pgrep -P "$TIME_PID" || true)"
  fi
  if [ "$nginx_up" = 0 ] && curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/" 2>/dev/null; then
    nginx_up=1
  fi
  if [ "$sim_up" = 0 ] && curl -fsS -o /dev/null "http://127.0.0.1:$SIM_PORT/__sim/counters" 2>/dev/null; then
    sim_up=1
  fi
  if [ "$nginx_up" = 1 ] && [ "$sim_up" = 1 ] && [ -n "$SIM_PID" ]; then
    break
  fi
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited early"
  kill -0 "$TIME_PID" 2>/dev/null || die "campaign-sim exited early"
  sleep 0.1
done
[ "$nginx_up" = 1 ] || die "nginx did not answer on 127.0.0.1:$NGINX_PORT within 10 s"
[ "$sim_up" = 1 ] || die "campaign-sim did not answer on 127.0.0.1:$SIM_PORT within 10 s"
[ -n "$SIM_PID" ] || die "could not find the campaign-sim process under /usr/bin/time"
body="$(curl -fsS "http://127.0.0.1:$NGINX_PORT/")"
[ "$body" = "$KORE_START_BODY" ] || die "nginx answers an unexpected body: $body"
log "nginx pid $NGINX_PID, campaign-sim pid $SIM_PID (time pid $TIME_PID)"

# Counters from this run only (the readiness polls hit /__sim/, which is not counted anyway).
curl -fsS -o /dev/null -X POST "http://127.0.0.1:$SIM_PORT/__sim/reset"

# --- load: rounds alternate nginx and campaign-sim -----------------------------------------------
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: wrk -t1 -c$CONNECTIONS -d$DURATION --latency against nginx (GET /)"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$NGINX_PORT/" | tee "$TMP/wrk-nginx-$round.txt"
  echo
  # Every round starts from Ready campaigns and zero counters (the counters below are the last round's).
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$SIM_PORT/__sim/reset"
  log "round $round/$ROUNDS: wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s kore-mix.lua against campaign-sim"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "http://127.0.0.1:$SIM_PORT" | tee "$TMP/wrk-sim-$round.txt"
  echo
done

# --- simulator counters ------------------------------------------------------------------------
counters="$(curl -fsS "http://127.0.0.1:$SIM_PORT/__sim/counters")"
echo "campaign-sim /__sim/counters (last round):"
if command -v jq >/dev/null 2>&1; then
  jq -r '"  total: \(.total)", (.routes | to_entries[] | .key as $r | .value | to_entries[] | "  \($r) \(.key): \(.value)")' <<<"$counters"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c '
import json, sys
c = json.load(sys.stdin)
print(f"  total: {c[\"total\"]}")
for route, statuses in c["routes"].items():
    for status, n in statuses.items():
        print(f"  {route} {status}: {n}")
' <<<"$counters"
else
  echo "  $counters"
fi
echo

# --- stop both ---------------------------------------------------------------------------------
kill -INT "$SIM_PID"
wait "$TIME_PID" || die "campaign-sim did not exit cleanly (see $TMP/sim.log)"
SIM_PID=""
TIME_PID=""
kill -TERM "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=""

# --- summary -----------------------------------------------------------------------------------
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
non2xx() { awk '/Non-2xx or 3xx responses:/ {print $NF}' "$1"; }

rss_kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/sim.time")"
rss_mib="$(awk -v k="${rss_kib:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
threads_label="${SIM_THREADS:-one per core}"

echo "summary (wrk -t1 -c$CONNECTIONS -d$DURATION, $ROUNDS alternating rounds, $(nproc) cores, wrk on the same machine; campaign-sim threads: $threads_label):"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  n="$TMP/wrk-nginx-$round.txt"
  m="$TMP/wrk-sim-$round.txt"
  nginx_rps="$(rps "$n")"
  sim_rps="$(rps "$m")"
  if [ -z "$nginx_rps" ] || [ -z "$sim_rps" ]; then
    die "could not read Requests/sec from wrk in round $round"
  fi
  ratio="$(awk -v s="$sim_rps" -v n="$nginx_rps" 'BEGIN { if (n > 0) printf "%.2f", s / n; else print "0" }')"
  ratios+=("$ratio")
  echo "round $round:"
  printf '  %-37s: %s req/s (p50 %s, p99 %s)\n' "nginx (1 worker, static return 200)" \
    "$nginx_rps" "$(pct "$n" 50%)" "$(pct "$n" 99%)"
  printf '  %-37s: %s req/s (p50 %s, p99 %s; non-2xx %s)\n' "campaign-sim (Kore start/stop mix)" \
    "$sim_rps" "$(pct "$m" 50%)" "$(pct "$m" 99%)" "$(non2xx "$m" | grep . || echo 0)"
  printf '  %-37s: %s\n' "ratio sim/nginx" "$ratio"
done
median="$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END { if (NR % 2) print a[(NR+1)/2]; else printf "%.2f", (a[NR/2]+a[NR/2+1])/2 }')"
printf '%-39s: %s (rounds: %s; target >= 0.80)\n' "median ratio sim/nginx" "$median" "${ratios[*]}"
printf '%-39s: %s MiB (target < 16 MiB)\n' "campaign-sim peak RSS" "$rss_mib"
