use std::time::Duration;

use async_trait::async_trait;

use super::*;
use crate::model::orchestration::TaskCheckpoint;
use crate::store::sqlite::SqliteStore;
use crate::store::{
    Created, Fenced, LeaseClaim, LogStore, OrchestrationRecord, OrchestrationStore, Page,
    PageRequest, stored_len_of_event, stored_len_of_result,
};

/// SQLite with document size limits, as Cosmos DB has: it refuses for good any batch with an
/// event over `LARGEST_EVENT` bytes of JSON as stored; like Cosmos DB, it writes a batch's
/// events before the orchestration's record, and refuses a record whose result or escalated
/// output is over `LARGEST_RESULT` after storing the events. It notes the leases released.
struct SizeLimited {
    sqlite: SqliteStore,
    released: std::sync::Mutex<Vec<String>>,
}

const LARGEST_EVENT: usize = 4096;
const LARGEST_RESULT: usize = 2048;

impl SizeLimited {
    fn new(sqlite: SqliteStore) -> Self {
        Self {
            sqlite,
            released: std::sync::Mutex::default(),
        }
    }
}

#[async_trait]
impl OrchestrationStore for SizeLimited {
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError> {
        self.sqlite.create_orchestration(record, claim).await
    }
    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.sqlite.get_orchestration(tenant, id).await
    }
    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.sqlite.find_by_request_id(tenant, request_id).await
    }
    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError> {
        self.sqlite.list_orchestrations(tenant, states, page).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.sqlite.ping().await
    }
}

#[async_trait]
impl LogStore for SizeLimited {
    async fn write_log(&self, batch: &LogBatch) -> Result<Fenced, StoreError> {
        if batch
            .events
            .iter()
            .any(|(_, event)| stored_len_of_event(event) > LARGEST_EVENT)
        {
            return Err(StoreError::Rejected(
                "an event is over the size limit".into(),
            ));
        }
        if batch.states.iter().any(|state| {
            let escalated =
                serde_json::to_vec(&state.escalated_output).map_or(usize::MAX, |j| j.len());
            state.result.as_deref().map_or(0, stored_len_of_result) > LARGEST_RESULT
                || escalated > LARGEST_RESULT
        }) {
            let events_only = LogBatch {
                owner: batch.owner.clone(),
                events: batch.events.clone(),
                ..LogBatch::default()
            };
            self.sqlite.write_log(&events_only).await?;
            return Err(StoreError::Rejected(
                "a record is over the size limit".into(),
            ));
        }
        let fenced = self.sqlite.write_log(batch).await?;
        self.released.lock().unwrap().extend(
            batch
                .released_leases
                .iter()
                .map(|lease| lease.orchestration_id.clone()),
        );
        Ok(fenced)
    }

    async fn read_events(
        &self,
        tenant: &TenantId,
        id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.sqlite.read_events(tenant, id, after, limit).await
    }

    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError> {
        self.sqlite.read_checkpoints(tenant, id, run).await
    }
}

/// A log writing to a fresh SQLite file through `SizeLimited`.
struct Fixture {
    _dir: tempfile::TempDir,
    sqlite: SqliteStore,
    store: Arc<SizeLimited>,
    log: EventLog,
}

async fn size_limited_log() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path()).await.unwrap();
    let store = Arc::new(SizeLimited::new(sqlite.clone()));
    let (log, _writer) = EventLog::start(
        store.clone(),
        "me".into(),
        StoreAvailability::default(),
        Arc::new(crate::telemetry::metrics::Metrics::new(false)),
    );
    Fixture {
        _dir: dir,
        sqlite,
        store,
        log,
    }
}

fn sink(log: &EventLog, id: &str, cancel: &Cancellation) -> Arc<OrchestrationSink> {
    let failed = OrchestrationResult::empty(
        id,
        "request",
        OrchestrationState::Failed,
        Utc::now(),
        Default::default(),
    );
    log.sink(TenantId::default_tenant(), 0, failed, cancel.clone())
}

fn lease(id: &str) -> Lease {
    Lease {
        tenant: TenantId::default_tenant(),
        orchestration_id: id.into(),
        owner: "me".into(),
        etag: "1".into(),
    }
}

fn too_large() -> EventKind {
    changed(&"x".repeat(LARGEST_EVENT))
}

