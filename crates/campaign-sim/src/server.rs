//! The HTTP server: axum routes on a hyper HTTP/1.1 connection loop we own.
//!
//! Owning the accept loop (instead of `axum::serve`) lets a handler ask for its connection to
//! be dropped without an answer (the dropped-connection fault): the service returns an error
//! and hyper closes the socket. It also caps the connections served at once
//! (`limits.max_connections`): one accepted beyond the cap is closed at once, unanswered, and
//! counted as refused. Closing at once rather than leaving it in the listen backlog gives the
//! client a prompt, unmistakable failure it can retry, keeps queueing out of the latency a load
//! run measures, and lets the refusal be counted; a backlog that fills drops SYNs, and clients
//! then hang for seconds in connect retries, which is how a flood used to time every client out.
//! Each connection's header and idle timeouts are kept by `connection.rs`, and so is its TLS
//! handshake: the loop only accepts, so a client that stalls a handshake holds one slot, never
//! the loop.

use crate::admin;
use crate::config::SimConfig;
use crate::counters::{CountersSnapshot, Guard};
use crate::faults::{FaultPolicy, Faults, FaultsError};
use crate::handler::handle;
use crate::shared::Shared;
use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://…` when it serves TLS.
    pub fn base_url(&self) -> String {
        let scheme = if self.shared.config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// Requests served so far, read in-process (the same numbers `/__sim/counters` serves).
    pub fn counters(&self) -> CountersSnapshot {
        self.shared.snapshot()
    }

    /// The configuration it started with. The fault settings may have been replaced since:
    /// [`RunningSim::faults`] has those in force.
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// The fault settings in force (what `GET /__sim/faults` shows).
    pub fn faults(&self) -> Faults {
        self.shared.faults.faults()
    }

    /// Replaces the fault settings, as `PUT /__sim/faults` does.
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.shared.faults.replace(faults)
    }

    /// The simulator's clock, which scheduled windows are measured on.
    pub fn elapsed(&self) -> std::time::Duration {
        self.shared.clock.elapsed()
    }

    /// Sets the simulator's clock to read `elapsed` now (as `PUT /__sim/clock` does): a test
    /// steps inside or outside a window instead of waiting for it.
    pub fn set_elapsed(&self, elapsed: std::time::Duration) {
        self.shared.clock.set(elapsed);
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The axum router: admin routes, then every vendor request through the fallback.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__sim/reset", post(admin::reset))
        .route("/__sim/counters", get(admin::counters))
        .route("/__sim/metrics", get(crate::metrics::metrics))
        .route("/__sim/config", get(admin::config))
        .route("/__sim/faults", get(admin::faults).put(admin::put_faults))
        .route("/__sim/clock", get(admin::clock).put(admin::put_clock))
        .fallback(handle)
        .with_state(shared)
}

/// Starts the simulator on 127.0.0.1, on a port the OS picks: the embedded default of the
/// other crates.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = campaign_sim::start(campaign_sim::SimConfig::default()).await?;
/// assert!(sim.base_url().starts_with("http://127.0.0.1:"));
/// sim.stop().await;
/// # Ok(())
/// # }
/// ```
pub async fn start(config: SimConfig) -> std::io::Result<RunningSim> {
    bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the simulator on `addr`.
pub async fn bind(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
    bind_policy(config, addr, None).await
}

/// Starts the simulator on 127.0.0.1 with `policy` asked about every vendor request before the
/// configured faults: how a test scripts a host that misbehaves on cue (see [`FaultPolicy`]).
pub async fn start_with_policy(
    config: SimConfig,
    policy: impl FaultPolicy + 'static,
) -> std::io::Result<RunningSim> {
    bind_with_policy(config, SocketAddr::from(([127, 0, 0, 1], 0)), policy).await
}

/// Starts the simulator on `addr` with `policy` asked first.
pub async fn bind_with_policy(
    config: SimConfig,
    addr: SocketAddr,
    policy: impl FaultPolicy + 'static,
) -> std::io::Result<RunningSim> {
    bind_policy(config, addr, Some(Box::new(policy))).await
}

async fn bind_policy(
    config: SimConfig,
    addr: SocketAddr,
    script: Option<Box<dyn FaultPolicy>>,
) -> std::io::Result<RunningSim> {
    config.faults.validate().map_err(std::io::Error::other)?;
    config
        .limits
        .check(&config.campaigns)
        .map_err(std::io::Error::other)?;
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config, script));
    let app = router(shared.clone());
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(serve(listener, app, shared.clone(), rx));
    Ok(RunningSim {
        addr,
        shared,
        shutdown: Some(tx),
        task: Some(task),
    })
}

async fn serve(
    listener: TcpListener,
    app: Router,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let slot = match shared.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // Full: the connection that has waited longest for a request head makes room
                // (its slot frees as it closes); when none has waited out the grace, this one
                // is closed at once, unanswered (see the module's notes for why not the backlog).
                let grace = shared.config.limits.grace();
                let freed = if shared.connections.evict_longest_waiting(grace) {
                    tokio::time::timeout(
                        std::time::Duration::from_secs(1),
                        shared.slots.clone().acquire_owned(),
                    )
                    .await
                    .ok()
                    .and_then(Result::ok)
                } else {
                    None
                };
                match freed {
                    Some(slot) => slot,
                    None => {
                        shared.counters.guard(Guard::Refused);
                        drop(stream);
                        continue;
                    }
                }
            }
        };
        shared.counters.guard(Guard::Accepted);
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let shared = shared.clone();
        connections.spawn(async move {
            crate::connection::serve(stream, app, shared).await;
            // The slot frees when the connection ends, however it ends (abort included).
            drop(slot);
        });
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}
