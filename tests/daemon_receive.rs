//! Messages from the network: stored on flash first, only then deleted from the modem; and
//! delivery reports reach the message they are about.

mod common;
mod daemon_common;

use std::time::{Duration, Instant};

use daemon_common::{config, Daemon, Sim, PATIENCE};

#[test]
fn received_messages_are_kept_before_the_modem_deletes_them() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let d = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    let long = "a long reply that needs two parts ".repeat(6).trim_end().to_string();
    sim.control("inject sms +491709876543 Hello gateway, äöü");
    sim.control(&format!("inject sms +491709876544 {long}"));
    let file = dir.path().join("state/received.jsonl");
    let deadline = Instant::now() + PATIENCE;
    let lines = loop {
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if lines.len() >= 3 && d.status()["received"]["since_start"] == 3 {
            break lines;
        }
        assert!(Instant::now() < deadline, "received: {lines:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(lines.len(), 3, "each PDU once: {lines:?}");
    assert_eq!(lines[0]["sender"], "+491709876543");
    assert_eq!(lines[0]["text"], "Hello gateway, äöü");
    let mut parts: Vec<&serde_json::Value> = lines[1..].iter().collect();
    parts.sort_by_key(|l| l["concat"]["seq"].as_u64());
    let joined: String = parts.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(joined, long);
    assert!(lines.iter().all(|l| l["pdu"].as_str().is_some_and(|p| !p.is_empty())));
    // Acknowledged after the write: the modem's storage is empty again.
    let deadline = Instant::now() + PATIENCE;
    while sim.control("status")["stored"] != 0 {
        assert!(Instant::now() < deadline, "the modem still holds messages: {}", sim.control("status"));
        std::thread::sleep(Duration::from_millis(20));
    }
}

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
