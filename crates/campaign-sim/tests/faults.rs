//! Fault injection over real HTTP: each fault is seen by the client as the failure it imitates.

mod common;

use campaign_api::{CallError, OperationId::*, TransportError};
use campaign_sim::{Faults, SimConfig};
use common::*;
use std::time::Duration;

fn with(faults: Faults, seed: u64) -> SimConfig {
    SimConfig {
        faults,
        seed,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn dropped_connection_is_a_reset_and_changes_nothing() {
    let sim = sim(with(
        Faults {
            drop_connection_rate: 1.0,
            ..Faults::default()
        },
        1,
    ))
    .await;
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
async fn status_faults_answer_before_touching_the_campaign() {
    let sim = sim(with(
        Faults {
            error_rate_429: 1.0,
            retry_after_secs: 3,
            ..Faults::default()
        },
        1,
    ))
    .await;
    let x = call(&kore_jwt(&sim), KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 429);
    assert_eq!(x.headers["retry-after"], "3");
    assert_eq!(x.headers["x-ratelimit-remaining"], "0");
    assert!(x.is_json());

    let sim = sim_503().await;
    let x = call(&kore_jwt(&sim), KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 503);
    assert_eq!(json(&x)["error"], "UNAVAILABLE");
}

async fn sim_503() -> campaign_sim::RunningSim {
    sim(with(
        Faults {
            error_rate_503: 1.0,
            ..Faults::default()
        },
        1,
    ))
    .await
}

#[tokio::test]
async fn malformed_and_mislabelled_bodies_follow_a_real_state_change() {
    let sim = sim(with(
        Faults {
            malformed_json_rate: 1.0,
            ..Faults::default()
        },
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

    let sim = common::sim(with(
        Faults {
            wrong_content_type_rate: 1.0,
            ..Faults::default()
        },
        1,
    ))
    .await;
    let x = call(
        &voicegenie(&sim, "k"),
        VoiceGenieStart,
        campaign_sim::config::DOC_SAMPLE_VOICEGENIE_ID,
    )
    .await;
    assert_eq!(x.status, 200);
    assert!(!x.is_json());
    assert_eq!(x.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(json(&x)["data"]["status"], "running");
}

#[tokio::test]
async fn added_latency_is_felt_by_the_client() {
    let sim = sim(with(
        Faults {
            latency: "fixed 60ms".parse().expect("latency"),
            ..Faults::default()
        },
        1,
    ))
    .await;
    let x = call(&kore_jwt(&sim), KoreStatusV1, "demo-voice").await;
    assert!(x.elapsed >= Duration::from_millis(60), "{:?}", x.elapsed);
    assert_eq!(x.status, 200);
}

async fn statuses(seed: u64) -> Vec<u16> {
    let sim = sim(with(
        Faults {
            error_rate_503: 0.2,
            error_rate_500: 0.1,
            ..Faults::default()
        },
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
