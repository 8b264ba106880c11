//! Helpers for the tests against a real MariaDB: the shared server on 127.0.0.1:3306 (user
//! root, no password; `scripts/setup.sh db-setup` installs and starts it), a private
//! `mariadbd` a test may kill and restart, a database per test, and a stand-in for the
//! daemon's sender that drives the store's lifecycle.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};
use smsgw::linux::store::{Config, Failure, MessageId, Store, UnixMs};
use smsgw::linux::upstream::{schema, UpstreamConfig};

pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 3306;

/// The legacy table's seed row, as the old daemon's install script inserts it.
pub const SEED: &str = "INSERT INTO outbox (recipient, phone_number, message, status, attempts) \
                        VALUES ('John Doe', '+1234567890', 'Hello from SMS Daemon!', 'pending', 3)";

/// Tests against MariaDB are skipped only when this is set (the ARM runs under qemu).
pub fn skipped() -> bool {
    std::env::var_os("SMSGW_SKIP_MARIADB").is_some_and(|v| !v.is_empty())
}

pub fn now() -> UnixMs {
    UnixMs(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64)
}

pub fn connect(port: u16, db: Option<&str>) -> mysql::Result<Conn> {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(HOST))
        .tcp_port(port)
        .prefer_socket(false)
        .user(Some("root"))
        .db_name(db)
        .tcp_connect_timeout(Some(Duration::from_secs(5)));
    Conn::new(opts)
}

/// A fresh, empty database on the server at `port` (dropped first if a failed run left it).
pub fn fresh_database(port: u16, name: &str) -> Conn {
    let mut root = connect(port, None).unwrap_or_else(|e| {
        panic!("no MariaDB at {HOST}:{port} as root without password ({e}); run scripts/setup.sh db-setup")
    });
    root.query_drop(format!("DROP DATABASE IF EXISTS `{name}`")).unwrap();
    root.query_drop(format!("CREATE DATABASE `{name}` DEFAULT CHARSET utf8mb4")).unwrap();
    connect(port, Some(name)).unwrap()
}

/// A database with the full schema (`smsgw db init`).
pub fn initialised(port: u16, name: &str) -> Conn {
    let mut c = fresh_database(port, name);
    schema::init(&mut c).unwrap();
    c
}

pub fn drop_database(port: u16, name: &str) {
    if let Ok(mut root) = connect(port, None) {
        let _ = root.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"));
    }
}

/// A database name for a test, unique per process.
pub fn db_name(test: &str) -> String {
    format!("smsgw_t_{test}_{}", std::process::id())
}

/// The sync's configuration for root (no password: SMSGW_DB_PASSWORD unset) on `port`, database `db`, gateway `gateway`.
pub fn config(port: u16, db: &str, gateway: &str) -> UpstreamConfig {
    UpstreamConfig {
        host: HOST.into(),
        port,
        user: "root".into(),
        database: db.into(),
        gateway: gateway.into(),
        connect_timeout_secs: 2,
        io_timeout_secs: 5,
        backoff_max_secs: 1,
        ..UpstreamConfig::default()
    }
}

pub fn store(dir: &Path, name: &str) -> Arc<Store> {
    Arc::new(Store::open(dir.join(name), Config::default()).unwrap())
}

/// Polls `cond` every 20 ms until it holds or `timeout` passes; says what it waited for.
pub fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn count(conn: &mut Conn, query: &str) -> u64 {
    conn.query_first::<u64, _>(query).unwrap().unwrap_or(0)
}

/// What the stand-in sender does with each part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accept,
    TemporaryFailure,
    PermanentFailure,
}

