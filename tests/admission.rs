//! Admission control, driven past each bound: orchestrations in flight per tenant and on the
//! server, the submission rate, and the memory budget. A refusal is RESOURCE_EXHAUSTED with
//! `google.rpc.QuotaFailure` naming the subject and `google.rpc.RetryInfo` saying when, and
//! nothing was stored. Resumed work waits behind the same bounds instead of overrunning them.

mod common;

use std::time::Duration;

use common::TestServer;
use common::plans::{in_tenant, mock, spec};
use common::process::ServerProcess;
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::config::Settings;
use serde_json::json;
use tonic::Code;
use tonic_types::StatusExt as _;

fn slow() -> pb::OrchestrationSpec {
    spec(vec![mock("t", &[], json!({"delay_ms": 60_000}))])
}

fn quick() -> pb::OrchestrationSpec {
    spec(vec![mock("t", &[], json!({"output": "ok"}))])
}

async fn submit_in(
    server: &TestServer,
    tenant: &str,
    spec: pb::OrchestrationSpec,
) -> Result<String, tonic::Status> {
    server
        .orchestrator()
        .submit_orchestration(in_tenant(
            tenant,
            pb::SubmitOrchestrationRequest {
                request_id: String::new(),
                spec: Some(spec),
            },
        ))
        .await
        .map(|answer| answer.into_inner().orchestration_id)
}

