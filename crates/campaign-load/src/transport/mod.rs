//! How the load reaches the host: the lean client (one keep-alive connection per user, the
//! default) or Goose's own reqwest client (`--client goose`, and Goose's throttle). Both time the
//! exchange the same way (send → first byte) and hand the answer back to be classified.

mod goose;
mod lean;

pub(crate) use goose::exchange as goose_exchange;
pub(crate) use lean::LeanTls;
pub(crate) use lean::exchange as lean_exchange;

use crate::accounting::Fate;
use crate::error::LoadError;
use crate::scenario::{ClientKind, Scenario};
use crate::worker::WorkerSlice;
use campaign_api::Target;
use std::time::Duration;
use tokio::time::Instant;

/// What one exchange came to.
pub(crate) struct Measured {
    /// Its class.
    pub fate: Fate,
    /// The status, when an answer came.
    pub status: Option<u16>,
    /// When the request went out.
    pub sent: Instant,
    /// Send to first byte (to the failure, when no answer came).
    pub service: Duration,
}

/// An answer to classify: status, headers, the body read (up to the client's limit), and the
/// time to first byte.
pub(crate) struct Answer {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: bytes::Bytes,
    pub elapsed: Duration,
}

/// Where the lean client connects, its timeout, and TLS for an https host.
pub(crate) struct Lean {
    pub authority: String,
    pub timeout: Duration,
    pub tls: Option<LeanTls>,
    pub user_agent: http::HeaderValue,
}

/// What every client of a run sends as `User-Agent` (the lean one, Goose's, the cleanup's): the
/// tool and its version, and a fleet worker's slice, so a host's log tells the workers apart
/// (`campaign-load/0.1.0 (worker 1/3)`).
pub(crate) fn user_agent(slice: WorkerSlice) -> String {
    let tool = concat!("campaign-load/", env!("CARGO_PKG_VERSION"));
    if slice.is_whole() {
        tool.to_string()
    } else {
        format!("{tool} (worker {slice})")
    }
}

/// The lean client's settings, unless the scenario asks for Goose's (`--client goose`, or a
/// throttle, which only Goose's client honours). An https host gets TLS from the scenario's
/// trust settings, built once and shared by every user.
pub(crate) fn lean_for(
    scenario: &Scenario,
    target: &Target,
    timeout: Duration,
) -> Result<Option<Lean>, LoadError> {
    let throttled = scenario.load.throttle.is_some();
    if scenario.transport.client_for(throttled) == ClientKind::Goose {
        return Ok(None);
    }
    let unreachable = |why: String| LoadError::Transport {
        host: target.host_label(),
        why,
    };
    let url = &target.base_url;
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Err(unreachable("no host and port to connect to".into()));
    };
    let tls = match url.scheme() {
        "http" => None,
        "https" => {
            let config = scenario
                .transport
                .trust
                .rustls_config()
                .map_err(|e| unreachable(format!("TLS: {e}")))?;
            Some(LeanTls::new(config, host).map_err(|e| unreachable(format!("TLS: {e}")))?)
        }
        other => {
            return Err(unreachable(format!(
                "the lean client speaks http and https, not {other}"
            )));
        }
    };
    Ok(Some(Lean {
        authority: format!("{host}:{port}"),
        timeout,
        tls,
        // Letters, digits, '/', '.', ' ', '(' and ')': always a valid header value.
        user_agent: http::HeaderValue::try_from(user_agent(scenario.load.worker))
            .unwrap_or(http::HeaderValue::from_static("campaign-load")),
    }))
}