fn approved_with_output(bytes: usize) -> EventKind {
    let mut result = OrchestrationResult::empty(
        "o",
        "request",
        OrchestrationState::Approved,
        Utc::now(),
        Default::default(),
    );
    result.output = "y".repeat(bytes);
    EventKind::Completed {
        result: Box::new(result),
    }
}

fn changed(reason: &str) -> EventKind {
    EventKind::StateChanged {
        state: OrchestrationState::Running,
        reason: reason.into(),
    }
}

async fn stored_events(store: &SqliteStore, id: &str) -> Vec<Event> {
    store
        .read_events(&TenantId::default_tenant(), id, 0, 100)
        .await
        .unwrap()
}

async fn stored(store: &SqliteStore, id: &str) -> Vec<u64> {
    stored_events(store, id)
        .await
        .iter()
        .map(|e| e.sequence)
        .collect()
}

fn failed_end(event: &Event) -> &OrchestrationResult {
    match &event.kind {
        EventKind::Completed { result } if result.state == OrchestrationState::Failed => result,
        other => panic!("not a FAILED end: {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_orchestration_does_not_hold_up_the_others() {
    let Fixture {
        _dir, sqlite, log, ..
    } = size_limited_log().await;
    log.hub().open("good");
    let mut live = log.hub().subscribe("good").unwrap();
    let good_cancel = Cancellation::new();
    let poison = sink(&log, "poison", &Cancellation::new());
    let good = sink(&log, "good", &good_cancel);
    poison.emit(too_large());
    good.emit(changed("one"));
    good.emit(changed("two"));
    tokio::time::timeout(Duration::from_secs(10), log.flush())
        .await
        .expect("the log is not stuck");
    assert_eq!(stored(&sqlite, "good").await, [1, 2]);
    let poison = stored_events(&sqlite, "poison").await;
    assert_eq!(poison.len(), 1, "only its FAILED end: {poison:?}");
    failed_end(&poison[0]);
    assert_eq!(
        live.recv().await.unwrap().sequence,
        1,
        "stored, then published"
    );

    assert!(
        !good_cancel.is_cancelled(),
        "only the refused run is stopped"
    );

    // Later writes of the others go on as usual.
    good.emit(changed("three"));
    log.flush().await;
    assert_eq!(stored(&sqlite, "good").await, [1, 2, 3]);
}

#[tokio::test]
async fn a_fenced_run_writes_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path()).await.unwrap();
    let (log, _writer) = EventLog::start(
        Arc::new(sqlite.clone()),
        "me".into(),
        StoreAvailability::default(),
        Arc::new(crate::telemetry::metrics::Metrics::new(false)),
    );
    let sink = sink(&log, "o", &Cancellation::new());
    sink.emit(changed("before"));
    log.flush().await;
    sink.fence();
    sink.emit(changed("after"));
    log.flush().await;
    assert_eq!(stored(&sqlite, "o").await, [1]);
}

#[tokio::test]
async fn a_refused_event_ends_its_orchestration_failed_in_its_place() {
    let Fixture {
        _dir,
        sqlite,
        store,
        log,
    } = size_limited_log().await;
    log.hub().open("o");
    let mut live = log.hub().subscribe("o").unwrap();
    let cancel = Cancellation::new();
    let run = sink(&log, "o", &cancel);
    // All in one batch: the refusal must be found among writes that are fine.
    run.emit(changed("one"));
    run.emit(too_large());
    run.emit(changed("after the refusal"));
    run.release_lease(lease("o"));
    log.flush().await;

    let events = stored_events(&sqlite, "o").await;
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, [1, 2], "gapless, and nothing after the end");
    let error = failed_end(&events[1]).error.clone().unwrap_or_default();
    assert!(error.contains("refused to write event 2"), "{error}");
    assert!(error.contains("over the size limit"), "{error}");
    assert!(cancel.is_cancelled(), "the run is stopped");
    assert_eq!(
        *store.released.lock().unwrap(),
        ["o"],
        "the lease is given back"
    );

    // A follower hears the end (and finds the events before it in the store).
    let heard = live.recv().await.unwrap();
    assert_eq!(heard.sequence, 2);
    failed_end(&heard);

    // What the run says afterwards is dropped.
    run.emit(changed("later"));
    log.flush().await;
    assert_eq!(stored(&sqlite, "o").await, [1, 2]);
}

