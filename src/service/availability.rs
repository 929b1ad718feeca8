//! Whether the store can be reached, as seen by probes and by the writes of the event log.
//! While it cannot, health reports NOT_SERVING and new orchestrations are refused with
//! UNAVAILABLE; running ones keep going and their events wait in the log's queue.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::store::OrchestrationStore;

#[derive(Clone)]
pub struct StoreAvailability {
    up: Arc<watch::Sender<bool>>,
}

impl Default for StoreAvailability {
    fn default() -> Self {
        Self {
            up: Arc::new(watch::Sender::new(true)),
        }
    }
}

impl StoreAvailability {
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Records what a store call showed; logs the changes only.
    pub fn report(&self, up: bool, why: impl std::fmt::Display) {
        let changed = self.up.send_if_modified(|current| {
            let changed = *current != up;
            *current = up;
            changed
        });
        if changed && up {
            tracing::info!("the store is reachable again");
        } else if changed {
            tracing::error!(error = %why, "the store is unreachable");
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.up.subscribe()
    }

    /// Pings the store every `interval` until `stop`.
    pub async fn probe(
        self,
        store: Arc<dyn OrchestrationStore>,
        interval: Duration,
        stop: CancellationToken,
    ) {
        super::every(interval, &stop, || async {
            // A ping that hangs is as bad as one that fails.
            match tokio::time::timeout(interval.max(Duration::from_secs(1)), store.ping()).await {
                Ok(Ok(())) => self.report(true, "ping"),
                Ok(Err(error)) => self.report(false, error),
                Err(_) => self.report(false, "the ping timed out"),
            }
        })
        .await;
    }
}
