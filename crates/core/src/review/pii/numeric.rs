//! Values that start with a digit: NANP phones, SSNs, SINs, payment cards, IPv4 addresses, and
//! bare digit runs that only count with a context word before them.
//!
//! The digits from the start are read once into up to [`MAX_GROUPS`] groups separated by single
//! spaces, dashes or dots; then the layouts are tried on the longest prefix of whole groups
//! first, so `4111 1111 1111 1111 12/26` still yields the card.

use super::checksums::{luhn_valid, nanp_valid, sin_valid, ssn_valid};
use super::context::Context;
use super::labels::Label;
use super::lex::{at, before, end_ok, is_digit, is_word, run_len};
use super::{Detector, network, phone};

/// Enough groups for the longest layout we accept (a 19-digit card as 4-4-4-4-3).
const MAX_GROUPS: usize = 5;
/// Digits of one value we ever need to look at (cards are at most 19).
const MAX_DIGITS: usize = 19;
/// Words that make a dotted quad a version number rather than an address.
const VERSION_WORDS: &[&[u8]] = &[b"version", b"ver", b"v", b"release", b"build"];

/// What a digit at a token start turned out to be.
pub(super) enum Numeric {
    Found(Detector, usize),
    /// Nothing here; resume scanning at this offset (the end of the first digit run).
    Skip(usize),
}

#[derive(Clone, Copy, Default)]
struct Group {
    start: usize,
    end: usize,
    /// The separator after this group, if another group follows.
    sep: u8,
}

