//! Every verdict of `campaign-contract check` on a host we did not write: the stand-in in
//! `tests/fixtures/vendor_standin.py`, written from the vendor pages alone (`docs/operations.md`
//! cites them). It keeps every documented statement and, where the docs are silent, answers
//! differently from each of our assumptions (409 for refusals, another error shape, 200
//! "failure" for an unknown Kore.ai campaign, 403 for bad credentials, no undocumented fields).
//!
//! - faithful: pass, with the assumption findings listed first; strict: fail on them;
//! - a breaking switch: fail, naming the pointer; an outage: unavailable; a new field: pass, or
//!   fail when strict;
//! - `--record`: the assumption findings become observed and the run is clean; a host that then
//!   changes an observed answer fails, naming it;
//! - the suite entry point `cargo test` runs reaches the CLI's verdict on the same host.

use crate::support::standin::{self, StandIn, scratch};
use campaign_contract::Verdict;
use campaign_contract::{Environment, run_suite};
use campaign_schema::{Checker, SchemaRegistry};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What one `campaign-contract check` run showed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }
}

/// Runs `campaign-contract check ARGS` with both vendors pointed at `s`, recorded answers under
/// `hosts`.
fn check(s: &StandIn, hosts: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
    cmd.arg("check").args(args);
    for var in StandIn::VARS {
        cmd.env_remove(var);
    }
    cmd.env_remove("CAMPAIGN_CONTRACT_STRICT")
        .envs(s.env())
        .env("CAMPAIGN_CONTRACT_HOSTS_DIR", hosts)
        .env("CAMPAIGN_HARNESS_JOURNAL_DIR", hosts.join("journal"));
    let out = cmd.output().expect("campaign-contract runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for secret in [standin::KORE_CLIENT_SECRET, standin::VOICEGENIE_KEY] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a credential reached the output"
        );
    }
    run
}

fn report_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/report/drift-report.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("report schema"))
            .expect("JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("the report schema compiles")
}

#[test]
fn a_faithful_host_passes_with_its_assumptions_listed_first_and_fails_only_when_strict() {
    // Arrange
    let s = StandIn::start("none");
    let dir = scratch("faithful");
    let (json, md) = (dir.join("report.json"), dir.join("report.md"));

    // Act
    let run = check(
        &s,
        &dir.join("hosts"),
        &[
            "--json",
            json.to_str().expect("utf-8"),
            "--markdown",
            md.to_str().expect("utf-8"),
        ],
    );

    // Assert: exit 0, the assumptions listed before any operation's block.
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let listed = run
        .stdout
        .find("where the docs are silent, this host departs from our assumption")
        .unwrap_or_else(|| panic!("no assumption list:\n{}", run.stdout));
    let first_block = run.stdout.find("\nkore ").expect("an operation block");
    assert!(listed < first_block, "{}", run.stdout);
    for departure in [
        "kore voice-stop-v1 409 (stop when Ready)  $  assumed 400 (stop when Ready), host answered 409",
        "kore status-v1 200 (unknown campaign)  $  assumed 404 (unknown campaign), host answered 200",
        "kore status-v1 403 (wrong credentials)  $  assumed 401 (wrong credentials), host answered 403",
        "voicegenie campaign 200 (status before the run)  $.success  assumed a required field, host answered missing",
    ] {
        assert!(
            run.stdout.contains(departure),
            "missing {departure:?}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.last_line()
            .contains("0 breaking, 0 additive, 0 unavailable"),
        "{}",
        run.last_line()
    );
    assert!(run.last_line().ends_with("-> PASS"), "{}", run.last_line());

    // The JSON report carries grade and class, and its schema accepts them.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("JSON");
    let errors: Vec<String> = report_validator()
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        report["tally"]["assumption"].as_u64().unwrap_or_default() >= 10,
        "{}",
        report["tally"]
    );
    assert_eq!(report["tally"]["breaking"], 0);
    let findings: Vec<&Value> = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["findings"].as_array().expect("findings"))
        .collect();
    assert!(
        findings
            .iter()
            .all(|f| f["class"] == "assumption" && f["grade"] == "assumed")
    );

    // The Markdown lists them first, with their grade.
    let md = std::fs::read_to_string(&md).expect("markdown written");
    assert!(md.starts_with("## campaign-contract: PASS\n"), "{md}");
    let first_row = md
        .lines()
        .skip_while(|l| !l.starts_with("| class | grade |"))
        .nth(2)
        .unwrap_or_default();
    assert!(
        first_row.starts_with("| ASSUMPTION | assumed | kore "),
        "{md}"
    );

    // Strict: the same host fails on those findings alone.
    s.reset();
    let strict = check(&s, &dir.join("hosts"), &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(
        strict.last_line().contains("0 breaking, 0 additive"),
        "{}",
        strict.last_line()
    );
    assert!(
        strict
            .last_line()
            .ends_with("(strict: additive and assumption fail) -> FAIL")
    );
}

