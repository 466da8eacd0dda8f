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
//! status no longer allowed or a state removed is additive. Rule files are read leniently, not
//! against today's operation table, so an old revision's rules still compare.
//!
//! ```
//! use campaign_contract::schema_diff::{diff_trees, ChangeClass};
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

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// How a schema change lands on a client that reads responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeClass {
    /// A reader built on the old schema may now meet a response it does not handle.
    Breaking,
    /// The reader gets more (or fewer possibilities); nothing it relied on went away.
    Additive,
}

impl ChangeClass {
    /// Upper-case label for the text output (`BREAKING`, `ADDITIVE`).
    pub fn label(self) -> &'static str {
        match self {
            ChangeClass::Breaking => "BREAKING",
            ChangeClass::Additive => "ADDITIVE",
        }
    }
}

impl fmt::Display for ChangeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
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

impl fmt::Display for SchemaChange {
    /// `BREAKING  kore/voice-start.200.json  $.totalCallsCompleted  property removed`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  {}  {}",
            self.class, self.file, self.path, self.kind
        )
    }
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

const WORKING_TREE: &str = "working tree";

/// Whether a path under `schemas/` (`/`-separated) is a schema: a `.json` file outside any
/// `samples/` folder (samples are instances, as in [`campaign_schema::registry`]).
fn is_schema_file(rel: &str) -> bool {
    rel.ends_with(".json") && !rel.split('/').rev().skip(1).any(|c| c == "samples")
}

/// Whether a path under `schemas/` is a vendor's lifecycle rules: `<vendor>/lifecycle.toml`.
fn is_lifecycle_file(rel: &str) -> bool {
    matches!(
        rel.split('/').collect::<Vec<_>>().as_slice(),
        [vendor, "lifecycle.toml"] if *vendor != "samples"
    )
}

/// Runs git in `dir`: `Err` if git cannot start, `Ok(Err(stderr))` if it exits non-zero.
fn git(dir: &Path, args: &[&str]) -> Result<Result<Vec<u8>, String>, DiffError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| DiffError::GitUnavailable(e.to_string()))?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Ok(Err(if why.is_empty() {
            format!("git exited with {}", out.status)
        } else {
            why
        }))
    }
}

fn toplevel(dir: &Path) -> Result<PathBuf, DiffError> {
    let out =
        git(dir, &["rev-parse", "--show-toplevel"])?.map_err(|reason| DiffError::NotARepo {
            dir: dir.into(),
            reason,
        })?;
    let top = String::from_utf8_lossy(&out)
        .trim_end_matches(['\n', '\r'])
        .to_string();
    Ok(PathBuf::from(top))
}

/// The repository's top level holding `schemas_dir`, and the folder's path inside it
/// (`/`-separated, empty when the folder is the top level).
pub fn locate(schemas_dir: &Path) -> Result<(PathBuf, String), DiffError> {
    let read_err = |e: std::io::Error| DiffError::Read {
        file: schemas_dir.display().to_string(),
        at: WORKING_TREE.into(),
        reason: e.to_string(),
    };
    let dir = schemas_dir.canonicalize().map_err(read_err)?;
    let top = toplevel(&dir)?.canonicalize().map_err(read_err)?;
    let rel = dir.strip_prefix(&top).map_err(|_| DiffError::NotARepo {
        dir: dir.clone(),
        reason: format!("git names {} as its top level", top.display()),
    })?;
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Ok((top, rel))
}

/// A file read from the schemas folder.
#[derive(Debug)]
struct FolderFile {
    /// Its path inside the folder (`kore/status.200.json`).
    inner: String,
    /// How an error names it: repository-relative at a revision, as found in the working tree.
    shown: String,
    bytes: Vec<u8>,
}

/// Every file under `schemas_rel_path` committed at `rev` whose path inside that folder passes
/// `keep`.
fn files_at_rev(
    repo_dir: &Path,
    rev: &str,
    schemas_rel_path: &str,
    keep: fn(&str) -> bool,
) -> Result<Vec<FolderFile>, DiffError> {
    let top = toplevel(repo_dir)?;
    if rev.is_empty() || rev.starts_with('-') {
        return Err(DiffError::UnknownRev {
            rev: rev.into(),
            reason: "not a revision name".into(),
        });
    }
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?
    .map_err(|_| DiffError::UnknownRev {
        rev: rev.into(),
        reason: format!("no such commit in {}", top.display()),
    })?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let git_err = |command: String| {
        let rev = rev.to_string();
        move |reason: String| DiffError::Git {
            rev,
            command,
            reason,
        }
    };
    let folder = schemas_rel_path.trim_matches('/');
    let spec = if folder.is_empty() { "." } else { folder };
    let listing = git(
        &top,
        &["ls-tree", "-r", "-z", "--name-only", &commit, "--", spec],
    )?
    .map_err(git_err(format!("ls-tree -r {commit} -- {spec}")))?;
    let mut out = Vec::new();
    for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8(name.to_vec()).map_err(|e| DiffError::Read {
            file: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            at: format!("base {rev}"),
            reason: "the file name is not UTF-8".into(),
        })?;
        let inner = if folder.is_empty() {
            name.as_str()
        } else {
            match name.strip_prefix(folder).and_then(|n| n.strip_prefix('/')) {
                Some(inner) => inner,
                None => continue,
            }
        };
        if !keep(inner) {
            continue;
        }
        // cat-file, not show: the blob's bytes, never a textconv rendering of them.
        let object = format!("{commit}:{name}");
        let bytes = git(&top, &["cat-file", "blob", &object])?
            .map_err(git_err(format!("cat-file blob {object}")))?;
        out.push(FolderFile {
            inner: inner.to_string(),
            shown: name.clone(),
            bytes,
        });
    }
    Ok(out)
}

