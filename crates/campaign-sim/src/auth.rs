//! Credential checks, as each vendor documents them.

use crate::config::AuthConfig;
use campaign_api::headers::{ACCOUNT_ID, AUTH, IID, X_API_KEY};
use campaign_api::{Vendor, verify_jwt};
use http::HeaderMap;
use secrecy::ExposeSecret;

/// Why a request was refused: each names the header at fault, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// A header the vendor requires is absent or empty.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The Kore.ai JWT in `auth` does not verify with the configured client.
    #[error("auth header: {reason}")]
    Jwt {
        /// What the verifier said (it never quotes the token).
        reason: String,
    },
    /// The VoiceGenie key or session token is not one of the configured ones.
    #[error("API key or session token not recognised")]
    UnknownKey,
}

fn header<'a>(headers: &'a HeaderMap, name: &http::HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The VoiceGenie session token from `Cookie: token=…`, if any.
fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix("token="))
        .find(|t| !t.is_empty())
}

/// True when the request carries a credential at all (right or wrong): Kore.ai's `auth`
/// header, VoiceGenie's `x-api-key` or session cookie.
pub(crate) fn has_credential(vendor: Vendor, headers: &HeaderMap) -> bool {
    match vendor {
        Vendor::Kore => header(headers, &AUTH).is_some(),
        Vendor::VoiceGenie => {
            header(headers, &X_API_KEY).is_some() || cookie_token(headers).is_some()
        }
    }
}

/// Checks a request's credentials for `vendor`.
pub(crate) fn check(
    vendor: Vendor,
    headers: &HeaderMap,
    config: &AuthConfig,
) -> Result<(), Refusal> {
    match vendor {
        Vendor::Kore => {
            let token = header(headers, &AUTH).ok_or(Refusal::Missing("auth header (JWT)"))?;
            header(headers, &IID).ok_or(Refusal::Missing("iid header"))?;
            header(headers, &ACCOUNT_ID).ok_or(Refusal::Missing("accountId header"))?;
            if let Some((client_id, secret)) = &config.kore_client {
                verify_jwt(token, secret.expose_secret(), Some(client_id)).map_err(|e| {
                    Refusal::Jwt {
                        reason: e.to_string(),
                    }
                })?;
            }
            Ok(())
        }
        Vendor::VoiceGenie => {
            let presented = header(headers, &X_API_KEY)
                .or_else(|| cookie_token(headers))
                .ok_or(Refusal::Missing("x-api-key header or token cookie"))?;
            if config.voicegenie_keys.is_empty()
                || config
                    .voicegenie_keys
                    .iter()
                    .any(|k| k.expose_secret() == presented)
            {
                Ok(())
            } else {
                Err(Refusal::UnknownKey)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    const CLIENT_SECRET: &str = "kore-client-secret-9d81f2";

    fn headers(token: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("auth", http::HeaderValue::from_static(token));
        h.insert("iid", http::HeaderValue::from_static("st"));
        h.insert("accountId", http::HeaderValue::from_static("acc"));
        h
    }

    /// Moved here from the integration test of secrets when `auth` became private: the refusal
    /// of a token signed with nothing shows neither the secret nor the token.
    #[test]
    fn a_refusal_names_the_header_and_shows_no_secret() {
        // Arrange
        let config = AuthConfig {
            kore_client: Some(("cs-secrets".into(), SecretString::from(CLIENT_SECRET))),
            voicegenie_keys: Vec::new(),
        };

        // Act
        let refusal = check(Vendor::Kore, &headers("a.b.c"), &config).expect_err("refused");
        let shown = format!("{refusal:?} {refusal}");

        // Assert
        assert!(matches!(refusal, Refusal::Jwt { .. }), "{shown}");
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
        assert!(!shown.contains("a.b.c"), "{shown}");
    }

    #[test]
    fn a_missing_header_is_named() {
        let mut h = headers("a.b.c");
        h.remove("iid");
        let refusal = check(Vendor::Kore, &h, &AuthConfig::default()).expect_err("refused");
        assert_eq!(refusal, Refusal::Missing("iid header"));
        assert_eq!(refusal.to_string(), "missing iid header");
    }
}