#[test]
fn each_breaking_switch_fails_naming_the_pointer_an_outage_proves_nothing_and_a_new_field_passes() {
    let s = StandIn::start("none");
    let hosts = scratch("switches").join("hosts");
    for (drift, line) in [
        (
            "required-removed",
            "kore voice-start-v1 200  $.updatedAt  expected a required field, got missing  BREAKING (documented)",
        ),
        (
            "type-changed",
            "kore voice-start-v1 200  $.totalCallsCompleted  expected integer, got \"0\" (string)  BREAKING (documented)",
        ),
        (
            "enum-renamed",
            "voicegenie start 200  $.data.status  expected \"running\", got \"started\" (string)  BREAKING (documented)",
        ),
        (
            "html",
            "kore status-v1 200  $  expected application/json, got text/html; charset=utf-8  BREAKING (documented)",
        ),
    ] {
        s.reset();
        s.set_drift(drift);
        let run = check(&s, &hosts, &[]);
        assert_eq!(run.code, 1, "{drift}:\n{}", run.stdout);
        assert!(
            run.stdout.contains(line),
            "{drift}: no {line:?} in\n{}",
            run.stdout
        );
        assert!(
            run.last_line().ends_with("-> FAIL"),
            "{drift}: {}",
            run.last_line()
        );
        // Whatever the drift, the run stopped what it started.
        let state = s.state();
        for id in [standin::KORE_VOICE, standin::KORE_SMS] {
            assert_ne!(state["kore"][id], "Active", "{drift}: {state}");
        }
        assert_ne!(
            state["voicegenie"][standin::VOICEGENIE],
            "running",
            "{drift}: {state}"
        );
    }

    s.reset();
    s.set_drift("outage");
    let down = check(&s, &hosts, &[]);
    assert_eq!(down.code, 2, "{}\n{}", down.stdout, down.stderr);
    assert!(
        down.stderr
            .contains("sandbox unavailable (noise, not drift)"),
        "{}",
        down.stderr
    );
    assert!(
        down.last_line().ends_with("-> UNAVAILABLE"),
        "{}",
        down.last_line()
    );

    s.reset();
    s.set_drift("added-field");
    let added = check(&s, &hosts, &[]);
    assert_eq!(added.code, 0, "{}", added.stdout);
    assert!(
        added.stdout.contains("kore voice-start-v1 200  $.region  expected no such field, got \"eu-1\" (string)  ADDITIVE (documented)"),
        "{}",
        added.stdout
    );
}

