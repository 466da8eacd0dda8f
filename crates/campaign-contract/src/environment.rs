//! Which host each vendor is checked against: its sandbox when its `*_BASE_URL` is set, else the
//! embedded simulator.

use crate::retry::{CallPolicy, PolicyError};
use campaign_api::{
    CampaignId, Campaigns, ConfigError, HostChoice, HostKind, HostRecord, ObservedError,
    SchemaSource, SchemaSourceError, SimCredentials, Target, Vendor, VendorTarget,
};
use campaign_sim::{AuthConfig, RunningSim, SimConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where recorded host answers live, if not [`default_hosts_dir`].
pub const HOSTS_DIR_VAR: &str = "CAMPAIGN_CONTRACT_HOSTS_DIR";

/// Where recorded host answers live by default: `<folder>/hosts` when the schemas come from a
/// folder; with the schemas compiled in, `schemas/hosts` under the current directory. That is
/// where a checkout keeps its reviewed records (run from its root), and `--record` needs a
/// folder to write to, which a binary's embedded copy is not.
pub fn default_hosts_dir(schemas: &SchemaSource) -> PathBuf {
    match schemas.folder() {
        Some(dir) => dir.join("hosts"),
        None => Path::new("schemas").join("hosts"),
    }
}

/// The targets of a run, and the simulator if one was started.
#[derive(Debug)]
pub struct Environment {
    /// Per vendor, in [`Vendor::ALL`] order.
    pub targets: Vec<VendorTarget>,
    /// Retries and call budget (`CAMPAIGN_CONTRACT_MAX_CALLS`).
    pub policy: CallPolicy,
    /// Where each sandbox's recorded answers live (`CAMPAIGN_CONTRACT_HOSTS_DIR`, default
    /// [`default_hosts_dir`]): `check --record` writes there, and every run reads from there.
    pub hosts_dir: PathBuf,
    /// Per vendor, what its sandbox answered before (the *observed* grade), with the file it
    /// came from; a sandbox with no file yet has no entry.
    pub observed: BTreeMap<Vendor, (PathBuf, HostRecord)>,
    /// Where the journal of started campaigns is kept (`CAMPAIGN_HARNESS_JOURNAL_DIR`), shared
    /// with campaign-load: either tool cleans up after the other.
    pub journal_dir: PathBuf,
    /// How an https sandbox is trusted (`check --ca-file` / `--insecure`; the platform's roots
    /// by default), for every call of the suite and its cleanup.
    pub trust: campaign_api::Trust,
    sim: Option<RunningSim>,
}

impl Environment {
    /// Reads `KORE_*` and `VOICEGENIE_*`; vendors without a base URL use one embedded simulator,
    /// following the rules of `CAMPAIGN_SCHEMAS_DIR` or, unset, the schemas compiled in.
    pub async fn from_env() -> Result<Environment, EnvironmentError> {
        Environment::from_lookup(|k| std::env::var(k).ok()).await
    }

    /// As [`Environment::from_env`], with the simulator following the lifecycle rules of
    /// `schemas` (the source the suite checks against).
    pub async fn from_env_in(schemas: &SchemaSource) -> Result<Environment, EnvironmentError> {
        Environment::from_lookup_in(|k| std::env::var(k).ok(), schemas).await
    }

    /// As [`Environment::from_env`], reading variables (`CAMPAIGN_SCHEMAS_DIR` too) through
    /// `lookup`.
    pub async fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Environment, EnvironmentError> {
        let schemas = SchemaSource::resolve(None, "", &lookup)?;
        Environment::from_lookup_in(lookup, &schemas).await
    }

    /// As [`Environment::from_lookup`], with the simulator following `schemas`' rules.
    pub async fn from_lookup_in(
        lookup: impl Fn(&str) -> Option<String>,
        schemas: &SchemaSource,
    ) -> Result<Environment, EnvironmentError> {
        let policy = CallPolicy::from_lookup(&lookup)?;
        let mut found = Vec::new();
        for vendor in Vendor::ALL {
            found.push(HostChoice::from_lookup(vendor, &lookup)?);
        }
        let credentials = SimCredentials::default();
        let sim = if found.iter().any(HostChoice::needs_simulator) {
            Some(Environment::start_sim(&credentials, schemas).await?)
        } else {
            None
        };
        let sim_url = sim.as_ref().map(sim_url).transpose()?;
        let hosts_dir = match lookup(HOSTS_DIR_VAR).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => default_hosts_dir(schemas),
        };
        // A simulator runs whenever a vendor needs one, so every choice resolves.
        let targets = found
            .into_iter()
            .filter_map(|choice| choice.resolve(sim_url.as_ref(), &credentials))
            .map(with_sim_campaigns)
            .collect();
        let mut env = Environment {
            targets,
            policy,
            hosts_dir: hosts_dir.clone(),
            observed: BTreeMap::new(),
            journal_dir: match lookup(campaign_api::JOURNAL_DIR_VAR).filter(|v| !v.is_empty()) {
                Some(d) => PathBuf::from(d),
                None => campaign_api::journal_dir(),
            },
            trust: campaign_api::Trust::default(),
            sim,
        };
        env.load_observed(&hosts_dir)?;
        Ok(env)
    }

    /// Exactly these targets (no simulator), with the default policy and no recorded answers:
    /// for hosts a test builds.
    pub fn with_targets(targets: Vec<VendorTarget>) -> Environment {
        Environment {
            targets,
            policy: CallPolicy::default(),
            hosts_dir: default_hosts_dir(&SchemaSource::Embedded),
            observed: BTreeMap::new(),
            // A test's hosts are its own: their journal is the test process's, never the user's.
            journal_dir: std::env::temp_dir()
                .join(format!("campaign-harness-journal-{}", std::process::id())),
            trust: campaign_api::Trust::default(),
            sim: None,
        }
    }

    /// The file holding what `vt`'s host answered before: `<hosts_dir>/<vendor>-<host>.toml`.
    pub fn record_path(&self, vt: &VendorTarget) -> PathBuf {
        self.hosts_dir.join(HostRecord::file_name(
            vt.target.vendor.slug(),
            &vt.target.host_label(),
        ))
    }

    /// Reads every sandbox's recorded answers from `dir` (our own simulator has none: it plays
    /// our assumptions). A file that does not parse is an error naming it.
    pub fn load_observed(&mut self, dir: &Path) -> Result<(), EnvironmentError> {
        self.hosts_dir = dir.to_path_buf();
        self.observed.clear();
        for vt in &self.targets {
            if vt.kind != HostKind::Sandbox {
                continue;
            }
            let path = self.record_path(vt);
            if let Some(record) = HostRecord::load(&path)? {
                let host = vt.target.host_label();
                let wrong = if record.vendor != vt.target.vendor.slug() {
                    Some(format!(
                        "recorded for {}, read for {}",
                        record.vendor, vt.target.vendor
                    ))
                } else if record.host != host {
                    Some(format!(
                        "recorded for host {:?}, read for {host:?}",
                        record.host
                    ))
                } else {
                    None
                };
                if let Some(reason) = wrong {
                    return Err(EnvironmentError::Observed(ObservedError { path, reason }));
                }
                self.observed.insert(vt.target.vendor, (path, record));
            }
        }
        Ok(())
    }

    /// Both vendors on one simulator that checks credentials against the given secrets,
    /// following the rules of `CAMPAIGN_SCHEMAS_DIR` or, unset, the schemas compiled in.
    pub async fn simulator_with(
        kore_client_secret: &str,
        voicegenie_key: &str,
    ) -> Result<Environment, EnvironmentError> {
        let schemas = SchemaSource::from_env()?;
        Environment::simulator_in(&schemas, kore_client_secret, voicegenie_key).await
    }

    /// As [`Environment::simulator_with`], the simulator following `schemas`' lifecycle rules.
    pub async fn simulator_in(
        schemas: &SchemaSource,
        kore_client_secret: &str,
        voicegenie_key: &str,
    ) -> Result<Environment, EnvironmentError> {
        let credentials = SimCredentials::new(kore_client_secret, voicegenie_key);
        let sim = Environment::start_sim(&credentials, schemas).await?;
        let url = sim_url(&sim)?;
        let targets = Vendor::ALL
            .into_iter()
            .map(|v| {
                with_sim_campaigns(VendorTarget {
                    target: Target::for_simulator(v, url.clone(), &credentials),
                    kind: HostKind::Simulator,
                })
            })
            .collect();
        Ok(Environment {
            targets,
            policy: CallPolicy::default(),
            hosts_dir: default_hosts_dir(schemas),
            observed: BTreeMap::new(),
            journal_dir: campaign_api::journal_dir(),
            trust: campaign_api::Trust::default(),
            sim: Some(sim),
        })
    }

    async fn start_sim(
        credentials: &SimCredentials,
        schemas: &SchemaSource,
    ) -> Result<RunningSim, EnvironmentError> {
        let mut config = SimConfig {
            auth: AuthConfig {
                kore_client: Some((
                    credentials.kore_client_id.clone(),
                    credentials.kore_client_secret.clone(),
                )),
                voicegenie_keys: vec![credentials.voicegenie_key.clone()],
            },
            ..SimConfig::default()
        };
        // The simulator and the suite read the same rule files.
        config
            .follow_schemas(schemas)
            .map_err(|e| EnvironmentError::Simulator(e.to_string()))?;
        campaign_sim::start(config)
            .await
            .map_err(|e| EnvironmentError::Simulator(e.to_string()))
    }

    /// The simulator, if one runs.
    pub fn simulator(&self) -> Option<&RunningSim> {
        self.sim.as_ref()
    }

    /// Every secret value the targets hold, for scrubbing and leak checks (still secret).
    pub fn secret_values(&self) -> Vec<secrecy::SecretString> {
        self.targets
            .iter()
            .flat_map(|t| t.target.credential.secret_values())
            .collect()
    }

    /// Stops the simulator, if one runs.
    pub async fn shutdown(self) {
        if let Some(sim) = self.sim {
            sim.stop().await;
        }
    }
}

