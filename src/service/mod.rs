//! The orchestrations service: validates and accepts orchestrations, runs them in the
//! background, answers for their state, follows their events, and takes cancellations and
//! human decisions. Backend-agnostic: it talks to the store through its traits.

pub mod admission;
pub mod availability;
pub mod log;
mod recovery;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use futures_util::FutureExt as _;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

use crate::agents::AgentRegistry;
use crate::catalog::{CatalogError, CriteriaCatalog};
use crate::engine::orchestration::{Cancellation, HumanReview, Job, Runner};
use crate::engine::run::EventSink;
use crate::engine::validate::{Defaults, Limits, Rules, validate};
use crate::model::HumanDecision;
use crate::model::event::{Event, EventKind, ReviewState, fold};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::model::plan::{OrchestrationSpec, Plan};
use crate::model::{FieldViolation, TenantId, Verdict};
use crate::review::CompiledCriteria;
use crate::store::{Lease, LeaseClaim, OrchestrationRecord, Page, PageRequest, Store, StoreError};
use crate::telemetry::metrics::Metrics;
use admission::{Admission, Refusal, Ticket};
use availability::StoreAvailability;
use log::{EventLog, OrchestrationSink};

/// The longest caller deadline kept with an orchestration. `grpc-timeout` goes up to about
/// 11,000 years, whose dates are beyond the stores' four-digit years; a century is no
/// different to a caller.
const LONGEST_STORED_DEADLINE: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
/// Events read from the store per query when replaying.
const REPLAY_PAGE: usize = 500;
/// How often a follower of an orchestration not running here re-reads the store.
const TAIL_INTERVAL: Duration = Duration::from_millis(250);

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
    /// As last written; renewed while it runs.
    lease: Lease,
    /// When the lease was last written.
    renewed_at: tokio::time::Instant,
}

type LiveMap = Arc<Mutex<HashMap<String, Live>>>;

/// The events a follower gets, in order, until the completed one (or an error).
pub type EventReceiver = mpsc::Receiver<Result<Arc<Event>, ServiceError>>;

fn lock(live: &LiveMap) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
    live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct Orchestrations {
    store: Arc<dyn Store>,
    catalog: Arc<CriteriaCatalog>,
    agents: AgentRegistry,
    runner: Arc<Runner>,
    limits: Limits,
    defaults: Defaults,
    log: EventLog,
    live: LiveMap,
    tracker: TaskTracker,
    leases: LeaseSettings,
    availability: StoreAvailability,
    admission: Arc<Admission>,
    metrics: Arc<Metrics>,
}

/// Who this server is to other replicas, and how long its claim on an orchestration lasts
/// without renewal.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    pub owner: String,
    pub duration: Duration,
}

impl LeaseSettings {
    fn expiry(&self) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.duration).unwrap_or(chrono::Duration::MAX)
    }
}

pub struct ServiceParts {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<CriteriaCatalog>,
    pub agents: AgentRegistry,
    pub runner: Runner,
    pub limits: Limits,
    pub defaults: Defaults,
    pub log: EventLog,
    pub leases: LeaseSettings,
    pub availability: StoreAvailability,
    pub admission: Arc<Admission>,
    pub metrics: Arc<Metrics>,
}

/// Parks escalated orchestrations of one job until ResolveEscalation answers.
struct Escalations {
    live: LiveMap,
    sink: Arc<OrchestrationSink>,
}

#[async_trait]
impl HumanReview for Escalations {
    async fn await_decision(&self, orchestration_id: &str, output: &str) -> HumanDecision {
        self.sink.set_escalated_output(output);
        let (sender, receiver) = oneshot::channel();
        if let Some(live) = lock(&self.live).get_mut(orchestration_id) {
            live.escalation = Some(sender);
        }
        match receiver.await {
            Ok(decision) => decision,
            // The sender only goes away with the process; the runner stops on cancellation.
            Err(_) => std::future::pending().await,
        }
    }
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

fn new_orchestration_id() -> String {
    format!("orch-{}", uuid::Uuid::now_v7().simple())
}

impl Orchestrations {
    pub fn new(parts: ServiceParts) -> Self {
        Self {
            store: parts.store,
            catalog: parts.catalog,
            agents: parts.agents,
            runner: Arc::new(parts.runner),
            limits: parts.limits,
            defaults: parts.defaults,
            log: parts.log,
            live: Arc::default(),
            tracker: TaskTracker::new(),
            leases: parts.leases,
            availability: parts.availability,
            admission: parts.admission,
            metrics: parts.metrics,
        }
    }

