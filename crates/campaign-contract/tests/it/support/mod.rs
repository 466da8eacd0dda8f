//! What several test modules share: the checker over the committed schemas, and the stand-in
//! vendor host (`tests/fixtures/standin.rs` at the repository root, shared with other crates'
//! tests through `#[path]`).

use campaign_schema::{Checker, SchemaRegistry};

/// The stand-in vendor host, written from the vendor docs alone.
#[path = "../../../../../tests/fixtures/standin.rs"]
pub mod standin;

/// Copies of the committed schemas to edit (`tests/fixtures/schemas.rs`).
#[path = "../../../../../tests/fixtures/schemas.rs"]
pub mod schemas;

/// The workspace's `schemas/` folder, for tests that read files the binaries do not need
/// (samples) or that need a real folder (the OpenAPI documents, a scratch copy to edit).
pub fn workspace_schemas() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// A checker over the committed `schemas/`, with no secrets to scrub.
pub fn checker() -> Checker {
    Checker::new(SchemaRegistry::load_default().expect("schemas load"))
}

/// A scratch copy of the committed `schemas/` folder, to edit: `<temp>/<label>-<uuid>/schemas`
/// (remove its parent when done).
pub fn scratch_schemas(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("{label}-{}", uuid::Uuid::new_v4()))
        .join("schemas");
    schemas::copy_committed(&dir);
    dir
}
