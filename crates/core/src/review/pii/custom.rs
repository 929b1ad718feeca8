//! A tenant's own detectors (criteria `redaction.custom_detectors`): a pattern, optional
//! context words and check digits, and the category their matches are redacted as.
//!
//! Patterns run on the regex crate's linear-time engine with the same size limits as policy
//! rules, so a tenant's pattern cannot make a review slow or large. Context words are looked
//! for where the built-in labels are (the value's key, its column header, the prose before it:
//! see `context`), so `employee_id: E123456` and a CSV column `Employee ID` both count.

use std::ops::Range;

use regex::Regex;

use super::checksums::{luhn_valid, mod11_valid, mod97_valid};
use super::context::Context;
use super::labels::{Label, Tokens};
use crate::model::validation::is_valid_id;
use crate::model::{Checksum, CustomDetector, FieldViolation};
use crate::review::policy::{MAX_PATTERN_LEN, build_regex, describe_regex_error};

pub const MAX_CUSTOM_DETECTORS: usize = 20;
pub const MAX_CONTEXT_WORDS: usize = 32;
const MAX_CONTEXT_WORD_LEN: usize = 64;
const MAX_CATEGORY_LEN: usize = 32;
const MAX_NAME_LEN: usize = 63;
/// Matches one detector looks at in one text; the rest are left alone, so that a pattern
/// matching every character of a large output cannot make a review allocate without bound.
const MAX_MATCHES: usize = 10_000;

/// Custom detectors checked and compiled once per criteria.
#[derive(Debug, Clone, Default)]
pub struct CustomDetectors {
    detectors: Vec<Compiled>,
}

#[derive(Debug, Clone)]
struct Compiled {
    /// `custom:<name>`, as findings carry it.
    detector: String,
    category: String,
    regex: Regex,
    words: Vec<Tokens>,
    checksum: Option<Checksum>,
}

/// One value a custom detector found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomFinding<'d> {
    pub range: Range<usize>,
    pub category: &'d str,
    /// `custom:<name>`.
    pub detector: &'d str,
}

impl CustomDetectors {
    /// Checks and compiles; violations are named relative to the criteria
    /// (`redaction.custom_detectors[1].pattern`), every one of them, not only the first.
    pub fn compile(specs: &[CustomDetector]) -> Result<Self, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        if specs.len() > MAX_CUSTOM_DETECTORS {
            violations.push(FieldViolation::new(
                "redaction.custom_detectors",
                format!(
                    "has {}; at most {MAX_CUSTOM_DETECTORS} allowed",
                    specs.len()
                ),
            ));
        }
        let mut detectors = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let field = format!("redaction.custom_detectors[{index}]");
            if let Some(first) = specs.iter().take(index).position(|s| s.name == spec.name) {
                violations.push(
                    FieldViolation::new("name", format!("repeats custom_detectors[{first}].name"))
                        .under(&field),
                );
            }
            match compile_one(spec) {
                Ok(compiled) => detectors.push(compiled),
                Err(found) => violations.extend(found.into_iter().map(|v| v.under(&field))),
            }
        }
        if violations.is_empty() {
            Ok(Self { detectors })
        } else {
            Err(violations)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty()
    }

    /// Every value the detectors find in `text`, sorted by start; they may overlap each other.
    pub fn scan(&self, text: &str) -> Vec<CustomFinding<'_>> {
        let mut found = Vec::new();
        for detector in &self.detectors {
            let mut context = Context::default();
            for m in detector.regex.find_iter(text).take(MAX_MATCHES) {
                if detector.accepts(text.as_bytes(), m.range(), &mut context) {
                    found.push(CustomFinding {
                        range: m.range(),
                        category: &detector.category,
                        detector: &detector.detector,
                    });
                }
            }
        }
        found.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
        found
    }
}

