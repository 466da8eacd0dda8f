//! Credential checks, as each vendor documents them.

use crate::config::AuthConfig;
use campaign_api::headers::{ACCOUNT_ID, AUTH, IID, X_API_KEY};
use campaign_api::{Vendor, jwt};
use http::HeaderMap;
use secrecy::ExposeSecret;

/// Why a request was refused; the text names the header, never its value.
pub type Refusal = String;

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
pub fn has_credential(vendor: Vendor, headers: &HeaderMap) -> bool {
    match vendor {
        Vendor::Kore => header(headers, &AUTH).is_some(),
        Vendor::VoiceGenie => {
            header(headers, &X_API_KEY).is_some() || cookie_token(headers).is_some()
        }
    }
}

/// Checks a request's credentials for `vendor`.
pub fn check(vendor: Vendor, headers: &HeaderMap, config: &AuthConfig) -> Result<(), Refusal> {
    match vendor {
        Vendor::Kore => {
            let token = header(headers, &AUTH).ok_or("missing auth header (JWT)")?;
            header(headers, &IID).ok_or("missing iid header")?;
            header(headers, &ACCOUNT_ID).ok_or("missing accountId header")?;
            if let Some((client_id, secret)) = &config.kore_client {
                jwt::verify(token, secret.expose_secret(), Some(client_id))
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Vendor::VoiceGenie => {
            let presented = header(headers, &X_API_KEY)
                .or_else(|| cookie_token(headers))
                .ok_or("missing x-api-key header or token cookie")?;
            if config.voicegenie_keys.is_empty()
                || config
                    .voicegenie_keys
                    .iter()
                    .any(|k| k.expose_secret() == presented)
            {
                Ok(())
            } else {
                Err("API key or session token not recognised".into())
            }
        }
    }
}
