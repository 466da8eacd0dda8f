//! A lean HTTP/1.1 client for plain-HTTP and HTTPS hosts, timed into Goose with
//! `record_custom_request_duration`.
//!
//! Goose's own path (reqwest, a request metric with the full URL and headers, per-second
//! bookkeeping) costs more CPU per request than the simulator it drives on a two-core machine:
//! measured at 0.35 of oha's rate. Each Goose user here keeps one keep-alive connection of its
//! own and sends the request campaign-api rendered as is; the time recorded is the same time to
//! first byte Goose records. Runs using Goose's throttle (which only `GooseUser::request`
//! honours) keep Goose's client.
//!
//! HTTPS: the connection is wrapped in TLS (tokio-rustls) before hyper's handshake, with the
//! rustls configuration campaign-api's [`Trust`](campaign_api::Trust) makes, so `--ca-file` and
//! `--insecure` mean here what they mean for Goose's client. The handshake happens once per
//! connection, so one per user while the host keeps the connection alive.

use bytes::Bytes;
use campaign_api::{RenderedRequest, TransportClass};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::ServerName;

/// What a lean exchange produced.
#[derive(Debug)]
pub struct LeanResponse {
    /// Status.
    pub status: http::StatusCode,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body (up to campaign-api's limit).
    pub body: Bytes,
    /// Time to the response head.
    pub ttfb: Duration,
}

/// Why a lean exchange failed, as a transport class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeanError {
    /// Nothing listens.
    Refused,
    /// Connecting failed otherwise.
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// The connection closed or reset before a complete answer.
    Reset,
    /// The body broke off.
    BodyRead,
    /// The body was longer than campaign-api's limit.
    TooLarge,
    /// The TLS handshake failed (the certificate is not trusted or not for this name, or the
    /// host does not speak TLS on that port).
    Tls,
}

impl LeanError {
    /// The transport class, as every client of the workspace names it.
    pub fn class(self) -> TransportClass {
        match self {
            LeanError::Refused => TransportClass::Refused,
            LeanError::Connect => TransportClass::Connect,
            LeanError::Timeout => TransportClass::Timeout,
            LeanError::Reset => TransportClass::Reset,
            LeanError::BodyRead => TransportClass::BodyRead,
            LeanError::TooLarge => TransportClass::TooLarge,
            LeanError::Tls => TransportClass::Tls,
        }
    }
}

/// TLS for a lean client: how to verify the host, and the name its certificate must carry.
#[derive(Debug, Clone)]
pub struct LeanTls {
    /// From [`Trust::rustls_config`](campaign_api::Trust::rustls_config): one per run, shared
    /// by every user (it holds the roots and the session cache).
    pub config: Arc<rustls::ClientConfig>,
    /// The host's name (or IP address) as in its URL: sent as SNI and checked against the
    /// certificate.
    pub server_name: ServerName<'static>,
}

/// A host that cannot be a TLS server name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{host:?} is neither a DNS name nor an IP address, so it cannot be checked against a certificate"
)]
pub struct ServerNameError {
    /// The host given.
    pub host: String,
}

impl LeanTls {
    /// TLS for `host`, the host part of an `https://` URL (`example.com`, `127.0.0.1`, `[::1]`;
    /// no port).
    pub fn new(config: Arc<rustls::ClientConfig>, host: &str) -> Result<LeanTls, ServerNameError> {
        // A URL writes an IPv6 address in brackets; a server name is the bare address.
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let server_name = ServerName::try_from(bare.to_string()).map_err(|_| ServerNameError {
            host: host.to_string(),
        })?;
        Ok(LeanTls {
            config,
            server_name,
        })
    }
}

