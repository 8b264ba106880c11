//! The redb engine: one file and its journal (`journal.rs`), one redb table holding every
//! store table under its key prefix.
//!
//! Why one redb table: a redb commit writes, besides the leaf it changed, every page on the
//! path from that table's root, the page of the table directory, redb's own free-page and
//! allocation records and the header. A table per index made every commit pay that for each
//! table it touched; one table pays it once.
//!
//! Why the journal: even so a durable redb commit writes seven pages. A transaction is durable
//! here once its writes are appended to the journal and synced (one page); redb commits it with
//! `Durability::None` (kept in redb's write buffer) and durably every
//! [`journal::CHECKPOINT_EVERY`] transactions, recording which journal entry it covers. Opening
//! the store replays the entries after that one: a crash at any point loses nothing committed.

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use super::engine::{full_key, table_end, Engine, Entry, Read, Table, Write};
use super::error::{Error, Result};
use super::journal::{self, Journal, Op};
use super::record::{be, read_be};

/// The meta value in which a checkpoint records the last journal entry it covers.
pub const JOURNAL_SEQ: &[u8] = b"journal_seq";

type Def = TableDefinition<'static, &'static [u8], &'static [u8]>;
type ReadTable = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;
type WriteTable<'t> = redb::Table<'t, &'static [u8], &'static [u8]>;

/// The one redb table.
const QUEUE: Def = TableDefinition::new("queue");

/// Format 1 kept a redb table per store table; its meta table holds the format record.
const FORMAT1_META: Def = TableDefinition::new("meta");

/// Sorts redb's errors into the store's: damage, a file already open, or a failure to store.
fn map_err(path: &Path, e: impl Into<redb::Error>) -> Error {
    let path = path.to_path_buf();
    match e.into() {
        redb::Error::Corrupted(detail) => Error::Corrupt { path, detail },
        redb::Error::DatabaseAlreadyOpen => Error::InUse { path },
        redb::Error::UpgradeRequired(found) => {
            Error::UnsupportedVersion { path, what: "the redb file format", found, supported: 3 }
        }
        other => Error::Storage { path, detail: other.to_string() },
    }
}

/// Makes a new, empty store file at `path` so that it appears whole or not at all: redb writes
/// it beside (`<path>.new`), commits its table durably, and only then is it renamed into place.
/// A power cut while redb creates a file in place leaves an empty or half-written file, which
/// the store must refuse (it cannot tell it from a store cut short by damage), and the gateway
/// would never start again.
fn create_new(path: &Path) -> Result<()> {
    let mut new = path.as_os_str().to_owned();
    new.push(".new");
    let new = PathBuf::from(new);
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    // What an earlier cut-short creation left.
    match std::fs::remove_file(&new) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    {
        let db = redb::Builder::new().create(&new).map_err(|e| open_err(&new, e))?;
        let txn = db.begin_write().map_err(|e| map_err(&new, e))?;
        drop(txn.open_table(QUEUE).map_err(|e| map_err(&new, e))?);
        txn.commit().map_err(|e| map_err(&new, e))?;
    }
    std::fs::File::open(&new).and_then(|f| f.sync_all()).map_err(io)?;
    std::fs::rename(&new, path).map_err(io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    }
    Ok(())
}

/// The database, opened to write (the store, with its journal) or only to read (`check`).
enum Db {
    Writable { db: redb::Database, journal: Mutex<Journal> },
    ReadOnly(redb::ReadOnlyDatabase),
}

impl Db {
    fn begin_read(&self) -> core::result::Result<redb::ReadTransaction, redb::TransactionError> {
        match self {
            Db::Writable { db, .. } => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        }
    }
}

pub struct RedbEngine {
    db: Db,
    path: PathBuf,
}

impl std::fmt::Debug for RedbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = if matches!(self.db, Db::ReadOnly(_)) { "read-only" } else { "writable" };
        f.debug_struct("RedbEngine").field("path", &self.path).field("mode", &mode).finish()
    }
}

