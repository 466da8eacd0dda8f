//! Answering a vendor request: route, faults, auth, state, body.

use crate::auth;
use crate::config::SimConfig;
use crate::counters::{Counters, DROPPED};
use crate::dispatch::{Route, route};
use crate::faults::{Fault, Plan};
use crate::state::{Outcome, Store};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use campaign_api::lifecycle::Lifecycle;
use campaign_api::response::{self as body, KoreCampaignStatus, kore_codes, vg_codes};
use campaign_api::{Action, Channel, OperationId, Vendor};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;
use time::macros::format_description;

/// Largest request body accepted.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

/// Marker on a response that tells the server to close the connection without answering.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// State shared by every request of a run.
#[derive(Debug)]
pub struct Shared {
    /// The configuration in force.
    pub config: SimConfig,
    /// Campaigns.
    pub store: Store,
    /// Served counters.
    pub counters: Counters,
    /// Sequence number of the next request (seeds its fault plan).
    pub sequence: AtomicU64,
}

impl Shared {
    /// Fresh state for `config`.
    pub fn new(config: SimConfig) -> Shared {
        let store = Store::new(
            config.entries(),
            config.auto_provision_prefix.clone(),
            config.lifecycles.clone(),
        );
        Shared {
            config,
            store,
            counters: Counters::default(),
            sequence: AtomicU64::new(0),
        }
    }
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The simulator's own error body, for requests no vendor operation answers.
#[derive(Debug, Serialize)]
struct SimError<'a> {
    error: &'a str,
    message: String,
}

fn sim_error(status: StatusCode, error: &str, message: String) -> Response {
    json(status, &SimError { error, message })
}

fn vg_error(
    status: StatusCode,
    message: &str,
    error: &str,
    missing: Option<Vec<String>>,
) -> Response {
    json(
        status,
        &body::VgError {
            success: false,
            message: message.into(),
            error: error.into(),
            details: missing.map(|missing| body::VgErrorDetails { missing }),
        },
    )
}

fn kore_error(status: StatusCode, msg: &str, code: u32) -> Response {
    json(
        status,
        &body::KoreError {
            msg: msg.into(),
            code,
        },
    )
}

fn unauthorized(vendor: Vendor) -> Response {
    match vendor {
        Vendor::Kore => kore_error(
            StatusCode::UNAUTHORIZED,
            "Invalid SDK credentials",
            kore_codes::INVALID_CREDENTIALS,
        ),
        Vendor::VoiceGenie => vg_error(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing API key",
            vg_codes::UNAUTHORIZED,
            None,
        ),
    }
}

fn fault_status(status: u16, retry_after: u64) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = sim_error(
        code,
        match status {
            429 => "RATE_LIMITED",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        },
        match status {
            429 => "Rate limit exceeded (injected fault)".into(),
            _ => format!("injected fault {status}"),
        },
    );
    if status == 429 {
        let h = r.headers_mut();
        h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        h.insert("x-ratelimit-limit", HeaderValue::from_static("60"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from(retry_after));
    }
    r
}

