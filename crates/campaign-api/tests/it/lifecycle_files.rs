//! A lifecycle file that does not hold together is rejected with its file and rule named.
//!
//! Each case edits the committed `schemas/kore/lifecycle.toml` (or VoiceGenie's) the way a
//! careless change would, and the loader must refuse it and say where.

use campaign_api::{Lifecycle, Vendor};
use std::path::{Path, PathBuf};

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

fn committed(vendor: Vendor) -> String {
    std::fs::read_to_string(schemas().join(vendor.slug()).join("lifecycle.toml"))
        .expect("committed lifecycle file")
}

/// Parses `text` as `vendor`'s file (checking schema files against the real `schemas/`).
fn parse(vendor: Vendor, text: &str) -> Result<Lifecycle, String> {
    Lifecycle::parse(text, "broken/lifecycle.toml", vendor, Some(&schemas())).map_err(|e| {
        assert_eq!(e.file, "broken/lifecycle.toml");
        e.to_string()
    })
}

#[test]
fn the_committed_files_hold_together() {
    for v in Vendor::ALL {
        parse(v, &committed(v)).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn broken_files_are_rejected_naming_file_and_rule() {
    let kore = committed(Vendor::Kore);
    let vg = committed(Vendor::VoiceGenie);
    // (vendor, edited text, what the message must contain)
    let cases: Vec<(Vendor, String, &[&str])> = vec![
        (
            Vendor::Kore,
            kore.replace("next = \"Stopped\" }]\n\n[[rule]]\nstate = \"Active\"\naction = \"status\"", "next = \"Ready\" }]\n\n[[rule]]\nstate = \"Active\"\naction = \"status\""),
            &["state Stopped is unreachable"],
        ),
        (
            Vendor::Kore,
            kore.replacen(
                "outcomes = [{ status = 400, schema = \"kore/error.400.json\", next = \"Active\" }]",
                "outcomes = []",
                1,
            ),
            &["rule [Active, start]", "no outcome"],
        ),
        (
            Vendor::Kore,
            kore.replace("kore/{channel}-stop.200.json", "kore/{channel}-halt.200.json"),
            &["rule [Active, stop]", "schema file kore/voice-halt.200.json does not exist"],
        ),
        (
            Vendor::Kore,
            kore.replacen("next = \"Active\" }]", "next = \"Actve\" }]", 1),
            &["rule [Ready, start]", "unknown state \"Actve\""],
        ),
        (
            Vendor::Kore,
            kore.replacen("action = \"stop\"", "action = \"pause\"", 1),
            &["rule [Ready, pause]", "not one of kore's"],
        ),
        (
            Vendor::Kore,
            kore.replacen("source = \"assumption\"", "source = \"folklore\"", 1),
            &["rule [Ready, stop]", "folklore"],
        ),
        (
            Vendor::VoiceGenie,
            vg.replace(
                "state = \"draft\"\naction = \"pause\"",
                "state = \"draft\"\naction = \"start\"",
            ),
            &["rule [draft, start]", "second rule"],
        ),
        (
            Vendor::VoiceGenie,
            vg.replace("status = 422", "status = 409"),
            &["rule [draft, start]", "status 409 is not a response"],
        ),
        (
            Vendor::VoiceGenie,
            vg.replace("entry = [\"scheduled\", \"draft\"]", "entry = [\"scheduled\"]"),
            &["state draft is unreachable"],
        ),
        (
            Vendor::VoiceGenie,
            vg.replace("voicegenie/pause.200.json", "voicegenie/start.200.json"),
            &["rule [running, pause]", "disagrees with the operation table"],
        ),
        (
            Vendor::VoiceGenie,
            vg.replace("vendor = \"voicegenie\"", "vendor = \"kore\""),
            &["vendor is \"kore\""],
        ),
        (
            Vendor::VoiceGenie,
            vg.replace("status_pointer", "state_pointer"),
            &["state_pointer"],
        ),
    ];
    for (vendor, text, wants) in cases {
        assert_ne!(text, committed(vendor), "the edit applied: {wants:?}");
        let message = match parse(vendor, &text) {
            Ok(_) => panic!("accepted a broken file ({wants:?})"),
            Err(m) => m,
        };
        assert!(message.starts_with("broken/lifecycle.toml: "), "{message}");
        for w in wants {
            assert!(message.contains(w), "{message:?} lacks {w:?}");
        }
        println!("{message}");
    }
}

/// The raw model reads unknown keys and leaves keys optional; the checked model refuses both, and
/// names the state or rule where one sits.
#[test]
fn unknown_and_missing_keys_are_refused_where_they_sit() {
    let kore = committed(Vendor::Kore);
    // (edited text, what the message must contain)
    let cases: Vec<(String, &[&str])> = vec![
        (
            kore.replacen(
                "note = \"stop before any start\"",
                "sauce = \"stop before any start\"",
                1,
            ),
            &["rule [Ready, stop]", "unknown field `sauce`"],
        ),
        (
            kore.replacen("dialing = true", "dialling = true", 1),
            &["state Active", "unknown field `dialling`"],
        ),
        (
            kore.replacen("next = \"Ready\" }]", "next = \"Ready\", why = \"x\" }]", 1),
            &["rule [Ready, stop]", "outcome 400", "unknown field `why`"],
        ),
        (
            kore.replacen("source = \"documented\"\n", "", 1),
            &["rule [Ready, start]", "missing field `source`"],
        ),
        (
            kore.replacen("entry = [\"Ready\"]\n", "", 1),
            &["missing field `entry`"],
        ),
    ];
    for (text, wants) in cases {
        assert_ne!(text, kore, "the edit applied: {wants:?}");
        let message = parse(Vendor::Kore, &text).expect_err("refused");
        assert!(message.starts_with("broken/lifecycle.toml: "), "{message}");
        for w in wants {
            assert!(message.contains(w), "{message:?} lacks {w:?}");
        }
    }
}

#[test]
fn a_missing_rule_is_named() {
    let kore = committed(Vendor::Kore);
    let start = kore
        .find("[[rule]]\nstate = \"Stopped\"\naction = \"stop\"")
        .expect("rule present");
    let end = start + kore[start..].find("\n\n").expect("rule end");
    let text = format!("{}{}", &kore[..start], &kore[end..]);
    let e = parse(Vendor::Kore, &text).expect_err("rejected");
    assert!(
        e.contains("rule [Stopped, stop]") && e.contains("no rule for stop"),
        "{e}"
    );
}
