//! Stopping campaigns and confirming it: the one definition of "stopped" (a status read shows
//! the campaign halted, whatever the stop answered), shared by the end of a run, the recovery of
//! an earlier run's leftovers and the guard's drop. Kept apart from the guard's bookkeeping
//! (what is held, what is journaled) so each can be read alone.

use crate::CampaignId;
use crate::class::is_unavailable_status;
use crate::client::Client;
use crate::lifecycle_rules::{Lifecycle, StateRead};
use crate::operation::OperationId;
use crate::target::Target;
use crate::vendor::{Action, Vendor};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Campaigns stopped at once: each takes a stop and a status read, so this many campaigns are
/// some 32 requests in flight, no more than a load run's users send.
pub const CONCURRENT_STOPS: usize = 32;

/// Results are handed on (to the journal, and as progress) at least this often while stopping,
/// so a cleanup killed half-way keeps what it confirmed.
const REPORT_EVERY: Duration = Duration::from_secs(1);
/// …and at least every this many results.
const REPORT_BATCH: usize = 500;

/// One status read outside any recorded step (no retry): what `campaign`'s state is.
pub async fn read_state(
    client: &Client,
    target: &Target,
    lifecycle: &Lifecycle,
    campaign: &str,
) -> StateRead {
    let Some(op) =
        OperationId::of_vendor(target.vendor).find(|op| op.spec().action == Action::Status)
    else {
        return StateRead::Lost;
    };
    match client.call(target, op, campaign).await {
        Ok(x) => StateRead::from_answer(lifecycle, x.status.as_u16(), &x.body),
        Err(_) => StateRead::Lost,
    }
}

/// One campaign that may be dialing because of the run.
pub(super) struct Started {
    /// Shared by every campaign of one host that came back from a journal together: 200,000
    /// leftovers hold one target, not 200,000 copies.
    pub(super) target: Arc<Target>,
    pub(super) stop: OperationId,
    pub(super) lifecycle: Arc<Lifecycle>,
    pub(super) campaign: CampaignId,
    /// Starts about to be sent to it since it came under the guard (one per
    /// [`started`](super::CleanupGuard::started) call).
    pub(super) starts: usize,
    /// Of those, starts that failed before any byte reached the host
    /// ([`start_not_sent`](super::CleanupGuard::start_not_sent)).
    pub(super) not_sent: usize,
}

impl Started {
    /// True when every start noted for it failed before reaching the host: nothing of this run
    /// can have started it, so there is nothing to stop. A leftover of an earlier run (no start
    /// noted in this one) is never taken for one.
    pub(super) fn never_sent(&self) -> bool {
        self.starts > 0 && self.not_sent >= self.starts
    }

    /// The result for a campaign no start reached: not stopped, nothing sent.
    pub(super) fn never_started(&self) -> Stopped {
        Stopped {
            vendor: self.target.vendor,
            campaign: self.campaign.to_string(),
            line: format!(
                "{} {}: never started: no start reached the host",
                self.target.vendor, self.campaign
            ),
            halted: true,
            calls: 0,
            never_started: true,
        }
    }
}

/// What stopping one campaign came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// Whose campaign.
    pub vendor: Vendor,
    /// Its id.
    pub campaign: String,
    /// `kore demo-voice: kore voice-stop-v1 answered 200; reads halted`.
    pub line: String,
    /// True when a status read confirmed the campaign halted; false when it may still be
    /// dialing and someone must look at it by hand.
    pub halted: bool,
    /// Requests sent to stop and confirm it (stops, retries and the status read).
    pub calls: usize,
    /// True when no start to it ever reached the host (each failed to connect, or in the TLS
    /// handshake, see [`CleanupGuard::start_not_sent`](super::CleanupGuard::start_not_sent)): it
    /// was not stopped, and counts as halted, since nothing of the run can have started it.
    pub never_started: bool,
}

/// Waits between stop attempts that met a 429 or 5xx.
const RETRY_WAIT: Duration = Duration::from_millis(500);
/// Stop attempts, and confirming reads, per campaign.
const STOP_ATTEMPTS: u32 = 4;

async fn stop_one(client: &Client, s: &Started) -> Stopped {
    let label = format!("{} {}", s.target.vendor, s.campaign);
    // A stop that meets a 5xx or 429 is retried a few times: leaving a campaign dialing is the
    // one outcome a run must avoid.
    let mut answer = String::new();
    let mut calls = 0;
    for attempt in 1..=STOP_ATTEMPTS {
        calls += 1;
        match client.call(&s.target, s.stop, s.campaign.as_str()).await {
            Ok(x) if is_unavailable_status(x.status.as_u16()) && attempt < STOP_ATTEMPTS => {
                answer = format!("{} answered {}", s.stop, x.status.as_u16());
            }
            Ok(x) => {
                answer = format!("{} answered {}", s.stop, x.status.as_u16());
                break;
            }
            Err(e) => answer = format!("{} failed: {e}", s.stop),
        }
        tokio::time::sleep(RETRY_WAIT * attempt).await;
    }
    // Whatever the stop answered, only a status read tells whether the campaign is halted. A read
    // that gets no usable answer, or shows an in-between value, is tried again a few times: a
    // noisy host or a read that lags the stop must not turn a halted campaign into a false alarm.
    let mut read = StateRead::Lost;
    for attempt in 1..=STOP_ATTEMPTS {
        calls += 1;
        read = read_state(client, &s.target, &s.lifecycle, s.campaign.as_str()).await;
        let settled = matches!(
            read,
            StateRead::In(_) | StateRead::Unknown(_) | StateRead::NotFound
        );
        if settled || attempt == STOP_ATTEMPTS {
            break;
        }
        tokio::time::sleep(RETRY_WAIT * attempt).await;
    }
    if matches!(read, StateRead::NotFound) {
        // The host does not know the campaign (404 on its status read): nothing of it dials.
        return Stopped {
            vendor: s.target.vendor,
            campaign: s.campaign.to_string(),
            line: format!("{label}: {answer}; the host does not know it (404): nothing to stop"),
            halted: true,
            calls,
            never_started: false,
        };
    }
    let (line, halted) = match read.state().map(|st| s.lifecycle.state(st).dialing) {
        Some(false) => (format!("{label}: {answer}; reads halted"), true),
        Some(true) => (
            format!("{label}: {answer}; STILL DIALING -- STOP IT BY HAND"),
            false,
        ),
        None => (
            format!(
                "{label}: {answer}; state not confirmed ({}) -- CHECK IT BY HAND",
                read.describe()
            ),
            false,
        ),
    };
    Stopped {
        vendor: s.target.vendor,
        campaign: s.campaign.to_string(),
        line,
        halted,
        calls,
        never_started: false,
    }
}

