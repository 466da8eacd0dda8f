//! What a simulator run is configured with: campaigns, credentials it accepts, faults, seed.

use crate::faults::Faults;
use crate::state::{Campaign, Lifecycles};
use campaign_api::{CampaignId, Vendor};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The VoiceGenie campaign id used in the vendor's own curl sample (its page "Start Campaign").
pub const DOC_SAMPLE_VOICEGENIE_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

/// A VoiceGenie campaign the simulator keeps in its `draft` state (configuration missing): a start
/// answers 422.
pub const DRAFT_VOICEGENIE_ID: &str = "vg-missing-config";

/// A campaign the simulator starts with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSeed {
    /// `kore` or `voicegenie`.
    #[serde(deserialize_with = "de_vendor")]
    pub vendor: Vendor,
    /// Campaign id.
    pub id: String,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// Initial state, by its name in the vendor's `lifecycle.toml` (default: its first entry
    /// state).
    #[serde(default)]
    pub state: Option<String>,
    /// Missing configuration, named in VoiceGenie's 422 (a campaign in its `draft` state).
    #[serde(default)]
    pub missing: Vec<String>,
}

fn de_vendor<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vendor, D::Error> {
    let s = String::deserialize(d)?;
    Vendor::from_slug(&s).ok_or_else(|| {
        serde::de::Error::custom(format!("unknown vendor {s:?} (use kore or voicegenie)"))
    })
}

impl CampaignSeed {
    /// The store entry this seed becomes. A state the lifecycle does not know (refused when a
    /// campaigns file loads) falls back to the first entry state.
    pub(crate) fn entry(&self, lifecycles: &Lifecycles) -> ((Vendor, String), Campaign) {
        let lifecycle = lifecycles.get(self.vendor);
        let state = self
            .state
            .as_deref()
            .and_then(|s| lifecycle.state_named(s))
            .unwrap_or(lifecycle.entry()[0]);
        let mut c = Campaign::new(self.name.clone().unwrap_or_else(|| self.id.clone()), state);
        c.missing = self.missing.clone();
        // A campaign seeded already dialing is in a run: it has that run's instance, as one
        // started here would (its stop answers with it).
        if lifecycle.state(state).dialing {
            c.instance_id = Some(crate::state::new_instance_id());
        }
        ((self.vendor, self.id.clone()), c)
    }
}

/// Credentials the simulator accepts. Secrets stay `SecretString` up to the comparison (or the
/// JWT check) in the private `auth` module, so `{:?}` of this, or of a [`SimConfig`], never shows them.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// When set, Kore.ai JWTs must verify with this client id and secret; otherwise any
    /// non-empty `auth` header is accepted.
    pub kore_client: Option<(String, SecretString)>,
    /// When non-empty, VoiceGenie API keys or session tokens must be one of these; otherwise any
    /// non-empty value is accepted.
    pub voicegenie_keys: Vec<SecretString>,
}

/// The guards that keep one client from starving the others: how long the simulator waits on a
/// connection, how many it serves at once, and how much campaign state requests may make it keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's head (request line and headers) must arrive within this, counted from the
    /// accept for a connection's first request and from the first byte for a later one; its
    /// body within as long again after the head. Past it the connection is closed (a late body
    /// gets a 408 first).
    pub header_timeout: Duration,
    /// A kept-alive connection with no request in progress is closed after this.
    pub idle_timeout: Duration,
    /// Connections served at once. One accepted beyond them takes the place of the connection
    /// that has waited longest for a request head, if that one has waited at least the eviction
    /// grace (`connections.evicted`); otherwise it is closed at once, unanswered, and counted
    /// (`connections.refused`).
    pub max_connections: usize,
    /// How long a connection may wait for its request head before a newer one can take its place
    /// when the cap is full; `None`: a quarter of the header timeout, at most 1 s.
    pub eviction_grace: Option<Duration>,
    /// Longest campaign id accepted, in bytes: a request naming a longer one is refused with 400
    /// before anything is stored.
    pub max_id_bytes: usize,
    /// Most campaigns held (the configured ones included): a start that would auto-provision one
    /// more is refused with 503 until a reset.
    pub max_campaigns: usize,
}

impl Default for Limits {
    /// Header 10 s, idle 60 s, 512 connections, 128-byte ids, 100,000 campaigns.
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            eviction_grace: None,
            // The client's own limit: the simulator refuses what the client refuses.
            max_id_bytes: campaign_api::CampaignId::MAX_LEN,
            max_campaigns: 100_000,
        }
    }
}

