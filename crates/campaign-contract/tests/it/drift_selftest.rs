//! Self-tests of the checker: mock hosts (wiremock) answer with drifted responses and the checker
//! must report each with the right class and JSON pointer, naming the operation — and never panic.

use campaign_api::{Client, ClientConfig, Credential, OperationId, Target, Vendor};
use campaign_schema::Finding;
use campaign_schema::{Assumptions, Class, Grade};
use secrecy::SecretString;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GOOD: &str = r#"{"status":"Active","message":"Campaign Started","totalCallsCompleted":0,"updatedAt":"2025-06-27T07:01:45.416Z","campaignInstanceId":"cid-dbb5e25-605e-4556-8912-9292181axxxx"}"#;

fn kore(uri: &str) -> Target {
    Target::new(
        Vendor::Kore,
        campaign_api::parse_base_url("KORE_BASE_URL", uri).expect("url"),
        Credential::KoreJwt(SecretString::from("SECRET-selftest-jwt")),
    )
    .with_kore_ids("acc", "st", None)
}

use crate::support::checker;

/// Serves `response` to a Kore voice start and returns the checker's findings.
async fn findings_for(response: ResponseTemplate, timeout: Duration) -> Vec<Finding> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("^/campaign/api/v1/public/st/campaign/c1$"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = Client::new(ClientConfig {
        timeout,
        ..ClientConfig::default()
    })
    .expect("client");
    let result = client
        .call(&kore(&server.uri()), OperationId::KoreVoiceStartV1, "c1")
        .await;
    checker().check_result(
        OperationId::KoreVoiceStartV1,
        "start",
        &result,
        Assumptions::Report,
    )
}

fn json_body(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(text.as_bytes().to_vec(), "application/json")
}

fn mutate(f: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(GOOD).expect("good body");
    f(v.as_object_mut().expect("object"));
    v.to_string()
}

/// Exactly one finding, with this class, rule and pointer, and a line naming all three.
fn assert_one(findings: &[Finding], class: Class, rule: &str, pointer: &str) {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (f.class, f.rule.as_str(), f.pointer.as_str()),
        (class, rule, pointer),
        "{f:#?}"
    );
    let line = f.to_string();
    assert!(line.starts_with("kore voice-start-v1 "), "{line}");
    assert!(
        line.ends_with(&format!("{} ({})", class.label(), f.grade)),
        "{line}"
    );
    assert!(!line.contains("SECRET-selftest-jwt"), "{line}");
    println!("{line}");
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn the_documented_body_has_no_findings() {
    assert!(findings_for(json_body(GOOD), T).await.is_empty());
}

#[tokio::test]
async fn field_removed_is_breaking() {
    let body = mutate(|m| {
        m.remove("totalCallsCompleted");
    });
    let f = findings_for(json_body(&body), T).await;
    assert_one(&f, Class::Breaking, "required", "/totalCallsCompleted");
    assert!(
        f[0].to_string()
            .contains("$.totalCallsCompleted  expected a required field, got missing")
    );
}

#[tokio::test]
async fn type_changed_is_breaking() {
    let body = mutate(|m| {
        m.insert("totalCallsCompleted".into(), "0".into());
    });
    let f = findings_for(json_body(&body), T).await;
    assert_one(&f, Class::Breaking, "type", "/totalCallsCompleted");
    assert_eq!(
        f[0].to_string(),
        "kore voice-start-v1 200  $.totalCallsCompleted  expected integer, got \"0\" (string)  BREAKING (documented)"
    );
}

#[tokio::test]
async fn value_renamed_is_breaking() {
    let body = mutate(|m| {
        m.insert("status".into(), "active".into());
    });
    let f = findings_for(json_body(&body), T).await;
    assert_one(&f, Class::Breaking, "const", "/status");
    assert!(
        f[0].expected.contains("\"Active\"") && f[0].actual.contains("\"active\""),
        "{:?}",
        f[0]
    );
}

#[tokio::test]
async fn extra_field_is_additive() {
    let body = mutate(|m| {
        m.insert("region".into(), "eu-1".into());
    });
    assert_one(
        &findings_for(json_body(&body), T).await,
        Class::Additive,
        "additionalProperties",
        "/region",
    );
}

#[tokio::test]
async fn html_502_page_is_unavailable_not_drift() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let f = findings_for(
        ResponseTemplate::new(502).set_body_raw(page, "text/html"),
        T,
    )
    .await;
    assert_one(&f, Class::Unavailable, "status", "");
}

