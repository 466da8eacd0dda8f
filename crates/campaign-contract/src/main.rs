//! `campaign-contract`: run the contract checks from a shell or a CI job. The commands, their
//! flags and exit codes are [`campaign_contract::Cli`]'s.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    campaign_contract::run_cli(campaign_contract::Cli::parse()).await
}
