//! OpenTelemetry traces from the real binary to an OTLP receiver in this test (a tonic server
//! implementing the collector's TraceService): the caller's `traceparent` is the parent of the
//! call's span; the orchestration, task attempt and review spans share its trace id; the
//! `http`, `openai` and `grpc` agents each receive that trace id in `traceparent`, naming their
//! own attempt's span as the parent; JSON log lines written in the trace carry its `trace_id`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::http_peer::{HttpPeer, chat_completion};
use common::plans::{spec, task};
use common::process::ServerProcess;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use orchestrator::api::pb;
use orchestrator::api::pb::agent_service_server::{AgentService, AgentServiceServer};
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Keeps every span exported to it.
#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Span>>>,
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans = request
            .into_inner()
            .resource_spans
            .into_iter()
            .flat_map(|resource| resource.scope_spans)
            .flat_map(|scope| scope.spans);
        self.spans.lock().unwrap().extend(spans);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

async fn start_receiver() -> (std::net::SocketAddr, Receiver) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = Receiver::default();
    let service = TraceServiceServer::new(receiver.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (addr, receiver)
}

/// An AgentService that keeps the `traceparent` of each call.
#[derive(Clone, Default)]
struct GrpcAgent {
    traceparents: Arc<Mutex<Vec<String>>>,
}

#[tonic::async_trait]
impl AgentService for GrpcAgent {
    async fn invoke(
        &self,
        request: tonic::Request<pb::InvokeRequest>,
    ) -> Result<tonic::Response<pb::InvokeResponse>, tonic::Status> {
        let traceparent = request
            .metadata()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        self.traceparents
            .lock()
            .unwrap()
            .push(traceparent.to_owned());
        Ok(tonic::Response::new(pb::InvokeResponse {
            output: "checked".into(),
            confidence: None,
            usage: None,
        }))
    }
}

async fn start_grpc_agent() -> (std::net::SocketAddr, GrpcAgent) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let agent = GrpcAgent::default();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(AgentServiceServer::new(agent.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (addr, agent)
}

/// The `traceparent` of the only call an HTTP peer got.
fn traceparent_of(peer: &HttpPeer) -> String {
    let calls = peer.calls();
    assert_eq!(calls.len(), 1);
    calls[0]
        .headers
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn one_trace_from_the_caller_through_the_run_to_the_agents() {
    let (collector, receiver) = start_receiver().await;
    let researcher = HttpPeer::start(|_, _| (200, r#"{"output": "found"}"#.into())).await;
    let model = HttpPeer::start(|_, _| (200, chat_completion("drafted"))).await;
    let (checker_addr, checker) = start_grpc_agent().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            r#"
[telemetry.otlp]
endpoint = "http://{collector}"
sampling_ratio = 1.0
[agents.researcher]
kind = "http"
url = "{}"
[agents.writer]
kind = "openai"
base_url = "{}"
model = "m"
[agents.checker]
kind = "grpc"
endpoint = "http://{checker_addr}"
"#,
            researcher.url("/invoke"),
            model.url("/v1"),
        ),
    )
    .unwrap();
    let server = ServerProcess::start(&["--config", settings.to_str().unwrap()]).await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let mut request = tonic::Request::new(pb::OrchestrateRequest {
        request_id: String::new(),
        spec: Some(spec(vec![
            task("lookup", "researcher", &[], json!({})),
            task("draft", "writer", &[], json!({})),
            task("check", "checker", &[], json!({})),
        ])),
    });
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CALLER_SPAN}-01").parse().unwrap(),
    );
    let mut stream = client.orchestrate(request).await.unwrap().into_inner();
    while stream.message().await.unwrap().is_some() {}

    // Each agent got the trace.
    let traceparents = [
        traceparent_of(&researcher),
        traceparent_of(&model),
        checker.traceparents.lock().unwrap().concat(),
    ];
    for traceparent in &traceparents {
        assert!(
            traceparent.starts_with(&format!("00-{TRACE_ID}-")),
            "every agent call carries the trace: {traceparents:?}"
        );
    }

    // Shutting down flushes the exporter.
    server.signal("TERM");
    let (status, logs) = server.exit_within(Duration::from_secs(30)).await;
    assert!(status.success());
    // Log lines written inside the trace carry its id.
    let attempt_line = logs
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| entry["message"] == "task attempt")
        .expect("a task attempt log line");
    assert_eq!(attempt_line["trace_id"], TRACE_ID, "{attempt_line}");
    let spans = receiver.spans.lock().unwrap().clone();
    let in_trace: Vec<&Span> = spans
        .iter()
        .filter(|span| hex(&span.trace_id) == TRACE_ID)
        .collect();
    let names: Vec<&str> = in_trace.iter().map(|span| span.name.as_str()).collect();
    for expected in [
        "orchestrator.v1.OrchestratorService/Orchestrate",
        "orchestration",
        "task_attempt",
        "review",
    ] {
        assert!(
            names.contains(&expected),
            "no {expected} span in the caller's trace; it has {names:?}; all spans: {:?}",
            spans.iter().map(|span| &span.name).collect::<Vec<_>>()
        );
    }
    let call = in_trace
        .iter()
        .find(|span| span.name == "orchestrator.v1.OrchestratorService/Orchestrate")
        .unwrap();
    assert_eq!(
        hex(&call.parent_span_id),
        CALLER_SPAN,
        "the caller's span is the parent"
    );
    // Each agent call's parent is its own attempt's span: three attempts, three parents.
    let mut parents: Vec<&str> = traceparents
        .iter()
        .filter_map(|traceparent| traceparent.split('-').nth(2))
        .collect();
    let mut attempts: Vec<String> = in_trace
        .iter()
        .filter(|span| span.name == "task_attempt")
        .map(|span| hex(&span.span_id))
        .collect();
    parents.sort_unstable();
    attempts.sort_unstable();
    assert_eq!(
        parents, attempts,
        "the agents' parents are the attempt spans"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
