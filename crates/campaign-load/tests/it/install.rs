//! The binary as an install runs it: from a folder that holds nothing but a scenario, on the
//! schemas compiled in; a schemas folder named by `--schemas` or `CAMPAIGN_SCHEMAS_DIR` used
//! when it exists and refused by name when it does not; completions and the man page.

use crate::support::{bin, text, tmp, workspace};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies of the committed schemas to edit (shared with campaign-contract's tests).
#[path = "../../../../tests/fixtures/schemas.rs"]
mod schemas;

/// `campaign-load ARGS` run from `dir` (not the workspace), with no `CAMPAIGN_SCHEMAS_DIR` of
/// the developer's.
fn from(dir: &Path) -> Command {
    let mut c = bin(dir);
    c.current_dir(dir).env_remove("CAMPAIGN_SCHEMAS_DIR");
    c
}

/// `dir` holding only a copy of the shipped smoke scenario; its path (relative to `dir`).
fn with_smoke(dir: &Path) -> &'static str {
    std::fs::copy(
        workspace().join("scenarios/smoke.toml"),
        dir.join("smoke.toml"),
    )
    .expect("copy smoke.toml");
    "smoke.toml"
}

/// A copy of the committed `schemas/` in `dir/schemas-copy`, with Kore.ai's voice-start body
/// expecting a `campaignInstanceId` of `xid-…` (the simulator sends `cid-…`): every sampled
/// start breaks it.
fn edited_schemas(dir: &Path) -> PathBuf {
    let copied = dir.join("schemas-copy");
    schemas::copy_committed(&copied);
    schemas::break_voice_start(&copied);
    copied
}

#[test]
fn a_run_from_an_empty_folder_uses_the_schemas_compiled_in() {
    // Arrange: a folder with the scenario and nothing else (no schemas/, no variable).
    let dir = tmp("install-empty");
    let scenario = with_smoke(&dir);
    assert!(!dir.join("schemas").exists());

    // Act
    let out = from(&dir)
        .args(["--scenario", scenario, "-t", "2s"])
        .output()
        .expect("runs");

    // Assert
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("  schemas: embedded ("), "{all}");
    assert!(all.contains("PASS: every threshold held"), "{all}");
    assert!(
        dir.join("target/load/smoke.summary.json").is_file(),
        "{all}"
    );
}

#[test]
fn a_schemas_variable_naming_no_folder_stops_the_run_naming_it() {
    let dir = tmp("install-no-folder");
    let scenario = with_smoke(&dir);

    let out = from(&dir)
        .args(["--scenario", scenario, "-t", "2s"])
        .env("CAMPAIGN_SCHEMAS_DIR", "/nonexistent")
        .output()
        .expect("runs");

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr.contains("campaign-load: CAMPAIGN_SCHEMAS_DIR=/nonexistent: no such folder; "),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("accounting"),
        "nothing ran"
    );
}

#[test]
fn cleanup_refuses_a_schemas_flag_naming_no_folder() {
    let dir = tmp("install-cleanup-flag");
    let scenario = with_smoke(&dir);

    let out = from(&dir)
        .args([
            "cleanup",
            "--scenario",
            scenario,
            "--schemas",
            "/nonexistent",
        ])
        .output()
        .expect("runs");

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr.contains("--schemas /nonexistent: no such folder; "),
        "{stderr}"
    );
}

#[test]
fn a_schemas_folder_given_is_the_one_bodies_are_checked_against() {
    // Arrange: an edited copy that every voice start breaks.
    let dir = tmp("install-edited");
    let scenario = with_smoke(&dir);
    let edited = edited_schemas(&dir);

    // Act: by the flag (the variable names a folder that is not there: the flag wins), then by
    // the variable.
    let by_flag = from(&dir)
        .args(["--scenario", scenario, "-t", "2s", "--schemas"])
        .arg(&edited)
        .env("CAMPAIGN_SCHEMAS_DIR", "/nonexistent")
        .output()
        .expect("runs");
    let by_var = from(&dir)
        .args(["--scenario", scenario, "-t", "2s"])
        .env("CAMPAIGN_SCHEMAS_DIR", &edited)
        .output()
        .expect("runs");

    // Assert: the starts' bodies broke the edited schema, so the error rate failed the run.
    for (out, named) in [(&by_flag, "--schemas"), (&by_var, "CAMPAIGN_SCHEMAS_DIR")] {
        let all = text(out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(
            all.contains(&format!("  schemas: {} ({named})", edited.display())),
            "{all}"
        );
        let contract = all
            .lines()
            .find_map(|l| l.trim().strip_prefix("contract "))
            .and_then(|n| n.trim().parse::<u64>().ok());
        assert!(contract.is_some_and(|n| n > 0), "{all}");
        assert!(
            all.lines()
                .any(|l| l.starts_with("threshold error-rate<1%") && l.contains(" FAIL ")),
            "{all}"
        );
    }
}

#[test]
fn completions_name_every_subcommand_for_each_shell() {
    let dir = tmp("install-completions");
    for shell in ["bash", "zsh", "fish"] {
        let out = from(&dir)
            .args(["completions", shell])
            .output()
            .expect("runs");
        let script = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        // Long flags by name: fish spells them `-l scenario`.
        for word in [
            "cleanup",
            "merge",
            "completions",
            "man",
            "scenario",
            "schemas",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
}

#[test]
fn man_prints_the_main_page_and_writes_one_per_subcommand_to_a_folder() {
    let dir = tmp("install-man");

    let page = from(&dir).arg("man").output().expect("runs");
    let written = from(&dir)
        .args(["man", "--dir", "pages"])
        .output()
        .expect("runs");

    // The page: roff whose first request after the quote-string preamble is the title.
    let roff = String::from_utf8_lossy(&page.stdout);
    assert_eq!(page.status.code(), Some(0), "{}", text(&page));
    let first = roff
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap_or_default();
    assert!(first.starts_with(".TH campaign-load 1 "), "{roff}");
    for section in [".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(roff.contains(section), "{section} in {roff}");
    }
    assert_eq!(written.status.code(), Some(0), "{}", text(&written));
    for name in [
        "campaign-load.1",
        "campaign-load-merge.1",
        "campaign-load-cleanup.1",
    ] {
        assert!(dir.join("pages").join(name).is_file(), "{name}");
    }
}
