//! StreamStatus: replay from the store, then follow live; a client that drops and re-attaches
//! sees every event exactly once, and a replayed event equals the live one.

mod common;

use std::time::Duration;

use common::TestServer;
use common::plans::{assert_gapless, collect, completed, in_tenant, mock, spec};
use orchestrator::api::pb;
use serde_json::json;
use tonic::Code;

async fn stream(
    server: &TestServer,
    id: &str,
    after: u64,
) -> tonic::Streaming<pb::StreamStatusResponse> {
    server
        .orchestrator()
        .stream_status(pb::StreamStatusRequest {
            orchestration_id: id.into(),
            after_sequence: after,
        })
        .await
        .unwrap()
        .into_inner()
}

fn slow_plan() -> pb::OrchestrationSpec {
    spec(vec![
        mock("a", &[], json!({"delay_ms": 150})),
        mock("b", &["a"], json!({"delay_ms": 150})),
        mock("c", &["b"], json!({"delay_ms": 150})),
    ])
}

#[tokio::test]
async fn a_client_that_drops_and_re_attaches_misses_nothing_and_sees_nothing_twice() {
    let server = TestServer::start().await;
    let id = server.submit(slow_plan()).await;

    // Read a few events live, then hang up mid-way.
    let mut first = stream(&server, &id, 0).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(first.message().await.unwrap().unwrap().event.unwrap());
    }
    drop(first);
    let last = seen.last().unwrap().sequence;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let rest = collect(stream(&server, &id, last).await, |m| m.event).await;
    seen.extend(rest);
    assert_gapless(&seen, 1);
    assert_eq!(completed(&seen).state(), pb::OrchestrationState::Approved);
}

#[tokio::test]
async fn a_replayed_event_is_identical_to_the_live_one() {
    let server = TestServer::start().await;
    let live = server.orchestrate(slow_plan()).await;
    let id = &live[0].orchestration_id;
    let replayed = collect(stream(&server, id, 0).await, |m| m.event).await;
    assert_eq!(replayed, live, "same fields, same timestamps");
    let tail = collect(stream(&server, id, 5).await, |m| m.event).await;
    assert_eq!(tail, live[5..]);
}

#[tokio::test]
async fn many_followers_each_see_the_whole_log() {
    let server = TestServer::start().await;
    let id = server.submit(slow_plan()).await;
    let followers: Vec<_> = (0..5)
        .map(|_| {
            let channel = server.channel.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let mut client =
                    pb::orchestrator_service_client::OrchestratorServiceClient::new(channel);
                let stream = client
                    .stream_status(pb::StreamStatusRequest {
                        orchestration_id: id,
                        after_sequence: 0,
                    })
                    .await
                    .unwrap()
                    .into_inner();
                collect(stream, |m| m.event).await
            })
        })
        .collect();
    let mut logs = Vec::new();
    for follower in followers {
        logs.push(follower.await.unwrap());
    }
    for log in &logs {
        assert_gapless(log, 1);
        assert_eq!(log, &logs[0]);
    }
}

#[tokio::test]
async fn unknown_and_foreign_orchestrations_are_not_found() {
    let server = TestServer::start().await;
    let id = server.submit(spec(vec![mock("a", &[], json!({}))])).await;
    let mut client = server.orchestrator();
    let status = client
        .stream_status(pb::StreamStatusRequest {
            orchestration_id: "orch-nope".into(),
            after_sequence: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let foreign = client
        .stream_status(in_tenant(
            "globex",
            pb::StreamStatusRequest {
                orchestration_id: id,
                after_sequence: 0,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound);
    let empty = client
        .stream_status(pb::StreamStatusRequest::default())
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn following_a_finished_orchestration_replays_and_ends() {
    let server = TestServer::start().await;
    let live = server
        .orchestrate(spec(vec![mock("a", &[], json!({}))]))
        .await;
    let id = &live[0].orchestration_id;
    let after_end = collect(stream(&server, id, live.len() as u64).await, |m| m.event).await;
    assert!(after_end.is_empty(), "nothing after the completed event");
}