impl Group {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Detects a value starting with the digit at `s`, which the caller has checked is a token start.
pub(super) fn detect(b: &[u8], s: usize, context: &mut Context) -> Numeric {
    if let Some(end) = phone::nanp(b, s) {
        return Numeric::Found(Detector::PhoneNanp, end);
    }

    let mut groups = [Group::default(); MAX_GROUPS];
    let mut n = 0;
    let mut p = s;
    while n < MAX_GROUPS {
        let start = p;
        p += run_len(b, p, usize::MAX, is_digit);
        let sep = at(b, p);
        let more = matches!(sep, b' ' | b'-' | b'.') && is_digit(at(b, p + 1));
        if let Some(slot) = groups.get_mut(n) {
            *slot = Group {
                start,
                end: p,
                sep: if more { sep } else { 0 },
            };
        }
        n += 1;
        if !more {
            break;
        }
        p += 1;
    }
    let groups = groups.get(..n).unwrap_or_default();
    let (Some(first), Some(last)) = (groups.first(), groups.last()) else {
        return Numeric::Skip(s + 1);
    };
    let skip = Numeric::Skip(first.end);
    // A run glued to letters (`4111111111111111XYZ`, UUID pieces) is part of a longer token.
    if is_word(at(b, last.end)) && last.sep == 0 {
        return skip;
    }

    // Digits laid out like a whole card (`4935 2651 1542 1944 588`) are judged as a whole: a
    // shorter prefix that happens to pass Luhn is not a card.
    let whole_card = card_layout(groups);
    for k in (1..=n).rev() {
        if whole_card && k < n {
            break;
        }
        let gs = groups.get(..k).unwrap_or_default();
        let Some(end) = gs.last().map(|g| g.end) else {
            continue;
        };
        if !end_ok(b, end) && !address_before_at(b, gs, end) {
            continue;
        }
        if let Some(detector) = layout(b, s, gs, context) {
            return Numeric::Found(detector, end);
        }
    }
    skip
}

/// A dotted quad just before an `@` that does not start an email address's domain
/// (`192.168.2.1@eth0`): the quad is a whole value, not an email's local part.
#[cold]
#[inline(never)]
fn address_before_at(b: &[u8], gs: &[Group], end: usize) -> bool {
    gs.len() == 4 && at(b, end) == b'@' && super::email::detect(b, end).is_none()
}

/// The groups before the last (whose separators join the value).
fn joined(gs: &[Group]) -> &[Group] {
    gs.split_last().map_or(&[], |(_, init)| init)
}

/// What the value made of exactly the groups `gs` (starting at `s`) is, if anything.
fn layout(b: &[u8], s: usize, gs: &[Group], context: &mut Context) -> Option<Detector> {
    let seps = joined(gs);
    let one_sep = |allowed: &[u8]| {
        seps.first()
            .is_some_and(|g| allowed.contains(&g.sep) && seps.iter().all(|h| h.sep == g.sep))
    };
    let lens =
        |want: &[usize]| gs.len() == want.len() && gs.iter().zip(want).all(|(g, &w)| g.len() == w);
    let digits = collect_digits(b, gs);
    let digits = digits
        .as_ref()
        .map(|(buf, len)| buf.get(..*len).unwrap_or_default());

    match gs.len() {
        1 => bare(b, s, digits?, context),
        3 if lens(&[3, 2, 4]) && one_sep(b"- ") => {
            let d = digits?;
            ssn_valid(d.get(..3)?, d.get(3..5)?, d.get(5..)?).then_some(Detector::UsSsn)
        }
        3 if lens(&[3, 3, 3]) && one_sep(b"- ") => sin_valid(digits?).then_some(Detector::CaSin),
        4 if one_sep(b".") => ipv4(b, s, gs).then_some(Detector::Ipv4),
        _ if card_layout(gs) => card_valid(digits?).then_some(Detector::CreditCard),
        _ => None,
    }
}

/// Grouped like a card: one separator (space or dash), a first group of 4, then groups of 3-6,
/// 13-19 digits in all (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3).
fn card_layout(gs: &[Group]) -> bool {
    let Some((first, rest)) = gs.split_first() else {
        return false;
    };
    let total: usize = gs.iter().map(Group::len).sum();
    !rest.is_empty()
        && matches!(first.sep, b' ' | b'-')
        && joined(gs).iter().all(|g| g.sep == first.sep)
        && first.len() == 4
        && rest.iter().all(|g| (3..=6).contains(&g.len()))
        && (13..=19).contains(&total)
}

/// A single unseparated digit run: a card by itself, or a phone, SSN or SIN with a label
/// (see `context`).
fn bare(b: &[u8], s: usize, d: &[u8], context: &mut Context) -> Option<Detector> {
    match d.len() {
        13..=19 => card_valid(d).then_some(Detector::CreditCard),
        9 => {
            // Only the categories whose rules the number passes can label it; of those, the
            // label decides (the nearer one when both are named).
            let ssn = ssn_valid(d.get(..3)?, d.get(3..5)?, d.get(5..)?);
            let sin = sin_valid(d);
            let candidates: &[Label] = match (ssn, sin) {
                (true, true) => &[Label::Ssn, Label::Sin],
                (true, false) => &[Label::Ssn],
                (false, true) => &[Label::Sin],
                (false, false) => return None,
            };
            match context.label(b, s, candidates)? {
                Label::Ssn => Some(Detector::UsSsnLabelled),
                Label::Sin => Some(Detector::CaSinLabelled),
                _ => None,
            }
        }
        10 | 11 => {
            // Ten digits, or eleven with the trunk prefix `1`.
            let national = if d.len() == 11 {
                d.strip_prefix(b"1")?
            } else {
                d
            };
            (nanp_valid(at(national, 0), at(national, 3))
                && context.label(b, s, &[Label::Phone]) == Some(Label::Phone))
            .then_some(Detector::PhoneLabelled)
        }
        _ => None,
    }
}

/// The digits of `gs` without separators, or `None` when there are more than a card holds.
fn collect_digits(b: &[u8], gs: &[Group]) -> Option<([u8; MAX_DIGITS], usize)> {
    let mut buf = [0u8; MAX_DIGITS];
    let mut len = 0;
    for g in gs {
        let part = b.get(g.start..g.end)?;
        buf.get_mut(len..len + part.len())?.copy_from_slice(part);
        len += part.len();
    }
    Some((buf, len))
}

/// A dotted quad of decimal octets that is not a version number.
fn ipv4(b: &[u8], s: usize, gs: &[Group]) -> bool {
    gs.iter()
        .all(|g| network::octet_ok(b.get(g.start..g.end).unwrap_or_default()))
        && !version_before(b, s)
}

/// Whether the word just before `s` (across spaces, `:`, `=`, `#` or a `.`) names a version.
fn version_before(b: &[u8], s: usize) -> bool {
    let mut p = s;
    let mut gap = 0;
    while gap < 3 && matches!(before(b, p), b' ' | b'\t' | b':' | b'=' | b'#' | b'.') {
        p -= 1;
        gap += 1;
    }
    let mut q = p;
    while p - q < 8 && before(b, q).is_ascii_alphabetic() {
        q -= 1;
    }
    if before(b, q).is_ascii_alphabetic() {
        return false;
    }
    let word = b.get(q..p).unwrap_or_default();
    VERSION_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Luhn-valid and in a known issuer range with that issuer's length.
pub(super) fn card_valid(d: &[u8]) -> bool {
    issuer_ok(d) && luhn_valid(d)
}

fn issuer_ok(d: &[u8]) -> bool {
    let len = d.len();
    // The leading digits as a number: `prefix(4)` of 4111... is 4111.
    let prefix = |n: usize| {
        d.iter()
            .take(n)
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c.wrapping_sub(b'0')))
    };
    let (p1, p2, p3, p4) = (prefix(1), prefix(2), prefix(3), prefix(4));
    let visa = p1 == 4 && matches!(len, 13 | 16 | 19);
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16;
    let amex = matches!(p2, 34 | 37) && len == 15;
    let long = (16..=19).contains(&len);
    let discover = (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && long;
    let diners = (p2 == 36 || (300..=305).contains(&p3) || matches!(p2, 38 | 39))
        && (14..=19).contains(&len);
    let jcb = (3528..=3589).contains(&p4) && long;
    let unionpay = p2 == 62 && long;
    // Maestro's ranges overlap Discover and UnionPay; lengths 13-19 (we do not go down to 12).
    let maestro = (p2 == 50 || (56..=58).contains(&p2) || p1 == 6) && (13..=19).contains(&len);
    visa || mastercard || amex || discover || diners || jcb || unionpay || maestro
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PiiCategory;

    fn find(t: &str) -> Option<(PiiCategory, &str)> {
        let b = t.as_bytes();
        let s = b.iter().position(|c| c.is_ascii_digit())?;
        match detect(b, s, &mut Context::default()) {
            Numeric::Found(d, e) => Some((d.category(), t.get(s..e)?)),
            Numeric::Skip(_) => None,
        }
    }

    #[test]
    fn cards() {
        for v in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4222222222222",
            "5555555555554444",
            "2223003122003222",
            "378282246310005",
            "3782 822463 10005",
            "6011111111111117",
            "6011 0009 9013 9424",
            "30569309025904",
            "3056 930902 5904",
            "3530111333300000",
            "6200000000000005",
            "6759649826438453",
            "4111 1111 1111 1111 003", // 19 digits, Luhn-valid
        ] {
            let digits: Vec<u8> = v.bytes().filter(u8::is_ascii_digit).collect();
            assert!(luhn_valid(&digits), "test value {v} must be Luhn-valid");
            let t = format!("card {v}.");
            assert_eq!(find(&t), Some((PiiCategory::CreditCard, v)), "{t}");
        }
    }

