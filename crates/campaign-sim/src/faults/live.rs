//! The fault settings in force in a running simulator: replaced whole at run time
//! (`PUT /__sim/faults`), with an in-process policy asked first and a count of the requests
//! each scheduled window decided.

use super::policy::{FaultDecision, FaultPolicy, FaultRequest};
use super::rates::{Faults, FaultsError};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// One set of settings and the requests each of its windows decided.
#[derive(Debug)]
struct InForce {
    faults: Faults,
    window_hits: Vec<AtomicU64>,
}

impl InForce {
    fn new(faults: Faults) -> InForce {
        let window_hits = faults.schedule.iter().map(|_| AtomicU64::new(0)).collect();
        InForce {
            faults,
            window_hits,
        }
    }
}

/// The policies a running simulator asks, in order: the in-process one (if any), then the
/// settings in force.
pub(crate) struct LiveFaults {
    script: Option<Box<dyn FaultPolicy>>,
    /// False while the settings inject nothing: the request path then takes no lock.
    on: AtomicBool,
    current: RwLock<Arc<InForce>>,
}

impl fmt::Debug for LiveFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveFaults")
            .field("scripted", &self.script.is_some())
            .field("faults", &self.current().faults)
            .finish()
    }
}

impl LiveFaults {
    /// `faults` in force (already validated), `script` asked first.
    pub(crate) fn new(faults: Faults, script: Option<Box<dyn FaultPolicy>>) -> LiveFaults {
        LiveFaults {
            script,
            on: AtomicBool::new(!faults.is_off()),
            current: RwLock::new(Arc::new(InForce::new(faults))),
        }
    }

    fn current(&self) -> Arc<InForce> {
        // A writer only swaps an `Arc` and cannot panic halfway, so even a poisoned lock holds
        // a whole value.
        campaign_api::read_unpoisoned(&self.current).clone()
    }

    /// The decision for `request`: the in-process policy's, unless it decides nothing; then the
    /// settings in force at `request.elapsed`.
    pub(crate) fn decide(&self, request: &FaultRequest<'_>) -> FaultDecision {
        if let Some(script) = &self.script {
            let decision = script.decide(request);
            if !decision.is_none() {
                return decision;
            }
        }
        if !self.on.load(Ordering::Relaxed) {
            return FaultDecision::none();
        }
        let now = self.current();
        for i in now.faults.windows_at(request.elapsed) {
            if let Some(hits) = now.window_hits.get(i) {
                hits.fetch_add(1, Ordering::Relaxed);
            }
        }
        now.faults.decide(request)
    }

    /// True when an in-process policy is asked first.
    pub(crate) fn scripted(&self) -> bool {
        self.script.is_some()
    }

    /// The settings in force (with their schedule).
    pub(crate) fn faults(&self) -> Faults {
        self.current().faults.clone()
    }

    /// Replaces the settings, if they validate; the window counts start again from zero.
    pub(crate) fn replace(&self, faults: Faults) -> Result<(), FaultsError> {
        faults.validate()?;
        let on = !faults.is_off();
        let next = Arc::new(InForce::new(faults));
        *campaign_api::write_unpoisoned(&self.current) = next;
        self.on.store(on, Ordering::Relaxed);
        Ok(())
    }

    /// Requests the settings decided inside each window of the schedule in force, by index.
    pub(crate) fn window_hits(&self) -> Vec<u64> {
        self.current()
            .window_hits
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .collect()
    }

    /// Sets the window counts to zero.
    pub(crate) fn reset_hits(&self) {
        for h in &self.current().window_hits {
            h.store(0, Ordering::Relaxed);
        }
    }
}
