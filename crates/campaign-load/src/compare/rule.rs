//! Gate rules (`--fail-on p99:+10%`): read once where they enter, and judged on the whole
//! run's rows.

use super::{Metric, Row, Verdict, render};
use serde::Serialize;

/// A gate rule: `p99:+10%`, `error-rate:+0.5pp`, `rate:-10%`. It fails when its figure (over
/// the whole run) regressed significantly and by more than the rule allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// As written.
    pub text: String,
    /// The figure.
    pub metric: Metric,
    /// The change allowed: relative (0.10), or percentage points for the error rate; for the
    /// rate, the drop allowed.
    pub limit: f64,
}

impl Rule {
    /// Reads a rule as `--fail-on` takes it.
    pub fn parse(text: &str) -> Result<Rule, String> {
        let bad = |why: &str| {
            format!(
                "--fail-on {text:?}: {why}; e.g. p99:+10%, response-p95:+5%, error-rate:+0.5pp, rate:-10%"
            )
        };
        let (name, limit) = text
            .split_once(':')
            .ok_or_else(|| bad("no ':' between the figure and its limit"))?;
        let metric = Metric::ALL
            .into_iter()
            .find(|m| m.name() == name.trim())
            .ok_or_else(|| bad(&format!("{:?} is not a figure compare gives", name.trim())))?;
        let limit = limit.trim();
        let (number, unit) = if let Some(n) = limit.strip_suffix("pp") {
            (n, "pp")
        } else if let Some(n) = limit.strip_suffix('%') {
            (n, "%")
        } else {
            return Err(bad(
                "the limit ends in % (relative) or pp (percentage points)",
            ));
        };
        let want = if metric.in_points() { "pp" } else { "%" };
        if unit != want {
            return Err(bad(&format!(
                "{} changes are given in {want}",
                metric.name()
            )));
        }
        let value: f64 = number
            .trim()
            .parse()
            .map_err(|_| bad(&format!("{number:?} is not a number")))?;
        let signed_ok = if metric.higher_is_worse() {
            number.trim_start().starts_with('+') && value >= 0.0
        } else {
            number.trim_start().starts_with('-') && value <= 0.0
        };
        if !signed_ok || !value.is_finite() {
            let sign = if metric.higher_is_worse() { "+" } else { "-" };
            return Err(bad(&format!(
                "a {} limit is the worse direction, {sign}N",
                metric.name()
            )));
        }
        let limit = if metric.in_points() {
            value.abs()
        } else {
            value.abs() / 100.0
        };
        Ok(Rule {
            text: text.to_string(),
            metric,
            limit,
        })
    }
}

/// A rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// The rule as written (`no significant regression` when none were given).
    pub rule: String,
    /// Whether it held.
    pub passed: bool,
    /// Why, in a line.
    pub observed: String,
}

/// The gate: each rule judged on the whole run's row of its figure; with no rules, one that
/// fails on any significant regression of the whole run's figures.
pub(super) fn gate(rows: &[Row], rules: &[Rule]) -> Vec<RuleResult> {
    let whole = |m: Metric| rows.iter().find(|r| r.scope == "all" && r.metric == m);
    if rules.is_empty() {
        let regressed: Vec<String> = rows
            .iter()
            .filter(|r| r.scope == "all" && r.verdict == Verdict::Regressed)
            .map(|r| format!("{} {}", r.metric.name(), render::change_text(r)))
            .collect();
        return vec![RuleResult {
            rule: "no significant regression".into(),
            passed: regressed.is_empty(),
            observed: if regressed.is_empty() {
                "no figure of the whole run regressed".into()
            } else {
                format!("regressed: {}", regressed.join(", "))
            },
        }];
    }
    rules
        .iter()
        .map(|rule| {
            let Some(r) = whole(rule.metric) else {
                return RuleResult {
                    rule: rule.text.clone(),
                    passed: true,
                    observed: "no such figure in either run".into(),
                };
            };
            let beyond = if rule.metric.higher_is_worse() {
                r.change > rule.limit
            } else {
                r.change < -rule.limit
            };
            let failed = r.verdict == Verdict::Regressed && beyond;
            RuleResult {
                rule: rule.text.clone(),
                passed: !failed,
                observed: format!("{} ({})", render::change_text(r), r.verdict.label()),
            }
        })
        .collect()
}
