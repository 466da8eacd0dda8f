//! The extension point: a [`FaultPolicy`] decides, per request, what goes wrong with it.
//!
//! Borrowed from wiremock's `Respond`: one small trait, implemented by the seeded rates
//! ([`Faults`](super::Faults)), by any closure, and by whatever a test writes. The simulator asks
//! the policy once per vendor request, after routing and before touching the campaign, and does
//! what the [`FaultDecision`] says.

use campaign_api::OperationId;
use serde_json::Value;
use std::time::Duration;

/// What a policy knows about a request when it decides.
///
/// Deliberately no headers: a policy never sees a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultRequest<'a> {
    /// The request's number in the run, from 0: every vendor request routed to an operation
    /// counts, faulted or not. `POST /__sim/reset` sets it back to 0.
    pub number: u64,
    /// The operation addressed.
    pub operation: OperationId,
    /// The campaign id in the path.
    pub campaign: &'a str,
    /// The simulator's clock: time since it started (or was reset, or set through
    /// `PUT /__sim/clock`). Scheduled windows are measured on it.
    pub elapsed: Duration,
    /// The run's seed, for policies that draw at random and must repeat.
    pub seed: u64,
}

/// Decides what goes wrong with each request.
///
/// ```
/// use campaign_api::OperationId;
/// use campaign_sim::{Answer, FaultDecision, FaultPolicy, FaultRequest, SimConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // The first three requests meet a 503; the rest are answered by the rules.
/// let policy = |r: &FaultRequest<'_>| {
///     if r.number < 3 {
///         FaultDecision::instead(Answer::injected(503))
///     } else {
///         FaultDecision::none()
///     }
/// };
/// let request = |number| FaultRequest {
///     number,
///     operation: OperationId::VoiceGenieStart,
///     campaign: "vg-1",
///     elapsed: std::time::Duration::ZERO,
///     seed: 0,
/// };
/// assert!(!policy.decide(&request(2)).is_none());
/// assert!(policy.decide(&request(3)).is_none());
///
/// // On a real socket:
/// let sim = campaign_sim::start_with_policy(SimConfig::default(), policy).await?;
/// sim.stop().await;
/// # Ok(())
/// # }
/// ```
pub trait FaultPolicy: Send + Sync {
    /// What happens to `request`. [`FaultDecision::none`] lets the next policy decide (the
    /// simulator's configured rates and schedule), and answers by the rules when none is left.
    fn decide(&self, request: &FaultRequest<'_>) -> FaultDecision;
}

impl<F> FaultPolicy for F
where
    F: Fn(&FaultRequest<'_>) -> FaultDecision + Send + Sync,
{
    fn decide(&self, request: &FaultRequest<'_>) -> FaultDecision {
        self(request)
    }
}

/// The decision for one request: wait, then (maybe) misbehave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultDecision {
    /// Waited before anything else happens (the answer, or the dropped connection).
    pub delay: Duration,
    /// What goes wrong, if anything.
    pub fault: Option<Fault>,
}

impl FaultDecision {
    /// Nothing: answer by the rules, at once.
    pub fn none() -> FaultDecision {
        FaultDecision::default()
    }

    /// Only wait `delay`, then answer by the rules.
    pub fn delay(delay: Duration) -> FaultDecision {
        FaultDecision { delay, fault: None }
    }

    /// Answer `answer` without touching the campaign.
    pub fn instead(answer: Answer) -> FaultDecision {
        Fault::Instead(answer).into()
    }

    /// Apply the rule (the change is made), then answer `answer`: the answer is lost.
    pub fn after_applying(answer: Answer) -> FaultDecision {
        Fault::AfterApplying(answer).into()
    }

    /// A status read that shows `value` instead of the state (Kore.ai's `Preparing`).
    pub fn reads(value: impl Into<String>) -> FaultDecision {
        Fault::Reads(value.into()).into()
    }

    /// Also wait `delay` first.
    pub fn with_delay(mut self, delay: Duration) -> FaultDecision {
        self.delay = delay;
        self
    }

    /// True when nothing is delayed and nothing goes wrong.
    pub fn is_none(&self) -> bool {
        self.delay.is_zero() && self.fault.is_none()
    }
}

impl From<Fault> for FaultDecision {
    fn from(fault: Fault) -> FaultDecision {
        FaultDecision {
            delay: Duration::ZERO,
            fault: Some(fault),
        }
    }
}

/// What goes wrong with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Close the connection without answering; the campaign is untouched.
    Drop,
    /// Answer this instead, before touching the campaign (a 503, a 429 with `Retry-After`, a
    /// 4xx the rules do not give).
    Instead(Answer),
    /// Apply the rule, then answer this instead: the change is made, its answer lost.
    AfterApplying(Answer),
    /// A status read shows this value at the vendor's status pointer instead of the state;
    /// the campaign is untouched. Ignored by other operations.
    Reads(String),
    /// Handle the request, then cut the JSON body in half.
    Malformed,
    /// Handle the request, then label the body `text/html`.
    WrongContentType,
}

impl Fault {
    /// The name `/__sim/counters` counts it under (`injected`).
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Drop => "dropped",
            Fault::Instead(_) => "instead",
            Fault::AfterApplying(_) => "after_applying",
            Fault::Reads(_) => "reads",
            Fault::Malformed => "malformed",
            Fault::WrongContentType => "wrong_content_type",
        }
    }
}

/// An answer a fault puts in place of the vendor's: a status, extra headers and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status (an invalid one is sent as 500).
    pub status: u16,
    /// Headers added to `Content-Type: application/json` (invalid ones are skipped).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Value,
}

impl Answer {
    /// `status` with `body`.
    pub fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// The simulator's own body for an injected status: `{"error":"UNAVAILABLE","message":…}`.
    pub fn injected(status: u16) -> Answer {
        let error = match status {
            429 => "RATE_LIMITED",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        };
        Answer::json(
            status,
            serde_json::json!({"error": error, "message": format!("injected fault {status}")}),
        )
    }

    /// A 429 the way rate limiters send it: `Retry-After` and `x-ratelimit-*` headers.
    pub fn rate_limited(retry_after_secs: u64) -> Answer {
        Answer::json(
            429,
            serde_json::json!({"error": "RATE_LIMITED", "message": "Rate limit exceeded (injected fault)"}),
        )
        .header("retry-after", retry_after_secs.to_string())
        .header("x-ratelimit-limit", "60")
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-reset", retry_after_secs.to_string())
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }
}
