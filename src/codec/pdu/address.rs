//! Addresses (TS 23.040 §9.1.2.5): the type-of-address octet, then BCD digits with an `F` filler
//! (§9.1.2.3), or for alphanumeric senders (type of number 5) GSM 7-bit packed text.
//!
//! Two length conventions exist. TP-OA, TP-DA and TP-RA count useful semi-octets; the SMSC field
//! that modems print in front of the TPDU (TS 27.005 §3.1, coded as in TS 24.011 §8.2.5.1) counts
//! octets, the type-of-address octet included.

use core::fmt;

use super::reader::Reader;
use super::text::Gsm7Chars;
use crate::codec::gsm7::Tables;
use crate::codec::{septet, Error};

/// Most digits an address holds: TS 23.040 §9.1.2.5 caps an address field at 12 octets, which
/// leaves 10 octets of two digits each after the length and type-of-address octets.
pub const MAX_ADDRESS_DIGITS: usize = 20;

/// Most octets after the SMSC field's length octet: the type of address and 10 octets of digits
/// (TS 24.011 §8.2.5.1 allows an RP address of up to 12 octets with its length octet).
pub const MAX_SMSC_OCTETS: usize = 1 + MAX_ADDRESS_DIGITS / 2;

/// Type of number: bits 6..4 of the type-of-address octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TypeOfNumber {
    Unknown,
    International,
    National,
    NetworkSpecific,
    Subscriber,
    /// GSM 7-bit text, e.g. a company name as sender.
    Alphanumeric,
    /// A short code.
    Abbreviated,
    Reserved,
}

impl TypeOfNumber {
    fn from_toa(toa: u8) -> Self {
        match (toa >> 4) & 0x07 {
            0 => TypeOfNumber::Unknown,
            1 => TypeOfNumber::International,
            2 => TypeOfNumber::National,
            3 => TypeOfNumber::NetworkSpecific,
            4 => TypeOfNumber::Subscriber,
            5 => TypeOfNumber::Alphanumeric,
            6 => TypeOfNumber::Abbreviated,
            _ => TypeOfNumber::Reserved,
        }
    }
}

/// Numbering plan identification: bits 3..0 of the type-of-address octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NumberingPlan {
    Unknown,
    /// ISDN / telephone numbering plan (E.164 / E.163).
    Isdn,
    /// Data numbering plan (X.121).
    Data,
    Telex,
    /// Service centre specific plans 1 and 2 (values 5 and 6).
    ServiceCentreSpecific(u8),
    National,
    Private,
    Ermes,
    /// A value TS 23.040 reserves, kept as received.
    Reserved(u8),
}

impl NumberingPlan {
    fn from_toa(toa: u8) -> Self {
        match toa & 0x0F {
            0 => NumberingPlan::Unknown,
            1 => NumberingPlan::Isdn,
            3 => NumberingPlan::Data,
            4 => NumberingPlan::Telex,
            n @ (5 | 6) => NumberingPlan::ServiceCentreSpecific(n - 4),
            8 => NumberingPlan::National,
            9 => NumberingPlan::Private,
            10 => NumberingPlan::Ermes,
            n => NumberingPlan::Reserved(n),
        }
    }
}

/// An address read from a PDU, borrowing its octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Address<'a> {
    toa: u8,
    /// Useful semi-octets in `value`.
    semi_octets: u8,
    value: &'a [u8],
}

/// Semi-octet values of TS 23.040 §9.1.2.3; `F` is the filler and never a digit.
const DIGITS: &[u8; 15] = b"0123456789*#abc";
const FILLER: u8 = 0x0F;

impl<'a> Address<'a> {
    /// Reads TP-OA, TP-DA or TP-RA: length in semi-octets, type of address, value.
    pub(crate) fn read_tp(r: &mut Reader<'a>, field: &'static str) -> Result<Self, Error> {
        let semi_octets = r.u8(field)?;
        if usize::from(semi_octets) > MAX_ADDRESS_DIGITS {
            return Err(Error::InvalidField { field, reason: "address longer than 20 semi-octets" });
        }
        let toa = r.u8(field)?;
        let value = r.take(usize::from(semi_octets).div_ceil(2), field)?;
        let mut semi_octets = semi_octets;
        // Some senders count the end mark `F` of an odd-length number as a digit; it is still
        // the end mark (§9.1.2.3), not part of the number.
        if TypeOfNumber::from_toa(toa) != TypeOfNumber::Alphanumeric
            && semi_octets > 0
            && nibble(value, usize::from(semi_octets) - 1) == FILLER
        {
            semi_octets -= 1;
        }
        Self::checked(toa, semi_octets, value, field)
    }

