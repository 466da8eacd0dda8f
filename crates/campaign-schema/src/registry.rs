//! The schema registry: `schemas/` loaded and compiled once, looked up by operation and status.
//!
//! Every validator is draft 2020-12 with `format` asserted (so `updatedAt: "yesterday"` fails),
//! and no remote `$ref` is ever fetched: jsonschema is built without its HTTP resolver. The
//! files come from a [`SchemaSource`]: the copy compiled into the binary, or a folder named by
//! a flag or `CAMPAIGN_SCHEMAS_DIR` (the precedence is campaign-api's, the same for every tool).

use campaign_api::{Lifecycle, OperationId, SchemaSource, SchemaSourceError};
use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A schema that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A file is not JSON or not a valid schema.
    #[error("{path}: not a valid JSON Schema: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The operation table names a schema file that does not exist.
    #[error("{operation} status {status} names schema {schema}, which is not in {from}")]
    Missing {
        /// The operation.
        operation: OperationId,
        /// The status.
        status: u16,
        /// The schema path, relative to the folder.
        schema: String,
        /// Where it was looked for.
        from: SchemaSource,
    },
    /// The schemas folder named cannot be used, or a file in it cannot be read.
    #[error(transparent)]
    Source(#[from] SchemaSourceError),
    /// A vendor's `lifecycle.toml` does not hold together (the message names file and rule).
    #[error(transparent)]
    Lifecycle(#[from] campaign_api::LifecycleError),
}

/// One way a JSON value breaks a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer to the offending value (for a missing or unexpected field, the field itself).
    pub pointer: String,
    /// JSON pointer into the schema, ending in the keyword that failed.
    pub schema_path: String,
    /// The keyword that failed (`required`, `type`, `const`, `additionalProperties`, …).
    pub keyword: String,
    /// What the schema wants, in words (`integer`, `"Active"`, `date-time`).
    pub expected: String,
    /// The offending value; `None` when the field is missing.
    pub actual: Option<Value>,
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn expand(e: &jsonschema::ValidationError<'_>, out: &mut Vec<Violation>) {
    let pointer = e.instance_path().to_string();
    let schema_path = e.schema_path().to_string();
    let keyword = schema_path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let instance: &Value = e.instance();
    let one = |expected: String, actual: Option<Value>| Violation {
        pointer: pointer.clone(),
        schema_path: schema_path.clone(),
        keyword: keyword.clone(),
        expected,
        actual,
    };
    match e.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_string);
            out.push(Violation {
                pointer: format!("{pointer}/{}", escape(&name)),
                expected: "a required field".into(),
                actual: None,
                ..one(String::new(), None)
            });
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                out.push(Violation {
                    pointer: format!("{pointer}/{}", escape(name)),
                    expected: "no such field".into(),
                    actual: instance.get(name).cloned(),
                    ..one(String::new(), None)
                });
            }
        }
        ValidationErrorKind::Type { kind } => {
            out.push(one(expected_types(kind), Some(instance.clone())))
        }
        ValidationErrorKind::Constant { expected_value } => {
            out.push(one(expected_value.to_string(), Some(instance.clone())))
        }
        ValidationErrorKind::Enum { options } => {
            out.push(one(format!("one of {options}"), Some(instance.clone())))
        }
        ValidationErrorKind::Format { format } => {
            out.push(one(format!("a {format} string"), Some(instance.clone())))
        }
        ValidationErrorKind::Pattern { pattern } => out.push(one(
            format!("a string matching {pattern}"),
            Some(instance.clone()),
        )),
        _ => out.push(one(e.to_string(), Some(instance.clone()))),
    }
}

/// Escapes a JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The annotation keyword that marks a (sub)schema as our assumption.
pub const GRADE_KEYWORD: &str = "x-grade";

fn is_assumed(node: &Value) -> bool {
    node.get(GRADE_KEYWORD).and_then(Value::as_str) == Some("assumed")
}

/// A compiled schema and its source.
#[derive(Debug)]
pub struct Schema {
    /// Path relative to the schemas folder (`kore/voice-start.200.json`).
    pub name: String,
    /// The schema document.
    pub document: Value,
    validator: Validator,
}

