//! The six fault kinds a rate can be set for, and the one table of their rates ([`Rates`]) that
//! the seeded settings ([`Faults`](super::Faults)) and each scheduled window
//! ([`Window`](super::Window)) hold.
//!
//! Why one table: the rates are read from TOML, JSON and `--window` text, checked, summed, put
//! over each other by windows, shown, and rolled against. With the kinds listed once, here,
//! every one of those paths walks the same list: a seventh kind is one variant, not five edits
//! that must agree.

use super::policy::{Answer, Fault};
use super::rates::FaultsError;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use std::fmt;
use std::ops::{Index, IndexMut};

/// A fault the seeded settings inject at a rate.
///
/// ```
/// use campaign_sim::{FaultKind, Faults};
///
/// let faults = Faults::default().with_rate(FaultKind::Status503, 0.25);
/// assert_eq!(faults.rates[FaultKind::Status503], 0.25);
/// assert_eq!(FaultKind::Status503.key(), "error_rate_503");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The connection closed without an answer (`drop_connection_rate`).
    Drop,
    /// 429 with `Retry-After` (`error_rate_429`).
    Status429,
    /// 500 (`error_rate_500`).
    Status500,
    /// 503 (`error_rate_503`).
    Status503,
    /// A JSON body cut in half (`malformed_json_rate`).
    Malformed,
    /// The right body labelled `text/html` (`wrong_content_type_rate`).
    WrongContentType,
}

impl FaultKind {
    /// Every kind, in the order a roll meets them (and the order they are shown in).
    pub const ALL: [FaultKind; 6] = [
        FaultKind::Drop,
        FaultKind::Status429,
        FaultKind::Status500,
        FaultKind::Status503,
        FaultKind::Malformed,
        FaultKind::WrongContentType,
    ];

    /// Its key in the `[faults]` table, in `PUT /__sim/faults` and in `--window` text.
    pub const fn key(self) -> &'static str {
        match self {
            FaultKind::Drop => "drop_connection_rate",
            FaultKind::Status429 => "error_rate_429",
            FaultKind::Status500 => "error_rate_500",
            FaultKind::Status503 => "error_rate_503",
            FaultKind::Malformed => "malformed_json_rate",
            FaultKind::WrongContentType => "wrong_content_type_rate",
        }
    }

    /// The kind whose key is `key`.
    pub fn from_key(key: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// What a request meets when its roll lands on this kind.
    pub(crate) fn fault(self, retry_after_secs: u64) -> Fault {
        match self {
            FaultKind::Drop => Fault::Drop,
            FaultKind::Status429 => Fault::Instead(Answer::rate_limited(retry_after_secs)),
            FaultKind::Status500 => Fault::Instead(Answer::injected(500)),
            FaultKind::Status503 => Fault::Instead(Answer::injected(503)),
            FaultKind::Malformed => Fault::Malformed,
            FaultKind::WrongContentType => Fault::WrongContentType,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A value for each [`FaultKind`]: `Rates<f64>` the fractions of requests that meet each fault,
/// `Rates<Option<f64>>` the ones a window changes (`None`: left as the base says).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates<T = f64>([T; 6]);

impl<T> Index<FaultKind> for Rates<T> {
    type Output = T;
    fn index(&self, kind: FaultKind) -> &T {
        &self.0[kind as usize]
    }
}

impl<T> IndexMut<FaultKind> for Rates<T> {
    fn index_mut(&mut self, kind: FaultKind) -> &mut T {
        &mut self.0[kind as usize]
    }
}

impl<T: Copy + Into<Option<f64>>> Rates<T> {
    /// Each kind with its value, in roll order.
    pub fn iter(&self) -> impl Iterator<Item = (FaultKind, T)> + '_ {
        FaultKind::ALL.into_iter().map(|k| (k, self[k]))
    }

    /// The kinds given a value, with it.
    pub(crate) fn given(&self) -> impl Iterator<Item = (FaultKind, f64)> + '_ {
        self.iter().filter_map(|(k, v)| v.into().map(|v| (k, v)))
    }

    /// Checks every value given is a fraction; keys are named `{prefix}{key}`.
    pub(crate) fn check_each(&self, prefix: &str) -> Result<(), FaultsError> {
        match self.given().find(|(_, r)| !(0.0..=1.0).contains(r)) {
            Some((kind, r)) => Err(FaultsError::new(
                format!("{prefix}{kind}"),
                format!("{r} is not between 0 and 1"),
            )),
            None => Ok(()),
        }
    }

    /// Writes the values given as entries of `map`, one per key.
    pub(crate) fn serialize_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for (kind, r) in self.given() {
            map.serialize_entry(kind.key(), &r)?;
        }
        Ok(())
    }
}

