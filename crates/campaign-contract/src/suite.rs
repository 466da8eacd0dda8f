//! The lifecycle suite: walks each vendor's lifecycle rules (`schemas/{vendor}/lifecycle.toml`)
//! against its sandbox or the embedded simulator and checks every answer against the contract.
//!
//! For each campaign it may touch, the suite reads the campaign's state, refuses it if it is
//! dialing, then takes the actions that exercise every rule reachable from there (start, start
//! twice, stop, stop twice, start after stop, pause when not running, …), reads the state back
//! after every change, and ends with the campaign halted. The plan comes from [`crate::walk`];
//! what each answer must be comes from the rule.
//!
//! Noise is not drift ([`crate::retry`]): unavailable answers are retried within a per-vendor
//! call budget, and a vendor still unavailable is reported as such, not as drift.
//!
//! Against a sandbox it touches only the campaigns named in env and stops (VoiceGenie: pauses)
//! everything it started, also when a step fails or the suite panics ([`CleanupGuard`]).

use crate::check::{Assumptions, Checker, is_unavailable_status};
use crate::cleanup::{CleanupGuard, read_state};
use crate::environment::{Environment, Kind, VendorTarget};
use crate::finding::{Class, Finding, describe, truncate};
use crate::report::{Report, StepResult, TargetLine};
use crate::retry::{Budget, CallPolicy, retry_after};
use crate::walk::{self, Covered};
use campaign_api::lifecycle::{Lifecycle, Rule, RuleSource, StateId, action_name, vendor_actions};
use campaign_api::{
    Action, CallError, CampaignId, Channel, Client, ClientConfig, Exchange, OperationId,
    RenderedRequest, Vendor,
};
use http::HeaderValue;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What a fixed (non-lifecycle) step expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// This exact, documented status.
    Status(u16),
    /// Any 4xx with a JSON body: the vendor documents nothing more.
    Undocumented4xx,
}

/// How a step alters the rendered request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Send as rendered.
    None,
    /// Remove the credential header.
    NoCredential,
    /// Replace the credential with a wrong one.
    WrongCredential,
}

/// An exchange kept for snapshots.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Whose API.
    pub vendor: Vendor,
    /// The operation.
    pub operation: OperationId,
    /// The step.
    pub step: String,
    /// Simulator or sandbox.
    pub kind: Kind,
    /// Response status.
    pub status: u16,
    /// True when the vendor documents this status's body.
    pub documented: bool,
    /// The body, when it was JSON.
    pub body: Option<Value>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The drift report.
    pub report: Report,
    /// Every exchange with a response, for snapshots.
    pub exchanges: Vec<Recorded>,
}

/// Runs the suite against every target of `env`.
pub async fn run(env: &Environment, checker: &Checker, strict: bool) -> Outcome {
    let client = match Client::new(ClientConfig::default()) {
        Ok(c) => c,
        Err(e) => {
            let mut report = Report {
                strict,
                ..Report::default()
            };
            report
                .unavailable
                .push(format!("could not build the HTTP client: {e}"));
            return Outcome {
                report,
                exchanges: Vec::new(),
            };
        }
    };
    let mut run = Run {
        client: client.clone(),
        checker,
        policy: env.policy,
        guard: CleanupGuard::new(client),
        report: Report {
            strict,
            ..Report::default()
        },
        exchanges: Vec::new(),
        budget: Budget::new(env.policy.max_calls),
        down: None,
        refused: Vec::new(),
    };
    for vt in &env.targets {
        run.budget = Budget::new(env.policy.max_calls);
        run.down = None;
        let skipped = run.vendor(vt).await;
        let host = vt.target.host_label();
        let vendor = vt.target.vendor;
        // Each vendor's campaigns are halted before the next vendor's walk begins.
        for s in run.guard.finish_pending().await {
            if !s.halted {
                run.report
                    .unavailable
                    .push(format!("{vendor} at {host}: cleanup: {}", s.line));
            }
            run.report.cleanup.push(s.line);
        }
        if let Some(why) = run.down.take() {
            run.report
                .unavailable
                .push(format!("{vendor} at {host}: {why}"));
        }
        for why in std::mem::take(&mut run.refused) {
            run.report
                .unavailable
                .push(format!("{vendor} at {host}: {why}"));
        }
        run.report.targets.push(TargetLine {
            vendor: vendor.slug().into(),
            kind: vt.kind.label().into(),
            host,
            skipped: (!skipped.is_empty()).then(|| skipped.join("; ")),
            calls: run.budget.used(),
            max_calls: run.budget.limit(),
        });
    }
    let Run {
        mut report,
        exchanges,
        ..
    } = run;
    report.redact(&env.secret_values());
    Outcome { report, exchanges }
}

