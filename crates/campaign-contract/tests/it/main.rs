//! campaign-contract's integration tests, one binary: each module one concern (the contract
//! suite, its noise handling, the leak gate, the schema diff, the OpenAPI documents, …), sharing
//! [`support`]. Test files write only under the system temp dir.

mod cleanup_guard;
mod contract_suite;
mod curl_samples;
mod debug_secrets;
mod diff_schemas;
mod drift_selftest;
mod install;
mod leaks;
mod lifecycle_rules;
mod noise;
mod openapi;
mod private_ca;
mod report_schema;
mod samples;
mod secrets;
mod self_contained;
mod standin;
mod support;
