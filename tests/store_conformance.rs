//! The storage contract, run against every backend: each test is written once against the
//! traits and instantiated per backend by `conformance!`.

use std::sync::Arc;

use chrono::Utc;
use orchestrator::model::event::{Event, EventKind};
use orchestrator::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use orchestrator::model::plan::OrchestrationSpec;
use orchestrator::model::{ReviewCriteria, ReviewDecision, TenantId, Verdict};
use orchestrator::store::cosmos::{CosmosAuth, CosmosConfig, CosmosStore};
use orchestrator::store::sqlite::SqliteStore;
use orchestrator::store::{
    Heartbeat, LeaseClaim, LogBatch, OrchestrationRecord, PageRequest, StateUpdate, Store,
    StoreError,
};

trait Backend: Store {}
impl<T: Store> Backend for T {}

#[allow(dead_code)] // each test binary uses part of it
#[path = "common/cosmos_peer.rs"]
mod cosmos_peer;

/// A fresh, empty store of one backend, and what keeps it alive.
struct Fixture {
    store: Arc<dyn Backend>,
    _keep: Option<tempfile::TempDir>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    Fixture {
        store: Arc::new(store),
        _keep: Some(dir),
    }
}

/// One peer for the whole test binary (it exits with the process); a fresh database per test.
fn peer() -> &'static cosmos_peer::CosmosPeer {
    static PEER: std::sync::OnceLock<cosmos_peer::CosmosPeer> = std::sync::OnceLock::new();
    PEER.get_or_init(cosmos_peer::CosmosPeer::start)
}

async fn cosmos() -> Fixture {
    let peer = peer();
    let store = CosmosStore::connect(&CosmosConfig {
        endpoint: peer.endpoint.clone(),
        auth: CosmosAuth::Key(peer.key.clone()),
        database: format!("conformance-{}", uuid::Uuid::now_v7().simple()),
        create_containers: true,
        http2: false,
        binary_encoding: false,
    })
    .await
    .expect("connect to the cosmos peer");
    Fixture {
        store: Arc::new(store),
        _keep: None,
    }
}

fn tenant(name: &str) -> TenantId {
    TenantId::new(name).unwrap()
}

fn criteria(id: &str) -> ReviewCriteria {
    ReviewCriteria {
        required_sections: vec!["Summary".into()],
        ..ReviewCriteria::empty(id)
    }
}

fn decision(id: &str) -> ReviewDecision {
    ReviewDecision {
        decision_id: id.into(),
        verdict: Verdict::Approved,
        confidence: 1.0,
        issues: Vec::new(),
        feedback: String::new(),
        redactions: Vec::new(),
        action: None,
        criteria_id: "strict".into(),
        criteria_version: 3,
        reviewer: "rules".into(),
        create_time: Utc::now(),
        run: 1,
    }
}

async fn create_stamps_version_one_and_times(store: Arc<dyn Backend>) {
    let before = Utc::now();
    let mut input = criteria("a");
    input.version = 42; // the caller's version is not the store's
    let created = store.create_criteria(&tenant("t"), input).await.unwrap();
    assert_eq!(created.version, 1);
    assert!(created.create_time >= before);
    assert_eq!(created.create_time, created.update_time);
    let read = store
        .get_criteria(&tenant("t"), "a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, created);
}

async fn create_twice_is_already_exists(store: Arc<dyn Backend>) {
    store
        .create_criteria(&tenant("t"), criteria("a"))
        .await
        .unwrap();
    let error = store
        .create_criteria(&tenant("t"), criteria("a"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::AlreadyExists { .. }),
        "{error:?}"
    );
}

async fn get_missing_is_none(store: Arc<dyn Backend>) {
    assert_eq!(
        store.get_criteria(&tenant("t"), "nope").await.unwrap(),
        None
    );
}

async fn tenants_never_see_each_other(store: Arc<dyn Backend>) {
    store
        .create_criteria(&tenant("one"), criteria("a"))
        .await
        .unwrap();
    assert_eq!(store.get_criteria(&tenant("two"), "a").await.unwrap(), None);
    store
        .create_criteria(&tenant("two"), criteria("a"))
        .await
        .unwrap();
    let page = store
        .list_criteria(
            &tenant("two"),
            PageRequest {
                size: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let error = store
        .delete_criteria(&tenant("three"), "a", None)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }));
    let mut stranger = criteria("a");
    stranger.version = 1;
    let error = store
        .update_criteria(&tenant("three"), stranger)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }));
    store
        .put_decision(&tenant("one"), Some("orch-1"), &decision("d1"))
        .await
        .unwrap();
    assert_eq!(
        store.get_decision(&tenant("two"), "d1").await.unwrap(),
        None
    );
}

