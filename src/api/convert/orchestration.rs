//! Orchestration specs, events and results.

use std::time::Duration;

use crate::api::pb;
use crate::model::FieldViolation;
use crate::model::event::{Event, EventKind, ReviewState};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskResult};
use crate::model::plan::{OrchestrationSpec, RetryOverrides, TaskSpec};
use crate::model::task::{TaskState, TokenUsage};

use super::criteria::decision_to_proto;
use super::timestamp;

pub fn duration_to_proto(duration: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: duration.as_secs() as i64,
        nanos: duration.subsec_nanos() as i32,
    }
}

fn duration_from_proto(
    field: &str,
    value: Option<prost_types::Duration>,
    violations: &mut Vec<FieldViolation>,
) -> Option<Duration> {
    let value = value?;
    if value.seconds < 0 || value.nanos < 0 || value.nanos >= 1_000_000_000 {
        violations.push(FieldViolation::new(
            field,
            "must be a non-negative duration",
        ));
        return None;
    }
    Some(Duration::new(value.seconds as u64, value.nanos as u32))
}

/// `google.protobuf.Value` as JSON. Numbers stay numbers: whole ones become integers, so that
/// `delay_ms: 200` reads as 200, not 200.0.
pub fn value_to_json(value: prost_types::Value) -> serde_json::Value {
    use prost_types::value::Kind;
    match value.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::BoolValue(b)) => serde_json::Value::Bool(b),
        Some(Kind::NumberValue(n)) => {
            if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
                serde_json::Value::from(n as i64)
            } else {
                serde_json::Number::from_f64(n)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Some(Kind::StringValue(s)) => serde_json::Value::String(s),
        Some(Kind::ListValue(list)) => {
            serde_json::Value::Array(list.values.into_iter().map(value_to_json).collect())
        }
        Some(Kind::StructValue(object)) => serde_json::Value::Object(struct_to_json(object)),
    }
}

pub fn struct_to_json(object: prost_types::Struct) -> serde_json::Map<String, serde_json::Value> {
    object
        .fields
        .into_iter()
        .map(|(k, v)| (k, value_to_json(v)))
        .collect()
}

pub fn json_to_value(value: &serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match value {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(*b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        serde_json::Value::String(s) => Kind::StringValue(s.clone()),
        serde_json::Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(json_to_value).collect(),
        }),
        serde_json::Value::Object(object) => Kind::StructValue(json_to_struct(object)),
    };
    prost_types::Value { kind: Some(kind) }
}

pub fn json_to_struct(object: &serde_json::Map<String, serde_json::Value>) -> prost_types::Struct {
    prost_types::Struct {
        fields: object
            .iter()
            .map(|(k, v)| (k.clone(), json_to_value(v)))
            .collect(),
    }
}

fn retry_from_proto(
    field: &str,
    policy: Option<pb::RetryPolicy>,
    violations: &mut Vec<FieldViolation>,
) -> RetryOverrides {
    let Some(policy) = policy else {
        return RetryOverrides::default();
    };
    if let Some(multiplier) = policy.multiplier
        && !multiplier.is_finite()
    {
        violations.push(FieldViolation::new(
            format!("{field}.multiplier"),
            "must be a finite number",
        ));
    }
    RetryOverrides {
        max_retries: policy.max_retries,
        initial_backoff: duration_from_proto(
            &format!("{field}.initial_backoff"),
            policy.initial_backoff,
            violations,
        ),
        max_backoff: duration_from_proto(
            &format!("{field}.max_backoff"),
            policy.max_backoff,
            violations,
        ),
        multiplier: policy.multiplier.filter(|m| m.is_finite()),
        disable_jitter: policy.disable_jitter.then_some(true),
    }
}

/// The spec from the API, with what its shape gets wrong (named under `spec.`); the deeper
/// checks run on the domain spec.
pub fn spec_from_proto(spec: pb::OrchestrationSpec) -> (OrchestrationSpec, Vec<FieldViolation>) {
    let mut violations = Vec::new();
    let tasks = spec
        .tasks
        .into_iter()
        .enumerate()
        .map(|(index, task)| {
            let field = |name: &str| format!("spec.tasks[{index}].{name}");
            TaskSpec {
                id: task.id,
                agent: task.agent,
                input: task.input,
                params: task.params.map(struct_to_json).unwrap_or_default(),
                depends_on: task.depends_on,
                timeout: duration_from_proto(&field("timeout"), task.timeout, &mut violations),
                retry: retry_from_proto(&field("retry_policy"), task.retry_policy, &mut violations),
                section: Some(task.section).filter(|s| !s.trim().is_empty()),
                max_output_bytes: task.max_output_bytes,
            }
        })
        .collect();
    let domain = OrchestrationSpec {
        tasks,
        input: spec.input,
        review_criteria_id: Some(spec.review_criteria_id).filter(|id| !id.is_empty()),
        default_task_timeout: duration_from_proto(
            "spec.default_task_timeout",
            spec.default_task_timeout,
            &mut violations,
        ),
        default_retry: retry_from_proto(
            "spec.default_retry_policy",
            spec.default_retry_policy,
            &mut violations,
        ),
        max_parallelism: spec.max_parallelism,
        labels: spec.labels.into_iter().collect(),
        max_output_bytes: spec.max_output_bytes,
    };
    (domain, violations)
}

