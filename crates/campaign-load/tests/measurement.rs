//! Measurement truth: what campaign-load reports must match what the simulator did.
//!
//! Goose's killswitch and Ctrl-C handler are process-wide, so the runs in this file happen one
//! after another inside a single test.

use campaign_api::{Credential, Target, Vendor, target::parse_base_url};
use campaign_api::{HostKind, VendorTarget};
use campaign_load::run::{goose_args, run};
use campaign_load::scenario::Scenario;
use campaign_sim::{Faults, SimConfig};
use secrecy::SecretString;
use std::path::Path;

fn scenario(extra_load: &str) -> Scenario {
    let text = format!(
        r#"
name = "measure"
vendor = "kore"
[[flow]]
steps = ["voice-start-v1", "voice-stop-v1"]
[campaigns]
mode = "per-user"
prefix = "load-"
[load]
{extra_load}
[contract]
sample = 1.0
"#
    );
    Scenario::parse(Path::new("measure.toml"), &text).expect("scenario parses")
}

async fn against(
    faults: Faults,
    s: &Scenario,
) -> (
    campaign_load::run::RunResult,
    campaign_sim::CountersSnapshot,
) {
    let sim = campaign_sim::start(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let target = Target::new(
        Vendor::Kore,
        parse_base_url("sim", &sim.base_url()).expect("url"),
        Credential::KoreJwt(SecretString::from("measure-jwt")),
    )
    .with_kore_ids("acc", "st", None);
    let rt = VendorTarget {
        target,
        kind: HostKind::Simulator,
    };
    let args = goose_args(
        s,
        &sim.base_url(),
        &["--quiet".to_string(), "--no-print-metrics".to_string()],
    );
    let result = run(s, &rt, &args).await.expect("run");
    let counters = sim.counters();
    sim.stop().await;
    (result, counters)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_agree_with_the_simulator() {
    // 1. Fixed added latency of 20 ms: the reported median is 20-23 ms.
    let s = scenario("users = 4\nhatch_rate = 4\nrun_time = \"3s\"");
    let faults = Faults {
        latency: "fixed 20ms".parse().expect("latency"),
        ..Faults::default()
    };
    let (r, counters) = against(faults, &s).await;
    let all = r.summary.aggregate();
    let p50 = all.percentile_us(0.5);
    println!("fixed 20ms: {} requests, p50 {p50} µs", all.count);
    assert!(
        (20_000..=23_000).contains(&p50),
        "p50 {p50} µs outside 20-23 ms"
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
    assert_eq!(all.count as u64 + cancelled, a.sent, "{a:?}");
    assert_eq!(
        a.classes.get("ok").copied().unwrap_or(0) + cancelled,
        a.sent,
        "{a:?}"
    );
    assert!(r.passed);

    // 2. Paced at 200 requests per second: the measured rate is within 5%.
    let s = scenario("users = 8\nhatch_rate = 100\nrun_time = \"6s\"\nrate = 200");
    let (r, counters) = against(Faults::default(), &s).await;
    let all = r.summary.aggregate();
    let rate = all.count as f64 / r.summary.duration_secs;
    println!(
        "rate 200: {} requests in {:.3} s = {rate:.1} req/s",
        all.count, r.summary.duration_secs
    );
    assert!(
        (190.0..=210.0).contains(&rate),
        "rate {rate:.1} req/s is not within 5% of 200"
    );
    assert_eq!(
        counters.total,
        r.summary.accounting.sent + r.summary.cleanup_requests as u64
    );

    // 3. Faults are counted as what they are, and still every request is accounted for.
    let s = scenario("users = 4\nhatch_rate = 4\nrun_time = \"3s\"");
    let faults = Faults {
        error_rate_503: 0.05,
        drop_connection_rate: 0.02,
        malformed_json_rate: 0.02,
        ..Faults::default()
    };
    let (r, counters) = against(faults, &s).await;
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

    // 4. Goose's own client (the path for HTTPS hosts and Goose's throttle) keeps the same books.
    let s = scenario("users = 4\nhatch_rate = 100\nrun_time = \"3s\"\nthrottle = 100");
    let (r, counters) = against(Faults::default(), &s).await;
    let a = &r.summary.accounting;
    let cancelled = a.classes.get("cancelled at shutdown").copied().unwrap_or(0);
    println!("goose client, throttle 100: {a:?}");
    assert!(a.sent > 100, "{a:?}");
    assert_eq!(counters.total, a.sent + r.summary.cleanup_requests as u64);
    assert_eq!(r.summary.aggregate().count as u64 + cancelled, a.sent);
}
