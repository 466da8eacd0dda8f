use super::*;
use std::fs;

fn temp_schemas(files: &[(&str, Value)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openapi-refs-{}", uuid::Uuid::new_v4()));
    for (name, doc) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("temp dir");
        }
        fs::write(&path, doc.to_string()).expect("temp file");
    }
    dir
}

#[test]
fn refs_between_files_become_component_refs_and_pull_the_target_in() {
    // Arrange: a schema referring to a sibling by path, to another folder by $id, and to
    // itself by pointer.
    let dir = temp_schemas(&[
        (
            "kore/a.json",
            json!({
                "$id": "https://campaign-harness.local/schemas/kore/a.json",
                "$defs": { "n": { "type": "integer" } },
                "properties": {
                    "b": { "$ref": "b.json" },
                    "c": { "$ref": "https://campaign-harness.local/schemas/common/c.json#/$defs/x" },
                    "n": { "$ref": "#/$defs/n" },
                }
            }),
        ),
        ("kore/b.json", json!({ "$ref": "../common/c.json" })),
        (
            "common/c.json",
            json!({ "$defs": { "x": { "type": "string" } } }),
        ),
    ]);
    let mut c = Components::new(&dir);

    // Act
    let reference = c.add("kore/a.json").expect("adds");

    // Assert
    assert_eq!(reference, "#/components/schemas/kore.a");
    let a = &c.schemas["kore.a"];
    assert_eq!(a.get("$id"), None);
    assert_eq!(a["properties"]["b"]["$ref"], "#/components/schemas/kore.b");
    assert_eq!(
        a["properties"]["c"]["$ref"],
        "#/components/schemas/common.c/$defs/x"
    );
    assert_eq!(
        a["properties"]["n"]["$ref"],
        "#/components/schemas/kore.a/$defs/n"
    );
    assert_eq!(c.schemas["kore.b"]["$ref"], "#/components/schemas/common.c");
    assert!(c.schemas.contains_key("common.c"));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_ref_to_a_missing_file_or_a_remote_one_is_refused() {
    let dir = temp_schemas(&[
        ("kore/a.json", json!({ "$ref": "missing.json" })),
        (
            "kore/r.json",
            json!({ "$ref": "https://example.com/x.json" }),
        ),
    ]);
    let mut c = Components::new(&dir);
    let missing = c.add("kore/a.json").expect_err("refused").to_string();
    assert!(
        missing.contains("missing.json") && missing.contains("no such"),
        "{missing}"
    );
    let remote = c.add("kore/r.json").expect_err("refused").to_string();
    assert!(remote.contains("remote"), "{remote}");
    let _ = fs::remove_dir_all(dir);
}
