//! The simulator over HTTPS: a certificate made at run time (rcgen), trusted by the client
//! through campaign-api's `Trust`; answers and counters as over HTTP; a plain-HTTP client, a
//! client that does not trust the certificate and one that never says hello are closed and
//! counted. Waits are on the server closing or a counter moving, bounded by
//! [`SAFETY`](crate::support::SAFETY); nothing is timed.

use crate::support::*;
use campaign_api::{Client, ClientConfig, OperationId, TransportClass, Trust};
use campaign_sim::DOC_SAMPLE_VOICEGENIE_ID;
use campaign_sim::{Limits, RunningSim, SimConfig, SimTls};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A self-signed certificate for 127.0.0.1, written where a CA file is read from: (the
/// simulator's TLS, the certificate's path).
fn self_signed() -> (SimTls, PathBuf) {
    let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("rcgen makes a certificate");
    let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
    let dir = std::env::temp_dir().join(format!("campaign-sim-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("cert.pem");
    std::fs::write(&path, &cert).expect("write cert");
    let tls = SimTls::from_pem(cert.as_bytes(), key.as_bytes()).expect("a matching pair");
    (tls, path)
}

async fn tls_sim(limits: Limits) -> (RunningSim, PathBuf) {
    let (tls, cert) = self_signed();
    let sim = sim(SimConfig {
        tls: Some(tls),
        limits,
        ..SimConfig::default()
    })
    .await;
    (sim, cert)
}

fn client_trusting(trust: Trust) -> Client {
    Client::new(ClientConfig {
        trust,
        ..ClientConfig::default()
    })
    .expect("client")
}

fn ca(cert: &std::path::Path) -> Trust {
    Trust {
        ca_file: Some(cert.to_path_buf()),
        insecure: false,
    }
}

#[tokio::test]
async fn https_requests_are_answered_and_counted() {
    // Arrange
    let (sim, cert) = tls_sim(Limits::default()).await;
    let client = client_trusting(ca(&cert));
    let target = voicegenie(&sim, "k");

    // Act
    let start = client
        .call(
            &target,
            OperationId::VoiceGenieStart,
            DOC_SAMPLE_VOICEGENIE_ID,
        )
        .await
        .expect("an answer over HTTPS");
    let again = client
        .call(
            &target,
            OperationId::VoiceGenieStart,
            DOC_SAMPLE_VOICEGENIE_ID,
        )
        .await
        .expect("an answer over HTTPS");
    let counters: serde_json::Value = reqwest::Client::builder()
        .tls_certs_only([
            reqwest::Certificate::from_pem(&std::fs::read(&cert).expect("cert")).expect("pem"),
        ])
        .build()
        .expect("reqwest")
        .get(format!("{}/__sim/counters", sim.base_url()))
        .send()
        .await
        .expect("counters over HTTPS")
        .json()
        .await
        .expect("JSON");

    // Assert
    assert!(
        sim.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        sim.base_url()
    );
    assert_eq!(start.status, 200);
    assert_eq!(again.status, 400, "already running");
    assert_eq!(counters["total"], 2, "{counters:#}");
    assert_eq!(
        counters["routes"][OperationId::VoiceGenieStart.to_string()]["200"],
        1,
        "{counters:#}"
    );
    assert_eq!(
        counters["connections"]["tls_handshake_failures"], 0,
        "{counters:#}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn plain_http_on_the_tls_port_fails_and_is_counted() {
    // Arrange
    let (sim, _cert) = tls_sim(Limits::default()).await;

    // Act: a raw request, read until the server closes (it counts before it closes).
    let got = one_shot(
        sim.addr(),
        &vg_read_and_close(DOC_SAMPLE_VOICEGENIE_ID),
        false,
    )
    .await
    .unwrap_or_default();
    let after_raw = sim.counters();
    let by_reqwest = reqwest::Client::new()
        .get(format!("http://{}/__sim/counters", sim.addr()))
        .send()
        .await;

    // Assert
    assert_eq!(status_of(&got), None, "no HTTP answer: {got:?}");
    assert_eq!(
        after_raw.connections.tls_handshake_failures, 1,
        "{after_raw:#?}"
    );
    assert_eq!(after_raw.total, 0, "nothing was served");
    assert!(by_reqwest.is_err(), "{by_reqwest:?}");
    counters_until(&sim, "the second plain-HTTP handshake counted", |c| {
        c.connections.tls_handshake_failures == 2
    })
    .await;
    sim.stop().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_gets_a_tls_error() {
    // Arrange
    let (sim, _cert) = tls_sim(Limits::default()).await;
    let client = client_trusting(Trust::default());

    // Act
    let e = client
        .call(
            &voicegenie(&sim, "k"),
            OperationId::VoiceGenieStart,
            DOC_SAMPLE_VOICEGENIE_ID,
        )
        .await
        .expect_err("a self-signed certificate is not in the platform's roots");

    // Assert
    match &e {
        campaign_api::CallError::Transport(t) => assert_eq!(t.class(), TransportClass::Tls, "{e}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    counters_until(&sim, "the refused handshake counted", |c| {
        c.connections.tls_handshake_failures == 1
    })
    .await;
    assert_eq!(sim.counters().total, 0);
    sim.stop().await;
}

#[tokio::test]
async fn a_client_that_never_says_hello_is_closed_by_the_header_timeout() {
    // Arrange
    let (sim, _cert) = tls_sim(Limits {
        header_timeout: Duration::from_millis(200),
        ..Limits::default()
    })
    .await;
    let mut silent = TcpStream::connect(sim.addr()).await.expect("connect");

    // Act
    let sent = closed_by_server(&mut silent).await;

    // Assert
    assert!(
        sent.is_empty(),
        "nothing is sent to a silent client: {sent:?}"
    );
    let c = sim.counters();
    assert_eq!(c.connections.header_timeouts, 1, "{c:#?}");
    assert_eq!(c.connections.tls_handshake_failures, 0, "{c:#?}");
    sim.stop().await;
}

#[tokio::test]
async fn a_stalled_handshake_does_not_hold_the_accept_loop() {
    // Arrange: a long header timeout, so the stalled clients stay open throughout.
    let (sim, cert) = tls_sim(Limits {
        header_timeout: Duration::from_secs(60),
        ..Limits::default()
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(sim.addr()).await.expect("connect");
        // The first bytes of a TLS record header (a handshake record, TLS 1.0 framing), then
        // nothing: the server waits for the rest.
        s.write_all(&[0x16, 0x03, 0x01]).await.expect("write");
        stalled.push(s);
    }

    // Act
    let answer = client_trusting(ca(&cert))
        .call(
            &voicegenie(&sim, "k"),
            OperationId::VoiceGenieCampaign,
            DOC_SAMPLE_VOICEGENIE_ID,
        )
        .await
        .expect("answered while the others stall");

    // Assert
    assert_eq!(answer.status, 200);
    for s in &stalled {
        let mut probe = [0u8; 1];
        assert!(
            matches!(s.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a stalled connection is still open, not refused"
        );
    }
    sim.stop().await;
}

/// Over TLS too, a 2 MiB request header is answered 431 and the client reads it (not a reset).
#[tokio::test]
async fn a_huge_request_header_over_tls_is_answered_431() {
    let (sim, cert) = tls_sim(Limits::default()).await;
    let pem = std::fs::read(&cert).expect("read cert");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("a PEM certificate"))
        .build()
        .expect("client");
    let big = vec![b'a'; 2 << 20];
    let r = client
        .get(format!("{}/startCampaign/abc", sim.base_url()))
        .header(
            "x-big",
            reqwest::header::HeaderValue::from_bytes(&big).expect("value"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("no answer read: {e:?}"));
    assert_eq!(r.status(), 431);
}
