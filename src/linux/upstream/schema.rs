//! The upstream tables: the old daemon's `outbox`, and the versioned migrations that add what
//! the gateway needs without touching a row of it.
//!
//! The old daemon's status values and their meanings stay: `pending` → `sent` (with
//! `sent_at`) or `failed` (with `error_message`), `attempts` counting down. Everything new is in
//! new columns and tables:
//!
//! | version | adds |
//! | --- | --- |
//! | 1 | `outbox.claimed_by`, `claim_expires` (the lease), `claim_generation` (bumped by every claim), `push_seq` (the gateway's last applied status change: pushes apply once), indexes for claiming |
//! | 2 | `outbox.status_report` (request a delivery report), `delivery_status` (`pending`/`delivered`/`failed`), `delivered_at` |
//! | 3 | table `inbox`: received SMS |
//! | 4 | table `events`: what each gateway did that people may want to know (bad rows, resends, lost claims) |
//! | 5 | `inbox.local_id`, `parts`, `complete`, `sms_timestamp` and `events.local_id`, `phone_number`, each with a unique key on the gateway's own ids (a push repeated after a crash inserts nothing); `outbox.delivery_status` gains `expired` |
//!
//! DDL commits on its own in MySQL and MariaDB, so a migration cannot be one transaction.
//! Instead every step looks first (`information_schema`) and only adds what is missing: an
//! interrupted migration runs again from the start, and `migrate` on an up-to-date database
//! changes nothing. The version is recorded in `smsgw_schema_migrations` after its steps. The
//! checks use `information_schema` rather than MariaDB's `ADD COLUMN IF NOT EXISTS`, so a
//! MySQL server works too.

use mysql::prelude::Queryable;
use mysql::Conn;

use super::error::{Error, Result};

/// The old daemon's table, unchanged.
pub const LEGACY_OUTBOX: &str = "CREATE TABLE IF NOT EXISTS outbox (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    recipient VARCHAR(255) NOT NULL,
    phone_number VARCHAR(255) NOT NULL,
    message TEXT NOT NULL,
    status ENUM('pending', 'sent', 'failed') DEFAULT 'pending',
    attempts INT DEFAULT 3,
    sent_at DATETIME NULL,
    error_message VARCHAR(255) NULL,
    created_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    INDEX idx_status (status), INDEX idx_attempts (attempts),
    INDEX idx_created_at (created_at), INDEX idx_phone_number (phone_number)
) DEFAULT CHARSET=utf8mb4";

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS smsgw_schema_migrations (
    version INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)";

