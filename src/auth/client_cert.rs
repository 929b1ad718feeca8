//! Callers known by their client certificate (mTLS): the certificate's subject CN or one of its
//! subject alternative names, mapped in the settings to a tenant and roles. The TLS handshake
//! has verified the certificate against `server.tls.client_ca_file` before anything here runs.
//!
//! A mapping names `cn:<name>`, `dns:<name>`, `uri:<name>` or `email:<name>` to match only that
//! kind of name, so that a free-form CN cannot pass for a SPIFFE URI; a bare name matches any
//! kind.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

use super::Principal;

/// The kinds of names a client certificate carries that mappings may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    CommonName,
    Dns,
    Uri,
    Email,
}

impl NameKind {
    pub const ALL: [NameKind; 4] = [
        NameKind::CommonName,
        NameKind::Dns,
        NameKind::Uri,
        NameKind::Email,
    ];

    /// The prefix a mapping uses for this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            NameKind::CommonName => "cn:",
            NameKind::Dns => "dns:",
            NameKind::Uri => "uri:",
            NameKind::Email => "email:",
        }
    }
}

/// The names a verified client certificate carries: its subject CNs first, then its DNS, URI
/// and email SANs, in certificate order. Read once per connection, at the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub names: Vec<(NameKind, String)>,
}

impl ClientIdentity {
    /// The names of a DER certificate; an error says why it cannot be read.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let mut names: Vec<(NameKind, String)> = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(|cn| (NameKind::CommonName, cn.to_owned()))
            .collect();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                let typed = match name {
                    GeneralName::DNSName(text) => (NameKind::Dns, *text),
                    GeneralName::URI(text) => (NameKind::Uri, *text),
                    GeneralName::RFC822Name(text) => (NameKind::Email, *text),
                    _ => continue,
                };
                names.push((typed.0, typed.1.to_owned()));
            }
        }
        Ok(Self { names })
    }
}

impl fmt::Display for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.names.is_empty() {
            return f.write_str("a certificate without a CN or SAN");
        }
        let shown: Vec<String> = self
            .names
            .iter()
            .map(|(kind, name)| format!("{}{name}", kind.prefix()))
            .collect();
        f.write_str(&shown.join(", "))
    }
}

/// `auth.client_certs`: certificate names to principals.
#[derive(Debug, Default)]
pub struct ClientCerts {
    /// By the name as the settings write it: `uri:spiffe://...` or a bare `billing`.
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

    /// The principal of the first of the certificate's names that is mapped, by its kind
    /// first, then bare.
    pub fn find(&self, identity: &ClientIdentity) -> Option<Arc<Principal>> {
        identity.names.iter().find_map(|(kind, name)| {
            self.by_name
                .get(&format!("{}{name}", kind.prefix()))
                .or_else(|| self.by_name.get(name))
                .cloned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Role, Scheme};
    use crate::model::TenantId;

    fn mapped(name: &str) -> Principal {
        Principal {
            name: name.into(),
            tenant: TenantId::new("acme").unwrap(),
            roles: [Role::Viewer].into_iter().collect(),
            scheme: Scheme::ClientCertificate,
        }
    }

    #[test]
    fn a_kind_prefix_matches_only_that_kind_and_a_bare_name_any() {
        let certs = ClientCerts::new([mapped("uri:spiffe://acme/billing"), mapped("ops")]);
        let identity = |names: &[(NameKind, &str)]| ClientIdentity {
            names: names
                .iter()
                .map(|(kind, name)| (*kind, name.to_string()))
                .collect(),
        };
        let spiffe = identity(&[(NameKind::Uri, "spiffe://acme/billing")]);
        assert_eq!(
            certs.find(&spiffe).unwrap().name,
            "uri:spiffe://acme/billing"
        );
        let posing = identity(&[(NameKind::CommonName, "spiffe://acme/billing")]);
        assert!(certs.find(&posing).is_none(), "a CN is not a URI SAN");
        for kind in NameKind::ALL {
            assert_eq!(certs.find(&identity(&[(kind, "ops")])).unwrap().name, "ops");
        }
        assert_eq!(
            identity(&[(NameKind::CommonName, "a"), (NameKind::Dns, "b")]).to_string(),
            "cn:a, dns:b"
        );
    }
}
