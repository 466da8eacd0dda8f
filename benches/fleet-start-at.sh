#!/usr/bin/env bash
# A fleet on a configured host, and how closely workers given one --start-at start (issue 19):
# three workers of one open-model test (--worker I/3) launched 1 s apart against the independent
# vendor stand-in with six named campaigns, all told to start at the same instant, then merged.
# Prints the merge's verdict, the schedule's account against what the stand-in served, which
# worker drove which campaign (the stand-in's record of User-Agents), and each worker's first
# request against the start time (the stand-in's wall clock) with their spread. A measurement,
# not a test: the timing figures depend on the machine.
#
#   benches/fleet-start-at.sh [BIN_DIR]     (default target/release; build it first)
#
# Everything listens on and sends to 127.0.0.1; every process it starts is ended on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release}/campaign-load
[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p campaign-load" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

ids=(cmp-fleet-0 cmp-fleet-1 cmp-fleet-2 cmp-fleet-3 cmp-fleet-4 cmp-fleet-5)
args=()
for c in "${ids[@]}"; do args+=(--kore-campaign "$c"); done
python3 tests/fixtures/vendor_standin.py --port 0 --kore-client-id bench-id \
  --kore-client-secret bench-secret "${args[@]}" > "$work/standin.out" &
pids+=($!)
for _ in $(seq 100); do grep -q READY "$work/standin.out" && break; sleep 0.1; done
url=$(sed -n 's/^READY //p' "$work/standin.out")
[ -n "$url" ] || { echo "the stand-in did not start" >&2; exit 1; }

cat > "$work/fleet.toml" <<'EOF'
name = "fleet-start-at"
description = "6 users over 3 workers, 300 arrivals/s for 2 s"
vendor = "kore"
thresholds = ["error-rate<1%"]
[[flow]]
name = "voice start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]
[campaigns]
mode = "per-user"
prefix = "load-"
[load]
users = 6
rate = 300.0
run_time = "2s"
EOF

start=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%S.%3NZ)
echo "start at $start; workers launched 1 s apart"
for i in 0 1 2; do
  KORE_BASE_URL=$url KORE_ACCOUNT_ID=acc-bench KORE_APP_ID=st-bench \
  KORE_CLIENT_ID=bench-id KORE_CLIENT_SECRET=bench-secret \
  KORE_VOICE_CAMPAIGN_ID=$(IFS=,; echo "${ids[*]}") \
  CAMPAIGN_HARNESS_JOURNAL_DIR="$work/journal-$i" \
    "$BIN" --scenario "$work/fleet.toml" --worker "$i/3" --start-at "$start" --quiet \
    --summary "$work/w$i.json" --report-file "$work/w$i.md" > "$work/w$i.log" 2>&1 &
  pids+=($!)
  [ "$i" -lt 2 ] && sleep 1
done
for p in "${pids[@]:1}"; do wait "$p" || { echo "a worker failed:"; cat "$work"/w*.log; exit 1; }; done

"$BIN" merge "$work"/w0.json "$work"/w1.json "$work"/w2.json --report-file "$work/merged.json" \
  > "$work/merge.log" 2>&1 && echo "merge: exit 0" || echo "merge: exit $?"
grep -E '^(threshold|PASS|FAIL)' "$work/merge.log" | sed 's/^/  /'
curl -s "$url/__standin/state" > "$work/state.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
m = json.load(open(f"{work}/merged.json"))
state = json.load(open(f"{work}/state.json"))
a = m["arrivals"]
calls = state["calls"]
served = calls["kore_start"] + calls["kore_stop"] + calls["kore_status"]
target = sum(s["target"] for s in a["stages"])
print(f"schedule: {a['due']} due, {a['sent']} sent, {a['dropped']} dropped; cleanup requests {m['cleanup_requests']}")
print(f"stand-in served {served} = due {a['due']} + cleanup {m['cleanup_requests']}: {served == a['due'] + m['cleanup_requests']}")
print(f"achieved {a['sent'] / m['duration_secs']:.1f} req/s of {target / m['duration_secs']:.1f} target ({100 * (a['sent'] - target) / target:+.2f}%)")
for c, agents in sorted(state["agents"].items()):
    print(f"  {c}: {', '.join(agents)}")
print("left running:", [c for c, st in state["kore"].items() if st == "Active"] or "none")
PY
curl -s "$url/__standin/state" | python3 -c '
import json, sys, datetime
start = datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()
seen = {ua: t for ua, t in json.load(sys.stdin)["first_seen"].items() if "(worker " in ua}
for ua, t in sorted(seen.items()):
    print(f"  {ua}: first request {1000 * (t - start):+.1f} ms from the start time")
ts = list(seen.values())
print(f"spread of the first requests: {1000 * (max(ts) - min(ts)):.1f} ms over {len(ts)} workers")
' "$start"
