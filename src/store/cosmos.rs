//! Azure Cosmos DB (NoSQL API) through `azure_data_cosmos`: the store several replicas share.
//!
//! Containers and partition keys:
//! - `criteria`, `decisions`, `leases`: `/tenant`;
//! - `orchestrations`: `/tenant`, holding orchestrations and, beside each that has one, a
//!   request-id marker written in the same transactional batch (the uniqueness of request ids);
//! - `events`: `/orchestration_id`, holding the events and the task checkpoints of one
//!   orchestration, each log batch of an orchestration written in one transactional batch.
//!
//! Concurrency is optimistic on ETags. Throttling (429) and transient failures are retried with
//! backoff; what still fails comes back as `Unavailable` (UNAVAILABLE to callers), or as
//! `Rejected` when the account refuses the write for good (over 2 MB, say); never as a silent
//! loss.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::http::Etag;
use azure_data_cosmos::clients::{ContainerClient, DatabaseClient};
use azure_data_cosmos::feed::{FeedScope, Query};
use azure_data_cosmos::models::{ContainerProperties, PartitionKeyDefinition, TransactionalBatch};
use azure_data_cosmos::options::{
    BinaryEncodingOptions, ConnectionPoolOptions, ItemWriteOptions, Precondition,
};
use azure_data_cosmos::{
    AccountEndpoint, AccountReference, CosmosClient, CosmosError, CosmosRuntime, RoutingStrategy,
};
use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, StreamExt as _, TryStreamExt as _};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::forms::SpecForm;
use super::{
    CRITERIA, Created, CriteriaStore, DECISION, DecisionStore, LEASE, Lease, LeaseClaim,
    LeaseStore, LogBatch, LogStore, ORCHESTRATION, OpenError, OrchestrationRecord,
    OrchestrationStore, Page, PageRequest, StateUpdate, StoreError,
};
use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::model::{ReviewCriteria, ReviewDecision, TenantId};

/// Operations per transactional batch, Cosmos DB's limit.
const MAX_BATCH_OPERATIONS: usize = 100;
/// Bytes of documents per transactional batch: under Cosmos DB's 2 MB, with room for the
/// envelope. A single document over 2 MB cannot be stored at all (`Rejected`).
const MAX_BATCH_BYTES: usize = 1_800_000;
/// Attempts for a call that fails with throttling or a transient error.
const ATTEMPTS: u32 = 4;
/// Orchestrations whose log is written at the same time, per log batch.
const LOG_WRITES_IN_FLIGHT: usize = 16;

/// How the server authenticates to the account.
#[derive(Clone)]
pub enum CosmosAuth {
    Key(String),
    /// Entra ID through a managed identity; `Some` names a user-assigned one by client id.
    ManagedIdentity {
        client_id: Option<String>,
    },
}

impl std::fmt::Debug for CosmosAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Never the key itself.
            CosmosAuth::Key(_) => f.write_str("Key(..)"),
            CosmosAuth::ManagedIdentity { client_id } => f
                .debug_struct("ManagedIdentity")
                .field("client_id", client_id)
                .finish(),
        }
    }
}

/// How to reach the account.
#[derive(Debug, Clone)]
pub struct CosmosConfig {
    pub endpoint: String,
    pub auth: CosmosAuth,
    pub database: String,
    pub create_containers: bool,
    /// Emulators without HTTP/2 need this off.
    pub http2: bool,
    /// Emulators that speak only JSON need this off.
    pub binary_encoding: bool,
}

#[derive(Clone)]
pub struct CosmosStore {
    inner: Arc<Containers>,
}

struct Containers {
    database: String,
    criteria: ContainerClient,
    decisions: ContainerClient,
    orchestrations: ContainerClient,
    events: ContainerClient,
    leases: ContainerClient,
}

impl std::fmt::Debug for CosmosStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosmosStore")
            .field("database", &self.inner.database)
            .finish_non_exhaustive()
    }
}

/// (container, partition key path)
const CONTAINERS: [(&str, &str); 5] = [
    ("criteria", "/tenant"),
    ("decisions", "/tenant"),
    ("orchestrations", "/tenant"),
    ("events", "/orchestration_id"),
    ("leases", "/tenant"),
];

