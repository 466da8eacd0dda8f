//! campaign-load's own run summary: accounting by class and Goose's microsecond histograms per
//! request, so several workers' runs merge exactly (counts add, histograms merge, percentiles
//! are recomputed from the merged histogram rather than averaged).

use crate::accounting::AccountingSnapshot;
use goose::metrics::{
    GooseMetrics, GooseRequestMetricAggregate, GooseRequestMetricTimingData, TimeBuckets,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One request name's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStats {
    /// Requests recorded.
    pub count: usize,
    /// Counted as success by Goose (after campaign-load's corrections).
    pub success: usize,
    /// Counted as failure by Goose.
    pub fail: usize,
    /// Status code → count (0 = no response).
    pub status_codes: BTreeMap<u16, usize>,
    /// Goose's log-linear microsecond buckets: bucket floor → count.
    pub times_us: BTreeMap<u64, usize>,
    /// Fastest time, µs.
    pub min_us: u64,
    /// Slowest time, µs.
    pub max_us: u64,
    /// Sum of times, µs.
    pub total_us: u64,
}

impl RequestStats {
    fn from_goose(a: &GooseRequestMetricAggregate) -> RequestStats {
        RequestStats {
            count: a.raw_data.counter,
            success: a.success_count,
            fail: a.fail_count,
            status_codes: a.status_code_counts.iter().map(|(k, v)| (*k, *v)).collect(),
            times_us: a.raw_data.times_us.iter().map(|(k, v)| (*k, *v)).collect(),
            min_us: a.raw_data.minimum_time_us,
            max_us: a.raw_data.maximum_time_us,
            total_us: a.raw_data.total_time_us,
        }
    }

    /// Adds another worker's figures for the same request.
    pub fn merge(&mut self, o: &RequestStats) {
        if o.count == 0 {
            return;
        }
        self.min_us = if self.count == 0 {
            o.min_us
        } else {
            self.min_us.min(o.min_us)
        };
        self.max_us = self.max_us.max(o.max_us);
        self.count += o.count;
        self.success += o.success;
        self.fail += o.fail;
        self.total_us += o.total_us;
        for (k, v) in &o.status_codes {
            *self.status_codes.entry(*k).or_default() += v;
        }
        for (k, v) in &o.times_us {
            *self.times_us.entry(*k).or_default() += v;
        }
    }

    /// The time `percent` (0 to 1) of requests finished within, µs, computed as Goose does.
    pub fn percentile_us(&self, percent: f32) -> u64 {
        let data = GooseRequestMetricTimingData {
            times_us: self
                .times_us
                .iter()
                .map(|(k, v)| (*k, *v))
                .collect::<TimeBuckets>(),
            minimum_time_us: self.min_us,
            maximum_time_us: self.max_us,
            total_time_us: self.total_us,
            counter: self.count,
        };
        data.percentile_us(percent)
    }

    /// Mean time, µs.
    pub fn mean_us(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.total_us / self.count as u64
        }
    }
}

/// A run (or a merge of runs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// `host:port` the run drove.
    pub host: String,
    /// How many runs this summarises (1, or the number of merged workers).
    pub workers: usize,
    /// Wall time of the run in seconds (the longest worker's, for a merge).
    pub duration_secs: f64,
    /// Per request name (`POST kore voice-start-v1`).
    pub requests: BTreeMap<String, RequestStats>,
    /// campaign-load's accounting by class.
    pub accounting: AccountingSnapshot,
    /// Campaigns a start was sent to that the end-of-run cleanup confirmed halted by a status
    /// read (whether its stop found them running or the flow had stopped them already).
    pub campaigns_stopped_at_end: usize,
    /// Requests the end-of-run cleanup sent: stops, their retries and the confirming status
    /// reads (not part of the load; the host served them).
    #[serde(default)]
    pub cleanup_requests: usize,
    /// Thresholds and whether each held.
    pub thresholds: Vec<ThresholdLine>,
}

/// One threshold's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdLine {
    /// The rule as written.
    pub rule: String,
    /// Whether it held.
    pub passed: bool,
}

impl Summary {
    /// From a finished Goose run.
    pub fn from_metrics(
        scenario: &str,
        host: &str,
        metrics: &GooseMetrics,
        accounting: AccountingSnapshot,
    ) -> Summary {
        Summary {
            scenario: scenario.into(),
            host: host.into(),
            workers: 1,
            duration_secs: precise_duration(metrics),
            requests: metrics
                .requests
                .iter()
                .map(|(k, v)| (k.clone(), RequestStats::from_goose(v)))
                .collect(),
            accounting,
            campaigns_stopped_at_end: 0,
            cleanup_requests: 0,
            thresholds: Vec::new(),
        }
    }

    /// All requests as one.
    pub fn aggregate(&self) -> RequestStats {
        let mut all = RequestStats::default();
        for r in self.requests.values() {
            all.merge(r);
        }
        all
    }

    /// Adds another run.
    pub fn merge(&mut self, o: &Summary) {
        if self.workers == 0 {
            self.scenario = o.scenario.clone();
            self.host = o.host.clone();
        }
        self.workers += o.workers;
        self.duration_secs = self.duration_secs.max(o.duration_secs);
        for (k, v) in &o.requests {
            self.requests.entry(k.clone()).or_default().merge(v);
        }
        self.accounting.add(&o.accounting);
        self.campaigns_stopped_at_end += o.campaigns_stopped_at_end;
        self.cleanup_requests += o.cleanup_requests;
        for t in &o.thresholds {
            match self.thresholds.iter_mut().find(|x| x.rule == t.rule) {
                Some(x) => x.passed &= t.passed,
                None => self.thresholds.push(t.clone()),
            }
        }
    }

