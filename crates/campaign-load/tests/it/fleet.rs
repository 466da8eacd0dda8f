//! A fleet on a configured host: three workers of one test (`--worker I/3`) against the
//! independent vendor stand-in (`tests/fixtures/vendor_standin.py`) with six named campaigns,
//! then `merge`. The stand-in, not campaign-load, says who drove which campaign: it keeps the
//! `User-Agent` of every start and stop per campaign, and each worker names its slice there.

use crate::standin::fixture::{self, StandIn};
use crate::support::{Watched, bin, text, tmp};
use campaign_load::Summary;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The six campaigns the user named for the fleet.
const NAMED: [&str; 6] = [
    "cmp-fleet-0",
    "cmp-fleet-1",
    "cmp-fleet-2",
    "cmp-fleet-3",
    "cmp-fleet-4",
    "cmp-fleet-5",
];

/// A bound on a worker's whole run (a few seconds of load, then cleanup): a hang, not a figure.
const WORKER_WITHIN: Duration = Duration::from_secs(120);

/// A scenario for the whole fleet: 6 users, each on a named campaign of its own, starting and
/// stopping it; `load` is the `[load]` table's body.
fn scenario(dir: &Path, load: &str) -> PathBuf {
    let path = dir.join("fleet.toml");
    std::fs::write(
        &path,
        format!(
            r#"name = "fleet"
description = "6 users over 3 workers, each on a named campaign of its own"
vendor = "kore"
thresholds = ["error-rate<1%"]

[[flow]]
name = "voice start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "per-user"
prefix = "load-"

[load]
{load}
"#
        ),
    )
    .expect("scenario written");
    path
}

/// Worker `i` of 3 on the stand-in, its summary at `dir/worker-i.json`, spawned (not waited).
fn worker(s: &StandIn, dir: &Path, scenario: &Path, i: u32, extra: &[&str]) -> Watched {
    let mut cmd = bin(dir);
    for var in StandIn::VARS {
        cmd.env_remove(var);
    }
    cmd.envs(s.env())
        .env("KORE_VOICE_CAMPAIGN_ID", NAMED.join(","))
        // Each worker its own journal, as each pod has.
        .env(
            "CAMPAIGN_HARNESS_JOURNAL_DIR",
            dir.join(format!("journal-{i}")),
        )
        .arg("--scenario")
        .arg(scenario)
        .args(["--worker", &format!("{i}/3"), "--quiet"])
        .arg("--summary")
        .arg(dir.join(format!("worker-{i}.json")))
        .arg("--report-file")
        .arg(dir.join(format!("worker-{i}.md")))
        .args(extra);
    Watched::spawn(&mut cmd)
}

/// Runs three workers at once and waits for each; returns their outputs.
fn run_fleet(s: &StandIn, dir: &Path, scenario: &Path, extra: &[&str]) -> Vec<String> {
    let mut workers: Vec<Watched> = (0..3).map(|i| worker(s, dir, scenario, i, extra)).collect();
    let mut outputs = Vec::new();
    for (i, w) in workers.iter_mut().enumerate() {
        let status = w.wait_for_exit(WORKER_WITHIN);
        let out = w.text();
        assert!(
            !out.contains(fixture::KORE_CLIENT_SECRET),
            "a credential reached the output"
        );
        assert_eq!(status.code(), Some(0), "worker {i}/3:\n{out}");
        outputs.push(out);
    }
    outputs
}

fn merge(dir: &Path, inputs: &[PathBuf], extra: &[&str]) -> (Option<i32>, String) {
    let out = bin(dir)
        .arg("merge")
        .args(inputs)
        .arg("--report-file")
        .arg(dir.join("merged.json"))
        .args(extra)
        .output()
        .expect("merge runs");
    (out.status.code(), text(&out))
}

fn summaries(dir: &Path) -> Vec<PathBuf> {
    (0..3)
        .map(|i| dir.join(format!("worker-{i}.json")))
        .collect()
}

/// Which campaigns each `User-Agent` drove, from the stand-in's own record.
fn drivers(state: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    NAMED
        .iter()
        .map(|c| {
            let agents = state["agents"][c]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (c.to_string(), agents)
        })
        .collect()
}

