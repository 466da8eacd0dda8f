//! Which HTTPS servers the harness's clients trust: one setting, read once, for every client.
//!
//! The contract client and Goose's client (reqwest) and the lean load client (hyper over
//! tokio-rustls) each build their TLS their own way; all three take it from a [`Trust`], so
//! `--ca-file` and `--insecure` mean the same on every path and a certificate a run trusts on
//! one client it trusts on the others.
//!
//! - Default: the platform's roots (rustls-platform-verifier, the verifier reqwest uses too).
//! - `ca_file`: **only** the certificates in that PEM file are roots, as with curl's
//!   `--cacert`: a host signed by a public CA is not trusted unless its CA is in the file too.
//!   A self-signed simulator or a staging host with a private CA is what this is for; mixing in
//!   the platform roots would let a mistyped host name with a public certificate pass silently.
//!   A self-signed certificate the server presents as its own must not be marked as a CA:
//!   webpki refuses that (`CaUsedAsEndEntity`), and `openssl req -x509` marks it so unless given
//!   `-addext basicConstraints=critical,CA:FALSE` (curl, on OpenSSL, accepts it either way).
//! - `insecure`: **any certificate is accepted**, from anyone, for any name. Encryption stays,
//!   authentication is gone: a machine in the middle reads and alters every request, credentials
//!   included. Only for a throwaway host on a network you control.
//!
//! Both use aws-lc-rs, the crypto provider reqwest already compiles in; nothing here builds a
//! second one.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest PEM file read (a CA bundle, the simulator's certificate or key): a mistyped path to a
/// log or an image fails with a clear reason instead of being read into memory.
pub const MAX_PEM_BYTES: u64 = 1024 * 1024;

/// Which HTTPS servers a client trusts. The default trusts the platform's roots and is never
/// insecure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// A PEM file whose certificates are the only roots trusted (see the module notes).
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate. **Dangerous**: see the module notes.
    pub insecure: bool,
}

/// A trust setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The CA file is missing, unreadable, too large or holds no usable certificate.
    #[error("CA file {}: {problem}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: CaFileProblem,
    },
    /// A CA file and `insecure` were both given: one says verify, the other says do not.
    #[error("a CA file ({}) and insecure were both given; choose one", path.display())]
    Conflict {
        /// The CA file.
        path: PathBuf,
    },
    /// The TLS library refused the configuration (no platform verifier on this system, …).
    #[error("TLS setup failed: {detail}")]
    Setup {
        /// What the TLS library said.
        detail: String,
    },
}

/// What is wrong with a CA file (see [`TrustError::CaFile`], which names the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaFileProblem {
    /// The file does not read as PEM certificates.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// The certificate at this position (from 1) is not X.509 rustls can use.
    #[error("certificate {index} does not parse: {detail}")]
    BadCertificate {
        /// Its position in the file, from 1.
        index: usize,
        /// What rustls said.
        detail: String,
    },
    /// reqwest refuses a certificate rustls took.
    #[error("reqwest refuses a certificate: {detail}")]
    RefusedByReqwest {
        /// What reqwest said.
        detail: String,
    },
}

/// What is wrong with a PEM file. Carries no path: the caller puts it beside the file's name
/// or the flag that gave it (`--ca-file`, `--tls-cert`), which is what the user must fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// Missing, unreadable, not a regular file, or over [`MAX_PEM_BYTES`] (a mistyped path to a
    /// log or an image); see [`read_capped_bytes`](crate::read_capped_bytes).
    #[error(transparent)]
    File(crate::InputProblem),
    /// A PEM block that does not decode.
    #[error("not PEM: {detail}")]
    NotPem {
        /// What the PEM reader said.
        detail: String,
    },
    /// Well-formed, but no `CERTIFICATE` block in it.
    #[error("no PEM certificate (-----BEGIN CERTIFICATE-----) in it")]
    NoCertificate,
}

