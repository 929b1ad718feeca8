//! Stored parts with every field set, at fixed times: what `tests/data/stored/` records, and
//! what `tests/store_upgrade.rs` writes to both backends before rewriting it as a newer build
//! would. Shared by the two, so that both cover every nested part (policies of both matchers,
//! custom detectors, token usage, every event kind).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use orchestrator_core::model::criteria::{
    Checksum, CustomDetector, PolicyEffect, PolicyMatcher, PolicyRule, QualityThresholds,
    RedactionSettings, RejectAction,
};
use orchestrator_core::model::event::{
    Accepted, Event, EventKind, PlanEntry, ReviewState, ReviewUpdate, TaskUpdate,
};
use orchestrator_core::model::orchestration::{
    OrchestrationResult, OrchestrationState, TaskCheckpoint, TaskResult,
};
use orchestrator_core::model::task::TokenUsage;
use orchestrator_core::model::{
    IssueKind, PiiCategory, RedactionCount, RedactionStyle, ReviewCriteria, ReviewDecision,
    ReviewIssue, Severity, TaskState, Verdict,
};

pub fn time(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, second)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

pub fn criteria() -> ReviewCriteria {
    ReviewCriteria {
        id: "strict".into(),
        version: 3,
        display_name: "Strict".into(),
        required_sections: vec!["Summary".into(), "Risks".into()],
        thresholds: QualityThresholds {
            min_confidence: Some(0.5),
            min_task_success_ratio: Some(1.0),
            min_output_chars: Some(10),
            max_output_chars: Some(10_000),
        },
        policies: vec![
            PolicyRule {
                id: "no-guarantees".into(),
                description: "No promises".into(),
                matcher: PolicyMatcher::Pattern("(?i)guaranteed".into()),
                effect: PolicyEffect::Reject,
                severity: Severity::Critical,
                remediation: "Remove the promise.".into(),
            },
            PolicyRule {
                id: "codenames".into(),
                description: String::new(),
                matcher: PolicyMatcher::Terms {
                    terms: vec!["Falcon".into(), "Osprey".into()],
                    case_sensitive: true,
                },
                effect: PolicyEffect::Redact,
                severity: Severity::Minor,
                remediation: String::new(),
            },
        ],
        redaction: RedactionSettings {
            enabled: true,
            categories: vec![PiiCategory::Email, PiiCategory::UsSsn],
            style: RedactionStyle::Mask,
            reject_on_detection: true,
            custom_detectors: vec![CustomDetector {
                name: "employee".into(),
                pattern: r"E\d{6}".into(),
                context_words: vec!["employee".into()],
                checksum: Some(Checksum::Mod11),
                category: "EMPLOYEE_ID".into(),
            }],
        },
        check_consistency: true,
        validation_prompts: vec!["Is it polite?".into()],
        judge_agent: Some("judge".into()),
        reject_action: RejectAction::Retry,
        max_runs_after_reject: 2,
        create_time: time(1),
        update_time: time(2),
    }
}

pub fn decision() -> ReviewDecision {
    ReviewDecision {
        decision_id: "d1".into(),
        verdict: Verdict::Rejected,
        confidence: 0.9,
        issues: vec![
            ReviewIssue::new(
                IssueKind::MissingSection,
                Severity::Major,
                "The section Summary is missing.",
                "Add a ## Summary section.",
            )
            .in_section("Summary")
            .for_task("a")
            .with_rule("sections")
            .with_excerpt("…[EMAIL]…"),
            ReviewIssue::new(IssueKind::Judge, Severity::Minor, "Terse.", "Say more."),
        ],
        feedback: "Add a summary.".into(),
        redactions: vec![RedactionCount {
            category: "EMAIL".into(),
            count: 2,
        }],
        action: Some(RejectAction::Escalate),
        criteria_id: "strict".into(),
        criteria_version: 3,
        reviewer: "rules+judge".into(),
        create_time: time(3),
        run: 2,
    }
}

fn task_result() -> TaskResult {
    TaskResult {
        task_id: "a".into(),
        agent: "mock".into(),
        state: TaskState::Succeeded,
        output: "out".into(),
        output_truncated: true,
        error: Some("first attempt failed".into()),
        attempts: 2,
        wave: 1,
        start_time: Some(time(4)),
        end_time: Some(time(5)),
        duration: Some(Duration::from_millis(1_250)),
        confidence: Some(0.75),
        section: "A".into(),
        usage: Some(TokenUsage {
            prompt_tokens: 12,
            completion_tokens: 34,
        }),
    }
}

pub fn result() -> OrchestrationResult {
    OrchestrationResult {
        orchestration_id: "o1".into(),
        request_id: "r1".into(),
        state: OrchestrationState::Rejected,
        tasks: vec![task_result()],
        output: "## A\n\nout\n".into(),
        review: Some(decision()),
        criteria_id: "strict".into(),
        criteria_version: 3,
        decision_id: "d1".into(),
        create_time: time(0),
        end_time: Some(time(6)),
        total_duration: Some(Duration::from_secs(6)),
        runs: 2,
        error: Some("the review rejected it".into()),
        labels: BTreeMap::from([("team".into(), "blue".into())]),
    }
}

pub fn checkpoint() -> TaskCheckpoint {
    TaskCheckpoint {
        run: 2,
        task_id: "a".into(),
        output: "raw out".into(),
        output_truncated: true,
        attempts: 2,
        confidence: Some(0.75),
        usage: Some(TokenUsage {
            prompt_tokens: 12,
            completion_tokens: 34,
        }),
        start_time: Some(time(4)),
        end_time: Some(time(5)),
        duration: Some(Duration::from_millis(1_250)),
    }
}

/// One event of every kind, in log order.
pub fn events() -> Vec<Event> {
    let kinds = [
        EventKind::Accepted(Accepted {
            plan: vec![PlanEntry {
                task_id: "a".into(),
                agent: "mock".into(),
                wave: 0,
                depends_on: vec!["z".into()],
                section: "A".into(),
            }],
            wave_count: 1,
            criteria_id: "strict".into(),
            criteria_version: 3,
            run: 2,
            request_id: "r1".into(),
        }),
        EventKind::Task(TaskUpdate {
            task_id: "a".into(),
            state: TaskState::Retrying,
            attempt: 1,
            wave: 0,
            error: Some("busy".into()),
            retry_in: Some(Duration::from_millis(500)),
            elapsed: Some(Duration::from_millis(3)),
            run: 2,
        }),
        EventKind::Review(ReviewUpdate {
            state: ReviewState::Decided,
            decision: Some(Box::new(decision())),
            run: 2,
        }),
        EventKind::StateChanged {
            state: OrchestrationState::Rejected,
            reason: "the review rejected it".into(),
        },
        EventKind::Completed {
            result: Box::new(result()),
        },
    ];
    kinds
        .into_iter()
        .zip(1..)
        .map(|(kind, sequence)| Event {
            orchestration_id: "o1".into(),
            sequence,
            time: time(sequence as u32),
            kind,
        })
        .collect()
}
