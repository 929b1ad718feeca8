//! Locking the service's mutexes.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, poisoned or not. The service's mutexes guard plain data that a holder sets
/// or reads whole (a time, a map entry, a sequence number), so a holder that panicked cannot
/// have left it half-changed, and the data is as good as before.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
