//! The open model against the simulator: arrivals on a schedule, the users a cap, both latencies,
//! and verdicts that say what fell short.
//!
//! Every assertion is held to the simulator's own counters and schedule, or to arithmetic that
//! no machine speed changes (4 users waiting 20 ms each cannot send more than 200 a second; an
//! answer stalled 4 s takes at least 4 s; a user waits for one stalled answer at a time), with a
//! margin of ten or more wherever the machine's speed enters. How close a deliverable rate comes
//! to its target is a measurement of the machine: `benches/open-model.sh` runs it against a
//! release simulator.

use crate::support::in_process;
use campaign_load::Scenario;
use campaign_sim::Faults;
use campaign_sim::Window;
use std::time::Duration;

fn scenario(load: &str, thresholds: &[&str]) -> Scenario {
    in_process::scenario("open", "open-", load, thresholds, 0.0)
}

fn fixed_20ms() -> Faults {
    Faults {
        latency: "fixed 20ms".parse().expect("latency"),
        ..Faults::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeliverable_rate_fails_and_says_by_how_much() {
    // Arrange: 4 users, each waiting at least 20 ms for every answer, can send at most 200 a
    // second: 1,000 a second for 3 s falls short.
    let s = scenario("users = 4\nrate = 1000\nrun_time = \"3s\"", &[]);

    // Act
    let ran = in_process::run(fixed_20ms(), s).await;

    // Assert
    let r = &ran.outcome;
    let a = r.summary.arrivals.clone().expect("an open-model account");
    println!("4 users at 1000/s: {:?}", ran.line("shortfall<=5%"));
    assert!(!r.passed);
    // The schedule ran to its end: exactly 3,000 arrivals were due.
    assert_eq!(a.due, 3000);
    assert_eq!(a.users, 4);
    // Sent, as the simulator served them; the rest were dropped: none is lost from the count.
    assert_eq!(a.sent, ran.served());
    assert_eq!(a.sent + a.dropped, a.due);
    assert!(
        a.sent <= 4 * 3 * 50 + 4,
        "{} sent by 4 users in 3 s at 20 ms",
        a.sent
    );
    // The verdict names the achieved rate and the shortfall, in numbers.
    let short = ran.line("shortfall<=5%");
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
    let late = ran.line("late<=1%");
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deliverable_rate_sends_every_arrival_due_and_none_early() {
    // Arrange: 40 users (up to 2,000 a second at 20 ms, twenty times what is asked) asked for
    // 100 a second.
    let s = scenario("users = 40\nrate = 100\nrun_time = \"3s\"", &["p99<250ms"]);

    // Act
    let ran = in_process::run(fixed_20ms(), s).await;

    // Assert: every arrival due is sent, as the simulator counts, none dropped, none before its
    // time.
    let a = ran.outcome.summary.arrivals.clone().expect("open");
    println!(
        "40 users at 100/s: {:?}; late {}, lateness max {} µs",
        ran.line("shortfall<=5%"),
        a.late,
        a.lateness.max_us
    );
    assert_eq!(a.due, 300);
    assert_eq!(a.dropped, 0);
    assert_eq!(a.sent, 300);
    assert_eq!(ran.served(), 300);
    assert!(ran.line("shortfall<=5%").passed);
    assert!(ran.line("p99<250ms").passed);
    // No arrival went before its due time: every response time is at least its service time.
    assert!(ran.outcome.summary.aggregate().response.min_us >= 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_shows_in_response_time_for_every_caller_and_in_service_time_only_for_the_stalled()
{
    // Arrange: from 3 s to 4 s on the simulator's clock every answer waits 4 s. 4 users at 400 a
    // second for 12 s: each user is caught by the window once (its stalled answer outlasts the
    // window), so at most 4 requests are stalled; for the 4 s all users wait, the arrivals due
    // go late, about 1,600 of them, and after it the backlog goes out at once.
    let stall = Faults {
        schedule: vec![Window {
            from: Duration::from_secs(3),
            until: Some(Duration::from_secs(4)),
            latency: Some("fixed 4s".parse().expect("latency")),
            ..Window::default()
        }],
        ..Faults::default()
    };
    let s = scenario(
        "users = 4\nrate = 400\nrun_time = \"12s\"",
        &["p99<500ms", "response-p99<500ms"],
    );

    // Act
    let ran = in_process::run(stall, s).await;

    // Assert
    let r = &ran.outcome;
    let a = r.summary.arrivals.clone().expect("open");
    let all = r.summary.aggregate();
    // The simulator's count of the requests its window decided: each was stalled 4 s.
    let stalled: u64 = ran.counters.windows.iter().sum();
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
    // Service time shows the stalled requests and only them.
    assert_eq!(slow_service, stalled);
    assert!(all.service.max_us >= 1_000_000);
    // Response time shows every caller who waited through the stall: many more.
    assert!(slow_response > stalled, "{slow_response} ≤ {stalled}");
    assert!(all.response.percentile_us(0.99) >= 1_000_000);
    // The stalled share is under 1% (at most one per user: 4 of about 4,800, a twelfth of what
    // a p99 allows), so the service p99 stays fast while the response p99 does not: the two
    // thresholds part.
    assert!(stalled <= 4, "{stalled} stalled: more than one per user");
    assert!(
        (stalled as f64) < all.count as f64 * 0.01,
        "{stalled} of {}",
        all.count
    );
    assert!(all.service.percentile_us(0.99) < 990_000);
    assert!(ran.line("p99<500ms").passed);
    assert!(!ran.line("response-p99<500ms").passed);
    // The late arrivals are counted, and explained: late ones waited for a free user.
    assert!(a.late > 0);
    assert!(a.lateness.max_us >= 500_000, "{}", a.lateness.max_us);
    let late = ran.line("late<=1%");
    assert!(!late.passed);
    assert!(
        late.observed.contains(&format!("{} late", a.late)),
        "{}",
        late.observed
    );
    let words = r.summary.arrivals_line().expect("open");
    assert!(words.contains("every user was busy"), "{words}");
    // Everything due was sent or dropped, none lost from the count, and the simulator agrees.
    assert_eq!(a.sent + a.dropped, a.due);
    assert_eq!(a.sent, ran.served());
}
