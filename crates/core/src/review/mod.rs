//! The review gate: decides whether an orchestration's combined output may reach a user, says
//! precisely how to fix it when not, and redacts what must not leak. Pure domain code: no gRPC,
//! no storage.
//!
//! A review runs deterministic rules first (sections, task failures, thresholds, policies,
//! consistency, sensitive data), then the optional judge on the redacted output. An issue of
//! severity MAJOR or CRITICAL rejects.

mod checks;
pub mod consistency;
pub mod feedback;
pub mod judge;
pub mod pii;
pub mod policy;
pub mod redaction;
pub mod sections;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::Arc;

use chrono::Utc;

use crate::model::{
    FieldViolation, IssueKind, PiiCategory, PolicyEffect, RedactionCount, ReviewCriteria,
    ReviewDecision, ReviewIssue, Severity, TaskState, Verdict,
};
use checks::Subject;
pub use judge::{Judge, JudgeAnswer, JudgeError, JudgeRequest};
pub use pii::Pseudonyms;
use pii::Scanner;
use pii::custom::CustomDetectors;
use policy::CompiledPolicies;
use redaction::Replacement;

pub const MAX_REQUIRED_SECTIONS: usize = 100;
pub const MAX_POLICIES: usize = 100;
pub const MAX_VALIDATION_PROMPTS: usize = 20;
pub const MAX_RUNS_AFTER_REJECT: u32 = 10;
const MAX_NAME_LEN: usize = 200;
const MAX_TEXT_LEN: usize = 4000;
/// Confidence given to a judge's verdict that states none.
const DEFAULT_JUDGE_CONFIDENCE: f64 = 0.7;

/// What the review knows of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewedTask {
    pub task_id: String,
    /// The section of the output this task fills.
    pub section: String,
    pub state: TaskState,
    pub output: String,
    pub confidence: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    /// The aggregated markdown output.
    pub output: &'a str,
    pub tasks: &'a [ReviewedTask],
    /// Which run of the orchestration this is (1 for the first).
    pub run: u32,
    /// Keys the HASH redaction style: equal values get equal pseudonyms within a tenant only.
    pub pseudonyms: &'a Pseudonyms,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewOutcome {
    pub decision: ReviewDecision,
    /// The output after redaction: the only form of it that may leave the service.
    pub redacted_output: String,
    /// What was redacted, where: for callers that highlight it (never the values).
    pub findings: Vec<SensitiveFinding>,
}

/// One redacted value of the reviewed output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveFinding {
    /// `EMAIL`, a custom detector's category, or `policy:<rule id>`.
    pub category: String,
    /// Bytes of the raw output.
    pub range: Range<usize>,
    /// A built-in detector's name (`phone_labelled`), `custom:<name>` or `policy:<rule id>`.
    pub detector: String,
}

/// A sensitive value found by a built-in or a custom detector.
struct Detected<'c> {
    range: Range<usize>,
    category: &'c str,
    detector: &'c str,
    /// The built-in category, which decides how the value is masked; `None` for custom ones.
    builtin: Option<PiiCategory>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The criteria ask for a judge and none can be reached: the review cannot decide, and an
    /// output is never approved by default.
    #[error("the review needs judge agent {agent:?}, which is not available here")]
    NoJudge { agent: String },
    #[error(transparent)]
    Judge(#[from] JudgeError),
}

/// Criteria checked and compiled once, reused for every review.
#[derive(Debug, Clone)]
pub struct CompiledCriteria {
    criteria: Arc<ReviewCriteria>,
    policies: CompiledPolicies,
    /// None when redaction is off.
    scanner: Option<Scanner>,
    /// The tenant's own detectors; they run when the scanner does.
    custom: CustomDetectors,
}

