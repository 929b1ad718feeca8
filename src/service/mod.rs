//! The orchestrations service: validates and accepts orchestrations, runs them in the
//! background, answers for their state, follows their events, and takes cancellations and
//! human decisions. Backend-agnostic: it talks to the store through its traits.
//!
//! One module per concern: `submission`, `queries`, `follow`, `control` (cancellations and
//! escalations), `launch`, `shutdown`, and `recovery` (leases and resume).

pub mod admission;
pub mod availability;
mod control;
mod follow;
mod launch;
pub mod log;
mod queries;
mod recovery;
mod shutdown;
mod submission;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::agents::AgentRegistry;
use crate::catalog::{CatalogError, CriteriaCatalog};
use crate::engine::orchestration::{Cancellation, Runner};

use crate::model::FieldViolation;
use crate::model::HumanDecision;
use crate::model::event::Event;
use crate::store::{Heartbeat, Lease, Store, StoreError};
use crate::sync::lock;
use crate::telemetry::metrics::Metrics;
use admission::{Admission, Refusal};
use availability::StoreAvailability;
use log::{EventLog, OrchestrationSink};
pub use submission::PlanRules;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid orchestration")]
    Invalid(Vec<FieldViolation>),
    #[error("orchestration {0:?} was not found")]
    NotFound(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Over an admission bound: nothing was stored.
    #[error(transparent)]
    Exhausted(#[from] Refusal),
    /// The request id names an orchestration of another plan: nothing was done.
    #[error(
        "request_id {request_id:?} was used for orchestration {orchestration_id} with a different plan; send that plan to get it back, or use a new request_id"
    )]
    RequestIdReused {
        request_id: String,
        orchestration_id: String,
    },
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub orchestration_id: String,
    /// False when the request id named an existing orchestration.
    pub created: bool,
}

/// An orchestration running in this process.
struct Live {
    cancel: Cancellation,
    escalation: Option<oneshot::Sender<HumanDecision>>,
    sink: Arc<OrchestrationSink>,
    /// Released after the run's last event.
    lease: Lease,
}

type LiveMap = Arc<Mutex<HashMap<String, Live>>>;
type HeldBack = Arc<Mutex<Vec<Lease>>>;

/// The events a follower gets, in order, until the completed one (or an error).
pub type EventReceiver = mpsc::Receiver<Result<Arc<Event>, ServiceError>>;

pub struct Orchestrations {
    store: Arc<dyn Store>,
    catalog: Arc<CriteriaCatalog>,
    rules: PlanRules,
    runner: Arc<Runner>,
    log: EventLog,
    live: LiveMap,
    tracker: TaskTracker,
    leases: LeaseSettings,
    /// This server's heartbeat, which its leases follow.
    heartbeat: recovery::HeartbeatState,
    /// Leases this server holds of orchestrations it does not run (yet): their resume failed,
    /// found no room, or was stopped when the heartbeat could not be written. The adoption
    /// scan tries them again; they would never lapse while this server beats.
    held_back: HeldBack,
    availability: StoreAvailability,
    admission: Arc<Admission>,
    metrics: Arc<Metrics>,
}

/// Who this server is to other replicas, and how long its heartbeat stands without renewal.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    pub owner: String,
    /// Where it runs, when that is known to run one process at a time (the pod's name): a
    /// server starting there takes the leases of the process before it over at once.
    pub host: Option<String>,
    pub duration: Duration,
}

/// This process, for telling a restarted server on the same host from a sibling in-process.
static PROCESS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| uuid::Uuid::new_v4().simple().to_string());

impl LeaseSettings {
    /// How often the heartbeat is written and orphans are looked for: a third of the lease,
    /// so that two writes may fail before it lapses.
    fn period(&self) -> Duration {
        (self.duration / 3).max(Duration::from_millis(100))
    }

    fn expiry(&self) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.duration).unwrap_or(chrono::Duration::MAX)
    }

    fn heartbeat(&self, expire_time: chrono::DateTime<Utc>) -> Heartbeat {
        Heartbeat {
            owner: self.owner.clone(),
            host: self.host.clone(),
            process: PROCESS.clone(),
            expire_time,
        }
    }
}

pub struct ServiceParts {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<CriteriaCatalog>,
    pub rules: PlanRules,
    pub runner: Runner,
    pub log: EventLog,
    pub leases: LeaseSettings,
    pub availability: StoreAvailability,
    pub admission: Arc<Admission>,
    pub metrics: Arc<Metrics>,
}

/// Runs `work` every `period`, the first time at once, until `stop`. A late round delays the
/// next rather than bunching rounds up.
async fn every<F, Fut>(period: Duration, stop: &CancellationToken, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        work().await;
    }
}

impl Orchestrations {
    pub fn new(parts: ServiceParts) -> Self {
        Self {
            store: parts.store,
            catalog: parts.catalog,
            rules: parts.rules,
            runner: Arc::new(parts.runner),
            log: parts.log,
            live: Arc::default(),
            tracker: TaskTracker::new(),
            leases: parts.leases,
            heartbeat: recovery::HeartbeatState::default(),
            held_back: HeldBack::default(),
            availability: parts.availability,
            admission: parts.admission,
            metrics: parts.metrics,
        }
    }

    pub fn agents(&self) -> &AgentRegistry {
        &self.rules.agents
    }

    /// Orchestrations running in this process.
    pub fn running(&self) -> usize {
        lock(&self.live).len()
    }
}
