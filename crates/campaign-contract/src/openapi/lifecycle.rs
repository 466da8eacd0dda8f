//! `x-lifecycle`: each vendor's lifecycle rules carried into its document as an extension, from
//! the same file the simulator runs and the suite walks.

use super::OpenApiError;
use super::components::Components;
use campaign_api::{Lifecycle, OperationId, RawLifecycle, Vendor};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

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
pub(super) fn lifecycle_extension(
    vendor: Vendor,
    schemas_dir: &Path,
    lifecycle: &Lifecycle,
    components: &mut Components,
) -> Result<Value, OpenApiError> {
    let path = schemas_dir.join(vendor.slug()).join("lifecycle.toml");
    let text = campaign_api::read_capped(
        &path,
        campaign_api::MAX_SCHEMA_FILE_BYTES,
        "lifecycle rule file",
    )
    .map_err(|e| OpenApiError::Read {
        path: path.clone(),
        reason: e.problem.to_string(),
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
