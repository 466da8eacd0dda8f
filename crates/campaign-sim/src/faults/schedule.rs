//! Scheduled windows: fault settings that hold from one instant of the simulator's clock to
//! another ("from 3 s to 4 s: every answer waits 1 s", "from 10 s: 503 on 50%").
//!
//! A window names only the settings it changes; the rest stay as the base [`Faults`] says. Where
//! windows overlap, the later one in the list wins for the settings both name. The settings in
//! force only change at a window's edge, so checking them at every edge checks them always.

use super::kind::{FaultKind, Key, Rates, read_table, table_keys};
use super::latency::{DurationText, Latency, fmt_duration};
use super::rates::{Faults, FaultsError};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// Most windows one schedule holds (each request looks at every one).
pub const MAX_WINDOWS: usize = 64;

/// One window of the schedule: from `from` (inclusive) until `until` (exclusive, or for ever),
/// the settings it names replace the base ones.
///
/// Written as a `[[faults.schedule]]` table, a JSON object with the same keys, or as text
/// (`--window`):
///
/// ```
/// use campaign_sim::{FaultKind, Window};
///
/// let w: Window = "10s..: error_rate_503=0.5".parse()?;
/// assert_eq!(w.rates[FaultKind::Status503], Some(0.5));
/// assert!(w.covers(std::time::Duration::from_secs(3600)));
/// assert_eq!(w.to_string(), "10s..: error_rate_503=0.5");
/// # Ok::<(), campaign_sim::WindowError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Window {
    /// When it begins on the simulator's clock (`"3s"`; default 0).
    pub from: Duration,
    /// When it ends (`"4s"`); open-ended when absent.
    pub until: Option<Duration>,
    /// Latency added before every answer.
    pub latency: Option<Latency>,
    /// The rates it changes (keys as in [`Faults`]); `None` leaves the base's.
    pub rates: Rates<Option<f64>>,
    /// Seconds sent in `Retry-After` with each 429.
    pub retry_after_secs: Option<u64>,
}

/// `--window` text that does not read as a window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// No `:` between the span and the settings.
    #[error("{text:?}: want FROM..[UNTIL]: KEY=VALUE, …")]
    NoSettings {
        /// The whole text.
        text: String,
    },
    /// The span is not `FROM..UNTIL` or `FROM..`.
    #[error("{span:?}: want FROM..UNTIL or FROM..")]
    Span {
        /// The text before the `:`.
        span: String,
    },
    /// A setting without `=`.
    #[error("{part:?}: want KEY=VALUE")]
    Setting {
        /// The setting as written.
        part: String,
    },
    /// A key written twice.
    #[error("{key} is given twice")]
    Twice {
        /// The key.
        key: String,
    },
    /// A key that is not a setting, or a value it does not take (the reason names the key or
    /// the value).
    #[error("{reason}")]
    Value {
        /// What the settings' reader said.
        reason: String,
    },
}

/// The keys of a window besides the rates'.
const OWN_KEYS: &[&str] = &["from", "until", "latency", "retry_after_secs"];

/// Every key of a window.
static KEYS: [&str; 10] = table_keys(OWN_KEYS);

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("from", &DurationText(self.from))?;
        if let Some(u) = self.until {
            map.serialize_entry("until", &DurationText(u))?;
        }
        if let Some(l) = &self.latency {
            map.serialize_entry("latency", l)?;
        }
        self.rates.serialize_into(&mut map)?;
        if let Some(r) = &self.retry_after_secs {
            map.serialize_entry("retry_after_secs", r)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Window, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = Window;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a window of the fault schedule")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Window, A::Error> {
                let mut w = Window::default();
                read_table(map, OWN_KEYS, |key, map| {
                    match key {
                        Key::Rate(kind) => w.rates.read(kind, map)?,
                        Key::Own("from") => w.from = map.next_value::<DurationText>()?.0,
                        Key::Own("until") => {
                            w.until = Some(map.next_value::<DurationText>()?.0);
                        }
                        Key::Own("latency") => w.latency = Some(map.next_value()?),
                        Key::Own(_) => w.retry_after_secs = Some(map.next_value()?),
                    }
                    Ok(())
                })?;
                Ok(w)
            }
        }
        d.deserialize_struct("Window", &KEYS, Table)
    }
}

impl Window {
    /// True when `t` on the simulator's clock falls inside.
    pub fn covers(&self, t: Duration) -> bool {
        t >= self.from && self.until.is_none_or(|u| t < u)
    }

    /// This window changing `kind`'s rate to `rate`.
    pub fn with_rate(mut self, kind: FaultKind, rate: f64) -> Window {
        self.rates[kind] = Some(rate);
        self
    }

