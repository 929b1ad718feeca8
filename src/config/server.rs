//! How the server listens, stops, and reports: its logs, metrics and traces.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ReflectionAccess, ServerTlsSettings};

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
