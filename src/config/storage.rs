//! Where orchestrations are stored: SQLite in a data directory, or Azure Cosmos DB.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    pub backend: StorageBackend,
    /// Where the embedded store keeps its files.
    pub data_dir: PathBuf,
    /// How long a server's claim on the orchestrations it runs lasts without renewal: its
    /// heartbeat, one record per server, which every lease that names it follows (written
    /// every third of it). After a crash, another server resumes them once it lapsed; a
    /// restart on the same data (SQLite) or host (Cosmos DB: `HOSTNAME`, the pod's name)
    /// resumes them at once.
    #[serde(with = "humantime_serde")]
    pub lease_duration: Duration,
    /// Used when `backend = "cosmos"`.
    pub cosmos: CosmosSettings,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Sqlite,
            data_dir: PathBuf::from("./data"),
            lease_duration: Duration::from_secs(30),
            cosmos: CosmosSettings::default(),
        }
    }
}

/// Azure Cosmos DB (NoSQL API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CosmosSettings {
    /// The account endpoint, `https://<account>.documents.azure.com:443/`. Plain `http://` is
    /// accepted only for a local emulator (127.0.0.1, localhost).
    pub endpoint: String,
    pub database: String,
    /// How the server proves who it is to the account.
    pub credential: CosmosCredential,
    /// With `credential = "key"`: the environment variable that holds the account key. The key
    /// itself never goes into a settings file. (Not `ORCHESTRATOR_*`: those are settings, and
    /// the key is not one.)
    pub key_env: String,
    /// With `credential = "managed_identity"`: the client id of a user-assigned identity;
    /// empty for the system-assigned one.
    pub managed_identity_client_id: String,
    /// Create the database and containers when they are missing (needs a key with write access
    /// to the account's metadata). Off, the server refuses to start without them.
    pub create_containers: bool,
    /// Use HTTP/2 where the account offers it. Emulators without it need this off.
    pub http2: bool,
    /// Binary-encoded documents on the wire. Emulators that speak only JSON need this off.
    pub binary_encoding: bool,
}

impl Default for CosmosSettings {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            database: "orchestrator".into(),
            credential: CosmosCredential::Key,
            key_env: "AZURE_COSMOS_KEY".into(),
            managed_identity_client_id: String::new(),
            create_containers: true,
            http2: true,
            binary_encoding: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CosmosCredential {
    /// The account key, from the variable named by `key_env`.
    Key,
    /// Entra ID through a managed identity: the host's instance metadata endpoint (VMs, AKS
    /// node identities) or the `IDENTITY_ENDPOINT` the platform sets (App Service, Container
    /// Apps). The identity needs a Cosmos DB data-plane role on the account.
    ManagedIdentity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// Embedded SQLite file under `data_dir`.
    Sqlite,
    /// Azure Cosmos DB, for several replicas sharing one store.
    Cosmos,
}
