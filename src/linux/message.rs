//! A whole message as PDUs: the cheapest encoding, the parts, and one SMS-SUBMIT per part.
//!
//! `smsgw pdu encode`, `smsgw send` and the daemon all encode through [`encode`], so a text is
//! split and referenced the same way whichever of them sends it.

use crate::codec::encoding::{self, Encoding, Options, RefBits};
use crate::codec::gsm7::Language;
use crate::codec::pdu::{self, Concat, EncodedPdu, Part, SubmitParams, MAX_PDU_OCTETS};
use crate::codec::{hex, segment, Error};

/// How a message is to be sent.
#[derive(Debug, Clone, Default)]
pub struct MessageOptions<'a> {
    /// Destination: optional `+`, then 1 to 20 digits.
    pub to: &'a str,
    /// The service centre; `None` lets the modem use the SIM's.
    pub smsc: Option<&'a str>,
    pub status_report: bool,
    pub validity_minutes: Option<u32>,
    pub flash: bool,
    /// National languages whose shift tables may be used.
    pub languages: &'a [Language],
    pub ref_bits: RefBits,
    /// The concatenation reference; `None` derives one from number and text ([`reference`]).
    pub reference: Option<u16>,
}

/// One encoded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPart {
    /// The PDU as `AT+CMGS` takes it after the prompt: SMSC field first.
    pub octets: Vec<u8>,
    /// Octets after the SMSC field: the length `AT+CMGS=<n>` announces.
    pub tpdu_len: usize,
}

impl EncodedPart {
    /// The PDU in upper-case hex.
    pub fn hex(&self) -> String {
        hex_string(&self.octets)
    }

    /// The part as the codec's and the driver's types take it.
    pub fn as_pdu(&self) -> EncodedPdu<'_> {
        EncodedPdu { octets: &self.octets, tpdu_len: self.tpdu_len }
    }
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedMessage {
    pub encoding: Encoding,
    /// The concatenation reference the parts carry (meaningless for a single part).
    pub reference: u16,
    pub parts: Vec<EncodedPart>,
}

/// Encodes `text` for `opts.to`.
pub fn encode(text: &str, opts: &MessageOptions<'_>) -> Result<EncodedMessage, Error> {
    let plan = encoding::plan(text, &Options { languages: opts.languages, ref_bits: opts.ref_bits })?;
    let texts: Vec<&str> = segment::split(text, &plan).collect();
    let total = u8::try_from(texts.len()).map_err(|_| Error::TooManyParts { parts: texts.len() })?;
    // A derived reference is cut to the reference's size; a given one is taken as it is, and
    // the encoder refuses one that does not fit rather than sending another.
    let reference = opts.reference.unwrap_or_else(|| match opts.ref_bits {
        RefBits::Eight => reference(opts.to, text) & 0xFF,
        RefBits::Sixteen => reference(opts.to, text),
    });
    let params = SubmitParams {
        smsc: opts.smsc,
        destination: opts.to,
        // 0: the modem assigns its own TP-MR and says which in `+CMGS: <mr>`.
        message_ref: 0,
        status_report: opts.status_report,
        validity_minutes: opts.validity_minutes,
        flash: opts.flash,
    };
    let mut parts = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let concat = (total > 1).then(|| Concat { reference, ref_bits: opts.ref_bits, seq: i as u8 + 1, total });
        let mut out = [0u8; MAX_PDU_OCTETS];
        let pdu = pdu::encode_submit(&params, &Part { text, encoding: plan.encoding, concat }, &mut out)?;
        parts.push(EncodedPart { octets: pdu.octets.to_vec(), tpdu_len: pdu.tpdu_len });
    }
    Ok(EncodedMessage { encoding: plan.encoding, reference, parts })
}

/// The concatenation reference when none is given: FNV-1a of number and text, so the same
/// message always gets the same reference (a resent part joins the parts sent before it) while
/// different messages to one phone almost never share one.
pub fn reference(to: &str, text: &str) -> u16 {
    let mut h: u32 = 0x811C_9DC5;
    for b in to.bytes().chain([0]).chain(text.bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 16)) as u16
}

/// Upper-case hex of `octets`.
pub fn hex_string(octets: &[u8]) -> String {
    let mut out = vec![0u8; octets.len() * 2];
    // The buffer is exactly twice the input: encoding cannot fail.
    hex::encode_into(octets, &mut out).map(str::to_owned).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_carry_one_reference_and_decode_back() {
        let text = "x".repeat(200);
        let opts = MessageOptions { to: "+491701234567", ..Default::default() };
        let m = encode(&text, &opts).unwrap();
        assert_eq!(m.parts.len(), 2);
        assert_eq!(m.reference, reference("+491701234567", &text) & 0xFF);
        let mut joined = String::new();
        for (i, part) in m.parts.iter().enumerate() {
            assert_eq!(part.tpdu_len + 1, part.octets.len(), "empty SMSC field is one octet");
            let pdu = pdu::decode(&part.octets).unwrap();
            let ud = pdu.user_data().unwrap();
            let concat = ud.udh().unwrap().concat().unwrap();
            assert_eq!((concat.reference, concat.seq, concat.total), (m.reference, i as u8 + 1, 2));
            joined.extend(ud.text().unwrap());
        }
        assert_eq!(joined, text);
    }

    #[test]
    fn bad_numbers_and_huge_texts_are_errors() {
        let opts = MessageOptions { to: "12ab", ..Default::default() };
        assert!(matches!(encode("hi", &opts), Err(Error::InvalidField { field: "TP-DA", .. })));
        let opts = MessageOptions { to: "+4912345", ..Default::default() };
        assert_eq!(encode(&"x".repeat(153 * 256), &opts), Err(Error::TooManyParts { parts: 256 }));
        // A given 8-bit reference that does not fit is refused, never cut.
        let opts = MessageOptions { to: "+4912345", reference: Some(4660), ..Default::default() };
        assert!(encode(&"x".repeat(200), &opts).is_err());
    }
}
