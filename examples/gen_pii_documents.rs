//! Writes `tests/data/pii_documents.jsonl`: whole small documents, labelled for the PII scanner.
//!
//! A second corpus, made independently of `gen_pii_corpus.rs` (which writes one-line sentences):
//! CSV and TSV exports, markdown tables and key/value tables, JSON (pretty, compact, nested),
//! YAML, `.env` and `.properties` files, HTML forms, `<dl>` lists and `data-*` attributes,
//! letters and e-mails, markdown with headings, AWS credential files and console CSVs, PEM keys
//! and log excerpts, in English, French, German, Spanish, Dutch and Italian. Sensitive values sit
//! in the structure, next to look-alikes that must stay unreported; about two fifths of the
//! documents hold only look-alikes.
//!
//! Ground truth encoded here:
//! - Formatted values are sensitive wherever they are: e-mail addresses; NANP phones
//!   `(AAA) EEE-LLLL`, `AAA-EEE-LLLL`, `AAA.EEE.LLLL`, `+1 AAA EEE LLLL` (area code and exchange
//!   starting with 2-9) and E.164 `+CC` numbers; SSNs `AAA-GG-SSSS`; SINs `DDD-DDD-DDD`; cards;
//!   IBANs; IP addresses; AWS key ids, GitHub tokens and PEM private key blocks.
//! - Bare digit runs (nine digits: SSN or SIN; ten NANP digits, or eleven with a leading 1: phone)
//!   only with a label: their CSV/TSV/markdown column header, the first cell of their row in a
//!   key/value table, their own key (JSON, YAML, `key=value`, `key: value`, HTML attribute), or a
//!   label word starting at most 48 bytes before them in the same paragraph of running text. A
//!   label in another key, another column, an earlier paragraph or above a markdown heading does
//!   not count.
//! - A 40-character AWS secret access key only under its label or right after an AKIA key id.
//!
//! Values are built here from their definitions (Luhn and ISO 7064 mod 97-10 check digits, NANP,
//! SSN and SIN rules), never with the scanner, from a fixed-seed PCG32, so a rerun writes the same
//! file. Standard library only, so it builds without cargo:
//!
//! ```text
//! rustc --edition 2024 -O examples/gen_pii_documents.rs -o /tmp/gen_docs && /tmp/gen_docs [OUT]
//! ```
//!
//! `OUT` defaults to `tests/data/pii_documents.jsonl` (run from the crate root). Each line is
//! `{"text": "...", "spans": [{"start": 5, "end": 21, "category": "EMAIL"}]}`, byte offsets into
//! `text`, spans sorted. The label spellings used are [`LEXICON`]; running the generator prints
//! them.

use std::fmt::Write as _;

const DEFAULT_OUT: &str = "tests/data/pii_documents.jsonl";
const SEED: u64 = 0x0d0c_5eed_2024_0611;
const STREAM: u64 = 0x5151;
const POSITIVE_DOCS: usize = 1050;
const DECOY_DOCS: usize = 750;
/// A label in running text starts at most this many bytes before its value.
const LABEL_REACH: usize = 48;
/// How far back (within the paragraph) a bare look-alike in running text is kept free of labels.
const CLEAR_WINDOW: usize = 96;

// ---------------------------------------------------------------------------------------------
// Categories, languages and the label lexicon

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cat {
    Email,
    Phone,
    UsSsn,
    CaSin,
    CreditCard,
    Iban,
    IpAddress,
    Secret,
}

impl Cat {
    const ALL: [Self; 8] = [
        Self::Email,
        Self::Phone,
        Self::UsSsn,
        Self::CaSin,
        Self::CreditCard,
        Self::Iban,
        Self::IpAddress,
        Self::Secret,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::UsSsn => "US_SSN",
            Self::CaSin => "CA_SIN",
            Self::CreditCard => "CREDIT_CARD",
            Self::Iban => "IBAN",
            Self::IpAddress => "IP_ADDRESS",
            Self::Secret => "SECRET",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Fr,
    De,
    Es,
    Nl,
    It,
}

impl Lang {
    const ALL: [Self; 6] = [Self::En, Self::Fr, Self::De, Self::Es, Self::Nl, Self::It];

    fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Fr => "French",
            Self::De => "German",
            Self::Es => "Spanish",
            Self::Nl => "Dutch",
            Self::It => "Italian",
        }
    }

    /// This language's entry of a per-language table.
    fn of<T: Copy>(self, table: [T; 6]) -> T {
        table[self as usize]
    }
}

/// One label spelling.
struct Label {
    cat: Cat,
    lang: Lang,
    text: &'static str,
    flags: u8,
}

/// Also written as an identifier built from its words, split at every character that is not a
/// letter or digit (`snake_case`, `camelCase`, `UPPER_SNAKE`, `kebab-case`, `dotted.words`,
/// `Title Case`); without it the spelling is used as it stands.
const KEY: u8 = 1;
/// Names its category by itself, so a nine-digit value that passes both the SSN and the SIN
/// rules may follow it. Without it (a word shared by both, such as `Sozialversicherungsnummer`)
/// the value passes only the labelled category's rule.
const ALONE: u8 = 2;

impl Label {
    fn keyable(&self) -> bool {
        self.flags & KEY != 0
    }

    fn alone(&self) -> bool {
        self.flags & ALONE != 0
    }
}

const fn lb(cat: Cat, lang: Lang, text: &'static str, flags: u8) -> Label {
    Label {
        cat,
        lang,
        text,
        flags,
    }
}

/// Every label spelling this corpus uses, per category and language. Keys are also written in the
/// identifier styles of their words (see [`KEY`]); a scanner that splits words at punctuation,
/// spaces, `_`, `-`, `.` and camelCase, and folds case, meets the same spelling.
const LEXICON: &[Label] = &[
    // PHONE
    lb(Cat::Phone, Lang::En, "phone", KEY),
    lb(Cat::Phone, Lang::En, "phone number", KEY),
    lb(Cat::Phone, Lang::En, "telephone", KEY),
    lb(Cat::Phone, Lang::En, "mobile", KEY),
    lb(Cat::Phone, Lang::En, "mobile number", KEY),
    lb(Cat::Phone, Lang::En, "cell", KEY),
    lb(Cat::Phone, Lang::En, "cell phone", KEY),
    lb(Cat::Phone, Lang::En, "tel", KEY),
    lb(Cat::Phone, Lang::En, "tel.", 0),
    lb(Cat::Phone, Lang::En, "fax", KEY),
    lb(Cat::Phone, Lang::Fr, "téléphone", KEY),
    lb(Cat::Phone, Lang::Fr, "numéro de téléphone", KEY),
    lb(Cat::Phone, Lang::Fr, "numero de telephone", KEY),
    lb(Cat::Phone, Lang::Fr, "tél.", 0),
    lb(Cat::Phone, Lang::Fr, "portable", KEY),
    lb(Cat::Phone, Lang::Fr, "numéro de portable", KEY),
    lb(Cat::Phone, Lang::Fr, "mobile", KEY),
    lb(Cat::Phone, Lang::Fr, "télécopie", KEY),
    lb(Cat::Phone, Lang::De, "Telefon", KEY),
    lb(Cat::Phone, Lang::De, "Telefonnummer", KEY),
    lb(Cat::Phone, Lang::De, "Tel.", 0),
    lb(Cat::Phone, Lang::De, "Handy", KEY),
    lb(Cat::Phone, Lang::De, "Handynummer", KEY),
    lb(Cat::Phone, Lang::De, "Mobilnummer", KEY),
    lb(Cat::Phone, Lang::De, "Mobiltelefon", KEY),
    lb(Cat::Phone, Lang::De, "Rufnummer", KEY),
    lb(Cat::Phone, Lang::De, "Fax", KEY),
    lb(Cat::Phone, Lang::De, "Faxnummer", KEY),
    lb(Cat::Phone, Lang::Es, "teléfono", KEY),
    lb(Cat::Phone, Lang::Es, "telefono", KEY),
    lb(Cat::Phone, Lang::Es, "número de teléfono", KEY),
    lb(Cat::Phone, Lang::Es, "tel.", 0),
    lb(Cat::Phone, Lang::Es, "móvil", KEY),
    lb(Cat::Phone, Lang::Es, "movil", KEY),
    lb(Cat::Phone, Lang::Es, "número de móvil", KEY),
    lb(Cat::Phone, Lang::Es, "celular", KEY),
    lb(Cat::Phone, Lang::Es, "fax", KEY),
    lb(Cat::Phone, Lang::Nl, "telefoon", KEY),
    lb(Cat::Phone, Lang::Nl, "telefoonnummer", KEY),
    lb(Cat::Phone, Lang::Nl, "tel.", 0),
    lb(Cat::Phone, Lang::Nl, "mobiel", KEY),
    lb(Cat::Phone, Lang::Nl, "mobiel nummer", KEY),
    lb(Cat::Phone, Lang::Nl, "mobiele telefoon", KEY),
    lb(Cat::Phone, Lang::Nl, "gsm", KEY),
    lb(Cat::Phone, Lang::Nl, "faxnummer", KEY),
    lb(Cat::Phone, Lang::It, "telefono", KEY),
    lb(Cat::Phone, Lang::It, "numero di telefono", KEY),
    lb(Cat::Phone, Lang::It, "tel.", 0),
    lb(Cat::Phone, Lang::It, "cellulare", KEY),
    lb(Cat::Phone, Lang::It, "cell.", 0),
    lb(Cat::Phone, Lang::It, "numero di cellulare", KEY),
    lb(Cat::Phone, Lang::It, "fax", KEY),
    // US_SSN
    lb(Cat::UsSsn, Lang::En, "SSN", KEY | ALONE),
    lb(Cat::UsSsn, Lang::En, "social security number", KEY | ALONE),
    lb(Cat::UsSsn, Lang::En, "Social Security No.", ALONE),
    lb(Cat::UsSsn, Lang::En, "US SSN", KEY | ALONE),
    lb(Cat::UsSsn, Lang::En, "S.S.N.", ALONE),
    lb(Cat::UsSsn, Lang::Fr, "SSN", KEY | ALONE),
    lb(
        Cat::UsSsn,
        Lang::Fr,
        "numéro de sécurité sociale (États-Unis)",
        ALONE,
    ),
    lb(
        Cat::UsSsn,
        Lang::Fr,
        "numéro de sécurité sociale américain",
        KEY | ALONE,
    ),
    lb(
        Cat::UsSsn,
        Lang::Fr,
        "numero de securite sociale americain",
        KEY | ALONE,
    ),
    lb(Cat::UsSsn, Lang::De, "SSN", KEY | ALONE),
    lb(Cat::UsSsn, Lang::De, "US-Sozialversicherungsnummer", KEY),
    lb(
        Cat::UsSsn,
        Lang::De,
        "amerikanische Sozialversicherungsnummer",
        KEY,
    ),
    lb(Cat::UsSsn, Lang::De, "Sozialversicherungsnummer (USA)", 0),
    lb(Cat::UsSsn, Lang::Es, "SSN", KEY | ALONE),
    lb(Cat::UsSsn, Lang::Es, "número de seguro social (EE. UU.)", 0),
    lb(
        Cat::UsSsn,
        Lang::Es,
        "número de seguro social estadounidense",
        KEY,
    ),
    lb(
        Cat::UsSsn,
        Lang::Es,
        "numero de seguro social estadounidense",
        KEY,
    ),
    lb(Cat::UsSsn, Lang::Nl, "SSN", KEY | ALONE),
    lb(
        Cat::UsSsn,
        Lang::Nl,
        "Amerikaans socialezekerheidsnummer",
        KEY | ALONE,
    ),
    lb(Cat::UsSsn, Lang::Nl, "socialezekerheidsnummer (VS)", ALONE),
    lb(Cat::UsSsn, Lang::It, "SSN", KEY | ALONE),
    lb(
        Cat::UsSsn,
        Lang::It,
        "numero di previdenza sociale (USA)",
        ALONE,
    ),
    lb(
        Cat::UsSsn,
        Lang::It,
        "numero di sicurezza sociale statunitense",
        KEY | ALONE,
    ),
    // CA_SIN
    lb(Cat::CaSin, Lang::En, "SIN", KEY | ALONE),
    lb(Cat::CaSin, Lang::En, "S.I.N.", ALONE),
    lb(Cat::CaSin, Lang::En, "social insurance number", KEY | ALONE),
    lb(Cat::CaSin, Lang::En, "Social Insurance No.", ALONE),
    lb(Cat::CaSin, Lang::En, "Canadian SIN", KEY | ALONE),
    lb(Cat::CaSin, Lang::Fr, "NAS", KEY | ALONE),
    lb(
        Cat::CaSin,
        Lang::Fr,
        "numéro d'assurance sociale",
        KEY | ALONE,
    ),
    lb(
        Cat::CaSin,
        Lang::Fr,
        "numero d'assurance sociale",
        KEY | ALONE,
    ),
    lb(Cat::CaSin, Lang::Fr, "N° d'assurance sociale", ALONE),
    lb(Cat::CaSin, Lang::De, "SIN", KEY | ALONE),
    lb(
        Cat::CaSin,
        Lang::De,
        "Sozialversicherungsnummer (Kanada)",
        0,
    ),
    lb(
        Cat::CaSin,
        Lang::De,
        "kanadische Sozialversicherungsnummer",
        KEY,
    ),
    lb(Cat::CaSin, Lang::Es, "SIN", KEY | ALONE),
    lb(Cat::CaSin, Lang::Es, "número de seguro social (Canadá)", 0),
    lb(
        Cat::CaSin,
        Lang::Es,
        "número de seguro social canadiense",
        KEY,
    ),
    lb(
        Cat::CaSin,
        Lang::Es,
        "numero de seguro social canadiense",
        KEY,
    ),
    lb(Cat::CaSin, Lang::Nl, "SIN", KEY | ALONE),
    lb(
        Cat::CaSin,
        Lang::Nl,
        "Canadees sociaal verzekeringsnummer",
        KEY | ALONE,
    ),
    lb(
        Cat::CaSin,
        Lang::Nl,
        "sociaal verzekeringsnummer (Canada)",
        ALONE,
    ),
    lb(Cat::CaSin, Lang::It, "SIN", KEY | ALONE),
    lb(
        Cat::CaSin,
        Lang::It,
        "numero di assicurazione sociale canadese",
        KEY | ALONE,
    ),
    lb(
        Cat::CaSin,
        Lang::It,
        "numero di assicurazione sociale (Canada)",
        ALONE,
    ),
    // SECRET: the labels an AWS secret access key needs (used exactly as written).
    lb(Cat::Secret, Lang::En, "aws_secret_access_key", 0),
    lb(Cat::Secret, Lang::En, "AWS_SECRET_ACCESS_KEY", 0),
    lb(Cat::Secret, Lang::En, "SecretAccessKey", 0),
    lb(Cat::Secret, Lang::En, "secret_access_key", 0),
    lb(Cat::Secret, Lang::En, "Secret access key", 0),
];

