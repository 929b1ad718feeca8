//! A store whose failed calls are counted, by operation and kind, for the
//! `orchestrator_store_errors_total` metric. Everything else passes straight through.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    Created, CriteriaStore, DecisionStore, Fenced, Heartbeat, Lease, LeaseClaim, LeaseStore,
    LogBatch, LogStore, OrchestrationRecord, OrchestrationStore, Page, PageRequest, Store,
    StoreError,
};
use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationState, TaskCheckpoint};
use crate::model::{ReviewCriteria, ReviewDecision, TenantId};

/// Told of each failed call: the operation (the trait method) and the error's kind.
pub type ErrorMeter = Arc<dyn Fn(&'static str, &'static str) + Send + Sync>;

pub struct Metered {
    inner: Arc<dyn Store>,
    meter: ErrorMeter,
}

impl Metered {
    pub fn new(inner: Arc<dyn Store>, meter: ErrorMeter) -> Self {
        Self { inner, meter }
    }

    fn seen<T>(&self, op: &'static str, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(error) = &result {
            (self.meter)(op, error.kind());
        }
        result
    }
}

#[async_trait]
impl CriteriaStore for Metered {
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let result = self.inner.create_criteria(tenant, criteria).await;
        self.seen("create_criteria", result)
    }

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError> {
        let result = self.inner.get_criteria(tenant, id).await;
        self.seen("get_criteria", result)
    }

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError> {
        let result = self.inner.list_criteria(tenant, page).await;
        self.seen("list_criteria", result)
    }

    async fn update_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let result = self.inner.update_criteria(tenant, criteria).await;
        self.seen("update_criteria", result)
    }

    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let result = self
            .inner
            .delete_criteria(tenant, id, expected_version)
            .await;
        self.seen("delete_criteria", result)
    }
}

#[async_trait]
impl DecisionStore for Metered {
    async fn put_decision(
        &self,
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Result<(), StoreError> {
        let result = self
            .inner
            .put_decision(tenant, orchestration_id, decision)
            .await;
        self.seen("put_decision", result)
    }

    async fn get_decision(
        &self,
        tenant: &TenantId,
        decision_id: &str,
    ) -> Result<Option<ReviewDecision>, StoreError> {
        let result = self.inner.get_decision(tenant, decision_id).await;
        self.seen("get_decision", result)
    }
}

#[async_trait]
impl OrchestrationStore for Metered {
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError> {
        let result = self.inner.create_orchestration(record, claim).await;
        self.seen("create_orchestration", result)
    }

    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        let result = self.inner.get_orchestration(tenant, orchestration_id).await;
        self.seen("get_orchestration", result)
    }

    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        let result = self.inner.find_by_request_id(tenant, request_id).await;
        self.seen("find_by_request_id", result)
    }

    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError> {
        let result = self.inner.list_orchestrations(tenant, states, page).await;
        self.seen("list_orchestrations", result)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let result = self.inner.ping().await;
        self.seen("ping", result)
    }
}

#[async_trait]
impl LogStore for Metered {
    async fn write_log(&self, batch: &LogBatch) -> Result<Fenced, StoreError> {
        let result = self.inner.write_log(batch).await;
        self.seen("write_log", result)
    }

    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError> {
        let result = self
            .inner
            .read_checkpoints(tenant, orchestration_id, run)
            .await;
        self.seen("read_checkpoints", result)
    }

    async fn read_events(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let result = self
            .inner
            .read_events(tenant, orchestration_id, after, limit)
            .await;
        self.seen("read_events", result)
    }
}

#[async_trait]
impl LeaseStore for Metered {
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        let result = self.inner.heartbeat(beat).await;
        self.seen("heartbeat", result)
    }

    async fn claim_owner(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        let result = self.inner.claim_owner(beat).await;
        self.seen("claim_owner", result)
    }

    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<Option<Lease>, StoreError> {
        let result = self
            .inner
            .acquire_lease(tenant, orchestration_id, owner)
            .await;
        self.seen("acquire_lease", result)
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let result = self.inner.release_lease(lease).await;
        self.seen("release_lease", result)
    }

    async fn orphaned_leases(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        let result = self.inner.orphaned_leases(now, limit).await;
        self.seen("orphaned_leases", result)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn failed_calls_are_counted_by_operation_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        let store = Metered::new(
            sqlite,
            Arc::new(move |op, kind| recorded.lock().unwrap().push((op, kind))),
        );
        let tenant = TenantId::new("acme").unwrap();
        assert_eq!(store.get_criteria(&tenant, "nope").await, Ok(None));
        let missing = store.delete_criteria(&tenant, "nope", None).await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })));
        assert_eq!(*seen.lock().unwrap(), [("delete_criteria", "not_found")]);
    }
}
