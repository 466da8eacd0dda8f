//! Added latency: how long to wait before answering, and the duration text it is written in.

use campaign_api::parse_duration;
use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, LogNormal};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How much latency to add before answering.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Latency {
    /// None.
    #[default]
    None,
    /// Always this much.
    Fixed(Duration),
    /// Uniform between the two.
    Uniform(Duration, Duration),
    /// Log-normal with this median and 99th percentile.
    LogNormal {
        /// Median.
        p50: Duration,
        /// 99th percentile.
        p99: Duration,
    },
}

/// Longest injected latency: a longer one is a typo that would stall every client for good.
pub const MAX_LATENCY: Duration = Duration::from_secs(3600);

/// Latency text that does not read as a [`Latency`]; each names the text to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LatencyError {
    /// A duration the workspace's duration grammar does not read (`20`, `-1ms`). The message
    /// names `latency`: inside a scenario's `[sim]` table the TOML reader points at the table,
    /// not at the key.
    #[error("latency: {reason}")]
    Duration {
        /// The duration as written.
        text: String,
        /// What the duration reader said.
        reason: String,
    },
    /// A duration over [`MAX_LATENCY`].
    #[error("latency {text:?} is over 1h")]
    TooLong {
        /// The duration as written.
        text: String,
    },
    /// `uniform` without `LOW..HIGH`, or with its low above its high.
    #[error("uniform latency wants LOW..HIGH with LOW <= HIGH, got {rest:?}")]
    Uniform {
        /// What followed `uniform`.
        rest: String,
    },
    /// A `lognormal` part that is not `p50=…` or `p99=…`.
    #[error("lognormal latency: unexpected {part:?} (want p50=… p99=…)")]
    LogNormalPart {
        /// The part as written.
        part: String,
    },
    /// `lognormal` without both percentiles, or with `p50` zero or above `p99`.
    #[error("lognormal latency needs both p50=… and p99=…, with 0 < p50 <= p99")]
    LogNormalPercentiles,
    /// A kind other than `none`, `fixed`, `uniform`, `lognormal`.
    #[error(
        "unknown latency kind {kind:?} (use none, fixed 20ms, uniform 10ms..50ms, lognormal p50=40ms p99=250ms)"
    )]
    Kind {
        /// The kind as written.
        kind: String,
    },
}

/// A latency value: the workspace's one duration grammar
/// ([`campaign_api::parse_duration`]), at most [`MAX_LATENCY`].
fn latency_value(s: &str) -> Result<Duration, LatencyError> {
    let text = s.trim().to_string();
    let d = parse_duration(s).map_err(|e| LatencyError::Duration {
        text: text.clone(),
        reason: e.to_string(),
    })?;
    if d > MAX_LATENCY {
        return Err(LatencyError::TooLong { text });
    }
    Ok(d)
}

/// The shortest exact text [`parse_duration`] reads back: `3s`, `20ms`, `250us`.
pub fn fmt_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 && !d.is_zero() {
        format!("{}s", d.as_secs())
    } else if d.subsec_micros().is_multiple_of(1000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}us", d.as_micros())
    }
}

impl std::str::FromStr for Latency {
    type Err = LatencyError;

