//! HTTPS: the certificate and key the simulator serves with.
//!
//! The handshake itself runs in each connection's task (`connection.rs`), under the header
//! timeout that times the first request head from the accept: a client that connects and never
//! sends a ClientHello is closed like one that never sends a request line, and a failed
//! handshake is counted (`connections.tls_handshake_failures`). The accept loop never waits on
//! a handshake.
//!
//! rustls with aws-lc-rs, the provider reqwest already compiles in; the server offers HTTP/1.1
//! only by ALPN (the simulator speaks nothing else).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate chain and its key, ready to serve. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SimTls {
    config: Arc<rustls::ServerConfig>,
}

/// Which of the two files an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPart {
    /// The certificate chain (`--tls-cert`).
    Cert,
    /// The private key (`--tls-key`).
    Key,
}

impl TlsPart {
    /// The flag that names this file on `campaign-sim`'s command line.
    pub fn flag(self) -> &'static str {
        match self {
            TlsPart::Cert => "--tls-cert",
            TlsPart::Key => "--tls-key",
        }
    }
}

/// A certificate or key file that cannot be served with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {reason}", part.flag(), path.display())]
pub struct TlsFileError {
    /// Which file.
    pub part: TlsPart,
    /// The file.
    pub path: PathBuf,
    /// What is wrong (missing, unreadable, not PEM, the key does not match the certificate).
    pub reason: String,
}

/// Certificate or key bytes that cannot be served with (see [`SimTls::from_pem`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct TlsPemError {
    /// Which part.
    pub part: TlsPart,
    /// What is wrong.
    pub reason: String,
}

impl SimTls {
    /// From PEM bytes: a certificate chain (end entity first) and its private key (PKCS#8,
    /// PKCS#1 or SEC1). Refuses a chain with no certificate, a key that does not parse and a
    /// key that does not match the certificate.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<SimTls, TlsPemError> {
        let err = |part, reason: String| TlsPemError { part, reason };
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(TlsPart::Cert, format!("not PEM: {e}")))?;
        if chain.is_empty() {
            return Err(err(
                TlsPart::Cert,
                "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
            err(
                TlsPart::Key,
                format!("no PEM private key (PKCS#8, PKCS#1 or SEC1) in it: {e}"),
            )
        })?;
        // Named rather than rustls' process default, which guesses when a second provider is
        // ever compiled in.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| err(TlsPart::Cert, e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| match e {
                rustls::Error::InconsistentKeys(_) => err(
                    TlsPart::Key,
                    "does not match the certificate's public key".into(),
                ),
                rustls::Error::General(_) => err(TlsPart::Key, format!("not usable: {e}")),
                other => err(TlsPart::Cert, format!("not usable: {other}")),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(SimTls {
            config: Arc::new(config),
        })
    }

    /// From PEM files (each at most campaign-api's [`MAX_PEM_BYTES`]); the error names the
    /// file and the flag that gave it.
    ///
    /// [`MAX_PEM_BYTES`]: campaign_api::MAX_PEM_BYTES
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<SimTls, TlsFileError> {
        let path_of = |part| match part {
            TlsPart::Cert => cert,
            TlsPart::Key => key,
        };
        let read = |part| {
            campaign_api::read_pem_file(path_of(part)).map_err(|e| TlsFileError {
                part,
                path: path_of(part).to_path_buf(),
                reason: e.to_string(),
            })
        };
        let (cert_pem, key_pem) = (read(TlsPart::Cert)?, read(TlsPart::Key)?);
        SimTls::from_pem(&cert_pem, &key_pem).map_err(|e| TlsFileError {
            part: e.part,
            path: path_of(e.part).to_path_buf(),
            reason: e.reason,
        })
    }

    /// The acceptor one connection's handshake runs through.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}
