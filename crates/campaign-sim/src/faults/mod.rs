//! Fault injection: what goes wrong with a request, decided by a [`FaultPolicy`].
//!
//! - [`policy`]: the trait, what a policy sees ([`FaultRequest`]) and what it decides
//!   ([`FaultDecision`], [`Fault`], [`Answer`]); closures are policies.
//! - [`rates`]: the seeded rates ([`Faults`]), the policy the simulator is configured with.
//! - [`schedule`]: windows on the simulator's clock that change the rates while they last.
//! - [`latency`]: added latency and the duration text (`20ms`, `1.5s`) it is written in.
//! - [`live`]: the settings in force in a running simulator, replaced through `/__sim/faults`.

pub mod latency;
pub mod live;
pub mod policy;
pub mod rates;
pub mod schedule;

pub use latency::Latency;
pub use policy::{Answer, Fault, FaultDecision, FaultPolicy, FaultRequest};
pub use rates::{Faults, FaultsError};
pub use schedule::Window;
