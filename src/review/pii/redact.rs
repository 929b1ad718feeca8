//! Replacement text for detected values, in the three redaction styles.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{Finding, PiiCategory, RedactionStyle};

/// Separates the parts of the hash input, so `("ab", "c")` and `("a", "bc")` differ.
const HASH_SEP: u8 = 0x1f;

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
/// - `Hash`: `[EMAIL:3f2a9c]`, the first 6 hex digits of SHA-256 over
///   `hash_key, 0x1f, category name, 0x1f, value`: stable per value and key (the tenant).
pub fn replacement(
    category: PiiCategory,
    value: &str,
    style: RedactionStyle,
    hash_key: &[u8],
) -> String {
    let mut out = String::with_capacity(value.len().max(16));
    write_replacement(&mut out, category, value, style, hash_key);
    out
}

/// `text` with every finding replaced by [`replacement`].
///
/// Findings are expected as [`Scanner::scan`](super::Scanner::scan) returns them: sorted and
/// non-overlapping. A finding that overlaps an earlier one, or whose range is not a valid
/// char-boundary range of `text`, is left out rather than causing a panic.
pub fn redact(text: &str, findings: &[Finding], style: RedactionStyle, hash_key: &[u8]) -> String {
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
        write_replacement(&mut out, finding.category, value, style, hash_key);
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
    hash_key: &[u8],
) {
    match style {
        RedactionStyle::Label => {
            out.push('[');
            out.push_str(category.as_str());
            out.push(']');
        }
        RedactionStyle::Hash => {
            let mut hasher = Sha256::new();
            hasher.update(hash_key);
            hasher.update([HASH_SEP]);
            hasher.update(category.as_str().as_bytes());
            hasher.update([HASH_SEP]);
            hasher.update(value.as_bytes());
            let digest = hasher.finalize();
            out.push('[');
            out.push_str(category.as_str());
            out.push(':');
            for byte in digest.iter().take(3) {
                // Writing to a String cannot fail.
                let _ = write!(out, "{byte:02x}");
            }
            out.push(']');
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

    fn mask(category: PiiCategory, value: &str) -> String {
        replacement(category, value, RedactionStyle::Mask, b"")
    }

    #[test]
    fn labels() {
        for category in PiiCategory::ALL {
            let r = replacement(category, "x", RedactionStyle::Label, b"k");
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

    #[test]
    fn hashes() {
        let a = replacement(
            PiiCategory::Email,
            "j@example.com",
            RedactionStyle::Hash,
            b"tenant-a",
        );
        let again = replacement(
            PiiCategory::Email,
            "j@example.com",
            RedactionStyle::Hash,
            b"tenant-a",
        );
        let other_key = replacement(
            PiiCategory::Email,
            "j@example.com",
            RedactionStyle::Hash,
            b"tenant-b",
        );
        let other_value = replacement(
            PiiCategory::Email,
            "k@example.com",
            RedactionStyle::Hash,
            b"tenant-a",
        );
        let other_category = replacement(
            PiiCategory::Secret,
            "j@example.com",
            RedactionStyle::Hash,
            b"tenant-a",
        );
        assert_eq!(a, again);
        assert_ne!(a, other_key);
        assert_ne!(a, other_value);
        assert_ne!(a.get(7..), other_category.get(8..));
        assert!(a.starts_with("[EMAIL:") && a.ends_with(']') && a.len() == "[EMAIL:]".len() + 6);
        let hex = a.get(7..13).unwrap_or_default();
        assert!(
            hex.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "{a}"
        );

        // Pinned: SHA-256("k" 0x1f "EMAIL" 0x1f "v") starts with these bytes.
        let mut h = Sha256::new();
        h.update(b"k\x1fEMAIL\x1fv");
        let d = h.finalize();
        let want = format!("[EMAIL:{:02x}{:02x}{:02x}]", d[0], d[1], d[2]);
        assert_eq!(
            replacement(PiiCategory::Email, "v", RedactionStyle::Hash, b"k"),
            want
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
                range: s1..s1 + 6,
            },
            Finding {
                category: PiiCategory::Phone,
                range: s2..s2 + 12,
            },
        ];
        assert_eq!(
            redact(text, &findings, RedactionStyle::Label, b""),
            "mail é [EMAIL] or [PHONE]!"
        );
        assert_eq!(redact(text, &[], RedactionStyle::Label, b""), text);

        let e = text.find('é').unwrap_or_default();
        let bad = [
            Finding {
                category: PiiCategory::Email,
                range: e + 1..e + 2,
            }, // inside `é`
            Finding {
                category: PiiCategory::Email,
                range: empty_reversed(),
            },
            Finding {
                category: PiiCategory::Email,
                range: 0..usize::MAX,
            },
            Finding {
                category: PiiCategory::Phone,
                range: s2..s2 + 12,
            },
            Finding {
                category: PiiCategory::Phone,
                range: s2 + 1..s2 + 3,
            }, // overlaps
        ];
        assert_eq!(
            redact(text, &bad, RedactionStyle::Label, b""),
            "mail é j@x.io or [PHONE]!"
        );
    }
}
