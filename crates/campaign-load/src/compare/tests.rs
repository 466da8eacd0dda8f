use super::*;
use crate::summary::{Second, Summary};
use crate::worker::WorkerSlice;

/// A run of `secs` seconds of `per_sec` requests each: latencies spread around `base_us` by a
/// fixed pattern shifted by `salt` (two salts: two runs of one build), `add_us` added to each,
/// and every `fail_every`-th request failed (0: none).
fn run(
    secs: usize,
    per_sec: u64,
    base_us: u64,
    add_us: u64,
    fail_every: u64,
    salt: u64,
) -> Summary {
    let mut s = Summary {
        format: crate::summary::FORMAT,
        scenario: "smoke".into(),
        host: "127.0.0.1:1".into(),
        workers: 1,
        slices: vec![WorkerSlice { index: 0, count: 1 }],
        duration_secs: secs as f64,
        ..Summary::default()
    };
    let mut n = salt.wrapping_mul(7919);
    for _ in 0..secs {
        let mut sec = Second::default();
        let mut failed = 0;
        for _ in 0..per_sec {
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Mostly near base, one in 50 up to 8× (a tail).
            let spread = (n >> 33) % 100;
            let us = if (n >> 20).is_multiple_of(50) {
                base_us * (2 + (n >> 40) % 7)
            } else {
                base_us + base_us * spread / 200
            } + add_us;
            sec.service.record_us(us);
            sec.response.record_us(us);
            sec.sent += 1;
            let req = s.requests.entry("kore voice-start-v1".into()).or_default();
            let fail = fail_every > 0 && (n >> 13).is_multiple_of(fail_every);
            req.add(
                !fail,
                Some(if fail { 503 } else { 200 }),
                Some((
                    std::time::Duration::from_micros(us),
                    std::time::Duration::from_micros(us),
                )),
            );
            failed += u64::from(fail);
        }
        sec.classes.insert("ok".into(), per_sec - failed);
        if failed > 0 {
            sec.classes.insert("unavailable".into(), failed);
        }
        s.timeline.push(sec);
    }
    s
}

fn whole(c: &Comparison, m: Metric) -> &Row {
    c.rows
        .iter()
        .find(|r| r.scope == "all" && r.metric == m)
        .expect("a whole-run row")
}

#[test]
fn two_runs_of_one_build_show_no_significant_change_and_pass() {
    let (a, b) = (run(20, 300, 200, 0, 0, 1), run(20, 300, 200, 0, 0, 2));
    let c = compare(&a, &b, &Options::default()).expect("comparable");
    for m in Metric::ALL {
        assert_eq!(
            whole(&c, m).verdict,
            Verdict::NoSignificantChange,
            "{}",
            text(&c)
        );
    }
    assert!(c.passed, "{}", text(&c));
}

#[test]
fn two_milliseconds_more_is_a_regression_that_fails_the_gate() {
    let (a, b) = (run(20, 300, 200, 0, 0, 1), run(20, 300, 200, 2000, 0, 2));
    let c = compare(&a, &b, &Options::default()).expect("comparable");
    let p99 = whole(&c, Metric::Service(99));
    assert_eq!(p99.verdict, Verdict::Regressed, "{}", text(&c));
    assert!(p99.interval.expect("interval").lo > 0.05);
    assert_eq!(
        whole(&c, Metric::ErrorRate).verdict,
        Verdict::NoSignificantChange
    );
    assert!(!c.passed);
    let t = text(&c);
    assert!(
        t.contains("regressed") && t.ends_with("FAIL: a gate rule broke\n"),
        "{t}"
    );
    // The other way round it is an improvement, and passes.
    let back = compare(&b, &a, &Options::default()).expect("comparable");
    assert_eq!(whole(&back, Metric::Service(99)).verdict, Verdict::Improved);
    assert!(back.passed);
}

