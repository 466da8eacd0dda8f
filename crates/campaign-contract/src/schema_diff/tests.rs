//! Unit tests of the schema and lifecycle diffs and of rendering.

use super::lifecycle::{RulesError, is_lifecycle_file};
use super::render::render_changes;
use super::schema::{diff_schema, is_schema_file, status_of};
use super::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `(class, path, kind)` of each change from `base` to `head`.
fn diff(base: Value, head: Value) -> Vec<(ChangeClass, String, String)> {
    diff_schema("t.200.json", &base, &head)
        .into_iter()
        .map(|c| (c.class, c.path, c.kind))
        .collect()
}

fn one(class: ChangeClass, path: &str, kind: &str) -> Vec<(ChangeClass, String, String)> {
    vec![(class, path.to_string(), kind.to_string())]
}

use ChangeClass::{Additive, Breaking};

#[test]
fn classifies_each_rule_both_ways() {
    let obj = |props: Value, required: Value| json!({"type": "object", "additionalProperties": false, "required": required, "properties": props});
    // (name, base, head, change base→head, change head→base)
    type Expect = (ChangeClass, &'static str, &'static str);
    let cases: Vec<(&str, Value, Value, Expect, Expect)> = vec![
        (
            "optional property",
            obj(json!({"a": {"type": "string"}}), json!(["a"])),
            obj(
                json!({"a": {"type": "string"}, "b": {"type": "integer"}}),
                json!(["a"]),
            ),
            (Additive, "$.b", "new optional property"),
            (Breaking, "$.b", "property removed"),
        ),
        (
            "required property",
            obj(json!({"a": {"type": "string"}}), json!(["a"])),
            obj(
                json!({"a": {"type": "string"}, "b": {"type": "integer"}}),
                json!(["a", "b"]),
            ),
            (Additive, "$.b", "new required property"),
            (Breaking, "$.b", "property removed"),
        ),
        (
            "optional",
            obj(json!({"a": {"type": "string"}}), json!(["a"])),
            obj(json!({"a": {"type": "string"}}), json!([])),
            (Breaking, "$.a", "property made optional"),
            (Additive, "$.a", "property made required"),
        ),
        (
            "integer to number",
            json!({"type": "integer"}),
            json!({"type": "number"}),
            (Breaking, "$", "type widened: integer → number"),
            (Additive, "$", "type narrowed: number → integer"),
        ),
        (
            "nullable",
            json!({"type": "string"}),
            json!({"type": ["string", "null"]}),
            (Breaking, "$", "type widened: string → string or null"),
            (Additive, "$", "type narrowed: string or null → string"),
        ),
        (
            "string to integer",
            json!({"type": "string"}),
            json!({"type": "integer"}),
            (Breaking, "$", "type changed: string → integer"),
            (Breaking, "$", "type changed: integer → string"),
        ),
        (
            "type dropped",
            json!({"type": "string"}),
            json!({}),
            (Breaking, "$", "type widened: string → any"),
            (Additive, "$", "type narrowed: any → string"),
        ),
        (
            "enum value",
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "b", "c"]}),
            (Breaking, "$", "enum value added: \"c\""),
            (Additive, "$", "enum value removed: \"c\""),
        ),
        (
            "const to enum",
            json!({"const": "Active"}),
            json!({"type": "string", "enum": ["Active", "Queued"]}),
            (Breaking, "$", "enum value added: \"Queued\""),
            (Additive, "$", "enum value removed: \"Queued\""),
        ),
        (
            "const dropped",
            json!({"type": "string", "const": "Active"}),
            json!({"type": "string"}),
            (Breaking, "$", "const removed (was \"Active\")"),
            (Additive, "$", "const added: \"Active\""),
        ),
        (
            "closed object",
            json!({"type": "object", "additionalProperties": false}),
            json!({"type": "object"}),
            (
                Breaking,
                "$",
                "additional properties now allowed (was additionalProperties: false)",
            ),
            (Additive, "$", "additional properties no longer allowed"),
        ),
        (
            "format",
            json!({"type": "string", "format": "date-time"}),
            json!({"type": "string"}),
            (Breaking, "$", "format removed (was date-time)"),
            (Additive, "$", "format added: date-time"),
        ),
        (
            "minimum",
            json!({"type": "integer", "minimum": 0}),
            json!({"type": "integer", "minimum": -1}),
            (Breaking, "$", "minimum lowered: 0 → -1"),
            (Additive, "$", "minimum raised: -1 → 0"),
        ),
        (
            "maxLength",
            json!({"type": "string", "maxLength": 5}),
            json!({"type": "string", "maxLength": 9}),
            (Breaking, "$", "maxLength raised: 5 → 9"),
            (Additive, "$", "maxLength lowered: 9 → 5"),
        ),
        (
            "pattern",
            json!({"type": "string", "pattern": "^cid-"}),
            json!({"type": "string"}),
            (Breaking, "$", "pattern removed (was \"^cid-\")"),
            (Additive, "$", "pattern added: \"^cid-\""),
        ),
        (
            "items",
            json!({"type": "array", "items": {"type": "string"}}),
            json!({"type": "array", "items": {"type": ["string", "integer"]}}),
            (Breaking, "$[*]", "type widened: string → string or integer"),
            (
                Additive,
                "$[*]",
                "type narrowed: string or integer → string",
            ),
        ),
    ];
    for (name, base, head, forward, reverse) in cases {
        assert_eq!(
            diff(base.clone(), head.clone()),
            one(forward.0, forward.1, forward.2),
            "{name}, forward"
        );
        assert_eq!(
            diff(head, base),
            one(reverse.0, reverse.1, reverse.2),
            "{name}, reverse"
        );
    }
}

