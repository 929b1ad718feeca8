//! Replacement text for detected values, in the three redaction styles.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

use super::{Finding, PiiCategory, RedactionStyle};

/// Separates the parts of the MAC input, so `("ab", "c")` and `("a", "bc")` differ.
const HASH_SEP: u8 = 0x1f;
/// Bytes of the MAC shown in a pseudonym: 16 hex digits, 64 bits, so that distinct values
/// practically never share one.
const PSEUDONYM_BYTES: usize = 8;

/// What keys the HASH style: HMAC-SHA-256 with a server secret over (tenant, category,
/// value). Without the secret a pseudonym cannot be reversed by trying candidate values; with
/// the tenant in the input, equal values in two tenants get unrelated pseudonyms.
#[derive(Clone)]
pub struct Pseudonyms {
    /// Keyed, with the tenant already absorbed: each value costs only its own bytes.
    tenant_mac: Hmac<Sha256>,
}

impl Pseudonyms {
    pub fn new(secret: &[u8], tenant: &str) -> Self {
        let mut tenant_mac =
            Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
        tenant_mac.update(tenant.as_bytes());
        tenant_mac.update(&[HASH_SEP]);
        Self { tenant_mac }
    }

    fn write(&self, out: &mut String, category: &str, value: &str) {
        let mut mac = self.tenant_mac.clone();
        mac.update(category.as_bytes());
        mac.update(&[HASH_SEP]);
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        for byte in digest.iter().take(PSEUDONYM_BYTES) {
            // Writing to a String cannot fail.
            let _ = write!(out, "{byte:02x}");
        }
    }
}

impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonyms(..)")
    }
}

/// Under [`RedactionStyle::Mask`] a PEM block becomes this fixed text: masking it character by
/// character would print kilobytes of stars and still reveal the key's size.
pub const PEM_MASK: &str = "********";

/// Digits kept at the end of masked numbers (cards, phones, IBANs, SSNs, SINs)...
const KEEP_DIGITS: usize = 4;
/// ...but only when the value has at least this many, so that most of it stays hidden.
const MIN_DIGITS_TO_KEEP: usize = 8;

/// The replacement text for one detected value.
///
/// - `Label`: `[EMAIL]`.
/// - `Mask`: letters and digits become `*`, separators stay. Cards, phones, IBANs, SSNs and SINs
///   keep their last four digits (`****-****-****-1111`); emails keep the first character of the
///   local part and the domain (`j***@example.com`); IP addresses and secrets are fully masked,
///   and a PEM block becomes [`PEM_MASK`].
/// - `Hash`: `[EMAIL:3f2a9c0b7d1e5a44]`, the first 16 hex digits of the [`Pseudonyms`] MAC:
///   stable per value, tenant and server secret.
pub fn replacement(
    category: PiiCategory,
    value: &str,
    style: RedactionStyle,
    pseudonyms: &Pseudonyms,
) -> String {
    let mut out = String::with_capacity(value.len().max(24));
    write_replacement(&mut out, category, value, style, pseudonyms);
    out
}

/// The replacement text for a value a custom detector found, redacted as `category`: as
/// [`replacement`], and masked like a number (the last four digits kept when it has eight).
pub fn custom_replacement(
    category: &str,
    value: &str,
    style: RedactionStyle,
    pseudonyms: &Pseudonyms,
) -> String {
    let mut out = String::with_capacity(value.len().max(24));
    match style {
        RedactionStyle::Mask => mask_keep_last_digits(&mut out, value),
        _ => write_tagged(&mut out, category, value, style, pseudonyms),
    }
    out
}

/// `text` with every finding replaced by [`replacement`].
///
/// Findings are expected as [`Scanner::scan`](super::Scanner::scan) returns them: sorted and
/// non-overlapping. A finding that overlaps an earlier one, or whose range is not a valid
/// char-boundary range of `text`, is left out rather than causing a panic.
pub fn redact(
    text: &str,
    findings: &[Finding],
    style: RedactionStyle,
    pseudonyms: &Pseudonyms,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for finding in findings {
        let (start, end) = (finding.range.start, finding.range.end);
        if start < cursor {
            continue;
        }
        let (Some(kept), Some(value)) = (text.get(cursor..start), text.get(start..end)) else {
            continue;
        };
        out.push_str(kept);
        write_replacement(&mut out, finding.category, value, style, pseudonyms);
        cursor = end;
    }
    // `cursor` is 0 or the end of a range `text.get` accepted, so always a char boundary.
    out.push_str(text.get(cursor..).unwrap_or_default());
    out
}

