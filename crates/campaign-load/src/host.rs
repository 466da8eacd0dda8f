//! Which host a run drives, as campaign-api decides it for both tools ([`HostChoice`]):
//! `--host`, else the vendor's configured host from env, else the embedded simulator, which is
//! started here for the run with the scenario's faults.

use crate::error::LoadError;
use crate::scenario::Scenario;
use campaign_api::{HostChoice, SchemaSource, SimCredentials, VendorTarget, parse_base_url};
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

/// True when `host` is given and is not this machine.
pub(crate) fn is_remote(host: Option<&str>) -> bool {
    host.and_then(|h| parse_base_url("--host", h).ok())
        .is_some_and(|u| !campaign_api::is_loopback(&u))
}

/// The host for `scenario`: `--host`, else the vendor's `*_BASE_URL`, else an embedded simulator
/// with the scenario's faults, following the lifecycle rules of `schemas` (those the run's
/// checks and cleanup read).
pub(crate) async fn choose(
    scenario: &Scenario,
    host: Option<&str>,
    schemas: &SchemaSource,
) -> Result<Host, LoadError> {
    let vendor = scenario.vendor;
    let lookup = |k: &str| std::env::var(k).ok();
    let choice = match host {
        Some(h) => HostChoice::with_host(vendor, "--host", h, lookup)?,
        None => HostChoice::from_env(vendor)?,
    };
    let configured = choice.is_configured();
    let sim = if choice.needs_simulator() {
        let config = SimConfig {
            faults: scenario.sim.faults.clone(),
            seed: scenario.sim.seed,
            lifecycles: campaign_sim::Lifecycles::from_source(schemas)?,
            ..SimConfig::default()
        };
        Some(
            campaign_sim::start(config)
                .await
                .map_err(LoadError::Simulator)?,
        )
    } else {
        None
    };
    let sim_url = sim
        .as_ref()
        .map(|s| parse_base_url("simulator", &s.base_url()))
        .transpose()?;
    let target = choice
        .resolve(sim_url.as_ref(), &SimCredentials::default())
        .ok_or_else(|| LoadError::NoTarget(host.unwrap_or_default().to_string()))?;
    Ok(Host {
        target,
        sim,
        configured,
    })
}
