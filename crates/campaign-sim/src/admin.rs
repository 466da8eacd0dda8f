//! `/__sim/` routes: reset, counters, the configuration in force (never its secrets), the fault
//! settings (read and replaced while the simulator runs) and the clock their schedule runs on.
//!
//! | route                 | does                                                           |
//! |-----------------------|----------------------------------------------------------------|
//! | `POST /__sim/reset`   | campaigns, counters, latencies, request numbers, clock to zero |
//! | `GET /__sim/counters` | requests by route and status, injected faults, window hits     |
//! | `GET /__sim/metrics`  | the counters, answer latencies, campaigns by state: Prometheus |
//! | `GET /__sim/config`   | campaigns, auth (whether checked, not with what), faults       |
//! | `GET /__sim/faults`   | the fault settings in force, schedule included                 |
//! | `PUT /__sim/faults`   | replaces them (JSON, the `[faults]` shape); 400 names a key    |
//! | `GET /__sim/clock`    | `{"elapsed_us", "zero_unix_ms"}`                               |
//! | `PUT /__sim/clock`    | `{"elapsed": "900s"}`: sets the clock, which runs on           |
//!
//! `/__sim/metrics` answers `text/plain; version=0.0.4; charset=utf-8` (the classic Prometheus
//! text format), or `application/openmetrics-text; version=1.0.0; charset=utf-8` when the
//! request's `Accept` names OpenMetrics, as Prometheus's own scraper does; both are written by
//! prometheus-client's encoders. The metrics are listed in [`crate::metrics`].

use crate::faults::{Faults, FaultsError};
use crate::faults::{fmt_duration, text};
use crate::shared::Shared;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// `POST /__sim/reset`: campaigns back to their configured state (the room a flood of
/// campaigns took is given back); counters, the latency histogram, window hits, request numbers
/// and the clock to zero (so `/__sim/metrics` and `/__sim/counters` start again together).
/// The fault settings in force stay.
pub(crate) async fn reset(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.store.reset(shared.config.entries());
    shared.counters.reset();
    shared.latency.reset();
    shared.faults.reset_hits();
    shared.sequence.store(0, Ordering::Relaxed);
    shared.clock.set(Duration::ZERO);
    Json(json!({"reset": true, "campaigns": shared.store.len()}))
}

/// `GET /__sim/counters`: requests served by route and status, faults injected by kind, and
/// requests decided inside each scheduled window.
pub(crate) async fn counters(
    State(shared): State<Arc<Shared>>,
) -> Json<crate::counters::CountersSnapshot> {
    Json(shared.snapshot())
}

/// `GET /__sim/config`: what the simulator runs with. Says whether credentials are checked,
/// never what they are; shows the fault settings in force, not the ones it started with.
pub(crate) async fn config(State(shared): State<Arc<Shared>>) -> Json<Value> {
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
        "faults": shared.faults.faults(),
        "scripted_policy": shared.faults.scripted(),
        "clock": shared.clock.reading(),
        "seed": c.seed,
        "tls": c.tls.is_some(),
        "limits": {
            "header_timeout": fmt_duration(c.limits.header_timeout),
            "idle_timeout": fmt_duration(c.limits.idle_timeout),
            "max_connections": c.limits.max_connections,
            "max_id_bytes": c.limits.max_id_bytes,
            "max_campaigns": c.limits.max_campaigns,
        },
    }))
}

/// `GET /__sim/faults`: the fault settings in force.
pub(crate) async fn faults(State(shared): State<Arc<Shared>>) -> Json<Faults> {
    Json(shared.faults.faults())
}

/// `PUT /__sim/faults`: replaces the fault settings with the body's (every key absent from it
/// takes its default: the body is the whole new setting, not a patch). Answers the settings now
/// in force, or 400 naming the first bad key.
pub(crate) async fn put_faults(
    State(shared): State<Arc<Shared>>,
    body: axum::body::Body,
) -> Response {
    let faults: Faults = match read_json(body, "BAD_FAULTS").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match shared.faults.replace(faults) {
        Ok(()) => Json(shared.faults.faults()).into_response(),
        Err(e) => refuse("BAD_FAULTS", e),
    }
}

/// `GET /__sim/clock`: the simulator's clock.
pub(crate) async fn clock(State(shared): State<Arc<Shared>>) -> Json<crate::clock::ClockReading> {
    Json(shared.clock.reading())
}

/// The body of `PUT /__sim/clock`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetClock {
    #[serde(with = "text")]
    elapsed: Duration,
}

/// `PUT /__sim/clock` with `{"elapsed": "900s"}`: the clock reads that now and runs on.
pub(crate) async fn put_clock(
    State(shared): State<Arc<Shared>>,
    body: axum::body::Body,
) -> Response {
    match read_json::<SetClock>(body, "BAD_CLOCK").await {
        Ok(set) => {
            shared.clock.set(set.elapsed);
            Json(shared.clock.reading()).into_response()
        }
        Err(r) => r,
    }
}

/// The largest admin body read: fault settings and a clock reading are small; a bigger body is
/// refused in JSON (413), as every other refusal of the simulator is.
const MAX_ADMIN_BODY: usize = 256 * 1024;

/// An admin route's JSON object body as `T`: a body over [`MAX_ADMIN_BODY`] is a JSON 413, one
/// that does not read a 400 with `error` and the key where it went wrong.
async fn read_json<T: DeserializeOwned>(
    body: axum::body::Body,
    error: &str,
) -> Result<T, Response> {
    let body = read_body(body).await?;
    parse(&body).map_err(|e| refuse(error, e))
}

/// An admin route's body, at most [`MAX_ADMIN_BODY`]; a longer one is a JSON 413.
async fn read_body(body: axum::body::Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, MAX_ADMIN_BODY)
        .await
        .map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({
                    "error": "BODY_TOO_LARGE",
                    "key": "body",
                    "message": format!("an admin body is at most {} KiB", MAX_ADMIN_BODY / 1024),
                })),
            )
                .into_response()
        })
}

/// Reads a JSON object body; an error names the key where it went wrong (`schedule[0].latency`,
/// or an unknown key itself), or `body` when it is not a JSON object at all (`[]` would read as
/// a struct of defaults, and silently clear every fault).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, FaultsError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(FaultsError::new(
            "body",
            "a JSON object is needed, such as {\"error_rate_503\": 0.1} ({} clears every fault)",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // The path ends at the bad key, an unknown one included: `schedule[1].latncy`.
        let key = match e.path().to_string() {
            path if path == "." => "body".to_string(),
            path => path,
        };
        FaultsError::new(key, e.inner().to_string())
    })?;
    de.end()
        .map_err(|e| FaultsError::new("body", e.to_string()))?;
    Ok(value)
}

fn refuse(error: &str, e: FaultsError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "key": e.key, "message": e.to_string()})),
    )
        .into_response()
}