    /// Reads the SMSC field in front of a TPDU: `None` when it is empty (length 0) or holds a
    /// type of address but no digits.
    pub(crate) fn read_smsc(r: &mut Reader<'a>) -> Result<Option<Self>, Error> {
        const FIELD: &str = "SMSC";
        let len = usize::from(r.u8(FIELD)?);
        if len == 0 {
            return Ok(None);
        }
        if len > MAX_SMSC_OCTETS {
            return Err(Error::InvalidField { field: FIELD, reason: "SMSC address longer than 11 octets" });
        }
        let (&toa, value) = r.take(len, FIELD)?.split_first().ok_or(Error::Truncated { field: FIELD })?;
        let mut semi_octets = value.len() * 2;
        let alphanumeric = TypeOfNumber::from_toa(toa) == TypeOfNumber::Alphanumeric;
        if !alphanumeric && value.last().is_some_and(|&b| b >> 4 == FILLER) {
            semi_octets -= 1;
        }
        if semi_octets == 0 {
            return Ok(None);
        }
        // At most 20 semi-octets, checked above through `len`.
        let semi_octets = u8::try_from(semi_octets)
            .map_err(|_| Error::InvalidField { field: FIELD, reason: "SMSC address longer than 11 octets" })?;
        Self::checked(toa, semi_octets, value, FIELD).map(Some)
    }

    fn checked(toa: u8, semi_octets: u8, value: &'a [u8], field: &'static str) -> Result<Self, Error> {
        let addr = Address { toa, semi_octets, value };
        if !addr.is_alphanumeric() && addr.semi_octets().any(|n| n == FILLER) {
            return Err(Error::InvalidField { field, reason: "filler semi-octet F inside the number" });
        }
        Ok(addr)
    }

    /// The type-of-address octet as received.
    pub fn type_of_address(&self) -> u8 {
        self.toa
    }

    pub fn type_of_number(&self) -> TypeOfNumber {
        TypeOfNumber::from_toa(self.toa)
    }

    pub fn numbering_plan(&self) -> NumberingPlan {
        NumberingPlan::from_toa(self.toa)
    }

    pub fn is_alphanumeric(&self) -> bool {
        self.type_of_number() == TypeOfNumber::Alphanumeric
    }

    pub fn is_international(&self) -> bool {
        self.type_of_number() == TypeOfNumber::International
    }

    /// The address value as received: BCD semi-octets or packed septets.
    pub fn raw(&self) -> &'a [u8] {
        self.value
    }

    /// True when the address holds no digits or characters.
    pub fn is_empty(&self) -> bool {
        self.semi_octets == 0
    }

    /// The digits (`0-9 * # a b c`, without a leading `+`) or, for an alphanumeric address, its
    /// characters.
    pub fn chars(&self) -> AddressChars<'a> {
        if self.is_alphanumeric() {
            // Semi-octets count 4-bit units; whole septets only (TS 23.040 §9.1.2.5).
            // They always fit: 7 * floor(4n / 7) bits <= 8 * ceil(n / 2) bits.
            let septets = usize::from(self.semi_octets) * 4 / 7;
            let inner = match septet::unpack(self.value, 0, septets) {
                Ok(unpacked) => CharsInner::Alpha(Gsm7Chars::new(unpacked, Tables::DEFAULT)),
                Err(_) => CharsInner::Digits { value: &[], next: 0, end: 0 },
            };
            AddressChars { inner }
        } else {
            AddressChars { inner: CharsInner::Digits { value: self.value, next: 0, end: self.semi_octets } }
        }
    }

    fn semi_octets(&self) -> impl Iterator<Item = u8> + 'a {
        let value = self.value;
        (0..usize::from(self.semi_octets)).map(move |i| nibble(value, i))
    }
}

/// Semi-octet `i`: the low nibble of an octet comes first.
fn nibble(value: &[u8], i: usize) -> u8 {
    let b = value.get(i / 2).copied().unwrap_or(0xFF);
    if i % 2 == 0 {
        b & 0x0F
    } else {
        b >> 4
    }
}

