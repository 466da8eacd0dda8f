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

/// How `diff-schemas` prints its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DiffFormat {
    /// One aligned line per change and a tally (the default).
    #[default]
    Text,
    /// A table, for a pull request comment or a job summary.
    Markdown,
    /// `{base, breaking, additive, changes: [{file, path, class, kind}]}`.
    Json,
    /// GitHub Actions workflow commands: each breaking change an `::error file=…,line=…::`
    /// annotation on the schema file, each additive one a `::notice`, then the tally.
    Github,
}

/// Markdown table cell text: `|` and newlines cannot split the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A workflow command's message: GitHub reads `%`, CR and LF escaped.
fn command_text(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property (`file=`): also `:` and `,` escaped.
fn command_property(s: &str) -> String {
    command_text(s).replace(':', "%3A").replace(',', "%2C")
}

/// The line of `file` (under `dir`) where `path` ends: the last line naming its deepest
/// property still in the file (`"status":` for `$.data.status`), else the nearest ancestor's,
/// else 1. A removed property is gone from the file: its parent's line is the place to look.
fn line_of(dir: &std::path::Path, file: &str, path: &str) -> usize {
    let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
        return 1;
    };
    let names: Vec<&str> = path
        .split(['.', '['])
        .map(|p| p.trim_end_matches(']'))
        .filter(|p| !p.is_empty() && *p != "$" && *p != "*")
        .collect();
    for name in names.iter().rev() {
        let key = format!("\"{name}\"");
        if let Some(i) = text.lines().position(|l| l.trim_start().starts_with(&key)) {
            return i + 1;
        }
    }
    1
}

/// The changes since `base` in `format`; `dir` is the schemas folder as given (annotations name
/// `dir/<file>`, which is the repository path when run from the workspace's root).
pub fn render_changes_as(
    changes: &[SchemaChange],
    base: &str,
    format: DiffFormat,
    dir: &std::path::Path,
) -> String {
    use std::fmt::Write as _;
    let breaking = changes
        .iter()
        .filter(|c| c.class == ChangeClass::Breaking)
        .count();
    let additive = changes.len() - breaking;
    match format {
        DiffFormat::Text => render_changes(changes, base),
        DiffFormat::Json => {
            let doc = serde_json::json!({
                "base": base,
                "breaking": breaking,
                "additive": additive,
                "changes": changes,
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
        DiffFormat::Markdown => {
            let mut out = format!(
                "## Schema changes since `{}`: {breaking} breaking, {additive} additive\n\n",
                cell(base)
            );
            if changes.is_empty() {
                out.push_str("No schema changes.\n");
                return out;
            }
            out.push_str("| class | file | where | change |\n|---|---|---|---|\n");
            for c in changes {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | `{}` | {} |",
                    c.class.label(),
                    cell(&c.file),
                    cell(&c.path),
                    cell(&c.kind)
                );
            }
            out
        }
        DiffFormat::Github => {
            let mut out = String::new();
            for c in changes {
                let level = match c.class {
                    ChangeClass::Breaking => "error",
                    ChangeClass::Additive => "notice",
                };
                let file = dir.join(&c.file);
                let _ = writeln!(
                    out,
                    "::{level} file={},line={},title={}::{}",
                    command_property(&file.display().to_string()),
                    line_of(dir, &c.file, &c.path),
                    command_property(&format!("{} schema change", c.class.label())),
                    command_text(&format!("{}: {} (since {base})", c.path, c.kind))
                );
            }
            let _ = writeln!(
                out,
                "{breaking} breaking, {additive} additive (base {base})"
            );
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_annotation_lands_on_the_deepest_property_still_in_the_file() {
        let dir = std::env::temp_dir().join(format!("line-of-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join("s.json"),
            "{\n  \"properties\": {\n    \"data\": {\n      \"properties\": {\n        \"status\": {}\n      }\n    }\n  }\n}\n",
        )
        .expect("write");
        assert_eq!(line_of(&dir, "s.json", "$.data.status"), 5);
        // Removed: its parent's line.
        assert_eq!(line_of(&dir, "s.json", "$.data.gone"), 3);
        assert_eq!(line_of(&dir, "s.json", "$"), 1);
        assert_eq!(line_of(&dir, "missing.json", "$.data"), 1);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(command_property("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(command_text("x\ny"), "x%0Ay");
    }
}
