//! Stopping what an earlier run left started on a host: killed outright, or aborted during its
//! cleanup. Its journal names the campaigns; each is stopped and confirmed halted by a status
//! read, and nothing else is sent.

use crate::error::LoadError;
use crate::worker::WorkerSlice;
use campaign_api::{
    CleanupGuard, Client, ClientConfig, HostKind, Lifecycle, SchemaSource, Stopped, Trust,
    VendorTarget,
};
use std::sync::Arc;

/// The cleanup guard for a run or a cleanup against `target`, and the lifecycle its status reads
/// are judged by: built before anything is sent, since stopping what was started must not
/// depend on anything that can fail later. A host that is not the embedded simulator gets the
/// journal (every campaign written down before its first start).
pub(crate) fn guard_for(
    target: &VendorTarget,
    trust: &Trust,
    worker: WorkerSlice,
    schemas: &SchemaSource,
) -> Result<(CleanupGuard, Arc<Lifecycle>), LoadError> {
    let client = Client::new(ClientConfig {
        trust: trust.clone(),
        user_agent: Some(crate::transport::user_agent(worker)),
        ..ClientConfig::default()
    })?;
    // The rules the checker's registry and the embedded simulator read too: the guard's status
    // reads must mean what the host's lifecycle says.
    let lifecycle = Arc::new(schemas.lifecycle(target.target.vendor)?);
    let mut guard = CleanupGuard::new(client, "campaign-load");
    if target.kind == HostKind::Sandbox {
        guard = guard.with_journal(campaign_api::journal_dir());
    }
    Ok((guard, lifecycle))
}

/// Stops what the journal of `target`'s host shows an earlier run left started, each confirmed
/// by a status read (`campaign-load cleanup`), judged by `schemas`' lifecycle rules; one line
/// per campaign. Nothing else is sent.
pub async fn cleanup(
    target: &VendorTarget,
    trust: &Trust,
    schemas: &SchemaSource,
) -> Result<Vec<Stopped>, LoadError> {
    trust.check()?;
    let (guard, lifecycle) = guard_for(target, trust, WorkerSlice::WHOLE, schemas)?;
    Ok(guard
        .stop_leftovers(&target.target, &lifecycle)
        .await?
        .stopped)
}
