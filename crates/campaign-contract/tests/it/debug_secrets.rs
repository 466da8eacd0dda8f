//! `{:?}` of every configuration, checker, environment, guard and error type that can hold a
//! credential shows none: secrets stay in `secrecy` types to the edge where they are compared
//! or sent, so a `dbg!`, a panic message or a `tracing` field cannot print one.

use campaign_api::{
    CleanupGuard, Client, ClientConfig, Credential, CredentialError, JwtOptions, JwtSigner,
    OperationId, Target, Vendor,
};
use campaign_contract::Environment;
use campaign_contract::secret_values_from;
use campaign_schema::{Checker, SchemaRegistry};
use campaign_sim::{AuthConfig, SimConfig};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;

const CLIENT_SECRET: &str = "DBG-client-secret-0c4e7";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.DBG-jwt-payload.sig";
const API_KEY: &str = "DBG-voicegenie-key-51aa";
const SESSION: &str = "DBG-session-token-9d2f";

/// Every text a secret could leak as: itself, and the JWT signed from the client secret.
fn forbidden(signer: &JwtSigner) -> Vec<String> {
    let mut out: Vec<String> = [CLIENT_SECRET, JWT, API_KEY, SESSION]
        .iter()
        .map(|s| s.to_string())
        .collect();
    out.push(signer.token().expect("signs").expose_secret().to_string());
    out
}

fn assert_clean(what: &str, debug: String, forbidden: &[String]) {
    assert!(!debug.is_empty(), "{what} printed nothing");
    for s in forbidden {
        assert!(
            !debug.contains(s.as_str()),
            "{what} shows a secret: {debug}"
        );
    }
}

fn vars() -> HashMap<&'static str, String> {
    HashMap::from([
        // Ports nobody listens on: nothing here is sent.
        ("KORE_BASE_URL", "http://127.0.0.1:9".to_string()),
        ("KORE_ACCOUNT_ID", "acc-dbg".to_string()),
        ("KORE_APP_ID", "st-dbg".to_string()),
        ("KORE_CLIENT_ID", "cs-dbg".to_string()),
        ("KORE_CLIENT_SECRET", CLIENT_SECRET.to_string()),
        ("KORE_VOICE_CAMPAIGN_ID", "dbg-voice".to_string()),
        ("VOICEGENIE_BASE_URL", "http://127.0.0.1:9".to_string()),
        ("VOICEGENIE_API_KEY", API_KEY.to_string()),
        ("VOICEGENIE_CAMPAIGN_ID", "dbg-vg".to_string()),
    ])
}

#[tokio::test]
async fn debug_of_every_type_that_can_hold_a_secret_shows_none() {
    // Arrange: every credential kind, and the types built from them.
    let signer = JwtSigner::new(
        "cs-dbg",
        SecretString::from(CLIENT_SECRET),
        JwtOptions::default(),
    );
    let forbidden = forbidden(&signer);
    let credentials = [
        Credential::KoreJwt(SecretString::from(JWT)),
        Credential::KoreClient(signer.clone()),
        Credential::ApiKey(SecretString::from(API_KEY)),
        Credential::SessionToken(SecretString::from(SESSION)),
    ];
    let vars = vars();
    let env = Environment::from_lookup(|k| vars.get(k).cloned())
        .await
        .expect("env targets");
    let secrets = env.secret_values();
    assert!(
        secrets.len() >= 3,
        "the environment holds the client secret, its JWT and the API key"
    );
    let checker =
        Checker::new(SchemaRegistry::load_default().expect("schemas")).with_secrets(secrets);
    let client = Client::new(ClientConfig::default()).expect("client");
    let guard = CleanupGuard::new(client.clone(), "debug-test");
    let sim_config = SimConfig {
        auth: AuthConfig {
            kore_client: Some(("cs-dbg".into(), SecretString::from(CLIENT_SECRET))),
            voicegenie_keys: vec![SecretString::from(API_KEY)],
        },
        ..SimConfig::default()
    };
    let header_error = Credential::ApiKey(SecretString::from(format!("{API_KEY}\n")))
        .header()
        .expect_err("a newline cannot go in a header");
    let target = Target::new(
        Vendor::VoiceGenie,
        campaign_api::parse_base_url("VOICEGENIE_BASE_URL", "http://127.0.0.1:9").expect("url"),
        Credential::ApiKey(SecretString::from(API_KEY)),
    );
    let request = OperationId::VoiceGenieStart
        .render(&target, "dbg-vg")
        .expect("renders");

    // Act + Assert
    for (i, c) in credentials.iter().enumerate() {
        assert_clean(&format!("credential {i}"), format!("{c:?}"), &forbidden);
    }
    assert_clean("JwtSigner", format!("{signer:?}"), &forbidden);
    assert_clean("Environment", format!("{env:?}"), &forbidden);
    for t in &env.targets {
        assert_clean("VendorTarget", format!("{t:?}"), &forbidden);
        assert_clean("VendorTarget (Display)", t.to_string(), &forbidden);
    }
    assert_clean("Checker", format!("{checker:?}"), &forbidden);
    assert_clean("Client", format!("{client:?}"), &forbidden);
    assert_clean("CleanupGuard", format!("{guard:?}"), &forbidden);
    assert_clean("SimConfig", format!("{sim_config:?}"), &forbidden);
    assert_clean("Target", format!("{target:?}"), &forbidden);
    assert_clean("RenderedRequest", format!("{request:?}"), &forbidden);
    assert_clean(
        "CredentialError",
        format!("{header_error:?} / {header_error}"),
        &forbidden,
    );
    assert!(matches!(
        header_error,
        CredentialError::NotHeaderSafe { .. }
    ));
    let leak_values = secret_values_from(|k| vars.get(k).cloned());
    assert_clean("leak scan values", format!("{leak_values:?}"), &forbidden);
    env.shutdown().await;
}
