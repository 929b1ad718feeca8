//! SQLite's errors, classified as the store's: what may pass (busy, a full disk) is
//! `Unavailable`, a broken constraint is the caller's conflict, the rest a fault.

use std::path::Path;

use rusqlite::ErrorCode;

use crate::store::StoreError;

pub(super) fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

/// How a full disk reads in an error, to tell it from the other unavailable cases.
pub(super) const DISK_FULL: &str = "sqlite: the disk is full";

pub(super) fn sql_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) if failure.code == ErrorCode::DiskFull => {
            StoreError::Unavailable(format!("{DISK_FULL} ({error})"))
        }
        _ => StoreError::Unavailable(format!("sqlite: {error}")),
    }
}

/// Bytes free for this process on the filesystem holding `path`.
pub(super) fn free_bytes(path: &Path) -> Option<u64> {
    let directory = path.parent().unwrap_or(path);
    let stats = rustix::fs::statvfs(directory).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

pub(super) fn is_constraint(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation)
}