/// Every file under `dir` in the working tree whose path inside `dir` passes `keep`; `samples/`
/// folders are not entered.
fn files_in_dir(dir: &Path, keep: fn(&str) -> bool) -> Result<Vec<FolderFile>, DiffError> {
    fn walk(
        dir: &Path,
        prefix: &str,
        keep: fn(&str) -> bool,
        out: &mut Vec<FolderFile>,
    ) -> Result<(), DiffError> {
        let read_err = |path: &Path, e: std::io::Error| DiffError::Read {
            file: path.display().to_string(),
            at: WORKING_TREE.into(),
            reason: e.to_string(),
        };
        let entries = std::fs::read_dir(dir).map_err(|e| read_err(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| read_err(dir, e))?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel = format!("{prefix}{name}");
            if path.is_dir() {
                if name != "samples" {
                    walk(&path, &format!("{rel}/"), keep, out)?;
                }
            } else if keep(&rel) {
                let bytes = std::fs::read(&path).map_err(|e| read_err(&path, e))?;
                out.push(FolderFile {
                    inner: rel,
                    shown: path.display().to_string(),
                    bytes,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", keep, &mut out)?;
    Ok(out)
}

/// Parses schema files, keyed by their path inside the folder.
fn json_documents(files: Vec<FolderFile>, at: &str) -> Result<BTreeMap<String, Value>, DiffError> {
    files
        .into_iter()
        .map(|f| {
            let document =
                serde_json::from_slice(&f.bytes).map_err(|e| DiffError::InvalidJson {
                    file: f.shown,
                    at: at.to_string(),
                    reason: e.to_string(),
                })?;
            Ok((f.inner, document))
        })
        .collect()
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
            let rules = LifecycleRules::parse(text).map_err(invalid)?;
            Ok((f.inner, rules))
        })
        .collect()
}

/// Every schema under `schemas_rel_path` (relative to the repository's top level, `/`-separated;
/// empty for the top level itself) as committed at `rev`, keyed by its path inside that folder.
/// `repo_dir` is any folder of the work tree.
pub fn schemas_at_rev(
    repo_dir: &Path,
    rev: &str,
    schemas_rel_path: &str,
) -> Result<BTreeMap<String, Value>, DiffError> {
    let files = files_at_rev(repo_dir, rev, schemas_rel_path, is_schema_file)?;
    json_documents(files, &format!("base {rev}"))
}

/// Every schema under `dir` in the working tree, keyed by its path inside `dir`.
pub fn schemas_in_dir(dir: &Path) -> Result<BTreeMap<String, Value>, DiffError> {
    json_documents(files_in_dir(dir, is_schema_file)?, WORKING_TREE)
}

/// Every lifecycle rule file (`<vendor>/lifecycle.toml`) under `schemas_rel_path` as committed at
/// `rev`, keyed by its path inside that folder (as [`schemas_at_rev`]).
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

/// The text output: one aligned line per change, then `N breaking, M additive (base <rev>)`; or
/// `no schema changes since <rev>`.
pub fn render(changes: &[SchemaChange], base: &str) -> String {
    use std::fmt::Write as _;
    if changes.is_empty() {
        return format!("no schema changes since {base}\n");
    }
    let file_w = changes.iter().map(|c| c.file.len()).max().unwrap_or(0);
    let path_w = changes.iter().map(|c| c.path.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in changes {
        let _ = writeln!(
            out,
            "{:<8}  {:<file_w$}  {:<path_w$}  {}",
            c.class.label(),
            c.file,
            c.path,
            c.kind
        );
    }
    let breaking = changes
        .iter()
        .filter(|c| c.class == ChangeClass::Breaking)
        .count();
    let _ = writeln!(
        out,
        "{breaking} breaking, {} additive (base {base})",
        changes.len() - breaking
    );
    out
}

/// The `diff-schemas` subcommand: prints [`render`] of [`diff_against_rev`] and answers exit code
/// 1 when any change is breaking, 0 otherwise.
pub fn run(schemas_dir: &Path, base: &str) -> Result<ExitCode, DiffError> {
    let changes = diff_against_rev(schemas_dir, base)?;
    print!("{}", render(&changes, base));
    Ok(
        if changes.iter().any(|c| c.class == ChangeClass::Breaking) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// Compares two sets of schemas keyed by file: a file only in `base` is a removed status
/// (breaking), one only in `head` a new status (additive), and each file in both is compared with
/// [`diff_schema`]. Sorted by file, then path.
pub fn diff_trees(
    base: &BTreeMap<String, Value>,
    head: &BTreeMap<String, Value>,
) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    for (file, b) in base {
        match head.get(file) {
            Some(h) => out.extend(diff_schema(file, b, h)),
            None => out.push(SchemaChange {
                file: file.clone(),
                path: "$".into(),
                class: ChangeClass::Breaking,
                kind: if status_of(file).is_some() {
                    "status removed".into()
                } else {
                    "schema removed".into()
                },
            }),
        }
    }
    for file in head.keys().filter(|f| !base.contains_key(*f)) {
        out.push(SchemaChange {
            file: file.clone(),
            path: "$".into(),
            class: ChangeClass::Additive,
            kind: if status_of(file).is_some() {
                "new status".into()
            } else {
                "new schema".into()
            },
        });
    }
    out.sort();
    out
}

/// The status of a `<operation>.<status>.json` file name.
fn status_of(file: &str) -> Option<u16> {
    let name = file.rsplit('/').next()?.strip_suffix(".json")?;
    let (_, status) = name.rsplit_once('.')?;
    if status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) {
        status.parse().ok()
    } else {
        None
    }
}

/// A vendor's lifecycle rules (`<vendor>/lifecycle.toml`), read only as far as a reader of
/// responses depends on them: the states and what a status read reports for each, and for each
/// `(state, action)` the statuses allowed, their schemas and the state afterwards.
///
/// Nothing is checked against today's operation table (as
/// [`campaign_api::lifecycle::Lifecycle::parse`] does), so rules committed long ago still read;
/// keys this comparison does not use (`vendor`, `entry`, `dialing`, `source`, `note`) are not
/// looked at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LifecycleRules {
    /// JSON pointer of the campaign's status in a status read's body (`/data/status`).
    pub status_pointer: Option<String>,
    /// The states by name.
    pub states: BTreeMap<String, LifecycleState>,
    /// The outcomes each rule allows, by `(state, action)`, in file order.
    pub rules: BTreeMap<(String, String), Vec<LifecycleOutcome>>,
}

/// One state of [`LifecycleRules`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LifecycleState {
    /// What a status read reports for it.
    pub reads: String,
    /// In-between values a read may show on the way into it.
    #[serde(default)]
    pub settling: Vec<String>,
}

/// One outcome a rule of [`LifecycleRules`] allows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LifecycleOutcome {
    /// HTTP status.
    pub status: u16,
    /// The schema the answer matches, relative to `schemas/` (`{channel}` left as written).
    pub schema: String,
    /// The state afterwards.
    pub next: String,
}

impl LifecycleRules {
    /// Reads a rule file's text. Fails on text that is not TOML, on a state without `reads`, an
    /// outcome without `status`, `schema` or `next`, and on a rule or an outcome's status given
    /// twice (the comparison would not know which one counts).
    pub fn parse(text: &str) -> Result<LifecycleRules, String> {
        #[derive(Deserialize)]
        struct RawRule {
            state: String,
            action: String,
            #[serde(default)]
            outcomes: Vec<LifecycleOutcome>,
        }
        #[derive(Deserialize)]
        struct Raw {
            status_pointer: Option<String>,
            #[serde(default)]
            states: BTreeMap<String, LifecycleState>,
            #[serde(default, rename = "rule")]
            rules: Vec<RawRule>,
        }
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        let mut rules = BTreeMap::new();
        for r in raw.rules {
            let label = rule_label(&r.state, &r.action);
            let mut seen = BTreeSet::new();
            if let Some(o) = r.outcomes.iter().find(|o| !seen.insert(o.status)) {
                return Err(format!("rule {label}: status {} listed twice", o.status));
            }
            if rules.insert((r.state, r.action), r.outcomes).is_some() {
                return Err(format!("rule {label} given twice"));
            }
        }
        Ok(LifecycleRules {
            status_pointer: raw.status_pointer,
            states: raw.states,
            rules,
        })
    }
}

/// A rule as the path column shows it (and as `campaign_api::lifecycle` names it): `[Active, start]`.
fn rule_label(state: &str, action: &str) -> String {
    format!("[{state}, {action}]")
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
/// use campaign_contract::schema_diff::{diff_lifecycle, ChangeClass, LifecycleRules};
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
/// # Ok::<(), String>(())
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

/// Compares two versions of one schema document; `file` only labels the changes.
pub fn diff_schema(file: &str, base: &Value, head: &Value) -> Vec<SchemaChange> {
    let mut walk = Walk {
        file,
        base_root: base,
        head_root: head,
        refs: Vec::new(),
        out: Vec::new(),
    };
    walk.node("$", base, head, 0);
    walk.out.sort();
    walk.out.dedup();
    walk.out
}

/// Deeper than this, a schema is not followed (a guard; real schemas are a few levels deep).
const MAX_DEPTH: usize = 64;

/// The schema that accepts anything (`true`, `{}`).
static ANY: Value = Value::Bool(true);

/// Keywords that change no response a reader can get.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// Lower bounds: removing or lowering one lets more through (breaking).
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
    "minContains",
];

/// Upper bounds: removing or raising one lets more through (breaking).
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
    "maxContains",
];