impl Limits {
    /// The eviction grace in force.
    pub fn grace(&self) -> Duration {
        self.eviction_grace
            .unwrap_or_else(|| (self.header_timeout / 4).min(Duration::from_secs(1)))
    }

    /// Refuses limits no server could run with (a zero anywhere), and configured campaigns the
    /// limits would make unreachable (an id too long) or that alone fill the store.
    pub fn check(&self, campaigns: &[CampaignSeed]) -> Result<(), LimitsError> {
        let zero = [
            ("header_timeout", self.header_timeout.is_zero()),
            ("idle_timeout", self.idle_timeout.is_zero()),
            ("max_connections", self.max_connections == 0),
            ("max_id_bytes", self.max_id_bytes == 0),
            ("max_campaigns", self.max_campaigns == 0),
        ];
        if let Some((key, _)) = zero.iter().find(|(_, z)| *z) {
            return Err(LimitsError::Zero { key });
        }
        if let Some(c) = campaigns.iter().find(|c| c.id.len() > self.max_id_bytes) {
            return Err(LimitsError::IdTooLong {
                id_start: c.id.chars().take(16).collect(),
                bytes: c.id.len(),
                max_id_bytes: self.max_id_bytes,
            });
        }
        if campaigns.len() > self.max_campaigns {
            return Err(LimitsError::TooManyCampaigns {
                configured: campaigns.len(),
                max_campaigns: self.max_campaigns,
            });
        }
        Ok(())
    }
}

/// [`Limits`] no server could run with, or that the configured campaigns break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    /// A limit set to zero (`--max-connections 0`).
    #[error("limits: {key} must be above zero")]
    Zero {
        /// The limit, by its field name (the flag is the same with dashes).
        key: &'static str,
    },
    /// A configured campaign whose id is longer than `max_id_bytes`: no request could reach it.
    #[error(
        "limits: campaign {id_start:?}… is {bytes} bytes long, over max_id_bytes ({max_id_bytes})"
    )]
    IdTooLong {
        /// The id's first 16 characters.
        id_start: String,
        /// Its length.
        bytes: usize,
        /// The limit.
        max_id_bytes: usize,
    },
    /// More campaigns configured than `max_campaigns` lets the store hold.
    #[error("limits: {configured} campaigns configured, over max_campaigns ({max_campaigns})")]
    TooManyCampaigns {
        /// Campaigns in the configuration.
        configured: usize,
        /// The limit.
        max_campaigns: usize,
    },
}

/// A simulator run's configuration.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Campaigns that exist at start (and after a reset).
    pub campaigns: Vec<CampaignSeed>,
    /// Ids starting with this exist on first use (`None` turns auto-provisioning off).
    pub auto_provision_prefix: Option<String>,
    /// Credentials accepted.
    pub auth: AuthConfig,
    /// Faults injected at start (the `[faults]` table, schedule included); `PUT /__sim/faults`
    /// replaces them while the simulator runs.
    pub faults: Faults,
    /// Seed for fault injection.
    pub seed: u64,
    /// The lifecycle rules the campaigns follow.
    pub lifecycles: Lifecycles,
    /// A host's recorded answers to play back where the docs are silent (`--host-profile`).
    pub impersonate: crate::impersonate::Impersonation,
    /// Timeouts and caps (see [`Limits`]).
    pub limits: Limits,
    /// Serve HTTPS with this certificate and key (`--tls-cert`, `--tls-key`); `None`: plain
    /// HTTP.
    pub tls: Option<crate::tls::SimTls>,
}

impl Default for SimConfig {
    /// The demo campaigns, `load-` auto-provisioning, any credential, no faults, seed 0, the
    /// committed lifecycle rules, the default [`Limits`], plain HTTP.
    fn default() -> Self {
        let seed = |vendor, id: &str, state: Option<&str>, missing: &[&str]| CampaignSeed {
            vendor,
            id: id.into(),
            name: None,
            state: state.map(String::from),
            missing: missing.iter().map(|s| s.to_string()).collect(),
        };
        SimConfig {
            campaigns: vec![
                seed(Vendor::Kore, "demo-voice", None, &[]),
                seed(Vendor::Kore, "demo-sms", None, &[]),
                seed(Vendor::VoiceGenie, DOC_SAMPLE_VOICEGENIE_ID, None, &[]),
                seed(
                    Vendor::VoiceGenie,
                    DRAFT_VOICEGENIE_ID,
                    Some("draft"),
                    &["script_id", "contacts"],
                ),
            ],
            auto_provision_prefix: Some("load-".into()),
            auth: AuthConfig::default(),
            faults: Faults::default(),
            seed: 0,
            // The committed files are compiled in and tested; they cannot fail to parse here
            // unless the build itself is broken.
            lifecycles: Lifecycles::embedded()
                .unwrap_or_else(|e| panic!("the compiled-in lifecycle rules do not load: {e}")),
            impersonate: crate::impersonate::Impersonation::default(),
            limits: Limits::default(),
            tls: None,
        }
    }
}