impl Compiled {
    fn accepts(&self, b: &[u8], range: Range<usize>, context: &mut Context) -> bool {
        let value = b.get(range.clone()).unwrap_or_default();
        let checked = match self.checksum {
            None => true,
            Some(Checksum::Luhn) => {
                let digits: Vec<u8> = value.iter().copied().filter(u8::is_ascii_digit).collect();
                digits.len() >= 2 && luhn_valid(&digits)
            }
            Some(Checksum::Mod97) => mod97_valid(
                value
                    .iter()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .map(u8::to_ascii_uppercase),
            ),
            Some(Checksum::Mod11) => {
                let chars: Vec<u8> = value
                    .iter()
                    .filter(|c| c.is_ascii_digit() || matches!(c, b'X' | b'x'))
                    .map(u8::to_ascii_uppercase)
                    .collect();
                mod11_valid(&chars)
            }
        };
        checked && (self.words.is_empty() || self.labelled(b, range.start, context))
    }

    fn labelled(&self, b: &[u8], start: usize, context: &mut Context) -> bool {
        let read = |text: &[u8]| Tokens::of(text).labels_with(&self.words);
        context.label_with(b, start, &[Label::Custom], &read) == Some(Label::Custom)
    }
}

fn compile_one(spec: &CustomDetector) -> Result<Compiled, Vec<FieldViolation>> {
    let mut violations = Vec::new();
    if !is_valid_id(&spec.name, MAX_NAME_LEN) {
        violations.push(FieldViolation::new(
            "name",
            "use 1 to 63 letters, digits, '-' or '_'",
        ));
    }
    if !is_category(&spec.category) {
        violations.push(FieldViolation::new(
            "category",
            format!(
                "use 1 to {MAX_CATEGORY_LEN} uppercase letters, digits or '_', starting with a \
                 letter (it is shown as [{}])",
                if spec.category.is_empty() {
                    "EMPLOYEE_ID"
                } else {
                    &spec.category
                }
            ),
        ));
    }
    let words = context_words(&spec.context_words, &mut violations);
    let regex = pattern(&spec.pattern, &mut violations);
    match regex {
        Some(regex) if violations.is_empty() => Ok(Compiled {
            detector: format!("custom:{}", spec.name),
            category: spec.category.clone(),
            regex,
            words,
            checksum: spec.checksum,
        }),
        _ => Err(violations),
    }
}

