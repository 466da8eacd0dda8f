//! A lean HTTP/1.1 client for plain-HTTP hosts, timed into Goose with
//! `record_custom_request_duration`.
//!
//! Goose's own path (reqwest, a request metric with the full URL and headers, per-second
//! bookkeeping) costs more CPU per request than the simulator it drives on a two-core machine:
//! measured at 0.35 of oha's rate. Each Goose user here keeps one keep-alive connection of its
//! own and sends the request campaign-api rendered as is; the time recorded is the same time to
//! first byte Goose records. HTTPS hosts, and runs using Goose's throttle (which only
//! `GooseUser::request` honours), keep Goose's client.

use bytes::Bytes;
use campaign_api::{RenderedRequest, TransportClass};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

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
        }
    }
}

/// One user's connection to one host.
#[derive(Debug)]
pub struct LeanClient {
    authority: String,
    timeout: Duration,
    conn: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl LeanClient {
    /// A client for `host:port`.
    pub fn new(authority: String, timeout: Duration) -> LeanClient {
        LeanClient {
            authority,
            timeout,
            conn: tokio::sync::Mutex::new(None),
        }
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, LeanError> {
        let stream = tokio::time::timeout(self.timeout, TcpStream::connect(&self.authority))
            .await
            .map_err(|_| LeanError::Timeout)?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => LeanError::Refused,
                _ => LeanError::Connect,
            })?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|_| LeanError::Connect)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `request` on this user's connection (opening one if needed).
    pub async fn send(&self, request: &RenderedRequest) -> Result<LeanResponse, LeanError> {
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_none_or(|s| s.is_closed()) {
            *slot = Some(self.connect().await?);
        }
        let Some(sender) = slot.as_mut() else {
            return Err(LeanError::Connect);
        };
        if sender.ready().await.is_err() {
            *slot = Some(self.connect().await?);
        }
        let Some(sender) = slot.as_mut() else {
            return Err(LeanError::Connect);
        };
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(request.path_and_query())
            .header(http::header::HOST, self.authority.as_str());
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let req = builder
            .body(Full::new(request.body.clone().unwrap_or_default()))
            .map_err(|_| LeanError::Connect)?;
        let started = Instant::now();
        let response = match tokio::time::timeout(self.timeout, sender.send_request(req)).await {
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
        let left = self.timeout.saturating_sub(ttfb);
        let body = match tokio::time::timeout(
            left,
            Limited::new(body, campaign_api::client::DEFAULT_MAX_BODY).collect(),
        )
        .await
        {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) | Err(_) => {
                *slot = None;
                return Err(LeanError::BodyRead);
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
