//! The crash-safe local queue: the source of truth on the board while it is offline.
//!
//! Messages come in from upstream (or locally), wait in priority order, go out part by part
//! through the modem, and end sent, delivered, failed or cancelled. Every mutation is one
//! durable transaction: when a method returns `Ok`, its effect is on flash, so a crash at any
//! moment loses nothing that was acknowledged.
//!
//! The one rule that makes sending crash-safe: [`Store::begin_part`] commits "part n, attempt k
//! in flight" *before* the PDU goes out. After a crash, [`Store::recover`] finds such parts —
//! their outcome is unknown — and applies the configured [`UnknownPolicy`]. A part confirmed
//! sent is never handed out again.
//!
//! Every state change upstream must learn is appended to a push outbox in the same
//! transaction as the change; [`Store::pending_pushes`] and [`Store::ack_pushes`] give it to
//! upstream exactly once, in order. An upstream id is queued once: after compaction a
//! tombstone keeps it from being queued again ([`Error::Compacted`]).
//!
//! Flash wear decides the layout: a message's record holds the message, its pushes not yet
//! acknowledged and its history, and the indexes (ready order, states, finals, parts in flight,
//! status report references, the outbox order, counts) live in memory, rebuilt from the
//! records at open. So each step of a message's life (begin, sent, failed, report…) commits
//! exactly one key. Two engines run the same queue logic: redb (one file and a journal, the
//! default: a transaction is durable once its journal entry is synced, redb checkpoints every
//! thousand) and sled (a directory, the `sled` feature). Record formats, the write volume per
//! message and the memory per queued message: `memory-layout/store.md`.
//!
//! The inbound side (received messages reassembled from their parts, calls and auto-replies,
//! the opt-out list, and marks of work still to do for them) shares the key space and the
//! transactions: `inbound.rs`.

mod check;
mod engine;
mod error;
mod inbound;
mod inbound_model;
mod index;
mod journal;
mod model;
mod record;
mod redb_engine;
mod salvage;
#[cfg(feature = "sled")]
mod sled_engine;
mod stored;
mod tx;

use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use check::{check, repair, CheckReport, InboundCounts, Problem, Quarantined, RepairReport};
pub use error::{Error, Result};
pub use inbound::MISSING_PART;
pub use inbound_model::{
    Arrival, CallOutcome, CallRecord, ConcatKey, InboundTasks, IncomingPart, NewCall, OptOut, ReceivedSms, TaskKind,
    WaitingSet,
};
pub use journal::{CHECKPOINT_EVERY, JOURNAL_BYTES};
pub use model::{
    Backend, Change, Compacted, Config, Counts, Enqueued, Failure, Filter, Message, MessageId, NewMessage, Part,
    PartState, Push, Ready, Recovered, State, StateKind, Stats, Tombstone, UnixMs, UnknownPolicy, UpstreamState,
};
pub use record::RECORD_VERSION;
pub use stored::reported_status;
pub use tx::FORMAT_VERSION;

use crate::codec::pdu::{Status, StatusCategory};
use engine::{scan_table, Engine, Read, Table};
use index::{next_level, ready_not_before, Index};
use record::be;
use stored::{report_words, Stored, What};
use tx::{meta, Tx, UpstreamEntry};

/// The most final messages one `compact` call examines, so that a compaction after a long time
/// off stays one transaction of bounded size (its write set is a few MiB of RAM); the rest goes
/// in the next call.
pub const COMPACT_BATCH: usize = 10_000;

/// The queue. Cheap to share between threads (`&self` everywhere): one lock serialises the
/// operations, so the in-memory indexes always match the last commit.
pub struct Store {
    engine: Box<dyn Engine>,
    index: Mutex<Index>,
    path: PathBuf,
    config: Config,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("config", &self.config).finish()
    }
}

/// Opens the engine a config names, without the store's own checks.
fn open_engine(path: &Path, config: &Config) -> Result<Box<dyn Engine>> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_path_buf(), source })?;
    }
    Ok(match config.backend {
        Backend::Redb => Box::new(redb_engine::RedbEngine::open(path, config.cache_bytes)?),
        #[cfg(feature = "sled")]
        Backend::Sled => Box::new(sled_engine::SledEngine::open(path, config.cache_bytes)?),
    })
}

/// Opens the engine to read only where it can (redb), for a check that changes nothing.
fn open_engine_to_read(path: &Path, config: &Config) -> Result<Box<dyn Engine>> {
    match config.backend {
        Backend::Redb => Ok(Box::new(redb_engine::RedbEngine::open_read_only(path, config.cache_bytes)?)),
        #[cfg(feature = "sled")]
        Backend::Sled => open_engine(path, config),
    }
}

/// Why a message cannot be queued, before anything is written.
fn refuse(new: &NewMessage, default_attempts: u8) -> Result<u8, &'static str> {
    if new.parts == 0 {
        return Err("a message has at least one part");
    }
    if new.recipient.is_empty() {
        return Err("empty recipient");
    }
    match new.attempts.unwrap_or(default_attempts) {
        0 => Err("a message needs at least one attempt"),
        n => Ok(n),
    }
}

