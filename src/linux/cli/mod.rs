//! The `smsgw` subcommands.

use core::fmt;

pub mod board;
pub mod client;
pub mod config;
pub mod db;
pub mod demo;
pub mod inbound;
pub mod modem;
pub mod parts;
pub mod pdu;
pub mod run;
pub mod sim;
pub mod store;

/// Why a subcommand failed.
#[derive(Debug)]
pub enum Error {
    /// The arguments do not make sense together; the text says why.
    Usage(String),
    /// The codec refused the input.
    Codec(crate::codec::Error),
    /// Reading input or writing output failed.
    Io(std::io::Error),
    /// The board file, a GPIO line or the power sequence failed.
    Board(crate::linux::board::Error),
    /// The upstream database refused or failed.
    Upstream(crate::linux::upstream::Error),
    /// The modem could not do what was asked; the text says why and what to try.
    Modem(String),
    /// The command ran and reported what failed on standard output (a check that did not
    /// pass, a part that was not sent): exit 1 with nothing more to say.
    Failed,
    /// The queue store is damaged, or could not be read or repaired.
    Store(crate::linux::store::Error),
    /// The gateway, its configuration or its store refused; the text says why.
    Gateway(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => f.write_str(m),
            Error::Codec(e) => e.fmt(f),
            Error::Io(e) => e.fmt(f),
            Error::Board(e) => e.fmt(f),
            Error::Upstream(e) => e.fmt(f),
            Error::Modem(m) => f.write_str(m),
            Error::Failed => f.write_str("failed"),
            Error::Store(e) => e.fmt(f),
            Error::Gateway(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::codec::Error> for Error {
    fn from(e: crate::codec::Error) -> Self {
        Error::Codec(e)
    }
}

impl From<crate::linux::board::Error> for Error {
    fn from(e: crate::linux::board::Error) -> Self {
        Error::Board(e)
    }
}

impl From<crate::linux::store::Error> for Error {
    fn from(e: crate::linux::store::Error) -> Self {
        Error::Store(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<crate::linux::config::Error> for Error {
    fn from(e: crate::linux::config::Error) -> Self {
        Error::Gateway(e.to_string())
    }
}

impl From<crate::linux::gateway::Error> for Error {
    fn from(e: crate::linux::gateway::Error) -> Self {
        Error::Gateway(e.to_string())
    }
}

impl From<crate::linux::control::ClientError> for Error {
    fn from(e: crate::linux::control::ClientError) -> Self {
        Error::Gateway(e.to_string())
    }
}
