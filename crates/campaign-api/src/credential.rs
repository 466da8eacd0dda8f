//! Credentials, kept in `secrecy` types so no `Debug` or `Display` can print them.

use crate::jwt::{JwtError, JwtSigner};
use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// How a target authenticates.
#[derive(Clone)]
pub enum Credential {
    /// A ready Kore.ai JWT, sent as the `auth` header.
    KoreJwt(SecretString),
    /// A Kore.ai client id + secret, from which the documented HS256 JWT is signed.
    KoreClient(JwtSigner),
    /// A VoiceGenie API key, sent as `x-api-key`.
    ApiKey(SecretString),
    /// A VoiceGenie session token, sent as `Cookie: token=…` (the vendor's later drafts).
    SessionToken(SecretString),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::KoreJwt(_) => f.write_str("KoreJwt([REDACTED])"),
            Credential::KoreClient(s) => f
                .debug_tuple("KoreClient")
                .field(&s.client_id())
                .field(&"[REDACTED]")
                .finish(),
            Credential::ApiKey(_) => f.write_str("ApiKey([REDACTED])"),
            Credential::SessionToken(_) => f.write_str("SessionToken([REDACTED])"),
        }
    }
}

/// Why a credential could not be turned into a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// Signing the JWT failed.
    #[error(transparent)]
    Jwt(#[from] JwtError),
    /// The secret holds bytes a header cannot carry (the value itself is not shown).
    #[error("the {kind} holds characters an HTTP header cannot carry")]
    NotHeaderSafe {
        /// Which credential.
        kind: &'static str,
    },
}

fn sensitive(kind: &'static str, value: &str) -> Result<HeaderValue, CredentialError> {
    let mut v =
        HeaderValue::from_str(value).map_err(|_| CredentialError::NotHeaderSafe { kind })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Credential {
    /// The header name and (sensitive-flagged) value this credential is sent as.
    pub fn header(&self) -> Result<(http::HeaderName, HeaderValue), CredentialError> {
        use http::header::COOKIE;
        Ok(match self {
            Credential::KoreJwt(t) => (AUTH.clone(), sensitive("JWT", t.expose_secret())?),
            Credential::KoreClient(s) => {
                (AUTH.clone(), sensitive("JWT", s.token()?.expose_secret())?)
            }
            Credential::ApiKey(k) => (X_API_KEY.clone(), sensitive("API key", k.expose_secret())?),
            Credential::SessionToken(t) => (
                COOKIE,
                sensitive("session token", &format!("token={}", t.expose_secret()))?,
            ),
        })
    }

    /// Every secret value this credential holds, for scrubbers and scanners that make sure none
    /// leaked. Still secret: each is exposed only where text is compared against it.
    pub fn secret_values(&self) -> Vec<SecretString> {
        match self {
            Credential::KoreJwt(t) | Credential::ApiKey(t) | Credential::SessionToken(t) => {
                vec![t.clone()]
            }
            Credential::KoreClient(s) => {
                let mut v = vec![s.secret().clone()];
                if let Ok(t) = s.token() {
                    v.push(t);
                }
                v
            }
        }
    }
}

/// Kore.ai's `auth` header.
pub static AUTH: http::HeaderName = http::HeaderName::from_static("auth");
/// VoiceGenie's `x-api-key` header.
pub static X_API_KEY: http::HeaderName = http::HeaderName::from_static("x-api-key");
/// Kore.ai's `iid` header.
pub static IID: http::HeaderName = http::HeaderName::from_static("iid");
/// Kore.ai's `accountId` header (header names are case-insensitive; `http` sends lower case).
pub static ACCOUNT_ID: http::HeaderName = http::HeaderName::from_static("accountid");
