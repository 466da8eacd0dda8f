//! Judging one exchange: the checker's findings on the answer (status, content type, body,
//! schema), then the step's own expectation (an exact status, any 4xx, or a lifecycle rule),
//! recorded as a report step and, when an answer came, as an exchange for the snapshots.

use super::Run;
use super::call::Sent;
use crate::report::StepResult;
use campaign_api::lifecycle::{Lifecycle, Rule as LifecycleRule, RuleSource};
use campaign_api::{HostKind, OperationId, Vendor, VendorTarget, is_unavailable_status};
use campaign_schema::{Assumptions, Class, Finding, Rule};
use serde_json::Value;
use std::time::Duration;

/// What a fixed (non-lifecycle) step expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// This exact, documented status.
    Status(u16),
    /// Any 4xx with a JSON body: the vendor documents nothing more.
    Undocumented4xx,
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
    pub kind: HostKind,
    /// Response status.
    pub status: u16,
    /// True when the vendor documents this status's body.
    pub documented: bool,
    /// The body, when it was JSON.
    pub body: Option<Value>,
}

/// How a step's status is judged.
pub(super) enum Judge<'r> {
    /// A fixed step's expectation.
    Expect(Expect),
    /// A lifecycle rule.
    Rule(&'r Lifecycle, &'r LifecycleRule),
}

/// What a recorded step's answer was, when one came.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Option<Value>,
}

impl Judge<'_> {
    /// The expected statuses as the report shows them, whether only a loose check is made,
    /// and the rule's label.
    fn expectation(&self) -> (String, bool, Option<String>) {
        match self {
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
        }
    }

    /// True when `status` meets a loose expectation (any 4xx with a JSON body, where the vendor
    /// documents nothing), which then overrides the operation table's list of statuses.
    fn loosely_met(&self, kind: HostKind, status: u16) -> bool {
        match self {
            Judge::Expect(Expect::Undocumented4xx) => (400..500).contains(&status),
            Judge::Expect(Expect::Status(_)) => false,
            Judge::Rule(_, r) => loosely_allowed(kind, r, status),
        }
    }
}

/// An assumption about refusals, against a vendor host: any 4xx will do where every allowed
/// answer is a 4xx (the vendor owes nothing to our guess of which one).
pub(super) fn loosely_allowed(kind: HostKind, rule: &LifecycleRule, status: u16) -> bool {
    kind == HostKind::Sandbox
        && rule.source == RuleSource::Assumption
        && (400..500).contains(&status)
        && rule.outcomes.iter().all(|o| (400..500).contains(&o.status))
}

impl Run<'_> {
    /// Records a step: checks the answer, judges its status, keeps the exchange. Returns the
    /// answer when one came.
    pub(super) fn record(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        sent: Option<Sent>,
        judge: Judge<'_>,
    ) -> Option<Answer> {
        let spec = op.spec();
        let assumptions = match vt.kind {
            HostKind::Simulator => Assumptions::Enforce,
            HostKind::Sandbox => Assumptions::JsonOnly,
        };
        let (expected, undocumented, rule_label) = judge.expectation();
        let finding = |status: Option<u16>, rule: Rule, expected: String, actual: String| {
            move |class: Class, source: String| Finding {
                vendor: spec.vendor.slug().into(),
                operation: spec.qualified_name(),
                step: label.into(),
                status,
                pointer: String::new(),
                rule,
                expected,
                actual,
                class,
                source,
            }
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
                findings: vec![finding(
                    None,
                    Rule::Budget,
                    "a call within the budget".into(),
                    why,
                )(
                    Class::Unavailable, spec.source.to_string()
                )],
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
        let loose = status.is_some_and(|s| judge.loosely_met(vt.kind, s));
        if loose {
            findings.retain(|f| f.rule != Rule::Status);
            if body.is_none() && !findings.iter().any(|f| f.rule == Rule::Json) {
                findings.push(finding(
                    status,
                    Rule::Json,
                    "a JSON body".into(),
                    "a body that is not JSON".into(),
                )(Class::Breaking, spec.source.to_string()));
            }
        }
        let already_flagged = findings.iter().any(|f| f.rule == Rule::Status);
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
                let rule = if source.is_some() {
                    Rule::Lifecycle
                } else {
                    Rule::Status
                };
                let source = source.unwrap_or_else(|| {
                    spec.response(s)
                        .map_or(spec.source, |r| r.source)
                        .to_string()
                });
                findings.push(finding(
                    Some(s),
                    rule,
                    format!("{expected} ({label})"),
                    s.to_string(),
                )(Class::Breaking, source));
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
        status.map(|status| Answer { status, body })
    }
}
