//! Leases: this server beats its heartbeat, which every lease that names it follows, and
//! takes over the orchestrations whose owner is gone (its heartbeat lapsed, or the store knows
//! it died: SQLite, another process on the same data dir; Cosmos DB, an earlier server on the
//! same host), and resumes them from their log: tasks that succeeded are not run again, and the
//! event sequence goes on where it stopped. Taking over fences the previous owner: the store
//! refuses its later log writes (`LogStore::write_log`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::admission::Admission;
use super::{Orchestrations, ServiceError, every, lock};
use crate::engine::orchestration::{Cancellation, Job, Resume};
use crate::engine::schedule::{EventSink, TaskOutcome};
use crate::model::ReviewDecision;
use crate::model::event::{Event, EventKind, ReviewState};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState};
use crate::store::{Lease, LogBatch, OrchestrationRecord, StateUpdate};

/// Orphaned leases taken per scan.
const ADOPT_PER_SCAN: usize = 64;

/// What this server knows of its own heartbeat.
#[derive(Default)]
pub(super) struct HeartbeatState {
    /// Whether the store has marked this server alive (`claim_owner`) yet.
    claimed: AtomicBool,
    /// Wakes the adoption loop once it has.
    first_claim: tokio::sync::Notify,
    /// When the heartbeat was last written.
    written: Mutex<Option<tokio::time::Instant>>,
}

impl HeartbeatState {
    fn written(&self) -> Option<tokio::time::Instant> {
        *lock(&self.written)
    }

    fn beat(&self, started: tokio::time::Instant) {
        *lock(&self.written) = Some(started);
    }
}