#[test]
fn two_percent_of_503s_is_an_error_rate_regression_in_points() {
    let (a, b) = (run(20, 300, 200, 0, 0, 1), run(20, 300, 200, 0, 50, 2));
    let c = compare(&a, &b, &Options::default()).expect("comparable");
    let e = whole(&c, Metric::ErrorRate);
    assert_eq!(e.verdict, Verdict::Regressed, "{}", text(&c));
    assert!((1.0..3.0).contains(&e.change), "{e:?}");
    assert!(text(&c).contains("pp ["), "{}", text(&c));
}

#[test]
fn a_rule_fails_only_on_a_significant_regression_beyond_its_limit() {
    let (a, b) = (run(20, 300, 200, 0, 0, 1), run(20, 300, 200, 2000, 0, 2));
    let rules = |r: &[&str]| Options {
        rules: r.iter().map(|t| Rule::parse(t).expect("a rule")).collect(),
        ..Options::default()
    };
    let c = compare(&a, &b, &rules(&["p99:+10%", "error-rate:+0.5pp"])).expect("comparable");
    assert_eq!(
        c.rules.iter().map(|r| r.passed).collect::<Vec<_>>(),
        [false, true],
        "{:?}",
        c.rules
    );
    let lax = compare(&a, &b, &rules(&["p99:+100000%"])).expect("comparable");
    assert!(lax.passed, "{:?}", lax.rules);
    let x = junit(&c);
    assert_eq!(x.matches("<testcase ").count(), 2, "{x}");
    assert_eq!(x.matches("<failure ").count(), 1, "{x}");
}

#[test]
fn runs_of_another_scenario_slice_or_model_are_refused_unless_forced() {
    let a = run(5, 10, 200, 0, 0, 1);
    let mut b = run(5, 10, 200, 0, 0, 2);
    b.scenario = "soak".into();
    b.slices = vec![WorkerSlice { index: 1, count: 3 }];
    let why = compare(&a, &b, &Options::default()).expect_err("refused");
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(
        why[0].contains("\"smoke\"") && why[0].contains("\"soak\""),
        "{why:?}"
    );
    assert!(why[1].contains("0/1") && why[1].contains("1/3"), "{why:?}");
    let forced = Options {
        force: true,
        ..Options::default()
    };
    let c = compare(&a, &b, &forced).expect("forced");
    assert_eq!(c.forced, why);
    assert!(text(&c).contains("compared under --force although"));
}

#[test]
fn the_same_inputs_and_seed_give_the_same_report() {
    let (a, b) = (run(10, 100, 200, 0, 0, 1), run(10, 100, 200, 100, 0, 2));
    let one = compare(&a, &b, &Options::default()).expect("comparable");
    let two = compare(&a, &b, &Options::default()).expect("comparable");
    assert_eq!(one, two);
}

#[test]
fn an_empty_run_has_no_data_rather_than_a_verdict() {
    let a = run(5, 100, 200, 0, 0, 1);
    let b = run(0, 0, 200, 0, 0, 2);
    let c = compare(&a, &b, &Options::default()).expect("comparable");
    assert!(
        c.rows
            .iter()
            .filter(|r| r.scope == "all")
            .all(|r| r.verdict == Verdict::NoData)
    );
    assert!(c.passed, "no data is not a regression");
}

#[test]
fn rules_are_read_or_refused_with_an_example() {
    let r = Rule::parse("p99:+10%").expect("rule");
    assert_eq!((r.metric, r.limit), (Metric::Service(99), 0.10));
    let r = Rule::parse("error-rate:+0.5pp").expect("rule");
    assert_eq!((r.metric, r.limit), (Metric::ErrorRate, 0.5));
    let r = Rule::parse("rate:-10%").expect("rule");
    assert_eq!((r.metric, r.limit), (Metric::Rate, 0.10));
    for bad in [
        "p99",
        "p98:+1%",
        "p99:+10pp",
        "error-rate:+1%",
        "p99:-5%",
        "rate:+5%",
        "p99:+x%",
    ] {
        let e = Rule::parse(bad).expect_err(bad);
        assert!(e.contains("e.g. p99:+10%"), "{bad}: {e}");
    }
}
