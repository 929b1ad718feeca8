//! The schema, as numbered migrations; a database from a newer build is refused.

use rusqlite::Connection;

use super::error::sql_error;
use crate::store::StoreError;

const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE criteria (
        tenant      TEXT    NOT NULL,
        id          TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        body        TEXT    NOT NULL,
        update_time TEXT    NOT NULL,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE TABLE decisions (
        tenant           TEXT    NOT NULL,
        id               TEXT    NOT NULL,
        orchestration_id TEXT,
        criteria_id      TEXT    NOT NULL,
        criteria_version INTEGER NOT NULL,
        body             TEXT    NOT NULL,
        create_time      TEXT    NOT NULL,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE INDEX decisions_by_orchestration ON decisions (tenant, orchestration_id);
"#,
    r#"
    CREATE TABLE orchestrations (
        tenant           TEXT    NOT NULL,
        id               TEXT    NOT NULL,
        request_id       TEXT,
        state            TEXT    NOT NULL,
        spec             TEXT    NOT NULL,
        create_time      TEXT    NOT NULL,
        update_time      TEXT    NOT NULL,
        result           TEXT,
        escalated_output TEXT,
        last_sequence    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX orchestrations_by_request ON orchestrations (tenant, request_id)
        WHERE request_id IS NOT NULL;
    CREATE INDEX orchestrations_by_state ON orchestrations (tenant, state, id);
    CREATE TABLE events (
        tenant           TEXT    NOT NULL,
        orchestration_id TEXT    NOT NULL,
        sequence         INTEGER NOT NULL,
        body             TEXT    NOT NULL,
        PRIMARY KEY (tenant, orchestration_id, sequence)
    ) WITHOUT ROWID;
"#,
    r#"
    CREATE TABLE checkpoints (
        tenant           TEXT    NOT NULL,
        orchestration_id TEXT    NOT NULL,
        run              INTEGER NOT NULL,
        task_id          TEXT    NOT NULL,
        body             TEXT    NOT NULL,
        PRIMARY KEY (tenant, orchestration_id, run, task_id)
    ) WITHOUT ROWID;
    CREATE TABLE leases (
        tenant           TEXT    NOT NULL,
        orchestration_id TEXT    NOT NULL,
        owner            TEXT    NOT NULL,
        expire_millis    INTEGER NOT NULL,
        version          INTEGER NOT NULL,
        PRIMARY KEY (tenant, orchestration_id)
    ) WITHOUT ROWID;
    CREATE INDEX leases_by_expiry ON leases (expire_millis);
"#,
    r#"
    ALTER TABLE orchestrations ADD COLUMN deadline TEXT;
"#,
    // What the health probe writes: reads succeed on a full disk, writes do not.
    r#"
    CREATE TABLE probe (
        id        INTEGER PRIMARY KEY,
        at_millis INTEGER NOT NULL
    );
"#,
    // Leases per server: each server's heartbeat, which its leases follow.
    r#"
    CREATE TABLE owners (
        owner         TEXT    NOT NULL PRIMARY KEY,
        host          TEXT,
        expire_millis INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX leases_by_owner ON leases (owner);
"#,
];

pub(super) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    // IMMEDIATE takes the write lock up front: of two processes opening a fresh file at once,
    // one migrates and the other then finds the work done.
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql_error)?;
    let applied: i64 = transaction
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql_error)?;
    if applied as usize > MIGRATIONS.len() {
        // Written by a newer build: reading it could misread records, so refuse.
        return Err(StoreError::Unavailable(format!(
            "the database schema is at version {applied}, newer than this build knows ({})",
            MIGRATIONS.len()
        )));
    }
    for migration in MIGRATIONS.iter().skip(applied.max(0) as usize) {
        transaction.execute_batch(migration).map_err(sql_error)?;
    }
    transaction
        .pragma_update(None, "user_version", MIGRATIONS.len() as i64)
        .map_err(sql_error)?;
    transaction.commit().map_err(sql_error)
}
