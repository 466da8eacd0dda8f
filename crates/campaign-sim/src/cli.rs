//! The `campaign-sim` binary's options and run: the flags, the configuration they make, the
//! banner, and serving until Ctrl-C or SIGTERM.
//!
//! In the library, not in `main.rs`, so that the binary is a thin `parse, run, print the error`
//! and the flags are unit-tested here like any other code.

use crate::config::{ConfigFileError, DOC_SAMPLE_VOICEGENIE_ID, Limits, LimitsError, SimConfig};
use crate::faults::{FaultKind, Faults, FaultsError, Latency, Window};
use crate::impersonate::{Impersonation, ProfileError};
use crate::tls::{SimTls, TlsFileError};
use campaign_api::{SchemaSource, parse_duration};
use clap::Parser;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `--help`'s closing words: examples and exit codes.
const AFTER_HELP: &str = "\
Examples:
  campaign-sim --addr 127.0.0.1:8080                      the demo campaigns, no faults
  campaign-sim --campaigns sim.toml --window '10s..: error_rate_503=0.5'
                                                          503 on half the requests from 10 s on

Exit codes:
  0    stopped by Ctrl-C or SIGTERM
  2    it could not start: a bad flag or campaigns file, rules that do not load, a taken port";

/// The reference simulator of the Kore.ai and VoiceGenie campaign APIs.
///
/// The options of the `campaign-sim` binary, run by [`run`].
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Campaigns file (TOML); replaces the demo campaigns.
    #[arg(long, value_name = "FILE")]
    campaigns: Option<PathBuf>,
    /// Follow the lifecycle rules in DIR/{kore,voicegenie}/lifecycle.toml instead of the
    /// compiled-in copies of schemas/ (edit the rules without rebuilding). Default:
    /// CAMPAIGN_SCHEMAS_DIR if set, else the compiled-in copies.
    #[arg(long, value_name = "DIR")]
    lifecycle_dir: Option<PathBuf>,
    /// Play back a host's recorded answers where the docs are silent (a file written by
    /// `campaign-contract check --record`, one per vendor; repeatable).
    #[arg(long, value_name = "FILE")]
    host_profile: Vec<PathBuf>,
    /// Ids with this prefix exist on first use; "" turns auto-provisioning off.
    #[arg(long, value_name = "PREFIX")]
    auto_prefix: Option<String>,
    /// Seed for fault injection (same seed, same faults).
    #[arg(long)]
    seed: Option<u64>,
    /// Added latency: "fixed 20ms", "uniform 10ms..50ms", "lognormal p50=40ms p99=250ms".
    #[arg(long)]
    latency: Option<Latency>,
    /// Fraction of requests answered 429 (with Retry-After).
    #[arg(long, value_name = "RATE")]
    rate_429: Option<f64>,
    /// Fraction of requests answered 500.
    #[arg(long, value_name = "RATE")]
    rate_500: Option<f64>,
    /// Fraction of requests answered 503.
    #[arg(long, value_name = "RATE")]
    rate_503: Option<f64>,
    /// Fraction of answers whose JSON is cut in half.
    #[arg(long, value_name = "RATE")]
    rate_malformed: Option<f64>,
    /// Fraction of answers labelled text/html.
    #[arg(long, value_name = "RATE")]
    rate_wrong_content_type: Option<f64>,
    /// Fraction of connections dropped without an answer.
    #[arg(long, value_name = "RATE")]
    rate_drop: Option<f64>,
    /// Retry-After sent with injected 429s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    retry_after: Option<std::time::Duration>,
    /// A window on the simulator's clock that changes the faults while it lasts, added after
    /// the campaigns file's schedule (repeatable): "3s..4s: latency=fixed 1s",
    /// "10s..: error_rate_503=0.5". Keys as in the campaigns file's [faults] table.
    #[arg(long = "window", value_name = "FROM..[UNTIL]: KEY=VALUE, …")]
    windows: Vec<Window>,
    /// Verify Kore.ai JWTs against this client id (needs the client secret in env).
    #[arg(long, requires = "kore_client_secret")]
    kore_client_id: Option<String>,
    /// Client secret Kore.ai JWTs must be signed with.
    #[arg(
        long,
        env = "CAMPAIGN_SIM_KORE_CLIENT_SECRET",
        hide_env_values = true,
        requires = "kore_client_id",
        value_parser = secret
    )]
    kore_client_secret: Option<SecretString>,
    /// A request head must arrive within this (from the accept, or a later request's first
    /// byte), and its body within as long again; past it the connection is closed.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true, default_value = "10s")]
    header_timeout: std::time::Duration,
    /// A kept-alive connection with no request in progress is closed after this.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true, default_value = "60s")]
    idle_timeout: std::time::Duration,
    /// Connections served at once; one beyond takes the place of the longest-silent one, else
    /// is closed at once, unanswered, and counted.
    #[arg(long, value_name = "N", default_value_t = 512)]
    max_connections: usize,
    /// Longest campaign id taken, in bytes; a longer one is refused with 400.
    #[arg(long, value_name = "BYTES", default_value_t = 128)]
    max_id_bytes: usize,
    /// Most campaigns held; a start that would auto-provision one more answers 503.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_campaigns: usize,
    /// Worker threads serving requests (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Comma-separated VoiceGenie API keys (or session tokens) accepted; any value when unset.
    #[arg(
        long,
        env = "CAMPAIGN_SIM_VOICEGENIE_KEYS",
        hide_env_values = true,
        value_delimiter = ',',
        value_parser = trimmed_secret
    )]
    voicegenie_keys: Vec<SecretString>,
    /// Serve HTTPS with this certificate chain (PEM, end entity first; needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// A secret flag value goes straight into a `SecretString`, so `Args`' `Debug` cannot show it.
