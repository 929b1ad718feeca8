//! Byte-level helpers shared by the detectors.
//!
//! Every detector works on `&[u8]` and only ever consumes ASCII bytes, so each match starts at
//! an ASCII byte and ends right after one: both ends are char boundaries of the scanned `&str`.
//! Reads go through [`at`], which yields 0 past either end, so the detectors need no bounds
//! reasoning and cannot panic on short input.

/// The byte at `i`, or 0 when `i` is out of range (0 is never part of any value we detect).
#[inline]
pub(super) fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or 0 at the start of the text.
#[inline]
pub(super) fn before(b: &[u8], i: usize) -> u8 {
    match i.checked_sub(1) {
        Some(j) => at(b, j),
        None => 0,
    }
}

#[inline]
pub(super) const fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

#[inline]
pub(super) const fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// Letters, digits and `_`: the characters that glue a token together. Non-ASCII bytes are
/// deliberately not word characters, so values written next to CJK text (no spaces) are found.
#[inline]
pub(super) const fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[inline]
pub(super) const fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

#[inline]
pub(super) const fn is_upper(c: u8) -> bool {
    c.is_ascii_uppercase()
}

/// Counts bytes from `i` on that satisfy `pred`, stopping at `max`.
#[inline]
pub(super) fn run_len(b: &[u8], i: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    b.get(i..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|&&c| pred(c))
        .count()
}

/// `true` when `b[i..]` starts with `needle`.
#[inline]
pub(super) fn starts_with(b: &[u8], i: usize, needle: &[u8]) -> bool {
    b.get(i..).is_some_and(|rest| rest.starts_with(needle))
}

/// `true` when a token may start at `i`: the byte before is not a word character.
#[inline]
pub(super) fn word_start(b: &[u8], i: usize) -> bool {
    !is_word(before(b, i))
}

/// Whether a number may start at `i`: not glued to a word, not the tail of a dashed or dotted
/// token (`ORD-2024-000123`, `1.2.3.4.5`), and not after `+` (the phone detector owns
/// `+<digits>`).
pub(super) fn number_start_ok(b: &[u8], i: usize) -> bool {
    let p = before(b, i);
    if is_word(p) || p == b'+' {
        return false;
    }
    let pp = if i >= 2 { at(b, i - 2) } else { 0 };
    match p {
        b'-' | b'/' => !is_alnum(pp),
        b'.' => !is_digit(pp),
        _ => true,
    }
}

/// Whether a value may end at `end`: the next byte does not continue the token (a word
/// character, `@`, or `-`/`.` followed by more letters or digits). Sentence punctuation,
/// brackets, `/`, `:` and any non-ASCII character end a value.
pub(super) fn end_ok(b: &[u8], end: usize) -> bool {
    let c = at(b, end);
    if is_word(c) || c == b'@' {
        return false;
    }
    !(matches!(c, b'-' | b'.') && is_alnum(at(b, end + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_is_total() {
        assert_eq!(at(b"ab", 1), b'b');
        assert_eq!(at(b"ab", 2), 0);
        assert_eq!(at(b"", usize::MAX), 0);
        assert_eq!(before(b"ab", 0), 0);
        assert_eq!(before(b"ab", 1), b'a');
    }

    #[test]
    fn number_starts() {
        // (text, index of the digit, may a number start there?)
        let cases: &[(&[u8], usize, bool)] = &[
            (b"7", 0, true),
            (b"ORD-2024", 4, false),
            (b"x-1", 2, false),
            (b" -1", 2, true),
            (b"1.2", 2, false),
            (b"a.3", 2, true),
            (b"7,5", 2, true), // comma-separated lists: `10.0.0.1,10.0.0.2`
            (b"+4", 1, false),
            (b"(5", 1, true),
            (b"#6", 1, true),
            (b"_7", 1, false),
            (b"a7", 1, false),
            (b"01/15", 3, false),
        ];
        for &(text, i, ok) in cases {
            assert_eq!(
                number_start_ok(text, i),
                ok,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn ends() {
        assert!(end_ok(b"12", 2));
        assert!(end_ok(b"12. Next", 2));
        assert!(end_ok(b"12, x", 2));
        assert!(end_ok(b"12/8", 2));
        assert!(!end_ok(b"12.5", 2));
        assert!(!end_ok(b"12-a", 2));
        assert!(!end_ok(b"12a", 2));
        assert!(!end_ok(b"12@x", 2));
        assert!(end_ok("12円".as_bytes(), 2));
    }
}
