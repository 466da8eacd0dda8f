//! campaign-load's own run summary: accounting by class, both latencies as microsecond
//! histograms per request and per second, and for an open-model run the schedule's account
//! (target against achieved per stage, late and dropped arrivals). Several workers' summaries
//! merge exactly (counts add, histograms merge, percentiles are recomputed from the merged
//! histogram rather than averaged), and every verdict is judged again on the merged figures.

use crate::accounting::AccountingSnapshot;
use crate::histogram::Histogram;
use crate::wallclock;
use crate::worker::WorkerSlice;
use serde::{Deserialize, Serialize};

mod arrivals;
pub(crate) use arrivals::trim;
pub use arrivals::{Arrivals, StageStats};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The summary format this build writes and reads.
pub const FORMAT: u32 = 3;

/// One request name's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStats {
    /// Requests recorded.
    pub count: u64,
    /// Counted as success (ok, or an expected vendor answer).
    pub success: u64,
    /// Everything else.
    pub fail: u64,
    /// Of the failures, those no answer came to (refused, reset, TLS, timeout): counted apart,
    /// and kept out of both latencies, which are the host's answer times alone (a refused
    /// connect in 0.1 ms would otherwise pull a dead host's p95 down to "fast").
    #[serde(default)]
    pub unanswered: u64,
    /// Status code → count (0 = no response).
    pub status_codes: BTreeMap<u16, u64>,
    /// Service time: send to first byte.
    pub service: Histogram,
    /// Response time: due time on the schedule to first byte.
    pub response: Histogram,
}

impl RequestStats {
    /// Adds one request: its service and response time when an answer came (`None`: it failed
    /// in transport and is counted as unanswered, outside the latencies).
    pub fn add(&mut self, success: bool, status: Option<u16>, times: Option<(Duration, Duration)>) {
        self.count += 1;
        if success {
            self.success += 1;
        } else {
            self.fail += 1;
        }
        *self.status_codes.entry(status.unwrap_or(0)).or_default() += 1;
        match times {
            Some((service, response)) => {
                self.service.record(service);
                self.response.record(response);
            }
            None => self.unanswered += 1,
        }
    }

    /// Requests an answer came to (the ones both latencies are made of).
    pub fn answered(&self) -> u64 {
        self.count.saturating_sub(self.unanswered)
    }

    /// Adds another worker's figures for the same request.
    pub fn merge(&mut self, o: &RequestStats) {
        self.count += o.count;
        self.success += o.success;
        self.fail += o.fail;
        self.unanswered += o.unanswered;
        for (k, v) in &o.status_codes {
            *self.status_codes.entry(*k).or_default() += v;
        }
        self.service.merge(&o.service);
        self.response.merge(&o.response);
    }

    /// Failed requests as a percentage of all.
    pub fn error_rate(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.fail as f64 * 100.0 / self.count as f64
        }
    }
}

/// One second of the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Second {
    /// Requests sent in this second.
    pub sent: u64,
    /// Arrivals the schedule had due in it (open model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Answer class (`ok`, `unavailable`, `transport`, …) → count.
    pub classes: BTreeMap<String, u64>,
    /// Service times of the requests sent in it.
    pub service: Histogram,
    /// Response times of the requests sent in it.
    pub response: Histogram,
}

impl Second {
    fn merge(&mut self, o: &Second) {
        self.sent += o.sent;
        self.target = match (self.target, o.target) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        for (k, v) in &o.classes {
            *self.classes.entry(k.clone()).or_default() += v;
        }
        self.service.merge(&o.service);
        self.response.merge(&o.response);
    }
}

/// Why two summaries cannot be merged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Mismatch {
    /// Open-model runs whose stages start at different seconds.
    #[error(
        "its schedule has {} stage(s) starting at {theirs:?} s, the others' {} starting at {ours:?} s: workers of one fleet run one schedule",
        theirs.len(),
        ours.len()
    )]
    Schedules {
        /// This summary's stage starts, in seconds.
        theirs: Vec<f64>,
        /// The merged summaries' stage starts.
        ours: Vec<f64>,
    },
    /// An open-model run with a closed-model one.
    #[error("it mixes an open-model run (a rate) with a closed-model one")]
    Models,
}

/// A summary file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct SummaryFileError {
    /// The file.
    pub path: std::path::PathBuf,
    /// What is wrong with it.
    pub problem: SummaryProblem,
}

