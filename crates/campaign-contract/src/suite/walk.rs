//! The walk through a vendor's lifecycle rules, planned and executed.
//!
//! The planner ([`next_uncovered`], [`halt`]) is pure: it sees the rules, the campaign's current
//! state and what has been covered, and follows each rule's first outcome, so that every rule
//! reachable from where a campaign is gets exercised once and the campaign ends halted. The
//! suite executes the plan one action at a time, reads the state back after every change, and
//! re-plans from the state it actually observes.

use super::Run;
use super::call::Tamper;
use super::judge::{Judge, loosely_allowed};
use super::untouched::Untouched;
use campaign_api::lifecycle::{action_name, vendor_actions};
use campaign_api::{
    Action, CampaignId, Channel, Lifecycle, OperationId, StateId, StateRead, VendorTarget,
};
use campaign_schema::{Assumptions, Class, Finding, FindingRule, Grade};
use campaign_schema::{describe, truncate};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

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

/// One campaign being walked: its rules and the operations the walk rotates through.
struct Cursor {
    lifecycle: Arc<Lifecycle>,
    campaign: CampaignId,
    channel: Option<Channel>,
    /// Next operation to use per action and expected answer (success or refusal): the walk
    /// rotates through every version (v1, v2), so each version meets both kinds of answer.
    turn: BTreeMap<(Action, bool), usize>,
}

impl Cursor {
    fn ops(&self, action: Action) -> Vec<OperationId> {
        OperationId::of_vendor(self.lifecycle.vendor)
            .filter(|op| {
                let spec = op.spec();
                spec.action == action
                    && (self.channel.is_none()
                        || spec.channel.is_none()
                        || spec.channel == self.channel)
            })
            .collect()
    }

    fn next_op(&mut self, action: Action, success: bool) -> Option<OperationId> {
        let ops = self.ops(action);
        let turn = self.turn.entry((action, success)).or_insert(0);
        let op = ops.get(*turn % ops.len().max(1)).copied();
        *turn += 1;
        op
    }

    /// The operation that halts this campaign (the undo of its channel's first start).
    fn stop_op(&self) -> Option<OperationId> {
        self.ops(Action::Start)
            .first()
            .and_then(|op| op.spec().undo())
    }
}

