//! The `decisions` container: review decisions, written once.

use async_trait::async_trait;

use super::documents::DecisionDoc;
use super::{CosmosStore, create_new};
use crate::model::{ReviewDecision, TenantId};
use crate::store::{DECISION, DecisionStore, StoreError};

#[async_trait]
impl DecisionStore for CosmosStore {
    async fn put_decision(
        &self,
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Result<(), StoreError> {
        let document = DecisionDoc::new(tenant, orchestration_id, decision);
        create_new(
            &self.inner.decisions,
            tenant.as_str(),
            &document.id,
            &document,
            DECISION,
        )
        .await
    }

    async fn get_decision(
        &self,
        tenant: &TenantId,
        decision_id: &str,
    ) -> Result<Option<ReviewDecision>, StoreError> {
        Ok(
            Self::read::<DecisionDoc>(&self.inner.decisions, tenant.as_str(), decision_id)
                .await?
                .map(|(document, _)| document.into_decision()),
        )
    }
}
