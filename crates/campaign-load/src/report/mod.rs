//! Reports of a run or a merge, written from its [`Summary`]: HTML with charts that need no
//! network, Markdown for a CI job summary, the JSON summary itself (mergeable, read by `merge`)
//! and JUnit XML for a CI system's test view.
//!
//! A report's format is chosen once, from its file name, where the path enters; the path is
//! checked and its folder made before anything is sent, so a run is never lost at its end for
//! want of a folder.

mod charts;
mod html;
mod junit;
mod markdown;
mod text;

pub(crate) use charts::overlay;
pub(crate) use junit::{RuleCase, attr as xml_attr};
pub use text::fmt_us;
pub(crate) use text::verdict;

use crate::summary::Summary;
use std::path::{Path, PathBuf};

/// What a report file holds, chosen once from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// `.html`, `.htm`: one self-contained page with SVG charts.
    Html,
    /// `.md`, `.markdown`.
    Markdown,
    /// `.json`: the summary itself, which `merge` reads.
    Summary,
    /// `.xml`: JUnit, one test case per threshold and one for the cleanup.
    Junit,
}

impl ReportFormat {
    /// The format `path`'s extension names, if any.
    pub fn of(path: &Path) -> Option<ReportFormat> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("html" | "htm") => Some(ReportFormat::Html),
            Some("md" | "markdown") => Some(ReportFormat::Markdown),
            Some("json") => Some(ReportFormat::Summary),
            Some("xml") => Some(ReportFormat::Junit),
            _ => None,
        }
    }
}

/// A report to write: where, in which format, and which key or flag named it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// The key or flag that named it (`[report] html`, `--report-file`).
    pub key: String,
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub format: ReportFormat,
}

/// A report that cannot be written, named by the key or flag that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} {}: {problem}", path.display())]
pub struct ReportError {
    /// The key or flag.
    pub key: String,
    /// The path it gave.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: ReportProblem,
}

/// What is wrong with a report path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportProblem {
    /// A name that says no format this key or flag takes (what to use instead).
    #[error("{0}")]
    Extension(&'static str),
    /// Its folder cannot be made.
    #[error("cannot create {}: {why}", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// The OS's reason.
        why: String,
    },
    /// A file cannot be created or written there.
    #[error("cannot be written: {0}")]
    Unwritable(String),
}

/// The extensions `--report-file` takes, in words.
pub const REPORT_EXTENSIONS: &str = "use .html, .json or .md";

/// What a JUnit file is called.
pub const JUNIT_EXTENSION: &str = "a JUnit file ends in .xml";

impl ReportFile {
    /// A report named by `key`, in the format its file name says, which must be one of
    /// `formats` (`expected` says which in words, for the message).
    pub fn by_name(
        key: &str,
        path: &Path,
        formats: &[ReportFormat],
        expected: &'static str,
    ) -> Result<ReportFile, ReportError> {
        match ReportFormat::of(path).filter(|f| formats.contains(f)) {
            Some(format) => ReportFile::by_key(key, path, format),
            None => Err(ReportError {
                key: key.to_string(),
                path: path.to_path_buf(),
                problem: ReportProblem::Extension(expected),
            }),
        }
    }

    /// A report in `format`, named by `key` (a scenario key says the format whatever the file
    /// is called). Its folder exists or is made, and a file can be created there (a file made
    /// only to try is removed again): checked before anything is sent.
    pub fn by_key(key: &str, path: &Path, format: ReportFormat) -> Result<ReportFile, ReportError> {
        let report = ReportFile {
            key: key.to_string(),
            path: path.to_path_buf(),
            format,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| {
            report.fail(ReportProblem::Folder {
                dir: dir.to_path_buf(),
                why: e.to_string(),
            })
        })?;
        let existed = path.exists();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| report.fail(ReportProblem::Unwritable(e.to_string())))?;
        if !existed {
            let _ = std::fs::remove_file(path);
        }
        Ok(report)
    }

    /// Writes `s` in this file's format. `cleanup_problems` are the campaigns the cleanup could
    /// not confirm halted (JUnit gives them a failing case).
    pub fn write(&self, s: &Summary, cleanup_problems: &[String]) -> Result<(), ReportError> {
        let text = match self.format {
            ReportFormat::Html => html::render(s),
            ReportFormat::Markdown => markdown::render(s),
            ReportFormat::Junit => junit::xml(s, cleanup_problems),
            ReportFormat::Summary => serde_json::to_string_pretty(s)
                .map_err(|e| self.fail(ReportProblem::Unwritable(e.to_string())))?,
        };
        std::fs::write(&self.path, text)
            .map_err(|e| self.fail(ReportProblem::Unwritable(e.to_string())))
    }

    fn fail(&self, problem: ReportProblem) -> ReportError {
        ReportError {
            key: self.key.clone(),
            path: self.path.clone(),
            problem,
        }
    }
}

/// The formats `--report-file` takes.
pub const REPORT_FORMATS: [ReportFormat; 3] = [
    ReportFormat::Html,
    ReportFormat::Summary,
    ReportFormat::Markdown,
];
