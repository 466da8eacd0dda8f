//! Stopping what an earlier run left started on a host: killed outright, or aborted during its
//! cleanup. Its journal names the campaigns; each is stopped and confirmed halted by a status
//! read, and nothing else is sent.

use crate::error::LoadError;
use campaign_api::{CleanupGuard, Client, ClientConfig, Lifecycle, Stopped, Trust, VendorTarget};
use std::sync::Arc;

/// Stops what the journal of `target`'s host shows an earlier run left started, each confirmed
/// by a status read (`campaign-load cleanup`); one line per campaign. Nothing else is sent.
pub async fn cleanup(target: &VendorTarget, trust: &Trust) -> Result<Vec<Stopped>, LoadError> {
    trust.check()?;
    let client = Client::new(ClientConfig {
        trust: trust.clone(),
        ..ClientConfig::default()
    })?;
    let lifecycle = Arc::new(Lifecycle::load(
        &campaign_schema::default_dir(),
        target.target.vendor,
    )?);
    let guard =
        CleanupGuard::new(client, "campaign-load").with_journal(campaign_api::journal_dir());
    Ok(guard
        .stop_leftovers(&target.target, &lifecycle)
        .await?
        .stopped)
}
