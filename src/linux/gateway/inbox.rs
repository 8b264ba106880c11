//! Received PDUs into what the store keeps, and received messages and calls into JSON (the hook's
//! stdin, `smsgw inbox`, `smsgw calls`).
//!
//! Nothing the modem hands over is dropped: a PDU that does not decode, or is not an
//! SMS-DELIVER (a sent message left on the SIM), is kept as a message of its own whose text
//! says what it is, with the PDU beside it.

use serde_json::{json, Value};

use crate::codec::encoding::RefBits;
use crate::codec::pdu::{self, Alphabet, Pdu};
use crate::linux::store::{CallOutcome, CallRecord, ConcatKey, IncomingPart, ReceivedSms, UnixMs};
use crate::linux::{dates, message};

/// The sender recorded for a PDU that names none.
pub const UNKNOWN_SENDER: &str = "unknown";

/// What the store keeps of one PDU from the modem (SMSC field first), received at `received`.
pub fn incoming_part(octets: &[u8], received: UnixMs) -> IncomingPart {
    let pdu_hex = message::hex_string(octets);
    let kept = |text: String| IncomingPart {
        sender: UNKNOWN_SENDER.into(),
        text,
        binary: false,
        concat: None,
        smsc: None,
        sent_at: None,
        pdu_hex: pdu_hex.clone(),
        received,
    };
    let d = match pdu::decode(octets) {
        Ok(Pdu::Deliver(d)) => d,
        Ok(Pdu::Submit(_)) => return kept("(not a received message: an SMS-SUBMIT, see the PDU)".into()),
        Ok(Pdu::StatusReport(_)) => return kept("(a status report, see the PDU)".into()),
        Err(e) => return kept(format!("(undecodable PDU: {e})")),
    };
    let ud = &d.user_data;
    let concat = ud.udh().and_then(|h| h.concat()).map(|c| ConcatKey {
        reference: c.reference,
        sixteen_bit: c.ref_bits == RefBits::Sixteen,
        seq: c.seq,
        total: c.total,
    });
    let (text, binary) = match ud.dcs().alphabet() {
        Alphabet::EightBit => (message::hex_string(ud.body()), true),
        _ => match ud.text() {
            Ok(chars) => (chars.collect::<String>(), false),
            Err(e) => (format!("(text not decodable: {e})"), false),
        },
    };
    let mut sent_at = String::new();
    let sent_at = d.timestamp.write_iso8601(&mut sent_at).ok().map(|()| sent_at);
    IncomingPart {
        sender: d.originator.to_string(),
        text,
        binary,
        concat,
        smsc: d.smsc.as_ref().map(|a| a.to_string()),
        sent_at,
        pdu_hex,
        received,
    }
}

/// A received message as the hook, the control socket and the CSV export see it.
pub fn received_json(m: &ReceivedSms, gateway: &str) -> Value {
    json!({
        "id": m.id,
        "gateway": gateway,
        "sender": m.sender,
        "text": m.text,
        "binary": m.binary,
        "received_at": dates::iso_utc_millis(m.received.0),
        "received_ms": m.received.0,
        "sent_at": m.sent_at,
        "smsc": m.smsc,
        "parts": m.parts,
        "complete": m.is_complete(),
        "missing": m.missing,
    })
}

