//! The sync through database trouble, on a private `mariadbd` each test may kill: the server
//! killed with SIGKILL and restarted mid-run, down when the gateway starts, a crash between a
//! claim and the store, and TLS with certificate verification.

mod mariadb;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use mariadb::{config, count, initialised, store, wait_for, PrivateServer, Sender, PORT};
use mysql::prelude::Queryable;
use smsgw::linux::store::{Filter, StateKind, Store};
use smsgw::linux::upstream::link::Link;
use smsgw::linux::upstream::{Connection, Sync, UpstreamConfig};

const LONG: Duration = Duration::from_secs(120);

macro_rules! skip_without_mariadb {
    () => {
        if mariadb::skipped() {
            eprintln!("SMSGW_SKIP_MARIADB is set: skipped");
            return;
        }
    };
}

fn insert(conn: &mut mysql::Conn, n: usize, tag: &str) {
    let values: Vec<String> = (0..n).map(|i| format!("('r', '+4179{i:07}', '{tag} {i}')")).collect();
    conn.query_drop(format!("INSERT INTO outbox (recipient, phone_number, message) VALUES {}", values.join(",")))
        .unwrap();
}

/// Every message once per row, every part handed out once, all sent.
fn assert_each_row_once(s: &Store, rows: usize) {
    let all = s.list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap();
    let ids: HashSet<u64> = all.iter().map(|m| m.upstream_id.unwrap()).collect();
    assert_eq!((all.len(), ids.len()), (rows, rows), "each row once in the store");
    for m in &all {
        assert_eq!(m.state.kind(), StateKind::Sent, "{m:?}");
        assert!(m.parts.iter().all(|p| p.attempts == 1), "sent once: {m:?}");
    }
}

#[test]
fn the_database_killed_and_restarted_mid_run_loses_and_doubles_nothing() {
    skip_without_mariadb!();
    let mut server = PrivateServer::install();
    server.start();
    let mut db = initialised(server.port, "sms");
    insert(&mut db, 300, "before");
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let cfg = UpstreamConfig { claim_batch: 20, ..config(server.port, "sms", "gw-a") };
    let sync = Sync::spawn(Arc::clone(&s), cfg, || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    wait_for("100 rows sent", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") >= 100);

    server.kill9();
    wait_for("the sync offline", LONG, || matches!(sync.state().connection, Connection::Offline { .. }));
    // Sending goes on from the store; its status changes wait on flash.
    std::thread::sleep(Duration::from_secs(1));
    let offline = sync.state();
    assert!(offline.last_error.is_some(), "{offline}");

    server.start();
    let mut db = mariadb::connect(server.port, Some("sms")).unwrap();
    insert(&mut db, 100, "after");
    wait_for("all 400 rows sent", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 400);
    sender.stop();
    assert_each_row_once(&s, 400);
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE claim_generation <> 1"), 0, "each claimed once");
    wait_for("no pushes left", LONG, || sync.state().pending_pushes == 0);
    let st = sync.state();
    assert!(st.is_connected() && st.reconnects >= 1, "{st}");
    sync.shutdown();
}

#[test]
fn a_gateway_that_starts_while_the_database_is_down_picks_rows_up_when_it_comes() {
    skip_without_mariadb!();
    let mut server = PrivateServer::install();
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let sync = Sync::spawn(Arc::clone(&s), config(server.port, "sms", "gw-a"), || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    wait_for("offline", LONG, || matches!(sync.state().connection, Connection::Offline { .. }));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(sync.state().reconnects >= 1);
    assert!(sync.state().last_error.is_some());

    server.start();
    let mut db = initialised(server.port, "sms");
    insert(&mut db, 20, "late");
    wait_for("20 rows sent", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 20);
    sender.stop();
    assert_each_row_once(&s, 20);
    assert!(sync.state().is_connected());
    sync.shutdown();
}

#[test]
fn rows_claimed_but_not_stored_before_a_crash_are_taken_at_the_next_start() {
    skip_without_mariadb!();
    let name = mariadb::db_name("crash_claim");
    let mut db = initialised(PORT, &name);
    insert(&mut db, 10, "first");
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "q");
    let cfg = config(PORT, &name, "gw-a");
    let sync = Sync::spawn(Arc::clone(&s), cfg.clone(), || {}).unwrap();
    wait_for("10 stored", LONG, || sync.state().claimed == 10);
    sync.shutdown();
    // The gateway claims 5 more and dies before storing them.
    insert(&mut db, 5, "second");
    let mut link = Link::connect(&cfg, "gw-a").unwrap();
    assert_eq!(link.claim(50).unwrap().len(), 5);
    drop(link);
    assert_eq!(s.list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap().len(), 10);

    let sync = Sync::spawn(Arc::clone(&s), cfg, || {}).unwrap();
    wait_for("the 5 reconciled", LONG, || sync.state().claimed == 5);
    let sender = Sender::start(Arc::clone(&s));
    wait_for("15 sent", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 15);
    sender.stop();
    assert_each_row_once(&s, 15);
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE claim_generation <> 1"), 0);
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA, and a server certificate it signs for 127.0.0.1 and localhost.
fn make_certificates(dir: &Path, ca_name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={ca_name}"),
            "-keyout",
            &format!("{ca_name}.key"),
            "-out",
            &format!("{ca_name}.pem"),
        ],
    );
    if ca_name != "ca" {
        return;
    }
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.pem",
        ],
    );
}

#[test]
fn tls_verifies_the_server_certificate() {
    skip_without_mariadb!();
    let certs = tempfile::tempdir().unwrap();
    make_certificates(certs.path(), "ca");
    make_certificates(certs.path(), "other-ca");
    let p = |f: &str| certs.path().join(f);
    let mut server = PrivateServer::install();
    server.start_with(&[
        format!("--ssl-ca={}", p("ca.pem").display()),
        format!("--ssl-cert={}", p("server.pem").display()),
        format!("--ssl-key={}", p("server.key").display()),
    ]);
    let mut db = initialised(server.port, "sms");
    insert(&mut db, 3, "tls");
    let dir = tempfile::tempdir().unwrap();

    // A CA that did not sign the server's certificate: no connection, and the state says why.
    let wrong = UpstreamConfig { tls: true, ca: Some(p("other-ca.pem")), ..config(server.port, "sms", "gw-a") };
    let sync = Sync::spawn(store(dir.path(), "wrong"), wrong, || {}).unwrap();
    wait_for("a certificate error", Duration::from_secs(30), || sync.state().last_error.is_some());
    let error = sync.state().last_error.unwrap();
    eprintln!("wrong CA: {error}");
    assert!(error.contains("certificate") || error.contains("UnknownIssuer"), "{error}");
    assert!(!sync.state().is_connected());
    sync.shutdown();
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL"), 0);

    let right = UpstreamConfig { tls: true, ca: Some(p("ca.pem")), ..config(server.port, "sms", "gw-a") };
    let mut link_conn = mysql::Conn::new(right.opts().unwrap()).unwrap();
    let cipher: Option<(String, String)> = link_conn.query_first("SHOW SESSION STATUS LIKE 'Ssl_cipher'").unwrap();
    assert!(cipher.is_some_and(|(_, c)| !c.is_empty()), "the session is encrypted");
    let s = store(dir.path(), "right");
    let sync = Sync::spawn(Arc::clone(&s), right, || {}).unwrap();
    let sender = Sender::start(Arc::clone(&s));
    wait_for("3 sent over TLS", LONG, || count(&mut db, "SELECT COUNT(*) FROM outbox WHERE status='sent'") == 3);
    sender.stop();
    sync.shutdown();
}
