//! Delivery reports reach the message they are about (received messages: `daemon_inbound.rs`).

mod common;
mod daemon_common;

use std::time::{Duration, Instant};

use daemon_common::{config, Daemon, Sim, PATIENCE};

#[test]
fn a_delivery_report_marks_the_message_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let d = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    let out = common::run(
        &["send", "--status-report", "--socket", d.socket.to_str().unwrap(), "+491701234567", "report", "me"],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "queued #1: 1 part (gsm7)\n");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let m = &d.messages()[0];
        if m["state"] == "delivered" {
            assert_eq!(m["text"], "report me");
            assert!(m["delivered_ms"].as_u64().is_some());
            break;
        }
        assert!(Instant::now() < deadline, "not delivered: {m}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sim.air()[0]["srr"], true, "the report was asked for");
}
