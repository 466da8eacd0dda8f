//! `campaign-contract diff-schemas` against the workspace's real schemas and lifecycle rules: each
//! case commits a copy of `schemas/` in a scratch git repository, changes one thing, and reads what
//! the binary prints and answers; then the same case backwards (the changed tree committed, the
//! original in the work tree), where every class must mirror.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas");
const BIN: &str = env!("CARGO_BIN_EXE_campaign-contract");

/// `(class, file, path, kind)` of one printed line.
type Line = (&'static str, &'static str, &'static str, &'static str);

struct Case {
    name: &'static str,
    /// Applied to the work tree's `schemas/`.
    mutate: fn(&Path),
    /// Printed with the original as base and the mutation in the work tree.
    forward: &'static [Line],
    /// Printed with the mutation as base and the original in the work tree.
    reverse: &'static [Line],
}

/// A scratch folder: `pristine/` (the real schemas, copied once) and `repo/` (a git repository).
struct Scratch {
    root: PathBuf,
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Scratch {
    fn new() -> Scratch {
        let root = std::env::temp_dir().join(format!("diff-schemas-{}", uuid::Uuid::new_v4()));
        let scratch = Scratch { root };
        copy_dir(Path::new(SCHEMAS), &scratch.root.join("pristine"));
        copy_dir(&scratch.root.join("pristine"), &scratch.schemas());
        scratch.git(&["init", "-q"]);
        scratch
    }

    fn repo(&self) -> PathBuf {
        self.root.join("repo")
    }

    fn schemas(&self) -> PathBuf {
        self.repo().join("schemas")
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.repo())
            .args(["-c", "user.name=diff-schemas test"])
            .args(["-c", "user.email=diff-schemas@example.invalid"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Commits the whole work tree; answers the commit's id.
    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Puts the original schemas back in the work tree (files the mutation added go too).
    fn restore_original(&self) {
        std::fs::remove_dir_all(self.schemas()).expect("remove schemas");
        copy_dir(&self.root.join("pristine"), &self.schemas());
    }

    fn diff(&self, base: &str) -> Run {
        self.diff_as(base, "text")
    }

    fn diff_as(&self, base: &str, format: &str) -> Run {
        let out = Command::new(BIN)
            .args([
                "diff-schemas",
                "--format",
                format,
                "--base",
                base,
                "--schemas",
            ])
            .arg(self.schemas())
            .current_dir(self.repo())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("GIT_CEILING_DIRECTORIES", &self.root)
            .output()
            .expect("the binary runs");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("dir entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// Rewrites one schema through `change`.
fn edit(schemas: &Path, file: &str, change: impl FnOnce(&mut Value)) {
    let path = schemas.join(file);
    let text = std::fs::read_to_string(&path).expect("read schema");
    let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    change(&mut schema);
    let text = serde_json::to_string_pretty(&schema).expect("serialise");
    std::fs::write(&path, text + "\n").expect("write schema");
}

fn remove_required(schema: &mut Value, name: &str) {
    schema["required"]
        .as_array_mut()
        .expect("required is an array")
        .retain(|n| n != name);
}

fn remove_property(schema: &mut Value, name: &str) {
    schema["properties"]
        .as_object_mut()
        .expect("properties")
        .remove(name)
        .expect("the property exists");
}

/// kore/status.200.json with a success's `data` moved into `$defs` behind a `$ref`.
fn status_data_behind_ref(schemas: &Path) {
    edit(schemas, "kore/status.200.json", |s| {
        let data = s["then"]["properties"]["data"].take();
        s["$defs"] = json!({ "campaign": data });
        s["then"]["properties"]["data"] = json!({ "$ref": "#/$defs/campaign" });
    });
}

/// Rewrites one lifecycle rule file through `change`. Comments and layout are not kept: the
/// comparison reads neither.
fn edit_rules(schemas: &Path, file: &str, change: impl FnOnce(&mut toml::Table)) {
    let path = schemas.join(file);
    let text = std::fs::read_to_string(&path).expect("read rules");
    let mut rules: toml::Table = toml::from_str(&text).expect("rules are TOML");
    change(&mut rules);
    let text = toml::to_string(&rules).expect("serialise");
    std::fs::write(&path, text).expect("write rules");
}

/// The `[[rule]]` for `(state, action)`.
fn rule<'a>(rules: &'a mut toml::Table, state: &str, action: &str) -> &'a mut toml::Table {
    rules["rule"]
        .as_array_mut()
        .expect("[[rule]]")
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|r| r["state"].as_str() == Some(state) && r["action"].as_str() == Some(action))
        .unwrap_or_else(|| panic!("a rule [{state}, {action}]"))
}

/// The outcome for `status` of the `[[rule]]` for `(state, action)`.
fn outcome<'a>(
    rules: &'a mut toml::Table,
    state: &str,
    action: &str,
    status: i64,
) -> &'a mut toml::Table {
    rule(rules, state, action)["outcomes"]
        .as_array_mut()
        .expect("outcomes")
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|o| o["status"].as_integer() == Some(status))
        .unwrap_or_else(|| panic!("[{state}, {action}] allows {status}"))
}

