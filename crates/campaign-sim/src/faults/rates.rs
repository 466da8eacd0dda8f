//! Seeded rates: added latency and a fraction of bad answers, repeatable for a seed, and the
//! schedule of windows that change them while they last.
//!
//! Each request draws from its own generator, seeded from the run's seed and the request's
//! number, so there is no shared generator (and no lock) on the request path, and the same seed
//! gives the same sequence of faults.

use super::kind::{FaultKind, Key, Rates, read_table, table_keys};
use super::latency::Latency;
use super::policy::{FaultDecision, FaultPolicy, FaultRequest};
use super::schedule::Window;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

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
///
/// Every key may be left out (it takes its default); an unknown key is refused by name.
///
/// ```
/// use campaign_sim::{FaultKind, Faults};
///
/// let faults: Faults = serde_json::from_str(r#"{"error_rate_503": 0.01}"#)?;
/// assert_eq!(faults, Faults::default().with_rate(FaultKind::Status503, 0.01));
/// assert!(serde_json::from_str::<Faults>(r#"{"error_rate_5003": 0.01}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Latency added before every answer.
    pub latency: Latency,
    /// The fraction of requests that meet each fault (keys `error_rate_503`, …: see
    /// [`FaultKind::key`]).
    pub rates: Rates,
    /// Seconds sent in `Retry-After` with each 429 (at least 1).
    pub retry_after_secs: u64,
    /// Windows on the simulator's clock that change the settings above while they last; a
    /// later window overrides an earlier one where both name a setting.
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

impl Default for Faults {
    /// No fault; a 429, should one be set, says `Retry-After: 1` (what is shown is what is sent).
    fn default() -> Faults {
        Faults {
            latency: Latency::default(),
            rates: Rates::default(),
            retry_after_secs: 1,
            schedule: Vec::new(),
        }
    }
}

/// The keys of the `[faults]` table besides the rates'.
const OWN_KEYS: &[&str] = &["latency", "retry_after_secs", "schedule"];

/// Every key of the `[faults]` table.
static KEYS: [&str; 9] = table_keys(OWN_KEYS);

impl Serialize for Faults {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("latency", &self.latency)?;
        self.rates.serialize_into(&mut map)?;
        map.serialize_entry("retry_after_secs", &self.retry_after_secs)?;
        if !self.schedule.is_empty() {
            map.serialize_entry("schedule", &self.schedule)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Faults {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Faults, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = Faults;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of fault settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Faults, A::Error> {
                let mut f = Faults::default();
                read_table(map, OWN_KEYS, |key, map| {
                    match key {
                        Key::Rate(kind) => f.rates.read(kind, map)?,
                        Key::Own("latency") => f.latency = map.next_value()?,
                        Key::Own("retry_after_secs") => f.retry_after_secs = map.next_value()?,
                        Key::Own(_) => f.schedule = map.next_value()?,
                    }
                    Ok(())
                })?;
                Ok(f)
            }
        }
        d.deserialize_struct("Faults", &KEYS, Table)
    }
}

impl Faults {
    /// These settings with `kind` injected at `rate`.
    pub fn with_rate(mut self, kind: FaultKind, rate: f64) -> Faults {
        self.rates[kind] = rate;
        self
    }

    /// Checks every rate is a fraction, they sum to at most 1 at every instant of the schedule,
    /// and every window ends after it begins.
    pub fn validate(&self) -> Result<(), FaultsError> {
        self.validate_rates("")?;
        super::schedule::validate(self)
    }

    /// The rates alone (no schedule), keys prefixed with `prefix`.
    pub(crate) fn validate_rates(&self, prefix: &str) -> Result<(), FaultsError> {
        self.rates.check_each(prefix)?;
        let sum = self.rates.sum();
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
            rates: self.rates,
            retry_after_secs: self.retry_after_secs,
            schedule: Vec::new(),
        }
    }

    /// True when nothing is injected at any time (the request path then skips the generator
    /// entirely).
    pub fn is_off(&self) -> bool {
        self.schedule.is_empty() && self.rates_off()
    }

    fn rates_off(&self) -> bool {
        self.latency == Latency::None && self.rates.is_zero()
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
        let fault = self
            .rates
            .roll(roll)
            .map(|kind| kind.fault(self.retry_after_secs.max(1)));
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
    use crate::faults::Fault;

    fn is_status(d: &FaultDecision, status: u16) -> bool {
        matches!(&d.fault, Some(Fault::Instead(a)) if a.status == status)
    }

    #[test]
    fn draws_repeat_for_a_seed_and_rates_hold() {
        let f = Faults::default()
            .with_rate(FaultKind::Status503, 0.1)
            .with_rate(FaultKind::Drop, 0.05);
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
            retry_after_secs: 3,
            ..Faults::default().with_rate(FaultKind::Status429, 1.0)
        };
        let Some(Fault::Instead(a)) = f.draw(1, 0).fault else {
            panic!("no 429");
        };
        assert_eq!(a.status, 429);
        assert!(a.headers.contains(&("retry-after".into(), "3".into())));
    }

    #[test]
    fn rates_summing_over_one_are_refused() {
        let f = Faults::default()
            .with_rate(FaultKind::Status500, 0.7)
            .with_rate(FaultKind::Status503, 0.7);
        let e = f.validate().unwrap_err();
        assert_eq!(e.key, "rates");
        assert!(e.reason.contains("1.4"), "{e}");
    }

    #[test]
    fn a_rate_out_of_range_is_refused_naming_its_key() {
        let f = Faults::default().with_rate(FaultKind::Status429, -0.1);
        assert_eq!(f.validate().unwrap_err().key, "error_rate_429");
    }

    /// campaign-load flattens these settings into its `[sim]` table: the rate keys must be
    /// taken out of it, and the outer table's own unknown-key check must still bite.
    #[test]
    fn flattened_into_another_table_it_takes_its_keys_and_leaves_the_rest() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Outer {
            #[serde(default)]
            seed: u64,
            #[serde(flatten)]
            faults: Faults,
        }
        let o: Outer =
            toml::from_str("seed = 3\nerror_rate_503 = 0.01\nlatency = \"fixed 20ms\"\n")
                .expect("reads");
        assert_eq!((o.seed, o.faults.rates[FaultKind::Status503]), (3, 0.01));
        let e = toml::from_str::<Outer>("sed = 3\n").expect_err("refused");
        assert!(e.to_string().contains("sed"), "{e}");
    }
}
