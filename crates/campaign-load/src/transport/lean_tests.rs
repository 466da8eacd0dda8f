//! The lean client over HTTPS against the simulator serving a certificate made at run time:
//! trusted through `Trust { ca_file }` it sends several requests on one connection; with the
//! default trust the handshake fails as a TLS error; insecure accepts the certificate. Every
//! assertion is on statuses and the simulator's counters; nothing is timed. (Unit tests: the
//! lean client is private to the crate.)

use super::*;
use campaign_api::{
    Credential, OperationId, RenderedRequest, Target, TransportClass, Trust, Vendor,
};
use campaign_sim::DOC_SAMPLE_VOICEGENIE_ID;
use campaign_sim::{RunningSim, SimConfig, SimTls};
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// A safety net that turns a hang into a failure, never a measurement.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The simulator over TLS with a fresh self-signed certificate for 127.0.0.1, and that
/// certificate's path (to be trusted as a CA file).
async fn tls_sim(name: &str) -> (RunningSim, PathBuf) {
    let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("rcgen makes a certificate");
    let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
    let dir = std::env::temp_dir().join(format!("campaign-load-lean-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.pem"));
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

fn client(sim: &RunningSim, trust: &Trust) -> LeanClient {
    let config = trust.rustls_config().expect("rustls config");
    let tls = LeanTls::new(config, "127.0.0.1").expect("an IP address is a server name");
    LeanClient::with_tls(sim.addr().to_string(), TIMEOUT, Some(tls))
}

fn request(sim: &RunningSim, op: OperationId) -> RenderedRequest {
    let target = Target::new(
        Vendor::VoiceGenie,
        campaign_api::parse_base_url("VOICEGENIE_BASE_URL", &sim.base_url()).expect("url"),
        Credential::ApiKey(SecretString::from("k")),
    );
    op.render(&target, DOC_SAMPLE_VOICEGENIE_ID)
        .expect("renders")
}

#[tokio::test]
async fn lean_tls_sends_several_requests_on_one_connection() {
    // Arrange
    let (sim, cert) = tls_sim("trusted").await;
    let trust = Trust {
        ca_file: Some(cert),
        insecure: false,
    };
    trust.check().expect("a good CA file");
    let lean = client(&sim, &trust);

    // Act
    let mut statuses = Vec::new();
    for op in [
        OperationId::VoiceGenieStart,
        OperationId::VoiceGenieStart,
        OperationId::VoiceGenieCampaign,
        OperationId::VoiceGenieCampaign,
    ] {
        let answer = lean.send(&request(&sim, op)).await.expect("an answer");
        statuses.push(answer.status.as_u16());
    }

    // Assert
    assert_eq!(
        statuses,
        [200, 400, 200, 200],
        "start, start again, read, read"
    );
    let c = sim.counters();
    assert_eq!(c.total, 4, "{c:#?}");
    assert_eq!(
        c.connections.accepted, 1,
        "one keep-alive connection: {c:#?}"
    );
    assert_eq!(c.connections.tls_handshake_failures, 0, "{c:#?}");
    sim.stop().await;
}

#[tokio::test]
async fn lean_tls_with_the_platform_roots_refuses_a_self_signed_host() {
    // Arrange
    let (sim, _cert) = tls_sim("untrusted").await;
    let lean = client(&sim, &Trust::default());

    // Act
    let e = lean
        .send(&request(&sim, OperationId::VoiceGenieCampaign))
        .await
        .expect_err("a self-signed certificate is not in the platform's roots");

    // Assert
    assert_eq!(e, LeanError::Tls);
    assert_eq!(e.class(), TransportClass::Tls);
    assert_eq!(sim.counters().total, 0);
    sim.stop().await;
}

#[tokio::test]
async fn lean_tls_insecure_accepts_any_certificate() {
    // Arrange
    let (sim, _cert) = tls_sim("insecure").await;
    let lean = client(
        &sim,
        &Trust {
            ca_file: None,
            insecure: true,
        },
    );

    // Act
    let answer = lean
        .send(&request(&sim, OperationId::VoiceGenieCampaign))
        .await
        .expect("insecure takes the self-signed certificate");

    // Assert
    assert_eq!(answer.status, 200);
    assert_eq!(sim.counters().total, 1);
    sim.stop().await;
}

#[tokio::test]
async fn lean_tls_to_a_plain_http_port_is_a_tls_error() {
    // Arrange
    let sim = campaign_sim::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let lean = client(
        &sim,
        &Trust {
            ca_file: None,
            insecure: true,
        },
    );

    // Act
    let e = lean
        .send(&request(&sim, OperationId::VoiceGenieCampaign))
        .await
        .expect_err("the host does not speak TLS");

    // Assert
    assert!(
        matches!(e, LeanError::Tls | LeanError::Reset),
        "a plain-HTTP host answers the ClientHello with a 400 or closes: {e:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn lean_plain_http_sends_several_requests_on_one_connection() {
    // Arrange: the simulator over plain HTTP, and the client for it.
    let sim = campaign_sim::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let lean = LeanClient::new(sim.addr().to_string(), TIMEOUT);

    // Act
    let mut statuses = Vec::new();
    for op in [
        OperationId::VoiceGenieStart,
        OperationId::VoiceGenieStart,
        OperationId::VoiceGenieCampaign,
    ] {
        let answer = lean.send(&request(&sim, op)).await.expect("an answer");
        statuses.push(answer.status.as_u16());
    }

    // Assert
    assert_eq!(statuses, [200, 400, 200], "start, start again, read");
    let c = sim.counters();
    assert_eq!(c.total, 3, "{c:#?}");
    assert_eq!(
        c.connections.accepted, 1,
        "one keep-alive connection: {c:#?}"
    );
    sim.stop().await;
}
