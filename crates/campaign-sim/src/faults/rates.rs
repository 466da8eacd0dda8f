//! Seeded rates: added latency and a fraction of bad answers, repeatable for a seed, and the
//! schedule of windows that change them while they last.
//!
//! Each request draws from its own generator, seeded from the run's seed and the request's
//! number, so there is no shared generator (and no lock) on the request path, and the same seed
//! gives the same sequence of faults.

use super::latency::Latency;
use super::policy::{Answer, Fault, FaultDecision, FaultPolicy, FaultRequest};
use super::schedule::Window;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Which faults to inject and how often (rates are fractions of requests, 0 to 1).
///
/// The same shape everywhere it is written: the `[faults]` table of a campaigns file, the body
/// of `PUT /__sim/faults`, what `GET /__sim/config` shows. For example, as JSON:
///
/// ```json
/// {"latency": "fixed 20ms", "error_rate_503": 0.01,
///  "schedule": [{"from": "3s", "until": "4s", "latency": "fixed 1s"},
///               {"from": "10s", "error_rate_503": 0.5}]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Seconds sent in `Retry-After` with each 429 (at least 1).
    pub retry_after_secs: u64,
    /// Windows on the simulator's clock that change the settings above while they last; a
    /// later window overrides an earlier one where both name a setting.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<Window>,
}

