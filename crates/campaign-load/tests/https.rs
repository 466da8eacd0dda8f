//! `campaign-load` against an HTTPS host, as a user runs it: the simulator serving a certificate
//! made at run time. Trusted through `--ca-file`, both clients send and the simulator serves
//! what the run counts; `--insecure` is said out loud; with neither, nothing gets past the
//! handshake and every request is counted as a TLS failure; bad trust flags are refused before
//! anything is sent. Nothing here is timed: counts are held to the simulator's counters.

use campaign_sim::{RunningSim, SimConfig, SimTls};
use std::path::PathBuf;
use std::process::{Command, Output};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("campaign-load-https-{}", std::process::id()));
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

/// The simulator over TLS with a fresh self-signed certificate for 127.0.0.1, and the
/// certificate's path.
async fn tls_sim() -> (RunningSim, PathBuf) {
    let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("rcgen makes a certificate");
    let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
    let path = tmp("sim-cert.pem");
    std::fs::write(&path, &cert).expect("write cert");
    let tls = SimTls::from_pem(cert.as_bytes(), key.as_bytes()).expect("a matching pair");
    let sim = campaign_sim::start(SimConfig {
        tls: Some(tls),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    (sim, path)
}

/// A 2 s smoke run against `sim` with `flags`; its output and summary.
async fn load(
    sim: &RunningSim,
    flags: &[&str],
) -> (Output, Option<campaign_load::summary::Summary>) {
    let summary = tmp(&format!(
        "summary-{}.json",
        flags.join("_").replace(['/', '-', '.'], "")
    ));
    let _ = std::fs::remove_file(&summary);
    let mut c = Command::new(env!("CARGO_BIN_EXE_campaign-load"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .env("CAMPAIGN_HARNESS_JOURNAL_DIR", tmp("journal"))
        .env_remove("KORE_BASE_URL")
        .args([
            "--scenario",
            "scenarios/smoke.toml",
            "--run-time",
            "2s",
            "--users",
            "4",
            "--quiet",
            "--threshold",
            "error-rate<1%",
            "--host",
            &sim.base_url(),
        ])
        .args(flags)
        .arg("--summary")
        .arg(&summary);
    let out = tokio::task::spawn_blocking(move || c.output())
        .await
        .expect("join")
        .expect("runs");
    (out, campaign_load::summary::Summary::read(&summary).ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_hosts_get_both_clients_and_trust_is_never_silent() {
    let (sim, cert) = tls_sim().await;
    let cert_arg = cert.to_str().expect("utf-8 path");
    assert!(sim.base_url().starts_with("https://"));

    // 1. The lean client over TLS, trusting the simulator's certificate: every request served
    //    and counted, as the simulator counts them.
    let before = sim.counters().total;
    let (out, s) = load(&sim, &["--ca-file", cert_arg]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("client: lean") && t.contains("TLS trusting only"),
        "{t}"
    );
    let s = s.expect("summary");
    assert!(s.accounting.sent > 0);
    assert_eq!(
        s.accounting.classes.get("ok"),
        Some(&s.accounting.sent),
        "{t}"
    );
    assert_eq!(
        sim.counters().total - before,
        s.accounting.sent + s.cleanup_requests as u64
    );

    // 2. Goose's client, with the same trust: the same books.
    let before = sim.counters().total;
    let (out, s) = load(&sim, &["--ca-file", cert_arg, "--client", "goose"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("client: Goose's reqwest client"), "{t}");
    let s = s.expect("summary");
    let cancelled = s
        .accounting
        .classes
        .get("cancelled at shutdown")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        s.accounting.classes.get("ok").copied().unwrap_or(0) + cancelled,
        s.accounting.sent,
        "{t}"
    );
    assert_eq!(
        sim.counters().total - before,
        s.accounting.sent + s.cleanup_requests as u64
    );

    // 3. --insecure is accepted, and said.
    let (out, _) = load(&sim, &["--insecure"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("ANY certificate"), "{t}");

    // 4. No trust flag: the platform's roots do not know the certificate. Nothing gets past the
    //    handshake: the simulator serves nothing, counts failed handshakes, and the run counts
    //    every request as a TLS failure and fails.
    let before = sim.counters();
    let (out, s) = load(&sim, &[]).await;
    let t = text(&out);
    let after = sim.counters();
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert_eq!(after.total, before.total, "{t}");
    assert!(
        after.connections.tls_handshake_failures > before.connections.tls_handshake_failures,
        "{after:?}"
    );
    let s = s.expect("summary");
    assert!(s.accounting.sent > 0);
    assert_eq!(
        s.accounting.classes.get("transport tls"),
        Some(&s.accounting.sent),
        "{t}"
    );

    // 5. Bad trust flags are refused before anything is sent, naming the flag and the file.
    let before = sim.counters();
    let missing = tmp("no-such-ca.pem");
    let (out, _) = load(&sim, &["--ca-file", missing.to_str().expect("utf-8")]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("--ca-file") && t.contains("no-such-ca.pem"),
        "{t}"
    );
    let not_pem = tmp("not-a-cert.pem");
    std::fs::write(&not_pem, "hello").expect("write");
    let (out, _) = load(&sim, &["--ca-file", not_pem.to_str().expect("utf-8")]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let (out, _) = load(&sim, &["--ca-file", cert_arg, "--insecure"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let (out, _) = load(&sim, &["--client", "lean", "--throttle", "10"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("throttle"), "{t}");
    let after = sim.counters();
    assert_eq!(after.total, before.total);
    assert_eq!(
        after.connections.tls_handshake_failures,
        before.connections.tls_handshake_failures
    );
    sim.stop().await;
}