/// Taken as given: a client secret is compared byte for byte with what signs the JWT.
fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

/// As [`secret`], trimmed: API keys arrive from env lists (`a, b`) with spaces around them.
fn trimmed_secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value.trim()))
}

/// Why the simulator did not start; each names the flag or file to fix.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// `--lifecycle-dir` or `CAMPAIGN_SCHEMAS_DIR` names a folder that cannot be used.
    #[error(transparent)]
    Schemas(#[from] campaign_api::SchemaSourceError),
    /// `--lifecycle-dir` rules that do not load.
    #[error("{0}")]
    Lifecycles(ConfigFileError),
    /// A `--campaigns` file that does not load.
    #[error("{0}")]
    Campaigns(ConfigFileError),
    /// A `--host-profile` file that does not load, or does not exist.
    #[error("--host-profile {path}: {reason}", path = path.display())]
    HostProfile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--host-profile` file whose rules the lifecycles do not have.
    #[error("--host-profile {path}: {source}", path = path.display())]
    Profile {
        /// The file.
        path: PathBuf,
        /// The rule at fault.
        source: ProfileError,
    },
    /// Fault flags (`--rate-*`, `--latency`, `--window`) that do not add up.
    #[error("faults: {0}")]
    Faults(#[from] FaultsError),
    /// Limits (`--max-*`, `--*-timeout`) no server could run with.
    #[error(transparent)]
    Limits(#[from] LimitsError),
    /// A `--tls-cert` or `--tls-key` file that cannot be served with.
    #[error(transparent)]
    Tls(#[from] TlsFileError),
    /// The async runtime did not start (`--threads`).
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// The address did not bind (`--addr`).
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl Cli {
    /// The configuration these flags make (files read, everything checked), with the process's
    /// `CAMPAIGN_SCHEMAS_DIR` below `--lifecycle-dir`.
    pub fn config(self) -> Result<SimConfig, CliError> {
        self.config_with(|k| std::env::var(k).ok()).map(|(c, _)| c)
    }

    /// As [`Cli::config`], reading variables through `lookup`; also says where the lifecycle
    /// rules come from (for the banner).
    pub fn config_with(
        self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(SimConfig, SchemaSource), CliError> {
        let args = self;
        let mut config = SimConfig::default();
        let schemas =
            SchemaSource::resolve(args.lifecycle_dir.as_deref(), "--lifecycle-dir", lookup)?;
        if schemas != SchemaSource::Embedded {
            config
                .follow_schemas(&schemas)
                .map_err(CliError::Lifecycles)?;
        }
        if let Some(path) = &args.campaigns {
            config.load_campaigns(path).map_err(CliError::Campaigns)?;
        }
        let mut records = Vec::new();
        for path in &args.host_profile {
            let profile_error = |reason: String| CliError::HostProfile {
                path: path.clone(),
                reason,
            };
            let record = campaign_api::HostRecord::load(path)
                .map_err(|e| profile_error(e.to_string()))?
                .ok_or_else(|| profile_error("no such file".into()))?;
            Impersonation::new(vec![record.clone()])
                .check(&config.lifecycles)
                .map_err(|source| CliError::Profile {
                    path: path.clone(),
                    source,
                })?;
            records.push(record);
        }
        config.impersonate = Impersonation::new(records);
        if let Some(prefix) = args.auto_prefix {
            config.auto_provision_prefix = Some(prefix).filter(|p| !p.is_empty());
        }
        if let Some(seed) = args.seed {
            config.seed = seed;
        }
        let f: &mut Faults = &mut config.faults;
        if let Some(l) = args.latency {
            f.latency = l;
        }
        let rates = [
            (FaultKind::Status429, args.rate_429),
            (FaultKind::Status500, args.rate_500),
            (FaultKind::Status503, args.rate_503),
            (FaultKind::Malformed, args.rate_malformed),
            (FaultKind::WrongContentType, args.rate_wrong_content_type),
            (FaultKind::Drop, args.rate_drop),
        ];
        for (kind, value) in rates {
            if let Some(v) = value {
                f.rates[kind] = v;
            }
        }
        if let Some(r) = args.retry_after {
            f.retry_after_secs = r.as_secs().max(1);
        }
        f.schedule.extend(args.windows);
        f.validate()?;
        config.limits = Limits {
            header_timeout: args.header_timeout,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections,
            eviction_grace: None,
            max_id_bytes: args.max_id_bytes,
            max_campaigns: args.max_campaigns,
        };
        config.limits.check(&config.campaigns)?;
        if let (Some(id), Some(secret)) = (args.kore_client_id, args.kore_client_secret) {
            config.auth.kore_client = Some((id, secret));
        }
        config.auth.voicegenie_keys = args
            .voicegenie_keys
            .into_iter()
            .filter(|k| !k.expose_secret().is_empty())
            .collect();
        if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
            config.tls = Some(SimTls::from_pem_files(cert, key)?);
        }
        Ok((config, schemas))
    }
}

/// Serves as `cli` says until Ctrl-C or SIGTERM: builds the runtime (`--threads`), reads the
/// configuration, binds, prints where it listens and a few curl lines to try, then stops cleanly.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cli.threads {
        builder.worker_threads(n.max(1));
    }
    let runtime = builder.enable_all().build().map_err(CliError::Runtime)?;
    runtime.block_on(serve(cli))
}

async fn serve(cli: Cli) -> Result<(), CliError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let addr = cli.addr;
    let tls_cert = cli.tls_cert.clone();
    let (config, schemas) = cli.config_with(|k| std::env::var(k).ok())?;
    let faults = config.faults.clone();
    let sim = crate::bind(config, addr)
        .await
        .map_err(|source| CliError::Listen { addr, source })?;
    let base = sim.base_url();
    println!("campaign-sim listening on {base}");
    if let Some(cert) = &tls_cert {
        println!(
            "  TLS with {c}: clients must trust it (curl --cacert {c}; campaign-load --ca-file {c})",
            c = cert.display()
        );
    }
    println!(
        "  pid {}; faults {}; Ctrl-C stops it",
        std::process::id(),
        if faults.is_off() { "off" } else { "ON" }
    );
    for (i, w) in faults.schedule.iter().enumerate() {
        println!("  window {i}: {w}");
    }
    println!("  lifecycle rules: {schemas}");
    println!("  faults: GET/PUT {base}/__sim/faults; clock: GET/PUT {base}/__sim/clock");
    println!("try (rendered from campaign-api's operation table):");
    for line in try_lines(&base) {
        println!("  {line}");
    }
    println!("  curl -s '{base}/__sim/counters'");
    shutdown_signal().await;
    sim.stop().await;
    println!("campaign-sim stopped");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Curl lines for a first look, rendered through campaign-api like every request the harness
/// sends: a Kore.ai voice start and a VoiceGenie start of the documented sample campaign.
fn try_lines(base: &str) -> Vec<String> {
    use campaign_api::{Credential, OperationId, Target, Vendor, parse_base_url};
    use secrecy::SecretString;
    let Ok(url) = parse_base_url("simulator", base) else {
        return Vec::new();
    };
    let kore = Target::new(
        Vendor::Kore,
        url.clone(),
        Credential::KoreJwt(SecretString::from("any-jwt")),
    )
    .with_kore_ids("acc-demo", "st-demo", None);
    let vg = Target::new(
        Vendor::VoiceGenie,
        url,
        Credential::ApiKey(SecretString::from("any-key")),
    );
    [
        OperationId::KoreVoiceStartV1.render(&kore, "demo-voice"),
        OperationId::VoiceGenieStart.render(&vg, DOC_SAMPLE_VOICEGENIE_ID),
    ]
    .into_iter()
    .filter_map(Result::ok)
    .map(|r| r.curl())
    .collect()
}

#[cfg(test)]
#[path = "../../../tests/fixtures/help.rs"]
mod help_check;

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_ends_with_examples_and_exit_codes() {
        use clap::CommandFactory;
        super::help_check::assert_every_help_ends_with_examples_and_exit_codes(Cli::command());
    }

    use super::*;

    #[test]
    fn try_lines_come_from_the_operation_table_and_show_no_credential() {
        let lines = try_lines("http://127.0.0.1:8080");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].contains("/campaign/api/v1/public/st-demo/campaign/demo-voice?campaignType=voice&trigger=play"),
            "{lines:?}"
        );
        assert!(lines[0].contains("-H 'auth: <auth>'"), "{lines:?}");
        assert!(lines[1].contains("/startCampaign/550e8400-"), "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| !l.contains("any-jwt") && !l.contains("any-key")),
            "{lines:?}"
        );
    }

    #[test]
    fn flags_keep_secrets_out_of_debug_and_windows_in_the_schedule() {
        // Arrange
        let argv = [
            "campaign-sim",
            "--kore-client-id",
            "cs-1",
            "--kore-client-secret",
            "flag-secret-3e9a",
            "--voicegenie-keys",
            "vg-key-a1, vg-key-b2",
            "--window",
            "3s..4s: latency=fixed 1s",
            "--window",
            "10s..: error_rate_503=0.5",
        ];

        // Act
        let args = Cli::try_parse_from(argv).expect("flags parse");
        let shown_args = format!("{args:?}");
        let config = args.config().expect("config");
        let shown_config = format!("{config:?}");

        // Assert
        for shown in [&shown_args, &shown_config] {
            for secret in ["flag-secret-3e9a", "vg-key-a1", "vg-key-b2"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
        assert_eq!(config.auth.voicegenie_keys.len(), 2);
        assert_eq!(
            config.auth.voicegenie_keys[1].expose_secret(),
            "vg-key-b2",
            "trimmed"
        );
        let windows: Vec<String> = config
            .faults
            .schedule
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert_eq!(
            windows,
            ["3s..4s: latency=fixed 1s", "10s..: error_rate_503=0.5"]
        );
    }

    fn limits_error(flags: &[&str]) -> String {
        let argv = std::iter::once("campaign-sim").chain(flags.iter().copied());
        let args = Cli::try_parse_from(argv).expect("parses");
        args.config().expect_err("refused").to_string()
    }

    #[test]
    fn limits_default_to_the_stated_defaults() {
        let defaults = Cli::try_parse_from(["campaign-sim"])
            .expect("parses")
            .config()
            .expect("ok");
        assert_eq!(defaults.limits, Limits::default());
    }

    #[test]
    fn limits_come_from_flags() {
        let args = Cli::try_parse_from([
            "campaign-sim",
            "--header-timeout",
            "300ms",
            "--idle-timeout",
            "2s",
            "--max-connections",
            "16",
            "--max-id-bytes",
            "64",
            "--max-campaigns",
            "10",
        ])
        .expect("parses");
        let limits = args.config().expect("ok").limits;
        assert_eq!(
            limits,
            Limits {
                header_timeout: std::time::Duration::from_millis(300),
                idle_timeout: std::time::Duration::from_secs(2),
                max_connections: 16,
                eviction_grace: None,
                max_id_bytes: 64,
                max_campaigns: 10,
            }
        );
    }

    #[test]
    fn a_zero_limit_is_refused_by_name() {
        let e = limits_error(&["--max-connections", "0"]);
        assert!(e.contains("max_connections must be above zero"), "{e}");
    }

    #[test]
    fn a_store_smaller_than_the_configured_campaigns_is_refused() {
        let e = limits_error(&["--max-campaigns", "3"]);
        assert!(
            e.contains("4 campaigns configured, over max_campaigns (3)"),
            "{e}"
        );
    }

    /// A self-signed pair written to a fresh directory: (dir, cert, key).
    fn tls_files() -> (PathBuf, PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("campaign-sim-tls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
            .expect("rcgen makes a certificate");
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, pair.cert.pem()).expect("write cert");
        std::fs::write(&key, pair.signing_key.serialize_pem()).expect("write key");
        (dir, cert, key)
    }

    fn tls_error(cert: &std::path::Path, key: &std::path::Path) -> String {
        let args = Cli::try_parse_from([
            std::ffi::OsStr::new("campaign-sim"),
            std::ffi::OsStr::new("--tls-cert"),
            cert.as_os_str(),
            std::ffi::OsStr::new("--tls-key"),
            key.as_os_str(),
        ])
        .expect("parses");
        args.config().expect_err("refused").to_string()
    }

    #[test]
    fn a_good_tls_pair_is_served() {
        let (_, cert, key) = tls_files();
        let args = Cli::try_parse_from([
            std::ffi::OsStr::new("campaign-sim"),
            std::ffi::OsStr::new("--tls-cert"),
            cert.as_os_str(),
            std::ffi::OsStr::new("--tls-key"),
            key.as_os_str(),
        ])
        .expect("parses");
        assert!(args.config().expect("a good pair").tls.is_some());
    }

    #[test]
    fn a_tls_cert_alone_is_refused_naming_the_key_flag() {
        let (_, cert, _) = tls_files();
        let e = Cli::try_parse_from([
            std::ffi::OsStr::new("campaign-sim"),
            std::ffi::OsStr::new("--tls-cert"),
            cert.as_os_str(),
        ])
        .expect_err("a cert alone is refused");
        assert!(e.to_string().contains("--tls-key"), "{e}");
    }

    #[test]
    fn a_tls_key_alone_is_refused_naming_the_cert_flag() {
        let (_, _, key) = tls_files();
        let e = Cli::try_parse_from([
            std::ffi::OsStr::new("campaign-sim"),
            std::ffi::OsStr::new("--tls-key"),
            key.as_os_str(),
        ])
        .expect_err("a key alone is refused");
        assert!(e.to_string().contains("--tls-cert"), "{e}");
    }

    #[test]
    fn a_missing_cert_file_is_named_by_its_flag() {
        let (dir, _, key) = tls_files();
        let missing = dir.join("missing.pem");
        let e = tls_error(&missing, &key);
        assert!(
            e.starts_with(&format!("--tls-cert {}:", missing.display())),
            "{e}"
        );
    }

    #[test]
    fn a_missing_key_file_is_named_by_its_flag() {
        let (dir, cert, _) = tls_files();
        let missing = dir.join("missing.pem");
        let e = tls_error(&cert, &missing);
        assert!(
            e.starts_with(&format!("--tls-key {}:", missing.display())),
            "{e}"
        );
    }

    #[test]
    fn a_directory_is_not_a_cert_file() {
        let (dir, _, key) = tls_files();
        let e = tls_error(&dir, &key);
        assert!(
            e.contains("--tls-cert") && e.contains("not a regular file"),
            "{e}"
        );
    }

    /// Swapped: the key file holds no certificate.
    #[test]
    fn a_key_file_given_as_the_cert_holds_no_certificate() {
        let (_, cert, key) = tls_files();
        let e = tls_error(&key, &cert);
        assert!(
            e.starts_with(&format!("--tls-cert {}:", key.display()))
                && e.contains("no PEM certificate"),
            "{e}"
        );
    }

    /// Swapped: the certificate file holds no key.
    #[test]
    fn a_cert_file_given_as_the_key_holds_no_key() {
        let (_, cert, _) = tls_files();
        let e = tls_error(&cert, &cert);
        assert!(
            e.starts_with(&format!("--tls-key {}:", cert.display()))
                && e.contains("no PEM private key"),
            "{e}"
        );
    }

    #[test]
    fn a_key_of_another_pair_does_not_match() {
        let (_, cert, _) = tls_files();
        let (_, _, other_key) = tls_files();
        let e = tls_error(&cert, &other_key);
        assert!(
            e.starts_with(&format!("--tls-key {}:", other_key.display()))
                && e.contains("does not match"),
            "{e}"
        );
    }

    #[test]
    fn a_window_with_an_unknown_key_is_refused_by_name() {
        let e = Cli::try_parse_from(["campaign-sim", "--window", "3s..4s: latncy=fixed 1s"])
            .expect_err("refused");
        assert!(e.to_string().contains("latncy"), "{e}");
    }

    #[test]
    fn a_window_that_ends_before_it_begins_is_refused_by_key() {
        let args = Cli::try_parse_from(["campaign-sim", "--window", "5s..4s: latency=fixed 1s"])
            .expect("parses");
        let e = args.config().expect_err("refused").to_string();
        assert!(e.contains("schedule[0].until"), "{e}");
    }

    #[test]
    fn lifecycle_rules_come_from_the_flag_then_the_variable_then_the_compiled_in_copy() {
        let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas");
        let var = |value: &'static str| {
            move |k: &str| (k == campaign_api::SCHEMAS_DIR_VAR).then(|| value.to_string())
        };
        let parse = |argv: &[&str]| Cli::try_parse_from(argv).expect("parses");

        let (_, source) = parse(&["campaign-sim", "--lifecycle-dir", schemas])
            .config_with(var("/nonexistent"))
            .expect("the flag wins; the variable is not looked at");
        assert_eq!(source.to_string(), format!("{schemas} (--lifecycle-dir)"));
        let (_, source) = parse(&["campaign-sim"])
            .config_with(var(schemas))
            .expect("the variable's folder");
        assert_eq!(source.folder(), Some(std::path::Path::new(schemas)));
        let (_, source) = parse(&["campaign-sim"])
            .config_with(|_| None)
            .expect("compiled in");
        assert_eq!(source, SchemaSource::Embedded);
        let e = parse(&["campaign-sim"])
            .config_with(var("/nonexistent"))
            .expect_err("a named folder that is not there")
            .to_string();
        assert!(
            e.starts_with("CAMPAIGN_SCHEMAS_DIR=/nonexistent: no such folder; "),
            "{e}"
        );
    }
}
