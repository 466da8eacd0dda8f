//! Answering a vendor request: route, faults, auth, state, body.

use crate::auth;
use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::counters::{Counters, CountersSnapshot, DROPPED, Guard};
use crate::dispatch::{Route, route};
use crate::faults::live::LiveFaults;
use crate::faults::{Fault, FaultPolicy, FaultRequest};
use crate::inject::{self, DropConnection};
use crate::state::{Store, Transition};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use campaign_api::lifecycle::Lifecycle;
use campaign_api::response::{self as body, KoreCampaignStatus, kore_codes, vg_codes};
use campaign_api::{Action, Channel, OperationId, Vendor};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::sync::Semaphore;

/// Largest request body accepted.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

/// State shared by every request of a run.
#[derive(Debug)]
pub struct Shared {
    /// The configuration the simulator started with (its `faults` as started: the settings in
    /// force are in `faults`).
    pub config: SimConfig,
    /// Campaigns.
    pub store: Store,
    /// Served counters.
    pub counters: Counters,
    /// How long answers took, by operation (served by `/__sim/metrics`).
    pub latency: crate::metrics::Latency,
    /// Number of the next vendor request (what a fault policy sees as `number`).
    pub sequence: AtomicU64,
    /// The fault policies in force.
    pub faults: LiveFaults,
    /// The clock scheduled windows are measured on.
    pub clock: SimClock,
    /// One permit per connection that may be open at once (`limits.max_connections`).
    pub slots: Arc<Semaphore>,
    /// Every open connection's activity (to make room for a new one when the cap is full).
    pub(crate) connections: crate::connection::Registry,
}

impl Shared {
    /// Fresh state for `config`, with `script` asked before the configured faults.
    pub fn new(config: SimConfig, script: Option<Box<dyn FaultPolicy>>) -> Shared {
        let store = Store::new(
            config.entries(),
            config.auto_provision_prefix.clone(),
            config.lifecycles.clone(),
            config.limits.max_campaigns,
        );
        let slots = Arc::new(Semaphore::new(config.limits.max_connections));
        let faults = LiveFaults::new(config.faults.clone(), script);
        Shared {
            config,
            store,
            counters: Counters::default(),
            latency: Default::default(),
            sequence: AtomicU64::new(0),
            faults,
            clock: SimClock::new(),
            slots,
            connections: crate::connection::Registry::default(),
        }
    }

