//! What comes in, through the real binary and `smsgw sim`: long messages reassembled whatever
//! the order of their parts and across a crash, incomplete ones released after their timeout,
//! the receive hook, stop keywords honoured by the sender, missed calls answered once per
//! window (also across a restart), quiet hours, and status reports of every TP-ST class.

mod common;
mod daemon_common;

use std::path::Path;
use std::time::{Duration, Instant};

use daemon_common::{config, Daemon, Sim, PATIENCE};
use serde_json::{json, Value};
use smsgw::codec::encoding::{Encoding, RefBits};
use smsgw::codec::pdu::{self, udh::Concat};
use smsgw::sim::deliver::{encode_deliver, DeliverParams};

fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn received(d: &Daemon) -> Vec<Value> {
    d.request(json!({"cmd": "received", "limit": 1000}))["messages"].as_array().unwrap().clone()
}

fn calls(d: &Daemon) -> Vec<Value> {
    d.request(json!({"cmd": "calls", "limit": 1000}))["calls"].as_array().unwrap().clone()
}

/// One SMS-DELIVER part from `from`, as hex for `inject pdu`.
fn part_hex(from: &str, text: &str, reference: u16, bits: RefBits, seq: u8, total: u8) -> String {
    let params = DeliverParams {
        smsc: "+491710760000",
        originator: from,
        timestamp: smsgw::sim::calendar::DEFAULT_START,
        flash: false,
    };
    let concat = Some(Concat { reference, ref_bits: bits, seq, total });
    let pdu = encode_deliver(&params, &pdu::Part { text, encoding: Encoding::GSM7, concat }).unwrap();
    pdu.iter().map(|b| format!("{b:02X}")).collect()
}

fn ok_run(args: &[&str]) -> String {
    let out = common::run(args, None);
    assert!(out.status.success(), "smsgw {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn socket(d: &Daemon) -> &str {
    d.socket.to_str().unwrap()
}

fn modem_empty(sim: &Sim) {
    wait_until("the modem's storage to be empty", || (sim.control("status")["stored"] == 0).then_some(()));
}

#[test]
fn received_messages_are_reassembled_and_kept_before_the_modem_deletes_them() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let d = Daemon::start(dir.path(), &config(dir.path(), &sim.link, "", ""));
    let long = "a long reply that needs two parts ".repeat(6).trim_end().to_string();
    sim.control("inject sms +491709876543 Hello gateway, äöü");
    sim.control(&format!("inject sms +491709876544 {long}"));
    let got = wait_until("two messages", || Some(received(&d)).filter(|r| r.len() == 2));
    assert_eq!(
        (got[0]["sender"].as_str(), got[0]["text"].as_str()),
        (Some("+491709876543"), Some("Hello gateway, äöü"))
    );
    assert_eq!((got[1]["text"].as_str(), got[1]["parts"].as_u64()), (Some(long.as_str()), Some(2)));
    assert_eq!(got[1]["complete"], true);
    modem_empty(&sim);
    assert_eq!(d.status()["received"]["since_start"], 2);
    let csv = ok_run(&["inbox", "--csv", "--socket", socket(&d)]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,received_at,sender,parts,complete,sent_at,smsc,text");
    assert!(lines[1].starts_with("1,") && lines[1].ends_with(",\"Hello gateway, äöü\""), "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
}

#[test]
fn parts_in_any_order_and_across_a_crash_make_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let cfg = config(dir.path(), &sim.link, "", "");
    let mut d = Daemon::start(dir.path(), &cfg);
    let from = "+41791234567";
    // A 16-bit reference above 255, parts 3 and 1 first; and an 8-bit set from another sender
    // with the same low byte, which must not mix with it.
    sim.control(&format!("inject pdu {}", part_hex(from, "three.", 0x1A7, RefBits::Sixteen, 3, 3)));
    sim.control(&format!("inject pdu {}", part_hex(from, "one, ", 0x1A7, RefBits::Sixteen, 1, 3)));
    sim.control(&format!("inject pdu {}", part_hex("+41797654321", "B2", 0xA7, RefBits::Eight, 2, 2)));
    wait_until("three parts stored", || (d.status()["received"]["waiting_sets"] == 2).then_some(()));
    modem_empty(&sim);
    // The gateway dies; the parts it acknowledged are on its flash only.
    d.kill9();
    let d = Daemon::start(dir.path(), &cfg);
    sim.control(&format!("inject pdu {}", part_hex(from, "two, ", 0x1A7, RefBits::Sixteen, 2, 3)));
    let p1 = part_hex("+41797654321", "B1 ", 0xA7, RefBits::Eight, 1, 2);
    sim.control(&format!("inject pdu {p1}"));
    // The modem hands out the same part again (as after a crash before its delete).
    sim.control(&format!("inject pdu {p1}"));
    let got = wait_until("two messages", || Some(received(&d)).filter(|r| r.len() >= 2));
    modem_empty(&sim);
    std::thread::sleep(Duration::from_millis(500));
    let got = if received(&d).len() > got.len() { received(&d) } else { got };
    let texts: Vec<(&str, &str)> =
        got.iter().map(|m| (m["sender"].as_str().unwrap(), m["text"].as_str().unwrap())).collect();
    assert_eq!(texts, [(from, "one, two, three."), ("+41797654321", "B1 B2")]);
    assert_eq!(d.status()["received"]["waiting_sets"], 0);
}

#[test]
fn an_incomplete_message_is_released_after_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let cfg = format!("{}\n[inbox]\nreassembly_timeout = \"2s\"\n", config(dir.path(), &sim.link, "", ""));
    let d = Daemon::start(dir.path(), &cfg);
    sim.control(&format!("inject pdu {}", part_hex("+41791234567", "first ", 9, RefBits::Eight, 1, 3)));
    sim.control(&format!("inject pdu {}", part_hex("+41791234567", "third", 9, RefBits::Eight, 3, 3)));
    let got = wait_until("the incomplete message", || Some(received(&d)).filter(|r| r.len() == 1));
    assert_eq!(got[0]["text"], "first […]third");
    assert_eq!((got[0]["complete"].as_bool(), got[0]["missing"].clone()), (Some(false), json!([2])));
}

