//! Wall-clock instants as runs and summaries write them: RFC 3339, UTC, to the microsecond.
//! A fleet's workers run on different machines, so their summaries can only be lined up, and
//! their starts agreed, on the wall clock (`--start-at`, `started_at`).

use std::time::{Duration, SystemTime};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `at` as RFC 3339 (UTC, to the microsecond).
pub(crate) fn format(at: SystemTime) -> Option<String> {
    let t = OffsetDateTime::from(at);
    let t = t.replace_nanosecond(t.nanosecond() / 1000 * 1000).ok()?;
    t.format(&Rfc3339).ok()
}

/// Why a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TimeError {
    /// Not RFC 3339 (the parser's reason).
    #[error("{0}")]
    NotRfc3339(String),
    /// Before 1970 (or past what nanoseconds since 1970 hold).
    #[error("a time after 1970 is needed")]
    OutOfRange,
}

/// An RFC 3339 time (`2026-12-03T14:00:00Z`, `…+01:00`, fractions of a second allowed).
pub(crate) fn parse(text: &str) -> Result<SystemTime, TimeError> {
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map_err(|e| TimeError::NotRfc3339(e.to_string()))?;
    let nanos = u64::try_from(t.unix_timestamp_nanos()).map_err(|_| TimeError::OutOfRange)?;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos))
}

/// A recorded time as seconds since 1970, if there is one and it reads.
pub(crate) fn secs(recorded: &Option<String>) -> Option<f64> {
    let at = parse(recorded.as_deref()?).ok()?;
    Some(
        at.duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_secs_f64(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_to_the_microsecond() {
        let at = parse("2026-12-03T14:00:00.123456789Z").expect("parses");
        assert_eq!(format(at).as_deref(), Some("2026-12-03T14:00:00.123456Z"));
        let same = parse("2026-12-03T15:00:00.123456+01:00").expect("parses");
        assert_eq!(format(same), format(at));
        assert!(parse("tomorrow").is_err());
        assert!(parse("1969-12-31T23:59:59Z").is_err());
        let s = secs(&Some("1970-01-01T00:00:02.5Z".into())).expect("secs");
        assert!((s - 2.5).abs() < 1e-9);
        assert_eq!(secs(&None), None);
    }
}
