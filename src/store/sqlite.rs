//! The embedded store: one SQLite file under the data directory, in WAL mode. Records are JSON
//! documents beside the columns that index them, the same shape a document store keeps.
//!
//! One writer connection serializes writes; a few reader connections serve reads at the same
//! time (WAL lets readers proceed while a write commits). Blocking SQLite calls run on tokio's
//! blocking pool.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

use super::liveness::Owners;
use super::{
    CRITERIA, Created, CriteriaStore, DECISION, DecisionStore, LEASE, Lease, LeaseClaim,
    LeaseStore, LogBatch, ORCHESTRATION, OpenError, OrchestrationRecord, OrchestrationStore, Page,
    PageRequest, StoreError,
};
use crate::model::event::Event;
use crate::model::orchestration::{OrchestrationState, TaskCheckpoint};
use crate::model::{ReviewCriteria, ReviewDecision, TenantId};

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "orchestrator.db";
const READERS: usize = 4;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
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
];

/// After a full disk, the probe reports the store down until at least this much is free again,
/// so that health does not turn SERVING for a write that only just fits.
const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// Releases a lease its owner still holds, at whatever version: a renewal may have landed since
/// the owner last read it.
const RELEASE_LEASE: &str =
    "DELETE FROM leases WHERE tenant = ?1 AND orchestration_id = ?2 AND owner = ?3";

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// A write failed for want of space, and none has succeeded since.
    disk_full: AtomicBool,
    /// Which lease owners on this data directory are alive.
    owners: Owners,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

/// How a full disk reads in an error, to tell it from the other unavailable cases.
const DISK_FULL: &str = "sqlite: the disk is full";

fn sql_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) if failure.code == ErrorCode::DiskFull => {
            StoreError::Unavailable(format!("{DISK_FULL} ({error})"))
        }
        _ => StoreError::Unavailable(format!("sqlite: {error}")),
    }
}

/// Bytes free for this process on the filesystem holding `path`.
fn free_bytes(path: &Path) -> Option<u64> {
    let directory = path.parent().unwrap_or(path);
    let stats = rustix::fs::statvfs(directory).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

fn is_constraint(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(
    kind: &str,
    id: &str,
    body: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("{kind} {id:?}: {e}")))
}

fn configure(connection: &Connection) -> Result<(), rusqlite::Error> {
    // NORMAL is durable in WAL mode against process crashes; only an OS crash or power loss can
    // lose the last commits, the usual trade for an embedded service store.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Self, OpenError> {
        let data_dir = data_dir.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&data_dir))
            .await
            .map_err(|e| OpenError::while_opening(unavailable(e)))?
    }

    fn open_blocking(data_dir: &Path) -> Result<Self, OpenError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            OpenError::Refused(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let open_error =
            |e: rusqlite::Error| OpenError::Refused(format!("cannot open {}: {e}", path.display()));
        let mut writer = Connection::open(&path).map_err(open_error)?;
        // The busy timeout first: another process may be opening or migrating the same file.
        configure(&writer).map_err(open_error)?;
        enable_wal(&writer).map_err(open_error)?;
        migrate(&mut writer).map_err(OpenError::while_opening)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&reader)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()
            .map_err(open_error)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                disk_full: AtomicBool::new(false),
                owners: Owners::new(data_dir),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        let written = tokio::task::spawn_blocking(move || {
            let mut connection = inner
                .writer
                .lock()
                .map_err(|_| unavailable("the writer connection was poisoned by a panic"))?;
            work(&mut connection)
        })
        .await
        .map_err(unavailable)?;
        self.note_disk_space(&written);
        written
    }

    /// Says once when the disk fills up, with where and how much is left, and once when a
    /// write fits again.
    fn note_disk_space<T>(&self, written: &Result<T, StoreError>) {
        let full =
            matches!(written, Err(StoreError::Unavailable(why)) if why.starts_with(DISK_FULL));
        let path = &self.inner.path;
        if full && !self.inner.disk_full.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                path = %path.display(),
                free_bytes = free_bytes(path),
                "the disk holding the store is full; writes wait until there is room"
            );
        } else if written.is_ok() && self.inner.disk_full.swap(false, Ordering::AcqRel) {
            tracing::info!(path = %path.display(), free_bytes = free_bytes(path), "the store's disk has room again");
        }
    }

    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let index = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let connection = inner.readers[index]
                .lock()
                .map_err(|_| unavailable("a reader connection was poisoned by a panic"))?;
            work(&connection)
        })
        .await
        .map_err(unavailable)?
    }
}

