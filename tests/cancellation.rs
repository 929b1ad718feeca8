//! Cancellation reaches running agents and backoff sleeps at once, whether it comes from
//! CancelOrchestration, the caller's deadline, or the server shutting down.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use common::plans::{collect, completed, exact_retries, mock, spec};
use orchestrator::api::pb;
use pb::orchestration_event::Kind;
use serde_json::json;

fn long_running() -> pb::OrchestrationSpec {
    let mut backing_off = mock("backing-off", &[], json!({"fail_attempts": 10}));
    backing_off.retry_policy = Some(pb::RetryPolicy {
        max_retries: Some(5),
        initial_backoff: Some(common::plans::duration(Duration::from_secs(60))),
        max_backoff: Some(common::plans::duration(Duration::from_secs(60))),
        disable_jitter: true,
        ..Default::default()
    });
    spec(vec![
        mock("slow", &[], json!({"delay_ms": 60_000})),
        backing_off,
        mock("after", &["slow"], json!({})),
    ])
}

#[tokio::test]
async fn cancel_stops_agents_and_backoffs_at_once_without_a_review() {
    let server = TestServer::start().await;
    let id = server.submit(long_running()).await;
    let events = common::plans::stream_status(&mut server.orchestrator(), &id, 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let state = server
        .orchestrator()
        .cancel_orchestration(pb::CancelOrchestrationRequest {
            orchestration_id: id.clone(),
            reason: "wrong input, ask bo@example.com".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .state();
    assert_eq!(state, pb::OrchestrationState::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let events = collect(events, |m| m.event).await;
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Cancelled);
    assert_eq!(
        result.error,
        "cancelled by the caller: wrong input, ask [EMAIL]"
    );
    assert!(
        result
            .tasks
            .iter()
            .all(|t| t.state() == pb::TaskState::Cancelled),
        "{:?}",
        result.tasks
    );
    assert!(result.review.is_none());
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, Some(Kind::Review(_)))),
        "no review after a cancel"
    );

    // Cancelling again is harmless and tells the state.
    let again = server
        .orchestrator()
        .cancel_orchestration(pb::CancelOrchestrationRequest {
            orchestration_id: id,
            reason: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.state(), pb::OrchestrationState::Cancelled);
}

#[tokio::test]
async fn the_callers_deadline_on_orchestrate_cancels_the_orchestration() {
    let server = TestServer::start().await;
    let mut request = tonic::Request::new(pb::OrchestrateRequest {
        request_id: String::new(),
        spec: Some(spec(vec![mock("slow", &[], json!({"delay_ms": 60_000}))])),
    });
    request.set_timeout(Duration::from_millis(300));
    let mut stream = server
        .orchestrator()
        .orchestrate(request)
        .await
        .unwrap()
        .into_inner();
    let accepted = stream.message().await.unwrap().unwrap().event.unwrap();
    let id = accepted.orchestration_id;
    // The client gives up at its deadline.
    while let Ok(Some(_)) = stream.message().await {}

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let result = server.get(&id).await;
        if result.state() == pb::OrchestrationState::Cancelled {
            assert!(result.error.contains("deadline"), "{}", result.error);
            break;
        }
        assert!(Instant::now() < deadline, "still {:?}", result.state());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn server_shutdown_hands_what_runs_over_and_a_restart_finishes_it() {
    let server = TestServer::start().await;
    let id = server
        .submit(spec(vec![
            mock("quick", &[], json!({"output": "kept"})),
            mock("slow", &[], json!({"delay_ms": 1500})),
        ]))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Its server expired its heartbeat at shutdown: the restarted server resumes it at once.
    let restarted = server.restart().await;
    let result = restarted
        .wait_until("default", &id, |r| {
            r.state() == pb::OrchestrationState::Approved
        })
        .await;
    assert_eq!(result.tasks[0].attempts, 1, "the quick task ran once");
    let events = common::plans::replay(&mut restarted.orchestrator(), &id).await;
    common::plans::assert_gapless(&events, 1);
    let quick_runs = common::plans::task_updates(&events)
        .into_iter()
        .filter(|(t, s, _)| t == "quick" && *s == pb::TaskState::Running)
        .count();
    assert_eq!(quick_runs, 1, "not run again after the restart");
}

#[tokio::test]
async fn server_shutdown_can_cancel_what_runs_and_record_it() {
    let mut settings = orchestrator::config::Settings::default();
    settings.server.running_at_shutdown = orchestrator::config::RunningAtShutdown::Cancel;
    let server = TestServer::start_with(settings).await;
    let id = server
        .submit(spec(vec![mock("slow", &[], json!({"delay_ms": 60_000}))]))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let restarted = server.restart().await;
    let result = restarted.get(&id).await;
    assert_eq!(result.state(), pb::OrchestrationState::Cancelled);
    assert!(result.error.contains("shutting down"), "{}", result.error);
}

#[tokio::test]
async fn retries_wait_is_cancelled_too() {
    let server = TestServer::start().await;
    let mut flaky = mock("flaky", &[], json!({"fail_attempts": 10}));
    flaky.retry_policy = Some(exact_retries(3, 30_000));
    let id = server.submit(spec(vec![flaky])).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    server
        .orchestrator()
        .cancel_orchestration(pb::CancelOrchestrationRequest {
            orchestration_id: id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        server.get(&id).await.tasks[0].state(),
        pb::TaskState::Cancelled
    );
}
