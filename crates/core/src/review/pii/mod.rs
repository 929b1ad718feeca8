//! Sensitive-data (PII) detection and redaction for the review gate.
//!
//! [`Scanner::scan`] makes one forward pass over the bytes. Only a few bytes can be where a
//! value is recognised (digits, `@`, `+`, `(`, `:`, `-`, `_`, and `A` and `J` for secret
//! prefixes); 32-byte blocks without any are skipped with a test the compiler vectorises, and
//! each detector then reads only the bytes around its candidate. Values that start with other
//! letters are found from a later byte: an IBAN from its check digits, a JWT from the `J` of
//! `eyJ`, an email from its `@`, a GitHub token from its `_`, an IPv6 address from a `:`, an AWS
//! secret key from the `:` or the `_` of its key. That
//! keeps prose close to memory speed, where a set of regexes would revisit every byte once per
//! pattern.
//!
//! Detectors by family: `numeric` (values starting with a digit: phones, SSNs, SINs, cards,
//! IPv4, labelled bare runs), `phone` (NANP and E.164 layouts), `email`, `network` (IPv6 and
//! octets), `iban`, `secret` (AWS access keys and secret keys, GitHub tokens, this service's
//! `orch_` API keys, JWTs, PEM blocks), with the check digits in `checksums` and byte helpers in
//! `lex`. A value that only a label makes sensitive (nine bare digits, forty base64 characters)
//! asks `context`, which reads its key, its table column or the prose before it, and matches
//! the words there against the lexicon in `labels.txt` (six languages) with `labels`. A
//! tenant's own detectors are in `custom`; replacement text is in `redact`.
//!
//! All detectors run whatever categories a [`Scanner`] reports, so a value is recognised as what
//! it is even when its category is not wanted (an IPv4 address is never half-reported as
//! something else): `Scanner::new(c).scan(t)` is `Scanner::all().scan(t)` restricted to `c`.
//!
//! Deliberate limits (each trades a little recall for precision on prose):
//! - NANP numbers need area code and exchange starting with 2-9, so `555-123-4567` (exchange
//!   `123`) is not a phone. Bare digit runs (10-digit phones, 9-digit SSNs and SINs) need a
//!   label: their key, their column's header, or a word in the 48 bytes of prose before them
//!   (see `context` for the order). A key or column that names something else wins over a
//!   label nearby, so `{"ssn_verified": true, "account": "123456789"}` stays untouched.
//! - An AWS secret access key (40 base64 characters) needs its key id just before it (the
//!   console's CSV, `AKIA…,wJalr…`) or a label as its key; one in a CSV column headed `Secret
//!   access key` without its id in the row is missed.
//! - IBANs are uppercase only; Maestro cards start at 13 digits, not 12.
//! - IPv6 needs at least one decimal digit (`dead:beef::cafe` is missed, `add::dec` is not an
//!   address), and eight two-digit groups read as a MAC-style EUI-64. An unbracketed address
//!   followed by `:port` is ambiguous: read as one address when that is valid
//!   (`2001:db8::1:8080`), otherwise not reported.
//! - Non-ASCII bytes end tokens: `電話555-234-5678` is found, a value glued to an accented
//!   letter is too.
//! - E.164 numbers with spaces can absorb a following short number (`+44 20 7946 0958 24/7`
//!   takes the `24`) when the total stays within 15 digits.

mod checksums;
mod context;
pub mod custom;
mod email;
mod iban;
mod labels;
mod lex;
mod network;
mod numeric;
mod phone;
mod redact;
mod secret;

use std::ops::Range;

use crate::model::{PiiCategory, RedactionStyle};
pub use redact::{PEM_MASK, Pseudonyms, custom_replacement, redact, replacement};

use lex::{at, before, is_digit, is_upper, is_word, number_start_ok, run_len, word_start};
use numeric::Numeric;

/// One detected value: its category, its byte range in the scanned text (on char boundaries)
/// and the detector that recognised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub category: PiiCategory,
    pub range: Range<usize>,
    pub detector: Detector,
}

