//! Settings of TLS and authentication: `[server.tls]`, `[auth]`, and the TLS of agent clients.
//! Credentials themselves are never settings: API keys appear as their SHA-256, private keys
//! as file paths.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{AgentSettings, ConfigError, Settings};
use crate::auth::{NameKind, Role};
use crate::model::TenantId;
use crate::secrets::redact_url;

/// `[server.tls]`: TLS on the gRPC listener, from PEM files re-read when they change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTlsSettings {
    /// The certificate chain, leaf first.
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// With it, clients must present a certificate this CA (bundle) signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ca_file: Option<PathBuf>,
    /// How often the files are checked for a rotation.
    #[serde(default = "default_reload_interval", with = "humantime_serde")]
    pub reload_interval: Duration,
}

fn default_reload_interval() -> Duration {
    Duration::from_secs(5)
}

/// TLS of a client this server runs (`[agents.<name>.tls]`): a private CA, and for `grpc` and
/// `http` agents a client certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientTlsSettings {
    /// PEM bundle of CAs trusted instead of the system's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cert_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key_file: Option<PathBuf>,
}

/// Who may call reflection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReflectionAccess {
    /// Anyone who reaches the port.
    Open,
    /// Callers with valid credentials, whatever their roles (everyone while auth is off).
    #[default]
    Authenticated,
    /// Not served.
    Off,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// Every caller may do everything, in the tenant its `x-tenant-id` names. Only allowed
    /// while the server listens on loopback (or with `server.insecure`).
    #[default]
    Off,
    /// Every call but health checks needs credentials.
    Required,
}

/// `[auth]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    pub mode: AuthMode,
    /// Verified JWTs kept so that a token's signature is checked once, not on every call.
    pub token_cache_size: u64,
    pub api_keys: Vec<ApiKeySettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<JwtSettings>,
    /// Client certificates (needs `server.tls.client_ca_file`).
    pub client_certs: Vec<ClientCertSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            mode: AuthMode::Off,
            token_cache_size: 10_000,
            api_keys: Vec::new(),
            jwt: None,
            client_certs: Vec::new(),
        }
    }
}

/// `[[auth.api_keys]]`: one key, known by its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySettings {
    /// Who the key stands for, in logs and decisions.
    pub name: String,
    /// Hex SHA-256 of the key.
    pub sha256: String,
    pub tenant: String,
    pub roles: Vec<Role>,
}

/// `[auth.jwt]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_file: Option<PathBuf>,
    /// An https URL; re-read every `refresh_interval` and on an unknown key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// CAs for `jwks_url` instead of the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_ca_file: Option<PathBuf>,
    pub issuer: String,
    pub audience: String,
    #[serde(default = "default_tenant_claim")]
    pub tenant_claim: String,
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Clock skew allowed on `exp` and `nbf`.
    #[serde(default = "default_leeway", with = "humantime_serde")]
    pub leeway: Duration,
    #[serde(default = "default_refresh_interval", with = "humantime_serde")]
    pub refresh_interval: Duration,
    /// Unknown key ids read the key set again at most this often.
    #[serde(default = "default_min_refresh_interval", with = "humantime_serde")]
    pub min_refresh_interval: Duration,
}

fn default_tenant_claim() -> String {
    "tenant".into()
}

fn default_roles_claim() -> String {
    "roles".into()
}

fn default_leeway() -> Duration {
    Duration::from_secs(30)
}

fn default_refresh_interval() -> Duration {
    Duration::from_secs(600)
}

fn default_min_refresh_interval() -> Duration {
    Duration::from_secs(30)
}

/// `[[auth.client_certs]]`: a client certificate's subject CN or SAN (DNS, URI, email).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientCertSettings {
    /// `cn:`, `dns:`, `uri:` or `email:` and a name, to match only that kind; a bare name
    /// matches any kind.
    pub name: String,
    pub tenant: String,
    pub roles: Vec<Role>,
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::OutOfRange {
        key: key.into(),
        reason: reason.into(),
    }
}

/// What serde cannot check of the security settings.
pub(super) fn check(settings: &Settings) -> Result<(), ConfigError> {
    let server = &settings.server;
    let auth = &settings.auth;
    if auth.mode == AuthMode::Off && !server.listen.ip().is_loopback() && !server.insecure {
        return Err(invalid(
            "auth.mode",
            format!(
                "is \"off\" while server.listen ({}) is not a loopback address: anyone who reaches \
                 the port could read, cancel and delete any tenant's work. Set auth.mode = \"required\" \
                 with [[auth.api_keys]], [auth.jwt] or [[auth.client_certs]]; or, if the network \
                 around the server authenticates callers, say so with server.insecure = true (--insecure)",
                server.listen
            ),
        ));
    }
    if let Some(tls) = &server.tls {
        check_tls(tls)?;
    }
    if auth.mode == AuthMode::Required
        && auth.api_keys.is_empty()
        && auth.jwt.is_none()
        && auth.client_certs.is_empty()
    {
        return Err(invalid(
            "auth.mode",
            "is \"required\" but no credential is configured: add [[auth.api_keys]], [auth.jwt] or [[auth.client_certs]]",
        ));
    }
    if auth.token_cache_size == 0 {
        return Err(invalid("auth.token_cache_size", "must be at least 1"));
    }
    check_api_keys(&auth.api_keys)?;
    if let Some(jwt) = &auth.jwt {
        check_jwt(jwt)?;
    }
    if !auth.client_certs.is_empty()
        && server
            .tls
            .as_ref()
            .and_then(|tls| tls.client_ca_file.as_ref())
            .is_none()
    {
        return Err(invalid(
            "auth.client_certs",
            "need server.tls.client_ca_file: without it no client certificate is asked for or verified",
        ));
    }
    check_client_certs(&auth.client_certs)
}

