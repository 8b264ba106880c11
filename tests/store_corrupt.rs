//! Damaged stores: a clear error at open, `check` says what is wrong, `repair` salvages.

mod store_support;

use std::path::{Path, PathBuf};

use smsgw::linux::store::{check, repair, Backend, Config, Error, Failure, Filter, MessageId, StateKind, Store};
use store_support::{msg, t};

const MESSAGES: u64 = 50;

/// A closed store with `MESSAGES` messages whose texts are easy to find in the files, some
/// of them part-way through their life.
fn build(backend: Backend) -> (tempfile::TempDir, PathBuf, Config) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    let config = Config { backend, ..Config::default() };
    let s = Store::open(&path, config.clone()).unwrap();
    for i in 0..MESSAGES {
        let mut new = msg("+41790000000", &format!("MARKER-{i:03}-text"), 1);
        new.upstream_id = Some(1000 + i);
        let id = s.enqueue(&new, t(i)).unwrap().message.id;
        if i % 3 == 0 {
            s.begin_part(id, 0, t(100 + i)).unwrap();
            s.part_failed(id, 0, &Failure::Temporary("busy".into()), t(101 + i)).unwrap();
        }
    }
    (dir, path, config)
}

fn corrupt_detail(r: Result<Store, Error>) -> String {
    match r {
        Err(Error::Corrupt { detail, .. }) => detail,
        other => panic!("expected Error::Corrupt, got {other:?}"),
    }
}

/// Flips the last bit of the marker wherever it is in the file: redb copies a page to change
/// it, so stale copies of a record lie in freed pages, and the live one is among them.
fn flip_marker(file: &Path, marker: &[u8]) {
    let mut data = std::fs::read(file).unwrap();
    let found: Vec<usize> =
        data.windows(marker.len()).enumerate().filter(|(_, w)| *w == marker).map(|(i, _)| i).collect();
    assert!(!found.is_empty(), "marker in file");
    for pos in found {
        data[pos + marker.len() - 1] ^= 0x01;
    }
    std::fs::write(file, &data).unwrap();
}

#[test]
fn redb_truncated_file_is_a_clear_error_at_open() {
    let (dir, path, config) = build(Backend::Redb);
    let data = std::fs::read(&path).unwrap();
    for len in [0, 1, 100, 4096, data.len() / 2, data.len() - 1] {
        let cut = dir.path().join(format!("cut-{len}"));
        std::fs::write(&cut, &data[..len]).unwrap();
        let detail = corrupt_detail(Store::open(&cut, config.clone()));
        assert!(!detail.is_empty(), "length {len}");
        let shown = Store::open(&cut, config.clone()).unwrap_err().to_string();
        assert!(shown.contains("is corrupt") && shown.contains(&format!("cut-{len}")), "{shown}");
    }
    // Still good in full.
    std::fs::write(dir.path().join("whole"), &data).unwrap();
    assert_eq!(Store::open(dir.path().join("whole"), config).unwrap().counts().unwrap().total(), MESSAGES);
}

/// Everything a reader of the store sees.
fn snapshot(path: &Path, config: &Config) -> impl PartialEq + std::fmt::Debug {
    let s = Store::open(path, config.clone()).unwrap();
    let all = Filter { state: None, limit: usize::MAX, offset: 0 };
    (
        s.list(all).unwrap(),
        s.pending_pushes(usize::MAX).unwrap(),
        s.history(t(0), usize::MAX).unwrap(),
        s.stats().unwrap(),
        s.next_ready(t(u64::MAX / 2)).unwrap(),
    )
}

#[test]
fn redb_garbage_and_damaged_header_are_clear_errors() {
    let (dir, path, config) = build(Backend::Redb);
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, vec![0x5Au8; 64 * 1024]).unwrap();
    corrupt_detail(Store::open(&garbage, config.clone()));
    // Nothing to salvage in garbage: repair says so and leaves the file as it was.
    let e = repair(&garbage, &config).unwrap_err();
    assert!(matches!(&e, Error::Corrupt { detail, .. } if detail.contains("no page of it holds a record")), "{e}");
    assert_eq!(std::fs::read(&garbage).unwrap(), vec![0x5Au8; 64 * 1024]);
    assert!(!dir.path().join("garbage.repairing").exists());

    let before = snapshot(&path, &config);
    let mut data = std::fs::read(&path).unwrap();
    data[0] ^= 0xFF;
    std::fs::write(&path, &data).unwrap();
    corrupt_detail(Store::open(&path, config.clone()));
    assert!(matches!(check(&path, &config), Err(Error::Corrupt { .. })));
    // The pages are intact: a repair reads every record back from them.
    let fixed = repair(&path, &config).unwrap();
    assert_eq!(fixed.messages, MESSAGES);
    assert!(fixed.quarantined.is_empty(), "{:?}", fixed.quarantined);
    assert!(fixed.problems[0].detail.contains("could not open the file"), "{:?}", fixed.problems);
    assert_eq!(std::fs::read(&fixed.backup).unwrap(), data, "the damaged file is kept as it was");
    assert!(check(&path, &config).unwrap().is_ok());
    assert_eq!(snapshot(&path, &config), before);
}

