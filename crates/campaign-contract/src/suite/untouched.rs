//! Why the suite leaves a named campaign alone: its own type, so the walk's reasons are values a
//! caller can match on, and each message says what to check (the campaign id variable, the
//! campaign's state on the host, the vendor's rule file).

use campaign_api::{CampaignId, Vendor};

/// Why a named campaign was not walked. Each message names the campaign and what to fix or wait
/// for; none is drift.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Untouched {
    /// The vendor's operation table has no status read, so no state can be read first.
    #[error("{vendor} has no status operation")]
    NoStatusOperation {
        /// The vendor.
        vendor: Vendor,
    },
    /// The campaign dials: the suite never touches a running campaign; stop it first.
    #[error(
        "campaign {campaign} is {reads} (dialing); the suite does not touch a running campaign"
    )]
    Dialing {
        /// The campaign.
        campaign: CampaignId,
        /// What its status read said.
        reads: String,
    },
    /// The campaign is on its way to another state; run again once it settles.
    #[error("campaign {campaign} is {value:?}, on its way to another state; not touching it")]
    Settling {
        /// The campaign.
        campaign: CampaignId,
        /// The in-between value its status read showed (cut to length).
        value: String,
    },
    /// The campaign reads a state the vendor's rule file has no state for: the rule file (or
    /// the host) needs a look.
    #[error("campaign {campaign} reads {value}, which {rules} has no state for; not touching it")]
    UnknownState {
        /// The campaign.
        campaign: CampaignId,
        /// What its status read said, described with its type.
        value: String,
        /// The rule file, as cited in reports.
        rules: String,
    },
    /// The campaign id does not exist on this host: fix its `*_CAMPAIGN_ID` variable.
    #[error("campaign {campaign} does not exist on this host (404); check its *_CAMPAIGN_ID")]
    NotFound {
        /// The campaign.
        campaign: CampaignId,
    },
    /// No status read came back usable; the host may be down.
    #[error("could not read the state of campaign {campaign}; not touching it")]
    Unreadable {
        /// The campaign.
        campaign: CampaignId,
    },
}
