//! Each vendor's campaign lifecycle as data: `schemas/{vendor}/lifecycle.toml`.
//!
//! For every (state, action) a rule lists the statuses the vendor may answer, the schema each
//! answer must match and the state the campaign is in afterwards, and says whether a vendor page
//! documents it or it is our assumption. The simulator runs its state machine from these rules
//! and the contract suite walks them, so the two cannot disagree about the lifecycle.
//!
//! A file is checked as a whole when it loads ([`Lifecycle::parse`]): every state reachable from
//! an entry state, a rule for every (state, action) the vendor's operations allow, at least one
//! outcome per rule, known next states, and every schema existing and agreeing with the
//! operation table. A failure names the file and the rule.
//!
//! ```
//! use campaign_api::lifecycle::Lifecycle;
//! use campaign_api::{Action, Vendor};
//!
//! let kore = Lifecycle::embedded(Vendor::Kore).unwrap();
//! let ready = kore.entry()[0];
//! let rule = kore.rule(ready, Action::Start);
//! assert_eq!(rule.outcomes[0].status, 200);
//! assert_eq!(kore.state(rule.outcomes[0].next).reads, "Active");
//! ```

use crate::operation::OperationId;
use crate::vendor::{Action, Channel, Vendor};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::Path;

/// Index of a state in its [`Lifecycle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateId(u8);

/// One state of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDef {
    /// Its name in the rule file.
    pub name: String,
    /// What a status read reports for it.
    pub reads: String,
    /// True when the campaign dials in this state: the harness never touches a campaign found
    /// here and stops every one it puts here.
    pub dialing: bool,
    /// In-between values a status read may show on the way into this state.
    pub settling: Vec<String>,
}

/// Whether a vendor page states a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSource {
    /// A vendor page (copied or in beyond-the-copies) says so.
    Documented,
    /// Nothing documents it: our assumption, held loosely against a vendor host.
    Assumption,
}

/// One status a rule allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// HTTP status.
    pub status: u16,
    /// Schema path relative to `schemas/`; `{channel}` stands for the called operation's
    /// channel.
    pub schema: String,
    /// The state afterwards.
    pub next: StateId,
}

impl RuleOutcome {
    /// The schema for a call on `channel`.
    pub fn schema_for(&self, channel: Option<Channel>) -> String {
        match channel {
            Some(c) => self.schema.replace("{channel}", c.slug()),
            None => self.schema.clone(),
        }
    }
}

/// What one action does in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The state the campaign is in.
    pub state: StateId,
    /// The action applied.
    pub action: Action,
    /// Documented or assumed.
    pub source: RuleSource,
    /// Allowed answers; the first is what the simulator gives.
    pub outcomes: Vec<RuleOutcome>,
    /// Why the rule is there, in a few words.
    pub note: Option<String>,
}

impl Rule {
    /// The outcome for `status`, if the rule allows it.
    pub fn outcome(&self, status: u16) -> Option<&RuleOutcome> {
        self.outcomes.iter().find(|o| o.status == status)
    }

    /// The simulator's answer: the first outcome (a loaded rule has at least one).
    pub fn primary(&self) -> &RuleOutcome {
        &self.outcomes[0]
    }
}

/// A vendor's whole lifecycle, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// Whose lifecycle.
    pub vendor: Vendor,
    /// Where it was read from (for messages): `schemas/kore/lifecycle.toml`.
    pub file: String,
    /// JSON pointer of the campaign's status in a status read's body.
    pub status_pointer: String,
    states: Vec<StateDef>,
    entry: Vec<StateId>,
    rules: Vec<Rule>,
}

