//! The command line: what a user can say, parsed by clap, and how the flags override a
//! scenario file (each value is checked afterwards, once, by [`Scenario::check`]).

use crate::error::LoadError;
use crate::exit::{CLEANUP_HELP, COMPARE_HELP, DOCS_HELP, EXIT_CODES_HELP, MERGE_HELP};
use crate::report::{REPORT_EXTENSIONS, REPORT_FORMATS, ReportError, ReportFormat, ReportProblem};
use crate::scenario::{CampaignChoice, ClientKind, Reports, Scenario};
use crate::worker::{WORKER_VAR, WorkerError, WorkerSlice};
use campaign_api::parse_duration;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How far ahead `--start-at` may be: further is a typo, not a plan.
pub const START_AT_MAX_AHEAD: Duration = Duration::from_secs(24 * 3600);

const EXAMPLES: &str = "\
Examples:
  campaign-load -s scenarios/smoke.toml                 a 5 s run on the embedded simulator
  campaign-load -s scenarios/smoke.toml -u 50 -t 30s    50 users for 30 s
  campaign-load -s scenarios/smoke.toml --rate 200 -t 1m   200 arrivals/s (the open model)
  campaign-load -s scenarios/smoke.toml --threshold 'p99<50ms' --threshold 'error-rate<1%'
  campaign-load -s scenarios/smoke.toml --rate 900 -t 1m --worker 1/3 --summary w1.json
                                                        worker 1 of 3: a third of 900/s
  campaign-load -s scenarios/voice-start-stop.toml --rate 50 -t 10m --threshold 'error-rate<5%:abort'
                                                        stop early if 5% fail over the last 10 s
  campaign-load merge w0.json w1.json w2.json --report-file fleet.html
  campaign-load cleanup -s scenarios/voice-start-stop.toml   stop what a killed run left started";

