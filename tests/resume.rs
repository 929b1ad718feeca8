//! Resume after a crash: the server is killed with SIGKILL while orchestrations run; the
//! restarted server finishes every accepted orchestration without calling the agents of tasks
//! that had succeeded, the event sequences stay gapless, and a StreamStatus client re-attaches
//! where it stopped and misses nothing. Written once, run per backend.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::cosmos_peer::CosmosPeer;
use common::http_peer::HttpPeer;
use common::plans::{assert_gapless, completed, mock, spec, stream_status, task, task_updates};
use common::process::ServerProcess;
use orchestrator::api::pb;
use pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;
use tonic::transport::Channel;

/// What a backend adds to the server's command line and environment.
struct Backend {
    env: Vec<(String, String)>,
    /// Keeps the backend alive (and its handle for the test).
    _keep: Box<dyn std::any::Any>,
}

fn sqlite() -> Backend {
    Backend {
        env: Vec::new(),
        _keep: Box::new(()),
    }
}

fn cosmos() -> Backend {
    let peer = CosmosPeer::start();
    Backend {
        env: peer.server_env(&format!("resume-{}", uuid::Uuid::now_v7().simple())),
        _keep: Box::new(peer),
    }
}

async fn client(server: &ServerProcess) -> OrchestratorServiceClient<Channel> {
    OrchestratorServiceClient::new(common::connect(server.addr).await)
}

fn settings_file(dir: &std::path::Path, agent_url: &str) -> std::path::PathBuf {
    let path = dir.join("settings.toml");
    std::fs::write(
        &path,
        format!(
            "[storage]\nlease_duration = \"1s\"\n[agents.counted]\nkind = \"http\"\nurl = \"{agent_url}\"\n"
        ),
    )
    .expect("write settings");
    path
}

/// Whether `events` show the task `slow` running.
fn slow_running(events: &[pb::OrchestrationEvent]) -> bool {
    task_updates(events)
        .iter()
        .any(|(t, s, _)| t == "slow" && *s == pb::TaskState::Running)
}

/// Settings with only the lease duration set.
fn lease_settings(dir: &std::path::Path, lease: &str) -> std::path::PathBuf {
    let path = dir.join("settings.toml");
    std::fs::write(&path, format!("[storage]\nlease_duration = \"{lease}\"\n"))
        .expect("write settings");
    path
}

/// Two quick tasks through a counting HTTP agent, a slow mock task that is still running at
/// the kill, and a final task that needs all three.
fn plan() -> pb::OrchestrationSpec {
    spec(vec![
        task("a", "counted", &[], json!({})),
        task("b", "counted", &[], json!({})),
        mock(
            "slow",
            &[],
            json!({"delay_ms": 2500, "output": "slow part"}),
        ),
        task("final", "counted", &["a", "b", "slow"], json!({})),
    ])
}

/// Polls GetOrchestration (the store's view) until the quick tasks succeeded.
async fn wait_for_quick_tasks(client: &mut OrchestratorServiceClient<Channel>, id: &str) {
    common::plans::poll_until(client, id, "the quick tasks succeeding", |result| {
        ["a", "b"]
            .iter()
            .all(|task| common::plans::task_in(result, task, pb::TaskState::Succeeded))
    })
    .await;
}