/// `{ status, schema, next }` as a TOML value.
fn an_outcome(status: i64, schema: &str, next: &str) -> toml::Value {
    let mut o = toml::Table::new();
    o.insert("status".into(), status.into());
    o.insert("schema".into(), schema.into());
    o.insert("next".into(), next.into());
    o.into()
}

/// A `[[rule]]` with one outcome, appended.
fn add_rule(rules: &mut toml::Table, state: &str, action: &str, outcome: toml::Value) {
    let mut r = toml::Table::new();
    r.insert("state".into(), state.into());
    r.insert("action".into(), action.into());
    r.insert("source".into(), "assumption".into());
    r.insert("outcomes".into(), toml::Value::Array(vec![outcome]));
    rules["rule"]
        .as_array_mut()
        .expect("[[rule]]")
        .push(r.into());
}

/// The `[states.<name>]` table.
fn state<'a>(rules: &'a mut toml::Table, name: &str) -> &'a mut toml::Table {
    rules["states"][name]
        .as_table_mut()
        .unwrap_or_else(|| panic!("a state {name}"))
}

/// The change lines printed, as `(class, file, path, kind)`. Columns are two or more spaces apart
/// (a rule label such as `[Active, start]` holds a single one).
fn lines(stdout: &str) -> Vec<(String, String, String, String)> {
    let mut all: Vec<&str> = stdout.lines().collect();
    all.pop(); // the summary
    all.iter()
        .map(|l| {
            let mut columns = l.split("  ").map(str::trim).filter(|c| !c.is_empty());
            let mut next = || columns.next().unwrap_or_default().to_string();
            let (class, file, path) = (next(), next(), next());
            let kind = columns.collect::<Vec<_>>().join("  ");
            (class, file, path, kind)
        })
        .collect()
}

/// Checks one run against the expected lines: the lines themselves, the summary, the exit code.
fn assert_run(run: &Run, base: &str, expected: &[Line], what: &str) {
    if expected.is_empty() {
        assert_eq!(
            run.stdout,
            format!("no schema changes since {base}\n"),
            "{what}: {run:?}"
        );
        assert_eq!(run.code, Some(0), "{what}: {run:?}");
        return;
    }
    let want: Vec<_> = expected
        .iter()
        .map(|(c, f, p, k)| (c.to_string(), f.to_string(), p.to_string(), k.to_string()))
        .collect();
    assert_eq!(lines(&run.stdout), want, "{what}: {run:?}");
    let breaking = expected.iter().filter(|l| l.0 == "BREAKING").count();
    let summary = format!(
        "{breaking} breaking, {} additive (base {base})",
        expected.len() - breaking
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some(summary.as_str()),
        "{what}: {run:?}"
    );
    let code = if breaking > 0 { 1 } else { 0 };
    assert_eq!(run.code, Some(code), "{what}: exit code; {run:?}");
}

