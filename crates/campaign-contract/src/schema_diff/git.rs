//! Reading the two sides of a comparison: the schemas folder as committed at a revision (through
//! `git`, blob bytes only) and as it is in the working tree.

use super::DiffError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How errors name the working tree side.
pub(super) const WORKING_TREE: &str = "working tree";

/// What git printed to stderr when it exited non-zero (or its exit status, if it printed
/// nothing): the caller knows which [`DiffError`] it means.
struct GitSaid(String);

/// Runs git in `dir`: `Err` if git cannot start, `Ok(Err(what git said))` if it exits non-zero.
fn git(dir: &Path, args: &[&str]) -> Result<Result<Vec<u8>, GitSaid>, DiffError> {
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
        Ok(Err(GitSaid(if why.is_empty() {
            format!("git exited with {}", out.status)
        } else {
            why
        })))
    }
}

fn toplevel(dir: &Path) -> Result<PathBuf, DiffError> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?.map_err(|GitSaid(reason)| {
        DiffError::NotARepo {
            dir: dir.into(),
            reason,
        }
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
pub(super) struct FolderFile {
    /// Its path inside the folder (`kore/status.200.json`).
    pub(super) inner: String,
    /// How an error names it: repository-relative at a revision, as found in the working tree.
    pub(super) shown: String,
    /// Its content.
    pub(super) bytes: Vec<u8>,
}

/// Every file under `schemas_rel_path` committed at `rev` whose path inside that folder passes
/// `keep`.
pub(super) fn files_at_rev(
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
        move |GitSaid(reason)| DiffError::Git {
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
pub(super) fn files_in_dir(
    dir: &Path,
    keep: fn(&str) -> bool,
) -> Result<Vec<FolderFile>, DiffError> {
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
                let bytes = campaign_api::read_capped_bytes(
                    &path,
                    campaign_api::MAX_SCHEMA_FILE_BYTES,
                    "schema or rule file",
                )
                .map_err(|e| DiffError::Read {
                    file: path.display().to_string(),
                    at: WORKING_TREE.into(),
                    reason: e.problem.to_string(),
                })?;
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
