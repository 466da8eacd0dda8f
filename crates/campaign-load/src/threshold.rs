//! Pass/fail rules, judged on a [`Summary`]: the same code judges one run and a merged fleet,
//! so a fleet-wide p99 or rate is gated on the merged histograms and counts, never on the
//! workers' verdicts.
//!
//! A rule is `<metric><op><value>`, optionally followed by ` for <request>` (a request name as
//! the reports show it). Goose's rules keep their meaning:
//!
//! | metric | measures | value |
//! |---|---|---|
//! | `pNN`, `avg`, `max` (also `service-pNN`, …) | service time: send → first byte | `250ms`, `1s`, `800us`; bare = ms |
//! | `response-pNN`, `response-avg`, `response-max` | response time: due time on the schedule → first byte | as above |
//! | `error-rate` | failed requests, % of all | `1%` |
//! | `rps` | requests per second over the run | `200` |
//! | `shortfall` | how far the achieved rate fell below the target, worst stage, % | `5%` |
//! | `late` | arrivals sent late (> 10 ms after their due time) or dropped, % of those due | `1%` |
//!
//! `<op>` is `<`, `<=`, `>` or `>=`. Every run is judged by `error-rate<1%`, and an open-model
//! run (a `rate` or stages) also by `shortfall<=5%` and `late<=1%`, unless the scenario gives its
//! own rule of that metric: that is how a scenario relaxes them (`error-rate<20%`). A run where
//! no request got an answer fails whatever its rules say.
//!
//! A rule ending in `:abort` (or `:abort=10s`) is also judged while the run lasts, on a sliding
//! window of its last `abort_after` (default [`DEFAULT_ABORT_AFTER`], `--abort-after`), first once
//! that much of the run has passed: when it breaks, the attack stops, the cleanup runs, and the
//! run fails (k6's `abortOnFail` with `delayAbortEval`). See [`crate::abort`].

use crate::report::fmt_us;
use crate::summary::{RequestStats, Summary, ThresholdLine};
use std::time::Duration;

/// The rules an open-model run gets unless it states its own.
pub const OPEN_MODEL_DEFAULTS: [&str; 2] = ["shortfall<=5%", "late<=1%"];

/// The error rule every run gets unless it states an `error-rate` rule of its own: without it, a
/// run whose every request failed could pass on its latency rules alone.
pub const DEFAULT_ERROR_RULE: &str = "error-rate<1%";

/// How much of the run an abort rule is judged on (and how long into the run it is first
/// judged), unless the rule or `--abort-after` says otherwise.
pub const DEFAULT_ABORT_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Time {
    Percentile(f64),
    Avg,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Service(Time),
    Response(Time),
    ErrorRate,
    Rps,
    Shortfall,
    Late,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// A threshold rule that does not parse: the rule as written, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("threshold {rule:?}: {problem}")]
pub struct ThresholdError {
    /// The rule as written.
    pub rule: String,
    /// What to fix.
    pub problem: ThresholdProblem,
}

/// What is wrong with a threshold rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdProblem {
    /// ` for ` with nothing after it.
    #[error("\"for\" needs a request name, such as \"kore voice-start-v1\"")]
    NoRequest,
    /// No `<` or `>`.
    #[error("write <metric><op><value>, such as p95<250ms or shortfall<=5%")]
    NoOperator,
    /// A metric this harness does not measure.
    #[error(
        "unknown metric {0:?}; use pNN, avg, max (service time; also service-pNN), response-pNN / response-avg / response-max (from the schedule), error-rate, rps, shortfall or late"
    )]
    UnknownMetric(String),
    /// A time metric's value is not a time.
    #[error("{0:?} is not a time; use a number with us, ms or s, such as 250ms")]
    NotATime(String),
    /// A share's value is not a percent.
    #[error("{0:?} is not a percent from 0 to 100, such as 5%")]
    NotAPercent(String),
    /// `rps`'s value is not a rate.
    #[error("{0:?} is not a number of requests per second")]
    NotARate(String),
    /// `shortfall` or `late` given ` for ` one request.
    #[error("{0} judges the whole schedule, not one request")]
    WholeSchedule(String),
    /// `:abort` on a rule that cannot be judged on a window of the run.
    #[error(
        "an abort rule is judged on the last seconds of the whole run: use error-rate, pNN, response-pNN, avg, max or rps, without \"for\""
    )]
    AbortScope,
    /// `:abort=` with a bad window, or another word after the colon.
    #[error("{0:?}: write RULE:abort or RULE:abort=10s (the window, 1s to 1h)")]
    AbortSuffix(String),
}

