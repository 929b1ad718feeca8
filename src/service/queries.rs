//! Queries: an orchestration as it stands (folded from its events), and lists of them.

use super::follow::REPLAY_PAGE;
use super::{Orchestrations, ServiceError};
use crate::model::TenantId;
use crate::model::event::{Event, fold};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState};
use crate::store::{OrchestrationRecord, Page, PageRequest};

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

/// What a record says before any event is folded in.
pub(super) fn summary(record: &OrchestrationRecord) -> OrchestrationResult {
    OrchestrationResult::empty(
        record.orchestration_id.clone(),
        record.request_id.clone().unwrap_or_default(),
        record.state,
        record.create_time,
        record.spec.labels.clone(),
    )
}

impl Orchestrations {
    pub(super) async fn record(
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
    pub(super) async fn all_events(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Vec<Event>, ServiceError> {
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
}
