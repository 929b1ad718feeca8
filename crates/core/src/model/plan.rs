//! What a caller asks for (`OrchestrationSpec`) and what the engine runs after validation
//! (`Plan`): the DAG in plan order, with a wave per task and every default resolved.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An orchestration as submitted, before validation. Its serialized form, with the API's field
/// names and durations as `30s`, is also the CLI's plan-file format, whose JSON Schema is
/// derived from these types (the docs below are its descriptions, shown by editors).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "orchestrator plan")]
pub struct OrchestrationSpec {
    /// The tasks: a DAG by their `depends_on`, run in parallel where it allows.
    pub tasks: Vec<TaskSpec>,
    /// What the whole orchestration works on; tasks see it as `{{input}}`.
    #[serde(default)]
    pub input: String,
    /// Stored review criteria to check the result with. Unset: the tenant's `default`
    /// criteria, else the built-in defaults.
    #[serde(default)]
    pub review_criteria_id: Option<String>,
    /// Each task's time limit per attempt, unless it sets its own (`30s`, `1m 30s`). Unset:
    /// the server's default.
    #[serde(default, with = "humantime_serde")]
    #[schemars(schema_with = "duration_schema")]
    pub default_task_timeout: Option<Duration>,
    /// Retries of tasks that set no `retry_policy` of their own.
    #[serde(default, rename = "default_retry_policy")]
    pub default_retry: RetryOverrides,
    /// Tasks running at once, at most. 0: the server's default.
    #[serde(default)]
    pub max_parallelism: u32,
    /// Free-form labels, kept with the orchestration.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The output cap, in bytes, of tasks that set none. Unset: a share of the result budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_bytes: Option<u32>,
}

/// One task: an agent called with an input and params, after the tasks it depends on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// Unique in the plan: letters, digits, `-` and `_`.
    pub id: String,
    /// The agent that runs it: `echo`, `mock`, or one the server's settings configure.
    pub agent: String,
    /// The agent's input; may use `{{input}}`, `{{tasks.<id>.output}}` of a dependency, and
    /// `{{review.feedback}}`.
    #[serde(default)]
    pub input: String,
    /// Agent-specific parameters.
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Ids of the tasks that must succeed first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Time limit per attempt (`30s`, `1m 30s`). Unset: the plan's default.
    #[serde(default, with = "humantime_serde")]
    #[schemars(schema_with = "duration_schema")]
    pub timeout: Option<Duration>,
    /// Retries of this task; unset fields come from the plan's default policy.
    #[serde(default, rename = "retry_policy")]
    pub retry: RetryOverrides,
    /// The output section this task fills. Unset: the task id.
    #[serde(default)]
    pub section: Option<String>,
    /// This task's output cap, in bytes. Unset: the plan's, else a share of the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_bytes: Option<u32>,
}

/// Retry settings as given; unset fields fall back to the next level (task, orchestration,
/// server).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryOverrides {
    /// Retries after the first attempt.
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// The wait before the first retry (`250ms`, `1s`).
    #[serde(default, with = "humantime_serde")]
    #[schemars(schema_with = "duration_schema")]
    pub initial_backoff: Option<Duration>,
    /// The longest wait between retries.
    #[serde(default, with = "humantime_serde")]
    #[schemars(schema_with = "duration_schema")]
    pub max_backoff: Option<Duration>,
    /// How much longer each wait is than the one before.
    #[serde(default)]
    pub multiplier: Option<f64>,
    /// Wait exactly the backoff, rather than a random time up to it.
    #[serde(default)]
    pub disable_jitter: Option<bool>,
}

/// A duration as humantime reads it: numbers with units, `30s`, `1m 30s`, `250ms`.
fn duration_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "null"],
        "pattern": DURATION_PATTERN,
        "examples": ["30s", "1m 30s", "250ms"],
    })
}

/// What humantime (2.4) reads: numbers, fractions allowed, each with one of its units; longer
/// units first, so that the alternation reads whole words.
const DURATION_PATTERN: &str = r"^\s*([0-9]+(\.[0-9]+)?\s*(nanos|nsec|ns|usec|us|µs|millis|msec|ms|seconds|second|secs|sec|s|minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d|weeks|week|wks|wk|w|months|month|M|years|year|yrs|yr|y)\s*)+$";

