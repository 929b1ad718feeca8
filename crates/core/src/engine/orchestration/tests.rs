use std::sync::Mutex;

use serde_json::json;

use super::*;
use crate::engine::validate::{Defaults, Limits, Rules, validate};
use crate::model::event::TaskUpdate;
use crate::model::plan::{OrchestrationSpec, TaskSpec};
use crate::model::{
    IssueKind, PolicyEffect, PolicyMatcher, PolicyRule, QualityThresholds, RedactionSettings,
    ReviewCriteria, Severity,
};

#[derive(Default)]
struct Log {
    events: Mutex<Vec<EventKind>>,
}

impl EventSink for Log {
    fn emit(&self, kind: EventKind) {
        self.events.lock().unwrap().push(kind);
    }
}

impl Log {
    fn kinds(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|kind| match kind {
                EventKind::Accepted(a) => format!("accepted run {}", a.run),
                EventKind::Task(TaskUpdate { task_id, state, .. }) => {
                    format!("{task_id} {state:?}")
                }
                EventKind::Review(r) => format!("review {:?}", r.state),
                EventKind::StateChanged { state, .. } => format!("state {}", state.as_str()),
                EventKind::Completed { result } => format!("completed {}", result.state.as_str()),
            })
            .collect()
    }
}

/// Answers escalations as scripted, remembering what it was shown.
struct Human {
    decision: HumanDecision,
    shown: Mutex<Option<String>>,
}

#[async_trait]
impl HumanReview for Human {
    async fn await_decision(&self, _orchestration_id: &str, output: &str) -> HumanDecision {
        *self.shown.lock().unwrap() = Some(output.to_owned());
        self.decision.clone()
    }
}

fn human(approve: bool) -> Human {
    Human {
        decision: HumanDecision {
            approve,
            reviewer: "dana".into(),
            comment: String::new(),
        },
        shown: Mutex::new(None),
    }
}

fn task(id: &str, agent: &str, input: &str, params: serde_json::Value) -> TaskSpec {
    TaskSpec {
        id: id.into(),
        agent: agent.into(),
        input: input.into(),
        params: params.as_object().cloned().unwrap_or_default(),
        ..TaskSpec::default()
    }
}

fn runner() -> Runner {
    Runner {
        stacks: stack::builtin_stacks(),
        judge_timeout: Duration::from_secs(5),
        judge_retry: RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        },
        pseudonym_secret: Arc::from(&b"test secret"[..]),
    }
}

fn job(tasks: Vec<TaskSpec>, criteria: ReviewCriteria) -> Job {
    let plan = validate(
        &OrchestrationSpec {
            tasks,
            input: "Q3 outlook".into(),
            ..OrchestrationSpec::default()
        },
        &Rules {
            limits: &Limits::default(),
            defaults: &Defaults::default(),
            agent_exists: &|name| matches!(name, "mock" | "echo"),
            agent_names: &Vec::new,
        },
    )
    .unwrap();
    Job {
        orchestration_id: "orch-1".into(),
        request_id: "req-1".into(),
        tenant: TenantId::new("acme").unwrap(),
        plan: Arc::new(plan),
        criteria: Arc::new(CompiledCriteria::compile(Arc::new(criteria)).unwrap()),
        labels: BTreeMap::new(),
        create_time: Utc::now(),
        cancel: Cancellation::new(),
        resume: None,
    }
}

fn redacting(criteria: ReviewCriteria) -> ReviewCriteria {
    ReviewCriteria {
        redaction: RedactionSettings {
            enabled: true,
            ..RedactionSettings::default()
        },
        ..criteria
    }
}

async fn run(job: &Job, humans: &dyn HumanReview) -> (OrchestrationResult, Arc<Log>) {
    let log = Arc::new(Log::default());
    let result = runner().run(job, log.clone(), humans).await;
    (result, log)
}

