//! Review criteria, decisions and reviewed tasks.

use std::collections::HashSet;

use crate::api::pb;
use crate::model::{
    Checksum, CustomDetector, FieldViolation, IssueKind, PiiCategory, PolicyEffect, PolicyMatcher,
    PolicyRule, QualityThresholds, RedactionSettings, RedactionStyle, RejectAction, ReviewCriteria,
    ReviewDecision, ReviewIssue, Severity, TaskState, Verdict,
};
use crate::review::{ReviewedTask, SensitiveFinding};

use super::timestamp;

fn unknown_enum(field: impl Into<String>, value: i32) -> FieldViolation {
    FieldViolation::new(field, format!("unknown enum value {value}"))
}

/// Criteria from the API, with what is wrong with their shape (unknown enum values and
/// categories, a rule with no matcher). The criteria come back even then, with neutral stand-ins
/// for the bad parts, so that the deeper checks can run too and the caller hears of every
/// problem at once. `version` is carried over for updates; times are the server's to set.
pub fn criteria_from_proto(proto: pb::ReviewCriteria) -> (ReviewCriteria, Vec<FieldViolation>) {
    let mut violations = Vec::new();
    let thresholds = proto.thresholds.unwrap_or_default();

    let mut policies = Vec::with_capacity(proto.policies.len());
    for (index, rule) in proto.policies.into_iter().enumerate() {
        let field = |name: &str| format!("policies[{index}].{name}");
        let matcher = match rule.r#match {
            Some(pb::policy_rule::Match::Pattern(pattern)) => Some(PolicyMatcher::Pattern(pattern)),
            Some(pb::policy_rule::Match::Terms(list)) => Some(PolicyMatcher::Terms {
                terms: list.terms,
                case_sensitive: list.case_sensitive,
            }),
            None => {
                violations.push(FieldViolation::new(
                    format!("policies[{index}]"),
                    "set either pattern or terms",
                ));
                None
            }
        };
        // A stand-in that passes every check, so the rule keeps its index for the others.
        let matcher = matcher.unwrap_or_else(|| PolicyMatcher::Terms {
            terms: vec!["unset".to_owned()],
            case_sensitive: true,
        });
        let effect = match pb::PolicyEffect::try_from(rule.effect) {
            Ok(pb::PolicyEffect::Unspecified | pb::PolicyEffect::Reject) => PolicyEffect::Reject,
            Ok(pb::PolicyEffect::Redact) => PolicyEffect::Redact,
            Ok(pb::PolicyEffect::Warn) => PolicyEffect::Warn,
            Err(_) => {
                violations.push(unknown_enum(field("effect"), rule.effect));
                PolicyEffect::Reject
            }
        };
        let severity = severity_from_proto(rule.severity).unwrap_or_else(|| {
            violations.push(unknown_enum(field("severity"), rule.severity));
            Severity::Major
        });
        policies.push(PolicyRule {
            id: rule.id,
            description: rule.description,
            matcher,
            effect,
            severity,
            remediation: rule.remediation,
        });
    }

    // Absent redaction settings mean redaction on: leaking by omission is the worse mistake.
    let redaction = match proto.redaction {
        None => RedactionSettings {
            enabled: true,
            ..RedactionSettings::default()
        },
        Some(settings) => {
            let mut categories = Vec::new();
            for (index, name) in settings.categories.iter().enumerate() {
                match PiiCategory::from_name(name.trim()) {
                    Some(category) if !categories.contains(&category) => categories.push(category),
                    Some(_) => {}
                    None => violations.push(FieldViolation::new(
                        format!("redaction.categories[{index}]"),
                        format!(
                            "unknown category {name:?}; known: {}",
                            PiiCategory::ALL.map(PiiCategory::as_str).join(", ")
                        ),
                    )),
                }
            }
            let style = match pb::RedactionStyle::try_from(settings.style) {
                Ok(pb::RedactionStyle::Unspecified | pb::RedactionStyle::Label) => {
                    RedactionStyle::Label
                }
                Ok(pb::RedactionStyle::Mask) => RedactionStyle::Mask,
                Ok(pb::RedactionStyle::Hash) => RedactionStyle::Hash,
                Err(_) => {
                    violations.push(unknown_enum("redaction.style", settings.style));
                    RedactionStyle::Label
                }
            };
            let custom_detectors = settings
                .custom_detectors
                .into_iter()
                .enumerate()
                .map(|(index, detector)| {
                    let checksum = checksum_from_proto(detector.checksum).unwrap_or_else(|| {
                        violations.push(unknown_enum(
                            format!("redaction.custom_detectors[{index}].checksum"),
                            detector.checksum,
                        ));
                        None
                    });
                    CustomDetector {
                        name: detector.name,
                        pattern: detector.pattern,
                        context_words: detector.context_words,
                        checksum,
                        category: detector.category,
                    }
                })
                .collect();
            RedactionSettings {
                enabled: settings.enabled,
                categories,
                style,
                reject_on_detection: settings.reject_on_detection,
                custom_detectors,
            }
        }
    };

    let reject_action = match pb::RejectAction::try_from(proto.reject_action) {
        Ok(pb::RejectAction::Unspecified | pb::RejectAction::Error) => RejectAction::Error,
        Ok(pb::RejectAction::Retry) => RejectAction::Retry,
        Ok(pb::RejectAction::Escalate) => RejectAction::Escalate,
        Err(_) => {
            violations.push(unknown_enum("reject_action", proto.reject_action));
            RejectAction::Error
        }
    };

    let judge_agent = Some(proto.judge_agent.trim().to_owned()).filter(|a| !a.is_empty());
    let criteria = ReviewCriteria {
        id: proto.id,
        version: proto.version,
        display_name: proto.display_name,
        required_sections: proto.required_sections,
        thresholds: QualityThresholds {
            min_confidence: thresholds.min_confidence,
            min_task_success_ratio: thresholds.min_task_success_ratio,
            min_output_chars: thresholds.min_output_chars,
            max_output_chars: thresholds.max_output_chars,
        },
        policies,
        redaction,
        check_consistency: proto.check_consistency,
        validation_prompts: proto.validation_prompts,
        judge_agent,
        reject_action,
        max_runs_after_reject: proto.max_runs_after_reject.unwrap_or(1),
        ..ReviewCriteria::empty(String::new())
    };
    (criteria, violations)
}

