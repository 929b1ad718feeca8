//! The label lexicon (`labels.txt`) and the matching of labels in a piece of text: a column
//! header, a key, or the prose before a value.
//!
//! Text is read as normalised tokens, so that `socialInsuranceNumber`, `SOCIAL_INSURANCE_NUMBER`,
//! `social-insurance number` and `S.I.N.` all meet the lexicon's `social insurance*` or `sin`.
//! This runs only for a value that needs a label (a bare digit run that passed its check
//! digits, a 40-character AWS secret), never on the scanner's fast path.

use std::collections::HashMap;
use std::sync::LazyLock;

/// What a label says the value beside it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Label {
    Phone = 0,
    Ssn = 1,
    Sin = 2,
    AwsSecret = 3,
    /// A key or header that names no kind of value (`value`, `Wert`): look around it.
    Generic = 4,
    /// One of a custom detector's context words.
    Custom = 5,
}

const LABELS: [Label; 6] = [
    Label::Phone,
    Label::Ssn,
    Label::Sin,
    Label::AwsSecret,
    Label::Generic,
    Label::Custom,
];

impl Label {
    pub(super) const fn bit(self) -> u8 {
        1 << self as u8
    }

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "phone" => Self::Phone,
            "ssn" => Self::Ssn,
            "sin" => Self::Sin,
            "aws_secret" => Self::AwsSecret,
            "generic" => Self::Generic,
            _ => return None,
        })
    }
}

/// One lexicon entry: the token sequence and what it names.
#[derive(Debug)]
struct Entry {
    /// Lowercase tokens; a trailing `*` makes a token a prefix.
    tokens: Vec<Vec<u8>>,
    /// `Label::bit`s this entry names (two for a word shared by two categories).
    names: u8,
    /// Only breaks a tie between the categories of an ambiguous label.
    qualifier: bool,
    /// Names a value it labels directly, but not the keys nested under it.
    weak: bool,
}

const LEXICON_DATA: &str = include_str!("labels.txt");

static LEXICON: LazyLock<Vec<Entry>> = LazyLock::new(|| parse(LEXICON_DATA));

/// The lexicon's entries by their first token, so that a token is compared with the few entries
/// that can start there rather than with all of them.
struct Index {
    /// Entries whose first token is a whole word.
    exact: HashMap<&'static [u8], Vec<&'static Entry>>,
    /// Entries whose first token is a prefix (`telefonn*`).
    prefixed: Vec<&'static Entry>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut index = Index {
        exact: HashMap::new(),
        prefixed: Vec::new(),
    };
    for entry in LEXICON.iter() {
        match entry.tokens.first() {
            Some(first) if first.ends_with(b"*") => index.prefixed.push(entry),
            Some(first) => index.exact.entry(first.as_slice()).or_default().push(entry),
            None => {}
        }
    }
    index
});

impl Index {
    /// The entries that may start at a token.
    fn starting<'a>(&'a self, token: &'a [u8]) -> impl Iterator<Item = &'static Entry> + 'a {
        let exact = self.exact.get(token).into_iter().flatten().copied();
        let prefixed = self.prefixed.iter().copied().filter(move |e| {
            e.tokens
                .first()
                .and_then(|f| f.strip_suffix(b"*"))
                .is_some_and(|p| token.starts_with(p))
        });
        exact.chain(prefixed)
    }
}

/// Parses the lexicon. The data is compiled in and checked by a test, so a malformed line can
/// only come from an edit that the test catches; it is skipped rather than panicking.
fn parse(data: &str) -> Vec<Entry> {
    data.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.splitn(3, char::is_whitespace);
    let (category, _language, label) = (fields.next()?, fields.next()?, fields.next()?);
    let (category, qualifier) = match category.strip_suffix('?') {
        Some(c) => (c, true),
        None => (category, false),
    };
    let (category, weak) = match category.strip_suffix('~') {
        Some(c) => (c, true),
        None => (category, false),
    };
    let mut names = 0;
    for name in category.split('|') {
        names |= Label::from_name(name)?.bit();
    }
    let label = label.trim();
    let prefix = label.ends_with('*');
    let mut tokens = Tokens::of(label.trim_end_matches('*').as_bytes()).list;
    if prefix {
        tokens.last_mut()?.push(b'*');
    }
    (!tokens.is_empty()).then_some(Entry {
        tokens,
        names,
        qualifier,
        weak,
    })
}

/// Normalised tokens of a piece of text.
#[derive(Debug, Default, Clone)]
pub(super) struct Tokens {
    list: Vec<Vec<u8>>,
}

