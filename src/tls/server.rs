//! TLS on the gRPC listener.
//!
//! The certificate, key and client CA are PEM files re-read every `reload_interval`; when
//! their contents change (cert-manager rewrites them in place, or swaps a symlink) a new
//! configuration is built and used for the connections accepted from then on. Established
//! connections keep the session they negotiated. A half-written rotation (a new certificate
//! beside the old key) fails to build and leaves the previous configuration in place until the
//! files agree again.
//!
//! The handshakes themselves run in `transport`, off its accept loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::{TlsError, parse_certs, parse_key, parse_roots, provider, read};
use crate::config::ServerTlsSettings;
use crate::sync::lock;

/// A certificate with fewer days left is logged as a warning at every load.
const EXPIRY_WARNING_DAYS: i64 = 7;

/// The files of the configuration.
#[derive(Debug, Clone)]
struct Files {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

impl Files {
    /// Their contents, and a digest that tells a change.
    fn read(&self) -> Result<(Contents, [u8; 32]), TlsError> {
        let contents = Contents {
            cert: read(&self.cert)?,
            key: read(&self.key)?,
            client_ca: self.client_ca.as_deref().map(read).transpose()?,
        };
        let mut digest = Sha256::new();
        for part in [&contents.cert, &contents.key] {
            digest.update((part.len() as u64).to_le_bytes());
            digest.update(part);
        }
        if let Some(ca) = &contents.client_ca {
            digest.update(ca);
        }
        Ok((contents, digest.finalize().into()))
    }
}

struct Contents {
    cert: Vec<u8>,
    key: Vec<u8>,
    client_ca: Option<Vec<u8>>,
}

/// The listener's TLS configuration, swapped in place on rotation.
pub struct ServerTls {
    files: Files,
    current: ArcSwap<ServerConfig>,
    /// Digest of the files the current configuration was built from, and of the last contents
    /// that failed (so that a bad rotation is reported once, not every interval).
    seen: std::sync::Mutex<([u8; 32], Option<[u8; 32]>)>,
    reload_interval: Duration,
}

impl ServerTls {
    /// Builds the configuration from the files; an error names the file and what is wrong.
    pub fn load(settings: &ServerTlsSettings) -> Result<Arc<Self>, TlsError> {
        let files = Files {
            cert: settings.cert_file.clone(),
            key: settings.key_file.clone(),
            client_ca: settings.client_ca_file.clone(),
        };
        let (contents, digest) = files.read()?;
        let (config, leaf) = build(&files, &contents)?;
        log_certificate(&files, &leaf, "TLS certificate loaded");
        Ok(Arc::new(Self {
            files,
            current: ArcSwap::from_pointee(config),
            seen: std::sync::Mutex::new((digest, None)),
            reload_interval: settings.reload_interval,
        }))
    }

    /// Client certificates are asked for and verified.
    pub fn requires_client_certificates(&self) -> bool {
        self.files.client_ca.is_some()
    }

    /// Re-reads the files every `reload_interval` until `stop`.
    pub async fn watch(self: Arc<Self>, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(self.reload_interval) => {}
            }
            let this = self.clone();
            // File reads and key parsing block; keep them off the runtime's workers.
            let _ = tokio::task::spawn_blocking(move || this.reload_if_changed()).await;
        }
    }

    /// Swaps in a new configuration when the files changed and agree with each other.
    fn reload_if_changed(&self) {
        let (contents, digest) = match self.files.read() {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(%error, "cannot read the TLS files; keeping the current certificate");
                return;
            }
        };
        let mut seen = lock(&self.seen);
        if seen.0 == digest {
            return;
        }
        // Built again on every check, not only on a change: a certificate not valid yet
        // becomes valid without its file changing.
        match build(&self.files, &contents) {
            Ok((config, leaf)) => {
                self.current.store(Arc::new(config));
                *seen = (digest, None);
                log_certificate(&self.files, &leaf, "TLS certificate reloaded");
            }
            Err(error) => {
                if seen.1 != Some(digest) {
                    tracing::warn!(%error, "the changed TLS files do not form a usable configuration; keeping the current certificate");
                }
                seen.1 = Some(digest);
            }
        }
    }

    /// An acceptor for the next connection, with the configuration in force now.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.current.load_full())
    }
}

/// The leaf certificate's subject and validity, read to refuse and to report.
struct Leaf {
    subject: String,
    not_before: i64,
    not_after: i64,
}

impl Leaf {
    fn read(path: &std::path::Path, der: &[u8]) -> Result<Self, TlsError> {
        use x509_parser::prelude::FromDer as _;
        let (_, cert) =
            x509_parser::certificate::X509Certificate::from_der(der).map_err(|error| {
                TlsError::Invalid {
                    path: path.to_owned(),
                    reason: error.to_string(),
                }
            })?;
        let validity = cert.validity();
        Ok(Self {
            subject: cert.subject().to_string(),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }

    /// A certificate no client would accept now is refused rather than served.
    fn check_valid_now(&self, path: &std::path::Path) -> Result<(), TlsError> {
        let now = chrono::Utc::now().timestamp();
        let invalid = |reason: String| TlsError::Invalid {
            path: path.to_owned(),
            reason,
        };
        if now < self.not_before {
            return Err(invalid(format!(
                "not valid before {}",
                rfc3339(self.not_before)
            )));
        }
        if now > self.not_after {
            return Err(invalid(format!("expired at {}", rfc3339(self.not_after))));
        }
        Ok(())
    }
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|at| at.to_rfc3339())
        .unwrap_or_else(|| unix.to_string())
}

fn build(files: &Files, contents: &Contents) -> Result<(ServerConfig, Leaf), TlsError> {
    let certs = parse_certs(&files.cert, &contents.cert)?;
    let leaf = certs
        .first()
        .map(|der| Leaf::read(&files.cert, der))
        .ok_or_else(|| TlsError::Empty {
            path: files.cert.clone(),
            what: "certificate",
        })??;
    leaf.check_valid_now(&files.cert)?;
    let key = parse_key(&files.key, &contents.key)?;
    let config_error = |error: rustls::Error| TlsError::Config(error.to_string());
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(config_error)?;
    let builder = match (&files.client_ca, &contents.client_ca) {
        (Some(path), Some(pem)) => {
            let roots = parse_roots(path, pem)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|error| TlsError::Config(error.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        _ => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|error| {
        TlsError::Config(format!(
            "{} and {} do not go together: {error}",
            files.cert.display(),
            files.key.display()
        ))
    })?;
    // gRPC runs over HTTP/2 only, and clients (grpc-go, grpcio) require it to be negotiated;
    // a browser offers both and gets h2 too. HTTP/1.1 is for other clients of the web console
    // (`server.console`), which gRPC-Web lets work over either.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((config, leaf))
}

/// Logs which certificate is in use and until when; warns when that is soon.
fn log_certificate(files: &Files, leaf: &Leaf, message: &'static str) {
    let days_left = (leaf.not_after - chrono::Utc::now().timestamp()) / 86_400;
    tracing::info!(
        cert = %files.cert.display(),
        subject = %leaf.subject,
        not_after = %rfc3339(leaf.not_after),
        client_certificates = files.client_ca.is_some(),
        "{message}"
    );
    if days_left < EXPIRY_WARNING_DAYS {
        tracing::warn!(
            cert = %files.cert.display(),
            days_left,
            "the TLS certificate expires soon; rotate it"
        );
    }
}
