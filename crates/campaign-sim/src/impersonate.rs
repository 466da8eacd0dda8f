//! Playing back a host's recorded answers (`campaign-sim --host-profile FILE`), so the
//! simulator can stand in for that host where the vendor docs are silent.
//!
//! A host record (`schemas/hosts/<vendor>-<host>.toml`, written by `campaign-contract check
//! --record`) holds what one host answered to the steps the docs leave open. The simulator plays
//! it back:
//! - a lifecycle step recorded with its rule (`[Stopped, stop]`) is answered with the recorded
//!   status and body when a campaign in that state gets that action (from the same call, or
//!   another version of it); the campaign moves to the state the rule gives that status, and
//!   stays where it is when the rule has no outcome for it;
//! - `unknown campaign`, `missing credentials` and `wrong credentials` are answered as recorded;
//! - a recorded status read is the template of every status read: its body, with the campaign's
//!   state written at the lifecycle's status pointer.
//!
//! Everything else is the simulator's own documented behaviour.

use axum::body::Body;
use axum::response::Response;
use campaign_api::lifecycle::action_name;
use campaign_api::{Action, HostRecord, Lifecycle, ObservedAnswer, OperationId, StateId};
use http::{HeaderValue, StatusCode, header};

/// A host record that names what the simulator's lifecycles do not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The record's `vendor` is not one the simulator plays.
    #[error("vendor {vendor:?} is not kore or voicegenie")]
    Vendor {
        /// The vendor as recorded.
        vendor: String,
    },
    /// A recorded rule names a state the vendor's lifecycle does not have.
    #[error("{at}: state {state:?} is not in {lifecycle}")]
    State {
        /// The answer: `[[answer]] #3 (kore voice-stop-v1 / stop twice)`.
        at: String,
        /// The state as recorded.
        state: String,
        /// The lifecycle file it was looked up in.
        lifecycle: String,
    },
    /// A recorded rule names an action the vendor does not have.
    #[error("{at}: {action:?} is not a {vendor} action")]
    Action {
        /// The answer, as in [`ProfileError::State`].
        at: String,
        /// The action as recorded.
        action: String,
        /// The record's vendor.
        vendor: String,
    },
}

/// The recorded answers the simulator plays back, for each vendor that has a record.
#[derive(Debug, Clone, Default)]
pub struct Impersonation {
    records: Vec<HostRecord>,
}

impl Impersonation {
    /// Plays back `records` (at most one per vendor: a later one for the same vendor replaces
    /// an earlier one).
    pub fn new(records: Vec<HostRecord>) -> Impersonation {
        let mut kept: Vec<HostRecord> = Vec::new();
        for r in records {
            kept.retain(|k| k.vendor != r.vendor);
            kept.push(r);
        }
        Impersonation { records: kept }
    }

    /// Checks every recorded rule names a state and an action of its vendor's lifecycle.
    pub fn check(&self, lifecycles: &crate::state::Lifecycles) -> Result<(), ProfileError> {
        for r in &self.records {
            let vendor =
                campaign_api::Vendor::from_slug(&r.vendor).ok_or_else(|| ProfileError::Vendor {
                    vendor: r.vendor.clone(),
                })?;
            let lifecycle = lifecycles.get(vendor);
            for (i, a) in r.answers.iter().enumerate() {
                let at = || format!("[[answer]] #{} ({} / {})", i + 1, a.operation, a.step);
                if let Some([state, action]) = &a.rule {
                    if lifecycle.state_named(state).is_none() {
                        return Err(ProfileError::State {
                            at: at(),
                            state: state.clone(),
                            lifecycle: lifecycle.file.to_string(),
                        });
                    }
                    if !campaign_api::lifecycle::vendor_actions(vendor)
                        .into_iter()
                        .any(|x| action_name(x) == action)
                    {
                        return Err(ProfileError::Action {
                            at: at(),
                            action: action.clone(),
                            vendor: r.vendor.clone(),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// True when nothing is played back.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn record(&self, op: OperationId) -> Option<&HostRecord> {
        let vendor = op.spec().vendor.slug();
        self.records.iter().find(|r| r.vendor == vendor)
    }

    /// The answer recorded for a fixed step (`unknown campaign`, `missing credentials`, …).
    pub(crate) fn case(&self, op: OperationId, step: &str) -> Option<Response> {
        self.record(op)?.find(op, step).map(respond)
    }

    /// The answer recorded for `action` on a campaign in `state`, and the state it leads to.
    pub(crate) fn rule(
        &self,
        op: OperationId,
        lifecycle: &Lifecycle,
        state: StateId,
        action: Action,
    ) -> Option<(Response, StateId)> {
        let record = self.record(op)?;
        let key = [
            lifecycle.state(state).name.clone(),
            action_name(action).to_string(),
        ];
        let answer = record.find_where(op, |a| a.rule.as_ref() == Some(&key))?;
        let next = lifecycle
            .rule(state, action)
            .outcome(answer.status)
            .map_or(state, |o| o.next);
        Some((respond(answer), next))
    }

    /// A status read in the shape this host answers reads, showing `reads` (the campaign's
    /// state) at the lifecycle's status pointer; `None` when no read was recorded.
    pub(crate) fn status_read(
        &self,
        op: OperationId,
        lifecycle: &Lifecycle,
        reads: &str,
    ) -> Option<Response> {
        let record = self.record(op)?;
        let spec = op.spec();
        let read = record.answers.iter().find(|a| {
            a.status == 200
                && OperationId::find(&a.operation).is_some_and(|o| {
                    o.spec().action == Action::Status && o.spec().vendor == spec.vendor
                })
                && a.rule.is_none()
                && a.step.starts_with("status")
        })?;
        let mut body = read.body_json()?;
        *body.pointer_mut(&lifecycle.status_pointer)? = serde_json::Value::String(reads.into());
        Some(json(200, body.to_string()))
    }
}

fn json(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The recorded status and body (an empty body when the host's was not JSON).
fn respond(a: &ObservedAnswer) -> Response {
    match &a.body {
        Some(body) => json(a.status, body.clone()),
        None => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() =
                StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            r
        }
    }
}
