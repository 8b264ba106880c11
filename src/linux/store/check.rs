//! Finding and salvaging damage: the scan `Store::open` runs, `check` and `repair`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::engine::{scan_table, successor, Engine, Entry, Read, Table, Write};
use super::error::{Error, Result};
use super::inbound::{self, Bad, Checked};
use super::index::{Facts, Index};
use super::journal;
use super::model::{Backend, Config, MessageId, PartState, UnixMs};
use super::record::{self, be, read_be, RecordError, RECORD_VERSION};
use super::salvage;
use super::stored::Stored;
use super::tx::{self, meta, UpstreamEntry, FORMAT_VERSION};

/// Records read per transaction while scanning or copying: bounds memory on a large store.
const PAGE: usize = 512;

/// One thing wrong in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub table: &'static str,
    pub key: Vec<u8>,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.table, tx::hex(&self.key), self.detail)
    }
}

/// A record a repair could not read, kept as it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    pub table: String,
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub reason: String,
}

/// Entries of the inbound tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InboundCounts {
    /// Parts waiting for their siblings.
    pub fragments: u64,
    pub received: u64,
    pub calls: u64,
    pub replies: u64,
    pub opt_outs: u64,
    pub tasks: u64,
    /// PDUs the store knows it was handed.
    pub seen: u64,
}

impl InboundCounts {
    fn add(&mut self, table: Table) {
        let slot = match table {
            Table::Fragments => &mut self.fragments,
            Table::Received => &mut self.received,
            Table::Calls => &mut self.calls,
            Table::Replies => &mut self.replies,
            Table::OptOuts => &mut self.opt_outs,
            Table::Tasks => &mut self.tasks,
            Table::Seen => &mut self.seen,
            Table::Meta | Table::Messages | Table::Upstream | Table::Quarantine => return,
        };
        *slot += 1;
    }
}

/// What `check` found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    pub messages: u64,
    pub pushes: u64,
    pub changes: u64,
    pub quarantined: u64,
    /// Checked only with a deep scan (`check`, `verify_on_open`).
    pub inbound: InboundCounts,
    /// Empty when the store is sound.
    pub problems: Vec<Problem>,
    /// The latest record version found that this build does not read: a newer build wrote
    /// to the store. Not damage; a repair refuses to touch such a store.
    pub newer_version: Option<u8>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What `repair` did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepairReport {
    pub messages: u64,
    pub pushes: u64,
    pub changes: u64,
    pub inbound: InboundCounts,
    /// Records set aside in the quarantine table by this repair.
    pub quarantined: Vec<Quarantined>,
    /// Damage the repair could not salvage around: an unreadable stretch of a table, an
    /// upstream id whose message could not be salvaged (its row could be queued again).
    pub problems: Vec<Problem>,
    /// Where the damaged store was moved, kept for inspection.
    pub backup: PathBuf,
}

/// Every entry of `table`, a page (one read transaction) at a time.
fn for_each_page(engine: &dyn Engine, table: Table, mut f: impl FnMut(Vec<Entry>) -> Result<()>) -> Result<()> {
    let mut from = Vec::new();
    loop {
        let mut page = Vec::new();
        engine.read(&mut |r| {
            page = r.range(table, &from, None, PAGE)?;
            Ok(())
        })?;
        let Some((last, _)) = page.last() else { return Ok(()) };
        from = successor(last);
        f(page)?;
    }
}

/// A record a later build wrote: not damage.
fn newer(e: &RecordError) -> Option<u8> {
    match e {
        RecordError::Version(v) if *v > RECORD_VERSION => Some(*v),
        _ => None,
    }
}

fn problem(problems: &mut Vec<Problem>, table: Table, key: &[u8], detail: impl Into<String>) {
    problems.push(Problem { table: table.name(), key: key.to_vec(), detail: detail.into() });
}

/// What a scan found, and the indexes built from the records that read.
pub(super) struct Scan {
    pub report: CheckReport,
    pub index: Index,
}

