//! Inside a transaction: typed records over the byte tables, and [`Tx`], through which every
//! change of a message record goes so that the in-memory indexes follow it once the
//! transaction commits.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::engine::{Read, Table, Write};
use super::error::{Error, Result};
use super::index::{Counters, Facts, Index};
use super::model::{MessageId, StateKind, UnixMs};
use super::record::{self, be, read_be, RecordError, RECORD_VERSION};
use super::stored::{ChangeEntry, PushEntry, Stored, What};

/// Names of the values in the meta table; each is a big-endian `u64`.
pub mod meta {
    /// The store format (2). A newer build bumps it when the layout changes.
    pub const FORMAT: &[u8] = b"format";
    /// Upstream has acknowledged every push up to this sequence number.
    pub const ACKED_PUSH: &[u8] = b"acked_push";
    /// Floors of counters derived from the records at open, written when records are removed
    /// (compaction, repair) so a number is never given out twice.
    pub const NEXT_ID: &[u8] = b"next_id";
    pub const LAST_PUSH: &[u8] = b"last_push";
    pub const NEXT_CHANGE: &[u8] = b"next_change";
    /// Unknown outcomes of messages compacted away (life counters).
    pub const UNKNOWN_RESENT: &[u8] = b"unknown_resent";
    pub const UNKNOWN_FAILED: &[u8] = b"unknown_failed";
    pub const NEXT_QUARANTINE: &[u8] = b"next_quarantine";
    /// The ids the next received message and the next call record get. Kept here (not derived
    /// from the records at open) because compaction removes the newest records too.
    pub const NEXT_RECEIVED: &[u8] = b"next_received";
    pub const NEXT_CALL: &[u8] = b"next_call";

    pub const ALL: [&[u8]; 10] = [
        FORMAT,
        ACKED_PUSH,
        NEXT_ID,
        LAST_PUSH,
        NEXT_CHANGE,
        UNKNOWN_RESENT,
        UNKNOWN_FAILED,
        NEXT_QUARANTINE,
        NEXT_RECEIVED,
        NEXT_CALL,
    ];
}

/// The store format this build reads and writes: 2, one key space with the indexes in memory
/// (1 kept a table per index). The inbound tables (fragments, received, calls, replies,
/// opt-outs, tasks, seen) came later within format 2: a store without them is one where they are
/// empty, so it opens unchanged.
pub const FORMAT_VERSION: u64 = 2;

/// Turns a record that does not read into the store's error, naming where it is.
pub fn record_error(path: &Path, table: Table, key: &[u8], e: RecordError) -> Error {
    match e {
        RecordError::Version(found) => {
            Error::UnsupportedVersion { path: path.to_path_buf(), what: table.name(), found, supported: RECORD_VERSION }
        }
        other => Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("{} record {}: {other}", table.name(), hex(key)),
        },
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn get_record<T: DeserializeOwned>(r: &mut dyn Read, path: &Path, table: Table, key: &[u8]) -> Result<Option<T>> {
    match r.get(table, key)? {
        None => Ok(None),
        Some(bytes) => record::decode(&bytes).map(Some).map_err(|e| record_error(path, table, key, e)),
    }
}

pub fn put_record<T: Serialize>(w: &mut dyn Write, table: Table, key: &[u8], value: &T) -> Result<()> {
    w.put(table, key, &record::encode(value))
}

/// A `u64` value; absent reads as 0.
pub fn get_u64(r: &mut dyn Read, path: &Path, table: Table, key: &[u8]) -> Result<u64> {
    match r.get(table, key)? {
        None => Ok(0),
        Some(v) => read_be(&v, 0).filter(|_| v.len() == 8).ok_or_else(|| Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("{} value for {} has {} bytes, not 8", table.name(), hex(key), v.len()),
        }),
    }
}

pub fn put_u64(w: &mut dyn Write, table: Table, key: &[u8], n: u64) -> Result<()> {
    w.put(table, key, &be(n))
}

/// Takes the next number of a sequence kept in meta.
pub fn take_next(w: &mut dyn Write, path: &Path, name: &[u8]) -> Result<u64> {
    let n = get_u64(w, path, Table::Meta, name)?;
    put_u64(w, Table::Meta, name, n.saturating_add(1))?;
    Ok(n)
}

pub fn load(r: &mut dyn Read, path: &Path, id: MessageId) -> Result<Option<Stored>> {
    get_record(r, path, Table::Messages, &be(id.0))
}

pub fn load_required(r: &mut dyn Read, path: &Path, id: MessageId) -> Result<Stored> {
    load(r, path, id)?.ok_or(Error::NotFound(id))
}

/// What the upstream table says of an upstream id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamEntry {
    /// Queued as this message, which is kept.
    Kept(MessageId),
    /// Queued as this message, which ended so and was compacted away.
    Tombstone(MessageId, StateKind),
}

/// A tombstone's value: the id (8 bytes) and the final state's code. A kept entry is the id
/// alone, so the length tells them apart.
pub fn tombstone_value(id: MessageId, state: StateKind) -> [u8; 9] {
    let mut v = [0; 9];
    v[..8].copy_from_slice(&be(id.0));
    v[8] = state.code();
    v
}

