//! The review gate at the end of every orchestration, and what follows a rejection: RETRY
//! re-runs with the feedback, ESCALATE waits for a human, ERROR ends REJECTED. A rejected output
//! never reaches a caller.

mod common;

use common::TestServer;
use common::plans::{collect, completed, mock, spec, task};
use orchestrator::api::pb;
use pb::orchestration_event::Kind;
use serde_json::json;
use tonic::Code;

async fn create_criteria(server: &TestServer, criteria: pb::ReviewCriteria) {
    server
        .criteria()
        .create_review_criteria(pb::CreateReviewCriteriaRequest {
            criteria: Some(criteria),
        })
        .await
        .unwrap();
}

fn no_drafts(id: &str, action: pb::RejectAction) -> pb::ReviewCriteria {
    pb::ReviewCriteria {
        id: id.into(),
        policies: vec![pb::PolicyRule {
            id: "no-drafts".into(),
            r#match: Some(pb::policy_rule::Match::Pattern("DRAFT".into())),
            remediation: "Finish the text; remove the DRAFT marker.".into(),
            ..Default::default()
        }],
        reject_action: action as i32,
        ..Default::default()
    }
}

fn reviewed_by(criteria: &str, tasks: Vec<pb::TaskSpec>) -> pb::OrchestrationSpec {
    pb::OrchestrationSpec {
        review_criteria_id: criteria.into(),
        ..spec(tasks)
    }
}

#[tokio::test]
async fn error_ends_rejected_with_the_decision_and_no_outputs() {
    let server = TestServer::start().await;
    create_criteria(&server, no_drafts("strict", pb::RejectAction::Error)).await;
    let events = server
        .orchestrate(reviewed_by(
            "strict",
            vec![mock("t", &[], json!({"output": "DRAFT: numbers"}))],
        ))
        .await;
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Rejected);
    assert_eq!(result.output, "");
    assert!(
        result.tasks.iter().all(|t| t.output.is_empty()),
        "{:?}",
        result.tasks
    );
    let decision = result.review.as_ref().unwrap();
    assert_eq!(decision.verdict(), pb::ReviewVerdict::Rejected);
    assert_eq!(decision.action(), pb::RejectAction::Error);
    assert_eq!(decision.review_criteria_id, "strict");
    assert_eq!(decision.review_criteria_version, 1);
    assert!(
        decision.feedback.contains("remove the DRAFT marker"),
        "{}",
        decision.feedback
    );
    assert_eq!(result.decision_id, decision.decision_id);
    // The decided event carries the same decision.
    let decided = events
        .iter()
        .find_map(|e| match &e.kind {
            Some(Kind::Review(r)) if r.state() == pb::ReviewState::Decided => r.decision.clone(),
            _ => None,
        })
        .unwrap();
    assert_eq!(&decided, decision);
}

#[tokio::test]
async fn retry_re_runs_with_the_feedback_until_the_review_passes() {
    let server = TestServer::start().await;
    create_criteria(
        &server,
        pb::ReviewCriteria {
            id: "long-enough".into(),
            thresholds: Some(pb::QualityThresholds {
                min_output_chars: Some(80),
                ..Default::default()
            }),
            reject_action: pb::RejectAction::Retry as i32,
            max_runs_after_reject: Some(2),
            ..Default::default()
        },
    )
    .await;
    let mut writer = task("writer", "echo", &[], json!({}));
    writer.input = "Report.{{review.feedback}}".into();
    let events = server
        .orchestrate(reviewed_by("long-enough", vec![writer]))
        .await;
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Approved);
    assert_eq!(result.runs, 2);
    assert!(
        result
            .output
            .contains("Expand the output to at least 80 characters"),
        "{}",
        result.output
    );
    let runs: Vec<u32> = events
        .iter()
        .filter_map(|e| match &e.kind {
            Some(Kind::Accepted(a)) => Some(a.run),
            _ => None,
        })
        .collect();
    assert_eq!(runs, [1, 2]);
}

#[tokio::test]
async fn retry_gives_up_as_rejected_after_the_limit() {
    let server = TestServer::start().await;
    let mut criteria = no_drafts("retrying", pb::RejectAction::Retry);
    criteria.max_runs_after_reject = Some(1);
    create_criteria(&server, criteria).await;
    let events = server
        .orchestrate(reviewed_by(
            "retrying",
            vec![mock("t", &[], json!({"output": "DRAFT"}))],
        ))
        .await;
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Rejected);
    assert_eq!(result.runs, 2);
    assert_eq!(result.output, "");
}

async fn escalated(server: &TestServer) -> String {
    let mut criteria = no_drafts("human", pb::RejectAction::Escalate);
    criteria.redaction = Some(pb::RedactionSettings {
        enabled: true,
        ..Default::default()
    });
    create_criteria(server, criteria).await;
    let id = server
        .orchestrator()
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(reviewed_by(
                "human",
                vec![mock(
                    "t",
                    &[],
                    json!({"output": "DRAFT for ana@example.com"}),
                )],
            )),
        })
        .await
        .unwrap()
        .into_inner()
        .orchestration_id;
    server
        .wait_until("default", &id, |r| {
            r.state() == pb::OrchestrationState::AwaitingHuman
        })
        .await;
    id
}

