//! Honest accounting: every request sent lands in exactly one class, so
//! `sent = ok + expected + vendor errors + unavailable + transport + contract + cancelled`.
//!
//! Goose counts a request as failed on any non-2xx; that lumps "the campaign is already running"
//! (an answer the contention scenario exists to provoke) together with a reset connection. Here
//! each class is kept apart and labelled by status and vendor error code.

use campaign_api::{TransportClass, lock_unpoisoned};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// 2xx, and the body kept the contract (or was not sampled).
    Ok,
    /// A vendor error the scenario declares expected (`400 CAMPAIGN_ALREADY_RUNNING`).
    Expected(String),
    /// Any other 4xx, by status and vendor code.
    VendorError(String),
    /// 429 or 5xx: the host could not answer now.
    Unavailable(u16),
    /// A 3xx: never followed (a redirect would carry the credential to another host), never
    /// ok: the host sent the call somewhere else.
    Redirect(u16),
    /// No complete response: timeout, reset, refused, …
    Transport(TransportClass),
    /// 2xx whose body broke its operation's schema.
    Contract,
    /// Sent, but the run ended before its answer could be kept (Goose stops collecting metrics
    /// as it shuts down): counted so that `sent` matches what the host served.
    Cancelled,
}

impl Fate {
    /// The class name in reports.
    pub fn class(&self) -> &'static str {
        match self {
            Fate::Ok => "ok",
            Fate::Expected(_) => "expected",
            Fate::VendorError(_) => "vendor-error",
            Fate::Unavailable(_) => "unavailable",
            Fate::Redirect(_) => "redirect",
            Fate::Transport(_) => "transport",
            Fate::Contract => "contract",
            Fate::Cancelled => "cancelled",
        }
    }

    /// The full label: class plus status / code / transport kind.
    pub fn label(&self) -> String {
        match self {
            Fate::Ok => "ok".into(),
            Fate::Expected(l) => format!("expected {l}"),
            Fate::VendorError(l) => format!("vendor-error {l}"),
            Fate::Unavailable(s) => format!("unavailable {s}"),
            Fate::Redirect(s) => format!("redirect {s}"),
            Fate::Transport(k) => format!("transport {k}"),
            Fate::Contract => "contract".into(),
            Fate::Cancelled => "cancelled at shutdown".into(),
        }
    }

    /// True for the classes that count as a success.
    pub fn is_success(&self) -> bool {
        matches!(self, Fate::Ok | Fate::Expected(_))
    }
}

/// The vendor's error code in an error body: VoiceGenie's `error`, Kore.ai's `code`. Only a
/// code-shaped value is taken (an integer, or up to 64 letters, digits and underscores): free
/// text from a host could echo a credential into every report, and would make labels unbounded.
pub fn vendor_code(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = match (v.get("error"), v.get("code")) {
        (Some(serde_json::Value::String(s)), _) => s.clone(),
        (_, Some(serde_json::Value::Number(n))) if n.is_u64() || n.is_i64() => n.to_string(),
        (_, Some(serde_json::Value::String(s))) => s.clone(),
        _ => return None,
    };
    let code_shaped = !code.is_empty()
        && code.len() <= 64
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    code_shaped.then_some(code)
}

/// Counts by label, per operation.
#[derive(Debug, Default)]
pub struct Accounting {
    /// Operation → label → count; looked up by borrowed strings, so a request whose operation
    /// and label were seen before allocates nothing.
    counts: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
}

/// The classes of a second's counts ([`Fate::class`]) that count as success.
pub(crate) const SUCCESS_CLASSES: [&str; 2] = ["ok", "expected"];

/// How many of a second's (or a window's) requests, counted by class, succeeded.
pub(crate) fn succeeded_in(classes: &BTreeMap<String, u64>) -> u64 {
    SUCCESS_CLASSES.iter().filter_map(|c| classes.get(*c)).sum()
}

/// A copy of the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountingSnapshot {
    /// Every request sent.
    pub sent: u64,
    /// Label (`ok`, `expected 400 CAMPAIGN_ALREADY_RUNNING`, `transport timeout`, …) → count.
    pub classes: BTreeMap<String, u64>,
    /// Operation → label → count.
    pub by_operation: BTreeMap<String, BTreeMap<String, u64>>,
}

impl AccountingSnapshot {
    /// Requests in classes that count as success.
    pub fn succeeded(&self) -> u64 {
        self.classes
            .iter()
            .filter(|(k, _)| *k == "ok" || k.starts_with("expected "))
            .map(|(_, v)| v)
            .sum()
    }

    /// Adds another snapshot (merging workers).
    pub fn add(&mut self, other: &AccountingSnapshot) {
        self.sent += other.sent;
        for (k, v) in &other.classes {
            *self.classes.entry(k.clone()).or_default() += v;
        }
        for (op, labels) in &other.by_operation {
            let slot = self.by_operation.entry(op.clone()).or_default();
            for (k, v) in labels {
                *slot.entry(k.clone()).or_default() += v;
            }
        }
    }
}

impl Accounting {
    /// Counts one request of `operation`.
    pub fn record(&self, operation: &str, fate: &Fate) {
        let label: std::borrow::Cow<'_, str> = match fate {
            Fate::Ok => "ok".into(),
            other => other.label().into(),
        };
        let mut c = lock_unpoisoned(&self.counts);
        if !c.contains_key(operation) {
            c.insert(operation.to_string(), BTreeMap::new());
        }
        let Some(labels) = c.get_mut(operation) else {
            return;
        };
        match labels.get_mut(label.as_ref()) {
            Some(n) => *n += 1,
            None => {
                labels.insert(label.into_owned(), 1);
            }
        }
    }

    /// A copy of the counts.
    pub fn snapshot(&self) -> AccountingSnapshot {
        let c = lock_unpoisoned(&self.counts);
        let mut s = AccountingSnapshot::default();
        for (op, labels) in c.iter() {
            for (label, n) in labels {
                s.sent += n;
                *s.classes.entry(label.clone()).or_default() += n;
                *s.by_operation
                    .entry(op.clone())
                    .or_default()
                    .entry(label.clone())
                    .or_default() += n;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_lands_in_one_class() {
        let a = Accounting::default();
        a.record("kore voice-start-v1", &Fate::Ok);
        a.record("kore voice-start-v1", &Fate::Expected("400 4009".into()));
        a.record(
            "kore voice-stop-v1",
            &Fate::Transport(TransportClass::Reset),
        );
        a.record("kore voice-stop-v1", &Fate::Unavailable(503));
        a.record("kore voice-stop-v1", &Fate::Contract);
        let s = a.snapshot();
        assert_eq!(s.sent, 5);
        assert_eq!(s.classes.values().sum::<u64>(), s.sent);
        assert_eq!(s.succeeded(), 2);
        assert_eq!(s.classes["expected 400 4009"], 1);
        assert_eq!(s.by_operation["kore voice-stop-v1"].len(), 3);
    }

    #[test]
    fn reads_vendor_codes() {
        assert_eq!(
            vendor_code(br#"{"success":false,"error":"CAMPAIGN_ALREADY_RUNNING"}"#).as_deref(),
            Some("CAMPAIGN_ALREADY_RUNNING")
        );
        assert_eq!(
            vendor_code(br#"{"msg":"x","code":4009}"#).as_deref(),
            Some("4009")
        );
        assert_eq!(vendor_code(b"<html>"), None);
        assert_eq!(
            vendor_code(br#"{"error":"invalid key sk_live_abc"}"#),
            None,
            "free text is not a code"
        );
    }
}
