//! Control: cancellations, and the human decisions that escalated orchestrations wait for.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::oneshot;

use super::log::OrchestrationSink;
use super::{LiveMap, Orchestrations, ServiceError, lock};
use crate::engine::orchestration::HumanReview;
use crate::model::HumanDecision;
use crate::model::TenantId;
use crate::model::event::EventKind;
use crate::model::orchestration::{OrchestrationResult, OrchestrationState};

/// Parks escalated orchestrations of one job until ResolveEscalation answers.
pub(super) struct Escalations {
    pub(super) live: LiveMap,
    pub(super) sink: Arc<OrchestrationSink>,
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

impl Orchestrations {
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
}