fn print_lexicon() {
    println!("Label spellings per category and language (keys also in identifier styles):");
    for cat in [Cat::Phone, Cat::UsSsn, Cat::CaSin, Cat::Secret] {
        println!("{}", cat.name());
        for lang in Lang::ALL {
            let spellings: Vec<&str> = LEXICON
                .iter()
                .filter(|l| l.cat == cat && l.lang == lang)
                .map(|l| l.text)
                .collect();
            if !spellings.is_empty() {
                println!("  {:<8} {}", lang.name(), spellings.join(" | "));
            }
        }
    }
}

/// Where a label is written, which decides which spellings fit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Need {
    /// A header cell, a JSON or YAML key, running text: any spelling.
    Any,
    /// An identifier-like key.
    Key,
    /// An ASCII identifier (environment variables, HTML attribute names).
    Ascii,
}

fn pick_label(rng: &mut Pcg, cat: Cat, lang: Lang, need: Need) -> &'static Label {
    let fits = |l: &&Label| {
        l.cat == cat
            && l.lang == lang
            && match need {
                Need::Any => true,
                Need::Key => l.keyable(),
                Need::Ascii => l.keyable() && l.text.is_ascii(),
            }
    };
    let choices: Vec<&'static Label> = LEXICON.iter().filter(fits).collect();
    if choices.is_empty() {
        assert!(
            lang != Lang::En,
            "no English {} label for {need:?}",
            cat.name()
        );
        return pick_label(rng, cat, Lang::En, need);
    }
    rng.pick(&choices)
}

/// Lower-cased words of `s` between single spaces, camelCase split and every other character a
/// separator: `" social insurance number "`. Labels are looked for as whole words this way.
fn words_of(s: &str) -> String {
    let mut out = String::from(" ");
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                out.push(' ');
            }
            prev_lower = c.is_lowercase();
            out.extend(c.to_lowercase());
        } else {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            prev_lower = false;
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Whether `text` holds a label word of one of `cats`.
fn has_label(text: &str, cats: &[Cat]) -> bool {
    let hay = words_of(text);
    LEXICON
        .iter()
        .filter(|l| cats.contains(&l.cat))
        .any(|l| hay.contains(&words_of(l.text)))
}

const NUMBER_LABELS: [Cat; 3] = [Cat::Phone, Cat::UsSsn, Cat::CaSin];

// ---------------------------------------------------------------------------------------------
// Random numbers: PCG-XSH-RR with 64-bit state and 32-bit output (O'Neill, 2014).

struct Pcg {
    state: u64,
    inc: u64,
}

impl Pcg {
    const MULTIPLIER: u64 = 6_364_136_223_846_793_005;

    fn new(seed: u64, stream: u64) -> Self {
        let mut pcg = Self {
            state: 0,
            inc: (stream << 1) | 1,
        };
        pcg.step();
        pcg.state = pcg.state.wrapping_add(seed);
        pcg.step();
        pcg
    }

    fn step(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(Self::MULTIPLIER).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// Uniform in `0..n` for `n > 0` (multiply-shift; the bias is negligible for small `n`).
    fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.step()) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for k in (1..items.len()).rev() {
            let j = self.below(k + 1);
            items.swap(k, j);
        }
    }

    fn chars_of(&mut self, set: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(self.pick(set))).collect()
    }

    fn digits(&mut self, n: usize) -> String {
        self.chars_of(DIGITS, n)
    }
}

const DIGITS: &[u8] = b"0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// ---------------------------------------------------------------------------------------------
// Check digits and number rules

/// Luhn: from the right, every second digit doubled (minus 9 above 9); the sum ends in 0.
fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0u32;
    for (k, b) in digits.bytes().rev().enumerate() {
        let d = u32::from(b - b'0');
        sum += if k & 1 == 1 {
            let twice = 2 * d;
            if twice > 9 { twice - 9 } else { twice }
        } else {
            d
        };
    }
    sum.is_multiple_of(10)
}

/// `payload` and the one digit after it that passes Luhn.
fn luhn_complete(payload: &str) -> String {
    for d in '0'..='9' {
        let candidate = format!("{payload}{d}");
        if luhn_ok(&candidate) {
            return candidate;
        }
    }
    unreachable!("one of ten check digits passes Luhn")
}

/// ISO 7064 mod 97-10 of digits and capital letters (A = 10 … Z = 35).
fn mod97(s: &str) -> u32 {
    s.chars().fold(0, |rem, c| match c.to_digit(36) {
        Some(v) if v < 10 => (rem * 10 + v) % 97,
        Some(v) => (rem * 100 + v) % 97,
        None => rem,
    })
}

fn iban_ok(compact: &str) -> bool {
    compact.len() > 4 && mod97(&format!("{}{}", &compact[4..], &compact[..4])) == 1
}

fn part(d: &str, from: usize, to: usize) -> u32 {
    d[from..to].parse().unwrap_or(0)
}

/// SSN: area not 000, 666 or 900-999; group not 00; serial not 0000.
fn ssn_ok(d: &str) -> bool {
    let area = part(d, 0, 3);
    d.len() == 9
        && area != 0
        && area != 666
        && area < 900
        && part(d, 3, 5) != 0
        && part(d, 5, 9) != 0
}

/// SIN: Luhn, first digit not 0 or 8.
fn sin_ok(d: &str) -> bool {
    d.len() == 9 && luhn_ok(d) && !d.starts_with(['0', '8'])
}

/// A credit card by the issuer rules of this corpus: Visa 4 / 16, Mastercard 51-55 / 16,
/// Amex 34 and 37 / 15, Discover 6011 / 16, passing Luhn.
fn card_ok(d: &str) -> bool {
    let issuer = match d.len() {
        16 => d.starts_with('4') || d.starts_with("6011") || (51..=55).contains(&part(d, 0, 2)),
        15 => d.starts_with("34") || d.starts_with("37"),
        _ => false,
    };
    issuer && luhn_ok(d)
}

// ---------------------------------------------------------------------------------------------
// Values

/// One value as it will be written, and what it is.
#[derive(Clone)]
struct Val {
    text: String,
    cat: Option<Cat>,
    /// A digit run that can also be written as a JSON or YAML number.
    number: bool,
}

impl Val {
    fn pii(cat: Cat, text: String) -> Self {
        Self {
            text,
            cat: Some(cat),
            number: false,
        }
    }

