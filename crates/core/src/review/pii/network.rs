//! IP addresses. Dotted quads that start a token are read by `numeric`; this file has the octet
//! rule and IPv6, which the scanner tries whenever it meets a `:`.

use super::lex::{at, before, is_alnum, is_digit, is_hex, is_word, run_len};

/// A decimal octet: 0-255 without leading zeros.
pub(super) fn octet_ok(d: &[u8]) -> bool {
    match d {
        [b'0'] => true,
        [b'1'..=b'9'] | [b'1'..=b'9', b'0'..=b'9'] => true,
        [a @ b'1'..=b'2', m @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            let v = u32::from(a - b'0') * 100 + u32::from(m - b'0') * 10 + u32::from(c - b'0');
            v <= 255
        }
        _ => false,
    }
}

/// The end of a dotted quad at `p`, without boundary checks (used inside IPv6).
fn quad_end(b: &[u8], p: usize) -> Option<usize> {
    let mut q = p;
    for k in 0..4 {
        if k > 0 {
            if at(b, q) != b'.' {
                return None;
            }
            q += 1;
        }
        let len = run_len(b, q, 4, is_digit);
        if !octet_ok(b.get(q..q + len)?) {
            return None;
        }
        q += len;
    }
    Some(q)
}

/// The longest IPv6 text form (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`).
const MAX_V6: usize = 45;

fn is_v6(c: u8) -> bool {
    is_hex(c) || c == b':'
}

/// Where an IPv6 address containing the `:` at `colon` would start: back over hex digits and
/// colons. `None` if that run is longer than any address.
pub(super) fn v6_start(b: &[u8], colon: usize) -> Option<usize> {
    let lo = colon.saturating_sub(MAX_V6);
    let mut s = colon;
    while s > lo && is_v6(before(b, s)) {
        s -= 1;
    }
    (!is_v6(before(b, s))).then_some(s)
}

/// An IPv6 address starting at `s`; returns its end.
///
/// Full (8 groups), compressed (one `::`), with an embedded dotted quad, link-local. Rejects
/// bare `::`, times (`12:30:45`), MAC addresses (`00:1a:2b:3c:4d:5e`, also 8-group EUI-64
/// written the same way), `std::vector`, and hex-only words such as `add::dec` (an address
/// needs at least one decimal digit; `dead:beef::cafe` is a known miss).
pub(super) fn ipv6(b: &[u8], s: usize) -> Option<usize> {
    let p0 = before(b, s);
    if is_word(p0) || p0 == b'.' || p0 == b':' {
        return None;
    }
    let mut p = s;
    let mut groups = 0;
    let mut compressed = false;
    let mut has_digit = false;
    let mut all_pairs = true;
    if at(b, p) == b':' {
        if at(b, p + 1) != b':' {
            return None;
        }
        compressed = true;
        p += 2;
    }
    loop {
        if is_digit(at(b, p))
            && groups <= 6
            && let Some(e) = quad_end(b, p)
        {
            groups += 2;
            has_digit = true;
            all_pairs = false;
            p = e;
            break;
        }
        let h = run_len(b, p, 5, is_hex);
        if h == 0 {
            // Only right after a `::` (e.g. `fe80::`) may the text end without a group.
            if compressed && before(b, p) == b':' {
                break;
            }
            return None;
        }
        if h > 4 {
            return None;
        }
        let group = b.get(p..p + h).unwrap_or_default();
        has_digit |= group.iter().any(u8::is_ascii_digit);
        all_pairs &= h == 2;
        groups += 1;
        p += h;
        if groups > 8 {
            return None;
        }
        if at(b, p) != b':' {
            break;
        }
        if at(b, p + 1) == b':' {
            if compressed {
                return None;
            }
            compressed = true;
            p += 2;
        } else if is_hex(at(b, p + 1)) {
            p += 1;
        } else {
            break;
        }
    }
    let count_ok = if compressed { groups <= 7 } else { groups == 8 };
    if !count_ok || groups == 0 || !has_digit || (all_pairs && !compressed) {
        return None;
    }
    let p = with_zone_and_prefix(b, p);
    let c = at(b, p);
    if is_word(c) || c == b':' || c == b'@' || (c == b'.' && is_digit(at(b, p + 1))) {
        return None;
    }
    Some(p)
}