impl Schema {
    /// Every violation of `instance` (empty when valid).
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        for e in self.validator.iter_errors(instance) {
            expand(&e, &mut out);
        }
        out
    }

    /// True when the expectation `v` departs from is our assumption rather than documented: the
    /// schema marks it `"x-grade": "assumed"` on the document, on any subschema along the
    /// violation's schema path, or (for a missing field) on that field's own subschema. The mark
    /// is an annotation: validators ignore it, so the same file still checks the simulator, which
    /// must keep our word.
    pub fn assumed_at(&self, v: &Violation) -> bool {
        let mut node = &self.document;
        if is_assumed(node) {
            return true;
        }
        let path = v.schema_path.trim_start_matches('/');
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        // Every subschema above the keyword that failed.
        for segment in segments.iter().take(segments.len().saturating_sub(1)) {
            let next = match node {
                Value::Object(map) => map.get(segment),
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            let Some(next) = next else {
                return false;
            };
            node = next;
            if is_assumed(node) {
                return true;
            }
        }
        if v.keyword == "required" {
            let field = v
                .pointer
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~");
            return node
                .get("properties")
                .and_then(|p| p.get(&field))
                .is_some_and(is_assumed);
        }
        false
    }

    /// True when `instance` is valid (cheaper than collecting violations).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }
}

/// Every schema under a folder, compiled.
#[derive(Debug)]
pub struct SchemaRegistry {
    source: SchemaSource,
    schemas: BTreeMap<String, Schema>,
    lifecycles: Vec<Lifecycle>,
}

/// A schema document the validator refuses (a keyword with a value of the wrong type, a bad
/// pattern, …): the document named `name` must be fixed.
#[derive(Debug, thiserror::Error)]
#[error("{name}: not a valid JSON Schema: {reason}")]
pub struct CompileError {
    /// The name the document was compiled under (its path relative to `schemas/`).
    pub name: String,
    /// What the validator refused.
    pub reason: String,
}

/// Compiles one schema document (2020-12, formats asserted).
pub fn compile(name: &str, document: Value) -> Result<Schema, CompileError> {
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&document)
        .map_err(|e| CompileError {
            name: name.into(),
            reason: e.to_string(),
        })?;
    Ok(Schema {
        name: name.into(),
        document,
        validator,
    })
}

/// The values a schema allows at a JSON pointer into the instance (`enum` or `const` of the
/// property there), following `properties` (and a `then` branch's, first); `None` when it does
/// not restrict them.
fn allowed_at(document: &Value, pointer: &str) -> Option<Vec<Value>> {
    let mut node = document;
    for segment in pointer.trim_start_matches('/').split('/') {
        // A documented branch (`then`, as in the Kore.ai status read's success) names the field
        // more precisely than the properties beside it.
        let in_branch = node
            .get("then")
            .and_then(|t| t.get("properties"))
            .and_then(|p| p.get(segment));
        node = match in_branch {
            Some(n) => n,
            None => node.get("properties")?.get(segment)?,
        };
    }
    match (node.get("enum"), node.get("const")) {
        (Some(Value::Array(values)), _) => Some(values.clone()),
        (_, Some(value)) => Some(vec![value.clone()]),
        _ => None,
    }
}

/// Every value a lifecycle's states read (or settle through) must be one its status read's
/// schema allows: a rule file naming a value the vendor never sends would make the simulator
/// send it and the suite expect it.
fn check_reads(
    lifecycle: &Lifecycle,
    schemas: &BTreeMap<String, Schema>,
) -> Result<(), RegistryError> {
    let Some(rule) = lifecycle
        .rules()
        .iter()
        .find(|r| r.action == campaign_api::Action::Status)
    else {
        return Ok(());
    };
    let schema_name = rule.primary().schema_for(None);
    let Some(allowed) = schemas
        .get(&schema_name)
        .and_then(|s| allowed_at(&s.document, &lifecycle.status_pointer))
    else {
        return Ok(());
    };
    for (_, state) in lifecycle.states() {
        for value in std::iter::once(&state.reads).chain(&state.settling) {
            if !allowed.contains(&Value::String(value.clone())) {
                return Err(RegistryError::Lifecycle(campaign_api::LifecycleError {
                    file: lifecycle.file.clone(),
                    rule: None,
                    reason: format!(
                        "state {} reads {value:?}, which {schema_name} does not allow at {}",
                        state.name, lifecycle.status_pointer
                    ),
                }));
            }
        }
    }
    Ok(())
}

