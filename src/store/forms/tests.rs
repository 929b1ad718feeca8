//! Stored parts as a build of 2026-12 wrote them (`tests/data/stored/`): this build must read
//! each to the same domain value, and write the same JSON, so that records already in a store
//! and replicas of the previous build keep working.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{CheckpointForm, CriteriaForm, DecisionForm, EventForm, ResultForm};

use crate::model::criteria::{
    Checksum, CustomDetector, PolicyEffect, PolicyMatcher, PolicyRule, QualityThresholds,
    RedactionSettings, RejectAction,
};
use crate::model::event::{
    Accepted, Event, EventKind, PlanEntry, ReviewState, ReviewUpdate, TaskUpdate,
};
use crate::model::orchestration::{
    OrchestrationResult, OrchestrationState, TaskCheckpoint, TaskResult,
};
use crate::model::task::TokenUsage;
use crate::model::{
    IssueKind, PiiCategory, RedactionCount, RedactionStyle, ReviewCriteria, ReviewDecision,
    ReviewIssue, Severity, TaskState, Verdict,
};

fn time(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, second)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

pub(super) fn criteria() -> ReviewCriteria {
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

pub(super) fn decision() -> ReviewDecision {
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

pub(super) fn result() -> OrchestrationResult {
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

pub(super) fn checkpoint() -> TaskCheckpoint {
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
pub(super) fn events() -> Vec<Event> {
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

/// The stored JSON of `name` as the build of 2026-12 wrote it.
fn recorded(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/stored/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Writes `value` in its stored form `F`.
fn stored<'a, D: 'a, F: From<&'a D> + Serialize>(value: &'a D) -> Value {
    serde_json::to_value(F::from(value)).unwrap()
}

/// Reads `stored` through its form `F`.
fn read<F: DeserializeOwned + Into<D>, D>(stored: &Value) -> D {
    serde_json::from_value::<F>(stored.clone()).unwrap().into()
}

#[test]
fn criteria_read_and_write_as_before() {
    let recorded = recorded("criteria");
    assert_eq!(stored::<_, CriteriaForm>(&criteria()), recorded);
    assert_eq!(read::<CriteriaForm, ReviewCriteria>(&recorded), criteria());
}

#[test]
fn decisions_read_and_write_as_before() {
    let recorded = recorded("decision");
    assert_eq!(stored::<_, DecisionForm>(&decision()), recorded);
    assert_eq!(read::<DecisionForm, ReviewDecision>(&recorded), decision());
}

#[test]
fn results_read_and_write_as_before() {
    let recorded = recorded("result");
    assert_eq!(stored::<_, ResultForm>(&result()), recorded);
    assert_eq!(read::<ResultForm, OrchestrationResult>(&recorded), result());
}

#[test]
fn checkpoints_read_and_write_as_before() {
    let recorded = recorded("checkpoint");
    assert_eq!(stored::<_, CheckpointForm>(&checkpoint()), recorded);
    assert_eq!(
        read::<CheckpointForm, TaskCheckpoint>(&recorded),
        checkpoint()
    );
}

#[test]
fn events_read_and_write_as_before() {
    let recorded = recorded("events");
    let Value::Array(recorded) = recorded else {
        panic!("events.json holds an array")
    };
    let events = events();
    assert_eq!(recorded.len(), events.len());
    for (event, recorded) in events.iter().zip(&recorded) {
        assert_eq!(&stored::<_, EventForm>(event), recorded);
        assert_eq!(&read::<EventForm, Event>(recorded), event);
    }
}

/// Records with only the fields every build wrote: the others take their defaults.
#[test]
fn fields_left_out_take_their_defaults() {
    let stored = recorded("minimal");
    let criteria: ReviewCriteria = read::<CriteriaForm, _>(&stored["criteria"]);
    assert_eq!(
        criteria,
        ReviewCriteria {
            version: 1,
            policies: vec![PolicyRule {
                id: "p".into(),
                description: String::new(),
                matcher: PolicyMatcher::Pattern("x".into()),
                effect: PolicyEffect::Warn,
                severity: Severity::Minor,
                remediation: String::new(),
            }],
            redaction: RedactionSettings {
                custom_detectors: vec![CustomDetector {
                    name: "n".into(),
                    pattern: r"N\d+".into(),
                    context_words: Vec::new(),
                    checksum: None,
                    category: "N".into(),
                }],
                ..RedactionSettings::default()
            },
            create_time: time(1),
            update_time: time(2),
            ..ReviewCriteria::empty("loose")
        }
    );
    assert_eq!(criteria.max_runs_after_reject, 1);

    let decision: ReviewDecision = read::<DecisionForm, _>(&stored["decision"]);
    assert_eq!(
        decision.issues,
        [ReviewIssue::new(
            IssueKind::TaskFailed,
            Severity::Major,
            "d",
            "r"
        )]
    );
    assert_eq!(decision.action, None);

    let result: OrchestrationResult = read::<ResultForm, _>(&stored["result"]);
    let mut expected = OrchestrationResult::empty(
        "o1",
        "",
        OrchestrationState::Running,
        time(0),
        BTreeMap::new(),
    );
    expected.tasks = vec![TaskResult {
        task_id: "a".into(),
        agent: "echo".into(),
        state: TaskState::Pending,
        output: String::new(),
        output_truncated: false,
        error: None,
        attempts: 0,
        wave: 0,
        start_time: None,
        end_time: None,
        duration: None,
        confidence: None,
        section: "a".into(),
        usage: None,
    }];
    assert_eq!(result, expected);

    let checkpoint: TaskCheckpoint = read::<CheckpointForm, _>(&stored["checkpoint"]);
    assert_eq!(
        checkpoint,
        TaskCheckpoint {
            run: 1,
            task_id: "a".into(),
            output: "o".into(),
            output_truncated: false,
            attempts: 1,
            confidence: None,
            usage: None,
            start_time: None,
            end_time: None,
            duration: None,
        }
    );

    let Value::Array(events) = &stored["events"] else {
        panic!("minimal.json holds an array of events")
    };
    let kinds: Vec<EventKind> = events
        .iter()
        .map(|event| read::<EventForm, Event>(event).kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Accepted(Accepted {
                plan: Vec::new(),
                wave_count: 0,
                criteria_id: "c".into(),
                criteria_version: 1,
                run: 1,
                request_id: String::new(),
            }),
            EventKind::Task(TaskUpdate {
                task_id: "a".into(),
                state: TaskState::Running,
                attempt: 1,
                wave: 0,
                error: None,
                retry_in: None,
                elapsed: None,
                run: 1,
            }),
            EventKind::Review(ReviewUpdate {
                state: ReviewState::Started,
                decision: None,
                run: 1,
            }),
        ]
    );
}
