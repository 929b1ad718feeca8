//! The event log: assigns each orchestration's sequences, writes events in batches (one
//! transaction for many orchestrations: group commit), and only then publishes them to live
//! followers. What a follower sees has been stored, so a replay equals the live stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::availability::StoreAvailability;
use crate::engine::run::EventSink;
use crate::model::TenantId;
use crate::model::event::{Event, EventKind, ReviewState};
use crate::model::orchestration::{OrchestrationState, TaskCheckpoint};
use crate::store::{Lease, LogBatch, OrchestrationStore, StateUpdate, StoreError};

/// Most writes folded into one transaction.
const MAX_BATCH: usize = 2048;
/// Events a live follower may fall behind by before it re-reads from the store. Small on
/// purpose: thousands of orchestrations each keep one such buffer.
const LIVE_BUFFER: usize = 16;

enum Command {
    Write(Write),
    Flush(oneshot::Sender<()>),
}

struct Write {
    tenant: TenantId,
    orchestration_id: String,
    /// The run's fence: once set, whatever of this write is not stored yet never will be.
    fence: Arc<AtomicBool>,
    event: Option<Arc<Event>>,
    state: Option<StateUpdate>,
    checkpoint: Option<Box<(String, TaskCheckpoint)>>,
    released: Option<Box<Lease>>,
}

/// Live followers of orchestrations running in this process.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Arc<Event>>>> {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens the channel of an orchestration that starts running here.
    pub fn open(&self, orchestration_id: &str) {
        self.lock()
            .entry(orchestration_id.to_owned())
            .or_insert_with(|| broadcast::channel(LIVE_BUFFER).0);
    }

    /// Closes the channel of an orchestration that stopped running here without completing
    /// (fenced or handed over): its followers go on from the store.
    pub fn close(&self, orchestration_id: &str) {
        self.lock().remove(orchestration_id);
    }

    /// `None` when the orchestration is not running here (anymore).
    pub fn subscribe(&self, orchestration_id: &str) -> Option<broadcast::Receiver<Arc<Event>>> {
        self.lock()
            .get(orchestration_id)
            .map(broadcast::Sender::subscribe)
    }

    fn publish(&self, event: Arc<Event>) {
        let mut channels = self.lock();
        let completed = event.kind.is_completed();
        if let Some(sender) = channels.get(&event.orchestration_id) {
            // No receiver is fine: nobody follows this orchestration right now.
            let _ = sender.send(event.clone());
        }
        if completed {
            channels.remove(&event.orchestration_id);
        }
    }
}

#[derive(Clone)]
pub struct EventLog {
    sender: mpsc::UnboundedSender<Command>,
    hub: Arc<Hub>,
}

