//! `/__sim/` routes: reset, counters and the configuration in force (never its secrets).

use crate::handler::Shared;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// `POST /__sim/reset`: campaigns back to their configured state, counters and fault sequence to zero.
pub async fn reset(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.store.reset(shared.config.entries());
    shared.counters.reset();
    shared.sequence.store(0, Ordering::Relaxed);
    Json(json!({"reset": true, "campaigns": shared.store.len()}))
}

/// `GET /__sim/counters`: requests served by route and status.
pub async fn counters(
    State(shared): State<Arc<Shared>>,
) -> Json<crate::counters::CountersSnapshot> {
    Json(shared.counters.snapshot())
}

/// `GET /__sim/config`: what the simulator runs with. Says whether credentials are checked,
/// never what they are.
pub async fn config(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let c = &shared.config;
    Json(json!({
        "campaigns": c.campaigns.iter().map(|s| json!({
            "vendor": s.vendor.slug(), "id": s.id, "state": s.state, "missing": s.missing,
        })).collect::<Vec<_>>(),
        "campaigns_now": shared.store.len(),
        "active_now": shared.store.active(),
        "auto_provision_prefix": c.auto_provision_prefix,
        "auth": {
            "kore_jwt_verified": c.auth.kore_client.is_some(),
            "kore_client_id": c.auth.kore_client.as_ref().map(|(id, _)| id),
            "voicegenie_keys_configured": c.auth.voicegenie_keys.len(),
        },
        "faults": c.faults,
        "seed": c.seed,
    }))
}
