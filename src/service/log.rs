//! The event log: assigns each orchestration's sequences, writes events in batches (one
//! transaction for many orchestrations: group commit), and only then publishes them to live
//! followers. What a follower sees has been stored, so a replay equals the live stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::availability::StoreAvailability;
use crate::engine::orchestration::Cancellation;
use crate::engine::schedule::EventSink;
use crate::model::TenantId;
use crate::model::event::{Event, EventKind, ReviewState};
use crate::model::orchestration::{OrchestrationResult, OrchestrationState, TaskCheckpoint};
use crate::store::{Lease, LogBatch, LogStore, StateUpdate, StoreError};
use crate::sync::lock;
use crate::telemetry::metrics::Metrics;

/// Most writes folded into one transaction.
const MAX_BATCH: usize = 2048;
/// Events read per query when finding what the store kept of a refused write.
const TAIL_PAGE: usize = 64;
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
    /// Whether the run may still write: once it may not, whatever of this write is not stored
    /// yet never will be.
    access: Arc<WriteAccess>,
    /// Written by the log writer in place of a write the store refused.
    in_place_of_refused: bool,
    event: Option<Arc<Event>>,
    state: Option<StateUpdate>,
    checkpoint: Option<Box<(String, TaskCheckpoint)>>,
    released: Option<Box<Lease>>,
}

/// The run writes its log.
const OPEN: u8 = 0;
/// The lease is (or may soon be) another server's: the run writes nothing more.
const FENCED: u8 = 1;
/// The store refused one of the run's writes for good, and the log writer ended the
/// orchestration FAILED in its place: only the lease release is still written.
const ENDED_BY_STORE: u8 = 2;
/// The store refused every end of the run: it writes nothing more, and keeps its lease, for
/// this server to resume it later (another may get further once this one stops).
const LEFT_UNFINISHED: u8 = 3;

/// Whether a run may still write its log: what the run and the log writer share.
struct WriteAccess {
    state: AtomicU8,
    /// Stops the run once its log cannot be written.
    cancel: Cancellation,
    /// The FAILED result written when the store refuses the run's log: who it is, no outputs.
    failed: OrchestrationResult,
}

impl WriteAccess {
    fn state(&self) -> u8 {
        self.state.load(Ordering::SeqCst)
    }

    /// Whether `write` is still to be stored.
    fn admits(&self, write: &Write) -> bool {
        match self.state() {
            OPEN => true,
            ENDED_BY_STORE => write.in_place_of_refused || write.is_lease_release_only(),
            _ => false,
        }
    }
}

impl Write {
    fn is_lease_release_only(&self) -> bool {
        self.event.is_none() && self.state.is_none() && self.released.is_some()
    }
}