#[test]
fn recorded_answers_become_observed_and_a_host_that_changes_one_fails_naming_it() {
    // Arrange: record what the faithful host does where the docs are silent.
    let s = StandIn::start("none");
    let hosts = scratch("record").join("hosts");
    let recorded = check(&s, &hosts, &["--record"]);
    assert_eq!(recorded.code, 0, "{}", recorded.stdout);
    let file = hosts.join(format!("kore-{}.toml", s.addr.replace(':', "-")));
    assert!(
        recorded
            .stderr
            .contains(&format!("recorded 11 answer(s) to {}", file.display())),
        "{}",
        recorded.stderr
    );
    let text = std::fs::read_to_string(&file).expect("the record was written");
    assert!(text.contains("step = \"stop when Stopped\"\nrule = [\"Stopped\", \"stop\"]\nassumed = \"400 ([Stopped, stop])\"\nstatus = 200\n"), "{text}");
    for secret in [standin::KORE_CLIENT_SECRET, standin::VOICEGENIE_KEY] {
        assert!(!text.contains(secret));
    }

    // Act: the same host again, then strict.
    s.reset();
    let again = check(&s, &hosts, &["--strict"]);

    // Assert: every assumption finding became an observed expectation the host keeps.
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains("ok    stop when Ready              409  expected 409 (observed)"),
        "{}",
        again.stdout
    );
    assert!(
        again.last_line().starts_with(
            "44 steps: 0 assumption, 0 breaking, 0 additive, 0 unavailable (0 steps assumed, "
        ),
        "{}",
        again.last_line()
    );
    assert!(
        !again.stdout.contains("where the docs are silent"),
        "{}",
        again.stdout
    );

    // Only adding a field: passes, and fails only when strict.
    s.reset();
    s.set_drift("added-field");
    assert_eq!(check(&s, &hosts, &[]).code, 0);
    s.reset();
    let strict = check(&s, &hosts, &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(
        strict.last_line().contains("0 assumption, 0 breaking"),
        "{}",
        strict.last_line()
    );

    // A host that changes what it answered where the docs are silent drifts, for that host.
    s.reset();
    s.set_drift("silent-changed");
    let changed = check(&s, &hosts, &[]);
    assert_eq!(changed.code, 1, "{}", changed.stdout);
    assert!(
        changed.stdout.contains(
            "$  expected 200 (stop when Stopped, as observed), got 409  BREAKING (observed)"
        ),
        "{}",
        changed.stdout
    );
    // Recording it again shows the change as a diff; the file is never rewritten silently.
    s.reset();
    let rerecorded = check(&s, &hosts, &["--record"]);
    assert!(
        rerecorded.stderr.contains("changed; review the diff"),
        "{}",
        rerecorded.stderr
    );
    assert!(
        rerecorded.stderr.contains("- status = 200\n")
            && rerecorded.stderr.contains("+ status = 409\n"),
        "{}",
        rerecorded.stderr
    );
}

