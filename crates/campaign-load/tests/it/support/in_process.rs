//! Runs in this process, through the library's [`campaign_load::run`], against a simulator of
//! each run's own.
//!
//! Goose's killswitch and Ctrl-C handler belong to the process, and every module of this test
//! binary shares it: in-process runs take [`LOAD`] for their whole length, so they happen one at
//! a time. Tests that spawn the binary are processes of their own and run alongside.

use campaign_api::{Credential, HostKind, Target, Vendor, VendorTarget, parse_base_url};
use campaign_load::{Cancel, CancelReason, Outcome, RunConfig, Scenario, ThresholdLine};
use campaign_sim::{CountersSnapshot, Faults, SimConfig};
use secrecy::SecretString;
use std::path::Path;
use std::time::{Duration, Instant};

/// Held by an in-process run from before its simulator starts until the simulator stops.
static LOAD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The longest an in-process run (every one here is under 15 s) may take before the test
/// cancels it and fails: a bound on a hang, never a measurement.
const RUN_BOUND: Duration = Duration::from_secs(180);

/// A Kore.ai scenario named `name`: one flow, voice start then stop, each user on a campaign of
/// its own (`{prefix}N`), with `load` as its `[load]` table, `thresholds`, and the share of
/// answers checked against the contract.
pub fn scenario(
    name: &str,
    prefix: &str,
    load: &str,
    thresholds: &[&str],
    contract_sample: f64,
) -> Scenario {
    let thresholds = thresholds
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        r#"
name = "{name}"
vendor = "kore"
thresholds = [{thresholds}]
[[flow]]
steps = ["voice-start-v1", "voice-stop-v1"]
[campaigns]
mode = "per-user"
prefix = "{prefix}"
[load]
{load}
[contract]
sample = {contract_sample:?}
"#
    );
    Scenario::parse(Path::new(&format!("{name}.toml")), &text).expect("scenario parses")
}

/// What an in-process run came to.
pub struct Ran {
    /// The run's outcome.
    pub outcome: Outcome,
    /// What the simulator counted, read once the run had ended.
    pub counters: CountersSnapshot,
    /// The wall time `run` took, start to end, cleanup included: every request of the run lies
    /// inside it.
    pub wall: Duration,
}

impl Ran {
    /// The line of threshold `rule`.
    pub fn line(&self, rule: &str) -> &ThresholdLine {
        let s = &self.outcome.summary;
        s.thresholds
            .iter()
            .find(|t| t.rule == rule)
            .unwrap_or_else(|| panic!("no {rule} in {:?}", s.thresholds))
    }

    /// Whether threshold `rule` was reported, and held.
    pub fn held(&self, rule: &str) -> Option<bool> {
        self.outcome
            .summary
            .thresholds
            .iter()
            .find(|t| t.rule == rule)
            .map(|t| t.passed)
    }

    /// Requests the run sent, as the simulator counted them (its total less the cleanup's).
    pub fn served(&self) -> u64 {
        self.counters.total - self.outcome.summary.cleanup_requests as u64
    }
}

/// Runs `scenario` in this process against a simulator of its own with `faults`, Goose told to
/// be quiet; one such run at a time in the process.
pub async fn run(faults: Faults, scenario: Scenario) -> Ran {
    let _one_at_a_time = LOAD.lock().await;
    let sim = campaign_sim::start(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    let target = Target::new(
        Vendor::Kore,
        parse_base_url("sim", &sim.base_url()).expect("url"),
        Credential::KoreJwt(SecretString::from("in-process-jwt")),
    )
    .with_kore_ids("acc", "st", None);
    let mut config = RunConfig::new(
        scenario,
        VendorTarget {
            target,
            kind: HostKind::Simulator,
        },
    );
    config.goose_flags = vec!["--quiet".to_string()];
    let cancel = Cancel::new();
    let began = Instant::now();
    let running = campaign_load::run(&config, &cancel);
    tokio::pin!(running);
    let outcome = match tokio::time::timeout(RUN_BOUND, &mut running).await {
        Ok(result) => result.expect("the run completes"),
        Err(_) => {
            cancel.cancel(CancelReason::Requested);
            let after = tokio::time::timeout(Duration::from_secs(60), running).await;
            panic!("the run was still going {RUN_BOUND:?} in; cancelled, it came to {after:?}");
        }
    };
    let wall = began.elapsed();
    let counters = sim.counters();
    sim.stop().await;
    Ran {
        outcome,
        counters,
        wall,
    }
}
