//! Writing what the network sends to a phone: SMS-DELIVER (TS 23.040 §9.2.2.1) and
//! SMS-STATUS-REPORT (§9.2.2.3), SMSC field first as modems print them. The gateway never writes
//! these; the simulator needs them to hand messages and reports to the host.

use crate::codec::encoding::Encoding;
use crate::codec::gsm7::{self, Tables};
use crate::codec::pdu::address::{Number, MAX_ADDRESS_DIGITS};
use crate::codec::pdu::dcs::{Alphabet, Dcs, MessageClass};
use crate::codec::pdu::udh::{self, Concat};
use crate::codec::pdu::{Part, Timestamp, MAX_PDU_OCTETS};
use crate::codec::{septet, ucs2, Error};

/// Most characters of an alphanumeric originator: 10 octets of address value hold 11 septets
/// (TS 23.040 §9.1.2.5 caps TP-OA at 20 semi-octets).
pub const MAX_ALPHANUMERIC_CHARS: usize = 11;

/// A PDU written by this module: any DELIVER or STATUS-REPORT it writes fits
/// [`MAX_PDU_OCTETS`], the size of a SIM's EF-SMS record.
pub type PduBuf = heapless::Vec<u8, MAX_PDU_OCTETS>;

/// What every part of one delivered message shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeliverParams<'a> {
    /// The service centre that delivers it: optional `+`, then digits.
    pub smsc: &'a str,
    /// The sender: a number (optional `+`, digits) or up to 11 GSM 7-bit characters.
    pub originator: &'a str,
    /// TP-SCTS.
    pub timestamp: Timestamp,
    /// Message class 0 (flash).
    pub flash: bool,
}

/// Appends to a [`PduBuf`], every write checked.
fn push(out: &mut PduBuf, bytes: &[u8]) -> Result<(), Error> {
    out.extend_from_slice(bytes).map_err(|_| Error::BufferTooSmall { needed: out.len() + bytes.len() })
}

fn push_smsc(out: &mut PduBuf, smsc: &str) -> Result<(), Error> {
    let n = Number::parse(smsc, "SMSC")?;
    // At most 11 octets: fits the length octet.
    push(out, &[(1 + n.bcd_len()) as u8, n.type_of_address()])?;
    push_bcd(out, &n)
}

fn push_bcd(out: &mut PduBuf, n: &Number<'_>) -> Result<(), Error> {
    let mut digits = [0u8; MAX_ADDRESS_DIGITS / 2];
    let len = n.write_bcd(&mut digits)?;
    push(out, digits.get(..len).ok_or(Error::BufferTooSmall { needed: len })?)
}

/// TP-OA: a number as swapped BCD, otherwise alphanumeric (type of address `0xD0`).
fn push_originator(out: &mut PduBuf, originator: &str) -> Result<(), Error> {
    if let Ok(n) = Number::parse(originator, "TP-OA") {
        // At most 20 digits.
        push(out, &[n.digits().len() as u8, n.type_of_address()])?;
        return push_bcd(out, &n);
    }
    let septets = Tables::DEFAULT.septets(originator)?;
    if originator.is_empty() || septets > MAX_ALPHANUMERIC_CHARS {
        return Err(Error::InvalidField { field: "TP-OA", reason: "an alphanumeric sender is 1 to 11 characters" });
    }
    let octets = septet::packed_len(septets, 0);
    let mut value = [0u8; MAX_ADDRESS_DIGITS / 2];
    septet::pack(gsm7::encode(originator, Tables::DEFAULT).map_while(Result::ok), 0, &mut value)?;
    // The semi-octets the packed septets fill (at most 20).
    let semi_octets = (septets * 7).div_ceil(4) as u8;
    push(out, &[semi_octets, 0xD0])?;
    push(out, value.get(..octets).ok_or(Error::BufferTooSmall { needed: octets })?)
}

