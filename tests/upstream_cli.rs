//! `smsgw db` against a real MariaDB: init, migrate (keeping every row of an old daemon's
//! table), release, status, grants, and the refusals.

mod common;
mod mariadb;

use std::sync::Arc;
use std::time::Duration;

use common::run;
use mariadb::{config, count, db_name, fresh_database, store, wait_for, PORT, SEED};
use mysql::prelude::Queryable;
use smsgw::linux::upstream::{schema, Sync, UpstreamConfig};

macro_rules! skip_without_mariadb {
    () => {
        if mariadb::skipped() {
            eprintln!("SMSGW_SKIP_MARIADB is set: skipped");
            return;
        }
    };
}

fn db(name: &str, args: &[&str]) -> std::process::Output {
    let port = PORT.to_string();
    let mut all = vec!["db", "--host", mariadb::HOST, "--port", &port, "--user", "root", "--database", name];
    all.extend_from_slice(args);
    run(&all, None)
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn migrate_keeps_every_row_of_the_old_table_and_runs_again_harmlessly() {
    skip_without_mariadb!();
    let name = db_name("cli_migrate");
    let mut c = fresh_database(PORT, &name);
    // The old daemon's installation: its table and rows in every state.
    c.query_drop(schema::LEGACY_OUTBOX).unwrap();
    c.query_drop(SEED).unwrap();
    c.query_drop(
        "INSERT INTO outbox (recipient, phone_number, message, status, attempts, sent_at, error_message) VALUES \
         ('a', '+41791234567', 'was sent', 'sent', 3, '2024-01-02 03:04:05', NULL), \
         ('b', '+41791234568', 'had failed', 'failed', 0, NULL, 'modem timeout')",
    )
    .unwrap();
    let before: Vec<(u64, String, String, String, i32)> =
        c.query("SELECT id, phone_number, message, status, attempts FROM outbox ORDER BY id").unwrap();

    assert_eq!(schema::current_version(&mut c).unwrap(), 0);
    let out = ok(&db(&name, &["migrate"]));
    assert!(
        out.contains("schema version 5: applied 1 claims, 2 delivery reports, 3 inbox, 4 events, 5 received and calls"),
        "{out}"
    );
    let after: Vec<(u64, String, String, String, i32)> =
        c.query("SELECT id, phone_number, message, status, attempts FROM outbox ORDER BY id").unwrap();
    assert_eq!(before, after, "no row lost or changed");
    assert_eq!(ok(&db(&name, &["migrate"])).trim(), "schema version 5: up to date");
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM smsgw_schema_migrations"), 5);
    // The old daemon's questions still have the same answers.
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM outbox WHERE status='pending' AND attempts > 0"), 1);
    let by_status: Vec<(String, u64)> =
        c.query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status").unwrap();
    assert_eq!(by_status, [("pending".into(), 1), ("sent".into(), 1), ("failed".into(), 1)]);
    // A step interrupted half-way (a column added, the version not recorded) runs again.
    c.query_drop("DELETE FROM smsgw_schema_migrations WHERE version >= 2").unwrap();
    c.query_drop("ALTER TABLE outbox DROP COLUMN delivered_at").unwrap();
    let out = ok(&db(&name, &["migrate"]));
    assert!(out.contains("applied 2 delivery reports, 3 inbox, 4 events"), "{out}");
    assert_eq!(
        count(&mut c, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'delivered_at'"),
        1
    );
    let status = ok(&db(&name, &["status"]));
    assert!(status.contains("schema version 5") && status.contains("pending  1"), "{status}");
    mariadb::drop_database(PORT, &name);
}

#[test]
fn init_makes_a_database_the_sync_accepts_and_migrate_needs_an_outbox() {
    skip_without_mariadb!();
    let name = db_name("cli_init");
    let mut c = fresh_database(PORT, &name);
    let out = db(&name, &["migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("smsgw db init"));
    let out = ok(&db(&name, &["init"]));
    assert!(out.contains("applied 1 claims, 2 delivery reports, 3 inbox, 4 events"), "{out}");
    schema::check(&mut c).unwrap();
    assert_eq!(ok(&db(&name, &["init"])).trim(), "schema version 5: up to date");
    mariadb::drop_database(PORT, &name);
}

#[test]
fn a_database_that_was_not_migrated_is_a_clear_error_for_the_sync() {
    skip_without_mariadb!();
    let name = db_name("cli_unmigrated");
    let mut c = fresh_database(PORT, &name);
    c.query_drop(schema::LEGACY_OUTBOX).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sync = Sync::spawn(store(dir.path(), "q"), config(PORT, &name, "gw"), || {}).unwrap();
    wait_for("the schema error", Duration::from_secs(30), || {
        sync.state().last_error.is_some_and(|e| e.contains("smsgw db migrate"))
    });
    assert!(!sync.state().is_connected());
    // Not an outage: the server answers and refuses, which the status and the LEDs tell apart.
    assert!(sync.state().refusing.is_some_and(|e| e.contains("smsgw db migrate")), "{}", sync.state());
    sync.shutdown();
    // Once migrated, the sync works and the refusal is gone.
    ok(&db(&name, &["migrate"]));
    let sync = Sync::spawn(store(dir.path(), "q2"), config(PORT, &name, "gw"), || {}).unwrap();
    wait_for("connected", Duration::from_secs(30), || sync.state().is_connected() && sync.state().last_poll.is_some());
    assert_eq!(sync.state().refusing, None);
    sync.shutdown();
    mariadb::drop_database(PORT, &name);
}

#[test]
fn release_frees_a_dead_gateways_unsent_rows_at_once() {
    skip_without_mariadb!();
    let name = db_name("cli_release");
    let mut c = fresh_database(PORT, &name);
    ok(&db(&name, &["init"]));
    for _ in 0..3 {
        c.query_drop(SEED).unwrap();
    }
    c.query_drop("INSERT INTO outbox (recipient, phone_number, message, status, claimed_by) VALUES ('x', '+41791234567', 'done', 'sent', 'gw-dead')").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let long = |gw: &str| UpstreamConfig { lease_secs: 3600, ..config(PORT, &name, gw) };
    let dead = Sync::spawn(store(dir.path(), "dead"), long("gw-dead"), || {}).unwrap();
    wait_for("gw-dead claimed 3", Duration::from_secs(30), || dead.state().claimed == 3);
    dead.shutdown();
    let status = ok(&db(&name, &["status"]));
    assert!(status.contains("claimed by gw-dead: 3 live, 0 lapsed"), "{status}");

    let out = ok(&db(&name, &["release", "gw-dead"]));
    assert_eq!(out.trim(), "released 3 row(s) claimed by gw-dead");
    assert_eq!(
        count(&mut c, "SELECT COUNT(*) FROM outbox WHERE status='sent' AND claimed_by='gw-dead'"),
        1,
        "sent rows keep who sent them"
    );
    let s = store(dir.path(), "alive");
    let alive = Sync::spawn(Arc::clone(&s), long("gw-alive"), || {}).unwrap();
    wait_for("gw-alive took them long before the lease", Duration::from_secs(10), || alive.state().claimed == 3);
    alive.shutdown();
    assert_eq!(ok(&db(&name, &["release", "gw-dead"])).trim(), "released 0 row(s) claimed by gw-dead");
    mariadb::drop_database(PORT, &name);
}

#[test]
fn a_remote_host_without_tls_is_refused_before_connecting() {
    let out = run(&["db", "--host", "db.example.com", "--user", "smsgw", "status"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not local") && err.contains("tls = true") && err.contains("ca = "), "{err}");
}

#[test]
fn the_password_is_never_taken_from_the_command_line() {
    let out = run(&["db", "--password", "x", "status"], None);
    assert_eq!(out.status.code(), Some(2), "no such option");
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["db", "--password-file", dir.path().join("missing").to_str().unwrap(), "status"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the password file"));
}

#[test]
fn grants_prints_the_least_privilege_sql() {
    let out = ok(&run(&["db", "grants"], None));
    assert!(out.contains("GRANT SELECT, UPDATE ON sms.outbox"));
    assert!(out.contains("GRANT INSERT ON sms.inbox") && out.contains("GRANT INSERT ON sms.events"));
    assert!(!out.contains("DELETE") && !out.contains("ALL PRIVILEGES"));
}

#[test]
fn a_config_file_upstream_section_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smsgw.toml");
    std::fs::write(&file, "[upstream]\nhost = \"db.example.com\"\n\n[modem]\nport = \"/dev/ttyUSB0\"\n").unwrap();
    let out = run(&["db", "--config", file.to_str().unwrap(), "status"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("db.example.com is not local"));
    std::fs::write(&file, "[upstream]\nhots = \"typo\"\n").unwrap();
    let out = run(&["db", "--config", file.to_str().unwrap(), "status"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("hots"), "unknown keys are named");
}
