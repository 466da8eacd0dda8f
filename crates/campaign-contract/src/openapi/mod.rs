//! OpenAPI 3.1 documents, one per vendor, generated from campaign-api's operation table, the
//! JSON Schemas under `schemas/` and each vendor's `lifecycle.toml` (`campaign-contract openapi`).
//!
//! Why generated, never written by hand: the operation table is the single source of truth for
//! paths, headers, bodies and documented statuses, and the schemas for bodies. A document
//! written beside them would drift; this one is rebuilt from them, and a test fails when the
//! committed `schemas/openapi/*.json` differs from what this module writes now. The documents
//! exist so that tools we did not write (openapi-spec-validator, Schemathesis) can read our
//! contract and hold the simulator, or a sandbox, to it.
//!
//! Why JSON and not YAML: the schemas it embeds are JSON, `serde_json` is already here (no YAML
//! dependency), and with its keys sorted the output is byte-stable whichever way `serde_json`'s
//! `preserve_order` feature is unified in a build, so the staleness test compares bytes.
//!
//! What goes where:
//!
//! - **Operations sharing a path.** OpenAPI keys an operation by path and method, forbids two
//!   templated paths that differ only in their parameters' names, and has no place for a fixed
//!   query. Kore.ai tells start from stop and voice from SMS by the query alone (`campaignType`,
//!   `trigger`), and its v1 pages put `{iid}` (voice) and `{streamId}` (SMS) at the same place.
//!   So the table's operations that share a method and a path shape become one OpenAPI
//!   operation: each fixed query key an enum query parameter, each status's body a `oneOf` of
//!   the table operations' schemas (the Kore.ai start and stop bodies exclude one another: their
//!   `status` is a different `const` and each forbids the other's fields), and `x-operations`
//!   says which table operation each query combination is, with its own grade and page.
//! - **Schemas** are `components/schemas/<dir>.<name>` (`kore.voice-start.200`), copied from the
//!   files without `$id` and `$schema` (the document's `jsonSchemaDialect` is 2020-12, OpenAPI
//!   3.1's own); a `$ref` to another file, by relative path or by its `$id`, becomes a `$ref` to
//!   that file's component, fragment kept. `if`/`then`/`else` (Kore.ai's status read) and the
//!   `x-grade` marks are kept as written: 2020-12 has them.
//! - **Grades.** `x-grade` (`documented` / `assumed`) and `x-source` (the vendor page) on every
//!   operation and every response, from the table's `Source` (a status the table marks
//!   `Source::Assumption` is assumed, as in the suite's judge and campaign-schema's grade test).
//! - **Credentials** are security schemes: Kore.ai's JWT in the `auth` header, VoiceGenie's
//!   `x-api-key` header or `Cookie: token=…` (campaign-api's `Credential`). Kore.ai's `iid` and
//!   `accountId` headers are parameters: ids, not secrets.
//! - **The lifecycle** is `x-lifecycle`; see [`lifecycle_extension`] (in `lifecycle.rs`) for why not `links`.

mod components;
mod lifecycle;
mod params;
mod paths;
#[cfg(test)]
mod tests;

use campaign_api::{Lifecycle, LifecycleError, Vendor};
use components::Components;
use lifecycle::lifecycle_extension;
use params::groups;
use paths::{path_item, security};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The OpenAPI version the documents declare.
pub const OPENAPI_VERSION: &str = "3.1.0";
/// The schemas' dialect, declared once for the whole document.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";
/// Why a document could not be generated or compared.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// A schema file could not be read or is not JSON.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A `$ref` this generator cannot carry into the document.
    #[error("schemas/{file}: $ref {reference:?}: {reason}")]
    Ref {
        /// The schema file holding it, relative to `schemas/`.
        file: String,
        /// The reference as written.
        reference: String,
        /// Why.
        reason: String,
    },
    /// The lifecycle rules do not load.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A document could not be written.
    #[error("{path}: cannot write: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The file a vendor's document is written to, inside the output folder (`kore.json`).
