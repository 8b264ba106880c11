//! SMS PDUs of TS 23.040: SMS-SUBMIT, SMS-DELIVER and SMS-STATUS-REPORT.
//!
//! Decoding takes untrusted octets in two steps — length-checked views, then typed values that
//! borrow the input — and never panics: [`decode`] for a PDU as modems print it (SMSC field
//! first), [`decode_tpdu`] without it. Encoding writes one SMS-SUBMIT part into a caller-owned
//! buffer: [`encode_submit`].
//!
//! Choices where the specifications leave room:
//! - Octets after the TPDU are `Error::TrailingBytes`, except a run of `FF`: SIM storage pads
//!   its records with `FF` (TS 31.102 §4.2.25). The error carries the count, so a caller that
//!   trusts the lengths can decode the PDU without them.
//! - Compressed user data decodes (its octets are in [`UserData::body`]); only asking for its
//!   text gives `Error::Unsupported`.
//! - Semi-octets `A`–`E` in a number read as `* # a b c` (TS 23.040 §9.1.2.3); an `F` filler
//!   inside a number is `Error::InvalidField`.
//! - Two-digit years: see [`timestamp::CENTURY_PIVOT`].

pub mod address;
pub mod dcs;
mod decode;
mod reader;
pub mod status;
mod submit;
pub mod text;
pub mod timestamp;
pub mod udh;
pub mod user_data;
pub mod validity;

pub use address::{Address, Number, NumberingPlan, TypeOfNumber};
pub use dcs::{Alphabet, Dcs, MessageClass};
pub use decode::{decode, decode_tpdu, Deliver, Pdu, StatusReport, Submit};
pub use status::{Status, StatusCategory};
pub use submit::{encode_submit, EncodedPdu, Part, SubmitParams, MAX_PDU_OCTETS, MAX_TPDU_OCTETS};
pub use text::Chars;
pub use timestamp::Timestamp;
pub use udh::{Concat, InformationElement, Udh};
pub use user_data::UserData;
pub use validity::ValidityPeriod;
