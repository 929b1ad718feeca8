//! Stored parts as a build of 2026-12 wrote them (`tests/data/stored/`): this build must read
//! each to the same domain value, and write the same JSON, so that records already in a store
//! and replicas of the previous build keep working.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{CheckpointForm, CriteriaForm, DecisionForm, EventForm, ResultForm};
use crate::model::criteria::{
    CustomDetector, PolicyEffect, PolicyMatcher, PolicyRule, RedactionSettings,
};
use crate::model::event::{Accepted, Event, EventKind, ReviewState, ReviewUpdate, TaskUpdate};
use crate::model::orchestration::{
    OrchestrationResult, OrchestrationState, TaskCheckpoint, TaskResult,
};
use crate::model::{IssueKind, ReviewCriteria, ReviewDecision, ReviewIssue, Severity, TaskState};

#[path = "../../../tests/common/stored_parts.rs"]
mod parts;
use parts::{checkpoint, criteria, decision, events, result, time};

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