    pub fn agents(&self) -> &AgentRegistry {
        &self.agents
    }

    /// Orchestrations running in this process.
    pub fn running(&self) -> usize {
        lock(&self.live).len()
    }

    /// Checks everything that can be checked before anything runs; violations are named by
    /// their path in the request (`spec.tasks[2].depends_on[0]`).
    pub fn plan(&self, spec: &OrchestrationSpec) -> Result<Plan, Vec<FieldViolation>> {
        let agents = &self.agents;
        let plan = validate(
            spec,
            &Rules {
                limits: &self.limits,
                defaults: &self.defaults,
                agent_exists: &|name| agents.get(name).is_some(),
                agent_names: &|| agents.names(),
            },
        );
        // Agent-specific params, once the agents are known to exist.
        let mut violations = match &plan {
            Ok(_) => Vec::new(),
            Err(found) => found.clone(),
        };
        for (index, task) in spec.tasks.iter().enumerate() {
            if let Some(agent) = agents.get(&task.agent) {
                violations.extend(
                    agent
                        .agent
                        .check_params(&task.params)
                        .into_iter()
                        .map(|v| v.under(&format!("tasks[{index}].params"))),
                );
            }
        }
        match plan {
            Ok(plan) if violations.is_empty() => Ok(plan),
            _ => Err(violations.into_iter().map(|v| v.under("spec")).collect()),
        }
    }

    /// Validates, stores and starts an orchestration; a repeated request id returns the
    /// existing one.
    /// `deadline`, when given, cancels the orchestration if it runs longer (the caller's
    /// deadline on Orchestrate).
    pub async fn submit(
        &self,
        tenant: &TenantId,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        deadline: Option<Duration>,
    ) -> Result<Submitted, ServiceError> {
        Ok(self.accept(tenant, request_id, spec, deadline).await?.0)
    }

    /// `submit`, then `follow` from the start. A new orchestration is followed without reading
    /// the store: the follower subscribed before its run began, so it misses nothing.
    pub async fn submit_and_follow(
        &self,
        tenant: &TenantId,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        deadline: Option<Duration>,
    ) -> Result<(Submitted, EventReceiver), ServiceError> {
        let (submitted, live) = self.accept(tenant, request_id, spec, deadline).await?;
        let events = match live {
            Some(live) => self.spawn_follower(
                tenant,
                &submitted.orchestration_id,
                0,
                Some(live),
                false,
                false,
            ),
            None => self.follow(tenant, &submitted.orchestration_id, 0).await?,
        };
        Ok((submitted, events))
    }

    /// `submit`, with the live channel of a new orchestration, subscribed before it started.
    async fn accept(
        &self,
        tenant: &TenantId,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        deadline: Option<Duration>,
    ) -> Result<(Submitted, Option<broadcast::Receiver<Arc<Event>>>), ServiceError> {
        if !self.availability.is_up() {
            // Accepting now would mean an orchestration whose events cannot be kept.
            return Err(StoreError::Unavailable(
                "the store cannot be reached; nothing was accepted, retry later".into(),
            )
            .into());
        }
        // A repeated request id gets its orchestration back whatever the spec says now; the
        // store settles concurrent first submissions below.
        if let Some(request_id) = &request_id
            && let Some(existing) = self.store.find_by_request_id(tenant, request_id).await?
        {
            let existing = Submitted {
                orchestration_id: existing.orchestration_id,
                created: false,
            };
            return Ok((existing, None));
        }
        let (plan, criteria) = self.prepare(tenant, &spec).await?;
        // Before anything is stored: over a bound, the caller retries and nothing is left.
        let ticket = self
            .admission
            .admit(tenant, Admission::charge_of(spec_bytes(&spec)))?;
        let now = Utc::now();
        let record = OrchestrationRecord {
            deadline: deadline.and_then(|deadline| {
                let deadline = deadline.min(LONGEST_STORED_DEADLINE);
                now.checked_add_signed(chrono::TimeDelta::from_std(deadline).ok()?)
            }),
            ..OrchestrationRecord::new(
                tenant.clone(),
                new_orchestration_id(),
                request_id.clone(),
                spec.clone(),
                now,
            )
        };
        let id = record.orchestration_id.clone();
        let job = Job {
            orchestration_id: id.as_str().into(),
            request_id: request_id.unwrap_or_default(),
            tenant: tenant.clone(),
            plan: Arc::new(plan),
            criteria,
            labels: spec.labels,
            create_time: now,
            cancel: Cancellation::new(),
            resume: None,
        };
        // Storing and starting happen in a task of their own: a caller that hangs up between
        // the two must not leave a stored orchestration that never runs.
        let launcher = self.launcher();
        let claim = LeaseClaim {
            owner: self.leases.owner.clone(),
            expire_time: self.leases.expiry(),
        };
        // In the call's span, so that the orchestration's span is its child.
        let launched = tokio::spawn(
            async move {
                let outcome = launcher.store.create_orchestration(record, &claim).await?;
                let live = match (outcome.created, outcome.lease) {
                    (true, Some(lease)) => Some(launcher.start(job, 0, deadline, lease, ticket)),
                    _ => None,
                };
                Ok::<_, StoreError>((outcome.record, live))
            }
            .in_current_span(),
        );
        let (record, live) = launched
            .await
            .map_err(|e| StoreError::Unavailable(format!("the submission task failed: {e}")))??;
        let Some(live) = live else {
            let existing = Submitted {
                orchestration_id: record.orchestration_id,
                created: false,
            };
            return Ok((existing, None));
        };
        tracing::info!(tenant = %tenant, orchestration_id = %id, "orchestration accepted");
        let created = Submitted {
            orchestration_id: id,
            created: true,
        };
        Ok((created, Some(live)))
    }

