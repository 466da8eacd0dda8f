//! Noise is not drift: a host that answers 503 or 429 on the way must not turn the gate red, and
//! one that never recovers must end in "unavailable" (exit 2), never in drift.
//!
//! The host is campaign-sim on a real socket: one campaign, credentials checked, its lifecycle
//! rules, and a fault policy scripted per request in front of them (a closure over
//! `FaultRequest`). The suite holds it as a vendor sandbox (`HostKind::Sandbox`), as it would a host
//! we did not write: the simulator's behaviour comes to it only over HTTP.

use crate::support;
use campaign_api::{
    Action, CampaignId, Campaigns, Credential, HostKind, JwtOptions, JwtSigner, OperationId,
    Target, Vendor, VendorTarget,
};
use campaign_contract::Verdict;
use campaign_contract::{Environment, run_suite};
use campaign_schema::{Checker, Class, Grade};
use campaign_sim::{
    Answer, AuthConfig, CampaignSeed, FaultDecision, FaultPolicy, FaultRequest, RunningSim,
    SimConfig,
};
use secrecy::SecretString;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const KEY: &str = "noise-test-key-5f1c";
const CLIENT_ID: &str = "cs-noise";
const CAMPAIGN: &str = "vg-noise-1";

/// campaign-sim playing VoiceGenie with one campaign, `vg-noise-1`, and `script` in front.
async fn host(script: impl FaultPolicy + 'static) -> RunningSim {
    host_of(Vendor::VoiceGenie, script).await
}

/// campaign-sim playing `vendor` with one campaign in its first entry state.
async fn host_of(vendor: Vendor, script: impl FaultPolicy + 'static) -> RunningSim {
    host_in(vendor, None, script).await
}

/// campaign-sim with one campaign of `vendor` in `state` (default: the first entry state), no
/// other campaign (auto-provisioning off), credentials checked against `KEY` (Kore.ai JWTs
/// verified with it as the client secret), and `script` deciding each request's faults.
async fn host_in(
    vendor: Vendor,
    state: Option<&str>,
    script: impl FaultPolicy + 'static,
) -> RunningSim {
    let config = SimConfig {
        campaigns: vec![CampaignSeed {
            vendor,
            id: CAMPAIGN.into(),
            name: None,
            state: state.map(String::from),
            missing: Vec::new(),
        }],
        auto_provision_prefix: None,
        auth: AuthConfig {
            kore_client: Some((CLIENT_ID.into(), SecretString::from(KEY))),
            voicegenie_keys: vec![SecretString::from(KEY)],
        },
        ..SimConfig::default()
    };
    campaign_sim::start_with_policy(config, script)
        .await
        .expect("simulator starts")
}

fn environment(sim: &RunningSim) -> Environment {
    let target = Target::new(
        Vendor::VoiceGenie,
        campaign_api::parse_base_url("VOICEGENIE_BASE_URL", &sim.base_url()).expect("url"),
        Credential::ApiKey(SecretString::from(KEY)),
    )
    .with_campaigns(Campaigns::one_each(CampaignId::new(CAMPAIGN).ok(), None));
    let mut env = Environment::with_targets(vec![VendorTarget {
        target,
        kind: HostKind::Sandbox,
    }]);
    // Fast backoff keeps the test short; a Retry-After from the host still rules.
    env.policy.backoff = Duration::from_millis(20);
    env
}

/// The suite against a Kore.ai host (voice campaign only), settle polls 20 ms apart.
fn kore_environment(sim: &RunningSim) -> Environment {
    let target = Target::new(
        Vendor::Kore,
        campaign_api::parse_base_url("KORE_BASE_URL", &sim.base_url()).expect("url"),
        Credential::KoreClient(JwtSigner::new(
            CLIENT_ID,
            SecretString::from(KEY),
            JwtOptions::default(),
        )),
    )
    .with_kore_ids("acc-noise", "st-noise", None)
    .with_campaigns(Campaigns::one_each(CampaignId::new(CAMPAIGN).ok(), None));
    let mut env = Environment::with_targets(vec![VendorTarget {
        target,
        kind: HostKind::Sandbox,
    }]);
    env.policy.backoff = Duration::from_millis(20);
    env.policy.settle_interval = Duration::from_millis(20);
    env
}

