//! The schemas mark what is documented and what is our assumption, and the checker grades each
//! finding by that mark: a departure from an assumption is never drift on a host we did not
//! write, and always drift on our own simulator.

use campaign_api::{Exchange, OperationId};
use campaign_schema::GRADE_KEYWORD;
use campaign_schema::{Assumptions, Checker, Class, Grade, SchemaRegistry};
use serde_json::{Value, json};

fn checker() -> Checker {
    Checker::new(SchemaRegistry::load_default().expect("schemas/ loads"))
}

fn exchange(op: OperationId, status: u16, body: &Value) -> Exchange {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    Exchange {
        operation: op,
        status: http::StatusCode::from_u16(status).expect("a status"),
        headers,
        body: body.to_string().into_bytes().into(),
        elapsed: std::time::Duration::ZERO,
    }
}

#[test]
fn every_assumed_status_has_a_schema_marked_assumed_and_no_documented_one_does() {
    let registry = SchemaRegistry::load_default().expect("schemas/ loads");
    for op in OperationId::ALL {
        for r in op.spec().responses {
            let schema = registry
                .get(r.schema)
                .expect("the table's schema is loaded");
            let marked =
                schema.document.get(GRADE_KEYWORD).and_then(Value::as_str) == Some("assumed");
            assert_eq!(
                marked,
                !r.source.is_documented(),
                "{op} {}: {} is {}marked assumed, but the operation table says {}",
                r.status,
                r.schema,
                if marked { "" } else { "not " },
                r.source
            );
        }
    }
}

#[test]
fn a_kore_status_failure_is_documented_but_what_it_carries_is_assumed() {
    // Arrange: the answer an independent Kore.ai stand-in gives for an unknown campaign.
    let x = exchange(
        OperationId::KoreStatusV1,
        200,
        &json!({"status": "failure", "data": {}}),
    );

    // Act
    let on_a_sandbox = checker().check(x.operation, "unknown campaign", &x, Assumptions::Report);
    let on_our_simulator =
        checker().check(x.operation, "unknown campaign", &x, Assumptions::Enforce);

    // Assert: three fields our guess wants, each an assumption finding on a sandbox.
    let mut pointers: Vec<&str> = on_a_sandbox.iter().map(|f| f.pointer.as_str()).collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        ["/data/id", "/data/name", "/data/status"],
        "{on_a_sandbox:#?}"
    );
    assert!(
        on_a_sandbox
            .iter()
            .all(|f| f.class == Class::Assumption && f.grade == Grade::Assumed)
    );
    assert!(
        on_our_simulator
            .iter()
            .all(|f| f.class == Class::Breaking && f.grade == Grade::Assumed)
    );

    // The documented part still gates: a status value the docs do not list.
    let renamed = exchange(
        OperationId::KoreStatusV1,
        200,
        &json!({"status": "error", "data": {}}),
    );
    let f = checker().check(
        renamed.operation,
        "unknown campaign",
        &renamed,
        Assumptions::Report,
    );
    let documented: Vec<_> = f.iter().filter(|f| f.grade == Grade::Documented).collect();
    assert_eq!(documented.len(), 1, "{f:#?}");
    assert_eq!(documented[0].pointer, "/status");
    assert_eq!(documented[0].class, Class::Breaking);

    // And a success must carry the campaign, as documented.
    let bare = exchange(
        OperationId::KoreStatusV2,
        200,
        &json!({"status": "success", "data": {}}),
    );
    let f = checker().check(bare.operation, "status", &bare, Assumptions::Report);
    assert!(
        !f.is_empty()
            && f.iter()
                .all(|f| f.class == Class::Breaking && f.grade == Grade::Documented),
        "{f:#?}"
    );
}

#[test]
fn an_assumed_field_is_graded_apart_from_its_documented_siblings() {
    // VoiceGenie documents only data.campaign_status for a get; `success` is our assumption.
    let x = exchange(
        OperationId::VoiceGenieCampaign,
        200,
        &json!({"data": {"campaign_status": "paused"}}),
    );
    let f = checker().check(x.operation, "status", &x, Assumptions::Report);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].pointer.as_str(), f[0].class, f[0].grade),
        ("/success", Class::Assumption, Grade::Assumed)
    );

    let y = exchange(
        OperationId::VoiceGenieCampaign,
        200,
        &json!({"success": true, "data": {}}),
    );
    let f = checker().check(y.operation, "status", &y, Assumptions::Report);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].pointer.as_str(), f[0].class, f[0].grade),
        ("/data/campaign_status", Class::Breaking, Grade::Documented)
    );
}

#[test]
fn an_assumed_error_body_in_another_shape_is_an_assumption_not_drift() {
    let x = exchange(
        OperationId::KoreVoiceStartV1,
        400,
        &json!({"error": {"code": "CAMPAIGN_ALREADY_ACTIVE", "message": "no"}}),
    );
    let f = checker().check(x.operation, "start when Active", &x, Assumptions::Report);
    assert!(!f.is_empty());
    assert!(
        f.iter()
            .all(|f| f.class == Class::Assumption && f.grade == Grade::Assumed),
        "{f:#?}"
    );
    let f = checker().check(x.operation, "start when Active", &x, Assumptions::Enforce);
    assert!(f.iter().any(|f| f.class == Class::Breaking), "{f:#?}");
    assert!(f.iter().any(|f| f.class == Class::Additive), "{f:#?}");
}