/// Reads a PEM file of at most [`MAX_PEM_BYTES`]: the one reader for every PEM file the harness
/// takes (a CA file here, the simulator's certificate and key). The error is a reason without
/// the path, for the caller to put beside the file's name (or the flag's).
pub fn read_pem_file(path: &Path) -> Result<Vec<u8>, PemError> {
    crate::input_file::read_capped_bytes(path, MAX_PEM_BYTES, "PEM file")
        .map_err(|e| PemError::File(e.problem))
}

/// The certificates of a PEM file: at least one, each a well-formed PEM block. The error is a
/// reason without the path (see [`read_pem_file`]).
pub(crate) fn pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let bytes = read_pem_file(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PemError::NotPem {
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(PemError::NoCertificate);
    }
    Ok(certs)
}

/// aws-lc-rs, named rather than taken from rustls' process default: the default panics or
/// guesses when a dependency ever compiles in a second provider.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

impl Trust {
    /// Checks the setting once, where it enters (a flag, a config file): the CA file exists, is a
    /// regular file of at most [`MAX_PEM_BYTES`] and holds at least one certificate that parses
    /// as X.509; a CA file and `insecure` are not both given. The error names the file.
    pub fn check(&self) -> Result<(), TrustError> {
        self.roots().map(|_| ())
    }

    /// The CA file's certificates as a root store (`None` without a CA file).
    fn roots(&self) -> Result<Option<RootCertStore>, TrustError> {
        let Some(path) = &self.ca_file else {
            return Ok(None);
        };
        if self.insecure {
            return Err(TrustError::Conflict { path: path.clone() });
        }
        let err = |problem: CaFileProblem| TrustError::CaFile {
            path: path.clone(),
            problem,
        };
        let mut roots = RootCertStore::empty();
        for (i, cert) in pem_certificates(path)
            .map_err(|e| err(e.into()))?
            .into_iter()
            .enumerate()
        {
            roots.add(cert).map_err(|e| {
                err(CaFileProblem::BadCertificate {
                    index: i + 1,
                    detail: e.to_string(),
                })
            })?;
        }
        Ok(Some(roots))
    }

    /// A rustls client configuration for this setting (HTTP/1.1 offered by ALPN), for clients
    /// that drive TLS themselves (the lean load client):
    ///
    /// - default: the platform verifier (the platform's roots, as reqwest's default);
    /// - `ca_file`: only that file's certificates are roots (platform roots are **not** added);
    /// - `insecure`: a verifier that accepts any certificate for any name (it still checks the
    ///   handshake's signatures against the certificate presented, which proves nothing about
    ///   who the server is).
    pub fn rustls_config(&self) -> Result<Arc<rustls::ClientConfig>, TrustError> {
        let setup = |e: rustls::Error| TrustError::Setup {
            detail: e.to_string(),
        };
        let provider = provider();
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(setup)?;
        let builder = if let Some(roots) = self.roots()? {
            builder.with_root_certificates(roots)
        } else if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
        } else {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(setup)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        };
        let mut config = builder.with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// Applies this setting to a reqwest client (the contract client, Goose's client): with a
    /// CA file only its certificates are roots (`tls_certs_only`), insecure accepts any
    /// certificate (`tls_danger_accept_invalid_certs`), the default leaves reqwest's platform
    /// verifier in place.
    pub fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TrustError> {
        // The same checks as `rustls_config`, so both paths refuse the same files.
        self.check()?;
        if let Some(path) = &self.ca_file {
            let err = |problem: CaFileProblem| TrustError::CaFile {
                path: path.clone(),
                problem,
            };
            let mut certs = Vec::new();
            for der in pem_certificates(path).map_err(|e| err(e.into()))? {
                certs.push(reqwest::Certificate::from_der(&der).map_err(|e| {
                    err(CaFileProblem::RefusedByReqwest {
                        detail: e.to_string(),
                    })
                })?);
            }
            return Ok(builder.tls_certs_only(certs));
        }
        if self.insecure {
            return Ok(builder.tls_danger_accept_invalid_certs(true));
        }
        Ok(builder)
    }
}

