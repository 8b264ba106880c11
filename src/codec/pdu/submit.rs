//! Writing SMS-SUBMIT PDUs (TS 23.040 §9.2.2.2) for `AT+CMGS` in PDU mode, one part at a time:
//! the caller chooses the encoding and splits the text, this module lays out the octets.

use super::address::{Number, MAX_ADDRESS_DIGITS};
use super::dcs::{Alphabet, Dcs, MessageClass};
use super::udh::{self, Concat};
use super::user_data::{MAX_UD_OCTETS, MAX_UD_SEPTETS};
use super::validity;
use crate::codec::encoding::Encoding;
use crate::codec::gsm7::{self, Tables};
use crate::codec::{septet, ucs2, Error};

/// Octets of the longest SMSC field: length octet, type of address, 10 octets of digits.
const MAX_SMSC_FIELD: usize = 2 + MAX_ADDRESS_DIGITS / 2;

/// Octets of the longest SMS-SUBMIT TPDU (TS 23.040 §9.2.2.2): first octet, TP-MR, a 12-octet
/// TP-DA, TP-PID, TP-DCS, a 7-octet TP-VP, TP-UDL and 140 octets of TP-UD.
pub const MAX_TPDU_OCTETS: usize = 1 + 1 + (2 + MAX_ADDRESS_DIGITS / 2) + 1 + 1 + 7 + 1 + MAX_UD_OCTETS;

/// The largest PDU as modems take it — the longest SMSC field in front of the longest
/// SMS-SUBMIT TPDU — so a buffer of this size holds any PDU this codec writes (176 octets, the
/// size of a SIM's EF-SMS record).
pub const MAX_PDU_OCTETS: usize = MAX_SMSC_FIELD + MAX_TPDU_OCTETS;

/// What every part of one message shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SubmitParams<'a> {
    /// The service centre to send through; `None` writes an empty SMSC field (`00`) so the
    /// modem uses the one stored on the SIM.
    pub smsc: Option<&'a str>,
    /// The number to send to: optional `+`, then 1 to 20 digits.
    pub destination: &'a str,
    /// TP-MR; 0 lets most modems assign their own.
    pub message_ref: u8,
    /// TP-SRR: ask for a status report.
    pub status_report: bool,
    /// Relative TP-VP in minutes, rounded up to a period TS 23.040 can express (see
    /// [`validity::relative_octet`]); `None` leaves the service centre's default.
    pub validity_minutes: Option<u32>,
    /// Message class 0: shown at once and not stored.
    pub flash: bool,
}

/// One part's text and how it is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Part<'a> {
    pub text: &'a str,
    /// GSM 7-bit with its tables (national shift elements are added for non-default tables)
    /// or UCS-2.
    pub encoding: Encoding,
    /// Where this part sits in a concatenated message; `None` for a single SMS.
    pub concat: Option<Concat>,
}

/// A PDU written into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EncodedPdu<'b> {
    /// The PDU, SMSC field first.
    pub octets: &'b [u8],
    /// Octets after the SMSC field: the `<length>` of `AT+CMGS=<length>` (TS 27.005 §3.5.1).
    pub tpdu_len: usize,
}

