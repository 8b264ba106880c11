//! What the queue needs from a storage engine: one ordered byte-keyed space, divided into
//! tables by a one-byte key prefix, and atomic, durable transactions over it. The queue logic
//! is written once against these traits; each engine (redb, sled) implements them, and both
//! run the same tests.
//!
//! One key space rather than a redb table (or sled tree) per table: every table a commit
//! touches costs its own root-to-leaf path of pages in redb, so the queue is laid out for
//! commits that touch one key (`memory-layout/store.md`).

use core::ops::ControlFlow;

use super::error::Result;

/// The store's tables: a prefix byte on every key. `memory-layout/store.md` describes their
/// keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// Format version, the push acknowledgement mark, and the floors of counters that are
    /// otherwise derived from the records at open.
    Meta,
    /// id → message record (the message, its unacknowledged pushes and its history).
    Messages,
    /// upstream id → id while the message is kept, then a tombstone (id, final state) forever:
    /// makes enqueueing idempotent, also after compaction.
    Upstream,
    /// seq → quarantined record: what a repair could not decode.
    Quarantine,
    /// (sender, reference, its width, total) · seq → a received part waiting for its siblings;
    /// a set's parts are one range of keys.
    Fragments,
    /// id → received message.
    Received,
    /// id → call record.
    Calls,
    /// normalised caller → when the last auto-reply to them was queued.
    Replies,
    /// normalised number → opt-out record.
    OptOuts,
    /// (kind, id) → nothing: work still to do for a received message or a call.
    Tasks,
    /// PDU octets as received → the received message they went into (none while their set
    /// waits) and when: a PDU the modem hands out again is known for what it is.
    Seen,
}

impl Table {
    /// Every table, in tag order.
    pub const ALL: [Table; 11] = [
        Table::Meta,
        Table::Messages,
        Table::Upstream,
        Table::Quarantine,
        Table::Fragments,
        Table::Received,
        Table::Calls,
        Table::Replies,
        Table::OptOuts,
        Table::Tasks,
        Table::Seen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Meta => "meta",
            Table::Messages => "messages",
            Table::Upstream => "upstream",
            Table::Quarantine => "quarantine",
            Table::Fragments => "fragments",
            Table::Received => "received",
            Table::Calls => "calls",
            Table::Replies => "replies",
            Table::OptOuts => "opt-outs",
            Table::Tasks => "tasks",
            Table::Seen => "seen",
        }
    }

    /// The key prefix. The tags of format 1's tables are kept where the table is the same, so
    /// that a format-1 sled store shows its format record where this build looks for it; the
    /// tables added since take tags above all of format 1's (3–11), so no entry a format-1
    /// store left can be read as theirs.
    pub fn tag(self) -> u8 {
        match self {
            Table::Meta => 0,
            Table::Messages => 1,
            Table::Upstream => 2,
            Table::Quarantine => 11,
            Table::Fragments => 12,
            Table::Received => 13,
            Table::Calls => 14,
            Table::Replies => 15,
            Table::OptOuts => 16,
            Table::Tasks => 17,
            Table::Seen => 18,
        }
    }
}

/// `key` under `table`'s prefix.
pub fn full_key(table: Table, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(table.tag());
    k.extend_from_slice(key);
    k
}

/// The exclusive end of `table`'s keys (tags are below 0xFF, so the next tag bounds it).
pub fn table_end(table: Table) -> Vec<u8> {
    vec![table.tag().saturating_add(1)]
}

/// A key-value pair read from a table.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Reading inside a transaction.
pub trait Read {
    fn get(&mut self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Up to `limit` entries with `from <= key` (and `key < to` when given), in key order.
    fn range(&mut self, table: Table, from: &[u8], to: Option<&[u8]>, limit: usize) -> Result<Vec<Entry>>;
}

/// Writing inside a transaction: nothing is visible or durable until the transaction commits.
pub trait Write: Read {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()>;
    fn delete(&mut self, table: Table, key: &[u8]) -> Result<()>;
}

/// A storage engine. `write` runs `f` in one transaction and commits it durably (on flash
/// when it returns `Ok`); when `f` fails, nothing of it is kept.
pub trait Engine: Send + Sync {
    fn read(&self, f: &mut dyn FnMut(&mut dyn Read) -> Result<()>) -> Result<()>;
    fn write(&self, f: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<()>;
}

/// The smallest key greater than `key`: where a paged scan continues.
pub fn successor(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// Entries a scan reads per step, so that its memory does not grow with the table.
const SCAN_PAGE: usize = 256;

/// Every entry of `table` in the transaction `r`, in key order, a page at a time, until `f`
/// breaks. `f` may change the table (a `Write` transaction): a page is read before any of its
/// entries is handed out, and the next one starts after the page's last key.
pub fn scan_until<R: Read + ?Sized>(
    r: &mut R,
    table: Table,
    mut f: impl FnMut(&mut R, Entry) -> Result<ControlFlow<()>>,
) -> Result<()> {
    let mut from = Vec::new();
    loop {
        let page = r.range(table, &from, None, SCAN_PAGE)?;
        let Some((last, _)) = page.last() else { return Ok(()) };
        from = successor(last);
        for entry in page {
            if f(r, entry)?.is_break() {
                return Ok(());
            }
        }
    }
}

/// Every entry of `table` in the transaction `r`, in key order, a page at a time.
pub fn scan_table<R: Read + ?Sized>(
    r: &mut R,
    table: Table,
    mut f: impl FnMut(&mut R, Entry) -> Result<()>,
) -> Result<()> {
    scan_until(r, table, |r, entry| f(r, entry).map(|()| ControlFlow::Continue(())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_is_the_next_key() {
        assert_eq!(successor(&[1]), vec![1, 0]);
        assert!(successor(&[1, 0xFF]).as_slice() > &[1, 0xFF][..]);
    }

    #[test]
    fn tables_have_distinct_tags_below_ff() {
        let all = Table::ALL;
        let tags: Vec<u8> = all.iter().map(|t| t.tag()).collect();
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "distinct, in tag order: {tags:?}");
        let mut names: Vec<&str> = all.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert!(tags.iter().all(|&t| t < u8::MAX));
        assert_eq!(full_key(Table::Upstream, &[7]), vec![2, 7]);
        assert_eq!(table_end(Table::Messages), vec![2]);
    }
}
