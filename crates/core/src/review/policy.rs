//! Policy rules compiled for matching: one `RegexSet` pass tells which rules match at all, and
//! only those are searched again for their positions. Term lists become regexes too (escaped,
//! word-bounded), so that every rule is linear-time and Unicode case folding works.

use std::ops::Range;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::model::{FieldViolation, PolicyMatcher, PolicyRule};

/// Bounds on one rule's compiled automaton, so that a hostile pattern cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 2 * 1024 * 1024;
pub const MAX_PATTERN_LEN: usize = 4096;
pub const MAX_TERMS: usize = 1000;
pub const MAX_TERM_LEN: usize = 200;
/// Matches recorded per rule; more are counted but not located.
const MAX_LOCATED_MATCHES: usize = 1000;

#[derive(Debug, Clone)]
pub struct CompiledPolicies {
    set: RegexSet,
    regexes: Vec<Regex>,
}

/// Where one rule matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMatches {
    pub rule: usize,
    pub ranges: Vec<Range<usize>>,
    /// All matches, including those past the located ones.
    pub count: usize,
}

/// The regex source of a rule's matcher.
fn source(matcher: &PolicyMatcher) -> String {
    match matcher {
        PolicyMatcher::Pattern(pattern) => pattern.clone(),
        PolicyMatcher::Terms {
            terms,
            case_sensitive,
        } => {
            let alternatives: Vec<String> = terms
                .iter()
                .map(|term| {
                    let term = term.trim();
                    // Word boundaries only where the term itself starts or ends with a word
                    // character: `C++` must still match before a space.
                    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    let start = if word(term.chars().next()) { r"\b" } else { "" };
                    let end = if word(term.chars().next_back()) {
                        r"\b"
                    } else {
                        ""
                    };
                    format!("{start}{}{end}", regex::escape(term))
                })
                .collect();
            let flags = if *case_sensitive { "" } else { "(?i)" };
            format!("{flags}(?:{})", alternatives.join("|"))
        }
    }
}

