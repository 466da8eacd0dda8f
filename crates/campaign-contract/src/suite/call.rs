//! One call to the host: rendered through campaign-api, sent, retried while the host is
//! unavailable (within the vendor's call budget), and, when a retried change may have been made
//! despite its lost answer, checked by a status read before it is sent again.

use super::Run;
use campaign_api::{
    CallError, Exchange, Lifecycle, OperationId, RenderedRequest, StateId, VendorTarget,
    is_unavailable_status, read_state,
};
use http::HeaderValue;

/// How a step alters the rendered request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Send as rendered.
    None,
    /// Remove the credential header.
    NoCredential,
    /// Replace the credential with a wrong one.
    WrongCredential,
}

/// Applies `how` to the credential headers of `request` (campaign-api's header names).
fn tamper(request: &mut RenderedRequest, how: Tamper) {
    use campaign_api::headers::{AUTH, X_API_KEY};
    let names = [&AUTH, &X_API_KEY, &http::header::COOKIE];
    match how {
        Tamper::None => {}
        Tamper::NoCredential => {
            for n in names {
                request.headers.remove(n);
            }
        }
        Tamper::WrongCredential => {
            for n in names {
                if let Some(v) = request.headers.get_mut(n) {
                    let mut wrong = HeaderValue::from_static(if *n == http::header::COOKIE {
                        "token=invalid.credential.harness"
                    } else {
                        "invalid.credential.harness"
                    });
                    wrong.set_sensitive(true);
                    *v = wrong;
                }
            }
        }
    }
}

fn is_unavailable(result: &Result<Exchange, CallError>) -> bool {
    match result {
        Ok(x) => is_unavailable_status(x.status.as_u16()),
        Err(CallError::Transport(_)) => true,
        Err(CallError::Render(_)) => false,
    }
}

/// A call's last result after retries.
pub(super) struct Sent {
    pub(super) result: Result<Exchange, CallError>,
    pub(super) attempts: u32,
    /// Set when a retried change turned out to have taken effect: the state it reached.
    pub(super) took_effect: Option<StateId>,
    /// How long the last try took, answered or not (a timeout shows the time it waited).
    pub(super) took: std::time::Duration,
}

impl Run<'_> {
    /// Sends one call, retrying an unavailable answer within the budget. `None` when the budget
    /// was spent before the first try. With `effect`, a retried change is first checked with a
    /// status read: when the campaign already is in (or settling into) the state the change
    /// leads to, the answer was lost but the change was made, and it is not sent again.
    pub(super) async fn send(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        campaign: &str,
        how: Tamper,
        effect: Option<(&Lifecycle, StateId)>,
    ) -> Option<Sent> {
        let mut attempt = 0;
        let mut last: Option<Result<Exchange, CallError>> = None;
        let mut took = std::time::Duration::ZERO;
        loop {
            if !self.budget.take() {
                let result = last?;
                self.down.get_or_insert_with(|| {
                    format!(
                        "the call budget of {} calls ({}) was spent retrying",
                        self.budget.limit(),
                        crate::retry::MAX_CALLS_VAR
                    )
                });
                return Some(Sent {
                    result,
                    attempts: attempt,
                    took_effect: None,
                    took,
                });
            }
            attempt += 1;
            let sent_at = std::time::Instant::now();
            let result = match op.render(&vt.target, campaign) {
                Ok(mut request) => {
                    tamper(&mut request, how);
                    self.client
                        .send(request)
                        .await
                        .map_err(CallError::Transport)
                }
                Err(e) => Err(CallError::Render(e)),
            };
            took = sent_at.elapsed();
            let asked = result
                .as_ref()
                .ok()
                .and_then(|x| crate::retry::retry_after(&x.headers));
            let wait = self.policy.wait(attempt, asked);
            let retry = match wait {
                Some(w) if is_unavailable(&result) && attempt < self.policy.attempts => w,
                _ => {
                    return Some(Sent {
                        result,
                        attempts: attempt,
                        took_effect: None,
                        took,
                    });
                }
            };
            tokio::time::sleep(retry).await;
            if let Some((lifecycle, next)) = effect
                && self.read_once(vt, lifecycle, campaign).await == Some(next)
            {
                return Some(Sent {
                    result,
                    attempts: attempt,
                    took_effect: Some(next),
                    took,
                });
            }
            last = Some(result);
        }
    }

    /// One status read, no retry, not recorded: to see whether a lost change took effect. The
    /// state the campaign is in or settling into.
    async fn read_once(
        &mut self,
        vt: &VendorTarget,
        lifecycle: &Lifecycle,
        campaign: &str,
    ) -> Option<StateId> {
        if !self.budget.take() {
            return None;
        }
        read_state(&self.client, &vt.target, lifecycle, campaign)
            .await
            .state()
    }
}
