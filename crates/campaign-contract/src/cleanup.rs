//! The cleanup guard: every campaign the suite may have started is stopped again (VoiceGenie:
//! paused), and the stop is confirmed by a status read.
//!
//! A campaign goes under the guard *before* its start is sent (a start whose answer is lost may
//! still have started it) and leaves it only when a status read shows it halted. Whatever is
//! left is stopped at the end of each vendor's walk ([`CleanupGuard::finish_pending`]) or, if the
//! suite panics, on drop from a thread of its own.

use crate::check::is_unavailable_status;
use campaign_api::lifecycle::{Lifecycle, StateId};
use campaign_api::{Action, CampaignId, Client, OperationId, Target, Vendor};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One campaign that may be dialing because of the suite.
struct Started {
    target: Target,
    stop: OperationId,
    lifecycle: Arc<Lifecycle>,
    campaign: CampaignId,
}

/// What stopping one campaign came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// `kore demo-voice: kore voice-stop-v1 answered 200; reads Stopped`.
    pub line: String,
    /// False when the campaign may still be dialing: someone must stop it by hand.
    pub halted: bool,
}

/// Stops every campaign the suite may have started and has not seen halted since.
pub struct CleanupGuard {
    client: Client,
    started: Arc<Mutex<Vec<Started>>>,
}

impl std::fmt::Debug for CleanupGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.started.lock().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("CleanupGuard").field("pending", &n).finish()
    }
}

/// One status read outside any step (no retry, not recorded): what the campaign's state is, as
/// [`Lifecycle::read`] tells it; `None` when no usable answer came.
pub(crate) async fn read_state(
    client: &Client,
    target: &Target,
    lifecycle: &Lifecycle,
    campaign: &str,
) -> Option<Result<StateId, Option<StateId>>> {
    let op = OperationId::of_vendor(target.vendor).find(|op| op.spec().action == Action::Status)?;
    let x = client
        .call(target, op, campaign)
        .await
        .ok()
        .filter(|x| x.status.is_success())?;
    let body: serde_json::Value = serde_json::from_slice(&x.body).ok()?;
    lifecycle.read_body(&body).map(|(_, reading)| reading)
}

/// Reads the campaign's state: `Some(true)` dialing, `Some(false)` halted, `None` unknown.
async fn dialing(client: &Client, s: &Started) -> Option<bool> {
    match read_state(client, &s.target, &s.lifecycle, s.campaign.as_str()).await? {
        // On its way into a state: dialing if that state dials.
        Ok(state) | Err(Some(state)) => Some(s.lifecycle.state(state).dialing),
        Err(None) => None,
    }
}

async fn stop_one(client: &Client, s: &Started) -> Stopped {
    let label = format!("{} {}", s.target.vendor, s.campaign);
    // A stop that meets a 5xx or 429 is retried a few times: leaving a campaign dialing is the
    // one outcome the suite must avoid. Cleanup is not counted against the call budget.
    let mut answer = String::new();
    for attempt in 0..4u64 {
        match client.call(&s.target, s.stop, s.campaign.as_str()).await {
            Ok(x) if is_unavailable_status(x.status.as_u16()) && attempt < 3 => {
                answer = format!("{} answered {}", s.stop, x.status.as_u16());
            }
            Ok(x) => {
                answer = format!("{} answered {}", s.stop, x.status.as_u16());
                break;
            }
            Err(e) => answer = format!("{} failed: {e}", s.stop),
        }
        tokio::time::sleep(Duration::from_millis(500 * (attempt + 1))).await;
    }
    // Whatever the stop answered, only a status read tells whether the campaign is halted.
    match dialing(client, s).await {
        Some(false) => Stopped {
            line: format!("{label}: {answer}; reads halted"),
            halted: true,
        },
        Some(true) => Stopped {
            line: format!("{label}: {answer}; STILL DIALING -- STOP IT BY HAND"),
            halted: false,
        },
        None => Stopped {
            line: format!("{label}: {answer}; state not confirmed -- CHECK IT BY HAND"),
            halted: false,
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
    /// A guard stopping through `client`.
    pub fn new(client: Client) -> CleanupGuard {
        CleanupGuard {
            client,
            started: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Started>> {
        match self.started.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The campaign may be dialing from now on; `stop` halts it.
    pub fn started(
        &self,
        target: &Target,
        stop: OperationId,
        lifecycle: &Arc<Lifecycle>,
        campaign: &CampaignId,
    ) {
        let mut list = self.lock();
        if !list
            .iter()
            .any(|s| s.campaign == *campaign && s.target.vendor == target.vendor)
        {
            list.push(Started {
                target: target.clone(),
                stop,
                lifecycle: Arc::clone(lifecycle),
                campaign: campaign.clone(),
            });
        }
    }

    /// A status read showed the campaign halted.
    pub fn halted(&self, vendor: Vendor, campaign: &CampaignId) {
        self.lock()
            .retain(|s| !(s.campaign == *campaign && s.target.vendor == vendor));
    }

    /// Stops whatever is still pending; one result per campaign.
    pub async fn finish_pending(&self) -> Vec<Stopped> {
        let pending = std::mem::take(&mut *self.lock());
        stop_all(&self.client, pending).await
    }
}

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        let pending = std::mem::take(&mut *self.lock());
        if pending.is_empty() {
            return;
        }
        let client = self.client.clone();
        // Drop cannot await, and may run inside a runtime: stop from a thread with its own.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => {
                    for s in rt.block_on(stop_all(&client, pending)) {
                        eprintln!("campaign-contract cleanup: {}", s.line);
                    }
                }
                Err(e) => eprintln!(
                    "campaign-contract cleanup: no runtime ({e}); campaigns may still run"
                ),
            }
        });
        let _ = handle.join();
    }
}