/// The response for an operation's outcome: the status comes from the lifecycle rule, the body
/// from campaign-api's typed bodies.
fn answer(op: OperationId, campaign: &str, outcome: Outcome, lifecycle: &Lifecycle) -> Response {
    let spec = op.spec();
    let (status, c) = match outcome {
        Outcome::Answered {
            status, campaign, ..
        } => (status, campaign),
        Outcome::Unknown => {
            return match spec.vendor {
                Vendor::Kore => kore_error(
                    StatusCode::NOT_FOUND,
                    "Campaign not found",
                    kore_codes::NOT_FOUND,
                ),
                Vendor::VoiceGenie => vg_error(
                    StatusCode::NOT_FOUND,
                    "Campaign not found",
                    vg_codes::NOT_FOUND,
                    None,
                ),
            };
        }
    };
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reads = &lifecycle.state(c.state).reads;
    if !code.is_success() {
        return match (spec.vendor, spec.action, status) {
            (Vendor::Kore, Action::Start, _) => kore_error(
                code,
                "Campaign is already Active",
                kore_codes::ALREADY_ACTIVE,
            ),
            (Vendor::Kore, _, _) => {
                kore_error(code, "Campaign is not Active", kore_codes::NOT_ACTIVE)
            }
            (Vendor::VoiceGenie, Action::Start, 422) => vg_error(
                code,
                "Campaign cannot be started. Missing required configuration.",
                vg_codes::INVALID_STATE,
                Some(if c.missing.is_empty() {
                    vec!["configuration".into()]
                } else {
                    c.missing
                }),
            ),
            (Vendor::VoiceGenie, Action::Start, _) => vg_error(
                code,
                "Campaign is already running",
                vg_codes::ALREADY_RUNNING,
                None,
            ),
            (Vendor::VoiceGenie, _, _) => {
                vg_error(code, "Campaign is not running", vg_codes::NOT_RUNNING, None)
            }
        };
    }
    let instance_id = c.instance_id.clone().unwrap_or_default();
    // Kore.ai bodies carry the campaign's status: the state the rule led to.
    let kore_status = serde_json::from_value::<KoreCampaignStatus>(serde_json::json!(reads));
    if spec.vendor == Vendor::Kore && kore_status.is_err() {
        return sim_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "LIFECYCLE",
            format!(
                "{}: {reads:?} is not a Kore.ai campaign status",
                lifecycle.file
            ),
        );
    }
    let kore_status = kore_status.unwrap_or(KoreCampaignStatus::Active);
    match (spec.vendor, spec.action) {
        (Vendor::Kore, Action::Start) => match spec.channel {
            Some(Channel::Sms) => json(
                code,
                &body::KoreSmsStarted {
                    status: kore_status,
                    message: "Campaign Started".into(),
                    updated_at: now(),
                },
            ),
            _ => json(
                code,
                &body::KoreVoiceStarted {
                    status: kore_status,
                    message: "Campaign Started".into(),
                    total_calls_completed: c.total_calls_completed,
                    updated_at: now(),
                    campaign_instance_id: instance_id,
                },
            ),
        },
        (Vendor::Kore, Action::Stop | Action::Pause) => match spec.channel {
            Some(Channel::Sms) => json(
                code,
                &body::KoreSmsStopped {
                    status: kore_status,
                    message: "Campaign Stopped".into(),
                    updated_at: now(),
                    campaign_execution_type: "NORMAL".into(),
                },
            ),
            _ => json(
                code,
                &body::KoreVoiceStopped {
                    status: kore_status,
                    message: "Campaign Stopped".into(),
                    updated_at: now(),
                    campaign_instance_id: instance_id,
                },
            ),
        },
        (Vendor::Kore, Action::Status) => json(
            code,
            &body::KoreStatusRead {
                status: "success".into(),
                data: body::KoreStatusData {
                    id: campaign.into(),
                    status: kore_status,
                    name: c.name,
                },
            },
        ),
        (Vendor::VoiceGenie, Action::Start) => json(
            code,
            &body::VgStarted {
                success: true,
                data: body::VgStartedData {
                    campaign_id: campaign.into(),
                    status: reads.clone(),
                    started_at: now(),
                },
                message: "Campaign started successfully".into(),
            },
        ),
        (Vendor::VoiceGenie, Action::Pause | Action::Stop) => json(
            code,
            &body::VgPaused {
                success: true,
                data: body::VgPausedData {
                    campaign_id: campaign.into(),
                    status: reads.clone(),
                    paused_at: now(),
                    active_calls: 0,
                },
                message: "Campaign paused successfully".into(),
            },
        ),
        (Vendor::VoiceGenie, Action::Status) => json(
            code,
            &body::VgCampaign {
                success: true,
                data: body::VgCampaignData {
                    campaign_id: Some(campaign.into()),
                    campaign_status: reads.clone(),
                },
                message: Some("Campaign fetched successfully".into()),
            },
        ),
    }
}

