//! The rule file as written: `schemas/{vendor}/lifecycle.toml` read into its TOML shape and
//! nothing more.
//!
//! This is the one reader of rule files. Nothing here is checked against the operation table,
//! the states or the vendor, so rules committed long ago (or naming an action the table no longer
//! has) still read; a key this model does not know is kept in `unknown`, not rejected. Each user
//! decides what it needs: [`Lifecycle::from_raw`](super::Lifecycle::from_raw) refuses unknown
//! and missing keys and checks everything else, while a comparison of two revisions
//! (campaign-contract's `diff-schemas`) reads only the parts a response reader depends on.
//!
//! Required are only the keys without which a part means nothing: a state's `reads`, a rule's
//! `state` and `action`, an outcome's `status`, `schema` and `next`.
//!
//! ```
//! use campaign_api::RawLifecycle;
//!
//! let raw = RawLifecycle::parse(
//!     r#"
//! vendor = "gone"
//! colour = "blue"
//! [states.Ready]
//! reads = "Ready"
//! [[rule]]
//! state = "Ready"
//! action = "rewind"
//! outcomes = [{ status = 200, schema = "x.json", next = "Ready" }]
//! "#,
//! )?;
//!
//! assert_eq!(raw.vendor.as_deref(), Some("gone"));
//! assert_eq!(raw.entry, None);
//! assert_eq!(raw.rules[0].action, "rewind");
//! assert!(raw.unknown.contains_key("colour"));
//! assert!(RawLifecycle::parse("[states.Ready]\nsettling = []\n").is_err());
//! # Ok::<(), toml::de::Error>(())
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;

/// Keys a part of the file does not define, with what they held: kept so a strict reader can
/// name them, ignored by a lenient one.
pub(crate) type UnknownKeys = BTreeMap<String, toml::Value>;

/// A whole rule file, as written.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct RawLifecycle {
    /// `vendor`: whose rules (`kore`, `voicegenie`).
    pub vendor: Option<String>,
    /// `entry`: the states a campaign may be in before the harness touches it.
    pub entry: Option<Vec<String>>,
    /// `status_pointer`: JSON pointer of the campaign's status in a status read's body.
    pub status_pointer: Option<String>,
    /// `[states.X]`: the states by name.
    pub states: Option<BTreeMap<String, RawState>>,
    /// `[[rule]]`: the rules, in file order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RawRule>,
    /// Any other top-level key.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// One `[states.X]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawState {
    /// What a status read reports for the state.
    pub reads: String,
    /// Whether the campaign dials in this state (absent: it does not).
    #[serde(default)]
    pub dialing: bool,
    /// In-between values a read may show on the way into the state.
    #[serde(default)]
    pub settling: Vec<String>,
    /// Any other key.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// One `[[rule]]`: what an action does in a state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawRule {
    /// The state's name.
    pub state: String,
    /// The action's name (`start`, `stop`, `pause`, `status`), not checked here.
    pub action: String,
    /// `documented` or `assumption`, not checked here.
    pub source: Option<String>,
    /// Why the rule is there, in a few words.
    pub note: Option<String>,
    /// The allowed answers, in file order (absent: none).
    #[serde(default)]
    pub outcomes: Vec<RawOutcome>,
    /// Any other key.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

/// One outcome of a [`RawRule`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawOutcome {
    /// HTTP status.
    pub status: u16,
    /// Schema path relative to `schemas/`, `{channel}` left as written.
    pub schema: String,
    /// The name of the state afterwards.
    pub next: String,
    /// Any other key.
    #[serde(flatten)]
    pub unknown: UnknownKeys,
}

impl RawLifecycle {
    /// The keys this model reads at the top level, for messages about the others.
    pub const KEYS: &'static [&'static str] =
        &["vendor", "entry", "status_pointer", "states", "rule"];

    /// Reads a rule file's text. Fails only on text that is not TOML, a value of the wrong type,
    /// or a required key missing (see the module docs); the error names the line.
    pub fn parse(text: &str) -> Result<RawLifecycle, toml::de::Error> {
        toml::from_str(text)
    }
}