/// One idempotent piece of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// `ALTER TABLE table ADD COLUMN name definition` unless the column exists.
    Column { table: &'static str, name: &'static str, definition: &'static str },
    /// `CREATE INDEX name ON table (columns)` unless an index of that name exists.
    Index { table: &'static str, name: &'static str, columns: &'static str },
    /// `CREATE UNIQUE INDEX name ON table (columns)` unless an index of that name exists.
    Unique { table: &'static str, name: &'static str, columns: &'static str },
    /// `ALTER TABLE table MODIFY COLUMN name definition` unless the column's type already
    /// contains `has` (how an `ENUM` gains a value).
    Retype { table: &'static str, name: &'static str, definition: &'static str, has: &'static str },
    /// A `CREATE TABLE IF NOT EXISTS` statement.
    Table(&'static str),
}

/// A numbered set of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    steps: &'static [Step],
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "claims",
        steps: &[
            Step::Column { table: "outbox", name: "claimed_by", definition: "VARCHAR(64) NULL" },
            Step::Column { table: "outbox", name: "claim_expires", definition: "DATETIME(3) NULL" },
            Step::Column { table: "outbox", name: "claim_generation", definition: "INT UNSIGNED NOT NULL DEFAULT 0" },
            Step::Column { table: "outbox", name: "push_seq", definition: "BIGINT UNSIGNED NULL" },
            // The idle poll and the claim: pending rows whose lease is free, in id order.
            Step::Index { table: "outbox", name: "idx_smsgw_claimable", columns: "status, claim_expires" },
            // A gateway's own rows: reconciliation, renewal, `db release`.
            Step::Index { table: "outbox", name: "idx_smsgw_claimed_by", columns: "claimed_by, status" },
        ],
    },
    Migration {
        version: 2,
        name: "delivery reports",
        steps: &[
            Step::Column { table: "outbox", name: "status_report", definition: "TINYINT(1) NOT NULL DEFAULT 0" },
            Step::Column {
                table: "outbox",
                name: "delivery_status",
                definition: "ENUM('pending', 'delivered', 'failed') NULL",
            },
            Step::Column { table: "outbox", name: "delivered_at", definition: "DATETIME NULL" },
        ],
    },
    Migration {
        version: 3,
        name: "inbox",
        steps: &[Step::Table(
            "CREATE TABLE IF NOT EXISTS inbox (
                id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                gateway VARCHAR(64) NOT NULL,
                sender VARCHAR(32) NOT NULL,
                message TEXT NOT NULL,
                received_at DATETIME NOT NULL,
                smsc VARCHAR(32) NULL,
                created_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
                INDEX idx_received_at (received_at), INDEX idx_sender (sender)
            ) DEFAULT CHARSET=utf8mb4",
        )],
    },
    Migration {
        version: 4,
        name: "events",
        steps: &[Step::Table(
            "CREATE TABLE IF NOT EXISTS events (
                id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                gateway VARCHAR(64) NOT NULL,
                kind VARCHAR(32) NOT NULL,
                outbox_id BIGINT UNSIGNED NULL,
                detail VARCHAR(255) NULL,
                created_at TIMESTAMP(3) NULL DEFAULT CURRENT_TIMESTAMP(3),
                INDEX idx_created_at (created_at), INDEX idx_outbox_id (outbox_id)
            ) DEFAULT CHARSET=utf8mb4",
        )],
    },
    Migration {
        version: 5,
        name: "received and calls",
        steps: &[
            Step::Column { table: "inbox", name: "local_id", definition: "BIGINT UNSIGNED NULL" },
            Step::Column { table: "inbox", name: "parts", definition: "TINYINT UNSIGNED NOT NULL DEFAULT 1" },
            Step::Column { table: "inbox", name: "complete", definition: "TINYINT(1) NOT NULL DEFAULT 1" },
            Step::Column { table: "inbox", name: "sms_timestamp", definition: "VARCHAR(32) NULL" },
            Step::Unique { table: "inbox", name: "uq_smsgw_inbox_local", columns: "gateway, local_id" },
            Step::Column { table: "events", name: "local_id", definition: "BIGINT UNSIGNED NULL" },
            Step::Column { table: "events", name: "phone_number", definition: "VARCHAR(32) NULL" },
            Step::Unique { table: "events", name: "uq_smsgw_events_local", columns: "gateway, kind, local_id" },
            Step::Retype {
                table: "outbox",
                name: "delivery_status",
                definition: "ENUM('pending', 'delivered', 'failed', 'expired') NULL",
                has: "'expired'",
            },
        ],
    },
];

/// The schema version this build needs.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The outbox columns the sync reads or writes: checked at connect, so a database that was
/// not migrated fails with a clear message and not mid-run.
const SYNC_COLUMNS: &[&str] = &[
    "id",
    "phone_number",
    "message",
    "status",
    "attempts",
    "sent_at",
    "error_message",
    "claimed_by",
    "claim_expires",
    "claim_generation",
    "push_seq",
    "status_report",
    "delivery_status",
    "delivered_at",
];

/// Columns of the tables the sync inserts received messages and calls into.
const PUSH_COLUMNS: &[(&str, &str)] = &[("inbox", "local_id"), ("inbox", "sms_timestamp"), ("events", "local_id")];

fn exists(conn: &mut Conn, query: &str, params: (&str, &str)) -> Result<bool> {
    let n: Option<u64> = conn.exec_first(query, params)?;
    Ok(n.unwrap_or(0) > 0)
}

fn table_exists(conn: &mut Conn, table: &str) -> Result<bool> {
    let n: Option<u64> = conn.exec_first(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        (table,),
    )?;
    Ok(n.unwrap_or(0) > 0)
}

fn run_step(conn: &mut Conn, step: &Step) -> Result<()> {
    match *step {
        Step::Column { table, name, definition } => {
            let q = "SELECT COUNT(*) FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?";
            if !exists(conn, q, (table, name))? {
                conn.query_drop(format!("ALTER TABLE `{table}` ADD COLUMN `{name}` {definition}"))?;
            }
        }
        Step::Index { table, name, columns } => create_index(conn, "INDEX", table, name, columns)?,
        Step::Unique { table, name, columns } => create_index(conn, "UNIQUE INDEX", table, name, columns)?,
        Step::Retype { table, name, definition, has } => {
            let q = "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                     AND TABLE_NAME = ? AND COLUMN_NAME = ? AND COLUMN_TYPE LIKE CONCAT('%', ?, '%')";
            let n: Option<u64> = conn.exec_first(q, (table, name, has))?;
            if n.unwrap_or(0) == 0 {
                conn.query_drop(format!("ALTER TABLE `{table}` MODIFY COLUMN `{name}` {definition}"))?;
            }
        }
        Step::Table(ddl) => conn.query_drop(ddl)?,
    }
    Ok(())
}

