//! Judging one exchange: the checker's findings on the answer (status, content type, body,
//! schema), then the step's own expectation (an exact status or a lifecycle rule), each graded
//! by who says so: documented (a vendor page), assumed (our guess), or observed (this host's own
//! earlier answer, from `schemas/hosts/`). Recorded as a report step and, when an answer came,
//! as an exchange for the snapshots and for `--record`.

use super::Run;
use super::call::Sent;
use crate::report::StepResult;
use campaign_api::lifecycle::action_name;
use campaign_api::{
    HostKind, Lifecycle, LifecycleRule, ObservedAnswer, OperationId, Vendor, VendorTarget,
    is_unavailable_status,
};
use campaign_schema::describe;
use campaign_schema::{Assumptions, Class, Finding, FindingRule, Grade, observed_schema};
use serde_json::Value;

/// What a fixed (non-lifecycle) step expects back, graded by the operation table (an unknown
/// Kore.ai campaign's 404 is our assumption; VoiceGenie's 401 is documented).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// This status.
    Status(u16),
    /// A refusal of a call without a valid credential: this status, where the vendor may
    /// document only that the credential is required. Then which 4xx is our assumption, but an
    /// answer that is not a 4xx accepts a call the docs say needs the credential: drift.
    Refusal(u16),
}

/// An exchange kept for snapshots and for `--record`.
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
    /// The grade of the step's expectation.
    pub grade: Grade,
    /// True when `--record` keeps the answer: an assumed or observed step, or one whose body
    /// departed from an assumed part of a schema, and never one with documented drift.
    pub assumption: bool,
    /// What we assumed, as the report shows it (`400 (stop when Ready)`).
    pub expected: String,
    /// The lifecycle rule, as `[state, action]`, for lifecycle steps.
    pub rule: Option<[String; 2]>,
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
    /// The expected statuses as the report shows them, and the rule's label.
    fn expectation(&self) -> (String, Option<String>) {
        match self {
            Judge::Expect(Expect::Status(s) | Expect::Refusal(s)) => (s.to_string(), None),
            Judge::Rule(l, r) => (
                r.outcomes
                    .iter()
                    .map(|o| o.status.to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
                Some(l.label(r)),
            ),
        }
    }

    /// True when the step's expectation is our assumption: an assumed lifecycle rule, or a
    /// status the operation table marks assumed.
    fn assumed(&self, op: OperationId) -> bool {
        match self {
            Judge::Expect(Expect::Status(s) | Expect::Refusal(s)) => op
                .spec()
                .response(*s)
                .is_none_or(|r| !r.source.is_documented()),
            Judge::Rule(_, r) => r.grade == Grade::Assumed,
        }
    }

    /// `[state, action]` of a lifecycle rule.
    fn rule_key(&self) -> Option<[String; 2]> {
        match self {
            Judge::Expect(_) => None,
            Judge::Rule(l, r) => Some([
                l.state(r.state).name.clone(),
                action_name(r.action).to_string(),
            ]),
        }
    }

    /// Whether `status` is one the step allows, where its expectation is written, the rule a
    /// departure breaks and the grade of what it departs from.
    fn allows(&self, op: OperationId, status: u16) -> (bool, String, FindingRule, Grade) {
        match self {
            Judge::Expect(Expect::Status(want) | Expect::Refusal(want)) => {
                let source = op
                    .spec()
                    .response(*want)
                    .map_or(op.spec().source, |r| r.source);
                let refused = (400..500).contains(&status);
                // A refusal the credential rule promises is documented whatever it answers with.
                let grade = if matches!(self, Judge::Expect(Expect::Refusal(_))) && !refused {
                    Grade::Documented
                } else {
                    source.grade()
                };
                let source = if grade != source.grade() {
                    format!("{} (the credential is required)", op.spec().source)
                } else {
                    source.to_string()
                };
                (status == *want, source, FindingRule::Status, grade)
            }
            Judge::Rule(l, r) => (
                r.outcome(status).is_some(),
                format!(
                    "{} rule {} ({})",
                    l.cited(),
                    l.label(r),
                    rule_file_word(r.grade)
                ),
                FindingRule::Lifecycle,
                r.grade,
            ),
        }
    }
}

/// A rule's grade as its rule file spells it (`source = "documented"` or `"assumption"`), so a
/// finding cites the rule in the file's own words.
fn rule_file_word(grade: Grade) -> &'static str {
    match grade {
        Grade::Assumed => "assumption",
        Grade::Documented | Grade::Observed => "documented",
    }
}

/// An assumption about refusals, against a vendor host: any 4xx is taken as the refusal we
/// assumed where every allowed answer is a 4xx, so the walk knows where the campaign is (the
/// departure itself is still reported as an assumption finding).
pub(super) fn loosely_allowed(kind: HostKind, rule: &LifecycleRule, status: u16) -> bool {
    kind == HostKind::Sandbox
        && rule.grade == Grade::Assumed
        && (400..500).contains(&status)
        && rule.outcomes.iter().all(|o| (400..500).contains(&o.status))
}

