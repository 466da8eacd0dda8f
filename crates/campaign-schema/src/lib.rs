//! campaign-schema: the committed contract in `schemas/`, as code that grades one exchange into
//! findings.
//!
//! That is its one job. The [`SchemaRegistry`] compiles every schema once (2020-12, formats
//! asserted) and loads each vendor's lifecycle rules beside them; the [`Checker`] turns one
//! exchange (or transport failure) into [`Finding`]s, each classed ([`Class`]) assumption,
//! breaking, additive or unavailable, and graded ([`Grade`], campaign-api's one vocabulary) by
//! the expectation it departs from: documented (a vendor page), assumed (our guess, `"x-grade":
//! "assumed"` in a schema) or observed (what this host answered before). [`infer_shape`] gives a
//! body's structure for snapshots that change only when structure does, and
//! [`observed_schema`] turns a recorded body into the schema a later answer is held to.
//!
//! It depends on campaign-api only: the contract suite (campaign-contract) and the load
//! workers (campaign-load) both check bodies through it, and a load worker links nothing of the
//! suite, its CLI or the schema diff.
//!
//! ```
//! use campaign_api::{Exchange, OperationId};
//! use campaign_schema::{Assumptions, Checker, Class, FindingRule, Grade, SchemaRegistry};
//!
//! let checker = Checker::new(SchemaRegistry::load_default()?);
//! let mut headers = http::HeaderMap::new();
//! headers.insert("content-type", http::HeaderValue::from_static("application/json"));
//! // A start answered 200 whose `totalCallsCompleted` became a string.
//! let x = Exchange {
//!     operation: OperationId::KoreVoiceStartV1,
//!     status: http::StatusCode::OK,
//!     headers,
//!     body: br#"{"status":"Active","message":"Campaign Started","totalCallsCompleted":"0",
//!              "updatedAt":"2025-06-27T07:01:45.416Z","campaignInstanceId":"cid-1"}"#
//!         .to_vec()
//!         .into(),
//!     elapsed: std::time::Duration::from_millis(12),
//! };
//!
//! let findings = checker.check(x.operation, "start when Ready", &x, Assumptions::Report);
//!
//! assert_eq!(findings.len(), 1);
//! let f = &findings[0];
//! assert_eq!((f.class, f.grade), (Class::Breaking, Grade::Documented));
//! assert_eq!(f.rule, FindingRule::Keyword("type".into()));
//! assert_eq!(f.pointer, "/totalCallsCompleted");
//! # Ok::<(), campaign_schema::RegistryError>(())
//! ```

mod check;
mod finding;
mod registry;
mod shape;

pub use campaign_api::Grade;
pub use check::{Assumptions, Checker};
pub use finding::{Class, Finding, FindingRule, MAX_ACTUAL, describe, json_path, scrub, truncate};
pub use registry::{
    CompileError, GRADE_KEYWORD, RegistryError, Schema, SchemaRegistry, Violation, compile,
};
pub use shape::{infer_shape, observed_schema};

/// The JSON Schema type name of a value: `null`, `boolean`, `integer`, `number`, `string`,
/// `array` or `object`.
///
/// A number with no fractional part is an `integer`, whatever its spelling (`1.0` too), as JSON
/// Schema 2020-12 and the validator count it: a report, a shape snapshot and a schema diff must
/// never disagree with the validator about what type a value has.
///
/// ```
/// use serde_json::json;
/// use campaign_schema::json_type;
/// assert_eq!(json_type(&json!(1)), "integer");
/// assert_eq!(json_type(&json!(1.0)), "integer");
/// assert_eq!(json_type(&json!(1.5)), "number");
/// assert_eq!(json_type(&json!({"a": 1})), "object");
/// ```
pub fn json_type(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.is_finite() && f.fract() == 0.0) =>
        {
            "integer"
        }
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