#[test]
fn three_workers_split_six_named_campaigns_and_merge_to_a_pass() {
    // Arrange
    let s = StandIn::start_with("none", &NAMED);
    let dir = tmp("fleet-closed");
    let scenario = scenario(&dir, "users = 6\nhatch_rate = 6\nrun_time = \"2s\"");

    // Act
    let outputs = run_fleet(&s, &dir, &scenario, &[]);
    let (code, merged_text) = merge(&dir, &summaries(&dir), &[]);

    // Assert: each named campaign was driven by exactly one worker, the one whose block holds
    // it (0/3 the first two, 1/3 the next two, 2/3 the last two), and none was left running.
    let state = s.state();
    for (n, (campaign, agents)) in drivers(&state).into_iter().enumerate() {
        let slice = format!("(worker {}/3)", n / 2);
        assert_eq!(agents.len(), 1, "{campaign} driven by {agents:?}");
        assert!(agents[0].ends_with(&slice), "{campaign}: {agents:?}");
        assert_eq!(state["kore"][&campaign], "Stopped", "{state}");
    }
    for (i, out) in outputs.iter().enumerate() {
        let mine = format!("{}, {}", NAMED[2 * i], NAMED[2 * i + 1]);
        assert!(
            out.contains(&format!("named by you): {mine}")),
            "worker {i}: {out}"
        );
        assert!(out.contains(&format!("worker {i}/3")), "{out}");
    }
    assert_eq!(code, Some(0), "{merged_text}");
    let merged = Summary::read(&dir.join("merged.json")).expect("merged summary");
    assert_eq!(merged.slices.len(), 3);
    assert_eq!(merged.workers, 3);
    assert!(merged.accounting.sent > 0);
    assert_eq!(
        merged.accounting.classes.get("ok").copied().unwrap_or(0) + cancelled(&merged),
        merged.accounting.sent,
        "{:?}",
        merged.accounting
    );
}

fn cancelled(s: &Summary) -> u64 {
    s.accounting
        .classes
        .get("cancelled at shutdown")
        .copied()
        .unwrap_or(0)
}

#[test]
fn an_open_model_fleet_sends_the_single_machine_schedule_once() {
    // Arrange: 60 arrivals a second for 3 s is 180 due on one machine; each worker is dealt
    // every third.
    let s = StandIn::start_with("none", &NAMED);
    let dir = tmp("fleet-open");
    let scenario = scenario(&dir, "users = 6\nrate = 60.0\nrun_time = \"3s\"");

    // Act
    run_fleet(&s, &dir, &scenario, &[]);
    let (code, merged_text) = merge(&dir, &summaries(&dir), &[]);

    // Assert: the stand-in served the schedule's 180 arrivals once each, plus the cleanup's
    // stops and status reads; the fleet's achieved rate is the target. Whether an arrival went
    // more than 10 ms late depends on how three workers and the stand-in share two cores: the
    // `late` rule may fail, no other may.
    let merged = Summary::read(&dir.join("merged.json")).expect("merged summary");
    let failed: Vec<&str> = merged
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.rule.as_str())
        .collect();
    assert!(
        failed.iter().all(|r| r.starts_with("late")),
        "{merged_text}"
    );
    assert_eq!(
        code,
        Some(if failed.is_empty() { 0 } else { 1 }),
        "{merged_text}"
    );
    let workers: Vec<Summary> = summaries(&dir)
        .iter()
        .map(|p| Summary::read(p).expect("worker summary"))
        .collect();
    let arrivals = merged.arrivals.as_ref().expect("open model");
    assert_eq!(arrivals.due, 180, "{arrivals:?}");
    assert_eq!(
        workers
            .iter()
            .map(|w| w.arrivals.as_ref().map_or(0, |a| a.due))
            .collect::<Vec<_>>(),
        vec![60, 60, 60]
    );
    let calls = &s.state()["calls"];
    let served: u64 = ["kore_start", "kore_stop", "kore_status"]
        .iter()
        .map(|k| calls[k].as_u64().unwrap_or_default())
        .sum();
    assert_eq!(
        served,
        arrivals.due + merged.cleanup_requests as u64,
        "{calls} against {arrivals:?}"
    );
    let target: f64 = arrivals.stages.iter().map(|st| st.target).sum();
    let achieved = arrivals.sent as f64;
    assert!(
        (achieved - target).abs() <= target * 0.02,
        "achieved {achieved} of {target}"
    );
    assert!((target - 180.0).abs() < 1e-6, "{target}");
}