/// What is wrong with a summary file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryProblem {
    /// It could not be read (the OS's reason).
    #[error("{0}")]
    Read(String),
    /// It is not JSON.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// Another format's summary, or none.
    #[error(
        "a campaign-load summary of format {FORMAT} is needed ({}); write it again with this build's --summary",
        .0.as_ref().map_or("this one has no \"format\"".to_string(), |f| format!("this one says {f}"))
    )]
    Format(Option<String>),
    /// JSON of another shape.
    #[error("not a campaign-load summary: {0}")]
    Shape(String),
}

/// Which load model the run used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// Users loop as fast as the answers come: the rate is whatever the host allows.
    #[default]
    Closed,
    /// Arrivals on a schedule; the users are a concurrency cap.
    Open,
}

/// A run (or a merge of runs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The summary format ([`FORMAT`] for this build; `merge` refuses others).
    pub format: u32,
    /// The campaign-load version that wrote it.
    pub version: String,
    /// The wall-clock time of the run's zero (its schedule's start, else its first request),
    /// RFC 3339; absent when nothing was sent. `merge` lines the workers' seconds up by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The slices of one test this covers: a run's own (`0/1` for the whole test), or every
    /// merged worker's.
    pub slices: Vec<WorkerSlice>,
    /// Scenario name.
    pub scenario: String,
    /// `host:port` the run drove.
    pub host: String,
    /// How many runs this summarises (1, or the number of merged workers).
    pub workers: usize,
    /// Length of the run in seconds (the longest worker's, for a merge).
    pub duration_secs: f64,
    /// Closed or open model.
    pub model: Model,
    /// Per request name (`kore voice-start-v1`).
    pub requests: BTreeMap<String, RequestStats>,
    /// campaign-load's accounting by class.
    pub accounting: AccountingSnapshot,
    /// The open model's schedule account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<Arrivals>,
    /// Second by second.
    pub timeline: Vec<Second>,
    /// Campaigns a start was sent to that the end-of-run cleanup confirmed halted by a status
    /// read (whether its stop found them running or the flow had stopped them already).
    pub campaigns_stopped_at_end: usize,
    /// Campaigns under the guard that no start reached (each failed to connect, or in the TLS
    /// handshake): not stopped, since nothing of the run can have started them.
    #[serde(default)]
    pub campaigns_never_started: usize,
    /// Requests the end-of-run cleanup sent: stops, their retries and the confirming status
    /// reads (not part of the load; the host served them).
    #[serde(default)]
    pub cleanup_requests: usize,
    /// Waits users took after a request that got no answer (see [`crate::backoff`]).
    #[serde(default)]
    pub backoffs: u64,
    /// Thresholds, as judged on this summary's figures.
    pub thresholds: Vec<ThresholdLine>,
    /// The abort rule that stopped the run, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<Aborted>,
}

/// An abort rule that broke while the run lasted, and stopped it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aborted {
    /// The rule as written (`error-rate<5%:abort`).
    pub rule: String,
    /// When it broke, seconds from the run's zero.
    pub at_secs: f64,
    /// The window it was judged on, in seconds.
    pub window_secs: u64,
    /// What was measured on that window, in the rule's terms.
    pub observed: String,
}

/// One threshold's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdLine {
    /// The rule as written.
    pub rule: String,
    /// Whether it held.
    pub passed: bool,
    /// What was measured, in the rule's terms (`p99 = 22.1ms`).
    #[serde(default)]
    pub observed: String,
}

impl Summary {
    /// All requests as one.
    pub fn aggregate(&self) -> RequestStats {
        let mut all = RequestStats::default();
        for r in self.requests.values() {
            all.merge(r);
        }
        all
    }

