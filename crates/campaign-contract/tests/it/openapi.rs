//! The committed OpenAPI documents (`schemas/openapi/*.json`) are what `campaign-contract
//! openapi` writes now, and they carry every operation, status and grade of the table.

use campaign_api::{OperationId, Vendor};
use campaign_contract::{
    generate_openapi, openapi_file_name, openapi_out_dir, stale_openapi, write_openapi,
};
use serde_json::Value;
use std::path::PathBuf;

const REGENERATE: &str = "regenerate with `cargo run -p campaign-contract -- openapi` and commit \
                          schemas/openapi/";

fn schemas() -> PathBuf {
    crate::support::workspace_schemas()
}

fn document(vendor: Vendor) -> Value {
    generate_openapi(vendor, &schemas()).expect("the document generates")
}

#[test]
fn the_committed_documents_are_what_the_generator_writes_now() {
    let dir = openapi_out_dir(&schemas());
    let stale = stale_openapi(&dir, &schemas()).expect("the documents generate");
    let lines: Vec<String> = stale
        .iter()
        .map(|(path, why)| format!("{} is stale ({why})", path.display()))
        .collect();
    assert!(stale.is_empty(), "{}; {REGENERATE}", lines.join("; "));
}

#[test]
fn a_document_that_differs_from_the_generator_is_reported_stale() {
    // Arrange: a fresh copy, then one edit to the Kore.ai document.
    let dir = std::env::temp_dir().join(format!("openapi-stale-{}", uuid::Uuid::new_v4()));
    write_openapi(&dir, &schemas()).expect("writes");
    let kore = dir.join(openapi_file_name(Vendor::Kore));
    let text = std::fs::read_to_string(&kore).expect("reads");
    std::fs::write(&kore, text.replacen("\"documented\"", "\"assumed\"", 1)).expect("writes");

    // Act
    let stale = stale_openapi(&dir, &schemas()).expect("generates");

    // Assert: only the edited one, with the line it differs at.
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0].0, kore);
    assert!(
        stale[0].1.starts_with("first difference at line "),
        "{stale:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The OpenAPI operation carrying table operation `name`, and its entry in `x-operations`.
fn find<'a>(doc: &'a Value, name: &str) -> Option<(&'a Value, &'a Value)> {
    doc["paths"].as_object()?.values().find_map(|item| {
        item.as_object()?.values().find_map(|op| {
            let entry = op["x-operations"]
                .as_array()?
                .iter()
                .find(|e| e["name"] == name)?;
            Some((op, entry))
        })
    })
}

#[test]
fn every_operation_and_status_of_the_table_is_there_with_its_grade() {
    for vendor in Vendor::ALL {
        let doc = document(vendor);
        for id in OperationId::of_vendor(vendor) {
            let op = id.spec();
            let (operation, entry) = find(&doc, &op.qualified_name())
                .unwrap_or_else(|| panic!("{op} is not in the {vendor} document"));
            assert_eq!(entry["template"], op.template.as_str(), "{op}");
            for r in op.responses {
                let status = r.status.to_string();
                let grade = if r.source.is_documented() {
                    "documented"
                } else {
                    "assumed"
                };
                assert_eq!(
                    entry["responses"][&status]["x-grade"], grade,
                    "{op} {status}"
                );
                let response = &operation["responses"][&status];
                assert!(response.is_object(), "{op}: no response {status}");
                let schema = response["content"]["application/json"]["schema"].to_string();
                let name = r.schema.trim_end_matches(".json").replace('/', ".");
                assert!(
                    schema.contains(&format!("#/components/schemas/{name}\"")),
                    "{op} {status}: {schema}"
                );
            }
        }
    }
}

#[test]
fn kore_status_keeps_its_if_then_else_and_the_lifecycle_is_an_extension() {
    let doc = document(Vendor::Kore);
    let status = &doc["components"]["schemas"]["kore.status.200"];
    assert_eq!(status["if"]["properties"]["status"]["const"], "success");
    assert_eq!(status["else"]["x-grade"], "assumed");
    assert!(status.get("$id").is_none() && status.get("$schema").is_none());
    assert_eq!(
        doc["jsonSchemaDialect"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let rules = doc["x-lifecycle"]["rules"].as_array().expect("rules");
    let start_twice = rules
        .iter()
        .find(|r| r["state"] == "Active" && r["action"] == "start")
        .expect("[Active, start]");
    assert_eq!(start_twice["x-grade"], "assumed");
    assert_eq!(start_twice["outcomes"][0]["status"], 400);
    assert_eq!(
        doc["components"]["securitySchemes"]["koreJwt"]["name"],
        "auth"
    );
    let vg = document(Vendor::VoiceGenie);
    let schemes = &vg["components"]["securitySchemes"];
    assert_eq!(schemes["apiKey"]["name"], "x-api-key");
    assert_eq!(
        (
            &schemes["sessionToken"]["in"],
            &schemes["sessionToken"]["name"]
        ),
        (&Value::from("cookie"), &Value::from("token"))
    );
}
