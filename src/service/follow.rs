//! Following: an orchestration's events from a sequence on, replayed from the store and then
//! live, or tailed from the store when it runs on another replica.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use super::{EventReceiver, Orchestrations, ServiceError};
use crate::model::TenantId;
use crate::model::event::Event;
use crate::store::{Store, StoreError};

/// Events read from the store per query when replaying.
pub(super) const REPLAY_PAGE: usize = 500;

/// How often a follower of an orchestration not running here re-reads the store.
const TAIL_INTERVAL: Duration = Duration::from_millis(250);

enum Outcome {
    Completed,
    /// The follower hung up.
    Gone,
    Continue,
}

struct Follower {
    store: Arc<dyn Store>,
    tenant: TenantId,
    id: String,
    last: u64,
    sender: mpsc::Sender<Result<Arc<Event>, ServiceError>>,
}

impl Follower {
    async fn deliver(&mut self, event: Arc<Event>) -> Outcome {
        if event.sequence <= self.last {
            return Outcome::Continue;
        }
        self.last = event.sequence;
        let completed = event.kind.is_completed();
        if self.sender.send(Ok(event)).await.is_err() {
            return Outcome::Gone;
        }
        if completed {
            Outcome::Completed
        } else {
            Outcome::Continue
        }
    }

    /// `replay`, waiting out a store that cannot be reached for as long as the client stays:
    /// the events it waits for are queued, and will be written.
    async fn replay_surviving_outages(&mut self) -> Result<Outcome, ServiceError> {
        let mut pause = TAIL_INTERVAL;
        loop {
            match self.replay().await {
                Err(ServiceError::Store(StoreError::Unavailable(error))) => {
                    tracing::debug!(orchestration_id = %self.id, %error, "follower waits for the store");
                    tokio::select! {
                        () = self.sender.closed() => return Ok(Outcome::Gone),
                        () = tokio::time::sleep(pause) => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                other => return other,
            }
        }
    }

    /// Sends every stored event after `last`.
    async fn replay(&mut self) -> Result<Outcome, ServiceError> {
        // The cursor moves with each page even when the follower skips its events, so that a
        // page never comes back.
        let mut cursor = self.last;
        loop {
            let page = self
                .store
                .read_events(&self.tenant, &self.id, cursor, REPLAY_PAGE)
                .await?;
            let Some(last) = page.last() else {
                return Ok(Outcome::Continue);
            };
            cursor = last.sequence;
            for event in page {
                if event.sequence > self.last.saturating_add(1) {
                    // A store without transactions may show a later event before an earlier
                    // one lands; the next replay picks up from the gap.
                    return Ok(Outcome::Continue);
                }
                match self.deliver(Arc::new(event)).await {
                    Outcome::Continue => {}
                    done => return Ok(done),
                }
            }
        }
    }

    async fn run(
        &mut self,
        mut live: Option<broadcast::Receiver<Arc<Event>>>,
        terminal: bool,
        mut replay: bool,
    ) -> Result<(), ServiceError> {
        loop {
            if replay {
                match self.replay_surviving_outages().await? {
                    Outcome::Continue => {}
                    _ => return Ok(()),
                }
            }
            replay = true;
            let Some(receiver) = live.as_mut() else {
                if terminal {
                    return Ok(());
                }
                // Running elsewhere (or between the store and the hub): tail the store.
                let finished = match self.store.get_orchestration(&self.tenant, &self.id).await {
                    Ok(record) => record.is_some_and(|r| r.state.is_terminal()),
                    // Unreachable for now: keep waiting, as the replay does.
                    Err(StoreError::Unavailable(_)) => false,
                    Err(error) => return Err(error.into()),
                };
                if finished {
                    self.replay_surviving_outages().await?;
                    return Ok(());
                }
                // Waiting for the store must not outlive the client.
                tokio::select! {
                    () = self.sender.closed() => return Ok(()),
                    () = tokio::time::sleep(TAIL_INTERVAL) => {}
                }
                continue;
            };
            loop {
                let received = tokio::select! {
                    () = self.sender.closed() => return Ok(()),
                    received = receiver.recv() => received,
                };
                match received {
                    Ok(event) if event.sequence == self.last.saturating_add(1) => {
                        match self.deliver(event).await {
                            Outcome::Continue => {}
                            _ => return Ok(()),
                        }
                    }
                    Ok(event) if event.sequence <= self.last => {}
                    // A gap: what is missing is in the store.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        live = None;
                        break;
                    }
                }
            }
        }
    }
}

impl Orchestrations {
    /// The events of an orchestration after `after`: replayed from the store, then followed
    /// live until the completed event. Each event arrives exactly once, in order.
    pub async fn follow(
        &self,
        tenant: &TenantId,
        id: &str,
        after: u64,
    ) -> Result<EventReceiver, ServiceError> {
        let record = self.record(tenant, id).await?;
        // Subscribe before replaying, so that nothing published in between is missed.
        let live = self.log.hub().subscribe(id);
        let terminal = record.state.is_terminal();
        Ok(self.spawn_follower(tenant, id, after, live, terminal, true))
    }

    /// Follows `id` after `after` in a task of its own: from the store first when
    /// `replay_first`, from `live` first otherwise (which must then have been subscribed before
    /// the event after `after` was published).
    pub(super) fn spawn_follower(
        &self,
        tenant: &TenantId,
        id: &str,
        after: u64,
        live: Option<broadcast::Receiver<Arc<Event>>>,
        terminal: bool,
        replay_first: bool,
    ) -> EventReceiver {
        let (sender, receiver) = mpsc::channel(64);
        let mut follower = Follower {
            store: self.store.clone(),
            tenant: tenant.clone(),
            id: id.to_owned(),
            last: after,
            sender,
        };
        tokio::spawn(async move {
            if let Err(error) = follower.run(live, terminal, replay_first).await {
                let _ = follower.sender.send(Err(error)).await;
            }
        });
        receiver
    }
}
