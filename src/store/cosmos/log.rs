//! The `events` container: each orchestration's events and task checkpoints in its own
//! partition, a log batch of one orchestration in one transactional batch, and the state,
//! decisions and lease releases derived from it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use azure_core::http::Etag;
use azure_data_cosmos::models::TransactionalBatch;
use azure_data_cosmos::options::{BatchReplaceOptions, Precondition};
use chrono::Utc;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, StreamExt as _};

use super::documents::{
    CheckpointDoc, DecisionDoc, EventDoc, FENCE_ID, FenceDoc, KIND_CHECKPOINT, KIND_EVENT,
    OrchestrationDoc,
};
use super::error::{ATTEMPTS, encode_error, retrying, write_error};
use super::{CosmosStore, if_match, param, write_once};
use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::model::{ReviewDecision, TenantId};
use crate::store::forms::ResultForm;
use crate::store::{Fenced, Lease, LeaseStore, LogBatch, LogStore, StateUpdate, StoreError};

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

/// Whose log is being written, by whom.
struct Log<'a> {
    tenant: &'a TenantId,
    orchestration_id: &'a str,
    owner: &'a str,
}

/// How an orchestration's log may be written by its writer.
enum Fence {
    /// On the fence's ETag, as the writer last saw it.
    Held(String),
    /// No fence written yet (the orchestration was created here, or by an older build): the
    /// batch creates it, and fails if a takeover wrote one first.
    Unwritten,
    /// Not at all: the fence names another owner.
    TakenOver,
}

