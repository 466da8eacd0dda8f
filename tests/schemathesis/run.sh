#!/usr/bin/env bash
# Schemathesis (pinned in tests/openapi/requirements.txt) against campaign-sim, from the
# committed OpenAPI documents in schemas/openapi/. Called by .ci/run; run it by hand the same way.
#
# Uses the campaign-sim the workspace build made (CI's test step already built it: dependencies
# optimised, as every build here; SCHEMATHESIS_SIM_PROFILE=release builds and uses a release one,
# which cost CI five more minutes for answers that are the same), starts it on 127.0.0.1 on a
# port the OS picks, waits until /__sim/counters answers (bounded), then runs each vendor's
# document with a fixed seed and a bounded number of examples, and stops the simulator however
# the script ends. Exit status: Schemathesis's (non-zero on any failed check).
#
# Environment: SCHEMATHESIS_SEED (default 1), SCHEMATHESIS_MAX_EXAMPLES (default 30),
# SCHEMATHESIS_REPORT_DIR (default ${CARGO_TARGET_DIR:-target}/schemathesis).
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
seed="${SCHEMATHESIS_SEED:-1}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-30}"
report_dir="${SCHEMATHESIS_REPORT_DIR:-$target/schemathesis}"
mkdir -p "$report_dir"

venv="$(tests/venv.sh tests/openapi/requirements.txt openapi)"
profile="${SCHEMATHESIS_SIM_PROFILE:-dev}"
if [ "$profile" = release ]; then
  cargo build --release --locked --quiet -p campaign-sim
  sim_bin="$target/release/campaign-sim"
else
  # The binaries the test step built (a no-op after it): `cargo build` would unify features
  # without the dev-dependencies and compile goose and jsonschema again.
  cargo test --workspace --locked --quiet --no-run
  sim_bin="$target/debug/campaign-sim"
fi

# Named campaigns, seeded: the simulator holds them (Kore.ai ones Ready or Active, VoiceGenie
# ones scheduled or running) and Schemathesis draws half of its campaign ids from the same names, the rest
# generated. So starts reach Active (running), stops Stopped and pauses paused, and status reads
# read them, instead of every id being unknown (404). Checked after each run from the counters.
campaigns="$report_dir/campaigns.toml"
config="$report_dir/schemathesis.toml"
ids=(sch-1 sch-2 sch-3 sch-4 sch-5 sch-6)
{
  echo 'auto_provision_prefix = ""'
  for i in "${!ids[@]}"; do
    # Half start idle, half already running: a stop or pause tested before any start still
    # finds a campaign to halt.
    if [ "$i" -lt 3 ]; then kore=Ready vg=scheduled; else kore=Active vg=running; fi
    printf '[[campaign]]\nvendor = "kore"\nid = "%s"\nstate = "%s"\n' "${ids[$i]}" "$kore"
    printf '[[campaign]]\nvendor = "voicegenie"\nid = "%s"\nstate = "%s"\n' "${ids[$i]}" "$vg"
  done
} >"$campaigns"
{
  printf '[dictionaries.campaigns]\nvalues = [%s]\n' "$(printf '"%s", ' "${ids[@]}" | sed 's/, $//')"
  printf '[parameters]\n"path.campaignId" = { dictionary = "campaigns", probability = 0.5 }\n'
} >"$config"

sim_log="$report_dir/campaign-sim.log"
: >"$sim_log"
"$sim_bin" --addr 127.0.0.1:0 --campaigns "$campaigns" >"$sim_log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT

# Readiness: the simulator prints its address, then must answer its counters route. Polled for
# at most 15 s; a simulator that exits early ends the wait at once.
base=""
deadline=$((SECONDS + 15))
while [ "$SECONDS" -lt "$deadline" ]; do
  kill -0 "$sim_pid" 2>/dev/null || { echo "campaign-sim exited:" >&2; cat "$sim_log" >&2; exit 1; }
  if [ -z "$base" ]; then
    base="$(sed -n 's/^campaign-sim listening on \(http:[^ ]*\).*/\1/p' "$sim_log" | head -n 1)"
  fi
  if [ -n "$base" ] && curl -fsS --max-time 1 "$base/__sim/counters" >/dev/null 2>&1; then
    break
  fi
  sleep 0.1
done
if [ -z "$base" ] || ! curl -fsS --max-time 1 "$base/__sim/counters" >/dev/null 2>&1; then
  echo "campaign-sim did not become ready within 15 s:" >&2
  cat "$sim_log" >&2
  exit 1
fi
echo "campaign-sim ready at $base"

run() {
  local vendor="$1"; shift
  echo "== schemathesis: $vendor (seed $seed, at most $max_examples examples per operation)"
  timeout 150 "$venv/bin/schemathesis" --config-file "$config" run "schemas/openapi/$vendor.json" \
    --url "$base" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --workers 1 \
    --mode all \
    --request-timeout 5 \
    --report junit --report-junit-path "$report_dir/$vendor.junit.xml" \
    "$@"
}

status=0
# The simulator takes any credential unless configured with one; these are placeholders.
# Both modes: requests the documents allow, and requests they forbid (a campaign id no client
# may send, a wrong type, a missing query key), whose answers must still be documented statuses
# in the documented shapes: a refused id is Kore.ai's 400 {msg, code} and VoiceGenie's 404.
# kore sms-stop-v2 is left out: its documented path holds an empty segment (`campaign//trigger`)
# and Schemathesis builds URLs with Python's urljoin, which drops it, so its requests would
# reach `campaign/trigger`, a path no operation has (404 UNKNOWN_ROUTE from the simulator).
run kore -H "auth: schemathesis.placeholder.jwt" --exclude-operation-id kore.sms-stop-v2 || status=$?
run voicegenie -H "x-api-key: schemathesis-placeholder-key" || status=$?

# The seeded campaigns were reached: each of these routes answered 200 at least once (a start
# reached Active or running, a stop Stopped, a pause paused, a status read a named campaign).
counters="$(curl -fsS --max-time 5 "$base/__sim/counters")"
python3 - "$counters" <<'PY' || status=1
import json, sys
routes = json.loads(sys.argv[1])["routes"]
need = ["kore voice-start-v1", "kore voice-stop-v1", "kore status-v1", "voicegenie start",
        "voicegenie pause", "voicegenie campaign"]
for route in sorted(routes):
    print(f"   {route}: " + ", ".join(f"{s} x{n}" for s, n in sorted(routes[route].items())))
missing = [r for r in need if routes.get(r, {}).get("200", 0) == 0]
if missing:
    print("schemathesis: no 200 on " + ", ".join(missing) + ": the seeded campaigns were not reached", file=sys.stderr)
    sys.exit(1)
print("schemathesis: the seeded campaigns were started, stopped, paused and read (200 on each)")
PY
exit "$status"
