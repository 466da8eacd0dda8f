//! Each vendor's campaign lifecycle as data: `schemas/{vendor}/lifecycle.toml`.
//!
//! For every (state, action) a rule lists the statuses the vendor may answer, the schema each
//! answer must match and the state the campaign is in afterwards, and says whether a vendor page
//! documents it or it is our assumption. The simulator runs its state machine from these rules
//! and the contract suite walks them, so the two cannot disagree about the lifecycle.
//!
//! A rule file has two models, so it is read one way only:
//!
//! - `raw`: the file as written ([`RawLifecycle`]), lenient: its TOML shape, nothing checked
//!   against the operation table. What compares two revisions of a file reads this.
//! - [`Lifecycle`]: the checked model, built from the raw one ([`Lifecycle::from_raw`]) and
//!   checked as a whole: every state reachable from an entry state, a rule for every
//!   (state, action) the vendor's operations allow, at least one outcome per rule, known next
//!   states, no key the model does not know, and every schema existing and agreeing with the
//!   operation table. A failure names the file and the rule. What runs or walks a lifecycle
//!   reads this.
//!
//! ```
//! use campaign_api::{Action, Lifecycle, Vendor};
//!
//! let kore = Lifecycle::embedded(Vendor::Kore).unwrap();
//! let ready = kore.entry()[0];
//! let rule = kore.rule(ready, Action::Start);
//! assert_eq!(rule.outcomes[0].status, 200);
//! assert_eq!(kore.state(rule.outcomes[0].next).reads, "Active");
//! ```

mod checked;
mod raw;
mod reading;
mod validate;

pub use checked::{Lifecycle, LifecycleError, LifecycleRule, RuleOutcome, StateDef, StateId};
pub use raw::{RawLifecycle, RawOutcome, RawRule, RawState};
pub use reading::StateRead;

use crate::operation::OperationId;
use crate::vendor::{Action, Vendor};
use std::collections::BTreeSet;

/// The action's name in rule files.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Start => "start",
        Action::Stop => "stop",
        Action::Pause => "pause",
        Action::Status => "status",
    }
}

/// `[Active, start]`: how messages and reports name the rule for `action` in `state`.
pub fn rule_label(state: &str, action: &str) -> String {
    format!("[{state}, {action}]")
}

/// The action a rule file names `s`, if any.
fn parse_action(s: &str) -> Option<Action> {
    [Action::Start, Action::Stop, Action::Pause, Action::Status]
        .into_iter()
        .find(|a| action_name(*a) == s)
}

/// The actions `vendor`'s operations can perform.
pub fn vendor_actions(vendor: Vendor) -> BTreeSet<Action> {
    OperationId::of_vendor(vendor)
        .map(|op| op.spec().action)
        .collect()
}
