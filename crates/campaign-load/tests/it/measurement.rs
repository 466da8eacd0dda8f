//! Measurement truth: what campaign-load reports must match what the simulator did.
//!
//! Every bound here holds however busy the machine is: counts are compared with the simulator's
//! own counters, a latency with the delay the simulator injects (an answer cannot come sooner)
//! and with the wall time of the run (a user's requests do not overlap), a paced rate with the
//! pacer's schedule (no request goes before its slot). How close the figures come to the targets
//! (p50 within 3 ms of an injected 20 ms, a paced 200 req/s within 5%) is a property of the
//! machine as much as of the code, so it is measured in the `load_accuracy` bench
//! (`cargo bench -p campaign-benches --bench load_accuracy`), not gated here.

use crate::support::in_process::{self, Ran};
use campaign_load::Scenario;
use campaign_sim::{FaultKind, Faults};

fn scenario(load: &str, thresholds: &[&str]) -> Scenario {
    in_process::scenario("measure", "load-", load, thresholds, 1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_time_is_reported_below_an_injected_delay_and_every_request_is_accounted_for() {
    // Arrange: a fixed added latency of 20 ms.
    let users = 4;
    let s = scenario(
        &format!("users = {users}\nhatch_rate = {users}\nrun_time = \"3s\""),
        &["error-rate<1%"],
    );
    let faults = Faults {
        latency: "fixed 20ms".parse().expect("latency"),
        ..Faults::default()
    };

    // Act
    let ran = in_process::run(faults, s).await;
    let Ran {
        outcome: r,
        counters,
        wall,
    } = &ran;

    // Assert
    let all = r.summary.aggregate();
    let p50 = all.service.percentile_us(0.5);
    println!(
        "fixed 20ms: {} requests, p50 {p50} µs, min {} µs, mean {} µs, run {wall:?}",
        all.count,
        all.service.min_us,
        all.service.mean_us()
    );
    assert!(all.count > 0, "{:?}", r.summary);
    // The simulator waits 20 ms before answering and the time runs from before the request is
    // sent to its first byte: nothing can come back sooner (Goose's percentiles never go below
    // the fastest time, which it keeps exactly).
    assert!(
        all.service.min_us >= 20_000,
        "fastest {} µs < 20 ms",
        all.service.min_us
    );
    assert!(p50 >= 20_000, "p50 {p50} µs < 20 ms");
    // Each user sends one request at a time, so its times add up to no more than its lifetime,
    // which lies inside the run's wall time: a time counted twice, or in the wrong unit, or
    // including the wait before sending, would not fit.
    let wall_us = wall.as_micros() as u64;
    assert!(
        all.service.total_us <= users * wall_us,
        "{} µs of request time from {users} users in a {wall_us} µs run",
        all.service.total_us
    );
    // Every request sent is accounted for, and the simulator served exactly as many; Goose's own
    // count misses only those whose answer came after it stopped collecting.
    let a = &r.summary.accounting;
    let cancelled = a.classes.get("cancelled at shutdown").copied().unwrap_or(0);
    let cleanup = r.summary.cleanup_requests as u64;
    assert_eq!(
        counters.total,
        a.sent + cleanup,
        "simulator counters {counters:?} vs {a:?} + {cleanup} cleanup stops"
    );
    assert_eq!(all.count + cancelled, a.sent, "{a:?}");
    assert_eq!(
        a.classes.get("ok").copied().unwrap_or(0) + cancelled,
        a.sent,
        "{a:?}"
    );
    // No request failed, so the scenario's error-rate threshold holds and the run passes.
    assert_eq!(ran.held("error-rate<1%"), Some(true), "{:?}", r.summary);
    assert!(r.passed, "{:?}", r.summary.thresholds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_run_sends_no_request_before_its_slot_and_lets_the_load_through() {
    // Arrange: paced at 200 requests per second.
    let s = scenario("users = 8\nrun_time = \"6s\"\nrate = 200", &[]);

    // Act
    let Ran {
        outcome: r,
        counters,
        wall,
    } = in_process::run(Faults::default(), s).await;

    // Assert: no request goes before its slot, so the run sends at most 200 per second of its
    // wall time (plus the slot at 0); and the pacer lets the load through: at least a tenth of
    // the rate (the rate achieved is measured by the bench).
    let all = r.summary.aggregate();
    let a = &r.summary.accounting;
    let rate = all.count as f64 / r.summary.duration_secs;
    println!(
        "rate 200: {} requests in {:.3} s = {rate:.1} req/s; {} sent in a {wall:?} run",
        all.count, r.summary.duration_secs, a.sent
    );
    let slots_due = (200.0 * wall.as_secs_f64()).floor() as u64 + 1;
    assert!(
        a.sent <= slots_due,
        "{} sent, but only {slots_due} slots of 200/s fall within the {wall:?} run",
        a.sent
    );
    assert!(
        rate >= 20.0,
        "rate {rate:.1} req/s: the pacer held the load back to under a tenth of 200"
    );
    assert_eq!(counters.total, a.sent + r.summary.cleanup_requests as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_counted_as_what_they_are_and_fail_the_error_rate() {
    // Arrange: about 9% of answers fail (the simulator's faults are seeded: the same requests
    // fail each run), so an error-rate threshold of 1% cannot hold.
    let s = scenario(
        "users = 4\nhatch_rate = 4\nrun_time = \"3s\"",
        &["error-rate<1%"],
    );
    let faults = Faults::default()
        .with_rate(FaultKind::Status503, 0.05)
        .with_rate(FaultKind::Drop, 0.02)
        .with_rate(FaultKind::Malformed, 0.02);

    // Act
    let ran = in_process::run(faults, s).await;

    // Assert: each fault in its own class, every request accounted for, and the run fails.
    let (r, counters) = (&ran.outcome, &ran.counters);
    let a = &r.summary.accounting;
    println!("faults: {a:?}");
    assert_eq!(a.classes.values().sum::<u64>(), a.sent);
    assert!(
        a.classes.get("unavailable 503").copied().unwrap_or(0) > 0,
        "{a:?}"
    );
    assert!(
        a.classes.keys().any(|k| k.starts_with("transport ")),
        "{a:?}"
    );
    assert!(a.classes.get("contract").copied().unwrap_or(0) > 0, "{a:?}");
    assert_eq!(
        counters.total,
        a.sent + r.summary.cleanup_requests as u64,
        "simulator counters {counters:?}"
    );
    assert_eq!(ran.held("error-rate<1%"), Some(false), "{a:?}");
    assert!(!r.passed, "{:?}", r.summary.thresholds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gooses_own_client_keeps_the_same_books() {
    // Arrange: a throttle, which only Goose's client (the path for HTTPS hosts) honours.
    let s = scenario(
        "users = 4\nhatch_rate = 100\nrun_time = \"3s\"\nthrottle = 100",
        &[],
    );

    // Act
    let Ran {
        outcome: r,
        counters,
        ..
    } = in_process::run(Faults::default(), s).await;

    // Assert: the load went through (the throttle allows about 300 in 3 s; a tenth of that is
    // asked), and the simulator, the accounting and Goose agree on every request.
    let a = &r.summary.accounting;
    let cancelled = a.classes.get("cancelled at shutdown").copied().unwrap_or(0);
    println!("goose client, throttle 100: {a:?}");
    assert!(a.sent >= 30, "{a:?}");
    assert_eq!(counters.total, a.sent + r.summary.cleanup_requests as u64);
    assert_eq!(r.summary.aggregate().count + cancelled, a.sent);
}
