//! The `orchestrations` table: one row per orchestration, its spec and derived state, and its
//! request id unique per tenant.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::{DISK_FULL, free_bytes, is_constraint, sql_error};
use super::leases::{FIRST_HEARTBEAT, lease_from};
use super::rows::{from_json, millis, parse_state, parse_time, state_name, to_json};
use super::{MIN_FREE_BYTES, SqliteStore, page_of};
use crate::model::TenantId;
use crate::model::orchestration::OrchestrationState;
use crate::store::forms::FOLLOWS_OWNER_MILLIS;
use crate::store::forms::{ResultForm, SpecForm};
use crate::store::{
    Created, LeaseClaim, ORCHESTRATION, OrchestrationRecord, OrchestrationStore, Page, PageRequest,
    StoreError,
};

/// `last_sequence`, the only number, is column 9; the text columns are read by `read_record`.
const ORCHESTRATION_COLUMNS: &str = "tenant, id, request_id, state, spec, create_time, update_time, result, escalated_output, last_sequence, deadline";

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 10]> {
    Ok([
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(10)?,
    ])
}

fn record_from(
    columns: [Option<String>; 10],
    last_sequence: i64,
) -> Result<OrchestrationRecord, StoreError> {
    let [
        tenant,
        id,
        request_id,
        state,
        spec,
        create_time,
        update_time,
        result,
        escalated_output,
        deadline,
    ] = columns;
    let id = id.unwrap_or_default();
    let tenant = TenantId::new(tenant.unwrap_or_default())
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(OrchestrationRecord {
        tenant,
        request_id,
        state: parse_state(state.as_deref().unwrap_or_default())?,
        spec: from_json::<SpecForm, _>(ORCHESTRATION, &id, spec.as_deref().unwrap_or("{}"))?,
        create_time: parse_time(create_time.as_deref().unwrap_or_default())?,
        update_time: parse_time(update_time.as_deref().unwrap_or_default())?,
        result: result
            .map(|body| from_json::<ResultForm, _>(ORCHESTRATION, &id, &body))
            .transpose()?,
        escalated_output,
        last_sequence: last_sequence.max(0) as u64,
        deadline: deadline.as_deref().map(parse_time).transpose()?,
        orchestration_id: id,
    })
}

fn select_record(
    connection: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<OrchestrationRecord>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ORCHESTRATION_COLUMNS} FROM orchestrations WHERE tenant = ?1 AND id = ?2"
        ))
        .map_err(sql_error)?;
    let row = statement
        .query_row(params![tenant, id], |row| {
            Ok((read_record(row)?, row.get::<_, i64>(9)?))
        })
        .optional()
        .map_err(sql_error)?;
    row.map(|(columns, sequence)| record_from(columns, sequence))
        .transpose()
}

