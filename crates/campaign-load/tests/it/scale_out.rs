//! Scale-out: three worker processes against one simulator, their summaries merged exactly.

use crate::support::{bin, blocking, shipped};
use campaign_load::{RequestStats, Summary};
use std::collections::BTreeMap;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_merge_to_what_the_simulator_served() {
    // Arrange: one simulator, three workers of one test (`--worker I/3`: a third of the users
    // each, per-user campaign ids of their own).
    let sim = campaign_sim::start(campaign_sim::SimConfig::default())
        .await
        .expect("sim");
    // Each worker writes its own summary and reports in a folder of its own (the scenario's
    // `target/load/smoke.*` would have all three, and any other smoke run, write one file). The
    // folder starts empty, so the merge can only read what these workers wrote.
    let dir = crate::support::tmp("scale-out");
    let worker_dirs: Vec<_> = (0..3).map(|i| dir.join(format!("worker-{i}"))).collect();
    for d in &worker_dirs {
        std::fs::create_dir_all(d).expect("dir");
    }
    let files: Vec<_> = worker_dirs.iter().map(|d| d.join("summary.json")).collect();
    let reports: Vec<_> = worker_dirs.iter().map(|d| d.join("report.md")).collect();

    // Act: run the workers at once, then merge.
    let mut children = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let slice = format!("{i}/3");
        children.push(
            shipped(&worker_dirs[i], "smoke")
                .args([
                    "--run-time",
                    "3s",
                    "--users",
                    "12",
                    "--quiet",
                    "--host",
                    &sim.base_url(),
                    "--worker",
                    &slice,
                ])
                .arg("--summary")
                .arg(f)
                .arg("--report-file")
                .arg(&reports[i])
                // The scenario's p95<250ms is a wall-clock figure; on a busy machine it could
                // fail a worker that merged fine. No request fails here, so this one holds.
                .args(["--threshold", "error-rate<1%"])
                // The fleet capped at 75 requests a second, 25 a worker (Goose's throttle,
                // split like the users): however the machine shares its cores among the
                // three, no worker alone comes near the fleet's rate, which the fleet
                // threshold below needs.
                .args(["--throttle", "75"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("worker starts"),
        );
    }
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
    for (i, c) in children.into_iter().enumerate() {
        // Bounded: a 3 s run that has not ended in two minutes is a failure, not a hang.
        let Ok(out) = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            blocking(move || c.wait_with_output()),
        )
        .await
        else {
            for pid in &pids[i..] {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            panic!("worker {i} still running two minutes into a 3 s run");
        };
        let out = out.expect("worker runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let merged_json = dir.join("merged.json");
    let merged_html = dir.join("merged.html");
    let out = bin(&dir)
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
    assert!(
        !merged.thresholds.is_empty() && merged.thresholds.iter().all(|t| t.passed),
        "{:?}",
        merged.thresholds
    );
    // Each worker's own files: its report names its operations, and the merge is the sum of
    // exactly these three summaries.
    for r in &reports {
        let md = std::fs::read_to_string(r).expect("worker report");
        assert!(md.contains("kore voice-start-v1"), "{}: {md}", r.display());
    }
    assert!(
        workers
            .iter()
            .all(|w| w.workers == 1 && w.accounting.sent > 0)
    );
    assert_eq!(
        merged.accounting.sent,
        workers.iter().map(|w| w.accounting.sent).sum::<u64>()
    );
    assert_eq!(
        merged.cleanup_requests,
        workers.iter().map(|w| w.cleanup_requests).sum::<usize>()
    );
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
    assert_eq!(merged.aggregate().count + cancelled, merged.accounting.sent);

    // Assert: the merged histograms are the union of the workers', and so are their percentiles.
    let mut union = RequestStats::default();
    for w in &workers {
        for r in w.requests.values() {
            union.merge(r);
        }
    }
    let mut buckets: BTreeMap<u64, u64> = BTreeMap::new();
    for w in &workers {
        for r in w.requests.values() {
            for (b, n) in &r.service.buckets {
                *buckets.entry(*b).or_default() += n;
            }
        }
    }
    let all = merged.aggregate();
    assert_eq!(all.service.buckets, buckets);
    assert_eq!(all, union);
    for p in [0.5, 0.99] {
        assert_eq!(
            all.service.percentile_us(p),
            union.service.percentile_us(p),
            "p{}",
            p * 100.0
        );
    }

    // Assert: a fleet threshold is judged on the merged figures, and merge exits by them. A
    // rate between the fastest worker's and the fleet's: no worker reaches it alone, the fleet
    // does; its mirror image every worker passes and the fleet fails.
    let fleet_rps = merged.rps(all.count);
    let best_worker = workers
        .iter()
        .map(|w| w.rps(w.aggregate().count))
        .fold(0.0, f64::max);
    assert!(
        fleet_rps > best_worker * 1.5,
        "{fleet_rps} vs {best_worker}"
    );
    let between = format!("{:.1}", (fleet_rps + best_worker) / 2.0);
    // One worker's summary alone is a part of the fleet: merged with --partial.
    let merge_with = |inputs: &[std::path::PathBuf], rule: &str| {
        let out = bin(&dir)
            .arg("merge")
            .arg("--partial")
            .args(inputs)
            .arg("--report-file")
            .arg(dir.join("fleet.md"))
            .args(["--threshold", rule])
            .output()
            .expect("merge runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let floor = format!("rps>={between}");
    let ceiling = format!("rps<{between}");
    for f in &files {
        let (code, out) = merge_with(std::slice::from_ref(f), &floor);
        assert_eq!(code, Some(1), "one worker alone fails {floor}: {out}");
        let (code, out) = merge_with(std::slice::from_ref(f), &ceiling);
        assert_eq!(code, Some(0), "one worker alone passes {ceiling}: {out}");
    }
    let (code, out) = merge_with(&files, &floor);
    assert_eq!(code, Some(0), "the fleet reaches {floor}: {out}");
    assert!(
        out.contains(&format!("threshold {floor}")) && out.contains("PASS"),
        "{out}"
    );
    let (code, out) = merge_with(&files, &ceiling);
    assert_eq!(code, Some(1), "the fleet breaks {ceiling}: {out}");
    assert!(out.contains("FAIL: rps<"), "{out}");
    assert!(
        std::fs::read_to_string(&merged_html)
            .expect("html")
            .contains("Aggregated")
    );
}
