//! One load run: a scenario's flows as Goose scenarios, each operation a Goose transaction that
//! renders its request through campaign-api, classifies the answer, samples it against the
//! contract, and keeps track of the campaigns it started.

use crate::accounting::{Accounting, Fate, vendor_code};
use crate::lean::LeanClient;
use crate::pacing::{Pacer, Turn};
use crate::recorder::{Recorder, Sample};
use crate::scenario::{ClientKind, Scenario};
use crate::summary::{Model, Summary};
use campaign_api::cleanup::CleanupGuard;
use campaign_api::lifecycle::Lifecycle;
use campaign_api::{
    Action, Client, ClientConfig, Exchange, HostKind, OperationId, Target, TransportClass,
    VendorTarget, is_unavailable_status,
};
use campaign_schema::{Assumptions, Checker, Class};
use goose::GooseAttack;
use goose::config::GooseConfiguration;
use goose::goose::{
    GooseMethod, GooseRequest, GooseUser, Transaction, TransactionError, TransactionFunction,
    TransactionResult,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

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
    /// The open model's schedule; `None` runs the closed model.
    pacer: Option<Pacer>,
    recorder: Recorder,
    lean: Option<Lean>,
    /// Whether anything of Goose's reads its request metrics (see [`goose_reads_metrics`]).
    goose_metrics: bool,
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
    /// The scenario cannot be run as given (a threshold that does not parse).
    #[error("{0}")]
    Scenario(String),
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

/// What one exchange came to.
struct Measured {
    fate: Fate,
    status: Option<u16>,
    /// When the request went out.
    sent: Instant,
    /// Send to first byte (to the failure, when no answer came).
    service: Duration,
}

/// How long a user whose schedule is over waits before Goose looks at it again (it ends users
/// between transactions only).
const IDLE: Duration = Duration::from_millis(50);

async fn step(shared: &Shared, op: OperationId, user: &mut GooseUser) -> TransactionResult {
    let campaign = shared.scenario.campaign_for(user.weighted_users_index);
    let request = op.render(&shared.target, &campaign).map_err(custom)?;
    let spec = op.spec();
    let name = shared.name(op);
    // The arrival this request stands for, and when it was due.
    let due = match &shared.pacer {
        None => None,
        Some(p) => match p.turn().await {
            Turn::Go { due, .. } => {
                if let Some(zero) = p.zero() {
                    shared.recorder.start(zero);
                }
                Some(due)
            }
            Turn::Over => {
                tokio::time::sleep(IDLE).await;
                return Ok(());
            }
        },
    };
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
    let result = match &shared.lean {
        Some(lean) => lean_exchange(shared, lean, op, user, &request).await,
        None => goose_exchange(shared, op, user, request).await,
    };
    let m = match result {
        Ok(m) => m,
        // Goose's throttle closed as the run ended: the request was never sent.
        Err(e) if matches!(*e, TransactionError::RequestCanceled { .. }) => return Err(e),
        Err(e) => {
            shared.accounting.record(name, &Fate::Cancelled);
            return Err(e);
        }
    };
    shared.accounting.record(name, &m.fate);
    shared.recorder.record(&Sample {
        name,
        fate: &m.fate,
        status: m.status,
        sent: m.sent,
        due: due.unwrap_or(m.sent),
        service: m.service,
    });
    Ok(())
}

/// Stops what the journal of `target`'s host shows an earlier run left started, each confirmed
/// by a status read (`campaign-load cleanup`). Nothing else is sent.
pub async fn cleanup_leftovers(
    target: &VendorTarget,
    trust: &campaign_api::Trust,
) -> Result<Vec<campaign_api::cleanup::Stopped>, String> {
    let client = Client::new(ClientConfig {
        trust: trust.clone(),
        ..ClientConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let lifecycle = Arc::new(
        Lifecycle::load(
            &campaign_schema::default_dir(),
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

/// When the first interrupt came: an open-model schedule ends there.
static INTERRUPTED_AT: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Notes an interrupt (Ctrl-C, SIGTERM) and when it came; signal handlers call this.
pub fn interrupt() {
    let _ = INTERRUPTED_AT.set(Instant::now());
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// The guard of the run in progress, for a signal handler's last word: which campaigns are
/// still under it when the user aborts the cleanup.
pub static ACTIVE_GUARD: std::sync::OnceLock<Arc<CleanupGuard>> = std::sync::OnceLock::new();

/// Where the lean client connects, its timeout, and TLS for an https host.
struct Lean {
    authority: String,
    timeout: std::time::Duration,
    tls: Option<crate::lean::LeanTls>,
}

/// One exchange on the user's own lean connection, also recorded into Goose's metrics (its
/// console and dashboard).
async fn lean_exchange(
    shared: &Shared,
    lean: &Lean,
    op: OperationId,
    user: &mut GooseUser,
    request: &campaign_api::RenderedRequest,
) -> Result<Measured, Box<TransactionError>> {
    if user.get_session_data::<Arc<LeanClient>>().is_none() {
        user.set_session_data(Arc::new(LeanClient::with_tls(
            lean.authority.clone(),
            lean.timeout,
            lean.tls.clone(),
        )));
    }
    let client = match user.get_session_data::<Arc<LeanClient>>() {
        Some(c) => c.clone(),
        None => return Err(custom("lean client missing from session data")),
    };
    let sent = Instant::now();
    let (fate, service, status) = match client.send(request).await {
        Ok(r) => {
            let status = r.status.as_u16();
            (
                classify(shared, op, r.status, r.headers, r.body, r.ttfb),
                r.ttfb,
                Some(status),
            )
        }
        Err(e) => (Fate::Transport(e.class()), sent.elapsed(), None),
    };
    let method = match op.spec().method {
        campaign_api::Method::Get => "GET",
        campaign_api::Method::Post => "POST",
    };
    let error = (!fate.is_success()).then(|| fate.label());
    // Goose's own metrics feed only Goose's readers (its dashboard, running metrics, reports):
    // the verdict is made from the recorder, so they are fed only when one of those is on (each
    // request sent into Goose's metrics channel costs about as much CPU as the rest of the
    // exchange), and a channel closed at shutdown loses nothing.
    if shared.goose_metrics {
        let _ = user
            .record_custom_request_duration(
                method,
                shared.name(op),
                service,
                fate.is_success(),
                status,
                error.as_deref(),
            )
            .await;
    }
    Ok(Measured {
        fate,
        status,
        sent,
        service,
    })
}

/// One exchange through Goose's own client (`--client goose`, Goose's throttle).
async fn goose_exchange(
    shared: &Shared,
    op: OperationId,
    user: &mut GooseUser,
    request: campaign_api::RenderedRequest,
) -> Result<Measured, Box<TransactionError>> {
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
    let sent = Instant::now();
    let mut answer = user.request(goose_request).await?;
    let service = sent.elapsed();
    let mut status = None;
    let fate = match answer.response.as_mut() {
        Err(e) => Fate::Transport(TransportClass::of_reqwest(e, false)),
        Ok(response) => {
            let code = response.status();
            status = Some(code.as_u16());
            let headers = response.headers().clone();
            match read_body(response).await {
                Err(e) => Fate::Transport(TransportClass::of_reqwest(&e, true)),
                Ok(body) => classify(shared, op, code, headers, body, service),
            }
        }
    };
    match (fate.is_success(), answer.request.success) {
        (true, false) => user.set_success(&mut answer.request)?,
        // set_failure also returns the failure as the transaction's error; the outcome is
        // what the accounting needs, so that error is not passed on.
        (false, true) => {
            let _ = user.set_failure(&fate.label(), &mut answer.request, None, None);
        }
        _ => {}
    }
    Ok(Measured {
        fate,
        status,
        sent,
        service,
    })
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
    elapsed: Duration,
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
            let clean = campaign_schema::scrub(&c, &shared.secrets);
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
                elapsed,
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
/// Thresholds and report files are not Goose's: campaign-load judges and writes them from its
/// own figures, which hold both latencies.
pub fn goose_args(scenario: &Scenario, host: &str, extra: &[String]) -> Vec<String> {
    // No controllers (one attack per process, nothing listening), and metrics kept from the
    // first request: the accounting, the simulator's counters and Goose's counts must agree.
    let mut a: Vec<String> = ["--host", host, "--no-telnet", "--no-reset-metrics"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let l = &scenario.load;
    let schedule = l.schedule();
    if let Some(u) = l.users {
        a.extend(["--users".into(), u.to_string()]);
    }
    match (&l.hatch_rate, l.users, &l.test_plan) {
        (Some(r), _, _) => a.extend(["--increase-rate".into(), r.clone()]),
        // An open-model run's users are a cap, not a ramp: all of them within milliseconds, so
        // the schedule's first arrivals find them.
        (None, Some(u), None) if schedule.is_some() => {
            a.extend(["--increase-rate".into(), (u.max(1) * 100).to_string()])
        }
        // Goose's default is one user a second; start them all within the first second instead.
        (None, Some(u), None) => a.extend(["--increase-rate".into(), u.to_string()]),
        _ => {}
    }
    match (&schedule, l.run_time) {
        // The schedule ends the sending; Goose runs two seconds longer (its run time starts
        // once its users are launched, the schedule's once they are ready), so it never cuts
        // the last arrivals off. Idle users wait that out without sending.
        (Some(s), _) => a.extend([
            "--run-time".into(),
            format!("{}s", s.duration().as_secs_f64().ceil() as u64 + 2),
        ]),
        (None, Some(t)) => a.extend(["--run-time".into(), format!("{}s", t.as_secs().max(1))]),
        (None, None) => {}
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
    a.extend(extra.iter().cloned());
    a
}

/// The lean client, unless the scenario asks for Goose's (`--client goose`, or a throttle,
/// which only Goose's client honours). An https host gets TLS from the scenario's trust
/// settings, built once and shared by every user.
fn lean_for(scenario: &Scenario, target: &Target) -> Result<Option<Lean>, RunError> {
    let throttled = scenario.load.throttle.is_some();
    if scenario.transport.client_for(throttled) == ClientKind::Goose {
        return Ok(None);
    }
    let url = &target.base_url;
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Err(RunError::Scenario(format!(
            "{}: no host and port to connect to",
            target.host_label()
        )));
    };
    let tls = match url.scheme() {
        "http" => None,
        "https" => {
            let config = scenario
                .transport
                .trust
                .rustls_config()
                .map_err(|e| RunError::Scenario(format!("TLS: {e}")))?;
            Some(
                crate::lean::LeanTls::new(config, host)
                    .map_err(|e| RunError::Scenario(format!("TLS: {e}")))?,
            )
        }
        other => {
            return Err(RunError::Scenario(format!(
                "{}: the lean client speaks http and https, not {other}",
                target.host_label()
            )));
        }
    };
    Ok(Some(Lean {
        authority: format!("{host}:{port}"),
        timeout: request_timeout(scenario),
        tls,
    }))
}

/// Whether Goose's flags turn on anything that reads Goose's own request metrics: its dashboard,
/// running metrics, its reports or request log, or its coordinated-omission mitigation.
pub fn goose_reads_metrics(args: &[String]) -> bool {
    args.iter().any(|a| {
        [
            "--dashboard",
            "--running-metrics",
            "--report-file",
            "--request-log",
            "--co-mitigation",
        ]
        .iter()
        .any(|f| a.starts_with(f))
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

/// Runs `scenario` against `target` with Goose flags `args` (see [`goose_args`]).
pub async fn run(
    scenario: &Scenario,
    target: &VendorTarget,
    args: &[String],
) -> Result<RunResult, RunError> {
    let schedule = scenario.load.schedule();
    let rules = crate::thresholds::with_defaults(&scenario.thresholds, schedule.is_some())
        .map_err(RunError::Scenario)?;
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
    let cleanup_client = Client::new(ClientConfig {
        trust: scenario.transport.trust.clone(),
        ..ClientConfig::default()
    })
    .map_err(|e| RunError::Goose(e.to_string()))?;
    // The rules the checker's registry reads too (`CAMPAIGN_SCHEMAS_DIR`): the guard's status
    // reads must mean what the host's lifecycle says.
    let lifecycle = Arc::new(
        Lifecycle::load(
            &campaign_schema::default_dir(),
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
    // Live metrics are bound before the attack: a taken port ends the run before it sends.
    let metrics = match scenario.metrics_addr {
        None => None,
        Some(addr) => {
            let m = Arc::new(crate::metrics::LoadMetrics::new());
            let (bound, task) = crate::metrics::serve(addr, Arc::clone(&m))
                .await
                .map_err(|e| {
                    RunError::Scenario(format!("--metrics-addr {addr}: {e} (nothing was sent)"))
                })?;
            eprintln!("campaign-load: metrics at http://{bound}/metrics");
            Some((m, task))
        }
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
        pacer: schedule
            .clone()
            .map(|s| Pacer::new(s, scenario.load.users.unwrap_or(1))),
        recorder: match &metrics {
            Some((m, _)) => Recorder::new(schedule.clone()).with_metrics(Arc::clone(m)),
            None => Recorder::new(schedule.clone()),
        },
        lean: lean_for(scenario, &target.target)?,
        goose_metrics: goose_reads_metrics(args),
    });
    // Goose prints its own request table at the end unless told not to; when the lean client
    // does not feed it, that table would be empty: campaign-load's summary is the one printed.
    // Its per-transaction and per-scenario metrics (a message per transaction through its
    // metrics channel, measured at about 9 µs of CPU per request here) are off too.
    let mut args = args.to_vec();
    if !goose_reads_metrics(&args) {
        for flag in [
            "--no-print-metrics",
            "--no-transaction-metrics",
            "--no-scenario-metrics",
        ] {
            if !args.iter().any(|a| a == flag) {
                args.push(flag.into());
            }
        }
    }
    let config =
        GooseConfiguration::parse_args_default(&args).map_err(|e| {
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
        let lean = shared.lean.is_some();
        let trust = scenario.transport.trust.clone();
        let ready = Arc::clone(&shared);
        s = s.register_transaction(
            Transaction::new(Arc::new(move |user: &mut GooseUser| {
                let shared = Arc::clone(&ready);
                let trust = trust.clone();
                Box::pin(async move {
                    if !lean {
                        let builder = reqwest::Client::builder()
                            .redirect(reqwest::redirect::Policy::none())
                            .timeout(timeout)
                            .user_agent(concat!("campaign-load/", env!("CARGO_PKG_VERSION")));
                        let builder = trust.apply(builder).map_err(custom)?;
                        user.set_client_builder(builder).await?;
                    }
                    if let Some(p) = &shared.pacer {
                        p.ready();
                    }
                    Ok(())
                })
            }))
            .set_name("ready")
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
    // Once the attack is under way and before any user starts.
    let starter = Arc::clone(&shared);
    attack = attack.test_start(Transaction::new(Arc::new(move |_: &mut GooseUser| {
        let shared = Arc::clone(&starter);
        Box::pin(async move {
            // The closed model's seconds count from here; an open model's from its schedule's
            // start, once every user is ready.
            if shared.pacer.is_none() {
                shared.recorder.start(Instant::now());
            }
            eprintln!("{READY}");
            Ok(())
        })
    })));
    // An interrupt (Ctrl-C, SIGTERM) ends the schedule: users waiting for an arrival give it up,
    // and the arrivals after it are not counted as dropped.
    let watcher = {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                if INTERRUPTED.load(Ordering::SeqCst) {
                    if let Some(p) = &shared.pacer {
                        p.stop_at(INTERRUPTED_AT.get().copied().unwrap_or_else(Instant::now));
                    }
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let result = attack.execute().await;
    watcher.abort();
    if let Some((_, task)) = &metrics {
        task.abort();
    }
    let end = shared
        .pacer
        .as_ref()
        .and_then(Pacer::stopped_at)
        .unwrap_or_else(Instant::now);
    let cleanup = Cleanup::of(shared.guard.finish_pending().await);
    if let Err(e) = result {
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
    let users = scenario.load.users.unwrap_or(1);
    let went = shared.pacer.as_ref().map_or(0, Pacer::went);
    let finished = shared.recorder.finish(end, users, went);
    let mut summary = Summary {
        format: crate::summary::FORMAT,
        scenario: scenario.name.clone(),
        host: target.target.host_label(),
        workers: 1,
        duration_secs: finished.duration.as_secs_f64(),
        model: if schedule.is_some() {
            Model::Open
        } else {
            Model::Closed
        },
        requests: finished.requests,
        accounting: shared.accounting.snapshot(),
        arrivals: finished.arrivals,
        timeline: finished.seconds,
        campaigns_stopped_at_end: cleanup.stopped,
        cleanup_requests: cleanup.calls,
        thresholds: Vec::new(),
    };
    let passed = crate::thresholds::judge(&mut summary, &rules);
    Ok(RunResult {
        summary,
        passed,
        cleanup_problems: cleanup.problems,
    })
}
