//! campaign-schema: the committed contract in `schemas/`, as code that grades one exchange.
//!
//! - [`registry`] compiles every schema once (2020-12, formats asserted) and loads each
//!   vendor's lifecycle rules beside them.
//! - [`check`] turns one exchange (or transport failure) into [`finding::Finding`]s, each classed
//!   assumption, breaking, additive or unavailable, and graded by the expectation it departs
//!   from: documented (a vendor page), assumed (our guess, `"x-grade": "assumed"` in a schema) or
//!   observed (what this host answered before).
//! - [`shape`] infers a body's structure for snapshots that change only when structure does,
//!   and turns a recorded body into the schema a later answer is held to.
//! - [`json_type`] names a JSON value's type the one way every report and shape names it.
//!
//! It depends on campaign-api only: the contract suite (campaign-contract) and the load
//! workers (campaign-load) both check bodies through it, and a load worker links nothing of the
//! suite, its CLI or the schema diff.

pub mod check;
pub mod finding;
pub mod registry;
pub mod shape;

pub use check::{Assumptions, Checker};
pub use finding::{Class, Finding, Grade, Rule};
pub use registry::{Schema, SchemaRegistry, Violation};

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
