//! The user data header (TS 23.040 §9.2.3.24): a length octet, then information elements of
//! (identifier, length, data). Every element is kept; the ones this gateway acts on are parsed:
//! concatenation (IEI `00` and `08`) and the national language shifts (IEI `24` and `25`).

use crate::codec::encoding::{self, Encoding, RefBits};
use crate::codec::gsm7::{Language, Tables};
use crate::codec::Error;

/// Concatenated short message, 8-bit reference (§9.2.3.24.1).
pub const IEI_CONCAT_8: u8 = 0x00;
/// Concatenated short message, 16-bit reference (§9.2.3.24.8).
pub const IEI_CONCAT_16: u8 = 0x08;
/// National language single shift (§9.2.3.24.15).
pub const IEI_SINGLE_SHIFT: u8 = 0x24;
/// National language locking shift (§9.2.3.24.16).
pub const IEI_LOCKING_SHIFT: u8 = 0x25;

/// One information element, borrowing the PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InformationElement<'a> {
    pub iei: u8,
    pub data: &'a [u8],
}

/// Where a part sits in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Concat {
    /// Same for every part of one message (at most 255 with [`RefBits::Eight`]).
    pub reference: u16,
    pub ref_bits: RefBits,
    /// 1-based number of this part.
    pub seq: u8,
    /// Number of parts.
    pub total: u8,
}

impl Concat {
    /// Reads a concatenation element; `None` for another element or one TS 23.040 says to
    /// ignore (wrong length, zero parts, or a sequence number of 0 or above the total).
    pub fn from_ie(ie: &InformationElement<'_>) -> Option<Concat> {
        let (reference, ref_bits, total, seq) = match (ie.iei, ie.data) {
            (IEI_CONCAT_8, &[r, total, seq]) => (u16::from(r), RefBits::Eight, total, seq),
            (IEI_CONCAT_16, &[hi, lo, total, seq]) => (u16::from_be_bytes([hi, lo]), RefBits::Sixteen, total, seq),
            _ => return None,
        };
        (total != 0 && seq != 0 && seq <= total).then_some(Concat { reference, ref_bits, seq, total })
    }
}

/// A checked user data header: every element's length fits inside the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Udh<'a> {
    /// The elements, after the length octet.
    ies: &'a [u8],
}

impl<'a> Udh<'a> {
    /// Checks the elements of a header (`ies` excludes the UDHL octet).
    pub fn parse(ies: &'a [u8]) -> Result<Self, Error> {
        let mut rest = ies;
        while !rest.is_empty() {
            let len = *rest.get(1).ok_or(Error::InvalidField {
                field: "TP-UDH",
                reason: "information element cut off by the header length",
            })?;
            let end = 2 + usize::from(len);
            rest = rest
                .get(end..)
                .ok_or(Error::InvalidField { field: "TP-UDH", reason: "information element longer than the header" })?;
        }
        Ok(Udh { ies })
    }

    /// Octets the header takes in the user data, its length octet included.
    pub fn len(&self) -> usize {
        1 + self.ies.len()
    }

    /// Never true: a header has at least its length octet.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The elements' octets, after the length octet.
    pub fn raw(&self) -> &'a [u8] {
        self.ies
    }

    /// Every element, in order.
    pub fn ies(&self) -> InformationElements<'a> {
        InformationElements { rest: self.ies }
    }

    /// The concatenation element, if a usable one is present (the last one wins, as for every
    /// element TS 23.040 forbids repeating).
    pub fn concat(&self) -> Option<Concat> {
        self.ies().filter_map(|ie| Concat::from_ie(&ie)).last()
    }

    /// The table pair the national language shift elements select. An unknown language or an
    /// element of the wrong length leaves the default table in place (TS 23.038 §6.2.1.2.4).
    pub fn tables(&self) -> Tables {
        let mut tables = Tables::DEFAULT;
        for ie in self.ies() {
            let lang = match ie.data {
                &[id] => Language::from_id(id).unwrap_or_default(),
                _ => continue,
            };
            match ie.iei {
                IEI_SINGLE_SHIFT => tables.single = lang,
                IEI_LOCKING_SHIFT => tables.locking = lang,
                _ => {}
            }
        }
        tables
    }
}

/// Iterator over the elements of a checked [`Udh`].
#[derive(Debug, Clone)]
pub struct InformationElements<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for InformationElements<'a> {
    type Item = InformationElement<'a>;

    fn next(&mut self) -> Option<InformationElement<'a>> {
        let (&iei, after) = self.rest.split_first()?;
        let (&len, after) = after.split_first()?;
        let data = after.get(..usize::from(len))?;
        self.rest = after.get(usize::from(len)..)?;
        Some(InformationElement { iei, data })
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for InformationElements<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "InformationElements({=[u8]})", self.rest);
    }
}

/// Octets the header for these elements takes, its length octet included; 0 when there are
/// none. The same count [`encoding::plan`] sizes parts with.
pub fn encoded_len(concat: Option<&Concat>, tables: Tables) -> usize {
    let ref_bits = concat.map_or(RefBits::default(), |c| c.ref_bits);
    encoding::udh_octets(Encoding::Gsm7(tables), concat.is_some(), ref_bits)
}

