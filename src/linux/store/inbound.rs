//! The inbound side of the store: received messages (reassembled from their parts), calls and
//! the auto-replies to them, the opt-out list, and the durable marks of work still to do for
//! them (pushing upstream, running the hook).
//!
//! They live in the queue's key space and commit through its transactions, so they are as
//! durable as the queue, `check` and `repair` cover them and both engines run them. A record
//! and its task marks are written in one transaction; so are the parts of a message and the
//! message assembled from them, and a call, its auto-reply and the reply memory. None of them
//! has an index in memory: what is read is a range of keys.
//!
//! The modem deletes a part only once `receive_part` has returned, so a crash in between makes
//! it hand the same PDU out again after the restart. Every part's PDU goes into the seen table
//! in the transaction that stores the part, and a PDU found there is a duplicate: a message is
//! never stored twice, nor a part of a set already assembled taken for the start of a new one.

use core::ops::ControlFlow;
use std::path::Path;

use serde::de::DeserializeOwned;

use super::engine::{scan_table, scan_until, Read, Table, Write};
use super::error::{Error, Result};
use super::inbound_model::{
    Arrival, CallOutcome, CallRecord, Fragment, InboundTasks, IncomingPart, NewCall, OptOut, ReceivedSms, SeenPdu,
    TaskKind, WaitingSet,
};
use super::model::{Compacted, Message, NewMessage, UnixMs};
use super::record::{self, be, read_be, RecordError};
use super::tx::{self, meta, Tx};
use super::{refuse, Store, COMPACT_BATCH};
use crate::codec::hex;
use crate::codec::pdu::MAX_PDU_OCTETS;

/// What stands in a released message's text for each part that never came.
pub const MISSING_PART: &str = "[…]";

/// The tables of the inbound side, in tag order.
pub(super) const TABLES: [Table; 7] =
    [Table::Fragments, Table::Received, Table::Calls, Table::Replies, Table::OptOuts, Table::Tasks, Table::Seen];

/// The parts of a set present, in part order, each with its number.
type Parts = Vec<(u8, Fragment)>;

/// A set of parts: one long message from one sender. The key of a part is the set's prefix and
/// the part's number, so a set is one range of keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SetKey {
    pub sender: String,
    pub reference: u16,
    pub sixteen_bit: bool,
    pub total: u8,
}

impl SetKey {
    /// `[sender length: u8][sender][reference width: 8 or 16][reference: u16 BE][total: u8]`:
    /// the sender's length first, so that no sender's prefix is another's.
    fn prefix(&self) -> Vec<u8> {
        let sender = self.sender.as_bytes();
        let mut k = Vec::with_capacity(sender.len() + 5);
        k.push(u8::try_from(sender.len()).unwrap_or(u8::MAX));
        k.extend_from_slice(sender);
        k.push(if self.sixteen_bit { 16 } else { 8 });
        k.extend_from_slice(&self.reference.to_be_bytes());
        k.push(self.total);
        k
    }

    fn key(&self, seq: u8) -> Vec<u8> {
        let mut k = self.prefix();
        k.push(seq);
        k
    }

    /// The set and part number a fragment key names; `None` when it is not such a key.
    pub fn parse(key: &[u8]) -> Option<(SetKey, u8)> {
        let (&len, rest) = key.split_first()?;
        let len = usize::from(len);
        let sender = std::str::from_utf8(rest.get(..len)?).ok()?;
        let [width, hi, lo, total, seq]: [u8; 5] = rest.get(len..)?.try_into().ok()?;
        let sixteen_bit = match width {
            8 => false,
            16 => true,
            _ => return None,
        };
        if total < 2 || seq == 0 || seq > total {
            return None;
        }
        Some((SetKey { sender: sender.into(), reference: u16::from_be_bytes([hi, lo]), sixteen_bit, total }, seq))
    }
}

/// The key of a task mark: `[kind][id: u64 BE]`.
fn task_key(kind: TaskKind, id: u64) -> [u8; 9] {
    let mut k = [0; 9];
    k[0] = kind.code();
    k[1..].copy_from_slice(&be(id));
    k
}

/// The key of a PDU in the seen table: its octets. `None` when `pdu_hex` is not the hex of 1 to
/// [`MAX_PDU_OCTETS`] octets.
fn seen_key(pdu_hex: &str) -> Option<Vec<u8>> {
    let mut octets = [0u8; MAX_PDU_OCTETS];
    let key = hex::decode_into(pdu_hex.as_bytes(), &mut octets).ok()?;
    (!key.is_empty()).then(|| key.to_vec())
}

/// Notes that the part whose PDU is `pdu_hex` arrived at `at` and went into `received` (`None`:
/// its set waits). A part whose PDU has no key (one stored before the seen table, by a caller
/// that did not check it) cannot be told again and is passed over.
fn mark_seen(w: &mut dyn Write, pdu_hex: &str, received: Option<u64>, at: UnixMs) -> Result<()> {
    match seen_key(pdu_hex) {
        Some(key) => put_seen(w, &key, received, at),
        None => Ok(()),
    }
}