impl Orchestrations {
    /// Beats the heartbeat, and adopts orphaned orchestrations, every third of the lease
    /// duration, until `stop`. Two loops, so that a long adoption never delays a heartbeat.
    /// The first round runs at once: a restarted server resumes its predecessor's work.
    pub async fn keep_leases(self: Arc<Self>, stop: CancellationToken) {
        let period = self.leases.period();
        let beat = every(period, &stop, || self.beat());
        let adopt = async {
            // Not before the store knows this server alive (it may not be open yet); then at
            // once, so that a restart resumes its predecessor's work without waiting a round.
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.heartbeat.first_claim.notified() => {}
            }
            every(period, &stop, || async {
                if let Err(error) = self.adopt_orphans().await {
                    tracing::warn!(%error, "cannot look for orchestrations to take over");
                }
            })
            .await;
        };
        tokio::join!(beat, adopt);
    }

    /// One write, whatever the number of orchestrations running here. Unwritten for two
    /// thirds of the lease, this server stops all it runs before its heartbeat can lapse and
    /// another server take them over, so that two servers never write one log; it resumes
    /// them itself once the store answers, unless another server was faster.
    async fn beat(&self) {
        // The stored expiry counts from before the write: so does this server.
        let started = tokio::time::Instant::now();
        let beat = self.leases.heartbeat(self.leases.expiry());
        let claimed = self.heartbeat.claimed.load(Ordering::SeqCst);
        let write = async {
            if claimed {
                self.store.heartbeat(&beat).await
            } else {
                self.store.claim_owner(&beat).await
            }
        };
        // A write that hangs counts as failed: staleness is judged every round.
        match tokio::time::timeout(self.leases.period(), write).await {
            Ok(Ok(())) => {
                self.heartbeat.beat(started);
                if !self.heartbeat.claimed.swap(true, Ordering::SeqCst) {
                    self.heartbeat.first_claim.notify_one();
                }
                return;
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot write this server's heartbeat; retrying")
            }
            Err(_) => tracing::warn!("writing this server's heartbeat timed out; retrying"),
        }
        let stale = self
            .heartbeat
            .written()
            .is_some_and(|at| at.elapsed() > self.leases.duration * 2 / 3);
        if stale {
            self.fence_all("the heartbeat could not be written in time");
        }
    }

    /// Stops running `id` here without another word in its log: its lease is, or may soon be,
    /// another server's. Whoever holds the lease next resumes it.
    fn fence(&self, id: &str, why: &str) -> Option<Lease> {
        let lost = lock(&self.live).remove(id)?;
        lost.sink.fence();
        self.log.hub().close(id);
        lost.cancel
            .cancel("another server took this orchestration over");
        tracing::warn!(orchestration_id = %id, why, "stopped running here; the lease is for another server to take");
        Some(lost.lease)
    }

    /// Fences every run here; their leases are held back, to be resumed here once the
    /// heartbeat is written again, unless another server took them meanwhile.
    fn fence_all(&self, why: &str) {
        let ids: Vec<String> = lock(&self.live).keys().cloned().collect();
        let fenced: Vec<Lease> = ids.iter().filter_map(|id| self.fence(id, why)).collect();
        self.held_back().extend(fenced);
    }

    fn held_back(&self) -> std::sync::MutexGuard<'_, Vec<Lease>> {
        lock(&self.held_back)
    }

    async fn adopt_orphans(&self) -> Result<(), ServiceError> {
        // Leases held back here first, then those whose owner is gone.
        let mut candidates: Vec<Lease> = std::mem::take(&mut *self.held_back());
        // The runs that held them may still have a batch in the log writer (retried through
        // an outage): it lands, or is dropped, before the log is read to resume them. The
        // fence cannot tell those writes from the resumed run's, both being this server's.
        let wait = self.leases.period();
        if !candidates.is_empty() && tokio::time::timeout(wait, self.log.flush()).await.is_err() {
            tracing::info!("the event log is still writing; held-back orchestrations wait");
            self.held_back().extend(candidates);
            return Ok(());
        }
        match self.store.orphaned_leases(Utc::now(), ADOPT_PER_SCAN).await {
            Ok(orphans) => candidates.extend(orphans),
            Err(error) => {
                self.held_back().extend(candidates);
                return Err(error.into());
            }
        }
        let mut candidates = candidates.into_iter();
        while let Some(candidate) = candidates.next() {
            // Resumed work queues behind the server's admission bounds: a lease of a gone
            // owner stays orphaned, one of ours stays held back, until there is room.
            if !self.admission.has_room() {
                tracing::info!(
                    "the server is at its admission bounds; orphaned orchestrations wait"
                );
                let ours = std::iter::once(candidate).chain(candidates);
                let ours = ours.filter(|lease| lease.owner == self.leases.owner);
                self.held_back().extend(ours);
                break;
            }
            if lock(&self.live).contains_key(&candidate.orchestration_id) {
                continue;
            }
            if let Err(error) = self.adopt(&candidate).await {
                tracing::error!(orchestration_id = %candidate.orchestration_id, %error, "cannot resume; another scan retries");
            }
        }
        Ok(())
    }

    /// Takes `candidate`'s orchestration over (or again, when it is ours) and resumes it.
    async fn adopt(&self, candidate: &Lease) -> Result<(), ServiceError> {
        let taken = self
            .store
            .acquire_lease(
                &candidate.tenant,
                &candidate.orchestration_id,
                &self.leases.owner,
            )
            .await;
        let lease = match taken {
            Ok(Some(lease)) => lease,
            Ok(None) => return Ok(()), // another server was faster
            Err(error) => {
                // The lease may name this server now (written before the error): held back,
                // it is tried again; one that does not comes back `None` then.
                self.held_back().push(Lease {
                    owner: self.leases.owner.clone(),
                    ..candidate.clone()
                });
                return Err(error.into());
            }
        };
        if candidate.owner != self.leases.owner {
            tracing::info!(
                tenant = %lease.tenant,
                orchestration_id = %lease.orchestration_id,
                previous_owner = %candidate.owner,
                "taking over an orchestration whose server stopped"
            );
            self.metrics.lease_taken_over();
        }
        if let Err(error) = self.resume(lease.clone()).await {
            // Ours now: it would not lapse while this server beats.
            self.held_back().push(lease);
            return Err(error);
        }
        Ok(())
    }

    /// Resumes an orchestration under `lease` from what its log says.
    async fn resume(&self, lease: Lease) -> Result<(), ServiceError> {
        let (tenant, id) = (&lease.tenant, lease.orchestration_id.as_str());
        let Some(record) = self.store.get_orchestration(tenant, id).await? else {
            // Its server stopped between taking the lease and storing it: never accepted.
            self.store.release_lease(&lease).await?;
            return Ok(());
        };
        let events = self.all_events(tenant, id).await?;
        let last_sequence = events.last().map_or(0, |event| event.sequence);
        if record.state.is_terminal() {
            self.store.release_lease(&lease).await?;
            return Ok(());
        }
        if let Some(Event {
            kind: EventKind::Completed { result },
            sequence,
            ..
        }) = events.last()
        {
            // Completed, but the record lags behind (the store refused its copy of the result,
            // or the server stopped in between): it takes the log's state, and readers fold
            // the log for the result.
            let settled = LogBatch {
                owner: self.leases.owner.clone(),
                states: vec![StateUpdate {
                    tenant: tenant.clone(),
                    orchestration_id: id.to_owned(),
                    state: result.state,
                    last_sequence: *sequence,
                    result: None,
                    escalated_output: Some(None),
                }],
                released_leases: vec![lease],
                ..LogBatch::default()
            };
            // Fenced, it is another server's to settle.
            let _fenced = self.store.write_log(&settled).await?;
            return Ok(());
        }
        // Before the checkpoints are read and the plan is rebuilt: refused, that work is
        // not wasted.
        let charge = Admission::charge_of(super::submission::spec_bytes(&record.spec));
        let ticket = match self.admission.admit_resumed(tenant, charge) {
            Ok(ticket) => ticket,
            Err(refusal) => {
                // Held, not run: a later scan tries again.
                tracing::debug!(orchestration_id = %id, %refusal, "no room to resume yet; held back");
                self.held_back().push(lease);
                return Ok(());
            }
        };
        let mut resume = resume_point(&events);
        resume.done = self
            .store
            .read_checkpoints(tenant, id, resume.run)
            .await?
            .into_iter()
            .map(|checkpoint| {
                (
                    checkpoint.task_id.clone(),
                    TaskOutcome::from_checkpoint(checkpoint),
                )
            })
            .collect::<HashMap<_, _>>();
        let (plan, criteria) = match self.prepare(tenant, &record.spec).await {
            Ok(prepared) => prepared,
            Err(error @ (ServiceError::Invalid(_) | ServiceError::FailedPrecondition(_))) => {
                // This server cannot run it as asked (its agents or criteria changed): end it
                // with the reason rather than leave it waiting.
                return self
                    .fail_unresumable(&record, last_sequence, lease, &error)
                    .await;
            }
            Err(error) => return Err(error),
        };
        let job = Job {
            orchestration_id: id.into(),
            request_id: record.request_id.clone().unwrap_or_default(),
            tenant: tenant.clone(),
            plan: Arc::new(plan),
            criteria,
            labels: record.spec.labels.clone(),
            create_time: record.create_time,
            cancel: Cancellation::new(),
            resume: Some(resume),
        };
        // The caller's deadline still holds; one that passed meanwhile cancels it at once.
        let deadline = record
            .deadline
            .map(|deadline| (deadline - Utc::now()).to_std().unwrap_or_default());
        self.launcher()
            .start(job, last_sequence, deadline, lease, ticket);
        Ok(())
    }

    async fn fail_unresumable(
        &self,
        record: &OrchestrationRecord,
        last_sequence: u64,
        lease: Lease,
        error: &ServiceError,
    ) -> Result<(), ServiceError> {
        let reason = match error {
            ServiceError::Invalid(violations) => violations
                .iter()
                .map(|v| format!("{}: {}", v.field, v.description))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        let mut result = OrchestrationResult::empty(
            record.orchestration_id.clone(),
            record.request_id.clone().unwrap_or_default(),
            OrchestrationState::Failed,
            record.create_time,
            record.spec.labels.clone(),
        );
        result.error = Some(format!(
            "the orchestration could not be resumed after its server stopped: {reason}"
        ));
        result.end_time = Some(Utc::now());
        let sink = self.log.sink(
            record.tenant.clone(),
            last_sequence,
            result.clone(),
            Cancellation::new(),
        );
        sink.emit(EventKind::Completed {
            result: Box::new(result),
        });
        // After the end, and not at all when the end could not be stored.
        sink.release_lease(lease);
        self.log.flush().await;
        Ok(())
    }
}

