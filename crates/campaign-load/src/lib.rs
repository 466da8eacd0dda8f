//! campaign-load: Goose workloads on vendor start/stop, driven by `scenarios/*.toml`.
//!
//! Each operation of a scenario's flow becomes a Goose transaction that renders its request
//! through campaign-api (the single source of paths, headers and bodies), classifies every
//! answer ([`accounting`]), samples bodies against the contract, and records the campaigns it
//! started under campaign-api's cleanup guard, so the run stops them and confirms each halted by
//! a status read. Goose provides the load shape, thresholds and
//! reports; [`summary`] keeps mergeable histograms for scale-out.

pub mod accounting;
pub mod lean;
pub mod named;
pub mod pacing;
pub mod run;
pub mod scenario;
pub mod summary;