/// The kind of one character, for splitting words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Separator,
    Upper,
    Lower,
    Digit,
}

/// The character at `i`: its kind, its lowercase bytes and its length. ASCII letters and digits
/// and the two-byte Latin-1 letters (`À`..`ÿ`) make words; every other byte separates.
fn char_at(b: &[u8], i: usize) -> (Kind, [u8; 2], usize) {
    let c = b.get(i).copied().unwrap_or(0);
    match (c, b.get(i + 1).copied().unwrap_or(0)) {
        (b'A'..=b'Z', _) => (Kind::Upper, [c.to_ascii_lowercase(), 0], 1),
        (b'a'..=b'z', _) => (Kind::Lower, [c, 0], 1),
        (b'0'..=b'9', _) => (Kind::Digit, [c, 0], 1),
        // U+00C0..U+00DE are capitals (but `×`), folded by +0x20; U+00DF..U+00FF small (but `÷`).
        (0xC3, d @ 0x80..=0x9E) if d != 0x97 => (Kind::Upper, [c, d + 0x20], 2),
        (0xC3, d @ 0x9F..=0xBF) if d != 0xB7 => (Kind::Lower, [c, d], 2),
        _ => (Kind::Separator, [0, 0], 1),
    }
}

impl Tokens {
    /// A context word as tokens: `None` when it has no letters or digits.
    pub(super) fn word(text: &str) -> Option<Self> {
        let tokens = Self::of(text.as_bytes());
        (!tokens.list.is_empty()).then_some(tokens)
    }

    /// Splits at separators, at a lowercase-to-uppercase step (`socialInsurance`), before the
    /// last capital of a run followed by a lowercase letter (`SINNumber`), and between letters
    /// and digits; joins single letters separated by one `.` or `_` (`S.I.N.`, `s_i_n`).
    pub(super) fn of(text: &[u8]) -> Self {
        let mut split = Splitter::default();
        let mut prev = Kind::Separator;
        let mut i = 0;
        while i < text.len() {
            let (kind, lower, len) = char_at(text, i);
            let next = char_at(text, i + len).0;
            let boundary = match (prev, kind) {
                (_, Kind::Separator) => true,
                (Kind::Lower, Kind::Upper) => true,
                (Kind::Upper, Kind::Upper) => next == Kind::Lower,
                (Kind::Separator, _) => false,
                (p, k) => (p == Kind::Digit) != (k == Kind::Digit),
            };
            if boundary {
                split.end_word();
            }
            match kind {
                Kind::Separator => split.separator(text.get(i).copied().unwrap_or(0)),
                _ => split.word.extend(lower.iter().take(len)),
            }
            prev = kind;
            i += len;
        }
        split.end_word();
        split.tokens
    }

    /// The lexicon's findings in these tokens.
    pub(super) fn labels(&self) -> Labels {
        self.labels_with(&[])
    }

    /// The lexicon's findings, plus [`Label::Custom`] where one of `words` (each a token
    /// sequence from [`Tokens::word`]) appears.
    pub(super) fn labels_with(&self, words: &[Tokens]) -> Labels {
        let mut found = Labels::default();
        let mut all_generic = !self.list.is_empty();
        for (k, token) in self.list.iter().enumerate() {
            let mut generic = false;
            for entry in INDEX.starting(token) {
                if tokens_at(&entry.tokens, &self.list, k) {
                    found.record(entry.names, entry.qualifier, k + entry.tokens.len());
                    if !entry.weak {
                        found.strong |= entry.names;
                    }
                    generic |= entry.names == Label::Generic.bit();
                }
            }
            all_generic &= generic;
        }
        for word in words {
            for k in 0..self.list.len() {
                if tokens_at(&word.list, &self.list, k) {
                    found.record(Label::Custom.bit(), false, k + word.list.len());
                    found.strong |= Label::Custom.bit();
                }
            }
        }
        found.generic_only = all_generic;
        found
    }
}

/// Builds tokens word by word, joining abbreviations written letter by letter.
#[derive(Default)]
struct Splitter {
    tokens: Tokens,
    word: Vec<u8>,
    /// The last token is a lone letter or letters joined so far (`s`, `si`).
    abbreviation: bool,
    /// The separators since the last token: how many, and the last one.
    gap: (usize, u8),
}

impl Splitter {
    fn separator(&mut self, c: u8) {
        self.gap = (self.gap.0 + 1, c);
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.word);
        let letter = word.len() == 1 && word.iter().all(u8::is_ascii_alphabetic);
        let joins = letter && self.abbreviation && matches!(self.gap, (1, b'.' | b'_'));
        match self.tokens.list.last_mut() {
            Some(last) if joins => last.extend(word),
            _ => {
                self.tokens.list.push(word);
                self.abbreviation = letter;
            }
        }
        self.gap = (0, 0);
    }
}

