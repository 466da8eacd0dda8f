//! campaign-load: Goose workloads on vendor start/stop, driven by `scenarios/*.toml`.
//!
//! Each operation of a scenario's flow becomes a Goose transaction that renders its request
//! through campaign-api (the single source of paths, headers and bodies), classifies every
//! answer ([`accounting`]), samples bodies against the contract, and records the campaigns it
//! started under campaign-api's cleanup guard, so the run stops them and confirms each halted by
//! a status read. Goose provides the users and their loop; an arrival-rate run paces them on a
//! schedule ([`pacing`], the open model). Both latencies are recorded per request and per
//! second ([`recorder`]) into a mergeable [`summary`], judged by [`thresholds`] and drawn by
//! [`charts`] into an HTML report that needs no network.

pub mod accounting;
pub mod charts;
pub mod histogram;
pub mod junit;
pub mod lean;
pub mod metrics;
pub mod named;
pub mod pacing;
pub mod recorder;
pub mod run;
pub mod scenario;
pub mod summary;
pub mod thresholds;