impl Run<'_> {
    /// A status read with `op`, recorded as a step; what it showed.
    async fn read(
        &mut self,
        vt: &VendorTarget,
        c: &Cursor,
        op: OperationId,
        label: &str,
    ) -> StateRead {
        if self.down.is_some() {
            return StateRead::Lost;
        }
        let sent = self
            .send(vt, op, c.campaign.as_str(), Tamper::None, None)
            .await;
        // Judged by the operation table (200 and its schema); the state it shows is judged by
        // the caller against the rules.
        let judge = Judge::Expect(super::judge::Expect::Status(200));
        match self.record(vt, op, label, sent, judge) {
            Some(a) if a.status == 404 => StateRead::NotFound,
            Some(a) if (200..300).contains(&a.status) => match &a.body {
                Some(body) => StateRead::from_body(&c.lifecycle, body),
                None => StateRead::Unknown(None),
            },
            _ => StateRead::Lost,
        }
    }

    /// Puts the campaign under the cleanup guard, `stop` halting it. False (and the vendor
    /// marked down, so nothing more is sent) if the guard refuses it, which an id the suite
    /// already checked cannot make happen.
    fn hold(&mut self, vt: &VendorTarget, c: &Cursor, stop: OperationId) -> bool {
        match self
            .guard
            .started(&vt.target, stop, &c.lifecycle, c.campaign.as_str())
        {
            Ok(()) => true,
            Err(e) => {
                self.down.get_or_insert_with(|| {
                    format!("the cleanup guard refused {}: {e}", c.campaign)
                });
                false
            }
        }
    }

    /// Keeps the guard in step with what a read showed: a dialing campaign is (again) under it,
    /// a halted one leaves it.
    fn guard_after_read(&mut self, vt: &VendorTarget, c: &Cursor, state: StateId) {
        if c.lifecycle.state(state).dialing {
            if let Some(stop) = c.stop_op() {
                self.hold(vt, c, stop);
            }
        } else {
            self.guard.halted(vt.target.vendor, &c.campaign);
        }
    }

    /// Reads the state after a change from `before` that should have led to `want`. One
    /// operation for all polls; an in-between value, or the state from before the change (a read
    /// not yet caught up), is polled again, within the settle window. What the window does not
    /// settle is unavailable, not drift.
    async fn verify(
        &mut self,
        vt: &VendorTarget,
        c: &mut Cursor,
        (before, action): (StateId, Action),
        want: StateId,
        covered: &mut Covered,
    ) -> Option<StateId> {
        // The state a change leads to is as sure as the rule that says so.
        let grade = c.lifecycle.rule(before, action).grade;
        let lifecycle = Arc::clone(&c.lifecycle);
        let label = format!("status when {}", lifecycle.state(want).name);
        let op = c.next_op(Action::Status, true)?;
        let wanted = format!(
            "{:?} (the state the rules lead to)",
            lifecycle.state(want).reads
        );
        let polls = self.policy.settle_reads.max(1);
        for poll in 1..=polls {
            let read = self.read(vt, c, op, &label).await;
            let again = poll < polls;
            match read {
                StateRead::In(s) if s == before && s != want && again => {
                    self.mark_poll(&format!(
                        "{label} (still reads {:?})",
                        lifecycle.state(s).reads
                    ));
                }
                StateRead::In(s) => {
                    covered.insert((s, Action::Status));
                    self.guard_after_read(vt, c, s);
                    if s != want {
                        let shown = Value::String(lifecycle.state(s).reads.clone());
                        self.flag_state(
                            vt,
                            c,
                            (Class::Breaking, grade),
                            wanted,
                            describe(Some(&shown)),
                        );
                    }
                    return Some(s);
                }
                StateRead::Settling { value, .. } if again => {
                    self.mark_poll(&format!("{label} (read {value:?}, settling)"));
                }
                StateRead::Settling { value, .. } => {
                    let why = format!(
                        "still {value:?} after {poll} reads {} ms apart",
                        self.policy.settle_interval.as_millis()
                    );
                    let within =
                        format!("{:?} within the settle window", lifecycle.state(want).reads);
                    self.flag_state(vt, c, (Class::Unavailable, grade), within, why);
                    return None;
                }
                StateRead::Unknown(value) => {
                    self.flag_state(
                        vt,
                        c,
                        (Class::Breaking, grade),
                        wanted,
                        describe(value.as_ref()),
                    );
                    return None;
                }
                StateRead::NotFound | StateRead::Lost => return None,
            }
            tokio::time::sleep(self.policy.settle_interval).await;
        }
        None
    }

    /// Renames the last step as a poll, and keeps its body out of the snapshots: how many polls a
    /// run needs is timing, not contract.
    fn mark_poll(&mut self, label: &str) {
        if let Some(step) = self.report.steps.last_mut() {
            step.step = label.to_string();
        }
        self.exchanges.pop();
    }

    /// A finding on the last step about the state its read showed, sourced to the rule file and
    /// graded by the rule that led there.
    fn flag_state(
        &mut self,
        vt: &VendorTarget,
        c: &Cursor,
        (class, grade): (Class, Grade),
        expected: String,
        actual: String,
    ) {
        let l = &c.lifecycle;
        let assumptions = Assumptions::for_kind(vt.kind);
        let Some(step) = self.report.steps.last_mut() else {
            return;
        };
        let settle = class == Class::Unavailable;
        step.findings.push(Finding {
            vendor: step.vendor.clone(),
            operation: step.operation.clone(),
            step: step.step.clone(),
            status: step.status,
            pointer: l.status_pointer.clone(),
            rule: if settle {
                FindingRule::Settle
            } else {
                FindingRule::Lifecycle
            },
            expected,
            actual: actual.clone(),
            class: assumptions.class(grade, class),
            grade,
            source: format!(
                "{} ({})",
                l.cited(),
                if settle { "settling" } else { "[states]" }
            ),
        });
        if settle {
            self.down
                .get_or_insert_with(|| format!("{} ({}) {actual}", step.operation, step.step));
        }
    }

    /// One lifecycle action in the campaign's current `state`; the state it led to, if known.
    async fn act(
        &mut self,
        vt: &VendorTarget,
        c: &mut Cursor,
        state: StateId,
        action: Action,
    ) -> Option<StateId> {
        let lifecycle = Arc::clone(&c.lifecycle);
        let rule = lifecycle.rule(state, action);
        let op = c.next_op(action, (200..300).contains(&rule.primary().status))?;
        let label = format!(
            "{} when {}",
            action_name(action),
            lifecycle.state(state).name
        );
        let may_dial = !lifecycle.state(state).dialing
            && rule
                .outcomes
                .iter()
                .any(|o| lifecycle.state(o.next).dialing);
        if may_dial {
            // Under the guard before it is sent: a start whose answer is lost (timeout, reset,
            // 5xx) may still have started the campaign. It leaves the guard only when a status
            // read shows it halted.
            let stop = op.spec().undo().or_else(|| c.stop_op()).unwrap_or(op);
            if !self.hold(vt, c, stop) {
                return None;
            }
        }
        let effect = (rule.primary().next != state).then_some((&*lifecycle, rule.primary().next));
        let sent = self
            .send(vt, op, c.campaign.as_str(), Tamper::None, effect)
            .await;
        let took_effect = sent.as_ref().and_then(|s| s.took_effect);
        let answered = self.record(vt, op, &label, sent, Judge::Rule(&lifecycle, rule));
        match (took_effect, answered) {
            (Some(next), _) => Some(next),
            (None, Some(a)) => rule.outcome(a.status).map(|o| o.next).or_else(|| {
                loosely_allowed(vt.kind, rule, a.status)
                    .then(|| {
                        rule.outcomes
                            .iter()
                            .find(|o| (400..500).contains(&o.status))
                    })
                    .flatten()
                    .map(|o| o.next)
            }),
            (None, None) => None,
        }
    }

    /// The state a campaign starts the walk in, read first; `Err` says why the campaign is not
    /// touched.
    async fn first_state(
        &mut self,
        vt: &VendorTarget,
        c: &mut Cursor,
    ) -> Result<StateId, Untouched> {
        let lifecycle = Arc::clone(&c.lifecycle);
        let campaign = c.campaign.clone();
        let Some(op) = c.next_op(Action::Status, true) else {
            return Err(Untouched::NoStatusOperation {
                vendor: lifecycle.vendor,
            });
        };
        match self.read(vt, c, op, "status before the run").await {
            StateRead::In(s) if lifecycle.state(s).dialing => Err(Untouched::Dialing {
                campaign,
                reads: lifecycle.state(s).reads.clone(),
            }),
            StateRead::In(s) => Ok(s),
            StateRead::Settling { value, .. } => Err(Untouched::Settling {
                campaign,
                value: truncate(&value),
            }),
            StateRead::Unknown(v) => Err(Untouched::UnknownState {
                campaign,
                value: describe(v.as_ref()),
                rules: lifecycle.cited(),
            }),
            StateRead::NotFound => {
                // A campaign id that does not exist is a configuration error, not drift.
                if let Some(step) = self.report.steps.last_mut() {
                    step.findings.retain(|f| f.rule != FindingRule::Status);
                }
                Err(Untouched::NotFound { campaign })
            }
            StateRead::Lost => Err(Untouched::Unreadable { campaign }),
        }
    }

    /// Walks every rule reachable from the campaign's state, then leaves it halted. `Err` says
    /// why the campaign was not touched.
    pub(super) async fn walk(
        &mut self,
        vt: &VendorTarget,
        lifecycle: &Arc<Lifecycle>,
        channel: Option<Channel>,
        campaign: &CampaignId,
    ) -> Result<(), Untouched> {
        let actions: Vec<Action> = vendor_actions(lifecycle.vendor).into_iter().collect();
        let mut c = Cursor {
            lifecycle: Arc::clone(lifecycle),
            campaign: campaign.clone(),
            channel,
            turn: BTreeMap::new(),
        };
        let mut state = self.first_state(vt, &mut c).await?;
        let mut covered = Covered::from([(state, Action::Status)]);
        let mut rounds = 0;
        'walk: while let Some(path) = next_uncovered(lifecycle, state, &covered, &actions) {
            rounds += 1;
            if rounds > 4 * lifecycle.rules().len() {
                break;
            }
            for action in path {
                if self.down.is_some() {
                    break 'walk;
                }
                covered.insert((state, action));
                let before = state;
                let planned = lifecycle.rule(before, action).primary().next;
                let next = match self.act(vt, &mut c, state, action).await {
                    Some(next) if next != before => {
                        self.verify(vt, &mut c, (before, action), next, &mut covered)
                            .await
                    }
                    Some(next) => Some(next),
                    None => {
                        let Some(op) = c.next_op(Action::Status, true) else {
                            break 'walk;
                        };
                        match self
                            .read(vt, &c, op, "status after an unexpected answer")
                            .await
                        {
                            StateRead::In(s) => {
                                self.guard_after_read(vt, &c, s);
                                Some(s)
                            }
                            _ => None,
                        }
                    }
                };
                match next {
                    Some(s) => state = s,
                    // Lost track: the cleanup guard stops the campaign if it may be dialing.
                    None => break 'walk,
                }
                if next != Some(planned) {
                    // Not where the plan expected: re-plan from where the campaign really is.
                    continue 'walk;
                }
            }
        }
        if self.down.is_none()
            && let Some(path) = halt(lifecycle, state, &actions)
        {
            for action in path {
                let before = state;
                match self.act(vt, &mut c, state, action).await {
                    Some(next) if next != before => {
                        match self
                            .verify(vt, &mut c, (before, action), next, &mut covered)
                            .await
                        {
                            Some(s) => state = s,
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }
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