impl RawState {
    /// The keys this model reads in a state, for messages about the others.
    pub const KEYS: &'static [&'static str] = &["reads", "dialing", "settling"];
}

impl RawRule {
    /// The keys this model reads in a rule, for messages about the others.
    pub const KEYS: &'static [&'static str] = &["state", "action", "source", "note", "outcomes"];

    /// `[Active, start]`: how messages name a rule.
    pub fn label(&self) -> String {
        super::rule_label(&self.state, &self.action)
    }
}

impl RawOutcome {
    /// The keys this model reads in an outcome, for messages about the others.
    pub const KEYS: &'static [&'static str] = &["status", "schema", "next"];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file using every key each part knows.
    const FULL: &str = r#"
vendor = "kore"
entry = ["Ready"]
status_pointer = "/data/status"

[states.Ready]
reads = "Ready"
dialing = false
settling = ["Preparing"]

[[rule]]
state = "Ready"
action = "status"
source = "documented"
note = "a read"
outcomes = [{ status = 200, schema = "kore/status.200.json", next = "Ready" }]
"#;

    #[test]
    fn the_key_lists_are_what_the_model_reads() {
        let raw = RawLifecycle::parse(FULL).expect("parses");
        let table: toml::Table = toml::from_str(FULL).expect("TOML");
        let keys = |t: &toml::Table| t.keys().cloned().collect::<Vec<_>>();
        let sorted = |ks: &[&str]| {
            let mut v: Vec<String> = ks.iter().map(|k| k.to_string()).collect();
            v.sort();
            v
        };

        assert_eq!(keys(&table), sorted(RawLifecycle::KEYS));
        let state = table["states"]["Ready"].as_table().expect("state");
        assert_eq!(keys(state), sorted(RawState::KEYS));
        let rule = table["rule"][0].as_table().expect("rule");
        assert_eq!(keys(rule), sorted(RawRule::KEYS));
        let outcome = rule["outcomes"][0].as_table().expect("outcome");
        assert_eq!(keys(outcome), sorted(RawOutcome::KEYS));
        assert!(raw.unknown.is_empty());
        let states = raw.states.as_ref().expect("states");
        assert!(states["Ready"].unknown.is_empty());
        assert!(raw.rules[0].unknown.is_empty());
        assert!(raw.rules[0].outcomes[0].unknown.is_empty());
    }

    #[test]
    fn unknown_keys_are_kept_at_every_level() {
        let text = FULL
            .replace(
                "vendor = \"kore\"",
                "vendor = \"kore\"\nstate_pointer = \"/x\"",
            )
            .replace("dialing = false", "dialling = true")
            .replace("note = \"a read\"", "sauce = \"a read\"")
            .replace("next = \"Ready\" }", "next = \"Ready\", why = 1 }");

        let raw = RawLifecycle::parse(&text).expect("lenient");

        assert_eq!(
            raw.unknown.get("state_pointer"),
            Some(&toml::Value::from("/x"))
        );
        let states = raw.states.expect("states");
        assert!(states["Ready"].unknown.contains_key("dialling"));
        assert!(!states["Ready"].dialing);
        assert!(raw.rules[0].unknown.contains_key("sauce"));
        assert_eq!(raw.rules[0].note, None);
        assert!(raw.rules[0].outcomes[0].unknown.contains_key("why"));
        assert_eq!(raw.rules[0].outcomes[0].status, 200);
    }

    #[test]
    fn required_keys_and_types_are_enforced_with_the_line() {
        let no_next = FULL.replace(", next = \"Ready\"", "");
        let e = RawLifecycle::parse(&no_next).expect_err("no next");
        assert!(e.to_string().contains("next"), "{e}");
        let text_status = FULL.replace("status = 200", "status = \"200\"");
        let e = RawLifecycle::parse(&text_status).expect_err("a string status");
        assert!(e.to_string().contains("line 16"), "{e}");
        assert!(RawLifecycle::parse("[states.A\n").is_err());
    }
}
