//! A store that is still being opened: every call fails `Unavailable` until the real one is
//! handed over. The server can then start while a remote store is unreachable, and behave as it
//! does during any later outage (health NOT_SERVING, new work refused), instead of exiting.

use std::sync::{Arc, Mutex, OnceLock};

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

pub struct Connecting {
    opened: OnceLock<Arc<dyn Store>>,
    /// Why it is not open yet, for the errors callers get meanwhile.
    last_error: Mutex<String>,
}

impl Connecting {
    pub fn new(first_error: String) -> Self {
        Self {
            opened: OnceLock::new(),
            last_error: Mutex::new(first_error),
        }
    }

    /// Hands over the opened store; from now on every call goes to it.
    pub fn open(&self, store: Arc<dyn Store>) {
        let _ = self.opened.set(store);
    }

    /// Records why the latest attempt to open the store failed.
    pub fn failed(&self, error: String) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = error;
    }

    fn store(&self) -> Result<&dyn Store, StoreError> {
        match self.opened.get() {
            Some(store) => Ok(&**store),
            None => Err(StoreError::Unavailable(format!(
                "the store is not open yet: {}",
                self.last_error.lock().unwrap_or_else(|p| p.into_inner())
            ))),
        }
    }
}

#[async_trait]
impl CriteriaStore for Connecting {
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        self.store()?.create_criteria(tenant, criteria).await
    }

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError> {
        self.store()?.get_criteria(tenant, id).await
    }

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError> {
        self.store()?.list_criteria(tenant, page).await
    }

    async fn update_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        self.store()?.update_criteria(tenant, criteria).await
    }

    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.store()?
            .delete_criteria(tenant, id, expected_version)
            .await
    }
}

#[async_trait]
impl DecisionStore for Connecting {
    async fn put_decision(
        &self,
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Result<(), StoreError> {
        self.store()?
            .put_decision(tenant, orchestration_id, decision)
            .await
    }

    async fn get_decision(
        &self,
        tenant: &TenantId,
        decision_id: &str,
    ) -> Result<Option<ReviewDecision>, StoreError> {
        self.store()?.get_decision(tenant, decision_id).await
    }
}

#[async_trait]
impl OrchestrationStore for Connecting {
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError> {
        self.store()?.create_orchestration(record, claim).await
    }

    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.store()?
            .get_orchestration(tenant, orchestration_id)
            .await
    }

    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.store()?.find_by_request_id(tenant, request_id).await
    }

    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError> {
        self.store()?
            .list_orchestrations(tenant, states, page)
            .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.store()?.ping().await
    }
}

#[async_trait]
impl LogStore for Connecting {
    async fn write_log(&self, batch: &LogBatch) -> Result<Fenced, StoreError> {
        self.store()?.write_log(batch).await
    }

    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError> {
        self.store()?
            .read_checkpoints(tenant, orchestration_id, run)
            .await
    }

    async fn read_events(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.store()?
            .read_events(tenant, orchestration_id, after, limit)
            .await
    }
}

#[async_trait]
impl LeaseStore for Connecting {
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        self.store()?.heartbeat(beat).await
    }

    async fn claim_owner(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        self.store()?.claim_owner(beat).await
    }

    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<Option<Lease>, StoreError> {
        self.store()?
            .acquire_lease(tenant, orchestration_id, owner)
            .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.store()?.release_lease(lease).await
    }

    async fn orphaned_leases(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        self.store()?.orphaned_leases(now, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn unavailable_with_the_reason_until_opened_then_the_store_itself() {
        let connecting = Connecting::new("connection refused".into());
        let tenant = TenantId::default_tenant();
        let error = connecting
            .get_orchestration(&tenant, "o")
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Unavailable(why) if why.contains("connection refused")),
            "{error:?}"
        );
        connecting.failed("timed out".into());
        let error = connecting.ping().await.unwrap_err();
        assert!(error.to_string().contains("timed out"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        connecting.open(Arc::new(SqliteStore::open(dir.path()).await.unwrap()));
        connecting.ping().await.unwrap();
        assert_eq!(connecting.get_orchestration(&tenant, "o").await, Ok(None));
    }
}
