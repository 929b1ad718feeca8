//! Settings: built-in defaults, then a TOML file, then `ORCHESTRATOR_*` environment variables,
//! then command-line flags, each overriding the one before.
//!
//! Environment variables name a setting by its path, sections separated by a double underscore:
//! `ORCHESTRATOR_SERVER__LISTEN=0.0.0.0:50051`, `ORCHESTRATOR_LOG__FORMAT=json`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::engine::validate::{Defaults, Limits};
use crate::model::plan::RetryPolicy;

mod security;

pub use security::{
    ApiKeySettings, AuthMode, AuthSettings, ClientCertSettings, ClientTlsSettings, JwtSettings,
    ReflectionAccess, ServerTlsSettings,
};

/// Prefix of the environment variables that carry settings.
pub const ENV_PREFIX: &str = "ORCHESTRATOR_";
/// Environment variable naming the settings file (read by the CLI, not a setting itself).
pub const CONFIG_FILE_ENV: &str = "ORCHESTRATOR_CONFIG";
/// Prefix of the client commands' own variables (`ORCHESTRATOR_CLIENT_SERVER`, ...). The server
/// skips them, so that one shell can hold both without `serve` refusing unknown settings.
pub const CLIENT_ENV_PREFIX: &str = "ORCHESTRATOR_CLIENT_";
/// The client's variables before they had a prefix of their own: the CLI still reads them
/// (with a warning), and the server skips them too.
pub const LEGACY_CLIENT_ENV: [&str; 4] = [
    "ORCHESTRATOR_SERVER_URL",
    "ORCHESTRATOR_TENANT",
    "ORCHESTRATOR_TOKEN",
    "ORCHESTRATOR_CA_CERT",
];

/// Whether a variable (named without `ORCHESTRATOR_`) belongs to the client, not the server.
fn is_client_variable(key: &str) -> bool {
    let name = format!("{ENV_PREFIX}{}", key.to_ascii_uppercase());
    name.starts_with(CLIENT_ENV_PREFIX) || LEGACY_CLIENT_ENV.contains(&name.as_str())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("settings file {path} does not exist")]
    MissingFile { path: PathBuf },
    #[error("invalid settings: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("cannot render settings: {0}")]
    Render(#[from] toml::ser::Error),
    #[error("invalid setting {key}: {reason}")]
    OutOfRange { key: String, reason: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub log: LogSettings,
    pub storage: StorageSettings,
    pub review: ReviewSettings,
    pub engine: EngineSettings,
    pub limits: LimitsSettings,
    pub auth: AuthSettings,
    pub metrics: MetricsSettings,
    pub telemetry: TelemetrySettings,
    /// Agents by name. `echo` and `mock` are present unless configured otherwise (for
    /// instance `[agents.mock]` with `kind = "mock"` and `enabled = false`).
    pub agents: BTreeMap<String, AgentSettings>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// Address of the admin HTTP listener (`/metrics`, `/healthz`, `/readyz`); empty turns it
    /// off.
    pub admin_listen: String,
    /// After SIGINT/SIGTERM, how long calls already running may take to finish before the
    /// process exits anyway.
    #[serde(with = "humantime_serde")]
    pub drain_timeout: Duration,
    /// What happens, once calls have drained, to orchestrations still running.
    pub running_at_shutdown: RunningAtShutdown,
    /// Listening beyond loopback with `auth.mode = "off"` is refused unless this says it is
    /// deliberate (a trusted network, a mesh that authenticates).
    pub insecure: bool,
    pub reflection: ReflectionAccess,
    /// The web console at `/console/` on this listener, and gRPC-Web (over HTTP/1.1 as well as
    /// HTTP/2) for it and for other browser clients.
    pub console: bool,
    /// Connections open at once; the next ones are closed at once.
    pub max_connections: usize,
    /// Calls in progress at once on one HTTP/2 connection (advertised to clients).
    pub max_concurrent_streams: u32,
    /// HTTP/2 pings on quiet connections, to find dead peers...
    #[serde(with = "humantime_serde")]
    pub keepalive_interval: Duration,
    /// ...which must be answered within this.
    #[serde(with = "humantime_serde")]
    pub keepalive_timeout: Duration,
    /// A new connection must send its first call's request headers (TLS handshake included)
    /// within this.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A connection without a call in progress for this long is closed.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// From a call's request until its response starts (the whole of a unary call; a stream
    /// until its first message): bounds requests whose body never finishes.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Largest request message.
    pub max_message_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            admin_listen: "127.0.0.1:9464".into(),
            drain_timeout: Duration::from_secs(10),
            running_at_shutdown: RunningAtShutdown::HandOver,
            insecure: false,
            reflection: ReflectionAccess::default(),
            console: true,
            max_connections: 4096,
            max_concurrent_streams: 256,
            keepalive_interval: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            max_message_bytes: 4 * 1024 * 1024,
            tls: None,
        }
    }
}

