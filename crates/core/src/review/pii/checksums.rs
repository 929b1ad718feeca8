//! Check-digit algorithms and number-plan rules. Inputs are ASCII bytes; anything that is not
//! the expected kind of byte makes a check fail rather than panic.

/// Luhn (mod 10) over ASCII digits, as used by payment cards and Canadian SINs.
pub(super) fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (k, &c) in digits.iter().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(c - b'0');
        if k % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// ISO 13616 check: move the first four characters to the end, read letters as 10..=35, and
/// the resulting number must be 1 mod 97. `chars` are the IBAN without separators, uppercase.
pub(super) fn iban_mod97_valid(chars: &[u8]) -> bool {
    if chars.len() < 5 {
        return false;
    }
    let (head, tail) = chars.split_at(4);
    mod97_valid(tail.iter().chain(head).copied())
}

/// ISO 7064 MOD 97-10: uppercase letters read as 10..=35 (two decimal digits), digits as
/// themselves; valid when the number is 1 mod 97.
pub(super) fn mod97_valid(chars: impl IntoIterator<Item = u8>) -> bool {
    let mut rem = 0u32;
    let mut any = false;
    for c in chars {
        rem = match c {
            b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => (rem * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        };
        any = true;
    }
    any && rem == 1
}

/// Digits weighted 1, 2, 3, ... from the right (a final `X` is 10) sum to a multiple of 11, as
/// in ISBN-10.
pub(super) fn mod11_valid(chars: &[u8]) -> bool {
    let Some((&last, init)) = chars.split_last() else {
        return false;
    };
    let check = match last {
        b'0'..=b'9' => u32::from(last - b'0'),
        b'X' => 10,
        _ => return false,
    };
    let mut sum = check;
    for (k, &c) in init.iter().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        sum += u32::from(c - b'0') * (k as u32 + 2);
    }
    !init.is_empty() && sum.is_multiple_of(11)
}

/// US SSN rules: area 001-899 except 666, group 01-99, serial 0001-9999.
/// `area`, `group`, `serial` are the ASCII digit groups (3, 2 and 4 digits).
pub(super) fn ssn_valid(area: &[u8], group: &[u8], serial: &[u8]) -> bool {
    if area.len() != 3 || group.len() != 2 || serial.len() != 4 {
        return false;
    }
    let (Some(a), Some(g), Some(s)) = (number(area), number(group), number(serial)) else {
        return false;
    };
    (1..=899).contains(&a) && a != 666 && g != 0 && s != 0
}

/// Canadian SIN rules: 9 digits, Luhn-valid, first digit not 0 (unused) or 8 (business numbers).
pub(super) fn sin_valid(digits: &[u8]) -> bool {
    digits.len() == 9 && !matches!(digits.first(), Some(b'0' | b'8')) && luhn_valid(digits)
}

/// North American Numbering Plan: area code and exchange both start with 2-9.
pub(super) fn nanp_valid(area_first: u8, exchange_first: u8) -> bool {
    matches!(area_first, b'2'..=b'9') && matches!(exchange_first, b'2'..=b'9')
}

/// The value of a short ASCII digit string (at most 9 digits), or `None`.
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid(b"4111111111111111"));
        assert!(luhn_valid(b"378282246310005"));
        assert!(luhn_valid(b"046454286"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(!luhn_valid(b""));
        assert!(!luhn_valid(b"41111x1111111111"));
    }

    #[test]
    fn iban() {
        assert!(iban_mod97_valid(b"DE89370400440532013000"));
        assert!(iban_mod97_valid(b"GB82WEST12345698765432"));
        assert!(iban_mod97_valid(b"NL91ABNA0417164300"));
        assert!(!iban_mod97_valid(b"DE88370400440532013000"));
        assert!(!iban_mod97_valid(b"DE89"));
        assert!(!iban_mod97_valid(b"DE89 370400440532013000"));
    }

    #[test]
    fn ssn() {
        assert!(ssn_valid(b"123", b"45", b"6789"));
        assert!(ssn_valid(b"001", b"01", b"0001"));
        assert!(ssn_valid(b"899", b"99", b"9999"));
        assert!(!ssn_valid(b"000", b"45", b"6789"));
        assert!(!ssn_valid(b"666", b"45", b"6789"));
        assert!(!ssn_valid(b"900", b"45", b"6789"));
        assert!(!ssn_valid(b"123", b"00", b"6789"));
        assert!(!ssn_valid(b"123", b"45", b"0000"));
        assert!(!ssn_valid(b"12", b"345", b"6789"));
    }

    #[test]
    fn sin() {
        assert!(sin_valid(b"130692544"));
        assert!(sin_valid(b"193456787"));
        assert!(!sin_valid(b"130692545"));
        // Luhn-valid, but 0 and 8 are not issued to people.
        assert!(!sin_valid(b"046454286"));
        assert!(!sin_valid(b"812345676"));
        assert!(!sin_valid(b"13069254"));
    }

    #[test]
    fn nanp() {
        assert!(nanp_valid(b'5', b'2'));
        assert!(!nanp_valid(b'1', b'5'));
        assert!(!nanp_valid(b'5', b'0'));
    }
}
