//! The commands as the binary runs them: each prints what a person reads (the banner, the
//! accounting, the verdict) around the library call it makes, and ends in an [`Exit`].

mod cleanup;
mod compare;
mod docs;
mod merge;
mod run;
mod signals;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

/// Runs the command `cli` names on `runtime`, printing as it goes; the exit code says how it
/// ended.
///
/// Synchronous on purpose: the future tree of a run is polled here, so the release build
/// compiles it once, in this library. With `block_on` in the binary, rustc instantiated the whole
/// tree again in the binary's crate (release builds do not share generic instantiations
/// across crates): 30 s of a cold `cargo run --release`, for a 20-line `main`.
pub fn execute(cli: Cli, runtime: &tokio::runtime::Runtime) -> Exit {
    runtime.block_on(dispatch(cli))
}

async fn dispatch(cli: Cli) -> Exit {
    match cli.command {
        Some(Command::Merge {
            inputs,
            report_files,
            thresholds,
            junit,
            partial,
        }) => merge::main(
            &inputs,
            &report_files,
            &thresholds,
            junit.as_deref(),
            partial,
        ),
        Some(Command::Compare(args)) => compare::main(&args),
        Some(Command::Cleanup { run }) => cleanup::main(&run).await,
        Some(Command::Completions { shell }) => docs::completions(shell),
        Some(Command::Man { dir }) => docs::man(dir.as_deref()),
        None => run::main(&cli.run).await,
    }
}

/// Prints why a command could not run, and says so in the exit code.
fn could_not_start(why: impl std::fmt::Display) -> Exit {
    eprintln!("campaign-load: {why}");
    Exit::CouldNotStart
}
