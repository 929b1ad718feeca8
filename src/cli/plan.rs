//! Plan files for `orchestrator run`: YAML (or JSON) in the shape of the API's
//! `OrchestrationSpec`, with durations written as `30s` or `1m 30s`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::api::convert::orchestration::{duration_to_proto, json_to_struct};
use crate::api::pb;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid plan: {message}")]
    Parse { path: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    #[serde(default)]
    pub input: String,
    pub tasks: Vec<PlanTask>,
    #[serde(default)]
    pub review_criteria_id: String,
    #[serde(default, with = "humantime_serde")]
    pub default_task_timeout: Option<Duration>,
    #[serde(default)]
    pub default_retry_policy: Option<PlanRetry>,
    #[serde(default)]
    pub max_parallelism: u32,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanTask {
    pub id: String,
    pub agent: String,
    #[serde(default)]
    pub input: String,
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    #[serde(default)]
    pub retry_policy: Option<PlanRetry>,
    #[serde(default)]
    pub section: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRetry {
    #[serde(default)]
    pub max_retries: Option<u32>,
    #[serde(default, with = "humantime_serde")]
    pub initial_backoff: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub max_backoff: Option<Duration>,
    #[serde(default)]
    pub multiplier: Option<f64>,
    #[serde(default)]
    pub disable_jitter: bool,
}

impl PlanRetry {
    fn to_proto(&self) -> pb::RetryPolicy {
        pb::RetryPolicy {
            max_retries: self.max_retries,
            initial_backoff: self.initial_backoff.map(duration_to_proto),
            max_backoff: self.max_backoff.map(duration_to_proto),
            multiplier: self.multiplier,
            disable_jitter: self.disable_jitter,
        }
    }
}

impl PlanFile {
    pub fn parse(path: &str, text: &str) -> Result<Self, PlanError> {
        serde_norway::from_str(text).map_err(|e| PlanError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    pub fn load(path: &str) -> Result<Self, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// The request the server validates; everything but the file's syntax is checked there.
    pub fn to_proto(&self) -> pb::OrchestrationSpec {
        pb::OrchestrationSpec {
            tasks: self
                .tasks
                .iter()
                .map(|task| pb::TaskSpec {
                    id: task.id.clone(),
                    agent: task.agent.clone(),
                    input: task.input.clone(),
                    params: (!task.params.is_empty()).then(|| json_to_struct(&task.params)),
                    depends_on: task.depends_on.clone(),
                    timeout: task.timeout.map(duration_to_proto),
                    retry_policy: task.retry_policy.as_ref().map(PlanRetry::to_proto),
                    section: task.section.clone(),
                })
                .collect(),
            input: self.input.clone(),
            review_criteria_id: self.review_criteria_id.clone(),
            default_task_timeout: self.default_task_timeout.map(duration_to_proto),
            default_retry_policy: self.default_retry_policy.as_ref().map(PlanRetry::to_proto),
            max_parallelism: self.max_parallelism,
            labels: self.labels.clone().into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_into_the_api_shape() {
        let plan = PlanFile::parse(
            "plan.yaml",
            r#"
input: Q3
max_parallelism: 4
default_task_timeout: 30s
tasks:
  - id: facts
    agent: mock
    params: {delay_ms: 200, output: "Revenue grew."}
    retry_policy: {max_retries: 2, initial_backoff: 250ms}
  - id: summary
    agent: echo
    input: "Summary of {{tasks.facts.output}}"
    depends_on: [facts]
    section: Summary
"#,
        )
        .unwrap();
        let spec = plan.to_proto();
        assert_eq!(spec.tasks.len(), 2);
        assert_eq!(spec.default_task_timeout.unwrap().seconds, 30);
        let retry = spec.tasks[0].retry_policy.as_ref().unwrap();
        assert_eq!(retry.initial_backoff.unwrap().nanos, 250_000_000);
        let delay = &spec.tasks[0].params.as_ref().unwrap().fields["delay_ms"];
        assert_eq!(
            delay.kind,
            Some(prost_types::value::Kind::NumberValue(200.0))
        );
        assert_eq!(spec.tasks[1].depends_on, ["facts"]);
    }

    #[test]
    fn typos_and_bad_durations_are_errors() {
        let typo = PlanFile::parse(
            "p",
            "tasks:\n  - id: a\n    agent: mock\n    dependson: [b]\n",
        )
        .unwrap_err();
        assert!(typo.to_string().contains("dependson"), "{typo}");
        let duration = PlanFile::parse(
            "p",
            "tasks:\n  - id: a\n    agent: mock\n    timeout: soon\n",
        )
        .unwrap_err();
        assert!(duration.to_string().contains("timeout"), "{duration}");
    }
}
