//! Storage: traits the rest of the service codes against, one implementation per backend.
//! Every record belongs to a tenant and every call is scoped by one; nothing crosses tenants.

pub mod cache;
pub mod sqlite;

use async_trait::async_trait;

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
