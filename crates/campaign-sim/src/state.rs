//! Per-campaign state and the lifecycle both vendors document.
//!
//! The store is a sharded concurrent map: each campaign's transition runs under its shard's lock,
//! so two concurrent starts of one campaign give exactly one success, while requests for other
//! campaigns proceed in parallel. There is no global lock on the request path.

use campaign_api::response::KoreCampaignStatus;
use campaign_api::{Action, Vendor};
use dashmap::DashMap;
use serde::{Deserialize, Serialize};

/// Where a campaign is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    /// Configured, never started (VoiceGenie: `scheduled`).
    Ready,
    /// Dialing (VoiceGenie: `running`).
    Active,
    /// Stopped (Kore.ai only; VoiceGenie has no stop).
    Stopped,
    /// Paused (VoiceGenie's halt).
    Paused,
}

impl State {
    /// Kore.ai's name for the state.
    pub fn kore(self) -> KoreCampaignStatus {
        match self {
            State::Ready => KoreCampaignStatus::Ready,
            State::Active => KoreCampaignStatus::Active,
            State::Stopped => KoreCampaignStatus::Stopped,
            State::Paused => KoreCampaignStatus::Paused,
        }
    }

    /// VoiceGenie's `campaign_status` for the state.
    pub fn voicegenie(self) -> &'static str {
        match self {
            State::Ready => "scheduled",
            State::Active => "running",
            State::Stopped => "completed",
            State::Paused => "paused",
        }
    }
}

/// One campaign as the simulator keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    /// Lifecycle state.
    pub state: State,
    /// Display name (Kore.ai status reads).
    pub name: String,
    /// The instance started last (`cid-` + uuid), if ever started.
    pub instance_id: Option<String>,
    /// Calls completed over the campaign's life: one per completed run (stop or pause).
    pub total_calls_completed: u64,
    /// Configuration the campaign lacks (`script_id`, `contacts`): VoiceGenie answers 422.
    pub missing: Vec<String>,
}

impl Campaign {
    /// A ready campaign with everything configured.
    pub fn ready(name: impl Into<String>) -> Campaign {
        Campaign {
            state: State::Ready,
            name: name.into(),
            instance_id: None,
            total_calls_completed: 0,
            missing: Vec::new(),
        }
    }
}

/// The result of applying an action to a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Now Active; a fresh instance id.
    Started {
        /// The new instance.
        instance_id: String,
        /// Calls completed so far.
        total_calls_completed: u64,
    },
    /// Start while Active.
    AlreadyActive,
    /// VoiceGenie start of a campaign lacking configuration.
    Missing(Vec<String>),
    /// Now Stopped.
    Stopped {
        /// The instance that was stopped.
        instance_id: String,
    },
    /// Stop while not Active.
    NotActive,
    /// Now Paused.
    Paused {
        /// Calls still in progress (the simulator completes calls at once: always 0).
        active_calls: u64,
    },
    /// Pause while not running.
    NotRunning,
    /// A status read.
    Current(Campaign),
    /// No such campaign.
    Unknown,
}

/// Applies `action` to `campaign` and returns the outcome. The whole state machine is here.
pub fn transition(
    vendor: Vendor,
    campaign: &mut Campaign,
    action: Action,
    new_instance: impl FnOnce() -> String,
) -> Outcome {
    match action {
        Action::Start if campaign.state == State::Active => Outcome::AlreadyActive,
        Action::Start if vendor == Vendor::VoiceGenie && !campaign.missing.is_empty() => {
            Outcome::Missing(campaign.missing.clone())
        }
        Action::Start => {
            let id = new_instance();
            campaign.state = State::Active;
            campaign.instance_id = Some(id.clone());
            Outcome::Started {
                instance_id: id,
                total_calls_completed: campaign.total_calls_completed,
            }
        }
        Action::Stop if campaign.state == State::Active => {
            campaign.state = State::Stopped;
            campaign.total_calls_completed += 1;
            Outcome::Stopped {
                instance_id: campaign.instance_id.clone().unwrap_or_default(),
            }
        }
        Action::Stop => Outcome::NotActive,
        Action::Pause if campaign.state == State::Active => {
            campaign.state = State::Paused;
            campaign.total_calls_completed += 1;
            Outcome::Paused { active_calls: 0 }
        }
        Action::Pause => Outcome::NotRunning,
        Action::Status => Outcome::Current(campaign.clone()),
    }
}

/// All campaigns, one sharded map per vendor (keyed by id, so a lookup borrows the id rather
/// than allocating a key).
#[derive(Debug, Default)]
pub struct Store {
    kore: DashMap<String, Campaign>,
    voicegenie: DashMap<String, Campaign>,
    auto_prefix: Option<String>,
}

