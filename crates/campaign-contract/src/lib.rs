//! campaign-contract: proves vendor responses match the committed contract in `schemas/`, and
//! gates CI on drift.
//!
//! The contract itself (schema registry, the checker that grades one exchange into findings,
//! shape inference) lives in campaign-schema; this crate walks hosts through it and reports.
//!
//! - [`suite`] walks each vendor's documented lifecycle against its sandbox or the embedded
//!   simulator ([`environment`]), stopping everything it started.
//! - [`report`] renders the result for people and for machines.
//! - [`retry`] keeps noise apart from drift: retries with backoff within a call budget.
//! - [`leaks`] scans written artifacts (snapshots, reports) for credential values from env.
//! - [`observed`] records what a sandbox answered where the docs are silent (`check --record`),
//!   so later runs hold that host to it.
//! - [`openapi`] writes one OpenAPI 3.1 document per vendor from the operation table, the
//!   schemas and the lifecycle rules, for other people's validators and fuzzers.
//! - [`schema_diff`] classes changes to `schemas/` (schemas and lifecycle rules) since a git
//!   revision, as a client reading responses sees them.
//!
//! From one exchange to the gate's verdict: the checker grades it, the report carries the
//! findings and decides.
//!
//! ```
//! use campaign_api::{Exchange, OperationId};
//! use campaign_contract::report::{Report, StepResult, Verdict};
//! use campaign_schema::{Assumptions, Checker, Class, Grade, SchemaRegistry};
//!
//! let checker = Checker::new(SchemaRegistry::load_default().unwrap());
//! // A start answered 200 whose `totalCallsCompleted` became a string.
//! let mut headers = http::HeaderMap::new();
//! headers.insert("content-type", "application/json".parse().unwrap());
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
//! ```

pub mod environment;
pub mod leaks;
pub mod observed;
pub mod openapi;
pub mod report;
pub mod retry;
pub mod schema_diff;
pub mod suite;

pub use environment::Environment;
pub use report::Report;