/// The journal entry the last checkpoint covers (0: none yet).
fn checkpointed_seq(path: &Path, db: &impl ReadableDatabase) -> Result<u64> {
    let txn = db.begin_read().map_err(|e| map_err(path, e))?;
    let queue = match txn.open_table(QUEUE) {
        Ok(q) => q,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(map_err(path, e)),
    };
    Ok(get_from(path, &queue, &full_key(Table::Meta, JOURNAL_SEQ))?.and_then(|v| read_be(&v, 0)).unwrap_or(0))
}

/// The journal entries a checkpoint at `durable` does not cover. They must follow it without
/// a gap: a journal that starts later lost entries.
fn pending(path: &Path, durable: u64) -> Result<Vec<(u64, Vec<Op>)>> {
    let pending: Vec<(u64, Vec<Op>)> =
        journal::read_chain(&journal::path_of(path))?.into_iter().filter(|(seq, _)| *seq > durable).collect();
    match pending.first() {
        Some((first, _)) if *first != durable.saturating_add(1) => Err(Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("the journal starts at entry {first}, the store holds entries up to {durable}"),
        }),
        _ => Ok(pending),
    }
}

/// Sorts the errors of opening a file: one too short for its own header, or one redb does not
/// recognise, is damage (or not a store), not a storage failure.
fn open_err(path: &Path, e: redb::DatabaseError) -> Error {
    match e {
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if matches!(io.kind(), std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof) =>
        {
            Error::Corrupt { path: path.to_path_buf(), detail: format!("not a readable store file: {io}") }
        }
        other => map_err(path, other),
    }
}

impl RedbEngine {
    /// Opens the file, creating it if it does not exist, and creates the table so reads never
    /// meet a missing one. redb recovers from a crash here (it picks the last commit whose
    /// checksums hold); a file it cannot make sense of is `Error::Corrupt`. A store of the
    /// earlier layout (a table per store table) is `Error::UnsupportedVersion`.
    pub fn open(path: &Path, cache_bytes: usize) -> Result<RedbEngine> {
        if !path.exists() {
            create_new(path)?;
        }
        let db = redb::Builder::new().set_cache_size(cache_bytes).create(path).map_err(|e| open_err(path, e))?;
        let names = tables(path, &db)?;
        refuse_format1(path, &db, &names)?;
        let durable = checkpointed_seq(path, &db)?;
        let replay = pending(path, durable)?;
        let mut last = durable;
        if !names.iter().any(|n| n == QUEUE.name()) || !replay.is_empty() {
            // Creating the table, and replaying what the journal holds beyond the last
            // checkpoint, as one durable commit.
            let txn = db.begin_write().map_err(|e| map_err(path, e))?;
            {
                let mut queue = txn.open_table(QUEUE).map_err(|e| map_err(path, e))?;
                for (seq, ops) in &replay {
                    for (key, value) in ops {
                        match value {
                            Some(v) => drop(queue.insert(key.as_slice(), v.as_slice()).map_err(|e| map_err(path, e))?),
                            None => drop(queue.remove(key.as_slice()).map_err(|e| map_err(path, e))?),
                        }
                    }
                    last = *seq;
                }
                if last != durable {
                    let key = full_key(Table::Meta, JOURNAL_SEQ);
                    queue.insert(key.as_slice(), &be(last)[..]).map_err(|e| map_err(path, e))?;
                }
            }
            txn.commit().map_err(|e| map_err(path, e))?;
        }
        let journal = Journal::open(&journal::path_of(path), last)?;
        Ok(RedbEngine { db: Db::Writable { db, journal: Mutex::new(journal) }, path: path.to_path_buf() })
    }

