//! The async client: sends a rendered request and returns the raw exchange.
//!
//! It returns what came over the wire (status, headers, bytes, time) rather than a parsed body,
//! so callers validate the real response. Every transport failure becomes a typed
//! [`TransportError`]; nothing here panics on what a server sends.

use crate::class::TransportClass;
use crate::operation::OperationId;
use crate::request::{RenderError, RenderedRequest};
use crate::target::{Target, host_label};
use crate::trust::{Trust, TrustError};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode};
use std::error::Error as _;
use std::time::{Duration, Instant};

/// Bodies beyond this are cut off and reported, so a misbehaving host cannot exhaust memory.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Whole-request timeout (connect, headers and body).
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Largest body read in full.
    pub max_body: usize,
    /// Which HTTPS servers are trusted (default: the platform's roots).
    pub trust: Trust,
    /// The `User-Agent` sent, so a host's log says who called (default: none).
    pub user_agent: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body: DEFAULT_MAX_BODY,
            trust: Trust::default(),
            user_agent: None,
        }
    }
}

/// One request and its response, as seen on the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The operation sent.
    pub operation: OperationId,
    /// Response status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
    /// From sending the request to the last body byte.
    pub elapsed: Duration,
}

impl Exchange {
    /// The `Content-Type` header, if present and readable.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// True when `Content-Type` is JSON (`application/json`, any parameters).
    pub fn is_json(&self) -> bool {
        self.content_type().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        })
    }

    /// Parses the body as `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// A transport failure: no complete response arrived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No complete response within the timeout.
    #[error("{operation}: timed out after {after:?} waiting for {host}")]
    Timeout {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// The timeout in force.
        after: Duration,
    },
    /// Nothing listens there.
    #[error("{operation}: connection refused by {host}")]
    Refused {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
    },
    /// The peer closed or reset the connection before a complete response.
    #[error(
        "{operation}: connection to {host} was closed or reset before a complete response ({detail})"
    )]
    Reset {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// The underlying error.
        detail: String,
    },
    /// Connecting failed for another reason (DNS, TLS, unreachable).
    #[error("{operation}: could not connect to {host}: {detail}")]
    Connect {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// The underlying error.
        detail: String,
    },
    /// The TLS handshake failed (an untrusted certificate, a wrong name, a plain-HTTP port).
    #[error("{operation}: TLS handshake with {host} failed: {detail}")]
    Tls {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// The underlying error.
        detail: String,
    },
    /// Headers arrived but reading the body failed.
    #[error(
        "{operation}: reading the response body from {host} failed after {read} bytes: {detail}"
    )]
    BodyRead {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// Bytes read before the failure.
        read: usize,
        /// The underlying error.
        detail: String,
    },
    /// The body is larger than the limit; it was cut off.
    #[error(
        "{operation}: response body from {host} (status {status}) exceeds {limit} bytes and was cut off"
    )]
    TooLarge {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// Status of the response.
        status: u16,
        /// The limit.
        limit: usize,
    },
    /// Any other failure building or sending the request.
    #[error("{operation}: request to {host} failed: {detail}")]
    Other {
        /// Which operation.
        operation: OperationId,
        /// `host:port`.
        host: String,
        /// The underlying error.
        detail: String,
    },
}

impl TransportError {
    /// A short, stable class name for reports (`timeout`, `refused`, `reset`, …).
    pub fn class(&self) -> TransportClass {
        match self {
            TransportError::Timeout { .. } => TransportClass::Timeout,
            TransportError::Refused { .. } => TransportClass::Refused,
            TransportError::Reset { .. } => TransportClass::Reset,
            TransportError::Connect { .. } => TransportClass::Connect,
            TransportError::Tls { .. } => TransportClass::Tls,
            TransportError::BodyRead { .. } => TransportClass::BodyRead,
            TransportError::TooLarge { .. } => TransportClass::TooLarge,
            TransportError::Other { .. } => TransportClass::Other,
        }
    }
}

/// The HTTP client could not be built (its TLS backend failed to start, the CA file is unusable,
/// …). It names no operation and no host: nothing was sent yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not build the HTTP client: {detail}")]
pub struct ClientSetupError {
    /// What reqwest said.
    pub detail: String,
}

/// Rendering or sending failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// Refused before sending.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Sent, but no complete response.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// The harness's HTTP client (reqwest with rustls; no cookies, no proxy, no decompression).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

fn detail(e: &reqwest::Error) -> String {
    // reqwest's own Display names the URL; the chain below it says what happened.
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(e.to_string());
    }
    parts.join(": ")
}

impl Client {
    /// A client with `config`.
    pub fn new(config: ClientConfig) -> Result<Client, ClientSetupError> {
        let setup = |e: TrustError| ClientSetupError {
            detail: e.to_string(),
        };
        let mut builder = config
            .trust
            .apply(reqwest::Client::builder())
            .map_err(setup)?;
        if let Some(ua) = &config.user_agent {
            builder = builder.user_agent(ua.as_str());
        }
        let http = builder
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .tcp_nodelay(true)
            // A redirect would carry the vendor's `auth` / `x-api-key` headers to another host
            // (reqwest strips only the standard credential headers): never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientSetupError { detail: detail(&e) })?;
        Ok(Client { http, config })
    }

    /// The settings in force.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Renders `operation` for `campaign` against `target` and sends it.
    pub async fn call(
        &self,
        target: &Target,
        operation: OperationId,
        campaign: &str,
    ) -> Result<Exchange, CallError> {
        let request = operation.render(target, campaign)?;
        Ok(self.send(request).await?)
    }

    /// Sends a rendered request and reads the whole response (up to the body limit).
    pub async fn send(&self, request: RenderedRequest) -> Result<Exchange, TransportError> {
        let operation = request.operation;
        let host = host_label(&request.url);
        let classify = |e: reqwest::Error, read: Option<usize>| -> TransportError {
            let host = host.clone();
            let detail = detail(&e);
            match (TransportClass::of_reqwest(&e, read.is_some()), read) {
                (TransportClass::Timeout, _) => TransportError::Timeout {
                    operation,
                    host,
                    after: self.config.timeout,
                },
                (_, Some(read)) => TransportError::BodyRead {
                    operation,
                    host,
                    read,
                    detail,
                },
                (TransportClass::Refused, None) => TransportError::Refused { operation, host },
                (TransportClass::Reset, None) => TransportError::Reset {
                    operation,
                    host,
                    detail,
                },
                (TransportClass::Connect, None) => TransportError::Connect {
                    operation,
                    host,
                    detail,
                },
                (TransportClass::Tls, None) => TransportError::Tls {
                    operation,
                    host,
                    detail,
                },
                _ => TransportError::Other {
                    operation,
                    host,
                    detail,
                },
            }
        };
        let mut builder = self
            .http
            .request(request.method, request.url.clone())
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let started = Instant::now();
        let mut response = builder.send().await.map_err(|e| classify(e, None))?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.config.max_body;
        let mut body = BytesMut::with_capacity(
            response
                .content_length()
                .map_or(512, |n| usize::try_from(n).unwrap_or(limit).min(limit)),
        );
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(TransportError::TooLarge {
                            operation,
                            host,
                            status: status.as_u16(),
                            limit,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(classify(e, Some(body.len()))),
            }
        }
        Ok(Exchange {
            operation,
            status,
            headers,
            body: body.freeze(),
            elapsed: started.elapsed(),
        })
    }
}
