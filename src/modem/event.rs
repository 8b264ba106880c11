//! What goes into the driver besides bytes (device changes, parts to send) and what comes out
//! of it ([`Event`]).

use heapless::{String, Vec};

use super::status::{Fault, Memory, RecoveryStep, Registration, Signal};
use super::Error;
use crate::codec::at::CmsCode;
use crate::codec::pdu::{self, EncodedPdu, MAX_PDU_OCTETS};

/// A phone number as the driver keeps it: an optional `+` and at most 20 digits (TS 23.040
/// §9.1.2.5 allows 20 semi-octets), or an alphanumeric address of up to 11 characters; 24 leaves
/// room for `*`, `#` and the odd separator a modem prints in a `+CLIP`.
pub const NUMBER_CHARS: usize = 24;

/// A phone number (recipient, caller, status-report address).
pub type PhoneNumber = String<NUMBER_CHARS>;

/// The serial port changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeviceEvent {
    /// The port is open: the modem may be talked to.
    Opened,
    /// The port is gone (USB unplugged, re-enumerating, powered off).
    Closed,
}

/// The caller's name for a part, handed back with its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PartId(pub u64);

/// One SMS-SUBMIT to send, encoded by the caller with
/// [`codec::pdu::encode_submit`](crate::codec::pdu::encode_submit).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutgoingPart {
    pub id: PartId,
    /// The PDU, SMSC field first.
    pub pdu: Vec<u8, MAX_PDU_OCTETS>,
    /// Octets after the SMSC field: the `<length>` of `AT+CMGS`.
    pub tpdu_len: u8,
    /// The destination, for matching status reports: `+` and digits as given to the encoder.
    pub recipient: PhoneNumber,
}

impl OutgoingPart {
    /// A part from an encoded PDU and the destination it was encoded for.
    pub fn new(id: PartId, encoded: &EncodedPdu<'_>, recipient: &str) -> Result<OutgoingPart, Error> {
        let pdu = Vec::from_slice(encoded.octets).map_err(|_| Error::InvalidPart { reason: "PDU too long" })?;
        let tpdu_len =
            u8::try_from(encoded.tpdu_len).map_err(|_| Error::InvalidPart { reason: "TPDU longer than 255" })?;
        let recipient =
            PhoneNumber::try_from(recipient).map_err(|_| Error::InvalidPart { reason: "recipient too long" })?;
        let part = OutgoingPart { id, pdu, tpdu_len, recipient };
        part.check()?;
        Ok(part)
    }

    /// Checks that the lengths agree (SMSC length octet + SMSC + TPDU = PDU) and that the
    /// recipient is a number, so the modem is never handed a `<length>` it would wait on.
    pub fn check(&self) -> Result<(), Error> {
        let smsc = usize::from(*self.pdu.first().ok_or(Error::InvalidPart { reason: "empty PDU" })?);
        if usize::from(self.tpdu_len) == 0 || 1 + smsc + usize::from(self.tpdu_len) != self.pdu.len() {
            return Err(Error::InvalidPart { reason: "tpdu_len does not match the PDU" });
        }
        let digits = self.recipient.strip_prefix('+').unwrap_or(&self.recipient);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidPart { reason: "recipient is not a number" });
        }
        Ok(())
    }
}

/// Where a received message is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Location {
    pub memory: Memory,
    pub index: u16,
}

/// Names one received message until the caller has stored it; see
/// [`Driver::acknowledge`](super::Driver::acknowledge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReceiveToken {
    pub(crate) seq: u32,
    pub(crate) location: Option<Location>,
}

impl ReceiveToken {
    /// Where the message is stored until acknowledged; `None` for one delivered directly
    /// (`+CMT`), which nothing stores.
    pub fn location(&self) -> Option<Location> {
        self.location
    }
}

/// Why a part went out or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Failure {
    /// The network or modem refused the message itself: sending it again fails the same way.
    Permanent(CmsCode),
    /// Nothing went out; the same part may succeed later.
    Temporary(Cause),
    /// The PDU was handed to the modem and no result came: the message may be on its way. The
    /// caller decides whether to risk a duplicate.
    Unknown,
}

/// Why a part failed for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cause {
    /// `+CMS ERROR` with a temporary or undecided code.
    Cms(CmsCode),
    /// `ERROR`, `+CME ERROR` or a `+CMS ERROR` text no code matches.
    Error,
    /// `AT+CMGS` got no prompt in time.
    NoPrompt,
    /// Not registered within [`Timings::send_wait`](super::Timings::send_wait).
    NotRegistered,
    /// The modem was not ready (recovering, gone) within `send_wait`.
    NotReady,
    /// The driver stopped with a fault.
    Faulted(Fault),
}