const VOICE_START: &str = "kore/voice-start.200.json";
const KORE_RULES: &str = "kore/lifecycle.toml";
const VOICEGENIE_RULES: &str = "voicegenie/lifecycle.toml";

const CASES: &[Case] = &[
    Case {
        name: "required property removed",
        mutate: |s| {
            edit(s, VOICE_START, |v| {
                remove_property(v, "totalCallsCompleted");
                remove_required(v, "totalCallsCompleted");
            })
        },
        forward: &[(
            "BREAKING",
            VOICE_START,
            "$.totalCallsCompleted",
            "property removed",
        )],
        reverse: &[(
            "ADDITIVE",
            VOICE_START,
            "$.totalCallsCompleted",
            "new required property",
        )],
    },
    Case {
        name: "optional property removed",
        mutate: |s| {
            edit(s, "voicegenie/campaign.200.json", |v| {
                remove_property(v, "message")
            })
        },
        forward: &[(
            "BREAKING",
            "voicegenie/campaign.200.json",
            "$.message",
            "property removed",
        )],
        reverse: &[(
            "ADDITIVE",
            "voicegenie/campaign.200.json",
            "$.message",
            "new optional property",
        )],
    },
    Case {
        name: "new optional property",
        mutate: |s| {
            edit(s, VOICE_START, |v| {
                v["properties"]["queuedAt"] = json!({"type": "string", "format": "date-time"});
            })
        },
        forward: &[(
            "ADDITIVE",
            VOICE_START,
            "$.queuedAt",
            "new optional property",
        )],
        reverse: &[("BREAKING", VOICE_START, "$.queuedAt", "property removed")],
    },
    Case {
        name: "property made optional",
        mutate: |s| edit(s, VOICE_START, |v| remove_required(v, "campaignInstanceId")),
        forward: &[(
            "BREAKING",
            VOICE_START,
            "$.campaignInstanceId",
            "property made optional",
        )],
        reverse: &[(
            "ADDITIVE",
            VOICE_START,
            "$.campaignInstanceId",
            "property made required",
        )],
    },
    Case {
        name: "enum widened",
        mutate: |s| {
            edit(s, "kore/status.200.json", |v| {
                v["then"]["properties"]["data"]["properties"]["status"]["enum"]
                    .as_array_mut()
                    .expect("enum")
                    .push(json!("Queued"));
            })
        },
        forward: &[(
            "BREAKING",
            "kore/status.200.json",
            "$.data.status",
            "enum value added: \"Queued\"",
        )],
        reverse: &[(
            "ADDITIVE",
            "kore/status.200.json",
            "$.data.status",
            "enum value removed: \"Queued\"",
        )],
    },
    Case {
        name: "enum narrowed",
        mutate: |s| {
            edit(s, "voicegenie/campaign.200.json", |v| {
                v["properties"]["data"]["properties"]["campaign_status"]["enum"]
                    .as_array_mut()
                    .expect("enum")
                    .retain(|x| x != "draft");
            })
        },
        forward: &[(
            "ADDITIVE",
            "voicegenie/campaign.200.json",
            "$.data.campaign_status",
            "enum value removed: \"draft\"",
        )],
        reverse: &[(
            "BREAKING",
            "voicegenie/campaign.200.json",
            "$.data.campaign_status",
            "enum value added: \"draft\"",
        )],
    },
    Case {
        name: "const replaced by a wider enum",
        mutate: |s| {
            edit(s, VOICE_START, |v| {
                v["properties"]["status"] = json!({"type": "string", "enum": ["Active", "Queued"]});
            })
        },
        forward: &[(
            "BREAKING",
            VOICE_START,
            "$.status",
            "enum value added: \"Queued\"",
        )],
        reverse: &[(
            "ADDITIVE",
            VOICE_START,
            "$.status",
            "enum value removed: \"Queued\"",
        )],
    },
    Case {
        name: "integer widened to number",
        mutate: |s| {
            edit(s, VOICE_START, |v| {
                v["properties"]["totalCallsCompleted"]["type"] = json!("number");
            })
        },
        forward: &[(
            "BREAKING",
            VOICE_START,
            "$.totalCallsCompleted",
            "type widened: integer → number",
        )],
        reverse: &[(
            "ADDITIVE",
            VOICE_START,
            "$.totalCallsCompleted",
            "type narrowed: number → integer",
        )],
    },
    Case {
        name: "string made nullable",
        mutate: |s| {
            edit(s, VOICE_START, |v| {
                v["properties"]["updatedAt"]["type"] = json!(["string", "null"]);
            })
        },
        forward: &[(
            "BREAKING",
            VOICE_START,
            "$.updatedAt",
            "type widened: string → string or null",
        )],
        reverse: &[(
            "ADDITIVE",
            VOICE_START,
            "$.updatedAt",
            "type narrowed: string or null → string",
        )],
    },
    Case {
        name: "string changed to integer",
        mutate: |s| {
            edit(s, "voicegenie/start.200.json", |v| {
                v["properties"]["data"]["properties"]["campaign_id"]["type"] = json!("integer");
            })
        },
        forward: &[(
            "BREAKING",
            "voicegenie/start.200.json",
            "$.data.campaign_id",
            "type changed: string → integer",
        )],
        reverse: &[(
            "BREAKING",
            "voicegenie/start.200.json",
            "$.data.campaign_id",
            "type changed: integer → string",
        )],
    },
    Case {
        name: "closed object opened",
        mutate: |s| {
            edit(s, "voicegenie/start.422.json", |v| {
                v["properties"]["details"]
                    .as_object_mut()
                    .expect("details")
                    .remove("additionalProperties");
            })
        },
        forward: &[(
            "BREAKING",
            "voicegenie/start.422.json",
            "$.details",
            "additional properties now allowed (was additionalProperties: false)",
        )],
        reverse: &[(
            "ADDITIVE",
            "voicegenie/start.422.json",
            "$.details",
            "additional properties no longer allowed",
        )],
    },
    Case {
        name: "format removed",
        mutate: |s| {
            edit(s, VOICE_START, |v| {
                v["properties"]["updatedAt"]
                    .as_object_mut()
                    .expect("updatedAt")
                    .remove("format");
            })
        },
        forward: &[(
            "BREAKING",
            VOICE_START,
            "$.updatedAt",
            "format removed (was date-time)",
        )],
        reverse: &[(
            "ADDITIVE",
            VOICE_START,
            "$.updatedAt",
            "format added: date-time",
        )],
    },
    Case {
        name: "array items widened",
        mutate: |s| {
            edit(s, "voicegenie/start.422.json", |v| {
                v["properties"]["details"]["properties"]["missing"]["items"]["type"] =
                    json!(["string", "integer"]);
            })
        },
        forward: &[(
            "BREAKING",
            "voicegenie/start.422.json",
            "$.details.missing[*]",
            "type widened: string → string or integer",
        )],
        reverse: &[(
            "ADDITIVE",
            "voicegenie/start.422.json",
            "$.details.missing[*]",
            "type narrowed: string or integer → string",
        )],
    },
    Case {
        name: "status removed",
        mutate: |s| std::fs::remove_file(s.join("voicegenie/start.422.json")).expect("remove"),
        forward: &[(
            "BREAKING",
            "voicegenie/start.422.json",
            "$",
            "status removed",
        )],
        reverse: &[("ADDITIVE", "voicegenie/start.422.json", "$", "new status")],
    },
    Case {
        name: "new status",
        mutate: |s| {
            std::fs::copy(s.join("kore/error.404.json"), s.join("kore/error.409.json"))
                .expect("copy");
        },
        forward: &[("ADDITIVE", "kore/error.409.json", "$", "new status")],
        reverse: &[("BREAKING", "kore/error.409.json", "$", "status removed")],
    },
    Case {
        name: "moved behind a $ref, nothing else",
        mutate: status_data_behind_ref,
        forward: &[],
        reverse: &[],
    },
    Case {
        name: "enum widened behind a $ref",
        mutate: |s| {
            status_data_behind_ref(s);
            edit(s, "kore/status.200.json", |v| {
                v["$defs"]["campaign"]["properties"]["status"]["enum"]
                    .as_array_mut()
                    .expect("enum")
                    .push(json!("Queued"));
            })
        },
        forward: &[(
            "BREAKING",
            "kore/status.200.json",
            "$.data.status",
            "enum value added: \"Queued\"",
        )],
        reverse: &[(
            "ADDITIVE",
            "kore/status.200.json",
            "$.data.status",
            "enum value removed: \"Queued\"",
        )],
    },
    Case {
        name: "wording only",
        mutate: |s| {
            edit(s, "voicegenie/start.200.json", |v| {
                v["title"] = json!("Reworded");
                v["$id"] = json!("https://campaign-harness.local/schemas/elsewhere.json");
                v["properties"]["data"]["description"] = json!("Reworded.");
                v["properties"]["message"]["examples"] = json!(["Campaign started"]);
            })
        },
        forward: &[],
        reverse: &[],
    },
    Case {
        name: "lifecycle: an outcome allowed",
        mutate: |s| {
            edit_rules(s, KORE_RULES, |r| {
                rule(r, "Active", "stop")["outcomes"]
                    .as_array_mut()
                    .expect("outcomes")
                    .push(an_outcome(400, "kore/error.400.json", "Active"));
            })
        },
        forward: &[(
            "BREAKING",
            KORE_RULES,
            "[Active, stop]",
            "status 400 now allowed",
        )],
        reverse: &[(
            "ADDITIVE",
            KORE_RULES,
            "[Active, stop]",
            "status 400 no longer allowed",
        )],
    },
    Case {
        name: "lifecycle: a state added with its rules",
        mutate: |s| {
            edit_rules(s, KORE_RULES, |r| {
                let mut completed = toml::Table::new();
                completed.insert("reads".into(), "Completed".into());
                r["states"]
                    .as_table_mut()
                    .expect("[states]")
                    .insert("Completed".into(), completed.into());
                r["entry"]
                    .as_array_mut()
                    .expect("entry")
                    .push("Completed".into());
                for action in ["start", "stop"] {
                    let answer = an_outcome(400, "kore/error.400.json", "Completed");
                    add_rule(r, "Completed", action, answer);
                }
                let read = an_outcome(200, "kore/status.200.json", "Completed");
                add_rule(r, "Completed", "status", read);
            })
        },
        forward: &[(
            "BREAKING",
            KORE_RULES,
            "state Completed",
            "state added (reads \"Completed\")",
        )],
        reverse: &[(
            "ADDITIVE",
            KORE_RULES,
            "state Completed",
            "state removed (reads \"Completed\")",
        )],
    },
    Case {
        name: "lifecycle: what a state reads",
        mutate: |s| {
            edit_rules(s, KORE_RULES, |r| {
                state(r, "Ready")["reads"] = "Scheduled".into();
            })
        },
        forward: &[(
            "BREAKING",
            KORE_RULES,
            "state Ready",
            "state reads \"Ready\" → \"Scheduled\"",
        )],
        reverse: &[(
            "BREAKING",
            KORE_RULES,
            "state Ready",
            "state reads \"Scheduled\" → \"Ready\"",
        )],
    },
    Case {
        name: "lifecycle: the state after an outcome",
        mutate: |s| {
            edit_rules(s, VOICEGENIE_RULES, |r| {
                outcome(r, "running", "pause", 200)["next"] = "scheduled".into();
            })
        },
        forward: &[(
            "BREAKING",
            VOICEGENIE_RULES,
            "[running, pause]",
            "status 200: next state paused → scheduled",
        )],
        reverse: &[(
            "BREAKING",
            VOICEGENIE_RULES,
            "[running, pause]",
            "status 200: next state scheduled → paused",
        )],
    },
    Case {
        name: "lifecycle: the schema of an outcome",
        mutate: |s| {
            edit_rules(s, KORE_RULES, |r| {
                outcome(r, "Ready", "stop", 400)["schema"] = "kore/error.404.json".into();
            })
        },
        forward: &[(
            "BREAKING",
            KORE_RULES,
            "[Ready, stop]",
            "status 400: schema \"kore/error.400.json\" → \"kore/error.404.json\"",
        )],
        reverse: &[(
            "BREAKING",
            KORE_RULES,
            "[Ready, stop]",
            "status 400: schema \"kore/error.404.json\" → \"kore/error.400.json\"",
        )],
    },
    Case {
        name: "lifecycle: a settling value removed",
        mutate: |s| {
            edit_rules(s, KORE_RULES, |r| {
                state(r, "Active")
                    .remove("settling")
                    .expect("Active settles");
            })
        },
        forward: &[(
            "ADDITIVE",
            KORE_RULES,
            "state Active",
            "settling value removed: \"Preparing\"",
        )],
        reverse: &[(
            "BREAKING",
            KORE_RULES,
            "state Active",
            "settling value added: \"Preparing\"",
        )],
    },
    Case {
        name: "lifecycle: the status pointer",
        mutate: |s| {
            edit_rules(s, VOICEGENIE_RULES, |r| {
                r["status_pointer"] = "/data/status".into();
            })
        },
        forward: &[(
            "BREAKING",
            VOICEGENIE_RULES,
            "status_pointer",
            "status_pointer \"/data/campaign_status\" → \"/data/status\"",
        )],
        reverse: &[(
            "BREAKING",
            VOICEGENIE_RULES,
            "status_pointer",
            "status_pointer \"/data/status\" → \"/data/campaign_status\"",
        )],
    },
    Case {
        // The mutated side would not load today (no such operation): compared all the same.
        name: "lifecycle: a rule for an action the operation table lacks",
        mutate: |s| {
            edit_rules(s, VOICEGENIE_RULES, |r| {
                let answer = an_outcome(200, "voicegenie/start.200.json", "running");
                add_rule(r, "paused", "resume", answer);
            })
        },
        forward: &[("ADDITIVE", VOICEGENIE_RULES, "[paused, resume]", "new rule")],
        reverse: &[(
            "BREAKING",
            VOICEGENIE_RULES,
            "[paused, resume]",
            "rule removed",
        )],
    },
    Case {
        name: "lifecycle removed",
        mutate: |s| std::fs::remove_file(s.join(VOICEGENIE_RULES)).expect("remove"),
        forward: &[("BREAKING", VOICEGENIE_RULES, "$", "lifecycle removed")],
        reverse: &[("ADDITIVE", VOICEGENIE_RULES, "$", "new lifecycle")],
    },
    Case {
        name: "lifecycle: source, note, entry, dialing, outcome order and comments",
        mutate: |s| {
            edit_rules(s, KORE_RULES, |r| {
                let start = rule(r, "Stopped", "start");
                start["source"] = "documented".into();
                start["note"] = "reworded".into();
                start["outcomes"]
                    .as_array_mut()
                    .expect("outcomes")
                    .reverse();
                state(r, "Active")["dialing"] = false.into();
                r["entry"]
                    .as_array_mut()
                    .expect("entry")
                    .push("Stopped".into());
            })
        },
        forward: &[],
        reverse: &[],
    },
    Case {
        name: "a new error status allowed by a rule: schema and lifecycle rows, sorted by file",
        mutate: |s| {
            std::fs::copy(s.join("kore/error.400.json"), s.join("kore/error.409.json"))
                .expect("copy");
            edit_rules(s, KORE_RULES, |r| {
                rule(r, "Active", "start")["outcomes"]
                    .as_array_mut()
                    .expect("outcomes")
                    .push(an_outcome(409, "kore/error.409.json", "Active"));
            })
        },
        forward: &[
            ("ADDITIVE", "kore/error.409.json", "$", "new status"),
            (
                "BREAKING",
                KORE_RULES,
                "[Active, start]",
                "status 409 now allowed",
            ),
        ],
        reverse: &[
            ("BREAKING", "kore/error.409.json", "$", "status removed"),
            (
                "ADDITIVE",
                KORE_RULES,
                "[Active, start]",
                "status 409 no longer allowed",
            ),
        ],
    },
    Case {
        name: "samples, TOML other than lifecycle rules and READMEs are not compared",
        mutate: |s| {
            std::fs::write(s.join("samples/kore/new.200.json"), "not JSON").expect("write");
            std::fs::write(s.join("samples/kore/lifecycle.toml"), "not [TOML").expect("write");
            std::fs::write(s.join("kore/notes.toml"), "x = 1\n").expect("write");
            std::fs::write(s.join("README.md"), "# changed\n").expect("write");
        },
        forward: &[],
        reverse: &[],
    },
    Case {
        name: "several files, sorted by file then path",
        mutate: |s| {
            std::fs::remove_file(s.join("voicegenie/start.422.json")).expect("remove");
            edit(s, VOICE_START, |v| {
                v["properties"]["queuedAt"] = json!({"type": "string"});
                remove_required(v, "message");
            });
            edit(s, "kore/status.200.json", |v| {
                v["then"]["properties"]["data"]["properties"]["status"]["enum"]
                    .as_array_mut()
                    .expect("enum")
                    .retain(|x| x != "Rescheduled");
            });
        },
        forward: &[
            (
                "ADDITIVE",
                "kore/status.200.json",
                "$.data.status",
                "enum value removed: \"Rescheduled\"",
            ),
            (
                "BREAKING",
                VOICE_START,
                "$.message",
                "property made optional",
            ),
            (
                "ADDITIVE",
                VOICE_START,
                "$.queuedAt",
                "new optional property",
            ),
            (
                "BREAKING",
                "voicegenie/start.422.json",
                "$",
                "status removed",
            ),
        ],
        reverse: &[
            (
                "BREAKING",
                "kore/status.200.json",
                "$.data.status",
                "enum value added: \"Rescheduled\"",
            ),
            (
                "ADDITIVE",
                VOICE_START,
                "$.message",
                "property made required",
            ),
            ("BREAKING", VOICE_START, "$.queuedAt", "property removed"),
            ("ADDITIVE", "voicegenie/start.422.json", "$", "new status"),
        ],
    },
];

