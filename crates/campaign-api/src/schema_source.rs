//! Where the tools read `schemas/` from: the copy compiled into the binary, or a folder a user
//! names. Decided here, once, for every tool (campaign-load, campaign-contract, campaign-sim):
//! a command's flag (`--schemas DIR`; campaign-sim's `--lifecycle-dir DIR`), else
//! `CAMPAIGN_SCHEMAS_DIR`, else the embedded copy.
//!
//! Why embedded by default: an installed binary (`cargo install`, a container image) has no
//! workspace beside it, and a path fixed at build time points into a build folder that may be
//! gone. Why a folder still wins: editing a schema or a rule file and re-running without a
//! rebuild, and an image that ships its own `schemas/`. A folder that is named but missing or
//! unreadable is an error naming the flag or variable and the path: falling back to the
//! embedded copy would check a host against rules the user did not ask for.
//!
//! The copy lives in campaign-api, not campaign-schema, because campaign-sim depends on
//! campaign-api only and follows the same lifecycle rules; it is every `*.json` and `*.toml`
//! under `schemas/` (about 180 KB), watched by the build script so a changed file rebuilds.
//!
//! ```
//! use campaign_api::{SchemaSource, Vendor};
//! use std::path::Path;
//!
//! // Nothing named: the embedded copy.
//! let source = SchemaSource::resolve(None, "--schemas", |_| None)?;
//! assert_eq!(source, SchemaSource::Embedded);
//! assert!(source.read("kore/voice-start.200.json")?.contains("Campaign Started"));
//! assert_eq!(source.lifecycle(Vendor::Kore)?.file, "schemas/kore/lifecycle.toml");
//!
//! // A named folder that is not there is refused, naming the variable and the path.
//! let e = SchemaSource::resolve(None, "--schemas", |k| {
//!     (k == "CAMPAIGN_SCHEMAS_DIR").then(|| "/nonexistent".to_string())
//! })
//! .unwrap_err();
//! assert!(e.to_string().starts_with("CAMPAIGN_SCHEMAS_DIR=/nonexistent: no such folder"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::lifecycle_rules::{Lifecycle, LifecycleError};
use crate::vendor::Vendor;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_schemas.rs"));
}

/// The variable naming a schemas folder for every tool (below a command's own flag).
pub const SCHEMAS_DIR_VAR: &str = "CAMPAIGN_SCHEMAS_DIR";

/// Where `schemas/` is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaSource {
    /// The committed `schemas/` as compiled into this binary.
    Embedded,
    /// A folder laid out as `schemas/` is (`kore/`, `voicegenie/`, …).
    Dir {
        /// The folder, as given.
        path: PathBuf,
        /// What named it, for banners and messages.
        from: Origin,
    },
}

/// What named a schemas folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (`--schemas`, `--lifecycle-dir`).
    Flag(&'static str),
    /// [`SCHEMAS_DIR_VAR`].
    Env,
    /// A program or test, through [`SchemaSource::dir`].
    Caller,
}

/// A schemas folder that was named but cannot be used. Never answered by falling back to the
/// embedded copy: the message says what named the folder, so the user fixes that.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}; {}", named(*from, path), fix(*from))]
pub struct SchemaSourceError {
    /// What named the folder.
    pub from: Origin,
    /// The folder, as given.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: SourceProblem,
}

/// What is wrong with a named schemas folder.
#[derive(Debug, thiserror::Error)]
pub enum SourceProblem {
    /// Nothing is there.
    #[error("no such folder")]
    Missing,
    /// A file, not a folder.
    #[error("not a folder")]
    NotAFolder,
    /// There, but it cannot be listed or a file in it cannot be read.
    #[error("cannot be read: {0}")]
    Unreadable(#[source] std::io::Error),
    /// A file in it that is not a regular file, or over [`MAX_SCHEMA_FILE_BYTES`].
    #[error(transparent)]
    File(crate::InputProblem),
}

/// The largest schema or rule file read from a schemas folder: the shipped ones are a few KiB
/// each (the whole folder is some 300 KiB), so a larger one is a wrong folder.
pub const MAX_SCHEMA_FILE_BYTES: u64 = crate::input_file::MIB;

fn named(from: Origin, path: &Path) -> String {
    match from {
        Origin::Flag(flag) => format!("{flag} {}", path.display()),
        Origin::Env => format!("{SCHEMAS_DIR_VAR}={}", path.display()),
        Origin::Caller => format!("schemas folder {}", path.display()),
    }
}

fn fix(from: Origin) -> String {
    const LAYOUT: &str = "a folder laid out as schemas/ (kore/, voicegenie/, …)";
    match from {
        Origin::Flag(flag) => format!(
            "give {flag} {LAYOUT}, or leave the flag out to use {SCHEMAS_DIR_VAR} or the schemas compiled into this binary"
        ),
        Origin::Env => format!(
            "point {SCHEMAS_DIR_VAR} at {LAYOUT}, or unset it to use the schemas compiled into this binary"
        ),
        Origin::Caller => format!("give {LAYOUT}"),
    }
}

impl SchemaSource {
    /// The precedence every tool follows: `flag` (named `flag_name` in messages) if given, else
    /// [`SCHEMAS_DIR_VAR`] through `lookup` if set and not empty, else [`SchemaSource::Embedded`].
    /// A named folder must exist and be listable.
    pub fn resolve(
        flag: Option<&Path>,
        flag_name: &'static str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<SchemaSource, SchemaSourceError> {
        let (path, from) = match (flag, lookup(SCHEMAS_DIR_VAR).filter(|v| !v.is_empty())) {
            (Some(p), _) => (p.to_path_buf(), Origin::Flag(flag_name)),
            (None, Some(v)) => (PathBuf::from(v), Origin::Env),
            (None, None) => return Ok(SchemaSource::Embedded),
        };
        let source = SchemaSource::Dir { path, from };
        source.check()?;
        Ok(source)
    }