#[tokio::test]
async fn empty_body_is_breaking() {
    let f = findings_for(
        ResponseTemplate::new(200).set_body_raw(Vec::new(), "application/json"),
        T,
    )
    .await;
    assert_one(&f, Class::Breaking, "json", "");
    assert!(f[0].actual.contains("empty body"));
}

#[tokio::test]
async fn wrong_content_type_is_breaking() {
    let f = findings_for(
        ResponseTemplate::new(200).set_body_raw(GOOD, "text/plain"),
        T,
    )
    .await;
    assert_one(&f, Class::Breaking, "content-type", "");
}

#[tokio::test]
async fn truncated_json_is_breaking() {
    let f = findings_for(json_body(&GOOD[..GOOD.len() / 2]), T).await;
    assert_one(&f, Class::Breaking, "json", "");
}

#[tokio::test]
async fn undocumented_status_is_breaking() {
    let f = findings_for(
        ResponseTemplate::new(201).set_body_raw(GOOD, "application/json"),
        T,
    )
    .await;
    assert_one(&f, Class::Breaking, "status", "");
}

#[tokio::test]
async fn delay_past_the_client_timeout_is_unavailable() {
    let slow = json_body(GOOD).set_delay(Duration::from_millis(1500));
    let f = findings_for(slow, Duration::from_millis(300)).await;
    assert_one(&f, Class::Unavailable, "transport", "");
    assert!(f[0].actual.starts_with("timeout"), "{:?}", f[0]);
}

#[tokio::test]
async fn reset_connection_is_unavailable() {
    // wiremock always answers, so this host is a raw socket that closes on every request.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await;
            drop(s);
        }
    });
    let client = Client::new(ClientConfig::default()).expect("client");
    let result = client
        .call(
            &kore(&format!("http://{addr}")),
            OperationId::KoreVoiceStartV1,
            "c1",
        )
        .await;
    let f = checker().check_result(
        OperationId::KoreVoiceStartV1,
        "start",
        &result,
        Assumptions::Report,
    );
    assert_one(&f, Class::Unavailable, "transport", "");
    assert!(f[0].actual.starts_with("reset"), "{:?}", f[0]);
}

#[tokio::test]
async fn nested_drift_points_into_the_body() {
    // VoiceGenie start with `data.status` renamed and `data.started_at` no longer a date-time.
    let server = MockServer::start().await;
    let body = r#"{"success":true,"data":{"campaign_id":"c1","status":"in_progress","started_at":"soon"},"message":"ok"}"#;
    Mock::given(method("GET"))
        .respond_with(json_body(body))
        .mount(&server)
        .await;
    let t = Target::new(
        Vendor::VoiceGenie,
        campaign_api::parse_base_url("VOICEGENIE_BASE_URL", &server.uri()).expect("url"),
        Credential::ApiKey(SecretString::from("k")),
    );
    let client = Client::new(ClientConfig::default()).expect("client");
    let result = client.call(&t, OperationId::VoiceGenieStart, "c1").await;
    let mut f = checker().check_result(
        OperationId::VoiceGenieStart,
        "start",
        &result,
        Assumptions::Report,
    );
    f.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    let got: Vec<_> = f
        .iter()
        .map(|f| (f.pointer.as_str(), f.rule.as_str(), f.class))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/data/started_at", "format", Class::Breaking),
            ("/data/status", "const", Class::Breaking)
        ]
    );
    assert!(
        f[1].to_string()
            .contains("voicegenie start 200  $.data.status")
    );
}

#[tokio::test]
async fn kore_error_bodies_are_assumptions_on_a_sandbox_and_binding_on_the_simulator() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_raw(r#"{"errors":[{"msg":"bad token"}]}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let client = Client::new(ClientConfig::default()).expect("client");
    let result = client
        .call(&kore(&server.uri()), OperationId::KoreVoiceStartV1, "c1")
        .await;
    let c = checker();
    let reported = c.check_result(
        OperationId::KoreVoiceStartV1,
        "auth",
        &result,
        Assumptions::Report,
    );
    // Said, not gating: what we assumed ({msg, code}) and what the host sent instead.
    assert!(!reported.is_empty());
    assert!(
        reported
            .iter()
            .all(|f| f.class == Class::Assumption && f.grade == Grade::Assumed),
        "{reported:#?}"
    );
    assert!(
        reported.iter().any(|f| f.pointer == "/errors"),
        "{reported:#?}"
    );
    let strict = c.check_result(
        OperationId::KoreVoiceStartV1,
        "auth",
        &result,
        Assumptions::Enforce,
    );
    assert!(
        strict
            .iter()
            .any(|f| f.class == Class::Breaking && f.pointer == "/msg"),
        "{strict:#?}"
    );
}