/// Load-test vendor campaign APIs with Goose, from scenario files.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = format!("{EXAMPLES}\n\n{EXIT_CODES_HELP}")
)]
pub struct Cli {
    /// `merge`, `cleanup`, `completions` or `man`; a run when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The run's options.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stop what an earlier run against the same host left started (killed outright, or aborted
    /// during its cleanup), as its journal shows, each confirmed by a status read; nothing else
    /// is sent. Takes the scenario (for the vendor) and host of the run: `cleanup -s FILE`.
    ///
    /// When the vendor's *_CAMPAIGN_ID variables name campaigns, only those among the leftovers
    /// are stopped; the others are listed as left alone and stay in the journal. When none are
    /// named, every leftover is listed (the first 20 and a count), then stopped. 32 campaigns are
    /// stopped at a time, with progress on stderr; the cleanup takes at most 10 s per 1,000
    /// campaigns (10 s up to 1,000): what is not confirmed by then is reported and kept.
    #[command(after_help = CLEANUP_HELP)]
    Cleanup {
        /// The run's options (its scenario and host).
        #[command(flatten)]
        run: Box<RunArgs>,
    },
    /// Print a completion script for SHELL to stdout, from the same definitions as the parser
    /// (bash: `campaign-load completions bash > ~/.local/share/bash-completion/completions/campaign-load`).
    #[command(after_help = DOCS_HELP)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `campaign-load man | man -l -`, or save it as
    /// campaign-load.1 in a man folder. With --dir, write it and one page per subcommand
    /// (campaign-load-merge.1, …) there instead.
    #[command(after_help = DOCS_HELP)]
    Man {
        /// Write campaign-load.1 and a page per subcommand to DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Compare a run with its baseline (two `--summary` files): service and response p50, p95
    /// and p99, the error rate and the achieved rate, for the whole run and per request name,
    /// each change with a bootstrap interval and a verdict (regressed, improved, no significant
    /// change). A change is called only when its whole interval lies beyond the noise threshold.
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Merge workers' summary files (`--summary` of each run) exactly: counts add, microsecond
    /// histograms merge, percentiles are recomputed.
    #[command(after_help = MERGE_HELP)]
    Merge {
        /// Summary files to merge.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Write the merged report here (.html, .md or .json); may be repeated.
        #[arg(long = "report-file", required = true)]
        report_files: Vec<PathBuf>,
        /// A fleet-wide threshold, judged on the merged figures (repeatable); replaces the
        /// workers' rules, which are judged again on the merged figures otherwise.
        #[arg(long = "threshold")]
        thresholds: Vec<String>,
        /// Also write the merged verdicts as JUnit XML (.xml).
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Merge what there is: a fleet with workers missing, or separate runs of one slice
        /// (refused otherwise: the figures would not be the whole test's).
        #[arg(long)]
        partial: bool,
    },
}

/// `campaign-load compare`'s options.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline's summary.
    pub baseline: PathBuf,
    /// The new run's summary.
    pub new: PathBuf,
    /// A gate rule (repeatable): FIGURE:+N% (p50, p95, p99, response-p50/95/99),
    /// error-rate:+Npp, rate:-N%. Breaks when the whole run's figure regressed
    /// significantly and by more than N. Default: no figure of the whole run regressed.
    #[arg(long = "fail-on", value_name = "RULE")]
    pub fail_on: Vec<String>,
    /// Noise threshold, percent: a change whose interval reaches inside ±N% is no change.
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    pub noise: f64,
    /// The error rate's noise threshold, percentage points.
    #[arg(long, value_name = "POINTS", default_value_t = 0.1)]
    pub noise_pp: f64,
    /// Confidence level of the intervals, percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 95.0)]
    pub confidence: f64,
    /// Bootstrap seed: the same summaries and seed give the same report.
    #[arg(long, default_value_t = crate::compare::stats::DEFAULT_SEED)]
    pub seed: u64,
    /// Compare runs of another scenario, schedule or worker slice anyway (said in the
    /// report).
    #[arg(long)]
    pub force: bool,
    /// Also write the comparison as JSON (schemas/report/load-compare.json).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write it as Markdown (a pull request comment, $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Also write the gate as JUnit XML, one test case per rule.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write an HTML page: the table, and both runs' rate and latency per second drawn
    /// over each other (self-contained: no script, no network).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// A run's options; each replaces what the scenario file says.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (scenarios/*.toml).
    #[arg(long, short = 's')]
    pub scenario: Option<PathBuf>,
    /// Target host; default: the vendor's *_BASE_URL, else an embedded simulator.
    #[arg(long, short = 'H')]
    pub host: Option<String>,
    /// Allow a host that is not this machine (real campaigns dial real people).
    #[arg(long)]
    pub allow_remote: bool,
    /// Concurrent users.
    #[arg(long, short = 'u')]
    pub users: Option<usize>,
    /// Users started per second.
    #[arg(long, short = 'r')]
    pub hatch_rate: Option<f64>,
    /// Run time (10s, 2m).
    #[arg(long, short = 't', value_parser = parse_duration, allow_hyphen_values = true)]
    pub run_time: Option<std::time::Duration>,
    /// Iterations per user.
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Cap on total requests per second (Goose's throttle).
    #[arg(long)]
    pub throttle: Option<usize>,
    /// An arrival rate in requests per second over all users, for the run time: the open
    /// model (the users are then a concurrency cap); replaces the scenario's rate or stages.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Threshold (p95<250ms, response-p99<1s, error-rate<1%, rps>=200, shortfall<=5%, late<=1%);
    /// replaces the scenario's. Ending in :abort (error-rate<5%:abort) it also stops the run
    /// early when it breaks on the last --abort-after of the run. With no error-rate rule, a run
    /// is judged by error-rate<1%.
    #[arg(long = "threshold")]
    pub thresholds: Vec<String>,
    /// Report file (.html with charts that need no network, .json summary, .md); replaces the
    /// scenario's; repeatable.
    #[arg(long = "report-file")]
    pub report_files: Vec<PathBuf>,
    /// Campaign id prefix for per-user campaigns (a --worker I/N slice appends wI- to it).
    #[arg(long)]
    pub campaign_prefix: Option<String>,
    /// campaign-load's own summary (JSON, mergeable).
    #[arg(long)]
    pub summary: Option<PathBuf>,
    /// This run's slice of one test split between N workers (from 0: 0/3, 1/3, 2/3): the
    /// scenario's users, rate and campaigns are the whole fleet's, and this worker takes its
    /// share (also CAMPAIGN_LOAD_WORKER=I/N). With N > 1 a failed threshold does not fail the
    /// worker: `merge` judges the fleet.
    #[arg(long, value_name = "I/N", conflicts_with = "workers")]
    pub worker: Option<String>,
    /// N workers, this one's index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
    #[arg(long, value_name = "N")]
    pub workers: Option<u32>,
    /// Wait until this wall-clock time (RFC 3339, e.g. 2026-12-03T14:00:00Z) and count the
    /// schedule from it: workers given one time start together. At most 24 h ahead.
    #[arg(long, value_name = "TIME")]
    pub start_at: Option<String>,
    /// JUnit XML of the verdicts (.xml): one test case per threshold, with what was measured.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// No progress lines while the run lasts.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Compare the run with this baseline summary at its end, as `campaign-load compare` does
    /// (read and checked before the run starts): a significant regression fails the run (exit 1).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// A gate rule for --baseline (repeatable), as `compare --fail-on` takes it (p99:+10%).
    #[arg(long = "fail-on", value_name = "RULE", requires = "baseline")]
    pub fail_on: Vec<String>,
    /// Goose's own log lines too: -v its INFO (users launching, phases), -vv its DEBUG. By
    /// default only its warnings are shown.
    #[arg(long, short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How often the progress line is printed (default 5s): elapsed and remaining time,
    /// achieved against target rate, both latencies' p50/p99, errors by class, in flight.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub progress_interval: Option<Duration>,
    /// The window of abort rules (`--threshold 'error-rate<5%:abort'`) that give none: each is
    /// judged on the run's last DURATION, first once DURATION of the run has passed (default
    /// 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub abort_after: Option<Duration>,
    /// Which client sends the load: lean (one keep-alive connection per user, rustls for https;
    /// the default) or goose (Goose's reqwest client; the default with --throttle).
    #[arg(long, value_enum)]
    pub client: Option<ClientArg>,
    /// Trust only the certificates in this PEM file for an https host (a test host's own CA or
    /// self-signed certificate), in place of the platform's roots.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate from an https host: for a test host only; the run says so.
    #[arg(long)]
    pub insecure: bool,
    /// Serve live metrics (OpenMetrics text, for Prometheus) at http://ADDR/metrics while the
    /// run lasts: both latencies, requests by class, late arrivals, the target rate.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Serve Goose's live dashboard while the run lasts (a local web page, its assets bundled;
    /// on 127.0.0.1:5118 unless --dashboard-port says otherwise).
    #[arg(long)]
    pub dashboard: bool,
    /// The dashboard's port (with --dashboard).
    #[arg(long, value_name = "PORT", requires = "dashboard")]
    pub dashboard_port: Option<u16>,
    /// A Goose flag passed through as is, e.g. --goose=--co-mitigation=average or
    /// --goose=--running-metrics=5 (repeatable).
    #[arg(long = "goose", value_name = "FLAG", allow_hyphen_values = true)]
    pub goose: Vec<String>,
    /// The schemas folder that bodies are checked against and whose lifecycle rules the
    /// embedded simulator and the cleanup follow (default: CAMPAIGN_SCHEMAS_DIR, else the
    /// schemas compiled into this binary; the banner says which).
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
}

/// `--client`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ClientArg {
    /// One keep-alive connection per user.
    Lean,
    /// Goose's reqwest client.
    Goose,
}

