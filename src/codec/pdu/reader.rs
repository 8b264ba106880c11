//! A length-checked cursor over untrusted octets: every read names the field it is for, so that
//! input that ends early becomes `Error::Truncated { field }` and never an out-of-bounds index.

use crate::codec::Error;

#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(octets: &'a [u8]) -> Self {
        Reader { rest: octets }
    }

    /// The next octet.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, Error> {
        let (&first, rest) = self.rest.split_first().ok_or(Error::Truncated { field })?;
        self.rest = rest;
        Ok(first)
    }

    /// The next `n` octets.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], Error> {
        if n > self.rest.len() {
            return Err(Error::Truncated { field });
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    /// The next `N` octets as an array.
    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<&'a [u8; N], Error> {
        self.take(N, field)?.try_into().map_err(|_| Error::Truncated { field })
    }

    /// What has not been read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Ends the read: anything left over is an error, except octets that are all `0xFF`.
    ///
    /// A message read from SIM storage (`AT+CMGR`, `AT+CMGL`) can arrive with the rest of its
    /// 176-octet EF-SMS record, which TS 31.102 §4.2.25 fills with `FF`; that is padding, not a
    /// second PDU. Any other left-over octet means the PDU is not what its lengths say.
    pub(crate) fn finish(self) -> Result<(), Error> {
        if self.rest.iter().all(|&b| b == 0xFF) {
            Ok(())
        } else {
            Err(Error::TrailingBytes { count: self.rest.len() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_length_checked() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u8("A"), Ok(1));
        assert_eq!(r.take(3, "B"), Err(Error::Truncated { field: "B" }));
        assert_eq!(r.array::<2>("C"), Ok(&[2, 3]));
        assert_eq!(r.u8("D"), Err(Error::Truncated { field: "D" }));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn finish_accepts_only_ff_padding() {
        assert_eq!(Reader::new(&[0xFF, 0xFF]).finish(), Ok(()));
        assert_eq!(Reader::new(&[0xFF, 0x00]).finish(), Err(Error::TrailingBytes { count: 2 }));
        assert_eq!(Reader::new(&[0x00]).finish(), Err(Error::TrailingBytes { count: 1 }));
    }
}
