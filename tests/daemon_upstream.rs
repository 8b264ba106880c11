//! The whole path from the old daemon's table to the air: `smsgw db init`, the old daemon's
//! seed row and twenty more (one long, one Unicode, one with an impossible number), then
//! `smsgw run` with `[upstream]` on a simulated modem. Every good row ends `sent` with its
//! `sent_at`, the bad one `failed` with an `error_message`, and the air carries each good part
//! exactly once. Needs MariaDB on 127.0.0.1:3306 (root, no password); skipped only when
//! `SMSGW_SKIP_MARIADB` is set.

mod common;
mod daemon_common;
mod mariadb;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::run;
use daemon_common::{air_parts, config, Daemon, Sim, PATIENCE};
use mariadb::{count, db_name, drop_database, fresh_database, PORT, SEED};
use mysql::prelude::Queryable;

const LONG: usize = 400;

#[test]
fn rows_of_the_old_table_go_out_once_and_their_status_comes_back() {
    if mariadb::skipped() {
        eprintln!("SMSGW_SKIP_MARIADB is set: skipped");
        return;
    }
    let name = db_name("daemon_e2e");
    let mut conn = fresh_database(PORT, &name);
    let port = PORT.to_string();
    let init =
        run(&["db", "--host", mariadb::HOST, "--port", &port, "--user", "root", "--database", &name, "init"], None);
    assert!(init.status.success(), "db init: {}", String::from_utf8_lossy(&init.stderr));

    // The seed row, then 20: 17 plain, one long (3 parts), one Unicode, one bad number.
    conn.query_drop(SEED).unwrap();
    let mut rows: Vec<(String, String)> =
        (0..17).map(|i| (format!("+49170000{i:04}"), format!("Plain message number {i}"))).collect();
    rows.push(("+491710000001".into(), "L".repeat(LONG)));
    rows.push(("+447911123456".into(), "Grüße aus Köln – 20 € 😀".into()));
    rows.push(("+49 170 CALL-ME".into(), "cannot be sent".into()));
    for (to, text) in &rows {
        conn.exec_drop(
            "INSERT INTO outbox (recipient, phone_number, message, status, attempts) VALUES ('e2e', ?, ?, 'pending', 3)",
            (to, text),
        )
        .unwrap();
    }
    // What the air must carry: every good part once.
    let mut want: BTreeMap<(String, u64), usize> = BTreeMap::new();
    want.insert(("+1234567890".into(), 1), 1);
    for (to, text) in &rows[..19] {
        let parts = if text.len() == LONG { 3 } else { 1 };
        for seq in 1..=parts {
            want.insert((to.clone(), seq), 1);
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let upstream = format!(
        "[upstream]\nhost = \"{}\"\nport = {PORT}\nuser = \"root\"\ndatabase = \"{name}\"\ngateway = \"e2e-gw\"\n\
         backoff_max_secs = 1\n",
        mariadb::HOST
    );
    let mut d = Daemon::start(dir.path(), &format!("{}{upstream}", config(dir.path(), &sim.link, "", "")));

    let start = Instant::now();
    loop {
        let sent = count(&mut conn, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'");
        let failed = count(&mut conn, "SELECT COUNT(*) FROM outbox WHERE status = 'failed'");
        if sent == 20 && failed == 1 {
            break;
        }
        assert!(start.elapsed() < PATIENCE, "{sent} sent, {failed} failed; status: {}", d.status());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at IS NULL"), 0);
    let bad: Vec<(String, Option<String>)> =
        conn.query("SELECT phone_number, error_message FROM outbox WHERE status = 'failed'").unwrap();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].0, "+49 170 CALL-ME");
    assert!(bad[0].1.as_deref().is_some_and(|e| !e.is_empty()), "{bad:?}");
    assert_eq!(air_parts(&sim.air()), want, "each good part on the air once");

    let s = d.status();
    let u = &s["upstream_sync"];
    assert_eq!(u["connection"], "connected", "{s}");
    assert_eq!(u["gateway"], "e2e-gw");
    assert_eq!(s["upstream"], "online");
    let out = run(&["status", "--socket", d.socket.to_str().unwrap()], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("connected since") && text.contains("as e2e-gw"), "{text}");

    assert!(d.terminate().success(), "SIGTERM stops the gateway and the sync cleanly");
    drop_database(PORT, &name);
}

/// Milliseconds since midnight UTC of a log line's `2026-11-21T10:14:43.123Z` prefix.
fn log_ms_of_day(line: &str) -> Option<u64> {
    let t = line.get(11..23)?;
    let n = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<u64>().ok());
    Some(((n(0..2)? * 60 + n(3..5)?) * 60 + n(6..8)?) * 1000 + n(9..12)?)
}

/// Pickup latency at the default poll interval: from a row's INSERT to the part going to the
/// modem (the core hands it to the modem thread, which writes `AT+CMGS` at once), by the
/// gateway's log. Rows are inserted one at a time at uneven moments, so the poll's phase is
/// sampled evenly. `scripts/bench.sh pickup` runs it.
#[test]
#[ignore = "a measurement: scripts/bench.sh pickup"]
fn pickup_latency() {
    if mariadb::skipped() {
        return;
    }
    const SAMPLES: u64 = 40;
    let name = db_name("daemon_pickup");
    let mut conn = fresh_database(PORT, &name);
    smsgw::linux::upstream::schema::init(&mut conn).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let upstream = format!(
        "[upstream]\nhost = \"{}\"\nport = {PORT}\nuser = \"root\"\ndatabase = \"{name}\"\ngateway = \"bench\"\n",
        mariadb::HOST
    );
    let mut d = Daemon::start(dir.path(), &format!("{}{upstream}", config(dir.path(), &sim.link, "", "")));
    let log = dir.path().join("smsgw.log");
    let mut latencies = Vec::new();
    for i in 1..=SAMPLES {
        // An uneven pause, so inserts land at every phase of the poll.
        std::thread::sleep(Duration::from_millis(300 + (i * 137) % 400));
        let day_ms = || {
            let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
            ms % 86_400_000
        };
        let inserted = day_ms();
        conn.exec_drop(
            "INSERT INTO outbox (recipient, phone_number, message, status, attempts) VALUES ('b', ?, 'pickup', 'pending', 3)",
            (format!("+4917{i:08}"),),
        )
        .unwrap();
        let marker = format!("message #{i} to +4917{i:08}: sending (part 1/1 to the modem");
        let start = Instant::now();
        let at = loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains(&marker)) {
                break log_ms_of_day(line).unwrap();
            }
            assert!(start.elapsed() < Duration::from_secs(20), "row {i} was not picked up: no {marker:?} in\n{text}");
            std::thread::sleep(Duration::from_millis(10));
        };
        latencies.push((at + 86_400_000 - inserted) % 86_400_000);
        let wait = Instant::now();
        while count(&mut conn, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'") < i {
            assert!(wait.elapsed() < PATIENCE, "row {i} was not sent");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    latencies.sort_unstable();
    let pick = |q: usize| latencies[(latencies.len() - 1) * q / 100];
    let (median, p90, max) = (pick(50), pick(90), pick(100));
    let report = format!(
        "pickup latency, INSERT to the part going to the modem, poll_interval_ms = 250, {SAMPLES} rows: \
         median {median} ms, p90 {p90} ms, max {max} ms (target: median <= 300 ms)"
    );
    println!("{report}");
    if let Some(out) = std::env::var_os("SMSGW_BENCH_OUT") {
        let section = format!(
            "## Daemon pickup (`scripts/bench.sh pickup`)\n\n\
             The whole gateway: `smsgw run` with `[upstream]` on a simulated modem over a pty, the shared\n\
             MariaDB on this machine. From a row's INSERT to its part going to the modem (the gateway's\n\
             log; the modem thread writes `AT+CMGS` at once), rows inserted one at a time at uneven\n\
             points of the poll cycle. Target: median at most 300 ms.\n\n\
             | poll interval | rows | median | p90 | max |\n| --- | --- | --- | --- | --- |\n\
             | 250 ms (default) | {SAMPLES} | {median} ms | {p90} ms | {max} ms |\n"
        );
        std::fs::write(out, section).unwrap();
    }
    assert!(d.terminate().success());
    drop_database(PORT, &name);
    assert!(median <= 300, "{report}");
}

/// What comes in reaches the upstream tables exactly once, also across a restart: a long
/// received message as one `inbox` row, each call as one `events` row; and a row that asked for
/// a delivery report ends `delivered`, or `expired` when the report says its validity ran out.
#[test]
fn received_messages_calls_and_delivery_reports_reach_the_database_once() {
    if mariadb::skipped() {
        eprintln!("SMSGW_SKIP_MARIADB is set: skipped");
        return;
    }
    let name = db_name("daemon_inbound");
    let mut conn = fresh_database(PORT, &name);
    smsgw::linux::upstream::schema::init(&mut conn).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    sim.control("calls clip-first 300 5");
    sim.control("reports 100 0");
    let upstream = format!(
        "[upstream]\nhost = \"{}\"\nport = {PORT}\nuser = \"root\"\ndatabase = \"{name}\"\ngateway = \"in-gw\"\n\
         backoff_max_secs = 1\n[calls]\nreply = true\ntime_zone = \"UTC\"\n",
        mariadb::HOST
    );
    let cfg = format!("{}{upstream}", config(dir.path(), &sim.link, "hang_up_calls = 0", ""));
    let mut d = Daemon::start(dir.path(), &cfg);
    let wait = |conn: &mut mysql::Conn, what: &str, query: &str, want: u64| {
        let start = Instant::now();
        loop {
            let n = count(conn, query);
            if n == want {
                return;
            }
            assert!(start.elapsed() < PATIENCE, "{what}: {n}, not {want}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let long = "Parts of a long message arrive one by one and are joined. ".repeat(4);
    sim.control(&format!("inject sms +41791234567 {long}"));
    sim.control("inject call +41797654321");
    wait(&mut conn, "inbox rows", "SELECT COUNT(*) FROM inbox", 1);
    wait(&mut conn, "call events", "SELECT COUNT(*) FROM events WHERE kind = 'call'", 1);
    let (sender, text, parts, complete, gw): (String, String, u8, bool, String) =
        conn.query_first("SELECT sender, message, parts, complete, gateway FROM inbox").unwrap().unwrap();
    assert_eq!(
        (sender.as_str(), text.as_str(), parts, complete, gw.as_str()),
        ("+41791234567", long.trim_end(), 2, true, "in-gw")
    );
    let (phone, detail): (String, String) =
        conn.query_first("SELECT phone_number, detail FROM events WHERE kind = 'call'").unwrap().unwrap();
    assert_eq!(phone, "+41797654321");
    assert!(detail.contains("replied"), "{detail}");

    // Rows asking for a report: one delivered, one whose validity expires (TP-ST 0x46).
    conn.query_drop(
        "INSERT INTO outbox (recipient, phone_number, message, status, attempts, status_report) VALUES \
         ('a', '+491700000001', 'report me', 'pending', 3, 1)",
    )
    .unwrap();
    wait(
        &mut conn,
        "delivered rows",
        "SELECT COUNT(*) FROM outbox WHERE delivery_status = 'delivered' AND delivered_at IS NOT NULL",
        1,
    );
    sim.control("reports 100 70");
    conn.query_drop(
        "INSERT INTO outbox (recipient, phone_number, message, status, attempts, status_report) VALUES \
         ('b', '+491700000002', 'too late', 'pending', 3, 1)",
    )
    .unwrap();
    wait(&mut conn, "expired rows", "SELECT COUNT(*) FROM outbox WHERE delivery_status = 'expired'", 1);
    let (status, error): (String, Option<String>) = conn
        .query_first("SELECT status, error_message FROM outbox WHERE phone_number = '+491700000002'")
        .unwrap()
        .unwrap();
    assert_eq!(status, "sent", "it was sent; it did not arrive");
    assert!(error.as_deref().is_some_and(|e| e.contains("TP-ST 0x46")), "{error:?}");

    // A restart pushes nothing twice.
    assert!(d.terminate().success());
    let d = Daemon::start(dir.path(), &cfg);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM inbox"), 1);
    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM events WHERE kind = 'call'"), 1);
    let s = d.status();
    assert_eq!(s["upstream_sync"]["connection"], "connected", "{s}");
    drop(d);
    drop_database(PORT, &name);
}
