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
//!
//! One module per container's records (`criteria`, `decisions`, `orchestrations`, `log` for
//! events and checkpoints, `leases`); `documents` holds the stored document types, `error` the
//! classification of the account's errors and the retries.

mod criteria;
mod decisions;
mod documents;
mod error;
mod leases;
mod log;
mod orchestrations;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use azure_core::http::Etag;
use azure_data_cosmos::clients::{ContainerClient, DatabaseClient};
use azure_data_cosmos::feed::{FeedScope, Query};
use azure_data_cosmos::models::{ContainerProperties, PartitionKeyDefinition};
use azure_data_cosmos::options::{
    BinaryEncodingOptions, ConnectionPoolOptions, ItemWriteOptions, Precondition,
};
use azure_data_cosmos::{
    AccountEndpoint, AccountReference, CosmosClient, CosmosRuntime, RoutingStrategy,
};
use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId};
use futures_util::TryStreamExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::TenantId;
use crate::store::{OpenError, Page, StoreError};
use crate::sync::lock;
use error::{open_error, retrying, unavailable, write_error};

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
    /// What this server last saw of the fences of the orchestrations whose log it writes.
    fences: FenceTags,
    /// Owners whose heartbeat this store has written: a lease created for one needs none.
    recorded_owners: Names,
}

/// Fences by (orchestration id, owner), as their writer last saw them: a log batch is
/// conditioned on the ETag. By owner too, because one store may serve several owners (tests
/// do). `None`: the orchestration was created here and its fence is written with its first log
/// batch (a request fewer per submission).
#[derive(Default)]
struct FenceTags(Mutex<HashMap<(String, String), Option<String>>>);

impl FenceTags {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Option<String>>> {
        lock(&self.0)
    }

    fn key(orchestration_id: &str, owner: &str) -> (String, String) {
        (orchestration_id.to_owned(), owner.to_owned())
    }

    fn get(&self, orchestration_id: &str, owner: &str) -> Option<Option<String>> {
        self.lock()
            .get(&Self::key(orchestration_id, owner))
            .cloned()
    }

    fn insert(&self, orchestration_id: &str, owner: &str, etag: String) {
        self.lock()
            .insert(Self::key(orchestration_id, owner), Some(etag));
    }

    /// `owner` created the orchestration and has no fence written yet.
    fn created(&self, orchestration_id: &str, owner: &str) {
        self.lock().insert(Self::key(orchestration_id, owner), None);
    }

    fn forget(&self, orchestration_id: &str, owner: &str) {
        self.lock().remove(&Self::key(orchestration_id, owner));
    }
}

#[derive(Default)]
struct Names(Mutex<HashSet<String>>);

impl Names {
    fn contains(&self, name: &str) -> bool {
        lock(&self.0).contains(name)
    }

    fn insert(&self, name: &str) {
        lock(&self.0).insert(name.to_owned());
    }
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

fn if_match(etag: &str) -> ItemWriteOptions {
    ItemWriteOptions::default().with_precondition(Precondition::if_match(Etag::from(etag)))
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
                fences: FenceTags::default(),
                recorded_owners: Names::default(),
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

fn query(text: &str) -> Query {
    Query::from(text)
}

fn param<V: Serialize>(query: Query, name: &str, value: V) -> Result<Query, StoreError> {
    query
        .with_parameter(name, value)
        .map_err(|e| StoreError::Corrupt(format!("query parameter {name}: {e}")))
}

fn page_of<T>(mut items: Vec<T>, size: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > size;
    items.truncate(size);
    let next_after = if more { items.last().map(key) } else { None };
    Page { items, next_after }
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
