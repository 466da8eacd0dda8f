//! The checked lifecycle: a rule file that holds together (see the [module docs](super)), and
//! what the simulator and the suite ask of it.

use super::raw::RawLifecycle;
use super::{StateRead, action_name, validate};
use crate::operation::Grade;
use crate::vendor::{Action, Channel, Vendor};
use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

/// Index of a state in its [`Lifecycle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateId(pub(super) u8);

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
pub struct LifecycleRule {
    /// The state the campaign is in.
    pub state: StateId,
    /// The action applied.
    pub action: Action,
    /// [`Grade::Documented`] (`source = "documented"`) or [`Grade::Assumed`] (`source =
    /// "assumption"`, held loosely against a vendor host).
    pub grade: Grade,
    /// Allowed answers; the first is what the simulator gives.
    pub outcomes: Vec<RuleOutcome>,
    /// Why the rule is there, in a few words.
    pub note: Option<String>,
}

impl LifecycleRule {
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
    pub(super) states: Vec<StateDef>,
    pub(super) entry: Vec<StateId>,
    pub(super) rules: Vec<LifecycleRule>,
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

impl Lifecycle {
    /// The rule file compiled into the binary (the committed `schemas/{vendor}/lifecycle.toml`,
    /// from the [`SchemaSource::Embedded`](crate::SchemaSource) copy).
    /// Schema files are checked against the operation table only; [`Lifecycle::load`] also
    /// checks that they exist.
    pub fn embedded(vendor: Vendor) -> Result<Lifecycle, LifecycleError> {
        let rel = format!("{}/lifecycle.toml", vendor.slug());
        let file = format!("schemas/{rel}");
        let text = crate::schema_source::embedded_text(&rel).ok_or_else(|| LifecycleError {
            file: file.clone(),
            rule: None,
            reason: "not in the schemas compiled into this binary".into(),
        })?;
        Lifecycle::parse(text, &file, vendor, None)
    }

    /// The rule file as a report cites it: its last three path components
    /// (`schemas/kore/lifecycle.toml`), so a report does not carry the machine's absolute paths.
    /// Errors name [`Lifecycle::file`] in full.
    pub fn cited(&self) -> String {
        let parts: Vec<&str> = self
            .file
            .split(['/', '\\'])
            .filter(|p| !p.is_empty())
            .collect();
        parts[parts.len().saturating_sub(3)..].join("/")
    }

    /// Reads `{schemas_dir}/{vendor}/lifecycle.toml` and checks it, including that every schema
    /// file it names exists under `schemas_dir`.
    pub fn load(schemas_dir: &Path, vendor: Vendor) -> Result<Lifecycle, LifecycleError> {
        let path = schemas_dir.join(vendor.slug()).join("lifecycle.toml");
        let file = path.display().to_string();
        let text = crate::input_file::read_capped(
            &path,
            crate::schema_source::MAX_SCHEMA_FILE_BYTES,
            "lifecycle rule file",
        )
        .map_err(|e| LifecycleError {
            file: file.clone(),
            rule: None,
            reason: e.problem.to_string(),
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
        let raw = RawLifecycle::parse(text).map_err(|e| LifecycleError {
            file: file.to_string(),
            rule: None,
            reason: e.to_string(),
        })?;
        Lifecycle::from_raw(raw, file, vendor, schemas_dir)
    }

    /// Checks a rule file already read ([`RawLifecycle::parse`]) as `vendor`'s: refuses a key
    /// the model does not know or a required one missing, then checks the file as a whole: every
    /// state reachable from an entry state, a rule for every (state, action) the vendor's
    /// operations allow, at least one outcome per rule, known next states, and every schema
    /// agreeing with the operation table. `file` names it in errors; with `schemas_dir`, every
    /// schema it names must exist there.
    pub fn from_raw(
        raw: RawLifecycle,
        file: &str,
        vendor: Vendor,
        schemas_dir: Option<&Path>,
    ) -> Result<Lifecycle, LifecycleError> {
        validate::lifecycle(raw, file, vendor, schemas_dir)
    }

    /// Every state reachable from an entry state through any rule's outcome.
    pub(super) fn reachable(&self) -> BTreeSet<StateId> {
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

    /// What a status read showing `value` means: a state, an in-between value settling into
    /// one, or a value no state reads.
    pub fn read(&self, value: &str) -> StateRead {
        if let Some((id, _)) = self.states().find(|(_, s)| s.reads == value) {
            return StateRead::In(id);
        }
        match self
            .states()
            .find(|(_, s)| s.settling.iter().any(|v| v == value))
        {
            Some((into, _)) => StateRead::Settling {
                value: value.to_string(),
                into,
            },
            None => StateRead::Unknown(Some(serde_json::Value::String(value.into()))),
        }
    }

    /// What a status read's body shows at `status_pointer` (as [`Lifecycle::read`]); `Unknown`
    /// with what is there (or `None`) when the body holds no string at the pointer.
    pub fn read_body(&self, body: &serde_json::Value) -> StateRead {
        match body.pointer(&self.status_pointer) {
            Some(serde_json::Value::String(value)) => self.read(value),
            other => StateRead::Unknown(other.cloned()),
        }
    }

    /// The rule for `action` in `state`. Every (state, vendor action) pair has one (checked at
    /// load); an action the vendor lacks panics, as no operation can perform it.
    pub fn rule(&self, state: StateId, action: Action) -> &LifecycleRule {
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
    pub fn rules(&self) -> &[LifecycleRule] {
        &self.rules
    }

    /// `[Active, start]`: how messages name a rule.
    pub fn label(&self, rule: &LifecycleRule) -> String {
        super::rule_label(&self.state(rule.state).name, action_name(rule.action))
    }
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
        assert_eq!(k.read("Active"), StateRead::In(active));
        assert_eq!(
            k.read("Preparing"),
            StateRead::Settling {
                value: "Preparing".into(),
                into: active
            }
        );
        assert_eq!(
            k.read("Rescheduled"),
            StateRead::Unknown(Some("Rescheduled".into()))
        );
    }
}