/// What the driver tells its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// The modem is initialised (again); identity and settings are in the status.
    Ready,
    /// The modem took the part: `mr` is the TP-Message-Reference it gave it (status reports
    /// name it), `None` if it did not say.
    PartSent {
        id: PartId,
        mr: Option<u8>,
    },
    PartFailed {
        id: PartId,
        failure: Failure,
    },
    /// A message: `pdu` as [`codec::pdu::decode`](crate::codec::pdu::decode) takes it (SMSC
    /// field first). It stays in the modem until [`Driver::acknowledge`](super::Driver::acknowledge).
    Received {
        token: ReceiveToken,
        pdu: Vec<u8, MAX_PDU_OCTETS>,
    },
    /// A status report about a part sent recently.
    Delivery {
        id: PartId,
        status: pdu::Status,
    },
    /// A status report that matches no recent part (sent long ago, or before a restart).
    UnmatchedReport {
        mr: u8,
        recipient: PhoneNumber,
        status: pdu::Status,
    },
    /// Someone calls; once per call. `None`: the number is withheld or was not given.
    IncomingCall {
        number: Option<PhoneNumber>,
    },
    /// The call ended: the caller gave up, the network ended it, or the driver hung up.
    CallEnded {
        rings: u8,
        hung_up: bool,
    },
    /// The signal changed to another [`SignalQuality`](super::SignalQuality).
    Signal(Signal),
    /// The registration state changed.
    Registration(Registration),
    /// Registration was lost: parts are refused until [`Event::SendingResumed`].
    SendingPaused,
    SendingResumed,
    /// A recovery step started; `attempt` is the ladder it belongs to (1 for the first, counted
    /// within [`LadderLimits::window`](super::LadderLimits::window)).
    Recovery {
        step: RecoveryStep,
        attempt: u8,
    },
    /// Reset the modem's USB port now.
    UsbReset,
    /// Switch the modem's power off and on now.
    PowerCycle,
    /// The driver stopped.
    Faulted(Fault),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(pdu: &[u8], tpdu_len: u8, recipient: &str) -> OutgoingPart {
        OutgoingPart {
            id: PartId(1),
            pdu: Vec::from_slice(pdu).unwrap(),
            tpdu_len,
            recipient: PhoneNumber::try_from(recipient).unwrap(),
        }
    }

    /// PDU, tpdu_len, recipient, the reason it is refused.
    type Case<'a> = (&'a [u8], u8, &'a str, Result<(), &'a str>);

    #[test]
    fn parts_are_checked() {
        let cases: &[Case<'_>] = &[
            (&[0x00, 0x11, 0x00], 2, "+4912345", Ok(())),
            (&[0x02, 0x91, 0x21, 0x11, 0x00], 2, "12345", Ok(())),
            (&[0x00, 0x11, 0x00], 3, "+4912345", Err("tpdu_len does not match the PDU")),
            (&[0x00], 0, "+4912345", Err("tpdu_len does not match the PDU")),
            (&[0x07, 0x11, 0x00], 2, "+4912345", Err("tpdu_len does not match the PDU")),
            (&[], 0, "+4912345", Err("empty PDU")),
            (&[0x00, 0x11, 0x00], 2, "+", Err("recipient is not a number")),
            (&[0x00, 0x11, 0x00], 2, "49-123", Err("recipient is not a number")),
        ];
        for (pdu, len, recipient, want) in cases {
            let got = part(pdu, *len, recipient).check();
            assert_eq!(got, want.map_err(|reason| Error::InvalidPart { reason }), "{pdu:?} {len} {recipient}");
        }
    }

    #[test]
    fn parts_from_the_encoder() {
        let mut buf = [0u8; MAX_PDU_OCTETS];
        let params = pdu::SubmitParams { destination: "+4915112345678", ..Default::default() };
        let text = pdu::Part { text: "hi", encoding: crate::codec::encoding::Encoding::GSM7, concat: None };
        let encoded = pdu::encode_submit(&params, &text, &mut buf).unwrap();
        let p = OutgoingPart::new(PartId(7), &encoded, "+4915112345678").unwrap();
        assert_eq!(usize::from(p.tpdu_len), encoded.tpdu_len);
        assert_eq!(&p.pdu[..], encoded.octets);
        assert!(OutgoingPart::new(PartId(7), &encoded, "x").is_err());
    }
}
