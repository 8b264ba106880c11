use core::fmt;

use super::status::Fault;

/// Everything that can go wrong in the modem layer: why [`Driver::send`](super::Driver::send)
/// refused a part, and what [`Status::last_error`](super::Status::last_error) records while the
/// driver keeps running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// The modem is not initialised: no device, still initialising, or recovering.
    NotInitialised,
    /// The modem is not registered on a network; sending is paused.
    NotRegistered,
    /// A part is already in the driver; the next one is taken after its outcome.
    Busy,
    /// The driver stopped for this reason and needs a person (or a new device).
    Faulted(Fault),
    /// The part cannot be sent as given.
    InvalidPart { reason: &'static str },
    /// `command` got no final result in time.
    Timeout { command: &'static str },
    /// The modem answered `command` with an error; the driver went on without it.
    Refused { command: &'static str },
    /// A configuration value is not allowed.
    InvalidConfig { reason: &'static str },
    /// A line or PDU from the modem could not be read.
    Codec(crate::codec::Error),
    /// The answer to `command` did not have the form the specification gives.
    Unexpected { command: &'static str, reason: &'static str },
    /// A value from the modem is longer than the room kept for it; it was not stored.
    TooLong { field: &'static str, limit: usize },
    /// Events were not polled and the queue was full: one was dropped (see the counters).
    EventQueueFull,
    /// More stored messages were announced than the read queue holds; they are listed again
    /// once the queue has room.
    ReadQueueFull,
    /// The bytes for the modem were not polled in time and were dropped.
    TransmitOverflow,
    /// The modem showed the SMS prompt when no message was being sent.
    UnexpectedPrompt,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::NotInitialised => f.write_str("the modem is not initialised"),
            Error::NotRegistered => f.write_str("the modem is not registered on a network"),
            Error::Busy => f.write_str("a part is already being sent"),
            Error::Faulted(fault) => write!(f, "the modem driver stopped: {fault}"),
            Error::InvalidPart { reason } => write!(f, "invalid part: {reason}"),
            Error::Timeout { command } => write!(f, "no answer to {command} in time"),
            Error::Refused { command } => write!(f, "the modem refused {command}"),
            Error::InvalidConfig { reason } => write!(f, "invalid configuration: {reason}"),
            Error::Codec(e) => write!(f, "unreadable modem output: {e}"),
            Error::Unexpected { command, reason } => write!(f, "unexpected answer to {command}: {reason}"),
            Error::TooLong { field, limit } => write!(f, "{field} from the modem is longer than {limit} characters"),
            Error::EventQueueFull => f.write_str("event queue full: an event was dropped"),
            Error::ReadQueueFull => f.write_str("read queue full: stored messages will be listed again"),
            Error::TransmitOverflow => f.write_str("bytes for the modem were not taken in time and were dropped"),
            Error::UnexpectedPrompt => f.write_str("the modem showed the SMS prompt unasked"),
        }
    }
}

impl From<crate::codec::Error> for Error {
    fn from(e: crate::codec::Error) -> Self {
        Error::Codec(e)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
