//! The lifecycle diff: two versions of each vendor's `lifecycle.toml` compared rule by rule, as a
//! client reading the answers sees them.

use super::git::{FolderFile, WORKING_TREE, files_at_rev, files_in_dir};
use super::{ChangeClass, DiffError, SchemaChange};
use campaign_api::lifecycle::rule_label;
use campaign_api::{RawLifecycle, RawOutcome, RawState};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Whether a path under `schemas/` is a vendor's lifecycle rules: `<vendor>/lifecycle.toml`.
pub(super) fn is_lifecycle_file(rel: &str) -> bool {
    matches!(
        rel.split('/').collect::<Vec<_>>().as_slice(),
        [vendor, "lifecycle.toml"] if *vendor != "samples"
    )
}

/// Parses lifecycle rule files, keyed by their path inside the folder.
fn lifecycle_documents(
    files: Vec<FolderFile>,
    at: &str,
) -> Result<BTreeMap<String, LifecycleRules>, DiffError> {
    files
        .into_iter()
        .map(|f| {
            let invalid = |reason: String| DiffError::InvalidLifecycle {
                file: f.shown.clone(),
                at: at.to_string(),
                reason,
            };
            let text = std::str::from_utf8(&f.bytes).map_err(|e| invalid(e.to_string()))?;
            let rules = LifecycleRules::parse(text).map_err(|e| invalid(e.to_string()))?;
            Ok((f.inner, rules))
        })
        .collect()
}

/// Every lifecycle rule file (`<vendor>/lifecycle.toml`) under `schemas_rel_path` as committed at
/// `rev`, keyed by its path inside that folder (as [`schemas_at_rev`](super::schemas_at_rev)).
pub fn lifecycles_at_rev(
    repo_dir: &Path,
    rev: &str,
    schemas_rel_path: &str,
) -> Result<BTreeMap<String, LifecycleRules>, DiffError> {
    let files = files_at_rev(repo_dir, rev, schemas_rel_path, is_lifecycle_file)?;
    lifecycle_documents(files, &format!("base {rev}"))
}

/// Every lifecycle rule file (`<vendor>/lifecycle.toml`) under `dir` in the working tree, keyed by
/// its path inside `dir`.
pub fn lifecycles_in_dir(dir: &Path) -> Result<BTreeMap<String, LifecycleRules>, DiffError> {
    lifecycle_documents(files_in_dir(dir, is_lifecycle_file)?, WORKING_TREE)
}

/// A vendor's lifecycle rules as the comparison reads them: campaign-api's raw file model
/// ([`RawLifecycle`]) with its rules indexed by `(state, action)`.
///
/// The raw model checks nothing against today's operation table (as
/// [`campaign_api::Lifecycle::from_raw`] does), so rules committed long ago still
/// read; keys this comparison does not use (`vendor`, `entry`, `dialing`, `source`, `note`, and
/// any the model does not know) are not looked at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LifecycleRules {
    /// JSON pointer of the campaign's status in a status read's body (`/data/status`).
    pub status_pointer: Option<String>,
    /// The states by name.
    pub states: BTreeMap<String, RawState>,
    /// The outcomes each rule allows, by `(state, action)`, in file order.
    pub rules: BTreeMap<(String, String), Vec<RawOutcome>>,
}

/// Why a rule file cannot be compared; each names the rule to fix in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Not TOML, or not shaped as rules (a state without `reads`, an outcome without `status`,
    /// `schema` or `next`): the parser's message, naming the line and key.
    #[error("{0}")]
    NotRules(String),
    /// Two `[[rule]]` tables for the same `(state, action)`: the comparison would not know which
    /// one counts.
    #[error("rule {rule} given twice")]
    RuleTwice {
        /// `[state, action]`.
        rule: String,
    },
    /// One rule lists the same status in two outcomes.
    #[error("rule {rule}: status {status} listed twice")]
    StatusTwice {
        /// `[state, action]`.
        rule: String,
        /// The status listed twice.
        status: u16,
    },
}

