//! The Kore.ai JWT recipe, both directions.
//!
//! Kore.ai documents HS256 signed with the app's client secret and a payload of
//! `{"sub": "<any>", "appId": "<client id>"}`; `iat`/`exp` are not required. The client signs
//! with [`JwtSigner`]; the simulator checks with [`verify_jwt`](crate::verify_jwt). One module, so the two cannot
//! disagree on the claim spelling.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The claims Kore.ai reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Any subject; Kore.ai ignores it.
    pub sub: String,
    /// The app's client id (spelled exactly `appId`).
    #[serde(rename = "appId")]
    pub app_id: String,
    /// Issued-at, seconds since the epoch, only when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Expiry, seconds since the epoch, only when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
}

/// Why signing or verifying failed. Never holds the token or the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// The token is not a JWT, or its signature does not verify with the secret.
    #[error("JWT is malformed or its signature does not match the client secret")]
    BadSignature,
    /// `exp` lies in the past.
    #[error("JWT has expired")]
    Expired,
    /// `appId` names another app.
    #[error("JWT appId does not match the configured client id")]
    WrongApp,
    /// The signing library refused (should not happen with HS256).
    #[error("JWT signing failed: {0}")]
    Sign(String),
}

/// Which optional claims to add when signing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JwtOptions {
    /// `sub` claim; Kore.ai accepts any value.
    pub subject: String,
    /// Add `iat`.
    pub issued_at: bool,
    /// Add `exp` this far in the future; the cached token is renewed before it runs out.
    pub ttl: Option<Duration>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

struct Cached {
    token: SecretString,
    renew_at: Option<u64>,
}

/// Signs Kore.ai JWTs from a client id and secret, reusing the token until it nears expiry.
///
/// ```
/// use campaign_api::{JwtOptions, JwtSigner, verify_jwt};
/// use secrecy::{ExposeSecret, SecretString};
/// let signer = JwtSigner::new("cs-app", SecretString::from("s3cret"), JwtOptions::default());
/// let token = signer.token().unwrap();
/// let claims = verify_jwt(token.expose_secret(), "s3cret", Some("cs-app")).unwrap();
/// assert_eq!(claims.app_id, "cs-app");
/// ```
pub struct JwtSigner {
    client_id: String,
    secret: SecretString,
    key: EncodingKey,
    options: JwtOptions,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigner")
            .field("client_id", &self.client_id)
            .field("secret", &"[REDACTED]")
            .field("options", &self.options)
            .finish()
    }
}

impl Clone for JwtSigner {
    fn clone(&self) -> Self {
        JwtSigner::new(
            self.client_id.clone(),
            self.secret.clone(),
            self.options.clone(),
        )
    }
}

impl JwtSigner {
    /// A signer for `client_id`, keyed with `secret`.
    pub fn new(client_id: impl Into<String>, secret: SecretString, options: JwtOptions) -> Self {
        let key = EncodingKey::from_secret(secret.expose_secret().as_bytes());
        JwtSigner {
            client_id: client_id.into(),
            secret,
            key,
            options,
            cache: Mutex::new(None),
        }
    }

    /// The client secret (for leak scanners; never log it).
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The client id the tokens carry as `appId`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Signs a new token now, bypassing the cache.
    pub fn sign(&self) -> Result<SecretString, JwtError> {
        self.sign_at(now_secs()).map(|c| c.token)
    }

