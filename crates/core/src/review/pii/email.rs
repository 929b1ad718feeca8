//! Email addresses, found from their `@`: back over the local part, forward over the domain.

use super::lex::{at, before, is_alnum};

/// RFC 5321 limits.
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;

/// Characters we accept in a local part (the unquoted, common subset of RFC 5322 atoms).
fn is_local(c: u8) -> bool {
    is_alnum(c) || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

/// A top-level domain: two or more letters, or an internationalised one in its ASCII form
/// (`xn--` and a punycode label, such as `xn--p1ai` for `.рф`).
fn is_tld(label: &[u8]) -> bool {
    let letters = label.len() >= 2 && label.iter().all(u8::is_ascii_alphabetic);
    let punycode = label.len() > 4
        && label[..4].eq_ignore_ascii_case(b"xn--")
        && label[4..].iter().all(|&c| is_alnum(c) || c == b'-')
        && label[4..].iter().any(u8::is_ascii_alphabetic);
    letters || punycode
}

/// The address around the `@` at `a`, as `(start, end)`.
///
/// The local part must start with a letter or digit (leading dots and dashes are trimmed as
/// punctuation) and has no `..`; the domain needs at least two labels, labels do not start or end
/// with `-`, and the last label is at least two letters. So `@mentions`, `user@localhost` and a
/// sentence-ending `.` are not part of a match.
pub(super) fn detect(b: &[u8], a: usize) -> Option<(usize, usize)> {
    let lo = a.saturating_sub(MAX_LOCAL + 1);
    let mut s = a;
    while s > lo && is_local(before(b, s)) {
        s -= 1;
    }
    if is_local(before(b, s)) {
        return None; // longer than any local part
    }
    while s < a && !is_alnum(at(b, s)) {
        s += 1;
    }
    let local = b.get(s..a)?;
    if local.is_empty() || local.len() > MAX_LOCAL || local.ends_with(b".") {
        return None;
    }
    if local.windows(2).any(|w| w == b"..") {
        return None;
    }

    let mut p = a + 1;
    let mut labels = 0;
    let tld_start = loop {
        let start = p;
        while is_alnum(at(b, p)) || at(b, p) == b'-' {
            p += 1;
        }
        if p == start || at(b, start) == b'-' || before(b, p) == b'-' || p - (a + 1) > MAX_DOMAIN {
            return None;
        }
        labels += 1;
        if at(b, p) == b'.' && is_alnum(at(b, p + 1)) {
            p += 1;
        } else {
            break start;
        }
    };
    let tld = b.get(tld_start..p)?;
    if labels < 2 || !is_tld(tld) {
        return None;
    }
    if matches!(at(b, p), b'@' | b'_') {
        return None;
    }
    Some((s, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(t: &str) -> Option<&str> {
        let b = t.as_bytes();
        let a = b.iter().position(|&c| c == b'@')?;
        detect(b, a).and_then(|(s, e)| t.get(s..e))
    }

    #[test]
    fn addresses() {
        for a in [
            "john@example.com",
            "john.doe@example.com",
            "john+tag@example.com",
            "j_doe-99@mail.sub.example.co.uk",
            "x@a-b.io",
            "UPPER@EXAMPLE.ORG",
            "o'brien@example.ie",
            "1234@example.com",
            "user@xn--d1acufc.xn--p1ai",
            "info@xn--mller-kva.xn--de-5ka.com",
            "a@example.xn--3e0b707e",
        ] {
            assert_eq!(email(a), Some(a), "{a}");
            for wrapped in [
                format!("mail {a}."),
                format!("<{a}>"),
                format!("({a}),"),
                format!("mailto:{a}?subject=x"),
                format!("«{a}»"),
                format!("写信给{a}。"),
            ] {
                assert_eq!(email(&wrapped), Some(a), "{wrapped}");
            }
        }
        assert_eq!(email("...john@example.com"), Some("john@example.com"));
    }

    #[test]
    fn lookalikes() {
        for t in [
            "@mention",
            "hi @john.doe thanks",
            "user@localhost",
            "john@example",
            "john@example.c",
            "john@example.123",
            "john@-example.com",
            "john@example-.com",
            "john..doe@example.com",
            "john.@example.com",
            "john@example..com",
            "john@example.com@x.org",
            "john@example.xn--",
            "john@example.xn--123",
            "john@example.xn-p1ai",
            "a@b",
            "@",
            "x@",
        ] {
            assert_eq!(email(t), None, "{t}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(email(&long), None);
        let max = format!("{}@example.com", "a".repeat(64));
        assert_eq!(email(&max), Some(max.as_str()));
    }
}
