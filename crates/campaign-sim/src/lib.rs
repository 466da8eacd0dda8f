//! campaign-sim: the reference simulator of the vendors' campaign APIs.
//!
//! Its one job: be a host that behaves as the Kore.ai and VoiceGenie docs say, on a real
//! socket, so the contract suite, the load tool and their tests have something to run against
//! that is known to be right, and that can be made to misbehave on cue.
//!
//! ```
//! use campaign_sim::{SimConfig, start};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // Arrange: the demo campaigns, any credential accepted, no faults, a port the OS picks.
//! let sim = start(SimConfig::default()).await?;
//!
//! // Act: a client talks to it as it would to a vendor.
//! let base = sim.base_url();
//!
//! // Assert: it listens on loopback, and has answered nothing yet.
//! assert!(base.starts_with("http://127.0.0.1:"));
//! assert_eq!(sim.counters().total, 0);
//! sim.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! What it does, in more detail:
//!
//! - Per-campaign state moved by the rules in `schemas/{vendor}/lifecycle.toml` (the same rules
//!   the contract suite checks hosts against), the documented success and error bodies,
//!   credential checks ([`AuthConfig`]), auto-provisioned campaigns for load tests.
//! - Fault injection decided per request by a [`FaultPolicy`]: seeded rates ([`Faults`]),
//!   scheduled [`Window`]s, or a test's own script ([`start_with_policy`]).
//! - `/__sim/` admin routes whose counters ([`CountersSnapshot`]) are the ground truth tests and
//!   benchmarks compare against, through which the faults can be replaced while it runs, and
//!   a Prometheus scrape whose latency buckets ([`LATENCY_BUCKETS_SECONDS`]) campaign-load shares.
//! - No client can starve the others ([`Limits`]): request heads and idle connections are
//!   timed, connections past a cap are closed at once, half-closed clients are answered, and
//!   the campaign store is bounded.
//! - HTTPS when given a certificate and key ([`SimTls`]); the handshake runs inside each
//!   connection's task under the same header timeout.
//! - Playback of a host's recorded answers where the docs are silent ([`Impersonation`]).
//!
//! Routes come from campaign-api's operation table, so the simulator and the client cannot
//! agree on a path the vendor never documented. The `campaign-sim` binary is [`Cli`] and
//! [`run`] over the same library.

mod admin;
mod auth;
mod bodies;
mod cli;
mod clock;
mod config;
mod connection;
mod counters;
mod dispatch;
mod faults;
mod handler;
mod impersonate;
mod inject;
mod metrics;
mod server;
mod shared;
mod state;
mod tls;

pub use cli::{Cli, CliError, run};
pub use config::{
    AuthConfig, CampaignSeed, ConfigFileError, DOC_SAMPLE_VOICEGENIE_ID, DRAFT_VOICEGENIE_ID,
    Limits, LimitsError, MAX_CAMPAIGNS_FILE_BYTES, SimConfig,
};
pub use counters::{CampaignCounts, ConnectionCounts, CountersSnapshot, INJECTED};
pub use faults::{
    Answer, Fault, FaultDecision, FaultKind, FaultPolicy, FaultRequest, Faults, FaultsError,
    Latency, LatencyError, MAX_LATENCY, MAX_WINDOWS, Rates, Window, WindowError,
};
pub use impersonate::{Impersonation, ProfileError};
pub use metrics::{
    LATENCY_BUCKETS_SECONDS, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_TEXT_CONTENT_TYPE,
};
pub use server::{RunningSim, bind, bind_with_policy, start, start_with_policy};
pub use state::Lifecycles;
pub use tls::{SimTls, TlsFileError, TlsPart, TlsPemError};
