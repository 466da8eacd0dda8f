//! `campaign-load compare BASELINE NEW`: did this change make start/stop slower or less
//! reliable? Two summaries' figures side by side, each change with a confidence interval and a
//! verdict, and gate rules that fail the comparison on a significant regression.
//!
//! As criterion does for micro-benchmarks, a change is called only when it clears both the
//! statistics and a noise threshold: **regressed** when the whole interval of the change lies
//! beyond the noise threshold on the worse side, **improved** when it lies beyond it on the
//! better side, and **no significant change** otherwise. How the intervals are made, and why
//! over seconds, is in [`stats`].

mod render;
mod rows;
mod rule;
pub mod stats;

use crate::summary::{RequestStats, Summary};
use serde::Serialize;
use stats::{Interval, Rng};

pub use render::{html, junit, markdown, text};
pub use rule::{Rule, RuleResult};

/// The comparison format this build writes (`compare --json`), described by
/// `schemas/report/load-compare.json`.
pub const FORMAT: u32 = 1;

/// What is compared: a latency percentile, the error rate, or the achieved rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Service time (send to first byte) at this percentile.
    Service(u8),
    /// Response time (due time to first byte) at this percentile.
    Response(u8),
    /// Failed requests as a percentage of all; changes are in percentage points.
    ErrorRate,
    /// Requests sent per second.
    Rate,
}

impl Metric {
    /// Every figure compared, in the tables' order: the service percentiles, the response
    /// percentiles, the error rate, the rate.
    pub const ALL: [Metric; 8] = [
        Metric::Service(50),
        Metric::Service(95),
        Metric::Service(99),
        Metric::Response(50),
        Metric::Response(95),
        Metric::Response(99),
        Metric::ErrorRate,
        Metric::Rate,
    ];

    /// As rules and tables name it: `p99`, `response-p99`, `error-rate`, `rate`.
    pub fn name(self) -> String {
        match self {
            Metric::Service(p) => format!("p{p}"),
            Metric::Response(p) => format!("response-p{p}"),
            Metric::ErrorRate => "error-rate".into(),
            Metric::Rate => "rate".into(),
        }
    }

    /// Higher is worse (latency, errors); for the rate, lower is.
    fn higher_is_worse(self) -> bool {
        !matches!(self, Metric::Rate)
    }

    /// Changes in percentage points (the error rate), not relative.
    fn in_points(self) -> bool {
        matches!(self, Metric::ErrorRate)
    }
}

/// A change's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval lies beyond the noise threshold on the worse side.
    Regressed,
    /// The whole interval lies beyond the noise threshold on the better side.
    Improved,
    /// Anything else: within noise, or not shown by the statistics.
    NoSignificantChange,
    /// One side has nothing to compare (no answered request, no second).
    NoData,
}

impl Verdict {
    /// As the tables print it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::NoSignificantChange => "no significant change",
            Verdict::NoData => "no data",
        }
    }
}

/// How a row's interval was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Bootstrap over the run's seconds (the run as a whole).
    Seconds,
    /// Poisson bootstrap over one operation's requests.
    Requests,
}

/// One figure of both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `all`, or the request name (`kore voice-start-v1`).
    pub scope: String,
    /// What is compared.
    pub metric: Metric,
    /// The baseline's figure: µs for latencies, percent for the error rate, req/s for the rate.
    pub base: f64,
    /// The new run's figure, in the same unit.
    pub new: f64,
    /// The change: relative (0.12 = +12%), or in percentage points for the error rate.
    pub change: f64,
    /// The interval of the change, in the change's unit; none without data.
    pub interval: Option<Interval>,
    /// How the interval was made.
    pub basis: Basis,
    /// The verdict.
    pub verdict: Verdict,
}

/// How to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Relative noise threshold for latencies and the rate (0.05).
    pub noise: f64,
    /// Noise threshold for the error rate, percentage points (0.1).
    pub noise_pp: f64,
    /// Confidence level of the intervals (0.95).
    pub confidence: f64,
    /// Bootstrap seed.
    pub seed: u64,
    /// Gate rules; none: any significant regression of the whole run's figures fails.
    pub rules: Vec<Rule>,
    /// Compare even what [`refusals`] finds incomparable.
    pub force: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            noise: 0.05,
            noise_pp: 0.1,
            confidence: 0.95,
            seed: stats::DEFAULT_SEED,
            rules: Vec::new(),
            force: false,
        }
    }
}