fn create_index(conn: &mut Conn, kind: &str, table: &str, name: &str, columns: &str) -> Result<()> {
    let q = "SELECT COUNT(*) FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?";
    if !exists(conn, q, (table, name))? {
        conn.query_drop(format!("CREATE {kind} `{name}` ON `{table}` ({columns})"))?;
    }
    Ok(())
}

/// The schema version recorded in the database (0 when none is).
pub fn current_version(conn: &mut Conn) -> Result<u32> {
    if !table_exists(conn, "smsgw_schema_migrations")? {
        return Ok(0);
    }
    let v: Option<Option<u32>> = conn.query_first("SELECT MAX(version) FROM smsgw_schema_migrations")?;
    Ok(v.flatten().unwrap_or(0))
}

/// Brings the schema up to [`latest_version`]; returns the migrations applied. The outbox must
/// exist (`init` creates it). Two gateways migrating at once take turns (a named lock).
pub fn migrate(conn: &mut Conn) -> Result<Vec<Migration>> {
    if !table_exists(conn, "outbox")? {
        return Err(Error::Schema("there is no outbox table: run `smsgw db init`".into()));
    }
    let locked: Option<Option<i64>> = conn.query_first("SELECT GET_LOCK('smsgw_migrate', 30)")?;
    if locked.flatten() != Some(1) {
        return Err(Error::Schema("another migration is running (lock smsgw_migrate held for 30 s)".into()));
    }
    let result = migrate_locked(conn);
    let released = conn.query_drop("DO RELEASE_LOCK('smsgw_migrate')");
    let applied = result?;
    released?;
    Ok(applied)
}

fn migrate_locked(conn: &mut Conn) -> Result<Vec<Migration>> {
    conn.query_drop(VERSION_TABLE)?;
    let current = current_version(conn)?;
    if current > latest_version() {
        return Err(Error::Schema(format!(
            "the database has schema version {current}, newer than this build's {}: upgrade the gateway",
            latest_version()
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        for step in m.steps {
            run_step(conn, step)?;
        }
        conn.exec_drop(
            "INSERT IGNORE INTO smsgw_schema_migrations (version, name) VALUES (?, ?)",
            (m.version, m.name),
        )?;
        applied.push(*m);
    }
    Ok(applied)
}

/// Creates the outbox (the old daemon's definition) if it is missing, then migrates.
pub fn init(conn: &mut Conn) -> Result<Vec<Migration>> {
    conn.query_drop(LEGACY_OUTBOX)?;
    migrate(conn)
}

/// Checks that the outbox has every column the sync uses. Needs only SELECT on `outbox`.
pub fn check(conn: &mut Conn) -> Result<()> {
    let q = format!("SELECT {} FROM outbox LIMIT 0", SYNC_COLUMNS.join(", "));
    match conn.query_drop(q) {
        Ok(()) => {
            // The gateway may only INSERT into these, so it cannot select from them; the
            // information schema shows the columns of tables it holds any privilege on.
            for (table, column) in PUSH_COLUMNS {
                let q = "SELECT COUNT(*) FROM information_schema.COLUMNS \
                         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?";
                if !exists(conn, q, (table, column))? {
                    return Err(Error::Schema(format!(
                        "{table}.{column} is missing: run `smsgw db migrate` (or `smsgw db init` on an empty database)"
                    )));
                }
            }
            Ok(())
        }
        Err(mysql::Error::MySqlError(e)) if e.code == 1054 || e.code == 1146 => Err(Error::Schema(format!(
            "{} (error {}): run `smsgw db migrate` (or `smsgw db init` on an empty database)",
            e.message, e.code
        ))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
            assert!(!m.steps.is_empty());
        }
        assert_eq!(latest_version(), 5);
    }

    #[test]
    fn every_column_the_sync_uses_is_made_by_init() {
        let made: Vec<&str> = MIGRATIONS
            .iter()
            .flat_map(|m| m.steps)
            .filter_map(|s| match s {
                Step::Column { name, .. } => Some(*name),
                _ => None,
            })
            .collect();
        for col in SYNC_COLUMNS {
            assert!(made.contains(col) || LEGACY_OUTBOX.contains(&format!("{col} ")), "{col}");
        }
    }
}
