//! `smsgw sim` as a process: a plain client on its pty, its control socket, faults seen from
//! the port, the air log, and a clean exit.

mod common;
#[path = "interop_sim/server.rs"]
mod server;

use std::time::{Duration, Instant};

use serde_json::json;
use server::SimServer;

#[test]
fn a_plain_client_talks_to_every_profile() {
    for (profile, model, prompt) in
        [("huawei", "E3372", "> "), ("sim800", "SIMCOM_SIM800", ">"), ("ec25", "EC25", "> ")]
    {
        let sim = SimServer::start(profile, &[]);
        let mut port = sim.open_port();
        if profile == "huawei" {
            // Its periodic URCs off, so that answers can be compared whole.
            port.command("AT^CURC=0", "OK\r\n");
        }
        assert_eq!(port.command("AT", "OK\r\n"), "AT\r\r\nOK\r\n", "{profile}");
        port.command("ATE0", "OK\r\n");
        let got = port.command("AT+CGMM", "OK\r\n");
        assert_eq!(got, format!("\r\n{model}\r\n\r\nOK\r\n"), "{profile}");
        // A PDU send, seen in the air log.
        let got = port.command("AT+CMGS=16", prompt);
        assert!(got.ends_with(prompt), "{got:?}");
        port.send(b"0001000791942143F5000005E8329BFD06\x1a");
        let got = port.read_until("OK\r\n");
        assert_eq!(got, "\r\n+CMGS: 0\r\n\r\nOK\r\n");
        let air = sim.air();
        assert_eq!(air.len(), 1, "{air:?}");
        assert_eq!(
            (&air[0]["recipient"], &air[0]["text"], &air[0]["mr"]),
            (&json!("+4912345"), &json!("hello"), &json!(0))
        );
        assert_eq!(
            (&air[0]["encoding"], &air[0]["concat"], &air[0]["srr"]),
            (&json!("gsm7"), &json!(null), &json!(false))
        );
        assert!(air[0]["time"].as_str().unwrap().contains('T'));
        assert!(sim.stop().success());
    }
}

#[test]
fn control_socket_injects_and_reports() {
    let sim = SimServer::start("sim800", &[]);
    let mut port = sim.open_port();
    port.command("ATE0;+CNMI=2,1,0,1,0;+CLIP=1", "OK\r\n");
    assert_eq!(sim.control("inject sms +4917600000 hello there"), json!({"ok": true}));
    assert_eq!(port.read_until("\r\n+CMTI: \"SM\",1\r\n"), "\r\n+CMTI: \"SM\",1\r\n");
    let got = port.command("AT+CMGR=1", "OK\r\n");
    assert!(got.starts_with("\r\n+CMGR: 0,,"), "{got}");
    assert_eq!(sim.control("inject call +4917600000"), json!({"ok": true}));
    assert!(port.read_until("+CLIP: ").contains("RING"));
    port.command("ATH", "OK\r\n");
    assert_eq!(sim.control("inject report +4912345 9 0")["ok"], json!(true));
    assert!(port.read_until("\r\n").starts_with("\r\n+CDS: "));
    let status = sim.control("status");
    assert_eq!((&status["stats"]["received"], &status["stats"]["rings"]), (&json!(1), &json!(1)));
    assert_eq!(sim.control("fault bogus")["ok"], json!(false));
    assert_eq!(sim.control("inject sms")["ok"], json!(false));
}

#[test]
fn faults_are_visible_on_the_port() {
    let sim = SimServer::start("ec25", &[]);
    let mut port = sim.open_port();
    port.command("ATE0", "OK\r\n");
    // Drop: the first answer never comes.
    sim.control("fault drop 1");
    port.send(b"AT\r");
    assert_eq!(port.read_for(Duration::from_millis(300)), "");
    assert_eq!(port.command("AT+CSQ", "OK\r\n"), "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    // Delay.
    sim.control("fault delay 400");
    let start = Instant::now();
    port.command("AT", "OK\r\n");
    assert!(start.elapsed() >= Duration::from_millis(400));
    sim.control("fault clear delay");
    // No network.
    sim.control("fault no-network");
    assert_eq!(port.command("AT+CSQ", "OK\r\n"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    port.command("AT+CMGS=16", "> ");
    port.send(b"0001000791942143F5000005E8329BFD06\x1a");
    assert_eq!(port.read_until("331\r\n"), "\r\n+CMS ERROR: 331\r\n");
    sim.control("fault clear");
    // CMS errors with certainty.
    sim.control("fault cms 38 1");
    port.command("AT+CMGS=16", "> ");
    port.send(b"0001000791942143F5000005E8329BFD06\x1a");
    assert_eq!(port.read_until("38\r\n"), "\r\n+CMS ERROR: 38\r\n");
    sim.control("fault clear");
    // Garbage.
    sim.control("fault garbage 64 nul");
    let got = port.read_for(Duration::from_millis(200));
    assert_eq!(got, "\0".repeat(64));
    // Hang: nothing until the power is cycled.
    sim.control("fault hang");
    port.send(b"AT\r");
    assert_eq!(port.read_for(Duration::from_millis(300)), "");
    assert_eq!(sim.control("status")["power"], json!("hung"));
    sim.control("power off");
    sim.control("power on");
    let got = port.read_until("+QIND: PB DONE");
    assert!(got.starts_with("\r\nRDY\r\n"), "{got}");
    assert_eq!(port.command("AT", "OK\r\n"), "AT\r\r\nOK\r\n");
    assert!(sim.air().is_empty());
}

#[test]
fn faults_given_as_flags_are_on_from_the_start() {
    let sim = SimServer::start("huawei", &["--fault", "delay 250", "--fault", "pace on", "--seed", "9"]);
    let status = sim.control("status");
    assert_eq!(status["faults"]["delay_ms"], json!(250));
    assert_eq!(status["faults"]["pace"], json!(true));
    let mut port = sim.open_port();
    let start = Instant::now();
    assert!(port.command("AT", "OK\r\n").ends_with("AT\r\r\nOK\r\n"));
    assert!(start.elapsed() >= Duration::from_millis(250));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let out = common::run(&["sim", "--fault", "bogus"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = common::run(&["sim", "--profile", "nokia"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("huawei, sim800, ec25"));
}

#[test]
fn sigterm_stops_it_and_cleans_up() {
    let sim = SimServer::start("sim800", &[]);
    let (link, control) = (sim.link.clone(), sim.control.clone());
    assert!(link.exists() && control.exists());
    let dir = sim.dir.path().to_path_buf();
    let status = sim.stop();
    assert!(status.success(), "{status:?}");
    assert!(!link.exists() && !control.exists(), "left in {}", dir.display());
}