#[test]
fn each_change_is_classed_for_a_reader_both_ways() {
    for case in CASES {
        // Arrange: the real schemas committed, then the case's change in the work tree.
        let scratch = Scratch::new();
        let original = scratch.commit("original schemas");
        (case.mutate)(&scratch.schemas());

        // Act / Assert: forward.
        let forward = scratch.diff(&original);
        assert_run(
            &forward,
            &original,
            case.forward,
            &format!("{}, forward", case.name),
        );

        // Arrange: the change committed, the original back in the work tree.
        let mutated = scratch.commit(case.name);
        scratch.restore_original();

        // Act / Assert: reverse.
        let reverse = scratch.diff(&mutated);
        assert_run(
            &reverse,
            &mutated,
            case.reverse,
            &format!("{}, reverse", case.name),
        );
    }
}

#[test]
fn the_forward_line_reads_as_documented() {
    let scratch = Scratch::new();
    let base = scratch.commit("original schemas");
    edit(&scratch.schemas(), VOICE_START, |v| {
        remove_property(v, "totalCallsCompleted");
        remove_required(v, "totalCallsCompleted");
    });

    let run = scratch.diff(&base);

    assert_eq!(
        run.stdout,
        format!(
            "BREAKING  kore/voice-start.200.json  $.totalCallsCompleted  property removed\n\
             1 breaking, 0 additive (base {base})\n"
        )
    );
    assert_eq!(run.code, Some(1));
}