/// Whether `tokens` from `k` on start with `want` (a `*`-ended token of `want` is a prefix).
fn tokens_at(want: &[Vec<u8>], tokens: &[Vec<u8>], k: usize) -> bool {
    let Some(window) = tokens.get(k..k + want.len()) else {
        return false;
    };
    window
        .iter()
        .zip(want)
        .all(|(t, e)| match e.strip_suffix(b"*") {
            Some(prefix) => t.starts_with(prefix),
            None => t == e,
        })
}

/// The labels found in one piece of text, by where they end (in tokens from its start), so the
/// nearest to a value after the text is the one ending last.
#[derive(Debug, Default, Clone)]
pub(super) struct Labels {
    /// Per `Label`: where the last entry naming it ends (0 = none).
    nearest: [usize; 6],
    /// Per `Label`: where the last entry naming it alone (or qualifying it) ends.
    specific: [usize; 6],
    /// Every token is a generic word (`Value`): this text labels nothing by itself.
    generic_only: bool,
    /// `Label::bit`s named by at least one entry that is not weak.
    strong: u8,
}

impl Labels {
    fn record(&mut self, names: u8, qualifier: bool, end: usize) {
        for label in LABELS {
            if names & label.bit() == 0 {
                continue;
            }
            let slot = label as usize;
            if !qualifier && let Some(n) = self.nearest.get_mut(slot) {
                *n = (*n).max(end);
            }
            if (qualifier || names == label.bit())
                && let Some(s) = self.specific.get_mut(slot)
            {
                *s = (*s).max(end);
            }
        }
    }

    /// Only the labels named by entries that are not weak: what a parent line lends the keys
    /// nested under it.
    pub(super) fn strong_only(mut self) -> Self {
        for label in LABELS {
            if self.strong & label.bit() == 0 {
                let slot = label as usize;
                for n in [&mut self.nearest, &mut self.specific] {
                    if let Some(n) = n.get_mut(slot) {
                        *n = 0;
                    }
                }
            }
        }
        self
    }

    /// Whether any label of a kind of value (not a generic word) was found.
    pub(super) fn names_something(&self) -> bool {
        LABELS.iter().any(|&l| l != Label::Generic && self.named(l))
    }

    pub(super) fn generic_only(&self) -> bool {
        self.generic_only
    }

    fn named(&self, label: Label) -> bool {
        self.nearest.get(label as usize).is_some_and(|&n| n > 0)
    }

    fn specific(&self, label: Label) -> usize {
        self.specific.get(label as usize).copied().unwrap_or(0)
    }

    fn nearest(&self, label: Label) -> usize {
        self.nearest.get(label as usize).copied().unwrap_or(0)
    }

