//! The exit codes of `campaign-load`, in one place: the binary, `cleanup` and `merge` use the
//! same meanings, and `--help` lists them from here.

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every threshold held (`cleanup`: every leftover confirmed halted).
    Pass,
    /// 1: a threshold failed (`cleanup`: a leftover could not be confirmed halted).
    ThresholdFailed,
    /// 2: nothing was run: a bad scenario, flag or input file, missing credentials, a refused
    /// remote host, an unbounded run, Goose refused its options.
    CouldNotStart,
    /// 3: the run ended, but a campaign it started could not be confirmed halted: someone must
    /// look (it stays in the journal for `campaign-load cleanup`).
    Unconfirmed,
    /// 130: cut short by Ctrl-C (128 + SIGINT, as shells report it); the cleanup still ran.
    Interrupted,
    /// 143: cut short by SIGTERM (128 + SIGTERM); the cleanup still ran.
    Terminated,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::ThresholdFailed => 1,
            Exit::CouldNotStart => 2,
            Exit::Unconfirmed => 3,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

/// The exit codes in words, for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    every threshold held (cleanup: every leftover confirmed halted)
  1    a threshold failed (cleanup: a leftover not confirmed halted)
  2    nothing was run: bad scenario, flag or input file, missing credential, refused host
  3    the run ended but a campaign it started is not confirmed halted (see `cleanup`)
  130  cut short by Ctrl-C; the campaigns it started were still stopped
  143  cut short by SIGTERM; the campaigns it started were still stopped";

/// `campaign-load cleanup --help`: its examples and exit codes.
pub const CLEANUP_HELP: &str = "\
Examples:
  campaign-load cleanup -s scenarios/voice-start-stop.toml
      stop what the journal of KORE_BASE_URL's host shows an earlier run left started
  KORE_VOICE_CAMPAIGN_ID=cmp-1,cmp-2 campaign-load cleanup -s scenarios/voice-start-stop.toml
      stop only cmp-1 and cmp-2; any other journaled id is listed and left alone

Exit codes:
  0    every leftover confirmed halted by a status read (or none was left)
  1    a leftover could not be confirmed halted: check it by hand (it stays in the journal)
  2    nothing was sent: bad scenario or flag, missing credential, no configured host";

/// `campaign-load merge --help`: its examples and exit codes.
pub const MERGE_HELP: &str = "\
Examples:
  campaign-load merge w0.json w1.json w2.json --report-file fleet.html
      the fleet's report, judged by the workers' rules on the merged figures
  campaign-load merge w*.json --report-file fleet.md --threshold 'p99<250ms' --junit fleet.xml
      fleet-wide rules in place of the workers', and JUnit for the CI

Exit codes:
  0    every threshold held on the merged figures
  1    a threshold failed on the merged figures
  2    nothing was merged: an input unreadable, of another format, scenario or schedule, a
       worker missing or twice (see --partial), a report that could not be written";

/// `campaign-load compare --help`: examples and exit codes.
pub const COMPARE_HELP: &str = "\
Examples:
  campaign-load compare main.json branch.json
      every figure with its change, interval and verdict; fails on any significant regression
  campaign-load compare main.json branch.json --fail-on 'p99:+10%' --fail-on 'error-rate:+0.5pp' --junit gate.xml
      a gate that allows 10% on p99 and half a point of errors, as JUnit for the CI

Exit codes:
  0    every gate rule held
  1    a gate rule broke: a figure regressed significantly and beyond the rule
  2    nothing was compared: a summary unreadable or of another format, runs of another
       scenario, schedule or worker slice (see --force), a bad rule or option, an output that
       could not be written";

/// `campaign-load completions --help` and `man --help`: examples and exit codes.
pub const DOCS_HELP: &str = "\
Examples:
  campaign-load completions bash > ~/.local/share/bash-completion/completions/campaign-load
  campaign-load man | man -l -

Exit codes:
  0    written
  2    it could not be written (a closed pipe, a folder that cannot be made)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_every_code_once() {
        for e in [
            Exit::Pass,
            Exit::ThresholdFailed,
            Exit::CouldNotStart,
            Exit::Unconfirmed,
            Exit::Interrupted,
            Exit::Terminated,
        ] {
            let code = format!("\n  {:<4} ", e.code());
            assert_eq!(EXIT_CODES_HELP.matches(&code).count(), 1, "{e:?}");
        }
    }
}
