//! Faults replaced while the simulator runs, through `/__sim/faults`, and windows scheduled on
//! the simulator's clock, which the tests set through `/__sim/clock` instead of waiting: a
//! request's place in a window is decided by the clock the test set, never by how fast this
//! machine happens to be.

use crate::support::*;
use campaign_api::OperationId::*;
use campaign_sim::{FaultKind, RunningSim, SimConfig};
use serde_json::{Value, json};

async fn put(sim: &RunningSim, route: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .put(format!("{}/__sim/{route}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("put");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON answer"))
}

async fn get(sim: &RunningSim, route: &str) -> Value {
    reqwest::get(format!("{}/__sim/{route}", sim.base_url()))
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON answer")
}

async fn status_read(sim: &RunningSim) -> u16 {
    call(&kore_jwt(sim), KoreStatusV1, "demo-voice")
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn faults_change_at_run_time_through_the_admin_route() {
    // Arrange: a simulator started with no faults.
    let sim = sim(SimConfig::default()).await;
    assert_eq!(status_read(&sim).await, 200);

    // Act: every request now meets a 503.
    let (status, in_force) = put(&sim, "faults", json!({"error_rate_503": 1.0})).await;

    // Assert
    assert_eq!(status, 200, "{in_force}");
    assert_eq!(in_force["error_rate_503"], 1.0);
    assert_eq!(status_read(&sim).await, 503);
    let config = get(&sim, "config").await;
    assert_eq!(config["faults"]["error_rate_503"], 1.0, "{config}");
    assert_eq!(sim.faults().rates[FaultKind::Status503], 1.0);

    // Act: and back off again (the body is the whole setting: absent keys are off).
    let (status, _) = put(&sim, "faults", json!({})).await;

    // Assert
    assert_eq!(status, 200);
    assert_eq!(status_read(&sim).await, 200);
    let c = sim.counters();
    assert_eq!(
        (
            c.get("kore status-v1", "200"),
            c.get("kore status-v1", "503")
        ),
        (2, 1),
        "{c:?}"
    );
    assert_eq!(c.injected("instead"), 1);
}

#[tokio::test]
async fn bad_fault_settings_are_refused_naming_the_key_and_change_nothing() {
    let sim = sim(SimConfig::default()).await;
    let cases = [
        (json!({"error_rate_5003": 0.5}), "error_rate_5003"),
        (json!({"error_rate_503": 1.5}), "error_rate_503"),
        (json!({"latency": "fixed"}), "latency"),
        (
            json!({"schedule": [{"from": "1s", "until": "2s"}, {"from": "3s", "latncy": "fixed 1s"}]}),
            "schedule[1].latncy",
        ),
        (
            json!({"schedule": [{"from": "5s", "until": "4s"}]}),
            "schedule[0].until",
        ),
        (
            json!({"error_rate_500": 0.6, "schedule": [{"from": "10s", "error_rate_503": 0.5}]}),
            "schedule",
        ),
    ];
    for (body, key) in cases {
        let (status, answer) = put(&sim, "faults", body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"], "BAD_FAULTS");
        assert_eq!(answer["key"], key, "{body} → {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| m.contains(key)),
            "{answer}"
        );
    }
    let r = reqwest::Client::new()
        .put(format!("{}/__sim/faults", sim.base_url()))
        .body("{not json")
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 400);
    assert_eq!(
        sim.faults(),
        campaign_sim::Faults::default(),
        "nothing was replaced"
    );
    assert_eq!(status_read(&sim).await, 200);
}

/// Neither an array (which would read as every default, and clear every fault) nor a body of
/// megabytes replaces the settings: a JSON 400 naming `body`, and a JSON 413.
#[tokio::test]
async fn an_array_or_a_huge_body_replaces_nothing_and_is_refused_in_json() {
    let sim = sim(SimConfig::default()).await;
    let (status, set) = put(&sim, "faults", json!({"error_rate_503": 0.1})).await;
    assert_eq!(status, 200, "{set}");
    let before = sim.faults();
    let (status, answer) = put(&sim, "faults", json!([])).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["key"], "body", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("a JSON object is needed")),
        "{answer}"
    );
    let r = reqwest::Client::new()
        .put(format!("{}/__sim/faults", sim.base_url()))
        .body(format!(
            "{{\"latency\": \"{}\"}}",
            "x".repeat(10 * 1024 * 1024)
        ))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 413);
    let answer: serde_json::Value = r.json().await.expect("a JSON 413");
    assert_eq!(answer["error"], "BODY_TOO_LARGE", "{answer}");
    assert_eq!(sim.faults(), before, "nothing was replaced");
}

