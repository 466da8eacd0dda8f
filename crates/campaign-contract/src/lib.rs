//! campaign-contract: proves vendor responses match the committed contract in `schemas/`, and
//! gates CI on drift.
//!
//! - [`registry`] compiles every schema once (2020-12, formats asserted).
//! - [`check`] turns one exchange into [`finding::Finding`]s, each classed breaking, additive,
//!   undocumented or unavailable.
//! - [`shape`] infers a body's structure for snapshots that change only when structure does.
//! - [`suite`] walks each vendor's documented lifecycle against its sandbox or the embedded
//!   simulator ([`environment`]), stopping everything it started.
//! - [`cleanup`] stops every campaign the suite may have started, confirmed by a status read.
//! - [`report`] renders the result for people and for machines.
//! - [`retry`] keeps noise apart from drift: retries with backoff within a call budget.
//! - [`walk`] plans the walk through a vendor's lifecycle rules.
//! - [`leaks`] scans written artifacts (snapshots, reports) for credential values from env.
//! - [`schema_diff`] classes changes to `schemas/` (schemas and lifecycle rules) since a git
//!   revision, as a client reading responses sees them.

pub mod check;
pub mod cleanup;
pub mod environment;
pub mod finding;
pub mod leaks;
pub mod registry;
pub mod report;
pub mod retry;
pub mod schema_diff;
pub mod shape;
pub mod suite;
pub mod walk;

pub use check::{Assumptions, Checker};
pub use environment::{Environment, Kind};
pub use finding::{Class, Finding};
pub use registry::{Schema, SchemaRegistry, Violation};
pub use report::Report;
