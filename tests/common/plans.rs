//! Building orchestration requests and reading their events, for the engine's tests.

use std::time::Duration;

use orchestrator::api::convert::orchestration::json_to_struct;
use orchestrator::api::pb;
use pb::orchestration_event::Kind;
use pb::orchestrator_service_client::OrchestratorServiceClient;
use tonic::Request;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

/// A task of the given agent with JSON params.
pub fn task(id: &str, agent: &str, depends_on: &[&str], params: serde_json::Value) -> pb::TaskSpec {
    pb::TaskSpec {
        id: id.into(),
        agent: agent.into(),
        params: params.as_object().map(json_to_struct),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        ..Default::default()
    }
}

/// A `mock` task.
pub fn mock(id: &str, depends_on: &[&str], params: serde_json::Value) -> pb::TaskSpec {
    task(id, "mock", depends_on, params)
}

pub fn spec(tasks: Vec<pb::TaskSpec>) -> pb::OrchestrationSpec {
    pb::OrchestrationSpec {
        tasks,
        input: "the question".into(),
        ..Default::default()
    }
}

/// A quick task and a slow one (still running `slow_ms` after the start), then a task that
/// needs both: for killing or cutting off a server mid-run.
pub fn quick_slow_final(slow_ms: u64) -> pb::OrchestrationSpec {
    spec(vec![
        mock("quick", &[], serde_json::json!({"output": "quick part"})),
        mock(
            "slow",
            &[],
            serde_json::json!({"delay_ms": slow_ms, "output": "slow part"}),
        ),
        mock(
            "final",
            &["quick", "slow"],
            serde_json::json!({"output": "final part"}),
        ),
    ])
}

pub fn duration(value: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: value.as_secs() as i64,
        nanos: value.subsec_nanos() as i32,
    }
}

/// Retries without jitter, so that backoffs are exact.
pub fn exact_retries(max_retries: u32, initial_ms: u64) -> pb::RetryPolicy {
    pb::RetryPolicy {
        max_retries: Some(max_retries),
        initial_backoff: Some(duration(Duration::from_millis(initial_ms))),
        disable_jitter: true,
        ..Default::default()
    }
}

pub fn in_tenant<T>(tenant: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "x-tenant-id",
        MetadataValue::try_from(tenant).expect("ascii tenant"),
    );
    request
}

/// Reads a stream of events to its end.
pub async fn collect<T>(
    mut stream: tonic::Streaming<T>,
    event_of: impl Fn(T) -> Option<pb::OrchestrationEvent>,
) -> Vec<pb::OrchestrationEvent> {
    let mut events = Vec::new();
    while let Some(message) = tokio::time::timeout(Duration::from_secs(60), stream.message())
        .await
        .expect("an event within a minute")
        .expect("the stream stays healthy")
    {
        events.push(event_of(message).expect("every message carries an event"));
    }
    events
}

/// Submits `spec` without a request id; the new orchestration's id.
pub async fn submit(
    client: &mut OrchestratorServiceClient<Channel>,
    spec: pb::OrchestrationSpec,
) -> String {
    client
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(spec),
        })
        .await
        .expect("submit")
        .into_inner()
        .orchestration_id
}

/// The StreamStatus stream of an orchestration's events after `after`.
pub async fn stream_status(
    client: &mut OrchestratorServiceClient<Channel>,
    orchestration_id: &str,
    after: u64,
) -> tonic::Streaming<pb::StreamStatusResponse> {
    client
        .stream_status(pb::StreamStatusRequest {
            orchestration_id: orchestration_id.into(),
            after_sequence: after,
        })
        .await
        .expect("StreamStatus")
        .into_inner()
}

/// Polls GetOrchestration (the store's view) until `done` holds of `id`'s result; panics after
/// 20 s, showing the last result and `what` was awaited.
pub async fn poll_until(
    client: &mut OrchestratorServiceClient<Channel>,
    id: &str,
    what: &str,
    done: impl Fn(&pb::OrchestrationResult) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let result = client
            .get_orchestration(pb::GetOrchestrationRequest {
                orchestration_id: id.into(),
                ..Default::default()
            })
            .await
            .expect("GetOrchestration")
            .into_inner()
            .orchestration
            .expect("a result");
        if done(&result) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen to {id}: {result:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether `result`'s task `task_id` is in `state`.
pub fn task_in(result: &pb::OrchestrationResult, task_id: &str, state: pb::TaskState) -> bool {
    result
        .tasks
        .iter()
        .any(|t| t.task_id == task_id && t.state() == state)
}

/// Every event of an orchestration from the first, through StreamStatus, until it completes.
pub async fn replay(
    client: &mut OrchestratorServiceClient<Channel>,
    orchestration_id: &str,
) -> Vec<pb::OrchestrationEvent> {
    collect(stream_status(client, orchestration_id, 0).await, |m| {
        m.event
    })
    .await
}

pub fn completed(events: &[pb::OrchestrationEvent]) -> &pb::OrchestrationResult {
    match events.last().and_then(|e| e.kind.as_ref()) {
        Some(Kind::Completed(completed)) => completed.result.as_ref().expect("a result"),
        other => panic!("the last event is not `completed`: {other:?}"),
    }
}

/// Task updates, as (task id, state).
pub fn task_updates(
    events: &[pb::OrchestrationEvent],
) -> Vec<(String, pb::TaskState, &pb::OrchestrationEvent)> {
    events
        .iter()
        .filter_map(|event| match &event.kind {
            Some(Kind::Task(update)) => Some((update.task_id.clone(), update.state(), event)),
            _ => None,
        })
        .collect()
}

/// When the first event of `task` in `state` happened, relative to the first event.
pub fn offset(events: &[pb::OrchestrationEvent], task: &str, state: pb::TaskState) -> Duration {
    let start = time_of(&events[0]);
    let event = task_updates(events)
        .into_iter()
        .find(|(id, s, _)| id == task && *s == state)
        .unwrap_or_else(|| panic!("no {state:?} event for {task}"))
        .2;
    time_of(event).checked_sub(start).unwrap_or_default()
}

fn time_of(event: &pb::OrchestrationEvent) -> Duration {
    let time = event.time.as_ref().expect("events have a time");
    Duration::new(time.seconds as u64, time.nanos as u32)
}

/// Whether the log says the orchestration was resumed by a server other than the one that
/// started it (or by the same one, restarted).
pub fn was_resumed(events: &[pb::OrchestrationEvent]) -> bool {
    events.iter().any(|e| {
        matches!(
            &e.kind,
            Some(Kind::StateChanged(change)) if change.reason.contains("resumed")
        )
    })
}

pub fn assert_gapless(events: &[pb::OrchestrationEvent], from: u64) {
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    let expected: Vec<u64> = (from..from + events.len() as u64).collect();
    assert_eq!(sequences, expected, "sequences are gapless");
}
