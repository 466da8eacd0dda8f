//! The Goose side of a run: the flags Goose is given (never parsed from argv), and the attack
//! built from a scenario's flows, one Goose scenario per flow and one transaction per step.

use super::step::{Shared, custom, transaction};
use crate::cancel::Cancel;
use crate::error::LoadError;
use crate::scenario::Scenario;
use goose::GooseAttack;
use goose::config::GooseConfiguration;
use goose::goose::{GooseUser, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Printed to stderr once the attack is under way (Goose has cleared its killswitch; no user has
/// started yet): from then on SIGTERM or Ctrl-C ends the run, and its cleanup still runs.
pub const READY: &str =
    "campaign-load: attack running; SIGTERM or Ctrl-C stops it and every campaign it started";

/// The default per-request timeout: a request that takes longer is a transport timeout.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One request's timeout, on both client paths: the scenario's `timeout` (default
/// [`DEFAULT_REQUEST_TIMEOUT`]), never longer than the run time, so a dead host cannot stretch a
/// run by more than one timeout past its end.
pub(crate) fn request_timeout(scenario: &Scenario) -> Duration {
    let t = scenario.load.timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    match scenario.load.run_time {
        Some(run) if !run.is_zero() => t.min(run),
        _ => t,
    }
}

/// Goose's own flags for this run. Thresholds and report files are not Goose's: campaign-load
/// judges and writes them from its own figures, which hold both latencies. `extra` are the
/// user's pass-through flags (`--goose=…`, `--dashboard`, `--quiet`). `lead`: how long before
/// the schedule's start the users are launched (`--start-at`), which Goose's run time must cover.
pub(crate) fn goose_args(
    scenario: &Scenario,
    host: &str,
    extra: &[String],
    lead: Option<Duration>,
) -> Vec<String> {
    // No controllers (one attack per process, nothing listening), and metrics kept from the
    // first request: the accounting, the simulator's counters and Goose's counts must agree.
    // Goose refuses that with iterations (it resets nothing then anyway).
    let l = &scenario.load;
    let mut a: Vec<String> = ["--host", host, "--no-telnet"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if l.iterations.is_none() {
        a.push("--no-reset-metrics".into());
    }
    let schedule = l.schedule();
    if let Some(u) = l.users {
        a.extend(["--users".into(), u.to_string()]);
    }
    match (&l.hatch_rate, l.users, &l.test_plan) {
        (Some(r), _, _) => a.extend(["--increase-rate".into(), r.clone()]),
        // An open-model run's users are a cap, not a ramp: all of them within milliseconds, so
        // the schedule's first arrivals find them.
        (None, Some(u), None) if schedule.is_some() => {
            a.extend(["--increase-rate".into(), (u.max(1) * 100).to_string()])
        }
        // Goose's default is one user a second; start them all within the first second instead.
        (None, Some(u), None) => a.extend(["--increase-rate".into(), u.to_string()]),
        _ => {}
    }
    match (&schedule, l.run_time) {
        // The schedule ends the sending; Goose runs two seconds longer (its run time starts
        // once its users are launched, the schedule's once they are ready), so it never cuts
        // the last arrivals off. Idle users wait that out without sending.
        (Some(s), _) => a.extend([
            "--run-time".into(),
            format!(
                "{}s",
                (s.duration() + lead.unwrap_or_default())
                    .as_secs_f64()
                    .ceil() as u64
                    + 2
            ),
        ]),
        (None, Some(t)) => a.extend(["--run-time".into(), format!("{}s", t.as_secs().max(1))]),
        (None, None) => {}
    }
    if let Some(i) = l.iterations {
        a.extend(["--iterations".into(), i.to_string()]);
    }
    if let Some(p) = &l.test_plan {
        a.extend(["--test-plan".into(), p.clone()]);
    }
    if let Some(t) = l.throttle {
        a.extend(["--throttle-requests".into(), t.to_string()]);
    }
    a.extend([
        "--timeout".into(),
        format!("{}", request_timeout(scenario).as_secs_f64()),
    ]);
    a.extend(extra.iter().cloned());
    // Goose prints its own request table at the end unless told not to; when the lean client
    // does not feed it, that table would be empty: campaign-load's summary is the one printed.
    // Its per-transaction and per-scenario metrics (a message per transaction through its
    // metrics channel, measured at about 9 µs of CPU per request here) are off too.
    if !goose_reads_metrics(&a) {
        for flag in [
            "--no-print-metrics",
            "--no-transaction-metrics",
            "--no-scenario-metrics",
        ] {
            if !a.iter().any(|x| x == flag) {
                a.push(flag.into());
            }
        }
    }
    a
}

/// Whether Goose's flags turn on anything that reads Goose's own request metrics: its dashboard,
/// running metrics, its reports or request log, or its coordinated-omission mitigation.
pub(crate) fn goose_reads_metrics(args: &[String]) -> bool {
    args.iter().any(|a| {
        [
            "--dashboard",
            "--running-metrics",
            "--report-file",
            "--request-log",
            "--co-mitigation",
        ]
        .iter()
        .any(|f| a.starts_with(f))
    })
}

/// Goose's attack for `shared.scenario` with flags `args`: a `ready` transaction per user (its
/// client, then readiness for the schedule), then the flow's steps in order.
pub(crate) fn build(
    shared: &Arc<Shared>,
    args: &[String],
    cancel: &Cancel,
) -> Result<GooseAttack, LoadError> {
    let scenario = &shared.scenario;
    let config = GooseConfiguration::parse_args_default(args).map_err(|e| {
        LoadError::GooseOptions(format!(
            "Goose refused the options it was given ({e}); check what follows --goose"
        ))
    })?;
    let mut attack = GooseAttack::initialize_with_config(config).map_err(|e| match e {
        goose::GooseError::InvalidOption {
            option,
            value,
            detail,
        } => LoadError::GooseOptions(format!("Goose refused {option} = {value:?}: {detail}")),
        other => LoadError::GooseOptions(other.to_string()),
    })?;
    for flow in &scenario.flows {
        let mut s = goose::goose::Scenario::new(&flow.name)
            .set_weight(flow.weight)
            .map_err(|e| LoadError::GooseOptions(e.to_string()))?;
        // Goose's own client (HTTPS hosts, throttled runs) follows redirects by default and
        // carries `auth` / `x-api-key` to wherever it is sent: each user gets one that does not.
        let timeout = request_timeout(scenario);
        let lean = shared.lean.is_some();
        let trust = scenario.transport.trust.clone();
        let worker = scenario.load.worker;
        let ready = Arc::clone(shared);
        s = s.register_transaction(
            Transaction::new(Arc::new(move |user: &mut GooseUser| {
                let shared = Arc::clone(&ready);
                let trust = trust.clone();
                Box::pin(async move {
                    if !lean {
                        let builder = reqwest::Client::builder()
                            .redirect(reqwest::redirect::Policy::none())
                            .timeout(timeout)
                            .user_agent(crate::transport::user_agent(worker));
                        let builder = trust.apply(builder).map_err(custom)?;
                        user.set_client_builder(builder).await?;
                    }
                    if let Some(p) = &shared.pacer {
                        p.ready();
                    }
                    Ok(())
                })
            }))
            .set_name("ready")
            .set_on_start(),
        );
        for (i, op) in flow.steps.iter().enumerate() {
            let t = Transaction::new(transaction(shared.clone(), *op))
                .set_name(shared.name(*op))
                .set_sequence(i + 1);
            s = s.register_transaction(t);
        }
        attack = attack.register_scenario(s);
    }
    // Once the attack is under way and before any user starts. Goose clears its (process-wide)
    // killswitch as the attack begins: a cancel that came before is passed on again here.
    let starter = Arc::clone(shared);
    let cancel = cancel.clone();
    attack = attack.test_start(Transaction::new(Arc::new(move |_: &mut GooseUser| {
        let shared = Arc::clone(&starter);
        let cancel = cancel.clone();
        Box::pin(async move {
            // The closed model's seconds count from here; an open model's from its schedule's
            // start, once every user is ready.
            if shared.pacer.is_none() {
                shared.recorder.start(Instant::now());
            }
            if cancel.is_cancelled() {
                goose::trigger_killswitch("cancelled");
            }
            eprintln!("{READY}");
            Ok(())
        })
    })));
    Ok(attack)
}
