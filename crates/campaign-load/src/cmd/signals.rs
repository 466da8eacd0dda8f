//! The run command's signals, handed to the run as a [`Cancel`]: Ctrl-C and SIGTERM stop the
//! run the same way, so its cleanup still runs.
//!
//! Ctrl-C is taken over from Goose (whose second press exits at once, skipping the cleanup):
//! the first stops the run, the second is answered with a message while the cleanup goes on, a
//! third aborts, naming the campaigns still under the guard (they stay in the journal for
//! `campaign-load cleanup` or the next run).

use crate::cancel::{Cancel, CancelReason};
use crate::exit::Exit;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Installs the handlers for this process; the returned task ends SIGTERM's watch when dropped
/// with [`Watch::stop`].
pub(super) fn install(cancel: &Cancel) -> Watch {
    let presses = Arc::new(AtomicUsize::new(0));
    let on_ctrl_c = cancel.clone();
    let installed = ctrlc::set_handler(move || match presses.fetch_add(1, Ordering::SeqCst) + 1 {
        1 => {
            eprintln!(
                "campaign-load: Ctrl-C: stopping the run; the campaigns it started are stopped next"
            );
            on_ctrl_c.cancel(CancelReason::Interrupt);
        }
        2 => eprintln!(
            "campaign-load: Ctrl-C again: stopping the campaigns this run started, within {} s per {} campaigns; a third Ctrl-C aborts and leaves them in the journal",
            campaign_api::CLEANUP_BOUND.as_secs(),
            campaign_api::CLEANUP_BOUND_PER
        ),
        _ => {
            let ids = on_ctrl_c.pending_ids();
            if ids.is_empty() {
                eprintln!("campaign-load: aborted; no campaign is left under the guard");
            } else {
                eprintln!(
                    "campaign-load: aborted during cleanup; these may still be running (kept in the journal under {}; `campaign-load cleanup` stops them): {}",
                    campaign_api::journal_dir().display(),
                    ids.join(", ")
                );
            }
            std::process::exit(i32::from(Exit::Interrupted.code()));
        }
    });
    if let Err(e) = installed {
        eprintln!(
            "campaign-load: warning: Ctrl-C is not taken over ({e}); a second one may skip the cleanup"
        );
    }
    // SIGTERM stops the run the way Ctrl-C does. The handler is installed here, before the run
    // prints its readiness line, not inside a spawned task.
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .ok()
        .map(|mut s| {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                s.recv().await;
                cancel.cancel(CancelReason::Terminate);
            })
        });
    #[cfg(not(unix))]
    let term = None;
    Watch { term }
}

/// SIGTERM's watch while the run lasts.
pub(super) struct Watch {
    term: Option<tokio::task::JoinHandle<()>>,
}

impl Watch {
    /// Ends the watch.
    pub(super) fn stop(self) {
        if let Some(t) = self.term {
            t.abort();
        }
    }
}
