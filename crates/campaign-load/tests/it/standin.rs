//! A short load run against the independent vendor stand-in (`tests/fixtures/vendor_standin.py`,
//! written from the vendor docs alone): the end-of-run cleanup believes a status read, not an
//! error body, so a campaign the host shows halted is never reported as "may still be running",
//! whatever the host answered to the stop.

// The path is relative to this file's folder (tests/it/): the workspace's tests/fixtures.
#[path = "../../../../tests/fixtures/standin.rs"]
pub mod fixture;

use crate::support::{bin, text, tmp};
use fixture::StandIn;

/// A 2 s run of 4 users on the stand-in's named voice campaign, doing `steps` in a loop.
fn load(s: &StandIn, name: &str, steps: &str) -> (Option<i32>, String) {
    let dir = tmp(&format!("standin-{name}"));
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        format!(
            r#"name = "{name}"
description = "4 users on one named campaign of the stand-in"
vendor = "kore"
thresholds = ["p99<30s"]
expect = ["409"]   # the stand-in refuses a start of an Active campaign with 409

[[flow]]
name = "loop"
steps = [{steps}]

[campaigns]
mode = "shared"
id = "{id}"

[load]
users = 4
hatch_rate = 4
run_time = "2s"

[report]
summary = "{summary}"
"#,
            id = fixture::KORE_VOICE,
            summary = dir.join("summary.json").display()
        ),
    )
    .expect("scenario written");
    let mut cmd = bin(&dir);
    for var in StandIn::VARS {
        cmd.env_remove(var);
    }
    let out = cmd
        .envs(s.env())
        .arg("--scenario")
        .arg(&scenario)
        .output()
        .expect("campaign-load runs");
    let text = text(&out);
    assert!(
        !text.contains(fixture::KORE_CLIENT_SECRET),
        "a credential reached the output"
    );
    (out.status.code(), text)
}

#[test]
fn cleanup_on_a_foreign_host_trusts_the_status_read_and_raises_no_false_alarm() {
    let s = StandIn::start("none");

    // Starts only: the campaign is Active when the run ends; cleanup stops it and a read
    // confirms it.
    let (code, text) = load(&s, "starts", r#""voice-start-v1""#);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("campaigns confirmed halted at the end: 1 "),
        "{text}"
    );
    assert!(!text.contains("WARNING"), "{text}");
    assert_eq!(s.state()["kore"][fixture::KORE_VOICE], "Stopped");

    // Start, stop: the campaign is usually already Stopped when cleanup sends its stop, and the
    // stand-in answers that stop 200 "Campaign already stopped", where our rules assume a 400
    // refusal. The status read says halted, and that is what counts: no alarm.
    s.reset();
    let (code, text) = load(&s, "start-stop", r#""voice-start-v1", "voice-stop-v1""#);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("campaigns confirmed halted at the end: 1 "),
        "{text}"
    );
    assert!(
        !text.contains("may still be running") && !text.contains("CHECK IT BY HAND"),
        "{text}"
    );
    assert!(!text.contains("WARNING"), "{text}");
    let state = s.state();
    assert_eq!(state["kore"][fixture::KORE_VOICE], "Stopped", "{state}");
    assert!(
        state["calls"]["kore_start"].as_u64().unwrap_or_default() > 4,
        "the run drove the host: {state}"
    );
}