    fn sign_at(&self, now: u64) -> Result<Cached, JwtError> {
        let exp = self.options.ttl.map(|ttl| now + ttl.as_secs().max(1));
        let claims = Claims {
            sub: if self.options.subject.is_empty() {
                "campaign-harness".into()
            } else {
                self.options.subject.clone()
            },
            app_id: self.client_id.clone(),
            iat: self.options.issued_at.then_some(now),
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map_err(|e| JwtError::Sign(e.to_string()))?;
        // Renew when four fifths of the lifetime has passed, so no request carries a token
        // that expires in flight.
        let renew_at = self
            .options
            .ttl
            .map(|ttl| now + (ttl.as_secs().max(1) * 4 / 5));
        Ok(Cached {
            token: SecretString::from(token),
            renew_at,
        })
    }

    /// The current token: the cached one while it is fresh, else a newly signed one.
    pub fn token(&self) -> Result<SecretString, JwtError> {
        let now = now_secs();
        let mut cache = crate::sync::lock(&self.cache);
        if let Some(c) = cache.as_ref()
            && c.renew_at.is_none_or(|at| now < at)
        {
            return Ok(c.token.clone());
        }
        let fresh = self.sign_at(now)?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }
}

/// Checks a token as Kore.ai would: HS256 signature with `secret`, `exp` when present (no
/// leeway), and `appId` when `expected_app_id` is given.
pub fn verify(
    token: &str,
    secret: &str,
    expected_app_id: Option<&str>,
) -> Result<Claims, JwtError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = true;
    validation.leeway = 0;
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => JwtError::Expired,
        _ => JwtError::BadSignature,
    })?;
    if let Some(app) = expected_app_id
        && data.claims.app_id != app
    {
        return Err(JwtError::WrongApp);
    }
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(ttl: Option<Duration>) -> JwtSigner {
        JwtSigner::new(
            "cs-5250bdc9-6bfe-5ece-92c9-ab54aa2d4285",
            SecretString::from("client-secret-value"),
            JwtOptions {
                subject: "qa".into(),
                issued_at: ttl.is_some(),
                ttl,
            },
        )
    }

    #[test]
    fn round_trip_carries_the_documented_claims_only() {
        let s = signer(None);
        let token = s.sign().unwrap();
        let claims = verify(
            token.expose_secret(),
            "client-secret-value",
            Some("cs-5250bdc9-6bfe-5ece-92c9-ab54aa2d4285"),
        )
        .unwrap();
        assert_eq!(claims.sub, "qa");
        assert_eq!(claims.iat, None);
        assert_eq!(claims.exp, None);
        // The payload, decoded on its own (no signature check), spells the claim `appId` and
        // carries nothing but the documented claims.
        let payload: serde_json::Value =
            jsonwebtoken::dangerous::insecure_decode_claims(token.expose_secret()).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"sub": "qa", "appId": "cs-5250bdc9-6bfe-5ece-92c9-ab54aa2d4285"}),
            "{payload}"
        );
        assert_eq!(
            jsonwebtoken::decode_header(token.expose_secret())
                .unwrap()
                .alg,
            Algorithm::HS256
        );
        assert_eq!(
            verify(token.expose_secret(), "other", None),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            verify(
                token.expose_secret(),
                "client-secret-value",
                Some("cs-other")
            ),
            Err(JwtError::WrongApp)
        );
        assert_eq!(
            verify("not.a.jwt", "client-secret-value", None),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn expiry_is_added_when_asked_and_enforced() {
        let s = signer(Some(Duration::from_secs(60)));
        let claims = verify(
            s.token().unwrap().expose_secret(),
            "client-secret-value",
            None,
        )
        .unwrap();
        let now = now_secs();
        assert!(claims.exp.is_some_and(|e| e >= now + 59 && e <= now + 61));
        assert!(claims.iat.is_some());

        let stale = s.sign_at(now - 3600).unwrap();
        assert_eq!(
            verify(stale.token.expose_secret(), "client-secret-value", None),
            Err(JwtError::Expired)
        );
    }

    #[test]
    fn cached_token_is_reused_until_renewal_is_due() {
        let s = signer(Some(Duration::from_secs(600)));
        let a = s.token().unwrap();
        let b = s.token().unwrap();
        assert_eq!(a.expose_secret(), b.expose_secret());
        // Force the cache past its renewal point.
        if let Ok(mut c) = s.cache.lock() {
            c.as_mut().unwrap().renew_at = Some(0);
        }
        let c = s.token().unwrap();
        let claims = verify(c.expose_secret(), "client-secret-value", None).unwrap();
        assert!(claims.exp.is_some());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let s = signer(None);
        let shown = format!("{s:?}");
        assert!(!shown.contains("client-secret-value"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }
}