/// `Some(None)` for no check, `None` for an unknown value.
fn checksum_from_proto(value: i32) -> Option<Option<Checksum>> {
    Some(match pb::Checksum::try_from(value).ok()? {
        pb::Checksum::Unspecified => None,
        pb::Checksum::Luhn => Some(Checksum::Luhn),
        pb::Checksum::Mod97 => Some(Checksum::Mod97),
        pb::Checksum::Mod11 => Some(Checksum::Mod11),
    })
}

fn checksum_to_proto(checksum: Option<Checksum>) -> pb::Checksum {
    match checksum {
        None => pb::Checksum::Unspecified,
        Some(Checksum::Luhn) => pb::Checksum::Luhn,
        Some(Checksum::Mod97) => pb::Checksum::Mod97,
        Some(Checksum::Mod11) => pb::Checksum::Mod11,
    }
}

fn severity_from_proto(value: i32) -> Option<Severity> {
    match pb::Severity::try_from(value).ok()? {
        pb::Severity::Unspecified | pb::Severity::Major => Some(Severity::Major),
        pb::Severity::Minor => Some(Severity::Minor),
        pb::Severity::Critical => Some(Severity::Critical),
    }
}

fn severity_to_proto(severity: Severity) -> pb::Severity {
    match severity {
        Severity::Minor => pb::Severity::Minor,
        Severity::Major => pb::Severity::Major,
        Severity::Critical => pb::Severity::Critical,
    }
}

fn reject_action_to_proto(action: RejectAction) -> pb::RejectAction {
    match action {
        RejectAction::Retry => pb::RejectAction::Retry,
        RejectAction::Escalate => pb::RejectAction::Escalate,
        RejectAction::Error => pb::RejectAction::Error,
    }
}

