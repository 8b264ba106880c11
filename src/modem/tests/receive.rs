extern crate std;

use std::format;
use std::string::String;
use std::vec::Vec;

use super::script::{answer, line, secs, unhex, Harness, Modem, OK};
use crate::codec::pdu::Status as TpStatus;
use crate::modem::{Config, Error, Event, Location, Memory, PartId, ReceiveToken, MAX_UNACKED};

/// An SMS-DELIVER as a modem prints it: SMSC field, then a 26-octet TPDU.
const DELIVER: &str = "0791447758100650000C9144971121436500004210510103548007743D885E9ED301";
/// An SMS-STATUS-REPORT: TP-MR 232 (0xE8), recipient +666666666666, TP-ST 0 (delivered); 25-octet TPDU.
const REPORT: &str = "079124603050020006E80C91666666666666909070618422809090706184628000";
const REPORT_TO: &str = "+666666666666";

fn cmgr(stat: u8, pdu: &str, tpdu_len: usize) -> String {
    format!("\r\n+CMGR: {stat},,{tpdu_len}\r\n{pdu}\r\n{OK}")
}

fn received(events: &[Event]) -> Vec<ReceiveToken> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Received { token, .. } => Some(*token),
            _ => None,
        })
        .collect()
}

#[test]
fn cmti_is_read_and_deleted_only_after_acknowledge() {
    let mut h = Harness::ready(Config::default());
    h.m.on("AT+CMGR=3", &[&cmgr(0, DELIVER, 26)]);
    h.m.on("AT+CMGD=3", &[OK]);
    h.inject("\r\n+CMTI: \"SM\",3\r\n");
    assert_eq!(h.m.log.last().map(String::as_str), Some("AT+CMGR=3"));
    let tokens = received(&h.events);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].location(), Some(Location { memory: Memory::Sim, index: 3 }));
    assert_eq!(h.events, [Event::Received { token: tokens[0], pdu: unhex(DELIVER) }]);
    // Not deleted while the caller has not stored it, however long that takes.
    h.advance(secs(300));
    assert_eq!(h.m.count("AT+CMGD=3"), 0);
    h.d.acknowledge(h.now, tokens[0]);
    h.pump();
    assert_eq!(h.m.count("AT+CMGD=3"), 1);
    // A repeated acknowledgement deletes nothing (the index may hold a new message by now).
    h.d.acknowledge(h.now, tokens[0]);
    h.pump();
    assert_eq!(h.m.count("AT+CMGD=3"), 1);
    assert_eq!(h.d.status().counters.received, 1);
}

#[test]
fn storage_is_drained_at_start() {
    let mut m = Modem::new();
    m.on(
        "AT+CMGL=4",
        &[
            &format!(
                "\r\n+CMGL: 1,1,,26\r\n{DELIVER}\r\n+CMGL: 2,3,,20\r\n0011000B916407281553F80000AA0AE8329BFD4697D9EC37\r\n+CMGL: 4,0,,26\r\n{DELIVER}\r\n{OK}"
            ),
            OK,
        ],
    );
    m.on("AT+CMGR=1", &[&cmgr(1, DELIVER, 26)]);
    m.on("AT+CMGR=4", &[&cmgr(0, DELIVER, 26)]);
    m.on("AT+CMGD=1", &[OK]);
    m.on("AT+CMGD=4", &[OK]);
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.settle();
    let tokens = received(&h.events);
    assert_eq!(tokens.len(), 2, "{:?}", h.events);
    // The outgoing draft at index 2 is left alone.
    assert_eq!(h.m.count("AT+CMGR=2"), 0);
    for t in tokens {
        h.d.acknowledge(h.now, t);
    }
    h.pump();
    assert_eq!((h.m.count("AT+CMGD=1"), h.m.count("AT+CMGD=4"), h.m.count("AT+CMGD=2")), (1, 1, 0));
}

#[test]
fn no_more_is_read_than_the_caller_can_take() {
    let mut h = Harness::ready(Config::default());
    for i in 0..12 {
        h.m.on(&format!("AT+CMGR={i}"), &[&cmgr(0, DELIVER, 26)]);
        h.m.on(&format!("AT+CMGD={i}"), &[OK]);
        h.inject(&line(&format!("+CMTI: \"SM\",{i}")));
    }
    let tokens = received(&h.events);
    assert_eq!(tokens.len(), MAX_UNACKED);
    assert_eq!(h.m.count("AT+CMGR=8"), 0);
    h.d.acknowledge(h.now, tokens[0]);
    h.pump();
    assert_eq!(h.m.since("AT+CMGD=0"), ["AT+CMGD=0", "AT+CMGR=8"]);
    for t in tokens.into_iter().skip(1) {
        h.d.acknowledge(h.now, t);
    }
    h.pump();
    assert_eq!(received(&h.events).len(), 12);
}

#[test]
fn a_full_read_queue_lists_the_storage_later() {
    let config = Config { drain_storage: false, ..Config::default() };
    let mut h = Harness::ready(config);
    assert_eq!(h.m.count("AT+CMGL=4"), 0);
    let n = crate::modem::READ_QUEUE + 3;
    // The modem is slow with the first read: the announcements pile up behind it.
    h.m.dead = true;
    for i in 0..=n {
        h.inject(&line(&format!("+CMTI: \"SM\",{}", 100 + i)));
    }
    assert_eq!(h.d.status().last_error, Some(Error::ReadQueueFull));
    h.m.dead = false;
    // Every index reads as empty (`OK` alone), so nothing waits for acknowledgement.
    for i in 0..=n {
        h.m.on(&format!("AT+CMGR={}", 100 + i), &[OK]);
    }
    h.inject(OK);
    let reads = h.m.log.iter().filter(|l| l.starts_with("AT+CMGR=")).count();
    // The read in progress holds the front of the queue.
    assert_eq!(reads, crate::modem::READ_QUEUE);
    // The announcements that did not fit are found by listing, once the queue is empty.
    assert_eq!(h.m.log.last().map(String::as_str), Some("AT+CMGL=4"));
    assert_eq!(h.m.count("AT+CMGL=4"), 1);
}