/// One user's connection to one host.
#[derive(Debug)]
pub struct LeanClient {
    authority: String,
    timeout: Duration,
    tls: Option<LeanTls>,
    user_agent: Option<http::HeaderValue>,
    conn: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl LeanClient {
    /// A plain-HTTP client for `host:port`.
    #[cfg(test)]
    pub fn new(authority: String, timeout: Duration) -> LeanClient {
        LeanClient::with_tls(authority, timeout, None)
    }

    /// A client for `host:port`, over TLS when `tls` is given (an `https://` host). `host:port`
    /// is what the TCP connection and the `Host` header name; the certificate is checked against
    /// `tls.server_name`.
    pub fn with_tls(authority: String, timeout: Duration, tls: Option<LeanTls>) -> LeanClient {
        LeanClient {
            authority,
            timeout,
            tls,
            user_agent: None,
            conn: tokio::sync::Mutex::new(None),
        }
    }

    /// Sends `value` as every request's `User-Agent` (see [`super::user_agent`]).
    pub fn with_user_agent(mut self, value: http::HeaderValue) -> LeanClient {
        self.user_agent = Some(value);
        self
    }

    /// A new connection: TCP, then TLS when configured, then hyper's HTTP/1.1 handshake, all
    /// by `deadline` (the exchange's: one timeout covers connecting and the answer alike).
    async fn connect(
        &self,
        deadline: tokio::time::Instant,
    ) -> Result<SendRequest<Full<Bytes>>, LeanError> {
        let stream = tokio::time::timeout_at(deadline, TcpStream::connect(&self.authority))
            .await
            .map_err(|_| LeanError::Timeout)?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => LeanError::Refused,
                _ => LeanError::Connect,
            })?;
        let _ = stream.set_nodelay(true);
        match &self.tls {
            None => http1_over(stream).await,
            Some(tls) => {
                let connector = tokio_rustls::TlsConnector::from(tls.config.clone());
                let stream = tokio::time::timeout_at(
                    deadline,
                    connector.connect(tls.server_name.clone(), stream),
                )
                .await
                .map_err(|_| LeanError::Timeout)?
                .map_err(|e| handshake_error(&e))?;
                http1_over(stream).await
            }
        }
    }

    /// Sends `request` on this user's connection (opening one if needed). The `Host` header is
    /// the client's `host:port`, over TLS as over plain HTTP.
    pub async fn send(&self, request: &RenderedRequest) -> Result<LeanResponse, LeanError> {
        // One timeout for the whole exchange, connecting included: a host slow at every stage
        // (connect, handshake, head, body) still ends it within one timeout.
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_none_or(|s| s.is_closed()) {
            *slot = Some(self.connect(deadline).await?);
        }
        let Some(sender) = slot.as_mut() else {
            return Err(LeanError::Connect);
        };
        if sender.ready().await.is_err() {
            *slot = Some(self.connect(deadline).await?);
        }
        let Some(sender) = slot.as_mut() else {
            return Err(LeanError::Connect);
        };
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(request.path_and_query())
            .header(http::header::HOST, self.authority.as_str());
        if let Some(ua) = &self.user_agent {
            builder = builder.header(http::header::USER_AGENT, ua);
        }
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let req = builder
            .body(Full::new(request.body.clone().unwrap_or_default()))
            .map_err(|_| LeanError::Connect)?;
        let started = Instant::now();
        let response = match tokio::time::timeout_at(deadline, sender.send_request(req)).await {
            Err(_) => {
                *slot = None;
                return Err(LeanError::Timeout);
            }
            Ok(Err(_)) => {
                *slot = None;
                return Err(LeanError::Reset);
            }
            Ok(Ok(r)) => r,
        };
        let ttfb = started.elapsed();
        let (parts, body) = response.into_parts();
        let body = match tokio::time::timeout_at(
            deadline,
            Limited::new(body, campaign_api::DEFAULT_MAX_BODY).collect(),
        )
        .await
        {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) => {
                *slot = None;
                return Err(if e.is::<http_body_util::LengthLimitError>() {
                    LeanError::TooLarge
                } else {
                    LeanError::BodyRead
                });
            }
            Err(_) => {
                *slot = None;
                return Err(LeanError::Timeout);
            }
        };
        Ok(LeanResponse {
            status: parts.status,
            headers: parts.headers,
            body,
            ttfb,
        })
    }
}

/// hyper's HTTP/1.1 handshake on `io`, its connection driven by a task of its own.
async fn http1_over<I>(io: I) -> Result<SendRequest<Full<Bytes>>, LeanError>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // One buffer per request rather than a vectored write of head and body: over TLS each
    // buffer of a vectored write becomes a TLS record of its own (encrypted, framed and sent
    // apart), which doubles the per-request work for a small POST.
    let (sender, conn) = http1::Builder::new()
        .writev(false)
        .handshake(hyper_util::rt::TokioIo::new(io))
        .await
        .map_err(|_| LeanError::Connect)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// A failed TLS handshake: the host closing or resetting the connection is a reset (as at any
/// other moment); anything rustls refused, or any other failure, is a TLS failure.
fn handshake_error(e: &std::io::Error) -> LeanError {
    if campaign_api::is_tls(e) {
        return LeanError::Tls;
    }
    match e.kind() {
        std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe
        | std::io::ErrorKind::UnexpectedEof => LeanError::Reset,
        _ => LeanError::Tls,
    }
}

/// One exchange on the user's own lean connection (made on its first request), classified
/// with `classify`, and also recorded into Goose's metrics when something of Goose's reads them
/// (its dashboard, running metrics, reports).
pub(crate) async fn exchange(
    lean: &super::Lean,
    user: &mut goose::goose::GooseUser,
    name: &str,
    method: campaign_api::Method,
    request: &RenderedRequest,
    feed_goose: bool,
    classify: impl FnOnce(super::Answer) -> crate::accounting::Fate,
) -> Result<super::Measured, Box<goose::goose::TransactionError>> {
    use crate::accounting::Fate;
    if user.get_session_data::<Arc<LeanClient>>().is_none() {
        user.set_session_data(Arc::new(
            LeanClient::with_tls(lean.authority.clone(), lean.timeout, lean.tls.clone())
                .with_user_agent(lean.user_agent.clone()),
        ));
    }
    let client = match user.get_session_data::<Arc<LeanClient>>() {
        Some(c) => c.clone(),
        None => {
            return Err(Box::new(goose::goose::TransactionError::Custom(
                "lean client missing from session data".into(),
            )));
        }
    };
    let sent = tokio::time::Instant::now();
    let (fate, service, status) = match client.send(request).await {
        Ok(r) => {
            let status = r.status.as_u16();
            let service = r.ttfb;
            let fate = classify(super::Answer {
                status: r.status,
                headers: r.headers,
                body: r.body,
                elapsed: r.ttfb,
            });
            (fate, service, Some(status))
        }
        Err(e) => (Fate::Transport(e.class()), sent.elapsed(), None),
    };
    let method = match method {
        campaign_api::Method::Get => "GET",
        campaign_api::Method::Post => "POST",
    };
    let error = (!fate.is_success()).then(|| fate.label());
    // Goose's own metrics feed only Goose's readers (its dashboard, running metrics, reports):
    // the verdict is made from the recorder, so they are fed only when one of those is on (each
    // request sent into Goose's metrics channel costs about as much CPU as the rest of the
    // exchange), and a channel closed at shutdown loses nothing.
    if feed_goose {
        let _ = user
            .record_custom_request_duration(
                method,
                name,
                service,
                fate.is_success(),
                status,
                error.as_deref(),
            )
            .await;
    }
    Ok(super::Measured {
        fate,
        status,
        sent,
        service,
    })
}

#[cfg(test)]
#[path = "lean_tests.rs"]
mod tests;
