//! `campaign-contract`: run the contract checks from a shell or a CI job. The commands, their
//! flags and exit codes are [`campaign_contract::Cli`]'s.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = campaign_contract::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("campaign-contract: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    campaign_contract::run_cli(cli, &runtime)
}
