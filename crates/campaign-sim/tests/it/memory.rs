//! Attacks from outside on the simulator's memory: reads, stops and pauses of ids nobody
//! started, huge ids, and a flood of starts of new ids. The store must keep only what a start
//! made, within its cap, and give it all back on a reset.

use crate::support::*;
use campaign_sim::{Limits, SimConfig};
use serde_json::Value;
use tokio::task::JoinSet;

const SEEDED: u64 = 4; // SimConfig::default()'s demo campaigns
const MAX_CAMPAIGNS: usize = 10;

fn bounded() -> SimConfig {
    SimConfig {
        limits: Limits {
            max_campaigns: MAX_CAMPAIGNS,
            ..Limits::default()
        },
        ..SimConfig::default()
    }
}

/// `VmRSS` of this process (simulator and client together), for the log only.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The admin counters, read over HTTP as any client would.
async fn admin_counters(http: &reqwest::Client, base: &str) -> Value {
    http.get(format!("{base}/__sim/counters"))
        .send()
        .await
        .expect("counters")
        .json()
        .await
        .expect("JSON")
}

/// Sends `n` requests built by `url(i)` (VoiceGenie, `x-api-key`), `at_once` at a time; the
/// answers' statuses and JSON bodies in order of `i`.
async fn flood(
    http: &reqwest::Client,
    n: usize,
    at_once: usize,
    url: impl Fn(usize) -> String,
) -> Vec<(u16, Option<String>, Value)> {
    let mut out = vec![(0, None, Value::Null); n];
    for chunk in (0..n).collect::<Vec<_>>().chunks(at_once) {
        let mut set = JoinSet::new();
        for &i in chunk {
            let request = http.get(url(i)).header("x-api-key", "k");
            set.spawn(async move {
                let r = request.send().await.expect("answered");
                let status = r.status().as_u16();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(String::from);
                (
                    i,
                    status,
                    retry,
                    r.json::<Value>().await.expect("JSON body"),
                )
            });
        }
        while let Some(done) = set.join_next().await {
            let (i, status, retry, body) = done.expect("task");
            out[i] = (status, retry, body);
        }
    }
    out
}

/// Reads of ids over the length limit (under the auto-provisioning prefix): each refused for
/// its length, and nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_of_huge_ids_are_refused_and_store_nothing() {
    // Arrange
    let sim = sim(bounded()).await;
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let huge = |i: usize| format!("load-{i:06}-{}", "x".repeat(60 * 1024));
    let rss_before = rss_kib();

    // Act: 1,500 status reads of distinct 60 KB ids under the auto-provisioning prefix.
    let reads = flood(&http, 1500, 16, |i| format!("{base}/campaign/{}", huge(i))).await;
    let rss_after_reads = rss_kib();
    let after_reads = admin_counters(&http, &base).await;

    // Assert: each refused for its length, naming the limit, in VoiceGenie's documented 404
    // shape (no campaign has such an id); nothing stored.
    for (status, _, body) in &reads {
        assert_eq!(*status, 404, "{body}");
        assert_eq!(body["error"], "NOT_FOUND");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("at most 128 bytes"),
            "{body}"
        );
    }
    assert_eq!(after_reads["campaigns"]["stored"], SEEDED);
    assert_eq!(after_reads["campaigns"]["id_too_long"], 1500);

    eprintln!(
        "VmRSS of the test process (simulator and client): before {rss_before:?} KiB, after \
         1,500 reads of 60 KB ids {rss_after_reads:?} KiB"
    );
    sim.stop().await;
}

