//! Campaign ids, checked before anything is sent.
//!
//! An id lands in a URL path segment. Percent-encoding makes any text safe to send, but an id
//! holding `/`, `\`, `?` or `#`, or one that is `.` or `..` (which URL normalisation drops or
//! climbs), would address a different resource than the user named on a real host. Refusing it
//! up front, for every source (env, scenario file, flag, list file), is the safe answer.

use std::fmt;

/// Why a campaign id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignIdError {
    /// The id is empty.
    #[error("campaign id is empty")]
    Empty,
    /// The id holds a character that would change the URL's structure.
    #[error("campaign id {id:?} holds {ch:?}, which is not allowed in a campaign id")]
    Forbidden {
        /// The refused id.
        id: String,
        /// The offending character.
        ch: char,
    },
    /// The id holds a control character (shown escaped).
    #[error("campaign id {id:?} holds a control character")]
    Control {
        /// The refused id, as given.
        id: String,
    },
    /// The id is `.` or `..`: URL normalisation would drop it or climb a path segment, and send
    /// the call to another resource.
    #[error("campaign id {id:?} is a dot segment: URL normalisation would send the call elsewhere")]
    DotSegment {
        /// The refused id.
        id: String,
    },
    /// The id is longer than [`CampaignId::MAX_LEN`] bytes.
    #[error("campaign id is {len} bytes long; the limit is {max}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// [`CampaignId::MAX_LEN`].
        max: usize,
    },
}

/// The longest campaign id accepted, in bytes ([`CampaignId::MAX_LEN`]).
const MAX_LEN: usize = 128;

/// A campaign id that is safe to put into a request path.
///
/// ```
/// use campaign_api::CampaignId;
/// assert!(CampaignId::new("cmp 42").is_ok());
/// assert!(CampaignId::new("a/b").is_err());
/// assert!(CampaignId::new("").is_err());
/// assert!(CampaignId::new("..").is_err());
/// assert!(CampaignId::new("x".repeat(129)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignId(String);

impl CampaignId {
    /// The longest campaign id accepted, in bytes (vendor ids are uuids or short slugs; a longer
    /// one is a paste error, and the simulator refuses what the client refuses).
    pub const MAX_LEN: usize = MAX_LEN;

    /// Checks and wraps an id.
    pub fn new(id: impl Into<String>) -> Result<Self, CampaignIdError> {
        let id = id.into();
        if id.is_empty() {
            return Err(CampaignIdError::Empty);
        }
        if id.len() > MAX_LEN {
            return Err(CampaignIdError::TooLong {
                len: id.len(),
                max: MAX_LEN,
            });
        }
        if id == "." || id == ".." {
            return Err(CampaignIdError::DotSegment { id });
        }
        if let Some(ch) = id.chars().find(|c| matches!(c, '/' | '?')) {
            return Err(CampaignIdError::Forbidden { id, ch });
        }
        if id.chars().any(char::is_control) {
            return Err(CampaignIdError::Control { id });
        }
        Ok(CampaignId(id))
    }

    /// The id as text (not encoded).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CampaignId {
    type Err = CampaignIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CampaignId::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_structure_changing_and_control_characters() {
        assert_eq!(CampaignId::new(""), Err(CampaignIdError::Empty));
        for bad in ["a/b", "a?b", "/", "?x"] {
            assert!(
                matches!(CampaignId::new(bad), Err(CampaignIdError::Forbidden { .. })),
                "{bad:?} accepted"
            );
        }
        for bad in ["a\nb", "a\u{0}", "\u{7f}x", "tab\there"] {
            assert!(
                matches!(CampaignId::new(bad), Err(CampaignIdError::Control { .. })),
                "{bad:?} accepted"
            );
        }
        for bad in [".", ".."] {
            assert!(
                matches!(
                    CampaignId::new(bad),
                    Err(CampaignIdError::DotSegment { .. })
                ),
                "{bad:?} accepted"
            );
        }
        assert!(
            CampaignId::new("...").is_ok(),
            "three dots are a name, not a segment"
        );
        assert_eq!(
            CampaignId::new("x".repeat(MAX_LEN + 1)),
            Err(CampaignIdError::TooLong {
                len: MAX_LEN + 1,
                max: MAX_LEN
            })
        );
        assert!(CampaignId::new("x".repeat(MAX_LEN)).is_ok());
    }

    #[test]
    fn accepts_ids_that_only_need_encoding() {
        for ok in [
            "550e8400-e29b-41d4-a716-446655440000",
            "cmp 1",
            "a#b",
            "ä%20",
            "load-7",
        ] {
            assert_eq!(
                CampaignId::new(ok).map(|c| c.to_string()),
                Ok(ok.to_string())
            );
        }
    }
}
