//! The control socket: a Unix stream socket (`/run/smsgw/control.sock` by default) carrying one
//! JSON request per line and one JSON answer per line (see [`gateway::protocol`]).
//!
//! The socket is mode 0660: its owner and its group (`control.group`) may use it, nobody else.
//! One thread accepts connections and gives each its own short-lived thread, which passes the
//! requests to the core and writes the answers back.
//!
//! [`Client`] is the other end, for `smsgw send`, `status`, `queue` and `export`.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use super::gateway::{protocol, Handle, Request};
use super::log;

/// The longest request line: a message text of 255 parts in UCS-2 escapes (255 × 67
/// characters × 6 bytes of `\uXXXX`) fits, with room for the rest.
pub const MAX_REQUEST_BYTES: usize = 128 * 1024;

/// Connections served at once; more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 16;

/// A connection that sends nothing for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How often the accept loop looks at the stop flag.
const ACCEPT_POLL_MS: i32 = 200;

/// The socket being served; stopped and removed when dropped.
#[derive(Debug)]
pub struct Server {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Looks a group name up (`getgrnam_r`).
fn group_id(name: &str) -> io::Result<libc::gid_t> {
    let cname = CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "group name has a NUL"))?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: group is plain data; getgrnam_r fills it and points into buf, which outlives its use.
    let mut group: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    let rc = unsafe { libc::getgrnam_r(cname.as_ptr(), &mut group, buf.as_mut_ptr().cast(), buf.len(), &mut result) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    if result.is_null() {
        return Err(io::Error::new(io::ErrorKind::NotFound, format!("no group {name:?}")));
    }
    Ok(group.gr_gid)
}

impl Server {
    /// Binds the socket (removing a stale one, refusing if a gateway answers on it) and starts
    /// the accept thread.
    pub fn start(path: &Path, group: Option<&str>, handle: Handle) -> io::Result<Server> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    "another gateway is running on this socket (stop it first)",
                ));
            }
            // Left behind by a gateway that was killed.
            std::fs::remove_file(path)?;
        }
        let listener = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
        if let Some(name) = group {
            let gid = group_id(name).map_err(|e| io::Error::new(e.kind(), format!("control.group {name:?}: {e}")))?;
            let cpath = CString::new(path.as_os_str().as_encoded_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "socket path has a NUL"))?;
            // SAFETY: a valid C string; -1 leaves the owner as it is.
            if unsafe { libc::chown(cpath.as_ptr(), u32::MAX, gid) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread =
            std::thread::Builder::new().name("control".into()).spawn(move || accept_loop(&listener, &flag, &handle))?;
        Ok(Server { path: path.to_path_buf(), stop, thread: Some(thread) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn accept_loop(listener: &UnixListener, stop: &AtomicBool, handle: &Handle) {
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        let mut fds = [libc::pollfd { fd: listener.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
        if let Err(e) = super::pty::poll(&mut fds, ACCEPT_POLL_MS) {
            log::error!("control socket: {e}");
            std::thread::sleep(Duration::from_millis(ACCEPT_POLL_MS as u64));
            continue;
        }
        loop {
            let stream = match listener.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    log::warning!("control socket: accept: {e}");
                    break;
                }
            };
            if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                let mut s = stream;
                let _ = writeln!(s, "{}", protocol::failed("too many connections; try again"));
                continue;
            }
            active.fetch_add(1, Ordering::SeqCst);
            let handle = handle.clone();
            let count = active.clone();
            let spawned = std::thread::Builder::new().name("control-client".into()).spawn(move || {
                if let Err(e) = serve(stream, &handle) {
                    log::debug!("control client: {e}");
                }
                count.fetch_sub(1, Ordering::SeqCst);
            });
            if let Err(e) = spawned {
                active.fetch_sub(1, Ordering::SeqCst);
                log::warning!("control socket: cannot start a client thread: {e}");
            }
        }
    }
}

/// Answers one connection's requests until it closes.
fn serve(stream: UnixStream, handle: &Handle) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = io::Read::take(&mut reader, MAX_REQUEST_BYTES as u64 + 1).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        if line.len() > MAX_REQUEST_BYTES {
            writeln!(out, "{}", protocol::failed("request too long"))?;
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Request>(text) {
            Ok(request) => handle.request(request),
            Err(e) => protocol::failed(format!("not a request: {e}")),
        };
        writeln!(out, "{answer}")?;
    }
}

/// Why a client command did not get its answer.
#[derive(Debug)]
pub enum ClientError {
    /// Nothing listens at the socket.
    NotRunning {
        path: PathBuf,
    },
    /// The socket is there, and this user may not use it.
    Denied {
        path: PathBuf,
    },
    /// The gateway answered with an error.
    Refused(String),
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NotRunning { path } => write!(
                f,
                "the gateway is not running: no socket at {} (start it with `smsgw run` or `systemctl start smsgw`)",
                path.display()
            ),
            ClientError::Denied { path } => write!(
                f,
                "permission denied on {}: run as root or as a member of the socket's group (control.group)",
                path.display()
            ),
            ClientError::Refused(e) => f.write_str(e),
            ClientError::Io(e) => write!(f, "talking to the gateway: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A connection to a running gateway.
#[derive(Debug)]
pub struct Client {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Client {
    pub fn connect(path: &Path) -> Result<Client, ClientError> {
        let stream = UnixStream::connect(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                ClientError::NotRunning { path: path.to_path_buf() }
            }
            io::ErrorKind::PermissionDenied => ClientError::Denied { path: path.to_path_buf() },
            _ => ClientError::Io(e),
        })?;
        stream.set_read_timeout(Some(Duration::from_secs(120))).map_err(ClientError::Io)?;
        let writer = stream.try_clone().map_err(ClientError::Io)?;
        Ok(Client { reader: BufReader::new(stream), writer })
    }

    /// Sends a request; its answer's fields (`"ok"` included) or the gateway's error.
    pub fn request(&mut self, request: &Request) -> Result<Value, ClientError> {
        let mut line = serde_json::to_string(request).map_err(|e| ClientError::Io(io::Error::other(e)))?;
        line.push('\n');
        self.writer.write_all(line.as_bytes()).map_err(ClientError::Io)?;
        let mut answer = String::new();
        if self.reader.read_line(&mut answer).map_err(ClientError::Io)? == 0 {
            return Err(ClientError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the gateway closed the connection",
            )));
        }
        let v: Value = serde_json::from_str(&answer).map_err(|e| ClientError::Io(io::Error::other(e)))?;
        if v["ok"] == Value::Bool(true) {
            Ok(v)
        } else {
            Err(ClientError::Refused(v["error"].as_str().unwrap_or("the gateway refused the request").to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_gateway_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("control.sock");
        let e = Client::connect(&path).unwrap_err();
        assert!(matches!(e, ClientError::NotRunning { .. }));
        assert_eq!(
            e.to_string(),
            format!(
                "the gateway is not running: no socket at {} (start it with `smsgw run` or `systemctl start smsgw`)",
                path.display()
            )
        );
        // A socket file left by a killed gateway: nobody listens.
        drop(UnixListener::bind(&path).unwrap());
        assert!(matches!(Client::connect(&path).unwrap_err(), ClientError::NotRunning { .. }));
    }

    #[test]
    fn groups_are_looked_up() {
        assert_eq!(group_id("root").unwrap(), 0);
        assert_eq!(group_id("no-such-group-smsgw").unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
