//! Noise is not drift: a wiremock host that answers 503 or 429 on the way must not turn the gate
//! red, and one that never recovers must end in "unavailable" (exit 2), never in drift.
//!
//! The host is a wiremock `MockServer` with one responder that plays VoiceGenie (or Kore.ai) by
//! the committed lifecycle rules (routing through campaign-sim's dispatcher, bodies from the
//! vendor samples in `schemas/samples/`), with faults scripted per request number in front of it.

use campaign_api::lifecycle::{Lifecycle, StateId};
use campaign_api::{Action, CampaignId, Campaigns, Credential, OperationId, Target, Vendor};
use campaign_api::{HostKind, VendorTarget};
use campaign_contract::report::Verdict;
use campaign_contract::{Environment, suite};
use campaign_schema::{Checker, Class, SchemaRegistry};
use campaign_sim::dispatch::{Route, route};
use secrecy::SecretString;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "noise-test-key-5f1c";
const CAMPAIGN: &str = "vg-noise-1";

/// What the host does to request number `n` (0-based) before or after the lifecycle answers.
#[derive(Debug, Clone)]
enum Fault {
    /// Answer by the rules.
    None,
    /// Answer this instead, changing nothing.
    Instead(ResponseTemplate),
    /// Apply the rule, then answer this instead (the change is made, the answer lost).
    AfterApplying(ResponseTemplate),
    /// A status read that shows this in-between value instead of the state.
    Reads(&'static str),
}

struct Host {
    lifecycle: Lifecycle,
    states: Mutex<HashMap<String, StateId>>,
    /// The credential header the vendor checks.
    credential: &'static str,
    requests: AtomicUsize,
    fault: Box<dyn Fn(usize, OperationId) -> Fault + Send + Sync>,
}

/// The vendor's own sample body for the schema of `op`'s `status` (`schemas/samples/`); for the
/// error bodies nobody documents, the body our assumption schemas describe.
fn sample(op: OperationId, status: u16) -> Value {
    let spec = op.spec();
    let schema = spec.response(status).map_or("", |r| r.schema);
    let (folder, stem) = schema.split_once('/').unwrap_or(("", ""));
    let stem = stem.trim_end_matches("json");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas/samples")
        .join(folder);
    let found = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .find(|e| !stem.is_empty() && e.file_name().to_string_lossy().starts_with(stem))
            .map(|e| std::fs::read_to_string(e.path()).expect("sample"))
    });
    match (found, spec.vendor) {
        (Some(text), _) => serde_json::from_str(&text).expect("sample is JSON"),
        (None, Vendor::Kore) => serde_json::json!({"msg": "refused", "code": 4010}),
        (None, Vendor::VoiceGenie) => {
            serde_json::json!({"success": false, "message": "Campaign not found", "error": "NOT_FOUND"})
        }
    }
}

fn json(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

impl Respond for Host {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        let Route::Operation(op, captures) =
            route(&request.method, request.url.path(), request.url.query())
        else {
            return ResponseTemplate::new(404);
        };
        let fault = (self.fault)(n, op);
        if let Fault::Instead(t) = fault {
            return t;
        }
        if request.headers.get(self.credential).map(|v| v.as_bytes()) != Some(KEY.as_bytes()) {
            return json(401, &sample(op, 401));
        }
        let id = Route::campaign(&captures).to_string();
        let mut states = self.states.lock().expect("states");
        let Some(state) = states.get(&id).copied() else {
            return json(404, &sample(op, 404));
        };
        let outcome = self.lifecycle.rule(state, op.spec().action).primary();
        states.insert(id, outcome.next);
        let mut body = sample(op, outcome.status);
        if op.spec().action == Action::Status
            && let Some(v) = body.pointer_mut(&self.lifecycle.status_pointer)
        {
            *v = match fault {
                Fault::Reads(between) => between.into(),
                _ => self.lifecycle.state(outcome.next).reads.clone().into(),
            };
        }
        match fault {
            Fault::AfterApplying(t) => t,
            _ => json(outcome.status, &body),
        }
    }
}

/// A wiremock VoiceGenie with one campaign, `scheduled`, and `fault` in front of it.
async fn host(fault: impl Fn(usize, OperationId) -> Fault + Send + Sync + 'static) -> MockServer {
    host_of(Vendor::VoiceGenie, fault).await
}

