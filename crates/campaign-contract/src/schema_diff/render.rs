//! Rendering changes for people: one aligned line per change and a summary.

use super::{ChangeClass, SchemaChange};
use std::fmt;

impl ChangeClass {
    /// Upper-case label for the text output (`BREAKING`, `ADDITIVE`).
    pub fn label(self) -> &'static str {
        match self {
            ChangeClass::Breaking => "BREAKING",
            ChangeClass::Additive => "ADDITIVE",
        }
    }
}

impl fmt::Display for ChangeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl fmt::Display for SchemaChange {
    /// `BREAKING  kore/voice-start.200.json  $.totalCallsCompleted  property removed`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  {}  {}",
            self.class, self.file, self.path, self.kind
        )
    }
}

/// The text output: one aligned line per change, then `N breaking, M additive (base <rev>)`; or
/// `no schema changes since <rev>`.
pub fn render_changes(changes: &[SchemaChange], base: &str) -> String {
    use std::fmt::Write as _;
    if changes.is_empty() {
        return format!("no schema changes since {base}\n");
    }
    let file_w = changes.iter().map(|c| c.file.len()).max().unwrap_or(0);
    let path_w = changes.iter().map(|c| c.path.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in changes {
        let _ = writeln!(
            out,
            "{:<8}  {:<file_w$}  {:<path_w$}  {}",
            c.class.label(),
            c.file,
            c.path,
            c.kind
        );
    }
    let breaking = changes
        .iter()
        .filter(|c| c.class == ChangeClass::Breaking)
        .count();
    let _ = writeln!(
        out,
        "{breaking} breaking, {} additive (base {base})",
        changes.len() - breaking
    );
    out
}
