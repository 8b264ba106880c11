//! A modem that hangs, reboots or disappears in the middle of a long send: the queue waits and
//! resumes, everything is sent, and parts the network confirmed go out once (a part sent again
//! is one whose outcome the gateway counted as unknown).

mod common;
mod daemon_common;

use std::time::{Duration, Instant};

use daemon_common::{air_parts, config, Daemon, Sim, PATIENCE};

const MESSAGES: usize = 30;

/// Queues the long send: single parts, three-part texts and Unicode.
fn enqueue(d: &Daemon) {
    for i in 0..MESSAGES {
        let text = match i % 3 {
            0 => format!("fault test {i}"),
            1 => format!("a longer fault test text {i} ").repeat(16),
            _ => format!("Юникод {i}"),
        };
        d.send(&format!("+4917000{i:04}"), &text);
    }
}

/// Waits until at least `n` messages are sent.
fn wait_sent(d: &Daemon, n: u64) {
    let deadline = Instant::now() + PATIENCE;
    while d.counts()["sent"] < n {
        assert!(Instant::now() < deadline, "fewer than {n} messages sent: {}", d.status());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Everything sent; every part on the air; duplicates only where an outcome was unknown.
fn check(d: &Daemon, sim: &Sim) {
    d.wait_all_final(PATIENCE);
    let air = air_parts(&sim.air());
    let messages = d.messages();
    assert_eq!(messages.len(), MESSAGES);
    for m in &messages {
        assert_eq!(m["state"], "sent", "{m}");
        let to = m["recipient"].as_str().unwrap().to_string();
        let mut dup = 0;
        for seq in 1..=m["parts"].as_u64().unwrap() {
            let n = air.get(&(to.clone(), seq)).copied().unwrap_or(0);
            assert!(n >= 1, "part {seq} of {m} never reached the network");
            dup += n - 1;
        }
        assert!(dup as u64 <= m["unknown_parts"].as_u64().unwrap(), "{dup} duplicates: {m}");
    }
}

/// How often the gateway's log says the modem became ready.
fn times_ready(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("smsgw.log")).unwrap_or_default().matches("INFO  modem ready:").count()
}

/// The modem's state as the gateway sees it.
fn phase(d: &Daemon) -> String {
    d.status()["modem"]["phase"].as_str().unwrap_or("").to_string()
}

fn wait_phase(d: &Daemon, want: &str) {
    let deadline = Instant::now() + PATIENCE;
    while !phase(d).contains(want) {
        assert!(Instant::now() < deadline, "modem never {want}: {}", d.status());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_hung_modem_is_waited_for_and_the_queue_resumes_after_its_power_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &["net-delay 30"]);
    let d = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    enqueue(&d);
    wait_sent(&d, 5);
    sim.control("fault hang");
    // The gateway notices and climbs its recovery ladder; without a power switch of its own
    // (no board here) the modem stays hung until someone cycles its power.
    wait_phase(&d, "recovering");
    let sent = d.counts()["sent"];
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(d.counts()["sent"], sent, "nothing is sent through a hung modem");
    sim.control("power off");
    sim.control("power on");
    sim.wait_ready();
    check(&d, &sim);
    assert_eq!(times_ready(dir.path()), 2, "initialised after the power cycle");
}

#[test]
fn a_rebooting_modem_is_initialised_again_and_the_queue_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &["net-delay 30"]);
    let d = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    enqueue(&d);
    wait_sent(&d, 5);
    sim.control("fault reboot");
    wait_sent(&d, 15);
    sim.control("fault reboot");
    check(&d, &sim);
    assert!(times_ready(dir.path()) >= 3, "initialised after each reboot");
}

#[test]
fn a_modem_that_disappears_and_comes_back_on_the_same_port_gets_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut sim = Sim::start(dir.path(), &["net-delay 30"]);
    let d = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    enqueue(&d);
    wait_sent(&d, 5);
    // Unplugged: the port and its link go away.
    sim.stop();
    let deadline = Instant::now() + PATIENCE;
    while d.status()["modem"]["port_open"] == true {
        assert!(Instant::now() < deadline, "the gateway did not notice the port went away");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = d.counts()["sent"];
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(d.counts()["sent"], sent, "nothing is sent without a modem");
    // Plugged in again: a new pty behind the same link, the air log continued.
    let sim = Sim::start(dir.path(), &["net-delay 30"]);
    check(&d, &sim);
    assert_eq!(times_ready(dir.path()), 2, "initialised on the new port");
}
