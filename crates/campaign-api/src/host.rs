//! Whose host a target is: our own simulator or a vendor's. It decides how far our assumptions
//! are held against the answers, and how careful a run must be with campaigns.
//!
//! Both tools make the same decision per vendor before anything is sent: the host the user
//! configured, else the embedded simulator. [`HostChoice`] is that decision, and
//! [`Target::for_simulator`] the one target aimed at a simulator, with the one set of
//! placeholder credentials and ids ([`SimCredentials`]), so the contract suite and the load
//! runner cannot drift apart on either.

use crate::credential::Credential;
use crate::jwt::{JwtOptions, JwtSigner};
use crate::target::{ConfigError, Target, is_loopback, parse_base_url};
use crate::vendor::Vendor;
use reqwest::Url;
use secrecy::SecretString;
use std::fmt;

/// What kind of host a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// campaign-sim, ours: undocumented bodies are held to our own schemas, and its campaigns
    /// dial no one.
    Simulator,
    /// A vendor host (a sandbox or a real one): only the campaigns named in its configuration
    /// are touched, and our guesses where the docs are silent are not held against it.
    Sandbox,
}

impl HostKind {
    /// `simulator` or `sandbox`.
    pub fn label(self) -> &'static str {
        match self {
            HostKind::Simulator => "simulator",
            HostKind::Sandbox => "sandbox",
        }
    }
}

/// One vendor's target and what kind of host it is: the unit the contract suite and the load
/// runner are pointed at.
#[derive(Debug, Clone)]
pub struct VendorTarget {
    /// Where and as whom.
    pub target: Target,
    /// Simulator or sandbox.
    pub kind: HostKind,
}

impl fmt::Display for VendorTarget {
    /// `kore: sandbox at kore.example:443`: the line a run prints for each vendor first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at {}",
            self.target.vendor,
            self.kind.label(),
            self.target.host_label()
        )
    }
}

/// Client id the embedded simulator checks Kore.ai JWTs against.
pub const SIM_KORE_CLIENT_ID: &str = "cs-campaign-harness-sim";
/// Client secret of the embedded simulator (not a real credential).
pub const SIM_KORE_CLIENT_SECRET: &str = "sim-only-client-secret";
/// VoiceGenie key the embedded simulator accepts (not a real credential).
pub const SIM_VOICEGENIE_KEY: &str = "sim-only-api-key";
/// Kore.ai account id sent to a simulator (it dials no one, any id will do).
pub const SIM_KORE_ACCOUNT_ID: &str = "acc-sim";
/// Kore.ai app (and stream) id sent to a simulator.
pub const SIM_KORE_APP_ID: &str = "st-sim";

/// The credentials a simulator is started with and the targets aimed at it send. The
/// default is the embedded simulator's ([`SIM_KORE_CLIENT_SECRET`], [`SIM_VOICEGENIE_KEY`]);
/// a test that checks authentication picks its own.
#[derive(Debug, Clone)]
pub struct SimCredentials {
    /// The client id Kore.ai JWTs carry ([`SIM_KORE_CLIENT_ID`]).
    pub kore_client_id: String,
    /// The secret Kore.ai JWTs are signed with.
    pub kore_client_secret: SecretString,
    /// The VoiceGenie API key.
    pub voicegenie_key: SecretString,
}

impl SimCredentials {
    /// The embedded simulator's client id, with this secret and key.
    pub fn new(kore_client_secret: &str, voicegenie_key: &str) -> SimCredentials {
        SimCredentials {
            kore_client_id: SIM_KORE_CLIENT_ID.into(),
            kore_client_secret: SecretString::from(kore_client_secret.to_string()),
            voicegenie_key: SecretString::from(voicegenie_key.to_string()),
        }
    }
}

impl Default for SimCredentials {
    fn default() -> Self {
        SimCredentials::new(SIM_KORE_CLIENT_SECRET, SIM_VOICEGENIE_KEY)
    }
}

