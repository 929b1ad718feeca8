//! JWT bearer tokens from an identity provider, verified against its published keys (a JWKS
//! from a file or an https URL).
//!
//! Only asymmetric signatures are accepted (RS*, PS*, ES256, ES384, EdDSA): `alg: none` and the
//! HMAC family are refused before anything else, so a token "signed" with the public key as an
//! HMAC secret never reaches a verifier. Issuer, audience, expiry and not-before are checked with
//! a small leeway. A verified token is cached by its SHA-256 until it expires (bounded), which
//! keeps signature checks off the hot path. The key set is re-read periodically and when a
//! token names an unknown key id, at most once per `min_refresh_interval`, so that random key
//! ids cannot turn every call into a fetch.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::{Principal, Role, Roles, Scheme};
use crate::model::TenantId;

/// Longest JWKS document read from a URL.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A cached verification is re-done at least this often, whatever the token's expiry.
const MAX_CACHE_TTL: Duration = Duration::from_secs(3600);

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    File(PathBuf),
    Url {
        url: reqwest::Url,
        client: reqwest::Client,
    },
}

impl std::fmt::Display for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwksSource::File(path) => write!(f, "{}", path.display()),
            JwksSource::Url { url, .. } => {
                write!(f, "{}", crate::secrets::redact_url(url.as_str()))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub source: JwksSource,
    pub issuer: String,
    pub audience: String,
    /// The claim naming the caller's tenant.
    pub tenant_claim: String,
    /// The claim listing the caller's roles: an array of strings, or one space-separated string.
    pub roles_claim: String,
    pub leeway: Duration,
    pub refresh_interval: Duration,
    pub min_refresh_interval: Duration,
    pub cache_size: u64,
}

/// Why a token was refused. The messages go to the caller: they say what is wrong with the
/// token the caller sent, never what the server expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT: {0}")]
    Malformed(String),
    #[error("alg \"none\" is refused: tokens must be signed")]
    Unsigned,
    #[error(
        "alg {0} is refused: only asymmetric signatures (RS256, ES256, EdDSA, ...) are accepted"
    )]
    Symmetric(String),
    #[error("alg {0:?} is not supported")]
    UnsupportedAlgorithm(String),
    #[error("unknown key id (kid) {0:?}")]
    UnknownKeyId(String),
    #[error("the token names no key id (kid), and the key set holds {0} keys")]
    NoKeyId(usize),
    #[error("key {kid:?} does not sign with {alg:?}")]
    KeyMismatch { kid: String, alg: Algorithm },
    #[error("the signature does not verify")]
    BadSignature,
    #[error("expired at {0}")]
    Expired(String),
    #[error("not valid before {0}")]
    NotYetValid(String),
    #[error("wrong issuer {0:?}")]
    WrongIssuer(String),
    #[error("wrong audience: the token is not meant for this service")]
    WrongAudience,
    #[error("the claim {0:?} is missing")]
    MissingClaim(String),
    #[error("the claim {claim:?} {reason}")]
    BadClaim { claim: String, reason: String },
    #[error("the signing keys cannot be read from {from}: {reason}")]
    KeysUnavailable { from: String, reason: String },
}

/// One usable key and the algorithms it may verify.
struct VerifyingKey {
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
    /// The key material as published, to tell a key replaced under the same kid.
    material: String,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<VerifyingKey>>,
    /// Keys published without a kid; a token without a kid may use one only when it is alone.
    anonymous: Vec<Arc<VerifyingKey>>,
}

impl KeySet {
    fn len(&self) -> usize {
        self.by_kid.len() + self.anonymous.len()
    }

    /// Whether a key of this set is gone from `next`, or published there with other material.
    fn withdrawn_in(&self, next: &KeySet) -> bool {
        let kept = |kid: &String, key: &Arc<VerifyingKey>| {
            next.by_kid
                .get(kid)
                .is_some_and(|other| other.material == key.material)
        };
        let anonymous_kept = |key: &Arc<VerifyingKey>| {
            next.anonymous
                .iter()
                .any(|other| other.material == key.material)
        };
        !self.by_kid.iter().all(|(kid, key)| kept(kid, key))
            || !self.anonymous.iter().all(anonymous_kept)
    }
}

#[derive(Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    /// Why the last read failed, while the set has never been read.
    last_error: Option<String>,
}

/// A verified token, as cached.
struct Verified {
    principal: Arc<Principal>,
    valid_until: SystemTime,
    /// Key withdrawals seen before it was verified: one since makes it stale, even when it was
    /// cached after the withdrawal (a verification racing a reload).
    withdrawals: u64,
}

