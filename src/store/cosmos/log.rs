//! The `events` container: each orchestration's events and task checkpoints in its own
//! partition, a log batch of one orchestration in one transactional batch, and the state,
//! decisions and lease releases derived from it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use azure_data_cosmos::models::TransactionalBatch;
use chrono::Utc;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, StreamExt as _};

use super::documents::{
    CheckpointDoc, DecisionDoc, EventDoc, KIND_CHECKPOINT, KIND_EVENT, OrchestrationDoc,
    checkpoint_id, event_id,
};
use super::error::{encode_error, retrying, write_error};
use super::{CosmosStore, if_match, param, write_once};
use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::model::{ReviewDecision, TenantId};
use crate::store::{Lease, LeaseStore, LogBatch, LogStore, StateUpdate, StoreError};

/// Operations per transactional batch, Cosmos DB's limit.
const MAX_BATCH_OPERATIONS: usize = 100;
/// Bytes of documents per transactional batch: under Cosmos DB's 2 MB, with room for the
/// envelope. A single document over 2 MB cannot be stored at all (`Rejected`).
const MAX_BATCH_BYTES: usize = 1_800_000;
/// Orchestrations whose log is written at the same time, per log batch.
const LOG_WRITES_IN_FLIGHT: usize = 16;

/// Consecutive runs of documents that fit one transactional batch, by count and by size.
pub(super) fn chunks(
    documents: &[(String, serde_json::Value)],
) -> Vec<&[(String, serde_json::Value)]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (index, (_, document)) in documents.iter().enumerate() {
        let size = document.to_string().len();
        if index > start
            && (index - start == MAX_BATCH_OPERATIONS || bytes + size > MAX_BATCH_BYTES)
        {
            chunks.push(&documents[start..index]);
            (start, bytes) = (index, 0);
        }
        bytes += size;
    }
    if start < documents.len() {
        chunks.push(&documents[start..]);
    }
    chunks
}

/// A batch's state updates of one orchestration, folded into the last word on each field.
#[derive(Default)]
struct FoldedState {
    state: Option<OrchestrationState>,
    last_sequence: u64,
    result: Option<Box<OrchestrationResult>>,
    escalated_output: Option<Option<String>>,
}

impl FoldedState {
    fn add(&mut self, update: &StateUpdate) {
        self.state = Some(update.state);
        self.last_sequence = self.last_sequence.max(update.last_sequence);
        if update.result.is_some() {
            self.result.clone_from(&update.result);
        }
        if update.escalated_output.is_some() {
            self.escalated_output.clone_from(&update.escalated_output);
        }
    }
}

/// Everything one log batch writes for one orchestration.
#[derive(Default)]
struct OrchestrationWrites<'a> {
    tenant: Option<&'a TenantId>,
    checkpoints: Vec<&'a TaskCheckpoint>,
    events: Vec<&'a Event>,
    decisions: Vec<&'a ReviewDecision>,
    state: Option<FoldedState>,
    released: Vec<&'a Lease>,
}

impl CosmosStore {
    async fn write_orchestration_log(
        &self,
        orchestration_id: &str,
        writes: OrchestrationWrites<'_>,
    ) -> Result<(), StoreError> {
        let Some(tenant) = writes.tenant else {
            return Ok(());
        };
        let mut documents: Vec<(String, serde_json::Value)> = Vec::new();
        for checkpoint in &writes.checkpoints {
            let document = CheckpointDoc {
                id: checkpoint_id(checkpoint.run, &checkpoint.task_id),
                orchestration_id: orchestration_id.to_owned(),
                tenant: tenant.as_str().to_owned(),
                kind: KIND_CHECKPOINT.into(),
                run: checkpoint.run,
                checkpoint: (*checkpoint).clone(),
            };
            documents.push((
                document.id.clone(),
                serde_json::to_value(&document).map_err(encode_error)?,
            ));
        }
        for event in &writes.events {
            let document = EventDoc {
                id: event_id(event.sequence),
                orchestration_id: orchestration_id.to_owned(),
                tenant: tenant.as_str().to_owned(),
                kind: KIND_EVENT.into(),
                sequence: event.sequence,
                event: (*event).clone(),
            };
            documents.push((
                document.id.clone(),
                serde_json::to_value(&document).map_err(encode_error)?,
            ));
        }
        // Checkpoints and events in order, a transactional batch at a time: a reader never sees
        // an event before the ones before it in the same batch.
        for chunk in chunks(&documents) {
            self.write_chunk(orchestration_id, chunk).await?;
        }
        for decision in writes.decisions {
            let document = DecisionDoc {
                id: decision.decision_id.clone(),
                tenant: tenant.as_str().to_owned(),
                orchestration_id: Some(orchestration_id.to_owned()),
                decision: decision.clone(),
            };
            write_once(
                &self.inner.decisions,
                tenant.as_str(),
                &document.id,
                &document,
            )
            .await?;
        }
        if let Some(state) = writes.state {
            self.apply_state(tenant, orchestration_id, state).await?;
        }
        for lease in writes.released {
            self.release_lease(lease).await?;
        }
        Ok(())
    }

