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
//! - **The lifecycle** is `x-lifecycle`; see [`lifecycle_extension`] for why not `links`.

use campaign_api::KORE_BODY;
use campaign_api::headers::{ACCOUNT_ID, AUTH, IID, X_API_KEY};
use campaign_api::lifecycle::{Lifecycle, LifecycleError, RawLifecycle};
use campaign_api::{Method, Operation, OperationId, Source, Vendor};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The OpenAPI version the documents declare.
pub const OPENAPI_VERSION: &str = "3.1.0";
/// The schemas' dialect, declared once for the whole document.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";
/// The prefix of every schema file's `$id` (`…/schemas/kore/voice-start.200.json`).
const ID_BASE: &str = "https://campaign-harness.local/schemas/";
/// Where a component schema is referenced from.
const COMPONENTS: &str = "#/components/schemas/";

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
pub fn file_name(vendor: Vendor) -> String {
    format!("{}.json", vendor.slug())
}

/// Where the committed documents live: `<schemas>/openapi`.
pub fn default_out_dir(schemas_dir: &Path) -> PathBuf {
    schemas_dir.join("openapi")
}

/// `vendor`'s document as text: pretty JSON, keys sorted, one trailing newline.
pub fn render(vendor: Vendor, schemas_dir: &Path) -> Result<String, OpenApiError> {
    let doc = sorted(generate(vendor, schemas_dir)?);
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| OpenApiError::Read {
        path: schemas_dir.to_path_buf(),
        reason: format!("cannot serialise the document: {e}"),
    })?;
    text.push('\n');
    Ok(text)
}

/// Writes every vendor's document into `out_dir` (created if missing); returns the files.
pub fn write_all(out_dir: &Path, schemas_dir: &Path) -> Result<Vec<PathBuf>, OpenApiError> {
    let write_err = |path: &Path, e: std::io::Error| OpenApiError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(out_dir).map_err(|e| write_err(out_dir, e))?;
    let mut written = Vec::new();
    for vendor in Vendor::ALL {
        let text = render(vendor, schemas_dir)?;
        let path = out_dir.join(file_name(vendor));
        std::fs::write(&path, text).map_err(|e| write_err(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// The documents in `dir` that differ from what [`render`] writes now (a missing file counts),
/// each with the first line that differs, for a message saying how to regenerate.
pub fn stale(dir: &Path, schemas_dir: &Path) -> Result<Vec<(PathBuf, String)>, OpenApiError> {
    let mut out = Vec::new();
    for vendor in Vendor::ALL {
        let path = dir.join(file_name(vendor));
        let now = render(vendor, schemas_dir)?;
        match std::fs::read_to_string(&path) {
            Err(e) => out.push((path, format!("cannot read it: {e}"))),
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
pub fn generate(vendor: Vendor, schemas_dir: &Path) -> Result<Value, OpenApiError> {
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

/// `documented` or `assumed`, as the suite grades an expectation from this source.
fn grade(source: Source) -> &'static str {
    if source.is_documented() {
        "documented"
    } else {
        "assumed"
    }
}

/// The grade of something several sources state: assumed if any of them is only our guess.
fn grade_all<'a>(sources: impl IntoIterator<Item = &'a Source>) -> &'static str {
    if sources.into_iter().all(|s| s.is_documented()) {
        "documented"
    } else {
        "assumed"
    }
}

/// The distinct sources' citations, in first-seen order.
fn cite<'a>(sources: impl IntoIterator<Item = &'a Source>) -> Value {
    let mut seen: Vec<String> = Vec::new();
    for s in sources {
        let s = s.to_string();
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    if seen.len() == 1 {
        Value::String(seen.remove(0))
    } else {
        json!(seen)
    }
}

/// Security schemes from campaign-api's credential model, and the document's requirement (any
/// one of the vendor's forms).
fn security(vendor: Vendor) -> (Value, Value) {
    match vendor {
        Vendor::Kore => (
            json!({
                "koreJwt": {
                    "type": "apiKey",
                    "in": "header",
                    "name": AUTH.as_str(),
                    "description": "The Kore.ai JWT (HS256, claims sub and appId, signed with the \
                                    app's client secret), sent as `auth: <JWT>`, not as \
                                    Authorization (vendor-docs/beyond-the-copies.md, page 000).",
                }
            }),
            json!([{ "koreJwt": [] }]),
        ),
        Vendor::VoiceGenie => (
            json!({
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": X_API_KEY.as_str(),
                    "description": "The VoiceGenie API key (vendor-docs/004_ff944e51cf75e147.txt).",
                },
                "sessionToken": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "token",
                    "description": "`Cookie: token=<jwt>`, which the vendor's later drafts use \
                                    instead of x-api-key (vendor-docs/beyond-the-copies.md).",
                }
            }),
            json!([{ "apiKey": [] }, { "sessionToken": [] }]),
        ),
    }
}

/// One piece of a template's path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A template split into path segments and query pairs (`(key, Err(param))` for `key={param}`).
#[derive(Debug, Clone)]
struct Split {
    path: Vec<Segment>,
    query: Vec<(String, Result<String, String>)>,
}

fn braced(s: &str) -> Option<&str> {
    s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
}

fn split(op: &Operation) -> Split {
    let raw = op.template.as_str();
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    let path = path
        .split('/')
        .skip(1)
        .map(|s| match braced(s) {
            Some(p) => Segment::Param(p.to_string()),
            None => Segment::Literal(s.to_string()),
        })
        .collect();
    let query = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let v = match braced(v) {
                Some(p) => Err(p.to_string()),
                None => Ok(v.to_string()),
            };
            (k.to_string(), v)
        })
        .collect();
    Split { path, query }
}

/// Table operations OpenAPI sees as one: same method, same path once parameter names are
/// ignored. In table order, each group's operations in table order.
fn groups(vendor: Vendor) -> Vec<Vec<&'static Operation>> {
    let shape = |op: &Operation| {
        let s = split(op);
        let path: Vec<Option<String>> = s
            .path
            .into_iter()
            .map(|seg| match seg {
                Segment::Literal(l) => Some(l),
                Segment::Param(_) => None,
            })
            .collect();
        (op.method, path)
    };
    let mut out: Vec<(_, Vec<&'static Operation>)> = Vec::new();
    for id in OperationId::of_vendor(vendor) {
        let op = id.spec();
        let key = shape(op);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ops)) => ops.push(op),
            None => out.push((key, vec![op])),
        }
    }
    out.into_iter().map(|(_, ops)| ops).collect()
}