/// Everything wrong with `criteria`, each named by its field (`policies[1].pattern`).
pub fn validate(criteria: &ReviewCriteria) -> Vec<FieldViolation> {
    let mut violations = Vec::new();
    let mut check_len = |field: String, text: &str, max: usize| {
        if text.chars().count() > max {
            violations.push(FieldViolation::new(
                field,
                format!("is longer than {max} characters"),
            ));
        }
    };
    check_len("display_name".into(), &criteria.display_name, MAX_NAME_LEN);
    for (index, rule) in criteria.policies.iter().enumerate() {
        check_len(
            format!("policies[{index}].description"),
            &rule.description,
            MAX_TEXT_LEN,
        );
        check_len(
            format!("policies[{index}].remediation"),
            &rule.remediation,
            MAX_TEXT_LEN,
        );
    }
    for (index, prompt) in criteria.validation_prompts.iter().enumerate() {
        check_len(format!("validation_prompts[{index}]"), prompt, MAX_TEXT_LEN);
    }

    if criteria.required_sections.len() > MAX_REQUIRED_SECTIONS {
        violations.push(FieldViolation::new(
            "required_sections",
            format!("at most {MAX_REQUIRED_SECTIONS} sections"),
        ));
    }
    let mut seen_sections: HashMap<String, usize> = HashMap::new();
    for (index, name) in criteria.required_sections.iter().enumerate() {
        let field = format!("required_sections[{index}]");
        let normalized = sections::normalize_name(name);
        if normalized.is_empty() {
            violations.push(FieldViolation::new(field, "must not be empty"));
        } else if name.chars().count() > MAX_NAME_LEN {
            violations.push(FieldViolation::new(
                field,
                format!("is longer than {MAX_NAME_LEN} characters"),
            ));
        } else if let Some(first) = seen_sections.insert(normalized, index) {
            violations.push(FieldViolation::new(
                field,
                format!("repeats required_sections[{first}] (names compare case-insensitively)"),
            ));
        }
    }

    let thresholds = &criteria.thresholds;
    for (field, value) in [
        ("thresholds.min_confidence", thresholds.min_confidence),
        (
            "thresholds.min_task_success_ratio",
            thresholds.min_task_success_ratio,
        ),
    ] {
        if let Some(value) = value
            && !(0.0..=1.0).contains(&value)
        {
            violations.push(FieldViolation::new(
                field,
                format!("is {value}; must be between 0 and 1"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (thresholds.min_output_chars, thresholds.max_output_chars)
        && min > max
    {
        violations.push(FieldViolation::new(
            "thresholds.max_output_chars",
            format!("is {max}, below min_output_chars ({min})"),
        ));
    }

    if criteria.policies.len() > MAX_POLICIES {
        violations.push(FieldViolation::new(
            "policies",
            format!("at most {MAX_POLICIES} rules"),
        ));
    }
    let mut seen_rules: HashMap<&str, usize> = HashMap::new();
    for (index, rule) in criteria.policies.iter().enumerate() {
        let field = format!("policies[{index}].id");
        if rule.id.is_empty() {
            violations.push(FieldViolation::new(
                field,
                "is required: issues cite the rule by its id",
            ));
        } else if !crate::model::validation::is_valid_id(&rule.id, 63) {
            violations.push(FieldViolation::new(
                field,
                "use 1 to 63 letters, digits, '-' or '_'",
            ));
        } else if let Some(first) = seen_rules.insert(&rule.id, index) {
            violations.push(FieldViolation::new(
                field,
                format!("repeats policies[{first}].id"),
            ));
        }
    }

    if criteria.validation_prompts.len() > MAX_VALIDATION_PROMPTS {
        violations.push(FieldViolation::new(
            "validation_prompts",
            format!("at most {MAX_VALIDATION_PROMPTS} prompts"),
        ));
    }
    for (index, prompt) in criteria.validation_prompts.iter().enumerate() {
        if prompt.trim().is_empty() {
            violations.push(FieldViolation::new(
                format!("validation_prompts[{index}]"),
                "must not be empty",
            ));
        }
    }
    match (
        &criteria.judge_agent,
        criteria.validation_prompts.is_empty(),
    ) {
        (None, false) => violations.push(FieldViolation::new(
            "judge_agent",
            "is required when validation_prompts are given: name the agent that answers them",
        )),
        (Some(_), true) => violations.push(FieldViolation::new(
            "validation_prompts",
            "give at least one question for the judge agent",
        )),
        _ => {}
    }
    if let Some(agent) = &criteria.judge_agent
        && !crate::model::validation::is_valid_id(agent, 63)
    {
        violations.push(FieldViolation::new(
            "judge_agent",
            "is not a valid agent name",
        ));
    }
    if criteria.max_runs_after_reject > MAX_RUNS_AFTER_REJECT {
        violations.push(FieldViolation::new(
            "max_runs_after_reject",
            format!(
                "is {}; at most {MAX_RUNS_AFTER_REJECT}",
                criteria.max_runs_after_reject
            ),
        ));
    }
    violations
}

impl CompiledCriteria {
    /// Validates and compiles; every violation is reported, not only the first.
    pub fn compile(criteria: Arc<ReviewCriteria>) -> Result<Self, Vec<FieldViolation>> {
        let mut violations = validate(&criteria);
        let policies = match CompiledPolicies::compile(&criteria.policies) {
            Ok(policies) => Some(policies),
            Err(found) => {
                violations.extend(found);
                None
            }
        };
        let custom = match CustomDetectors::compile(&criteria.redaction.custom_detectors) {
            Ok(custom) => Some(custom),
            Err(found) => {
                violations.extend(found);
                None
            }
        };
        match (policies, custom) {
            (Some(policies), Some(custom)) if violations.is_empty() => {
                let scanner = criteria
                    .redaction
                    .enabled
                    .then(|| Scanner::new(&criteria.redaction.effective_categories()));
                Ok(Self {
                    criteria,
                    policies,
                    scanner,
                    custom,
                })
            }
            _ => Err(violations),
        }
    }

    pub fn criteria(&self) -> &Arc<ReviewCriteria> {
        &self.criteria
    }

    /// Reviews with the rules, then with the judge when the criteria name one.
    pub async fn review(
        &self,
        input: ReviewInput<'_>,
        judge: Option<&dyn Judge>,
    ) -> Result<ReviewOutcome, ReviewError> {
        let mut staged = self.review_rules(input);
        if let Some(agent) = &self.criteria.judge_agent {
            let judge = judge.ok_or_else(|| ReviewError::NoJudge {
                agent: agent.clone(),
            })?;
            let answers = judge
                .judge(JudgeRequest {
                    agent: agent.clone(),
                    output: staged.redacted_output.clone(),
                    prompts: self.criteria.validation_prompts.clone(),
                })
                .await?;
            staged.add_judge_answers(agent, &answers, self.scrubber(input.pseudonyms));
        }
        Ok(staged.finish(&self.criteria, input.run))
    }

    /// `text` with the sensitive data these criteria redact replaced: for everything that
    /// leaves the service besides the reviewed output (task outputs, errors, issue texts).
    pub fn redact(&self, text: &str, pseudonyms: &Pseudonyms) -> String {
        let found = self.sensitive(text);
        if found.is_empty() {
            return text.to_owned();
        }
        let replacements = found
            .iter()
            .filter_map(|d| {
                Some(Replacement {
                    text: self.replacement(d, text.get(d.range.clone())?, pseudonyms),
                    range: d.range.clone(),
                })
            })
            .collect();
        redaction::apply(text, replacements).text
    }

    /// The sensitive values in `text` that these criteria redact, sorted and non-overlapping:
    /// of overlapping ones the earliest wins, then the longest, then a built-in one.
    fn sensitive(&self, text: &str) -> Vec<Detected<'_>> {
        let Some(scanner) = &self.scanner else {
            return Vec::new();
        };
        let mut found: Vec<Detected<'_>> = scanner
            .scan(text)
            .into_iter()
            .map(|f| Detected {
                range: f.range,
                category: f.category.as_str(),
                detector: f.detector.as_str(),
                builtin: Some(f.category),
            })
            .collect();
        if self.custom.is_empty() {
            return found;
        }
        found.extend(self.custom.scan(text).into_iter().map(|f| Detected {
            range: f.range,
            category: f.category,
            detector: f.detector,
            builtin: None,
        }));
        found.sort_by(|a, b| {
            (a.range.start, b.range.end, b.builtin.is_some()).cmp(&(
                b.range.start,
                a.range.end,
                a.builtin.is_some(),
            ))
        });
        let mut end = 0;
        found.retain(|d| {
            let keep = d.range.start >= end;
            if keep {
                end = d.range.end;
            }
            keep
        });
        found
    }

    fn replacement(&self, found: &Detected<'_>, value: &str, pseudonyms: &Pseudonyms) -> String {
        let style = self.criteria.redaction.style;
        match found.builtin {
            Some(category) => pii::replacement(category, value, style, pseudonyms),
            None => pii::custom_replacement(found.category, value, style, pseudonyms),
        }
    }

    fn scrubber<'s>(&'s self, pseudonyms: &'s Pseudonyms) -> impl Fn(&str) -> String + 's {
        move |text: &str| self.redact(text, pseudonyms)
    }

    /// The deterministic part of the review.
    pub fn review_rules(&self, input: ReviewInput<'_>) -> StagedReview {
        let criteria = &*self.criteria;
        let raw = input.output;
        let scrub = self.scrubber(input.pseudonyms);
        let parsed = sections::parse(raw);
        let mut issues = Vec::new();

        // Sensitive data and REDACT policies decide what the output becomes.
        let mut replacements = Vec::new();
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        // By category: built-in ones in their order, then custom ones by name.
        let mut pii_sections: BTreeMap<(u8, &str), Vec<String>> = BTreeMap::new();
        let mut findings = Vec::new();
        let found = self.sensitive(raw);
        for finding in &found {
            let Some(value) = raw.get(finding.range.clone()) else {
                continue;
            };
            *counts.entry(finding.category.to_owned()).or_default() += 1;
            let section =
                sections::containing(&parsed, finding.range.start).map(|s| s.name.to_owned());
            // A custom category may reuse a built-in name (`SECRET`): one issue for both.
            let rank = PiiCategory::from_name(finding.category).map_or(u8::MAX, |c| c as u8);
            let listed = pii_sections.entry((rank, finding.category)).or_default();
            if let Some(section) = section
                && !listed.contains(&section)
            {
                listed.push(section);
            }
            replacements.push(Replacement {
                text: self.replacement(finding, value, input.pseudonyms),
                range: finding.range.clone(),
            });
            findings.push(SensitiveFinding {
                category: finding.category.to_owned(),
                range: finding.range.clone(),
                detector: finding.detector.to_owned(),
            });
        }
        let matches = self.policies.find(raw);
        for found in &matches {
            let rule = &criteria.policies[found.rule];
            if rule.effect == PolicyEffect::Redact {
                *counts.entry(format!("policy:{}", rule.id)).or_default() +=
                    found.ranges.len() as u32;
                replacements.extend(found.ranges.iter().map(|range| Replacement {
                    range: range.clone(),
                    text: format!("[REDACTED:{}]", rule.id),
                }));
                findings.extend(found.ranges.iter().map(|range| SensitiveFinding {
                    category: format!("policy:{}", rule.id),
                    range: range.clone(),
                    detector: format!("policy:{}", rule.id),
                }));
            }
        }
        let redacted = redaction::apply(raw, replacements);

        let subject = Subject {
            criteria,
            raw,
            parsed: &parsed,
            tasks: input.tasks,
            scrub: &scrub,
        };
        issues.extend(checks::sections::issues(&subject));
        issues.extend(checks::tasks::issues(&subject));
        issues.extend(checks::thresholds::issues(&subject));
        issues.extend(checks::policies::issues(&subject, &matches, &redacted));
        if criteria.check_consistency {
            issues.extend(checks::consistency::issues(&subject));
        }
        issues.extend(checks::sensitive::issues(&subject, &pii_sections, &counts));

        findings.sort_by_key(|f| (f.range.start, f.range.end));
        StagedReview {
            issues,
            redacted_output: redacted.text,
            findings,
            redactions: counts
                .into_iter()
                .map(|(category, count)| RedactionCount { category, count })
                .collect(),
            judge: None,
        }
    }
}

/// The rules' findings, before the judge and the verdict.
#[derive(Debug, Clone)]
pub struct StagedReview {
    pub issues: Vec<ReviewIssue>,
    pub redacted_output: String,
    pub redactions: Vec<RedactionCount>,
    pub findings: Vec<SensitiveFinding>,
    /// The judge agent and the confidences of its answers, when it ran.
    judge: Option<(String, Vec<f64>)>,
}

impl StagedReview {
    fn add_judge_answers(
        &mut self,
        agent: &str,
        answers: &[JudgeAnswer],
        scrub: impl Fn(&str) -> String,
    ) {
        let mut confidences = Vec::new();
        for answer in answers {
            let confidence = answer
                .confidence
                .filter(|c| (0.0..=1.0).contains(c))
                .unwrap_or(DEFAULT_JUDGE_CONFIDENCE);
            confidences.push(confidence);
            if answer.passed {
                continue;
            }
            let explanation = scrub(answer.explanation.trim());
            let remediation = if explanation.is_empty() {
                format!(
                    "Change the output so that the judge's check passes: {}",
                    answer.prompt
                )
            } else {
                explanation.clone()
            };
            self.issues.push(ReviewIssue::new(
                IssueKind::Judge,
                Severity::Major,
                format!(
                    "Judge '{agent}' failed the check {:?}: {explanation}",
                    answer.prompt
                ),
                remediation,
            ));
        }
        self.judge = Some((agent.to_owned(), confidences));
    }

    /// The verdict, confidence and feedback.
    ///
    /// Confidence: a rejection by a deterministic rule is certain (1.0); a rejection by the judge
    /// alone is as certain as the judge said. An approval starts at 1.0, loses 0.05 per minor
    /// issue (down to 0.5), and is scaled by the judge's lowest confidence when a judge ran.
    pub fn finish(self, criteria: &ReviewCriteria, run: u32) -> ReviewOutcome {
        let rejected_by_rules = self
            .issues
            .iter()
            .any(|i| i.severity.rejects() && i.kind != IssueKind::Judge);
        let rejected_by_judge = self
            .issues
            .iter()
            .any(|i| i.severity.rejects() && i.kind == IssueKind::Judge);
        let judge_confidence = self
            .judge
            .as_ref()
            .and_then(|(_, c)| c.iter().copied().reduce(f64::min));
        let (verdict, confidence) = if rejected_by_rules {
            (Verdict::Rejected, 1.0)
        } else if rejected_by_judge {
            (
                Verdict::Rejected,
                judge_confidence.unwrap_or(DEFAULT_JUDGE_CONFIDENCE),
            )
        } else {
            let minors = self.issues.len() as f64;
            let rules = (1.0 - 0.05 * minors).max(0.5);
            (Verdict::Approved, rules * judge_confidence.unwrap_or(1.0))
        };
        let reviewer = match &self.judge {
            Some((agent, _)) => format!("rules+{agent}"),
            None => "rules".to_owned(),
        };
        let feedback = feedback::compose(verdict, &self.issues);
        ReviewOutcome {
            decision: ReviewDecision {
                decision_id: new_decision_id(),
                verdict,
                confidence,
                feedback,
                issues: self.issues,
                redactions: self.redactions,
                action: (verdict == Verdict::Rejected).then_some(criteria.reject_action),
                criteria_id: criteria.id.clone(),
                criteria_version: criteria.version,
                reviewer,
                create_time: Utc::now(),
                run,
            },
            redacted_output: self.redacted_output,
            findings: self.findings,
        }
    }
}

/// Decision ids sort by creation time (UUIDv7).
pub fn new_decision_id() -> String {
    format!("dec-{}", uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests;