    /// The plan and the criteria an orchestration runs with.
    async fn prepare(
        &self,
        tenant: &TenantId,
        spec: &OrchestrationSpec,
    ) -> Result<(Plan, Arc<CompiledCriteria>), ServiceError> {
        let plan = self.plan(spec).map_err(ServiceError::Invalid)?;
        let criteria = match self
            .catalog
            .resolve(tenant, spec.review_criteria_id.as_deref())
            .await
        {
            Ok(criteria) => criteria,
            Err(CatalogError::Store(StoreError::NotFound { id, .. })) => {
                return Err(ServiceError::Invalid(vec![FieldViolation::new(
                    "spec.review_criteria_id",
                    format!("no review criteria {id:?} in tenant {tenant:?}"),
                )]));
            }
            Err(other) => return Err(other.into()),
        };
        if let Some(judge) = &criteria.criteria().judge_agent
            && self.agents.get(judge).is_none()
        {
            return Err(ServiceError::FailedPrecondition(format!(
                "review criteria {:?} name the judge agent {judge:?}, which this server does not have; available: {}",
                criteria.criteria().id,
                self.agents.names().join(", ")
            )));
        }

        Ok((plan, criteria))
    }

    fn launcher(&self) -> Launcher {
        Launcher {
            store: self.store.clone(),
            log: self.log.clone(),
            live: self.live.clone(),
            runner: self.runner.clone(),
            tracker: self.tracker.clone(),
            metrics: self.metrics.clone(),
        }
    }

    async fn record(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<OrchestrationRecord, ServiceError> {
        self.store
            .get_orchestration(tenant, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(id.to_owned()))
    }

    /// The orchestration as it stands, and the output awaiting a human when `escalation` is
    /// asked for and it is AWAITING_HUMAN.
    pub async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        escalation: bool,
    ) -> Result<(OrchestrationResult, Option<String>), ServiceError> {
        let record = self.record(tenant, id).await?;
        let escalated = if escalation && record.state == OrchestrationState::AwaitingHuman {
            record.escalated_output.clone()
        } else {
            None
        };
        if let Some(result) = record.result {
            return Ok((result, None));
        }
        let events = self.all_events(tenant, id).await?;
        let base = summary(&record);
        let mut result = fold(base, events);
        result.state = record.state;
        Ok((result, escalated))
    }

    /// Every stored event of an orchestration, in order.
    async fn all_events(&self, tenant: &TenantId, id: &str) -> Result<Vec<Event>, ServiceError> {
        let mut events: Vec<Event> = Vec::new();
        loop {
            let after = events.last().map_or(0, |event| event.sequence);
            let page = self
                .store
                .read_events(tenant, id, after, REPLAY_PAGE)
                .await?;
            if page.is_empty() {
                return Ok(events);
            }
            events.extend(page);
        }
    }

