extern crate std;

use std::format;
use std::string::String;
use std::vec::Vec;

use super::script::{answer, line, ms, secs, Harness, Modem, CLEAN_INIT, ICCID, IMEI, IMSI, OK};
use crate::modem::{Config, Event, Family, Fault, Memory, Phase, RegState, Signal};

fn pin(p: &str) -> Config {
    Config { pin: Some(p.try_into().unwrap()), ..Config::default() }
}

#[test]
fn clean_init_simcom_style() {
    let mut m = Modem::new();
    m.echo = true;
    m.on("AT+CPIN?", &[&format!("{}\r\nCall Ready\r\n\r\nSMS Ready\r\n", answer("+CPIN: READY"))]);
    let mut h = Harness::new(Config::new(Family::Simcom), m);
    h.d.handle_device(h.now, crate::modem::DeviceEvent::Opened);
    // Printed at power-up, before the modem heard the first AT: ignored while waking.
    h.d.handle_bytes(h.now, b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n");
    h.settle();
    assert_eq!(h.m.log, CLEAN_INIT, "{:?}", h.events);
    assert_eq!(
        h.events,
        [
            Event::Signal(Signal { csq: 20 }),
            Event::Registration(h.d.status().registration.clone().unwrap()),
            Event::Ready
        ]
    );
    let s = h.d.status();
    assert_eq!(s.phase, Phase::Ready);
    assert_eq!(s.identity.manufacturer.as_deref(), Some("SIMCOM_Ltd"));
    assert_eq!(s.identity.model.as_deref(), Some("SIMCOM_SIM800L"));
    assert_eq!(s.identity.revision.as_deref(), Some("1418B05SIM800L24"));
    assert_eq!(s.identity.imei.as_deref(), Some(IMEI));
    assert_eq!(s.identity.imsi.as_deref(), Some(IMSI));
    assert_eq!(s.identity.iccid.as_deref(), Some(ICCID));
    assert_eq!(s.identity.operator.as_deref(), Some("Vodafone.de"));
    assert_eq!(s.signal, Some(Signal { csq: 20 }));
    let reg = s.registration.as_ref().unwrap();
    assert_eq!(
        (reg.state, reg.area.as_deref(), reg.cell.as_deref(), reg.act),
        (RegState::Home, Some("00C3"), Some("0010ABCD"), Some(7))
    );
    assert_eq!(s.indications.map(|i| (i.mode, i.mt, i.ds)), Some((2, 1, 1)));
    assert_eq!(s.storage.map(|st| (st.memory, st.used, st.total)), Some((Memory::Sim, 0, 30)));
    assert_eq!(s.sms_service, Some(0));
    assert!(s.refused.is_empty(), "{:?}", s.refused);
    assert!(!s.sending_paused);
    assert_eq!(h.d.can_send(), Ok(()));
    // SIMCom's prompt: a bare `>`, no line end, no space.
    let p = super::script::part(1, "+4912345", "hi");
    h.m.on(&format!("AT+CMGS={}", p.tpdu_len), &[">"]);
    h.events.clear();
    h.send(1, "+4912345", "hi").unwrap();
    assert_eq!(h.events, [Event::PartSent { id: crate::modem::PartId(1), mr: Some(42) }]);
}

#[test]
fn clean_init_huawei_style() {
    let mut m = Modem::new();
    m.echo = true;
    m.flood =
        String::from("\r\n^RSSI:17\r\n\r\n^BOOT:20952084,0,0,0,72\r\n\r\n^DSFLOWRPT:00000118,00000000,00000000\r\n");
    m.on("AT+CGMI", &[&answer("huawei")]);
    m.on("AT+CGMM", &[&answer("E173")]);
    m.on("AT+CGMR", &[&answer("11.126.85.00.209")]);
    m.on("AT+CCID", &[]);
    m.on("AT^ICCID?", &[&answer(&format!("^ICCID: {ICCID}F"))]);
    m.on(
        "AT+CPMS=?",
        &[&answer("+CPMS: (\"ME\",\"MT\",\"SM\",\"SR\"),(\"ME\",\"MT\",\"SM\",\"SR\"),(\"ME\",\"MT\",\"SM\",\"SR\")")],
    );
    m.on("AT+COPS?", &[&answer("+COPS: 0,0,\"T-Mobile D\",2")]);
    // An ^HCSQ between the response and its OK.
    m.on("AT+CSQ", &[&format!("\r\n+CSQ: 14,99\r\n\r\n^HCSQ:\"WCDMA\",40,33,45\r\n{OK}")]);
    let mut h = Harness::new(Config::new(Family::Huawei), m);
    h.open();
    h.settle();
    assert!(h.events.contains(&Event::Ready), "{:?}\n{:?}", h.events, h.m.log);
    let iccid_at = h.m.log.iter().position(|l| l == "AT^ICCID?").unwrap();
    assert_eq!(h.m.log[iccid_at + 1], "AT+COPS=3,0");
    let s = h.d.status();
    assert_eq!(s.identity.manufacturer.as_deref(), Some("huawei"));
    assert_eq!(s.identity.model.as_deref(), Some("E173"));
    assert_eq!(s.identity.iccid.as_deref(), Some(ICCID));
    assert_eq!(s.identity.operator.as_deref(), Some("T-Mobile D"));
    assert_eq!(s.identity.imei.as_deref(), Some(IMEI));
    // The flood put ^RSSI:17 after the last command; ^BOOT changed nothing.
    assert_eq!(s.signal, Some(Signal { csq: 17 }));
    assert_eq!(s.phase, Phase::Ready);
    assert!(s.refused.is_empty(), "{:?}", s.refused);
    assert_eq!(h.d.engine().read_memory, Some(Memory::Sim));
}

#[test]
fn stuck_prompt_at_start_is_escaped() {
    let mut m = Modem::new();
    m.prompt = true;
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.advance(secs(5));
    assert!(h.events.contains(&Event::Ready), "{:?}\n{:?}", h.events, h.m.log);
    // The three probes vanished into the prompt; ESC left it; Ctrl-Z was not needed.
    assert_eq!(h.m.log[..2], ["<ESC>", "AT"]);
    assert_eq!(h.m.count("<CTRL-Z>"), 0);
    assert_eq!(h.m.log.iter().filter(|l| l.starts_with("PDU:")).count(), 0);
}

#[test]
fn stuck_prompt_that_ignores_esc_takes_ctrl_z() {
    let mut m = Modem::new();
    m.prompt = true;
    m.sticky_prompt = true;
    m.on("PDU", &["\r\n+CMS ERROR: 304\r\n"]);
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.advance(secs(10));
    assert!(h.events.contains(&Event::Ready), "{:?}\n{:?}", h.events, h.m.log);
    // ESC, three lost probes, then Ctrl-Z ends the prompt (the modem rejects the junk as a PDU).
    assert_eq!(h.m.log[0], "<ESC>");
    assert!(h.m.log[1].starts_with("PDU:AT\rAT\rAT\r"), "{:?}", h.m.log);
    assert_eq!(h.m.log[2], "AT");
}

#[test]
fn a_prompt_seen_while_waking_escalates_at_once() {
    let mut m = Modem::new();
    m.on("AT", &["\r\n> ", OK]);
    let mut h = Harness::new(Config::default(), m);
    h.open();
    // The guard after ESC, then the guard for late answers; no probe timed out.
    h.advance(ms(1_100));
    assert!(h.events.contains(&Event::Ready), "{:?}\n{:?}", h.events, h.m.log);
    assert_eq!(h.m.log[..4], ["AT", "<ESC>", "AT", "ATE0"]);
}

#[test]
fn sim_pin_is_entered_once() {
    let mut m = Modem::new();
    m.on("AT+CPIN?", &[&answer("+CPIN: SIM PIN"), &line("+CME ERROR: 14"), &answer("+CPIN: READY")]);
    m.on("AT+CPIN=\"1234\"", &[OK]);
    let mut h = Harness::new(pin("1234"), m);
    h.open();
    h.advance(secs(10));
    assert!(h.events.contains(&Event::Ready), "{:?}\n{:?}", h.events, h.m.log);
    assert_eq!(h.m.count("AT+CPIN=\"1234\""), 1);
    assert_eq!(h.m.count("AT+CPIN?"), 3);
}

#[test]
fn sim_pin_without_a_configured_pin_faults() {
    let mut m = Modem::new();
    m.on("AT+CPIN?", &[&answer("+CPIN: SIM PIN")]);
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.advance(secs(60));
    assert_eq!(h.events, [Event::Faulted(Fault::PinRequired)]);
    assert_eq!(h.d.status().phase, Phase::Faulted(Fault::PinRequired));
    assert!(!h.m.log.iter().any(|l| l.starts_with("AT+CPIN=")));
    assert_eq!(h.d.poll_timeout(), None);
}

#[test]
fn a_wrong_pin_is_never_entered_twice() {
    let cases: &[(&str, &[&str])] =
        &[("refused", &["\r\n+CME ERROR: 16\r\n"]), ("accepted, but the SIM still asks", &[OK])];
    for (name, reply) in cases {
        let mut m = Modem::new();
        m.on("AT+CPIN?", &[&answer("+CPIN: SIM PIN")]);
        m.on("AT+CPIN=\"1234\"", reply);
        let mut h = Harness::new(pin("1234"), m);
        h.open();
        h.advance(secs(60));
        assert_eq!(h.events, [Event::Faulted(Fault::WrongPin)], "{name}");
        // A new device does not clear it: the SIM would lose another try.
        h.close();
        h.open();
        h.advance(secs(60));
        assert_eq!(h.m.count("AT+CPIN=\"1234\""), 1, "{name}");
        assert_eq!(h.d.status().phase, Phase::Faulted(Fault::WrongPin), "{name}");
        assert_eq!(h.d.can_send(), Err(crate::modem::Error::Faulted(Fault::WrongPin)));
        // A person resets: one more try.
        h.d.reset(h.now);
        h.advance(secs(60));
        assert_eq!(h.m.count("AT+CPIN=\"1234\""), 2, "{name}");
    }
}

#[test]
fn sim_faults() {
    let cases: &[(&str, Fault)] = &[
        ("\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n", Fault::PukRequired),
        ("\r\n+CME ERROR: 10\r\n", Fault::NoSim),
        ("\r\n+CME ERROR: 13\r\n", Fault::SimFailure),
        ("\r\n+CPIN: PH-SIM PIN\r\n\r\nOK\r\n", Fault::SimLocked),
        // Busy for longer than `sim_ready`.
        ("\r\n+CME ERROR: 14\r\n", Fault::SimFailure),
    ];
    for (reply, fault) in cases {
        let mut m = Modem::new();
        m.on("AT+CPIN?", &[reply]);
        let mut h = Harness::new(pin("1234"), m);
        h.open();
        h.advance(secs(60));
        assert_eq!(h.events, [Event::Faulted(*fault)], "{reply:?}");
        assert!(!h.m.log.iter().any(|l| l.starts_with("AT+CPIN=")), "{reply:?}");
    }
}

#[test]
fn indication_fallbacks() {
    let err = "\r\nERROR\r\n";
    // (refused settings, the accepted one)
    let cases: &[(&[&str], Option<u8>)] = &[
        (&["AT+CNMI=2,1,0,1,0"], Some(2)),
        (&["AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0"], Some(0)),
        (&["AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,0,0", "AT+CNMI=1,1,0,0,0"], None),
    ];
    for (refused, ds) in cases {
        let mut m = Modem::new();
        for cmd in ["AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,0,0", "AT+CNMI=1,1,0,0,0"] {
            m.on(cmd, &[OK]);
        }
        for cmd in *refused {
            m.on(cmd, &[err]);
        }
        let mut h = Harness::ready(Config::default());
        h.m = m;
        h.d.reset(h.now);
        h.settle();
        assert!(h.events.contains(&Event::Ready), "{refused:?}");
        let s = h.d.status();
        assert_eq!(s.indications.map(|i| i.ds), *ds, "{refused:?}");
        assert_eq!(s.refused.contains(&"AT+CNMI"), ds.is_none(), "{refused:?}");
        let tried: Vec<_> = h.m.log.iter().filter(|l| l.starts_with("AT+CNMI")).collect();
        assert_eq!(tried.len(), refused.len() + usize::from(ds.is_some()), "{refused:?}");
        // With nothing announcing messages, each watch lists the storage.
        let lists = h.m.count("AT+CMGL=4");
        h.advance(secs(31));
        assert_eq!(h.m.count("AT+CMGL=4"), lists + usize::from(ds.is_none()), "{refused:?}");
    }
}

#[test]
fn optional_commands_refused_are_noted() {
    let mut m = Modem::new();
    let err = "\r\nERROR\r\n";
    for cmd in
        ["ATE0", "AT+CLIP=1", "AT+CREG=2", "AT+CPMS=?", "AT+CGMR", "AT+CCID", "AT+ICCID", "AT+QCCID", "AT^ICCID?"]
    {
        m.on(cmd, &[err]);
    }
    m.on("AT+CREG=1", &[OK]);
    m.on("AT+CPMS?", &[&answer("+CPMS: \"ME\",3,50,\"ME\",3,50,\"ME\",3,50")]);
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.settle();
    assert!(h.events.contains(&Event::Ready), "{:?}", h.m.log);
    let s = h.d.status();
    assert_eq!(s.refused, ["ATE0", "AT+CLIP=1", "AT+CPMS=?", "AT+CGMR", "AT+CCID"]);
    assert_eq!(s.identity.revision, None);
    assert_eq!(s.identity.iccid, None);
    assert_eq!(s.storage.map(|st| (st.memory, st.used)), Some((Memory::Modem, 3)));
    assert_eq!(h.m.count("AT+CREG=1"), 1);
}

#[test]
fn pdu_mode_refused_while_starting_is_retried() {
    let mut m = Modem::new();
    m.on("AT+CMGF=0", &["\r\n+CMS ERROR: 302\r\n", "\r\nERROR\r\n", OK]);
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.advance(secs(10));
    assert!(h.events.contains(&Event::Ready), "{:?}", h.m.log);
    assert_eq!(h.m.count("AT+CMGF=0"), 3);
}

#[test]
fn late_answers_to_timed_out_probes_are_not_taken_for_the_next_command() {
    let mut m = Modem::new();
    m.dead = true;
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.advance(ms(1_000));
    assert_eq!(h.m.log, ["AT", "AT"]);
    h.m.dead = false;
    // The first probe's answer comes late and is taken for the second's; the second's follows
    // while the guard runs, with no command to take it.
    h.inject(OK);
    h.inject(OK);
    assert_eq!(h.m.log, ["AT", "AT"]);
    h.advance(ms(600));
    assert!(h.events.contains(&Event::Ready), "{:?}", h.events);
    assert_eq!(h.m.log[2..], CLEAN_INIT[1..]);
}

#[test]
fn lte_modem_registered_only_for_eps_can_send() {
    // SMS over SGs or IMS: +CREG says "not registered", +CEREG says "home".
    let mut m = Modem::new();
    m.on("AT+CREG?", &[&answer("+CREG: 2,0")]);
    m.on("AT+CEREG?", &[&answer("+CEREG: 0,1")]);
    let mut h = Harness::new(Config::new(Family::Quectel), m);
    h.open();
    h.settle();
    assert!(h.events.contains(&Event::Ready), "{:?}", h.m.log);
    let s = h.d.status();
    assert!(s.is_registered() && !s.sending_paused, "{s:?}");
    assert_eq!(s.eps_registration.as_ref().map(|r| r.state), Some(crate::modem::RegState::Home));
    assert!(s.last_error.is_none(), "{:?}", s.last_error);
    assert!(h.d.can_send().is_ok());
    // The watch asks both, since this modem answers +CEREG.
    h.m.log.clear();
    h.advance(secs(31));
    assert!(h.m.log.iter().any(|l| l == "AT+CEREG?"), "{:?}", h.m.log);
    // LTE lost too: sending pauses.
    h.inject(&line("+CEREG: 2"));
    assert!(h.d.status().sending_paused);
    assert!(h.events.contains(&Event::SendingPaused), "{:?}", h.events);
}

#[test]
fn a_modem_without_lte_is_not_asked_for_eps_again_and_that_is_no_error() {
    // The default script refuses AT+CEREG? like a 2G module.
    let mut h = Harness::new(Config::default(), Modem::new());
    h.open();
    h.settle();
    let s = h.d.status();
    assert!(s.refused.is_empty() && s.last_error.is_none(), "{:?} {:?}", s.refused, s.last_error);
    assert_eq!(s.eps_registration, None);
    h.m.log.clear();
    h.advance(secs(31));
    assert!(h.m.log.iter().any(|l| l == "AT+CREG?"), "{:?}", h.m.log);
    assert!(!h.m.log.iter().any(|l| l == "AT+CEREG?"), "{:?}", h.m.log);
}
