//! Per-campaign state, moved by the lifecycle rules in `schemas/{vendor}/lifecycle.toml`.
//!
//! The state machine is data ([`campaign_api::Lifecycle`]): for the campaign's state and the
//! requested action, the simulator answers the rule's first outcome and moves the campaign to
//! that outcome's state. What it keeps beyond the state (instance id, calls completed, missing
//! configuration) is bookkeeping for the response bodies.
//!
//! The store is a sharded concurrent map: each campaign's transition runs under its shard's lock,
//! so two concurrent starts of one campaign give exactly one success, while requests for other
//! campaigns proceed in parallel. There is no global lock on the request path.
//!
//! The store is bounded: only a start makes a campaign exist (a status read, stop or pause of an
//! id nobody started answers as unknown, so reads cost nothing to keep), and a start that would
//! hold more than the configured most is refused. A reset gives the memory of what it removes
//! back to the allocator.

use campaign_api::{Action, Lifecycle, StateId, Vendor};
use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One campaign as the simulator keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Campaign {
    /// Lifecycle state (an index into the vendor's [`Lifecycle`]).
    #[serde(skip)]
    pub(crate) state: StateId,
    /// Display name (Kore.ai status reads).
    pub(crate) name: String,
    /// The instance started last (`cid-` + uuid), if ever started.
    pub(crate) instance_id: Option<String>,
    /// Calls completed over the campaign's life: one per completed run (stop or pause).
    pub(crate) total_calls_completed: u64,
    /// Configuration the campaign lacks (`script_id`, `contacts`): named in VoiceGenie's 422.
    pub(crate) missing: Vec<String>,
}

/// A new run's instance id: `cid-` and a v4 uuid. Its random bits come from rand's thread-local
/// generator (a ChaCha stream seeded once from the OS): `Uuid::new_v4` asked the kernel
/// (`getrandom`) for every start, one syscall in every two requests of a start/stop mix.
pub(crate) fn new_instance_id() -> String {
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    format!("cid-{id}")
}

impl Campaign {
    /// A campaign in `state` with everything configured.
    pub(crate) fn new(name: impl Into<String>, state: StateId) -> Campaign {
        Campaign {
            state,
            name: name.into(),
            instance_id: None,
            total_calls_completed: 0,
            missing: Vec::new(),
        }
    }
}

/// The result of applying an action to a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transition {
    /// The rule for (state, action) answered.
    Answered {
        /// The status the rule gives.
        status: u16,
        /// The state before.
        before: StateId,
        /// The campaign afterwards.
        campaign: Campaign,
    },
    /// No such campaign.
    Unknown,
    /// A start that would have auto-provisioned the campaign, refused: the store holds as many
    /// campaigns as it may.
    StoreFull,
}

/// Applies `action` to `campaign` by `lifecycle`'s rule and returns the outcome.
///
/// Entering a dialing state with a 2xx opens a new instance; leaving one with a 2xx completes a
/// run (the simulator completes its calls at once).
pub(crate) fn transition(
    lifecycle: &Lifecycle,
    campaign: &mut Campaign,
    action: Action,
    new_instance: impl FnOnce() -> String,
) -> Transition {
    let before = campaign.state;
    let outcome = lifecycle.rule(before, action).primary();
    let success = (200..300).contains(&outcome.status);
    let was_dialing = lifecycle.state(before).dialing;
    let dialing = lifecycle.state(outcome.next).dialing;
    if success && dialing && !was_dialing {
        campaign.instance_id = Some(new_instance());
    }
    if success && was_dialing && !dialing {
        campaign.total_calls_completed += 1;
    }
    campaign.state = outcome.next;
    Transition::Answered {
        status: outcome.status,
        before,
        campaign: campaign.clone(),
    }
}

/// Both vendors' lifecycles.
#[derive(Debug, Clone)]
pub struct Lifecycles {
    kore: Arc<Lifecycle>,
    voicegenie: Arc<Lifecycle>,
}

impl Lifecycles {
    /// The rule files compiled in (the committed `schemas/*/lifecycle.toml`).
    pub fn embedded() -> Result<Lifecycles, campaign_api::LifecycleError> {
        Ok(Lifecycles {
            kore: Arc::new(Lifecycle::embedded(Vendor::Kore)?),
            voicegenie: Arc::new(Lifecycle::embedded(Vendor::VoiceGenie)?),
        })
    }

    /// The rule files under `schemas_dir` (`{vendor}/lifecycle.toml`).
    pub fn load(schemas_dir: &std::path::Path) -> Result<Lifecycles, campaign_api::LifecycleError> {
        Lifecycles::from_source(&campaign_api::SchemaSource::dir(schemas_dir))
    }

