//! Septet packing (TS 23.038 §6.1.2.1.1): 7-bit codes packed LSB-first into octets, after
//! `fill_bits` zero bits that align the first septet to a septet boundary after a UDH
//! (TS 23.040 §9.2.3.24).

use super::Error;

/// Octets that `septets` septets take after `fill_bits` fill bits.
pub const fn packed_len(septets: usize, fill_bits: u8) -> usize {
    (septets * 7 + fill_bits as usize).div_ceil(8)
}

/// Fill bits needed after a UDH of `udh_octets` octets (its length octet included) so that the
/// text starts on a septet boundary.
pub const fn fill_bits_after(udh_octets: usize) -> u8 {
    ((7 - (udh_octets * 8) % 7) % 7) as u8
}

/// Packs `septets` into `out` after `fill_bits` zero bits and returns the octets written.
///
/// `out[0]` is the octet that holds the fill bits; it is overwritten, fill bits included.
pub fn pack<I: IntoIterator<Item = u8>>(septets: I, fill_bits: u8, out: &mut [u8]) -> Result<usize, Error> {
    debug_assert!(fill_bits < 7);
    let mut bit = usize::from(fill_bits);
    if fill_bits > 0 {
        *out.first_mut().ok_or(Error::BufferTooSmall { needed: 1 })? = 0;
    }
    for s in septets {
        let (byte, shift) = (bit / 8, bit % 8);
        let needed = (bit + 7).div_ceil(8);
        if needed > out.len() {
            return Err(Error::BufferTooSmall { needed });
        }
        if shift == 0 {
            out[byte] = 0;
        }
        let v = u16::from(s & 0x7F) << shift;
        out[byte] |= v as u8;
        if shift > 1 {
            out[byte + 1] = (v >> 8) as u8;
        }
        bit += 7;
    }
    Ok(if bit == usize::from(fill_bits) { 0 } else { bit.div_ceil(8) })
}

/// Iterator over `count` septets packed in `octets` after `fill_bits` fill bits.
#[derive(Debug, Clone)]
pub struct Unpack<'a> {
    octets: &'a [u8],
    bit: usize,
    remaining: usize,
}

/// Reads `count` septets from `octets`; fails if `octets` is too short to hold them.
pub fn unpack(octets: &[u8], fill_bits: u8, count: usize) -> Result<Unpack<'_>, Error> {
    if packed_len(count, fill_bits) > octets.len() {
        return Err(Error::Truncated { field: "TP-UD" });
    }
    Ok(Unpack { octets, bit: usize::from(fill_bits), remaining: count })
}

impl Iterator for Unpack<'_> {
    type Item = u8;

    #[inline]
    fn next(&mut self) -> Option<u8> {
        if self.remaining == 0 {
            return None;
        }
        let byte = self.bit / 8;
        let shift = self.bit % 8;
        let lo = u16::from(self.octets[byte]);
        let hi = if shift > 1 { u16::from(self.octets[byte + 1]) } else { 0 };
        self.bit += 7;
        self.remaining -= 1;
        Some((((hi << 8) | lo) >> shift) as u8 & 0x7F)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Unpack<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_packs_as_in_the_spec_examples() {
        // "hellohello" → E8329BFD4697D9EC37 (the classic TS 23.040 example).
        let septets = b"hellohello";
        let mut out = [0u8; 16];
        let n = pack(septets.iter().copied(), 0, &mut out).unwrap();
        assert_eq!(&out[..n], &[0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]);
        let back: heapless::Vec<u8, 16> = unpack(&out[..n], 0, 10).unwrap().collect();
        assert_eq!(back.as_slice(), septets);
    }

    #[test]
    fn fill_bits_round_trip_for_every_offset() {
        let septets: heapless::Vec<u8, 32> = (0u8..23).map(|i| i.wrapping_mul(37) & 0x7F).collect();
        for fill in 0..7u8 {
            let mut out = [0u8; 32];
            let n = pack(septets.iter().copied(), fill, &mut out).unwrap();
            assert_eq!(n, packed_len(septets.len(), fill));
            let back: heapless::Vec<u8, 32> = unpack(&out[..n], fill, septets.len()).unwrap().collect();
            assert_eq!(back, septets, "fill {fill}");
        }
    }

    #[test]
    fn fill_bits_after_udh() {
        assert_eq!(fill_bits_after(6), 1); // 8-bit concatenation UDH
        assert_eq!(fill_bits_after(7), 0); // 16-bit concatenation UDH
        assert_eq!(fill_bits_after(0), 0);
    }

    #[test]
    fn short_input_and_small_buffers_are_errors() {
        assert_eq!(unpack(&[0xE8], 0, 2).unwrap_err(), Error::Truncated { field: "TP-UD" });
        let mut out = [0u8; 1];
        assert_eq!(pack([1u8, 2].into_iter(), 0, &mut out), Err(Error::BufferTooSmall { needed: 2 }));
    }
}
