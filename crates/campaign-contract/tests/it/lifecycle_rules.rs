//! The lifecycle rule files drive both the simulator and the suite: an edited rule moves both
//! together, and a broken one stops the run naming file and rule.

use campaign_api::SchemaSource;
use campaign_contract::{Environment, run_suite};
use campaign_schema::{Checker, SchemaRegistry};
use std::path::{Path, PathBuf};

fn scratch_schemas() -> PathBuf {
    crate::support::scratch_schemas("lifecycle-rules")
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("rule file");
    assert!(text.contains(from), "{from:?} in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_rule_moves_the_simulator_and_the_suite_together() {
    // Arrange: Kore.ai "start after stop" now answers 400 first (the simulator's answer).
    let dir = scratch_schemas();
    edit(
        &dir.join("kore/lifecycle.toml"),
        "outcomes = [\n  { status = 200, schema = \"kore/{channel}-start.200.json\", next = \"Active\" },\n  { status = 400, schema = \"kore/error.400.json\", next = \"Stopped\" },\n]",
        "outcomes = [\n  { status = 400, schema = \"kore/error.400.json\", next = \"Stopped\" },\n  { status = 200, schema = \"kore/{channel}-start.200.json\", next = \"Active\" },\n]",
    );
    let checker = Checker::new(SchemaRegistry::load(&dir).expect("edited rules load"));
    let env = Environment::simulator_in(&SchemaSource::dir(&dir), "s-secret-1234", "s-key-1234")
        .await
        .expect("simulator follows the edited rules");

    // Act
    let outcome = run_suite(&env, &checker, false).await;
    env.shutdown().await;

    // Assert: the simulator refused the restart, and the suite, reading the same file, agrees.
    let report = outcome.report;
    assert!(report.passed(), "{}", report.render());
    let restarts: Vec<_> = report
        .steps
        .iter()
        .filter(|s| s.vendor == "kore" && s.step == "start when Stopped")
        .map(|s| s.status)
        .collect();
    assert_eq!(restarts, vec![Some(400), Some(400)], "{}", report.render());
    let _ = std::fs::remove_dir_all(dir.parent().expect("scratch root"));
}

#[test]
fn a_broken_rule_file_stops_the_cli_naming_file_and_rule() {
    // Arrange: Kore.ai's stop now names a schema that does not exist.
    let dir = scratch_schemas();
    edit(
        &dir.join("kore/lifecycle.toml"),
        "kore/{channel}-stop.200.json",
        "kore/{channel}-halt.200.json",
    );

    // Act
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_campaign-contract"))
        .args(["check", "--schemas"])
        .arg(&dir)
        .env_remove("KORE_BASE_URL")
        .env_remove("VOICEGENIE_BASE_URL")
        .output()
        .expect("the CLI runs");

    // Assert
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let file = dir.join("kore").join("lifecycle.toml");
    assert!(
        stderr.contains(&format!(
            "{}: rule [Active, stop]: schema file kore/voice-halt.200.json does not exist",
            file.display()
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir.parent().expect("scratch root"));
}

#[test]
fn a_state_reading_a_value_the_schema_forbids_is_refused() {
    let dir = scratch_schemas();
    edit(
        &dir.join("kore/lifecycle.toml"),
        "settling = [\"Preparing\"]",
        "settling = [\"Queued\"]",
    );
    let e = SchemaRegistry::load(&dir).expect_err("refused");
    let _ = std::fs::remove_dir_all(dir.parent().expect("scratch root"));
    assert!(
        e.to_string().ends_with(
            "kore/lifecycle.toml: state Active reads \"Queued\", which kore/status.200.json does not allow at /data/status"
        ),
        "{e}"
    );
}