    fn bare(cat: Cat, text: String) -> Self {
        let number = !text.starts_with('0');
        Self {
            text,
            cat: Some(cat),
            number,
        }
    }

    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            cat: None,
            number: false,
        }
    }

    fn plain_number(text: String) -> Self {
        let number = !text.starts_with('0');
        Self {
            text,
            cat: None,
            number,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    // Sensitive wherever they are.
    Email,
    PhoneFmt,
    PhoneIntl,
    SsnFmt,
    SinFmt,
    Card,
    Iban,
    Ip4,
    Ip6,
    AwsKeyId,
    GhToken,
    Pem,
    // Sensitive only under their label: bare digit runs (the flag: the label names its category
    // alone) and the AWS secret access key.
    PhoneBare,
    SsnBare(bool),
    SinBare(bool),
    AwsSecret,
    // Plain values.
    Name,
    City,
    Date,
    Stamp,
    Amount,
    Status,
    Uuid,
    Note,
    Version,
    Zip,
    Ticket,
    OrderCode,
    Epoch,
    // Look-alikes.
    Nine,
    Ten,
    Eleven,
    BadCard,
    BadIban,
    ShortAkia,
    ShortGhToken,
    NotPhone,
    BadSsn,
    BadSin,
    Masked(Cat),
    Blob40,
    Sha,
}

fn make(rng: &mut Pcg, kind: Kind, lang: Lang) -> Val {
    match kind {
        Kind::Email => Val::pii(Cat::Email, email(rng)),
        Kind::PhoneFmt => Val::pii(Cat::Phone, phone_formatted(rng)),
        Kind::PhoneIntl => Val::pii(Cat::Phone, phone_international(rng)),
        Kind::SsnFmt => {
            let both = rng.chance(10);
            let d = nine_ssn(rng, both);
            let sep = if rng.chance(75) { "-" } else { " " };
            Val::pii(
                Cat::UsSsn,
                format!("{}{sep}{}{sep}{}", &d[..3], &d[3..5], &d[5..]),
            )
        }
        Kind::SinFmt => {
            let both = rng.chance(50);
            let d = nine_sin(rng, both);
            let sep = if rng.chance(60) { "-" } else { " " };
            Val::pii(
                Cat::CaSin,
                format!("{}{sep}{}{sep}{}", &d[..3], &d[3..6], &d[6..]),
            )
        }
        Kind::Card => {
            let d = card_number(rng, true);
            Val::pii(Cat::CreditCard, group_card(rng, &d))
        }
        Kind::Iban => Val::pii(Cat::Iban, iban(rng, lang, true)),
        Kind::Ip4 => Val::pii(Cat::IpAddress, ipv4(rng)),
        Kind::Ip6 => Val::pii(Cat::IpAddress, ipv6(rng)),
        Kind::AwsKeyId => Val::pii(Cat::Secret, aws_key_id(rng)),
        Kind::GhToken => Val::pii(Cat::Secret, github_token(rng)),
        Kind::Pem => Val::pii(Cat::Secret, pem(rng)),
        Kind::PhoneBare => Val::bare(Cat::Phone, phone_bare(rng)),
        Kind::SsnBare(alone) => {
            let both = alone && rng.chance(35);
            Val::bare(Cat::UsSsn, nine_ssn(rng, both))
        }
        Kind::SinBare(alone) => {
            let both = alone && rng.chance(35);
            Val::bare(Cat::CaSin, nine_sin(rng, both))
        }
        Kind::AwsSecret => Val::pii(Cat::Secret, aws_secret(rng)),
        Kind::Name => Val::plain(rng.pick(NAMES)),
        Kind::City => Val::plain(rng.pick(CITIES)),
        Kind::Date => Val::plain(date(rng, lang)),
        Kind::Stamp => Val::plain(stamp(rng)),
        Kind::Amount => Val::plain(amount(rng, lang)),
        Kind::Status => Val::plain(rng.pick(lang.of(STATUS))),
        Kind::Uuid => Val::plain(uuid(rng)),
        Kind::Note => Val::plain(note(rng, lang)),
        Kind::Version => Val::plain(version(rng)),
        Kind::Zip => Val::plain(zip(rng, lang)),
        Kind::Ticket => Val::plain(ticket(rng)),
        Kind::OrderCode => Val::plain(order_code(rng)),
        Kind::Epoch => Val::plain_number(if rng.chance(70) {
            rng.between(1_500_000_000, 1_799_999_999).to_string()
        } else {
            format!(
                "{}{}",
                rng.between(1_500_000_000, 1_799_999_999),
                rng.digits(3)
            )
        }),
        Kind::Nine => Val::plain_number(decoy_nine(rng)),
        Kind::Ten => Val::plain_number(nanp_digits(rng)),
        Kind::Eleven => Val::plain_number(format!("1{}", nanp_digits(rng))),
        Kind::BadCard => {
            let d = card_number(rng, false);
            Val::plain(group_card(rng, &d))
        }
        Kind::BadIban => Val::plain(iban(rng, lang, false)),
        Kind::ShortAkia => Val::plain(format!("AKIA{}", {
            let n = rng.pick(&[8, 10, 12]);
            rng.chars_of(UPPER_DIGITS, n)
        })),
        Kind::ShortGhToken => Val::plain(format!("ghp_{}", {
            let n = rng.pick(&[12, 20, 24]);
            rng.chars_of(ALNUM, n)
        })),
        Kind::NotPhone => Val::plain(not_phone(rng)),
        Kind::BadSsn => Val::plain(bad_ssn(rng)),
        Kind::BadSin => Val::plain(bad_sin(rng)),
        Kind::Masked(cat) => Val::plain(masked(rng, cat)),
        Kind::Blob40 => Val::plain(token40(rng)),
        Kind::Sha => Val::plain(sha(rng)),
    }
}

const FIRST_ASCII: &[&str] = &[
    "ana", "zoe", "juergen", "maria", "sanne", "giulia", "chloe", "lina", "hanako", "an", "olafur",
    "lucas", "emma", "noor", "matteo", "lea", "pablo", "femke", "luca", "camille", "ben", "ines",
];
const LAST_ASCII: &[&str] = &[
    "lefevre",
    "gross",
    "nunez",
    "devries",
    "rossi",
    "tremblay",
    "sato",
    "nguyen",
    "jonsson",
    "cote",
    "mueller",
    "fernandez",
    "jansen",
    "bianchi",
    "brown",
    "gagnon",
    "roy",
    "silva",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "example.de",
    "example.fr",
    "example.es",
    "example.nl",
    "example.it",
    "example.ca",
    "mail.example.com",
    "hr.example.co.uk",
    "kunden.example.de",
];

fn email(rng: &mut Pcg) -> String {
    let first = rng.pick(FIRST_ASCII);
    let last = rng.pick(LAST_ASCII);
    let initial = first.chars().next().unwrap_or('x');
    let local = match rng.below(7) {
        0 => format!("{first}.{last}"),
        1 => format!("{initial}.{last}"),
        2 => format!("{first}_{last}"),
        3 => format!("{first}+{}", rng.pick(&["hr", "payroll", "crm", "test"])),
        4 => format!("{last}.{first}{}", rng.between(1, 99)),
        5 => format!("{initial}{last}"),
        _ => first.to_string(),
    };
    format!("{local}@{}", rng.pick(DOMAINS))
}

/// A NANP area code or exchange: three digits, the first 2-9.
fn nanp3(rng: &mut Pcg) -> String {
    format!("{}{}", rng.between(2, 9), rng.digits(2))
}

fn nanp_digits(rng: &mut Pcg) -> String {
    format!("{}{}{}", nanp3(rng), nanp3(rng), rng.digits(4))
}

fn phone_bare(rng: &mut Pcg) -> String {
    let d = nanp_digits(rng);
    if rng.chance(20) { format!("1{d}") } else { d }
}

fn phone_formatted(rng: &mut Pcg) -> String {
    let (a, e, l) = (nanp3(rng), nanp3(rng), rng.digits(4));
    match rng.below(4) {
        0 => format!("({a}) {e}-{l}"),
        1 => format!("{a}-{e}-{l}"),
        2 => format!("{a}.{e}.{l}"),
        _ => format!("+1 {a} {e} {l}"),
    }
}

/// Country code and the group sizes of the national number (8-15 digits in all).
const E164: &[(&str, &[usize])] = &[
    ("44", &[2, 4, 4]),
    ("49", &[2, 8]),
    ("49", &[3, 7]),
    ("33", &[1, 2, 2, 2, 2]),
    ("34", &[3, 3, 3]),
    ("31", &[1, 8]),
    ("31", &[2, 3, 4]),
    ("39", &[2, 4, 4]),
    ("41", &[2, 3, 2, 2]),
    ("32", &[3, 2, 2, 2]),
    ("43", &[1, 4, 4]),
    ("353", &[1, 3, 4]),
    ("52", &[2, 4, 4]),
    ("81", &[2, 4, 4]),
];

fn phone_international(rng: &mut Pcg) -> String {
    let (cc, groups) = rng.pick(E164);
    let sep = if rng.chance(85) { " " } else { "" };
    let mut s = format!("+{cc}");
    for &g in groups {
        s.push_str(sep);
        s.push(char::from(b'1' + rng.below(9) as u8));
        s.push_str(&rng.digits(g - 1));
    }
    s
}

/// A nine-digit SSN; `both`: it also passes the SIN rules, otherwise it fails them.
fn nine_ssn(rng: &mut Pcg, both: bool) -> String {
    loop {
        let area = rng.between(1, 899);
        let d = format!(
            "{area:03}{:02}{:04}",
            rng.between(1, 99),
            rng.between(1, 9999)
        );
        if ssn_ok(&d) && sin_ok(&d) == both {
            return d;
        }
    }
}

/// A nine-digit SIN; `both`: it also passes the SSN rules, otherwise it fails them (a temporary
/// resident's 9, area 666, group 00 or serial 0000 as an SSN).
fn nine_sin(rng: &mut Pcg, both: bool) -> String {
    loop {
        let first = rng.pick(&['1', '2', '3', '4', '5', '6', '7', '9']);
        let d = if both {
            luhn_complete(&format!("{first}{}", rng.digits(7)))
        } else {
            match rng.below(5) {
                0 | 1 => luhn_complete(&format!("9{}", rng.digits(7))),
                2 => luhn_complete(&format!("{first}{}00{}", rng.digits(2), rng.digits(3))),
                3 => luhn_complete(&format!("666{}", rng.digits(5))),
                _ => luhn_complete(&format!("{first}{}000", rng.digits(4))),
            }
        };
        if sin_ok(&d) && ssn_ok(&d) == both {
            return d;
        }
    }
}

/// A nine-digit run that an unlabelled place must not turn into a finding: most pass both the
/// SSN and the SIN rules.
fn decoy_nine(rng: &mut Pcg) -> String {
    match rng.below(5) {
        0..=2 => nine_ssn(rng, true),
        3 => nine_ssn(rng, false),
        _ => nine_sin(rng, false),
    }
}

fn card_number(rng: &mut Pcg, valid: bool) -> String {
    let (prefix, len) = match rng.below(8) {
        0..=2 => ("4".to_string(), 16),
        3 | 4 => (format!("5{}", rng.between(1, 5)), 16),
        5 => (rng.pick(&["34", "37"]).to_string(), 15),
        _ => ("6011".to_string(), 16),
    };
    let good = luhn_complete(&format!("{prefix}{}", rng.digits(len - 1 - prefix.len())));
    if valid {
        return good;
    }
    let last = good.bytes().last().map_or(0, |b| b - b'0');
    let wrong = (last + 1 + rng.below(9) as u8) % 10;
    format!("{}{}", &good[..len - 1], char::from(b'0' + wrong))
}

/// Bare, or grouped 4-4-4-4 (Amex 4-6-5) with spaces or dashes.
fn group_card(rng: &mut Pcg, d: &str) -> String {
    let sep = rng.pick(&["", " ", " ", "-"]);
    if sep.is_empty() {
        return d.to_string();
    }
    let cuts: &[usize] = if d.len() == 15 { &[4, 10] } else { &[4, 8, 12] };
    let mut out = String::new();
    let mut from = 0;
    for &cut in cuts {
        out.push_str(&d[from..cut]);
        out.push_str(sep);
        from = cut;
    }
    out.push_str(&d[from..]);
    out
}

/// Capitals and digits, mostly digits (the alphanumeric parts of French and Italian BBANs).
fn mostly_digits(rng: &mut Pcg, n: usize) -> String {
    (0..n)
        .map(|_| {
            if rng.chance(85) {
                char::from(rng.pick(DIGITS))
            } else {
                char::from(rng.pick(UPPER))
            }
        })
        .collect()
}

fn bban(rng: &mut Pcg, country: &str) -> String {
    match country {
        "DE" => rng.digits(18),
        "FR" => format!(
            "{}{}{}",
            rng.digits(10),
            mostly_digits(rng, 11),
            rng.digits(2)
        ),
        "NL" => format!(
            "{}{}",
            rng.pick(&["ABNA", "INGB", "RABO", "TRIO", "KNAB", "BUNQ"]),
            rng.digits(10)
        ),
        "ES" => rng.digits(20),
        "IT" => format!(
            "{}{}{}",
            char::from(rng.pick(UPPER)),
            rng.digits(10),
            mostly_digits(rng, 12)
        ),
        _ => format!(
            "{}{}",
            rng.pick(&["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]),
            rng.digits(14)
        ),
    }
}

/// An IBAN of DE (22), FR (27), NL (18), ES (24), IT (27) or GB (22), compact or in groups of
/// four; `valid: false` gives it wrong check digits.
fn iban(rng: &mut Pcg, lang: Lang, valid: bool) -> String {
    let home = lang.of(["GB", "FR", "DE", "ES", "NL", "IT"]);
    let country = if rng.chance(60) {
        home
    } else {
        rng.pick(&["DE", "FR", "NL", "ES", "IT", "GB"])
    };
    loop {
        let bban = bban(rng, country);
        let right = 98 - mod97(&format!("{bban}{country}00"));
        let check = if valid {
            right
        } else {
            let wrong = rng.between(2, 97);
            if wrong >= right { wrong + 1 } else { wrong }
        };
        let compact = format!("{country}{check:02}{bban}");
        assert_eq!(iban_ok(&compact), valid, "IBAN check digits of {compact}");
        if rng.chance(45) {
            return compact;
        }
        let grouped = compact
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        // Four groups of digits that would read as a grouped card by themselves.
        let groups: Vec<&str> = grouped.split(' ').collect();
        let card_inside = groups.windows(4).any(|w| {
            let run = w.concat();
            w.iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit()))
                && card_ok(&run)
        });
        if valid || !card_inside {
            return grouped;
        }
    }
}

fn ipv4(rng: &mut Pcg) -> String {
    let last = rng.between(1, 254);
    match rng.below(6) {
        0 => format!("10.{}.{}.{last}", rng.between(0, 255), rng.between(0, 255)),
        1 => format!("172.{}.{}.{last}", rng.between(16, 31), rng.between(0, 255)),
        2 => format!("192.168.{}.{last}", rng.between(0, 255)),
        3 => format!(
            "{}.{last}",
            rng.pick(&["192.0.2", "198.51.100", "203.0.113"])
        ),
        4 => format!(
            "100.{}.{}.{last}",
            rng.between(64, 127),
            rng.between(0, 255)
        ),
        _ => {
            let first = loop {
                let f = rng.between(11, 223);
                if f != 127 {
                    break f;
                }
            };
            format!(
                "{first}.{}.{}.{last}",
                rng.between(0, 255),
                rng.between(0, 255)
            )
        }
    }
}

fn hex_group(rng: &mut Pcg) -> String {
    format!("{:x}", rng.between(1, 0xffff))
}

/// IPv6 addresses, each with a decimal digit in it.
fn ipv6(rng: &mut Pcg) -> String {
    match rng.below(5) {
        0 => format!(
            "2001:db8:{}:{}::{}",
            hex_group(rng),
            hex_group(rng),
            hex_group(rng)
        ),
        1 => {
            let mut groups = vec!["2001".to_string(), "0db8".to_string()];
            groups.extend((0..6).map(|_| format!("{:04x}", rng.between(0, 0xffff))));
            groups.join(":")
        }
        2 => format!(
            "fe80::{}:{}:{}:{}",
            hex_group(rng),
            hex_group(rng),
            hex_group(rng),
            hex_group(rng)
        ),
        3 => format!("2001:db8::{}", hex_group(rng)),
        _ => format!(
            "2001:DB8:{}::{}:{}",
            hex_group(rng),
            hex_group(rng),
            hex_group(rng)
        )
        .to_uppercase(),
    }
}

/// The longest run of ASCII digits in `s`.
fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Random characters that hold no other value: no long digit run, no key or token prefix.
fn random_token(rng: &mut Pcg, set: &[u8], n: usize) -> String {
    loop {
        let s = rng.chars_of(set, n);
        if longest_digit_run(&s) < 5 && !s.contains("AKIA") && !s.contains("eyJ") {
            return s;
        }
    }
}

fn aws_key_id(rng: &mut Pcg) -> String {
    format!("AKIA{}", random_token(rng, UPPER_DIGITS, 16))
}

fn github_token(rng: &mut Pcg) -> String {
    format!("ghp_{}", random_token(rng, ALNUM, 36))
}

/// 40 characters of `[A-Za-z0-9/+]` with a capital, a small letter and a digit, starting and
/// ending with a letter or digit: what an AWS secret access key looks like.
fn token40(rng: &mut Pcg) -> String {
    loop {
        let s = random_token(rng, BASE64, 40);
        let b = s.as_bytes();
        let ends_ok = b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric);
        if ends_ok
            && b.iter().any(u8::is_ascii_uppercase)
            && b.iter().any(u8::is_ascii_lowercase)
            && b.iter().any(u8::is_ascii_digit)
        {
            return s;
        }
    }
}

fn aws_secret(rng: &mut Pcg) -> String {
    token40(rng)
}

fn pem_body(rng: &mut Pcg, lines: usize) -> Vec<String> {
    let mut body = vec![format!("MII{}", random_token(rng, BASE64, 61))];
    for _ in 1..lines {
        body.push(random_token(rng, BASE64, 64));
    }
    let tail = 4 * rng.between(2, 12) as usize;
    let mut last = random_token(rng, BASE64, tail);
    last.push_str(rng.pick(&["", "=", "=="]));
    body.push(last);
    body
}

fn pem(rng: &mut Pcg) -> String {
    let kind = rng.pick(&["", "", "RSA ", "EC "]);
    let lines = rng.between(2, 4) as usize;
    format!(
        "-----BEGIN {kind}PRIVATE KEY-----\n{}\n-----END {kind}PRIVATE KEY-----",
        pem_body(rng, lines).join("\n")
    )
}

/// A certificate or public key block: PEM armour that is not a private key.
fn public_pem(rng: &mut Pcg) -> String {
    let kind = rng.pick(&["CERTIFICATE", "PUBLIC KEY", "CERTIFICATE REQUEST"]);
    format!(
        "-----BEGIN {kind}-----\n{}\n-----END {kind}-----",
        pem_body(rng, 2).join("\n")
    )
}

const NAMES: &[&str] = &[
    "Zoë Lefèvre",
    "Jürgen Groß",
    "María José Núñez",
    "Sanne de Vries",
    "Giulia Rossi",
    "Chloé Tremblay",
    "李娜",
    "佐藤 花子",
    "Nguyễn Văn An",
    "Ólafur Jónsson",
    "Amélie Côté",
    "Björn Müller",
    "Lucía Fernández",
    "Daan Jansen",
    "Matteo Bianchi",
    "Olivia Brown",
    "Noah Wilson",
    "Émile Gagnon",
    "Søren Kjær",
    "Zoé Roy",
    "Łukasz Wiśniewski",
    "Ana Silva",
    "Kenji Watanabe",
    "王小明",
    "Inès Benali",
    "Femke Bakker",
];
const CITIES: &[&str] = &[
    "Montréal",
    "Zürich",
    "Köln",
    "Málaga",
    "Utrecht",
    "Milano",
    "Toronto",
    "Lyon",
    "Sevilla",
    "Gent",
    "Torino",
    "東京",
    "Québec",
    "Düsseldorf",
    "A Coruña",
    "Vancouver",
    "Bruxelles",
    "Rotterdam",
    "Napoli",
    "Boston",
];
const STATUS: [&[&str]; 6] = [
    &["active", "pending", "closed", "on hold"],
    &["actif", "en attente", "clôturé"],
    &["aktiv", "offen", "gesperrt", "erledigt"],
    &["activo", "pendiente", "cerrado"],
    &["actief", "in behandeling", "gesloten"],
    &["attivo", "in attesa", "chiuso"],
];
const MONTHS: [[&str; 12]; 6] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
];

fn date(rng: &mut Pcg, lang: Lang) -> String {
    let (y, m, d) = (
        rng.between(2019, 2026),
        rng.between(1, 12),
        rng.between(1, 28),
    );
    let month = lang.of(MONTHS)[(m - 1) as usize];
    match (rng.below(3), lang) {
        (0, _) => format!("{y}-{m:02}-{d:02}"),
        (1, Lang::En) => format!("{month} {d}, {y}"),
        (1, Lang::De) => format!("{d}. {month} {y}"),
        (1, _) => format!("{d} {month} {y}"),
        (_, Lang::En) => format!("{m:02}/{d:02}/{y}"),
        (_, Lang::De) => format!("{d:02}.{m:02}.{y}"),
        (_, Lang::Nl) => format!("{d:02}-{m:02}-{y}"),
        _ => format!("{d:02}/{m:02}/{y}"),
    }
}

fn stamp(rng: &mut Pcg) -> String {
    let base = format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}",
        rng.between(2019, 2026),
        rng.between(1, 12),
        rng.between(1, 28),
        rng.between(0, 23),
        rng.between(0, 59),
        rng.between(0, 59)
    );
    match rng.below(3) {
        0 => format!("{base}Z"),
        1 => format!("{base}.{:03}Z", rng.between(0, 999)),
        _ => format!("{base}{}", rng.pick(&["+01:00", "-05:00", "+02:00"])),
    }
}

fn amount(rng: &mut Pcg, lang: Lang) -> String {
    let units = rng.between(1, 4999);
    let cents = rng.between(0, 99);
    let (thousands, rest) = (units / 1000, units % 1000);
    match lang {
        Lang::En if thousands > 0 => format!("${thousands},{rest:03}.{cents:02}"),
        Lang::En => format!("${units}.{cents:02}"),
        Lang::Fr if thousands > 0 => format!("{thousands}\u{202f}{rest:03},{cents:02} €"),
        Lang::Nl | Lang::It if thousands > 0 => format!("€ {thousands}.{rest:03},{cents:02}"),
        Lang::Nl | Lang::It => format!("€ {units},{cents:02}"),
        _ if thousands > 0 => format!("{thousands}.{rest:03},{cents:02} €"),
        _ => format!("{units},{cents:02} €"),
    }
}

fn uuid(rng: &mut Pcg) -> String {
    loop {
        let u = format!(
            "{}-{}-4{}-{}{}-{}",
            rng.chars_of(HEX, 8),
            rng.chars_of(HEX, 4),
            rng.chars_of(HEX, 3),
            rng.pick(&['8', '9', 'a', 'b']),
            rng.chars_of(HEX, 3),
            rng.chars_of(HEX, 12)
        );
        let lettered = u
            .split('-')
            .all(|g| g.bytes().any(|b| b.is_ascii_alphabetic()));
        if lettered && longest_digit_run(&u) < 5 {
            return u;
        }
    }
}

/// A git commit id: 40 lowercase hex digits.
fn sha(rng: &mut Pcg) -> String {
    random_token(rng, HEX, 40)
}

