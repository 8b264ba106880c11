//! The redb engine's journal: every transaction's writes, appended to a small preallocated
//! file and synced before the transaction counts as done; redb itself commits without a sync
//! in between (`Durability::None`) and durably only at a checkpoint.
//!
//! Why: a durable redb commit writes at least seven 4 KiB pages (header, leaf, branch, table
//! directory, system directory, allocation records), while a journal append rewrites the one
//! page the journal's end is in. redb keeps the pages of commits without a sync in its own
//! write buffer until the next durable commit, so between checkpoints the file is not touched.
//!
//! Layout: `<store>.journal`, [`JOURNAL_BYTES`] long, written full of zeros when created so
//! that an append overwrites blocks the file already has (a sync then writes no file-system
//! metadata). Entries follow each other from offset 0:
//!
//! ```text
//! [magic "SGWJ"][body length: u32 LE][body][CRC-32 of magic, length and body: u32 LE]
//! body: [seq: u64 LE][op count: u32 LE] then per op
//!       [1: put][key length: u16 LE][key][value length: u32 LE][value]  or  [0: delete][key length][key]
//! ```
//!
//! Sequence numbers are consecutive. A checkpoint (a durable redb commit that records the
//! sequence number it covers) starts the journal again at offset 0. At open, the entries after
//! the recorded number are replayed: the chain read from offset 0 ends at the first entry that
//! does not check out (a torn append, zeros) or whose number is not the next one (what is left
//! of the journal before the last checkpoint).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::{Error, Result};
use super::record::crc32;

/// The journal's size: at most this much is written between checkpoints. A claim of 1000
/// messages is about 200 KiB, a day of a busy gateway's steps (1000 commits) 300 KiB; a
/// transaction that does not fit is committed durably instead (a checkpoint).
pub const JOURNAL_BYTES: usize = 1 << 20;

/// Transactions between checkpoints. A checkpoint costs one durable redb commit (about 30 KiB
/// plus the pages changed since the last one), so it is spread over many; replaying them at
/// open takes milliseconds.
pub const CHECKPOINT_EVERY: u64 = 1000;

const MAGIC: [u8; 4] = *b"SGWJ";
/// Magic, length; after the body the CRC.
const HEAD: usize = 8;
const TAIL: usize = 4;

/// One write of a transaction: a full key (table tag first) and its new value, or `None` for
/// a delete.
pub type Op = (Vec<u8>, Option<Vec<u8>>);

/// Where the journal of the store at `store` is.
pub fn path_of(store: &Path) -> PathBuf {
    let mut s = store.as_os_str().to_owned();
    s.push(".journal");
    PathBuf::from(s)
}

/// An entry as it is written.
pub fn encode(seq: u64, ops: &[Op]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&seq.to_le_bytes());
    body.extend_from_slice(&(ops.len() as u32).to_le_bytes());
    for (key, value) in ops {
        body.push(u8::from(value.is_some()));
        body.extend_from_slice(&(key.len() as u16).to_le_bytes());
        body.extend_from_slice(key);
        if let Some(v) = value {
            body.extend_from_slice(&(v.len() as u32).to_le_bytes());
            body.extend_from_slice(v);
        }
    }
    let mut entry = Vec::with_capacity(HEAD + body.len() + TAIL);
    entry.extend_from_slice(&MAGIC);
    entry.extend_from_slice(&(body.len() as u32).to_le_bytes());
    entry.extend_from_slice(&body);
    let crc = crc32(&entry);
    entry.extend_from_slice(&crc.to_le_bytes());
    entry
}

/// Reads fields off the front of a slice, every length checked.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn u16(&mut self) -> Option<usize> {
        Some(usize::from(u16::from_le_bytes(self.take(2)?.try_into().ok()?)))
    }

    fn u32(&mut self) -> Option<usize> {
        usize::try_from(u32::from_le_bytes(self.take(4)?.try_into().ok()?)).ok()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// The entry at the start of `bytes`: its sequence number, its writes and its length; `None`
/// when there is no whole, intact entry there.
pub fn decode(bytes: &[u8]) -> Option<(u64, Vec<Op>, usize)> {
    let mut c = Cursor(bytes);
    if c.take(4)? != MAGIC {
        return None;
    }
    let len = c.u32()?;
    let body = c.take(len)?;
    let crc = u32::from_le_bytes(c.take(TAIL)?.try_into().ok()?);
    if crc32(bytes.get(..HEAD + len)?) != crc {
        return None;
    }
    let mut b = Cursor(body);
    let seq = b.u64()?;
    let count = b.u32()?;
    let mut ops = Vec::with_capacity(count.min(body.len()));
    for _ in 0..count {
        let put = match b.take(1)? {
            [1] => true,
            [0] => false,
            _ => return None,
        };
        let key_len = b.u16()?;
        let key = b.take(key_len)?.to_vec();
        let value = if put {
            let value_len = b.u32()?;
            Some(b.take(value_len)?.to_vec())
        } else {
            None
        };
        ops.push((key, value));
    }
    b.0.is_empty().then_some((seq, ops, HEAD + len + TAIL))
}

/// The chain of entries from the start of `bytes`: intact, each numbered one after the last.
pub fn chain(bytes: &[u8]) -> Vec<(u64, Vec<Op>)> {
    let mut out: Vec<(u64, Vec<Op>)> = Vec::new();
    let mut at = 0;
    while let Some((seq, ops, len)) = bytes.get(at..).and_then(decode) {
        if out.last().is_some_and(|(last, _)| last.checked_add(1) != Some(seq)) {
            break;
        }
        out.push((seq, ops));
        at += len;
    }
    out
}

/// Reads the chain of the journal at `path`, if there is one.
pub fn read_chain(path: &Path) -> Result<Vec<(u64, Vec<Op>)>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(chain(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(Error::Io { path: path.to_path_buf(), source }),
    }
}

/// The open journal of a writable store.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Where the next entry goes.
    tail: u64,
    /// The number of the last transaction, journaled or checkpointed.
    pub last_seq: u64,
    /// Transactions journaled since the last checkpoint.
    pub since_checkpoint: u64,
}

