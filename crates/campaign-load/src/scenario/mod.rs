//! Scenarios: what a named workload runs, against which campaigns, at what load, and what
//! verdict it gates on. The model is here; [`file`] reads it from `scenarios/*.toml` and
//! [`check`] holds every value to the rules once, whichever source it came from.

mod check;
mod file;

pub use check::ValueError;
pub use file::{FileProblem, ScenarioError};

use crate::report::{JUNIT_EXTENSION, ReportError, ReportFile, ReportFormat};
use campaign_api::{Action, OperationId, Vendor};
use campaign_sim::Faults;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// A parsed, checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its name (defaults to the file stem).
    pub name: String,
    /// One line on what it measures.
    pub description: String,
    /// Whose API.
    pub vendor: Vendor,
    /// Weighted flows: each is what one user does per iteration, in order.
    pub flows: Vec<Flow>,
    /// How campaign ids are chosen.
    pub campaigns: CampaignChoice,
    /// Load shape.
    pub load: Load,
    /// Thresholds (`p95<250ms`, `error-rate<1%`, `error-rate<5%:abort`): see
    /// [`crate::threshold`].
    pub thresholds: Vec<String>,
    /// The window of abort rules that do not give their own (`--abort-after`; default
    /// [`crate::threshold::DEFAULT_ABORT_AFTER`]).
    pub abort_after: Option<Duration>,
    /// Vendor answers that are expected (e.g. `400 CAMPAIGN_ALREADY_RUNNING` under contention):
    /// counted apart, not as failures.
    pub expect: Vec<Expected>,
    /// Report files.
    pub report: Reports,
    /// Fraction of responses checked against `schemas/` (0 to 1).
    pub contract_sample: f64,
    /// Simulator faults and seed, when the run uses the embedded simulator.
    pub sim: SimSettings,
    /// Which client sends the load, and how it trusts an HTTPS host.
    pub transport: Transport,
    /// Where to serve live metrics while the run lasts (`--metrics-addr`).
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// Which HTTP client sends the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// One keep-alive HTTP/1.1 connection per user (TLS with rustls for https hosts), timed
    /// into Goose: the fast path.
    Lean,
    /// Goose's own reqwest client (needed for Goose's throttle).
    Goose,
}

/// How the load reaches the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transport {
    /// The client (`[load] client`, `--client`); by default lean, or Goose's with a throttle.
    pub client: Option<ClientKind>,
    /// How an HTTPS host's certificate is checked (`--ca-file`, `--insecure`): the platform's
    /// roots unless a flag says otherwise, never insecure by default.
    pub trust: campaign_api::Trust,
}

impl Transport {
    /// The client a run with `throttle` uses.
    pub fn client_for(&self, throttled: bool) -> ClientKind {
        match self.client {
            Some(c) => c,
            None if throttled => ClientKind::Goose,
            None => ClientKind::Lean,
        }
    }
}

/// One user's sequence of operations, with a weight among the scenario's flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Name shown in Goose's scenario metrics.
    pub name: String,
    /// Relative weight (users are spread over flows by weight).
    pub weight: usize,
    /// The operations, in order.
    pub steps: Vec<OperationId>,
}

/// How each user picks the campaign it drives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CampaignChoice {
    /// User `n` drives `<prefix><n>` (the simulator auto-provisions these).
    PerUser {
        /// Id prefix.
        prefix: String,
    },
    /// Users take ids from a list, round-robin (for a sandbox with named campaigns).
    List {
        /// The ids.
        ids: Vec<String>,
    },
    /// Every user drives one campaign: measures contention (the already-running path).
    Shared {
        /// The id.
        id: String,
    },
}

/// The load shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Load {
    /// Concurrent users.
    pub users: Option<usize>,
    /// Users started per second.
    pub hatch_rate: Option<String>,
    /// Run time (`10s`, `2m`).
    pub run_time: Option<Duration>,
    /// Iterations per user.
    pub iterations: Option<usize>,
    /// A Goose test plan (`"10,5s;10,30s;0,5s"`): users, time to reach them; repeated.
    pub test_plan: Option<String>,
    /// Cap on total requests per second (Goose's throttle).
    pub throttle: Option<usize>,
    /// A constant arrival rate, requests per second over all users: the open model (see
    /// [`crate::pacing`]). Needs a run time.
    pub rate: Option<f64>,
    /// The rate the first stage ramps from (`[load] start_rate`, default 0).
    pub start_rate: Option<f64>,
    /// Ramping arrival-rate stages (`[[load.stage]]`): each ramps linearly to its `target` over
    /// its `duration`; together they set the run time.
    pub stages: Vec<crate::pacing::Stage>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
    /// The part of the test this run is (`--worker I/N`); the figures above are the whole
    /// test's until [`crate::worker`] slices them.
    pub worker: crate::worker::WorkerSlice,
}