impl LifecycleRules {
    /// Reads a rule file's text ([`RawLifecycle::parse`]) and indexes it
    /// ([`LifecycleRules::from_raw`]). Fails on text that is not TOML, on a state without
    /// `reads`, an outcome without `status`, `schema` or `next`, and on a rule or an outcome's
    /// status given twice.
    pub fn parse(text: &str) -> Result<LifecycleRules, RulesError> {
        let raw = RawLifecycle::parse(text)
            .map_err(|e| RulesError::NotRules(e.to_string().trim_end().to_string()))?;
        LifecycleRules::from_raw(raw)
    }

    /// Indexes a rule file already read. Fails on a rule or an outcome's status given twice:
    /// the comparison would not know which one counts.
    pub fn from_raw(raw: RawLifecycle) -> Result<LifecycleRules, RulesError> {
        let mut rules = BTreeMap::new();
        for r in raw.rules {
            let label = r.label();
            let mut seen = BTreeSet::new();
            if let Some(o) = r.outcomes.iter().find(|o| !seen.insert(o.status)) {
                return Err(RulesError::StatusTwice {
                    rule: label,
                    status: o.status,
                });
            }
            if rules.insert((r.state, r.action), r.outcomes).is_some() {
                return Err(RulesError::RuleTwice { rule: label });
            }
        }
        Ok(LifecycleRules {
            status_pointer: raw.status_pointer,
            states: raw.states.unwrap_or_default(),
            rules,
        })
    }
}

/// Compares two sets of lifecycle rule files keyed by file: a file only in `base` is a lifecycle
/// removed (breaking), one only in `head` a new lifecycle (additive), and each file in both is
/// compared with [`diff_lifecycle`]. Sorted by file, then path.
pub fn diff_lifecycle_trees(
    base: &BTreeMap<String, LifecycleRules>,
    head: &BTreeMap<String, LifecycleRules>,
) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    for (file, b) in base {
        match head.get(file) {
            Some(h) => out.extend(diff_lifecycle(file, b, h)),
            None => out.push(SchemaChange {
                file: file.clone(),
                path: "$".into(),
                class: ChangeClass::Breaking,
                kind: "lifecycle removed".into(),
            }),
        }
    }
    for file in head.keys().filter(|f| !base.contains_key(*f)) {
        out.push(SchemaChange {
            file: file.clone(),
            path: "$".into(),
            class: ChangeClass::Additive,
            kind: "new lifecycle".into(),
        });
    }
    out.sort();
    out
}