/// A wiremock host of `vendor` with one campaign in its first entry state.
async fn host_of(
    vendor: Vendor,
    fault: impl Fn(usize, OperationId) -> Fault + Send + Sync + 'static,
) -> MockServer {
    host_in(vendor, None, fault).await
}

/// A wiremock host of `vendor` with one campaign in `state` (default: the first entry state).
async fn host_in(
    vendor: Vendor,
    state: Option<&str>,
    fault: impl Fn(usize, OperationId) -> Fault + Send + Sync + 'static,
) -> MockServer {
    let lifecycle = Lifecycle::embedded(vendor).expect("rules");
    let entry = state
        .and_then(|s| lifecycle.state_named(s))
        .unwrap_or(lifecycle.entry()[0]);
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(Host {
            lifecycle,
            states: Mutex::new(HashMap::from([(CAMPAIGN.to_string(), entry)])),
            credential: match vendor {
                Vendor::Kore => "auth",
                Vendor::VoiceGenie => "x-api-key",
            },
            requests: AtomicUsize::new(0),
            fault: Box::new(fault),
        })
        .mount(&server)
        .await;
    server
}

fn environment(server: &MockServer) -> Environment {
    let target = Target::new(
        Vendor::VoiceGenie,
        campaign_api::target::parse_base_url("VOICEGENIE_BASE_URL", &server.uri()).expect("url"),
        Credential::ApiKey(SecretString::from(KEY)),
    )
    .with_campaigns(Campaigns {
        voice: CampaignId::new(CAMPAIGN).ok(),
        sms: None,
    });
    let mut env = Environment::with_targets(vec![VendorTarget {
        target,
        kind: HostKind::Sandbox,
    }]);
    // Fast backoff keeps the test short; a Retry-After from the host still rules.
    env.policy.backoff = Duration::from_millis(20);
    env
}

/// The suite against a Kore.ai wiremock host (voice campaign only), settle polls 20 ms apart.
fn kore_environment(server: &MockServer) -> Environment {
    let target = Target::new(
        Vendor::Kore,
        campaign_api::target::parse_base_url("KORE_BASE_URL", &server.uri()).expect("url"),
        Credential::KoreJwt(SecretString::from(KEY)),
    )
    .with_kore_ids("acc-noise", "st-noise", None)
    .with_campaigns(Campaigns {
        voice: CampaignId::new(CAMPAIGN).ok(),
        sms: None,
    });
    let mut env = Environment::with_targets(vec![VendorTarget {
        target,
        kind: HostKind::Sandbox,
    }]);
    env.policy.backoff = Duration::from_millis(20);
    env.policy.settle_interval = Duration::from_millis(20);
    env
}

fn checker() -> Checker {
    Checker::new(SchemaRegistry::load_default().expect("schemas")).with_secrets(vec![SecretString::from(KEY)])
}

fn unavailable() -> ResponseTemplate {
    json(
        503,
        &serde_json::json!({"success": false, "message": "Service Unavailable"}),
    )
}

#[tokio::test]
async fn a_host_that_answers_503_then_200_passes_within_its_budget() {
    // Arrange: the first three requests meet a 503, then the host answers.
    let server = host(|n, _| {
        if n < 3 {
            Fault::Instead(unavailable())
        } else {
            Fault::None
        }
    })
    .await;
    let env = environment(&server);

    // Act
    let outcome = suite::run(&env, &checker(), false).await;

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
}

#[tokio::test]
async fn a_start_whose_answer_is_lost_is_not_drift() {
    // Arrange: the first start is made but answered 503; a retry would meet "already running".
    let first_start = AtomicUsize::new(0);
    let server = host(move |_, op| {
        if op == OperationId::VoiceGenieStart && first_start.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::AfterApplying(unavailable())
        } else {
            Fault::None
        }
    })
    .await;

    // Act
    let outcome = suite::run(&environment(&server), &checker(), false).await;

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
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    // Arrange: the first request is rate limited for one second.
    let server = host(|n, _| {
        if n == 0 {
            Fault::Instead(
                json(429, &serde_json::json!({"message": "Rate limit exceeded"}))
                    .insert_header("Retry-After", "1"),
            )
        } else {
            Fault::None
        }
    })
    .await;
    let env = environment(&server);

    // Act
    let started = Instant::now();
    let outcome = suite::run(&env, &checker(), false).await;
    let took = started.elapsed();

    // Assert
    let report = &outcome.report;
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    assert_eq!(report.steps[0].attempts, 2);
    assert!(
        took >= Duration::from_secs(1),
        "waited the second the host asked for: {took:?}"
    );
}

