//! The checker: one exchange (or transport failure) against the contract, as findings.

use crate::finding::{Class, Finding, FindingRule, describe_scrubbed, scrub, truncate};
use crate::registry::SchemaRegistry;
use campaign_api::{CallError, Exchange, Grade, OperationId, Source, is_unavailable_status};
use secrecy::SecretString;
use serde_json::Value;

/// What a departure from our own assumptions is worth. Either way every body is validated
/// against its schema; only the class of an assumed expectation's finding differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assumptions {
    /// Our simulator, which plays the documented behaviour plus our assumptions and must keep its
    /// word: a departure from an assumption is breaking (or additive), graded `assumed`.
    Enforce,
    /// A host we did not write owes nothing to our guess: a departure from an assumption is an
    /// [`Class::Assumption`] finding, which fails a run only when strict.
    Report,
}

impl Assumptions {
    /// How far `kind` of host is held to our assumptions: our simulator keeps its word
    /// ([`Assumptions::Enforce`]), any other host owes nothing to our guess
    /// ([`Assumptions::Report`]).
    pub fn for_kind(kind: campaign_api::HostKind) -> Assumptions {
        match kind {
            campaign_api::HostKind::Simulator => Assumptions::Enforce,
            campaign_api::HostKind::Sandbox => Assumptions::Report,
        }
    }

    /// The class of a finding against an expectation of `grade` that would otherwise be `class`.
    pub fn class(self, grade: Grade, class: Class) -> Class {
        match (self, grade, class) {
            (_, _, Class::Unavailable) => Class::Unavailable,
            (Assumptions::Report, Grade::Assumed, _) => Class::Assumption,
            (_, _, class) => class,
        }
    }
}

/// Compiled contract plus the credential values no finding may show.
pub struct Checker {
    registry: SchemaRegistry,
    /// Kept secret to the edge: exposed only inside [`scrub`], where text is compared.
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Checker {
    /// The registry's folder and how many secrets are scrubbed, never what they are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("schemas", &self.registry.source())
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

/// Where a finding was made: the call it is about.
struct At<'a> {
    op: OperationId,
    step: &'a str,
    status: Option<u16>,
    assumptions: Assumptions,
}

impl At<'_> {
    fn finding(
        &self,
        class: Class,
        rule: FindingRule,
        pointer: &str,
        expected: String,
        actual: String,
        source: Source,
    ) -> Finding {
        let spec = self.op.spec();
        let grade = source.grade();
        Finding {
            vendor: spec.vendor.slug().into(),
            operation: spec.qualified_name(),
            step: self.step.into(),
            status: self.status,
            pointer: pointer.into(),
            rule,
            expected,
            actual,
            class: self.assumptions.class(grade, class),
            grade,
            source: source.to_string(),
        }
    }
}

impl Checker {
    /// A checker over a loaded registry.
    pub fn new(registry: SchemaRegistry) -> Checker {
        Checker {
            registry,
            secrets: Vec::new(),
        }
    }

    /// Credential values to scrub from every finding before it is cut to length (a host that
    /// echoes a credential must not get a prefix of it into a report).
    pub fn with_secrets(mut self, secrets: Vec<SecretString>) -> Checker {
        self.secrets = secrets;
        self
    }

    fn shown(&self, text: &str) -> String {
        truncate(&scrub(text, &self.secrets))
    }

    /// The registry.
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// Findings for a call's result. An empty list means the exchange keeps the contract.
    pub fn check_result(
        &self,
        op: OperationId,
        step: &str,
        result: &Result<Exchange, CallError>,
        assumptions: Assumptions,
    ) -> Vec<Finding> {
        match result {
            Ok(x) => self.check(op, step, x, assumptions),
            Err(CallError::Transport(t)) => vec![
                At {
                    op,
                    step,
                    status: None,
                    assumptions,
                }
                .finding(
                    Class::Unavailable,
                    FindingRule::Transport,
                    "",
                    "a complete response".into(),
                    format!("{}: {}", t.class(), self.shown(&t.to_string())),
                    op.spec().source,
                ),
            ],
            Err(CallError::Render(e)) => vec![
                At {
                    op,
                    step,
                    status: None,
                    assumptions,
                }
                .finding(
                    Class::Breaking,
                    FindingRule::Request,
                    "",
                    "a request the harness can render".into(),
                    self.shown(&e.to_string()),
                    op.spec().source,
                ),
            ],
        }
    }

    /// Findings for one exchange: status, content type, body, schema.
    pub fn check(
        &self,
        op: OperationId,
        step: &str,
        x: &Exchange,
        assumptions: Assumptions,
    ) -> Vec<Finding> {
        let spec = op.spec();
        let status = x.status.as_u16();
        let at = At {
            op,
            step,
            status: Some(status),
            assumptions,
        };
        if is_unavailable_status(status) {
            return vec![at.finding(
                Class::Unavailable,
                FindingRule::Status,
                "",
                "an answer (not 429 or 5xx)".into(),
                format!("{status}{}", retry_note(x)),
                spec.source,
            )];
        }
        let Some(response) = spec.response(status) else {
            let documented: Vec<String> = spec
                .responses
                .iter()
                .map(|r| r.status.to_string())
                .collect();
            return vec![at.finding(
                Class::Breaking,
                FindingRule::Status,
                "",
                format!("one of {}", documented.join(", ")),
                status.to_string(),
                spec.source,
            )];
        };
        let mut out = Vec::new();
        if !x.is_json() {
            out.push(
                at.finding(
                    Class::Breaking,
                    FindingRule::ContentType,
                    "",
                    "application/json".into(),
                    x.content_type()
                        .map_or_else(|| "no Content-Type".into(), |c| self.shown(c)),
                    response.source,
                ),
            );
        }
        let body: Value = match serde_json::from_slice(&x.body) {
            Ok(v) => v,
            Err(e) => {
                let text = String::from_utf8_lossy(&x.body);
                let actual = if text.trim().is_empty() {
                    "an empty body".into()
                } else {
                    format!("{} ({e})", self.shown(text.trim()))
                };
                out.push(at.finding(
                    Class::Breaking,
                    FindingRule::Json,
                    "",
                    "a JSON body".into(),
                    actual,
                    response.source,
                ));
                return out;
            }
        };
        let Some(schema) = self.registry.get(response.schema) else {
            out.push(at.finding(
                Class::Breaking,
                FindingRule::Schema,
                "",
                format!("schema {} in the registry", response.schema),
                "none loaded".into(),
                response.source,
            ));
            return out;
        };
        for v in schema.violations(&body) {
            let class =
                if v.keyword == "additionalProperties" || v.keyword == "unevaluatedProperties" {
                    Class::Additive
                } else {
                    Class::Breaking
                };
            let assumed = !response.source.is_documented() || schema.assumed_at(&v);
            let mut f = at.finding(
                class,
                FindingRule::Keyword(v.keyword.clone()),
                &v.pointer,
                v.expected,
                describe_scrubbed(v.actual.as_ref(), &self.secrets),
                response.source,
            );
            if assumed {
                f.grade = Grade::Assumed;
                f.class = assumptions.class(Grade::Assumed, class);
                if response.source.is_documented() {
                    f.source = format!(
                        "{} (this part: our assumption, {})",
                        response.source, response.schema
                    );
                }
            }
            out.push(f);
        }
        out
    }
}

fn retry_note(x: &Exchange) -> String {
    x.headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(|v| format!(" (Retry-After: {})", truncate(v)))
        .unwrap_or_default()
}