/// Decodes every message record and builds the indexes and counters from them; `deep` also
/// checks the upstream table against the messages and decodes the quarantine and every record
/// of the inbound tables. Collects what is wrong in the report's problems; engine failures are
/// errors.
pub(super) fn scan(r: &mut dyn Read, deep: bool) -> Result<Scan> {
    let mut report = CheckReport::default();
    let mut found = Vec::new();
    let problems = &mut found;
    let meta_value = |r: &mut dyn Read, name: &[u8], problems: &mut Vec<Problem>| -> Result<u64> {
        Ok(match r.get(Table::Meta, name)? {
            None => 0,
            Some(v) => match read_be(&v, 0).filter(|_| v.len() == 8) {
                Some(n) => n,
                None => {
                    problem(problems, Table::Meta, name, format!("value has {} bytes, not 8", v.len()));
                    0
                }
            },
        })
    };
    let mut index = Index::default();
    index.counters.acked_push = meta_value(r, meta::ACKED_PUSH, problems)?;
    let floors = [meta::NEXT_ID, meta::LAST_PUSH, meta::NEXT_CHANGE, meta::UNKNOWN_RESENT, meta::UNKNOWN_FAILED];
    let mut floor = [0u64; 5];
    for (slot, name) in floor.iter_mut().zip(floors) {
        *slot = meta_value(r, name, problems)?;
    }
    meta_value(r, meta::NEXT_QUARANTINE, problems)?;
    let next_received = meta_value(r, meta::NEXT_RECEIVED, problems)?;
    let next_call = meta_value(r, meta::NEXT_CALL, problems)?;

    let (mut max_id, mut max_push, mut next_change) = (0u64, 0u64, 0u64);
    // (upstream id, id) of every message from upstream, to hold against the upstream table.
    let mut from_upstream: Vec<(u64, u64)> = Vec::new();
    let mut pending_seqs: BTreeMap<u64, MessageId> = BTreeMap::new();
    scan_table(r, Table::Messages, |_, (k, v)| {
        let s: Stored = match record::decode(&v) {
            Ok(s) => s,
            Err(e) => {
                report.newer_version = report.newer_version.max(newer(&e));
                problem(problems, Table::Messages, &k, e.to_string());
                return Ok(());
            }
        };
        let m = &s.message;
        if read_be(&k, 0) != Some(m.id.0) || k.len() != 8 {
            problem(problems, Table::Messages, &k, format!("holds message {}", m.id));
            return Ok(());
        }
        if m.parts.is_empty() {
            problem(problems, Table::Messages, &k, "a message without parts");
        }
        let flying = m.parts.iter().filter(|p| matches!(p.state, PartState::InFlight { .. })).count();
        if flying > 1 {
            problem(problems, Table::Messages, &k, format!("{flying} parts in flight at once"));
        }
        for p in &s.pushes {
            max_push = max_push.max(p.seq);
            if p.seq > index.counters.acked_push {
                if let Some(other) = pending_seqs.insert(p.seq, m.id) {
                    problem(problems, Table::Messages, &k, format!("push {} is also message {other}'s", p.seq));
                }
            }
        }
        if !s.pushes.is_empty() && m.upstream_id.is_none() {
            problem(problems, Table::Messages, &k, "pushes of a message not from upstream");
        }
        if let Some(c) = s.changes.last() {
            next_change = next_change.max(c.seq.saturating_add(1));
        }
        report.messages += 1;
        report.changes += s.changes.len() as u64;
        max_id = max_id.max(m.id.0);
        if let Some(up) = m.upstream_id {
            from_upstream.push((up, m.id.0));
        }
        index.apply(None, Some(&Facts::of(&s)));
        Ok(())
    })?;
    report.pushes = index.pending_push_count();
    let c = &mut index.counters;
    c.next_id = floor[0].max(max_id.saturating_add(1)).max(1);
    c.last_push = floor[1].max(max_push).max(c.acked_push);
    c.next_change = floor[2].max(next_change);
    c.unknown_resent_base = floor[3];
    c.unknown_failed_base = floor[4];

    if deep {
        check_upstream(r, &index, &mut from_upstream, problems)?;
        scan_table(r, Table::Quarantine, |_, (k, v)| {
            match record::decode::<Quarantined>(&v) {
                Ok(_) => report.quarantined += 1,
                Err(e) => {
                    report.newer_version = report.newer_version.max(newer(&e));
                    problem(problems, Table::Quarantine, &k, e.to_string());
                }
            }
            Ok(())
        })?;
        check_inbound(r, [next_received, next_call], &mut report, problems)?;
    }
    report.problems = found;
    Ok(Scan { report, index })
}

