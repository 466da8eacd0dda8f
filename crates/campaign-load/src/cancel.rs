//! Stopping a run from outside: a token the caller keeps and the run watches.
//!
//! A library that runs load must be stoppable without process globals: a second run in the same
//! process (a test, a bench) must not inherit the first one's interrupt. The binary hands the
//! token to its signal handlers; a test cancels it directly. The run ends its schedule at the
//! instant of the cancel (arrivals after it are not counted as dropped), stops Goose, and still
//! stops every campaign it started.

use campaign_api::CleanupGuard;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Why a run was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM (a container runtime stopping the pod, `kill`).
    Terminate,
    /// The caller's own reason (a test, an embedding program).
    Requested,
    /// An abort rule broke while the run lasted (see [`crate::abort`]).
    Abort,
}

impl CancelReason {
    fn code(self) -> u8 {
        match self {
            CancelReason::Interrupt => 1,
            CancelReason::Terminate => 2,
            CancelReason::Requested => 3,
            CancelReason::Abort => 4,
        }
    }

    fn of(code: u8) -> Option<CancelReason> {
        match code {
            1 => Some(CancelReason::Interrupt),
            2 => Some(CancelReason::Terminate),
            3 => Some(CancelReason::Requested),
            4 => Some(CancelReason::Abort),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// The first reason, as [`CancelReason::code`]; 0 while not cancelled.
    reason: AtomicU8,
    /// When the first cancel came.
    at: OnceLock<Instant>,
    notify: Notify,
    /// The cleanup guard of the run in progress, for a last word on abort (which campaigns are
    /// still under it). Weak: the run owns its guard.
    guard: Mutex<Weak<CleanupGuard>>,
}

/// A cancellation token: cheap to clone, every clone cancels the same run.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

impl Cancel {
    /// A token nobody has cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels; the first reason and instant are kept, later calls change nothing.
    pub fn cancel(&self, reason: CancelReason) {
        let first = self
            .inner
            .reason
            .compare_exchange(0, reason.code(), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if first {
            let _ = self.inner.at.set(Instant::now());
            self.inner.notify.notify_waiters();
        }
    }

    /// Why, once cancelled.
    pub fn reason(&self) -> Option<CancelReason> {
        CancelReason::of(self.inner.reason.load(Ordering::SeqCst))
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.reason().is_some()
    }

    /// When the first cancel came.
    pub(crate) fn at(&self) -> Option<Instant> {
        self.inner.at.get().copied()
    }

    /// Resolves once cancelled (at once if already).
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// Notes the guard of the run in progress.
    pub(crate) fn watch_guard(&self, guard: &Arc<CleanupGuard>) {
        if let Ok(mut g) = self.inner.guard.lock() {
            *g = Arc::downgrade(guard);
        }
    }

    /// The campaigns still under the running guard, if a run is in progress.
    pub fn pending_ids(&self) -> Vec<String> {
        self.inner
            .guard
            .lock()
            .ok()
            .and_then(|g| g.upgrade())
            .map(|g| g.pending_ids())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_stands_and_every_waiter_wakes() {
        let cancel = Cancel::new();
        assert!(!cancel.is_cancelled());
        let waiter = tokio::spawn({
            let c = cancel.clone();
            async move { c.cancelled().await }
        });
        cancel.cancel(CancelReason::Terminate);
        cancel.cancel(CancelReason::Interrupt);
        tokio::time::timeout(std::time::Duration::from_secs(60), waiter)
            .await
            .expect("the waiter woke")
            .expect("joined");
        assert_eq!(cancel.reason(), Some(CancelReason::Terminate));
        assert!(cancel.at().is_some());
        // Already cancelled: resolves at once.
        cancel.cancelled().await;
    }

    #[test]
    fn two_tokens_are_independent() {
        let a = Cancel::new();
        let b = Cancel::new();
        a.cancel(CancelReason::Requested);
        assert!(a.is_cancelled());
        assert!(!b.is_cancelled());
    }
}
