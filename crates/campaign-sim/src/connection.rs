//! One connection's life: hyper's HTTP/1.1 state machine serves it, a watch of our own times it.
//!
//! hyper 1.x has a header-read timeout, but its timer runs whenever the connection waits for a
//! request head, the quiet gap between kept-alive requests included (`Conn::poll_read_head`
//! starts it and `State::idle` re-arms it after every answer). With it, a kept-alive connection
//! would be closed after the header timeout, and no longer idle timeout could exist. So the
//! simulator keeps its own watch, as nginx does (`client_header_timeout`, `keepalive_timeout`):
//!
//! - a connection's first request head must be complete within the header timeout of the accept
//!   (a client that connects and sends nothing, or trickles a byte at a time, is cut off);
//! - between requests the idle timeout runs, until the next request's first byte;
//! - from that byte, the head must be complete within the header timeout;
//! - while a request is served (head parsed, answer not yet handed to hyper) nothing runs out:
//!   an injected delay is the simulator's own doing. The body's own deadline is the handler's.
//!
//! A connection past its deadline is closed without an answer, and counted. When
//! `max_connections` are open, a new connection takes the place of the one that has waited
//! longest for a request head (after a grace of a quarter of the header timeout): silent
//! connections cannot keep a normal client out.
//!
//! TLS: the handshake runs here, in the connection's own task, inside the first request head's
//! header timeout (it is part of what must arrive before a request can be read). A handshake
//! that fails is counted and the connection closed; one still running at the deadline is closed
//! and counted as a header timeout; an evicted one is closed as any silent connection.
//! The watch sits under TLS, on the socket, so it sees bytes arrive whatever they encrypt.
//!
//! Half-closed clients: a client may write its request and shut its write side at once (`nc
//! -N`, some scripts and load tools). hyper's default takes that FIN, seen while the request is
//! served, as the client giving up, and drops the request unanswered; `half_close(true)` makes
//! it answer first, then close.

use crate::counters::Guard;
use crate::handler::serve_vendor;
use crate::inject::DropConnection;
use crate::shared::Shared;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;

/// The error that makes hyper close a connection on purpose.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose (fault injection)")]
struct Dropped;

/// Where a connection is between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head to be complete (header timeout).
    Head = 0,
    /// A request is being served (no deadline).
    Busy = 1,
    /// Kept alive, no request begun (idle timeout).
    Idle = 2,
}

const PHASE_SHIFT: u32 = 62;
const MICROS: u64 = (1 << PHASE_SHIFT) - 1;

/// A connection's phase and when it began, in one word so the watch never reads one phase with
/// another's start.
#[derive(Debug)]
pub(crate) struct Activity {
    base: Instant,
    /// Phase in the top two bits, microseconds from `base` to its start below them.
    word: AtomicU64,
    /// Woken when a deadline may have come nearer (a head begun, an answer handed over), or the
    /// connection is evicted.
    changed: Notify,
    /// Set when the connection is closed to make room for a new one.
    evicted: std::sync::atomic::AtomicBool,
}

/// Every open connection's activity, so that when the cap is full a new connection can take the
/// place of the one that has waited longest without sending a request head. Without this, a
/// slowloris that reconnects as fast as its connections time out keeps the cap full, and a
/// normal client only gets in by winning a race for a freed slot.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    open: std::sync::Mutex<Vec<std::sync::Weak<Activity>>>,
}

impl Registry {
    fn register(&self, a: &Arc<Activity>) {
        let mut open = campaign_api::lock_unpoisoned(&self.open);
        open.retain(|w| w.strong_count() > 0);
        open.push(Arc::downgrade(a));
    }

    /// Closes the connection that has waited longest for a request head, if it has waited at
    /// least `grace` (a connection that just opened gets the time to send one). True when one
    /// was evicted.
    pub(crate) fn evict_longest_waiting(&self, grace: Duration) -> bool {
        let open = campaign_api::lock_unpoisoned(&self.open);
        let now = Instant::now();
        let oldest = open
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .filter(|a| !a.evicted.load(Ordering::Acquire))
            .filter_map(|a| {
                let (phase, since) = a.read();
                (phase == Phase::Head && now.saturating_duration_since(since) >= grace)
                    .then_some((since, a))
            })
            .min_by_key(|(since, _)| *since);
        match oldest {
            Some((_, a)) => {
                a.evicted.store(true, Ordering::Release);
                a.changed.notify_one();
                true
            }
            None => false,
        }
    }
}

