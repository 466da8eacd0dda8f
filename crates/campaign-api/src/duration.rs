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
    #[error("{text:?} needs a unit (us, ms, s, m, h, d), e.g. 10s or 1m30s")]
    NoUnit {
        /// The text as given.
        text: String,
    },
    /// A part before a unit is not a decimal number.
    #[error("{text:?} is not a duration (e.g. 250ms, 10s, 1m30s, 2h)")]
    NotANumber {
        /// The text as given.
        text: String,
    },
    /// A unit other than `us`/`µs`, `ms`, `s`, `m`, `h`, `d`.
    #[error("{text:?}: unknown unit {unit:?} (use us, ms, s, m, h, d)")]
    UnknownUnit {
        /// The text as given.
        text: String,
        /// The unit it names.
        unit: String,
    },
    /// A minus sign: a duration is a length of time.
    #[error("{text:?} is negative: a duration is 0 or more, e.g. 10s")]
    Negative {
        /// The text as given.
        text: String,
    },
    /// Longer than a week (a longer one is a typo, not a plan), or not finite.
    #[error("{text:?} is out of range: a duration is at most 7d")]
    OutOfRange {
        /// The text as given.
        text: String,
    },
}

/// Parses a duration: one or more decimal numbers, each with its unit, as k6 and Goose write
/// them: `250us` (or `µs`), `20ms`, `1.5s`, `2m`, `1m30s`, `1h30m`, `7d`.
///
/// The unit is required: a bare `20` could mean milliseconds in a latency and seconds in a run
/// time, and a wrong guess is silent. The error says what was wrong and shows an example; a
/// negative value, or one over a week, gets a message about the value.
///
/// ```
/// use campaign_api::{DurationError, parse_duration};
/// use std::time::Duration;
/// assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
/// assert_eq!(parse_duration(" 2m "), Ok(Duration::from_secs(120)));
/// assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
/// assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
/// assert!(matches!(parse_duration("20"), Err(DurationError::NoUnit { .. })));
/// assert!(matches!(parse_duration("-3s"), Err(DurationError::Negative { .. })));
/// assert!(matches!(parse_duration("99999h"), Err(DurationError::OutOfRange { .. })));
/// assert!(parse_duration("3 days").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(DurationError::Negative { text: text.into() });
    }
    let not_a_number = || DurationError::NotANumber { text: text.into() };
    if t.is_empty() {
        return Err(not_a_number());
    }
    let is_number = |c: char| c.is_ascii_digit() || c == '.';
    let mut secs = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !is_number(c))
            .ok_or_else(|| DurationError::NoUnit { text: text.into() })?;
        let (num, after) = rest.split_at(split);
        let n: f64 = num.parse().map_err(|_| not_a_number())?;
        let (unit, next) = after.split_at(after.find(is_number).unwrap_or(after.len()));
        let scale = match unit {
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            other => {
                return Err(DurationError::UnknownUnit {
                    text: text.into(),
                    unit: other.into(),
                });
            }
        };
        secs += n * scale;
        rest = next;
    }
    if !secs.is_finite() || secs > MAX.as_secs_f64() {
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
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1m0.5s"), Ok(Duration::from_millis(60_500)));
        assert_eq!(parse_duration("7d"), Ok(MAX));
    }

    #[test]
    fn says_what_is_wrong_with_the_value() {
        let says = |t: &str| parse_duration(t).expect_err(t).to_string();
        assert_eq!(
            says("-3s"),
            "\"-3s\" is negative: a duration is 0 or more, e.g. 10s"
        );
        assert_eq!(
            says("99999h"),
            "\"99999h\" is out of range: a duration is at most 7d"
        );
        assert_eq!(
            says("8d"),
            "\"8d\" is out of range: a duration is at most 7d"
        );
        assert!(says("1m30").contains("needs a unit"));
        assert!(says("1m30x").contains("unknown unit \"x\""));
    }
}
