//! `campaign-load cleanup` against a plain-socket Kore.ai host of the test's own that counts
//! what reached it per campaign: thousands of journaled leftovers each get exactly one stop and
//! one status read, within the stated bound; with campaigns named, only those are touched.

use crate::support::host::{kore_stops, request_lines};
use crate::support::{Watched, bin, tmp};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// Writes an ended run's journal for the host on `port`, in the journal's own format: one
/// `started` line per id (`<vendor>-<host>.<pid>-<start>.jsonl`; no process holds its lock).
fn ended_run_journal(dir: &Path, port: u16, ids: &[String]) {
    let journal = dir.join("journal");
    std::fs::create_dir_all(&journal).expect("journal folder");
    let text: String = ids
        .iter()
        .map(|id| {
            format!(
                "{{\"event\":\"started\",\"campaign\":\"{id}\",\"stop\":\"kore voice-stop-v1\"}}\n"
            )
        })
        .collect();
    std::fs::write(
        journal.join(format!("kore-127.0.0.1-{port}.1-1.jsonl")),
        text,
    )
    .expect("journal");
}

/// `campaign-load cleanup` of the voice scenario against the configured host on `port`.
fn cleanup(dir: &Path, port: u16, named: Option<&str>) -> Command {
    let mut c = bin(dir);
    c.env("KORE_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("KORE_JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGVhbiJ9.c2ln")
        .env("KORE_ACCOUNT_ID", "acc-clean")
        .env("KORE_APP_ID", "st-clean");
    if let Some(ids) = named {
        c.env("KORE_VOICE_CAMPAIGN_ID", ids);
    }
    c.args(["cleanup", "--scenario", "scenarios/voice-start-stop.toml"]);
    c
}

/// Stops (`POST …/campaign/{id}?…trigger=stop`) and status reads (`POST …/campaign/{id}/status`)
/// that reached the host, by campaign id.
fn per_campaign(seen: &Mutex<Vec<String>>) -> HashMap<String, (usize, usize)> {
    let mut out: HashMap<String, (usize, usize)> = HashMap::new();
    for line in request_lines(seen) {
        let Some(path) = line.split(' ').nth(1) else {
            continue;
        };
        let path = path.split('?').next().unwrap_or_default();
        let after = path.rsplit_once("/campaign/").map(|(_, rest)| rest);
        let Some(rest) = after else { continue };
        if let Some(id) = rest.strip_suffix("/status") {
            out.entry(id.to_string()).or_default().1 += 1;
        } else if line.starts_with("POST ") && line.contains("trigger=stop") {
            out.entry(rest.to_string()).or_default().0 += 1;
        }
    }
    out
}

fn journal_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.join("journal"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn three_thousand_leftovers_each_get_one_stop_and_the_journal_is_settled() {
    // Arrange: a host counting requests, and an ended run's journal of 3,000 campaigns.
    let dir = tmp("cleanup-3000");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let port = kore_stops(Arc::clone(&seen));
    let ids: Vec<String> = (0..3000).map(|i| format!("load-c-{i}")).collect();
    ended_run_journal(&dir, port, &ids);

    // Act: bounded by ten times the stated bound (a hang, not a measurement).
    let mut child = Watched::spawn(&mut cleanup(&dir, port, None));
    let status = child.wait_for_exit(10 * campaign_api::cleanup_bound(ids.len()));
    let t = child.text();

    // Assert: every id exactly one stop and one read, counted at the host; nothing else sent;
    // the list came before the stopping; progress on the way; nothing left in the journal.
    assert_eq!(status.code(), Some(0), "{t}");
    let reached = per_campaign(&seen);
    assert_eq!(reached.len(), ids.len(), "ids reached");
    for id in &ids {
        assert_eq!(reached.get(id), Some(&(1, 1)), "{id}");
    }
    assert_eq!(
        request_lines(&seen).len(),
        2 * ids.len(),
        "nothing else was sent"
    );
    assert!(
        t.contains("campaign-load cleanup: no campaign is named in KORE_VOICE_CAMPAIGN_ID / KORE_SMS_CAMPAIGN_ID, so every campaign the journal for"),
        "{t}"
    );
    assert!(
        t.contains("3000 campaign(s): load-c-0, load-c-1,") && t.contains("… and 2980 more"),
        "{t}"
    );
    assert!(
        t.contains("campaign-load cleanup: 3000 of 3000 stopped, "),
        "{t}"
    );
    assert_eq!(t.matches("reads halted").count(), ids.len());
    assert!(journal_files(&dir).is_empty(), "{:?}", journal_files(&dir));
}

#[test]
fn with_campaigns_named_only_journaled_ones_among_them_are_touched_and_the_rest_kept() {
    // Arrange: five leftovers; the user names two of them and one never journaled.
    let dir = tmp("cleanup-named");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let port = kore_stops(Arc::clone(&seen));
    let ids: Vec<String> = (0..5).map(|i| format!("load-n-{i}")).collect();
    ended_run_journal(&dir, port, &ids);
    let named = "load-n-1,load-n-3,not-journaled";

    // Act
    let mut first = Watched::spawn(&mut cleanup(&dir, port, Some(named)));
    let status = first.wait_for_exit(10 * campaign_api::CLEANUP_BOUND);
    let t = first.text();
    let after_first = per_campaign(&seen);
    let kept = journal_files(&dir);
    // A later cleanup naming the others stops them.
    let mut second = Watched::spawn(&mut cleanup(&dir, port, Some("load-n-0,load-n-2,load-n-4")));
    let second_status = second.wait_for_exit(10 * campaign_api::CLEANUP_BOUND);
    let t2 = second.text();

    // Assert: the named two stopped once each; the other three got nothing and were listed as
    // left alone; the id never journaled was not touched either.
    assert_eq!(status.code(), Some(0), "{t}");
    assert_eq!(
        after_first.get("load-n-1"),
        Some(&(1, 1)),
        "{after_first:?}"
    );
    assert_eq!(
        after_first.get("load-n-3"),
        Some(&(1, 1)),
        "{after_first:?}"
    );
    assert_eq!(
        after_first.len(),
        2,
        "only the named were touched: {after_first:?}"
    );
    assert!(
        t.contains("the journal for 127.0.0.1:") && t.contains("shows 5 campaign(s) left started; 2 named in KORE_VOICE_CAMPAIGN_ID / KORE_SMS_CAMPAIGN_ID, 3 not"),
        "{t}"
    );
    assert!(
        t.contains("stopping the 2 named: load-n-1, load-n-3"),
        "{t}"
    );
    assert!(
        t.contains("leaving alone the 3 not named in KORE_VOICE_CAMPAIGN_ID / KORE_SMS_CAMPAIGN_ID (nothing is sent to them; they stay in the journal until a cleanup names them): load-n-0, load-n-2, load-n-4"),
        "{t}"
    );
    assert_eq!(kept.len(), 1, "the three stay journaled: {kept:?}");
    assert_eq!(second_status.code(), Some(0), "{t2}");
    assert!(
        t2.contains("stopping the 3 named: load-n-0, load-n-2, load-n-4"),
        "{t2}"
    );
    let after_second = per_campaign(&seen);
    assert_eq!(after_second.len(), 5, "{after_second:?}");
    assert!(
        after_second.values().all(|n| *n == (1, 1)),
        "{after_second:?}"
    );
    assert!(journal_files(&dir).is_empty(), "{:?}", journal_files(&dir));
}

#[test]
fn cleanup_help_states_the_bound_per_thousand_campaigns() {
    let dir = tmp("cleanup-help");
    let out = bin(&dir)
        .args(["cleanup", "--help"])
        .output()
        .expect("help");
    let t = String::from_utf8_lossy(&out.stdout);
    let stated = format!(
        "at most {} s per {},000\n",
        campaign_api::CLEANUP_BOUND.as_secs(),
        campaign_api::CLEANUP_BOUND_PER / 1000
    );
    // clap wraps the text: compare it with its line breaks taken out.
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(stated.trim_end()), "{t}");
    assert!(
        flat.contains(&format!(
            "{} campaigns are stopped at a time",
            campaign_api::CONCURRENT_STOPS
        )),
        "{t}"
    );
}