async fn stored_in(server: &TestServer, tenant: &str) -> usize {
    server
        .orchestrator()
        .list_orchestrations(in_tenant(tenant, pb::ListOrchestrationsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .orchestrations
        .len()
}

/// The quota subject and the retry delay of a RESOURCE_EXHAUSTED status.
fn exhausted(status: &tonic::Status) -> (String, Duration) {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let details = status.get_error_details();
    let quota = details.quota_failure().expect("google.rpc.QuotaFailure");
    let retry = details.retry_info().expect("google.rpc.RetryInfo");
    (
        quota.violations[0].subject.clone(),
        retry.retry_delay.expect("a retry delay"),
    )
}

fn with(change: impl FnOnce(&mut Settings)) -> Settings {
    let mut settings = Settings::default();
    change(&mut settings);
    settings
}

#[tokio::test]
async fn a_tenant_over_its_in_flight_cap_is_refused_and_others_are_not() {
    let server = TestServer::start_with(with(|s| s.limits.max_in_flight_per_tenant = 2)).await;
    let first = submit_in(&server, "acme", slow()).await.unwrap();
    submit_in(&server, "acme", slow()).await.unwrap();
    let status = submit_in(&server, "acme", slow()).await.unwrap_err();
    let (subject, retry) = exhausted(&status);
    assert_eq!(subject, "tenant:acme");
    assert!(retry > Duration::ZERO);
    assert!(
        status.message().contains("limits.max_in_flight_per_tenant"),
        "{status:?}"
    );
    assert_eq!(
        stored_in(&server, "acme").await,
        2,
        "the refused one was not stored"
    );
    submit_in(&server, "globex", slow())
        .await
        .expect("another tenant has room");

    // One ends: room again.
    server
        .orchestrator()
        .cancel_orchestration(in_tenant(
            "acme",
            pb::CancelOrchestrationRequest {
                orchestration_id: first,
                reason: "make room".into(),
            },
        ))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while submit_in(&server, "acme", slow()).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no room after a cancel"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_server_cap_covers_every_tenant() {
    let server = TestServer::start_with(with(|s| s.limits.max_in_flight = 2)).await;
    submit_in(&server, "a", slow()).await.unwrap();
    submit_in(&server, "b", slow()).await.unwrap();
    let status = submit_in(&server, "c", slow()).await.unwrap_err();
    assert_eq!(exhausted(&status).0, "server");
    assert_eq!(stored_in(&server, "c").await, 0);
}

#[tokio::test]
async fn submissions_over_the_rate_are_told_when_to_retry() {
    let server = TestServer::start_with(with(|s| {
        s.limits.submissions_per_second_per_tenant = 5.0;
    }))
    .await;
    for _ in 0..5 {
        submit_in(&server, "acme", quick())
            .await
            .expect("within the burst");
    }
    let status = submit_in(&server, "acme", quick()).await.unwrap_err();
    let (subject, retry) = exhausted(&status);
    assert_eq!(subject, "tenant:acme");
    assert!(retry <= Duration::from_millis(200), "{retry:?}");
    tokio::time::sleep(retry + Duration::from_millis(20)).await;
    submit_in(&server, "acme", quick())
        .await
        .expect("a token refilled as the retry delay said");
}

/// A 40 KB input: charged about 256 KB (the spec in its six forms, and bookkeeping).
fn large() -> pb::OrchestrationSpec {
    pb::OrchestrationSpec {
        input: "x".repeat(40_000),
        ..slow()
    }
}

fn budgets(server: usize, tenant: usize) -> Settings {
    with(|s| {
        s.engine.max_tasks = 16;
        s.limits.max_result_bytes = 128 * 1024;
        s.limits.memory_budget = server;
        s.limits.memory_budget_per_tenant = tenant;
    })
}

#[tokio::test]
async fn the_memory_budget_refuses_work_that_would_not_fit() {
    let server = TestServer::start_with(budgets(400 * 1024, 400 * 1024)).await;
    submit_in(&server, "acme", large()).await.unwrap();
    let status = submit_in(&server, "other", large()).await.unwrap_err();
    assert_eq!(exhausted(&status).0, "server");
    assert!(
        status.message().contains("limits.memory_budget"),
        "{status:?}"
    );
    assert_eq!(stored_in(&server, "other").await, 0, "nothing was stored");
    submit_in(&server, "other", quick())
        .await
        .expect("a small one still fits");
}

#[tokio::test]
async fn one_tenant_cannot_take_the_whole_memory_budget() {
    let server = TestServer::start_with(budgets(1024 * 1024, 400 * 1024)).await;
    submit_in(&server, "acme", large()).await.unwrap();
    let status = submit_in(&server, "acme", large()).await.unwrap_err();
    assert_eq!(exhausted(&status).0, "tenant:acme");
    assert!(
        status.message().contains("limits.memory_budget_per_tenant"),
        "{status:?}"
    );
    assert_eq!(
        stored_in(&server, "acme").await,
        1,
        "nothing more was stored"
    );
    submit_in(&server, "other", large())
        .await
        .expect("another tenant has its own share");
}

#[tokio::test]
async fn resumed_work_waits_behind_the_servers_bounds_and_all_of_it_completes() {
    let files = common::certs::Files::new();
    let config = |max_in_flight: usize| {
        files.write(
            &format!("limits-{max_in_flight}.toml"),
            &format!(
                "[storage]\nlease_duration = \"2s\"\n[limits]\nmax_in_flight = {max_in_flight}\n"
            ),
        )
    };
    let wide = config(10);
    let server = ServerProcess::start(&["--config", wide.to_str().unwrap()]).await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let mut ids = Vec::new();
    for _ in 0..8 {
        let id = client
            .submit_orchestration(pb::SubmitOrchestrationRequest {
                request_id: String::new(),
                spec: Some(spec(vec![mock("t", &[], json!({"delay_ms": 1500}))])),
            })
            .await
            .unwrap()
            .into_inner()
            .orchestration_id;
        ids.push(id);
    }
    let data = server.kill().await;

    // Restarted with room for two at a time: the eight are resumed, two by two.
    let narrow = config(2);
    let mut server = ServerProcess::start_in(
        data,
        &["--config", narrow.to_str().unwrap()],
        &[("", ""); 0],
    )
    .await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    server
        .wait_for_log(|line| {
            line["message"] == "the server is at its admission bounds; orphaned orchestrations wait"
        })
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    common::await_approved(&mut client, &ids, deadline).await;
    server.signal("TERM");
    let (status, _) = server.exit_within(Duration::from_secs(30)).await;
    assert!(status.success());
}
