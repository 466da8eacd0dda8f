//! Building the checked [`Lifecycle`] from a [`RawLifecycle`]: every check a rule file must
//! pass, in the order a reader would meet the problems (the file's shape, then its meaning).

use super::checked::{Lifecycle, LifecycleError, LifecycleRule, RuleOutcome, StateDef, StateId};
use super::raw::{RawLifecycle, RawOutcome, RawRule, RawState, UnknownKeys};
use super::{action_name, parse_action, rule_label, vendor_actions};
use crate::operation::{Grade, OperationId};
use crate::vendor::{Action, Vendor};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A rule file with no unknown key and every key the checked model needs.
struct Complete {
    vendor: String,
    entry: Vec<String>,
    status_pointer: String,
    states: BTreeMap<String, RawState>,
    rules: Vec<CompleteRule>,
}

/// A rule with its `source`.
struct CompleteRule {
    rule: RawRule,
    source: String,
}

/// A problem with the file's shape: the rule at fault (`[state, action]`), if one is, and why.
type ShapeError = (Option<String>, String);

/// A key a rule file must not have or must have, worded as serde words an unknown or missing
/// field, so a shape problem reads the same whichever reader met it first.
#[derive(Debug, thiserror::Error)]
enum KeyProblem {
    /// A key the model does not know.
    #[error("unknown field `{key}`, expected one of {expected}")]
    Unknown {
        /// The key as written.
        key: String,
        /// The keys allowed there, each in backticks.
        expected: String,
    },
    /// A key the checked model needs.
    #[error("missing field `{key}`")]
    Missing {
        /// The key.
        key: &'static str,
    },
}

/// The first key of `unknown`, if any, as a problem.
fn refuse_unknown(unknown: &UnknownKeys, known: &[&str]) -> Result<(), KeyProblem> {
    match unknown.keys().next() {
        None => Ok(()),
        Some(key) => {
            let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            Err(KeyProblem::Unknown {
                key: key.clone(),
                expected: expected.join(", "),
            })
        }
    }
}

/// A required key.
fn require<T>(value: Option<T>, key: &'static str) -> Result<T, KeyProblem> {
    value.ok_or(KeyProblem::Missing { key })
}

/// Refuses keys the model does not know and requires the keys the raw model leaves optional
/// (`vendor`, `entry`, `status_pointer`, `states`, each rule's `source`).
fn complete(raw: RawLifecycle) -> Result<Complete, ShapeError> {
    let top = |problem: KeyProblem| (None, problem.to_string());
    refuse_unknown(&raw.unknown, RawLifecycle::KEYS).map_err(top)?;
    let vendor = require(raw.vendor, "vendor").map_err(top)?;
    let entry = require(raw.entry, "entry").map_err(top)?;
    let status_pointer = require(raw.status_pointer, "status_pointer").map_err(top)?;
    let states = require(raw.states, "states").map_err(top)?;
    for (name, state) in &states {
        refuse_unknown(&state.unknown, RawState::KEYS)
            .map_err(|why| (None, format!("state {name}: {why}")))?;
    }
    let mut rules = Vec::new();
    for rule in raw.rules {
        let label = rule.label();
        let at_rule = |problem: KeyProblem| (Some(label.clone()), problem.to_string());
        refuse_unknown(&rule.unknown, RawRule::KEYS).map_err(at_rule)?;
        for o in &rule.outcomes {
            refuse_unknown(&o.unknown, RawOutcome::KEYS)
                .map_err(|why| (Some(label.clone()), format!("outcome {}: {why}", o.status)))?;
        }
        let source = require(rule.source.clone(), "source").map_err(at_rule)?;
        rules.push(CompleteRule { rule, source });
    }
    Ok(Complete {
        vendor,
        entry,
        status_pointer,
        states,
        rules,
    })
}