/// Keywords compared one by one; `$defs` are compared where a `$ref` uses them.
const ANALYSED: &[&str] = &[
    "type",
    "enum",
    "const",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "pattern",
    "uniqueItems",
    "multipleOf",
    "$defs",
    "definitions",
];

/// Keywords whose value maps names to schemas (their keys are names, not keywords).
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keywords whose value is data, not a schema.
const DATA: &[&str] = &["const", "enum", "default", "examples"];

#[derive(Debug)]
struct Walk<'a> {
    file: &'a str,
    base_root: &'a Value,
    head_root: &'a Value,
    /// `$ref` pairs being compared further up: met again, the comparison is already under way.
    refs: Vec<(String, String)>,
    out: Vec<SchemaChange>,
}

/// A schema as a keyword map: `true` is `{}`, `false` is `{"not": {}}`.
fn keywords(schema: &Value) -> Cow<'_, Map<String, Value>> {
    match schema {
        Value::Object(m) => Cow::Borrowed(m),
        Value::Bool(false) => {
            let mut m = Map::new();
            m.insert("not".into(), Value::Object(Map::new()));
            Cow::Owned(m)
        }
        _ => Cow::Owned(Map::new()),
    }
}

/// What a local `$ref` (`#`, `#/$defs/x`) points at in `root`.
fn local_target<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        Some(root)
    } else if fragment.starts_with('/') {
        root.pointer(fragment)
    } else {
        None
    }
}

/// Follows local `$ref`s: the target's keywords, with the referring schema's siblings of `$ref`
/// laid over them. Also answers the first reference followed, if any. A reference that does not
/// resolve locally stays as it is (and is compared as text).
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> (Cow<'a, Value>, Option<String>) {
    let mut current = Cow::Borrowed(schema);
    let mut first = None;
    for _ in 0..16 {
        let Some(Value::String(reference)) = current.get("$ref") else {
            break;
        };
        let Some(target) = local_target(root, reference) else {
            break;
        };
        first.get_or_insert_with(|| reference.clone());
        let mut merged = keywords(target).into_owned();
        if let Value::Object(siblings) = current.as_ref() {
            for (k, v) in siblings.iter().filter(|(k, _)| *k != "$ref") {
                merged.insert(k.clone(), v.clone());
            }
        }
        current = Cow::Owned(Value::Object(merged));
    }
    (current, first)
}

/// The JSON Schema type of a value (`integer` for integral numbers).
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The declared `type`s, in the order written; `None` when there is no `type`.
fn declared_types(m: &Map<String, Value>) -> Option<Vec<String>> {
    let mut types: Vec<String> = match m.get("type")? {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => return None,
    };
    let mut seen = BTreeSet::new();
    types.retain(|t| seen.insert(t.clone()));
    Some(types)
}

/// `const` (as one value) or `enum`, with the keyword's name.
fn value_set(m: &Map<String, Value>) -> Option<(&'static str, Vec<&Value>)> {
    if let Some(v) = m.get("const") {
        Some(("const", vec![v]))
    } else if let Some(Value::Array(vs)) = m.get("enum") {
        Some(("enum", vs.iter().collect()))
    } else {
        None
    }
}

