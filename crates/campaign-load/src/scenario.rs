//! Scenario files (`scenarios/*.toml`): what a named workload runs, against which campaigns, at
//! what load, and what verdict it gates on.
//!
//! Parsing is strict (`deny_unknown_fields`): a typo in a key is an error naming the file, the
//! line and the key, never a silently ignored setting.

use campaign_api::{Action, OperationId, Vendor};
use campaign_sim::Faults;
use serde::Deserialize;
use std::path::{Path, PathBuf};
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
    /// Goose thresholds (`p95<250ms`, `error-rate<1%`).
    pub thresholds: Vec<String>,
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

/// Report paths; any may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reports {
    /// Goose's HTML report.
    pub html: Option<PathBuf>,
    /// Goose's JSON report.
    pub json: Option<PathBuf>,
    /// Goose's Markdown report (fit for a CI job summary).
    pub markdown: Option<PathBuf>,
    /// campaign-load's own JSON (accounting and mergeable histograms).
    pub summary: Option<PathBuf>,
    /// JUnit XML: one test case per threshold, for a CI system's test view.
    pub junit: Option<PathBuf>,
}

/// The embedded simulator's settings for this scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimSettings {
    /// Faults to switch on.
    pub faults: Faults,
    /// Fault seed.
    pub seed: u64,
}

/// A scenario file that could not be used: names the file, and the line and key where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    #[serde(default)]
    description: String,
    vendor: String,
    #[serde(rename = "flow")]
    flows: Vec<FlowFile>,
    campaigns: CampaignsFile,
    #[serde(default)]
    load: LoadFile,
    #[serde(default)]
    thresholds: Vec<String>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    report: Reports,
    #[serde(default)]
    contract: ContractFile,
    #[serde(default)]
    sim: Option<SimFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    name: Option<String>,
    #[serde(default = "one")]
    weight: usize,
    steps: Vec<String>,
}

fn one() -> usize {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "mode", rename_all = "kebab-case")]
enum CampaignsFile {
    PerUser {
        #[serde(default = "default_prefix")]
        prefix: String,
    },
    List {
        file: PathBuf,
    },
    Shared {
        id: String,
    },
}