#[tokio::test]
async fn an_approved_orchestration_returns_the_redacted_output_in_sections() {
    let job = job(
        vec![
            task(
                "facts",
                "mock",
                "",
                json!({"output": "Sales grew. Ask ana@example.com."}),
            ),
            task("risks", "mock", "", json!({"output": "Churn."})),
        ],
        redacting(ReviewCriteria {
            required_sections: vec!["facts".into(), "risks".into()],
            ..ReviewCriteria::empty("c")
        }),
    );
    let (result, log) = run(&job, &human(true)).await;
    assert_eq!(result.state, OrchestrationState::Approved);
    assert_eq!(
        result.output,
        "## facts\n\nSales grew. Ask [EMAIL].\n\n## risks\n\nChurn.\n"
    );
    assert_eq!(
        result.tasks[0].output, "Sales grew. Ask [EMAIL].",
        "task outputs are redacted too"
    );
    let decision = result.review.as_ref().unwrap();
    assert_eq!(decision.verdict, Verdict::Approved);
    assert_eq!(result.decision_id, decision.decision_id);
    assert_eq!(result.criteria_id, "c");
    assert_eq!(result.runs, 1);
    let kinds = log.kinds();
    assert_eq!(kinds.first().unwrap(), "accepted run 1");
    assert_eq!(
        &kinds[kinds.len() - 3..],
        ["review Started", "review Decided", "completed APPROVED"]
    );
}

fn strict_error() -> ReviewCriteria {
    ReviewCriteria {
        policies: vec![PolicyRule {
            id: "no-draft".into(),
            description: String::new(),
            matcher: PolicyMatcher::Pattern("DRAFT".into()),
            effect: PolicyEffect::Reject,
            severity: Severity::Major,
            remediation: "Finish the draft.".into(),
        }],
        ..ReviewCriteria::empty("strict")
    }
}

#[tokio::test]
async fn a_rejection_with_error_carries_the_decision_but_no_outputs() {
    let job = job(
        vec![task("t", "mock", "", json!({"output": "DRAFT text"}))],
        strict_error(),
    );
    let (result, _) = run(&job, &human(true)).await;
    assert_eq!(result.state, OrchestrationState::Rejected);
    assert_eq!(result.output, "");
    assert!(result.tasks.iter().all(|t| t.output.is_empty()));
    let decision = result.review.unwrap();
    assert_eq!(decision.action, Some(RejectAction::Error));
    assert!(decision.feedback.contains("Finish the draft"));
}

#[tokio::test]
async fn retry_re_runs_with_the_feedback_until_the_review_passes() {
    let criteria = ReviewCriteria {
        thresholds: QualityThresholds {
            min_output_chars: Some(60),
            ..QualityThresholds::default()
        },
        reject_action: RejectAction::Retry,
        max_runs_after_reject: 2,
        ..ReviewCriteria::empty("retrying")
    };
    let job = job(
        vec![task(
            "writer",
            "echo",
            "Report. {{review.feedback}}",
            json!({}),
        )],
        criteria,
    );
    let (result, log) = run(&job, &human(true)).await;
    assert_eq!(result.state, OrchestrationState::Approved);
    assert_eq!(result.runs, 2);
    assert!(
        result
            .output
            .contains("Expand the output to at least 60 characters"),
        "{}",
        result.output
    );
    let kinds = log.kinds();
    assert!(kinds.contains(&"accepted run 2".to_owned()), "{kinds:?}");
}

#[tokio::test]
async fn retry_gives_up_as_rejected_after_the_limit() {
    let criteria = ReviewCriteria {
        reject_action: RejectAction::Retry,
        max_runs_after_reject: 1,
        ..strict_error()
    };
    let job = job(
        vec![task("t", "mock", "", json!({"output": "DRAFT"}))],
        criteria,
    );
    let (result, _) = run(&job, &human(true)).await;
    assert_eq!(result.state, OrchestrationState::Rejected);
    assert_eq!(result.runs, 2);
    assert!(result.review.unwrap().feedback.contains("No re-runs left"));
}

