//! `smsgw store check|repair`, run as a user runs them: the built binary (under qemu-user for
//! cross targets), on stores this test builds with the library and then damages.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use smsgw::linux::store::{Config, Failure, MessageId, NewMessage, Store, UnixMs};

const MESSAGES: u64 = 60;

/// A closed store of `MESSAGES` messages with texts easy to find in the file, some of them
/// part-way through their life.
fn build() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.redb");
    let s = Store::open(&path, Config::default()).unwrap();
    for i in 0..MESSAGES {
        let mut new = NewMessage::new("+41790000000", format!("MARKER-{i:03}-text"), 1);
        new.upstream_id = Some(1000 + i);
        let id = s.enqueue(&new, UnixMs(i)).unwrap().message.id;
        if i % 4 == 0 {
            s.begin_part(id, 0, UnixMs(100 + i)).unwrap();
            s.part_failed(id, 0, &Failure::Temporary("busy".into()), UnixMs(101 + i)).unwrap();
        }
    }
    (dir, path)
}

fn store(args: &[&str], path: &Path) -> Output {
    let mut all: Vec<String> = vec!["store".into()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.push("--store".into());
    all.push(path.display().to_string());
    common::run(&all, None)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The stored count of messages, opening the store with the library.
fn messages_in(path: &Path) -> u64 {
    Store::open(path, Config::default()).unwrap().counts().unwrap().total()
}

#[test]
fn a_healthy_store_checks_clean_and_needs_no_repair() {
    let (_dir, path) = build();
    let out = store(&["check"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "store {}: healthy\nmessages: {MESSAGES}, pushes pending: 30, history entries: 90, quarantined records: 0\n",
            path.display()
        )
    );
    let before = std::fs::read(&path).unwrap();
    let out = store(&["repair"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("nothing to repair (--force rewrites it anyway)\n"), "{}", text(&out.stdout));
    assert_eq!(std::fs::read(&path).unwrap(), before, "left as it was");
    let out = store(&["repair", "--force"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("quarantined (0):"), "{}", text(&out.stdout));
    assert_eq!(messages_in(&path), MESSAGES);
}

#[test]
fn a_byte_flipped_store_is_damaged_and_repair_quarantines_the_record() {
    let (dir, path) = build();
    // Every copy of the record (redb keeps stale copies in freed pages): the live one is among them.
    let marker = b"MARKER-025";
    let mut data = std::fs::read(&path).unwrap();
    let hits: Vec<usize> =
        data.windows(marker.len()).enumerate().filter(|(_, w)| w == marker).map(|(i, _)| i).collect();
    assert!(!hits.is_empty());
    for i in hits {
        data[i + marker.len() - 1] ^= 0x01;
    }
    std::fs::write(&path, &data).unwrap();

    let out = store(&["check"], &path);
    assert_eq!(out.status.code(), Some(1), "damaged: {}", text(&out.stdout));
    let report = text(&out.stdout);
    assert!(report.starts_with(&format!("store {}: DAMAGED\n", path.display())), "{report}");
    assert!(report.contains("messages 000000000000001a: record checksum mismatch"), "{report}");
    assert!(report.contains("upstream 0000000000000401: points at #26, which is not kept"), "{report}");
    assert!(report.contains("problems (2):"), "{report}");
    assert_eq!(text(&out.stderr), "", "the report says it all");

    let out = store(&["repair"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains(&format!("kept: {} messages", MESSAGES - 1)), "{report}");
    assert!(report.contains("quarantined (1):\n  messages 000000000000001a: record checksum mismatch"), "{report}");
    assert!(report.contains("upstream row 1025 may be queued again"), "{report}");
    let backup = dir.path().join("queue.redb.damaged-1");
    assert!(report.contains(&format!("damaged store kept as {}", backup.display())), "{report}");
    assert_eq!(std::fs::read(&backup).unwrap(), data, "the damaged file is kept as it was");

    let out = store(&["check"], &path);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("quarantined records: 1"), "{}", text(&out.stdout));
    let s = Store::open(&path, Config::default()).unwrap();
    assert_eq!(s.counts().unwrap().total(), MESSAGES - 1);
    assert_eq!(s.get(MessageId(26)).unwrap(), None);
    assert_eq!(s.get(MessageId(27)).unwrap().unwrap().text, "MARKER-026-text");
}

#[test]
fn a_truncated_store_is_damaged_and_repair_salvages_its_pages() {
    let (dir, path) = build();
    let data = std::fs::read(&path).unwrap();
    let cut = &data[..data.len() / 2];
    std::fs::write(&path, cut).unwrap();

    let out = store(&["check"], &path);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is corrupt"), "{}", text(&out.stderr));

    let out = store(&["repair"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("the engine could not open the file"), "{report}");
    assert_eq!(std::fs::read(dir.path().join("queue.redb.damaged-1")).unwrap(), cut);
    let out = store(&["check"], &path);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let salvaged = messages_in(&path);
    assert!(report.contains(&format!("kept: {salvaged} messages")), "{report}");
    assert!(salvaged > 0, "the first half of the file holds messages");
    // Nothing salvaged is half a message, and ids are not given out again.
    let s = Store::open(&path, Config::default()).unwrap();
    let all = s.list(smsgw::linux::store::Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap();
    for m in &all {
        assert_eq!(m.text, format!("MARKER-{:03}-text", m.id.0 - 1));
    }
    let next = s.enqueue(&NewMessage::new("+1", "after", 1), UnixMs(1_000)).unwrap().message.id;
    assert!(all.iter().all(|m| m.id < next), "id {next} after {:?}", all.last().map(|m| m.id));
}

/// The journal beside the store file: its entries since the last checkpoint.
fn journal_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.journal", path.display()))
}

#[test]
fn a_store_cut_to_nothing_cannot_be_salvaged_and_stays() {
    let (dir, path) = build();
    std::fs::write(&path, vec![0u8; 8192]).unwrap();
    std::fs::write(journal_of(&path), vec![0u8; 8192]).unwrap();
    let out = store(&["repair"], &path);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no page of it holds a record"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&path).unwrap(), vec![0u8; 8192]);
    assert!(!dir.path().join("queue.redb.damaged-1").exists());
    assert!(!dir.path().join("queue.redb.repairing").exists());
}

#[test]
fn a_missing_store_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.redb");
    for cmd in ["check", "repair"] {
        let out = store(&[cmd], &path);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert!(text(&out.stderr).contains(&path.display().to_string()), "{}", text(&out.stderr));
        assert!(!path.exists(), "{cmd} must not create a store");
    }
    // Without --store: the daemon's default place.
    if !Path::new(smsgw::linux::cli::store::DEFAULT_STORE).exists() {
        let out = common::run(&["store", "check"], None);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("/var/lib/smsgw/queue.redb"), "{}", text(&out.stderr));
    }
}
