//! `check --record`: what each sandbox answered where the docs are silent, written under
//! `schemas/hosts/` for review, so later runs hold that host to it (the *observed* grade).
//!
//! Only sandboxes are recorded (our simulator plays our assumptions; recording it would prove
//! nothing), only steps whose expectation is assumed, or whose body departed from an assumed
//! part of a schema, and only from a run that reached a verdict. A file is never rewritten
//! silently: a change is written with its line diff printed, and an unchanged file is left
//! alone.

use crate::environment::Environment;
use crate::suite::Recorded;
use campaign_api::{HostKind, HostRecord, ObservedAnswer};
use campaign_schema::infer_shape;
use campaign_schema::scrub;
use secrecy::SecretString;
use std::path::PathBuf;

/// One host's record, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// `<hosts_dir>/<vendor>-<host>.toml`.
    pub path: PathBuf,
    /// What the host answered.
    pub record: HostRecord,
}

/// What writing a recording did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// A new file.
    Created,
    /// The file already says exactly this.
    Unchanged,
    /// The file changed: its line diff (`-` old, `+` new).
    Changed(String),
}

/// The recordings of a run: per sandbox, every assumed or observed step's answer (first answer
/// per operation and step), bodies compact and scrubbed of `secrets`.
pub fn recordings(
    env: &Environment,
    exchanges: &[Recorded],
    secrets: &[SecretString],
) -> Vec<Recording> {
    let mut out = Vec::new();
    for vt in env.targets.iter().filter(|t| t.kind == HostKind::Sandbox) {
        let vendor = vt.target.vendor;
        let mut answers: Vec<ObservedAnswer> = Vec::new();
        for x in exchanges
            .iter()
            .filter(|x| x.vendor == vendor && x.kind == HostKind::Sandbox && x.assumption)
        {
            let operation = x.operation.spec().qualified_name();
            if answers
                .iter()
                .any(|a| a.operation == operation && a.step == x.step)
            {
                continue;
            }
            answers.push(ObservedAnswer {
                operation,
                step: x.step.clone(),
                rule: x.rule.clone(),
                assumed: x.expected.clone(),
                status: x.status,
                body: x.body.as_ref().map(|b| scrub(&b.to_string(), secrets)),
            });
        }
        out.push(Recording {
            path: env.record_path(vt),
            record: HostRecord {
                vendor: vendor.slug().into(),
                host: vt.target.host_label(),
                answers,
            },
        });
    }
    out
}

/// Writes a recording unless the file already holds it; a changed file's diff is returned.
///
/// An answer that keeps its recorded status and body shape keeps its recorded text (a new
/// timestamp or instance id is not a change to review), so a host that answers as before leaves
/// its file alone. Nothing is written that holds a form of one of `secrets`.
pub fn write(r: &Recording, secrets: &[SecretString]) -> std::io::Result<Written> {
    let before = match campaign_api::read_capped(
        &r.path,
        campaign_api::MAX_HOST_RECORD_BYTES,
        "host record",
    ) {
        Ok(old) => Some(old),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    };
    let mut record = r.record.clone();
    if let Some(old) = before
        .as_deref()
        .and_then(|t| HostRecord::parse(t, &r.path).ok())
    {
        for a in &mut record.answers {
            if let Some(kept) = old.answers.iter().find(|o| same_answer(o, a)) {
                *a = kept.clone();
            }
        }
    }
    let text = record.to_toml();
    if before.as_deref() == Some(text.as_str()) {
        return Ok(Written::Unchanged);
    }
    if scrub(&text, secrets) != text {
        return Err(std::io::Error::other(
            "the record would hold a credential; not written",
        ));
    }
    if let Some(parent) = r.path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&r.path, &text)?;
    Ok(match before {
        None => Written::Created,
        Some(old) => Written::Changed(line_diff(&old, &text)),
    })
}

/// The same observed answer: same step, status and body shape (values are free).
fn same_answer(old: &ObservedAnswer, new: &ObservedAnswer) -> bool {
    old.operation == new.operation
        && old.step == new.step
        && old.rule == new.rule
        && old.assumed == new.assumed
        && old.status == new.status
        && old.body_json().map(|b| infer_shape(&b)) == new.body_json().map(|b| infer_shape(&b))
}

/// The lines only in `old` (`-`) and only in `new` (`+`), in order (a longest common
/// subsequence of lines; files here are a few hundred lines at most).
pub fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_diff_shows_only_what_changed() {
        let old = "a\nstatus = 409\nc\n";
        let new = "a\nstatus = 400\nc\nd\n";
        assert_eq!(line_diff(old, new), "- status = 409\n+ status = 400\n+ d\n");
        assert_eq!(line_diff(new, new), "");
    }
}
