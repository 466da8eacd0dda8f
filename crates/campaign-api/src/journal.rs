//! The journal of started campaigns: what a run may have left dialing, on disk before the first
//! start is sent, so that a run killed outright (SIGKILL, out of memory, a lost machine) is
//! cleaned up by the next one.
//!
//! One file per vendor and host (`<dir>/<vendor>-<host>.jsonl`), one JSON line per event,
//! appended and flushed to disk (`fsync`) before the call it guards:
//! `{"event":"started","campaign":"cmp-1","stop":"kore voice-stop-v1"}` before a campaign's first
//! start, `{"event":"halted","campaign":"cmp-1"}` once a status read shows it halted. What is
//! started and not halted is a leftover. A run against the same host reads the leftovers first,
//! stops them and confirms each by a status read (`campaign-load cleanup` does only that). The
//! file is removed when nothing in it is pending.
//!
//! ```
//! use campaign_api::journal::Journal;
//! use campaign_api::{OperationId, Vendor};
//! let dir = std::env::temp_dir().join(format!("journal-doc-{}", std::process::id()));
//! let j = Journal::open(&dir, Vendor::Kore, "sandbox.example:443").unwrap();
//! j.started("cmp-1", OperationId::KoreVoiceStopV1).unwrap();
//! j.started("cmp-2", OperationId::KoreVoiceStopV1).unwrap();
//! j.halted("cmp-1").unwrap();
//! // A later run (another process) finds what is still pending.
//! let again = Journal::open(&dir, Vendor::Kore, "sandbox.example:443").unwrap();
//! let left = again.leftovers().unwrap();
//! assert_eq!(left.len(), 1);
//! assert_eq!(left[0].campaign.as_str(), "cmp-2");
//! again.halted("cmp-2").unwrap();
//! again.remove_if_settled().unwrap();
//! assert!(!again.path().exists());
//! # std::fs::remove_dir_all(&dir).ok();
//! ```

use crate::CampaignId;
use crate::operation::OperationId;
use crate::sync::lock;
use crate::vendor::Vendor;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where journals are kept unless told otherwise: `CAMPAIGN_HARNESS_JOURNAL_DIR`, else
/// `$XDG_STATE_HOME/campaign-harness/journal`, else `~/.local/state/campaign-harness/journal`
/// (outside `target/`, which `cargo clean` removes).
pub const DIR_VAR: &str = "CAMPAIGN_HARNESS_JOURNAL_DIR";

/// The largest journal read: a few hundred bytes per campaign.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The journal folder from the environment (see [`DIR_VAR`]).
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
pub struct Leftover {
    /// Its id.
    pub campaign: CampaignId,
    /// The operation that halts it.
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

/// One vendor and host's journal, open for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<Option<std::fs::File>>,
}

impl Journal {
    /// The journal for `vendor` at `host` under `dir` (created if need be; the file itself is
    /// created on the first event).
    pub fn open(dir: &Path, vendor: Vendor, host: &str) -> Result<Journal, JournalError> {
        let slug = crate::target::host_slug(host);
        let path = dir.join(format!("{}-{slug}.jsonl", vendor.slug()));
        std::fs::create_dir_all(dir).map_err(|e| JournalError {
            path: dir.to_path_buf(),
            reason: format!("cannot create the folder: {e}"),
        })?;
        Ok(Journal {
            path,
            file: Mutex::new(None),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, reason: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Appends one event and flushes it to disk before returning.
    fn append(&self, event: &Event) -> Result<(), JournalError> {
        let line = serde_json::to_string(event).map_err(|e| self.err(e))?;
        let mut file = lock(&self.file);
        if file.is_none() {
            *file = Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(|e| self.err(format!("cannot open: {e}")))?,
            );
        }
        let Some(f) = file.as_mut() else {
            return Err(self.err("not open"));
        };
        f.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| self.err(format!("cannot write: {e}")))
    }

    /// `campaign` is about to get its first start; `stop` halts it. On disk when this returns.
    pub fn started(&self, campaign: &str, stop: OperationId) -> Result<(), JournalError> {
        self.append(&Event::Started {
            campaign: campaign.to_string(),
            stop: stop.spec().qualified_name(),
        })
    }

    /// A status read showed `campaign` halted.
    pub fn halted(&self, campaign: &str) -> Result<(), JournalError> {
        self.append(&Event::Halted {
            campaign: campaign.to_string(),
        })
    }

    /// What the journal shows started and not halted since. A line that does not read is an
    /// error naming it: a journal exists to be trusted, so it is not skipped over.
    pub fn leftovers(&self) -> Result<Vec<Leftover>, JournalError> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.err(e)),
        };
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return Err(self.err(format!("not a regular file of at most {MAX_BYTES} bytes")));
        }
        let text = std::fs::read_to_string(&self.path).map_err(|e| self.err(e))?;
        let mut pending: Vec<Leftover> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = |why: String| self.err(format!("line {}: {why}", n + 1));
            match serde_json::from_str::<Event>(line).map_err(|e| at(e.to_string()))? {
                Event::Started { campaign, stop } => {
                    let campaign = CampaignId::new(campaign).map_err(|e| at(e.to_string()))?;
                    let stop = OperationId::find(&stop)
                        .ok_or_else(|| at(format!("{stop:?} is not an operation")))?;
                    if !pending.iter().any(|l| l.campaign == campaign) {
                        pending.push(Leftover { campaign, stop });
                    }
                }
                Event::Halted { campaign } => pending.retain(|l| l.campaign.as_str() != campaign),
            }
        }
        Ok(pending)
    }

    /// Removes the file when nothing in it is pending (a clean run leaves no journal behind).
    pub fn remove_if_settled(&self) -> Result<(), JournalError> {
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
