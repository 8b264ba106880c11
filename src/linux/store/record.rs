//! Records and keys as they are on flash.
//!
//! A record is `[version][postcard payload][CRC-32 of version and payload, little-endian]`.
//! The version byte lets a later build read (or refuse clearly) what an earlier one wrote; the
//! checksum catches a flipped bit the engine did not (redb verifies its page checksums only in
//! a repair; a flip inside a postcard string would otherwise decode as a different text).
//! Keys are big-endian so that byte order is numeric order.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The record version this build writes and reads.
pub const RECORD_VERSION: u8 = 1;

/// Bytes around the payload: the version byte and the checksum.
const OVERHEAD: usize = 1 + 4;

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// Shorter than a version byte and a checksum.
    Short {
        len: usize,
    },
    Checksum,
    /// A version this build does not read.
    Version(u8),
    /// The checksum matched but postcard refused the payload (a bug or a format mix-up).
    Decode(String),
}

impl core::fmt::Display for RecordError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecordError::Short { len } => write!(f, "record of {len} byte(s) is too short"),
            RecordError::Checksum => f.write_str("record checksum mismatch"),
            RecordError::Version(v) => write!(f, "unknown record version {v}"),
            RecordError::Decode(e) => write!(f, "record does not decode: {e}"),
        }
    }
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![RECORD_VERSION];
    // postcard serialises these plain structs infallibly into a growable buffer; an error
    // here would be a serde bug, and an empty payload then fails the decode loudly.
    if let Ok(payload) = postcard::to_allocvec(value) {
        out.extend_from_slice(&payload);
    }
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RecordError> {
    if bytes.len() < OVERHEAD {
        return Err(RecordError::Short { len: bytes.len() });
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32(body) != stored {
        return Err(RecordError::Checksum);
    }
    match body.split_first() {
        Some((&RECORD_VERSION, payload)) => match postcard::from_bytes::<T>(payload) {
            Ok(v) => Ok(v),
            Err(e) => Err(RecordError::Decode(e.to_string())),
        },
        Some((&v, _)) => Err(RecordError::Version(v)),
        None => Err(RecordError::Short { len: bytes.len() }),
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
    }
    !crc
}

/// A big-endian `u64` key or value.
pub fn be(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// The `u64` at `offset` of a key, if the key is long enough.
pub fn read_be(bytes: &[u8], offset: usize) -> Option<u64> {
    let end = offset.checked_add(8)?;
    let raw: [u8; 8] = bytes.get(offset..end)?.try_into().ok()?;
    Some(u64::from_be_bytes(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_values() {
        // The check value of CRC-32/ISO-HDLC, and the empty input.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn round_trip_and_every_damage() {
        let value = (42u64, String::from("hello"), Some(7u8));
        let bytes = encode(&value);
        assert_eq!(bytes[0], RECORD_VERSION);
        assert_eq!(decode::<(u64, String, Option<u8>)>(&bytes), Ok(value));
        // Every single-bit flip anywhere is caught (CRC-32 detects all of them).
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[i] ^= 1 << bit;
                assert!(decode::<(u64, String, Option<u8>)>(&bad).is_err(), "flip at {i}.{bit}");
            }
        }
        // Every truncation.
        for len in 0..bytes.len() {
            assert!(decode::<(u64, String, Option<u8>)>(&bytes[..len]).is_err(), "length {len}");
        }
    }

    #[test]
    fn unknown_version_is_named() {
        let mut body = vec![2u8, 1, 2, 3];
        let crc = crc32(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(decode::<u8>(&body), Err(RecordError::Version(2)));
    }

    #[test]
    fn big_endian_keys_sort_numerically() {
        let mut keys: Vec<[u8; 8]> = [300u64, 2, 1 << 40, 0].iter().map(|&n| be(n)).collect();
        keys.sort();
        let back: Vec<u64> = keys.iter().map(|k| read_be(k, 0).unwrap()).collect();
        assert_eq!(back, [0, 2, 300, 1 << 40]);
        assert_eq!(read_be(&[0; 7], 0), None);
        assert_eq!(read_be(&[0; 9], 2), None);
    }
}