pub fn criteria_to_proto(criteria: &ReviewCriteria) -> pb::ReviewCriteria {
    pb::ReviewCriteria {
        id: criteria.id.clone(),
        version: criteria.version,
        display_name: criteria.display_name.clone(),
        required_sections: criteria.required_sections.clone(),
        thresholds: Some(pb::QualityThresholds {
            min_confidence: criteria.thresholds.min_confidence,
            min_task_success_ratio: criteria.thresholds.min_task_success_ratio,
            min_output_chars: criteria.thresholds.min_output_chars,
            max_output_chars: criteria.thresholds.max_output_chars,
        }),
        policies: criteria
            .policies
            .iter()
            .map(|rule| pb::PolicyRule {
                id: rule.id.clone(),
                description: rule.description.clone(),
                r#match: Some(match &rule.matcher {
                    PolicyMatcher::Pattern(pattern) => {
                        pb::policy_rule::Match::Pattern(pattern.clone())
                    }
                    PolicyMatcher::Terms {
                        terms,
                        case_sensitive,
                    } => pb::policy_rule::Match::Terms(pb::TermList {
                        terms: terms.clone(),
                        case_sensitive: *case_sensitive,
                    }),
                }),
                effect: match rule.effect {
                    PolicyEffect::Reject => pb::PolicyEffect::Reject,
                    PolicyEffect::Redact => pb::PolicyEffect::Redact,
                    PolicyEffect::Warn => pb::PolicyEffect::Warn,
                } as i32,
                severity: severity_to_proto(rule.severity) as i32,
                remediation: rule.remediation.clone(),
            })
            .collect(),
        redaction: Some(pb::RedactionSettings {
            enabled: criteria.redaction.enabled,
            categories: criteria
                .redaction
                .categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            style: match criteria.redaction.style {
                RedactionStyle::Label => pb::RedactionStyle::Label,
                RedactionStyle::Mask => pb::RedactionStyle::Mask,
                RedactionStyle::Hash => pb::RedactionStyle::Hash,
            } as i32,
            reject_on_detection: criteria.redaction.reject_on_detection,
            custom_detectors: criteria
                .redaction
                .custom_detectors
                .iter()
                .map(|d| pb::CustomDetector {
                    name: d.name.clone(),
                    pattern: d.pattern.clone(),
                    context_words: d.context_words.clone(),
                    checksum: checksum_to_proto(d.checksum) as i32,
                    category: d.category.clone(),
                })
                .collect(),
        }),
        check_consistency: criteria.check_consistency,
        validation_prompts: criteria.validation_prompts.clone(),
        judge_agent: criteria.judge_agent.clone().unwrap_or_default(),
        reject_action: reject_action_to_proto(criteria.reject_action) as i32,
        max_runs_after_reject: Some(criteria.max_runs_after_reject),
        create_time: Some(timestamp(criteria.create_time)),
        update_time: Some(timestamp(criteria.update_time)),
    }
}

fn issue_kind_to_proto(kind: IssueKind) -> pb::IssueKind {
    match kind {
        IssueKind::MissingSection => pb::IssueKind::MissingSection,
        IssueKind::Inconsistency => pb::IssueKind::Inconsistency,
        IssueKind::PolicyViolation => pb::IssueKind::PolicyViolation,
        IssueKind::QualityThreshold => pb::IssueKind::QualityThreshold,
        IssueKind::TaskFailed => pb::IssueKind::TaskFailed,
        IssueKind::SensitiveData => pb::IssueKind::SensitiveData,
        IssueKind::Judge => pb::IssueKind::Judge,
    }
}

fn issue_to_proto(issue: &ReviewIssue) -> pb::ReviewIssue {
    pb::ReviewIssue {
        kind: issue_kind_to_proto(issue.kind) as i32,
        severity: severity_to_proto(issue.severity) as i32,
        description: issue.description.clone(),
        section: issue.section.clone().unwrap_or_default(),
        task_id: issue.task_id.clone().unwrap_or_default(),
        remediation: issue.remediation.clone(),
        rule_id: issue.rule_id.clone().unwrap_or_default(),
        excerpt: issue.excerpt.clone().unwrap_or_default(),
    }
}

