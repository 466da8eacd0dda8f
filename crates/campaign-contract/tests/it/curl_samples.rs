//! The vendor docs' own curl samples, run with the real `curl` against the simulator: each
//! succeeds and its body validates against the committed schema.

use campaign_api::OperationId;
use campaign_schema::SchemaRegistry;
use campaign_sim::SimConfig;
use std::path::Path;
use std::process::Command;

struct Case {
    file: &'static str,
    op: OperationId,
    fill: &'static [(&'static str, &'static str)],
}

const VOICE_START_V1: Case = Case {
    file: "000-kore-voice-start-v1.sh",
    op: OperationId::KoreVoiceStartV1,
    fill: &[
        ("{{campaignId}}", "demo-voice"),
        ("{{campaignType}}", "voice"),
        ("{{trigger}}", "play"),
    ],
};

const VOICE_STOP_V1: Case = Case {
    file: "003-kore-voice-stop-v1.sh",
    op: OperationId::KoreVoiceStopV1,
    fill: &[
        ("{{campaignId}}", "demo-voice"),
        ("{{campaignType}}", "voice"),
        ("{{trigger}}", "stop"),
    ],
};

const SMS_START_V1: Case = Case {
    file: "002-kore-sms-start-v1.sh",
    op: OperationId::KoreSmsStartV1,
    fill: &[
        ("{{campaignId}}", "demo-sms"),
        ("{{campaignType}}", "sms"),
        ("{{trigger}}", "play"),
    ],
};

const SMS_START_V2: Case = Case {
    file: "001-kore-sms-start-v2.sh",
    op: OperationId::KoreSmsStartV2,
    fill: &[("{{campaignId}}", "load-sms-v2"), ("{{trigger}}", "play")],
};

const VOICEGENIE_START: Case = Case {
    file: "004-voicegenie-start.sh",
    op: OperationId::VoiceGenieStart,
    fill: &[],
};

/// What each sample needs: `curl` on PATH, the committed schemas and a simulator of its own.
async fn simulator() -> (campaign_sim::RunningSim, SchemaRegistry) {
    let curl = Command::new("curl").arg("--version").output();
    assert!(
        curl.as_ref().is_ok_and(|o| o.status.success()),
        "this test runs the vendors' curl samples and needs `curl` on PATH (.ci/run installs it)"
    );
    let registry = SchemaRegistry::load_default().expect("schemas load");
    let sim = campaign_sim::start(SimConfig::default())
        .await
        .expect("simulator");
    (sim, registry)
}

/// Runs one sample, filled in for the simulator at `host`, with the real `curl`: it must answer
/// 200 with a JSON body that validates against the committed schema for its operation.
async fn run_sample(host: &str, registry: &SchemaRegistry, case: &Case) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/vendor-curl");
    let mut script = std::fs::read_to_string(dir.join(case.file)).expect("sample file");
    script = script
        .replace("https://{{host}}", &format!("http://{host}"))
        .replace(
            "https://seamless-sandbox-dev-cm.oriserve.com",
            &format!("http://{host}"),
        )
        .replace("{{IID}}", "st-0603182c-7ffb-53c3-b307-47ca14b9xxxx");
    for (placeholder, value) in case.fill {
        script = script.replace(placeholder, value);
    }
    assert!(
        !script.contains("{{"),
        "{}: unfilled placeholder in {script}",
        case.file
    );
    let script = script.replacen(
        "curl ",
        "curl --silent --show-error --write-out '\\n%{http_code} %{content_type}' ",
        1,
    );

    // Act
    let out =
        tokio::task::spawn_blocking(move || Command::new("bash").arg("-c").arg(script).output())
            .await
            .expect("join")
            .expect("bash runs");

    // Assert
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}: curl failed: {}",
        case.file,
        String::from_utf8_lossy(&out.stderr)
    );
    let (body, meta) = stdout.rsplit_once('\n').expect("write-out line");
    let (status, content_type) = meta.split_once(' ').unwrap_or((meta, ""));
    assert_eq!(status, "200", "{}: {body}", case.file);
    assert!(
        content_type.starts_with("application/json"),
        "{}: {content_type}",
        case.file
    );
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{}: {e}: {body}", case.file));
    let schema = registry.for_response(case.op, 200).expect("documented 200");
    let violations = schema.violations(&json);
    assert!(
        violations.is_empty(),
        "{} ({}): {violations:#?}",
        case.file,
        schema.name
    );
}

/// Runs `cases` in order against one fresh simulator; each reached it exactly once.
async fn samples_succeed(cases: &[&Case]) {
    let (sim, registry) = simulator().await;
    let host = sim.addr().to_string();
    for case in cases {
        run_sample(&host, &registry, case).await;
    }
    let c = sim.counters();
    assert_eq!(
        c.total,
        cases.len() as u64,
        "each sample reached the simulator once: {c:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kore_voice_start_v1_sample_succeeds_and_matches_its_schema() {
    samples_succeed(&[&VOICE_START_V1]).await;
}

/// The stop sample stops what the start sample started, as the vendor's pages pair them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kore_voice_stop_v1_sample_after_its_start_succeeds_and_matches_its_schema() {
    samples_succeed(&[&VOICE_START_V1, &VOICE_STOP_V1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kore_sms_start_v1_sample_succeeds_and_matches_its_schema() {
    samples_succeed(&[&SMS_START_V1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kore_sms_start_v2_sample_succeeds_and_matches_its_schema() {
    samples_succeed(&[&SMS_START_V2]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voicegenie_start_sample_succeeds_and_matches_its_schema() {
    samples_succeed(&[&VOICEGENIE_START]).await;
}