#[test]
fn removed_property_is_reported_once_and_nested_paths_are_json_paths() {
    let base = json!({"type": "object", "properties": {"data": {
        "type": "object", "required": ["id", "status"],
        "properties": {"id": {"type": "string"}, "status": {"enum": ["A"]}}}}});
    let head = json!({"type": "object", "properties": {"data": {
        "type": "object", "required": ["status"],
        "properties": {"status": {"enum": ["A"]}}}}});
    assert_eq!(
        diff(base, head),
        one(Breaking, "$.data.id", "property removed")
    );
}

#[test]
fn annotations_are_not_changes() {
    let base = json!({"$id": "a", "title": "A", "description": "x", "type": "string",
        "examples": ["1"], "oneOf": [{"const": "1", "description": "one"}]});
    let head = json!({"$id": "b", "title": "B", "description": "y", "type": "string",
        "examples": ["2"], "oneOf": [{"const": "1", "description": "uno"}]});
    assert_eq!(diff(base, head), vec![]);
}

#[test]
fn a_property_named_like_an_annotation_is_still_a_property() {
    let base = json!({"oneOf": [{"properties": {"title": {"type": "string"}}}]});
    let head = json!({"oneOf": [{"properties": {}}]});
    assert_eq!(
        diff(base, head),
        one(Breaking, "$", "oneOf changed (not analysed)")
    );
}

#[test]
fn local_refs_are_followed_and_a_pure_refactor_is_silent() {
    let inline = json!({"type": "object", "properties": {"data": {
        "type": "object", "properties": {"status": {"enum": ["A", "B"]}}}}});
    let with_defs = json!({"type": "object", "properties": {"data": {"$ref": "#/$defs/data"}},
        "$defs": {"data": {"type": "object", "properties": {"status": {"enum": ["A", "B"]}}},
                  "unused": {"type": "string"}}});
    assert_eq!(diff(inline.clone(), with_defs.clone()), vec![]);
    let mut widened = with_defs.clone();
    widened["$defs"]["data"]["properties"]["status"]["enum"] = json!(["A", "B", "C"]);
    assert_eq!(
        diff(with_defs, widened.clone()),
        one(Breaking, "$.data.status", "enum value added: \"C\"")
    );
    assert_eq!(
        diff(widened, inline),
        one(Additive, "$.data.status", "enum value removed: \"C\"")
    );
}