#[test]
fn merge_refuses_a_fleet_with_a_worker_missing_unless_partial() {
    // Arrange
    let s = StandIn::start_with("none", &NAMED);
    let dir = tmp("fleet-missing");
    let scenario = scenario(&dir, "users = 6\nhatch_rate = 6\nrun_time = \"1s\"");
    run_fleet(&s, &dir, &scenario, &[]);
    let two = [dir.join("worker-0.json"), dir.join("worker-2.json")];

    // Act
    let (code, refused) = merge(&dir, &two, &[]);
    let (partial_code, partial) = merge(&dir, &two, &["--partial"]);
    let (twice_code, twice) = merge(
        &dir,
        &[
            dir.join("worker-0.json"),
            dir.join("worker-1.json"),
            dir.join("worker-2.json"),
            dir.join("worker-1.json"),
        ],
        &[],
    );

    // Assert
    assert_eq!(code, Some(2), "{refused}");
    assert!(
        refused.contains("missing worker(s) 1") && refused.contains("--partial"),
        "{refused}"
    );
    assert_eq!(partial_code, Some(0), "{partial}");
    assert_eq!(twice_code, Some(2), "{twice}");
}

#[test]
fn workers_given_one_start_time_send_nothing_before_it_and_count_from_it() {
    // Arrange: the start a few seconds ahead; the workers are launched one after another.
    let s = StandIn::start_with("none", &NAMED);
    let dir = tmp("fleet-start-at");
    let scenario = scenario(&dir, "users = 6\nrate = 30.0\nrun_time = \"2s\"");
    let start = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    let start_text = start
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");

    // Act
    run_fleet(&s, &dir, &scenario, &["--start-at", &start_text]);

    // Assert: every worker's zero is the start time, and the stand-in saw no request of any
    // worker before it.
    let state = s.state();
    let first_seen = state["first_seen"].as_object().expect("first_seen");
    let workers: Vec<_> = first_seen
        .iter()
        .filter(|(ua, _)| ua.contains("(worker "))
        .collect();
    assert_eq!(workers.len(), 3, "{state}");
    let start_secs = start.unix_timestamp_nanos() as f64 / 1e9;
    for (ua, t) in workers {
        let t = t.as_f64().expect("a time");
        assert!(
            t >= start_secs,
            "{ua} sent at {t}, before the start {start_secs}"
        );
    }
    for p in summaries(&dir) {
        let w = Summary::read(&p).expect("summary");
        let zero = time::OffsetDateTime::parse(
            w.started_at.as_deref().expect("started_at"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339");
        // Recorded to the microsecond.
        assert!(
            (zero - start).abs() < time::Duration::microseconds(1),
            "{} started at {zero}, not {start}",
            p.display()
        );
    }
}

/// Refused before anything is sent: `--worker` that is not `I/N`, a slice with no users, and
/// `--workers` outside an Indexed Job.
#[test]
fn bad_worker_slices_are_refused_with_what_to_give() {
    let dir = tmp("fleet-bad");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c: Command = bin(&dir);
        c.env_remove("JOB_COMPLETION_INDEX")
            .env_remove("CAMPAIGN_LOAD_WORKER")
            .args(["--scenario", "scenarios/smoke.toml", "-t", "1s"])
            .args(args)
            .envs(env.iter().copied());
        let out = c.output().expect("runs");
        (out.status.code(), text(&out))
    };
    let (code, out) = run(&["--worker", "3/3"], &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("--worker = \"3/3\"") && out.contains("I/N"),
        "{out}"
    );
    let (code, out) = run(&[], &[("CAMPAIGN_LOAD_WORKER", "1-3")]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("CAMPAIGN_LOAD_WORKER"), "{out}");
    let (code, out) = run(&["--worker", "9/10", "-u", "8"], &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("worker 9/10 gets none of the scenario's 8 users"),
        "{out}"
    );
    let (code, out) = run(&["--workers", "3"], &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("JOB_COMPLETION_INDEX"), "{out}");
    let (code, out) = run(&["--workers", "3"], &[("JOB_COMPLETION_INDEX", "5")]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = run(&["--start-at", "tomorrow"], &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("RFC 3339"), "{out}");
}

/// A worker whose block of the named campaigns is smaller than its users is refused with the
/// numbers before anything is sent: 9 users over 3 workers is 3 each, 6 names are 2 each.
#[test]
fn a_worker_with_fewer_named_campaigns_than_users_is_refused() {
    let s = StandIn::start_with("none", &NAMED);
    let dir = tmp("fleet-too-few");
    let scenario = scenario(&dir, "users = 9\nhatch_rate = 9\nrun_time = \"1s\"");

    let mut w = worker(&s, &dir, &scenario, 0, &[]);
    let status = w.wait_for_exit(WORKER_WITHIN);
    let out = w.text();

    assert_eq!(status.code(), Some(2), "{out}");
    assert!(
        out.contains("worker 0/3 drives 3 user(s)")
            && out.contains("its block of the 6 named campaign(s) holds 2"),
        "{out}"
    );
    let calls = &s.state()["calls"];
    assert_eq!(calls["kore_start"], 0, "{calls}");
}
