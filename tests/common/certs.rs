//! Certificates made in the tests (rcgen): a CA, server certificates for 127.0.0.1 and
//! localhost, client certificates with a CN and SANs, written as PEM files.

use std::path::PathBuf;

use orchestrator::config::ServerTlsSettings;
use orchestrator::tls::client::ClientTls;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};

/// A certificate authority.
pub struct Ca {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its key, as PEM.
#[derive(Clone)]
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Ca {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("self-signed CA");
        Self {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for 127.0.0.1 and localhost.
    pub fn server(&self, name: &str) -> Leaf {
        self.leaf(
            name,
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
            |_| {},
        )
    }

    /// As `server`, but expired since 2021.
    pub fn expired_server(&self, name: &str) -> Leaf {
        self.leaf(
            name,
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
            |params| {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2021, 1, 1);
            },
        )
    }

    /// A client certificate with subject CN `cn` and the given SANs (DNS names or URIs).
    pub fn client(&self, cn: &str, sans: &[&str]) -> Leaf {
        self.leaf(cn, sans, ExtendedKeyUsagePurpose::ClientAuth, |_| {})
    }

    fn leaf(
        &self,
        cn: &str,
        sans: &[&str],
        usage: ExtendedKeyUsagePurpose,
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> Leaf {
        let mut params = CertificateParams::new(
            sans.iter()
                .filter(|san| !san.contains("://"))
                .map(|san| san.to_string())
                .collect::<Vec<_>>(),
        )
        .expect("leaf params");
        for uri in sans.iter().filter(|san| san.contains("://")) {
            params.subject_alt_names.push(rcgen::SanType::URI(
                uri.to_string().try_into().expect("URI SAN"),
            ));
        }
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![usage];
        adjust(&mut params);
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed leaf");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// PEM files in a directory of their own.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Writes `contents` to `name` (atomically, as a rotation would) and returns the path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        let staging = self.dir.path().join(format!(".{name}.new"));
        std::fs::write(&staging, contents).expect("write PEM");
        std::fs::rename(&staging, &path).expect("rename PEM");
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `server.pem` and `server.key` for `leaf`, and `client-ca.pem` when given.
    pub fn server_settings(&self, leaf: &Leaf, client_ca: Option<&Ca>) -> ServerTlsSettings {
        ServerTlsSettings {
            cert_file: self.write("server.pem", &leaf.cert_pem),
            key_file: self.write("server.key", &leaf.key_pem),
            client_ca_file: client_ca.map(|ca| self.write("client-ca.pem", &ca.cert_pem)),
            reload_interval: std::time::Duration::from_millis(100),
        }
    }
}

/// Client TLS trusting `ca`, with `identity` as the client certificate when given.
pub fn client_tls(files: &Files, ca: &Ca, identity: Option<(&str, &Leaf)>) -> ClientTls {
    let ca_path = files.write("trusted-ca.pem", &ca.cert_pem);
    let (cert, key) = match identity {
        Some((name, leaf)) => (
            Some(files.write(&format!("{name}.pem"), &leaf.cert_pem)),
            Some(files.write(&format!("{name}.key"), &leaf.key_pem)),
        ),
        None => (None, None),
    };
    ClientTls::load(Some(&ca_path), cert.as_deref(), key.as_deref()).expect("client TLS")
}