fn default_prefix() -> String {
    "load-".into()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadFile {
    users: Option<usize>,
    hatch_rate: Option<f64>,
    run_time: Option<String>,
    iterations: Option<usize>,
    test_plan: Option<String>,
    throttle: Option<usize>,
    rate: Option<f64>,
    start_rate: Option<f64>,
    #[serde(default)]
    stage: Vec<StageFile>,
    client: Option<ClientKind>,
    timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StageFile {
    target: f64,
    duration: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractFile {
    #[serde(default = "one_f")]
    sample: f64,
}

impl Default for ContractFile {
    fn default() -> Self {
        ContractFile { sample: 1.0 }
    }
}

fn one_f() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SimFile {
    #[serde(default)]
    seed: u64,
    #[serde(flatten)]
    faults: Faults,
}

/// Checks that ids made from `prefix` are valid campaign ids.
/// The most concurrent users a run may ask for. Each Goose user holds a task, an HTTP client and
/// a connection of its own: a million users ran out of memory at 47 s on this 24 GiB machine,
/// and a loopback host or a vendor sandbox long before that runs out of descriptors and
/// sockets. Beyond this, scale out (`deploy/kubernetes`).
pub const MAX_USERS: usize = 10_000;

/// The largest campaigns list file read (`[campaigns] file`): a list of ids, not data.
pub const MAX_LIST_FILE_BYTES: u64 = 1024 * 1024;

/// Goose counts run time in whole seconds: a shorter one would silently run a full second.
pub const MIN_RUN_TIME: Duration = Duration::from_secs(1);

impl Load {
    /// Checks every value before Goose sees it, wherever it came from (the scenario file or a
    /// flag): an error names the key.
    pub fn check(&self) -> Result<(), String> {
        match self.users {
            Some(0) => return Err("[load] users (-u): at least 1".into()),
            Some(n) if n > MAX_USERS => {
                return Err(format!(
                    "[load] users (-u): {n} is over the limit of {MAX_USERS} per process (each user holds a client and a connection); scale out with more workers"
                ));
            }
            _ => {}
        }
        if let Some(r) = &self.hatch_rate {
            match r.trim().parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => {}
                _ => {
                    return Err(format!(
                        "[load] hatch_rate (--hatch-rate): {r:?} is not a positive number of users per second"
                    ));
                }
            }
        }
        if let Some(t) = self.run_time
            && t < MIN_RUN_TIME
        {
            return Err(format!(
                "[load] run_time (--run-time): {} ms is under {}s; Goose counts whole seconds",
                t.as_millis(),
                MIN_RUN_TIME.as_secs()
            ));
        }
        if self.iterations == Some(0) {
            return Err(
                "[load] iterations (--iterations): 0 would run unbounded; give at least 1".into(),
            );
        }
        if self.throttle == Some(0) {
            return Err(
                "[load] throttle (--throttle): 0 requests per second would send nothing; give at least 1 or leave it out"
                    .into(),
            );
        }
        if self.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
            return Err("[load] rate (--rate): a positive number of requests per second".into());
        }
        if let Some(t) = self.timeout
            && t.is_zero()
        {
            return Err("[load] timeout: a request timeout must be longer than 0s".into());
        }
        if self.run_time.is_none()
            && self.iterations.is_none()
            && self.test_plan.is_none()
            && self.stages.is_empty()
        {
            return Err(
                "refusing to run without a bound: set [load] run_time, iterations, test_plan or [[load.stage]] (or --run-time / --iterations)"
                    .into(),
            );
        }
        self.check_open_model()
    }
}

impl Load {
    fn check_open_model(&self) -> Result<(), String> {
        let rate_ok = |r: f64| r >= 0.0 && r.is_finite();
        if let Some(r) = self.start_rate {
            if !rate_ok(r) {
                return Err(format!(
                    "[load] start_rate = {r}: a rate of 0 or more requests per second"
                ));
            }
            if self.stages.is_empty() {
                return Err("[load] start_rate: only [[load.stage]] ramps from it; give stages, or use rate for a constant rate".into());
            }
        }
        if (self.rate.is_some() || !self.stages.is_empty())
            && (self.hatch_rate.is_some() || self.test_plan.is_some())
        {
            return Err("[load] hatch_rate / test_plan: an arrival-rate run starts all its users (the concurrency cap) before its schedule; leave them out".into());
        }
        if (self.rate.is_some() || !self.stages.is_empty()) && self.users.is_none() {
            return Err("[load] users (-u): an arrival-rate run needs its concurrency cap: the most requests in flight at once".into());
        }
        if self.stages.is_empty() {
            if self.rate.is_some() && self.run_time.is_none() {
                return Err("[load] rate (--rate): an arrival rate runs for a time; give run_time (--run-time) rather than iterations or a test plan".into());
            }
            return Ok(());
        }
        if self.rate.is_some() {
            return Err(
                "[load] rate and [[load.stage]]: give one; a constant rate is one stage".into(),
            );
        }
        if self.run_time.is_some() || self.iterations.is_some() || self.test_plan.is_some() {
            return Err("[[load.stage]]: the stages set the run time; leave out run_time, iterations and test_plan".into());
        }
        if self.throttle.is_some() {
            return Err(
                "[load] throttle: an arrival-rate run paces itself; leave the throttle out".into(),
            );
        }
        for (i, st) in self.stages.iter().enumerate() {
            if !rate_ok(st.target) {
                return Err(format!(
                    "[[load.stage]] #{}: target = {}: a rate of 0 or more requests per second",
                    i + 1,
                    st.target
                ));
            }
            if st.duration.is_zero() {
                return Err(format!(
                    "[[load.stage]] #{}: duration must be longer than 0s",
                    i + 1
                ));
            }
        }
        let total: Duration = self.stages.iter().map(|s| s.duration).sum();
        if total < MIN_RUN_TIME {
            return Err(format!(
                "[[load.stage]]: the stages last {} ms; at least {}s",
                total.as_millis(),
                MIN_RUN_TIME.as_secs()
            ));
        }
        if self.stages.iter().all(|s| s.target == 0.0) && self.start_rate.unwrap_or(0.0) == 0.0 {
            return Err("[[load.stage]]: every target is 0; nothing would be sent".into());
        }
        Ok(())
    }

    /// The arrival schedule of an open-model run (`rate` with `run_time`, or stages); `None` for
    /// the closed model.
    pub fn schedule(&self) -> Option<crate::pacing::Schedule> {
        if !self.stages.is_empty() {
            return Some(crate::pacing::Schedule::ramping(
                self.start_rate.unwrap_or(0.0),
                &self.stages,
            ));
        }
        match (self.rate, self.run_time) {
            (Some(r), Some(t)) => Some(crate::pacing::Schedule::constant(r, t)),
            _ => None,
        }
    }
}

impl CampaignChoice {
    /// Checks every id (and a per-user prefix) the way campaign-api will when it renders a
    /// request, wherever it came from.
    pub fn check(&self) -> Result<(), String> {
        match self {
            CampaignChoice::PerUser { prefix } if prefix.is_empty() => {
                Err("[campaigns] prefix (--campaign-prefix) must not be empty".into())
            }
            CampaignChoice::PerUser { prefix } => check_prefix(prefix)
                .map_err(|e| format!("[campaigns] prefix (--campaign-prefix): {e}")),
            CampaignChoice::Shared { id } => campaign_api::CampaignId::new(id.as_str())
                .map(|_| ())
                .map_err(|e| format!("[campaigns] id: {e}")),
            CampaignChoice::List { ids } => ids.iter().try_for_each(|id| {
                campaign_api::CampaignId::new(id.as_str())
                    .map(|_| ())
                    .map_err(|e| format!("[campaigns]: {e}"))
            }),
        }
    }
}

/// Checks a per-user prefix: `<prefix>0` must be a campaign id campaign-api accepts.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    campaign_api::CampaignId::new(format!("{prefix}0"))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn parse_expected(text: &str) -> Result<Expected, String> {
    let mut parts = text.split_whitespace();
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (400..500).contains(s))
        .ok_or_else(|| format!("expect {text:?}: write a 4xx status and optionally the vendor code, e.g. \"400 CAMPAIGN_ALREADY_RUNNING\""))?;
    Ok(Expected {
        status,
        code: parts.next().map(str::to_string),
    })
}

