//! The drift report: a block per operation a person reads at a glance, and the same as JSON.

use crate::finding::{Class, Finding};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Which host a vendor was checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetLine {
    /// `kore` or `voicegenie`.
    pub vendor: String,
    /// `simulator` or `sandbox`.
    pub kind: String,
    /// `host:port`.
    pub host: String,
    /// Why the vendor was skipped, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// One lifecycle step: a call, what it should have answered, and what departed from that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    /// `kore` or `voicegenie`.
    pub vendor: String,
    /// Qualified operation name.
    pub operation: String,
    /// Where the operation is documented.
    pub source: String,
    /// What the step does (`start`, `start again`, …).
    pub step: String,
    /// What the step expects (`200`, `400`, `4xx + JSON (undocumented)`).
    pub expected: String,
    /// The status that came, if any.
    pub status: Option<u16>,
    /// True when the vendor documents nothing for this case and only a loose check was made.
    pub undocumented: bool,
    /// Time to the last body byte, in milliseconds.
    pub elapsed_ms: u64,
    /// What departed from the contract.
    pub findings: Vec<Finding>,
}

/// A whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Each vendor's target.
    pub targets: Vec<TargetLine>,
    /// Every step, in order.
    pub steps: Vec<StepResult>,
    /// Campaigns the run started and stopped again (`kore demo-voice: stopped`).
    pub cleanup: Vec<String>,
    /// Whether additive drift fails the run.
    pub strict: bool,
}

/// Counts by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Breaking findings.
    pub breaking: usize,
    /// Additive findings.
    pub additive: usize,
    /// Steps checked loosely because the vendor documents nothing.
    pub undocumented: usize,
    /// Unavailable findings.
    pub unavailable: usize,
}

impl Report {
    /// Every finding, in step order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.steps.iter().flat_map(|s| s.findings.iter())
    }

    /// Counts by class.
    pub fn tally(&self) -> Tally {
        let mut t = Tally {
            undocumented: self.steps.iter().filter(|s| s.undocumented).count(),
            ..Tally::default()
        };
        for f in self.findings() {
            match f.class {
                Class::Breaking => t.breaking += 1,
                Class::Additive => t.additive += 1,
                Class::Unavailable => t.unavailable += 1,
                Class::Undocumented => t.undocumented += 1,
            }
        }
        t
    }

    /// True when the gate holds: no breaking drift (and, in strict mode, no additive drift).
    pub fn passed(&self) -> bool {
        let t = self.tally();
        t.breaking == 0 && (!self.strict || t.additive == 0)
    }

    /// The text report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "campaign-contract report");
        for t in &self.targets {
            let _ = match &t.skipped {
                Some(why) => writeln!(
                    out,
                    "  {:<11} {:<10} {}  SKIPPED: {why}",
                    t.vendor, t.kind, t.host
                ),
                None => writeln!(out, "  {:<11} {:<10} {}", t.vendor, t.kind, t.host),
            };
        }
        let mut operations: Vec<(&str, &str)> = Vec::new();
        for s in &self.steps {
            if !operations.iter().any(|(o, _)| *o == s.operation) {
                operations.push((&s.operation, &s.source));
            }
        }
        for (op, source) in operations {
            let _ = writeln!(out, "\n{op}  ({source})");
            for s in self.steps.iter().filter(|s| s.operation == op) {
                let status = s
                    .status
                    .map_or_else(|| "---".to_string(), |c| c.to_string());
                let verdict = if s.findings.iter().any(|f| f.class == Class::Breaking) {
                    "FAIL"
                } else if !s.findings.is_empty() {
                    "warn"
                } else {
                    "ok"
                };
                let note = if s.undocumented {
                    "  (undocumented by the vendor)"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {verdict:<4}  {:<28} {status:>3}  expected {}{note}  {}ms",
                    s.step, s.expected, s.elapsed_ms
                );
                for f in &s.findings {
                    let _ = writeln!(out, "        {f}");
                }
            }
        }
        if !self.cleanup.is_empty() {
            let _ = writeln!(out, "\ncleanup:");
            for c in &self.cleanup {
                let _ = writeln!(out, "  {c}");
            }
        }
        let t = self.tally();
        let _ = writeln!(
            out,
            "\n{} steps: {} breaking, {} additive, {} undocumented, {} unavailable{} -> {}",
            self.steps.len(),
            t.breaking,
            t.additive,
            t.undocumented,
            t.unavailable,
            if self.strict {
                " (strict: additive fails)"
            } else {
                ""
            },
            if self.passed() { "PASS" } else { "FAIL" }
        );
        out
    }

    /// The JSON report.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            passed: bool,
            tally: Tally,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_string_pretty(&Out {
            passed: self.passed(),
            tally: self.tally(),
            report: self,
        })
        .unwrap_or_else(|e| format!("{{\"error\":\"report did not serialize: {e}\"}}"))
    }

    /// Replaces every occurrence of each secret in the report with `[REDACTED]`: a last line of
    /// defence, should a host ever echo a credential into a body.
    pub fn redact(&mut self, secrets: &[String]) {
        let clean = |s: &mut String| {
            for secret in secrets.iter().filter(|s| s.len() >= 4) {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "[REDACTED]");
                }
            }
        };
        for step in &mut self.steps {
            for f in &mut step.findings {
                clean(&mut f.actual);
                clean(&mut f.expected);
            }
        }
        for c in &mut self.cleanup {
            clean(c);
        }
    }
}