/// Plays the daemon's sender: takes every ready part from the store and records the outcome
/// `decide` picks, until stopped. Counts parts handed out per message (a doubled send shows).
pub struct Sender {
    stop: Arc<AtomicBool>,
    pub parts_sent: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Sender {
    pub fn start(store: Arc<Store>) -> Sender {
        Sender::with(store, |_, _| Outcome::Accept)
    }

    pub fn with(store: Arc<Store>, decide: impl Fn(MessageId, u8) -> Outcome + Send + 'static) -> Sender {
        let stop = Arc::new(AtomicBool::new(false));
        let parts_sent = Arc::new(AtomicU64::new(0));
        let (s, n) = (Arc::clone(&stop), Arc::clone(&parts_sent));
        let thread = std::thread::spawn(move || {
            let mut mr: u8 = 0;
            while !s.load(Ordering::SeqCst) {
                let Some(ready) = store.next_ready(now()).unwrap() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let id = ready.message.id;
                store.begin_part(id, ready.part, now()).unwrap();
                match decide(id, ready.part) {
                    Outcome::Accept => {
                        mr = mr.wrapping_add(1);
                        store.part_sent(id, ready.part, mr, now()).unwrap();
                        n.fetch_add(1, Ordering::SeqCst);
                    }
                    Outcome::TemporaryFailure => {
                        store.part_failed(id, ready.part, &Failure::Temporary("no network".into()), now()).unwrap();
                    }
                    Outcome::PermanentFailure => {
                        let f = Failure::Permanent("+CMS ERROR: 21 (short message transfer rejected)".into());
                        store.part_failed(id, ready.part, &f, now()).unwrap();
                    }
                }
            }
        });
        Sender { stop, parts_sent, thread: Some(thread) }
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A private `mariadbd` on a free port with its own data directory: a test may kill it
/// (SIGKILL) and start it again.
pub struct PrivateServer {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind((HOST, 0)).unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

impl PrivateServer {
    /// Installs a data directory (root without password) and picks a port; not started.
    pub fn install() -> PrivateServer {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("mariadb-install-db");
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db");
        if is_root() {
            cmd.arg("--user=root");
        }
        // One install at a time: they start a bootstrap server each, and the tests run in
        // parallel, in this process and in others (the aarch64 and armv7 suites run side by
        // side): a lock in the process and a lock file across processes.
        static INSTALL: Mutex<()> = Mutex::new(());
        let guard = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
        let lock = std::fs::File::create(std::env::temp_dir().join("smsgw-test-mariadb-install.lock")).unwrap();
        // SAFETY: flock(2) on a descriptor this function owns; it is released when `lock` closes.
        assert_eq!(unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) }, 0);
        let out = cmd.output().expect("mariadb-install-db (package mariadb-server; scripts/setup.sh db-setup)");
        drop(lock);
        drop(guard);
        assert!(
            out.status.success(),
            "mariadb-install-db failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        PrivateServer { dir, port: free_port(), child: None }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server with `extra` options and waits until it answers.
    pub fn start_with(&mut self, extra: &[String]) {
        assert!(self.child.is_none(), "already running");
        let d = self.dir.path();
        let mut cmd =
            Command::new(if Path::new("/usr/sbin/mariadbd").exists() { "/usr/sbin/mariadbd" } else { "mariadbd" });
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--socket={}", d.join("sock").display()))
            .arg(format!("--pid-file={}", d.join("pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            // Its own temporary directory: servers sharing /tmp can pick the same temporary
            // table names (seen with two bootstrap servers at once).
            .arg(format!("--tmpdir={}", d.display()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg("--skip-networking=0")
            .arg("--skip-log-bin")
            .arg("--innodb-buffer-pool-size=32M")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if is_root() {
            cmd.arg("--user=root");
        }
        self.child = Some(cmd.spawn().expect("start mariadbd"));
        let start = Instant::now();
        while connect(self.port, None).is_err() {
            let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
            assert!(start.elapsed() < Duration::from_secs(60), "private mariadbd did not come up:\n{log}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn start(&mut self) {
        self.start_with(&[]);
    }

    /// SIGKILL, as a crash or a power cut would.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.kill9();
    }
}
