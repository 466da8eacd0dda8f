//! Answering a vendor request: route, guards, faults, auth, state, body, in that order.
//!
//! The order is the contract: a fault policy sees every routed request (so request numbers
//! are stable whatever the credentials), a fault that replaces the answer never touches the
//! campaign, and a campaign moves only for a request that passed the credential check.

use crate::auth;
use crate::bodies::{answer, kore_error, refused_id, sim_error, unauthorized};
use crate::counters::{DROPPED, Guard};
use crate::dispatch::{Route, route};
use crate::faults::{Fault, FaultRequest};
use crate::inject::{self, DropConnection};
use crate::shared::Shared;
use crate::state::Transition;
use axum::extract::{Request, State};
use axum::response::Response;
use campaign_api::{Action, Lifecycle, OperationId, Vendor};
use http::{HeaderValue, StatusCode, header};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Largest request body accepted.
pub(crate) const MAX_REQUEST_BODY: usize = 64 * 1024;

/// The `code` of a Kore.ai 400 for a query no operation on the path accepts (`trigger=pause`,
/// `trigger` missing). Our assumption, like every Kore.ai error body: the vendor documents none.
const KORE_BAD_QUERY: u32 = 4000;

/// The fallback handler: every vendor request lands here.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    serve_vendor(&shared, request).await
}

/// Answers a vendor request and counts it. The server calls this directly for every path
/// outside `/__sim/` (skipping the router's lookup on the hot path); the router's fallback
/// calls it for the rest.
pub(crate) async fn serve_vendor(shared: &Shared, request: Request) -> Response {
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
            refused_id(
                op.spec().vendor,
                &format!(
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
        return (Some(op), refused_id(op.spec().vendor, &e.to_string()));
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
            too_long |= c.is::<http_body_util::LengthLimitError>();
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
    let outcome = shared
        .store
        .apply(spec.vendor, campaign, action, crate::state::new_instance_id);
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