impl ServerSettings {
    /// The admin listener's address, if it is on (`check` made sure that it parses).
    pub fn admin_address(&self) -> Option<SocketAddr> {
        self.admin_listen.trim().parse().ok()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Adds a `tenant` label to the orchestration metrics: one series per tenant, so only
    /// where tenants are few.
    pub tenant_label: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    pub otlp: OtlpSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpSettings {
    /// Where spans go, OTLP over gRPC (`http://collector:4317`); empty: traces are off.
    pub endpoint: String,
    /// Share of new traces kept, in [0, 1]; a caller's sampling decision stands.
    pub sampling_ratio: f64,
}

impl Default for OtlpSettings {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            sampling_ratio: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunningAtShutdown {
    /// Stop running them here without ending them, and expire their leases: another replica,
    /// or this server restarted, resumes them at once. Nothing accepted is given up.
    HandOver,
    /// Cancel them: they end CANCELLED, recorded.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter: a level (`info`) or per-target directives (`info,orchestrator=debug`).
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            filter: "info".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewSettings {
    /// How long a replica may keep serving criteria it read before re-reading them: bounds how
    /// long a change made through another replica takes to apply here.
    #[serde(with = "humantime_serde")]
    pub criteria_cache_ttl: Duration,
    /// The server secret that keys HASH pseudonyms. Unset: `pseudonym.key` in the data
    /// directory, made on first start. Replicas must share one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym_key_file: Option<PathBuf>,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            criteria_cache_ttl: Duration::from_secs(30),
            pseudonym_key_file: None,
        }
    }
}

/// How orchestrations run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Per-attempt timeout of tasks whose orchestration sets none.
    #[serde(with = "humantime_serde")]
    pub default_task_timeout: Duration,
    /// Tasks of one orchestration running at once, when it sets no max_parallelism.
    pub default_max_parallelism: usize,
    pub max_tasks: usize,
    /// Of the orchestration input and of each task input.
    pub max_input_bytes: usize,
    /// Task outputs longer than this are cut (and flagged as truncated).
    pub max_output_bytes: usize,
    /// The server's retry policy, for tasks and orchestrations that set none.
    pub retry: RetryPolicy,
}

impl Default for EngineSettings {
    /// The engine's own defaults and limits: one source for both.
    fn default() -> Self {
        let (defaults, limits) = (Defaults::default(), Limits::default());
        Self {
            default_task_timeout: defaults.task_timeout,
            default_max_parallelism: defaults.max_parallelism,
            max_tasks: limits.max_tasks,
            max_input_bytes: limits.max_input_bytes,
            max_output_bytes: limits.max_output_bytes,
            retry: defaults.retry,
        }
    }
}

/// What work may hold and take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSettings {
    /// What one orchestration may hold: its outputs at their caps (a result carries each and
    /// their aggregate) and its rendered inputs at their largest. The default keeps every
    /// result and every event within the 4 MiB a default gRPC client accepts.
    pub max_result_bytes: usize,
    /// Orchestrations in flight on this server at once.
    pub max_in_flight: usize,
    /// Orchestrations in flight per tenant at once.
    pub max_in_flight_per_tenant: usize,
    /// New orchestrations per second per tenant, with one second's worth as a burst.
    pub submissions_per_second_per_tenant: f64,
    /// Bytes the work in flight may hold (specs, bookkeeping, outputs), as admission counts
    /// them.
    pub memory_budget: usize,
    /// Bytes one tenant's work in flight may hold, so that one tenant cannot take the whole
    /// `memory_budget`.
    pub memory_budget_per_tenant: usize,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        // 10,000 three-task orchestrations in flight fit, in about 250 MiB of process memory.
        Self {
            max_result_bytes: Limits::default().max_result_bytes,
            max_in_flight: 10_000,
            max_in_flight_per_tenant: 10_000,
            submissions_per_second_per_tenant: 10_000.0,
            memory_budget: 256 * 1024 * 1024,
            memory_budget_per_tenant: 256 * 1024 * 1024,
        }
    }
}