fn check_client_certs(certs: &[ClientCertSettings]) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    for (index, cert) in certs.iter().enumerate() {
        let key = format!("auth.client_certs[{index}]");
        let bare = NameKind::ALL
            .iter()
            .find_map(|kind| cert.name.strip_prefix(kind.prefix()))
            .unwrap_or(&cert.name);
        if bare.trim().is_empty() {
            return Err(invalid(format!("{key}.name"), "is empty"));
        }
        if !names.insert(cert.name.as_str()) {
            return Err(invalid(
                format!("{key}.name"),
                format!("{:?} is mapped twice", cert.name),
            ));
        }
        check_binding(&key, &cert.tenant, &cert.roles)?;
    }
    Ok(())
}

fn check_tls(tls: &ServerTlsSettings) -> Result<(), ConfigError> {
    if tls.cert_file.as_os_str().is_empty() || tls.key_file.as_os_str().is_empty() {
        return Err(invalid("server.tls", "needs both cert_file and key_file"));
    }
    if tls.reload_interval < Duration::from_millis(100) {
        return Err(invalid(
            "server.tls.reload_interval",
            "must be at least 100ms",
        ));
    }
    Ok(())
}

fn check_binding(key: &str, tenant: &str, roles: &[Role]) -> Result<(), ConfigError> {
    TenantId::new(tenant).map_err(|error| invalid(format!("{key}.tenant"), error.to_string()))?;
    if roles.is_empty() {
        return Err(invalid(
            format!("{key}.roles"),
            "is empty: name at least one of viewer, submitter, reviewer, criteria_admin, admin",
        ));
    }
    Ok(())
}

fn check_api_keys(keys: &[ApiKeySettings]) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    let mut digests = std::collections::HashSet::new();
    for (index, api_key) in keys.iter().enumerate() {
        let key = format!("auth.api_keys[{index}]");
        if api_key.name.trim().is_empty() {
            return Err(invalid(format!("{key}.name"), "is empty"));
        }
        if !names.insert(api_key.name.as_str()) {
            return Err(invalid(
                format!("{key}.name"),
                format!("{:?} names two keys", api_key.name),
            ));
        }
        let digest = crate::auth::api_key::parse_sha256(&api_key.sha256).ok_or_else(|| {
            invalid(
                format!("{key}.sha256"),
                "is not 64 hex digits (the SHA-256 of the key; `orchestrator keys new` prints it)",
            )
        })?;
        if !digests.insert(digest) {
            return Err(invalid(
                format!("{key}.sha256"),
                "is the digest of another key too",
            ));
        }
        check_binding(&key, &api_key.tenant, &api_key.roles)?;
    }
    Ok(())
}

fn check_jwt(jwt: &JwtSettings) -> Result<(), ConfigError> {
    match (&jwt.jwks_file, &jwt.jwks_url) {
        (Some(_), None) => {}
        (None, Some(url)) => {
            let parsed = reqwest::Url::parse(url)
                .map_err(|error| invalid("auth.jwt.jwks_url", error.to_string()))?;
            if parsed.scheme() != "https" {
                return Err(invalid("auth.jwt.jwks_url", "must be an https:// URL"));
            }
        }
        _ => {
            return Err(invalid(
                "auth.jwt",
                "needs exactly one of jwks_file and jwks_url",
            ));
        }
    }
    for (key, value) in [
        ("auth.jwt.issuer", &jwt.issuer),
        ("auth.jwt.audience", &jwt.audience),
        ("auth.jwt.tenant_claim", &jwt.tenant_claim),
        ("auth.jwt.roles_claim", &jwt.roles_claim),
    ] {
        if value.trim().is_empty() {
            return Err(invalid(key, "is empty"));
        }
    }
    if jwt.leeway > Duration::from_secs(300) {
        return Err(invalid("auth.jwt.leeway", "must be at most 5m"));
    }
    for (key, interval) in [
        ("auth.jwt.refresh_interval", jwt.refresh_interval),
        // Below a second, tokens with made-up key ids would keep the identity provider busy.
        ("auth.jwt.min_refresh_interval", jwt.min_refresh_interval),
    ] {
        if interval < Duration::from_secs(1) {
            return Err(invalid(key, "must be at least 1s"));
        }
    }
    Ok(())
}

const HIDDEN: &str = "***";

/// The settings with what must not be shown replaced: header values, API key digests, and the
/// userinfo and query values of every URL.
pub(super) fn redacted(settings: &Settings) -> Settings {
    let mut shown = settings.clone();
    for api_key in &mut shown.auth.api_keys {
        api_key.sha256 = HIDDEN.into();
    }
    if let Some(jwt) = &mut shown.auth.jwt
        && let Some(url) = &mut jwt.jwks_url
    {
        *url = redact_url(url);
    }
    shown.storage.cosmos.endpoint = redact_url(&shown.storage.cosmos.endpoint);
    shown.telemetry.otlp.endpoint = redact_url(&shown.telemetry.otlp.endpoint);
    for agent in shown.agents.values_mut() {
        match agent {
            AgentSettings::Http { url, headers, .. } => {
                *url = redact_url(url);
                for value in headers.values_mut() {
                    *value = HIDDEN.into();
                }
            }
            AgentSettings::Openai { base_url, .. } => *base_url = redact_url(base_url),
            AgentSettings::Grpc { endpoint, .. } => *endpoint = redact_url(endpoint),
            AgentSettings::Echo { .. } | AgentSettings::Mock { .. } => {}
        }
    }
    shown
}