/// The seen entry of the PDU whose key is `key`.
fn put_seen(w: &mut dyn Write, key: &[u8], received: Option<u64>, at: UnixMs) -> Result<()> {
    tx::put_record(w, Table::Seen, key, &SeenPdu { received, at })
}

/// Marks every part of a message just stored from `parts` as having gone into it.
fn mark_parts_seen(w: &mut dyn Write, parts: &[(u8, Fragment)], received: u64) -> Result<()> {
    for (_, f) in parts {
        mark_seen(w, &f.pdu_hex, Some(received), f.received)?;
    }
    Ok(())
}

/// The table of the records a kind of task is about.
fn task_table(kind: TaskKind) -> Table {
    if kind.is_call() {
        Table::Calls
    } else {
        Table::Received
    }
}

/// Takes the next id of a record sequence kept in meta. The counter is written with every
/// record; should it have been lost, the records above it still tell which ids were given.
fn take_record_id(w: &mut dyn Write, path: &Path, table: Table, name: &[u8]) -> Result<u64> {
    let mut id = tx::get_u64(w, path, Table::Meta, name)?.max(1);
    if let Some((k, _)) = w.range(table, &be(id), None, usize::MAX)?.last() {
        id = read_be(k, 0).map_or(id, |last| last.saturating_add(1));
    }
    tx::put_u64(w, Table::Meta, name, id.saturating_add(1))?;
    Ok(id)
}

/// The message `parts` (in part order, each at most once) make: the texts in order with
/// [`MISSING_PART`] for each part absent. `id` is filled in when it is stored.
fn assemble(sender: &str, total: u8, parts: &[(u8, Fragment)]) -> ReceivedSms {
    let mut text = String::new();
    let mut missing = Vec::new();
    let mut present = parts.iter().peekable();
    for seq in 1..=total.max(1) {
        match present.next_if(|(s, _)| *s == seq) {
            Some((_, f)) => text.push_str(&f.text),
            None => {
                missing.push(seq);
                text.push_str(MISSING_PART);
            }
        }
    }
    let first = parts.first().map(|(_, f)| f);
    ReceivedSms {
        id: 0,
        sender: sender.into(),
        text,
        binary: parts.iter().any(|(_, f)| f.binary),
        smsc: first.and_then(|f| f.smsc.clone()),
        sent_at: first.and_then(|f| f.sent_at.clone()),
        received: parts.iter().map(|(_, f)| f.received).min().unwrap_or_default(),
        completed: parts.iter().map(|(_, f)| f.received).max().unwrap_or_default(),
        parts: total.max(1),
        missing,
        pdus: parts.iter().map(|(_, f)| f.pdu_hex.clone()).collect(),
    }
}

/// Stores an assembled message under a new id, with its task marks.
fn store_received(w: &mut dyn Write, path: &Path, mut sms: ReceivedSms, tasks: InboundTasks) -> Result<ReceivedSms> {
    sms.id = take_record_id(w, path, Table::Received, meta::NEXT_RECEIVED)?;
    tx::put_record(w, Table::Received, &be(sms.id), &sms)?;
    if tasks.push {
        w.put(Table::Tasks, &task_key(TaskKind::PushReceived, sms.id), &[])?;
    }
    if tasks.hook {
        w.put(Table::Tasks, &task_key(TaskKind::Hook, sms.id), &[])?;
    }
    Ok(sms)
}

/// Stores a call record under a new id, with its task mark.
fn store_call(w: &mut dyn Write, path: &Path, call: &NewCall, tasks: InboundTasks) -> Result<CallRecord> {
    let record = CallRecord::new(take_record_id(w, path, Table::Calls, meta::NEXT_CALL)?, call);
    tx::put_record(w, Table::Calls, &be(record.id), &record)?;
    if tasks.push {
        w.put(Table::Tasks, &task_key(TaskKind::PushCall, record.id), &[])?;
    }
    Ok(record)
}

fn fragment_error(path: &Path, key: &[u8]) -> Error {
    Error::Corrupt { path: path.to_path_buf(), detail: format!("fragments key {} is malformed", tx::hex(key)) }
}

/// The parts of `set` stored so far, in part order.
fn set_parts(r: &mut dyn Read, path: &Path, set: &SetKey) -> Result<Parts> {
    let prefix = set.prefix();
    let mut out = Vec::new();
    // A set has at most 255 keys, all after its prefix and before any other set's.
    for (k, v) in r.range(Table::Fragments, &prefix, None, 256)? {
        if !k.starts_with(&prefix) {
            break;
        }
        let (_, seq) = SetKey::parse(&k).filter(|(s, _)| s == set).ok_or_else(|| fragment_error(path, &k))?;
        let f: Fragment = record::decode(&v).map_err(|e| tx::record_error(path, Table::Fragments, &k, e))?;
        out.push((seq, f));
    }
    Ok(out)
}

