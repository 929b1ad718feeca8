//! One orchestration from start to end: run the tasks, aggregate, review, then act on the
//! verdict (approve; re-run with the feedback; park for a human; reject). The completed event
//! carries the result; a rejected, failed or cancelled result never carries outputs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::schedule::{EventSink, RunTasks, Scrub, TaskOutcome, run_tasks};
use super::stack::{self, AgentCall, AgentStack, AttemptObserver};
use crate::agent::{AgentError, AgentRequest};
use crate::model::event::{Accepted, EventKind, PlanEntry, ReviewState, ReviewUpdate};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState};
use crate::model::plan::{Plan, RetryPolicy};
use crate::model::{HumanDecision, RejectAction, ReviewDecision, TaskState, TenantId, Verdict};
use crate::review::{
    CompiledCriteria, Judge, JudgeAnswer, JudgeError, JudgeRequest, Pseudonyms, ReviewError,
    ReviewInput, ReviewOutcome, ReviewedTask,
};

/// Where escalated orchestrations wait for a human.
#[async_trait]
pub trait HumanReview: Send + Sync {
    /// Parks the orchestration until a human decides. `output` is the redacted output under
    /// review, for the dedicated view; it is not an event.
    async fn await_decision(&self, orchestration_id: &str, output: &str) -> HumanDecision;
}

/// Why an orchestration was cancelled, kept with its token.
#[derive(Debug, Clone, Default)]
pub struct Cancellation {
    pub token: CancellationToken,
    reason: Arc<std::sync::OnceLock<String>>,
}

impl Cancellation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels with a reason; the first reason given stands.
    pub fn cancel(&self, reason: impl Into<String>) {
        let _ = self.reason.set(reason.into());
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    pub fn reason(&self) -> String {
        self.reason
            .get()
            .cloned()
            .unwrap_or_else(|| "cancelled".to_owned())
    }
}

/// Everything one orchestration needs to run.
pub struct Job {
    pub orchestration_id: Arc<str>,
    pub request_id: String,
    pub tenant: TenantId,
    pub plan: Arc<Plan>,
    pub criteria: Arc<CompiledCriteria>,
    pub labels: BTreeMap<String, String>,
    pub create_time: DateTime<Utc>,
    pub cancel: Cancellation,
    /// Where a run that an earlier process started picks up; `None` starts at run 1.
    pub resume: Option<Resume>,
}

/// The state of an interrupted orchestration, read back from its log.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// The run that was under way.
    pub run: u32,
    /// Whether that run's ACCEPTED event is stored (it is not sent twice).
    pub accepted: bool,
    /// The review feedback that run was started with.
    pub feedback: Option<String>,
    /// Its tasks that had succeeded, by task id.
    pub done: HashMap<String, TaskOutcome>,
    /// The review decisions that run had logged, in order: the review's, then a human's.
    pub decisions: Vec<ReviewDecision>,
}

/// What runs orchestrations: the agents' stacks and the server's settings.
pub struct Runner {
    pub stacks: HashMap<String, AgentStack>,
    /// For judge calls.
    pub judge_timeout: Duration,
    pub judge_retry: RetryPolicy,
    /// The server secret that keys HASH pseudonyms.
    pub pseudonym_secret: Arc<[u8]>,
}

impl Runner {
    /// Runs `job` to its end, from where its log left off when it is resumed. Every step
    /// returns the next; the orchestration ends at `Step::End`, the one way out.
    pub async fn run(
        &self,
        job: &Job,
        events: Arc<dyn EventSink>,
        humans: &dyn HumanReview,
    ) -> OrchestrationResult {
        let mut orchestration = Orchestration::new(self, job, events, humans);
        let mut step = Step::Run;
        let result = loop {
            step = match step {
                Step::Run => orchestration.run_tasks().await,
                Step::Review(tasks) => orchestration.review(tasks).await,
                Step::AwaitHuman(escalated) => orchestration.await_human(escalated).await,
                Step::End(tasks, ending) => break orchestration.finish(&tasks, ending),
            };
        };
        orchestration.events.emit(EventKind::Completed {
            result: Box::new(result.clone()),
        });
        result
    }
}

/// Where an orchestration stands between two steps of `Runner::run`.
enum Step {
    /// Run the tasks of the current run (those that succeeded before a restart are kept).
    Run,
    /// Review what the run produced.
    Review(Vec<TaskOutcome>),
    /// Wait for a human to decide on an escalated rejection.
    AwaitHuman(Escalated),
    /// The end, and how it came.
    End(Vec<TaskOutcome>, Ending),
}

