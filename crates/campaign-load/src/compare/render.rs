//! A comparison as people and CI read it: the console table, Markdown (for a pull request or
//! `$GITHUB_STEP_SUMMARY`), HTML with both runs' charts drawn over each other (offline: inline
//! SVG, no script) and JUnit (one test case per gate rule). The JSON is the
//! [`Comparison`] itself.

use super::{Basis, Comparison, Metric, Row, Verdict};
use crate::report::{RuleCase, fmt_us, overlay, xml_attr as attr};
use crate::summary::Summary;
use std::fmt::Write as _;

/// A figure in its unit: `1.2ms`, `0.35%`, `812.4 req/s`.
fn value(m: Metric, v: f64) -> String {
    match m {
        Metric::Service(_) | Metric::Response(_) => fmt_us(v.round() as u64),
        Metric::ErrorRate => format!("{v:.2}%"),
        Metric::Rate => format!("{v:.1} req/s"),
    }
}

/// `+12.3% [+8.1%, +16.0%]`, or `+1.50pp [+1.10pp, +1.90pp]` for the error rate.
pub(super) fn change_text(r: &Row) -> String {
    let one = |x: f64| {
        if r.metric.in_points() {
            format!("{x:+.2}pp")
        } else {
            format!("{:+.1}%", x * 100.0)
        }
    };
    match r.interval {
        Some(i) => format!("{} [{}, {}]", one(r.change), one(i.lo), one(i.hi)),
        None => "n/a".into(),
    }
}

fn header(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "baseline: {} on {}{}, {:.1} s",
        c.baseline.scenario,
        c.baseline.host,
        c.baseline
            .started_at
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default(),
        c.baseline.duration_secs
    );
    let _ = writeln!(
        out,
        "new:      {} on {}{}, {:.1} s",
        c.new.scenario,
        c.new.host,
        c.new
            .started_at
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default(),
        c.new.duration_secs
    );
    for f in &c.forced {
        let _ = writeln!(out, "compared under --force although {f}");
    }
    let _ = writeln!(
        out,
        "{:.0}% intervals, bootstrap of {} resamples (seed {}); noise threshold {:.1}% ({:.2}pp for the error rate)",
        c.confidence * 100.0,
        c.resamples,
        c.seed,
        c.noise * 100.0,
        c.noise_pp
    );
    out
}

fn basis_note(c: &Comparison) -> Option<&'static str> {
    c.rows.iter().any(|r| r.basis == Basis::Requests).then_some(
        "Rows of one request name resample its requests (its seconds are not kept apart): their intervals are narrower than the whole run's, which resample seconds. Gate rules judge the whole run.",
    )
}

/// The console table.
pub fn text(c: &Comparison) -> String {
    let mut out = header(c);
    let cells: Vec<[String; 5]> = c
        .rows
        .iter()
        .map(|r| {
            [
                format!("{} {}", r.scope, r.metric.name()),
                value(r.metric, r.base),
                value(r.metric, r.new),
                change_text(r),
                r.verdict.label().to_string(),
            ]
        })
        .collect();
    let head = ["figure", "baseline", "new", "change [interval]", "verdict"];
    let width: Vec<usize> = (0..5)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: [&str; 5]| {
        let mut l = String::new();
        for (i, col) in cols.iter().enumerate() {
            let pad = width[i].saturating_sub(col.chars().count());
            if i == 0 || i == 4 {
                let _ = write!(l, "{col}{} ", " ".repeat(pad));
            } else {
                let _ = write!(l, "{}{col}  ", " ".repeat(pad));
            }
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(head));
    for row in &cells {
        let _ = writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3], &row[4]])
        );
    }
    if let Some(n) = basis_note(c) {
        let _ = writeln!(out, "{n}");
    }
    for r in &c.rules {
        let _ = writeln!(
            out,
            "gate {} {}  {}",
            r.rule,
            if r.passed { "PASS" } else { "FAIL" },
            r.observed
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if c.passed {
            "PASS: no gate rule broke"
        } else {
            "FAIL: a gate rule broke"
        }
    );
    out
}

