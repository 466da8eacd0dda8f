//! Requests served, by route and status: the ground truth tests and benchmarks compare against.
//!
//! A fixed grid of atomics, so counting costs one relaxed increment and no lock. Injected
//! faults are counted beside it, by kind, so a test or a load run can tell how many answers a
//! fault shaped (and not only what status they ended with). So are the guards' doings: connections
//! refused or closed on a timeout, and requests refused for an over-long id or a full store.

use campaign_api::OperationId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Statuses counted in their own column; anything else lands in `other`.
const STATUSES: [u16; 12] = [200, 400, 401, 404, 405, 408, 413, 422, 429, 500, 503, 0];
const COLUMNS: usize = STATUSES.len() + 1;
const ROWS: usize = OperationId::ALL.len() + 1;

/// Status used for a connection dropped on purpose (no HTTP status was sent).
pub(crate) const DROPPED: u16 = 0;

/// Kinds of injected fault counted: `delayed` (any added latency) and each
/// [`Fault::kind`](crate::faults::Fault::kind).
pub const INJECTED: [&str; 7] = [
    "delayed",
    "dropped",
    "instead",
    "after_applying",
    "reads",
    "malformed",
    "wrong_content_type",
];

/// What the guards of [`Limits`](crate::config::Limits) did, counted one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// A connection accepted.
    Accepted,
    /// A connection closed at once, unanswered: `max_connections` were open.
    Refused,
    /// A connection closed because a request head did not arrive within `header_timeout`.
    HeaderTimeout,
    /// A request body that did not arrive within `header_timeout` of its head (answered 408).
    BodyTimeout,
    /// A kept-alive connection closed after `idle_timeout` with no request.
    IdleTimeout,
    /// A request refused because its campaign id is longer than `max_id_bytes`.
    IdTooLong,
    /// A start refused because `max_campaigns` are held.
    StoreFull,
    /// A connection closed to make room: it had waited longest for a request head when
    /// `max_connections` were open and a new one came.
    Evicted,
    /// A TLS handshake that failed (not TLS, an alert from the client, a bad record); the
    /// connection is closed.
    TlsHandshakeFailed,
}

const GUARDS: usize = 9;

impl Guard {
    fn index(self) -> usize {
        self as usize
    }
}

/// Connections: open now, and what became of the others since start or reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ConnectionCounts {
    /// Open now (a gauge: a reset leaves it alone).
    pub open: u64,
    /// Accepted and served.
    pub accepted: u64,
    /// Closed at once, unanswered, because `max_connections` were open.
    pub refused: u64,
    /// Closed because a request head did not arrive within the header timeout.
    pub header_timeouts: u64,
    /// Requests whose body did not arrive within the header timeout after the head (408).
    pub body_timeouts: u64,
    /// Kept-alive connections closed after the idle timeout.
    pub idle_timeouts: u64,
    /// Connections closed to make room for a new one: each had waited longest, without sending
    /// a request head, when `max_connections` were open.
    #[serde(default)]
    pub evicted: u64,
    /// TLS connections whose handshake failed (a plain-HTTP client on the HTTPS port, a client
    /// that does not trust the certificate). One whose handshake outlives the header timeout is
    /// counted in `header_timeouts` instead.
    #[serde(default)]
    pub tls_handshake_failures: u64,
}

/// Campaigns: held now, and requests refused to keep the store bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CampaignCounts {
    /// Held now, configured ones included (a gauge: a reset brings it back to the seed).
    pub stored: u64,
    /// Requests refused (400) because the campaign id is longer than `max_id_bytes`.
    pub id_too_long: u64,
    /// Starts refused (503) because `max_campaigns` are held.
    pub store_full: u64,
}

/// The counter grid.
#[derive(Debug)]
pub(crate) struct Counters {
    grid: [[AtomicU64; COLUMNS]; ROWS],
    injected: [AtomicU64; INJECTED.len()],
    guards: [AtomicU64; GUARDS],
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            grid: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            injected: std::array::from_fn(|_| AtomicU64::new(0)),
            guards: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// A snapshot, as `/__sim/counters` serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CountersSnapshot {
    /// Every request answered (or dropped) on a vendor route or an unmatched path.
    pub total: u64,
    /// `"kore voice-start-v1"` (or `"unmatched"`) → status (`"dropped"` for dropped) → count.
    pub routes: BTreeMap<String, BTreeMap<String, u64>>,
    /// Faults that took effect, by kind ([`INJECTED`]); kinds never injected are absent.
    #[serde(default)]
    pub injected: BTreeMap<String, u64>,
    /// Requests the fault settings decided inside each window of the schedule in force, by the
    /// window's index (a request inside two windows counts in both).
    #[serde(default)]
    pub windows: Vec<u64>,
    /// Connections open, refused and closed on a timeout.
    #[serde(default)]
    pub connections: ConnectionCounts,
    /// Campaigns held, and requests refused to keep them bounded.
    #[serde(default)]
    pub campaigns: CampaignCounts,
}