/// One agent: its kind and the settings of that kind. Secrets are never written here: the
/// settings name the environment variable that holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum AgentSettings {
    /// Returns the rendered task input.
    Echo {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
    },
    /// Deterministic behaviour from task params, for tests, demos and benchmarks.
    Mock {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
    },
    /// POSTs JSON to `url`.
    Http {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
        url: String,
        /// Extra request headers.
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// Environment variable holding a bearer token, sent as `Authorization: Bearer`.
        #[serde(default)]
        bearer_token_env: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<ClientTlsSettings>,
    },
    /// OpenAI-compatible chat completions.
    Openai {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
        /// `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama), a vLLM server, or
        /// an Azure OpenAI resource (`https://<name>.openai.azure.com`).
        base_url: String,
        /// Required except for Azure deployments, whose deployment names the model.
        #[serde(default)]
        model: Option<String>,
        /// Environment variable holding the API key; unset for servers that need none.
        #[serde(default)]
        api_key_env: Option<String>,
        #[serde(default)]
        system_prompt: Option<String>,
        #[serde(default)]
        temperature: Option<f64>,
        #[serde(default)]
        max_tokens: Option<u32>,
        /// Azure OpenAI: the deployment; with it, `api_version` is required and the key goes in
        /// the `api-key` header.
        #[serde(default)]
        azure_deployment: Option<String>,
        #[serde(default)]
        api_version: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<ClientTlsSettings>,
    },
    /// An external agent implementing `orchestrator.v1.AgentService`.
    Grpc {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
        /// `http://host:port` (or `https://`, always TLS).
        endpoint: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<ClientTlsSettings>,
    },
}

fn enabled() -> bool {
    true
}

impl AgentSettings {
    /// (enabled, description, max_concurrency), common to every kind.
    fn common(&self) -> (bool, &str, u32) {
        match self {
            AgentSettings::Echo {
                enabled,
                description,
                max_concurrency,
            }
            | AgentSettings::Mock {
                enabled,
                description,
                max_concurrency,
            }
            | AgentSettings::Http {
                enabled,
                description,
                max_concurrency,
                ..
            }
            | AgentSettings::Openai {
                enabled,
                description,
                max_concurrency,
                ..
            }
            | AgentSettings::Grpc {
                enabled,
                description,
                max_concurrency,
                ..
            } => (*enabled, description, *max_concurrency),
        }
    }

    pub fn enabled(&self) -> bool {
        self.common().0
    }

    pub fn description(&self) -> &str {
        self.common().1
    }

    /// Calls running at once across all orchestrations; 0 is unlimited.
    pub fn max_concurrency(&self) -> u32 {
        self.common().2
    }
}

/// Settings given as command-line flags; `None` leaves the setting to the layers below.
#[derive(Debug, Clone, Default)]
pub struct FlagOverrides {
    pub listen: Option<SocketAddr>,
    pub drain_timeout: Option<Duration>,
    pub log_format: Option<LogFormat>,
    pub log_filter: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// `--insecure`: sets `server.insecure`.
    pub insecure: bool,
}