/// A rule file that could not be used: names the file, the rule (when one is at fault) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{reason}", rule.as_ref().map(|r| format!("rule {r}: ")).unwrap_or_default())]
pub struct LifecycleError {
    /// The file.
    pub file: String,
    /// The rule at fault, as `[state, action]`.
    pub rule: Option<String>,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStates {
    reads: String,
    #[serde(default)]
    dialing: bool,
    #[serde(default)]
    settling: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOutcome {
    status: u16,
    schema: String,
    next: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRule {
    state: String,
    action: String,
    source: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    outcomes: Vec<FileOutcome>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    vendor: String,
    entry: Vec<String>,
    status_pointer: String,
    states: BTreeMap<String, FileStates>,
    #[serde(default, rename = "rule")]
    rules: Vec<FileRule>,
}

/// The action's name in rule files.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Start => "start",
        Action::Stop => "stop",
        Action::Pause => "pause",
        Action::Status => "status",
    }
}

fn parse_action(s: &str) -> Option<Action> {
    [Action::Start, Action::Stop, Action::Pause, Action::Status]
        .into_iter()
        .find(|a| action_name(*a) == s)
}

/// The actions `vendor`'s operations can perform.
pub fn vendor_actions(vendor: Vendor) -> BTreeSet<Action> {
    OperationId::of_vendor(vendor)
        .map(|op| op.spec().action)
        .collect()
}

const KORE: &str = include_str!("../../../schemas/kore/lifecycle.toml");
const VOICEGENIE: &str = include_str!("../../../schemas/voicegenie/lifecycle.toml");

impl Lifecycle {
    /// The rule file compiled into the binary (the committed `schemas/{vendor}/lifecycle.toml`).
    /// Schema files are checked against the operation table only; [`Lifecycle::load`] also
    /// checks that they exist.
    pub fn embedded(vendor: Vendor) -> Result<Lifecycle, LifecycleError> {
        let text = match vendor {
            Vendor::Kore => KORE,
            Vendor::VoiceGenie => VOICEGENIE,
        };
        Lifecycle::parse(
            text,
            &format!("schemas/{}/lifecycle.toml", vendor.slug()),
            vendor,
            None,
        )
    }

    /// Reads `{schemas_dir}/{vendor}/lifecycle.toml` and checks it, including that every schema
    /// file it names exists under `schemas_dir`.
    pub fn load(schemas_dir: &Path, vendor: Vendor) -> Result<Lifecycle, LifecycleError> {
        let path = schemas_dir.join(vendor.slug()).join("lifecycle.toml");
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| LifecycleError {
            file: file.clone(),
            rule: None,
            reason: format!("cannot read: {e}"),
        })?;
        Lifecycle::parse(&text, &file, vendor, Some(schemas_dir))
    }

    /// Parses and checks a rule file's text. `file` names it in errors; with `schemas_dir`, every
    /// schema it names must exist there.
    pub fn parse(
        text: &str,
        file: &str,
        vendor: Vendor,
        schemas_dir: Option<&Path>,
    ) -> Result<Lifecycle, LifecycleError> {
        let fail = |rule: Option<String>, reason: String| LifecycleError {
            file: file.to_string(),
            rule,
            reason,
        };
        let raw: File = toml::from_str(text).map_err(|e| fail(None, e.to_string()))?;
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
            entry.push(id_of(name).ok_or_else(|| {
                fail(None, format!("entry state {name:?} is not among [states]"))
            })?);
        }
        if entry.is_empty() {
            return Err(fail(None, "no entry state".into()));
        }
        let allowed = vendor_actions(vendor);
        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rules {
            let label = format!("[{}, {}]", r.state, r.action);
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
            let source = match r.source.as_str() {
                "documented" => RuleSource::Documented,
                "assumption" => RuleSource::Assumption,
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
                    .map_err(|why| fail(Some(label.clone()), why))?;
                outcomes.push(outcome);
            }
            rules.push(Rule {
                state,
                action,
                source,
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
                        Some(format!("[{}, {}]", s.name, action_name(*a))),
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

    /// Every state reachable from an entry state through any rule's outcome.
    fn reachable(&self) -> BTreeSet<StateId> {
        let mut seen: BTreeSet<StateId> = self.entry.iter().copied().collect();
        let mut queue: VecDeque<StateId> = self.entry.iter().copied().collect();
        while let Some(s) = queue.pop_front() {
            for r in self.rules.iter().filter(|r| r.state == s) {
                for o in &r.outcomes {
                    if seen.insert(o.next) {
                        queue.push_back(o.next);
                    }
                }
            }
        }
        seen
    }

    /// The states, in file order (alphabetical by name).
    pub fn states(&self) -> impl Iterator<Item = (StateId, &StateDef)> {
        self.states
            .iter()
            .enumerate()
            .filter_map(|(i, s)| u8::try_from(i).ok().map(|i| (StateId(i), s)))
    }

    /// One state.
    pub fn state(&self, id: StateId) -> &StateDef {
        &self.states[usize::from(id.0)]
    }

    /// The state called `name`.
    pub fn state_named(&self, name: &str) -> Option<StateId> {
        self.states()
            .find(|(_, s)| s.name == name)
            .map(|(id, _)| id)
    }

    /// The states a campaign may be in before the harness touches it.
    pub fn entry(&self) -> &[StateId] {
        &self.entry
    }

    /// What a status read showing `value` means: `Ok(state)`, `Err(Some(state))` while it is
    /// still settling into `state`, `Err(None)` for a value no state reads.
    pub fn read(&self, value: &str) -> Result<StateId, Option<StateId>> {
        if let Some((id, _)) = self.states().find(|(_, s)| s.reads == value) {
            return Ok(id);
        }
        Err(self
            .states()
            .find(|(_, s)| s.settling.iter().any(|v| v == value))
            .map(|(id, _)| id))
    }

    /// What a status read's body shows: the string at `status_pointer` and what it means (as
    /// [`Lifecycle::read`]); `None` when the body holds no string there.
    pub fn read_body<'b>(
        &self,
        body: &'b serde_json::Value,
    ) -> Option<(&'b str, Result<StateId, Option<StateId>>)> {
        let value = body.pointer(&self.status_pointer)?.as_str()?;
        Some((value, self.read(value)))
    }

    /// The rule for `action` in `state`. Every (state, vendor action) pair has one (checked at
    /// load); an action the vendor lacks panics, as no operation can perform it.
    pub fn rule(&self, state: StateId, action: Action) -> &Rule {
        self.rules
            .iter()
            .find(|r| r.state == state && r.action == action)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no rule for {} in {} (vendor has no such operation)",
                    self.file,
                    action_name(action),
                    self.state(state).name
                )
            })
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// `[Active, start]`: how messages name a rule.
    pub fn label(&self, rule: &Rule) -> String {
        format!(
            "[{}, {}]",
            self.state(rule.state).name,
            action_name(rule.action)
        )
    }
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleSource::Documented => "documented",
            RuleSource::Assumption => "assumption",
        })
    }
}

