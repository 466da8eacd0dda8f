//! One load run: a scenario's flows as Goose scenarios, each operation a Goose transaction that
//! renders its request through campaign-api, classifies the answer, samples it against the
//! contract, and keeps track of the campaigns it started.

use crate::accounting::{Accounting, Fate, vendor_code};
use crate::lean::LeanClient;
use crate::scenario::Scenario;
use crate::summary::{Summary, ThresholdLine};
use campaign_api::cleanup::CleanupGuard;
use campaign_api::lifecycle::Lifecycle;
use campaign_api::{
    Action, Client, ClientConfig, Exchange, HostKind, OperationId, Target, TransportClass,
    VendorTarget, is_unavailable_status,
};
use campaign_schema::{Assumptions, Checker, Class};
use goose::config::GooseConfiguration;
use goose::goose::{
    GooseMethod, GooseRequest, GooseUser, Transaction, TransactionError, TransactionFunction,
    TransactionResult,
};
use goose::{GooseAttack, GooseError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Printed to stderr once the attack is under way (Goose has cleared its killswitch; no user has
/// started yet): from then on SIGTERM or Ctrl-C ends the run, and its cleanup still runs.
pub const READY: &str =
    "campaign-load: attack running; SIGTERM or Ctrl-C stops it and every campaign it started";

/// Everything a transaction needs, shared by every user.
struct Shared {
    scenario: Scenario,
    target: Target,
    names: Vec<String>,
    accounting: Accounting,
    /// Every campaign a start was sent to, stopped (and confirmed by a status read) at the end.
    /// Nothing leaves it during the run: with users sharing a campaign, one user's stop can land
    /// between another's start being sent and answered.
    guard: Arc<CleanupGuard>,
    /// The credential values in use, scrubbed from any host text the run prints.
    secrets: Vec<secrecy::SecretString>,
    lifecycle: Arc<Lifecycle>,
    checker: Option<Checker>,
    assumptions: Assumptions,
    sample_every: u64,
    sampled: AtomicU64,
    pacer: Option<crate::pacing::Pacer>,
    lean: Option<Lean>,
}

impl Shared {
    fn name(&self, op: OperationId) -> &str {
        &self.names[op as usize]
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct RunResult {
    /// The summary (accounting, histograms, thresholds).
    pub summary: Summary,
    /// True when every threshold held.
    pub passed: bool,
    /// Campaigns that could not be stopped at the end (should be empty).
    pub cleanup_problems: Vec<String>,
}

/// What the end-of-run cleanup came to.
struct Cleanup {
    /// Campaigns a status read confirmed halted.
    stopped: usize,
    /// Stops, retries and confirming reads sent.
    calls: usize,
    /// One line per campaign that may still be running.
    problems: Vec<String>,
}

impl Cleanup {
    fn of(results: Vec<campaign_api::cleanup::Stopped>) -> Cleanup {
        Cleanup {
            stopped: results.iter().filter(|s| s.halted).count(),
            calls: results.iter().map(|s| s.calls).sum(),
            problems: results
                .into_iter()
                .filter(|s| !s.halted)
                .map(|s| s.line)
                .collect(),
        }
    }
}

/// Why a run could not start (or ended in an error that is not a threshold).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Goose refused the configuration.
    #[error("Goose: {0}")]
    Goose(String),
    /// The schemas did not load.
    #[error("schemas: {0}")]
    Schemas(String),
}

fn transaction(shared: Arc<Shared>, op: OperationId) -> TransactionFunction {
    Arc::new(move |user: &mut GooseUser| {
        let shared = shared.clone();
        Box::pin(async move { step(&shared, op, user).await })
    })
}

fn custom(e: impl std::fmt::Display) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(e.to_string()))
}

async fn step(shared: &Shared, op: OperationId, user: &mut GooseUser) -> TransactionResult {
    let campaign = shared.scenario.campaign_for(user.weighted_users_index);
    let request = op.render(&shared.target, &campaign).map_err(custom)?;
    let spec = op.spec();
    let name = shared.name(op);
    // A start is noted before it is sent: should its answer be lost (a timeout, the run ending
    // mid-flight), the campaign may still be running, and the end-of-run cleanup must stop it.
    if spec.action == Action::Start
        && let Some(undo) = spec.undo()
    {
        shared
            .guard
            .started(&shared.target, undo, &shared.lifecycle, &campaign)
            .map_err(custom)?;
    }
    if let Some(p) = &shared.pacer {
        p.wait().await;
    }
    let result = match &shared.lean {
        Some(lean) => lean_exchange(shared, lean, op, user, &request).await,
        None => goose_exchange(shared, op, user, request).await,
    };
    let outcome = match result {
        Ok(o) => o,
        // Goose's throttle closed as the run ended: the request was never sent.
        Err(e) if matches!(*e, TransactionError::RequestCanceled { .. }) => return Err(e),
        Err(e) => {
            shared.accounting.record(name, &Fate::Cancelled);
            return Err(e);
        }
    };
    shared.accounting.record(name, &outcome);
    Ok(())
}

/// Stops what the journal of `target`'s host shows an earlier run left started, each confirmed
/// by a status read (`campaign-load cleanup`). Nothing else is sent.
pub async fn cleanup_leftovers(
    target: &VendorTarget,
) -> Result<Vec<campaign_api::cleanup::Stopped>, String> {
    let client = Client::new(ClientConfig::default()).map_err(|e| e.to_string())?;
    let lifecycle = Arc::new(
        Lifecycle::load(
            &campaign_schema::registry::default_dir(),
            target.target.vendor,
        )
        .map_err(|e| e.to_string())?,
    );
    let guard = CleanupGuard::new(client, "campaign-load")
        .with_journal(campaign_api::journal::default_dir());
    let left = guard
        .recover(&target.target, &lifecycle)
        .map_err(|e| e.to_string())?;
    if left.is_empty() {
        return Ok(Vec::new());
    }
    Ok(guard.finish_pending().await)
}

/// Set by a signal handler when the user interrupts: a run interrupted before its attack began
/// (during the recovery of an earlier run's leftovers) sends nothing more.
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The guard of the run in progress, for a signal handler's last word: which campaigns are
/// still under it when the user aborts the cleanup.
pub static ACTIVE_GUARD: std::sync::OnceLock<Arc<CleanupGuard>> = std::sync::OnceLock::new();

/// Where the lean client connects, and its timeout.
struct Lean {
    authority: String,
    timeout: std::time::Duration,
}

/// One exchange on the user's own lean connection, recorded into Goose's metrics.
async fn lean_exchange(
    shared: &Shared,
    lean: &Lean,
    op: OperationId,
    user: &mut GooseUser,
    request: &campaign_api::RenderedRequest,
) -> Result<Fate, Box<TransactionError>> {
    if user.get_session_data::<Arc<LeanClient>>().is_none() {
        user.set_session_data(Arc::new(LeanClient::new(
            lean.authority.clone(),
            lean.timeout,
        )));
    }
    let client = match user.get_session_data::<Arc<LeanClient>>() {
        Some(c) => c.clone(),
        None => return Err(custom("lean client missing from session data")),
    };
    let started = Instant::now();
    let (outcome, time, status) = match client.send(request).await {
        Ok(r) => {
            let status = r.status.as_u16();
            (
                classify(shared, op, r.status, r.headers, r.body, started),
                r.ttfb,
                Some(status),
            )
        }
        Err(e) => (Fate::Transport(e.class()), started.elapsed(), None),
    };
    let method = match op.spec().method {
        campaign_api::Method::Get => "GET",
        campaign_api::Method::Post => "POST",
    };
    let error = (!outcome.is_success()).then(|| outcome.label());
    user.record_custom_request_duration(
        method,
        shared.name(op),
        time,
        outcome.is_success(),
        status,
        error.as_deref(),
    )
    .await?;
    Ok(outcome)
}

/// One exchange through Goose's own client (HTTPS hosts, Goose's throttle).
async fn goose_exchange(
    shared: &Shared,
    op: OperationId,
    user: &mut GooseUser,
    request: campaign_api::RenderedRequest,
) -> Result<Fate, Box<TransactionError>> {
    let mut builder = user
        .client
        .request(request.method.clone(), request.url.clone())
        .headers(request.headers);
    if let Some(body) = request.body {
        builder = builder.body(body);
    }
    let method = match op.spec().method {
        campaign_api::Method::Get => GooseMethod::Get,
        campaign_api::Method::Post => GooseMethod::Post,
    };
    let goose_request = GooseRequest::builder()
        .method(method)
        .name(shared.name(op))
        .set_request_builder(builder)
        .build();
    let started = Instant::now();
    let mut answer = user.request(goose_request).await?;
    let outcome = match answer.response.as_mut() {
        Err(e) => Fate::Transport(TransportClass::of_reqwest(e, false)),
        Ok(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            match read_body(response).await {
                Err(e) => Fate::Transport(TransportClass::of_reqwest(&e, true)),
                Ok(body) => classify(shared, op, status, headers, body, started),
            }
        }
    };
    match (outcome.is_success(), answer.request.success) {
        (true, false) => user.set_success(&mut answer.request)?,
        // set_failure also returns the failure as the transaction's error; the outcome is
        // what the accounting needs, so that error is not passed on.
        (false, true) => {
            let _ = user.set_failure(&outcome.label(), &mut answer.request, None, None);
        }
        _ => {}
    }
    Ok(outcome)
}

/// Reads the body through `&mut` (the response stays in Goose's answer), up to campaign-api's
/// 1 MiB limit; the rest is drained unread.
async fn read_body(response: &mut reqwest::Response) -> Result<bytes::Bytes, reqwest::Error> {
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() < campaign_api::client::DEFAULT_MAX_BODY {
            body.extend_from_slice(&chunk);
        }
    }
    Ok(body.freeze())
}

