//! `completions <shell>` and `man`: generated from the clap definitions the parser uses, so a
//! completion or a man page cannot offer a flag the binary does not take.

use crate::cli::Cli;
use crate::exit::Exit;
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// The completion script for `shell`, on stdout.
pub(super) fn completions(shell: clap_complete::Shell) -> Exit {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "campaign-load", &mut out);
    write_stdout(&out)
}

/// The man page on stdout: the main page, whose SUBCOMMANDS section lists `cleanup`, `merge`
/// and the rest (what `man campaign-load` shows once installed as `campaign-load.1`); with
/// `dir`, that page and one per subcommand (`campaign-load-merge.1`, …) written there.
pub(super) fn man(dir: Option<&Path>) -> Exit {
    let cmd = Cli::command();
    match dir {
        Some(dir) => {
            match std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)) {
                Ok(()) => {
                    println!("man pages written to {}", dir.display());
                    Exit::Pass
                }
                Err(e) => super::could_not_start(format!("man --dir {}: {e}", dir.display())),
            }
        }
        None => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut out) {
                Ok(()) => write_stdout(&out),
                Err(e) => super::could_not_start(format!("man: {e}")),
            }
        }
    }
}

/// Writes generated text to stdout in one go; a write that fails (a closed pipe) is said, and
/// ends in exit 2.
fn write_stdout(bytes: &[u8]) -> Exit {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Exit::Pass,
        Err(e) => super::could_not_start(format!("writing to stdout: {e}")),
    }
}
