//! Shutdown: running orchestrations handed over to other replicas (their leases released)
//! or cancelled, within the grace period.

use std::time::Duration;

use chrono::Utc;

use super::{Live, Orchestrations, lock};
use crate::engine::orchestration::Cancellation;

impl Orchestrations {
    /// Stops what runs here at shutdown: hands it over to whoever resumes it next, or cancels
    /// it. Waits (up to `grace`) for the runs to stop and the event log to flush.
    pub async fn shutdown(&self, grace: Duration, hand_over: bool) {
        if hand_over {
            self.hand_over(grace).await;
        } else {
            self.cancel_all(grace).await;
        }
    }

    /// Stops every run here without another word in its log, flushes what it said so far, and
    /// expires its lease: the next server to look resumes it at once. Nothing is cancelled.
    async fn hand_over(&self, grace: Duration) {
        let running: Vec<Live> = lock(&self.live).drain().map(|(_, live)| live).collect();
        for live in &running {
            live.sink.fence();
            self.log.hub().close(&live.lease.orchestration_id);
            live.cancel
                .cancel("handed over: the server is shutting down");
        }
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("runs did not stop in time");
        }
        if tokio::time::timeout(grace, self.log.flush()).await.is_err() {
            // Expiring the leases now could let another server resume while this one still
            // writes; they expire by themselves a lease duration later.
            tracing::warn!("the event log did not flush in time; leaving the leases to expire");
            return;
        }
        let now = Utc::now();
        let mut handed_over = 0;
        for live in running {
            match self.store.renew_lease(&live.lease, now).await {
                Ok(_) => handed_over += 1,
                // Its lease still expires by itself, a lease duration later.
                Err(error) => tracing::warn!(
                    orchestration_id = %live.lease.orchestration_id,
                    %error,
                    "cannot expire the lease at shutdown"
                ),
            }
        }
        if handed_over > 0 {
            tracing::info!(handed_over, "running orchestrations handed over");
        }
    }

    /// Cancels everything running here, waits (up to `grace`) for the cancellations to be
    /// stored, and flushes the event log.
    async fn cancel_all(&self, grace: Duration) {
        let running: Vec<Cancellation> = lock(&self.live)
            .values()
            .map(|live| live.cancel.clone())
            .collect();
        for cancel in &running {
            cancel.cancel("cancelled: the server is shutting down");
        }
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                still_running = self.running(),
                "orchestrations did not stop in time"
            );
        }
        if tokio::time::timeout(grace, self.log.flush()).await.is_err() {
            tracing::warn!("the event log did not flush in time");
        }
        if !running.is_empty() {
            tracing::info!(
                cancelled = running.len(),
                "running orchestrations cancelled"
            );
        }
    }
}
