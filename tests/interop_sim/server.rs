//! A running `smsgw sim` for the integration tests: started on a fresh directory (pty link,
//! control socket, air log there), stopped with SIGTERM when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct SimServer {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub link: PathBuf,
    pub control: PathBuf,
    pub air_log: PathBuf,
    /// The pty the server printed.
    pub pty: String,
}

impl SimServer {
    /// Starts `smsgw sim --profile PROFILE` with a short boot and `extra` arguments, and waits
    /// until the modem is ready.
    pub fn start(profile: &str, extra: &[&str]) -> SimServer {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("ttySIM");
        let control = dir.path().join("control.sock");
        let air_log = dir.path().join("air.jsonl");
        let mut cmd = super::common::smsgw();
        cmd.arg("sim")
            .args(["--profile", profile, "--boot-ms", "300", "--report-delay-ms", "500"])
            .arg("--link")
            .arg(&link)
            .arg("--control")
            .arg(&control)
            .arg("--air-log")
            .arg(&air_log)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("start smsgw sim");
        let mut pty = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut pty).unwrap();
        let server = SimServer { child: Some(child), dir, link, control, air_log, pty: pty.trim().to_string() };
        assert!(server.pty.starts_with("/dev/"), "printed {:?}", server.pty);
        server.wait_for("ready");
        server
    }

    /// Waits up to 10 s for the modem's power state (and for "ready", its boot URCs said).
    pub fn wait_for(&self, power: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(v) = self.try_control("status") {
                if v["power"] == power && v["boot_urcs_pending"] == false {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "modem not {power} within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn try_control(&self, line: &str) -> std::io::Result<Value> {
        let mut s = UnixStream::connect(&self.control)?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        s.write_all(format!("{line}\n").as_bytes())?;
        let mut answer = String::new();
        BufReader::new(s).read_line(&mut answer)?;
        serde_json::from_str(&answer).map_err(std::io::Error::other)
    }

    /// One control command; its JSON answer.
    pub fn control(&self, line: &str) -> Value {
        self.try_control(line).unwrap_or_else(|e| panic!("control {line:?}: {e}"))
    }

    /// The air log's lines so far.
    pub fn air(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.air_log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Opens the port as a plain serial client would.
    pub fn open_port(&self) -> Port {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&self.link)
            .unwrap();
        Port { file, seen: Vec::new() }
    }

    /// SIGTERM, then the exit status.
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        terminate(&child);
        child.wait().unwrap()
    }
}

fn terminate(child: &Child) {
    // SAFETY: kill(2) on our own child's pid.
    let pid = i32::try_from(child.id()).unwrap();
    unsafe { libc::kill(pid, libc::SIGTERM) };
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&child);
            let _ = child.wait();
        }
    }
}

/// The client side of the port, non-blocking, with what it read so far.
pub struct Port {
    file: std::fs::File,
    pub seen: Vec<u8>,
}

impl Port {
    pub fn send(&mut self, bytes: &[u8]) {
        self.file.write_all(bytes).unwrap();
    }

    /// Reads for `d`, returns what arrived.
    pub fn read_for(&mut self, d: Duration) -> String {
        let start = self.seen.len();
        let deadline = Instant::now() + d;
        while Instant::now() < deadline {
            self.pump();
            std::thread::sleep(Duration::from_millis(5));
        }
        String::from_utf8_lossy(&self.seen[start..]).into_owned()
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(_) => return,
            }
        }
    }

    /// Reads until the text since the last call contains `want` (10 s at most); returns it.
    pub fn read_until(&mut self, want: &str) -> String {
        let start = self.seen.len();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.pump();
            let got = String::from_utf8_lossy(&self.seen[start..]).into_owned();
            if got.contains(want) {
                return got;
            }
            assert!(Instant::now() < deadline, "no {want:?} within 10 s; got {got:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends a command line and reads its answer up to `want`.
    pub fn command(&mut self, line: &str, want: &str) -> String {
        self.send(format!("{line}\r").as_bytes());
        self.read_until(want)
    }
}
