//! Shared by the store tests: a store in a temporary directory, per backend.
#![allow(dead_code)]

use std::path::PathBuf;

use smsgw::linux::store::{Backend, Config, NewMessage, Store, UnixMs};

/// Every backend this build has.
pub fn backends() -> Vec<Backend> {
    vec![
        Backend::Redb,
        #[cfg(feature = "sled")]
        Backend::Sled,
    ]
}

pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub config: Config,
    pub store: Option<Store>,
}

impl TestStore {
    pub fn new(backend: Backend) -> TestStore {
        TestStore::with(Config { backend, ..Config::default() })
    }

    pub fn with(config: Config) -> TestStore {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("queue");
        let store = Store::open(&path, config.clone()).expect("open");
        TestStore { dir, path, config, store: Some(store) }
    }

    pub fn s(&self) -> &Store {
        self.store.as_ref().expect("store is open")
    }

    /// Closes and opens the store again, as a restart does.
    pub fn reopen(&mut self) {
        self.store = None;
        self.store = Some(Store::open(&self.path, self.config.clone()).expect("reopen"));
    }

    pub fn close(&mut self) {
        self.store = None;
    }
}

pub fn msg(recipient: &str, text: &str, parts: u8) -> NewMessage {
    NewMessage::new(recipient, text, parts)
}

pub fn t(ms: u64) -> UnixMs {
    UnixMs(ms)
}