struct CacheExpiry;

impl moka::Expiry<[u8; 32], Arc<Verified>> for CacheExpiry {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        value: &Arc<Verified>,
        _created_at: Instant,
    ) -> Option<Duration> {
        let left = value
            .valid_until
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        Some(left.min(MAX_CACHE_TTL))
    }
}

pub struct JwtVerifier {
    config: JwtConfig,
    keys: ArcSwap<KeySet>,
    /// How many times a key went away.
    withdrawals: AtomicU64,
    loaded: AtomicBool,
    refresh: tokio::sync::Mutex<RefreshState>,
    cache: moka::sync::Cache<[u8; 32], Arc<Verified>>,
}

/// The parts of a token's header that decide how it is verified.
#[derive(serde::Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

impl JwtVerifier {
    /// Reads the key set once. A file that cannot be read is an error (the settings cannot
    /// work); a URL that cannot be fetched is only logged, and tried again on demand.
    pub async fn start(config: JwtConfig) -> Result<Arc<Self>, JwtError> {
        let verifier = Arc::new(Self {
            cache: moka::sync::Cache::builder()
                .max_capacity(config.cache_size)
                .expire_after(CacheExpiry)
                .build(),
            config,
            keys: ArcSwap::from_pointee(KeySet::default()),
            withdrawals: AtomicU64::new(0),
            loaded: AtomicBool::new(false),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
        });
        let mut state = verifier.refresh.lock().await;
        if let Err(error) = verifier.reload(&mut state).await {
            match verifier.config.source {
                JwksSource::File(_) => return Err(error),
                JwksSource::Url { .. } => {
                    tracing::warn!(%error, "JWT signing keys not read yet; will retry")
                }
            }
        }
        drop(state);
        Ok(verifier)
    }

