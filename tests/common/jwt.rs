//! An identity provider's side of JWTs, for tests: signing keys generated here (RS256, ES256,
//! EdDSA), their JWKS, and tokens with the claims the server checks.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, OctetKeyPairParameters,
    OctetKeyPairType,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::KeyPair;

pub const ISSUER: &str = "https://idp.test";
pub const AUDIENCE: &str = "orchestrator";

/// One signing key of the provider.
pub struct Signer {
    pub kid: String,
    pub alg: Algorithm,
    key: EncodingKey,
    pub jwk: Jwk,
    /// The public key as PEM: what an attacker has.
    pub public_pem: String,
}

impl Signer {
    pub fn rs256(kid: &str) -> Self {
        let pair = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
        let key = EncodingKey::from_rsa_pem(pair.serialize_pem().as_bytes()).expect("RSA PEM");
        Self::from_encoding_key(kid, Algorithm::RS256, key, &pair)
    }

    pub fn es256(kid: &str) -> Self {
        let pair = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("EC key");
        let key = EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).expect("EC PEM");
        Self::from_encoding_key(kid, Algorithm::ES256, key, &pair)
    }

    pub fn ed25519(kid: &str) -> Self {
        let pair = KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("Ed25519 key");
        let key = EncodingKey::from_ed_der(&pair.serialize_der());
        let jwk = Jwk {
            common: CommonParameters {
                key_id: Some(kid.into()),
                ..Default::default()
            },
            algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pair.public_key_raw()),
            }),
        };
        Self {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            key,
            jwk,
            public_pem: pair.public_key_pem(),
        }
    }

    fn from_encoding_key(kid: &str, alg: Algorithm, key: EncodingKey, pair: &KeyPair) -> Self {
        let mut jwk = Jwk::from_encoding_key(&key, alg).expect("JWK of the key");
        jwk.common.key_id = Some(kid.into());
        Self {
            kid: kid.into(),
            alg,
            key,
            jwk,
            public_pem: pair.public_key_pem(),
        }
    }

    /// A token with these claims, naming this key.
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign")
    }

    /// As `sign`, naming another key id.
    pub fn sign_as(&self, kid: &str, claims: &serde_json::Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign")
    }
}

/// The JWKS document of these keys.
pub fn jwks(signers: &[&Signer]) -> String {
    serde_json::json!({ "keys": signers.iter().map(|s| &s.jwk).collect::<Vec<_>>() }).to_string()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// Valid claims for `sub` in `tenant` with `roles`, expiring in 10 minutes.
pub fn claims(sub: &str, tenant: &str, roles: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "tenant": tenant,
        "roles": roles,
        "iat": now(),
        "nbf": now() - 5,
        "exp": now() + 600,
    })
}

/// A token that is not signed at all (`alg: none`).
pub fn unsigned(kid: &str, claims: &serde_json::Value) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let header = serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// The classic confusion: HS256 with the provider's public key as the HMAC secret.
pub fn hs256_with_public_key(signer: &Signer, claims: &serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(signer.kid.clone());
    let key = EncodingKey::from_secret(signer.public_pem.as_bytes()).expect("HMAC key");
    jsonwebtoken::encode(&header, claims, &key).expect("sign HS256")
}
