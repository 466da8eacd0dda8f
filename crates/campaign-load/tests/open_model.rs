//! The open model against the simulator: arrivals on a schedule, the users a cap, both latencies,
//! and verdicts that say what fell short.
//!
//! Every assertion is held to the simulator's own counters and schedule, or to arithmetic that
//! no machine speed changes (4 users waiting 20 ms each cannot send more than 200 a second; an
//! answer stalled 1 s takes at least 1 s). How close a deliverable rate comes to its target is a
//! measurement of the machine: `benches/open-model.sh` runs it against a release simulator.
//!
//! Goose's killswitch is process-wide, so the runs in this file happen one after another inside
//! a single test.

use campaign_api::{Credential, HostKind, Target, Vendor, VendorTarget, target::parse_base_url};
use campaign_load::run::{RunResult, goose_args, run};
use campaign_load::scenario::Scenario;
use campaign_sim::Window;
use campaign_sim::{Faults, SimConfig};
use secrecy::SecretString;
use std::path::Path;
use std::time::Duration;

fn scenario(load: &str, thresholds: &[&str]) -> Scenario {
    let thresholds = thresholds
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        r#"
name = "open"
vendor = "kore"
thresholds = [{thresholds}]
[[flow]]
steps = ["voice-start-v1", "voice-stop-v1"]
[campaigns]
mode = "per-user"
prefix = "open-"
[load]
{load}
[contract]
sample = 0.0
"#
    );
    Scenario::parse(Path::new("open.toml"), &text).expect("scenario parses")
}