/// The types a value can have: declared, else implied by `const`/`enum`; `None` for any.
fn effective_types(m: &Map<String, Value>) -> Option<Vec<String>> {
    declared_types(m).or_else(|| {
        value_set(m).map(|(_, vs)| {
            let mut seen = BTreeSet::new();
            vs.iter()
                .map(|v| type_of(v).to_string())
                .filter(|t| seen.insert(t.clone()))
                .collect()
        })
    })
}

/// Whether a value of type `t` is allowed by `types` (`integer` is a `number`).
fn covers(types: &[String], t: &str) -> bool {
    types
        .iter()
        .any(|x| x == t || (t == "integer" && x == "number"))
}

/// Whether a value may be an object or an array (`t`) under `types` (`None`: any type).
fn may_be(types: Option<&Vec<String>>, t: &str) -> bool {
    types.is_none_or(|ts| covers(ts, t))
}

fn show_types(types: Option<&Vec<String>>) -> String {
    match types {
        None => "any".into(),
        Some(ts) if ts.is_empty() => "nothing".into(),
        Some(ts) => ts.join(" or "),
    }
}

fn show_values(values: &[&Value]) -> String {
    campaign_schema::finding::truncate(
        &values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A keyword's value with annotations taken out, for comparing keywords this module does not
/// analyse (a reworded description inside a `oneOf` is not a change).
fn strip_annotations(v: &Value, names: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| names || !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, child)| {
                    let child = if !names && DATA.contains(&k.as_str()) {
                        child.clone()
                    } else {
                        strip_annotations(child, !names && NAME_MAPS.contains(&k.as_str()))
                    };
                    (k.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| strip_annotations(i, false)).collect())
        }
        other => other.clone(),
    }
}

