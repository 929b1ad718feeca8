//! Owner liveness for a store on one host's disk (SQLite): each server holds an exclusive lock
//! on its own file in `<data dir>/owners/`. The kernel drops the lock when the process exits,
//! however it exits (kill -9 included), so another process on the same data tells a dead owner
//! from a live one at once, instead of waiting out the dead one's leases.
//!
//! An owner without a file (one that started before this existed) is never taken for dead: its
//! leases are taken over when they expire, as before.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::sync::lock;

const DIR: &str = "owners";

#[derive(Debug)]
pub struct Owners {
    dir: PathBuf,
    /// This process's own file, locked for as long as the store is open.
    held: Mutex<Option<File>>,
}

impl Owners {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join(DIR),
            held: Mutex::new(None),
        }
    }

    /// Creates and locks `owner`'s file, and removes the files of dead owners for which
    /// `holds_leases` says no lease is left.
    pub fn claim(&self, owner: &str, holds_leases: impl Fn(&str) -> bool) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        self.sweep(&holds_leases);
        let path = self.path(owner);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.try_lock().map_err(|e| match e {
            TryLockError::WouldBlock => io::Error::other(format!(
                "{} is locked by another process: two servers share one owner id",
                path.display()
            )),
            TryLockError::Error(e) => e,
        })?;
        // The owner's name inside, for the sweep (file names are sanitised).
        file.set_len(0)?;
        file.write_all(owner.as_bytes())?;
        *lock(&self.held) = Some(file);
        Ok(())
    }

    /// Whether `owner`'s process is known to be gone: its file exists and no process holds its
    /// lock.
    pub fn is_gone(&self, owner: &str) -> bool {
        let Ok(file) = File::open(self.path(owner)) else {
            return false;
        };
        // Locking succeeds only when nobody holds it; dropping `file` releases it again.
        file.try_lock().is_ok()
    }

    fn sweep(&self, holds_leases: &impl Fn(&str) -> bool) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file) = File::open(&path) else {
                continue;
            };
            if file.try_lock().is_err() {
                continue; // alive
            }
            let owner = std::fs::read_to_string(&path).unwrap_or_default();
            if owner.is_empty() || !holds_leases(&owner) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    fn path(&self, owner: &str) -> PathBuf {
        let name: String = owner
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.lock"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claimed_owner_is_alive_until_its_store_closes() {
        let dir = tempfile::tempdir().unwrap();
        let first = Owners::new(dir.path());
        first.claim("host/one", |_| true).unwrap();
        let other = Owners::new(dir.path());
        assert!(!other.is_gone("host/one"), "held by a live owner");
        assert!(!other.is_gone("host/never-claimed"), "unknown is not gone");
        drop(first);
        assert!(other.is_gone("host/one"), "its lock went with it");

        // The sweep keeps a dead owner's file while it holds leases, and removes it after.
        other.claim("host/two", |_| true).unwrap();
        assert!(other.is_gone("host/one"));
        let third = Owners::new(dir.path());
        third
            .claim("host/three", |owner| owner != "host/one")
            .unwrap();
        assert!(
            !third.is_gone("host/one"),
            "its file is gone with its leases"
        );
        assert!(!third.is_gone("host/two"), "alive");
    }

    #[test]
    fn one_owner_id_cannot_be_claimed_twice() {
        let dir = tempfile::tempdir().unwrap();
        let first = Owners::new(dir.path());
        first.claim("same", |_| true).unwrap();
        let error = Owners::new(dir.path()).claim("same", |_| true).unwrap_err();
        assert!(error.to_string().contains("another process"), "{error}");
    }
}
