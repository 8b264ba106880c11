//! TP-UDL and TP-UD (TS 23.040 §9.2.3.16, §9.2.3.24): the user data, its optional header, and
//! the text or octets after it.
//!
//! For uncompressed GSM 7-bit text TP-UDL counts septets — the header's included, rounded up to
//! whole septets — and the text starts after fill bits that align it to a septet boundary. For
//! every other coding (8-bit, UCS-2, and any compressed data) it counts octets.

use super::dcs::{Alphabet, Dcs};
use super::reader::Reader;
use super::text::Chars;
use super::udh::Udh;
use crate::codec::{septet, Error};

/// Most user data octets in an SMS-DELIVER or SMS-SUBMIT (TS 23.040 §9.2.3.24).
pub use crate::codec::encoding::MAX_UD_OCTETS;

/// Most septets of GSM 7-bit user data: 140 octets of 8 bits hold 160 septets.
pub const MAX_UD_SEPTETS: usize = MAX_UD_OCTETS * 8 / 7;

/// Most user data octets in an SMS-STATUS-REPORT: TS 23.040 §9.2.2.3 lets its TP-UD reach 143
/// octets when TP-RA is at its shortest and TP-PID and TP-DCS are absent.
pub const MAX_STATUS_REPORT_UD_OCTETS: usize = 143;

/// A checked TP-UD: its lengths agree with TP-UDL and its header, if any, is well formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UserData<'a> {
    dcs: Dcs,
    udl: u8,
    raw: &'a [u8],
    udh: Option<Udh<'a>>,
    body: &'a [u8],
    fill_bits: u8,
    /// Septets of text after the header (uncompressed GSM 7-bit only).
    text_septets: usize,
}

impl<'a> UserData<'a> {
    /// Reads TP-UDL and TP-UD. `udhi` is TP-UDHI from the first octet; `max_octets` the most
    /// user data octets the message type allows.
    pub(crate) fn read(r: &mut Reader<'a>, dcs: Dcs, udhi: bool, max_octets: usize) -> Result<Self, Error> {
        let udl = r.u8("TP-UDL")?;
        let septets = dcs.alphabet() == Alphabet::Gsm7 && !dcs.is_compressed();
        let octets = if septets {
            if usize::from(udl) > max_octets * 8 / 7 {
                return Err(Error::InvalidField { field: "TP-UDL", reason: "more septets than the user data holds" });
            }
            septet::packed_len(usize::from(udl), 0)
        } else {
            if usize::from(udl) > max_octets {
                return Err(Error::InvalidField { field: "TP-UDL", reason: "more octets than the user data holds" });
            }
            usize::from(udl)
        };
        let raw = r.take(octets, "TP-UD")?;
        let mut ud = UserData { dcs, udl, raw, udh: None, body: raw, fill_bits: 0, text_septets: usize::from(udl) };
        // A TP-UDHI with no user data at all announces a header that is not there; there is
        // nothing to read, so it is taken as no header.
        if let (true, Some(&udhl)) = (udhi, raw.first()) {
            let header_octets = 1 + usize::from(udhl);
            let too_long = Error::InvalidField { field: "TP-UDHL", reason: "header longer than the user data" };
            let ies = raw.get(1..header_octets).ok_or(too_long)?;
            ud.udh = Some(Udh::parse(ies)?);
            ud.body = raw.get(header_octets..).ok_or(too_long)?;
            if septets {
                let header_septets = (header_octets * 8).div_ceil(7);
                ud.text_septets = usize::from(udl).checked_sub(header_septets).ok_or(too_long)?;
                ud.fill_bits = septet::fill_bits_after(header_octets);
            }
        }
        if dcs.alphabet() == Alphabet::Ucs2 && !dcs.is_compressed() && ud.body.len() % 2 != 0 {
            return Err(Error::InvalidField { field: "TP-UD", reason: "UCS-2 text with an odd number of octets" });
        }
        Ok(ud)
    }

    pub fn dcs(&self) -> Dcs {
        self.dcs
    }

    /// TP-UDL as received: septets for uncompressed GSM 7-bit, octets otherwise.
    pub fn length(&self) -> u8 {
        self.udl
    }

