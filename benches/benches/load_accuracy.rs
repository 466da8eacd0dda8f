//! How close campaign-load's figures come to what the simulator was told to do, on this machine:
//! the median it reports for a fixed 20 ms delay, and the rate it holds when paced at 200
//! requests per second. The tests (`campaign-load/tests/it/measurement.rs`) check only what holds
//! on any machine (no time below the injected delay, no request before its slot); these two
//! figures depend on how busy the cores are, so they are measured here and not gated.
//!
//! `cargo bench -j2 -p campaign-benches --bench load_accuracy`
//!
//! Targets on an idle machine: p50 within 20-23 ms, rate within 5% of 200 (190-210 req/s).
//! Goose's own `--throttle-requests` cap lets about 178 req/s through for 200 (11% short), which
//! is why campaign-load paces on its own schedule. Run nothing heavy meanwhile (`uptime`).

use campaign_api::{Credential, Target, Vendor, parse_base_url};
use campaign_api::{HostKind, VendorTarget};
use campaign_load::{Cancel, RunConfig, Scenario, Summary, run};
use campaign_sim::{Faults, SimConfig};
use secrecy::SecretString;
use std::path::Path;

fn scenario(load: &str) -> Scenario {
    let text = format!(
        "name = \"load-accuracy\"\nvendor = \"kore\"\n[[flow]]\nsteps = [\"voice-start-v1\", \"voice-stop-v1\"]\n[campaigns]\nmode = \"per-user\"\nprefix = \"load-\"\n[load]\n{load}\n[contract]\nsample = 1.0\n"
    );
    Scenario::parse(Path::new("load-accuracy.toml"), &text).expect("scenario parses")
}

/// The run's summary, whether it passed, and the requests the simulator served to it (its total
/// less the cleanup's).
async fn against(faults: Faults, s: &Scenario) -> (Summary, bool, u64) {
    let sim = campaign_sim::start(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let target = Target::new(
        Vendor::Kore,
        parse_base_url("sim", &sim.base_url()).expect("url"),
        Credential::KoreJwt(SecretString::from("bench-jwt")),
    )
    .with_kore_ids("acc", "st", None);
    let rt = VendorTarget {
        target,
        kind: HostKind::Simulator,
    };
    let config = RunConfig {
        goose_flags: vec!["--quiet".to_string()],
        ..RunConfig::new(s.clone(), rt)
    };
    let result = run(&config, &Cancel::new()).await.expect("run");
    let served = sim.counters().total - result.summary.cleanup_requests as u64;
    sim.stop().await;
    (result.summary, result.passed, served)
}

fn verdict(inside: bool) -> &'static str {
    if inside {
        "within target"
    } else {
        "OUTSIDE target"
    }
}

fn main() {
    // `cargo bench` passes `--bench` (and any filter); a `cargo test --benches` run passes
    // neither and only checks this builds and starts.
    if !std::env::args().any(|a| a == "--bench") {
        println!("load_accuracy: run with cargo bench to measure");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // Goose's killswitch is process-wide: one run after the other.
        let s = scenario("users = 4\nhatch_rate = 4\nrun_time = \"5s\"");
        let faults = Faults {
            latency: "fixed 20ms".parse().expect("latency"),
            ..Faults::default()
        };
        let all = against(faults, &s).await.0.aggregate();
        let p50 = all.service.percentile_us(0.5);
        println!(
            "fixed 20 ms delay: {} requests, p50 {:.2} ms (+{:.2} ms over the delay), p99 {:.2} ms: {}",
            all.count,
            p50 as f64 / 1000.0,
            (p50 as f64 - 20_000.0) / 1000.0,
            all.service.percentile_us(0.99) as f64 / 1000.0,
            verdict((20_000..=23_000).contains(&p50))
        );

        // The open model against a simulator answering after 20 ms, the simulator's served
        // counter as the referee: an undeliverable rate must fail, deliverable ones must pass
        // with the simulator serving within 2% of the target.
        for (users, rate, deliverable) in [(4, 1000, false), (64, 1000, true), (8, 100, true)] {
            let s = scenario(&format!("users = {users}\nrate = {rate}\nrun_time = \"6s\""));
            let faults = Faults {
                latency: "fixed 20ms".parse().expect("latency"),
                ..Faults::default()
            };
            let (summary, passed, served) = against(faults, &s).await;
            let by_sim = served as f64 / summary.duration_secs;
            let all = summary.aggregate();
            let late = summary.arrivals.as_ref().map_or(0, |a| a.late);
            println!(
                "{users} users at {rate}/s for 6 s, fixed 20 ms: simulator served {served} = {by_sim:.1} req/s ({:+.2}% of target); {}; late {late}; service p99 {:.1} ms, response p99 {:.1} ms: {}",
                (by_sim / rate as f64 - 1.0) * 100.0,
                if passed { "PASS" } else { "FAIL" },
                all.service.percentile_us(0.99) as f64 / 1000.0,
                all.response.percentile_us(0.99) as f64 / 1000.0,
                verdict(if deliverable {
                    passed && (by_sim / rate as f64 - 1.0).abs() <= 0.02
                } else {
                    !passed
                })
            );
        }
    });
}
