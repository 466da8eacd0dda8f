//! Where requests go and as whom: base URL, ids, credentials, campaigns and template overrides.

use crate::campaign_id::{CampaignId, CampaignIdError};
use crate::credential::Credential;
use crate::jwt::{JwtOptions, JwtSigner};
use crate::operation::OperationId;
use crate::template::{Param, ParamSource, Template, TemplateError};
use crate::vendor::{Channel, Vendor};
use reqwest::Url;
use secrecy::SecretString;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// Why a target could not be configured. Names variables and files; never shows a secret.
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
    /// A base URL that does not parse or carries credentials.
    #[error("{var}: {reason}")]
    BadUrl {
        /// The variable.
        var: String,
        /// What is wrong.
        reason: String,
    },
    /// A variable that is set but unusable (empty where it switches a vendor on, a control
    /// character in a header value, a number that is not one).
    #[error("{var}: {reason}")]
    BadValue {
        /// The variable.
        var: String,
        /// What is wrong (never the value of a secret).
        reason: String,
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
    #[error("target profile {path}: {reason}")]
    Profile {
        /// The profile file.
        path: PathBuf,
        /// What is wrong, with line and key where known.
        reason: String,
    },
}

/// Parses and checks a base URL.
pub fn parse_base_url(var: &str, raw: &str) -> Result<Url, ConfigError> {
    let bad = |reason: String| ConfigError::BadUrl {
        var: var.into(),
        reason,
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!(
            "scheme {:?} is not http or https",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry a user name or password; use the credential variables".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not carry a query or fragment".into()));
    }
    Ok(url)
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

    /// Reads the vendor's variables from the process environment. `Ok(None)` when its base URL
    /// is unset: the caller then uses the simulator.
    pub fn from_env(vendor: Vendor) -> Result<Option<Target>, ConfigError> {
        Target::from_lookup(vendor, |k| std::env::var(k).ok())
    }

    /// As [`Target::from_env`], reading variables through `lookup` (tests pass a map). Every
    /// value is checked here, where it enters, before any request is built; an error names the
    /// variable.
    ///
    /// ```
    /// use campaign_api::{Target, Vendor};
    /// use std::collections::HashMap;
    ///
    /// let vars = HashMap::from([
    ///     ("VOICEGENIE_BASE_URL", "https://vg.example"),
    ///     ("VOICEGENIE_API_KEY", "k-0123456789"),
    ///     ("VOICEGENIE_CAMPAIGN_ID", "cmp-1"),
    /// ]);
    /// let lookup = |k: &str| vars.get(k).map(|v| v.to_string());
    /// let target = Target::from_lookup(Vendor::VoiceGenie, lookup).unwrap().unwrap();
    /// assert_eq!(target.host_label(), "vg.example:443");
    /// assert_eq!(target.campaigns.voice[0].as_str(), "cmp-1");
    ///
    /// // No base URL: not configured, the caller uses the simulator.
    /// assert!(Target::from_lookup(Vendor::Kore, |_| None).unwrap().is_none());
    ///
    /// // Configured but incomplete: the error names what is missing.
    /// let err = Target::from_lookup(Vendor::Kore, |k| {
    ///     (k == "KORE_BASE_URL").then(|| "https://kore.example".to_string())
    /// })
    /// .unwrap_err();
    /// assert!(err.to_string().contains("KORE_ACCOUNT_ID"));
    /// ```
    pub fn from_lookup(
        vendor: Vendor,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Target>, ConfigError> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let base_var = format!("{}_BASE_URL", vendor.env_prefix());
        let Some(base) = get(&base_var) else {
            // Set but empty is a mistake, not "use the simulator": a run meant for a host
            // must not quietly go elsewhere.
            if lookup(&base_var).is_some() {
                return Err(ConfigError::BadValue {
                    var: base_var,
                    reason: "is set but empty; unset it to use the simulator".into(),
                });
            }
            return Ok(None);
        };
        let base_url = parse_base_url(&base_var, &base)?;
        let missing = |what: &str| ConfigError::Missing {
            base: base_var.clone(),
            missing: what.into(),
        };
        // A comma-separated list of ids, each checked.
        let campaign = |var: &str| -> Result<Vec<CampaignId>, ConfigError> {
            let Some(v) = get(var) else {
                return Ok(Vec::new());
            };
            let mut out: Vec<CampaignId> = Vec::new();
            for id in v.split(',').map(str::trim) {
                let id = CampaignId::new(id).map_err(|source| ConfigError::BadCampaignId {
                    var: var.into(),
                    source,
                })?;
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            Ok(out)
        };
        // Values that go into headers: no control character (a header cannot carry one, and a
        // request that cannot be built must fail here, naming the variable).
        let header_value = |var: &str| -> Result<Option<String>, ConfigError> {
            match get(var) {
                Some(v) if v.trim().chars().any(char::is_control) => Err(ConfigError::BadValue {
                    var: var.into(),
                    reason: "holds a control character".into(),
                }),
                other => Ok(other.map(|v| v.trim().to_string())),
            }
        };
        let mut target = match vendor {
            Vendor::Kore => {
                let account =
                    header_value("KORE_ACCOUNT_ID")?.ok_or_else(|| missing("KORE_ACCOUNT_ID"))?;
                let app = header_value("KORE_APP_ID")?.ok_or_else(|| missing("KORE_APP_ID"))?;
                let stream = header_value("KORE_STREAM_ID")?;
                for var in ["KORE_JWT", "KORE_CLIENT_ID", "KORE_CLIENT_SECRET"] {
                    header_value(var)?;
                }
                let credential = match (
                    get("KORE_JWT"),
                    get("KORE_CLIENT_ID"),
                    get("KORE_CLIENT_SECRET"),
                ) {
                    (Some(jwt), _, _) => {
                        Credential::KoreJwt(SecretString::from(jwt.trim().to_string()))
                    }
                    (None, Some(id), Some(secret)) => {
                        let ttl = match get("KORE_JWT_TTL_SECS") {
                            None => None,
                            Some(v) => match v.trim().parse::<u64>() {
                                Ok(n) if (1..=86_400).contains(&n) => Some(n),
                                _ => {
                                    return Err(ConfigError::BadValue {
                                        var: "KORE_JWT_TTL_SECS".into(),
                                        reason: format!(
                                            "{:?} is not a whole number of seconds from 1 to 86400",
                                            v.trim()
                                        ),
                                    });
                                }
                            },
                        };
                        Credential::KoreClient(JwtSigner::new(
                            id.trim(),
                            SecretString::from(secret),
                            JwtOptions {
                                subject: String::new(),
                                issued_at: ttl.is_some(),
                                ttl: ttl.map(Duration::from_secs),
                            },
                        ))
                    }
                    (None, Some(_), None) => return Err(missing("KORE_CLIENT_SECRET")),
                    (None, None, Some(_)) => return Err(missing("KORE_CLIENT_ID")),
                    (None, None, None) => {
                        return Err(missing("KORE_JWT (or KORE_CLIENT_ID + KORE_CLIENT_SECRET)"));
                    }
                };
                Target::new(vendor, base_url, credential)
                    .with_kore_ids(&account, &app, stream.as_deref())
                    .with_campaigns(Campaigns {
                        voice: campaign("KORE_VOICE_CAMPAIGN_ID")?,
                        sms: campaign("KORE_SMS_CAMPAIGN_ID")?,
                    })
            }
            Vendor::VoiceGenie => {
                let credential = match (get("VOICEGENIE_API_KEY"), get("VOICEGENIE_SESSION_TOKEN"))
                {
                    (Some(key), _) => {
                        Credential::ApiKey(SecretString::from(key.trim().to_string()))
                    }
                    (None, Some(token)) => {
                        Credential::SessionToken(SecretString::from(token.trim().to_string()))
                    }
                    (None, None) => {
                        return Err(missing("VOICEGENIE_API_KEY (or VOICEGENIE_SESSION_TOKEN)"));
                    }
                };
                for var in ["VOICEGENIE_API_KEY", "VOICEGENIE_SESSION_TOKEN"] {
                    header_value(var)?;
                }
                Target::new(vendor, base_url, credential).with_campaigns(Campaigns {
                    voice: campaign("VOICEGENIE_CAMPAIGN_ID")?,
                    sms: Vec::new(),
                })
            }
        };
        let profile_var = format!("{}_PROFILE", vendor.env_prefix());
        if let Some(path) = get(&profile_var) {
            target.apply_profile(&TargetProfile::load(Path::new(path.trim()))?)?;
        }
        Ok(Some(target))
    }

    /// Overrides one operation's template.
    pub fn set_template(&mut self, op: OperationId, template: Template) {
        self.templates.insert(op, template);
    }

    /// Applies a profile's template overrides. Operations of other vendors are refused.
    pub fn apply_profile(&mut self, profile: &TargetProfile) -> Result<(), ConfigError> {
        for (op, template) in &profile.templates {
            if op.spec().vendor != self.vendor {
                return Err(ConfigError::Profile {
                    path: profile.path.clone(),
                    reason: format!("[templates] \"{}\" is not a {} operation", op, self.vendor),
                });
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

/// True when `url` names this machine (a loopback address or `localhost`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// `host:port` of a URL, for messages.
pub fn host_label(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "<no host>".into(),
    }
}

/// `host:port` as a file-name part: ASCII letters and digits, `.` and `-` kept (lower-cased),
/// anything else a `-` (`sandbox.example:443` → `sandbox.example-443`). Journals and host
/// records are named with it.
pub fn host_slug(host: &str) -> String {
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
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

/// Template overrides read from a TOML file:
///
/// ```toml
/// [templates]
/// "kore voice-start-v1" = "/campaign/api/v1/public/{streamId}/campaign/{campaignId}?accountId={accountId}&campaignType=voice&trigger=play"
/// ```
#[derive(Debug, Clone, Default)]
pub struct TargetProfile {
    path: PathBuf,
    templates: Vec<(OperationId, Template)>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    /// Spanned, so a bad key or template is reported with its line.
    #[serde(default)]
    templates: std::collections::BTreeMap<String, toml::Spanned<toml::Value>>,
}

impl TargetProfile {
    /// Reads a profile file.
    pub fn load(path: &Path) -> Result<TargetProfile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Profile {
            path: path.into(),
            reason: e.to_string(),
        })?;
        TargetProfile::parse(path, &text)
    }

    /// Parses profile text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<TargetProfile, ConfigError> {
        let err = |reason: String| ConfigError::Profile {
            path: path.into(),
            reason,
        };
        let file: ProfileFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut templates = Vec::new();
        for (key, value) in file.templates {
            // The value's line: its key sits on the same line in any profile a person writes.
            let line = text
                .get(..value.span().start)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            let at = |what: String| err(format!("line {line}: [templates] \"{key}\" {what}"));
            let op = OperationId::find(&key)
                .ok_or_else(|| at("is not an operation (e.g. \"kore voice-start-v1\")".into()))?;
            let raw = value
                .get_ref()
                .as_str()
                .ok_or_else(|| at("must be a string".into()))?;
            let template =
                Template::parse(raw).map_err(|e: TemplateError| at(format!("is refused: {e}")))?;
            templates.push((op, template));
        }
        Ok(TargetProfile {
            path: path.into(),
            templates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn unset_base_url_means_not_configured() {
        assert!(
            Target::from_lookup(Vendor::Kore, env(&[]))
                .unwrap()
                .is_none()
        );
        assert!(
            Target::from_lookup(Vendor::VoiceGenie, env(&[("VOICEGENIE_API_KEY", "k")]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn base_url_without_credential_names_the_missing_variable() {
        let e = Target::from_lookup(
            Vendor::Kore,
            env(&[
                ("KORE_BASE_URL", "https://sandbox.example"),
                ("KORE_ACCOUNT_ID", "a"),
                ("KORE_APP_ID", "st-1"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("KORE_JWT"), "{e}");
        let e = Target::from_lookup(
            Vendor::Kore,
            env(&[
                ("KORE_BASE_URL", "https://sandbox.example"),
                ("KORE_ACCOUNT_ID", "a"),
                ("KORE_APP_ID", "st-1"),
                ("KORE_CLIENT_ID", "cs-1"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("KORE_CLIENT_SECRET"), "{e}");
        let e = Target::from_lookup(
            Vendor::Kore,
            env(&[("KORE_BASE_URL", "https://sandbox.example")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("KORE_ACCOUNT_ID"), "{e}");
        let e = Target::from_lookup(
            Vendor::VoiceGenie,
            env(&[("VOICEGENIE_BASE_URL", "https://vg.example")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("VOICEGENIE_API_KEY"), "{e}");
    }

    #[test]
    fn reads_every_kore_variable_and_defaults_the_stream_id() {
        let t = Target::from_lookup(
            Vendor::Kore,
            env(&[
                ("KORE_BASE_URL", "https://sandbox.example/prefix"),
                ("KORE_ACCOUNT_ID", "acc"),
                ("KORE_APP_ID", "st-app"),
                ("KORE_JWT", "eyJ.secret.jwt"),
                ("KORE_VOICE_CAMPAIGN_ID", "cmp-v, cmp-v2,cmp-v"),
                ("KORE_SMS_CAMPAIGN_ID", "cmp-s"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.stream_id, "st-app");
        let ids = |v: &[CampaignId]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(&t.campaigns.voice), ["cmp-v", "cmp-v2"]);
        assert_eq!(ids(&t.campaigns.sms), ["cmp-s"]);
        assert!(!t.is_loopback());
        assert!(!format!("{t:?}").contains("eyJ.secret.jwt"));
    }

    #[test]
    fn refuses_values_that_would_fail_only_at_request_time() {
        let base = [
            ("KORE_BASE_URL", "https://kore.example"),
            ("KORE_ACCOUNT_ID", "acc"),
            ("KORE_APP_ID", "st-app"),
            ("KORE_CLIENT_ID", "cid"),
            ("KORE_CLIENT_SECRET", "secret-value-1"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars: HashMap<&str, &str> = HashMap::from(base);
            vars.extend(extra.iter().copied());
            Target::from_lookup(Vendor::Kore, |k| vars.get(k).map(|v| v.to_string()))
        };
        for (extra, var) in [
            (("KORE_APP_ID", "st\u{1}app"), "KORE_APP_ID"),
            (("KORE_JWT_TTL_SECS", "soon"), "KORE_JWT_TTL_SECS"),
            (("KORE_JWT_TTL_SECS", "0"), "KORE_JWT_TTL_SECS"),
            (("KORE_VOICE_CAMPAIGN_ID", "a,.."), "KORE_VOICE_CAMPAIGN_ID"),
            (("KORE_BASE_URL", " "), "KORE_BASE_URL"),
        ] {
            let e = with(&[extra]).unwrap_err();
            assert!(e.to_string().starts_with(var), "{extra:?}: {e}");
            assert!(!e.to_string().contains("secret-value-1"));
        }
        assert!(with(&[("KORE_JWT_TTL_SECS", "600")]).unwrap().is_some());
    }

    #[test]
    fn refuses_urls_with_credentials_and_bad_campaign_ids() {
        let e = Target::from_lookup(
            Vendor::VoiceGenie,
            env(&[
                ("VOICEGENIE_BASE_URL", "https://user:pw@vg.example"),
                ("VOICEGENIE_API_KEY", "k"),
            ]),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::BadUrl { .. }));
        assert!(!e.to_string().contains("pw"));
        let e = Target::from_lookup(
            Vendor::VoiceGenie,
            env(&[
                ("VOICEGENIE_BASE_URL", "http://127.0.0.1:9"),
                ("VOICEGENIE_API_KEY", "k"),
                ("VOICEGENIE_CAMPAIGN_ID", "a/b"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("VOICEGENIE_CAMPAIGN_ID"), "{e}");
    }

    #[test]
    fn profile_overrides_a_template_and_names_bad_keys() {
        let p = TargetProfile::parse(
            Path::new("p.toml"),
            "[templates]\n\"kore voice-start-v1\" = \"/old/{streamId}/campaign/{campaignId}?accountId={accountId}&campaignType=voice&trigger=play\"\n",
        )
        .unwrap();
        let mut t = Target::new(
            Vendor::Kore,
            parse_base_url("X", "http://127.0.0.1:1").unwrap(),
            Credential::ApiKey(SecretString::from("k")),
        );
        t.apply_profile(&p).unwrap();
        assert!(
            t.template(OperationId::KoreVoiceStartV1)
                .as_str()
                .starts_with("/old/")
        );
        assert!(
            t.template(OperationId::KoreVoiceStopV1)
                .as_str()
                .starts_with("/campaign/api/v1")
        );

        let e = TargetProfile::parse(
            Path::new("p.toml"),
            "[templates]\n\"kore nope\" = \"/x/{campaignId}\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("p.toml")
                && e.to_string().contains("kore nope")
                && e.to_string().contains("line 2"),
            "{e}"
        );
        let e = TargetProfile::parse(
            Path::new("p.toml"),
            "[templates]\n\"kore status-v1\" = \"/x/{camp}\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("kore status-v1") && e.to_string().contains("line 2"),
            "{e}"
        );
        let e = TargetProfile::parse(Path::new("p.toml"), "templates = 3\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