impl Walk<'_> {
    fn push(&mut self, path: &str, class: ChangeClass, kind: impl Into<String>) {
        self.out.push(SchemaChange {
            file: self.file.to_string(),
            path: path.to_string(),
            class,
            kind: kind.into(),
        });
    }

    fn breaking(&mut self, path: &str, kind: impl Into<String>) {
        self.push(path, ChangeClass::Breaking, kind);
    }

    fn additive(&mut self, path: &str, kind: impl Into<String>) {
        self.push(path, ChangeClass::Additive, kind);
    }

    /// Compares the schemas `base` and `head` of the value at `path`.
    fn node(&mut self, path: &str, base: &Value, head: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let (b, b_ref) = resolve(self.base_root, base);
        let (h, h_ref) = resolve(self.head_root, head);
        let followed = b_ref.is_some() || h_ref.is_some();
        if followed {
            // An inline side is keyed by its path, which grows: only two references can cycle.
            let key = (
                b_ref.unwrap_or_else(|| format!("inline {path}")),
                h_ref.unwrap_or_else(|| format!("inline {path}")),
            );
            if self.refs.contains(&key) {
                return;
            }
            self.refs.push(key);
        }
        let (b, h) = (keywords(&b), keywords(&h));
        self.compare(path, &b, &h, depth);
        if followed {
            self.refs.pop();
        }
    }

    fn compare(
        &mut self,
        path: &str,
        b: &Map<String, Value>,
        h: &Map<String, Value>,
        depth: usize,
    ) {
        let (bt, ht) = (effective_types(b), effective_types(h));
        // Without `type` on either side, `const`/`enum` say it all.
        if b.contains_key("type") || h.contains_key("type") {
            self.types(path, bt.as_ref(), ht.as_ref());
        }
        self.values(path, b, h);
        self.format(path, b, h);
        self.bounds(path, b, h);
        self.pattern(path, b, h);
        self.unique_and_multiple(path, b, h);
        // An object that became a string has not lost its properties one by one.
        if may_be(bt.as_ref(), "object") && may_be(ht.as_ref(), "object") {
            self.object(path, b, h, depth);
        }
        let items_are_schemas = [b.get("items"), h.get("items")]
            .iter()
            .all(|i| !matches!(i, Some(Value::Array(_))));
        if items_are_schemas
            && may_be(bt.as_ref(), "array")
            && may_be(ht.as_ref(), "array")
            && (b.contains_key("items") || h.contains_key("items"))
        {
            let (bi, hi) = (
                b.get("items").unwrap_or(&ANY),
                h.get("items").unwrap_or(&ANY),
            );
            self.node(&format!("{path}[*]"), bi, hi, depth + 1);
        }
        self.unanalysed(path, b, h, items_are_schemas);
    }

    fn types(&mut self, path: &str, b: Option<&Vec<String>>, h: Option<&Vec<String>>) {
        let widened = match (b, h) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(b), Some(h)) => h.iter().any(|t| !covers(b, t)),
        };
        let narrowed = match (b, h) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(b), Some(h)) => b.iter().any(|t| !covers(h, t)),
        };
        let (from, to) = (show_types(b), show_types(h));
        match (widened, narrowed) {
            (true, true) => self.breaking(path, format!("type changed: {from} → {to}")),
            (true, false) => self.breaking(path, format!("type widened: {from} → {to}")),
            (false, true) => self.additive(path, format!("type narrowed: {from} → {to}")),
            (false, false) => {}
        }
    }

    fn values(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        match (value_set(b), value_set(h)) {
            (None, None) => {}
            (Some((kw, vs)), None) => {
                self.breaking(path, format!("{kw} removed (was {})", show_values(&vs)))
            }
            (None, Some((kw, vs))) => {
                self.additive(path, format!("{kw} added: {}", show_values(&vs)))
            }
            (Some((_, bv)), Some((_, hv))) => {
                if let ([one_b], [one_h]) = (bv.as_slice(), hv.as_slice()) {
                    if one_b != one_h {
                        self.breaking(path, format!("value changed: {one_b} → {one_h}"));
                    }
                    return;
                }
                for v in hv.iter().filter(|v| !bv.contains(v)) {
                    self.breaking(path, format!("enum value added: {v}"));
                }
                for v in bv.iter().filter(|v| !hv.contains(v)) {
                    self.additive(path, format!("enum value removed: {v}"));
                }
            }
        }
    }

    fn format(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        let show = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
        match (b.get("format"), h.get("format")) {
            (Some(f), None) => self.breaking(path, format!("format removed (was {})", show(f))),
            (None, Some(f)) => self.additive(path, format!("format added: {}", show(f))),
            (Some(bf), Some(hf)) if bf != hf => {
                self.breaking(path, format!("format changed: {} → {}", show(bf), show(hf)))
            }
            _ => {}
        }
    }

    fn bounds(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        let lower = LOWER_BOUNDS.iter().map(|k| (*k, true));
        let upper = UPPER_BOUNDS.iter().map(|k| (*k, false));
        for (kw, is_lower) in lower.chain(upper) {
            match (b.get(kw), h.get(kw)) {
                (None, None) => {}
                (Some(v), None) => self.breaking(path, format!("{kw} removed (was {v})")),
                (None, Some(v)) => self.additive(path, format!("{kw} added: {v}")),
                (Some(bv), Some(hv)) if bv != hv => match (bv.as_f64(), hv.as_f64()) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => {
                        let looser = if is_lower { y < x } else { y > x };
                        let (word, class) = match (looser, y < x) {
                            (true, true) => ("lowered", ChangeClass::Breaking),
                            (true, false) => ("raised", ChangeClass::Breaking),
                            (false, true) => ("lowered", ChangeClass::Additive),
                            (false, false) => ("raised", ChangeClass::Additive),
                        };
                        self.push(path, class, format!("{kw} {word}: {bv} → {hv}"));
                    }
                    _ => self.breaking(path, format!("{kw} changed: {bv} → {hv}")),
                },
                _ => {}
            }
        }
    }

    fn pattern(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        match (b.get("pattern"), h.get("pattern")) {
            (Some(p), None) => self.breaking(path, format!("pattern removed (was {p})")),
            (None, Some(p)) => self.additive(path, format!("pattern added: {p}")),
            // Two regular expressions cannot be ordered: any other pattern may let more through.
            (Some(bp), Some(hp)) if bp != hp => {
                self.breaking(path, format!("pattern changed: {bp} → {hp}"))
            }
            _ => {}
        }
    }

    fn unique_and_multiple(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        let unique = |m: &Map<String, Value>| m.get("uniqueItems") == Some(&Value::Bool(true));
        match (unique(b), unique(h)) {
            (true, false) => self.breaking(path, "uniqueItems removed"),
            (false, true) => self.additive(path, "uniqueItems added"),
            _ => {}
        }
        match (b.get("multipleOf"), h.get("multipleOf")) {
            (Some(v), None) => self.breaking(path, format!("multipleOf removed (was {v})")),
            (None, Some(v)) => self.additive(path, format!("multipleOf added: {v}")),
            (Some(bv), Some(hv)) if bv != hv => {
                // A multiple of the old divisor admits only values the old one did.
                let narrower = match (bv.as_f64(), hv.as_f64()) {
                    (Some(x), Some(y)) if x != 0.0 => (y / x).fract() == 0.0,
                    _ => false,
                };
                let class = if narrower {
                    ChangeClass::Additive
                } else {
                    ChangeClass::Breaking
                };
                self.push(path, class, format!("multipleOf changed: {bv} → {hv}"));
            }
            _ => {}
        }
    }

    fn object(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>, depth: usize) {
        let props =
            |m: &Map<String, Value>| m.get("properties").and_then(Value::as_object).cloned();
        let required = |m: &Map<String, Value>| -> BTreeSet<String> {
            m.get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (bp, hp) = (props(b).unwrap_or_default(), props(h).unwrap_or_default());
        let (br, hr) = (required(b), required(h));
        let names: BTreeSet<&String> = bp.keys().chain(hp.keys()).chain(&br).chain(&hr).collect();
        for name in names {
            let child = format!("{path}.{name}");
            let in_b = bp.contains_key(name) || br.contains(name);
            let in_h = hp.contains_key(name) || hr.contains(name);
            match (in_b, in_h) {
                (true, false) => self.breaking(&child, "property removed"),
                (false, true) if hr.contains(name) => {
                    self.additive(&child, "new required property")
                }
                (false, true) => self.additive(&child, "new optional property"),
                (true, true) => {
                    match (br.contains(name), hr.contains(name)) {
                        (true, false) => self.breaking(&child, "property made optional"),
                        (false, true) => self.additive(&child, "property made required"),
                        _ => {}
                    }
                    let bs = bp.get(name).unwrap_or(&ANY);
                    let hs = hp.get(name).unwrap_or(&ANY);
                    self.node(&child, bs, hs, depth + 1);
                }
                (false, false) => {}
            }
        }
        // `false` closes the object; absent, `true` or a schema leave it open.
        let closed =
            |m: &Map<String, Value>| m.get("additionalProperties") == Some(&Value::Bool(false));
        match (closed(b), closed(h)) {
            (true, true) => {}
            (true, false) => self.breaking(
                path,
                "additional properties now allowed (was additionalProperties: false)",
            ),
            (false, true) => self.additive(path, "additional properties no longer allowed"),
            (false, false) => {
                let ba = b.get("additionalProperties").unwrap_or(&ANY);
                let ha = h.get("additionalProperties").unwrap_or(&ANY);
                if ba != ha {
                    self.node(&format!("{path}.*"), ba, ha, depth + 1);
                }
            }
        }
    }

    /// Keywords not analysed above: any change is breaking, since nothing proves it harmless.
    fn unanalysed(
        &mut self,
        path: &str,
        b: &Map<String, Value>,
        h: &Map<String, Value>,
        items_are_schemas: bool,
    ) {
        let skip = |k: &str| {
            ANNOTATIONS.contains(&k)
                || ANALYSED.contains(&k)
                || LOWER_BOUNDS.contains(&k)
                || UPPER_BOUNDS.contains(&k)
                || (k == "items" && items_are_schemas)
        };
        let keys: BTreeSet<&String> = b.keys().chain(h.keys()).filter(|k| !skip(k)).collect();
        for kw in keys {
            let strip = |v: &Value| strip_annotations(v, NAME_MAPS.contains(&kw.as_str()));
            match (b.get(kw).map(strip), h.get(kw).map(strip)) {
                (Some(_), None) => self.breaking(path, format!("{kw} removed (not analysed)")),
                (None, Some(_)) => self.breaking(path, format!("{kw} added (not analysed)")),
                (Some(x), Some(y)) if x != y => {
                    self.breaking(path, format!("{kw} changed (not analysed)"))
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `(class, path, kind)` of each change from `base` to `head`.
    fn diff(base: Value, head: Value) -> Vec<(ChangeClass, String, String)> {
        diff_schema("t.200.json", &base, &head)
            .into_iter()
            .map(|c| (c.class, c.path, c.kind))
            .collect()
    }

    fn one(class: ChangeClass, path: &str, kind: &str) -> Vec<(ChangeClass, String, String)> {
        vec![(class, path.to_string(), kind.to_string())]
    }

    use ChangeClass::{Additive, Breaking};

    #[test]
    fn classifies_each_rule_both_ways() {
        let obj = |props: Value, required: Value| json!({"type": "object", "additionalProperties": false, "required": required, "properties": props});
        // (name, base, head, change base→head, change head→base)
        type Expect = (ChangeClass, &'static str, &'static str);
        let cases: Vec<(&str, Value, Value, Expect, Expect)> = vec![
            (
                "optional property",
                obj(json!({"a": {"type": "string"}}), json!(["a"])),
                obj(
                    json!({"a": {"type": "string"}, "b": {"type": "integer"}}),
                    json!(["a"]),
                ),
                (Additive, "$.b", "new optional property"),
                (Breaking, "$.b", "property removed"),
            ),
            (
                "required property",
                obj(json!({"a": {"type": "string"}}), json!(["a"])),
                obj(
                    json!({"a": {"type": "string"}, "b": {"type": "integer"}}),
                    json!(["a", "b"]),
                ),
                (Additive, "$.b", "new required property"),
                (Breaking, "$.b", "property removed"),
            ),
            (
                "optional",
                obj(json!({"a": {"type": "string"}}), json!(["a"])),
                obj(json!({"a": {"type": "string"}}), json!([])),
                (Breaking, "$.a", "property made optional"),
                (Additive, "$.a", "property made required"),
            ),
            (
                "integer to number",
                json!({"type": "integer"}),
                json!({"type": "number"}),
                (Breaking, "$", "type widened: integer → number"),
                (Additive, "$", "type narrowed: number → integer"),
            ),
            (
                "nullable",
                json!({"type": "string"}),
                json!({"type": ["string", "null"]}),
                (Breaking, "$", "type widened: string → string or null"),
                (Additive, "$", "type narrowed: string or null → string"),
            ),
            (
                "string to integer",
                json!({"type": "string"}),
                json!({"type": "integer"}),
                (Breaking, "$", "type changed: string → integer"),
                (Breaking, "$", "type changed: integer → string"),
            ),
            (
                "type dropped",
                json!({"type": "string"}),
                json!({}),
                (Breaking, "$", "type widened: string → any"),
                (Additive, "$", "type narrowed: any → string"),
            ),
            (
                "enum value",
                json!({"enum": ["a", "b"]}),
                json!({"enum": ["a", "b", "c"]}),
                (Breaking, "$", "enum value added: \"c\""),
                (Additive, "$", "enum value removed: \"c\""),
            ),
            (
                "const to enum",
                json!({"const": "Active"}),
                json!({"type": "string", "enum": ["Active", "Queued"]}),
                (Breaking, "$", "enum value added: \"Queued\""),
                (Additive, "$", "enum value removed: \"Queued\""),
            ),
            (
                "const dropped",
                json!({"type": "string", "const": "Active"}),
                json!({"type": "string"}),
                (Breaking, "$", "const removed (was \"Active\")"),
                (Additive, "$", "const added: \"Active\""),
            ),
            (
                "closed object",
                json!({"type": "object", "additionalProperties": false}),
                json!({"type": "object"}),
                (
                    Breaking,
                    "$",
                    "additional properties now allowed (was additionalProperties: false)",
                ),
                (Additive, "$", "additional properties no longer allowed"),
            ),
            (
                "format",
                json!({"type": "string", "format": "date-time"}),
                json!({"type": "string"}),
                (Breaking, "$", "format removed (was date-time)"),
                (Additive, "$", "format added: date-time"),
            ),
            (
                "minimum",
                json!({"type": "integer", "minimum": 0}),
                json!({"type": "integer", "minimum": -1}),
                (Breaking, "$", "minimum lowered: 0 → -1"),
                (Additive, "$", "minimum raised: -1 → 0"),
            ),
            (
                "maxLength",
                json!({"type": "string", "maxLength": 5}),
                json!({"type": "string", "maxLength": 9}),
                (Breaking, "$", "maxLength raised: 5 → 9"),
                (Additive, "$", "maxLength lowered: 9 → 5"),
            ),
            (
                "pattern",
                json!({"type": "string", "pattern": "^cid-"}),
                json!({"type": "string"}),
                (Breaking, "$", "pattern removed (was \"^cid-\")"),
                (Additive, "$", "pattern added: \"^cid-\""),
            ),
            (
                "items",
                json!({"type": "array", "items": {"type": "string"}}),
                json!({"type": "array", "items": {"type": ["string", "integer"]}}),
                (Breaking, "$[*]", "type widened: string → string or integer"),
                (
                    Additive,
                    "$[*]",
                    "type narrowed: string or integer → string",
                ),
            ),
        ];
        for (name, base, head, forward, reverse) in cases {
            assert_eq!(
                diff(base.clone(), head.clone()),
                one(forward.0, forward.1, forward.2),
                "{name}, forward"
            );
            assert_eq!(
                diff(head, base),
                one(reverse.0, reverse.1, reverse.2),
                "{name}, reverse"
            );
        }
    }

    #[test]
    fn removed_property_is_reported_once_and_nested_paths_are_json_paths() {
        let base = json!({"type": "object", "properties": {"data": {
            "type": "object", "required": ["id", "status"],
            "properties": {"id": {"type": "string"}, "status": {"enum": ["A"]}}}}});
        let head = json!({"type": "object", "properties": {"data": {
            "type": "object", "required": ["status"],
            "properties": {"status": {"enum": ["A"]}}}}});
        assert_eq!(
            diff(base, head),
            one(Breaking, "$.data.id", "property removed")
        );
    }

    #[test]
    fn annotations_are_not_changes() {
        let base = json!({"$id": "a", "title": "A", "description": "x", "type": "string",
            "examples": ["1"], "oneOf": [{"const": "1", "description": "one"}]});
        let head = json!({"$id": "b", "title": "B", "description": "y", "type": "string",
            "examples": ["2"], "oneOf": [{"const": "1", "description": "uno"}]});
        assert_eq!(diff(base, head), vec![]);
    }

    #[test]
    fn a_property_named_like_an_annotation_is_still_a_property() {
        let base = json!({"oneOf": [{"properties": {"title": {"type": "string"}}}]});
        let head = json!({"oneOf": [{"properties": {}}]});
        assert_eq!(
            diff(base, head),
            one(Breaking, "$", "oneOf changed (not analysed)")
        );
    }

    #[test]
    fn local_refs_are_followed_and_a_pure_refactor_is_silent() {
        let inline = json!({"type": "object", "properties": {"data": {
            "type": "object", "properties": {"status": {"enum": ["A", "B"]}}}}});
        let with_defs = json!({"type": "object", "properties": {"data": {"$ref": "#/$defs/data"}},
            "$defs": {"data": {"type": "object", "properties": {"status": {"enum": ["A", "B"]}}},
                      "unused": {"type": "string"}}});
        assert_eq!(diff(inline.clone(), with_defs.clone()), vec![]);
        let mut widened = with_defs.clone();
        widened["$defs"]["data"]["properties"]["status"]["enum"] = json!(["A", "B", "C"]);
        assert_eq!(
            diff(with_defs, widened.clone()),
            one(Breaking, "$.data.status", "enum value added: \"C\"")
        );
        assert_eq!(
            diff(widened, inline),
            one(Additive, "$.data.status", "enum value removed: \"C\"")
        );
    }

    #[test]
    fn recursive_refs_terminate() {
        let tree = |t: &str| {
            json!({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "properties": {
                "name": {"type": t},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}})
        };
        assert_eq!(
            diff(tree("string"), tree("integer")),
            one(Breaking, "$.name", "type changed: string → integer")
        );
        assert_eq!(diff(tree("string"), tree("string")), vec![]);
    }

    #[test]
    fn an_object_that_became_a_string_is_one_change() {
        let base =
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}});
        let head = json!({"type": "string"});
        assert_eq!(
            diff(base, head),
            one(Breaking, "$", "type changed: object → string")
        );
    }

    #[test]
    fn unanalysed_keywords_are_breaking_when_changed() {
        let base = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
        let head = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(
            diff(base, head),
            one(Breaking, "$", "anyOf changed (not analysed)")
        );
        let external = |r: &str| json!({"$ref": r});
        assert_eq!(
            diff(external("a.json"), external("b.json")),
            one(Breaking, "$", "$ref changed (not analysed)")
        );
    }

    #[test]
    fn trees_report_removed_and_new_files_at_the_root() {
        let s = json!({"type": "object"});
        let base = BTreeMap::from([
            ("kore/a.200.json".to_string(), s.clone()),
            ("kore/a.404.json".to_string(), s.clone()),
        ]);
        let head = BTreeMap::from([
            ("kore/a.200.json".to_string(), s.clone()),
            ("kore/a.409.json".to_string(), s.clone()),
            ("report/drift-report.json".to_string(), s),
        ]);
        let got: Vec<_> = diff_trees(&base, &head)
            .into_iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "BREAKING  kore/a.404.json  $  status removed",
                "ADDITIVE  kore/a.409.json  $  new status",
                "ADDITIVE  report/drift-report.json  $  new schema",
            ]
        );
    }

    #[test]
    fn only_json_outside_samples_is_a_schema() {
        assert!(is_schema_file("kore/status.200.json"));
        assert!(is_schema_file("report/drift-report.json"));
        assert!(!is_schema_file("samples/kore/status.200.beyond.json"));
        assert!(!is_schema_file("kore/lifecycle.toml"));
        assert!(!is_schema_file("README.md"));
        assert!(is_lifecycle_file("kore/lifecycle.toml"));
        assert!(!is_lifecycle_file("lifecycle.toml"));
        assert!(!is_lifecycle_file("samples/lifecycle.toml"));
        assert!(!is_lifecycle_file("kore/old/lifecycle.toml"));
        assert!(!is_lifecycle_file("kore/notes.toml"));
        assert_eq!(status_of("voicegenie/start.422.json"), Some(422));
        assert_eq!(status_of("report/drift-report.json"), None);
    }

    const RULES: &str = r#"
