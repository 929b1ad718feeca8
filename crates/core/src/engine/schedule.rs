//! Runs the tasks of one plan: each task starts the moment all its dependencies succeeded (no
//! wave barrier), up to the plan's parallelism. A failure is isolated: siblings go on, and
//! dependents are skipped with the reason.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::budget::FEEDBACK_CAP;
use super::stack::{self, AgentCall, AgentStack, AttemptObserver, CallFailure, CallSuccess};
use crate::agent::{AgentError, AgentRequest};
use crate::model::event::{EventKind, TaskUpdate};
use crate::model::orchestration::{TaskCheckpoint, TaskResult};
use crate::model::plan::{Plan, PlannedTask};
use crate::model::task::{TaskState, TokenUsage};
use crate::review::ReviewedTask;

/// Where the engine reports what happens. Emitting never waits: the sink orders, stores and
/// publishes events on its own.
pub trait EventSink: Send + Sync {
    fn emit(&self, kind: EventKind);

    /// A task's SUCCEEDED event, with the checkpoint that lets a resumed run skip the task:
    /// both are stored together or not at all. A sink that cannot resume may drop the
    /// checkpoint.
    fn emit_success(&self, kind: EventKind, checkpoint: TaskCheckpoint) {
        let _ = checkpoint;
        self.emit(kind);
    }
}

pub use super::stack::Scrub;

/// How one task ended in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutcome {
    pub state: TaskState,
    pub attempts: u32,
    /// The raw output (cut at the output limit), for the review; never sent unreviewed.
    pub output: Option<String>,
    pub output_truncated: bool,
    /// Redacted.
    pub error: Option<String>,
    pub confidence: Option<f64>,
    pub usage: Option<TokenUsage>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration: Option<Duration>,
}

/// The outcome's other forms are made here, each in one place: the checkpoint (stored), the
/// task result (reported) and the reviewed task (what the review reads).
impl TaskOutcome {
    /// The stored form of a succeeded task, for a resumed run to skip it.
    pub fn checkpoint(&self, run: u32, task_id: &str) -> TaskCheckpoint {
        TaskCheckpoint {
            run,
            task_id: task_id.to_owned(),
            output: self.output.clone().unwrap_or_default(),
            output_truncated: self.output_truncated,
            attempts: self.attempts,
            confidence: self.confidence,
            usage: self.usage,
            start_time: self.start_time,
            end_time: self.end_time,
            duration: self.duration,
        }
    }

    /// The reported form: `output` is what may leave the service (redacted, or nothing).
    pub fn result(&self, task: &PlannedTask, output: String) -> TaskResult {
        TaskResult {
            task_id: task.id.clone(),
            agent: task.agent.clone(),
            state: self.state,
            output,
            output_truncated: self.output_truncated,
            error: self.error.clone(),
            attempts: self.attempts,
            wave: task.wave,
            start_time: self.start_time,
            end_time: self.end_time,
            duration: self.duration,
            confidence: self.confidence,
            section: task.section.clone(),
            usage: self.usage,
        }
    }

    /// What the review reads of it: the raw output, under its section.
    pub fn reviewed(&self, task: &PlannedTask) -> ReviewedTask {
        ReviewedTask {
            task_id: task.id.clone(),
            section: task.section.clone(),
            state: self.state,
            output: self.output.clone().unwrap_or_default(),
            confidence: self.confidence,
            error: self.error.clone(),
        }
    }

    /// A task that succeeded before: in an earlier process, for a resumed run.
    pub fn from_checkpoint(checkpoint: TaskCheckpoint) -> Self {
        Self {
            state: TaskState::Succeeded,
            attempts: checkpoint.attempts,
            output: Some(checkpoint.output),
            output_truncated: checkpoint.output_truncated,
            error: None,
            confidence: checkpoint.confidence,
            usage: checkpoint.usage,
            start_time: checkpoint.start_time,
            end_time: checkpoint.end_time,
            duration: checkpoint.duration,
        }
    }

    fn unstarted(state: TaskState, error: String) -> Self {
        Self {
            state,
            attempts: 0,
            output: None,
            output_truncated: false,
            error: Some(error),
            confidence: None,
            usage: None,
            start_time: None,
            end_time: Some(Utc::now()),
            duration: None,
        }
    }
}

pub struct RunTasks<'a> {
    pub orchestration_id: &'a Arc<str>,
    pub run: u32,
    pub plan: &'a Plan,
    pub review_feedback: Option<Arc<str>>,
    pub cancel: &'a CancellationToken,
    pub stacks: &'a HashMap<String, AgentStack>,
    pub events: &'a Arc<dyn EventSink>,
    pub scrub: &'a Scrub,
    /// Tasks of this run that already succeeded (before a restart), by task id: they are not
    /// run again and emit nothing.
    pub done: &'a HashMap<String, TaskOutcome>,
}