/// The built-in detectors, named in findings so that a caller can tell why a value was
/// redacted (a bare number by its label, a phone by its layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Detector {
    Email,
    /// `(415) 555-2671`, `415-555-2671`, `+1 415 555 2671`.
    PhoneNanp,
    /// `+44 20 7946 0958`.
    PhoneE164,
    /// Ten or eleven bare digits that a label names a phone number.
    PhoneLabelled,
    /// `123-45-6789`.
    UsSsn,
    /// Nine bare digits that a label names an SSN.
    UsSsnLabelled,
    /// `130-692-544`.
    CaSin,
    /// Nine bare digits that a label names a SIN.
    CaSinLabelled,
    CreditCard,
    Iban,
    Ipv4,
    Ipv6,
    AwsAccessKeyId,
    /// Forty base64 characters beside an access key id or a label naming them.
    AwsSecretAccessKey,
    GithubToken,
    OrchestratorApiKey,
    Jwt,
    PemPrivateKey,
}

impl Detector {
    pub const fn category(self) -> PiiCategory {
        match self {
            Self::Email => PiiCategory::Email,
            Self::PhoneNanp | Self::PhoneE164 | Self::PhoneLabelled => PiiCategory::Phone,
            Self::UsSsn | Self::UsSsnLabelled => PiiCategory::UsSsn,
            Self::CaSin | Self::CaSinLabelled => PiiCategory::CaSin,
            Self::CreditCard => PiiCategory::CreditCard,
            Self::Iban => PiiCategory::Iban,
            Self::Ipv4 | Self::Ipv6 => PiiCategory::IpAddress,
            Self::AwsAccessKeyId
            | Self::AwsSecretAccessKey
            | Self::GithubToken
            | Self::OrchestratorApiKey
            | Self::Jwt
            | Self::PemPrivateKey => PiiCategory::Secret,
        }
    }

    /// The name findings carry (`phone_labelled`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::PhoneNanp => "phone_nanp",
            Self::PhoneE164 => "phone_e164",
            Self::PhoneLabelled => "phone_labelled",
            Self::UsSsn => "us_ssn",
            Self::UsSsnLabelled => "us_ssn_labelled",
            Self::CaSin => "ca_sin",
            Self::CaSinLabelled => "ca_sin_labelled",
            Self::CreditCard => "credit_card",
            Self::Iban => "iban",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::AwsAccessKeyId => "aws_access_key_id",
            Self::AwsSecretAccessKey => "aws_secret_access_key",
            Self::GithubToken => "github_token",
            Self::OrchestratorApiKey => "orchestrator_api_key",
            Self::Jwt => "jwt",
            Self::PemPrivateKey => "pem_private_key",
        }
    }
}

/// Finds sensitive values of the chosen categories. Cheap to build and to clone; holds no
/// per-scan state, so one instance can be shared across threads.
#[derive(Debug, Clone)]
pub struct Scanner {
    /// One bit per category, by `PiiCategory` discriminant.
    enabled: u8,
}

impl Scanner {
    /// A scanner that reports only `categories`.
    pub fn new(categories: &[PiiCategory]) -> Self {
        Self {
            enabled: categories.iter().fold(0, |mask, &c| mask | bit(c)),
        }
    }

    /// A scanner that reports every category.
    pub fn all() -> Self {
        Self::new(&PiiCategory::ALL)
    }

    /// The findings in `text`, sorted by start and non-overlapping.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        if self.enabled == 0 {
            return Vec::new();
        }
        let mut found = scan_all(text.as_bytes());
        found.retain(|f| self.enabled & bit(f.category) != 0);
        found
    }
}

fn bit(category: PiiCategory) -> u8 {
    1 << (category as u8)
}

/// Byte classes: where a candidate can be recognised. 0 = nothing to do here.
const DIGIT: u8 = 1;
const LETTER_A: u8 = 2;
const LETTER_J: u8 = 3;
const AT: u8 = 4;
const PLUS: u8 = 5;
const PAREN: u8 = 6;
const COLON: u8 = 7;
const DASH: u8 = 8;
const UNDERSCORE: u8 = 9;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b'0'..=b'9' => DIGIT,
            b'A' => LETTER_A,
            b'J' => LETTER_J,
            b'@' => AT,
            b'+' => PLUS,
            b'(' => PAREN,
            b':' => COLON,
            b'-' => DASH,
            b'_' => UNDERSCORE,
            _ => 0,
        };
        c += 1;
    }
    t
};