struct Run<'a> {
    client: Client,
    checker: &'a Checker,
    policy: CallPolicy,
    guard: CleanupGuard,
    report: Report,
    exchanges: Vec<Recorded>,
    /// Calls left to the vendor being checked.
    budget: Budget,
    /// Why the vendor being checked is unavailable, once it is: no further step is sent.
    down: Option<String>,
    /// Campaigns of the vendor being checked that were not walked for a reason that leaves the
    /// run proving nothing about them (already dialing, a state the rules do not know, …).
    refused: Vec<String>,
}

fn tamper(request: &mut RenderedRequest, how: Tamper) {
    use campaign_api::credential::{AUTH, X_API_KEY};
    let names = [&AUTH, &X_API_KEY, &http::header::COOKIE];
    match how {
        Tamper::None => {}
        Tamper::NoCredential => {
            for n in names {
                request.headers.remove(n);
            }
        }
        Tamper::WrongCredential => {
            for n in names {
                if let Some(v) = request.headers.get_mut(n) {
                    let mut wrong = HeaderValue::from_static(if *n == http::header::COOKIE {
                        "token=invalid.credential.harness"
                    } else {
                        "invalid.credential.harness"
                    });
                    wrong.set_sensitive(true);
                    *v = wrong;
                }
            }
        }
    }
}

fn is_unavailable(result: &Result<Exchange, CallError>) -> bool {
    match result {
        Ok(x) => is_unavailable_status(x.status.as_u16()),
        Err(CallError::Transport(_)) => true,
        Err(CallError::Render(_)) => false,
    }
}

/// A call's last result after retries.
struct Sent {
    result: Result<Exchange, CallError>,
    attempts: u32,
    /// Set when a retried change turned out to have taken effect: the state it reached.
    took_effect: Option<StateId>,
}

/// How a step's status is judged.
enum Judge<'r> {
    /// A fixed step's expectation.
    Expect(Expect),
    /// A lifecycle rule.
    Rule(&'r Lifecycle, &'r Rule),
}

/// One campaign being walked.
struct Walk {
    lifecycle: Arc<Lifecycle>,
    campaign: CampaignId,
    channel: Option<Channel>,
    /// Next operation to use per action and expected answer (success or refusal): the walk
    /// rotates through every version (v1, v2), so each version meets both kinds of answer.
    turn: BTreeMap<(Action, bool), usize>,
}

impl Walk {
    fn ops(&self, action: Action) -> Vec<OperationId> {
        OperationId::of_vendor(self.lifecycle.vendor)
            .filter(|op| {
                let spec = op.spec();
                spec.action == action
                    && (self.channel.is_none()
                        || spec.channel.is_none()
                        || spec.channel == self.channel)
            })
            .collect()
    }

    fn next_op(&mut self, action: Action, success: bool) -> Option<OperationId> {
        let ops = self.ops(action);
        let turn = self.turn.entry((action, success)).or_insert(0);
        let op = ops.get(*turn % ops.len().max(1)).copied();
        *turn += 1;
        op
    }

    /// The operation that halts this campaign (the undo of its channel's first start).
    fn stop_op(&self) -> Option<OperationId> {
        self.ops(Action::Start)
            .first()
            .and_then(|op| op.spec().undo())
    }
}

