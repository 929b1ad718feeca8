//! The `orchestrations` container: one document per orchestration, beside its request-id
//! marker, written in one transactional batch; and the health probe.

use async_trait::async_trait;
use azure_data_cosmos::feed::FeedScope;
use azure_data_cosmos::models::TransactionalBatch;
use chrono::Utc;

use super::documents::{
    KIND_ORCHESTRATION, KIND_REQUEST, OrchestrationDoc, RequestDoc, request_marker_id,
};
use super::error::{retrying, unavailable, write_error};
use super::{CosmosStore, create_new, page_of, param, query};
use crate::model::TenantId;
use crate::model::orchestration::OrchestrationState;
use crate::store::{
    Created, LEASE, LeaseClaim, LeaseStore, ORCHESTRATION, OrchestrationRecord, OrchestrationStore,
    Page, PageRequest, StoreError,
};

/// The health probe's document, in the leases container. Lease documents are named by
/// orchestration ids (`orch-...`) and all have an expiry, so this one is never taken for a
/// lease, whatever tenant shares its partition.
const PROBE_PARTITION: &str = "_probe";
const PROBE_ID: &str = "health-probe";

impl CosmosStore {
    /// Creates the orchestration document (with its request-id marker); `false` with the
    /// existing one when the request id is taken.
    async fn insert_orchestration(
        &self,
        record: OrchestrationRecord,
    ) -> Result<(OrchestrationRecord, bool), StoreError> {
        let container = &self.inner.orchestrations;
        let tenant = record.tenant.as_str();
        let document = OrchestrationDoc::from_record(&record);
        let Some(request_id) = &record.request_id else {
            create_new(container, tenant, &document.id, &document, ORCHESTRATION).await?;
            return Ok((record, true));
        };
        // The orchestration and its request-id marker land together or not at all: of two
        // submissions of one request id, exactly one creates.
        let marker = RequestDoc {
            id: request_marker_id(request_id),
            tenant: tenant.to_owned(),
            kind: KIND_REQUEST.into(),
            request_id: request_id.clone(),
            orchestration_id: record.orchestration_id.clone(),
        };
        let batch = TransactionalBatch::new(tenant.to_owned())
            .create_item(&marker)
            .and_then(|batch| batch.create_item(&document))
            .map_err(|e| StoreError::Corrupt(format!("cannot batch: {e}")))?;
        let response = retrying(|| container.execute_transactional_batch(batch.clone(), None))
            .await
            .map_err(|error| unavailable(&error))?;
        let outcome = response.into_model().map_err(|e| {
            StoreError::Unavailable(format!("cosmos: unreadable batch response: {e}"))
        })?;
        let codes: Vec<u16> = outcome.results().iter().map(|r| r.status_code()).collect();
        match codes.as_slice() {
            [201, 201] => Ok((record, true)),
            [409, ..] => match self
                .orchestration_by_marker(&record.tenant, request_id)
                .await?
            {
                // Our own earlier attempt, committed although its answer was lost.
                Some(existing) if existing.orchestration_id == record.orchestration_id => {
                    Ok((existing, true))
                }
                Some(existing) => Ok((existing, false)),
                None => Err(StoreError::Unavailable(format!(
                    "request id {request_id:?} is taken but its orchestration cannot be read yet"
                ))),
            },
            [_, 409] => Err(StoreError::AlreadyExists {
                kind: ORCHESTRATION,
                id: record.orchestration_id,
            }),
            other => Err(StoreError::Unavailable(format!(
                "cosmos: creating orchestration {:?} failed with {other:?}",
                record.orchestration_id
            ))),
        }
    }

    async fn orchestration_by_marker(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        let Some((marker, _)) = Self::read::<RequestDoc>(
            &self.inner.orchestrations,
            tenant.as_str(),
            &request_marker_id(request_id),
        )
        .await?
        else {
            return Ok(None);
        };
        self.get_orchestration(tenant, &marker.orchestration_id)
            .await
    }
}

#[async_trait]
impl OrchestrationStore for CosmosStore {
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError> {
        // The lease first (another container, so not in one transaction): a crash between the
        // two leaves a lease whose orchestration does not exist, which the next server to take
        // it over releases.
        self.record_owner(claim).await?;
        let lease = self
            .take_lease(&record.tenant, &record.orchestration_id, &claim.owner)
            .await?
            .ok_or_else(|| StoreError::AlreadyExists {
                kind: LEASE,
                id: record.orchestration_id.clone(),
            })?;
        let outcome = self.insert_orchestration(record).await;
        match outcome {
            Ok((record, true)) => {
                // Its fence goes with its first log batch.
                self.inner
                    .fences
                    .created(&record.orchestration_id, &claim.owner);
                Ok(Created {
                    record,
                    created: true,
                    lease: Some(lease),
                })
            }
            other => {
                if let Err(error) = self.release_lease(&lease).await {
                    // It lapses with this server; whoever takes it then finds no orchestration
                    // and drops it.
                    tracing::warn!(%error, "cannot release the lease of an orchestration not created");
                }
                other.map(|(record, _)| Created {
                    record,
                    created: false,
                    lease: None,
                })
            }
        }
    }

    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        // The kind first: the container also holds request-id markers.
        let Some((document, _)) = Self::read::<serde_json::Value>(
            &self.inner.orchestrations,
            tenant.as_str(),
            orchestration_id,
        )
        .await?
        else {
            return Ok(None);
        };
        if document.get("kind").and_then(|kind| kind.as_str()) != Some(KIND_ORCHESTRATION) {
            return Ok(None);
        }
        serde_json::from_value::<OrchestrationDoc>(document)
            .map_err(|e| StoreError::Corrupt(format!("orchestration {orchestration_id:?}: {e}")))?
            .into_record()
            .map(Some)
    }

    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        self.orchestration_by_marker(tenant, request_id).await
    }

    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError> {
        let mut text = String::from("SELECT * FROM c WHERE c.tenant = @tenant AND c.kind = @kind");
        if !states.is_empty() {
            text.push_str(" AND ARRAY_CONTAINS(@states, c.state)");
        }
        if page.after.is_some() {
            text.push_str(" AND c.id < @after");
        }
        // Ids are time-ordered (UUIDv7), so newest first is id descending.
        text.push_str(" ORDER BY c.id DESC OFFSET 0 LIMIT @limit");
        let mut q = param(query(&text), "@tenant", tenant.as_str())?;
        q = param(q, "@kind", KIND_ORCHESTRATION)?;
        if !states.is_empty() {
            let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
            q = param(q, "@states", names)?;
        }
        if let Some(after) = &page.after {
            q = param(q, "@after", after)?;
        }
        q = param(q, "@limit", page.size + 1)?;
        let documents: Vec<OrchestrationDoc> = Self::query(
            &self.inner.orchestrations,
            q,
            FeedScope::partition(tenant.as_str().to_owned()),
        )
        .await?;
        let records = documents
            .into_iter()
            .map(OrchestrationDoc::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_of(records, page.size, |r| r.orchestration_id.clone()))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // A write, not a read: during a failover that forbids writes, reads still succeed. One
        // small document, overwritten every time (about 6 RU per probe).
        let probe = serde_json::json!({
            "id": PROBE_ID,
            "tenant": PROBE_PARTITION,
            "at_millis": Utc::now().timestamp_millis(),
        });
        retrying(|| {
            self.inner
                .leases
                .upsert_item(PROBE_PARTITION, PROBE_ID, &probe, None)
        })
        .await
        .map(drop)
        .map_err(|error| write_error(&error))
    }
}