/// Two runs' comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// [`FORMAT`].
    pub format: u32,
    /// The campaign-load version that compared.
    pub version: String,
    /// The baseline's scenario, host, start time and slices, as its summary says.
    pub baseline: RunId,
    /// The new run's.
    pub new: RunId,
    /// The noise threshold (relative).
    pub noise: f64,
    /// The error rate's noise threshold, percentage points.
    pub noise_pp: f64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Bootstrap resamples per interval.
    pub resamples: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// What made the runs incomparable, compared anyway under `--force`.
    pub forced: Vec<String>,
    /// Every figure: the whole run's (`all`) first, then each request name's.
    pub rows: Vec<Row>,
    /// The gate.
    pub rules: Vec<RuleResult>,
    /// Whether every rule held.
    pub passed: bool,
}

/// Which run a summary is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunId {
    /// Scenario name.
    pub scenario: String,
    /// `host:port`.
    pub host: String,
    /// RFC 3339, when the summary has it.
    pub started_at: Option<String>,
    /// Seconds.
    pub duration_secs: f64,
    /// Worker slices (`0/1` for a whole test).
    pub slices: Vec<String>,
}

impl RunId {
    fn of(s: &Summary) -> RunId {
        RunId {
            scenario: s.scenario.clone(),
            host: s.host.clone(),
            started_at: s.started_at.clone(),
            duration_secs: s.duration_secs,
            slices: s.slices.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Why two summaries are not runs of the same test: another scenario, load model, schedule or
/// worker slice. Empty when they compare.
pub fn refusals(base: &Summary, new: &Summary) -> Vec<String> {
    let mut why = Vec::new();
    if base.scenario != new.scenario {
        why.push(format!(
            "the baseline ran scenario {:?}, the new run {:?}",
            base.scenario, new.scenario
        ));
    }
    if base.model != new.model {
        why.push(format!(
            "the baseline ran the {:?} model, the new run the {:?} one",
            base.model, new.model
        ));
    }
    let shape = |s: &Summary| {
        s.arrivals.as_ref().map(|a| {
            a.stages
                .iter()
                .map(|st| {
                    format!(
                        "{}s {}",
                        crate::summary::trim(st.from_s),
                        st.label().replace(' ', "")
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    if base.model == new.model && shape(base) != shape(new) {
        why.push(format!(
            "their schedules differ: the baseline's stages {:?}, the new run's {:?}",
            shape(base).unwrap_or_default(),
            shape(new).unwrap_or_default()
        ));
    }
    if base.slices != new.slices {
        let list = |s: &Summary| {
            s.slices
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        why.push(format!(
            "they cover different worker slices: the baseline {}, the new run {}",
            list(base),
            list(new)
        ));
    }
    why
}

/// Compares `new` with `base`. `Err`: the reasons they are not runs of the same test (see
/// [`refusals`]), unless `opts.force`.
pub fn compare(base: &Summary, new: &Summary, opts: &Options) -> Result<Comparison, Vec<String>> {
    let why = refusals(base, new);
    if !why.is_empty() && !opts.force {
        return Err(why);
    }
    let mut rng = Rng::new(opts.seed);
    let mut rows = rows::whole_run(base, new, opts, &mut rng);
    let names: std::collections::BTreeSet<&String> =
        base.requests.keys().chain(new.requests.keys()).collect();
    let empty = RequestStats::default();
    for name in names {
        let a = base.requests.get(name).unwrap_or(&empty);
        let b = new.requests.get(name).unwrap_or(&empty);
        rows.extend(rows::one_operation(name, a, b, opts, &mut rng));
    }
    let rules = rule::gate(&rows, &opts.rules);
    let passed = rules.iter().all(|r| r.passed);
    Ok(Comparison {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_string(),
        baseline: RunId::of(base),
        new: RunId::of(new),
        noise: opts.noise,
        noise_pp: opts.noise_pp,
        confidence: opts.confidence,
        resamples: stats::RESAMPLES,
        seed: opts.seed,
        forced: why,
        rows,
        rules,
        passed,
    })
}

#[cfg(test)]
mod tests;
