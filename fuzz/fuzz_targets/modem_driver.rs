//! The modem driver on arbitrary modem output, device changes, requests and timeouts: it must
//! never panic, and whenever it waits for the modem a deadline must be set, so it can never
//! wait forever.
//!
//! Input layout: a sequence of operations, each an op byte and, for some, what follows it:
//! bytes from the modem (length byte, then the bytes), a clock step (two bytes, milliseconds),
//! the next deadline, the port opening or closing, a part to send, an acknowledgement of the
//! n-th message handed out, a hang-up, a reset.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use smsgw::codec::encoding::Encoding;
use smsgw::codec::pdu::{encode_submit, Part, SubmitParams, MAX_PDU_OCTETS};
use smsgw::modem::{Config, DeviceEvent, Driver, Event, OutgoingPart, PartId, Phase, ReceiveToken};
use smsgw::time::Instant;

fuzz_target!(|data: &[u8]| {
    let config = Config { pin: Some("1234".try_into().unwrap()), hang_up_calls: Some(1), ..Config::default() };
    let mut d = Driver::new(config, Instant::ZERO);
    let mut now = Instant::ZERO;
    let mut tokens: Vec<ReceiveToken> = Vec::new();
    let mut rest = data;
    let mut next_id = 0;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 9 {
            0 | 1 => {
                let (&len, tail) = rest.split_first().unwrap_or((&0, &[]));
                let (bytes, tail) = tail.split_at(usize::from(len).min(tail.len()));
                rest = tail;
                d.handle_bytes(now, bytes);
            }
            2 => {
                let (step, tail) = rest.split_at(2.min(rest.len()));
                rest = tail;
                let ms = step.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                now += Duration::from_millis(ms);
                if d.poll_timeout().is_some_and(|t| now.reached(t)) {
                    d.handle_timeout(now);
                }
            }
            3 => {
                if let Some(t) = d.poll_timeout() {
                    now = now.max(t);
                    d.handle_timeout(now);
                }
            }
            4 => d.handle_device(now, if op & 0x10 == 0 { DeviceEvent::Opened } else { DeviceEvent::Closed }),
            5 => {
                next_id += 1;
                let _ = d.send(now, part(next_id));
            }
            6 => {
                if !tokens.is_empty() {
                    let t = tokens[usize::from(op >> 4) % tokens.len()];
                    d.acknowledge(now, t);
                }
            }
            7 => d.hang_up(now),
            _ => d.reset(now),
        }
        while d.poll_transmit().is_some() {}
        while let Some(e) = d.poll_event() {
            if let Event::Received { token, .. } = e {
                tokens.push(token);
            }
        }
        let waiting = !matches!(d.status().phase, Phase::WaitingForDevice | Phase::Faulted(_));
        assert!(!waiting || d.poll_timeout().is_some(), "waiting without a deadline in {:?}", d.status().phase);
    }
});

fn part(id: u64) -> OutgoingPart {
    let mut buf = [0u8; MAX_PDU_OCTETS];
    let params = SubmitParams { destination: "+4915112345678", ..Default::default() };
    let text = Part { text: "fuzz", encoding: Encoding::GSM7, concat: None };
    let encoded = encode_submit(&params, &text, &mut buf).unwrap();
    OutgoingPart::new(PartId(id), &encoded, "+4915112345678").unwrap()
}
