//! What kind of failure an answer, or its absence, is: the one table of transport classes and
//! of the statuses that mean "cannot answer now".
//!
//! The contract client, Goose's client in a load run and the lean load client each see a
//! failure their own way (a reqwest error, a hyper error); all three name it with
//! [`TransportClass`], so a report, a load summary and a retry decision agree on what a reset is.

use std::fmt;

/// Why no complete response came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransportClass {
    /// No answer within the timeout.
    Timeout,
    /// Nothing listens on the port.
    Refused,
    /// The connection was closed or reset before a complete response.
    Reset,
    /// Connecting failed otherwise (DNS, unreachable).
    Connect,
    /// The TLS handshake failed: the certificate is not trusted or not for this name, or the
    /// other end does not speak TLS (a plain-HTTP port).
    Tls,
    /// The body broke off after the head arrived.
    BodyRead,
    /// The body was longer than the client's limit and was cut off.
    TooLarge,
    /// Anything else.
    Other,
}

impl TransportClass {
    /// The word reports and load labels use (`timeout`, `body-read`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TransportClass::Timeout => "timeout",
            TransportClass::Refused => "refused",
            TransportClass::Reset => "reset",
            TransportClass::Connect => "connect",
            TransportClass::Tls => "tls",
            TransportClass::BodyRead => "body-read",
            TransportClass::TooLarge => "too-large",
            TransportClass::Other => "other",
        }
    }

    /// The class of a reqwest error, from this crate's client or a load tool's own;
    /// `during_body` when the head had already arrived.
    pub fn of_reqwest(e: &reqwest::Error, during_body: bool) -> TransportClass {
        if e.is_timeout() {
            return TransportClass::Timeout;
        }
        if during_body {
            return TransportClass::BodyRead;
        }
        if is_tls(e) {
            return TransportClass::Tls;
        }
        match io_kind(e) {
            Some(std::io::ErrorKind::ConnectionRefused) => TransportClass::Refused,
            Some(
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof,
            ) => TransportClass::Reset,
            _ if is_incomplete(e) => TransportClass::Reset,
            _ if e.is_connect() => TransportClass::Connect,
            _ => TransportClass::Other,
        }
    }
}

impl fmt::Display for TransportClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True for statuses that mean "could not answer now" (429 and every 5xx): noise to retry or
/// count apart, never drift and never a vendor's refusal.
pub fn is_unavailable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

/// True when a rustls error is in the chain. rustls' errors reach reqwest wrapped in an
/// `io::Error`, whose `source()` skips the wrapped error itself, so each `io::Error` is opened
/// with `get_ref` as well.
pub fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = s
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && is_tls(inner)
        {
            return true;
        }
        source = s.source();
    }
    false
}

fn is_incomplete(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_closed() || h.is_canceled())
        {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_is_429_and_5xx_only() {
        assert!(is_unavailable_status(429));
        assert!(is_unavailable_status(500));
        assert!(is_unavailable_status(599));
        assert!(!is_unavailable_status(400));
        assert!(!is_unavailable_status(404));
        assert!(!is_unavailable_status(200));
        assert!(!is_unavailable_status(302));
    }

    #[test]
    fn words_are_distinct() {
        let all = [
            TransportClass::Timeout,
            TransportClass::Refused,
            TransportClass::Reset,
            TransportClass::Connect,
            TransportClass::Tls,
            TransportClass::BodyRead,
            TransportClass::TooLarge,
            TransportClass::Other,
        ];
        let mut words: Vec<&str> = all.iter().map(|c| c.as_str()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), all.len());
    }

    #[test]
    fn a_rustls_error_inside_an_io_error_is_tls() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(is_tls(&io));
        let plain = std::io::Error::new(std::io::ErrorKind::InvalidData, "not tls");
        assert!(!is_tls(&plain));
    }
}
