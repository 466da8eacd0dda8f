//! A load run as the binary runs it: the scenario with the flags laid over it, checked once;
//! the host chosen; a banner that says what may be touched; the run; its accounting, reports
//! and verdict.

use crate::cancel::{Cancel, CancelReason};
use crate::cli::RunArgs;
use crate::error::LoadError;
use crate::exit::Exit;
use crate::report::{ReportFile, verdict};
use crate::run::{Outcome, RunConfig};
use crate::scenario::{ClientKind, Scenario};
use campaign_api::{HostKind, SchemaSource};

pub(super) async fn main(a: &RunArgs) -> Exit {
    let cancel = Cancel::new();
    let watch = super::signals::install(&cancel);
    let exit = run(a, &cancel).await;
    watch.stop();
    match cancel.reason() {
        Some(CancelReason::Terminate) => {
            eprintln!("campaign-load: the run was cut short by SIGTERM");
            Exit::Terminated
        }
        Some(CancelReason::Interrupt | CancelReason::Requested) => {
            eprintln!("campaign-load: the run was cut short by Ctrl-C");
            Exit::Interrupted
        }
        // An abort rule broke: the run's own verdict (a failed threshold) stands.
        Some(CancelReason::Abort) | None => exit,
    }
}

/// What a run was given, every value checked once: the scenario as the flags leave it (this
/// worker's slice of it), its reports ready to write, when it starts, and the schemas it is checked against.
struct Prepared {
    scenario: Scenario,
    /// `--baseline`: the summary to compare with at the end, and how.
    baseline: Option<(crate::summary::Summary, crate::compare::Options)>,
    reports: Vec<ReportFile>,
    start_at: Option<std::time::SystemTime>,
    schemas: SchemaSource,
}

