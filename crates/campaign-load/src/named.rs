//! On a configured host, a run touches only the campaigns its user named.
//!
//! Starting a campaign on a real host dials real people. The shipped scenarios give each user a
//! campaign of its own (`load-0`, `load-1`, …), which the simulator creates on first use; on a
//! vendor's host those ids would be someone else's campaigns, or nobody's. So against a host
//! configured from env, the ids come from the variables that name campaigns
//! (`KORE_VOICE_CAMPAIGN_ID`, `KORE_SMS_CAMPAIGN_ID`, `VOICEGENIE_CAMPAIGN_ID`; each a
//! comma-separated list), and a scenario that names ids itself (shared or list) may only name
//! those. Anything else is refused before a request is sent.

use crate::scenario::{CampaignChoice, Scenario};
use crate::worker::WorkerError;
use campaign_api::{Channel, Target, Vendor};

/// Why a scenario cannot run on a configured host: it would touch campaigns nobody named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamedError {
    /// Voice and SMS steps in one scenario.
    #[error(
        "the scenario mixes voice and SMS steps, and each user drives one campaign: on a configured host, run one channel per scenario so voice calls go only to voice campaigns and SMS calls to SMS ones"
    )]
    MixedChannels,
    /// The variable naming the campaigns is unset or empty.
    #[error(
        "a configured host is driven only on campaigns you name: set {vars} (a comma-separated list)"
    )]
    NoneNamed {
        /// The variable(s) to set.
        vars: String,
    },
    /// Fewer named campaigns than users.
    #[error(
        "{users} users each drive a campaign of their own, but {vars} names {named}: name at least {users} (comma-separated), or run fewer users (-u {named})"
    )]
    TooFew {
        /// Users asked for.
        users: usize,
        /// The variable(s).
        vars: String,
        /// Campaigns named.
        named: usize,
    },
    /// This worker's block of the named ids is too small for its users.
    #[error(transparent)]
    Slice(WorkerError),
    /// The scenario names a campaign the variable does not.
    #[error(
        "campaign {id:?} is not one you named in {vars} ({}); a configured host is driven only on those",
        named.join(", ")
    )]
    NotNamed {
        /// The id.
        id: String,
        /// The variable(s).
        vars: String,
        /// What they name.
        named: Vec<String>,
    },
}

/// The variable that names `vendor`'s campaigns on `channel`.
pub fn variable(vendor: Vendor, channel: Channel) -> &'static str {
    match (vendor, channel) {
        (Vendor::Kore, Channel::Voice) => "KORE_VOICE_CAMPAIGN_ID",
        (Vendor::Kore, Channel::Sms) => "KORE_SMS_CAMPAIGN_ID",
        (Vendor::VoiceGenie, _) => "VOICEGENIE_CAMPAIGN_ID",
    }
}

/// Confines `scenario` to the campaigns named for `target`, and returns the ids it may touch.
/// A per-user scenario takes one named id per user (its users need that many); a shared or
/// listed id must be one of them.
pub fn confine(scenario: &mut Scenario, target: &Target) -> Result<Vec<String>, NamedError> {
    let vendor = scenario.vendor;
    // The channel of the steps that have one (a status read has none); VoiceGenie's are voice.
    let mut channels: Vec<Channel> = scenario
        .flows
        .iter()
        .flat_map(|f| f.steps.iter())
        .filter_map(|op| op.spec().channel)
        .collect();
    channels.sort_by_key(|c| matches!(c, Channel::Sms));
    channels.dedup();
    if channels.is_empty() {
        channels.push(Channel::Voice);
    }
    if channels.len() > 1 {
        return Err(NamedError::MixedChannels);
    }
    let vars: Vec<&str> = channels.iter().map(|c| variable(vendor, *c)).collect();
    let named: Vec<String> = channels
        .iter()
        .flat_map(|c| target.campaigns.for_channel(*c))
        .map(|c| c.to_string())
        .collect();
    let vars = vars.join(" / ");
    if named.is_empty() {
        return Err(NamedError::NoneNamed { vars });
    }
    let not_named = |id: &str| NamedError::NotNamed {
        id: id.to_string(),
        vars: vars.clone(),
        named: named.clone(),
    };
    let users = scenario.load.users.unwrap_or(1);
    match &scenario.campaigns {
        CampaignChoice::PerUser { .. } => {
            // A worker of a fleet takes its own block of the named ids: no id goes to two.
            let slice = scenario.load.worker;
            let block = &named[slice.block(named.len())];
            if block.len() < users {
                if !slice.is_whole() {
                    return Err(NamedError::Slice(WorkerError::TooFewIds {
                        slice,
                        users,
                        total: named.len(),
                        block: block.len(),
                    }));
                }
                return Err(NamedError::TooFew {
                    users,
                    vars,
                    named: named.len(),
                });
            }
            let ids: Vec<String> = block.iter().take(users).cloned().collect();
            scenario.campaigns = CampaignChoice::List { ids: ids.clone() };
            Ok(ids)
        }
        CampaignChoice::Shared { id } => {
            if !named.contains(id) {
                return Err(not_named(id));
            }
            Ok(vec![id.clone()])
        }
        CampaignChoice::List { ids } => {
            if let Some(id) = ids.iter().find(|id| !named.contains(id)) {
                return Err(not_named(id));
            }
            Ok(ids.clone())
        }
    }
}