    /// Newest first, without task outputs.
    pub async fn list(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationResult>, ServiceError> {
        let page = self.store.list_orchestrations(tenant, states, page).await?;
        Ok(Page {
            items: page.items.iter().map(listed).collect(),
            next_after: page.next_after,
        })
    }

    /// The orchestration submitted with `request_id`, as `list` shows it, if there is one.
    pub async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationResult>, ServiceError> {
        let record = self.store.find_by_request_id(tenant, request_id).await?;
        Ok(record.as_ref().map(listed))
    }

    /// Cancels a running orchestration and returns the state it ended in.
    pub async fn cancel(
        &self,
        tenant: &TenantId,
        id: &str,
        reason: &str,
    ) -> Result<OrchestrationState, ServiceError> {
        let record = self.record(tenant, id).await?;
        if record.state.is_terminal() {
            return Ok(record.state);
        }
        let cancel = lock(&self.live).get(id).map(|live| live.cancel.clone());
        let Some(cancel) = cancel else {
            // It may have finished since the record was read.
            let now = self.record(tenant, id).await?;
            if now.state.is_terminal() {
                return Ok(now.state);
            }
            return Err(ServiceError::FailedPrecondition(format!(
                "orchestration {id:?} is {} but not running on this server",
                now.state.as_str()
            )));
        };
        let reason = reason.trim();
        cancel.cancel(if reason.is_empty() {
            "cancelled by the caller".to_owned()
        } else {
            format!("cancelled by the caller: {reason}")
        });
        Ok(self.completion(tenant, id).await?.state)
    }

    /// A human's decision on an escalated orchestration; returns the result it led to.
    pub async fn resolve(
        &self,
        tenant: &TenantId,
        id: &str,
        decision: HumanDecision,
    ) -> Result<OrchestrationResult, ServiceError> {
        let record = self.record(tenant, id).await?;
        if record.state != OrchestrationState::AwaitingHuman {
            return Err(ServiceError::FailedPrecondition(format!(
                "orchestration {id:?} is {}, not AWAITING_HUMAN: there is nothing to resolve",
                record.state.as_str()
            )));
        }
        let sender = lock(&self.live)
            .get_mut(id)
            .and_then(|live| live.escalation.take());
        let Some(sender) = sender else {
            return Err(ServiceError::FailedPrecondition(format!(
                "orchestration {id:?} awaits a human but is not running on this server"
            )));
        };
        if sender.send(decision).is_err() {
            return Err(ServiceError::FailedPrecondition(format!(
                "orchestration {id:?} stopped waiting for a decision"
            )));
        }
        self.completion(tenant, id).await
    }

    /// Waits for the completed event of an orchestration.
    async fn completion(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<OrchestrationResult, ServiceError> {
        let mut events = self.follow(tenant, id, 0).await?;
        while let Some(event) = events.recv().await {
            if let EventKind::Completed { result } = &event?.kind {
                return Ok((**result).clone());
            }
        }
        Err(ServiceError::FailedPrecondition(format!(
            "orchestration {id:?} stopped before completing"
        )))
    }

    /// The events of an orchestration after `after`: replayed from the store, then followed
    /// live until the completed event. Each event arrives exactly once, in order.
    pub async fn follow(
        &self,
        tenant: &TenantId,
        id: &str,
        after: u64,
    ) -> Result<EventReceiver, ServiceError> {
        let record = self.record(tenant, id).await?;
        // Subscribe before replaying, so that nothing published in between is missed.
        let live = self.log.hub().subscribe(id);
        let terminal = record.state.is_terminal();
        Ok(self.spawn_follower(tenant, id, after, live, terminal, true))
    }

    /// Follows `id` after `after` in a task of its own: from the store first when
    /// `replay_first`, from `live` first otherwise (which must then have been subscribed before
    /// the event after `after` was published).
    fn spawn_follower(
        &self,
        tenant: &TenantId,
        id: &str,
        after: u64,
        live: Option<broadcast::Receiver<Arc<Event>>>,
        terminal: bool,
        replay_first: bool,
    ) -> EventReceiver {
        let (sender, receiver) = mpsc::channel(64);
        let mut follower = Follower {
            store: self.store.clone(),
            tenant: tenant.clone(),
            id: id.to_owned(),
            last: after,
            sender,
        };
        tokio::spawn(async move {
            if let Err(error) = follower.run(live, terminal, replay_first).await {
                let _ = follower.sender.send(Err(error)).await;
            }
        });
        receiver
    }

    /// Stops what runs here at shutdown: hands it over to whoever resumes it next, or cancels
    /// it. Waits (up to `grace`) for the runs to stop and the event log to flush.
    pub async fn shutdown(&self, grace: Duration, hand_over: bool) {
        if hand_over {
            self.hand_over(grace).await;
        } else {
            self.cancel_all(grace).await;
        }
    }

    /// Stops every run here without another word in its log, flushes what it said so far, and
    /// expires its lease: the next server to look resumes it at once. Nothing is cancelled.
    async fn hand_over(&self, grace: Duration) {
        let running: Vec<Live> = lock(&self.live).drain().map(|(_, live)| live).collect();
        for live in &running {
            live.sink.fence();
            self.log.hub().close(&live.lease.orchestration_id);
            live.cancel
                .cancel("handed over: the server is shutting down");
        }
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("runs did not stop in time");
        }
        if tokio::time::timeout(grace, self.log.flush()).await.is_err() {
            // Expiring the leases now could let another server resume while this one still
            // writes; they expire by themselves a lease duration later.
            tracing::warn!("the event log did not flush in time; leaving the leases to expire");
            return;
        }
        let now = Utc::now();
        let mut handed_over = 0;
        for live in running {
            match self.store.renew_lease(&live.lease, now).await {
                Ok(_) => handed_over += 1,
                // Its lease still expires by itself, a lease duration later.
                Err(error) => tracing::warn!(
                    orchestration_id = %live.lease.orchestration_id,
                    %error,
                    "cannot expire the lease at shutdown"
                ),
            }
        }
        if handed_over > 0 {
            tracing::info!(handed_over, "running orchestrations handed over");
        }
    }

    /// Cancels everything running here, waits (up to `grace`) for the cancellations to be
    /// stored, and flushes the event log.
    async fn cancel_all(&self, grace: Duration) {
        let running: Vec<Cancellation> = lock(&self.live)
            .values()
            .map(|live| live.cancel.clone())
            .collect();
        for cancel in &running {
            cancel.cancel("cancelled: the server is shutting down");
        }
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                still_running = self.running(),
                "orchestrations did not stop in time"
            );
        }
        if tokio::time::timeout(grace, self.log.flush()).await.is_err() {
            tracing::warn!("the event log did not flush in time");
        }
        if !running.is_empty() {
            tracing::info!(
                cancelled = running.len(),
                "running orchestrations cancelled"
            );
        }
    }
}