/// `+` for international numbers, then the digits; alphanumeric addresses as their text.
impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        if self.is_international() {
            f.write_char('+')?;
        }
        self.chars().try_for_each(|c| f.write_char(c))
    }
}

/// The characters of an [`Address`], see [`Address::chars`].
#[derive(Debug, Clone)]
pub struct AddressChars<'a> {
    inner: CharsInner<'a>,
}

#[derive(Debug, Clone)]
enum CharsInner<'a> {
    Digits { value: &'a [u8], next: u8, end: u8 },
    Alpha(Gsm7Chars<'a>),
}

impl Iterator for AddressChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match &mut self.inner {
            CharsInner::Alpha(chars) => chars.next(),
            CharsInner::Digits { value, next, end } => {
                if *next >= *end {
                    return None;
                }
                let n = nibble(value, usize::from(*next));
                *next += 1;
                DIGITS.get(usize::from(n)).map(|&d| char::from(d))
            }
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for AddressChars<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "AddressChars");
    }
}

/// A number to send to, checked: an optional `+`, then 1 to 20 decimal digits.
///
/// `+` makes it international (type of address `0x91`); anything else (national numbers, short
/// codes) goes with type of number "unknown" (`0x81`), which the network routes as if it had been
/// dialled on a handset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Number<'a> {
    international: bool,
    digits: &'a str,
}