    #[test]
    fn card_lookalikes() {
        for t in [
            "4111111111111112",    // Luhn fails
            "1234567812345670",    // no issuer starts with 1
            "4111 1111-1111 1111", // mixed separators
            "41 11 11 11 11 11 11 11",
            "4111111111111111XYZ",
            "4111.1111.1111.1111",
            "9783161484100",    // ISBN-13
            "1705312345678",    // epoch milliseconds
            "3782822463100005", // Amex prefix, wrong length
        ] {
            assert_eq!(find(t), None, "{t}");
        }
        // A 19-digit layout failing Luhn does not become a 16-digit card (4111... is valid).
        assert_eq!(find("4111 1111 1111 1111 004"), None);
        // The trailing expiry is a separate number.
        assert_eq!(
            find("4111 1111 1111 1111 12/26"),
            Some((PiiCategory::CreditCard, "4111 1111 1111 1111"))
        );
    }

    #[test]
    fn ssn_and_sin() {
        assert_eq!(
            find("123-45-6789"),
            Some((PiiCategory::UsSsn, "123-45-6789"))
        );
        assert_eq!(
            find("123 45 6789"),
            Some((PiiCategory::UsSsn, "123 45 6789"))
        );
        for t in [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "123-00-4567",
            "123-45-0000",
            "123-45 6789",
            "123-45-67890",
        ] {
            assert_eq!(find(t), None, "{t}");
        }
        assert_eq!(
            find("130-692-544"),
            Some((PiiCategory::CaSin, "130-692-544"))
        );
        assert_eq!(
            find("130 692 544"),
            Some((PiiCategory::CaSin, "130 692 544"))
        );
        assert_eq!(find("130-692-545"), None); // Luhn
        assert_eq!(find("046-454-286"), None); // leading 0
        assert_eq!(find("130-692 544"), None);
    }