fn write_replacement(
    out: &mut String,
    category: PiiCategory,
    value: &str,
    style: RedactionStyle,
    pseudonyms: &Pseudonyms,
) {
    match style {
        RedactionStyle::Label | RedactionStyle::Hash => {
            write_tagged(out, category.as_str(), value, style, pseudonyms);
        }
        RedactionStyle::Mask => match category {
            PiiCategory::Email => mask_email(out, value),
            PiiCategory::CreditCard
            | PiiCategory::Phone
            | PiiCategory::Iban
            | PiiCategory::UsSsn
            | PiiCategory::CaSin => mask_keep_last_digits(out, value),
            PiiCategory::Secret if value.starts_with("-----BEGIN") => out.push_str(PEM_MASK),
            PiiCategory::Secret | PiiCategory::IpAddress => mask_all(out, value),
        },
    }
}

/// `[CATEGORY]`, or `[CATEGORY:pseudonym]` under the HASH style.
fn write_tagged(
    out: &mut String,
    category: &str,
    value: &str,
    style: RedactionStyle,
    pseudonyms: &Pseudonyms,
) {
    out.push('[');
    out.push_str(category);
    if style == RedactionStyle::Hash {
        out.push(':');
        pseudonyms.write(out, category, value);
    }
    out.push(']');
}

fn mask_char(c: char) -> char {
    if c.is_alphanumeric() { '*' } else { c }
}

fn mask_all(out: &mut String, value: &str) {
    out.extend(value.chars().map(mask_char));
}

fn mask_keep_last_digits(out: &mut String, value: &str) {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits < MIN_DIGITS_TO_KEEP {
        return mask_all(out, value);
    }
    let first_kept = digits - KEEP_DIGITS;
    let mut seen = 0;
    for c in value.chars() {
        if c.is_ascii_digit() {
            out.push(if seen >= first_kept { c } else { '*' });
            seen += 1;
        } else {
            out.push(mask_char(c));
        }
    }
}

