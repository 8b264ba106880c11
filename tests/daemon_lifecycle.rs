//! Starting and stopping the gateway: configuration mistakes name their key, `run` without a
//! configuration says how to make one, client commands without a gateway say it is not running,
//! SIGTERM finishes the part in flight and exits 0 (a second signal exits at once), systemd
//! hears READY=1 and the watchdog, and the journal gets levels.

mod common;
mod daemon_common;

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::run;
use daemon_common::{air_parts, ask, config, Daemon, Sim, PATIENCE};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn configuration_mistakes_name_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("[modem]\ndevice = \"/dev/ttyUSB0\"\nbaudrate = 9600\n", "modem.baudrate: unknown key"),
        ("[modem]\ndevice = \"/dev/ttyUSB0\"\nspacing = \"ten\"\n", "modem.spacing: expected a duration like \"10s\""),
        ("[modem]\nfamily = \"huawei\"\n", "modem.device: missing"),
        ("[modem]\ndevice = \"/d\"\n[store]\nretention = \"forever\"\n", "store.retention: expected a duration"),
        ("[modem]\ndevice = \"/d\"\n[mysql]\nhost = \"db\"\n", "mysql: unknown section"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&path, text).unwrap();
        for args in [vec!["config", "check", path.to_str().unwrap()], vec!["run", "--config", path.to_str().unwrap()]] {
            let out = run(&args, None);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            let e = stderr(&out);
            assert!(e.contains(&format!("{}: {want}", path.display())), "{args:?}: {e}");
        }
    }
    let good = dir.path().join("good.toml");
    let example = run(&["config", "example"], None);
    std::fs::write(&good, &example.stdout).unwrap();
    let out = run(&["config", "check", good.to_str().unwrap()], None);
    assert!(out.status.success(), "the example is valid: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("{}: ok\n", good.display())));
}

#[test]
fn run_without_a_configuration_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("smsgw.toml");
    let out = run(&["run", "--config", missing.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains(&format!("no configuration at {}", missing.display())), "{e}");
    assert!(e.contains(&format!("smsgw config example > {}", missing.display())), "{e}");
}

#[test]
fn client_commands_without_a_gateway_say_it_is_not_running() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("control.sock");
    let s = socket.to_str().unwrap();
    let want = format!(
        "smsgw: the gateway is not running: no socket at {s} (start it with `smsgw run` or `systemctl start smsgw`)\n"
    );
    for args in [
        vec!["send", "--socket", s, "+491701234567", "hello"],
        vec!["status", "--socket", s],
        vec!["queue", "list", "--socket", s],
        vec!["queue", "retry", "7", "--socket", s],
        vec!["export", "--csv", "--socket", s],
    ] {
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), want, "{args:?}");
    }
}

/// Starts a gateway whose modem answers each part after `delay_ms`, queues one message and
/// waits until its part is with the modem.
fn gateway_with_a_part_in_flight(dir: &std::path::Path, delay_ms: u32) -> (Sim, Daemon) {
    let sim = Sim::start(dir, &[&format!("net-delay {delay_ms}")]);
    let d = Daemon::start(dir, &config(dir, &sim.link, "", ""));
    d.send("+491701234567", "in flight at SIGTERM");
    let deadline = Instant::now() + PATIENCE;
    while d.status()["queue"]["in_flight"].is_null() {
        assert!(Instant::now() < deadline, "the part never went out: {}", d.status());
        std::thread::sleep(Duration::from_millis(5));
    }
    (sim, d)
}

#[test]
fn sigterm_finishes_the_part_in_flight_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, mut d) = gateway_with_a_part_in_flight(dir.path(), 1500);
    let status = d.terminate();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(!d.socket.exists(), "the control socket is removed");
    // The outcome was recorded before the exit: the next start finds it sent, not unknown.
    let d = Daemon::start(dir.path(), &std::fs::read_to_string(dir.path().join("smsgw.toml")).unwrap());
    let m = &d.messages()[0];
    assert_eq!((m["state"].as_str(), m["unknown_parts"].as_u64()), (Some("sent"), Some(0)), "{m}");
    assert_eq!(air_parts(&sim.air()).values().sum::<usize>(), 1);
}

#[test]
fn a_second_signal_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, d) = gateway_with_a_part_in_flight(dir.path(), 60_000);
    let pid = d.pid() as i32;
    let mut d = d;
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(300));
    assert!(d.is_running(), "still finishing its part");
    let status = d.terminate();
    assert_eq!(status.code(), Some(143), "{status:?}");
}

#[test]
fn systemd_hears_ready_watchdog_and_status_and_the_journal_gets_levels() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let notify = dir.path().join("notify.sock");
    let listener = UnixDatagram::bind(&notify).unwrap();
    listener.set_read_timeout(Some(PATIENCE)).unwrap();
    let path = dir.path().join("smsgw.toml");
    let text = config(dir.path(), &sim.link, "", "").replace("level = \"debug\"", "level = \"info\"");
    std::fs::write(&path, text).unwrap();
    let mut child = common::smsgw()
        .args(["run", "--config", path.to_str().unwrap()])
        .env("NOTIFY_SOCKET", &notify)
        .env("WATCHDOG_USEC", "400000")
        .env("JOURNAL_STREAM", "8:12345")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !(got.iter().any(|m: &String| m.starts_with("READY=1"))
        && got.iter().filter(|m| *m == "WATCHDOG=1").count() >= 2
        && got.iter().any(|m| m.contains("STATUS=modem ready")))
    {
        let n = listener.recv(&mut buf).expect("a notification");
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    let ready = got.iter().find(|m| m.starts_with("READY=1")).unwrap();
    assert!(ready.contains("\nSTATUS="), "{ready}");
    let control = dir.path().join("control.sock");
    assert_eq!(ask(&control, r#"{"cmd":"status"}"#).unwrap()["ok"], true);
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let lines: Vec<String> = BufReader::new(child.stderr.take().unwrap()).lines().map(Result::unwrap).collect();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(l.starts_with("<6>") || l.starts_with("<4>") || l.starts_with("<3>"), "journal line {l:?}");
    }
    assert!(lines.iter().any(|l| l.starts_with("<6>gateway test started")), "{lines:?}");
    listener.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut stopping = false;
    while let Ok(n) = listener.recv(&mut buf) {
        stopping |= buf[..n].starts_with(b"STOPPING=1");
    }
    assert!(stopping, "STOPPING=1 on the way out");
}
