//! Phone numbers: North American (NANP) layouts and international E.164 (`+<country><number>`).
//! Bare 10-digit runs need a context word; that case lives in `numeric`, which sees digit runs.

use super::checksums::nanp_valid;
use super::lex::{at, end_ok, is_digit, is_word, run_len};

/// A NANP number starting at `s` (on `+`, `1`, `(` or the first area-code digit); returns its end.
///
/// Accepted: `(555) 234-5678`, `(555)234-5678`, `555-234-5678`, `555.234.5678`, `555 234 5678`,
/// `555 234-5678`, each optionally after `+1`, `+1 `, `+1-`, `1-`, `1 ` or `1.`; and `+1` followed
/// by ten bare digits. Area code and exchange must start with 2-9.
pub(super) fn nanp(b: &[u8], s: usize) -> Option<usize> {
    let mut p = s;
    let mut plus = false;
    if at(b, p) == b'+' {
        if at(b, p + 1) != b'1' {
            return None;
        }
        plus = true;
        p += 2;
        if is_sep(at(b, p)) {
            p += 1;
        }
    } else if at(b, p) == b'1' && is_sep(at(b, p + 1)) {
        // A leading trunk `1` needs a separator; `15552345678` is not a NANP layout we accept.
        p += 2;
    }

    if at(b, p) == b'(' {
        let area = p + 1;
        if run_len(b, area, 4, is_digit) != 3 || at(b, area + 3) != b')' {
            return None;
        }
        p = area + 4;
        if matches!(at(b, p), b' ' | b'-') {
            p += 1;
        }
        let exchange = p;
        if run_len(b, exchange, 4, is_digit) != 3 || !is_sep(at(b, exchange + 3)) {
            return None;
        }
        return line(b, exchange + 4, at(b, area), at(b, exchange));
    }

    let area = p;
    let area_len = run_len(b, area, 11, is_digit);
    if plus && area_len == 10 {
        // `+15552345678`: E.164 without separators.
        let end = area + 10;
        return (nanp_valid(at(b, area), at(b, area + 3)) && end_ok(b, end)).then_some(end);
    }
    if area_len != 3 {
        return None;
    }
    let sep1 = at(b, area + 3);
    let exchange = area + 4;
    if !is_sep(sep1) || run_len(b, exchange, 4, is_digit) != 3 {
        return None;
    }
    let sep2 = at(b, exchange + 3);
    // One separator throughout, or the common `555 234-5678`.
    if !(sep1 == sep2 || (sep1 == b' ' && sep2 == b'-')) {
        return None;
    }
    line(b, exchange + 4, at(b, area), at(b, exchange))
}

/// The four-digit line number at `p`, the validity check and the end boundary.
fn line(b: &[u8], p: usize, area_first: u8, exchange_first: u8) -> Option<usize> {
    let end = p + 4;
    (run_len(b, p, 5, is_digit) == 4 && nanp_valid(area_first, exchange_first) && end_ok(b, end))
        .then_some(end)
}

fn is_sep(c: u8) -> bool {
    matches!(c, b' ' | b'-' | b'.')
}

/// Up to this many digit groups are considered after `+`.
const MAX_E164_GROUPS: usize = 8;