/// An expected vendor answer: a status and, optionally, the vendor's error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// HTTP status.
    pub status: u16,
    /// Vendor error code (`CAMPAIGN_ALREADY_RUNNING`, `4009`), or any when `None`.
    pub code: Option<String>,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(c) => write!(f, "{} {c}", self.status),
            None => write!(f, "{}", self.status),
        }
    }
}

/// Report paths (`[report]`); any may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reports {
    /// The HTML report (charts that need no network).
    pub html: Option<PathBuf>,
    /// The Markdown report (fit for a CI job summary).
    pub markdown: Option<PathBuf>,
    /// The JSON summary: accounting and mergeable histograms, what `merge` reads.
    pub summary: Option<PathBuf>,
    /// JUnit XML: one test case per threshold, for a CI system's test view.
    pub junit: Option<PathBuf>,
}

impl Reports {
    /// Every report asked for, its path checked and its folder made, before anything is sent.
    pub fn prepare(&self) -> Result<Vec<ReportFile>, ReportError> {
        let mut files = Vec::new();
        for (key, path, format) in [
            ("[report] html", &self.html, ReportFormat::Html),
            ("[report] markdown", &self.markdown, ReportFormat::Markdown),
            (
                "[report] summary (--summary)",
                &self.summary,
                ReportFormat::Summary,
            ),
        ] {
            if let Some(p) = path {
                files.push(ReportFile::by_key(key, p, format)?);
            }
        }
        if let Some(p) = &self.junit {
            files.push(ReportFile::by_name(
                "[report] junit (--junit)",
                p,
                &[ReportFormat::Junit],
                JUNIT_EXTENSION,
            )?);
        }
        Ok(files)
    }
}

/// The embedded simulator's settings for this scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimSettings {
    /// Faults to switch on.
    pub faults: Faults,
    /// Fault seed.
    pub seed: u64,
}

impl Load {
    /// The arrival schedule of an open-model run (`rate` with `run_time`, or stages); `None` for
    /// the closed model.
    pub fn schedule(&self) -> Option<crate::pacing::Schedule> {
        if !self.stages.is_empty() {
            return Some(
                crate::pacing::Schedule::ramping(self.start_rate.unwrap_or(0.0), &self.stages)
                    .for_worker(self.worker),
            );
        }
        match (self.rate, self.run_time) {
            (Some(r), Some(t)) => {
                Some(crate::pacing::Schedule::constant(r, t).for_worker(self.worker))
            }
            _ => None,
        }
    }
}

impl Scenario {
    /// How many campaigns a run with `users` users may start, at most.
    pub fn campaigns_at_risk(&self, users: usize) -> usize {
        let starts = self
            .flows
            .iter()
            .any(|f| f.steps.iter().any(|s| s.spec().action == Action::Start));
        if !starts {
            return 0;
        }
        match &self.campaigns {
            CampaignChoice::PerUser { .. } => users,
            CampaignChoice::List { ids } => ids.len().min(users.max(1)),
            CampaignChoice::Shared { .. } => 1,
        }
    }

    /// The campaign user number `index` (0-based) drives.
    pub fn campaign_for(&self, index: usize) -> String {
        match &self.campaigns {
            CampaignChoice::PerUser { prefix } => format!("{prefix}{index}"),
            CampaignChoice::List { ids } => ids[index % ids.len()].clone(),
            CampaignChoice::Shared { id } => id.clone(),
        }
    }