/// Writes a header with a concatenation element and the shift elements `tables` needs; returns
/// the octets written (0 when there is nothing to say).
pub fn write(concat: Option<&Concat>, tables: Tables, out: &mut [u8]) -> Result<usize, Error> {
    let n = encoded_len(concat, tables);
    if n == 0 {
        return Ok(0);
    }
    let mut buf: heapless::Vec<u8, 16> = heapless::Vec::new();
    // At most 1 + 6 + 3 + 3 = 13 octets: the pushes below cannot overflow 16.
    let mut push = |bytes: &[u8]| buf.extend_from_slice(bytes).map_err(|_| Error::BufferTooSmall { needed: n });
    push(&[(n - 1) as u8])?;
    if let Some(c) = concat {
        if c.total == 0 || c.seq == 0 || c.seq > c.total {
            return Err(Error::InvalidField { field: "TP-UDH", reason: "part number outside 1..=total" });
        }
        match c.ref_bits {
            RefBits::Eight => {
                let r = u8::try_from(c.reference)
                    .map_err(|_| Error::InvalidField { field: "TP-UDH", reason: "8-bit reference above 255" })?;
                push(&[IEI_CONCAT_8, 3, r, c.total, c.seq])?;
            }
            RefBits::Sixteen => {
                let [hi, lo] = c.reference.to_be_bytes();
                push(&[IEI_CONCAT_16, 4, hi, lo, c.total, c.seq])?;
            }
        }
    }
    if tables.locking != Language::Default {
        push(&[IEI_LOCKING_SHIFT, 1, tables.locking as u8])?;
    }
    if tables.single != Language::Default {
        push(&[IEI_SINGLE_SHIFT, 1, tables.single as u8])?;
    }
    let out = out.get_mut(..n).ok_or(Error::BufferTooSmall { needed: n })?;
    out.copy_from_slice(&buf);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_and_concat() {
        // 8-bit concat, then a port element, then an unknown one.
        let ies = [0x00, 0x03, 0xC3, 0x02, 0x01, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x70, 0x00];
        let udh = Udh::parse(&ies).unwrap();
        assert_eq!(udh.len(), 14);
        let all: heapless::Vec<InformationElement<'_>, 4> = udh.ies().collect();
        assert_eq!(
            all.as_slice(),
            &[
                InformationElement { iei: 0x00, data: &[0xC3, 0x02, 0x01] },
                InformationElement { iei: 0x05, data: &[0x0B, 0x84, 0x23, 0xF0] },
                InformationElement { iei: 0x70, data: &[] },
            ]
        );
        assert_eq!(udh.concat(), Some(Concat { reference: 0xC3, ref_bits: RefBits::Eight, seq: 1, total: 2 }));
    }

    #[test]
    fn concat_elements_to_ignore() {
        let c = |iei, data: &[u8]| Concat::from_ie(&InformationElement { iei, data });
        assert_eq!(
            c(0x08, &[0x12, 0x34, 3, 3]),
            Some(Concat { reference: 0x1234, ref_bits: RefBits::Sixteen, seq: 3, total: 3 })
        );
        assert_eq!(c(0x00, &[1, 0, 0]), None); // zero parts
        assert_eq!(c(0x00, &[1, 2, 0]), None); // part 0
        assert_eq!(c(0x00, &[1, 2, 3]), None); // part 3 of 2
        assert_eq!(c(0x00, &[1, 2]), None); // wrong length
        assert_eq!(c(0x08, &[1, 2, 1]), None);
        assert_eq!(c(0x05, &[1, 2, 1]), None);
    }

    #[test]
    fn malformed_headers() {
        let overrun = Error::InvalidField { field: "TP-UDH", reason: "information element longer than the header" };
        let cut = Error::InvalidField { field: "TP-UDH", reason: "information element cut off by the header length" };
        assert_eq!(Udh::parse(&[0x00, 0x03, 0x01, 0x02]), Err(overrun));
        assert_eq!(Udh::parse(&[0x00]), Err(cut));
        assert_eq!(Udh::parse(&[0x00, 0x00, 0x24]), Err(cut));
        assert!(Udh::parse(&[]).is_ok());
    }

    #[test]
    fn shift_tables() {
        let udh = Udh::parse(&[0x25, 0x01, 0x01, 0x24, 0x01, 0x02]).unwrap();
        assert_eq!(udh.tables(), Tables { locking: Language::Turkish, single: Language::Spanish });
        // Unknown language id and wrong length leave the default.
        let udh = Udh::parse(&[0x25, 0x01, 0x63, 0x24, 0x02, 0x01, 0x01]).unwrap();
        assert_eq!(udh.tables(), Tables::DEFAULT);
    }

    #[test]
    fn written_headers_read_back() {
        let concat = Concat { reference: 0x1234, ref_bits: RefBits::Sixteen, seq: 2, total: 3 };
        let tables = Tables { locking: Language::Portuguese, single: Language::Turkish };
        let mut out = [0u8; 16];
        let n = write(Some(&concat), tables, &mut out).unwrap();
        assert_eq!(n, encoded_len(Some(&concat), tables));
        assert_eq!(&out[..n], &[12, 0x08, 4, 0x12, 0x34, 3, 2, 0x25, 1, 3, 0x24, 1, 1]);
        let udh = Udh::parse(&out[1..n]).unwrap();
        assert_eq!((udh.concat(), udh.tables()), (Some(concat), tables));

        let eight = Concat { reference: 7, ref_bits: RefBits::Eight, seq: 1, total: 2 };
        assert_eq!(write(Some(&eight), Tables::DEFAULT, &mut out), Ok(6));
        assert_eq!(&out[..6], &[5, 0x00, 3, 7, 2, 1]);
        assert_eq!(write(None, Tables::DEFAULT, &mut out), Ok(0));
        let big = Concat { reference: 256, ..eight };
        assert!(matches!(write(Some(&big), Tables::DEFAULT, &mut out), Err(Error::InvalidField { .. })));
        let bad_seq = Concat { seq: 3, ..eight };
        assert!(matches!(write(Some(&bad_seq), Tables::DEFAULT, &mut out), Err(Error::InvalidField { .. })));
        assert_eq!(write(Some(&eight), Tables::DEFAULT, &mut out[..5]), Err(Error::BufferTooSmall { needed: 6 }));
    }
}
