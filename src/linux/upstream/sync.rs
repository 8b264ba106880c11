//! The sync thread: claims rows into the store, pushes the store's status changes back, and
//! keeps going through every kind of database trouble.
//!
//! One cycle, every poll interval (sooner when poked):
//! 1. not connected: connect when the backoff allows (500 ms doubling to the configured cap);
//! 2. push the store's status changes, in order, each applied once ([`Link::apply`]), then
//!    acknowledge them to the store;
//! 3. only when no push is left: after a connect or a failed cycle, renew the leases and take
//!    every row this gateway holds that the store lacks (a crash or an error between claim and
//!    store); otherwise renew leases when a third of the lease has passed; renewing also
//!    cancels local messages whose rows are no longer ours. Then poll for claimable rows and
//!    claim them in batches, storing each before the next batch.
//!
//! Claiming only with an empty push outbox is what makes a deliberate retry safe to spot: a
//! row that is pending and claimed by us while the store says its message is finished can
//! only have been reset by hand, since our own last word on it has reached the database.

use core::time::Duration;
use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::config::UpstreamConfig;
use super::error::{Error, Result};
use super::key::RowKey;
use super::link::{InboxRow, Link, LocalEvent, RowChange};
use super::row::{BadRow, ClaimedRow, RawRow};
use super::state::{Connection, UpstreamState};
use crate::linux::clock;
use crate::linux::store::{self, Filter, NewMessage, StateKind, Store, TaskKind, UnixMs};
use crate::time::Instant;

/// Pushes read from the store and applied per acknowledgement (one flash write per batch).
const PUSH_BATCH: usize = 64;
/// Claim statements per cycle at most: a deep backlog is taken over several cycles, so pushes
/// and a stop request are never kept waiting behind it.
const CLAIMS_PER_CYCLE: usize = 20;
/// The first wait before reconnecting; it doubles up to `backoff_max`.
const BACKOFF_START: Duration = Duration::from_millis(500);

/// What wakes the sync thread early, and tells it to stop.
#[derive(Debug, Default)]
struct Signal {
    poked: bool,
    stop: bool,
}

#[derive(Debug, Default)]
struct Shared {
    signal: Mutex<Signal>,
    cv: Condvar,
    state: Mutex<UpstreamState>,
}