async fn list_pages_in_id_order(store: Arc<dyn Backend>) {
    for id in ["c", "a", "e", "b", "d"] {
        store
            .create_criteria(&tenant("t"), criteria(id))
            .await
            .unwrap();
    }
    let first = store
        .list_criteria(
            &tenant("t"),
            PageRequest {
                size: 2,
                after: None,
            },
        )
        .await
        .unwrap();
    let ids: Vec<_> = first.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(first.next_after.as_deref(), Some("b"));
    let second = store
        .list_criteria(
            &tenant("t"),
            PageRequest {
                size: 2,
                after: first.next_after,
            },
        )
        .await
        .unwrap();
    let last = store
        .list_criteria(
            &tenant("t"),
            PageRequest {
                size: 2,
                after: second.next_after.clone(),
            },
        )
        .await
        .unwrap();
    let ids: Vec<_> = second
        .items
        .iter()
        .chain(&last.items)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["c", "d", "e"]);
    assert_eq!(
        last.next_after, None,
        "an exactly full last page has no next"
    );
    let empty = store
        .list_criteria(
            &tenant("empty"),
            PageRequest {
                size: 2,
                after: None,
            },
        )
        .await
        .unwrap();
    assert!(empty.items.is_empty() && empty.next_after.is_none());
}

async fn update_needs_the_stored_version(store: Arc<dyn Backend>) {
    let created = store
        .create_criteria(&tenant("t"), criteria("a"))
        .await
        .unwrap();
    let mut change = created.clone();
    change.display_name = "v2".into();
    let updated = store
        .update_criteria(&tenant("t"), change.clone())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.create_time, created.create_time);
    assert!(updated.update_time >= created.update_time);
    let error = store
        .update_criteria(&tenant("t"), change)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        StoreError::VersionConflict {
            kind: "review criteria",
            id: "a".into(),
            expected: 1,
            actual: 2
        }
    );
    assert_eq!(
        store
            .get_criteria(&tenant("t"), "a")
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "v2"
    );
}

async fn concurrent_writers_of_one_version_have_one_winner(store: Arc<dyn Backend>) {
    let created = store
        .create_criteria(&tenant("t"), criteria("a"))
        .await
        .unwrap();
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let mut change = created.clone();
            change.display_name = format!("writer {i}");
            tokio::spawn(async move { store.update_criteria(&tenant("t"), change).await })
        })
        .collect();
    let mut winners = 0;
    for writer in writers {
        match writer.await.unwrap() {
            Ok(updated) => {
                winners += 1;
                assert_eq!(updated.version, 2);
            }
            Err(error) => assert!(
                matches!(error, StoreError::VersionConflict { .. }),
                "{error:?}"
            ),
        }
    }
    assert_eq!(winners, 1);
}

async fn delete_checks_the_version_when_given(store: Arc<dyn Backend>) {
    store
        .create_criteria(&tenant("t"), criteria("a"))
        .await
        .unwrap();
    let error = store
        .delete_criteria(&tenant("t"), "a", Some(2))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        StoreError::VersionConflict { actual: 1, .. }
    ));
    store
        .delete_criteria(&tenant("t"), "a", Some(1))
        .await
        .unwrap();
    assert_eq!(store.get_criteria(&tenant("t"), "a").await.unwrap(), None);
    let error = store
        .delete_criteria(&tenant("t"), "a", None)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }));
}