    /// The rule files of `source`: the compiled-in ones, or a folder's.
    pub fn from_source(
        source: &campaign_api::SchemaSource,
    ) -> Result<Lifecycles, campaign_api::LifecycleError> {
        Ok(Lifecycles {
            kore: Arc::new(source.lifecycle(Vendor::Kore)?),
            voicegenie: Arc::new(source.lifecycle(Vendor::VoiceGenie)?),
        })
    }

    /// One vendor's lifecycle.
    pub fn get(&self, vendor: Vendor) -> &Lifecycle {
        match vendor {
            Vendor::Kore => &self.kore,
            Vendor::VoiceGenie => &self.voicegenie,
        }
    }
}

/// All campaigns, one sharded map per vendor (keyed by id, so a lookup borrows the id rather
/// than allocating a key).
#[derive(Debug)]
pub(crate) struct Store {
    kore: DashMap<String, Campaign>,
    voicegenie: DashMap<String, Campaign>,
    auto_prefix: Option<String>,
    lifecycles: Lifecycles,
    /// Campaigns held (both maps): what the cap is checked against without visiting every shard.
    held: AtomicUsize,
    /// Most campaigns held: a start that would auto-provision one more is refused.
    max: usize,
}

impl Store {
    /// A store seeded with `campaigns`; a start of an id beginning with `auto_prefix` creates
    /// it, as long as fewer than `max` campaigns are held.
    pub(crate) fn new(
        campaigns: impl IntoIterator<Item = ((Vendor, String), Campaign)>,
        auto_prefix: Option<String>,
        lifecycles: Lifecycles,
        max: usize,
    ) -> Store {
        let store = Store {
            kore: DashMap::new(),
            voicegenie: DashMap::new(),
            auto_prefix: auto_prefix.filter(|p| !p.is_empty()),
            lifecycles,
            held: AtomicUsize::new(0),
            max,
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

    fn auto_provisioned(&self, id: &str) -> bool {
        self.auto_prefix
            .as_ref()
            .is_some_and(|p| id.starts_with(p.as_str()))
    }

    /// Applies `action` to the campaign. A start of an unknown id that auto-provisioning
    /// covers creates it first (or, with the store full, is refused); any other action on an
    /// unknown id finds no campaign and leaves nothing behind.
    pub(crate) fn apply(
        &self,
        vendor: Vendor,
        id: &str,
        action: Action,
        new_instance: impl FnOnce() -> String,
    ) -> Transition {
        let map = self.map(vendor);
        let lifecycle = self.lifecycles.get(vendor);
        if let Some(mut entry) = map.get_mut(id) {
            return transition(lifecycle, &mut entry, action, new_instance);
        }
        if action != Action::Start || !self.auto_provisioned(id) {
            return Transition::Unknown;
        }
        match map.entry(id.to_string()) {
            // Another start of the same id got there between the lookup and the entry.
            Entry::Occupied(mut e) => transition(lifecycle, e.get_mut(), action, new_instance),
            Entry::Vacant(v) => {
                // Taking a place before inserting keeps the cap exact under concurrent starts
                // of different ids: only those that find a place free insert.
                if self.held.fetch_add(1, Ordering::AcqRel) >= self.max {
                    self.held.fetch_sub(1, Ordering::AcqRel);
                    return Transition::StoreFull;
                }
                let mut entry = v.insert(Campaign::new(id, lifecycle.entry()[0]));
                transition(lifecycle, &mut entry, action, new_instance)
            }
        }
    }

    /// Moves a campaign to `state` (a played-back answer's transition); false when there is
    /// no such campaign.
    pub(crate) fn set_state(&self, vendor: Vendor, id: &str, state: StateId) -> bool {
        match self.map(vendor).get_mut(id) {
            Some(mut c) => {
                c.state = state;
                true
            }
            None => false,
        }
    }

    /// True when the campaign exists. An auto-provisioned id exists from its first start on.
    pub(crate) fn is_known(&self, vendor: Vendor, id: &str) -> bool {
        self.map(vendor).contains_key(id)
    }

    /// A copy of one campaign.
    pub(crate) fn get(&self, vendor: Vendor, id: &str) -> Option<Campaign> {
        self.map(vendor).get(id).map(|c| c.clone())
    }

    /// Replaces every campaign with `campaigns`, and gives the maps' spare room back: a store
    /// that held a flood of campaigns goes back to the size of its seed, not only to its count.
    pub(crate) fn reset(&self, campaigns: impl IntoIterator<Item = ((Vendor, String), Campaign)>) {
        for map in [&self.kore, &self.voicegenie] {
            map.clear();
            map.shrink_to_fit();
        }
        for ((vendor, id), campaign) in campaigns {
            self.map(vendor).insert(id, campaign);
        }
        self.held.store(self.len(), Ordering::Release);
    }

    /// How many campaigns exist.
    pub(crate) fn len(&self) -> usize {
        self.kore.len() + self.voicegenie.len()
    }

    /// The lifecycles the store follows.
    pub(crate) fn lifecycles(&self) -> &Lifecycles {
        &self.lifecycles
    }

    /// How many of `vendor`'s campaigns are in each state (states none is in are absent).
    /// `/__sim/metrics` asks at scrape time, visiting every campaign, so that the request path
    /// keeps no per-state bookkeeping.
    pub(crate) fn by_state(&self, vendor: Vendor) -> std::collections::BTreeMap<StateId, u64> {
        let mut held = std::collections::BTreeMap::new();
        for c in self.map(vendor).iter() {
            *held.entry(c.state).or_insert(0) += 1;
        }
        held
    }

    /// How many campaigns are dialing (for the admin view).
    pub(crate) fn active(&self) -> usize {
        Vendor::ALL
            .into_iter()
            .map(|v| {
                let l = self.lifecycles.get(v);
                self.map(v)
                    .iter()
                    .filter(|c| l.state(c.state).dialing)
                    .count()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(o: &Transition) -> u16 {
        match o {
            Transition::Answered { status, .. } => *status,
            Transition::Unknown => 404,
            Transition::StoreFull => 503,
        }
    }

    #[test]
    fn kore_follows_its_rule_file() {
        let l = Lifecycle::embedded(Vendor::Kore).unwrap();
        let mut c = Campaign::new("x", l.entry()[0]);
        let id = || "cid-1".to_string();
        let mut walk = |a| status(&transition(&l, &mut c, a, id));
        assert_eq!(walk(Action::Stop), 400);
        assert_eq!(walk(Action::Start), 200);
        assert_eq!(walk(Action::Start), 400);
        assert_eq!(walk(Action::Stop), 200);
        assert_eq!(walk(Action::Stop), 400);
        assert_eq!(walk(Action::Start), 200);
        assert_eq!(l.state(c.state).reads, "Active");
        assert_eq!(c.instance_id.as_deref(), Some("cid-1"));
        assert_eq!(c.total_calls_completed, 1);
    }

    #[test]
    fn voicegenie_drafts_never_start() {
        let l = Lifecycle::embedded(Vendor::VoiceGenie).unwrap();
        let draft = l.state_named("draft").unwrap();
        let mut c = Campaign::new("x", draft);
        assert_eq!(
            status(&transition(&l, &mut c, Action::Start, || "c".into())),
            422
        );
        assert_eq!(c.state, draft);
        assert_eq!(c.instance_id, None);
    }

    fn store(max: usize) -> Store {
        Store::new(
            [],
            Some("load-".into()),
            Lifecycles::embedded().unwrap(),
            max,
        )
    }

    #[test]
    fn auto_provisioning_covers_only_its_prefix() {
        let store = store(10);
        assert_eq!(
            store.apply(Vendor::Kore, "other", Action::Start, || "c".into()),
            Transition::Unknown
        );
        assert_eq!(
            status(&store.apply(Vendor::Kore, "load-1", Action::Start, || "c".into())),
            200
        );
        assert_eq!(store.active(), 1);
        assert_eq!(store.get(Vendor::VoiceGenie, "load-1"), None);
    }

    #[test]
    fn only_a_start_makes_an_auto_provisioned_campaign_exist() {
        let store = store(10);
        for action in [Action::Status, Action::Stop, Action::Pause] {
            assert_eq!(
                store.apply(Vendor::VoiceGenie, "load-9", action, || "c".into()),
                Transition::Unknown,
                "{action:?}"
            );
        }
        assert_eq!(store.len(), 0);
        assert!(!store.is_known(Vendor::VoiceGenie, "load-9"));
        store.apply(Vendor::VoiceGenie, "load-9", Action::Start, || "c".into());
        assert!(store.is_known(Vendor::VoiceGenie, "load-9"));
    }

    #[test]
    fn a_full_store_refuses_new_campaigns_but_serves_those_it_holds() {
        let store = store(2);
        let start = |id: &str| status(&store.apply(Vendor::Kore, id, Action::Start, || "c".into()));
        assert_eq!(
            [start("load-1"), start("load-2"), start("load-3")],
            [200, 200, 503]
        );
        assert_eq!(store.len(), 2);
        assert_eq!(
            start("load-1"),
            400,
            "a held campaign still answers by its rule"
        );
        store.reset([]);
        assert_eq!(start("load-3"), 200, "a reset frees the places");
    }
}