impl Target {
    /// A target aimed at a simulator at `base_url`: `credentials` (a signed JWT for Kore.ai, an
    /// API key for VoiceGenie), the ids [`SIM_KORE_ACCOUNT_ID`] and [`SIM_KORE_APP_ID`], and no
    /// campaigns (the caller names the ones its simulator seeds, with
    /// [`Target::with_campaigns`]).
    ///
    /// ```
    /// use campaign_api::{SimCredentials, Target, Vendor, parse_base_url};
    ///
    /// let url = parse_base_url("simulator", "http://127.0.0.1:8080").unwrap();
    /// let t = Target::for_simulator(Vendor::Kore, url, &SimCredentials::default());
    /// assert_eq!((t.account_id.as_str(), t.app_id.as_str()), ("acc-sim", "st-sim"));
    /// assert!(t.is_loopback());
    /// ```
    pub fn for_simulator(vendor: Vendor, base_url: Url, credentials: &SimCredentials) -> Target {
        match vendor {
            Vendor::Kore => Target::new(
                vendor,
                base_url,
                Credential::KoreClient(JwtSigner::new(
                    credentials.kore_client_id.clone(),
                    credentials.kore_client_secret.clone(),
                    JwtOptions::default(),
                )),
            )
            .with_kore_ids(SIM_KORE_ACCOUNT_ID, SIM_KORE_APP_ID, None),
            Vendor::VoiceGenie => Target::new(
                vendor,
                base_url,
                Credential::ApiKey(credentials.voicegenie_key.clone()),
            ),
        }
    }
}

/// Where one vendor's requests go, decided from its variables (and a host flag, if the tool has
/// one) before anything is started: the one rule "the configured host, else the embedded
/// simulator".
///
/// ```
/// use campaign_api::{HostChoice, HostKind, SimCredentials, Vendor, parse_base_url};
///
/// // Nothing configured: the caller starts its simulator and aims the target at it.
/// let choice = HostChoice::from_lookup(Vendor::VoiceGenie, |_| None).unwrap();
/// assert!(choice.needs_simulator());
/// let sim = parse_base_url("simulator", "http://127.0.0.1:9999").unwrap();
/// let vt = choice.resolve(Some(&sim), &SimCredentials::default()).unwrap();
/// assert_eq!(vt.kind, HostKind::Simulator);
///
/// // A configured host wins, with its own credentials.
/// let vars = |k: &str| match k {
///     "VOICEGENIE_BASE_URL" => Some("https://vg.example".to_string()),
///     "VOICEGENIE_API_KEY" => Some("k-1".to_string()),
///     _ => None,
/// };
/// let choice = HostChoice::from_lookup(Vendor::VoiceGenie, vars).unwrap();
/// assert!(choice.is_configured());
/// let vt = choice.resolve(None, &SimCredentials::default()).unwrap();
/// assert_eq!(vt.to_string(), "voicegenie: sandbox at vg.example:443");
/// ```
#[derive(Debug, Clone)]
pub enum HostChoice {
    /// A host the user configured (`*_BASE_URL`, or a host flag together with the vendor's
    /// variables): credentials, ids and named campaigns come from the variables, and only those
    /// campaigns may be touched.
    Configured(Target),
    /// A loopback host given by flag while the vendor's `*_BASE_URL` is unset: a simulator or
    /// stand-in the user runs, sent the simulator's placeholder credentials and ids. Not ours
    /// to vouch for, so it counts as a sandbox.
    Local(Target),
    /// Nothing configured for this vendor: the caller starts the embedded simulator and passes
    /// its address to [`HostChoice::resolve`].
    Simulator(Vendor),
}

impl HostChoice {
    /// From the process environment.
    pub fn from_env(vendor: Vendor) -> Result<HostChoice, ConfigError> {
        HostChoice::from_lookup(vendor, |k| std::env::var(k).ok())
    }

