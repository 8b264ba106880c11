//! What `smsgw status` shows of the upstream link.

use core::fmt;

use crate::linux::store::UnixMs;

/// The link to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Not tried yet.
    #[default]
    Starting,
    Connected {
        since: UnixMs,
    },
    /// Down (or never up) since then; reconnecting with backoff. Sending goes on from the store.
    Offline {
        since: UnixMs,
    },
}

/// A snapshot of the sync: the link, the last error and the counters since start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpstreamState {
    /// The name this gateway claims rows with.
    pub gateway: String,
    pub connection: Connection,
    /// The last thing that went wrong (kept after recovery, to say why it was offline).
    pub last_error: Option<String>,
    /// The database answers but refuses what the sync needs (credentials, grants, schema):
    /// why, until a cycle succeeds.
    pub refusing: Option<String>,
    /// Rows stored as new messages.
    pub claimed: u64,
    /// Status changes applied to rows.
    pub pushed: u64,
    /// Status changes that changed nothing: applied before, or the row is another gateway's.
    pub stale_pushes: u64,
    /// Rows failed because they cannot be sent (bad number, empty or too long text…).
    pub rejected: u64,
    /// Rows queued again after someone reset them to pending.
    pub resent: u64,
    /// Local messages cancelled because their row stopped being this gateway's.
    pub lost: u64,
    /// Times the link was lost (or failed to come up) after working or at start.
    pub reconnects: u64,
    /// Received messages inserted into `inbox`.
    pub received_pushed: u64,
    /// Calls inserted into `events`.
    pub calls_pushed: u64,
    /// Changes still on flash for upstream.
    pub pending_pushes: u64,
    /// The end of the last cycle.
    pub last_poll: Option<UnixMs>,
}

impl UpstreamState {
    pub fn is_connected(&self) -> bool {
        matches!(self.connection, Connection::Connected { .. })
    }
}

impl fmt::Display for UpstreamState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.connection {
            Connection::Starting => write!(f, "upstream: starting")?,
            Connection::Connected { since } => write!(f, "upstream: connected since {} (unix ms)", since.0)?,
            Connection::Offline { since } => write!(f, "upstream: offline since {} (unix ms)", since.0)?,
        }
        write!(
            f,
            "; gateway {}; claimed {}, pushed {}, pending pushes {}, rejected {}, resent {}, lost {}, stale {}, \
             reconnects {}",
            self.gateway,
            self.claimed,
            self.pushed,
            self.pending_pushes,
            self.rejected,
            self.resent,
            self.lost,
            self.stale_pushes,
            self.reconnects
        )?;
        if let Some(e) = &self.last_error {
            write!(f, "; last error: {e}")?;
        }
        Ok(())
    }
}