/// `CLASS[c] != 0` as branch-free arithmetic, so that a block test vectorises.
#[inline(always)]
fn is_trigger(c: u8) -> bool {
    // `0`..=`9` and `:` are contiguous.
    (c.wrapping_sub(b'0') < 11)
        | (c == b'A')
        | (c == b'J')
        | (c == b'@')
        | (c == b'+')
        | (c == b'(')
        | (c == b'-')
        | (c == b'_')
}

const BLOCK: usize = 32;

/// The first position at or after `i` whose byte has a class.
#[inline]
fn next_trigger(b: &[u8], mut i: usize) -> Option<usize> {
    // Whole blocks first: an OR of compares that the compiler vectorises. (Building a bit mask
    // to locate the byte directly measured slower than finishing with the table below.)
    while let Some(block) = b.get(i..).and_then(|rest| rest.first_chunk::<BLOCK>()) {
        if block.iter().fold(false, |any, &c| any | is_trigger(c)) {
            break;
        }
        i += BLOCK;
    }
    let rest = b.get(i..)?;
    rest.iter()
        .position(|&c| CLASS[usize::from(c)] != 0)
        .map(|k| i + k)
}

/// Collects findings in scan order; notes when one starts inside an earlier one (an email whose
/// local part was already matched as something else), which `finish` then resolves.
struct Found {
    list: Vec<Finding>,
    last_end: usize,
    overlapping: bool,
}

impl Found {
    /// Records a finding and returns where scanning resumes.
    fn push(&mut self, detector: Detector, start: usize, end: usize) -> usize {
        debug_assert!(start < end);
        self.overlapping |= start < self.last_end;
        self.list.push(Finding {
            category: detector.category(),
            range: start..end,
            detector,
        });
        self.last_end = self.last_end.max(end);
        end
    }

    /// Sorted and non-overlapping: of overlapping findings the one starting first wins, and of
    /// those starting together the longest (`4111111111111111+x@example.com` is an email).
    fn finish(mut self) -> Vec<Finding> {
        if self.overlapping {
            self.list.sort_by(|a, b| {
                a.range
                    .start
                    .cmp(&b.range.start)
                    .then(b.range.end.cmp(&a.range.end))
            });
            let mut end = 0;
            self.list.retain(|f| {
                let keep = f.range.start >= end;
                if keep {
                    end = f.range.end;
                }
                keep
            });
        }
        self.list
    }
}

