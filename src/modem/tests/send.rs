extern crate std;

use std::format;
use std::string::String;

use super::script::{answer, line, part, pdu_hex, secs, Harness, OK};
use crate::codec::at::CmsCode;
use crate::modem::{
    Cause, Config, Error, Event, Failure, OutgoingPart, PartId, Phase, RecoveryStep, Signal, TX_CAPACITY,
};

const TO: &str = "+4915112345678";

fn cmgs(p: &OutgoingPart) -> String {
    format!("AT+CMGS={}", p.tpdu_len)
}

#[test]
fn send_ok() {
    let mut h = Harness::ready(Config::default());
    let p = part(1, TO, "hello");
    assert_eq!(h.send(1, TO, "hello"), Ok(()));
    assert_eq!(h.events, [Event::PartSent { id: PartId(1), mr: Some(42) }]);
    assert_eq!(h.m.since(&cmgs(&p)), [cmgs(&p), format!("PDU:{}", pdu_hex(&p))]);
    let s = h.d.status();
    assert_eq!((s.phase, s.counters.parts_sent), (Phase::Ready, 1));
    assert_eq!(h.d.can_send(), Ok(()));
}

#[test]
fn sending_phase_and_busy() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[""]);
    h.send(1, TO, "one").unwrap();
    assert_eq!(h.d.status().phase, Phase::Sending);
    assert_eq!(h.send(2, TO, "two"), Err(Error::Busy));
    assert_eq!(h.d.can_send(), Err(Error::Busy));
    // The result is long in coming: the timer is the result's, not a command's.
    let deadline = h.d.engine().timers.get(crate::modem::timers::Timer::Command);
    assert_eq!(deadline, Some(h.now + Config::default().timings.result));
}

#[test]
fn refused_before_ready_and_malformed() {
    let mut h = Harness::new(Config::default(), super::script::Modem::new());
    assert_eq!(h.send(1, TO, "x"), Err(Error::NotInitialised));
    let mut h = Harness::ready(Config::default());
    let mut p = part(1, TO, "x");
    p.tpdu_len += 1;
    assert_eq!(h.d.send(h.now, p), Err(Error::InvalidPart { reason: "tpdu_len does not match the PDU" }));
    assert!(h.m.since("AT+CMGL=4").len() == 1, "nothing written");
}

#[test]
fn cms_errors_are_classified() {
    let cases: &[(&str, Failure)] = &[
        ("+CMS ERROR: 21", Failure::Permanent(CmsCode(21))),
        ("+CMS ERROR: 42", Failure::Temporary(Cause::Cms(CmsCode(42)))),
        ("+CMS ERROR: Congestion", Failure::Temporary(Cause::Cms(CmsCode(42)))),
        ("+CMS ERROR: 500", Failure::Temporary(Cause::Cms(CmsCode(500)))),
        ("+CMS ERROR: 0xC4", Failure::Temporary(Cause::Error)),
        ("ERROR", Failure::Temporary(Cause::Error)),
        ("+CME ERROR: 30", Failure::Temporary(Cause::Error)),
    ];
    for (reply, failure) in cases {
        let mut h = Harness::ready(Config::default());
        h.m.on("PDU", &[&line(reply)]);
        h.send(7, TO, "x").unwrap();
        assert_eq!(h.events, [Event::PartFailed { id: PartId(7), failure: *failure }], "{reply}");
        let c = h.d.status().counters;
        assert_eq!((c.parts_failed, c.parts_sent, c.parts_unknown), (1, 0, 0), "{reply}");
        assert_eq!(h.d.status().phase, Phase::Ready, "{reply}");
    }
}

#[test]
fn an_error_instead_of_the_prompt_sends_nothing() {
    let mut h = Harness::ready(Config::default());
    let p = part(3, TO, "x");
    h.m.on(&cmgs(&p), &[&line("+CMS ERROR: 304")]);
    h.send(3, TO, "x").unwrap();
    assert_eq!(h.events, [Event::PartFailed { id: PartId(3), failure: Failure::Permanent(CmsCode(304)) }]);
    assert_eq!(h.m.log.iter().filter(|l| l.starts_with("PDU:")).count(), 0);
}

#[test]
fn no_prompt_escapes_and_reports_temporary() {
    let mut h = Harness::ready(Config::default());
    let p = part(4, TO, "x");
    h.m.on(&cmgs(&p), &[""]);
    h.send(4, TO, "x").unwrap();
    h.advance(secs(9));
    assert!(h.events.is_empty());
    h.advance(secs(2));
    assert_eq!(
        h.events[..2],
        [
            Event::PartFailed { id: PartId(4), failure: Failure::Temporary(Cause::NoPrompt) },
            Event::Recovery { step: RecoveryStep::Resync, attempt: 1 },
        ]
    );
    assert_eq!(h.m.since(&cmgs(&p))[..2], [cmgs(&p), String::from("<ESC>")]);
    // The modem answers after the ESC: it is initialised again, with nothing sent.
    assert_eq!(h.events.last(), Some(&Event::Ready));
    assert_eq!(h.m.log.iter().filter(|l| l.starts_with("PDU:")).count(), 0);
    assert_eq!(h.d.status().counters.recoveries, [1, 0, 0, 0]);
}