/// The orchestration a tenant's request id names, if any.
fn select_by_request(
    connection: &Connection,
    tenant: &str,
    request_id: &str,
) -> Result<Option<OrchestrationRecord>, StoreError> {
    let id: Option<String> = connection
        .query_row(
            "SELECT id FROM orchestrations WHERE tenant = ?1 AND request_id = ?2",
            params![tenant, request_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql_error)?;
    match id {
        Some(id) => select_record(connection, tenant, &id),
        None => Ok(None),
    }
}

#[async_trait]
impl OrchestrationStore for SqliteStore {
    async fn create_orchestration(
        &self,
        record: OrchestrationRecord,
        claim: &LeaseClaim,
    ) -> Result<Created, StoreError> {
        let claim = claim.clone();
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            if let Some(request_id) = &record.request_id
                && let Some(found) = select_by_request(&transaction, record.tenant.as_str(), request_id)?
            {
                return Ok(Created { record: found, created: false, lease: None });
            }
            transaction
                .execute(
                    &format!("INSERT INTO orchestrations ({ORCHESTRATION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL, 0, ?8)"),
                    params![
                        record.tenant.as_str(),
                        record.orchestration_id,
                        record.request_id,
                        state_name(record.state),
                        to_json::<SpecForm, _>(&record.spec)?,
                        record.create_time.to_rfc3339(),
                        record.update_time.to_rfc3339(),
                        record.deadline.map(|deadline| deadline.to_rfc3339()),
                    ],
                )
                .map_err(|e| {
                    if is_constraint(&e) {
                        StoreError::AlreadyExists { kind: ORCHESTRATION, id: record.orchestration_id.clone() }
                    } else {
                        sql_error(e)
                    }
                })?;
            // The lease in the same transaction: a crash leaves both or neither. Its owner has
            // a heartbeat from then on, or the lease could never be told orphaned.
            transaction
                .execute(
                    "INSERT OR REPLACE INTO leases (tenant, orchestration_id, owner, expire_millis, version) VALUES (?1, ?2, ?3, ?4, 1)",
                    params![record.tenant.as_str(), record.orchestration_id, claim.owner, FOLLOWS_OWNER_MILLIS],
                )
                .map_err(sql_error)?;
            transaction
                .prepare_cached(FIRST_HEARTBEAT)
                .map_err(sql_error)?
                .execute(params![claim.owner, millis(claim.heartbeat_until)])
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)?;
            let lease = lease_from(
                record.tenant.as_str(),
                record.orchestration_id.clone(),
                claim.owner,
                1,
            )?;
            Ok(Created { record, created: true, lease: Some(lease) })
        })
        .await
    }

    async fn get_orchestration(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), orchestration_id.to_owned());
        self.read(move |connection| select_record(connection, &tenant, &id))
            .await
    }

    async fn find_by_request_id(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<OrchestrationRecord>, StoreError> {
        let (tenant, request_id) = (tenant.as_str().to_owned(), request_id.to_owned());
        self.read(move |connection| select_by_request(connection, &tenant, &request_id))
            .await
    }

    async fn list_orchestrations(
        &self,
        tenant: &TenantId,
        states: &[OrchestrationState],
        page: PageRequest,
    ) -> Result<Page<OrchestrationRecord>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let states: Vec<&'static str> = states.iter().map(|s| state_name(*s)).collect();
        self.read(move |connection| {
            // Ids are time-ordered (UUIDv7), so newest first is id descending.
            let state_filter = if states.is_empty() {
                String::new()
            } else {
                format!(" AND state IN ({})", vec!["?"; states.len()].join(", "))
            };
            let after_filter = if page.after.is_some() { " AND id < ?" } else { "" };
            let sql = format!(
                "SELECT {ORCHESTRATION_COLUMNS} FROM orchestrations WHERE tenant = ?{state_filter}{after_filter} ORDER BY id DESC LIMIT ?"
            );
            let mut values: Vec<rusqlite::types::Value> = vec![tenant.into()];
            values.extend(states.iter().map(|s| rusqlite::types::Value::from(s.to_string())));
            if let Some(after) = page.after {
                values.push(after.into());
            }
            values.push((page.size as i64 + 1).into());
            let mut statement = connection.prepare(&sql).map_err(sql_error)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(values), |row| Ok((read_record(row)?, row.get::<_, i64>(9)?)))
                .map_err(sql_error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_error)?;
            page_of(
                rows,
                page.size,
                |(columns, sequence)| record_from(columns, sequence),
                |record| record.orchestration_id.clone(),
            )
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let path = &self.inner.path;
        if self.inner.disk_full.load(Ordering::Acquire)
            && let Some(free) = free_bytes(path)
            && free < MIN_FREE_BYTES
        {
            return Err(StoreError::Unavailable(format!(
                "{DISK_FULL}: {} has {free} bytes free",
                path.display()
            )));
        }
        let now = Utc::now().timestamp_millis();
        self.write(move |connection| {
            connection
                .execute(
                    "INSERT INTO probe (id, at_millis) VALUES (1, ?1)
                     ON CONFLICT (id) DO UPDATE SET at_millis = excluded.at_millis",
                    [now],
                )
                .map(drop)
                .map_err(sql_error)
        })
        .await
    }
}