impl<'a> Number<'a> {
    /// Checks `text`; `field` names it in the error (`"TP-DA"`, `"SMSC"`).
    pub fn parse(text: &'a str, field: &'static str) -> Result<Self, Error> {
        let (international, digits) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || digits.len() > MAX_ADDRESS_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidField { field, reason: "a number is 1 to 20 digits after an optional +" });
        }
        Ok(Number { international, digits })
    }

    pub fn is_international(&self) -> bool {
        self.international
    }

    /// The digits, without `+`.
    pub fn digits(&self) -> &'a str {
        self.digits
    }

    /// Type of address: international/ISDN or unknown/ISDN.
    pub fn type_of_address(&self) -> u8 {
        if self.international {
            0x91
        } else {
            0x81
        }
    }

    /// Octets the BCD digits take.
    pub fn bcd_len(&self) -> usize {
        self.digits.len().div_ceil(2)
    }

    /// Writes the digits as swapped BCD with an `F` filler; returns the octets written.
    pub fn write_bcd(&self, out: &mut [u8]) -> Result<usize, Error> {
        let n = self.bcd_len();
        let out = out.get_mut(..n).ok_or(Error::BufferTooSmall { needed: n })?;
        for (o, pair) in out.iter_mut().zip(self.digits.as_bytes().chunks(2)) {
            let lo = pair.first().map_or(FILLER, |d| d - b'0');
            let hi = pair.get(1).map_or(FILLER, |d| d - b'0');
            *o = (hi << 4) | lo;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(a: &Address<'_>) -> heapless::String<32> {
        let mut s = heapless::String::new();
        fmt::write(&mut s, format_args!("{a}")).unwrap();
        s
    }

    fn tp(octets: &[u8]) -> Result<Address<'_>, Error> {
        let mut r = Reader::new(octets);
        let a = Address::read_tp(&mut r, "TP-OA")?;
        assert!(r.rest().is_empty(), "address left octets over");
        Ok(a)
    }

    #[test]
    fn tp_addresses() {
        let cases: &[(&[u8], &str, TypeOfNumber)] = &[
            // International, odd length: the last octet's high nibble is the filler.
            (&[0x0B, 0x91, 0x72, 0x28, 0x21, 0x43, 0x65, 0xF7], "+27821234567", TypeOfNumber::International),
            // Even length, no filler.
            (&[0x0C, 0x91, 0x44, 0x97, 0x11, 0x21, 0x43, 0x65], "+447911123456", TypeOfNumber::International),
            // Short code, type unknown.
            (&[0x04, 0x81, 0x23, 0x00], "3200", TypeOfNumber::Unknown),
            // National.
            (&[0x0B, 0xA1, 0x33, 0x07, 0x57, 0x02, 0x30, 0xF0], "33707520030", TypeOfNumber::National),
            // Odd length of one.
            (&[0x01, 0x81, 0xF5], "5", TypeOfNumber::Unknown),
            // Empty.
            (&[0x00, 0x81], "", TypeOfNumber::Unknown),
            // §9.1.2.3: 1010 '*', 1011 '#', 1100 'a', 1101 'b', 1110 'c'.
            (&[0x06, 0x81, 0xBA, 0xDC, 0x1E], "*#abc1", TypeOfNumber::Unknown),
            // A length that counts the end mark.
            (&[0x0C, 0x91, 0x06, 0x61, 0x34, 0x55, 0x42, 0xF6], "+60164355246", TypeOfNumber::International),
            // Alphanumeric: 6 semi-octets hold 3 septets, "O2_".
            (&[0x06, 0xD0, 0x4F, 0x59, 0x04], "O2_", TypeOfNumber::Alphanumeric),
            // Alphanumeric: 13 semi-octets hold 7 septets.
            (&[0x0D, 0xD0, 0xCD, 0xF2, 0x39, 0x6C, 0x7E, 0xBB, 0x01], "Megafon", TypeOfNumber::Alphanumeric),
        ];
        for (octets, want, ton) in cases {
            let a = tp(octets).unwrap();
            assert_eq!(text(&a).as_str(), *want, "{octets:02X?}");
            assert_eq!(a.type_of_number(), *ton);
        }
    }

    #[test]
    fn bad_tp_addresses() {
        let cases: &[(&[u8], Error)] = &[
            (&[0x0B, 0x91, 0x72, 0x28], Error::Truncated { field: "TP-OA" }),
            (&[0x0B], Error::Truncated { field: "TP-OA" }),
            (&[0x15, 0x91], Error::InvalidField { field: "TP-OA", reason: "address longer than 20 semi-octets" }),
            (
                &[0x04, 0x81, 0x1F, 0x23],
                Error::InvalidField { field: "TP-OA", reason: "filler semi-octet F inside the number" },
            ),
        ];
        for (octets, err) in cases {
            assert_eq!(tp(octets).unwrap_err(), *err, "{octets:02X?}");
        }
    }

    #[test]
    fn smsc_field() {
        let smsc = |octets: &'static [u8]| {
            let mut r = Reader::new(octets);
            Address::read_smsc(&mut r).map(|a| a.map(|a| text(&a)))
        };
        assert_eq!(smsc(&[0x00]), Ok(None));
        assert_eq!(smsc(&[0x01, 0x81]), Ok(None));
        assert_eq!(smsc(&[0x02, 0x97, 0xF1]).unwrap().unwrap().as_str(), "+1");
        assert_eq!(smsc(&[0x05, 0x91, 0x72, 0x18, 0x91, 0xF1]).unwrap().unwrap().as_str(), "+2781191");
        assert_eq!(smsc(&[0x05, 0x81, 0x63, 0x46, 0x50, 0x10]).unwrap().unwrap().as_str(), "36640501");
        assert_eq!(smsc(&[0x03, 0x91, 0x72]), Err(Error::Truncated { field: "SMSC" }));
        assert!(matches!(smsc(&[0x0C]), Err(Error::InvalidField { field: "SMSC", .. })));
        assert!(matches!(smsc(&[0x03, 0x91, 0xF1, 0x21]), Err(Error::InvalidField { field: "SMSC", .. })));
    }

    #[test]
    fn numbers_to_send_to() {
        let mut out = [0u8; 10];
        let n = Number::parse("+27821234567", "TP-DA").unwrap();
        assert_eq!((n.type_of_address(), n.write_bcd(&mut out)), (0x91, Ok(6)));
        assert_eq!(&out[..6], &[0x72, 0x28, 0x21, 0x43, 0x65, 0xF7]);
        let n = Number::parse("3200", "TP-DA").unwrap();
        assert_eq!((n.type_of_address(), n.write_bcd(&mut out)), (0x81, Ok(2)));
        assert_eq!(&out[..2], &[0x23, 0x00]);
        let bad = Error::InvalidField { field: "TP-DA", reason: "a number is 1 to 20 digits after an optional +" };
        for s in ["", "+", "12a", "++1", "+1 2", "123456789012345678901", "１２"] {
            assert_eq!(Number::parse(s, "TP-DA"), Err(bad), "{s:?}");
        }
        assert!(Number::parse("+12345678901234567890", "TP-DA").is_ok());
    }
}
