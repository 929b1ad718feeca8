//! The `decisions` table: review decisions, written once.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::error::{is_constraint, sql_error};
use super::rows::{from_json, to_json};
use crate::model::{ReviewDecision, TenantId};
use crate::store::forms::DecisionForm;
use crate::store::{DECISION, DecisionStore, StoreError};

#[async_trait]
impl DecisionStore for SqliteStore {
    async fn put_decision(
        &self,
        tenant: &TenantId,
        orchestration_id: Option<&str>,
        decision: &ReviewDecision,
    ) -> Result<(), StoreError> {
        let tenant = tenant.as_str().to_owned();
        let orchestration_id = orchestration_id.map(str::to_owned);
        let body = to_json::<DecisionForm, _>(decision)?;
        let (id, criteria_id, criteria_version, create_time) = (
            decision.decision_id.clone(),
            decision.criteria_id.clone(),
            decision.criteria_version as i64,
            decision.create_time.to_rfc3339(),
        );
        self.write(move |connection| {
            connection
                .execute(
                    "INSERT INTO decisions (tenant, id, orchestration_id, criteria_id, criteria_version, body, create_time)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![tenant, id, orchestration_id, criteria_id, criteria_version, body, create_time],
                )
                .map_err(|e| {
                    if is_constraint(&e) {
                        StoreError::AlreadyExists { kind: DECISION, id: id.clone() }
                    } else {
                        sql_error(e)
                    }
                })?;
            Ok(())
        })
        .await
    }

    async fn get_decision(
        &self,
        tenant: &TenantId,
        decision_id: &str,
    ) -> Result<Option<ReviewDecision>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), decision_id.to_owned());
        self.read(move |connection| {
            let body: Option<String> = connection
                .query_row(
                    "SELECT body FROM decisions WHERE tenant = ?1 AND id = ?2",
                    params![tenant, id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(sql_error)?;
            body.map(|body| from_json::<DecisionForm, _>(DECISION, &id, &body))
                .transpose()
        })
        .await
    }
}
