extern crate std;

use std::format;

use super::script::{answer, line, ms, secs, Harness, OK};
use crate::modem::{Config, Event, PartId, PhoneNumber};

const CLIP: &str = "\r\n+CLIP: \"+4912345\",145,\"\",,\"\",0\r\n";
const RING: &str = "\r\nRING\r\n";

fn number(n: &str) -> Option<PhoneNumber> {
    Some(n.try_into().unwrap())
}

fn calls(h: &Harness) -> usize {
    h.events.iter().filter(|e| matches!(e, Event::IncomingCall { .. })).count()
}

fn hang_up_after(n: Option<u8>) -> Config {
    Config { hang_up_calls: n, ..Config::default() }
}

#[test]
fn ring_and_clip_in_either_order_make_one_call() {
    let orders: &[(&str, &[&str])] = &[("RING first", &[RING, CLIP]), ("CLIP first", &[CLIP, RING])];
    for (name, lines) in orders {
        let mut h = Harness::ready(Config::default());
        for round in 0..3 {
            for l in *lines {
                h.inject(l);
            }
            h.advance(secs(4));
            assert_eq!(h.events, [Event::IncomingCall { number: number("+4912345") }], "{name} round {round}");
        }
        // The ringing stops: the caller gave up.
        h.advance(secs(9));
        assert_eq!(h.events[1], Event::CallEnded { rings: 3, hung_up: false }, "{name}");
        assert_eq!(h.d.status().counters.calls, 1);
        // Left to ring: no hang-up.
        assert_eq!(h.m.count("ATH"), 0);
        // The next call is another call.
        h.inject(RING);
        h.inject(CLIP);
        assert_eq!(calls(&h), 2, "{name}");
    }
}

#[test]
fn withheld_and_missing_numbers() {
    let cases: &[(&[&str], Option<PhoneNumber>)] = &[
        (&[RING, "\r\n+CLIP: \"\",128,,,,1\r\n"], None),
        (&["\r\n+CLIP: \"\",128,,,,1\r\n", RING], None),
        (&[RING, "\r\n+CLIP: \"0301234\",129,,,\"Mum\",2\r\n"], None),
        (&[RING, "\r\n+CLIP: \"4912345\",145\r\n"], number("+4912345")),
        (&[RING, "\r\n+CRING: VOICE\r\n", "\r\n+CLIP: \"0301234\",129\r\n"], number("0301234")),
    ];
    for (lines, want) in cases {
        let mut h = Harness::ready(Config::default());
        for l in *lines {
            h.inject(l);
        }
        h.advance(secs(2));
        assert_eq!(h.events, [Event::IncomingCall { number: want.clone() }], "{lines:?}");
    }
}

#[test]
fn a_ring_without_clip_is_reported_after_a_short_wait() {
    let mut h = Harness::ready(Config::default());
    h.inject(RING);
    assert!(h.events.is_empty());
    h.advance(ms(1_400));
    assert!(h.events.is_empty());
    h.advance(ms(200));
    assert_eq!(h.events, [Event::IncomingCall { number: None }]);
    // A late +CLIP does not make a second call.
    h.inject(CLIP);
    h.inject(RING);
    assert_eq!(calls(&h), 1);
}

#[test]
fn hang_up_after_n_rings() {
    for n in 0..=3u8 {
        let mut h = Harness::ready(hang_up_after(Some(n)));
        let mut rings = 0;
        loop {
            h.inject(RING);
            rings += 1;
            h.inject(CLIP);
            if h.m.count("ATH") > 0 {
                break;
            }
            assert!(rings < 5, "never hung up with n = {n}");
            h.advance(secs(4));
        }
        assert_eq!(rings, n.max(1), "n = {n}");
        assert_eq!(
            h.events,
            [Event::IncomingCall { number: number("+4912345") }, Event::CallEnded { rings, hung_up: true }],
            "n = {n}"
        );
        // What was still on the line belongs to the call that ended.
        h.inject(&format!("{RING}{CLIP}\r\nNO CARRIER\r\n"));
        assert_eq!(h.events.len(), 2, "n = {n}");
        assert_eq!(h.m.count("ATH"), 1);
    }
}

#[test]
fn hang_up_at_once_waits_for_the_number() {
    let mut h = Harness::ready(hang_up_after(Some(0)));
    h.inject(RING);
    assert_eq!(h.m.count("ATH"), 0, "the number is not known yet");
    h.inject(CLIP);
    assert_eq!(h.m.since("ATH"), ["ATH"]);
    assert_eq!(h.events[0], Event::IncomingCall { number: number("+4912345") });
}

#[test]
fn ath_refused_falls_back_to_chup() {
    let mut h = Harness::ready(hang_up_after(Some(1)));
    h.m.on("ATH", &["\r\nERROR\r\n"]);
    h.m.on("AT+CHUP", &[OK]);
    h.inject(CLIP);
    h.inject(RING);
    assert_eq!(h.m.since("ATH"), ["ATH", "AT+CHUP"]);
    assert_eq!(h.events.last(), Some(&Event::CallEnded { rings: 1, hung_up: true }));
}