fn classify(
    shared: &Shared,
    op: OperationId,
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: bytes::Bytes,
    started: Instant,
) -> Fate {
    let code = status.as_u16();
    if is_unavailable_status(code) {
        return Fate::Unavailable(code);
    }
    if status.is_redirection() {
        return Fate::Redirect(code);
    }
    if status.is_client_error() {
        // A vendor code is host text: a hostile host may echo a credential there.
        let vendor = vendor_code(&body).map(|c| {
            let clean = campaign_schema::finding::scrub(&c, &shared.secrets);
            if clean == c {
                c
            } else {
                "[REDACTED]".to_string()
            }
        });
        let label = match &vendor {
            Some(c) => format!("{code} {c}"),
            None => code.to_string(),
        };
        return if shared.scenario.is_expected(code, vendor.as_deref()) {
            Fate::Expected(label)
        } else {
            Fate::VendorError(label)
        };
    }
    if let Some(checker) = &shared.checker {
        let n = shared.sampled.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(shared.sample_every) {
            let exchange = Exchange {
                operation: op,
                status,
                headers,
                body,
                elapsed: started.elapsed(),
            };
            let findings = checker.check(op, "load", &exchange, shared.assumptions);
            if findings.iter().any(|f| f.class == Class::Breaking) {
                return Fate::Contract;
            }
        }
    }
    Fate::Ok
}