    /// Opens the file only to read it, so a check leaves it exactly as it was (even an open
    /// to write rewrites redb's header). A file not closed cleanly needs redb's repair first,
    /// and a journal with entries beyond the last checkpoint needs replaying, which only an
    /// open to write does: then it is opened so.
    pub fn open_read_only(path: &Path, cache_bytes: usize) -> Result<RedbEngine> {
        let db = match redb::Builder::new().set_cache_size(cache_bytes).open_read_only(path) {
            Ok(db) => db,
            Err(redb::DatabaseError::RepairAborted) => return RedbEngine::open(path, cache_bytes),
            Err(e) => return Err(open_err(path, e)),
        };
        let names = tables(path, &db)?;
        refuse_format1(path, &db, &names)?;
        if !names.iter().any(|n| n == QUEUE.name()) {
            return Err(Error::Corrupt { path: path.to_path_buf(), detail: "the store's table is missing".into() });
        }
        if !pending(path, checkpointed_seq(path, &db)?)?.is_empty() {
            drop(db);
            return RedbEngine::open(path, cache_bytes);
        }
        Ok(RedbEngine { db: Db::ReadOnly(db), path: path.to_path_buf() })
    }
}

fn tables(path: &Path, db: &impl ReadableDatabase) -> Result<Vec<String>> {
    let txn = db.begin_read().map_err(|e| map_err(path, e))?;
    let tables = txn.list_tables().map_err(|e| map_err(path, e))?;
    Ok(tables.map(|t| t.name().to_string()).collect())
}

fn refuse_format1(path: &Path, db: &impl ReadableDatabase, names: &[String]) -> Result<()> {
    if !names.iter().any(|n| n == FORMAT1_META.name()) {
        return Ok(());
    }
    let txn = db.begin_read().map_err(|e| map_err(path, e))?;
    let meta = txn.open_table(FORMAT1_META).map_err(|e| map_err(path, e))?;
    let found = get_from(path, &meta, b"format")?.and_then(|v| v.last().copied()).unwrap_or(1);
    Err(Error::UnsupportedVersion { path: path.to_path_buf(), what: "the store", found, supported: FORMAT })
}

impl RedbEngine {
    fn journal(&self) -> Option<(&redb::Database, MutexGuard<'_, Journal>)> {
        match &self.db {
            // A poisoned lock: a panic mid-transaction, whose entry was never counted.
            Db::Writable { db, journal } => Some((db, journal.lock().unwrap_or_else(|p| p.into_inner()))),
            Db::ReadOnly(_) => None,
        }
    }
}

impl Drop for RedbEngine {
    /// A last checkpoint, so the next open has nothing to replay (if it fails, it replays).
    fn drop(&mut self) {
        let Some((db, mut journal)) = self.journal() else { return };
        if journal.since_checkpoint == 0 {
            return;
        }
        let seq = journal.last_seq;
        let Ok(txn) = db.begin_write() else { return };
        let written = match txn.open_table(QUEUE) {
            Ok(mut queue) => queue.insert(full_key(Table::Meta, JOURNAL_SEQ).as_slice(), &be(seq)[..]).is_ok(),
            Err(_) => false,
        };
        if written && txn.commit().is_ok() {
            journal.checkpointed(seq);
        }
    }
}

/// The store format this engine lays out (`tx::FORMAT_VERSION`).
const FORMAT: u8 = super::tx::FORMAT_VERSION as u8;

/// Reads from the redb table, in a read or a write transaction.
fn get_from(
    path: &Path,
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    key: &[u8],
) -> Result<Option<Vec<u8>>> {
    Ok(table.get(key).map_err(|e| map_err(path, e))?.map(|v| v.value().to_vec()))
}

/// Entries of one store table, with its prefix taken off the keys.
fn range_from(
    path: &Path,
    queue: &impl ReadableTable<&'static [u8], &'static [u8]>,
    table: Table,
    from: &[u8],
    to: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    if limit == 0 || to.is_some_and(|to| to <= from) {
        return Ok(out);
    }
    let start = full_key(table, from);
    let end = match to {
        Some(to) => full_key(table, to),
        None => table_end(table),
    };
    let range = queue
        .range::<&[u8]>((Bound::Included(start.as_slice()), Bound::Excluded(end.as_slice())))
        .map_err(|e| map_err(path, e))?;
    for item in range {
        let (k, v) = item.map_err(|e| map_err(path, e))?;
        out.push((k.value().get(1..).unwrap_or_default().to_vec(), v.value().to_vec()));
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

struct ReadTxn<'e> {
    queue: ReadTable,
    path: &'e Path,
}

impl Read for ReadTxn<'_> {
    fn get(&mut self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        get_from(self.path, &self.queue, &full_key(table, key))
    }

    fn range(&mut self, table: Table, from: &[u8], to: Option<&[u8]>, limit: usize) -> Result<Vec<Entry>> {
        range_from(self.path, &self.queue, table, from, to, limit)
    }
}

