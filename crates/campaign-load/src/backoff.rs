//! Bounded toward a failing host: a user whose request failed without an answer (refused,
//! reset, a failed TLS handshake, garbage for a head), or got a 429 (the host asking for less),
//! waits before its next request, 50 ms doubling to 1 s, with jitter, until another answer
//! comes. (A 429's `Retry-After` is not read: the wait is capped at 1 s whatever it says, so a
//! run keeps measuring; a 429 storm went from about 3,600 requests a second to a few.)
//!
//! Without it one user against a closed port made 44,287 connection attempts in 1.1 s, and under
//! `--allow-remote` that is a flood aimed at a vendor. Timeouts are not backed off: the timeout
//! was the wait. Nothing is retried: the next request is the user's next step, so no start is
//! ever sent twice for one arrival.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// The first wait after a failure.
pub const FIRST: Duration = Duration::from_millis(50);

/// The longest wait.
pub const MOST: Duration = Duration::from_secs(1);

/// The policy in words, for the banner.
pub const POLICY: &str = "a user whose request gets no answer (refused, reset, TLS) or a 429 waits 50 ms, doubling to 1 s, with jitter, before its next; nothing is retried";

/// Each user's run of failures, and the waits taken.
#[derive(Debug)]
pub(crate) struct Backoff {
    streaks: Vec<AtomicU32>,
    waits: AtomicU64,
}

impl Backoff {
    /// For `users` users (indexes 0 to users − 1; a user past them shares the last one's count).
    pub fn new(users: usize) -> Backoff {
        Backoff {
            streaks: (0..users.max(1)).map(|_| AtomicU32::new(0)).collect(),
            waits: AtomicU64::new(0),
        }
    }

    /// After a request of user `user`: how long it waits before its next one. `failed` is true
    /// when no answer came for a reason the host gave at once (not a timeout).
    pub fn after(&self, user: usize, failed: bool) -> Option<Duration> {
        let streak = &self.streaks[user.min(self.streaks.len() - 1)];
        if !failed {
            // Read first: the streaks sit side by side, and a store on every answered request
            // would bounce their cache line between the users' threads on the hot path.
            if streak.load(Ordering::Relaxed) != 0 {
                streak.store(0, Ordering::Relaxed);
            }
            return None;
        }
        let n = streak.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        self.waits.fetch_add(1, Ordering::Relaxed);
        Some(jittered(ceiling(n)))
    }

    /// Waits taken so far.
    pub fn waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }
}

/// The wait's ceiling after `n` failures in a row: [`FIRST`] doubled n − 1 times, at most
/// [`MOST`].
fn ceiling(n: u32) -> Duration {
    FIRST
        .checked_mul(1u32 << n.saturating_sub(1).min(16))
        .map_or(MOST, |d| d.min(MOST))
}

/// Half the ceiling, plus a random part of the other half ("equal jitter"): users that failed
/// together do not come back together.
fn jittered(ceiling: Duration) -> Duration {
    let half = ceiling / 2;
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let nanos = half.as_nanos() as u64;
    half + Duration::from_nanos(if nanos == 0 { 0 } else { random % nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_to_the_ceiling_and_an_answer_resets_them() {
        assert_eq!(ceiling(1), FIRST);
        assert_eq!(ceiling(2), FIRST * 2);
        assert_eq!(ceiling(5), Duration::from_millis(800));
        assert_eq!(ceiling(6), MOST);
        assert_eq!(ceiling(u32::MAX), MOST);
        let b = Backoff::new(2);
        for n in 1..=8u32 {
            let w = b.after(0, true).expect("a failure waits");
            assert!(w >= ceiling(n) / 2 && w <= ceiling(n), "{n}: {w:?}");
        }
        // The other user's streak is its own.
        let w = b.after(1, true).expect("waits");
        assert!(w <= FIRST);
        assert_eq!(b.after(0, false), None);
        assert!(b.after(0, true).expect("waits") <= FIRST);
        assert_eq!(b.waits(), 10);
        // A user index past the cap shares the last slot rather than panicking.
        assert!(b.after(99, true).is_some());
    }

    #[test]
    fn over_three_seconds_a_failing_user_tries_at_most_ten_times() {
        // The longest waits (every jitter at its ceiling) bound the attempts from below, the
        // shortest from above: 2 users for 3 s against a closed port make at most 20.
        let most_attempts = |pick: fn(Duration) -> Duration| {
            let (mut t, mut n) = (Duration::ZERO, 0u32);
            while t < Duration::from_secs(3) {
                n += 1;
                t += pick(ceiling(n));
            }
            n
        };
        assert_eq!(most_attempts(|c| c), 7);
        assert_eq!(most_attempts(|c| c / 2), 10);
    }
}
