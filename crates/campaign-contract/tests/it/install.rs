//! The binary as an install runs it: `check` from a folder that holds nothing, on the schemas
//! compiled in and the embedded simulator; a schemas folder named by `--schemas` or
//! `CAMPAIGN_SCHEMAS_DIR` used when it exists and refused by name when it does not; the
//! commands that need a real folder saying so; completions and the man page.

use crate::support::scratch_schemas;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An empty folder of the test's own under the temp dir, removed when dropped.
struct Empty(PathBuf);

impl Empty {
    fn new(label: &str) -> Empty {
        let dir = std::env::temp_dir().join(format!("contract-{label}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Empty(dir)
    }
}

impl Drop for Empty {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `campaign-contract ARGS` run from `dir` with only PATH, the journal in `dir` and `vars` in
/// its environment: no vendor host, no `CAMPAIGN_SCHEMAS_DIR` of the developer's.
fn run_in(dir: &Path, args: &[&std::ffi::OsStr], vars: &[(&str, &std::ffi::OsStr)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_campaign-contract"));
    c.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CAMPAIGN_HARNESS_JOURNAL_DIR", dir.join("journal"));
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().expect("the CLI runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A scratch copy of `schemas/` whose Kore.ai voice-start body expects a `campaignInstanceId`
/// of `xid-…` (the simulator sends `cid-…`): breaking drift on every voice start.
fn edited_schemas() -> PathBuf {
    let dir = scratch_schemas("install-edited");
    crate::support::schemas::break_voice_start(&dir);
    dir
}

#[test]
fn check_from_an_empty_folder_uses_the_schemas_compiled_in() {
    // Arrange
    let here = Empty::new("check-empty");

    // Act
    let out = run_in(&here.0, &["check".as_ref()], &[]);

    // Assert
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("schemas: embedded ("), "{all}");
    assert!(all.contains("kore: simulator at 127.0.0.1:"), "{all}");
    assert!(
        all.lines().any(|l| l.ends_with("-> PASS")),
        "a verdict line: {all}"
    );
}

#[test]
fn a_schemas_variable_naming_no_folder_stops_check_naming_it() {
    let here = Empty::new("check-no-folder");

    let out = run_in(
        &here.0,
        &["check".as_ref()],
        &[("CAMPAIGN_SCHEMAS_DIR", "/nonexistent".as_ref())],
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr.contains("could not run: CAMPAIGN_SCHEMAS_DIR=/nonexistent: no such folder; "),
        "{stderr}"
    );
}

#[test]
fn a_schemas_folder_given_is_the_one_checked_against() {
    // Arrange
    let here = Empty::new("check-edited");
    let edited = edited_schemas();

    // Act: by the variable, then by the flag over a variable naming nothing.
    let by_var = run_in(
        &here.0,
        &["check".as_ref()],
        &[("CAMPAIGN_SCHEMAS_DIR", edited.as_os_str())],
    );
    let by_flag = run_in(
        &here.0,
        &["check".as_ref(), "--schemas".as_ref(), edited.as_os_str()],
        &[("CAMPAIGN_SCHEMAS_DIR", "/nonexistent".as_ref())],
    );
    let _ = std::fs::remove_dir_all(edited.parent().expect("scratch root"));

    // Assert: the simulator's voice starts broke the edited schema: drift, exit 1.
    for (out, named) in [(&by_var, "CAMPAIGN_SCHEMAS_DIR"), (&by_flag, "--schemas")] {
        let all = text(out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(
            all.contains(&format!("schemas: {} ({named})", edited.display())),
            "{all}"
        );
        assert!(
            all.lines()
                .any(|l| l.contains(" breaking,") && l.ends_with("-> FAIL")),
            "{all}"
        );
    }
}

#[test]
fn diff_schemas_outside_a_checkout_asks_for_a_folder() {
    let here = Empty::new("diff-no-folder");

    let out = run_in(
        &here.0,
        &["diff-schemas".as_ref(), "--base".as_ref(), "HEAD".as_ref()],
        &[],
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr.contains("diff-schemas needs a schemas folder (the compiled-in copy has no git history): pass --schemas DIR, set CAMPAIGN_SCHEMAS_DIR"),
        "{stderr}"
    );
}

#[test]
fn completions_name_every_subcommand_for_each_shell() {
    let here = Empty::new("completions");
    for shell in ["bash", "zsh", "fish"] {
        let out = run_in(&here.0, &["completions".as_ref(), shell.as_ref()], &[]);
        let script = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        for word in [
            "check",
            "scan-secrets",
            "diff-schemas",
            "openapi",
            "completions",
            "man",
            "hosts", // check's --hosts, by name: fish spells it `-l hosts`
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
}

#[test]
fn man_prints_the_main_page_and_writes_one_per_subcommand_to_a_folder() {
    let here = Empty::new("man");

    let page = run_in(&here.0, &["man".as_ref()], &[]);
    let written = run_in(
        &here.0,
        &["man".as_ref(), "--dir".as_ref(), "pages".as_ref()],
        &[],
    );

    // The page: roff whose first request after the quote-string preamble is the title.
    let roff = String::from_utf8_lossy(&page.stdout);
    assert_eq!(page.status.code(), Some(0), "{}", text(&page));
    let first = roff
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap_or_default();
    assert!(first.starts_with(".TH campaign-contract 1 "), "{roff}");
    assert!(roff.contains(".SH SUBCOMMANDS"), "{roff}");
    assert_eq!(written.status.code(), Some(0), "{}", text(&written));
    for name in [
        "campaign-contract.1",
        "campaign-contract-check.1",
        "campaign-contract-diff-schemas.1",
    ] {
        assert!(here.0.join("pages").join(name).is_file(), "{name}");
    }
}
