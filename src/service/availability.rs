//! Whether the store takes writes, as seen by the probe (which writes) and by the writes of the
//! event log. While it does not, health reports NOT_SERVING and new orchestrations are refused
//! with UNAVAILABLE; running ones keep going and their events wait in the log's queue.
//!
//! One failed write marks the store down at once; it is up again only after
//! [`SUCCESSES_TO_RECOVER`] writes in a row succeeded, so that a store that takes some writes
//! and refuses others (a disk with a little room left) does not flap between the two.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::store::OrchestrationStore;
use crate::sync::lock;

/// Successful writes in a row that bring a store marked down back up.
pub const SUCCESSES_TO_RECOVER: u32 = 3;

#[derive(Clone)]
pub struct StoreAvailability {
    up: Arc<watch::Sender<bool>>,
    /// Successful writes since the last failure.
    streak: Arc<AtomicU32>,
    /// When a write last succeeded: the probe need not add one to a store that is writing.
    last_success: Arc<Mutex<Option<Instant>>>,
}

impl Default for StoreAvailability {
    fn default() -> Self {
        Self {
            up: Arc::new(watch::Sender::new(true)),
            streak: Arc::new(AtomicU32::new(SUCCESSES_TO_RECOVER)),
            last_success: Arc::default(),
        }
    }
}

impl StoreAvailability {
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Records what a store write showed; logs the changes only.
    pub fn report(&self, succeeded: bool, why: impl std::fmt::Display) {
        if succeeded {
            *lock(&self.last_success) = Some(Instant::now());
        }
        let up = if succeeded {
            let streak = self.streak.fetch_add(1, Ordering::AcqRel).saturating_add(1);
            streak >= SUCCESSES_TO_RECOVER
        } else {
            self.streak.store(0, Ordering::Release);
            false
        };
        let changed = self.up.send_if_modified(|current| {
            // Below the streak, a success leaves a store that is down down, and one that is up
            // up.
            let next = if succeeded { *current || up } else { false };
            let changed = *current != next;
            *current = next;
            changed
        });
        if changed && succeeded {
            tracing::info!("the store takes writes again");
        } else if changed {
            tracing::error!(error = %why, "the store takes no writes");
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.up.subscribe()
    }

    /// Whether a write succeeded within `period`.
    fn wrote_within(&self, period: Duration) -> bool {
        lock(&self.last_success).is_some_and(|at| at.elapsed() < period)
    }

    /// Probes the store with a write every `interval` until `stop`, unless the event log wrote
    /// meanwhile: a busy store answers a probe late (its writes queue), which is not a store
    /// that takes no writes.
    pub async fn probe(
        self,
        store: Arc<dyn OrchestrationStore>,
        interval: Duration,
        stop: CancellationToken,
    ) {
        super::every(interval, &stop, || async {
            if self.wrote_within(interval) {
                return;
            }
            // A probe that hangs is as bad as one that fails.
            match tokio::time::timeout(interval.max(Duration::from_secs(1)), store.ping()).await {
                Ok(Ok(())) => self.report(true, "probe"),
                Ok(Err(error)) => self.report(false, error),
                Err(_) if self.wrote_within(interval) => {}
                Err(_) => self.report(false, "the probe timed out"),
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_at_the_first_failure_and_up_only_after_a_streak() {
        let availability = StoreAvailability::default();
        availability.report(true, "write");
        assert!(availability.is_up());
        availability.report(false, "disk full");
        assert!(!availability.is_up());
        for _ in 1..SUCCESSES_TO_RECOVER {
            availability.report(true, "probe");
            assert!(!availability.is_up());
        }
        availability.report(false, "disk full again");
        for _ in 1..SUCCESSES_TO_RECOVER {
            availability.report(true, "probe");
        }
        assert!(!availability.is_up(), "a failure restarts the streak");
        availability.report(true, "probe");
        assert!(availability.is_up());
    }
}
