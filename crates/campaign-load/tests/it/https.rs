//! `campaign-load` against an HTTPS host, as a user runs it: the simulator serving a certificate
//! made at run time. Trusted through `--ca-file`, both clients send and the simulator serves
//! what the run counts; `--insecure` is said out loud; with neither, nothing gets past the
//! handshake and every request is counted as a TLS failure; bad trust flags are refused before
//! anything is sent. Nothing here is timed: counts are held to the simulator's counters.

use crate::support::{Tmp, shipped, text, tmp};
use campaign_load::Summary;
use campaign_sim::{RunningSim, SimConfig, SimTls};
use std::path::PathBuf;
use std::process::Output;

/// The simulator over TLS with a fresh self-signed certificate for 127.0.0.1, a folder of the
/// test's own, and the certificate's path (in it).
async fn tls_sim(name: &str) -> (RunningSim, Tmp, PathBuf) {
    let dir = tmp(name);
    let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("rcgen makes a certificate");
    let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
    let path = dir.join("sim-cert.pem");
    std::fs::write(&path, &cert).expect("write cert");
    let tls = SimTls::from_pem(cert.as_bytes(), key.as_bytes()).expect("a matching pair");
    let sim = campaign_sim::start(SimConfig {
        tls: Some(tls),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    assert!(sim.base_url().starts_with("https://"));
    (sim, dir, path)
}

/// A 2 s smoke run against `sim` with `flags`, its files in `dir`; its output and summary.
async fn load(sim: &RunningSim, dir: &Tmp, flags: &[&str]) -> (Output, Option<Summary>) {
    let summary = dir.join(format!(
        "summary-{}.json",
        flags.join("_").replace(['/', '-', '.'], "")
    ));
    let _ = std::fs::remove_file(&summary);
    let mut c = shipped(dir, "smoke");
    c.args([
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
    let out = crate::support::blocking(move || c.output())
        .await
        .expect("runs");
    (out, Summary::read(&summary).ok())
}

fn utf8(p: &std::path::Path) -> &str {
    p.to_str().expect("a utf-8 path")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lean_client_trusting_the_ca_file_is_served_what_it_counts() {
    // Arrange
    let (sim, dir, cert) = tls_sim("https-lean").await;
    let before = sim.counters().total;

    // Act
    let (out, s) = load(&sim, &dir, &["--ca-file", utf8(&cert)]).await;

    // Assert: every request served and counted, as the simulator counts them.
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
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gooses_client_with_the_same_trust_keeps_the_same_books() {
    // Arrange
    let (sim, dir, cert) = tls_sim("https-goose").await;
    let before = sim.counters().total;

    // Act
    let (out, s) = load(&sim, &dir, &["--ca-file", utf8(&cert), "--client", "goose"]).await;

    // Assert
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
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_is_accepted_and_said() {
    let (sim, dir, _cert) = tls_sim("https-insecure").await;
    let (out, _) = load(&sim, &dir, &["--insecure"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("ANY certificate"), "{t}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_trust_flag_nothing_gets_past_the_handshake() {
    // Arrange: the platform's roots do not know the certificate.
    let (sim, dir, _cert) = tls_sim("https-untrusted").await;
    let before = sim.counters();

    // Act
    let (out, s) = load(&sim, &dir, &[]).await;

    // Assert: the simulator serves nothing and counts failed handshakes; the run counts every
    // request as a TLS failure, and fails.
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
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_trust_flags_are_refused_before_anything_is_sent() {
    // Arrange
    let (sim, dir, cert) = tls_sim("https-refused").await;
    let before = sim.counters();
    let missing = dir.join("no-such-ca.pem");
    let not_pem = dir.join("not-a-cert.pem");
    std::fs::write(&not_pem, "hello").expect("write");

    // Act, and assert: each refused (exit 2), naming the flag and the file where there is one.
    let (out, _) = load(&sim, &dir, &["--ca-file", utf8(&missing)]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("--ca-file") && t.contains("no-such-ca.pem"),
        "{t}"
    );
    let (out, _) = load(&sim, &dir, &["--ca-file", utf8(&not_pem)]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let (out, _) = load(&sim, &dir, &["--ca-file", utf8(&cert), "--insecure"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let (out, _) = load(&sim, &dir, &["--client", "lean", "--throttle", "10"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("throttle"), "{t}");

    // Assert: nothing reached the host, not even a handshake.
    let after = sim.counters();
    assert_eq!(after.total, before.total);
    assert_eq!(
        after.connections.tls_handshake_failures,
        before.connections.tls_handshake_failures
    );
    sim.stop().await;
}