/// Every entry of the inbound tables reads and fits its key, no received message or call has
/// an id its counter would give out again, and every task's record, and every seen PDU's
/// message, is there.
fn check_inbound(
    r: &mut dyn Read,
    [next_received, next_call]: [u64; 2],
    report: &mut CheckReport,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    for table in inbound::TABLES {
        let next = match table {
            Table::Received => next_received,
            Table::Calls => next_call,
            _ => u64::MAX,
        };
        scan_table(r, table, |r, (k, v)| {
            match inbound::verify(table, &k, &v) {
                Ok(Checked::Id(id)) if id >= next => {
                    problem(problems, table, &k, format!("id {id} is at or above the next id to give, {next}"));
                }
                Ok(Checked::Task(kind, id)) if !inbound::task_target_exists(r, kind, id)? => {
                    problem(problems, table, &k, format!("a {} task for {id}, which is not there", kind.name()));
                }
                Ok(Checked::Seen(Some(id))) if !inbound::received_exists(r, id)? => {
                    problem(problems, table, &k, format!("seen going into received message {id}, which is not there"));
                }
                Ok(_) => report.inbound.add(table),
                Err(Bad::Record(e)) => {
                    report.newer_version = report.newer_version.max(newer(&e));
                    problem(problems, table, &k, e.to_string());
                }
                Err(bad) => problem(problems, table, &k, bad.detail()),
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The upstream table must map every kept message's upstream id to it, and hold nothing else
/// but tombstones of messages no longer kept.
fn check_upstream(
    r: &mut dyn Read,
    index: &Index,
    from_upstream: &mut [(u64, u64)],
    problems: &mut Vec<Problem>,
) -> Result<()> {
    from_upstream.sort_unstable();
    for pair in from_upstream.windows(2) {
        if let [(a, first), (b, second)] = pair {
            if a == b {
                problem(problems, Table::Upstream, &be(*a), format!("messages {first} and {second} share it"));
            }
        }
    }
    let mut expected = from_upstream.iter().peekable();
    scan_table(r, Table::Upstream, |_, (k, v)| {
        let up = read_be(&k, 0).filter(|_| k.len() == 8);
        // Every message before this key should have had its entry already.
        while let Some(&&(want, id)) = expected.peek() {
            if up.is_some_and(|up| want >= up) {
                break;
            }
            problem(problems, Table::Upstream, &be(want), format!("missing for message #{id}"));
            expected.next();
        }
        let Some(up) = up else {
            problem(problems, Table::Upstream, &k, "key is not an upstream id");
            return Ok(());
        };
        let wanted = expected.next_if(|(want, _)| *want == up).map(|&(_, id)| id);
        match (tx::decode_upstream(&v), wanted) {
            (Some(UpstreamEntry::Kept(id)), Some(want)) if id.0 == want => {}
            (Some(UpstreamEntry::Kept(id)), Some(want)) => {
                problem(problems, Table::Upstream, &k, format!("points at {id}, the message is #{want}"));
            }
            (Some(UpstreamEntry::Kept(id)), None) => {
                problem(problems, Table::Upstream, &k, format!("points at {id}, which is not kept"));
            }
            (Some(UpstreamEntry::Tombstone(id, _)), Some(want)) => {
                problem(problems, Table::Upstream, &k, format!("a tombstone of {id}, yet message #{want} is kept"));
            }
            (Some(UpstreamEntry::Tombstone(id, _)), None) if index.contains(id) => {
                problem(problems, Table::Upstream, &k, format!("a tombstone of {id}, which is kept"));
            }
            (Some(UpstreamEntry::Tombstone(..)), None) => {}
            (None, _) => problem(problems, Table::Upstream, &k, format!("malformed value ({} bytes)", v.len())),
        }
        Ok(())
    })?;
    for &(want, id) in expected {
        problem(problems, Table::Upstream, &be(want), format!("missing for message #{id}"));
    }
    Ok(())
}

fn require_exists(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(()),
        Err(source) => Err(Error::Io { path: path.to_path_buf(), source }),
    }
}

/// Checks the store at `path` without changing its records: every record decodes, the
/// upstream table agrees with the messages, no push is claimed twice. A store the engine
/// cannot open at all is `Error::Corrupt`.
pub fn check(path: impl AsRef<Path>, config: &Config) -> Result<CheckReport> {
    let path = path.as_ref();
    require_exists(path)?;
    let engine = super::open_engine_to_read(path, config)?;
    let mut report = CheckReport::default();
    engine.read(&mut |r| {
        report = scan(r, true)?.report;
        Ok(())
    })?;
    Ok(report)
}

fn remove_path(path: &Path) -> Result<()> {
    let result = match std::fs::symlink_metadata(path) {
        Err(_) => return Ok(()),
        Ok(md) if md.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    };
    result.map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Salvages the store at `path` into a fresh one: every record that decodes is copied, the
/// upstream table rebuilt from the messages (tombstones kept), and every record that does not
/// decode is set aside in the quarantine table and reported. The damaged store is kept beside
/// it as `<path>.damaged-<n>`. A redb file redb cannot open at all (cut short, its header
/// damaged) is salvaged from its pages, newest copy of each record first; one with nothing to
/// salvage is `Error::Corrupt` and stays as it is.
pub fn repair(path: impl AsRef<Path>, config: &Config) -> Result<RepairReport> {
    let path = path.as_ref();
    require_exists(path)?;
    let fresh = with_suffix(path, ".repairing");
    remove_path(&fresh)?;
    remove_path(&journal::path_of(&fresh))?;
    let mut report = RepairReport::default();
    // Read only, so the damaged store is kept exactly as it was found.
    let copied = match super::open_engine_to_read(path, config) {
        Ok(src) => super::open_engine(&fresh, config)
            .and_then(|dst| copy(src.as_ref(), path, dst.as_ref(), &fresh, &mut report)),
        // redb cannot make sense of the file as a whole: read what its pages still hold.
        Err(Error::Corrupt { detail, .. }) if config.backend == Backend::Redb => super::open_engine(&fresh, config)
            .and_then(|dst| copy_pages(path, dst.as_ref(), &fresh, &mut report, &detail)),
        Err(e) => Err(e),
    };
    if let Err(e) = copied {
        // The damaged store stays as it was; the half-made copy goes.
        remove_path(&fresh)?;
        remove_path(&journal::path_of(&fresh))?;
        return Err(e);
    }
    let mut n = 1u32;
    let backup = loop {
        let candidate = with_suffix(path, &format!(".damaged-{n}"));
        if std::fs::symlink_metadata(&candidate).is_err() {
            break candidate;
        }
        n += 1;
    };
    // A redb store's journal goes with it (both engines were closed with a checkpoint, so
    // neither journal holds anything still to replay).
    let rename = |from: &Path, to: &Path| -> Result<()> {
        std::fs::rename(from, to).map_err(|source| Error::Io { path: from.to_path_buf(), source })
    };
    rename(path, &backup)?;
    if journal::path_of(path).exists() {
        rename(&journal::path_of(path), &journal::path_of(&backup))?;
    }
    rename(&fresh, path)?;
    if journal::path_of(&fresh).exists() {
        rename(&journal::path_of(&fresh), &journal::path_of(path))?;
    }
    // The renames are durable once the directory holding them is.
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    }
    report.backup = backup;
    Ok(report)
}

fn later(path: &Path, table: Table, found: u8) -> Error {
    Error::UnsupportedVersion { path: path.to_path_buf(), what: table.name(), found, supported: RECORD_VERSION }
}

fn copy(src: &dyn Engine, src_path: &Path, dst: &dyn Engine, dst_path: &Path, report: &mut RepairReport) -> Result<()> {
    let quarantine = |w: &mut dyn Write, table: Table, k: &[u8], v: &[u8], reason: String| -> Result<Quarantined> {
        let q = Quarantined { table: table.name().into(), key: k.to_vec(), value: v.to_vec(), reason };
        let seq = tx::take_next(w, dst_path, meta::NEXT_QUARANTINE)?;
        tx::put_record(w, Table::Quarantine, &be(seq), &q)?;
        Ok(q)
    };
    // A stretch the engine cannot read ends the copy of that table; the rest is still copied.
    let salvage = |result: Result<()>, table: Table, problems: &mut Vec<Problem>| -> Result<()> {
        match result {
            Err(Error::Corrupt { detail, .. }) => {
                problem(problems, table, &[], format!("unreadable from here on: {detail}"));
                Ok(())
            }
            other => other,
        }
    };

    let mut counters = Vec::new();
    src.read(&mut |r| {
        let format = tx::get_u64(r, src_path, Table::Meta, meta::FORMAT).unwrap_or(FORMAT_VERSION);
        if format > FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                path: src_path.to_path_buf(),
                what: "the store",
                found: u8::try_from(format).unwrap_or(u8::MAX),
                supported: FORMAT_VERSION as u8,
            });
        }
        for name in meta::ALL {
            if let Some(v) = r.get(Table::Meta, name)? {
                counters.push((name, v));
            }
        }
        Ok(())
    })?;
    let acked = counters
        .iter()
        .find(|(name, _)| *name == meta::ACKED_PUSH)
        .and_then(|(_, v)| read_be(v, 0).filter(|_| v.len() == 8))
        .unwrap_or(0);
    let mut problems = Vec::new();
    // The highest id, push and history numbers seen, salvaged or not: never given out again.
    let (mut max_id, mut max_push, mut next_change) = (0u64, 0u64, 0u64);
    let mut quarantined = Vec::new();

    let r = for_each_page(src, Table::Messages, |page| {
        dst.write(&mut |w| {
            for (k, v) in &page {
                if let Some(id) = read_be(k, 0) {
                    max_id = max_id.max(id);
                }
                match record::decode::<Stored>(v) {
                    Ok(s) if k.len() == 8 && read_be(k, 0) == Some(s.id().0) => {
                        if tx::load(w, dst_path, s.id())?.is_some() {
                            continue;
                        }
                        w.put(Table::Messages, k, v)?;
                        if let Some(up) = s.message.upstream_id {
                            // Two messages claiming one upstream id: the first keeps it.
                            if w.get(Table::Upstream, &be(up))?.is_none() {
                                w.put(Table::Upstream, &be(up), &be(s.id().0))?;
                            }
                        }
                        max_push = s.pushes.iter().map(|p| p.seq).fold(max_push, u64::max);
                        if let Some(c) = s.changes.last() {
                            next_change = next_change.max(c.seq.saturating_add(1));
                        }
                        report.messages += 1;
                        report.pushes += s.pushes.iter().filter(|p| p.seq > acked).count() as u64;
                        report.changes += s.changes.len() as u64;
                    }
                    Ok(s) => quarantined.push(quarantine(w, Table::Messages, k, v, format!("key holds {}", s.id()))?),
                    Err(e) => match newer(&e) {
                        Some(found) => return Err(later(src_path, Table::Messages, found)),
                        None => quarantined.push(quarantine(w, Table::Messages, k, v, e.to_string())?),
                    },
                }
            }
            Ok(())
        })
    });
    salvage(r, Table::Messages, &mut problems)?;

    // Tombstones are kept; an entry whose message was not salvaged is reported, since its
    // upstream row could now be queued again.
    let r = for_each_page(src, Table::Upstream, |page| {
        dst.write(&mut |w| {
            for (k, v) in &page {
                let up = read_be(k, 0).filter(|_| k.len() == 8);
                match (up, tx::decode_upstream(v)) {
                    (Some(_), Some(UpstreamEntry::Tombstone(..))) => {
                        if w.get(Table::Upstream, k)?.is_none() {
                            w.put(Table::Upstream, k, v)?;
                        }
                    }
                    (Some(up), Some(UpstreamEntry::Kept(id))) => {
                        if w.get(Table::Upstream, k)?.is_none() {
                            let detail =
                                format!("message {id} was not salvaged: upstream row {up} may be queued again");
                            problem(&mut problems, Table::Upstream, k, detail);
                        }
                    }
                    _ => quarantined.push(quarantine(w, Table::Upstream, k, v, "malformed entry".into())?),
                }
            }
            Ok(())
        })
    });
    salvage(r, Table::Upstream, &mut problems)?;

    // Earlier quarantines are kept as they were.
    let r = for_each_page(src, Table::Quarantine, |page| {
        dst.write(&mut |w| {
            for (_, v) in &page {
                let seq = tx::take_next(w, dst_path, meta::NEXT_QUARANTINE)?;
                w.put(Table::Quarantine, &be(seq), v)?;
            }
            Ok(())
        })
    });
    salvage(r, Table::Quarantine, &mut problems)?;

    // The inbound tables, in tag order so that a task or a seen PDU comes after the record it
    // is about: one whose record was not salvaged goes (and is reported).
    let (mut next_received, mut next_call) = (0u64, 0u64);
    for table in inbound::TABLES {
        let r = for_each_page(src, table, |page| {
            dst.write(&mut |w| {
                for (k, v) in &page {
                    if let Some(id) = read_be(k, 0).filter(|_| k.len() == 8) {
                        match table {
                            Table::Received => next_received = next_received.max(id.saturating_add(1)),
                            Table::Calls => next_call = next_call.max(id.saturating_add(1)),
                            _ => {}
                        }
                    }
                    match inbound::verify(table, k, v) {
                        Ok(Checked::Task(kind, id)) if !inbound::task_target_exists(w, kind, id)? => {
                            let detail = format!("a {} task for {id}, whose record was not salvaged", kind.name());
                            problem(&mut problems, table, k, detail);
                        }
                        Ok(Checked::Seen(Some(id))) if !inbound::received_exists(w, id)? => {
                            let detail = format!("seen going into received message {id}, which was not salvaged");
                            problem(&mut problems, table, k, detail);
                        }
                        Ok(_) => {
                            w.put(table, k, v)?;
                            report.inbound.add(table);
                        }
                        Err(Bad::Record(e)) => match newer(&e) {
                            Some(found) => return Err(later(src_path, table, found)),
                            None => quarantined.push(quarantine(w, table, k, v, e.to_string())?),
                        },
                        Err(bad) => quarantined.push(quarantine(w, table, k, v, bad.detail())?),
                    }
                }
                Ok(())
            })
        });
        salvage(r, table, &mut problems)?;
    }

    // Counters: what was stored, but never below what the records show was used.
    dst.write(&mut |w| {
        for (name, v) in &counters {
            if *name != meta::NEXT_QUARANTINE {
                if let Some(n) = read_be(v, 0).filter(|_| v.len() == 8) {
                    tx::put_u64(w, Table::Meta, name, n)?;
                }
            }
        }
        tx::put_u64(w, Table::Meta, meta::FORMAT, FORMAT_VERSION)?;
        let raise = |w: &mut dyn Write, name: &[u8], floor: u64| -> Result<()> {
            let n = tx::get_u64(w, dst_path, Table::Meta, name)?;
            tx::put_u64(w, Table::Meta, name, n.max(floor))
        };
        raise(w, meta::NEXT_ID, max_id.saturating_add(1))?;
        raise(w, meta::LAST_PUSH, max_push)?;
        raise(w, meta::NEXT_CHANGE, next_change)?;
        raise(w, meta::NEXT_RECEIVED, next_received)?;
        raise(w, meta::NEXT_CALL, next_call)?;
        Ok(())
    })?;
    report.quarantined = quarantined;
    report.problems = problems;
    Ok(())
}

/// An entry found in a page or the journal: table, key (without its tag), value.
type Found = (Table, Vec<u8>, Vec<u8>);

/// Whether `a` is a later version of a message record than `b`: every change of a message adds
/// a history entry with a higher sequence number.
fn newer_copy(a: &Stored, b: &Stored) -> bool {
    let version = |s: &Stored| (s.changes.last().map(|c| c.seq), s.changes.len(), s.message.updated);
    version(a) > version(b)
}

/// Salvages a redb file redb cannot open, from its pages (see `salvage`): of every message the
/// newest copy found, tombstones, the meta values (the highest found: they only grow) and
/// earlier quarantines. A message whose upstream id has a tombstone is an old copy of one
/// compacted away and stays gone.
fn copy_pages(src_path: &Path, dst: &dyn Engine, dst_path: &Path, report: &mut RepairReport, why: &str) -> Result<()> {
    let mut meta_found: BTreeMap<&'static [u8], u64> = BTreeMap::new();
    // Upstream ids seen pointing at a message, and records that do not read, by key.
    let mut pointed: BTreeMap<u64, MessageId> = BTreeMap::new();
    let mut unreadable: BTreeMap<Vec<u8>, (Vec<u8>, String)> = BTreeMap::new();
    let mut quarantines: Vec<Vec<u8>> = Vec::new();
    let mut max_id = 0u64;
    let (mut next_received, mut next_call) = (0u64, 0u64);
    // The journal's entries are taken like the pages' (the newest copy of each record wins),
    // after them: whether they are newer than the file's last checkpoint is not known.
    let journaled: Vec<Vec<Found>> = journal::read_chain(&journal::path_of(src_path))?
        .into_iter()
        .map(|(_, ops)| {
            ops.into_iter()
                .filter_map(|(key, value)| {
                    let (&tag, rest) = key.split_first()?;
                    Some((salvage::table_of(tag)?, rest.to_vec(), value?))
                })
                .collect()
        })
        .collect();
    let mut take = |entries: Vec<Found>| -> Result<()> {
        dst.write(&mut |w| {
            for (table, k, v) in &entries {
                match table {
                    Table::Meta => {
                        let name = meta::ALL.into_iter().find(|n| n == k);
                        if let Some((name, n)) = name.zip(read_be(v, 0).filter(|_| v.len() == 8)) {
                            let slot = meta_found.entry(name).or_default();
                            *slot = (*slot).max(n);
                        }
                    }
                    Table::Messages => {
                        let Some(id) = read_be(k, 0).filter(|_| k.len() == 8) else { continue };
                        max_id = max_id.max(id);
                        match record::decode::<Stored>(v) {
                            Ok(s) if s.id().0 == id => {
                                let keep = match tx::load(w, dst_path, s.id()) {
                                    Ok(Some(there)) => newer_copy(&s, &there),
                                    _ => true,
                                };
                                if keep {
                                    w.put(Table::Messages, k, v)?;
                                }
                            }
                            Ok(_) => {}
                            Err(e) => match newer(&e) {
                                Some(found) => return Err(later(src_path, Table::Messages, found)),
                                None => drop(unreadable.insert(k.to_vec(), (v.to_vec(), e.to_string()))),
                            },
                        }
                    }
                    Table::Upstream => {
                        let Some(up) = read_be(k, 0).filter(|_| k.len() == 8) else { continue };
                        match tx::decode_upstream(v) {
                            Some(UpstreamEntry::Tombstone(..)) => w.put(Table::Upstream, k, v)?,
                            Some(UpstreamEntry::Kept(id)) => drop(pointed.insert(up, id)),
                            None => {}
                        }
                    }
                    Table::Quarantine => {
                        if record::decode::<Quarantined>(v).is_ok() && !quarantines.iter().any(|q| q == v) {
                            quarantines.push(v.to_vec());
                        }
                    }
                    // Received messages and calls never change once written, so any copy is
                    // theirs; a reply memory keeps the latest time found, a seen PDU the copy
                    // that names its message. Freed pages hold stale entries that do not read:
                    // they are passed over, not quarantined.
                    Table::Fragments
                    | Table::Received
                    | Table::Calls
                    | Table::Replies
                    | Table::OptOuts
                    | Table::Tasks
                    | Table::Seen => {
                        if let Some(id) = read_be(k, 0).filter(|_| k.len() == 8) {
                            match table {
                                Table::Received => next_received = next_received.max(id.saturating_add(1)),
                                Table::Calls => next_call = next_call.max(id.saturating_add(1)),
                                _ => {}
                            }
                        }
                        match inbound::verify(*table, k, v) {
                            Ok(_) => {
                                if *table == Table::Replies {
                                    let there =
                                        w.get(Table::Replies, k)?.and_then(|t| record::decode::<UnixMs>(&t).ok());
                                    let found = record::decode::<UnixMs>(v).ok();
                                    if there >= found {
                                        continue;
                                    }
                                }
                                if *table == Table::Seen {
                                    if let Some(there) = w.get(Table::Seen, k)? {
                                        if !inbound::seen_is_later(v, &there) {
                                            continue;
                                        }
                                    }
                                }
                                w.put(*table, k, v)?;
                            }
                            Err(Bad::Record(e)) => {
                                if let Some(found) = newer(&e) {
                                    return Err(later(src_path, *table, found));
                                }
                            }
                            Err(Bad::Shape(_)) => {}
                        }
                    }
                }
            }
            Ok(())
        })
    };
    let leaves = salvage::leaf_pages(src_path, |entries| {
        take(entries.into_iter().map(|(t, k, v)| (t, k.to_vec(), v.to_vec())).collect())
    })?;
    let entries = journaled.len();
    for ops in journaled {
        take(ops)?;
    }
    let mut salvaged = 0u64;
    dst.read(&mut |r| {
        salvaged = r.range(Table::Messages, &[], None, 1)?.len() as u64;
        Ok(())
    })?;
    if salvaged == 0 && meta_found.is_empty() {
        return Err(Error::Corrupt {
            path: src_path.to_path_buf(),
            detail: format!(
                "{why}; no page of it holds a record of the store ({leaves} leaf pages, {entries} journal entries)"
            ),
        });
    }
    problem(
        &mut report.problems,
        Table::Meta,
        &[],
        format!(
            "the engine could not open the file ({why}): records were read from its pages; a message whose \
             latest copy was lost is back as an earlier one"
        ),
    );
    let acked = meta_found.get(meta::ACKED_PUSH).copied().unwrap_or(0);
    let (mut max_push, mut next_change) = (0u64, 0u64);
    let mut quarantined = Vec::new();
    // Each salvaged message gets its upstream entry, unless a tombstone says it was compacted.
    let r = for_each_page(dst, Table::Messages, |page| {
        dst.write(&mut |w| {
            for (k, v) in &page {
                let Ok(s) = record::decode::<Stored>(v) else { continue };
                if let Some(up) = s.message.upstream_id {
                    if let Some(UpstreamEntry::Tombstone(..)) = tx::get_upstream(w, dst_path, up)? {
                        w.delete(Table::Messages, k)?;
                        continue;
                    }
                    w.put(Table::Upstream, &be(up), &be(s.id().0))?;
                    pointed.remove(&up);
                }
                unreadable.remove(k);
                max_push = s.pushes.iter().map(|p| p.seq).fold(max_push, u64::max);
                if let Some(c) = s.changes.last() {
                    next_change = next_change.max(c.seq.saturating_add(1));
                }
                report.messages += 1;
                report.pushes += s.pushes.iter().filter(|p| p.seq > acked).count() as u64;
                report.changes += s.changes.len() as u64;
            }
            Ok(())
        })
    });
    r?;
    settle_inbound(dst, &mut report.inbound, &mut report.problems)?;
    dst.write(&mut |w| {
        for (k, (v, why)) in &unreadable {
            let q = Quarantined {
                table: Table::Messages.name().into(),
                key: k.clone(),
                value: v.clone(),
                reason: why.clone(),
            };
            let seq = tx::take_next(w, dst_path, meta::NEXT_QUARANTINE)?;
            tx::put_record(w, Table::Quarantine, &be(seq), &q)?;
            quarantined.push(q);
        }
        for v in &quarantines {
            let seq = tx::take_next(w, dst_path, meta::NEXT_QUARANTINE)?;
            w.put(Table::Quarantine, &be(seq), v)?;
        }
        for (name, n) in &meta_found {
            if *name != meta::NEXT_QUARANTINE {
                tx::put_u64(w, Table::Meta, name, *n)?;
            }
        }
        tx::put_u64(w, Table::Meta, meta::FORMAT, FORMAT_VERSION)?;
        let raise = |w: &mut dyn Write, name: &[u8], floor: u64| -> Result<()> {
            let n = tx::get_u64(w, dst_path, Table::Meta, name)?;
            tx::put_u64(w, Table::Meta, name, n.max(floor))
        };
        raise(w, meta::NEXT_ID, max_id.saturating_add(1))?;
        raise(w, meta::LAST_PUSH, max_push.max(acked))?;
        raise(w, meta::NEXT_CHANGE, next_change)?;
        raise(w, meta::NEXT_RECEIVED, next_received)?;
        raise(w, meta::NEXT_CALL, next_call)?;
        Ok(())
    })?;
    for (up, id) in pointed {
        let detail = format!("message {id} was not salvaged: upstream row {up} may be queued again");
        problem(&mut report.problems, Table::Upstream, &be(up), detail);
    }
    report.quarantined = quarantined;
    Ok(())
}

/// After a salvage from pages: counts the inbound entries taken and drops the task marks and
/// seen PDUs whose record was not found (reported). A record whose task was done may come back
/// with its mark from an older page: that work is then done again, never skipped.
fn settle_inbound(dst: &dyn Engine, counts: &mut InboundCounts, problems: &mut Vec<Problem>) -> Result<()> {
    for table in inbound::TABLES {
        for_each_page(dst, table, |page| {
            dst.write(&mut |w| {
                for (k, v) in &page {
                    let orphan = match inbound::verify(table, k, v) {
                        Ok(Checked::Task(kind, id)) if !inbound::task_target_exists(w, kind, id)? => {
                            Some(format!("a {} task for {id}, whose record was not salvaged", kind.name()))
                        }
                        Ok(Checked::Seen(Some(id))) if !inbound::received_exists(w, id)? => {
                            Some(format!("seen going into received message {id}, which was not salvaged"))
                        }
                        _ => None,
                    };
                    if let Some(detail) = orphan {
                        w.delete(table, k)?;
                        problem(problems, table, k, detail);
                        continue;
                    }
                    counts.add(table);
                }
                Ok(())
            })
        })?;
    }
    Ok(())
}
