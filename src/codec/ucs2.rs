//! UCS-2 as SMS carries it: UTF-16 big-endian, surrogate pairs included.
//!
//! TS 23.038 §6.2.3 names the 16-bit alphabet UCS2, but every current handset sends and expects
//! UTF-16 (a character outside the BMP travels as a surrogate pair), so that is what is written
//! and read here. Counting is in UTF-16 code units ("units"), the quantity that fills a part.

use super::Error;

/// What a malformed unit sequence decodes to: an unpaired surrogate, or a lone trailing octet.
pub const REPLACEMENT: char = char::REPLACEMENT_CHARACTER;

/// UTF-16 code units `text` takes (a character outside the BMP takes two).
pub fn units(text: &str) -> usize {
    // Counted on the UTF-8 bytes, without decoding: one unit a character, and one more for each
    // character outside the BMP, the ones whose UTF-8 lead byte is 11110xxx. Both counts are
    // plain byte scans the compiler vectorises.
    text.chars().count() + text.bytes().filter(|&b| b >= 0xF0).count()
}

/// UTF-16 code units of the character whose UTF-8 lead byte is `lead`, and its UTF-8 length.
#[inline]
pub(crate) fn units_of_lead(lead: u8) -> (usize, usize) {
    match lead {
        0x00..=0x7F => (1, 1),
        0x80..=0xDF => (1, 2),
        0xE0..=0xEF => (1, 3),
        _ => (2, 4),
    }
}

/// Iterates the UTF-16 code units of `text`, surrogate pairs included.
pub fn encode(text: &str) -> core::str::EncodeUtf16<'_> {
    text.encode_utf16()
}

/// Writes `text` as UTF-16BE octets into `out` and returns the number of octets written.
///
/// Nothing is written if `out` is too small: the error names the octets needed.
pub fn encode_into(text: &str, out: &mut [u8]) -> Result<usize, Error> {
    let needed = 2 * units(text);
    if needed > out.len() {
        return Err(Error::BufferTooSmall { needed });
    }
    for (pair, unit) in out.chunks_exact_mut(2).zip(text.encode_utf16()) {
        pair.copy_from_slice(&unit.to_be_bytes());
    }
    Ok(needed)
}

/// Iterates the characters of UTF-16BE `octets`.
///
/// A message from the network is shown rather than refused: an unpaired surrogate decodes to
/// [`REPLACEMENT`] (as the Unicode standard recommends for ill-formed UTF-16), and so does a lone
/// trailing octet of an odd-length input, so that the damage stays visible where it is.
pub fn decode(octets: &[u8]) -> Decode<'_> {
    let pairs = octets.chunks_exact(2);
    let odd = !pairs.remainder().is_empty();
    Decode { inner: core::char::decode_utf16(Units { pairs }), odd }
}

/// The UTF-16BE code units of an octet slice, two octets each; see [`decode`].
#[derive(Debug, Clone)]
pub struct Units<'a> {
    pairs: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for Units<'_> {
    type Item = u16;

    #[inline]
    fn next(&mut self) -> Option<u16> {
        match *self.pairs.next()? {
            [hi, lo] => Some(u16::from_be_bytes([hi, lo])),
            // `chunks_exact(2)` yields only two-octet chunks.
            _ => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.pairs.size_hint()
    }
}

/// Iterator returned by [`decode`].
#[derive(Debug, Clone)]
pub struct Decode<'a> {
    inner: core::char::DecodeUtf16<Units<'a>>,
    /// A lone octet is left after the last unit.
    odd: bool,
}

impl Iterator for Decode<'_> {
    type Item = char;

    #[inline]
    fn next(&mut self) -> Option<char> {
        match self.inner.next() {
            Some(r) => Some(r.unwrap_or(REPLACEMENT)),
            None if self.odd => {
                self.odd = false;
                Some(REPLACEMENT)
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decoded(octets: &[u8]) -> heapless::String<64> {
        decode(octets).collect()
    }

    #[test]
    fn table_driven_round_trips() {
        let cases: &[(&str, &[u8], usize)] = &[
            ("", &[], 0),
            ("A", &[0x00, 0x41], 1),
            ("Привет", &[0x04, 0x1F, 0x04, 0x40, 0x04, 0x38, 0x04, 0x32, 0x04, 0x35, 0x04, 0x42], 6),
            ("€", &[0x20, 0xAC], 1),
            // U+1F600 outside the BMP: a surrogate pair, two units.
            ("😀", &[0xD8, 0x3D, 0xDE, 0x00], 2),
            ("a😀b", &[0x00, 0x61, 0xD8, 0x3D, 0xDE, 0x00, 0x00, 0x62], 4),
        ];
        for &(text, octets, n) in cases {
            assert_eq!(units(text), n, "{text}");
            assert_eq!(encode(text).count(), n, "{text}");
            let mut out = [0u8; 32];
            let written = encode_into(text, &mut out).unwrap();
            assert_eq!(&out[..written], octets, "{text}");
            assert_eq!(decoded(octets).as_str(), text);
        }
    }

    #[test]
    fn malformed_input_shows_replacement_characters() {
        let cases: &[(&[u8], &str)] = &[
            // A high surrogate with no low surrogate after it.
            (&[0xD8, 0x3D, 0x00, 0x41], "\u{FFFD}A"),
            // A low surrogate on its own.
            (&[0xDE, 0x00], "\u{FFFD}"),
            // A high surrogate at the very end.
            (&[0x00, 0x41, 0xD8, 0x3D], "A\u{FFFD}"),
            // An odd octet count: the lone last octet.
            (&[0x00, 0x41, 0x42], "A\u{FFFD}"),
            (&[0x42], "\u{FFFD}"),
        ];
        for &(octets, text) in cases {
            assert_eq!(decoded(octets).as_str(), text, "{octets:02X?}");
        }
    }

    #[test]
    fn small_buffers_are_errors_and_untouched() {
        let mut out = [0xEEu8; 3];
        assert_eq!(encode_into("ab", &mut out), Err(Error::BufferTooSmall { needed: 4 }));
        assert_eq!(out, [0xEE; 3]);
        assert_eq!(encode_into("😀", &mut out), Err(Error::BufferTooSmall { needed: 4 }));
    }

    proptest! {
        #[test]
        fn any_text_round_trips(text in any::<String>()) {
            let mut out = vec![0u8; 4 * text.len()];
            let n = encode_into(&text, &mut out).unwrap();
            prop_assert_eq!(n, 2 * units(&text));
            let back: String = decode(&out[..n]).collect();
            prop_assert_eq!(back, text);
        }

        #[test]
        fn any_octets_decode_without_panicking(octets in proptest::collection::vec(any::<u8>(), 0..64)) {
            let n = decode(&octets).count();
            // Every character takes one or two units; a lone octet is one replacement.
            prop_assert!(n <= octets.len().div_ceil(2));
            prop_assert!(n >= octets.len().div_ceil(4));
        }
    }
}
