//! No credential leaves its host: a configured host that answers every call with a redirect to
//! another port gets no request sent on to that port, by either client path (the lean client,
//! and Goose's own reqwest client, which every HTTPS host and every throttled run uses), for
//! Kore.ai's `auth` JWT and VoiceGenie's `x-api-key` alike. The redirects are counted as what
//! they are, never as ok, so the run fails its error-rate threshold.

use crate::support::host::serve;
use crate::support::{bin, text, tmp};
use std::sync::{Arc, Mutex};

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZWRpcmVjdC10ZXN0In0.c2VjcmV0LXNpZ25hdHVyZQ";
const API_KEY: &str = "vg-redirect-test-key-5d1e";

/// Runs a 2 s load on a host that redirects everything to a second port; returns what the
/// second port saw, the first port's request count, the exit code and the output.
fn run(vendor: &str, goose_client: bool) -> (Vec<String>, usize, Option<i32>, String) {
    let elsewhere: Arc<Mutex<Vec<String>>> = Arc::default();
    let other = serve(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".into(),
        elsewhere.clone(),
    );
    let first: Arc<Mutex<Vec<String>>> = Arc::default();
    let port = serve(
        format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{other}/elsewhere\r\nContent-Length: 0\r\n\r\n"
        ),
        first.clone(),
    );
    let dir = tmp(&format!("redirects-{vendor}-{goose_client}"));
    let scenario = dir.join("redirects.toml");
    let steps = if vendor == "kore" {
        r#""voice-start-v1", "voice-stop-v1""#
    } else {
        r#""start", "pause""#
    };
    std::fs::write(
        &scenario,
        format!(
            r#"name = "redirects"
description = "every answer a 307 to another port"
vendor = "{vendor}"
thresholds = ["error-rate<1%"]

[[flow]]
name = "loop"
steps = [{steps}]

[campaigns]
mode = "shared"
id = "cmp-redirect-1"

[load]
users = 2
hatch_rate = 2
run_time = "2s"
{throttle}
"#,
            throttle = if goose_client { "throttle = 200" } else { "" }
        ),
    )
    .expect("scenario");
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = bin(&dir);
    if vendor == "kore" {
        cmd.envs([
            ("KORE_BASE_URL", base.as_str()),
            ("KORE_JWT", JWT),
            ("KORE_ACCOUNT_ID", "acc-redirect"),
            ("KORE_APP_ID", "st-redirect"),
            ("KORE_VOICE_CAMPAIGN_ID", "cmp-redirect-1"),
        ]);
    } else {
        cmd.envs([
            ("VOICEGENIE_BASE_URL", base.as_str()),
            ("VOICEGENIE_API_KEY", API_KEY),
            ("VOICEGENIE_CAMPAIGN_ID", "cmp-redirect-1"),
        ]);
    }
    let out = cmd
        .arg("--scenario")
        .arg(&scenario)
        .output()
        .expect("campaign-load runs");
    let text = text(&out);
    let seen = elsewhere.lock().map(|s| s.clone()).unwrap_or_default();
    let asked = first.lock().map(|s| s.len()).unwrap_or_default();
    (seen, asked, out.status.code(), text)
}

fn assert_nothing_followed(vendor: &str, goose_client: bool) {
    // Act
    let (elsewhere, asked, code, text) = run(vendor, goose_client);

    // Assert: the first host was driven, the second never heard from the run.
    assert!(
        asked > 10,
        "the run reached the redirecting host ({asked} requests):\n{text}"
    );
    assert!(
        elsewhere.is_empty(),
        "{} request(s) followed the redirect; the first:\n{}",
        elsewhere.len(),
        elsewhere.first().map(String::as_str).unwrap_or_default()
    );
    assert!(
        !text.contains(JWT) && !text.contains(API_KEY),
        "a credential reached the output"
    );
    // Redirects are their own class, never ok, and fail the error-rate threshold.
    assert!(text.contains("redirect 307"), "{text}");
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("ok ")),
        "{text}"
    );
    assert!(
        text.contains("FAIL"),
        "the error-rate threshold fails:\n{text}"
    );
    // Its status reads are redirected too: no campaign can be confirmed halted (exit 3).
    assert_eq!(code, Some(3), "{text}");
}

#[test]
fn the_lean_client_never_follows_a_redirect() {
    assert_nothing_followed("kore", false);
}

#[test]
fn gooses_client_never_follows_a_redirect_with_the_kore_jwt() {
    assert_nothing_followed("kore", true);
}

#[test]
fn gooses_client_never_follows_a_redirect_with_the_voicegenie_key() {
    assert_nothing_followed("voicegenie", true);
}
