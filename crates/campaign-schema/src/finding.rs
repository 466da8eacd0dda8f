//! Findings: one way an exchange departs from the contract, and how much it matters.

use campaign_api::Grade;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How much a finding matters to a client that reads responses.
///
/// Declared in report order: assumption findings come first, because they are how the docs'
/// silence gets filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The host departs from our assumption where the vendor documents nothing: it says what we
    /// assumed and what the host did. Never fails a run unless strict (on our own simulator,
    /// which must keep our word, such a departure is breaking instead).
    Assumption,
    /// A client built on the contract breaks: a required field missing, a type or documented
    /// value changed, a status code the operation does not document, a body that is not JSON,
    /// the wrong content type. Fails the gate.
    Breaking,
    /// Something new a client can ignore: an extra field. Reported; fails only in strict mode.
    Additive,
    /// The host could not answer (5xx, 429, timeout, reset, refused): noise, not drift.
    Unavailable,
}

impl Class {
    /// Upper-case label for the text report.
    pub fn label(self) -> &'static str {
        match self {
            Class::Assumption => "ASSUMPTION",
            Class::Breaking => "BREAKING",
            Class::Additive => "ADDITIVE",
            Class::Unavailable => "UNAVAILABLE",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One departure from the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `kore` or `voicegenie`.
    pub vendor: String,
    /// Qualified operation name (`kore voice-start-v1`).
    pub operation: String,
    /// The lifecycle step that made the call (`start`, `start again`, …).
    pub step: String,
    /// Response status, if a response arrived.
    pub status: Option<u16>,
    /// JSON pointer into the body (`/data/status`); empty for the whole response.
    pub pointer: String,
    /// The rule that failed: a schema keyword, or `status`, `content-type`, `json`, `transport`, …
    pub rule: FindingRule,
    /// What the contract wants.
    pub expected: String,
    /// What came (compact JSON, truncated; never a secret).
    pub actual: String,
    /// How much it matters.
    pub class: Class,
    /// How sure we are of the expectation it departs from.
    #[serde(default)]
    pub grade: Grade,
    /// Where the expectation is documented (a vendor page, or our assumption).
    pub source: String,
}

/// Which check a finding failed. Control flow (a loose expectation that overrides the status
/// check, a settle window running out) matches on this, never on report text.
///
/// Serialised as the plain word reports have always shown (`status`, `content-type`, or the
/// JSON Schema keyword itself, such as `required`), so the drift report's JSON is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingRule {
    /// The status code is not one the operation or lifecycle rule allows.
    Status,
    /// The `Content-Type` is not JSON.
    ContentType,
    /// The body is not JSON.
    Json,
    /// No complete response came (timeout, reset, refused, …).
    Transport,
    /// The harness could not render the request.
    Request,
    /// The operation table names a schema the registry did not load.
    Schema,
    /// The per-vendor call budget was spent.
    Budget,
    /// A lifecycle rule: the status or state an action led to.
    Lifecycle,
    /// An in-between state did not settle within the poll window.
    Settle,
    /// A JSON Schema keyword the body broke (`required`, `type`, `enum`, …).
    Keyword(String),
}

impl FindingRule {
    /// The word reports show.
    pub fn as_str(&self) -> &str {
        match self {
            FindingRule::Status => "status",
            FindingRule::ContentType => "content-type",
            FindingRule::Json => "json",
            FindingRule::Transport => "transport",
            FindingRule::Request => "request",
            FindingRule::Schema => "schema",
            FindingRule::Budget => "budget",
            FindingRule::Lifecycle => "lifecycle",
            FindingRule::Settle => "settle",
            FindingRule::Keyword(k) => k,
        }
    }

    /// The rule a report word names (any word not one of the harness's own is a keyword).
    pub fn from_word(word: &str) -> FindingRule {
        match word {
            "status" => FindingRule::Status,
            "content-type" => FindingRule::ContentType,
            "json" => FindingRule::Json,
            "transport" => FindingRule::Transport,
            "request" => FindingRule::Request,
            "schema" => FindingRule::Schema,
            "budget" => FindingRule::Budget,
            "lifecycle" => FindingRule::Lifecycle,
            "settle" => FindingRule::Settle,
            other => FindingRule::Keyword(other.to_string()),
        }
    }
}

impl fmt::Display for FindingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FindingRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FindingRule, D::Error> {
        let word = String::deserialize(d)?;
        Ok(FindingRule::from_word(&word))
    }
}

/// Longest `actual` shown.
pub const MAX_ACTUAL: usize = 80;

/// Renders a JSON value for `actual`: compact, type named, cut at [`MAX_ACTUAL`] characters.
pub fn describe(value: Option<&serde_json::Value>) -> String {
    let Some(v) = value else {
        return "missing".into();
    };
    format!("{} ({})", truncate(&v.to_string()), crate::json_type(v))
}

/// Replaces every form of each secret (4 characters or more: verbatim, JSON-escaped,
/// percent-encoded, base64 at any alignment; see [`campaign_api::secret_forms`]) with
/// `[REDACTED]`. Run it before [`truncate`]: a cut secret no longer matches whole. This is the
/// edge where a secret is exposed: only to be compared, never kept.
pub fn scrub(text: &str, secrets: &[SecretString]) -> String {
    let mut out = text.to_string();
    for form in campaign_api::secret_forms(secrets) {
        let Ok(form) = std::str::from_utf8(&form) else {
            continue;
        };
        if out.contains(form) {
            out = out.replace(form, "[REDACTED]");
        }
    }
    out
}

