//! The admin listener of the real binary: `/metrics` counts what a run did (orchestrations,
//! attempts, retries, reviews, redactions, gRPC calls by code) by exactly the expected amounts,
//! in Prometheus text by default and OpenMetrics when asked; `/healthz` and `/readyz` answer
//! as probes expect.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::plans::{exact_retries, mock, spec};
use common::process::ServerProcess;
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::api::pb::review_criteria_service_client::ReviewCriteriaServiceClient;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic::Code;

/// Starts the binary and finds its admin address in the log (logged before the gRPC one).
async fn start() -> (ServerProcess, SocketAddr) {
    let server = ServerProcess::start(&[]).await;
    let admin = server
        .seen
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| {
            entry["message"]
                .as_str()
                .is_some_and(|message| message.starts_with("serving admin HTTP"))
        })
        .and_then(|entry| entry["address"].as_str()?.parse().ok())
        .unwrap_or_else(|| panic!("no admin address in {:#?}", server.seen));
    (server, admin)
}

/// An HTTP/1.0 GET: the status code, the headers' text and the body.
async fn get(admin: SocketAddr, path: &str, accept: &str) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(admin).await.unwrap();
    let request = format!("GET {path} HTTP/1.0\r\nHost: {admin}\r\nAccept: {accept}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a full response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    (status, head.to_owned(), body.to_owned())
}

/// Samples by their full series name (`name{labels}`), from Prometheus text.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

fn value(samples: &HashMap<String, f64>, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("no {series} in {samples:#?}"))
}

/// Two tasks; the second fails once and succeeds on its retry; the first's output holds an
/// email address, which the built-in criteria redact.
fn retried_once() -> pb::OrchestrationSpec {
    spec(vec![
        mock("a", &[], json!({"output": "write to jane.doe@example.com"})),
        pb::TaskSpec {
            retry_policy: Some(exact_retries(2, 10)),
            ..mock("b", &["a"], json!({"fail_attempts": 1, "output": "beta"}))
        },
    ])
}

async fn orchestrate(client: &mut OrchestratorServiceClient<tonic::transport::Channel>) {
    let mut stream = client
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(retried_once()),
        })
        .await
        .unwrap()
        .into_inner();
    let mut state = None;
    while let Some(message) = stream.message().await.unwrap() {
        if let Some(pb::orchestration_event::Kind::Completed(done)) =
            message.event.and_then(|event| event.kind)
        {
            state = done.result.map(|result| result.state());
        }
    }
    assert_eq!(state, Some(pb::OrchestrationState::Approved));
}

#[tokio::test]
async fn metrics_count_what_a_run_did() {
    let (server, admin) = start().await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    for _ in 0..3 {
        orchestrate(&mut client).await;
    }
    let refused = client
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(spec(vec![mock("a", &["nope"], json!({}))])),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    let missing = ReviewCriteriaServiceClient::new(common::connect(server.addr).await)
        .delete_review_criteria(pb::DeleteReviewCriteriaRequest {
            id: "never-made".into(),
            version: None,
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    let (status, head, body) = get(admin, "/metrics", "text/plain").await;
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    let seen = samples(&body);
    let expected = [
        ("orchestrator_orchestrations_started_total", 3.0),
        (
            "orchestrator_orchestrations_completed_total{state=\"APPROVED\"}",
            3.0,
        ),
        ("orchestrator_orchestrations_in_flight", 0.0),
        ("orchestrator_orchestration_duration_seconds_count", 3.0),
        (
            "orchestrator_task_attempts_total{agent=\"mock\",outcome=\"succeeded\"}",
            6.0,
        ),
        (
            "orchestrator_task_attempts_total{agent=\"mock\",outcome=\"failed\"}",
            3.0,
        ),
        ("orchestrator_task_retries_total{agent=\"mock\"}", 3.0),
        (
            "orchestrator_task_duration_seconds_count{agent=\"mock\"}",
            6.0,
        ),
        (
            "orchestrator_review_decisions_total{verdict=\"approved\"}",
            3.0,
        ),
        ("orchestrator_review_duration_seconds_count", 3.0),
        ("orchestrator_pii_redactions_total{category=\"EMAIL\"}", 3.0),
        (
            "orchestrator_grpc_requests_total{method=\"orchestrator.v1.OrchestratorService/Orchestrate\",code=\"OK\"}",
            3.0,
        ),
        (
            "orchestrator_grpc_requests_total{method=\"orchestrator.v1.OrchestratorService/SubmitOrchestration\",code=\"INVALID_ARGUMENT\"}",
            1.0,
        ),
        ("orchestrator_leases_taken_over_total", 0.0),
        (
            "orchestrator_store_errors_total{op=\"delete_criteria\",kind=\"not_found\"}",
            1.0,
        ),
    ];
    for (series, count) in expected {
        assert_eq!(value(&seen, series), count, "{series}");
    }
    assert!(value(&seen, "orchestrator_event_log_commit_seconds_count") >= 1.0);
    assert!(value(&seen, "orchestrator_event_log_batch_events_sum") >= 3.0 * 10.0);
    assert!(
        seen.keys()
            .any(|series| series.starts_with("orchestrator_build_info{version=")),
        "{body}"
    );
    // Bounded labels: no orchestration or task ids.
    assert!(!body.contains("orchestration_id") && !body.contains("task_id"));

    let (_, head, body) = get(
        admin,
        "/metrics",
        "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
    )
    .await;
    assert!(head.contains("application/openmetrics-text"), "{head}");
    assert!(body.ends_with("# EOF\n"), "{body}");
}

#[tokio::test]
async fn probes_and_unknown_paths() {
    let (_server, admin) = start().await;
    assert_eq!(get(admin, "/healthz", "*/*").await.0, 200);
    let (status, _, body) = get(admin, "/readyz", "*/*").await;
    assert_eq!((status, body.as_str()), (200, "SERVING\n"));
    assert_eq!(get(admin, "/nope", "*/*").await.0, 404);
}

#[tokio::test]
async fn readiness_follows_shutdown() {
    let (mut server, admin) = start().await;
    // A call in progress holds the drain open, so the admin port can be asked meanwhile.
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let slow = tokio::spawn(async move {
        client
            .orchestrate(pb::OrchestrateRequest {
                request_id: String::new(),
                spec: Some(spec(vec![mock("a", &[], json!({"delay_ms": 3000}))])),
            })
            .await
            .map(|response| response.into_inner())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("TERM");
    server
        .wait_for_log(|entry| entry["message"] == "shutting down: draining calls")
        .await;
    let (status, _, body) = get(admin, "/readyz", "*/*").await;
    assert_eq!((status, body.as_str()), (503, "NOT_SERVING\n"));
    assert_eq!(
        get(admin, "/healthz", "*/*").await.0,
        200,
        "alive while draining"
    );
    drop(slow);
}