/// Where the notation of an IPv6 address that ends at `p` ends: past a zone (`%eth0`, RFC 6874's
/// unreserved characters, not ending in punctuation) and a prefix length (`/64`, at most 128),
/// which are redacted with it rather than left beside a label.
fn with_zone_and_prefix(b: &[u8], mut p: usize) -> usize {
    if at(b, p) == b'%' {
        let mut zone = run_len(b, p + 1, 32, |c| {
            is_alnum(c) || matches!(c, b'.' | b'_' | b'~' | b'-')
        });
        while zone > 0 && matches!(at(b, p + zone), b'.' | b'-' | b'_' | b'~') {
            zone -= 1;
        }
        if zone > 0 {
            p += 1 + zone;
        }
    }
    if at(b, p) == b'/' {
        let len = run_len(b, p + 1, 4, is_digit);
        let bits = b
            .get(p + 1..p + 1 + len)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| d.parse::<u32>().ok());
        if (1..=3).contains(&len) && bits.is_some_and(|n| n <= 128) && !is_word(at(b, p + 1 + len))
        {
            p += 1 + len;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(t: &str) -> Option<&str> {
        let b = t.as_bytes();
        let colon = b.iter().position(|&c| c == b':')?;
        let s = v6_start(b, colon)?;
        ipv6(b, s).and_then(|e| t.get(s..e))
    }

    #[test]
    fn octets() {
        for ok in ["0", "9", "10", "99", "100", "199", "249", "255"] {
            assert!(octet_ok(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "00", "01", "256", "300", "999", "1000", "a"] {
            assert!(!octet_ok(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn addresses() {
        for a in [
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "2001:db8:85a3::8a2e:370:7334",
            "2001:db8::1",
            "::1",
            "fe80::1ff:fe23:4567:890a",
            "fe80::",
            "::ffff:192.168.1.1",
            "64:ff9b::192.0.2.33",
            "FE80::0202:B3FF:FE1E:8329",
            "1:2:3:4:5:6:7:8",
        ] {
            assert_eq!(v6(a), Some(a), "{a}");
            let t = format!("addr [{a}]:443.");
            assert_eq!(v6(&t), Some(a), "{t}");
        }
        assert_eq!(v6("host fe80::1."), Some("fe80::1"));
        // Zones and prefix lengths belong to the notation.
        for whole in [
            "fe80::1%eth0",
            "fe80::1%eth0/64",
            "2001:db8::/32",
            "2001:db8::1/128",
            "fe80::1%25en0",
            "fe80::1%wlp3s0.100",
        ] {
            assert_eq!(v6(&format!("route {whole}, up")), Some(whole), "{whole}");
        }
        assert_eq!(v6("fe80::1%eth0."), Some("fe80::1%eth0"));
        // A slash that is not a prefix length is not taken.
        assert_eq!(v6("2001:db8::1/129"), Some("2001:db8::1"));
        assert_eq!(v6("2001:db8::1/64x"), Some("2001:db8::1"));
        assert_eq!(v6("fe80::1% of"), Some("fe80::1"));
    }

    #[test]
    fn lookalikes() {
        for t in [
            "::",
            " :: ",
            "12:30:45",
            "12:30",
            "at 09:15:00.123",
            "00:1a:2b:3c:4d:5e",
            "00:1a:2b:3c:4d:5e:6f:70",
            "std::vector",
            "Vec::new",
            "u8::MAX",
            "add::dec",
            "1::2::3",
            "2001:db8::1g",
            "2001:db8:::1",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            "John 3:16",
            "2024-01-15T12:30:45Z",
            "[EMAIL:3f2a9c]",
        ] {
            assert_eq!(v6(t), None, "{t}");
        }
    }
}
