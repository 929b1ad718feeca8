//! The log tables, `events` and `checkpoints`, and the batch that writes them with the state,
//! decisions and lease releases they imply, in one transaction with the fencing check.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::error::sql_error;
use super::leases::RELEASE_LEASE;
use super::rows::{from_json, parse_state, state_name, to_json};
use crate::model::TenantId;
use crate::model::event::Event;
use crate::model::orchestration::TaskCheckpoint;
use crate::store::forms::{CheckpointForm, DecisionForm, EventForm, ResultForm};
use crate::store::{Fenced, LogBatch, LogStore, StoreError};

/// (tenant, orchestration id) of everything `batch` writes.
fn touched(batch: &LogBatch) -> BTreeSet<(String, String)> {
    let events = batch.events.iter().map(|(t, e)| (t, &e.orchestration_id));
    let states = batch
        .states
        .iter()
        .map(|u| (&u.tenant, &u.orchestration_id));
    let decisions = batch.decisions.iter().map(|(t, id, _)| (t, id));
    let checkpoints = batch.checkpoints.iter().map(|(t, id, _)| (t, id));
    let released = batch
        .released_leases
        .iter()
        .map(|l| (&l.tenant, &l.orchestration_id));
    events
        .chain(states)
        .chain(decisions)
        .chain(checkpoints)
        .chain(released)
        .map(|(tenant, id)| (tenant.as_str().to_owned(), id.clone()))
        .collect()
}

/// Those of `touched` whose lease names another owner than `owner`, or that ended and have no
/// lease any more (a fenced writer woken after the new owner finished must not write on).
fn taken_over(
    connection: &rusqlite::Connection,
    owner: &str,
    touched: &BTreeSet<(String, String)>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut holder = connection
        .prepare_cached("SELECT owner FROM leases WHERE tenant = ?1 AND orchestration_id = ?2")
        .map_err(sql_error)?;
    let mut state = connection
        .prepare_cached("SELECT state FROM orchestrations WHERE tenant = ?1 AND id = ?2")
        .map_err(sql_error)?;
    let mut fenced = Vec::new();
    for (tenant, id) in touched {
        let held: Option<String> = holder
            .query_row(params![tenant, id], |row| row.get(0))
            .optional()
            .map_err(sql_error)?;
        let taken = match held {
            Some(held) => held != owner,
            None => {
                let stored: Option<String> = state
                    .query_row(params![tenant, id], |row| row.get(0))
                    .optional()
                    .map_err(sql_error)?;
                stored.is_some_and(|name| parse_state(&name).is_ok_and(|s| s.is_terminal()))
            }
        };
        if taken {
            fenced.push((tenant.clone(), id.clone()));
        }
    }
    Ok(fenced)
}