fn status_text(error: &CosmosError) -> String {
    let status = error.status();
    let code = u16::from(status.status_code());
    match status.sub_status() {
        Some(sub) => format!("cosmos {code}/{}: {error}", sub.value()),
        None => format!("cosmos {code}: {error}"),
    }
}

/// A failure to open the store: refused for good when the account says the settings cannot
/// work (a wrong key or identity, a firewall, a database or container that does not exist and
/// may not be created), otherwise an outage, worth waiting out.
fn open_error(what: &str, error: &CosmosError) -> OpenError {
    let message = format!("cosmos: cannot {what}: {}", status_text(error));
    let status = error.status();
    let sub_status = status.sub_status().map(|sub| sub.value());
    match (u16::from(status.status_code()), sub_status) {
        // Passing: writes forbidden during a regional failover; a session not readable yet.
        (403, Some(3)) | (404, Some(1002)) => OpenError::Unreachable(message),
        (401 | 403 | 404, _) => OpenError::Refused(message),
        _ => OpenError::Unreachable(message),
    }
}

/// Everything not handled where it happens is the store being unable to serve now.
fn unavailable(error: &CosmosError) -> StoreError {
    StoreError::Unavailable(status_text(error))
}

fn encode_error(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("cannot encode: {error}"))
}

/// Whether another attempt may succeed: throttled, timed out, unreachable, briefly gone.
fn is_retryable(error: &CosmosError) -> bool {
    let status = error.status();
    status.is_throttled() || status.is_transient() || status.is_timeout() || status.is_gone()
}

