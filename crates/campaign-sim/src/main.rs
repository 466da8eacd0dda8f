//! `campaign-sim`: run the reference simulator as a process. The flags and the work are the
//! library's ([`campaign_sim::Cli`], [`campaign_sim::run`]); this only reports how it ended.

use campaign_sim::Cli;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    match campaign_sim::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("campaign-sim: {e}");
            ExitCode::from(2)
        }
    }
}