#[tokio::test]
async fn escalation_waits_for_a_human_who_sees_the_redacted_output() {
    let criteria = redacting(ReviewCriteria {
        reject_action: RejectAction::Escalate,
        ..strict_error()
    });
    let job = job(
        vec![task(
            "t",
            "mock",
            "",
            json!({"output": "DRAFT for bo@example.com"}),
        )],
        criteria,
    );
    let approving = human(true);
    let (result, log) = run(&job, &approving).await;
    assert_eq!(
        approving.shown.lock().unwrap().as_deref(),
        Some("## t\n\nDRAFT for [EMAIL]\n")
    );
    assert_eq!(result.state, OrchestrationState::Approved);
    assert_eq!(result.output, "## t\n\nDRAFT for [EMAIL]\n");
    assert_eq!(result.review.as_ref().unwrap().reviewer, "human:dana");
    assert!(log.kinds().contains(&"state AWAITING_HUMAN".to_owned()));

    let (rejected, _) = run(&job, &human(false)).await;
    assert_eq!(rejected.state, OrchestrationState::Rejected);
    assert_eq!(rejected.output, "");
    let decision = rejected.review.unwrap();
    assert!(
        decision.feedback.starts_with("Rejected by dana."),
        "{}",
        decision.feedback
    );
}

#[tokio::test]
async fn a_review_that_cannot_decide_fails_the_orchestration() {
    let criteria = ReviewCriteria {
        judge_agent: Some("absent-judge".into()),
        validation_prompts: vec!["Is it consistent?".into()],
        ..ReviewCriteria::empty("judged")
    };
    let job = job(
        vec![task("t", "mock", "", json!({"output": "fine"}))],
        criteria,
    );
    let (result, _) = run(&job, &human(true)).await;
    assert_eq!(result.state, OrchestrationState::Failed);
    assert!(
        result.error.as_deref().unwrap().contains("absent-judge"),
        "{:?}",
        result.error
    );
    assert_eq!(result.output, "");
}

/// A judge that answers every prompt the same way, and sees what it is asked.
struct FixedJudge {
    answer: &'static str,
    asked: Mutex<Vec<String>>,
}

#[async_trait]
impl crate::agent::Agent for FixedJudge {
    fn kind(&self) -> &'static str {
        "fixed"
    }

    async fn invoke(
        &self,
        request: AgentRequest,
    ) -> Result<crate::agent::AgentResponse, AgentError> {
        self.asked.lock().unwrap().push(request.input.to_string());
        Ok(crate::agent::AgentResponse::text(self.answer))
    }
}

#[tokio::test]
async fn the_judge_runs_through_the_agent_stack() {
    let criteria = redacting(ReviewCriteria {
        judge_agent: Some("judge".into()),
        validation_prompts: vec!["Are there contradictions?".into(), "Is it polite?".into()],
        ..ReviewCriteria::empty("judged")
    });
    let judge = Arc::new(FixedJudge {
        answer: r#"{"passed": false, "explanation": "Totals disagree.", "confidence": 0.8}"#,
        asked: Mutex::new(Vec::new()),
    });
    let mut runner = runner();
    runner.stacks.insert(
        "judge".into(),
        stack::build(
            &crate::agent::RegisteredAgent {
                name: "judge".into(),
                kind: "fixed",
                description: String::new(),
                max_concurrency: 0,
                agent: judge.clone(),
                limit: None,
            },
            &stack::no_meter(),
        ),
    );
    let job = job(
        vec![task(
            "t",
            "mock",
            "",
            json!({"output": "Total 3; mail x@example.com"}),
        )],
        criteria,
    );
    let result = runner
        .run(&job, Arc::new(Log::default()), &human(true))
        .await;
    assert_eq!(result.state, OrchestrationState::Rejected);
    let asked = judge.asked.lock().unwrap();
    assert_eq!(asked.len(), 2, "one call per prompt");
    assert!(asked[0].starts_with("Are there contradictions?"));
    assert!(
        asked[0].contains("Total 3; mail [EMAIL]"),
        "the judge sees the redacted output: {}",
        asked[0]
    );
    let decision = result.review.unwrap();
    assert_eq!(decision.reviewer, "rules+judge");
    assert_eq!(decision.confidence, 0.8);
    assert!(
        decision
            .issues
            .iter()
            .any(|i| i.kind == IssueKind::Judge && i.remediation == "Totals disagree.")
    );
}

#[tokio::test]
async fn a_cancelled_orchestration_ends_cancelled_without_a_review() {
    let job = job(
        vec![task("slow", "mock", "", json!({"delay_ms": 60_000}))],
        strict_error(),
    );
    let cancel = job.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel("cancelled by the caller: changed my mind");
    });
    let (result, log) = run(&job, &human(true)).await;
    assert_eq!(result.state, OrchestrationState::Cancelled);
    assert_eq!(
        result.error.as_deref(),
        Some("cancelled by the caller: changed my mind")
    );
    assert_eq!(result.tasks[0].state, TaskState::Cancelled);
    assert!(result.review.is_none());
    assert!(!log.kinds().iter().any(|k| k.starts_with("review")));
}