#[test]
fn status_reports_match_recent_parts() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[&answer("+CMGS: 232")]);
    h.send(21, REPORT_TO, "x").unwrap();
    h.events.clear();
    let cds = format!("\r\n+CDS: 25\r\n{REPORT}\r\n");
    h.inject(&cds);
    assert_eq!(h.events, [Event::Delivery { id: PartId(21), status: TpStatus(0) }]);
    // The report was final: the part is forgotten, a second one is unmatched.
    h.inject(&cds);
    assert_eq!(
        h.events[1],
        Event::UnmatchedReport { mr: 232, recipient: REPORT_TO.try_into().unwrap(), status: TpStatus(0) }
    );
    assert_eq!(h.d.status().counters.status_reports, 2);
}

#[test]
fn a_report_for_another_recipient_is_unmatched() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[&answer("+CMGS: 232")]);
    h.send(22, "+4915112345678", "x").unwrap();
    h.events.clear();
    h.inject(&format!("\r\n+CDS: 25\r\n{REPORT}\r\n"));
    assert!(matches!(h.events[..], [Event::UnmatchedReport { mr: 232, .. }]), "{:?}", h.events);
}

#[test]
fn stored_status_reports_are_read_from_their_memory_and_deleted() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[&answer("+CMGS: 232")]);
    h.m.on("AT+CPMS=\"SR\"", &[&answer("+CPMS: 1,10,0,30,0,30")]);
    h.m.on("AT+CPMS=\"SM\"", &[&answer("+CPMS: 0,30,0,30,0,30")]);
    h.m.on("AT+CMGR=5", &[&cmgr(0, REPORT, 25)]);
    h.m.on("AT+CMGD=5", &[OK]);
    h.m.on("AT+CMGR=6", &[&cmgr(0, DELIVER, 26)]);
    h.send(23, REPORT_TO, "x").unwrap();
    h.events.clear();
    h.inject("\r\n+CDSI: \"SR\",5\r\n");
    h.inject("\r\n+CMTI: \"SM\",6\r\n");
    assert_eq!(
        h.m.since("AT+CPMS=\"SR\""),
        ["AT+CPMS=\"SR\"", "AT+CMGR=5", "AT+CMGD=5", "AT+CPMS=\"SM\"", "AT+CMGR=6"]
    );
    assert_eq!(h.events[0], Event::Delivery { id: PartId(23), status: TpStatus(0) });
    assert!(matches!(h.events[1], Event::Received { .. }));
}

#[test]
fn direct_messages_are_acknowledged_when_the_service_needs_it() {
    for (service, cnma) in [(0, 0), (1, 1)] {
        let mut m = Modem::new();
        m.on("AT+CSMS?", &[&answer(&format!("+CSMS: {service},1,1,1"))]);
        let mut h = Harness::new(Config::default(), m);
        h.open();
        h.settle();
        h.events.clear();
        h.inject(&format!("\r\n+CMT: ,26\r\n{DELIVER}\r\n"));
        let tokens = received(&h.events);
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].location(), None);
        assert_eq!(h.m.count("AT+CNMA"), cnma, "service {service}");
        // Nothing is stored, so nothing is deleted.
        h.d.acknowledge(h.now, tokens[0]);
        h.pump();
        assert!(!h.m.log.iter().any(|l| l.starts_with("AT+CMGD")));
    }
}

#[test]
fn a_new_sim_forgets_the_old_sims_messages() {
    for (iccid, deleted) in [(super::script::ICCID, 1), ("89490200009999999999", 0)] {
        let mut h = Harness::ready(Config::default());
        h.m.on("AT+CMGR=3", &[&cmgr(0, DELIVER, 26)]);
        h.m.on("AT+CMGD=3", &[OK]);
        h.inject("\r\n+CMTI: \"SM\",3\r\n");
        let token = received(&h.events)[0];
        h.close();
        h.m.on("AT+CCID", &[&answer(iccid)]);
        h.open();
        h.settle();
        assert_eq!(h.events.last(), Some(&Event::Ready));
        h.d.acknowledge(h.now, token);
        h.pump();
        assert_eq!(h.m.count("AT+CMGD=3"), deleted, "{iccid}");
    }
}

#[test]
fn a_modem_that_cannot_select_a_memory_is_read_in_its_own() {
    let mut h = Harness::ready(Config::default());
    h.m.on("PDU", &[&answer("+CMGS: 232")]);
    h.m.on("AT+CMGR=5", &[&cmgr(0, REPORT, 25)]);
    h.m.on("AT+CMGD=5", &[OK]);
    h.m.on("AT+CMGR=7", &[&cmgr(0, DELIVER, 26)]);
    h.send(24, REPORT_TO, "x").unwrap();
    h.events.clear();
    h.inject("\r\n+CDSI: \"SR\",5\r\n");
    h.inject("\r\n+CMTI: \"ME\",7\r\n");
    assert_eq!(h.m.since("AT+CPMS=\"SR\""), ["AT+CPMS=\"SR\"", "AT+CMGR=5", "AT+CMGD=5", "AT+CMGR=7"]);
    assert_eq!(h.events[0], Event::Delivery { id: PartId(24), status: TpStatus(0) });
    assert!(matches!(h.events[1], Event::Received { .. }));
}