impl Scenario {
    /// Checks the scenario as it will run (after flags override the file): every load value,
    /// every campaign id, the client and its trust settings. The one place values are checked
    /// before Goose sees them.
    pub fn check(&self) -> Result<(), String> {
        self.load.check()?;
        if self.load.throttle.is_some() && self.transport.client == Some(ClientKind::Lean) {
            return Err("[load] throttle: Goose's throttle paces only Goose's own client; use client = \"goose\" (--client goose) or an arrival rate".into());
        }
        self.transport
            .trust
            .check()
            .map_err(|e| format!("--ca-file / --insecure: {e}"))?;
        self.campaigns.check()
    }

    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            path: path.into(),
            reason: format!("cannot read: {e}"),
        })?;
        Scenario::parse(path, &text)
    }

    /// Parses scenario text; `path` is used in messages and to resolve relative list files.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let err = |reason: String| ScenarioError {
            path: path.into(),
            reason,
        };
        let file: File =
            toml::from_str(text).map_err(|e| err(e.to_string().trim_end().to_string()))?;
        let vendor = Vendor::from_slug(&file.vendor).ok_or_else(|| {
            err(format!(
                "vendor = {:?}: use \"kore\" or \"voicegenie\"",
                file.vendor
            ))
        })?;
        if file.flows.is_empty() {
            return Err(err("needs at least one [[flow]] with steps".into()));
        }
        let mut flows = Vec::new();
        for (i, f) in file.flows.iter().enumerate() {
            if f.steps.is_empty() {
                return Err(err(format!("[[flow]] #{}: steps is empty", i + 1)));
            }
            if f.weight == 0 {
                return Err(err(format!(
                    "[[flow]] #{}: weight must be at least 1",
                    i + 1
                )));
            }
            let mut steps = Vec::new();
            for s in &f.steps {
                let qualified = if s.contains(' ') {
                    s.clone()
                } else {
                    format!("{vendor} {s}")
                };
                let op = OperationId::find(&qualified)
                    .filter(|op| op.spec().vendor == vendor)
                    .ok_or_else(|| {
                        let known: Vec<&str> = OperationId::of_vendor(vendor)
                            .map(|o| o.spec().name)
                            .collect();
                        err(format!(
                            "[[flow]] #{}: unknown {vendor} operation {s:?} (known: {})",
                            i + 1,
                            known.join(", ")
                        ))
                    })?;
                steps.push(op);
            }
            flows.push(Flow {
                name: f.name.clone().unwrap_or_else(|| format!("flow-{}", i + 1)),
                weight: f.weight,
                steps,
            });
        }
        let campaigns = match file.campaigns {
            CampaignsFile::PerUser { prefix } if prefix.is_empty() => {
                return Err(err("[campaigns] prefix must not be empty".into()));
            }
            CampaignsFile::PerUser { prefix } => {
                check_prefix(&prefix).map_err(|e| err(format!("[campaigns] prefix: {e}")))?;
                CampaignChoice::PerUser { prefix }
            }
            CampaignsFile::Shared { id } => {
                campaign_api::CampaignId::new(id.as_str())
                    .map_err(|e| err(format!("[campaigns] id: {e}")))?;
                CampaignChoice::Shared { id }
            }
            CampaignsFile::List { file: list } => {
                let list_path = path.parent().unwrap_or(Path::new(".")).join(&list);
                let meta = std::fs::metadata(&list_path)
                    .map_err(|e| err(format!("[campaigns] file {}: {e}", list_path.display())))?;
                if !meta.is_file() || meta.len() > MAX_LIST_FILE_BYTES {
                    return Err(err(format!(
                        "[campaigns] file {}: not a regular file of at most {MAX_LIST_FILE_BYTES} bytes",
                        list_path.display()
                    )));
                }
                let text = std::fs::read_to_string(&list_path)
                    .map_err(|e| err(format!("[campaigns] file {}: {e}", list_path.display())))?;
                let mut ids = Vec::new();
                for (n, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    campaign_api::CampaignId::new(line)
                        .map_err(|e| err(format!("{} line {}: {e}", list_path.display(), n + 1)))?;
                    ids.push(line.to_string());
                }
                if ids.is_empty() {
                    return Err(err(format!(
                        "[campaigns] file {} names no campaign",
                        list_path.display()
                    )));
                }
                CampaignChoice::List { ids }
            }
        };
        let l = file.load;
        let dur = |key: &str, v: &Option<String>| -> Result<Option<Duration>, ScenarioError> {
            v.as_deref()
                .map(|t| {
                    campaign_api::duration::parse_duration(t)
                        .map_err(|e| err(format!("[load] {key}: {e}")))
                })
                .transpose()
        };
        let load = Load {
            users: l.users,
            hatch_rate: l.hatch_rate.map(|r| r.to_string()),
            run_time: dur("run_time", &l.run_time)?,
            iterations: l.iterations,
            test_plan: l.test_plan,
            throttle: l.throttle,
            rate: l.rate,
            start_rate: l.start_rate,
            stages: l
                .stage
                .iter()
                .enumerate()
                .map(|(i, st)| {
                    Ok(crate::pacing::Stage {
                        target: st.target,
                        duration: dur(
                            &format!("stage #{} duration", i + 1),
                            &Some(st.duration.clone()),
                        )?
                        .unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, ScenarioError>>()?,
            timeout: dur("timeout", &l.timeout)?,
        };
        // The bound is checked once flags have had their say (`Scenario::check`); the values
        // themselves are checked here too, so a bad file is named at once.
        let bound_given = load.run_time.is_some()
            || load.iterations.is_some()
            || load.test_plan.is_some()
            || !load.stages.is_empty();
        if let Err(e) = load.check()
            && (bound_given || !e.starts_with("refusing to run without a bound"))
        {
            return Err(err(e));
        }
        let expect = file
            .expect
            .iter()
            .map(|e| parse_expected(e).map_err(err))
            .collect::<Result<Vec<_>, _>>()?;
        if !(0.0..=1.0).contains(&file.contract.sample) {
            return Err(err(format!(
                "[contract] sample = {}: a fraction from 0 to 1",
                file.contract.sample
            )));
        }
        let sim = match file.sim {
            Some(s) => {
                s.faults.validate().map_err(|e| err(format!("[sim] {e}")))?;
                SimSettings {
                    faults: s.faults,
                    seed: s.seed,
                }
            }
            None => SimSettings::default(),
        };
        let name = file.name.unwrap_or_else(|| {
            path.file_stem()
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(Scenario {
            path: path.into(),
            name,
            description: file.description,
            vendor,
            flows,
            campaigns,
            load,
            thresholds: file.thresholds,
            expect,
            report: file.report,
            contract_sample: file.contract.sample,
            sim,
            transport: Transport {
                client: l.client,
                trust: campaign_api::Trust::default(),
            },
            metrics_addr: None,
        })
    }

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