impl Activity {
    fn new() -> Activity {
        Activity {
            base: Instant::now(),
            // Head, from the accept: the first request's head is timed from there.
            word: AtomicU64::new((Phase::Head as u64) << PHASE_SHIFT),
            changed: Notify::new(),
            evicted: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn pack(&self, phase: Phase) -> u64 {
        let us = u64::try_from(self.base.elapsed().as_micros()).unwrap_or(MICROS);
        (phase as u64) << PHASE_SHIFT | us.min(MICROS)
    }

    fn read(&self) -> (Phase, Instant) {
        let word = self.word.load(Ordering::Acquire);
        let phase = match word >> PHASE_SHIFT {
            0 => Phase::Head,
            1 => Phase::Busy,
            _ => Phase::Idle,
        };
        (phase, self.base + Duration::from_micros(word & MICROS))
    }

    /// A request head was parsed: it is being served.
    fn busy(&self) {
        // No wake-up: a busy connection has no deadline, so none came nearer.
        self.word.store(self.pack(Phase::Busy), Ordering::Release);
    }

    /// The answer was handed to hyper: the connection idles until the next request.
    fn idle(&self) {
        self.word.store(self.pack(Phase::Idle), Ordering::Release);
        self.changed.notify_one();
    }

    /// Bytes arrived: on an idle connection, a new request head has begun.
    fn bytes_arrived(&self) {
        let word = self.word.load(Ordering::Acquire);
        if word >> PHASE_SHIFT == Phase::Idle as u64
            && self
                .word
                .compare_exchange(
                    word,
                    self.pack(Phase::Head),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        {
            self.changed.notify_one();
        }
    }
}

/// The socket, telling [`Activity`] when bytes arrive.
#[derive(Debug)]
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.bytes_arrived();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Serves one accepted connection until the client closes it, a fault drops it, or it outlives
/// its header or idle deadline; over TLS when the simulator has a certificate.
pub(crate) async fn serve(stream: TcpStream, app: Router, shared: Arc<Shared>) {
    let activity = Arc::new(Activity::new());
    shared.connections.register(&activity);
    let watched = Watched {
        stream,
        activity: activity.clone(),
    };
    match shared.config.tls.as_ref().map(crate::tls::SimTls::acceptor) {
        None => serve_http(watched, activity, app, shared).await,
        Some(acceptor) => {
            if let Some(tls) = handshake(acceptor, watched, &activity, &shared).await {
                serve_http(tls, activity, app, shared).await;
            }
        }
    }
}

/// The TLS handshake of a new connection, bounded by the first head's header deadline (the
/// phase is `Head` from the accept) and ended by an eviction. `None`: the connection is to be
/// closed, and the reason is counted.
async fn handshake(
    acceptor: tokio_rustls::TlsAcceptor,
    watched: Watched,
    activity: &Activity,
    shared: &Shared,
) -> Option<tokio_rustls::server::TlsStream<Watched>> {
    let (_, since) = activity.read();
    let deadline = since + shared.config.limits.header_timeout;
    let accept = acceptor.accept(watched);
    tokio::pin!(accept);
    loop {
        tokio::select! {
            done = accept.as_mut() => {
                return match done {
                    Ok(tls) => Some(tls),
                    Err(e) => {
                        shared.counters.guard(Guard::TlsHandshakeFailed);
                        tracing::debug!("TLS handshake failed: {e}");
                        None
                    }
                };
            }
            () = activity.changed.notified() => {
                if activity.evicted.load(Ordering::Acquire) {
                    shared.counters.guard(Guard::Evicted);
                    tracing::debug!("connection closed during its TLS handshake: evicted");
                    return None;
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                shared.counters.guard(Guard::HeaderTimeout);
                tracing::debug!("connection closed: TLS handshake past the header deadline");
                return None;
            }
        }
    }
}

/// Serves HTTP/1.1 on `io` (the watched socket, or TLS over it) under the head and idle
/// deadlines.
async fn serve_http<I>(io: I, activity: Arc<Activity>, app: Router, shared: Arc<Shared>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = shared.config.limits;
    let io = TokioIo::new(io);
    let service = {
        let (activity, shared) = (activity.clone(), shared.clone());
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let (app, shared, activity) = (app.clone(), shared.clone(), activity.clone());
            async move {
                activity.busy();
                let req = req.map(axum::body::Body::new);
                let response = if req.uri().path().starts_with("/__sim/") {
                    match app.oneshot(req).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    }
                } else {
                    serve_vendor(&shared, req).await
                };
                activity.idle();
                if response.extensions().get::<DropConnection>().is_some() {
                    Err(Dropped)
                } else {
                    Ok::<_, Dropped>(response)
                }
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .half_close(true)
        // The watch below times heads; hyper's own timer would also cut idle connections.
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(conn);
    loop {
        let (phase, since) = activity.read();
        let deadline = match phase {
            Phase::Head => Some(since + limits.header_timeout),
            Phase::Idle => Some(since + limits.idle_timeout),
            Phase::Busy => None,
        };
        let expired = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!("connection ended: {e}");
                }
                return;
            }
            () = activity.changed.notified() => {
                if activity.evicted.load(Ordering::Acquire) {
                    shared.counters.guard(Guard::Evicted);
                    tracing::debug!("connection closed: evicted for a new one");
                    return;
                }
            }
            () = expired => {
                // The phase may have moved on in the same poll: only a deadline still in force
                // closes the connection.
                if activity.read() == (phase, since) {
                    shared.counters.guard(match phase {
                        Phase::Idle => Guard::IdleTimeout,
                        _ => Guard::HeaderTimeout,
                    });
                    tracing::debug!("connection closed: {phase:?} deadline passed");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_and_its_start_share_one_word() {
        let a = Activity::new();
        assert_eq!(
            a.read().0,
            Phase::Head,
            "a new connection waits for its first head"
        );
        a.bytes_arrived();
        assert_eq!(
            a.read().0,
            Phase::Head,
            "bytes of the first head change nothing"
        );
        a.busy();
        assert_eq!(a.read().0, Phase::Busy);
        a.bytes_arrived();
        assert_eq!(
            a.read().0,
            Phase::Busy,
            "pipelined bytes do not end a request"
        );
        a.idle();
        let (phase, since) = a.read();
        assert_eq!(phase, Phase::Idle);
        a.bytes_arrived();
        let (phase, began) = a.read();
        assert_eq!(phase, Phase::Head);
        assert!(began >= since);
    }
}