/// A parsed threshold rule (`p95<250ms`, `error-rate<1%`, `shortfall<=5%`).
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    text: String,
    metric: Metric,
    op: Op,
    /// µs for a time, percent for a share, req/s for `rps`.
    limit: f64,
    request: Option<String>,
    /// `:abort`: also judged while the run lasts, on its last `Some(window)` (or the run's
    /// `--abort-after` when `None`).
    abort: Option<Option<Duration>>,
}

/// The longest abort window: a rule judged on more than the last hour is a whole-run rule.
const MAX_ABORT_WINDOW: Duration = Duration::from_secs(3600);

fn parse_time(v: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("µs") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1_000.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1_000_000.0)
    } else {
        (v, 1_000.0)
    };
    let x: f64 = num.trim().parse().ok()?;
    (x.is_finite() && x >= 0.0).then_some(x * scale)
}

fn parse_percent(v: &str) -> Option<f64> {
    let x: f64 = v.strip_suffix('%').unwrap_or(v).trim().parse().ok()?;
    (x.is_finite() && (0.0..=100.0).contains(&x)).then_some(x)
}

fn parse_time_metric(m: &str) -> Option<Time> {
    match m {
        "avg" => Some(Time::Avg),
        "max" => Some(Time::Max),
        _ => {
            let p: f64 = m.strip_prefix('p')?.parse().ok()?;
            (p > 0.0 && p < 100.0).then_some(Time::Percentile(p))
        }
    }
}

impl std::str::FromStr for Threshold {
    type Err = ThresholdError;

    fn from_str(text: &str) -> Result<Threshold, ThresholdError> {
        let text = text.trim();
        let fail = |problem: ThresholdProblem| ThresholdError {
            rule: text.to_string(),
            problem,
        };
        let (rule, abort) = match text.rsplit_once(':') {
            None => (text, None),
            Some((rule, "abort")) => (rule.trim(), Some(None)),
            Some((rule, suffix)) => {
                let window = suffix
                    .strip_prefix("abort=")
                    .and_then(|w| campaign_api::parse_duration(w.trim()).ok())
                    .filter(|w| *w >= Duration::from_secs(1) && *w <= MAX_ABORT_WINDOW)
                    .ok_or_else(|| fail(ThresholdProblem::AbortSuffix(suffix.to_string())))?;
                (rule.trim(), Some(Some(window)))
            }
        };
        let (body, request) = match rule.split_once(" for ") {
            Some((b, r)) if !r.trim().is_empty() => (b.trim(), Some(r.trim().to_string())),
            None if rule.ends_with(" for") => return Err(fail(ThresholdProblem::NoRequest)),
            Some(_) => return Err(fail(ThresholdProblem::NoRequest)),
            None => (rule, None),
        };
        let at = body
            .find(['<', '>'])
            .ok_or_else(|| fail(ThresholdProblem::NoOperator))?;
        let (metric, rest) = body.split_at(at);
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Op::Gt, v)
        } else {
            return Err(fail(ThresholdProblem::NoOperator));
        };
        let metric_name = metric.trim();
        let value = value.trim();
        let bad_metric = || fail(ThresholdProblem::UnknownMetric(metric_name.to_string()));
        let metric = match metric_name {
            "error-rate" => Metric::ErrorRate,
            "rps" => Metric::Rps,
            "shortfall" => Metric::Shortfall,
            "late" => Metric::Late,
            m => {
                if let Some(t) = m.strip_prefix("response-") {
                    Metric::Response(parse_time_metric(t).ok_or_else(bad_metric)?)
                } else {
                    let t = m.strip_prefix("service-").unwrap_or(m);
                    Metric::Service(parse_time_metric(t).ok_or_else(bad_metric)?)
                }
            }
        };
        let limit = match metric {
            Metric::Service(_) | Metric::Response(_) => parse_time(value)
                .ok_or_else(|| fail(ThresholdProblem::NotATime(value.to_string())))?,
            Metric::ErrorRate | Metric::Shortfall | Metric::Late => parse_percent(value)
                .ok_or_else(|| fail(ThresholdProblem::NotAPercent(value.to_string())))?,
            Metric::Rps => value
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| fail(ThresholdProblem::NotARate(value.to_string())))?,
        };
        if request.is_some() && matches!(metric, Metric::Shortfall | Metric::Late) {
            return Err(fail(ThresholdProblem::WholeSchedule(
                metric_name.to_string(),
            )));
        }
        if abort.is_some()
            && (request.is_some() || matches!(metric, Metric::Shortfall | Metric::Late))
        {
            return Err(fail(ThresholdProblem::AbortScope));
        }
        Ok(Threshold {
            text: text.to_string(),
            metric,
            op,
            limit,
            request,
            abort,
        })
    }
}

