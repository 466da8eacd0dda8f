//! Shape inference: what a body looks like, never what it holds.
//!
//! A snapshot of the shape changes when a field appears, disappears or changes type, and never
//! when a value changes, so it is stable across runs and across targets.

use serde_json::{Map, Value};

fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut x), Value::Object(y)) => {
            for (k, v) in y {
                let merged = match x.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                x.insert(k, merged);
            }
            Value::Object(x)
        }
        (Value::String(x), Value::String(y)) if x == y => Value::String(x),
        (Value::String(x), Value::String(y)) => {
            let mut kinds: Vec<&str> = x.split(" | ").chain(y.split(" | ")).collect();
            kinds.sort_unstable();
            kinds.dedup();
            Value::String(kinds.join(" | "))
        }
        (x, y) => Value::String(format!("{} | {}", type_label(&x), type_label(&y))),
    }
}

fn type_label(shape: &Value) -> String {
    match shape {
        Value::String(s) => s.clone(),
        Value::Object(_) => "object".into(),
        Value::Array(_) => "array".into(),
        other => other.to_string(),
    }
}

/// The shape of a JSON value: objects keep their (sorted) keys with the shape of each value,
/// arrays become a one-element array holding the merged shape of their elements (empty when the
/// array is), scalars become their type name (`string`, `integer`, `number`, `boolean`, `null`).
///
/// ```
/// use serde_json::json;
/// let shape = campaign_schema::infer_shape(&json!({"b": [1, 2], "a": {"x": "y"}}));
/// assert_eq!(shape, json!({"a": {"x": "string"}, "b": ["integer"]}));
/// ```
pub fn infer_shape(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let merged = items.iter().map(infer_shape).reduce(merge);
            Value::Array(merged.into_iter().collect())
        }
        Value::Object(map) => {
            // serde_json's default map is sorted by key, so the output order is stable.
            let out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), infer_shape(v)))
                .collect();
            Value::Object(out)
        }
        scalar => Value::String(crate::json_type(scalar).into()),
    }
}

/// A JSON Schema that holds a later body to the shape of `value`: the same fields (all
/// required, no others), each of the same type, arrays of the same item shape. Values are free.
/// Used for *observed* answers: what a host sent where the docs are silent becomes what it must
/// keep sending.
///
/// ```
/// use serde_json::json;
/// let schema = campaign_schema::observed_schema(&json!({"error": {"code": "X"}}));
/// let s = campaign_schema::compile("observed", schema).unwrap();
/// assert!(s.is_valid(&json!({"error": {"code": "Y"}})));
/// assert!(!s.is_valid(&json!({"error": {"code": 1}})));
/// assert!(!s.is_valid(&json!({"error": {}})));
/// ```
pub fn observed_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let properties: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), observed_schema(v)))
                .collect();
            serde_json::json!({
                "type": "object",
                "required": map.keys().collect::<Vec<_>>(),
                "properties": properties,
                "additionalProperties": false,
            })
        }
        Value::Array(items) => match items.first() {
            // Items are held to the first one's shape: a recorded array says what its elements
            // look like, not how many there are.
            Some(first) => serde_json::json!({"type": "array", "items": observed_schema(first)}),
            None => serde_json::json!({"type": "array"}),
        },
        Value::Number(_) if crate::json_type(value) == "integer" => {
            serde_json::json!({"type": "integer"})
        }
        // An integer where a number was seen is still a number.
        Value::Number(_) => serde_json::json!({"type": "number"}),
        scalar => serde_json::json!({"type": crate::json_type(scalar)}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_do_not_change_the_shape_but_structure_does() {
        let a = json!({"status":"Active","totalCallsCompleted":0,"updatedAt":"2025-06-27T07:01:45.416Z"});
        let b =
            json!({"updatedAt":"2026-01-01T00:00:00Z","status":"Stopped","totalCallsCompleted":17});
        assert_eq!(infer_shape(&a), infer_shape(&b));
        let c = json!({"status":"Active","totalCallsCompleted":"0","updatedAt":"x"});
        assert_ne!(infer_shape(&a), infer_shape(&c));
        let d = json!({"status":"Active","totalCallsCompleted":0});
        assert_ne!(infer_shape(&a), infer_shape(&d));
    }

    #[test]
    fn arrays_merge_their_elements() {
        assert_eq!(infer_shape(&json!([])), json!([]));
        assert_eq!(infer_shape(&json!(["a", "b"])), json!(["string"]));
        assert_eq!(infer_shape(&json!([1, "b"])), json!(["integer | string"]));
        assert_eq!(
            infer_shape(&json!([{"a":1},{"b":true}])),
            json!([{"a":"integer","b":"boolean"}])
        );
        assert_eq!(infer_shape(&json!([1.5, null])), json!(["null | number"]));
    }
}