/// Writes one SMS-SUBMIT into `out`.
///
/// Errors: `InvalidField` for a bad number or validity, or a part whose text does not fit in
/// one SMS (140 octets of user data with its header); `Unrepresentable` for a character the
/// GSM 7-bit tables cannot write; `BufferTooSmall` when `out` is shorter than the PDU
/// ([`MAX_PDU_OCTETS`] always suffices).
pub fn encode_submit<'b>(
    params: &SubmitParams<'_>,
    part: &Part<'_>,
    out: &'b mut [u8],
) -> Result<EncodedPdu<'b>, Error> {
    let smsc = params.smsc.map(|s| Number::parse(s, "SMSC")).transpose()?;
    let destination = Number::parse(params.destination, "TP-DA")?;
    let vp = params.validity_minutes.map(validity::relative_octet).transpose()?;
    let (alphabet, tables) = match part.encoding {
        Encoding::Gsm7(tables) => (Alphabet::Gsm7, tables),
        Encoding::Ucs2 => (Alphabet::Ucs2, Tables::DEFAULT),
    };
    let udh_octets = udh::encoded_len(part.concat.as_ref(), tables);
    let too_long = Error::InvalidField { field: "TP-UD", reason: "text longer than one part holds" };
    let (udl, ud_octets) = match alphabet {
        Alphabet::Ucs2 => {
            let octets = udh_octets + 2 * ucs2::units(part.text);
            (octets, octets)
        }
        _ => {
            let septets = (udh_octets * 8).div_ceil(7) + tables.septets(part.text)?;
            if septets > MAX_UD_SEPTETS {
                return Err(too_long);
            }
            (septets, septet::packed_len(septets, 0))
        }
    };
    if ud_octets > MAX_UD_OCTETS {
        return Err(too_long);
    }
    let smsc_field = smsc.map_or(1, |n| 2 + n.bcd_len());
    let tpdu_len = 1 + 1 + 2 + destination.bcd_len() + 1 + 1 + usize::from(vp.is_some()) + 1 + ud_octets;
    let total = smsc_field + tpdu_len;
    let out = out.get_mut(..total).ok_or(Error::BufferTooSmall { needed: total })?;
    let mut w = Writer { out, at: 0 };

    match smsc {
        None => w.push(0x00)?,
        Some(n) => {
            // At most 11 octets: fits the length octet.
            w.push((1 + n.bcd_len()) as u8)?;
            w.push(n.type_of_address())?;
            w.bcd(&n)?;
        }
    }
    let vpf = if vp.is_some() { 0b10 << 3 } else { 0 };
    let srr = if params.status_report { 0x20 } else { 0 };
    let udhi = if udh_octets > 0 { 0x40 } else { 0 };
    w.push(0x01 | vpf | srr | udhi)?;
    w.push(params.message_ref)?;
    // At most 20 digits.
    w.push(destination.digits().len() as u8)?;
    w.push(destination.type_of_address())?;
    w.bcd(&destination)?;
    w.push(0x00)?; // TP-PID: plain short message
    let class = params.flash.then_some(MessageClass::Class0);
    w.push(Dcs::for_text(alphabet, class).raw())?;
    if let Some(vp) = vp {
        w.push(vp)?;
    }
    // At most 160 septets or 140 octets, checked above.
    w.push(udl as u8)?;
    let header = udh::write(part.concat.as_ref(), tables, w.rest())?;
    w.at += header;
    match alphabet {
        Alphabet::Ucs2 => {
            let n = ucs2::encode_into(part.text, w.rest())?;
            w.at += n;
        }
        _ => {
            let fill = septet::fill_bits_after(header);
            let body = ud_octets - header;
            // TP-UDL counts the header's septets, fill bits included, so with no text after a
            // header the user data still ends with an octet that holds only fill bits; `pack`
            // writes nothing for zero septets, hence the zeroed body.
            w.rest().get_mut(..body).ok_or(Error::BufferTooSmall { needed: total })?.fill(0);
            // Every character was checked by `septets` above, so no `Err` is skipped here.
            let septets = gsm7::encode(part.text, tables).map_while(Result::ok);
            septet::pack(septets, fill, w.rest())?;
            w.at += body;
        }
    }
    let Writer { out, at } = w;
    Ok(EncodedPdu { octets: out.get(..at).ok_or(Error::BufferTooSmall { needed: at })?, tpdu_len })
}

