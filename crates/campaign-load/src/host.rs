//! Which host a run drives: `--host`, the vendor's configured host from env, or the embedded
//! simulator, started here for the run.

use crate::error::LoadError;
use crate::scenario::Scenario;
use campaign_api::target::parse_base_url;
use campaign_api::{Credential, HostKind, Target, Vendor, VendorTarget};
use campaign_sim::SimConfig;

/// The host a run drives.
#[derive(Debug)]
pub(crate) struct Host {
    /// The target.
    pub target: VendorTarget,
    /// The embedded simulator, when the run started one; stop it when the run is over.
    pub sim: Option<campaign_sim::RunningSim>,
    /// True for a configured host (credentials from env), where only campaigns the user named
    /// may be touched; the embedded simulator and a local `--host` without credentials (a
    /// simulator given explicitly) may be driven with any ids.
    pub configured: bool,
}

/// The credential sent to a local simulator, which accepts any non-empty value.
fn placeholder() -> secrecy::SecretString {
    secrecy::SecretString::from("campaign-load-simulator")
}

fn sim_credential(v: Vendor) -> Credential {
    match v {
        Vendor::Kore => Credential::KoreJwt(placeholder()),
        Vendor::VoiceGenie => Credential::ApiKey(placeholder()),
    }
}

/// True when `host` is given and is not this machine.
pub(crate) fn is_remote(host: Option<&str>) -> bool {
    host.and_then(|h| parse_base_url("--host", h).ok())
        .is_some_and(|u| !campaign_api::target::is_loopback(&u))
}

/// The host for `scenario`: `--host`, else the vendor's `*_BASE_URL`, else an embedded simulator
/// with the scenario's faults.
pub(crate) async fn choose(scenario: &Scenario, host: Option<&str>) -> Result<Host, LoadError> {
    let vendor = scenario.vendor;
    let base_var = format!("{}_BASE_URL", vendor.env_prefix());
    let sandbox = |target: Target, configured: bool| Host {
        target: VendorTarget {
            target,
            kind: HostKind::Sandbox,
        },
        sim: None,
        configured,
    };
    if let Some(h) = host {
        let url = parse_base_url("--host", h)?;
        let probe = Target::new(vendor, url.clone(), sim_credential(vendor));
        if probe.is_loopback() && std::env::var(&base_var).is_err() {
            // A local simulator (or a local stand-in): any credential will do.
            return Ok(sandbox(
                probe.with_kore_ids("acc-load", "st-load", None),
                false,
            ));
        }
        // The vendor's credentials and ids from env, sent to --host.
        let t = Target::from_lookup(vendor, |k| {
            if k == base_var {
                Some(h.to_string())
            } else {
                std::env::var(k).ok()
            }
        })?
        .ok_or_else(|| LoadError::NoTarget(h.to_string()))?;
        return Ok(sandbox(t, true));
    }
    if let Some(t) = Target::from_env(vendor)? {
        return Ok(sandbox(t, true));
    }
    let config = SimConfig {
        faults: scenario.sim.faults.clone(),
        seed: scenario.sim.seed,
        ..SimConfig::default()
    };
    let sim = campaign_sim::start(config)
        .await
        .map_err(LoadError::Simulator)?;
    let url = parse_base_url("simulator", &sim.base_url())?;
    let t =
        Target::new(vendor, url, sim_credential(vendor)).with_kore_ids("acc-load", "st-load", None);
    Ok(Host {
        target: VendorTarget {
            target: t,
            kind: HostKind::Simulator,
        },
        sim: Some(sim),
        configured: false,
    })
}
