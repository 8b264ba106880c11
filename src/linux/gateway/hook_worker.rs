//! The thread that runs the receive hook: one message at a time, in the order they arrived,
//! from the store's hook marks, so a message received just before a crash or a power cut gets
//! its run after the restart. The core only wakes it; a slow or hanging hook never holds up
//! sending or receiving.
//!
//! A run that fails is logged and not repeated (the program saw the message; running it
//! again could do its work twice). A run cut short by a crash is repeated at the next start:
//! a hook may see a message twice, never miss one.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::inbox::received_json;
use crate::linux::hook::Hook;
use crate::linux::log;
use crate::linux::store::{Store, TaskKind};

/// How often the worker looks at the marks without being woken: it is woken for every new
/// message, so this only matters after a store error.
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// Messages handled between two looks at the stop signal.
const BATCH: usize = 16;

#[derive(Debug)]
enum Signal {
    Wake,
    Stop,
}

/// The running worker.
#[derive(Debug)]
pub struct HookWorker {
    tx: Sender<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl HookWorker {
    pub fn spawn(store: Arc<Store>, hook: Hook, gateway: String) -> std::io::Result<HookWorker> {
        let (tx, rx) = mpsc::channel();
        let thread =
            std::thread::Builder::new().name("hook".into()).spawn(move || run(&store, &hook, &gateway, &rx))?;
        Ok(HookWorker { tx, thread: Some(thread) })
    }

    /// A message was stored: look for work now.
    pub fn wake(&self) {
        let _ = self.tx.send(Signal::Wake);
    }

    /// Stops after the run in progress, if any.
    pub fn stop(&mut self) {
        let _ = self.tx.send(Signal::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HookWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(store: &Store, hook: &Hook, gateway: &str, rx: &Receiver<Signal>) {
    loop {
        let more = match run_due(store, hook, gateway) {
            Ok(more) => more,
            Err(e) => {
                log::error!("hook: reading the messages to hand over failed: {e}");
                false
            }
        };
        let wait = if more { Duration::ZERO } else { IDLE_CHECK };
        match rx.recv_timeout(wait) {
            Ok(Signal::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Signal::Wake) | Err(RecvTimeoutError::Timeout) => {}
        }
        // Wakes that piled up while the hook ran are one look at the marks.
        loop {
            match rx.try_recv() {
                Ok(Signal::Wake) => {}
                Ok(Signal::Stop) | Err(mpsc::TryRecvError::Disconnected) => return,
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
    }
}

/// Runs the hook for up to [`BATCH`] marked messages; true when more may be waiting.
fn run_due(store: &Store, hook: &Hook, gateway: &str) -> crate::linux::store::Result<bool> {
    let ids = store.tasks(TaskKind::Hook, BATCH)?;
    for &id in &ids {
        match store.received(id)? {
            Some(m) => {
                let input = received_json(&m, gateway).to_string();
                match hook.run(input.as_bytes()) {
                    Ok(()) => log::debug!("hook: message {id} from {} handed over", m.sender),
                    Err(e) => log::error!("hook: message {id} from {}: {e}", m.sender),
                }
            }
            None => log::warning!("hook: message {id} is no longer kept; skipped"),
        }
        store.finish_task(TaskKind::Hook, id)?;
    }
    Ok(ids.len() == BATCH)
}
