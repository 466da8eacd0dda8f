//! The `campaign-load` binary as a user runs it: verdict exit codes, reports, refusals, and the
//! cleanup after SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_campaign-load"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    // Journals of these runs stay in the test's own folder, never the user's.
    c.env("CAMPAIGN_HARNESS_JOURNAL_DIR", tmp("journal"));
    // Never pick up a developer's sandbox from the environment.
    for v in ["KORE_BASE_URL", "VOICEGENIE_BASE_URL"] {
        c.env_remove(v);
    }
    c
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("campaign-load-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn smoke_passes_writes_reports_and_a_threshold_that_cannot_hold_fails() {
    let (html, md, summary) = (
        tmp("smoke.html"),
        tmp("smoke.md"),
        tmp("smoke.summary.json"),
    );
    let out = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "2s",
            "--report-file",
        ])
        .arg(&html)
        .arg("--report-file")
        .arg(&md)
        .arg("--summary")
        .arg(&summary)
        .output()
        .expect("runs");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("embedded simulator") && t.contains("campaign-load accounting"),
        "{t}"
    );
    assert!(
        t.contains("threshold p95<250ms") && t.contains("pass"),
        "{t}"
    );
    for f in [&html, &md, &summary] {
        assert!(
            std::fs::metadata(f).map(|m| m.len() > 0).unwrap_or(false),
            "{} not written",
            f.display()
        );
    }
    let md_text = std::fs::read_to_string(&md).expect("markdown");
    assert!(md_text.contains("kore voice-start-v1"), "{md_text}");

    let out = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "2s",
            "--threshold",
            "p50<0ms",
            "--quiet",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAIL"), "{}", text(&out));
}

#[test]
fn a_malformed_scenario_is_refused_naming_file_line_and_key() {
    let bad = tmp("bad.toml");
    std::fs::write(
        &bad,
        "vendor = \"kore\"\n[[flow]]\nsteps = [\"voice-start-v1\"]\n[campaigns]\nmode = \"per-user\"\n[load]\nuserz = 3\nrun_time = \"1s\"\n",
    )
    .expect("write");
    let out = bin().arg("--scenario").arg(&bad).output().expect("runs");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(&bad.display().to_string()) && t.contains("line 7") && t.contains("userz"),
        "{t}"
    );
}

#[test]
fn refuses_remote_hosts_without_consent_and_unbounded_runs() {
    let out = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--host",
            "https://campaigns.example.com",
        ])
        .env("KORE_JWT", "x")
        .output()
        .expect("runs");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("--allow-remote"), "{t}");

    let unbounded = tmp("unbounded.toml");
    std::fs::write(
        &unbounded,
        "vendor = \"kore\"\n[[flow]]\nsteps = [\"voice-start-v1\"]\n[campaigns]\nmode = \"per-user\"\n[load]\nusers = 2\n",
    )
    .expect("write");
    let out = bin()
        .arg("--scenario")
        .arg(&unbounded)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("without a bound"), "{}", text(&out));
}

/// A child whose stdout and stderr lines are read on their own threads, so that a test can wait
/// for a line, or for the exit, with a deadline; past one it kills the child and fails with what
/// the child printed.
struct Watched {
    pid: u32,
    lines: mpsc::Receiver<String>,
    exit: mpsc::Receiver<std::io::Result<ExitStatus>>,
    exited: bool,
    seen: Vec<String>,
}