pub(super) fn build_regex(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// Checks one rule's matcher; violations are named relative to the rule (`pattern`,
/// `terms.terms[2]`).
fn check_matcher(matcher: &PolicyMatcher) -> Vec<FieldViolation> {
    let mut violations = Vec::new();
    match matcher {
        PolicyMatcher::Pattern(pattern) => {
            if pattern.is_empty() {
                violations.push(FieldViolation::new("pattern", "must not be empty"));
            } else if pattern.len() > MAX_PATTERN_LEN {
                violations.push(FieldViolation::new(
                    "pattern",
                    format!(
                        "is {} bytes long; at most {MAX_PATTERN_LEN} allowed",
                        pattern.len()
                    ),
                ));
            }
        }
        PolicyMatcher::Terms { terms, .. } => {
            if terms.is_empty() {
                violations.push(FieldViolation::new("terms.terms", "give at least one term"));
            }
            if terms.len() > MAX_TERMS {
                violations.push(FieldViolation::new(
                    "terms.terms",
                    format!("has {} terms; at most {MAX_TERMS} allowed", terms.len()),
                ));
            }
            for (index, term) in terms.iter().enumerate() {
                if term.trim().is_empty() {
                    violations.push(FieldViolation::new(
                        format!("terms.terms[{index}]"),
                        "must not be empty",
                    ));
                } else if term.len() > MAX_TERM_LEN {
                    violations.push(FieldViolation::new(
                        format!("terms.terms[{index}]"),
                        format!("is longer than {MAX_TERM_LEN} bytes"),
                    ));
                }
            }
        }
    }
    if !violations.is_empty() {
        return violations;
    }
    let field = match matcher {
        PolicyMatcher::Pattern(_) => "pattern",
        PolicyMatcher::Terms { .. } => "terms.terms",
    };
    match build_regex(&source(matcher)) {
        Err(error) => violations.push(FieldViolation::new(field, describe_regex_error(&error))),
        Ok(regex) if regex.is_match("") => violations.push(FieldViolation::new(
            field,
            "matches empty text, so it would match everywhere; make it require at least one character",
        )),
        Ok(_) => {}
    }
    violations
}

pub(super) fn describe_regex_error(error: &regex::Error) -> String {
    match error {
        regex::Error::CompiledTooBig(limit) => {
            format!("compiles to more than {limit} bytes; simplify it")
        }
        // The syntax error renders the pattern with a caret under the problem, over several
        // lines; one line reads better in a status message.
        other => {
            let text = other.to_string();
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            format!("invalid regular expression: {}", lines.join(" "))
        }
    }
}

impl CompiledPolicies {
    /// Compiles the rules; violations are named relative to the criteria (`policies[1].pattern`).
    pub fn compile(rules: &[PolicyRule]) -> Result<Self, Vec<FieldViolation>> {
        let violations: Vec<FieldViolation> = rules
            .iter()
            .enumerate()
            .flat_map(|(index, rule)| {
                check_matcher(&rule.matcher)
                    .into_iter()
                    .map(move |v| v.under(&format!("policies[{index}]")))
            })
            .collect();
        if !violations.is_empty() {
            return Err(violations);
        }
        let sources: Vec<String> = rules.iter().map(|rule| source(&rule.matcher)).collect();
        let regexes = sources
            .iter()
            .map(|source| build_regex(source))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| {
                vec![FieldViolation::new(
                    "policies",
                    describe_regex_error(&error),
                )]
            })?;
        let set = RegexSetBuilder::new(&sources)
            .size_limit(REGEX_SIZE_LIMIT * rules.len().max(1))
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|error| {
                vec![FieldViolation::new(
                    "policies",
                    describe_regex_error(&error),
                )]
            })?;
        Ok(Self { set, regexes })
    }

    /// Every rule that matches `text`, with where.
    pub fn find(&self, text: &str) -> Vec<PolicyMatches> {
        if self.regexes.is_empty() {
            return Vec::new();
        }
        self.set
            .matches(text)
            .into_iter()
            .map(|rule| {
                let mut ranges = Vec::new();
                let mut count = 0;
                for found in self.regexes[rule].find_iter(text) {
                    if found.is_empty() {
                        continue;
                    }
                    count += 1;
                    if ranges.len() < MAX_LOCATED_MATCHES {
                        ranges.push(found.range());
                    }
                }
                PolicyMatches {
                    rule,
                    ranges,
                    count,
                }
            })
            .filter(|matches| matches.count > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PolicyEffect, Severity};

    fn rule(matcher: PolicyMatcher) -> PolicyRule {
        PolicyRule {
            id: "r".into(),
            description: String::new(),
            matcher,
            effect: PolicyEffect::Reject,
            severity: Severity::Major,
            remediation: String::new(),
        }
    }

    fn terms(list: &[&str], case_sensitive: bool) -> PolicyMatcher {
        PolicyMatcher::Terms {
            terms: list.iter().map(|t| t.to_string()).collect(),
            case_sensitive,
        }
    }

    #[test]
    fn patterns_match_with_positions() {
        let policies =
            CompiledPolicies::compile(&[rule(PolicyMatcher::Pattern(r"guarantee[ds]?".into()))])
                .unwrap();
        let text = "We guarantee returns. Guaranteed! guaranteed.";
        let found = policies.find(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].count, 2);
        assert_eq!(&text[found[0].ranges[1].clone()], "guaranteed");
    }

    #[test]
    fn terms_are_whole_words_and_fold_case_unless_told() {
        let text = "Confidential: the CONFIDENTIALITY note; internal-only. Ünternehmen ünternehmen";
        let insensitive =
            CompiledPolicies::compile(&[rule(terms(&["confidential", "ÜNTERNEHMEN"], false))])
                .unwrap();
        let found = insensitive.find(text);
        assert_eq!(found[0].count, 3, "{found:?}"); // not CONFIDENTIALITY
        let sensitive = CompiledPolicies::compile(&[rule(terms(&["confidential"], true))]).unwrap();
        assert!(sensitive.find(text).is_empty());
    }

    #[test]
    fn terms_with_symbols_match_at_their_edges() {
        let policies = CompiledPolicies::compile(&[rule(terms(&["C++", "$100"], false))]).unwrap();
        let found = policies.find("Use C++ and pay $100 now");
        assert_eq!(found[0].count, 2);
    }

    #[test]
    fn only_matching_rules_are_reported() {
        let policies = CompiledPolicies::compile(&[
            rule(PolicyMatcher::Pattern("alpha".into())),
            rule(PolicyMatcher::Pattern("beta".into())),
        ])
        .unwrap();
        let found = policies.find("only beta here");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, 1);
    }

    #[test]
    fn bad_matchers_name_their_field() {
        let violations = CompiledPolicies::compile(&[
            rule(PolicyMatcher::Pattern("ok".into())),
            rule(PolicyMatcher::Pattern("(unclosed".into())),
            rule(PolicyMatcher::Pattern("a*".into())),
            rule(terms(&["fine", " "], false)),
            rule(terms(&[], false)),
        ])
        .unwrap_err();
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "policies[1].pattern",
                "policies[2].pattern",
                "policies[3].terms.terms[1]",
                "policies[4].terms.terms"
            ]
        );
        assert!(
            violations[0]
                .description
                .contains("invalid regular expression")
        );
        assert!(!violations[0].description.contains('\n'));
        assert!(violations[1].description.contains("empty text"));
    }

    #[test]
    fn huge_patterns_are_refused_not_compiled_forever() {
        let violations =
            CompiledPolicies::compile(&[rule(PolicyMatcher::Pattern(r"\w{1000}\w{1000}".into()))])
                .unwrap_err();
        assert!(
            violations[0].description.contains("compiles to more than"),
            "{violations:?}"
        );
    }
}