fn is_category(category: &str) -> bool {
    let mut bytes = category.bytes();
    bytes.next().is_some_and(|c| c.is_ascii_uppercase())
        && category.len() <= MAX_CATEGORY_LEN
        && bytes.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

fn context_words(words: &[String], violations: &mut Vec<FieldViolation>) -> Vec<Tokens> {
    if words.len() > MAX_CONTEXT_WORDS {
        violations.push(FieldViolation::new(
            "context_words",
            format!("has {}; at most {MAX_CONTEXT_WORDS} allowed", words.len()),
        ));
    }
    let mut out = Vec::with_capacity(words.len());
    for (index, word) in words.iter().enumerate() {
        let field = format!("context_words[{index}]");
        if word.len() > MAX_CONTEXT_WORD_LEN {
            violations.push(FieldViolation::new(
                field,
                format!("is longer than {MAX_CONTEXT_WORD_LEN} bytes"),
            ));
            continue;
        }
        match Tokens::word(word) {
            Some(tokens) => out.push(tokens),
            None => violations.push(FieldViolation::new(
                field,
                "has no letters or digits to match",
            )),
        }
    }
    out
}

fn pattern(pattern: &str, violations: &mut Vec<FieldViolation>) -> Option<Regex> {
    if pattern.is_empty() {
        violations.push(FieldViolation::new("pattern", "must not be empty"));
        return None;
    }
    if pattern.len() > MAX_PATTERN_LEN {
        violations.push(FieldViolation::new(
            "pattern",
            format!(
                "is {} bytes long; at most {MAX_PATTERN_LEN} allowed",
                pattern.len()
            ),
        ));
        return None;
    }
    match build_regex(pattern) {
        Err(error) => {
            violations.push(FieldViolation::new("pattern", describe_regex_error(&error)));
            None
        }
        Ok(regex) if regex.is_match("") => {
            violations.push(FieldViolation::new(
                "pattern",
                "matches empty text, so it would match everywhere; make it require at least one \
                 character",
            ));
            None
        }
        Ok(regex) => Some(regex),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector(pattern: &str) -> CustomDetector {
        CustomDetector {
            name: "employee".into(),
            pattern: pattern.into(),
            context_words: Vec::new(),
            checksum: None,
            category: "EMPLOYEE_ID".into(),
        }
    }

    fn found<'t>(detectors: &CustomDetectors, text: &'t str) -> Vec<&'t str> {
        detectors
            .scan(text)
            .iter()
            .filter_map(|f| text.get(f.range.clone()))
            .collect()
    }

    #[test]
    fn patterns_with_context_words() {
        let spec = CustomDetector {
            context_words: vec!["employee id".into(), "Personalnummer".into()],
            ..detector(r"\bE\d{6}\b")
        };
        let compiled = CustomDetectors::compile(&[spec]).unwrap();
        assert_eq!(
            found(&compiled, "employee_id: E123456\norder_id: E654321"),
            ["E123456"]
        );
        assert_eq!(
            found(&compiled, "name,EmployeeId\nJane,E123456\nJoe,E000001"),
            ["E123456", "E000001"]
        );
        assert_eq!(found(&compiled, "Personalnummer E123456"), ["E123456"]);
        assert_eq!(found(&compiled, "order E123456"), Vec::<&str>::new());
        let findings = compiled.scan("employee id E123456");
        assert_eq!(findings[0].detector, "custom:employee");
        assert_eq!(findings[0].category, "EMPLOYEE_ID");
    }

    #[test]
    fn checksums() {
        let luhn = CustomDetector {
            checksum: Some(Checksum::Luhn),
            ..detector(r"\b\d{3}-\d{3}-\d{3}\b")
        };
        let compiled = CustomDetectors::compile(&[luhn]).unwrap();
        assert_eq!(found(&compiled, "130-692-544 130-692-545"), ["130-692-544"]);

        // ISO 7064 MOD 97-10: an IBAN rotated, and a creditor-style id.
        let mod97 = CustomDetector {
            checksum: Some(Checksum::Mod97),
            ..detector(r"\b[0-9A-Z]{10,30}\b")
        };
        let compiled = CustomDetectors::compile(&[mod97]).unwrap();
        assert_eq!(
            found(&compiled, "370400440532013000DE89 370400440532013000DE88"),
            ["370400440532013000DE89"]
        );

        let mod11 = CustomDetector {
            checksum: Some(Checksum::Mod11),
            ..detector(r"\b\d{9}[\dX]\b")
        };
        let compiled = CustomDetectors::compile(&[mod11]).unwrap();
        // ISBN-10s: 0306406152 and 080442957X are valid; the others off by one.
        assert_eq!(
            found(&compiled, "0306406152 0306406153 080442957X 0804429579"),
            ["0306406152", "080442957X"]
        );
    }

    #[test]
    fn invalid_detectors_are_named_field_by_field() {
        let specs = vec![
            CustomDetector {
                name: "bad name!".into(),
                category: "lower".into(),
                context_words: vec!["--".into(), "x".repeat(65)],
                ..detector("(")
            },
            detector("a*"),
            detector(&"a".repeat(MAX_PATTERN_LEN + 1)),
            detector(r"\w{1000}{1000}"),
        ];
        let violations = CustomDetectors::compile(&specs).unwrap_err();
        let fields: Vec<String> = violations.iter().map(|v| v.field.clone()).collect();
        for want in [
            "redaction.custom_detectors[0].name",
            "redaction.custom_detectors[0].category",
            "redaction.custom_detectors[0].context_words[0]",
            "redaction.custom_detectors[0].context_words[1]",
            "redaction.custom_detectors[0].pattern",
            "redaction.custom_detectors[2].name",
            "redaction.custom_detectors[1].pattern",
            "redaction.custom_detectors[2].pattern",
            "redaction.custom_detectors[3].pattern",
        ] {
            assert!(fields.iter().any(|f| f == want), "{want} in {violations:?}");
        }
        let too_many = vec![detector("x"); MAX_CUSTOM_DETECTORS + 1];
        let violations = CustomDetectors::compile(&too_many).unwrap_err();
        assert!(
            violations
                .iter()
                .any(|v| v.field == "redaction.custom_detectors"),
            "{violations:?}"
        );
    }

    #[test]
    fn matches_are_bounded() {
        let compiled = CustomDetectors::compile(&[detector("x")]).unwrap();
        assert_eq!(
            compiled.scan(&"x".repeat(MAX_MATCHES + 5)).len(),
            MAX_MATCHES
        );
    }
}
