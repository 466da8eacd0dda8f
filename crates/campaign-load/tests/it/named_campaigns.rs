//! On a configured host a load run touches only the campaigns its user named. A host of our own
//! notes every request line; the shipped per-user smoke scenario is run against it as a user
//! would, with `KORE_BASE_URL` set.

use crate::support::host::{request_lines, serve};
use crate::support::{bin, shipped, text, tmp};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// `command` configured for a Kore.ai host at `port` of the test's, with `voice_ids` named.
fn configured(command: Command, port: u16, voice_ids: &str) -> Command {
    let mut c = command;
    c.envs([
        ("KORE_BASE_URL", format!("http://127.0.0.1:{port}")),
        (
            "KORE_JWT",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJuYW1lZCJ9.c2lnbmF0dXJl".into(),
        ),
        ("KORE_ACCOUNT_ID", "acc-named".into()),
        ("KORE_APP_ID", "st-named".into()),
        ("KORE_VOICE_CAMPAIGN_ID", voice_ids.into()),
    ]);
    c
}

/// Runs `scenarios/smoke.toml` (per-user campaigns), its files in `dir`, against a noting host
/// with `voice_ids` named and extra flags; returns the request lines the host saw, the exit code
/// and the output.
fn smoke(dir: &Path, voice_ids: &str, flags: &[&str]) -> (Vec<String>, Option<i32>, String) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    // Every call answered as a status read of a stopped campaign: cleanup confirms at once.
    let body = r#"{"status":"success","data":{"id":"x","status":"Stopped","name":"n"}}"#;
    let port = serve(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        seen.clone(),
    );
    let out = configured(shipped(dir, "smoke"), port, voice_ids)
        .args(["--run-time", "1s", "--quiet"])
        .arg("--summary")
        .arg(dir.join("smoke.summary.json"))
        .args(flags)
        .output()
        .expect("campaign-load runs");
    (request_lines(&seen), out.status.code(), text(&out))
}

#[test]
fn a_per_user_scenario_with_fewer_named_campaigns_than_users_is_refused_before_anything_is_sent() {
    let dir = tmp("named-fewer");
    let (seen, code, text) = smoke(&dir, "some-id", &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("8 users each drive a campaign of their own, but KORE_VOICE_CAMPAIGN_ID names 1: name at least 8"),
        "{text}"
    );
    assert!(seen.is_empty(), "the host was asked: {seen:?}");
}

#[test]
fn a_run_touches_only_the_named_campaigns() {
    // Act
    let dir = tmp("named-only");
    let (seen, code, text) = smoke(&dir, "cmp-a, cmp-b", &["-u", "2"]);

    // Assert: the banner lists them, and every request named one of them.
    assert!(
        text.contains("the only campaigns it may touch (named by you): cmp-a, cmp-b"),
        "{text}"
    );
    assert!(
        seen.len() > 4,
        "the run drove the host ({} requests): {text}",
        seen.len()
    );
    let unnamed: Vec<&String> = seen
        .iter()
        .filter(|l| !l.contains("/campaign/cmp-a") && !l.contains("/campaign/cmp-b"))
        .collect();
    assert!(
        unnamed.is_empty(),
        "requests for campaigns nobody named: {unnamed:?}"
    );
    assert!(!text.contains("load-0"), "{text}");
    let _ = code;
}

#[test]
fn a_scenario_naming_a_campaign_the_user_did_not_is_refused() {
    let dir = tmp("named-unnamed");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let port = serve(
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into(),
        seen.clone(),
    );
    let out = configured(
        shipped(&dir, "contention-single-campaign"),
        port,
        "cmp-mine",
    )
    .args(["--run-time", "1s"])
    .output()
    .expect("campaign-load runs");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "campaign \"load-shared\" is not one you named in KORE_VOICE_CAMPAIGN_ID (cmp-mine)"
        ),
        "{text}"
    );
    assert!(request_lines(&seen).is_empty());
}

#[test]
fn a_dot_segment_id_is_refused_before_anything_is_sent() {
    // `..` would be normalised away: `POST /campaign/api/v1/public/st/?…` on the real host.
    for ids in ["..", "cmp-a,.", "cmp-a, .."] {
        let dir = tmp("named-dots");
        let (seen, code, text) = smoke(&dir, ids, &["-u", "1"]);
        assert_eq!(code, Some(2), "{ids}: {text}");
        assert!(
            text.contains("KORE_VOICE_CAMPAIGN_ID: campaign id")
                && text.contains("is a dot segment"),
            "{ids}: {text}"
        );
        assert!(seen.is_empty(), "{ids}: the host was asked: {seen:?}");
    }
}

#[test]
fn calls_go_only_to_campaigns_of_their_channel() {
    // A scenario mixing voice and SMS steps would send SMS calls to voice campaigns (each user
    // drives one id); an SMS scenario with only voice ids named would too. Both are refused.
    let dir = tmp("named-channels");
    for (name, steps, why) in [
        (
            "mixed",
            r#""voice-start-v1", "sms-start-v1""#,
            "mixes voice and SMS steps",
        ),
        (
            "sms-with-status",
            r#""sms-start-v1", "status-v1", "sms-stop-v1""#,
            "set KORE_SMS_CAMPAIGN_ID",
        ),
    ] {
        let scenario = dir.join(format!("{name}.toml"));
        std::fs::write(
            &scenario,
            format!(
                "name = \"{name}\"\ndescription = \"x\"\nvendor = \"kore\"\nthresholds = []\n\n[[flow]]\nsteps = [{steps}]\n\n[campaigns]\nmode = \"per-user\"\nprefix = \"load-\"\n\n[load]\nusers = 1\nrun_time = \"1s\"\n"
            ),
        )
        .expect("scenario");
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let port = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into(),
            seen.clone(),
        );
        let out = configured(bin(&dir), port, "voice-1")
            .arg("--scenario")
            .arg(&scenario)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {text}");
        assert!(text.contains(why), "{name}: {text}");
        assert!(
            request_lines(&seen).is_empty(),
            "{name}: the host was asked"
        );
    }
}
