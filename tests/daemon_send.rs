//! The real gateway (`smsgw run`) against `smsgw sim` over a pty: 200 messages of every kind
//! reach exactly one final state, and the simulated network took exactly the good parts, once
//! each.

mod common;
mod daemon_common;

use std::collections::BTreeMap;

use daemon_common::{air_parts, config, Daemon, Sim, PATIENCE};
use serde_json::json;

/// What one test message is and how it must end.
struct Case {
    to: String,
    text: String,
    /// Parts it takes; 0 for one that must fail without reaching the network.
    parts: usize,
}

fn cases() -> Vec<Case> {
    (0..200)
        .map(|i| {
            let to = format!("+4915100{i:05}");
            match i % 10 {
                // Multipart GSM 7-bit: 2 or 3 parts.
                6 => Case { to, text: format!("{i} ").repeat(60 + i % 3 * 40), parts: 0 },
                // Unicode, one part or two.
                7 => Case { to, text: format!("Привет {i} ").repeat(1 + i % 20 / 10 * 8), parts: 0 },
                // Impossible numbers.
                8 => Case { to: format!("+49 151 {i}x"), text: format!("bad number {i}"), parts: 0 },
                // More than 255 parts.
                9 => Case { to, text: "y".repeat(153 * 255 + 1 + i), parts: 0 },
                _ => Case { to, text: format!("message {i}: {}", "ok ".repeat(i % 40)), parts: 1 },
            }
        })
        .map(|mut c| {
            // The number of parts from the same encoder `smsgw parts` uses, for the good ones.
            if c.parts == 0 && c.to.starts_with("+4915100") && c.text.len() < 153 * 255 {
                let out = common::run(&["parts", "--json", &c.text], None);
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                c.parts = v["parts"].as_u64().unwrap() as usize;
            }
            c
        })
        .collect()
}

#[test]
fn two_hundred_messages_each_reach_one_final_state_and_the_air_once() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let daemon = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    let cases = cases();
    let mut ids = Vec::new();
    for c in &cases {
        let v = daemon.request(json!({"cmd": "send", "to": c.to, "text": c.text}));
        assert_eq!(v["ok"], true, "{v}");
        if c.parts == 0 {
            assert_eq!(v["state"], "failed", "refused at once: {} {v}", c.to);
        } else {
            assert_eq!(v["parts"].as_u64(), Some(c.parts as u64), "{}", c.to);
        }
        ids.push(v["id"].as_u64().unwrap());
    }
    daemon.wait_all_final(PATIENCE);

    let messages = daemon.messages();
    assert_eq!(messages.len(), 200, "every message is in the queue once");
    let by_id: BTreeMap<u64, &serde_json::Value> = messages.iter().map(|m| (m["id"].as_u64().unwrap(), m)).collect();
    let mut expected_air = BTreeMap::new();
    for (c, id) in cases.iter().zip(&ids) {
        let m = by_id[id];
        if c.parts == 0 {
            assert_eq!(m["state"], "failed", "{m}");
            let error = m["error"].as_str().unwrap();
            assert!(error.contains("invalid recipient") || error.contains("at most 255"), "{error}");
            assert_eq!(m["attempts"], 1, "failed without retrying: {m}");
        } else {
            assert_eq!(m["state"], "sent", "{m}");
            assert_eq!(m["parts_sent"].as_u64(), Some(c.parts as u64));
            for seq in 1..=c.parts as u64 {
                expected_air.insert((c.to.clone(), seq), 1usize);
            }
        }
    }
    let air = sim.air();
    assert_eq!(air_parts(&air), expected_air, "each good part exactly once, none of the bad ones");
    // The texts arrive whole: the parts of each message join to its text.
    for c in cases.iter().filter(|c| c.parts > 0) {
        let mut parts: Vec<&serde_json::Value> = air.iter().filter(|a| a["recipient"] == c.to.as_str()).collect();
        parts.sort_by_key(|a| a["concat"]["seq"].as_u64().unwrap_or(1));
        let joined: String = parts.iter().map(|a| a["text"].as_str().unwrap()).collect();
        assert_eq!(joined, c.text, "{}", c.to);
    }

    // Export: one CSV row per message.
    let out = common::run(&["export", "--csv", "--socket", daemon.socket.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,upstream_id,recipient,state,parts,attempts,error,created,sent,delivered"));
    assert_eq!(lines.count(), 200);
}