/// What a status read showed.
enum Read {
    /// A state of the lifecycle.
    State(StateId),
    /// An in-between value, on its way into a state.
    Settling(String),
    /// A value no state reads (or none at all).
    Unknown(String),
    /// No usable answer.
    Lost,
}

impl Run<'_> {
    /// Sends one call, retrying an unavailable answer within the budget. `None` when the budget
    /// was spent before the first try. With `effect`, a retried change is first checked with a
    /// status read: when the campaign already is in (or settling into) the state the change
    /// leads to, the answer was lost but the change was made, and it is not sent again.
    async fn send(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        campaign: &str,
        how: Tamper,
        effect: Option<(&Lifecycle, StateId)>,
    ) -> Option<Sent> {
        let mut attempt = 0;
        let mut last: Option<Result<Exchange, CallError>> = None;
        loop {
            if !self.budget.take() {
                let result = last?;
                self.down.get_or_insert_with(|| {
                    format!(
                        "the call budget of {} calls ({}) was spent retrying",
                        self.budget.limit(),
                        crate::retry::MAX_CALLS_VAR
                    )
                });
                return Some(Sent {
                    result,
                    attempts: attempt,
                    took_effect: None,
                });
            }
            attempt += 1;
            let result = match op.render(&vt.target, campaign) {
                Ok(mut request) => {
                    tamper(&mut request, how);
                    self.client
                        .send(request)
                        .await
                        .map_err(CallError::Transport)
                }
                Err(e) => Err(CallError::Render(e)),
            };
            let asked = result.as_ref().ok().and_then(|x| retry_after(&x.headers));
            let wait = self.policy.wait(attempt, asked);
            if !is_unavailable(&result) || attempt >= self.policy.attempts || wait.is_none() {
                return Some(Sent {
                    result,
                    attempts: attempt,
                    took_effect: None,
                });
            }
            tokio::time::sleep(wait.unwrap_or_default()).await;
            if let Some((lifecycle, next)) = effect
                && self.read_once(vt, lifecycle, campaign).await == Some(next)
            {
                return Some(Sent {
                    result,
                    attempts: attempt,
                    took_effect: Some(next),
                });
            }
            last = Some(result);
        }
    }

    /// One status read, no retry, not recorded: to see whether a lost change took effect. The
    /// state the campaign is in or settling into.
    async fn read_once(
        &mut self,
        vt: &VendorTarget,
        lifecycle: &Lifecycle,
        campaign: &str,
    ) -> Option<StateId> {
        if !self.budget.take() {
            return None;
        }
        match read_state(&self.client, &vt.target, lifecycle, campaign).await? {
            Ok(s) | Err(Some(s)) => Some(s),
            Err(None) => None,
        }
    }

    /// Records a step: checks the answer, judges its status, keeps the exchange. Returns the
    /// status and body when an answer came.
    fn record(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        sent: Option<Sent>,
        judge: Judge<'_>,
    ) -> Option<(u16, Option<Value>)> {
        let spec = op.spec();
        let assumptions = match vt.kind {
            Kind::Simulator => Assumptions::Enforce,
            Kind::Sandbox => Assumptions::JsonOnly,
        };
        let (expected, undocumented, rule_label) = match &judge {
            Judge::Expect(Expect::Status(s)) => (s.to_string(), false, None),
            Judge::Expect(Expect::Undocumented4xx) => ("4xx".to_string(), true, None),
            Judge::Rule(l, r) => (
                r.outcomes
                    .iter()
                    .map(|o| o.status.to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
                r.source == RuleSource::Assumption,
                Some(l.label(r)),
            ),
        };
        let Some(sent) = sent else {
            let why = format!(
                "call budget of {} calls ({}) spent",
                self.budget.limit(),
                crate::retry::MAX_CALLS_VAR
            );
            self.down
                .get_or_insert_with(|| format!("{why}; raise it to let the suite finish"));
            self.report.steps.push(StepResult {
                vendor: spec.vendor.slug().into(),
                operation: spec.qualified_name(),
                source: spec.source.to_string(),
                step: label.into(),
                expected,
                status: None,
                undocumented,
                elapsed_ms: 0,
                attempts: 0,
                rule: rule_label,
                findings: vec![Finding {
                    vendor: spec.vendor.slug().into(),
                    operation: spec.qualified_name(),
                    step: label.into(),
                    status: None,
                    pointer: String::new(),
                    rule: "budget".into(),
                    expected: "a call within the budget".into(),
                    actual: why,
                    class: Class::Unavailable,
                    source: spec.source.to_string(),
                }],
            });
            return None;
        };
        let mut findings = if sent.took_effect.is_some() {
            // The answer was lost, but a status read shows the change was made: noise, and the
            // walk goes on.
            Vec::new()
        } else {
            self.checker
                .check_result(op, label, &sent.result, assumptions)
        };
        let (status, body, elapsed) = match &sent.result {
            Ok(x) if sent.took_effect.is_none() => (
                Some(x.status.as_u16()),
                serde_json::from_slice::<Value>(&x.body).ok(),
                x.elapsed,
            ),
            _ => (None, None, Duration::ZERO),
        };
        if let Some(f) = findings.iter().find(|f| f.class == Class::Unavailable) {
            self.down.get_or_insert_with(|| {
                format!(
                    "{} ({label}) {} after {} attempt(s)",
                    spec.qualified_name(),
                    f.actual,
                    sent.attempts
                )
            });
        }
        // A loose expectation (any 4xx with a JSON body, where the vendor documents nothing)
        // overrides the operation table's list of statuses.
        let loose = status.is_some_and(|s| match &judge {
            Judge::Expect(Expect::Undocumented4xx) => (400..500).contains(&s),
            Judge::Expect(Expect::Status(_)) => false,
            Judge::Rule(_, r) => loosely_allowed(vt.kind, r, s),
        });
        if loose {
            findings.retain(|f| f.rule != "status");
            if body.is_none() && !findings.iter().any(|f| f.rule == "json") {
                findings.push(Finding {
                    vendor: spec.vendor.slug().into(),
                    operation: spec.qualified_name(),
                    step: label.into(),
                    status,
                    pointer: String::new(),
                    rule: "json".into(),
                    expected: "a JSON body".into(),
                    actual: "a body that is not JSON".into(),
                    class: Class::Breaking,
                    source: spec.source.to_string(),
                });
            }
        }
        let already_flagged = findings.iter().any(|f| f.rule == "status");
        if let Some(s) = status
            && !already_flagged
            && !loose
            && !is_unavailable_status(s)
        {
            let (ok, source) = match &judge {
                Judge::Expect(Expect::Status(want)) => (s == *want, None),
                Judge::Expect(Expect::Undocumented4xx) => (false, None),
                Judge::Rule(l, r) => (
                    r.outcome(s).is_some(),
                    Some(format!("{} rule {} ({})", l.file, l.label(r), r.source)),
                ),
            };
            if !ok {
                findings.push(Finding {
                    vendor: spec.vendor.slug().into(),
                    operation: spec.qualified_name(),
                    step: label.into(),
                    status: Some(s),
                    pointer: String::new(),
                    rule: if source.is_some() {
                        "lifecycle"
                    } else {
                        "status"
                    }
                    .into(),
                    expected: format!("{expected} ({label})"),
                    actual: s.to_string(),
                    class: Class::Breaking,
                    source: source.unwrap_or_else(|| {
                        spec.response(s)
                            .map_or(spec.source, |r| r.source)
                            .to_string()
                    }),
                });
            }
        }
        if let Some(s) = status {
            self.exchanges.push(Recorded {
                vendor: spec.vendor,
                operation: op,
                step: label.into(),
                kind: vt.kind,
                status: s,
                documented: spec.response(s).is_some_and(|r| r.source.is_documented()),
                body: body.clone(),
            });
        }
        let step = match sent.took_effect {
            Some(_) => format!("{label} (answer lost; a status read shows the change made)"),
            None => label.to_string(),
        };
        self.report.steps.push(StepResult {
            vendor: spec.vendor.slug().into(),
            operation: spec.qualified_name(),
            source: spec.source.to_string(),
            step,
            expected,
            status,
            undocumented,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            attempts: sent.attempts,
            rule: rule_label,
            findings,
        });
        status.map(|s| (s, body))
    }

    /// A fixed step: the negatives (unknown campaign, credentials), judged by the operation table.
    async fn step(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        campaign: &str,
        expect: Expect,
        how: Tamper,
    ) {
        if self.down.is_some() {
            return;
        }
        let sent = self.send(vt, op, campaign, how, None).await;
        self.record(vt, op, label, sent, Judge::Expect(expect));
    }

    /// A status read with `op`, recorded as a step; what it showed.
    async fn read(&mut self, vt: &VendorTarget, w: &Walk, op: OperationId, label: &str) -> Read {
        if self.down.is_some() {
            return Read::Lost;
        }
        let sent = self
            .send(vt, op, w.campaign.as_str(), Tamper::None, None)
            .await;
        // Judged by the operation table (200 and its schema); the state it shows is judged by
        // the caller against the rules.
        match self.record(vt, op, label, sent, Judge::Expect(Expect::Status(200))) {
            Some((s, body)) if (200..300).contains(&s) => read_value(&w.lifecycle, body.as_ref()),
            _ => Read::Lost,
        }
    }

    /// Keeps the guard in step with what a read showed: a dialing campaign is (again) under it,
    /// a halted one leaves it.
    fn guard_after_read(&self, vt: &VendorTarget, w: &Walk, state: StateId) {
        if w.lifecycle.state(state).dialing {
            if let Some(stop) = w.stop_op() {
                self.guard
                    .started(&vt.target, stop, &w.lifecycle, &w.campaign);
            }
        } else {
            self.guard.halted(vt.target.vendor, &w.campaign);
        }
    }

    /// Reads the state after a change from `before` that should have led to `want`. One
    /// operation for all polls; an in-between value, or the state from before the change (a read
    /// not yet caught up), is polled again, within the settle window. What the window does not
    /// settle is unavailable, not drift.
    async fn verify(
        &mut self,
        vt: &VendorTarget,
        w: &mut Walk,
        before: StateId,
        want: StateId,
        covered: &mut Covered,
    ) -> Option<StateId> {
        let lifecycle = Arc::clone(&w.lifecycle);
        let label = format!("status when {}", lifecycle.state(want).name);
        let op = w.next_op(Action::Status, true)?;
        let polls = self.policy.settle_reads.max(1);
        for poll in 1..=polls {
            let read = self.read(vt, w, op, &label).await;
            let again = poll < polls;
            match read {
                Read::State(s) if s == before && s != want && again => {
                    self.mark_poll(&format!(
                        "{label} (still reads {:?})",
                        lifecycle.state(s).reads
                    ));
                }
                Read::State(s) => {
                    covered.insert((s, Action::Status));
                    self.guard_after_read(vt, w, s);
                    if s != want {
                        self.flag_state(
                            w,
                            Class::Breaking,
                            format!(
                                "{:?} (the state the rules lead to)",
                                lifecycle.state(want).reads
                            ),
                            describe(Some(&Value::String(lifecycle.state(s).reads.clone()))),
                        );
                    }
                    return Some(s);
                }
                Read::Settling(value) if again => {
                    self.mark_poll(&format!("{label} (read {value:?}, settling)"));
                }
                Read::Settling(value) => {
                    let why = format!(
                        "still {value:?} after {poll} reads {} ms apart",
                        self.policy.settle_interval.as_millis()
                    );
                    self.flag_state(
                        w,
                        Class::Unavailable,
                        format!("{:?} within the settle window", lifecycle.state(want).reads),
                        why,
                    );
                    return None;
                }
                Read::Unknown(value) => {
                    self.flag_state(
                        w,
                        Class::Breaking,
                        format!(
                            "{:?} (the state the rules lead to)",
                            lifecycle.state(want).reads
                        ),
                        value,
                    );
                    return None;
                }
                Read::Lost => return None,
            }
            tokio::time::sleep(self.policy.settle_interval).await;
        }
        None
    }

    /// Renames the last step as a poll, and keeps its body out of the snapshots: how many polls a
    /// run needs is timing, not contract.
    fn mark_poll(&mut self, label: &str) {
        if let Some(step) = self.report.steps.last_mut() {
            step.step = label.to_string();
        }
        self.exchanges.pop();
    }

    /// A finding on the last step about the state its read showed, sourced to the rule file.
    fn flag_state(&mut self, w: &Walk, class: Class, expected: String, actual: String) {
        let l = &w.lifecycle;
        let Some(step) = self.report.steps.last_mut() else {
            return;
        };
        let settle = class == Class::Unavailable;
        step.findings.push(Finding {
            vendor: step.vendor.clone(),
            operation: step.operation.clone(),
            step: step.step.clone(),
            status: step.status,
            pointer: l.status_pointer.clone(),
            rule: if settle { "settle" } else { "lifecycle" }.into(),
            expected,
            actual: actual.clone(),
            class,
            source: format!(
                "{} ({})",
                l.file,
                if settle { "settling" } else { "[states]" }
            ),
        });
        if settle {
            self.down
                .get_or_insert_with(|| format!("{} ({}) {actual}", step.operation, step.step));
        }
    }

    /// One lifecycle action in the campaign's current `state`; the state it led to, if known.
    async fn act(
        &mut self,
        vt: &VendorTarget,
        w: &mut Walk,
        state: StateId,
        action: Action,
    ) -> Option<StateId> {
        let lifecycle = Arc::clone(&w.lifecycle);
        let rule = lifecycle.rule(state, action);
        let op = w.next_op(action, (200..300).contains(&rule.primary().status))?;
        let label = format!(
            "{} when {}",
            action_name(action),
            lifecycle.state(state).name
        );
        let may_dial = !lifecycle.state(state).dialing
            && rule
                .outcomes
                .iter()
                .any(|o| lifecycle.state(o.next).dialing);
        if may_dial {
            // Under the guard before it is sent: a start whose answer is lost (timeout, reset,
            // 5xx) may still have started the campaign. It leaves the guard only when a status
            // read shows it halted.
            let stop = op.spec().undo().or_else(|| w.stop_op()).unwrap_or(op);
            self.guard
                .started(&vt.target, stop, &w.lifecycle, &w.campaign);
        }
        let effect = (rule.primary().next != state).then_some((&*lifecycle, rule.primary().next));
        let sent = self
            .send(vt, op, w.campaign.as_str(), Tamper::None, effect)
            .await;
        let took_effect = sent.as_ref().and_then(|s| s.took_effect);
        let answered = self.record(vt, op, &label, sent, Judge::Rule(&lifecycle, rule));
        match (took_effect, answered) {
            (Some(next), _) => Some(next),
            (None, Some((s, _))) => rule.outcome(s).map(|o| o.next).or_else(|| {
                loosely_allowed(vt.kind, rule, s)
                    .then(|| {
                        rule.outcomes
                            .iter()
                            .find(|o| (400..500).contains(&o.status))
                    })
                    .flatten()
                    .map(|o| o.next)
            }),
            (None, None) => None,
        }
    }

    /// Walks every rule reachable from the campaign's state, then leaves it halted. `Err` says
    /// why the campaign was not touched.
    async fn walk(
        &mut self,
        vt: &VendorTarget,
        lifecycle: &Arc<Lifecycle>,
        channel: Option<Channel>,
        campaign: &CampaignId,
    ) -> Result<(), String> {
        let actions: Vec<Action> = vendor_actions(lifecycle.vendor).into_iter().collect();
        let mut w = Walk {
            lifecycle: Arc::clone(lifecycle),
            campaign: campaign.clone(),
            channel,
            turn: BTreeMap::new(),
        };
        let Some(op) = w.next_op(Action::Status, true) else {
            return Err(format!("{} has no status operation", lifecycle.vendor));
        };
        let first = self.read(vt, &w, op, "status before the run").await;
        let not_found = self
            .report
            .steps
            .last()
            .is_some_and(|s| s.step == "status before the run" && s.status == Some(404));
        let mut state = match first {
            Read::State(s) if lifecycle.state(s).dialing => {
                return Err(format!(
                    "campaign {campaign} is {} (dialing); the suite does not touch a running campaign",
                    lifecycle.state(s).reads
                ));
            }
            Read::State(s) => s,
            Read::Settling(v) => {
                return Err(format!(
                    "campaign {campaign} is {:?}, on its way to another state; not touching it",
                    truncate(&v)
                ));
            }
            Read::Unknown(v) => {
                return Err(format!(
                    "campaign {campaign} reads {}, which {} has no state for; not touching it",
                    truncate(&v),
                    lifecycle.file
                ));
            }
            Read::Lost if not_found => {
                // A campaign id that does not exist is a configuration error, not drift.
                if let Some(step) = self.report.steps.last_mut() {
                    step.findings.retain(|f| f.rule != "status");
                }
                return Err(format!(
                    "campaign {campaign} does not exist on this host (404); check its *_CAMPAIGN_ID"
                ));
            }
            Read::Lost => {
                return Err(format!(
                    "could not read the state of campaign {campaign}; not touching it"
                ));
            }
        };
        let mut covered = Covered::from([(state, Action::Status)]);
        let mut rounds = 0;
        'walk: while let Some(path) = walk::next_uncovered(lifecycle, state, &covered, &actions) {
            rounds += 1;
            if rounds > 4 * lifecycle.rules().len() {
                break;
            }
            for action in path {
                if self.down.is_some() {
                    break 'walk;
                }
                covered.insert((state, action));
                let before = state;
                let planned = lifecycle.rule(before, action).primary().next;
                let next = match self.act(vt, &mut w, state, action).await {
                    Some(next) if next != before => {
                        self.verify(vt, &mut w, before, next, &mut covered).await
                    }
                    Some(next) => Some(next),
                    None => {
                        let Some(op) = w.next_op(Action::Status, true) else {
                            break 'walk;
                        };
                        match self
                            .read(vt, &w, op, "status after an unexpected answer")
                            .await
                        {
                            Read::State(s) => {
                                self.guard_after_read(vt, &w, s);
                                Some(s)
                            }
                            _ => None,
                        }
                    }
                };
                match next {
                    Some(s) => state = s,
                    // Lost track: the cleanup guard stops the campaign if it may be dialing.
                    None => break 'walk,
                }
                if next != Some(planned) {
                    // Not where the plan expected: re-plan from where the campaign really is.
                    continue 'walk;
                }
            }
        }
        if self.down.is_none()
            && let Some(path) = walk::halt(lifecycle, state, &actions)
        {
            for action in path {
                let before = state;
                match self.act(vt, &mut w, state, action).await {
                    Some(next) if next != before => {
                        match self.verify(vt, &mut w, before, next, &mut covered).await {
                            Some(s) => state = s,
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// Walks the vendor's campaigns, then the read-only negatives. Returns why campaigns were
    /// skipped; the reasons that leave the run proving nothing also go to `refused`.
    async fn vendor(&mut self, vt: &VendorTarget) -> Vec<String> {
        use OperationId::*;
        let vendor = vt.target.vendor;
        let lifecycle = Arc::new(self.checker.registry().lifecycle(vendor).clone());
        let mut skipped = Vec::new();
        let mut campaigns: Vec<(&str, Option<Channel>, Option<CampaignId>, String)> = match vendor {
            Vendor::Kore => vec![
                (
                    "voice",
                    Some(Channel::Voice),
                    vt.target.campaigns.voice.clone(),
                    "KORE_VOICE_CAMPAIGN_ID".into(),
                ),
                (
                    "sms",
                    Some(Channel::Sms),
                    vt.target.campaigns.sms.clone(),
                    "KORE_SMS_CAMPAIGN_ID".into(),
                ),
            ],
            Vendor::VoiceGenie => vec![(
                "voice",
                None,
                vt.target.campaigns.voice.clone(),
                "VOICEGENIE_CAMPAIGN_ID".into(),
            )],
        };
        if vt.kind == Kind::Simulator && vendor == Vendor::VoiceGenie {
            // Safe only where no one can be dialled: the simulator's draft campaign exercises the
            // documented 422.
            campaigns.push((
                "draft",
                None,
                CampaignId::new(campaign_sim::config::DRAFT_VOICEGENIE_ID).ok(),
                String::new(),
            ));
        }
        for (name, channel, campaign, var) in campaigns {
            match campaign {
                Some(c) => {
                    if let Err(why) = self.walk(vt, &lifecycle, channel, &c).await {
                        skipped.push(format!("{name}: {why}"));
                        self.refused.push(format!("{name}: {why}"));
                    }
                }
                None => skipped.push(format!("{name}: {var} not set")),
            }
        }
        // Read-only negatives: nothing here can start a campaign.
        let (status_op, unknown, loose, auth) = match vendor {
            Vendor::Kore => (
                KoreStatusV1,
                format!("harness-unknown-{}", uuid::Uuid::new_v4()),
                Expect::Undocumented4xx,
                Expect::Undocumented4xx,
            ),
            Vendor::VoiceGenie => (
                VoiceGenieCampaign,
                uuid::Uuid::new_v4().to_string(),
                Expect::Status(404),
                Expect::Status(401),
            ),
        };
        self.step(
            vt,
            status_op,
            "unknown campaign",
            &unknown,
            loose,
            Tamper::None,
        )
        .await;
        if vt.kind == Kind::Simulator && vendor == Vendor::VoiceGenie {
            self.step(
                vt,
                VoiceGenieStart,
                "start unknown campaign",
                &unknown,
                Expect::Status(404),
                Tamper::None,
            )
            .await;
        }
        let any = vt
            .target
            .campaigns
            .voice
            .clone()
            .or(vt.target.campaigns.sms.clone())
            .map_or(unknown, |c| c.to_string());
        for (label, how) in [
            ("missing credentials", Tamper::NoCredential),
            ("wrong credentials", Tamper::WrongCredential),
        ] {
            self.step(vt, status_op, label, &any, auth, how).await;
        }
        skipped
    }
}

/// What a status read's body says, by the lifecycle's `status_pointer`.
fn read_value(lifecycle: &Lifecycle, body: Option<&Value>) -> Read {
    match body.and_then(|b| lifecycle.read_body(b)) {
        Some((_, Ok(s))) => Read::State(s),
        Some((value, Err(Some(_)))) => Read::Settling(value.to_string()),
        Some((value, Err(None))) => Read::Unknown(describe(Some(&Value::String(value.into())))),
        None => Read::Unknown(describe(
            body.and_then(|b| b.pointer(&lifecycle.status_pointer)),
        )),
    }
}

/// An assumption about refusals, against a vendor host: any 4xx will do where every allowed
/// answer is a 4xx (the vendor owes nothing to our guess of which one).
fn loosely_allowed(kind: Kind, rule: &Rule, status: u16) -> bool {
    kind == Kind::Sandbox
        && rule.source == RuleSource::Assumption
        && (400..500).contains(&status)
        && rule.outcomes.iter().all(|o| (400..500).contains(&o.status))
}
