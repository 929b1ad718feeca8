//! How orchestrations run and are reviewed, and what work may hold and take.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::validate::{Defaults, Limits};
use crate::model::plan::RetryPolicy;

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
