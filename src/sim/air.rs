//! What went "on the air": every SMS-SUBMIT the network accepted, decoded.

use core::fmt::Write;

use crate::codec::gsm7::Tables;
use crate::codec::pdu::{self, Alphabet, Concat, MessageClass, Pdu, ValidityPeriod, MAX_PDU_OCTETS};
use crate::time::Instant;

/// Bytes of UTF-8 text one part can decode to: 160 septets of characters that take up to 3
/// bytes each (`€`, the Indic national tables); 70 UCS-2 units take at most 210.
pub const AIR_TEXT_CAPACITY: usize = 480;

/// A recipient as text: `+`, 20 digits, or 11 alphanumeric characters of up to 3 bytes each.
pub const RECIPIENT_CAPACITY: usize = 36;

/// One part as the network took it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AirEvent {
    /// When the network accepted it (the `+CMGS` result).
    pub time: Instant,
    /// TP-DA, `+` first when international.
    pub recipient: heapless::String<RECIPIENT_CAPACITY>,
    /// The text of this part; empty for 8-bit or compressed data (see `pdu`).
    pub text: heapless::String<AIR_TEXT_CAPACITY>,
    pub alphabet: Alphabet,
    /// National language tables its header selects (GSM 7-bit).
    pub tables: Tables,
    pub concat: Option<Concat>,
    /// TP-SRR.
    pub status_report: bool,
    pub validity: Option<ValidityPeriod>,
    pub class: Option<MessageClass>,
    /// The TP-MR the modem assigned (the PDU's own is replaced, as real modems do).
    pub message_ref: u8,
    /// The PDU as the host sent it, SMSC field first.
    pub pdu: heapless::Vec<u8, MAX_PDU_OCTETS>,
}

impl AirEvent {
    /// Decodes an SMS-SUBMIT; `None` if `octets` is not one.
    pub fn from_submit(time: Instant, message_ref: u8, octets: &[u8]) -> Option<AirEvent> {
        let Ok(Pdu::Submit(s)) = pdu::decode(octets) else {
            return None;
        };
        let mut recipient = heapless::String::new();
        // Capacity covers the longest address (see RECIPIENT_CAPACITY).
        let _ = write!(recipient, "{}", s.destination);
        let mut text = heapless::String::new();
        if let Ok(chars) = s.user_data.text() {
            for c in chars {
                // Cannot fill: one part decodes to at most AIR_TEXT_CAPACITY bytes.
                if text.push(c).is_err() {
                    break;
                }
            }
        }
        let udh = s.user_data.udh();
        Some(AirEvent {
            time,
            recipient,
            text,
            alphabet: s.dcs.alphabet(),
            tables: udh.map(|h| h.tables()).unwrap_or_default(),
            concat: udh.and_then(|h| h.concat()),
            status_report: s.status_report_request,
            validity: s.validity,
            class: s.dcs.class(),
            message_ref,
            pdu: heapless::Vec::from_slice(octets).ok()?,
        })
    }
}