fn version(rng: &mut Pcg) -> String {
    let (a, b, c) = (rng.between(0, 12), rng.between(0, 30), rng.between(0, 40));
    match rng.below(3) {
        0 => format!("{a}.{b}.{c}"),
        1 => format!("v{a}.{b}.{c}"),
        _ => format!("{a}.{b}.{c}-rc.{}", rng.between(1, 5)),
    }
}

/// A four-part version after a word that marks it as one (`build 4.2.0.17`): not an address.
fn version_quad(rng: &mut Pcg) -> String {
    let word = rng.pick(&[
        "version", "Version", "ver", "v", "release", "Release", "build", "Build",
    ]);
    format!(
        "{word} {}.{}.{}.{}",
        rng.between(1, 12),
        rng.between(0, 9),
        rng.between(0, 9),
        rng.between(1, 250)
    )
}

fn zip(rng: &mut Pcg, lang: Lang) -> String {
    match lang {
        Lang::En if rng.chance(30) => format!(
            "{}{} {}{}{}",
            char::from(rng.pick(b"HKMLTV")),
            rng.between(1, 9),
            char::from(rng.pick(UPPER)),
            rng.between(1, 9),
            char::from(rng.pick(UPPER))
        ),
        Lang::En if rng.chance(40) => {
            format!("{}-{}", rng.between(10000, 99999), rng.between(1000, 9999))
        }
        Lang::Nl => format!(
            "{} {}",
            rng.between(1000, 9999),
            rng.chars_of(b"ABCDEFGHJKLMNPRSTVWXZ", 2)
        ),
        Lang::It => format!("{:05}", rng.between(100, 98100)),
        _ => rng.between(10000, 99999).to_string(),
    }
}

fn ticket(rng: &mut Pcg) -> String {
    match rng.below(4) {
        0 => format!("JIRA-{}", rng.between(100, 9999)),
        1 => format!("OPS-{}", rng.between(10, 999)),
        2 => format!("SUP-{}", rng.between(10000, 99999)),
        _ => format!("#{}", rng.between(100, 9999)),
    }
}

fn order_code(rng: &mut Pcg) -> String {
    let year = rng.between(2019, 2026);
    match rng.below(4) {
        0 => format!("SO-{year}-{:05}", rng.between(1, 99999)),
        1 => format!(
            "ORD-{year}-{}-{}",
            rng.between(100, 999),
            rng.between(10, 99)
        ),
        2 => format!("A-{}-{}", rng.between(1000, 9999), rng.between(10, 99)),
        _ => format!(
            "{year}/{}/{:04}",
            rng.between(100, 999),
            rng.between(1, 9999)
        ),
    }
}

/// NANP-shaped numbers whose exchange (or area code) starts with 0 or 1: not phones.
fn not_phone(rng: &mut Pcg) -> String {
    let bad = format!("{}{}", rng.between(0, 1), rng.digits(2));
    match rng.below(4) {
        0 => "555-123-4567".to_string(),
        1 => format!("({}) {bad}-{}", nanp3(rng), rng.digits(4)),
        2 => format!("{}-{bad}-{}", nanp3(rng), rng.digits(4)),
        _ => format!("{bad}-{}-{}", nanp3(rng), rng.digits(4)),
    }
}

/// `AAA-GG-SSSS` with area 000, 666 or 9xx, group 00 or serial 0000.
fn bad_ssn(rng: &mut Pcg) -> String {
    let (area, group, serial) = match rng.below(5) {
        0 => (0, rng.between(1, 99), rng.between(1, 9999)),
        1 => (666, rng.between(1, 99), rng.between(1, 9999)),
        2 => (
            rng.between(900, 999),
            rng.between(1, 99),
            rng.between(1, 9999),
        ),
        3 => (rng.between(1, 665), 0, rng.between(1, 9999)),
        _ => (rng.between(1, 665), rng.between(1, 99), 0),
    };
    format!("{area:03}-{group:02}-{serial:04}")
}

/// `DDD-DDD-DDD` failing Luhn, or passing it with a first digit 0 or 8.
fn bad_sin(rng: &mut Pcg) -> String {
    let d = loop {
        let d = if rng.chance(60) {
            format!("{}{}", rng.between(1, 7), rng.digits(8))
        } else {
            luhn_complete(&format!("{}{}", rng.pick(&['0', '8']), rng.digits(7)))
        };
        if !sin_ok(&d) {
            break d;
        }
    };
    let sep = if rng.chance(50) { "-" } else { " " };
    format!("{}{sep}{}{sep}{}", &d[..3], &d[3..6], &d[6..])
}

fn masked(rng: &mut Pcg, cat: Cat) -> String {
    let n = rng.between(0, 99);
    match (cat, rng.below(5)) {
        (Cat::Phone, 0) => format!("(***) ***-**{n:02}"),
        (Cat::Phone, 1) => format!("ext. {}", rng.between(10, 999)),
        (Cat::UsSsn, 0) => format!("***-**-{:04}", rng.between(1, 9999)),
        (Cat::UsSsn, 1) => format!("XXX-XX-{:04}", rng.between(1, 9999)),
        (Cat::CaSin, 0) => format!("***-***-{:03}", rng.between(1, 999)),
        (Cat::CaSin, 1) => format!("••• ••• {:03}", rng.between(1, 999)),
        (_, 2) => "[redacted]".to_string(),
        (_, 3) => "n/a".to_string(),
        _ => "—".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Words and phrases (none of these may hold a label; `self_check` makes sure)

const NOTES: [&[&str]; 6] = [
    &[
        "verified by the onboarding team",
        "updated after the call on Monday",
        "see the attached form",
        "moved to the new office",
    ],
    &[
        "vérifié par l'équipe d'accueil",
        "mis à jour après notre échange",
        "voir le formulaire joint",
    ],
    &[
        "vom Onboarding-Team geprüft",
        "nach dem Gespräch aktualisiert",
        "siehe beiliegendes Formular",
    ],
    &[
        "verificado por el equipo de alta",
        "actualizado tras la conversación",
        "ver el formulario adjunto",
    ],
    &[
        "gecontroleerd door het onboardingteam",
        "bijgewerkt na het gesprek",
        "zie het bijgevoegde formulier",
    ],
    &[
        "verificato dal team di accoglienza",
        "aggiornato dopo il colloquio",
        "vedi il modulo allegato",
    ],
];
const CJK_NOTES: &[&str] = &[
    "確認済み",
    "顧客情報は更新されました",
    "已核实",
    "담당자 확인 완료",
];

fn note(rng: &mut Pcg, lang: Lang) -> String {
    if rng.chance(15) {
        rng.pick(CJK_NOTES).to_string()
    } else {
        rng.pick(lang.of(NOTES)).to_string()
    }
}

const INTRO: [&[&str]; 6] = [
    &[
        "Please find the requested details below.",
        "As discussed, here is what we have on file.",
        "Let me know if anything needs to be corrected.",
    ],
    &[
        "Veuillez trouver ci-dessous les informations demandées.",
        "Comme convenu, voici les données de votre dossier.",
        "Merci de vérifier les informations avant signature.",
    ],
    &[
        "Anbei die angeforderten Angaben.",
        "Wie besprochen, hier die Daten aus Ihrer Akte.",
        "Bitte prüfen Sie die Angaben vor der Unterschrift.",
    ],
    &[
        "Adjuntamos los datos solicitados.",
        "Como acordamos, estos son los datos de su expediente.",
        "Por favor, revise la información antes de firmar.",
    ],
    &[
        "Hieronder vindt u de gevraagde gegevens.",
        "Zoals besproken, dit zijn de gegevens uit uw dossier.",
        "Controleer de gegevens vóór ondertekening.",
    ],
    &[
        "Di seguito i dati richiesti.",
        "Come concordato, ecco i dati della sua pratica.",
        "Si prega di verificare i dati prima della firma.",
    ],
];
const HELLO: [&[&str]; 6] = [
    &["Hi {},", "Dear {},", "Hello {},"],
    &["Bonjour {},", "Chère Madame, cher Monsieur,"],
    &["Hallo {},", "Sehr geehrte Damen und Herren,"],
    &["Hola {},", "Estimado/a {}:"],
    &["Beste {},", "Geachte heer, mevrouw,"],
    &["Ciao {},", "Gentile {},"],
];
const CLOSING: [&str; 6] = [
    "Best regards,",
    "Cordialement,",
    "Mit freundlichen Grüßen",
    "Saludos cordiales,",
    "Met vriendelijke groet,",
    "Cordiali saluti,",
];
const SUBJECT: [(&str, &str, &str); 6] = [
    ("From", "To", "Subject"),
    ("De", "À", "Objet"),
    ("Von", "An", "Betreff"),
    ("De", "Para", "Asunto"),
    ("Van", "Aan", "Onderwerp"),
    ("Da", "A", "Oggetto"),
];
const SUBJECTS: [&[&str]; 6] = [
    &[
        "Updated contact details",
        "Onboarding documents",
        "Payroll setup",
    ],
    &[
        "Mise à jour de vos coordonnées",
        "Dossier d'embauche",
        "Paie",
    ],
    &[
        "Aktualisierte Kontaktdaten",
        "Unterlagen zur Einstellung",
        "Lohnabrechnung",
    ],
    &[
        "Datos de contacto actualizados",
        "Documentación de alta",
        "Nómina",
    ],
    &[
        "Gewijzigde contactgegevens",
        "Documenten indiensttreding",
        "Salarisadministratie",
    ],
    &[
        "Dati di contatto aggiornati",
        "Documenti di assunzione",
        "Busta paga",
    ],
];
/// A labelled value in running text: `{L}` the label, `{V}` the value.
const LABEL_LINES: [&[&str]; 6] = [
    &[
        "{L}: {V}",
        "{L} {V}",
        "{L}:\n{V}",
        "- {L}: {V}",
        "Please update my {L} to {V}.",
        "New {L}: {V} (from today)",
    ],
    &[
        "{L} : {V}",
        "{L} :\n{V}",
        "- {L} : {V}",
        "Pour mémoire, {L} : {V}.",
    ],
    &[
        "{L}: {V}",
        "{L}:\n{V}",
        "- {L}: {V}",
        "Zur Info – {L}: {V}.",
    ],
    &[
        "{L}: {V}",
        "{L}:\n{V}",
        "- {L}: {V}",
        "Para su registro, {L}: {V}.",
    ],
    &["{L}: {V}", "{L}:\n{V}", "- {L}: {V}", "Ter info, {L}: {V}."],
    &[
        "{L}: {V}",
        "{L}:\n{V}",
        "- {L}: {V}",
        "Per vostra informazione, {L}: {V}.",
    ],
];
/// A sentence with a bare number `{N}` that nothing labels, and a date `{D}`.
const ORDER_LINES: [&[&str]; 6] = [
    &[
        "Order {N} shipped on {D}.",
        "Invoice {N} is due on {D}.",
        "Batch {N} finished without errors on {D}.",
        "Tracking {N} was handed to the courier on {D}.",
        "Employee ID {N} was archived on {D}.",
    ],
    &[
        "La commande {N} a été expédiée le {D}.",
        "La facture {N} est à régler avant le {D}.",
        "Le lot {N} s'est terminé le {D}.",
        "Colis {N} remis au transporteur le {D}.",
    ],
    &[
        "Bestellung {N} wurde am {D} versandt.",
        "Rechnung {N} ist bis zum {D} fällig.",
        "Sendung {N} wurde am {D} übergeben.",
        "Kundennummer {N} bleibt seit {D} unverändert.",
    ],
    &[
        "El pedido {N} se envió el {D}.",
        "La factura {N} vence el {D}.",
        "Lote {N} completado el {D}.",
        "Número de seguimiento {N}, entregado el {D}.",
    ],
    &[
        "Bestelling {N} is verzonden op {D}.",
        "Factuurnummer {N} vervalt op {D}.",
        "Klantnummer {N} is sinds {D} ongewijzigd.",
        "Zending {N} is op {D} afgeleverd.",
    ],
    &[
        "L'ordine {N} è stato spedito il {D}.",
        "La fattura {N} scade il {D}.",
        "Lotto {N} completato il {D}.",
        "Codice cliente {N} invariato dal {D}.",
    ],
];
/// Label words near numbers they do not label: substrings of longer words.
const LOOKALIKE_LINES: &[&str] = &[
    "Hotel Bellevue, reservation {N} confirmed.",
    "Casino loyalty member {N} redeemed points.",
    "Business account {N} was reopened.",
    "Telemetry batch {N} uploaded.",
    "Television licence {N} renewed.",
    "Single room, booking {N}.",
    "Telefonica invoice {N} paid.",
    "Facture Telefonica n° {N} réglée.",
    "Hotelreservierung {N} bestätigt.",
    "Casino de Madrid, socio {N}.",
    "Telemetrie-Upload {N} abgeschlossen.",
    "Businessclass boeking {N} bevestigd.",
    "Camera singola, prenotazione {N}.",
    "Telefonica España, contrato {N}.",
    "Hotelkamer {N} gereserveerd.",
    "Televisione, abbonamento {N}.",
    "Basingstoke depot, consignment {N}.",
    "Nashville office, ticket {N}.",
];
/// Sentences that name a label but give no value.
const MENTIONS: [&[&str]; 6] = [
    &[
        "We have updated your phone number in our records.",
        "Your social insurance number is no longer required.",
        "The SSN field stays empty until the form is signed.",
    ],
    &[
        "Nous avons bien reçu votre numéro de téléphone.",
        "Le NAS n'est plus demandé pour ce dossier.",
    ],
    &[
        "Ihre Telefonnummer wurde aktualisiert.",
        "Die kanadische Sozialversicherungsnummer wird nicht mehr benötigt.",
    ],
    &[
        "Hemos actualizado su número de teléfono.",
        "Ya no necesitamos el SSN.",
    ],
    &[
        "Uw telefoonnummer is bijgewerkt.",
        "Het SIN is niet meer nodig.",
    ],
    &[
        "Abbiamo aggiornato il numero di telefono.",
        "Il SIN non è più richiesto.",
    ],
];
const FIELD_VALUE: [(&str, &str); 6] = [
    ("Field", "Value"),
    ("Champ", "Valeur"),
    ("Feld", "Wert"),
    ("Campo", "Valor"),
    ("Veld", "Waarde"),
    ("Campo", "Valore"),
];
const HEADINGS: [[&str; 6]; 6] = [
    // contact, identity, payment, access, orders, notes
    [
        "Contact", "Identity", "Payment", "Access", "Orders", "Notes",
    ],
    [
        "Coordonnées",
        "Identité",
        "Paiement",
        "Accès",
        "Commandes",
        "Remarques",
    ],
    [
        "Kontakt",
        "Identität",
        "Zahlung",
        "Zugang",
        "Bestellungen",
        "Notizen",
    ],
    [
        "Contacto",
        "Identidad",
        "Pago",
        "Acceso",
        "Pedidos",
        "Notas",
    ],
    [
        "Contact",
        "Identiteit",
        "Betaling",
        "Toegang",
        "Bestellingen",
        "Notities",
    ],
    [
        "Contatti",
        "Identità",
        "Pagamento",
        "Accesso",
        "Ordini",
        "Note",
    ],
];
const GROUPS: [&[&str]; 6] = [
    &["customer", "employee", "contact", "profile", "billing"],
    &["client", "salarié", "coordonnées", "profil"],
    &["Kunde", "Mitarbeiter", "Kontakt", "Profil"],
    &["cliente", "empleado", "contacto", "perfil"],
    &["klant", "medewerker", "contact", "profiel"],
    &["cliente", "dipendente", "contatto", "profilo"],
];

// Keys that are not labels, per language.
type Keys = [&'static [&'static str]; 6];

const K_NAME: Keys = [
    &["name", "full name"],
    &["nom", "nom complet"],
    &["Name", "Vollständiger Name"],
    &["nombre", "nombre completo"],
    &["naam", "volledige naam"],
    &["nome", "nome completo"],
];
const K_EMAIL: Keys = [
    &["email", "e-mail", "email address"],
    &["courriel", "adresse e-mail"],
    &["E-Mail", "E-Mail-Adresse"],
    &["correo", "correo electrónico"],
    &["e-mail", "e-mailadres"],
    &["email", "posta elettronica"],
];
/// Keys for bare numbers that are not phones, SSNs or SINs.
const K_NUMBER: Keys = [
    &[
        "order id",
        "invoice",
        "account",
        "batch",
        "tracking",
        "employee id",
        "customer number",
        "reference",
        "case id",
        "member id",
    ],
    &[
        "numéro de commande",
        "n° de facture",
        "référence",
        "numéro client",
        "lot",
        "numero de suivi",
    ],
    &[
        "Bestellnummer",
        "Rechnungsnummer",
        "Kundennummer",
        "Auftragsnummer",
        "Sendungsnummer",
        "Personalnummer",
    ],
    &[
        "pedido",
        "número de pedido",
        "factura",
        "referencia",
        "número de cliente",
        "lote",
    ],
    &[
        "factuurnummer",
        "ordernummer",
        "klantnummer",
        "referentie",
        "zendingnummer",
        "batch",
    ],
    &[
        "ordine",
        "numero ordine",
        "numero fattura",
        "codice cliente",
        "riferimento",
        "lotto",
    ],
];
const K_CITY: Keys = [
    &["city"],
    &["ville"],
    &["Stadt", "Ort"],
    &["ciudad"],
    &["stad", "woonplaats"],
    &["città"],
];
const K_DATE: Keys = [
    &["date", "start date"],
    &["date", "date d'entrée"],
    &["Datum", "Eintrittsdatum"],
    &["fecha", "fecha de alta"],
    &["datum", "startdatum"],
    &["data", "data di assunzione"],
];
const K_STAMP: Keys = [
    &["created at", "updated at", "timestamp"],
    &["créé le", "horodatage"],
    &["erstellt am", "Zeitstempel"],
    &["creado", "marca de tiempo"],
    &["aangemaakt", "tijdstempel"],
    &["creato il", "timestamp"],
];
const K_AMOUNT: Keys = [
    &["amount", "total"],
    &["montant", "total"],
    &["Betrag", "Summe"],
    &["importe", "total"],
    &["bedrag", "totaal"],
    &["importo", "totale"],
];
const K_STATUS: Keys = [
    &["status"],
    &["statut"],
    &["Status"],
    &["estado"],
    &["status"],
    &["stato"],
];
const K_CARD: Keys = [
    &["card number", "credit card", "card"],
    &["numéro de carte", "carte bancaire"],
    &["Kartennummer", "Kreditkarte"],
    &["número de tarjeta", "tarjeta"],
    &["kaartnummer", "creditcard"],
    &["numero carta", "carta di credito"],
];
const K_IBAN: Keys = [
    &["IBAN", "bank account"],
    &["IBAN", "compte bancaire"],
    &["IBAN", "Bankverbindung"],
    &["IBAN", "cuenta bancaria"],
    &["IBAN", "rekeningnummer"],
    &["IBAN", "conto corrente"],
];
const K_IP: Keys = [
    &["ip address", "client ip", "remote addr", "last login ip"],
    &["adresse IP", "IP de connexion"],
    &["IP-Adresse", "letzte IP"],
    &["dirección IP", "IP de acceso"],
    &["IP-adres", "laatste IP"],
    &["indirizzo IP", "IP di accesso"],
];
const K_TOKEN: Keys = [&["github token", "api token", "deploy token"]; 6];
const K_KEY_ID: Keys = [&["aws access key id", "access key id"]; 6];
const K_ID: Keys = [&["id", "request id", "uuid"]; 6];
const K_NOTE: Keys = [
    &["notes", "comment"],
    &["remarque"],
    &["Bemerkung"],
    &["nota", "observaciones"],
    &["opmerking"],
    &["note"],
];
const K_ZIP: Keys = [
    &["zip", "postal code"],
    &["code postal"],
    &["PLZ", "Postleitzahl"],
    &["código postal"],
    &["postcode"],
    &["CAP"],
];
const K_VERSION: Keys = [
    &["version", "app version"],
    &["version"],
    &["Version"],
    &["versión"],
    &["versie"],
    &["versione"],
];
const K_TICKET: Keys = [
    &["ticket"],
    &["ticket"],
    &["Ticket", "Vorgang"],
    &["incidencia"],
    &["ticket"],
    &["segnalazione"],
];
const K_REF: Keys = [
    &["ref", "file number"],
    &["référence dossier"],
    &["Aktenzeichen"],
    &["expediente"],
    &["dossiernummer"],
    &["pratica"],
];
const K_SHA: Keys = [&["commit", "revision"]; 6];
const K_BLOB: Keys = [&["signature", "nonce", "checksum", "page token", "cursor"]; 6];

fn plain_key(rng: &mut Pcg, keys: Keys, lang: Lang, need: Need) -> &'static str {
    let choices: Vec<&'static str> = lang
        .of(keys)
        .iter()
        .copied()
        .filter(|k| need != Need::Ascii || k.is_ascii())
        .collect();
    if choices.is_empty() {
        return rng.pick(keys[0]);
    }
    rng.pick(&choices)
}

