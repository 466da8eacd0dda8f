//! The run's figures in words: the lines the console, Markdown and HTML reports share, and the
//! console's closing verdict.

use crate::summary::{Model, RequestStats, Summary, trim};

/// `850µs`, `20.3ms`, `1.20s`.
pub fn fmt_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else {
        format!("{:.2}s", us as f64 / 1e6)
    }
}

impl Summary {
    pub(crate) fn rows(&self) -> Vec<(String, RequestStats)> {
        let mut rows: Vec<(String, RequestStats)> = self
            .requests
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rows.push(("Aggregated".into(), self.aggregate()));
        rows
    }

    /// A request row's figures: count, fail, req/s, then p50, p99 and max of the service time
    /// and of the response time.
    pub(crate) fn cells(&self, r: &RequestStats) -> [String; 9] {
        [
            r.count.to_string(),
            r.fail.to_string(),
            format!("{:.1}", self.rps(r.count)),
            fmt_us(r.service.percentile_us(0.5)),
            fmt_us(r.service.percentile_us(0.99)),
            fmt_us(r.service.max_us),
            fmt_us(r.response.percentile_us(0.5)),
            fmt_us(r.response.percentile_us(0.99)),
            fmt_us(r.response.max_us),
        ]
    }

    pub(crate) const HEAD: [&'static str; 10] = [
        "request",
        "count",
        "fail",
        "req/s",
        "service p50",
        "service p99",
        "service max",
        "response p50",
        "response p99",
        "response max",
    ];

    /// One line on the load model.
    pub fn model_line(&self) -> String {
        match (&self.model, &self.arrivals) {
            (Model::Open, Some(a)) => format!(
                "open model: arrivals on a schedule, at most {} user(s) in flight (the concurrency cap); response time counts from each arrival's due time",
                a.users
            ),
            _ => "closed model: users loop as fast as the answers come, so the rate is whatever the host allows; response time = service time".into(),
        }
    }

    /// Rate rows: stage, window, target, achieved, shortfall.
    pub fn stage_rows(&self) -> Vec<[String; 5]> {
        let Some(a) = &self.arrivals else {
            return Vec::new();
        };
        a.stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                [
                    format!("{} ({})", i + 1, s.label()),
                    format!("{}–{} s", trim(s.from_s), trim(s.until_s)),
                    format!("{:.1} req/s ({:.0})", s.target_rate(), s.target),
                    format!("{:.1} req/s ({})", s.achieved_rate(), s.sent),
                    format!("{:.1}%", s.shortfall()),
                ]
            })
            .collect()
    }

    /// What became of the schedule's arrivals, in words.
    pub fn arrivals_line(&self) -> Option<String> {
        let a = self.arrivals.as_ref()?;
        let bands: Vec<String> = a
            .late_bands()
            .iter()
            .map(|(b, n)| format!("{b}: {n}"))
            .collect();
        Some(format!(
            "{} arrivals due, {} sent; {} late (sent more than {} after their due time: every user was busy) [{}]; {} dropped (due, but no user came free before the run ended).",
            a.due,
            a.sent,
            a.late,
            fmt_us(a.late_after_us),
            bands.join(", "),
            a.dropped
        ))
    }
}

/// The closing lines of a run or a merge: rate against target per stage, both latencies, every
/// threshold with what was measured, and a last line that says why in numbers.
pub(crate) fn verdict(s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let all = s.aggregate();
    let _ = writeln!(out, "  {}", s.model_line());
    for r in s.stage_rows() {
        let _ = writeln!(
            out,
            "  stage {}: {}: target {}, achieved {}, {} short",
            r[0], r[1], r[2], r[3], r[4]
        );
    }
    if let Some(l) = s.arrivals_line() {
        let _ = writeln!(out, "  {l}");
    }
    let latencies = if all.answered() == 0 {
        "no answer came to any: no latency to report".to_string()
    } else {
        format!(
            "service time p50 {} p99 {} max {}; response time p50 {} p99 {} max {}{}",
            fmt_us(all.service.percentile_us(0.5)),
            fmt_us(all.service.percentile_us(0.99)),
            fmt_us(all.service.max_us),
            fmt_us(all.response.percentile_us(0.5)),
            fmt_us(all.response.percentile_us(0.99)),
            fmt_us(all.response.max_us),
            if all.unanswered > 0 {
                format!(" (of the {} answered)", all.answered())
            } else {
                String::new()
            }
        )
    };
    let _ = writeln!(
        out,
        "  {} requests in {:.1} s ({:.1} req/s); {latencies}",
        all.count,
        s.duration_secs,
        s.rps(all.count),
    );
    for t in &s.thresholds {
        let _ = writeln!(
            out,
            "threshold {:<30} {:<5} {}",
            t.rule,
            if t.passed { "pass" } else { "FAIL" },
            t.observed
        );
    }
    let failed: Vec<String> = s
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| format!("{} ({})", t.rule, t.observed))
        .collect();
    if failed.is_empty() {
        let _ = writeln!(out, "PASS: every threshold held");
    } else {
        let _ = writeln!(out, "FAIL: {}", failed.join("; "));
    }
    out
}
