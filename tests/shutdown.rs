//! Graceful shutdown: health turns NOT_SERVING at once, new calls are refused, running calls
//! get the drain period, then the server stops (and the binary exits 0).

mod common;

use std::time::Duration;

use common::TestServer;
use common::process::ServerProcess;
use orchestrator::api::pb;
use orchestrator::config::Settings;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

fn settings_with_drain(period: Duration) -> Settings {
    let mut settings = Settings::default();
    settings.server.drain_timeout = period;
    settings
}

fn list_services() -> ServerReflectionRequest {
    ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    }
}

/// A reflection stream left open by the client: a call that is running until the client ends it.
struct OpenCall {
    requests: mpsc::Sender<ServerReflectionRequest>,
    responses: tonic::Streaming<ServerReflectionResponse>,
}

impl OpenCall {
    async fn open(channel: Channel) -> Self {
        let (requests, rx) = mpsc::channel(4);
        let mut client = ServerReflectionClient::new(channel);
        requests.send(list_services()).await.unwrap();
        let mut responses = client
            .server_reflection_info(ReceiverStream::new(rx))
            .await
            .expect("open the call")
            .into_inner();
        responses.message().await.unwrap().expect("first answer");
        Self {
            requests,
            responses,
        }
    }

    async fn still_answers(&mut self) {
        self.requests.send(list_services()).await.unwrap();
        let answer = self.responses.message().await.expect("the call goes on");
        assert!(answer.is_some());
    }
}

async fn watch_overall(channel: Channel) -> tonic::Streaming<HealthCheckResponse> {
    HealthClient::new(channel)
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn next_status(updates: &mut tonic::Streaming<HealthCheckResponse>) -> ServingStatus {
    tokio::time::timeout(Duration::from_secs(10), updates.message())
        .await
        .expect("a health update in time")
        .expect("a health update")
        .expect("the watch is open")
        .status()
}

#[tokio::test]
async fn health_turns_not_serving_then_the_server_stops() {
    let mut server = TestServer::start().await;
    let mut updates = watch_overall(server.channel.clone()).await;
    assert_eq!(next_status(&mut updates).await, ServingStatus::Serving);

    server.begin_shutdown();
    assert_eq!(next_status(&mut updates).await, ServingStatus::NotServing);
    server
        .stopped_within(Duration::from_secs(10))
        .await
        .unwrap();

    // The watch does not hold the server up; it ends with a status rather than a reset.
    let end = updates.message().await.expect_err("the watch is ended");
    assert_eq!(end.code(), Code::Unavailable, "{end:?}");
}

#[tokio::test]
async fn running_calls_finish_while_new_calls_are_refused() {
    let mut server = TestServer::start_with(settings_with_drain(Duration::from_secs(60))).await;
    let mut running = OpenCall::open(server.channel.clone()).await;
    let mut updates = watch_overall(server.channel.clone()).await;
    assert_eq!(next_status(&mut updates).await, ServingStatus::Serving);

    server.begin_shutdown();
    assert_eq!(next_status(&mut updates).await, ServingStatus::NotServing);

    // A new call on an existing connection is refused with a retryable status.
    let refused = server
        .orchestrator()
        .list_agents(pb::ListAgentsRequest::default())
        .await
        .expect_err("refused while draining");
    assert_eq!(refused.code(), Code::Unavailable);
    assert!(refused.message().contains("shutting down"), "{refused:?}");

    // Probes on a new connection still get an answer: NOT_SERVING.
    let probe = HealthClient::new(server.new_channel().await)
        .check(HealthCheckRequest {
            service: "orchestrator.v1.OrchestratorService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(probe.status(), ServingStatus::NotServing);

    // The running call goes on, and once it ends the server stops without waiting out the
    // 60 s drain period.
    running.still_answers().await;
    drop(running);
    server
        .stopped_within(Duration::from_secs(20))
        .await
        .unwrap();
}

#[tokio::test]
async fn calls_still_running_after_the_drain_period_are_ended() {
    let mut server = TestServer::start_with(settings_with_drain(Duration::from_millis(300))).await;
    let mut running = OpenCall::open(server.channel.clone()).await;

    server.begin_shutdown();
    server
        .stopped_within(Duration::from_secs(20))
        .await
        .unwrap();

    let end = running
        .responses
        .message()
        .await
        .expect_err("the call was ended");
    assert_eq!(end.code(), Code::Unavailable, "{end:?}");
    assert!(
        end.message()
            .contains("shut down before this call finished"),
        "{end:?}"
    );
}

async fn process_drains_and_exits_zero_on(signal: &str) {
    let mut process = ServerProcess::start(&["--drain-timeout", "5s"]).await;
    let channel = common::connect(process.addr).await;
    let mut updates = watch_overall(channel).await;
    assert_eq!(next_status(&mut updates).await, ServingStatus::Serving);

    process.signal(signal);
    assert_eq!(next_status(&mut updates).await, ServingStatus::NotServing);
    process
        .wait_for_log(|entry| entry["message"] == "shutting down: draining calls")
        .await;
    let (status, logs) = process.exit_within(Duration::from_secs(20)).await;
    assert_eq!(
        status.code(),
        Some(0),
        "exit status {status}; logs {logs:#?}"
    );
    assert!(
        logs.iter().any(|line| line.contains("\"stopped\"")),
        "{logs:#?}"
    );
}

#[tokio::test]
async fn the_binary_drains_and_exits_zero_on_sigterm() {
    process_drains_and_exits_zero_on("TERM").await;
}

#[tokio::test]
async fn the_binary_drains_and_exits_zero_on_sigint() {
    process_drains_and_exits_zero_on("INT").await;
}

/// A run handed over at shutdown does not end: the server says it stopped without ending (the
/// store still has it RUNNING, or AWAITING_HUMAN, for the next server), not that it completed
/// CANCELLED, the run's own last word, which was never written.
#[tokio::test]
async fn a_run_handed_over_at_shutdown_is_not_logged_as_completed() {
    let mut process = ServerProcess::start(&["--drain-timeout", "1s"]).await;
    let channel = common::connect(process.addr).await;
    let id = pb::orchestrator_service_client::OrchestratorServiceClient::new(channel)
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(common::plans::spec(vec![common::plans::mock(
                "slow",
                &[],
                serde_json::json!({"delay_ms": 60_000}),
            )])),
        })
        .await
        .expect("submit")
        .into_inner()
        .orchestration_id;
    process
        .wait_for_log(|entry| {
            entry["message"] == "orchestration accepted" && entry["orchestration_id"] == id.as_str()
        })
        .await;

    process.signal("TERM");
    let (status, logs) = process.exit_within(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "{logs:#?}");
    let about = |message: &str| {
        logs.iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .any(|entry| {
                entry["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(message))
                    && entry["orchestration_id"] == id.as_str()
            })
    };
    assert!(
        about("orchestration stopped here without ending"),
        "{logs:#?}"
    );
    assert!(!about("orchestration completed"), "{logs:#?}");
}
