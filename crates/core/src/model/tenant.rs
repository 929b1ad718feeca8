//! Tenants: every stored record belongs to one, and no read or write crosses them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The tenant of callers that name none.
pub const DEFAULT_TENANT: &str = "default";
const MAX_TENANT_LEN: usize = 63;

/// A validated tenant id: letters, digits, '-', '_' and '.', 1 to 63 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tenant id {0:?}: use 1 to 63 letters, digits, '-', '_' or '.'")]
pub struct InvalidTenantId(pub String);

impl TenantId {
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidTenantId> {
        let id = id.into();
        let valid = !id.is_empty()
            && id.len() <= MAX_TENANT_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if valid {
            Ok(Self(id))
        } else {
            Err(InvalidTenantId(id))
        }
    }

    pub fn default_tenant() -> Self {
        Self(DEFAULT_TENANT.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = InvalidTenantId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TenantId> for String {
    fn from(value: TenantId) -> Self {
        value.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids_and_refuses_the_rest() {
        assert!(TenantId::new("acme-prod_1.eu").is_ok());
        for bad in ["", "a b", "ten/ant", "x".repeat(64).as_str(), "é"] {
            assert!(TenantId::new(bad).is_err(), "{bad:?}");
        }
    }
}
