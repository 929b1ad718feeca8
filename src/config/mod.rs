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

mod agents;
mod engine;
mod security;
mod server;
mod storage;

pub use agents::AgentSettings;
pub use engine::{EngineSettings, LimitsSettings, ReviewSettings};
pub use security::{
    ApiKeySettings, AuthMode, AuthSettings, ClientCertSettings, ClientTlsSettings, JwtSettings,
    ReflectionAccess, ServerTlsSettings,
};
pub use server::{
    LogFormat, LogSettings, MetricsSettings, OtlpSettings, RunningAtShutdown, ServerSettings,
    TelemetrySettings,
};
pub use storage::{CosmosCredential, CosmosSettings, StorageBackend, StorageSettings};

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