impl Store {
    /// A store seeded with `campaigns`; ids starting with `auto_prefix` exist on first use.
    pub fn new(
        campaigns: impl IntoIterator<Item = ((Vendor, String), Campaign)>,
        auto_prefix: Option<String>,
    ) -> Store {
        let store = Store {
            auto_prefix: auto_prefix.filter(|p| !p.is_empty()),
            ..Store::default()
        };
        store.reset(campaigns);
        store
    }

    fn map(&self, vendor: Vendor) -> &DashMap<String, Campaign> {
        match vendor {
            Vendor::Kore => &self.kore,
            Vendor::VoiceGenie => &self.voicegenie,
        }
    }

    /// Applies `action` to the campaign, creating it first if auto-provisioning covers its id.
    pub fn apply(
        &self,
        vendor: Vendor,
        id: &str,
        action: Action,
        new_instance: impl FnOnce() -> String,
    ) -> Outcome {
        let map = self.map(vendor);
        if let Some(mut entry) = map.get_mut(id) {
            return transition(vendor, &mut entry, action, new_instance);
        }
        match &self.auto_prefix {
            Some(prefix) if id.starts_with(prefix.as_str()) => {
                let mut entry = map
                    .entry(id.to_string())
                    .or_insert_with(|| Campaign::ready(id));
                transition(vendor, &mut entry, action, new_instance)
            }
            _ => Outcome::Unknown,
        }
    }

    /// A copy of one campaign.
    pub fn get(&self, vendor: Vendor, id: &str) -> Option<Campaign> {
        self.map(vendor).get(id).map(|c| c.clone())
    }

    /// Replaces every campaign with `campaigns`.
    pub fn reset(&self, campaigns: impl IntoIterator<Item = ((Vendor, String), Campaign)>) {
        self.kore.clear();
        self.voicegenie.clear();
        for ((vendor, id), campaign) in campaigns {
            self.map(vendor).insert(id, campaign);
        }
    }

    /// How many campaigns exist.
    pub fn len(&self) -> usize {
        self.kore.len() + self.voicegenie.len()
    }

    /// True when no campaign exists.
    pub fn is_empty(&self) -> bool {
        self.kore.is_empty() && self.voicegenie.is_empty()
    }

    /// How many campaigns are Active (for the admin view).
    pub fn active(&self) -> usize {
        [&self.kore, &self.voicegenie]
            .iter()
            .map(|m| m.iter().filter(|c| c.state == State::Active).count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_follows_the_docs() {
        let mut c = Campaign::ready("x");
        let id = || "cid-1".to_string();
        assert!(matches!(
            transition(Vendor::Kore, &mut c, Action::Start, id),
            Outcome::Started { .. }
        ));
        assert_eq!(
            transition(Vendor::Kore, &mut c, Action::Start, id),
            Outcome::AlreadyActive
        );
        assert_eq!(
            transition(Vendor::Kore, &mut c, Action::Stop, id),
            Outcome::Stopped {
                instance_id: "cid-1".into()
            }
        );
        assert_eq!(
            transition(Vendor::Kore, &mut c, Action::Stop, id),
            Outcome::NotActive
        );
        assert_eq!(
            transition(Vendor::Kore, &mut c, Action::Pause, id),
            Outcome::NotRunning
        );
        assert!(matches!(
            transition(Vendor::Kore, &mut c, Action::Start, id),
            Outcome::Started {
                total_calls_completed: 1,
                ..
            }
        ));
        assert_eq!(
            transition(Vendor::VoiceGenie, &mut c, Action::Pause, id),
            Outcome::Paused { active_calls: 0 }
        );
        assert_eq!(c.state, State::Paused);
    }

    #[test]
    fn voicegenie_refuses_to_start_an_unconfigured_campaign() {
        let mut c = Campaign::ready("x");
        c.missing = vec!["script_id".into()];
        assert_eq!(
            transition(Vendor::VoiceGenie, &mut c, Action::Start, || "cid".into()),
            Outcome::Missing(vec!["script_id".into()])
        );
        assert_eq!(c.state, State::Ready);
    }

    #[test]
    fn auto_provisioning_covers_only_its_prefix() {
        let store = Store::new([], Some("load-".into()));
        assert_eq!(
            store.apply(Vendor::Kore, "other", Action::Start, || "c".into()),
            Outcome::Unknown
        );
        assert!(matches!(
            store.apply(Vendor::Kore, "load-1", Action::Start, || "c".into()),
            Outcome::Started { .. }
        ));
        assert_eq!(
            store.get(Vendor::Kore, "load-1").map(|c| c.state),
            Some(State::Active)
        );
        assert_eq!(store.get(Vendor::VoiceGenie, "load-1"), None);
    }
}
