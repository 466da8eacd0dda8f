//! Schema-change review: `schemas/` (the JSON Schemas and each vendor's `lifecycle.toml`) at a git
//! revision against the working tree, each change classed from the side of a client that **reads**
//! responses.
//!
//! A reader breaks when a response may now carry something it was not promised: a field gone or
//! made optional, a new enum value, a wider or different type, fields beyond the documented ones,
//! a looser or different `format`, a status no longer documented. It merely gets more when the
//! contract tightens: a new field, fewer values, a narrower type, a new documented status. (That
//! is the opposite of grading from the request side, where widening is the safe direction.)
//!
//! `title`, `description`, `$id`, `examples` and the other annotations are not reported. `$ref`s
//! into the same document are followed, so a change inside `$defs` is reported where the response
//! carries it; a keyword this module does not analyse (`oneOf`, `anyOf`, `not`, …) is reported as
//! breaking whenever it changes, since nothing proves it harmless.
//!
//! The lifecycle rules ([`diff_lifecycle`]) are read the same way: a status a rule newly allows, a
//! new state (a read may now report it), a changed `reads`, `next` or `schema` is breaking; a
//! status no longer allowed or a state removed is additive. Rule files are read with campaign-api's
//! raw model ([`campaign_api::RawLifecycle`]), not against today's operation table, so
//! an old revision's rules still compare.
//!
//! One job per file: `git` reads both sides (a revision through git, the working tree from disk);
//! `schema` compares JSON Schemas, with `keywords` saying what each keyword means; `lifecycle`
//! compares rule files; `render` prints the result. Which exit code a result earns is the CLI's
//! business ([`worst`] says how bad it is).
//!
//! ```
//! use campaign_contract::{ChangeClass, diff_trees};
//! use serde_json::json;
//! use std::collections::BTreeMap;
//!
//! let file = "kore/status.200.json".to_string();
//! let base = BTreeMap::from([(file.clone(), json!({
//!     "type": "object",
//!     "properties": { "status": { "enum": ["Active", "Stopped"] } }
//! }))]);
//! let head = BTreeMap::from([(file, json!({
//!     "type": "object",
//!     "properties": { "status": { "enum": ["Active", "Stopped", "Queued"] } }
//! }))]);
//!
//! let changes = diff_trees(&base, &head);
//!
//! assert_eq!(changes.len(), 1);
//! assert_eq!(changes[0].path, "$.status");
//! assert_eq!(changes[0].kind, r#"enum value added: "Queued""#);
//! assert_eq!(changes[0].class, ChangeClass::Breaking);
//! ```

mod git;
mod keywords;
mod lifecycle;
mod render;
mod schema;
#[cfg(test)]
mod tests;

pub use git::locate;
pub use lifecycle::{
    LifecycleRules, RulesError, diff_lifecycle, diff_lifecycle_trees, lifecycles_at_rev,
    lifecycles_in_dir,
};
pub use render::{DiffFormat, render_changes_as};
pub use schema::{diff_trees, schemas_at_rev, schemas_in_dir};

use serde::Serialize;
use std::path::{Path, PathBuf};

/// How a schema change lands on a client that reads responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeClass {
    /// A reader built on the old schema may now meet a response it does not handle.
    Breaking,
    /// The reader gets more (or fewer possibilities); nothing it relied on went away.
    Additive,
}

/// One change between two versions of the schemas.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SchemaChange {
    /// The schema file, relative to `schemas/` (`kore/voice-start.200.json`).
    pub file: String,
    /// Where in the response (`$.data.status`; `$` for the whole body; `[*]` for array items,
    /// `.*` for undeclared properties).
    pub path: String,
    /// How much it matters to a reader.
    pub class: ChangeClass,
    /// What changed, in a few words (`property removed`, `enum value added: "Queued"`).
    pub kind: String,
}

/// Why the comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// `git` could not be started.
    #[error("could not run git: {0}")]
    GitUnavailable(String),
    /// The schemas folder is not inside a git work tree.
    #[error("{dir} is not in a git work tree: {reason}")]
    NotARepo {
        /// The folder.
        dir: PathBuf,
        /// What git said.
        reason: String,
    },
    /// The base revision does not name a commit.
    #[error("unknown revision {rev:?}: {reason}")]
    UnknownRev {
        /// The revision as given.
        rev: String,
        /// What git said.
        reason: String,
    },
    /// A git command failed on a revision that does exist.
    #[error("git {command} at {rev:?} failed: {reason}")]
    Git {
        /// The revision as given.
        rev: String,
        /// The git subcommand and its arguments.
        command: String,
        /// What git said.
        reason: String,
    },
    /// A file or folder could not be read.
    #[error("{file} ({at}): {reason}")]
    Read {
        /// The file or folder.
        file: String,
        /// `base <rev>` or `working tree`.
        at: String,
        /// Why.
        reason: String,
    },
    /// A schema file is not JSON.
    #[error("{file} ({at}): not valid JSON: {reason}")]
    InvalidJson {
        /// The file (repository-relative at a revision, as found in the working tree).
        file: String,
        /// `base <rev>` or `working tree`.
        at: String,
        /// The parser's message.
        reason: String,
    },
    /// A lifecycle rule file is not TOML, or not shaped as one (a state without `reads`, an
    /// outcome without `status`, `schema` or `next`, a rule given twice).
    #[error("{file} ({at}): lifecycle rules do not parse: {reason}")]
    InvalidLifecycle {
        /// The file (repository-relative at a revision, as found in the working tree).
        file: String,
        /// `base <rev>` or `working tree`.
        at: String,
        /// Why.
        reason: String,
    },
}

/// The changes from the schemas and lifecycle rules committed at `rev` to those in `schemas_dir`
/// now, sorted by file, then path.
pub fn diff_against_rev(schemas_dir: &Path, rev: &str) -> Result<Vec<SchemaChange>, DiffError> {
    let (top, rel) = locate(schemas_dir)?;
    let base = schemas_at_rev(&top, rev, &rel)?;
    let base_rules = lifecycles_at_rev(&top, rev, &rel)?;
    let head = schemas_in_dir(schemas_dir)?;
    let head_rules = lifecycles_in_dir(schemas_dir)?;
    let mut out = diff_trees(&base, &head);
    out.extend(diff_lifecycle_trees(&base_rules, &head_rules));
    out.sort();
    Ok(out)
}

/// The most serious class among `changes`: [`ChangeClass::Breaking`] if any change breaks a
/// reader, else [`ChangeClass::Additive`] if there is any change; `None` for none. The CLI maps
/// it to an exit code.
pub fn worst_change(changes: &[SchemaChange]) -> Option<ChangeClass> {
    if changes.iter().any(|c| c.class == ChangeClass::Breaking) {
        Some(ChangeClass::Breaking)
    } else if changes.is_empty() {
        None
    } else {
        Some(ChangeClass::Additive)
    }
}
