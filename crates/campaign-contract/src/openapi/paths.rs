//! One OpenAPI path item per group of table operations that share a path: its parameters, its
//! responses (a `oneOf` where the operations' schemas differ), the `x-operations` that tell the
//! group apart, and the grades, citations and security every operation carries. Kept apart from
//! [`super::params`] (reading templates) and [`super::components`] (embedding schema files): this
//! is where the operation table becomes OpenAPI's words.

use super::OpenApiError;
use super::components::{COMPONENTS, Components, component_name};
use super::params::{
    Segment, Split, campaign_id_schema, describe_param, method_key, split, string_param,
};
use campaign_api::KORE_BODY;
use campaign_api::headers::{ACCOUNT_ID, AUTH, IID, X_API_KEY};
use campaign_api::{Grade, Method, Operation, Source, Vendor};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `documented` or `assumed`, as the suite grades an expectation from this source.
pub(super) fn grade(source: Source) -> &'static str {
    source.grade().as_str()
}

/// The grade of something several sources state: assumed if any of them is only our guess.
pub(super) fn grade_all<'a>(sources: impl IntoIterator<Item = &'a Source>) -> &'static str {
    sources
        .into_iter()
        .map(|s| s.grade())
        .max()
        .unwrap_or(Grade::Documented)
        .as_str()
}

/// The distinct sources' citations, in first-seen order.
pub(super) fn cite<'a>(sources: impl IntoIterator<Item = &'a Source>) -> Value {
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
pub(super) fn security(vendor: Vendor) -> (Value, Value) {
    match vendor {
        Vendor::Kore => (
            json!({
                "koreJwt": {
                    "type": "apiKey",
                    "in": "header",
                    "name": AUTH.as_str(),
                    "description": "The Kore.ai JWT (HS256, claims sub and appId, signed with the \
                                    app's client secret), sent as `auth: <JWT>`, not as \
                                    Authorization (Kore.ai docs, \"How to generate the JWT \
                                    Token\", https://koreai.mintlify.app/ai-for-service/apis/automation/api-introduction#generating-the-jwt-token).",
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
                    "description": "The VoiceGenie API key (VoiceGenie (Oriserve) API docs, \
                                    \"Start Campaign\"; no public address known).",
                },
                "sessionToken": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "token",
                    "description": "`Cookie: token=<jwt>`, which the vendor's later drafts use \
                                    instead of x-api-key (VoiceGenie (Oriserve) API drafts; no \
                                    public address known).",
                }
            }),
            json!([{ "apiKey": [] }, { "sessionToken": [] }]),
        ),
    }
}

/// The path key and path item of one group of table operations.
pub(super) fn path_item(
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
        let values: Vec<Option<&Segment>> = splits
            .iter()
            .map(|s| s.query.iter().find(|(qk, _)| qk == k).map(|(_, v)| v))
            .collect();
        let required = values.iter().all(Option::is_some);
        let mut fixed: Vec<&str> = Vec::new();
        let mut param = None;
        for v in values.iter().flatten() {
            match v {
                Segment::Literal(l) if !fixed.contains(&l.as_str()) => fixed.push(l),
                Segment::Literal(_) => {}
                Segment::Param(p) => param = Some(p.clone()),
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
                format!("{what} Sent on every Kore.ai campaign call (Kore.ai docs, e.g. \"Start Voice Campaign\", https://koreai.mintlify.app/ai-for-service/apis/contact-center/start-voice-campaign)."),
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
                "description": "Every Kore.ai campaign call sends the body {} (Kore.ai docs, \
                                e.g. \"Start Voice Campaign\", \
                                https://koreai.mintlify.app/ai-for-service/apis/contact-center/start-voice-campaign).",
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
pub(super) fn x_operations(ops: &[&'static Operation], splits: &[Split]) -> Value {
    let list: Vec<Value> = ops
        .iter()
        .zip(splits)
        .map(|(op, s)| {
            let query: Map<String, Value> = s
                .query
                .iter()
                .filter_map(|(k, v)| match v {
                    Segment::Literal(v) => Some((k.clone(), json!(v))),
                    Segment::Param(_) => None,
                })
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
pub(super) fn responses(
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

pub(super) fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}
