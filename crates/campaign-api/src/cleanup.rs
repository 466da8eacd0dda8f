//! The one cleanup guard: every campaign a run may have started is stopped again (VoiceGenie:
//! paused), and the stop is confirmed by a status read.
//!
//! A campaign goes under the guard *before* its start is sent (a start whose answer is lost may
//! still have started it) and leaves it only when a status read shows it halted. Whatever is left
//! is stopped by [`CleanupGuard::finish_pending`] or, if the run panics, on drop from a thread of
//! its own. The contract suite and the load runner both use it: "stopped" means the same thing
//! in a drift report and in a load summary.
//!
//! Only a status read says a campaign is halted: a stop's answer does not (an error body we
//! merely assumed for "not running" proves nothing on a host we did not write).

use crate::class::is_unavailable_status;
use crate::client::Client;
use crate::lifecycle::{Lifecycle, StateRead};
use crate::operation::OperationId;
use crate::sync::lock;
use crate::target::Target;
use crate::vendor::{Action, Vendor};
use crate::{CampaignId, CampaignIdError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
struct Started {
    target: Target,
    stop: OperationId,
    lifecycle: Arc<Lifecycle>,
    campaign: CampaignId,
}

/// What stopping one campaign came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// `kore demo-voice: kore voice-stop-v1 answered 200; reads halted`.
    pub line: String,
    /// True when a status read confirmed the campaign halted; false when it may still be
    /// dialing and someone must look at it by hand.
    pub halted: bool,
    /// Requests sent to stop and confirm it (stops, retries and the status read).
    pub calls: usize,
}

/// Stops every campaign the run may have started and has not seen halted since.
pub struct CleanupGuard {
    client: Client,
    /// Shown in the lines printed when the guard stops campaigns on drop.
    owner: &'static str,
    /// By vendor, then campaign id: a load run notes every start on its hot path, so the lookup
    /// of a campaign already held takes the id as it comes (`&str`), allocating nothing.
    started: Arc<Mutex<BTreeMap<Vendor, BTreeMap<String, Started>>>>,
}

impl std::fmt::Debug for CleanupGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanupGuard")
            .field("owner", &self.owner)
            .field(
                "pending",
                &lock(&self.started)
                    .values()
                    .map(BTreeMap::len)
                    .sum::<usize>(),
            )
            .finish()
    }
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
    match read.state().map(|st| s.lifecycle.state(st).dialing) {
        Some(false) => Stopped {
            line: format!("{label}: {answer}; reads halted"),
            halted: true,
            calls,
        },
        Some(true) => Stopped {
            line: format!("{label}: {answer}; STILL DIALING -- STOP IT BY HAND"),
            halted: false,
            calls,
        },
        None => Stopped {
            line: format!(
                "{label}: {answer}; state not confirmed ({}) -- CHECK IT BY HAND",
                read.describe()
            ),
            halted: false,
            calls,
        },
    }
}

async fn stop_all(client: &Client, pending: Vec<Started>) -> Vec<Stopped> {
    let mut out = Vec::new();
    for s in &pending {
        out.push(stop_one(client, s).await);
    }
    out
}

impl CleanupGuard {
    /// A guard stopping through `client`; `owner` (`campaign-contract`, `campaign-load`) names
    /// the tool in what the guard prints if it has to stop campaigns on drop.
    pub fn new(client: Client, owner: &'static str) -> CleanupGuard {
        CleanupGuard {
            client,
            owner,
            started: Arc::new(Mutex::new(BTreeMap::new())),
        }
    }

    /// The campaign may be dialing from now on; `stop` halts it. Call it before the start is
    /// sent. A campaign already under the guard stays there once; a new one is checked as a
    /// campaign id before it is taken (a load run passes the ids it renders, the suite ids it
    /// checked at start).
    pub fn started(
        &self,
        target: &Target,
        stop: OperationId,
        lifecycle: &Arc<Lifecycle>,
        campaign: &str,
    ) -> Result<(), CampaignIdError> {
        let mut held = lock(&self.started);
        let of_vendor = held.entry(target.vendor).or_default();
        if !of_vendor.contains_key(campaign) {
            let id = CampaignId::new(campaign)?;
            of_vendor.insert(
                campaign.to_string(),
                Started {
                    target: target.clone(),
                    stop,
                    lifecycle: Arc::clone(lifecycle),
                    campaign: id,
                },
            );
        }
        Ok(())
    }

    /// A status read showed the campaign halted: nothing left to stop.
    pub fn halted(&self, vendor: Vendor, campaign: &CampaignId) {
        if let Some(of_vendor) = lock(&self.started).get_mut(&vendor) {
            of_vendor.remove(campaign.as_str());
        }
    }

    /// Takes everything still pending, leaving the guard empty.
    fn take(&self) -> Vec<Started> {
        std::mem::take(&mut *lock(&self.started))
            .into_values()
            .flat_map(BTreeMap::into_values)
            .collect()
    }

    /// Stops whatever is still pending, each confirmed by a status read; one result per
    /// campaign.
    pub async fn finish_pending(&self) -> Vec<Stopped> {
        stop_all(&self.client, self.take()).await
    }
}

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        let pending = self.take();
        if pending.is_empty() {
            return;
        }
        let client = self.client.clone();
        let owner = self.owner;
        // Drop cannot await, and may run inside a runtime: stop from a thread with its own.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => {
                    for s in rt.block_on(stop_all(&client, pending)) {
                        eprintln!("{owner} cleanup: {}", s.line);
                    }
                }
                Err(e) => eprintln!("{owner} cleanup: no runtime ({e}); campaigns may still run"),
            }
        });
        if handle.join().is_err() {
            eprintln!("{owner} cleanup: the stopping thread panicked; campaigns may still run");
        }
    }
}
