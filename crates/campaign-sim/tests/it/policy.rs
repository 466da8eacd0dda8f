//! A scripted fault policy on a real socket: each decision is seen by the client as the
//! misbehaviour it imitates, and the campaign is (or is not) changed as the decision says.

use crate::support::*;
use campaign_api::OperationId::*;
use campaign_api::{Action, CallError, TransportError};
use campaign_sim::{Answer, FaultDecision, FaultKind, FaultRequest, Faults, SimConfig};
use std::sync::Mutex;
use std::time::Duration;

#[tokio::test]
async fn the_first_requests_meet_503_then_the_rules_answer() {
    // Arrange: requests 0 and 1 meet a 503.
    let sim = campaign_sim::start_with_policy(SimConfig::default(), |r: &FaultRequest<'_>| {
        if r.number < 2 {
            FaultDecision::instead(Answer::injected(503))
        } else {
            FaultDecision::none()
        }
    })
    .await
    .expect("starts");
    let t = kore_jwt(&sim);

    // Act
    let statuses = [
        call(&t, KoreVoiceStartV1, "demo-voice").await.status,
        call(&t, KoreVoiceStartV1, "demo-voice").await.status,
        call(&t, KoreVoiceStartV1, "demo-voice").await.status,
        call(&t, KoreVoiceStartV1, "demo-voice").await.status,
    ];

    // Assert: the 503s changed nothing, so the first real start succeeds and the next is refused.
    assert_eq!(statuses.map(|s| s.as_u16()), [503, 503, 200, 400]);
    let c = sim.counters();
    assert_eq!(c.injected("instead"), 2);
    assert_eq!(c.get("kore voice-start-v1", "503"), 2);
}

#[tokio::test]
async fn the_policy_sees_number_operation_campaign_and_seed() {
    // Arrange: a policy that writes down what it is shown.
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let config = SimConfig {
        seed: 77,
        ..SimConfig::default()
    };
    let sim = campaign_sim::start_with_policy(config, move |r: &FaultRequest<'_>| {
        log.lock()
            .expect("log")
            .push((r.number, r.operation, r.campaign.to_string(), r.seed));
        FaultDecision::none()
    })
    .await
    .expect("starts");

    // Act
    call(&kore_jwt(&sim), KoreStatusV1, "demo-voice").await;
    call(&voicegenie(&sim, "k"), VoiceGenieCampaign, "load-7").await;

    // Assert
    assert_eq!(
        *seen.lock().expect("log"),
        [
            (0, KoreStatusV1, "demo-voice".to_string(), 77),
            (1, VoiceGenieCampaign, "load-7".to_string(), 77),
        ]
    );
}

#[tokio::test]
async fn a_lost_answer_still_changes_the_campaign() {
    // Arrange: the first start is applied, its answer replaced by a 503.
    let sim = campaign_sim::start_with_policy(SimConfig::default(), |r: &FaultRequest<'_>| {
        if r.number == 0 {
            FaultDecision::after_applying(Answer::injected(503))
        } else {
            FaultDecision::none()
        }
    })
    .await
    .expect("starts");
    let t = kore_jwt(&sim);

    // Act
    let lost = call(&t, KoreVoiceStartV1, "demo-voice").await;
    let read = call(&t, KoreStatusV1, "demo-voice").await;

    // Assert
    assert_eq!(lost.status, 503);
    assert_eq!(
        json(&read)["data"]["status"],
        "Active",
        "the start was made"
    );
    assert_eq!(sim.counters().injected("after_applying"), 1);
}

#[tokio::test]
async fn a_status_read_shows_the_in_between_value_and_nothing_else_changes() {
    // Arrange: every status read shows Kore.ai's "Preparing" (after a token delay, to count
    // it); starts are untouched.
    let sim = campaign_sim::start_with_policy(SimConfig::default(), |r: &FaultRequest<'_>| {
        FaultDecision::reads("Preparing").with_delay(
            if r.operation.spec().action == Action::Status {
                Duration::from_millis(1)
            } else {
                Duration::ZERO
            },
        )
    })
    .await
    .expect("starts");
    let t = kore_jwt(&sim);

    // Act
    let start = call(&t, KoreVoiceStartV1, "demo-voice").await;
    let read = call(&t, KoreStatusV1, "demo-voice").await;

    // Assert
    assert_eq!(
        json(&start)["status"],
        "Active",
        "a start's body is not a read"
    );
    assert_eq!(json(&read)["data"]["status"], "Preparing");
    let c = sim.counters();
    assert_eq!(
        (c.injected("reads"), c.injected("delayed")),
        (1, 1),
        "{c:?}"
    );
}