#[test]
fn the_network_ends_calls() {
    for end in ["\r\nNO CARRIER\r\n", "\r\n^CEND:1,0,104,16\r\n"] {
        let mut h = Harness::ready(Config::default());
        h.inject(RING);
        h.inject(CLIP);
        h.inject(end);
        assert_eq!(
            h.events,
            [Event::IncomingCall { number: number("+4912345") }, Event::CallEnded { rings: 1, hung_up: false }],
            "{end:?}"
        );
        // A new call at once is a new call.
        h.inject(RING);
        h.inject(CLIP);
        assert_eq!(calls(&h), 2, "{end:?}");
    }
}

#[test]
fn a_call_that_ends_before_its_number_is_still_reported() {
    let mut h = Harness::ready(Config::default());
    h.inject(RING);
    h.inject("\r\nNO CARRIER\r\n");
    assert_eq!(h.events, [Event::IncomingCall { number: None }, Event::CallEnded { rings: 1, hung_up: false }]);
}

#[test]
fn no_carrier_is_not_the_answer_to_a_pending_command() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[&format!("\r\nNO CARRIER\r\n{}", answer("+CMGS: 42"))]);
    h.inject(RING);
    h.inject(CLIP);
    h.send(1, "+4912345", "x").unwrap();
    assert_eq!(
        h.events,
        [
            Event::IncomingCall { number: number("+4912345") },
            Event::CallEnded { rings: 1, hung_up: false },
            Event::PartSent { id: PartId(1), mr: Some(42) },
        ]
    );
}

#[test]
fn the_caller_may_hang_up() {
    let mut h = Harness::ready(Config::default());
    h.d.hang_up(h.now);
    h.pump();
    assert_eq!(h.m.count("ATH"), 0, "no call");
    h.inject(RING);
    h.inject(CLIP);
    h.d.hang_up(h.now);
    h.pump();
    assert_eq!(h.m.count("ATH"), 1);
    assert_eq!(h.events.last(), Some(&Event::CallEnded { rings: 1, hung_up: true }));
}

#[test]
fn watch_reports_changes_only() {
    let mut h = Harness::ready(Config::default());
    let watched = |h: &Harness| h.m.log.iter().filter(|l| *l == "AT+CSQ").count();
    let before = watched(&h);
    h.advance(secs(29));
    assert_eq!(watched(&h), before);
    h.advance(secs(1));
    assert_eq!(h.m.since("AT+CSQ"), ["AT+CSQ", "AT+CREG?"]);
    assert!(h.events.is_empty(), "nothing changed: {:?}", h.events);
    h.m.on("AT+CSQ", &[&answer("+CSQ: 6,99")]);
    h.advance(secs(30));
    assert_eq!(h.events, [Event::Signal(crate::modem::Signal { csq: 6 })]);
    assert_eq!(watched(&h), before + 2);
}

#[test]
fn sending_pauses_while_unregistered() {
    let mut h = Harness::ready(Config::default());
    h.inject(&line("+CREG: 2"));
    assert!(matches!(h.events[..], [Event::Registration(_), Event::SendingPaused]), "{:?}", h.events);
    assert!(h.d.status().sending_paused);
    assert_eq!(h.send(1, "+4912345", "x"), Err(crate::modem::Error::NotRegistered));
    h.events.clear();
    // The watch finds it registered again (roaming).
    h.m.on("AT+CREG?", &[&answer("+CREG: 2,5,\"00C3\",\"0010ABCD\",7")]);
    h.advance(secs(30));
    assert!(matches!(h.events[..], [Event::Registration(_), Event::SendingResumed]), "{:?}", h.events);
    let reg = h.d.status().registration.clone().unwrap();
    assert!(reg.is_registered() && reg.is_roaming());
    assert_eq!(h.send(1, "+4912345", "x"), Ok(()));
    // Lost again by the watch: denied.
    h.events.clear();
    h.m.on("AT+CREG?", &[&answer("+CREG: 2,3")]);
    h.advance(secs(30));
    assert!(matches!(h.events[..], [Event::Registration(_), Event::SendingPaused]), "{:?}", h.events);
}

#[test]
fn no_carrier_before_the_answer_to_ath_is_our_hang_up() {
    let mut h = Harness::ready(hang_up_after(Some(1)));
    h.m.on("ATH", &[&format!("\r\nNO CARRIER\r\n{OK}")]);
    h.inject(RING);
    h.inject(CLIP);
    assert_eq!(
        h.events,
        [Event::IncomingCall { number: number("+4912345") }, Event::CallEnded { rings: 1, hung_up: true }]
    );
}