#[tokio::test]
async fn the_call_budget_is_a_hard_stop_and_says_so() {
    let server = host(|_, _| Fault::None).await;
    let mut env = environment(&server);
    env.policy.max_calls = 5;

    let outcome = suite::run(&env, &checker(), false).await;

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
    let server = host(|_, _| Fault::Instead(unavailable())).await;
    let report_file = std::env::temp_dir().join(format!("noise-{}.json", uuid::Uuid::new_v4()));

    // Act
    let mut cli = std::process::Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
    cli.args(["check", "--json"])
        .arg(&report_file)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VOICEGENIE_BASE_URL", server.uri())
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
}

#[tokio::test]
async fn a_status_read_in_between_is_polled_until_it_settles() {
    // Arrange: the two reads after the first start show Kore.ai's "Preparing".
    let reads_after_start = AtomicUsize::new(0);
    let started = std::sync::atomic::AtomicBool::new(false);
    let server = host_of(Vendor::Kore, move |_, op| {
        let action = op.spec().action;
        if action == Action::Start {
            started.store(true, Ordering::SeqCst);
        }
        if action == Action::Status
            && started.load(Ordering::SeqCst)
            && reads_after_start.fetch_add(1, Ordering::SeqCst) < 2
        {
            Fault::Reads("Preparing")
        } else {
            Fault::None
        }
    })
    .await;

    // Act
    let outcome = suite::run(&kore_environment(&server), &checker(), false).await;

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
}

#[tokio::test]
async fn a_state_that_never_settles_is_unavailable_not_drift() {
    // Arrange: every read between the first start and the next stop shows "Preparing".
    let preparing = std::sync::atomic::AtomicBool::new(false);
    let server = host_of(Vendor::Kore, move |_, op| {
        let action = op.spec().action;
        match action {
            Action::Start => preparing.store(true, Ordering::SeqCst),
            Action::Stop => preparing.store(false, Ordering::SeqCst),
            _ => {}
        }
        if action == Action::Status && preparing.load(Ordering::SeqCst) {
            Fault::Reads("Preparing")
        } else {
            Fault::None
        }
    })
    .await;
    let env = kore_environment(&server);

    // Act
    let outcome = suite::run(&env, &checker(), false).await;

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
    let server = host_in(Vendor::VoiceGenie, Some("running"), |_, _| Fault::None).await;

    // Act
    let outcome = suite::run(&environment(&server), &checker(), false).await;

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
    let requests = server.received_requests().await.expect("recorded");
    assert!(
        requests
            .iter()
            .all(|r| r.url.path().starts_with("/campaign/")),
        "only reads reached the host"
    );
}

#[tokio::test]
async fn an_unknown_campaign_id_is_a_configuration_error_not_drift() {
    // Arrange: the host knows no campaign of that id.
    let server = host(|_, _| Fault::None).await;
    let mut env = environment(&server);
    env.targets[0].target.campaigns.voice = CampaignId::new("vg-does-not-exist").ok();

    // Act
    let outcome = suite::run(&env, &checker(), false).await;

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
}

#[tokio::test]
async fn any_4xx_with_json_meets_an_assumed_refusal_on_a_sandbox() {
    // Arrange: Kore.ai refuses the second start with 409, not the 400 our rules assume.
    let starts = AtomicUsize::new(0);
    let server = host_of(Vendor::Kore, move |_, op| {
        if op.spec().action == Action::Start && starts.fetch_add(1, Ordering::SeqCst) == 1 {
            Fault::Instead(json(
                409,
                &serde_json::json!({"msg": "Campaign is already Active", "code": 4009}),
            ))
        } else {
            Fault::None
        }
    })
    .await;

    // Act
    let outcome = suite::run(&kore_environment(&server), &checker(), false).await;

    // Assert
    let report = &outcome.report;
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    let step = report
        .steps
        .iter()
        .find(|s| s.step == "start when Active")
        .expect("the step ran");
    assert_eq!((step.status, step.undocumented), (Some(409), true));
    assert!(step.findings.is_empty(), "{:?}", step.findings);
}
