//! `campaign-load`: run a named workload (a scenario file) and gate on its thresholds, or merge
//! the summaries of several workers.
//!
//! Exit codes: 0 every threshold held; 1 a threshold failed; 2 the run could not start (bad
//! scenario, missing credentials, refused remote host, unbounded run, Goose refused).

use campaign_api::parse_duration;
use campaign_api::{Credential, HostKind, Target, Vendor, VendorTarget, parse_base_url};
use campaign_load::run::{goose_args, run};
use campaign_load::scenario::Scenario;
use campaign_load::summary::{Summary, fmt_us};
use campaign_load::thresholds;
use campaign_sim::SimConfig;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when a threshold failed.
const THRESHOLD_FAILED: u8 = 1;
/// Exit code when the run could not start.
const COULD_NOT_START: u8 = 2;

/// Load-test vendor campaign APIs with Goose, from scenario files.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Stop what an earlier run against the same host left started (killed outright, or aborted
    /// during its cleanup), as its journal shows, each confirmed by a status read; nothing else
    /// is sent. Takes the scenario (for the vendor) and host of the run: `cleanup -s FILE`.
    Cleanup {
        #[command(flatten)]
        run: Box<RunArgs>,
    },
    /// Merge workers' summary files (`--summary` of each run) exactly: counts add, microsecond
    /// histograms merge, percentiles are recomputed.
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
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The scenario file (scenarios/*.toml).
    #[arg(long, short = 's')]
    scenario: Option<PathBuf>,
    /// Target host; default: the vendor's *_BASE_URL, else an embedded simulator.
    #[arg(long, short = 'H')]
    host: Option<String>,
    /// Allow a host that is not this machine (real campaigns dial real people).
    #[arg(long)]
    allow_remote: bool,
    /// Concurrent users.
    #[arg(long, short = 'u')]
    users: Option<usize>,
    /// Users started per second.
    #[arg(long, short = 'r')]
    hatch_rate: Option<f64>,
    /// Run time (10s, 2m).
    #[arg(long, short = 't', value_parser = parse_duration)]
    run_time: Option<std::time::Duration>,
    /// Iterations per user.
    #[arg(long)]
    iterations: Option<usize>,
    /// Cap on total requests per second (Goose's throttle).
    #[arg(long)]
    throttle: Option<usize>,
    /// An arrival rate in requests per second over all users, for the run time: the open
    /// model (the users are then a concurrency cap); replaces the scenario's rate or stages.
    #[arg(long)]
    rate: Option<f64>,
    /// Threshold (p95<250ms, response-p99<1s, error-rate<1%, rps>=200, shortfall<=5%, late<=1%);
    /// replaces the scenario's.
    #[arg(long = "threshold")]
    thresholds: Vec<String>,
    /// Report file (.html with charts that need no network, .json summary, .md); replaces the
    /// scenario's; repeatable.
    #[arg(long = "report-file")]
    report_files: Vec<PathBuf>,
    /// Campaign id prefix for per-user campaigns (give each scale-out worker its own).
    #[arg(long)]
    campaign_prefix: Option<String>,
    /// campaign-load's own summary (JSON, mergeable).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// JUnit XML of the verdicts (.xml): one test case per threshold, with what was measured.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Fewer progress lines.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Which client sends the load: lean (one keep-alive connection per user, rustls for https;
    /// the default) or goose (Goose's reqwest client; the default with --throttle).
    #[arg(long, value_enum)]
    client: Option<ClientArg>,
    /// Trust only the certificates in this PEM file for an https host (a test host's own CA or
    /// self-signed certificate), in place of the platform's roots.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    ca_file: Option<PathBuf>,
    /// Accept any certificate from an https host: for a test host only; the run says so.
    #[arg(long)]
    insecure: bool,
    /// Serve live metrics (OpenMetrics text, for Prometheus) at http://ADDR/metrics while the
    /// run lasts: both latencies, requests by class, late arrivals, the target rate.
    #[arg(long, value_name = "ADDR")]
    metrics_addr: Option<std::net::SocketAddr>,
    /// Serve Goose's live dashboard while the run lasts (a local web page, its assets bundled;
    /// on 127.0.0.1:5118 unless --dashboard-port says otherwise).
    #[arg(long)]
    dashboard: bool,
    /// The dashboard's port (with --dashboard).
    #[arg(long, value_name = "PORT", requires = "dashboard")]
    dashboard_port: Option<u16>,
    /// A Goose flag passed through as is, e.g. --goose=--co-mitigation=average or
    /// --goose=--running-metrics=5 (repeatable).
    #[arg(long = "goose", value_name = "FLAG", allow_hyphen_values = true)]
    goose: Vec<String>,
}

impl RunArgs {
    /// The HTTPS trust the flags ask for (run and cleanup alike).
    fn trust(&self) -> campaign_api::Trust {
        campaign_api::Trust {
            ca_file: self.ca_file.clone(),
            insecure: self.insecure,
        }
    }
}

/// `--client`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ClientArg {
    Lean,
    Goose,
}

/// The credential sent to a local simulator, which accepts any non-empty value.
fn placeholder() -> secrecy::SecretString {
    secrecy::SecretString::from("campaign-load-simulator")
}

fn fail(code: u8, why: impl std::fmt::Display) -> ExitCode {
    eprintln!("campaign-load: {why}");
    ExitCode::from(code)
}

fn merge(
    inputs: &[PathBuf],
    outputs: &[PathBuf],
    fleet_rules: &[String],
    junit: Option<&PathBuf>,
) -> ExitCode {
    for o in outputs {
        if !matches!(
            o.extension().and_then(|e| e.to_str()),
            Some("html" | "htm" | "json" | "md" | "markdown")
        ) {
            return fail(
                COULD_NOT_START,
                format!("--report-file {}: use .html, .json or .md", o.display()),
            );
        }
    }
    if let Some(j) = junit
        && let Err(e) = check_junit_path(j)
    {
        return fail(COULD_NOT_START, e);
    }
    // Summary::default() has 0 workers: merging the first input takes its scenario and host.
    let mut merged = Summary::default();
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    for p in inputs {
        // The same worker twice would count its requests twice.
        let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let text = std::fs::read_to_string(p).unwrap_or_default();
        if let Some((first, _)) = seen
            .iter()
            .find(|(r, t)| *r == real || (!t.is_empty() && *t == text))
        {
            return fail(
                COULD_NOT_START,
                format!(
                    "{}: the same summary as {}; each worker's summary is merged once",
                    p.display(),
                    first.display()
                ),
            );
        }
        seen.push((real, text));
        match Summary::read(p) {
            Ok(s) => {
                if let Err(e) = merged.mergeable(&s) {
                    return fail(
                        COULD_NOT_START,
                        format!("{}: cannot merge: {e}", p.display()),
                    );
                }
                merged.merge(&s)
            }
            Err(e) => return fail(COULD_NOT_START, e),
        }
    }
    // Every rule is judged again on the merged histograms and counts: a fleet's p99, rate,
    // shortfall and late share are the fleet's, not a vote of its workers.
    let rules = if fleet_rules.is_empty() {
        merged.rules()
    } else {
        fleet_rules.to_vec()
    };
    let rules = match thresholds::with_defaults(&rules, merged.arrivals.is_some()) {
        Ok(r) => r,
        Err(e) => return fail(COULD_NOT_START, e),
    };
    let passed = thresholds::judge(&mut merged, &rules);
    for o in outputs {
        if let Err(e) = merged.write(o) {
            return fail(COULD_NOT_START, e);
        }
    }
    if let Some(j) = junit
        && let Err(e) = campaign_load::junit::write(j, &merged, &[])
    {
        return fail(COULD_NOT_START, e);
    }
    println!("merged {} summaries:", inputs.len());
    print_verdict(&merged);
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(THRESHOLD_FAILED)
    }
}

/// The final summary: rate against target per stage, both latencies, every threshold with what
/// was measured, and a closing line that says why in numbers.
fn print_verdict(s: &Summary) {
    let all = s.aggregate();
    println!("  {}", s.model_line());
    for r in s.stage_rows() {
        println!(
            "  stage {}: {}: target {}, achieved {}, {} short",
            r[0], r[1], r[2], r[3], r[4]
        );
    }
    if let Some(l) = s.arrivals_line() {
        println!("  {l}");
    }
    println!(
        "  {} requests in {:.1} s ({:.1} req/s); service time p50 {} p99 {} max {}; response time p50 {} p99 {} max {}",
        all.count,
        s.duration_secs,
        s.rps(all.count),
        fmt_us(all.service.percentile_us(0.5)),
        fmt_us(all.service.percentile_us(0.99)),
        fmt_us(all.service.max_us),
        fmt_us(all.response.percentile_us(0.5)),
        fmt_us(all.response.percentile_us(0.99)),
        fmt_us(all.response.max_us),
    );
    for t in &s.thresholds {
        println!(
            "threshold {:<30} {:<5} {}",
            t.rule,
            if t.passed { "pass" } else { "FAIL" },
            t.observed
        );
    }
    let failed: Vec<String> = s
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| format!("{} ({})", t.rule, t.observed))
        .collect();
    if failed.is_empty() {
        println!("PASS: every threshold held");
    } else {
        println!("FAIL: {}", failed.join("; "));
    }
}

/// The host a run drives: `--host`, the vendor's configured host from env, or the embedded
/// simulator. The flag says whether it is a configured host (credentials from env), where only
/// campaigns the user named may be touched; the embedded simulator and a local `--host` without
/// credentials (a simulator given explicitly) may be driven with any ids.
async fn target_for(
    scenario: &Scenario,
    host: Option<&str>,
) -> Result<(VendorTarget, Option<campaign_sim::RunningSim>, bool), String> {
    let vendor = scenario.vendor;
    let base_var = format!("{}_BASE_URL", vendor.env_prefix());
    let sim_credential = |v: Vendor| match v {
        Vendor::Kore => Credential::KoreJwt(placeholder()),
        Vendor::VoiceGenie => Credential::ApiKey(placeholder()),
    };
    if let Some(h) = host {
        let url = parse_base_url("--host", h).map_err(|e| e.to_string())?;
        let probe = Target::new(vendor, url.clone(), sim_credential(vendor));
        if probe.is_loopback() && std::env::var(&base_var).is_err() {
            // A local simulator (or a local stand-in): any credential will do.
            let t = probe.with_kore_ids("acc-load", "st-load", None);
            return Ok((
                VendorTarget {
                    target: t,
                    kind: HostKind::Sandbox,
                },
                None,
                false,
            ));
        }
        // The vendor's credentials and ids from env, sent to --host.
        let t = Target::from_lookup(vendor, |k| {
            if k == base_var {
                Some(h.to_string())
            } else {
                std::env::var(k).ok()
            }
        })
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("--host {h}: no target could be configured"))?;
        return Ok((
            VendorTarget {
                target: t,
                kind: HostKind::Sandbox,
            },
            None,
            true,
        ));
    }
    if let Some(t) = Target::from_env(vendor).map_err(|e| e.to_string())? {
        return Ok((
            VendorTarget {
                target: t,
                kind: HostKind::Sandbox,
            },
            None,
            true,
        ));
    }
    let config = SimConfig {
        faults: scenario.sim.faults.clone(),
        seed: scenario.sim.seed,
        ..SimConfig::default()
    };
    let sim = campaign_sim::start(config)
        .await
        .map_err(|e| format!("the embedded simulator did not start: {e}"))?;
    let url = parse_base_url("simulator", &sim.base_url()).map_err(|e| e.to_string())?;
    let t =
        Target::new(vendor, url, sim_credential(vendor)).with_kore_ids("acc-load", "st-load", None);
    Ok((
        VendorTarget {
            target: t,
            kind: HostKind::Simulator,
        },
        Some(sim),
        false,
    ))
}

/// True when `host` is given and is not this machine.
fn is_remote(host: Option<&str>) -> bool {
    host.and_then(|h| parse_base_url("--host", h).ok())
        .is_some_and(|u| !campaign_api::is_loopback(&u))
}

fn apply_overrides(s: &mut Scenario, a: &RunArgs) -> Result<(), String> {
    if let Some(p) = &a.campaign_prefix {
        match &mut s.campaigns {
            campaign_load::scenario::CampaignChoice::PerUser { prefix } if !p.is_empty() => {
                *prefix = p.clone()
            }
            _ => {
                return Err(format!(
                    "--campaign-prefix {p:?} needs a non-empty prefix and [campaigns] mode = \"per-user\""
                ));
            }
        }
    }
    if let Some(c) = a.client {
        s.transport.client = Some(match c {
            ClientArg::Lean => campaign_load::scenario::ClientKind::Lean,
            ClientArg::Goose => campaign_load::scenario::ClientKind::Goose,
        });
    }
    s.transport.trust = a.trust();
    if a.metrics_addr.is_some() {
        s.metrics_addr = a.metrics_addr;
    }
    if a.users.is_some() {
        s.load.users = a.users;
    }
    if let Some(r) = a.hatch_rate {
        s.load.hatch_rate = Some(r.to_string());
    }
    if a.run_time.is_some() {
        s.load.run_time = a.run_time;
        s.load.test_plan = None;
    }
    if a.iterations.is_some() {
        s.load.iterations = a.iterations;
    }
    if a.throttle.is_some() {
        s.load.throttle = a.throttle;
    }
    if let Some(r) = a.rate {
        if !(r > 0.0 && r.is_finite()) {
            return Err(format!(
                "--rate {r}: a positive number of requests per second"
            ));
        }
        s.load.rate = Some(r);
        s.load.stages.clear();
        s.load.start_rate = None;
        // The open model starts all its users before its schedule: the file's ramp of users
        // gives way (a --hatch-rate given with --rate is refused by the check).
        if a.hatch_rate.is_none() {
            s.load.hatch_rate = None;
        }
        s.load.test_plan = None;
    }
    if !a.thresholds.is_empty() {
        s.thresholds = a.thresholds.clone();
    }
    if !a.report_files.is_empty() {
        s.report = Default::default();
        for p in &a.report_files {
            match p.extension().and_then(|e| e.to_str()) {
                Some("html" | "htm") => s.report.html = Some(p.clone()),
                Some("json") => s.report.json = Some(p.clone()),
                Some("md" | "markdown") => s.report.markdown = Some(p.clone()),
                _ => {}
            }
        }
    }
    if a.summary.is_some() {
        s.report.summary = a.summary.clone();
    }
    if a.junit.is_some() {
        s.report.junit = a.junit.clone();
    }
    Ok(())
}

async fn run_main(a: RunArgs) -> ExitCode {
    let Some(path) = &a.scenario else {
        return fail(
            COULD_NOT_START,
            "give a scenario: campaign-load --scenario scenarios/smoke.toml",
        );
    };
    let mut scenario = match Scenario::load(path) {
        Ok(s) => s,
        Err(e) => return fail(COULD_NOT_START, e),
    };
    if let Err(e) = apply_overrides(&mut scenario, &a) {
        return fail(COULD_NOT_START, e);
    }
    if let Some(r) = a.report_files.iter().find(|p| {
        !matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("html" | "htm" | "json" | "md" | "markdown")
        )
    }) {
        return fail(
            COULD_NOT_START,
            format!("--report-file {}: use .html, .json or .md", r.display()),
        );
    }
    if let Err(e) = thresholds::parse_all(&scenario.thresholds) {
        let from = if a.thresholds.is_empty() {
            path.display().to_string()
        } else {
            "--threshold".to_string()
        };
        return fail(COULD_NOT_START, format!("{from}: {e}"));
    }
    if let Err(e) = scenario.check() {
        return fail(COULD_NOT_START, format!("{}: {e}", path.display()));
    }
    if let Err(e) = check_report_paths(&scenario) {
        return fail(COULD_NOT_START, e);
    }
    if is_remote(a.host.as_deref()) && !a.allow_remote {
        return fail(
            COULD_NOT_START,
            format!(
                "--host {} is not this machine: real campaigns dial real people; pass --allow-remote to run against it",
                a.host.as_deref().unwrap_or_default()
            ),
        );
    }
    let (target, sim, configured) = match target_for(&scenario, a.host.as_deref()).await {
        Ok(t) => t,
        Err(e) => return fail(COULD_NOT_START, e),
    };
    // On a configured host, only the campaigns the user named: refused before anything is sent.
    let may_start = if configured {
        match campaign_load::named::confine(&mut scenario, &target.target) {
            Ok(ids) => Some(ids),
            Err(e) => return fail(COULD_NOT_START, format!("{}: {e}", path.display())),
        }
    } else {
        None
    };
    let l = &scenario.load;
    if !target.target.is_loopback() && !a.allow_remote {
        return fail(
            COULD_NOT_START,
            format!(
                "{} is not this machine: real campaigns dial real people; pass --allow-remote to run against it",
                target.target.host_label()
            ),
        );
    }
    let users = l.users.unwrap_or(1);
    let bound = match (l.run_time, l.iterations, &l.test_plan) {
        (Some(t), _, _) => format!("run time {}s", t.as_secs()),
        (None, Some(i), _) => format!("{i} iterations per user"),
        (None, None, Some(p)) => format!("test plan {p}"),
        (None, None, None) => "unbounded".into(),
    };
    println!(
        "campaign-load: scenario {} ({}) against {} [{}]",
        scenario.name,
        scenario.description,
        target.target.host_label(),
        match target.kind {
            HostKind::Simulator => "embedded simulator",
            HostKind::Sandbox => "configured host",
        }
    );
    println!(
        "  {} users, {bound}{}; may start up to {} campaign(s); every campaign it starts is stopped at the end",
        users,
        l.throttle
            .map(|t| format!(", throttled to {t} req/s"))
            .unwrap_or_default(),
        scenario.campaigns_at_risk(users)
    );
    if let Some(ids) = &may_start {
        println!(
            "  the only campaigns it may touch (named by you): {}",
            ids.join(", ")
        );
    }
    let https = target.target.base_url.scheme() == "https";
    let t = &scenario.transport;
    println!(
        "  client: {}{}",
        match t.client_for(l.throttle.is_some()) {
            campaign_load::scenario::ClientKind::Lean => "lean (a keep-alive connection per user)",
            campaign_load::scenario::ClientKind::Goose => "Goose's reqwest client",
        },
        match (https, &t.trust.ca_file, t.trust.insecure) {
            (false, _, _) => String::new(),
            (true, Some(f), _) => format!("; TLS trusting only {}", f.display()),
            (true, None, true) =>
                "; TLS accepting ANY certificate (--insecure: a test host only)".into(),
            (true, None, false) => "; TLS trusting the platform's roots".into(),
        }
    );
    let mut extra = Vec::new();
    if a.quiet {
        extra.push("--quiet".into());
    }
    if a.dashboard {
        extra.push("--dashboard".into());
        if let Some(p) = a.dashboard_port {
            extra.extend(["--dashboard-port".into(), p.to_string()]);
        }
    }
    extra.extend(a.goose.iter().cloned());
    let args = goose_args(&scenario, target.target.base_url.as_str(), &extra);
    // SIGTERM stops the run the way Ctrl-C does, so the cleanup below still runs. The handler is
    // installed here, before the run prints its readiness line, not inside the spawned task.
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .ok()
        .map(|mut s| {
            tokio::spawn(async move {
                s.recv().await;
                SIGTERM.store(true, std::sync::atomic::Ordering::SeqCst);
                campaign_load::run::interrupt();
                goose::trigger_killswitch("SIGTERM");
            })
        });
    let result = run(&scenario, &target, &args).await;
    #[cfg(unix)]
    if let Some(term) = term {
        term.abort();
    }
    if let Some(sim) = sim {
        sim.stop().await;
    }
    let result = match result {
        Ok(r) => r,
        Err(e) => return fail(COULD_NOT_START, e),
    };
    let s = &result.summary;
    println!("\ncampaign-load accounting ({} sent):", s.accounting.sent);
    for (k, v) in &s.accounting.classes {
        println!("  {k:<40} {v}");
    }
    println!(
        "campaigns confirmed halted at the end: {} ({} cleanup requests: stops and status reads)",
        s.campaigns_stopped_at_end, s.cleanup_requests
    );
    for p in &result.cleanup_problems {
        eprintln!("campaign-load: WARNING: {p}");
    }
    let unconfirmed = !result.cleanup_problems.is_empty();
    let r = &scenario.report;
    for p in [&r.html, &r.json, &r.markdown, &r.summary]
        .into_iter()
        .flatten()
    {
        match s.write(p) {
            Ok(()) => println!("report: {}", p.display()),
            Err(e) => eprintln!("campaign-load: {e}"),
        }
    }
    if let Some(j) = &r.junit {
        match campaign_load::junit::write(j, s, &result.cleanup_problems) {
            Ok(()) => println!("report: {} (JUnit)", j.display()),
            Err(e) => eprintln!("campaign-load: {e}"),
        }
    }
    println!();
    print_verdict(s);
    if unconfirmed {
        eprintln!(
            "campaign-load: {} campaign(s) not confirmed halted: check them by hand (they stay in the journal for `campaign-load cleanup`)",
            result.cleanup_problems.len()
        );
        ExitCode::from(UNCONFIRMED)
    } else if result.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(THRESHOLD_FAILED)
    }
}

/// Exit code of a run that could not confirm every campaign it started halted: someone must look.
const UNCONFIRMED: u8 = 3;

/// Exit code of a run cut short by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;
/// Exit code of a run cut short by SIGTERM (128 + SIGTERM).
const TERMINATED: u8 = 143;

/// Ctrl-C presses so far.
static CTRL_C: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// True once SIGTERM arrived.
static SIGTERM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Takes Ctrl-C over from Goose (whose second press exits at once, skipping the cleanup): the
/// first stops the run, the second is answered with a message while the cleanup goes on, a third
/// aborts, naming the campaigns still under the guard (they stay in the journal for
/// `campaign-load cleanup` or the next run).
fn take_over_ctrl_c() {
    use std::sync::atomic::Ordering;
    let installed = ctrlc::set_handler(|| match CTRL_C.fetch_add(1, Ordering::SeqCst) + 1 {
        1 => {
            eprintln!(
                "campaign-load: Ctrl-C: stopping the run; the campaigns it started are stopped next"
            );
            campaign_load::run::interrupt();
            goose::trigger_killswitch("SIGINT received");
        }
        2 => eprintln!(
            "campaign-load: Ctrl-C again: stopping the campaigns this run started, within {}s; a third Ctrl-C aborts and leaves them in the journal",
            campaign_api::CLEANUP_BOUND.as_secs()
        ),
        _ => {
            let ids = campaign_load::run::ACTIVE_GUARD
                .get()
                .map(|g| g.pending_ids())
                .unwrap_or_default();
            if ids.is_empty() {
                eprintln!("campaign-load: aborted; no campaign is left under the guard");
            } else {
                eprintln!(
                    "campaign-load: aborted during cleanup; these may still be running (kept in the journal under {}; `campaign-load cleanup` stops them): {}",
                    campaign_api::journal::default_dir().display(),
                    ids.join(", ")
                );
            }
            std::process::exit(i32::from(INTERRUPTED));
        }
    });
    if let Err(e) = installed {
        eprintln!(
            "campaign-load: warning: Ctrl-C is not taken over ({e}); a second one may skip the cleanup"
        );
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    match cli.command {
        Some(Command::Merge {
            inputs,
            report_files,
            thresholds,
            junit,
        }) => merge(&inputs, &report_files, &thresholds, junit.as_ref()),
        Some(Command::Cleanup { run }) => match runtime() {
            Ok(rt) => rt.block_on(cleanup_main(*run)),
            Err(e) => fail(COULD_NOT_START, format!("cannot start the runtime: {e}")),
        },
        None => match runtime() {
            Ok(rt) => {
                take_over_ctrl_c();
                let code = rt.block_on(run_main(cli.run));
                use std::sync::atomic::Ordering;
                if SIGTERM.load(Ordering::SeqCst) {
                    eprintln!("campaign-load: the run was cut short by SIGTERM");
                    ExitCode::from(TERMINATED)
                } else if CTRL_C.load(Ordering::SeqCst) > 0 {
                    eprintln!("campaign-load: the run was cut short by Ctrl-C");
                    ExitCode::from(INTERRUPTED)
                } else {
                    code
                }
            }
            Err(e) => fail(COULD_NOT_START, format!("cannot start the runtime: {e}")),
        },
    }
}

/// Every report the run will write can be written: its folder exists or can be made, and a file
/// can be created there. Checked before anything is sent, so a run is not lost at its end.
fn check_report_paths(scenario: &Scenario) -> Result<(), String> {
    let r = &scenario.report;
    if let Some(j) = &r.junit
        && j.extension().and_then(|e| e.to_str()) != Some("xml")
    {
        return Err(format!(
            "[report] junit (--junit) {}: a JUnit file ends in .xml",
            j.display()
        ));
    }
    for (key, p) in [
        ("[report] html", &r.html),
        ("[report] json", &r.json),
        ("[report] markdown", &r.markdown),
        ("[report] summary (--summary)", &r.summary),
        ("[report] junit (--junit)", &r.junit),
    ] {
        if let Some(p) = p {
            check_writable(key, p)?;
        }
    }
    Ok(())
}

/// `p`'s folder exists or can be made, and a file can be created there (a file made only to
/// try is removed again).
fn check_writable(key: &str, p: &std::path::Path) -> Result<(), String> {
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "{key} {}: cannot create {}: {e}",
            p.display(),
            dir.display()
        )
    })?;
    let existed = p.exists();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
        .map_err(|e| format!("{key} {}: cannot be written: {e}", p.display()))?;
    if !existed {
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

/// A JUnit file is XML: refused before anything is sent when it is named otherwise or cannot be
/// written.
fn check_junit_path(p: &std::path::Path) -> Result<(), String> {
    if p.extension().and_then(|e| e.to_str()) != Some("xml") {
        return Err(format!(
            "--junit {}: a JUnit file ends in .xml",
            p.display()
        ));
    }
    check_writable("--junit", p)
}

/// `campaign-load cleanup`: stops what the journal of the run's host shows left started.
async fn cleanup_main(a: RunArgs) -> ExitCode {
    let Some(path) = &a.scenario else {
        return fail(
            COULD_NOT_START,
            "give the scenario of the run to clean up after: campaign-load cleanup -s FILE",
        );
    };
    let scenario = match Scenario::load(path) {
        Ok(s) => s,
        Err(e) => return fail(COULD_NOT_START, e),
    };
    let (target, sim, _) = match target_for(&scenario, a.host.as_deref()).await {
        Ok(t) => t,
        Err(e) => return fail(COULD_NOT_START, e),
    };
    if let Some(sim) = sim {
        sim.stop().await;
        return fail(
            COULD_NOT_START,
            "no host configured: an embedded simulator's campaigns end with its run; set the vendor's *_BASE_URL or --host",
        );
    }
    let trust = a.trust();
    if let Err(e) = trust.check() {
        return fail(COULD_NOT_START, format!("--ca-file / --insecure: {e}"));
    }
    match campaign_load::run::cleanup_leftovers(&target, &trust).await {
        Err(e) => fail(COULD_NOT_START, e),
        Ok(lines) if lines.is_empty() => {
            println!(
                "campaign-load cleanup: the journal for {} shows nothing left started",
                target.target.host_label()
            );
            ExitCode::SUCCESS
        }
        Ok(lines) => {
            let mut all_halted = true;
            println!(
                "campaign-load cleanup: {} campaign(s) left started at {}:",
                lines.len(),
                target.target.host_label()
            );
            for s in &lines {
                println!("  {}", s.line);
                all_halted &= s.halted;
            }
            if all_halted {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(THRESHOLD_FAILED)
            }
        }
    }
}
