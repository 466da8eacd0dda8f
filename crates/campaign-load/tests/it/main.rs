//! campaign-load's integration tests, one binary (as oha's are): the CLI as a user runs it, and
//! runs in process through the library's `run`. What several modules need lives in `support`.
//!
//! In-process runs take a process-wide lock (Goose's killswitch and Ctrl-C handler belong to the
//! process); tests that spawn the binary run alongside. Every file a test writes goes to a temp
//! folder of its own, never under `target/` or the repository.

mod support;

mod cleanup;
mod cli;
mod compare;
mod fleet;
mod hostile;
mod https;
mod inputs;
mod install;
mod measurement;
mod named_campaigns;
mod open_model;
mod redirects;
mod scale_out;
mod standin;
mod watch;