    /// Re-reads the key set every `refresh_interval` until `stop`.
    pub async fn keep_fresh(self: Arc<Self>, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(self.config.refresh_interval) => {}
            }
            let mut state = self.refresh.lock().await;
            if let Err(error) = self.reload(&mut state).await {
                tracing::warn!(%error, "cannot refresh the JWT signing keys; keeping the ones read before");
            }
        }
    }

    /// The principal a token stands for.
    pub async fn verify(&self, token: &str) -> Result<Arc<Principal>, JwtError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Read before any key is: a withdrawal from here on makes this verification stale.
        let withdrawals = self.withdrawals.load(Ordering::Acquire);
        if let Some(hit) = self.cache.get(&digest)
            && hit.valid_until > SystemTime::now()
            && hit.withdrawals == withdrawals
        {
            return Ok(hit.principal.clone());
        }
        let header = read_header(token)?;
        let algorithm = accepted_algorithm(&header.alg)?;
        let key = self.key_for(header.kid.as_deref()).await?;
        if !key.algorithms.contains(&algorithm) {
            return Err(JwtError::KeyMismatch {
                kid: header.kid.unwrap_or_default(),
                alg: algorithm,
            });
        }
        let claims = self.decode(token, &key.key, algorithm)?;
        let verified = Arc::new(self.principal(&claims, withdrawals)?);
        self.cache.insert(digest, verified.clone());
        Ok(verified.principal.clone())
    }

    fn decode(
        &self,
        token: &str,
        key: &DecodingKey,
        algorithm: Algorithm,
    ) -> Result<serde_json::Map<String, serde_json::Value>, JwtError> {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway.as_secs();
        match jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            key,
            &validation,
        ) {
            Ok(data) => Ok(data.claims),
            Err(error) => Err(explain(error.kind(), token)),
        }
    }

    fn principal(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
        withdrawals: u64,
    ) -> Result<Verified, JwtError> {
        let text_claim = |name: &str| match claim(claims, name) {
            Some(serde_json::Value::String(text)) => Ok(text.as_str()),
            Some(_) => Err(JwtError::BadClaim {
                claim: name.to_owned(),
                reason: "is not a string".into(),
            }),
            None => Err(JwtError::MissingClaim(name.to_owned())),
        };
        let subject = text_claim("sub")?;
        let tenant_claim = &self.config.tenant_claim;
        let tenant =
            TenantId::new(text_claim(tenant_claim)?).map_err(|error| JwtError::BadClaim {
                claim: tenant_claim.clone(),
                reason: error.to_string(),
            })?;
        let roles = roles_of(claim(claims, &self.config.roles_claim));
        let expires = claims
            .get("exp")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_default();
        Ok(Verified {
            principal: Arc::new(Principal {
                name: subject.to_owned(),
                tenant,
                roles,
                scheme: Scheme::Jwt,
            }),
            valid_until: valid_until(expires, self.config.leeway),
            withdrawals,
        })
    }

    /// The key a token names, reading the set again (rate-limited) when it is unknown.
    async fn key_for(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, JwtError> {
        if let Some(key) = self.lookup(kid)? {
            return Ok(key);
        }
        {
            let mut state = self.refresh.lock().await;
            // Another caller may have read the set while this one waited for the lock.
            let recent = state
                .last_attempt
                .is_some_and(|at| at.elapsed() < self.config.min_refresh_interval);
            if !recent {
                if let Err(error) = self.reload(&mut state).await {
                    tracing::warn!(%error, "cannot read the JWT signing keys");
                }
            } else if let Some(key) = self.lookup(kid)? {
                return Ok(key);
            }
            if !self.loaded.load(Ordering::Acquire) {
                return Err(JwtError::KeysUnavailable {
                    from: self.config.source.to_string(),
                    reason: state.last_error.clone().unwrap_or_default(),
                });
            }
        }
        self.lookup(kid)?
            .ok_or_else(|| JwtError::UnknownKeyId(kid.unwrap_or_default().to_owned()))
    }

    fn lookup(&self, kid: Option<&str>) -> Result<Option<Arc<VerifyingKey>>, JwtError> {
        let keys = self.keys.load();
        match kid {
            Some(kid) => Ok(keys.by_kid.get(kid).cloned()),
            None if keys.len() == 1 => Ok(keys
                .anonymous
                .first()
                .or_else(|| keys.by_kid.values().next())
                .cloned()),
            None if keys.len() == 0 => Ok(None),
            None => Err(JwtError::NoKeyId(keys.len())),
        }
    }

    /// Reads the key set and swaps it in. Cached tokens are forgotten when a key went away, so
    /// that a key the provider withdrew stops working at once.
    async fn reload(&self, state: &mut RefreshState) -> Result<(), JwtError> {
        state.last_attempt = Some(Instant::now());
        let unavailable = |reason: String| JwtError::KeysUnavailable {
            from: self.config.source.to_string(),
            reason,
        };
        let fetched = read_jwks(&self.config.source).await.map_err(&unavailable);
        let set = match fetched.and_then(|bytes| parse_key_set(&bytes).map_err(&unavailable)) {
            Ok(set) => set,
            Err(error) => {
                if !self.loaded.load(Ordering::Acquire) {
                    state.last_error = Some(error.to_string());
                }
                return Err(error);
            }
        };
        let withdrawn = self.keys.load().withdrawn_in(&set);
        tracing::info!(source = %self.config.source, keys = set.len(), withdrawn, "JWT signing keys read");
        self.keys.store(Arc::new(set));
        self.loaded.store(true, Ordering::Release);
        state.last_error = None;
        if withdrawn {
            self.withdrawals.fetch_add(1, Ordering::AcqRel);
            self.cache.invalidate_all();
        }
        Ok(())
    }
}

/// A claim by name, or by a dotted path into nested objects when no claim has the whole name
/// (`resource_access.orchestrator.roles`, as Keycloak puts an application's roles; Auth0's
/// namespaced claims such as `https://example.com/tenant` are found by their whole name).
fn claim<'c>(
    claims: &'c serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<&'c serde_json::Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut parts = name.split('.');
    let first = claims.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.get(part))
}

/// When a token with this `exp` stops being accepted. A provider may sign any `exp`; past what
/// `SystemTime` holds, the cache's own bound rules.
fn valid_until(exp: u64, leeway: Duration) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(exp).saturating_add(leeway))
        .unwrap_or_else(|| SystemTime::now() + MAX_CACHE_TTL)
}

fn read_header(token: &str) -> Result<RawHeader, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed(
            "expected three base64url parts separated by dots".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| JwtError::Malformed("the header is not base64url".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| JwtError::Malformed("the header is not a JSON object with \"alg\"".into()))
}

/// The algorithm of a token's header, if it is one this server verifies.
fn accepted_algorithm(alg: &str) -> Result<Algorithm, JwtError> {
    if alg.eq_ignore_ascii_case("none") {
        return Err(JwtError::Unsigned);
    }
    if alg.starts_with("HS") {
        return Err(JwtError::Symmetric(alg.to_owned()));
    }
    let algorithm: Algorithm = alg
        .parse()
        .map_err(|_| JwtError::UnsupportedAlgorithm(alg.to_owned()))?;
    match algorithm {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            Err(JwtError::Symmetric(alg.to_owned()))
        }
        other => Ok(other),
    }
}