    /// The whole TP-UD, header included.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The user data header, when TP-UDHI announced one.
    pub fn udh(&self) -> Option<Udh<'a>> {
        self.udh
    }

    /// The octets after the header: packed septets (fill bits first), UCS-2, or 8-bit data.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The text, decoded with the national language tables the header selects.
    ///
    /// `Error::Unsupported` for 8-bit data (which is not text: see [`body`](Self::body)) and
    /// for compressed user data, which this codec does not decompress; the rest of the PDU
    /// still decodes, so such a message can be stored and shown as octets.
    pub fn text(&self) -> Result<Chars<'a>, Error> {
        if self.dcs.is_compressed() {
            return Err(Error::Unsupported { field: "TP-DCS", reason: "compressed user data (TS 23.042)" });
        }
        match self.dcs.alphabet() {
            Alphabet::Gsm7 => {
                let tables = self.udh.map(|h| h.tables()).unwrap_or_default();
                Ok(Chars::gsm7(septet::unpack(self.body, self.fill_bits, self.text_septets)?, tables))
            }
            Alphabet::Ucs2 => Ok(Chars::ucs2(self.body)),
            Alphabet::EightBit => Err(Error::Unsupported { field: "TP-DCS", reason: "8-bit data is not text" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(octets: &[u8], dcs: u8, udhi: bool) -> Result<UserData<'_>, Error> {
        let mut r = Reader::new(octets);
        let ud = UserData::read(&mut r, Dcs::new(dcs), udhi, MAX_UD_OCTETS)?;
        assert!(r.rest().is_empty());
        Ok(ud)
    }

    fn text(ud: &UserData<'_>) -> heapless::String<160> {
        ud.text().unwrap().collect()
    }

    #[test]
    fn gsm7_without_header() {
        let ud = read(&[0x0A, 0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37], 0x00, false).unwrap();
        assert_eq!(text(&ud).as_str(), "hellohello");
        assert_eq!(ud.udh(), None);
    }

    #[test]
    fn gsm7_after_a_six_octet_header_skips_one_fill_bit() {
        // UDH 05 00 03 C3 01 01 (48 bits = 7 septets with 1 fill bit), then "Hi".
        let mut octets = [0u8; 16];
        octets[..7].copy_from_slice(&[9, 0x05, 0x00, 0x03, 0xC3, 0x01, 0x01]);
        let n = septet::pack(*b"Hi", 1, &mut octets[7..]).unwrap();
        let ud = read(&octets[..7 + n], 0x00, true).unwrap();
        assert_eq!(text(&ud).as_str(), "Hi");
        assert_eq!(ud.udh().unwrap().concat().map(|c| (c.seq, c.total)), Some((1, 1)));
    }

    #[test]
    fn ucs2_and_eight_bit() {
        let ud = read(&[0x04, 0x06, 0x28, 0x06, 0x2A], 0x08, false).unwrap();
        assert_eq!(text(&ud).as_str(), "بت");
        let ud = read(&[0x03, 0x01, 0x02, 0x03], 0x04, false).unwrap();
        assert_eq!(ud.body(), &[1, 2, 3]);
        assert_eq!(ud.text().unwrap_err(), Error::Unsupported { field: "TP-DCS", reason: "8-bit data is not text" });
    }

    #[test]
    fn compressed_data_is_octets_and_has_no_text() {
        let ud = read(&[0x02, 0xAA, 0xBB], 0x20, false).unwrap();
        assert_eq!(ud.body(), &[0xAA, 0xBB]);
        assert!(matches!(ud.text(), Err(Error::Unsupported { field: "TP-DCS", .. })));
    }

    #[test]
    fn udhi_without_user_data_is_no_header() {
        let ud = read(&[0x00], 0x00, true).unwrap();
        assert_eq!((ud.udh(), text(&ud).as_str()), (None, ""));
    }

    #[test]
    fn bad_lengths() {
        let too_long = Error::InvalidField { field: "TP-UDHL", reason: "header longer than the user data" };
        let cases: &[(&[u8], u8, bool, Error)] = &[
            (
                &[161],
                0x00,
                false,
                Error::InvalidField { field: "TP-UDL", reason: "more septets than the user data holds" },
            ),
            (
                &[141],
                0x04,
                false,
                Error::InvalidField { field: "TP-UDL", reason: "more octets than the user data holds" },
            ),
            (
                &[141],
                0x08,
                false,
                Error::InvalidField { field: "TP-UDL", reason: "more octets than the user data holds" },
            ),
            (&[0x03, 0x00, 0x00], 0x04, false, Error::Truncated { field: "TP-UD" }),
            (&[], 0x04, false, Error::Truncated { field: "TP-UDL" }),
            (&[0x02, 0x05, 0x00], 0x04, true, too_long),
            // 8 septets = 7 octets: a 6-octet header takes 7 septets, a 7-octet one 8.
            (&[0x07, 0x06, 0x00, 0x04, 1, 2, 3, 4], 0x00, true, too_long),
            (
                &[0x03, 0x00, 0x00, 0x00],
                0x08,
                false,
                Error::InvalidField { field: "TP-UD", reason: "UCS-2 text with an odd number of octets" },
            ),
            (
                &[0x03, 0x02, 0x00, 0x05],
                0x04,
                true,
                Error::InvalidField { field: "TP-UDH", reason: "information element longer than the header" },
            ),
        ];
        for (octets, dcs, udhi, err) in cases {
            assert_eq!(read(octets, *dcs, *udhi).unwrap_err(), *err, "{octets:02X?}");
        }
        // Exactly as long as the header: no text.
        let ud = read(&[0x08, 0x06, 0x00, 0x04, 1, 2, 3, 4], 0x00, true).unwrap();
        assert_eq!(text(&ud).as_str(), "");
    }
}
