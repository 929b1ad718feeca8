//! GetOrchestration, ListOrchestrations (by page, state and request id), idempotent
//! submission, tenancy, ListAgents.

mod common;

use std::time::Duration;

use common::TestServer;
use common::plans::{in_tenant, mock, spec};
use orchestrator::api::pb;
use serde_json::json;
use tonic::Code;

fn is_terminal(result: &pb::OrchestrationResult) -> bool {
    matches!(
        result.state(),
        pb::OrchestrationState::Approved
            | pb::OrchestrationState::Rejected
            | pb::OrchestrationState::Failed
            | pb::OrchestrationState::Cancelled
    )
}

#[tokio::test]
async fn get_shows_progress_while_running_and_the_result_after() {
    let server = TestServer::start().await;
    let id = server
        .submit_in(
            "acme",
            "",
            spec(vec![
                mock("quick", &[], json!({"output": "done"})),
                mock("slow", &[], json!({"delay_ms": 400})),
            ]),
        )
        .await
        .orchestration_id;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let running = server.get_in("acme", &id).await.unwrap();
    assert_eq!(running.state(), pb::OrchestrationState::Running);
    let states: Vec<pb::TaskState> = running.tasks.iter().map(|t| t.state()).collect();
    assert_eq!(states, [pb::TaskState::Succeeded, pb::TaskState::Running]);
    assert!(
        running.tasks.iter().all(|t| t.output.is_empty()),
        "no output before the review"
    );

    let done = server.wait_until("acme", &id, is_terminal).await;
    assert_eq!(done.state(), pb::OrchestrationState::Approved);
    assert_eq!(done.tasks[0].output, "done");
    assert!(done.end_time.is_some());
}