impl Threshold {
    /// The rule as written (`error-rate<5%:abort`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// For an abort rule, the window it is judged on while the run lasts: its own, else
    /// `default` (`--abort-after`, else [`DEFAULT_ABORT_AFTER`]). `None`: judged at the end only.
    pub fn abort_window(&self, default: Duration) -> Option<Duration> {
        self.abort.map(|w| w.unwrap_or(default))
    }

    fn holds(&self, observed: f64) -> bool {
        match self.op {
            Op::Lt => observed < self.limit,
            Op::Le => observed <= self.limit,
            Op::Gt => observed > self.limit,
            Op::Ge => observed >= self.limit,
        }
    }

    /// Judges the rule on `s`.
    pub fn judge(&self, s: &Summary) -> ThresholdLine {
        let line = |passed: bool, observed: String| ThresholdLine {
            rule: self.text.clone(),
            passed,
            observed,
        };
        let stats: RequestStats = match &self.request {
            None => s.aggregate(),
            Some(name) => match s.requests.get(name) {
                Some(r) => r.clone(),
                None => {
                    let known: Vec<&str> = s.requests.keys().map(String::as_str).collect();
                    return line(
                        false,
                        format!("no request named {name:?} (known: {})", known.join(", ")),
                    );
                }
            },
        };
        let time = |t: Time, h: &crate::histogram::Histogram, what: &str| -> (f64, String) {
            let (us, name) = match t {
                Time::Percentile(p) => (h.percentile_us((p / 100.0) as f32), format!("p{p}")),
                Time::Avg => (h.mean_us(), "avg".into()),
                Time::Max => (h.max_us, "max".into()),
            };
            (us as f64, format!("{what} {name} = {}", fmt_us(us)))
        };
        match self.metric {
            Metric::Service(_) | Metric::Response(_) if stats.answered() == 0 => line(
                false,
                format!(
                    "no request got an answer ({} sent, {} failed in transport)",
                    stats.count, stats.unanswered
                ),
            ),
            Metric::Service(t) => {
                let (v, o) = time(t, &stats.service, "service");
                line(self.holds(v), o)
            }
            Metric::Response(t) => {
                let (v, o) = time(t, &stats.response, "response");
                line(self.holds(v), o)
            }
            Metric::ErrorRate => {
                let v = stats.error_rate();
                line(
                    self.holds(v),
                    format!("error rate {v:.2}% ({} of {})", stats.fail, stats.count),
                )
            }
            Metric::Rps => {
                let v = s.rps(stats.count);
                line(
                    self.holds(v),
                    format!("{v:.1} req/s ({} in {:.1} s)", stats.count, s.duration_secs),
                )
            }
            Metric::Shortfall => match &s.arrivals {
                None => line(
                    false,
                    "a closed-model run has no target rate: give [load] rate or stages".into(),
                ),
                Some(a) => {
                    let (v, stage) = a.worst_shortfall();
                    let observed = match a.stages.get(stage - 1) {
                        Some(st) => format!(
                            "{v:.1}% short: achieved {:.1} of {:.1} req/s (stage {stage}, {} of {:.0} due)",
                            st.achieved_rate(),
                            st.target_rate(),
                            st.sent,
                            st.target
                        ),
                        None => format!("{v:.1}% short"),
                    };
                    line(self.holds(v), observed)
                }
            },
            Metric::Late => match &s.arrivals {
                None => line(
                    false,
                    "a closed-model run has no schedule to be late for: give [load] rate or stages"
                        .into(),
                ),
                Some(a) => {
                    let v = a.late_share();
                    line(
                        self.holds(v),
                        format!(
                            "{v:.2}% late or dropped: {} late, {} dropped of {} due ({} users)",
                            a.late, a.dropped, a.due, a.users
                        ),
                    )
                }
            },
        }
    }
}

/// Parses every rule; names the first bad one.
pub fn parse_all(rules: &[String]) -> Result<Vec<Threshold>, ThresholdError> {
    rules.iter().map(|r| r.parse::<Threshold>()).collect()
}