    /// Of the `candidates` (the labels whose check the value passes), the one these labels
    /// give it: the only one named; of several, the one with the nearest label naming it alone
    /// (or a qualifier); else the nearest; ties go to the first in `candidates`' order.
    pub(super) fn resolve(&self, candidates: &[Label]) -> Option<Label> {
        let named = || candidates.iter().copied().filter(|&l| self.named(l));
        let best = |key: &dyn Fn(Label) -> usize| {
            named().fold(None, |best: Option<Label>, l| match best {
                Some(b) if key(b) >= key(l) => Some(b),
                _ => Some(l),
            })
        };
        if named().any(|l| self.specific(l) > 0) {
            best(&|l| self.specific(l))
        } else {
            best(&|l| self.nearest(l))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        Tokens::of(text.as_bytes())
            .list
            .iter()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect()
    }

    fn label(text: &str, candidates: &[Label]) -> Option<Label> {
        Tokens::of(text.as_bytes()).labels().resolve(candidates)
    }

    const NUMBER: &[Label] = &[Label::Ssn, Label::Sin];

    #[test]
    fn every_line_of_the_lexicon_parses() {
        let lines = LEXICON_DATA
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
        assert_eq!(LEXICON.len(), lines, "a line of labels.txt did not parse");
        for language in ["en", "fr", "de", "es", "nl", "it"] {
            for category in ["phone", "ssn", "sin", "generic"] {
                let has = LEXICON_DATA.lines().any(|l| {
                    let mut f = l.split_whitespace();
                    f.next()
                        .is_some_and(|c| c.trim_end_matches('?').split('|').any(|c| c == category))
                        && f.next() == Some(language)
                });
                assert!(has, "no {category} label in {language}");
            }
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            tokens("socialInsuranceNumber"),
            ["social", "insurance", "number"]
        );
        assert_eq!(
            tokens("SOCIAL_INSURANCE_NUMBER"),
            ["social", "insurance", "number"]
        );
        assert_eq!(
            tokens("Social-Insurance number"),
            ["social", "insurance", "number"]
        );
        assert_eq!(tokens("S.I.N."), ["sin"]);
        assert_eq!(tokens("s_i_n"), ["sin"]);
        assert_eq!(tokens("SINNumber"), ["sin", "number"]);
        assert_eq!(tokens("phone2"), ["phone", "2"]);
        assert_eq!(
            tokens("N° d'assurance sociale"),
            ["n", "d", "assurance", "sociale"]
        );
        assert_eq!(tokens("TÉLÉPHONE"), ["téléphone"]);
        assert_eq!(tokens("data-ssn"), ["data", "ssn"]);
        // Single letters separated by spaces stay apart: `a b c` is not the word `abc`.
        assert_eq!(tokens("a b"), ["a", "b"]);
        assert_eq!(tokens("EE. UU."), ["ee", "uu"]);
        assert!(tokens("«» — ").is_empty());
    }

    #[test]
    fn labels_in_six_languages() {
        let phone = &[Label::Phone];
        for t in [
            "Phone",
            "phoneNumber",
            "Tel.",
            "mobile_number",
            "Téléphone portable",
            "Numéro de téléphone",
            "Telefonnummer",
            "Handynummer",
            "Teléfono móvil",
            "celular",
            "Telefoonnummer",
            "mobiel",
            "Numero di telefono",
            "cellulare",
        ] {
            assert_eq!(label(t, phone), Some(Label::Phone), "{t}");
        }
        for t in [
            "SSN",
            "socialSecurityNumber",
            "Numéro de sécurité sociale",
            "US-Sozialversicherungsnummer",
            "número de seguro social estadounidense",
            "Amerikaans socialezekerheidsnummer",
            "numero di previdenza sociale",
        ] {
            assert_eq!(label(t, NUMBER), Some(Label::Ssn), "{t}");
        }
        for t in [
            "SIN",
            "S.I.N.",
            "s_i_n",
            "social_insurance_number",
            "NAS",
            "N° d'assurance sociale",
            "Sozialversicherungsnummer (Kanada)",
            "número de seguro social (Canadá)",
            "Canadees sociaal verzekeringsnummer",
            "numero di assicurazione sociale",
        ] {
            assert_eq!(label(t, NUMBER), Some(Label::Sin), "{t}");
        }
        for t in ["aws_secret_access_key", "SecretAccessKey", "AWS secret key"] {
            assert_eq!(label(t, &[Label::AwsSecret]), Some(Label::AwsSecret), "{t}");
        }
    }

    #[test]
    fn words_that_only_look_like_labels() {
        for t in [
            "business",
            "casino",
            "telemetry",
            "hotel",
            "single",
            "sinus",
            "order_id",
            "Bestellnummer",
            "numéro de commande",
            "nasal",
        ] {
            let found = Tokens::of(t.as_bytes()).labels();
            assert!(!found.names_something(), "{t}");
        }
    }

    #[test]
    fn nearest_and_specific_labels_decide() {
        // Both named: the nearer one.
        assert_eq!(label("SSN on file; SIN", NUMBER), Some(Label::Sin));
        assert_eq!(label("SIN on file; SSN", NUMBER), Some(Label::Ssn));
        // Only candidates count: an SSN label does not make a number that fails its rules one.
        assert_eq!(label("SSN", &[Label::Sin]), None);
        // A word for both, with no qualifier: the first candidate; with one, the qualified.
        assert_eq!(label("Sozialversicherungsnummer", NUMBER), Some(Label::Ssn));
        assert_eq!(
            label("Sozialversicherungsnummer", &[Label::Sin]),
            Some(Label::Sin)
        );
        assert_eq!(
            label("kanadische Sozialversicherungsnummer", NUMBER),
            Some(Label::Sin)
        );
        // A qualifier alone names nothing.
        assert_eq!(label("Canada", NUMBER), None);
        assert_eq!(label("USA", NUMBER), None);
    }

    #[test]
    fn generic_words() {
        assert!(Tokens::of(b"Value").labels().generic_only());
        assert!(Tokens::of(b"Wert").labels().generic_only());
        assert!(!Tokens::of(b"Value SIN").labels().generic_only());
        assert!(!Tokens::of(b"order").labels().generic_only());
        assert!(!Tokens::of(b"").labels().generic_only());
    }
}
