//! The `campaign-load` binary as a user runs it: verdict exit codes, reports, refusals, and the
//! cleanup after SIGTERM.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_run_and_every_campaign_it_started() {
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let child = bin()
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "60s",
            "--quiet",
            "--host",
            &sim.base_url(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("waits");
    let t = text(&out);
    assert!(
        out.status.code().is_some(),
        "exited by itself after SIGTERM: {t}"
    );
    assert!(t.contains("campaigns stopped at the end:"), "{t}");
    let config: serde_json::Value = reqwest::get(format!("{}/__sim/config", sim.base_url()))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        config["active_now"], 0,
        "campaigns left running after SIGTERM: {t}"
    );
    assert!(
        config["campaigns_now"].as_u64().unwrap_or(0) > 4,
        "the run started campaigns: {config}"
    );
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