fn checker() -> Checker {
    support::checker().with_secrets(vec![SecretString::from(KEY)])
}

fn unavailable() -> Answer {
    Answer::json(
        503,
        serde_json::json!({"success": false, "message": "Service Unavailable"}),
    )
}

#[tokio::test]
async fn a_host_that_answers_503_then_200_passes_within_its_budget() {
    // Arrange: the first three requests meet a 503, then the host answers.
    let sim = host(|r: &FaultRequest<'_>| {
        if r.number < 3 {
            FaultDecision::instead(unavailable())
        } else {
            FaultDecision::none()
        }
    })
    .await;
    let env = environment(&sim);

    // Act
    let outcome = run_suite(&env, &checker(), false).await;

    // Assert
    let report = &outcome.report;
    println!("{}", report.render());
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    assert_eq!(
        report.findings().count(),
        0,
        "retried noise leaves no finding"
    );
    assert_eq!(report.steps[0].attempts, 4, "the first step took 3 retries");
    let t = &report.targets[0];
    assert!(t.calls <= t.max_calls && t.max_calls == 60, "{t:?}");
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.step == "start when paused" && s.status == Some(200)),
        "the walk went on to the end"
    );
    let counters = sim.counters();
    assert_eq!(counters.injected("instead"), 3, "{counters:?}");
    assert_eq!(
        counters.get("voicegenie campaign", "503"),
        3,
        "{counters:?}"
    );
}

#[tokio::test]
async fn a_start_whose_answer_is_lost_is_not_drift() {
    // Arrange: the first start is made but answered 503; a retry would meet "already running".
    let first_start = AtomicUsize::new(0);
    let sim = host(move |r: &FaultRequest<'_>| {
        if r.operation == OperationId::VoiceGenieStart
            && first_start.fetch_add(1, Ordering::SeqCst) == 0
        {
            FaultDecision::after_applying(unavailable())
        } else {
            FaultDecision::none()
        }
    })
    .await;

    // Act
    let outcome = run_suite(&environment(&sim), &checker(), false).await;

    // Assert
    let report = &outcome.report;
    println!("{}", report.render());
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.step.starts_with("start when scheduled (answer lost")),
        "{}",
        report.render()
    );
    let counters = sim.counters();
    assert_eq!(counters.injected("after_applying"), 1, "{counters:?}");
    assert_eq!(
        counters.get("voicegenie start", "503"),
        1,
        "the lost answer was the start's: {counters:?}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    // Arrange: the first request is rate limited for one second.
    let sim = host(|r: &FaultRequest<'_>| {
        if r.number == 0 {
            FaultDecision::instead(
                Answer::json(429, serde_json::json!({"message": "Rate limit exceeded"}))
                    .header("Retry-After", "1"),
            )
        } else {
            FaultDecision::none()
        }
    })
    .await;
    let env = environment(&sim);

    // Act
    let started = Instant::now();
    let outcome = run_suite(&env, &checker(), false).await;
    let took = started.elapsed();

    // Assert
    let report = &outcome.report;
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    assert_eq!(report.steps[0].attempts, 2);
    assert!(
        took >= Duration::from_secs(1),
        "waited the second the host asked for: {took:?}"
    );
    assert_eq!(sim.counters().get("voicegenie campaign", "429"), 1);
}

