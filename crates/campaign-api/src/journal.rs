//! The journal of started campaigns: what a run may have left dialing, on disk before the first
//! start is sent, so that a run killed outright (SIGKILL, out of memory, a lost machine) is
//! cleaned up by the next one.
//!
//! One file per run, vendor and host (`<dir>/<vendor>-<host>.<pid>-<start>.jsonl`, the start in
//! nanoseconds: in containers every run is process 1, and several may share one folder on a
//! volume), locked by its run (an
//! OS file lock, released when the process ends however it ends), one JSON line per event,
//! appended and flushed to disk (`fsync`) before the call it guards:
//! `{"event":"started","campaign":"cmp-1","stop":"kore voice-stop-v1"}` before a campaign's first
//! start, `{"event":"halted","campaign":"cmp-1"}` once a status read shows it halted. What is
//! started and not halted is a leftover. A run against the same host takes the journals whose
//! lock it can take (their run has ended; a journal still locked belongs to a run in progress,
//! whose campaigns are not touched), stops their leftovers and confirms each by a status read
//! (`campaign-load cleanup` does only that). A file is removed when nothing in it is pending.

use crate::CampaignId;
use crate::operation::OperationId;
use crate::sync::lock;
use crate::vendor::{Action, Vendor};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where journals are kept unless told otherwise: `CAMPAIGN_HARNESS_JOURNAL_DIR`, else
/// `$XDG_STATE_HOME/campaign-harness/journal`, else `~/.local/state/campaign-harness/journal`
/// (outside `target/`, which `cargo clean` removes).
pub const DIR_VAR: &str = "CAMPAIGN_HARNESS_JOURNAL_DIR";

/// The largest journal read. A campaign takes about 70 bytes started and 45 more halted (a run
/// that stopped 200,000 wrote 24 MB), so this holds some 500,000 campaigns; anything larger is
/// not a journal of ours.
pub(crate) const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The journal folder from the environment (see [`JOURNAL_DIR_VAR`](crate::JOURNAL_DIR_VAR)).
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(DIR_VAR).filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .unwrap_or_else(std::env::temp_dir);
    state.join("campaign-harness").join("journal")
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase", deny_unknown_fields)]
enum Event {
    /// About to send the first start to `campaign`; `stop` halts it.
    Started { campaign: String, stop: String },
    /// A status read showed `campaign` halted.
    Halted { campaign: String },
}

/// A campaign a journal shows started and not halted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Leftover {
    /// Its id.
    pub campaign: CampaignId,
    /// The operation that halts it (always a stop or a pause).
    pub stop: OperationId,
}

/// A journal that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("journal {path}: {reason}")]
pub struct JournalError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong, and where (line).
    pub reason: String,
}

/// An ended run's journal, locked by this run while its leftovers are stopped.
#[derive(Debug)]
pub(crate) struct Orphan {
    /// The file.
    pub path: PathBuf,
    _lock: std::fs::File,
}

/// One run's journal for one vendor and host, open for appending.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    /// `<vendor>-<host>`: this run's file is `<prefix>.<pid>-<start>.jsonl`.
    prefix: String,
    path: PathBuf,
    file: Mutex<Option<std::fs::File>>,
}

