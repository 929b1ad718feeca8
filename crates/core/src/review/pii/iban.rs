//! IBANs: country code, two check digits and a BBAN of the country's exact length, written
//! compactly or in groups of four separated by single spaces, and passing ISO 7064 mod 97.
//! Only uppercase is accepted: lowercase country codes would put every prose word in play.

use super::checksums::iban_mod97_valid;
use super::lex::{at, end_ok, is_digit, is_upper};

/// The longest IBAN (Russia).
const MAX_IBAN: usize = 34;

/// IBAN lengths by country (SWIFT IBAN registry).
#[rustfmt::skip]
const LENGTHS: &[(&[u8; 2], u8)] = &[
    (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20), (b"BE", 16),
    (b"BG", 22), (b"BH", 22), (b"BI", 27), (b"BR", 29), (b"BY", 28), (b"CH", 21), (b"CR", 22),
    (b"CY", 28), (b"CZ", 24), (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"EE", 20),
    (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22),
    (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GR", 27), (b"GT", 28), (b"HR", 21), (b"HU", 28),
    (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IS", 26), (b"IT", 27), (b"JO", 30), (b"KW", 30),
    (b"KZ", 20), (b"LB", 28), (b"LC", 32), (b"LI", 21), (b"LT", 20), (b"LU", 20), (b"LV", 21),
    (b"LY", 25), (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MK", 19), (b"MN", 20), (b"MR", 27),
    (b"MT", 31), (b"MU", 30), (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23), (b"PK", 24),
    (b"PL", 28), (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22), (b"RU", 33),
    (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24), (b"SM", 27),
    (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26), (b"UA", 29),
    (b"VA", 22), (b"VG", 24), (b"XK", 20), (b"YE", 30),
];

/// The table above, indexed by `(first - 'A') * 26 + (second - 'A')`; 0 = not an IBAN country.
static BY_CODE: [u8; 26 * 26] = {
    let mut t = [0u8; 26 * 26];
    let mut k = 0;
    while k < LENGTHS.len() {
        let (code, len) = LENGTHS[k];
        t[(code[0] - b'A') as usize * 26 + (code[1] - b'A') as usize] = len;
        k += 1;
    }
    t
};

fn country_len(c0: u8, c1: u8) -> Option<usize> {
    if !is_upper(c0) || !is_upper(c1) {
        return None;
    }
    let len = *BY_CODE.get(usize::from(c0 - b'A') * 26 + usize::from(c1 - b'A'))?;
    (len > 0).then_some(usize::from(len))
}

fn is_bban(c: u8) -> bool {
    is_upper(c) || is_digit(c)
}

/// An IBAN-shaped token at `s` (caller checked it is a token start).
pub(super) enum Iban {
    /// Right shape, valid check digits: the end.
    Valid(usize),
    /// Right shape but the checksum fails: not an IBAN, and its digits are not anything else
    /// either, so the scanner skips to this end.
    BadChecksum(usize),
}

pub(super) fn detect(b: &[u8], s: usize) -> Option<Iban> {
    let len = country_len(at(b, s), at(b, s + 1))?;
    if !is_digit(at(b, s + 2)) || !is_digit(at(b, s + 3)) {
        return None;
    }
    let mut buf = [0u8; MAX_IBAN];
    let mut n = 0;
    let mut p = s;
    let grouped = at(b, s + 4) == b' ';
    while n < len {
        if grouped && n > 0 && n % 4 == 0 {
            if at(b, p) != b' ' {
                return None;
            }
            p += 1;
        }
        let c = at(b, p);
        if !is_bban(c) {
            return None;
        }
        *buf.get_mut(n)? = c;
        n += 1;
        p += 1;
    }
    if !end_ok(b, p) {
        return None;
    }
    Some(if iban_mod97_valid(buf.get(..n)?) {
        Iban::Valid(p)
    } else {
        Iban::BadChecksum(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iban(t: &str) -> Option<Result<&str, &str>> {
        match detect(t.as_bytes(), 0)? {
            Iban::Valid(e) => Some(Ok(t.get(..e)?)),
            Iban::BadChecksum(e) => Some(Err(t.get(..e)?)),
        }
    }

    #[test]
    fn table_is_consistent() {
        assert!(LENGTHS.len() >= 80);
        for (code, len) in LENGTHS {
            assert_eq!(country_len(code[0], code[1]), Some(usize::from(*len)));
            assert!((15..=MAX_IBAN).contains(&usize::from(*len)));
        }
        assert_eq!(country_len(b'Z', b'Z'), None);
        assert_eq!(country_len(b'd', b'e'), None);
    }

    #[test]
    fn valid() {
        for v in [
            "DE89370400440532013000",
            "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432",
            "GB82 WEST 1234 5698 7654 32",
            "NL91ABNA0417164300",
            "FR1420041010050500013M02606",
            "BE68539007547034",
            "CH9300762011623852957",
            "NO9386011117947",
        ] {
            assert_eq!(iban(v), Some(Ok(v)), "{v}");
            let t = format!("{v}, thanks");
            assert_eq!(iban(&t), Some(Ok(v)), "{t}");
        }
    }

    #[test]
    fn invalid() {
        assert_eq!(
            iban("DE88370400440532013000"),
            Some(Err("DE88370400440532013000"))
        );
        for t in [
            "DE8937040044053201300",   // short
            "DE893704004405320130001", // long
            "DE89 3704 0044 0532 0130 001",
            "DE89 37040044 0532 0130 00",
            "DE89  3704 0044 0532 0130 00",
            "XX89370400440532013000",
            "de89370400440532013000",
            "DE89370400440532013000x",
            "DEAB370400440532013000",
        ] {
            assert_eq!(iban(t), None, "{t}");
        }
    }
}