    /// Reads a summary file.
    pub fn read(path: &Path) -> Result<Summary, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a campaign-load summary: {e}", path.display()))
    }

    fn rows(&self) -> Vec<(String, RequestStats)> {
        let mut rows: Vec<(String, RequestStats)> = self
            .requests
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rows.push(("Aggregated".into(), self.aggregate()));
        rows
    }

    /// A request row's figures: count, fail, req/s, p50, p95, p99, max.
    fn cells(&self, r: &RequestStats) -> [String; 7] {
        [
            r.count.to_string(),
            r.fail.to_string(),
            format!("{:.1}", self.rps(r.count)),
            fmt_us(r.percentile_us(0.5)),
            fmt_us(r.percentile_us(0.95)),
            fmt_us(r.percentile_us(0.99)),
            fmt_us(r.max_us),
        ]
    }

    /// Requests per second over the run.
    pub fn rps(&self, count: usize) -> f64 {
        if self.duration_secs > 0.0 {
            count as f64 / self.duration_secs
        } else {
            0.0
        }
    }

    /// Markdown, fit for a CI job summary.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## campaign-load: {}\n", self.scenario);
        let _ = writeln!(
            out,
            "Host `{}`, {} worker(s), {:.0} s.\n",
            self.host, self.workers, self.duration_secs
        );
        let _ = writeln!(
            out,
            "| request | count | fail | req/s | p50 | p95 | p99 | max |"
        );
        let _ = writeln!(
            out,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for (name, r) in self.rows() {
            let _ = writeln!(out, "| {name} | {} |", self.cells(&r).join(" | "));
        }
        let _ = writeln!(out, "\n| class | count |\n| --- | ---: |");
        for (k, v) in &self.accounting.classes {
            let _ = writeln!(out, "| {k} | {v} |");
        }
        let _ = writeln!(out, "| **sent** | **{}** |", self.accounting.sent);
        if !self.thresholds.is_empty() {
            let _ = writeln!(out, "\n| threshold | result |\n| --- | --- |");
            for t in &self.thresholds {
                let _ = writeln!(
                    out,
                    "| `{}` | {} |",
                    t.rule,
                    if t.passed { "pass" } else { "**FAIL**" }
                );
            }
        }
        let _ = writeln!(
            out,
            "\nCampaigns stopped at the end: {}.",
            self.campaigns_stopped_at_end
        );
        out
    }

    /// A self-contained HTML page.
    pub fn html(&self) -> String {
        let esc = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
        let mut rows = String::new();
        for (name, r) in self.rows() {
            let _ = write!(
                rows,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&name),
                self.cells(&r).join("</td><td>")
            );
        }
        let mut classes = String::new();
        for (k, v) in &self.accounting.classes {
            let _ = write!(classes, "<tr><td>{}</td><td>{v}</td></tr>", esc(k));
        }
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>campaign-load: {name}</title>\
             <style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}</style></head>\
             <body><h1>campaign-load: {name}</h1><p>Host {host}, {workers} worker(s), {dur:.0} s.</p>\
             <table><tr><th>request</th><th>count</th><th>fail</th><th>req/s</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>{rows}</table>\
             <h2>Accounting</h2><table><tr><th>class</th><th>count</th></tr>{classes}<tr><td><b>sent</b></td><td><b>{sent}</b></td></tr></table>\
             <p>Campaigns stopped at the end: {stopped}.</p></body></html>\n",
            name = esc(&self.scenario),
            host = esc(&self.host),
            workers = self.workers,
            dur = self.duration_secs,
            sent = self.accounting.sent,
            stopped = self.campaigns_stopped_at_end,
        )
    }

    /// Writes the summary to `path` as JSON, HTML or Markdown, by extension.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => serde_json::to_string_pretty(self).map_err(|e| e.to_string())?,
            Some("html" | "htm") => self.html(),
            Some("md" | "markdown") => self.markdown(),
            _ => {
                return Err(format!(
                    "{}: report files end in .json, .html or .md",
                    path.display()
                ));
            }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The run's length from its test plan history, to the millisecond (Goose's own `duration` is in
/// whole seconds, which skews a rate over a short run).
fn precise_duration(metrics: &GooseMetrics) -> f64 {
    match (metrics.history.first(), metrics.history.last()) {
        (Some(a), Some(b)) if b.timestamp > a.timestamp => {
            (b.timestamp - a.timestamp).num_milliseconds() as f64 / 1000.0
        }
        _ => metrics.duration as f64,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Stats of `times`, each of which must be a bucket floor (below 128 µs every time is; from
    /// 4096 to 8191 µs every multiple of 64 is).
    fn stats(times: &[u64]) -> RequestStats {
        let mut r = RequestStats::default();
        for t in times {
            *r.times_us.entry(*t).or_default() += 1;
            r.count += 1;
            r.success += 1;
            r.total_us += t;
            r.max_us = r.max_us.max(*t);
            r.min_us = if r.count == 1 { *t } else { r.min_us.min(*t) };
        }
        r
    }

    #[test]
    fn merged_percentiles_equal_those_of_the_union() {
        let a: Vec<u64> = (1..=127).chain((0..64).map(|i| 4096 + 64 * i)).collect();
        let b: Vec<u64> = (0..64)
            .map(|i| 4096 + 64 * ((i * 7) % 64))
            .chain([5, 9, 90])
            .collect();
        let mut merged = stats(&a);
        merged.merge(&stats(&b));
        let union: Vec<u64> = a.iter().chain(b.iter()).copied().collect();
        let whole = stats(&union);
        for p in [0.5, 0.9, 0.99] {
            assert_eq!(merged.percentile_us(p), whole.percentile_us(p));
        }
        assert_eq!(merged.count, a.len() + b.len());
    }
}