    /// Puts the settings this window names over `f`.
    fn apply(&self, f: &mut Faults) {
        if let Some(l) = self.latency {
            f.latency = l;
        }
        f.rates.overlay(&self.rates);
        if let Some(s) = self.retry_after_secs {
            f.retry_after_secs = s;
        }
    }
}

impl Faults {
    /// The settings in force at `t` on the simulator's clock: the base with every window that
    /// covers `t` put over it, in order (the result has no schedule).
    pub fn in_force(&self, t: Duration) -> Faults {
        let mut f = self.without_schedule();
        for w in self.schedule.iter().filter(|w| w.covers(t)) {
            w.apply(&mut f);
        }
        f
    }

    /// Indices of the windows that cover `t`.
    pub fn windows_at(&self, t: Duration) -> impl Iterator<Item = usize> + '_ {
        self.schedule
            .iter()
            .enumerate()
            .filter(move |(_, w)| w.covers(t))
            .map(|(i, _)| i)
    }
}

/// Checks each window, then the settings in force at every window edge.
pub(crate) fn validate(f: &Faults) -> Result<(), FaultsError> {
    if f.schedule.len() > MAX_WINDOWS {
        return Err(FaultsError::new(
            "schedule",
            format!(
                "{} windows; at most {MAX_WINDOWS} are allowed",
                f.schedule.len()
            ),
        ));
    }
    for (i, w) in f.schedule.iter().enumerate() {
        if let Some(until) = w.until
            && until <= w.from
        {
            return Err(FaultsError::new(
                format!("schedule[{i}].until"),
                format!(
                    "{} is not after from = {}: a window ends after it begins",
                    fmt_duration(until),
                    fmt_duration(w.from)
                ),
            ));
        }
        w.rates.check_each(&format!("schedule[{i}]."))?;
    }
    let edges = f
        .schedule
        .iter()
        .flat_map(|w| std::iter::once(w.from).chain(w.until));
    for t in std::iter::once(Duration::ZERO).chain(edges) {
        let sum = f.in_force(t).rates.sum();
        if sum > 1.0 + 1e-9 {
            let windows: Vec<String> = f.windows_at(t).map(|i| format!("[{i}]")).collect();
            return Err(FaultsError::new(
                "schedule",
                format!(
                    "from {} the rates in force (base with schedule{}) sum to {sum}, more than 1",
                    fmt_duration(t),
                    windows.join(", schedule")
                ),
            ));
        }
    }
    Ok(())
}

impl std::str::FromStr for Window {
    type Err = WindowError;

    /// `FROM..[UNTIL]: KEY=VALUE[, KEY=VALUE…]`, keys as in the `[faults]` table:
    /// `3s..4s: latency=fixed 1s`, `10s..: error_rate_503=0.5`. The settings are read by the
    /// same reader as a `[[faults.schedule]]` table, so text and table cannot disagree.
    fn from_str(s: &str) -> Result<Window, WindowError> {
        let (span, settings) = s.split_once(':').ok_or_else(|| WindowError::NoSettings {
            text: s.to_string(),
        })?;
        let (from, until) = span.split_once("..").ok_or_else(|| WindowError::Span {
            span: span.to_string(),
        })?;
        let mut map = serde_json::Map::new();
        for (key, value) in [("from", from.trim()), ("until", until.trim())] {
            if !value.is_empty() {
                map.insert(key.into(), value.into());
            }
        }
        for part in settings.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| WindowError::Setting {
                part: part.to_string(),
            })?;
            let (key, value) = (key.trim(), value.trim());
            let value = if let Ok(n) = value.parse::<u64>() {
                n.into()
            } else if let Ok(x) = value.parse::<f64>() {
                x.into()
            } else {
                value.into()
            };
            if map.insert(key.into(), value).is_some() {
                return Err(WindowError::Twice {
                    key: key.to_string(),
                });
            }
        }
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| WindowError::Value {
            reason: e.to_string(),
        })
    }
}

