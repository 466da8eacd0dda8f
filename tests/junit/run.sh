#!/usr/bin/env bash
# A load run whose thresholds fail, its JUnit file read back by junitparser (pinned in
# tests/openapi/requirements.txt): one user cannot send 100,000 requests a second, and no answer
# comes in under 0 ms, so p50<0ms, shortfall<=5% and late<=1% must be three failed test cases,
# each carrying what was measured, and the cleanup's case must pass.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="$(tests/venv.sh tests/openapi/requirements.txt openapi)"
target="${CARGO_TARGET_DIR:-target}"
# The binary the test step built (a no-op after it): `cargo build` would unify features without
# the dev-dependencies and compile goose and jsonschema again.
cargo test --workspace --locked --quiet --no-run
mkdir -p "$target/junit"
out="$target/junit/load-failing.xml"
rm -f "$out"
set +e
"$target/debug/campaign-load" --scenario scenarios/smoke.toml --users 1 --rate 100000 --run-time 2s \
  --threshold 'p50<0ms' --junit "$out" --quiet >"$target/junit/load-failing.txt" 2>&1
code=$?
set -e
if [ "$code" -ne 1 ]; then
  cat "$target/junit/load-failing.txt"
  echo "tests/junit/run.sh: campaign-load exited $code, expected 1 (thresholds failed)" >&2
  exit 1
fi
"$venv/bin/python" tests/junit/check_load_junit.py "$out" 3
