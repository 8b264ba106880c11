//! Reading the store's entries straight from a redb file's pages, for a file redb cannot open
//! (cut short, or its header damaged), so that a repair still recovers what is there.
//!
//! A redb leaf page of a `&[u8] → &[u8]` table is `[1][_][n: u16 LE][n key ends: u32 LE]
//! [n value ends: u32 LE][keys][values]`, the ends counted from the page start; a page is
//! 4 KiB or a power-of-two multiple for large entries, and starts on a 4 KiB boundary. Every
//! page that reads as such a leaf, with keys in strictly increasing order and each starting
//! with one of the store's table tags, is taken as the store's. Old copies of a page (redb
//! copies a page to change it) are found too: the caller keeps the newest copy of each record.
//! The message records carry their own checksum, so nothing that merely looks like one gets in.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::engine::Table;
use super::error::{Error, Result};

const PAGE: usize = 4096;
/// The largest leaf read: a 255-part message of 4-byte characters is under 200 KiB.
const MAX_LEAF: usize = 1 << 20;
const LEAF: u8 = 1;

/// One entry of a leaf: its table, its key without the table's tag, its value.
pub type LeafEntry<'a> = (Table, &'a [u8], &'a [u8]);

pub fn table_of(tag: u8) -> Option<Table> {
    Table::ALL.into_iter().find(|t| t.tag() == tag)
}

fn u32_at(bytes: &[u8], offset: usize) -> Option<usize> {
    let raw: [u8; 4] = bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(raw)).ok()
}

/// The length a page claims as a leaf of the store's table (header checks only), if it does.
fn leaf_len(head: &[u8]) -> Option<usize> {
    if head.first() != Some(&LEAF) {
        return None;
    }
    let n = usize::from(u16::from_le_bytes([*head.get(2)?, *head.get(3)?]));
    if n == 0 {
        return None;
    }
    let total = u32_at(head, 4 + 4 * n + 4 * (n - 1))?;
    (total <= MAX_LEAF && total >= 4 + 8 * n).then_some(total)
}

/// The entries of a leaf page as (table, key without its tag, value); `None` when the page
/// is not a leaf of the store's table.
pub fn parse_leaf(page: &[u8]) -> Option<Vec<LeafEntry<'_>>> {
    let total = leaf_len(page)?;
    let n = usize::from(u16::from_le_bytes([*page.get(2)?, *page.get(3)?]));
    let page = page.get(..total)?;
    let mut out = Vec::with_capacity(n);
    let mut key_start = 4 + 8 * n;
    let mut value_start = u32_at(page, 4 + 4 * (n - 1))?;
    let mut previous: Option<&[u8]> = None;
    for i in 0..n {
        let key_end = u32_at(page, 4 + 4 * i)?;
        let value_end = u32_at(page, 4 + 4 * n + 4 * i)?;
        let key = page.get(key_start..key_end)?;
        let value = page.get(value_start..value_end)?;
        if previous.is_some_and(|p| p >= key) {
            return None;
        }
        let (&tag, rest) = key.split_first()?;
        out.push((table_of(tag)?, rest, value));
        previous = Some(key);
        key_start = key_end;
        value_start = value_end;
    }
    Some(out)
}

/// Calls `f` with the entries of every page of the file at `path` that reads as a leaf of the
/// store's table, in file order. Returns how many such pages there were.
pub fn leaf_pages(path: &Path, mut f: impl FnMut(Vec<LeafEntry<'_>>) -> Result<()>) -> Result<u64> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut head = vec![0u8; PAGE];
    let mut leaves = 0;
    let mut offset = 0u64;
    while offset < len {
        let want = usize::try_from((len - offset).min(PAGE as u64)).unwrap_or(PAGE);
        let head = head.get_mut(..want).unwrap_or_default();
        file.read_exact_at(head, offset).map_err(io)?;
        if let Some(total) = leaf_len(head) {
            let page = if total <= head.len() {
                Some(head.to_vec())
            } else if offset + total as u64 <= len {
                let mut whole = vec![0u8; total];
                file.read_exact_at(&mut whole, offset).map_err(io)?;
                Some(whole)
            } else {
                // A large leaf cut off by the end of the file.
                None
            };
            if let Some(entries) = page.as_deref().and_then(parse_leaf) {
                leaves += 1;
                f(entries)?;
            }
        }
        offset += PAGE as u64;
    }
    Ok(leaves)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf page laid out as redb lays one out.
    fn leaf(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let n = entries.len();
        let mut page = vec![LEAF, 0];
        page.extend_from_slice(&(n as u16).to_le_bytes());
        let mut end = 4 + 8 * n;
        for (k, _) in entries {
            end += k.len();
            page.extend_from_slice(&(end as u32).to_le_bytes());
        }
        for (_, v) in entries {
            end += v.len();
            page.extend_from_slice(&(end as u32).to_le_bytes());
        }
        for (k, _) in entries {
            page.extend_from_slice(k);
        }
        for (_, v) in entries {
            page.extend_from_slice(v);
        }
        page.resize(PAGE, 0);
        page
    }

    #[test]
    fn reads_a_leaf_of_the_store_and_nothing_else() {
        let page = leaf(&[(b"\x00format", b"12345678"), (b"\x01\x00\x00\x00\x00\x00\x00\x00\x07", b"record")]);
        let entries = parse_leaf(&page).unwrap();
        assert_eq!(
            entries,
            [
                (Table::Meta, &b"format"[..], &b"12345678"[..]),
                (Table::Messages, &[0, 0, 0, 0, 0, 0, 0, 7][..], &b"record"[..])
            ]
        );
        // Keys out of order, an unknown tag, a branch page, offsets past the page: not a leaf.
        assert_eq!(parse_leaf(&leaf(&[(b"\x01b", b""), (b"\x01a", b"")])), None);
        assert_eq!(parse_leaf(&leaf(&[(b"\x05a", b"")])), None);
        let mut branch = page.clone();
        branch[0] = 2;
        assert_eq!(parse_leaf(&branch), None);
        let mut wild = page.clone();
        wild[4 + 8 + 4 + 3] = 0xFF; // the last value ends 4 GiB out
        assert_eq!(parse_leaf(&wild), None);
        let mut overlap = page.clone();
        overlap[4 + 4] = 0; // the second key ends before it starts
        assert_eq!(parse_leaf(&overlap), None);
        assert_eq!(parse_leaf(&[LEAF, 0, 0, 0]), None, "no entries");
        assert_eq!(parse_leaf(&page[..20]), None, "cut short");
    }

    /// Every record the store wrote is found in the file's pages, also with the header gone.
    #[test]
    fn finds_every_record_in_a_store_file() {
        use crate::linux::store::{Config, NewMessage, Store, UnixMs};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q");
        let s = Store::open(&path, Config::default()).unwrap();
        let mut ids = Vec::new();
        for i in 0..300u64 {
            let mut new = NewMessage::new("+41", format!("text {i}"), 1);
            new.upstream_id = Some(i);
            ids.push(s.enqueue(&new, UnixMs(i)).unwrap().message.id.0);
        }
        drop(s);
        let mut data = std::fs::read(&path).unwrap();
        data[..PAGE].fill(0);
        std::fs::write(&path, &data).unwrap();
        let mut found = std::collections::BTreeSet::new();
        let leaves = leaf_pages(&path, |entries| {
            for (table, key, _) in entries {
                if table == Table::Messages {
                    found.insert(u64::from_be_bytes(key.try_into().unwrap()));
                }
            }
            Ok(())
        })
        .unwrap();
        assert!(leaves > 1);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ids);
    }
}