#[tokio::test]
async fn a_refused_result_ends_failed_with_its_tasks_but_without_outputs() {
    use crate::model::orchestration::TaskResult;
    use crate::model::task::TaskState;

    let Fixture {
        _dir, sqlite, log, ..
    } = size_limited_log().await;
    let run = sink(&log, "o", &Cancellation::new());
    let mut result = OrchestrationResult::empty(
        "o",
        "request",
        OrchestrationState::Approved,
        Utc::now(),
        Default::default(),
    );
    result.output = "y".repeat(LARGEST_EVENT);
    result.tasks.push(TaskResult {
        task_id: "research".into(),
        agent: "researcher".into(),
        state: TaskState::Succeeded,
        output: "y".repeat(LARGEST_EVENT),
        output_truncated: false,
        error: None,
        attempts: 1,
        wave: 0,
        start_time: None,
        end_time: None,
        duration: None,
        confidence: None,
        section: "research".into(),
        usage: None,
    });
    run.emit(EventKind::Completed {
        result: Box::new(result),
    });
    log.flush().await;

    let events = stored_events(&sqlite, "o").await;
    assert_eq!(events.len(), 1);
    let end = failed_end(&events[0]);
    assert_eq!(end.tasks.len(), 1, "which tasks ran is kept");
    assert_eq!(end.tasks[0].state, TaskState::Succeeded);
    assert!(end.tasks[0].output.is_empty() && end.output.is_empty());
}

#[tokio::test]
async fn a_completed_event_kept_with_its_record_refused_stands() {
    let Fixture {
        _dir,
        sqlite,
        store,
        log,
    } = size_limited_log().await;
    let tenant = TenantId::default_tenant();
    let record = crate::store::OrchestrationRecord {
        state: OrchestrationState::Running,
        ..crate::store::OrchestrationRecord::new(
            tenant.clone(),
            "o",
            None,
            Default::default(),
            Utc::now(),
        )
    };
    let claim = LeaseClaim {
        owner: "me".into(),
        heartbeat_until: Utc::now() + chrono::TimeDelta::seconds(30),
    };
    let lease = sqlite
        .create_orchestration(record, &claim)
        .await
        .unwrap()
        .lease
        .unwrap();
    log.hub().open("o");
    let mut live = log.hub().subscribe("o").unwrap();
    let run = sink(&log, "o", &Cancellation::new());
    run.emit(changed("one"));
    // The event fits; the record with the result does not.
    run.emit(approved_with_output(3000));
    run.release_lease(lease);
    log.flush().await;

    let events = stored_events(&sqlite, "o").await;
    assert_eq!(events.len(), 2, "the log stands as stored: {events:?}");
    let EventKind::Completed { result } = &events[1].kind else {
        panic!("not completed: {:?}", events[1]);
    };
    assert_eq!(result.state, OrchestrationState::Approved);
    let record = sqlite
        .get_orchestration(&tenant, "o")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        record.state,
        OrchestrationState::Approved,
        "the record agrees"
    );
    assert_eq!(record.result, None, "and refers readers to the log");
    assert_eq!(*store.released.lock().unwrap(), ["o"]);
    let mut heard = Vec::new();
    while let Ok(event) = live.try_recv() {
        heard.push(event.sequence);
    }
    assert_eq!(heard, [2], "followers hear the stored end, once");
}

#[tokio::test]
async fn events_kept_after_a_refused_record_come_before_the_failed_end() {
    let Fixture {
        _dir, sqlite, log, ..
    } = size_limited_log().await;
    log.hub().open("o");
    let mut live = log.hub().subscribe("o").unwrap();
    let run = sink(&log, "o", &Cancellation::new());
    // One batch: the events are stored, then the record (with the escalated output) refused.
    run.emit(changed("one"));
    run.set_escalated_output(&"z".repeat(LARGEST_RESULT));
    run.emit(changed("two"));
    run.emit(changed("three"));
    log.flush().await;

    let events = stored_events(&sqlite, "o").await;
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, [1, 2, 3, 4], "the end goes after what was kept");
    failed_end(&events[3]);
    let heard = live.recv().await.unwrap();
    assert_eq!(
        heard.sequence, 4,
        "the end that followers hear is the stored one"
    );
    failed_end(&heard);
}
