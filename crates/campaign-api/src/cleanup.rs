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
//!
//! With a journal folder ([`CleanupGuard::with_journal`]), each campaign is written to the
//! vendor and host's [`Journal`] (and flushed to disk) before its first start is sent, and marked
//! halted once a read shows it; [`CleanupGuard::recover`] takes a killed run's leftovers back
//! under the guard. Stopping is concurrent and bounded in total time ([`CLEANUP_BOUND`]): a dead
//! host cannot hold a run's end for minutes, and what was not confirmed stays in the journal.

mod stop;

pub use stop::{Stopped, read_state};

use crate::client::Client;
use crate::journal::{Journal, JournalError};
use crate::lifecycle_rules::Lifecycle;
use crate::operation::OperationId;
use crate::sync::lock;
use crate::target::Target;
use crate::vendor::Vendor;
use crate::{CampaignId, CampaignIdError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stop::{Started, stop_all};

/// The longest the end-of-run cleanup takes, all campaigns together: stops and confirming reads
/// run concurrently, and what is not confirmed by then is reported (and stays in the journal).
pub const CLEANUP_BOUND: Duration = Duration::from_secs(10);

/// Open journals, by vendor and `host:port`.
type Journals = BTreeMap<(Vendor, String), Arc<Journal>>;

/// Why the guard refused to take a campaign (and so the start must not be sent).
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The id would be refused at send time.
    #[error(transparent)]
    Id(#[from] CampaignIdError),
    /// The journal could not record it: starting it could leave it untraceable.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What [`CleanupGuard::stop_leftovers`] found on one host and did about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Whose host.
    pub vendor: Vendor,
    /// `host:port`.
    pub host: String,
    /// The campaigns earlier runs left started and never saw halted, in the order found.
    pub campaigns: Vec<CampaignId>,
    /// One result per campaign stopped (leftovers, and anything else that was pending).
    pub stopped: Vec<Stopped>,
}

impl Recovered {
    /// True when no earlier run left anything started there.
    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }

    /// The leftovers not confirmed halted: someone must look at them by hand.
    pub fn unconfirmed(&self) -> impl Iterator<Item = &Stopped> {
        self.stopped.iter().filter(|s| !s.halted)
    }
}

impl std::fmt::Display for Recovered {
    /// `kore at kore.example:443: an earlier run left 2 started (c1, c2); stopped first:`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.campaigns.iter().map(CampaignId::as_str).collect();
        write!(
            f,
            "{} at {}: an earlier run left {} started ({}); stopped first:",
            self.vendor,
            self.host,
            ids.len(),
            ids.join(", ")
        )
    }
}