/// A history entry ordered by when it happened, for picking the oldest few.
struct ByTime(Change);

impl PartialEq for ByTime {
    fn eq(&self, other: &Self) -> bool {
        (self.0.at, self.0.seq) == (other.0.at, other.0.seq)
    }
}

impl Eq for ByTime {}

impl PartialOrd for ByTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByTime {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0.at, self.0.seq).cmp(&(other.0.at, other.0.seq))
    }
}

impl Store {
    /// Opens the store at `path` (a file for redb, a directory for sled), creating it when it
    /// does not exist. Every message record is decoded to build the indexes, so a damaged one
    /// is `Error::Corrupt` here and not mid-run; with `config.verify_on_open` the upstream
    /// table and the quarantine are checked too. Call [`Store::recover`] next, before sending.
    pub fn open(path: impl AsRef<Path>, config: Config) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        // redb makes a new database in an empty file; an existing store cut to nothing must
        // not come back as an empty queue.
        if config.backend == Backend::Redb && std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(Error::Corrupt { path, detail: "the file is empty".into() });
        }
        let engine = open_engine(&path, &config)?;
        let mut format = 0;
        let mut holds_messages = false;
        engine.read(&mut |r| {
            format = tx::get_u64(r, &path, Table::Meta, meta::FORMAT)?;
            holds_messages = !r.range(Table::Messages, &[], None, 1)?.is_empty();
            Ok(())
        })?;
        match format {
            // A new store, unless it already holds messages: then its meta was lost.
            0 if holds_messages => {
                return Err(Error::Corrupt { path, detail: "format record missing".into() });
            }
            0 => engine.write(&mut |w| tx::put_u64(w, Table::Meta, meta::FORMAT, FORMAT_VERSION))?,
            FORMAT_VERSION => {}
            other => {
                return Err(Error::UnsupportedVersion {
                    path,
                    what: "the store",
                    found: u8::try_from(other).unwrap_or(u8::MAX),
                    supported: FORMAT_VERSION as u8,
                })
            }
        }
        let mut scan = None;
        engine.read(&mut |r| {
            scan = Some(check::scan(r, config.verify_on_open)?);
            Ok(())
        })?;
        let Some(scan) = scan else {
            return Err(Error::Storage { path, detail: "the scan at open returned nothing".into() });
        };
        if let Some(found) = scan.report.newer_version {
            return Err(Error::UnsupportedVersion { path, what: "a record", found, supported: RECORD_VERSION });
        }
        let problems = scan.report.problems;
        if let Some(first) = problems.first() {
            return Err(Error::Corrupt {
                path,
                detail: format!("{first} ({} problem(s) in all; run a check)", problems.len()),
            });
        }
        Ok(Store { engine, index: Mutex::new(scan.index), path, config })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        // The index changes only after a commit succeeded, in code that does not panic; a
        // poisoned lock means a caller's closure panicked, with the index untouched.
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one durable transaction, then brings the indexes up to it, and returns
    /// what `f` returned. When `f` or the commit fails, nothing changes.
    fn write<T>(&self, mut f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut index = self.lock();
        let mut out = None;
        let mut staged = None;
        {
            let committed: &Index = &index;
            self.engine.write(&mut |w| {
                let mut tx = Tx::new(w, &self.path, committed);
                out = Some(f(&mut tx)?);
                staged = Some(tx.finish());
                Ok(())
            })?;
        }
        if let Some(staged) = staged {
            index.counters = staged.counters;
            if let Some(mark) = staged.acknowledged {
                index.acknowledge(mark);
            }
            for (old, new) in &staged.deltas {
                index.apply(old.as_ref(), new.as_ref());
            }
        }
        out.ok_or_else(|| Error::Storage { path: self.path.clone(), detail: "transaction returned nothing".into() })
    }

    fn read<T>(&self, mut f: impl FnMut(&mut dyn Read, &Index, &Path) -> Result<T>) -> Result<T> {
        let index = self.lock();
        let mut out = None;
        self.engine.read(&mut |r| {
            out = Some(f(r, &index, &self.path)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::Storage { path: self.path.clone(), detail: "transaction returned nothing".into() })
    }

    /// Queues a message. Idempotent by upstream id: the same upstream id again returns the
    /// message already there (with `created: false`), whatever else differs; an upstream id
    /// whose message was compacted away is [`Error::Compacted`].
    pub fn enqueue(&self, new: &NewMessage, now: UnixMs) -> Result<Enqueued> {
        let attempts = refuse(new, self.config.default_attempts).map_err(Error::InvalidInput)?;
        self.write(|tx| Self::enqueue_in(tx, new, attempts, now)?)
    }

    /// Queues many messages in one transaction (one flash commit for a whole upstream claim).
    /// Each gets what [`Store::enqueue`] would have returned for it, in order; those refused
    /// (invalid, or compacted away) are not written, the others all are. The outer error is
    /// a storage failure, after which none is queued.
    pub fn enqueue_batch(&self, batch: &[NewMessage], now: UnixMs) -> Result<Vec<Result<Enqueued>>> {
        let checked: Vec<Result<u8, &'static str>> =
            batch.iter().map(|new| refuse(new, self.config.default_attempts)).collect();
        self.write(|tx| {
            let mut out = Vec::with_capacity(batch.len());
            for (new, attempts) in batch.iter().zip(&checked) {
                out.push(match attempts {
                    Err(why) => Err(Error::InvalidInput(why)),
                    Ok(attempts) => Self::enqueue_in(tx, new, *attempts, now)?,
                });
            }
            Ok(out)
        })
    }

    /// Queues one message inside `tx`. The inner result is the message's own outcome; the
    /// outer one a storage failure.
    fn enqueue_in(tx: &mut Tx<'_>, new: &NewMessage, attempts: u8, now: UnixMs) -> Result<Result<Enqueued>> {
        if let Some(up) = new.upstream_id {
            let path = tx.path;
            match tx::get_upstream(tx.w(), path, up)? {
                Some(UpstreamEntry::Kept(id)) => {
                    let s = tx.load(id)?.ok_or_else(|| Error::Corrupt {
                        path: tx.path.to_path_buf(),
                        detail: format!("upstream id {up} points at missing message {id}"),
                    })?;
                    return Ok(Ok(Enqueued { message: s.message, created: false }));
                }
                Some(UpstreamEntry::Tombstone(id, state)) => {
                    return Ok(Err(Error::Compacted { upstream_id: up, id, state }));
                }
                None => {}
            }
        }
        let id = tx.take_id();
        let mut s = Stored::new(Message {
            id,
            upstream_id: new.upstream_id,
            recipient: new.recipient.clone(),
            text: new.text.clone(),
            priority: new.priority,
            not_before: new.not_before,
            attempts_left: attempts,
            failures: 0,
            status_report: new.status_report,
            // The reference only has to differ between messages to one recipient that are in
            // the air together; the id's low bits do that, with no counter to keep.
            concat_ref: (id.0 & 0xFFFF) as u16,
            created: now,
            updated: now,
            state: State::Queued,
            parts: vec![Part { state: PartState::Pending, attempts: 0 }; usize::from(new.parts)],
            last_error: None,
            unknown_parts: 0,
            last_push: None,
        });
        tx.change(&mut s, None, What::Queued, now);
        tx.save(None, &mut s)?;
        if let Some(up) = new.upstream_id {
            tx.w().put(Table::Upstream, &be(up), &be(id.0))?;
        }
        Ok(Ok(Enqueued { message: s.message, created: true }))
    }

    /// The next part to send: of the messages waiting (queued, or part-way sent with nothing in
    /// flight) whose `not_before` has passed, the one with the highest priority, then the
    /// earliest `not_before`, then the lowest id; the part is its first one not yet sent.
    ///
    /// One index lookup per priority level present (at most 256), not a scan of the queue.
    pub fn next_ready(&self, now: UnixMs) -> Result<Option<Ready>> {
        self.read(|r, index, path| {
            let mut from = 0;
            loop {
                let Some((key, id)) = index.ready_from(from) else { return Ok(None) };
                if ready_not_before(key) <= now {
                    let message = tx::load(r, path, id)?
                        .ok_or_else(|| Error::Corrupt {
                            path: path.to_path_buf(),
                            detail: format!("ready index points at missing message {id}"),
                        })?
                        .message;
                    let part = message.first_unsent().ok_or_else(|| Error::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!("message {id} is ready with every part sent"),
                    })?;
                    return Ok(Some(Ready { message, part }));
                }
                // Nothing at this priority is due yet; the next level down may be.
                match next_level(key) {
                    Some(next) => from = next,
                    None => return Ok(None),
                }
            }
        })
    }

    /// Records that `part` is about to go out (attempt k of that part). Commit this before
    /// the PDU leaves: if the gateway dies before the outcome is recorded, `recover` knows the
    /// outcome is unknown. Parts go out in order, one at a time per message.
    pub fn begin_part(&self, id: MessageId, part: u8, now: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let old = tx.load_required(id)?;
            let action = "begin sending";
            let m = &old.message;
            if !matches!(m.state, State::Queued | State::Sending) {
                return Err(Error::InvalidTransition { id, state: m.state.kind(), action });
            }
            let reason = if usize::from(part) >= m.parts.len() {
                Some("no such part")
            } else if m.parts.get(usize::from(part)).is_some_and(|p| p.state.is_sent()) {
                Some("it was sent already")
            } else if m.in_flight().is_some() {
                Some("a part of the message is in flight")
            } else if m.first_unsent() != Some(part) {
                Some("an earlier part is not sent yet")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::InvalidPart { id, part, action, reason });
            }
            let mut s = old.clone();
            let mut attempt = 0;
            if let Some(p) = s.message.parts.get_mut(usize::from(part)) {
                p.attempts = p.attempts.saturating_add(1);
                attempt = p.attempts;
                p.state = PartState::InFlight { attempt, since: now };
            }
            s.message.state = State::Sending;
            s.message.updated = now;
            let from = old.message.state.kind();
            if from != StateKind::Sending {
                tx.push(&mut s, now);
            }
            tx.change(&mut s, Some(from), What::InFlight { part, attempt }, now);
            tx.save(Some(&old), &mut s)?;
            Ok(s.message)
        })
    }

    /// The network accepted the part with message reference `mr`. When it was the last part,
    /// the message is `Sent`; otherwise it is ready for its next part at once.
    pub fn part_sent(&self, id: MessageId, part: u8, mr: u8, now: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let (old, mut s) = Self::take_in_flight(tx, id, part, "record as sent")?;
            if let Some(p) = s.message.parts.get_mut(usize::from(part)) {
                p.state = PartState::Sent { mr, at: now };
            }
            s.message.updated = now;
            if s.message.first_unsent().is_none() {
                s.message.state = State::Sent { at: now };
                tx.push(&mut s, now);
            }
            tx.change(&mut s, Some(old.message.state.kind()), What::Sent { part, mr }, now);
            tx.save(Some(&old), &mut s)?;
            Ok(s.message)
        })
    }

    /// Sending the part failed. A temporary failure costs an attempt and queues the message
    /// again after the backoff; with no attempts left, or on a permanent failure, it fails
    /// with this error.
    pub fn part_failed(&self, id: MessageId, part: u8, failure: &Failure, now: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let (old, mut s) = Self::take_in_flight(tx, id, part, "record as failed")?;
            let m = &mut s.message;
            if let Some(p) = m.parts.get_mut(usize::from(part)) {
                p.state = PartState::Pending;
            }
            m.updated = now;
            let (reason, permanent) = match failure {
                Failure::Temporary(r) => (r, false),
                Failure::Permanent(r) => (r, true),
            };
            m.last_error = Some(reason.clone());
            if permanent {
                m.state = State::Failed { reason: reason.clone(), at: now };
            } else {
                m.failures = m.failures.saturating_add(1);
                m.attempts_left = m.attempts_left.saturating_sub(1);
                if m.attempts_left == 0 {
                    m.state = State::Failed { reason: reason.clone(), at: now };
                } else {
                    m.state = State::Queued;
                    m.not_before = now.saturating_add(self.config.backoff(u32::from(m.failures)));
                }
            }
            tx.push(&mut s, now);
            let attempt = old.message.parts.get(usize::from(part)).map_or(0, |p| p.attempts);
            let what = What::Failed { part, attempt, permanent, reason: reason.clone() };
            tx.change(&mut s, Some(old.message.state.kind()), what, now);
            tx.save(Some(&old), &mut s)?;
            Ok(s.message)
        })
    }

    /// The part's outcome is unknown (no answer from the modem after the PDU went out): applies
    /// the configured [`UnknownPolicy`] as `recover` does after a crash.
    pub fn part_unknown(&self, id: MessageId, part: u8, now: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let (old, _) = Self::take_in_flight(tx, id, part, "record as unknown")?;
            let (s, _) = self.apply_unknown(tx, old, part, now)?;
            Ok(s.message)
        })
    }

    /// After a restart: every part left in flight has an unknown outcome; applies the
    /// configured [`UnknownPolicy`] to each, in one transaction. Call once after `open`,
    /// before sending.
    pub fn recover(&self, now: UnixMs) -> Result<Recovered> {
        self.write(|tx| {
            let mut report = Recovered::default();
            for (id, _) in tx.index().in_flight() {
                let old = tx.load_required(id)?;
                let Some(part) = old.message.in_flight() else {
                    return Err(Error::Corrupt {
                        path: tx.path.to_path_buf(),
                        detail: format!("message {id} is indexed in flight with no part in flight"),
                    });
                };
                let (_, failed) = self.apply_unknown(tx, old, part, now)?;
                report.unknown_parts += 1;
                if failed {
                    report.failed += 1;
                } else {
                    report.resent += 1;
                }
            }
            Ok(report)
        })
    }

    /// The message and the part `part` of it, which must be in flight: (as stored, to change).
    fn take_in_flight(tx: &mut Tx<'_>, id: MessageId, part: u8, action: &'static str) -> Result<(Stored, Stored)> {
        let old = tx.load_required(id)?;
        match old.message.parts.get(usize::from(part)) {
            None => Err(Error::InvalidPart { id, part, action, reason: "no such part" }),
            Some(p) if !matches!(p.state, PartState::InFlight { .. }) => {
                Err(Error::InvalidPart { id, part, action, reason: "it is not in flight" })
            }
            Some(_) => {
                let s = old.clone();
                Ok((old, s))
            }
        }
    }

    /// Applies the unknown-outcome policy to an in-flight part; returns the record and
    /// whether the message failed.
    fn apply_unknown(&self, tx: &mut Tx<'_>, old: Stored, part: u8, now: UnixMs) -> Result<(Stored, bool)> {
        let mut s = old.clone();
        let m = &mut s.message;
        let attempt = match m.parts.get(usize::from(part)).map(|p| p.state) {
            Some(PartState::InFlight { attempt, .. }) => attempt,
            _ => return Err(Error::InvalidPart { id: m.id, part, action: "recover", reason: "it is not in flight" }),
        };
        if let Some(p) = m.parts.get_mut(usize::from(part)) {
            p.state = PartState::Pending;
        }
        m.unknown_parts = m.unknown_parts.saturating_add(1);
        m.updated = now;
        let what = format!("part {} attempt {attempt}: outcome unknown", u16::from(part) + 1);
        m.last_error = Some(what.clone());
        let failed = match self.config.unknown_policy {
            UnknownPolicy::FailUnconfirmed => {
                m.state = State::Failed { reason: format!("unconfirmed: {what}"), at: now };
                true
            }
            UnknownPolicy::Resend => {
                m.attempts_left = m.attempts_left.saturating_sub(1);
                if m.attempts_left == 0 {
                    m.state = State::Failed { reason: format!("unconfirmed, no attempts left: {what}"), at: now };
                    true
                } else {
                    // Sent again at once: the crash, not the network, stopped it.
                    m.state = if m.parts_sent() > 0 { State::Sending } else { State::Queued };
                    false
                }
            }
        };
        if failed {
            s.unknown_failed = s.unknown_failed.saturating_add(1);
        }
        tx.push(&mut s, now);
        tx.change(&mut s, Some(old.message.state.kind()), What::Unknown { part, attempt, failed }, now);
        tx.save(Some(&old), &mut s)?;
        Ok((s, failed))
    }

    /// A status report for a sent part: TP-ST `status`, reported at `at`. The message is
    /// `Delivered` when every part is; a report that the message will not arrive fails it.
    pub fn record_delivery(&self, id: MessageId, part: u8, status: Status, at: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let old = tx.load_required(id)?;
            let action = "record a delivery report for";
            let (mr, sent_at) = match old.message.parts.get(usize::from(part)).map(|p| p.state) {
                None => return Err(Error::InvalidPart { id, part, action, reason: "no such part" }),
                Some(PartState::Sent { mr, at }) => (mr, at),
                Some(PartState::Reported { mr, sent_at, .. }) => (mr, sent_at),
                Some(_) => return Err(Error::InvalidPart { id, part, action, reason: "it was not sent" }),
            };
            let mut s = old.clone();
            let m = &mut s.message;
            if let Some(p) = m.parts.get_mut(usize::from(part)) {
                p.state = PartState::Reported { mr, sent_at, status: status.raw(), at };
            }
            m.updated = at;
            let open = matches!(m.state, State::Sent { .. } | State::Sending | State::Queued);
            match status.category() {
                StatusCategory::Completed => {
                    if matches!(m.state, State::Sent { .. }) && m.parts.iter().all(|p| p.state.is_delivered()) {
                        m.state = State::Delivered { at };
                        tx.push(&mut s, at);
                    }
                }
                StatusCategory::TemporaryStillTrying => {}
                StatusCategory::Permanent | StatusCategory::TemporaryNoLongerTrying => {
                    if open && m.in_flight().is_none() {
                        let words = report_words(part, status);
                        m.last_error = Some(format!("not delivered: {words}"));
                        m.state = State::Failed { reason: format!("not delivered: {words}"), at };
                        tx.push(&mut s, at);
                    }
                }
            }
            tx.change(&mut s, Some(old.message.state.kind()), What::Report { part, status: status.raw() }, at);
            tx.save(Some(&old), &mut s)?;
            Ok(s.message)
        })
    }

    /// The part last sent to `recipient` with message reference `mr`: how a status report
    /// (which carries only those) finds its message.
    pub fn find_part(&self, mr: u8, recipient: &str) -> Result<Option<(MessageId, u8)>> {
        Ok(self.lock().reference(mr, recipient))
    }

    /// Withdraws a message that is waiting (queued, or part-way sent with no part in flight).
    pub fn cancel(&self, id: MessageId, now: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let old = tx.load_required(id)?;
            let m = &old.message;
            if !matches!(m.state, State::Queued | State::Sending) {
                return Err(Error::InvalidTransition { id, state: m.state.kind(), action: "cancel" });
            }
            if let Some(part) = m.in_flight() {
                return Err(Error::InvalidPart { id, part, action: "cancel", reason: "it is in flight" });
            }
            let mut s = old.clone();
            s.message.state = State::Cancelled { at: now };
            s.message.updated = now;
            tx.push(&mut s, now);
            tx.change(&mut s, Some(old.message.state.kind()), What::Cancelled, now);
            tx.save(Some(&old), &mut s)?;
            Ok(s.message)
        })
    }

    /// Queues a failed or cancelled message again, at once, with its attempts reset to the
    /// configured default. Parts already sent stay sent.
    pub fn retry(&self, id: MessageId, now: UnixMs) -> Result<Message> {
        self.write(|tx| {
            let old = tx.load_required(id)?;
            let m = &old.message;
            if !matches!(m.state, State::Failed { .. } | State::Cancelled { .. }) || m.first_unsent().is_none() {
                return Err(Error::InvalidTransition { id, state: m.state.kind(), action: "retry" });
            }
            let mut s = old.clone();
            let m = &mut s.message;
            m.state = if m.parts_sent() > 0 { State::Sending } else { State::Queued };
            m.attempts_left = self.config.default_attempts.max(1);
            m.failures = 0;
            m.not_before = now;
            m.updated = now;
            tx.push(&mut s, now);
            tx.change(&mut s, Some(old.message.state.kind()), What::Retried, now);
            tx.save(Some(&old), &mut s)?;
            Ok(s.message)
        })
    }

    pub fn get(&self, id: MessageId) -> Result<Option<Message>> {
        self.read(|r, _, path| Ok(tx::load(r, path, id)?.map(|s| s.message)))
    }

    /// The message queued from upstream row `upstream_id`, while the store keeps it.
    pub fn by_upstream(&self, upstream_id: u64) -> Result<Option<Message>> {
        Ok(match self.upstream_state(upstream_id)? {
            Some(UpstreamState::Kept(m)) => Some(m),
            Some(UpstreamState::Compacted(_)) | None => None,
        })
    }

    /// What the store knows of upstream id `upstream_id`: the message, or the tombstone
    /// compaction left of it, or nothing (never queued).
    pub fn upstream_state(&self, upstream_id: u64) -> Result<Option<UpstreamState>> {
        self.read(|r, _, path| {
            Ok(match tx::get_upstream(r, path, upstream_id)? {
                None => None,
                Some(UpstreamEntry::Kept(id)) => {
                    let s = tx::load(r, path, id)?.ok_or_else(|| Error::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!("upstream id {upstream_id} points at missing message {id}"),
                    })?;
                    Some(UpstreamState::Kept(s.message))
                }
                Some(UpstreamEntry::Tombstone(id, state)) => {
                    Some(UpstreamState::Compacted(Tombstone { upstream_id, id, state }))
                }
            })
        })
    }

    /// Messages in id order, optionally only those in one state; `offset` skips.
    pub fn list(&self, filter: Filter) -> Result<Vec<Message>> {
        self.read(|r, index, path| match filter.state {
            Some(kind) => index
                .in_state(kind, filter.offset, filter.limit)
                .into_iter()
                .map(|id| tx::load_required(r, path, id).map(|s| s.message))
                .collect(),
            None => {
                let wanted = filter.offset.saturating_add(filter.limit);
                r.range(Table::Messages, &[], None, wanted)?
                    .into_iter()
                    .skip(filter.offset)
                    .map(|(k, v)| {
                        record::decode::<Stored>(&v)
                            .map(|s| s.message)
                            .map_err(|e| tx::record_error(path, Table::Messages, &k, e))
                    })
                    .collect()
            }
        })
    }

    /// Messages per state, from the indexes.
    pub fn counts(&self) -> Result<Counts> {
        Ok(self.lock().counts())
    }

    pub fn stats(&self) -> Result<Stats> {
        let index = self.lock();
        let (unknown_resent, unknown_failed) = index.unknown_totals();
        Ok(Stats { counts: index.counts(), unknown_resent, unknown_failed, pending_pushes: index.pending_push_count() })
    }

    /// Parts in flight now (before `recover`, the ones a crash interrupted).
    pub fn in_flight(&self) -> Result<Vec<(MessageId, u8)>> {
        Ok(self.lock().in_flight())
    }

    /// The oldest `limit` pushes upstream has not acknowledged, in order.
    pub fn pending_pushes(&self, limit: usize) -> Result<Vec<Push>> {
        self.read(|r, index, path| {
            let mut out = Vec::new();
            let mut last: Option<Stored> = None;
            for (seq, id) in index.pending_pushes(limit) {
                if last.as_ref().map(Stored::id) != Some(id) {
                    last = tx::load(r, path, id)?;
                }
                let push = last.as_ref().and_then(|s| s.push(seq)).ok_or_else(|| Error::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("push {seq} of message {id} is missing"),
                })?;
                out.push(push);
            }
            Ok(out)
        })
    }

    /// Upstream has applied every push up to and including `up_to_seq`: they are never given
    /// out again. Returns how many that acknowledged. A mark beyond the last push given out
    /// only acknowledges what exists. One small write, however many it covers.
    pub fn ack_pushes(&self, up_to_seq: u64) -> Result<u64> {
        self.write(|tx| {
            let c = *tx.counters();
            let mark = up_to_seq.min(c.last_push);
            if mark <= c.acked_push {
                return Ok(0);
            }
            let n = tx.index().pending_up_to(mark);
            tx.acknowledge(mark)?;
            Ok(n)
        })
    }

    /// Up to `limit` history entries at or after `since`, oldest first (for CSV export).
    ///
    /// The history is kept in the message records, so this reads every record (in one read
    /// transaction, a page at a time); its memory is what it returns.
    pub fn history(&self, since: UnixMs, limit: usize) -> Result<Vec<Change>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut oldest: BinaryHeap<ByTime> = BinaryHeap::new();
        self.read(|r, _, path| {
            scan_table(r, Table::Messages, |_, (k, v)| {
                let s: Stored = record::decode(&v).map_err(|e| tx::record_error(path, Table::Messages, &k, e))?;
                if s.message.updated < since {
                    return Ok(());
                }
                for c in s.changes.iter().filter(|c| c.at >= since) {
                    let c = ByTime(s.change(c));
                    if oldest.len() < limit {
                        oldest.push(c);
                    } else if oldest.peek().is_some_and(|newest| c < *newest) {
                        oldest.pop();
                        oldest.push(c);
                    }
                }
                Ok(())
            })
        })?;
        Ok(oldest.into_sorted_vec().into_iter().map(|c| c.0).collect())
    }

    /// Removes final messages older than the retention period, unless upstream has not taken
    /// their last push yet; their history goes with them. A message from upstream leaves a
    /// tombstone (upstream id → id, final state), kept for good, so its row is never queued
    /// again. In the same transaction, received messages and calls older than the retention
    /// whose tasks are all done, and reply memories older than it, go too.
    pub fn compact(&self, now: UnixMs) -> Result<Compacted> {
        let cutoff = now.saturating_sub(self.config.retention);
        self.write(|tx| {
            let mut report = Compacted::default();
            let acked = tx.counters().acked_push;
            let (mut resent, mut failed) = (0u64, 0u64);
            for id in tx.index().finals_before(cutoff, COMPACT_BATCH) {
                let s = tx.load(id)?.ok_or_else(|| Error::Corrupt {
                    path: tx.path.to_path_buf(),
                    detail: format!("finals index points at missing message {id}"),
                })?;
                if s.message.last_push.is_some_and(|seq| seq > acked) {
                    report.kept_unpushed += 1;
                    continue;
                }
                tx.remove(&s)?;
                if let Some(up) = s.message.upstream_id {
                    let tombstone = tx::tombstone_value(id, s.message.state.kind());
                    tx.w().put(Table::Upstream, &be(up), &tombstone)?;
                }
                report.messages += 1;
                report.changes += s.changes.len() as u64;
                resent += u64::from(s.unknown_resent());
                failed += u64::from(s.unknown_failed);
            }
            if report.messages > 0 {
                // The records gone no longer vouch for the counters: their floors do.
                let c = tx.counters();
                c.unknown_resent_base += resent;
                c.unknown_failed_base += failed;
                let c = *c;
                let floors = [
                    (meta::NEXT_ID, c.next_id),
                    (meta::LAST_PUSH, c.last_push),
                    (meta::NEXT_CHANGE, c.next_change),
                    (meta::UNKNOWN_RESENT, c.unknown_resent_base),
                    (meta::UNKNOWN_FAILED, c.unknown_failed_base),
                ];
                for (name, n) in floors {
                    tx::put_u64(tx.w(), Table::Meta, name, n)?;
                }
            }
            inbound::compact(tx, cutoff, &mut report)?;
            Ok(report)
        })
    }

    /// Records a repair set aside because they did not decode.
    pub fn quarantine(&self) -> Result<Vec<Quarantined>> {
        self.read(|r, _, path| {
            r.range(Table::Quarantine, &[], None, usize::MAX)?
                .into_iter()
                .map(|(k, v)| record::decode(&v).map_err(|e| tx::record_error(path, Table::Quarantine, &k, e)))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stored::{ChangeEntry, PushEntry};

    fn store() -> (tempfile::TempDir, PathBuf, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("q");
        let s = Store::open(&path, Config::default()).expect("open");
        (dir, path, s)
    }

    /// A record with the right checksum but a later version byte.
    fn future_record(payload: &[u8]) -> Vec<u8> {
        let mut bytes = vec![RECORD_VERSION + 1];
        bytes.extend_from_slice(payload);
        let crc = record::crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn a_record_of_a_later_version_is_a_clear_error() {
        let (_dir, path, s) = store();
        let id = s.enqueue(&NewMessage::new("+1", "x", 1), UnixMs(0)).unwrap().message.id;
        s.engine.write(&mut |w| w.put(Table::Messages, &be(id.0), &future_record(&[1, 2, 3]))).unwrap();
        let e = s.get(id).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { what: "messages", found: 2, supported: 1, .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("store {}: messages has format version 2, this build reads version 1", path.display())
        );
        drop(s);
        let e = Store::open(&path, Config::default()).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { what: "a record", found: 2, .. }), "verified at open: {e:?}");
        // Not damage: a repair must not quarantine what a newer build wrote.
        let e = repair(&path, &Config::default()).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { what: "messages", found: 2, .. }), "{e:?}");
        assert!(!path.with_file_name("q.repairing").exists(), "the half-made copy is removed");
        assert!(!path.with_file_name("q.damaged-1").exists(), "the store stays where it is");
        assert!(matches!(Store::open(&path, Config::default()), Err(Error::UnsupportedVersion { .. })));
        assert_eq!(check(&path, &Config::default()).unwrap().newer_version, Some(2));
    }

    #[test]
    fn a_store_of_a_later_format_is_refused() {
        let (_dir, path, s) = store();
        s.engine.write(&mut |w| tx::put_u64(w, Table::Meta, meta::FORMAT, FORMAT_VERSION + 1)).unwrap();
        drop(s);
        let e = Store::open(&path, Config::default()).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { what: "the store", found: 3, supported: 2, .. }), "{e:?}");
    }

    /// Format 1 kept a redb table per store table: such a file is refused, not mistaken for an
    /// empty store of this format.
    #[test]
    fn a_redb_store_of_format_1_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q");
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let def: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("meta");
                let mut meta = txn.open_table(def).unwrap();
                meta.insert(&b"format"[..], &be(1)[..]).unwrap();
            }
            txn.commit().unwrap();
        }
        let e = Store::open(&path, Config::default()).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { what: "the store", found: 1, supported: 2, .. }), "{e:?}");
        assert!(matches!(check(&path, &Config::default()), Err(Error::UnsupportedVersion { .. })));
    }

    #[test]
    fn a_store_whose_format_record_is_lost_is_corrupt() {
        let (_dir, path, s) = store();
        s.enqueue(&NewMessage::new("+1", "x", 1), UnixMs(0)).unwrap();
        s.engine.write(&mut |w| w.delete(Table::Meta, meta::FORMAT)).unwrap();
        drop(s);
        assert!(matches!(Store::open(&path, Config::default()), Err(Error::Corrupt { .. })));
    }

    /// The record format is the field order of the stored types: this pins it, so a change to
    /// them that would misread existing stores fails here and needs a new record version.
    #[test]
    fn message_record_bytes_are_pinned() {
        let m = Message {
            id: MessageId(1),
            upstream_id: Some(300),
            recipient: "+41".into(),
            text: "hi".into(),
            priority: 2,
            not_before: UnixMs(3),
            attempts_left: 3,
            failures: 1,
            status_report: true,
            concat_ref: 258,
            created: UnixMs(4),
            updated: UnixMs(5),
            state: State::Failed { reason: "x".into(), at: UnixMs(6) },
            parts: vec![Part { state: PartState::Sent { mr: 7, at: UnixMs(8) }, attempts: 1 }],
            last_error: None,
            unknown_parts: 0,
            last_push: Some(9),
        };
        let s = Stored {
            message: m,
            pushes: vec![PushEntry {
                seq: 9,
                at: UnixMs(6),
                state: StateKind::Failed,
                attempts_left: 3,
                parts_sent: 1,
                error: Some("x".into()),
            }],
            changes: vec![ChangeEntry {
                seq: 10,
                at: UnixMs(6),
                from: Some(StateKind::Sending),
                to: StateKind::Failed,
                what: What::Failed { part: 0, attempt: 1, permanent: true, reason: "x".into() },
            }],
            unknown_failed: 0,
        };
        let bytes = record::encode(&s);
        let body: &[u8] = &[
            1, // record version
            1, 1, 0xAC, 2, 3, b'+', b'4', b'1', 2, b'h', b'i', 2, 3, 3, 1, 1, 0x82, 2, 4, 5, // up to `updated`
            4, 1, b'x', 6, // State::Failed { reason, at }
            1, 2, 7, 8, 1, // one part: PartState::Sent { mr, at }, attempts
            0, 0, 1, 9, // last_error, unknown_parts, last_push
            1, 9, 6, 4, 3, 1, 1, 1, b'x', // one push: seq, at, Failed, attempts_left, parts_sent, error
            1, 10, 6, 1, 1, 4, // one change: seq, at, from Some(Sending), to Failed,
            3, 0, 1, 1, 1, b'x', // What::Failed { part, attempt, permanent, reason }
            0,    // unknown_failed
        ];
        assert_eq!(&bytes[..bytes.len() - 4], body);
        assert_eq!(record::decode::<Stored>(&bytes), Ok(s));
    }

    #[test]
    fn store_is_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Store>();
        let (_dir, _path, s) = store();
        std::thread::scope(|scope| {
            for k in 0..4u64 {
                let s = &s;
                scope.spawn(move || {
                    for i in 0..5 {
                        let mut new = NewMessage::new("+1", "x", 1);
                        new.upstream_id = Some(i);
                        s.enqueue(&new, UnixMs(k)).unwrap();
                    }
                });
            }
        });
        assert_eq!(s.counts().unwrap().total(), 5, "each upstream id once, whatever thread came first");
    }

    #[test]
    fn a_refused_or_failed_transaction_leaves_the_indexes_alone() {
        let (_dir, _path, s) = store();
        let id = s.enqueue(&NewMessage::new("+1", "x", 1), UnixMs(0)).unwrap().message.id;
        let before = (s.counts().unwrap(), s.next_ready(UnixMs(0)).unwrap());
        // The write fails after the record was changed in the transaction: nothing of it stays.
        let e = s.write(|tx| {
            let old = tx.load_required(id)?;
            let mut new = old.clone();
            new.message.state = State::Cancelled { at: UnixMs(1) };
            tx.save(Some(&old), &mut new)?;
            Err::<(), _>(Error::InvalidInput("abandoned"))
        });
        assert!(matches!(e, Err(Error::InvalidInput("abandoned"))));
        assert_eq!((s.counts().unwrap(), s.next_ready(UnixMs(0)).unwrap()), before);
        assert_eq!(s.get(id).unwrap().unwrap().state, State::Queued);
    }

    #[test]
    fn backoff_takes_the_kth_entry_then_repeats_the_last() {
        let c = Config::default();
        let secs: Vec<u64> = (0..6).map(|k| c.backoff(k).as_secs()).collect();
        assert_eq!(secs, [30, 30, 120, 600, 600, 600]);
        let none = Config { backoff: Vec::new(), ..Config::default() };
        assert_eq!(none.backoff(3), std::time::Duration::ZERO);
    }
}
