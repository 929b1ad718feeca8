//! Rule-by-rule tests of the review gate. Detector-level tests live in `pii`.

use std::sync::Arc;

use async_trait::async_trait;

use super::*;
use crate::model::{
    PolicyMatcher, PolicyRule, QualityThresholds, RedactionSettings, RedactionStyle, RejectAction,
};

fn pseudonyms() -> Pseudonyms {
    Pseudonyms::new(b"test secret", "acme")
}

fn task(id: &str, state: TaskState, output: &str) -> ReviewedTask {
    ReviewedTask {
        task_id: id.into(),
        section: id.into(),
        state,
        output: output.into(),
        confidence: None,
        error: None,
    }
}

fn compile(criteria: ReviewCriteria) -> CompiledCriteria {
    CompiledCriteria::compile(Arc::new(criteria)).expect("valid criteria")
}

fn review(criteria: ReviewCriteria, output: &str, tasks: &[ReviewedTask]) -> ReviewOutcome {
    let pseudonyms = pseudonyms();
    let compiled = compile(criteria);
    futures_lite_block_on(compiled.review(
        ReviewInput {
            output,
            tasks,
            run: 1,
            pseudonyms: &pseudonyms,
        },
        None,
    ))
    .expect("rules-only review")
}

/// The rules-only review never awaits anything; a current-thread runtime runs it.
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn rule(id: &str, matcher: PolicyMatcher, effect: PolicyEffect, severity: Severity) -> PolicyRule {
    PolicyRule {
        id: id.into(),
        description: String::new(),
        matcher,
        effect,
        severity,
        remediation: String::new(),
    }
}

fn kinds(outcome: &ReviewOutcome) -> Vec<IssueKind> {
    outcome.decision.issues.iter().map(|i| i.kind).collect()
}

#[test]
fn a_clean_output_is_approved_with_full_confidence() {
    let criteria = ReviewCriteria {
        required_sections: vec!["Summary".into()],
        ..ReviewCriteria::empty("c")
    };
    let outcome = review(criteria, "## summary\nAll good.\n", &[]);
    assert_eq!(outcome.decision.verdict, Verdict::Approved);
    assert_eq!(outcome.decision.confidence, 1.0);
    assert!(outcome.decision.issues.is_empty());
    assert_eq!(outcome.decision.feedback, "");
    assert_eq!(outcome.decision.reviewer, "rules");
    assert_eq!(outcome.decision.action, None);
    assert!(outcome.decision.decision_id.starts_with("dec-"));
}

#[test]
fn missing_and_empty_sections_name_the_section_and_the_task() {
    let criteria = ReviewCriteria {
        required_sections: vec!["Summary".into(), "Risks".into(), "Sources".into()],
        reject_action: RejectAction::Retry,
        ..ReviewCriteria::empty("c")
    };
    let mut risks = task("risks", TaskState::TimedOut, "");
    risks.section = "Risks".into();
    risks.error = Some("attempt 3 timed out after 2s".into());
    let tasks = [task("summary", TaskState::Succeeded, "x"), risks];
    let outcome = review(criteria, "## Summary\ntext\n## Sources\n\n", &tasks);

    assert_eq!(outcome.decision.verdict, Verdict::Rejected);
    assert_eq!(outcome.decision.action, Some(RejectAction::Retry));
    let missing: Vec<&ReviewIssue> = outcome
        .decision
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::MissingSection)
        .collect();
    assert_eq!(missing.len(), 2);
    assert_eq!(missing[0].section.as_deref(), Some("Risks"));
    assert_eq!(missing[0].task_id.as_deref(), Some("risks"));
    assert!(missing[0].description.contains("missing"));
    assert!(
        missing[0]
            .description
            .contains("timed out: attempt 3 timed out after 2s")
    );
    assert_eq!(missing[0].remediation, "Add a non-empty '## Risks' section");
    assert!(missing[1].description.contains("'Sources' is empty"));
    assert!(
        outcome
            .decision
            .feedback
            .contains("Add a non-empty '## Risks' section")
    );
    assert!(
        outcome
            .decision
            .feedback
            .contains("Write content under the '## Sources' heading")
    );
}