/// Applies a post-processing fault to a finished answer.
async fn corrupt(response: Response, fault: Fault) -> Response {
    let (mut parts, body) = response.into_parts();
    match fault {
        Fault::Malformed => {
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
        Fault::WrongContentType => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Response::from_parts(parts, body)
        }
        Fault::Drop | Fault::Status(_) => Response::from_parts(parts, body),
    }
}

fn dropped() -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(DropConnection);
    r
}

/// The fallback handler: every vendor request lands here.
pub async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    serve_vendor(&shared, request).await
}

/// Answers a vendor request and counts it. The server calls this directly for every path
/// outside `/__sim/` (skipping the router's lookup on the hot path); the router's fallback
/// calls it for the rest.
pub async fn serve_vendor(shared: &Shared, request: Request) -> Response {
    let (op, response) = respond(shared, request).await;
    let status = if response.extensions().get::<DropConnection>().is_some() {
        DROPPED
    } else {
        response.status().as_u16()
    };
    shared.counters.record(op, status);
    response
}

async fn respond(shared: &Shared, request: Request) -> (Option<OperationId>, Response) {
    let (parts, body) = request.into_parts();
    let (op, captures) = match route(&parts.method, parts.uri.path(), parts.uri.query()) {
        Route::Operation(op, captures) => (op, captures),
        Route::WrongMethod { allowed } => {
            let list: Vec<&str> = allowed.iter().map(http::Method::as_str).collect();
            let mut r = sim_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!(
                    "{} is not allowed on {}; use {}",
                    parts.method,
                    parts.uri.path(),
                    list.join(", ")
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&list.join(", ")) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            return (None, r);
        }
        Route::BadQuery { key, expected } => {
            return (
                None,
                sim_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_QUERY",
                    format!(
                        "query parameter {key:?} must be one of {}",
                        expected.join(", ")
                    ),
                ),
            );
        }
        Route::Unknown => {
            return (
                None,
                sim_error(
                    StatusCode::NOT_FOUND,
                    "UNKNOWN_ROUTE",
                    format!(
                        "no documented operation answers {} {}",
                        parts.method,
                        parts.uri.path()
                    ),
                ),
            );
        }
    };
    if let Some((name, _)) = parts
        .headers
        .iter()
        .find(|(_, v)| std::str::from_utf8(v.as_bytes()).is_err())
    {
        return (
            Some(op),
            sim_error(
                StatusCode::BAD_REQUEST,
                "BAD_HEADER",
                format!("header {name} is not valid UTF-8"),
            ),
        );
    }
    let config = &shared.config;
    let plan = if config.faults.is_off() {
        Plan {
            delay: std::time::Duration::ZERO,
            fault: None,
        }
    } else {
        config
            .faults
            .plan(config.seed, shared.sequence.fetch_add(1, Ordering::Relaxed))
    };
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.fault {
        Some(Fault::Drop) => return (Some(op), dropped()),
        Some(Fault::Status(s)) => {
            return (
                Some(op),
                fault_status(s, config.faults.retry_after_secs.max(1)),
            );
        }
        _ => {}
    }
    if axum::body::to_bytes(body, MAX_REQUEST_BODY).await.is_err() {
        return (
            Some(op),
            sim_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                format!("request body exceeds {MAX_REQUEST_BODY} bytes"),
            ),
        );
    }
    let spec = op.spec();
    if auth::check(spec.vendor, &parts.headers, &config.auth).is_err() {
        return (Some(op), unauthorized(spec.vendor));
    }
    let campaign = Route::campaign(&captures);
    let action = spec.action;
    let outcome = shared.store.apply(spec.vendor, campaign, action, || {
        format!("cid-{}", uuid::Uuid::new_v4())
    });
    let response = answer(
        op,
        campaign,
        outcome,
        shared.store.lifecycles().get(spec.vendor),
    );
    let response = match plan.fault {
        Some(f @ (Fault::Malformed | Fault::WrongContentType)) => corrupt(response, f).await,
        _ => response,
    };
    (Some(op), response)
}
