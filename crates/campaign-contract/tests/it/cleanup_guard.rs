//! The cleanup guard's verdict ("confirmed halted" or "check it by hand") on hosts we did not
//! write: wiremock stand-ins answering the Kore.ai stop and status read from the vendor docs
//! alone, and hostile ones (a redirect, a reset-like 503 storm, silence past the timeout).

use campaign_api::{
    CleanupGuard, Client, ClientConfig, Credential, Lifecycle, OperationId, Target, Vendor,
};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STOP_PATH: &str = r"^/campaign/api/v1/public/st-g/campaign/cmp-g$";
const STATUS_PATH: &str = r"^/agentassist/api/v1/public/st-g/campaign/cmp-g/status$";

fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

/// The documented stop answer (Kore.ai page "Stop Voice Campaign").
fn stopped_answer() -> ResponseTemplate {
    json(
        200,
        serde_json::json!({"status": "Stopped", "message": "Campaign Stopped",
            "updatedAt": "2025-06-27T07:13:51.444Z", "campaignInstanceId": "cid-1"}),
    )
}

/// The documented status read (Kore.ai page "Get Campaign Status API") showing `status`.
fn status_answer(status: &str) -> ResponseTemplate {
    json(
        200,
        serde_json::json!({"status": "success", "data": {"id": "cd-1", "status": status, "name": "g"}}),
    )
}

async fn guard_on(server: &MockServer) -> Vec<campaign_api::Stopped> {
    let target = Target::new(
        Vendor::Kore,
        campaign_api::parse_base_url("KORE_BASE_URL", &server.uri()).expect("url"),
        Credential::KoreJwt(SecretString::from("guard.test.jwt")),
    )
    .with_kore_ids("acc-g", "st-g", None);
    let client = Client::new(ClientConfig {
        timeout: Duration::from_millis(500),
        ..ClientConfig::default()
    })
    .expect("client");
    let guard = CleanupGuard::new(client, "guard-test");
    let lifecycle = Arc::new(Lifecycle::embedded(Vendor::Kore).expect("rules"));
    guard
        .started(&target, OperationId::KoreVoiceStopV1, &lifecycle, "cmp-g")
        .expect("a valid id");
    guard.finish_pending().await
}

async fn host(stop: ResponseTemplate, status: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(STOP_PATH))
        .respond_with(stop)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(STATUS_PATH))
        .respond_with(status)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_documented_host_reading_stopped_is_confirmed_halted() {
    let server = host(stopped_answer(), status_answer("Stopped")).await;
    let results = guard_on(&server).await;
    assert_eq!(results.len(), 1);
    assert!(results[0].halted, "{:?}", results[0]);
    // One stop and one read: nothing retried on a healthy host.
    assert_eq!(results[0].calls, 2, "{:?}", results[0]);
    assert_eq!(server.received_requests().await.map_or(0, |r| r.len()), 2);
}

#[tokio::test]
async fn a_host_still_reading_active_is_reported_dialing() {
    let server = host(stopped_answer(), status_answer("Active")).await;
    let results = guard_on(&server).await;
    assert!(!results[0].halted);
    assert!(
        results[0].line.contains("STILL DIALING"),
        "{}",
        results[0].line
    );
}

/// A status read that is not a documented answer (`what`) never confirms a halt: the line says
/// to check by hand, the read was retried, and the credential is not in it.
async fn never_taken_as_halted(what: &str, status: ResponseTemplate) {
    let server = host(stopped_answer(), status).await;
    let results = guard_on(&server).await;
    assert!(!results[0].halted, "{what}: {:?}", results[0]);
    assert!(
        results[0].line.contains("CHECK IT BY HAND"),
        "{what}: {}",
        results[0].line
    );
    // The stop once, then the read tried four times: a lagging host gets its chance.
    assert_eq!(results[0].calls, 5, "{what}: {:?}", results[0]);
    assert!(
        !results[0].line.contains("guard.test.jwt"),
        "{what}: {}",
        results[0].line
    );
}

#[tokio::test]
async fn a_redirected_status_read_is_never_taken_as_halted() {
    never_taken_as_halted(
        "redirect",
        ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/"),
    )
    .await;
}

#[tokio::test]
async fn an_html_status_read_is_never_taken_as_halted() {
    never_taken_as_halted(
        "html 200",
        ResponseTemplate::new(200).set_body_raw("<h1>ok</h1>", "text/html"),
    )
    .await;
}

#[tokio::test]
async fn a_silent_status_read_is_never_taken_as_halted() {
    never_taken_as_halted(
        "silence",
        status_answer("Stopped").set_delay(Duration::from_secs(3)),
    )
    .await;
}

#[tokio::test]
async fn a_503_status_read_is_never_taken_as_halted() {
    never_taken_as_halted("503", ResponseTemplate::new(503)).await;
}
