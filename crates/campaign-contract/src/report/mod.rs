//! The drift report: a block per operation a person reads at a glance, and the same as JSON.

use campaign_schema::{Class, Finding, Grade, json_path, scrub};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

mod junit;
mod markdown;

/// Version of the JSON report's format (`schema_version`, described by
/// `schemas/report/drift-report.json`). Bumped only when an existing field is removed or changes
/// type or meaning; a new field is added to the schema in the same change.
pub const REPORT_SCHEMA_VERSION: u32 = 3;

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
    /// Calls made to the host (retries and status polls included; cleanup stops not).
    #[serde(default)]
    pub calls: u32,
    /// The per-vendor call budget (`CAMPAIGN_CONTRACT_MAX_CALLS`).
    #[serde(default)]
    pub max_calls: u32,
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
    /// What the step expects (`200`, `400`, `200/400`).
    pub expected: String,
    /// The status that came, if any.
    pub status: Option<u16>,
    /// Who says the host must answer so: a vendor page (documented), our guess where the docs
    /// are silent (assumed), or this host's own earlier answer (observed).
    pub grade: Grade,
    /// Time to the last body byte, in milliseconds.
    pub elapsed_ms: u64,
    /// Tries made (1 unless the host was unavailable and the call was retried; 0 when the call
    /// budget was spent before it).
    #[serde(default)]
    pub attempts: u32,
    /// The lifecycle rule that set the expectation (`[Active, start]`), for lifecycle steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What departed from the contract.
    pub findings: Vec<Finding>,
}

impl StepResult {
    /// `FAIL` (a breaking finding), `warn` (another finding) or `ok`.
    pub fn verdict(&self) -> &'static str {
        if self.findings.iter().any(|f| f.class == Class::Breaking) {
            "FAIL"
        } else if !self.findings.is_empty() {
            "warn"
        } else {
            "ok"
        }
    }

    /// ` (assumed)` or ` (observed)` when the expectation is not documented, else empty.
    pub fn note(&self) -> &'static str {
        match self.grade {
            Grade::Documented => "",
            Grade::Assumed => " (assumed)",
            Grade::Observed => " (observed)",
        }
    }
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
    /// Whether additive drift and assumption findings fail the run.
    pub strict: bool,
    /// Why a vendor could not be checked to the end (still unavailable after retries, call
    /// budget spent): the run proves nothing either way, and exits 2, unless it found breaking
    /// drift before.
    #[serde(default)]
    pub unavailable: Vec<String>,
}

/// What a run shows, and the CLI's exit code for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The contract holds (exit 0).
    Pass,
    /// Breaking drift, or (in strict mode) additive drift or an assumption finding (exit 1).
    Drift,
    /// A host could not be checked to the end: sandbox unavailable (exit 2).
    Unavailable,
}

impl Verdict {
    /// `PASS`, `FAIL` or `UNAVAILABLE`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Drift => "FAIL",
            Verdict::Unavailable => "UNAVAILABLE",
        }
    }

    /// The CLI's exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Drift => 1,
            Verdict::Unavailable => 2,
        }
    }
}

/// Counts by class, and steps by grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Assumption findings: the host departs from our guess where the docs are silent.
    pub assumption: usize,
    /// Breaking findings.
    pub breaking: usize,
    /// Additive findings.
    pub additive: usize,
    /// Unavailable findings.
    pub unavailable: usize,
    /// Steps whose expectation is our assumption.
    pub assumed_steps: usize,
    /// Steps held to what this host answered before.
    pub observed_steps: usize,
}

