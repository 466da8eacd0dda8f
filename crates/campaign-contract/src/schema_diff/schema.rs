//! The JSON Schema diff: two versions of each response schema compared keyword by keyword, as a
//! client reading responses sees them.

use super::git::{FolderFile, WORKING_TREE, files_at_rev, files_in_dir};
use super::keywords::{
    ANALYSED, ANNOTATIONS, ANY, LOWER_BOUNDS, MAX_DEPTH, NAME_MAPS, UPPER_BOUNDS, covers,
    effective_types, keywords, may_be, resolve, show_types, show_values, strip_annotations,
    value_set,
};
use super::{ChangeClass, DiffError, SchemaChange};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Whether a path under `schemas/` (`/`-separated) is a schema: a `.json` file outside any
/// `samples/` folder (samples are instances, as in [`campaign_schema::SchemaRegistry`]) and outside
/// `openapi/` (documents generated from the schemas; their changes are the schemas' changes).
pub(super) fn is_schema_file(rel: &str) -> bool {
    rel.ends_with(".json")
        && !rel
            .split('/')
            .rev()
            .skip(1)
            .any(|c| c == "samples" || c == "openapi")
}

/// Parses schema files, keyed by their path inside the folder.
fn json_documents(files: Vec<FolderFile>, at: &str) -> Result<BTreeMap<String, Value>, DiffError> {
    files
        .into_iter()
        .map(|f| {
            let document =
                serde_json::from_slice(&f.bytes).map_err(|e| DiffError::InvalidJson {
                    file: f.shown,
                    at: at.to_string(),
                    reason: e.to_string(),
                })?;
            Ok((f.inner, document))
        })
        .collect()
}

/// Every schema under `schemas_rel_path` (relative to the repository's top level, `/`-separated;
/// empty for the top level itself) as committed at `rev`, keyed by its path inside that folder.
/// `repo_dir` is any folder of the work tree.
pub fn schemas_at_rev(
    repo_dir: &Path,
    rev: &str,
    schemas_rel_path: &str,
) -> Result<BTreeMap<String, Value>, DiffError> {
    let files = files_at_rev(repo_dir, rev, schemas_rel_path, is_schema_file)?;
    json_documents(files, &format!("base {rev}"))
}

/// Every schema under `dir` in the working tree, keyed by its path inside `dir`.
pub fn schemas_in_dir(dir: &Path) -> Result<BTreeMap<String, Value>, DiffError> {
    json_documents(files_in_dir(dir, is_schema_file)?, WORKING_TREE)
}

/// Compares two sets of schemas keyed by file: a file only in `base` is a removed status
/// (breaking), one only in `head` a new status (additive), and each file in both is compared with
/// `diff_schema`. Sorted by file, then path.
pub fn diff_trees(
    base: &BTreeMap<String, Value>,
    head: &BTreeMap<String, Value>,
) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    for (file, b) in base {
        match head.get(file) {
            Some(h) => out.extend(diff_schema(file, b, h)),
            None => out.push(SchemaChange {
                file: file.clone(),
                path: "$".into(),
                class: ChangeClass::Breaking,
                kind: if status_of(file).is_some() {
                    "status removed".into()
                } else {
                    "schema removed".into()
                },
            }),
        }
    }
    for file in head.keys().filter(|f| !base.contains_key(*f)) {
        out.push(SchemaChange {
            file: file.clone(),
            path: "$".into(),
            class: ChangeClass::Additive,
            kind: if status_of(file).is_some() {
                "new status".into()
            } else {
                "new schema".into()
            },
        });
    }
    out.sort();
    out
}

/// The status of a `<operation>.<status>.json` file name.
pub(super) fn status_of(file: &str) -> Option<u16> {
    let name = file.rsplit('/').next()?.strip_suffix(".json")?;
    let (_, status) = name.rsplit_once('.')?;
    if status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) {
        status.parse().ok()
    } else {
        None
    }
}

/// Compares two versions of one schema document; `file` only labels the changes.
pub fn diff_schema(file: &str, base: &Value, head: &Value) -> Vec<SchemaChange> {
    let mut walk = Comparison {
        file,
        base_root: base,
        head_root: head,
        refs: Vec::new(),
        out: Vec::new(),
    };
    walk.node("$", base, head, 0);
    walk.out.sort();
    walk.out.dedup();
    walk.out
}