impl RunArgs {
    /// The worker slice: `--worker`, else `--workers` with Kubernetes' index, else
    /// `CAMPAIGN_LOAD_WORKER`, else the whole test.
    pub(crate) fn worker_slice(&self) -> Result<WorkerSlice, WorkerError> {
        match (&self.worker, self.workers) {
            (Some(w), _) => WorkerSlice::parse(w, "--worker"),
            (None, Some(n)) => WorkerSlice::from_index_var(n),
            (None, None) => match std::env::var(WORKER_VAR) {
                Ok(w) if !w.trim().is_empty() => WorkerSlice::parse(&w, WORKER_VAR),
                _ => Ok(WorkerSlice::WHOLE),
            },
        }
    }

    /// `--start-at`, checked: an RFC 3339 time at most [`START_AT_MAX_AHEAD`] from now. One in
    /// the past is kept (a worker that came up late runs late, and says so).
    pub(crate) fn start_at(&self) -> Result<Option<SystemTime>, LoadError> {
        let Some(text) = &self.start_at else {
            return Ok(None);
        };
        let bad = |fix: String| LoadError::Flag {
            flag: format!("--start-at {}", text.chars().take(40).collect::<String>()),
            fix,
        };
        let at = crate::wallclock::parse(text).map_err(|e| {
            bad(format!(
                "an RFC 3339 time such as 2026-12-03T14:00:00Z ({e})"
            ))
        })?;
        if at
            .duration_since(SystemTime::now())
            .is_ok_and(|ahead| ahead > START_AT_MAX_AHEAD)
        {
            return Err(bad(format!(
                "a time at most {} h from now",
                START_AT_MAX_AHEAD.as_secs() / 3600
            )));
        }
        Ok(Some(at))
    }

    /// The HTTPS trust the flags ask for (run and cleanup alike).
    pub(crate) fn trust(&self) -> campaign_api::Trust {
        campaign_api::Trust {
            ca_file: self.ca_file.clone(),
            insecure: self.insecure,
        }
    }