// ---------------------------------------------------------------------------------------------
// Key styles

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    AsIs,
    Lower,
    Title,
    Snake,
    Scream,
    Camel,
    Pascal,
    Kebab,
    TitleKebab,
    Dotted,
}

const HEADER_STYLES: &[Style] = &[
    Style::AsIs,
    Style::AsIs,
    Style::AsIs,
    Style::Lower,
    Style::Title,
    Style::Snake,
    Style::Scream,
    Style::Camel,
    Style::TitleKebab,
];
const KEY_STYLES: &[Style] = &[
    Style::Snake,
    Style::Snake,
    Style::Camel,
    Style::Camel,
    Style::Pascal,
    Style::Scream,
    Style::Kebab,
    Style::Dotted,
    Style::AsIs,
];

/// `Word` (or the word as it stands when it is an acronym).
fn capitalised(word: &str) -> String {
    if word.len() <= 4 && word.chars().all(|c| c.is_uppercase()) {
        return word.to_string();
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// The first letter in upper case, the rest as it stands.
fn sentence_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `phrase` written as a key in `style`, from its words (any character that is not a letter or
/// digit separates them: `numéro d'assurance sociale` gives `numéro_d_assurance_sociale`). A
/// phrase that is not [`KEY`]-able stays as it is; one with a one-letter word is not camelCased
/// (`numéroDAssuranceSociale` would not split back into the same words).
fn styled(phrase: &str, keyable: bool, style: Style) -> String {
    if !keyable || style == Style::AsIs {
        return phrase.to_string();
    }
    let words: Vec<&str> = phrase
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let one_letter = words.len() > 1 && words.iter().any(|w| w.chars().count() == 1);
    let style = match style {
        Style::Camel | Style::Pascal if one_letter => Style::Snake,
        other => other,
    };
    match style {
        Style::Lower => lower.join(" "),
        Style::Title => words
            .iter()
            .map(|w| capitalised(w))
            .collect::<Vec<_>>()
            .join(" "),
        Style::Snake => lower.join("_"),
        Style::Scream => lower.join("_").to_uppercase(),
        Style::Camel => {
            let mut out = lower.first().cloned().unwrap_or_default();
            for w in words.iter().skip(1) {
                out.push_str(&capitalised(&w.to_lowercase()));
            }
            out
        }
        Style::Pascal => words
            .iter()
            .map(|w| capitalised(&w.to_lowercase()))
            .collect(),
        Style::Kebab => lower.join("-"),
        Style::TitleKebab => words
            .iter()
            .map(|w| capitalised(w))
            .collect::<Vec<_>>()
            .join("-"),
        Style::Dotted => lower.join("."),
        Style::AsIs => phrase.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Documents

/// One document and its labelled spans.
#[derive(Default)]
struct Doc {
    text: String,
    spans: Vec<(usize, usize, Cat)>,
}

impl Doc {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn newline(&mut self) {
        self.text.push('\n');
    }

    /// Writes `v`, recording its span when it is sensitive.
    fn put(&mut self, v: &Val) {
        let start = self.text.len();
        self.text.push_str(&v.text);
        if let Some(cat) = v.cat {
            self.spans.push((start, self.text.len(), cat));
        }
    }

    /// Writes `v` escaped as inside a JSON string; the span covers the escaped text.
    fn put_json(&mut self, v: &Val) {
        let start = self.text.len();
        self.text.push_str(&json_escape(&v.text));
        if let Some(cat) = v.cat {
            self.spans.push((start, self.text.len(), cat));
        }
    }

    /// The end of the current paragraph (after the last blank line or markdown heading), at most
    /// `window` bytes.
    fn paragraph_tail(&self, window: usize) -> &str {
        let mut start = self.text.rfind("\n\n").map_or(0, |p| p + 2);
        let mut line_start = start;
        for line in self.text[start..].split_inclusive('\n') {
            if line.starts_with('#') && line.ends_with('\n') {
                start = line_start + line.len();
            }
            line_start += line.len();
        }
        let mut from = self.text.len().saturating_sub(window).max(start);
        while !self.text.is_char_boundary(from) {
            from += 1;
        }
        &self.text[from..]
    }

    /// Ends the paragraph (a blank line) when a label of `cats` is close enough to reach a value
    /// written next in running text.
    fn clear_of(&mut self, cats: &[Cat]) {
        if has_label(self.paragraph_tail(CLEAR_WINDOW), cats) {
            if !self.text.ends_with('\n') {
                self.newline();
            }
            self.newline();
        }
    }

    /// Before a bare look-alike in running text.
    fn clear(&mut self) {
        self.clear_of(&NUMBER_LABELS);
    }

    /// Before a labelled value in running text: keeps the other nine-digit label away.
    fn clear_rival(&mut self, kind: Kind) {
        match kind {
            Kind::SsnBare(_) => self.clear_of(&[Cat::CaSin]),
            Kind::SinBare(_) => self.clear_of(&[Cat::UsSsn]),
            _ => {}
        }
    }

    /// `template` with `{L}` the label and `{V}` the value, the label starting at most
    /// [`LABEL_REACH`] bytes before the value.
    fn labelled(&mut self, template: &str, label: &str, v: &Val) {
        let (head, rest) = template.split_once("{L}").unwrap_or(("", "{L}: {V}"));
        let (mid, tail) = rest.split_once("{V}").unwrap_or((": ", ""));
        self.push(head);
        let label_start = self.text.len();
        if head.is_empty() || head.ends_with('\n') {
            self.push(&sentence_case(label));
        } else {
            self.push(label);
        }
        self.push(mid);
        assert!(
            self.text.len() - label_start <= LABEL_REACH,
            "label too far from its value: {label:?}{mid:?}"
        );
        self.put(v);
        self.push(tail);
    }

    /// Checks spans (order, overlap, char boundaries) and that each value stands apart from the
    /// text around it, and that no obvious value was left unlabelled.
    fn check(&self) {
        let mut last_end = 0;
        let mut outside = String::new();
        for &(start, end, cat) in &self.spans {
            let text = &self.text;
            assert!(
                start >= last_end && start < end && end <= text.len(),
                "bad span order in {text:?}"
            );
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
            outside.push_str(&text[last_end..start]);
            outside.push('\u{0}');
            let value = &text[start..end];
            if let Some(b) = text[..start].chars().next_back() {
                assert!(
                    !b.is_alphanumeric() && !"+-.@_".contains(b),
                    "{value:?} glued to {b:?} in {text:?}"
                );
            }
            let mut after = text[end..].chars();
            let (a1, a2) = (after.next(), after.next());
            let glued = match a1 {
                Some(c) if c.is_alphanumeric() || "@_+-".contains(c) => true,
                Some('.') => a2.is_some_and(char::is_alphanumeric),
                Some(' ') => a2.is_some_and(|c| c.is_ascii_digit()),
                Some(':') => cat == Cat::IpAddress && value.contains(':'),
                _ => false,
            };
            assert!(!glued, "{value:?} glued to what follows in {text:?}");
            last_end = end;
        }
        outside.push_str(&self.text[last_end..]);
        for needle in ["@example", "PRIVATE KEY"] {
            assert!(
                !outside.contains(needle),
                "unlabelled {needle:?} in {:?}",
                self.text
            );
        }
        // Token prefixes followed by a full-length token.
        for (prefix, len) in [("AKIA", 16), ("ghp_", 36)] {
            for (i, _) in outside.match_indices(prefix) {
                let run = outside[i + prefix.len()..]
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .count();
                assert!(run != len, "unlabelled {prefix} token in {:?}", self.text);
            }
        }
    }
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Fields of a record

/// One field: its key (a label or a plain key) and the kind of value under it.
#[derive(Clone, Copy)]
struct Field {
    key: &'static str,
    keyable: bool,
    kind: Kind,
}

impl Field {
    fn plain(key: &'static str, kind: Kind) -> Self {
        Self {
            key,
            keyable: true,
            kind,
        }
    }

    fn label(label: &'static Label, kind: Kind) -> Self {
        Self {
            key: label.text,
            keyable: label.keyable(),
            kind,
        }
    }
}

/// Labels of structured keys are in English a third of the time, as often in real exports.
fn key_lang(rng: &mut Pcg, lang: Lang) -> Lang {
    if rng.chance(33) { Lang::En } else { lang }
}

fn sensitive_field(rng: &mut Pcg, cat: Cat, lang: Lang, need: Need) -> Field {
    let klang = key_lang(rng, lang);
    match cat {
        Cat::Email => Field::plain(plain_key(rng, K_EMAIL, lang, need), Kind::Email),
        Cat::Phone => {
            let kind = match rng.below(20) {
                0..=9 => Kind::PhoneBare,
                10..=16 => Kind::PhoneFmt,
                _ => Kind::PhoneIntl,
            };
            Field::label(pick_label(rng, Cat::Phone, klang, need), kind)
        }
        Cat::UsSsn => {
            let label = pick_label(rng, Cat::UsSsn, klang, need);
            let kind = if rng.chance(65) {
                Kind::SsnBare(label.alone())
            } else {
                Kind::SsnFmt
            };
            Field::label(label, kind)
        }
        Cat::CaSin => {
            let label = pick_label(rng, Cat::CaSin, klang, need);
            let kind = if rng.chance(65) {
                Kind::SinBare(label.alone())
            } else {
                Kind::SinFmt
            };
            Field::label(label, kind)
        }
        Cat::CreditCard => Field::plain(plain_key(rng, K_CARD, lang, need), Kind::Card),
        Cat::Iban => Field::plain(plain_key(rng, K_IBAN, lang, need), Kind::Iban),
        Cat::IpAddress => {
            let kind = if rng.chance(60) { Kind::Ip4 } else { Kind::Ip6 };
            Field::plain(plain_key(rng, K_IP, lang, need), kind)
        }
        Cat::Secret => {
            if rng.chance(55) {
                Field::plain(plain_key(rng, K_TOKEN, lang, need), Kind::GhToken)
            } else {
                Field::plain(plain_key(rng, K_KEY_ID, lang, need), Kind::AwsKeyId)
            }
        }
    }
}

fn decoy_field(rng: &mut Pcg, lang: Lang, need: Need) -> Field {
    let (keys, kind) = match rng.below(24) {
        0..=4 => (K_NUMBER, Kind::Nine),
        5 | 6 => (K_NUMBER, Kind::Ten),
        7 => (K_NUMBER, Kind::Eleven),
        8 => (K_DATE, Kind::Date),
        9 => (K_STAMP, Kind::Stamp),
        10 => (K_AMOUNT, Kind::Amount),
        11 => (K_STATUS, Kind::Status),
        12 => (K_ID, Kind::Uuid),
        13 => (K_ZIP, Kind::Zip),
        14 => (K_TICKET, Kind::Ticket),
        15 => (K_REF, Kind::OrderCode),
        16 => (K_CARD, Kind::BadCard),
        17 => (K_IBAN, Kind::BadIban),
        18 => (
            K_REF,
            rng.pick(&[Kind::BadSsn, Kind::BadSin, Kind::NotPhone]),
        ),
        19 => (K_VERSION, Kind::Version),
        20 => (K_STAMP, Kind::Epoch),
        21 => (K_NOTE, Kind::Note),
        22 => (K_SHA, Kind::Sha),
        _ => (K_CITY, Kind::City),
    };
    Field::plain(plain_key(rng, keys, lang, need), kind)
}

/// A label key whose value is masked, empty or missing.
fn masked_field(rng: &mut Pcg, lang: Lang, need: Need) -> Field {
    let cat = rng.pick(&NUMBER_LABELS);
    let klang = key_lang(rng, lang);
    Field::label(pick_label(rng, cat, klang, need), Kind::Masked(cat))
}

/// Categories drawn for a positive record, bare-number categories more often.
const CATEGORY_DRAW: &[Cat] = &[
    Cat::Phone,
    Cat::Phone,
    Cat::Phone,
    Cat::UsSsn,
    Cat::UsSsn,
    Cat::UsSsn,
    Cat::CaSin,
    Cat::CaSin,
    Cat::CaSin,
    Cat::Email,
    Cat::Email,
    Cat::CreditCard,
    Cat::CreditCard,
    Cat::Iban,
    Cat::Iban,
    Cat::IpAddress,
    Cat::IpAddress,
    Cat::Secret,
];

fn draw_categories(rng: &mut Pcg, n: usize) -> Vec<Cat> {
    let mut cats = Vec::new();
    while cats.len() < n {
        let cat = rng.pick(CATEGORY_DRAW);
        if !cats.contains(&cat) {
            cats.push(cat);
        }
    }
    cats
}

/// A name, then sensitive fields (positive) or a masked label field (sometimes, decoy), and
/// look-alike fields, in random order.
fn record_fields(rng: &mut Pcg, lang: Lang, need: Need, positive: bool) -> Vec<Field> {
    let mut fields = Vec::new();
    if positive {
        let n = rng.between(2, 4) as usize;
        for cat in draw_categories(rng, n) {
            fields.push(sensitive_field(rng, cat, lang, need));
        }
        for _ in 0..rng.between(1, 2) {
            fields.push(decoy_field(rng, lang, need));
        }
        if rng.chance(20) {
            fields.push(masked_field(rng, lang, need));
        }
    } else {
        if rng.chance(45) {
            fields.push(masked_field(rng, lang, need));
        }
        for _ in 0..rng.between(3, 5) {
            fields.push(decoy_field(rng, lang, need));
        }
    }
    // One field per key (a second `Stadt` column would be odd, a second JSON key invalid).
    let mut seen = Vec::new();
    fields.retain(|f| {
        let key = words_of(f.key);
        let fresh = !seen.contains(&key);
        seen.push(key);
        fresh
    });
    rng.shuffle(&mut fields);
    fields.insert(
        0,
        Field::plain(plain_key(rng, K_NAME, lang, need), Kind::Name),
    );
    fields
}

// ---------------------------------------------------------------------------------------------
// Tables: CSV, TSV, markdown

fn table_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let fields = record_fields(rng, lang, Need::Any, positive);
    let style = rng.pick(HEADER_STYLES);
    let heads: Vec<String> = fields
        .iter()
        .map(|f| styled(f.key, f.keyable, style))
        .collect();
    let rows: Vec<Vec<Val>> = (0..rng.between(2, 5))
        .map(|_| fields.iter().map(|f| make(rng, f.kind, lang)).collect())
        .collect();
    let mut doc = Doc::default();
    match rng.below(5) {
        0 | 1 => {
            let delim = if lang != Lang::En && rng.chance(50) {
                ';'
            } else {
                ','
            };
            write_delimited(rng, &mut doc, &heads, &rows, delim);
        }
        2 => write_delimited(rng, &mut doc, &heads, &rows, '\t'),
        _ => write_markdown_table(rng, &mut doc, lang, &heads, &rows),
    }
    doc
}

fn write_delimited(rng: &mut Pcg, doc: &mut Doc, heads: &[String], rows: &[Vec<Val>], delim: char) {
    let quote_all = delim != '\t' && rng.chance(25);
    let sep = delim.to_string();
    for (k, h) in heads.iter().enumerate() {
        if k > 0 {
            doc.push(&sep);
        }
        let quoted = quote_all || h.contains(delim);
        if quoted {
            doc.push("\"");
        }
        doc.push(h);
        if quoted {
            doc.push("\"");
        }
    }
    doc.newline();
    for row in rows {
        for (k, v) in row.iter().enumerate() {
            if k > 0 {
                doc.push(&sep);
            }
            let quoted = delim != '\t' && (quote_all || v.text.contains(delim));
            if quoted {
                doc.push("\"");
            }
            doc.put(v);
            if quoted {
                doc.push("\"");
            }
        }
        doc.newline();
    }
}

fn write_markdown_table(
    rng: &mut Pcg,
    doc: &mut Doc,
    lang: Lang,
    heads: &[String],
    rows: &[Vec<Val>],
) {
    if rng.chance(40) {
        let title = lang.of(GROUPS)[0];
        let _ = write!(doc.text, "### {}\n\n", capitalised(title));
    }
    doc.push("|");
    for h in heads {
        doc.push(" ");
        doc.push(h);
        doc.push(" |");
    }
    doc.newline();
    let rule = rng.pick(&["---", " --- ", ":---", " :--- ", "-----"]);
    doc.push("|");
    for _ in heads {
        doc.push(rule);
        doc.push("|");
    }
    doc.newline();
    for row in rows {
        doc.push("|");
        for v in row {
            doc.push(" ");
            doc.put(v);
            doc.push(" |");
        }
        doc.newline();
    }
}

/// A two-column key/value table: the label is the first cell of the value's row.
fn kv_table_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let mut fields = record_fields(rng, lang, Need::Any, positive);
    if positive && rng.chance(50) {
        let extra = draw_categories(rng, 1);
        for cat in extra {
            let field = sensitive_field(rng, cat, lang, Need::Any);
            if fields
                .iter()
                .all(|f| words_of(f.key) != words_of(field.key))
            {
                fields.push(field);
            }
        }
    }
    let style = rng.pick(&[Style::AsIs, Style::AsIs, Style::Title, Style::Lower]);
    let (field, value) = lang.of(FIELD_VALUE);
    let mut doc = Doc::default();
    if rng.chance(50) {
        let _ = write!(
            doc.text,
            "**{}**\n\n",
            capitalised(rng.pick(lang.of(GROUPS)))
        );
    }
    let _ = writeln!(doc.text, "| {field} | {value} |");
    doc.push(rng.pick(&["|---|---|\n", "| --- | --- |\n", "|:--|:--|\n"]));
    for f in &fields {
        let v = make(rng, f.kind, lang);
        let _ = write!(doc.text, "| {} | ", styled(f.key, f.keyable, style));
        doc.put(&v);
        doc.push(" |\n");
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// JSON and YAML

enum J {
    Obj(Vec<(String, J)>),
    Arr(Vec<J>),
    Str(Val),
    Num(Val),
    Lit(&'static str),
}

/// Keys whose words include a label but which name something else; their values are not numbers
/// of that kind, and the value after them is decided by its own key.
const RIVAL_KEYS: &[(&str, &str)] = &[
    ("ssn_verified", "true"),
    ("phoneVerified", "false"),
    ("has_sin", "true"),
    ("sinOnFile", "false"),
    ("phone_count", "2"),
    ("telefon_bestaetigt", "true"),
    ("nas_fourni", "false"),
    ("telefono_verificato", "true"),
    ("mobile_opt_in", "false"),
    ("ssn_last_checked", "null"),
];

fn value_node(rng: &mut Pcg, v: Val) -> J {
    if v.number && rng.chance(35) {
        J::Num(v)
    } else {
        J::Str(v)
    }
}

fn record_object(rng: &mut Pcg, lang: Lang, fields: &[Field], style: Style) -> Vec<(String, J)> {
    let mut items = Vec::new();
    for f in fields {
        let v = make(rng, f.kind, lang);
        if v.cat.is_none() && v.number && rng.chance(45) {
            let (key, lit) = rng.pick(RIVAL_KEYS);
            items.push((key.to_string(), J::Lit(lit)));
        }
        items.push((styled(f.key, f.keyable, style), value_node(rng, v)));
    }
    items
}

fn tree(rng: &mut Pcg, lang: Lang, positive: bool, need: Need) -> J {
    let style = if need == Need::Any {
        rng.pick(&[Style::AsIs, Style::Lower])
    } else {
        rng.pick(KEY_STYLES)
    };
    let group = |rng: &mut Pcg| styled(rng.pick(lang.of(GROUPS)), true, style);
    if rng.chance(30) {
        let records = (0..rng.between(2, 3))
            .map(|_| {
                let fields = record_fields(rng, lang, need, positive);
                J::Obj(record_object(rng, lang, &fields, style))
            })
            .collect();
        let mut top = vec![(format!("{}s", group(rng)), J::Arr(records))];
        if rng.chance(50) {
            top.push((
                styled("generated at", true, style),
                J::Str(make(rng, Kind::Stamp, lang)),
            ));
        }
        return J::Obj(top);
    }
    let fields = record_fields(rng, lang, need, positive);
    let mut top = Vec::new();
    if rng.chance(50) {
        top.push(("id".to_string(), J::Str(make(rng, Kind::Uuid, lang))));
    }
    let items = record_object(rng, lang, &fields, style);
    if rng.chance(50) {
        top.extend(items);
    } else {
        // Split the record over nested objects.
        let cut = rng.between(1, items.len() as u32) as usize;
        let mut items = items;
        let rest = items.split_off(cut);
        top.push((group(rng), J::Obj(items)));
        if !rest.is_empty() {
            top.push((group(rng), J::Obj(rest)));
        }
    }
    if rng.chance(50) {
        let orders = (0..rng.between(1, 2))
            .map(|_| {
                let key = styled(plain_key(rng, K_NUMBER, lang, need), true, style);
                let num = {
                    let kind = rng.pick(&[Kind::Nine, Kind::Ten]);
                    make(rng, kind, lang)
                };
                let amount_key = styled(plain_key(rng, K_AMOUNT, lang, need), true, style);
                J::Obj(vec![
                    (key, value_node(rng, num)),
                    (amount_key, J::Str(make(rng, Kind::Amount, lang))),
                ])
            })
            .collect();
        top.push((styled("orders", true, style), J::Arr(orders)));
    }
    if rng.chance(40) {
        top.push((
            "meta".to_string(),
            J::Obj(vec![
                (
                    styled("created at", true, style),
                    J::Str(make(rng, Kind::Stamp, lang)),
                ),
                (
                    "version".to_string(),
                    J::Str(make(rng, Kind::Version, lang)),
                ),
            ]),
        ));
    }
    J::Obj(top)
}

fn json_out(doc: &mut Doc, j: &J, indent: Option<usize>, depth: usize) {
    let pad = |doc: &mut Doc, depth: usize| {
        if let Some(width) = indent {
            doc.newline();
            doc.push(&" ".repeat(width * depth));
        }
    };
    match j {
        J::Obj(items) => {
            doc.push("{");
            for (k, (key, value)) in items.iter().enumerate() {
                if k > 0 {
                    doc.push(",");
                }
                pad(doc, depth + 1);
                let _ = write!(doc.text, "\"{}\":", json_escape(key));
                if indent.is_some() {
                    doc.push(" ");
                }
                json_out(doc, value, indent, depth + 1);
            }
            if !items.is_empty() {
                pad(doc, depth);
            }
            doc.push("}");
        }
        J::Arr(items) => {
            doc.push("[");
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    doc.push(",");
                }
                pad(doc, depth + 1);
                json_out(doc, item, indent, depth + 1);
            }
            if !items.is_empty() {
                pad(doc, depth);
            }
            doc.push("]");
        }
        J::Str(v) => {
            doc.push("\"");
            doc.put_json(v);
            doc.push("\"");
        }
        J::Num(v) => doc.put(v),
        J::Lit(s) => doc.push(s),
    }
}

fn json_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let need = if rng.chance(75) { Need::Key } else { Need::Any };
    let j = tree(rng, lang, positive, need);
    let mut doc = Doc::default();
    let indent = rng.pick(&[Some(2), Some(2), Some(4), None]);
    json_out(&mut doc, &j, indent, 0);
    if indent.is_some() {
        doc.newline();
    }
    doc
}

fn yaml_scalar(rng: &mut Pcg, doc: &mut Doc, v: &Val, depth: usize) {
    if v.text.contains('\n') {
        // A block scalar: the span runs over the indented lines.
        doc.push("|");
        let pad = "  ".repeat(depth + 1);
        let mut start = None;
        for line in v.text.lines() {
            doc.newline();
            doc.push(&pad);
            start.get_or_insert(doc.text.len());
            doc.push(line);
        }
        if let (Some(start), Some(cat)) = (start, v.cat) {
            doc.spans.push((start, doc.text.len(), cat));
        }
        return;
    }
    let must_quote = v.text.is_empty()
        || v.text
            .starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        || v.text.contains(": ")
        || v.text.contains(" #");
    if must_quote || rng.chance(25) {
        let q = if rng.chance(70) { "\"" } else { "'" };
        doc.push(q);
        doc.put(v);
        doc.push(q);
    } else {
        doc.put(v);
    }
}

/// `items` as a YAML mapping at `depth`; the first key follows `first` (for `- ` list items).
fn yaml_map(rng: &mut Pcg, doc: &mut Doc, items: &[(String, J)], depth: usize, first: &str) {
    for (k, (key, value)) in items.iter().enumerate() {
        if k == 0 && !first.is_empty() {
            doc.push(first);
        } else {
            doc.push(&"  ".repeat(depth));
        }
        doc.push(key);
        doc.push(":");
        match value {
            J::Obj(inner) => {
                doc.newline();
                yaml_map(rng, doc, inner, depth + 1, "");
            }
            J::Arr(list) => {
                doc.newline();
                for item in list {
                    let dash = format!("{}- ", "  ".repeat(depth + 1));
                    match item {
                        J::Obj(inner) => yaml_map(rng, doc, inner, depth + 2, &dash),
                        J::Str(v) | J::Num(v) => {
                            doc.push(&dash);
                            doc.put(v);
                            doc.newline();
                        }
                        J::Arr(_) | J::Lit(_) => {}
                    }
                }
            }
            J::Str(v) => {
                doc.push(" ");
                yaml_scalar(rng, doc, v, depth);
                doc.newline();
            }
            J::Num(v) => {
                doc.push(" ");
                doc.put(v);
                doc.newline();
            }
            J::Lit(s) => {
                let _ = writeln!(doc.text, " {}", if *s == "null" { "~" } else { s });
            }
        }
    }
}

fn yaml_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let need = if rng.chance(60) { Need::Key } else { Need::Any };
    let j = tree(rng, lang, positive, need);
    let mut doc = Doc::default();
    if rng.chance(40) {
        doc.push(rng.pick(&["---\n", "# export\n", "# synced nightly\n"]));
    }
    if let J::Obj(items) = &j {
        yaml_map(rng, &mut doc, items, 0, "");
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// .env and .properties

fn env_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let fields = record_fields(rng, lang, Need::Ascii, positive);
    let properties = rng.chance(45);
    let style = if properties {
        rng.pick(&[Style::Dotted, Style::Snake, Style::Camel, Style::Kebab])
    } else {
        Style::Scream
    };
    let assign = if properties {
        rng.pick(&["=", " = ", ": "])
    } else {
        "="
    };
    let mut doc = Doc::default();
    if properties {
        doc.push(rng.pick(&["# application.properties\n", "# crm.properties\n", ""]));
    } else {
        doc.push(rng.pick(&["# .env\nAPP_ENV=production\n", "NODE_ENV=staging\n", ""]));
    }
    for f in &fields {
        let v = make(rng, f.kind, lang);
        doc.push(&styled(f.key, f.keyable, style));
        doc.push(assign);
        let quoted = !properties && (v.text.contains(' ') || rng.chance(20));
        if quoted {
            doc.push("\"");
        }
        doc.put(&v);
        if quoted {
            doc.push("\"");
        }
        doc.newline();
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// HTML

fn html_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let fields = record_fields(rng, lang, Need::Ascii, positive);
    let mut doc = Doc::default();
    match rng.below(3) {
        0 => {
            let _ = writeln!(
                doc.text,
                "<form method=\"post\" action=\"/{}\">",
                rng.pick(&["signup", "profile", "kyc", "payroll"])
            );
            let style = rng.pick(&[Style::Snake, Style::Camel, Style::Kebab, Style::Dotted]);
            for (k, f) in fields.iter().enumerate() {
                let v = make(rng, f.kind, lang);
                let kind = match f.kind {
                    Kind::PhoneBare | Kind::PhoneFmt | Kind::PhoneIntl => "tel",
                    Kind::Email => "email",
                    _ => "text",
                };
                if v.cat.is_none() {
                    doc.clear();
                } else {
                    let _ = writeln!(
                        doc.text,
                        "  <label for=\"f{k}\">{}</label>",
                        sentence_case(f.key)
                    );
                }
                let name = if f.keyable {
                    styled(f.key, true, style)
                } else {
                    format!("field{k}")
                };
                let _ = write!(
                    doc.text,
                    "  <input type=\"{kind}\" id=\"f{k}\" name=\"{name}\" value=\""
                );
                doc.put(&v);
                doc.push("\">\n");
            }
            doc.push("  <button type=\"submit\">OK</button>\n</form>\n");
        }
        1 => {
            doc.push("<dl class=\"record\">\n");
            for f in &fields {
                let v = make(rng, f.kind, lang);
                if v.cat.is_none() {
                    doc.clear();
                } else {
                    doc.clear_rival(f.kind);
                }
                let _ = write!(doc.text, "  <dt>{}</dt>", sentence_case(f.key));
                doc.push(rng.pick(&["", "\n  "]));
                doc.push("<dd>");
                doc.put(&v);
                doc.push("</dd>\n");
            }
            doc.push("</dl>\n");
        }
        _ => {
            // data-* attributes: look-alikes first, so no label attribute comes before them.
            let mut sorted: Vec<&Field> = fields.iter().collect();
            sorted.sort_by_key(|f| kind_is_sensitive(f.kind));
            let _ = write!(
                doc.text,
                "<li class=\"{}\"",
                rng.pick(&["contact", "customer-card", "row"])
            );
            for f in sorted {
                if f.kind == Kind::Name || !f.keyable {
                    continue;
                }
                let v = make(rng, f.kind, lang);
                let _ = write!(
                    doc.text,
                    "\n    data-{}=\"",
                    styled(f.key, true, Style::Kebab)
                );
                doc.put(&v);
                doc.push("\"");
            }
            let name = rng.pick(NAMES);
            let _ = writeln!(doc.text, ">{name}</li>");
            if positive && rng.chance(60) {
                let v = make(rng, Kind::Email, lang);
                doc.push("<a href=\"mailto:");
                doc.put(&v);
                doc.push("\">");
                doc.put(&v);
                doc.push("</a>\n");
            }
            if positive && rng.chance(40) {
                let d = nanp_digits(rng);
                let v = Val::pii(Cat::Phone, format!("+1{d}"));
                doc.push("<a href=\"tel:");
                doc.put(&v);
                doc.push("\">☎</a>\n");
            }
        }
    }
    doc
}

fn kind_is_sensitive(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Email
            | Kind::PhoneFmt
            | Kind::PhoneIntl
            | Kind::SsnFmt
            | Kind::SinFmt
            | Kind::Card
            | Kind::Iban
            | Kind::Ip4
            | Kind::Ip6
            | Kind::AwsKeyId
            | Kind::GhToken
            | Kind::Pem
            | Kind::PhoneBare
            | Kind::SsnBare(_)
            | Kind::SinBare(_)
            | Kind::AwsSecret
    )
}

// ---------------------------------------------------------------------------------------------
// Running text: letters and markdown

fn label_text(rng: &mut Pcg, cat: Cat, lang: Lang) -> (String, Kind) {
    match cat {
        Cat::Phone | Cat::UsSsn | Cat::CaSin => {
            let label = pick_label(rng, cat, lang, Need::Any);
            let bare = rng.chance(70);
            let kind = match cat {
                Cat::Phone if bare => Kind::PhoneBare,
                Cat::Phone => rng.pick(&[Kind::PhoneFmt, Kind::PhoneIntl]),
                Cat::UsSsn if bare => Kind::SsnBare(label.alone()),
                Cat::UsSsn => Kind::SsnFmt,
                _ if bare => Kind::SinBare(label.alone()),
                _ => Kind::SinFmt,
            };
            (label.text.to_string(), kind)
        }
        _ => {
            let f = sensitive_field(rng, cat, lang, Need::Any);
            (f.key.to_string(), f.kind)
        }
    }
}

/// A sentence with a bare look-alike number that nothing labels.
fn order_sentence(rng: &mut Pcg, doc: &mut Doc, lang: Lang) {
    doc.clear();
    let template = rng.pick(lang.of(ORDER_LINES));
    let n = {
        let kind = rng.pick(&[Kind::Nine, Kind::Nine, Kind::Ten, Kind::Eleven]);
        make(rng, kind, lang)
    };
    let d = date(rng, lang);
    doc.push(&template.replace("{N}", &n.text).replace("{D}", &d));
}

fn letter_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let mut doc = Doc::default();
    let (from, to, subject) = lang.of(SUBJECT);
    let sender = rng.pick(NAMES);
    let recipient = rng.pick(NAMES);
    if rng.chance(60) {
        let _ = write!(doc.text, "{from}: {sender}");
        if positive {
            doc.push(" <");
            doc.put(&make(rng, Kind::Email, lang));
            doc.push(">");
        }
        doc.newline();
        let _ = write!(doc.text, "{to}: ");
        if positive {
            doc.put(&make(rng, Kind::Email, lang));
        } else {
            doc.push(recipient);
        }
        let _ = write!(doc.text, "\n{subject}: {}\n\n", rng.pick(lang.of(SUBJECTS)));
    }
    let hello = rng.pick(lang.of(HELLO)).replace("{}", recipient);
    let _ = write!(doc.text, "{hello}\n\n{}\n", rng.pick(lang.of(INTRO)));
    if positive {
        let n = rng.between(2, 4) as usize;
        for cat in draw_categories(rng, n) {
            let (label, kind) = label_text(rng, cat, lang);
            doc.clear_rival(kind);
            let v = make(rng, kind, lang);
            let template = rng.pick(lang.of(LABEL_LINES));
            doc.labelled(template, &label, &v);
            doc.newline();
        }
    } else {
        doc.newline();
        doc.push(rng.pick(lang.of(MENTIONS)));
        doc.newline();
    }
    doc.newline();
    order_sentence(rng, &mut doc, lang);
    let _ = write!(doc.text, "\n\n{}\n{sender}\n", lang.of(CLOSING));
    if positive && rng.chance(60) {
        let label = pick_label(rng, Cat::Phone, lang, Need::Any).text;
        let kind = rng.pick(&[Kind::PhoneFmt, Kind::PhoneIntl, Kind::PhoneBare]);
        let v = make(rng, kind, lang);
        doc.labelled("{L} {V}", label, &v);
        doc.newline();
    }
    doc
}

/// Markdown with headings: labels in one section never reach numbers in another.
fn headed_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let heads = lang.of(HEADINGS);
    let mut doc = Doc::default();
    let _ = write!(doc.text, "# {}\n\n", rng.pick(NAMES));
    let mut sections: Vec<usize> = vec![4];
    if positive {
        let mut pool = vec![0, 1, 2, 3];
        rng.shuffle(&mut pool);
        sections.extend(pool.iter().take(rng.between(2, 3) as usize));
    }
    if !positive || rng.chance(35) {
        sections.push(6);
    }
    rng.shuffle(&mut sections);
    for s in sections {
        match s {
            4 => {
                let _ = write!(doc.text, "## {}\n\n", heads[4]);
                for _ in 0..rng.between(1, 3) {
                    doc.push(rng.pick(&["- ", "", "* "]));
                    order_sentence(rng, &mut doc, lang);
                    doc.newline();
                }
                doc.newline();
            }
            6 => {
                // A label as a heading, then text without a value.
                let cat = rng.pick(&NUMBER_LABELS);
                let label = pick_label(rng, cat, lang, Need::Any).text;
                let _ = write!(
                    doc.text,
                    "## {}\n\n{}\n\n",
                    sentence_case(label),
                    rng.pick(lang.of(INTRO))
                );
            }
            _ => {
                let _ = write!(doc.text, "## {}\n\n", heads[s]);
                let cats: &[Cat] = match s {
                    0 => &[Cat::Phone, Cat::Email, Cat::Phone],
                    1 => &[Cat::UsSsn, Cat::CaSin],
                    2 => &[Cat::Iban, Cat::CreditCard],
                    _ => &[Cat::IpAddress, Cat::Secret],
                };
                let line = rng.pick(&[
                    "- **{L}:** {V}",
                    "{L}: {V}  ",
                    "* {L} — {V}",
                    "**{L}**: {V}",
                ]);
                for &cat in cats.iter().take(rng.between(1, cats.len() as u32) as usize) {
                    let (label, kind) = label_text(rng, cat, lang);
                    doc.clear_rival(kind);
                    let v = make(rng, kind, lang);
                    doc.labelled(line, &label, &v);
                    doc.newline();
                }
                doc.newline();
            }
        }
    }
    doc
}

/// Label-like words (substrings of longer words) before bare numbers.
fn lookalike_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    let mut doc = Doc::default();
    for _ in 0..rng.between(2, 4) {
        let template = rng.pick(LOOKALIKE_LINES);
        let n = {
            let kind = rng.pick(&[Kind::Nine, Kind::Ten, Kind::Eleven]);
            make(rng, kind, lang)
        };
        doc.clear();
        doc.push(&template.replace("{N}", &n.text));
        doc.push(rng.pick(&["\n", " ", "\n\n"]));
    }
    doc.push(&sentence_case(&note(rng, lang)));
    doc.newline();
    doc
}

// ---------------------------------------------------------------------------------------------
// Logs

fn log_doc(rng: &mut Pcg, lang: Lang, positive: bool) -> Doc {
    let mut doc = Doc::default();
    let host = rng.pick(&["web-01", "api-7f9c", "auth-2", "mail-relay"]);
    for _ in 0..rng.between(4, 8) {
        let ts = stamp(rng);
        let line = if positive {
            rng.below(16)
        } else {
            8 + rng.below(8)
        };
        match line {
            0 => {
                let _ = write!(
                    doc.text,
                    "{ts} {host} sshd[{}]: Accepted publickey for deploy from ",
                    rng.between(200, 65000)
                );
                doc.put(&{
                    let kind = rng.pick(&[Kind::Ip4, Kind::Ip6]);
                    make(rng, kind, lang)
                });
                let _ = write!(doc.text, " port {} ssh2", rng.between(1024, 65535));
            }
            1 => {
                doc.put(&make(rng, Kind::Ip4, lang));
                let _ = write!(
                    doc.text,
                    " - - [{ts}] \"GET /api/v2/orders/{} HTTP/1.1\" 200 {}",
                    decoy_nine(rng),
                    rng.between(100, 9000)
                );
            }
            2 => {
                let key = styled(
                    pick_label(rng, Cat::Phone, Lang::En, Need::Ascii).text,
                    true,
                    Style::Snake,
                );
                let _ = write!(
                    doc.text,
                    "ts={ts} level=info msg=\"profile updated\" {key}="
                );
                doc.put(&make(rng, Kind::PhoneBare, lang));
                let _ = write!(doc.text, " order_id={}", decoy_nine(rng));
            }
            3 => {
                let _ = write!(doc.text, "{ts} WARN token ");
                doc.put(&make(rng, Kind::GhToken, lang));
                doc.push(" used from ");
                doc.put(&make(rng, Kind::Ip4, lang));
            }
            4 => {
                let _ = write!(doc.text, "{ts} DEBUG s3 client using access key ");
                doc.put(&make(rng, Kind::AwsKeyId, lang));
            }
            5 => {
                let _ = write!(doc.text, "{ts} INFO postfix/smtp: to=<");
                doc.put(&make(rng, Kind::Email, lang));
                doc.push(">, relay=mx.example.net[");
                doc.put(&make(rng, Kind::Ip4, lang));
                doc.push("]:25, status=sent");
            }
            6 => {
                let cat = rng.pick(&[Cat::UsSsn, Cat::CaSin]);
                let label = pick_label(rng, cat, Lang::En, Need::Ascii);
                let kind = if cat == Cat::UsSsn {
                    Kind::SsnBare(label.alone())
                } else {
                    Kind::SinBare(label.alone())
                };
                let _ = write!(
                    doc.text,
                    "{{\"ts\":\"{ts}\",\"level\":\"info\",\"event\":\"kyc\",\"{}\":\"",
                    styled(label.text, true, Style::Snake)
                );
                doc.put(&make(rng, kind, lang));
                doc.push("\"}");
            }
            7 => {
                let _ = write!(doc.text, "{ts} ERROR charge declined card=");
                let d = card_number(rng, true);
                doc.put(&Val::pii(Cat::CreditCard, d));
                let _ = write!(doc.text, " amount={}", rng.between(1, 999));
            }
            8 => {
                let _ = write!(
                    doc.text,
                    "{ts} INFO deployed {} (commit {})",
                    version_quad(rng),
                    &sha(rng)[..rng.pick(&[7, 12, 40])]
                );
            }
            9 => {
                let _ = write!(
                    doc.text,
                    "{ts} INFO request {} took {}ms",
                    uuid(rng),
                    rng.between(2, 900)
                );
            }
            10 => {
                let _ = write!(
                    doc.text,
                    "{ts} DEBUG rejected key {} (length)",
                    {
                        let kind = rng.pick(&[Kind::ShortAkia, Kind::ShortGhToken]);
                        make(rng, kind, lang)
                    }
                    .text
                );
            }
            11 => {
                doc.clear();
                let _ = write!(
                    doc.text,
                    "{ts} INFO shipped order {} to {}",
                    decoy_nine(rng),
                    rng.pick(CITIES)
                );
            }
            12 => {
                let _ = write!(
                    doc.text,
                    "{ts} WARN retry {}/5 for job {} ({})",
                    rng.between(1, 5),
                    ticket(rng),
                    make(rng, Kind::NotPhone, lang).text
                );
            }
            13 => {
                let _ = write!(
                    doc.text,
                    "{ts} INFO batch={} invoice={} epoch={}",
                    decoy_nine(rng),
                    nanp_digits(rng),
                    rng.between(1_500_000_000, 1_799_999_999)
                );
            }
            14 => {
                let _ = write!(
                    doc.text,
                    "{ts} ERROR card check failed for {}",
                    make(rng, Kind::BadCard, lang).text
                );
            }
            _ => {
                let _ = write!(
                    doc.text,
                    "{ts} INFO cache hit ratio 0.{} on {host}",
                    rng.between(10, 99)
                );
            }
        }
        doc.newline();
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// Credentials: AWS, GitHub, PEM

fn aws_doc(rng: &mut Pcg) -> Doc {
    let mut doc = Doc::default();
    let region = rng.pick(&["us-east-1", "eu-west-1", "eu-central-1", "ca-central-1"]);
    let key_id = |rng: &mut Pcg| Val::pii(Cat::Secret, aws_key_id(rng));
    let secret = |rng: &mut Pcg| Val::pii(Cat::Secret, aws_secret(rng));
    match rng.below(6) {
        0 => {
            for profile in ["default", "ci"].iter().take(rng.between(1, 2) as usize) {
                let _ = write!(doc.text, "[{profile}]\naws_access_key_id = ");
                doc.put(&key_id(rng));
                doc.push("\naws_secret_access_key = ");
                doc.put(&secret(rng));
                let _ = write!(doc.text, "\nregion = {region}\n\n");
            }
        }
        1 => {
            doc.push("Access key ID,Secret access key\n");
            doc.put(&key_id(rng));
            doc.push(",");
            doc.put(&secret(rng));
            doc.newline();
        }
        2 => {
            // No header: the secret follows its key id in the same record.
            let _ = writeln!(doc.text, "# rotated {}", date(rng, Lang::En));
            for _ in 0..rng.between(1, 3) {
                doc.put(&key_id(rng));
                doc.push(",");
                doc.put(&secret(rng));
                doc.newline();
            }
        }
        3 => {
            let _ = write!(
                doc.text,
                "{{\n    \"AccessKey\": {{\n        \"UserName\": \"{}\",\n        \"AccessKeyId\": \"",
                rng.pick(&["deploy-bot", "ci", "backup"])
            );
            doc.put(&key_id(rng));
            doc.push("\",\n        \"Status\": \"Active\",\n        \"SecretAccessKey\": \"");
            doc.put(&secret(rng));
            let _ = write!(
                doc.text,
                "\",\n        \"CreateDate\": \"{}\"\n    }}\n}}\n",
                stamp(rng)
            );
        }
        4 => {
            doc.push("export AWS_ACCESS_KEY_ID=");
            doc.put(&key_id(rng));
            doc.push("\nexport AWS_SECRET_ACCESS_KEY=");
            doc.put(&secret(rng));
            let _ = writeln!(doc.text, "\nexport AWS_DEFAULT_REGION={region}");
        }
        _ => {
            doc.push("env:\n  access_key_id: ");
            doc.put(&key_id(rng));
            doc.push("\n  secret_access_key: ");
            doc.put(&secret(rng));
            let _ = writeln!(doc.text, "\n  region: {region}");
        }
    }
    if rng.chance(30) {
        doc.push("GITHUB_TOKEN=");
        doc.put(&Val::pii(Cat::Secret, github_token(rng)));
        doc.newline();
    }
    doc
}

/// Tokens in an inventory table or a CI settings file.
fn token_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    let mut doc = Doc::default();
    if rng.chance(50) {
        doc.push("| service | owner | token | created |\n|---|---|---|---|\n");
        for _ in 0..rng.between(2, 4) {
            let _ = write!(
                doc.text,
                "| {} | ",
                rng.pick(&["ci", "deploy", "backup", "metrics"])
            );
            doc.put(&make(rng, Kind::Email, lang));
            doc.push(" | ");
            doc.put(&{
                let kind = rng.pick(&[Kind::GhToken, Kind::AwsKeyId]);
                make(rng, kind, lang)
            });
            let _ = writeln!(doc.text, " | {} |", date(rng, lang));
        }
    } else {
        doc.push("steps:\n  - name: checkout\n    env:\n      GH_TOKEN: ");
        doc.put(&make(rng, Kind::GhToken, lang));
        doc.push("\n      AWS_ACCESS_KEY_ID: ");
        doc.put(&make(rng, Kind::AwsKeyId, lang));
        doc.push("\n      AWS_SECRET_ACCESS_KEY: ");
        doc.put(&make(rng, Kind::AwsSecret, lang));
        let _ = writeln!(doc.text, "\n      RELEASE: {}", version(rng));
    }
    doc
}

fn pem_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    let mut doc = Doc::default();
    let key = make(rng, Kind::Pem, lang);
    match rng.below(4) {
        0 => {
            let _ = write!(
                doc.text,
                "## {}\n\n{}\n\n```\n",
                lang.of(HEADINGS)[3],
                rng.pick(lang.of(INTRO))
            );
            doc.put(&key);
            doc.push("\n```\n");
        }
        1 => {
            doc.push("tls:\n  cert_file: /etc/ssl/app.crt\n  private_key: ");
            yaml_scalar(rng, &mut doc, &key, 1);
            doc.newline();
        }
        2 => {
            let _ = write!(
                doc.text,
                "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo-{}\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"",
                rng.between(100, 999),
                sha(rng)
            );
            doc.put_json(&key);
            doc.push("\",\n  \"client_email\": \"");
            doc.put(&Val::pii(
                Cat::Email,
                format!("svc-{}@project.example.com", rng.pick(FIRST_ASCII)),
            ));
            doc.push("\"\n}\n");
        }
        _ => {
            doc.push("$ cat ~/.ssh/deploy_key\n");
            doc.put(&key);
            doc.push("\n$ chmod 600 ~/.ssh/deploy_key\n");
        }
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// Decoy-only kinds

fn git_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    let mut doc = Doc::default();
    for _ in 0..rng.between(1, 3) {
        let _ = write!(
            doc.text,
            "commit {}\nAuthor: {}\nDate:   {}\n\n    {} ({})\n\n",
            sha(rng),
            rng.pick(NAMES),
            stamp(rng),
            rng.pick(&[
                "Fix rounding in invoice totals",
                "Bump dependencies",
                "Release",
                "Merge branch 'main'",
            ]),
            ticket(rng)
        );
    }
    let _ = writeln!(
        doc.text,
        "{} — {} — {}",
        version_quad(rng),
        make(rng, Kind::Uuid, lang).text,
        make(rng, Kind::Zip, lang).text
    );
    doc
}

/// Random 40-character strings far from any AWS context, and armour that is not a private key.
fn blob_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    let mut doc = Doc::default();
    if rng.chance(30) {
        doc.push(&public_pem(rng));
        doc.newline();
        return doc;
    }
    doc.push("{\n");
    let n = rng.between(2, 4);
    for k in 0..n {
        let key = styled(plain_key(rng, K_BLOB, lang, Need::Key), true, Style::Snake);
        let blob = make(rng, Kind::Blob40, lang);
        let _ = writeln!(doc.text, "  \"{key}\": \"{}\",", blob.text);
        if k == 0 {
            let sha_key = plain_key(rng, K_SHA, lang, Need::Key);
            let _ = writeln!(
                doc.text,
                "  \"{sha_key}\": \"{}\",",
                make(rng, Kind::Sha, lang).text
            );
        }
    }
    let _ = writeln!(doc.text, "  \"expires\": \"{}\"\n}}", stamp(rng));
    doc
}

// ---------------------------------------------------------------------------------------------
// Assembly

fn positive_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    loop {
        let doc = match rng.below(100) {
            0..=17 => table_doc(rng, lang, true),
            18..=25 => kv_table_doc(rng, lang, true),
            26..=36 => json_doc(rng, lang, true),
            37..=44 => yaml_doc(rng, lang, true),
            45..=50 => env_doc(rng, lang, true),
            51..=58 => html_doc(rng, lang, true),
            59..=70 => letter_doc(rng, lang, true),
            71..=79 => headed_doc(rng, lang, true),
            80..=85 => log_doc(rng, lang, true),
            86..=90 => aws_doc(rng),
            91..=94 => token_doc(rng, lang),
            _ => pem_doc(rng, lang),
        };
        if !doc.spans.is_empty() {
            return doc;
        }
    }
}

