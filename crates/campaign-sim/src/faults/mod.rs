//! Fault injection: what goes wrong with a request, decided by a [`FaultPolicy`].
//!
//! - `policy`: the trait, what a policy sees ([`FaultRequest`]) and what it decides
//!   ([`FaultDecision`], [`Fault`], [`Answer`]); closures are policies.
//! - `kind`: the six faults injected at a rate ([`FaultKind`]) and the one table of their rates
//!   ([`Rates`]) that seeded settings and scheduled windows share.
//! - `rates`: the seeded settings ([`Faults`]), the policy the simulator is configured with.
//! - `schedule`: windows on the simulator's clock that change the settings while they last.
//! - `latency`: added latency and the duration text (`20ms`, `1.5s`) it is written in.
//! - `live`: the settings in force in a running simulator, replaced through `/__sim/faults`.

mod kind;
mod latency;
pub(crate) mod live;
mod policy;
mod rates;
mod schedule;

pub use kind::{FaultKind, Rates};
pub use latency::{Latency, LatencyError, MAX_LATENCY};
pub(crate) use latency::{fmt_duration, text};
pub use policy::{Answer, Fault, FaultDecision, FaultPolicy, FaultRequest};
pub use rates::{Faults, FaultsError};
pub use schedule::{MAX_WINDOWS, Window, WindowError};
