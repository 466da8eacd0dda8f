//! The one duration grammar of the workspace: scenario files, simulator latencies and faults,
//! and every `--…` flag that takes a time read durations the same way.

use std::time::Duration;

/// Longest duration accepted anywhere (a week): a longer one is a typo, not a plan.
pub(crate) const MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why a duration did not read. Each variant carries the text as given, so the message can
/// show the user what to retype, and says what a good one looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// A bare number: `20` could mean milliseconds in a latency and seconds in a run time.
    #[error("{text:?} needs a unit (us, ms, s, m, h), e.g. 10s")]
    NoUnit {
        /// The text as given.
        text: String,
    },
    /// The part before the unit is not a decimal number.
    #[error("{text:?} is not a duration (e.g. 250ms, 10s, 2m)")]
    NotANumber {
        /// The text as given.
        text: String,
    },
    /// A unit other than `us`/`µs`, `ms`, `s`, `m`, `h`.
    #[error("{text:?}: unknown unit {unit:?} (use us, ms, s, m, h)")]
    UnknownUnit {
        /// The text as given.
        text: String,
        /// The unit it names.
        unit: String,
    },
    /// Negative, not finite, or longer than a week (a longer one is a typo, not a plan).
    #[error("{text:?} is out of range (0 to 7 days)")]
    OutOfRange {
        /// The text as given.
        text: String,
    },
}

/// Parses a decimal number and a unit: `250us` (or `µs`), `20ms`, `1.5s`, `2m`, `1h`.
///
/// The unit is required: a bare `20` could mean milliseconds in a latency and seconds in a run
/// time, and a wrong guess is silent. The error says what was wrong and shows an example.
///
/// ```
/// use campaign_api::{DurationError, parse_duration};
/// use std::time::Duration;
/// assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
/// assert_eq!(parse_duration(" 2m "), Ok(Duration::from_secs(120)));
/// assert!(matches!(parse_duration("20"), Err(DurationError::NoUnit { .. })));
/// assert!(parse_duration("3 days").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| DurationError::NoUnit { text: text.into() })?;
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| DurationError::NotANumber { text: text.into() })?;
    let secs = match unit {
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        other => {
            return Err(DurationError::UnknownUnit {
                text: text.into(),
                unit: other.into(),
            });
        }
    };
    if !secs.is_finite() || !(0.0..=MAX.as_secs_f64()).contains(&secs) {
        return Err(DurationError::OutOfRange { text: text.into() });
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in [
            "",
            "s",
            "ms",
            "1.2.3s",
            "10 parsecs",
            "-1s",
            "8d",
            "1000h",
            "NaNs",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn reads_every_unit() {
        assert_eq!(parse_duration("7µs"), Ok(Duration::from_micros(7)));
        assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }
}