struct WriteTxn<'t> {
    queue: WriteTable<'t>,
    path: &'t Path,
    /// What was put or deleted, for the journal: only then is there anything to commit.
    ops: Vec<Op>,
}

impl Read for WriteTxn<'_> {
    fn get(&mut self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        get_from(self.path, &self.queue, &full_key(table, key))
    }

    fn range(&mut self, table: Table, from: &[u8], to: Option<&[u8]>, limit: usize) -> Result<Vec<Entry>> {
        range_from(self.path, &self.queue, table, from, to, limit)
    }
}

impl Write for WriteTxn<'_> {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        let key = full_key(table, key);
        self.queue.insert(key.as_slice(), value).map_err(|e| map_err(self.path, e))?;
        self.ops.push((key, Some(value.to_vec())));
        Ok(())
    }

    fn delete(&mut self, table: Table, key: &[u8]) -> Result<()> {
        let key = full_key(table, key);
        self.queue.remove(key.as_slice()).map_err(|e| map_err(self.path, e))?;
        self.ops.push((key, None));
        Ok(())
    }
}

impl Engine for RedbEngine {
    fn read(&self, f: &mut dyn FnMut(&mut dyn Read) -> Result<()>) -> Result<()> {
        let txn = self.db.begin_read().map_err(|e| map_err(&self.path, e))?;
        let queue = txn.open_table(QUEUE).map_err(|e| map_err(&self.path, e))?;
        f(&mut ReadTxn { queue, path: &self.path })
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<()> {
        let path = self.path.as_path();
        let Some((db, mut journal)) = self.journal() else {
            return Err(Error::Storage { path: path.to_path_buf(), detail: "opened read-only".into() });
        };
        let mut txn = db.begin_write().map_err(|e| map_err(path, e))?;
        let seq = journal.last_seq.saturating_add(1);
        let (entry, checkpoint) = {
            let queue = txn.open_table(QUEUE).map_err(|e| map_err(path, e))?;
            let mut w = WriteTxn { queue, path, ops: Vec::new() };
            // Dropping `txn` without commit (on an error) aborts it.
            f(&mut w)?;
            if w.ops.is_empty() {
                // Nothing to commit: a redb commit writes its header and bookkeeping pages
                // even when no table changed.
                drop(w);
                return txn.abort().map_err(|e| map_err(path, e));
            }
            let entry = journal::encode(seq, &w.ops);
            let checkpoint = journal.since_checkpoint >= journal::CHECKPOINT_EVERY || !journal.fits(entry.len());
            if checkpoint {
                let key = full_key(Table::Meta, JOURNAL_SEQ);
                w.queue.insert(key.as_slice(), &be(seq)[..]).map_err(|e| map_err(path, e))?;
            }
            (entry, checkpoint)
        };
        if checkpoint {
            // Durable in redb itself, with everything committed since the last checkpoint.
            txn.commit().map_err(|e| map_err(path, e))?;
            journal.checkpointed(seq);
            return Ok(());
        }
        if let Err(e) = journal.append(&entry) {
            journal.retract();
            return Err(e);
        }
        // Durable from here on (the journal has it); redb keeps it in its write buffer.
        let committed = txn
            .set_durability(redb::Durability::None)
            .map_err(|e| Error::Storage { path: path.to_path_buf(), detail: e.to_string() })
            .and_then(|()| txn.commit().map_err(|e| map_err(path, e)));
        match committed {
            Ok(()) => {
                journal.appended(seq, entry.len());
                Ok(())
            }
            Err(e) => {
                journal.retract();
                Err(e)
            }
        }
    }
}