/// The running sync: read its state, poke it, stop it.
#[derive(Debug)]
pub struct SyncHandle {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl SyncHandle {
    /// A snapshot of the link and the counters, for `smsgw status`.
    pub fn state(&self) -> UpstreamState {
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Runs a cycle now instead of at the next poll: call it after the store records a
    /// change upstream should learn soon.
    pub fn poke(&self) {
        self.shared.signal.lock().unwrap_or_else(PoisonError::into_inner).poked = true;
        self.shared.cv.notify_all();
    }

    /// Stops the thread after the statement it is in (bounded by the I/O timeout) and waits
    /// for it. Everything claimed is in the store; pushes not yet applied stay there.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.signal.lock().unwrap_or_else(PoisonError::into_inner).stop = true;
        self.shared.cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts upstream syncs.
#[derive(Debug)]
pub struct Sync;

impl Sync {
    /// Checks the configuration, then starts the sync thread. `wake` is called (on the sync
    /// thread) whenever new messages were stored: poke the sender with it. The thread never
    /// blocks the store for the network: each store call is local.
    pub fn spawn(store: Arc<Store>, config: UpstreamConfig, wake: impl Fn() + Send + 'static) -> Result<SyncHandle> {
        config.validate()?;
        // A password file that cannot be read is a configuration error now, not a retry loop.
        config.password()?;
        let gateway = config.gateway_name();
        let shared = Arc::new(Shared::default());
        {
            let mut s = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            s.gateway = gateway.clone();
        }
        let worker = Worker {
            store,
            poll: config.poll_interval(),
            lease: config.lease(),
            config,
            gateway,
            shared: Arc::clone(&shared),
            wake: Box::new(wake),
            link: None,
            failures: 0,
            next_connect: Instant::ZERO,
            next_renew: Instant::ZERO,
            reconcile_due: true,
        };
        let thread = std::thread::Builder::new()
            .name("smsgw-upstream".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::Config(format!("cannot start the sync thread: {e}")))?;
        Ok(SyncHandle { shared, thread: Some(thread) })
    }
}

struct Worker {
    store: Arc<Store>,
    config: UpstreamConfig,
    gateway: String,
    poll: Duration,
    lease: Duration,
    shared: Arc<Shared>,
    wake: Box<dyn Fn() + Send>,
    link: Option<Link>,
    /// Connection failures in a row: picks the backoff.
    failures: u32,
    next_connect: Instant,
    next_renew: Instant,
    /// Take the rows we hold that the store lacks, at the next cycle.
    reconcile_due: bool,
}

fn now_ms() -> UnixMs {
    UnixMs(clock::unix_millis())
}

impl Worker {
    fn state(&self, f: impl FnOnce(&mut UpstreamState)) {
        f(&mut self.shared.state.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn run(mut self) {
        loop {
            if self.stopping() {
                return;
            }
            self.cycle();
            // Sleep until the next poll, a poke or the stop signal.
            let mut signal = self.shared.signal.lock().unwrap_or_else(PoisonError::into_inner);
            let wait = if self.link.is_some() {
                self.poll
            } else {
                self.next_connect.saturating_duration_since(clock::now()).clamp(Duration::from_millis(1), self.poll)
            };
            if !signal.poked && !signal.stop {
                signal = self.shared.cv.wait_timeout(signal, wait).unwrap_or_else(PoisonError::into_inner).0;
            }
            signal.poked = false;
        }
    }

    fn cycle(&mut self) {
        if self.link.is_none() {
            if !clock::now().reached(self.next_connect) {
                return;
            }
            if let Err(e) = self.connect() {
                self.offline(e);
                return;
            }
        }
        match self.work() {
            Ok(()) => self.state(|s| s.refusing = None),
            Err(e) => {
                self.reconcile_due = true;
                if e.is_connectivity() {
                    self.offline(e);
                } else {
                    // The link is fine but a statement or the store failed: try again next poll.
                    let text = e.to_string();
                    self.state(|s| {
                        s.refusing = Some(text.clone());
                        s.last_error = Some(text);
                    });
                }
            }
        }
        let pending = self.store.stats().map(|s| s.pending_pushes).unwrap_or(0);
        self.state(|s| {
            s.pending_pushes = pending;
            s.last_poll = Some(now_ms());
        });
    }

    fn connect(&mut self) -> Result<()> {
        let mut link = Link::connect(&self.config, &self.gateway)?;
        link.event("connected", None, &format!("gateway {} connected", self.gateway))?;
        self.link = Some(link);
        self.failures = 0;
        self.reconcile_due = true;
        self.state(|s| s.connection = Connection::Connected { since: now_ms() });
        Ok(())
    }

    fn offline(&mut self, e: Error) {
        let first = self.link.take().is_some() || self.failures == 0;
        self.failures = self.failures.saturating_add(1);
        let wait = BACKOFF_START
            .saturating_mul(1 << self.failures.saturating_sub(1).min(16))
            .min(self.config.backoff_max().max(BACKOFF_START));
        self.next_connect = clock::now() + wait;
        let text = e.to_string();
        let now = now_ms();
        self.state(|s| {
            if first || !matches!(s.connection, Connection::Offline { .. }) {
                s.connection = Connection::Offline { since: now };
            }
            if first {
                s.reconnects += 1;
            }
            // A server that answers but refuses (wrong password, no such database, an old
            // schema) is not a network outage: the status and the LEDs say so.
            s.refusing = (!e.is_connectivity()).then(|| text.clone());
            s.last_error = Some(text);
        });
    }

    fn link(&mut self) -> Result<&mut Link> {
        self.link.as_mut().ok_or_else(|| Error::Config("not connected".into()))
    }

    fn work(&mut self) -> Result<()> {
        // Push first: a row whose final state is still on flash must not look reset by hand.
        self.push()?;
        self.push_inbound()?;
        if self.store.stats()?.pending_pushes > 0 {
            return Ok(());
        }
        if self.reconcile_due {
            // After a connect or a failed cycle: rows we hold that the store lacks (a crash or
            // an error between claim and store) are taken now.
            self.renew()?;
            let rows = self.link()?.held_rows()?;
            self.take(rows)?;
            self.reconcile_due = false;
        } else if clock::now().reached(self.next_renew) {
            self.renew()?;
        }
        if !self.link()?.has_claimable()? {
            return Ok(());
        }
        let batch = self.config.claim_batch;
        for _ in 0..CLAIMS_PER_CYCLE {
            let rows = self.link()?.claim(batch)?;
            let n = rows.len();
            self.take(rows)?;
            if n < batch as usize || self.stopping() {
                return Ok(());
            }
        }
        // More is waiting: come back at once rather than after a poll interval.
        self.shared.signal.lock().unwrap_or_else(PoisonError::into_inner).poked = true;
        Ok(())
    }

    fn stopping(&self) -> bool {
        self.shared.signal.lock().unwrap_or_else(PoisonError::into_inner).stop
    }

    /// Applies every pending push, in order, acknowledging each batch.
    fn push(&mut self) -> Result<()> {
        loop {
            let pushes = self.store.pending_pushes(PUSH_BATCH)?;
            let Some(last) = pushes.last().map(|p| p.seq) else { return Ok(()) };
            let mut applied_to = None;
            let mut result = Ok(());
            for p in &pushes {
                let row = RowKey::from_upstream_id(p.upstream_id).row;
                let applied = match RowChange::of(p) {
                    None => Ok(false),
                    Some(change) => self.link()?.apply(row, p.seq, &change),
                };
                match applied {
                    Ok(true) => self.state(|s| s.pushed += 1),
                    Ok(false) if p.state != StateKind::Sending => self.state(|s| s.stale_pushes += 1),
                    Ok(false) => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
                applied_to = Some(p.seq);
            }
            if let Some(seq) = applied_to {
                self.store.ack_pushes(seq)?;
            }
            result?;
            if applied_to != Some(last) || pushes.len() < PUSH_BATCH {
                return Ok(());
            }
        }
    }

    /// Inserts the received messages and calls the store marked for upstream, each once (the
    /// tables' unique keys on gateway and local id make a repeat after a lost mark a no-op), and
    /// clears each mark after its insert.
    fn push_inbound(&mut self) -> Result<()> {
        self.drain(TaskKind::PushReceived, Self::push_received)?;
        self.drain(TaskKind::PushCall, Self::push_call)
    }

    /// Runs `push` for every record with a `kind` mark, oldest first, clearing each mark after
    /// its push, a batch at a time until none is left or the sync is stopping.
    fn drain(&mut self, kind: TaskKind, push: fn(&mut Worker, u64) -> Result<()>) -> Result<()> {
        loop {
            let ids = self.store.tasks(kind, PUSH_BATCH)?;
            for &id in &ids {
                push(self, id)?;
                self.store.finish_task(kind, id)?;
            }
            if ids.len() < PUSH_BATCH || self.stopping() {
                return Ok(());
            }
        }
    }

    fn push_received(&mut self, id: u64) -> Result<()> {
        let Some(m) = self.store.received(id)? else { return Ok(()) };
        let row = InboxRow {
            local_id: m.id,
            sender: &m.sender,
            text: &m.text,
            received: m.received,
            smsc: m.smsc.as_deref(),
            parts: m.parts,
            complete: m.is_complete(),
            sms_timestamp: m.sent_at.as_deref(),
        };
        if self.link()?.insert_received(&row)? {
            self.state(|s| s.received_pushed += 1);
        }
        Ok(())
    }

    fn push_call(&mut self, id: u64) -> Result<()> {
        let Some(c) = self.store.call(id)? else { return Ok(()) };
        let detail = c.detail();
        let event = LocalEvent {
            kind: "call",
            local_id: c.id,
            phone_number: c.caller.as_deref().or(c.number.as_deref()),
            detail: &detail,
            at: c.at,
        };
        if self.link()?.insert_local_event(&event)? {
            self.state(|s| s.calls_pushed += 1);
        }
        Ok(())
    }

    /// Extends our leases, and cancels local messages whose rows are no longer ours (taken by
    /// another gateway after our lease lapsed, failed or deleted by hand).
    fn renew(&mut self) -> Result<()> {
        self.next_renew = clock::now() + self.lease / 3;
        self.link()?.renew()?;
        let mut active = Vec::new();
        for state in [StateKind::Queued, StateKind::Sending] {
            let filter = Filter { state: Some(state), limit: usize::MAX, offset: 0 };
            active.extend(self.store.list(filter)?.into_iter().filter_map(|m| Some((m.id, m.upstream_id?))));
        }
        if active.is_empty() {
            return Ok(());
        }
        let held: HashSet<u64> = self.link()?.held_ids()?.into_iter().collect();
        for (id, upstream) in active {
            let row = RowKey::from_upstream_id(upstream).row;
            if held.contains(&row) {
                continue;
            }
            match self.store.cancel(id, now_ms()) {
                Ok(_) => {
                    self.state(|s| s.lost += 1);
                    self.link()?.event("lost_claim", Some(row), "the row is no longer this gateway's: not sent")?;
                }
                // A part is in flight: its outcome decides; the next renewal looks again.
                Err(store::Error::InvalidPart { .. } | store::Error::InvalidTransition { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Stores claimed rows, or fails the ones that cannot be sent. The rows of one claim go to
    /// the store in one durable commit: a claim of 50 costs one flash write, not 50.
    fn take(&mut self, rows: Vec<Vec<mysql::Value>>) -> Result<()> {
        let mut batch = Vec::new();
        for values in rows {
            let raw = RawRow::from_values(&values).map_err(|e| Error::Schema(e.0))?;
            match raw.validate(self.config.max_parts, &self.config.encoding_options()) {
                Ok(row) => batch.extend(self.message_for(&row)?),
                Err(bad) => self.reject(raw.id, &bad)?,
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let mut stored = 0;
        for outcome in self.store.enqueue_batch(&batch, now_ms())? {
            if outcome?.created {
                stored += 1;
            }
        }
        self.state(|s| s.claimed += stored);
        if stored > 0 {
            (self.wake)();
        }
        Ok(())
    }

    fn reject(&mut self, id: u64, bad: &BadRow) -> Result<()> {
        let reason = bad.to_string();
        if self.link()?.fail_row(id, &reason)? {
            self.state(|s| s.rejected += 1);
            self.link()?.event("bad_row", Some(id), &reason)?;
        }
        Ok(())
    }

    /// The message to queue for a claimed row, unless the store has it in progress. A row whose
    /// latest message is finished (kept, or compacted to a tombstone) was reset by hand: it is
    /// queued again as a new send.
    fn message_for(&mut self, row: &ClaimedRow) -> Result<Option<NewMessage>> {
        let Some(first) = RowKey::first(row.id) else {
            self.reject(row.id, &BadRow::IdOutOfRange)?;
            return Ok(None);
        };
        let mut latest = None;
        let mut probe = Some(first);
        while let Some(key) = probe {
            let state = match self.store.upstream_state(key.to_upstream_id())? {
                Some(store::UpstreamState::Kept(m)) => m.state.kind(),
                Some(store::UpstreamState::Compacted(t)) => t.state,
                None => break,
            };
            latest = Some((key, state));
            probe = key.next();
        }
        let key = match latest {
            None => first,
            Some((_, state)) if !state.is_final() => return Ok(None),
            Some((key, state)) => match key.next() {
                Some(next) => {
                    let detail = format!("reset to pending after it was {state}: sending it again");
                    self.link()?.event("resend", Some(row.id), &detail)?;
                    self.state(|s| s.resent += 1);
                    next
                }
                None => {
                    self.link()?.fail_row(row.id, "sent again too many times")?;
                    return Ok(None);
                }
            },
        };
        Ok(Some(NewMessage {
            upstream_id: Some(key.to_upstream_id()),
            recipient: row.recipient.clone(),
            text: row.text.clone(),
            parts: row.parts,
            priority: 0,
            not_before: UnixMs(0),
            attempts: Some(row.attempts),
            status_report: row.status_report || self.config.status_reports,
        }))
    }
}
