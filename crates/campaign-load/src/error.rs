//! Why a command could not run, or ended in an error that is not a verdict. Each variant names
//! what the user must fix: the file and key, the flag, the variable, the address.

use crate::named::NamedError;
use crate::report::ReportError;
use crate::scenario::{ScenarioError, ValueError};
use crate::summary::{Mismatch, SummaryFileError};
use crate::threshold::ThresholdError;
use std::path::PathBuf;

/// Why a command could not run (exit 2), or a run that ended in an error.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No scenario was given.
    #[error("give a scenario: campaign-load --scenario scenarios/smoke.toml")]
    NoScenario,
    /// The scenario file cannot be used.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A value of the scenario, as the flags left it, cannot be used.
    #[error("{}: {source}", path.display())]
    Value {
        /// The scenario file.
        path: PathBuf,
        /// The value and what to give instead.
        source: ValueError,
    },
    /// A flag's value cannot be used.
    #[error("{flag}: {fix}")]
    Flag {
        /// The flag as given (`--rate 0`).
        flag: String,
        /// What to give instead.
        fix: String,
    },
    /// A threshold rule does not parse.
    #[error("{from}: {source}")]
    Threshold {
        /// Where the rule came from: the scenario file, or `--threshold`.
        from: String,
        /// The rule and what is wrong with it.
        source: ThresholdError,
    },
    /// A report cannot be written where it was asked for.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// On a configured host, the scenario would touch campaigns nobody named.
    #[error("{}: {source}", path.display())]
    Named {
        /// The scenario file.
        path: PathBuf,
        /// Which campaigns, and which variable names them.
        source: NamedError,
    },
    /// A host that is not this machine, without `--allow-remote`.
    #[error(
        "{host} is not this machine: real campaigns dial real people; pass --allow-remote to run against it"
    )]
    Remote {
        /// The host as the user gave it (`--host https://…`), or its label.
        host: String,
    },
    /// The host's configuration from env or `--host` is wrong (names the variable).
    #[error(transparent)]
    Target(#[from] campaign_api::ConfigError),
    /// `--host` was given but no target could be made of it.
    #[error("--host {0}: no target could be configured")]
    NoTarget(String),
    /// The embedded simulator did not start.
    #[error("the embedded simulator did not start: {0}")]
    Simulator(#[source] std::io::Error),
    /// `cleanup` with no host to clean up after.
    #[error(
        "no host configured: an embedded simulator's campaigns end with its run; set the vendor's *_BASE_URL or --host"
    )]
    NothingToClean,
    /// `--baseline` or its `--fail-on` rules cannot be used.
    #[error("{0}")]
    Baseline(String),
    /// `--ca-file` / `--insecure` cannot be used.
    #[error("--ca-file / --insecure: {0}")]
    Trust(#[from] campaign_api::TrustError),
    /// `--schemas` or `CAMPAIGN_SCHEMAS_DIR` names a folder that cannot be used.
    #[error(transparent)]
    SchemaSource(#[from] campaign_api::SchemaSourceError),
    /// The lifecycle rules under `schemas/` did not load.
    #[error("schemas: {0}")]
    Lifecycle(#[from] campaign_api::LifecycleError),
    /// The schema registry did not load.
    #[error("schemas: {0}")]
    Schemas(#[from] campaign_schema::RegistryError),
    /// The HTTP client for the cleanup could not be built.
    #[error("the cleanup's client: {0}")]
    Client(#[from] campaign_api::ClientSetupError),
    /// The journal of started campaigns could not be read or written.
    #[error("the journal of started campaigns: {0}")]
    Journal(#[from] campaign_api::JournalError),
    /// The lean client cannot reach the host as given.
    #[error("{host}: {why}")]
    Transport {
        /// The host's label.
        host: String,
        /// What is wrong (`no host and port`, a TLS setting).
        why: String,
    },
    /// `--metrics-addr` could not be bound.
    #[error("--metrics-addr {addr}: {source} (nothing was sent)")]
    Metrics {
        /// The address.
        addr: std::net::SocketAddr,
        /// The OS's reason.
        source: std::io::Error,
    },
    /// Goose refused its options (a `--goose` flag, or a value Goose checks itself).
    #[error("{0} (nothing was sent)")]
    GooseOptions(String),
    /// Goose stopped with an error once the attack began.
    #[error("{what} ({})", if *sent == 0 { "nothing was sent".to_string() } else { format!("the run was cut short after {sent} request(s); {stopped} campaign(s) confirmed stopped") })]
    Goose {
        /// Goose's own words, with its option and value where it names them.
        what: String,
        /// Requests sent before it stopped.
        sent: u64,
        /// Campaigns the cleanup confirmed halted.
        stopped: usize,
    },
    /// Cancelled before the attack began (during the recovery of an earlier run's leftovers).
    #[error("interrupted before the attack began (nothing more was sent)")]
    CancelledBeforeStart,
    /// A summary file could not be read (`merge`).
    #[error(transparent)]
    Summary(#[from] SummaryFileError),
    /// A worker slice that cannot be used, or a scenario it cannot split.
    #[error("{0}")]
    Worker(#[from] crate::worker::WorkerError),
    /// Summaries that are not one whole test.
    #[error("merge: {0}")]
    Fleet(#[from] crate::worker::FleetError),
    /// The same summary given twice to `merge`.
    #[error("{}: the same summary as {}; each worker's summary is merged once", path.display(), first.display())]
    SameSummary {
        /// The repeated input.
        path: PathBuf,
        /// Where it was first given.
        first: PathBuf,
    },
    /// A summary that cannot be merged with the others.
    #[error("{}: cannot merge: {source}", path.display())]
    Unmergeable {
        /// The input.
        path: PathBuf,
        /// Why.
        source: Mismatch,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
