//! The redb store's journal: a transaction is durable once its journal entry is synced, redb
//! holding it only in memory until the next checkpoint. A child process (this test binary run
//! again) commits and then aborts without running a destructor; what it committed must be
//! there when the store opens again, and only the journal can have kept it.

use std::path::{Path, PathBuf};
mod common;

use smsgw::linux::store::{check, Config, Error, MessageId, NewMessage, Store, UnixMs, CHECKPOINT_EVERY};

const CHILD: &str = "SMSGW_STORE_JOURNAL_CHILD";

fn journal_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.journal", path.display()))
}

/// The child: queues and sends `n` messages, then aborts. A no-op in an ordinary run.
#[test]
fn journal_child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let (path, n) = spec.split_once('|').unwrap();
    let store = Store::open(path, Config::default()).unwrap();
    for i in 0..n.parse::<u64>().unwrap() {
        let mut new = NewMessage::new("+41790000000", format!("text {i}"), 1);
        new.upstream_id = Some(i);
        let id = store.enqueue(&new, UnixMs(i)).unwrap().message.id;
        store.begin_part(id, 0, UnixMs(i)).unwrap();
        store.part_sent(id, 0, (i % 256) as u8, UnixMs(i)).unwrap();
    }
    std::process::abort();
}

/// This test binary, under qemu-user through `SMSGW_TEST_RUNNER` where that is set.
fn child(path: &Path, n: u64) {
    let mut cmd = common::this_test_binary();
    let status = cmd
        .args(["journal_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{}|{n}", path.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child aborts");
}

fn sent(s: &Store) -> u64 {
    s.counts().unwrap().get(smsgw::linux::store::StateKind::Sent)
}

#[test]
fn commits_since_the_last_checkpoint_come_back_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    drop(Store::open(&path, Config::default()).unwrap());
    child(&path, 40);
    let journal = std::fs::read(journal_of(&path)).unwrap();

    // Without its journal the file holds none of them: they were never checkpointed.
    std::fs::rename(journal_of(&path), dir.path().join("aside")).unwrap();
    assert_eq!(Store::open(&path, Config::default()).unwrap().counts().unwrap().total(), 0);
    std::fs::write(journal_of(&path), &journal).unwrap();
    // A check replays them rather than report the file as it is.
    let report = check(&path, &Config::default()).unwrap();
    assert!(report.is_ok() && report.messages == 40, "{report:?}");

    let s = Store::open(&path, Config::default()).unwrap();
    assert_eq!(sent(&s), 40);
    for i in 0..40 {
        let m = s.by_upstream(i).unwrap().unwrap();
        assert_eq!((m.text.as_str(), m.parts[0].state.is_sent()), (format!("text {i}").as_str(), true));
    }
    assert_eq!(s.pending_pushes(usize::MAX).unwrap().len(), 80, "a push for sending and one for sent");
    drop(s);
    // Closed cleanly: checkpointed, so the file alone holds everything.
    std::fs::remove_file(journal_of(&path)).unwrap();
    assert_eq!(sent(&Store::open(&path, Config::default()).unwrap()), 40);
}

#[test]
fn a_checkpoint_along_the_way_and_the_entries_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    // Three commits per message: past a checkpoint, with entries after it.
    let n = CHECKPOINT_EVERY / 3 + 20;
    child(&path, n);
    let s = Store::open(&path, Config::default()).unwrap();
    assert_eq!(sent(&s), n);
    assert_eq!(s.get(MessageId(n)).unwrap().unwrap().text, format!("text {}", n - 1));
}

#[test]
fn entries_the_checkpoint_covers_are_not_replayed_and_a_gap_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    child(&path, 10);
    let journal = std::fs::read(journal_of(&path)).unwrap();
    // Replayed and checkpointed by this open; the journal still holds the same entries, all
    // covered now: opening again changes nothing.
    let before = Store::open(&path, Config::default()).unwrap().list(all()).unwrap();
    assert_eq!(before.len(), 10);
    std::fs::write(journal_of(&path), &journal).unwrap();
    assert_eq!(Store::open(&path, Config::default()).unwrap().list(all()).unwrap(), before);

    // A journal whose first entry is gone starts after a gap: refused, not half applied.
    let other = dir.path().join("other");
    child(&other, 5);
    let entries = std::fs::read(journal_of(&other)).unwrap();
    let first_len = 8 + u32::from_le_bytes(entries[4..8].try_into().unwrap()) as usize + 4;
    let mut gapped = entries[first_len..].to_vec();
    gapped.resize(entries.len(), 0);
    std::fs::write(journal_of(&other), gapped).unwrap();
    let e = Store::open(&other, Config::default()).unwrap_err();
    assert!(matches!(&e, Error::Corrupt { detail, .. } if detail.contains("the journal starts at entry 2")), "{e}");
}

fn all() -> smsgw::linux::store::Filter {
    smsgw::linux::store::Filter { state: None, limit: usize::MAX, offset: 0 }
}

/// A store file gone bad beyond redb's reading, its journal intact: a repair takes the
/// records both still hold, the journal's being the newest.
#[test]
fn repair_salvages_from_the_journal_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    child(&path, 12);
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    std::fs::write(&path, vec![0u8; len]).unwrap();
    assert!(matches!(Store::open(&path, Config::default()), Err(Error::Corrupt { .. })));
    let fixed = smsgw::linux::store::repair(&path, &Config::default()).unwrap();
    assert_eq!(fixed.messages, 12, "{fixed:?}");
    let s = Store::open(&path, Config::default()).unwrap();
    assert_eq!(sent(&s), 12);
    assert_eq!(s.by_upstream(11).unwrap().unwrap().text, "text 11");
    // The damaged file and its journal are kept side by side.
    assert!(dir.path().join("queue.damaged-1").exists() && dir.path().join("queue.damaged-1.journal").exists());
}
