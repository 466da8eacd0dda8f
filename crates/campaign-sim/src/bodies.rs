//! The bodies the simulator answers with: the vendor's documented bodies for a lifecycle
//! outcome (typed by campaign-api, so the simulator cannot drift from the schemas the client
//! is checked against), the vendors' error bodies, and the simulator's own error body for
//! requests no vendor operation answers.

use crate::state::Transition;
use axum::response::{IntoResponse, Response};
use campaign_api::body::{self, KoreCampaignStatus, kore_codes, vg_codes};
use campaign_api::{Action, Channel, Lifecycle, OperationId, Vendor};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;

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

pub(crate) fn sim_error(status: StatusCode, error: &str, message: String) -> Response {
    json(status, &SimError { error, message })
}

pub(crate) fn vg_error(
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

/// A campaign id refused before any state is read (too long, or one no client may send), in the
/// vendor's own error shape, so a client holding the contract reads it: Kore.ai's `{msg, code}`
/// 400 (code 4000, our assumption, as the shape is), VoiceGenie's documented 404 `NOT_FOUND` (no
/// campaign has such an id; VoiceGenie documents no 400 for its get and pause).
pub(crate) fn refused_id(vendor: Vendor, message: &str) -> Response {
    match vendor {
        Vendor::Kore => kore_error(StatusCode::BAD_REQUEST, message, kore_codes::BAD_REQUEST),
        Vendor::VoiceGenie => vg_error(StatusCode::NOT_FOUND, message, vg_codes::NOT_FOUND, None),
    }
}

pub(crate) fn kore_error(status: StatusCode, msg: &str, code: u32) -> Response {
    json(
        status,
        &body::KoreError {
            msg: msg.into(),
            code,
        },
    )
}

pub(crate) fn unauthorized(vendor: Vendor) -> Response {
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

/// How long a client refused for a full store is asked to wait: nothing empties the store
/// but a reset, so this only paces clients that retry.
const STORE_FULL_RETRY_AFTER_SECS: u32 = 60;

/// A start refused because the store holds `limits.max_campaigns`: 503 with `Retry-After`, in
/// the simulator's own error body (no vendor documents such a limit).
fn store_full(op: OperationId) -> Response {
    let mut r = sim_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "CAMPAIGN_STORE_FULL",
        format!(
            "{op}: the simulator holds as many campaigns as it may (--max-campaigns); a new \
             one can start after POST /__sim/reset"
        ),
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(STORE_FULL_RETRY_AFTER_SECS),
    );
    r
}

/// The response for an operation's outcome: the status comes from the lifecycle rule, the body
/// from campaign-api's typed bodies.
pub(crate) fn answer(
    op: OperationId,
    campaign: &str,
    outcome: Transition,
    lifecycle: &Lifecycle,
) -> Response {
    let spec = op.spec();
    let (status, c) = match outcome {
        Transition::Answered {
            status, campaign, ..
        } => (status, campaign),
        Transition::StoreFull => return store_full(op),
        Transition::Unknown => {
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
