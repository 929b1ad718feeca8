//! TLS of the clients this project runs: `https://` always means TLS, with the system's roots
//! or, when a CA file is given, that CA alone; a client certificate when one is given. There is
//! no plaintext fallback: an `http://` address with TLS settings is refused.

use std::path::Path;

use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use super::{TlsError, parse_certs, parse_key, read};
use crate::config::ClientTlsSettings;

/// Client TLS material, read and checked.
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    /// PEM of the CAs trusted instead of the system's.
    ca: Option<Vec<u8>>,
    /// PEM of the client certificate chain and its key.
    identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl ClientTls {
    /// Reads the files; a certificate without its key (or the reverse) is an error.
    pub fn load(
        ca_file: Option<&Path>,
        cert_file: Option<&Path>,
        key_file: Option<&Path>,
    ) -> Result<Self, TlsError> {
        let ca = ca_file
            .map(|path| {
                let pem = read(path)?;
                parse_certs(path, &pem)?;
                Ok::<_, TlsError>(pem)
            })
            .transpose()?;
        let identity = match (cert_file, key_file) {
            (None, None) => None,
            (Some(cert_path), Some(key_path)) => {
                let (cert, key) = (read(cert_path)?, read(key_path)?);
                parse_certs(cert_path, &cert)?;
                parse_key(key_path, &key)?;
                Some((cert, key))
            }
            _ => {
                return Err(TlsError::Config(
                    "a client certificate needs both its certificate and its key file".into(),
                ));
            }
        };
        Ok(Self { ca, identity })
    }

    pub fn from_settings(settings: &ClientTlsSettings) -> Result<Self, TlsError> {
        Self::load(
            settings.ca_file.as_deref(),
            settings.client_cert_file.as_deref(),
            settings.client_key_file.as_deref(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.ca.is_none() && self.identity.is_none()
    }

    /// For a tonic channel to an `https://` endpoint.
    pub fn tonic(&self) -> ClientTlsConfig {
        let mut config = ClientTlsConfig::new();
        config = match &self.ca {
            Some(ca) => config.ca_certificate(Certificate::from_pem(ca)),
            None => config.with_native_roots(),
        };
        if let Some((cert, key)) = &self.identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        config
    }

    /// For a reqwest client (`http` and `openai` agents, JWKS URLs).
    pub fn reqwest(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        if let Some(ca) = &self.ca {
            let certs = reqwest::Certificate::from_pem_bundle(ca)
                .map_err(|error| TlsError::Config(format!("CA bundle: {error}")))?;
            builder = builder.tls_built_in_root_certs(false);
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some((cert, key)) = &self.identity {
            let mut pem = key.clone();
            pem.push(b'\n');
            pem.extend_from_slice(cert);
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|error| TlsError::Config(format!("client certificate: {error}")))?;
            builder = builder.identity(identity);
        }
        Ok(builder)
    }
}

/// A tonic endpoint for `url`: TLS for `https://` (with `tls`, or the system's roots), plaintext
/// for `http://` only when no TLS settings were given.
pub fn endpoint(
    url: &str,
    tls: Option<&ClientTls>,
) -> Result<tonic::transport::Endpoint, TlsError> {
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned()).map_err(|error| {
        TlsError::Config(format!("{:?}: {error}", crate::secrets::redact_url(url)))
    })?;
    match endpoint.uri().scheme_str() {
        Some("https") => endpoint
            .tls_config(tls.cloned().unwrap_or_default().tonic())
            .map_err(|error| TlsError::Config(error.to_string())),
        Some("http") if tls.is_none_or(ClientTls::is_empty) => Ok(endpoint),
        Some("http") => Err(TlsError::Config(format!(
            "{} is http:// but TLS settings were given: use https://",
            crate::secrets::redact_url(url)
        ))),
        _ => Err(TlsError::Config(format!(
            "{} must start with http:// or https://",
            crate::secrets::redact_url(url)
        ))),
    }
}