    #[test]
    fn bare_runs_need_context() {
        assert_eq!(
            find("SSN: 123456789"),
            Some((PiiCategory::UsSsn, "123456789"))
        );
        assert_eq!(
            find("Social Security number 123456789"),
            Some((PiiCategory::UsSsn, "123456789"))
        );
        assert_eq!(find("id 123456789"), None);
        assert_eq!(
            find("SIN 130692544"),
            Some((PiiCategory::CaSin, "130692544"))
        );
        assert_eq!(
            find("social insurance no. 130692544"),
            Some((PiiCategory::CaSin, "130692544"))
        );
        assert_eq!(find("a single 130692544"), None);
        // Both labels near: the nearer one decides, when the number passes its rules.
        assert_eq!(
            find("SSN on file; SIN 130692544"),
            Some((PiiCategory::CaSin, "130692544"))
        );
        assert_eq!(
            find("SIN on file; SSN 130692544"),
            Some((PiiCategory::UsSsn, "130692544"))
        );
        // 123456789 fails the SIN's Luhn check: an SSN whatever label is nearer.
        assert_eq!(
            find("SSN on file; SIN 123456789"),
            Some((PiiCategory::UsSsn, "123456789"))
        );
        // 900 cannot start an SSN: a SIN (Luhn-valid) even with the SSN label nearer.
        assert_eq!(
            find("SIN on file; SSN 900000001"),
            Some((PiiCategory::CaSin, "900000001"))
        );
        assert_eq!(
            find("Phone 5552345678"),
            Some((PiiCategory::Phone, "5552345678"))
        );
        assert_eq!(
            find("call me: 15552345678"),
            Some((PiiCategory::Phone, "15552345678"))
        );
        assert_eq!(
            find("TEL 5552345678"),
            Some((PiiCategory::Phone, "5552345678"))
        );
        assert_eq!(find("PO 4500012345"), None);
        assert_eq!(find("at 1705312345"), None);
        assert_eq!(find("phone 1705312345"), None); // area code 170 is not NANP
    }

    #[test]
    fn phones_from_digits() {
        assert_eq!(
            find("555-234-5678"),
            Some((PiiCategory::Phone, "555-234-5678"))
        );
        assert_eq!(
            find("1 (800) 555-0199"),
            Some((PiiCategory::Phone, "1 (800) 555-0199"))
        );
    }

    #[test]
    fn ipv4_quads() {
        assert_eq!(find("10.0.0.1"), Some((PiiCategory::IpAddress, "10.0.0.1")));
        assert_eq!(
            find("at 192.168.1.254:8080"),
            Some((PiiCategory::IpAddress, "192.168.1.254"))
        );
        assert_eq!(find("0.0.0.0/0"), Some((PiiCategory::IpAddress, "0.0.0.0")));
        assert_eq!(
            find("bound to 192.168.2.1@eth0"),
            Some((PiiCategory::IpAddress, "192.168.2.1"))
        );
        // The local part of an email address is the email's, not an address of its own.
        assert_eq!(find("10.0.0.1@example.com"), None);
        assert_eq!(find("1.2.3@eth0"), None);
        for t in [
            "256.1.1.1",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3",
            "version 10.0.0.1",
            "Version: 1.2.3.4",
            "ver. 1.2.3.4",
            "release 2.4.1.7",
            "v 1.2.3.4",
            "15.01.2024",
        ] {
            assert_eq!(find(t), None, "{t}");
        }
        assert_eq!(
            find("server 10.0.0.1"),
            Some((PiiCategory::IpAddress, "10.0.0.1"))
        );
    }

    #[test]
    fn dates_and_orders() {
        for t in [
            "2024-01-15",
            "01/15/2024",
            "15.01.2024",
            "2024 12 31",
            "88412-3",
            "978-3-16-148410-0",
            "1,234,567",
            "3 cats",
        ] {
            assert_eq!(find(t), None, "{t}");
        }
    }
}
