//! Where the upstream database is, how to reach it safely, and how the sync behaves.

use core::fmt;
use core::time::Duration;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::Deserialize;

use super::error::{Error, Result};
use crate::codec::encoding::{Options, RefBits};
use crate::codec::gsm7::Language;

/// The environment variable read for the password when neither `password_file` nor
/// `password_env` is set.
pub const DEFAULT_PASSWORD_ENV: &str = "SMSGW_DB_PASSWORD";

/// Longest gateway name: the width of `outbox.claimed_by` and `events.gateway`.
pub const MAX_GATEWAY_NAME: usize = 64;

/// The `[upstream]` section of the gateway's configuration.
///
/// Durations are whole seconds or milliseconds, as the field names say, so the TOML needs no
/// duration syntax.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// Host name or IP address of the MySQL/MariaDB server.
    pub host: String,
    pub port: u16,
    /// A Unix socket to connect through instead of TCP (local, so TLS is not required).
    pub socket: Option<PathBuf>,
    pub user: String,
    pub database: String,
    /// A file holding the password (its first line). Never on the command line.
    pub password_file: Option<PathBuf>,
    /// The environment variable holding the password (default [`DEFAULT_PASSWORD_ENV`]).
    pub password_env: Option<String>,
    /// TLS with certificate verification. Required when the host is not local.
    pub tls: bool,
    /// The CA certificate (PEM or DER) the server's certificate must chain to, besides the
    /// public web roots.
    pub ca: Option<PathBuf>,
    /// This gateway's name in `outbox.claimed_by` and `events.gateway`: unique per gateway.
    /// Empty takes the host name.
    pub gateway: String,
    /// How often to look for new rows. 250 ms keeps the median pickup under 300 ms at 4 cheap
    /// queries a second while idle.
    pub poll_interval_ms: u64,
    /// How long a claim holds without renewal. A gateway that dies, or stays offline this
    /// long, loses its unsent rows to the other gateways; one that is offline longer may then
    /// send a row another gateway sends too. Renewed every third of it while connected.
    pub lease_secs: u64,
    /// Rows taken per claim statement.
    pub claim_batch: u32,
    /// A row whose text needs more parts than this fails as too long (255 is the protocol's
    /// limit; more is impossible).
    pub max_parts: u8,
    pub connect_timeout_secs: u64,
    /// Read and write timeout of every statement: a dead link shows within this.
    pub io_timeout_secs: u64,
    /// The longest wait between reconnection attempts (the wait doubles from 500 ms up to it).
    pub backoff_max_secs: u64,
    /// National shift tables the sender may use, and its concatenation reference size: set by
    /// the daemon from its modem settings, so that parts are counted as the sender will cut
    /// them (`linux::message::encode` plans with the same options). Not read from the file.
    #[serde(skip)]
    pub languages: Vec<Language>,
    #[serde(skip)]
    pub ref_bits: RefBits,
    /// Every claimed row asks for delivery reports, whatever its `status_report` column says:
    /// set by the daemon from `inbox.status_reports`. Not read from this section.
    #[serde(skip)]
    pub status_reports: bool,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        UpstreamConfig {
            host: "127.0.0.1".into(),
            port: 3306,
            socket: None,
            user: "smsgw".into(),
            database: "sms".into(),
            password_file: None,
            password_env: None,
            tls: false,
            ca: None,
            gateway: String::new(),
            poll_interval_ms: 250,
            lease_secs: 900,
            claim_batch: 50,
            max_parts: 10,
            connect_timeout_secs: 5,
            io_timeout_secs: 10,
            backoff_max_secs: 30,
            languages: Vec::new(),
            ref_bits: RefBits::default(),
            status_reports: false,
        }
    }
}