/// Writes one SMS-DELIVER part.
///
/// Errors: `InvalidField` for a bad SMSC or originator, or a part longer than one SMS holds;
/// `Unrepresentable` for a character the GSM 7-bit tables cannot write.
pub fn encode_deliver(params: &DeliverParams<'_>, part: &Part<'_>) -> Result<PduBuf, Error> {
    let mut out = PduBuf::new();
    push_smsc(&mut out, params.smsc)?;
    let (alphabet, tables) = match part.encoding {
        Encoding::Gsm7(t) => (Alphabet::Gsm7, t),
        Encoding::Ucs2 => (Alphabet::Ucs2, Tables::DEFAULT),
    };
    let udh_octets = udh::encoded_len(part.concat.as_ref(), tables);
    // TP-MTI 00 (DELIVER), TP-MMS 1 (no more messages), TP-UDHI when there is a header.
    push(&mut out, &[0x04 | if udh_octets > 0 { 0x40 } else { 0 }])?;
    push_originator(&mut out, params.originator)?;
    let class = params.flash.then_some(MessageClass::Class0);
    push(&mut out, &[0x00, Dcs::for_text(alphabet, class).raw()])?;
    push(&mut out, &params.timestamp.to_octets()?)?;
    push_user_data(&mut out, part.text, alphabet, tables, part.concat.as_ref(), udh_octets)?;
    Ok(out)
}

fn push_user_data(
    out: &mut PduBuf,
    text: &str,
    alphabet: Alphabet,
    tables: Tables,
    concat: Option<&Concat>,
    udh_octets: usize,
) -> Result<(), Error> {
    let too_long = Error::InvalidField { field: "TP-UD", reason: "text longer than one part holds" };
    let mut ud = [0u8; crate::codec::encoding::MAX_UD_OCTETS];
    let header = udh::write(concat, tables, &mut ud)?;
    let (udl, octets) = match alphabet {
        Alphabet::Ucs2 => {
            let body = ud.get_mut(header..).ok_or(too_long)?;
            let n = ucs2::encode_into(text, body).map_err(|_| too_long)?;
            (header + n, header + n)
        }
        _ => {
            let septets = (udh_octets * 8).div_ceil(7) + tables.septets(text)?;
            let octets = septet::packed_len(septets, 0);
            if septets > crate::codec::pdu::user_data::MAX_UD_SEPTETS || octets > ud.len() {
                return Err(too_long);
            }
            let body = ud.get_mut(header..).ok_or(too_long)?;
            septet::pack(gsm7::encode(text, tables).map_while(Result::ok), septet::fill_bits_after(header), body)?;
            (septets, octets)
        }
    };
    // At most 160 septets or 140 octets.
    push(out, &[udl as u8])?;
    push(out, ud.get(..octets).ok_or(too_long)?)
}

/// What a status report says about one submitted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReportParams<'a> {
    pub smsc: &'a str,
    /// TP-MR of the message the report is about.
    pub message_ref: u8,
    /// TP-RA: where that message went (optional `+`, digits).
    pub recipient: &'a str,
    /// TP-SCTS: when the service centre took the message.
    pub submitted: Timestamp,
    /// TP-DT: when it reached `status`.
    pub discharged: Timestamp,
    /// TP-ST (TS 23.040 §9.2.3.15): 0x00 delivered, 0x20..0x2F still trying, 0x40.. failed.
    pub status: u8,
}

