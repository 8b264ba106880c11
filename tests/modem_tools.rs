//! `smsgw identify`, `smsgw scan` and `smsgw send --device` against `smsgw sim` over a pty:
//! what a person sees when the modem is fine, and when something is wrong with it.

mod common;
#[path = "interop_sim/server.rs"]
mod server;

use serde_json::Value;
use server::SimServer;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn identify_reports_the_modem_and_a_ready_verdict() {
    for (profile, model) in [("huawei", "E3372"), ("sim800", "SIMCOM_SIM800"), ("ec25", "EC25")] {
        let sim = SimServer::start(profile, &[]);
        let dev = sim.link.to_str().unwrap();
        let out = common::run(&["identify", "--device", dev, "--timeout", "30"], None);
        let text = stdout(&out);
        assert!(out.status.success(), "{profile}: {text}{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(model), "{profile}: {text}");
        assert!(text.contains("verdict: READY"), "{profile}: {text}");
        assert!(text.contains("IMEI:"), "{text}");

        let out = common::run(&["identify", "--json", "--device", dev, "--timeout", "30"], None);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ready"], true, "{v}");
        assert_eq!(v["model"], model);
        assert!(v["signal_dbm"].as_i64().unwrap() < 0, "{v}");
        assert!(v["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{v}");
    }
}

#[test]
fn identify_says_what_is_wrong_and_what_to_do() {
    // A SIM that wants a PIN nobody gave.
    let sim = SimServer::start("huawei", &["--fault", "pin"]);
    let out = common::run(&["identify", "--device", sim.link.to_str().unwrap(), "--timeout", "30"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[!!] SIM ready") && text.contains("needs a PIN"), "{text}");
    assert!(text.contains("verdict: NOT READY") && text.contains("--pin"), "{text}");
    // With the PIN it is ready.
    let out =
        common::run(&["identify", "--device", sim.link.to_str().unwrap(), "--timeout", "30", "--pin", "1234"], None);
    assert!(out.status.success(), "{}", stdout(&out));
    drop(sim);

    // No network: registered fails, with advice about the antenna.
    let sim = SimServer::start("ec25", &["--fault", "no-network"]);
    let out = common::run(&["identify", "--device", sim.link.to_str().unwrap(), "--timeout", "30"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[!!] registered") && text.contains("antenna"), "{text}");
    drop(sim);

    // A device that is not there.
    let out = common::run(&["identify", "--device", "/nonexistent/ttyUSB9", "--timeout", "2"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot open the port") && text.contains("smsgw scan"), "{text}");

    // A port where nothing answers: a hung modem.
    let sim = SimServer::start("sim800", &[]);
    assert_eq!(sim.control("fault hang")["ok"], true);
    let out = common::run(&["identify", "--device", sim.link.to_str().unwrap(), "--timeout", "4"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("no usable answer to AT"), "{text}");
}

#[test]
fn scan_finds_the_port_that_answers_and_suggests_the_config_line() {
    let sim = SimServer::start("huawei", &[]);
    let link = sim.link.to_str().unwrap();
    let out = common::run(&["scan", "/dev/null", link], None);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("answers AT: huawei E3372"), "{text}");
    assert!(text.contains("/dev/null: cannot open"), "{text}");
    assert!(text.contains(&format!("device = \"{link}\"")), "{text}");

    // Nothing that answers: exit 1 and say so.
    let out = common::run(&["scan", "/dev/null"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("no port answered AT"));
}

#[test]
fn send_reports_every_part_and_the_air_log_has_them() {
    let sim = SimServer::start("huawei", &[]);
    let text = "Grüße aus Köln! ".repeat(12);
    let out = common::run(
        &["send", "--device", sim.link.to_str().unwrap(), "--wait-report", "10", "+491701234567", &text],
        None,
    );
    let report = stdout(&out);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("part 1/2: sent") && report.contains("part 2/2: sent"), "{report}");
    assert!(report.contains("part 2: report: completed"), "{report}");
    let air = sim.air();
    assert_eq!(air.len(), 2, "{air:?}");
    let joined: String = air.iter().map(|a| a["text"].as_str().unwrap()).collect();
    assert_eq!(joined, text);
    assert!(air.iter().all(|a| a["recipient"] == "+491701234567" && a["srr"] == true));
}

#[test]
fn send_refuses_bad_input_before_touching_the_modem_and_reports_network_refusals() {
    // A bad number: a clear error, and the modem never sees a thing.
    let sim = SimServer::start("huawei", &[]);
    let out = common::run(&["send", "--device", sim.link.to_str().unwrap(), "12ab", "hello"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TP-DA"), "{out:?}");
    assert!(sim.air().is_empty());
    drop(sim);

    // The network refuses every message for good: reported as permanent, exit 1, nothing on air.
    let sim = SimServer::start("huawei", &["--fault", "cms 21 1.0"]);
    let out = common::run(&["send", "--device", sim.link.to_str().unwrap(), "+4912345", "hello"], None);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("part 1/1: failed for good: CMS error 21: Short message transfer rejected"), "{report}");
    assert!(sim.air().is_empty());
}