/// A password, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Password {
        Password(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

impl UpstreamConfig {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }

    pub fn backoff_max(&self) -> Duration {
        Duration::from_secs(self.backoff_max_secs)
    }

    /// The host is this machine: a Unix socket, `localhost` or a loopback address. Only then
    /// may the link go without TLS.
    pub fn is_local(&self) -> bool {
        if self.socket.is_some() {
            return true;
        }
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The options part counts are planned with.
    pub fn encoding_options(&self) -> Options<'_> {
        Options { languages: &self.languages, ref_bits: self.ref_bits }
    }

    /// The gateway name to claim rows with: the configured one, or the host name.
    pub fn gateway_name(&self) -> String {
        if !self.gateway.is_empty() {
            return self.gateway.clone();
        }
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "smsgw".into())
    }

    /// Checks that the configuration can work and is safe; the error says what to change.
    pub fn validate(&self) -> Result<()> {
        if !self.is_local() && !self.tls {
            return Err(Error::Config(format!(
                "the database host {} is not local, so the link must be encrypted and the server verified: \
                 set `tls = true` and `ca = \"/path/to/ca.pem\"` (the CA that signed the server's certificate) \
                 in the [upstream] section",
                self.host
            )));
        }
        if let Some(ca) = &self.ca {
            if !self.tls {
                return Err(Error::Config("`ca` is set but `tls` is not: set `tls = true`".into()));
            }
            if !ca.is_file() {
                return Err(Error::Config(format!("the CA certificate {} is not a readable file", ca.display())));
            }
        }
        let name = self.gateway_name();
        if name.chars().count() > MAX_GATEWAY_NAME || name.chars().any(|c| c.is_control()) {
            return Err(Error::Config(format!(
                "the gateway name {name:?} must be at most {MAX_GATEWAY_NAME} printable characters"
            )));
        }
        if self.user.is_empty() || self.database.is_empty() {
            return Err(Error::Config("`user` and `database` must be set".into()));
        }
        if self.poll_interval_ms < 10 || self.poll_interval_ms > 60_000 {
            return Err(Error::Config("`poll_interval_ms` must be between 10 and 60000".into()));
        }
        if self.lease_secs < 2 {
            return Err(Error::Config("`lease_secs` must be at least 2".into()));
        }
        if self.claim_batch == 0 || self.claim_batch > 1000 {
            return Err(Error::Config("`claim_batch` must be between 1 and 1000".into()));
        }
        if self.max_parts == 0 {
            return Err(Error::Config("`max_parts` must be at least 1".into()));
        }
        if self.connect_timeout_secs == 0 || self.io_timeout_secs == 0 || self.backoff_max_secs == 0 {
            return Err(Error::Config("timeouts and `backoff_max_secs` must be at least 1 second".into()));
        }
        Ok(())
    }

    /// The password: the first line of `password_file`, else the variable `password_env`
    /// names (which must then exist), else [`DEFAULT_PASSWORD_ENV`] if set, else none.
    pub fn password(&self) -> Result<Option<Password>> {
        if let Some(path) = &self.password_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Config(format!("cannot read the password file {}: {e}", path.display())))?;
            return Ok(Some(Password(text.lines().next().unwrap_or("").to_string())));
        }
        if let Some(var) = &self.password_env {
            return std::env::var(var)
                .map(|p| Some(Password(p)))
                .map_err(|_| Error::Config(format!("the password variable {var} is not set")));
        }
        Ok(std::env::var(DEFAULT_PASSWORD_ENV).ok().map(Password))
    }

    /// Connection options for the `mysql` client: timeouts, TLS, and the session settings
    /// the sync relies on.
    pub fn opts(&self) -> Result<mysql::Opts> {
        let password = self.password()?;
        let mut b = mysql::OptsBuilder::new()
            .ip_or_hostname(Some(self.host.clone()))
            .tcp_port(self.port)
            .socket(self.socket.as_ref().map(|p| p.to_string_lossy().into_owned()))
            // Connect where the configuration says: not silently through a local socket.
            .prefer_socket(false)
            .user(Some(self.user.clone()))
            .pass(password.map(|p| p.0))
            .db_name(Some(self.database.clone()))
            .tcp_connect_timeout(Some(Duration::from_secs(self.connect_timeout_secs)))
            .read_timeout(Some(Duration::from_secs(self.io_timeout_secs)))
            .write_timeout(Some(Duration::from_secs(self.io_timeout_secs)))
            .tcp_keepalive_time_ms(Some(30_000))
            // A claim waiting on another gateway's row lock gives up well before the I/O timeout.
            .init(vec![format!("SET SESSION innodb_lock_wait_timeout = {}", self.io_timeout_secs.clamp(1, 5))]);
        if self.tls {
            let ssl = mysql::SslOpts::default().with_root_cert_path(self.ca.clone());
            b = b.ssl_opts(Some(ssl));
        }
        Ok(b.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(host: &str) -> UpstreamConfig {
        UpstreamConfig { host: host.into(), gateway: "gw".into(), ..UpstreamConfig::default() }
    }

    #[test]
    fn tls_is_required_unless_the_host_is_local() {
        let cases: &[(&str, bool, bool)] = &[
            // host, tls, accepted
            ("127.0.0.1", false, true),
            ("127.8.0.1", false, true),
            ("localhost", false, true),
            ("LOCALHOST", false, true),
            ("::1", false, true),
            ("[::1]", false, true),
            ("db.example.com", false, false),
            ("192.0.2.10", false, false),
            ("10.0.0.5", false, false),
            ("localhost.example.com", false, false),
            ("db.example.com", true, true),
            ("192.0.2.10", true, true),
        ];
        for &(host, tls, accepted) in cases {
            let c = UpstreamConfig { tls, ..with_host(host) };
            let r = c.validate();
            assert_eq!(r.is_ok(), accepted, "{host} tls={tls}: {r:?}");
            if let Err(e) = r {
                let text = e.to_string();
                assert!(text.contains("tls = true") && text.contains("ca = "), "says how: {text}");
            }
        }
        let socket = UpstreamConfig { socket: Some("/run/mysqld/mysqld.sock".into()), ..with_host("db.example.com") };
        assert!(socket.validate().is_ok(), "a Unix socket is local whatever the host says");
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not checked here").unwrap();
        let bad = [
            UpstreamConfig { gateway: "x".repeat(65), ..with_host("127.0.0.1") },
            UpstreamConfig { gateway: "a\nb".into(), ..with_host("127.0.0.1") },
            UpstreamConfig { poll_interval_ms: 0, ..with_host("127.0.0.1") },
            UpstreamConfig { lease_secs: 1, ..with_host("127.0.0.1") },
            UpstreamConfig { claim_batch: 0, ..with_host("127.0.0.1") },
            UpstreamConfig { max_parts: 0, ..with_host("127.0.0.1") },
            UpstreamConfig { io_timeout_secs: 0, ..with_host("127.0.0.1") },
            UpstreamConfig { user: String::new(), ..with_host("127.0.0.1") },
            UpstreamConfig { ca: Some("/nonexistent/ca.pem".into()), tls: true, ..with_host("127.0.0.1") },
            UpstreamConfig { ca: Some(ca.clone()), tls: false, ..with_host("127.0.0.1") },
        ];
        for c in bad {
            assert!(matches!(c.validate(), Err(Error::Config(_))), "{c:?}");
        }
        assert!(with_host("127.0.0.1").validate().is_ok());
        assert!(UpstreamConfig { ca: Some(ca), tls: true, ..with_host("db.example.com") }.validate().is_ok());
    }

    #[test]
    fn password_comes_from_a_file_or_the_environment_and_is_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\nignored\n").unwrap();
        let c = UpstreamConfig { password_file: Some(file), ..with_host("127.0.0.1") };
        let p = c.password().unwrap().unwrap();
        assert_eq!(p.expose(), "s3cret");
        assert!(!format!("{p:?}").contains("s3cret"));
        let missing = UpstreamConfig { password_env: Some("SMSGW_TEST_NO_SUCH_VARIABLE".into()), ..c.clone() };
        assert!(missing.password().is_ok(), "the file wins over the variable");
        let missing = UpstreamConfig { password_file: None, ..missing };
        assert!(matches!(missing.password(), Err(Error::Config(m)) if m.contains("SMSGW_TEST_NO_SUCH_VARIABLE")));
        let unreadable = UpstreamConfig { password_file: Some(dir.path().join("none")), ..with_host("127.0.0.1") };
        assert!(matches!(unreadable.password(), Err(Error::Config(_))));
    }

    #[test]
    fn parses_from_toml_with_defaults_and_rejects_unknown_keys() {
        let c: UpstreamConfig =
            toml::from_str("host = \"db.example.com\"\ntls = true\nlease_secs = 60\ngateway = \"pi-1\"\n").unwrap();
        assert_eq!(c.host, "db.example.com");
        assert_eq!(c.lease(), Duration::from_secs(60));
        assert_eq!(c.poll_interval(), Duration::from_millis(250));
        assert_eq!(c.max_parts, 10);
        assert!(toml::from_str::<UpstreamConfig>("password = \"x\"\n").is_err(), "no password in the file");
    }
}
