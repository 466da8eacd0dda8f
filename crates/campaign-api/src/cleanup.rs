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
//! under the guard. Stopping is concurrent ([`CONCURRENT_STOPS`] at a time) and bounded in total
//! time, [`CLEANUP_BOUND`] per 1,000 campaigns ([`cleanup_bound`]): a dead host cannot hold a
//! run's end for long, 200,000 leftovers are not held to the bound of eight, and what was not
//! confirmed stays in the journal. Halted campaigns are written to the journal in batches as
//! they are confirmed.
//!
//! On a host where the user named campaigns ([`Target::campaigns`]), a leftover that is not
//! among them is left alone (and kept in the journal): the guard touches only what it was told
//! it may touch, even when an earlier run's journal says otherwise.

mod leftovers;
mod stop;

pub use leftovers::{Recovered, listed};

pub use stop::{CONCURRENT_STOPS, Stopped, read_state};

use crate::client::Client;
use crate::journal::{Journal, JournalError};
use crate::lifecycle_rules::Lifecycle;
use crate::operation::OperationId;
use crate::sync::lock;
use crate::target::Target;
use crate::vendor::Vendor;
use crate::{CampaignId, CampaignIdError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stop::{Batch, Started, stop_all};

/// The longest a cleanup takes per 1,000 campaigns (or fewer), stops and confirming reads
/// together: [`CONCURRENT_STOPS`] campaigns at a time leave some 320 ms for each one's stop and
/// status read, several round trips to a distant host. What is not confirmed by then is reported
/// (and stays in the journal). The whole bound is [`cleanup_bound`].
pub const CLEANUP_BOUND: Duration = Duration::from_secs(10);

/// Campaigns per [`CLEANUP_BOUND`].
pub const CLEANUP_BOUND_PER: usize = 1000;

/// The bound of a cleanup of `campaigns` campaigns: [`CLEANUP_BOUND`] for each 1,000 begun
/// (10 s up to 1,000, 30 s for 3,000, 2,000 s for 200,000). A bound that scales with the count:
/// one fixed bound either holds eight campaigns' cleanup for minutes on a dead host or cuts a
/// healthy host's cleanup of thousands short.
///
/// ```
/// use campaign_api::{CLEANUP_BOUND, cleanup_bound};
/// assert_eq!(cleanup_bound(8), CLEANUP_BOUND);
/// assert_eq!(cleanup_bound(3000), CLEANUP_BOUND * 3);
/// assert_eq!(cleanup_bound(3001), CLEANUP_BOUND * 4);
/// ```
pub fn cleanup_bound(campaigns: usize) -> Duration {
    let thousands = campaigns.div_ceil(CLEANUP_BOUND_PER).max(1);
    CLEANUP_BOUND.saturating_mul(u32::try_from(thousands).unwrap_or(u32::MAX))
}

/// How far a cleanup has come: `1000 of 3000 stopped, 12 s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanupProgress {
    /// Campaigns done (confirmed halted or not).
    pub done: usize,
    /// Campaigns being stopped in all.
    pub total: usize,
    /// Since the stopping began.
    pub elapsed: Duration,
}

impl std::fmt::Display for CleanupProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} stopped, {} s",
            self.done,
            self.total,
            self.elapsed.as_secs()
        )
    }
}

/// A progress line is due at every 1,000 campaigns done…
const PROGRESS_EVERY: usize = 1000;
/// …or after this long without one (a slow or dead host still shows the cleanup is alive).
const PROGRESS_SILENCE: Duration = Duration::from_secs(5);

