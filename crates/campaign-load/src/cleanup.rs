//! Stopping what an earlier run left started on a host: killed outright, or aborted during its
//! cleanup. Its journal names the campaigns; each is stopped and confirmed halted by a status
//! read, and nothing else is sent. On a host where the user named campaigns, only those are
//! touched; the others are listed as left alone.

use crate::error::LoadError;
use crate::worker::WorkerSlice;
use campaign_api::{
    CampaignId, Channel, CleanupGuard, Client, ClientConfig, HostKind, Lifecycle, Recovered,
    SchemaSource, Stopped, Trust, VendorTarget,
};
use std::sync::Arc;

/// The cleanup guard for a run or a cleanup against `target`, and the lifecycle its status reads
/// are judged by: built before anything is sent, since stopping what was started must not
/// depend on anything that can fail later. A host that is not the embedded simulator gets the
/// journal (every campaign written down before its first start).
pub(crate) fn guard_for(
    target: &VendorTarget,
    trust: &Trust,
    worker: WorkerSlice,
    schemas: &SchemaSource,
) -> Result<(CleanupGuard, Arc<Lifecycle>), LoadError> {
    let client = Client::new(ClientConfig {
        trust: trust.clone(),
        user_agent: Some(crate::transport::user_agent(worker)),
        ..ClientConfig::default()
    })?;
    // The rules the checker's registry and the embedded simulator read too: the guard's status
    // reads must mean what the host's lifecycle says.
    let lifecycle = Arc::new(schemas.lifecycle(target.target.vendor)?);
    let mut guard = CleanupGuard::new(client, "campaign-load");
    if target.kind == HostKind::Sandbox {
        guard = guard.with_journal(campaign_api::journal_dir());
    }
    Ok((guard, lifecycle))
}

/// `campaign-load cleanup`, in two steps so a person sees the plan before anything is sent:
/// [`Cleanup::prepare`] reads the journals of the host and takes their leftovers (only those
/// named, when the user named campaigns), [`Cleanup::stop`] stops them, each confirmed by a
/// status read. Nothing else is sent.
#[derive(Debug)]
pub struct Cleanup {
    guard: CleanupGuard,
    found: Recovered,
    /// The variables that name the host's campaigns, and whether any is set.
    names: Names,
}

/// Which variables name the campaigns of the host being cleaned up.
#[derive(Debug, Clone)]
struct Names {
    /// `KORE_VOICE_CAMPAIGN_ID / KORE_SMS_CAMPAIGN_ID`, `VOICEGENIE_CAMPAIGN_ID`.
    vars: String,
    /// True when one of them names a campaign.
    given: bool,
}

impl Cleanup {
    /// Takes under a guard what the journal of `target`'s host shows an earlier run left
    /// started, judged by `schemas`' lifecycle rules; when the target names campaigns, only
    /// those. Nothing is sent yet.
    pub fn prepare(
        target: &VendorTarget,
        trust: &Trust,
        schemas: &SchemaSource,
    ) -> Result<Cleanup, LoadError> {
        trust.check()?;
        let (guard, lifecycle) = guard_for(target, trust, WorkerSlice::WHOLE, schemas)?;
        let guard = guard.with_progress(|p| eprintln!("campaign-load cleanup: {p}"));
        let found = guard.recover_leftovers(&target.target, &lifecycle)?;
        let vendor = target.target.vendor;
        let mut vars: Vec<&str> = [Channel::Voice, Channel::Sms]
            .into_iter()
            .map(|c| crate::named::variable(vendor, c))
            .collect();
        vars.dedup();
        let names = Names {
            vars: vars.join(" / "),
            given: !target.target.campaigns.voice.is_empty()
                || !target.target.campaigns.sms.is_empty(),
        };
        Ok(Cleanup {
            guard,
            found,
            names,
        })
    }

    /// The leftovers taken, to be stopped.
    pub fn campaigns(&self) -> &[CampaignId] {
        &self.found.campaigns
    }

    /// The leftovers not among the campaigns named: left alone, kept in the journal.
    pub fn left_alone(&self) -> &[CampaignId] {
        &self.found.left_alone
    }

    /// What will be done, before anything is sent: which campaigns are stopped, and which are
    /// left alone and why. Empty when the journal shows nothing left started.
    pub fn plan(&self) -> Vec<String> {
        let (take, alone) = (&self.found.campaigns, &self.found.left_alone);
        let host = &self.found.host;
        let mut out = Vec::new();
        if take.is_empty() && alone.is_empty() {
            return out;
        }
        if self.names.given {
            out.push(format!(
                "campaign-load cleanup: the journal for {host} shows {} campaign(s) left started; {} named in {}, {} not",
                take.len() + alone.len(),
                take.len(),
                self.names.vars,
                alone.len()
            ));
            if !take.is_empty() {
                out.push(format!(
                    "campaign-load cleanup: stopping the {} named: {}",
                    take.len(),
                    campaign_api::listed(take)
                ));
            }
            if !alone.is_empty() {
                out.push(format!(
                    "campaign-load cleanup: leaving alone the {} not named in {} (nothing is sent to them; they stay in the journal until a cleanup names them): {}",
                    alone.len(),
                    self.names.vars,
                    campaign_api::listed(alone)
                ));
            }
        } else {
            out.push(format!(
                "campaign-load cleanup: no campaign is named in {}, so every campaign the journal for {host} shows left started is stopped: {} campaign(s): {}",
                self.names.vars,
                take.len(),
                campaign_api::listed(take)
            ));
        }
        out
    }

    /// Stops the campaigns taken, [`CONCURRENT_STOPS`](campaign_api::CONCURRENT_STOPS) at a
    /// time, within [`cleanup_bound`](campaign_api::cleanup_bound) of their count (10 s per
    /// 1,000), progress on stderr; one result per campaign.
    pub async fn stop(self) -> Vec<Stopped> {
        if self.found.campaigns.is_empty() {
            return Vec::new();
        }
        self.guard.finish_pending().await
    }
}

/// Stops what the journal of `target`'s host shows an earlier run left started (only the
/// campaigns the target names, when it names any), each confirmed by a status read
/// (`campaign-load cleanup` without its listing: [`Cleanup`]); one line per campaign. Nothing
/// else is sent.
pub async fn cleanup(
    target: &VendorTarget,
    trust: &Trust,
    schemas: &SchemaSource,
) -> Result<Vec<Stopped>, LoadError> {
    Ok(Cleanup::prepare(target, trust, schemas)?.stop().await)
}