#[tokio::test]
async fn a_request_inside_a_scheduled_window_sees_the_fault_and_one_outside_does_not() {
    // Arrange: 503 on every request from 600 s to 1200 s of the simulator's clock, and a
    // latency window that has long ended. The clock starts at 0, ten minutes from the window.
    let sim = sim(SimConfig::default()).await;
    let (status, answer) = put(
        &sim,
        "faults",
        json!({"schedule": [
            {"from": "0s", "until": "1us", "latency": "fixed 1s"},
            {"from": "600s", "until": "1200s", "error_rate_503": 1.0},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");

    // Act: one request before the window, one inside, one after.
    sim.set_elapsed(std::time::Duration::from_secs(1));
    let before = status_read(&sim).await;
    let (status, clock) = put(&sim, "clock", json!({"elapsed": "900s"})).await;
    assert_eq!(status, 200, "{clock}");
    let inside = status_read(&sim).await;
    put(&sim, "clock", json!({"elapsed": "1500s"})).await;
    let after = status_read(&sim).await;

    // Assert: by status, and by the simulator's own counters.
    assert_eq!((before, inside, after), (200, 503, 200));
    let c = sim.counters();
    assert_eq!(
        c.windows,
        [0, 1],
        "one request fell inside the 503 window: {c:?}"
    );
    assert_eq!(c.injected("instead"), 1);
    assert_eq!(c.injected("delayed"), 0, "the latency window had ended");
    assert!(
        clock["elapsed_us"]
            .as_u64()
            .is_some_and(|us| us >= 900_000_000)
    );
}

#[tokio::test]
async fn a_stall_window_delays_every_answer_inside_it() {
    // Arrange: "from 600 s to 1200 s: every answer waits 60 s", from the campaigns-file shape,
    // against a client that waits 1 s (orders of magnitude apart: only outcomes are asserted).
    let mut faults = campaign_sim::Faults::default();
    faults.schedule.push(
        format!("600s..1200s: latency={HELD_BACK}")
            .parse()
            .expect("window"),
    );
    let sim = sim(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await;

    // Act
    let outside = impatient_client()
        .call(&kore_jwt(&sim), KoreStatusV1, "demo-voice")
        .await;
    sim.set_elapsed(std::time::Duration::from_secs(601));
    let inside = impatient_client()
        .call(&kore_jwt(&sim), KoreStatusV1, "demo-voice")
        .await;

    // Assert: answered at once outside the window, held back inside it; the counters say which
    // answer was held.
    assert_eq!(outside.expect("answered outside").status.as_u16(), 200);
    let e = inside.expect_err("held back inside");
    assert!(timed_out(&e), "{e:?}");
    let c = counters_until(&sim, "the held answer counted", |c| {
        c.injected("delayed") == 1
    })
    .await;
    assert_eq!(
        (c.windows.clone(), c.injected("delayed")),
        (vec![1], 1),
        "{c:?}"
    );
}

#[tokio::test]
async fn reset_restarts_the_clock_and_keeps_the_faults() {
    // Arrange
    let sim = sim(SimConfig::default()).await;
    put(
        &sim,
        "faults",
        json!({"schedule": [{"from": "600s", "error_rate_503": 1.0}]}),
    )
    .await;
    sim.set_elapsed(std::time::Duration::from_secs(700));
    assert_eq!(status_read(&sim).await, 503);

    // Act
    let r = reqwest::Client::new()
        .post(format!("{}/__sim/reset", sim.base_url()))
        .send()
        .await
        .expect("reset");

    // Assert: back before the window, which is still scheduled; counts from zero.
    assert_eq!(r.status(), 200);
    assert!(sim.elapsed() < std::time::Duration::from_secs(600));
    assert_eq!(sim.faults().schedule.len(), 1);
    assert_eq!(sim.counters().windows, [0]);
    assert_eq!(status_read(&sim).await, 200);
    let (status, answer) = put(&sim, "clock", json!({"elapsed": "soon"})).await;
    assert_eq!(
        (status, answer["key"].as_str()),
        (400, Some("elapsed")),
        "{answer}"
    );
}
