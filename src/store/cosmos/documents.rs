//! The stored documents, apart from the domain types they convert to and from, and their ids.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationState, TaskCheckpoint};
use crate::model::{ReviewCriteria, ReviewDecision, TenantId};
use crate::store::forms::{
    CheckpointForm, CriteriaForm, DecisionForm, EventForm, ResultForm, SpecForm,
};
use crate::store::{Heartbeat, Lease, OrchestrationRecord, StoreError};

/// Document ids may not contain `/`, `\`, `?` or `#`, and callers choose request ids freely.
pub(super) fn request_marker_id(request_id: &str) -> String {
    format!(
        "request-{}",
        hex::encode(sha2::Sha256::digest(request_id.as_bytes()))
    )
}

pub(super) fn event_id(sequence: u64) -> String {
    format!("event-{sequence:020}")
}

pub(super) fn checkpoint_id(run: u32, task_id: &str) -> String {
    format!("checkpoint-{run}-{task_id}")
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CriteriaDoc {
    pub(super) id: String,
    pub(super) tenant: String,
    pub(super) version: u64,
    criteria: CriteriaForm,
}

impl CriteriaDoc {
    pub(super) fn new(tenant: &TenantId, criteria: &ReviewCriteria) -> Self {
        Self {
            id: criteria.id.clone(),
            tenant: tenant.as_str().to_owned(),
            version: criteria.version,
            criteria: CriteriaForm::from(criteria),
        }
    }

    pub(super) fn into_criteria(self) -> ReviewCriteria {
        self.criteria.into()
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct DecisionDoc {
    pub(super) id: String,
    tenant: String,
    orchestration_id: Option<String>,
    decision: DecisionForm,
}

impl DecisionDoc {
    pub(super) fn new(
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Self {
        Self {
            id: decision.decision_id.clone(),
            tenant: tenant.as_str().to_owned(),
            orchestration_id: orchestration_id.map(str::to_owned),
            decision: DecisionForm::from(decision),
        }
    }

    pub(super) fn into_decision(self) -> ReviewDecision {
        self.decision.into()
    }
}

pub(super) const KIND_ORCHESTRATION: &str = "orchestration";
pub(super) const KIND_REQUEST: &str = "request";
pub(super) const KIND_EVENT: &str = "event";
pub(super) const KIND_CHECKPOINT: &str = "checkpoint";

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct OrchestrationDoc {
    pub(super) id: String,
    pub(super) tenant: String,
    pub(super) kind: String,
    pub(super) request_id: Option<String>,
    pub(super) state: OrchestrationState,
    pub(super) spec: SpecForm,
    pub(super) create_time: DateTime<Utc>,
    pub(super) update_time: DateTime<Utc>,
    pub(super) result: Option<ResultForm>,
    pub(super) escalated_output: Option<String>,
    pub(super) last_sequence: u64,
    #[serde(default)]
    pub(super) deadline: Option<DateTime<Utc>>,
    /// Fields this build does not know, written by a newer one: a state update here (read,
    /// change, replace) keeps them during a rolling upgrade. The account's own (`_rid`,
    /// `_etag`, ...) are left out.
    #[serde(flatten, deserialize_with = "fields_of_newer_builds")]
    pub(super) newer: serde_json::Map<String, serde_json::Value>,
}

fn fields_of_newer_builds<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    let mut fields = serde_json::Map::deserialize(deserializer)?;
    fields.retain(|name, _| !name.starts_with('_'));
    Ok(fields)
}

impl OrchestrationDoc {
    pub(super) fn from_record(record: &OrchestrationRecord) -> Self {
        Self {
            id: record.orchestration_id.clone(),
            tenant: record.tenant.as_str().to_owned(),
            kind: KIND_ORCHESTRATION.into(),
            request_id: record.request_id.clone(),
            state: record.state,
            spec: SpecForm::from(&record.spec),
            create_time: record.create_time,
            update_time: record.update_time,
            result: record.result.as_ref().map(ResultForm::from),
            escalated_output: record.escalated_output.clone(),
            last_sequence: record.last_sequence,
            deadline: record.deadline,
            newer: serde_json::Map::new(),
        }
    }

    pub(super) fn into_record(self) -> Result<OrchestrationRecord, StoreError> {
        Ok(OrchestrationRecord {
            tenant: TenantId::new(self.tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            orchestration_id: self.id,
            request_id: self.request_id,
            state: self.state,
            spec: self.spec.into(),
            create_time: self.create_time,
            update_time: self.update_time,
            result: self.result.map(Into::into),
            escalated_output: self.escalated_output,
            last_sequence: self.last_sequence,
            deadline: self.deadline,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RequestDoc {
    pub(super) id: String,
    pub(super) tenant: String,
    pub(super) kind: String,
    pub(super) request_id: String,
    pub(super) orchestration_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct EventDoc {
    pub(super) id: String,
    orchestration_id: String,
    tenant: String,
    kind: String,
    sequence: u64,
    event: EventForm,
}

impl EventDoc {
    pub(super) fn new(tenant: &TenantId, event: &Event) -> Self {
        Self {
            id: event_id(event.sequence),
            orchestration_id: event.orchestration_id.clone(),
            tenant: tenant.as_str().to_owned(),
            kind: KIND_EVENT.into(),
            sequence: event.sequence,
            event: EventForm::from(event),
        }
    }

    pub(super) fn into_event(self) -> Event {
        self.event.into()
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CheckpointDoc {
    pub(super) id: String,
    orchestration_id: String,
    tenant: String,
    kind: String,
    run: u32,
    checkpoint: CheckpointForm,
}

impl CheckpointDoc {
    pub(super) fn new(
        tenant: &TenantId,
        orchestration_id: &str,
        checkpoint: &TaskCheckpoint,
    ) -> Self {
        Self {
            id: checkpoint_id(checkpoint.run, &checkpoint.task_id),
            orchestration_id: orchestration_id.to_owned(),
            tenant: tenant.as_str().to_owned(),
            kind: KIND_CHECKPOINT.into(),
            run: checkpoint.run,
            checkpoint: CheckpointForm::from(checkpoint),
        }
    }

    pub(super) fn into_checkpoint(self) -> TaskCheckpoint {
        self.checkpoint.into()
    }
}

/// A lease, in the `leases` container (partition: the tenant). Its `expire_millis` is
/// `FOLLOWS_OWNER_MILLIS` when written by this build; a real time when by an older one.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LeaseDoc {
    pub(super) id: String,
    pub(super) tenant: String,
    pub(super) owner: String,
    pub(super) expire_millis: i64,
    #[serde(rename = "_etag", default, skip_serializing)]
    pub(super) etag: Option<String>,
}

impl LeaseDoc {
    pub(super) fn into_lease(self, etag: Option<String>) -> Result<Lease, StoreError> {
        Ok(Lease {
            tenant: TenantId::new(self.tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            etag: etag.or(self.etag).unwrap_or_default(),
            orchestration_id: self.id,
            owner: self.owner,
        })
    }
}

/// The partition of the `leases` container that holds the servers' heartbeats: not a valid
/// tenant id, so no tenant's leases share it.
pub(super) const OWNERS_PARTITION: &str = "~owners";

/// A server's heartbeat, in the `leases` container's `OWNERS_PARTITION`. Its expiry is not
/// named `expire_millis` as a lease's is: an older build's scan for expired leases reads every
/// document with that field as a lease, and would fail on these.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct OwnerDoc {
    pub(super) id: String,
    pub(super) tenant: String,
    pub(super) owner: String,
    #[serde(default)]
    pub(super) host: Option<String>,
    #[serde(default)]
    pub(super) process: String,
    pub(super) beat_until_millis: i64,
    #[serde(rename = "_etag", default, skip_serializing)]
    pub(super) etag: Option<String>,
}

impl OwnerDoc {
    pub(super) fn of(beat: &Heartbeat) -> Self {
        Self {
            id: owner_doc_id(&beat.owner),
            tenant: OWNERS_PARTITION.to_owned(),
            owner: beat.owner.clone(),
            host: beat.host.clone(),
            process: beat.process.clone(),
            beat_until_millis: beat.expire_time.timestamp_millis(),
            etag: None,
        }
    }
}

/// An owner's document id: the owner, without the characters Cosmos DB refuses in ids.
pub(super) fn owner_doc_id(owner: &str) -> String {
    let mut id = String::with_capacity(owner.len());
    for c in owner.chars() {
        match c {
            '/' | '\\' | '?' | '#' | '%' => id.push_str(&format!("%{:02X}", c as u32)),
            c => id.push(c),
        }
    }
    id
}

pub(super) const KIND_FENCE: &str = "fence";
/// The fence's id in its orchestration's partition of the `events` container.
pub(super) const FENCE_ID: &str = "fence";

/// Who may write an orchestration's log, beside its events: every log batch replaces it on
/// the ETag its writer last saw, and a takeover replaces it unconditionally, so that a batch
/// of the previous owner fails from then on.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct FenceDoc {
    pub(super) id: String,
    pub(super) orchestration_id: String,
    pub(super) tenant: String,
    pub(super) kind: String,
    pub(super) owner: String,
}

impl FenceDoc {
    pub(super) fn new(tenant: &TenantId, orchestration_id: &str, owner: &str) -> Self {
        Self {
            id: FENCE_ID.into(),
            orchestration_id: orchestration_id.to_owned(),
            tenant: tenant.as_str().to_owned(),
            kind: KIND_FENCE.into(),
            owner: owner.to_owned(),
        }
    }
}