async fn resume_after_kill(backend: Backend) {
    // Counts agent calls per (orchestration, task): the proof that nothing ran twice.
    let peer = HttpPeer::start(|request, _| {
        let task = request.body["task_id"].as_str().unwrap_or_default();
        (200, json!({"output": format!("{task} done")}).to_string())
    })
    .await;
    let config_dir = tempfile::tempdir().unwrap();
    let settings = settings_file(config_dir.path(), &peer.url("/invoke"));
    let args = ["--config", settings.to_str().unwrap()];
    let env = &backend.env;

    let first = ServerProcess::start_with_env(&args, env).await;
    let mut orchestrator = client(&first).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let submitted = orchestrator
            .submit_orchestration(pb::SubmitOrchestrationRequest {
                request_id: format!("resume-{n}"),
                spec: Some(plan()),
            })
            .await
            .expect("submit")
            .into_inner();
        ids.push(submitted.orchestration_id);
    }
    let followed = ids[0].clone();

    // Follow until the quick tasks succeeded and the slow one runs, then kill the server.
    let mut events = stream_status(&mut orchestrator, &followed, 0).await;
    let mut seen: Vec<pb::OrchestrationEvent> = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), events.message())
            .await
            .expect("an event in time")
            .expect("a healthy stream")
            .expect("the stream goes on");
        seen.push(message.event.expect("an event"));
        let updates = task_updates(&seen);
        let done = |id: &str| {
            updates
                .iter()
                .any(|(t, s, _)| t == id && *s == pb::TaskState::Succeeded)
        };
        let slow_running = updates
            .iter()
            .any(|(t, s, _)| t == "slow" && *s == pb::TaskState::Running);
        if done("a") && done("b") && slow_running {
            break;
        }
    }
    let last_seen = seen.last().unwrap().sequence;
    // The other orchestrations too: what the store says succeeded must not run again (a task
    // whose success was not stored yet may, by design: agents are called at least once).
    for id in &ids {
        wait_for_quick_tasks(&mut orchestrator, id).await;
    }
    let data_dir = first.kill().await;
    drop(events);
    let calls_before_kill = peer.calls().len();
    assert_eq!(calls_before_kill % 2, 0, "whole pairs of quick tasks");

    // The restarted server takes over once the dead one's leases expire.
    let second = ServerProcess::start_in(data_dir, &args, env).await;
    let mut orchestrator = client(&second).await;
    let rest = common::plans::collect(
        stream_status(&mut orchestrator, &followed, last_seen).await,
        |m| m.event,
    )
    .await;
    assert_gapless(&rest, last_seen + 1);
    let result = completed(&rest);
    assert_eq!(
        result.state(),
        pb::OrchestrationState::Approved,
        "{result:?}"
    );
    assert!(
        result
            .tasks
            .iter()
            .all(|t| t.state() == pb::TaskState::Succeeded),
        "{result:?}"
    );
    let resumed_updates = task_updates(&rest);
    assert!(
        !resumed_updates.iter().any(|(t, _, _)| t == "a" || t == "b"),
        "the quick tasks had succeeded and are not run again: {resumed_updates:?}"
    );
    assert!(
        resumed_updates
            .iter()
            .any(|(t, s, _)| t == "slow" && *s == pb::TaskState::Running),
        "the interrupted task runs again"
    );
    assert!(
        common::plans::was_resumed(&rest),
        "the log says it was resumed"
    );

    // Every accepted orchestration finishes; no agent call was repeated for a task that had
    // succeeded.
    for id in &ids {
        let replay = common::plans::replay(&mut orchestrator, id).await;
        assert_gapless(&replay, 1);
        assert_eq!(
            completed(&replay).state(),
            pb::OrchestrationState::Approved,
            "{id}"
        );
    }
    let mut calls: HashMap<(String, String), usize> = HashMap::new();
    for call in peer.calls() {
        let key = (
            call.body["orchestration_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            call.body["task_id"].as_str().unwrap_or_default().to_owned(),
        );
        *calls.entry(key).or_default() += 1;
    }
    assert_eq!(calls.len(), ids.len() * 3, "{calls:?}");
    assert!(
        calls.values().all(|&n| n == 1),
        "each called once: {calls:?}"
    );

    // The request ids still name their orchestrations.
    let again = orchestrator
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: "resume-0".into(),
            spec: Some(plan()),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.orchestration_id, followed);
    assert!(!again.created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_resumes_after_kill_9() {
    resume_after_kill(sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cosmos_resumes_after_kill_9() {
    resume_after_kill(cosmos()).await;
}

/// The caller's deadline on Orchestrate is kept with the orchestration: the server that resumes
/// it cancels it when that deadline passes, not when a fresh run of its tasks would end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_orchestration_keeps_the_callers_deadline() {
    let config_dir = tempfile::tempdir().unwrap();
    let settings = lease_settings(config_dir.path(), "1s");
    let args = ["--config", settings.to_str().unwrap()];

    let first = ServerProcess::start(&args).await;
    let mut orchestrator = client(&first).await;
    let mut request = tonic::Request::new(pb::OrchestrateRequest {
        request_id: String::new(),
        spec: Some(spec(vec![mock(
            "slow",
            &[],
            json!({"delay_ms": 15_000, "output": "too late"}),
        )])),
    });
    request.set_timeout(Duration::from_secs(4));
    let mut events = orchestrator
        .orchestrate(request)
        .await
        .expect("Orchestrate")
        .into_inner();
    let mut seen = Vec::new();
    while !slow_running(&seen) {
        let message = events.message().await.expect("a healthy stream");
        seen.push(
            message
                .expect("the stream goes on")
                .event
                .expect("an event"),
        );
    }
    let id = seen[0].orchestration_id.clone();
    let data_dir = first.kill().await;
    drop(events);

    let second = ServerProcess::start_in(data_dir, &args, &[] as &[(&str, &str)]).await;
    let mut orchestrator = client(&second).await;
    let rest = tokio::time::timeout(
        Duration::from_secs(12),
        common::plans::replay(&mut orchestrator, &id),
    )
    .await
    .expect("cancelled near the caller's deadline, long before the task could finish");
    let result = completed(&rest);
    assert_eq!(
        result.state(),
        pb::OrchestrationState::Cancelled,
        "{result:?}"
    );
    assert!(result.error.contains("deadline"), "{result:?}");
    assert!(common::plans::was_resumed(&rest), "it was resumed");
}

/// A log that completed while its record did not follow (the store refused the record's copy of
/// the result, or the server stopped in between): whoever takes the lease over settles the
/// record from the log instead of leaving it RUNNING for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_log_whose_record_lagged_is_settled_on_takeover() {
    use std::sync::Arc;

    use chrono::Utc;
    use orchestrator::model::TenantId;
    use orchestrator::model::event::{Event, EventKind};
    use orchestrator::model::orchestration::{OrchestrationResult, OrchestrationState};
    use orchestrator::store::sqlite::SqliteStore;
    use orchestrator::store::{
        LeaseClaim, LogBatch, LogStore, OrchestrationRecord, OrchestrationStore,
    };

    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let tenant = TenantId::default_tenant();
    {
        let store = SqliteStore::open(data_dir.path()).await.unwrap();
        let now = Utc::now();
        let record = OrchestrationRecord {
            state: OrchestrationState::Running,
            ..OrchestrationRecord::new(tenant.clone(), "orch-lagged", None, Default::default(), now)
        };
        // Its server is gone: its heartbeat lapsed.
        let claim = LeaseClaim {
            owner: "gone".into(),
            heartbeat_until: now - chrono::TimeDelta::seconds(1),
        };
        store.create_orchestration(record, &claim).await.unwrap();
        let mut result = OrchestrationResult::empty(
            "orch-lagged",
            "",
            OrchestrationState::Approved,
            now,
            Default::default(),
        );
        result.output = "the answer".into();
        let completed = Event {
            orchestration_id: "orch-lagged".into(),
            sequence: 1,
            time: now,
            kind: EventKind::Completed {
                result: Box::new(result),
            },
        };
        store
            .write_log(&LogBatch {
                owner: "gone".into(),
                events: vec![(tenant.clone(), Arc::new(completed))],
                ..LogBatch::default()
            })
            .await
            .unwrap();
    }

    let server = common::TestServer::start_in(Default::default(), data_dir).await;
    let result = server
        .wait_until("default", "orch-lagged", |r| {
            r.state() == pb::OrchestrationState::Approved
        })
        .await;
    assert_eq!(result.output, "the answer", "the result comes from the log");
}

/// A server restarted on the same store after kill -9 sees that the owner of the leases is
/// gone and resumes at once, without waiting out a 30 s lease: on SQLite, its lock file in the
/// data dir is no longer held; on Cosmos DB, the restarted server runs on the same host
/// (`HOSTNAME`, the pod's name), which runs one process at a time, so it expires the heartbeat
/// of the process before it.
async fn a_restart_on_the_same_store_resumes_at_once(backend: Backend) {
    let config_dir = tempfile::tempdir().unwrap();
    let settings = lease_settings(config_dir.path(), "30s");
    let args = ["--config", settings.to_str().unwrap()];
    let mut env = backend.env.clone();
    env.push(("HOSTNAME".into(), "orchestrator-0".into()));

    let first = ServerProcess::start_with_env(&args, &env).await;
    let mut orchestrator = client(&first).await;
    let id = orchestrator
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: "at-once".into(),
            spec: Some(spec(vec![mock(
                "slow",
                &[],
                json!({"delay_ms": 60_000, "output": "slow part"}),
            )])),
        })
        .await
        .expect("submit")
        .into_inner()
        .orchestration_id;
    let mut events = stream_status(&mut orchestrator, &id, 0).await;
    let mut seen = Vec::new();
    while !slow_running(&seen) {
        let message = events.message().await.expect("a healthy stream");
        seen.push(
            message
                .expect("the stream goes on")
                .event
                .expect("an event"),
        );
    }
    let last_seen = seen.last().map_or(0, |e| e.sequence);
    let data_dir = first.kill().await;
    drop(events);

    let restarted = tokio::time::Instant::now();
    let second = ServerProcess::start_in(data_dir, &args, &env).await;
    let mut orchestrator = client(&second).await;
    let mut events = stream_status(&mut orchestrator, &id, last_seen).await;
    let mut rest = Vec::new();
    while !slow_running(&rest) {
        let message = tokio::time::timeout(Duration::from_secs(20), events.message())
            .await
            .expect("resumed before the 30 s lease could expire")
            .expect("a healthy stream");
        rest.push(
            message
                .expect("the stream goes on")
                .event
                .expect("an event"),
        );
    }
    let took = restarted.elapsed();
    eprintln!("the interrupted task ran again {took:?} after the restart began");
    assert!(common::plans::was_resumed(&rest), "{rest:?}");
    assert!(
        took < Duration::from_secs(20),
        "resumed after {took:?}: the dead owner's lease was waited out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_sqlite_data_resumes_at_once() {
    a_restart_on_the_same_store_resumes_at_once(sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_cosmos_store_resumes_at_once() {
    a_restart_on_the_same_store_resumes_at_once(cosmos()).await;
}