/// Goose's own flags for this run, as `campaign-load` passes them (never parsed from argv).
pub fn goose_args(scenario: &Scenario, host: &str, extra: &[String]) -> Vec<String> {
    // No controllers (one attack per process, nothing listening), and metrics kept from the
    // first request: the accounting, the simulator's counters and Goose's counts must agree.
    let mut a: Vec<String> = ["--host", host, "--no-telnet", "--no-reset-metrics"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let l = &scenario.load;
    if let Some(u) = l.users {
        a.extend(["--users".into(), u.to_string()]);
    }
    match (&l.hatch_rate, l.users, &l.test_plan) {
        (Some(r), _, _) => a.extend(["--increase-rate".into(), r.clone()]),
        // Goose's default is one user a second; start them all within the first second instead.
        (None, Some(u), None) => a.extend(["--increase-rate".into(), u.to_string()]),
        _ => {}
    }
    if let Some(t) = l.run_time {
        a.extend(["--run-time".into(), format!("{}s", t.as_secs().max(1))]);
    }
    if let Some(i) = l.iterations {
        a.extend(["--iterations".into(), i.to_string()]);
    }
    if let Some(p) = &l.test_plan {
        a.extend(["--test-plan".into(), p.clone()]);
    }
    if let Some(t) = l.throttle {
        a.extend(["--throttle-requests".into(), t.to_string()]);
    }
    a.extend([
        "--timeout".into(),
        format!("{}", request_timeout(scenario).as_secs_f64()),
    ]);
    for t in &scenario.thresholds {
        if impossible(t).is_none() {
            a.extend(["--threshold".into(), t.clone()]);
        }
    }
    for p in [
        &scenario.report.html,
        &scenario.report.json,
        &scenario.report.markdown,
    ]
    .into_iter()
    .flatten()
    {
        a.extend(["--report-file".into(), p.display().to_string()]);
    }
    a.extend(extra.iter().cloned());
    a
}

/// The lean client serves plain-HTTP hosts unless Goose's throttle is asked for.
fn lean_for(scenario: &Scenario, target: &Target) -> Option<Lean> {
    let url = &target.base_url;
    if url.scheme() != "http" || scenario.load.throttle.is_some() {
        return None;
    }
    let authority = format!("{}:{}", url.host_str()?, url.port_or_known_default()?);
    Some(Lean {
        authority,
        timeout: request_timeout(scenario),
    })
}

/// The default per-request timeout: a request that takes longer is a transport timeout.
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One request's timeout, on both client paths: the scenario's `timeout` (default
/// [`DEFAULT_REQUEST_TIMEOUT`]), never longer than the run time, so a dead host cannot stretch a
/// run by more than one timeout past its end.
pub fn request_timeout(scenario: &Scenario) -> std::time::Duration {
    let t = scenario.load.timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    match scenario.load.run_time {
        Some(run) if !run.is_zero() => t.min(run),
        _ => t,
    }
}

/// Why a threshold can never hold (`p50<0ms`), if it cannot. Goose refuses such a rule outright;
/// campaign-load runs without it and reports it failed, so the verdict is the threshold code
/// the user asked for rather than a configuration error.
pub fn impossible(rule: &str) -> Option<String> {
    match rule.parse::<goose::threshold::Threshold>() {
        Err(goose::GooseError::InvalidOption { detail, .. })
            if detail.contains("can never pass") =>
        {
            Some(detail)
        }
        _ => None,
    }
}

/// Checks every threshold parses (impossible ones included); names the first that does not.
pub fn check_thresholds(rules: &[String]) -> Result<(), String> {
    for r in rules {
        match r.parse::<goose::threshold::Threshold>() {
            Err(goose::GooseError::InvalidOption { detail, .. }) if impossible(r).is_none() => {
                return Err(format!("threshold {r:?}: {detail}"));
            }
            Err(e) if impossible(r).is_none() => return Err(format!("threshold {r:?}: {e}")),
            _ => {}
        }
    }
    Ok(())
}

/// Runs `scenario` against `target` with Goose flags `args` (see [`goose_args`]).
pub async fn run(
    scenario: &Scenario,
    target: &VendorTarget,
    args: &[String],
) -> Result<RunResult, RunError> {
    for p in [
        &scenario.report.html,
        &scenario.report.json,
        &scenario.report.markdown,
        &scenario.report.summary,
    ]
    .into_iter()
    .flatten()
    {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
    }
    // Built before the attack: the cleanup after it must not depend on anything that can fail.
    let cleanup_client =
        Client::new(ClientConfig::default()).map_err(|e| RunError::Goose(e.to_string()))?;
    // The rules the checker's registry reads too (`CAMPAIGN_SCHEMAS_DIR`): the guard's status
    // reads must mean what the host's lifecycle says.
    let lifecycle = Arc::new(
        Lifecycle::load(
            &campaign_schema::registry::default_dir(),
            target.target.vendor,
        )
        .map_err(|e| RunError::Schemas(e.to_string()))?,
    );
    // Every campaign a run against a host of someone else's may start is journaled before its
    // first start; a killed run's leftovers are stopped before this run begins.
    let mut guard = CleanupGuard::new(cleanup_client, "campaign-load");
    if target.kind == HostKind::Sandbox {
        guard = guard.with_journal(campaign_api::journal::default_dir());
    }
    let guard = Arc::new(guard);
    let _ = ACTIVE_GUARD.set(Arc::clone(&guard));
    let recovered = guard
        .recover(&target.target, &lifecycle)
        .map_err(|e| RunError::Goose(e.to_string()))?;
    if !recovered.is_empty() {
        let ids: Vec<String> = recovered.iter().map(ToString::to_string).collect();
        eprintln!(
            "campaign-load: an earlier run against {} left {} campaign(s) started ({}); stopping them first:",
            target.target.host_label(),
            ids.len(),
            ids.join(", ")
        );
        for s in guard.finish_pending().await {
            eprintln!("  {}", s.line);
        }
    }
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(RunError::Goose(
            "interrupted before the attack began (nothing more was sent)".into(),
        ));
    }
    let checker = if scenario.contract_sample > 0.0 {
        Some(
            Checker::new(
                campaign_schema::SchemaRegistry::load_default()
                    .map_err(|e| RunError::Schemas(e.to_string()))?,
            )
            .with_secrets(target.target.credential.secret_values()),
        )
    } else {
        None
    };
    let shared = Arc::new(Shared {
        scenario: scenario.clone(),
        target: target.target.clone(),
        names: OperationId::ALL
            .iter()
            .map(|o| o.spec().qualified_name())
            .collect(),
        accounting: Accounting::default(),
        guard: Arc::clone(&guard),
        secrets: target.target.credential.secret_values(),
        lifecycle,
        checker,
        assumptions: Assumptions::for_kind(target.kind),
        sample_every: if scenario.contract_sample > 0.0 {
            (1.0 / scenario.contract_sample).round().max(1.0) as u64
        } else {
            u64::MAX
        },
        sampled: AtomicU64::new(0),
        pacer: scenario.load.rate.map(crate::pacing::Pacer::new),
        lean: lean_for(scenario, &target.target),
    });
    let config =
        GooseConfiguration::parse_args_default(args).map_err(|e| {
            RunError::Goose(format!(
                "Goose refused the options it was given ({e}); check what follows --goose (nothing was sent)"
            ))
        })?;
    let mut attack = GooseAttack::initialize_with_config(config).map_err(|e| match e {
        goose::GooseError::InvalidOption {
            option,
            value,
            detail,
        } => RunError::Goose(format!(
            "Goose refused {option} = {value:?}: {detail} (nothing was sent)"
        )),
        other => RunError::Goose(format!("{other} (nothing was sent)")),
    })?;
    for flow in &scenario.flows {
        let mut s = goose::goose::Scenario::new(&flow.name)
            .set_weight(flow.weight)
            .map_err(|e| RunError::Goose(e.to_string()))?;
        // Goose's own client (HTTPS hosts, throttled runs) follows redirects by default and
        // carries `auth` / `x-api-key` to wherever it is sent: each user gets one that does not.
        let timeout = request_timeout(scenario);
        s = s.register_transaction(
            Transaction::new(Arc::new(move |user: &mut GooseUser| {
                Box::pin(async move {
                    let builder = reqwest::Client::builder()
                        .redirect(reqwest::redirect::Policy::none())
                        .timeout(timeout)
                        .user_agent(concat!("campaign-load/", env!("CARGO_PKG_VERSION")));
                    user.set_client_builder(builder).await?;
                    Ok(())
                })
            }))
            .set_name("no redirects")
            .set_on_start(),
        );
        for (i, op) in flow.steps.iter().enumerate() {
            let t = Transaction::new(transaction(shared.clone(), *op))
                .set_name(shared.name(*op))
                .set_sequence(i + 1);
            s = s.register_transaction(t);
        }
        attack = attack.register_scenario(s);
    }
    attack = attack.test_start(Transaction::new(Arc::new(|_: &mut GooseUser| {
        Box::pin(async {
            eprintln!("{READY}");
            Ok(())
        })
    })));
    let result = attack.execute().await;
    let cleanup = Cleanup::of(shared.guard.finish_pending().await);
    let lines = |results: &[goose::threshold::ThresholdResult]| -> Vec<ThresholdLine> {
        results
            .iter()
            .map(|r| ThresholdLine {
                rule: r.rule.clone(),
                passed: r.passed,
            })
            .collect()
    };
    let (metrics, passed, thresholds) = match result {
        Ok(m) => {
            let t = lines(&m.thresholds);
            (m, true, t)
        }
        Err(GooseError::ThresholdsFailed { failed, metrics }) => {
            let mut t = lines(&metrics.thresholds);
            for f in lines(&failed) {
                if !t.iter().any(|x| x.rule == f.rule) {
                    t.push(ThresholdLine { passed: false, ..f });
                }
            }
            ((*metrics.0).clone(), false, t)
        }
        Err(e) => {
            for p in &cleanup.problems {
                eprintln!("campaign-load: WARNING: {p}");
            }
            // Goose names its option and value; whether anything ran is ours to say.
            let what = match &e {
                goose::GooseError::InvalidOption {
                    option,
                    value,
                    detail,
                } => format!("Goose refused {option} = {value:?}: {detail}"),
                other => format!("{other}: {other:?}"),
            };
            let sent = shared.accounting.snapshot().sent;
            return Err(RunError::Goose(if sent == 0 {
                format!("{what} (nothing was sent)")
            } else {
                format!(
                    "{what} (the run was cut short after {sent} request(s); {} campaign(s) confirmed stopped)",
                    cleanup.stopped
                )
            }));
        }
    };
    let mut passed = passed;
    let mut thresholds = thresholds;
    for rule in scenario
        .thresholds
        .iter()
        .filter(|r| impossible(r).is_some())
    {
        thresholds.push(ThresholdLine {
            rule: rule.clone(),
            passed: false,
        });
        passed = false;
    }
    let mut summary = Summary::from_metrics(
        &scenario.name,
        &target.target.host_label(),
        &metrics,
        shared.accounting.snapshot(),
    );
    summary.campaigns_stopped_at_end = cleanup.stopped;
    summary.cleanup_requests = cleanup.calls;
    summary.thresholds = thresholds;
    Ok(RunResult {
        summary,
        passed,
        cleanup_problems: cleanup.problems,
    })
}
