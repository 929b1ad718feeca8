//! Who is calling: API keys, JWT bearer tokens and client certificates, each turned into a
//! [`Principal`] bound to one tenant and a set of roles. Knows nothing of gRPC: the edge
//! (`api::auth`) hands it the credentials of a call and maps its answer to a status.

pub mod api_key;
pub mod client_cert;
pub mod jwt;
mod role;

use std::sync::Arc;

pub use api_key::ApiKeys;
pub use client_cert::{ClientCerts, ClientIdentity, NameKind};
pub use jwt::{JwtError, JwtVerifier};
pub use role::{Permission, Role, Roles};

use crate::config::{AuthSettings, JwtSettings};
use crate::model::TenantId;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who, as recorded in decisions and logs: the API key's name, the token's subject, the
    /// certificate's mapped name.
    pub name: String,
    pub tenant: TenantId,
    pub roles: Roles,
    pub scheme: Scheme,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Authentication is off: every caller may do everything, in the tenant it names.
    Anonymous,
    ApiKey,
    Jwt,
    ClientCertificate,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Anonymous => "none",
            Scheme::ApiKey => "api_key",
            Scheme::Jwt => "jwt",
            Scheme::ClientCertificate => "client_certificate",
        }
    }
}

impl Principal {
    /// The caller when authentication is off.
    pub fn anonymous() -> Self {
        Self {
            name: "anonymous".into(),
            tenant: TenantId::default_tenant(),
            roles: Roles::all(),
            scheme: Scheme::Anonymous,
        }
    }
}

/// Why a call's credentials were refused. The message goes to the caller: it names the scheme
/// that failed and why, never the credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials: {accepted}")]
    Missing { accepted: String },
    #[error("authorization: {0}")]
    Malformed(&'static str),
    #[error("API key: unknown API key{hint}")]
    UnknownApiKey {
        /// For the log: which key was tried, without the key.
        fingerprint: String,
        hint: &'static str,
    },
    #[error("JWT: {reason}")]
    Jwt {
        reason: JwtError,
        /// For the log: the token's (unverified) subject.
        subject: Option<String>,
    },
    #[error("client certificate: {0} is not mapped to a tenant (auth.client_certs)")]
    UnmappedCertificate(String),
}

impl AuthError {
    /// Who tried, for the log line of a refusal: a key fingerprint, a token subject, a
    /// certificate's names; never the credential itself.
    pub fn who(&self) -> Option<String> {
        match self {
            AuthError::UnknownApiKey { fingerprint, .. } => {
                Some(format!("api key sha256:{fingerprint}…"))
            }
            AuthError::Jwt { subject, .. } => subject.as_ref().map(|s| format!("jwt sub {s:?}")),
            AuthError::UnmappedCertificate(names) => Some(format!("certificate {names}")),
            AuthError::Missing { .. } | AuthError::Malformed(_) => None,
        }
    }

    /// The failure is the server's (it cannot read the keys to check with), not the caller's.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            AuthError::Jwt {
                reason: JwtError::KeysUnavailable { .. },
                ..
            }
        )
    }
}

/// The credentials one call presents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    /// The `authorization` value, if any.
    pub authorization: Option<&'a str>,
    /// The verified client certificate of the connection, if any.
    pub client: Option<&'a ClientIdentity>,
}

/// Every configured scheme.
#[derive(Default)]
pub struct Authenticator {
    pub api_keys: ApiKeys,
    pub jwt: Option<Arc<JwtVerifier>>,
    pub client_certs: ClientCerts,
}

impl Authenticator {
    /// The principal behind `credentials`. A bearer token wins over a client certificate, so
    /// that a service with a certificate can still act with a narrower key.
    pub async fn authenticate(
        &self,
        credentials: Credentials<'_>,
    ) -> Result<Arc<Principal>, AuthError> {
        if let Some(value) = credentials.authorization {
            return self.bearer(bearer_token(value)?).await;
        }
        if let Some(identity) = credentials.client {
            return self
                .client_certs
                .find(identity)
                .ok_or_else(|| AuthError::UnmappedCertificate(identity.to_string()));
        }
        Err(AuthError::Missing {
            accepted: self.accepted(),
        })
    }