async fn decisions_are_written_once_and_read_back(store: Arc<dyn Backend>) {
    let written = decision("d1");
    store
        .put_decision(&tenant("t"), Some("orch-1"), &written)
        .await
        .unwrap();
    assert_eq!(
        store.get_decision(&tenant("t"), "d1").await.unwrap(),
        Some(written.clone())
    );
    let error = store
        .put_decision(&tenant("t"), None, &written)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::AlreadyExists { .. }));
    assert_eq!(store.get_decision(&tenant("t"), "d2").await.unwrap(), None);
}

fn claim() -> LeaseClaim {
    LeaseClaim {
        owner: "server-a".into(),
        heartbeat_until: Utc::now() + chrono::Duration::seconds(30),
    }
}

async fn create_result(
    store: &Arc<dyn Backend>,
    record: OrchestrationRecord,
) -> Result<(OrchestrationRecord, bool), StoreError> {
    let id = record.orchestration_id.clone();
    let outcome = store.create_orchestration(record, &claim()).await?;
    // A new orchestration comes with its lease; an existing one without.
    match &outcome.lease {
        Some(lease) => {
            assert!(outcome.created);
            assert_eq!(
                (lease.orchestration_id.as_str(), lease.owner.as_str()),
                (id.as_str(), "server-a")
            );
        }
        None => assert!(!outcome.created),
    }
    Ok((outcome.record, outcome.created))
}

async fn create(
    store: &Arc<dyn Backend>,
    record: OrchestrationRecord,
) -> (OrchestrationRecord, bool) {
    create_result(store, record).await.unwrap()
}

fn record(tenant_name: &str, id: &str, request_id: Option<&str>) -> OrchestrationRecord {
    let spec = OrchestrationSpec {
        input: "q".into(),
        ..OrchestrationSpec::default()
    };
    OrchestrationRecord::new(
        tenant(tenant_name),
        id,
        request_id.map(str::to_owned),
        spec,
        Utc::now(),
    )
}

fn event(id: &str, sequence: u64, state: OrchestrationState) -> Arc<Event> {
    Arc::new(Event {
        orchestration_id: id.into(),
        sequence,
        time: Utc::now(),
        kind: EventKind::StateChanged {
            state,
            reason: format!("step {sequence}"),
        },
    })
}

fn state(tenant_name: &str, id: &str, state: OrchestrationState, sequence: u64) -> StateUpdate {
    StateUpdate {
        tenant: tenant(tenant_name),
        orchestration_id: id.into(),
        state,
        last_sequence: sequence,
        result: None,
        escalated_output: None,
    }
}

async fn orchestrations_are_created_once_per_request_id(store: Arc<dyn Backend>) {
    let deadline = Utc::now() + chrono::TimeDelta::seconds(30);
    let (created, fresh) = create(
        &store,
        OrchestrationRecord {
            deadline: Some(deadline),
            ..record("t", "o1", Some("r1"))
        },
    )
    .await;
    assert!(fresh);
    assert_eq!(created.orchestration_id, "o1");
    let (existing, fresh) = create(&store, record("t", "o2", Some("r1"))).await;
    assert!(!fresh, "the request id names o1 already");
    assert_eq!(existing.orchestration_id, "o1");
    assert_eq!(
        store.get_orchestration(&tenant("t"), "o2").await.unwrap(),
        None
    );
    let (other, fresh) = create(&store, record("u", "o3", Some("r1"))).await;
    assert!(fresh, "request ids are per tenant");
    assert_eq!(other.orchestration_id, "o3");
    let found = store
        .find_by_request_id(&tenant("t"), "r1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.orchestration_id, "o1");
    assert_eq!(found.spec.input, "q");
    assert_eq!(
        found.deadline,
        Some(deadline),
        "the caller's deadline is kept"
    );
    assert_eq!(
        store.find_by_request_id(&tenant("t"), "r9").await.unwrap(),
        None
    );
    // Without a request id, every create is new.
    let (no_deadline, _) = create(&store, record("t", "o4", None)).await;
    assert_eq!(no_deadline.deadline, None);
    let (_, fresh) = create(&store, record("t", "o5", None)).await;
    assert!(fresh);
}

async fn concurrent_creates_of_one_request_id_make_one(store: Arc<dyn Backend>) {
    let creators: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                create_result(&store, record("t", &format!("o{i}"), Some("same"))).await
            })
        })
        .collect();
    let mut ids = Vec::new();
    let mut fresh = 0;
    for creator in creators {
        let (record, created) = creator.await.unwrap().unwrap();
        fresh += usize::from(created);
        ids.push(record.orchestration_id);
    }
    assert_eq!(fresh, 1);
    assert!(ids.iter().all(|id| id == &ids[0]));
}

