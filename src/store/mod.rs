//! Storage: traits the rest of the service codes against, one implementation per backend.
//! Every record belongs to a tenant and every call is scoped by one; nothing crosses tenants.

pub mod cache;
pub mod connecting;
pub mod cosmos;
mod decorate;
mod forms;
#[cfg(test)]
pub(crate) use forms::{stored_len_of_event, stored_len_of_result};
mod liveness;
pub mod metered;
pub mod sqlite;

use async_trait::async_trait;

use chrono::{DateTime, Utc};

use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::model::plan::OrchestrationSpec;
use crate::model::{ReviewCriteria, ReviewDecision, TenantId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id:?} was not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{kind} {id:?} already exists")]
    AlreadyExists { kind: &'static str, id: String },
    #[error("{kind} {id:?} is at version {actual}; the change was based on version {expected}")]
    VersionConflict {
        kind: &'static str,
        id: String,
        expected: u64,
        actual: u64,
    },
    /// The store cannot be reached or cannot take the write now; retrying may succeed.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A stored record cannot be read back.
    #[error("a stored record is unreadable: {0}")]
    Corrupt(String),
    /// The store refused the write and will refuse it again (too large, say): retrying cannot
    /// help.
    #[error("the store refused the write: {0}")]
    Rejected(String),
}

/// Why a store did not open. Apart from [`StoreError`], the errors of a store that is open: a
/// caller opening a store decides whether to stop or to keep trying, which no runtime error
/// asks of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The settings cannot work (an endpoint that does not parse, credentials the account
    /// refuses, a data directory that cannot be created): trying again cannot help.
    #[error("the store cannot be opened: {0}")]
    Refused(String),
    /// The store cannot be reached now; it may be later.
    #[error("the store cannot be reached yet: {0}")]
    Unreachable(String),
}

impl OpenError {
    /// A runtime error met while opening (a migration, a first read): unavailable stays
    /// retryable, anything else is for good.
    pub fn while_opening(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(message) => Self::Unreachable(message),
            other => Self::Refused(other.to_string()),
        }
    }
}

impl StoreError {
    /// The error's kind, for metrics: `not_found`, `already_exists`, `version_conflict`,
    /// `unavailable`, `corrupt`, `rejected`.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "not_found",
            StoreError::AlreadyExists { .. } => "already_exists",
            StoreError::VersionConflict { .. } => "version_conflict",
            StoreError::Unavailable(_) => "unavailable",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Rejected(_) => "rejected",
        }
    }
}

/// One page of a listing ordered by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub size: usize,
    /// Start after this id; `None` for the first page.
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The id to start the next page after; `None` on the last page.
    pub next_after: Option<String>,
}

pub const CRITERIA: &str = "review criteria";
pub const DECISION: &str = "review decision";
pub const ORCHESTRATION: &str = "orchestration";
pub const LEASE: &str = "lease";

#[async_trait]
pub trait CriteriaStore: Send + Sync + 'static {
    /// Stores new criteria at version 1, stamping create and update times.
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError>;

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError>;

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError>;

    /// Replaces criteria whose stored version is `criteria.version`; the result has the next
    /// version. The create time is kept.
    async fn update_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError>;

    /// Deletes criteria, at `expected_version` when given.
    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait DecisionStore: Send + Sync + 'static {
    /// Records a decision (with the criteria id and version it was made under), once.
    async fn put_decision(
        &self,
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Result<(), StoreError>;

    async fn get_decision(
        &self,
        tenant: &TenantId,
        decision_id: &str,
    ) -> Result<Option<ReviewDecision>, StoreError>;
}

/// An orchestration as stored: what was asked, where it stands, and its result once done.
#[derive(Debug, Clone, PartialEq)]
pub struct OrchestrationRecord {
    pub tenant: TenantId,
    pub orchestration_id: String,
    /// The caller's idempotency key; unique within the tenant when set.
    pub request_id: Option<String>,
    pub state: OrchestrationState,
    pub spec: OrchestrationSpec,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    /// Set once the orchestration completed.
    pub result: Option<OrchestrationResult>,
    /// The redacted output awaiting a human, while AWAITING_HUMAN.
    pub escalated_output: Option<String>,
    /// The sequence of the last event written.
    pub last_sequence: u64,
    /// When the caller stops waiting (the deadline of an Orchestrate call): it is cancelled
    /// then, by whichever server runs it.
    pub deadline: Option<DateTime<Utc>>,
}

impl OrchestrationRecord {
    /// A new orchestration's record, before anything ran: PENDING, no events, no result.
    pub fn new(
        tenant: TenantId,
        orchestration_id: impl Into<String>,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        create_time: DateTime<Utc>,
    ) -> Self {
        Self {
            tenant,
            orchestration_id: orchestration_id.into(),
            request_id,
            state: OrchestrationState::Pending,
            spec,
            create_time,
            update_time: create_time,
            result: None,
            escalated_output: None,
            last_sequence: 0,
            deadline: None,
        }
    }
}

/// Who runs a new orchestration: its first lease, and how long its owner's heartbeat stands
/// at least (the store records the owner when it has no heartbeat of it yet, so that no lease
/// ever names an owner nobody can tell is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseClaim {
    pub owner: String,
    pub heartbeat_until: DateTime<Utc>,
}

/// The outcome of `create_orchestration`.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub record: OrchestrationRecord,
    /// False when the request id named an existing orchestration (`record` is that one).
    pub created: bool,
    /// The new orchestration's lease, when created.
    pub lease: Option<Lease>,
}