impl RetryOverrides {
    /// These overrides, with unset fields taken from `fallback`.
    pub fn or(&self, fallback: &RetryOverrides) -> RetryOverrides {
        RetryOverrides {
            max_retries: self.max_retries.or(fallback.max_retries),
            initial_backoff: self.initial_backoff.or(fallback.initial_backoff),
            max_backoff: self.max_backoff.or(fallback.max_backoff),
            multiplier: self.multiplier.or(fallback.multiplier),
            disable_jitter: self.disable_jitter.or(fallback.disable_jitter),
        }
    }

    pub fn resolve(&self, defaults: &RetryPolicy) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries.unwrap_or(defaults.max_retries),
            initial_backoff: self.initial_backoff.unwrap_or(defaults.initial_backoff),
            max_backoff: self.max_backoff.unwrap_or(defaults.max_backoff),
            multiplier: self.multiplier.unwrap_or(defaults.multiplier),
            jitter: !self.disable_jitter.unwrap_or(!defaults.jitter),
        }
    }
}

/// A resolved retry policy: exponential backoff, capped, with full jitter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    #[serde(with = "humantime_serde")]
    pub initial_backoff: Duration,
    #[serde(with = "humantime_serde")]
    pub max_backoff: Duration,
    pub multiplier: f64,
    /// Sleep a uniform random time in [0, backoff) rather than the backoff itself.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            multiplier: 2.0,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The backoff ceiling before retry number `retry` (1 for the first retry), before jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(64) as i32;
        let scaled = self.initial_backoff.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = scaled.min(self.max_backoff.as_secs_f64());
        Duration::try_from_secs_f64(capped).unwrap_or(self.max_backoff)
    }
}

/// One task of a validated plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTask {
    pub id: String,
    pub agent: String,
    pub input: Template,
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Indexes into the plan's tasks.
    pub depends_on: Vec<usize>,
    pub dependents: Vec<usize>,
    /// Longest dependency path from a root; roots are wave 0.
    pub wave: u32,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub section: String,
    /// Longer outputs are cut (and flagged as truncated).
    pub max_output_bytes: usize,
}

/// A validated orchestration: tasks in plan order (a topological order, stable with respect to
/// the order the caller gave).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub tasks: Vec<PlannedTask>,
    pub wave_count: u32,
    pub input: String,
    pub max_parallelism: usize,
    /// Bytes the orchestration may come to hold: its outputs at their caps (twice) and its
    /// rendered inputs at their largest.
    pub worst_case_bytes: usize,
}

/// A task input with its `{{...}}` references parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Text(String),
    /// `{{input}}`
    Input,
    /// `{{tasks.<id>.output}}`, by index into the plan's tasks.
    TaskOutput(usize),
    /// `{{review.feedback}}`
    ReviewFeedback,
}

impl Template {
    pub fn render(
        &self,
        input: &str,
        task_output: impl Fn(usize) -> Option<String>,
        review_feedback: &str,
    ) -> String {
        let mut rendered = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(text) => rendered.push_str(text),
                TemplatePart::Input => rendered.push_str(input),
                TemplatePart::TaskOutput(index) => {
                    rendered.push_str(&task_output(*index).unwrap_or_default())
                }
                TemplatePart::ReviewFeedback => rendered.push_str(review_feedback),
            }
        }
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let policy = RetryPolicy::default();
        let ms = |retry| policy.backoff(retry).as_millis();
        assert_eq!(
            [ms(1), ms(2), ms(3), ms(4), ms(5), ms(6)],
            [500, 1000, 2000, 4000, 8000, 8000]
        );
        assert_eq!(policy.backoff(1000), Duration::from_secs(8));
    }

    #[test]
    fn overrides_fall_back_level_by_level() {
        let task = RetryOverrides {
            max_retries: Some(0),
            ..Default::default()
        };
        let orchestration = RetryOverrides {
            max_retries: Some(5),
            initial_backoff: Some(Duration::from_millis(10)),
            disable_jitter: Some(true),
            ..Default::default()
        };
        let policy = task.or(&orchestration).resolve(&RetryPolicy::default());
        assert_eq!(policy.max_retries, 0, "0 means no retries, not the default");
        assert_eq!(policy.initial_backoff, Duration::from_millis(10));
        assert_eq!(policy.max_backoff, Duration::from_secs(8));
        assert!(!policy.jitter);
        assert!(
            RetryOverrides::default()
                .resolve(&RetryPolicy::default())
                .jitter
        );
    }
}
