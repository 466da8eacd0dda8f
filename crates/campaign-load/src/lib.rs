//! campaign-load: Goose workloads on vendor start/stop, driven by `scenarios/*.toml`.
//!
//! Each operation of a scenario's flow becomes a Goose transaction that renders its request
//! through campaign-api (the single source of paths, headers and bodies), classifies every
//! answer ([`accounting`]), samples bodies against the contract, and records the campaigns it
//! started so the run can stop them ([`safety`]). Goose provides the load shape, thresholds and
//! reports; [`summary`] keeps mergeable histograms for scale-out.

pub mod accounting;
pub mod lean;
pub mod pacing;
pub mod run;
pub mod safety;
pub mod scenario;
pub mod summary;
