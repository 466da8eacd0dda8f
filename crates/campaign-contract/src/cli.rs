//! The `campaign-contract` command line: its flags ([`Cli`]) and what each command does
//! ([`run_cli`]), so the binary is a parse and a call, and every command is reachable from a test
//! without a process.

use crate::environment::{Environment, HOSTS_DIR_VAR};
use crate::help;
use crate::leaks::{env_secret_values, scan_for_leaks};
use crate::observed::{self, Written};
use crate::openapi::{openapi_out_dir, write_openapi};
use crate::report::{Report, Verdict};
use crate::schema_diff::{
    ChangeClass, DiffFormat, diff_against_rev, render_changes_as, worst_change,
};
use crate::suite::{Recorded, run_suite};
use campaign_api::{SchemaSource, SchemaSourceError};
use campaign_schema::{Checker, SchemaRegistry};
use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Checks vendor campaign APIs against the committed contract in schemas/.
#[derive(Debug, Parser)]
#[command(version, about, after_help = help::MAIN)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk each vendor's lifecycle against its sandbox (from env) or the embedded simulator.
    #[command(after_help = help::CHECK)]
    Check {
        /// Also write the report as JSON to FILE (its schema: schemas/report/drift-report.json).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Also write the report as Markdown to FILE (for a CI job summary). With
        /// GITHUB_STEP_SUMMARY set (a GitHub Actions step), it is also appended there.
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,
        /// Also write the report as JUnit XML to FILE: one test case per lifecycle step, for a
        /// CI's test view.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Trust only the certificates in this PEM file for an https sandbox (a private CA or a
        /// self-signed test host), in place of the platform's roots.
        #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
        ca_file: Option<PathBuf>,
        /// Accept any certificate from an https sandbox: for a test host only; the run says so.
        #[arg(long)]
        insecure: bool,
        /// Fail on additive drift and on assumption findings too (same as
        /// CAMPAIGN_CONTRACT_STRICT=1).
        #[arg(long, env = "CAMPAIGN_CONTRACT_STRICT", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false")]
        strict: bool,
        /// Folder of the schemas (default: CAMPAIGN_SCHEMAS_DIR, else the schemas compiled into
        /// this binary; the run says which).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
        /// Write what each sandbox answered where the docs are silent to
        /// HOSTS/<vendor>-<host>.toml, for review; later runs hold the host to it (observed).
        #[arg(long)]
        record: bool,
        /// Folder of recorded host answers (default: CAMPAIGN_CONTRACT_HOSTS_DIR, else
        /// <schemas>/hosts for a schemas folder, else ./schemas/hosts).
        #[arg(long, value_name = "DIR")]
        hosts: Option<PathBuf>,
    },
    /// Fail if any file under the given paths holds a credential value from env (verbatim or
    /// encoded); the files are named, never the values.
    #[command(after_help = help::SCAN_SECRETS)]
    ScanSecrets {
        /// Files or folders to scan (snapshots/, reports, JUnit XML, …).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Compare schemas/ with a git revision, classing each change for a client reading responses.
    #[command(after_help = help::DIFF_SCHEMAS)]
    DiffSchemas {
        /// The revision to compare with (`origin/main`, `HEAD~1`, a tag or a commit).
        #[arg(long)]
        base: String,
        /// Folder of the schemas, in a git checkout (default: CAMPAIGN_SCHEMAS_DIR, else
        /// ./schemas; the compiled-in copy has no history to compare).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
        /// How the changes are printed: text, markdown (a table), json, or github (each breaking
        /// change an ::error annotation on its schema file and line, for GitHub Actions).
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Write one OpenAPI 3.1 document per vendor (kore.json, voicegenie.json), generated from
    /// the operation table, the schemas and the lifecycle rules.
    #[command(after_help = help::OPENAPI)]
    Openapi {
        /// Folder to write them to (default: <schemas>/openapi, the committed ones).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Folder of the schemas (default: CAMPAIGN_SCHEMAS_DIR, else ./schemas: the committed
        /// documents are regenerated in place, which the compiled-in copy cannot be).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
    /// Print a completion script for SHELL to stdout, from the same definitions as the parser
    /// (bash: `campaign-contract completions bash > ~/.local/share/bash-completion/completions/campaign-contract`).
    #[command(after_help = help::DOCS)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `campaign-contract man | man -l -`, or save it as
    /// campaign-contract.1 in a man folder. With --dir, write it and one page per subcommand
    /// (campaign-contract-check.1, …) there instead.
    #[command(after_help = help::DOCS)]
    Man {
        /// Write campaign-contract.1 and a page per subcommand to DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// A schemas folder for `diff-schemas` or `openapi`, which need a real one.
#[derive(Debug, thiserror::Error)]
enum FolderError {
    /// `--schemas` or `CAMPAIGN_SCHEMAS_DIR` names a folder that cannot be used.
    #[error(transparent)]
    Source(#[from] SchemaSourceError),
    /// Neither is set, and the current directory has no `schemas/`.
    #[error(
        "{command} needs a schemas folder ({why}): pass --schemas DIR, set CAMPAIGN_SCHEMAS_DIR, or run it from the workspace's root (there is no ./schemas here)"
    )]
    NoFolder {
        /// The command.
        command: &'static str,
        /// Why the compiled-in copy will not do.
        why: &'static str,
    },
}

/// The folder `diff-schemas` and `openapi` work on: `--schemas`, else `CAMPAIGN_SCHEMAS_DIR` (as
/// every command resolves them), else `schemas/` in the current directory. Never the copy
/// compiled into the binary: one compares a folder with git, the other writes into it.
fn schemas_folder(
    flag: Option<&Path>,
    command: &'static str,
    why: &'static str,
) -> Result<PathBuf, FolderError> {
    match SchemaSource::from_flag_and_env(flag, "--schemas")? {
        SchemaSource::Dir { path, .. } => Ok(path),
        SchemaSource::Embedded => {
            let here = PathBuf::from("schemas");
            if here.is_dir() {
                Ok(here)
            } else {
                Err(FolderError::NoFolder { command, why })
            }
        }
    }
}

/// `--record`: writes each sandbox's answers where the docs are silent, printing what changed.
/// Nothing is recorded from a run that proves nothing (a host unavailable). Returns the files
/// written, for the leak scan.
fn record_hosts(
    env: &Environment,
    exchanges: &[Recorded],
    report: &Report,
    failed: &mut Vec<String>,
) -> Vec<PathBuf> {
    if !report.unavailable.is_empty() {
        eprintln!("campaign-contract: --record: nothing recorded, the run did not reach a verdict");
        return Vec::new();
    }
    let mut secrets = env.secret_values();
    secrets.extend(env_secret_values());
    let recordings = observed::recordings(env, exchanges, &secrets);
    if recordings.is_empty() {
        eprintln!("campaign-contract: --record: no sandbox configured, nothing to record");
    }
    let mut written = Vec::new();
    for r in recordings {
        let path = r.path.display().to_string();
        let n = r.record.answers.len();
        match observed::write(&r, &secrets) {
            Ok(Written::Created) => {
                eprintln!(
                    "campaign-contract: recorded {n} answer(s) to {path} (new; review and commit it)"
                );
                written.push(r.path);
            }
            Ok(Written::Unchanged) => {
                eprintln!("campaign-contract: {path} unchanged ({n} answer(s))");
            }
            Ok(Written::Changed(diff)) => {
                eprintln!("campaign-contract: {path} changed; review the diff:\n{diff}");
                written.push(r.path);
            }
            Err(e) => failed.push(format!("recording {path}: {e}")),
        }
    }
    written
}

fn could_not_run(why: impl std::fmt::Display) -> ExitCode {
    eprintln!("campaign-contract: could not run: {why}");
    ExitCode::from(2)
}

/// Writes generated text (a completion script, a man page) to stdout in one go; a write that
/// fails (a closed pipe) is said, and ends in exit 2.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => could_not_run(format!("writing to stdout: {e}")),
    }
}

/// Runs one `campaign-contract` command, printing as the binary does, and returns its exit code.
///
/// Exit codes: 0 no breaking drift; 1 breaking drift (or, with `--strict`, additive drift or a
/// departure from our assumptions where the docs are silent); 2 the run proves nothing: bad
/// configuration, schemas or lifecycle rules that do not load, or a sandbox still unavailable
/// (5xx, 429, timeouts, resets) after retries within the call budget. `diff-schemas` alike: 1
/// when a schema change since `--base` would break a response reader.
///
/// Synchronous, on `runtime`: the commands' futures are polled here, so a release build compiles
/// them once, in this library, rather than again in the binary's crate.
pub fn run_cli(cli: Cli, runtime: &tokio::runtime::Runtime) -> ExitCode {
    runtime.block_on(dispatch(cli))
}

async fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check {
            json,
            markdown,
            junit,
            ca_file,
            insecure,
            strict,
            schemas,
            record,
            hosts,
        } => {
            let out = Outputs {
                json,
                markdown,
                junit,
                step_summary: std::env::var_os(STEP_SUMMARY_VAR)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from),
            };
            let trust = campaign_api::Trust { ca_file, insecure };
            check(out, trust, strict, schemas, record, hosts).await
        }
        Command::ScanSecrets { paths } => scan_secrets(&paths, &env_secret_values()),
        Command::DiffSchemas {
            base,
            schemas,
            format,
        } => {
            match schemas_folder(
                schemas.as_deref(),
                "diff-schemas",
                "the compiled-in copy has no git history",
            ) {
                Ok(dir) => diff_schemas(&dir, &base, format),
                Err(e) => could_not_run(e),
            }
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "campaign-contract", &mut out);
            write_stdout(&out)
        }
        Command::Man { dir: Some(dir) } => match std::fs::create_dir_all(&dir)
            .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
        {
            Ok(()) => {
                println!("man pages written to {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => could_not_run(format!("man --dir {}: {e}", dir.display())),
        },
        Command::Man { dir: None } => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => write_stdout(&out),
                Err(e) => could_not_run(format!("man: {e}")),
            }
        }
        Command::Openapi { out, schemas } => {
            let dir = match schemas_folder(
                schemas.as_deref(),
                "openapi",
                "it regenerates the committed documents in <schemas>/openapi",
            ) {
                Ok(dir) => dir,
                Err(e) => return could_not_run(e),
            };
            let out = out.unwrap_or_else(|| openapi_out_dir(&dir));
            match write_openapi(&out, &dir) {
                Ok(files) => {
                    for f in files {
                        println!("wrote {}", f.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => could_not_run(e),
            }
        }
    }
}

/// Prints the schema changes since `base`: exit 0 none breaking, 1 a change breaks a response
/// reader, 2 the comparison could not be made.
fn diff_schemas(dir: &Path, base: &str, format: DiffFormat) -> ExitCode {
    match diff_against_rev(dir, base) {
        Err(e) => could_not_run(e),
        Ok(changes) => {
            print!("{}", render_changes_as(&changes, base, format, dir));
            match worst_change(&changes) {
                Some(ChangeClass::Breaking) => ExitCode::from(1),
                Some(ChangeClass::Additive) | None => ExitCode::SUCCESS,
            }
        }
    }
}

/// Scans `paths` for `secrets`: exit 0 clean, 1 a file holds one, 2 a path could not be read.
fn scan_secrets(paths: &[PathBuf], secrets: &[secrecy::SecretString]) -> ExitCode {
    match scan_for_leaks(paths, secrets) {
        Ok(files) => {
            eprintln!(
                "campaign-contract: no credential value in {} file(s)",
                files.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("campaign-contract: {e}");
            ExitCode::from(if e.leaked.is_empty() { 2 } else { 1 })
        }
    }
}

/// Where GitHub Actions reads a step's Markdown summary from.
const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Where `check` also writes its report.
struct Outputs {
    json: Option<PathBuf>,
    markdown: Option<PathBuf>,
    junit: Option<PathBuf>,
    /// `$GITHUB_STEP_SUMMARY`: the Markdown is appended (other steps write there too).
    step_summary: Option<PathBuf>,
}

/// Appends `text` to the file at `path` (made if missing).
fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

async fn check(
    Outputs {
        json,
        markdown,
        junit,
        step_summary,
    }: Outputs,
    trust: campaign_api::Trust,
    strict: bool,
    schemas: Option<PathBuf>,
    record: bool,
    hosts: Option<PathBuf>,
) -> ExitCode {
    let source = match SchemaSource::from_flag_and_env(schemas.as_deref(), "--schemas") {
        Ok(s) => s,
        Err(e) => return could_not_run(e),
    };
    let registry = match SchemaRegistry::from_source(&source) {
        Ok(r) => r,
        Err(e) => return could_not_run(e),
    };
    eprintln!("schemas: {source}");
    // `--hosts` replaces CAMPAIGN_CONTRACT_HOSTS_DIR where the environment is read, so only
    // the folder asked for is ever loaded.
    let hosts = hosts.map(|h| h.display().to_string());
    let lookup = |k: &str| match (&hosts, k) {
        (Some(h), HOSTS_DIR_VAR) => Some(h.clone()),
        _ => std::env::var(k).ok(),
    };
    // Checked where it enters: a CA file that cannot be read is refused before anything is sent.
    if let Err(e) = trust.check() {
        return could_not_run(e);
    }
    let mut env = match Environment::from_lookup_in(lookup, &source).await {
        Ok(e) => e,
        Err(e) => return could_not_run(e),
    };
    if trust.insecure {
        eprintln!(
            "campaign-contract: --insecure: an https sandbox's certificate is NOT checked (a test host only)"
        );
    }
    env.trust = trust;
    for (vendor, (path, record)) in &env.observed {
        eprintln!(
            "{vendor}: holding the host to {} observed answer(s) from {}",
            record.answers.len(),
            path.display()
        );
    }
    for t in &env.targets {
        eprintln!("{t}");
    }
    let checker = Checker::new(registry).with_secrets(env.secret_values());
    let outcome = run_suite(&env, &checker, strict).await;
    let report = outcome.report;
    print!("{}", report.render());
    let mut written = Vec::new();
    let mut failed = Vec::new();
    if record {
        written.extend(record_hosts(&env, &outcome.exchanges, &report, &mut failed));
    }
    for (path, text) in [
        (&json, report.to_json()),
        (&markdown, report.to_markdown()),
        (&junit, report.to_junit()),
    ] {
        if let Some(path) = path {
            match std::fs::write(path, text) {
                Ok(()) => written.push(path.clone()),
                Err(e) => failed.push(format!("writing {}: {e}", path.display())),
            }
        }
    }
    // The job summary is scanned for credentials with the rest, and removed like them on a hit:
    // GitHub would publish it on the run's page.
    if let Some(path) = &step_summary {
        match append(path, &report.to_markdown()) {
            Ok(()) => written.push(path.clone()),
            Err(e) => failed.push(format!(
                "appending to {STEP_SUMMARY_VAR} {}: {e}",
                path.display()
            )),
        }
    }
    // Secrets as a gate: every artifact written is scanned for the credential values in use
    // (the signed JWTs of this run included). A hit fails the run, and the file is removed so a
    // CI step that uploads artifacts cannot publish it.
    let mut secrets = env.secret_values();
    secrets.extend(env_secret_values());
    let leaked = scan_for_leaks(&written, &secrets).err();
    env.shutdown().await;
    if let Some(e) = leaked {
        for path in &e.leaked {
            let _ = std::fs::remove_file(path);
        }
        eprintln!("campaign-contract: {e} (removed)");
        return ExitCode::from(1);
    }
    let verdict = report.verdict();
    if !failed.is_empty() {
        eprintln!("campaign-contract: {}", failed.join("; "));
        // Drift found is still drift: a file that could not be written does not hide it.
        return ExitCode::from(if verdict == Verdict::Drift {
            verdict.exit_code()
        } else {
            2
        });
    }
    if verdict == Verdict::Unavailable {
        eprintln!(
            "campaign-contract: sandbox unavailable (noise, not drift); the run proves nothing:"
        );
        for u in &report.unavailable {
            eprintln!("  {u}");
        }
    }
    ExitCode::from(verdict.exit_code())
}

#[cfg(test)]
#[path = "../../../tests/fixtures/help.rs"]
mod help_check;

#[cfg(test)]
mod help_tests {
    use super::*;
    use clap::CommandFactory;

    /// `--help` of the command and of every subcommand ends with its examples and its exit
    /// codes, so a user never has to read the source for what an outcome means.
    #[test]
    fn every_help_ends_with_examples_and_exit_codes() {
        super::help_check::assert_every_help_ends_with_examples_and_exit_codes(Cli::command());
    }
}
