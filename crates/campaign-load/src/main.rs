//! `campaign-load`: run a named workload (a scenario file) and gate on its thresholds, merge the
//! summaries of several workers, or stop what a killed run left started. The exit codes are
//! listed in `--help` ([`campaign_load::Exit`]).

use campaign_load::{Cli, Exit};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("campaign-load: cannot start the runtime: {e}");
            return Exit::CouldNotStart.into();
        }
    };
    campaign_load::execute(cli, &runtime).into()
}