/// Every waiting set and its parts. The fragments table holds only sets not yet complete (a
/// set leaves it whole when its last part comes, or when it is released), so it is small.
fn all_sets(r: &mut dyn Read, path: &Path) -> Result<Vec<(SetKey, Parts)>> {
    let mut sets: Vec<(SetKey, Parts)> = Vec::new();
    scan_table(r, Table::Fragments, |_, (k, v)| {
        let (set, seq) = SetKey::parse(&k).ok_or_else(|| fragment_error(path, &k))?;
        let f: Fragment = record::decode(&v).map_err(|e| tx::record_error(path, Table::Fragments, &k, e))?;
        match sets.last_mut() {
            Some((s, parts)) if *s == set => parts.push((seq, f)),
            _ => sets.push((set, vec![(seq, f)])),
        }
        Ok(())
    })?;
    Ok(sets)
}

/// Up to `limit` records of `table` (keyed by id) with ids above `after`, ascending.
fn list_records<T: DeserializeOwned>(
    r: &mut dyn Read,
    path: &Path,
    table: Table,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<T>> {
    let from = match after {
        None => 0,
        Some(u64::MAX) => return Ok(Vec::new()),
        Some(id) => id + 1,
    };
    r.range(table, &be(from), None, limit)?
        .into_iter()
        .map(|(k, v)| record::decode(&v).map_err(|e| tx::record_error(path, table, &k, e)))
        .collect()
}

/// A number as a key of the replies or opt-out table.
fn number_key(number: &str) -> Result<&[u8]> {
    if number.is_empty() {
        return Err(Error::InvalidInput("empty number"));
    }
    Ok(number.as_bytes())
}

impl Store {
    /// Stores a received part durably, and its PDU in the seen table. When it completes its
    /// set (or is a one-part message) the message is assembled in part order and stored with
    /// its task marks, the set's parts are deleted and their seen entries point at the
    /// message, in the same transaction. A PDU already seen (the modem handed it out again,
    /// e.g. after a crash before it deleted it), or a part of a waiting set already stored, is
    /// [`Arrival::Duplicate`] and changes nothing. A concatenation header with part 0, a part
    /// beyond the total, or a total below 2 is ignored (TS 23.040 §9.2.3.24.1): the part is a
    /// message of its own. A `pdu_hex` that is not the hex of 1 to [`MAX_PDU_OCTETS`] octets is
    /// refused: without it a re-delivery could not be told.
    pub fn receive_part(&self, part: &IncomingPart, tasks: InboundTasks) -> Result<Arrival> {
        if part.sender.len() > usize::from(u8::MAX) {
            return Err(Error::InvalidInput("sender longer than 255 bytes"));
        }
        let seen =
            seen_key(&part.pdu_hex).ok_or(Error::InvalidInput("the PDU is empty, not hex, or longer than a PDU"))?;
        let set = part.concat.filter(|c| c.total >= 2 && c.seq >= 1 && c.seq <= c.total).map(|c| {
            let set = SetKey {
                sender: part.sender.clone(),
                reference: c.reference,
                sixteen_bit: c.sixteen_bit,
                total: c.total,
            };
            (set, c.seq)
        });
        self.write(|tx| {
            let path = tx.path;
            let w = tx.w();
            if w.get(Table::Seen, &seen)?.is_some() {
                return Ok(Arrival::Duplicate);
            }
            let Some((set, seq)) = &set else {
                let sms = assemble(&part.sender, 1, &[(1, Fragment::of(part))]);
                let sms = store_received(w, path, sms, tasks)?;
                put_seen(w, &seen, Some(sms.id), part.received)?;
                return Ok(Arrival::Complete(sms));
            };
            let key = set.key(*seq);
            if w.get(Table::Fragments, &key)?.is_some() {
                return Ok(Arrival::Duplicate);
            }
            let mut parts = set_parts(w, path, set)?;
            let have = parts.len() + 1;
            if have < usize::from(set.total) {
                tx::put_record(w, Table::Fragments, &key, &Fragment::of(part))?;
                put_seen(w, &seen, None, part.received)?;
                return Ok(Arrival::Waiting { have: u8::try_from(have).unwrap_or(u8::MAX), total: set.total });
            }
            // The last part is not written at all: the message takes its place.
            for (s, _) in &parts {
                w.delete(Table::Fragments, &set.key(*s))?;
            }
            parts.push((*seq, Fragment::of(part)));
            parts.sort_by_key(|(s, _)| *s);
            let sms = store_received(w, path, assemble(&set.sender, set.total, &parts), tasks)?;
            mark_parts_seen(w, &parts, sms.id)?;
            Ok(Arrival::Complete(sms))
        })
    }

    /// Releases every set whose latest part arrived before `older_than` as an incomplete
    /// message ([`MISSING_PART`] in the text where parts are missing, `missing` naming them),
    /// with its task marks, deletes its parts and points their seen entries at it; all in one
    /// transaction. Returns them in key order of their sets.
    pub fn release_stale_parts(&self, older_than: UnixMs, tasks: InboundTasks) -> Result<Vec<ReceivedSms>> {
        self.write(|tx| {
            let path = tx.path;
            let w = tx.w();
            let mut released = Vec::new();
            for (set, parts) in all_sets(w, path)? {
                if parts.iter().any(|(_, f)| f.received >= older_than) {
                    continue;
                }
                for (seq, _) in &parts {
                    w.delete(Table::Fragments, &set.key(*seq))?;
                }
                let sms = store_received(w, path, assemble(&set.sender, set.total, &parts), tasks)?;
                mark_parts_seen(w, &parts, sms.id)?;
                released.push(sms);
            }
            Ok(released)
        })
    }

    /// The sets still waiting for parts, in key order.
    pub fn waiting_parts(&self) -> Result<Vec<WaitingSet>> {
        self.read(|r, _, path| {
            Ok(all_sets(r, path)?
                .into_iter()
                .map(|(set, parts)| WaitingSet {
                    have: u8::try_from(parts.len()).unwrap_or(u8::MAX),
                    oldest: parts.iter().map(|(_, f)| f.received).min().unwrap_or_default(),
                    newest: parts.iter().map(|(_, f)| f.received).max().unwrap_or_default(),
                    sender: set.sender,
                    reference: set.reference,
                    sixteen_bit: set.sixteen_bit,
                    total: set.total,
                })
                .collect())
        })
    }

    pub fn received(&self, id: u64) -> Result<Option<ReceivedSms>> {
        self.read(|r, _, path| tx::get_record(r, path, Table::Received, &be(id)))
    }

    /// Up to `limit` received messages with ids above `after` (from the first when `None`),
    /// ascending by id.
    pub fn list_received(&self, after: Option<u64>, limit: usize) -> Result<Vec<ReceivedSms>> {
        self.read(|r, _, path| list_records(r, path, Table::Received, after, limit))
    }

    /// Stores a call and what was decided about it, with a [`TaskKind::PushCall`] mark when
    /// `tasks.push` (`tasks.hook` is for received messages and is ignored here).
    pub fn record_call(&self, call: &NewCall, tasks: InboundTasks) -> Result<CallRecord> {
        self.write(|tx| {
            let path = tx.path;
            store_call(tx.w(), path, call, tasks)
        })
    }

    /// Auto-replies to a call, in one transaction: queues `reply` as [`Store::enqueue`] does
    /// (at `call.at`), remembers `call.at` as the last reply to the caller, and stores the call
    /// with the outcome `Replied`, or `Deferred` when the reply is not to go before a later
    /// time (`call.outcome` is not used), and its task mark. The call needs its caller's
    /// normalised number. An invalid reply, or one whose upstream id was compacted away,
    /// stores nothing.
    pub fn record_call_with_reply(
        &self,
        call: &NewCall,
        reply: &NewMessage,
        tasks: InboundTasks,
    ) -> Result<(CallRecord, Message)> {
        let attempts = refuse(reply, self.config.default_attempts).map_err(Error::InvalidInput)?;
        let caller = number_key(call.caller.as_deref().unwrap_or_default())
            .map_err(|_| Error::InvalidInput("an auto-reply needs the caller's number"))?;
        self.write(|tx| {
            let message = Self::enqueue_in(tx, reply, attempts, call.at)??.message;
            let outcome = if reply.not_before > call.at {
                CallOutcome::Deferred { message: message.id, not_before: reply.not_before }
            } else {
                CallOutcome::Replied { message: message.id }
            };
            let path = tx.path;
            let w = tx.w();
            tx::put_record(w, Table::Replies, caller, &call.at)?;
            let record = store_call(w, path, &NewCall { outcome, ..call.clone() }, tasks)?;
            Ok((record, message))
        })
    }

    /// When the last auto-reply to `caller` was queued.
    pub fn last_reply(&self, caller: &str) -> Result<Option<UnixMs>> {
        self.read(|r, _, path| tx::get_record(r, path, Table::Replies, caller.as_bytes()))
    }

    /// Up to `limit` calls with ids above `after` (from the first when `None`), ascending by id.
    /// The call record `id`, if it is kept.
    pub fn call(&self, id: u64) -> Result<Option<CallRecord>> {
        self.read(|r, _, path| tx::get_record(r, path, Table::Calls, &be(id)))
    }

    pub fn list_calls(&self, after: Option<u64>, limit: usize) -> Result<Vec<CallRecord>> {
        self.read(|r, _, path| list_records(r, path, Table::Calls, after, limit))
    }

    /// Puts `number` on the opt-out list; true when it was not on it. A number already on it
    /// keeps its first record (when and how it opted out), and nothing is written.
    pub fn opt_out(&self, number: &str, keyword: &str, text: &str, at: UnixMs) -> Result<bool> {
        let key = number_key(number)?;
        self.write(|tx| {
            let w = tx.w();
            if w.get(Table::OptOuts, key)?.is_some() {
                return Ok(false);
            }
            let record = OptOut { at, keyword: keyword.into(), text: text.into() };
            tx::put_record(w, Table::OptOuts, key, &record)?;
            Ok(true)
        })
    }

    /// Takes `number` off the opt-out list; true when it was on it.
    pub fn opt_in(&self, number: &str) -> Result<bool> {
        let key = number_key(number)?;
        self.write(|tx| {
            let w = tx.w();
            if w.get(Table::OptOuts, key)?.is_none() {
                return Ok(false);
            }
            w.delete(Table::OptOuts, key)?;
            Ok(true)
        })
    }

    pub fn opted_out(&self, number: &str) -> Result<Option<OptOut>> {
        self.read(|r, _, path| tx::get_record(r, path, Table::OptOuts, number.as_bytes()))
    }

    /// The whole opt-out list, by number.
    pub fn list_opt_outs(&self) -> Result<Vec<(String, OptOut)>> {
        self.read(|r, _, path| {
            let mut out = Vec::new();
            scan_table(r, Table::OptOuts, |_, (k, v)| {
                let record = record::decode(&v).map_err(|e| tx::record_error(path, Table::OptOuts, &k, e))?;
                let number = String::from_utf8(k).map_err(|e| Error::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("opt-outs key {} is not text", tx::hex(e.as_bytes())),
                })?;
                out.push((number, record));
                Ok(())
            })?;
            Ok(out)
        })
    }

    /// The ids of up to `limit` records with a `kind` mark, ascending.
    pub fn tasks(&self, kind: TaskKind, limit: usize) -> Result<Vec<u64>> {
        let code = kind.code();
        self.read(|r, _, path| {
            r.range(Table::Tasks, &[code], Some(&[code + 1]), limit)?
                .into_iter()
                .map(|(k, _)| {
                    read_be(&k, 1).filter(|_| k.len() == 9).ok_or_else(|| Error::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!("tasks key {} is malformed", tx::hex(&k)),
                    })
                })
                .collect()
        })
    }

    /// The `kind` work for record `id` is done. Finishing a task not there does nothing.
    pub fn finish_task(&self, kind: TaskKind, id: u64) -> Result<()> {
        let key = task_key(kind, id);
        self.write(|tx| {
            let w = tx.w();
            if w.get(Table::Tasks, &key)?.is_some() {
                w.delete(Table::Tasks, &key)?;
            }
            Ok(())
        })
    }
}