/// A fault setting that cannot be used, named by its key (`error_rate_503`,
/// `schedule[1].until`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct FaultsError {
    /// The key, as a path into the settings: `error_rate_503`, `schedule[0].latency`.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FaultsError {
    pub(crate) fn new(key: impl Into<String>, reason: impl Into<String>) -> FaultsError {
        FaultsError {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// Rate keys, in the order a roll meets them.
pub(crate) const RATE_KEYS: [&str; 6] = [
    "drop_connection_rate",
    "error_rate_429",
    "error_rate_500",
    "error_rate_503",
    "malformed_json_rate",
    "wrong_content_type_rate",
];

impl Default for Faults {
    /// No fault; a 429, should one be set, says `Retry-After: 1` (what is shown is what is sent).
    fn default() -> Faults {
        Faults {
            latency: Latency::default(),
            error_rate_429: 0.0,
            error_rate_500: 0.0,
            error_rate_503: 0.0,
            malformed_json_rate: 0.0,
            wrong_content_type_rate: 0.0,
            drop_connection_rate: 0.0,
            retry_after_secs: 1,
            schedule: Vec::new(),
        }
    }
}

impl Faults {
    /// Checks every rate is a fraction, they sum to at most 1 at every instant of the schedule,
    /// and every window ends after it begins.
    pub fn validate(&self) -> Result<(), FaultsError> {
        self.validate_rates("")?;
        super::schedule::validate(self)
    }

    /// The rates alone (no schedule), keys prefixed with `prefix`.
    pub(crate) fn validate_rates(&self, prefix: &str) -> Result<(), FaultsError> {
        let rates = self.rates();
        for (name, r) in rates {
            if !(0.0..=1.0).contains(&r) {
                return Err(FaultsError::new(
                    format!("{prefix}{name}"),
                    format!("{r} is not between 0 and 1"),
                ));
            }
        }
        let sum: f64 = rates.iter().map(|(_, r)| r).sum();
        if sum > 1.0 + 1e-9 {
            return Err(FaultsError::new(
                if prefix.is_empty() { "rates" } else { prefix },
                format!("rates sum to {sum}, more than 1"),
            ));
        }
        Ok(())
    }

    /// These settings without their schedule.
    pub(crate) fn without_schedule(&self) -> Faults {
        Faults {
            latency: self.latency,
            error_rate_429: self.error_rate_429,
            error_rate_500: self.error_rate_500,
            error_rate_503: self.error_rate_503,
            malformed_json_rate: self.malformed_json_rate,
            wrong_content_type_rate: self.wrong_content_type_rate,
            drop_connection_rate: self.drop_connection_rate,
            retry_after_secs: self.retry_after_secs,
            schedule: Vec::new(),
        }
    }

    pub(crate) fn rates(&self) -> [(&'static str, f64); 6] {
        let values = [
            self.drop_connection_rate,
            self.error_rate_429,
            self.error_rate_500,
            self.error_rate_503,
            self.malformed_json_rate,
            self.wrong_content_type_rate,
        ];
        std::array::from_fn(|i| (RATE_KEYS[i], values[i]))
    }

    /// True when nothing is injected at any time (the request path then skips the generator
    /// entirely).
    pub fn is_off(&self) -> bool {
        self.schedule.is_empty() && self.rates_off()
    }

    fn rates_off(&self) -> bool {
        self.latency == Latency::None && self.rates().iter().all(|(_, r)| *r == 0.0)
    }

    /// The draw for request number `n` of a run seeded with `seed`, by these rates alone (the
    /// schedule is not consulted: see [`Faults::in_force`]).
    pub fn draw(&self, seed: u64, n: u64) -> FaultDecision {
        if self.rates_off() {
            return FaultDecision::none();
        }
        let mut rng = StdRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let delay = self.latency.sample(&mut rng);
        let roll: f64 = rng.random();
        let retry_after = self.retry_after_secs.max(1);
        let mut edge = 0.0;
        let mut fault = None;
        for (i, (_, rate)) in self.rates().into_iter().enumerate() {
            edge += rate;
            if roll < edge {
                fault = Some(match i {
                    0 => Fault::Drop,
                    1 => Fault::Instead(Answer::rate_limited(retry_after)),
                    2 => Fault::Instead(Answer::injected(500)),
                    3 => Fault::Instead(Answer::injected(503)),
                    4 => Fault::Malformed,
                    _ => Fault::WrongContentType,
                });
                break;
            }
        }
        FaultDecision { delay, fault }
    }
}

impl FaultPolicy for Faults {
    /// The rates in force at the request's `elapsed`, drawn for its number and seed.
    fn decide(&self, request: &FaultRequest<'_>) -> FaultDecision {
        if self.schedule.is_empty() {
            self.draw(request.seed, request.number)
        } else {
            self.in_force(request.elapsed)
                .draw(request.seed, request.number)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_status(d: &FaultDecision, status: u16) -> bool {
        matches!(&d.fault, Some(Fault::Instead(a)) if a.status == status)
    }

    #[test]
    fn draws_repeat_for_a_seed_and_rates_hold() {
        let f = Faults {
            error_rate_503: 0.1,
            drop_connection_rate: 0.05,
            ..Faults::default()
        };
        f.validate().unwrap();
        let a: Vec<_> = (0..1000).map(|n| f.draw(42, n)).collect();
        let b: Vec<_> = (0..1000).map(|n| f.draw(42, n)).collect();
        assert_eq!(a, b);
        let c: Vec<_> = (0..1000).map(|n| f.draw(43, n)).collect();
        assert_ne!(a, c);
        let n503 = a.iter().filter(|p| is_status(p, 503)).count();
        let drops = a.iter().filter(|p| p.fault == Some(Fault::Drop)).count();
        assert!((70..130).contains(&n503), "{n503}");
        assert!((25..75).contains(&drops), "{drops}");
    }

    #[test]
    fn a_429_carries_the_configured_retry_after() {
        let f = Faults {
            error_rate_429: 1.0,
            retry_after_secs: 3,
            ..Faults::default()
        };
        let Some(Fault::Instead(a)) = f.draw(1, 0).fault else {
            panic!("no 429");
        };
        assert_eq!(a.status, 429);
        assert!(a.headers.contains(&("retry-after".into(), "3".into())));
    }

    #[test]
    fn refuses_rates_out_of_range_naming_the_key() {
        let f = Faults {
            error_rate_500: 0.7,
            error_rate_503: 0.7,
            ..Faults::default()
        };
        let e = f.validate().unwrap_err();
        assert_eq!(e.key, "rates");
        assert!(e.reason.contains("1.4"), "{e}");
        let f = Faults {
            error_rate_429: -0.1,
            ..Faults::default()
        };
        assert_eq!(f.validate().unwrap_err().key, "error_rate_429");
    }
}
