//! What a run does beside its users while it lasts: a tick that judges the abort rules on their
//! windows and prints the progress line when one is due. One task, so the two read the same
//! seconds of the same recorder.

use super::step::Shared;
use crate::abort::AbortRules;
use crate::cancel::{Cancel, CancelReason};
use crate::progress::{Now, Progress};
use crate::summary::Aborted;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

/// How often the abort rules are judged: an abort comes at most this long after its rule broke.
const TICK: Duration = Duration::from_millis(250);

/// Watches the run until it ends (the caller aborts this task) or an abort rule breaks: then
/// the run is cancelled with [`CancelReason::Abort`] (its attack stops, and its cleanup runs as
/// on Ctrl-C) and the broken rule is returned.
pub(super) async fn watch(
    shared: Arc<Shared>,
    aborts: AbortRules,
    progress: Option<(Progress, Duration)>,
    cancel: Cancel,
) -> Option<Aborted> {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_line: Option<Instant> = None;
    loop {
        tick.tick().await;
        if cancel.is_cancelled() {
            return None;
        }
        let now = Instant::now();
        if let Some(a) = aborts.check(&shared.recorder, now) {
            if let Some((p, _)) = &progress {
                p.finish();
            }
            eprintln!(
                "campaign-load: ABORT: {} broke at {:.1} s ({} over the last {} s): stopping the attack; the cleanup still runs",
                a.rule, a.at_secs, a.observed, a.window_secs
            );
            cancel.cancel(CancelReason::Abort);
            return Some(a);
        }
        let Some((p, every)) = &progress else {
            continue;
        };
        // Lines count from the run's zero (an open model's schedule start, once users are ready).
        let Some(zero) = shared.recorder.zero() else {
            continue;
        };
        let due = *next_line.get_or_insert(zero + *every);
        if now < due {
            continue;
        }
        next_line = Some(due + *every);
        if let Some(w) = shared.recorder.window(now, *every, false) {
            let counts = Now {
                in_flight: shared.in_flight.load(Ordering::Relaxed),
                went: shared.pacer.as_ref().map_or(0, crate::pacing::Pacer::went),
            };
            p.print(&p.line(&w, counts));
        }
    }
}