impl Settings {
    /// What the engine checks plans against: its limits and the defaults of what a plan may
    /// leave out. The server and `plan validate` both take them from here.
    pub fn plan_limits(&self) -> (Limits, Defaults) {
        let engine = &self.engine;
        let limits = Limits {
            max_tasks: engine.max_tasks,
            max_input_bytes: engine.max_input_bytes,
            max_output_bytes: engine.max_output_bytes,
            max_result_bytes: self.limits.max_result_bytes,
            ..Limits::default()
        };
        let defaults = Defaults {
            task_timeout: engine.default_task_timeout,
            retry: engine.retry.clone(),
            max_parallelism: engine.default_max_parallelism,
        };
        (limits, defaults)
    }

    /// Loads the effective settings. `file`, when given, must exist.
    pub fn load(file: Option<&Path>, flags: &FlagOverrides) -> Result<Self, ConfigError> {
        Self::load_with_env(file, flags, Env::prefixed(ENV_PREFIX))
    }

    fn load_with_env(
        file: Option<&Path>,
        flags: &FlagOverrides,
        env: Env,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::MissingFile {
                    path: path.to_owned(),
                });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let env = env
            .ignore(&["config"])
            .filter(|key| !is_client_variable(key.as_str()))
            .split("__");
        figment = figment.merge(env);
        if let Some(listen) = flags.listen {
            figment = figment.merge(Serialized::default("server.listen", listen));
        }
        if let Some(timeout) = flags.drain_timeout {
            let rendered = humantime::format_duration(timeout).to_string();
            figment = figment.merge(Serialized::default("server.drain_timeout", rendered));
        }
        if let Some(format) = flags.log_format {
            figment = figment.merge(Serialized::default("log.format", format));
        }
        if let Some(filter) = &flags.log_filter {
            figment = figment.merge(Serialized::default("log.filter", filter));
        }
        if let Some(data_dir) = &flags.data_dir {
            figment = figment.merge(Serialized::default("storage.data_dir", data_dir));
        }
        if flags.insecure {
            figment = figment.merge(Serialized::default("server.insecure", true));
        }
        let settings: Self = figment.extract().map_err(Box::new)?;
        settings.check()?;
        Ok(settings)
    }

    /// What serde cannot check.
    fn check(&self) -> Result<(), ConfigError> {
        let lease = self.storage.lease_duration;
        // Beaten every third of it: under a second leaves no room for a slow store call, and
        // past an hour a crashed server's work waits that long.
        if !(Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&lease) {
            return Err(ConfigError::OutOfRange {
                key: "storage.lease_duration".into(),
                reason: format!("{} is outside 1s..=1h", humantime::format_duration(lease)),
            });
        }
        self.check_transport()?;
        self.check_result_budget()?;
        self.check_admission()?;
        security::check(self)
    }

    /// The budget must leave the largest plan allowed a useful cap on every output, so that
    /// no plan fails merely for having many tasks.
    fn check_result_budget(&self) -> Result<(), ConfigError> {
        use crate::engine::budget::{MIN_OUTPUT_CAP, RESULT_RESERVE};
        let result = self.limits.max_result_bytes;
        let needed = self
            .engine
            .max_tasks
            .saturating_mul(2 * MIN_OUTPUT_CAP)
            .saturating_add(RESULT_RESERVE);
        if result > 64 * 1024 * 1024 {
            return Err(ConfigError::OutOfRange {
                key: "limits.max_result_bytes".into(),
                reason: format!("{result} is above 64 MiB"),
            });
        }
        if result < needed {
            return Err(ConfigError::OutOfRange {
                key: "limits.max_result_bytes".into(),
                reason: format!(
                    "{result} leaves plans of engine.max_tasks ({}) tasks less than {MIN_OUTPUT_CAP} bytes of output each; raise it to at least {needed} or lower engine.max_tasks",
                    self.engine.max_tasks
                ),
            });
        }
        Ok(())
    }

    fn check_admission(&self) -> Result<(), ConfigError> {
        let limits = &self.limits;
        let invalid = |key: &str, reason: String| ConfigError::OutOfRange {
            key: key.into(),
            reason,
        };
        if limits.max_in_flight == 0 || limits.max_in_flight_per_tenant == 0 {
            return Err(invalid(
                "limits.max_in_flight",
                "and limits.max_in_flight_per_tenant must be at least 1".into(),
            ));
        }
        let rate = limits.submissions_per_second_per_tenant;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(invalid(
                "limits.submissions_per_second_per_tenant",
                format!("{rate} is not a positive rate"),
            ));
        }
        // One orchestration at the largest result must be able to run at all.
        let needed = limits.max_result_bytes.saturating_mul(2);
        for (key, budget) in [
            ("limits.memory_budget", limits.memory_budget),
            (
                "limits.memory_budget_per_tenant",
                limits.memory_budget_per_tenant,
            ),
        ] {
            if budget < needed {
                return Err(invalid(
                    key,
                    format!(
                        "{budget} cannot hold one orchestration at limits.max_result_bytes ({}); give it at least {needed}",
                        limits.max_result_bytes
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_transport(&self) -> Result<(), ConfigError> {
        let server = &self.server;
        let ratio = self.telemetry.otlp.sampling_ratio;
        if !(0.0..=1.0).contains(&ratio) {
            return Err(ConfigError::OutOfRange {
                key: "telemetry.otlp.sampling_ratio".into(),
                reason: format!("{ratio} is outside [0, 1]"),
            });
        }
        let endpoint = self.telemetry.otlp.endpoint.trim();
        let is_url = endpoint.starts_with("http://") || endpoint.starts_with("https://");
        if !(endpoint.is_empty() || is_url) {
            return Err(ConfigError::OutOfRange {
                key: "telemetry.otlp.endpoint".into(),
                // Not quoted: a value that is not a URL could be anything, a secret included.
                reason: "must be an http:// or https:// URL (the collector's OTLP/gRPC address)"
                    .into(),
            });
        }
        let admin = server.admin_listen.trim();
        if !admin.is_empty() && admin.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::OutOfRange {
                key: "server.admin_listen".into(),
                reason: format!("{admin:?} is not an address (host:port), nor empty (off)"),
            });
        }
        for (key, value) in [
            ("server.max_connections", server.max_connections),
            (
                "server.max_concurrent_streams",
                server.max_concurrent_streams as usize,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::OutOfRange {
                    key: key.into(),
                    reason: "must be at least 1".into(),
                });
            }
        }
        for (key, value) in [
            ("server.keepalive_interval", server.keepalive_interval),
            ("server.keepalive_timeout", server.keepalive_timeout),
            ("server.header_read_timeout", server.header_read_timeout),
            ("server.idle_timeout", server.idle_timeout),
            ("server.request_timeout", server.request_timeout),
        ] {
            if value < Duration::from_millis(100) {
                return Err(ConfigError::OutOfRange {
                    key: key.into(),
                    reason: "must be at least 100ms".into(),
                });
            }
        }
        if !(1024..=64 * 1024 * 1024).contains(&server.max_message_bytes) {
            return Err(ConfigError::OutOfRange {
                key: "server.max_message_bytes".into(),
                reason: "must be within 1 KiB..=64 MiB".into(),
            });
        }
        Ok(())
    }

    /// The settings as a TOML document, the format of the settings file.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        Ok(toml::to_string_pretty(self)?)
    }

    /// [`Self::to_toml`] for showing: header values, key digests, and the userinfo and query
    /// values of URLs become `***`.
    pub fn to_toml_redacted(&self) -> Result<String, ConfigError> {
        Ok(toml::to_string_pretty(&security::redacted(self))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn write_file(contents: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(contents.as_bytes()).unwrap();
        file
    }

    #[test]
    fn client_variables_are_not_settings() {
        for client in [
            "client_server",
            "CLIENT_TOKEN",
            "client_reviewer",
            "server_url",
            "tenant",
            "token",
            "ca_cert",
        ] {
            assert!(is_client_variable(client), "{client}");
        }
        for setting in [
            "server__listen",
            "storage__backend",
            "auth__mode",
            "log__format",
        ] {
            assert!(!is_client_variable(setting), "{setting}");
        }
        // No setting of the server may ever be named like a client variable.
        let rendered = toml::Value::try_from(Settings::default()).unwrap();
        for key in rendered.as_table().unwrap().keys() {
            assert!(!is_client_variable(key), "setting {key} would be skipped");
        }
    }

    #[test]
    fn defaults_without_any_source() {
        let settings =
            Settings::load_with_env(None, &FlagOverrides::default(), Env::prefixed("NOPE_"))
                .unwrap();
        assert_eq!(settings, Settings::default());
        assert_eq!(settings.server.listen.to_string(), "127.0.0.1:50051");
    }

    #[test]
    fn flags_override_the_file() {
        let file = write_file(
            "[server]\nlisten = \"127.0.0.1:6000\"\ndrain_timeout = \"3s\"\n[log]\nformat = \"json\"\nfilter = \"debug\"\n",
        );
        let from_file = Settings::load_with_env(
            Some(file.path()),
            &FlagOverrides::default(),
            Env::prefixed("NOPE_"),
        )
        .unwrap();
        assert_eq!(from_file.server.listen.port(), 6000);
        assert_eq!(from_file.server.drain_timeout, Duration::from_secs(3));
        assert_eq!(from_file.log.format, LogFormat::Json);

        // Environment variables are covered end to end in tests/config.rs, on a child process:
        // setting them here would race with the other tests of this binary.
        let flags = FlagOverrides {
            listen: Some("127.0.0.1:8000".parse().unwrap()),
            drain_timeout: Some(Duration::from_millis(1500)),
            log_format: Some(LogFormat::Text),
            log_filter: None,
            data_dir: Some(PathBuf::from("/var/lib/orchestrator")),
            insecure: false,
        };
        let from_flags =
            Settings::load_with_env(Some(file.path()), &flags, Env::prefixed("NOPE_")).unwrap();
        assert_eq!(from_flags.server.listen.port(), 8000);
        assert_eq!(from_flags.server.drain_timeout, Duration::from_millis(1500));
        assert_eq!(from_flags.log.format, LogFormat::Text);
        assert_eq!(from_flags.log.filter, "debug");
        assert_eq!(
            from_flags.storage.data_dir,
            Path::new("/var/lib/orchestrator")
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let typo = write_file("[server]\nlisten_addr = \"127.0.0.1:1\"\n");
        let err = Settings::load_with_env(
            Some(typo.path()),
            &FlagOverrides::default(),
            Env::prefixed("NOPE_"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("listen_addr"), "{err}");

        let bad = write_file("[server]\nlisten = \"not an address\"\n");
        let err = Settings::load_with_env(
            Some(bad.path()),
            &FlagOverrides::default(),
            Env::prefixed("NOPE_"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("server.listen"), "{err}");
    }

    #[test]
    fn a_named_file_must_exist() {
        let err = Settings::load_with_env(
            Some(Path::new("/nonexistent/orchestrator.toml")),
            &FlagOverrides::default(),
            Env::prefixed("NOPE_"),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::MissingFile { .. }));
    }

    #[test]
    fn rendered_settings_load_back() {
        let rendered = Settings::default().to_toml().unwrap();
        let file = write_file(&rendered);
        let loaded = Settings::load_with_env(
            Some(file.path()),
            &FlagOverrides::default(),
            Env::prefixed("NOPE_"),
        )
        .unwrap();
        assert_eq!(loaded, Settings::default());
    }
}