/// Starts of huge ids are refused the same way; ids nobody started are unknown to a read, a
/// stop or a pause, and asking about them stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_starts_are_refused_and_unstarted_ids_stay_unknown() {
    // Arrange
    let sim = sim(bounded()).await;
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let huge = |i: usize| format!("load-{i:06}-{}", "x".repeat(60 * 1024));

    // Act: starts of huge ids; reads, pauses of short ids nobody started.
    let huge_starts = flood(&http, 20, 4, |i| {
        format!("{base}/startCampaign/{}", huge(i))
    })
    .await;
    let unstarted: Vec<_> = [
        "campaign",
        "pauseTheCampaign",
        "campaign",
        "pauseTheCampaign",
    ]
    .iter()
    .enumerate()
    .map(|(i, path)| (path, format!("load-never-{i}")))
    .collect();
    let unknown = flood(&http, unstarted.len(), 4, |i| {
        format!("{base}/{}/{}", unstarted[i].0, unstarted[i].1)
    })
    .await;
    let kore_stop = one_shot(sim.addr(), &kore_trigger("load-never-k", "stop"), true)
        .await
        .expect("answered");
    let kore_read = client()
        .call(
            &kore_jwt(&sim),
            campaign_api::OperationId::KoreStatusV2,
            "load-never-k",
        )
        .await
        .expect("answered");

    // Assert: huge starts refused the same way; an id nobody started is unknown (404) to a
    // read, a stop or a pause, and stays so.
    assert!(huge_starts.iter().all(|(s, _, b)| {
        *s == 404
            && b["error"] == "NOT_FOUND"
            && b["message"]
                .as_str()
                .unwrap_or_default()
                .contains("at most 128 bytes")
    }));
    assert!(
        unknown
            .iter()
            .all(|(s, _, b)| *s == 404 && b["error"] == "NOT_FOUND"),
        "{unknown:?}"
    );
    assert_eq!(status_of(&kore_stop), Some(404));
    assert_eq!(kore_read.status, 404);
    let c = admin_counters(&http, &base).await;
    assert_eq!(c["campaigns"]["stored"], SEEDED);

    sim.stop().await;
}

/// A flood of starts of new ids past the cap: exactly as many start as the cap leaves room
/// for, the rest are refused with 503 and Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_flood_stops_at_the_cap() {
    // Arrange
    let sim = sim(bounded()).await;
    let base = sim.base_url();
    let http = reqwest::Client::new();

    // Act: a flood of starts of new short ids, 8 at a time, past the cap.
    let starts = flood(&http, 20, 8, |i| format!("{base}/startCampaign/load-{i}")).await;

    // Assert: exactly as many started as the cap leaves room for, the rest refused with 503
    // and Retry-After; a campaign held still answers by its rule.
    let room = MAX_CAMPAIGNS - SEEDED as usize;
    let started = starts.iter().filter(|(s, _, _)| *s == 200).count();
    let refused: Vec<_> = starts.iter().filter(|(s, _, _)| *s != 200).collect();
    assert_eq!(started, room, "{starts:?}");
    assert_eq!(refused.len(), 20 - room);
    for (status, retry, body) in &refused {
        assert_eq!((*status, retry.as_deref()), (503, Some("60")), "{body}");
        assert_eq!(body["error"], "CAMPAIGN_STORE_FULL");
    }
    let c = admin_counters(&http, &base).await;
    assert_eq!(c["campaigns"]["stored"], MAX_CAMPAIGNS);
    assert_eq!(c["campaigns"]["store_full"], 20 - room);
    let held = starts
        .iter()
        .position(|(s, _, _)| *s == 200)
        .expect("one started");
    let pause = flood(&http, 1, 1, |_| {
        format!("{base}/pauseTheCampaign/load-{held}")
    })
    .await;
    assert_eq!(pause[0].0, 200, "{:?}", pause[0]);

    sim.stop().await;
}

/// A reset after the store filled gives every campaign's room back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_gives_the_room_back() {
    // Arrange
    let sim = sim(bounded()).await;
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let filled = flood(&http, 20, 8, |i| format!("{base}/startCampaign/load-{i}")).await;
    assert!(filled.iter().any(|(s, _, _)| *s == 503), "the store filled");

    // Act: reset.
    let reset: Value = http
        .post(format!("{base}/__sim/reset"))
        .send()
        .await
        .expect("reset")
        .json()
        .await
        .expect("JSON");
    let after_reset = admin_counters(&http, &base).await;
    let again = flood(&http, 1, 1, |_| format!("{base}/startCampaign/load-again")).await;
    let rss_after_reset = rss_kib();

    // Assert: back to the seed, and room to start again.
    assert_eq!(reset["campaigns"], SEEDED);
    assert_eq!(after_reset["campaigns"]["stored"], SEEDED);
    assert_eq!(again[0].0, 200);
    eprintln!("VmRSS of the test process after reset: {rss_after_reset:?} KiB");
    sim.stop().await;
}