/// Where the log says an orchestration stood: the run under way, whether it was announced,
/// and the feedback it started with. Its succeeded tasks come from the checkpoints.
fn resume_point(events: &[Event]) -> Resume {
    let mut run = 0;
    let mut decided: HashMap<u32, Vec<ReviewDecision>> = HashMap::new();
    for event in events {
        match &event.kind {
            EventKind::Accepted(accepted) => run = accepted.run,
            EventKind::Review(update) if update.state == ReviewState::Decided => {
                if let Some(decision) = &update.decision {
                    decided
                        .entry(update.run)
                        .or_default()
                        .push((**decision).clone());
                }
            }
            _ => {}
        }
    }
    if run == 0 {
        return Resume {
            run: 1,
            ..Resume::default()
        };
    }
    // A run started with the feedback of the review that rejected the one before.
    let feedback = run
        .checked_sub(1)
        .and_then(|previous| decided.get(&previous))
        .and_then(|decisions| decisions.first())
        .map(|decision| decision.feedback.clone());
    Resume {
        run,
        accepted: true,
        feedback,
        done: HashMap::new(),
        decisions: decided.remove(&run).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::event::{Accepted, ReviewUpdate};
    use crate::model::{ReviewDecision, Verdict};

    fn event(sequence: u64, kind: EventKind) -> Event {
        Event {
            orchestration_id: "o".into(),
            sequence,
            time: Utc::now(),
            kind,
        }
    }

    fn accepted(run: u32) -> EventKind {
        EventKind::Accepted(Accepted {
            plan: Vec::new(),
            wave_count: 1,
            criteria_id: "c".into(),
            criteria_version: 1,
            run,
            request_id: String::new(),
        })
    }

    fn decided(run: u32, feedback: &str) -> EventKind {
        EventKind::Review(ReviewUpdate {
            state: ReviewState::Decided,
            decision: Some(Box::new(ReviewDecision {
                decision_id: format!("d{run}"),
                verdict: Verdict::Rejected,
                confidence: 1.0,
                issues: Vec::new(),
                feedback: feedback.into(),
                redactions: Vec::new(),
                action: None,
                criteria_id: "c".into(),
                criteria_version: 1,
                reviewer: "rules".into(),
                create_time: Utc::now(),
                run,
            })),
            run,
        })
    }

    #[test]
    fn nothing_logged_starts_at_run_one() {
        let resume = resume_point(&[]);
        assert_eq!((resume.run, resume.accepted), (1, false));
        assert_eq!(resume.feedback, None);
    }

    #[test]
    fn a_later_run_resumes_with_the_feedback_it_started_with() {
        let resume = resume_point(&[
            event(1, accepted(1)),
            event(2, decided(1, "add a summary")),
            event(3, accepted(2)),
        ]);
        assert_eq!((resume.run, resume.accepted), (2, true));
        assert_eq!(resume.feedback.as_deref(), Some("add a summary"));
    }

    #[test]
    fn a_run_interrupted_after_its_decision_keeps_the_decision() {
        let resume = resume_point(&[
            event(1, accepted(1)),
            event(2, decided(1, "fix")),
            event(3, decided(1, "approved by a human")),
        ]);
        assert_eq!((resume.run, resume.accepted), (1, true));
        assert_eq!(resume.feedback, None);
        let feedback: Vec<&str> = resume
            .decisions
            .iter()
            .map(|d| d.feedback.as_str())
            .collect();
        assert_eq!(feedback, ["fix", "approved by a human"]);
    }
}
