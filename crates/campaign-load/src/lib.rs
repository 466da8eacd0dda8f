//! campaign-load: load runs against vendor campaign APIs, driven by scenario files
//! (`scenarios/*.toml`), judged on their own figures.
//!
//! Each operation of a scenario's flow becomes a Goose transaction that renders its request
//! through campaign-api (the single source of paths, headers and bodies), classifies every
//! answer, samples bodies against the contract, and puts every campaign it starts under the
//! run's cleanup guard, so the run stops them and confirms each halted by a status read. An
//! arrival-rate run paces its users on a schedule (the open model). Both latencies (service:
//! send → first byte; response: due → first byte) are kept as microsecond histograms per request
//! and per second in a [`Summary`] that merges exactly across workers.
//!
//! The surface is small, as oha's is: the configuration ([`Cli`], or [`RunConfig`] for a run in
//! process), [`run`], [`merge`] and [`cleanup`], and the [`Cancel`] token that stops a run from
//! outside.
//!
//! A scenario is read and checked before anything is sent; a run takes it with the host to
//! drive, and a [`Cancel`] the caller keeps:
//!
//! ```
//! use campaign_load::Scenario;
//! use std::path::Path;
//!
//! let scenario = Scenario::parse(
//!     Path::new("demo.toml"),
//!     r#"
//!     vendor = "kore"
//!     thresholds = ["p99<250ms", "error-rate<1%"]
//!     [[flow]]
//!     steps = ["voice-start-v1", "voice-stop-v1"]
//!     [campaigns]
//!     mode = "per-user"
//!     [load]
//!     users = 4
//!     run_time = "10s"
//!     "#,
//! )?;
//! assert_eq!(scenario.load.users, Some(4));
//! // Every value as the run will use it: a bound, users within limits, ids campaign-api accepts.
//! scenario.check()?;
//! // With a host: campaign_load::run(&RunConfig::new(scenario, target), &Cancel::new()).await
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod abort;
mod accounting;
mod backoff;
mod cancel;
mod cleanup;
mod cli;
mod cmd;
pub mod compare;
mod error;
mod exit;
mod histogram;
mod host;
mod merge;
mod metrics;
mod named;
mod pacing;
mod progress;
mod recorder;
mod report;
mod run;
mod scenario;
mod summary;
mod threshold;
mod transport;
mod wallclock;
mod worker;

pub use cancel::{Cancel, CancelReason};
pub use cleanup::{Cleanup, cleanup};
pub use cli::{Cli, ClientArg, Command, CompareArgs, RunArgs};
pub use cmd::execute;
pub use error::LoadError;
pub use exit::Exit;
pub use merge::{MAX_SUMMARY_BYTES, Merged, merge};
pub use run::{Outcome, READY, RunConfig, run};
pub use scenario::{FileProblem, Scenario, ScenarioError, ValueError};
pub use summary::{Aborted, RequestStats, Summary, ThresholdLine};
pub use worker::{FleetError, WorkerError, WorkerSlice};

/// The parts of a [`Summary`], for programs that read one.
pub mod figures {
    pub use crate::accounting::AccountingSnapshot;
    pub use crate::histogram::Histogram;
    pub use crate::summary::{Arrivals, Model, Second, StageStats};
}