#[tokio::test]
async fn the_call_budget_is_a_hard_stop_and_says_so() {
    let sim = host(|_: &FaultRequest<'_>| FaultDecision::none()).await;
    let mut env = environment(&sim);
    env.policy.max_calls = 5;

    let outcome = run_suite(&env, &checker(), false).await;

    let report = &outcome.report;
    assert_eq!(
        report.verdict(),
        Verdict::Unavailable,
        "{}",
        report.render()
    );
    assert_eq!(report.targets[0].calls, 5);
    assert!(
        report.unavailable[0]
            .contains("call budget of 5 calls (CAMPAIGN_CONTRACT_MAX_CALLS) spent"),
        "{:?}",
        report.unavailable
    );
    assert!(report.findings().all(|f| f.class == Class::Unavailable));
    // The budget ran out with the campaign running: it is still stopped (cleanup is exempt from
    // the budget), and the stop confirmed by a read.
    assert_eq!(
        report.cleanup,
        ["voicegenie vg-noise-1: voicegenie pause answered 200; reads halted"],
        "{}",
        report.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_answers_503_forever_exits_2_unavailable_with_no_drift() {
    // Arrange: every request meets a 503. The CLI itself runs, configured from env.
    let sim = host(|_: &FaultRequest<'_>| FaultDecision::instead(unavailable())).await;
    let report_file = std::env::temp_dir().join(format!("noise-{}.json", uuid::Uuid::new_v4()));

    // Act
    let mut cli = std::process::Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
    cli.args(["check", "--json"])
        .arg(&report_file)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VOICEGENIE_BASE_URL", sim.base_url())
        .env("VOICEGENIE_API_KEY", KEY)
        .env("VOICEGENIE_CAMPAIGN_ID", CAMPAIGN);
    let out = tokio::task::spawn_blocking(move || cli.output())
        .await
        .expect("joined")
        .expect("the CLI runs");

    // Assert
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sandbox unavailable"), "{stderr}");
    assert!(stderr.contains("voicegenie at 127.0.0.1"), "{stderr}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_file).expect("report written"))
            .expect("JSON report");
    let _ = std::fs::remove_file(&report_file);
    assert_eq!(report["verdict"], "unavailable");
    assert_eq!(report["tally"]["breaking"], 0);
    assert_eq!(report["tally"]["additive"], 0);
    let classes: Vec<&str> = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["findings"].as_array().into_iter().flatten())
        .filter_map(|f| f["class"].as_str())
        .collect();
    assert!(!classes.is_empty(), "the unavailability is reported");
    assert!(classes.iter().all(|c| *c == "unavailable"), "{classes:?}");
    let counters = sim.counters();
    assert!(counters.total > 0, "the CLI reached the simulator");
    assert_eq!(
        counters.injected("instead"),
        counters.total,
        "every request met the 503: {counters:?}"
    );
}

#[tokio::test]
async fn a_status_read_in_between_is_polled_until_it_settles() {
    // Arrange: the two reads after the first start show Kore.ai's "Preparing".
    let reads_after_start = AtomicUsize::new(0);
    let started = AtomicBool::new(false);
    let sim = host_of(Vendor::Kore, move |r: &FaultRequest<'_>| {
        let action = r.operation.spec().action;
        if action == Action::Start {
            started.store(true, Ordering::SeqCst);
        }
        if action == Action::Status
            && started.load(Ordering::SeqCst)
            && reads_after_start.fetch_add(1, Ordering::SeqCst) < 2
        {
            FaultDecision::reads("Preparing")
        } else {
            FaultDecision::none()
        }
    })
    .await;

    // Act
    let outcome = run_suite(&kore_environment(&sim), &checker(), false).await;

    // Assert
    let report = &outcome.report;
    println!("{}", report.render());
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    let polls: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.step.starts_with("status when Active"))
        .map(|s| s.step.as_str())
        .take(3)
        .collect();
    assert_eq!(
        polls,
        [
            "status when Active (read \"Preparing\", settling)",
            "status when Active (read \"Preparing\", settling)",
            "status when Active"
        ],
        "two in-between reads, then the settled one"
    );
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.step == "stop when Active" && s.status == Some(200)),
        "the walk went on"
    );
    assert_eq!(sim.counters().injected("reads"), 2);
}

#[tokio::test]
async fn a_state_that_never_settles_is_unavailable_not_drift() {
    // Arrange: every read between the first start and the next stop shows "Preparing".
    let preparing = AtomicBool::new(false);
    let sim = host_of(Vendor::Kore, move |r: &FaultRequest<'_>| {
        let action = r.operation.spec().action;
        match action {
            Action::Start => preparing.store(true, Ordering::SeqCst),
            Action::Stop => preparing.store(false, Ordering::SeqCst),
            _ => {}
        }
        if action == Action::Status && preparing.load(Ordering::SeqCst) {
            FaultDecision::reads("Preparing")
        } else {
            FaultDecision::none()
        }
    })
    .await;
    let env = kore_environment(&sim);

    // Act
    let outcome = run_suite(&env, &checker(), false).await;

    // Assert: bounded (5 reads), unavailable, nothing breaking, and the campaign stopped.
    let report = &outcome.report;
    println!("{}", report.render());
    assert_eq!(
        report.verdict(),
        Verdict::Unavailable,
        "{}",
        report.render()
    );
    assert!(
        report.unavailable[0].contains("still \"Preparing\" after 5 reads"),
        "{:?}",
        report.unavailable
    );
    assert_eq!(report.tally().breaking, 0);
    assert!(
        report
            .cleanup
            .iter()
            .any(|c| c.contains("voice-stop") && c.contains("answered 200")),
        "{:?}",
        report.cleanup
    );
}