/// The campaigns file (TOML).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    auto_provision_prefix: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default, rename = "campaign")]
    campaigns: Vec<CampaignSeed>,
    #[serde(default)]
    faults: Option<Faults>,
}

/// A TOML error as `line L, column C: message`, without the parser's excerpt of the file: the
/// excerpt would copy a line of the file (a secret pasted there by mistake included) into the
/// error and from there into logs.
fn toml_reason(e: &toml::de::Error, text: &str) -> String {
    let Some(before) = e.span().and_then(|span| text.get(..span.start)) else {
        return e.message().trim_end().to_string();
    };
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("line {line}, column {column}: {}", e.message().trim_end())
}

/// A config or campaigns file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ConfigFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong (with line and key from the TOML parser).
    pub reason: String,
}

/// The largest campaigns file read: `--max-campaigns` (100,000 by default) entries of about
/// 60 bytes each fit in 6 MiB, so 16 MiB holds any file the simulator could take, and a wrong
/// path (a device, a FIFO, a disk image) is refused rather than read without end.
pub const MAX_CAMPAIGNS_FILE_BYTES: u64 = 16 * campaign_api::MIB;

impl SimConfig {
    /// Replaces campaigns (and, where the file sets them, the prefix, seed and faults) from a
    /// campaigns file.
    pub fn load_campaigns(&mut self, path: &Path) -> Result<(), ConfigFileError> {
        let err = |reason: String| ConfigFileError {
            path: path.into(),
            reason,
        };
        let text = campaign_api::read_capped(path, MAX_CAMPAIGNS_FILE_BYTES, "campaigns file")
            .map_err(|e| err(e.problem.to_string()))?;
        let file: File = toml::from_str(&text).map_err(|e| err(toml_reason(&e, &text)))?;
        for c in &file.campaigns {
            CampaignId::new(c.id.as_str()).map_err(|e| err(format!("campaign {:?}: {e}", c.id)))?;
            if let Some(state) = &c.state {
                let lifecycle = self.lifecycles.get(c.vendor);
                if lifecycle.state_named(state).is_none() {
                    let known: Vec<_> = lifecycle.states().map(|(_, s)| s.name.clone()).collect();
                    return Err(err(format!(
                        "campaign {:?}: state {state:?} is not in {} ({})",
                        c.id,
                        lifecycle.file,
                        known.join(", ")
                    )));
                }
            }
        }
        self.campaigns = file.campaigns;
        if let Some(p) = file.auto_provision_prefix {
            self.auto_provision_prefix = Some(p).filter(|p| !p.is_empty());
        }
        if let Some(s) = file.seed {
            self.seed = s;
        }
        if let Some(f) = file.faults {
            f.validate().map_err(|e| err(format!("[faults] {e}")))?;
            self.faults = f;
        }
        Ok(())
    }

