//! The sled engine: one sled tree in a directory, every store table a key prefix (its tag byte).
//!
//! sled's own transactions cannot scan ranges, so a transaction here collects its writes in an
//! overlay that its reads see, then applies them and flushes before `write` returns: one write
//! as a plain insert or remove (atomic by itself), several as one atomic `Batch`. A batch costs
//! a manifest sled writes and syncs apart from the batch, a second flash page per commit,
//! which is why the queue's per-message commits write one key. One lock serialises
//! transactions, so what a transaction read is still true when its writes land.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::engine::{full_key, table_end, Engine, Entry, Read, Table, Write};
use super::error::{Error, Result};

/// How long an open waits for a lock a closed handle has not let go of yet.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn map_err(path: &Path, e: sled::Error) -> Error {
    let path = path.to_path_buf();
    match e {
        sled::Error::Corruption { .. } => Error::Corrupt { path, detail: e.to_string() },
        sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => Error::InUse { path },
        other => Error::Storage { path, detail: other.to_string() },
    }
}

#[derive(Debug)]
pub struct SledEngine {
    db: sled::Db,
    path: PathBuf,
    lock: Mutex<()>,
}

impl SledEngine {
    /// Opens the directory, creating it if needed. sled replays its log here; damage it
    /// detects is `Error::Corrupt`.
    pub fn open(path: &Path, cache_bytes: usize) -> Result<SledEngine> {
        // sled's threads let go of the directory lock a moment after the last handle is
        // dropped, so a reopen right after a close waits for it a little.
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            let opened = sled::Config::new()
                .path(path)
                .cache_capacity(u64::try_from(cache_bytes).unwrap_or(u64::MAX))
                // Every write flushes itself; the background flusher would only add wear.
                .flush_every_ms(None)
                .open()
                .map_err(|e| map_err(path, e));
            match opened {
                Err(Error::InUse { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(e),
                Ok(db) => return Ok(SledEngine { db, path: path.to_path_buf(), lock: Mutex::new(()) }),
            }
        }
    }
}

struct Txn<'e> {
    db: &'e sled::Db,
    path: &'e Path,
    /// Full key → new value (`None`: deleted), in key order for merging with range scans.
    overlay: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Read for Txn<'_> {
    fn get(&mut self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let k = full_key(table, key);
        if let Some(v) = self.overlay.get(&k) {
            return Ok(v.clone());
        }
        Ok(self.db.get(&k).map_err(|e| map_err(self.path, e))?.map(|v| v.to_vec()))
    }

    fn range(&mut self, table: Table, from: &[u8], to: Option<&[u8]>, limit: usize) -> Result<Vec<Entry>> {
        let start = full_key(table, from);
        let end = match to {
            Some(to) => full_key(table, to),
            None => table_end(table),
        };
        let mut out = Vec::new();
        if limit == 0 || end <= start {
            return Ok(out);
        }
        let bounds = (Bound::Included(start.clone()), Bound::Excluded(end.clone()));
        let mut base = self.db.range::<Vec<u8>, _>(bounds.clone());
        let mut over = self.overlay.range(bounds).peekable();
        let mut next_base = base.next().transpose().map_err(|e| map_err(self.path, e))?;
        while out.len() < limit {
            // Take the smaller key; on a tie the overlay (this transaction's write) wins.
            let take_overlay = match (&next_base, over.peek()) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((bk, _)), Some((ok, _))) => ok.as_slice() <= bk.as_ref(),
            };
            if take_overlay {
                if let Some((k, v)) = over.next() {
                    if next_base.as_ref().is_some_and(|(bk, _)| bk.as_ref() == k.as_slice()) {
                        next_base = base.next().transpose().map_err(|e| map_err(self.path, e))?;
                    }
                    if let Some(v) = v {
                        out.push((k.get(1..).unwrap_or_default().to_vec(), v.clone()));
                    }
                }
            } else if let Some((k, v)) = next_base.take() {
                out.push((k.get(1..).unwrap_or_default().to_vec(), v.to_vec()));
                next_base = base.next().transpose().map_err(|e| map_err(self.path, e))?;
            }
        }
        Ok(out)
    }
}

impl Write for Txn<'_> {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        self.overlay.insert(full_key(table, key), Some(value.to_vec()));
        Ok(())
    }

    fn delete(&mut self, table: Table, key: &[u8]) -> Result<()> {
        self.overlay.insert(full_key(table, key), None);
        Ok(())
    }
}

impl Engine for SledEngine {
    fn read(&self, f: &mut dyn FnMut(&mut dyn Read) -> Result<()>) -> Result<()> {
        // A poisoned lock only means another thread panicked mid-transaction; its batch was
        // never applied, so the data is intact.
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut t = Txn { db: &self.db, path: &self.path, overlay: BTreeMap::new() };
        f(&mut t)
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut t = Txn { db: &self.db, path: &self.path, overlay: BTreeMap::new() };
        f(&mut t)?;
        let mut writes = t.overlay.into_iter();
        match (writes.next(), writes.len()) {
            (None, _) => return Ok(()),
            (Some((k, Some(v))), 0) => drop(self.db.insert(k, v).map_err(|e| map_err(&self.path, e))?),
            (Some((k, None)), 0) => drop(self.db.remove(k).map_err(|e| map_err(&self.path, e))?),
            (Some(first), _) => {
                let mut batch = sled::Batch::default();
                for (k, v) in std::iter::once(first).chain(writes) {
                    match v {
                        Some(v) => batch.insert(k, v),
                        None => batch.remove(k),
                    }
                }
                self.db.apply_batch(batch).map_err(|e| map_err(&self.path, e))?;
            }
        }
        self.db.flush().map_err(|e| map_err(&self.path, e))?;
        Ok(())
    }
}
