//! Allocation-free character iterators over text as PDUs carry it: GSM 7-bit septets (with the
//! escape to the single shift table) and UCS-2 / UTF-16BE octets.

use crate::codec::gsm7::{Tables, ESC};
use crate::codec::septet::Unpack;
use crate::codec::ucs2;

/// The characters of a GSM 7-bit septet stream read with a table pair.
#[derive(Debug, Clone)]
pub struct Gsm7Chars<'a> {
    septets: Unpack<'a>,
    tables: Tables,
}

impl<'a> Gsm7Chars<'a> {
    pub(crate) fn new(septets: Unpack<'a>, tables: Tables) -> Self {
        Gsm7Chars { septets, tables }
    }
}

impl Iterator for Gsm7Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let s = self.septets.next()?;
        if s == ESC {
            // An ESC with nothing after it is shown as a space (TS 23.038 §6.2.1.1 note 1).
            return Some(match self.septets.next() {
                Some(next) => self.tables.decode(next, true),
                None => ' ',
            });
        }
        Some(self.tables.decode(s, false))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.septets.len();
        (n.div_ceil(2), Some(n))
    }
}

/// The characters of a text part, whatever alphabet carried it.
///
/// UCS-2 is read as UTF-16 so that surrogate pairs (which modern phones send) become one
/// character; an unpaired surrogate becomes U+FFFD rather than an error, since the rest of the
/// text is still worth showing.
#[derive(Debug, Clone)]
pub struct Chars<'a> {
    inner: Inner<'a>,
}

#[derive(Debug, Clone)]
enum Inner<'a> {
    Gsm7(Gsm7Chars<'a>),
    Ucs2(ucs2::Decode<'a>),
}

impl<'a> Chars<'a> {
    pub(crate) fn gsm7(septets: Unpack<'a>, tables: Tables) -> Self {
        Chars { inner: Inner::Gsm7(Gsm7Chars::new(septets, tables)) }
    }

    pub(crate) fn ucs2(octets: &'a [u8]) -> Self {
        Chars { inner: Inner::Ucs2(ucs2::decode(octets)) }
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match &mut self.inner {
            Inner::Gsm7(it) => it.next(),
            Inner::Ucs2(it) => it.next(),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Chars<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Chars");
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Gsm7Chars<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Gsm7Chars");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::septet;

    fn collect<I: Iterator<Item = char>>(it: I) -> heapless::String<64> {
        let mut s = heapless::String::new();
        for c in it {
            s.push(c).unwrap();
        }
        s
    }

    #[test]
    fn ucs2_cases() {
        let cases: &[(&[u8], &str)] = &[
            (&[0x00, 0x41], "A"),
            (&[0x30, 0x42, 0x53, 0xF6], "あ叶"),
            (&[0xD8, 0x3D, 0xDE, 0x00], "😀"),
            (&[0xD8, 0x3D, 0x00, 0x41], "\u{FFFD}A"),
            (&[], ""),
        ];
        for (octets, text) in cases {
            assert_eq!(collect(Chars::ucs2(octets)).as_str(), *text);
        }
    }

    #[test]
    fn gsm7_escapes_and_trailing_escape() {
        // "a€" then a lone ESC at the end: ESC at the end reads as a space.
        let septets = [0x61u8, ESC, 0x65, ESC];
        let mut packed = [0u8; 8];
        let n = septet::pack(septets.iter().copied(), 0, &mut packed).unwrap();
        let chars = Chars::gsm7(septet::unpack(&packed[..n], 0, 4).unwrap(), Tables::DEFAULT);
        assert_eq!(collect(chars).as_str(), "a€ ");
    }
}
