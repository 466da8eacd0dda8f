//! One load run: the scenario's flows as a Goose attack against one host, every campaign it
//! starts under the run's own cleanup guard, both latencies recorded, and the verdict judged on
//! campaign-load's own figures.

mod attack;
mod step;
mod watch;

pub use attack::READY;

use crate::accounting::Accounting;
use crate::cancel::Cancel;
use crate::error::LoadError;
use crate::pacing::Pacer;
use crate::recorder::Recorder;
use crate::scenario::Scenario;
use crate::summary::{Model, Summary};
use campaign_api::Stopped;
use campaign_api::{OperationId, SchemaSource, VendorTarget};
use campaign_schema::{Assumptions, Checker};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime};
use step::Shared;
use tokio::time::Instant;

/// One run, as configured: the scenario as the flags left it (checked), the host it drives, and
/// Goose flags passed through as they are (`--goose=…`, `--dashboard`, `--quiet`).
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The scenario.
    pub scenario: Scenario,
    /// The host, and whether it is the embedded simulator or a configured one.
    pub target: VendorTarget,
    /// Goose's own flags, passed through.
    pub goose_flags: Vec<String>,
    /// When the schedule's clock starts (`--start-at`): the run waits for it. `None`: as soon
    /// as the users are ready.
    pub start_at: Option<SystemTime>,
    /// Where the schemas (bodies sampled) and lifecycle rules (the cleanup's status reads) are
    /// read from; the embedded simulator of the run, if any, was started on the same.
    pub schemas: SchemaSource,
    /// Print a progress line this often while the run lasts (`None`: none, as for a run in
    /// process; the binary's default is [`crate::progress::DEFAULT_INTERVAL`]).
    pub progress: Option<std::time::Duration>,
}