/// Compaction of the inbound side, inside `Store::compact`'s transaction: received messages
/// and calls older than `cutoff` with no task pending (a message with the seen entries of its
/// PDUs), and reply memories and seen entries older than it.
///
/// Records are walked in id order from the first and the walk stops at the first one not old
/// enough: ids follow arrival, so at most the few released out of order wait for the record
/// before them to age too. A record with a task pending is kept (and counted) whatever its
/// age. At most `COMPACT_BATCH` records of each table are examined per call.
pub(super) fn compact(tx: &mut Tx<'_>, cutoff: UnixMs, report: &mut Compacted) -> Result<()> {
    let path = tx.path;
    let w = tx.w();
    let kinds = [TaskKind::PushReceived, TaskKind::Hook];
    let mut seen_gone = 0u64;
    let (n, kept) = compact_records(
        w,
        path,
        Table::Received,
        cutoff,
        &kinds,
        |s: &ReceivedSms| s.completed,
        |w, s| {
            for key in s.pdus.iter().filter_map(|pdu| seen_key(pdu)) {
                if w.get(Table::Seen, &key)?.is_some() {
                    w.delete(Table::Seen, &key)?;
                    seen_gone += 1;
                }
            }
            Ok(())
        },
    )?;
    report.received += n;
    report.kept_pending += kept;
    let (n, kept) =
        compact_records(w, path, Table::Calls, cutoff, &[TaskKind::PushCall], |c: &CallRecord| c.at, |_, _| Ok(()))?;
    report.calls += n;
    report.kept_pending += kept;
    report.replies += compact_by_time(w, path, Table::Replies, cutoff, |at: &UnixMs| *at)?;
    // A re-delivery comes right after a restart, so an entry older than the retention has done
    // its work even when its message is kept (for a pending task) or its set still waits.
    report.seen += seen_gone + compact_by_time(w, path, Table::Seen, cutoff, |s: &SeenPdu| s.at)?;
    Ok(())
}