#[test]
fn the_hook_gets_each_message_on_stdin_and_nothing_in_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let out = dir.path().join("hook.jsonl");
    let script = dir.path().join("hook.sh");
    // Appends stdin and a line end; fails for messages that say "fail", to show a failure is
    // logged and does not stop the next message.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nin=$(cat)\nprintf '%s\\n' \"$in\" >> '{}'\ncase \"$in\" in *fail*) exit 3;; esac\n",
            out.display()
        ),
    )
    .unwrap();
    let cfg = format!(
        "{}\n[inbox]\nhook = [\"/bin/sh\", \"{}\"]\nhook_timeout = \"5s\"\n",
        config(dir.path(), &sim.link, "", ""),
        script.display()
    );
    let d = Daemon::start(dir.path(), &cfg);
    sim.control("inject sms +41791234567 $(touch pwned) `touch pwned2`; please fail");
    sim.control("inject sms +41791234568 second message");
    let lines = wait_until("two hook runs", || {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (lines.len() == 2).then_some(lines)
    });
    assert_eq!(lines[0]["text"], "$(touch pwned) `touch pwned2`; please fail");
    assert_eq!((lines[1]["sender"].as_str(), lines[1]["id"].as_u64()), (Some("+41791234568"), Some(2)));
    assert!(!Path::new("pwned").exists() && !dir.path().join("pwned").exists());
    let log = std::fs::read_to_string(dir.path().join("smsgw.log")).unwrap();
    assert!(log.contains("hook: message 1 from +41791234567: exit status: 3"), "{log}");
    drop(d);
}