/// The suite against `base_url` as a sandbox configured like the stand-in, holding it to the
/// recorded answers under `hosts`.
async fn suite_on(base_url: &str, hosts: &Path) -> campaign_contract::Report {
    let vars: Vec<(&str, String)> = StandIn::env_for(base_url);
    let hosts_dir = hosts.display().to_string();
    let env = Environment::from_lookup(|k| {
        if k == campaign_contract::HOSTS_DIR_VAR {
            return Some(hosts_dir.clone());
        }
        if k == campaign_api::JOURNAL_DIR_VAR {
            return Some(format!("{hosts_dir}/journal"));
        }
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    })
    .await
    .expect("the variables make an environment");
    let checker = Checker::new(SchemaRegistry::load_default().expect("schemas"))
        .with_secrets(env.secret_values());
    let report = run_suite(&env, &checker, false).await.report;
    env.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_impersonates_a_recorded_host_where_the_docs_are_silent() {
    use campaign_api::HostRecord;
    use campaign_api::Vendor;
    use campaign_sim::CampaignSeed;

    // Arrange: what the stand-in answered, recorded.
    let s = StandIn::start("none");
    let recorded = scratch("impersonate").join("recorded");
    assert_eq!(check(&s, &recorded, &["--record"]).code, 0);
    let records: Vec<HostRecord> = ["kore", "voicegenie"]
        .iter()
        .map(|v| {
            let path = recorded.join(HostRecord::file_name(v, &s.addr));
            HostRecord::load(&path).expect("reads").expect("recorded")
        })
        .collect();
    // A simulator with the stand-in's credentials and campaigns, and no auto-provisioning.
    let sim_config = |records: Vec<HostRecord>| {
        let seed = |vendor, id: &str| CampaignSeed {
            vendor,
            id: id.into(),
            name: None,
            state: None,
            missing: Vec::new(),
        };
        campaign_sim::SimConfig {
            campaigns: vec![
                seed(Vendor::Kore, standin::KORE_VOICE),
                seed(Vendor::Kore, standin::KORE_SMS),
                seed(Vendor::VoiceGenie, standin::VOICEGENIE),
            ],
            auto_provision_prefix: None,
            auth: campaign_sim::AuthConfig {
                kore_client: Some((
                    standin::KORE_CLIENT_ID.into(),
                    secrecy::SecretString::from(standin::KORE_CLIENT_SECRET),
                )),
                voicegenie_keys: vec![secrecy::SecretString::from(standin::VOICEGENIE_KEY)],
            },
            impersonate: campaign_sim::Impersonation::new(records),
            ..campaign_sim::SimConfig::default()
        }
    };
    let playing = campaign_sim::start(sim_config(records.clone()))
        .await
        .expect("sim");
    let plain = campaign_sim::start(sim_config(Vec::new()))
        .await
        .expect("sim");
    // Each simulator is held to the stand-in's record, filed under its own host.
    let hosts = scratch("impersonate-hosts");
    for sim in [&playing, &plain] {
        let addr = sim
            .base_url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        for r in &records {
            let mut r = r.clone();
            r.host = addr.clone();
            std::fs::write(
                hosts.join(HostRecord::file_name(&r.vendor, &addr)),
                r.to_toml(),
            )
            .expect("record copied");
        }
    }

    // Act
    let impersonated = suite_on(&playing.base_url(), &hosts).await;
    let ours = suite_on(&plain.base_url(), &hosts).await;

    // Assert: playing the record back, the simulator keeps every observed answer; without it,
    // our own assumptions break them.
    let t = impersonated.tally();
    assert_eq!(
        impersonated.verdict(),
        Verdict::Pass,
        "{}",
        impersonated.render()
    );
    assert_eq!(
        (t.assumption, t.breaking, t.additive),
        (0, 0, 0),
        "{}",
        impersonated.render()
    );
    assert!(t.observed_steps >= 10, "{}", impersonated.render());
    assert_eq!(ours.verdict(), Verdict::Drift, "{}", ours.render());
    assert!(
        ours.findings()
            .any(|f| f.grade == campaign_schema::Grade::Observed
                && f.step == "stop when Ready"
                && f.expected == "409 (stop when Ready, as observed)"
                && f.actual == "400"),
        "{}",
        ours.render()
    );
    playing.stop().await;
    plain.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_entry_point_reaches_the_clis_verdict_on_the_same_host() {
    // Arrange
    let s = StandIn::start("none");
    let hosts = scratch("entry").join("hosts");
    let dir = scratch("entry-report");
    let json = dir.join("report.json");
    let cli = check(&s, &hosts, &["--json", json.to_str().expect("utf-8")]);
    let cli_report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("written")).expect("JSON");
    s.reset();

    // Act
    let report = suite_on(&s.base_url(), &hosts).await;

    // Assert: the same verdict and the same counts, from the same code.
    assert_eq!(cli.code, 0);
    assert_eq!(report.verdict(), Verdict::Pass, "{}", report.render());
    assert_eq!(
        serde_json::to_value(report.tally()).expect("tally"),
        cli_report["tally"],
        "{}",
        report.render()
    );
}

#[test]
fn documented_drift_met_in_an_assumed_step_still_fails_and_recording_cannot_accept_it() {
    // Arrange: only the v2 starts break their documented body; the walk meets them in "start
    // when Stopped", a step whose status is our assumption.
    let s = StandIn::start("v2-broken");
    let hosts = scratch("v2-broken").join("hosts");

    // Act
    let run = check(&s, &hosts, &[]);
    s.reset();
    let recorded = check(&s, &hosts, &["--record"]);
    s.reset();
    let after = check(&s, &hosts, &[]);

    // Assert: which status is assumed; the body of a documented 200 is not.
    for r in [&run, &recorded, &after] {
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(
            r.stdout.contains("kore voice-start-v2 200  $.updatedAt  expected a required field, got missing  BREAKING (documented)"),
            "{}",
            r.stdout
        );
    }
    let file = hosts.join(format!("kore-{}.toml", s.addr.replace(':', "-")));
    let text = std::fs::read_to_string(&file).expect("the rest was recorded");
    assert!(
        !text.contains("start when Stopped"),
        "a broken answer was recorded:\n{text}"
    );
}

#[test]
fn a_host_that_accepts_calls_without_credentials_fails() {
    let s = StandIn::start("no-auth");
    let run = check(&s, &scratch("no-auth").join("hosts"), &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for step in ["missing credentials", "wrong credentials"] {
        let line = format!("FAIL  {step:<28} 200  expected 401 (assumed)");
        assert!(run.stdout.contains(&line), "no {line:?} in\n{}", run.stdout);
    }
    assert!(
        run.stdout.contains("kore status-v1 200  $  expected 401 (missing credentials), got 200  BREAKING (documented)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_credential_echoed_encoded_never_reaches_stdout_or_a_record() {
    let s = StandIn::start("echo-encoded");
    let hosts = scratch("echo").join("hosts");
    let run = check(&s, &hosts, &["--record"]);
    let encoded = "c3RhbmRpbi12Zy1rZXktOTFjMg=="; // base64 of standin::VOICEGENIE_KEY
    assert!(
        !run.stdout.contains(encoded) && !run.stderr.contains(encoded),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("$.key  assumed no such field, host answered \"[REDACTED]"),
        "{}",
        run.stdout
    );
    let file = hosts.join(format!("voicegenie-{}.toml", s.addr.replace(':', "-")));
    let text = std::fs::read_to_string(&file).expect("recorded");
    assert!(
        !text.contains(encoded) && text.contains("[REDACTED]"),
        "{text}"
    );
}

#[test]
fn recording_the_same_host_twice_leaves_the_file_alone() {
    let s = StandIn::start("none");
    let hosts = scratch("twice").join("hosts");
    assert_eq!(check(&s, &hosts, &["--record"]).code, 0);
    s.reset();
    let again = check(&s, &hosts, &["--record"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again.stderr.contains("unchanged (11 answer(s))"),
        "{}",
        again.stderr
    );
    assert!(
        !again.stderr.contains("changed; review"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_dot_segment_campaign_id_is_refused_before_anything_is_sent() {
    // Arrange: a host that only counts connections.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    for (var, id) in [
        ("KORE_VOICE_CAMPAIGN_ID", ".."),
        ("VOICEGENIE_CAMPAIGN_ID", "."),
    ] {
        // Act
        let mut vars = StandIn::env_for(&base);
        for (k, v) in vars.iter_mut() {
            if *k == var {
                *v = id.to_string();
            }
        }
        let out = Command::new(env!("CARGO_BIN_EXE_campaign-contract"))
            .arg("check")
            .envs(vars)
            .env("CAMPAIGN_HARNESS_JOURNAL_DIR", scratch("dots"))
            .output()
            .expect("runs");

        // Assert: a configuration error naming the variable; nobody was called.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("{var}: campaign id {id:?} is a dot segment")),
            "{stderr}"
        );
        assert!(
            listener.accept().is_err(),
            "{var}={id}: the host was called"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leftover_from_a_killed_run_is_stopped_before_the_walk() {
    use campaign_api::Journal;
    use campaign_api::{Client, ClientConfig, OperationId, Target, Vendor};

    // Arrange: an earlier run (killed outright) started the SMS campaign and journaled it.
    let s = StandIn::start("none");
    let hosts = scratch("leftover").join("hosts");
    let journal_dir = hosts.join("journal");
    let vars = s.env();
    let target = Target::from_lookup(Vendor::Kore, |k| {
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    })
    .expect("config")
    .expect("configured");
    let journal = Journal::open(&journal_dir, Vendor::Kore, &s.addr).expect("journal");
    journal
        .started(standin::KORE_SMS, OperationId::KoreSmsStopV1)
        .expect("journaled");
    let started = Client::new(ClientConfig::default())
        .expect("client")
        .call(&target, OperationId::KoreSmsStartV1, standin::KORE_SMS)
        .await
        .expect("started");
    assert_eq!(started.status.as_u16(), 200);
    assert_eq!(s.state()["kore"][standin::KORE_SMS], "Active");
    // The earlier run ends (its process, here its journal, goes away and releases the lock).
    let journal_file = journal.path().to_path_buf();
    drop(journal);

    // Act
    let run = tokio::task::spawn_blocking({
        let (s_env, hosts) = (s.env(), hosts.clone());
        move || {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
            cmd.arg("check");
            for var in StandIn::VARS {
                cmd.env_remove(var);
            }
            cmd.envs(s_env)
                .env("CAMPAIGN_CONTRACT_HOSTS_DIR", &hosts)
                .env("CAMPAIGN_HARNESS_JOURNAL_DIR", hosts.join("journal"))
                .output()
                .expect("runs")
        }
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&run.stdout);

    // Assert: stopped and confirmed before anything else, the journal settled and removed.
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    let line = format!(
        "kore at {}: an earlier run left 1 started ({}); stopped first:",
        s.addr,
        standin::KORE_SMS
    );
    assert!(stdout.contains(&line), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "kore {}: kore sms-stop-v1 answered 200; reads halted",
            standin::KORE_SMS
        )),
        "{stdout}"
    );
    assert!(!journal_file.exists(), "the settled journal is removed");
}
