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
pub mod stats;

use crate::histogram::Histogram;
use crate::summary::{RequestStats, Second, Summary};
use serde::Serialize;
use stats::{Interval, Rng};

pub use render::{html, junit, markdown, text};

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

/// The percentiles compared.
const PERCENTILES: [u8; 3] = [50, 95, 99];

impl Metric {
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

    fn all() -> Vec<Metric> {
        let mut m: Vec<Metric> = PERCENTILES.iter().map(|p| Metric::Service(*p)).collect();
        m.extend(PERCENTILES.iter().map(|p| Metric::Response(*p)));
        m.push(Metric::ErrorRate);
        m.push(Metric::Rate);
        m
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

/// A gate rule: `p99:+10%`, `error-rate:+0.5pp`, `rate:-10%`. It fails when its figure (over
/// the whole run) regressed significantly and by more than the rule allows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// As written.
    pub text: String,
    /// The figure.
    #[serde(skip)]
    pub metric: Metric,
    /// The change allowed: relative (0.10), or percentage points for the error rate; for the
    /// rate, the drop allowed.
    #[serde(skip)]
    pub limit: f64,
}

impl Rule {
    /// Reads a rule as `--fail-on` takes it.
    pub fn parse(text: &str) -> Result<Rule, String> {
        let bad = |why: &str| {
            format!(
                "--fail-on {text:?}: {why}; e.g. p99:+10%, response-p95:+5%, error-rate:+0.5pp, rate:-10%"
            )
        };
        let (name, limit) = text
            .split_once(':')
            .ok_or_else(|| bad("no ':' between the figure and its limit"))?;
        let metric = Metric::all()
            .into_iter()
            .find(|m| m.name() == name.trim())
            .ok_or_else(|| bad(&format!("{:?} is not a figure compare gives", name.trim())))?;
        let limit = limit.trim();
        let (number, unit) = if let Some(n) = limit.strip_suffix("pp") {
            (n, "pp")
        } else if let Some(n) = limit.strip_suffix('%') {
            (n, "%")
        } else {
            return Err(bad(
                "the limit ends in % (relative) or pp (percentage points)",
            ));
        };
        let want = if metric.in_points() { "pp" } else { "%" };
        if unit != want {
            return Err(bad(&format!(
                "{} changes are given in {want}",
                metric.name()
            )));
        }
        let value: f64 = number
            .trim()
            .parse()
            .map_err(|_| bad(&format!("{number:?} is not a number")))?;
        let signed_ok = if metric.higher_is_worse() {
            number.trim_start().starts_with('+') && value >= 0.0
        } else {
            number.trim_start().starts_with('-') && value <= 0.0
        };
        if !signed_ok || !value.is_finite() {
            let sign = if metric.higher_is_worse() { "+" } else { "-" };
            return Err(bad(&format!(
                "a {} limit is the worse direction, {sign}N",
                metric.name()
            )));
        }
        let limit = if metric.in_points() {
            value.abs()
        } else {
            value.abs() / 100.0
        };
        Ok(Rule {
            text: text.to_string(),
            metric,
            limit,
        })
    }
}

/// A rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// The rule as written (`no significant regression` when none were given).
    pub rule: String,
    /// Whether it held.
    pub passed: bool,
    /// Why, in a line.
    pub observed: String,
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
    let mut rows = whole_run(base, new, opts, &mut rng);
    let names: std::collections::BTreeSet<&String> =
        base.requests.keys().chain(new.requests.keys()).collect();
    let empty = RequestStats::default();
    for name in names {
        let a = base.requests.get(name).unwrap_or(&empty);
        let b = new.requests.get(name).unwrap_or(&empty);
        rows.extend(one_operation(name, a, b, opts, &mut rng));
    }
    let rules = gate(&rows, &opts.rules);
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

/// The figures of a set of requests that the rows compare.
#[derive(Debug, Default)]
struct Figures {
    service: Histogram,
    response: Histogram,
    sent: u64,
    failed: u64,
    seconds: usize,
}

impl Figures {
    fn value(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::Service(p) => {
                (self.service.count > 0).then(|| self.service.percentile_us(pct(p)) as f64)
            }
            Metric::Response(p) => {
                (self.response.count > 0).then(|| self.response.percentile_us(pct(p)) as f64)
            }
            Metric::ErrorRate => {
                (self.sent > 0).then(|| self.failed as f64 * 100.0 / self.sent as f64)
            }
            Metric::Rate => (self.seconds > 0).then(|| self.sent as f64 / self.seconds as f64),
        }
    }
}