/// An international number at `s` (on `+`, country code not starting with 0 or 1): 8 to 15
/// digits in total, optionally split into groups by single spaces or dashes; after the country
/// code a group may be in brackets (`+44 (20) 7123 4567`, `+44 (0)20 7123 4567`). When the
/// groups run on into something else (`+44 20 7946 0958 123-45-6789`), the longest prefix of
/// whole groups that ends cleanly is taken; a number glued to letters is not taken at all.
pub(super) fn e164(b: &[u8], s: usize) -> Option<usize> {
    if !matches!(at(b, s + 1), b'2'..=b'9') {
        return None;
    }
    let mut ends = [0usize; MAX_E164_GROUPS];
    let mut totals = [0usize; MAX_E164_GROUPS];
    let mut n = 0;
    let mut p = s + 1;
    let mut total = 0;
    while n < MAX_E164_GROUPS {
        let bracketed = n > 0 && at(b, p) == b'(';
        let first = p + usize::from(bracketed);
        let len = run_len(b, first, 16, is_digit);
        if bracketed && (len == 0 || len > 4 || at(b, first + len) != b')') {
            break;
        }
        total += len;
        p = first + len + usize::from(bracketed);
        if let (Some(e), Some(t)) = (ends.get_mut(n), totals.get_mut(n)) {
            (*e, *t) = (p, total);
        }
        n += 1;
        if total > 15 {
            break;
        }
        // `(0)20`: a bracketed trunk prefix glued to the next group.
        if bracketed && is_digit(at(b, p)) {
            continue;
        }
        let next = at(b, p + 1);
        if !(matches!(at(b, p), b' ' | b'-') && (is_digit(next) || next == b'(')) {
            break;
        }
        p += 1;
    }
    if is_word(at(b, p)) {
        return None;
    }
    ends.iter()
        .zip(&totals)
        .take(n)
        .rev()
        .find(|&(&end, total)| (8..=15).contains(total) && end_ok(b, end))
        .map(|(&end, _)| end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanp_str(t: &str) -> Option<&str> {
        nanp(t.as_bytes(), 0).and_then(|e| t.get(..e))
    }

    #[test]
    fn nanp_layouts() {
        for t in [
            "(555) 234-5678",
            "(555)234-5678",
            "(555) 234 5678",
            "555-234-5678",
            "555.234.5678",
            "555 234 5678",
            "555 234-5678",
            "+1 555 234 5678",
            "+1-555-234-5678",
            "+1.555.234.5678",
            "+15552345678",
            "+1 (555) 234-5678",
            "1-555-234-5678",
            "1 (800) 555-0199",
        ] {
            assert_eq!(nanp_str(t), Some(t), "{t}");
            let followed = format!("{t}, then");
            assert_eq!(nanp_str(&followed), Some(t), "{followed}");
        }
    }

    #[test]
    fn nanp_rejects() {
        for t in [
            "155-234-5678",  // area starts with 1
            "555-023-4567",  // exchange starts with 0
            "555-234-56788", // long line
            "555-234-5678-8",
            "555-234-5678x",
            "555.234-5678", // mixed separators
            "555--234-5678",
            "5552345678", // bare: needs context, handled elsewhere
            "15552345678",
            "+2 555 234 5678",
            "(555 234-5678",
            "555-2345678",
        ] {
            assert_eq!(nanp_str(t), None, "{t}");
        }
    }

    fn e164_str(t: &str) -> Option<&str> {
        e164(t.as_bytes(), 0).and_then(|e| t.get(..e))
    }

    #[test]
    fn international() {
        for t in [
            "+44 20 7946 0958",
            "+4915112345678",
            "+49 151 1234 5678",
            "+33 1 23 45 67 89",
            "+81-3-1234-5678",
            "+61 2 9876 5432",
            "+44 (20) 7123 4567",
            "+44 (0)20 7123 4567",
            "+49 (30) 901820",
        ] {
            assert_eq!(e164_str(t), Some(t), "{t}");
        }
        assert_eq!(
            e164_str("+44 (20) 7123 4567 (office)"),
            Some("+44 (20) 7123 4567")
        );
        assert_eq!(
            e164_str("+44 20 7946 0958 2024 and"),
            Some("+44 20 7946 0958")
        );
        assert_eq!(e164_str("+44 20 7946 0958."), Some("+44 20 7946 0958"));
        assert_eq!(
            e164_str("+44 20 7946 0958 123-45-6789"),
            Some("+44 20 7946 0958")
        );
    }

    #[test]
    fn international_rejects() {
        for t in [
            "+4412345",          // 7 digits
            "+0441234567890",    // country code 0
            "+1441234567890",    // +1 is NANP only
            "+4412345678901234", // 16 digits in one run
            "+44  20 7946 0958", // double space leaves too few digits
            "+44 20 7946 0958x",
            "+44 (2020) was the year", // a bracketed year leaves 6 digits
            "+44 (20 7123 4567",       // an unclosed bracket ends the number at +44
            "+44 (12345) 6789 0123",   // brackets hold an area code, not a number
            "+15",
            "+",
        ] {
            assert_eq!(e164_str(t), None, "{t}");
        }
    }
}
