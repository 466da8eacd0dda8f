//! Safety on real hosts: a run states its bounds before it starts, refuses to run unbounded or
//! against a remote host without `--allow-remote`, and stops every campaign it started.

use campaign_api::{CampaignId, Client, OperationId, Target};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// True when an error body says the campaign is not running: VoiceGenie's documented
/// `CAMPAIGN_NOT_RUNNING`, or Kore.ai's not-Active code (our assumption; a real Kore.ai host
/// answering otherwise is reported, not silently passed).
fn is_not_running(body: &[u8]) -> bool {
    use campaign_api::response::{kore_codes, vg_codes};
    match crate::accounting::vendor_code(body) {
        Some(code) => code == vg_codes::NOT_RUNNING || code == kore_codes::NOT_ACTIVE.to_string(),
        None => false,
    }
}

/// What the end-of-run cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Campaigns it stopped (the stop answered 2xx).
    pub stopped: usize,
    /// Stop (or pause) requests it sent, whatever they answered.
    pub calls: usize,
    /// Campaigns that may still be running.
    pub problems: Vec<String>,
}

/// Every campaign a start was sent to, with the operation that stops it.
///
/// Nothing is ever removed: with users sharing a campaign, one user's successful stop can land
/// between another's start being sent and answered, so "stopped since" cannot be trusted. At the
/// end every campaign in the set gets a stop; one that is not running answers 400, which costs
/// a request and nothing else.
#[derive(Debug, Default)]
pub struct Started {
    touched: Mutex<BTreeMap<String, OperationId>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Started {
    /// A start of `campaign` is about to be sent; `undo` stops it.
    pub fn started(&self, campaign: &str, undo: OperationId) {
        let mut t = lock(&self.touched);
        if !t.contains_key(campaign) {
            t.insert(campaign.to_string(), undo);
        }
    }

    /// How many distinct campaigns a start was sent to.
    pub fn touched(&self) -> usize {
        lock(&self.touched).len()
    }

    /// Stops every campaign that may still be running; returns how many stops succeeded (a 400
    /// means the campaign was not running: nothing to stop) and lines about any that failed.
    pub async fn stop_all(&self, client: &Client, target: &Target) -> Cleanup {
        let pending: Vec<(String, OperationId)> = std::mem::take(&mut *lock(&self.touched))
            .into_iter()
            .collect();
        let mut stopped = 0;
        let mut calls = 0;
        let mut problems = Vec::new();
        for (campaign, undo) in pending {
            let Ok(id) = CampaignId::new(campaign.as_str()) else {
                problems.push(format!(
                    "campaign {campaign:?} is not a valid id and was not stopped: check it by hand"
                ));
                continue;
            };
            let mut last = String::new();
            let mut ok = false;
            for attempt in 0..3u64 {
                calls += 1;
                match client.call(target, undo, id.as_str()).await {
                    Ok(x) if x.status.is_success() => {
                        stopped += 1;
                        ok = true;
                        break;
                    }
                    // The vendor's "not running" answer: nothing left to stop. Any other 400 (a bad
                    // id header, a validation error) means the stop did not happen.
                    Ok(x) if x.status.as_u16() == 400 && is_not_running(&x.body) => {
                        ok = true;
                        break;
                    }
                    Ok(x) => last = format!("{undo} answered {}", x.status.as_u16()),
                    Err(e) => last = e.to_string(),
                }
                tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
            }
            if !ok {
                problems.push(format!(
                    "campaign {campaign} may still be running ({last}): stop it by hand"
                ));
            }
        }
        Cleanup {
            stopped,
            calls,
            problems,
        }
    }
}
