//! `campaign-contract diff-schemas` against the workspace's real schemas: each case commits a copy
//! of `schemas/` in a scratch git repository, changes one thing, and reads what the binary prints
//! and answers; then the same case backwards (the changed tree committed, the original in the work
//! tree), where every class must mirror.

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
        let out = Command::new(BIN)
            .args(["diff-schemas", "--base", base, "--schemas"])
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

/// kore/status.200.json with `data` moved into `$defs` behind a `$ref`.
fn status_data_behind_ref(schemas: &Path) {
    edit(schemas, "kore/status.200.json", |s| {
        let data = s["properties"]["data"].take();
        s["$defs"] = json!({ "campaign": data });
        s["properties"]["data"] = json!({ "$ref": "#/$defs/campaign" });
    });
}

/// The change lines printed, as `(class, file, path, kind)`.
fn lines(stdout: &str) -> Vec<(String, String, String, String)> {
    let mut all: Vec<&str> = stdout.lines().collect();
    all.pop(); // the summary
    all.iter()
        .map(|l| {
            let mut words = l.split_whitespace();
            let mut next = || words.next().unwrap_or_default().to_string();
            let (class, file, path) = (next(), next(), next());
            let kind = words.collect::<Vec<_>>().join(" ");
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
                v["properties"]["data"]["properties"]["status"]["enum"]
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
        name: "samples, TOML and READMEs are not schemas",
        mutate: |s| {
            std::fs::write(s.join("samples/kore/new.200.json"), "not JSON").expect("write");
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
                v["properties"]["data"]["properties"]["status"]["enum"]
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
