//! A target from the vendor's variables (`KORE_*`, `VOICEGENIE_*`): the only place that reads
//! them, so every tool means the same by each variable, and every value is checked where it
//! enters, before any request is built.

use super::{Campaigns, ConfigError, Target, TargetProfile, parse_base_url};
use crate::campaign_id::CampaignId;
use crate::credential::Credential;
use crate::jwt::{JwtOptions, JwtSigner};
use crate::vendor::Vendor;
use secrecy::SecretString;
use std::path::Path;
use std::time::Duration;

impl Target {
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
                return Err(ConfigError::EmptyBaseUrl { var: base_var });
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
                Some(v) if v.trim().chars().any(char::is_control) => {
                    Err(ConfigError::ControlCharacter { var: var.into() })
                }
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
                                    return Err(ConfigError::BadTtl {
                                        var: "KORE_JWT_TTL_SECS".into(),
                                        value: v.trim().into(),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign_id::CampaignId;
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
        assert!(matches!(e, ConfigError::UrlWithCredentials { .. }));
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
}
