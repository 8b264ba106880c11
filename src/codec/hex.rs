//! Hex as modems print PDUs: two digits an octet, upper case on output, either case on input.

use super::Error;

/// Decodes `hex` into `out` and returns the decoded octets.
pub fn decode_into<'a>(hex: &[u8], out: &'a mut [u8]) -> Result<&'a [u8], Error> {
    if hex.len() % 2 != 0 {
        return Err(Error::OddHexLength);
    }
    let n = hex.len() / 2;
    if n > out.len() {
        return Err(Error::BufferTooSmall { needed: n });
    }
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let hi = digit(pair[0]).ok_or(Error::InvalidHex { position: 2 * i })?;
        let lo = digit(pair[1]).ok_or(Error::InvalidHex { position: 2 * i + 1 })?;
        out[i] = (hi << 4) | lo;
    }
    Ok(&out[..n])
}

/// Encodes `bytes` as upper-case hex into `out` and returns the text.
pub fn encode_into<'a>(bytes: &[u8], out: &'a mut [u8]) -> Result<&'a str, Error> {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let n = bytes.len() * 2;
    if n > out.len() {
        return Err(Error::BufferTooSmall { needed: n });
    }
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0F)];
    }
    // Only ASCII digits were written.
    core::str::from_utf8(&out[..n]).map_err(|_| Error::Garbage)
}

fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut buf = [0u8; 4];
        assert_eq!(decode_into(b"00fFa1", &mut buf), Ok(&[0x00, 0xFF, 0xA1][..]));
        assert_eq!(decode_into(b"0", &mut buf), Err(Error::OddHexLength));
        assert_eq!(decode_into(b"0g", &mut buf), Err(Error::InvalidHex { position: 1 }));
        assert_eq!(decode_into(b"0000000000", &mut buf), Err(Error::BufferTooSmall { needed: 5 }));
        let mut out = [0u8; 6];
        assert_eq!(encode_into(&[0x00, 0xFF, 0xA1], &mut out), Ok("00FFA1"));
        assert_eq!(encode_into(&[1, 2, 3, 4], &mut out), Err(Error::BufferTooSmall { needed: 8 }));
    }
}
