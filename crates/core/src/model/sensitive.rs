//! Kinds of sensitive data the review gate detects, and how it hides them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A category of sensitive data. Names (`EMAIL`, `US_SSN`, ...) are part of the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PiiCategory {
    Email,
    /// North American numbers and international E.164 numbers.
    Phone,
    /// US Social Security numbers with a valid area, group and serial.
    UsSsn,
    /// Canadian Social Insurance numbers (Luhn-valid).
    CaSin,
    /// Payment card numbers: 13-19 digits, Luhn-valid, in a known issuer range.
    CreditCard,
    /// International bank account numbers: country length and mod-97 check.
    Iban,
    /// IPv4 and IPv6 addresses.
    IpAddress,
    /// Credentials: AWS access key ids, GitHub tokens, this service's API keys, JWTs, PEM
    /// private key blocks.
    Secret,
}

impl PiiCategory {
    pub const ALL: [PiiCategory; 8] = [
        PiiCategory::Email,
        PiiCategory::Phone,
        PiiCategory::UsSsn,
        PiiCategory::CaSin,
        PiiCategory::CreditCard,
        PiiCategory::Iban,
        PiiCategory::IpAddress,
        PiiCategory::Secret,
    ];

    /// The public name, as in `RedactionSettings.categories` and `[EMAIL]` labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            PiiCategory::Email => "EMAIL",
            PiiCategory::Phone => "PHONE",
            PiiCategory::UsSsn => "US_SSN",
            PiiCategory::CaSin => "CA_SIN",
            PiiCategory::CreditCard => "CREDIT_CARD",
            PiiCategory::Iban => "IBAN",
            PiiCategory::IpAddress => "IP_ADDRESS",
            PiiCategory::Secret => "SECRET",
        }
    }

    /// Parses a public name; case-insensitive.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|category| category.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for PiiCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a detected value is replaced in the output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RedactionStyle {
    /// `[EMAIL]`
    #[default]
    Label,
    /// `****-****-****-1111`: characters masked, separators and a short tail kept where safe.
    Mask,
    /// `[EMAIL:3f2a9c0b7d1e5a44]`: a MAC keyed by a server secret, stable per value within a
    /// tenant, so that equal values can still be correlated without being revealed.
    Hash,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for category in PiiCategory::ALL {
            assert_eq!(PiiCategory::from_name(category.as_str()), Some(category));
            assert_eq!(
                serde_json::to_string(&category).unwrap(),
                format!("\"{}\"", category.as_str())
            );
        }
        assert_eq!(
            PiiCategory::from_name("credit_card"),
            Some(PiiCategory::CreditCard)
        );
        assert_eq!(PiiCategory::from_name("PASSPORT"), None);
    }
}
