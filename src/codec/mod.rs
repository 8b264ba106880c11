//! What travels between the gateway and a GSM modem, encoded and decoded without allocation.
//!
//! - [`gsm7`], [`national`], [`ucs2`]: the alphabets of TS 23.038.
//! - [`encoding`], [`segment`]: choosing the cheapest exact encoding and splitting text into parts.
//! - [`septet`], [`hex`]: the bit and character packing that PDUs travel in.
//! - [`pdu`]: SMS-SUBMIT, SMS-DELIVER and SMS-STATUS-REPORT of TS 23.040.
//! - [`at`]: the AT line digester and the CMS/CME error tables of TS 27.005 / 27.007.
//!
//! Every fallible function returns [`Error`], the one error type of this layer.

pub mod at;
pub mod encoding;
mod error;
pub mod gsm7;
pub mod hex;
pub mod national;
pub mod pdu;
pub mod segment;
pub mod septet;
pub mod ucs2;

pub use error::Error;