/// What starting an orchestration needs, cheap to clone into a task.
#[derive(Clone)]
struct Launcher {
    store: Arc<dyn Store>,
    log: EventLog,
    live: LiveMap,
    runner: Arc<Runner>,
    tracker: TaskTracker,
    metrics: Arc<Metrics>,
}

impl Launcher {
    /// Runs the orchestration in the background, from the event after `last_sequence`, under
    /// `lease`. Returns its live channel, subscribed before the run began.
    fn start(
        &self,
        job: Job,
        last_sequence: u64,
        deadline: Option<Duration>,
        lease: Lease,
        ticket: Ticket,
    ) -> broadcast::Receiver<Arc<Event>> {
        let id = job.orchestration_id.to_string();
        let sink = self.log.sink(
            job.tenant.clone(),
            last_sequence,
            failed_result(&job),
            job.cancel.clone(),
        );
        let events = self.log.hub().open(&id);
        lock(&self.live).insert(
            id.clone(),
            Live {
                cancel: job.cancel.clone(),
                escalation: None,
                sink: sink.clone(),
                lease,
                renewed_at: tokio::time::Instant::now(),
            },
        );
        let runner = self.runner.clone();
        let live = self.live.clone();
        let metrics = self.metrics.clone();
        metrics.orchestration_started(&job.tenant);
        // A child of the current span: the submitting call's, or none for resumed work.
        let span = tracing::info_span!(
            "orchestration",
            orchestration_id = %id,
            tenant = %job.tenant,
            state = tracing::field::Empty,
        );
        self.tracker.spawn(async move {
            let humans = Escalations {
                live: live.clone(),
                sink: sink.clone(),
            };
            // The deadline's timer lives exactly as long as the run.
            let timer = deadline.map(|deadline| {
                let cancel = job.cancel.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(deadline).await;
                    cancel.cancel("cancelled: the caller's deadline passed");
                })
            });
            // Outputs count against the memory budget as they arrive; the ticket goes back when
            // the run ends.
            let tracked: Arc<dyn EventSink> = Arc::new(Tracked {
                inner: sink.clone(),
                ticket,
                metrics: metrics.clone(),
                review_started: Mutex::new(None),
            });
            let run = AssertUnwindSafe(runner.run(&job, tracked, &humans)).catch_unwind().await;
            if let Some(timer) = timer {
                timer.abort();
            }
            let (state, runs) = match run {
                Ok(result) => (result.state, result.runs),
                Err(_) => {
                    // A bug must not leave followers, cancels and resolutions waiting for ever.
                    tracing::error!(orchestration_id = %id, "the orchestration run panicked");
                    let mut result = failed_result(&job);
                    result.error = Some("the service stopped this orchestration after an internal error".into());
                    result.end_time = Some(Utc::now());
                    sink.emit(EventKind::Completed {
                        result: Box::new(result),
                    });
                    (OrchestrationState::Failed, 0)
                }
            };
            // The lease goes with (never before) the completed event: until that is stored, a
            // crash must leave the orchestration to be resumed.
            let held = lock(&live).remove(&id);
            if let Some(held) = held {
                sink.release_lease(held.lease);
            }
            let ended = state.is_terminal().then(|| {
                let took = (Utc::now() - job.create_time).to_std().unwrap_or_default();
                (state.as_str(), took)
            });
            metrics.orchestration_stopped(&job.tenant, ended);
            tracing::Span::current().record("state", state.as_str());
            tracing::info!(orchestration_id = %id, state = state.as_str(), runs, "orchestration completed");
        }.instrument(span));
        events
    }
}

