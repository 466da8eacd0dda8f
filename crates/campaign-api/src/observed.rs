//! What a host answered where the vendor documents nothing, recorded so that later runs hold
//! the host to it.
//!
//! The vendors document the happy path; what a refused start, a stop of a stopped campaign or
//! an unknown campaign looks like is our assumption. `campaign-contract check --record` writes
//! what one host actually answered in those places to `schemas/hosts/<vendor>-<host>.toml`.
//! After review (the file is committed, and reviewed like a snapshot), its answers are the
//! *observed* grade of expectation for that host: the contract suite holds the host to them, and
//! `campaign-sim --host-profile FILE` plays them back to impersonate the host.
//!
//! ```
//! use campaign_api::{HostRecord, ObservedAnswer};
//! let record = HostRecord {
//!     vendor: "kore".into(),
//!     host: "sandbox.example:443".into(),
//!     answers: vec![ObservedAnswer {
//!         operation: "kore voice-stop-v1".into(),
//!         step: "stop when Stopped".into(),
//!         rule: Some(["Stopped".into(), "stop".into()]),
//!         assumed: "400 kore/error.400.json".into(),
//!         status: 200,
//!         body: Some(r#"{"message":"Campaign is not running","status":"Stopped"}"#.into()),
//!     }],
//! };
//! let text = record.to_toml();
//! let again = HostRecord::parse(&text, std::path::Path::new("kore.toml")).unwrap();
//! assert_eq!(again, record);
//! use campaign_api::OperationId;
//! assert_eq!(again.find(OperationId::KoreVoiceStopV1, "stop when Stopped").unwrap().status, 200);
//! // The v2 stop of the same channel meets the same answer; a start does not.
//! assert!(again.find(OperationId::KoreVoiceStopV2, "stop when Stopped").is_some());
//! assert!(again.find(OperationId::KoreVoiceStartV1, "stop when Stopped").is_none());
//! ```

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The largest host record read: a few dozen answers take a few kilobytes.
pub const MAX_HOST_RECORD_BYTES: u64 = 1024 * 1024;

/// One host's recorded answers, for one vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRecord {
    /// `kore` or `voicegenie`.
    pub vendor: String,
    /// The host it was recorded against (`host:port`), for the reader.
    pub host: String,
    /// Every answer recorded, in the order the suite met them.
    #[serde(default, rename = "answer")]
    pub answers: Vec<ObservedAnswer>,
}

/// What the host answered to one step the vendor does not document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedAnswer {
    /// Qualified operation name (`kore voice-stop-v1`).
    pub operation: String,
    /// The suite's step (`stop when Stopped`, `unknown campaign`, `missing credentials`, …).
    pub step: String,
    /// For a lifecycle step, its rule: `[state, action]` (what the simulator matches on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<[String; 2]>,
    /// What we assumed there (`400 kore/error.400.json`), for the reader.
    pub assumed: String,
    /// The status the host answered.
    pub status: u16,
    /// The JSON body it answered (compact, credentials removed); absent when it was not JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl ObservedAnswer {
    /// The recorded body, parsed (checked to be JSON when the file was read).
    pub fn body_json(&self) -> Option<serde_json::Value> {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
    }
}

/// A host record that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ObservedError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, and where (line, entry).
    pub reason: String,
}

impl HostRecord {
    /// The file name for `vendor` at `host` (`kore-sandbox.example-443.toml`).
    pub fn file_name(vendor: &str, host: &str) -> String {
        format!("{vendor}-{}.toml", crate::target::host_slug(host))
    }

    /// Reads a record; `Ok(None)` when there is no such file. Only a regular file of at most
    /// 1 MiB is read (a FIFO or a device would hang or never end).
    pub fn load(path: &Path) -> Result<Option<HostRecord>, ObservedError> {
        let err = |reason: String| ObservedError {
            path: path.to_path_buf(),
            reason,
        };
        let text = match crate::input_file::read_capped(path, MAX_HOST_RECORD_BYTES, "host record")
        {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(err(e.problem.to_string())),
        };
        HostRecord::parse(&text, path).map(Some)
    }

    /// Parses a record, checking every body is JSON and every status a status.
    pub fn parse(text: &str, path: &Path) -> Result<HostRecord, ObservedError> {
        let err = |reason: String| ObservedError {
            path: path.to_path_buf(),
            reason,
        };
        let record: HostRecord = toml::from_str(text).map_err(|e| {
            // toml quotes the offending line; a pathological one is cut.
            let shown: String = e.to_string().chars().take(600).collect();
            err(shown)
        })?;
        if !matches!(record.vendor.as_str(), "kore" | "voicegenie") {
            return Err(err(format!(
                "vendor {:?} is not kore or voicegenie",
                record.vendor
            )));
        }
        for (i, a) in record.answers.iter().enumerate() {
            let at = format!("[[answer]] #{} ({} / {})", i + 1, a.operation, a.step);
            if !(100..=599).contains(&a.status) {
                return Err(err(format!(
                    "{at}: status {} is not an HTTP status",
                    a.status
                )));
            }
            if let Some(body) = &a.body
                && let Err(e) = serde_json::from_str::<serde_json::Value>(body)
            {
                return Err(err(format!("{at}: body is not JSON: {e}")));
            }
            if record.answers[..i]
                .iter()
                .any(|b| b.operation == a.operation && b.step == a.step)
            {
                return Err(err(format!("{at}: recorded twice")));
            }
            match crate::OperationId::find(&a.operation) {
                Some(op) if op.spec().vendor.slug() == record.vendor => {}
                _ => {
                    return Err(err(format!(
                        "{at}: operation is not one of {}'s",
                        record.vendor
                    )));
                }
            }
        }
        Ok(record)
    }

    /// The answer recorded for `op` at `step`: the one recorded for `op` itself, else one
    /// recorded for another version of the same call (same action and channel: the suite
    /// rotates v1 and v2, so a later run may meet the step through the other version).
    pub fn find(&self, op: crate::OperationId, step: &str) -> Option<&ObservedAnswer> {
        self.find_where(op, |a| a.step == step)
    }

    /// The first answer `keep` accepts that was recorded for `op` itself, else for another
    /// version of the same call (same vendor, action and channel).
    pub fn find_where(
        &self,
        op: crate::OperationId,
        keep: impl Fn(&ObservedAnswer) -> bool,
    ) -> Option<&ObservedAnswer> {
        let spec = op.spec();
        let same_call = |a: &&ObservedAnswer| {
            crate::OperationId::find(&a.operation).is_some_and(|o| {
                let s = o.spec();
                s.vendor == spec.vendor && s.action == spec.action && s.channel == spec.channel
            })
        };
        let kept = || self.answers.iter().filter(|a| keep(a));
        kept()
            .find(|a| a.operation == spec.qualified_name())
            .or_else(|| kept().find(same_call))
    }

    /// The file's text: a header saying what it is, then one `[[answer]]` per step, one field
    /// per line, so a change reads as a small diff.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# What {} answered where the {} docs are silent, recorded by\n\
             # `campaign-contract check --record`. Later runs hold this host to these answers\n\
             # (grade: observed); `campaign-sim --host-profile` plays them back. Review changes\n\
             # like a snapshot.\n\n{body}",
            self.host, self.vendor
        )
    }
}