async fn the_log_writes_events_states_and_decisions_together(store: Arc<dyn Backend>) {
    create(&store, record("t", "o1", None)).await;
    let mut decided = decision("d1");
    decided.verdict = Verdict::Rejected;
    store
        .write_log(&LogBatch {
            owner: "server-a".into(),
            events: (1..=3)
                .map(|n| (tenant("t"), event("o1", n, OrchestrationState::Running)))
                .collect(),
            states: vec![StateUpdate {
                escalated_output: Some(Some("## t\n\n[EMAIL]\n".into())),
                ..state("t", "o1", OrchestrationState::AwaitingHuman, 3)
            }],
            decisions: vec![(tenant("t"), "o1".into(), decided.clone())],
            checkpoints: Vec::new(),
            released_leases: Vec::new(),
        })
        .await
        .unwrap();
    let stored = store
        .get_orchestration(&tenant("t"), "o1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, OrchestrationState::AwaitingHuman);
    assert_eq!(stored.last_sequence, 3);
    assert_eq!(
        stored.escalated_output.as_deref(),
        Some("## t\n\n[EMAIL]\n")
    );
    assert_eq!(
        store.get_decision(&tenant("t"), "d1").await.unwrap(),
        Some(decided)
    );

    let events = store.read_events(&tenant("t"), "o1", 0, 100).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        events[1].kind,
        EventKind::StateChanged {
            state: OrchestrationState::Running,
            reason: "step 2".into()
        },
        "events come back as written"
    );
    let tail = store.read_events(&tenant("t"), "o1", 1, 1).await.unwrap();
    assert_eq!(tail.iter().map(|e| e.sequence).collect::<Vec<_>>(), [2]);
    assert!(
        store
            .read_events(&tenant("u"), "o1", 0, 100)
            .await
            .unwrap()
            .is_empty(),
        "tenant-scoped"
    );

    // Completion stores the result and clears the escalated output.
    let mut result = OrchestrationResult {
        orchestration_id: "o1".into(),
        request_id: String::new(),
        state: OrchestrationState::Rejected,
        tasks: Vec::new(),
        output: String::new(),
        review: None,
        criteria_id: "c".into(),
        criteria_version: 1,
        decision_id: "d1".into(),
        create_time: stored.create_time,
        end_time: Some(Utc::now()),
        total_duration: None,
        runs: 1,
        error: None,
        labels: Default::default(),
    };
    result.labels.insert("team".into(), "blue".into());
    store
        .write_log(&LogBatch {
            owner: "server-a".into(),
            events: vec![(tenant("t"), event("o1", 4, OrchestrationState::Rejected))],
            states: vec![StateUpdate {
                result: Some(Box::new(result.clone())),
                escalated_output: Some(None),
                ..state("t", "o1", OrchestrationState::Rejected, 4)
            }],
            decisions: Vec::new(),
            checkpoints: Vec::new(),
            released_leases: Vec::new(),
        })
        .await
        .unwrap();
    let done = store
        .get_orchestration(&tenant("t"), "o1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.state, OrchestrationState::Rejected);
    assert_eq!(done.result, Some(result));
    assert_eq!(done.escalated_output, None);

    // A sequence is written once: writing a batch again after an error is harmless, and the
    // first write of a sequence stands.
    store
        .write_log(&LogBatch {
            owner: "server-a".into(),
            events: vec![
                (tenant("t"), event("o1", 4, OrchestrationState::Running)),
                (tenant("t"), event("o1", 5, OrchestrationState::Running)),
            ],
            ..LogBatch::default()
        })
        .await
        .unwrap();
    let tail = store.read_events(&tenant("t"), "o1", 3, 100).await.unwrap();
    assert_eq!(tail.iter().map(|e| e.sequence).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(
        tail[0].kind,
        EventKind::StateChanged {
            state: OrchestrationState::Rejected,
            reason: "step 4".into()
        },
        "the first write of sequence 4 stands"
    );
}

async fn orchestrations_list_newest_first_by_state(store: Arc<dyn Backend>) {
    // Ids sort by creation time in the service (UUIDv7); plain sorted ids stand in here.
    for (id, final_state) in [
        ("o1", OrchestrationState::Approved),
        ("o2", OrchestrationState::Rejected),
        ("o3", OrchestrationState::Approved),
        ("o4", OrchestrationState::Running),
    ] {
        create(&store, record("t", id, None)).await;
        store
            .write_log(&LogBatch {
                owner: "server-a".into(),
                events: Vec::new(),
                states: vec![state("t", id, final_state, 1)],
                decisions: Vec::new(),
                checkpoints: Vec::new(),
                released_leases: Vec::new(),
            })
            .await
            .unwrap();
    }
    create(&store, record("u", "o9", None)).await;
    let first = store
        .list_orchestrations(
            &tenant("t"),
            &[],
            PageRequest {
                size: 3,
                after: None,
            },
        )
        .await
        .unwrap();
    let ids: Vec<&str> = first
        .items
        .iter()
        .map(|r| r.orchestration_id.as_str())
        .collect();
    assert_eq!(ids, ["o4", "o3", "o2"]);
    let rest = store
        .list_orchestrations(
            &tenant("t"),
            &[],
            PageRequest {
                size: 3,
                after: first.next_after,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        rest.items
            .iter()
            .map(|r| r.orchestration_id.as_str())
            .collect::<Vec<_>>(),
        ["o1"]
    );
    assert_eq!(rest.next_after, None);
    let approved = store
        .list_orchestrations(
            &tenant("t"),
            &[OrchestrationState::Approved],
            PageRequest {
                size: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        approved
            .items
            .iter()
            .map(|r| r.orchestration_id.as_str())
            .collect::<Vec<_>>(),
        ["o3", "o1"]
    );
    let either = store
        .list_orchestrations(
            &tenant("t"),
            &[OrchestrationState::Rejected, OrchestrationState::Running],
            PageRequest {
                size: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(either.items.len(), 2);
}

fn checkpoint(run: u32, task_id: &str, output: &str) -> TaskCheckpoint {
    TaskCheckpoint {
        run,
        task_id: task_id.into(),
        output: output.into(),
        output_truncated: false,
        attempts: 1,
        confidence: Some(0.5),
        usage: None,
        start_time: Some(Utc::now()),
        end_time: Some(Utc::now()),
        duration: Some(std::time::Duration::from_millis(1500)),
    }
}

async fn checkpoints_are_kept_per_run(store: Arc<dyn Backend>) {
    create(&store, record("t", "o1", None)).await;
    store
        .write_log(&LogBatch {
            owner: "server-a".into(),
            checkpoints: vec![
                (tenant("t"), "o1".into(), checkpoint(1, "a", "first a")),
                (tenant("t"), "o1".into(), checkpoint(1, "b", "first b")),
                (tenant("t"), "o1".into(), checkpoint(2, "a", "second a")),
            ],
            events: vec![(tenant("t"), event("o1", 1, OrchestrationState::Running))],
            ..LogBatch::default()
        })
        .await
        .unwrap();
    let mut first = store.read_checkpoints(&tenant("t"), "o1", 1).await.unwrap();
    first.sort_by(|x, y| x.task_id.cmp(&y.task_id));
    assert_eq!(
        first,
        [
            checkpoint_like(&first[0], 1, "a", "first a"),
            checkpoint_like(&first[1], 1, "b", "first b")
        ]
    );
    let second = store.read_checkpoints(&tenant("t"), "o1", 2).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].output, "second a");
    assert_eq!(
        second[0].duration,
        Some(std::time::Duration::from_millis(1500))
    );
    assert!(
        store
            .read_checkpoints(&tenant("u"), "o1", 1)
            .await
            .unwrap()
            .is_empty(),
        "tenant-scoped"
    );
    assert!(
        store
            .read_checkpoints(&tenant("t"), "o1", 3)
            .await
            .unwrap()
            .is_empty()
    );
}

/// `expected` with the fields that came back from the store (times round-trip exactly).
fn checkpoint_like(
    stored: &TaskCheckpoint,
    run: u32,
    task_id: &str,
    output: &str,
) -> TaskCheckpoint {
    TaskCheckpoint {
        run,
        task_id: task_id.into(),
        output: output.into(),
        ..stored.clone()
    }
}

fn in_secs(seconds: i64) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(seconds)
}

fn beat(owner: &str, expire_time: chrono::DateTime<Utc>) -> Heartbeat {
    Heartbeat {
        owner: owner.into(),
        host: None,
        process: "test".into(),
        expire_time,
    }
}

async fn orphaned(store: &Arc<dyn Backend>) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = store
        .orphaned_leases(Utc::now(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|lease| (lease.orchestration_id, lease.owner))
        .collect();
    found.sort();
    found
}

async fn a_lease_has_one_owner_while_its_heartbeat_stands(store: Arc<dyn Backend>) {
    let t = tenant("t");
    store
        .heartbeat(&beat("server-a", in_secs(30)))
        .await
        .unwrap();
    store
        .heartbeat(&beat("server-b", in_secs(30)))
        .await
        .unwrap();
    let held = store
        .acquire_lease(&t, "o1", "server-a")
        .await
        .unwrap()
        .expect("a fresh lease is free");
    assert_eq!(held.owner, "server-a");
    assert_eq!(
        store.acquire_lease(&t, "o1", "server-b").await.unwrap(),
        None,
        "held by another owner"
    );
    let again = store
        .acquire_lease(&t, "o1", "server-a")
        .await
        .unwrap()
        .expect("the owner may take its own lease again");
    assert_ne!(again.etag, held.etag);
    assert!(orphaned(&store).await.is_empty());

    // Its owner's heartbeat lapses: another server finds the lease and takes it over.
    store
        .heartbeat(&beat("server-a", in_secs(-1)))
        .await
        .unwrap();
    assert_eq!(orphaned(&store).await, [("o1".into(), "server-a".into())]);
    let taken = store
        .acquire_lease(&t, "o1", "server-b")
        .await
        .unwrap()
        .expect("a lease whose owner is gone can be taken over");
    assert_eq!(taken.owner, "server-b");
    assert!(orphaned(&store).await.is_empty());

    // A stale release leaves the new owner's lease alone; the owner's own release removes it.
    store.release_lease(&again).await.unwrap();
    assert_eq!(
        store.acquire_lease(&t, "o1", "server-c").await.unwrap(),
        None
    );
    store.release_lease(&taken).await.unwrap();
    let free = store.acquire_lease(&t, "o1", "server-c").await.unwrap();
    assert_eq!(free.map(|lease| lease.owner).as_deref(), Some("server-c"));
    store.ping().await.unwrap();
}

async fn one_heartbeat_keeps_every_lease_of_its_owner(store: Arc<dyn Backend>) {
    store
        .heartbeat(&beat("server-a", in_secs(-1)))
        .await
        .unwrap();
    for (tenant_name, id) in [("t", "o1"), ("t", "o2"), ("u", "o3")] {
        store
            .acquire_lease(&tenant(tenant_name), id, "server-a")
            .await
            .unwrap()
            .unwrap();
    }
    let lapsed: Vec<String> = orphaned(&store)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(lapsed, ["o1", "o2", "o3"], "across tenants");
    store
        .heartbeat(&beat("server-a", in_secs(30)))
        .await
        .unwrap();
    assert!(
        orphaned(&store).await.is_empty(),
        "one write renewed all three"
    );
}

async fn a_new_orchestration_comes_with_its_lease_and_the_log_releases_it(store: Arc<dyn Backend>) {
    let outcome = store
        .create_orchestration(record("t", "o1", None), &claim())
        .await
        .unwrap();
    let lease = outcome.lease.expect("created with its lease");
    assert_eq!(
        store
            .acquire_lease(&tenant("t"), "o1", "server-b")
            .await
            .unwrap(),
        None,
        "held by its creator, whose heartbeat the claim recorded"
    );
    assert!(orphaned(&store).await.is_empty());
    let written = store
        .write_log(&LogBatch {
            owner: "server-a".into(),
            events: vec![(tenant("t"), event("o1", 1, OrchestrationState::Approved))],
            released_leases: vec![lease.clone()],
            ..LogBatch::default()
        })
        .await
        .unwrap();
    assert!(written.is_empty(), "{written:?}");
    store
        .acquire_lease(&tenant("t"), "o1", "server-b")
        .await
        .unwrap()
        .expect("released with the batch");
    // A lease another server holds now is not ours to release.
    store.release_lease(&lease).await.unwrap();
    assert_eq!(
        store
            .acquire_lease(&tenant("t"), "o1", "server-c")
            .await
            .unwrap(),
        None,
        "server-b's lease is left alone"
    );
}

async fn a_log_write_after_a_takeover_is_fenced(store: Arc<dyn Backend>) {
    create(&store, record("t", "o1", None)).await;
    create(&store, record("t", "o2", None)).await;
    let write = |owner: &str, sequence: u64| LogBatch {
        owner: owner.into(),
        events: ["o1", "o2"]
            .iter()
            .map(|id| {
                (
                    tenant("t"),
                    event(id, sequence, OrchestrationState::Running),
                )
            })
            .collect(),
        states: vec![state("t", "o1", OrchestrationState::Running, sequence)],
        decisions: vec![(tenant("t"), "o1".into(), decision(&format!("d{sequence}")))],
        checkpoints: vec![(
            tenant("t"),
            "o1".into(),
            checkpoint(1, &format!("task{sequence}"), "x"),
        )],
        released_leases: Vec::new(),
    };
    let fenced = store.write_log(&write("server-a", 1)).await.unwrap();
    assert!(fenced.is_empty(), "{fenced:?}");

    // server-a's heartbeat lapses and server-b takes o1 over (not o2).
    store
        .heartbeat(&beat("server-a", in_secs(-1)))
        .await
        .unwrap();
    store
        .heartbeat(&beat("server-b", in_secs(30)))
        .await
        .unwrap();
    store
        .acquire_lease(&tenant("t"), "o1", "server-b")
        .await
        .unwrap()
        .expect("taken over");

    // A write of server-a delayed past the takeover: nothing of o1 lands; o2 is still its own.
    let fenced = store.write_log(&write("server-a", 2)).await.unwrap();
    assert_eq!(fenced, ["o1"]);
    let sequences = |events: Vec<Event>| events.iter().map(|e| e.sequence).collect::<Vec<_>>();
    let o1 = store.read_events(&tenant("t"), "o1", 0, 10).await.unwrap();
    let o2 = store.read_events(&tenant("t"), "o2", 0, 10).await.unwrap();
    assert_eq!((sequences(o1), sequences(o2)), (vec![1], vec![1, 2]));
    assert_eq!(store.get_decision(&tenant("t"), "d2").await.unwrap(), None);
    let checkpoints = store.read_checkpoints(&tenant("t"), "o1", 1).await.unwrap();
    assert_eq!(checkpoints.len(), 1, "{checkpoints:?}");
    let stored = store
        .get_orchestration(&tenant("t"), "o1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.last_sequence, 1);

    // The new owner writes on, from where the log stands.
    let fenced = store.write_log(&write("server-b", 2)).await.unwrap();
    assert_eq!(fenced, ["o2"], "o2 is still server-a's");
    let o1 = store.read_events(&tenant("t"), "o1", 0, 10).await.unwrap();
    assert_eq!(sequences(o1), [1, 2]);
    assert!(
        store
            .get_decision(&tenant("t"), "d2")
            .await
            .unwrap()
            .is_some()
    );

    // The new owner finishes and releases the lease; the old owner, woken later, still cannot
    // write on after the end (o2 is still its own).
    let lease_b = store
        .acquire_lease(&tenant("t"), "o1", "server-b")
        .await
        .unwrap()
        .expect("server-b's own");
    let end = LogBatch {
        owner: "server-b".into(),
        events: vec![(tenant("t"), event("o1", 3, OrchestrationState::Approved))],
        states: vec![state("t", "o1", OrchestrationState::Approved, 3)],
        released_leases: vec![lease_b],
        ..LogBatch::default()
    };
    assert!(store.write_log(&end).await.unwrap().is_empty());
    assert_eq!(
        store.write_log(&write("server-a", 4)).await.unwrap(),
        ["o1"]
    );
    let o1 = store.read_events(&tenant("t"), "o1", 0, 10).await.unwrap();
    assert_eq!(sequences(o1), [1, 2, 3]);
    let ended = store
        .get_orchestration(&tenant("t"), "o1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ended.state, ended.last_sequence),
        (OrchestrationState::Approved, 3)
    );

    // Taken over before its creator wrote anything: the creator's first write is fenced too.
    create(&store, record("t", "o3", None)).await;
    store
        .acquire_lease(&tenant("t"), "o3", "server-b")
        .await
        .unwrap()
        .expect("taken over");
    let first = LogBatch {
        owner: "server-a".into(),
        events: vec![(tenant("t"), event("o3", 1, OrchestrationState::Running))],
        ..LogBatch::default()
    };
    assert_eq!(store.write_log(&first).await.unwrap(), ["o3"]);
    let o3 = store.read_events(&tenant("t"), "o3", 0, 10).await.unwrap();
    assert!(o3.is_empty(), "{o3:?}");
}

async fn concurrent_takeovers_of_an_orphaned_lease_have_one_winner(store: Arc<dyn Backend>) {
    let t = tenant("t");
    store.heartbeat(&beat("dead", in_secs(-1))).await.unwrap();
    store
        .acquire_lease(&t, "o1", "dead")
        .await
        .unwrap()
        .unwrap();
    let attempts: Vec<_> = (0..6)
        .map(|n| {
            let store = store.clone();
            let t = t.clone();
            tokio::spawn(async move { store.acquire_lease(&t, "o1", &format!("server-{n}")).await })
        })
        .collect();
    let mut winners = Vec::new();
    for attempt in attempts {
        if let Some(lease) = attempt.await.unwrap().unwrap() {
            winners.push(lease.owner);
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
}

macro_rules! conformance {
    ($backend:ident: $($test:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let fixture = super::$backend().await;
                    super::$test(fixture.store.clone()).await;
                }
            )*
        }
    };
}

/// Every conformance test, for one backend: the list is written once, so no backend can miss
/// one.
macro_rules! conformance_suite {
    ($backend:ident) => {
        conformance!($backend:
            create_stamps_version_one_and_times,
            create_twice_is_already_exists,
            get_missing_is_none,
            tenants_never_see_each_other,
            list_pages_in_id_order,
            update_needs_the_stored_version,
            concurrent_writers_of_one_version_have_one_winner,
            delete_checks_the_version_when_given,
            decisions_are_written_once_and_read_back,
            orchestrations_are_created_once_per_request_id,
            concurrent_creates_of_one_request_id_make_one,
            the_log_writes_events_states_and_decisions_together,
            orchestrations_list_newest_first_by_state,
            checkpoints_are_kept_per_run,
            a_lease_has_one_owner_while_its_heartbeat_stands,
            one_heartbeat_keeps_every_lease_of_its_owner,
            concurrent_takeovers_of_an_orphaned_lease_have_one_winner,
            a_new_orchestration_comes_with_its_lease_and_the_log_releases_it,
            a_log_write_after_a_takeover_is_fenced,
        );
    };
}

conformance_suite!(sqlite);
conformance_suite!(cosmos);

#[tokio::test]
async fn sqlite_refuses_a_database_from_a_newer_build() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(dir.path()).await.unwrap());
    // What a newer build with one more migration would leave behind.
    let path = dir.path().join(orchestrator::store::sqlite::DATABASE_FILE);
    let connection = rusqlite::Connection::open(path).unwrap();
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    connection
        .pragma_update(None, "user_version", version + 1)
        .unwrap();
    drop(connection);
    let error = SqliteStore::open(dir.path()).await.unwrap_err();
    assert!(
        error.to_string().contains("newer than this build"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_opens_one_fresh_file_from_several_stores_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let path = dir.path().to_owned();
            tokio::spawn(async move { SqliteStore::open(&path).await })
        })
        .collect();
    for open in opens {
        open.await.unwrap().expect("every store opens");
    }
}
