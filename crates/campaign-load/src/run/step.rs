//! One request of a run: a Goose transaction that renders its operation through campaign-api,
//! waits for its turn on the schedule (open model), guards a start before it is sent, sends it,
//! classifies the answer and records both latencies.

use crate::accounting::{Accounting, Fate, vendor_code};
use crate::backoff::Backoff;
use crate::pacing::{Pacer, Turn};
use crate::recorder::{Recorder, Sample};
use crate::scenario::Scenario;
use crate::transport::{Answer, Lean, goose_exchange, lean_exchange};
use campaign_api::{
    Action, CleanupGuard, Exchange, Lifecycle, OperationId, Target, TransportClass,
    is_unavailable_status,
};
use campaign_schema::{Assumptions, Checker, Class};
use goose::goose::{GooseUser, TransactionError, TransactionFunction, TransactionResult};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Everything a transaction needs, shared by every user.
pub(crate) struct Shared {
    pub scenario: Scenario,
    pub target: Target,
    pub names: Vec<String>,
    pub accounting: Accounting,
    /// Every campaign a start was sent to, stopped (and confirmed by a status read) at the end.
    /// Nothing leaves it during the run: with users sharing a campaign, one user's stop can land
    /// between another's start being sent and answered.
    pub guard: Arc<CleanupGuard>,
    /// The credential values in use, scrubbed from any host text the run prints.
    pub secrets: Vec<secrecy::SecretString>,
    pub lifecycle: Arc<Lifecycle>,
    pub checker: Option<Checker>,
    pub assumptions: Assumptions,
    pub sample_every: u64,
    pub sampled: AtomicU64,
    /// The open model's schedule; `None` runs the closed model.
    pub pacer: Option<Pacer>,
    pub recorder: Recorder,
    pub lean: Option<Lean>,
    /// Whether anything of Goose's reads its request metrics (see
    /// [`super::attack::goose_reads_metrics`]).
    pub goose_metrics: bool,
    /// Requests sent and not yet answered (for the progress line).
    pub in_flight: AtomicU64,
    /// Each user's wait after a request that got no answer.
    pub backoff: Backoff,
}

impl Shared {
    pub fn name(&self, op: OperationId) -> &str {
        &self.names[op as usize]
    }
}

/// The Goose transaction for `op`.
pub(crate) fn transaction(shared: Arc<Shared>, op: OperationId) -> TransactionFunction {
    Arc::new(move |user: &mut GooseUser| {
        let shared = shared.clone();
        Box::pin(async move { step(&shared, op, user).await })
    })
}

/// A transaction error of our own words.
pub(crate) fn custom(e: impl std::fmt::Display) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(e.to_string()))
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
    let classify = |a: Answer| classify(shared, op, a);
    shared.in_flight.fetch_add(1, Ordering::Relaxed);
    let result = match &shared.lean {
        Some(lean) => {
            lean_exchange(
                lean,
                user,
                name,
                spec.method,
                &request,
                shared.goose_metrics,
                classify,
            )
            .await
        }
        None => goose_exchange(user, name, spec.method, request, classify).await,
    };
    shared.in_flight.fetch_sub(1, Ordering::Relaxed);
    let m = match result {
        Ok(m) => m,
        // Goose's throttle closed as the run ended: the request was never sent.
        Err(e) if matches!(*e, TransactionError::RequestCanceled { .. }) => return Err(e),
        Err(e) => {
            shared.accounting.record(name, &Fate::Cancelled);
            return Err(e);
        }
    };
    // A start that never reached the host (nothing listened, the connect or TLS handshake
    // failed) cannot have started its campaign: the cleanup need not stop it, and must not
    // call it "not confirmed halted" when the host stays unreachable.
    if spec.action == Action::Start
        && matches!(
            m.fate,
            Fate::Transport(
                TransportClass::Refused | TransportClass::Connect | TransportClass::Tls
            )
        )
    {
        shared.guard.start_not_sent(shared.target.vendor, &campaign);
    }
    shared.accounting.record(name, &m.fate);
    shared.recorder.record(&Sample {
        name,
        fate: &m.fate,
        status: m.status,
        sent: m.sent,
        due: due.unwrap_or(m.sent),
        service: m.service,
    });
    // Bounded toward a failing host: no answer, or a 429 (the host asking to be sent less),
    // and the user waits before its next request.
    let failed = matches!(m.fate, Fate::Transport(c) if c != TransportClass::Timeout)
        || m.fate == Fate::Unavailable(429);
    if let Some(wait) = shared.backoff.after(user.weighted_users_index, failed) {
        tokio::time::sleep(wait).await;
    }
    Ok(())
}

/// What an answer counts as: unavailable (429, 5xx), a redirect (never followed), a vendor
/// error (expected or not, by status and code), a contract breach (a sampled 2xx whose body
/// broke its schema), or ok.
fn classify(shared: &Shared, op: OperationId, a: Answer) -> Fate {
    let code = a.status.as_u16();
    if is_unavailable_status(code) {
        return Fate::Unavailable(code);
    }
    if a.status.is_redirection() {
        return Fate::Redirect(code);
    }
    if a.status.is_client_error() {
        // A vendor code is host text: a hostile host may echo a credential there.
        let vendor = vendor_code(&a.body).map(|c| {
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
                status: a.status,
                headers: a.headers,
                body: a.body,
                elapsed: a.elapsed,
            };
            let findings = checker.check(op, "load", &exchange, shared.assumptions);
            if findings.iter().any(|f| f.class == Class::Breaking) {
                return Fate::Contract;
            }
        }
    }
    Fate::Ok
}
