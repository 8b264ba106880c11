//! The upstream sync against a real MariaDB (127.0.0.1:3306, root, no password): each test
//! has its own database and its own store, and plays the daemon's sender through the store.

mod mariadb;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mariadb::{config, count, db_name, initialised, store, wait_for, Outcome, Sender, PORT, SEED};
use mysql::prelude::Queryable;
use smsgw::linux::store::{Filter, StateKind, Store};
use smsgw::linux::upstream::key::RowKey;
use smsgw::linux::upstream::{Sync, UpstreamConfig};

const LONG: Duration = Duration::from_secs(60);

macro_rules! skip_without_mariadb {
    () => {
        if mariadb::skipped() {
            eprintln!("SMSGW_SKIP_MARIADB is set: skipped");
            return;
        }
    };
}

fn all_messages(s: &Store) -> Vec<smsgw::linux::store::Message> {
    s.list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap()
}

fn insert_rows(conn: &mut mysql::Conn, n: usize, prefix: &str) {
    let values: Vec<String> =
        (0..n).map(|i| format!("('r{i}', '+4179{:07}', '{prefix} {i}', 'pending', 3)", i)).collect();
    for chunk in values.chunks(500) {
        conn.query_drop(format!(
            "INSERT INTO outbox (recipient, phone_number, message, status, attempts) VALUES {}",
            chunk.join(",")
        ))
        .unwrap();
    }
}