/// Appends to the caller's buffer; every write is checked.
struct Writer<'b> {
    out: &'b mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn push(&mut self, b: u8) -> Result<(), Error> {
        self.push_slice(&[b])
    }

    fn push_slice(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self.at + bytes.len();
        self.out.get_mut(self.at..end).ok_or(Error::BufferTooSmall { needed: end })?.copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }

    fn bcd(&mut self, n: &Number<'_>) -> Result<(), Error> {
        let written = n.write_bcd(self.rest())?;
        self.at += written;
        Ok(())
    }

    fn rest(&mut self) -> &mut [u8] {
        let at = self.at.min(self.out.len());
        &mut self.out[at..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encoding::RefBits;
    use crate::codec::gsm7::{Language, ESC};
    use crate::codec::hex;
    use crate::codec::national;
    use crate::codec::pdu::{decode, Pdu, ValidityPeriod};
    use core::fmt::Write;
    use proptest::prelude::*;

    const GSM7: Encoding = Encoding::Gsm7(Tables::DEFAULT);

    fn hex_of(params: &SubmitParams<'_>, part: &Part<'_>) -> Result<(heapless::String<400>, usize), Error> {
        let mut out = [0u8; MAX_PDU_OCTETS];
        let pdu = encode_submit(params, part, &mut out)?;
        let mut text = [0u8; 2 * MAX_PDU_OCTETS];
        let hex_text = hex::encode_into(pdu.octets, &mut text).unwrap();
        Ok((heapless::String::try_from(hex_text).unwrap(), pdu.tpdu_len))
    }

    #[test]
    fn known_pdus() {
        let to = |destination| SubmitParams { destination, ..Default::default() };
        let single = |text, encoding| Part { text, encoding, concat: None };
        let cases: &[(SubmitParams<'_>, Part<'_>, &str)] = &[
            // Published examples (TP-VP AA = 4 days).
            (
                SubmitParams { validity_minutes: Some(4 * 24 * 60), ..to("+46708251358") },
                single("hellohello", GSM7),
                "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
            ),
            (
                SubmitParams { validity_minutes: Some(4 * 24 * 60), ..to("1234657") },
                single("hello", GSM7),
                "0011000781214356F70000AA05E8329BFD06",
            ),
            (
                SubmitParams { smsc: Some("+34646456456"), ..to("+34616585119") },
                single("あ叶葉", Encoding::Ucs2),
                "07914346466554F601000B914316565811F9000806304253F68449",
            ),
            // Flash, status report, one hour.
            (
                SubmitParams {
                    flash: true,
                    status_report: true,
                    validity_minutes: Some(60),
                    message_ref: 7,
                    ..to("+1234")
                },
                single("hello", GSM7),
                "0031070491214300100B05E8329BFD06",
            ),
            // 8-bit reference: a 6-octet header, then one fill bit.
            (
                to("+1234"),
                Part {
                    text: "hello",
                    encoding: GSM7,
                    concat: Some(Concat { reference: 0x42, ref_bits: RefBits::Eight, seq: 1, total: 2 }),
                },
                "0041000491214300000C050003420201D06536FB0D",
            ),
            // 16-bit reference: a 7-octet header, no fill bits.
            (
                to("+1234"),
                Part {
                    text: "hello",
                    encoding: GSM7,
                    concat: Some(Concat { reference: 0x1234, ref_bits: RefBits::Sixteen, seq: 2, total: 3 }),
                },
                "0041000491214300000D06080412340302E8329BFD06",
            ),
            // National language shift elements.
            (
                to("+1234"),
                single("hello", Encoding::Gsm7(Tables { locking: Language::Turkish, single: Language::Spanish })),
                "0041000491214300000D06250101240102E8329BFD06",
            ),
            // UCS-2 with a header and a surrogate pair.
            (
                to("1"),
                Part {
                    text: "😀",
                    encoding: Encoding::Ucs2,
                    concat: Some(Concat { reference: 1, ref_bits: RefBits::Eight, seq: 1, total: 1 }),
                },
                "0041000181F1 00 08 0A 050003010101 D83DDE00",
            ),
        ];
        for (params, part, want) in cases {
            let want: heapless::String<400> = want.chars().filter(|c| !c.is_whitespace()).collect();
            let (got, tpdu_len) = hex_of(params, part).unwrap();
            assert_eq!(got, want, "{part:?}");
            let smsc_field = 1 + usize::from(u8::from_str_radix(&got[..2], 16).unwrap());
            assert_eq!(tpdu_len, got.len() / 2 - smsc_field);
        }
    }

    #[test]
    fn refusals() {
        let params = SubmitParams { destination: "+1234", ..Default::default() };
        let part = Part { text: "hi", encoding: GSM7, concat: None };
        let mut out = [0u8; MAX_PDU_OCTETS];
        let bad_number =
            Error::InvalidField { field: "TP-DA", reason: "a number is 1 to 20 digits after an optional +" };
        assert_eq!(encode_submit(&SubmitParams { destination: "12-34", ..params }, &part, &mut out), Err(bad_number));
        assert!(matches!(
            encode_submit(&SubmitParams { smsc: Some("x"), ..params }, &part, &mut out),
            Err(Error::InvalidField { field: "SMSC", .. })
        ));
        assert!(matches!(
            encode_submit(&SubmitParams { validity_minutes: Some(63 * 7 * 24 * 60 + 1), ..params }, &part, &mut out),
            Err(Error::InvalidField { field: "TP-VP", .. })
        ));
        assert_eq!(
            encode_submit(&params, &Part { text: "aç", ..part }, &mut out),
            Err(Error::Unrepresentable { ch: 'ç' })
        );
        let too_long = Err(Error::InvalidField { field: "TP-UD", reason: "text longer than one part holds" });
        let a161: heapless::String<161> = core::iter::repeat_n('a', 161).collect();
        assert_eq!(encode_submit(&params, &Part { text: &a161, ..part }, &mut out), too_long);
        assert!(encode_submit(&params, &Part { text: &a161[..160], ..part }, &mut out).is_ok());
        // 153 septets fit after an 8-bit concatenation header, 154 do not.
        let concat = Some(Concat { reference: 1, ref_bits: RefBits::Eight, seq: 1, total: 2 });
        assert!(encode_submit(&params, &Part { text: &a161[..153], concat, ..part }, &mut out).is_ok());
        assert_eq!(encode_submit(&params, &Part { text: &a161[..154], concat, ..part }, &mut out), too_long);
        assert_eq!(
            encode_submit(&params, &Part { text: &a161[..71], encoding: Encoding::Ucs2, ..part }, &mut out),
            too_long
        );
        let mut small = [0u8; 10];
        assert_eq!(encode_submit(&params, &part, &mut small), Err(Error::BufferTooSmall { needed: 12 }));
    }

    #[test]
    fn empty_text_after_a_header_keeps_the_fill_bit_octet() {
        // A 6-octet header is 7 septets with 1 fill bit: TP-UDL 7 says 7 octets of user data.
        let params = SubmitParams { destination: "0", ..Default::default() };
        let concat = Some(Concat { reference: 0, ref_bits: RefBits::Eight, seq: 1, total: 1 });
        let (got, tpdu_len) = hex_of(&params, &Part { text: "", encoding: GSM7, concat }).unwrap();
        assert_eq!(got.as_str(), "0041000181F000000705000300010100");
        assert_eq!(tpdu_len, got.len() / 2 - 1);
    }

    #[test]
    fn max_pdu_octets_is_the_spec_maximum() {
        assert_eq!(MAX_TPDU_OCTETS, 164);
        assert_eq!(MAX_PDU_OCTETS, 176);
    }

    /// Characters of a table pair: its main table and its single shift table.
    fn gsm7_char(tables: Tables) -> impl Strategy<Value = char> {
        let main = tables
            .main()
            .iter()
            .enumerate()
            .filter(|&(i, &c)| i != usize::from(ESC) && c != national::UNUSED)
            .map(|(_, &c)| c);
        let all: Vec<char> = main.chain(tables.shift_table().iter().map(|&(_, c)| c)).collect();
        proptest::sample::select(all)
    }

    /// The default tables half the time, else any pair of national tables.
    fn tables() -> impl Strategy<Value = Tables> {
        let lang = proptest::sample::select(Language::ALL.to_vec());
        prop_oneof![
            Just(Tables::DEFAULT),
            (lang.clone(), lang).prop_map(|(locking, single)| Tables { locking, single })
        ]
    }

    fn number() -> impl Strategy<Value = String> {
        (any::<bool>(), proptest::collection::vec(0u8..10, 1..=20)).prop_map(|(plus, digits)| {
            let mut s = String::from(if plus { "+" } else { "" });
            s.extend(digits.iter().map(|d| char::from(b'0' + d)));
            s
        })
    }

    fn concat() -> impl Strategy<Value = Option<Concat>> {
        proptest::option::of((any::<bool>(), any::<u16>(), 1u8..=255).prop_flat_map(|(sixteen, r, total)| {
            (1..=total).prop_map(move |seq| Concat {
                reference: if sixteen { r } else { r & 0xFF },
                ref_bits: if sixteen { RefBits::Sixteen } else { RefBits::Eight },
                seq,
                total,
            })
        }))
    }

    fn encoding_and_text() -> impl Strategy<Value = (Encoding, String)> {
        let ucs2 = proptest::collection::vec(any::<char>(), 0..80).prop_map(|t| (Encoding::Ucs2, String::from_iter(t)));
        let gsm7 = tables().prop_flat_map(|t| {
            proptest::collection::vec(gsm7_char(t), 0..170).prop_map(move |s| (Encoding::Gsm7(t), String::from_iter(s)))
        });
        prop_oneof![ucs2, gsm7]
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(
            (encoding, text) in encoding_and_text(),
            destination in number(),
            smsc in proptest::option::of(number()),
            message_ref in any::<u8>(),
            status_report in any::<bool>(),
            flash in any::<bool>(),
            validity_minutes in proptest::option::of(0u32..=validity::MAX_RELATIVE_MINUTES),
            concat in concat(),
        ) {
            let params = SubmitParams {
                smsc: smsc.as_deref(), destination: &destination, message_ref, status_report, validity_minutes, flash,
            };
            let part = Part { text: &text, encoding, concat };
            let fits = match encoding {
                Encoding::Ucs2 => {
                    udh::encoded_len(concat.as_ref(), Tables::DEFAULT) + 2 * text.encode_utf16().count() <= MAX_UD_OCTETS
                }
                Encoding::Gsm7(t) => {
                    (udh::encoded_len(concat.as_ref(), t) * 8).div_ceil(7) + t.septets(&text).unwrap() <= MAX_UD_SEPTETS
                }
            };
            let mut out = [0u8; MAX_PDU_OCTETS];
            let encoded = encode_submit(&params, &part, &mut out);
            prop_assert_eq!(encoded.is_ok(), fits, "{:?}", encoded);
            let Ok(EncodedPdu { octets, tpdu_len }) = encoded else { return Ok(()) };
            prop_assert!(octets.len() <= MAX_PDU_OCTETS);
            prop_assert_eq!(tpdu_len, octets.len() - 1 - usize::from(octets[0]));

            let Ok(Pdu::Submit(s)) = decode(octets) else { panic!("not a submit: {:?}", decode(octets)) };
            let mut shown = String::new();
            write!(shown, "{}", s.destination).unwrap();
            prop_assert_eq!(&shown, &destination);
            shown.clear();
            if let Some(a) = s.smsc {
                write!(shown, "{a}").unwrap();
            }
            prop_assert_eq!(shown.as_str(), smsc.as_deref().unwrap_or(""));
            prop_assert_eq!(s.message_ref, message_ref);
            prop_assert_eq!(s.status_report_request, status_report);
            prop_assert_eq!(s.dcs.class().is_some(), flash);
            prop_assert_eq!(s.validity, validity_minutes.map(|m| ValidityPeriod::Relative(validity::relative_octet(m).unwrap())));
            prop_assert!(s.user_data.raw().len() <= MAX_UD_OCTETS);
            prop_assert_eq!(s.user_data.udh().and_then(|h| h.concat()), concat);
            if let Encoding::Gsm7(t) = encoding {
                prop_assert_eq!(s.user_data.udh().map(|h| h.tables()).unwrap_or_default(), t);
            }
            let back: String = s.user_data.text().unwrap().collect();
            prop_assert_eq!(back, text);
        }
    }
}
