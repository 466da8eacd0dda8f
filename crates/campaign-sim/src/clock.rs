//! The simulator's clock: the time scheduled fault windows are measured on.
//!
//! It runs from the moment the simulator starts, and can be set (`PUT /__sim/clock`,
//! [`RunningSim::set_elapsed`](crate::RunningSim::set_elapsed)) or restarted
//! (`POST /__sim/reset`). A load run restarts it when it begins, so "from 10 s" means ten
//! seconds into the run; a test sets it inside or outside a window instead of waiting for one.

use serde::Serialize;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Elapsed time since a movable zero.
#[derive(Debug)]
pub(crate) struct SimClock {
    start: Instant,
    /// Microseconds added to the time since `start`.
    offset_us: AtomicI64,
}

/// What `GET /__sim/clock` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct ClockReading {
    /// The clock, in microseconds.
    pub(crate) elapsed_us: u64,
    /// The wall-clock time (Unix milliseconds) at which the clock read 0: where a load tool's
    /// timestamps meet the schedule.
    pub(crate) zero_unix_ms: u64,
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock::new()
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl SimClock {
    /// A clock reading 0 now.
    pub(crate) fn new() -> SimClock {
        SimClock {
            start: Instant::now(),
            offset_us: AtomicI64::new(0),
        }
    }

    /// The time on the clock.
    pub(crate) fn elapsed(&self) -> Duration {
        let us =
            micros(self.start.elapsed()).saturating_add(self.offset_us.load(Ordering::Relaxed));
        Duration::from_micros(u64::try_from(us).unwrap_or(0))
    }

    /// Sets the clock to read `elapsed` now; it runs on from there.
    pub(crate) fn set(&self, elapsed: Duration) {
        let offset = micros(elapsed).saturating_sub(micros(self.start.elapsed()));
        self.offset_us.store(offset, Ordering::Relaxed);
    }

    /// The clock and where its zero lies in wall-clock time.
    pub(crate) fn reading(&self) -> ClockReading {
        let elapsed = self.elapsed();
        let zero = SystemTime::now()
            .checked_sub(elapsed)
            .and_then(|z| z.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        ClockReading {
            elapsed_us: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            zero_unix_ms: u64::try_from(zero.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_moves_the_clock_and_it_runs_on() {
        let c = SimClock::new();
        c.set(Duration::from_secs(900));
        let t = c.elapsed();
        assert!(t >= Duration::from_secs(900), "{t:?}");
        assert!(t < Duration::from_secs(960), "{t:?}");
        c.set(Duration::ZERO);
        assert!(c.elapsed() < Duration::from_secs(60));
        let r = c.reading();
        assert!(r.zero_unix_ms > 1_600_000_000_000, "{r:?}");
    }
}