/// What became of one transactional batch.
enum Outcome {
    Written,
    /// The fence names another owner: nothing was written.
    Fenced,
    /// Some document exists already: nothing was written.
    Exists,
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
    /// False when the orchestration's lease is another owner's: then nothing is written.
    async fn write_orchestration_log(
        &self,
        owner: &str,
        orchestration_id: &str,
        writes: OrchestrationWrites<'_>,
    ) -> Result<bool, StoreError> {
        let Some(tenant) = writes.tenant else {
            return Ok(true);
        };
        let log = Log {
            tenant,
            orchestration_id,
            owner,
        };
        let mut fence = self.fence_of(&log).await?;
        if let Fence::TakenOver = fence {
            return Ok(false);
        }
        let mut documents: Vec<(String, serde_json::Value)> = Vec::new();
        for checkpoint in &writes.checkpoints {
            let document = CheckpointDoc::new(tenant, orchestration_id, checkpoint);
            documents.push((
                document.id.clone(),
                serde_json::to_value(&document).map_err(encode_error)?,
            ));
        }
        for event in &writes.events {
            let document = EventDoc::new(tenant, event);
            documents.push((
                document.id.clone(),
                serde_json::to_value(&document).map_err(encode_error)?,
            ));
        }
        // Checkpoints and events in order, a transactional batch at a time: a reader never sees
        // an event before the ones before it in the same batch. Each batch passes the fence
        // first; with no documents, the fence alone, before the writes that follow.
        let mut chunks = chunks(&documents);
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        for chunk in chunks {
            if !self.write_chunk(&log, chunk, &mut fence).await? {
                return Ok(false);
            }
        }
        for decision in writes.decisions {
            let document = DecisionDoc::new(tenant, Some(orchestration_id), decision);
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
        Ok(true)
    }

    /// How `log.owner` may write the log: on the fence's ETag it last saw, or read now.
    async fn fence_of(&self, log: &Log<'_>) -> Result<Fence, StoreError> {
        match self.inner.fences.get(log.orchestration_id, log.owner) {
            Some(Some(etag)) => Ok(Fence::Held(etag)),
            Some(None) => Ok(Fence::Unwritten),
            None => self.read_fence(log).await,
        }
    }

    async fn read_fence(&self, log: &Log<'_>) -> Result<Fence, StoreError> {
        let id = log.orchestration_id;
        let fence = Self::read::<FenceDoc>(&self.inner.events, id, FENCE_ID).await?;
        match fence {
            None => Ok(Fence::Unwritten),
            Some((fence, Some(etag))) if fence.owner == log.owner => {
                self.inner.fences.insert(id, log.owner, etag.clone());
                Ok(Fence::Held(etag))
            }
            Some((fence, None)) if fence.owner == log.owner => Err(StoreError::Unavailable(
                format!("cosmos: the fence of {id:?} came without an ETag"),
            )),
            Some(_) => {
                self.inner.fences.forget(id, log.owner);
                Ok(Fence::TakenOver)
            }
        }
    }

    /// Writes one chunk past the fence. False when the fence is another owner's.
    async fn write_chunk(
        &self,
        log: &Log<'_>,
        chunk: &[(String, serde_json::Value)],
        fence: &mut Fence,
    ) -> Result<bool, StoreError> {
        match self.fenced_batch(log, chunk, fence).await? {
            Outcome::Written => Ok(true),
            Outcome::Fenced => Ok(false),
            Outcome::Exists => {
                // A batch written again after an error: each document past the fence on its
                // own, keeping what is there. Rare, and never without the fence: a takeover
                // in between must stop these writes too.
                for document in chunk {
                    let one = std::slice::from_ref(document);
                    if let Outcome::Fenced = self.fenced_batch(log, one, fence).await? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
        }
    }

    /// Writes documents of one orchestration's partition atomically, with the fence replaced
    /// on its ETag when there is one. A fence moved meanwhile is read again: moved by a write
    /// of ours whose answer was lost, the batch is tried again on the new ETag; by a takeover,
    /// nothing is written.
    async fn fenced_batch(
        &self,
        log: &Log<'_>,
        chunk: &[(String, serde_json::Value)],
        fence: &mut Fence,
    ) -> Result<Outcome, StoreError> {
        let id = log.orchestration_id;
        for _ in 0..ATTEMPTS {
            let mut batch = TransactionalBatch::new(id.to_owned());
            let owned = FenceDoc::new(log.tenant, id, log.owner);
            match fence {
                Fence::Held(etag) => {
                    let options = BatchReplaceOptions::default()
                        .with_precondition(Precondition::if_match(Etag::from(etag.as_str())));
                    batch = batch
                        .replace_item(FENCE_ID, owned, Some(options))
                        .map_err(|e| StoreError::Corrupt(format!("cannot batch: {e}")))?;
                }
                Fence::Unwritten => {
                    batch = batch
                        .create_item(owned)
                        .map_err(|e| StoreError::Corrupt(format!("cannot batch: {e}")))?;
                }
                Fence::TakenOver => return Ok(Outcome::Fenced),
            }
            for (_, document) in chunk {
                batch = batch
                    .create_item(document)
                    .map_err(|e| StoreError::Corrupt(format!("cannot batch: {e}")))?;
            }
            let container = &self.inner.events;
            let response = retrying(|| container.execute_transactional_batch(batch.clone(), None))
                .await
                .map_err(|error| write_error(&error))?;
            let outcome = response.into_model().map_err(|e| {
                StoreError::Unavailable(format!("cosmos: unreadable batch response: {e}"))
            })?;
            let results = outcome.results();
            if results.iter().all(|r| r.is_success()) {
                if let Some(etag) = results.first().and_then(|r| r.etag()) {
                    self.inner.fences.insert(id, log.owner, etag.to_owned());
                    *fence = Fence::Held(etag.to_owned());
                }
                return Ok(Outcome::Written);
            }
            // Replaced: 412 (moved) or 404; created: 409 (a takeover wrote one first).
            let fence_failed = results
                .first()
                .is_some_and(|r| matches!(r.status_code(), 404 | 409 | 412));
            if fence_failed {
                *fence = self.read_fence(log).await?;
                continue;
            }
            if results.iter().any(|r| r.status_code() == 409) {
                return Ok(Outcome::Exists);
            }
            let failed: Vec<u16> = results
                .iter()
                .map(|r| r.status_code())
                .filter(|&code| code != 424)
                .collect();
            let message = format!("cosmos: the log batch of {id:?} failed with {failed:?}");
            return if failed.iter().any(|&code| code == 400 || code == 413) {
                Err(StoreError::Rejected(message))
            } else {
                Err(StoreError::Unavailable(message))
            };
        }
        Err(StoreError::Unavailable(format!(
            "cosmos: the fence of {id:?} kept moving while its log was written"
        )))
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
            // Written after the events, outside their batch: an update older than the stored
            // one is a fenced writer's, late, and must not undo what the new owner wrote.
            if document.last_sequence > state.last_sequence {
                return Ok(());
            }
            if let Some(new_state) = state.state {
                document.state = new_state;
            }
            document.last_sequence = state.last_sequence;
            document.update_time = Utc::now();
            if let Some(result) = &state.result {
                document.result = Some(ResultForm::from(&**result));
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
    async fn write_log(&self, batch: &LogBatch) -> Result<Fenced, StoreError> {
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
        let owner = batch.owner.as_str();
        let pending: Vec<BoxFuture<'_, (&str, Result<bool, StoreError>)>> = by_orchestration
            .into_iter()
            .map(|(id, writes)| {
                async move { (id, self.write_orchestration_log(owner, id, writes).await) }.boxed()
            })
            .collect();
        let mut writes = futures_util::stream::iter(pending).buffer_unordered(LOG_WRITES_IN_FLIGHT);
        let (mut fenced, mut first_error) = (Vec::new(), None);
        while let Some((id, outcome)) = writes.next().await {
            match outcome {
                Ok(true) => {}
                Ok(false) => fenced.push(id.to_owned()),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(fenced),
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
        Ok(documents.into_iter().map(EventDoc::into_event).collect())
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
        Ok(documents
            .into_iter()
            .map(CheckpointDoc::into_checkpoint)
            .collect())
    }
}
