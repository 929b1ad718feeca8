//! Two server processes on one Cosmos DB store: one request id makes one orchestration whichever
//! replica gets it; an orchestration submitted to A is followed and fetched on B; when A is
//! killed, B takes over its lease and finishes it; when A is paused past its lease, B takes over
//! and A, woken, cannot write after the takeover; criteria changed on A apply on B within the
//! cache TTL.

mod common;

use std::time::{Duration, Instant};

use common::cosmos_peer::CosmosPeer;
use common::plans::{assert_gapless, collect, completed, in_tenant, quick_slow_final};
use common::process::ServerProcess;
use orchestrator::api::pb;
use pb::evaluate_review_request::CriteriaSource;
use pb::orchestrator_service_client::OrchestratorServiceClient;
use pb::review_criteria_service_client::ReviewCriteriaServiceClient;
use tonic::transport::Channel;

struct Replicas {
    a: ServerProcess,
    b: ServerProcess,
    _peer: CosmosPeer,
}

/// Two replicas on a fresh database, with a short lease and a short criteria cache.
async fn replicas() -> Replicas {
    let peer = CosmosPeer::start();
    let mut env = peer.server_env(&format!("replicas-{}", uuid::Uuid::now_v7().simple()));
    env.push(("ORCHESTRATOR_STORAGE__LEASE_DURATION".into(), "1s".into()));
    env.push((
        "ORCHESTRATOR_REVIEW__CRITERIA_CACHE_TTL".into(),
        "1s".into(),
    ));
    let a = ServerProcess::start_with_env(&[], &env).await;
    let b = ServerProcess::start_with_env(&[], &env).await;
    Replicas { a, b, _peer: peer }
}

async fn orchestrator(server: &ServerProcess) -> OrchestratorServiceClient<Channel> {
    OrchestratorServiceClient::new(common::connect(server.addr).await)
}

async fn criteria(server: &ServerProcess) -> ReviewCriteriaServiceClient<Channel> {
    ReviewCriteriaServiceClient::new(common::connect(server.addr).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_b_follows_and_fetches_and_finishes_what_a_started() {
    let Replicas { a, mut b, _peer } = replicas().await;
    let (mut on_a, mut on_b) = (orchestrator(&a).await, orchestrator(&b).await);

    // The same request id sent to both replicas at once makes exactly one orchestration.
    let submit = |mut client: OrchestratorServiceClient<Channel>| async move {
        client
            .submit_orchestration(pb::SubmitOrchestrationRequest {
                request_id: "one-request".into(),
                spec: Some(quick_slow_final(2500)),
            })
            .await
            .expect("submit")
            .into_inner()
    };
    let (first, second) = tokio::join!(submit(on_a.clone()), submit(on_b.clone()));
    assert_eq!(first.orchestration_id, second.orchestration_id);
    assert_eq!(
        u8::from(first.created) + u8::from(second.created),
        1,
        "exactly one created: {first:?} {second:?}"
    );
    let id = first.orchestration_id;
    // A later call, to either replica, gets it back.
    let later = submit(on_b.clone()).await;
    assert_eq!(
        (later.orchestration_id.as_str(), later.created),
        (id.as_str(), false)
    );

    // That one runs on whichever replica won the race. To kill the runner for certain, follow
    // a second orchestration, submitted to A.
    let submitted = on_a
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(quick_slow_final(2500)),
        })
        .await
        .unwrap()
        .into_inner();
    let on_a_id = submitted.orchestration_id;

    // B follows and fetches what A runs (it tails the store).
    let stream = common::plans::stream_status(&mut on_b, &on_a_id, 0).await;
    let following = tokio::spawn(collect(stream, |m: pb::StreamStatusResponse| m.event));
    let fetched = on_b
        .get_orchestration(pb::GetOrchestrationRequest {
            orchestration_id: on_a_id.clone(),
            ..Default::default()
        })
        .await
        .expect("B fetches it")
        .into_inner()
        .orchestration
        .unwrap();
    assert!(
        matches!(
            fetched.state(),
            pb::OrchestrationState::Pending | pb::OrchestrationState::Running
        ),
        "{fetched:?}"
    );

    // Kill A while the slow task runs: B takes the lease over once it expires, and finishes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(on_a);
    let killed_at = Instant::now();
    let _ = a.kill().await;
    let events = tokio::time::timeout(Duration::from_secs(30), following)
        .await
        .expect("B's stream ends")
        .expect("the follower task");
    assert_gapless(&events, 1);
    let result = completed(&events);
    assert_eq!(
        result.state(),
        pb::OrchestrationState::Approved,
        "{result:?}"
    );
    assert!(common::plans::was_resumed(&events), "B resumed it");
    let took_over = b
        .wait_for_log(|entry| {
            entry["message"] == "taking over an orchestration whose server stopped"
                && entry["orchestration_id"] == on_a_id.as_str()
        })
        .await;
    assert!(took_over["previous_owner"].is_string());
    assert!(
        killed_at.elapsed() < Duration::from_secs(25),
        "taken over in {:?}",
        killed_at.elapsed()
    );

    // The orchestration of the shared request id finished too, wherever it ran.
    let replay = common::plans::replay(&mut on_b, &id).await;
    assert_gapless(&replay, 1);
    assert_eq!(completed(&replay).state(), pb::OrchestrationState::Approved);
}