impl RunConfig {
    /// A run of `scenario` against `target`, with no Goose flags of the user's, checked against
    /// the schemas compiled in.
    pub fn new(scenario: Scenario, target: VendorTarget) -> RunConfig {
        RunConfig {
            scenario,
            target,
            goose_flags: Vec::new(),
            start_at: None,
            schemas: SchemaSource::Embedded,
            progress: None,
        }
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The summary (accounting, histograms, thresholds).
    pub summary: Summary,
    /// True when every threshold held.
    pub passed: bool,
    /// Campaigns that could not be confirmed halted at the end (should be empty).
    pub cleanup_problems: Vec<String>,
    /// Requests sent before the run to stop what an earlier run against the host left
    /// started (stops and status reads; 0 when it left nothing).
    pub leftover_requests: usize,
}

/// What the end-of-run cleanup came to.
struct Cleanup {
    /// Campaigns a status read confirmed halted.
    stopped: usize,
    /// Campaigns no start of the run reached (not stopped: nothing started them).
    never_started: usize,
    /// Stops, retries and confirming reads sent.
    calls: usize,
    /// One line per campaign that may still be running.
    problems: Vec<String>,
}

impl Cleanup {
    fn of(results: Vec<Stopped>) -> Cleanup {
        Cleanup {
            stopped: results
                .iter()
                .filter(|s| s.halted && !s.never_started)
                .count(),
            never_started: results.iter().filter(|s| s.never_started).count(),
            calls: results.iter().map(|s| s.calls).sum(),
            problems: results
                .into_iter()
                .filter(|s| !s.halted)
                .map(|s| s.line)
                .collect(),
        }
    }
}

/// How long before `--start-at` an open-model run launches its users, so they are ready when
/// its schedule starts.
pub const START_LEAD: Duration = Duration::from_secs(1);

/// The monotonic instant of wall-clock time `at` (in the past, if it has passed).
fn instant_of(at: SystemTime) -> Instant {
    let now = Instant::now();
    match at.duration_since(SystemTime::now()) {
        Ok(ahead) => now + ahead,
        Err(e) => now.checked_sub(e.duration()).unwrap_or(now),
    }
}

/// Runs `config` until its bound, or until `cancel` is cancelled; either way every campaign it
/// started is stopped and confirmed halted before it returns.
pub async fn run(config: &RunConfig, cancel: &Cancel) -> Result<Outcome, LoadError> {
    let scenario = &config.scenario;
    let target = &config.target;
    let schedule = scenario.load.schedule();
    let rules = crate::threshold::with_defaults(&scenario.thresholds, schedule.is_some()).map_err(
        |source| LoadError::Threshold {
            from: scenario.path.display().to_string(),
            source,
        },
    )?;
    // Every campaign a run against a host of someone else's may start is journaled before its
    // first start; a killed run's leftovers are stopped before this run begins.
    let (guard, lifecycle) = crate::cleanup::guard_for(
        target,
        &scenario.transport.trust,
        scenario.load.worker,
        &config.schemas,
    )?;
    let guard = Arc::new(guard);
    cancel.watch_guard(&guard);
    let left = guard.stop_leftovers(&target.target, &lifecycle).await?;
    if !left.is_empty() {
        eprintln!("campaign-load: {left}");
        for s in &left.stopped {
            eprintln!("  {}", s.line);
        }
    }
    if cancel.is_cancelled() {
        return Err(LoadError::CancelledBeforeStart);
    }
    let checker = if scenario.contract_sample > 0.0 {
        Some(
            Checker::new(campaign_schema::SchemaRegistry::from_source(
                &config.schemas,
            )?)
            .with_secrets(target.target.credential.secret_values()),
        )
    } else {
        None
    };
    // Live metrics are bound before the attack: a taken port ends the run before it sends.
    let metrics = match scenario.metrics_addr {
        None => None,
        Some(addr) => {
            let m = Arc::new(crate::metrics::LoadMetrics::new());
            let (bound, task) = crate::metrics::serve(addr, Arc::clone(&m))
                .await
                .map_err(|source| LoadError::Metrics { addr, source })?;
            eprintln!("campaign-load: metrics at http://{bound}/metrics");
            Some((m, task))
        }
    };
    let args = attack::goose_args(
        scenario,
        target.target.base_url.as_str(),
        &config.goose_flags,
        config.start_at.map(|_| START_LEAD),
    );
    let timeout = attack::request_timeout(scenario);
    let shared = Arc::new(Shared {
        scenario: scenario.clone(),
        target: target.target.clone(),
        names: OperationId::ALL
            .iter()
            .map(|o| o.spec().qualified_name())
            .collect(),
        accounting: Accounting::default(),
        guard: Arc::clone(&guard),
        secrets: target.target.credential.secret_values(),
        lifecycle,
        checker,
        assumptions: Assumptions::for_kind(target.kind),
        sample_every: if scenario.contract_sample > 0.0 {
            (1.0 / scenario.contract_sample).round().max(1.0) as u64
        } else {
            u64::MAX
        },
        sampled: AtomicU64::new(0),
        pacer: schedule
            .clone()
            .map(|s| Pacer::new(s, scenario.load.users.unwrap_or(1))),
        recorder: match &metrics {
            Some((m, _)) => Recorder::new(schedule.clone()).with_metrics(Arc::clone(m)),
            None => Recorder::new(schedule.clone()),
        },
        lean: crate::transport::lean_for(scenario, &target.target, timeout)?,
        goose_metrics: attack::goose_reads_metrics(&args),
        in_flight: AtomicU64::new(0),
        backoff: crate::backoff::Backoff::new(scenario.load.users.unwrap_or(1)),
    });
    let attack = attack::build(&shared, &args, cancel)?;
    if let Some(at) = config.start_at {
        // The users are launched a moment early, so they are ready when the clock starts; the
        // clock's zero is the instant itself, in every worker given it.
        let zero = instant_of(at);
        if let Some(p) = &shared.pacer {
            p.start_at(zero);
        }
        shared.recorder.start(zero);
        let launch = if shared.pacer.is_some() {
            zero.checked_sub(START_LEAD).unwrap_or(zero)
        } else {
            zero
        };
        tokio::select! {
            () = tokio::time::sleep_until(launch) => {}
            () = cancel.cancelled() => return Err(LoadError::CancelledBeforeStart),
        }
    }
    // A cancel ends the schedule at its instant (users waiting for an arrival give it up, and
    // the arrivals after it are not counted as dropped), and stops Goose.
    let watcher = {
        let shared = Arc::clone(&shared);
        let cancel = cancel.clone();
        tokio::spawn(async move {
            cancel.cancelled().await;
            if let Some(p) = &shared.pacer {
                p.stop_at(cancel.at().unwrap_or_else(Instant::now));
            }
            goose::trigger_killswitch("cancelled");
        })
    };
    // Abort rules and the progress line, judged and drawn from the recorder while the run lasts.
    let progress = config.progress.filter(|d| !d.is_zero()).map(|every| {
        let p = crate::progress::Progress {
            total: schedule
                .as_ref()
                .map(crate::pacing::Schedule::duration)
                .or(scenario.load.run_time),
            schedule: schedule.clone(),
            redraw: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        (p, every)
    });
    let ends_line = progress.as_ref().map(|(p, _)| p.clone());
    let aborts = crate::abort::AbortRules::of(
        &rules,
        scenario
            .abort_after
            .unwrap_or(crate::threshold::DEFAULT_ABORT_AFTER),
    );
    let watching = tokio::spawn(watch::watch(
        Arc::clone(&shared),
        aborts,
        progress,
        cancel.clone(),
    ));
    let result = attack.execute().await;
    watcher.abort();
    let aborted = if watching.is_finished() {
        watching.await.ok().flatten()
    } else {
        watching.abort();
        None
    };
    if let Some(p) = ends_line {
        p.finish();
    }
    if let Some((_, task)) = &metrics {
        task.abort();
    }
    let end = shared
        .pacer
        .as_ref()
        .and_then(Pacer::stopped_at)
        .unwrap_or_else(Instant::now);
    let cleanup = Cleanup::of(shared.guard.finish_pending().await);
    if let Err(e) = result {
        for p in &cleanup.problems {
            eprintln!("campaign-load: WARNING: {p}");
        }
        // Goose names its option and value; whether anything ran is ours to say.
        let what = match &e {
            goose::GooseError::InvalidOption {
                option,
                value,
                detail,
            } => format!("Goose refused {option} = {value:?}: {detail}"),
            other => format!("{other}: {other:?}"),
        };
        return Err(LoadError::Goose {
            what,
            sent: shared.accounting.snapshot().sent,
            stopped: cleanup.stopped,
        });
    }
    let users = scenario.load.users.unwrap_or(1);
    let went = shared.pacer.as_ref().map_or(0, Pacer::went);
    let finished = shared.recorder.finish(end, users, went);
    let mut summary = Summary {
        format: crate::summary::FORMAT,
        version: env!("CARGO_PKG_VERSION").to_string(),
        // `--start-at` is the zero itself; otherwise the zero's instant read off the wall clock.
        started_at: match config.start_at {
            Some(at) => crate::wallclock::format(at),
            None => finished.zero.and_then(|z| {
                let ago = Instant::now().saturating_duration_since(z);
                crate::wallclock::format(SystemTime::now().checked_sub(ago)?)
            }),
        },
        slices: vec![scenario.load.worker],
        scenario: scenario.name.clone(),
        host: target.target.host_label(),
        workers: 1,
        duration_secs: finished.duration.as_secs_f64(),
        model: if schedule.is_some() {
            Model::Open
        } else {
            Model::Closed
        },
        requests: finished.requests,
        accounting: shared.accounting.snapshot(),
        arrivals: finished.arrivals,
        timeline: finished.seconds,
        campaigns_stopped_at_end: cleanup.stopped,
        campaigns_never_started: cleanup.never_started,
        cleanup_requests: cleanup.calls,
        backoffs: shared.backoff.waits(),
        thresholds: Vec::new(),
        aborted,
    };
    let passed = crate::threshold::judge(&mut summary, &rules);
    Ok(Outcome {
        summary,
        passed,
        cleanup_problems: cleanup.problems,
        leftover_requests: left.stopped.iter().map(|s| s.calls).sum(),
    })
}