/// A validation failure in the caller's terms, with the token's own values where they help.
fn explain(kind: &ErrorKind, token: &str) -> JwtError {
    let claims = jsonwebtoken::dangerous::insecure_decode_claims::<
        serde_json::Map<String, serde_json::Value>,
    >(token)
    .unwrap_or_default();
    let time_of = |claim: &str| {
        claims
            .get(claim)
            .and_then(serde_json::Value::as_i64)
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map(|at| at.to_rfc3339())
            .unwrap_or_default()
    };
    match kind {
        ErrorKind::InvalidSignature => JwtError::BadSignature,
        ErrorKind::ExpiredSignature => JwtError::Expired(time_of("exp")),
        ErrorKind::ImmatureSignature => JwtError::NotYetValid(time_of("nbf")),
        ErrorKind::InvalidIssuer => JwtError::WrongIssuer(
            claims
                .get("iss")
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        ErrorKind::InvalidAudience => JwtError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => JwtError::MissingClaim(claim.clone()),
        ErrorKind::InvalidClaimFormat(claim) => JwtError::BadClaim {
            claim: claim.clone(),
            reason: "has the wrong type".into(),
        },
        ErrorKind::InvalidAlgorithm => JwtError::UnsupportedAlgorithm(String::new()),
        other => JwtError::Malformed(format!("{other:?}")),
    }
}

/// Roles from the roles claim: an array of strings or one space-separated string. Names this
/// server does not know are ignored (identity providers carry other applications' roles too).
fn roles_of(claim: Option<&serde_json::Value>) -> Roles {
    let names: Vec<&str> = match claim {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(serde_json::Value::as_str).collect()
        }
        Some(serde_json::Value::String(text)) => text.split_whitespace().collect(),
        _ => Vec::new(),
    };
    names.into_iter().filter_map(Role::parse).collect()
}

async fn read_jwks(source: &JwksSource) -> Result<Vec<u8>, String> {
    match source {
        JwksSource::File(path) => tokio::fs::read(path).await.map_err(|e| e.to_string()),
        JwksSource::Url { url, client } => {
            let response = client
                .get(url.clone())
                .timeout(FETCH_TIMEOUT)
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            if response
                .content_length()
                .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
            {
                return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| e.without_url().to_string())?;
            if body.len() > MAX_JWKS_BYTES {
                return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
            }
            Ok(body.to_vec())
        }
    }
}

/// The usable keys of a JWKS document. Keys for encryption, symmetric keys and kinds this
/// server cannot verify with are skipped; a set with none left is an error.
fn parse_key_set(bytes: &[u8]) -> Result<KeySet, String> {
    let set: JwkSet = serde_json::from_slice(bytes).map_err(|e| format!("not a JWK set: {e}"))?;
    let mut keys = KeySet::default();
    for jwk in &set.keys {
        let kid = jwk.common.key_id.clone();
        match verifying_key(jwk) {
            Ok(key) => match kid {
                Some(kid) => {
                    keys.by_kid.insert(kid, Arc::new(key));
                }
                None => keys.anonymous.push(Arc::new(key)),
            },
            Err(reason) => tracing::warn!(?kid, reason, "skipping a JWK"),
        }
    }
    if keys.len() == 0 {
        return Err("the key set holds no usable signing key".into());
    }
    Ok(keys)
}