/// A replica paused past its lease (a long GC pause, a frozen VM) loses its orchestration to
/// the other; woken, it still has the slow task's success to write, and the store refuses it:
/// the log B finished stays as B left it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_paused_past_its_lease_cannot_write_after_the_takeover() {
    let Replicas {
        mut a,
        mut b,
        _peer,
    } = replicas().await;
    let (mut on_a, mut on_b) = (orchestrator(&a).await, orchestrator(&b).await);
    let id = on_a
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(quick_slow_final(2500)),
        })
        .await
        .expect("submit")
        .into_inner()
        .orchestration_id;
    common::plans::poll_until(&mut on_b, &id, "the slow task running", |result| {
        common::plans::task_in(result, "slow", pb::TaskState::Running)
    })
    .await;
    let stream = common::plans::stream_status(&mut on_b, &id, 0).await;
    let following = tokio::spawn(collect(stream, |m: pb::StreamStatusResponse| m.event));

    a.signal("STOP");
    let events = tokio::time::timeout(Duration::from_secs(30), following)
        .await
        .expect("B finishes it")
        .expect("the follower task");
    assert_gapless(&events, 1);
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
    assert!(common::plans::was_resumed(&events), "B resumed it");
    b.wait_for_log(|entry| {
        entry["message"] == "taking over an orchestration whose server stopped"
            && entry["orchestration_id"] == id.as_str()
    })
    .await;
    let finished = common::plans::replay(&mut on_b, &id).await;

    // A wakes past the slow task's end and writes its success: refused, and A stops the run.
    a.signal("CONT");
    a.wait_for_log(|entry| {
        entry["message"] == "stopped running here: another server took the orchestration over"
            && entry["orchestration_id"] == id.as_str()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        common::plans::replay(&mut on_b, &id).await,
        finished,
        "nothing A said after the takeover is in the log"
    );
    drop(on_a);
}

const REPORT: &str = "## Summary\nAll good.\n";

async fn version_seen(client: &mut ReviewCriteriaServiceClient<Channel>) -> u64 {
    client
        .evaluate_review(in_tenant(
            "acme",
            pb::EvaluateReviewRequest {
                output: REPORT.into(),
                criteria_source: Some(CriteriaSource::ReviewCriteriaId("live".into())),
                tasks: Vec::new(),
            },
        ))
        .await
        .expect("evaluate")
        .into_inner()
        .decision
        .expect("a decision")
        .review_criteria_version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn criteria_updated_on_a_apply_on_b_within_the_cache_ttl() {
    let Replicas { a, b, _peer } = replicas().await;
    let (mut on_a, mut on_b) = (criteria(&a).await, criteria(&b).await);
    let created = on_a
        .create_review_criteria(in_tenant(
            "acme",
            pb::CreateReviewCriteriaRequest {
                criteria: Some(pb::ReviewCriteria {
                    id: "live".into(),
                    required_sections: vec!["Summary".into()],
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("create on A")
        .into_inner()
        .criteria
        .expect("the created criteria");
    assert_eq!(version_seen(&mut on_b).await, 1, "B reads what A wrote");

    let mut change = created;
    change.required_sections = vec!["Summary".into(), "Risks".into()];
    on_a.update_review_criteria(in_tenant(
        "acme",
        pb::UpdateReviewCriteriaRequest {
            criteria: Some(change),
        },
    ))
    .await
    .expect("update on A");
    let updated_at = Instant::now();
    assert_eq!(version_seen(&mut on_a).await, 2, "A sees its write at once");
    // B may serve version 1 until its cached copy expires (1 s here), not much longer.
    loop {
        let seen = version_seen(&mut on_b).await;
        if seen == 2 {
            break;
        }
        assert_eq!(seen, 1);
        assert!(
            updated_at.elapsed() < Duration::from_secs(10),
            "B still serves version 1 long after the TTL"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