#[test]
fn every_format_carries_the_same_change_and_exit() {
    let scratch = Scratch::new();
    let base = scratch.commit("original schemas");
    edit(&scratch.schemas(), VOICE_START, |v| {
        remove_property(v, "totalCallsCompleted");
        remove_required(v, "totalCallsCompleted");
    });

    let github = scratch.diff_as(&base, "github");
    let json = scratch.diff_as(&base, "json");
    let markdown = scratch.diff_as(&base, "markdown");

    for run in [&github, &json, &markdown] {
        assert_eq!(run.code, Some(1), "{run:?}");
    }
    let first = github.stdout.lines().next().expect("an annotation");
    assert!(
        first.starts_with(&format!(
            "::error file={},line=",
            scratch.schemas().join(VOICE_START).display()
        )),
        "{first}"
    );
    assert!(
        first.ends_with(&format!(
            "::$.totalCallsCompleted: property removed (since {base})"
        )),
        "{first}"
    );
    assert!(
        github
            .stdout
            .ends_with(&format!("1 breaking, 0 additive (base {base})\n"))
    );
    let doc: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["breaking"], 1);
    assert_eq!(doc["changes"][0]["class"], "breaking");
    assert_eq!(doc["changes"][0]["path"], "$.totalCallsCompleted");
    assert!(
        markdown
            .stdout
            .contains("| BREAKING | `kore/voice-start.200.json` | `$.totalCallsCompleted` | property removed |"),
        "{}",
        markdown.stdout
    );
}

