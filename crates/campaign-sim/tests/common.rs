//! Shared arrange steps: a simulator on a real socket and targets that point at it.
#![allow(dead_code)]

use campaign_api::{Client, ClientConfig, Credential, Exchange, OperationId, Target, Vendor};
use campaign_sim::{RunningSim, SimConfig};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A simulator with `config` on a real loopback socket.
pub async fn sim(config: SimConfig) -> RunningSim {
    campaign_sim::start(config).await.expect("simulator starts")
}

/// A Kore.ai target on `sim`, sending `credential`.
pub fn kore(sim: &RunningSim, credential: Credential) -> Target {
    Target::new(
        Vendor::Kore,
        campaign_api::target::parse_base_url("KORE_BASE_URL", &sim.base_url()).expect("url"),
        credential,
    )
    .with_kore_ids("acc-test", "st-test", None)
}

/// A Kore.ai target on `sim` with a ready JWT (the simulator accepts any when unconfigured).
pub fn kore_jwt(sim: &RunningSim) -> Target {
    kore(
        sim,
        Credential::KoreJwt(SecretString::from("any.jwt.value")),
    )
}

/// A VoiceGenie target on `sim` sending `key` as `x-api-key`.
pub fn voicegenie(sim: &RunningSim, key: &str) -> Target {
    Target::new(
        Vendor::VoiceGenie,
        campaign_api::target::parse_base_url("VOICEGENIE_BASE_URL", &sim.base_url()).expect("url"),
        Credential::ApiKey(SecretString::from(key.to_string())),
    )
}

/// One client per tokio runtime: building a client loads the TLS roots, and pooled connections
/// belong to the runtime that opened them.
pub fn client() -> Client {
    static CLIENTS: OnceLock<Mutex<HashMap<tokio::runtime::Id, Client>>> = OnceLock::new();
    let id = tokio::runtime::Handle::current().id();
    let mut map = CLIENTS
        .get_or_init(Default::default)
        .lock()
        .expect("client cache");
    map.entry(id)
        .or_insert_with(|| Client::new(ClientConfig::default()).expect("client"))
        .clone()
}

/// Sends `op` for `campaign`; panics naming both if no answer came.
pub async fn call(target: &Target, op: OperationId, campaign: &str) -> Exchange {
    client()
        .call(target, op, campaign)
        .await
        .unwrap_or_else(|e| panic!("{op} {campaign}: {e}"))
}

/// The exchange's body as JSON; panics with the body if it is not.
pub fn json(x: &Exchange) -> serde_json::Value {
    serde_json::from_slice(&x.body)
        .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {:?}", x.operation, x.body))
}
