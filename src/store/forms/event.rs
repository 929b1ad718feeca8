//! Events as stored, in the log of their orchestration.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::DecisionForm;
use super::result::ResultForm;
use crate::model::event::{
    Accepted, Event, EventKind, PlanEntry, ReviewState, ReviewUpdate, TaskUpdate,
};
use crate::model::orchestration::OrchestrationState;
use crate::model::task::TaskState;

#[derive(Debug, Serialize, Deserialize)]
pub struct EventForm {
    orchestration_id: String,
    sequence: u64,
    time: DateTime<Utc>,
    kind: KindForm,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum KindForm {
    Accepted(AcceptedForm),
    Task(TaskUpdateForm),
    Review(ReviewUpdateForm),
    StateChanged {
        state: OrchestrationState,
        reason: String,
    },
    Completed {
        result: Box<ResultForm>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct AcceptedForm {
    plan: Vec<PlanEntryForm>,
    wave_count: u32,
    criteria_id: String,
    criteria_version: u64,
    run: u32,
    #[serde(default)]
    request_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct PlanEntryForm {
    task_id: String,
    agent: String,
    wave: u32,
    depends_on: Vec<String>,
    section: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct TaskUpdateForm {
    task_id: String,
    state: TaskState,
    attempt: u32,
    wave: u32,
    #[serde(default)]
    error: Option<String>,
    #[serde(default, with = "humantime_serde")]
    retry_in: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    elapsed: Option<Duration>,
    run: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReviewUpdateForm {
    state: ReviewState,
    #[serde(default)]
    decision: Option<Box<DecisionForm>>,
    run: u32,
}

impl From<&Event> for EventForm {
    fn from(event: &Event) -> Self {
        Self {
            orchestration_id: event.orchestration_id.clone(),
            sequence: event.sequence,
            time: event.time,
            kind: KindForm::from(&event.kind),
        }
    }
}

impl From<EventForm> for Event {
    fn from(form: EventForm) -> Self {
        Self {
            orchestration_id: form.orchestration_id,
            sequence: form.sequence,
            time: form.time,
            kind: form.kind.into(),
        }
    }
}

impl From<&EventKind> for KindForm {
    fn from(kind: &EventKind) -> Self {
        match kind {
            EventKind::Accepted(accepted) => Self::Accepted(AcceptedForm::from(accepted)),
            EventKind::Task(update) => Self::Task(TaskUpdateForm::from(update)),
            EventKind::Review(update) => Self::Review(ReviewUpdateForm::from(update)),
            EventKind::StateChanged { state, reason } => Self::StateChanged {
                state: *state,
                reason: reason.clone(),
            },
            EventKind::Completed { result } => Self::Completed {
                result: Box::new(ResultForm::from(&**result)),
            },
        }
    }
}

impl From<KindForm> for EventKind {
    fn from(form: KindForm) -> Self {
        match form {
            KindForm::Accepted(accepted) => Self::Accepted(accepted.into()),
            KindForm::Task(update) => Self::Task(update.into()),
            KindForm::Review(update) => Self::Review(update.into()),
            KindForm::StateChanged { state, reason } => Self::StateChanged { state, reason },
            KindForm::Completed { result } => Self::Completed {
                result: Box::new((*result).into()),
            },
        }
    }
}

impl From<&Accepted> for AcceptedForm {
    fn from(accepted: &Accepted) -> Self {
        Self {
            plan: accepted.plan.iter().map(PlanEntryForm::from).collect(),
            wave_count: accepted.wave_count,
            criteria_id: accepted.criteria_id.clone(),
            criteria_version: accepted.criteria_version,
            run: accepted.run,
            request_id: accepted.request_id.clone(),
        }
    }
}

impl From<AcceptedForm> for Accepted {
    fn from(form: AcceptedForm) -> Self {
        Self {
            plan: form.plan.into_iter().map(PlanEntry::from).collect(),
            wave_count: form.wave_count,
            criteria_id: form.criteria_id,
            criteria_version: form.criteria_version,
            run: form.run,
            request_id: form.request_id,
        }
    }
}

impl From<&PlanEntry> for PlanEntryForm {
    fn from(entry: &PlanEntry) -> Self {
        Self {
            task_id: entry.task_id.clone(),
            agent: entry.agent.clone(),
            wave: entry.wave,
            depends_on: entry.depends_on.clone(),
            section: entry.section.clone(),
        }
    }
}

impl From<PlanEntryForm> for PlanEntry {
    fn from(form: PlanEntryForm) -> Self {
        Self {
            task_id: form.task_id,
            agent: form.agent,
            wave: form.wave,
            depends_on: form.depends_on,
            section: form.section,
        }
    }
}

impl From<&TaskUpdate> for TaskUpdateForm {
    fn from(update: &TaskUpdate) -> Self {
        Self {
            task_id: update.task_id.clone(),
            state: update.state,
            attempt: update.attempt,
            wave: update.wave,
            error: update.error.clone(),
            retry_in: update.retry_in,
            elapsed: update.elapsed,
            run: update.run,
        }
    }
}

impl From<TaskUpdateForm> for TaskUpdate {
    fn from(form: TaskUpdateForm) -> Self {
        Self {
            task_id: form.task_id,
            state: form.state,
            attempt: form.attempt,
            wave: form.wave,
            error: form.error,
            retry_in: form.retry_in,
            elapsed: form.elapsed,
            run: form.run,
        }
    }
}

impl From<&ReviewUpdate> for ReviewUpdateForm {
    fn from(update: &ReviewUpdate) -> Self {
        Self {
            state: update.state,
            decision: update
                .decision
                .as_deref()
                .map(|decision| Box::new(DecisionForm::from(decision))),
            run: update.run,
        }
    }
}

impl From<ReviewUpdateForm> for ReviewUpdate {
    fn from(form: ReviewUpdateForm) -> Self {
        Self {
            state: form.state,
            decision: form.decision.map(|decision| Box::new((*decision).into())),
            run: form.run,
        }
    }
}
