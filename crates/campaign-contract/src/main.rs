//! `campaign-contract`: run the contract checks from a shell or a CI job.
//!
//! Exit codes: 0 no breaking drift; 1 breaking drift (or additive, with `--strict`); 2 the run
//! could not happen (bad configuration, schemas that do not load, a host that never answered).
//! `diff-schemas` alike: 1 when a schema change since `--base` would break a response reader.

use campaign_contract::{Checker, Class, Environment, SchemaRegistry, schema_diff, suite};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks vendor campaign APIs against the committed contract in schemas/.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk each vendor's lifecycle against its sandbox (from env) or the embedded simulator.
    Check {
        /// Also write the report as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Fail on additive drift too (same as CAMPAIGN_CONTRACT_STRICT=1).
        #[arg(long, env = "CAMPAIGN_CONTRACT_STRICT", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false")]
        strict: bool,
        /// Folder of the schemas (default: CAMPAIGN_SCHEMAS_DIR or the workspace's schemas/).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
    /// Compare schemas/ with a git revision, classing each change for a client reading responses.
    DiffSchemas {
        /// The revision to compare with (`origin/main`, `HEAD~1`, a tag or a commit).
        #[arg(long)]
        base: String,
        /// Folder of the schemas (default: CAMPAIGN_SCHEMAS_DIR or the workspace's schemas/).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
}

fn could_not_run(why: impl std::fmt::Display) -> ExitCode {
    eprintln!("campaign-contract: could not run: {why}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check {
            json,
            strict,
            schemas,
        } => check(json, strict, schemas).await,
        Command::DiffSchemas { base, schemas } => {
            let dir = schemas.unwrap_or_else(campaign_contract::registry::default_dir);
            schema_diff::run(&dir, &base).unwrap_or_else(could_not_run)
        }
    }
}

async fn check(json: Option<PathBuf>, strict: bool, schemas: Option<PathBuf>) -> ExitCode {
    let dir = schemas.unwrap_or_else(campaign_contract::registry::default_dir);
    let registry = match SchemaRegistry::load(&dir) {
        Ok(r) => r,
        Err(e) => return could_not_run(e),
    };
    let env = match Environment::from_env().await {
        Ok(e) => e,
        Err(e) => return could_not_run(e),
    };
    for t in &env.targets {
        eprintln!(
            "{}: {} at {}",
            t.target.vendor,
            t.kind.label(),
            t.target.host_label()
        );
    }
    let checker = Checker::new(registry).with_secrets(env.secret_values());
    let outcome = suite::run(&env, &checker, strict).await;
    let report = outcome.report;
    print!("{}", report.render());
    if let Some(path) = &json
        && let Err(e) = std::fs::write(path, report.to_json())
    {
        return could_not_run(format!("writing {}: {e}", path.display()));
    }
    env.shutdown().await;
    // A vendor none of whose calls got an answer was never checked: that is not a verdict.
    for t in &report.targets {
        let steps: Vec<_> = report
            .steps
            .iter()
            .filter(|s| s.vendor == t.vendor)
            .collect();
        if !steps.is_empty() && steps.iter().all(|s| s.status.is_none()) {
            let why = steps
                .iter()
                .flat_map(|s| s.findings.iter())
                .find(|f| f.class == Class::Unavailable)
                .map_or_else(|| "no answer".to_string(), |f| f.actual.clone());
            return could_not_run(format!("{} at {} never answered ({why})", t.vendor, t.host));
        }
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
