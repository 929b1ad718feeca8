//! Leases: this server renews the lease of every orchestration it runs, and takes over the
//! orchestrations whose lease expired or whose server the store knows is dead (SQLite: another
//! process on the same data dir that died), and resumes them from their log:
//! tasks that succeeded are not run again, and the event sequence goes on where it stopped.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use futures_util::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::admission::Admission;
use super::{Orchestrations, ServiceError, every, lock};
use crate::engine::orchestration::{Cancellation, Job, Resume};
use crate::engine::run::{EventSink, TaskRun};
use crate::model::ReviewDecision;
use crate::model::event::{Event, EventKind, ReviewState};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState};
use crate::store::{Lease, LogBatch, OrchestrationRecord, StateUpdate, StoreError};

/// Lease writes in flight at once while renewing.
const RENEWALS_IN_FLIGHT: usize = 16;
/// Expired leases taken per scan.
const ADOPT_PER_SCAN: usize = 64;

impl Orchestrations {
    /// Renews leases, and adopts orphaned orchestrations, every third of the lease duration,
    /// until `stop`. Two loops, so that a long adoption never delays a renewal. The first scan
    /// runs at once: a restarted server resumes its own work.
    pub async fn keep_leases(self: Arc<Self>, stop: CancellationToken) {
        let period = (self.leases.duration / 3).max(std::time::Duration::from_millis(100));
        let renew = every(period, &stop, || self.renew_leases());
        // Claimed before the first scan where the store can (it may not be open yet).
        let claimed = AtomicBool::new(false);
        let adopt = every(period, &stop, || async {
            if !claimed.load(Ordering::Relaxed) {
                match self.store.claim_owner(&self.leases.owner).await {
                    Ok(()) => claimed.store(true, Ordering::Relaxed),
                    Err(error) => {
                        tracing::warn!(%error, "cannot mark this server alive in the store")
                    }
                }
            }
            if let Err(error) = self.adopt_orphans().await {
                tracing::warn!(%error, "cannot look for orchestrations to take over");
            }
        });
        tokio::join!(renew, adopt);
    }

    /// Stops running `id` here without another word in its log: its lease is, or may soon be,
    /// another server's.
    fn fence(&self, id: &str, why: &str) {
        let lost = lock(&self.live).remove(id);
        if let Some(lost) = lost {
            lost.sink.fence();
            self.log.hub().close(id);
            lost.cancel
                .cancel("another server took this orchestration over");
            tracing::warn!(orchestration_id = %id, why, "stopped running here; the lease is for another server to take");
        }
    }

    async fn renew_leases(&self) {
        let held: Vec<Lease> = lock(&self.live)
            .values()
            .map(|live| live.lease.clone())
            .collect();
        let expiry = self.leases.expiry();
        let mut renewals = futures_util::stream::iter(held)
            .map(|lease| async move {
                let renewed = self.store.renew_lease(&lease, expiry).await;
                (lease, renewed)
            })
            .buffer_unordered(RENEWALS_IN_FLIGHT);
        while let Some((lease, renewed)) = renewals.next().await {
            let id = &lease.orchestration_id;
            match renewed {
                Ok(renewed) => {
                    if let Some(live) = lock(&self.live).get_mut(id)
                        && live.lease.etag == lease.etag
                    {
                        live.lease = renewed;
                        live.renewed_at = tokio::time::Instant::now();
                    }
                }
                Err(StoreError::VersionConflict { .. } | StoreError::NotFound { .. }) => {
                    // Another server took it over (this one was cut off for longer than the
                    // lease).
                    self.fence(id, "the lease was taken over");
                }
                Err(error) => {
                    // Unrenewed for two thirds of the lease: stop before it can expire and be
                    // taken over, so that two servers never write one log. Whoever takes it
                    // next (this server too, once the store answers) resumes it.
                    let stale = lock(&self.live).get(id).is_some_and(|live| {
                        live.renewed_at.elapsed() > self.leases.duration * 2 / 3
                    });
                    if stale {
                        self.fence(id, "the lease could not be renewed in time");
                    } else {
                        tracing::warn!(orchestration_id = %id, %error, "cannot renew the lease; retrying");
                    }
                }
            }
        }
    }

    async fn adopt_orphans(&self) -> Result<(), ServiceError> {
        // Leases whose owner is known dead first (a restart on the same data resumes at once),
        // then those that expired.
        let mut orphans = self.store.abandoned_leases(ADOPT_PER_SCAN).await?;
        orphans.extend(
            self.store
                .expired_leases(Utc::now(), ADOPT_PER_SCAN)
                .await?,
        );
        for orphan in orphans {
            // Resumed work queues behind the server's admission bounds: its lease stays
            // expired, and a later scan takes it once there is room.
            if !self.admission.has_room() {
                tracing::info!(
                    "the server is at its admission bounds; orphaned orchestrations wait"
                );
                break;
            }
            if lock(&self.live).contains_key(&orphan.orchestration_id) {
                // Ours, renewed late; the next renewal extends it.
                continue;
            }
            let Some(lease) = self
                .store
                .acquire_lease(
                    &orphan.tenant,
                    &orphan.orchestration_id,
                    &self.leases.owner,
                    self.leases.expiry(),
                )
                .await?
            else {
                continue; // another server was faster
            };
            tracing::info!(
                tenant = %lease.tenant,
                orchestration_id = %lease.orchestration_id,
                previous_owner = %orphan.owner,
                "taking over an orchestration whose server stopped"
            );
            self.metrics.lease_taken_over();
            if let Err(error) = self.resume(lease.clone()).await {
                tracing::error!(orchestration_id = %lease.orchestration_id, %error, "cannot resume; another scan retries");
            }
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
            self.store.write_log(&settled).await?;
            return Ok(());
        }
        // Before the checkpoints are read and the plan is rebuilt: refused, that work is
        // not wasted.
        let charge = Admission::charge_of(super::submission::spec_bytes(&record.spec));
        let ticket = match self.admission.admit_resumed(tenant, charge) {
            Ok(ticket) => ticket,
            Err(refusal) => {
                // Held, not run: the lease expires and a later scan tries again.
                tracing::debug!(orchestration_id = %id, %refusal, "no room to resume yet; it waits for its lease to expire");
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
                    TaskRun::from_checkpoint(checkpoint),
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