/// Compares two versions of one vendor's lifecycle rules, from the side of a client reading the
/// answers; `file` only labels the changes.
///
/// Breaking: a state added (a status read may now report its `reads`), a state's `reads`
/// changed, a `settling` value added, `status_pointer` changed, a status newly allowed by a rule,
/// an outcome's `next` or `schema` changed, a rule removed from a state that stays. Additive: the
/// reverse narrowings: a state removed, a `settling` value removed, a status no longer allowed, a
/// new rule in a state that was there. The rules of a state added or removed go with its state.
///
/// ```
/// use campaign_contract::{ChangeClass, LifecycleRules, diff_lifecycle};
///
/// let rules = |outcomes: &str| {
///     LifecycleRules::parse(&format!(
///         "[states.Active]\nreads = \"Active\"\n[states.Stopped]\nreads = \"Stopped\"\n\
///          [[rule]]\nstate = \"Active\"\naction = \"stop\"\noutcomes = [{outcomes}]\n"
///     ))
/// };
/// let base = rules(r#"{ status = 200, schema = "kore/voice-stop.200.json", next = "Stopped" }"#)?;
/// let head = rules(
///     r#"{ status = 200, schema = "kore/voice-stop.200.json", next = "Stopped" },
///        { status = 409, schema = "kore/error.409.json", next = "Active" }"#,
/// )?;
///
/// let changes = diff_lifecycle("kore/lifecycle.toml", &base, &head);
///
/// assert_eq!(changes.len(), 1);
/// assert_eq!(changes[0].path, "[Active, stop]");
/// assert_eq!(changes[0].kind, "status 409 now allowed");
/// assert_eq!(changes[0].class, ChangeClass::Breaking);
/// # Ok::<(), campaign_contract::RulesError>(())
/// ```
pub fn diff_lifecycle(
    file: &str,
    base: &LifecycleRules,
    head: &LifecycleRules,
) -> Vec<SchemaChange> {
    use ChangeClass::{Additive, Breaking};
    let mut out = Vec::new();
    let mut push = |path: String, class: ChangeClass, kind: String| {
        out.push(SchemaChange {
            file: file.to_string(),
            path,
            class,
            kind,
        })
    };
    if base.status_pointer != head.status_pointer {
        let show = |p: &Option<String>| {
            p.as_ref()
                .map_or_else(|| "(none)".into(), |p| format!("{p:?}"))
        };
        push(
            "status_pointer".into(),
            Breaking,
            format!(
                "status_pointer {} → {}",
                show(&base.status_pointer),
                show(&head.status_pointer)
            ),
        );
    }
    let names: BTreeSet<&String> = base.states.keys().chain(head.states.keys()).collect();
    for name in names {
        let path = format!("state {name}");
        match (base.states.get(name), head.states.get(name)) {
            (Some(b), None) => push(
                path,
                Additive,
                format!("state removed (reads {:?})", b.reads),
            ),
            (None, Some(h)) => push(path, Breaking, format!("state added (reads {:?})", h.reads)),
            (Some(b), Some(h)) => {
                if b.reads != h.reads {
                    push(
                        path.clone(),
                        Breaking,
                        format!("state reads {:?} → {:?}", b.reads, h.reads),
                    );
                }
                for v in h.settling.iter().filter(|v| !b.settling.contains(v)) {
                    push(
                        path.clone(),
                        Breaking,
                        format!("settling value added: {v:?}"),
                    );
                }
                for v in b.settling.iter().filter(|v| !h.settling.contains(v)) {
                    push(
                        path.clone(),
                        Additive,
                        format!("settling value removed: {v:?}"),
                    );
                }
            }
            (None, None) => {}
        }
    }
    // A rule whose state came or went is reported with its state.
    let state_came_or_went =
        |state: &String| base.states.contains_key(state) != head.states.contains_key(state);
    let pairs: BTreeSet<&(String, String)> = base.rules.keys().chain(head.rules.keys()).collect();
    for pair in pairs {
        let path = rule_label(&pair.0, &pair.1);
        match (base.rules.get(pair), head.rules.get(pair)) {
            (Some(_), None) if !state_came_or_went(&pair.0) => {
                push(path, Breaking, "rule removed".into())
            }
            (None, Some(_)) if !state_came_or_went(&pair.0) => {
                push(path, Additive, "new rule".into())
            }
            (Some(b), Some(h)) => {
                for o in h {
                    match b.iter().find(|x| x.status == o.status) {
                        None => push(
                            path.clone(),
                            Breaking,
                            format!("status {} now allowed", o.status),
                        ),
                        Some(x) => {
                            if x.next != o.next {
                                push(
                                    path.clone(),
                                    Breaking,
                                    format!(
                                        "status {}: next state {} → {}",
                                        o.status, x.next, o.next
                                    ),
                                );
                            }
                            if x.schema != o.schema {
                                push(
                                    path.clone(),
                                    Breaking,
                                    format!(
                                        "status {}: schema {:?} → {:?}",
                                        o.status, x.schema, o.schema
                                    ),
                                );
                            }
                        }
                    }
                }
                for x in b.iter().filter(|x| !h.iter().any(|o| o.status == x.status)) {
                    push(
                        path.clone(),
                        Additive,
                        format!("status {} no longer allowed", x.status),
                    );
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}
