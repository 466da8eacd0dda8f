//! The scenario file's TOML shape, and reading it into a [`Scenario`].
//!
//! Parsing is strict (`deny_unknown_fields`): a typo in a key is an error naming the file, the
//! line and the key, never a silently ignored setting.

use super::check::{MAX_LIST_FILE_BYTES, MAX_SCENARIO_BYTES, ValueError, bad, check_prefix};
use super::{
    CampaignChoice, ClientKind, Expected, Flow, Load, Reports, Scenario, SimSettings, Transport,
};
use campaign_api::{OperationId, Vendor};
use campaign_sim::Faults;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A scenario file that could not be used: names the file, and the line and key where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong in it.
    pub problem: FileProblem,
}

/// What is wrong in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// The file could not be read: missing, not a regular file, or over
    /// [`MAX_SCENARIO_BYTES`](super::check::MAX_SCENARIO_BYTES).
    #[error(transparent)]
    Read(campaign_api::InputProblem),
    /// Not TOML of the scenario's shape: the parser's message names the line, column and key.
    #[error("{0}")]
    Toml(String),
    /// A value that cannot be used, by key.
    #[error(transparent)]
    Value(#[from] ValueError),
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
    thresholds: Vec<ThresholdFile>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    report: ReportsFile,
    #[serde(default)]
    contract: ContractFile,
    #[serde(default)]
    sim: Option<SimFile>,
}

/// The longest line of a TOML error shown: the reader quotes the offending line, and a line of
/// megabytes would flood the terminal.
const MAX_ERROR_LINE: usize = 200;

