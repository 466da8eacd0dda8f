//! campaign-sim: the reference simulator of the vendors' campaign APIs.
//!
//! A real HTTP server on a real socket that behaves as the vendor docs say: per-campaign state
//! moved by the rules in `schemas/{vendor}/lifecycle.toml` (the same rules the contract suite
//! checks hosts against), the documented success and error bodies, credential checks, auto-provisioned
//! campaigns for load tests, fault injection decided per request by a [`FaultPolicy`] (seeded
//! rates, scheduled windows, or a test's own script), and `/__sim/` admin routes whose counters
//! are the ground truth tests and benchmarks compare against, and through which the faults can
//! be replaced while it runs.
//!
//! No client can starve the others ([`Limits`]): request heads and idle connections are timed,
//! connections past a cap are closed at once, half-closed clients are answered, and the campaign
//! store is bounded (only a start auto-provisions, ids have a length limit, the store a cap).
//!
//! It serves HTTPS when given a certificate and key ([`SimTls`]); the handshake runs inside each
//! connection's task under the same header timeout, so a client that never finishes one holds
//! nothing but its own slot.
//!
//! Routes come from campaign-api's operation table, so the simulator and the client cannot agree
//! on a path the vendor never documented.

pub mod admin;
pub mod auth;
pub mod clock;
pub mod config;
mod connection;
pub mod counters;
pub mod dispatch;
pub mod faults;
pub mod handler;
pub mod impersonate;
pub mod inject;
pub mod metrics;
pub mod server;
pub mod state;
pub mod tls;

pub use config::{AuthConfig, CampaignSeed, Limits, SimConfig};
pub use counters::CountersSnapshot;
pub use faults::{
    Answer, Fault, FaultDecision, FaultPolicy, FaultRequest, Faults, FaultsError, Latency, Window,
};
pub use server::{RunningSim, bind, bind_with_policy, start, start_with_policy};
pub use state::Lifecycles;
pub use tls::{SimTls, TlsFileError, TlsPart};
