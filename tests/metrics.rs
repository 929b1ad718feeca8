//! The admin listener of the real binary: `/metrics` counts what a run did (orchestrations,
//! attempts, retries, reviews, redactions, gRPC calls by code) by exactly the expected amounts,
//! in Prometheus text by default and OpenMetrics when asked, and the tokens an LLM agent
//! reported; `/healthz` and `/readyz` answer as probes expect.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::http_peer::{HttpPeer, chat_completion};
use common::plans::{exact_retries, mock, spec, task};
use common::process::ServerProcess;
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::api::pb::review_criteria_service_client::ReviewCriteriaServiceClient;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic::Code;

/// Starts the binary and finds its admin address in the log (logged before the gRPC one).
async fn start() -> (ServerProcess, SocketAddr) {
    start_with(&[]).await
}

async fn start_with(args: &[&str]) -> (ServerProcess, SocketAddr) {
    let server = ServerProcess::start(args).await;
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
    try_get(admin, path, accept)
        .await
        .unwrap_or_else(|error| panic!("GET {path} from {admin}: {error}"))
}

async fn try_get(
    address: SocketAddr,
    path: &str,
    accept: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\nAccept: {accept}\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let broken = || std::io::Error::other(format!("not an HTTP response: {response:?}"));
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(broken)?;
    Ok((status, head.to_owned(), body.to_owned()))
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

/// An `openai` agent's reported usage is counted per agent and kind.
#[tokio::test]
async fn llm_agents_count_their_tokens() {
    let model = HttpPeer::start(|_, _| (200, chat_completion("drafted"))).await;
    let settings = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        settings.path(),
        format!(
            "[agents.writer]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n",
            model.url("/v1")
        ),
    )
    .unwrap();
    let (server, admin) = start_with(&["--config", settings.path().to_str().unwrap()]).await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let mut stream = client
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(spec(vec![
                task("first", "writer", &[], json!({})),
                task("second", "writer", &["first"], json!({})),
            ])),
        })
        .await
        .unwrap()
        .into_inner();
    while stream.message().await.unwrap().is_some() {}

    let (_, _, body) = get(admin, "/metrics", "text/plain").await;
    let seen = samples(&body);
    for (kind, count) in [("prompt", 42.0), ("completion", 14.0)] {
        let series = format!("orchestrator_agent_tokens_total{{agent=\"writer\",kind=\"{kind}\"}}");
        assert_eq!(value(&seen, &series), count, "{series}");
    }
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

/// `promtool check metrics` accepts the exposition (names, types, help, suffixes).
#[tokio::test]
async fn promtool_accepts_the_exposition() {
    let (server, admin) = start().await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    orchestrate(&mut client).await;
    let (_, _, body) = get(admin, "/metrics", "text/plain").await;
    let mut check = std::process::Command::new(common::tools::promtool())
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run promtool");
    use std::io::Write as _;
    check
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(body.as_bytes())
        .unwrap();
    let output = check.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A real Prometheus scrapes the admin port, and a PromQL query through its HTTP API returns
/// the run's counts.
#[tokio::test]
async fn prometheus_scrapes_the_admin_port() {
    let (server, admin) = start().await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    for _ in 0..2 {
        orchestrate(&mut client).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: orchestrator\n    static_configs:\n      - targets: ['{admin}']\n"
        ),
    )
    .unwrap();
    let web = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap();
    let mut prometheus = tokio::process::Command::new(common::tools::prometheus())
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={web}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("run prometheus");
    let query = "/api/v1/query?query=sum(orchestrator_orchestrations_completed_total%7Bstate%3D%22APPROVED%22%7D)";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    loop {
        if let Ok(Ok((200, _, body))) =
            tokio::time::timeout(Duration::from_secs(5), try_get(web, query, "*/*")).await
        {
            let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            if answer["data"]["result"][0]["value"][1] == "2" {
                break;
            }
            last = body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus never saw 2 approved orchestrations; last answer: {last}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = prometheus.kill().await;
}