pub fn finding_to_proto(finding: SensitiveFinding) -> pb::SensitiveFinding {
    // Outputs are bounded far below 4 GiB (MAX_EVALUATE_OUTPUT_BYTES); saturate regardless.
    let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
    pb::SensitiveFinding {
        category: finding.category,
        start: offset(finding.range.start),
        end: offset(finding.range.end),
        detector: finding.detector,
    }
}

pub fn decision_to_proto(decision: &ReviewDecision) -> pb::ReviewDecision {
    pb::ReviewDecision {
        decision_id: decision.decision_id.clone(),
        verdict: match decision.verdict {
            Verdict::Approved => pb::ReviewVerdict::Approved,
            Verdict::Rejected => pb::ReviewVerdict::Rejected,
        } as i32,
        confidence: decision.confidence,
        issues: decision.issues.iter().map(issue_to_proto).collect(),
        feedback: decision.feedback.clone(),
        redactions: decision
            .redactions
            .iter()
            .map(|r| pb::RedactionCount {
                category: r.category.clone(),
                count: r.count,
            })
            .collect(),
        action: decision
            .action
            .map_or(pb::RejectAction::Unspecified, reject_action_to_proto) as i32,
        review_criteria_id: decision.criteria_id.clone(),
        review_criteria_version: decision.criteria_version,
        reviewer: decision.reviewer.clone(),
        create_time: Some(timestamp(decision.create_time)),
        run: decision.run,
    }
}

pub fn task_state_from_proto(value: i32) -> Option<TaskState> {
    Some(match pb::TaskState::try_from(value).ok()? {
        pb::TaskState::Unspecified => return None,
        pb::TaskState::Pending => TaskState::Pending,
        pb::TaskState::Running => TaskState::Running,
        pb::TaskState::Retrying => TaskState::Retrying,
        pb::TaskState::Succeeded => TaskState::Succeeded,
        pb::TaskState::Failed => TaskState::Failed,
        pb::TaskState::TimedOut => TaskState::TimedOut,
        pb::TaskState::Skipped => TaskState::Skipped,
        pb::TaskState::Cancelled => TaskState::Cancelled,
    })
}

