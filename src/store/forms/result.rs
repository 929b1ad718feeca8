//! Results and checkpoints as stored: an orchestration's outcome, each task's, and a
//! succeeded task kept for a resumed run.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::DecisionForm;
use crate::model::orchestration::{
    OrchestrationResult, OrchestrationState, TaskCheckpoint, TaskResult,
};
use crate::model::task::{TaskState, TokenUsage};

#[derive(Debug, Serialize, Deserialize)]
pub struct ResultForm {
    orchestration_id: String,
    #[serde(default)]
    request_id: String,
    state: OrchestrationState,
    tasks: Vec<TaskResultForm>,
    #[serde(default)]
    output: String,
    #[serde(default)]
    review: Option<DecisionForm>,
    #[serde(default)]
    criteria_id: String,
    #[serde(default)]
    criteria_version: u64,
    #[serde(default)]
    decision_id: String,
    create_time: DateTime<Utc>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default, with = "humantime_serde")]
    total_duration: Option<Duration>,
    #[serde(default)]
    runs: u32,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TaskResultForm {
    task_id: String,
    agent: String,
    state: TaskState,
    #[serde(default)]
    output: String,
    #[serde(default)]
    output_truncated: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    attempts: u32,
    wave: u32,
    #[serde(default)]
    start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default, with = "humantime_serde")]
    duration: Option<Duration>,
    #[serde(default)]
    confidence: Option<f64>,
    section: String,
    #[serde(default)]
    usage: Option<UsageForm>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CheckpointForm {
    run: u32,
    task_id: String,
    output: String,
    #[serde(default)]
    output_truncated: bool,
    attempts: u32,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    usage: Option<UsageForm>,
    #[serde(default)]
    start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default, with = "humantime_serde")]
    duration: Option<Duration>,
}

#[derive(Debug, Serialize, Deserialize)]
struct UsageForm {
    prompt_tokens: u64,
    completion_tokens: u64,
}

impl From<&OrchestrationResult> for ResultForm {
    fn from(result: &OrchestrationResult) -> Self {
        Self {
            orchestration_id: result.orchestration_id.clone(),
            request_id: result.request_id.clone(),
            state: result.state,
            tasks: result.tasks.iter().map(TaskResultForm::from).collect(),
            output: result.output.clone(),
            review: result.review.as_ref().map(DecisionForm::from),
            criteria_id: result.criteria_id.clone(),
            criteria_version: result.criteria_version,
            decision_id: result.decision_id.clone(),
            create_time: result.create_time,
            end_time: result.end_time,
            total_duration: result.total_duration,
            runs: result.runs,
            error: result.error.clone(),
            labels: result.labels.clone(),
        }
    }
}

impl From<ResultForm> for OrchestrationResult {
    fn from(form: ResultForm) -> Self {
        Self {
            orchestration_id: form.orchestration_id,
            request_id: form.request_id,
            state: form.state,
            tasks: form.tasks.into_iter().map(TaskResult::from).collect(),
            output: form.output,
            review: form.review.map(Into::into),
            criteria_id: form.criteria_id,
            criteria_version: form.criteria_version,
            decision_id: form.decision_id,
            create_time: form.create_time,
            end_time: form.end_time,
            total_duration: form.total_duration,
            runs: form.runs,
            error: form.error,
            labels: form.labels,
        }
    }
}

impl From<&TaskResult> for TaskResultForm {
    fn from(task: &TaskResult) -> Self {
        Self {
            task_id: task.task_id.clone(),
            agent: task.agent.clone(),
            state: task.state,
            output: task.output.clone(),
            output_truncated: task.output_truncated,
            error: task.error.clone(),
            attempts: task.attempts,
            wave: task.wave,
            start_time: task.start_time,
            end_time: task.end_time,
            duration: task.duration,
            confidence: task.confidence,
            section: task.section.clone(),
            usage: task.usage.map(UsageForm::from),
        }
    }
}

impl From<TaskResultForm> for TaskResult {
    fn from(form: TaskResultForm) -> Self {
        Self {
            task_id: form.task_id,
            agent: form.agent,
            state: form.state,
            output: form.output,
            output_truncated: form.output_truncated,
            error: form.error,
            attempts: form.attempts,
            wave: form.wave,
            start_time: form.start_time,
            end_time: form.end_time,
            duration: form.duration,
            confidence: form.confidence,
            section: form.section,
            usage: form.usage.map(Into::into),
        }
    }
}

impl From<&TaskCheckpoint> for CheckpointForm {
    fn from(checkpoint: &TaskCheckpoint) -> Self {
        Self {
            run: checkpoint.run,
            task_id: checkpoint.task_id.clone(),
            output: checkpoint.output.clone(),
            output_truncated: checkpoint.output_truncated,
            attempts: checkpoint.attempts,
            confidence: checkpoint.confidence,
            usage: checkpoint.usage.map(UsageForm::from),
            start_time: checkpoint.start_time,
            end_time: checkpoint.end_time,
            duration: checkpoint.duration,
        }
    }
}

impl From<CheckpointForm> for TaskCheckpoint {
    fn from(form: CheckpointForm) -> Self {
        Self {
            run: form.run,
            task_id: form.task_id,
            output: form.output,
            output_truncated: form.output_truncated,
            attempts: form.attempts,
            confidence: form.confidence,
            usage: form.usage.map(Into::into),
            start_time: form.start_time,
            end_time: form.end_time,
            duration: form.duration,
        }
    }
}

impl From<TokenUsage> for UsageForm {
    fn from(usage: TokenUsage) -> Self {
        Self {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        }
    }
}

impl From<UsageForm> for TokenUsage {
    fn from(form: UsageForm) -> Self {
        Self {
            prompt_tokens: form.prompt_tokens,
            completion_tokens: form.completion_tokens,
        }
    }
}
