//! `compare` held to account on the simulator: +2 ms of added latency and 2% of 503s must be
//! called regressions in every pair (sensitivity). The runs are short (an open model at a fixed
//! rate for 2 s) and run eight at once.
//!
//! **False alarms are measured, not asserted here: the target (no significant change on p99 in
//! at least 9 of 10 unchanged pairs) is not met.** On this project's 2-core machine the p99 of
//! two runs of one build differs by up to ±100% (the process a run lands in, what else is
//! scheduled beside it), consistently across all of a run's seconds, and an interval made from
//! one run's seconds cannot see that run-to-run wander: 4, 6 and 7 of 10 unchanged pairs were
//! quiet at the default 5%, 7 of 10 even at 50%. `benches/compare-false-alarms.py` measures it;
//! several runs a side (a bootstrap over runs, then seconds) is the fix that is not built yet.

use crate::support::*;
use campaign_load::Summary;
use campaign_load::compare::{Metric, Options, Verdict, compare};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Pairs per question.
const PAIRS: usize = 10;
/// Runs at once: each is an open model at [`RATE`], far below what the machine serves.
const AT_ONCE: usize = 8;
const RATE: u32 = 100;
const RUN_TIME: &str = "2s";

/// A scenario named "stats" (one name for all: compare refuses runs of different scenarios),
/// with `sim` as its simulator's faults.
fn scenario(dir: &Path, file: &str, sim: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(
        &path,
        format!(
            r#"name = "stats"
vendor = "kore"

[[flow]]
name = "voice start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "per-user"
prefix = "load-stats-"

[load]
users = 16
rate = {RATE}
run_time = "{RUN_TIME}"

[sim]
seed = 11
{sim}
"#
        ),
    )
    .expect("scenario");
    path
}