    /// The counters, with the requests each scheduled window decided.
    pub fn snapshot(&self) -> CountersSnapshot {
        let mut s = self.counters.snapshot();
        s.windows = self.faults.window_hits();
        let free = self.slots.available_permits();
        s.connections.open = self.config.limits.max_connections.saturating_sub(free) as u64;
        s.campaigns.stored = self.store.len() as u64;
        s
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

/// The `code` of a Kore.ai 400 for a query no operation on the path accepts (`trigger=pause`,
/// `trigger` missing). Our assumption, like every Kore.ai error body: the vendor documents none.
const KORE_BAD_QUERY: u32 = 4000;

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
fn answer(op: OperationId, campaign: &str, outcome: Transition, lifecycle: &Lifecycle) -> Response {
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

/// The fallback handler: every vendor request lands here.
pub async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    serve_vendor(&shared, request).await
}

/// Answers a vendor request and counts it. The server calls this directly for every path
/// outside `/__sim/` (skipping the router's lookup on the hot path); the router's fallback
/// calls it for the rest.
pub async fn serve_vendor(shared: &Shared, request: Request) -> Response {
    let started = std::time::Instant::now();
    let (op, response) = respond(shared, request).await;
    let status = if response.extensions().get::<DropConnection>().is_some() {
        DROPPED
    } else {
        shared.latency.observe(op, started.elapsed());
        response.status().as_u16()
    };
    shared.counters.record(op, status);
    response
}

/// A recorded answer of the host the simulator impersonates, if it has one for this call (see
/// [`crate::impersonate`]); a played-back lifecycle step moves the campaign as the rule says.
fn play_back(
    shared: &Shared,
    op: OperationId,
    campaign: &str,
    lifecycle: &Lifecycle,
) -> Option<Response> {
    let imp = &shared.config.impersonate;
    let spec = op.spec();
    let Some(c) = shared.store.get(spec.vendor, campaign) else {
        return (spec.action == Action::Status && !shared.store.is_known(spec.vendor, campaign))
            .then(|| imp.case(op, "unknown campaign"))
            .flatten();
    };
    if spec.action == Action::Status {
        return imp.status_read(op, lifecycle, &lifecycle.state(c.state).reads);
    }
    let (response, next) = imp.rule(op, lifecycle, c.state, spec.action)?;
    shared.store.set_state(spec.vendor, campaign, next);
    Some(response)
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
        Route::BadQuery {
            vendor,
            key,
            expected,
        } => {
            let message = format!(
                "query parameter {key:?} must be one of {}",
                expected.join(", ")
            );
            // On a Kore.ai path every 400 is held to the one error body we assume for Kore.ai
            // ({msg, code}; schemas/kore/error.400.json): the simulator's own shape there would
            // contradict the contract it plays.
            let answer = match vendor {
                Vendor::Kore => kore_error(StatusCode::BAD_REQUEST, &message, KORE_BAD_QUERY),
                Vendor::VoiceGenie => sim_error(StatusCode::BAD_REQUEST, "BAD_QUERY", message),
            };
            return (None, answer);
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
    let campaign = Route::campaign(&captures);
    let max_id = config.limits.max_id_bytes;
    if campaign.len() > max_id {
        shared.counters.guard(Guard::IdTooLong);
        return (
            Some(op),
            sim_error(
                StatusCode::BAD_REQUEST,
                "CAMPAIGN_ID_TOO_LONG",
                format!(
                    "campaign id is {} bytes long; the simulator takes ids of at most {max_id} \
                     bytes (--max-id-bytes)",
                    campaign.len()
                ),
            ),
        );
    }
    // The simulator refuses what the client refuses: an id campaign-api would never send (`.`,
    // `..`, `/`, `?`, a control character) reached it some other way, and a real host would
    // read it as another resource.
    if campaign.len() <= campaign_api::CampaignId::MAX_LEN
        && let Err(e) = campaign_api::CampaignId::new(campaign)
    {
        return (
            Some(op),
            sim_error(StatusCode::BAD_REQUEST, "BAD_CAMPAIGN_ID", e.to_string()),
        );
    }
    let decision = shared.faults.decide(&FaultRequest {
        number: shared.sequence.fetch_add(1, Ordering::Relaxed),
        operation: op,
        campaign,
        elapsed: shared.clock.elapsed(),
        seed: config.seed,
    });
    if !decision.delay.is_zero() {
        shared.counters.inject("delayed");
        tokio::time::sleep(decision.delay).await;
    }
    match &decision.fault {
        Some(f @ Fault::Drop) => {
            shared.counters.inject(f.kind());
            return (Some(op), inject::dropped());
        }
        Some(f @ Fault::Instead(a)) => {
            shared.counters.inject(f.kind());
            return (Some(op), inject::answer(a));
        }
        _ => {}
    }
    let within = config.limits.header_timeout;
    let read = tokio::time::timeout(within, axum::body::to_bytes(body, MAX_REQUEST_BODY)).await;
    let Ok(read) = read else {
        shared.counters.guard(Guard::BodyTimeout);
        let mut r = sim_error(
            StatusCode::REQUEST_TIMEOUT,
            "BODY_TIMEOUT",
            format!("the request body did not arrive within {within:?} of its head"),
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return (Some(op), r);
    };
    if let Err(e) = read {
        // Too long is one thing; a body that does not read (a malformed chunk size, a cut
        // connection) is another, and says so.
        let mut too_long = false;
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(c) = cause {
            too_long |= c.to_string().contains("length limit");
            cause = c.source();
        }
        let answer = if too_long {
            sim_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                format!("request body exceeds {MAX_REQUEST_BODY} bytes"),
            )
        } else {
            sim_error(
                StatusCode::BAD_REQUEST,
                "BAD_BODY",
                format!("the request body could not be read: {e}"),
            )
        };
        return (Some(op), answer);
    }
    let spec = op.spec();
    let imp = &config.impersonate;
    if auth::check(spec.vendor, &parts.headers, &config.auth).is_err() {
        let case = if auth::has_credential(spec.vendor, &parts.headers) {
            "wrong credentials"
        } else {
            "missing credentials"
        };
        let played = imp.case(op, case);
        return (
            Some(op),
            played.unwrap_or_else(|| unauthorized(spec.vendor)),
        );
    }
    let action = spec.action;
    let lifecycle = shared.store.lifecycles().get(spec.vendor);
    if !imp.is_empty()
        && let Some(played) = play_back(shared, op, campaign, lifecycle)
    {
        return (Some(op), played);
    }
    let outcome = shared.store.apply(spec.vendor, campaign, action, || {
        format!("cid-{}", uuid::Uuid::new_v4())
    });
    if outcome == Transition::StoreFull {
        shared.counters.guard(Guard::StoreFull);
    }
    let response = answer(op, campaign, outcome, lifecycle);
    let Some(fault) = decision.fault else {
        return (Some(op), response);
    };
    let response = match &fault {
        Fault::AfterApplying(a) => inject::answer(a),
        Fault::Malformed => inject::malformed(response).await,
        Fault::WrongContentType => inject::wrong_content_type(response),
        Fault::Reads(value) if action == Action::Status => {
            let (response, changed) =
                inject::reads(response, &lifecycle.status_pointer, value).await;
            if !changed {
                return (Some(op), response);
            }
            response
        }
        Fault::Reads(_) | Fault::Drop | Fault::Instead(_) => return (Some(op), response),
    };
    shared.counters.inject(fault.kind());
    (Some(op), response)
}