/// Switches the file to WAL. SQLite answers BUSY here without consulting the busy handler when
/// another connection is opening the same fresh file, so this step retries by itself.
fn enable_wal(connection: &Connection) -> Result<(), rusqlite::Error> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match connection.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if matches!(
                    error.code,
                    ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// A page from rows fetched one past the page size: the extra row only says another page
/// follows.
fn page_of<R, T>(
    rows: Vec<R>,
    size: usize,
    decode: impl Fn(R) -> Result<T, StoreError>,
    key: impl Fn(&T) -> String,
) -> Result<Page<T>, StoreError> {
    let more = rows.len() > size;
    let items = rows
        .into_iter()
        .take(size)
        .map(decode)
        .collect::<Result<Vec<_>, _>>()?;
    let next_after = if more { items.last().map(key) } else { None };
    Ok(Page { items, next_after })
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
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
            let body = to_json(&criteria)?;
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
                .map(|(_, body)| from_json(CRITERIA, &id, &body))
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
                |(id, body)| from_json::<ReviewCriteria>(CRITERIA, &id, &body),
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
            let stored: ReviewCriteria = from_json(CRITERIA, &criteria.id, &body)?;
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
                        to_json(&criteria)?,
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
        let body = to_json(decision)?;
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
            body.map(|body| from_json(DECISION, &id, &body)).transpose()
        })
        .await
    }
}

fn state_name(state: OrchestrationState) -> &'static str {
    state.as_str()
}

fn parse_state(name: &str) -> Result<OrchestrationState, StoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown orchestration state {name:?}")))
}