/// Checks `raw` as `vendor`'s rule file (see [`Lifecycle::from_raw`]).
pub(super) fn lifecycle(
    raw: RawLifecycle,
    file: &str,
    vendor: Vendor,
    schemas_dir: Option<&Path>,
) -> Result<Lifecycle, LifecycleError> {
    let fail = |rule: Option<String>, reason: String| LifecycleError {
        file: file.to_string(),
        rule,
        reason,
    };
    let raw = complete(raw).map_err(|(rule, reason)| fail(rule, reason))?;
    if raw.vendor != vendor.slug() {
        return Err(fail(
            None,
            format!("vendor is {:?}, expected {:?}", raw.vendor, vendor.slug()),
        ));
    }
    if !raw.status_pointer.starts_with('/') {
        return Err(fail(
            None,
            format!(
                "status_pointer {:?} is not a JSON pointer (it starts with /)",
                raw.status_pointer
            ),
        ));
    }
    if raw.states.len() > usize::from(u8::MAX) {
        return Err(fail(None, "more than 255 states".into()));
    }
    let states: Vec<StateDef> = raw
        .states
        .into_iter()
        .map(|(name, s)| StateDef {
            name,
            reads: s.reads,
            dialing: s.dialing,
            settling: s.settling,
        })
        .collect();
    let id_of = |name: &str| {
        states
            .iter()
            .position(|s| s.name == name)
            .and_then(|i| u8::try_from(i).ok())
            .map(StateId)
    };
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for s in &states {
        for value in std::iter::once(&s.reads).chain(&s.settling) {
            if let Some(other) = seen.insert(value, &s.name) {
                return Err(fail(
                    None,
                    format!(
                        "states {other} and {} both read {value:?}: a status read could not tell them apart",
                        s.name
                    ),
                ));
            }
        }
    }
    let mut entry = Vec::new();
    for name in &raw.entry {
        entry
            .push(id_of(name).ok_or_else(|| {
                fail(None, format!("entry state {name:?} is not among [states]"))
            })?);
    }
    if entry.is_empty() {
        return Err(fail(None, "no entry state".into()));
    }
    let allowed = vendor_actions(vendor);
    let mut rules: Vec<LifecycleRule> = Vec::new();
    for CompleteRule { rule: r, source } in raw.rules {
        let label = r.label();
        let state = id_of(&r.state).ok_or_else(|| {
            fail(
                Some(label.clone()),
                format!("state {:?} is not among [states]", r.state),
            )
        })?;
        let action = parse_action(&r.action)
            .filter(|a| allowed.contains(a))
            .ok_or_else(|| {
                let names: Vec<_> = allowed.iter().map(|a| action_name(*a)).collect();
                fail(
                    Some(label.clone()),
                    format!(
                        "action {:?} is not one of {vendor}'s: {}",
                        r.action,
                        names.join(", ")
                    ),
                )
            })?;
        if rules.iter().any(|x| x.state == state && x.action == action) {
            return Err(fail(Some(label), "a second rule for the same pair".into()));
        }
        let grade = match source.as_str() {
            "documented" => Grade::Documented,
            "assumption" => Grade::Assumed,
            other => {
                return Err(fail(
                    Some(label),
                    format!("source {other:?} is neither \"documented\" nor \"assumption\""),
                ));
            }
        };
        if r.outcomes.is_empty() {
            return Err(fail(
                Some(label),
                "no outcome: the action must answer something".into(),
            ));
        }
        let mut outcomes: Vec<RuleOutcome> = Vec::new();
        for o in r.outcomes {
            let next = id_of(&o.next).ok_or_else(|| {
                fail(
                    Some(label.clone()),
                    format!("outcome {} goes to unknown state {:?}", o.status, o.next),
                )
            })?;
            if outcomes.iter().any(|x| x.status == o.status) {
                return Err(fail(
                    Some(label),
                    format!("status {} listed twice", o.status),
                ));
            }
            if action == Action::Status && next != state {
                return Err(fail(
                    Some(label),
                    format!(
                        "a status read changes nothing, but outcome {} goes to {}",
                        o.status, o.next
                    ),
                ));
            }
            let outcome = RuleOutcome {
                status: o.status,
                schema: o.schema,
                next,
            };
            check_schema(vendor, action, &outcome, schemas_dir)
                .map_err(|why| fail(Some(label.clone()), why.to_string()))?;
            outcomes.push(outcome);
        }
        rules.push(LifecycleRule {
            state,
            action,
            grade,
            outcomes,
            note: r.note,
        });
    }
    for (i, s) in states.iter().enumerate() {
        for a in &allowed {
            if !rules
                .iter()
                .any(|r| usize::from(r.state.0) == i && r.action == *a)
            {
                return Err(fail(
                    Some(rule_label(&s.name, action_name(*a))),
                    format!(
                        "missing: state {} has no rule for {}",
                        s.name,
                        action_name(*a)
                    ),
                ));
            }
        }
    }
    let lifecycle = Lifecycle {
        vendor,
        file: file.to_string(),
        status_pointer: raw.status_pointer,
        states,
        entry,
        rules,
    };
    let reachable = lifecycle.reachable();
    if let Some(s) = lifecycle
        .states
        .iter()
        .enumerate()
        .find(|(i, _)| !reachable.iter().any(|r| usize::from(r.0) == *i))
    {
        return Err(fail(
            None,
            format!(
                "state {} is unreachable from the entry states ({})",
                s.1.name,
                raw.entry.join(", ")
            ),
        ));
    }
    Ok(lifecycle)
}