/// Markdown: the same table and gate.
pub fn markdown(c: &Comparison) -> String {
    let mut out = String::from("## campaign-load compare\n\n");
    for l in header(c).lines() {
        let _ = writeln!(out, "{l}  ");
    }
    out.push_str(
        "\n| figure | baseline | new | change [interval] | verdict |\n|---|---:|---:|---:|---|\n",
    );
    for r in &c.rows {
        let mark = match r.verdict {
            Verdict::Regressed => "**regressed**",
            v => v.label(),
        };
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {mark} |",
            r.scope.replace('|', "\\|"),
            r.metric.name(),
            value(r.metric, r.base),
            value(r.metric, r.new),
            change_text(r)
        );
    }
    if let Some(n) = basis_note(c) {
        let _ = writeln!(out, "\n{n}");
    }
    out.push_str("\n| gate rule | result | observed |\n|---|---|---|\n");
    for r in &c.rules {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            r.rule,
            if r.passed { "PASS" } else { "**FAIL**" },
            r.observed
        );
    }
    out
}

/// JUnit XML: one test case per gate rule.
pub fn junit(c: &Comparison) -> String {
    let class = format!("campaign-load.compare.{}", c.new.scenario);
    let failures = c.rules.iter().filter(|r| !r.passed).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
        attr(&class),
        c.rules.len()
    );
    let case = RuleCase {
        class: &class,
        kind: "gate",
        failure: "regression",
        verb: "broke",
    };
    for r in &c.rules {
        case.write(&mut out, &r.rule, r.passed, &r.observed);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// A self-contained HTML page: the table, the gate, and both runs' rate and latency per second
/// overlaid.
pub fn html(c: &Comparison, base: &Summary, new: &Summary) -> String {
    let esc = |s: &str| html_escape::encode_text(s).into_owned();
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>campaign-load compare</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child,td:last-child{text-align:left}.regressed{background:#fdd;font-weight:bold}.improved{background:#dfd}.fail{color:#b00;font-weight:bold}.pass{color:#070}figure{margin:1em 0}</style></head><body>\n<h1>campaign-load compare</h1>\n",
    );
    for l in header(c).lines() {
        let _ = writeln!(out, "<p>{}</p>", esc(l));
    }
    let _ = writeln!(
        out,
        "<p class=\"{}\">{}</p>",
        if c.passed { "pass" } else { "fail" },
        if c.passed {
            "PASS: no gate rule broke"
        } else {
            "FAIL: a gate rule broke"
        }
    );
    out.push_str("<table><tr><th>gate rule</th><th>result</th><th>observed</th></tr>\n");
    for r in &c.rules {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(&r.rule),
            if r.passed { "pass" } else { "fail" },
            if r.passed { "PASS" } else { "FAIL" },
            esc(&r.observed)
        );
    }
    out.push_str("</table>\n");
    for chart in overlay(base, new) {
        out.push_str(&chart);
        out.push('\n');
    }
    out.push_str("<table><tr><th>figure</th><th>baseline</th><th>new</th><th>change [interval]</th><th>verdict</th></tr>\n");
    for r in &c.rows {
        let class = match r.verdict {
            Verdict::Regressed => " class=\"regressed\"",
            Verdict::Improved => " class=\"improved\"",
            _ => "",
        };
        let _ = writeln!(
            out,
            "<tr{class}><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.scope),
            esc(&r.metric.name()),
            esc(&value(r.metric, r.base)),
            esc(&value(r.metric, r.new)),
            esc(&change_text(r)),
            r.verdict.label()
        );
    }
    out.push_str("</table>\n");
    if let Some(n) = basis_note(c) {
        let _ = writeln!(out, "<p>{}</p>", esc(n));
    }
    out.push_str("</body></html>\n");
    out
}
