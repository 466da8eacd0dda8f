//! The Markdown rendering of a report: a CI job summary a person reads first (verdict heading,
//! tally, findings table, breaking first), with every piece of host text escaped so a vendor's
//! body can neither break the table nor render as HTML, links or math.

use super::{Class, Finding, Report, StepResult, json_path};
use std::fmt::Write as _;

impl Report {
    /// The report as GitHub-flavoured Markdown, for a CI job summary: the verdict, the targets,
    /// the tally, every finding (assumptions first, then breaking) and each operation's steps
    /// folded away.
    ///
    /// Report text is escaped so a cell stays one cell: `|` and newlines never split the table,
    /// and HTML in a vendor's body is shown, not rendered.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let verdict = self.verdict().label();
        let _ = writeln!(out, "## campaign-contract: {verdict}\n");
        if !self.unavailable.is_empty() {
            let _ = writeln!(
                out,
                "**Sandbox unavailable** (noise, not drift; the run proves nothing for these):\n"
            );
            for u in &self.unavailable {
                let _ = writeln!(out, "- {}", md_text(u));
            }
            out.push('\n');
        }
        if self.targets.is_empty() {
            let _ = writeln!(out, "No target was checked.\n");
        } else {
            let _ = writeln!(out, "| vendor | kind | host | calls | skipped |");
            let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
            for target in &self.targets {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} of {} | {} |",
                    md_text(&target.vendor),
                    md_text(&target.kind),
                    md_code(&target.host),
                    target.calls,
                    target.max_calls,
                    target.skipped.as_deref().map(md_text).unwrap_or_default()
                );
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "**{} step{}**: {} → **{verdict}**\n",
            self.steps.len(),
            if self.steps.len() == 1 { "" } else { "s" },
            self.counts(),
        );
        let mut findings: Vec<&Finding> = self.findings().collect();
        // Stable: assumption first (how the docs' silence gets filled), then breaking, additive,
        // unavailable; step order within.
        findings.sort_by_key(|f| f.class);
        if findings.is_empty() {
            let _ = writeln!(out, "No findings.\n");
        } else {
            let _ = writeln!(out, "### Findings\n");
            let _ = writeln!(
                out,
                "| class | grade | operation | status | path | expected | actual | source |"
            );
            let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- |");
            for f in findings {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    f.class.label(),
                    f.grade,
                    md_text(&f.operation),
                    f.status
                        .map_or_else(|| "---".to_string(), |s| s.to_string()),
                    md_code(&json_path(&f.pointer)),
                    md_code(&f.expected),
                    md_code(&f.actual),
                    md_text(&f.source)
                );
            }
            out.push('\n');
        }
        if !self.steps.is_empty() {
            let _ = writeln!(out, "### Steps\n");
        }
        let mut operations: Vec<(&str, &str)> = Vec::new();
        for s in &self.steps {
            if !operations.iter().any(|(o, _)| *o == s.operation) {
                operations.push((&s.operation, &s.source));
            }
        }
        for (op, source) in operations {
            let steps: Vec<&StepResult> = self.steps.iter().filter(|s| s.operation == op).collect();
            let breaking = steps
                .iter()
                .any(|s| s.findings.iter().any(|f| f.class == Class::Breaking));
            let findings: usize = steps.iter().map(|s| s.findings.len()).sum();
            let _ = writeln!(
                out,
                "<details{}><summary>{} {}: {} step{}, {} finding{} ({})</summary>\n",
                if breaking { " open" } else { "" },
                if breaking { "FAIL" } else { "ok" },
                html(op),
                steps.len(),
                if steps.len() == 1 { "" } else { "s" },
                findings,
                if findings == 1 { "" } else { "s" },
                html(source)
            );
            let _ = writeln!(out, "| | step | status | expected | time |");
            let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
            for s in steps {
                let (verdict, note) = (s.verdict(), s.note());
                let _ = writeln!(
                    out,
                    "| {verdict} | {} | {} | {}{note} | {} ms |",
                    md_text(&s.step),
                    s.status
                        .map_or_else(|| "---".to_string(), |c| c.to_string()),
                    md_text(&s.expected),
                    s.elapsed_ms
                );
            }
            let _ = writeln!(out, "\n</details>\n");
        }
        if !self.cleanup.is_empty() {
            let _ = writeln!(out, "### Cleanup\n");
            for c in &self.cleanup {
                let _ = writeln!(out, "- {}", md_text(c));
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
        out
    }
}

/// HTML-escapes text (for `<summary>` and table cells: a vendor's `<h1>` is shown, not rendered;
/// quotes too, so the text is safe in an attribute as well).
fn html(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// A Markdown table cell of prose: HTML escaped, Markdown punctuation backslash-escaped (no
/// emphasis, links or math from report text), `|` escaped and line breaks as `<br>` so the cell
/// stays one cell.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '$' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown table cell shown verbatim, as a code span: `|` escaped (GitHub unescapes it inside
/// code in tables), line breaks shown as `\n` / `\r`, and a backtick fence longer than any run of
/// backticks in the text.
fn md_code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let body = text
        .replace('|', "\\|")
        .replace('\r', "\\r")
        .replace('\n', "\\n");
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}
