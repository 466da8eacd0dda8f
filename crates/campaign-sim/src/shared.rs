//! The state every request of a run shares: the configuration, the campaign store, the
//! counters and latencies, the fault policies and the clock, and the connection slots.
//!
//! One value behind an `Arc`, handed to the router, the connection loop and the admin routes,
//! so that `/__sim/reset` and a scrape see exactly what the request path changed.

use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::counters::{Counters, CountersSnapshot};
use crate::faults::FaultPolicy;
use crate::faults::live::LiveFaults;
use crate::state::Store;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::sync::Semaphore;

/// State shared by every request of a run.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The configuration the simulator started with (its `faults` as started: the settings in
    /// force are in `faults`).
    pub(crate) config: SimConfig,
    /// Campaigns.
    pub(crate) store: Store,
    /// Served counters.
    pub(crate) counters: Counters,
    /// How long answers took, by operation (served by `/__sim/metrics`).
    pub(crate) latency: crate::metrics::Latency,
    /// Number of the next vendor request (what a fault policy sees as `number`).
    pub(crate) sequence: AtomicU64,
    /// The fault policies in force.
    pub(crate) faults: LiveFaults,
    /// The clock scheduled windows are measured on.
    pub(crate) clock: SimClock,
    /// One permit per connection that may be open at once (`limits.max_connections`).
    pub(crate) slots: Arc<Semaphore>,
    /// Every open connection's activity (to make room for a new one when the cap is full).
    pub(crate) connections: crate::connection::Registry,
}

impl Shared {
    /// Fresh state for `config`, with `script` asked before the configured faults.
    pub(crate) fn new(config: SimConfig, script: Option<Box<dyn FaultPolicy>>) -> Shared {
        let store = Store::new(
            config.entries(),
            config.auto_provision_prefix.clone(),
            config.lifecycles.clone(),
            config.limits.max_campaigns,
        );
        let slots = Arc::new(Semaphore::new(config.limits.max_connections));
        let faults = LiveFaults::new(config.faults.clone(), script);
        Shared {
            config,
            store,
            counters: Counters::default(),
            latency: Default::default(),
            sequence: AtomicU64::new(0),
            faults,
            clock: SimClock::new(),
            slots,
            connections: crate::connection::Registry::default(),
        }
    }

    /// The counters, with the requests each scheduled window decided.
    pub(crate) fn snapshot(&self) -> CountersSnapshot {
        let mut s = self.counters.snapshot();
        s.windows = self.faults.window_hits();
        let free = self.slots.available_permits();
        s.connections.open = self.config.limits.max_connections.saturating_sub(free) as u64;
        s.campaigns.stored = self.store.len() as u64;
        s
    }
}