#[test]
fn recursive_refs_terminate() {
    let tree = |t: &str| {
        json!({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "properties": {
            "name": {"type": t},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}})
    };
    assert_eq!(
        diff(tree("string"), tree("integer")),
        one(Breaking, "$.name", "type changed: string → integer")
    );
    assert_eq!(diff(tree("string"), tree("string")), vec![]);
}

#[test]
fn an_object_that_became_a_string_is_one_change() {
    let base =
        json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}});
    let head = json!({"type": "string"});
    assert_eq!(
        diff(base, head),
        one(Breaking, "$", "type changed: object → string")
    );
}

#[test]
fn unanalysed_keywords_are_breaking_when_changed() {
    let base = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
    let head = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
    assert_eq!(
        diff(base, head),
        one(Breaking, "$", "anyOf changed (not analysed)")
    );
    let external = |r: &str| json!({"$ref": r});
    assert_eq!(
        diff(external("a.json"), external("b.json")),
        one(Breaking, "$", "$ref changed (not analysed)")
    );
}

#[test]
fn trees_report_removed_and_new_files_at_the_root() {
    let s = json!({"type": "object"});
    let base = BTreeMap::from([
        ("kore/a.200.json".to_string(), s.clone()),
        ("kore/a.404.json".to_string(), s.clone()),
    ]);
    let head = BTreeMap::from([
        ("kore/a.200.json".to_string(), s.clone()),
        ("kore/a.409.json".to_string(), s.clone()),
        ("report/drift-report.json".to_string(), s),
    ]);
    let got: Vec<_> = diff_trees(&base, &head)
        .into_iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        got,
        [
            "BREAKING  kore/a.404.json  $  status removed",
            "ADDITIVE  kore/a.409.json  $  new status",
            "ADDITIVE  report/drift-report.json  $  new schema",
        ]
    );
}

#[test]
fn only_json_outside_samples_is_a_schema() {
    assert!(is_schema_file("kore/status.200.json"));
    assert!(is_schema_file("report/drift-report.json"));
    assert!(!is_schema_file("samples/kore/status.200.beyond.json"));
    assert!(!is_schema_file("kore/lifecycle.toml"));
    assert!(!is_schema_file("README.md"));
    assert!(is_lifecycle_file("kore/lifecycle.toml"));
    assert!(!is_lifecycle_file("lifecycle.toml"));
    assert!(!is_lifecycle_file("samples/lifecycle.toml"));
    assert!(!is_lifecycle_file("kore/old/lifecycle.toml"));
    assert!(!is_lifecycle_file("kore/notes.toml"));
    assert_eq!(status_of("voicegenie/start.422.json"), Some(422));
    assert_eq!(status_of("report/drift-report.json"), None);
}

const RULES: &str = r#"
vendor = "kore"
entry = ["Ready"]
status_pointer = "/data/status"

[states.Ready]
reads = "Ready"

[states.Active]
reads = "Active"
dialing = true
settling = ["Preparing"]

[[rule]]
state = "Ready"
action = "start"
source = "documented"
outcomes = [{ status = 200, schema = "kore/{channel}-start.200.json", next = "Active" }]

[[rule]]
state = "Active"
action = "start"
source = "assumption"
note = "start twice"
outcomes = [{ status = 400, schema = "kore/error.400.json", next = "Active" }]
"#;

/// `(class, path, kind)` of each change from the rules `base` to `head`.
fn diff_rules(base: &str, head: &str) -> Vec<(ChangeClass, String, String)> {
    let parse = |t: &str| LifecycleRules::parse(t).expect("rules parse");
    diff_lifecycle("kore/lifecycle.toml", &parse(base), &parse(head))
        .into_iter()
        .map(|c| (c.class, c.path, c.kind))
        .collect()
}