/// An orchestration as lists show it: without outputs, since a page of full results could
/// outgrow what a client reads in one message (outputs are for `get`).
fn listed(record: &OrchestrationRecord) -> OrchestrationResult {
    let Some(result) = &record.result else {
        return summary(record);
    };
    let mut result = result.clone();
    result.output.clear();
    for task in &mut result.tasks {
        task.output.clear();
    }
    result
}

/// An orchestration's events on their way to its log: outputs charged to its admission
/// ticket, reviews measured.
struct Tracked {
    inner: Arc<OrchestrationSink>,
    ticket: Ticket,
    metrics: Arc<Metrics>,
    review_started: Mutex<Option<std::time::Instant>>,
}

impl EventSink for Tracked {
    fn emit(&self, kind: EventKind) {
        if let EventKind::Review(review) = &kind {
            let mut started = self
                .review_started
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match (&review.state, &review.decision) {
                (ReviewState::Started, _) => *started = Some(std::time::Instant::now()),
                (ReviewState::Decided, Some(decision)) => {
                    let took = started.take().map(|at| at.elapsed()).unwrap_or_default();
                    let verdict = match decision.verdict {
                        Verdict::Approved => "approved",
                        Verdict::Rejected => "rejected",
                    };
                    self.metrics
                        .review_decided(verdict, took, &decision.redactions);
                }
                (ReviewState::Decided, None) => {}
            }
        }
        self.inner.emit(kind);
    }

    fn emit_success(&self, kind: EventKind, checkpoint: TaskCheckpoint) {
        // Held twice while the run lasts: the task's output and its part of the aggregate.
        self.ticket
            .charge(checkpoint.output.len().saturating_mul(2));
        self.inner.emit_success(kind, checkpoint);
    }
}

/// What a spec takes in memory, roughly: its texts and its params as JSON.
fn spec_bytes(spec: &OrchestrationSpec) -> usize {
    let tasks: usize = spec
        .tasks
        .iter()
        .map(|task| {
            let params = serde_json::to_vec(&task.params).map_or(0, |json| json.len());
            task.id.len()
                + task.agent.len()
                + task.input.len()
                + task.section.as_ref().map_or(0, String::len)
                + params
        })
        .sum();
    spec.input.len() + tasks
}

/// A FAILED result for `job` with nothing in it yet but who it is.
fn failed_result(job: &Job) -> OrchestrationResult {
    let mut result = OrchestrationResult::empty(
        job.orchestration_id.to_string(),
        job.request_id.clone(),
        OrchestrationState::Failed,
        job.create_time,
        job.labels.clone(),
    );
    result.criteria_id = job.criteria.criteria().id.clone();
    result.criteria_version = job.criteria.criteria().version;
    result
}

