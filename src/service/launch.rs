//! Launching: an orchestration's run started on a task of its own, its events on their way
//! to its log, and its end recorded whatever happens (a panic included).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt as _;
use tokio::sync::broadcast;
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

use super::admission::Ticket;
use super::control::Escalations;
use super::log::{EventLog, OrchestrationSink};
use super::{HeldBack, Live, LiveMap, Orchestrations, lock};
use crate::engine::orchestration::{Job, Runner};
use crate::engine::schedule::EventSink;
use crate::model::Verdict;
use crate::model::event::{Event, EventKind, ReviewState};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::store::{Lease, Store};
use crate::telemetry::metrics::Metrics;

/// What starting an orchestration needs, cheap to clone into a task.
#[derive(Clone)]
pub(super) struct Launcher {
    pub(super) store: Arc<dyn Store>,
    pub(super) log: EventLog,
    pub(super) live: LiveMap,
    pub(super) held_back: HeldBack,
    pub(super) runner: Arc<Runner>,
    pub(super) tracker: TaskTracker,
    pub(super) metrics: Arc<Metrics>,
}

impl Launcher {
    /// Runs the orchestration in the background, from the event after `last_sequence`, under
    /// `lease`. Returns its live channel, subscribed before the run began.
    pub(super) fn start(
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
            },
        );
        let runner = self.runner.clone();
        let live = self.live.clone();
        let held_back = self.held_back.clone();
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
            let stopped_without_end = sink.stopped_without_end();
            let held = lock(&live).remove(&id);
            if let Some(held) = held {
                if stopped_without_end {
                    // Fenced by the store or left unfinished while its lease may still name
                    // this server, where it would not lapse while this server beats: tried
                    // again here later (the store answers `None` if the lease is another's).
                    lock(&held_back).push(held.lease);
                } else {
                    sink.release_lease(held.lease);
                }
            }
            if stopped_without_end {
                // Its state is what the store says (AWAITING_HUMAN, say), not this run's last
                // word (CANCELLED, when handed over): nothing of that was written.
                metrics.orchestration_stopped(&job.tenant, None);
                tracing::info!(orchestration_id = %id, runs, "orchestration stopped here without ending; whoever holds its lease goes on with it");
                return;
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
            let mut started = lock(&self.review_started);
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

impl Orchestrations {
    pub(super) fn launcher(&self) -> Launcher {
        Launcher {
            store: self.store.clone(),
            log: self.log.clone(),
            live: self.live.clone(),
            held_back: self.held_back.clone(),
            runner: self.runner.clone(),
            tracker: self.tracker.clone(),
            metrics: self.metrics.clone(),
        }
    }
}