/// Runs every (scenario, summary) pair, [`AT_ONCE`] at a time; each run's exit is its own
/// business (a 503 run fails its error-rate rule), only its summary is read.
fn run_all(dir: &Path, runs: &[(PathBuf, PathBuf)]) -> Vec<Summary> {
    for batch in runs.chunks(AT_ONCE) {
        let children: Vec<_> = batch
            .iter()
            .map(|(scenario, summary)| {
                bin(dir)
                    .arg("--scenario")
                    .arg(scenario)
                    .arg("--summary")
                    .arg(summary)
                    .arg("--report-file")
                    .arg(summary.with_extension("md"))
                    .arg("--quiet")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("campaign-load starts")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().expect("campaign-load ends");
            assert!(
                out.status.code().is_some_and(|c| c <= 3),
                "{:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    runs.iter()
        .map(|(_, s)| Summary::read(s).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Each baseline with its new run.
fn pair<'a>(base: &[&'a Summary], news: Vec<&'a Summary>) -> Vec<(&'a Summary, &'a Summary)> {
    base.iter().copied().zip(news).collect()
}

/// How many of `pairs` `compare` calls `verdict` on the whole run's `metric`.
fn count(pairs: &[(&Summary, &Summary)], metric: Metric, verdict: Verdict) -> usize {
    pairs
        .iter()
        .filter(|(a, b)| {
            let c = compare(a, b, &Options::default()).expect("comparable");
            let row = c
                .rows
                .iter()
                .find(|r| r.scope == "all" && r.metric == metric)
                .expect("a whole-run row");
            eprintln!(
                "  {} {:+.1}% / {:+.2}pp  {:?}",
                metric.name(),
                row.change * 100.0,
                row.change,
                row.interval
            );
            row.verdict == verdict
        })
        .count()
}

#[test]
fn compare_catches_2ms_more_and_2_percent_of_503s_in_every_pair() {
    let dir = tmp("compare-stats");
    let same = scenario(&dir, "same.toml", "");
    let slow = scenario(&dir, "slow.toml", "latency = \"fixed 2ms\"");
    let failing = scenario(&dir, "failing.toml", "error_rate_503 = 0.02");
    // Interleaved, so each batch holds every kind and a busy moment of the machine falls on
    // baselines and new runs alike.
    let mut runs = Vec::new();
    for i in 0..PAIRS {
        for (kind, file) in [("base", &same), ("slow", &slow), ("503", &failing)] {
            runs.push((file.clone(), dir.join(format!("{kind}-{i}.json"))));
        }
    }
    let all = run_all(&dir, &runs);
    let of = |k: usize| all.iter().skip(k).step_by(3).collect::<Vec<_>>();
    let (base, slow, failing) = (of(0), of(1), of(2));

    eprintln!("+2 ms:");
    let slower = count(&pair(&base, slow), Metric::Service(99), Verdict::Regressed);
    eprintln!("2% 503:");
    let errors = count(&pair(&base, failing), Metric::ErrorRate, Verdict::Regressed);
    eprintln!(
        "+2 ms regressed in {slower} of {PAIRS} pairs; 2% 503 regressed in {errors} of {PAIRS}"
    );
    assert_eq!(slower, PAIRS, "+2 ms missed");
    assert_eq!(errors, PAIRS, "2% of 503s missed");
}

/// The command as a person runs it: a table, a failing gate (exit 1) on the slow run, JSON
/// valid against its published schema, and JUnit with one case per rule.
#[test]
fn the_compare_command_prints_the_table_and_gates_on_its_rules() {
    let dir = tmp("compare-cli");
    let same = scenario(&dir, "same.toml", "");
    let slow = scenario(&dir, "slow.toml", "latency = \"fixed 2ms\"");
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    run_all(&dir, &[(same, a.clone()), (slow, b.clone())]);
    let (json, junit, html) = (dir.join("c.json"), dir.join("c.xml"), dir.join("c.html"));
    let out = bin(&dir)
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .args(["--fail-on", "p99:+10%", "--fail-on", "error-rate:+0.5pp"])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("compare runs");
    let t = text(&out);
    eprintln!("{t}");
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("all p99") && t.contains("regressed"), "{t}");
    assert!(t.contains("gate p99:+10% FAIL"), "{t}");
    assert!(t.contains("gate error-rate:+0.5pp PASS"), "{t}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("schemas/report/load-compare.json"))
            .expect("schema"),
    )
    .expect("schema JSON");
    let v = jsonschema::validator_for(&schema).expect("a schema");
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let x = std::fs::read_to_string(&junit).expect("junit");
    assert_eq!(x.matches("<testcase ").count(), 2, "{x}");
    assert_eq!(x.matches("<failure ").count(), 1, "{x}");

    let page = std::fs::read_to_string(&html).expect("html");
    assert_eq!(
        page.matches("<svg").count(),
        2,
        "rate and latency, overlaid"
    );
    assert!(page.contains("baseline p99") && page.contains("new p99"));
    assert!(!page.contains("<script"), "self-contained");

    // The same gate at the end of a run: --baseline.
    let slow_again = scenario(&dir, "slow2.toml", "latency = \"fixed 2ms\"");
    let out = bin(&dir)
        .arg("--scenario")
        .arg(&slow_again)
        .arg("--baseline")
        .arg(&a)
        .args(["--fail-on", "p99:+10%", "--quiet"])
        .arg("--report-file")
        .arg(dir.join("again.md"))
        .output()
        .expect("a run");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("compared with the baseline") && t.contains("gate p99:+10% FAIL"),
        "{t}"
    );

    // Another scenario's run is refused, with why and the way past it.
    let mut other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&b).expect("summary")).expect("JSON");
    other["scenario"] = "soak".into();
    let c = dir.join("other.json");
    std::fs::write(&c, other.to_string()).expect("write");
    let out = bin(&dir)
        .arg("compare")
        .arg(&a)
        .arg(&c)
        .output()
        .expect("runs");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("not runs of the same test") && t.contains("--force"),
        "{t}"
    );
}
