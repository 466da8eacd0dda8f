//! campaign-contract: proves vendor responses match the committed contract in `schemas/`.
//!
//! The registry compiles every schema once; the contract suite in `tests/` drives real exchanges
//! (a sandbox host when configured, the embedded simulator otherwise) and validates them.

pub mod registry;

pub use registry::{Schema, SchemaRegistry, Violation};