fn method_key(m: Method) -> &'static str {
    match m {
        Method::Get => "get",
        Method::Post => "post",
    }
}

/// What a parameter of a template is, for its description.
fn describe_param(name: &str) -> &'static str {
    match name {
        "campaignId" => {
            "The campaign. The vendors document no format for it (samples: \"cd-…\" for \
             Kore.ai). campaign-api percent-encodes it and refuses, before sending, an empty id, \
             `.` or `..`, one over 128 bytes, or one holding `/`, `?` or a control character."
        }
        "iid" => "The Kore.ai app id (IId), as in the iid header.",
        "streamId" => "The Kore.ai bot or stream id (defaults to the app id).",
        "accountId" => "The Kore.ai account id, as in the accountId header.",
        _ => "A template parameter.",
    }
}

/// The ids campaign-api sends (`CampaignId`): not empty, not `.` or `..`, no `/`, `?` or
/// control character, at most `MAX_LEN` bytes (JSON Schema counts characters: the closest it
/// can say is `maxLength`).
///
/// Why in the document at all, when the vendors document no id format: campaign-api refuses
/// any other id before sending it (it would address another resource on a real host), and the
/// simulator refuses it with its own 400, so an id outside these rules is outside the API as the
/// harness speaks it. Marked `x-grade: assumed`: the rule is ours, not the vendor's.
fn campaign_id_schema() -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": campaign_api::CampaignId::MAX_LEN,
        "pattern": "^[^/?\\u0000-\\u001f\\u007f-\\u009f]+$",
        "not": { "enum": [".", ".."] },
        "x-grade": "assumed",
        "description": format!(
            "campaign-api's CampaignId: the harness never sends an empty id, `.` or `..`, one \
             over {} bytes, or one holding `/`, `?` or a control character. Our rule, not the \
             vendor's.",
            campaign_api::CampaignId::MAX_LEN
        ),
    })
}