impl CountersSnapshot {
    /// Requests to `route` answered with `status` (`"200"`, `"dropped"`, …).
    pub fn get(&self, route: &str, status: &str) -> u64 {
        self.routes
            .get(route)
            .and_then(|r| r.get(status))
            .copied()
            .unwrap_or(0)
    }

    /// Faults of `kind` injected (`"delayed"`, `"instead"`, …).
    pub fn injected(&self, kind: &str) -> u64 {
        self.injected.get(kind).copied().unwrap_or(0)
    }
}

impl Counters {
    /// Counts one request. `op` is `None` for paths no operation matches.
    pub(crate) fn record(&self, op: Option<OperationId>, status: u16) {
        let row = op.map_or(ROWS - 1, |o| o as usize);
        let col = STATUSES
            .iter()
            .position(|s| *s == status)
            .unwrap_or(COLUMNS - 1);
        self.grid[row][col].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one injected fault of `kind` (one of [`INJECTED`]; others are not counted).
    pub(crate) fn inject(&self, kind: &str) {
        if let Some(i) = INJECTED.iter().position(|k| *k == kind) {
            self.injected[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one doing of a guard.
    pub(crate) fn guard(&self, what: Guard) {
        self.guards[what.index()].fetch_add(1, Ordering::Relaxed);
    }

    fn guarded(&self, what: Guard) -> u64 {
        self.guards[what.index()].load(Ordering::Relaxed)
    }

    /// Sets every counter to zero.
    pub(crate) fn reset(&self) {
        for c in &self.guards {
            c.store(0, Ordering::Relaxed);
        }
        for row in &self.grid {
            for c in row {
                c.store(0, Ordering::Relaxed);
            }
        }
        for c in &self.injected {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// A copy of the non-zero counters (`windows` is left empty: the fault settings fill it; the
    /// gauges `connections.open` and `campaigns.stored` are zero: the server and the store fill
    /// them).
    pub(crate) fn snapshot(&self) -> CountersSnapshot {
        let mut routes = BTreeMap::new();
        let mut total = 0;
        for (r, row) in self.grid.iter().enumerate() {
            let name = OperationId::ALL
                .get(r)
                .map_or_else(|| "unmatched".to_string(), |o| o.to_string());
            for (c, cell) in row.iter().enumerate() {
                let n = cell.load(Ordering::Relaxed);
                if n == 0 {
                    continue;
                }
                total += n;
                let status = match STATUSES.get(c) {
                    Some(&DROPPED) => "dropped".to_string(),
                    Some(s) => s.to_string(),
                    None => "other".to_string(),
                };
                routes
                    .entry(name.clone())
                    .or_insert_with(BTreeMap::new)
                    .insert(status, n);
            }
        }
        let injected = INJECTED
            .iter()
            .zip(&self.injected)
            .map(|(k, c)| (k.to_string(), c.load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect();
        CountersSnapshot {
            total,
            routes,
            injected,
            windows: Vec::new(),
            connections: ConnectionCounts {
                open: 0,
                accepted: self.guarded(Guard::Accepted),
                refused: self.guarded(Guard::Refused),
                header_timeouts: self.guarded(Guard::HeaderTimeout),
                body_timeouts: self.guarded(Guard::BodyTimeout),
                idle_timeouts: self.guarded(Guard::IdleTimeout),
                evicted: self.guarded(Guard::Evicted),
                tls_handshake_failures: self.guarded(Guard::TlsHandshakeFailed),
            },
            campaigns: CampaignCounts {
                stored: 0,
                id_too_long: self.guarded(Guard::IdTooLong),
                store_full: self.guarded(Guard::StoreFull),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::{Answer, Fault};

    #[test]
    fn every_fault_kind_has_a_counter() {
        let c = Counters::default();
        let faults = [
            Fault::Drop,
            Fault::Instead(Answer::injected(503)),
            Fault::AfterApplying(Answer::injected(503)),
            Fault::Reads("Preparing".into()),
            Fault::Malformed,
            Fault::WrongContentType,
        ];
        for f in &faults {
            c.inject(f.kind());
        }
        c.inject("delayed");
        let s = c.snapshot();
        assert_eq!(s.injected.len(), INJECTED.len(), "{s:?}");
        assert!(s.injected.values().all(|n| *n == 1), "{s:?}");
        c.reset();
        assert!(c.snapshot().injected.is_empty());
    }
}