    /// Writes documents of one orchestration's partition atomically. When the batch fails on a
    /// document that already exists (a batch written again after an error), each is written on
    /// its own instead, keeping what is there.
    async fn write_chunk(
        &self,
        orchestration_id: &str,
        chunk: &[(String, serde_json::Value)],
    ) -> Result<(), StoreError> {
        let container = &self.inner.events;
        let mut batch = TransactionalBatch::new(orchestration_id.to_owned());
        for (_, document) in chunk {
            batch = batch
                .create_item(document)
                .map_err(|e| StoreError::Corrupt(format!("cannot batch: {e}")))?;
        }
        let response = retrying(|| container.execute_transactional_batch(batch.clone(), None))
            .await
            .map_err(|error| write_error(&error))?;
        let outcome = response.into_model().map_err(|e| {
            StoreError::Unavailable(format!("cosmos: unreadable batch response: {e}"))
        })?;
        let results = outcome.results();
        if results.iter().all(|r| r.is_success()) {
            return Ok(());
        }
        if results.iter().any(|r| r.status_code() == 409) {
            for (id, document) in chunk {
                write_once(container, orchestration_id, id, document).await?;
            }
            return Ok(());
        }
        let failed: Vec<u16> = results
            .iter()
            .map(|r| r.status_code())
            .filter(|&code| code != 424)
            .collect();
        let message =
            format!("cosmos: the log batch of {orchestration_id:?} failed with {failed:?}");
        if failed.iter().any(|&code| code == 400 || code == 413) {
            Err(StoreError::Rejected(message))
        } else {
            Err(StoreError::Unavailable(message))
        }
    }

    /// Read, change, replace on the ETag; again when another write came in between.
    async fn apply_state(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        state: FoldedState,
    ) -> Result<(), StoreError> {
        let container = &self.inner.orchestrations;
        loop {
            let Some((mut document, etag)) =
                Self::read::<OrchestrationDoc>(container, tenant.as_str(), orchestration_id)
                    .await?
            else {
                // Writing again will not make it exist.
                return Err(StoreError::Rejected(format!(
                    "the state of orchestration {orchestration_id:?}, which is not stored"
                )));
            };
            if let Some(new_state) = state.state {
                document.state = new_state;
            }
            document.last_sequence = document.last_sequence.max(state.last_sequence);
            document.update_time = Utc::now();
            if let Some(result) = &state.result {
                document.result = Some((**result).clone());
            }
            if let Some(escalated) = &state.escalated_output {
                document.escalated_output.clone_from(escalated);
            }
            let options = etag.as_deref().map(if_match);
            match retrying(|| {
                container.replace_item(
                    tenant.as_str().to_owned(),
                    orchestration_id,
                    &document,
                    options.clone(),
                )
            })
            .await
            {
                Ok(_) => return Ok(()),
                Err(error) if error.status().is_precondition_failed() => continue,
                Err(error) => return Err(write_error(&error)),
            }
        }
    }
}

#[async_trait]
impl LogStore for CosmosStore {
    async fn write_log(&self, batch: &LogBatch) -> Result<(), StoreError> {
        let mut by_orchestration: BTreeMap<&str, OrchestrationWrites<'_>> = BTreeMap::new();
        for (tenant, orchestration_id, checkpoint) in &batch.checkpoints {
            let writes = by_orchestration.entry(orchestration_id).or_default();
            writes.tenant = Some(tenant);
            writes.checkpoints.push(checkpoint);
        }
        for (tenant, event) in &batch.events {
            let writes = by_orchestration.entry(&event.orchestration_id).or_default();
            writes.tenant = Some(tenant);
            writes.events.push(event);
        }
        for (tenant, orchestration_id, decision) in &batch.decisions {
            let writes = by_orchestration.entry(orchestration_id).or_default();
            writes.tenant = Some(tenant);
            writes.decisions.push(decision);
        }
        for update in &batch.states {
            let writes = by_orchestration
                .entry(&update.orchestration_id)
                .or_default();
            writes.tenant = Some(&update.tenant);
            writes
                .state
                .get_or_insert_with(FoldedState::default)
                .add(update);
        }
        for lease in &batch.released_leases {
            let writes = by_orchestration.entry(&lease.orchestration_id).or_default();
            writes.tenant = Some(&lease.tenant);
            writes.released.push(lease);
        }
        // Boxed up front: a lazily mapped stream trips the compiler's higher-ranked lifetime
        // check inside `async_trait`.
        let pending: Vec<BoxFuture<'_, Result<(), StoreError>>> = by_orchestration
            .into_iter()
            .map(|(id, writes)| self.write_orchestration_log(id, writes).boxed())
            .collect();
        let mut writes = futures_util::stream::iter(pending).buffer_unordered(LOG_WRITES_IN_FLIGHT);
        let mut first_error = None;
        while let Some(outcome) = writes.next().await {
            if let Err(error) = outcome {
                first_error.get_or_insert(error);
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    async fn read_events(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let documents: Vec<EventDoc> = self
            .log_documents(
                tenant,
                orchestration_id,
                KIND_EVENT,
                "AND c.sequence > @after ORDER BY c.sequence ASC OFFSET 0 LIMIT @limit",
                |q| param(param(q, "@after", after)?, "@limit", limit),
            )
            .await?;
        Ok(documents.into_iter().map(|d| d.event).collect())
    }

    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError> {
        let documents: Vec<CheckpointDoc> = self
            .log_documents(
                tenant,
                orchestration_id,
                KIND_CHECKPOINT,
                "AND c.run = @run",
                |q| param(q, "@run", run),
            )
            .await?;
        Ok(documents.into_iter().map(|d| d.checkpoint).collect())
    }
}
