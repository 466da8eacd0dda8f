//! campaign-contract: proves vendor responses match the committed contract in `schemas/`, and
//! gates CI on drift.
//!
//! That is its one job; the contract itself (schema registry, the checker that grades one
//! exchange into findings, shape inference) lives in campaign-schema. This crate walks hosts
//! through it and reports:
//!
//! - [`run_suite`] walks each vendor's documented lifecycle against its sandbox or the embedded
//!   simulator (an [`Environment`]), stopping everything it started, within a call budget that
//!   keeps noise apart from drift ([`CallPolicy`]).
//! - [`Report`] renders the result for people (text, Markdown) and machines (JSON), and decides
//!   the [`Verdict`].
//! - [`scan_for_leaks`] scans written artifacts (snapshots, reports) for credential values.
//! - `check --record` writes what a sandbox answered where the docs are silent, so later runs
//!   hold that host to it (the *observed* grade).
//! - [`generate_openapi`] writes one OpenAPI 3.1 document per vendor from the operation table,
//!   the schemas and the lifecycle rules, for other people's validators and fuzzers.
//! - [`diff_trees`] and [`diff_lifecycle`] class changes to `schemas/` since a git revision, as a
//!   client reading responses sees them.
//! - [`Cli`] and [`run_cli`] are the `campaign-contract` command line; its `main` is a parse and
//!   a call.
//!
//! From one exchange to the gate's verdict: the checker grades it, the report carries the
//! findings and decides.
//!
//! ```
//! use campaign_api::{Exchange, OperationId};
//! use campaign_contract::{Report, StepResult, Verdict};
//! use campaign_schema::{Assumptions, Checker, Class, Grade, SchemaRegistry};
//!
//! let checker = Checker::new(SchemaRegistry::load_default()?);
//! // A start answered 200 whose `totalCallsCompleted` became a string.
//! let mut headers = http::HeaderMap::new();
//! headers.insert("content-type", http::HeaderValue::from_static("application/json"));
//! let x = Exchange {
//!     operation: OperationId::KoreVoiceStartV1,
//!     status: http::StatusCode::OK,
//!     headers,
//!     body: br#"{"status":"Active","message":"Campaign Started","totalCallsCompleted":"0",
//!              "updatedAt":"2025-06-27T07:01:45.416Z","campaignInstanceId":"cid-1"}"#
//!         .to_vec()
//!         .into(),
//!     elapsed: std::time::Duration::from_millis(12),
//! };
//! let findings = checker.check(x.operation, "start when Ready", &x, Assumptions::Report);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].class, Class::Breaking);
//! assert_eq!(findings[0].pointer, "/totalCallsCompleted");
//!
//! let mut report = Report::default();
//! report.steps.push(StepResult {
//!     vendor: "kore".into(),
//!     operation: x.operation.spec().qualified_name(),
//!     source: x.operation.spec().source.to_string(),
//!     step: "start when Ready".into(),
//!     expected: "200".into(),
//!     status: Some(200),
//!     grade: Grade::Documented,
//!     elapsed_ms: 12,
//!     attempts: 1,
//!     rule: None,
//!     findings,
//! });
//! assert_eq!(report.verdict(), Verdict::Drift);
//! assert_eq!(report.verdict().exit_code(), 1);
//! assert!(report.render().contains("$.totalCallsCompleted  expected integer"));
//! # Ok::<(), campaign_schema::RegistryError>(())
//! ```

mod cli;
mod environment;
mod help;
mod leaks;
mod observed;
mod openapi;
mod report;
mod retry;
mod schema_diff;
mod suite;

pub use cli::{Cli, run_cli};
pub use environment::{Environment, EnvironmentError, HOSTS_DIR_VAR, default_hosts_dir};
pub use leaks::{LeakError, Unreadable, env_secret_values, scan_for_leaks, secret_values_from};
pub use openapi::{
    OpenApiError, generate_openapi, openapi_file_name, openapi_out_dir, stale_openapi,
    write_openapi,
};
pub use report::{REPORT_SCHEMA_VERSION, Report, StepResult, Tally, TargetLine, Verdict};
pub use retry::{CallPolicy, PolicyError};
pub use schema_diff::{
    ChangeClass, DiffError, LifecycleRules, RulesError, SchemaChange, diff_lifecycle, diff_trees,
};
pub use suite::{Recorded, SuiteRun, run_suite};
