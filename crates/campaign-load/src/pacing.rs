//! A constant request rate, on an absolute schedule.
//!
//! Goose's `--throttle-requests` is a cap: its refill loop sleeps 10 ms for every 2 tokens at
//! 200 req/s, and each tokio sleep ends on the next millisecond tick, so the rate it lets
//! through falls short (measured here: 178 req/s for a cap of 200, 11% low). The pacer gives
//! request `n` the slot `start + n / rate` and sleeps until that instant: errors do not add
//! up, and a slow host makes later requests go as soon as they can rather than shifting the
//! whole schedule.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::time::{Duration, Instant};

/// Hands out send slots at a fixed rate, shared by every user.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    start: OnceLock<Instant>,
    next: AtomicU64,
}

impl Pacer {
    /// A pacer for `per_second` requests per second (a positive number; below one a second is
    /// fine: 0.5 sends every two seconds).
    pub fn new(per_second: f64) -> Pacer {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            f64::MIN_POSITIVE
        };
        Pacer {
            interval: Duration::from_secs_f64((1.0 / per_second).min(86_400.0)),
            start: OnceLock::new(),
            next: AtomicU64::new(0),
        }
    }

    /// Waits for this request's slot. The schedule starts at the first call.
    pub async fn wait(&self) {
        let start = *self.start.get_or_init(Instant::now);
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = start + self.interval.mul_f64(n as f64);
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holds_the_rate_over_a_second() {
        let p = std::sync::Arc::new(Pacer::new(500.0));
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..125 {
                    p.wait().await;
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        // 500 slots at 500/s: the last one is at 998 ms.
        let took = t.elapsed().as_secs_f64();
        assert!((0.99..1.05).contains(&took), "{took}");
    }
}