/// A scripted delay holds the answer back: 60 s against a client that waits 1 s, so only the
/// outcome is asserted (the client gave up; the start was not held, the read was).
#[tokio::test]
async fn a_scripted_delay_holds_back_only_the_requests_it_names() {
    // Arrange
    let held: Duration = match HELD_BACK.parse().expect("latency") {
        campaign_sim::Latency::Fixed(d) => d,
        other => panic!("{other}"),
    };
    let sim = campaign_sim::start_with_policy(SimConfig::default(), move |r: &FaultRequest<'_>| {
        if r.operation.spec().action == Action::Status {
            FaultDecision::delay(held)
        } else {
            FaultDecision::none()
        }
    })
    .await
    .expect("starts");
    let t = kore_jwt(&sim);

    // Act
    let start = impatient_client()
        .call(&t, KoreVoiceStartV1, "demo-voice")
        .await;
    let read = impatient_client()
        .call(&t, KoreStatusV1, "demo-voice")
        .await;

    // Assert
    assert_eq!(start.expect("a start is not held").status.as_u16(), 200);
    let e = read.expect_err("the read is held back");
    assert!(timed_out(&e), "{e:?}");
    counters_until(&sim, "the delay counted", |c| c.injected("delayed") == 1).await;
}

#[tokio::test]
async fn a_dropped_connection_and_a_different_4xx_change_nothing() {
    // Arrange: request 0 is dropped, request 1 refused with 409 and a body of the script's own.
    let sim = campaign_sim::start_with_policy(SimConfig::default(), |r: &FaultRequest<'_>| match r
        .number
    {
        0 => campaign_sim::Fault::Drop.into(),
        1 => FaultDecision::instead(Answer::json(
            409,
            serde_json::json!({"msg": "Campaign is already Active", "code": 4009}),
        )),
        _ => FaultDecision::none(),
    })
    .await
    .expect("starts");
    let t = kore_jwt(&sim);

    // Act
    let dropped = client().call(&t, KoreVoiceStartV1, "demo-voice").await;
    let refused = call(&t, KoreVoiceStartV1, "demo-voice").await;
    let started = call(&t, KoreVoiceStartV1, "demo-voice").await;

    // Assert
    assert!(
        matches!(
            dropped,
            Err(CallError::Transport(TransportError::Reset { .. }))
        ),
        "{dropped:?}"
    );
    assert_eq!(refused.status, 409);
    assert_eq!(json(&refused)["code"], 4009);
    assert_eq!(started.status, 200, "neither fault touched the campaign");
}

#[tokio::test]
async fn a_policy_that_decides_nothing_leaves_the_configured_rates_in_charge() {
    // Arrange: the script only cares about VoiceGenie; the rates answer 503 to everything else.
    let config = SimConfig {
        faults: Faults::default().with_rate(FaultKind::Status503, 1.0),
        ..SimConfig::default()
    };
    let sim = campaign_sim::start_with_policy(config, |r: &FaultRequest<'_>| {
        if r.operation == VoiceGenieCampaign {
            FaultDecision::instead(Answer::json(418, serde_json::json!({"teapot": true})))
        } else {
            FaultDecision::none()
        }
    })
    .await
    .expect("starts");

    // Act
    let kore = call(&kore_jwt(&sim), KoreStatusV1, "demo-voice").await;
    let vg = call(&voicegenie(&sim, "k"), VoiceGenieCampaign, "load-1").await;

    // Assert
    assert_eq!((kore.status.as_u16(), vg.status.as_u16()), (503, 418));
}
