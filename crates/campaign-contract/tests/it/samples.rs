//! The vendor docs' sample bodies (`schemas/samples/`) against the committed schemas.
//!
//! Each sample must validate against the schema its file name points to; every mutated copy —
//! a required field removed, any field's type changed, an unknown field added — must not.

use crate::support::workspace_schemas;
use campaign_schema::SchemaRegistry;
use serde_json::{Value, json};
use std::path::PathBuf;

fn samples() -> Vec<(PathBuf, String, Value)> {
    let root = workspace_schemas().join("samples");
    let mut out = Vec::new();
    for vendor in ["kore", "voicegenie"] {
        let dir = root.join(vendor);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            let file = path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .to_string();
            // `<stem>.<status>.<label>.json` validates against `<stem>.<status>.json`.
            let parts: Vec<&str> = file.split('.').collect();
            assert!(
                parts.len() == 4 && parts[3] == "json",
                "{file}: sample names are <stem>.<status>.<label>.json"
            );
            let schema = format!("{vendor}/{}.{}.json", parts[0], parts[1]);
            let body: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("readable sample"))
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((path, schema, body));
        }
    }
    assert!(
        out.len() >= 16,
        "expected every documented sample, found {}",
        out.len()
    );
    out
}

/// Every (pointer, parent-required?) of object members in `value`, walking `schema` alongside.
fn members(value: &Value, schema: &Value, pointer: String, out: &mut Vec<(String, bool)>) {
    if let (Value::Object(map), Some(props)) = (value, schema.get("properties")) {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (k, v) in map {
            let p = format!("{pointer}/{k}");
            out.push((p.clone(), required.contains(&k.as_str())));
            members(v, props.get(k).unwrap_or(&Value::Null), p, out);
        }
    }
}

fn parent_and_key(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap_or(("", pointer))
}

fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(12345),
        Value::Number(n) => json!(n.to_string()),
        Value::Bool(b) => json!(b.to_string()),
        Value::Null => json!(0),
        Value::Array(_) | Value::Object(_) => json!("not-a-container"),
    }
}

#[test]
fn every_sample_validates_against_its_schema() {
    let registry = SchemaRegistry::load_default().expect("schemas load");
    for (path, schema, body) in samples() {
        let s = registry
            .get(&schema)
            .unwrap_or_else(|| panic!("{}: no schema {schema}", path.display()));
        let v = s.violations(&body);
        assert!(v.is_empty(), "{} breaks {schema}: {v:#?}", path.display());
    }
}

#[test]
fn every_mutated_sample_is_rejected() {
    let registry = SchemaRegistry::load_default().expect("schemas load");
    let mut removals = 0;
    let mut retypes = 0;
    for (path, schema_name, body) in samples() {
        let schema = registry.get(&schema_name).expect("schema exists");
        let mut fields = Vec::new();
        members(&body, &schema.document, String::new(), &mut fields);
        assert!(
            fields.iter().any(|(_, req)| *req),
            "{}: no required field to remove",
            path.display()
        );
        for (pointer, required) in &fields {
            let (parent, key) = parent_and_key(pointer);
            // A required field removed.
            if *required {
                let mut m = body.clone();
                m.pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .expect("parent object")
                    .remove(key);
                let v = schema.violations(&m);
                assert!(
                    v.iter().any(|v| v.keyword == "required"
                        && v.pointer == *pointer
                        && v.actual.is_none()),
                    "{}: removing {pointer} was not reported as a missing required field: {v:#?}",
                    path.display()
                );
                removals += 1;
            }
            // The field's type changed.
            let mut m = body.clone();
            let slot = m.pointer_mut(pointer).expect("field exists");
            *slot = other_type(slot);
            let v = schema.violations(&m);
            assert!(
                v.iter().any(|v| v.pointer == *pointer),
                "{}: changing the type of {pointer} passed validation",
                path.display()
            );
            retypes += 1;
        }
        // An unknown field added at the root.
        let mut m = body.clone();
        m.as_object_mut()
            .expect("object body")
            .insert("unexpectedField".into(), json!(1));
        assert!(
            !schema.is_valid(&m),
            "{}: an unknown field passed",
            path.display()
        );
    }
    assert!(
        removals >= 40 && retypes >= 50,
        "too few mutations: {removals} removals, {retypes} retypes"
    );
}

#[test]
fn formats_and_patterns_are_asserted() {
    let registry = SchemaRegistry::load_default().expect("schemas load");
    let s = registry.get("kore/voice-start.200.json").expect("schema");
    let good = json!({"status":"Active","message":"Campaign Started","totalCallsCompleted":0,
        "updatedAt":"2025-06-27T07:01:45.416Z","campaignInstanceId":"cid-dbb5e25-605e-4556-8912-9292181axxxx"});
    assert!(s.is_valid(&good));
    for (pointer, bad) in [
        ("/updatedAt", json!("yesterday")),
        ("/campaignInstanceId", json!("dbb5e25-605e")),
        ("/status", json!("active")),
        ("/totalCallsCompleted", json!(-1)),
    ] {
        let mut m = good.clone();
        *m.pointer_mut(pointer).expect("field") = bad;
        let v = s.violations(&m);
        assert_eq!(v.len(), 1, "{pointer}: {v:#?}");
        assert_eq!(v[0].pointer, pointer);
    }
}

#[test]
fn every_schema_is_named_by_the_operation_table_or_is_documented_as_spare() {
    let registry = SchemaRegistry::load_default().expect("schemas load");
    let used: std::collections::BTreeSet<&str> = campaign_api::OperationId::ALL
        .iter()
        .flat_map(|op| op.spec().responses.iter().map(|r| r.schema))
        .collect();
    for schema in registry.iter() {
        assert!(
            used.contains(schema.name.as_str()),
            "{} is used by no operation",
            schema.name
        );
        let d = schema
            .document
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(
            d.contains("Kore.ai docs, '")
                || d.contains("VoiceGenie (Oriserve) API")
                || d.contains("ASSUMPTION"),
            "{}: description must cite the vendor page that documents it, or say it is an assumption",
            schema.name
        );
    }
}