/// Checks an outcome's schema against the operation table (every operation performing `action`
/// must list the status with the same schema) and, with a folder, that the file exists.
fn check_schema(
    vendor: Vendor,
    action: Action,
    outcome: &RuleOutcome,
    schemas_dir: Option<&Path>,
) -> Result<(), String> {
    for op in OperationId::of_vendor(vendor).filter(|op| op.spec().action == action) {
        let spec = op.spec();
        if outcome.schema.contains("{channel}") && spec.channel.is_none() {
            return Err(format!(
                "schema {} names {{channel}}, but {} has no channel",
                outcome.schema,
                spec.qualified_name()
            ));
        }
        let schema = outcome.schema_for(spec.channel);
        if let Some(dir) = schemas_dir
            && !dir.join(&schema).is_file()
        {
            return Err(format!(
                "schema file {schema} does not exist under {}",
                dir.display()
            ));
        }
        match spec.response(outcome.status) {
            None => {
                return Err(format!(
                    "status {} is not a response of {} in the operation table",
                    outcome.status,
                    spec.qualified_name()
                ));
            }
            Some(r) if r.schema != schema => {
                return Err(format!(
                    "schema {schema} for status {} disagrees with the operation table's {} for {}",
                    outcome.status,
                    r.schema,
                    spec.qualified_name()
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_committed_files_load() {
        for v in Vendor::ALL {
            let l = Lifecycle::embedded(v).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                l.states().any(|(_, s)| s.dialing),
                "{v} has a dialing state"
            );
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        for v in Vendor::ALL {
            assert_eq!(
                Lifecycle::load(&dir, v).map(|l| l.rules().len()),
                Lifecycle::embedded(v).map(|l| l.rules().len())
            );
        }
    }

    #[test]
    fn reads_map_to_states_and_settling_values() {
        let k = Lifecycle::embedded(Vendor::Kore).unwrap();
        let active = k.state_named("Active").unwrap();
        assert_eq!(k.read("Active"), Ok(active));
        assert_eq!(k.read("Preparing"), Err(Some(active)));
        assert_eq!(k.read("Rescheduled"), Err(None));
    }
}