#[test]
fn the_seed_row_is_claimed_sent_and_reported_back() {
    skip_without_mariadb!();
    let name = db_name("seed");
    let mut db = initialised(PORT, &name);
    db.query_drop(SEED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let woken = Arc::new(AtomicU64::new(0));
    let w = Arc::clone(&woken);
    let sync = Sync::spawn(Arc::clone(&s), config(PORT, &name, "gw-a"), move || {
        w.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    wait_for("the row in the store", LONG, || s.by_upstream(1).unwrap().is_some());
    // The sync thread wakes the sender just after the durable commit, so the row can be seen a
    // moment before the wake lands (seen under qemu): wait for it rather than assert at once.
    wait_for("the sender woken", LONG, || woken.load(Ordering::SeqCst) >= 1);
    let m = s.by_upstream(1).unwrap().unwrap();
    assert_eq!((m.recipient.as_str(), m.text.as_str(), m.attempts_left), ("+1234567890", "Hello from SMS Daemon!", 3));
    let (claimed_by, generation): (String, u32) =
        db.query_first("SELECT claimed_by, claim_generation FROM outbox WHERE id = 1").unwrap().unwrap();
    assert_eq!((claimed_by.as_str(), generation), ("gw-a", 1));
    // Still pending upstream until it is sent: the old daemon's query still sees it.
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='pending' AND attempts > 0"), 1);

    let sender = Sender::start(Arc::clone(&s));
    wait_for("the row sent", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 1);
    sender.stop();
    let (attempts, sent_at, error, claim_expires): (i32, Option<String>, Option<String>, Option<String>) = db
        .query_first("SELECT attempts, sent_at, error_message, claim_expires FROM outbox WHERE id = 1")
        .unwrap()
        .unwrap();
    assert_eq!(attempts, 3);
    assert!(sent_at.is_some(), "sent_at set");
    assert_eq!((error, claim_expires), (None, None));
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='pending' AND attempts > 0"), 0);
    // The sent push is counted just after the database has it.
    wait_for("the push counted", LONG, || sync.state().pushed == 1 && sync.state().pending_pushes == 0);
    let st = sync.state();
    assert!(st.is_connected(), "{st}");
    assert_eq!((st.claimed, st.rejected, st.stale_pushes), (1, 0, 0), "{st}");
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn a_thousand_rows_are_each_stored_once_and_sent_once() {
    skip_without_mariadb!();
    let name = db_name("thousand");
    let mut db = initialised(PORT, &name);
    insert_rows(&mut db, 1000, "bulk");
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let sync = Sync::spawn(Arc::clone(&s), config(PORT, &name, "gw-a"), || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    wait_for("1000 rows sent", Duration::from_secs(300), || {
        count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 1000
    });
    sender.stop();
    let messages = all_messages(&s);
    assert_eq!(messages.len(), 1000, "each row once in the store");
    let mut per_row: HashMap<u64, usize> = HashMap::new();
    for m in &messages {
        *per_row.entry(m.upstream_id.unwrap()).or_default() += 1;
        assert_eq!(m.state.kind(), StateKind::Sent);
        assert_eq!(m.parts.iter().map(|p| p.attempts).sum::<u16>(), 1, "each part handed out once");
    }
    assert_eq!(per_row.len(), 1000);
    assert!(per_row.values().all(|&n| n == 1));
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE claimed_by='gw-a' AND claim_generation=1"), 1000);
    wait_for("no pushes left", LONG, || sync.state().pending_pushes == 0);
    assert_eq!(sync.state().claimed, 1000);
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

fn row_state(db: &mut mysql::Conn, id: u64) -> (String, i32, Option<String>) {
    db.exec_first("SELECT status, attempts, error_message FROM outbox WHERE id = ?", (id,)).unwrap().unwrap()
}

/// The upstream row a message came from.
fn row_of(s: &Store, id: smsgw::linux::store::MessageId) -> RowKey {
    RowKey::from_upstream_id(s.get(id).unwrap().unwrap().upstream_id.unwrap())
}

#[test]
fn a_row_reset_to_pending_by_hand_is_sent_again() {
    skip_without_mariadb!();
    let name = db_name("manual_retry");
    let mut db = initialised(PORT, &name);
    db.query_drop(SEED).unwrap();
    db.query_drop(SEED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let sync = Sync::spawn(Arc::clone(&s), config(PORT, &name, "gw-a"), || {}).unwrap();
    // Row 1 is refused by the network the first time; every other send goes through.
    let lookup = Arc::clone(&s);
    let sender = Sender::with(Arc::clone(&s), move |id, _| {
        if row_of(&lookup, id) == (RowKey { row: 1, resend: 0 }) {
            Outcome::PermanentFailure
        } else {
            Outcome::Accept
        }
    });
    wait_for("row 1 failed, row 2 sent", LONG, || {
        row_state(&mut db, 1).0 == "failed" && row_state(&mut db, 2).0 == "sent"
    });
    let (_, attempts, error) = row_state(&mut db, 1);
    assert_eq!(attempts, 3, "a permanent failure costs no attempt");
    assert!(error.unwrap().contains("CMS ERROR: 21"));

    // The old daemon's manual retry, on the failed row and on the sent one.
    db.query_drop("UPDATE outbox SET status='pending', attempts=3, error_message=NULL WHERE id=1").unwrap();
    db.query_drop("UPDATE outbox SET status='pending', attempts=3, error_message=NULL WHERE id=2").unwrap();
    wait_for("both rows sent again", LONG, || {
        count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent' AND error_message IS NULL") == 2
    });
    sender.stop();
    for row in [1, 2] {
        let first = s.by_upstream(row).unwrap().unwrap();
        let again = s.by_upstream(RowKey { row, resend: 1 }.to_upstream_id()).unwrap().unwrap();
        assert_eq!(first.state.kind(), if row == 1 { StateKind::Failed } else { StateKind::Sent });
        assert_eq!(again.state.kind(), StateKind::Sent, "row {row} sent again");
        assert!(s.by_upstream(RowKey { row, resend: 2 }.to_upstream_id()).unwrap().is_none(), "and only once more");
    }
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM events WHERE kind='resend'"), 2);
    assert_eq!(count(&mut db, "SELECT MIN(claim_generation) FROM outbox"), 2);
    // Nothing else is claimed again: the store's idempotency still holds for repeated claims.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(all_messages(&s).len(), 4);
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

/// Regression: a row whose message was compacted to a tombstone and then reset to pending by hand
/// failed the whole sync cycle (the probe did not see tombstones; the enqueue was refused).
#[test]
fn a_row_reset_by_hand_after_its_message_was_compacted_is_sent_again() {
    skip_without_mariadb!();
    let name = db_name("retry_compacted");
    let mut db = initialised(PORT, &name);
    db.query_drop(SEED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let sync = Sync::spawn(Arc::clone(&s), config(PORT, &name, "gw-a"), || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    wait_for("row 1 sent", LONG, || row_state(&mut db, 1).0 == "sent");
    wait_for("its status pushed", LONG, || s.pending_pushes(10).unwrap().is_empty());
    // Long after the retention period: the message is compacted to a tombstone.
    let later = smsgw::linux::store::UnixMs(mariadb::now().0 + 400 * 24 * 3600 * 1000);
    assert_eq!(s.compact(later).unwrap().messages, 1);
    assert!(matches!(s.upstream_state(1).unwrap(), Some(smsgw::linux::store::UpstreamState::Compacted(_))));

    db.query_drop("UPDATE outbox SET status='pending', attempts=3, error_message=NULL WHERE id=1").unwrap();
    let again = RowKey { row: 1, resend: 1 }.to_upstream_id();
    wait_for("row 1 sent again", LONG, || {
        s.by_upstream(again).unwrap().is_some_and(|m| m.state.kind() == StateKind::Sent)
            && row_state(&mut db, 1).0 == "sent"
    });
    sender.stop();
    assert!(sync.state().last_error.is_none(), "{:?}", sync.state().last_error);
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn failed_attempts_count_down_and_delivery_reports_reach_the_row() {
    skip_without_mariadb!();
    let name = db_name("attempts");
    let mut db = initialised(PORT, &name);
    db.query_drop(SEED).unwrap(); // 1: fails twice, then goes
    db.query_drop(SEED).unwrap(); // 2: never goes
    db.query_drop(
        "INSERT INTO outbox (recipient, phone_number, message, status_report) VALUES ('r', '+41791234567', 'dr', 1)",
    )
    .unwrap(); // 3: sent with a report request
    let dir = tempfile::tempdir().unwrap();
    let quick = smsgw::linux::store::Config { backoff: vec![Duration::from_millis(20)], ..Default::default() };
    let s = Arc::new(Store::open(dir.path().join("q"), quick).unwrap());
    let sync = Sync::spawn(Arc::clone(&s), config(PORT, &name, "gw-a"), || {}).unwrap();
    let lookup = Arc::clone(&s);
    let tries = Arc::new(std::sync::Mutex::new(HashMap::<u64, u32>::new()));
    let sender = Sender::with(Arc::clone(&s), move |id, _| {
        let row = row_of(&lookup, id).row;
        let mut t = tries.lock().unwrap();
        let n = t.entry(row).or_default();
        *n += 1;
        match (row, *n) {
            (1, 1 | 2) | (2, _) => Outcome::TemporaryFailure,
            _ => Outcome::Accept,
        }
    });
    wait_for("rows final", LONG, || {
        row_state(&mut db, 1).0 == "sent" && row_state(&mut db, 2).0 == "failed" && row_state(&mut db, 3).0 == "sent"
    });
    sender.stop();
    assert_eq!(row_state(&mut db, 1), ("sent".into(), 1, None), "two failed attempts counted down");
    assert_eq!(row_state(&mut db, 2), ("failed".into(), 0, Some("no network".into())));
    let ds: Option<String> = db.query_first("SELECT delivery_status FROM outbox WHERE id = 3").unwrap().unwrap();
    assert_eq!(ds.as_deref(), Some("pending"));
    assert_eq!(
        db.query_first::<Option<String>, _>("SELECT delivery_status FROM outbox WHERE id = 1").unwrap(),
        Some(None)
    );

    let m = s.by_upstream(3).unwrap().unwrap();
    assert!(m.status_report, "the row's status_report flag reaches the store");
    s.record_delivery(m.id, 0, smsgw::codec::pdu::Status(0), mariadb::now()).unwrap();
    sync.poke();
    wait_for("delivered", LONG, || {
        count(
            &mut db,
            "SELECT COUNT(*) FROM outbox WHERE id=3 AND delivery_status='delivered' AND delivered_at IS NOT NULL",
        ) == 1
    });
    assert_eq!(row_state(&mut db, 3).0, "sent", "status keeps the old meanings");
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn two_gateways_share_one_outbox_and_no_row_is_claimed_twice() {
    skip_without_mariadb!();
    let name = db_name("two_gateways");
    let mut db = initialised(PORT, &name);
    let dir = tempfile::tempdir().unwrap();
    let (sa, sb) = (store(dir.path(), "a"), store(dir.path(), "b"));
    let small = |gw: &str| UpstreamConfig { claim_batch: 5, poll_interval_ms: 50, ..config(PORT, &name, gw) };
    let ya = Sync::spawn(Arc::clone(&sa), small("gw-a"), || {}).unwrap();
    let yb = Sync::spawn(Arc::clone(&sb), small("gw-b"), || {}).unwrap();
    let (xa, xb) = (Sender::start(Arc::clone(&sa)), Sender::start(Arc::clone(&sb)));
    for k in 0..4 {
        insert_rows(&mut db, 100, &format!("batch{k}"));
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for("400 rows sent", Duration::from_secs(240), || {
        count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 400
    });
    xa.stop();
    xb.stop();
    let rows = |s: &Store| all_messages(s).iter().map(|m| m.upstream_id.unwrap()).collect::<Vec<_>>();
    let (ra, rb) = (rows(&sa), rows(&sb));
    assert_eq!(ra.len() + rb.len(), 400, "a: {}, b: {}", ra.len(), rb.len());
    let mut all: Vec<u64> = ra.iter().chain(&rb).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 400, "no row in both stores");
    for (gw, mine) in [("gw-a", &ra), ("gw-b", &rb)] {
        let claimed: Vec<u64> = db.exec("SELECT id FROM outbox WHERE claimed_by = ? ORDER BY id", (gw,)).unwrap();
        let mut mine = mine.clone();
        mine.sort_unstable();
        assert_eq!(claimed, mine, "{gw}'s rows are the ones in its store");
    }
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE claim_generation <> 1"), 0, "each claimed once");
    eprintln!("gw-a took {}, gw-b took {}", ra.len(), rb.len());
    ya.shutdown();
    yb.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn bad_rows_fail_with_a_reason_and_never_stop_the_rows_behind_them() {
    skip_without_mariadb!();
    let name = db_name("bad_rows");
    let mut db = initialised(PORT, &name);
    // A schema other installations have: nullable columns, and bytes that are not UTF-8.
    db.query_drop("ALTER TABLE outbox MODIFY phone_number VARCHAR(255) NULL, MODIFY message BLOB NULL").unwrap();
    let eleven = "x".repeat(153 * 10 + 1);
    let impossible = "x".repeat(153 * 255 + 1);
    // phone_number, message, what error_message must say ("" for a good row)
    type Case<'a> = (Option<&'a str>, Option<Vec<u8>>, &'a str);
    let rows: Vec<Case> = vec![
        (Some("+41791234567"), Some(b"good first".to_vec()), ""),
        (Some(""), Some(b"hi".to_vec()), "phone_number is empty"),
        (Some("not a number"), Some(b"hi".to_vec()), "phone_number \"not a number\" is not a valid number"),
        (Some("+0791234567"), Some(b"hi".to_vec()), "no country code starts with 0"),
        (Some("+41 79 123 45 67 89 01 23"), Some(b"hi".to_vec()), "3 to 15 digits"),
        (None, Some(b"hi".to_vec()), "phone_number is NULL"),
        (Some("+41791234567"), Some(Vec::new()), "message is empty"),
        (Some("+41791234567"), None, "message is NULL"),
        (Some("+41791234567"), Some(eleven.into_bytes()), "message needs 11 SMS parts, more than the limit of 10"),
        (Some("+41791234567"), Some(impossible.into_bytes()), "more than 255 SMS parts"),
        (Some("+41791234567"), Some(b"Gr\xfc\xdfe".to_vec()), "message is not valid UTF-8 (byte 2)"),
        (Some("0041 79 123-45-67"), Some("good last ✓".as_bytes().to_vec()), ""),
    ];
    for (phone, message, _) in &rows {
        db.exec_drop(
            "INSERT INTO outbox (recipient, phone_number, message) VALUES ('r', ?, ?)",
            (phone, message.as_ref().map(|m| mysql::Value::Bytes(m.clone()))),
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let sync = Sync::spawn(Arc::clone(&s), config(PORT, &name, "gw-a"), || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    let n = rows.len() as u64;
    wait_for("every row final", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status <> 'pending'") == n);
    sender.stop();
    for (i, (_, _, reason)) in rows.iter().enumerate() {
        let (status, attempts, error) = row_state(&mut db, i as u64 + 1);
        if reason.is_empty() {
            assert_eq!((status.as_str(), error), ("sent", None), "row {}", i + 1);
        } else {
            assert_eq!(status, "failed", "row {}", i + 1);
            assert_eq!(attempts, 3, "a bad row keeps its attempts");
            let error = error.unwrap();
            assert!(error.contains(reason), "row {}: {error:?} should say {reason:?}", i + 1);
        }
    }
    assert_eq!(s.by_upstream(12).unwrap().unwrap().recipient, "+41791234567", "normalised");
    assert_eq!(all_messages(&s).len(), 2, "only the good rows reach the store");
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM events WHERE kind='bad_row'"), 10);
    assert_eq!(sync.state().rejected, 10);
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn a_gateway_whose_lease_lapsed_loses_its_rows_and_does_not_send_them() {
    skip_without_mariadb!();
    let name = db_name("lease");
    let mut db = initialised(PORT, &name);
    insert_rows(&mut db, 5, "leased");
    let dir = tempfile::tempdir().unwrap();
    let (sa, sb) = (store(dir.path(), "a"), store(dir.path(), "b"));
    let leased = |gw: &str| UpstreamConfig { lease_secs: 2, ..config(PORT, &name, gw) };
    // gw-a claims the rows, then dies before sending any.
    let ya = Sync::spawn(Arc::clone(&sa), leased("gw-a"), || {}).unwrap();
    wait_for("gw-a claimed 5", LONG, || ya.state().claimed == 5);
    ya.shutdown();
    let claimed_at = std::time::Instant::now();
    let yb = Sync::spawn(Arc::clone(&sb), leased("gw-b"), || {}).unwrap();
    let xb = Sender::start(Arc::clone(&sb));
    wait_for("gw-b sent them", LONG, || {
        count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent' AND claimed_by='gw-b'") == 5
    });
    assert!(claimed_at.elapsed() >= Duration::from_millis(1500), "not before the lease lapsed");
    xb.stop();
    yb.shutdown();
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE claim_generation = 2"), 5);
    // gw-a comes back: its rows are gw-b's now, so it cancels its copies instead of sending.
    let ya = Sync::spawn(Arc::clone(&sa), leased("gw-a"), || {}).unwrap();
    wait_for("gw-a gave up its copies", LONG, || ya.state().lost == 5);
    let xa = Sender::start(Arc::clone(&sa));
    std::thread::sleep(Duration::from_millis(500));
    xa.stop();
    assert!(all_messages(&sa).iter().all(|m| m.state.kind() == StateKind::Cancelled));
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent' AND claimed_by='gw-b'"), 5);
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM events WHERE kind='lost_claim' AND gateway='gw-a'"), 5);
    ya.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn a_gateway_user_with_only_the_documented_grants_runs_a_full_sync() {
    skip_without_mariadb!();
    let name = db_name("grants");
    let user = format!("smsgw_t_{}", std::process::id());
    let mut db = initialised(PORT, &name);
    db.query_drop(SEED).unwrap();
    db.query_drop("INSERT INTO outbox (recipient, phone_number, message) VALUES ('x', 'nope', 'bad number')").unwrap();
    let mut root = mariadb::connect(PORT, None).unwrap();
    root.query_drop(format!("DROP USER IF EXISTS '{user}'@'127.0.0.1'")).unwrap();
    let grants = smsgw::linux::upstream::GRANTS_SQL
        .replace("'smsgw'@'%'", &format!("'{user}'@'127.0.0.1'"))
        .replace("sms.", &format!("`{name}`."))
        .replace("change me", "pw-of-test");
    let statements: Vec<String> = grants
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(statements.len(), 4, "{statements:?}");
    for st in &statements {
        root.query_drop(st).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("password");
    std::fs::write(&pw, "pw-of-test\n").unwrap();
    let cfg = UpstreamConfig { user: user.clone(), password_file: Some(pw), ..config(PORT, &name, "gw-least") };
    let s = store(dir.path(), "q");
    let sync = Sync::spawn(Arc::clone(&s), cfg.clone(), || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    wait_for("seed sent and bad row failed", LONG, || {
        row_state(&mut db, 1).0 == "sent" && row_state(&mut db, 2).0 == "failed"
    });
    sender.stop();
    let st = sync.state();
    assert!(st.is_connected(), "{st}");
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM events WHERE gateway='gw-least' AND kind='bad_row'"), 1);
    sync.shutdown();
    // And it can do nothing more than that.
    let mut limited = mysql::Conn::new(cfg.opts().unwrap()).unwrap();
    for forbidden in ["DELETE FROM outbox", "SELECT * FROM events", "ALTER TABLE outbox ADD COLUMN x INT"] {
        let e = limited.query_drop(forbidden).unwrap_err();
        assert!(matches!(&e, mysql::Error::MySqlError(m) if m.code == 1142), "{forbidden}: {e}");
    }
    drop(limited);
    root.query_drop(format!("DROP USER '{user}'@'127.0.0.1'")).unwrap();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn a_host_that_is_not_local_needs_tls() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let remote = UpstreamConfig { host: "db.example.com".into(), gateway: "gw".into(), ..UpstreamConfig::default() };
    let e = Sync::spawn(Arc::clone(&s), remote.clone(), || {}).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("not local") && text.contains("tls = true") && text.contains("ca = "), "{text}");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let with_tls = UpstreamConfig { tls: true, ca: Some(ca), ..remote };
    assert!(with_tls.validate().is_ok());
}