/// Task results given to EvaluateReview. An unspecified state means SUCCEEDED; an empty
/// section means the task id.
pub fn reviewed_tasks_from_proto(
    tasks: Vec<pb::TaskResult>,
) -> Result<Vec<ReviewedTask>, Vec<FieldViolation>> {
    let mut violations = Vec::new();
    let mut seen = HashSet::new();
    let mut reviewed = Vec::with_capacity(tasks.len());
    for (index, task) in tasks.into_iter().enumerate() {
        let field = |name: &str| format!("tasks[{index}].{name}");
        if task.task_id.is_empty() {
            violations.push(FieldViolation::new(field("task_id"), "is required"));
        } else if !seen.insert(task.task_id.clone()) {
            violations.push(FieldViolation::new(
                field("task_id"),
                format!("repeats task {:?}", task.task_id),
            ));
        }
        let state = if task.state == pb::TaskState::Unspecified as i32 {
            TaskState::Succeeded
        } else {
            match task_state_from_proto(task.state) {
                Some(state) => state,
                None => {
                    violations.push(unknown_enum(field("state"), task.state));
                    continue;
                }
            }
        };
        if let Some(confidence) = task.confidence
            && !(0.0..=1.0).contains(&confidence)
        {
            violations.push(FieldViolation::new(
                field("confidence"),
                format!("is {confidence}; must be between 0 and 1"),
            ));
        }
        let section = if task.section.trim().is_empty() {
            task.task_id.clone()
        } else {
            task.section
        };
        reviewed.push(ReviewedTask {
            task_id: task.task_id,
            section,
            state,
            output: task.output,
            confidence: task.confidence,
            error: Some(task.error).filter(|e| !e.is_empty()),
        });
    }
    if violations.is_empty() {
        Ok(reviewed)
    } else {
        Err(violations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_api_shape() {
        let proto = pb::ReviewCriteria {
            id: "strict".into(),
            required_sections: vec!["Summary".into()],
            policies: vec![pb::PolicyRule {
                id: "r1".into(),
                r#match: Some(pb::policy_rule::Match::Terms(pb::TermList {
                    terms: vec!["secret".into()],
                    case_sensitive: true,
                })),
                effect: pb::PolicyEffect::Warn as i32,
                severity: pb::Severity::Minor as i32,
                ..Default::default()
            }],
            redaction: Some(pb::RedactionSettings {
                enabled: true,
                categories: vec!["email".into(), "EMAIL".into(), "IBAN".into()],
                style: pb::RedactionStyle::Hash as i32,
                reject_on_detection: true,
                ..Default::default()
            }),
            reject_action: pb::RejectAction::Escalate as i32,
            ..Default::default()
        };
        let (criteria, violations) = criteria_from_proto(proto);
        assert!(violations.is_empty());
        assert_eq!(
            criteria.redaction.categories,
            [PiiCategory::Email, PiiCategory::Iban]
        );
        assert_eq!(criteria.max_runs_after_reject, 1);
        let back = criteria_to_proto(&criteria);
        assert_eq!(back.policies[0].effect, pb::PolicyEffect::Warn as i32);
        assert_eq!(back.redaction.unwrap().categories, ["EMAIL", "IBAN"]);
        assert_eq!(back.reject_action, pb::RejectAction::Escalate as i32);
    }

    #[test]
    fn unset_redaction_means_redaction_on_and_unset_enums_take_their_defaults() {
        let (criteria, violations) = criteria_from_proto(pb::ReviewCriteria {
            policies: vec![pb::PolicyRule {
                id: "r".into(),
                r#match: Some(pb::policy_rule::Match::Pattern("x".into())),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert!(violations.is_empty());
        assert!(criteria.redaction.enabled);
        assert_eq!(criteria.policies[0].effect, PolicyEffect::Reject);
        assert_eq!(criteria.policies[0].severity, Severity::Major);
        assert_eq!(criteria.reject_action, RejectAction::Error);
    }

    #[test]
    fn shape_errors_name_their_fields() {
        let (criteria, violations) = criteria_from_proto(pb::ReviewCriteria {
            policies: vec![
                pb::PolicyRule {
                    id: "a".into(),
                    ..Default::default()
                },
                pb::PolicyRule {
                    id: "b".into(),
                    r#match: Some(pb::policy_rule::Match::Pattern("x".into())),
                    effect: 42,
                    ..Default::default()
                },
            ],
            redaction: Some(pb::RedactionSettings {
                categories: vec!["EMAIL".into(), "PASSPORT".into()],
                ..Default::default()
            }),
            reject_action: 9,
            ..Default::default()
        });
        assert_eq!(criteria.policies.len(), 2, "bad rules keep their place");
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "policies[0]",
                "policies[1].effect",
                "redaction.categories[1]",
                "reject_action"
            ]
        );
        assert!(violations[2].description.contains("known: EMAIL, PHONE"));
    }

    #[test]
    fn reviewed_tasks_default_and_validate() {
        let tasks = reviewed_tasks_from_proto(vec![pb::TaskResult {
            task_id: "a".into(),
            ..Default::default()
        }])
        .unwrap();
        assert_eq!(tasks[0].state, TaskState::Succeeded);
        assert_eq!(tasks[0].section, "a");
        let violations = reviewed_tasks_from_proto(vec![
            pb::TaskResult::default(),
            pb::TaskResult {
                task_id: "b".into(),
                state: 99,
                ..Default::default()
            },
            pb::TaskResult {
                task_id: "c".into(),
                confidence: Some(2.0),
                ..Default::default()
            },
            pb::TaskResult {
                task_id: "c".into(),
                ..Default::default()
            },
        ])
        .unwrap_err();
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "tasks[0].task_id",
                "tasks[1].state",
                "tasks[2].confidence",
                "tasks[3].task_id"
            ]
        );
    }
}
