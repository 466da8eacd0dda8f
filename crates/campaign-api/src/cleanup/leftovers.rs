//! What ended runs left started: taken back from their journals under this run's guard (only
//! the campaigns the target names, when it names any), then stopped, and told as one line.

use super::CleanupGuard;
use super::stop::{Started, Stopped};
use crate::CampaignId;
use crate::journal::JournalError;
use crate::lifecycle_rules::Lifecycle;
use crate::sync::lock;
use crate::target::Target;
use crate::vendor::{Channel, Vendor};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// What [`CleanupGuard::stop_leftovers`] found on one host and did about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Whose host.
    pub vendor: Vendor,
    /// `host:port`.
    pub host: String,
    /// The campaigns earlier runs left started and never saw halted, in the order found, that
    /// this guard took (all of them, unless the target names campaigns: then those named).
    pub campaigns: Vec<CampaignId>,
    /// Leftovers that are not among the campaigns the target names: not touched, kept in the
    /// journal for a cleanup that names them.
    pub left_alone: Vec<CampaignId>,
    /// One result per campaign stopped (leftovers, and anything else that was pending).
    pub stopped: Vec<Stopped>,
}

/// At most this many ids are listed in one line; the rest are counted.
const LISTED: usize = 20;

/// `a, b, c` or `a, b, … and 180 more`: campaign ids in one line a person reads, the first
/// [`LISTED`] of them (every line a cleanup prints about what it will stop or leave alone).
pub fn listed(ids: &[CampaignId]) -> String {
    let shown: Vec<&str> = ids.iter().take(LISTED).map(CampaignId::as_str).collect();
    match ids.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        more => format!("{}, … and {more} more", shown.join(", ")),
    }
}

impl Recovered {
    /// True when no earlier run left anything started there.
    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty() && self.left_alone.is_empty()
    }

    /// The leftovers not confirmed halted: someone must look at them by hand.
    pub fn unconfirmed(&self) -> impl Iterator<Item = &Stopped> {
        self.stopped.iter().filter(|s| !s.halted)
    }
}

impl std::fmt::Display for Recovered {
    /// `kore at kore.example:443: an earlier run left 2 started (c1, c2); stopped first:`, the
    /// ids listed up to 20, and the leftovers left alone after.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}: ", self.vendor, self.host)?;
        if !self.campaigns.is_empty() {
            write!(
                f,
                "an earlier run left {} started ({}); stopped first:",
                self.campaigns.len(),
                listed(&self.campaigns)
            )?;
            if !self.left_alone.is_empty() {
                write!(f, " ")?;
            }
        }
        if !self.left_alone.is_empty() {
            write!(
                f,
                "{} left started by an earlier run {} not among the campaigns named here ({}): left alone, kept in the journal",
                self.left_alone.len(),
                if self.left_alone.len() == 1 {
                    "is"
                } else {
                    "are"
                },
                listed(&self.left_alone)
            )?;
        }
        Ok(())
    }
}

impl CleanupGuard {
    /// Takes back under the guard what ended runs' journals for `target`'s host show started
    /// and never halted (a journal still locked belongs to a run in progress and is left alone).
    /// Returns the ids taken; they are stopped with the rest. See
    /// [`CleanupGuard::recover_leftovers`], which also says what was left alone.
    pub fn recover(
        &self,
        target: &Target,
        lifecycle: &Arc<Lifecycle>,
    ) -> Result<Vec<CampaignId>, JournalError> {
        Ok(self.recover_leftovers(target, lifecycle)?.campaigns)
    }

    /// Takes back under the guard what ended runs' journals for `target`'s host show started
    /// and never halted (a journal still locked belongs to a run in progress and is left alone).
    /// When `target` names campaigns, only those among them are taken; the others are left
    /// alone. Every leftover, taken or not, is adopted into this run's journal (one write) before
    /// the ended run's file is removed, so a crash now loses nothing and one left alone is still
    /// there for a cleanup that names it. Nothing is sent: the campaigns taken are stopped by
    /// [`CleanupGuard::finish_pending`]. The result's `stopped` is empty.
    pub fn recover_leftovers(
        &self,
        target: &Target,
        lifecycle: &Arc<Lifecycle>,
    ) -> Result<Recovered, JournalError> {
        let mut found = Recovered {
            vendor: target.vendor,
            host: target.host_label(),
            campaigns: Vec::new(),
            left_alone: Vec::new(),
            stopped: Vec::new(),
        };
        let Some(j) = self.journal(target)? else {
            return Ok(found);
        };
        // By channel: a voice leftover is named only in the voice list (a VoiceGenie pause has no
        // channel; its campaigns are named as voice ones).
        let names: BTreeMap<Channel, HashSet<&CampaignId>> = [Channel::Voice, Channel::Sms]
            .into_iter()
            .map(|c| (c, target.campaigns.for_channel(c).iter().collect()))
            .collect();
        let any_named = names.values().any(|n| !n.is_empty());
        let named = |l: &crate::journal::Leftover| {
            let channel = l.stop.spec().channel.unwrap_or(Channel::Voice);
            names.get(&channel).is_some_and(|n| n.contains(&l.campaign))
        };
        let mut seen: HashSet<CampaignId> = HashSet::new();
        let shared = Arc::new(target.clone());
        for (orphan, left) in j.orphans()? {
            let fresh: Vec<&crate::journal::Leftover> = left
                .iter()
                .filter(|l| seen.insert(l.campaign.clone()))
                .collect();
            j.adopt(&fresh)?;
            let mut held = lock(&self.started);
            let of_vendor = held.entry(target.vendor).or_default();
            for l in fresh {
                if any_named && !named(l) {
                    found.left_alone.push(l.campaign.clone());
                    continue;
                }
                of_vendor
                    .entry(l.campaign.to_string())
                    .or_insert_with(|| Started {
                        target: Arc::clone(&shared),
                        stop: l.stop,
                        lifecycle: Arc::clone(lifecycle),
                        campaign: l.campaign.clone(),
                        starts: 0,
                        not_sent: 0,
                    });
                found.campaigns.push(l.campaign.clone());
            }
            drop(held);
            crate::journal::Journal::settle(orphan)?;
        }
        Ok(found)
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
        let mut found = self.recover_leftovers(target, lifecycle)?;
        if !found.campaigns.is_empty() {
            found.stopped = self.finish_pending().await;
        }
        Ok(found)
    }
}