#[test]
fn a_stop_keyword_opts_the_sender_out_and_start_opts_it_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let cfg = format!("{}\n[calls]\ndefault_country = \"41\"\n", config(dir.path(), &sim.link, "", ""));
    let d = Daemon::start(dir.path(), &cfg);
    sim.control("inject sms +41791234567 Stop!");
    let list = wait_until("the opt-out", || {
        let l = ok_run(&["optout", "list", "--socket", socket(&d)]);
        l.starts_with("+41791234567").then_some(l)
    });
    assert!(list.contains("sent \"Stop!\""), "{list}");
    // The national form of the same number is refused too, with the reason.
    let id = d.send("0791234567", "are you there?");
    let m = wait_until("the refusal", || {
        let m = d.request(json!({"cmd": "show", "id": id}))["message"].clone();
        (m["state"] == "failed").then_some(m)
    });
    assert!(m["error"].as_str().unwrap().contains("+41791234567 opted out by sending \"Stop!\""), "{m}");
    assert!(sim.air().is_empty(), "nothing went out");
    sim.control("inject sms +41791234567 start");
    wait_until("the opt-in", || {
        ok_run(&["optout", "list", "--socket", socket(&d)]).starts_with("no number").then_some(())
    });
    d.send("+41791234567", "welcome back");
    wait_until("the message on the air", || (sim.air().len() == 1).then_some(()));
    assert_eq!(
        ok_run(&["optout", "add", "--socket", socket(&d), "079 123 45 67"]),
        "+41791234567 opted out: nothing more will be sent to it\n"
    );
    assert_eq!(ok_run(&["optout", "remove", "--socket", socket(&d), "+41791234567"]), "+41791234567 opted in again\n");
}

/// The gateway with auto-replies: hang up after one ring, reply once per `window`.
fn call_config(dir: &Path, sim: &Sim, window: &str, extra: &str) -> String {
    format!(
        "{}\n[calls]\nreply = true\ntemplate = \"Sorry we missed you, {{caller}}. Called {{date}} {{time}}.\"\n\
         time_zone = \"UTC\"\ndefault_country = \"41\"\nwindow = \"{window}\"\n{extra}",
        config(dir, &sim.link, "hang_up_calls = 1", "")
            .replace("[modem.timings]\n", "[modem.timings]\nring_silence = \"1s\"\n")
    )
}