    /// Adds another run. Thresholds are not carried over as verdicts: a merge is judged again on
    /// the merged figures; only the rules are kept.
    pub fn merge(&mut self, o: &Summary) {
        if self.workers == 0 {
            self.scenario = o.scenario.clone();
            self.host = o.host.clone();
            self.model = o.model;
            self.format = o.format;
            self.version = o.version.clone();
            self.started_at = o.started_at.clone();
        }
        // Seconds line up by wall clock: `o`'s second i is the fleet's second i + offset (to
        // the nearest second; workers given one --start-at share their zero).
        let offset = match (
            wallclock::secs(&self.started_at),
            wallclock::secs(&o.started_at),
        ) {
            (Some(mine), Some(theirs)) if self.workers > 0 => {
                let d = (theirs - mine).round();
                if d < 0.0 {
                    let shift = (-d) as usize;
                    self.timeline
                        .splice(0..0, std::iter::repeat_with(Second::default).take(shift));
                    self.duration_secs += -d;
                    self.started_at = o.started_at.clone();
                    0
                } else {
                    d as usize
                }
            }
            _ => 0,
        };
        self.workers += o.workers;
        self.slices.extend(&o.slices);
        // A fleet of mixed builds lists each version once ("0.1.0, 0.2.0").
        if !self.version.split(", ").any(|v| v == o.version) {
            self.version = format!("{}, {}", self.version, o.version);
        }
        self.duration_secs = self.duration_secs.max(offset as f64 + o.duration_secs);
        for (k, v) in &o.requests {
            self.requests.entry(k.clone()).or_default().merge(v);
        }
        self.accounting.add(&o.accounting);
        self.arrivals = match (self.arrivals.take(), &o.arrivals) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (a, b) => a.or_else(|| b.clone()),
        };
        if self.timeline.len() < offset + o.timeline.len() {
            self.timeline
                .resize_with(offset + o.timeline.len(), Second::default);
        }
        for (a, b) in self.timeline[offset..].iter_mut().zip(&o.timeline) {
            a.merge(b);
        }
        // A worker an abort rule stopped: the fleet's report says so (the first one's).
        if self.aborted.is_none() {
            self.aborted = o.aborted.clone();
        }
        self.campaigns_stopped_at_end += o.campaigns_stopped_at_end;
        self.campaigns_never_started += o.campaigns_never_started;
        self.cleanup_requests += o.cleanup_requests;
        self.backoffs += o.backoffs;
        for t in &o.thresholds {
            if !self.thresholds.iter().any(|x| x.rule == t.rule) {
                self.thresholds.push(t.clone());
            }
        }
    }

    /// Why `o` cannot be merged into this one, if it cannot: a closed-model run with an open
    /// one, or open-model runs whose schedules have different stages (their stages would be
    /// judged against each other's windows).
    pub fn mergeable(&self, o: &Summary) -> Result<(), Mismatch> {
        if self.workers == 0 {
            return Ok(());
        }
        match (&self.arrivals, &o.arrivals) {
            (None, None) => Ok(()),
            (Some(a), Some(b)) => {
                // Stage starts to the millisecond: the schedule's shape, whatever each worker's rate.
                let shape = |x: &Arrivals| -> Vec<i64> {
                    x.stages
                        .iter()
                        .map(|s| (s.from_s * 1000.0).round() as i64)
                        .collect()
                };
                if shape(a) == shape(b) {
                    Ok(())
                } else {
                    Err(Mismatch::Schedules {
                        theirs: b.stages.iter().map(|s| s.from_s).collect(),
                        ours: a.stages.iter().map(|s| s.from_s).collect(),
                    })
                }
            }
            _ => Err(Mismatch::Models),
        }
    }

    /// The threshold rules the summary was judged by.
    pub fn rules(&self) -> Vec<String> {
        self.thresholds
            .iter()
            .filter(|t| !crate::threshold::is_built_in(&t.rule))
            .map(|t| t.rule.clone())
            .collect()
    }

    /// Reads a summary file: a regular file of at most [`MAX_SUMMARY_BYTES`](crate::MAX_SUMMARY_BYTES).
    pub fn read(path: &Path) -> Result<Summary, SummaryFileError> {
        Summary::parse(path, &crate::merge::read(path)?)
    }

    /// A summary from the text of the file at `path` (named in errors). Parsed once into the
    /// summary (a file near the cap held as a `serde_json::Value` takes several times its size);
    /// only when that fails is it read again for the format it claims.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Summary, SummaryFileError> {
        let fail = |problem: SummaryProblem| SummaryFileError {
            path: path.to_path_buf(),
            problem,
        };
        match serde_json::from_str::<Summary>(text) {
            Ok(s) if s.format == FORMAT => Ok(s),
            Ok(s) => Err(fail(SummaryProblem::Format(Some(s.format.to_string())))),
            Err(shape) => {
                let doc = serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|e| fail(SummaryProblem::NotJson(e.to_string())))?;
                let format = doc.get("format");
                if format.and_then(serde_json::Value::as_u64) != Some(u64::from(FORMAT)) {
                    // The value as written, cut short: a hostile file may hold anything there.
                    let said = format.map(|f| f.to_string().chars().take(40).collect());
                    return Err(fail(SummaryProblem::Format(said)));
                }
                // The right format with a value of the wrong kind (a count of -5): serde names
                // the field's line and column.
                Err(fail(SummaryProblem::Shape(shape.to_string())))
            }
        }
    }

    /// Requests per second over the run.
    pub fn rps(&self, count: u64) -> f64 {
        if self.duration_secs > 0.0 {
            count as f64 / self.duration_secs
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(stage_starts: &[f64]) -> Summary {
        Summary {
            workers: 1,
            model: Model::Open,
            arrivals: Some(Arrivals {
                users: 1,
                stages: stage_starts
                    .iter()
                    .map(|f| StageStats {
                        from_s: *f,
                        until_s: f + 1.0,
                        start_rate: 10.0,
                        end_rate: 10.0,
                        target: 10.0,
                        sent: 10,
                    })
                    .collect(),
                due: 10,
                sent: 10,
                late: 0,
                late_after_us: 10_000,
                lateness: Histogram::default(),
                dropped: 0,
            }),
            ..Summary::default()
        }
    }

    #[test]
    fn only_runs_of_one_schedule_merge() {
        let mut fleet = Summary::default();
        assert!(fleet.mergeable(&open(&[0.0, 1.0])).is_ok());
        fleet.merge(&open(&[0.0, 1.0]));
        assert!(fleet.mergeable(&open(&[0.0, 1.0])).is_ok());
        let e = fleet.mergeable(&open(&[0.0])).expect_err("other stages");
        assert!(e.to_string().contains("one schedule"), "{e}");
        let closed = Summary {
            workers: 1,
            ..Summary::default()
        };
        assert!(fleet.mergeable(&closed).is_err());
        fleet.merge(&open(&[0.0, 1.0]));
        let a = fleet.arrivals.expect("open");
        assert_eq!(a.stages.len(), 2);
        assert!((a.stages[0].target - 20.0).abs() < 1e-9);
        assert_eq!(a.stages[1].sent, 20);
    }

    /// A closed-model worker that started at `started_at` and sent `per_second[i]` requests in
    /// its second `i`.
    fn worker(started_at: &str, per_second: &[u64]) -> Summary {
        let mut timeline = Vec::new();
        for n in per_second {
            let mut sec = Second::default();
            for _ in 0..*n {
                sec.service.record(Duration::from_millis(1));
            }
            timeline.push(sec);
        }
        Summary {
            workers: 1,
            started_at: Some(started_at.into()),
            duration_secs: per_second.len() as f64,
            timeline,
            ..Summary::default()
        }
    }

    #[test]
    fn merged_seconds_line_up_by_wall_clock() {
        // Arrange: three workers, the second started 2.2 s after the first, the third 1.1 s
        // before.
        let a = worker("2026-12-03T14:00:00Z", &[1, 1, 1]);
        let b = worker("2026-12-03T14:00:02.2Z", &[10, 10]);
        let c = worker("2026-12-03T13:59:58.9Z", &[100]);

        // Act
        let mut fleet = Summary::default();
        for w in [&a, &b, &c] {
            fleet.merge(w);
        }

        // Assert: the fleet's second 0 is the earliest worker's; each worker's seconds land
        // where the wall clock puts them (to the nearest second).
        let counts: Vec<u64> = fleet.timeline.iter().map(|s| s.service.count).collect();
        assert_eq!(counts, vec![100, 1, 1, 11, 10]);
        assert_eq!(fleet.started_at.as_deref(), Some("2026-12-03T13:59:58.9Z"));
        assert!(
            (fleet.duration_secs - 5.0).abs() < 1e-9,
            "{}",
            fleet.duration_secs
        );
        assert_eq!(fleet.workers, 3);
    }

    #[test]
    fn a_fleet_of_mixed_builds_lists_each_version_once() {
        let mut fleet = Summary::default();
        for v in ["0.1.0", "0.1.0", "0.1.01", "0.1.0"] {
            fleet.merge(&Summary {
                workers: 1,
                version: v.into(),
                ..Summary::default()
            });
        }
        assert_eq!(fleet.version, "0.1.0, 0.1.01");
    }

    #[test]
    fn a_stage_with_less_than_one_arrival_due_is_not_short() {
        let st = StageStats {
            from_s: 0.0,
            until_s: 0.001,
            start_rate: 5.0,
            end_rate: 5.0,
            target: 0.005,
            sent: 0,
        };
        assert_eq!(st.shortfall(), 0.0);
    }
}