fn retry_to_proto(retry: &RetryOverrides) -> Option<pb::RetryPolicy> {
    (retry != &RetryOverrides::default()).then(|| pb::RetryPolicy {
        max_retries: retry.max_retries,
        initial_backoff: retry.initial_backoff.map(duration_to_proto),
        max_backoff: retry.max_backoff.map(duration_to_proto),
        multiplier: retry.multiplier,
        disable_jitter: retry.disable_jitter.unwrap_or(false),
    })
}

/// The API request for a spec (the CLI reads plan files into the domain spec).
pub fn spec_to_proto(spec: &OrchestrationSpec) -> pb::OrchestrationSpec {
    pb::OrchestrationSpec {
        tasks: spec
            .tasks
            .iter()
            .map(|task| pb::TaskSpec {
                id: task.id.clone(),
                agent: task.agent.clone(),
                input: task.input.clone(),
                params: (!task.params.is_empty()).then(|| json_to_struct(&task.params)),
                depends_on: task.depends_on.clone(),
                timeout: task.timeout.map(duration_to_proto),
                retry_policy: retry_to_proto(&task.retry),
                section: task.section.clone().unwrap_or_default(),
                max_output_bytes: task.max_output_bytes,
            })
            .collect(),
        input: spec.input.clone(),
        review_criteria_id: spec.review_criteria_id.clone().unwrap_or_default(),
        default_task_timeout: spec.default_task_timeout.map(duration_to_proto),
        default_retry_policy: retry_to_proto(&spec.default_retry),
        max_parallelism: spec.max_parallelism,
        labels: spec.labels.clone().into_iter().collect(),
        max_output_bytes: spec.max_output_bytes,
    }
}

pub fn task_state_to_proto(state: TaskState) -> pb::TaskState {
    match state {
        TaskState::Pending => pb::TaskState::Pending,
        TaskState::Running => pb::TaskState::Running,
        TaskState::Retrying => pb::TaskState::Retrying,
        TaskState::Succeeded => pb::TaskState::Succeeded,
        TaskState::Failed => pb::TaskState::Failed,
        TaskState::TimedOut => pb::TaskState::TimedOut,
        TaskState::Skipped => pb::TaskState::Skipped,
        TaskState::Cancelled => pb::TaskState::Cancelled,
    }
}

pub fn state_to_proto(state: OrchestrationState) -> pb::OrchestrationState {
    match state {
        OrchestrationState::Pending => pb::OrchestrationState::Pending,
        OrchestrationState::Running => pb::OrchestrationState::Running,
        OrchestrationState::Reviewing => pb::OrchestrationState::Reviewing,
        OrchestrationState::AwaitingHuman => pb::OrchestrationState::AwaitingHuman,
        OrchestrationState::Approved => pb::OrchestrationState::Approved,
        OrchestrationState::Rejected => pb::OrchestrationState::Rejected,
        OrchestrationState::Failed => pb::OrchestrationState::Failed,
        OrchestrationState::Cancelled => pb::OrchestrationState::Cancelled,
    }
}

pub fn state_from_proto(value: i32) -> Option<OrchestrationState> {
    Some(match pb::OrchestrationState::try_from(value).ok()? {
        pb::OrchestrationState::Unspecified => return None,
        pb::OrchestrationState::Pending => OrchestrationState::Pending,
        pb::OrchestrationState::Running => OrchestrationState::Running,
        pb::OrchestrationState::Reviewing => OrchestrationState::Reviewing,
        pb::OrchestrationState::AwaitingHuman => OrchestrationState::AwaitingHuman,
        pb::OrchestrationState::Approved => OrchestrationState::Approved,
        pb::OrchestrationState::Rejected => OrchestrationState::Rejected,
        pb::OrchestrationState::Failed => OrchestrationState::Failed,
        pb::OrchestrationState::Cancelled => OrchestrationState::Cancelled,
    })
}

fn usage_to_proto(usage: TokenUsage) -> pb::TokenUsage {
    pb::TokenUsage {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
    }
}

