//! Fault injection: added latency and bad answers, seeded so a run repeats.
//!
//! Each request draws from its own generator, seeded from the run's seed and the request's
//! sequence number, so there is no shared generator (and no lock) on the request path, and the
//! same seed gives the same sequence of faults.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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

/// Parses `20ms`, `1.5s`, `250us`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{s:?} needs a unit (us, ms, s)"))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a number with a unit"))?;
    let secs = match unit {
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        other => return Err(format!("unknown unit {other:?} in {s:?} (use us, ms, s)")),
    };
    if !secs.is_finite() || !(0.0..=3600.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (0 to 1h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn fmt_duration(d: Duration) -> String {
    if !d.subsec_micros().is_multiple_of(1000) {
        format!("{}us", d.as_micros())
    } else {
        format!("{}ms", d.as_millis())
    }
}

impl std::str::FromStr for Latency {
    type Err = String;

    /// `none`, `fixed 20ms`, `uniform 10ms..50ms`, `lognormal p50=40ms p99=250ms`.
    fn from_str(s: &str) -> Result<Latency, String> {
        let s = s.trim();
        let (kind, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        let rest = rest.trim();
        match kind {
            "none" | "" => Ok(Latency::None),
            "fixed" => Ok(Latency::Fixed(parse_duration(rest)?)),
            "uniform" => {
                let (a, b) = rest
                    .split_once("..")
                    .ok_or_else(|| format!("uniform latency wants LOW..HIGH, got {rest:?}"))?;
                let (a, b) = (parse_duration(a)?, parse_duration(b)?);
                if a > b {
                    return Err(format!("uniform latency {rest:?}: low exceeds high"));
                }
                Ok(Latency::Uniform(a, b))
            }
            "lognormal" => {
                let mut p50 = None;
                let mut p99 = None;
                for part in rest.split_whitespace() {
                    match part.split_once('=') {
                        Some(("p50", v)) => p50 = Some(parse_duration(v)?),
                        Some(("p99", v)) => p99 = Some(parse_duration(v)?),
                        _ => {
                            return Err(format!(
                                "lognormal latency: unexpected {part:?} (want p50=… p99=…)"
                            ));
                        }
                    }
                }
                match (p50, p99) {
                    (Some(p50), Some(p99)) if p50 > Duration::ZERO && p99 >= p50 => {
                        Ok(Latency::LogNormal { p50, p99 })
                    }
                    (Some(_), Some(_)) => Err("lognormal latency needs 0 < p50 <= p99".into()),
                    _ => Err("lognormal latency needs both p50=… and p99=…".into()),
                }
            }
            other => Err(format!(
                "unknown latency kind {other:?} (use none, fixed 20ms, uniform 10ms..50ms, lognormal p50=40ms p99=250ms)"
            )),
        }
    }
}

impl TryFrom<String> for Latency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
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
    fn sample(&self, rng: &mut StdRng) -> Duration {
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

/// Which faults to inject and how often (rates are fractions of requests, 0 to 1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Latency added before every answer.
    pub latency: Latency,
    /// 429 with `Retry-After`.
    pub error_rate_429: f64,
    /// 500.
    pub error_rate_500: f64,
    /// 503.
    pub error_rate_503: f64,
    /// A JSON body cut in half.
    pub malformed_json_rate: f64,
    /// The right body labelled `text/html`.
    pub wrong_content_type_rate: f64,
    /// The connection closed without an answer.
    pub drop_connection_rate: f64,
    /// Seconds sent in `Retry-After` with each 429.
    pub retry_after_secs: u64,
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without answering; the campaign is untouched.
    Drop,
    /// Answer with this status before touching the campaign.
    Status(u16),
    /// Handle the request, then cut the body.
    Malformed,
    /// Handle the request, then label the body `text/html`.
    WrongContentType,
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Latency to add.
    pub delay: Duration,
    /// Fault to inject, if any.
    pub fault: Option<Fault>,
}

impl Faults {
    /// Checks every rate is a fraction and they sum to at most 1.
    pub fn validate(&self) -> Result<(), String> {
        let rates = self.rates();
        for (name, r) in rates {
            if !(0.0..=1.0).contains(&r) {
                return Err(format!("fault {name} = {r} is not between 0 and 1"));
            }
        }
        let sum: f64 = rates.iter().map(|(_, r)| r).sum();
        if sum > 1.0 + 1e-9 {
            return Err(format!("fault rates sum to {sum}, more than 1"));
        }
        Ok(())
    }

    fn rates(&self) -> [(&'static str, f64); 6] {
        [
            ("drop_connection_rate", self.drop_connection_rate),
            ("error_rate_429", self.error_rate_429),
            ("error_rate_500", self.error_rate_500),
            ("error_rate_503", self.error_rate_503),
            ("malformed_json_rate", self.malformed_json_rate),
            ("wrong_content_type_rate", self.wrong_content_type_rate),
        ]
    }

    /// True when nothing is injected (the request path then skips the generator entirely).
    pub fn is_off(&self) -> bool {
        self.latency == Latency::None && self.rates().iter().all(|(_, r)| *r == 0.0)
    }

    /// The plan for request number `n` of a run seeded with `seed`.
    pub fn plan(&self, seed: u64, n: u64) -> Plan {
        if self.is_off() {
            return Plan {
                delay: Duration::ZERO,
                fault: None,
            };
        }
        let mut rng = StdRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let delay = self.latency.sample(&mut rng);
        let roll: f64 = rng.random();
        let faults = [
            Fault::Drop,
            Fault::Status(429),
            Fault::Status(500),
            Fault::Status(503),
            Fault::Malformed,
            Fault::WrongContentType,
        ];
        let mut edge = 0.0;
        let mut fault = None;
        for ((_, rate), f) in self.rates().into_iter().zip(faults) {
            edge += rate;
            if roll < edge {
                fault = Some(f);
                break;
            }
        }
        Plan { delay, fault }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_round_trips_through_text() {
        for s in [
            "none",
            "fixed 20ms",
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

    #[test]
    fn plans_repeat_for_a_seed_and_rates_hold() {
        let f = Faults {
            error_rate_503: 0.1,
            drop_connection_rate: 0.05,
            ..Faults::default()
        };
        f.validate().unwrap();
        let a: Vec<_> = (0..1000).map(|n| f.plan(42, n)).collect();
        let b: Vec<_> = (0..1000).map(|n| f.plan(42, n)).collect();
        assert_eq!(a, b);
        let c: Vec<_> = (0..1000).map(|n| f.plan(43, n)).collect();
        assert_ne!(a, c);
        let n503 = a
            .iter()
            .filter(|p| p.fault == Some(Fault::Status(503)))
            .count();
        let drops = a.iter().filter(|p| p.fault == Some(Fault::Drop)).count();
        assert!((70..130).contains(&n503), "{n503}");
        assert!((25..75).contains(&drops), "{drops}");
    }

    #[test]
    fn refuses_rates_out_of_range() {
        let f = Faults {
            error_rate_500: 0.7,
            error_rate_503: 0.7,
            ..Faults::default()
        };
        assert!(f.validate().is_err());
        let f = Faults {
            error_rate_429: -0.1,
            ..Faults::default()
        };
        assert!(f.validate().is_err());
    }
}
