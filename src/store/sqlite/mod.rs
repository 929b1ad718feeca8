//! The embedded store: one SQLite file under the data directory, in WAL mode. Records are JSON
//! documents beside the columns that index them, the same shape a document store keeps.
//!
//! One writer connection serializes writes; a few reader connections serve reads at the same
//! time (WAL lets readers proceed while a write commits). Blocking SQLite calls run on tokio's
//! blocking pool.
//!
//! One module per table (`criteria`, `decisions`, `orchestrations`, `log` for events and
//! checkpoints, `leases`); `schema` holds the migrations, `error` the classification of SQLite's
//! errors, `rows` the encoding of columns and JSON bodies.

mod criteria;
mod decisions;
mod error;
mod leases;
mod log;
mod orchestrations;
mod rows;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::store::liveness::Owners;
use crate::store::{OpenError, Page, StoreError};
use error::{DISK_FULL, free_bytes, unavailable};
use schema::migrate;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "orchestrator.db";
const READERS: usize = 4;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
/// After a full disk, the probe reports the store down until at least this much is free again,
/// so that health does not turn SERVING for a write that only just fits.
const MIN_FREE_BYTES: u64 = 1024 * 1024;

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