/// A rejection escalated to a human.
struct Escalated {
    tasks: Vec<TaskOutcome>,
    decision: ReviewDecision,
    redacted_output: String,
}

/// How an orchestration ended.
enum Ending {
    /// By its cancellation (a caller, its deadline, shutdown), with the decision made so far.
    Cancelled(Option<ReviewDecision>),
    /// The review could not decide.
    ReviewFailed(String),
    /// By a decision, the review's or a human's; `output` only with an approval.
    Decided {
        state: OrchestrationState,
        decision: ReviewDecision,
        output: Option<String>,
    },
}

/// One orchestration on its way through `Runner::run`: what every step reads, and what
/// carries over from one run to the next.
struct Orchestration<'a> {
    runner: &'a Runner,
    job: &'a Job,
    events: Arc<dyn EventSink>,
    humans: &'a dyn HumanReview,
    started: Instant,
    pseudonyms: Pseudonyms,
    scrub: Scrub,
    /// 1, then one more after every review RETRY.
    run: u32,
    /// What the last review asked to change, for the run after a RETRY.
    feedback: Option<Arc<str>>,
    /// Whether the current run's ACCEPTED event is stored already (a resumed run).
    announced: bool,
    /// Tasks that had succeeded before a restart, for the run that resumes.
    done: HashMap<String, TaskOutcome>,
    /// Decisions logged before a restart, for the run that resumes: the review's, then a
    /// human's.
    logged: std::vec::IntoIter<ReviewDecision>,
}

impl<'a> Orchestration<'a> {
    fn new(
        runner: &'a Runner,
        job: &'a Job,
        events: Arc<dyn EventSink>,
        humans: &'a dyn HumanReview,
    ) -> Self {
        let pseudonyms = Pseudonyms::new(&runner.pseudonym_secret, job.tenant.as_str());
        let scrub: Scrub = {
            let (criteria, pseudonyms) = (job.criteria.clone(), pseudonyms.clone());
            Arc::new(move |text: &str| criteria.redact(text, &pseudonyms))
        };
        if let Some(resume) = &job.resume {
            events.emit(EventKind::StateChanged {
                state: OrchestrationState::Running,
                reason: format!(
                    "resumed after the server running it stopped; {} task(s) that had succeeded in run {} are kept",
                    resume.done.len(),
                    resume.run
                ),
            });
        }
        let resume = job.resume.clone().unwrap_or_default();
        Self {
            runner,
            job,
            events,
            humans,
            started: Instant::now(),
            pseudonyms,
            scrub,
            run: resume.run.max(1),
            feedback: resume.feedback.as_deref().map(Arc::from),
            announced: resume.accepted,
            done: resume.done,
            logged: resume.decisions.into_iter(),
        }
    }

    /// The ACCEPTED event of the current run: the plan as the log and its followers see it.
    fn accepted(&self) -> Accepted {
        let job = self.job;
        let plan = &job.plan;
        Accepted {
            plan: plan
                .tasks
                .iter()
                .map(|task| PlanEntry {
                    task_id: task.id.clone(),
                    agent: task.agent.clone(),
                    wave: task.wave,
                    depends_on: task
                        .depends_on
                        .iter()
                        .map(|&d| plan.tasks[d].id.clone())
                        .collect(),
                    section: task.section.clone(),
                })
                .collect(),
            wave_count: plan.wave_count,
            criteria_id: job.criteria.criteria().id.clone(),
            criteria_version: job.criteria.criteria().version,
            run: self.run,
            request_id: job.request_id.clone(),
        }
    }

    /// The judge the criteria name, called through its agent's stack; `None` without one.
    fn judge(&self) -> Option<AgentJudge> {
        let job = self.job;
        let agent = job.criteria.criteria().judge_agent.as_ref()?;
        Some(AgentJudge {
            stack: self.runner.stacks.get(agent).cloned(),
            orchestration_id: job.orchestration_id.clone(),
            run: self.run,
            timeout: self.runner.judge_timeout,
            retry: self.runner.judge_retry.clone(),
            cancel: job.cancel.token.clone(),
            scrub: self.scrub.clone(),
        })
    }