vendor = "kore"
entry = ["Ready"]
status_pointer = "/data/status"

[states.Ready]
reads = "Ready"

[states.Active]
reads = "Active"
dialing = true
settling = ["Preparing"]

[[rule]]
state = "Ready"
action = "start"
source = "documented"
outcomes = [{ status = 200, schema = "kore/{channel}-start.200.json", next = "Active" }]

[[rule]]
state = "Active"
action = "start"
source = "assumption"
note = "start twice"
outcomes = [{ status = 400, schema = "kore/error.400.json", next = "Active" }]
"#;

    /// `(class, path, kind)` of each change from the rules `base` to `head`.
    fn diff_rules(base: &str, head: &str) -> Vec<(ChangeClass, String, String)> {
        let parse = |t: &str| LifecycleRules::parse(t).expect("rules parse");
        diff_lifecycle("kore/lifecycle.toml", &parse(base), &parse(head))
            .into_iter()
            .map(|c| (c.class, c.path, c.kind))
            .collect()
    }

    #[test]
    fn classifies_each_lifecycle_change_both_ways() {
        let with = |from: &str, to: &str| {
            assert!(RULES.contains(from), "{from}");
            RULES.replacen(from, to, 1)
        };
        let new_state = format!(
            "{RULES}\n[states.Stopped]\nreads = \"Stopped\"\n\n[[rule]]\nstate = \"Stopped\"\n\
             action = \"start\"\nsource = \"assumption\"\n\
             outcomes = [{{ status = 400, schema = \"kore/error.400.json\", next = \"Stopped\" }}]\n"
        );
        type Expect = (ChangeClass, &'static str, &'static str);
        // (name, head, change RULES→head, change head→RULES)
        let cases: Vec<(&str, String, Expect, Expect)> = vec![
            (
                "outcome",
                with(
                    r#"next = "Active" }]"#,
                    r#"next = "Active" }, { status = 409, schema = "kore/error.400.json", next = "Ready" }]"#,
                ),
                (Breaking, "[Ready, start]", "status 409 now allowed"),
                (Additive, "[Ready, start]", "status 409 no longer allowed"),
            ),
            (
                "next",
                with(
                    r#"error.400.json", next = "Active""#,
                    r#"error.400.json", next = "Ready""#,
                ),
                (
                    Breaking,
                    "[Active, start]",
                    "status 400: next state Active → Ready",
                ),
                (
                    Breaking,
                    "[Active, start]",
                    "status 400: next state Ready → Active",
                ),
            ),
            (
                "schema",
                with("kore/error.400.json", "kore/error.409.json"),
                (
                    Breaking,
                    "[Active, start]",
                    r#"status 400: schema "kore/error.400.json" → "kore/error.409.json""#,
                ),
                (
                    Breaking,
                    "[Active, start]",
                    r#"status 400: schema "kore/error.409.json" → "kore/error.400.json""#,
                ),
            ),
            (
                "state",
                new_state,
                (
                    Breaking,
                    "state Stopped",
                    r#"state added (reads "Stopped")"#,
                ),
                (
                    Additive,
                    "state Stopped",
                    r#"state removed (reads "Stopped")"#,
                ),
            ),
            (
                "reads",
                with(r#"reads = "Ready""#, r#"reads = "Idle""#),
                (Breaking, "state Ready", r#"state reads "Ready" → "Idle""#),
                (Breaking, "state Ready", r#"state reads "Idle" → "Ready""#),
            ),
            (
                "settling",
                with(r#"settling = ["Preparing"]"#, "settling = []"),
                (
                    Additive,
                    "state Active",
                    r#"settling value removed: "Preparing""#,
                ),
                (
                    Breaking,
                    "state Active",
                    r#"settling value added: "Preparing""#,
                ),
            ),
            (
                "status_pointer",
                with(r#""/data/status""#, r#""/data/state""#),
                (
                    Breaking,
                    "status_pointer",
                    r#"status_pointer "/data/status" → "/data/state""#,
                ),
                (
                    Breaking,
                    "status_pointer",
                    r#"status_pointer "/data/state" → "/data/status""#,
                ),
            ),
        ];
        for (name, head, forward, reverse) in cases {
            assert_eq!(
                diff_rules(RULES, &head),
                one(forward.0, forward.1, forward.2),
                "{name}, forward"
            );
            assert_eq!(
                diff_rules(&head, RULES),
                one(reverse.0, reverse.1, reverse.2),
                "{name}, reverse"
            );
        }
    }

    #[test]
    fn a_rule_of_a_state_that_stays_is_compared_on_its_own() {
        let cut = RULES
            .rfind("[[rule]]")
            .expect("the last rule is [Active, start]");
        let without = &RULES[..cut];
        assert_eq!(
            diff_rules(RULES, without),
            one(Breaking, "[Active, start]", "rule removed")
        );
        assert_eq!(
            diff_rules(without, RULES),
            one(Additive, "[Active, start]", "new rule")
        );
    }

    #[test]
    fn lifecycle_annotations_and_entry_are_not_changes() {
        let head = RULES
            .replace(r#"entry = ["Ready"]"#, r#"entry = ["Ready", "Active"]"#)
            .replace(r#"source = "assumption""#, r#"source = "documented""#)
            .replace(r#"note = "start twice""#, r#"note = "reworded""#)
            .replace("dialing = true", "dialing = false");
        assert_ne!(head, RULES);
        assert_eq!(diff_rules(RULES, &head), vec![]);
    }

    #[test]
    fn lifecycle_rules_are_read_leniently_but_not_ambiguously() {
        // An action and a vendor today's operation table does not know still compare.
        let old = "vendor = \"gone\"\n[states.A]\nreads = \"A\"\n[[rule]]\nstate = \"A\"\n\
                   action = \"rewind\"\noutcomes = [{ status = 200, schema = \"x.json\", next = \"A\" }]\n";
        let rules = LifecycleRules::parse(old).expect("lenient");
        assert_eq!(rules.rules.len(), 1);
        assert!(
            LifecycleRules::parse("[states.A]\nsettling = []\n")
                .expect_err("no reads")
                .contains("reads"),
        );
        let twice = format!("{old}[[rule]]\nstate = \"A\"\naction = \"rewind\"\n");
        assert_eq!(
            LifecycleRules::parse(&twice),
            Err("rule [A, rewind] given twice".into())
        );
        let status_twice = old.replace(
            "next = \"A\" }]",
            "next = \"A\" }, { status = 200, schema = \"y.json\", next = \"A\" }]",
        );
        assert_eq!(
            LifecycleRules::parse(&status_twice),
            Err("rule [A, rewind]: status 200 listed twice".into())
        );
        assert!(LifecycleRules::parse("[states.A\n").is_err());
    }

    #[test]
    fn lifecycle_trees_report_removed_and_new_files_at_the_root() {
        let rules = LifecycleRules::default();
        let base = BTreeMap::from([("kore/lifecycle.toml".to_string(), rules.clone())]);
        let head = BTreeMap::from([("voicegenie/lifecycle.toml".to_string(), rules)]);
        let got: Vec<_> = diff_lifecycle_trees(&base, &head)
            .into_iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "BREAKING  kore/lifecycle.toml  $  lifecycle removed",
                "ADDITIVE  voicegenie/lifecycle.toml  $  new lifecycle",
            ]
        );
    }

    #[test]
    fn renders_aligned_lines_and_a_summary() {
        let changes = vec![
            SchemaChange {
                file: "kore/voice-start.200.json".into(),
                path: "$.totalCallsCompleted".into(),
                class: Breaking,
                kind: "property removed".into(),
            },
            SchemaChange {
                file: "kore/x.404.json".into(),
                path: "$".into(),
                class: Additive,
                kind: "new status".into(),
            },
        ];
        assert_eq!(
            render(&changes, "main"),
            "BREAKING  kore/voice-start.200.json  $.totalCallsCompleted  property removed\n\
             ADDITIVE  kore/x.404.json            $                      new status\n\
             1 breaking, 1 additive (base main)\n"
        );
        assert_eq!(render(&[], "main"), "no schema changes since main\n");
    }
}