impl<T: From<f64>> Rates<T> {
    /// Reads the value of `kind`'s key from `map`.
    pub(crate) fn read<'de, A: MapAccess<'de>>(
        &mut self,
        kind: FaultKind,
        map: &mut A,
    ) -> Result<(), A::Error> {
        self[kind] = T::from(map.next_value::<f64>()?);
        Ok(())
    }
}

impl Rates<f64> {
    /// The rates of all kinds together: the fraction of requests that meet some fault.
    pub fn sum(&self) -> f64 {
        self.0.iter().sum()
    }

    /// True when no kind has a rate.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|r| *r == 0.0)
    }

    /// Puts the values `over` gives in place of these.
    pub(crate) fn overlay(&mut self, over: &Rates<Option<f64>>) {
        for (kind, r) in over.given() {
            self[kind] = r;
        }
    }

    /// The kind a roll in `0..1` lands on, if any: the kinds take consecutive stretches of the
    /// unit interval, each as long as its rate.
    pub(crate) fn roll(&self, roll: f64) -> Option<FaultKind> {
        let mut edge = 0.0;
        self.iter().find_map(|(kind, rate)| {
            edge += rate;
            (roll < edge).then_some(kind)
        })
    }
}

/// `own` keys followed by every rate's key: the field list a table that holds a [`Rates`] hands
/// serde. With it, a table flattened into another (campaign-load's `[sim]`) takes its rate keys
/// out of the outer table, whose own unknown-key check then sees only what nobody took.
pub(crate) const fn table_keys<const N: usize>(own: &[&'static str]) -> [&'static str; N] {
    assert!(
        N == own.len() + FaultKind::ALL.len(),
        "N is own keys plus six"
    );
    let mut out = [""; N];
    let mut i = 0;
    while i < own.len() {
        out[i] = own[i];
        i += 1;
    }
    let mut k = 0;
    while k < FaultKind::ALL.len() {
        out[i + k] = FaultKind::ALL[k].key();
        k += 1;
    }
    out
}

/// A key of a table that holds a [`Rates`] among other settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// One of the table's own keys (`latency`, `from`).
    Own(&'static str),
    /// A rate's key.
    Rate(FaultKind),
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::Own(k) => k,
            Key::Rate(kind) => kind.key(),
        }
    }
}

/// Reads a key as one of `own` or a rate's, refusing any other while the key is read (so
/// serde_path_to_error's path and TOML's position end at the unknown key itself).
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a setting's name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        if let Some(own) = self.0.iter().find(|k| **k == v) {
            return Ok(Key::Own(own));
        }
        if let Some(kind) = FaultKind::from_key(v) {
            return Ok(Key::Rate(kind));
        }
        let expected: Vec<String> = self
            .0
            .iter()
            .copied()
            .chain(FaultKind::ALL.map(FaultKind::key))
            .map(|k| format!("`{k}`"))
            .collect();
        Err(E::custom(format_args!(
            "unknown field `{v}`, expected one of {}",
            expected.join(", ")
        )))
    }
}

/// Reads a table of `own` keys and rate keys, key by key: `read` reads the value of each.
///
/// Written out rather than derived with `#[serde(flatten)]` because flatten buffers the values
/// it passes on: a bad rate would lose the line TOML reports and the key path
/// `PUT /__sim/faults` answers with.
pub(crate) fn read_table<'de, A: MapAccess<'de>>(
    mut map: A,
    own: &'static [&'static str],
    mut read: impl FnMut(Key, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut seen: Vec<Key> = Vec::new();
    while let Some(key) = map.next_key_seed(KeySeed(own))? {
        if seen.contains(&key) {
            return Err(de::Error::custom(format_args!(
                "duplicate field `{}`",
                key.name()
            )));
        }
        seen.push(key);
        read(key, &mut map)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_each_kind_once_and_read_back() {
        for kind in FaultKind::ALL {
            assert_eq!(FaultKind::from_key(kind.key()), Some(kind));
        }
        let mut keys: Vec<_> = FaultKind::ALL.map(FaultKind::key).to_vec();
        keys.dedup();
        assert_eq!(keys.len(), 6);
        assert_eq!(FaultKind::from_key("error_rate_5003"), None);
    }

    #[test]
    fn a_roll_lands_on_the_kinds_in_order() {
        let mut rates = Rates::default();
        rates[FaultKind::Drop] = 0.1;
        rates[FaultKind::Status503] = 0.2;
        assert_eq!(rates.roll(0.05), Some(FaultKind::Drop));
        assert_eq!(rates.roll(0.15), Some(FaultKind::Status503));
        assert_eq!(rates.roll(0.35), None);
        assert!((rates.sum() - 0.3).abs() < 1e-12);
    }
}
