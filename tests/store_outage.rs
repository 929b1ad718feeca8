//! A store outage, made by stopping the Cosmos peer's listener and starting it again: health
//! turns NOT_SERVING, new orchestrations get UNAVAILABLE, the running one keeps its events
//! queued, and everything is written (and streamed, gapless) once the store is back. A store
//! unreachable at start-up is waited for the same way.

mod common;

use std::time::{Duration, Instant};

use common::cosmos_peer::CosmosPeer;
use common::plans::{
    assert_gapless, completed, quick_slow_final, replay, stream_status, submit, task_updates,
};
use common::process::ServerProcess;
use orchestrator::api::pb;
use pb::orchestrator_service_client::OrchestratorServiceClient;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

async fn health(client: &mut HealthClient<Channel>) -> ServingStatus {
    client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health answers whatever the store does")
        .into_inner()
        .status()
}

/// Polls health until it reports `wanted`; panics after `bound`.
async fn health_becomes(
    client: &mut HealthClient<Channel>,
    wanted: ServingStatus,
    bound: Duration,
) {
    let started = Instant::now();
    loop {
        if health(client).await == wanted {
            return;
        }
        assert!(
            started.elapsed() < bound,
            "health did not become {wanted:?} within {bound:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_refuses_new_work_and_loses_nothing_of_the_running() {
    let peer = CosmosPeer::start();
    let mut env = peer.server_env(&format!("outage-{}", uuid::Uuid::now_v7().simple()));
    env.push(("ORCHESTRATOR_STORAGE__LEASE_DURATION".into(), "2s".into()));
    let server = ServerProcess::start_with_env(&[], &env).await;
    let channel = common::connect(server.addr).await;
    let mut orchestrator = OrchestratorServiceClient::new(channel.clone());
    let mut health_client = HealthClient::new(channel);
    assert_eq!(health(&mut health_client).await, ServingStatus::Serving);

    let id = submit(&mut orchestrator, quick_slow_final(1500)).await;
    let mut stream = stream_status(&mut orchestrator, &id, 0).await;
    let mut events = Vec::new();
    // Until the slow task runs: the rest of the run happens during the outage.
    loop {
        let event = stream.message().await.unwrap().unwrap().event.unwrap();
        events.push(event);
        if task_updates(&events)
            .iter()
            .any(|(t, s, _)| t == "slow" && *s == pb::TaskState::Running)
        {
            break;
        }
    }

    peer.go_down();
    health_becomes(
        &mut health_client,
        ServingStatus::NotServing,
        Duration::from_secs(10),
    )
    .await;
    let refused = orchestrator
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(quick_slow_final(1500)),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    // Long enough for the run to end while the store is away (and for the lease to expire).
    tokio::time::sleep(Duration::from_secs(3)).await;

    peer.come_back();
    health_becomes(
        &mut health_client,
        ServingStatus::Serving,
        Duration::from_secs(15),
    )
    .await;
    // The stream goes on where it was: every event written, in order, none lost.
    while let Some(message) = tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("events once the store is back")
        .expect("a healthy stream")
    {
        events.push(message.event.unwrap());
    }
    assert_gapless(&events, 1);
    assert_eq!(
        completed(&events).state(),
        pb::OrchestrationState::Approved,
        "{:?}",
        completed(&events)
    );
    // And it is in the store: a replay from the start equals what was streamed.
    assert_eq!(replay(&mut orchestrator, &id).await, events);

    // New work is accepted again.
    orchestrator
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(quick_slow_final(1500)),
        })
        .await
        .expect("accepted after the outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_unreachable_at_start_up_is_waited_for_not_fatal() {
    let peer = CosmosPeer::start();
    peer.go_down();
    let env = peer.server_env(&format!("late-{}", uuid::Uuid::now_v7().simple()));
    // It serves (health, and UNAVAILABLE for work) instead of exiting.
    let server = ServerProcess::start_with_env(&[], &env).await;
    let channel = common::connect(server.addr).await;
    let mut orchestrator = OrchestratorServiceClient::new(channel.clone());
    let mut health_client = HealthClient::new(channel);
    assert_eq!(health(&mut health_client).await, ServingStatus::NotServing);
    let refused = orchestrator
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(quick_slow_final(10)),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");

    peer.come_back();
    // Its attempts back off from 1 s; the peer was down for about 2.
    health_becomes(
        &mut health_client,
        ServingStatus::Serving,
        Duration::from_secs(30),
    )
    .await;
    let id = submit(&mut orchestrator, quick_slow_final(10)).await;
    let events = replay(&mut orchestrator, &id).await;
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
}

/// What the account refuses is not an outage: a database that does not exist, when the server
/// may not create it, stops the server at once with the reason.
#[test]
fn a_database_that_does_not_exist_stops_the_server() {
    let peer = CosmosPeer::start();
    let mut child = std::process::Command::new(common::process::BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .envs(peer.server_env("never-created"))
        .env("ORCHESTRATOR_STORAGE__COSMOS__CREATE_CONTAINERS", "false")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the binary");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the server") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the server kept running (waiting for the store?) instead of stopping");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("read stderr");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("404"), "{stderr}");
}
