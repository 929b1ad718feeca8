//! The orchestration's spec as stored.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::plan::{OrchestrationSpec, RetryOverrides, TaskSpec};

/// An orchestration's spec as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpecForm {
    tasks: Vec<TaskForm>,
    input: String,
    review_criteria_id: Option<String>,
    #[serde(with = "humantime_serde")]
    default_task_timeout: Option<Duration>,
    #[serde(rename = "default_retry_policy")]
    default_retry: RetryForm,
    max_parallelism: u32,
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_bytes: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct TaskForm {
    id: String,
    agent: String,
    input: String,
    params: serde_json::Map<String, serde_json::Value>,
    depends_on: Vec<String>,
    #[serde(with = "humantime_serde")]
    timeout: Option<Duration>,
    #[serde(rename = "retry_policy")]
    retry: RetryForm,
    section: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_bytes: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct RetryForm {
    max_retries: Option<u32>,
    #[serde(with = "humantime_serde")]
    initial_backoff: Option<Duration>,
    #[serde(with = "humantime_serde")]
    max_backoff: Option<Duration>,
    multiplier: Option<f64>,
    disable_jitter: Option<bool>,
}

impl From<&OrchestrationSpec> for SpecForm {
    fn from(spec: &OrchestrationSpec) -> Self {
        Self {
            tasks: spec.tasks.iter().map(TaskForm::from).collect(),
            input: spec.input.clone(),
            review_criteria_id: spec.review_criteria_id.clone(),
            default_task_timeout: spec.default_task_timeout,
            default_retry: RetryForm::from(&spec.default_retry),
            max_parallelism: spec.max_parallelism,
            labels: spec.labels.clone(),
            max_output_bytes: spec.max_output_bytes,
        }
    }
}

impl From<SpecForm> for OrchestrationSpec {
    fn from(form: SpecForm) -> Self {
        Self {
            tasks: form.tasks.into_iter().map(TaskSpec::from).collect(),
            input: form.input,
            review_criteria_id: form.review_criteria_id,
            default_task_timeout: form.default_task_timeout,
            default_retry: form.default_retry.into(),
            max_parallelism: form.max_parallelism,
            labels: form.labels,
            max_output_bytes: form.max_output_bytes,
        }
    }
}

impl From<&TaskSpec> for TaskForm {
    fn from(task: &TaskSpec) -> Self {
        Self {
            id: task.id.clone(),
            agent: task.agent.clone(),
            input: task.input.clone(),
            params: task.params.clone(),
            depends_on: task.depends_on.clone(),
            timeout: task.timeout,
            retry: RetryForm::from(&task.retry),
            section: task.section.clone(),
            max_output_bytes: task.max_output_bytes,
        }
    }
}

impl From<TaskForm> for TaskSpec {
    fn from(form: TaskForm) -> Self {
        Self {
            id: form.id,
            agent: form.agent,
            input: form.input,
            params: form.params,
            depends_on: form.depends_on,
            timeout: form.timeout,
            retry: form.retry.into(),
            section: form.section,
            max_output_bytes: form.max_output_bytes,
        }
    }
}

impl From<&RetryOverrides> for RetryForm {
    fn from(retry: &RetryOverrides) -> Self {
        Self {
            max_retries: retry.max_retries,
            initial_backoff: retry.initial_backoff,
            max_backoff: retry.max_backoff,
            multiplier: retry.multiplier,
            disable_jitter: retry.disable_jitter,
        }
    }
}

impl From<RetryForm> for RetryOverrides {
    fn from(form: RetryForm) -> Self {
        Self {
            max_retries: form.max_retries,
            initial_backoff: form.initial_backoff,
            max_backoff: form.max_backoff,
            multiplier: form.multiplier,
            disable_jitter: form.disable_jitter,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> OrchestrationSpec {
        serde_json::from_value(json!({
            "input": "the question",
            "default_task_timeout": "30s",
            "default_retry_policy": {"max_retries": 2, "initial_backoff": "100ms"},
            "max_parallelism": 4,
            "labels": {"team": "a"},
            "tasks": [
                {"id": "a", "agent": "echo", "input": "{{input}}", "params": {"k": 1}},
                {"id": "b", "agent": "mock", "depends_on": ["a"], "timeout": "2s",
                 "retry_policy": {"disable_jitter": true}, "section": "B", "max_output_bytes": 10}
            ]
        }))
        .expect("a valid plan")
    }

    #[test]
    fn a_spec_round_trips_and_is_written_in_the_plan_format() {
        let spec = spec();
        let stored = serde_json::to_value(SpecForm::from(&spec)).unwrap();
        // The stored JSON is the plan format, so records from before the forms still read.
        let as_plan: OrchestrationSpec = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(as_plan, spec);
        let read: SpecForm = serde_json::from_value(stored).unwrap();
        assert_eq!(OrchestrationSpec::from(read), spec);
    }

    #[test]
    fn fields_of_a_newer_build_are_ignored_at_every_level() {
        let spec = spec();
        let mut stored = serde_json::to_value(SpecForm::from(&spec)).unwrap();
        stored["priority"] = json!("high");
        stored["default_retry_policy"]["budget"] = json!(3);
        stored["tasks"][1]["cache"] = json!({"ttl": "1h"});
        stored["tasks"][1]["retry_policy"]["on"] = json!(["429"]);
        // The plan format refuses them, as it should for a typo in a plan file...
        assert!(serde_json::from_value::<OrchestrationSpec>(stored.clone()).is_err());
        // ...and the stored form reads them.
        let read: SpecForm = serde_json::from_value(stored).unwrap();
        assert_eq!(OrchestrationSpec::from(read), spec);
    }
}
