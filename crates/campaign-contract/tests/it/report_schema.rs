//! The JSON drift report keeps the format `schemas/report/drift-report.json` describes: real
//! reports (a suite run on the embedded simulator; findings of every class from drifted mock
//! hosts) validate, and a report missing a field or holding an unknown class does not.

use campaign_api::{Client, ClientConfig, Credential, OperationId, Target, Vendor};
use campaign_contract::REPORT_SCHEMA_VERSION;
use campaign_contract::{Environment, Report, run_suite};
use campaign_schema::{Assumptions, Checker, Class, FindingRule, Grade, SchemaRegistry};
use campaign_schema::{Finding, MAX_ACTUAL};
use jsonschema::Validator;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/report/drift-report.json"
);

/// A credential the mock host echoes back: it must reach the report only as `[REDACTED]`.
const ECHOED_SECRET: &str = "SECRET-report-schema-jwt";

fn schema() -> Value {
    let text = std::fs::read_to_string(SCHEMA).expect("the report schema is readable");
    serde_json::from_str(&text).expect("the report schema is JSON")
}

fn validator() -> Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema())
        .expect("the report schema compiles")
}

/// Each way `report` breaks the schema, as `instance path: message`.
fn errors(v: &Validator, report: &Value) -> Vec<String> {
    v.iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn parse(report: &Report) -> Value {
    serde_json::from_str(&report.to_json()).expect("the report is JSON")
}

fn assert_valid(v: &Validator, report: &Value) {
    let errors = errors(v, report);
    assert!(
        errors.is_empty(),
        "the report breaks its schema:\n{}\n{report:#}",
        errors.join("\n")
    );
}

#[test]
fn the_schema_is_2020_12_and_describes_every_property() {
    // Arrange
    let schema = schema();

    // Act
    let meta = jsonschema::meta::validate(&schema);

    // Assert
    assert!(meta.is_ok(), "{meta:?}");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["properties"]["schema_version"]["const"],
        REPORT_SCHEMA_VERSION
    );
    let mut undescribed = Vec::new();
    fn walk(at: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, p) in props {
                        if p.get("description").and_then(Value::as_str).is_none() {
                            out.push(format!("{at}/properties/{name}"));
                        }
                    }
                }
                for (k, child) in map {
                    walk(&format!("{at}/{k}"), child, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(&format!("{at}/{i}"), child, out);
                }
            }
            _ => {}
        }
    }
    walk("", &schema, &mut undescribed);
    assert!(undescribed.is_empty(), "no description: {undescribed:?}");
    // `actual` is cut at MAX_ACTUAL characters plus the ellipsis, then a short note may follow.
    let max = schema["$defs"]["finding"]["properties"]["actual"]["maxLength"]
        .as_u64()
        .expect("actual has a maxLength");
    assert!(
        max > (MAX_ACTUAL as u64) + 1,
        "maxLength {max} leaves no room for the note after a cut value"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suite_run_on_the_simulator_matches_the_schema() {
    // Arrange
    let env = Environment::simulator_with("x-secret-abcdef", "x-key-abcdef")
        .await
        .expect("simulator");
    let checker = Checker::new(SchemaRegistry::load_default().expect("schemas load"))
        .with_secrets(env.secret_values());

    // Act
    let outcome = run_suite(&env, &checker, false).await;
    env.shutdown().await;

    // Assert
    let report = parse(&outcome.report);
    assert!(
        outcome.report.steps.len() >= 20,
        "{}",
        outcome.report.render()
    );
    assert_eq!(report["schema_version"], REPORT_SCHEMA_VERSION);
    assert_valid(&validator(), &report);
    assert!(
        outcome
            .report
            .to_markdown()
            .starts_with("## campaign-contract: PASS\n"),
        "{}",
        outcome.report.to_markdown()
    );
}

/// A report part built from JSON, so fields added later with serde defaults need no edit here.
fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a report part")
}

fn kore(uri: &str) -> Target {
    Target::new(
        Vendor::Kore,
        campaign_api::parse_base_url("KORE_BASE_URL", uri).expect("url"),
        Credential::KoreJwt(SecretString::from(ECHOED_SECRET)),
    )
    .with_kore_ids("acc", "st", None)
}