fn verifying_key(jwk: &Jwk) -> Result<VerifyingKey, &'static str> {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return Err("an encryption key");
    }
    let family: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return Err("an unsupported elliptic curve"),
        },
        AlgorithmParameters::OctetKeyPair(okp) => match okp.curve {
            EllipticCurve::Ed25519 => vec![Algorithm::EdDSA],
            _ => return Err("an unsupported curve"),
        },
        AlgorithmParameters::OctetKey(_) => return Err("a symmetric key"),
        _ => return Err("an unknown key type"),
    };
    // A key that names its algorithm signs with that one only.
    let algorithms = match jwk.common.key_algorithm {
        Some(named) => {
            let named: Algorithm = named
                .to_string()
                .parse()
                .map_err(|_| "an algorithm this server does not verify")?;
            if !family.contains(&named) {
                return Err("an algorithm that does not fit the key type");
            }
            vec![named]
        }
        None => family,
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|_| "unreadable key parameters")?;
    let material =
        serde_json::to_string(&jwk.algorithm).map_err(|_| "unreadable key parameters")?;
    Ok(VerifyingKey {
        key,
        algorithms,
        material,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_and_hmac_are_refused_before_any_key_is_looked_up() {
        assert_eq!(accepted_algorithm("none"), Err(JwtError::Unsigned));
        assert_eq!(accepted_algorithm("NONE"), Err(JwtError::Unsigned));
        assert!(matches!(
            accepted_algorithm("HS256"),
            Err(JwtError::Symmetric(_))
        ));
        assert!(matches!(
            accepted_algorithm("XS999"),
            Err(JwtError::UnsupportedAlgorithm(_))
        ));
        assert_eq!(accepted_algorithm("RS256"), Ok(Algorithm::RS256));
        assert_eq!(accepted_algorithm("EdDSA"), Ok(Algorithm::EdDSA));
    }

    fn key(material: &str) -> Arc<VerifyingKey> {
        Arc::new(VerifyingKey {
            key: DecodingKey::from_secret(b"unused").unwrap(),
            algorithms: Vec::new(),
            material: material.into(),
        })
    }

    fn set(named: &[(&str, &str)], anonymous: &[&str]) -> KeySet {
        KeySet {
            by_kid: named
                .iter()
                .map(|(kid, material)| (kid.to_string(), key(material)))
                .collect(),
            anonymous: anonymous.iter().map(|material| key(material)).collect(),
        }
    }

    #[test]
    fn a_key_gone_or_replaced_under_its_kid_is_withdrawn() {
        let before = set(&[("a", "1"), ("b", "2")], &["x"]);
        assert!(!before.withdrawn_in(&set(&[("a", "1"), ("b", "2"), ("c", "3")], &["x", "y"])));
        assert!(before.withdrawn_in(&set(&[("a", "1")], &["x"])));
        assert!(before.withdrawn_in(&set(&[("a", "1"), ("b", "9")], &["x"])));
        assert!(before.withdrawn_in(&set(&[("a", "1"), ("b", "2")], &["y"])));
    }

    #[test]
    fn claims_are_found_by_name_or_by_a_path_into_nested_objects() {
        let claims = serde_json::json!({
            "https://example.com/tenant": "acme",
            "resource_access": {"orchestrator": {"roles": ["viewer"]}},
            "roles": ["admin"],
        });
        let claims = claims.as_object().unwrap();
        assert_eq!(
            claim(claims, "https://example.com/tenant"),
            Some(&serde_json::json!("acme"))
        );
        let nested = claim(claims, "resource_access.orchestrator.roles");
        assert_eq!(roles_of(nested).to_string(), "viewer");
        assert_eq!(claim(claims, "resource_access.other.roles"), None);
        assert_eq!(claim(claims, "roles.0"), None);
    }

    #[test]
    fn any_signed_expiry_gives_a_time_without_overflow() {
        let leeway = Duration::from_secs(30);
        assert_eq!(
            valid_until(100, leeway),
            UNIX_EPOCH + Duration::from_secs(130)
        );
        assert!(valid_until(u64::MAX, leeway) > SystemTime::now());
    }

    #[test]
    fn headers_must_be_three_parts_of_json() {
        assert!(matches!(read_header("abc"), Err(JwtError::Malformed(_))));
        assert!(matches!(
            read_header("a.b.c.d"),
            Err(JwtError::Malformed(_))
        ));
        assert!(matches!(read_header("!!.b.c"), Err(JwtError::Malformed(_))));
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"ES256","kid":"k1"}"#);
        let parsed = read_header(&format!("{header}.e30.sig")).unwrap();
        assert_eq!(
            (parsed.alg.as_str(), parsed.kid.as_deref()),
            ("ES256", Some("k1"))
        );
    }

    #[test]
    fn roles_come_from_an_array_or_a_spaced_string_and_unknown_ones_are_ignored() {
        let array = serde_json::json!(["viewer", "other-app:admin", "submitter"]);
        assert_eq!(roles_of(Some(&array)).to_string(), "viewer, submitter");
        let spaced = serde_json::json!("reviewer criteria_admin");
        assert_eq!(
            roles_of(Some(&spaced)).to_string(),
            "reviewer, criteria_admin"
        );
        assert!(roles_of(None).is_empty());
        assert!(roles_of(Some(&serde_json::json!(7))).is_empty());
    }

    #[test]
    fn symmetric_and_encryption_keys_are_not_usable() {
        let set = serde_json::json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "h"},
            {"kty": "EC", "crv": "P-256", "use": "enc", "kid": "e",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        ]});
        let error = parse_key_set(set.to_string().as_bytes()).err().unwrap();
        assert!(error.contains("no usable signing key"), "{error}");
    }
}