#[async_trait]
impl LogStore for SqliteStore {
    async fn write_log(&self, batch: &LogBatch) -> Result<Fenced, StoreError> {
        let owner = batch.owner.clone();
        let touched = touched(batch);
        // Encode outside the writer lock.
        let events = batch
            .events
            .iter()
            .map(|(tenant, event)| {
                Ok((
                    tenant.as_str().to_owned(),
                    event.orchestration_id.clone(),
                    event.sequence as i64,
                    to_json::<EventForm, _>(&**event)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let states = batch
            .states
            .iter()
            .map(|update| {
                Ok((
                    update.tenant.as_str().to_owned(),
                    update.orchestration_id.clone(),
                    state_name(update.state),
                    update.last_sequence as i64,
                    update
                        .result
                        .as_deref()
                        .map(to_json::<ResultForm, _>)
                        .transpose()?,
                    update.escalated_output.clone(),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let decisions = batch
            .decisions
            .iter()
            .map(|(tenant, orchestration_id, decision)| {
                Ok((
                    tenant.as_str().to_owned(),
                    decision.decision_id.clone(),
                    orchestration_id.clone(),
                    decision.criteria_id.clone(),
                    decision.criteria_version as i64,
                    to_json::<DecisionForm, _>(decision)?,
                    decision.create_time.to_rfc3339(),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let released = batch
            .released_leases
            .iter()
            .map(|lease| {
                Ok((
                    lease.tenant.as_str().to_owned(),
                    lease.orchestration_id.clone(),
                    lease.owner.clone(),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let checkpoints = batch
            .checkpoints
            .iter()
            .map(|(tenant, orchestration_id, checkpoint)| {
                Ok((
                    tenant.as_str().to_owned(),
                    orchestration_id.clone(),
                    i64::from(checkpoint.run),
                    checkpoint.task_id.clone(),
                    to_json::<CheckpointForm, _>(checkpoint)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            // Checked in the transaction that writes: a takeover lands before or after all of it.
            let fenced = taken_over(&transaction, &owner, &touched)?;
            let writes = |tenant: &str, id: &str| !fenced.iter().any(|(t, i)| t == tenant && i == id);
            {
                let mut insert_checkpoint = transaction
                    .prepare_cached(
                        "INSERT OR REPLACE INTO checkpoints (tenant, orchestration_id, run, task_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .map_err(sql_error)?;
                for (tenant, id, run, task_id, body) in checkpoints.iter().filter(|c| writes(&c.0, &c.1)) {
                    insert_checkpoint.execute(params![tenant, id, run, task_id, body]).map_err(sql_error)?;
                }
                // A sequence is written once: the first write of it stands (see `write_log`).
                let mut insert_event = transaction
                    .prepare_cached("INSERT OR IGNORE INTO events (tenant, orchestration_id, sequence, body) VALUES (?1, ?2, ?3, ?4)")
                    .map_err(sql_error)?;
                for (tenant, id, sequence, body) in events.iter().filter(|e| writes(&e.0, &e.1)) {
                    insert_event.execute(params![tenant, id, sequence, body]).map_err(sql_error)?;
                }
                let now = Utc::now().to_rfc3339();
                let mut update_state = transaction
                    .prepare_cached(
                        "UPDATE orchestrations SET state = ?3, last_sequence = max(last_sequence, ?4), update_time = ?5,
                             result = coalesce(?6, result),
                             escalated_output = CASE WHEN ?7 THEN ?8 ELSE escalated_output END
                         WHERE tenant = ?1 AND id = ?2",
                    )
                    .map_err(sql_error)?;
                for (tenant, id, state, sequence, result, escalated) in states.iter().filter(|u| writes(&u.0, &u.1)) {
                    let (set_escalated, escalated) = match escalated {
                        Some(value) => (true, value.clone()),
                        None => (false, None),
                    };
                    update_state
                        .execute(params![tenant, id, state, sequence, now, result, set_escalated, escalated])
                        .map_err(sql_error)?;
                }
                let mut insert_decision = transaction
                    .prepare_cached(
                        "INSERT OR IGNORE INTO decisions (tenant, id, orchestration_id, criteria_id, criteria_version, body, create_time)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .map_err(sql_error)?;
                for (tenant, id, orchestration_id, criteria_id, version, body, time) in decisions.iter().filter(|d| writes(&d.0, &d.2)) {
                    insert_decision
                        .execute(params![tenant, id, orchestration_id, criteria_id, version, body, time])
                        .map_err(sql_error)?;
                }
                let mut release = transaction
                    .prepare_cached(RELEASE_LEASE)
                    .map_err(sql_error)?;
                for (tenant, id, owner) in released.iter().filter(|r| writes(&r.0, &r.1)) {
                    release.execute(params![tenant, id, owner]).map_err(sql_error)?;
                }
            }
            transaction.commit().map_err(sql_error)?;
            Ok(fenced.into_iter().map(|(_, id)| id).collect())
        })
        .await
    }

    async fn read_events(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), orchestration_id.to_owned());
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT body FROM events WHERE tenant = ?1 AND orchestration_id = ?2 AND sequence > ?3
                     ORDER BY sequence LIMIT ?4",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(params![tenant, id, after as i64, limit as i64], |row| row.get::<_, String>(0))
                .map_err(sql_error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_error)?;
            rows.iter().map(|body| from_json::<EventForm, _>("event", &id, body)).collect()
        })
        .await
    }

    async fn read_checkpoints(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        run: u32,
    ) -> Result<Vec<TaskCheckpoint>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), orchestration_id.to_owned());
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT body FROM checkpoints WHERE tenant = ?1 AND orchestration_id = ?2 AND run = ?3",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(params![tenant, id, i64::from(run)], |row| row.get::<_, String>(0))
                .map_err(sql_error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_error)?;
            rows.iter().map(|body| from_json::<CheckpointForm, _>("checkpoint", &id, body)).collect()
        })
        .await
    }
}