/// How far a cleanup has come, handed to [`stop_all`]'s caller as results come in.
pub(super) struct Batch<'a> {
    /// Results since the last batch.
    pub fresh: &'a [Stopped],
    /// Campaigns done so far (confirmed or not), of `total`.
    pub done: usize,
    /// Campaigns to stop in all.
    pub total: usize,
    /// Since the stopping began.
    pub elapsed: Duration,
}

/// Stops every campaign in `pending`, [`CONCURRENT_STOPS`] at a time, within `bound` in all;
/// one result per campaign, in vendor and id order. A campaign not confirmed within the bound is
/// reported as such. `report` gets the results as they come, in batches (at least every
/// [`REPORT_EVERY`] while any come, and once at the end): the journal is written as the cleanup
/// goes, not only at its end.
///
/// Only [`CONCURRENT_STOPS`] tasks exist at a time (the next campaign is taken as one ends):
/// 200,000 leftovers are 32 tasks and a queue, not 200,000 tasks.
pub(super) async fn stop_all(
    client: &Client,
    pending: Vec<Started>,
    bound: Duration,
    report: &mut (dyn FnMut(Batch<'_>) + Send),
) -> Vec<Stopped> {
    let total = pending.len();
    let began = tokio::time::Instant::now();
    let deadline = began + bound;
    let mut queue = pending.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    // The campaign each running task stops, by task: a task that panics or is cut off at the
    // bound is still reported by name.
    let mut running: HashMap<tokio::task::Id, (Vendor, String)> = HashMap::new();
    let spawn_next = |tasks: &mut tokio::task::JoinSet<Stopped>,
                      running: &mut HashMap<tokio::task::Id, (Vendor, String)>,
                      queue: &mut std::vec::IntoIter<Started>| {
        if let Some(s) = queue.next() {
            let name = (s.target.vendor, s.campaign.to_string());
            let client = client.clone();
            let id = tasks.spawn(async move { stop_one(&client, &s).await }).id();
            running.insert(id, name);
        }
    };
    for _ in 0..CONCURRENT_STOPS {
        spawn_next(&mut tasks, &mut running, &mut queue);
    }
    let mut out: Vec<Stopped> = Vec::with_capacity(total);
    let mut reported = 0;
    let mut tick = tokio::time::interval_at(began + REPORT_EVERY, REPORT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut flush = |out: &[Stopped], reported: &mut usize| {
        report(Batch {
            fresh: &out[*reported..],
            done: out.len(),
            total,
            elapsed: began.elapsed(),
        });
        *reported = out.len();
    };
    while !tasks.is_empty() {
        tokio::select! {
            joined = tasks.join_next_with_id() => {
                let Some(joined) = joined else { break };
                match joined {
                    Ok((id, stopped)) => {
                        running.remove(&id);
                        out.push(stopped);
                    }
                    Err(e) => {
                        if let Some((vendor, campaign)) = running.remove(&e.id()) {
                            out.push(Stopped {
                                line: format!(
                                    "{vendor} {campaign}: the stopping task failed ({e}) -- CHECK IT BY HAND"
                                ),
                                vendor,
                                campaign,
                                halted: false,
                                calls: 0,
                                never_started: false,
                            });
                        }
                    }
                }
                spawn_next(&mut tasks, &mut running, &mut queue);
                if out.len() - reported >= REPORT_BATCH {
                    flush(&out, &mut reported);
                }
            }
            _ = tick.tick() => flush(&out, &mut reported),
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    tasks.abort_all();
    let unfinished = running
        .into_values()
        .chain(queue.map(|s| (s.target.vendor, s.campaign.to_string())));
    for (vendor, campaign) in unfinished {
        out.push(Stopped {
            line: format!(
                "{vendor} {campaign}: not confirmed halted within the cleanup bound of {}s -- CHECK IT BY HAND",
                bound.as_secs()
            ),
            vendor,
            campaign,
            halted: false,
            calls: 0,
            never_started: false,
        });
    }
    flush(&out, &mut reported);
    out.sort_by(|a, b| (a.vendor, &a.campaign).cmp(&(b.vendor, &b.campaign)));
    out
}
