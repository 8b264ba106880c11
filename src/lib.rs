//! smsgw: an edge SMS gateway.
//!
//! The library half is portable: with `default-features = false` it is `no_std` and allocates
//! nothing, so the codec (and later the modem state machine) can run on a microcontroller. The
//! `std` feature adds the Linux shell used by the `smsgw` binary.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]

pub mod board;
pub mod codec;
pub mod modem;
pub mod sim;
pub mod time;

#[cfg(feature = "std")]
pub mod linux;
