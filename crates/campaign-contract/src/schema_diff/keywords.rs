//! What JSON Schema keywords mean to the comparison: which are annotations, bounds or data,
//! how `$ref`s resolve, and which types a schema lets through.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Deeper than this, a schema is not followed (a guard; real schemas are a few levels deep).
pub(super) const MAX_DEPTH: usize = 64;

/// The schema that accepts anything (`true`, `{}`).
pub(super) static ANY: Value = Value::Bool(true);

/// Keywords that change no response a reader can get.
pub(super) const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// Lower bounds: removing or lowering one lets more through (breaking).
pub(super) const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
    "minContains",
];

/// Upper bounds: removing or raising one lets more through (breaking).
pub(super) const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
    "maxContains",
];

/// Keywords compared one by one; `$defs` are compared where a `$ref` uses them.
pub(super) const ANALYSED: &[&str] = &[
    "type",
    "enum",
    "const",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "pattern",
    "uniqueItems",
    "multipleOf",
    "$defs",
    "definitions",
];

/// Keywords whose value maps names to schemas (their keys are names, not keywords).
pub(super) const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keywords whose value is data, not a schema.
pub(super) const DATA: &[&str] = &["const", "enum", "default", "examples"];

/// A schema as a keyword map: `true` is `{}`, `false` is `{"not": {}}`.
pub(super) fn keywords(schema: &Value) -> Cow<'_, Map<String, Value>> {
    match schema {
        Value::Object(m) => Cow::Borrowed(m),
        Value::Bool(false) => {
            let mut m = Map::new();
            m.insert("not".into(), Value::Object(Map::new()));
            Cow::Owned(m)
        }
        _ => Cow::Owned(Map::new()),
    }
}

/// What a local `$ref` (`#`, `#/$defs/x`) points at in `root`.
pub(super) fn local_target<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        Some(root)
    } else if fragment.starts_with('/') {
        root.pointer(fragment)
    } else {
        None
    }
}

/// Follows local `$ref`s: the target's keywords, with the referring schema's siblings of `$ref`
/// laid over them. Also answers the first reference followed, if any. A reference that does not
/// resolve locally stays as it is (and is compared as text).
pub(super) fn resolve<'a>(root: &'a Value, schema: &'a Value) -> (Cow<'a, Value>, Option<String>) {
    let mut current = Cow::Borrowed(schema);
    let mut first = None;
    for _ in 0..16 {
        let Some(Value::String(reference)) = current.get("$ref") else {
            break;
        };
        let Some(target) = local_target(root, reference) else {
            break;
        };
        first.get_or_insert_with(|| reference.clone());
        let mut merged = keywords(target).into_owned();
        if let Value::Object(siblings) = current.as_ref() {
            for (k, v) in siblings.iter().filter(|(k, _)| *k != "$ref") {
                merged.insert(k.clone(), v.clone());
            }
        }
        current = Cow::Owned(Value::Object(merged));
    }
    (current, first)
}

/// The declared `type`s, in the order written; `None` when there is no `type`.
pub(super) fn declared_types(m: &Map<String, Value>) -> Option<Vec<String>> {
    let mut types: Vec<String> = match m.get("type")? {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => return None,
    };
    let mut seen = BTreeSet::new();
    types.retain(|t| seen.insert(t.clone()));
    Some(types)
}

/// `const` (as one value) or `enum`, with the keyword's name.
pub(super) fn value_set(m: &Map<String, Value>) -> Option<(&'static str, Vec<&Value>)> {
    if let Some(v) = m.get("const") {
        Some(("const", vec![v]))
    } else if let Some(Value::Array(vs)) = m.get("enum") {
        Some(("enum", vs.iter().collect()))
    } else {
        None
    }
}

/// The types a value can have: declared, else implied by `const`/`enum`; `None` for any.
pub(super) fn effective_types(m: &Map<String, Value>) -> Option<Vec<String>> {
    declared_types(m).or_else(|| {
        value_set(m).map(|(_, vs)| {
            let mut seen = BTreeSet::new();
            vs.iter()
                .map(|v| campaign_schema::json_type(v).to_string())
                .filter(|t| seen.insert(t.clone()))
                .collect()
        })
    })
}

/// Whether a value of type `t` is allowed by `types` (`integer` is a `number`).
pub(super) fn covers(types: &[String], t: &str) -> bool {
    types
        .iter()
        .any(|x| x == t || (t == "integer" && x == "number"))
}

/// Whether a value may be an object or an array (`t`) under `types` (`None`: any type).
pub(super) fn may_be(types: Option<&Vec<String>>, t: &str) -> bool {
    types.is_none_or(|ts| covers(ts, t))
}

pub(super) fn show_types(types: Option<&Vec<String>>) -> String {
    match types {
        None => "any".into(),
        Some(ts) if ts.is_empty() => "nothing".into(),
        Some(ts) => ts.join(" or "),
    }
}

pub(super) fn show_values(values: &[&Value]) -> String {
    campaign_schema::truncate(
        &values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A keyword's value with annotations taken out, for comparing keywords this module does not
/// analyse (a reworded description inside a `oneOf` is not a change).
pub(super) fn strip_annotations(v: &Value, names: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| names || !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, child)| {
                    let child = if !names && DATA.contains(&k.as_str()) {
                        child.clone()
                    } else {
                        strip_annotations(child, !names && NAME_MAPS.contains(&k.as_str()))
                    };
                    (k.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| strip_annotations(i, false)).collect())
        }
        other => other.clone(),
    }
}