#[test]
fn no_change_exits_zero_and_says_so() {
    let scratch = Scratch::new();
    scratch.commit("original schemas");

    let run = scratch.diff("HEAD");

    assert_eq!(run.stdout, "no schema changes since HEAD\n");
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn an_unknown_revision_cannot_be_compared() {
    let scratch = Scratch::new();
    scratch.commit("original schemas");

    let run = scratch.diff("no-such-rev");

    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr
            .starts_with("campaign-contract: could not run: unknown revision \"no-such-rev\""),
        "{run:?}"
    );
}

#[test]
fn a_folder_outside_git_cannot_be_compared() {
    let scratch = Scratch::new();

    let out = Command::new(BIN)
        .args(["diff-schemas", "--base", "HEAD", "--schemas"])
        .arg(scratch.root.join("pristine"))
        .env("GIT_CEILING_DIRECTORIES", &scratch.root)
        .env_remove("GIT_DIR")
        .output()
        .expect("the binary runs");

    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not in a git work tree"), "{stderr}");
}

#[test]
fn lifecycle_rules_that_do_not_parse_name_the_file_and_where_they_were_read() {
    let scratch = Scratch::new();
    let good = scratch.commit("original schemas");
    std::fs::write(scratch.schemas().join(KORE_RULES), "[states.Ready\n").expect("write");

    // In the work tree.
    let run = scratch.diff(&good);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr
            .contains("kore/lifecycle.toml (working tree): lifecycle rules do not parse"),
        "{run:?}"
    );

    // At the base revision: an outcome without its next state.
    scratch.restore_original();
    edit_rules(&scratch.schemas(), VOICEGENIE_RULES, |r| {
        outcome(r, "draft", "start", 422)
            .remove("next")
            .expect("a next state");
    });
    let bad = scratch.commit("broken rules");
    scratch.restore_original();
    let run = scratch.diff(&bad);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "schemas/voicegenie/lifecycle.toml (base {bad}): lifecycle rules do not parse"
        )),
        "{run:?}"
    );
    assert!(run.stderr.contains("next"), "{run:?}");
}

#[test]
fn invalid_json_names_the_file_and_where_it_was_read() {
    let scratch = Scratch::new();
    let good = scratch.commit("original schemas");
    std::fs::write(scratch.schemas().join("kore/status.200.json"), "{").expect("write");

    // In the work tree.
    let run = scratch.diff(&good);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains("kore/status.200.json (working tree): not valid JSON"),
        "{run:?}"
    );

    // At the base revision.
    let bad = scratch.commit("broken schema");
    scratch.restore_original();
    let run = scratch.diff(&bad);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "schemas/kore/status.200.json (base {bad}): not valid JSON"
        )),
        "{run:?}"
    );
}
