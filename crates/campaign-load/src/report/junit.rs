//! JUnit XML from a load run's verdicts, so CI systems show them beside the contract suite's
//! tests: one test case per threshold (the rate and late rules of an open-model run included)
//! and one for the end-of-run cleanup, each failure carrying what was measured.
//!
//! The shape is the one Ant's JUnit formatter gave and Jenkins, GitLab and GitHub's test
//! reporters read: `<testsuites>` holding one `<testsuite>` with `tests`, `failures`, `errors`,
//! `skipped` and `time`, and `<testcase classname name time>` with a `<failure message type>`.

use crate::summary::Summary;
use std::fmt::Write as _;

/// Attribute text for JUnit XML (also `compare`'s).
pub(crate) fn attr(s: &str) -> String {
    // Attribute text: `&`, `<`, `>`, `"` and `'` escaped, and characters XML 1.0 cannot carry
    // (control characters other than tab and newlines) left out.
    let clean: String = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    html_escape::encode_double_quoted_attribute(&clean).replace('\'', "&apos;")
}

/// How a rule's test case is named and fails: `threshold` cases fail as `threshold` and "did not
/// hold"; `compare`'s `gate` cases as `regression` and "broke".
pub(crate) struct RuleCase<'a> {
    /// The `<testcase classname>`.
    pub class: &'a str,
    /// Put before the rule in the case's name (`threshold`, `gate`).
    pub kind: &'a str,
    /// The `<failure type>`.
    pub failure: &'a str,
    /// What a broken rule did, in the failure's text.
    pub verb: &'a str,
}

impl RuleCase<'_> {
    /// Appends `rule`'s test case to `cases`: what was observed as its output when it held, a
    /// `<failure>` carrying it when not. True when it failed.
    pub(crate) fn write(
        &self,
        cases: &mut String,
        rule: &str,
        passed: bool,
        observed: &str,
    ) -> bool {
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{} {}\" time=\"0\">",
            attr(self.class),
            self.kind,
            attr(rule)
        );
        if passed {
            let _ = writeln!(
                cases,
                "<system-out>{}</system-out></testcase>",
                attr(observed)
            );
        } else {
            let _ = writeln!(
                cases,
                "\n      <failure type=\"{}\" message=\"{}: {}\">{} {}: {}</failure>\n    </testcase>",
                self.failure,
                attr(rule),
                attr(observed),
                attr(rule),
                self.verb,
                attr(observed)
            );
        }
        !passed
    }
}

/// The JUnit document for `s`. `cleanup_problems` are the campaigns the cleanup could not
/// confirm halted (one failing test case when there are any).
pub(crate) fn xml(s: &Summary, cleanup_problems: &[String]) -> String {
    let class = format!("campaign-load.{}", s.scenario);
    let mut cases = String::new();
    let mut failures = 0;
    let case = RuleCase {
        class: &class,
        kind: "threshold",
        failure: "threshold",
        verb: "did not hold",
    };
    for t in &s.thresholds {
        if case.write(&mut cases, &t.rule, t.passed, &t.observed) {
            failures += 1;
        }
    }
    let _ = write!(
        cases,
        "    <testcase classname=\"{}\" name=\"every campaign started is confirmed halted\" time=\"0\">",
        attr(&class)
    );
    if cleanup_problems.is_empty() {
        let _ = writeln!(
            cases,
            "<system-out>{} confirmed halted by a status read</system-out></testcase>",
            s.campaigns_stopped_at_end
        );
    } else {
        failures += 1;
        let _ = writeln!(
            cases,
            "\n      <failure type=\"cleanup\" message=\"{} campaign(s) not confirmed halted\">{}</failure>\n    </testcase>",
            cleanup_problems.len(),
            attr(&cleanup_problems.join("\n"))
        );
    }
    let tests = s.thresholds.len() + 1;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"campaign-load\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">\n  \
         <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\">\n    \
         <properties>\n      <property name=\"host\" value=\"{host}\"/>\n      <property name=\"workers\" value=\"{workers}\"/>\n      <property name=\"model\" value=\"{model}\"/>\n      <property name=\"requests\" value=\"{requests}\"/>\n    </properties>\n\
         {cases}  </testsuite>\n</testsuites>\n",
        suite = attr(&format!("campaign-load: {}", s.scenario)),
        time = s.duration_secs,
        host = attr(&s.host),
        workers = s.workers,
        model = match s.model {
            crate::summary::Model::Open => "open",
            crate::summary::Model::Closed => "closed",
        },
        requests = s.accounting.sent,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::ThresholdLine;

    #[test]
    fn a_failed_threshold_is_a_failed_case_carrying_what_was_measured() {
        let s = Summary {
            scenario: "smoke <&>".into(),
            host: "127.0.0.1:1".into(),
            workers: 1,
            duration_secs: 2.5,
            thresholds: vec![
                ThresholdLine {
                    rule: "p95<250ms".into(),
                    passed: true,
                    observed: "service p95 = 21.0ms".into(),
                },
                ThresholdLine {
                    rule: "shortfall<=5%".into(),
                    passed: false,
                    observed: "81.9% short: achieved 180.7 of 1000.0 req/s".into(),
                },
            ],
            ..Summary::default()
        };
        let x = xml(&s, &[]);
        assert!(x.contains("tests=\"3\" failures=\"1\""), "{x}");
        assert!(
            x.contains("<failure type=\"threshold\" message=\"shortfall&lt;=5%: 81.9% short: achieved 180.7 of 1000.0 req/s\">"),
            "{x}"
        );
        assert!(
            x.contains("name=\"campaign-load: smoke &lt;&amp;&gt;\""),
            "{x}"
        );
        let x = xml(&s, &["load-1: still Active".into()]);
        assert!(x.contains("failures=\"2\""), "{x}");
        assert!(x.contains("type=\"cleanup\""), "{x}");
    }
}