pub fn openapi_file_name(vendor: Vendor) -> String {
    format!("{}.json", vendor.slug())
}

/// Where the committed documents live: `<schemas>/openapi`.
pub fn openapi_out_dir(schemas_dir: &Path) -> PathBuf {
    schemas_dir.join("openapi")
}

/// `vendor`'s document as text: pretty JSON, keys sorted, one trailing newline.
pub fn render_openapi(vendor: Vendor, schemas_dir: &Path) -> Result<String, OpenApiError> {
    let doc = sorted(generate_openapi(vendor, schemas_dir)?);
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| OpenApiError::Read {
        path: schemas_dir.to_path_buf(),
        reason: format!("cannot serialise the document: {e}"),
    })?;
    text.push('\n');
    Ok(text)
}

/// Writes every vendor's document into `out_dir` (created if missing); returns the files.
pub fn write_openapi(out_dir: &Path, schemas_dir: &Path) -> Result<Vec<PathBuf>, OpenApiError> {
    let write_err = |path: &Path, e: std::io::Error| OpenApiError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(out_dir).map_err(|e| write_err(out_dir, e))?;
    let mut written = Vec::new();
    for vendor in Vendor::ALL {
        let text = render_openapi(vendor, schemas_dir)?;
        let path = out_dir.join(openapi_file_name(vendor));
        std::fs::write(&path, text).map_err(|e| write_err(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// The largest committed OpenAPI document compared: the generated ones are under 100 KiB.
const MAX_OPENAPI_BYTES: u64 = 16 * campaign_api::MIB;

/// The documents in `dir` that differ from what [`write_openapi`] writes now (a missing file counts),
/// each with the first line that differs, for a message saying how to regenerate.
pub fn stale_openapi(
    dir: &Path,
    schemas_dir: &Path,
) -> Result<Vec<(PathBuf, String)>, OpenApiError> {
    let mut out = Vec::new();
    for vendor in Vendor::ALL {
        let path = dir.join(openapi_file_name(vendor));
        let now = render_openapi(vendor, schemas_dir)?;
        match campaign_api::read_capped(&path, MAX_OPENAPI_BYTES, "generated OpenAPI document") {
            Err(e) => out.push((path, e.problem.to_string())),
            Ok(committed) if committed != now => {
                let line = committed
                    .lines()
                    .zip(now.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| committed.lines().count().min(now.lines().count()));
                out.push((path, format!("first difference at line {}", line + 1)));
            }
            Ok(_) => {}
        }
    }
    Ok(out)
}

/// `vendor`'s OpenAPI 3.1 document.
pub fn generate_openapi(vendor: Vendor, schemas_dir: &Path) -> Result<Value, OpenApiError> {
    let lifecycle = Lifecycle::load(schemas_dir, vendor)?;
    let mut components = Components::new(schemas_dir);
    let mut paths = Map::new();
    for group in groups(vendor) {
        let (key, item) = path_item(&group, &mut components)?;
        paths.insert(key, item);
    }
    let x_lifecycle = lifecycle_extension(vendor, schemas_dir, &lifecycle, &mut components)?;
    let (schemes, security) = security(vendor);
    Ok(json!({
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": format!("{} campaign API, as campaign-harness models it", title(vendor)),
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Generated by `campaign-contract openapi` from campaign-api's operation table, \
                 schemas/{0}/*.json and schemas/{0}/lifecycle.toml; do not edit. Every \
                 operation and response carries x-grade (documented: a vendor page says so; \
                 assumed: our guess where the docs are silent) and x-source (the page). \
                 Operations that share a path and differ only in their fixed query are one \
                 OpenAPI operation; x-operations names them.",
                vendor.slug()
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": schemes,
        },
        "security": security,
        "x-lifecycle": x_lifecycle,
    }))
}

fn title(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Kore => "Kore.ai",
        Vendor::VoiceGenie => "VoiceGenie",
    }
}

/// `value` with every object's keys in sorted order, whatever `serde_json::Map` preserves.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