impl Journal {
    /// Opens the journal at `path`, creating it full of zeros (and syncing its directory) when
    /// it is missing or short. Appending starts at offset 0 after `last_seq`: call once the
    /// entries it held are replayed.
    pub fn open(path: &Path, last_seq: u64) -> Result<Journal> {
        let io = |source| Error::Io { path: path.to_path_buf(), source };
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < JOURNAL_BYTES as u64 {
            // Page by page, so the page cache holds it as small pages: a large one would be
            // written (and counted) whole for every append into it.
            let zeros = [0u8; 4096];
            let mut at = len - len % zeros.len() as u64;
            while at < JOURNAL_BYTES as u64 {
                file.write_all_at(&zeros, at).map_err(io)?;
                at += zeros.len() as u64;
            }
            file.sync_all().map_err(io)?;
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                File::open(dir).and_then(|d| d.sync_all()).map_err(|source| Error::Io { path: dir.into(), source })?;
            }
        }
        Ok(Journal { file, path: path.to_path_buf(), tail: 0, last_seq, since_checkpoint: 0 })
    }

    /// Whether an entry of `len` bytes fits after the last one.
    pub fn fits(&self, len: usize) -> bool {
        self.tail.saturating_add(len as u64) <= JOURNAL_BYTES as u64
    }

    /// Writes `entry` after the last one and syncs it: when this returns `Ok`, the entry
    /// survives a crash. The caller counts it with [`Journal::appended`] once redb has it.
    pub fn append(&mut self, entry: &[u8]) -> Result<()> {
        let io = |source| Error::Io { path: self.path.clone(), source };
        self.file.write_all_at(entry, self.tail).map_err(io)?;
        self.file.sync_data().map_err(io)
    }

    pub fn appended(&mut self, seq: u64, len: usize) {
        self.tail += len as u64;
        self.last_seq = seq;
        self.since_checkpoint += 1;
    }

    /// Unwrites the entry last appended when its transaction could not be applied, so it is
    /// not replayed at the next open (best effort: the device is failing).
    pub fn retract(&mut self) {
        if self.file.write_all_at(&[0u8; HEAD], self.tail).is_ok() {
            let _ = self.file.sync_data();
        }
    }

    /// redb holds every transaction up to `seq` durably: the journal starts again.
    pub fn checkpointed(&mut self, seq: u64) {
        self.tail = 0;
        self.last_seq = seq;
        self.since_checkpoint = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(n: u8) -> Vec<Op> {
        vec![(vec![1, n], Some(vec![n; usize::from(n)])), (vec![2, n], None)]
    }

    #[test]
    fn entries_round_trip_and_every_damage_is_caught() {
        let entry = encode(7, &ops(3));
        assert_eq!(decode(&entry), Some((7, ops(3), entry.len())));
        for i in 0..entry.len() {
            let mut bad = entry.clone();
            bad[i] ^= 0x10;
            assert_eq!(decode(&bad), None, "flip at {i}");
        }
        for len in 0..entry.len() {
            assert_eq!(decode(&entry[..len]), None, "cut at {len}");
        }
        assert_eq!(decode(&[0; 64]), None);
    }

    #[test]
    fn the_chain_ends_at_a_torn_entry_or_a_number_out_of_turn() {
        let mut journal = Vec::new();
        for seq in 5..8 {
            journal.extend(encode(seq, &ops(seq as u8)));
        }
        let whole = journal.clone();
        assert_eq!(chain(&whole).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [5, 6, 7]);
        // What a checkpoint leaves: new entries from offset 0 over the old ones.
        let mut after = encode(9, &ops(1));
        after.extend(encode(10, &ops(1)));
        let mut reused = whole.clone();
        reused[..after.len()].copy_from_slice(&after);
        assert_eq!(chain(&reused).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [9, 10], "{reused:?}");
        // A torn append: the last entry cut short.
        let cut = &whole[..whole.len() - 3];
        assert_eq!(chain(cut).len(), 2);
        assert!(chain(&[0; 100]).is_empty());
    }

    #[test]
    fn appends_survive_and_a_retracted_one_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_of(&dir.path().join("q"));
        let mut j = Journal::open(&path, 4).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), JOURNAL_BYTES as u64);
        for seq in 5..8 {
            let e = encode(seq, &ops(seq as u8));
            j.append(&e).unwrap();
            j.appended(seq, e.len());
        }
        let e = encode(8, &ops(1));
        j.append(&e).unwrap();
        j.retract();
        assert_eq!(read_chain(&path).unwrap().iter().map(|(s, _)| *s).collect::<Vec<_>>(), [5, 6, 7]);
        assert_eq!((j.last_seq, j.since_checkpoint), (7, 3));
        j.checkpointed(7);
        assert!(j.fits(JOURNAL_BYTES) && !j.fits(JOURNAL_BYTES + 1));
        assert!(read_chain(&dir.path().join("none")).unwrap().is_empty());
    }
}