#[test]
fn failed_tasks_block_only_when_their_section_is_required() {
    let criteria = ReviewCriteria {
        required_sections: vec!["Core".into()],
        ..ReviewCriteria::empty("c")
    };
    let mut core = task("core", TaskState::Failed, "");
    core.section = "Core".into();
    core.error = Some("agent returned 400".into());
    let extra = task("extra", TaskState::Skipped, "");
    let outcome = review(criteria, "## Core\nfilled by hand\n", &[core, extra]);
    let failed: Vec<&ReviewIssue> = outcome
        .decision
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::TaskFailed)
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].severity, Severity::Major);
    assert!(failed[0].description.contains("failed: agent returned 400"));
    assert_eq!(failed[1].severity, Severity::Minor);
    assert!(
        failed[1]
            .remediation
            .contains("dependencies of task 'extra'")
    );
    assert_eq!(outcome.decision.verdict, Verdict::Rejected);
}

#[test]
fn thresholds_state_actual_versus_required() {
    let criteria = ReviewCriteria {
        thresholds: QualityThresholds {
            min_confidence: Some(0.8),
            min_task_success_ratio: Some(0.75),
            min_output_chars: Some(50),
            max_output_chars: None,
        },
        ..ReviewCriteria::empty("c")
    };
    let mut sure = task("a", TaskState::Succeeded, "x");
    sure.confidence = Some(0.9);
    let mut unsure = task("b", TaskState::Succeeded, "x");
    unsure.confidence = Some(0.42);
    let failed = task("c", TaskState::Failed, "");
    let outcome = review(criteria, "## a\nshort\n", &[sure, unsure, failed]);
    let descriptions: Vec<&str> = outcome
        .decision
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::QualityThreshold)
        .map(|i| i.description.as_str())
        .collect();
    assert_eq!(descriptions.len(), 3, "{descriptions:?}");
    assert!(descriptions[0].contains("has 11 characters; at least 50"));
    assert!(descriptions[1].contains("2 of 3 tasks succeeded (0.67); at least 0.75"));
    assert!(descriptions[2].contains("'b' reported confidence 0.42; at least 0.80"));
}

#[test]
fn max_output_chars_counts_characters_not_bytes() {
    let criteria = ReviewCriteria {
        thresholds: QualityThresholds {
            max_output_chars: Some(5),
            ..QualityThresholds::default()
        },
        ..ReviewCriteria::empty("c")
    };
    assert_eq!(
        review(criteria.clone(), "ééééé", &[]).decision.verdict,
        Verdict::Approved
    );
    assert_eq!(
        review(criteria, "éééééé", &[]).decision.verdict,
        Verdict::Rejected
    );
}

#[test]
fn missing_confidences_are_noted_not_blocking() {
    let criteria = ReviewCriteria {
        thresholds: QualityThresholds {
            min_confidence: Some(0.5),
            ..QualityThresholds::default()
        },
        ..ReviewCriteria::empty("c")
    };
    let outcome = review(criteria, "x", &[task("a", TaskState::Succeeded, "x")]);
    assert_eq!(outcome.decision.verdict, Verdict::Approved);
    assert_eq!(outcome.decision.issues[0].severity, Severity::Minor);
    assert!(outcome.decision.confidence < 1.0);
    assert!(
        outcome
            .decision
            .feedback
            .starts_with("Approved with 1 note")
    );
}

#[test]
fn policy_rules_reject_warn_and_redact() {
    let criteria = ReviewCriteria {
        policies: vec![
            PolicyRule {
                description: "Promises of returns".into(),
                remediation: "Do not promise returns; describe risks instead.".into(),
                ..rule(
                    "no-guarantees",
                    PolicyMatcher::Pattern(r"(?i)guaranteed? returns?".into()),
                    PolicyEffect::Reject,
                    Severity::Critical,
                )
            },
            rule(
                "hedging",
                PolicyMatcher::Terms {
                    terms: vec!["probably".into()],
                    case_sensitive: false,
                },
                PolicyEffect::Warn,
                Severity::Critical,
            ),
            rule(
                "codename",
                PolicyMatcher::Terms {
                    terms: vec!["Project Falcon".into()],
                    case_sensitive: true,
                },
                PolicyEffect::Redact,
                Severity::Major,
            ),
        ],
        ..ReviewCriteria::empty("c")
    };
    let output = "## Summary\nProject Falcon offers Guaranteed returns, probably.\n## Outlook\nguaranteed return again\n";
    let outcome = review(criteria, output, &[]);
    assert_eq!(outcome.decision.verdict, Verdict::Rejected);
    assert!(!outcome.redacted_output.contains("Falcon"));
    assert!(
        outcome
            .redacted_output
            .contains("[REDACTED:codename] offers")
    );
    assert_eq!(
        outcome.decision.redactions,
        vec![RedactionCount {
            category: "policy:codename".into(),
            count: 1
        }]
    );

    let violations: Vec<&ReviewIssue> = outcome
        .decision
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::PolicyViolation)
        .collect();
    assert_eq!(violations.len(), 3, "{violations:#?}");
    let first = violations[0];
    assert_eq!(first.rule_id.as_deref(), Some("no-guarantees"));
    assert_eq!(first.severity, Severity::Critical);
    assert_eq!(first.section.as_deref(), Some("Summary"));
    assert_eq!(
        first.remediation,
        "Do not promise returns; describe risks instead."
    );
    assert!(
        first
            .description
            .contains("(Promises of returns) matched once in section 'Summary'")
    );
    // The excerpt is cut from the redacted output.
    assert_eq!(
        first.excerpt.as_deref(),
        Some("[REDACTED:codename] offers Guaranteed returns, probably.")
    );
    assert_eq!(violations[1].section.as_deref(), Some("Outlook"));
    let warning = violations[2];
    assert_eq!(warning.rule_id.as_deref(), Some("hedging"));
    assert_eq!(warning.severity, Severity::Minor, "WARN never rejects");
}

