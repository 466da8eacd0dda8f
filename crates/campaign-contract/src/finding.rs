//! Findings: one way an exchange departs from the contract, and how much it matters.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How much a finding matters to a client that reads responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A client built on the contract breaks: a required field missing, a type or documented
    /// value changed, a status code the operation does not document, a body that is not JSON,
    /// the wrong content type. Fails the gate.
    Breaking,
    /// Something new a client can ignore: an extra field. Reported; fails only in strict mode.
    Additive,
    /// The vendor documents nothing here; only a loose check was made (informational).
    Undocumented,
    /// The host could not answer (5xx, 429, timeout, reset, refused): noise, not drift.
    Unavailable,
}

impl Class {
    /// Upper-case label for the text report.
    pub fn label(self) -> &'static str {
        match self {
            Class::Breaking => "BREAKING",
            Class::Additive => "ADDITIVE",
            Class::Undocumented => "UNDOCUMENTED",
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
    /// The rule that failed: a schema keyword, or `status`, `content-type`, `json`, `transport`.
    pub rule: String,
    /// What the contract wants.
    pub expected: String,
    /// What came (compact JSON, truncated; never a secret).
    pub actual: String,
    /// How much it matters.
    pub class: Class,
    /// Where the expectation is documented (vendor page, beyond-the-copies, or our assumption).
    pub source: String,
}

/// Longest `actual` shown.
pub const MAX_ACTUAL: usize = 80;

/// Renders a JSON value for `actual`: compact, type named, cut at [`MAX_ACTUAL`] characters.
pub fn describe(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    let Some(v) = value else {
        return "missing".into();
    };
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!("{} ({kind})", truncate(&v.to_string()))
}

/// Replaces every occurrence of each secret (4 characters or more) with `[REDACTED]`. Run it
/// before [`truncate`]: a cut secret no longer matches whole.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "[REDACTED]");
        }
    }
    out
}

/// [`describe`] of a value after [`scrub`]bing its text.
pub fn describe_scrubbed(value: Option<&serde_json::Value>, secrets: &[String]) -> String {
    match value {
        Some(serde_json::Value::String(s))
            if secrets
                .iter()
                .any(|x| x.len() >= 4 && s.contains(x.as_str())) =>
        {
            describe(Some(&serde_json::Value::String(scrub(s, secrets))))
        }
        Some(v)
            if secrets
                .iter()
                .any(|x| x.len() >= 4 && v.to_string().contains(x.as_str())) =>
        {
            format!("{} (redacted)", truncate(&scrub(&v.to_string(), secrets)))
        }
        other => describe(other),
    }
}

/// Cuts text at [`MAX_ACTUAL`] characters, marking the cut.
pub fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_ACTUAL {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX_ACTUAL).collect();
        format!("{cut}…")
    }
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
    /// `kore voice-start-v1 200  $.totalCallsCompleted  expected integer, got "0" (string)  BREAKING`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self
            .status
            .map_or_else(|| "---".to_string(), |s| s.to_string());
        write!(
            f,
            "{} {}  {}  expected {}, got {}  {}",
            self.operation,
            status,
            json_path(&self.pointer),
            self.expected,
            self.actual,
            self.class
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
            rule: "type".into(),
            expected: "integer".into(),
            actual: describe(Some(&serde_json::json!("0"))),
            class: Class::Breaking,
            source: "vendor-docs/000".into(),
        };
        assert_eq!(
            f.to_string(),
            "kore voice-start-v1 200  $.totalCallsCompleted  expected integer, got \"0\" (string)  BREAKING"
        );
        assert_eq!(json_path("/data/missing/0"), "$.data.missing[0]");
        assert_eq!(describe(None), "missing");
        assert!(describe(Some(&serde_json::json!("x".repeat(200)))).contains('…'));
        let secret = format!("sk_{}", "9".repeat(100));
        let shown = describe_scrubbed(
            Some(&serde_json::json!(format!("key {secret}"))),
            std::slice::from_ref(&secret),
        );
        assert!(!shown.contains("sk_9999"), "a cut secret survived: {shown}");
    }
}
