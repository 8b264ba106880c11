//! The upstream sync as the core sees it: [`SyncUpstream`] wraps the sync thread's handle.
//!
//! The sync wakes the core when it stored claimed rows (so a claimed row goes out at once),
//! the core pokes the sync when a message of a row changed state (so the push goes out at once),
//! and the core stops the sync on its way out.

use std::sync::Arc;

use super::view::UpstreamState;
use super::{Handle, Upstream, UpstreamStart};
use crate::linux::store::Store;
use crate::linux::upstream::{self, Connection, Sync, SyncHandle, UpstreamConfig};

/// The running sync, for the core.
#[derive(Debug)]
pub struct SyncUpstream {
    handle: Option<SyncHandle>,
    /// What the sync said last, kept for the status after it stopped.
    last: upstream::UpstreamState,
}

impl SyncUpstream {
    /// A start function for [`Setup::upstream`](super::Setup::upstream): spawns the sync on
    /// `store`, waking the core through its [`Handle`] whenever rows were stored.
    pub fn starter(store: Arc<Store>, config: UpstreamConfig) -> UpstreamStart {
        Box::new(move |core: Handle| {
            let handle = Sync::spawn(store, config, move || core.wake()).map_err(|e| e.to_string())?;
            Ok(Box::new(SyncUpstream { handle: Some(handle), last: upstream::UpstreamState::default() })
                as Box<dyn Upstream>)
        })
    }
}

/// The LED and summary word for a sync state.
pub fn view_state(s: &upstream::UpstreamState) -> UpstreamState {
    if let Some(why) = &s.refusing {
        return UpstreamState::Error(why.clone());
    }
    match s.connection {
        Connection::Starting => UpstreamState::Connecting,
        Connection::Connected { .. } => UpstreamState::Online,
        Connection::Offline { .. } => UpstreamState::Offline,
    }
}

impl Upstream for SyncUpstream {
    fn state(&self) -> UpstreamState {
        view_state(&self.report().unwrap_or_default())
    }

    fn report(&self) -> Option<upstream::UpstreamState> {
        Some(self.handle.as_ref().map_or_else(|| self.last.clone(), SyncHandle::state))
    }

    fn changed(&self) {
        if let Some(h) = &self.handle {
            h.poke();
        }
    }

    fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.last = h.state();
            h.shutdown();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::store::UnixMs;

    #[test]
    fn connection_to_view() {
        let cases = [
            (Connection::Starting, UpstreamState::Connecting),
            (Connection::Connected { since: UnixMs(5) }, UpstreamState::Online),
            (Connection::Offline { since: UnixMs(5) }, UpstreamState::Offline),
        ];
        for (connection, view) in cases {
            let s = upstream::UpstreamState { connection, ..Default::default() };
            assert_eq!(view_state(&s), view, "{connection:?}");
        }
        let refused = upstream::UpstreamState {
            connection: Connection::Offline { since: UnixMs(5) },
            refusing: Some("database: Access denied (error 1045)".into()),
            ..Default::default()
        };
        assert_eq!(view_state(&refused), UpstreamState::Error("database: Access denied (error 1045)".into()));
    }
}