#[test]
fn warnings_alone_approve() {
    let criteria = ReviewCriteria {
        policies: vec![rule(
            "w",
            PolicyMatcher::Pattern("maybe".into()),
            PolicyEffect::Warn,
            Severity::Critical,
        )],
        ..ReviewCriteria::empty("c")
    };
    let outcome = review(criteria, "maybe", &[]);
    assert_eq!(outcome.decision.verdict, Verdict::Approved);
    assert!(
        outcome
            .decision
            .feedback
            .contains("Remove or rephrase the text that matches policy rule 'w'")
    );
}

#[test]
fn consistency_names_both_tasks_and_values() {
    let criteria = ReviewCriteria {
        check_consistency: true,
        ..ReviewCriteria::empty("c")
    };
    let tasks = [
        task(
            "pricing",
            TaskState::Succeeded,
            r#"{"currency":"EUR","total":10}"#,
        ),
        task(
            "invoice",
            TaskState::Succeeded,
            r#"{"currency":"USD","total":10}"#,
        ),
        task("broken", TaskState::Failed, r#"{"currency":"GBP"}"#),
    ];
    let outcome = review(criteria.clone(), "text", &tasks);
    assert_eq!(
        kinds(&outcome),
        [IssueKind::TaskFailed, IssueKind::Inconsistency]
    );
    let issue = &outcome.decision.issues[1];
    assert_eq!(
        issue.description,
        "Tasks 'pricing' and 'invoice' disagree on 'currency': \"EUR\" versus \"USD\"."
    );
    assert_eq!(issue.severity, Severity::Major);

    let unchecked = ReviewCriteria {
        check_consistency: false,
        ..criteria
    };
    assert!(!kinds(&review(unchecked, "text", &tasks)).contains(&IssueKind::Inconsistency));
}

#[test]
fn sensitive_data_is_redacted_counted_and_rejected_on_request() {
    let mut criteria = ReviewCriteria {
        redaction: RedactionSettings {
            enabled: true,
            categories: Vec::new(),
            style: RedactionStyle::Label,
            reject_on_detection: false,
            custom_detectors: Vec::new(),
        },
        ..ReviewCriteria::empty("c")
    };
    let output = "## Contact\nWrite to ana@example.com or bo@example.org.\n";
    let outcome = review(criteria.clone(), output, &[]);
    assert_eq!(outcome.decision.verdict, Verdict::Approved);
    assert_eq!(
        outcome.redacted_output,
        "## Contact\nWrite to [EMAIL] or [EMAIL].\n"
    );
    assert_eq!(
        outcome.decision.redactions,
        vec![RedactionCount {
            category: "EMAIL".into(),
            count: 2
        }]
    );
    let issue = &outcome.decision.issues[0];
    assert_eq!(issue.kind, IssueKind::SensitiveData);
    assert_eq!(issue.section.as_deref(), Some("Contact"));
    assert!(
        issue
            .description
            .contains("Redacted 2 EMAIL value(s) in section(s) 'Contact'")
    );

    criteria.redaction.reject_on_detection = true;
    let outcome = review(criteria.clone(), output, &[]);
    assert_eq!(outcome.decision.verdict, Verdict::Rejected);
    assert_eq!(outcome.decision.issues[0].severity, Severity::Critical);
    assert!(
        !outcome.redacted_output.contains("ana@"),
        "still redacted when rejected"
    );

    criteria.redaction.enabled = false;
    let outcome = review(criteria, output, &[]);
    assert_eq!(outcome.redacted_output, output);
    assert!(outcome.decision.redactions.is_empty());
}

#[test]
fn issue_texts_never_carry_what_the_output_redacts() {
    let criteria = ReviewCriteria {
        redaction: RedactionSettings {
            enabled: true,
            ..RedactionSettings::default()
        },
        check_consistency: true,
        ..ReviewCriteria::empty("c")
    };
    let mut failing = task("mailer", TaskState::Failed, "");
    failing.error = Some("could not reach ops@example.com".into());
    let tasks = [
        failing,
        task("a", TaskState::Succeeded, r#"{"owner":"x@example.com"}"#),
        task("b", TaskState::Succeeded, r#"{"owner":"y@example.com"}"#),
    ];
    let outcome = review(criteria, "nothing", &tasks);
    let rendered = format!("{:?}", outcome.decision);
    assert!(!rendered.contains("@example.com"), "{rendered}");
    assert!(rendered.contains("[EMAIL]"));
}

#[test]
fn rejection_feedback_is_one_actionable_paragraph() {
    let criteria = ReviewCriteria {
        required_sections: vec!["Risks".into()],
        policies: vec![rule(
            "r",
            PolicyMatcher::Pattern("TODO".into()),
            PolicyEffect::Reject,
            Severity::Major,
        )],
        ..ReviewCriteria::empty("c")
    };
    let outcome = review(criteria, "## Summary\nTODO\nmore\n", &[]);
    let feedback = &outcome.decision.feedback;
    assert!(
        feedback.starts_with("Rejected because of 2 blocking issues. To fix: (1) "),
        "{feedback}"
    );
    assert!(!feedback.contains('\n'));
}

#[test]
fn decisions_record_criteria_id_version_and_run() {
    let criteria = ReviewCriteria {
        version: 7,
        ..ReviewCriteria::empty("strict")
    };
    let pseudonyms = pseudonyms();
    let compiled = compile(criteria);
    let outcome = futures_lite_block_on(compiled.review(
        ReviewInput {
            output: "x",
            tasks: &[],
            run: 3,
            pseudonyms: &pseudonyms,
        },
        None,
    ))
    .unwrap();
    assert_eq!(outcome.decision.criteria_id, "strict");
    assert_eq!(outcome.decision.criteria_version, 7);
    assert_eq!(outcome.decision.run, 3);
}

#[test]
fn invalid_criteria_report_every_bad_field() {
    let criteria = ReviewCriteria {
        required_sections: vec!["Summary".into(), " ".into(), "SUMMARY".into()],
        thresholds: QualityThresholds {
            min_confidence: Some(1.5),
            min_task_success_ratio: Some(-0.1),
            min_output_chars: Some(10),
            max_output_chars: Some(5),
        },
        policies: vec![
            rule(
                "ok",
                PolicyMatcher::Pattern("x".into()),
                PolicyEffect::Reject,
                Severity::Major,
            ),
            rule(
                "",
                PolicyMatcher::Pattern("y".into()),
                PolicyEffect::Reject,
                Severity::Major,
            ),
            rule(
                "ok",
                PolicyMatcher::Pattern("(".into()),
                PolicyEffect::Reject,
                Severity::Major,
            ),
            rule(
                "bad id!",
                PolicyMatcher::Pattern("z".into()),
                PolicyEffect::Reject,
                Severity::Major,
            ),
        ],
        validation_prompts: vec!["Is it right?".into()],
        max_runs_after_reject: 99,
        ..ReviewCriteria::empty("c")
    };
    let violations = CompiledCriteria::compile(Arc::new(criteria)).unwrap_err();
    let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "required_sections[1]",
            "required_sections[2]",
            "thresholds.min_confidence",
            "thresholds.min_task_success_ratio",
            "thresholds.max_output_chars",
            "policies[1].id",
            "policies[2].id",
            "policies[3].id",
            "judge_agent",
            "max_runs_after_reject",
            "policies[2].pattern",
        ]
    );
    assert!(violations[6].description.contains("repeats policies[0].id"));
}

struct ScriptedJudge(Result<Vec<JudgeAnswer>, JudgeError>);

#[async_trait]
impl Judge for ScriptedJudge {
    async fn judge(&self, request: JudgeRequest) -> Result<Vec<JudgeAnswer>, JudgeError> {
        assert!(
            !request.output.contains("ana@example.com"),
            "the judge sees redacted text"
        );
        self.0.clone()
    }
}

fn judged_criteria() -> ReviewCriteria {
    ReviewCriteria {
        judge_agent: Some("judge".into()),
        validation_prompts: vec!["Are there contradictions?".into()],
        redaction: RedactionSettings {
            enabled: true,
            ..RedactionSettings::default()
        },
        ..ReviewCriteria::empty("c")
    }
}

fn judge_review(judge: Option<&dyn Judge>) -> Result<ReviewOutcome, ReviewError> {
    let pseudonyms = pseudonyms();
    let compiled = compile(judged_criteria());
    futures_lite_block_on(compiled.review(
        ReviewInput {
            output: "contact ana@example.com",
            tasks: &[],
            run: 1,
            pseudonyms: &pseudonyms,
        },
        judge,
    ))
}

#[test]
fn judge_verdicts_fold_into_issues() {
    let judge = ScriptedJudge(Ok(vec![JudgeAnswer {
        prompt: "Are there contradictions?".into(),
        passed: false,
        explanation: "The summary says 3 and the table says 4.".into(),
        confidence: Some(0.8),
    }]));
    let outcome = judge_review(Some(&judge)).unwrap();
    assert_eq!(outcome.decision.verdict, Verdict::Rejected);
    assert_eq!(outcome.decision.confidence, 0.8);
    assert_eq!(outcome.decision.reviewer, "rules+judge");
    let issue = outcome
        .decision
        .issues
        .iter()
        .find(|i| i.kind == IssueKind::Judge)
        .unwrap();
    assert_eq!(
        issue.remediation,
        "The summary says 3 and the table says 4."
    );

    let approving = ScriptedJudge(Ok(vec![JudgeAnswer {
        prompt: "Are there contradictions?".into(),
        passed: true,
        explanation: String::new(),
        confidence: Some(0.9),
    }]));
    let outcome = judge_review(Some(&approving)).unwrap();
    assert_eq!(outcome.decision.verdict, Verdict::Approved);
    assert!(outcome.decision.confidence <= 0.9);
}

#[test]
fn a_review_without_its_judge_fails_instead_of_approving() {
    assert_eq!(
        judge_review(None).unwrap_err(),
        ReviewError::NoJudge {
            agent: "judge".into()
        }
    );
    let failing = ScriptedJudge(Err(JudgeError::Failed {
        agent: "judge".into(),
        reason: "503".into(),
    }));
    assert!(matches!(
        judge_review(Some(&failing)),
        Err(ReviewError::Judge(_))
    ));
}

#[test]
fn custom_detectors_count_redact_and_are_located_like_built_in_categories() {
    let detector = |name: &str, pattern: &str, category: &str| crate::model::CustomDetector {
        name: name.into(),
        pattern: pattern.into(),
        context_words: Vec::new(),
        checksum: None,
        category: category.into(),
    };
    let criteria = ReviewCriteria {
        redaction: RedactionSettings {
            enabled: true,
            style: RedactionStyle::Mask,
            custom_detectors: vec![
                detector("tokens", r"\btok_[a-z]{8}\b", "SECRET"),
                detector("badges", r"\bB-\d{8}\b", "BADGE"),
            ],
            ..RedactionSettings::default()
        },
        reject_action: RejectAction::Error,
        ..ReviewCriteria::empty("c")
    };
    let output = "## Access\nKey AKIAIOSFODNN7EXAMPLE, token tok_abcdefgh, badge B-12345678.\n";
    let outcome = review(criteria, output, &[]);
    // A custom category that reuses a built-in name adds to its count and its one issue.
    assert_eq!(
        outcome.decision.redactions,
        vec![
            RedactionCount {
                category: "BADGE".into(),
                count: 1
            },
            RedactionCount {
                category: "SECRET".into(),
                count: 2
            },
        ]
    );
    let issues: Vec<&str> = outcome
        .decision
        .issues
        .iter()
        .map(|i| i.description.as_str())
        .collect();
    assert_eq!(
        issues,
        [
            "Redacted 2 SECRET value(s) in section(s) 'Access'.",
            "Redacted 1 BADGE value(s) in section(s) 'Access'."
        ]
    );
    // MASK keeps a custom value's last four digits when it has eight.
    assert!(
        outcome.redacted_output.contains("*-****5678") && !outcome.redacted_output.contains("tok_"),
        "{}",
        outcome.redacted_output
    );
    let located: Vec<(&str, &str, &str)> = outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.category.as_str(),
                f.detector.as_str(),
                &output[f.range.clone()],
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            ("SECRET", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),
            ("SECRET", "custom:tokens", "tok_abcdefgh"),
            ("BADGE", "custom:badges", "B-12345678"),
        ]
    );
}
