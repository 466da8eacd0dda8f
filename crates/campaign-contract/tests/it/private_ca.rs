//! `campaign-contract check` against a Kore.ai sandbox over HTTPS with a certificate no platform
//! root vouches for (the simulator serving one made at run time): trusted through `--ca-file` the
//! suite walks it and passes; with `--insecure` too, saying so; with neither, the handshake fails
//! and the run proves nothing (exit 2), never a pass.

use campaign_sim::{AuthConfig, SimConfig, SimTls};
use secrecy::SecretString;

/// The sandbox's client, which the simulator checks every JWT against (a wrong one is a 401, as
/// the suite expects of a sandbox).
const CLIENT_ID: &str = "cs-private-ca";
const CLIENT_SECRET: &str = "private-ca-client-secret-5b2e";
use std::process::{Command, Output};

/// `campaign-contract check` with `flags`, Kore.ai pointed at `url` with its client and the
/// simulator's demo campaigns; VoiceGenie on the embedded simulator; journal and reports in `dir`.
fn check(url: &str, dir: &std::path::Path, flags: &[&std::ffi::OsStr]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
    c.arg("check")
        .args(flags)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CAMPAIGN_HARNESS_JOURNAL_DIR", dir.join("journal"))
        .env("CAMPAIGN_CONTRACT_HOSTS_DIR", dir.join("hosts"))
        .envs([
            ("KORE_BASE_URL", url),
            ("KORE_CLIENT_ID", CLIENT_ID),
            ("KORE_CLIENT_SECRET", CLIENT_SECRET),
            ("KORE_ACCOUNT_ID", "acc-ca"),
            ("KORE_APP_ID", "st-ca"),
            ("KORE_VOICE_CAMPAIGN_ID", "demo-voice"),
            ("KORE_SMS_CAMPAIGN_ID", "demo-sms"),
        ]);
    c.output().expect("the CLI runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_sandbox_is_checked_through_ca_file_and_refused_without_it() {
    // Arrange: the simulator over TLS, its certificate in a file of the test's own.
    let dir = std::env::temp_dir().join(format!("private-ca-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("rcgen makes a certificate");
    let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
    let ca = dir.join("sandbox-ca.pem");
    std::fs::write(&ca, &cert).expect("write cert");
    let sim = campaign_sim::start(SimConfig {
        tls: Some(SimTls::from_pem(cert.as_bytes(), key.as_bytes()).expect("a matching pair")),
        auth: AuthConfig {
            kore_client: Some((CLIENT_ID.into(), SecretString::from(CLIENT_SECRET))),
            voicegenie_keys: Vec::new(),
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let url = sim.base_url();
    assert!(url.starts_with("https://"), "{url}");
    let report = dir.join("report.json");

    // Act
    let (trusted, insecure, untrusted) = {
        let (u, d, ca, report) = (url.clone(), dir.clone(), ca.clone(), report.clone());
        tokio::task::spawn_blocking(move || {
            (
                check(
                    &u,
                    &d,
                    &[
                        "--ca-file".as_ref(),
                        ca.as_os_str(),
                        "--json".as_ref(),
                        report.as_os_str(),
                    ],
                ),
                check(&u, &d, &["--insecure".as_ref()]),
                check(&u, &d, &[]),
            )
        })
        .await
        .expect("joined")
    };

    // Assert
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    let kore_steps = json["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["vendor"] == "kore" && s["status"].is_u64())
        .count();
    assert!(kore_steps >= 5, "the Kore.ai walk reached the host: {json}");
    assert_eq!(insecure.status.code(), Some(0), "{}", text(&insecure));
    assert!(
        text(&insecure).contains("--insecure: an https sandbox's certificate is NOT checked"),
        "{}",
        text(&insecure)
    );
    assert_eq!(untrusted.status.code(), Some(2), "{}", text(&untrusted));
    assert!(!text(&untrusted).contains("PASS"), "{}", text(&untrusted));
    sim.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
