//! Where requests go and as whom: base URL, ids, credentials, campaigns and template overrides.
//!
//! A [`Target`] is built three ways, each in its own module: from the vendor's variables
//! ([`env`](Target::from_lookup)), aimed at the embedded simulator
//! ([`Target::for_simulator`], in `host`), or by hand in tests. A target profile
//! ([`TargetProfile`]) overrides templates for a host whose paths differ from the docs. Every
//! value is checked where it enters, so a request that could not be built fails here, naming
//! the variable or file the user must fix.

mod base_url;
mod env;
mod profile;

pub(crate) use base_url::{host_label, host_slug};
pub use base_url::{is_loopback, parse_base_url};
pub use profile::{ProfileError, ProfileProblem, TargetProfile};

use crate::campaign_id::{CampaignId, CampaignIdError};
use crate::credential::Credential;
use crate::operation::OperationId;
use crate::path_template::{Param, ParamSource, Template};
use crate::vendor::{Channel, Vendor};
use reqwest::Url;
use std::collections::HashMap;

/// A configured vendor host.
#[derive(Debug, Clone)]
pub struct Target {
    /// Whose API this is.
    pub vendor: Vendor,
    /// Scheme, host, port and optional path prefix; no credentials.
    pub base_url: Url,
    /// Kore.ai account id (empty for VoiceGenie).
    pub account_id: String,
    /// Kore.ai application id, the `iid` header and `{iid}` path value (empty for VoiceGenie).
    pub app_id: String,
    /// Kore.ai bot/stream id, the `{streamId}` path value (defaults to the app id).
    pub stream_id: String,
    /// How requests authenticate.
    pub credential: Credential,
    /// The campaigns the user named: the only ones a run against a real host may touch.
    pub campaigns: Campaigns,
    templates: HashMap<OperationId, Template>,
}

/// Campaign ids named for a target: the only ones a run against a real host may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Campaigns {
    /// The voice campaigns (`KORE_VOICE_CAMPAIGN_ID`, `VOICEGENIE_CAMPAIGN_ID`; a
    /// comma-separated list), in the order named. The contract suite walks the first.
    pub voice: Vec<CampaignId>,
    /// The SMS campaigns (`KORE_SMS_CAMPAIGN_ID`).
    pub sms: Vec<CampaignId>,
}

impl Campaigns {
    /// The campaigns named for `channel`.
    pub fn for_channel(&self, channel: Channel) -> &[CampaignId] {
        match channel {
            Channel::Voice => &self.voice,
            Channel::Sms => &self.sms,
        }
    }

    /// One voice campaign and one SMS campaign (either may be absent).
    pub fn one_each(voice: Option<CampaignId>, sms: Option<CampaignId>) -> Campaigns {
        Campaigns {
            voice: voice.into_iter().collect(),
            sms: sms.into_iter().collect(),
        }
    }
}

/// Why a target could not be configured. Each variant names the variable (or flag, or file)
/// the user must fix; none shows a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{base} is set, so {missing} must be set too")]
    Missing {
        /// The base URL variable that switched the vendor on.
        base: String,
        /// What is missing (one variable, or alternatives).
        missing: String,
    },
    /// A base URL that does not parse.
    #[error("{var}: not a URL ({source})")]
    NotAUrl {
        /// The variable or flag.
        var: String,
        /// What the URL parser said.
        source: url::ParseError,
    },
    /// A base URL whose scheme is not `http` or `https`.
    #[error("{var}: scheme {scheme:?} is not http or https")]
    BadScheme {
        /// The variable or flag.
        var: String,
        /// The scheme given.
        scheme: String,
    },
    /// A base URL carrying a user name or password (never shown).
    #[error("{var}: must not carry a user name or password; use the credential variables")]
    UrlWithCredentials {
        /// The variable or flag.
        var: String,
    },
    /// A base URL carrying a query or fragment.
    #[error("{var}: must not carry a query or fragment")]
    UrlWithQuery {
        /// The variable or flag.
        var: String,
    },
    /// A base URL variable set to nothing: a run meant for a host must not quietly go to the
    /// simulator.
    #[error("{var}: is set but empty; unset it to use the simulator")]
    EmptyBaseUrl {
        /// The variable.
        var: String,
    },
    /// A value that goes into a header holds a control character (the value is not shown).
    #[error("{var}: holds a control character")]
    ControlCharacter {
        /// The variable.
        var: String,
    },
    /// `KORE_JWT_TTL_SECS` that is not a whole number of seconds from 1 to 86400.
    #[error("{var}: {value:?} is not a whole number of seconds from 1 to 86400")]
    BadTtl {
        /// The variable.
        var: String,
        /// The value given (a lifetime, not a secret).
        value: String,
    },
    /// A campaign id that would be refused at send time.
    #[error("{var}: {source}")]
    BadCampaignId {
        /// The variable.
        var: String,
        /// Why.
        source: CampaignIdError,
    },
    /// A target profile that cannot be read or parsed.
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

impl Target {
    /// A target with the documented templates.
    pub fn new(vendor: Vendor, base_url: Url, credential: Credential) -> Self {
        Target {
            vendor,
            base_url,
            account_id: String::new(),
            app_id: String::new(),
            stream_id: String::new(),
            credential,
            campaigns: Campaigns::default(),
            templates: HashMap::new(),
        }
    }

    /// Sets the Kore.ai ids; the stream id defaults to the app id when `None`.
    pub fn with_kore_ids(
        mut self,
        account_id: &str,
        app_id: &str,
        stream_id: Option<&str>,
    ) -> Self {
        self.account_id = account_id.into();
        self.app_id = app_id.into();
        self.stream_id = stream_id.unwrap_or(app_id).into();
        self
    }

    /// Sets the named campaigns.
    pub fn with_campaigns(mut self, campaigns: Campaigns) -> Self {
        self.campaigns = campaigns;
        self
    }

    /// Overrides one operation's template.
    pub fn set_template(&mut self, op: OperationId, template: Template) {
        self.templates.insert(op, template);
    }

    /// Applies a profile's template overrides. Operations of other vendors are refused.
    pub fn apply_profile(&mut self, profile: &TargetProfile) -> Result<(), ConfigError> {
        for (op, template) in profile.templates() {
            if op.spec().vendor != self.vendor {
                return Err(profile
                    .error(ProfileProblem::OtherVendor {
                        operation: op.to_string(),
                        vendor: self.vendor,
                    })
                    .into());
            }
            self.templates.insert(*op, template.clone());
        }
        Ok(())
    }

    /// The template in force for `op`: the override if any, else the documented default.
    pub fn template(&self, op: OperationId) -> &Template {
        self.templates.get(&op).unwrap_or(&op.spec().template)
    }

    /// True when the host is this machine, where no real campaign can be touched.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base_url)
    }

    /// `host:port` for messages (never a path, query or credential).
    pub fn host_label(&self) -> String {
        host_label(&self.base_url)
    }
}

/// Values a template is filled with, for one call.
pub(crate) struct CallValues<'a> {
    pub target: &'a Target,
    pub campaign: &'a CampaignId,
}

impl ParamSource for CallValues<'_> {
    fn param(&self, param: Param) -> &str {
        match param {
            Param::Iid => &self.target.app_id,
            Param::StreamId => &self.target.stream_id,
            Param::AccountId => &self.target.account_id,
            Param::CampaignId => self.campaign.as_str(),
        }
    }
}