#[tokio::test]
async fn escalation_waits_for_a_human_who_reads_the_redacted_output() {
    let server = TestServer::start().await;
    let id = escalated(&server).await;

    let basic = server
        .orchestrator()
        .get_orchestration(pb::GetOrchestrationRequest {
            orchestration_id: id.clone(),
            view: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        basic.escalated_output, "",
        "only the dedicated view shows it"
    );
    assert_eq!(basic.orchestration.unwrap().output, "");
    let view = server
        .orchestrator()
        .get_orchestration(pb::GetOrchestrationRequest {
            orchestration_id: id.clone(),
            view: pb::OrchestrationView::Escalation as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(view.escalated_output, "## t\n\nDRAFT for [EMAIL]\n");

    // A follower attached now sees the escalation, then the end, once a human decides.
    let follower = server
        .orchestrator()
        .stream_status(pb::StreamStatusRequest {
            orchestration_id: id.clone(),
            after_sequence: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let resolved = server
        .orchestrator()
        .resolve_escalation(pb::ResolveEscalationRequest {
            orchestration_id: id.clone(),
            approve: true,
            reviewer: "dana".into(),
            comment: "Draft marker is intended here.".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .orchestration
        .unwrap();
    assert_eq!(resolved.state(), pb::OrchestrationState::Approved);
    assert_eq!(resolved.output, "## t\n\nDRAFT for [EMAIL]\n");
    let decision = resolved.review.unwrap();
    assert_eq!(decision.reviewer, "human:dana");
    assert_eq!(decision.feedback, "Draft marker is intended here.");

    let events = collect(follower, |m| m.event).await;
    assert!(events.iter().any(|e| matches!(&e.kind,
        Some(Kind::StateChanged(s)) if s.state() == pb::OrchestrationState::AwaitingHuman)));
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
}

#[tokio::test]
async fn a_human_can_reject_and_only_an_awaiting_orchestration_can_be_resolved() {
    let server = TestServer::start().await;
    let id = escalated(&server).await;
    let missing_reviewer = server
        .orchestrator()
        .resolve_escalation(pb::ResolveEscalationRequest {
            orchestration_id: id.clone(),
            approve: false,
            reviewer: " ".into(),
            comment: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing_reviewer.code(), Code::InvalidArgument);
    let rejected = server
        .orchestrator()
        .resolve_escalation(pb::ResolveEscalationRequest {
            orchestration_id: id.clone(),
            approve: false,
            reviewer: "dana".into(),
            comment: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .orchestration
        .unwrap();
    assert_eq!(rejected.state(), pb::OrchestrationState::Rejected);
    assert_eq!(rejected.output, "");
    assert!(
        rejected
            .review
            .unwrap()
            .feedback
            .starts_with("Rejected by dana.")
    );

    let twice = server
        .orchestrator()
        .resolve_escalation(pb::ResolveEscalationRequest {
            orchestration_id: id,
            approve: true,
            reviewer: "dana".into(),
            comment: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(twice.message().contains("not AWAITING_HUMAN"), "{twice:?}");
}

#[tokio::test]
async fn a_review_that_cannot_decide_fails_the_orchestration() {
    let server = TestServer::start().await;
    // A judge that answers in a form the review cannot read.
    create_criteria(
        &server,
        pb::ReviewCriteria {
            id: "judged".into(),
            judge_agent: "echo".into(),
            validation_prompts: vec!["Is it consistent?".into()],
            ..Default::default()
        },
    )
    .await;
    let events = server
        .orchestrate(reviewed_by(
            "judged",
            vec![mock("t", &[], json!({"output": "fine"}))],
        ))
        .await;
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Failed);
    assert!(
        result.error.contains("the review could not decide"),
        "{}",
        result.error
    );
    assert_eq!(result.output, "");
}

#[tokio::test]
async fn criteria_naming_an_unknown_judge_are_refused_before_anything_runs() {
    let judged = pb::ReviewCriteria {
        id: "judged".into(),
        judge_agent: "gpt-judge".into(),
        validation_prompts: vec!["Is it consistent?".into()],
        ..Default::default()
    };
    // Where no agent has that name, the criteria themselves are refused.
    let plain = TestServer::start().await;
    let status = plain
        .criteria()
        .create_review_criteria(pb::CreateReviewCriteriaRequest {
            criteria: Some(judged.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(common::violated_fields(&status), ["criteria.judge_agent"]);

    // Criteria stored where the agent existed, used by a server without it: the submission is
    // refused before anything runs.
    let mut settings = orchestrator::config::Settings::default();
    settings.agents.insert(
        "gpt-judge".into(),
        orchestrator::config::AgentSettings::Echo {
            enabled: true,
            description: String::new(),
            max_concurrency: 0,
        },
    );
    let with_judge = TestServer::start_with(settings).await;
    create_criteria(&with_judge, judged).await;
    let server = with_judge.restart().await;
    let status = server
        .orchestrator()
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(reviewed_by("judged", vec![mock("t", &[], json!({}))])),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("gpt-judge"));
}