impl Report {
    /// Every finding, in step order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.steps.iter().flat_map(|s| s.findings.iter())
    }

    /// Counts by class.
    pub fn tally(&self) -> Tally {
        let mut t = Tally {
            assumed_steps: self
                .steps
                .iter()
                .filter(|s| s.grade == Grade::Assumed)
                .count(),
            observed_steps: self
                .steps
                .iter()
                .filter(|s| s.grade == Grade::Observed)
                .count(),
            ..Tally::default()
        };
        for f in self.findings() {
            match f.class {
                Class::Assumption => t.assumption += 1,
                Class::Breaking => t.breaking += 1,
                Class::Additive => t.additive += 1,
                Class::Unavailable => t.unavailable += 1,
            }
        }
        t
    }

    /// True when the gate holds: every vendor checked to the end, no breaking drift (and, in
    /// strict mode, no additive drift and no assumption finding).
    pub fn passed(&self) -> bool {
        self.verdict() == Verdict::Pass
    }

    /// What the run shows. Drift seen is drift, even if the host later became unavailable;
    /// otherwise an unavailable host means the run proves nothing.
    pub fn verdict(&self) -> Verdict {
        let t = self.tally();
        if t.breaking > 0 || (self.strict && (t.additive > 0 || t.assumption > 0)) {
            Verdict::Drift
        } else if !self.unavailable.is_empty() {
            Verdict::Unavailable
        } else {
            Verdict::Pass
        }
    }

    /// `2 assumption, 1 breaking, 0 additive, 0 unavailable (7 steps assumed, 0 observed)`, and
    /// the strict-mode note.
    fn counts(&self) -> String {
        let t = self.tally();
        format!(
            "{} assumption, {} breaking, {} additive, {} unavailable ({} steps assumed, {} observed){}",
            t.assumption,
            t.breaking,
            t.additive,
            t.unavailable,
            t.assumed_steps,
            t.observed_steps,
            if self.strict {
                " (strict: additive and assumption fail)"
            } else {
                ""
            }
        )
    }

    /// The assumption findings, in step order: what the host did where the docs are silent.
    pub fn assumptions(&self) -> impl Iterator<Item = &Finding> {
        self.findings().filter(|f| f.class == Class::Assumption)
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
        let assumptions: Vec<&Finding> = self.assumptions().collect();
        if !assumptions.is_empty() {
            let _ = writeln!(
                out,
                "\nwhere the docs are silent, this host departs from our assumption ({}; {}):",
                assumptions.len(),
                if self.strict {
                    "strict: these fail the run"
                } else {
                    "reported, not gating; `--record` keeps them as this host's observed answers"
                }
            );
            for f in assumptions {
                let _ = writeln!(
                    out,
                    "  {} {} ({})  {}  assumed {}, host answered {}",
                    f.operation,
                    f.status
                        .map_or_else(|| "---".to_string(), |s| s.to_string()),
                    f.step,
                    json_path(&f.pointer),
                    f.expected,
                    f.actual
                );
            }
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
                let (verdict, note) = (s.verdict(), s.note());
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
        if !self.unavailable.is_empty() {
            let _ = writeln!(out, "\nsandbox unavailable (noise, not drift):");
            for u in &self.unavailable {
                let _ = writeln!(out, "  {u}");
            }
        }
        let _ = writeln!(
            out,
            "\n{} steps: {} -> {}",
            self.steps.len(),
            self.counts(),
            self.verdict().label()
        );
        out
    }

    /// The JSON report, as `schemas/report/drift-report.json` describes it.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            schema_version: u32,
            passed: bool,
            verdict: Verdict,
            tally: Tally,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_string_pretty(&Out {
            schema_version: REPORT_SCHEMA_VERSION,
            passed: self.passed(),
            verdict: self.verdict(),
            tally: self.tally(),
            report: self,
        })
        .unwrap_or_else(|e| format!("{{\"error\":\"report did not serialize: {e}\"}}"))
    }

    /// Replaces every occurrence of each secret in the report with `[REDACTED]`: a last line of
    /// defence, should a host ever echo a credential into a body.
    pub fn redact(&mut self, secrets: &[secrecy::SecretString]) {
        let clean = |s: &mut String| *s = scrub(s, secrets);
        for step in &mut self.steps {
            for f in &mut step.findings {
                clean(&mut f.actual);
                clean(&mut f.expected);
            }
        }
        for c in self.cleanup.iter_mut().chain(self.unavailable.iter_mut()) {
            clean(c);
        }
        for t in &mut self.targets {
            if let Some(s) = &mut t.skipped {
                clean(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(class: Class, pointer: &str, actual: &str) -> Finding {
        Finding {
            vendor: "kore".into(),
            operation: "kore voice-start-v1".into(),
            step: "start".into(),
            status: Some(200),
            pointer: pointer.into(),
            rule: campaign_schema::FindingRule::Keyword("type".into()),
            expected: "integer".into(),
            actual: actual.into(),
            class,
            grade: if class == Class::Assumption {
                Grade::Assumed
            } else {
                Grade::Documented
            },
            source: "Kore.ai docs, \"Start Voice Campaign\", https://koreai.mintlify.app/ai-for-service/apis/contact-center/start-voice-campaign".into(),
        }
    }

    /// Targets and steps are built from JSON, so fields added later with serde defaults need no
    /// edit here.
    fn report(findings: Vec<Finding>) -> Report {
        let target: TargetLine = serde_json::from_value(serde_json::json!({
            "vendor": "kore",
            "kind": "simulator",
            "host": "127.0.0.1:8080",
            "skipped": "sms: KORE_SMS_CAMPAIGN_ID not set",
        }))
        .expect("a target line");
        let step: StepResult = serde_json::from_value(serde_json::json!({
            "vendor": "kore",
            "operation": "kore voice-start-v1",
            "source": "Kore.ai docs, \"Start Voice Campaign\", https://koreai.mintlify.app/ai-for-service/apis/contact-center/start-voice-campaign",
            "step": "start",
            "expected": "200",
            "status": 200,
            "grade": "documented",
            "elapsed_ms": 3,
            "findings": findings,
        }))
        .expect("a step");
        Report {
            targets: vec![target],
            steps: vec![step],
            cleanup: vec!["kore demo-voice: stopped".into()],
            ..Report::default()
        }
    }

    /// The data rows of the findings table.
    fn finding_rows(md: &str) -> Vec<&str> {
        md.lines()
            .skip_while(|l| !l.starts_with("| class |"))
            .skip(2)
            .take_while(|l| l.starts_with("| "))
            .collect()
    }

    #[test]
    fn markdown_heading_carries_the_verdict() {
        let clean = report(Vec::new());
        let md = clean.to_markdown();
        assert!(md.starts_with("## campaign-contract: PASS\n"), "{md}");
        assert!(md.contains("No findings."), "{md}");
        assert!(
            md.contains(
                "| kore | simulator | `127.0.0.1:8080` | 0 of 0 | sms: KORE\\_SMS\\_CAMPAIGN\\_ID not set |"
            ),
            "{md}"
        );
        assert!(md.contains("- kore demo-voice: stopped"), "{md}");

        let additive = report(vec![finding(Class::Additive, "/region", "\"eu\" (string)")]);
        assert!(
            additive
                .to_markdown()
                .starts_with("## campaign-contract: PASS\n")
        );
        let strict = Report {
            strict: true,
            ..additive
        };
        let md = strict.to_markdown();
        assert!(md.starts_with("## campaign-contract: FAIL\n"), "{md}");
        assert!(
            md.contains("(strict: additive and assumption fail) → **FAIL**"),
            "{md}"
        );

        let broken = report(vec![finding(Class::Breaking, "/x", "\"0\" (string)")]);
        let md = broken.to_markdown();
        assert!(md.starts_with("## campaign-contract: FAIL\n"), "{md}");
        assert!(
            md.contains("<details open><summary>FAIL kore voice-start-v1: 1 step, 1 finding"),
            "{md}"
        );

        let down = Report {
            unavailable: vec!["voicegenie at 127.0.0.1:9: voicegenie campaign 503".into()],
            ..report(vec![finding(Class::Unavailable, "", "503")])
        };
        let md = down.to_markdown();
        assert!(
            md.starts_with("## campaign-contract: UNAVAILABLE\n"),
            "{md}"
        );
        assert!(md.contains("**Sandbox unavailable**"), "{md}");
        assert_eq!(down.verdict().exit_code(), 2);
    }

    #[test]
    fn markdown_sorts_assumption_then_breaking_findings_first() {
        let md = report(vec![
            finding(Class::Unavailable, "", "503"),
            finding(Class::Assumption, "/code", "missing"),
            finding(Class::Additive, "/region", "\"eu\" (string)"),
            finding(Class::Breaking, "/totalCallsCompleted", "\"0\" (string)"),
            finding(Class::Breaking, "/status", "missing"),
        ])
        .to_markdown();
        let classes: Vec<&str> = finding_rows(&md)
            .iter()
            .filter_map(|row| row.split(" | ").next())
            .map(|c| c.trim_start_matches("| "))
            .collect();
        assert_eq!(
            classes,
            [
                "ASSUMPTION",
                "BREAKING",
                "BREAKING",
                "ADDITIVE",
                "UNAVAILABLE"
            ],
            "{md}"
        );
        // Within a class, step order holds; the grade is its own column.
        let rows = finding_rows(&md);
        assert!(rows[0].starts_with("| ASSUMPTION | assumed |"), "{md}");
        assert!(rows[1].contains("`$.totalCallsCompleted`"), "{md}");
        assert!(rows[2].contains("`$.status`"), "{md}");
        assert!(rows[4].contains("| `$` |"), "{md}");
        // An assumption never fails a run unless strict.
        let r = report(vec![finding(Class::Assumption, "/code", "missing")]);
        assert_eq!(r.verdict(), Verdict::Pass);
        let strict = Report { strict: true, ..r };
        assert_eq!(strict.verdict(), Verdict::Drift);
    }

    #[test]
    fn markdown_cells_escape_pipes_newlines_and_html() {
        let mut f = finding(
            Class::Breaking,
            "/a|b",
            "\"x | y\\nz\" <h1>502</h1>\n`tick`",
        );
        f.operation = "kore op|name".into();
        f.source = "Kore.ai docs | b\nc <b>".into();
        let mut r = report(vec![f]);
        r.cleanup = vec!["line one\nline | two".into()];
        let md = r.to_markdown();
        let rows = finding_rows(&md);
        assert_eq!(rows.len(), 1, "{md}");
        let row = rows[0];
        // Every `|` left unescaped is a cell border: 9 of them for 8 cells.
        let borders = row
            .match_indices('|')
            .filter(|(i, _)| !row[..*i].ends_with('\\'))
            .count();
        assert_eq!(borders, 9, "{row}");
        assert!(row.contains("kore op\\|name"), "{row}");
        assert!(
            row.contains("`` \"x \\| y\\nz\" <h1>502</h1>\\n`tick` ``"),
            "{row}"
        );
        assert!(row.contains("`$.a\\|b`"), "{row}");
        assert!(row.contains("Kore.ai docs \\| b<br>c &lt;b&gt;"), "{row}");
        assert!(md.contains("- line one<br>line \\| two\n"), "{md}");
        assert!(!md.contains("<b>"), "{md}");
    }

    #[test]
    fn json_carries_the_schema_version() {
        let v: serde_json::Value =
            serde_json::from_str(&report(Vec::new()).to_json()).expect("the report is JSON");
        assert_eq!(v["schema_version"], REPORT_SCHEMA_VERSION);
        assert_eq!(v["passed"], true);
    }
}