/// `text` with each line cut to [`MAX_ERROR_LINE`] characters (`…` marks a cut).
fn clip_lines(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.chars().count() > MAX_ERROR_LINE {
                let mut cut: String = l.chars().take(MAX_ERROR_LINE).collect();
                cut.push('…');
                cut
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `thresholds` entry: a rule (`"p95<250ms"`, `"error-rate<5%:abort"`), or a table that marks
/// one to abort the run (`{ rule = "error-rate<5%", abort = true, abort_after = "10s" }`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ThresholdFile {
    Rule(String),
    Table(ThresholdTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdTable {
    rule: String,
    #[serde(default)]
    abort: bool,
    abort_after: Option<String>,
}

impl ThresholdFile {
    /// The rule in its one written form (`error-rate<5%:abort=10s`), parsed with the rest.
    fn text(self) -> Result<String, ValueError> {
        match self {
            ThresholdFile::Rule(r) => Ok(r),
            ThresholdFile::Table(t) => match (t.abort, t.abort_after) {
                (false, None) => Ok(t.rule),
                (true, None) => Ok(format!("{}:abort", t.rule)),
                (true, Some(after)) => Ok(format!("{}:abort={after}", t.rule)),
                (false, Some(_)) => Err(bad(
                    format!("thresholds {{ rule = {:?} }}", t.rule),
                    "abort_after needs abort = true",
                )),
            },
        }
    }
}

/// `[report]`. `json` was the summary's twin (the same bytes under a second name) and is refused
/// with the key to use instead.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportsFile {
    html: Option<PathBuf>,
    json: Option<PathBuf>,
    markdown: Option<PathBuf>,
    summary: Option<PathBuf>,
    junit: Option<PathBuf>,
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

fn parse_expected(text: &str) -> Result<Expected, ValueError> {
    let mut parts = text.split_whitespace();
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (400..500).contains(s))
        .ok_or_else(|| {
            bad(
                format!("expect {text:?}"),
                "write a 4xx status and optionally the vendor code, e.g. \"400 CAMPAIGN_ALREADY_RUNNING\"",
            )
        })?;
    Ok(Expected {
        status,
        code: parts.next().map(str::to_string),
    })
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text =
            campaign_api::read_capped(path, MAX_SCENARIO_BYTES, "scenario file").map_err(|e| {
                ScenarioError {
                    path: path.into(),
                    problem: FileProblem::Read(e.problem),
                }
            })?;
        Scenario::parse(path, &text)
    }

    /// Parses scenario text; `path` is used in messages and to resolve relative list files.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let err = |e: ValueError| ScenarioError {
            path: path.into(),
            problem: FileProblem::Value(e),
        };
        let file: File = toml::from_str(text).map_err(|e| ScenarioError {
            path: path.into(),
            problem: FileProblem::Toml(clip_lines(e.to_string().trim_end())),
        })?;
        let vendor = Vendor::from_slug(&file.vendor).ok_or_else(|| {
            err(bad(
                format!("vendor = {:?}", file.vendor),
                "use \"kore\" or \"voicegenie\"",
            ))
        })?;
        if file.flows.is_empty() {
            return Err(err(ValueError::NoFlow));
        }
        let mut flows = Vec::new();
        for (i, f) in file.flows.iter().enumerate() {
            if f.steps.is_empty() {
                return Err(err(bad(format!("[[flow]] #{}", i + 1), "steps is empty")));
            }
            if f.weight == 0 {
                return Err(err(bad(
                    format!("[[flow]] #{}", i + 1),
                    "weight must be at least 1",
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
                        err(bad(
                            format!("[[flow]] #{}", i + 1),
                            format!(
                                "unknown {vendor} operation {s:?} (known: {})",
                                known.join(", ")
                            ),
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
                return Err(err(bad("[campaigns] prefix", "must not be empty")));
            }
            CampaignsFile::PerUser { prefix } => {
                check_prefix(&prefix).map_err(|e| err(bad("[campaigns] prefix", e.to_string())))?;
                CampaignChoice::PerUser { prefix }
            }
            CampaignsFile::Shared { id } => {
                campaign_api::CampaignId::new(id.as_str())
                    .map_err(|e| err(bad("[campaigns] id", e.to_string())))?;
                CampaignChoice::Shared { id }
            }
            CampaignsFile::List { file: list } => {
                let list_path = path.parent().unwrap_or(Path::new(".")).join(&list);
                let key = format!("[campaigns] file {}", list_path.display());
                let text =
                    campaign_api::read_capped(&list_path, MAX_LIST_FILE_BYTES, "campaigns list")
                        .map_err(|e| err(bad(key.clone(), e.problem.to_string())))?;
                let mut ids = Vec::new();
                for (n, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    campaign_api::CampaignId::new(line).map_err(|e| {
                        err(bad(
                            format!("{} line {}", list_path.display(), n + 1),
                            e.to_string(),
                        ))
                    })?;
                    ids.push(line.to_string());
                }
                if ids.is_empty() {
                    return Err(err(bad(key, "names no campaign")));
                }
                CampaignChoice::List { ids }
            }
        };
        let l = file.load;
        let dur = |key: &str, v: &Option<String>| -> Result<Option<Duration>, ScenarioError> {
            v.as_deref()
                .map(|t| {
                    campaign_api::parse_duration(t)
                        .map_err(|e| err(bad(format!("[load] {key}"), e.to_string())))
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
            // A file describes the whole test; `--worker` slices it.
            worker: crate::worker::WorkerSlice::WHOLE,
        };
        // The bound is checked once flags have had their say (`Scenario::check`); the values
        // themselves are checked here too, so a bad file is named at once.
        match load.check() {
            Ok(()) | Err(ValueError::Unbounded) => {}
            Err(e) => return Err(err(e)),
        }
        let expect = file
            .expect
            .iter()
            .map(|e| parse_expected(e).map_err(err))
            .collect::<Result<Vec<_>, _>>()?;
        if !(0.0..=1.0).contains(&file.contract.sample) {
            return Err(err(bad(
                format!("[contract] sample = {}", file.contract.sample),
                "a fraction from 0 to 1",
            )));
        }
        let sim = match file.sim {
            Some(s) => {
                s.faults
                    .validate()
                    .map_err(|e| err(bad("[sim]", e.to_string())))?;
                SimSettings {
                    faults: s.faults,
                    seed: s.seed,
                }
            }
            None => SimSettings::default(),
        };
        if file.report.json.is_some() {
            return Err(err(bad(
                "[report] json",
                "the JSON report is the summary (the same bytes, which `merge` reads): name the file with summary = \"…\" instead",
            )));
        }
        let r = file.report;
        let report = Reports {
            html: r.html,
            markdown: r.markdown,
            summary: r.summary,
            junit: r.junit,
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
            thresholds: file
                .thresholds
                .into_iter()
                .map(ThresholdFile::text)
                .collect::<Result<_, _>>()
                .map_err(err)?,
            abort_after: None,
            expect,
            report,
            contract_sample: file.contract.sample,
            sim,
            transport: Transport {
                client: l.client,
                trust: campaign_api::Trust::default(),
            },
            metrics_addr: None,
        })
    }
}