    /// The store entries for the configured campaigns.
    pub(crate) fn entries(&self) -> impl Iterator<Item = ((Vendor, String), Campaign)> + '_ {
        self.campaigns.iter().map(|c| c.entry(&self.lifecycles))
    }

    /// Follows the lifecycle rules under `schemas_dir` instead of the compiled-in ones.
    pub fn load_lifecycles(&mut self, schemas_dir: &Path) -> Result<(), ConfigFileError> {
        self.follow_schemas(&campaign_api::SchemaSource::dir(schemas_dir))
    }

    /// Follows the lifecycle rules of `source` (the compiled-in ones, or a folder's): a tool
    /// that starts the simulator hands it the source its own checks read, so both agree.
    pub fn follow_schemas(
        &mut self,
        source: &campaign_api::SchemaSource,
    ) -> Result<(), ConfigFileError> {
        self.lifecycles = Lifecycles::from_source(source).map_err(|e| ConfigFileError {
            path: PathBuf::from(&e.file),
            reason: match &e.rule {
                Some(rule) => format!("rule {rule}: {}", e.reason),
                None => e.reason.clone(),
            },
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("campaign-sim-test-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn loads_campaigns_and_faults() {
        let p = write(
            "auto_provision_prefix = \"perf-\"\nseed = 9\n[[campaign]]\nvendor = \"voicegenie\"\nid = \"v1\"\nmissing = [\"contacts\"]\n[faults]\nlatency = \"fixed 20ms\"\nerror_rate_503 = 0.01\n",
        );
        let mut c = SimConfig::default();
        c.load_campaigns(&p).unwrap();
        assert_eq!(c.campaigns.len(), 1);
        assert_eq!(c.campaigns[0].missing, vec!["contacts".to_string()]);
        assert_eq!(c.auto_provision_prefix.as_deref(), Some("perf-"));
        assert_eq!(c.seed, 9);
        assert_eq!(c.faults.rates[crate::faults::FaultKind::Status503], 0.01);
    }

    #[test]
    fn loads_a_schedule_of_windows() {
        let p = write(
            "[faults]\nerror_rate_503 = 0.01\n[[faults.schedule]]\nfrom = \"3s\"\nuntil = \"4s\"\nlatency = \"fixed 1s\"\n[[faults.schedule]]\nfrom = \"10s\"\nerror_rate_503 = 0.5\n",
        );
        let mut c = SimConfig::default();
        c.load_campaigns(&p).unwrap();
        let windows: Vec<String> = c.faults.schedule.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            windows,
            ["3s..4s: latency=fixed 1s", "10s..: error_rate_503=0.5"]
        );
    }

    #[test]
    fn a_bad_line_is_named_without_being_copied() {
        let p = write("seed = 1\nkore_client_secret = \"pasted-by-mistake-77\"\n");
        let e = SimConfig::default().load_campaigns(&p).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            shown.contains("line 2, column 1") && shown.contains("kore_client_secret"),
            "{shown}"
        );
        assert!(!shown.contains("pasted-by-mistake-77"), "{shown}");
    }

    #[test]
    fn a_device_or_a_folder_is_not_a_campaigns_file() {
        let e = SimConfig::default()
            .load_campaigns(Path::new("/dev/zero"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: a character device, not a regular file (a campaigns file must be a regular file of at most 16 MiB)"
        );
        let dir = std::env::temp_dir();
        let e = SimConfig::default().load_campaigns(&dir).unwrap_err();
        assert!(
            e.to_string().contains("a folder, not a regular file"),
            "{e}"
        );
    }

    fn refusal(text: &str) -> (PathBuf, String) {
        let p = write(text);
        let e = SimConfig::default().load_campaigns(&p).unwrap_err();
        (p, e.to_string())
    }

    #[test]
    fn an_unknown_vendor_is_named_with_file_and_line() {
        let (p, e) = refusal("[[campaign]]\nvendor = \"acme\"\nid = \"x\"\n");
        assert!(e.contains(&p.display().to_string()), "{e}");
        assert!(e.contains("line 2") && e.contains("acme"), "{e}");
    }

    #[test]
    fn a_latency_without_a_duration_is_refused() {
        let (_, e) = refusal("[faults]\nlatency = \"fixed\"\n");
        assert!(e.contains("latency") || e.contains("unit"), "{e}");
    }

    #[test]
    fn a_state_the_lifecycle_lacks_is_named_with_its_file() {
        let (_, e) = refusal("[[campaign]]\nvendor = \"kore\"\nid = \"k\"\nstate = \"Dialing\"\n");
        assert!(
            e.contains("\"Dialing\" is not in schemas/kore/lifecycle.toml"),
            "{e}"
        );
    }

    #[test]
    fn rates_over_one_inside_a_window_are_refused_naming_the_window() {
        let (_, e) = refusal(
            "[faults]\nerror_rate_503 = 0.5\n[[faults.schedule]]\nfrom = \"10s\"\nerror_rate_503 = 0.7\nerror_rate_500 = 0.5\n",
        );
        assert!(e.contains("[faults] schedule: from 10s"), "{e}");
    }

    #[test]
    fn an_id_the_client_would_refuse_is_refused() {
        let (_, e) = refusal("[[campaign]]\nvendor = \"kore\"\nid = \"a/b\"\n");
        assert!(e.contains("a/b"), "{e}");
    }

    /// The rates are read key by key (not through serde's flatten), so a bad one keeps the
    /// line the TOML reader reports.
    #[test]
    fn a_bad_rate_is_named_with_its_line() {
        let (_, e) = refusal("seed = 1\n[faults]\nerror_rate_503 = \"often\"\n");
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn an_unknown_rate_is_named_with_its_line() {
        let (_, e) = refusal("seed = 1\n[faults]\nerror_rate_5003 = 0.1\n");
        assert!(e.contains("line 3") && e.contains("error_rate_5003"), "{e}");
    }
}