#[test]
fn judge_answers_parse_from_json_or_pass_fail_text() {
    let json = parse_judge_answer("q", r#" {"passed": true, "confidence": 0.9} "#).unwrap();
    assert!(json.passed);
    assert_eq!(json.confidence, Some(0.9));
    let text = parse_judge_answer("q", "FAIL: the totals disagree").unwrap();
    assert!(!text.passed);
    assert_eq!(text.explanation, "the totals disagree");
    assert!(parse_judge_answer("q", "maybe?").is_err());
    assert!(parse_judge_answer("q", r#"{"ok": true}"#).is_err());
}

#[test]
fn aggregation_keeps_plan_order_and_only_succeeded_tasks() {
    let job = job(
        vec![
            task("a", "mock", "", json!({})),
            task("b", "mock", "", json!({})),
        ],
        ReviewCriteria::empty("c"),
    );
    let ok = |text: &str| TaskOutcome {
        state: TaskState::Succeeded,
        attempts: 1,
        output: Some(text.into()),
        output_truncated: false,
        error: None,
        confidence: None,
        usage: None,
        start_time: None,
        end_time: None,
        duration: None,
    };
    let failed = TaskOutcome {
        state: TaskState::Failed,
        output: None,
        ..ok("")
    };
    assert_eq!(
        aggregate(&job.plan, &[ok("A\n\n"), failed.clone()]),
        "## a\n\nA\n"
    );
    assert_eq!(aggregate(&job.plan, &[failed, ok("B")]), "## b\n\nB\n");
}

/// A human who must not be asked.
struct Nobody;

#[async_trait]
impl HumanReview for Nobody {
    async fn await_decision(&self, _orchestration_id: &str, _output: &str) -> HumanDecision {
        panic!("the human's logged answer should have been used")
    }
}

#[tokio::test]
async fn a_resumed_run_keeps_the_decisions_it_had_logged() {
    let criteria = redacting(ReviewCriteria {
        reject_action: RejectAction::Escalate,
        ..strict_error()
    });
    let mut job = job(
        vec![task(
            "t",
            "mock",
            "",
            json!({"output": "DRAFT for bo@example.com"}),
        )],
        criteria,
    );
    // What the first process got to before it stopped: the review escalated, a human
    // approved, and the completed event was not stored yet.
    let (first, _) = run(&job, &human(true)).await;
    let human_decision = first.review.clone().unwrap();
    let machine_decision = ReviewDecision {
        decision_id: "d-machine".into(),
        verdict: Verdict::Rejected,
        action: Some(RejectAction::Escalate),
        reviewer: "rules".into(),
        ..human_decision.clone()
    };
    let done = first
        .tasks
        .iter()
        .map(|t| {
            (
                t.task_id.clone(),
                TaskOutcome::from_checkpoint(crate::model::orchestration::TaskCheckpoint {
                    run: 1,
                    task_id: t.task_id.clone(),
                    output: "DRAFT for bo@example.com".into(),
                    output_truncated: false,
                    attempts: 1,
                    confidence: None,
                    usage: None,
                    start_time: None,
                    end_time: None,
                    duration: None,
                }),
            )
        })
        .collect();
    job.resume = Some(Resume {
        run: 1,
        accepted: true,
        feedback: None,
        done,
        decisions: vec![machine_decision, human_decision.clone()],
    });
    let (resumed, log) = run(&job, &Nobody).await;
    assert_eq!(resumed.state, OrchestrationState::Approved);
    assert_eq!(
        resumed.decision_id, human_decision.decision_id,
        "the logged answer stands"
    );
    assert_eq!(
        resumed.output, "## t\n\nDRAFT for [EMAIL]\n",
        "redacted as before"
    );
    let kinds = log.kinds();
    assert!(
        !kinds
            .iter()
            .any(|k| k.starts_with("review") || k.starts_with("t ")),
        "no task run again, no second review: {kinds:?}"
    );
}
