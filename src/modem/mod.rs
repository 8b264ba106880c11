//! The modem driver: a sans-IO state machine that initialises a GSM modem, sends SMS parts,
//! receives messages, status reports and calls, watches signal and registration, and brings a
//! hung modem back.
//!
//! [`Driver`] takes the modem's bytes, device changes, timeouts and the caller's requests, and
//! hands out bytes to write, [`Event`]s and its next deadline; time is an argument. Like the
//! codec it is `no_std` and allocates nothing: every queue is a `heapless` type whose capacity
//! is a constant below.
//!
//! - [`config`]: timings per modem family, PIN, spacing, calls, ladder limits.
//! - [`event`]: inputs besides bytes (device changes, parts) and the events out.
//! - [`status`]: what the driver knows of the modem.
//! - `command`: the AT commands, their answers' parsers; `engine`: the states and their
//!   transitions; `timers`: the one timer table; `recent`: status-report matching; `call`:
//!   incoming calls.
//!
//! # What the modem is told
//!
//! Initialisation wakes the modem with `AT` probes (ESC, then Ctrl-Z first if it does not
//! answer: a stuck SMS prompt swallows commands), then sends `ATE0`, `AT+CMEE=1`, `AT+CMGF=0`,
//! `AT+CPIN?` (entering the PIN once), `AT+CSMS?`, `AT+CNMI` (with fallbacks), `AT+CLIP=1`,
//! `AT+CREG=2` (or `=1`), `AT+CPMS`, the identity commands, `AT+COPS?`, `AT+CSQ` and
//! `AT+CREG?`. Optional commands the modem refuses are noted in [`Status::refused`].
//!
//! # Messages are not lost
//!
//! A stored message is deleted only after the caller [acknowledges](Driver::acknowledge) it,
//! and the driver reads no more than it can hand out. A part whose PDU had not reached the
//! modem when it restarted is sent again afterwards; one whose PDU had is reported as
//! [`Failure::Unknown`], never silently sent twice.

mod call;
mod command;
pub mod config;
mod driver;
mod engine;
mod error;
pub mod event;
mod recent;
pub mod status;
mod timers;

#[cfg(test)]
mod tests;

pub use command::TX_CAPACITY;
pub use config::{Config, Family, LadderLimits, Pin, Timings};
pub use driver::Driver;
pub use error::Error;
pub use event::{Cause, DeviceEvent, Event, Failure, Location, OutgoingPart, PartId, PhoneNumber, ReceiveToken};
pub use recent::RECENT_SENDS;
pub use status::{
    Counters, Fault, Identity, Indications, Memory, Phase, RecoveryStep, RegState, Registration, Signal, SignalQuality,
    Status, Storage,
};

/// Events held for the caller. Each input produces at most one command result and a few URC
/// events (a signal change, a registration change, a call); 16 leaves room for a burst while
/// the caller is slow to poll. Reads of stored messages wait for room.
pub const EVENT_CAPACITY: usize = 16;

/// Received messages handed out and not yet acknowledged. The driver reads no more until the
/// caller acknowledges some, so a slow store holds messages in the modem, not in RAM.
pub const MAX_UNACKED: usize = 8;

/// Stored messages announced (`+CMTI`) or listed and not yet read. A SIM holds 20 to 50; when
/// more are announced, the storage is listed again once the queue has room.
pub const READ_QUEUE: usize = 32;

/// Locations to delete: every unacknowledged message can be acknowledged at once, plus room
/// for status reports read meanwhile.
pub const DELETE_QUEUE: usize = MAX_UNACKED + 4;