    /// [`SchemaSource::resolve`] with the process's environment.
    pub fn from_flag_and_env(
        flag: Option<&Path>,
        flag_name: &'static str,
    ) -> Result<SchemaSource, SchemaSourceError> {
        SchemaSource::resolve(flag, flag_name, |k| std::env::var(k).ok())
    }

    /// For a command with no flag: [`SCHEMAS_DIR_VAR`], else the embedded copy.
    pub fn from_env() -> Result<SchemaSource, SchemaSourceError> {
        SchemaSource::resolve(None, "", |k| std::env::var(k).ok())
    }

    /// A folder a program names (not checked until read).
    pub fn dir(path: impl Into<PathBuf>) -> SchemaSource {
        SchemaSource::Dir {
            path: path.into(),
            from: Origin::Caller,
        }
    }

    /// The folder, when the source is one.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            SchemaSource::Embedded => None,
            SchemaSource::Dir { path, .. } => Some(path),
        }
    }

    /// Refuses a folder that is not there, is a file, or cannot be listed.
    pub fn check(&self) -> Result<(), SchemaSourceError> {
        let SchemaSource::Dir { path, from } = self else {
            return Ok(());
        };
        let err = |problem| SchemaSourceError {
            from: *from,
            path: path.clone(),
            problem,
        };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(err(SourceProblem::Missing)),
            Err(e) => Err(err(SourceProblem::Unreadable(e))),
            Ok(m) if !m.is_dir() => Err(err(SourceProblem::NotAFolder)),
            Ok(_) => std::fs::read_dir(path)
                .map(drop)
                .map_err(|e| err(SourceProblem::Unreadable(e))),
        }
    }

    /// Every file's path relative to the source (`/`-separated, sorted): for the embedded copy,
    /// its `*.json` and `*.toml`; for a folder, every regular file under it.
    pub fn files(&self) -> Result<Vec<String>, SchemaSourceError> {
        match self {
            SchemaSource::Embedded => {
                Ok(embedded::FILES.iter().map(|(p, _)| p.to_string()).collect())
            }
            SchemaSource::Dir { path, .. } => {
                let mut out = Vec::new();
                self.walk(path, "", &mut out)?;
                out.sort();
                Ok(out)
            }
        }
    }

    fn walk(
        &self,
        dir: &Path,
        prefix: &str,
        out: &mut Vec<String>,
    ) -> Result<(), SchemaSourceError> {
        let unreadable = |e| self.error(dir, SourceProblem::Unreadable(e));
        for entry in std::fs::read_dir(dir).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let path = entry.path();
            if path.is_dir() {
                self.walk(&path, &rel, out)?;
            } else if path.is_file() {
                out.push(rel);
            }
        }
        Ok(())
    }

    fn error(&self, path: &Path, problem: SourceProblem) -> SchemaSourceError {
        SchemaSourceError {
            from: match self {
                SchemaSource::Dir { from, .. } => *from,
                SchemaSource::Embedded => Origin::Caller,
            },
            path: path.to_path_buf(),
            problem,
        }
    }

    /// The text of `rel` (`kore/voice-start.200.json`).
    pub fn read(&self, rel: &str) -> Result<Cow<'static, str>, SchemaSourceError> {
        match self {
            SchemaSource::Embedded => embedded::FILES
                .iter()
                .find(|(p, _)| *p == rel)
                .map(|(_, text)| Cow::Borrowed(*text))
                .ok_or_else(|| {
                    self.error(
                        &self.path_of(rel),
                        SourceProblem::Unreadable(std::io::ErrorKind::NotFound.into()),
                    )
                }),
            SchemaSource::Dir { path, .. } => {
                let file = path.join(rel);
                crate::input_file::read_capped(&file, MAX_SCHEMA_FILE_BYTES, "schema or rule file")
                    .map(Cow::Owned)
                    .map_err(|e| self.error(&file, SourceProblem::File(e.problem)))
            }
        }
    }

    /// True when `rel` is a file of the source.
    pub fn contains(&self, rel: &str) -> bool {
        match self {
            SchemaSource::Embedded => embedded::FILES.iter().any(|(p, _)| *p == rel),
            SchemaSource::Dir { path, .. } => path.join(rel).is_file(),
        }
    }

    /// How messages name `rel`: the file in the folder, or `schemas/<rel>` for the embedded copy
    /// (as the committed tree names it).
    pub fn path_of(&self, rel: &str) -> PathBuf {
        match self {
            SchemaSource::Embedded => Path::new("schemas").join(rel),
            SchemaSource::Dir { path, .. } => path.join(rel),
        }
    }

    /// `vendor`'s lifecycle rules (`{vendor}/lifecycle.toml`), checked; from a folder, every
    /// schema file they name must be there too.
    pub fn lifecycle(&self, vendor: Vendor) -> Result<Lifecycle, LifecycleError> {
        match self {
            SchemaSource::Embedded => Lifecycle::embedded(vendor),
            SchemaSource::Dir { path, .. } => Lifecycle::load(path, vendor),
        }
    }

    /// The embedded copy's file count and digest (`42 files, digest 0123456789abcdef`): which
    /// `schemas/` a binary was built from, without git.
    pub fn embedded_identity() -> String {
        format!(
            "{} files, digest {}",
            embedded::FILES.len(),
            embedded::DIGEST
        )
    }
}

