//! The Markdown report: fit for a CI job summary (`$GITHUB_STEP_SUMMARY`).

use crate::summary::Summary;
use std::fmt::Write as _;

/// Markdown, fit for a CI job summary.
pub(crate) fn render(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## campaign-load: {}\n", s.scenario);
    let _ = writeln!(
        out,
        "Host `{}`, {} worker(s), {:.1} s; {}.\n",
        s.host,
        s.workers,
        s.duration_secs,
        s.model_line()
    );
    let stages = s.stage_rows();
    if !stages.is_empty() {
        let _ = writeln!(
            out,
            "| stage | window | target | achieved | short |\n| --- | --- | ---: | ---: | ---: |"
        );
        for r in stages {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        if let Some(l) = s.arrivals_line() {
            let _ = writeln!(out, "\n{l}\n");
        }
    }
    let _ = writeln!(out, "| {} |", Summary::HEAD.join(" | "));
    let _ = writeln!(out, "| --- |{}", " ---: |".repeat(Summary::HEAD.len() - 1));
    for (name, r) in s.rows() {
        let _ = writeln!(out, "| {name} | {} |", s.cells(&r).join(" | "));
    }
    let _ = writeln!(out, "\n| class | count |\n| --- | ---: |");
    for (k, v) in &s.accounting.classes {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    let _ = writeln!(out, "| **sent** | **{}** |", s.accounting.sent);
    if !s.thresholds.is_empty() {
        let _ = writeln!(
            out,
            "\n| threshold | observed | result |\n| --- | --- | --- |"
        );
        for t in &s.thresholds {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                t.rule,
                t.observed,
                if t.passed { "pass" } else { "**FAIL**" }
            );
        }
    }
    let _ = writeln!(
        out,
        "\nCampaigns stopped at the end: {}.",
        s.campaigns_stopped_at_end
    );
    out
}