/// Reports attempts of one task as events, and remembers when its first attempt started.
struct TaskProgress {
    task_id: String,
    wave: u32,
    run: u32,
    events: Arc<dyn EventSink>,
    scrub: Scrub,
    first_start: Mutex<Option<(Instant, DateTime<Utc>)>>,
}

impl TaskProgress {
    fn started(&self) -> Option<(Instant, DateTime<Utc>)> {
        *self
            .first_start
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, state: TaskState, attempt: u32) -> TaskUpdate {
        TaskUpdate {
            task_id: self.task_id.clone(),
            state,
            attempt,
            wave: self.wave,
            error: None,
            retry_in: None,
            elapsed: None,
            run: self.run,
        }
    }
}

impl AttemptObserver for TaskProgress {
    fn attempt_started(&self, attempt: u32) {
        self.first_start
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get_or_insert_with(|| (Instant::now(), Utc::now()));
        self.events
            .emit(EventKind::Task(self.update(TaskState::Running, attempt)));
    }

    fn attempt_failed(&self, attempt: u32, error: &AgentError, retry_in: Option<Duration>) {
        // The final failure is reported by the scheduler with the task's terminal state.
        if let Some(retry_in) = retry_in {
            self.events.emit(EventKind::Task(TaskUpdate {
                error: Some((self.scrub)(&error.to_string())),
                retry_in: Some(retry_in),
                ..self.update(TaskState::Retrying, attempt)
            }));
        }
    }
}

type Finished = (usize, Arc<TaskProgress>, Result<CallSuccess, CallFailure>);

/// Cuts `text` to at most `limit` bytes on a character boundary.
fn truncate(mut text: String, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (text, true)
}

pub async fn run_tasks(ctx: RunTasks<'_>) -> Vec<TaskOutcome> {
    let plan = ctx.plan;
    let count = plan.tasks.len();
    let mut results: Vec<Option<TaskOutcome>> = plan
        .tasks
        .iter()
        .map(|task| ctx.done.get(&task.id).cloned())
        .collect();
    let mut outputs: Vec<Option<Arc<str>>> = results
        .iter()
        .map(|done| {
            done.as_ref()
                .and_then(|run| run.output.as_deref().map(Arc::from))
        })
        .collect();
    let mut waiting: Vec<usize> = plan
        .tasks
        .iter()
        .map(|t| {
            t.depends_on
                .iter()
                .filter(|&&d| results[d].is_none())
                .count()
        })
        .collect();
    let mut ready: VecDeque<usize> = (0..count)
        .filter(|&i| waiting[i] == 0 && results[i].is_none())
        .collect();
    let mut running: FuturesUnordered<BoxFuture<'static, Finished>> = FuturesUnordered::new();
    let parallelism = plan.max_parallelism.max(1);

    loop {
        while running.len() < parallelism && !ctx.cancel.is_cancelled() {
            let Some(index) = ready.pop_front() else {
                break;
            };
            running.push(start(&ctx, index, &outputs));
        }
        let Some((index, progress, outcome)) = running.next().await else {
            break;
        };
        let task = &plan.tasks[index];
        let started = progress.started();
        let elapsed = started.map(|(at, _)| at.elapsed());
        let mut checkpoint = None;
        let mut run = TaskOutcome {
            state: TaskState::Succeeded,
            attempts: 0,
            output: None,
            output_truncated: false,
            error: None,
            confidence: None,
            usage: None,
            start_time: started.map(|(_, at)| at),
            end_time: Some(Utc::now()),
            duration: elapsed,
        };
        match outcome {
            Ok(success) => {
                let cap = ctx.plan.tasks[index].max_output_bytes;
                let (output, truncated) = truncate(success.response.output, cap);
                outputs[index] = Some(output.as_str().into());
                run.attempts = success.attempts;
                run.output = Some(output);
                run.output_truncated = truncated;
                run.confidence = success.response.confidence;
                run.usage = success.response.usage;
                checkpoint = Some(run.checkpoint(ctx.run, &task.id));
                for &next in &task.dependents {
                    waiting[next] -= 1;
                    if waiting[next] == 0 && results[next].is_none() {
                        ready.push_back(next);
                    }
                }
            }
            Err(failure) => {
                run.state = match failure.error {
                    AgentError::TimedOut(_) => TaskState::TimedOut,
                    AgentError::Cancelled => TaskState::Cancelled,
                    _ => TaskState::Failed,
                };
                run.attempts = failure.attempts;
                run.error = Some((ctx.scrub)(&failure.error.to_string()));
            }
        }
        let update = EventKind::Task(TaskUpdate {
            error: run.error.clone(),
            elapsed: run.duration,
            ..progress.update(run.state, run.attempts)
        });
        match checkpoint {
            Some(checkpoint) => ctx.events.emit_success(update, checkpoint),
            None => ctx.events.emit(update),
        }
        let failed = run.state != TaskState::Succeeded;
        let state = run.state;
        results[index] = Some(run);
        if failed && state != TaskState::Cancelled {
            skip_dependents(&ctx, index, &mut results);
        }
    }

    // What never started: cancelled before its turn, or waiting on a cancelled dependency.
    for (index, slot) in results.iter_mut().enumerate() {
        if slot.is_none() {
            let task = &plan.tasks[index];
            let run =
                TaskOutcome::unstarted(TaskState::Cancelled, "cancelled before it started".into());
            ctx.events.emit(EventKind::Task(TaskUpdate {
                task_id: task.id.clone(),
                state: TaskState::Cancelled,
                attempt: 0,
                wave: task.wave,
                error: run.error.clone(),
                retry_in: None,
                elapsed: None,
                run: ctx.run,
            }));
            *slot = Some(run);
        }
    }
    results.into_iter().flatten().collect()
}