/// A store whose file was cut short: what the remaining pages hold comes back, each message
/// as its latest copy found, and nothing compacted away returns.
#[test]
fn redb_truncated_file_is_salvaged_from_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    let config = Config { backend: Backend::Redb, retention: std::time::Duration::ZERO, ..Config::default() };
    let s = Store::open(&path, config.clone()).unwrap();
    for i in 0..200u64 {
        let mut new = msg("+41790000000", &format!("MARKER-{i:03}-text"), 1);
        new.upstream_id = Some(i);
        let id = s.enqueue(&new, t(i)).unwrap().message.id;
        s.begin_part(id, 0, t(i)).unwrap();
        if i < 20 {
            s.part_sent(id, 0, 1, t(i)).unwrap();
        }
    }
    // The first 20 end and are compacted away, leaving tombstones; stale copies of their
    // records stay behind in freed pages.
    s.ack_pushes(u64::MAX).unwrap();
    assert_eq!(s.compact(t(10_000)).unwrap().messages, 20);
    drop(s);
    let data = std::fs::read(&path).unwrap();
    std::fs::write(&path, &data[..data.len() * 3 / 4]).unwrap();
    corrupt_detail(Store::open(&path, config.clone()));

    let fixed = repair(&path, &config).unwrap();
    let s = Store::open(&path, config.clone()).unwrap();
    let all = s.list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap();
    assert_eq!(all.len() as u64, fixed.messages);
    assert!(fixed.messages > 0, "{fixed:?}");
    for m in &all {
        let up = m.upstream_id.unwrap();
        assert!(up >= 20, "message {} was compacted away and must not come back", m.id);
        assert_eq!(m.text, format!("MARKER-{up:03}-text"));
        assert_eq!(m.in_flight(), Some(0), "the latest copy: part in flight");
        assert_eq!(s.by_upstream(up).unwrap().unwrap().id, m.id);
    }
    drop(s);
    assert!(check(&path, &config).unwrap().is_ok());
}

#[test]
fn redb_damaged_record_open_fails_check_reports_repair_quarantines() {
    let (dir, path, config) = build(Backend::Redb);
    flip_marker(&path, b"MARKER-025");
    let detail = corrupt_detail(Store::open(&path, config.clone()));
    assert!(detail.contains("messages") && detail.contains("checksum"), "{detail}");

    let report = check(&path, &config).unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.messages, MESSAGES - 1);
    assert!(report.problems.iter().any(|p| p.table == "messages" && p.detail.contains("checksum")), "{report:?}");
    assert!(
        report.problems.iter().any(|p| p.table == "upstream" && p.detail.contains("#26")),
        "the upstream entry of the lost message points at nothing: {report:?}"
    );

    let fixed = repair(&path, &config).unwrap();
    assert_eq!(fixed.messages, MESSAGES - 1);
    assert_eq!(fixed.quarantined.len(), 1);
    assert_eq!(fixed.quarantined[0].table, "messages");
    assert_eq!(fixed.quarantined[0].key, 26u64.to_be_bytes(), "message 26 holds MARKER-025");
    assert!(fixed.backup.exists() && fixed.backup.starts_with(dir.path()));
    assert!(
        fixed.problems.iter().any(|p| p.table == "upstream" && p.detail.contains("row 1025 may be queued again")),
        "{:?}",
        fixed.problems
    );

    let after = check(&path, &config).unwrap();
    assert!(after.is_ok(), "{:?}", after.problems);
    assert_eq!(after.quarantined, 1);
    let s = Store::open(&path, config.clone()).unwrap();
    assert_eq!(s.counts().unwrap().total(), MESSAGES - 1);
    assert_eq!(s.get(MessageId(26)).unwrap(), None);
    assert_eq!(s.get(MessageId(27)).unwrap().unwrap().text, "MARKER-026-text");
    assert_eq!(s.quarantine().unwrap(), fixed.quarantined);
    // The store goes on: ids are not reused, pushes and history survived.
    let next = s.enqueue(&msg("+1", "after repair", 1), t(1_000)).unwrap().message.id;
    assert_eq!(next, MessageId(MESSAGES + 1));
    assert!(!s.pending_pushes(1000).unwrap().is_empty());
    assert!(s.history(t(0), 1000).unwrap().len() as u64 >= MESSAGES);
}