/// One comparison of a schema file's base and head revisions, and the changes found so far.
#[derive(Debug)]
struct Comparison<'a> {
    file: &'a str,
    base_root: &'a Value,
    head_root: &'a Value,
    /// `$ref` pairs being compared further up: met again, the comparison is already under way.
    refs: Vec<(String, String)>,
    out: Vec<SchemaChange>,
}

impl Comparison<'_> {
    fn push(&mut self, path: &str, class: ChangeClass, kind: impl Into<String>) {
        self.out.push(SchemaChange {
            file: self.file.to_string(),
            path: path.to_string(),
            class,
            kind: kind.into(),
        });
    }

    fn breaking(&mut self, path: &str, kind: impl Into<String>) {
        self.push(path, ChangeClass::Breaking, kind);
    }

    fn additive(&mut self, path: &str, kind: impl Into<String>) {
        self.push(path, ChangeClass::Additive, kind);
    }

    /// Compares the schemas `base` and `head` of the value at `path`.
    fn node(&mut self, path: &str, base: &Value, head: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let (b, b_ref) = resolve(self.base_root, base);
        let (h, h_ref) = resolve(self.head_root, head);
        let followed = b_ref.is_some() || h_ref.is_some();
        if followed {
            // An inline side is keyed by its path, which grows: only two references can cycle.
            let key = (
                b_ref.unwrap_or_else(|| format!("inline {path}")),
                h_ref.unwrap_or_else(|| format!("inline {path}")),
            );
            if self.refs.contains(&key) {
                return;
            }
            self.refs.push(key);
        }
        let (b, h) = (keywords(&b), keywords(&h));
        self.compare(path, &b, &h, depth);
        if followed {
            self.refs.pop();
        }
    }

    fn compare(
        &mut self,
        path: &str,
        b: &Map<String, Value>,
        h: &Map<String, Value>,
        depth: usize,
    ) {
        let (bt, ht) = (effective_types(b), effective_types(h));
        // Without `type` on either side, `const`/`enum` say it all.
        if b.contains_key("type") || h.contains_key("type") {
            self.types(path, bt.as_ref(), ht.as_ref());
        }
        self.values(path, b, h);
        self.format(path, b, h);
        self.bounds(path, b, h);
        self.pattern(path, b, h);
        self.unique_and_multiple(path, b, h);
        // An object that became a string has not lost its properties one by one.
        if may_be(bt.as_ref(), "object") && may_be(ht.as_ref(), "object") {
            self.object(path, b, h, depth);
        }
        let items_are_schemas = [b.get("items"), h.get("items")]
            .iter()
            .all(|i| !matches!(i, Some(Value::Array(_))));
        if items_are_schemas
            && may_be(bt.as_ref(), "array")
            && may_be(ht.as_ref(), "array")
            && (b.contains_key("items") || h.contains_key("items"))
        {
            let (bi, hi) = (
                b.get("items").unwrap_or(&ANY),
                h.get("items").unwrap_or(&ANY),
            );
            self.node(&format!("{path}[*]"), bi, hi, depth + 1);
        }
        // Branches under the same `if` (`then`, `else`) constrain the same instance: each is
        // compared as a schema at this path. A changed `if` is not analysed.
        let same_if = b.get("if").map(|v| strip_annotations(v, false))
            == h.get("if").map(|v| strip_annotations(v, false));
        if same_if && b.contains_key("if") {
            for kw in ["then", "else"] {
                if b.contains_key(kw) || h.contains_key(kw) {
                    let (bb, hb) = (b.get(kw).unwrap_or(&ANY), h.get(kw).unwrap_or(&ANY));
                    self.node(path, bb, hb, depth + 1);
                }
            }
        }
        self.unanalysed(path, b, h, items_are_schemas, same_if);
    }

    fn types(&mut self, path: &str, b: Option<&Vec<String>>, h: Option<&Vec<String>>) {
        let widened = match (b, h) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(b), Some(h)) => h.iter().any(|t| !covers(b, t)),
        };
        let narrowed = match (b, h) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(b), Some(h)) => b.iter().any(|t| !covers(h, t)),
        };
        let (from, to) = (show_types(b), show_types(h));
        match (widened, narrowed) {
            (true, true) => self.breaking(path, format!("type changed: {from} → {to}")),
            (true, false) => self.breaking(path, format!("type widened: {from} → {to}")),
            (false, true) => self.additive(path, format!("type narrowed: {from} → {to}")),
            (false, false) => {}
        }
    }

    fn values(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        match (value_set(b), value_set(h)) {
            (None, None) => {}
            (Some((kw, vs)), None) => {
                self.breaking(path, format!("{kw} removed (was {})", show_values(&vs)))
            }
            (None, Some((kw, vs))) => {
                self.additive(path, format!("{kw} added: {}", show_values(&vs)))
            }
            (Some((_, bv)), Some((_, hv))) => {
                if let ([one_b], [one_h]) = (bv.as_slice(), hv.as_slice()) {
                    if one_b != one_h {
                        self.breaking(path, format!("value changed: {one_b} → {one_h}"));
                    }
                    return;
                }
                for v in hv.iter().filter(|v| !bv.contains(v)) {
                    self.breaking(path, format!("enum value added: {v}"));
                }
                for v in bv.iter().filter(|v| !hv.contains(v)) {
                    self.additive(path, format!("enum value removed: {v}"));
                }
            }
        }
    }

    fn format(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        let show = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
        match (b.get("format"), h.get("format")) {
            (Some(f), None) => self.breaking(path, format!("format removed (was {})", show(f))),
            (None, Some(f)) => self.additive(path, format!("format added: {}", show(f))),
            (Some(bf), Some(hf)) if bf != hf => {
                self.breaking(path, format!("format changed: {} → {}", show(bf), show(hf)))
            }
            _ => {}
        }
    }

    fn bounds(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        let lower = LOWER_BOUNDS.iter().map(|k| (*k, true));
        let upper = UPPER_BOUNDS.iter().map(|k| (*k, false));
        for (kw, is_lower) in lower.chain(upper) {
            match (b.get(kw), h.get(kw)) {
                (None, None) => {}
                (Some(v), None) => self.breaking(path, format!("{kw} removed (was {v})")),
                (None, Some(v)) => self.additive(path, format!("{kw} added: {v}")),
                (Some(bv), Some(hv)) if bv != hv => match (bv.as_f64(), hv.as_f64()) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => {
                        let looser = if is_lower { y < x } else { y > x };
                        let (word, class) = match (looser, y < x) {
                            (true, true) => ("lowered", ChangeClass::Breaking),
                            (true, false) => ("raised", ChangeClass::Breaking),
                            (false, true) => ("lowered", ChangeClass::Additive),
                            (false, false) => ("raised", ChangeClass::Additive),
                        };
                        self.push(path, class, format!("{kw} {word}: {bv} → {hv}"));
                    }
                    _ => self.breaking(path, format!("{kw} changed: {bv} → {hv}")),
                },
                _ => {}
            }
        }
    }

    fn pattern(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        match (b.get("pattern"), h.get("pattern")) {
            (Some(p), None) => self.breaking(path, format!("pattern removed (was {p})")),
            (None, Some(p)) => self.additive(path, format!("pattern added: {p}")),
            // Two regular expressions cannot be ordered: any other pattern may let more through.
            (Some(bp), Some(hp)) if bp != hp => {
                self.breaking(path, format!("pattern changed: {bp} → {hp}"))
            }
            _ => {}
        }
    }

    fn unique_and_multiple(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>) {
        let unique = |m: &Map<String, Value>| m.get("uniqueItems") == Some(&Value::Bool(true));
        match (unique(b), unique(h)) {
            (true, false) => self.breaking(path, "uniqueItems removed"),
            (false, true) => self.additive(path, "uniqueItems added"),
            _ => {}
        }
        match (b.get("multipleOf"), h.get("multipleOf")) {
            (Some(v), None) => self.breaking(path, format!("multipleOf removed (was {v})")),
            (None, Some(v)) => self.additive(path, format!("multipleOf added: {v}")),
            (Some(bv), Some(hv)) if bv != hv => {
                // A multiple of the old divisor admits only values the old one did.
                let narrower = match (bv.as_f64(), hv.as_f64()) {
                    (Some(x), Some(y)) if x != 0.0 => (y / x).fract() == 0.0,
                    _ => false,
                };
                let class = if narrower {
                    ChangeClass::Additive
                } else {
                    ChangeClass::Breaking
                };
                self.push(path, class, format!("multipleOf changed: {bv} → {hv}"));
            }
            _ => {}
        }
    }

    fn object(&mut self, path: &str, b: &Map<String, Value>, h: &Map<String, Value>, depth: usize) {
        let props =
            |m: &Map<String, Value>| m.get("properties").and_then(Value::as_object).cloned();
        let required = |m: &Map<String, Value>| -> BTreeSet<String> {
            m.get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (bp, hp) = (props(b).unwrap_or_default(), props(h).unwrap_or_default());
        let (br, hr) = (required(b), required(h));
        let names: BTreeSet<&String> = bp.keys().chain(hp.keys()).chain(&br).chain(&hr).collect();
        for name in names {
            let child = format!("{path}.{name}");
            let in_b = bp.contains_key(name) || br.contains(name);
            let in_h = hp.contains_key(name) || hr.contains(name);
            match (in_b, in_h) {
                (true, false) => self.breaking(&child, "property removed"),
                (false, true) if hr.contains(name) => {
                    self.additive(&child, "new required property")
                }
                (false, true) => self.additive(&child, "new optional property"),
                (true, true) => {
                    match (br.contains(name), hr.contains(name)) {
                        (true, false) => self.breaking(&child, "property made optional"),
                        (false, true) => self.additive(&child, "property made required"),
                        _ => {}
                    }
                    let bs = bp.get(name).unwrap_or(&ANY);
                    let hs = hp.get(name).unwrap_or(&ANY);
                    self.node(&child, bs, hs, depth + 1);
                }
                (false, false) => {}
            }
        }
        // `false` closes the object; absent, `true` or a schema leave it open.
        let closed =
            |m: &Map<String, Value>| m.get("additionalProperties") == Some(&Value::Bool(false));
        match (closed(b), closed(h)) {
            (true, true) => {}
            (true, false) => self.breaking(
                path,
                "additional properties now allowed (was additionalProperties: false)",
            ),
            (false, true) => self.additive(path, "additional properties no longer allowed"),
            (false, false) => {
                let ba = b.get("additionalProperties").unwrap_or(&ANY);
                let ha = h.get("additionalProperties").unwrap_or(&ANY);
                if ba != ha {
                    self.node(&format!("{path}.*"), ba, ha, depth + 1);
                }
            }
        }
    }

    /// Keywords not analysed above: any change is breaking, since nothing proves it harmless.
    fn unanalysed(
        &mut self,
        path: &str,
        b: &Map<String, Value>,
        h: &Map<String, Value>,
        items_are_schemas: bool,
        branches_compared: bool,
    ) {
        let skip = |k: &str| {
            (branches_compared && (k == "then" || k == "else"))
                || ANNOTATIONS.contains(&k)
                || ANALYSED.contains(&k)
                || LOWER_BOUNDS.contains(&k)
                || UPPER_BOUNDS.contains(&k)
                || (k == "items" && items_are_schemas)
        };
        let keys: BTreeSet<&String> = b.keys().chain(h.keys()).filter(|k| !skip(k)).collect();
        for kw in keys {
            let strip = |v: &Value| strip_annotations(v, NAME_MAPS.contains(&kw.as_str()));
            match (b.get(kw).map(strip), h.get(kw).map(strip)) {
                (Some(_), None) => self.breaking(path, format!("{kw} removed (not analysed)")),
                (None, Some(_)) => self.breaking(path, format!("{kw} added (not analysed)")),
                (Some(x), Some(y)) if x != y => {
                    self.breaking(path, format!("{kw} changed (not analysed)"))
                }
                _ => {}
            }
        }
    }
}
