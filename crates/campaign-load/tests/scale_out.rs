//! Scale-out: three worker processes against one simulator, their summaries merged exactly.

use campaign_load::summary::{RequestStats, Summary};
use std::collections::BTreeMap;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_merge_to_what_the_simulator_served() {
    // Arrange: one simulator, three workers with their own campaign prefixes.
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    let dir = std::env::temp_dir().join(format!("campaign-load-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let files: Vec<_> = (0..3)
        .map(|i| dir.join(format!("worker-{i}.json")))
        .collect();

    // Act: run the workers at once, then merge.
    let mut children = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let prefix = format!("load-w{i}-");
        children.push(
            Command::new(env!("CARGO_BIN_EXE_campaign-load"))
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .env_remove("KORE_BASE_URL")
                .args([
                    "--scenario",
                    "scenarios/smoke.toml",
                    "--run-time",
                    "3s",
                    "--users",
                    "4",
                    "--quiet",
                    "--host",
                    &sim.base_url(),
                    "--campaign-prefix",
                    &prefix,
                ])
                .arg("--summary")
                .arg(f)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("worker starts"),
        );
    }
    for c in children {
        let out = tokio::task::spawn_blocking(move || c.wait_with_output())
            .await
            .expect("join")
            .expect("worker runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let merged_json = dir.join("merged.json");
    let merged_html = dir.join("merged.html");
    let out = Command::new(env!("CARGO_BIN_EXE_campaign-load"))
        .arg("merge")
        .args(&files)
        .arg("--report-file")
        .arg(&merged_json)
        .arg("--report-file")
        .arg(&merged_html)
        .output()
        .expect("merge runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Assert: counts add up to what the simulator served.
    let merged = Summary::read(&merged_json).expect("merged summary");
    let workers: Vec<Summary> = files
        .iter()
        .map(|f| Summary::read(f).expect("worker summary"))
        .collect();
    assert_eq!(merged.workers, 3);
    let served = sim.counters().total;
    assert_eq!(
        merged.accounting.sent + merged.cleanup_requests as u64,
        served,
        "merged {:?}",
        merged.accounting
    );
    let cancelled = merged
        .accounting
        .classes
        .get("cancelled at shutdown")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        merged.aggregate().count as u64 + cancelled,
        merged.accounting.sent
    );

    // Assert: the merged histogram is the union of the workers', and so are its percentiles.
    let mut union = RequestStats::default();
    let mut union_buckets: BTreeMap<u64, usize> = BTreeMap::new();
    for w in &workers {
        for r in w.requests.values() {
            for (b, n) in &r.times_us {
                *union_buckets.entry(*b).or_default() += n;
            }
            union.count += r.count;
            union.total_us += r.total_us;
            union.max_us = union.max_us.max(r.max_us);
            union.min_us = if union.min_us == 0 {
                r.min_us
            } else {
                union.min_us.min(r.min_us)
            };
        }
    }
    union.times_us = union_buckets;
    let all = merged.aggregate();
    assert_eq!(all.times_us, union.times_us);
    assert_eq!(all.count, union.count);
    for p in [0.5, 0.99] {
        assert_eq!(
            all.percentile_us(p),
            union.percentile_us(p),
            "p{}",
            p * 100.0
        );
    }
    assert!(
        std::fs::read_to_string(&merged_html)
            .expect("html")
            .contains("Aggregated")
    );
}