    async fn run_tasks(&mut self) -> Step {
        if !std::mem::take(&mut self.announced) {
            self.events.emit(EventKind::Accepted(self.accepted()));
        }
        let tasks = run_tasks(RunTasks {
            orchestration_id: &self.job.orchestration_id,
            run: self.run,
            plan: &self.job.plan,
            review_feedback: self.feedback.clone(),
            cancel: &self.job.cancel.token,
            stacks: &self.runner.stacks,
            events: &self.events,
            scrub: &self.scrub,
            done: &std::mem::take(&mut self.done),
        })
        .await;
        if self.job.cancel.is_cancelled() {
            return Step::End(tasks, Ending::Cancelled(None));
        }
        Step::Review(tasks)
    }

    async fn review(&mut self, tasks: Vec<TaskOutcome>) -> Step {
        let job = self.job;
        let criteria = &job.criteria;
        let aggregated = aggregate(&job.plan, &tasks);
        let reviewed = reviewed_tasks(&job.plan, &tasks);
        let input = ReviewInput {
            output: &aggregated,
            tasks: &reviewed,
            run: self.run,
            pseudonyms: &self.pseudonyms,
        };
        let from_log = self.logged.len() > 0;
        let outcome = match self.logged.next() {
            // Decided before a restart: that decision stands (a judge asked again could
            // answer otherwise); the rules pass recomputes the redacted output.
            Some(decision) => {
                let rules = criteria.review_rules(input);
                ReviewOutcome {
                    decision,
                    redacted_output: rules.redacted_output,
                    findings: rules.findings,
                }
            }
            None => match self.review_now(input).await {
                None => return Step::End(tasks, Ending::Cancelled(None)),
                Some(Err(error)) => {
                    let error = format!("the review could not decide: {error}");
                    return Step::End(tasks, Ending::ReviewFailed(error));
                }
                Some(Ok(outcome)) => outcome,
            },
        };
        let mut decision = outcome.decision;
        let max_runs_after_reject = criteria.criteria().max_runs_after_reject;
        let retry_allowed = self.run <= max_runs_after_reject;
        if decision.verdict == Verdict::Rejected
            && decision.action == Some(RejectAction::Retry)
            && !retry_allowed
            && !from_log
        {
            // Out of re-runs: say so in the decision that ends it.
            decision.feedback = format!(
                "{} (No re-runs left: {max_runs_after_reject} allowed after a rejection.)",
                decision.feedback
            );
        }
        if !from_log {
            self.events.emit(EventKind::Review(ReviewUpdate {
                state: ReviewState::Decided,
                decision: Some(Box::new(decision.clone())),
                run: self.run,
            }));
        }
        match (decision.verdict, decision.action) {
            (Verdict::Approved, _) => Step::End(
                tasks,
                Ending::Decided {
                    state: OrchestrationState::Approved,
                    decision,
                    output: Some(outcome.redacted_output),
                },
            ),
            (Verdict::Rejected, Some(RejectAction::Retry)) if retry_allowed => {
                self.feedback = Some(decision.feedback.as_str().into());
                self.run += 1;
                // What the log held was that run's; the next one decides afresh.
                self.logged = Vec::new().into_iter();
                Step::Run
            }
            (Verdict::Rejected, Some(RejectAction::Escalate)) => Step::AwaitHuman(Escalated {
                tasks,
                decision,
                redacted_output: outcome.redacted_output,
            }),
            (Verdict::Rejected, _) => Step::End(
                tasks,
                Ending::Decided {
                    state: OrchestrationState::Rejected,
                    decision,
                    output: None,
                },
            ),
        }
    }

    /// Asks the review now (rules, then the judge if the criteria name one); `None` when the
    /// orchestration is cancelled meanwhile.
    async fn review_now(
        &self,
        input: ReviewInput<'_>,
    ) -> Option<Result<ReviewOutcome, ReviewError>> {
        self.events.emit(EventKind::Review(ReviewUpdate {
            state: ReviewState::Started,
            decision: None,
            run: self.run,
        }));
        let judge = self.judge();
        let span = tracing::info_span!("review", run = self.run, verdict = tracing::field::Empty);
        let review = self
            .job
            .criteria
            .review(input, judge.as_ref().map(|j| j as &dyn Judge))
            .instrument(span.clone());
        tokio::select! {
            biased;
            () = self.job.cancel.token.cancelled() => None,
            outcome = review => {
                if let Ok(outcome) = &outcome {
                    span.record("verdict", tracing::field::debug(outcome.decision.verdict));
                }
                Some(outcome)
            }
        }
    }