fn string_param(name: &str, location: &str, description: String) -> Value {
    json!({
        "name": name,
        "in": location,
        "required": true,
        "description": description,
        "schema": { "type": "string", "minLength": 1 },
    })
}

/// The path key and path item of one group of table operations.
fn path_item(
    ops: &[&'static Operation],
    components: &mut Components,
) -> Result<(String, Value), OpenApiError> {
    let splits: Vec<Split> = ops.iter().map(|op| split(op)).collect();
    let first = &splits[0];
    let names = |s: &Split, i: usize| match &s.path[i] {
        Segment::Param(p) => Some(p.clone()),
        Segment::Literal(_) => None,
    };
    // The path key: the first operation's parameter names.
    let key: String = first
        .path
        .iter()
        .map(|seg| match seg {
            Segment::Literal(l) => format!("/{l}"),
            Segment::Param(p) => format!("/{{{p}}}"),
        })
        .collect();
    let mut parameters = Vec::new();
    for (i, seg) in first.path.iter().enumerate() {
        let Segment::Param(name) = seg else { continue };
        let mut description = describe_param(name).to_string();
        let others: Vec<String> = ops
            .iter()
            .zip(&splits)
            .filter_map(|(op, s)| names(s, i).filter(|n| n != name).map(|n| (op, n)))
            .map(|(op, n)| format!("{{{n}}} in {op}"))
            .collect();
        if !others.is_empty() {
            description.push_str(&format!(
                " The vendor's pages name this segment differently per operation: {}.",
                others.join(", ")
            ));
        }
        let mut param = string_param(name, "path", description);
        if name == "campaignId" {
            param["schema"] = campaign_id_schema();
        }
        parameters.push(param);
    }
    // Query keys in first-seen order, each with its fixed values or its parameter.
    let mut keys: Vec<String> = Vec::new();
    for s in &splits {
        for (k, _) in &s.query {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    for k in &keys {
        let values: Vec<Option<&Result<String, String>>> = splits
            .iter()
            .map(|s| s.query.iter().find(|(qk, _)| qk == k).map(|(_, v)| v))
            .collect();
        let required = values.iter().all(Option::is_some);
        let mut fixed: Vec<&str> = Vec::new();
        let mut param = None;
        for v in values.iter().flatten() {
            match v {
                Ok(l) if !fixed.contains(&l.as_str()) => fixed.push(l),
                Ok(_) => {}
                Err(p) => param = Some(p.clone()),
            }
        }
        let value = match (param, fixed.as_slice()) {
            (Some(p), _) => string_param(k, "query", describe_param(&p).to_string()),
            (None, [one]) => json!({
                "name": k, "in": "query", "required": required,
                "description": "Fixed by the operation.",
                "schema": { "const": one },
            }),
            (None, many) => json!({
                "name": k, "in": "query", "required": required,
                "description": "Fixed per operation: tells the operations sharing this path \
                                apart (x-operations).",
                "schema": { "enum": many },
            }),
        };
        parameters.push(value);
    }
    let op0 = ops[0];
    if op0.vendor == Vendor::Kore {
        for (h, what) in [
            (&IID, "The Kore.ai app id (IId)."),
            (&ACCOUNT_ID, "The Kore.ai account id."),
        ] {
            parameters.push(string_param(
                h.as_str(),
                "header",
                format!("{what} Sent on every Kore.ai campaign call (vendor-docs/beyond-the-copies.md, page 000)."),
            ));
        }
    }

    let mut operation = Map::new();
    let names_joined: Vec<&str> = ops.iter().map(|op| op.name).collect();
    operation.insert(
        "operationId".into(),
        json!(format!("{}.{}", op0.vendor.slug(), names_joined.join("+"))),
    );
    operation.insert(
        "summary".into(),
        json!(
            ops.iter()
                .map(|op| op.qualified_name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    operation.insert("parameters".into(), json!(parameters));
    operation.insert(
        "x-grade".into(),
        json!(grade_all(ops.iter().map(|op| &op.source))),
    );
    operation.insert("x-source".into(), cite(ops.iter().map(|op| &op.source)));
    operation.insert("x-operations".into(), x_operations(ops, &splits));
    if op0.method == Method::Post && op0.vendor == Vendor::Kore {
        let body: Value = serde_json::from_slice(KORE_BODY).unwrap_or_else(|_| json!({}));
        operation.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "description": "Every Kore.ai campaign call sends the body {} \
                                (vendor-docs/beyond-the-copies.md, page 000).",
                "content": { "application/json": {
                    "schema": { "const": body.clone() },
                    "example": body,
                } },
            }),
        );
    }
    operation.insert("responses".into(), responses(ops, components)?);
    let mut item = Map::new();
    item.insert(method_key(op0.method).into(), Value::Object(operation));
    Ok((key, Value::Object(item)))
}

/// Each table operation in a group: its name, the query that selects it, its grade and page.
fn x_operations(ops: &[&'static Operation], splits: &[Split]) -> Value {
    let list: Vec<Value> = ops
        .iter()
        .zip(splits)
        .map(|(op, s)| {
            let query: Map<String, Value> = s
                .query
                .iter()
                .filter_map(|(k, v)| v.as_ref().ok().map(|v| (k.clone(), json!(v))))
                .collect();
            let statuses: Map<String, Value> = op
                .responses
                .iter()
                .map(|r| {
                    (
                        r.status.to_string(),
                        json!({
                            "schema": format!("{COMPONENTS}{}", component_name(r.schema)),
                            "x-grade": grade(r.source),
                            "x-source": r.source.to_string(),
                        }),
                    )
                })
                .collect();
            json!({
                "name": op.qualified_name(),
                "template": op.template.as_str(),
                "query": query,
                "x-grade": grade(op.source),
                "x-source": op.source.to_string(),
                "responses": statuses,
            })
        })
        .collect();
    Value::Array(list)
}

/// Every status any operation of the group answers, with its schema (a `oneOf` where the
/// operations' schemas differ), grade and source.
fn responses(
    ops: &[&'static Operation],
    components: &mut Components,
) -> Result<Value, OpenApiError> {
    let mut by_status: BTreeMap<u16, Vec<&campaign_api::ResponseSpec>> = BTreeMap::new();
    for op in ops {
        for r in op.responses {
            by_status.entry(r.status).or_default().push(r);
        }
    }
    let mut out = Map::new();
    for (status, specs) in by_status {
        let mut refs: Vec<String> = Vec::new();
        for r in &specs {
            let reference = components.add(r.schema)?;
            if !refs.contains(&reference) {
                refs.push(reference);
            }
        }
        let schema = match refs.as_slice() {
            [one] => json!({ "$ref": one }),
            many => {
                json!({ "oneOf": many.iter().map(|r| json!({ "$ref": r })).collect::<Vec<_>>() })
            }
        };
        let description = reason(status).to_string()
            + if specs.len() < ops.len() {
                " (only some of the operations sharing this path; see x-operations)"
            } else {
                ""
            };
        out.insert(
            status.to_string(),
            json!({
                "description": description,
                "x-grade": grade_all(specs.iter().map(|r| &r.source)),
                "x-source": cite(specs.iter().map(|r| &r.source)),
                "content": { "application/json": { "schema": schema } },
            }),
        );
    }
    Ok(Value::Object(out))
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}

/// The lifecycle as an `x-lifecycle` extension: the rules of `schemas/<vendor>/lifecycle.toml`,
/// each outcome's schema also as its component `$ref`.
///
/// Why not OpenAPI `links`: a link says "this value of that response feeds that operation's
/// parameter", unconditionally. What a vendor answers depends on the campaign's state (a start
/// is 200 from Ready, 400 from Active), and which state a campaign is in is not in the start
/// response's fields a link could point at. The rules, states, entry states and the grade of
/// each rule (documented or our assumption) carry over to an extension as they are, and stay
/// the same data the simulator runs and the suite walks. The file is loaded through
/// [`Lifecycle::load`] first, so a document is never generated from rules the harness refuses.
pub fn lifecycle_extension(
    vendor: Vendor,
    schemas_dir: &Path,
    lifecycle: &Lifecycle,
    components: &mut Components,
) -> Result<Value, OpenApiError> {
    let path = schemas_dir.join(vendor.slug()).join("lifecycle.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| OpenApiError::Read {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let raw = RawLifecycle::parse(&text).map_err(|e| OpenApiError::Read {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let channels: Vec<&str> = OperationId::of_vendor(vendor)
        .filter_map(|id| id.spec().channel.map(|c| c.slug()))
        .fold(Vec::new(), |mut v, c| {
            if !v.contains(&c) {
                v.push(c);
            }
            v
        });
    let mut rules = Vec::new();
    for r in &raw.rules {
        let mut outcomes = Vec::new();
        for o in &r.outcomes {
            let files: Vec<String> = if o.schema.contains("{channel}") {
                channels
                    .iter()
                    .map(|c| o.schema.replace("{channel}", c))
                    .collect()
            } else {
                vec![o.schema.clone()]
            };
            let mut refs = Vec::new();
            for f in files {
                // A `{channel}` file may exist for one channel only (VoiceGenie is voice only).
                if schemas_dir.join(&f).is_file() {
                    refs.push(components.add(&f)?);
                }
            }
            outcomes.push(json!({
                "status": o.status,
                "schema": o.schema,
                "schemas": refs,
                "next": o.next,
            }));
        }
        let source = r.source.as_deref().unwrap_or("documented");
        let mut rule = json!({
            "state": r.state,
            "action": r.action,
            "x-grade": if source == "documented" { "documented" } else { "assumed" },
            "outcomes": outcomes,
        });
        if let (Some(note), Some(obj)) = (&r.note, rule.as_object_mut()) {
            obj.insert("note".into(), json!(note));
        }
        rules.push(rule);
    }
    let states: Map<String, Value> = raw
        .states
        .iter()
        .flatten()
        .map(|(name, s)| {
            (
                name.clone(),
                json!({ "reads": s.reads, "dialing": s.dialing, "settling": s.settling }),
            )
        })
        .collect();
    // Which operations perform each action the rules name.
    let mut actions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for id in OperationId::of_vendor(vendor) {
        let op = id.spec();
        actions
            .entry(campaign_api::lifecycle::action_name(op.action))
            .or_default()
            .push(op.qualified_name());
    }
    Ok(json!({
        "description": format!(
            "The campaign lifecycle from schemas/{}/lifecycle.toml (see that file's header): for \
             each (state, action) the statuses the vendor may answer, the schema each must match \
             and the state afterwards; the first outcome is what campaign-sim answers. \
             `{{channel}}` in a schema stands for voice or sms, from the operation called; \
             `schemas` lists the components it can be. Not OpenAPI links: a link cannot say that \
             an answer depends on the campaign's state.",
            vendor.slug()
        ),
        "file": lifecycle.cited(),
        "entry": raw.entry.clone().unwrap_or_default(),
        "status_pointer": lifecycle.status_pointer,
        "states": states,
        "actions": actions,
        "rules": rules,
    }))
}

/// The schema files a document embeds, as components, with their `$ref`s rewritten.
#[derive(Debug)]
pub struct Components {
    dir: PathBuf,
    schemas: Map<String, Value>,
}

/// `kore/voice-start.200.json` → `kore.voice-start.200` (OpenAPI's component name characters).
fn component_name(file: &str) -> String {
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
fn normalise(path: &str) -> Option<String> {
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
    pub fn new(schemas_dir: &Path) -> Components {
        Components {
            dir: schemas_dir.to_path_buf(),
            schemas: Map::new(),
        }
    }

    /// Adds `file` (relative to `schemas/`) and every file it references; returns its `$ref`.
    pub fn add(&mut self, file: &str) -> Result<String, OpenApiError> {
        let name = component_name(file);
        if !self.schemas.contains_key(&name) {
            let path = self.dir.join(file);
            let read_err = |reason: String| OpenApiError::Read {
                path: path.clone(),
                reason,
            };
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(e.to_string()))?;
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
fn rewrite_refs(
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

#[cfg(test)]
mod tests {
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
}
