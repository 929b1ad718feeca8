//! API keys: `authorization: Bearer <key>`. The settings hold only each key's SHA-256, bound to
//! one tenant and a set of roles; a presented key is hashed and looked up.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::Principal;

/// Prefix of the keys `orchestrator keys new` makes: recognisable in a leaked file or a secret
/// scanner, and never mistaken for a JWT (which has dots).
pub const KEY_PREFIX: &str = "orch_";
/// Random bytes in a new key: 256 bits.
const KEY_BYTES: usize = 32;

/// The configured keys, by the SHA-256 of the key.
#[derive(Debug, Default)]
pub struct ApiKeys {
    by_digest: HashMap<[u8; 32], Arc<Principal>>,
}

/// What a failed look-up logs instead of the key: the first 12 hex digits of its SHA-256.
pub fn fingerprint(key: &str) -> String {
    hex::encode(&digest(key)[..6])
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl ApiKeys {
    /// `keys`: (hex SHA-256, principal). The hex is checked with the settings.
    pub fn new(keys: impl IntoIterator<Item = ([u8; 32], Principal)>) -> Self {
        Self {
            by_digest: keys
                .into_iter()
                .map(|(sha256, principal)| (sha256, Arc::new(principal)))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }

    /// The principal the key belongs to. Comparing digests, not keys, leaks nothing useful
    /// through timing: an attacker learns about a hash, not about a key.
    pub fn find(&self, key: &str) -> Option<Arc<Principal>> {
        self.by_digest.get(&digest(key)).cloned()
    }
}

/// A fresh key and its hex SHA-256, for `orchestrator keys new`.
pub fn generate() -> Result<(String, String), getrandom::Error> {
    let mut random = [0u8; KEY_BYTES];
    getrandom::fill(&mut random)?;
    let key = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let sha256 = hex::encode(digest(&key));
    Ok((key, sha256))
}

/// Parses a key's hex SHA-256 from the settings (either case).
pub fn parse_sha256(hex_text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Role, Roles, Scheme};
    use crate::model::TenantId;

    #[test]
    fn a_generated_key_is_found_by_its_digest_only() {
        let (key, sha256) = generate().unwrap();
        assert!(key.starts_with(KEY_PREFIX) && key.len() == KEY_PREFIX.len() + 43);
        assert!(!key.contains('.'));
        let roles: Roles = [Role::Viewer].into_iter().collect();
        let keys = ApiKeys::new([(
            parse_sha256(&sha256).unwrap(),
            Principal {
                name: "ci".into(),
                tenant: TenantId::new("acme").unwrap(),
                roles,
                scheme: Scheme::ApiKey,
            },
        )]);
        assert_eq!(keys.find(&key).unwrap().name, "ci");
        assert!(keys.find(&format!("{key}x")).is_none());
        assert!(keys.find(&sha256).is_none());
        let (other, _) = generate().unwrap();
        assert_ne!(key, other);
    }

    #[test]
    fn digests_parse_in_either_case_and_nothing_else() {
        let upper = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        assert_eq!(parse_sha256(upper), parse_sha256(&upper.to_lowercase()));
        assert!(parse_sha256(upper).is_some());
        assert!(parse_sha256(&upper[1..]).is_none());
        assert!(parse_sha256("zz").is_none());
    }
}