#[test]
fn prompt_then_silence_is_unknown_and_starts_recovery() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[""]);
    h.send(5, TO, "x").unwrap();
    h.advance(Config::default().timings.result - secs(1));
    assert!(h.events.is_empty());
    h.advance(secs(2));
    assert_eq!(
        h.events[..2],
        [
            Event::PartFailed { id: PartId(5), failure: Failure::Unknown },
            Event::Recovery { step: RecoveryStep::Resync, attempt: 1 },
        ]
    );
    assert_eq!(h.d.status().counters.parts_unknown, 1);
    assert_eq!(h.d.status().last_error, Some(Error::Timeout { command: "AT+CMGS" }));
}

#[test]
fn urc_flood_between_cmgs_and_its_result() {
    let mut h = Harness::ready(Config::default());
    let p = part(6, TO, "x");
    h.m.on(&cmgs(&p), &["\r\n^RSSI:9\r\n\r\n^BOOT:20952084,0,0,0,72\r\n\r\n> "]);
    h.m.on(
        "PDU",
        &[&format!(
            "\r\n^RSSI:9\r\n\r\n^DSFLOWRPT:0000,1,2\r\n\r\n+CMTI: \"SM\",3\r\n\r\n+CREG: 1\r\n\r\n^HCSQ:\"LTE\",40,30,100,20\r\n\r\n+CMGS: 77\r\n\r\n^RSSI:10\r\n{OK}"
        )],
    );
    h.m.on("AT+CMGR=3", &[OK]);
    h.send(6, TO, "x").unwrap();
    assert_eq!(
        h.events,
        [
            Event::Signal(Signal { csq: 9 }),
            Event::Signal(Signal { csq: 16 }),
            Event::Signal(Signal { csq: 10 }),
            Event::PartSent { id: PartId(6), mr: Some(77) },
        ]
    );
    // The +CMTI in the middle is read after the send.
    assert_eq!(h.m.log.last().map(String::as_str), Some("AT+CMGR=3"));
}

#[test]
fn message_spacing_holds_the_next_part() {
    let config = Config { message_spacing: secs(10), ..Config::default() };
    let mut h = Harness::ready(config);
    h.send(1, TO, "one").unwrap();
    h.send(2, TO, "two").unwrap();
    assert_eq!(h.events, [Event::PartSent { id: PartId(1), mr: Some(42) }]);
    h.advance(secs(9));
    assert_eq!(h.events.len(), 1, "the second part waits");
    h.advance(secs(1));
    assert_eq!(h.events.last(), Some(&Event::PartSent { id: PartId(2), mr: Some(42) }));
    assert_eq!(h.m.log.iter().filter(|l| l.starts_with("PDU:")).count(), 2);
}

#[test]
fn reboot_before_the_pdu_went_out_sends_it_again_once() {
    let mut h = Harness::ready(Config::default());
    let p = part(8, TO, "x");
    h.m.on(&cmgs(&p), &["\r\nRDY\r\n", "\r\n> "]);
    h.send(8, TO, "x").unwrap();
    h.settle();
    assert_eq!(h.events, [Event::Ready, Event::PartSent { id: PartId(8), mr: Some(42) }]);
    assert_eq!(h.m.count(&cmgs(&p)), 2);
    assert_eq!(h.m.log.iter().filter(|l| l.starts_with("PDU:")).count(), 1);
    // Initialised again between the two tries.
    let second = h.m.log.iter().rposition(|l| *l == cmgs(&p)).unwrap();
    assert!(h.m.log[..second].ends_with(&[
        String::from("AT+CREG?"),
        String::from("AT+CEREG?"),
        String::from("AT+CMGL=4")
    ]));
}

#[test]
fn reboot_after_the_pdu_went_out_is_unknown() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &["\r\nRDY\r\n"]);
    h.send(9, TO, "x").unwrap();
    h.settle();
    assert_eq!(h.events, [Event::PartFailed { id: PartId(9), failure: Failure::Unknown }, Event::Ready]);
    assert_eq!(h.m.log.iter().filter(|l| l.starts_with("PDU:")).count(), 1);
}

#[test]
fn a_part_waiting_for_registration_gives_up() {
    let mut h = Harness::ready(Config::default());
    let p = part(10, TO, "x");
    h.m.on(&cmgs(&p), &["\r\nRDY\r\n"]);
    h.m.on("AT+CREG?", &[&answer("+CREG: 2,2")]);
    h.send(10, TO, "x").unwrap();
    h.settle();
    assert!(h.events.contains(&Event::SendingPaused), "{:?}", h.events);
    assert!(h.d.status().sending_paused);
    let send_wait = Config::default().timings.send_wait;
    h.advance(send_wait - secs(1));
    assert!(!h.events.iter().any(|e| matches!(e, Event::PartFailed { .. })));
    h.advance(secs(2));
    assert_eq!(
        h.events.last(),
        Some(&Event::PartFailed { id: PartId(10), failure: Failure::Temporary(Cause::NotRegistered) })
    );
    assert_eq!(h.m.count(&cmgs(&p)), 1);
}

#[test]
fn the_longest_pdu_fits_the_transmit_buffer() {
    let text: String = core::iter::repeat_n('x', 160).collect();
    let p = part(11, "+12345678901234567890", &text);
    assert!(2 * p.pdu.len() < TX_CAPACITY);
    let mut h = Harness::ready(Config::default());
    h.d.send(h.now, p).unwrap();
    h.pump();
    assert_eq!(h.events, [Event::PartSent { id: PartId(11), mr: Some(42) }]);
}