fn pct(p: u8) -> f32 {
    f32::from(p) / 100.0
}

/// The change from `a` to `b` in `m`'s unit; `None` when one has no figure or the baseline's
/// is 0 for a relative change.
fn change(m: Metric, a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    if m.in_points() {
        Some(b - a)
    } else if a > 0.0 {
        Some(b / a - 1.0)
    } else {
        None
    }
}

fn verdict(m: Metric, interval: Option<Interval>, opts: &Options) -> Verdict {
    let Some(i) = interval else {
        return Verdict::NoData;
    };
    let noise = if m.in_points() {
        opts.noise_pp
    } else {
        opts.noise
    };
    let (worse, better) = if m.higher_is_worse() {
        (i.lo > noise, i.hi < -noise)
    } else {
        (i.hi < -noise, i.lo > noise)
    };
    if worse {
        Verdict::Regressed
    } else if better {
        Verdict::Improved
    } else {
        Verdict::NoSignificantChange
    }
}

fn second_figures(seconds: &[&Second]) -> Figures {
    let mut f = Figures {
        seconds: seconds.len(),
        ..Figures::default()
    };
    for s in seconds {
        f.service.merge(&s.service);
        f.response.merge(&s.response);
        f.sent += s.sent;
        let ok: u64 = ["ok", "expected"]
            .iter()
            .filter_map(|c| s.classes.get(*c))
            .sum();
        f.failed += s.sent.saturating_sub(ok);
    }
    f
}

/// The whole run's rows: a bootstrap over seconds.
fn whole_run(base: &Summary, new: &Summary, opts: &Options, rng: &mut Rng) -> Vec<Row> {
    let metrics = Metric::all();
    let (a_secs, b_secs): (Vec<&Second>, Vec<&Second>) = (
        base.timeline.iter().collect(),
        new.timeline.iter().collect(),
    );
    let (a, b) = (second_figures(&a_secs), second_figures(&b_secs));
    let comparable = !a_secs.is_empty() && !b_secs.is_empty();
    let (mut pick_a, mut pick_b) = (Vec::new(), Vec::new());
    resampled_rows(
        "all",
        &metrics,
        (&a, &b),
        Basis::Seconds,
        opts,
        comparable,
        || {
            pick_a.clear();
            pick_b.clear();
            stats::resample_seconds(&a_secs, rng, |s| pick_a.push(*s));
            stats::resample_seconds(&b_secs, rng, |s| pick_b.push(*s));
            (second_figures(&pick_a), second_figures(&pick_b))
        },
    )
}

/// `metrics`' rows for `scope`: the change from `a` to `b`, and its interval from
/// [`stats::RESAMPLES`] draws of `resample` (none when not `comparable`).
fn resampled_rows(
    scope: &str,
    metrics: &[Metric],
    (a, b): (&Figures, &Figures),
    basis: Basis,
    opts: &Options,
    comparable: bool,
    mut resample: impl FnMut() -> (Figures, Figures),
) -> Vec<Row> {
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(stats::RESAMPLES); metrics.len()];
    if comparable {
        for _ in 0..stats::RESAMPLES {
            let (ra, rb) = resample();
            for (m, d) in metrics.iter().zip(draws.iter_mut()) {
                if let Some(c) = change(*m, ra.value(*m), rb.value(*m)) {
                    d.push(c);
                }
            }
        }
    }
    metrics
        .iter()
        .zip(draws.iter_mut())
        .map(|(m, d)| row(scope, *m, a, b, d, basis, opts))
        .collect()
}