fn decoy_doc(rng: &mut Pcg, lang: Lang) -> Doc {
    let doc = match rng.below(100) {
        0..=15 => table_doc(rng, lang, false),
        16..=22 => kv_table_doc(rng, lang, false),
        23..=33 => json_doc(rng, lang, false),
        34..=41 => yaml_doc(rng, lang, false),
        42..=47 => env_doc(rng, lang, false),
        48..=54 => html_doc(rng, lang, false),
        55..=64 => letter_doc(rng, lang, false),
        65..=73 => headed_doc(rng, lang, false),
        74..=82 => lookalike_doc(rng, lang),
        83..=90 => log_doc(rng, lang, false),
        91..=95 => git_doc(rng, lang),
        _ => blob_doc(rng, lang),
    };
    assert!(doc.spans.is_empty(), "decoy with spans: {:?}", doc.text);
    doc
}

/// The filler must not hold a label, or it would label the look-alikes around it.
fn self_check() {
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(NAMES);
    texts.extend(CITIES);
    texts.extend(CJK_NOTES);
    texts.extend(LOOKALIKE_LINES);
    for lang in Lang::ALL {
        for table in [
            K_NAME, K_EMAIL, K_NUMBER, K_CITY, K_DATE, K_STAMP, K_AMOUNT, K_STATUS, K_CARD, K_IBAN,
            K_IP, K_TOKEN, K_KEY_ID, K_ID, K_NOTE, K_ZIP, K_VERSION, K_TICKET, K_REF, K_SHA,
            K_BLOB,
        ] {
            texts.extend(lang.of(table));
        }
        for table in [NOTES, INTRO, HELLO, SUBJECTS, ORDER_LINES, STATUS, GROUPS] {
            texts.extend(lang.of(table));
        }
        texts.extend(lang.of(HEADINGS));
        texts.push(lang.of(CLOSING));
        let (field, value) = lang.of(FIELD_VALUE);
        texts.extend([field, value]);
        for template in lang.of(LABEL_LINES) {
            texts.push(template);
        }
    }
    for t in texts {
        assert!(!has_label(t, &Cat::ALL), "filler holds a label: {t:?}");
    }
    for lang in Lang::ALL {
        for m in lang.of(MENTIONS) {
            assert!(
                has_label(m, &NUMBER_LABELS),
                "mention without a label: {m:?}"
            );
        }
    }
    for label in LEXICON {
        assert!(has_label(label.text, &[label.cat]));
    }
}