/// Holds an answer to what this host answered before: the same status and, when the recorded
/// answer was JSON, a body of the same shape (a missing field or changed type is breaking, a
/// new field additive). Every finding is graded observed.
fn against_observed(
    spec: &campaign_api::Operation,
    label: &str,
    observed: &ObservedAnswer,
    file: &str,
    status: u16,
    body: Option<&Value>,
) -> Vec<Finding> {
    let source = format!("{file} (observed on this host)");
    let finding =
        |rule: FindingRule, pointer: &str, class: Class, expected: String, actual: String| {
            Finding {
                vendor: spec.vendor.slug().into(),
                operation: spec.qualified_name(),
                step: label.into(),
                status: Some(status),
                pointer: pointer.into(),
                rule,
                expected,
                actual,
                class,
                grade: Grade::Observed,
                source: source.clone(),
            }
        };
    if status != observed.status {
        return vec![finding(
            FindingRule::Status,
            "",
            Class::Breaking,
            format!("{} ({label}, as observed)", observed.status),
            status.to_string(),
        )];
    }
    let Some(recorded) = observed.body_json() else {
        return Vec::new();
    };
    let Some(body) = body else {
        return vec![finding(
            FindingRule::Json,
            "",
            Class::Breaking,
            "a JSON body, as observed".into(),
            "a body that is not JSON".into(),
        )];
    };
    let schema = match campaign_schema::compile("observed", observed_schema(&recorded)) {
        Ok(s) => s,
        Err(e) => {
            return vec![finding(
                FindingRule::Schema,
                "",
                Class::Breaking,
                "the recorded body's shape".into(),
                format!("a shape that does not compile: {e}"),
            )];
        }
    };
    schema
        .violations(body)
        .into_iter()
        .map(|v| {
            let class = if v.keyword == "additionalProperties" {
                Class::Additive
            } else {
                Class::Breaking
            };
            finding(
                FindingRule::Keyword(v.keyword.clone()),
                &v.pointer,
                class,
                format!("{} (as observed)", v.expected),
                describe(v.actual.as_ref()),
            )
        })
        .collect()
}

impl Run<'_> {
    /// Records a step: checks the answer, judges its status against the step's expectation,
    /// grades every finding (documented, assumed, or observed when this host's record has the
    /// step), keeps the exchange. Returns the answer when one came.
    pub(super) fn record(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        sent: Option<Sent>,
        judge: Judge<'_>,
    ) -> Option<Answer> {
        let spec = op.spec();
        let assumptions = Assumptions::for_kind(vt.kind);
        let (expected, rule_label) = judge.expectation();
        let assumed_step = judge.assumed(op);
        let observed = self
            .observed
            .as_ref()
            .and_then(|(file, r)| Some((file.clone(), r.find(op, label)?.clone())));
        let grade = match (&observed, assumed_step) {
            (Some(_), _) => Grade::Observed,
            (None, true) => Grade::Assumed,
            (None, false) => Grade::Documented,
        };
        // What the step is held to, as the report shows it: what this host answered before,
        // where it has a record; our assumption (kept for the record file) otherwise.
        let assumed_expectation = expected.clone();
        let expected = match &observed {
            Some((_, o)) => o.status.to_string(),
            None => expected,
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
                grade,
                elapsed_ms: 0,
                attempts: 0,
                rule: rule_label,
                findings: vec![Finding {
                    vendor: spec.vendor.slug().into(),
                    operation: spec.qualified_name(),
                    step: label.into(),
                    status: None,
                    pointer: String::new(),
                    rule: FindingRule::Budget,
                    expected: "a call within the budget".into(),
                    actual: why,
                    class: Class::Unavailable,
                    grade,
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
            _ => (None, None, sent.took),
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
        // The step's own expectation (an exact status, or a lifecycle rule's) replaces the
        // operation table's list of statuses: one finding, saying what this step wanted.
        // Which status the step allows is graded by who says so (a lifecycle rule's source, the
        // operation table's); the body of whatever status came is graded by its own schema, so
        // a documented body (a 200 to a start, whatever step sent it) still gates.
        if let Some(s) = status.filter(|s| !is_unavailable_status(*s)) {
            findings.retain(|f| f.rule != FindingRule::Status);
            let (ok, source, rule, grade) = judge.allows(op, s);
            if !ok {
                findings.push(Finding {
                    vendor: spec.vendor.slug().into(),
                    operation: spec.qualified_name(),
                    step: label.into(),
                    status: Some(s),
                    pointer: String::new(),
                    rule,
                    expected: format!("{expected} ({label})"),
                    actual: s.to_string(),
                    class: assumptions.class(grade, Class::Breaking),
                    grade,
                    source,
                });
            }
        }
        let departs_from_assumption = findings
            .iter()
            .any(|f| f.grade == Grade::Assumed && f.class != Class::Unavailable);
        let documented_drift = findings
            .iter()
            .any(|f| f.grade == Grade::Documented && f.class == Class::Breaking);
        if let (Some((file, o)), Some(s)) = (&observed, status) {
            // What the host answered before replaces our guess; the documented parts still gate.
            findings.retain(|f| f.class == Class::Unavailable || f.grade == Grade::Documented);
            if !is_unavailable_status(s) {
                findings.extend(against_observed(spec, label, o, file, s, body.as_ref()));
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
                grade,
                // What `--record` keeps: a step where the docs are silent, never one whose answer
                // broke the documented contract (documented drift is not accepted by recording).
                assumption: (departs_from_assumption
                    || observed.is_some()
                    || (assumed_step && !is_unavailable_status(s)))
                    && !documented_drift,
                expected: match &rule_label {
                    Some(rule) => format!("{assumed_expectation} ({rule})"),
                    None => assumed_expectation.clone(),
                },
                rule: judge.rule_key(),
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
            grade,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            attempts: sent.attempts,
            rule: rule_label,
            findings,
        });
        status.map(|status| Answer { status, body })
    }
}