impl Watched {
    fn new(mut child: Child) -> Watched {
        let (tx, lines) = mpsc::channel();
        let out = child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>);
        for pipe in [out, err].into_iter().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let pid = child.id();
        let (done, exit) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait());
        });
        Watched {
            pid,
            lines,
            exit,
            exited: false,
            seen: Vec::new(),
        }
    }

    /// Everything read so far, one line each.
    fn text(&self) -> String {
        self.seen.join("\n")
    }

    /// Waits until a line contains `needle`.
    fn wait_for_line(&mut self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no line with {needle:?} within {within:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("output closed before a line with {needle:?}"))
                }
            }
        }
    }

    /// Waits for the exit, then reads the rest of the output.
    fn wait_for_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        let status = match self.exit.recv_timeout(within) {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => self.fail(&format!("waiting for the exit failed: {e}")),
            Err(_) => self.fail(&format!("still running {within:?} later")),
        };
        self.exited = true;
        // The pipes close with the process; a grandchild holding them would not stop the test.
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        status
    }

    fn kill(&mut self) {
        if !self.exited && self.exit.try_recv().is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .status();
        }
        self.exited = true;
    }

    fn fail(&mut self, why: &str) -> ! {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        panic!("campaign-load: {why}; it printed:\n{}", self.text());
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_run_and_every_campaign_it_started() {
    // Arrange: a 60 s run against a simulator this test owns, its reports in a folder of its own.
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let config_url = format!("{}/__sim/config", sim.base_url());
    let sim_config = || async {
        reqwest::get(&config_url)
            .await
            .expect("get")
            .json::<serde_json::Value>()
            .await
            .expect("json")
    };
    // The simulator's own campaigns; the smoke scenario's 8 users each add one of their own.
    let seeded = sim_config().await["campaigns_now"]
        .as_u64()
        .expect("campaigns_now");
    let child = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "60s",
            "--quiet",
            "--host",
            &sim.base_url(),
            "--report-file",
        ])
        .arg(tmp("sigterm.md"))
        .arg("--summary")
        .arg(tmp("sigterm.summary.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut child = Watched::new(child);
    // Act: wait until the attack runs (its readiness line: SIGTERM from here on is handled) and
    // every user has started its campaign and one is running, then send SIGTERM. Every wait is
    // bounded.
    let mut child = tokio::task::spawn_blocking(move || {
        child.wait_for_line(campaign_load::run::READY, Duration::from_secs(60));
        child
    })
    .await
    .expect("join");
    let running = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let c = sim_config().await;
            if c["campaigns_now"].as_u64().unwrap_or(0) >= seeded + 8
                && c["active_now"].as_u64().is_some_and(|n| n > 0)
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let Ok(running) = running else {
        child.fail("the 8 users' campaigns were not running 30 s after the readiness line");
    };
    let kill = Command::new("kill")
        .args(["-TERM", &child.pid.to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let (status, t) = tokio::task::spawn_blocking(move || {
        let status = child.wait_for_exit(Duration::from_secs(60));
        (status, child.text())
    })
    .await
    .expect("join");

    // Assert: it exited by itself, and stopped every campaign it had started.
    assert!(
        status.code().is_some(),
        "exited by itself after SIGTERM ({status}): {t}"
    );
    assert!(t.contains("campaigns confirmed halted at the end:"), "{t}");
    let config = sim_config().await;
    assert_eq!(
        config["active_now"], 0,
        "campaigns left running after SIGTERM: {t}"
    );
    assert!(
        config["campaigns_now"].as_u64().unwrap_or(0) > 4,
        "the run started campaigns: {config}"
    );
    assert!(
        config["campaigns_now"].as_u64().unwrap_or(0) >= seeded + 8,
        "every user started its campaign: {config}"
    );
    println!("at SIGTERM: {running}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_env_reach_no_output_or_report() {
    let secret = "SECRET-load-jwt-5c7e";
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let (md, json, summary) = (
        tmp("secret.md"),
        tmp("secret.json"),
        tmp("secret.summary.json"),
    );
    let out = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "1s",
            "--report-file",
        ])
        .arg(&md)
        .arg("--report-file")
        .arg(&json)
        .arg("--summary")
        .arg(&summary)
        .env("KORE_BASE_URL", sim.base_url())
        .env("KORE_JWT", secret)
        .env("KORE_ACCOUNT_ID", "acc-env")
        .env("KORE_APP_ID", "st-env")
        // A configured host is driven only on named campaigns: one per user of smoke's 8.
        .env(
            "KORE_VOICE_CAMPAIGN_ID",
            (0..8)
                .map(|i| format!("load-env-{i}"))
                .collect::<Vec<_>>()
                .join(","),
        )
        .output()
        .expect("runs");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("configured host"),
        "the env target was used: {t}"
    );
    assert!(!t.contains(secret), "secret in the output");
    for f in [&md, &json, &summary] {
        let body = std::fs::read_to_string(f).expect("report written");
        assert!(!body.contains(secret), "secret in {}", f.display());
    }
}

/// A start-only scenario (a started campaign stays Active: what a killed run leaves behind) for
/// `users` users; its path.
fn starts_only(name: &str, users: usize) -> PathBuf {
    let path = tmp(&format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"name = "{name}"
description = "every user starts its campaign and keeps it running"
vendor = "kore"
thresholds = []
expect = ["400 4009"]   # a second start of an Active campaign

[[flow]]
name = "start"
steps = ["voice-start-v1"]

[campaigns]
mode = "per-user"
prefix = "load-{name}-"

[load]
users = {users}
hatch_rate = {users}
run_time = "60s"
"#
        ),
    )
    .expect("scenario written");
    path
}

