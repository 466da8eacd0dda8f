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
//! - [`schema_diff`] classes changes to `schemas/` (schemas and lifecycle rules) since a git
//!   revision, as a client reading responses sees them.

pub mod environment;
pub mod leaks;
pub mod report;
pub mod retry;
pub mod schema_diff;
pub mod suite;

pub use environment::Environment;
pub use report::Report;
