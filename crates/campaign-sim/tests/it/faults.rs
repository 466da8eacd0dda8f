//! Fault injection over real HTTP: each fault is seen by the client as the failure it imitates.

use crate::support::*;
use campaign_api::{CallError, OperationId::*, TransportError};
use campaign_sim::{FaultKind, Faults, SimConfig};

fn with(faults: Faults, seed: u64) -> SimConfig {
    SimConfig {
        faults,
        seed,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn dropped_connection_is_a_reset_and_changes_nothing() {
    let sim = sim(with(Faults::default().with_rate(FaultKind::Drop, 1.0), 1)).await;
    let e = client()
        .call(&kore_jwt(&sim), KoreVoiceStartV1, "demo-voice")
        .await
        .expect_err("dropped");
    assert!(
        matches!(e, CallError::Transport(TransportError::Reset { .. })),
        "{e:?}"
    );
    assert_eq!(sim.counters().get("kore voice-start-v1", "dropped"), 1);
}

#[tokio::test]
async fn a_429_answers_with_retry_after_before_touching_the_campaign() {
    let sim = sim(with(
        Faults {
            retry_after_secs: 3,
            ..Faults::default().with_rate(FaultKind::Status429, 1.0)
        },
        1,
    ))
    .await;
    let x = call(&kore_jwt(&sim), KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 429);
    assert_eq!(x.headers["retry-after"], "3");
    assert_eq!(x.headers["x-ratelimit-remaining"], "0");
    assert!(x.is_json());
}

#[tokio::test]
async fn a_503_answers_the_simulators_unavailable_body() {
    let sim = sim(with(
        Faults::default().with_rate(FaultKind::Status503, 1.0),
        1,
    ))
    .await;
    let x = call(&kore_jwt(&sim), KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 503);
    assert_eq!(json(&x)["error"], "UNAVAILABLE");
}

#[tokio::test]
async fn a_malformed_body_follows_a_real_state_change() {
    let sim = sim(with(
        Faults::default().with_rate(FaultKind::Malformed, 1.0),
        1,
    ))
    .await;
    let x = call(&kore_jwt(&sim), KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 200);
    assert!(x.is_json());
    assert!(
        serde_json::from_slice::<serde_json::Value>(&x.body).is_err(),
        "body should be cut: {:?}",
        x.body
    );
    assert!(x.body.starts_with(b"{\"status\":\"Active\""));
}

#[tokio::test]
async fn a_mislabelled_body_follows_a_real_state_change() {
    let sim = sim(with(
        Faults::default().with_rate(FaultKind::WrongContentType, 1.0),
        1,
    ))
    .await;
    let x = call(
        &voicegenie(&sim, "k"),
        VoiceGenieStart,
        campaign_sim::DOC_SAMPLE_VOICEGENIE_ID,
    )
    .await;
    assert_eq!(x.status, 200);
    assert!(!x.is_json());
    assert_eq!(x.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(json(&x)["data"]["status"], "running");
}

/// Orders of magnitude apart, as wiremock's own delay tests are: an answer held 60 s against a
/// client that waits 1 s. Only the outcome is asserted (the client gave up; the simulator held
/// the answer back), never how long anything took.
#[tokio::test]
async fn added_latency_is_felt_by_the_client() {
    // Arrange
    let sim = sim(with(
        Faults {
            latency: HELD_BACK.parse().expect("latency"),
            ..Faults::default()
        },
        1,
    ))
    .await;

    // Act
    let e = impatient_client()
        .call(&kore_jwt(&sim), KoreStatusV1, "demo-voice")
        .await
        .expect_err("the answer is held back");

    // Assert
    assert!(timed_out(&e), "{e:?}");
    counters_until(&sim, "the delay was injected", |c| {
        c.injected("delayed") == 1
    })
    .await;
}

/// The same latency on an answer the client waits for: it comes, and it is the rules' answer.
#[tokio::test]
async fn added_latency_still_answers_by_the_rules() {
    let sim = sim(with(
        Faults {
            latency: "fixed 1ms".parse().expect("latency"),
            ..Faults::default()
        },
        1,
    ))
    .await;
    let x = call(&kore_jwt(&sim), KoreStatusV1, "demo-voice").await;
    assert_eq!(x.status, 200);
    assert_eq!(sim.counters().injected("delayed"), 1);
}

async fn statuses(seed: u64) -> Vec<u16> {
    let sim = sim(with(
        Faults::default()
            .with_rate(FaultKind::Status503, 0.2)
            .with_rate(FaultKind::Status500, 0.1),
        seed,
    ))
    .await;
    let t = kore_jwt(&sim);
    let mut out = Vec::new();
    for _ in 0..200 {
        out.push(call(&t, KoreStatusV1, "demo-voice").await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn a_seed_repeats_its_faults() {
    let a = statuses(7).await;
    let b = statuses(7).await;
    let c = statuses(8).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    let n503 = a.iter().filter(|s| **s == 503).count();
    let n500 = a.iter().filter(|s| **s == 500).count();
    assert!((20..=60).contains(&n503), "{n503} of 200 at 20%");
    assert!((5..=35).contains(&n500), "{n500} of 200 at 10%");
}