/// The rules a run is judged by: `rules`, plus [`DEFAULT_ERROR_RULE`] and, for an `open`-model
/// run, [`OPEN_MODEL_DEFAULTS`], each unless the scenario states a rule of its metric.
pub fn with_defaults(rules: &[String], open: bool) -> Result<Vec<Threshold>, ThresholdError> {
    let mut parsed = parse_all(rules)?;
    let defaults = std::iter::once(DEFAULT_ERROR_RULE)
        .chain(OPEN_MODEL_DEFAULTS.iter().copied().filter(|_| open));
    for d in defaults {
        let rule: Threshold = d.parse()?;
        if !parsed.iter().any(|r| r.metric == rule.metric) {
            parsed.push(rule);
        }
    }
    Ok(parsed)
}

/// The verdict line of a run where no request got an answer.
pub const ANSWERED_RULE: &str = "answered>0";

/// How the verdict line of an abort begins (`aborted by error-rate<5%:abort`).
const ABORTED_BY: &str = "aborted by ";

/// True for the lines [`judge`] adds of its own (not rules a scenario states, so a merge does
/// not take them for one).
pub fn is_built_in(rule: &str) -> bool {
    rule == ANSWERED_RULE || rule.starts_with(ABORTED_BY)
}

/// Judges every rule on `s` and stores the results in it; true when all held. Two lines are
/// added when they fail, whatever the rules: a run where no request got an answer, and a run an
/// abort rule stopped (judged then on its window; the whole run may look better).
pub fn judge(s: &mut Summary, rules: &[Threshold]) -> bool {
    s.thresholds = rules.iter().map(|r| r.judge(s)).collect();
    let all = s.aggregate();
    if all.answered() == 0 {
        s.thresholds.push(ThresholdLine {
            rule: ANSWERED_RULE.into(),
            passed: false,
            observed: if all.count == 0 {
                "nothing was sent".into()
            } else {
                format!(
                    "no request got an answer: all {} failed in transport",
                    all.count
                )
            },
        });
    }
    if let Some(a) = &s.aborted {
        s.thresholds.push(ThresholdLine {
            rule: format!("{ABORTED_BY}{}", a.rule),
            passed: false,
            observed: format!(
                "aborted the run at {:.1} s: {} over the last {} s",
                a.at_secs, a.observed, a.window_secs
            ),
        });
    }
    s.thresholds.iter().all(|t| t.passed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Arrivals, StageStats};

    fn summary(times_us: &[u64], fails: u64) -> Summary {
        let mut r = RequestStats::default();
        for (i, t) in times_us.iter().enumerate() {
            r.add(
                i as u64 >= fails,
                Some(200),
                Some((
                    std::time::Duration::from_micros(*t),
                    std::time::Duration::from_micros(*t * 2),
                )),
            );
        }
        let mut s = Summary {
            duration_secs: 2.0,
            ..Summary::default()
        };
        s.requests.insert("kore voice-start-v1".into(), r);
        s
    }

    #[test]
    fn parses_goose_rules_and_the_new_ones() {
        for ok in [
            "p95<250ms",
            "p99.9<=2s",
            "avg<100",
            "max<1s for kore voice-start-v1",
            "service-p99<250ms",
            "response-p99<1s",
            "response-max<=3s",
            "error-rate<1%",
            "rps>=200",
            "shortfall<=5%",
            "late<1",
        ] {
            assert!(ok.parse::<Threshold>().is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("p100<2s", "unknown metric"),
            ("p95", "<metric><op><value>"),
            ("p95<fast", "not a time"),
            ("error-rate<150%", "percent"),
            ("shortfall<5% for x", "whole schedule"),
            ("latency<2s", "unknown metric"),
            ("p95<250ms for ", "request name"),
        ] {
            let e = bad.parse::<Threshold>().expect_err(bad);
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn judges_both_latencies_apart() {
        // Service 10 ms × 99 and 1 s × 1; response twice that.
        let mut times = vec![10_000u64; 99];
        times.push(1_000_000);
        let mut s = summary(&times, 0);
        let rules = parse_all(&[
            "p99<50ms".into(),
            "response-p99<15ms".into(),
            "response-p99<25ms".into(),
            "max<1s".into(),
            "max<=1s".into(),
        ])
        .expect("rules");
        assert!(!judge(&mut s, &rules));
        let verdicts: Vec<bool> = s.thresholds.iter().map(|t| t.passed).collect();
        assert_eq!(verdicts, [true, false, true, false, true]);
        assert!(
            s.thresholds[1].observed.starts_with("response p99 = 20."),
            "{:?}",
            s.thresholds[1]
        );
    }

    #[test]
    fn schedule_rules_use_the_worst_stage_and_count_drops() {
        let mut s = summary(&[1_000; 10], 0);
        s.arrivals = Some(Arrivals {
            users: 4,
            stages: vec![
                StageStats {
                    from_s: 0.0,
                    until_s: 1.0,
                    start_rate: 100.0,
                    end_rate: 100.0,
                    target: 100.0,
                    sent: 99,
                },
                StageStats {
                    from_s: 1.0,
                    until_s: 2.0,
                    start_rate: 100.0,
                    end_rate: 1000.0,
                    target: 550.0,
                    sent: 220,
                },
            ],
            due: 650,
            sent: 319,
            late: 10,
            late_after_us: 10_000,
            lateness: Default::default(),
            dropped: 331,
        });
        let rules = with_defaults(&[], true).expect("defaults");
        assert!(!judge(&mut s, &rules));
        let names: Vec<&str> = s.thresholds.iter().map(|t| t.rule.as_str()).collect();
        assert_eq!(names, [DEFAULT_ERROR_RULE, "shortfall<=5%", "late<=1%"]);
        assert!(s.thresholds[0].passed);
        assert!(
            s.thresholds[1]
                .observed
                .starts_with("60.0% short: achieved 220.0 of 550.0 req/s (stage 2"),
            "{}",
            s.thresholds[1].observed
        );
        assert!(
            s.thresholds[2]
                .observed
                .contains("10 late, 331 dropped of 650 due"),
            "{}",
            s.thresholds[2].observed
        );
        // A stated rule replaces the default of its kind.
        let relaxed = with_defaults(
            &[
                "shortfall<=61%".into(),
                "late<=55%".into(),
                "error-rate<50%".into(),
            ],
            true,
        )
        .expect("rules");
        assert_eq!(relaxed.len(), 3);
        assert!(judge(&mut s, &relaxed));
    }

    #[test]
    fn abort_rules_parse_with_their_window_and_refuse_what_a_window_cannot_judge() {
        let ten = Duration::from_secs(10);
        let r: Threshold = "error-rate<5%:abort".parse().expect("abort");
        assert_eq!(r.abort_window(ten), Some(ten));
        assert_eq!(r.text(), "error-rate<5%:abort");
        let r: Threshold = "p99<1s:abort=2s".parse().expect("abort with window");
        assert_eq!(r.abort_window(ten), Some(Duration::from_secs(2)));
        let r: Threshold = "p99<1s".parse().expect("plain");
        assert_eq!(r.abort_window(ten), None);
        for (bad, says) in [
            ("shortfall<5%:abort", "abort rule"),
            ("p99<1s for kore voice-start-v1:abort", "abort rule"),
            ("p99<1s:stop", "RULE:abort"),
            ("p99<1s:abort=0s", "RULE:abort"),
            ("p99<1s:abort=2h", "RULE:abort"),
        ] {
            let e = bad.parse::<Threshold>().expect_err(bad);
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn a_run_where_nothing_was_answered_never_passes() {
        let mut r = RequestStats::default();
        for _ in 0..5 {
            r.add(false, None, None);
        }
        let mut s = Summary::default();
        s.requests.insert("kore voice-start-v1".into(), r);
        // Even rules that a dead host would "meet": fast, and errors allowed.
        let rules = parse_all(&["error-rate<=100%".into(), "p95<250ms".into()]).expect("rules");
        assert!(!judge(&mut s, &rules));
        let lines: Vec<(&str, bool)> = s
            .thresholds
            .iter()
            .map(|t| (t.rule.as_str(), t.passed))
            .collect();
        assert_eq!(
            lines,
            [
                ("error-rate<=100%", true),
                ("p95<250ms", false),
                (ANSWERED_RULE, false)
            ]
        );
        assert!(
            s.thresholds[1]
                .observed
                .contains("no request got an answer")
        );
        assert!(
            s.thresholds[2]
                .observed
                .contains("all 5 failed in transport")
        );
        // The built-in line is not taken for a scenario's rule by a merge.
        assert_eq!(s.rules(), ["error-rate<=100%", "p95<250ms"]);
    }

    #[test]
    fn a_schedule_rule_on_a_closed_run_fails_and_says_why() {
        let mut s = summary(&[1_000], 0);
        let rules = parse_all(&["shortfall<=5%".into()]).expect("rule");
        assert!(!judge(&mut s, &rules));
        assert!(s.thresholds[0].observed.contains("closed-model"));
        let closed = with_defaults(&[], false).expect("defaults");
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].text(), DEFAULT_ERROR_RULE);
    }
}