/// The single pass: every category, overlaps resolved.
fn scan_all(b: &[u8]) -> Vec<Finding> {
    let mut found = Found {
        list: Vec::new(),
        last_end: 0,
        overlapping: false,
    };
    let mut pem_ends = secret::PemEnds::default();
    let mut context = context::Context::default();
    // The start of the last IPv6 candidate tried: each `:` of `12:30:45` leads back to it.
    let mut v6_tried = usize::MAX;
    let mut i = 0;
    while let Some(at_trigger) = next_trigger(b, i) {
        i = at_trigger;
        let c = at(b, i);
        let next = match CLASS[usize::from(c)] {
            DIGIT if number_start_ok(b, i) => match numeric::detect(b, i, &mut context) {
                Numeric::Found(detector, end) => found.push(detector, i, end),
                Numeric::Skip(end) => end,
            },
            // `DE89...`: an IBAN is found from its check digits, since nearly every sentence
            // starts with an uppercase letter.
            DIGIT
                if i >= 2
                    && i - 2 >= found.last_end
                    && is_upper(at(b, i - 2))
                    && is_upper(at(b, i - 1))
                    && word_start(b, i - 2) =>
            {
                match iban::detect(b, i - 2) {
                    Some(iban::Iban::Valid(end)) => found.push(Detector::Iban, i - 2, end),
                    Some(iban::Iban::BadChecksum(end)) => end,
                    None => i + run_len(b, i, usize::MAX, is_digit),
                }
            }
            // Digits inside a word or a longer token: nothing in this run can start a value.
            DIGIT => i + run_len(b, i, usize::MAX, is_digit),
            LETTER_A if word_start(b, i) => match secret::aws_key(b, i) {
                Some(end) => {
                    let next = found.push(Detector::AwsAccessKeyId, i, end);
                    match secret::aws_secret_after_id(b, end) {
                        Some((s, e)) => found.push(Detector::AwsSecretAccessKey, s, e),
                        None => next,
                    }
                }
                None => i + 1,
            },
            // `eyJ`: found from the `J`, since words starting with `e` are everywhere.
            LETTER_J if i >= 2 && at(b, i - 2) == b'e' && at(b, i - 1) == b'y' => {
                match secret::jwt(b, i - 2) {
                    Some(end) => found.push(Detector::Jwt, i - 2, end),
                    None => i + 1,
                }
            }
            AT => match email::detect(b, i) {
                Some((start, end)) => found.push(Detector::Email, start, end),
                None => i + 1,
            },
            PLUS if !is_word(before(b, i)) => {
                let (detector, end) = if at(b, i + 1) == b'1' {
                    (Detector::PhoneNanp, phone::nanp(b, i))
                } else {
                    (Detector::PhoneE164, phone::e164(b, i))
                };
                match end {
                    Some(end) => found.push(detector, i, end),
                    None => i + 1,
                }
            }
            PAREN if !is_word(before(b, i)) => match phone::nanp(b, i) {
                Some(end) => found.push(Detector::PhoneNanp, i, end),
                None => i + 1,
            },
            COLON => {
                let v6 = match network::v6_start(b, i) {
                    Some(start) if start != v6_tried && start >= found.last_end => {
                        v6_tried = start;
                        network::ipv6(b, start).map(|end| (start, end))
                    }
                    _ => None,
                };
                match v6 {
                    Some((start, end)) => found.push(Detector::Ipv6, start, end),
                    None if secret::may_end_secret_label(b, i) => {
                        labelled_secret(b, i, &mut context, &mut found)
                    }
                    None => i + 1,
                }
            }
            DASH if at(b, i + 1) == b'-' => match secret::pem_block(b, i, &mut pem_ends) {
                Some(end) => found.push(Detector::PemPrivateKey, i, end),
                None => i + 1,
            },
            UNDERSCORE => {
                let token = secret::github_token(b, i)
                    .map(|found| (Detector::GithubToken, found))
                    .or_else(|| {
                        secret::orchestrator_key(b, i)
                            .map(|found| (Detector::OrchestratorApiKey, found))
                    });
                match token {
                    Some((detector, (start, end))) => found.push(detector, start, end),
                    // `aws_secret_access_key = …`: found from the key's `_`, since `=` is
                    // too common in code to stop at.
                    None => match secret::key_end(b, i) {
                        Some(sep) => labelled_secret(b, sep, &mut context, &mut found),
                        None => i + 1,
                    },
                }
            }
            _ => i + 1,
        };
        // Every detector ends past `i`; `max` makes progress certain regardless.
        i = next.max(i + 1);
    }
    found.finish()
}

/// An AWS secret access key after the `:` or `=` at `i`, when labelled as one. Kept out of
/// line: colons are common and nearly never lead to one.
#[inline(never)]
fn labelled_secret(b: &[u8], i: usize, context: &mut context::Context, found: &mut Found) -> usize {
    match secret::aws_secret_labelled(b, i, context) {
        Some((start, end)) => found.push(Detector::AwsSecretAccessKey, start, end),
        None => i + 1,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod class_tests {
    use super::*;

    #[test]
    fn block_test_matches_table() {
        for c in 0..=255u8 {
            assert_eq!(is_trigger(c), CLASS[usize::from(c)] != 0, "byte {c:#04x}");
        }
    }

    #[test]
    fn next_trigger_across_blocks() {
        let mut t = vec![b'x'; 100];
        assert_eq!(next_trigger(&t, 0), None);
        t[70] = b'7';
        assert_eq!(next_trigger(&t, 0), Some(70));
        assert_eq!(next_trigger(&t, 70), Some(70));
        assert_eq!(next_trigger(&t, 71), None);
        assert_eq!(next_trigger(&t, 1000), None);
        t[99] = b'@';
        assert_eq!(next_trigger(&t, 71), Some(99));
    }
}