/// A call as the control socket, `smsgw calls` and the upstream `events` table see it.
pub fn call_json(c: &CallRecord) -> Value {
    let (outcome, message) = match &c.outcome {
        CallOutcome::Replied { message } => ("replied", Some(message.0)),
        CallOutcome::Deferred { message, .. } => ("deferred", Some(message.0)),
        CallOutcome::Skipped { .. } => ("skipped", None),
        CallOutcome::NotAnswered => ("logged", None),
    };
    json!({
        "id": c.id,
        "at": dates::iso_utc_millis(c.at.0),
        "at_ms": c.at.0,
        "number": c.number,
        "caller": c.caller,
        "rings": c.rings,
        "hung_up": c.hung_up,
        "outcome": outcome,
        "message": message,
        "detail": c.outcome.words(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hex;
    use crate::linux::store::MessageId;

    fn octets(hex_text: &str) -> Vec<u8> {
        let mut buf = [0u8; 200];
        hex::decode_into(hex_text.as_bytes(), &mut buf).unwrap().to_vec()
    }

    #[test]
    fn a_deliver_becomes_a_part_with_what_it_says() {
        // SMS-DELIVER from +447911123456, GSM 7-bit "tz test", SCTS 2024-01-15 10:30:45 +02:00.
        let hex_text = "0791447758100650000C9144971121436500004210510103548007743D885E9ED301";
        let p = incoming_part(&octets(hex_text), UnixMs(5));
        assert_eq!((p.sender.as_str(), p.text.as_str(), p.binary), ("+447911123456", "tz test", false));
        assert_eq!(p.smsc.as_deref(), Some("+447785016005"));
        assert!(p.sent_at.as_deref().is_some_and(|t| t.starts_with("2024-01-15T10:30:45")), "{:?}", p.sent_at);
        assert_eq!((p.concat, p.pdu_hex.as_str(), p.received), (None, hex_text, UnixMs(5)));
    }

    #[test]
    fn parts_carry_their_concatenation_header() {
        use crate::sim::deliver::{encode_deliver, DeliverParams};
        let params = DeliverParams {
            smsc: "+491710760000",
            originator: "+491701234567",
            timestamp: crate::sim::calendar::DEFAULT_START,
            flash: false,
        };
        for (bits, sixteen) in [(RefBits::Eight, false), (RefBits::Sixteen, true)] {
            let concat = Some(pdu::udh::Concat { reference: 0x1A2, ref_bits: bits, seq: 2, total: 3 });
            let concat = concat.map(|c| pdu::udh::Concat { reference: if sixteen { c.reference } else { 0xA2 }, ..c });
            let part = pdu::Part { text: "second", encoding: crate::codec::encoding::Encoding::GSM7, concat };
            let pdu = encode_deliver(&params, &part).unwrap();
            let p = incoming_part(&pdu, UnixMs(1));
            let want =
                ConcatKey { reference: if sixteen { 0x1A2 } else { 0xA2 }, sixteen_bit: sixteen, seq: 2, total: 3 };
            assert_eq!((p.text.as_str(), p.concat), ("second", Some(want)));
        }
    }

    #[test]
    fn what_is_not_a_deliver_is_kept_and_says_so() {
        let p = incoming_part(&[0x00, 0x04], UnixMs(1));
        assert!(p.text.starts_with("(undecodable PDU: "), "{}", p.text);
        assert_eq!((p.sender.as_str(), p.pdu_hex.as_str()), (UNKNOWN_SENDER, "0004"));
        // An SMS-SUBMIT to +4915112345678, "hi".
        let p = incoming_part(&octets("0001000D91945111325476F8000002E834"), UnixMs(1));
        assert!(p.text.contains("SMS-SUBMIT"), "{}", p.text);
    }

    #[test]
    fn calls_in_words() {
        let c = CallRecord {
            id: 3,
            at: UnixMs(1_705_314_645_000),
            number: Some("0791234567".into()),
            caller: Some("+41791234567".into()),
            rings: 2,
            hung_up: true,
            outcome: CallOutcome::Replied { message: MessageId(9) },
        };
        assert_eq!(c.detail(), "call from +41791234567, 2 ring(s), hung up: replied (message #9)");
        let j = call_json(&c);
        assert_eq!((j["outcome"].as_str(), j["message"].as_u64()), (Some("replied"), Some(9)));
        let withheld = CallRecord {
            number: None,
            caller: None,
            hung_up: false,
            outcome: CallOutcome::Skipped { reason: "the number is withheld".into() },
            ..c
        };
        assert_eq!(withheld.detail(), "call from a withheld number, 2 ring(s): no reply: the number is withheld");
    }
}
