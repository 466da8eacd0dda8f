//! What a status read shows about a campaign, typed: the suite's walk and the cleanup guard
//! branch on it, never on a status code or a step's label.

use super::{Lifecycle, StateId};

/// What one status read showed about a campaign.
#[derive(Debug, Clone, PartialEq)]
pub enum StateRead {
    /// The campaign is in this state of the rules.
    In(StateId),
    /// An in-between value (Kore.ai `Preparing`), on its way into a state.
    Settling {
        /// The value read.
        value: String,
        /// The state it settles into.
        into: StateId,
    },
    /// A value no state of the rules reads; `None` when the body holds nothing at the
    /// lifecycle's status pointer.
    Unknown(Option<serde_json::Value>),
    /// The host says there is no such campaign (404).
    NotFound,
    /// No usable answer: a transport failure, or a non-2xx other than 404 (from
    /// [`StateRead::from_answer`], also a body that is not JSON).
    Lost,
}

impl StateRead {
    /// What an answer to a status read means under `lifecycle`'s `status_pointer`.
    pub fn from_answer(lifecycle: &Lifecycle, status: u16, body: &[u8]) -> StateRead {
        if status == 404 {
            return StateRead::NotFound;
        }
        if !(200..300).contains(&status) {
            return StateRead::Lost;
        }
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => StateRead::from_body(lifecycle, &v),
            Err(_) => StateRead::Lost,
        }
    }

    /// What a 2xx status read's JSON body shows ([`Lifecycle::read_body`]).
    pub fn from_body(lifecycle: &Lifecycle, body: &serde_json::Value) -> StateRead {
        lifecycle.read_body(body)
    }

    /// What the read showed, in words, for a line a person reads (`reads "Paused"`, `404`).
    pub fn describe(&self) -> String {
        match self {
            StateRead::In(_) => "read a state".into(),
            StateRead::Settling { value, .. } => format!("still reads {value:?}"),
            // Not the value itself: a host that echoes a credential there must not get it printed.
            StateRead::Unknown(Some(_)) => "reads a value no state of the rules reads".into(),
            StateRead::Unknown(None) => "the status read shows no status".into(),
            StateRead::NotFound => "the status read answered 404".into(),
            StateRead::Lost => "no usable answer to the status read".into(),
        }
    }

    /// The state the campaign is in or settling into, if the read showed one.
    pub fn state(&self) -> Option<StateId> {
        match self {
            StateRead::In(s) | StateRead::Settling { into: s, .. } => Some(*s),
            _ => None,
        }
    }
}
