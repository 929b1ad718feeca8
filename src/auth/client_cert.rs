//! Callers known by their client certificate (mTLS): the certificate's subject CN or one of its
//! subject alternative names, mapped in the settings to a tenant and roles. The TLS handshake
//! has verified the certificate against `server.tls.client_ca_file` before anything here runs.

use std::collections::HashMap;
use std::sync::Arc;

use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

use super::Principal;

/// The names a verified client certificate carries: its subject CNs first, then its DNS, URI
/// and email SANs, in certificate order. Read once per connection, at the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub names: Vec<String>,
}

impl ClientIdentity {
    /// The names of a DER certificate; an error says why it cannot be read.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let mut names: Vec<String> = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
            .collect();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(text)
                    | GeneralName::URI(text)
                    | GeneralName::RFC822Name(text) => names.push((*text).to_owned()),
                    _ => {}
                }
            }
        }
        Ok(Self { names })
    }
}

impl std::fmt::Display for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.names.is_empty() {
            return f.write_str("a certificate without a CN or SAN");
        }
        write!(f, "{}", self.names.join(", "))
    }
}

/// `auth.client_certs`: certificate names to principals.
#[derive(Debug, Default)]
pub struct ClientCerts {
    by_name: HashMap<String, Arc<Principal>>,
}

impl ClientCerts {
    pub fn new(entries: impl IntoIterator<Item = Principal>) -> Self {
        Self {
            by_name: entries
                .into_iter()
                .map(|principal| (principal.name.clone(), Arc::new(principal)))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The principal of the first of the certificate's names that is mapped.
    pub fn find(&self, identity: &ClientIdentity) -> Option<Arc<Principal>> {
        identity
            .names
            .iter()
            .find_map(|name| self.by_name.get(name).cloned())
    }
}
