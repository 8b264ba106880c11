use core::fmt;

/// Everything that can go wrong in the codec layer.
///
/// Fields name the part of the input that was wrong (`"TP-DA"`, `"UDH"`, …) so that a decoding
/// failure on a modem's output can be reported with a reason a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// The input ended while `field` was being read.
    Truncated { field: &'static str },
    /// A complete PDU was read and `count` octets were left over.
    TrailingBytes { count: usize },
    /// A character that is not a hex digit, at `position` (0-based) in the hex string.
    InvalidHex { position: usize },
    /// A hex string with an odd number of digits.
    OddHexLength,
    /// The caller's buffer cannot hold the result; `needed` octets (or septets, units) are needed.
    BufferTooSmall { needed: usize },
    /// A field holds a value the specification does not allow.
    InvalidField { field: &'static str, reason: &'static str },
    /// A valid field whose meaning this codec deliberately does not implement.
    Unsupported { field: &'static str, reason: &'static str },
    /// The text holds a character that the requested encoding cannot represent.
    Unrepresentable { ch: char },
    /// The text needs more than 255 parts, the most a concatenated SMS can have.
    TooManyParts { parts: usize },
    /// An AT line longer than the digester's buffer; the digester skipped to the next line end.
    LineTooLong { limit: usize },
    /// Bytes from the modem that are not a line, a prompt or a known URC; the digester resynced.
    Garbage,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated { field } => write!(f, "input ends inside {field}"),
            Error::TrailingBytes { count } => write!(f, "{count} unexpected octet(s) after the end of the PDU"),
            Error::InvalidHex { position } => write!(f, "not a hex digit at position {position}"),
            Error::OddHexLength => f.write_str("hex string has an odd number of digits"),
            Error::BufferTooSmall { needed } => write!(f, "buffer too small: {needed} needed"),
            Error::InvalidField { field, reason } => write!(f, "invalid {field}: {reason}"),
            Error::Unsupported { field, reason } => write!(f, "unsupported {field}: {reason}"),
            Error::Unrepresentable { ch } => write!(f, "character {ch:?} (U+{:04X}) cannot be encoded", ch as u32),
            Error::TooManyParts { parts } => {
                write!(f, "text needs {parts} parts, more than the 255 a message can have")
            }
            Error::LineTooLong { limit } => write!(f, "modem line longer than {limit} bytes"),
            Error::Garbage => f.write_str("unexpected bytes from the modem"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
