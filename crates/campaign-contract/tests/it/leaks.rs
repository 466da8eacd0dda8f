//! The leak gate over real artifacts: a copy of the committed `snapshots/` scans clean, and a
//! credential planted in a snapshot, a JSON report, a Markdown summary or a JUnit file is found —
//! each file named, the credential never shown.

use campaign_contract::{LeakError, scan_for_leaks};
use secrecy::SecretString;
use std::path::{Path, PathBuf};

const SNAPSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots");

const SECRET: &str = "SECRET-leak-gate-7f3a9c";

/// A scratch folder removed on drop, even when an assertion fails.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("campaign-leaks-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the committed snapshots into `to`, returning the files copied.
fn copy_snapshots(to: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(to).expect("snapshots copy folder");
    let mut copied = Vec::new();
    for entry in std::fs::read_dir(SNAPSHOTS).expect("snapshots folder") {
        let from = entry.expect("entry").path();
        if from.is_file() {
            let dest = to.join(from.file_name().expect("file name"));
            std::fs::copy(&from, &dest).expect("copy a snapshot");
            copied.push(dest);
        }
    }
    assert!(copied.len() >= 10, "the snapshots are there: {copied:?}");
    copied.sort();
    copied
}

fn assert_names_only_files(e: &LeakError, files: &[&Path]) {
    let message = e.to_string();
    println!("{message}");
    assert!(!message.contains(SECRET), "the error shows the secret");
    assert!(
        !format!("{e:?}").contains(SECRET),
        "the Debug shows the secret"
    );
    for f in files {
        assert!(
            message.contains(&format!(
                "a credential value from the environment appears in {}",
                f.display()
            )),
            "{} is not named:\n{message}",
            f.display()
        );
    }
    assert_eq!(message.lines().count(), files.len(), "{message}");
    assert!(e.unreadable.is_empty(), "{message}");
}

#[test]
fn clean_snapshots_pass_and_every_scanned_file_is_listed() {
    // Arrange
    let scratch = Scratch::new();
    let copied = copy_snapshots(&scratch.0.join("snapshots"));

    // Act
    let scanned = scan_for_leaks(
        std::slice::from_ref(&scratch.0),
        &[SecretString::from(SECRET)],
    );

    // Assert
    assert_eq!(scanned.expect("no credential in the snapshots"), copied);
}

#[test]
fn a_secret_planted_in_a_snapshot_names_that_file() {
    // Arrange
    let scratch = Scratch::new();
    let copied = copy_snapshots(&scratch.0.join("snapshots"));
    let victim = &copied[copied.len() / 2];
    let mut text = std::fs::read_to_string(victim).expect("snapshot text");
    text = text.replacen('{', &format!("{{\n  \"echo\": \"{SECRET}\","), 1);
    std::fs::write(victim, text).expect("plant");

    // Act
    let e = scan_for_leaks(
        std::slice::from_ref(&scratch.0),
        &[SecretString::from(SECRET)],
    )
    .expect_err("the planted secret is found");

    // Assert
    assert_eq!(e.leaked, vec![victim.clone()]);
    assert_names_only_files(&e, &[victim]);
}

#[test]
fn reports_in_json_markdown_and_junit_are_named() {
    // Arrange
    let scratch = Scratch::new();
    copy_snapshots(&scratch.0.join("snapshots"));
    let out = scratch.0.join("reports").join("nested");
    std::fs::create_dir_all(&out).expect("reports folder");
    let json = out.join("contract.json");
    let markdown = out.join("summary.md");
    let junit = out.join("junit.xml");
    std::fs::write(
        &json,
        format!(r#"{{"schema_version":1,"cleanup":["auth {SECRET}"]}}"#),
    )
    .expect("json");
    std::fs::write(
        &markdown,
        format!("## campaign-contract: FAIL\n\n| `{SECRET}` |\n"),
    )
    .expect("markdown");
    std::fs::write(
        &junit,
        format!(
            "<?xml version=\"1.0\"?>\n<testsuite name=\"contract\"><testcase name=\"start\">\
             <system-out>x-api-key: {SECRET}</system-out></testcase></testsuite>\n"
        ),
    )
    .expect("junit");
    std::fs::write(out.join("clean.txt"), "nothing to see").expect("clean file");

    // Act
    let e = scan_for_leaks(
        &[scratch.0.join("snapshots"), scratch.0.join("reports")],
        &[SecretString::from(SECRET), SecretString::from("abc")],
    )
    .expect_err("the planted secrets are found");

    // Assert
    assert_names_only_files(&e, &[&json, &junit, &markdown]);
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    // Arrange
    let scratch = Scratch::new();
    let missing = scratch.0.join("report.json");

    // Act
    let e = scan_for_leaks(
        std::slice::from_ref(&missing),
        &[SecretString::from(SECRET)],
    )
    .expect_err("a path that is not there was not scanned");

    // Assert
    assert!(e.leaked.is_empty());
    assert_eq!(e.unreadable.len(), 1);
    assert!(
        e.to_string().starts_with(&format!(
            "cannot scan {} for credentials: ",
            missing.display()
        )),
        "{e}"
    );
}

/// `campaign-contract` with only `vars` (and PATH) in its environment.
fn cli(args: &[&std::ffi::OsStr], vars: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().expect("the CLI runs")
}

#[test]
fn scan_secrets_fails_on_a_planted_snapshot_naming_the_file() {
    // Arrange: a copy of the snapshots, one of them holding the client secret from env.
    let scratch = Scratch::new();
    let snaps = scratch.0.join("snapshots");
    let files = copy_snapshots(&snaps);
    let planted = &files[files.len() / 2];
    let mut text = std::fs::read_to_string(planted).expect("snapshot");
    text.push_str(&format!("\n\"echoed\": \"{SECRET}\"\n"));
    std::fs::write(planted, text).expect("plant");
    let vars = [("KORE_CLIENT_SECRET", SECRET)];

    // Act
    let out = cli(&["scan-secrets".as_ref(), snaps.as_os_str()], &vars);

    // Assert
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&planted.display().to_string()), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    let clean = copy_snapshots(&scratch.0.join("clean"));
    let out = cli(
        &["scan-secrets".as_ref(), scratch.0.join("clean").as_os_str()],
        &vars,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!clean.is_empty());
}