/// Writes an SMS-STATUS-REPORT without optional parameters (no TP-PI).
pub fn encode_status_report(params: &ReportParams<'_>) -> Result<PduBuf, Error> {
    let mut out = PduBuf::new();
    push_smsc(&mut out, params.smsc)?;
    // TP-MTI 10 (STATUS-REPORT), TP-MMS 1, TP-SRQ 0 (about an SMS-SUBMIT).
    push(&mut out, &[0x06, params.message_ref])?;
    let ra = Number::parse(params.recipient, "TP-RA")?;
    push(&mut out, &[ra.digits().len() as u8, ra.type_of_address()])?;
    push_bcd(&mut out, &ra)?;
    push(&mut out, &params.submitted.to_octets()?)?;
    push(&mut out, &params.discharged.to_octets()?)?;
    push(&mut out, &[params.status])?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encoding::{self, Options, RefBits};
    use crate::codec::pdu::{decode, Pdu};
    use crate::codec::{hex, segment};
    use proptest::prelude::*;

    const TS: Timestamp =
        Timestamp { year: 1999, month: 3, day: 29, hour: 15, minute: 16, second: 59, offset_quarters: 8 };

    fn hex_of(p: &[u8]) -> heapless::String<400> {
        let mut buf = [0u8; 400];
        heapless::String::try_from(hex::encode_into(p, &mut buf).unwrap()).unwrap()
    }

    #[test]
    fn published_deliver_is_reproduced() {
        // "hellohello" from 27838890001 (type 0xC8 in the published PDU; ours writes 0x81 for a
        // plain number, so only that octet differs).
        let params = DeliverParams { smsc: "+27381000015", originator: "27838890001", timestamp: TS, flash: false };
        let part = Part { text: "hellohello", encoding: Encoding::GSM7, concat: None };
        let got = encode_deliver(&params, &part).unwrap();
        assert_eq!(hex_of(&got).as_str(), "07917283010010F5040B817238880900F10000993092516195800AE8329BFD4697D9EC37");
    }

    #[test]
    fn alphanumeric_originator_and_flash_ucs2() {
        let params = DeliverParams { smsc: "+4917", originator: "Megafon", timestamp: TS, flash: true };
        let part = Part { text: "Привет", encoding: Encoding::Ucs2, concat: None };
        let got = encode_deliver(&params, &part).unwrap();
        let Ok(Pdu::Deliver(d)) = decode(&got) else { panic!("{got:?}") };
        let mut from = heapless::String::<32>::new();
        core::fmt::write(&mut from, format_args!("{}", d.originator)).unwrap();
        assert_eq!(from.as_str(), "Megafon");
        assert_eq!(d.dcs.class(), Some(MessageClass::Class0));
        assert_eq!(d.user_data.text().unwrap().collect::<heapless::String<32>>().as_str(), "Привет");
        let long = DeliverParams { originator: "TwelveChars!", ..params };
        assert!(matches!(encode_deliver(&long, &part), Err(Error::InvalidField { field: "TP-OA", .. })));
        let bad = DeliverParams { originator: "ç", ..params };
        assert_eq!(encode_deliver(&bad, &part), Err(Error::Unrepresentable { ch: 'ç' }));
    }

    #[test]
    fn status_report_decodes_back() {
        let params = ReportParams {
            smsc: "+420603052000",
            message_ref: 0xE8,
            recipient: "+666666666666",
            submitted: TS,
            discharged: TS,
            status: 0x00,
        };
        let got = encode_status_report(&params).unwrap();
        let Ok(Pdu::StatusReport(r)) = decode(&got) else { panic!() };
        assert_eq!((r.message_ref, r.status.raw(), r.timestamp, r.discharge_time), (0xE8, 0, TS, TS));
        let mut ra = heapless::String::<32>::new();
        core::fmt::write(&mut ra, format_args!("{}", r.recipient)).unwrap();
        assert_eq!(ra.as_str(), "+666666666666");
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::string::string_regex("[a-zA-Z0-9 .,!?@£$€{}\\[\\]~^|]{0,400}").unwrap(),
            proptest::string::string_regex("[a-zа-яё😀 ]{0,200}").unwrap(),
        ]
    }

    proptest! {
        /// Every part decodes to its text with its header, and the parts join to the message.
        #[test]
        fn parts_decode_to_the_text(text in text_strategy(), reference in any::<u8>(), from in "\\+?[0-9]{1,20}") {
            let plan = encoding::plan(&text, &Options::default()).unwrap();
            let mut joined = String::new();
            let parts: Vec<&str> = segment::split(&text, &plan).collect();
            for (i, p) in parts.iter().enumerate() {
                let concat = plan.is_multipart().then_some(Concat {
                    reference: u16::from(reference), ref_bits: RefBits::Eight, seq: i as u8 + 1, total: parts.len() as u8,
                });
                let params = DeliverParams { smsc: "+491710760000", originator: &from, timestamp: TS, flash: false };
                let pdu = encode_deliver(&params, &Part { text: p, encoding: plan.encoding, concat }).unwrap();
                let Ok(Pdu::Deliver(d)) = decode(&pdu) else { panic!("{pdu:?}") };
                prop_assert_eq!(d.user_data.udh().and_then(|h| h.concat()), concat);
                joined.extend(d.user_data.text().unwrap());
                prop_assert_eq!(d.originator.chars().collect::<String>(), from.trim_start_matches('+'));
            }
            prop_assert_eq!(joined, text);
        }
    }
}
