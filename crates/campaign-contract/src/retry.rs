//! Noise is not drift: how the suite retries an unavailable host, and how many calls it may make.
//!
//! A 5xx, a 429, a timeout, a reset or a refused connection says nothing about the contract. The
//! suite retries such a call with exponential backoff (or the host's `Retry-After`, when it
//! gives one and it is short enough), within a per-vendor call budget. A vendor still
//! unavailable after that is reported as unavailable (exit 2), never as drift.

use std::time::Duration;

/// The environment variable that sets [`CallPolicy::max_calls`].
pub const MAX_CALLS_VAR: &str = "CAMPAIGN_CONTRACT_MAX_CALLS";

/// How hard the suite tries, and how much it may ask of one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// Calls the suite may make to one vendor in a run, retries and status polls included
    /// (cleanup stops are exempt: leaving a campaign dialing is worse than one call too many).
    pub max_calls: u32,
    /// Tries per step, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Longest wait the suite accepts, from backoff or `Retry-After`. A host asking for more is
    /// taken as unavailable now.
    pub max_wait: Duration,
    /// Status reads spent waiting for an in-between state (`Preparing`) to settle.
    pub settle_reads: u32,
    /// Wait between those reads.
    pub settle_interval: Duration,
}

impl Default for CallPolicy {
    /// 60 calls per vendor, 4 tries per step from 250 ms backoff, waits of at most 30 s, and up to
    /// 5 reads a second apart for a state to settle.
    fn default() -> Self {
        CallPolicy {
            max_calls: 60,
            attempts: 4,
            backoff: Duration::from_millis(250),
            max_wait: Duration::from_secs(30),
            settle_reads: 5,
            settle_interval: Duration::from_secs(1),
        }
    }
}

/// A policy setting in env that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?}: {reason}")]
pub struct PolicyError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// Why it is refused.
    pub reason: &'static str,
}

impl CallPolicy {
    /// The default policy with `CAMPAIGN_CONTRACT_MAX_CALLS` applied, read through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<CallPolicy, PolicyError> {
        let mut policy = CallPolicy::default();
        if let Some(value) = lookup(MAX_CALLS_VAR).filter(|v| !v.trim().is_empty()) {
            policy.max_calls = match value.trim().parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(PolicyError {
                        name: MAX_CALLS_VAR,
                        value,
                        reason: "expected a whole number of calls, at least 1",
                    });
                }
            };
        }
        Ok(policy)
    }

    /// The wait before retry number `retry` (1 for the first retry): the host's `Retry-After`
    /// when it sent one, else exponential backoff. `None` when the wait exceeds
    /// [`CallPolicy::max_wait`].
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let wait = retry_after.unwrap_or_else(|| {
            self.backoff
                .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
        });
        (wait <= self.max_wait).then_some(wait)
    }
}

/// `Retry-After` as a duration: delta-seconds, or an HTTP date (RFC 9110) measured from now.
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

/// Calls left to one vendor in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    limit: u32,
    used: u32,
}

impl Budget {
    /// A fresh budget of `limit` calls.
    pub fn new(limit: u32) -> Budget {
        Budget { limit, used: 0 }
    }

    /// Takes one call; false when none is left.
    pub fn take(&mut self) -> bool {
        if self.used < self.limit {
            self.used += 1;
            true
        } else {
            false
        }
    }

    /// Calls made so far.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// The limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_calls_comes_from_env_and_bad_values_are_named() {
        let p = CallPolicy::from_lookup(|_| Some("12".into())).unwrap();
        assert_eq!(p.max_calls, 12);
        assert_eq!(CallPolicy::from_lookup(|_| None).unwrap().max_calls, 60);
        let e = CallPolicy::from_lookup(|_| Some("lots".into())).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("CAMPAIGN_CONTRACT_MAX_CALLS=\"lots\""),
            "{e}"
        );
        assert!(CallPolicy::from_lookup(|_| Some("0".into())).is_err());
    }

    #[test]
    fn waits_double_and_honour_retry_after_up_to_the_cap() {
        let p = CallPolicy::default();
        assert_eq!(p.wait(1, None), Some(Duration::from_millis(250)));
        assert_eq!(p.wait(3, None), Some(Duration::from_secs(1)));
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(p.wait(1, Some(Duration::from_secs(120))), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("1"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(1)));
        h.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a date in the past");
        h.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("soon"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn the_budget_refuses_past_its_limit() {
        let mut b = Budget::new(2);
        assert!(b.take() && b.take());
        assert!(!b.take());
        assert_eq!((b.used(), b.limit()), (2, 2));
    }
}
