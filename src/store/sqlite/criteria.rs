//! The `criteria` table: versioned review criteria per tenant.

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::{is_constraint, sql_error};
use super::rows::{from_json, to_json};
use super::{SqliteStore, page_of};
use crate::model::{ReviewCriteria, TenantId};
use crate::store::forms::CriteriaForm;
use crate::store::{CRITERIA, CriteriaStore, Page, PageRequest, StoreError};

#[async_trait]
impl CriteriaStore for SqliteStore {
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        mut criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let tenant = tenant.as_str().to_owned();
        self.write(move |connection| {
            let now = Utc::now();
            criteria.version = 1;
            criteria.create_time = now;
            criteria.update_time = now;
            let body = to_json::<CriteriaForm, _>(&criteria)?;
            connection
                .execute(
                    "INSERT INTO criteria (tenant, id, version, body, update_time) VALUES (?1, ?2, 1, ?3, ?4)",
                    params![tenant, criteria.id, body, now.to_rfc3339()],
                )
                .map_err(|e| {
                    if is_constraint(&e) {
                        StoreError::AlreadyExists { kind: CRITERIA, id: criteria.id.clone() }
                    } else {
                        sql_error(e)
                    }
                })?;
            Ok(criteria)
        })
        .await
    }

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), id.to_owned());
        self.read(move |connection| {
            stored_version(connection, &tenant, &id)?
                .map(|(_, body)| from_json::<CriteriaForm, _>(CRITERIA, &id, &body))
                .transpose()
        })
        .await
    }

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT id, body FROM criteria WHERE tenant = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                )
                .map_err(sql_error)?;
            let after = page.after.unwrap_or_default();
            // One more than asked tells whether another page follows.
            let rows = statement
                .query_map(params![tenant, after, page.size as i64 + 1], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(sql_error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_error)?;
            page_of(
                rows,
                page.size,
                |(id, body)| from_json::<CriteriaForm, ReviewCriteria>(CRITERIA, &id, &body),
                |criteria| criteria.id.clone(),
            )
        })
        .await
    }

    async fn update_criteria(
        &self,
        tenant: &TenantId,
        mut criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let tenant = tenant.as_str().to_owned();
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            let Some((actual, body)) = stored_version(&transaction, &tenant, &criteria.id)? else {
                return Err(StoreError::NotFound { kind: CRITERIA, id: criteria.id });
            };
            if actual != criteria.version {
                return Err(StoreError::VersionConflict {
                    kind: CRITERIA,
                    id: criteria.id,
                    expected: criteria.version,
                    actual,
                });
            }
            let stored: ReviewCriteria = from_json::<CriteriaForm, _>(CRITERIA, &criteria.id, &body)?;
            criteria.version = actual + 1;
            criteria.create_time = stored.create_time;
            criteria.update_time = Utc::now();
            transaction
                .execute(
                    "UPDATE criteria SET version = ?3, body = ?4, update_time = ?5 WHERE tenant = ?1 AND id = ?2",
                    params![
                        tenant,
                        criteria.id,
                        criteria.version as i64,
                        to_json::<CriteriaForm, _>(&criteria)?,
                        criteria.update_time.to_rfc3339()
                    ],
                )
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)?;
            Ok(criteria)
        })
        .await
    }

    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), id.to_owned());
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            let Some((actual, _)) = stored_version(&transaction, &tenant, &id)? else {
                return Err(StoreError::NotFound { kind: CRITERIA, id });
            };
            if let Some(expected) = expected_version
                && expected != actual
            {
                return Err(StoreError::VersionConflict {
                    kind: CRITERIA,
                    id,
                    expected,
                    actual,
                });
            }
            transaction
                .execute(
                    "DELETE FROM criteria WHERE tenant = ?1 AND id = ?2",
                    params![tenant, id],
                )
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)
        })
        .await
    }
}

fn stored_version(
    connection: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<(u64, String)>, StoreError> {
    connection
        .query_row(
            "SELECT version, body FROM criteria WHERE tenant = ?1 AND id = ?2",
            params![tenant, id],
            |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, String>(1)?)),
        )
        .optional()
        .map_err(sql_error)
}
