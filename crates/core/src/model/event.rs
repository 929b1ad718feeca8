//! The event log: every state change of an orchestration, in order. Sequences are 1, 2, 3, …
//! without gaps; an event is stored before anyone sees it, and a replayed event is the stored
//! one, so it equals what was sent live.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::ReviewDecision;
use super::orchestration::{OrchestrationResult, OrchestrationState, TaskResult};
use super::task::TaskState;

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub orchestration_id: String,
    pub sequence: u64,
    pub time: DateTime<Utc>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    Accepted(Accepted),
    Task(TaskUpdate),
    Review(ReviewUpdate),
    StateChanged {
        state: OrchestrationState,
        reason: String,
    },
    Completed {
        result: Box<OrchestrationResult>,
    },
}

impl EventKind {
    pub fn is_completed(&self) -> bool {
        matches!(self, EventKind::Completed { .. })
    }
}

/// Sent at the start of every run.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub plan: Vec<PlanEntry>,
    pub wave_count: u32,
    pub criteria_id: String,
    pub criteria_version: u64,
    pub run: u32,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanEntry {
    pub task_id: String,
    pub agent: String,
    pub wave: u32,
    pub depends_on: Vec<String>,
    pub section: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskUpdate {
    pub task_id: String,
    pub state: TaskState,
    pub attempt: u32,
    pub wave: u32,
    pub error: Option<String>,
    pub retry_in: Option<Duration>,
    pub elapsed: Option<Duration>,
    pub run: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    Started,
    Decided,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewUpdate {
    pub state: ReviewState,
    pub decision: Option<Box<ReviewDecision>>,
    pub run: u32,
}

/// What an orchestration looks like after the events seen so far: GetOrchestration's view of
/// one that has not completed.
pub fn fold(
    base: OrchestrationResult,
    events: impl IntoIterator<Item = Event>,
) -> OrchestrationResult {
    let mut result = base;
    for event in events {
        match event.kind {
            EventKind::Accepted(accepted) => {
                result.state = OrchestrationState::Running;
                result.runs = accepted.run;
                result.criteria_id = accepted.criteria_id;
                result.criteria_version = accepted.criteria_version;
                result.tasks = accepted
                    .plan
                    .into_iter()
                    .map(|entry| TaskResult {
                        task_id: entry.task_id,
                        agent: entry.agent,
                        state: TaskState::Pending,
                        output: String::new(),
                        output_truncated: false,
                        error: None,
                        attempts: 0,
                        wave: entry.wave,
                        start_time: None,
                        end_time: None,
                        duration: None,
                        confidence: None,
                        section: entry.section,
                        usage: None,
                    })
                    .collect();
            }
            EventKind::Task(update) => {
                if let Some(task) = result
                    .tasks
                    .iter_mut()
                    .find(|t| t.task_id == update.task_id)
                {
                    if task.start_time.is_none() && update.state == TaskState::Running {
                        task.start_time = Some(event.time);
                    }
                    task.state = update.state;
                    task.attempts = task.attempts.max(update.attempt);
                    if update.error.is_some() {
                        task.error = update.error;
                    }
                    if update.state.is_terminal() {
                        task.end_time = Some(event.time);
                        task.duration = update.elapsed;
                    }
                }
            }
            EventKind::Review(update) => {
                result.state = OrchestrationState::Reviewing;
                if let Some(decision) = update.decision {
                    result.decision_id = decision.decision_id.clone();
                    result.review = Some(*decision);
                }
            }
            EventKind::StateChanged { state, reason } => {
                result.state = state;
                if state.is_terminal() {
                    result.error = Some(reason);
                }
            }
            EventKind::Completed { result: completed } => result = *completed,
        }
    }
    result
}