/// The embedded copy's text of `rel`, for the lifecycle rules' own `embedded`.
pub(crate) fn embedded_text(rel: &str) -> Option<&'static str> {
    embedded::FILES
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, text)| *text)
}

/// As banners show it: `embedded (42 files, digest …)`, `DIR (--schemas)`,
/// `DIR (CAMPAIGN_SCHEMAS_DIR)`.
impl fmt::Display for SchemaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaSource::Embedded => {
                write!(f, "embedded ({})", SchemaSource::embedded_identity())
            }
            SchemaSource::Dir { path, from } => {
                write!(f, "{}", path.display())?;
                match from {
                    Origin::Flag(flag) => write!(f, " ({flag})"),
                    Origin::Env => write!(f, " ({SCHEMAS_DIR_VAR})"),
                    Origin::Caller => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |k| (k == SCHEMAS_DIR_VAR).then(|| value.to_string())
    }

    #[test]
    fn the_flag_wins_over_the_variable_which_wins_over_the_embedded_copy() {
        let here = env!("CARGO_MANIFEST_DIR");
        let flag = SchemaSource::resolve(Some(Path::new(here)), "--schemas", env("/nonexistent"))
            .expect("the flag's folder exists");
        assert_eq!(
            flag,
            SchemaSource::Dir {
                path: here.into(),
                from: Origin::Flag("--schemas")
            }
        );
        let var = SchemaSource::resolve(None, "--schemas", env(here)).expect("exists");
        assert_eq!(var.folder(), Some(Path::new(here)));
        assert!(var.to_string().ends_with("(CAMPAIGN_SCHEMAS_DIR)"), "{var}");
        let empty = SchemaSource::resolve(None, "--schemas", env("")).expect("unset");
        assert_eq!(empty, SchemaSource::Embedded);
    }

    #[test]
    fn a_named_folder_that_cannot_be_used_names_what_named_it() {
        let e = SchemaSource::resolve(Some(Path::new("/nonexistent")), "--lifecycle-dir", |_| None)
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("--lifecycle-dir /nonexistent: no such folder; "),
            "{msg}"
        );
        assert!(msg.contains("leave the flag out"), "{msg}");
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let e = SchemaSource::resolve(None, "--schemas", env(file)).unwrap_err();
        assert!(matches!(e.problem, SourceProblem::NotAFolder), "{e}");
        assert!(e.to_string().contains("unset it"), "{e}");
    }

    #[test]
    fn the_embedded_copy_holds_the_committed_data_files_only() {
        let files = SchemaSource::Embedded.files().expect("embedded");
        assert!(
            files.contains(&"kore/lifecycle.toml".to_string()),
            "{files:?}"
        );
        assert!(
            files.contains(&"voicegenie/start.200.json".to_string()),
            "{files:?}"
        );
        assert!(files.iter().all(|f| !f.ends_with(".md")), "{files:?}");
        let folder = SchemaSource::dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas"));
        let data: Vec<String> = folder
            .files()
            .expect("the workspace's schemas/")
            .into_iter()
            .filter(|f| f.ends_with(".json") || f.ends_with(".toml"))
            .collect();
        assert_eq!(files, data, "the embedded copy is the committed tree");
        for f in &files {
            assert_eq!(
                SchemaSource::Embedded.read(f).expect("embedded"),
                folder.read(f).expect("committed"),
                "{f}"
            );
        }
    }
}