    /// From variables read through `lookup`: the vendor's host if its `*_BASE_URL` is set
    /// (and then everything it needs must be), else the simulator.
    pub fn from_lookup(
        vendor: Vendor,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<HostChoice, ConfigError> {
        Ok(match Target::from_lookup(vendor, lookup)? {
            Some(target) => HostChoice::Configured(target),
            None => HostChoice::Simulator(vendor),
        })
    }

    /// A host given by the flag `flag` (`--host`), which takes the place of `*_BASE_URL`. A
    /// loopback host while `*_BASE_URL` is unset is [`HostChoice::Local`] (placeholder
    /// credentials: any will do); any other host is sent the vendor's credentials and ids from
    /// `lookup`, which must then be complete. An error names the flag or the variable.
    pub fn with_host(
        vendor: Vendor,
        flag: &str,
        host: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<HostChoice, ConfigError> {
        let url = parse_base_url(flag, host)?;
        let base_var = format!("{}_BASE_URL", vendor.env_prefix());
        if is_loopback(&url) && lookup(&base_var).is_none() {
            return Ok(HostChoice::Local(Target::for_simulator(
                vendor,
                url,
                &SimCredentials::default(),
            )));
        }
        let target = Target::from_lookup(vendor, |k| {
            if k == base_var {
                Some(host.to_string())
            } else {
                lookup(k)
            }
        })?;
        // The host is non-empty (it parsed), so the vendor counts as configured.
        target
            .map(HostChoice::Configured)
            .ok_or(ConfigError::EmptyBaseUrl { var: flag.into() })
    }

    /// True when the caller must start the embedded simulator for this vendor.
    pub fn needs_simulator(&self) -> bool {
        matches!(self, HostChoice::Simulator(_))
    }

    /// True when credentials, ids and named campaigns came from the user's variables: only
    /// the campaigns named there may be touched.
    pub fn is_configured(&self) -> bool {
        matches!(self, HostChoice::Configured(_))
    }

    /// The target and its kind. `simulator` is the embedded simulator's base URL, needed only
    /// when [`HostChoice::needs_simulator`]; `None` then means there is no target (the caller
    /// started none). The simulator target is [`Target::for_simulator`] with `credentials`
    /// (the ones the simulator was started with) and no campaigns.
    pub fn resolve(
        self,
        simulator: Option<&Url>,
        credentials: &SimCredentials,
    ) -> Option<VendorTarget> {
        match self {
            HostChoice::Configured(target) | HostChoice::Local(target) => Some(VendorTarget {
                target,
                kind: HostKind::Sandbox,
            }),
            HostChoice::Simulator(vendor) => simulator.map(|url| VendorTarget {
                target: Target::for_simulator(vendor, url.clone(), credentials),
                kind: HostKind::Simulator,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_loopback_host_flag_without_variables_is_local_with_placeholder_ids() {
        let choice = HostChoice::with_host(Vendor::Kore, "--host", "http://127.0.0.1:9", vars(&[]))
            .expect("a loopback host needs no variables");
        let HostChoice::Local(t) = &choice else {
            panic!("{choice:?}")
        };
        assert_eq!(
            (t.account_id.as_str(), t.app_id.as_str()),
            ("acc-sim", "st-sim")
        );
        assert!(!choice.is_configured() && !choice.needs_simulator());
        let vt = choice.resolve(None, &SimCredentials::default());
        assert_eq!(vt.map(|vt| vt.kind), Some(HostKind::Sandbox));
    }

    #[test]
    fn a_remote_host_flag_takes_the_vendors_variables_and_names_what_is_missing() {
        let complete = vars(&[
            ("VOICEGENIE_API_KEY", "k-1"),
            ("VOICEGENIE_CAMPAIGN_ID", "cmp-1"),
        ]);
        let choice =
            HostChoice::with_host(Vendor::VoiceGenie, "--host", "https://vg.example", complete)
                .expect("configured");
        let HostChoice::Configured(t) = &choice else {
            panic!("{choice:?}")
        };
        assert_eq!(t.host_label(), "vg.example:443");
        assert_eq!(t.campaigns.voice[0].as_str(), "cmp-1");

        let e = HostChoice::with_host(
            Vendor::VoiceGenie,
            "--host",
            "https://vg.example",
            vars(&[]),
        )
        .expect_err("no key");
        assert!(
            matches!(e, ConfigError::Missing { ref missing, .. } if missing.contains("VOICEGENIE_API_KEY")),
            "{e}"
        );
        let e = HostChoice::with_host(Vendor::Kore, "--host", "ftp://x", vars(&[]))
            .expect_err("scheme");
        assert!(
            matches!(e, ConfigError::BadScheme { ref var, .. } if var == "--host"),
            "{e}"
        );
    }

    #[test]
    fn a_simulator_choice_resolves_only_with_a_simulator_address() {
        let choice = HostChoice::from_lookup(Vendor::Kore, vars(&[])).expect("nothing set");
        assert!(choice.needs_simulator());
        assert!(
            choice
                .clone()
                .resolve(None, &SimCredentials::default())
                .is_none()
        );
        let url = parse_base_url("simulator", "http://127.0.0.1:7").expect("url");
        let vt = choice
            .resolve(Some(&url), &SimCredentials::new("s-1", "k-1"))
            .expect("resolves");
        assert_eq!(vt.kind, HostKind::Simulator);
        match &vt.target.credential {
            Credential::KoreClient(s) => assert_eq!(s.client_id(), SIM_KORE_CLIENT_ID),
            other => panic!("{other:?}"),
        }
    }
}