fn parse_time(text: &str) -> Result<chrono::DateTime<Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {text:?}: {e}")))
}

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
        spec: from_json(ORCHESTRATION, &id, spec.as_deref().unwrap_or("{}"))?,
        create_time: parse_time(create_time.as_deref().unwrap_or_default())?,
        update_time: parse_time(update_time.as_deref().unwrap_or_default())?,
        result: result
            .map(|body| from_json(ORCHESTRATION, &id, &body))
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
                        to_json(&record.spec)?,
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
            // The lease in the same transaction: a crash leaves both or neither.
            transaction
                .execute(
                    "INSERT OR REPLACE INTO leases (tenant, orchestration_id, owner, expire_millis, version) VALUES (?1, ?2, ?3, ?4, 1)",
                    params![record.tenant.as_str(), record.orchestration_id, claim.owner, millis(claim.expire_time)],
                )
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)?;
            let lease = lease_from(
                record.tenant.as_str(),
                record.orchestration_id.clone(),
                claim.owner,
                millis(claim.expire_time),
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

    async fn write_log(&self, batch: &LogBatch) -> Result<(), StoreError> {
        // Encode outside the writer lock.
        let events = batch
            .events
            .iter()
            .map(|(tenant, event)| {
                Ok((
                    tenant.as_str().to_owned(),
                    event.orchestration_id.clone(),
                    event.sequence as i64,
                    to_json(&**event)?,
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
                    update.result.as_ref().map(to_json).transpose()?,
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
                    to_json(decision)?,
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
                    to_json(checkpoint)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            {
                let mut insert_checkpoint = transaction
                    .prepare_cached(
                        "INSERT OR REPLACE INTO checkpoints (tenant, orchestration_id, run, task_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .map_err(sql_error)?;
                for (tenant, id, run, task_id, body) in &checkpoints {
                    insert_checkpoint.execute(params![tenant, id, run, task_id, body]).map_err(sql_error)?;
                }
                // A sequence is written once: the first write of it stands (see `write_log`).
                let mut insert_event = transaction
                    .prepare_cached("INSERT OR IGNORE INTO events (tenant, orchestration_id, sequence, body) VALUES (?1, ?2, ?3, ?4)")
                    .map_err(sql_error)?;
                for (tenant, id, sequence, body) in &events {
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
                for (tenant, id, state, sequence, result, escalated) in &states {
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
                for (tenant, id, orchestration_id, criteria_id, version, body, time) in &decisions {
                    insert_decision
                        .execute(params![tenant, id, orchestration_id, criteria_id, version, body, time])
                        .map_err(sql_error)?;
                }
                let mut release = transaction
                    .prepare_cached(RELEASE_LEASE)
                    .map_err(sql_error)?;
                for (tenant, id, owner) in &released {
                    release.execute(params![tenant, id, owner]).map_err(sql_error)?;
                }
            }
            transaction.commit().map_err(sql_error)
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
            rows.iter().map(|body| from_json("event", &id, body)).collect()
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
            rows.iter().map(|body| from_json("checkpoint", &id, body)).collect()
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

fn millis(time: chrono::DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn lease_from(
    tenant: &str,
    orchestration_id: String,
    owner: String,
    expire_millis: i64,
    version: i64,
) -> Result<Lease, StoreError> {
    Ok(Lease {
        tenant: TenantId::new(tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        orchestration_id,
        owner,
        expire_time: chrono::DateTime::from_timestamp_millis(expire_millis).ok_or_else(|| {
            StoreError::Corrupt(format!("lease expiry {expire_millis} out of range"))
        })?,
        etag: version.to_string(),
    })
}

fn lease_version(lease: &Lease) -> Result<i64, StoreError> {
    lease.etag.parse().map_err(|_| StoreError::VersionConflict {
        kind: LEASE,
        id: lease.orchestration_id.clone(),
        expected: 0,
        actual: 0,
    })
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
        expire_time: chrono::DateTime<Utc>,
    ) -> Result<Option<Lease>, StoreError> {
        let (tenant, id, owner) = (
            tenant.as_str().to_owned(),
            orchestration_id.to_owned(),
            owner.to_owned(),
        );
        let inner = self.inner.clone();
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            let held: Option<(String, i64, i64)> = transaction
                .query_row(
                    "SELECT owner, expire_millis, version FROM leases WHERE tenant = ?1 AND orchestration_id = ?2",
                    params![tenant, id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(sql_error)?;
            let version = match held {
                None => 1,
                Some((holder, expires, version))
                    if holder == owner
                        || expires < millis(Utc::now())
                        || inner.owners.is_gone(&holder) =>
                {
                    version + 1
                }
                Some(_) => return Ok(None),
            };
            transaction
                .execute(
                    "INSERT OR REPLACE INTO leases (tenant, orchestration_id, owner, expire_millis, version) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![tenant, id, owner, millis(expire_time), version],
                )
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)?;
            lease_from(&tenant, id, owner, millis(expire_time), version).map(Some)
        })
        .await
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        expire_time: chrono::DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        let version = lease_version(lease)?;
        let lease = lease.clone();
        self.write(move |connection| {
            let changed = connection
                .execute(
                    "UPDATE leases SET expire_millis = ?5, version = version + 1
                     WHERE tenant = ?1 AND orchestration_id = ?2 AND owner = ?3 AND version = ?4",
                    params![
                        lease.tenant.as_str(),
                        lease.orchestration_id,
                        lease.owner,
                        version,
                        millis(expire_time)
                    ],
                )
                .map_err(sql_error)?;
            if changed == 0 {
                let actual: Option<i64> = connection
                    .query_row(
                        "SELECT version FROM leases WHERE tenant = ?1 AND orchestration_id = ?2",
                        params![lease.tenant.as_str(), lease.orchestration_id],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sql_error)?;
                return Err(match actual {
                    None => StoreError::NotFound {
                        kind: LEASE,
                        id: lease.orchestration_id,
                    },
                    Some(actual) => StoreError::VersionConflict {
                        kind: LEASE,
                        id: lease.orchestration_id,
                        expected: version as u64,
                        actual: actual as u64,
                    },
                });
            }
            Ok(Lease {
                expire_time,
                etag: (version + 1).to_string(),
                ..lease
            })
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write(move |connection| {
            connection
                .execute(
                    RELEASE_LEASE,
                    params![lease.tenant.as_str(), lease.orchestration_id, lease.owner],
                )
                .map_err(sql_error)?;
            Ok(())
        })
        .await
    }

    async fn expired_leases(
        &self,
        now: chrono::DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT tenant, orchestration_id, owner, expire_millis, version FROM leases
                     WHERE expire_millis < ?1 ORDER BY expire_millis LIMIT ?2",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(params![millis(now), limit as i64], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                })
                .map_err(sql_error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_error)?;
            rows.into_iter()
                .map(|(tenant, id, owner, expires, version)| {
                    lease_from(&tenant, id, owner, expires, version)
                })
                .collect()
        })
        .await
    }

    async fn claim_owner(&self, owner: &str) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        let owner = owner.to_owned();
        self.read(move |connection| {
            let holds_leases = |who: &str| {
                connection
                    .query_row(
                        "SELECT 1 FROM leases WHERE owner = ?1 LIMIT 1",
                        params![who],
                        |_| Ok(()),
                    )
                    .optional()
                    // When unsure, keep the file: it only costs a few bytes.
                    .map_or(true, |found| found.is_some())
            };
            inner.owners.claim(&owner, holds_leases).map_err(|e| {
                StoreError::Unavailable(format!("cannot claim the owner lock file: {e}"))
            })
        })
        .await
    }

    async fn abandoned_leases(&self, limit: usize) -> Result<Vec<Lease>, StoreError> {
        let inner = self.inner.clone();
        self.read(move |connection| {
            let now = millis(Utc::now());
            let owners: Vec<String> = connection
                .prepare_cached("SELECT DISTINCT owner FROM leases WHERE expire_millis >= ?1")
                .map_err(sql_error)?
                .query_map(params![now], |row| row.get(0))
                .map_err(sql_error)?
                .collect::<Result<_, _>>()
                .map_err(sql_error)?;
            let mut statement = connection
                .prepare_cached(
                    "SELECT tenant, orchestration_id, expire_millis, version FROM leases
                     WHERE owner = ?1 AND expire_millis >= ?2 LIMIT ?3",
                )
                .map_err(sql_error)?;
            let mut found = Vec::new();
            for owner in owners.into_iter().filter(|o| inner.owners.is_gone(o)) {
                let left = limit.saturating_sub(found.len());
                if left == 0 {
                    break;
                }
                let rows = statement
                    .query_map(params![owner, now, left as i64], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, i64>(2)?,
                            row.get::<_, i64>(3)?,
                        ))
                    })
                    .map_err(sql_error)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql_error)?;
                for (tenant, id, expires, version) in rows {
                    found.push(lease_from(&tenant, id, owner.clone(), expires, version)?);
                }
            }
            Ok(found)
        })
        .await
    }
}