/// What the guard calls with progress (see [`CleanupGuard::with_progress`]).
type ProgressFn = dyn Fn(&CleanupProgress) + Send + Sync;

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
    /// A fixed total time bound ([`CleanupGuard::with_bound`]); none, [`cleanup_bound`] of
    /// the count.
    bound: Option<Duration>,
    /// Campaigns being stopped right now (taken from `started` by the cleanup), as `vendor id`.
    stopping: Arc<Mutex<BTreeSet<String>>>,
    /// Told how the cleanup goes.
    progress: Option<Arc<ProgressFn>>,
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
            bound: None,
            stopping: Arc::new(Mutex::new(BTreeSet::new())),
            progress: None,
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

    /// Bounds the whole cleanup to `bound`, however many campaigns it stops, instead of
    /// [`cleanup_bound`] of their count.
    pub fn with_bound(mut self, bound: Duration) -> CleanupGuard {
        self.bound = Some(bound);
        self
    }

    /// Tells `progress` how a cleanup goes ([`CleanupGuard::finish_pending`]): every 1,000
    /// campaigns done, after 5 s without a line, and at its end. `campaign-load cleanup` prints
    /// it, so thousands of leftovers do not look like a hang.
    pub fn with_progress(
        mut self,
        progress: impl Fn(&CleanupProgress) + Send + Sync + 'static,
    ) -> CleanupGuard {
        self.progress = Some(Arc::new(progress));
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

    /// The campaign may be dialing from now on; `stop` halts it. Call it before every start
    /// is sent, also to a campaign already under the guard (each call counts one start, see
    /// [`CleanupGuard::start_not_sent`]). A campaign already under the guard stays there once; a
    /// new one is checked as a campaign id and, when journaling, written to disk before it is
    /// taken (a load run passes the ids it renders, the suite ids it checked at start). An error
    /// means: do not send.
    pub fn started(
        &self,
        target: &Target,
        stop: OperationId,
        lifecycle: &Arc<Lifecycle>,
        campaign: &str,
    ) -> Result<(), GuardError> {
        let mut held = lock(&self.started);
        let of_vendor = held.entry(target.vendor).or_default();
        if let Some(s) = of_vendor.get_mut(campaign) {
            s.starts += 1;
            return Ok(());
        }
        let id = CampaignId::new(campaign)?;
        if let Some(j) = self.journal(target)? {
            j.started(campaign, stop)?;
        }
        of_vendor.insert(
            campaign.to_string(),
            Started {
                target: Arc::new(target.clone()),
                stop,
                lifecycle: Arc::clone(lifecycle),
                campaign: id,
                starts: 1,
                not_sent: 0,
            },
        );
        Ok(())
    }

    /// A start to `campaign`, noted by [`CleanupGuard::started`], failed before any byte of it
    /// reached the host: the connection was refused or could not be made, or the TLS handshake
    /// failed. Only for those: a start whose request may have been written (a timeout, a reset
    /// after connecting, an answer of any status) may have started the campaign.
    ///
    /// A campaign all of whose starts were not sent is not stopped by
    /// [`CleanupGuard::finish_pending`] (nothing reached the host; a stop would be the first
    /// request it sees) and is reported as never started. One start that connected, say another
    /// user's start to the same shared campaign, and it is stopped as any other.
    ///
    /// ```no_run
    /// # fn example(guard: &campaign_api::CleanupGuard) {
    /// // The send failed in connect(): nothing reached the host.
    /// guard.start_not_sent(campaign_api::Vendor::Kore, "cmp-1");
    /// # }
    /// ```
    pub fn start_not_sent(&self, vendor: Vendor, campaign: &str) {
        if let Some(s) = lock(&self.started)
            .get_mut(&vendor)
            .and_then(|of_vendor| of_vendor.get_mut(campaign))
        {
            s.not_sent += 1;
        }
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
        let stopping = lock(&self.stopping);
        out.retain(|id| !stopping.contains(id));
        out.extend(stopping.iter().cloned());
        out.sort();
        out
    }

    /// Takes everything still pending, leaving the guard empty.
    fn take(&self) -> Vec<Started> {
        std::mem::take(&mut *lock(&self.started))
            .into_values()
            .flat_map(BTreeMap::into_values)
            .collect()
    }

    /// Stops whatever is still pending, [`CONCURRENT_STOPS`] at a time and within the bound
    /// ([`cleanup_bound`] of their count unless [`CleanupGuard::with_bound`] fixed one), each
    /// confirmed by a status read; one result per campaign. A campaign no start reached (see
    /// [`CleanupGuard::start_not_sent`]) is not stopped and is reported as never started. Halted
    /// ones leave the journal as they are confirmed, a batch at a time; a journal with nothing
    /// pending is removed.
    pub async fn finish_pending(&self) -> Vec<Stopped> {
        let (never, pending): (Vec<Started>, Vec<Started>) =
            self.take().into_iter().partition(Started::never_sent);
        let targets: BTreeMap<Vendor, Target> = pending
            .iter()
            .chain(&never)
            .map(|s| (s.target.vendor, Target::clone(&s.target)))
            .collect();
        // Until each is done, they stay visible to pending_ids().
        *lock(&self.stopping) = pending
            .iter()
            .map(|s| format!("{} {}", s.target.vendor, s.campaign))
            .collect();
        let bound = self.bound.unwrap_or_else(|| cleanup_bound(pending.len()));
        let mut last_line: Option<(usize, Duration)> = None;
        let mut on_batch = |b: Batch<'_>| {
            self.settle(&targets, b.fresh);
            let Some(progress) = &self.progress else {
                return;
            };
            let due = match last_line {
                None => b.done >= PROGRESS_EVERY || b.elapsed >= PROGRESS_SILENCE,
                Some((done, at)) => {
                    b.done / PROGRESS_EVERY > done / PROGRESS_EVERY
                        || b.elapsed >= at + PROGRESS_SILENCE
                }
            };
            if due || b.done == b.total {
                progress(&CleanupProgress {
                    done: b.done,
                    total: b.total,
                    elapsed: b.elapsed,
                });
                last_line = Some((b.done, b.elapsed));
            }
        };
        let mut out = if pending.is_empty() {
            Vec::new()
        } else {
            stop_all(&self.client, pending, bound, &mut on_batch).await
        };
        let never: Vec<Stopped> = never.iter().map(Started::never_started).collect();
        self.settle(&targets, &never);
        out.extend(never);
        out.sort_by(|a, b| (a.vendor, &a.campaign).cmp(&(b.vendor, &b.campaign)));
        for j in lock(&self.journals).values() {
            if let Err(e) = j.remove_if_settled() {
                eprintln!("{} cleanup: {e}", self.owner);
            }
        }
        out
    }

    /// Writes the halted among `done` to their journals (one write per host) and takes them
    /// off the list of campaigns being stopped.
    fn settle(&self, targets: &BTreeMap<Vendor, Target>, done: &[Stopped]) {
        {
            let mut stopping = lock(&self.stopping);
            for s in done.iter().filter(|s| s.halted) {
                stopping.remove(&format!("{} {}", s.vendor, s.campaign));
            }
        }
        for (vendor, t) in targets {
            let halted: Vec<&str> = done
                .iter()
                .filter(|s| s.halted && s.vendor == *vendor)
                .map(|s| s.campaign.as_str())
                .collect();
            self.note_all_halted(t, &halted);
        }
    }
}

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        let (never, pending): (Vec<Started>, Vec<Started>) =
            self.take().into_iter().partition(Started::never_sent);
        for s in &never {
            eprintln!("{} cleanup: {}", self.owner, s.never_started().line);
        }
        if pending.is_empty() {
            return;
        }
        let client = self.client.clone();
        let owner = self.owner;
        let bound = self.bound.unwrap_or_else(|| cleanup_bound(pending.len()));
        // Drop cannot await, and may run inside a runtime: stop from a thread with its own.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => {
                    for s in rt.block_on(stop_all(&client, pending, bound, &mut |_| {})) {
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

#[cfg(test)]
mod tests;
