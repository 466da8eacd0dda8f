//! Secrets stay secret in memory: `{:?}` of every simulator type that holds a credential (or an
//! error that could quote one) shows no secret, and neither do the admin routes.

use crate::support::*;
use campaign_api::{Credential, JwtOptions, JwtSigner, OperationId};
use campaign_sim::ConfigFileError;
use campaign_sim::{AuthConfig, SimConfig};
use secrecy::SecretString;

const CLIENT_SECRET: &str = "kore-client-secret-9d81f2";
const VG_KEY: &str = "voicegenie-key-71c3aa";

fn config() -> SimConfig {
    SimConfig {
        auth: AuthConfig {
            kore_client: Some(("cs-secrets".into(), SecretString::from(CLIENT_SECRET))),
            voicegenie_keys: vec![SecretString::from(VG_KEY)],
        },
        ..SimConfig::default()
    }
}

fn assert_hidden(what: &str, shown: &str) {
    assert!(
        !shown.contains(CLIENT_SECRET) && !shown.contains(VG_KEY),
        "{what} shows a secret: {shown}"
    );
}

#[tokio::test]
async fn debug_of_configs_errors_and_the_running_simulator_shows_no_secret() {
    // Arrange
    let config = config();
    let sim = sim(config.clone()).await;
    let signed = Credential::KoreClient(JwtSigner::new(
        "cs-secrets",
        SecretString::from(CLIENT_SECRET),
        JwtOptions::default(),
    ));
    let wrong = Credential::KoreClient(JwtSigner::new(
        "cs-secrets",
        SecretString::from("not-the-secret"),
        JwtOptions::default(),
    ));
    // The refusal of a token signed with nothing is checked where the check lives, in the
    // private `auth` module's unit tests (a_refusal_names_the_header_and_shows_no_secret).
    let file_error = ConfigFileError {
        path: "campaigns.toml".into(),
        reason: "line 1".into(),
    };

    // Act
    let shown = [
        ("SimConfig", format!("{config:?}")),
        ("AuthConfig", format!("{:?}", config.auth)),
        ("RunningSim", format!("{sim:?}")),
        ("RunningSim::config", format!("{:?}", sim.config())),
        ("ConfigFileError", format!("{file_error:?}")),
    ];

    // Assert: nothing shows a secret, and the secrets are really there to be hidden.
    for (what, text) in &shown {
        assert_hidden(what, text);
    }
    assert!(shown[0].1.contains("REDACTED"), "{}", shown[0].1);
    let ok = client()
        .call(&kore(&sim, signed), OperationId::KoreStatusV1, "demo-voice")
        .await
        .expect("answered");
    let refused = client()
        .call(&kore(&sim, wrong), OperationId::KoreStatusV1, "demo-voice")
        .await
        .expect("answered");
    assert_eq!((ok.status.as_u16(), refused.status.as_u16()), (200, 401));
    assert_hidden("401 body", &String::from_utf8_lossy(&refused.body));
    let vg = call(
        &voicegenie(&sim, VG_KEY),
        OperationId::VoiceGenieCampaign,
        campaign_sim::DOC_SAMPLE_VOICEGENIE_ID,
    )
    .await;
    assert_eq!(vg.status, 200, "the key is checked against the secret");
}

#[tokio::test]
async fn the_admin_routes_show_no_secret() {
    let sim = sim(config()).await;
    for route in ["config", "faults", "counters", "clock"] {
        let text = reqwest::get(format!("{}/__sim/{route}", sim.base_url()))
            .await
            .expect("get")
            .text()
            .await
            .expect("text");
        assert_hidden(route, &text);
    }
}
