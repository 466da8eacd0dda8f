//! campaign-sim's integration tests: one binary (one link, one run), a module per concern,
//! and the shared arrange steps in `support`.
//!
//! Every test starts its own simulator on a loopback port the OS picks, so tests run in
//! parallel without sharing state; what a test writes goes under a temp dir.

mod support;

mod admin_faults;
mod auth;
mod bad_requests;
mod faults;
mod half_close;
mod lifecycle;
mod memory;
mod metrics;
mod model;
mod policy;
mod secrets;
mod slowloris;
mod tls;