/// `GET /__sim/config` of a simulator this test owns.
async fn config_of(sim: &campaign_sim::RunningSim) -> serde_json::Value {
    reqwest::get(format!("{}/__sim/config", sim.base_url()))
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

/// Waits (at most 60 s) until `n` campaigns are Active on `sim`.
async fn until_active(sim: &campaign_sim::RunningSim, n: u64, child: &mut Watched) {
    let reached = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if config_of(sim).await["active_now"].as_u64().unwrap_or(0) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if reached.is_err() {
        child.fail(&format!("{n} campaigns were not Active within 60 s"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_outright_leaves_a_journal_and_cleanup_stops_every_leftover() {
    // Arrange: a configured host (a simulator the test owns, named by KORE_BASE_URL), 8 named
    // campaigns, each user starting its own and keeping it running.
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let journal = tmp("journal-kill");
    let _ = std::fs::remove_dir_all(&journal);
    let scenario = starts_only("kill", 8);
    let ids: Vec<String> = (0..8).map(|i| format!("load-kill-{i}")).collect();
    let configured = |c: &mut Command| {
        c.env("CAMPAIGN_HARNESS_JOURNAL_DIR", &journal)
            .env("KORE_BASE_URL", sim.base_url())
            .env("KORE_JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJraWxsIn0.c2ln")
            .env("KORE_ACCOUNT_ID", "acc-kill")
            .env("KORE_APP_ID", "st-kill")
            .env("KORE_VOICE_CAMPAIGN_ID", ids.join(","));
    };
    let mut run = bin();
    configured(&mut run);
    run.arg("--scenario")
        .arg(&scenario)
        .args(["--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Watched::new(run.spawn().expect("spawns"));
    let mut child = tokio::task::spawn_blocking(move || {
        child.wait_for_line(campaign_load::run::READY, Duration::from_secs(60));
        child
    })
    .await
    .expect("join");
    until_active(&sim, 8, &mut child).await;

    // Act 1: SIGKILL, as an OOM kill or a lost machine would.
    let kill = Command::new("kill")
        .args(["-KILL", &child.pid.to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    tokio::task::spawn_blocking(move || child.wait_for_exit(Duration::from_secs(30)))
        .await
        .expect("join");
    let left = config_of(&sim).await["active_now"].as_u64().unwrap_or(0);
    let files: Vec<PathBuf> = std::fs::read_dir(&journal)
        .expect("the journal folder exists")
        .flatten()
        .map(|e| e.path())
        .collect();

    // Act 2: the cleanup a user runs next.
    let mut cleanup = bin();
    configured(&mut cleanup);
    let out = cleanup
        .arg("cleanup")
        .arg("--scenario")
        .arg(&scenario)
        .output()
        .expect("cleanup runs");
    let t = text(&out);

    // Assert: the kill left all 8 dialing and journaled; cleanup stopped and confirmed each.
    assert_eq!(left, 8, "campaigns left running by the kill");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("8 campaign(s) left started"), "{t}");
    assert_eq!(t.matches("reads halted").count(), 8, "{t}");
    assert_eq!(config_of(&sim).await["active_now"], 0, "{t}");
    assert!(!files[0].exists(), "a settled journal is removed");
    // Nothing left: a second cleanup has nothing to do.
    let mut again = bin();
    configured(&mut again);
    let t = text(
        &again
            .arg("cleanup")
            .arg("--scenario")
            .arg(&scenario)
            .output()
            .expect("runs"),
    );
    assert!(t.contains("shows nothing left started"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_waits_for_the_cleanup_and_leaves_nothing_running() {
    // Arrange: 32 users, each with a campaign of its own, on a simulator answering in 200 ms.
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let put = reqwest::Client::new()
        .put(format!("{}/__sim/faults", sim.base_url()))
        .json(&serde_json::json!({"latency": "fixed 200ms"}))
        .send()
        .await
        .expect("faults");
    assert!(put.status().is_success());
    let scenario = starts_only("ctrlc", 32);
    let mut run = bin();
    run.arg("--scenario")
        .arg(&scenario)
        .args([
            "--host",
            &sim.base_url(),
            "--quiet",
            "--summary",
            "/dev/null",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Watched::new(run.spawn().expect("spawns"));
    let mut child = tokio::task::spawn_blocking(move || {
        child.wait_for_line(campaign_load::run::READY, Duration::from_secs(60));
        child
    })
    .await
    .expect("join");
    until_active(&sim, 32, &mut child).await;

    // Act: Ctrl-C, and as soon as it is taken, Ctrl-C again.
    let sigint = |pid: u32| {
        let ok = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    };
    sigint(child.pid);
    let (status, t) = tokio::task::spawn_blocking(move || {
        child.wait_for_line("Ctrl-C: stopping the run", Duration::from_secs(30));
        sigint(child.pid);
        let status = child.wait_for_exit(Duration::from_secs(60));
        (status, child.text())
    })
    .await
    .expect("join");

    // Assert: the second press was answered, the cleanup ran to its end, nothing dials.
    assert!(
        t.contains("Ctrl-C again: stopping the campaigns this run started"),
        "{t}"
    );
    assert!(
        t.contains("campaigns confirmed halted at the end: 32 "),
        "{t}"
    );
    assert_eq!(status.code(), Some(130), "an interrupted run says so: {t}");
    assert_eq!(config_of(&sim).await["active_now"], 0, "{t}");
}

#[test]
fn a_dead_host_ends_a_5s_run_within_the_stated_grace() {
    // Arrange: a host that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let scenario = tmp("dead.toml");
    std::fs::write(
        &scenario,
        r#"name = "dead"
description = "one named campaign on a host that never answers"
vendor = "kore"
thresholds = ["error-rate<1%"]

[[flow]]
name = "start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "shared"
id = "cmp-dead"

[load]
users = 2
hatch_rate = 2
run_time = "5s"
"#,
    )
    .expect("scenario");
    let started = Instant::now();

    // Act
    let out = bin()
        .env("KORE_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("KORE_JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZWFkIn0.c2ln")
        .env("KORE_ACCOUNT_ID", "acc-dead")
        .env("KORE_APP_ID", "st-dead")
        .env("KORE_VOICE_CAMPAIGN_ID", "cmp-dead")
        .arg("--scenario")
        .arg(&scenario)
        .args(["--quiet"])
        .output()
        .expect("runs");
    let took = started.elapsed();
    let t = text(&out);

    // Assert: run time + one request timeout (never more than the run time) + the cleanup
    // bound, with 5 s for starting and reporting; unavailable, not ok; the campaign that may have
    // started is reported unconfirmed, not forgotten.
    let grace = Duration::from_secs(5) + campaign_api::CLEANUP_BOUND + Duration::from_secs(5);
    assert!(
        took < Duration::from_secs(5) + grace,
        "took {took:?}:
{t}"
    );
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(t.contains("transport timeout"), "{t}");
    assert!(t.contains("CHECK IT BY HAND"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_against_the_same_host_never_takes_a_live_runs_campaigns() {
    // Arrange: run A holds 2 named campaigns running on a configured host, journaled.
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let journal = tmp("journal-race");
    let _ = std::fs::remove_dir_all(&journal);
    let configured = |c: &mut Command, ids: &str| {
        c.env("CAMPAIGN_HARNESS_JOURNAL_DIR", &journal)
            .env("KORE_BASE_URL", sim.base_url())
            .env("KORE_JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyYWNlIn0.c2ln")
            .env("KORE_ACCOUNT_ID", "acc-race")
            .env("KORE_APP_ID", "st-race")
            .env("KORE_VOICE_CAMPAIGN_ID", ids);
    };
    let mut a = bin();
    configured(&mut a, "load-ra-0,load-ra-1");
    a.arg("--scenario")
        .arg(starts_only("ra", 2))
        .arg("--quiet")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut a = Watched::new(a.spawn().expect("spawns"));
    let mut a = tokio::task::spawn_blocking(move || {
        a.wait_for_line(campaign_load::run::READY, Duration::from_secs(60));
        a
    })
    .await
    .expect("join");
    until_active(&sim, 2, &mut a).await;

    // Act: run B, on its own named campaign, starts and ends while A runs.
    let mut b = bin();
    configured(&mut b, "load-rb-0");
    let out = b
        .arg("--scenario")
        .arg(starts_only("rb", 1))
        .args(["--run-time", "1s", "--quiet"])
        .output()
        .expect("B runs");
    let t = text(&out);
    let during = config_of(&sim).await["active_now"].as_u64().unwrap_or(0);
    a.kill();
    let mut cleanup = bin();
    configured(&mut cleanup, "load-ra-0,load-ra-1");
    let c = text(
        &cleanup
            .arg("cleanup")
            .arg("--scenario")
            .arg(starts_only("ra", 2))
            .output()
            .expect("cleanup"),
    );

    // Assert: B stopped only its own campaign; A's stayed running (its journal is locked), and
    // once A was killed, cleanup found and stopped both.
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains("an earlier run"), "B took A's campaigns: {t}");
    assert_eq!(during, 2, "A's campaigns after B ended:\n{t}");
    assert!(c.contains("2 campaign(s) left started"), "{c}");
    assert_eq!(config_of(&sim).await["active_now"], 0, "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_and_metrics_serve_mid_run_and_an_interrupted_schedule_drops_nothing() {
    // Arrange: an open-model run of 60 s at 20 arrivals a second, with Goose's dashboard on a
    // port this test picked, against a simulator of its own.
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let summary = tmp("dashboard.summary.json");
    let child = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "60s",
            "--rate",
            "20",
            "--quiet",
            "--host",
            &sim.base_url(),
            "--dashboard",
            "--dashboard-port",
            &port.to_string(),
            "--metrics-addr",
            &format!("127.0.0.1:{metrics_port}"),
        ])
        // The dashboard's run folder (Goose writes its report there) in the test's own folder.
        .arg(format!(
            "--goose=--output-dir={}",
            tmp("goose-runs").display()
        ))
        .arg("--summary")
        .arg(&summary)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut child = Watched::new(child);
    let mut child = tokio::task::spawn_blocking(move || {
        child.wait_for_line(campaign_load::run::READY, Duration::from_secs(60));
        child
    })
    .await
    .expect("join");
    // Act: once the simulator has served the run's first requests, fetch the dashboard's page
    // (bounded: it binds as the attack starts), then stop the run with SIGTERM.
    let sending = tokio::time::timeout(Duration::from_secs(30), async {
        while sim.counters().total == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if sending.is_err() {
        child.fail("nothing reached the simulator within 30 s of the readiness line");
    }
    let url = format!("http://127.0.0.1:{port}/");
    let page = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(r) = reqwest::get(&url).await
                && r.status().is_success()
                && let Ok(body) = r.text().await
            {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let Ok(page) = page else {
        child.fail("the dashboard did not answer within 30 s of the readiness line");
    };
    // The live metrics, scraped mid-run once the simulator has answered, parsed by an
    // independent parser (prometheus-parse, not the crate that wrote them).
    let scrape = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .expect("metrics answer");
    let content_type = scrape
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let exposition = scrape.text().await.expect("metrics body");
    let served_at_scrape = sim.counters().total;
    let parsed = prometheus_parse::Scrape::parse(exposition.lines().map(|l| Ok(l.to_string())))
        .expect("the exposition parses");
    let kill = Command::new("kill")
        .args(["-TERM", &child.pid.to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let (status, t) = tokio::task::spawn_blocking(move || {
        let status = child.wait_for_exit(Duration::from_secs(60));
        (status, child.text())
    })
    .await
    .expect("join");

    // Assert: Goose's dashboard page was served mid-run.
    assert!(page.contains("<title>Goose Dashboard</title>"), "{page}");
    // The metrics counted requests the simulator had served by then, and both latencies.
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let sum = |name: &str| -> f64 {
        parsed
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    let requests = sum("campaign_load_requests_total");
    assert!(requests >= 1.0, "{exposition}");
    assert!(
        requests <= served_at_scrape as f64,
        "{requests} counted, {served_at_scrape} served: {exposition}"
    );
    for h in [
        "campaign_load_service_seconds",
        "campaign_load_response_seconds",
    ] {
        let counts: f64 = parsed
            .samples
            .iter()
            .filter(|s| s.metric == h)
            .map(|s| match &s.value {
                prometheus_parse::Value::Histogram(b) => {
                    b.iter().map(|c| c.count).fold(0.0, f64::max)
                }
                _ => 0.0,
            })
            .sum();
        assert_eq!(counts, requests, "{h}: {exposition}");
    }
    assert_eq!(sum("campaign_load_target_rate"), 20.0, "{exposition}");
    // The run stopped on SIGTERM: the arrivals its schedule would have had after that were never
    // due, so none counts as dropped; what was due was sent, as the simulator counted.
    assert_eq!(status.code(), Some(143), "{t}");
    let s = campaign_load::summary::Summary::read(&summary).expect("summary written");
    let a = s.arrivals.expect("an open-model run");
    assert_eq!(a.dropped, 0, "{t}");
    assert!(
        a.due < 20 * 60,
        "the schedule ended at SIGTERM: {} due",
        a.due
    );
    assert_eq!(
        a.sent,
        sim.counters().total - s.cleanup_requests as u64,
        "{t}"
    );
}