/// A change to an orchestration's row that goes with the events of the same batch.
#[derive(Debug, Clone, PartialEq)]
pub struct StateUpdate {
    pub tenant: TenantId,
    pub orchestration_id: String,
    pub state: OrchestrationState,
    pub last_sequence: u64,
    pub result: Option<Box<OrchestrationResult>>,
    /// `Some(None)` clears it.
    pub escalated_output: Option<Option<String>>,
}

/// Writes that must land together: events, the state they imply, the decisions they carry.
/// All of them are one server's, `owner`: what it writes of an orchestration whose lease
/// names another owner is fenced (not written).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogBatch {
    pub owner: String,
    pub events: Vec<(TenantId, std::sync::Arc<Event>)>,
    pub states: Vec<StateUpdate>,
    pub decisions: Vec<(TenantId, String, ReviewDecision)>,
    /// Succeeded tasks of the batch's orchestrations: (tenant, orchestration id, checkpoint).
    pub checkpoints: Vec<(TenantId, String, TaskCheckpoint)>,
    /// Leases of orchestrations that completed, released after everything else of the batch
    /// (each only if still as given).
    pub released_leases: Vec<Lease>,
}

impl LogBatch {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.states.is_empty()
            && self.decisions.is_empty()
            && self.checkpoints.is_empty()
            && self.released_leases.is_empty()
    }
}

#[async_trait]
pub trait OrchestrationStore: Send + Sync + 'static {
    /// Creates the orchestration with its first lease, unless its request id already names one
    /// in the tenant: then that one comes back, not created and without a lease.
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError>;

    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError>;

    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError>;

    /// Newest first; `states` empty means all.
    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError>;

    /// A cheap write to the backend, for health checks: a store that answers reads but takes
    /// no writes (a full disk, a read-only failover) is not up.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// The log of each orchestration: its events, its task checkpoints, and the derived state,
/// decisions and lease releases written with them.
#[async_trait]
pub trait LogStore: Send + Sync + 'static {
    /// Applies a batch: in one transaction where the backend has them; otherwise checkpoints,
    /// then events, then decisions, then states, then released leases, so that nothing runs
    /// ahead of the events it follows. Writing a batch again (after an error) is harmless: what is already stored stays.
    ///
    /// Fencing: nothing is written of an orchestration whose lease names another owner than
    /// `batch.owner` (it was taken over); those orchestrations come back, the rest is written.
    /// The check and the writes are one transaction (SQLite), or the log writes carry a
    /// condition on the orchestration's fence (Cosmos DB), so a write delayed past a takeover
    /// cannot land after it.
    async fn write_log(&self, batch: &LogBatch) -> Result<Fenced, StoreError>;

    /// The checkpoints of one run of an orchestration, in no particular order.
    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError>;

    /// Events with a sequence above `after`, in order, at most `limit`.
    async fn read_events(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError>;
}

/// Orchestrations of a log batch that were not written: their lease names another owner.
pub type Fenced = Vec<String>;

/// Who runs an orchestration. Every unfinished orchestration has one. It has no expiry of its
/// own: it lapses with its owner's heartbeat, so that a server renews one record, not one per
/// orchestration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub tenant: TenantId,
    pub orchestration_id: String,
    pub owner: String,
    /// Changes with every write; a write based on an older one fails (the backend's ETag).
    pub etag: String,
}

/// A server's sign of life: the leases that name `owner` hold until `expire_time`, unless it
/// beats again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    pub owner: String,
    /// Where the owner runs (the pod's name), when it is known to run one process at a time:
    /// a server of another process starting there takes it for gone (see `claim_owner`).
    pub host: Option<String>,
    /// The process it runs in: servers of one process (as in tests) are not each other's
    /// predecessors.
    pub process: String,
    pub expire_time: DateTime<Utc>,
}

#[async_trait]
pub trait LeaseStore: Send + Sync + 'static {
    /// Records that `beat.owner` is alive until `beat.expire_time`: one write per server per
    /// beat, whatever the number of its leases. An earlier time than the stored one is
    /// written too: a server that stops cleanly expires its heartbeat at once.
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), StoreError>;

    /// Marks `beat.owner` alive from now on, and, where the backend can tell, its predecessors
    /// gone, so that their leases are taken over at once rather than when they expire. SQLite:
    /// a lock held on a file in the data directory, which the kernel releases when the process
    /// dies. Cosmos DB: the heartbeats of servers of other processes on the same host are
    /// expired.
    async fn claim_owner(&self, beat: &Heartbeat) -> Result<(), StoreError>;

    /// Takes the lease for `owner`: creates it when there is none, takes it over when its
    /// owner is gone (or is `owner` already). `None` when a live owner holds it. Taking over
    /// fences the previous owner: its log writes for the orchestration fail from then on.
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<Option<Lease>, StoreError>;

    /// Deletes the lease of a finished orchestration if `lease.owner` still holds it.
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Leases, of any tenant, whose owner is gone at `now`: its heartbeat lapsed, or the
    /// backend can tell it died, or (a lease of an older build, with an expiry of its own and
    /// no heartbeat) its expiry passed.
    async fn orphaned_leases(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError>;
}

/// Everything the service stores, in one backend.
pub trait Store:
    CriteriaStore + DecisionStore + OrchestrationStore + LogStore + LeaseStore
{
}
impl<T: CriteriaStore + DecisionStore + OrchestrationStore + LogStore + LeaseStore> Store for T {}