/// Live followers of orchestrations running in this process.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Arc<Event>>>> {
        lock(&self.channels)
    }

    /// Opens the channel of an orchestration that starts running here; subscribes to it.
    pub fn open(&self, orchestration_id: &str) -> broadcast::Receiver<Arc<Event>> {
        self.lock()
            .entry(orchestration_id.to_owned())
            .or_insert_with(|| broadcast::channel(LIVE_BUFFER).0)
            .subscribe()
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
        store: Arc<dyn LogStore>,
        owner: String,
        availability: StoreAvailability,
        metrics: Arc<Metrics>,
    ) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub::default());
        let writer = tokio::spawn(write_loop(
            Writer { store, owner },
            receiver,
            hub.clone(),
            availability,
            metrics,
        ));
        (Self { sender, hub }, writer)
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The sink for one orchestration whose last stored event has `last_sequence`. Should the
    /// store refuse its log for good, `cancel` stops the run and `failed` (who it is, no
    /// outputs) is written as its FAILED result.
    pub fn sink(
        &self,
        tenant: TenantId,
        last_sequence: u64,
        failed: OrchestrationResult,
        cancel: Cancellation,
    ) -> Arc<OrchestrationSink> {
        Arc::new(OrchestrationSink {
            tenant,
            orchestration_id: failed.orchestration_id.clone(),
            next: Mutex::new(last_sequence),
            log: self.clone(),
            access: Arc::new(WriteAccess {
                state: AtomicU8::new(OPEN),
                cancel,
                failed,
            }),
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
    access: Arc<WriteAccess>,
}

impl OrchestrationSink {
    /// Another server took the orchestration over (or may soon): whatever this run still says
    /// is dropped, so that the log has one writer.
    pub fn fence(&self) {
        self.access.state.store(FENCED, Ordering::SeqCst);
    }

    /// Whether the run stopped here without an end in its log, its lease not released: it
    /// was handed over or fenced, or the store refused every end of it. Whoever holds the
    /// lease next goes on with it.
    pub fn stopped_without_end(&self) -> bool {
        matches!(self.access.state(), FENCED | LEFT_UNFINISHED)
    }

    fn write(&self) -> Write {
        Write {
            tenant: self.tenant.clone(),
            orchestration_id: self.orchestration_id.clone(),
            access: self.access.clone(),
            in_place_of_refused: false,
            event: None,
            state: None,
            checkpoint: None,
            released: None,
        }
    }

    /// Releases the lease of the completed orchestration, after everything it logged.
    pub fn release_lease(&self, lease: Lease) {
        let _next = lock(&self.next);
        if matches!(self.access.state(), FENCED | LEFT_UNFINISHED) {
            return;
        }
        let _ = self.log.sender.send(Command::Write(Write {
            released: Some(Box::new(lease)),
            ..self.write()
        }));
    }

    /// Keeps the redacted output under review with the orchestration, for the escalation view.
    pub fn set_escalated_output(&self, output: &str) {
        if self.access.state() != OPEN {
            return;
        }
        let sequence = lock(&self.next);
        let _ = self.log.sender.send(Command::Write(Write {
            state: Some(StateUpdate {
                tenant: self.tenant.clone(),
                orchestration_id: self.orchestration_id.clone(),
                state: OrchestrationState::AwaitingHuman,
                last_sequence: *sequence,
                result: None,
                escalated_output: Some(Some(output.to_owned())),
            }),
            ..self.write()
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
        let mut next = lock(&self.next);
        if self.access.state() != OPEN {
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
            event: Some(event),
            state,
            checkpoint: checkpoint
                .map(|checkpoint| Box::new((self.orchestration_id.clone(), checkpoint))),
            ..self.write()
        }));
    }
}

/// The store the log is written to, and who writes it (see `LogBatch::owner`).
struct Writer {
    store: Arc<dyn LogStore>,
    owner: String,
}

async fn write_loop(
    writer: Writer,
    mut receiver: mpsc::UnboundedReceiver<Command>,
    hub: Arc<Hub>,
    availability: StoreAvailability,
    metrics: Arc<Metrics>,
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
        let mut afterwards = Vec::new();
        if !writes.is_empty() {
            let queued: Vec<&Write> = writes.iter().collect();
            let started = std::time::Instant::now();
            store_with_retry(&writer, &queued, &availability, &mut afterwards).await;
            // Retries included: the commit as the runs waiting on it see it.
            let events = writes.iter().filter(|write| write.event.is_some()).count();
            metrics.event_log_committed(started.elapsed(), events);
        }
        // What a fenced run said was not stored: nobody may see it. Neither is what a run
        // ended by the store said, stored or not; its followers find what was stored, up to
        // the FAILED end, in the store.
        for write in writes {
            if let Some(event) = write.event
                && write.access.state() == OPEN
            {
                hub.publish(event);
            }
        }
        for after in afterwards {
            match after {
                Afterwards::Publish(event) => hub.publish(event),
                Afterwards::Close(orchestration_id) => hub.close(&orchestration_id),
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

/// The batch for `writes`, leaving out those of runs fenced (or ended by the store) since they
/// were queued.
fn batch_of<'a>(owner: &str, writes: impl IntoIterator<Item = &'a Write>) -> LogBatch {
    let mut batch = LogBatch {
        owner: owner.to_owned(),
        ..LogBatch::default()
    };
    for write in writes {
        if !write.access.admits(write) {
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
/// of runs fenced meanwhile. A write the store refuses for good (an event over its size limit,
/// say) must neither hold up everyone else's nor leave its orchestration unfinished: the writes
/// are tried again one orchestration, then one write, at a time, and the orchestration of the
/// refused write is ended FAILED in its place (`end_refused`); what to publish then goes to
/// `afterwards`. False when something was refused.
fn store_with_retry<'a>(
    writer: &'a Writer,
    writes: &'a [&'a Write],
    availability: &'a StoreAvailability,
    afterwards: &'a mut Vec<Afterwards>,
) -> futures_util::future::BoxFuture<'a, bool> {
    // Boxed: it calls itself on the parts of a refused batch.
    Box::pin(async move {
        let mut backoff = Duration::from_millis(50);
        let mut failures = 0u32;
        loop {
            let batch = batch_of(&writer.owner, writes.iter().copied());
            if batch.is_empty() {
                return true;
            }
            match writer.store.write_log(&batch).await {
                Ok(fenced) => {
                    for id in &fenced {
                        taken_over(writes, id, afterwards);
                    }
                    availability.report(true, "write");
                    if failures > 0 {
                        tracing::info!(
                            events = batch.events.len(),
                            failures,
                            "the event log was written after failed attempts"
                        );
                    }
                    return true;
                }
                Err(StoreError::Rejected(reason)) => {
                    if let [write] = writes {
                        end_refused(writer, write, &reason, availability, afterwards).await;
                        return false;
                    }
                    let mut groups = by_orchestration(writes);
                    let parts: Vec<Vec<&Write>> = if groups.len() == 1 {
                        writes.iter().map(|&write| vec![write]).collect()
                    } else {
                        groups.drain(..).map(|(_, group)| group).collect()
                    };
                    tracing::warn!(%reason, parts = parts.len(), "the store refused a log batch; writing it in parts");
                    let mut stored = true;
                    for part in &parts {
                        stored &= store_with_retry(writer, part, availability, afterwards).await;
                    }
                    return stored;
                }
                Err(error) => {
                    availability.report(false, &error);
                    // Once per outage at error; the retries, every few seconds, at debug.
                    if failures == 0 {
                        tracing::error!(%error, events = batch.events.len(), "cannot write the event log; retrying until it lands");
                    } else {
                        tracing::debug!(%error, events = batch.events.len(), retry_in = ?backoff, "cannot write the event log yet");
                    }
                    failures = failures.saturating_add(1);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    })
}

/// The store wrote nothing of orchestration `id`: another server took it over. Its run here
/// stops without another word, and its followers go on from the store.
fn taken_over(writes: &[&Write], id: &str, afterwards: &mut Vec<Afterwards>) {
    let mut runs = writes.iter().filter(|write| write.orchestration_id == id);
    let Some(first) = runs.next() else {
        return;
    };
    for write in std::iter::once(first).chain(runs) {
        write.access.state.store(FENCED, Ordering::SeqCst);
    }
    first
        .access
        .cancel
        .cancel("another server took this orchestration over");
    tracing::warn!(orchestration_id = %id, "stopped running here: another server took the orchestration over");
    afterwards.push(Afterwards::Close(id.to_owned()));
}

/// What the log writer does, once a batch is stored, for runs the store ended.
enum Afterwards {
    /// Publishes a stored event that is not among the batch's own.
    Publish(Arc<Event>),
    /// Closes the live channel of a run that stopped here without a completed event: its
    /// followers go on from the store.
    Close(String),
}

/// The store refused `write` for good. Its orchestration cannot go on (its log would have a
/// hole), and must not be left unfinished either (its lease would pass from server to server,
/// each running it into the same refusal): the run is stopped, and a FAILED end saying why is
/// written where the log stops. Loud, and limited to this orchestration.
async fn end_refused(
    writer: &Writer,
    write: &Write,
    reason: &str,
    availability: &StoreAvailability,
    afterwards: &mut Vec<Afterwards>,
) {
    let id = write.orchestration_id.as_str();
    let refused_at = match (&write.event, &write.state) {
        (Some(event), _) => Some(event.sequence),
        (None, Some(state)) => Some(state.last_sequence + 1),
        (None, None) => None,
    };
    // Only the first refusal ends the run; a fenced run's end is another server's to write.
    let Some(refused_at) = refused_at.filter(|_| {
        !write.in_place_of_refused
            && write
                .access
                .state
                .compare_exchange(OPEN, ENDED_BY_STORE, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
    }) else {
        tracing::error!(orchestration_id = %id, %reason, "the store refused a write for good; it is dropped");
        return;
    };
    write
        .access
        .cancel
        .cancel("the store refused to write this orchestration's log");

    // The refused result without its outputs says most; the bare one is small enough for any
    // store.
    let mut ends = Vec::with_capacity(2);
    if let Some(EventKind::Completed { result }) = write.event.as_ref().map(|event| &event.kind) {
        let mut stripped = (**result).clone();
        stripped.output.clear();
        for task in &mut stripped.tasks {
            task.output.clear();
        }
        ends.push(stripped);
    }
    ends.push(write.access.failed.clone());
    let mut ends = ends.into_iter();
    loop {
        // A backend without transactions may have kept part of a refused write (Cosmos stores
        // a batch's events before the record), this one's or an end's: what the log holds
        // stands, and an end goes after it.
        let tail = stored_tail(
            &*writer.store,
            write,
            refused_at.saturating_sub(1),
            availability,
        )
        .await;
        if let Some(completed) = tail.iter().find(|event| event.kind.is_completed()) {
            settle_record(writer, write, completed.clone(), availability, afterwards).await;
            return;
        }
        let end_at = tail.last().map_or(refused_at, |event| event.sequence + 1);
        let Some(mut result) = ends.next() else {
            leave_unfinished(write, afterwards);
            return;
        };
        tracing::error!(orchestration_id = %id, sequence = end_at, %reason, "the store refused this orchestration's log for good; it ends FAILED");
        result.state = OrchestrationState::Failed;
        result.error = Some(format!(
            "the store refused to write event {refused_at} of this orchestration's log, so it cannot go on: {reason}"
        ));
        result.end_time = Some(Utc::now());
        let result = Box::new(result);
        let event = Arc::new(Event {
            orchestration_id: id.to_owned(),
            sequence: end_at,
            time: Utc::now(),
            kind: EventKind::Completed {
                result: result.clone(),
            },
        });
        let end = Write {
            event: Some(event.clone()),
            state: Some(StateUpdate {
                tenant: write.tenant.clone(),
                orchestration_id: id.to_owned(),
                state: OrchestrationState::Failed,
                last_sequence: end_at,
                result: Some(result),
                escalated_output: Some(None),
            }),
            ..in_place_of(write)
        };
        // `end_at` was free a moment ago and this is the log's only writer: stored means ours.
        if stored_in_place(writer, &end, availability, afterwards).await {
            afterwards.push(Afterwards::Publish(event));
            return;
        }
        if write.access.state() == FENCED {
            afterwards.push(Afterwards::Close(id.to_owned()));
            return;
        }
    }
}

/// The log ends with `completed`, which the store kept although it refused the record's copy of
/// the result: the record takes its state and no result, and readers fold the log instead.
async fn settle_record(
    writer: &Writer,
    write: &Write,
    completed: Event,
    availability: &StoreAvailability,
    afterwards: &mut Vec<Afterwards>,
) {
    tracing::error!(orchestration_id = %write.orchestration_id, sequence = completed.sequence, "the store kept the completed event but refused the record's copy of the result; the record refers to the log");
    let state = match &completed.kind {
        EventKind::Completed { result } => result.state,
        _ => OrchestrationState::Failed,
    };
    let record = Write {
        state: Some(StateUpdate {
            tenant: write.tenant.clone(),
            orchestration_id: write.orchestration_id.clone(),
            state,
            last_sequence: completed.sequence,
            result: None,
            escalated_output: Some(None),
        }),
        ..in_place_of(write)
    };
    if stored_in_place(writer, &record, availability, afterwards).await {
        afterwards.push(Afterwards::Publish(Arc::new(completed)));
    } else {
        // Whoever takes the lease next finds the log complete and settles the record.
        leave_unfinished(write, afterwards);
    }
}

/// A write the log writer makes for the run of `refused`, in its place.
fn in_place_of(refused: &Write) -> Write {
    Write {
        tenant: refused.tenant.clone(),
        orchestration_id: refused.orchestration_id.clone(),
        access: refused.access.clone(),
        in_place_of_refused: true,
        event: None,
        state: None,
        checkpoint: None,
        released: None,
    }
}

/// Stores a write made in place of a refused one; false when it was refused too, or when the
/// run was fenced meanwhile (its end is then another server's to write, and nobody may see
/// this one).
async fn stored_in_place(
    writer: &Writer,
    write: &Write,
    availability: &StoreAvailability,
    afterwards: &mut Vec<Afterwards>,
) -> bool {
    store_with_retry(writer, &[write], availability, afterwards).await
        && write.access.state() == ENDED_BY_STORE
}

/// Nothing could end the run here. Its lease is kept, for this server to resume it later
/// (another server may get further once this one stops); its followers go on from the store.
fn leave_unfinished(write: &Write, afterwards: &mut Vec<Afterwards>) {
    if write.access.state.swap(LEFT_UNFINISHED, Ordering::SeqCst) != LEFT_UNFINISHED {
        tracing::error!(orchestration_id = %write.orchestration_id, "the store refused every end of this orchestration; it is left to be resumed");
    }
    afterwards.push(Afterwards::Close(write.orchestration_id.clone()));
}

/// The stored events of the orchestration of `write` after `after`, in order. Waits out a
/// store that cannot be reached, as the writes do.
async fn stored_tail(
    store: &dyn LogStore,
    write: &Write,
    after: u64,
    availability: &StoreAvailability,
) -> Vec<Event> {
    let mut tail: Vec<Event> = Vec::new();
    let mut backoff = Duration::from_millis(50);
    loop {
        let from = tail.last().map_or(after, |event| event.sequence);
        match store
            .read_events(&write.tenant, &write.orchestration_id, from, TAIL_PAGE)
            .await
        {
            Ok(page) if page.is_empty() => return tail,
            Ok(page) => tail.extend(page),
            Err(StoreError::Unavailable(error)) => {
                availability.report(false, &error);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                tracing::warn!(orchestration_id = %write.orchestration_id, %error, "cannot read what the store kept of a refused write; taking it as nothing");
                return tail;
            }
        }
    }
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
