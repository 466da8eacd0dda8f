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

const CASES: &[Case] = &[
    Case {
        file: "000-kore-voice-start-v1.sh",
        op: OperationId::KoreVoiceStartV1,
        fill: &[
            ("{{campaignId}}", "demo-voice"),
            ("{{campaignType}}", "voice"),
            ("{{trigger}}", "play"),
        ],
    },
    Case {
        file: "003-kore-voice-stop-v1.sh",
        op: OperationId::KoreVoiceStopV1,
        fill: &[
            ("{{campaignId}}", "demo-voice"),
            ("{{campaignType}}", "voice"),
            ("{{trigger}}", "stop"),
        ],
    },
    Case {
        file: "002-kore-sms-start-v1.sh",
        op: OperationId::KoreSmsStartV1,
        fill: &[
            ("{{campaignId}}", "demo-sms"),
            ("{{campaignType}}", "sms"),
            ("{{trigger}}", "play"),
        ],
    },
    Case {
        file: "001-kore-sms-start-v2.sh",
        op: OperationId::KoreSmsStartV2,
        fill: &[("{{campaignId}}", "load-sms-v2"), ("{{trigger}}", "play")],
    },
    Case {
        file: "004-voicegenie-start.sh",
        op: OperationId::VoiceGenieStart,
        fill: &[],
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_curl_samples_succeed_against_the_simulator_and_match_the_schemas() {
    // Arrange
    let curl = Command::new("curl").arg("--version").output();
    assert!(
        curl.as_ref().is_ok_and(|o| o.status.success()),
        "this test runs the vendors' curl samples and needs `curl` on PATH (.ci/run installs it)"
    );
    let registry = SchemaRegistry::load_default().expect("schemas load");
    let sim = campaign_sim::start(SimConfig::default())
        .await
        .expect("simulator");
    let host = sim.addr().to_string();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/vendor-curl");

    for case in CASES {
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
        let out = tokio::task::spawn_blocking(move || {
            Command::new("bash").arg("-c").arg(script).output()
        })
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
    let c = sim.counters();
    assert_eq!(
        c.total,
        CASES.len() as u64,
        "each sample reached the simulator once: {c:?}"
    );
}