    async fn await_human(&mut self, escalated: Escalated) -> Step {
        let Escalated {
            tasks,
            decision,
            redacted_output,
        } = escalated;
        // A human's answer logged before a restart stands.
        if let Some(logged) = self.logged.next() {
            return decided_by_human(tasks, logged, redacted_output);
        }
        self.events.emit(EventKind::StateChanged {
            state: OrchestrationState::AwaitingHuman,
            reason: decision.feedback.clone(),
        });
        let job = self.job;
        let human = tokio::select! {
            biased;
            () = job.cancel.token.cancelled() => None,
            human = self.humans.await_decision(&job.orchestration_id, &redacted_output) => Some(human),
        };
        let Some(human) = human else {
            return Step::End(tasks, Ending::Cancelled(Some(decision)));
        };
        let human_decision = self.human_decision(&human, decision);
        self.events.emit(EventKind::Review(ReviewUpdate {
            state: ReviewState::Decided,
            decision: Some(Box::new(human_decision.clone())),
            run: self.run,
        }));
        decided_by_human(tasks, human_decision, redacted_output)
    }

    /// A human's answer as the decision that ends the orchestration. Their name and words
    /// leave the service too, so they are redacted.
    fn human_decision(&self, human: &HumanDecision, review: ReviewDecision) -> ReviewDecision {
        let reviewer = (self.scrub)(human.reviewer.trim());
        let comment = (self.scrub)(human.comment.trim());
        ReviewDecision {
            decision_id: crate::review::new_decision_id(),
            verdict: if human.approve {
                Verdict::Approved
            } else {
                Verdict::Rejected
            },
            confidence: 1.0,
            feedback: match (human.approve, comment.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!("Rejected by {reviewer}. {}", review.feedback),
                (_, false) => comment,
            },
            action: (!human.approve).then_some(RejectAction::Error),
            reviewer: format!("human:{reviewer}"),
            create_time: Utc::now(),
            ..review
        }
    }

    fn finish(&self, tasks: &[TaskOutcome], ending: Ending) -> OrchestrationResult {
        let job = self.job;
        let scrub = &self.scrub;
        let (state, decision, output, error) = match ending {
            Ending::Cancelled(decision) => (
                OrchestrationState::Cancelled,
                decision,
                None,
                Some(scrub(&job.cancel.reason())),
            ),
            Ending::ReviewFailed(error) => {
                (OrchestrationState::Failed, None, None, Some(scrub(&error)))
            }
            Ending::Decided {
                state,
                decision,
                output,
            } => (state, Some(decision), output, None),
        };
        // Outputs leave the service only with an approval, and only redacted.
        let approved = state == OrchestrationState::Approved;
        let tasks = job
            .plan
            .tasks
            .iter()
            .zip(tasks)
            .map(|(task, outcome)| {
                let output = match (&outcome.output, approved) {
                    (Some(output), true) => scrub(output),
                    _ => String::new(),
                };
                outcome.result(task, output)
            })
            .collect();
        OrchestrationResult {
            orchestration_id: job.orchestration_id.to_string(),
            request_id: job.request_id.clone(),
            state,
            tasks,
            output: output.filter(|_| approved).unwrap_or_default(),
            criteria_id: job.criteria.criteria().id.clone(),
            criteria_version: job.criteria.criteria().version,
            decision_id: decision
                .as_ref()
                .map(|d| d.decision_id.clone())
                .unwrap_or_default(),
            review: decision,
            create_time: job.create_time,
            end_time: Some(Utc::now()),
            total_duration: Some(self.started.elapsed()),
            runs: self.run,
            error,
            labels: job.labels.clone(),
        }
    }
}

/// A human's decision as the end of an escalated orchestration.
fn decided_by_human(
    tasks: Vec<TaskOutcome>,
    decision: ReviewDecision,
    redacted_output: String,
) -> Step {
    let (state, output) = if decision.verdict == Verdict::Approved {
        (OrchestrationState::Approved, Some(redacted_output))
    } else {
        (OrchestrationState::Rejected, None)
    };
    Step::End(
        tasks,
        Ending::Decided {
            state,
            decision,
            output,
        },
    )
}

/// The tasks of a run as the review sees them.
fn reviewed_tasks(plan: &Plan, tasks: &[TaskOutcome]) -> Vec<ReviewedTask> {
    plan.tasks
        .iter()
        .zip(tasks)
        .map(|(task, outcome)| outcome.reviewed(task))
        .collect()
}