    /// Goose flags these options pass through: its log level, the dashboard, `--goose=…`.
    pub(crate) fn goose_flags(&self) -> Vec<String> {
        // Goose logs at INFO unless told --quiet: a line per user launched and per phase, and
        // a "Ctrl-C … already registered" that reads like a failure. Its warnings stay.
        let mut extra: Vec<String> = match self.verbose {
            0 => vec!["--quiet".into()],
            1 => Vec::new(),
            _ => vec!["-v".into()],
        };
        if self.dashboard {
            extra.push("--dashboard".into());
            if let Some(p) = self.dashboard_port {
                extra.extend(["--dashboard-port".into(), p.to_string()]);
            }
        }
        extra.extend(self.goose.iter().cloned());
        extra
    }

    /// Lays the flags over `s`. Values are checked afterwards by [`Scenario::check`], whichever
    /// source they came from; what only a flag can get wrong is refused here.
    pub(crate) fn apply(&self, s: &mut Scenario) -> Result<(), LoadError> {
        if let Some(p) = &self.campaign_prefix {
            match &mut s.campaigns {
                CampaignChoice::PerUser { prefix } if !p.is_empty() => *prefix = p.clone(),
                _ => {
                    return Err(LoadError::Flag {
                        flag: format!("--campaign-prefix {p:?}"),
                        fix: "needs a non-empty prefix and [campaigns] mode = \"per-user\"".into(),
                    });
                }
            }
        }
        if let Some(c) = self.client {
            s.transport.client = Some(match c {
                ClientArg::Lean => ClientKind::Lean,
                ClientArg::Goose => ClientKind::Goose,
            });
        }
        s.transport.trust = self.trust();
        if self.metrics_addr.is_some() {
            s.metrics_addr = self.metrics_addr;
        }
        if self.users.is_some() {
            s.load.users = self.users;
        }
        if let Some(r) = self.hatch_rate {
            s.load.hatch_rate = Some(r.to_string());
        }
        if self.run_time.is_some() {
            s.load.run_time = self.run_time;
            s.load.test_plan = None;
        }
        if self.iterations.is_some() {
            // Goose takes one bound: the flag's iterations replace the file's run time.
            s.load.iterations = self.iterations;
            if self.run_time.is_none() {
                s.load.run_time = None;
            }
            s.load.test_plan = None;
        }
        if self.throttle.is_some() {
            s.load.throttle = self.throttle;
        }
        if let Some(r) = self.rate {
            s.load.rate = Some(r);
            s.load.stages.clear();
            s.load.start_rate = None;
            // The open model starts all its users before its schedule: the file's ramp of users
            // gives way (a --hatch-rate given with --rate is refused by the check).
            if self.hatch_rate.is_none() {
                s.load.hatch_rate = None;
            }
            s.load.test_plan = None;
        }
        if !self.thresholds.is_empty() {
            s.thresholds = self.thresholds.clone();
        }
        if let Some(w) = self.abort_after {
            if !(Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&w) {
                return Err(LoadError::Flag {
                    flag: format!("--abort-after {}s", w.as_secs_f64()),
                    fix: "a window from 1s to 1h".into(),
                });
            }
            s.abort_after = Some(w);
        }
        if let Some(p) = self.progress_interval
            && p < Duration::from_secs(1)
        {
            return Err(LoadError::Flag {
                flag: format!("--progress-interval {}s", p.as_secs_f64()),
                fix: "at least 1s (or --quiet for no progress lines)".into(),
            });
        }
        if !self.report_files.is_empty() {
            s.report = Reports::default();
            for p in &self.report_files {
                match ReportFormat::of(p).filter(|f| REPORT_FORMATS.contains(f)) {
                    Some(ReportFormat::Html) => s.report.html = Some(p.clone()),
                    Some(ReportFormat::Markdown) => s.report.markdown = Some(p.clone()),
                    Some(ReportFormat::Summary) => s.report.summary = Some(p.clone()),
                    _ => {
                        return Err(ReportError {
                            key: "--report-file".into(),
                            path: p.clone(),
                            problem: ReportProblem::Extension(REPORT_EXTENSIONS),
                        }
                        .into());
                    }
                }
            }
        }
        if self.summary.is_some() {
            s.report.summary = self.summary.clone();
        }
        if self.junit.is_some() {
            s.report.junit = self.junit.clone();
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "../../../tests/fixtures/help.rs"]
mod help_check;

#[cfg(test)]
mod help_tests {
    use super::*;
    use clap::CommandFactory;

    /// `--help` of the command and of every subcommand ends with its examples and its exit
    /// codes, so a user never has to read the source for what an outcome means.
    #[test]
    fn every_help_ends_with_examples_and_exit_codes() {
        super::help_check::assert_every_help_ends_with_examples_and_exit_codes(Cli::command());
    }
}
