//! What several test modules share: the checker over the committed schemas, and the stand-in
//! vendor host (`tests/fixtures/standin.rs` at the repository root, shared with other crates'
//! tests through `#[path]`).

use campaign_schema::{Checker, SchemaRegistry};

/// The stand-in vendor host, written from the vendor docs alone.
#[path = "../../../../../tests/fixtures/standin.rs"]
pub mod standin;

/// A checker over the committed `schemas/`, with no secrets to scrub.
pub fn checker() -> Checker {
    Checker::new(SchemaRegistry::load_default().expect("schemas load"))
}
