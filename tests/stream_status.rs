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

#[tokio::test]
async fn an_after_sequence_beyond_any_sequence_is_invalid() {
    let server = TestServer::start().await;
    let id = server.submit(spec(vec![mock("a", &[], json!({}))])).await;
    let status = server
        .orchestrator()
        .stream_status(pb::StreamStatusRequest {
            orchestration_id: id,
            after_sequence: u64::MAX,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn another_replica_follows_from_the_store_and_lets_go_when_the_client_leaves() {
    let mut settings = orchestrator::config::Settings::default();
    settings.server.drain_timeout = Duration::from_secs(60);
    let here = TestServer::start_with(settings.clone()).await;
    let mut there = TestServer::start_in(settings, here.data_dir.clone()).await;
    let id = here.submit(slow_plan()).await;

    // Followed on the replica that does not run it: tailed from the store.
    let mut remote = stream(&there, &id, 0).await;
    let first = remote.message().await.unwrap().unwrap().event.unwrap();
    assert_eq!(first.sequence, 1);
    let events = collect(remote, |m| m.event).await;
    let mut all = vec![first];
    all.extend(events);
    assert_gapless(&all, 1);
    assert_eq!(completed(&all).state(), pb::OrchestrationState::Approved);

    // A follower that hangs up is let go: the task tailing the store for it ends.
    let long = here
        .submit(spec(vec![mock("slow", &[], json!({"delay_ms": 30_000}))]))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let mut abandoned = stream(&there, &long, 0).await;
    abandoned.message().await.unwrap().unwrap();
    assert!(
        metrics.num_alive_tasks() > before,
        "the follower runs while the client listens"
    );
    drop(abandoned);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while metrics.num_alive_tasks() > before {
        assert!(
            std::time::Instant::now() < deadline,
            "{} tasks alive, {before} before the follower: it outlived its client",
            metrics.num_alive_tasks()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    there.begin_shutdown();
    there.stopped_within(Duration::from_secs(15)).await.unwrap();
}