impl fmt::Display for Window {
    /// The text [`Window::from_str`](std::str::FromStr) reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..", fmt_duration(self.from))?;
        if let Some(u) = self.until {
            f.write_str(&fmt_duration(u))?;
        }
        f.write_str(":")?;
        let mut parts = Vec::new();
        if let Some(l) = self.latency {
            parts.push(format!("latency={l}"));
        }
        for (kind, r) in self.rates.given() {
            parts.push(format!("{kind}={r}"));
        }
        if let Some(s) = self.retry_after_secs {
            parts.push(format!("retry_after_secs={s}"));
        }
        if !parts.is_empty() {
            write!(f, " {}", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::Fault;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn stall_then_outage() -> Faults {
        Faults {
            schedule: vec![
                "3s..4s: latency=fixed 1s".parse().unwrap(),
                "10s..: error_rate_503=0.5".parse().unwrap(),
            ],
            ..Faults::default().with_rate(FaultKind::Status503, 0.01)
        }
    }

    #[test]
    fn windows_hold_between_their_edges_and_leave_the_rest_alone() {
        let f = stall_then_outage();
        f.validate().unwrap();
        assert_eq!(f.in_force(secs(2)), f.without_schedule());
        let stalled = f.in_force(secs(3));
        assert_eq!(stalled.latency, Latency::Fixed(secs(1)));
        assert_eq!(
            stalled.rates[FaultKind::Status503],
            0.01,
            "not named, so the base holds"
        );
        assert_eq!(
            f.in_force(secs(4)).latency,
            Latency::None,
            "until is exclusive"
        );
        assert_eq!(f.in_force(secs(10)).rates[FaultKind::Status503], 0.5);
        assert_eq!(
            f.in_force(secs(3000)).rates[FaultKind::Status503],
            0.5,
            "open-ended"
        );
        assert_eq!(
            f.windows_at(Duration::from_millis(3500))
                .collect::<Vec<_>>(),
            [0]
        );
        assert_eq!(f.windows_at(secs(5)).count(), 0);
    }

    #[test]
    fn a_later_window_wins_where_windows_overlap() {
        let f = Faults {
            schedule: vec![
                "0s..: error_rate_503=0.2, latency=fixed 5ms"
                    .parse()
                    .unwrap(),
                "1s..2s: error_rate_503=0.9".parse().unwrap(),
            ],
            ..Faults::default()
        };
        let at = f.in_force(Duration::from_millis(1500));
        assert_eq!(
            (at.rates[FaultKind::Status503], at.latency),
            (0.9, Latency::Fixed(Duration::from_millis(5)))
        );
    }

    #[test]
    fn the_policy_draws_from_the_settings_in_force() {
        use crate::faults::{FaultPolicy, FaultRequest};
        let f = Faults {
            schedule: vec!["600s..1200s: error_rate_503=1".parse().unwrap()],
            ..Faults::default()
        };
        let at = |t| FaultRequest {
            number: 0,
            operation: campaign_api::OperationId::KoreStatusV1,
            campaign: "c",
            elapsed: secs(t),
            seed: 0,
        };
        assert!(matches!(f.decide(&at(900)).fault, Some(Fault::Instead(a)) if a.status == 503));
        assert!(f.decide(&at(0)).is_none());
        assert!(f.decide(&at(1200)).is_none());
    }

    #[test]
    fn a_window_that_ends_before_it_begins_is_refused_by_key() {
        let mut f = stall_then_outage();
        f.schedule[1].until = Some(secs(9));
        assert_eq!(f.validate().unwrap_err().key, "schedule[1].until");
    }

    #[test]
    fn a_window_rate_out_of_range_is_refused_by_key() {
        let mut f = stall_then_outage();
        f.schedule[0].rates[FaultKind::Status429] = Some(1.5);
        assert_eq!(f.validate().unwrap_err().key, "schedule[0].error_rate_429");
    }

    #[test]
    fn rates_over_one_while_a_window_lasts_are_refused_naming_it() {
        let mut f = stall_then_outage();
        f.rates[FaultKind::Status500] = 0.6;
        let e = f.validate().unwrap_err();
        assert_eq!(e.key, "schedule");
        assert!(
            e.reason
                .starts_with("from 10s the rates in force (base with schedule[1])"),
            "{e}"
        );
    }

    #[test]
    fn window_text_round_trips_and_names_bad_keys() {
        for s in [
            "3s..4s: latency=fixed 1s",
            "10s..: error_rate_503=0.5",
            "0ms..1500ms: latency=lognormal p50=40ms p99=250ms, error_rate_429=0.25, retry_after_secs=2",
        ] {
            let w: Window = s.parse().unwrap();
            assert_eq!(w.to_string(), s);
        }
        let e = "1s..2s: error_rate_5003=0.5".parse::<Window>().unwrap_err();
        assert!(e.to_string().contains("error_rate_5003"), "{e}");
        assert!("1s..2s: latency=fixed".parse::<Window>().is_err());
        assert!("1s-2s: latency=fixed 1s".parse::<Window>().is_err());
    }

    #[test]
    fn reads_from_toml_as_a_faults_table() {
        let f: Faults = toml::from_str(
            "error_rate_503 = 0.01\n[[schedule]]\nfrom = \"3s\"\nuntil = \"4s\"\nlatency = \"fixed 1s\"\n",
        )
        .unwrap();
        assert_eq!(f.schedule.len(), 1);
        assert_eq!(f.schedule[0].until, Some(secs(4)));
    }
}