#[test]
fn classifies_each_lifecycle_change_both_ways() {
    let with = |from: &str, to: &str| {
        assert!(RULES.contains(from), "{from}");
        RULES.replacen(from, to, 1)
    };
    let new_state = format!(
        "{RULES}\n[states.Stopped]\nreads = \"Stopped\"\n\n[[rule]]\nstate = \"Stopped\"\n\
         action = \"start\"\nsource = \"assumption\"\n\
         outcomes = [{{ status = 400, schema = \"kore/error.400.json\", next = \"Stopped\" }}]\n"
    );
    type Expect = (ChangeClass, &'static str, &'static str);
    // (name, head, change RULES→head, change head→RULES)
    let cases: Vec<(&str, String, Expect, Expect)> = vec![
        (
            "outcome",
            with(
                r#"next = "Active" }]"#,
                r#"next = "Active" }, { status = 409, schema = "kore/error.400.json", next = "Ready" }]"#,
            ),
            (Breaking, "[Ready, start]", "status 409 now allowed"),
            (Additive, "[Ready, start]", "status 409 no longer allowed"),
        ),
        (
            "next",
            with(
                r#"error.400.json", next = "Active""#,
                r#"error.400.json", next = "Ready""#,
            ),
            (
                Breaking,
                "[Active, start]",
                "status 400: next state Active → Ready",
            ),
            (
                Breaking,
                "[Active, start]",
                "status 400: next state Ready → Active",
            ),
        ),
        (
            "schema",
            with("kore/error.400.json", "kore/error.409.json"),
            (
                Breaking,
                "[Active, start]",
                r#"status 400: schema "kore/error.400.json" → "kore/error.409.json""#,
            ),
            (
                Breaking,
                "[Active, start]",
                r#"status 400: schema "kore/error.409.json" → "kore/error.400.json""#,
            ),
        ),
        (
            "state",
            new_state,
            (
                Breaking,
                "state Stopped",
                r#"state added (reads "Stopped")"#,
            ),
            (
                Additive,
                "state Stopped",
                r#"state removed (reads "Stopped")"#,
            ),
        ),
        (
            "reads",
            with(r#"reads = "Ready""#, r#"reads = "Idle""#),
            (Breaking, "state Ready", r#"state reads "Ready" → "Idle""#),
            (Breaking, "state Ready", r#"state reads "Idle" → "Ready""#),
        ),
        (
            "settling",
            with(r#"settling = ["Preparing"]"#, "settling = []"),
            (
                Additive,
                "state Active",
                r#"settling value removed: "Preparing""#,
            ),
            (
                Breaking,
                "state Active",
                r#"settling value added: "Preparing""#,
            ),
        ),
        (
            "status_pointer",
            with(r#""/data/status""#, r#""/data/state""#),
            (
                Breaking,
                "status_pointer",
                r#"status_pointer "/data/status" → "/data/state""#,
            ),
            (
                Breaking,
                "status_pointer",
                r#"status_pointer "/data/state" → "/data/status""#,
            ),
        ),
    ];
    for (name, head, forward, reverse) in cases {
        assert_eq!(
            diff_rules(RULES, &head),
            one(forward.0, forward.1, forward.2),
            "{name}, forward"
        );
        assert_eq!(
            diff_rules(&head, RULES),
            one(reverse.0, reverse.1, reverse.2),
            "{name}, reverse"
        );
    }
}

#[test]
fn a_rule_of_a_state_that_stays_is_compared_on_its_own() {
    let cut = RULES
        .rfind("[[rule]]")
        .expect("the last rule is [Active, start]");
    let without = &RULES[..cut];
    assert_eq!(
        diff_rules(RULES, without),
        one(Breaking, "[Active, start]", "rule removed")
    );
    assert_eq!(
        diff_rules(without, RULES),
        one(Additive, "[Active, start]", "new rule")
    );
}

#[test]
fn lifecycle_annotations_and_entry_are_not_changes() {
    let head = RULES
        .replace(r#"entry = ["Ready"]"#, r#"entry = ["Ready", "Active"]"#)
        .replace(r#"source = "assumption""#, r#"source = "documented""#)
        .replace(r#"note = "start twice""#, r#"note = "reworded""#)
        .replace("dialing = true", "dialing = false");
    assert_ne!(head, RULES);
    assert_eq!(diff_rules(RULES, &head), vec![]);
}

#[test]
fn lifecycle_rules_are_read_leniently_but_not_ambiguously() {
    // An action and a vendor today's operation table does not know still compare.
    let old = "vendor = \"gone\"\n[states.A]\nreads = \"A\"\n[[rule]]\nstate = \"A\"\n\
               action = \"rewind\"\noutcomes = [{ status = 200, schema = \"x.json\", next = \"A\" }]\n";
    let rules = LifecycleRules::parse(old).expect("lenient");
    assert_eq!(rules.rules.len(), 1);
    assert!(
        LifecycleRules::parse("[states.A]\nsettling = []\n")
            .expect_err("no reads")
            .to_string()
            .contains("reads"),
    );
    let twice = format!("{old}[[rule]]\nstate = \"A\"\naction = \"rewind\"\n");
    let e = LifecycleRules::parse(&twice).expect_err("a rule given twice");
    assert_eq!(
        e,
        RulesError::RuleTwice {
            rule: "[A, rewind]".into()
        }
    );
    assert_eq!(e.to_string(), "rule [A, rewind] given twice");
    let status_twice = old.replace(
        "next = \"A\" }]",
        "next = \"A\" }, { status = 200, schema = \"y.json\", next = \"A\" }]",
    );
    let e = LifecycleRules::parse(&status_twice).expect_err("a status listed twice");
    assert_eq!(
        e,
        RulesError::StatusTwice {
            rule: "[A, rewind]".into(),
            status: 200
        }
    );
    assert_eq!(e.to_string(), "rule [A, rewind]: status 200 listed twice");
    assert!(LifecycleRules::parse("[states.A\n").is_err());
}

#[test]
fn lifecycle_trees_report_removed_and_new_files_at_the_root() {
    let rules = LifecycleRules::default();
    let base = BTreeMap::from([("kore/lifecycle.toml".to_string(), rules.clone())]);
    let head = BTreeMap::from([("voicegenie/lifecycle.toml".to_string(), rules)]);
    let got: Vec<_> = diff_lifecycle_trees(&base, &head)
        .into_iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        got,
        [
            "BREAKING  kore/lifecycle.toml  $  lifecycle removed",
            "ADDITIVE  voicegenie/lifecycle.toml  $  new lifecycle",
        ]
    );
}

#[test]
fn renders_aligned_lines_and_a_summary() {
    let changes = vec![
        SchemaChange {
            file: "kore/voice-start.200.json".into(),
            path: "$.totalCallsCompleted".into(),
            class: Breaking,
            kind: "property removed".into(),
        },
        SchemaChange {
            file: "kore/x.404.json".into(),
            path: "$".into(),
            class: Additive,
            kind: "new status".into(),
        },
    ];
    assert_eq!(
        render_changes(&changes, "main"),
        "BREAKING  kore/voice-start.200.json  $.totalCallsCompleted  property removed\n\
         ADDITIVE  kore/x.404.json            $                      new status\n\
         1 breaking, 1 additive (base main)\n"
    );
    assert_eq!(
        render_changes(&[], "main"),
        "no schema changes since main\n"
    );
}

#[test]
fn the_worst_change_decides() {
    let change = |class| SchemaChange {
        file: "kore/x.200.json".into(),
        path: "$".into(),
        class,
        kind: "k".into(),
    };

    assert_eq!(worst_change(&[]), None);
    assert_eq!(worst_change(&[change(Additive)]), Some(Additive));
    assert_eq!(
        worst_change(&[change(Additive), change(Breaking), change(Additive)]),
        Some(Breaking)
    );
}