pub fn decode_upstream(value: &[u8]) -> Option<UpstreamEntry> {
    let id = MessageId(read_be(value, 0)?);
    match value.len() {
        8 => Some(UpstreamEntry::Kept(id)),
        9 => Some(UpstreamEntry::Tombstone(id, StateKind::from_code(*value.get(8)?)?)),
        _ => None,
    }
}

pub fn get_upstream(r: &mut dyn Read, path: &Path, upstream_id: u64) -> Result<Option<UpstreamEntry>> {
    match r.get(Table::Upstream, &be(upstream_id))? {
        None => Ok(None),
        Some(v) => decode_upstream(&v).map(Some).ok_or_else(|| Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("upstream entry {upstream_id} is malformed ({} bytes)", v.len()),
        }),
    }
}

/// What a transaction changed in the indexes, applied once it has committed.
#[derive(Debug, Default)]
pub struct Staged {
    pub counters: Counters,
    pub deltas: Vec<(Option<Facts>, Option<Facts>)>,
    pub acknowledged: Option<u64>,
}

/// A write transaction of the queue: the engine's transaction, the committed indexes to read
/// and the counters it advances. Message records change only through [`Tx::save`] and
/// [`Tx::remove`], which note the index changes to apply when the commit succeeds.
pub struct Tx<'a> {
    w: &'a mut dyn Write,
    pub path: &'a Path,
    index: &'a Index,
    staged: Staged,
}

impl<'a> Tx<'a> {
    pub fn new(w: &'a mut dyn Write, path: &'a Path, index: &'a Index) -> Tx<'a> {
        Tx { w, path, index, staged: Staged { counters: index.counters, ..Staged::default() } }
    }

    /// The indexes as of the last commit (not this transaction's changes).
    pub fn index(&self) -> &Index {
        self.index
    }

    pub fn counters(&mut self) -> &mut Counters {
        &mut self.staged.counters
    }

    pub fn w(&mut self) -> &mut dyn Write {
        &mut *self.w
    }

    pub fn finish(self) -> Staged {
        self.staged
    }

    pub fn load(&mut self, id: MessageId) -> Result<Option<Stored>> {
        load(self.w, self.path, id)
    }

    pub fn load_required(&mut self, id: MessageId) -> Result<Stored> {
        load_required(self.w, self.path, id)
    }

    /// A new message id.
    pub fn take_id(&mut self) -> MessageId {
        let c = &mut self.staged.counters;
        let id = c.next_id.max(1);
        c.next_id = id.saturating_add(1);
        MessageId(id)
    }

    /// Writes `new` (whose previous record was `old`) and notes the index changes. Pushes
    /// upstream has acknowledged are dropped from the record on the way.
    pub fn save(&mut self, old: Option<&Stored>, new: &mut Stored) -> Result<()> {
        let acked = self.staged.counters.acked_push;
        new.pushes.retain(|p| p.seq > acked);
        put_record(self.w, Table::Messages, &be(new.id().0), new)?;
        self.staged.deltas.push((old.map(Facts::of), Some(Facts::of(new))));
        Ok(())
    }

    /// Removes a message's record and notes the index changes.
    pub fn remove(&mut self, s: &Stored) -> Result<()> {
        self.w.delete(Table::Messages, &be(s.id().0))?;
        self.staged.deltas.push((Some(Facts::of(s)), None));
        Ok(())
    }

    /// Upstream has every push up to `mark`: recorded in meta, and the index forgets them.
    pub fn acknowledge(&mut self, mark: u64) -> Result<()> {
        put_u64(self.w, Table::Meta, meta::ACKED_PUSH, mark)?;
        self.staged.counters.acked_push = mark;
        self.staged.acknowledged = Some(mark);
        Ok(())
    }

    /// Appends what upstream must learn about the message (if it came from upstream) to its
    /// record; the message is kept until upstream has taken it.
    pub fn push(&mut self, s: &mut Stored, at: UnixMs) {
        if s.message.upstream_id.is_none() {
            return;
        }
        let c = &mut self.staged.counters;
        c.last_push = c.last_push.saturating_add(1);
        let m = &mut s.message;
        s.pushes.push(PushEntry {
            seq: c.last_push,
            at,
            state: m.state.kind(),
            attempts_left: m.attempts_left,
            parts_sent: m.parts_sent(),
            error: m.last_error.clone(),
        });
        m.last_push = Some(c.last_push);
    }

    /// Appends an entry to the message's history.
    pub fn change(&mut self, s: &mut Stored, from: Option<StateKind>, what: What, at: UnixMs) {
        let c = &mut self.staged.counters;
        let seq = c.next_change;
        c.next_change = seq.saturating_add(1);
        s.changes.push(ChangeEntry { seq, at, from, to: s.message.state.kind(), what });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_entries_by_length() {
        assert_eq!(decode_upstream(&be(7)), Some(UpstreamEntry::Kept(MessageId(7))));
        let t = tombstone_value(MessageId(7), StateKind::Delivered);
        assert_eq!(decode_upstream(&t), Some(UpstreamEntry::Tombstone(MessageId(7), StateKind::Delivered)));
        let mut bad = t;
        bad[8] = 6;
        assert_eq!(decode_upstream(&bad), None, "no state 6");
        assert_eq!(decode_upstream(&t[..7]), None);
        assert_eq!(decode_upstream(&[0; 10]), None);
    }
}