impl EventLog {
    /// Starts the writer. It runs until every `EventLog` and sink is dropped and the queue is
    /// empty.
    pub fn start(
        store: Arc<dyn OrchestrationStore>,
        availability: StoreAvailability,
    ) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub::default());
        let writer = tokio::spawn(write_loop(store, receiver, hub.clone(), availability));
        (Self { sender, hub }, writer)
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The sink for one orchestration whose last stored event has `last_sequence`.
    pub fn sink(
        &self,
        tenant: TenantId,
        orchestration_id: &str,
        last_sequence: u64,
    ) -> Arc<OrchestrationSink> {
        Arc::new(OrchestrationSink {
            tenant,
            orchestration_id: orchestration_id.to_owned(),
            next: Mutex::new(last_sequence),
            log: self.clone(),
            fenced: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Waits until everything queued so far is stored and published.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Command::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

/// Sequences and queues the events of one orchestration.
pub struct OrchestrationSink {
    tenant: TenantId,
    orchestration_id: String,
    /// The last sequence handed out. Held while queueing, so queue order is sequence order.
    next: Mutex<u64>,
    log: EventLog,
    /// Set when another server took the orchestration over: whatever this run still says is
    /// dropped, so that the log has one writer.
    fenced: Arc<AtomicBool>,
}

impl OrchestrationSink {
    pub fn fence(&self) {
        self.fenced.store(true, Ordering::SeqCst);
    }

    fn is_fenced(&self) -> bool {
        self.fenced.load(Ordering::SeqCst)
    }

    /// Releases the lease of the completed orchestration, after everything it logged.
    pub fn release_lease(&self, lease: Lease) {
        let _next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_fenced() {
            return;
        }
        let _ = self.log.sender.send(Command::Write(Write {
            tenant: self.tenant.clone(),
            orchestration_id: self.orchestration_id.clone(),
            fence: self.fenced.clone(),
            event: None,
            state: None,
            checkpoint: None,
            released: Some(Box::new(lease)),
        }));
    }

    /// Keeps the redacted output under review with the orchestration, for the escalation view.
    pub fn set_escalated_output(&self, output: &str) {
        if self.is_fenced() {
            return;
        }
        let sequence = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.log.sender.send(Command::Write(Write {
            tenant: self.tenant.clone(),
            orchestration_id: self.orchestration_id.clone(),
            fence: self.fenced.clone(),
            event: None,
            state: Some(StateUpdate {
                tenant: self.tenant.clone(),
                orchestration_id: self.orchestration_id.clone(),
                state: OrchestrationState::AwaitingHuman,
                last_sequence: *sequence,
                result: None,
                escalated_output: Some(Some(output.to_owned())),
            }),
            checkpoint: None,
            released: None,
        }));
    }
}

/// The orchestration state an event moves to, if it moves it.
fn state_after(kind: &EventKind) -> Option<OrchestrationState> {
    match kind {
        EventKind::Accepted(_) => Some(OrchestrationState::Running),
        EventKind::Review(update) if update.state == ReviewState::Started => {
            Some(OrchestrationState::Reviewing)
        }
        EventKind::StateChanged { state, .. } => Some(*state),
        EventKind::Completed { result } => Some(result.state),
        _ => None,
    }
}

impl EventSink for OrchestrationSink {
    fn emit(&self, kind: EventKind) {
        self.queue(kind, None);
    }

    fn emit_success(&self, kind: EventKind, checkpoint: TaskCheckpoint) {
        self.queue(kind, Some(checkpoint));
    }
}

impl OrchestrationSink {
    /// Sequences an event and queues it, with the checkpoint it carries: one write, never
    /// split across batches.
    fn queue(&self, kind: EventKind, checkpoint: Option<TaskCheckpoint>) {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_fenced() {
            return;
        }
        *next += 1;
        let state = state_after(&kind).map(|state| StateUpdate {
            tenant: self.tenant.clone(),
            orchestration_id: self.orchestration_id.clone(),
            state,
            last_sequence: *next,
            result: match &kind {
                EventKind::Completed { result } => Some(result.clone()),
                _ => None,
            },
            escalated_output: match &kind {
                EventKind::Completed { .. } => Some(None),
                _ => None,
            },
        });
        let event = Arc::new(Event {
            orchestration_id: self.orchestration_id.clone(),
            sequence: *next,
            time: Utc::now(),
            kind,
        });
        // A closed writer means the process is going down; the event cannot be kept anyway.
        let _ = self.log.sender.send(Command::Write(Write {
            tenant: self.tenant.clone(),
            orchestration_id: self.orchestration_id.clone(),
            fence: self.fenced.clone(),
            event: Some(event),
            state,
            checkpoint: checkpoint
                .map(|checkpoint| Box::new((self.orchestration_id.clone(), checkpoint))),
            released: None,
        }));
    }
}

async fn write_loop(
    store: Arc<dyn OrchestrationStore>,
    mut receiver: mpsc::UnboundedReceiver<Command>,
    hub: Arc<Hub>,
    availability: StoreAvailability,
) {
    let mut commands = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut commands, MAX_BATCH).await > 0 {
        let mut writes = Vec::with_capacity(commands.len());
        let mut flushed = Vec::new();
        for command in commands.drain(..) {
            match command {
                Command::Flush(done) => flushed.push(done),
                Command::Write(write) => writes.push(write),
            }
        }
        if !writes.is_empty() {
            let queued: Vec<&Write> = writes.iter().collect();
            store_with_retry(&*store, &queued, &availability).await;
        }
        // What a fenced run said was not stored: nobody may see it.
        for write in writes {
            if let Some(event) = write.event
                && !write.fence.load(Ordering::SeqCst)
            {
                hub.publish(event);
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

/// The batch for `writes`, leaving out those of runs fenced since they were queued.
fn batch_of<'a>(writes: impl IntoIterator<Item = &'a Write>) -> LogBatch {
    let mut batch = LogBatch::default();
    for write in writes {
        if write.fence.load(Ordering::SeqCst) {
            continue;
        }
        if let Some(event) = &write.event {
            if let EventKind::Review(update) = &event.kind
                && let Some(decision) = &update.decision
            {
                batch.decisions.push((
                    write.tenant.clone(),
                    event.orchestration_id.clone(),
                    (**decision).clone(),
                ));
            }
            batch.events.push((write.tenant.clone(), event.clone()));
        }
        if let Some(state) = &write.state {
            batch.states.push(state.clone());
        }
        if let Some(lease) = &write.released {
            batch.released_leases.push((**lease).clone());
        }
        if let Some(checkpoint) = &write.checkpoint {
            let (orchestration_id, checkpoint) = &**checkpoint;
            batch.checkpoints.push((
                write.tenant.clone(),
                orchestration_id.clone(),
                checkpoint.clone(),
            ));
        }
    }
    batch
}

/// Nothing accepted may be lost: a failed write is retried, with backoff, until it lands. Events
/// queue up meanwhile (and are published only once stored). Each attempt leaves out the writes
/// of runs fenced meanwhile. A write the store refuses for good (too large, say) must not hold up
/// everyone else's: the writes are then tried again one orchestration at a time, and only the
/// refused orchestration's writes are dropped, loudly.
fn store_with_retry<'a>(
    store: &'a dyn OrchestrationStore,
    writes: &'a [&'a Write],
    availability: &'a StoreAvailability,
) -> futures_util::future::BoxFuture<'a, ()> {
    // Boxed: it calls itself, once, for each orchestration of a refused batch.
    Box::pin(async move {
        let mut backoff = Duration::from_millis(50);
        loop {
            let batch = batch_of(writes.iter().copied());
            if batch.is_empty() {
                return;
            }
            match store.write_log(&batch).await {
                Ok(()) => {
                    availability.report(true, "write");
                    return;
                }
                Err(StoreError::Rejected(reason)) => {
                    let groups = by_orchestration(writes);
                    if let [(orchestration_id, _)] = groups.as_slice() {
                        // Loud, and limited to this orchestration: the alternative is that no
                        // orchestration's events are ever written again.
                        tracing::error!(%orchestration_id, %reason, events = batch.events.len(), "the store refused these writes for good; they are dropped");
                        for write in writes {
                            write.fence.store(true, Ordering::SeqCst);
                        }
                        return;
                    }
                    tracing::warn!(%reason, "the store refused a log batch; writing it one orchestration at a time");
                    for (_, group) in &groups {
                        store_with_retry(store, group, availability).await;
                    }
                    return;
                }
                Err(error) => {
                    availability.report(false, &error);
                    tracing::error!(%error, events = batch.events.len(), retry_in = ?backoff, "cannot write the event log; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    })
}

/// `writes` grouped by orchestration, each group in queue order.
fn by_orchestration<'a>(writes: &[&'a Write]) -> Vec<(&'a str, Vec<&'a Write>)> {
    let mut groups: Vec<(&str, Vec<&Write>)> = Vec::new();
    for &write in writes {
        let id = write.orchestration_id.as_str();
        match groups.iter_mut().find(|(known, _)| *known == id) {
            Some((_, group)) => group.push(write),
            None => groups.push((id, vec![write])),
        }
    }
    groups
}

#[cfg(test)]
mod tests;