#[tokio::test]
async fn a_campaign_already_running_is_not_touched_and_the_run_proves_nothing() {
    // Arrange: the named campaign is dialing before the suite starts.
    let sim = host_in(
        Vendor::VoiceGenie,
        Some("running"),
        |_: &FaultRequest<'_>| FaultDecision::none(),
    )
    .await;

    // Act
    let outcome = run_suite(&environment(&sim), &checker(), false).await;

    // Assert: one read, no start or pause, and an unavailable verdict (not a silent pass).
    let report = &outcome.report;
    assert_eq!(
        report.verdict(),
        Verdict::Unavailable,
        "{}",
        report.render()
    );
    assert!(
        report
            .steps
            .iter()
            .all(|s| !s.operation.ends_with("start") && !s.operation.ends_with("pause")),
        "{}",
        report.render()
    );
    assert!(
        report.unavailable[0]
            .contains("is running (dialing); the suite does not touch a running campaign"),
        "{:?}",
        report.unavailable
    );
    assert!(report.cleanup.is_empty(), "{:?}", report.cleanup);
    let counters = sim.counters();
    assert!(
        counters.get("voicegenie campaign", "200") >= 1
            && counters.routes.keys().all(|r| r == "voicegenie campaign"),
        "only reads reached the host: {counters:?}"
    );
}

#[tokio::test]
async fn an_unknown_campaign_id_is_a_configuration_error_not_drift() {
    // Arrange: the host knows no campaign of that id.
    let sim = host(|_: &FaultRequest<'_>| FaultDecision::none()).await;
    let mut env = environment(&sim);
    env.targets[0].target.campaigns.voice =
        CampaignId::new("vg-does-not-exist").into_iter().collect();

    // Act
    let outcome = run_suite(&env, &checker(), false).await;

    // Assert
    let report = &outcome.report;
    assert_eq!(
        report.verdict(),
        Verdict::Unavailable,
        "{}",
        report.render()
    );
    assert_eq!(report.tally().breaking, 0, "{}", report.render());
    assert!(
        report.unavailable[0].contains("does not exist on this host (404)"),
        "{:?}",
        report.unavailable
    );
    assert!(sim.counters().get("voicegenie campaign", "404") >= 1);
}

#[tokio::test]
async fn another_4xx_for_an_assumed_refusal_is_an_assumption_finding_not_drift() {
    // Arrange: Kore.ai refuses the second start with 409, not the 400 our rules assume.
    let starts = AtomicUsize::new(0);
    let sim = host_of(Vendor::Kore, move |r: &FaultRequest<'_>| {
        if r.operation.spec().action == Action::Start && starts.fetch_add(1, Ordering::SeqCst) == 1
        {
            FaultDecision::instead(Answer::json(
                409,
                serde_json::json!({"msg": "Campaign is already Active", "code": 4009}),
            ))
        } else {
            FaultDecision::none()
        }
    })
    .await;

    // Act
    let outcome = run_suite(&kore_environment(&sim), &checker(), false).await;

    // Assert
    let report = &outcome.report;
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    let step = report
        .steps
        .iter()
        .find(|s| s.step == "start when Active")
        .expect("the step ran");
    assert_eq!((step.status, step.grade), (Some(409), Grade::Assumed));
    assert_eq!(step.findings.len(), 1, "{:?}", step.findings);
    let f = &step.findings[0];
    assert_eq!((f.class, f.grade), (Class::Assumption, Grade::Assumed));
    assert_eq!(
        (f.expected.as_str(), f.actual.as_str()),
        ("400 (start when Active)", "409")
    );
    // The walk still knew where the campaign was: it went on to stop it.
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.step == "stop when Active" && s.status == Some(200))
    );
}