fn mask_email(out: &mut String, value: &str) {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return mask_all(out, value);
    };
    let mut chars = local.chars();
    if let Some(first) = chars.next() {
        out.push(first);
    }
    out.extend(chars.map(mask_char));
    out.push('@');
    out.push_str(domain);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::pii::Detector;

    fn mask(category: PiiCategory, value: &str) -> String {
        replacement(category, value, RedactionStyle::Mask, &keyed(b"", ""))
    }

    #[test]
    fn labels() {
        for category in PiiCategory::ALL {
            let r = replacement(category, "x", RedactionStyle::Label, &keyed(b"k", ""));
            assert_eq!(r, format!("[{}]", category.as_str()));
        }
    }

    #[test]
    fn masks() {
        use PiiCategory::*;
        assert_eq!(
            mask(CreditCard, "4111-1111-1111-1111"),
            "****-****-****-1111"
        );
        assert_eq!(mask(CreditCard, "4111111111111111"), "************1111");
        assert_eq!(mask(Phone, "(555) 234-5678"), "(***) ***-5678");
        assert_eq!(mask(Phone, "+44 20 7946 0958"), "+** ** **** 0958");
        assert_eq!(
            mask(Iban, "GB82 WEST 1234 5698 7654 32"),
            "**** **** **** **** **54 32"
        );
        assert_eq!(mask(UsSsn, "123-45-6789"), "***-**-6789");
        assert_eq!(mask(CaSin, "130 692 544"), "*** **2 544");
        assert_eq!(
            mask(Email, "john.doe+x@example.com"),
            "j***.***+*@example.com"
        );
        assert_eq!(mask(Email, "é@example.com"), "é@example.com");
        assert_eq!(mask(Email, "no-at-sign"), "**-**-****");
        assert_eq!(mask(IpAddress, "192.168.1.1"), "***.***.*.*");
        assert_eq!(mask(IpAddress, "fe80::1"), "****::*");
        assert_eq!(mask(Secret, "AKIAIOSFODNN7EXAMPLE"), "*".repeat(20));
        assert_eq!(
            mask(
                Secret,
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
            ),
            PEM_MASK
        );
        // Too few digits to reveal any.
        assert_eq!(mask(Phone, "12-34"), "**-**");
        assert_eq!(mask(Phone, ""), "");
        assert_eq!(mask(Secret, "ключ"), "****");
    }

    fn keyed(secret: &[u8], tenant: &str) -> Pseudonyms {
        Pseudonyms::new(secret, tenant)
    }

    fn hash(category: PiiCategory, value: &str, pseudonyms: &Pseudonyms) -> String {
        replacement(category, value, RedactionStyle::Hash, pseudonyms)
    }

    #[test]
    fn pseudonyms_are_stable_per_value_tenant_and_secret() {
        let a_tenant = keyed(b"secret", "tenant-a");
        let a = hash(PiiCategory::Email, "j@example.com", &a_tenant);
        assert_eq!(
            a,
            hash(PiiCategory::Email, "j@example.com", &a_tenant.clone())
        );
        assert_ne!(
            a,
            hash(
                PiiCategory::Email,
                "j@example.com",
                &keyed(b"secret", "tenant-b")
            )
        );
        assert_ne!(
            a,
            hash(
                PiiCategory::Email,
                "j@example.com",
                &keyed(b"other", "tenant-a")
            )
        );
        assert_ne!(a, hash(PiiCategory::Email, "k@example.com", &a_tenant));
        let other_category = hash(PiiCategory::Secret, "j@example.com", &a_tenant);
        assert_ne!(a.get(7..), other_category.get(8..));
        assert!(a.starts_with("[EMAIL:") && a.ends_with(']'), "{a}");
        let hex = &a["[EMAIL:".len()..a.len() - 1];
        assert_eq!(hex.len(), 16, "{a}");
        assert!(
            hex.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
        // The tenant and the value cannot trade bytes across the separator.
        assert_ne!(
            hash(PiiCategory::Email, "b", &keyed(b"k", "a")),
            hash(PiiCategory::Email, "", &keyed(b"k", "ab"))
        );
    }

    #[test]
    fn pseudonyms_are_pinned_to_hmac_sha256() {
        // HMAC-SHA-256(key "k", "t" 0x1f "EMAIL" 0x1f "v"), computed independently with
        // Python: hmac.new(b"k", b"t\x1fEMAIL\x1fv", "sha256").hexdigest()[:16]
        assert_eq!(
            hash(PiiCategory::Email, "v", &keyed(b"k", "t")),
            "[EMAIL:d1c1e27a047add39]"
        );
    }

    /// A reversed range, as a buggy caller might pass.
    fn empty_reversed() -> std::ops::Range<usize> {
        std::ops::Range { start: 3, end: 2 }
    }

    #[test]
    fn redact_replaces_in_order_and_skips_bad_ranges() {
        let text = "mail é j@x.io or 555-234-5678!";
        let s1 = text.find("j@").unwrap_or_default();
        let s2 = text.find("555").unwrap_or_default();
        let findings = [
            Finding {
                category: PiiCategory::Email,
                detector: Detector::Email,
                range: s1..s1 + 6,
            },
            Finding {
                category: PiiCategory::Phone,
                detector: Detector::PhoneNanp,
                range: s2..s2 + 12,
            },
        ];
        assert_eq!(
            redact(text, &findings, RedactionStyle::Label, &keyed(b"", "")),
            "mail é [EMAIL] or [PHONE]!"
        );
        assert_eq!(
            redact(text, &[], RedactionStyle::Label, &keyed(b"", "")),
            text
        );

        let e = text.find('é').unwrap_or_default();
        let bad = [
            Finding {
                category: PiiCategory::Email,
                detector: Detector::Email,
                range: e + 1..e + 2,
            }, // inside `é`
            Finding {
                category: PiiCategory::Email,
                detector: Detector::Email,
                range: empty_reversed(),
            },
            Finding {
                category: PiiCategory::Email,
                detector: Detector::Email,
                range: 0..usize::MAX,
            },
            Finding {
                category: PiiCategory::Phone,
                detector: Detector::PhoneNanp,
                range: s2..s2 + 12,
            },
            Finding {
                category: PiiCategory::Phone,
                detector: Detector::PhoneNanp,
                range: s2 + 1..s2 + 3,
            }, // overlaps
        ];
        assert_eq!(
            redact(text, &bad, RedactionStyle::Label, &keyed(b"", "")),
            "mail é j@x.io or [PHONE]!"
        );
    }
}