/// Injects a call and waits until the gateway has recorded it; that record.
fn call(d: &Daemon, sim: &Sim, from: &str) -> Value {
    let before = calls(d).len();
    // The last call ended (and the gateway's quiet time after hanging up, 1 s here, passed).
    wait_until("the line to be free", || (sim.control("status")["ringing"] == false).then_some(()));
    std::thread::sleep(Duration::from_millis(1_200));
    wait_until("the call to ring", || (sim.control(&format!("inject call {from}"))["ok"] == true).then_some(()));
    let deadline = Instant::now() + PATIENCE;
    loop {
        let all = calls(d);
        if all.len() > before {
            return all[before].clone();
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(d.config.with_file_name("smsgw.log")).unwrap_or_default();
            panic!("the call from {from} was not recorded; the gateway's log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn replies_on_air(sim: &Sim, to: &str) -> usize {
    sim.air().iter().filter(|a| a["recipient"] == to).count()
}

#[test]
fn a_missed_call_gets_one_reply_per_window_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    sim.control("calls clip-first 300 5");
    let cfg = call_config(dir.path(), &sim, "1h", "");
    let mut d = Daemon::start(dir.path(), &cfg);
    let first = call(&d, &sim, "+41791234567");
    assert_eq!((first["outcome"].as_str(), first["hung_up"].as_bool()), (Some("replied"), Some(true)), "{first}");
    wait_until("the reply on the air", || (replies_on_air(&sim, "+41791234567") == 1).then_some(()));
    let text = sim.air()[0]["text"].as_str().unwrap().to_string();
    assert!(text.starts_with("Sorry we missed you, +41791234567. Called 20"), "{text}");
    // RING before +CLIP this time, and the national form of the same number: no second reply.
    sim.control("calls clip-after 300 5");
    let again = call(&d, &sim, "0791234567");
    assert_eq!(again["outcome"], "skipped", "{again}");
    assert!(again["detail"].as_str().unwrap().contains("already had a reply"), "{again}");
    let withheld = call(&d, &sim, "withheld");
    assert_eq!((withheld["outcome"].as_str(), withheld["caller"].clone()), (Some("skipped"), Value::Null));
    let other = call(&d, &sim, "+41797654321");
    assert_eq!(other["outcome"], "replied");
    // The memory of replies is on flash: a restarted gateway remembers.
    assert!(d.terminate().success());
    let d = Daemon::start(dir.path(), &cfg);
    let after = call(&d, &sim, "+41791234567");
    assert_eq!(after["outcome"], "skipped", "{after}");
    wait_until("the second reply on the air", || (replies_on_air(&sim, "+41797654321") == 1).then_some(()));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(replies_on_air(&sim, "+41791234567"), 1);
    let csv = ok_run(&["calls", "--csv", "--socket", socket(&d)]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6, "{csv}");
    assert_eq!(lines[0], "id,at,number,caller,rings,hung_up,outcome,message,detail");
    assert!(lines[3].contains(",,,") && lines[3].contains("withheld"), "{csv}");
}

#[test]
fn a_caller_outside_the_window_gets_another_reply_and_quiet_hours_defer_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    sim.control("calls clip-first 300 5");
    let d = Daemon::start(dir.path(), &call_config(dir.path(), &sim, "2s", ""));
    assert_eq!(call(&d, &sim, "+41791234567")["outcome"], "replied");
    std::thread::sleep(Duration::from_millis(2_500));
    assert_eq!(call(&d, &sim, "+41791234567")["outcome"], "replied");
    wait_until("two replies", || (replies_on_air(&sim, "+41791234567") == 2).then_some(()));
    drop(d);

    // Quiet hours around now (UTC): the reply waits for their end.
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    sim.control("calls clip-first 300 5");
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let hhmm = |s: u64| format!("{:02}:{:02}", (s / 3600) % 24, (s / 60) % 60);
    let quiet = format!("quiet_hours = \"{}-{}\"\n", hhmm(secs - 3600), hhmm(secs + 3600));
    let d = Daemon::start(dir.path(), &call_config(dir.path(), &sim, "1h", &quiet));
    let c = call(&d, &sim, "+41791234567");
    assert_eq!(c["outcome"], "deferred", "{c}");
    let id = c["message"].as_u64().unwrap();
    let m = d.request(json!({"cmd": "show", "id": id}))["message"].clone();
    assert_eq!(m["state"], "queued", "{m}");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(replies_on_air(&sim, "+41791234567"), 0);
}

#[test]
fn status_reports_of_every_class_end_where_they_should() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let cfg = format!("{}\n[inbox]\nstatus_reports = true\n", config(dir.path(), &sim.link, "", ""));
    let d = Daemon::start(dir.path(), &cfg);
    // TP-ST, and the state the message ends in.
    let cases = [
        (0x00, "delivered"),
        (0x01, "delivered"),
        (0x02, "delivered"),
        (0x20, "sent"),
        (0x41, "failed"),
        (0x46, "failed"),
        (0x62, "failed"),
        (0x65, "failed"),
    ];
    for (i, (st, want)) in cases.iter().enumerate() {
        sim.control(&format!("reports 100 {st}"));
        let id = d.send(&format!("+4917000000{i}"), &format!("report class {st:#04x}"));
        let deadline = Instant::now() + PATIENCE;
        let m = loop {
            let m = d.request(json!({"cmd": "show", "id": id}))["message"].clone();
            let reported = m["part_states"][0].as_str().is_some_and(|p| p.contains(&format!("{st:#04x}")));
            if m["state"] == *want && reported {
                break m;
            }
            assert!(Instant::now() < deadline, "TP-ST {st:#04x}: {m}");
            std::thread::sleep(Duration::from_millis(50));
        };
        if *want == "sent" {
            // Still trying: a later report settles it.
            std::thread::sleep(Duration::from_millis(400));
            assert_eq!(d.request(json!({"cmd": "show", "id": id}))["message"]["state"], "sent");
        }
        if *want == "failed" {
            assert!(m["error"].as_str().unwrap().contains(&format!("(TP-ST {st:#04x})")), "{m}");
        }
    }
}
