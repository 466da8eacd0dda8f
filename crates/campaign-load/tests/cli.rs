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