/// The simulator's base URL, checked as any other.
fn sim_url(sim: &RunningSim) -> Result<campaign_api::Url, EnvironmentError> {
    campaign_api::parse_base_url("simulator", &sim.base_url())
        .map_err(|e| EnvironmentError::Simulator(e.to_string()))
}

/// On the embedded simulator, the campaigns it seeds (a configured host keeps the ones named).
fn with_sim_campaigns(mut vt: VendorTarget) -> VendorTarget {
    if vt.kind == HostKind::Simulator {
        let id = |s: &str| CampaignId::new(s).ok();
        vt.target.campaigns = match vt.target.vendor {
            Vendor::Kore => Campaigns::one_each(id("demo-voice"), id("demo-sms")),
            Vendor::VoiceGenie => {
                Campaigns::one_each(id(campaign_sim::DOC_SAMPLE_VOICEGENIE_ID), None)
            }
        };
    }
    vt
}

/// Why the run could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// A vendor's variables are incomplete or wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The embedded simulator did not start.
    #[error("the embedded simulator did not start: {0}")]
    Simulator(String),
    /// A policy setting (`CAMPAIGN_CONTRACT_MAX_CALLS`) is not usable.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// `CAMPAIGN_SCHEMAS_DIR` names a folder that cannot be used.
    #[error(transparent)]
    Schemas(#[from] SchemaSourceError),
    /// A host's recorded answers (`schemas/hosts/*.toml`) do not read.
    #[error("recorded host answers: {0}")]
    Observed(#[from] ObservedError),
}
