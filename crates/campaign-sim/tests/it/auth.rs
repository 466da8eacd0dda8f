//! Credentials as the vendors document them, checked over real HTTP.

use crate::support::*;
use campaign_api::body::{KoreError, VgError, kore_codes, vg_codes};
use campaign_api::{Credential, OperationId::*};
use campaign_api::{JwtClaims, JwtOptions, JwtSigner};
use campaign_sim::{AuthConfig, SimConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CLIENT_ID: &str = "cs-5250bdc9-6bfe-5ece-92c9-ab54aa2d4285";
const SECRET: &str = "sim-client-secret";

fn strict() -> SimConfig {
    SimConfig {
        auth: AuthConfig {
            kore_client: Some((CLIENT_ID.into(), SecretString::from(SECRET))),
            voicegenie_keys: vec![SecretString::from("good-key")],
        },
        ..SimConfig::default()
    }
}

fn signer(client_id: &str, secret: &str, ttl: Option<Duration>) -> Credential {
    Credential::KoreClient(JwtSigner::new(
        client_id,
        SecretString::from(secret.to_string()),
        JwtOptions {
            subject: "qa".into(),
            issued_at: false,
            ttl,
        },
    ))
}

/// The campaign never started through a refused call: `demo-voice` still reads as it did.
async fn assert_not_started(sim: &campaign_sim::RunningSim, reads: &str) {
    let good = kore(sim, signer(CLIENT_ID, SECRET, None));
    assert_eq!(
        call(&good, KoreStatusV1, "demo-voice")
            .await
            .json::<serde_json::Value>()
            .expect("json")["data"]["status"],
        reads
    );
}

/// A token with the documented claims, `exp` at `exp` (Unix seconds), signed with the secret.
fn signed_expiring(sim: &campaign_sim::RunningSim, exp: u64) -> campaign_api::Target {
    let claims = JwtClaims {
        sub: "qa".into(),
        app_id: CLIENT_ID.into(),
        iat: None,
        exp: Some(exp),
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("signs");
    kore(sim, Credential::KoreJwt(SecretString::from(token)))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

#[tokio::test]
async fn kore_takes_a_token_signed_with_the_configured_secret() {
    let sim = sim(strict()).await;
    let good = kore(&sim, signer(CLIENT_ID, SECRET, None));
    assert_eq!(
        call(&good, KoreVoiceStartV1, "demo-voice").await.status,
        200
    );
    let with_exp = kore(
        &sim,
        signer(CLIENT_ID, SECRET, Some(Duration::from_secs(300))),
    );
    assert_eq!(
        call(&with_exp, KoreVoiceStopV1, "demo-voice").await.status,
        200
    );
    assert_not_started(&sim, "Stopped").await;
}

#[tokio::test]
async fn kore_refuses_a_wrong_secret_a_wrong_app_and_a_non_jwt() {
    let sim = sim(strict()).await;
    for (what, credential) in [
        ("wrong secret", signer(CLIENT_ID, "not-the-secret", None)),
        ("wrong appId", signer("cs-other-app", SECRET, None)),
        (
            "not a JWT",
            Credential::KoreJwt(SecretString::from("not-a-jwt")),
        ),
    ] {
        let x = call(&kore(&sim, credential), KoreVoiceStartV1, "demo-voice").await;
        assert_eq!(x.status, 401, "{what}");
        assert_eq!(
            x.json::<KoreError>().expect("typed").code,
            kore_codes::INVALID_CREDENTIALS,
            "{what}"
        );
    }
    assert_not_started(&sim, "Ready").await;
}

/// An expired token: the documented claims with an `exp` an hour in the past, signed with the
/// right secret, is refused.
#[tokio::test]
async fn kore_refuses_an_expired_token() {
    let sim = sim(strict()).await;
    let x = call(
        &signed_expiring(&sim, now_secs() - 3600),
        KoreVoiceStartV1,
        "demo-voice",
    )
    .await;
    assert_eq!(x.status, 401, "expired JWT");
    assert_eq!(
        x.json::<KoreError>().expect("typed").code,
        kore_codes::INVALID_CREDENTIALS,
        "expired JWT"
    );
    assert_not_started(&sim, "Ready").await;
}

/// The same claims with an `exp` an hour ahead pass, so it is the expiry that
/// [`kore_refuses_an_expired_token`] refuses, not the signature or the app.
#[tokio::test]
async fn kore_takes_the_same_claims_not_expired() {
    let sim = sim(strict()).await;
    assert_eq!(
        call(
            &signed_expiring(&sim, now_secs() + 3600),
            KoreStatusV1,
            "demo-voice"
        )
        .await
        .status,
        200,
        "the same claims, not expired"
    );
}

#[tokio::test]
async fn kore_needs_auth_iid_and_account_id_headers() {
    let sim = sim(SimConfig::default()).await;
    let t = kore_jwt(&sim);
    for header in ["auth", "iid", "accountid"] {
        let mut req = KoreVoiceStartV1.render(&t, "demo-voice").expect("render");
        req.headers.remove(header);
        let x = client().send(req).await.expect("answer");
        assert_eq!(x.status, 401, "without {header}");
        assert!(x.is_json());
        assert_eq!(
            x.json::<KoreError>().expect("typed").code,
            kore_codes::INVALID_CREDENTIALS
        );
    }
}

#[tokio::test]
async fn voicegenie_takes_an_api_key_or_the_token_cookie() {
    let sim = sim(strict()).await;
    let id = campaign_sim::DOC_SAMPLE_VOICEGENIE_ID;
    let x = call(&voicegenie(&sim, "bad-key"), VoiceGenieStart, id).await;
    assert_eq!(x.status, 401);
    let e: VgError = x.json().expect("typed");
    assert_eq!(
        (e.success, e.error.as_str(), e.message.as_str()),
        (false, vg_codes::UNAUTHORIZED, "Invalid or missing API key")
    );

    let mut cookie = voicegenie(&sim, "unused");
    cookie.credential = Credential::SessionToken(SecretString::from("good-key"));
    assert_eq!(call(&cookie, VoiceGenieStart, id).await.status, 200);
    assert_eq!(
        call(&voicegenie(&sim, "good-key"), VoiceGeniePause, id)
            .await
            .status,
        200
    );

    let mut req = VoiceGenieStart
        .render(&voicegenie(&sim, "good-key"), id)
        .expect("render");
    req.headers.remove("x-api-key");
    assert_eq!(
        client().send(req).await.expect("answer").status,
        401,
        "no credential at all"
    );
}

#[tokio::test]
async fn without_configured_keys_any_non_empty_credential_passes() {
    let sim = sim(SimConfig::default()).await;
    let id = campaign_sim::DOC_SAMPLE_VOICEGENIE_ID;
    assert_eq!(
        call(&voicegenie(&sim, "anything"), VoiceGenieStart, id)
            .await
            .status,
        200
    );
}
