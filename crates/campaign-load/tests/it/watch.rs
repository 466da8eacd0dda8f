//! A run a person can watch and stop early: progress lines while it lasts, an abort rule that
//! stops a failing run (its cleanup still runs), bounded attempts toward a host that refuses
//! every connection, and the bounds of a run (iterations, rates) refused or kept as documented.
//!
//! Each test runs the binary; what it asserts comes from the run's own summary and accounting
//! (counts, the instant the abort rule broke), never from a wall-clock window.

use crate::support::{bin, text, tmp};
use std::path::Path;

/// The summary the run wrote to `path`, held to its published schema
/// (`schemas/report/load-summary.json`).
fn summary(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("the run wrote its summary");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("summary JSON");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            crate::support::workspace().join("schemas/report/load-summary.json"),
        )
        .expect("the published schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the summary schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    doc
}

/// The embedded simulator answers 503 to a fifth of the requests from 3 s of its clock
/// (restarted when the run begins); the rule `error-rate<5%`, marked to abort on a 2 s window,
/// stops a 30 s run there: exit 1, the closing line names the rule, and every campaign is
/// confirmed halted (the cleanup's stops and reads meet the same 503s, and retry them).
#[test]
fn an_abort_rule_stops_a_failing_run_and_its_cleanup_still_runs() {
    let dir = tmp("abort");
    let scenario = dir.join("abort.toml");
    std::fs::write(
        &scenario,
        r#"name = "abort"
description = "503 on a fifth from 3 s on; aborts on a 2 s window"
vendor = "kore"
thresholds = ["p99<1s", { rule = "error-rate<5%", abort = true, abort_after = "2s" }]

[[flow]]
name = "voice start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "per-user"
prefix = "load-abort-"

[load]
users = 4
hatch_rate = 4
run_time = "30s"

[[sim.schedule]]
from = "3s"
error_rate_503 = 0.2
"#,
    )
    .expect("scenario");
    let summary_path = dir.join("abort.summary.json");
    let out = bin(&dir)
        .arg("--scenario")
        .arg(&scenario)
        .arg("--summary")
        .arg(&summary_path)
        .arg("--progress-interval")
        .arg("1s")
        .output()
        .expect("ran");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("aborts (stops, cleans up, exits 1) when one breaks: error-rate<5%:abort=2s on the last 2 s"),
        "the banner names the abort rule: {all}"
    );
    assert!(
        all.contains("ABORTED at ") && all.contains(" by error-rate<5%:abort=2s: error rate "),
        "the closing line names the rule: {all}"
    );
    assert!(!all.contains("PASS"), "{all}");
    let s = summary(&summary_path);
    let at = s["aborted"]["at_secs"].as_f64().expect("aborted.at_secs");
    // No 503 before 3 s, so the rule cannot break before; it broke well before 8 s, and the
    // run's schedule ended there.
    assert!((3.0..8.0).contains(&at), "broke at {at} s: {all}");
    let lasted = s["duration_secs"].as_f64().expect("duration");
    assert!(lasted < 8.0, "the run lasted {lasted} s of 30: {all}");
    assert_eq!(s["campaigns_stopped_at_end"], 4, "{all}");
    let lines = s["thresholds"].as_array().expect("thresholds");
    assert!(
        lines
            .iter()
            .any(|t| t["rule"] == "aborted by error-rate<5%:abort=2s" && t["passed"] == false),
        "{lines:?}"
    );
    // Progress lines were printed while it lasted, plain (not a terminal).
    let progress: Vec<&str> = all.lines().filter(|l| l.starts_with('[')).collect();
    assert!(!progress.is_empty(), "{all}");
    assert!(
        progress
            .iter()
            .all(|l| l.contains(" req/s | ") && l.contains("| in flight ")),
        "{progress:?}"
    );
    assert!(!all.contains('\r'), "no redraw outside a terminal: {all}");
}