    async fn bearer(&self, token: &str) -> Result<Arc<Principal>, AuthError> {
        let looks_like_jwt = token.bytes().filter(|b| *b == b'.').count() == 2;
        if looks_like_jwt && let Some(jwt) = &self.jwt {
            return jwt.verify(token).await.map_err(|reason| AuthError::Jwt {
                reason,
                subject: unverified_subject(token),
            });
        }
        self.api_keys
            .find(token)
            .ok_or_else(|| AuthError::UnknownApiKey {
                fingerprint: api_key::fingerprint(token),
                hint: if looks_like_jwt {
                    " (the token looks like a JWT, and this server has no auth.jwt)"
                } else {
                    ""
                },
            })
    }

    /// What a caller may present, for the message that says none was.
    fn accepted(&self) -> String {
        let mut bearer = Vec::new();
        if !self.api_keys.is_empty() {
            bearer.push("an API key");
        }
        if self.jwt.is_some() {
            bearer.push("a JWT");
        }
        let mut ways = Vec::new();
        if !bearer.is_empty() {
            ways.push(format!(
                "send {} as `authorization: Bearer <token>`",
                bearer.join(" or ")
            ));
        }
        if !self.client_certs.is_empty() {
            ways.push("connect with a client certificate".to_owned());
        }
        ways.join(", or ")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("auth.jwt: {0}")]
    Jwt(#[from] JwtError),
    #[error("auth.jwt.jwks_ca_file: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("auth.jwt: cannot build the HTTP client: {0}")]
    Http(String),
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

/// The schemes the settings configure (checked by `config` already; what is re-checked here
/// is what the types cannot carry). The JWT key set is read once before this returns.
pub async fn from_settings(settings: &AuthSettings) -> Result<Authenticator, AuthSetupError> {
    let mut keys = Vec::new();
    for (index, key) in settings.api_keys.iter().enumerate() {
        let field = |name: &str| format!("auth.api_keys[{index}].{name}");
        let digest = api_key::parse_sha256(&key.sha256).ok_or_else(|| AuthSetupError::Invalid {
            key: field("sha256"),
            reason: "is not 64 hex digits".into(),
        })?;
        let tenant = tenant(&field("tenant"), &key.tenant)?;
        keys.push((
            digest,
            Principal {
                name: key.name.clone(),
                tenant,
                roles: key.roles.iter().copied().collect(),
                scheme: Scheme::ApiKey,
            },
        ));
    }
    let mut certs = Vec::new();
    for (index, cert) in settings.client_certs.iter().enumerate() {
        certs.push(Principal {
            name: cert.name.clone(),
            tenant: tenant(&format!("auth.client_certs[{index}].tenant"), &cert.tenant)?,
            roles: cert.roles.iter().copied().collect(),
            scheme: Scheme::ClientCertificate,
        });
    }
    let jwt = match &settings.jwt {
        Some(jwt) => Some(JwtVerifier::start(jwt_config(jwt, settings.token_cache_size)?).await?),
        None => None,
    };
    Ok(Authenticator {
        api_keys: ApiKeys::new(keys),
        jwt,
        client_certs: ClientCerts::new(certs),
    })
}

fn tenant(key: &str, text: &str) -> Result<TenantId, AuthSetupError> {
    TenantId::new(text).map_err(|error| AuthSetupError::Invalid {
        key: key.to_owned(),
        reason: error.to_string(),
    })
}

fn jwt_config(settings: &JwtSettings, cache_size: u64) -> Result<jwt::JwtConfig, AuthSetupError> {
    let source = match (&settings.jwks_file, &settings.jwks_url) {
        (Some(path), _) => jwt::JwksSource::File(path.clone()),
        (None, Some(url)) => {
            let url = reqwest::Url::parse(url).map_err(|error| AuthSetupError::Invalid {
                key: "auth.jwt.jwks_url".into(),
                reason: error.to_string(),
            })?;
            let tls =
                crate::tls::client::ClientTls::load(settings.jwks_ca_file.as_deref(), None, None)?;
            let client = tls
                .reqwest(reqwest::Client::builder().https_only(true))?
                .build()
                .map_err(|error| AuthSetupError::Http(error.to_string()))?;
            jwt::JwksSource::Url { url, client }
        }
        (None, None) => {
            return Err(AuthSetupError::Invalid {
                key: "auth.jwt".into(),
                reason: "needs jwks_file or jwks_url".into(),
            });
        }
    };
    Ok(jwt::JwtConfig {
        source,
        issuer: settings.issuer.clone(),
        audience: settings.audience.clone(),
        tenant_claim: settings.tenant_claim.clone(),
        roles_claim: settings.roles_claim.clone(),
        leeway: settings.leeway,
        refresh_interval: settings.refresh_interval,
        min_refresh_interval: settings.min_refresh_interval,
        cache_size,
    })
}

/// The token of `Bearer <token>`; the scheme name is case-insensitive (RFC 9110).
fn bearer_token(value: &str) -> Result<&str, AuthError> {
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(AuthError::Malformed("expected `Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed(
            "only the Bearer scheme is accepted (`Bearer <token>`)",
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed("the bearer token is empty"));
    }
    Ok(token)
}

/// The `sub` of a token that failed verification, for the log only.
fn unverified_subject(token: &str) -> Option<String> {
    let claims: serde_json::Map<String, serde_json::Value> =
        jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    let subject = claims.get("sub")?.as_str()?;
    // A forged token chooses this text: keep it short and printable.
    Some(
        subject
            .chars()
            .filter(|c| !c.is_control())
            .take(128)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(name: &str, scheme: Scheme) -> Principal {
        Principal {
            name: name.into(),
            tenant: TenantId::new("acme").unwrap(),
            roles: [Role::Viewer].into_iter().collect(),
            scheme,
        }
    }

    fn keyed() -> (Authenticator, String) {
        let (key, sha256) = api_key::generate().unwrap();
        let auth = Authenticator {
            api_keys: ApiKeys::new([(
                api_key::parse_sha256(&sha256).unwrap(),
                principal("ci", Scheme::ApiKey),
            )]),
            client_certs: ClientCerts::new([principal("svc.acme", Scheme::ClientCertificate)]),
            ..Authenticator::default()
        };
        (auth, key)
    }

    #[tokio::test]
    async fn bearer_keys_and_certificates_resolve_and_a_bearer_wins() {
        let (auth, key) = keyed();
        let header = format!("bearer {key}");
        let cert = ClientIdentity {
            names: vec![
                (NameKind::CommonName, "other".into()),
                (NameKind::Dns, "svc.acme".into()),
            ],
        };
        let by_key = auth
            .authenticate(Credentials {
                authorization: Some(&header),
                client: Some(&cert),
            })
            .await
            .unwrap();
        assert_eq!(by_key.name, "ci");
        let by_cert = auth
            .authenticate(Credentials {
                authorization: None,
                client: Some(&cert),
            })
            .await
            .unwrap();
        assert_eq!(by_cert.name, "svc.acme");
    }

    #[tokio::test]
    async fn refusals_say_why_without_the_credential() {
        let (auth, key) = keyed();
        let missing = auth.authenticate(Credentials::default()).await.unwrap_err();
        assert_eq!(
            missing.to_string(),
            "no credentials: send an API key as `authorization: Bearer <token>`, or connect with a client certificate"
        );
        for (value, expected) in [
            ("Basic dXNlcjpwYXNz", "only the Bearer scheme"),
            ("Bearer ", "the bearer token is empty"),
            ("Bearer    ", "the bearer token is empty"),
            ("token", "expected `Bearer <token>`"),
        ] {
            let error = auth
                .authenticate(Credentials {
                    authorization: Some(value),
                    client: None,
                })
                .await
                .unwrap_err();
            assert!(error.to_string().contains(expected), "{value:?}: {error}");
        }
        let wrong = format!("Bearer {key}x");
        let error = auth
            .authenticate(Credentials {
                authorization: Some(&wrong),
                client: None,
            })
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "API key: unknown API key");
        assert!(!error.to_string().contains(&key));
        let who = error.who().unwrap();
        assert!(
            who.starts_with("api key sha256:") && !who.contains(&key),
            "{who}"
        );

        let jwt_shaped = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        let error = auth
            .authenticate(Credentials {
                authorization: Some(jwt_shaped),
                client: None,
            })
            .await
            .unwrap_err();
        assert!(error.to_string().contains("no auth.jwt"), "{error}");

        let stranger = ClientIdentity {
            names: vec![(NameKind::CommonName, "CN-less".into())],
        };
        let error = auth
            .authenticate(Credentials {
                authorization: None,
                client: Some(&stranger),
            })
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("CN-less is not mapped"),
            "{error}"
        );
    }
}
