//! The contract suite QA and CI run.
//!
//! Per vendor: its sandbox when `KORE_BASE_URL` / `VOICEGENIE_BASE_URL` is set (with the
//! credentials and campaign ids from env), else the embedded simulator. Fails on breaking drift
//! (and on additive drift with `CAMPAIGN_CONTRACT_STRICT=1`), printing the readable report;
//! snapshots every documented response's shape and redacted body under `snapshots/`.

use campaign_api::HostKind;
use campaign_contract::report::Verdict;
use campaign_contract::suite::{self, Recorded};
use campaign_contract::{Environment, leaks};
use campaign_schema::{Checker, SchemaRegistry, shape};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn strict() -> bool {
    std::env::var("CAMPAIGN_CONTRACT_STRICT").is_ok_and(|v| v == "1")
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Snapshots shapes (shared by every target) and redacted bodies (per target kind).
fn snapshot(exchanges: &[Recorded]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (selector, replacement) in [
        (".updatedAt", "[timestamp]"),
        (".data.started_at", "[timestamp]"),
        (".data.paused_at", "[timestamp]"),
        (".campaignInstanceId", "[cid]"),
        (".data.id", "[campaign-id]"),
        (".data.campaign_id", "[campaign-id]"),
        (".data.name", "[name]"),
    ] {
        settings.add_redaction(selector, replacement);
    }
    let mut shapes: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut bodies: BTreeMap<String, (HostKind, serde_json::Value)> = BTreeMap::new();
    for x in exchanges {
        let Some(body) = &x.body else { continue };
        let op = x.operation.spec();
        let base = format!("{}__{}__{}", op.vendor, op.name, x.status);
        if x.documented {
            shapes
                .entry(format!("{base}__shape"))
                .or_insert_with(|| shape::infer(body));
        } else if x.kind != HostKind::Simulator {
            // Undocumented bodies are our simulator's guess: a sandbox owes nothing to it.
            continue;
        }
        bodies.insert(format!("{base}__{}", slug(&x.step)), (x.kind, body.clone()));
    }
    assert!(!shapes.is_empty(), "no documented response to snapshot");
    for (name, value) in &shapes {
        settings.bind(|| insta::assert_json_snapshot!(name.as_str(), value));
    }
    for (name, (kind, value)) in &bodies {
        let mut s = settings.clone();
        s.set_snapshot_suffix(kind.label());
        s.bind(|| insta::assert_json_snapshot!(name.as_str(), value));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendors_keep_their_documented_contract() {
    // Arrange
    let env = Environment::from_env()
        .await
        .unwrap_or_else(|e| panic!("cannot set up the targets: {e}"));
    for t in &env.targets {
        println!("{t}");
    }
    let checker = Checker::new(SchemaRegistry::load_default().unwrap_or_else(|e| panic!("{e}")))
        .with_secrets(env.secret_values());

    // Act
    let outcome = suite::run(&env, &checker, strict()).await;

    // Assert
    let report = &outcome.report;
    let text = report.render();
    println!("{text}");
    // The reports CI publishes (JSON for machines, Markdown for the job summary), written
    // whatever the verdict and scanned for credentials before anything else is judged.
    let mut artifacts = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots")];
    for (var, body) in [
        ("CAMPAIGN_CONTRACT_REPORT", report.to_json()),
        ("CAMPAIGN_CONTRACT_MARKDOWN", report.to_markdown()),
    ] {
        if let Some(path) = std::env::var_os(var) {
            std::fs::write(&path, body).unwrap_or_else(|e| panic!("writing {var}: {e}"));
            artifacts.push(PathBuf::from(path));
        }
    }
    let secrets = env.secret_values();
    let all_secrets: Vec<SecretString> = secrets
        .iter()
        .cloned()
        .chain(leaks::env_secret_values())
        .collect();
    for s in all_secrets
        .iter()
        .map(|s| s.expose_secret())
        .filter(|s| s.len() >= 4)
    {
        assert!(!text.contains(s), "a credential leaked into the report");
    }
    match report.verdict() {
        Verdict::Pass => {}
        Verdict::Drift => panic!("contract drift:\n{text}"),
        Verdict::Unavailable => panic!(
            "sandbox unavailable (noise, not drift; the run proves nothing):\n  {}\n{text}",
            report.unavailable.join("\n  ")
        ),
    }
    assert!(
        report.steps.len() >= 20,
        "the lifecycle ran: {} steps",
        report.steps.len()
    );
    snapshot(&outcome.exchanges);
    // Every written artifact (snapshots included), against the targets' secrets and every
    // credential set in env.
    if let Err(e) = leaks::scan(&artifacts, &all_secrets) {
        panic!("{e}");
    }
    env.shutdown().await;
}