    /// True when `status` with the vendor error `code` is an expected answer.
    pub fn is_expected(&self, status: u16, code: Option<&str>) -> bool {
        self.expect
            .iter()
            .any(|e| e.status == status && (e.code.is_none() || e.code.as_deref() == code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const GOOD: &str = r#"
name = "t"
vendor = "kore"
thresholds = ["p95<250ms"]
expect = ["400 4009"]

[[flow]]
name = "start-stop"
weight = 2
steps = ["voice-start-v1", "kore voice-stop-v1"]

[campaigns]
mode = "per-user"
prefix = "load-"

[load]
users = 4
hatch_rate = 4
run_time = "2s"

[sim]
latency = "fixed 20ms"
error_rate_503 = 0.01
seed = 3
"#;

    #[test]
    fn parses_a_full_scenario() {
        let s = Scenario::parse(Path::new("t.toml"), GOOD).unwrap();
        assert_eq!(
            s.flows[0].steps,
            vec![OperationId::KoreVoiceStartV1, OperationId::KoreVoiceStopV1]
        );
        assert_eq!(s.flows[0].weight, 2);
        assert_eq!(s.load.run_time, Some(Duration::from_secs(2)));
        assert_eq!(s.sim.seed, 3);
        assert_eq!(s.sim.faults.rates[campaign_sim::FaultKind::Status503], 0.01);
        assert!(s.is_expected(400, Some("4009")));
        assert!(!s.is_expected(400, Some("4010")));
        assert_eq!(s.campaign_for(7), "load-7");
        assert_eq!(s.campaigns_at_risk(4), 4);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let bad = GOOD.replace("users = 4", "userz = 4");
        let e = Scenario::parse(Path::new("scenarios/x.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("scenarios/x.toml: "), "{e}");
        assert!(e.contains("line") && e.contains("userz"), "{e}");

        let bad = GOOD.replace("run_time = \"2s\"", "run_time = \"2 parsecs\"");
        let e = Scenario::parse(Path::new("x.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("[load] run_time"), "{e}");

        let bad = GOOD.replace("\"voice-start-v1\"", "\"voice-begin\"");
        let e = Scenario::parse(Path::new("x.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("voice-begin") && e.contains("voice-start-v1"),
            "{e}"
        );

        let bad = GOOD.replace("latency = \"fixed 20ms\"", "latency = \"fixed\"");
        let e = Scenario::parse(Path::new("x.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("latency") || e.contains("unit"), "{e}");

        let bad = GOOD.replace("users = 4", "users = \"many\"");
        let e = Scenario::parse(Path::new("x.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 20") || e.contains("users"), "{e}");

        // A value the duration reader refuses inside [sim] names the key it came from.
        let bad = GOOD.replace("latency = \"fixed 20ms\"", "latency = \"fixed 99999h\"");
        let e = Scenario::parse(Path::new("x.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("latency: \"99999h\" is out of range"), "{e}");

        // A huge line is quoted cut, not whole.
        let long = format!("name = \"{}", "x".repeat(100_000));
        let e = Scenario::parse(Path::new("x.toml"), &long)
            .unwrap_err()
            .to_string();
        assert!(e.len() < 2_000, "{} bytes", e.len());
        assert!(e.contains('…'), "{e}");
    }

    #[test]
    fn every_committed_scenario_parses_and_checks() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).expect("scenarios/") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            s.check()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            n += 1;
        }
        assert!(n >= 7, "{n} scenarios");
        // The ramp: 50 → 500 req/s over 30 s, then 500 for 30 s.
        let ramp = Scenario::load(&dir.join("ramp.toml")).expect("ramp");
        let schedule = ramp.load.schedule().expect("an arrival-rate scenario");
        assert_eq!(schedule.duration(), Duration::from_secs(60));
        assert!((schedule.due_by(60.0) - 23_250.0).abs() < 1e-6);
    }

    #[test]
    fn arrival_rate_settings_are_checked_where_they_enter() {
        let with = |load: &str| {
            let text = GOOD.replace(
                "[load]\nusers = 4\nhatch_rate = 4\nrun_time = \"2s\"",
                &format!("[load]\n{load}"),
            );
            Scenario::parse(Path::new("x.toml"), &text).map(|s| s.load)
        };
        let ok =
            with("users = 4\nstart_rate = 10\n[[load.stage]]\ntarget = 100\nduration = \"5s\"")
                .expect("stages");
        assert_eq!(ok.stages.len(), 1);
        for (load, says) in [
            ("rate = 100\nrun_time = \"2s\"", "concurrency cap"),
            ("users = 4\nrate = 100\niterations = 3", "run_time"),
            (
                "users = 4\nrate = 100\nhatch_rate = 2\nrun_time = \"2s\"",
                "starts all its users",
            ),
            (
                "users = 4\nrate = 10\n[[load.stage]]\ntarget = 1\nduration = \"2s\"",
                "give one",
            ),
            (
                "users = 4\nrun_time = \"2s\"\n[[load.stage]]\ntarget = 1\nduration = \"2s\"",
                "set the run time",
            ),
            (
                "users = 4\n[[load.stage]]\ntarget = -1\nduration = \"2s\"",
                "stage]] #1: target",
            ),
            (
                "users = 4\n[[load.stage]]\ntarget = 5\nduration = \"0s\"",
                "longer than 0s",
            ),
            (
                "users = 4\n[[load.stage]]\ntarget = 0\nduration = \"3s\"",
                "nothing would be sent",
            ),
            (
                "users = 4\n[[load.stage]]\ntarget = 5\nduration = \"soon\"",
                "stage #1 duration",
            ),
            (
                "users = 4\n[[load.stage]]\ntarget = 5\nduraton = \"1s\"",
                "duraton",
            ),
            ("users = 4\nstart_rate = 5\nrun_time = \"2s\"", "start_rate"),
        ] {
            let e = with(load).expect_err(load).to_string();
            assert!(e.contains(says), "{load}: {e}");
        }
    }
}