impl Journal {
    /// This run's journal for `vendor` at `host` under `dir` (the folder is created if need be;
    /// the file, locked, on the first event).
    pub fn open(dir: &Path, vendor: Vendor, host: &str) -> Result<Journal, JournalError> {
        let prefix = format!("{}-{}", vendor.slug(), crate::target::host_slug(host));
        std::fs::create_dir_all(dir).map_err(|e| JournalError {
            path: dir.to_path_buf(),
            reason: format!("cannot create the folder: {e}"),
        })?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            path: dir.join(format!(
                "{prefix}.{}-{:x}.jsonl",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            )),
            prefix,
            file: Mutex::new(None),
        })
    }

    /// This run's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, reason: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Appends events and flushes them to disk (one `fsync`) before returning. The file is
    /// created and locked on the first.
    fn append(&self, events: &[Event]) -> Result<(), JournalError> {
        let mut text = String::new();
        for e in events {
            text.push_str(&serde_json::to_string(e).map_err(|e| self.err(e))?);
            text.push('\n');
        }
        let mut file = lock(&self.file);
        if file.is_none() {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| self.err(format!("cannot open: {e}")))?;
            f.try_lock()
                .map_err(|e| self.err(format!("cannot lock: {e}")))?;
            *file = Some(f);
        }
        let Some(f) = file.as_mut() else {
            return Err(self.err("not open"));
        };
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| self.err(format!("cannot write: {e}")))
    }

    /// `campaign` is about to get its first start; `stop` halts it. On disk when this returns.
    pub fn started(&self, campaign: &str, stop: OperationId) -> Result<(), JournalError> {
        self.append(&[Event::Started {
            campaign: campaign.to_string(),
            stop: stop.spec().qualified_name(),
        }])
    }

    /// An ended run's leftovers, taken over by this run before that run's file is removed: one
    /// write and one flush for all of them (one each took 3,000 flushes for 3,000 campaigns).
    pub(crate) fn adopt(&self, left: &[&Leftover]) -> Result<(), JournalError> {
        if left.is_empty() {
            return Ok(());
        }
        let events: Vec<Event> = left
            .iter()
            .map(|l| Event::Started {
                campaign: l.campaign.to_string(),
                stop: l.stop.spec().qualified_name(),
            })
            .collect();
        self.append(&events)
    }

    /// Status reads showed these halted: one write, one flush.
    pub(crate) fn halted_all(&self, campaigns: &[&str]) -> Result<(), JournalError> {
        if campaigns.is_empty() {
            return Ok(());
        }
        let events: Vec<Event> = campaigns
            .iter()
            .map(|c| Event::Halted {
                campaign: c.to_string(),
            })
            .collect();
        self.append(&events)
    }

    /// What this run's journal shows started and not halted.
    pub(crate) fn leftovers(&self) -> Result<Vec<Leftover>, JournalError> {
        read_leftovers(&self.path)
    }

    /// The journals of runs against the same vendor and host that have ended (their lock can be
    /// taken), each with what it shows started and not halted. A journal still locked belongs to
    /// a run in progress and is left alone. Each returned [`Orphan`] holds its lock until it is
    /// settled or dropped.
    pub(crate) fn orphans(&self) -> Result<Vec<(Orphan, Vec<Leftover>)>, JournalError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(JournalError {
                    path: self.dir.clone(),
                    reason: e.to_string(),
                });
            }
        };
        let own = format!("{}.", self.prefix);
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p != &self.path
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&own) && n.ends_with(".jsonl"))
            })
            .collect();
        paths.sort();
        let mut out = Vec::new();
        for path in paths {
            // Looked at before it is opened: opening a FIFO waits for a reader or a writer.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => {
                    return Err(JournalError {
                        path,
                        reason: "not a regular file: a journal is one; move it away".into(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(JournalError {
                        path,
                        reason: e.to_string(),
                    });
                }
            }
            let file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| JournalError {
                    path: path.clone(),
                    reason: format!("cannot open: {e}"),
                })?;
            if file.try_lock().is_err() {
                continue;
            }
            let left = read_leftovers(&path)?;
            out.push((Orphan { path, _lock: file }, left));
        }
        Ok(out)
    }

    /// Removes an ended run's journal once its leftovers are halted.
    pub(crate) fn settle(orphan: Orphan) -> Result<(), JournalError> {
        std::fs::remove_file(&orphan.path).map_err(|e| JournalError {
            path: orphan.path.clone(),
            reason: e.to_string(),
        })
    }

    /// Removes this run's file when nothing in it is pending (a clean run leaves no journal).
    pub(crate) fn remove_if_settled(&self) -> Result<(), JournalError> {
        if self.leftovers()?.is_empty() {
            *lock(&self.file) = None;
            match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(())
    }
}

/// What a journal file shows started and not halted, in the order started. A torn last line (a
/// crash mid-write) is skipped; any other line that does not read is an error naming it: a
/// journal exists to be trusted. A `stop` that is not a stop or pause is refused: a journal
/// never makes cleanup start anything.
fn read_leftovers(path: &Path) -> Result<Vec<Leftover>, JournalError> {
    let err = |reason: String| JournalError {
        path: path.to_path_buf(),
        reason,
    };
    let text = match crate::input_file::read_capped(path, MAX_BYTES, "journal") {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(err(e.problem.to_string())),
    };
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut order: Vec<String> = Vec::new();
    let mut pending: HashMap<String, Leftover> = HashMap::new();
    for (n, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |why: String| err(format!("line {}: {why}", n + 1));
        let event = match serde_json::from_str::<Event>(line) {
            Ok(e) => e,
            Err(_) if !complete && n + 1 == lines.len() => break,
            Err(e) => return Err(at(e.to_string())),
        };
        match event {
            Event::Started { campaign, stop } => {
                let id = CampaignId::new(campaign).map_err(|e| at(e.to_string()))?;
                let op = OperationId::find(&stop)
                    .filter(|op| matches!(op.spec().action, Action::Stop | Action::Pause))
                    .ok_or_else(|| at(format!("{stop:?} is not a stop or pause operation")))?;
                if !pending.contains_key(id.as_str()) {
                    order.push(id.to_string());
                }
                pending.insert(
                    id.to_string(),
                    Leftover {
                        campaign: id,
                        stop: op,
                    },
                );
            }
            Event::Halted { campaign } => {
                pending.remove(&campaign);
            }
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| pending.remove(&id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn started_and_not_halted_is_a_leftover_and_a_live_journal_stays_locked() {
        let dir = std::env::temp_dir().join(format!("journal-doc-{}", std::process::id()));
        let j = Journal::open(&dir, Vendor::Kore, "sandbox.example:443").unwrap();
        j.started("cmp-1", OperationId::KoreVoiceStopV1).unwrap();
        j.started("cmp-2", OperationId::KoreVoiceStopV1).unwrap();
        j.halted_all(&["cmp-1"]).unwrap();
        assert_eq!(j.leftovers().unwrap().len(), 1);
        // A journal held by a run in progress is never taken by another.
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap();
        assert!(file.try_lock().is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_a_start_is_never_a_stop() {
        let dir = std::env::temp_dir().join(format!("journal-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("kore-h.1.jsonl");
        std::fs::write(
            &p,
            "{\"event\":\"started\",\"campaign\":\"a\",\"stop\":\"kore voice-stop-v1\"}\n{\"event\":\"sta",
        )
        .unwrap();
        assert_eq!(read_leftovers(&p).unwrap().len(), 1);
        std::fs::write(
            &p,
            "{\"event\":\"started\",\"campaign\":\"a\",\"stop\":\"kore voice-start-v1\"}\n",
        )
        .unwrap();
        let e = read_leftovers(&p).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 1: \"kore voice-start-v1\" is not a stop or pause"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