pub fn task_result_to_proto(task: &TaskResult) -> pb::TaskResult {
    pb::TaskResult {
        task_id: task.task_id.clone(),
        agent: task.agent.clone(),
        state: task_state_to_proto(task.state) as i32,
        output: task.output.clone(),
        output_truncated: task.output_truncated,
        error: task.error.clone().unwrap_or_default(),
        attempts: task.attempts,
        wave: task.wave,
        start_time: task.start_time.map(timestamp),
        end_time: task.end_time.map(timestamp),
        duration: task.duration.map(duration_to_proto),
        confidence: task.confidence,
        section: task.section.clone(),
        usage: task.usage.map(usage_to_proto),
    }
}

pub fn result_to_proto(result: &OrchestrationResult) -> pb::OrchestrationResult {
    pb::OrchestrationResult {
        orchestration_id: result.orchestration_id.clone(),
        request_id: result.request_id.clone(),
        state: state_to_proto(result.state) as i32,
        tasks: result.tasks.iter().map(task_result_to_proto).collect(),
        output: result.output.clone(),
        review: result.review.as_ref().map(decision_to_proto),
        review_criteria_id: result.criteria_id.clone(),
        review_criteria_version: result.criteria_version,
        decision_id: result.decision_id.clone(),
        create_time: Some(timestamp(result.create_time)),
        end_time: result.end_time.map(timestamp),
        total_duration: result.total_duration.map(duration_to_proto),
        runs: result.runs,
        error: result.error.clone().unwrap_or_default(),
        labels: result.labels.clone().into_iter().collect(),
    }
}

pub fn event_to_proto(event: &Event) -> pb::OrchestrationEvent {
    use pb::orchestration_event::Kind;
    let kind = match &event.kind {
        EventKind::Accepted(accepted) => Kind::Accepted(pb::OrchestrationAccepted {
            plan: accepted
                .plan
                .iter()
                .map(|entry| pb::PlannedTask {
                    task_id: entry.task_id.clone(),
                    agent: entry.agent.clone(),
                    wave: entry.wave,
                    depends_on: entry.depends_on.clone(),
                    section: entry.section.clone(),
                })
                .collect(),
            wave_count: accepted.wave_count,
            review_criteria_id: accepted.criteria_id.clone(),
            review_criteria_version: accepted.criteria_version,
            run: accepted.run,
            request_id: accepted.request_id.clone(),
        }),
        EventKind::Task(update) => Kind::Task(pb::TaskUpdate {
            task_id: update.task_id.clone(),
            state: task_state_to_proto(update.state) as i32,
            attempt: update.attempt,
            wave: update.wave,
            error: update.error.clone().unwrap_or_default(),
            retry_in: update.retry_in.map(duration_to_proto),
            elapsed: update.elapsed.map(duration_to_proto),
            run: update.run,
        }),
        EventKind::Review(update) => Kind::Review(pb::ReviewUpdate {
            state: match update.state {
                ReviewState::Started => pb::ReviewState::Started,
                ReviewState::Decided => pb::ReviewState::Decided,
            } as i32,
            decision: update.decision.as_deref().map(decision_to_proto),
            run: update.run,
        }),
        EventKind::StateChanged { state, reason } => {
            Kind::StateChanged(pb::OrchestrationStateChanged {
                state: state_to_proto(*state) as i32,
                reason: reason.clone(),
            })
        }
        EventKind::Completed { result } => Kind::Completed(pb::OrchestrationCompleted {
            result: Some(result_to_proto(result)),
        }),
    };
    pb::OrchestrationEvent {
        orchestration_id: event.orchestration_id.clone(),
        sequence: event.sequence,
        time: Some(timestamp(event.time)),
        kind: Some(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_whole_numbers_whole() {
        let object = json_to_struct(
            serde_json::json!({"delay_ms": 200, "ratio": 0.5, "tags": ["a"], "nested": {"ok": true}})
                .as_object()
                .unwrap(),
        );
        let back = serde_json::Value::Object(struct_to_json(object));
        assert_eq!(
            back,
            serde_json::json!({"delay_ms": 200, "ratio": 0.5, "tags": ["a"], "nested": {"ok": true}})
        );
    }

    #[test]
    fn negative_durations_and_odd_multipliers_are_named() {
        let (_, violations) = spec_from_proto(pb::OrchestrationSpec {
            tasks: vec![pb::TaskSpec {
                id: "a".into(),
                timeout: Some(prost_types::Duration {
                    seconds: -1,
                    nanos: 0,
                }),
                retry_policy: Some(pb::RetryPolicy {
                    multiplier: Some(f64::NAN),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        });
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.tasks[0].timeout",
                "spec.tasks[0].retry_policy.multiplier"
            ]
        );
    }
}
