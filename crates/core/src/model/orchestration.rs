//! An orchestration's state and result, as callers see them.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::ReviewDecision;
use super::task::{TaskState, TokenUsage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrchestrationState {
    Pending,
    Running,
    Reviewing,
    AwaitingHuman,
    Approved,
    Rejected,
    Failed,
    Cancelled,
}

impl OrchestrationState {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrchestrationState::Approved
                | OrchestrationState::Rejected
                | OrchestrationState::Failed
                | OrchestrationState::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrchestrationState::Pending => "PENDING",
            OrchestrationState::Running => "RUNNING",
            OrchestrationState::Reviewing => "REVIEWING",
            OrchestrationState::AwaitingHuman => "AWAITING_HUMAN",
            OrchestrationState::Approved => "APPROVED",
            OrchestrationState::Rejected => "REJECTED",
            OrchestrationState::Failed => "FAILED",
            OrchestrationState::Cancelled => "CANCELLED",
        }
    }
}

/// One task's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskResult {
    pub task_id: String,
    pub agent: String,
    pub state: TaskState,
    /// Redacted; empty unless the orchestration was approved.
    pub output: String,
    pub output_truncated: bool,
    pub error: Option<String>,
    pub attempts: u32,
    pub wave: u32,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration: Option<Duration>,
    pub confidence: Option<f64>,
    pub section: String,
    pub usage: Option<TokenUsage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrchestrationResult {
    pub orchestration_id: String,
    pub request_id: String,
    pub state: OrchestrationState,
    pub tasks: Vec<TaskResult>,
    /// The aggregated output after review and redaction; empty unless approved.
    pub output: String,
    pub review: Option<ReviewDecision>,
    pub criteria_id: String,
    pub criteria_version: u64,
    pub decision_id: String,
    pub create_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub total_duration: Option<Duration>,
    pub runs: u32,
    /// Why the orchestration failed or was cancelled.
    pub error: Option<String>,
    pub labels: BTreeMap<String, String>,
}

impl OrchestrationResult {
    /// A result with nothing in it yet but who it is and where it stands.
    pub fn empty(
        orchestration_id: impl Into<String>,
        request_id: impl Into<String>,
        state: OrchestrationState,
        create_time: DateTime<Utc>,
        labels: BTreeMap<String, String>,
    ) -> Self {
        Self {
            orchestration_id: orchestration_id.into(),
            request_id: request_id.into(),
            state,
            tasks: Vec::new(),
            output: String::new(),
            review: None,
            criteria_id: String::new(),
            criteria_version: 0,
            decision_id: String::new(),
            create_time,
            end_time: None,
            total_duration: None,
            runs: 0,
            error: None,
            labels,
        }
    }
}

/// A task that succeeded in one run, kept with the orchestration so that a resumed run does
/// not call its agent again. Holds the raw output: it is review input and never leaves the
/// service unreviewed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskCheckpoint {
    pub run: u32,
    pub task_id: String,
    pub output: String,
    pub output_truncated: bool,
    pub attempts: u32,
    pub confidence: Option<f64>,
    pub usage: Option<TokenUsage>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration: Option<Duration>,
}
