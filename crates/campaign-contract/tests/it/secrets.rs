//! Credentials given in env never reach the printed report, its JSON, or the bodies that become
//! snapshots. The targets here are "sandboxes" configured purely from env variables, served by a
//! simulator that checks those very credentials.

use campaign_api::{HostKind, JwtOptions, JwtSigner};
use campaign_contract::Environment;
use campaign_contract::run_suite;
use campaign_schema::{Checker, SchemaRegistry};
use campaign_sim::{AuthConfig, SimConfig};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;

const CLIENT_ID: &str = "cs-secret-test";
const CLIENT_SECRET: &str = "SECRET-client-secret-4b1d";
const API_KEY: &str = "SECRET-voicegenie-key-93c2";

async fn run_with(vars: HashMap<&'static str, String>, secrets: &[String]) {
    let env = Environment::from_lookup(|k| vars.get(k).cloned())
        .await
        .expect("env targets");
    assert!(
        env.targets.iter().all(|t| t.kind == HostKind::Sandbox),
        "both vendors come from env"
    );
    let checker = Checker::new(SchemaRegistry::load_default().expect("schemas"))
        .with_secrets(env.secret_values());
    let outcome = run_suite(&env, &checker, false).await;
    let text = outcome.report.render();
    let json = outcome.report.to_json();
    println!("{text}");
    assert!(outcome.report.passed(), "{text}");
    assert!(outcome.report.steps.len() >= 20, "{text}");
    let bodies: Vec<String> = outcome
        .exchanges
        .iter()
        .filter_map(|x| x.body.as_ref().map(|b| b.to_string()))
        .collect();
    assert!(!bodies.is_empty());
    for s in secrets {
        assert!(!text.contains(s.as_str()), "secret in the text report");
        assert!(!json.contains(s.as_str()), "secret in the JSON report");
        assert!(
            bodies.iter().all(|b| !b.contains(s.as_str())),
            "secret in a snapshot body"
        );
        assert!(
            !format!("{env:?}").contains(s.as_str()),
            "secret in the environment's Debug"
        );
    }
    env.shutdown().await;
}

fn base_vars(url: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("KORE_BASE_URL", url.to_string()),
        ("KORE_ACCOUNT_ID", "acc-env".to_string()),
        ("KORE_APP_ID", "st-env".to_string()),
        ("KORE_VOICE_CAMPAIGN_ID", "demo-voice".to_string()),
        ("KORE_SMS_CAMPAIGN_ID", "demo-sms".to_string()),
        ("VOICEGENIE_BASE_URL", url.to_string()),
        ("VOICEGENIE_API_KEY", API_KEY.to_string()),
        (
            "VOICEGENIE_CAMPAIGN_ID",
            campaign_sim::DOC_SAMPLE_VOICEGENIE_ID.to_string(),
        ),
    ])
}

async fn host() -> campaign_sim::RunningSim {
    campaign_sim::start(SimConfig {
        auth: AuthConfig {
            kore_client: Some((CLIENT_ID.into(), SecretString::from(CLIENT_SECRET))),
            voicegenie_keys: vec![SecretString::from(API_KEY)],
        },
        ..SimConfig::default()
    })
    .await
    .expect("host")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_and_api_key_from_env_stay_out_of_reports_and_snapshots() {
    let sim = host().await;
    let mut vars = base_vars(&sim.base_url());
    vars.insert("KORE_CLIENT_ID", CLIENT_ID.into());
    vars.insert("KORE_CLIENT_SECRET", CLIENT_SECRET.into());
    // The JWT the harness will sign from them is a secret too.
    let jwt = JwtSigner::new(
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET),
        JwtOptions::default(),
    )
    .sign()
    .expect("sign");
    run_with(
        vars,
        &[
            CLIENT_SECRET.into(),
            API_KEY.into(),
            jwt.expose_secret().to_string(),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ready_jwt_from_env_stays_out_of_reports_and_snapshots() {
    let sim = host().await;
    let jwt = JwtSigner::new(
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET),
        JwtOptions::default(),
    )
    .sign()
    .expect("sign");
    let mut vars = base_vars(&sim.base_url());
    vars.insert("KORE_JWT", jwt.expose_secret().to_string());
    run_with(vars, &[jwt.expose_secret().to_string(), API_KEY.into()]).await;
}