/// Everything checked before a host is chosen or anything is sent.
fn prepare(a: &RunArgs) -> Result<Prepared, LoadError> {
    let path = a.scenario.as_ref().ok_or(LoadError::NoScenario)?;
    let mut scenario = Scenario::load(path)?;
    a.apply(&mut scenario)?;
    let slice = a.worker_slice()?;
    let start_at = a.start_at()?;
    // The slice is known to the check (a rate is bounded per process), and laid over after it.
    scenario.load.worker = slice;
    crate::threshold::parse_all(&scenario.thresholds).map_err(|source| LoadError::Threshold {
        from: if a.thresholds.is_empty() {
            path.display().to_string()
        } else {
            "--threshold".to_string()
        },
        source,
    })?;
    scenario.check().map_err(|source| LoadError::Value {
        path: path.clone(),
        source,
    })?;
    // Checked as the whole test, then sliced: a worker's share is judged by the same rules.
    crate::worker::slice_scenario(&mut scenario, slice)?;
    let reports = scenario.report.prepare()?;
    let schemas = SchemaSource::from_flag_and_env(a.schemas.as_deref(), "--schemas")?;
    if crate::host::is_remote(a.host.as_deref()) && !a.allow_remote {
        return Err(LoadError::Remote {
            host: format!("--host {}", a.host.as_deref().unwrap_or_default()),
        });
    }
    let baseline = match &a.baseline {
        None => None,
        Some(p) => {
            let rules = a
                .fail_on
                .iter()
                .map(|r| crate::compare::Rule::parse(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(LoadError::Baseline)?;
            let s = crate::summary::Summary::read(p)
                .map_err(|e| LoadError::Baseline(format!("--baseline {e}")))?;
            Some((
                s,
                crate::compare::Options {
                    rules,
                    ..crate::compare::Options::default()
                },
            ))
        }
    };
    Ok(Prepared {
        scenario,
        baseline,
        reports,
        start_at,
        schemas,
    })
}

async fn run(a: &RunArgs, cancel: &Cancel) -> Exit {
    let Prepared {
        mut scenario,
        baseline,
        reports,
        start_at,
        schemas,
    } = match prepare(a) {
        Ok(p) => p,
        Err(e) => return super::could_not_start(e),
    };
    let host = match crate::host::choose(&scenario, a.host.as_deref(), &schemas).await {
        Ok(h) => h,
        Err(e) => return super::could_not_start(e),
    };
    // On a configured host, only the campaigns the user named: refused before anything is sent.
    let may_start = if host.configured {
        match crate::named::confine(&mut scenario, &host.target.target) {
            Ok(ids) => Some(ids),
            Err(source) => {
                return super::could_not_start(LoadError::Named {
                    path: scenario.path.clone(),
                    source,
                });
            }
        }
    } else {
        None
    };
    if !host.target.target.is_loopback() && !a.allow_remote {
        return super::could_not_start(LoadError::Remote {
            host: host.target.target.host_label(),
        });
    }
    banner(
        &scenario,
        &host.target,
        may_start.as_deref(),
        start_at,
        &schemas,
    );
    let config = RunConfig {
        scenario,
        target: host.target,
        goose_flags: a.goose_flags(),
        start_at,
        schemas,
        progress: (!a.quiet).then(|| {
            a.progress_interval
                .unwrap_or(crate::progress::DEFAULT_INTERVAL)
        }),
    };
    let result = crate::run::run(&config, cancel).await;
    if let Some(sim) = host.sim {
        sim.stop().await;
    }
    match result {
        Ok(outcome) => {
            let exit = finish(&outcome, &reports);
            match &baseline {
                Some((base, opts)) => against_baseline(exit, base, &outcome.summary, opts),
                None => exit,
            }
        }
        Err(e) => super::could_not_start(e),
    }
}

/// What the run is about to do, and what it may touch.
fn banner(
    scenario: &Scenario,
    target: &campaign_api::VendorTarget,
    may_start: Option<&[String]>,
    start_at: Option<std::time::SystemTime>,
    schemas: &SchemaSource,
) {
    let l = &scenario.load;
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
    let slice = l.worker;
    if !slice.is_whole() {
        println!(
            "  worker {slice}: its share of the scenario's users{} and a block of campaigns no other worker touches; thresholds are judged by `campaign-load merge` on the whole fleet",
            match l.schedule() {
                Some(s) => format!(
                    ", and the schedule's arrivals numbered {} (mod {}): {} of them",
                    slice.index,
                    slice.count,
                    s.count_due_by(f64::MAX)
                ),
                None => String::new(),
            }
        );
    }
    if let Some(at) = start_at {
        let when = crate::wallclock::format(at).unwrap_or_default();
        match at.duration_since(std::time::SystemTime::now()) {
            Ok(wait) => println!(
                "  starts at {when} (in {:.1} s); its schedule counts from then",
                wait.as_secs_f64()
            ),
            Err(e) => println!(
                "  starts at {when}, which passed {:.1} s ago: it starts now, and what fell due since is late",
                e.duration().as_secs_f64()
            ),
        }
    }
    if let Some(ids) = may_start {
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
            ClientKind::Lean => "lean (a keep-alive connection per user)",
            ClientKind::Goose => "Goose's reqwest client",
        },
        match (https, &t.trust.ca_file, t.trust.insecure) {
            (false, _, _) => String::new(),
            (true, Some(f), _) => format!("; TLS trusting only {}", f.display()),
            (true, None, true) =>
                "; TLS accepting ANY certificate (--insecure: a test host only)".into(),
            (true, None, false) => "; TLS trusting the platform's roots".into(),
        }
    );
    println!("  schemas: {schemas}");
    println!("  on failure: {}", crate::backoff::POLICY);
    if let Ok(rules) = crate::threshold::parse_all(&scenario.thresholds) {
        let aborts = crate::abort::AbortRules::of(
            &rules,
            scenario
                .abort_after
                .unwrap_or(crate::threshold::DEFAULT_ABORT_AFTER),
        );
        if !aborts.is_empty() {
            println!(
                "  aborts (stops, cleans up, exits 1) when one breaks: {}",
                aborts.describe().join("; ")
            );
        }
    }
}

/// `--baseline`: the comparison's table after the verdict. A broken gate turns a pass into a
/// failure (exit 1), and so does a baseline of another scenario, schedule or slice: a gate that
/// could not be judged has not held.
fn against_baseline(
    exit: Exit,
    base: &crate::summary::Summary,
    run: &crate::summary::Summary,
    opts: &crate::compare::Options,
) -> Exit {
    match crate::compare::compare(base, run, opts) {
        Ok(c) => {
            println!("\ncompared with the baseline (--baseline):");
            print!("{}", crate::compare::text(&c));
            if !c.passed && exit == Exit::Pass {
                Exit::ThresholdFailed
            } else {
                exit
            }
        }
        Err(why) => {
            eprintln!(
                "campaign-load: FAIL: not compared with the baseline, which is not a run of the same test: {}",
                why.join("; ")
            );
            if exit == Exit::Pass {
                Exit::ThresholdFailed
            } else {
                exit
            }
        }
    }
}

/// The accounting, the reports, the verdict; the exit code says which came first: a campaign
/// not confirmed halted, then a failed threshold.
fn finish(outcome: &Outcome, reports: &[ReportFile]) -> Exit {
    let s = &outcome.summary;
    println!("\ncampaign-load accounting ({} sent):", s.accounting.sent);
    for (k, v) in &s.accounting.classes {
        println!("  {k:<40} {v}");
    }
    if s.backoffs > 0 {
        println!(
            "  (users backed off {} times after a request got no answer, as the banner says)",
            s.backoffs
        );
    }
    println!(
        "campaigns confirmed halted at the end: {} ({} cleanup requests: stops and status reads{})",
        s.campaigns_stopped_at_end,
        s.cleanup_requests,
        match outcome.leftover_requests {
            0 => String::new(),
            n => format!("; and {n} before the run, for what an earlier run left started"),
        }
    );
    if s.campaigns_never_started > 0 {
        println!(
            "campaigns never started: {} (no start reached the host: refused, or the connect or TLS handshake failed; nothing to stop)",
            s.campaigns_never_started
        );
    }
    for p in &outcome.cleanup_problems {
        eprintln!("campaign-load: WARNING: {p}");
    }
    for r in reports {
        match r.write(s, &outcome.cleanup_problems) {
            Ok(()) if r.format == crate::report::ReportFormat::Junit => {
                println!("report: {} (JUnit)", r.path.display())
            }
            Ok(()) => println!("report: {}", r.path.display()),
            Err(e) => eprintln!("campaign-load: {e}"),
        }
    }
    println!();
    print!("{}", verdict(s));
    if let Some(a) = &s.aborted {
        println!(
            "ABORTED at {:.1} s by {}: {} over the last {} s; the attack stopped there and the cleanup ran",
            a.at_secs, a.rule, a.observed, a.window_secs
        );
    }
    if !outcome.cleanup_problems.is_empty() {
        eprintln!(
            "campaign-load: {} campaign(s) not confirmed halted: check them by hand (they stay in the journal for `campaign-load cleanup`)",
            outcome.cleanup_problems.len()
        );
        Exit::Unconfirmed
    } else if outcome.passed {
        Exit::Pass
    } else if !s.slices.iter().all(|w| w.is_whole()) {
        // A worker's slice is not the test: its rate, shortfall and percentiles are a part of
        // the fleet's. `merge` judges the whole, and exits by it.
        println!(
            "(worker {}: the thresholds above are this slice's alone; the fleet's verdict is `campaign-load merge`'s)",
            s.slices
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        Exit::Pass
    } else {
        Exit::ThresholdFailed
    }
}
