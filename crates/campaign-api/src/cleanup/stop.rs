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
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Campaigns stopped at once.
const CONCURRENT_STOPS: usize = 32;

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
    pub(super) target: Target,
    pub(super) stop: OperationId,
    pub(super) lifecycle: Arc<Lifecycle>,
    pub(super) campaign: CampaignId,
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
    }
}

/// Stops every campaign in `pending`, [`CONCURRENT_STOPS`] at a time, within `bound` in all;
/// one result per campaign, in vendor and id order. A campaign not confirmed within the bound is
/// reported as such.
pub(super) async fn stop_all(
    client: &Client,
    pending: Vec<Started>,
    bound: Duration,
) -> Vec<Stopped> {
    let gate = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_STOPS));
    let mut tasks = tokio::task::JoinSet::new();
    let mut unfinished: BTreeMap<(Vendor, String), ()> = BTreeMap::new();
    for s in pending {
        unfinished.insert((s.target.vendor, s.campaign.to_string()), ());
        let (client, gate) = (client.clone(), Arc::clone(&gate));
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            stop_one(&client, &s).await
        });
    }
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + bound;
    while !tasks.is_empty() {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(stopped))) => {
                unfinished.remove(&(stopped.vendor, stopped.campaign.clone()));
                out.push(stopped);
            }
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => break,
        }
    }
    tasks.abort_all();
    for ((vendor, campaign), ()) in unfinished {
        out.push(Stopped {
            line: format!(
                "{vendor} {campaign}: not confirmed halted within the cleanup bound of {}s -- CHECK IT BY HAND",
                bound.as_secs()
            ),
            vendor,
            campaign,
            halted: false,
            calls: 0,
        });
    }
    out.sort_by(|a, b| (a.vendor, &a.campaign).cmp(&(b.vendor, &b.campaign)));
    out
}