/// True when `text` holds a form of one of `secrets`.
fn holds_secret(text: &str, secrets: &[SecretString]) -> bool {
    scrub(text, secrets) != text
}

/// [`describe`] of a value after [`scrub`]bing its text.
pub(crate) fn describe_scrubbed(
    value: Option<&serde_json::Value>,
    secrets: &[SecretString],
) -> String {
    match value {
        Some(serde_json::Value::String(s)) if holds_secret(s, secrets) => {
            describe(Some(&serde_json::Value::String(scrub(s, secrets))))
        }
        Some(v) if holds_secret(&v.to_string(), secrets) => {
            format!("{} (redacted)", truncate(&scrub(&v.to_string(), secrets)))
        }
        other => describe(other),
    }
}

/// Cuts text at [`MAX_ACTUAL`] characters, marking the cut. A cut that would split a word or a
/// number (`exceeds 104…` for `exceeds 1048576`) moves back to the space before it, when one is
/// near: a half number reads as a wrong one.
pub fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_ACTUAL {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut end = MAX_ACTUAL;
    if chars[end - 1].is_alphanumeric() && chars[end].is_alphanumeric() {
        let floor = MAX_ACTUAL.saturating_sub(24);
        if let Some(space) = (floor..end).rev().find(|&i| chars[i].is_whitespace()) {
            end = space;
        }
    }
    let cut: String = chars[..end].iter().collect();
    format!("{}…", cut.trim_end())
}

/// JSON pointer as the report shows it: `$.data.status`, `$` for the root.
pub fn json_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return "$".into();
    }
    let mut out = String::from("$");
    for seg in pointer.trim_start_matches('/').split('/') {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            out.push('.');
            out.push_str(&seg);
        }
    }
    out
}

impl fmt::Display for Finding {
    /// `kore voice-start-v1 200  $.totalCallsCompleted  expected integer, got "0" (string)
    /// BREAKING (documented)`: the class, and the grade of the expectation it departs from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self
            .status
            .map_or_else(|| "---".to_string(), |s| s.to_string());
        write!(
            f,
            "{} {}  {}  expected {}, got {}  {} ({})",
            self.operation,
            status,
            json_path(&self.pointer),
            self.expected,
            self.actual,
            self.class,
            self.grade
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_one_line_form() {
        let f = Finding {
            vendor: "kore".into(),
            operation: "kore voice-start-v1".into(),
            step: "start".into(),
            status: Some(200),
            pointer: "/totalCallsCompleted".into(),
            rule: FindingRule::Keyword("type".into()),
            expected: "integer".into(),
            actual: describe(Some(&serde_json::json!("0"))),
            class: Class::Breaking,
            grade: Grade::Documented,
            source: "Kore.ai docs, \"Start Voice Campaign\"".into(),
        };
        assert_eq!(
            f.to_string(),
            "kore voice-start-v1 200  $.totalCallsCompleted  expected integer, got \"0\" (string)  BREAKING (documented)"
        );
        assert_eq!(json_path("/data/missing/0"), "$.data.missing[0]");
        assert_eq!(describe(None), "missing");
        assert!(describe(Some(&serde_json::json!("x".repeat(200)))).contains('…'));
        let secret = format!("sk_{}", "9".repeat(100));
        let shown = describe_scrubbed(
            Some(&serde_json::json!(format!("key {secret}"))),
            &[SecretString::from(secret.clone())],
        );
        assert!(!shown.contains("sk_9999"), "a cut secret survived: {shown}");
        // Encoded forms too: a host echoing the key base64- or percent-encoded.
        let key = "vg key/SECRET+456";
        for echoed in ["dmcga2V5L1NFQ1JFVCs0NTY=", "vg%20key%2FSECRET%2B456"] {
            let shown = describe_scrubbed(
                Some(&serde_json::json!({ "key": echoed })),
                &[SecretString::from(key)],
            );
            assert!(shown.contains("[REDACTED]"), "{echoed} shown as {shown}");
        }
        assert_eq!(describe(Some(&serde_json::json!(1.0))), "1.0 (integer)");
        // A JWT a host splits at its dots is redacted a piece at a time.
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0xxxxxx.SECRETsignature0123456789abc";
        let split = serde_json::json!({"p2": "SECRETsignature0123456789abc"});
        let shown = describe_scrubbed(Some(&split), &[SecretString::from(jwt)]);
        assert!(!shown.contains("SECRETsignature"), "{shown}");
        // A number is never cut in half.
        let long = format!("{} body exceeds 1048576 bytes", "x".repeat(65));
        assert_eq!(truncate(&long), format!("{} body exceeds…", "x".repeat(65)));
    }

    #[test]
    fn rules_keep_their_report_words() {
        for word in [
            "status",
            "content-type",
            "json",
            "settle",
            "required",
            "enum",
        ] {
            let rule = FindingRule::from_word(word);
            assert_eq!(rule.as_str(), word);
            let json = serde_json::to_value(&rule).unwrap();
            assert_eq!(json, serde_json::json!(word));
            assert_eq!(serde_json::from_value::<FindingRule>(json).unwrap(), rule);
        }
        assert_eq!(FindingRule::from_word("status"), FindingRule::Status);
        assert_eq!(
            FindingRule::from_word("required"),
            FindingRule::Keyword("required".into())
        );
    }
}
