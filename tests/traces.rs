//! OpenTelemetry traces from the real binary to an OTLP receiver in this test (a tonic server
//! implementing the collector's TraceService): the caller's `traceparent` is the parent of the
//! call's span; the orchestration, task attempt and review spans share its trace id; and the
//! `http` agent receives that trace id in `traceparent`; JSON log lines written in the trace
//! carry its `trace_id`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::http_peer::HttpPeer;
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

#[tokio::test]
async fn one_trace_from_the_caller_through_the_run_to_the_agent() {
    let (collector, receiver) = start_receiver().await;
    let agent = HttpPeer::start(|_, _| (200, r#"{"output": "found"}"#.into())).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            "[telemetry.otlp]\nendpoint = \"http://{collector}\"\nsampling_ratio = 1.0\n[agents.researcher]\nkind = \"http\"\nurl = \"{}\"\n",
            agent.url("/invoke")
        ),
    )
    .unwrap();
    let server = ServerProcess::start(&["--config", settings.to_str().unwrap()]).await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let mut request = tonic::Request::new(pb::OrchestrateRequest {
        request_id: String::new(),
        spec: Some(spec(vec![task("lookup", "researcher", &[], json!({}))])),
    });
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CALLER_SPAN}-01").parse().unwrap(),
    );
    let mut stream = client.orchestrate(request).await.unwrap().into_inner();
    while stream.message().await.unwrap().is_some() {}

    // The agent got the trace, from its attempt's span.
    let calls = agent.calls();
    let traceparent = calls[0]
        .headers
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .expect("the agent call carries a traceparent")
        .to_owned();
    assert!(
        traceparent.starts_with(&format!("00-{TRACE_ID}-")),
        "{traceparent}"
    );

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
    let attempt = in_trace
        .iter()
        .find(|span| span.name == "task_attempt")
        .unwrap();
    assert!(
        traceparent.contains(&hex(&attempt.span_id)),
        "the agent's parent is the attempt span: {traceparent}"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
