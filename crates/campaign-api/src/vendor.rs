//! The vocabulary every other module speaks: which vendor, which channel, which action.

use std::fmt;

/// A vendor whose campaign API the harness exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// Kore.ai contact-center campaigns (voice and SMS).
    Kore,
    /// VoiceGenie (Oriserve) voice campaigns.
    VoiceGenie,
}

impl Vendor {
    /// Every vendor, in report order.
    pub const ALL: [Vendor; 2] = [Vendor::Kore, Vendor::VoiceGenie];

    /// Lower-case slug used in reports, schema folders and file names.
    pub fn slug(self) -> &'static str {
        match self {
            Vendor::Kore => "kore",
            Vendor::VoiceGenie => "voicegenie",
        }
    }

    /// Parses a slug as written in scenario files and profiles.
    pub fn from_slug(s: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.slug() == s)
    }

    /// Prefix of the environment variables that configure this vendor's target.
    pub fn env_prefix(self) -> &'static str {
        match self {
            Vendor::Kore => "KORE",
            Vendor::VoiceGenie => "VOICEGENIE",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// The channel a campaign dials on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Outbound calls.
    Voice,
    /// Outbound text messages.
    Sms,
}

impl Channel {
    /// The value Kore.ai expects in `campaignType`.
    pub fn slug(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Sms => "sms",
        }
    }
}

/// What an operation does to a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Start (Kore `trigger=play`, VoiceGenie `startCampaign`); also resumes a paused campaign.
    Start,
    /// Stop (Kore `trigger=stop`).
    Stop,
    /// Pause (VoiceGenie's only way to halt a campaign).
    Pause,
    /// Read the campaign's current state; changes nothing.
    Status,
}

impl Action {
    /// True for the actions that leave a campaign dialing: what a safe run must undo.
    pub fn starts_dialing(self) -> bool {
        matches!(self, Action::Start)
    }
}