fn write_line(out: &mut String, doc: &Doc) {
    out.push_str("{\"text\":\"");
    out.push_str(&json_escape(&doc.text));
    out.push_str("\",\"spans\":[");
    for (k, &(start, end, cat)) in doc.spans.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"start\":{start},\"end\":{end},\"category\":\"{}\"}}",
            cat.name()
        );
    }
    out.push_str("]}\n");
}

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_OUT.to_string());
    self_check();
    print_lexicon();

    let mut rng = Pcg::new(SEED, STREAM);
    let mut docs = Vec::with_capacity(POSITIVE_DOCS + DECOY_DOCS);
    for k in 0..POSITIVE_DOCS {
        docs.push(positive_doc(&mut rng, Lang::ALL[k % Lang::ALL.len()]));
    }
    for k in 0..DECOY_DOCS {
        docs.push(decoy_doc(&mut rng, Lang::ALL[k % Lang::ALL.len()]));
    }
    rng.shuffle(&mut docs);

    let mut out = String::new();
    let mut per_category = [0usize; 8];
    let mut decoys = 0;
    for doc in &docs {
        doc.check();
        if doc.spans.is_empty() {
            decoys += 1;
        }
        for &(_, _, cat) in &doc.spans {
            per_category[cat as usize] += 1;
        }
        write_line(&mut out, doc);
    }
    std::fs::write(&path, &out)?;

    println!(
        "\nwrote {} documents ({decoys} decoy-only), {} bytes to {path}",
        docs.len(),
        out.len()
    );
    for cat in Cat::ALL {
        println!("  {:<12} {}", cat.name(), per_category[cat as usize]);
    }
    Ok(())
}