/// Runs a call, retrying throttling and transient failures with backoff (honouring nothing
/// longer than a couple of seconds: callers above retry further when they can).
async fn retrying<T, F, Fut>(mut call: F) -> Result<T, CosmosError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CosmosError>>,
{
    let mut backoff = Duration::from_millis(50);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(error) if attempt < ATTEMPTS && is_retryable(&error) => {
                let jitter = Duration::from_millis(fastrand::u64(0..=backoff.as_millis() as u64));
                tokio::time::sleep(backoff / 2 + jitter / 2).await;
                backoff = (backoff * 3).min(Duration::from_secs(2));
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn if_match(etag: &str) -> ItemWriteOptions {
    ItemWriteOptions::default().with_precondition(Precondition::if_match(Etag::from(etag)))
}

/// Document ids may not contain `/`, `\`, `?` or `#`, and callers choose request ids freely.
fn request_marker_id(request_id: &str) -> String {
    format!(
        "request-{}",
        hex::encode(sha2::Sha256::digest(request_id.as_bytes()))
    )
}

fn event_id(sequence: u64) -> String {
    format!("event-{sequence:020}")
}

fn checkpoint_id(run: u32, task_id: &str) -> String {
    format!("checkpoint-{run}-{task_id}")
}

#[derive(Debug, Serialize, Deserialize)]
struct CriteriaDoc {
    id: String,
    tenant: String,
    version: u64,
    criteria: ReviewCriteria,
}

#[derive(Debug, Serialize, Deserialize)]
struct DecisionDoc {
    id: String,
    tenant: String,
    orchestration_id: Option<String>,
    decision: ReviewDecision,
}

const KIND_ORCHESTRATION: &str = "orchestration";
const KIND_REQUEST: &str = "request";
const KIND_EVENT: &str = "event";
const KIND_CHECKPOINT: &str = "checkpoint";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OrchestrationDoc {
    id: String,
    tenant: String,
    kind: String,
    request_id: Option<String>,
    state: OrchestrationState,
    spec: SpecForm,
    create_time: DateTime<Utc>,
    update_time: DateTime<Utc>,
    result: Option<OrchestrationResult>,
    escalated_output: Option<String>,
    last_sequence: u64,
    #[serde(default)]
    deadline: Option<DateTime<Utc>>,
    /// Fields this build does not know, written by a newer one: a state update here (read,
    /// change, replace) keeps them during a rolling upgrade. The account's own (`_rid`,
    /// `_etag`, ...) are left out.
    #[serde(flatten, deserialize_with = "fields_of_newer_builds")]
    newer: serde_json::Map<String, serde_json::Value>,
}

fn fields_of_newer_builds<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    let mut fields = serde_json::Map::deserialize(deserializer)?;
    fields.retain(|name, _| !name.starts_with('_'));
    Ok(fields)
}

impl OrchestrationDoc {
    fn from_record(record: &OrchestrationRecord) -> Self {
        Self {
            id: record.orchestration_id.clone(),
            tenant: record.tenant.as_str().to_owned(),
            kind: KIND_ORCHESTRATION.into(),
            request_id: record.request_id.clone(),
            state: record.state,
            spec: SpecForm::from(&record.spec),
            create_time: record.create_time,
            update_time: record.update_time,
            result: record.result.clone(),
            escalated_output: record.escalated_output.clone(),
            last_sequence: record.last_sequence,
            deadline: record.deadline,
            newer: serde_json::Map::new(),
        }
    }

    fn into_record(self) -> Result<OrchestrationRecord, StoreError> {
        Ok(OrchestrationRecord {
            tenant: TenantId::new(self.tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            orchestration_id: self.id,
            request_id: self.request_id,
            state: self.state,
            spec: self.spec.into(),
            create_time: self.create_time,
            update_time: self.update_time,
            result: self.result,
            escalated_output: self.escalated_output,
            last_sequence: self.last_sequence,
            deadline: self.deadline,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct RequestDoc {
    id: String,
    tenant: String,
    kind: String,
    request_id: String,
    orchestration_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct EventDoc {
    id: String,
    orchestration_id: String,
    tenant: String,
    kind: String,
    sequence: u64,
    event: Event,
}

#[derive(Debug, Serialize, Deserialize)]
struct CheckpointDoc {
    id: String,
    orchestration_id: String,
    tenant: String,
    kind: String,
    run: u32,
    checkpoint: TaskCheckpoint,
}

#[derive(Debug, Serialize, Deserialize)]
struct LeaseDoc {
    id: String,
    tenant: String,
    owner: String,
    expire_millis: i64,
    #[serde(rename = "_etag", default, skip_serializing)]
    etag: Option<String>,
}

impl LeaseDoc {
    fn into_lease(self, etag: Option<String>) -> Result<Lease, StoreError> {
        Ok(Lease {
            tenant: TenantId::new(self.tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            expire_time: DateTime::from_timestamp_millis(self.expire_millis).ok_or_else(|| {
                StoreError::Corrupt(format!("lease expiry {} out of range", self.expire_millis))
            })?,
            etag: etag.or(self.etag).unwrap_or_default(),
            orchestration_id: self.id,
            owner: self.owner,
        })
    }
}

impl CosmosStore {
    /// Connects, and creates the database and containers when allowed and missing.
    pub async fn connect(config: &CosmosConfig) -> Result<Self, OpenError> {
        // What fails before the account is asked anything is the settings' fault: `Refused`,
        // trying again cannot help. What fails after may be an outage (`Unreachable`), unless
        // the account says otherwise (`open_error`).
        let refused = |what: &str, error: &dyn std::fmt::Display| {
            OpenError::Refused(format!("cosmos: cannot {what}: {error}"))
        };
        let pool = ConnectionPoolOptions::builder()
            .with_is_http2_allowed(config.http2)
            .build()
            .map_err(|e| refused("configure the connection pool", &e))?;
        let runtime = CosmosRuntime::builder()
            .with_connection_pool(pool)
            .build()
            .await
            .map_err(|e| refused("start the client runtime", &e))?;
        let endpoint: AccountEndpoint = config
            .endpoint
            .parse()
            .map_err(|e| refused(&format!("use the endpoint {:?}", config.endpoint), &e))?;
        let account = match &config.auth {
            CosmosAuth::Key(key) => {
                AccountReference::with_authentication_key(endpoint, key.clone())
            }
            CosmosAuth::ManagedIdentity { client_id } => {
                let credential =
                    ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                        user_assigned_id: client_id.clone().map(UserAssignedId::ClientId),
                        ..Default::default()
                    }))
                    .map_err(|e| refused("set up the managed identity credential", &e))?;
                AccountReference::with_credential(endpoint, credential)
            }
        };
        let client = CosmosClient::builder()
            .with_runtime(runtime)
            .with_binary_encoding_options(
                BinaryEncodingOptions::new().with_enabled(config.binary_encoding),
            )
            .build(account, RoutingStrategy::PreferredRegions(Vec::new()))
            .await
            .map_err(|e| open_error(&format!("reach the account at {}", config.endpoint), &e))?;
        if config.create_containers {
            match client.create_database(&config.database, None).await {
                Ok(_) => {}
                Err(error) if error.status().is_conflict() => {}
                Err(error) => {
                    return Err(open_error(
                        &format!("create the database {:?}", config.database),
                        &error,
                    ));
                }
            }
        }
        let database = client.database_client(&config.database);
        let mut opened = Vec::with_capacity(CONTAINERS.len());
        for (name, partition_key) in CONTAINERS {
            opened.push(
                open_container(&database, name, partition_key, config.create_containers).await?,
            );
        }
        let [criteria, decisions, orchestrations, events, leases]: [ContainerClient; 5] = opened
            .try_into()
            .map_err(|_| OpenError::Unreachable("cosmos: containers missing".into()))?;
        Ok(Self {
            inner: Arc::new(Containers {
                database: config.database.clone(),
                criteria,
                decisions,
                orchestrations,
                events,
                leases,
            }),
        })
    }

    pub fn database(&self) -> &str {
        &self.inner.database
    }

    async fn read<T: DeserializeOwned>(
        container: &ContainerClient,
        partition: &str,
        id: &str,
    ) -> Result<Option<(T, Option<String>)>, StoreError> {
        let response = match retrying(|| container.read_item(partition.to_owned(), id, None)).await
        {
            Ok(response) => response,
            Err(error) if error.status().is_not_found() => return Ok(None),
            Err(error) => return Err(unavailable(&error)),
        };
        let etag = response.headers().etag().map(|etag| etag.to_string());
        let document = response
            .into_model::<T>()
            .map_err(|e| StoreError::Corrupt(format!("{id:?}: {e}")))?;
        Ok(Some((document, etag)))
    }

    /// The documents of one `kind` in an orchestration's partition of the events container
    /// that also match `more` (its parameters bound by `bind`).
    async fn log_documents<T: DeserializeOwned + Send + 'static>(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        kind: &str,
        more: &str,
        bind: impl FnOnce(Query) -> Result<Query, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut q = query(&format!(
            "SELECT * FROM c WHERE c.orchestration_id = @id AND c.kind = @kind AND c.tenant = @tenant {more}"
        ));
        q = param(q, "@id", orchestration_id)?;
        q = param(q, "@kind", kind)?;
        q = param(q, "@tenant", tenant.as_str())?;
        Self::query(
            &self.inner.events,
            bind(q)?,
            FeedScope::partition(orchestration_id.to_owned()),
        )
        .await
    }

    async fn query<T: DeserializeOwned + Send + 'static>(
        container: &ContainerClient,
        query: Query,
        scope: FeedScope,
    ) -> Result<Vec<T>, StoreError> {
        retrying(|| async {
            container
                .query_items::<T>(query.clone(), scope.clone(), None)
                .await?
                .try_collect::<Vec<T>>()
                .await
        })
        .await
        .map_err(|error| unavailable(&error))
    }
}

async fn open_container(
    database: &DatabaseClient,
    name: &str,
    partition_key: &str,
    create: bool,
) -> Result<ContainerClient, OpenError> {
    if create {
        let properties = ContainerProperties::new(
            name.to_owned(),
            PartitionKeyDefinition::from(partition_key.to_owned()),
        );
        match database.create_container(properties, None).await {
            Ok(_) => {}
            Err(error) if error.status().is_conflict() => {}
            Err(error) => {
                return Err(open_error(
                    &format!("create the container {name:?}"),
                    &error,
                ));
            }
        }
    }
    database
        .container_client(name, None)
        .await
        .map_err(|error| {
            open_error(
                &format!("open the container {name:?} (partition key {partition_key})"),
                &error,
            )
        })
}

/// Consecutive runs of documents that fit one transactional batch, by count and by size.
fn chunks(documents: &[(String, serde_json::Value)]) -> Vec<&[(String, serde_json::Value)]> {
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

/// A failed write: refused for good (malformed, too large) or worth retrying.
fn write_error(error: &CosmosError) -> StoreError {
    let code = u16::from(error.status().status_code());
    if code == 400 || code == 413 {
        StoreError::Rejected(status_text(error))
    } else {
        unavailable(error)
    }
}

fn query(text: &str) -> Query {
    Query::from(text)
}

fn param<V: Serialize>(query: Query, name: &str, value: V) -> Result<Query, StoreError> {
    query
        .with_parameter(name, value)
        .map_err(|e| StoreError::Corrupt(format!("query parameter {name}: {e}")))
}

#[async_trait]
impl CriteriaStore for CosmosStore {
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        mut criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let now = Utc::now();
        criteria.version = 1;
        criteria.create_time = now;
        criteria.update_time = now;
        let document = CriteriaDoc {
            id: criteria.id.clone(),
            tenant: tenant.as_str().to_owned(),
            version: 1,
            criteria: criteria.clone(),
        };
        create_new(
            &self.inner.criteria,
            tenant.as_str(),
            &document.id,
            &document,
            CRITERIA,
        )
        .await?;
        Ok(criteria)
    }

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError> {
        Ok(
            Self::read::<CriteriaDoc>(&self.inner.criteria, tenant.as_str(), id)
                .await?
                .map(|(document, _)| document.criteria),
        )
    }

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError> {
        let text = match page.after {
            Some(_) => {
                "SELECT * FROM c WHERE c.tenant = @tenant AND c.id > @after ORDER BY c.id ASC OFFSET 0 LIMIT @limit"
            }
            None => {
                "SELECT * FROM c WHERE c.tenant = @tenant ORDER BY c.id ASC OFFSET 0 LIMIT @limit"
            }
        };
        let mut q = param(query(text), "@tenant", tenant.as_str())?;
        if let Some(after) = &page.after {
            q = param(q, "@after", after)?;
        }
        q = param(q, "@limit", page.size + 1)?;
        let documents: Vec<CriteriaDoc> = Self::query(
            &self.inner.criteria,
            q,
            FeedScope::partition(tenant.as_str().to_owned()),
        )
        .await?;
        Ok(page_of(
            documents.into_iter().map(|d| d.criteria).collect(),
            page.size,
            |c| c.id.clone(),
        ))
    }

    async fn update_criteria(
        &self,
        tenant: &TenantId,
        mut criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let container = &self.inner.criteria;
        let Some((stored, etag)) =
            Self::read::<CriteriaDoc>(container, tenant.as_str(), &criteria.id).await?
        else {
            return Err(StoreError::NotFound {
                kind: CRITERIA,
                id: criteria.id,
            });
        };
        let conflict = |actual| StoreError::VersionConflict {
            kind: CRITERIA,
            id: criteria.id.clone(),
            expected: criteria.version,
            actual,
        };
        if stored.version != criteria.version {
            return Err(conflict(stored.version));
        }
        let etag = etag.ok_or_else(|| StoreError::Corrupt("criteria without an etag".into()))?;
        criteria.version = stored.version + 1;
        criteria.create_time = stored.criteria.create_time;
        criteria.update_time = Utc::now();
        let document = CriteriaDoc {
            id: criteria.id.clone(),
            tenant: tenant.as_str().to_owned(),
            version: criteria.version,
            criteria: criteria.clone(),
        };
        match retrying(|| {
            container.replace_item(
                tenant.as_str().to_owned(),
                &document.id,
                &document,
                Some(if_match(&etag)),
            )
        })
        .await
        {
            Ok(_) => Ok(criteria),
            Err(error) if error.status().is_precondition_failed() => {
                // Changed since it was read: report the version it is at now.
                let now = Self::read::<CriteriaDoc>(container, tenant.as_str(), &document.id)
                    .await?
                    .map_or(stored.version + 1, |(d, _)| d.version);
                Err(StoreError::VersionConflict {
                    kind: CRITERIA,
                    id: document.id,
                    expected: stored.version,
                    actual: now,
                })
            }
            Err(error) if error.status().is_not_found() => Err(StoreError::NotFound {
                kind: CRITERIA,
                id: document.id,
            }),
            Err(error) => Err(unavailable(&error)),
        }
    }

    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let container = &self.inner.criteria;
        let not_found = || StoreError::NotFound {
            kind: CRITERIA,
            id: id.to_owned(),
        };
        let Some((stored, etag)) =
            Self::read::<CriteriaDoc>(container, tenant.as_str(), id).await?
        else {
            return Err(not_found());
        };
        if let Some(expected) = expected_version
            && stored.version != expected
        {
            return Err(StoreError::VersionConflict {
                kind: CRITERIA,
                id: id.to_owned(),
                expected,
                actual: stored.version,
            });
        }
        let options = etag.as_deref().map(if_match);
        match retrying(|| container.delete_item(tenant.as_str().to_owned(), id, options.clone()))
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.status().is_not_found() => Err(not_found()),
            Err(error) if error.status().is_precondition_failed() => {
                let actual = Self::read::<CriteriaDoc>(container, tenant.as_str(), id)
                    .await?
                    .map_or(stored.version, |(d, _)| d.version);
                Err(StoreError::VersionConflict {
                    kind: CRITERIA,
                    id: id.to_owned(),
                    expected: expected_version.unwrap_or(stored.version),
                    actual,
                })
            }
            Err(error) => Err(unavailable(&error)),
        }
    }
}

fn page_of<T>(mut items: Vec<T>, size: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > size;
    items.truncate(size);
    let next_after = if more { items.last().map(key) } else { None };
    Page { items, next_after }
}

#[async_trait]
impl DecisionStore for CosmosStore {
    async fn put_decision(
        &self,
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Result<(), StoreError> {
        let document = DecisionDoc {
            id: decision.decision_id.clone(),
            tenant: tenant.as_str().to_owned(),
            orchestration_id: orchestration_id.map(str::to_owned),
            decision: decision.clone(),
        };
        create_new(
            &self.inner.decisions,
            tenant.as_str(),
            &document.id,
            &document,
            DECISION,
        )
        .await
    }

    async fn get_decision(
        &self,
        tenant: &TenantId,
        decision_id: &str,
    ) -> Result<Option<ReviewDecision>, StoreError> {
        Ok(
            Self::read::<DecisionDoc>(&self.inner.decisions, tenant.as_str(), decision_id)
                .await?
                .map(|(document, _)| document.decision),
        )
    }
}

/// Creates a new document; one that exists already is `AlreadyExists` for the caller.
async fn create_new<T: Serialize>(
    container: &ContainerClient,
    partition: &str,
    id: &str,
    document: &T,
    kind: &'static str,
) -> Result<(), StoreError> {
    match retrying(|| container.create_item(partition.to_owned(), id, document, None)).await {
        Ok(_) => Ok(()),
        Err(error) if error.status().is_conflict() => Err(StoreError::AlreadyExists {
            kind,
            id: id.to_owned(),
        }),
        Err(error) => Err(unavailable(&error)),
    }
}

/// Creates a document unless it exists: the first write stands, a repeat is harmless.
async fn write_once<T: Serialize>(
    container: &ContainerClient,
    partition: &str,
    id: &str,
    document: &T,
) -> Result<(), StoreError> {
    match retrying(|| container.create_item(partition.to_owned(), id, document, None)).await {
        Ok(_) => Ok(()),
        Err(error) if error.status().is_conflict() => Ok(()),
        Err(error) => Err(write_error(&error)),
    }
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
        let lease = self
            .acquire_lease(
                &record.tenant,
                &record.orchestration_id,
                &claim.owner,
                claim.expire_time,
            )
            .await?
            .ok_or_else(|| StoreError::AlreadyExists {
                kind: LEASE,
                id: record.orchestration_id.clone(),
            })?;
        let outcome = self.insert_orchestration(record).await;
        match outcome {
            Ok((record, true)) => Ok(Created {
                record,
                created: true,
                lease: Some(lease),
            }),
            other => {
                if let Err(error) = self.release_lease(&lease).await {
                    // It expires; whoever takes it then finds no orchestration and drops it.
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

/// The health probe's document, in the leases container. Lease documents are named by
/// orchestration ids (`orch-...`) and all have an expiry, so this one is never taken for a
/// lease, whatever tenant shares its partition.
const PROBE_PARTITION: &str = "_probe";
const PROBE_ID: &str = "health-probe";

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

impl CosmosStore {
    /// The stored lease when it is exactly `document` (owner and expiry): a write of ours that
    /// landed although the call failed.
    async fn lease_if_ours(&self, document: &LeaseDoc) -> Result<Option<Lease>, StoreError> {
        let stored =
            Self::read::<LeaseDoc>(&self.inner.leases, &document.tenant, &document.id).await?;
        match stored {
            Some((stored, etag))
                if stored.owner == document.owner
                    && stored.expire_millis == document.expire_millis =>
            {
                stored.into_lease(etag).map(Some)
            }
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl LeaseStore for CosmosStore {
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
        expire_time: DateTime<Utc>,
    ) -> Result<Option<Lease>, StoreError> {
        let container = &self.inner.leases;
        let document = LeaseDoc {
            id: orchestration_id.to_owned(),
            tenant: tenant.as_str().to_owned(),
            owner: owner.to_owned(),
            expire_millis: millis(expire_time),
            etag: None,
        };
        let held = Self::read::<LeaseDoc>(container, tenant.as_str(), orchestration_id).await?;
        let written = match held {
            None => {
                match retrying(|| {
                    container.create_item(
                        tenant.as_str().to_owned(),
                        orchestration_id,
                        &document,
                        None,
                    )
                })
                .await
                {
                    Ok(response) => response,
                    // Someone else created it first, or an earlier attempt of ours did.
                    Err(error) if error.status().is_conflict() => {
                        return self.lease_if_ours(&document).await;
                    }
                    Err(error) => return Err(unavailable(&error)),
                }
            }
            Some((current, etag)) => {
                if current.owner != owner && current.expire_millis >= millis(Utc::now()) {
                    return Ok(None);
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
                    Ok(response) => response,
                    // Taken over (or released) in between.
                    Err(error)
                        if error.status().is_precondition_failed()
                            || error.status().is_not_found() =>
                    {
                        return Ok(None);
                    }
                    Err(error) => return Err(unavailable(&error)),
                }
            }
        };
        let etag = written.headers().etag().map(|etag| etag.to_string());
        document.into_lease(etag).map(Some)
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        expire_time: DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        let container = &self.inner.leases;
        let document = LeaseDoc {
            id: lease.orchestration_id.clone(),
            tenant: lease.tenant.as_str().to_owned(),
            owner: lease.owner.clone(),
            expire_millis: millis(expire_time),
            etag: None,
        };
        let options = Some(if_match(&lease.etag));
        match retrying(|| {
            container.replace_item(
                lease.tenant.as_str().to_owned(),
                &lease.orchestration_id,
                &document,
                options.clone(),
            )
        })
        .await
        {
            Ok(response) => {
                let etag = response.headers().etag().map(|etag| etag.to_string());
                document.into_lease(etag)
            }
            Err(error) if error.status().is_precondition_failed() => {
                // An earlier attempt of ours may have landed with its answer lost.
                if let Some(renewed) = self.lease_if_ours(&document).await? {
                    return Ok(renewed);
                }
                Err(StoreError::VersionConflict {
                    kind: LEASE,
                    id: lease.orchestration_id.clone(),
                    expected: 0,
                    actual: 0,
                })
            }
            Err(error) if error.status().is_not_found() => Err(StoreError::NotFound {
                kind: LEASE,
                id: lease.orchestration_id.clone(),
            }),
            Err(error) => Err(unavailable(&error)),
        }
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let container = &self.inner.leases;
        let tenant = lease.tenant.as_str();
        let mut etag = lease.etag.clone();
        for _ in 0..ATTEMPTS {
            let options = Some(if_match(&etag));
            match retrying(|| {
                container.delete_item(tenant.to_owned(), &lease.orchestration_id, options.clone())
            })
            .await
            {
                Ok(_) => return Ok(()),
                Err(error) if error.status().is_not_found() => return Ok(()),
                Err(error) if error.status().is_precondition_failed() => {
                    // Renewed since `lease` was read: still ours to release, at its new ETag.
                    // Another owner's now: nothing of ours to release.
                    match Self::read::<LeaseDoc>(container, tenant, &lease.orchestration_id).await?
                    {
                        Some((stored, Some(current))) if stored.owner == lease.owner => {
                            etag = current;
                        }
                        _ => return Ok(()),
                    }
                }
                Err(error) => return Err(unavailable(&error)),
            }
        }
        Err(StoreError::Unavailable(format!(
            "cosmos: the lease of {:?} kept changing while it was released",
            lease.orchestration_id
        )))
    }

    async fn expired_leases(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        // Across tenants: the one query that spans partitions, run every few seconds. Plain
        // (no ORDER BY, OFFSET or LIMIT), which needs no query plan across partitions.
        let q = param(
            query("SELECT * FROM c WHERE c.expire_millis < @now"),
            "@now",
            millis(now),
        )?;
        let mut documents: Vec<LeaseDoc> =
            Self::query(&self.inner.leases, q, FeedScope::full_container()).await?;
        documents.sort_by_key(|document| document.expire_millis);
        documents
            .into_iter()
            .take(limit)
            .map(|document| document.into_lease(None))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::OrchestrationSpec;

    #[test]
    fn an_orchestration_keeps_the_fields_of_newer_builds_but_not_the_accounts() {
        let record = OrchestrationRecord {
            state: OrchestrationState::Running,
            last_sequence: 3,
            ..OrchestrationRecord::new(
                TenantId::default_tenant(),
                "o",
                None,
                OrchestrationSpec::default(),
                Utc::now(),
            )
        };
        let mut stored = serde_json::to_value(OrchestrationDoc::from_record(&record)).unwrap();
        stored["priority"] = serde_json::json!("high");
        stored["_etag"] = serde_json::json!("\"0001\"");
        stored["_ts"] = serde_json::json!(1_700_000_000);
        let read: OrchestrationDoc = serde_json::from_value(stored).unwrap();
        let written = serde_json::to_value(&read).unwrap();
        assert_eq!(written["priority"], "high");
        assert_eq!(written["last_sequence"], 3);
        assert!(written.get("_etag").is_none() && written.get("_ts").is_none());
        assert_eq!(read.into_record().unwrap(), record);
    }

    #[test]
    fn batches_hold_at_most_a_hundred_documents() {
        let documents = documents_of(&[10; 250]);
        let sizes: Vec<usize> = chunks(&documents).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
    }

    #[test]
    fn batches_stay_under_the_size_limit_and_a_huge_document_goes_alone() {
        let documents = documents_of(&[700_000; 5]);
        let sizes: Vec<usize> = chunks(&documents).iter().map(|c| c.len()).collect();
        assert_eq!(
            sizes,
            [2, 2, 1],
            "two of 700 kB fit under 1.8 MB, three do not"
        );
        let huge = documents_of(&[10, 3_000_000, 10]);
        let sizes: Vec<usize> = chunks(&huge).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [1, 1, 1]);
        assert!(chunks(&[]).is_empty());
    }

    fn documents_of(bytes: &[usize]) -> Vec<(String, serde_json::Value)> {
        bytes
            .iter()
            .enumerate()
            .map(|(n, &b)| (format!("d{n}"), serde_json::json!({ "pad": "x".repeat(b) })))
            .collect()
    }

    #[test]
    fn request_markers_are_valid_document_ids_whatever_the_request_id() {
        let id = request_marker_id("a/b?c#d\\e");
        assert!(id.starts_with("request-"));
        assert!(!id.contains(['/', '\\', '?', '#']));
        assert_eq!(id, request_marker_id("a/b?c#d\\e"));
        assert_ne!(id, request_marker_id("a/b?c#d\\f"));
    }
}
