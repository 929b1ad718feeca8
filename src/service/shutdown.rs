//! Shutdown: running orchestrations handed over to other replicas (the heartbeat their
//! leases follow expired at once) or cancelled, within the grace period.

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
    /// expires the heartbeat its leases follow: the next server to look resumes them at once.
    /// Nothing is cancelled.
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
            // Expiring the heartbeat now could let another server resume while this one still
            // writes (the store would fence those writes, and their work be done again); the
            // heartbeat lapses by itself a lease duration later.
            tracing::warn!("the event log did not flush in time; leaving the heartbeat to lapse");
            return;
        }
        if self.expire_heartbeat().await && !running.is_empty() {
            tracing::info!(
                handed_over = running.len(),
                "running orchestrations handed over"
            );
        }
    }

    /// Expires this server's heartbeat at once: whatever leases still name it (those handed
    /// over; none, normally, after cancelling) are for the next server to take, now rather
    /// than a lease duration later. One write, whatever their number.
    async fn expire_heartbeat(&self) -> bool {
        match self
            .store
            .heartbeat(&self.leases.heartbeat(Utc::now()))
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "cannot expire the heartbeat at shutdown; it lapses by itself");
                false
            }
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
        } else {
            self.expire_heartbeat().await;
        }
        if !running.is_empty() {
            tracing::info!(
                cancelled = running.len(),
                "running orchestrations cancelled"
            );
        }
    }
}
