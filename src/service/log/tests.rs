use std::time::Duration;

use async_trait::async_trait;

use super::*;
use crate::model::orchestration::TaskCheckpoint;
use crate::store::sqlite::SqliteStore;
use crate::store::{Created, LeaseClaim, OrchestrationRecord, Page, PageRequest};

/// SQLite, except that it refuses for good any batch that touches the orchestration `poison`.
struct RefusesPoison(SqliteStore);

#[async_trait]
impl OrchestrationStore for RefusesPoison {
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError> {
        self.0.create_orchestration(record, claim).await
    }
    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.0.get_orchestration(tenant, id).await
    }
    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.0.find_by_request_id(tenant, request_id).await
    }
    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError> {
        self.0.list_orchestrations(tenant, states, page).await
    }
    async fn write_log(&self, batch: &LogBatch) -> Result<(), StoreError> {
        if batch
            .events
            .iter()
            .any(|(_, event)| event.orchestration_id == "poison")
        {
            return Err(StoreError::Rejected("too large".into()));
        }
        self.0.write_log(batch).await
    }
    async fn read_events(
        &self,
        tenant: &TenantId,
        id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.0.read_events(tenant, id, after, limit).await
    }
    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError> {
        self.0.read_checkpoints(tenant, id, run).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.0.ping().await
    }
}

fn changed(reason: &str) -> EventKind {
    EventKind::StateChanged {
        state: OrchestrationState::Running,
        reason: reason.into(),
    }
}

async fn stored(store: &SqliteStore, id: &str) -> Vec<u64> {
    store
        .read_events(&TenantId::default_tenant(), id, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.sequence)
        .collect()
}

#[tokio::test]
async fn a_refused_orchestration_does_not_hold_up_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path()).await.unwrap();
    let (log, _writer) = EventLog::start(
        Arc::new(RefusesPoison(sqlite.clone())),
        StoreAvailability::default(),
    );
    log.hub().open("good");
    let mut live = log.hub().subscribe("good").unwrap();
    let tenant = TenantId::default_tenant();
    let poison = log.sink(tenant.clone(), "poison", 0);
    let good = log.sink(tenant, "good", 0);
    poison.emit(changed("refused"));
    good.emit(changed("one"));
    good.emit(changed("two"));
    tokio::time::timeout(Duration::from_secs(10), log.flush())
        .await
        .expect("the log is not stuck");
    assert_eq!(stored(&sqlite, "good").await, [1, 2]);
    assert!(stored(&sqlite, "poison").await.is_empty());
    assert_eq!(
        live.recv().await.unwrap().sequence,
        1,
        "stored, then published"
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
    let (log, _writer) = EventLog::start(Arc::new(sqlite.clone()), StoreAvailability::default());
    let sink = log.sink(TenantId::default_tenant(), "o", 0);
    sink.emit(changed("before"));
    log.flush().await;
    sink.fence();
    sink.emit(changed("after"));
    log.flush().await;
    assert_eq!(stored(&sqlite, "o").await, [1]);
}
