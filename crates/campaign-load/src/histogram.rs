//! Microsecond latency histograms that merge exactly.
//!
//! The buckets are Goose's log-linear scheme (every time below 128 µs has a bucket of its own;
//! each power of two above is split into 64, so a bucket is never wider than 1/64 of its lowest
//! time), and percentiles are computed by Goose's own routine: a figure here is the figure
//! Goose's console shows for the same times. Keeping bucket counts rather than a digest is what
//! lets workers' runs merge into a fleet whose percentiles are those of the union, and a run's
//! seconds be kept one histogram each (only the buckets that hold a time are stored).

use goose::metrics::{GooseRequestMetricTimingData, TimeBuckets};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Each power of two is split into `1 << SUB_BITS` buckets (Goose's scheme).
const SUB_BITS: u32 = 6;

/// The lowest time of the bucket that holds `us`: its key.
pub fn bucket_floor(us: u64) -> u64 {
    let exact = 1u64 << (SUB_BITS + 1);
    if us < exact {
        return us;
    }
    let bits = 63 - us.leading_zeros() - SUB_BITS;
    (us >> bits) << bits
}

/// Times in microseconds: counts by bucket, and the exact fastest, slowest and sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Times recorded.
    pub count: u64,
    /// Fastest, µs (0 when empty).
    pub min_us: u64,
    /// Slowest, µs.
    pub max_us: u64,
    /// Sum, µs.
    pub total_us: u64,
    /// Bucket floor (µs) → count.
    pub buckets: BTreeMap<u64, u64>,
}

impl Histogram {
    /// Records one time.
    pub fn record(&mut self, d: Duration) {
        self.record_us(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Records one time in microseconds.
    pub fn record_us(&mut self, us: u64) {
        if self.count == 0 || us < self.min_us {
            self.min_us = us;
        }
        self.max_us = self.max_us.max(us);
        self.total_us = self.total_us.saturating_add(us);
        self.count += 1;
        *self.buckets.entry(bucket_floor(us)).or_default() += 1;
    }

    /// Adds another histogram's times.
    pub fn merge(&mut self, o: &Histogram) {
        if o.count == 0 {
            return;
        }
        if self.count == 0 || o.min_us < self.min_us {
            self.min_us = o.min_us;
        }
        self.max_us = self.max_us.max(o.max_us);
        self.total_us = self.total_us.saturating_add(o.total_us);
        self.count += o.count;
        for (k, v) in &o.buckets {
            *self.buckets.entry(*k).or_default() += v;
        }
    }

    /// The time `percent` (0 to 1) of the times finished within, µs, as Goose computes it.
    pub fn percentile_us(&self, percent: f32) -> u64 {
        self.percentiles_us([percent])[0]
    }

    /// [`Histogram::percentile_us`] of each of `percents`, with the buckets handed to Goose once
    /// for all of them.
    pub fn percentiles_us<const N: usize>(&self, percents: [f32; N]) -> [u64; N] {
        if self.count == 0 {
            return [0; N];
        }
        let data = GooseRequestMetricTimingData {
            times_us: self
                .buckets
                .iter()
                .map(|(k, v)| (*k, usize::try_from(*v).unwrap_or(usize::MAX)))
                .collect::<TimeBuckets>(),
            minimum_time_us: self.min_us,
            maximum_time_us: self.max_us,
            total_time_us: self.total_us,
            counter: usize::try_from(self.count).unwrap_or(usize::MAX),
        };
        percents.map(|p| data.percentile_us(p))
    }

    /// Mean, µs.
    pub fn mean_us(&self) -> u64 {
        self.total_us.checked_div(self.count).unwrap_or(0)
    }

    /// How many times fell in the bucket holding `us` or above: exact when `us` is a bucket
    /// floor (1 s is not: its bucket starts at 999,424 µs, so this counts from there).
    pub fn at_least_us(&self, us: u64) -> u64 {
        let floor = bucket_floor(us);
        self.buckets.range(floor..).map(|(_, v)| v).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_percentiles_equal_those_of_the_union() {
        let a: Vec<u64> = (1..=127).chain((0..64).map(|i| 4096 + 64 * i)).collect();
        let b: Vec<u64> = (0..64)
            .map(|i| 4096 + 64 * ((i * 7) % 64))
            .chain([5, 9, 90, 1_000_000, 1_234_567])
            .collect();
        let hist = |xs: &[u64]| {
            let mut h = Histogram::default();
            xs.iter().for_each(|x| h.record_us(*x));
            h
        };
        let mut merged = hist(&a);
        merged.merge(&hist(&b));
        let union: Vec<u64> = a.iter().chain(b.iter()).copied().collect();
        let whole = hist(&union);
        assert_eq!(merged, whole);
        for p in [0.5, 0.9, 0.99, 0.999] {
            assert_eq!(merged.percentile_us(p), whole.percentile_us(p));
        }
        assert_eq!(merged.count as usize, a.len() + b.len());
        assert_eq!(merged.max_us, 1_234_567);
        assert_eq!(merged.min_us, 1);
    }

    #[test]
    fn buckets_are_goose_buckets_within_one_64th() {
        for us in [
            0u64, 1, 127, 128, 129, 4095, 4096, 4159, 999_999, 1_000_000, 60_000_000,
        ] {
            let f = bucket_floor(us);
            assert!(f <= us, "{us}");
            assert!(us - f <= f / 64, "{us} -> {f}");
        }
        assert_eq!(bucket_floor(127), 127);
        assert_eq!(bucket_floor(129), 128);
        assert_eq!(bucket_floor(4159), 4096);
    }

    #[test]
    fn counts_times_at_least_a_bound() {
        let mut h = Histogram::default();
        for us in [10, 20_000, 20_100, 1_000_000, 1_050_000, 2_000_000] {
            h.record_us(us);
        }
        assert_eq!(h.at_least_us(1_000_000), 3);
        assert_eq!(h.at_least_us(0), 6);
        assert_eq!(h.at_least_us(2_000_001), 1);
    }
}