/// Why an outcome's schema cannot stand: each names the schema or status in the rule file that
/// must change, and the operation it was checked against.
#[derive(Debug, thiserror::Error)]
enum SchemaProblem {
    /// `{channel}` in the schema of an operation that has none.
    #[error("schema {schema} names {{channel}}, but {operation} has no channel")]
    NoChannel {
        /// The schema as written.
        schema: String,
        /// The operation without a channel.
        operation: String,
    },
    /// The schema file is not in the schemas folder.
    #[error("schema file {schema} does not exist under {}", dir.display())]
    NoFile {
        /// The schema, `{channel}` filled in.
        schema: String,
        /// The schemas folder.
        dir: PathBuf,
    },
    /// The operation table lists no such status for the operation.
    #[error("status {status} is not a response of {operation} in the operation table")]
    NotInTable {
        /// The status.
        status: u16,
        /// The operation.
        operation: String,
    },
    /// The operation table names another schema for the status.
    #[error(
        "schema {schema} for status {status} disagrees with the operation table's {table} for {operation}"
    )]
    Disagrees {
        /// The rule file's schema.
        schema: String,
        /// The status.
        status: u16,
        /// The table's schema.
        table: &'static str,
        /// The operation.
        operation: String,
    },
}

/// Checks an outcome's schema against the operation table (every operation performing `action`
/// must list the status with the same schema) and, with a folder, that the file exists.
fn check_schema(
    vendor: Vendor,
    action: Action,
    outcome: &RuleOutcome,
    schemas_dir: Option<&Path>,
) -> Result<(), SchemaProblem> {
    for op in OperationId::of_vendor(vendor).filter(|op| op.spec().action == action) {
        let spec = op.spec();
        if outcome.schema.contains("{channel}") && spec.channel.is_none() {
            return Err(SchemaProblem::NoChannel {
                schema: outcome.schema.clone(),
                operation: spec.qualified_name(),
            });
        }
        let schema = outcome.schema_for(spec.channel);
        if let Some(dir) = schemas_dir
            && !dir.join(&schema).is_file()
        {
            return Err(SchemaProblem::NoFile {
                schema,
                dir: dir.to_path_buf(),
            });
        }
        match spec.response(outcome.status) {
            None => {
                return Err(SchemaProblem::NotInTable {
                    status: outcome.status,
                    operation: spec.qualified_name(),
                });
            }
            Some(r) if r.schema != schema => {
                return Err(SchemaProblem::Disagrees {
                    schema,
                    status: outcome.status,
                    table: r.schema,
                    operation: spec.qualified_name(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}
