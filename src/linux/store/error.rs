use core::fmt;
use std::path::PathBuf;

use super::model::{MessageId, StateKind};

/// Everything that can go wrong in the store.
#[derive(Debug)]
pub enum Error {
    /// The store's files are damaged: they cannot be opened, or a record fails its checksum or
    /// does not decode. `check` tells more; `repair` salvages what can be read.
    Corrupt { path: PathBuf, detail: String },
    /// A record or the store itself was written by a newer format than this build reads.
    UnsupportedVersion { path: PathBuf, what: &'static str, found: u8, supported: u8 },
    /// Another handle (in this process or another) has the store open.
    InUse { path: PathBuf },
    /// No message with this id.
    NotFound(MessageId),
    /// The message is not in a state that allows `action`.
    InvalidTransition { id: MessageId, state: StateKind, action: &'static str },
    /// The part is not in a state that allows `action` (out of range, already sent, not in flight…).
    InvalidPart { id: MessageId, part: u8, action: &'static str, reason: &'static str },
    /// The caller passed a value the store cannot keep; the text says which and why.
    InvalidInput(&'static str),
    /// The upstream id was queued before, as message `id`, which ended `state` and was
    /// compacted away: it is not queued again, so an upstream row is never sent twice.
    Compacted { upstream_id: u64, id: MessageId, state: StateKind },
    /// The storage engine failed (disk full, I/O error…); nothing of the operation was kept.
    Storage { path: PathBuf, detail: String },
    /// A file-system operation around the store (creating a directory, renaming in a repair) failed.
    Io { path: PathBuf, source: std::io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Corrupt { path, detail } => write!(f, "store {} is corrupt: {detail}", path.display()),
            Error::UnsupportedVersion { path, what, found, supported } => write!(
                f,
                "store {}: {what} has format version {found}, this build reads version {supported}",
                path.display()
            ),
            Error::InUse { path } => write!(f, "store {} is already open", path.display()),
            Error::NotFound(id) => write!(f, "no message {id}"),
            Error::InvalidTransition { id, state, action } => {
                write!(f, "cannot {action} message {id}: it is {}", state.name())
            }
            Error::InvalidPart { id, part, action, reason } => {
                write!(f, "cannot {action} part {part} of message {id}: {reason}")
            }
            Error::InvalidInput(why) => write!(f, "invalid input: {why}"),
            Error::Compacted { upstream_id, id, state } => write!(
                f,
                "upstream id {upstream_id} was queued as message {id}, which ended {state} and was compacted: not \
                 queued again"
            ),
            Error::Storage { path, detail } => write!(f, "store {}: storage failed: {detail}", path.display()),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = core::result::Result<T, E>;