/// A closed port: 2 users for 3 s make at most 20 connection attempts (each waits 50 ms,
/// doubling to 1 s, after a refusal), the run never passes, and its campaign, whose start never
/// connected, is reported as never started (not stopped, not left to be checked by hand).
#[test]
fn a_closed_port_gets_a_bounded_number_of_attempts() {
    let dir = tmp("closed-port");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let scenario = dir.join("closed.toml");
    std::fs::write(
        &scenario,
        r#"name = "closed"
vendor = "kore"
thresholds = ["p95<250ms"]

[[flow]]
name = "loop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "shared"
id = "cmp-closed-1"

[load]
users = 2
hatch_rate = 2
run_time = "3s"
"#,
    )
    .expect("scenario");
    let summary_path = dir.join("closed.summary.json");
    let out = bin(&dir)
        .arg("--scenario")
        .arg(&scenario)
        .arg("--summary")
        .arg(&summary_path)
        .envs([
            ("KORE_BASE_URL", format!("http://127.0.0.1:{port}")),
            (
                "KORE_JWT",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbG9zZWQifQ.c2VjcmV0".into(),
            ),
            ("KORE_ACCOUNT_ID", "acc-closed".into()),
            ("KORE_APP_ID", "st-closed".into()),
            ("KORE_VOICE_CAMPAIGN_ID", "cmp-closed-1".into()),
        ])
        .output()
        .expect("ran");
    let all = text(&out);
    // A failed threshold (1), not "not confirmed halted" (3): no start reached the host.
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(!all.contains("PASS"), "{all}");
    assert!(!all.contains("CHECK IT BY HAND"), "{all}");
    assert!(
        all.contains("campaigns never started: 1 (no start reached the host"),
        "{all}"
    );
    assert!(
        all.contains("on failure: a user whose request gets no answer"),
        "{all}"
    );
    let s = summary(&summary_path);
    let sent = s["accounting"]["sent"].as_u64().expect("sent");
    let refused = s["accounting"]["classes"]["transport refused"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(refused, sent, "{all}");
    assert!((2..=20).contains(&sent), "{sent} attempts: {all}");
    assert!(s["backoffs"].as_u64().unwrap_or(0) >= sent - 1, "{all}");
    // A refused connect is not a fast answer: the latency rule fails, on no answers.
    assert!(all.contains("no request got an answer"), "{all}");
}

/// `iterations` bounds a run, from the flag (replacing the file's run time) and from the file.
#[test]
fn iterations_bound_a_run_from_the_flag_and_from_the_file() {
    let dir = tmp("iterations");
    let out = bin(&dir)
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--iterations",
            "3",
            "-u",
            "2",
        ])
        .arg("--summary")
        .arg(dir.join("flag.json"))
        .arg("--report-file")
        .arg(dir.join("flag.md"))
        .output()
        .expect("ran");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("3 iterations per user"), "{all}");
    // 2 users × 3 iterations × 2 steps.
    assert_eq!(
        summary(&dir.join("flag.json"))["accounting"]["sent"],
        12,
        "{all}"
    );

    let scenario = dir.join("iter.toml");
    std::fs::write(
        &scenario,
        r#"name = "iter"
vendor = "kore"

[[flow]]
name = "loop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "per-user"
prefix = "load-iter-"

[load]
users = 3
hatch_rate = 3
iterations = 2
"#,
    )
    .expect("scenario");
    let out = bin(&dir)
        .arg("--scenario")
        .arg(&scenario)
        .arg("--summary")
        .arg(dir.join("file.json"))
        .output()
        .expect("ran");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert_eq!(
        summary(&dir.join("file.json"))["accounting"]["sent"],
        12,
        "{all}"
    );

    // Both bounds in one file: refused before anything is sent, naming both keys.
    std::fs::write(
        &scenario,
        std::fs::read_to_string(&scenario)
            .expect("read")
            .replace("iterations = 2", "iterations = 2\nrun_time = \"5s\""),
    )
    .expect("scenario");
    let out = bin(&dir)
        .arg("--scenario")
        .arg(&scenario)
        .output()
        .expect("ran");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("[load] iterations and run_time: give one bound"),
        "{all}"
    );
}

/// A rate under 1/s or over the process's limit is refused with exit 2, naming the key.
#[test]
fn a_rate_out_of_bounds_is_refused() {
    let dir = tmp("rate-bounds");
    for rate in ["0.001", "1e300", "200001"] {
        let out = bin(&dir)
            .args([
                "--scenario",
                "scenarios/smoke.toml",
                "--rate",
                rate,
                "-t",
                "2s",
            ])
            .output()
            .expect("ran");
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{rate}: {all}");
        assert!(all.contains("[load] rate (--rate)"), "{rate}: {all}");
        assert!(
            all.contains("is outside 1 to 100000 requests per second"),
            "{rate}: {all}"
        );
    }
}

/// A duration flag reads k6's and Goose's compound forms, and a bad one gets a message about
/// its value (a negative one reached clap as an unknown flag before).
#[test]
fn a_bad_duration_flag_is_refused_with_what_is_wrong_with_it() {
    let dir = tmp("durations");
    for (value, says) in [
        (
            "-3s",
            "\"-3s\" is negative: a duration is 0 or more, e.g. 10s",
        ),
        (
            "99999h",
            "\"99999h\" is out of range: a duration is at most 7d",
        ),
        ("1m30", "\"1m30\" needs a unit"),
    ] {
        let out = bin(&dir)
            .args(["--scenario", "scenarios/smoke.toml", "-t", value])
            .output()
            .expect("ran");
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{value}: {all}");
        assert!(all.contains(says), "{value}: {all}");
    }
}
