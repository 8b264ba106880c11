//! systemd's service protocol (`sd_notify(3)`), without libsystemd: `READY=1` once the gateway
//! is up, `WATCHDOG=1` while its core loop turns, `STATUS=` lines for `systemctl status`, and
//! `STOPPING=1` on the way out. Messages are datagrams to the socket in `NOTIFY_SOCKET` (a path,
//! or an abstract name written with a leading `@`). Outside systemd every call does nothing.

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// A connection to the service manager, or none.
#[derive(Debug)]
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    watchdog: Option<Duration>,
}

/// The address `NOTIFY_SOCKET` names.
fn address(name: &str) -> io::Result<SocketAddr> {
    match name.strip_prefix('@') {
        Some(abstract_name) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(abstract_name.as_bytes())
        }
        None => SocketAddr::from_pathname(name),
    }
}

impl Notifier {
    /// From the environment systemd gives a `Type=notify` service.
    pub fn from_env() -> Notifier {
        let socket = std::env::var("NOTIFY_SOCKET").ok();
        let usec = std::env::var("WATCHDOG_USEC").ok();
        let pid = std::env::var("WATCHDOG_PID").ok();
        Notifier::new(socket.as_deref(), usec.as_deref(), pid.as_deref(), std::process::id())
    }

    /// From the values of `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`; `own_pid` is
    /// this process (the watchdog is meant for it only when `WATCHDOG_PID` is unset or names
    /// it). A socket that cannot be reached makes a notifier that does nothing.
    pub fn new(
        socket: Option<&str>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        own_pid: u32,
    ) -> Notifier {
        let target = socket.filter(|s| !s.is_empty()).and_then(|name| {
            let addr = address(name).ok()?;
            let sock = UnixDatagram::unbound().ok()?;
            Some((sock, addr))
        });
        let for_us = watchdog_pid.map_or(true, |p| p.trim().parse::<u32>().is_ok_and(|p| p == own_pid));
        let watchdog = watchdog_usec
            .and_then(|u| u.trim().parse::<u64>().ok())
            .filter(|u| *u > 0 && for_us && target.is_some())
            .map(Duration::from_micros);
        Notifier { target, watchdog }
    }

    /// Whether a service manager listens.
    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// How often to send `WATCHDOG=1`: half the watchdog timeout, as sd_watchdog_enabled(3)
    /// advises; `None` when no watchdog is set.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog.map(|w| w / 2)
    }

    /// Sends one notification (lines of `KEY=value`). Errors are returned for the caller to
    /// log; nothing depends on the manager hearing.
    pub fn notify(&self, state: &str) -> io::Result<()> {
        match &self.target {
            Some((sock, addr)) => sock.send_to_addr(state.as_bytes(), addr).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Initialisation is done: the manager starts what depends on the service.
    pub fn ready(&self, status: &str) -> io::Result<()> {
        self.notify(&format!("READY=1\nSTATUS={}", one_line(status)))
    }

    pub fn status(&self, status: &str) -> io::Result<()> {
        self.notify(&format!("STATUS={}", one_line(status)))
    }

    pub fn watchdog(&self) -> io::Result<()> {
        if self.watchdog.is_some() {
            self.notify("WATCHDOG=1")
        } else {
            Ok(())
        }
    }

    pub fn stopping(&self, status: &str) -> io::Result<()> {
        self.notify(&format!("STOPPING=1\nSTATUS={}", one_line(status)))
    }
}

/// A status is one line: a newline would start a new `KEY=value`.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receive(sock: &UnixDatagram) -> String {
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn notifications_reach_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let n = Notifier::new(path.to_str(), Some("10000000"), None, 42);
        assert!(n.is_active());
        assert_eq!(n.watchdog_interval(), Some(Duration::from_secs(5)));
        n.ready("modem ready,\n3 queued").unwrap();
        assert_eq!(receive(&listener), "READY=1\nSTATUS=modem ready, 3 queued");
        n.watchdog().unwrap();
        assert_eq!(receive(&listener), "WATCHDOG=1");
        n.stopping("stopping").unwrap();
        assert_eq!(receive(&listener), "STOPPING=1\nSTATUS=stopping");
    }

    #[test]
    fn notifications_reach_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("smsgw-test-{}-{:?}", std::process::id(), std::thread::current().id());
        let listener = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
        let n = Notifier::new(Some(&format!("@{name}")), None, None, 1);
        n.status("hello").unwrap();
        assert_eq!(receive(&listener), "STATUS=hello");
        assert_eq!(n.watchdog_interval(), None);
    }

    #[test]
    fn without_systemd_nothing_happens() {
        /// NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID, the interval, whether it is active.
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<Duration>, bool);
        let cases: &[Case<'_>] = &[
            (None, None, None, None, false),
            (Some(""), Some("1000"), None, None, false),
            // The watchdog is another process's.
            (Some("@x"), Some("1000000"), Some("7"), None, true),
            (Some("@x"), Some("1000000"), Some("42"), Some(Duration::from_millis(500)), true),
            (Some("@x"), Some("0"), None, None, true),
            (Some("@x"), Some("soon"), None, None, true),
        ];
        for &(socket, usec, pid, interval, active) in cases {
            let n = Notifier::new(socket, usec, pid, 42);
            assert_eq!((n.watchdog_interval(), n.is_active()), (interval, active), "{socket:?} {usec:?} {pid:?}");
        }
        let n = Notifier::new(None, None, None, 1);
        assert!(n.ready("x").is_ok() && n.watchdog().is_ok());
    }
}