/// Removes the entries of `table` (not ordered by time, so every one is read) whose time is
/// before `cutoff`, at most `COMPACT_BATCH`; returns how many went.
fn compact_by_time<T: DeserializeOwned>(
    w: &mut dyn Write,
    path: &Path,
    table: Table,
    cutoff: UnixMs,
    time: impl Fn(&T) -> UnixMs,
) -> Result<u64> {
    let mut removed = 0usize;
    scan_until(w, table, |w, (k, v)| {
        let entry: T = record::decode(&v).map_err(|e| tx::record_error(path, table, &k, e))?;
        if time(&entry) < cutoff {
            if removed == COMPACT_BATCH {
                return Ok(ControlFlow::Break(()));
            }
            w.delete(table, &k)?;
            removed += 1;
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(removed as u64)
}

/// Removes records of `table` older than `cutoff` (by `time`) with no `kinds` task pending,
/// each with what `also` removes along with it; returns (removed, kept for a pending task).
fn compact_records<T: DeserializeOwned>(
    w: &mut dyn Write,
    path: &Path,
    table: Table,
    cutoff: UnixMs,
    kinds: &[TaskKind],
    time: impl Fn(&T) -> UnixMs,
    mut also: impl FnMut(&mut dyn Write, &T) -> Result<()>,
) -> Result<(u64, u64)> {
    let (mut removed, mut kept, mut examined) = (0u64, 0u64, 0usize);
    scan_until(w, table, |w, (k, v)| {
        if examined == COMPACT_BATCH {
            return Ok(ControlFlow::Break(()));
        }
        examined += 1;
        let record: T = record::decode(&v).map_err(|e| tx::record_error(path, table, &k, e))?;
        if time(&record) >= cutoff {
            return Ok(ControlFlow::Break(()));
        }
        let id = read_be(&k, 0).filter(|_| k.len() == 8).ok_or_else(|| Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("{} key {} is not an id", table.name(), tx::hex(&k)),
        })?;
        let mut pending = false;
        for kind in kinds {
            pending |= w.get(Table::Tasks, &task_key(*kind, id))?.is_some();
        }
        if pending {
            kept += 1;
        } else {
            w.delete(table, &k)?;
            also(w, &record)?;
            removed += 1;
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok((removed, kept))
}

/// Why an entry of an inbound table does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Bad {
    /// The value is not a record of this build (damaged, or a later version).
    Record(RecordError),
    /// The record reads but does not fit its key, or the key is not one of the table's.
    Shape(String),
}

impl Bad {
    pub fn detail(&self) -> String {
        match self {
            Bad::Record(e) => e.to_string(),
            Bad::Shape(s) => s.clone(),
        }
    }
}

/// What an entry of an inbound table that reads refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Checked {
    /// A received message or call record with this id.
    Id(u64),
    /// A task mark for this record.
    Task(TaskKind, u64),
    /// A seen PDU, and the received message it went into (`None`: its set waits).
    Seen(Option<u64>),
    /// A part, a reply memory or an opt-out.
    Entry,
}

/// Reads one entry of an inbound table (`check` and `repair` go through this), without the
/// other tables: whether a task's record is there is the caller's to check.
pub(super) fn verify(table: Table, key: &[u8], value: &[u8]) -> Result<Checked, Bad> {
    fn decode<T: DeserializeOwned>(value: &[u8]) -> Result<T, Bad> {
        record::decode(value).map_err(Bad::Record)
    }
    let id_key = || read_be(key, 0).filter(|_| key.len() == 8).ok_or_else(|| Bad::Shape("key is not an id".into()));
    let number_key = || match std::str::from_utf8(key) {
        Ok(n) if !n.is_empty() => Ok(()),
        _ => Err(Bad::Shape("key is not a number".into())),
    };
    match table {
        Table::Fragments => {
            SetKey::parse(key).ok_or_else(|| Bad::Shape("key is not a part of a set".into()))?;
            decode::<Fragment>(value)?;
            Ok(Checked::Entry)
        }
        Table::Received => {
            let id = id_key()?;
            let s: ReceivedSms = decode(value)?;
            if s.id != id {
                return Err(Bad::Shape(format!("holds received message {}", s.id)));
            }
            if s.parts == 0 || s.missing.iter().any(|&m| m == 0 || m > s.parts) {
                return Err(Bad::Shape(format!("{} parts, missing {:?}", s.parts, s.missing)));
            }
            Ok(Checked::Id(id))
        }
        Table::Calls => {
            let id = id_key()?;
            let c: CallRecord = decode(value)?;
            if c.id != id {
                return Err(Bad::Shape(format!("holds call {}", c.id)));
            }
            Ok(Checked::Id(id))
        }
        Table::Replies => {
            number_key()?;
            decode::<UnixMs>(value)?;
            Ok(Checked::Entry)
        }
        Table::OptOuts => {
            number_key()?;
            decode::<OptOut>(value)?;
            Ok(Checked::Entry)
        }
        Table::Tasks => {
            let kind = key.first().and_then(|&c| TaskKind::from_code(c));
            let id = read_be(key, 1).filter(|_| key.len() == 9);
            let (Some(kind), Some(id)) = (kind, id) else {
                return Err(Bad::Shape("key is not a task".into()));
            };
            if !value.is_empty() {
                return Err(Bad::Shape(format!("a value of {} bytes where none belongs", value.len())));
            }
            Ok(Checked::Task(kind, id))
        }
        Table::Seen => {
            if key.is_empty() || key.len() > MAX_PDU_OCTETS {
                return Err(Bad::Shape(format!("a key of {} octets is not a PDU", key.len())));
            }
            let seen: SeenPdu = decode(value)?;
            Ok(Checked::Seen(seen.received))
        }
        Table::Meta | Table::Messages | Table::Upstream | Table::Quarantine => {
            Err(Bad::Shape(format!("{} is not an inbound table", table.name())))
        }
    }
}

/// Whether the record a task is about is in `r`.
pub(super) fn task_target_exists(r: &mut dyn Read, kind: TaskKind, id: u64) -> Result<bool> {
    Ok(r.get(task_table(kind), &be(id))?.is_some())
}

/// Whether received message `id` is in `r`.
pub(super) fn received_exists(r: &mut dyn Read, id: u64) -> Result<bool> {
    Ok(r.get(Table::Received, &be(id))?.is_some())
}

/// Whether a seen entry that reads (`value`) says more than `other` does: it names the message
/// its part went into and the other does not (an entry only ever goes from waiting to that).
pub(super) fn seen_is_later(value: &[u8], other: &[u8]) -> bool {
    let received = |v: &[u8]| record::decode::<SeenPdu>(v).ok().and_then(|s| s.received);
    received(value).is_some() && received(other).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(text: &str, received: u64) -> Fragment {
        Fragment {
            text: text.into(),
            binary: false,
            smsc: Some(format!("smsc-{text}")),
            sent_at: None,
            pdu_hex: format!("pdu-{text}"),
            received: UnixMs(received),
        }
    }

    #[test]
    fn assembly_puts_parts_in_order_and_marks_the_missing() {
        // (total, parts present as (seq, text, arrival)), text, missing, received, completed
        type Case = (u8, &'static [(u8, &'static str, u64)], &'static str, &'static [u8], u64, u64);
        let cases: [Case; 5] = [
            (1, &[(1, "hi", 5)], "hi", &[], 5, 5),
            (3, &[(1, "a", 9), (2, "b", 3), (3, "c", 7)], "abc", &[], 3, 9),
            (3, &[(1, "a", 1), (3, "c", 2)], "a[…]c", &[2], 1, 2),
            (4, &[(2, "b", 4)], "[…]b[…][…]", &[1, 3, 4], 4, 4),
            (2, &[(2, "z", 8)], "[…]z", &[1], 8, 8),
        ];
        for (total, present, text, missing, received, completed) in cases {
            let parts: Vec<(u8, Fragment)> = present.iter().map(|&(s, t, at)| (s, frag(t, at))).collect();
            let m = assemble("+41", total, &parts);
            assert_eq!(m.text, text, "{present:?}");
            assert_eq!(m.missing, missing, "{present:?}");
            assert_eq!((m.received, m.completed), (UnixMs(received), UnixMs(completed)), "{present:?}");
            assert_eq!(m.parts, total);
            assert_eq!(m.is_complete(), missing.is_empty());
            assert_eq!(m.pdus.len(), present.len());
            assert_eq!(m.smsc, Some(format!("smsc-{}", present[0].1)), "of the lowest part present");
        }
    }

    #[test]
    fn set_keys_read_back_and_refuse_what_is_not_one() {
        let set = SetKey { sender: "+4179".into(), reference: 0x1234, sixteen_bit: true, total: 3 };
        let key = set.key(2);
        assert_eq!(key, [5, b'+', b'4', b'1', b'7', b'9', 16, 0x12, 0x34, 3, 2]);
        assert_eq!(SetKey::parse(&key), Some((set.clone(), 2)));
        let eight = SetKey { sixteen_bit: false, reference: 7, ..set.clone() };
        assert_eq!(SetKey::parse(&eight.key(3)), Some((eight.clone(), 3)));
        assert!(!eight.key(1).starts_with(&set.prefix()), "the width is part of the set");
        let longer = SetKey { sender: "+41790".into(), ..set.clone() };
        assert!(!longer.key(1).starts_with(&set.prefix()), "no sender's key starts another's");
        let bad: [&[u8]; 6] = [
            &[],
            &[5, b'+', b'4', b'1', b'7', b'9', 16, 0x12, 0x34, 3], // no seq
            &[5, b'+', b'4', b'1', b'7', b'9', 12, 0x12, 0x34, 3, 2], // width 12
            &[5, b'+', b'4', b'1', b'7', b'9', 16, 0x12, 0x34, 3, 4], // seq beyond total
            &[5, b'+', b'4', b'1', b'7', b'9', 16, 0x12, 0x34, 3, 0], // seq 0
            &[5, b'+', b'4', b'1', b'7', b'9', 16, 0x12, 0x34, 3, 1, 0], // a byte too many
        ];
        for key in bad {
            assert_eq!(SetKey::parse(key), None, "{key:?}");
        }
    }

    #[test]
    fn verify_names_what_does_not_fit() {
        let sms = assemble("+41", 1, &[(1, frag("x", 1))]);
        let mut seven = sms.clone();
        seven.id = 7;
        let call = CallRecord {
            id: 3,
            at: UnixMs(1),
            number: None,
            caller: None,
            rings: 1,
            hung_up: true,
            outcome: CallOutcome::NotAnswered,
        };
        let task = task_key(TaskKind::Hook, 7);
        let seen = |received| record::encode(&SeenPdu { received, at: UnixMs(4) });
        let longest = [0x07; MAX_PDU_OCTETS];
        let too_long = [0x07; MAX_PDU_OCTETS + 1];
        // table, key, value, what it checks as (or that it does not)
        type Case<'a> = (Table, &'a [u8], Vec<u8>, Result<Checked, ()>);
        let cases: [Case; 15] = [
            (Table::Received, &be(7), record::encode(&seven), Ok(Checked::Id(7))),
            (Table::Received, &be(8), record::encode(&seven), Err(())),
            (Table::Received, &[7], record::encode(&seven), Err(())),
            (Table::Calls, &be(3), record::encode(&call), Ok(Checked::Id(3))),
            (Table::Calls, &be(3), record::encode(&seven), Err(())),
            (Table::Tasks, &task, Vec::new(), Ok(Checked::Task(TaskKind::Hook, 7))),
            (Table::Tasks, &task, vec![1], Err(())),
            (Table::Replies, b"+41", record::encode(&UnixMs(5)), Ok(Checked::Entry)),
            (Table::Seen, &[0x07, 0x91], seen(Some(7)), Ok(Checked::Seen(Some(7)))),
            (Table::Seen, &longest, seen(None), Ok(Checked::Seen(None))),
            (Table::Seen, &too_long, seen(None), Err(())),
            (Table::Seen, &[], seen(None), Err(())),
            (Table::Seen, &[0x07], record::encode(&UnixMs(5)), Err(())),
            (Table::Seen, &[0x07], Vec::new(), Err(())),
            (
                Table::OptOuts,
                b"",
                record::encode(&OptOut { at: UnixMs(1), keyword: "x".into(), text: "x".into() }),
                Err(()),
            ),
        ];
        for (table, key, value, want) in cases {
            assert_eq!(verify(table, key, &value).map_err(|_| ()), want, "{} {key:?}", table.name());
        }
        let mut flipped = record::encode(&seven);
        flipped[3] ^= 1;
        assert_eq!(verify(Table::Received, &be(7), &flipped), Err(Bad::Record(RecordError::Checksum)));
    }

    /// The record formats are the field order of these types: pinned, so a change that would
    /// misread existing stores fails here.
    #[test]
    fn inbound_record_bytes_are_pinned() {
        let sms = ReceivedSms {
            id: 2,
            sender: "+4".into(),
            text: "ab".into(),
            binary: false,
            smsc: None,
            sent_at: Some("t".into()),
            received: UnixMs(3),
            completed: UnixMs(4),
            parts: 2,
            missing: vec![2],
            pdus: vec!["00".into()],
        };
        let body: &[u8] = &[1, 2, 2, b'+', b'4', 2, b'a', b'b', 0, 0, 1, 1, b't', 3, 4, 2, 1, 2, 1, 2, b'0', b'0'];
        let bytes = record::encode(&sms);
        assert_eq!(&bytes[..bytes.len() - 4], body);
        let call = CallRecord {
            id: 1,
            at: UnixMs(5),
            number: Some("0".into()),
            caller: None,
            rings: 3,
            hung_up: true,
            outcome: CallOutcome::Deferred { message: super::super::model::MessageId(9), not_before: UnixMs(6) },
        };
        let bytes = record::encode(&call);
        assert_eq!(&bytes[..bytes.len() - 4], &[1, 1, 5, 1, 1, b'0', 0, 3, 1, 1, 9, 6]);
        let f = frag("x", 7);
        let bytes = record::encode(&f);
        let body: &[u8] =
            &[1, 1, b'x', 0, 1, 6, b's', b'm', b's', b'c', b'-', b'x', 0, 5, b'p', b'd', b'u', b'-', b'x', 7];
        assert_eq!(&bytes[..bytes.len() - 4], body);
        let o = OptOut { at: UnixMs(1), keyword: "S".into(), text: "S!".into() };
        let bytes = record::encode(&o);
        assert_eq!(&bytes[..bytes.len() - 4], &[1, 1, 1, b'S', 2, b'S', b'!']);
        let bytes = record::encode(&SeenPdu { received: Some(9), at: UnixMs(5) });
        assert_eq!(&bytes[..bytes.len() - 4], &[1, 1, 9, 5]);
        let bytes = record::encode(&SeenPdu { received: None, at: UnixMs(5) });
        assert_eq!(&bytes[..bytes.len() - 4], &[1, 0, 5]);
    }

    #[test]
    fn seen_keys_are_the_pdu_octets() {
        let longest = "AB".repeat(MAX_PDU_OCTETS);
        let too_long = "AB".repeat(MAX_PDU_OCTETS + 1);
        // hex as the modem printed it, the key (or none)
        let cases: [(&str, Option<&[u8]>); 7] = [
            ("0791", Some(&[0x07, 0x91])),
            ("0a0B", Some(&[0x0A, 0x0B])),
            (&longest, Some(&[0xAB; MAX_PDU_OCTETS])),
            (&too_long, None),
            ("", None),
            ("079", None),
            ("07G1", None),
        ];
        for (pdu, want) in cases {
            assert_eq!(seen_key(pdu).as_deref(), want, "{pdu}");
        }
        assert_eq!(seen_key("0A0B"), seen_key("0a0b"), "either case is the same PDU");
    }

    #[test]
    fn seen_is_later_only_when_it_names_the_message_the_other_does_not() {
        let seen = |received| record::encode(&SeenPdu { received, at: UnixMs(4) });
        // value, the other, later
        let cases = [
            (seen(Some(3)), seen(None), true),
            (seen(None), seen(Some(3)), false),
            (seen(None), seen(None), false),
            (seen(Some(3)), seen(Some(3)), false),
            (seen(Some(3)), vec![0xFF], true),
            (vec![0xFF], seen(None), false),
        ];
        for (value, other, later) in cases {
            assert_eq!(seen_is_later(&value, &other), later, "{value:?} over {other:?}");
        }
    }
}