#[tokio::test]
async fn the_same_request_id_creates_one_orchestration() {
    let server = TestServer::start().await;
    let first = server
        .submit_in("acme", "req-42", spec(vec![mock("a", &[], json!({}))]))
        .await;
    assert!(first.created);
    // The same plan again (a retry) gets it back.
    let again = server
        .submit_in("acme", "req-42", spec(vec![mock("a", &[], json!({}))]))
        .await;
    assert!(!again.created);
    assert_eq!(again.orchestration_id, first.orchestration_id);
    // Another plan under the same id is refused, naming the orchestration it belongs to.
    let reused = server
        .orchestrator()
        .submit_orchestration(in_tenant(
            "acme",
            pb::SubmitOrchestrationRequest {
                request_id: "req-42".into(),
                spec: Some(spec(vec![mock("other", &[], json!({}))])),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::AlreadyExists, "{reused:?}");
    assert!(
        reused.message().contains(&first.orchestration_id) && reused.message().contains("req-42"),
        "{}",
        reused.message()
    );
    let resource = tonic_types::StatusExt::get_error_details(&reused)
        .resource_info()
        .cloned()
        .expect("a ResourceInfo detail");
    assert_eq!(
        (
            resource.resource_type.as_str(),
            resource.resource_name.as_str()
        ),
        ("orchestration", first.orchestration_id.as_str())
    );
    // Another tenant's request ids are its own.
    let elsewhere = server
        .submit_in("globex", "req-42", spec(vec![mock("a", &[], json!({}))]))
        .await;
    assert!(elsewhere.created);
    assert_ne!(elsewhere.orchestration_id, first.orchestration_id);
}

#[tokio::test]
async fn concurrent_submissions_of_one_request_id_create_exactly_one() {
    let server = TestServer::start().await;
    let submissions: Vec<_> = (0..8)
        .map(|_| {
            let channel = server.channel.clone();
            tokio::spawn(async move {
                let mut client =
                    pb::orchestrator_service_client::OrchestratorServiceClient::new(channel);
                client
                    .submit_orchestration(pb::SubmitOrchestrationRequest {
                        request_id: "same".into(),
                        spec: Some(spec(vec![mock("a", &[], json!({"delay_ms": 50}))])),
                    })
                    .await
                    .unwrap()
                    .into_inner()
            })
        })
        .collect();
    let mut responses = Vec::new();
    for submission in submissions {
        responses.push(submission.await.unwrap());
    }
    assert_eq!(responses.iter().filter(|r| r.created).count(), 1);
    assert!(
        responses
            .iter()
            .all(|r| r.orchestration_id == responses[0].orchestration_id)
    );
    let listed = server
        .orchestrator()
        .list_orchestrations(pb::ListOrchestrationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.orchestrations.len(), 1);
}

#[tokio::test]
async fn list_pages_newest_first_and_filters_by_state() {
    let server = TestServer::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let output = if i % 2 == 0 { "fine" } else { "DRAFT" };
        let mut orchestration = spec(vec![mock("t", &[], json!({"output": output}))]);
        if i % 2 == 1 {
            orchestration.review_criteria_id = "strict".into();
        }
        if i == 1 {
            server
                .criteria()
                .create_review_criteria(pb::CreateReviewCriteriaRequest {
                    criteria: Some(pb::ReviewCriteria {
                        id: "strict".into(),
                        policies: vec![pb::PolicyRule {
                            id: "no-drafts".into(),
                            r#match: Some(pb::policy_rule::Match::Pattern("DRAFT".into())),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }),
                })
                .await
                .unwrap();
        }
        let id = server
            .submit_in("default", "", orchestration)
            .await
            .orchestration_id;
        server.wait_until("default", &id, is_terminal).await;
        ids.push(id);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = server
            .orchestrator()
            .list_orchestrations(pb::ListOrchestrationsRequest {
                page_size: 2,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.orchestrations.len() <= 2);
        assert!(
            page.orchestrations
                .iter()
                .all(|o| o.tasks.iter().all(|t| t.output.is_empty()))
        );
        seen.extend(page.orchestrations.into_iter().map(|o| o.orchestration_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);

    let rejected = server
        .orchestrator()
        .list_orchestrations(pb::ListOrchestrationsRequest {
            states: vec![pb::OrchestrationState::Rejected as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let rejected_ids: Vec<String> = rejected
        .orchestrations
        .into_iter()
        .map(|o| o.orchestration_id)
        .collect();
    assert_eq!(rejected_ids, [ids[3].clone(), ids[1].clone()]);

    let bad = server
        .orchestrator()
        .list_orchestrations(pb::ListOrchestrationsRequest {
            states: vec![0],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}

/// A request id finds its orchestration (a page of one), in the caller's tenant only.
#[tokio::test]
async fn list_finds_an_orchestration_by_its_request_id() {
    let server = TestServer::start().await;
    let submitted = server
        .submit_in("acme", "req-7", spec(vec![mock("a", &[], json!({}))]))
        .await;
    server
        .submit_in("acme", "req-8", spec(vec![mock("a", &[], json!({}))]))
        .await;
    let list = |tenant: &'static str, request_id: &'static str| {
        let mut client = server.orchestrator();
        async move {
            client
                .list_orchestrations(in_tenant(
                    tenant,
                    pb::ListOrchestrationsRequest {
                        request_id: request_id.into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
        }
    };
    let found = list("acme", "req-7").await;
    let ids: Vec<&str> = found
        .orchestrations
        .iter()
        .map(|o| o.orchestration_id.as_str())
        .collect();
    assert_eq!(ids, [submitted.orchestration_id.as_str()]);
    assert_eq!(found.orchestrations[0].request_id, "req-7");
    assert!(found.next_page_token.is_empty());
    assert!(list("acme", "req-9").await.orchestrations.is_empty());
    assert!(list("globex", "req-7").await.orchestrations.is_empty());
    // Held to the same rule as at submission.
    let too_long = server
        .orchestrator()
        .list_orchestrations(pb::ListOrchestrationsRequest {
            request_id: "r".repeat(129),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(too_long.code(), Code::InvalidArgument);
    assert_eq!(common::violated_fields(&too_long), ["request_id"]);
}

#[tokio::test]
async fn orchestrations_are_tenant_scoped() {
    let server = TestServer::start().await;
    let id = server
        .submit_in("acme", "", spec(vec![mock("a", &[], json!({}))]))
        .await
        .orchestration_id;
    assert_eq!(
        server.get_in("globex", &id).await.unwrap_err().code(),
        Code::NotFound
    );
    let cancel = server
        .orchestrator()
        .cancel_orchestration(in_tenant(
            "globex",
            pb::CancelOrchestrationRequest {
                orchestration_id: id.clone(),
                reason: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(cancel.code(), Code::NotFound);
    let listed = server
        .orchestrator()
        .list_orchestrations(in_tenant(
            "globex",
            pb::ListOrchestrationsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.orchestrations.is_empty());
    assert_eq!(
        server
            .get_in("acme", "orch-unknown")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn list_agents_shows_the_builtins() {
    let server = TestServer::start().await;
    let agents = server
        .orchestrator()
        .list_agents(pb::ListAgentsRequest {})
        .await
        .unwrap()
        .into_inner()
        .agents;
    let names: Vec<(&str, &str)> = agents
        .iter()
        .map(|a| (a.name.as_str(), a.kind.as_str()))
        .collect();
    assert_eq!(names, [("echo", "echo"), ("mock", "mock")]);
    assert!(agents.iter().all(|a| !a.description.is_empty()));
}

#[tokio::test]
async fn the_agent_contract_is_not_served_here() {
    let server = TestServer::start().await;
    let mut client = pb::agent_service_client::AgentServiceClient::new(server.channel.clone());
    let status = client
        .invoke(pb::InvokeRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
}