fn row(
    scope: &str,
    m: Metric,
    a: &Figures,
    b: &Figures,
    draws: &mut [f64],
    basis: Basis,
    opts: &Options,
) -> Row {
    let point = change(m, a.value(m), b.value(m));
    // An interval needs most resamples to give a figure (a run with one answered request in
    // its only second gives none half the time).
    let interval = point
        .filter(|_| draws.len() * 2 > stats::RESAMPLES)
        .map(|_| stats::percentile_interval(draws, opts.confidence));
    Row {
        scope: scope.to_string(),
        metric: m,
        base: a.value(m).unwrap_or(0.0),
        new: b.value(m).unwrap_or(0.0),
        change: point.unwrap_or(0.0),
        interval,
        basis,
        verdict: verdict(m, interval, opts),
    }
}

/// One request name's rows: a Poisson bootstrap over its requests (its figures are kept as one
/// histogram for the run, not per second). No rate row: its seconds are not kept apart.
fn one_operation(
    name: &str,
    a: &RequestStats,
    b: &RequestStats,
    opts: &Options,
    rng: &mut Rng,
) -> Vec<Row> {
    let metrics: Vec<Metric> = Metric::all()
        .into_iter()
        .filter(|m| *m != Metric::Rate)
        .collect();
    let figures = |r: &RequestStats| Figures {
        service: r.service.clone(),
        response: r.response.clone(),
        sent: r.count,
        failed: r.fail,
        seconds: 0,
    };
    let (fa, fb) = (figures(a), figures(b));
    let redraw = |r: &RequestStats, rng: &mut Rng| {
        let failed = rng.poisson(r.fail as f64);
        Figures {
            service: stats::poisson_resample(&r.service, rng),
            response: stats::poisson_resample(&r.response, rng),
            sent: rng.poisson(r.success as f64) + failed,
            failed,
            seconds: 0,
        }
    };
    let comparable = a.count > 0 && b.count > 0;
    resampled_rows(
        name,
        &metrics,
        (&fa, &fb),
        Basis::Requests,
        opts,
        comparable,
        || (redraw(a, rng), redraw(b, rng)),
    )
}

/// The gate: each rule judged on the whole run's row of its figure; with no rules, one that
/// fails on any significant regression of the whole run's figures.
fn gate(rows: &[Row], rules: &[Rule]) -> Vec<RuleResult> {
    let whole = |m: Metric| rows.iter().find(|r| r.scope == "all" && r.metric == m);
    if rules.is_empty() {
        let regressed: Vec<String> = rows
            .iter()
            .filter(|r| r.scope == "all" && r.verdict == Verdict::Regressed)
            .map(|r| format!("{} {}", r.metric.name(), render::change_text(r)))
            .collect();
        return vec![RuleResult {
            rule: "no significant regression".into(),
            passed: regressed.is_empty(),
            observed: if regressed.is_empty() {
                "no figure of the whole run regressed".into()
            } else {
                format!("regressed: {}", regressed.join(", "))
            },
        }];
    }
    rules
        .iter()
        .map(|rule| {
            let Some(r) = whole(rule.metric) else {
                return RuleResult {
                    rule: rule.text.clone(),
                    passed: true,
                    observed: "no such figure in either run".into(),
                };
            };
            let beyond = if rule.metric.higher_is_worse() {
                r.change > rule.limit
            } else {
                r.change < -rule.limit
            };
            let failed = r.verdict == Verdict::Regressed && beyond;
            RuleResult {
                rule: rule.text.clone(),
                passed: !failed,
                observed: format!("{} ({})", render::change_text(r), r.verdict.label()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