    /// `none`, `fixed 20ms`, `uniform 10ms..50ms`, `lognormal p50=40ms p99=250ms`.
    fn from_str(s: &str) -> Result<Latency, LatencyError> {
        let s = s.trim();
        let (kind, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        let rest = rest.trim();
        match kind {
            "none" | "" => Ok(Latency::None),
            "fixed" => Ok(Latency::Fixed(latency_value(rest)?)),
            "uniform" => {
                let uniform = || LatencyError::Uniform {
                    rest: rest.to_string(),
                };
                let (a, b) = rest.split_once("..").ok_or_else(uniform)?;
                let (a, b) = (latency_value(a)?, latency_value(b)?);
                if a > b {
                    return Err(uniform());
                }
                Ok(Latency::Uniform(a, b))
            }
            "lognormal" => {
                let mut p50 = None;
                let mut p99 = None;
                for part in rest.split_whitespace() {
                    match part.split_once('=') {
                        Some(("p50", v)) => p50 = Some(latency_value(v)?),
                        Some(("p99", v)) => p99 = Some(latency_value(v)?),
                        _ => {
                            return Err(LatencyError::LogNormalPart {
                                part: part.to_string(),
                            });
                        }
                    }
                }
                match (p50, p99) {
                    (Some(p50), Some(p99)) if p50 > Duration::ZERO && p99 >= p50 => {
                        Ok(Latency::LogNormal { p50, p99 })
                    }
                    _ => Err(LatencyError::LogNormalPercentiles),
                }
            }
            other => Err(LatencyError::Kind {
                kind: other.to_string(),
            }),
        }
    }
}

impl TryFrom<String> for Latency {
    type Error = LatencyError;
    fn try_from(s: String) -> Result<Self, LatencyError> {
        s.parse()
    }
}

impl From<Latency> for String {
    fn from(l: Latency) -> String {
        l.to_string()
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Latency::None => f.write_str("none"),
            Latency::Fixed(d) => write!(f, "fixed {}", fmt_duration(*d)),
            Latency::Uniform(a, b) => {
                write!(f, "uniform {}..{}", fmt_duration(*a), fmt_duration(*b))
            }
            Latency::LogNormal { p50, p99 } => write!(
                f,
                "lognormal p50={} p99={}",
                fmt_duration(*p50),
                fmt_duration(*p99)
            ),
        }
    }
}

/// z-score of the 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

impl Latency {
    /// One draw from this distribution.
    pub(crate) fn sample(&self, rng: &mut StdRng) -> Duration {
        match *self {
            Latency::None => Duration::ZERO,
            Latency::Fixed(d) => d,
            Latency::Uniform(a, b) if a == b => a,
            Latency::Uniform(a, b) => {
                Duration::from_secs_f64(rng.random_range(a.as_secs_f64()..b.as_secs_f64()))
            }
            Latency::LogNormal { p50, p99 } => {
                let mu = p50.as_secs_f64().ln();
                let sigma = (p99.as_secs_f64().ln() - mu) / Z99;
                match LogNormal::new(mu, sigma) {
                    Ok(dist) => Duration::from_secs_f64(dist.sample(rng).min(3600.0)),
                    Err(_) => p50,
                }
            }
        }
    }
}

/// A `Duration` written as duration text (`"3s"`): a window's `from` and `until`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DurationText(pub(crate) Duration);

impl Serialize for DurationText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        text::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DurationText, D::Error> {
        text::deserialize(d).map(DurationText)
    }
}

/// Serde for a `Duration` written as duration text (`"3s"`), for `PUT /__sim/clock`.
pub(crate) mod text {
    use super::fmt_duration;
    use campaign_api::parse_duration;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Writes `3s`, `20ms`.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_duration(*d))
    }

    /// Reads what [`parse_duration`] reads.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn latency_round_trips_through_text() {
        for s in [
            "none",
            "fixed 20ms",
            "fixed 1s",
            "uniform 10ms..50ms",
            "lognormal p50=40ms p99=250ms",
            "fixed 250us",
        ] {
            let l: Latency = s.parse().unwrap();
            assert_eq!(l.to_string(), s);
        }
        for bad in [
            "fixed",
            "fixed 20",
            "uniform 50ms..10ms",
            "lognormal p50=40ms",
            "gauss 1ms",
            "fixed -1ms",
        ] {
            assert!(bad.parse::<Latency>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn durations_print_as_they_parse() {
        for (d, text) in [
            (Duration::from_secs(3), "3s"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_micros(250), "250us"),
            (Duration::ZERO, "0ms"),
        ] {
            assert_eq!(fmt_duration(d), text);
            assert_eq!(parse_duration(text), Ok(d));
        }
    }

    #[test]
    fn lognormal_hits_its_percentiles() {
        let l: Latency = "lognormal p50=40ms p99=250ms".parse().unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let mut v: Vec<f64> = (0..20_000)
            .map(|_| l.sample(&mut rng).as_secs_f64())
            .collect();
        v.sort_by(f64::total_cmp);
        let p50 = v[10_000];
        let p99 = v[19_800];
        assert!((0.037..0.043).contains(&p50), "p50 {p50}");
        assert!((0.21..0.29).contains(&p99), "p99 {p99}");
    }
}
