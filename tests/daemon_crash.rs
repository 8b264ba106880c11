//! Crash torture: `smsgw run` is killed with SIGKILL at random moments (seeded: set
//! `SMSGW_CRASH_SEED` to replay a run), many of them while a part is with the modem, whose
//! network answer is slowed down to widen that window. In the end nothing is lost (every message
//! reaches a final state), nothing confirmed sent goes out twice, and every duplicate on the air
//! is a part the gateway counted as having an unknown outcome.

mod common;
mod daemon_common;

use smsgw::sim::rng::Rng;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use daemon_common::{air_parts, ask, config, Daemon, Sim, PATIENCE};
use serde_json::json;

/// Kills; `SMSGW_CRASH_CYCLES` sets fewer under emulation.
fn cycles() -> usize {
    std::env::var("SMSGW_CRASH_CYCLES").ok().and_then(|s| s.parse().ok()).unwrap_or(60)
}

#[test]
fn kill_9_at_random_moments_loses_nothing_and_duplicates_only_unknown_parts() {
    let seed = std::env::var("SMSGW_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_CAFE_u64);
    println!("seed {seed} (SMSGW_CRASH_SEED)");
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    // The network takes 150 ms to answer each part: kills land between the PDU and its result.
    let sim = Sim::start(dir.path(), &["net-delay 150"]);
    let path = dir.path().join("smsgw.toml");
    std::fs::write(&path, config(dir.path(), &sim.link, "", "")).unwrap();
    let socket = dir.path().join("control.sock");

    let mut queued = 0u64;
    let mut kills_in_flight = 0;
    let started = Instant::now();
    let kills = cycles();
    for cycle in 0..kills {
        let mut d = Daemon::spawn(&path, socket.clone());
        match rng.below(5) {
            // Killed while starting: opening the store, recovering, binding the socket.
            0 => std::thread::sleep(Duration::from_millis(rng.below(150))),
            // Killed while a part is with the modem.
            1 | 2 => {
                d.wait_socket();
                queued += enqueue(&d, &mut rng, cycle, 1);
                let deadline = Instant::now() + Duration::from_secs(5);
                while Instant::now() < deadline {
                    let s = ask(&socket, r#"{"cmd":"status"}"#).unwrap();
                    if !s["queue"]["in_flight"].is_null() {
                        kills_in_flight += 1;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(rng.below(160)));
            }
            // Killed at any moment of a run.
            _ => {
                d.wait_socket();
                queued += enqueue(&d, &mut rng, cycle, 0);
                std::thread::sleep(Duration::from_millis(rng.below(800)));
            }
        }
        d.kill9();
    }
    println!(
        "{kills} kills ({kills_in_flight} with a part in flight) in {:?}; {queued} messages queued",
        started.elapsed()
    );

    // A last run, left alone, finishes everything.
    let d = Daemon::start(dir.path(), &std::fs::read_to_string(&path).unwrap());
    d.wait_all_final(PATIENCE);
    let messages = d.messages();
    assert!(messages.len() as u64 >= queued, "every acknowledged message is there: {} < {queued}", messages.len());
    let air = air_parts(&sim.air());
    let mut recipients = BTreeMap::new();
    let (mut unknown, mut duplicates) = (0, 0);
    for m in &messages {
        assert_eq!(m["state"], "sent", "with 50 attempts every message gets out: {m}");
        let to = m["recipient"].as_str().unwrap().to_string();
        let parts = m["parts"].as_u64().unwrap();
        let mut dup = 0;
        for seq in 1..=parts {
            let n = air.get(&(to.clone(), seq)).copied().unwrap_or(0);
            assert!(n >= 1, "part {seq} of {m} never reached the network");
            dup += n - 1;
        }
        let u = m["unknown_parts"].as_u64().unwrap() as usize;
        assert!(dup <= u, "{dup} duplicate part(s) but only {u} with an unknown outcome: {m}");
        unknown += u;
        duplicates += dup;
        recipients.insert(to, parts);
    }
    for (to, seq) in air.keys() {
        assert!(recipients.get(to).is_some_and(|p| *seq <= *p), "{to} part {seq} on the air belongs to no message");
    }
    let status = d.status();
    println!(
        "{} messages, {} parts with an unknown outcome ({} sent again), {duplicates} duplicates on the air",
        messages.len(),
        unknown,
        status["queue"]["unknown_resent"]
    );
    // A sixth of the kills (10 of the 60 on the host) must land while a part is with the modem.
    assert!(kills_in_flight >= kills / 6, "the torture hit the in-flight window only {kills_in_flight} times");
}

/// Queues `min` to 3 messages (some multipart); how many the gateway acknowledged.
fn enqueue(d: &Daemon, rng: &mut Rng, cycle: usize, min: u64) -> u64 {
    let mut n = 0;
    for k in 0..rng.below(4).max(min) {
        let to = format!("+4916{cycle:04}{k:02}");
        let text = match rng.below(3) {
            0 => format!("crash test {cycle}/{k}"),
            1 => format!("long crash test {cycle}/{k} ").repeat(10),
            _ => format!("Unicode Ж {cycle}/{k} ").repeat(1 + rng.below(8) as usize),
        };
        let v = d.request(json!({"cmd": "send", "to": to, "text": text}));
        assert_eq!(v["ok"], true, "{v}");
        n += 1;
    }
    n
}
