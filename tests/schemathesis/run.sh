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

sim_log="$report_dir/campaign-sim.log"
: >"$sim_log"
"$sim_bin" --addr 127.0.0.1:0 >"$sim_log" 2>&1 &
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
  timeout 150 "$venv/bin/schemathesis" run "schemas/openapi/$vendor.json" \
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
exit "$status"
