//! Nothing runs before the request is valid: every problem is an INVALID_ARGUMENT field
//! violation named by its path in the request.

mod common;

use std::time::Duration;

use common::plans::{duration, mock, spec, task};
use common::{TestServer, field_violations};
use orchestrator::api::pb;
use serde_json::json;

async fn violations(
    server: &TestServer,
    spec: Option<pb::OrchestrationSpec>,
) -> Vec<(String, String)> {
    let status = server
        .orchestrator()
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec,
        })
        .await
        .expect_err("the request is invalid");
    field_violations(&status)
}

fn fields(found: &[(String, String)]) -> Vec<&str> {
    found.iter().map(|(f, _)| f.as_str()).collect()
}

#[tokio::test]
async fn a_missing_or_empty_spec() {
    let server = TestServer::start().await;
    assert_eq!(fields(&violations(&server, None).await), ["spec"]);
    assert_eq!(
        fields(&violations(&server, Some(spec(vec![]))).await),
        ["spec.tasks"]
    );
}

#[tokio::test]
async fn ids_agents_and_dependencies() {
    let server = TestServer::start().await;
    let found = violations(
        &server,
        Some(spec(vec![
            mock("", &[], json!({})),
            mock("dup", &[], json!({})),
            mock("dup", &[], json!({})),
            task("x", "no-such-agent", &[], json!({})),
            mock("y", &["ghost", "y"], json!({})),
        ])),
    )
    .await;
    assert_eq!(
        fields(&found),
        [
            "spec.tasks[0].id",
            "spec.tasks[2].id",
            "spec.tasks[3].agent",
            "spec.tasks[4].depends_on[0]",
            "spec.tasks[4].depends_on[1]",
        ]
    );
    assert!(found[2].1.contains("available: echo, mock"), "{found:?}");
}

#[tokio::test]
async fn a_cycle_is_named() {
    let server = TestServer::start().await;
    let found = violations(
        &server,
        Some(spec(vec![
            mock("a", &["c"], json!({})),
            mock("b", &["a"], json!({})),
            mock("c", &["b"], json!({})),
        ])),
    )
    .await;
    assert_eq!(
        found,
        [(
            "spec.tasks[0].depends_on".to_owned(),
            "dependency cycle: a → b → c → a".to_owned()
        )]
    );
}

#[tokio::test]
async fn templates_limits_and_agent_params() {
    let mut settings = orchestrator::config::Settings::default();
    settings.engine.max_tasks = 3;
    settings.engine.max_input_bytes = 100;
    let server = TestServer::start_with(settings).await;

    let too_many = (0..4)
        .map(|i| mock(&format!("t{i}"), &[], json!({})))
        .collect();
    assert_eq!(
        fields(&violations(&server, Some(spec(too_many))).await),
        ["spec.tasks"]
    );

    let mut unknown_reference = mock("a", &[], json!({}));
    unknown_reference.input = "{{tasks.b.output}}".into();
    let mut big = mock("b", &[], json!({}));
    big.input = "x".repeat(101);
    let bad_params = mock("c", &[], json!({"delay_ms": "soon", "colour": "red"}));
    let found = violations(
        &server,
        Some(spec(vec![unknown_reference, big, bad_params])),
    )
    .await;
    assert_eq!(
        fields(&found),
        [
            "spec.tasks[0].input",
            "spec.tasks[1].input",
            "spec.tasks[2].params.colour",
            "spec.tasks[2].params.delay_ms"
        ]
    );
    assert!(found[0].1.contains("add it to depends_on"), "{found:?}");
}

#[tokio::test]
async fn timeouts_and_retry_settings_out_of_range() {
    let server = TestServer::start().await;
    let mut odd = mock("a", &[], json!({}));
    odd.timeout = Some(duration(Duration::ZERO));
    odd.retry_policy = Some(pb::RetryPolicy {
        max_retries: Some(50),
        multiplier: Some(0.1),
        ..Default::default()
    });
    let mut negative = mock("b", &[], json!({}));
    negative.timeout = Some(prost_types::Duration {
        seconds: -5,
        nanos: 0,
    });
    let mut orchestration = spec(vec![odd, negative]);
    orchestration.default_task_timeout = Some(duration(Duration::from_secs(100_000)));
    let found = violations(&server, Some(orchestration)).await;
    assert_eq!(
        fields(&found),
        [
            "spec.tasks[1].timeout",
            "spec.default_task_timeout",
            "spec.tasks[0].timeout",
            "spec.tasks[0].retry_policy.max_retries",
            "spec.tasks[0].retry_policy.multiplier",
        ]
    );
}

#[tokio::test]
async fn unknown_criteria_are_named() {
    let server = TestServer::start().await;
    let mut orchestration = spec(vec![mock("a", &[], json!({}))]);
    orchestration.review_criteria_id = "nope".into();
    let found = violations(&server, Some(orchestration)).await;
    assert_eq!(fields(&found), ["spec.review_criteria_id"]);
}

#[tokio::test]
async fn nothing_is_stored_for_a_refused_request() {
    let server = TestServer::start().await;
    violations(&server, Some(spec(vec![mock("a", &["a"], json!({}))]))).await;
    let listed = server
        .orchestrator()
        .list_orchestrations(pb::ListOrchestrationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.orchestrations.is_empty());
}