/// Stops every campaign the run may have started and has not seen halted since.
pub struct CleanupGuard {
    client: Client,
    /// Shown in the lines printed when the guard stops campaigns on drop.
    owner: &'static str,
    /// By vendor, then campaign id: a load run notes every start on its hot path, so the lookup
    /// of a campaign already held takes the id as it comes (`&str`), allocating nothing.
    started: Arc<Mutex<BTreeMap<Vendor, BTreeMap<String, Started>>>>,
    /// Where journals go; none, no journal (our embedded simulator dies with the run).
    journal_dir: Option<PathBuf>,
    /// Hosts never journaled (an embedded simulator beside real hosts in one run).
    unjournaled: std::collections::BTreeSet<String>,
    /// Open journals, by vendor and host.
    journals: Arc<Mutex<Journals>>,
    /// The cleanup's total time bound.
    bound: Duration,
    /// Campaigns being stopped right now (taken from `started` by the cleanup), as `vendor id`.
    stopping: Arc<Mutex<Vec<String>>>,
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

impl CleanupGuard {
    /// A guard stopping through `client`; `owner` (`campaign-contract`, `campaign-load`) names
    /// the tool in what the guard prints if it has to stop campaigns on drop.
    pub fn new(client: Client, owner: &'static str) -> CleanupGuard {
        CleanupGuard {
            client,
            owner,
            started: Arc::new(Mutex::new(BTreeMap::new())),
            journal_dir: None,
            unjournaled: std::collections::BTreeSet::new(),
            journals: Arc::new(Mutex::new(BTreeMap::new())),
            bound: CLEANUP_BOUND,
            stopping: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Journals every campaign under `dir` before its first start is sent.
    pub fn with_journal(mut self, dir: PathBuf) -> CleanupGuard {
        self.journal_dir = Some(dir);
        self
    }

    /// Never journals campaigns of `host` (`host:port`): an embedded simulator, whose campaigns
    /// end with the run.
    pub fn without_journal_for(mut self, host: String) -> CleanupGuard {
        self.unjournaled.insert(host);
        self
    }

    /// Bounds the whole cleanup to `bound` instead of [`CLEANUP_BOUND`].
    pub fn with_bound(mut self, bound: Duration) -> CleanupGuard {
        self.bound = bound;
        self
    }

    /// The journal of `target`'s vendor and host, if journaling.
    fn journal(&self, target: &Target) -> Result<Option<Arc<Journal>>, JournalError> {
        let Some(dir) = &self.journal_dir else {
            return Ok(None);
        };
        let key = (target.vendor, target.host_label());
        if self.unjournaled.contains(&key.1) {
            return Ok(None);
        }
        let mut open = lock(&self.journals);
        if let Some(j) = open.get(&key) {
            return Ok(Some(Arc::clone(j)));
        }
        let j = Arc::new(Journal::open(dir, target.vendor, &key.1)?);
        open.insert(key, Arc::clone(&j));
        Ok(Some(j))
    }

    /// The campaign may be dialing from now on; `stop` halts it. Call it before the start is
    /// sent. A campaign already under the guard stays there once; a new one is checked as a
    /// campaign id and, when journaling, written to disk before it is taken (a load run passes
    /// the ids it renders, the suite ids it checked at start). An error means: do not send.
    pub fn started(
        &self,
        target: &Target,
        stop: OperationId,
        lifecycle: &Arc<Lifecycle>,
        campaign: &str,
    ) -> Result<(), GuardError> {
        let mut held = lock(&self.started);
        let of_vendor = held.entry(target.vendor).or_default();
        if !of_vendor.contains_key(campaign) {
            let id = CampaignId::new(campaign)?;
            if let Some(j) = self.journal(target)? {
                j.started(campaign, stop)?;
            }
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

    /// Takes back under the guard what ended runs' journals for `target`'s host show started
    /// and never halted (a journal still locked belongs to a run in progress and is left alone).
    /// Each leftover is adopted into this run's journal before the ended run's file is removed,
    /// so a crash now loses nothing. Returns their ids; they are stopped with the rest.
    pub fn recover(
        &self,
        target: &Target,
        lifecycle: &Arc<Lifecycle>,
    ) -> Result<Vec<CampaignId>, JournalError> {
        let Some(j) = self.journal(target)? else {
            return Ok(Vec::new());
        };
        let mut ids = Vec::new();
        for (orphan, left) in j.orphans()? {
            for l in &left {
                j.started(l.campaign.as_str(), l.stop)?;
                let mut held = lock(&self.started);
                held.entry(target.vendor)
                    .or_default()
                    .entry(l.campaign.to_string())
                    .or_insert_with(|| Started {
                        target: target.clone(),
                        stop: l.stop,
                        lifecycle: Arc::clone(lifecycle),
                        campaign: l.campaign.clone(),
                    });
                if !ids.contains(&l.campaign) {
                    ids.push(l.campaign.clone());
                }
            }
            crate::journal::Journal::settle(orphan)?;
        }
        Ok(ids)
    }

    /// Recovers an earlier run's leftovers on `target`'s host and stops them, before this run
    /// sends anything there: [`CleanupGuard::recover`] then, if it found any,
    /// [`CleanupGuard::finish_pending`]. The one way both tools clean up after a killed run (the
    /// contract suite per vendor, the load runner before its attack and in `campaign-load
    /// cleanup`). Call it while nothing else of this run is under the guard: whatever is pending
    /// is stopped with the leftovers.
    ///
    /// ```no_run
    /// # async fn example(target: campaign_api::Target) -> Result<(), Box<dyn std::error::Error>> {
    /// use campaign_api::{CleanupGuard, Client, ClientConfig, Lifecycle, journal_dir};
    /// use std::sync::Arc;
    ///
    /// let lifecycle = Arc::new(Lifecycle::embedded(target.vendor)?);
    /// let guard = CleanupGuard::new(Client::new(ClientConfig::default())?, "campaign-load")
    ///     .with_journal(journal_dir());
    /// let left = guard.stop_leftovers(&target, &lifecycle).await?;
    /// if !left.is_empty() {
    ///     eprintln!("{left}");
    ///     for s in &left.stopped {
    ///         eprintln!("  {}", s.line);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop_leftovers(
        &self,
        target: &Target,
        lifecycle: &Arc<Lifecycle>,
    ) -> Result<Recovered, JournalError> {
        let campaigns = self.recover(target, lifecycle)?;
        let stopped = if campaigns.is_empty() {
            Vec::new()
        } else {
            self.finish_pending().await
        };
        Ok(Recovered {
            vendor: target.vendor,
            host: target.host_label(),
            campaigns,
            stopped,
        })
    }

    /// A status read showed the campaign halted: nothing left to stop.
    pub fn halted(&self, vendor: Vendor, campaign: &CampaignId) {
        let removed = lock(&self.started)
            .get_mut(&vendor)
            .and_then(|of_vendor| of_vendor.remove(campaign.as_str()));
        if let Some(s) = removed {
            self.note_halted(&s.target, campaign.as_str());
        }
    }

    fn note_halted(&self, target: &Target, campaign: &str) {
        self.note_all_halted(target, &[campaign]);
    }

    /// Marks campaigns of `target`'s host halted in the journal, in one write.
    fn note_all_halted(&self, target: &Target, campaigns: &[&str]) {
        match self.journal(target) {
            Ok(Some(j)) => {
                if let Err(e) = j.halted_all(campaigns) {
                    eprintln!("{} cleanup: {e}", self.owner);
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("{} cleanup: {e}", self.owner),
        }
    }

    /// The campaigns still under the guard or being stopped, as `vendor id` (for a last word
    /// before an abort).
    pub fn pending_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = lock(&self.started)
            .iter()
            .flat_map(|(v, m)| m.keys().map(move |id| format!("{v} {id}")))
            .collect();
        out.extend(lock(&self.stopping).iter().cloned());
        out.sort();
        out.dedup();
        out
    }

    /// Takes everything still pending, leaving the guard empty.
    fn take(&self) -> Vec<Started> {
        std::mem::take(&mut *lock(&self.started))
            .into_values()
            .flat_map(BTreeMap::into_values)
            .collect()
    }

    /// Stops whatever is still pending, concurrently and within the bound, each confirmed by a
    /// status read; one result per campaign. Halted ones leave the journal; a journal with
    /// nothing pending is removed.
    pub async fn finish_pending(&self) -> Vec<Stopped> {
        let pending = self.take();
        let targets: BTreeMap<Vendor, Target> = pending
            .iter()
            .map(|s| (s.target.vendor, s.target.clone()))
            .collect();
        // Until the cleanup ends, they stay visible to pending_ids().
        *lock(&self.stopping) = pending
            .iter()
            .map(|s| format!("{} {}", s.target.vendor, s.campaign))
            .collect();
        let out = stop_all(&self.client, pending, self.bound).await;
        lock(&self.stopping).retain(|id| {
            !out.iter()
                .any(|s| s.halted && *id == format!("{} {}", s.vendor, s.campaign))
        });
        for (vendor, t) in &targets {
            let halted: Vec<&str> = out
                .iter()
                .filter(|s| s.halted && s.vendor == *vendor)
                .map(|s| s.campaign.as_str())
                .collect();
            self.note_all_halted(t, &halted);
        }
        for j in lock(&self.journals).values() {
            if let Err(e) = j.remove_if_settled() {
                eprintln!("{} cleanup: {e}", self.owner);
            }
        }
        out
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
                    for s in rt.block_on(stop_all(&client, pending, CLEANUP_BOUND)) {
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