#[test]
fn repair_of_a_sound_store_keeps_everything() {
    for backend in store_support::backends() {
        let (_dir, path, config) = build(backend);
        let before = {
            let s = Store::open(&path, config.clone()).unwrap();
            let all = Filter { state: None, limit: usize::MAX, offset: 0 };
            (
                s.list(all).unwrap(),
                s.pending_pushes(usize::MAX).unwrap(),
                s.history(t(0), usize::MAX).unwrap(),
                s.stats().unwrap(),
                s.next_ready(t(u64::MAX / 2)).unwrap(),
            )
        };
        let fixed = repair(&path, &config).unwrap();
        assert!(fixed.quarantined.is_empty() && fixed.problems.is_empty(), "{fixed:?}");
        let s = Store::open(&path, config.clone()).unwrap();
        let all = Filter { state: None, limit: usize::MAX, offset: 0 };
        let after = (
            s.list(all).unwrap(),
            s.pending_pushes(usize::MAX).unwrap(),
            s.history(t(0), usize::MAX).unwrap(),
            s.stats().unwrap(),
            s.next_ready(t(u64::MAX / 2)).unwrap(),
        );
        assert_eq!(after, before, "{backend:?}");
        assert_eq!(s.counts().unwrap().get(StateKind::Queued), MESSAGES);
    }
}

#[test]
fn check_and_repair_of_a_missing_store_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing");
    let config = Config::default();
    assert!(matches!(check(&path, &config), Err(Error::Io { .. })));
    assert!(matches!(repair(&path, &config), Err(Error::Io { .. })));
    assert!(!path.exists(), "check must not create a store");
}

#[test]
fn a_store_open_twice_is_in_use() {
    for backend in store_support::backends() {
        let (_dir, path, config) = build(backend);
        let _first = Store::open(&path, config.clone()).unwrap();
        let second = Store::open(&path, Config { backend, ..config.clone() });
        assert!(matches!(second, Err(Error::InUse { .. })), "{backend:?}: {second:?}");
    }
}

/// sled treats a damaged log entry as the end of its log (as it must after a torn write) and
/// comes back at the last state before it, without an error. What opens must still be a
/// consistent earlier state: the check passes and the messages are a prefix of those queued.
#[cfg(feature = "sled")]
#[test]
fn sled_damaged_log_comes_back_consistent() {
    for damage in ["flip", "truncate"] {
        let (_dir, path, config) = build(Backend::Sled);
        let db = path.join("db");
        match damage {
            "flip" => flip_marker(&db, b"MARKER-025"),
            _ => {
                let data = std::fs::read(&db).unwrap();
                std::fs::write(&db, &data[..data.len() * 2 / 3]).unwrap();
            }
        }
        let s = match Store::open(&path, config.clone()) {
            Err(Error::Corrupt { .. }) => continue,
            Err(e) => panic!("{damage}: {e}"),
            Ok(s) => s,
        };
        let ids: Vec<u64> =
            s.list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap().iter().map(|m| m.id.0).collect();
        let n = ids.len() as u64;
        assert_eq!(ids, (1..=n).collect::<Vec<_>>(), "{damage}: a prefix");
        assert!(n < MESSAGES, "{damage}: the damage cost the later commits");
        drop(s);
        let report = check(&path, &config).unwrap();
        assert!(report.is_ok(), "{damage}: {:?}", report.problems);
    }
}

/// A power cut while a new store file is first created leaves at most a half-made `<path>.new`
/// beside it, never an empty store file that the next start would refuse for ever; an existing
/// store cut to nothing is still refused.
#[test]
fn a_store_cut_off_while_first_created_starts_new_and_an_emptied_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.redb");
    std::fs::write(dir.path().join("queue.redb.new"), b"half a file").unwrap();
    let config = Config::default();
    let s = Store::open(&path, config.clone()).unwrap();
    s.enqueue(&msg("+41790000000", "after the cut", 1), t(1)).unwrap();
    drop(s);
    assert!(!dir.path().join("queue.redb.new").exists(), "the half-made file was replaced and renamed");
    assert_eq!(Store::open(&path, config.clone()).unwrap().counts().unwrap().get(StateKind::Queued), 1);
    std::fs::write(&path, b"").unwrap();
    assert!(corrupt_detail(Store::open(&path, config)).contains("empty"));
}
