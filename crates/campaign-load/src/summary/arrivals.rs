//! An open-model run's account of its schedule: each stage's target against what went out, and
//! the arrivals that went late or were dropped.

use crate::histogram::Histogram;
use serde::{Deserialize, Serialize};

/// One stage of an open-model run: what it asked for and what went out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// Seconds from the run's start.
    pub from_s: f64,
    /// Seconds from the run's start.
    pub until_s: f64,
    /// Target rate at the stage's start, req/s.
    pub start_rate: f64,
    /// Target rate at its end, req/s.
    pub end_rate: f64,
    /// Arrivals the schedule had due in it.
    pub target: f64,
    /// Requests sent in it (by send time).
    pub sent: u64,
}

impl StageStats {
    /// The stage's length in seconds.
    pub fn secs(&self) -> f64 {
        (self.until_s - self.from_s).max(f64::MIN_POSITIVE)
    }

    /// Target rate over the stage, req/s.
    pub fn target_rate(&self) -> f64 {
        self.target / self.secs()
    }

    /// Achieved rate over the stage, req/s.
    pub fn achieved_rate(&self) -> f64 {
        self.sent as f64 / self.secs()
    }

    /// How far short of its target the stage fell, in percent (0 when it met or beat it, or
    /// had less than one arrival due: a stage of a few milliseconds says nothing about a rate).
    pub fn shortfall(&self) -> f64 {
        if self.target < 1.0 {
            0.0
        } else {
            ((1.0 - self.sent as f64 / self.target) * 100.0).max(0.0)
        }
    }

    /// `50→500 req/s`, or `1000 req/s` for a constant rate.
    pub fn label(&self) -> String {
        if (self.start_rate - self.end_rate).abs() < 1e-9 {
            format!("{} req/s", trim(self.end_rate))
        } else {
            format!("{}→{} req/s", trim(self.start_rate), trim(self.end_rate))
        }
    }
}

/// A rate or a second without trailing zeros (`2.5`, `10`).
pub(crate) fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// An open-model run's account of its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arrivals {
    /// The concurrency cap: users (summed over merged workers).
    pub users: usize,
    /// The stages.
    pub stages: Vec<StageStats>,
    /// Arrivals due before the run stopped sending.
    pub due: u64,
    /// Arrivals sent.
    pub sent: u64,
    /// Arrivals sent more than `late_after_us` after their due time: no user was free.
    pub late: u64,
    /// The lateness from which an arrival counts as late, µs.
    pub late_after_us: u64,
    /// How late every arrival sent after its due time went.
    pub lateness: Histogram,
    /// Arrivals due that were never sent: no user came free before the run ended.
    pub dropped: u64,
}

impl Arrivals {
    pub(super) fn merge(&mut self, o: &Arrivals) {
        self.users += o.users;
        // Same schedules (checked by `Summary::mergeable`): stage by stage, the fleet's.
        for (a, b) in self.stages.iter_mut().zip(&o.stages) {
            a.start_rate += b.start_rate;
            a.end_rate += b.end_rate;
            a.target += b.target;
            a.sent += b.sent;
            a.until_s = a.until_s.max(b.until_s);
        }
        self.due += o.due;
        self.sent += o.sent;
        self.late += o.late;
        self.lateness.merge(&o.lateness);
        self.dropped += o.dropped;
    }

    /// Late and dropped arrivals, as a percentage of those due.
    pub fn late_share(&self) -> f64 {
        if self.due == 0 {
            0.0
        } else {
            (self.late + self.dropped) as f64 * 100.0 / self.due as f64
        }
    }

    /// The worst stage's shortfall, percent, and which stage (1-based).
    pub fn worst_shortfall(&self) -> (f64, usize) {
        self.stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.shortfall(), i + 1))
            .fold((0.0, 1), |a, b| if b.0 > a.0 { b } else { a })
    }

    /// Late arrivals by how late, as report rows: (band, count). Counted by bucket, so a bound
    /// that is not a bucket floor is read at its bucket's floor (within 1/64).
    pub fn late_bands(&self) -> Vec<(&'static str, u64)> {
        use crate::histogram::bucket_floor;
        let between = |lo: u64, hi: Option<u64>| -> u64 {
            self.lateness
                .buckets
                .range(bucket_floor(lo)..)
                .filter(|(k, _)| hi.is_none_or(|h| **k < bucket_floor(h)))
                .map(|(_, v)| v)
                .sum()
        };
        vec![
            ("10–100 ms", between(self.late_after_us + 1, Some(100_000))),
            ("100 ms–1 s", between(100_000, Some(1_000_000))),
            ("≥ 1 s", between(1_000_000, None)),
        ]
    }
}