/// What a record says before any event is folded in.
fn summary(record: &OrchestrationRecord) -> OrchestrationResult {
    OrchestrationResult::empty(
        record.orchestration_id.clone(),
        record.request_id.clone().unwrap_or_default(),
        record.state,
        record.create_time,
        record.spec.labels.clone(),
    )
}

enum Outcome {
    Completed,
    /// The follower hung up.
    Gone,
    Continue,
}

struct Follower {
    store: Arc<dyn Store>,
    tenant: TenantId,
    id: String,
    last: u64,
    sender: mpsc::Sender<Result<Arc<Event>, ServiceError>>,
}

impl Follower {
    async fn deliver(&mut self, event: Arc<Event>) -> Outcome {
        if event.sequence <= self.last {
            return Outcome::Continue;
        }
        self.last = event.sequence;
        let completed = event.kind.is_completed();
        if self.sender.send(Ok(event)).await.is_err() {
            return Outcome::Gone;
        }
        if completed {
            Outcome::Completed
        } else {
            Outcome::Continue
        }
    }

    /// `replay`, waiting out a store that cannot be reached for as long as the client stays:
    /// the events it waits for are queued, and will be written.
    async fn replay_surviving_outages(&mut self) -> Result<Outcome, ServiceError> {
        let mut pause = TAIL_INTERVAL;
        loop {
            match self.replay().await {
                Err(ServiceError::Store(StoreError::Unavailable(error))) => {
                    tracing::debug!(orchestration_id = %self.id, %error, "follower waits for the store");
                    tokio::select! {
                        () = self.sender.closed() => return Ok(Outcome::Gone),
                        () = tokio::time::sleep(pause) => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                other => return other,
            }
        }
    }

    /// Sends every stored event after `last`.
    async fn replay(&mut self) -> Result<Outcome, ServiceError> {
        // The cursor moves with each page even when the follower skips its events, so that a
        // page never comes back.
        let mut cursor = self.last;
        loop {
            let page = self
                .store
                .read_events(&self.tenant, &self.id, cursor, REPLAY_PAGE)
                .await?;
            let Some(last) = page.last() else {
                return Ok(Outcome::Continue);
            };
            cursor = last.sequence;
            for event in page {
                if event.sequence > self.last.saturating_add(1) {
                    // A store without transactions may show a later event before an earlier
                    // one lands; the next replay picks up from the gap.
                    return Ok(Outcome::Continue);
                }
                match self.deliver(Arc::new(event)).await {
                    Outcome::Continue => {}
                    done => return Ok(done),
                }
            }
        }
    }

    async fn run(
        &mut self,
        mut live: Option<broadcast::Receiver<Arc<Event>>>,
        terminal: bool,
        mut replay: bool,
    ) -> Result<(), ServiceError> {
        loop {
            if replay {
                match self.replay_surviving_outages().await? {
                    Outcome::Continue => {}
                    _ => return Ok(()),
                }
            }
            replay = true;
            let Some(receiver) = live.as_mut() else {
                if terminal {
                    return Ok(());
                }
                // Running elsewhere (or between the store and the hub): tail the store.
                let finished = match self.store.get_orchestration(&self.tenant, &self.id).await {
                    Ok(record) => record.is_some_and(|r| r.state.is_terminal()),
                    // Unreachable for now: keep waiting, as the replay does.
                    Err(StoreError::Unavailable(_)) => false,
                    Err(error) => return Err(error.into()),
                };
                if finished {
                    self.replay_surviving_outages().await?;
                    return Ok(());
                }
                // Waiting for the store must not outlive the client.
                tokio::select! {
                    () = self.sender.closed() => return Ok(()),
                    () = tokio::time::sleep(TAIL_INTERVAL) => {}
                }
                continue;
            };
            loop {
                let received = tokio::select! {
                    () = self.sender.closed() => return Ok(()),
                    received = receiver.recv() => received,
                };
                match received {
                    Ok(event) if event.sequence == self.last.saturating_add(1) => {
                        match self.deliver(event).await {
                            Outcome::Continue => {}
                            _ => return Ok(()),
                        }
                    }
                    Ok(event) if event.sequence <= self.last => {}
                    // A gap: what is missing is in the store.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        live = None;
                        break;
                    }
                }
            }
        }
    }
}
