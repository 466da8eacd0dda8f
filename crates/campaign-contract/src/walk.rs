//! Planning a walk through a vendor's lifecycle rules: which action to take next so that every
//! rule reachable from where a campaign is gets exercised once, and how to leave it halted.
//!
//! The planner is pure: it sees the rules, the campaign's current state and what has been
//! covered, and follows each rule's first outcome. The suite executes the plan one action at a
//! time and re-plans from the state it actually observes.

use campaign_api::Action;
use campaign_api::lifecycle::{Lifecycle, StateId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The (state, action) pairs already exercised.
pub type Covered = BTreeSet<(StateId, Action)>;

/// The actions the walk may take (status reads are how it checks, not what it walks).
fn moves(actions: &[Action]) -> impl Iterator<Item = Action> + '_ {
    actions.iter().copied().filter(|a| *a != Action::Status)
}

/// Breadth-first from `from` along first outcomes, until `wanted` accepts a (state, action);
/// the path's last action is the accepted one. In each state, rules that stay in that state are
/// tried first: an entry state is left for good, so its own refusals must be tried before.
fn search(
    lifecycle: &Lifecycle,
    from: StateId,
    actions: &[Action],
    wanted: impl Fn(StateId, Action) -> bool,
) -> Option<Vec<Action>> {
    let mut came: BTreeMap<StateId, (StateId, Action)> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(state) = queue.pop_front() {
        let mut candidates: Vec<Action> = moves(actions).collect();
        candidates.sort_by_key(|a| lifecycle.rule(state, *a).primary().next != state);
        if let Some(hit) = candidates.iter().find(|a| wanted(state, **a)) {
            let mut path = vec![*hit];
            let mut at = state;
            while let Some((prev, a)) = came.get(&at) {
                path.push(*a);
                at = *prev;
            }
            path.reverse();
            return Some(path);
        }
        for a in candidates {
            let next = lifecycle.rule(state, a).primary().next;
            if seen.insert(next) {
                came.insert(next, (state, a));
                queue.push_back(next);
            }
        }
    }
    None
}

/// The actions that lead from `state` to the nearest rule not yet covered, ending with it;
/// `None` when every reachable rule is covered.
pub fn next_uncovered(
    lifecycle: &Lifecycle,
    state: StateId,
    covered: &Covered,
    actions: &[Action],
) -> Option<Vec<Action>> {
    search(lifecycle, state, actions, |s, a| !covered.contains(&(s, a)))
}

/// The actions that bring a campaign in `state` to the nearest state that does not dial; empty
/// when it is in one already, `None` when no rule leads out.
pub fn halt(lifecycle: &Lifecycle, state: StateId, actions: &[Action]) -> Option<Vec<Action>> {
    if !lifecycle.state(state).dialing {
        return Some(Vec::new());
    }
    search(lifecycle, state, actions, |s, a| {
        let rule = lifecycle.rule(s, a);
        !lifecycle.state(rule.primary().next).dialing && (200..300).contains(&rule.primary().status)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use campaign_api::Vendor;
    use campaign_api::lifecycle::action_name;

    /// Plays the whole walk on the rules alone and returns the steps as `action@state`.
    fn play(vendor: Vendor, from: &str) -> Vec<String> {
        let l = Lifecycle::embedded(vendor).unwrap();
        let actions: Vec<Action> = campaign_api::lifecycle::vendor_actions(vendor)
            .into_iter()
            .collect();
        let mut state = l.state_named(from).unwrap();
        let mut covered = Covered::new();
        let mut steps = Vec::new();
        let mut take = |state: &mut StateId, a: Action, covered: &mut Covered| {
            steps.push(format!("{}@{}", action_name(a), l.state(*state).name));
            covered.insert((*state, a));
            *state = l.rule(*state, a).primary().next;
        };
        while let Some(path) = next_uncovered(&l, state, &covered, &actions) {
            for a in path {
                take(&mut state, a, &mut covered);
            }
        }
        for a in halt(&l, state, &actions).unwrap() {
            take(&mut state, a, &mut covered);
        }
        assert!(!l.state(state).dialing, "the walk ends halted");
        steps
    }

    #[test]
    fn kore_walk_covers_every_rule_and_ends_stopped() {
        assert_eq!(
            play(Vendor::Kore, "Ready"),
            [
                "stop@Ready",
                "start@Ready",
                "start@Active",
                "stop@Active",
                "stop@Stopped",
                "start@Stopped",
                "stop@Active"
            ]
        );
    }

    #[test]
    fn voicegenie_walk_covers_every_rule_and_ends_paused() {
        assert_eq!(
            play(Vendor::VoiceGenie, "scheduled"),
            [
                "pause@scheduled",
                "start@scheduled",
                "start@running",
                "pause@running",
                "pause@paused",
                "start@paused",
                "pause@running"
            ]
        );
        assert_eq!(
            play(Vendor::VoiceGenie, "draft"),
            ["start@draft", "pause@draft"]
        );
    }
}