#[test]
fn check_writes_json_markdown_junit_and_the_step_summary_and_scans_them() {
    // Arrange: both vendors on the embedded simulator; a job summary other steps wrote to.
    let scratch = Scratch::new();
    let json = scratch.0.join("report.json");
    let md = scratch.0.join("report.md");
    let junit = scratch.0.join("junit.xml");
    let summary = scratch.0.join("step-summary.md");
    std::fs::write(&summary, "an earlier step's summary\n").expect("summary");

    // Act
    let out = cli(
        &[
            "check".as_ref(),
            "--json".as_ref(),
            json.as_os_str(),
            "--markdown".as_ref(),
            md.as_os_str(),
            "--junit".as_ref(),
            junit.as_os_str(),
        ],
        &[("GITHUB_STEP_SUMMARY", &summary.display().to_string())],
    );

    // Assert
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let md = std::fs::read_to_string(&md).expect("markdown written");
    assert!(md.starts_with("## campaign-contract: PASS"), "{md}");
    let step_summary = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(step_summary, format!("an earlier step's summary\n{md}"));
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"campaign-contract\""
        ),
        "{xml}"
    );
    assert!(xml.contains("failures=\"0\" errors=\"0\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"campaign-contract.kore\" name=\"kore voice-start-v1: "),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<testcase ").count(),
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&json).expect("json"))
            .expect("JSON")["steps"]
            .as_array()
            .expect("steps")
            .len(),
        "one case per step: {xml}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("JSON");
    assert_eq!(report["verdict"], "pass");
    assert!(
        stderr.is_empty() || !stderr.contains("credential value"),
        "{stderr}"
    );
}

#[test]
fn check_removes_a_report_that_holds_a_credential_and_fails() {
    // Arrange: a "credential" in env whose value the report is bound to contain (an operation
    // name), standing in for a host that echoes a secret past redaction.
    let scratch = Scratch::new();
    let json = scratch.0.join("report.json");
    let md = scratch.0.join("report.md");
    let planted = "voice-start-v1";

    // Act
    let out = cli(
        &[
            "check".as_ref(),
            "--json".as_ref(),
            json.as_os_str(),
            "--markdown".as_ref(),
            md.as_os_str(),
        ],
        &[("KORE_CLIENT_SECRET", planted)],
    );

    // Assert: exit 1, both files named and gone, the value itself never printed.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for f in [&json, &md] {
        assert!(stderr.contains(&f.display().to_string()), "{stderr}");
        assert!(!f.exists(), "{} was removed", f.display());
    }
    assert!(!stderr.contains(planted), "{stderr}");
}

#[test]
fn check_refuses_a_ca_file_it_cannot_use_before_sending_anything() {
    let scratch = Scratch::new();
    let ca = scratch.0.join("not-a-ca.pem");
    std::fs::write(&ca, "not a certificate").expect("write");

    let out = cli(
        &["check".as_ref(), "--ca-file".as_ref(), ca.as_os_str()],
        &[],
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&ca.display().to_string()), "{stderr}");
    let both = cli(
        &[
            "check".as_ref(),
            "--ca-file".as_ref(),
            ca.as_os_str(),
            "--insecure".as_ref(),
        ],
        &[],
    );
    assert_eq!(
        both.status.code(),
        Some(2),
        "--ca-file and --insecure conflict"
    );
}