/// **Accepts any server certificate**, for [`Trust::insecure`] only. The handshake's signature
/// is still checked against the certificate presented (so the connection is at least with
/// whoever holds that certificate's key), but nothing ties that certificate to the host.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("campaign-api-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn self_signed() -> String {
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
            .expect("rcgen makes a certificate");
        cert.cert.pem()
    }

    fn ca_error(trust: &Trust) -> String {
        match trust.check() {
            Err(e @ TrustError::CaFile { .. }) => e.to_string(),
            other => panic!("expected a CA file error, got {other:?}"),
        }
    }

    #[test]
    fn the_default_trusts_the_platform_and_is_not_insecure() {
        let trust = Trust::default();
        assert!(!trust.insecure);
        assert_eq!(trust.ca_file, None);
        trust.check().expect("nothing to check");
        let config = trust.rustls_config().expect("platform verifier");
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        trust
            .apply(reqwest::Client::builder())
            .expect("applies")
            .build()
            .expect("reqwest builds");
    }

    #[test]
    fn check_names_the_file_and_says_what_is_wrong() {
        let missing = std::env::temp_dir().join("campaign-api-trust-no-such-file.pem");
        let e = ca_error(&Trust {
            ca_file: Some(missing.clone()),
            insecure: false,
        });
        assert!(e.contains(&missing.display().to_string()), "{e}");

        let dir = std::env::temp_dir();
        let e = ca_error(&Trust {
            ca_file: Some(dir.clone()),
            insecure: false,
        });
        assert!(e.contains("not a regular file"), "{e}");

        let big = temp("big.pem", &vec![b'a'; (MAX_PEM_BYTES + 1) as usize]);
        let e = ca_error(&Trust {
            ca_file: Some(big.clone()),
            insecure: false,
        });
        assert!(
            e.contains("over the 1 MiB cap for a PEM file") && e.contains("big.pem"),
            "{e}"
        );

        let text = temp("text.pem", b"hello, not a certificate\n");
        let e = ca_error(&Trust {
            ca_file: Some(text),
            insecure: false,
        });
        assert!(
            e.contains("no PEM certificate") && e.contains("text.pem"),
            "{e}"
        );

        let garbage = temp(
            "garbage.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let e = ca_error(&Trust {
            ca_file: Some(garbage),
            insecure: false,
        });
        assert!(
            e.contains("does not parse") && e.contains("garbage.pem"),
            "{e}"
        );
    }

    #[test]
    fn a_ca_file_and_insecure_together_are_refused() {
        let ca = temp("both.pem", self_signed().as_bytes());
        let trust = Trust {
            ca_file: Some(ca),
            insecure: true,
        };
        assert!(matches!(trust.check(), Err(TrustError::Conflict { .. })));
        assert!(matches!(
            trust.rustls_config(),
            Err(TrustError::Conflict { .. })
        ));
        assert!(matches!(
            trust.apply(reqwest::Client::builder()),
            Err(TrustError::Conflict { .. })
        ));
    }

    #[test]
    fn a_ca_file_makes_a_config_for_both_clients() {
        let ca = temp("ca.pem", self_signed().as_bytes());
        let trust = Trust {
            ca_file: Some(ca),
            insecure: false,
        };
        trust.check().expect("a good CA file");
        let config = trust.rustls_config().expect("config");
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        trust
            .apply(reqwest::Client::builder())
            .expect("applies")
            .build()
            .expect("reqwest builds");
    }

    #[test]
    fn insecure_makes_a_config_for_both_clients() {
        let trust = Trust {
            ca_file: None,
            insecure: true,
        };
        trust.check().expect("nothing to check");
        let config = trust.rustls_config().expect("config");
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        trust
            .apply(reqwest::Client::builder())
            .expect("applies")
            .build()
            .expect("reqwest builds");
    }
}
