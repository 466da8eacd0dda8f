//! The statistics behind `compare`: a seeded bootstrap, so the same two summaries always give
//! the same intervals.
//!
//! **Over seconds** for the run's own figures. A run's requests are not independent draws: a
//! slow second (a GC pause on the host, a noisy neighbour) slows every request in it together.
//! Resampling whole seconds (each second's histogram is a block) keeps that, so the interval is
//! as wide as the run's second-to-second wander, which is what a second run of the same build
//! would meet. A rank test on requests would call a 2% shift "significant" on any long run,
//! because it treats 100,000 correlated requests as 100,000 independent ones.
//!
//! **Over requests** for one operation: the summary keeps a single histogram per operation for
//! the whole run, so its blocks are not there to resample. Each bucket count is redrawn as a
//! Poisson count around itself (the Poisson bootstrap, the large-sample form of resampling
//! requests). The interval is narrower than a seconds one would be; the report says so, and
//! gate rules judge the whole run's figures.

use crate::histogram::Histogram;

/// Resamples per interval: the percentile interval of 2,000 resamples moves by well under a
/// percent between seeds, and costs milliseconds on a run of an hour (3,600 seconds).
pub const RESAMPLES: usize = 2000;

/// The seed unless told otherwise: the same inputs give the same report.
pub const DEFAULT_SEED: u64 = 0x5eed_c0de;

/// SplitMix64: small, fast and good enough to draw indices and normal deviates; no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: unbiased enough for n far below 2^64.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// A standard normal deviate (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// A Poisson count with mean `lambda`: exact (Knuth) below 30, the normal approximation
    /// above, where it is within a fraction of a percent.
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let limit = (-lambda).exp();
            let (mut k, mut p) = (0u64, 1.0);
            loop {
                p *= self.unit();
                if p <= limit {
                    return k;
                }
                k += 1;
            }
        }
        (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64
    }
}

/// A two-sided interval: `lo` to `hi`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// The central `level` (0.95) interval of `draws` (sorted here), by percentiles.
pub fn percentile_interval(draws: &mut [f64], level: f64) -> Interval {
    draws.sort_by(f64::total_cmp);
    if draws.is_empty() {
        return Interval { lo: 0.0, hi: 0.0 };
    }
    let tail = (1.0 - level) / 2.0;
    let at = |q: f64| {
        let i = (q * (draws.len() - 1) as f64).round() as usize;
        draws[i.min(draws.len() - 1)]
    };
    Interval {
        lo: at(tail),
        hi: at(1.0 - tail),
    }
}

/// One resample of `seconds` (with replacement, as many as there are), each second a block:
/// `each` is given every second drawn.
pub fn resample_seconds<'a, T>(seconds: &'a [T], rng: &mut Rng, mut each: impl FnMut(&'a T)) {
    for _ in 0..seconds.len() {
        each(&seconds[rng.below(seconds.len())]);
    }
}

/// `h` with each bucket's count redrawn as a Poisson count around itself (a resample of its
/// requests); min, max and sum kept as they were (percentiles read the buckets).
pub fn poisson_resample(h: &Histogram, rng: &mut Rng) -> Histogram {
    let mut out = Histogram {
        min_us: h.min_us,
        max_us: h.max_us,
        ..Histogram::default()
    };
    for (floor, n) in &h.buckets {
        let k = rng.poisson(*n as f64);
        if k > 0 {
            out.buckets.insert(*floor, k);
            out.count += k;
        }
    }
    out.total_us = h.mean_us().saturating_mul(out.count);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_and_another_does_not() {
        let draw = |seed| {
            let mut r = Rng::new(seed);
            (0..8).map(|_| r.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }

    #[test]
    fn draws_are_spread_and_in_range() {
        let mut r = Rng::new(7);
        let mut seen = [0u32; 10];
        for _ in 0..10_000 {
            seen[r.below(10)] += 1;
        }
        assert!(seen.iter().all(|n| (800..1200).contains(n)), "{seen:?}");
    }

    #[test]
    fn poisson_counts_keep_their_mean_and_spread() {
        let mut r = Rng::new(3);
        for lambda in [4.0, 400.0] {
            let draws: Vec<f64> = (0..20_000).map(|_| r.poisson(lambda) as f64).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
            assert!(
                (mean - lambda).abs() < lambda * 0.03,
                "{lambda}: mean {mean}"
            );
            assert!(
                (var - lambda).abs() < lambda * 0.1,
                "{lambda}: variance {var}"
            );
        }
    }

    #[test]
    fn a_percentile_interval_holds_the_middle() {
        let mut d: Vec<f64> = (0..=1000).map(f64::from).rev().collect();
        let i = percentile_interval(&mut d, 0.95);
        assert_eq!((i.lo, i.hi), (25.0, 975.0));
    }
}
