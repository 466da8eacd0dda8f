//! The schema files a document embeds, as `components/schemas`, with every `$ref` between files
//! rewritten to a component reference: the one place file paths and `$id`s become OpenAPI names.

use super::OpenApiError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Where a component schema is referenced from.
pub(super) const COMPONENTS: &str = "#/components/schemas/";

/// The prefix of every schema file's `$id` (`…/schemas/kore/voice-start.200.json`).
pub(super) const ID_BASE: &str = "https://campaign-harness.local/schemas/";

/// The schema files a document embeds, as components, with their `$ref`s rewritten.
#[derive(Debug)]
pub(super) struct Components {
    dir: PathBuf,
    pub(super) schemas: Map<String, Value>,
}

/// `kore/voice-start.200.json` → `kore.voice-start.200` (OpenAPI's component name characters).
pub(super) fn component_name(file: &str) -> String {
    file.trim_end_matches(".json")
        .chars()
        .map(|c| match c {
            '/' => '.',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => c,
            _ => '_',
        })
        .collect()
}

/// `a/./b/../c` → `a/c`; `None` when it climbs out of `schemas/`.
pub(super) fn normalise(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    Some(out.join("/"))
}

impl Components {
    /// An empty set, reading files from `schemas_dir`.
    pub(super) fn new(schemas_dir: &Path) -> Components {
        Components {
            dir: schemas_dir.to_path_buf(),
            schemas: Map::new(),
        }
    }

    /// Adds `file` (relative to `schemas/`) and every file it references; returns its `$ref`.
    pub(super) fn add(&mut self, file: &str) -> Result<String, OpenApiError> {
        let name = component_name(file);
        if !self.schemas.contains_key(&name) {
            let path = self.dir.join(file);
            let read_err = |reason: String| OpenApiError::Read {
                path: path.clone(),
                reason,
            };
            let text = campaign_api::read_capped(
                &path,
                campaign_api::MAX_SCHEMA_FILE_BYTES,
                "schema file",
            )
            .map_err(|e| read_err(e.problem.to_string()))?;
            let mut doc: Value =
                serde_json::from_str(&text).map_err(|e| read_err(format!("not JSON: {e}")))?;
            // Held before its references are followed, so a cycle ends here.
            self.schemas.insert(name.clone(), Value::Null);
            if let Some(obj) = doc.as_object_mut() {
                obj.remove("$id");
                obj.remove("$schema");
            }
            let mut referenced = Vec::new();
            rewrite_refs(&mut doc, file, true, &mut referenced)?;
            self.schemas.insert(name.clone(), doc);
            for f in referenced {
                if !self.dir.join(&f).is_file() {
                    return Err(OpenApiError::Ref {
                        file: file.into(),
                        reference: f,
                        reason: "no such schema file".into(),
                    });
                }
                self.add(&f)?;
            }
        }
        Ok(format!("{COMPONENTS}{name}"))
    }
}

/// Rewrites every `$ref` in `node` (part of schema `file`) to a component reference, pushing
/// the files it names onto `referenced`. A nested `$id` would change what a reference inside it
/// means; none is used, so one is refused rather than mistranslated.
pub(super) fn rewrite_refs(
    node: &mut Value,
    file: &str,
    top: bool,
    referenced: &mut Vec<String>,
) -> Result<(), OpenApiError> {
    match node {
        Value::Object(map) => {
            let err = |reference: &str, reason: &str| OpenApiError::Ref {
                file: file.into(),
                reference: reference.into(),
                reason: reason.into(),
            };
            if !top && let Some(Value::String(id)) = map.get("$id") {
                return Err(err(id, "a nested $id is not supported"));
            }
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                let (target, fragment) = reference.split_once('#').unwrap_or((reference, ""));
                if !(fragment.is_empty() || fragment.starts_with('/')) {
                    return Err(err(reference, "only JSON-pointer fragments are supported"));
                }
                let target_file = if target.is_empty() {
                    file.to_string()
                } else if let Some(rest) = target.strip_prefix(ID_BASE) {
                    normalise(rest).ok_or_else(|| err(reference, "climbs out of schemas/"))?
                } else if target.contains("://") {
                    return Err(err(reference, "a remote reference is never fetched"));
                } else {
                    let base = file.rsplit_once('/').map_or("", |(dir, _)| dir);
                    normalise(&format!("{base}/{target}"))
                        .ok_or_else(|| err(reference, "climbs out of schemas/"))?
                };
                *reference = format!("{COMPONENTS}{}{fragment}", component_name(&target_file));
                if target_file != file && !referenced.contains(&target_file) {
                    referenced.push(target_file);
                }
            }
            for v in map.values_mut() {
                rewrite_refs(v, file, false, referenced)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for v in items {
                rewrite_refs(v, file, false, referenced)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