/// True for the files the registry compiles: every `*.json` except under `samples/` (instances,
/// not schemas), `report/` (our own drift report's schema; tests/report_schema.rs compiles it)
/// and `openapi/` (documents generated from these schemas by `campaign-contract openapi`).
fn is_response_schema(rel: &str) -> bool {
    rel.ends_with(".json")
        && !["samples/", "report/", "openapi/"]
            .iter()
            .any(|d| rel.starts_with(d))
}

impl SchemaRegistry {
    /// Loads and compiles every `*.json` of `source` (except `samples/`, `report/` and
    /// `openapi/`) and each vendor's lifecycle rules, and checks that every schema the operation
    /// table names is there.
    pub fn from_source(source: &SchemaSource) -> Result<SchemaRegistry, RegistryError> {
        source.check()?;
        let mut schemas = BTreeMap::new();
        for name in source.files()? {
            if !is_response_schema(&name) {
                continue;
            }
            let text = source.read(&name)?;
            let invalid = |reason: String| RegistryError::Invalid {
                path: source.path_of(&name),
                reason,
            };
            let document: Value =
                serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
            let schema = compile(&name, document).map_err(|e| invalid(e.reason))?;
            schemas.insert(name, schema);
        }
        for op in OperationId::ALL {
            for r in op.spec().responses {
                if !schemas.contains_key(r.schema) {
                    return Err(RegistryError::Missing {
                        operation: op,
                        status: r.status,
                        schema: r.schema.into(),
                        from: source.clone(),
                    });
                }
            }
        }
        let lifecycles = campaign_api::Vendor::ALL
            .into_iter()
            .map(|v| source.lifecycle(v))
            .collect::<Result<Vec<_>, _>>()?;
        for l in &lifecycles {
            check_reads(l, &schemas)?;
        }
        Ok(SchemaRegistry {
            source: source.clone(),
            schemas,
            lifecycles,
        })
    }

    /// Loads the schemas folder `dir` (see [`SchemaRegistry::from_source`]).
    pub fn load(dir: &Path) -> Result<SchemaRegistry, RegistryError> {
        SchemaRegistry::from_source(&SchemaSource::dir(dir))
    }

    /// Loads the schemas compiled into the binary.
    pub fn embedded() -> Result<SchemaRegistry, RegistryError> {
        SchemaRegistry::from_source(&SchemaSource::Embedded)
    }

    /// Loads what `CAMPAIGN_SCHEMAS_DIR` names, else the schemas compiled into the binary: for
    /// programs and tests without a `--schemas` flag of their own.
    pub fn load_default() -> Result<SchemaRegistry, RegistryError> {
        SchemaRegistry::from_source(&SchemaSource::from_env()?)
    }

    /// The vendor's lifecycle rules (`{dir}/{vendor}/lifecycle.toml`), checked against this
    /// folder's schemas when the registry loaded.
    pub fn lifecycle(&self, vendor: campaign_api::Vendor) -> &Lifecycle {
        // `load` pushes one per vendor, in `Vendor::ALL` order.
        let i = campaign_api::Vendor::ALL
            .iter()
            .position(|v| *v == vendor)
            .unwrap_or(0);
        &self.lifecycles[i]
    }

    /// Where it was loaded from.
    pub fn source(&self) -> &SchemaSource {
        &self.source
    }

    /// A schema by its relative name.
    pub fn get(&self, name: &str) -> Option<&Schema> {
        self.schemas.get(name)
    }

    /// The schema `operation` documents for `status`; `None` means the status itself is not in
    /// the contract.
    pub fn for_response(&self, operation: OperationId, status: u16) -> Option<&Schema> {
        operation
            .spec()
            .response(status)
            .and_then(|r| self.schemas.get(r.schema))
    }

    /// Every schema, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.values()
    }
}