/// The run's result and what the simulator counted.
async fn against(faults: Faults, s: &Scenario) -> (RunResult, campaign_sim::CountersSnapshot) {
    let sim = campaign_sim::start(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let target = Target::new(
        Vendor::Kore,
        parse_base_url("sim", &sim.base_url()).expect("url"),
        Credential::KoreJwt(SecretString::from("open-jwt")),
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

fn line<'a>(r: &'a RunResult, rule: &str) -> &'a campaign_load::summary::ThresholdLine {
    r.summary
        .thresholds
        .iter()
        .find(|t| t.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:?}", r.summary.thresholds))
}

/// Requests the run sent, as the simulator counted them (its total less the cleanup's).
fn served(r: &RunResult, c: &campaign_sim::CountersSnapshot) -> u64 {
    c.total - r.summary.cleanup_requests as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrivals_on_a_schedule() {
    let fixed_20ms = Faults {
        latency: "fixed 20ms".parse().expect("latency"),
        ..Faults::default()
    };

    // 1. An undeliverable rate fails, and says by how much. 4 users, each waiting at least 20 ms
    //    for every answer, can send at most 200 a second: 1,000 a second for 3 s falls short.
    let s = scenario("users = 4\nrate = 1000\nrun_time = \"3s\"", &[]);
    let (r, c) = against(fixed_20ms.clone(), &s).await;
    let a = r.summary.arrivals.clone().expect("an open-model account");
    println!("4 users at 1000/s: {:?}", line(&r, "shortfall<=5%"));
    assert!(!r.passed);
    // The schedule ran to its end: exactly 3,000 arrivals were due.
    assert_eq!(a.due, 3000);
    assert_eq!(a.users, 4);
    // Sent, as the simulator served them; the rest were dropped: none is lost from the count.
    assert_eq!(a.sent, served(&r, &c));
    assert_eq!(a.sent + a.dropped, a.due);
    assert!(
        a.sent <= 4 * 3 * 50 + 4,
        "{} sent by 4 users in 3 s at 20 ms",
        a.sent
    );
    // The verdict names the achieved rate and the shortfall, in numbers.
    let short = line(&r, "shortfall<=5%");
    assert!(!short.passed);
    let achieved = a.stages[0].achieved_rate();
    assert!(achieved <= 201.5, "{achieved}");
    assert!(
        short
            .observed
            .contains(&format!("achieved {achieved:.1} of 1000.0 req/s")),
        "{}",
        short.observed
    );
    assert!(a.stages[0].shortfall() > 75.0);
    let late = line(&r, "late<=1%");
    assert!(!late.passed);
    assert!(
        late.observed
            .contains(&format!("{} dropped of 3000 due", a.dropped))
    );
    // Response time counts from the due time: the callers behind the cap waited seconds, while
    // each answer took about 20 ms.
    let all = r.summary.aggregate();
    assert!(all.service.percentile_us(0.5) >= 20_000);
    assert!(all.service.percentile_us(0.99) < 1_000_000);
    assert!(all.response.percentile_us(0.99) >= 1_000_000);

    // 2. A deliverable rate: 8 users (up to 400 a second at 20 ms) asked for 100 a second.
    //    Every arrival due is sent, as the simulator counts, none dropped, none before its time.
    let s = scenario("users = 8\nrate = 100\nrun_time = \"3s\"", &["p99<250ms"]);
    let (r, c) = against(fixed_20ms.clone(), &s).await;
    let a = r.summary.arrivals.clone().expect("open");
    println!(
        "8 users at 100/s: {:?}; late {}, lateness max {} µs",
        line(&r, "shortfall<=5%"),
        a.late,
        a.lateness.max_us
    );
    assert_eq!(a.due, 300);
    assert_eq!(a.dropped, 0);
    assert_eq!(a.sent, 300);
    assert_eq!(served(&r, &c), 300);
    assert!(line(&r, "shortfall<=5%").passed);
    assert!(line(&r, "p99<250ms").passed);
    // No arrival went before its due time: every response time is at least its service time.
    assert!(r.summary.aggregate().response.min_us >= 20_000);

    // 3. A stall. From 2 s to 4 s on the simulator's clock every answer waits 1 s. 10 users at
    //    400 a second for 8 s: in the window the 10 users are all waiting, the arrivals due
    //    meanwhile go late, and after it the backlog goes out at once.
    let stall = Faults {
        schedule: vec![Window {
            from: Duration::from_secs(2),
            until: Some(Duration::from_secs(4)),
            latency: Some("fixed 1s".parse().expect("latency")),
            ..Window::default()
        }],
        ..Faults::default()
    };
    let s = scenario(
        "users = 10\nrate = 400\nrun_time = \"8s\"",
        &["p99<500ms", "response-p99<500ms"],
    );
    let (r, c) = against(stall, &s).await;
    let a = r.summary.arrivals.clone().expect("open");
    let all = r.summary.aggregate();
    // The simulator's count of the requests its window decided: each was stalled 1 s.
    let stalled: u64 = c.windows.iter().sum();
    let slow_service = all.service.at_least_us(990_000);
    let slow_response = all.response.at_least_us(990_000);
    println!(
        "stall: {stalled} stalled by the simulator of {}; service ≥ 1 s: {slow_service}; response ≥ 1 s: {slow_response}; late {} (max {} µs), dropped {}; service p99 {} µs, response p99 {} µs",
        all.count,
        a.late,
        a.lateness.max_us,
        a.dropped,
        all.service.percentile_us(0.99),
        all.response.percentile_us(0.99)
    );
    assert!(stalled > 0, "the window fell outside the run");
    // Service time shows the stalled requests and only them: their share of the run.
    assert_eq!(slow_service, stalled);
    assert!(all.service.max_us >= 1_000_000);
    // Response time shows every caller who waited through the stall: many more.
    assert!(slow_response > stalled, "{slow_response} ≤ {stalled}");
    assert!(all.response.percentile_us(0.99) >= 1_000_000);
    // The stalled share is under 1% here, so the service p99 stays fast while the response p99
    // does not: the two thresholds part.
    assert!(
        (stalled as f64) < all.count as f64 * 0.01,
        "{stalled} of {}",
        all.count
    );
    assert!(all.service.percentile_us(0.99) < 990_000);
    assert!(line(&r, "p99<500ms").passed);
    assert!(!line(&r, "response-p99<500ms").passed);
    // The late arrivals are counted, and explained: late ones waited for a free user.
    assert!(a.late > 0);
    assert!(a.lateness.max_us >= 500_000, "{}", a.lateness.max_us);
    let late = line(&r, "late<=1%");
    assert!(!late.passed);
    assert!(
        late.observed.contains(&format!("{} late", a.late)),
        "{}",
        late.observed
    );
    let words = r.summary.arrivals_line().expect("open");
    assert!(words.contains("every user was busy"), "{words}");
    // Everything due was sent in the end (the backlog caught up), and the simulator agrees.
    assert_eq!(a.sent + a.dropped, a.due);
    assert_eq!(a.sent, served(&r, &c));
}