const GOOD: &str = r#"{"status":"Active","message":"Campaign Started","totalCallsCompleted":0,"updatedAt":"2025-06-27T07:01:45.416Z","campaignInstanceId":"cid-dbb5e25-605e-4556-8912-9292181axxxx"}"#;

fn drifted(f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> ResponseTemplate {
    let mut v: Value = serde_json::from_str(GOOD).expect("good body");
    f(v.as_object_mut().expect("object"));
    ResponseTemplate::new(200).set_body_raw(v.to_string().into_bytes(), "application/json")
}

/// A report built from real checks of a Kore voice start against a mock host answering, per
/// campaign id, a drifted body, a 503, a non-JSON page, an overlong value, an echoed credential
/// and (after the client's timeout) nothing; plus a step graded assumed whose answer departs from
/// our assumption, and one graded observed whose answer changed from what the host did before.
async fn report_with_every_class() -> Report {
    let server = MockServer::start().await;
    let long = "x".repeat(500);
    let answers = [
        (
            "drift",
            drifted(|m| {
                m.insert("totalCallsCompleted".into(), "0".into());
                m.insert("region".into(), "eu-1".into());
            }),
        ),
        (
            "busy",
            ResponseTemplate::new(503)
                .insert_header("retry-after", "9".repeat(200).as_str())
                .set_body_string("busy"),
        ),
        (
            "page",
            ResponseTemplate::new(200).set_body_raw(
                format!("\"{long}\u{1}\"").into_bytes(),
                "text/html; charset=utf-8",
            ),
        ),
        (
            "long",
            drifted(|m| {
                m.insert("status".into(), json!(long));
                m.insert(
                    "extra".into(),
                    json!({ "list": [long.clone(), long.clone()] }),
                );
            }),
        ),
        (
            "echo",
            drifted(|m| {
                m.insert("debug".into(), json!({ "auth": ECHOED_SECRET }));
            }),
        ),
        (
            "slow",
            ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
        ),
    ];
    for (id, answer) in &answers {
        Mock::given(method("POST"))
            .and(path(format!("/campaign/api/v1/public/st/campaign/{id}")))
            .respond_with(answer.clone())
            .mount(&server)
            .await;
    }
    let client = Client::new(ClientConfig {
        timeout: Duration::from_millis(500),
        ..ClientConfig::default()
    })
    .expect("client");
    let checker = Checker::new(SchemaRegistry::load_default().expect("schemas load"))
        .with_secrets(vec![SecretString::from(ECHOED_SECRET)]);
    let target = kore(&server.uri());
    let op = OperationId::KoreVoiceStartV1;
    let spec = op.spec();
    let mut report = Report {
        targets: vec![from_json(json!({
            "vendor": "kore",
            "kind": "sandbox",
            "host": target.host_label(),
            "skipped": "sms: KORE_SMS_CAMPAIGN_ID not set",
        }))],
        ..Report::default()
    };
    for (id, _) in &answers {
        let started = std::time::Instant::now();
        let result = client.call(&target, op, id).await;
        let step = format!("start {id}");
        let findings = checker.check_result(op, &step, &result, Assumptions::Report);
        report.steps.push(from_json(json!({
            "vendor": spec.vendor.slug(),
            "operation": spec.qualified_name(),
            "source": spec.source.to_string(),
            "step": step,
            "expected": "200",
            "status": result.as_ref().ok().map(|x| x.status.as_u16()),
            "grade": "documented",
            "elapsed_ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "findings": findings,
        })));
    }
    report.steps.push(from_json(json!({
        "vendor": "kore",
        "operation": spec.qualified_name(),
        "source": spec.source.to_string(),
        "step": "start when Active",
        "expected": "400",
        "status": 409,
        "grade": "assumed",
        "elapsed_ms": 1,
        "findings": [Finding {
            vendor: "kore".into(),
            operation: spec.qualified_name(),
            step: "start when Active".into(),
            status: Some(409),
            pointer: String::new(),
            rule: FindingRule::Lifecycle,
            expected: "400 (start when Active)".into(),
            actual: "409".into(),
            class: Class::Assumption,
            grade: Grade::Assumed,
            source: "schemas/kore/lifecycle.toml rule [Active, start] (assumption)".into(),
        }],
    })));
    report.steps.push(from_json(json!({
        "vendor": "kore",
        "operation": spec.qualified_name(),
        "source": spec.source.to_string(),
        "step": "start when Active",
        "expected": "400",
        "status": 409,
        "grade": "observed",
        "elapsed_ms": 1,
        "findings": [Finding {
            vendor: "kore".into(),
            operation: spec.qualified_name(),
            step: "start when Active".into(),
            status: Some(409),
            pointer: "/error/code".into(),
            rule: FindingRule::Keyword("required".into()),
            expected: "a required field (as observed)".into(),
            actual: "missing".into(),
            class: Class::Breaking,
            grade: Grade::Observed,
            source: "schemas/hosts/kore-sandbox.example-443.toml (observed on this host)".into(),
        }],
    })));
    report.cleanup.push("kore drift: stopped".into());
    report
}

#[tokio::test]
async fn findings_of_every_class_match_the_schema() {
    // Arrange
    let report = report_with_every_class().await;
    let classes: std::collections::BTreeSet<Class> = report.findings().map(|f| f.class).collect();
    assert_eq!(
        classes.len(),
        4,
        "every class is present: {classes:?}\n{}",
        report.render()
    );
    let longest = report
        .findings()
        .map(|f| f.actual.chars().count())
        .max()
        .unwrap_or_default();
    assert!(
        longest > MAX_ACTUAL + 1,
        "a note follows a cut value somewhere: {longest}"
    );

    // Act
    let json = parse(&report);

    // Assert
    println!("{}", report.render());
    assert!(!report.to_json().contains(ECHOED_SECRET));
    assert!(report.to_json().contains("(redacted)"), "{json:#}");
    assert_valid(&validator(), &json);
}

/// One way to break a valid report: what it is, how, and the instance path the schema must name.
type Breakage = (&'static str, fn(&mut Value), &'static str);

#[tokio::test]
async fn a_report_that_breaks_the_format_is_rejected() {
    // Arrange
    let v = validator();
    let good = parse(&report_with_every_class().await);
    assert_valid(&v, &good);
    let finding = "/steps/0/findings/0";
    let cases: Vec<Breakage> = vec![
        (
            "a finding without its class",
            |r| {
                r["steps"][0]["findings"][0]
                    .as_object_mut()
                    .expect("finding")
                    .remove("class");
            },
            finding,
        ),
        (
            "a finding without its pointer",
            |r| {
                r["steps"][0]["findings"][0]
                    .as_object_mut()
                    .expect("finding")
                    .remove("pointer");
            },
            finding,
        ),
        (
            "an unknown class",
            |r| r["steps"][0]["findings"][0]["class"] = json!("minor"),
            "/steps/0/findings/0/class",
        ),
        (
            "a field the schema does not know",
            |r| r["steps"][0]["findings"][0]["severity"] = json!("high"),
            finding,
        ),
        (
            "a whole body as actual",
            |r| r["steps"][0]["findings"][0]["actual"] = json!("x".repeat(10_000)),
            "/steps/0/findings/0/actual",
        ),
        (
            "a pointer that is not a JSON pointer",
            |r| r["steps"][0]["findings"][0]["pointer"] = json!("$.totalCallsCompleted"),
            "/steps/0/findings/0/pointer",
        ),
        (
            "a status as a string",
            |r| r["steps"][0]["status"] = json!("200"),
            "/steps/0/status",
        ),
        (
            "no schema_version",
            |r| {
                r.as_object_mut().expect("report").remove("schema_version");
            },
            "",
        ),
        (
            "another schema_version",
            |r| r["schema_version"] = json!(REPORT_SCHEMA_VERSION + 1),
            "/schema_version",
        ),
        (
            "a top-level field the schema does not know",
            |r| r["not_in_the_schema"] = json!(true),
            "",
        ),
    ];

    for (what, break_it, at) in cases {
        // Act
        let mut bad = good.clone();
        break_it(&mut bad);
        let errors: Vec<String> = v
            .iter_errors(&bad)
            .map(|e| e.instance_path().to_string())
            .collect();

        // Assert
        assert!(
            errors.iter().any(|p| p == at),
            "{what}: expected an error at {at:?}, got {errors:?}"
        );
    }
}