/// The combined output: one `## <section>` per succeeded task, in plan order.
pub fn aggregate(plan: &Plan, tasks: &[TaskOutcome]) -> String {
    let mut output = String::new();
    for (task, run) in plan.tasks.iter().zip(tasks) {
        if run.state != TaskState::Succeeded {
            continue;
        }
        if !output.is_empty() {
            output.push('\n');
        }
        output.push_str("## ");
        output.push_str(&task.section);
        output.push_str("\n\n");
        output.push_str(run.output.as_deref().unwrap_or_default().trim_end());
        output.push('\n');
    }
    output
}

/// The judge as an agent: each validation prompt is one call through the agent's stack. The
/// agent answers with JSON `{"passed": bool, "explanation": "...", "confidence": 0.9}`, or with
/// text starting `PASS` or `FAIL`.
pub struct AgentJudge {
    stack: Option<AgentStack>,
    orchestration_id: Arc<str>,
    run: u32,
    timeout: Duration,
    retry: RetryPolicy,
    cancel: CancellationToken,
    scrub: Scrub,
}

struct Quiet;

impl AttemptObserver for Quiet {
    fn attempt_started(&self, _attempt: u32) {}
    fn attempt_failed(&self, _attempt: u32, _error: &AgentError, _retry_in: Option<Duration>) {}
}

pub fn parse_judge_answer(prompt: &str, text: &str) -> Result<JudgeAnswer, String> {
    let trimmed = text.trim();
    if let Ok(serde_json::Value::Object(object)) =
        serde_json::from_str::<serde_json::Value>(trimmed)
    {
        let passed = object
            .get("passed")
            .and_then(serde_json::Value::as_bool)
            .ok_or("the JSON answer has no boolean \"passed\"")?;
        return Ok(JudgeAnswer {
            prompt: prompt.to_owned(),
            passed,
            explanation: object
                .get("explanation")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            confidence: object.get("confidence").and_then(serde_json::Value::as_f64),
        });
    }
    let upper = trimmed.to_ascii_uppercase();
    let (passed, rest) = if upper.starts_with("PASS") {
        (true, &trimmed[4..])
    } else if upper.starts_with("FAIL") {
        (false, &trimmed[4..])
    } else {
        return Err(format!(
            "expected JSON with \"passed\" or text starting PASS or FAIL, got {:?}",
            trimmed.chars().take(80).collect::<String>()
        ));
    };
    Ok(JudgeAnswer {
        prompt: prompt.to_owned(),
        passed,
        explanation: rest
            .trim_start_matches([':', '-', ' ', '.'])
            .trim()
            .to_owned(),
        confidence: None,
    })
}

#[async_trait]
impl Judge for AgentJudge {
    async fn judge(&self, request: JudgeRequest) -> Result<Vec<JudgeAnswer>, JudgeError> {
        let Some(stack) = &self.stack else {
            return Err(JudgeError::Unavailable {
                agent: request.agent,
                reason: "no agent of that name is configured on this server".into(),
            });
        };
        let calls = request.prompts.iter().enumerate().map(|(index, prompt)| {
            let call = AgentCall {
                request: AgentRequest {
                    orchestration_id: self.orchestration_id.clone(),
                    task_id: format!("review-judge-{}", index + 1).into(),
                    attempt: 1,
                    run: self.run,
                    input: format!(
                        "{prompt}\n\nAnswer with JSON {{\"passed\": true|false, \"explanation\": \"...\", \"confidence\": 0..1}} about this output:\n\n{}",
                        request.output
                    )
                    .into(),
                    params: Arc::new(serde_json::Map::new()),
                    dependency_outputs: Arc::new(BTreeMap::new()),
                    review_feedback: None,
                    orchestration_input: "".into(),
                    timeout: None,
                },
                agent: request.agent.as_str().into(),
                retry: self.retry.clone(),
                timeout: self.timeout,
                cancel: self.cancel.clone(),
                observer: Arc::new(Quiet),
                scrub: self.scrub.clone(),
            };
            async move {
                let result = stack::call(stack, call).await;
                (prompt, result)
            }
        });
        let mut answers = Vec::new();
        for (prompt, result) in futures_util::future::join_all(calls).await {
            let success = result.map_err(|failure| JudgeError::Failed {
                agent: request.agent.clone(),
                reason: failure.error.to_string(),
            })?;
            answers.push(
                parse_judge_answer(prompt, &success.response.output).map_err(|reason| {
                    JudgeError::Malformed {
                        agent: request.agent.clone(),
                        reason,
                    }
                })?,
            );
        }
        Ok(answers)
    }
}

#[cfg(test)]
mod tests;
