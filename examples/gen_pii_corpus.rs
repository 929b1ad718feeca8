//! Writes `tests/data/pii_corpus.jsonl`, the labelled corpus for `tests/pii_corpus.rs`.
//!
//! Run with `cargo run --example gen_pii_corpus`. The output is deterministic (a fixed-seed
//! splitmix64), so regenerating gives the same file. Values are built from their definitions
//! (issuer prefixes, Luhn and mod-97 check digits computed here, NANP and SSN rules), not with
//! the scanner, and are set in varied sentences; decoy lines carry look-alikes and no spans.
//!
//! Each line: `{"text": "...", "spans": [{"start": 5, "end": 21, "category": "EMAIL"}]}` with
//! byte offsets into `text`.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

/// Lines per category with one labelled value (more values come from mixed lines).
const POSITIVE_LINES: usize = 340;
/// Lines with two labelled values of different categories, plus a decoy.
const MIXED_LINES: usize = 300;
/// Lines with only look-alikes.
const DECOY_LINES: usize = 2400;
/// Lines where a checksum-valid bare number sits under a key or header that names something
/// else, near a label that is not its own.
const STRUCTURED_DECOY_LINES: usize = 240;

fn main() -> std::io::Result<()> {
    let mut rng = Rng(0x5eed_0fc0_ffee);
    let mut lines = Vec::new();

    for category in CATEGORIES {
        for _ in 0..POSITIVE_LINES {
            let (template, value) = positive(&mut rng, category);
            let mut line = Line::default();
            line.fill(template, &[Part::Pii(category, value)]);
            lines.push(line);
        }
    }
    for _ in 0..MIXED_LINES {
        let a = *rng.pick(&CATEGORIES);
        let b = *rng.pick(&CATEGORIES);
        // Each value keeps its own sentence (bare numbers need their context words).
        let (ta, va) = positive(&mut rng, a);
        let (tb, vb) = positive(&mut rng, b);
        let decoy = decoy(&mut rng);
        let joiner = *rng.pick(&[" Also, ref {}; ", " / {} / ", "，{}，", " (logged {}) "]);
        let mut line = Line::default();
        line.fill(ta, &[Part::Pii(a, va)]);
        line.fill(joiner, &[Part::Plain(decoy)]);
        line.fill(tb, &[Part::Pii(b, vb)]);
        lines.push(line);
    }
    for _ in 0..DECOY_LINES {
        let count = 1 + rng.below(3);
        let decoys: Vec<Part> = (0..count).map(|_| Part::Plain(decoy(&mut rng))).collect();
        let template = match count {
            1 => *rng.pick(&["{}", "See {}.", "Note: {} (ignore)", "«{}»", "値は{}です"]),
            2 => *rng.pick(&["{} and {}", "{}; {}.", "first {}, then {}"]),
            _ => *rng.pick(&["{}, {}, {}", "{} | {} | {}", "Log: {} {} {}"]),
        };
        let mut line = Line::default();
        line.fill(template, &decoys);
        lines.push(line);
    }
    for _ in 0..STRUCTURED_DECOY_LINES {
        let mut line = Line::default();
        line.fill("{}", &[Part::Plain(structured_decoy(&mut rng))]);
        lines.push(line);
    }
    // Interleave so that positives and decoys are not in blocks (nicer to read, same counts).
    rng.shuffle(&mut lines);

    let mut out = String::new();
    for line in &lines {
        out.push_str(&serde_json::to_string(line).map_err(std::io::Error::other)?);
        out.push('\n');
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pii_corpus.jsonl");
    std::fs::write(&path, &out)?;
    println!(
        "wrote {} lines, {} bytes to {}",
        lines.len(),
        out.len(),
        path.display()
    );
    Ok(())
}

const CATEGORIES: [&str; 8] = [
    "EMAIL",
    "PHONE",
    "US_SSN",
    "CA_SIN",
    "CREDIT_CARD",
    "IBAN",
    "IP_ADDRESS",
    "SECRET",
];

// ---------------------------------------------------------------------------------------------
// Lines

#[derive(Default, Serialize)]
struct Line {
    text: String,
    spans: Vec<Span>,
}

#[derive(Serialize)]
struct Span {
    start: usize,
    end: usize,
    category: &'static str,
}

enum Part {
    Pii(&'static str, String),
    Plain(String),
}

impl Line {
    /// Appends `template` with each `{}` replaced by the next part, recording PII spans.
    fn fill(&mut self, template: &str, parts: &[Part]) {
        let mut pieces = template.split("{}");
        if let Some(first) = pieces.next() {
            self.text.push_str(first);
        }
        for (piece, part) in pieces.zip(parts) {
            match part {
                Part::Pii(category, value) => {
                    let start = self.text.len();
                    self.text.push_str(value);
                    self.spans.push(Span {
                        start,
                        end: self.text.len(),
                        category,
                    });
                }
                Part::Plain(value) => self.text.push_str(value),
            }
            self.text.push_str(piece);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for k in (1..items.len()).rev() {
            items.swap(k, self.below(k + 1));
        }
    }

    fn chars_from(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }

    fn digits(&mut self, n: usize) -> String {
        self.chars_from(b"0123456789", n)
    }

    /// `n` digits, the first not zero.
    fn number(&mut self, n: usize) -> String {
        let mut s = self.chars_from(b"123456789", 1);
        s.push_str(&self.digits(n - 1));
        s
    }

    fn hex(&mut self, n: usize) -> String {
        self.chars_from(b"0123456789abcdef", n)
    }
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// ---------------------------------------------------------------------------------------------
// Check digits (written here from the definitions, independent of the scanner)

/// The digit that makes `payload` + digit pass Luhn.
fn luhn_digit(payload: &str) -> char {
    let mut sum = 0;
    // The check digit will be rightmost, so the payload's last digit is the first doubled.
    for (k, c) in payload.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if k % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn with_luhn(payload: String) -> String {
    let check = luhn_digit(&payload);
    let mut s = payload;
    s.push(check);
    s
}

/// A Luhn-failing variant: the right check digit plus 1..=9 (mod 10).
fn without_luhn(payload: String, rng: &mut Rng) -> String {
    let check = luhn_digit(&payload) as u8 - b'0';
    let wrong = (check + 1 + rng.below(9) as u8) % 10;
    let mut s = payload;
    s.push(char::from(b'0' + wrong));
    s
}

/// ISO 13616 check digits for `country` and `bban`.
fn iban_check(country: &str, bban: &str) -> u32 {
    let rearranged = format!("{bban}{country}00");
    let mut rem = 0u32;
    for c in rearranged.bytes() {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    98 - rem
}

// ---------------------------------------------------------------------------------------------
// Positives

fn positive(rng: &mut Rng, category: &str) -> (&'static str, String) {
    match category {
        "EMAIL" => (*rng.pick(EMAIL_TEMPLATES), email(rng)),
        "PHONE" => phone(rng),
        "US_SSN" => ssn(rng),
        "CA_SIN" => sin(rng),
        "CREDIT_CARD" => (*rng.pick(CARD_TEMPLATES), card(rng)),
        "IBAN" => (*rng.pick(IBAN_TEMPLATES), iban(rng)),
        "IP_ADDRESS" => ip(rng),
        _ => secret(rng),
    }
}

const EMAIL_TEMPLATES: &[&str] = &[
    "Please contact {} for access.",
    "Send the signed copy to {}.",
    "Reply-To: <{}>",
    "You can reach me at {}!",
    "{} wrote the first draft.",
    "Forwarding to ({}) as requested.",
    "mailto:{}",
    "Écrivez-nous à {} — merci.",
    "請聯絡{}。",
    "Owner: \"{}\", team lead.",
    "cc {}; bcc none",
    "{}",
];

const FIRST: &[&str] = &[
    "john", "jane", "maria", "wei", "olga", "ahmed", "li", "sam", "alex", "priya", "noah", "emma",
    "lucas", "mia", "omar", "sofia", "ivan", "yuki", "chen", "fatima", "liam", "zoe", "raj", "ana",
    "tom", "eve", "kai", "lea", "max", "nina",
];
const LAST: &[&str] = &[
    "smith", "doe", "garcia", "nguyen", "muller", "kowalski", "tanaka", "silva", "okafor", "rossi",
    "dubois", "jensen", "kim", "patel", "obrien", "schmidt",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "corp.example.co.uk",
    "sub.domain.example.io",
    "my-company.example.de",
    "uni-example.edu",
    "x.example.travel",
    "post.example.fr",
    "example.co.jp",
    "a1.example.info",
];

fn email(rng: &mut Rng) -> String {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let tag = *rng.pick(&["work", "news", "billing", "2024", "x"]);
    let local = match rng.below(10) {
        0 => first.to_string(),
        1 => format!("{first}.{last}"),
        2 => format!("{first}_{last}"),
        3 => {
            let n = 1 + rng.below(4);
            format!("{first}{}", rng.digits(n))
        }
        4 => format!("{}.{last}", &first[..1]),
        5 => format!("{first}+{tag}"),
        6 => format!("{first}-{last}"),
        7 => format!("{first}.{last}+{tag}"),
        8 => format!("{first}.{last}").to_uppercase(),
        _ => format!("{last}.{first}.{}", rng.digits(2)),
    };
    format!("{local}@{}", rng.pick(DOMAINS))
}

const PHONE_TEMPLATES: &[&str] = &[
    "Call me at {} tomorrow.",
    "Office: {}",
    "Reach the front desk on {}.",
    "The number {} is on the card.",
    "Numéro : {}.",
    "電話番号：{}",
    "({}) ask for Sam",
    "{} ext. 12",
    "{}",
];
const PHONE_CONTEXT_TEMPLATES: &[&str] = &[
    "Phone: {}",
    "call {} after 5pm",
    "Mobile {}",
    "tel. {}",
    "Fax: {}",
    "Contact number {}",
    "cell {} (personal)",
    "PHONE={}",
    "Telefonnummer: {}",
    "Teléfono móvil {}",
    "telefoonnummer {}",
    "numero di cellulare {}",
    "\"phoneNumber\": \"{}\"",
    "mobile_number={}",
    "name,phone\nJane,{}",
    "| Nom | Téléphone |\n|---|---|\n| Léa | {} |",
];

/// NANP area code or exchange: first digit 2-9.
fn nanp3(rng: &mut Rng) -> String {
    format!("{}{}", rng.range(2, 9), rng.digits(2))
}

fn phone(rng: &mut Rng) -> (&'static str, String) {
    let (a, e, l) = (nanp3(rng), nanp3(rng), rng.digits(4));
    match rng.below(14) {
        0 => (*rng.pick(PHONE_TEMPLATES), format!("({a}) {e}-{l}")),
        1 => (*rng.pick(PHONE_TEMPLATES), format!("{a}-{e}-{l}")),
        2 => (*rng.pick(PHONE_TEMPLATES), format!("{a}.{e}.{l}")),
        3 => (*rng.pick(PHONE_TEMPLATES), format!("{a} {e} {l}")),
        4 => (*rng.pick(PHONE_TEMPLATES), format!("+1 {a} {e} {l}")),
        5 => (*rng.pick(PHONE_TEMPLATES), format!("+1-{a}-{e}-{l}")),
        6 => (*rng.pick(PHONE_TEMPLATES), format!("1-{a}-{e}-{l}")),
        7 => (*rng.pick(PHONE_TEMPLATES), format!("+1{a}{e}{l}")),
        8 => (*rng.pick(PHONE_TEMPLATES), format!("+1 ({a}) {e}-{l}")),
        9..=11 => (*rng.pick(PHONE_TEMPLATES), international(rng)),
        _ => (*rng.pick(PHONE_CONTEXT_TEMPLATES), format!("{a}{e}{l}")),
    }
}

/// Country code and typical group sizes of the national number.
const INTERNATIONAL: &[(&str, &[usize])] = &[
    ("44", &[2, 4, 4]),
    ("44", &[4, 6]),
    ("49", &[3, 8]),
    ("49", &[2, 8]),
    ("33", &[1, 2, 2, 2, 2]),
    ("81", &[1, 4, 4]),
    ("61", &[1, 4, 4]),
    ("91", &[5, 5]),
    ("55", &[2, 5, 4]),
    ("34", &[3, 3, 3]),
    ("39", &[3, 3, 4]),
    ("31", &[2, 8]),
    ("86", &[3, 4, 4]),
    ("52", &[2, 4, 4]),
    ("27", &[2, 3, 4]),
    ("353", &[1, 3, 4]),
    ("971", &[2, 3, 4]),
    ("7", &[3, 3, 2, 2]),
    ("46", &[2, 3, 2, 2]),
    ("65", &[4, 4]),
];

fn international(rng: &mut Rng) -> String {
    let (cc, groups) = *rng.pick(INTERNATIONAL);
    let sep = *rng.pick(&[" ", " ", "-", ""]);
    let mut s = format!("+{cc}");
    for &g in groups {
        s.push_str(sep);
        s.push_str(&rng.number(g));
    }
    s
}

const SSN_TEMPLATES: &[&str] = &[
    "SSN on file: {}.",
    "Employee {} submitted the W-4.",
    "Her number is {}",
    "{} (US)",
    "Numéro de sécurité sociale américain : {}",
    "社会保障番号{}",
];
const SSN_CONTEXT_TEMPLATES: &[&str] = &[
    "SSN {}",
    "ssn: {}",
    "social security number {}",
    "Social Security No. {} on the W-2",
    "\"ssn\": \"{}\"",
    "social_security_number={}",
    "US-Sozialversicherungsnummer {}",
    "numéro de sécurité sociale (États-Unis) : {}",
    "name\tSSN\nJoe\t{}",
    "customer:\n  socialSecurityNumber: {}",
];

fn ssn(rng: &mut Rng) -> (&'static str, String) {
    let area = loop {
        let a = rng.range(1, 899);
        if a != 666 {
            break a;
        }
    };
    let group = rng.range(1, 99);
    let serial = rng.range(1, 9999);
    match rng.below(10) {
        0..=5 => (
            *rng.pick(SSN_TEMPLATES),
            format!("{area:03}-{group:02}-{serial:04}"),
        ),
        6 | 7 => (
            *rng.pick(SSN_TEMPLATES),
            format!("{area:03} {group:02} {serial:04}"),
        ),
        _ => (
            *rng.pick(SSN_CONTEXT_TEMPLATES),
            format!("{area:03}{group:02}{serial:04}"),
        ),
    }
}

const SIN_TEMPLATES: &[&str] = &[
    "SIN: {}",
    "Canadian SIN {} on record.",
    "numéro d'assurance sociale {}",
    "The employee's number ({}) was verified.",
    "{}",
];
const SIN_CONTEXT_TEMPLATES: &[&str] = &[
    "SIN {}",
    "sin: {}",
    "social insurance number: {}",
    "Social Insurance No {}",
    "NAS : {}",
    "N° d'assurance sociale {}",
    "\"socialInsuranceNumber\": {}",
    "S.I.N. {}",
    "| Name | SIN |\n|---|---|\n| Léa | {} |",
    "numero di assicurazione sociale {}",
    "Sozialversicherungsnummer (Kanada): {}",
];

fn sin_digits(rng: &mut Rng) -> String {
    let first = *rng.pick(&["1", "2", "3", "4", "5", "6", "7", "9"]);
    with_luhn(format!("{first}{}", rng.digits(7)))
}

fn sin(rng: &mut Rng) -> (&'static str, String) {
    let d = sin_digits(rng);
    let (a, b, c) = (&d[..3], &d[3..6], &d[6..]);
    match rng.below(10) {
        0..=4 => (*rng.pick(SIN_TEMPLATES), format!("{a}-{b}-{c}")),
        5..=7 => (*rng.pick(SIN_TEMPLATES), format!("{a} {b} {c}")),
        _ => (*rng.pick(SIN_CONTEXT_TEMPLATES), d),
    }
}

const CARD_TEMPLATES: &[&str] = &[
    "Charge it to {}, exp 12/27.",
    "Card number: {}",
    "paid with {} yesterday",
    "カード番号 {}",
    "Visa/MC {} on file.",
    "«{}»",
    "{}",
];

/// An issuer prefix and a length it issues.
fn card_prefix(rng: &mut Rng) -> (String, usize) {
    match rng.below(12) {
        0 | 1 => ("4".into(), *rng.pick(&[16, 16, 16, 13, 19])),
        2 => (rng.range(51, 55).to_string(), 16),
        3 => (rng.range(2221, 2720).to_string(), 16),
        4 => (rng.pick(&["34", "37"]).to_string(), 15),
        5 => (
            rng.pick(&["6011", "65", "644", "645", "649"]).to_string(),
            *rng.pick(&[16, 16, 19]),
        ),
        6 => (rng.pick(&["36", "300", "305", "38", "39"]).to_string(), 14),
        7 => (rng.range(3528, 3589).to_string(), 16),
        8 => ("62".into(), rng.range(16, 19) as usize),
        9 => (
            rng.pick(&["50", "56", "57", "58", "6759"]).to_string(),
            *rng.pick(&[16, 13, 19]),
        ),
        10 => ("4".into(), 16),
        _ => (rng.range(51, 55).to_string(), 16),
    }
}

fn card_digits(rng: &mut Rng, valid: bool) -> String {
    let (prefix, len) = card_prefix(rng);
    let payload = format!("{prefix}{}", rng.digits(len - 1 - prefix.len()));
    if valid {
        with_luhn(payload)
    } else {
        without_luhn(payload, rng)
    }
}

/// Spaces or dashes in the issuer's usual layout, or none.
fn group_card(rng: &mut Rng, d: &str) -> String {
    let sep = *rng.pick(&["", " ", " ", "-"]);
    let sizes: &[usize] = match d.len() {
        15 => &[4, 6, 5],
        14 => &[4, 6, 4],
        16 => &[4, 4, 4, 4],
        19 => &[4, 4, 4, 4, 3],
        _ => &[d.len()],
    };
    let mut out = String::new();
    let mut at = 0;
    for (k, &size) in sizes.iter().enumerate() {
        if k > 0 {
            out.push_str(sep);
        }
        out.push_str(&d[at..at + size]);
        at += size;
    }
    out
}

fn card(rng: &mut Rng) -> String {
    let d = card_digits(rng, true);
    group_card(rng, &d)
}

const IBAN_TEMPLATES: &[&str] = &[
    "IBAN: {}",
    "Wire to {} by Friday.",
    "Kontonummer {} (Sparkasse)",
    "Please use account {}.",
    "Bank details — {}",
    "{}",
];

/// Country and BBAN layout: `n` digit, `a` uppercase letter, `c` letter or digit.
const IBAN_LAYOUTS: &[(&str, &str)] = &[
    ("DE", "nnnnnnnnnnnnnnnnnn"),
    ("GB", "aaaannnnnnnnnnnnnn"),
    ("FR", "nnnnnnnnnncccccccccccnn"),
    ("NL", "aaaannnnnnnnnn"),
    ("ES", "nnnnnnnnnnnnnnnnnnnn"),
    ("IT", "annnnnnnnnncccccccccccc"),
    ("CH", "nnnnncccccccccccc"),
    ("BE", "nnnnnnnnnnnn"),
    ("AT", "nnnnnnnnnnnnnnnn"),
    ("PL", "nnnnnnnnnnnnnnnnnnnnnnnn"),
    ("PT", "nnnnnnnnnnnnnnnnnnnnn"),
    ("SE", "nnnnnnnnnnnnnnnnnnnn"),
    ("NO", "nnnnnnnnnnn"),
    ("DK", "nnnnnnnnnnnnnn"),
    ("FI", "nnnnnnnnnnnnnn"),
    ("IE", "aaaannnnnnnnnnnnnn"),
    ("LU", "nnnccccccccccccc"),
    ("CZ", "nnnnnnnnnnnnnnnnnnnn"),
    ("HU", "nnnnnnnnnnnnnnnnnnnnnnnn"),
    ("RO", "aaaacccccccccccccccc"),
    ("HR", "nnnnnnnnnnnnnnnnn"),
    ("GR", "nnnnnnncccccccccccccccc"),
    ("MT", "aaaannnnncccccccccccccccccc"),
    ("SA", "nncccccccccccccccccc"),
    ("AE", "nnnnnnnnnnnnnnnnnnn"),
    ("TR", "nnnnnncccccccccccccccc"),
    ("BG", "aaaannnnnncccccccc"),
    ("SI", "nnnnnnnnnnnnnnn"),
    ("LT", "nnnnnnnnnnnnnnnn"),
    ("EE", "nnnnnnnnnnnnnnnn"),
    ("LV", "aaaaccccccccccccc"),
    ("CY", "nnnnnnnncccccccccccccccc"),
    ("SK", "nnnnnnnnnnnnnnnnnnnn"),
    ("BR", "nnnnnnnnnnnnnnnnnnnnnnnac"),
    ("IS", "nnnnnnnnnnnnnnnnnnnnnn"),
];

fn bban(rng: &mut Rng, layout: &str) -> String {
    layout
        .bytes()
        .map(|k| match k {
            b'n' => char::from(*rng.pick(b"0123456789")),
            b'a' => char::from(*rng.pick(UPPER)),
            _ => char::from(*rng.pick(UPPER_DIGITS)),
        })
        .collect()
}

/// Groups of four separated by single spaces (the print format), or compact.
fn group_iban(rng: &mut Rng, compact: &str) -> String {
    if rng.chance(50) {
        return compact.to_string();
    }
    let chars: Vec<char> = compact.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn iban(rng: &mut Rng) -> String {
    let (country, layout) = *rng.pick(IBAN_LAYOUTS);
    let bban = bban(rng, layout);
    let compact = format!("{country}{:02}{bban}", iban_check(country, &bban));
    group_iban(rng, &compact)
}

const IP_TEMPLATES: &[&str] = &[
    "Connection from {} refused.",
    "host={} port=22",
    "ssh admin@{}",
    "Server {} is down",
    "ping {}",
    "接続元 {} を拒否",
    "{}",
];
const IP_WRAPPED_TEMPLATES: &[&str] = &["http://{}/admin", "peer={};", "from {}/24", "<{}>"];
/// With a port: bare for IPv4, bracketed for IPv6 (a bare `2001:db8::1:8080` is ambiguous).
const IPV4_PORT_TEMPLATES: &[&str] = &["{}:8080", "tcp://{}:443"];
const IPV6_PORT_TEMPLATES: &[&str] = &["[{}]:8080", "https://[{}]:443/"];

fn ipv4(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!(
            "10.{}.{}.{}",
            rng.range(0, 255),
            rng.range(0, 255),
            rng.range(1, 254)
        ),
        1 => format!("192.168.{}.{}", rng.range(0, 255), rng.range(1, 254)),
        2 => format!(
            "172.{}.{}.{}",
            rng.range(16, 31),
            rng.range(0, 255),
            rng.range(1, 254)
        ),
        _ => format!(
            "{}.{}.{}.{}",
            rng.range(1, 223),
            rng.range(0, 255),
            rng.range(0, 255),
            rng.range(0, 255)
        ),
    }
}

/// A group of 1-4 hex digits without leading zeros (the canonical form).
fn v6_group(rng: &mut Rng) -> String {
    format!("{:x}", rng.range(0, 0xffff) >> (4 * rng.below(4)))
}

fn ipv6(rng: &mut Rng) -> String {
    match rng.below(6) {
        // Full form with leading zeros.
        0 => {
            let mut groups = vec!["2001".to_string(), "0db8".to_string()];
            groups.extend((0..6).map(|_| format!("{:04x}", rng.range(0, 0xffff))));
            groups.join(":")
        }
        // Full form, short groups, uppercase.
        1 => {
            let mut groups = vec![format!("2{:03X}", rng.range(0, 0xfff))];
            groups.extend((0..7).map(|_| v6_group(rng).to_uppercase()));
            groups.join(":")
        }
        // Compressed in the middle.
        2 => {
            let tail: Vec<String> = (0..1 + rng.below(4)).map(|_| v6_group(rng)).collect();
            format!("2001:db8:{}::{}", v6_group(rng), tail.join(":"))
        }
        // Link-local.
        3 => {
            let tail: Vec<String> = (0..4).map(|_| v6_group(rng)).collect();
            format!("fe80::{}", tail.join(":"))
        }
        // IPv4-mapped or NAT64 with an embedded dotted quad.
        4 => {
            let prefix = *rng.pick(&["::ffff:", "64:ff9b::", "::"]);
            format!(
                "{prefix}{}.{}.{}.{}",
                rng.range(1, 223),
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(1, 254)
            )
        }
        _ => rng
            .pick(&["::1", "fe80::1", "2001:db8::1", "ff02::2"])
            .to_string(),
    }
}

fn ip(rng: &mut Rng) -> (&'static str, String) {
    let v4 = rng.chance(60);
    let value = if v4 { ipv4(rng) } else { ipv6(rng) };
    let template = match rng.below(8) {
        0 | 1 => *rng.pick(IP_WRAPPED_TEMPLATES),
        2 if v4 => *rng.pick(IPV4_PORT_TEMPLATES),
        2 => *rng.pick(IPV6_PORT_TEMPLATES),
        _ => *rng.pick(IP_TEMPLATES),
    };
    // An IPv6 prefix length belongs to the notation that is redacted (`2001:db8::/32`); an IPv4
    // one is left beside it.
    if !v4 && template == "from {}/24" {
        return ("from {}", format!("{value}/24"));
    }
    (template, value)
}

const SECRET_TEMPLATES: &[&str] = &[
    "Use key {} for the deploy.",
    "token: {}",
    "Authorization: Bearer {}",
    "export AWS_ACCESS_KEY_ID={}",
    "GITHUB_TOKEN={}",
    "leaked credential ({}) rotated",
    "鍵は {} です",
    "{}",
];
const PEM_TEMPLATES: &[&str] = &[
    "Here is the key:\n{}\nKeep it safe.",
    "{}",
    "```\n{}\n```",
    "key = \"\"\"\n{}\n\"\"\"",
];

fn b64url_json(json: &str) -> String {
    // Hand-rolled base64url without padding, so the generator needs no crate for it.
    let bytes = json.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=n {
            out.push(char::from(BASE64URL[((v >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

fn pem(rng: &mut Rng) -> String {
    let label = *rng.pick(&["", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "DSA "]);
    let mut s = format!("-----BEGIN {label}PRIVATE KEY-----\n");
    for _ in 0..2 + rng.below(4) {
        s.push_str(&rng.chars_from(BASE64, 64));
        s.push('\n');
    }
    let last = 4 * (1 + rng.below(15));
    s.push_str(&rng.chars_from(BASE64, last));
    let pad = *rng.pick(&["", "=", "=="]);
    s.push_str(pad);
    let newline = if rng.chance(20) { "\r\n" } else { "\n" };
    let _ = write!(s, "{newline}-----END {label}PRIVATE KEY-----");
    s
}

fn secret(rng: &mut Rng) -> (&'static str, String) {
    match rng.below(6) {
        0 => {
            let prefix = *rng.pick(&["AKIA", "AKIA", "ASIA"]);
            (
                *rng.pick(SECRET_TEMPLATES),
                format!("{prefix}{}", rng.chars_from(UPPER_DIGITS, 16)),
            )
        }
        1 => {
            let prefix = *rng.pick(&["ghp", "gho", "ghu", "ghs", "ghr"]);
            (
                *rng.pick(SECRET_TEMPLATES),
                format!("{prefix}_{}", rng.chars_from(ALNUM, 36)),
            )
        }
        2 => (
            *rng.pick(SECRET_TEMPLATES),
            format!(
                "github_pat_{}_{}",
                rng.chars_from(ALNUM, 22),
                rng.chars_from(ALNUM, 59)
            ),
        ),
        3 | 4 => {
            let alg = *rng.pick(&["HS256", "RS256", "ES384"]);
            let header = b64url_json(&format!("{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}"));
            let payload = b64url_json(&format!(
                "{{\"sub\":\"{}\",\"name\":\"{}\",\"iat\":{}}}",
                rng.digits(10),
                rng.pick(FIRST),
                rng.range(1_500_000_000, 1_800_000_000)
            ));
            let len = *rng.pick(&[43, 86]);
            let signature = rng.chars_from(BASE64URL, len);
            (
                *rng.pick(SECRET_TEMPLATES),
                format!("{header}.{payload}.{signature}"),
            )
        }
        _ => (*rng.pick(PEM_TEMPLATES), pem(rng)),
    }
}

// ---------------------------------------------------------------------------------------------
// Decoys: look-alikes that must not be reported

fn decoy(rng: &mut Rng) -> String {
    match rng.below(30) {
        // Epoch timestamps, seconds and milliseconds.
        0 => format!("created_at {}", rng.range(1_000_000_000, 1_999_999_999)),
        1 => format!(
            "ts={}{}",
            rng.range(1_000_000_000, 1_999_999_999),
            rng.digits(3)
        ),
        // UUIDs and fragments of them.
        2 => uuid(rng),
        3 => {
            let u = uuid(rng);
            match rng.below(3) {
                0 => format!("request {}", &u[24..]),
                1 => format!("id …{}", &u[9..18]),
                _ => format!("trace {}", &u[..8]),
            }
        }
        // Git hashes, 7 to 40 hex digits (always with a letter, as in practice).
        4 => {
            let len = *rng.pick(&[7, 8, 10, 12, 40]);
            let mut h = rng.hex(len);
            h.replace_range(len / 2..len / 2 + 1, "e");
            format!("commit {h}")
        }
        // Version strings.
        5 => match rng.below(7) {
            0 => format!(
                "v{}.{}.{}.{}",
                rng.range(0, 20),
                rng.range(0, 20),
                rng.range(0, 99),
                rng.range(0, 99)
            ),
            1 => format!(
                "version 10.0.{}.{}",
                rng.range(10000, 22000),
                rng.range(1, 999)
            ),
            2 => format!(
                "release {}.{}.{}.{}",
                rng.range(1, 9),
                rng.range(0, 9),
                rng.range(0, 9),
                rng.range(0, 9)
            ),
            3 => format!(
                "Version: {}.{}.{}.{}",
                rng.range(1, 9),
                rng.range(0, 9),
                rng.range(0, 9),
                rng.range(0, 99)
            ),
            4 => format!(
                "ver {}.{}.{}.{}",
                rng.range(1, 9),
                rng.range(0, 9),
                rng.range(0, 9),
                rng.range(0, 99)
            ),
            5 => format!(
                "{}.{}.{}.{}.{}",
                rng.range(1, 9),
                rng.range(0, 9),
                rng.range(0, 9),
                rng.range(0, 99),
                rng.range(0, 9)
            ),
            _ => format!(
                "v{}.{}.{}",
                rng.range(0, 20),
                rng.range(0, 20),
                rng.range(0, 99)
            ),
        },
        // Dates.
        6 => {
            let (y, m, d) = (rng.range(1990, 2030), rng.range(1, 12), rng.range(1, 28));
            match rng.below(5) {
                0 => format!("{y}-{m:02}-{d:02}"),
                1 => format!("{m:02}/{d:02}/{y}"),
                2 => format!("{d:02}.{m:02}.{y}"),
                3 => format!("{y}/{m:02}/{d:02}"),
                _ => format!(
                    "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                    rng.range(0, 23),
                    rng.range(0, 59),
                    rng.range(0, 59)
                ),
            }
        }
        // Times.
        7 => match rng.below(3) {
            0 => format!(
                "{:02}:{:02}:{:02}",
                rng.range(0, 23),
                rng.range(0, 59),
                rng.range(0, 59)
            ),
            1 => format!("{:02}:{:02}", rng.range(0, 23), rng.range(0, 59)),
            _ => format!(
                "{:02}:{:02}:{:02}.{:03}",
                rng.range(0, 23),
                rng.range(0, 59),
                rng.range(0, 59),
                rng.range(0, 999)
            ),
        },
        // Order, invoice and purchase-order numbers.
        8 => match rng.below(5) {
            0 => format!("ORD-{}-{}", rng.range(2015, 2030), rng.digits(6)),
            1 => format!("Order #{}-{}", rng.number(5), rng.range(1, 9)),
            2 => format!("PO {}", rng.number(10)),
            3 => format!("INV-{}-{}", rng.range(2015, 2030), rng.digits(5)),
            _ => format!("invoice no. {}", rng.number(9)),
        },
        // Tracking numbers: UPS, FedEx, USPS.
        9 => match rng.below(3) {
            0 => format!("1Z{}{}", rng.chars_from(UPPER_DIGITS, 6), rng.digits(10)),
            1 => format!("FedEx {}", rng.number(12)),
            _ => format!("USPS 94{}", rng.digits(20)),
        },
        // Card-like runs that fail Luhn.
        10 | 11 => {
            let d = card_digits(rng, false);
            format!("card {}", group_card(rng, &d))
        }
        // IBANs with wrong check digits.
        12 => {
            let (country, layout) = *rng.pick(IBAN_LAYOUTS);
            let bban = bban(rng, layout);
            // Check digits are 02..=98; any other value in that range is wrong.
            let right = iban_check(country, &bban);
            let wrong = 2 + (right - 2 + 1 + rng.below(96) as u32) % 97;
            let compact = format!("{country}{wrong:02}{bban}");
            group_iban(rng, &compact)
        }
        // SINs failing Luhn, and Luhn-valid ones with an unissued first digit.
        13 => {
            let d = if rng.chance(70) {
                let first = *rng.pick(&["1", "2", "3", "4", "5", "6", "7", "9"]);
                without_luhn(format!("{first}{}", rng.digits(7)), rng)
            } else {
                with_luhn(format!("{}{}", rng.pick(&["0", "8"]), rng.digits(7)))
            };
            let sep = *rng.pick(&["-", " "]);
            format!("{}{sep}{}{sep}{}", &d[..3], &d[3..6], &d[6..])
        }
        // Invalid SSNs.
        14 => {
            let (area, group, serial) = match rng.below(5) {
                0 => (0, rng.range(1, 99), rng.range(1, 9999)),
                1 => (666, rng.range(1, 99), rng.range(1, 9999)),
                2 => (rng.range(900, 999), rng.range(1, 99), rng.range(1, 9999)),
                3 => (rng.range(1, 665), 0, rng.range(1, 9999)),
                _ => (rng.range(1, 665), rng.range(1, 99), 0),
            };
            format!("{area:03}-{group:02}-{serial:04}")
        }
        // Values glued into longer alphanumeric tokens.
        15 => {
            let d = card_digits(rng, true);
            match rng.below(3) {
                0 => format!("SKU{d}X"),
                1 => format!("ref{d}"),
                _ => format!("{d}abc"),
            }
        }
        16 => {
            let (a, e, l) = (nanp3(rng), nanp3(rng), rng.digits(4));
            match rng.below(3) {
                0 => format!("x{a}-{e}-{l}"),
                1 => format!("id_{a}{e}{l}"),
                _ => format!("{a}-{e}-{l}-{}", rng.digits(2)),
            }
        }
        // Not emails.
        17 => match rng.below(3) {
            0 => format!("@{}", rng.pick(FIRST)),
            1 => format!("{}@localhost", rng.pick(FIRST)),
            _ => format!("{}@intranet", rng.pick(LAST)),
        },
        // Not IPv6.
        18 => match rng.below(5) {
            0 => "std::vector<int>".to_string(),
            1 => "Vec::new()".to_string(),
            2 => "the :: operator".to_string(),
            3 => {
                let octets: Vec<String> = (0..6)
                    .map(|_| format!("{:02x}", rng.range(0, 255)))
                    .collect();
                format!("MAC {}", octets.join(":"))
            }
            _ => format!("John {}:{}", rng.range(1, 21), rng.range(1, 40)),
        },
        // Not IPv4.
        19 => match rng.below(3) {
            0 => format!(
                "{}.{}.{}.{}",
                rng.range(256, 999),
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(0, 255)
            ),
            1 => format!(
                "{}.{}.{}",
                rng.range(1, 255),
                rng.range(0, 255),
                rng.range(0, 255)
            ),
            _ => format!(
                "{}.{}.{}.{}.{}",
                rng.range(1, 255),
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(0, 255)
            ),
        },
        // Not phones: bare 10 digits without a context word, invalid area or exchange codes.
        20 => match rng.below(3) {
            0 => format!("ref {}{}{}", nanp3(rng), nanp3(rng), rng.digits(4)),
            1 => format!(
                "{}{}-{}-{}",
                rng.range(0, 1),
                rng.digits(2),
                nanp3(rng),
                rng.digits(4)
            ),
            _ => format!(
                "{}-{}{}-{}",
                nanp3(rng),
                rng.range(0, 1),
                rng.digits(2),
                rng.digits(4)
            ),
        },
        // Not secrets.
        21 => match rng.below(5) {
            0 => format!("AKIA{}", rng.chars_from(UPPER_DIGITS, 12)),
            1 => "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----"
                .to_string(),
            2 => "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----"
                .to_string(),
            3 => format!("ghp_{}", rng.chars_from(ALNUM, 20)),
            _ => format!(
                "eyJ{}",
                rng.chars_from(BASE64URL, 20).replace(['-', '_'], "x")
            ),
        },
        // Other numbers.
        22 => match rng.below(4) {
            0 => format!(
                "ISBN 978-{}-{}-{}-{}",
                rng.range(0, 9),
                rng.digits(2),
                rng.digits(6),
                rng.range(0, 9)
            ),
            1 => format!(
                "${},{:03},{:03}.{:02}",
                rng.range(1, 999),
                rng.range(0, 999),
                rng.range(0, 999),
                rng.range(0, 99)
            ),
            2 => format!("{}.{}%", rng.range(0, 99), rng.range(0, 9)),
            _ => format!("{} items", rng.range(1, 5000)),
        },
        // A bare 9-digit run without any context word.
        23 => format!("batch {}", rng.number(9)),
        _ => prose(rng),
    }
}

/// A bare number that passes its checks, labelled by its own key or column as something else,
/// with a label of another value nearby.
fn structured_decoy(rng: &mut Rng) -> String {
    let ssn = format!(
        "{:03}{:02}{:04}",
        rng.range(1, 665),
        rng.range(1, 99),
        rng.range(1, 9999)
    );
    let sin = sin_digits(rng);
    let phone = format!("{}{}{}", nanp3(rng), nanp3(rng), rng.digits(4));
    match rng.below(8) {
        0 => format!("{{\"ssn_verified\": true, \"account\": \"{ssn}\"}}"),
        1 => format!("name,sin_on_file,order\nJane,yes,{sin}"),
        2 => format!("| Telefon | Bestellnummer |\n|---|---|\n| ja | {phone} |"),
        3 => format!("## Phone\n\nnuméro de commande {phone}"),
        4 => format!("hotel {phone}"),
        5 => format!("customer:\n  ssn: on file\n  order_id: {ssn}"),
        6 => format!("<input name=\"pedido\" value=\"{sin}\"> <label>SIN</label>"),
        _ => format!("telemetry_id={phone}"),
    }
}

fn uuid(rng: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        rng.hex(8),
        rng.hex(4),
        rng.hex(3),
        rng.hex(3),
        rng.hex(12)
    )
}

const WORDS: &[&str] = &[
    "the",
    "report",
    "was",
    "reviewed",
    "by",
    "our",
    "team",
    "and",
    "we",
    "found",
    "that",
    "latency",
    "improved",
    "after",
    "deploy",
    "of",
    "service",
    "in",
    "region",
    "with",
    "cache",
    "misses",
    "down",
    "Monday",
    "Q3",
    "ASIA",
    "EMEA",
    "NATO",
    "A/B",
    "test",
    "IDs",
    "v2",
    "API",
    "JSON",
    "HTTP/2",
    "x86_64",
    "e-mail",
    "well-known",
    "re:",
    "Note:",
    "co-op",
    "naïve",
    "café",
    "Zürich",
    "東京",
    "données",
    "größer",
    "— ",
    "(see",
    "above)",
];

fn prose(rng: &mut Rng) -> String {
    (0..4 + rng.below(12))
        .map(|_| *rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}
