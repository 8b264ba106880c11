//! The daemon tests' helpers: a simulated modem (`smsgw sim`) on a fixed link, and `smsgw run`
//! with a configuration in a temporary directory, talked to through its control socket.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::common;

/// How long anything may take before a test gives up: generous, for qemu.
pub const PATIENCE: Duration = Duration::from_secs(120);

fn signal(child: &Child, sig: i32) {
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(pid, sig) };
}

/// A one-line request to a Unix socket; its JSON answer.
pub fn ask(socket: &Path, line: &str) -> std::io::Result<Value> {
    let mut s = UnixStream::connect(socket)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.write_all(format!("{line}\n").as_bytes())?;
    let mut answer = String::new();
    BufReader::new(s).read_line(&mut answer)?;
    serde_json::from_str(&answer).map_err(std::io::Error::other)
}

/// `smsgw sim` on a link path that stays the same when it is stopped and started again.
pub struct Sim {
    child: Option<Child>,
    pub link: PathBuf,
    pub control: PathBuf,
    pub air_log: PathBuf,
}

impl Sim {
    /// Starts a simulated Huawei stick (300 ms boot) in `dir` with `faults`, and waits until
    /// it is ready.
    pub fn start(dir: &Path, faults: &[&str]) -> Sim {
        let link = dir.join("ttySIM");
        let control = dir.join("sim.sock");
        let air_log = dir.join("air.jsonl");
        let mut cmd = common::smsgw();
        cmd.args(["sim", "--profile", "huawei", "--boot-ms", "300", "--report-delay-ms", "200"])
            .arg("--link")
            .arg(&link)
            .arg("--control")
            .arg(&control)
            .arg("--air-log")
            .arg(&air_log);
        for f in faults {
            cmd.args(["--fault", f]);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("start smsgw sim");
        let mut pty = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut pty).unwrap();
        assert!(pty.starts_with("/dev/"), "sim printed {pty:?}");
        let sim = Sim { child: Some(child), link, control, air_log };
        sim.wait_ready();
        sim
    }

    pub fn wait_ready(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(v) = ask(&self.control, "status") {
                if v["power"] == "ready" && v["boot_urcs_pending"] == false {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "simulated modem not ready");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn control(&self, line: &str) -> Value {
        let v = ask(&self.control, line).unwrap_or_else(|e| panic!("sim control {line:?}: {e}"));
        assert_eq!(v["ok"], true, "sim control {line:?}: {v}");
        v
    }

    /// Every part the simulated network took so far.
    pub fn air(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.air_log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            signal(&c, libc::SIGTERM);
            let _ = c.wait();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A configuration for `smsgw run` in `dir`, on the modem at `device`; `modem` and `store` are
/// extra lines for those sections.
pub fn config(dir: &Path, device: &Path, modem: &str, store: &str) -> String {
    format!(
        "[gateway]\nname = \"test\"\n\
         [modem]\ndevice = \"{}\"\nfamily = \"huawei\"\n{modem}\n\
         [modem.timings]\nprobe = \"300ms\"\nguard = \"100ms\"\ncommand = \"2s\"\nprompt = \"2s\"\nresult = \"5s\"\n\
         boot = \"2s\"\nreenumerate = \"2s\"\nretry = \"300ms\"\nsend_wait = \"60s\"\n\
         [store]\npath = \"{}\"\nattempts = 50\nbackoff = [\"200ms\"]\n{store}\n\
         [control]\nsocket = \"{}\"\n\
         [log]\nlevel = \"debug\"\nfile = \"{}\"\n",
        device.display(),
        dir.join("state/queue.redb").display(),
        dir.join("control.sock").display(),
        dir.join("smsgw.log").display(),
    )
}

/// `smsgw run` on a configuration.
pub struct Daemon {
    child: Option<Child>,
    pub socket: PathBuf,
    pub config: PathBuf,
}

impl Daemon {
    /// Writes `config` to `dir/smsgw.toml`, starts `smsgw run` on it and waits until its
    /// control socket answers.
    pub fn start(dir: &Path, config: &str) -> Daemon {
        let path = dir.join("smsgw.toml");
        std::fs::write(&path, config).unwrap();
        let d = Daemon::spawn(&path, dir.join("control.sock"));
        d.wait_socket();
        d
    }

    /// Starts `smsgw run` without waiting for anything.
    pub fn spawn(config: &Path, socket: PathBuf) -> Daemon {
        let child = common::smsgw()
            .arg("run")
            .arg("--config")
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start smsgw run");
        Daemon { child: Some(child), socket, config: config.to_path_buf() }
    }

    pub fn wait_socket(&self) {
        let deadline = Instant::now() + PATIENCE;
        while ask(&self.socket, r#"{"cmd":"status"}"#).is_err() {
            assert!(Instant::now() < deadline, "the gateway's control socket does not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn request(&self, request: Value) -> Value {
        ask(&self.socket, &request.to_string()).unwrap_or_else(|e| panic!("request {request}: {e}"))
    }

    /// Queues a message; its id.
    pub fn send(&self, to: &str, text: &str) -> u64 {
        let v = self.request(json!({"cmd": "send", "to": to, "text": text}));
        assert_eq!(v["ok"], true, "send: {v}");
        v["id"].as_u64().unwrap()
    }

    pub fn status(&self) -> Value {
        self.request(json!({"cmd": "status"}))
    }

    /// Messages per state.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let s = self.status();
        s["queue"]["counts"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
    }

    /// Every message, in id order.
    pub fn messages(&self) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let v = self.request(json!({"cmd": "list", "limit": 1000, "offset": all.len()}));
            let page = v["messages"].as_array().unwrap().clone();
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }

    /// Waits until no message is queued or sending.
    pub fn wait_all_final(&self, patience: Duration) {
        let deadline = Instant::now() + patience;
        loop {
            let c = self.counts();
            if c["queued"] + c["sending"] == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "messages still waiting: {c:?}\n{}", self.status());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGTERM; the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut c = self.child.take().unwrap();
        signal(&c, libc::SIGTERM);
        c.wait().unwrap()
    }

    /// SIGKILL: the gateway dies wherever it is.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            signal(&c, libc::SIGKILL);
            let _ = c.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().unwrap().is_none())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            signal(&c, libc::SIGKILL);
            let _ = c.wait();
        }
    }
}

/// Parts on the air per recipient and part number (1 for a single part).
pub fn air_parts(air: &[Value]) -> BTreeMap<(String, u64), usize> {
    let mut seen = BTreeMap::new();
    for a in air {
        let seq = a["concat"]["seq"].as_u64().unwrap_or(1);
        *seen.entry((a["recipient"].as_str().unwrap().to_string(), seq)).or_insert(0) += 1;
    }
    seen
}
