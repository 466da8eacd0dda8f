//! JUnit XML of a contract run, for a CI's test view beside the test suite's: one test case per
//! lifecycle step (`kore voice-start-v1: start`), failed when it breaks the gate (a breaking
//! finding; with `--strict` also an additive one or a departure from our assumptions), one
//! skipped case per vendor not checked, and one error case per vendor the run could not finish
//! (a sandbox still unavailable: the run proves nothing for it).
//!
//! The shape is the one Ant's JUnit formatter gave and Jenkins, GitLab and GitHub's test
//! reporters read, as campaign-load's JUnit is. Host text is already scrubbed of credentials in
//! the report; here it is escaped for XML.

use super::{Class, Report, StepResult};
use std::fmt::Write as _;

/// Attribute or element text: XML-escaped, and the characters XML 1.0 cannot carry (control
/// characters other than tab and newlines) left out.
fn text(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    html_escape::encode_double_quoted_attribute(&clean).replace('\'', "&apos;")
}

impl Report {
    /// True when `step` fails the gate of this run.
    fn fails(&self, step: &StepResult) -> bool {
        step.findings.iter().any(|f| {
            f.class == Class::Breaking
                || (self.strict && matches!(f.class, Class::Additive | Class::Assumption))
        })
    }

    /// The report as JUnit XML.
    pub fn to_junit(&self) -> String {
        let mut cases = String::new();
        let (mut failures, mut errors, mut skipped) = (0, 0, 0);
        let mut time_ms = 0;
        for step in &self.steps {
            time_ms += step.elapsed_ms;
            let _ = write!(
                cases,
                "    <testcase classname=\"campaign-contract.{}\" name=\"{}: {}{}\" time=\"{:.3}\">",
                text(&step.vendor),
                text(&step.operation),
                text(&step.step),
                text(step.note()),
                step.elapsed_ms as f64 / 1000.0
            );
            let findings: Vec<String> = step.findings.iter().map(|f| f.to_string()).collect();
            if self.fails(step) {
                failures += 1;
                let _ = writeln!(
                    cases,
                    "\n      <failure type=\"drift\" message=\"expected {}, got {}\">{}</failure>\n    </testcase>",
                    text(&step.expected),
                    step.status
                        .map_or_else(|| "no answer".to_string(), |s| s.to_string()),
                    text(&findings.join("\n"))
                );
            } else if findings.is_empty() {
                let _ = writeln!(cases, "</testcase>");
            } else {
                let _ = writeln!(
                    cases,
                    "<system-out>{}</system-out></testcase>",
                    text(&findings.join("\n"))
                );
            }
        }
        for t in &self.targets {
            if let Some(why) = &t.skipped {
                skipped += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"campaign-contract.{}\" name=\"{} at {}\" time=\"0\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    text(&t.vendor),
                    text(&t.vendor),
                    text(&t.host),
                    text(why)
                );
            }
        }
        for u in &self.unavailable {
            errors += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"campaign-contract\" name=\"sandbox unavailable\" time=\"0\">\n      <error type=\"unavailable\" message=\"{}\">the run proves nothing for this host (noise, not drift)</error>\n    </testcase>",
                text(u)
            );
        }
        let tests = self.steps.len() + skipped + errors;
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"campaign-contract\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n  \
             <testsuite name=\"campaign-contract: {verdict}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n\
             {cases}  </testsuite>\n</testsuites>\n",
            time = time_ms as f64 / 1000.0,
            verdict = self.verdict().label(),
        )
    }
}