/// Marks every task downstream of `failed` SKIPPED, each with the dependency that stopped it.
fn skip_dependents(ctx: &RunTasks<'_>, failed: usize, results: &mut [Option<TaskOutcome>]) {
    let plan = ctx.plan;
    let mut queue: VecDeque<usize> = VecDeque::from([failed]);
    while let Some(blocked) = queue.pop_front() {
        let cause = &plan.tasks[blocked];
        let how = results[blocked]
            .as_ref()
            .map_or("did not succeed", |r| r.state.describe());
        for &next in &cause.dependents {
            if results[next].is_some() {
                continue;
            }
            let task = &plan.tasks[next];
            let reason = format!("dependency '{}' {how}", cause.id);
            ctx.events.emit(EventKind::Task(TaskUpdate {
                task_id: task.id.clone(),
                state: TaskState::Skipped,
                attempt: 0,
                wave: task.wave,
                error: Some(reason.clone()),
                retry_in: None,
                elapsed: None,
                run: ctx.run,
            }));
            results[next] = Some(TaskOutcome::unstarted(TaskState::Skipped, reason));
            queue.push_back(next);
        }
    }
}

fn start(
    ctx: &RunTasks<'_>,
    index: usize,
    outputs: &[Option<Arc<str>>],
) -> BoxFuture<'static, Finished> {
    let plan = ctx.plan;
    let task = &plan.tasks[index];
    let output_of = |i: usize| outputs.get(i).cloned().flatten().map(|o| o.to_string());
    let feedback = ctx.review_feedback.as_deref().unwrap_or_default();
    // The budget counted feedback at its cap; longer feedback is cut to it.
    let (feedback, _) = truncate(feedback.to_owned(), FEEDBACK_CAP);
    let input = task.input.render(&plan.input, output_of, &feedback);
    let dependency_outputs: BTreeMap<String, String> = task
        .depends_on
        .iter()
        .map(|&d| (plan.tasks[d].id.clone(), output_of(d).unwrap_or_default()))
        .collect();
    let progress = Arc::new(TaskProgress {
        task_id: task.id.clone(),
        wave: task.wave,
        run: ctx.run,
        events: ctx.events.clone(),
        scrub: ctx.scrub.clone(),
        first_start: Mutex::new(None),
    });
    let call = AgentCall {
        request: AgentRequest {
            orchestration_id: ctx.orchestration_id.clone(),
            task_id: task.id.as_str().into(),
            attempt: 1,
            run: ctx.run,
            input: input.into(),
            params: Arc::new(task.params.clone()),
            dependency_outputs: Arc::new(dependency_outputs),
            review_feedback: ctx.review_feedback.clone(),
            orchestration_input: plan.input.as_str().into(),
            timeout: None,
        },
        agent: task.agent.as_str().into(),
        retry: task.retry.clone(),
        timeout: task.timeout,
        cancel: ctx.cancel.clone(),
        observer: progress.clone(),
        scrub: ctx.scrub.clone(),
    };
    let stack = ctx.stacks.get(&task.agent).cloned();
    Box::pin(async move {
        let outcome = match stack {
            Some(stack) => stack::call(&stack, call).await,
            // Validation checks agents before anything runs; this only guards a registry
            // changed underneath.
            None => Err(CallFailure::from(AgentError::Fatal(format!(
                "agent {:?} is not available",
                call.agent
            )))),
        };
        (index, progress, outcome)
    })
}

#[cfg(test)]
mod tests;
