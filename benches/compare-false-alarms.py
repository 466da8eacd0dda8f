#!/usr/bin/env python3
"""False alarms of `campaign-load compare`, measured: PAIRS pairs of runs of one scenario on an
unchanged embedded simulator (an open model at RATE req/s for RUN_TIME, AT_ONCE runs at a
time), each pair compared; prints each pair's p99 change, interval and verdict, and how many
pairs were quiet ("no significant change") at each noise threshold in NOISES. The target is 9 of
10 quiet at the default 5%. Standard library only; 127.0.0.1 only; bounded by PAIRS x RUN_TIME.

  BIN=target/release/campaign-load benches/compare-false-alarms.py
  PAIRS=10 AT_ONCE=2 RATE=100 RUN_TIME=3s NOISES=5,20,50 benches/compare-false-alarms.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(os.environ.get("BIN", "target/release/campaign-load"))
PAIRS = int(os.environ.get("PAIRS", "10"))
AT_ONCE = int(os.environ.get("AT_ONCE", "2"))
RATE = int(os.environ.get("RATE", "100"))
RUN_TIME = os.environ.get("RUN_TIME", "3s")
NOISES = [float(n) for n in os.environ.get("NOISES", "5,20,50").split(",")]

if not os.access(BIN, os.X_OK):
    sys.exit(f"compare-false-alarms: {BIN} is not an executable (build it, or set BIN)")

work = tempfile.mkdtemp(prefix="compare-aa-")
scenario = os.path.join(work, "aa.toml")
with open(scenario, "w") as f:
    f.write(f'''name = "aa"
vendor = "kore"
[[flow]]
name = "voice start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]
[campaigns]
mode = "per-user"
prefix = "load-aa-"
[load]
users = 16
rate = {RATE}
run_time = "{RUN_TIME}"
[sim]
seed = 11
''')
env = dict(os.environ, CAMPAIGN_HARNESS_JOURNAL_DIR=os.path.join(work, "journal"))
order = [f"{side}-{i}.json" for i in range(PAIRS) for side in ("a", "b")]
started = time.time()
for k in range(0, len(order), AT_ONCE):
    procs = [
        subprocess.Popen(
            [BIN, "--scenario", scenario, "--summary", os.path.join(work, o),
             "--report-file", os.path.join(work, o + ".md"), "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        for o in order[k:k + AT_ONCE]
    ]
    for p in procs:
        p.wait(timeout=120)
print(f"{2 * PAIRS} runs of {RUN_TIME} at {RATE} req/s, {AT_ONCE} at a time: {time.time() - started:.0f} s")
for noise in NOISES:
    quiet = 0
    for i in range(PAIRS):
        out = os.path.join(work, "c.json")
        subprocess.run([BIN, "compare", os.path.join(work, f"a-{i}.json"), os.path.join(work, f"b-{i}.json"),
                        "--noise", str(noise), "--json", out], stdout=subprocess.DEVNULL, timeout=120)
        with open(out) as f:
            c = json.load(f)
        row = next(r for r in c["rows"] if r["scope"] == "all" and r["metric"] == {"service": 99})
        quiet += row["verdict"] == "no-significant-change"
        if noise == NOISES[0]:
            i_ = row["interval"] or {"lo": 0, "hi": 0}
            print(f"  pair {i}: p99 {row['base']:.0f} -> {row['new']:.0f} us, {row['change'] * 100:+.1f}% "
                  f"[{i_['lo'] * 100:+.1f}%, {i_['hi'] * 100:+.1f}%] {row['verdict']}")
    print(f"noise {noise:g}%: no significant change on p99 in {quiet} of {PAIRS} unchanged pairs")
