//! The gateway daemon: a few threads and channels, no async.
//!
//! - The **modem thread** ([`modem_thread`]) owns the serial port and the driver: it turns
//!   them, forwards every event and status change to the core, and carries out the core's
//!   commands (send a part, acknowledge a received message, hang up). It never touches the
//!   store.
//! - The **core thread** ([`core_thread`]) owns the decisions and the [`Store`]: it recovers
//!   parts a crash left in flight, hands out the next part when the modem can take one
//!   (recording it in flight *before* it goes out), records each outcome, keeps received
//!   messages before they are acknowledged ([`inbox`]), records delivery reports, answers the
//!   control socket, compacts the store now and then, and pings systemd's watchdog.
//! - The **control thread** ([`crate::linux::control`]) accepts connections on the control
//!   socket and passes each request to the core with a channel for the answer.
//!
//! The store is an `Arc<Store>` so that the upstream sync can share it; it only inserts and
//! reports, and nudges the core through a [`Handle`]. The board's LEDs follow the
//! [`GatewayView`] the core publishes whenever it changes.

pub mod board_leds;
mod core_thread;
pub mod hook_worker;
pub mod inbox;
mod modem_thread;
pub mod protocol;
pub mod signals;
pub mod upstream_link;
pub mod view;

use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

pub use board_leds::SharedBoard;
pub use modem_thread::ModemSnapshot;
pub use protocol::{MessageInfo, Request};
pub use upstream_link::SyncUpstream;
pub use view::{GatewayView, Health, Led, ModemState, NetworkState, QueueState, UpstreamState};

use super::config::{self, Config};
use super::control;
use super::modem_port::Hardware;
use super::store::{self, MessageId, StateKind, Store};
use super::systemd::Notifier;
use crate::modem::Event;

/// Errors that keep the gateway from starting.
#[derive(Debug)]
pub enum Error {
    Config(config::Error),
    Store(store::Error),
    /// The upstream sync could not start.
    Upstream(String),
    /// A file or socket the gateway needs: `what` says which.
    Io {
        what: String,
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Store(e) => e.fmt(f),
            Error::Upstream(e) => write!(f, "upstream: {e}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<config::Error> for Error {
    fn from(e: config::Error) -> Self {
        Error::Config(e)
    }
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        Error::Store(e)
    }
}

/// The upstream sync as the core sees it: it reports its state for the status and the LEDs,
/// hears when local changes wait to be pushed, and is stopped with the gateway.
pub trait Upstream: Send {
    fn state(&self) -> UpstreamState;
    /// The link, the last error and the counters, for `smsgw status`.
    fn report(&self) -> Option<super::upstream::UpstreamState> {
        None
    }
    /// Messages changed state: pushes are waiting in the store.
    fn changed(&self) {}
    /// The gateway is stopping.
    fn stop(&mut self) {}
}

/// A message changed state (or one of its parts did): for the demo and the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageChange {
    pub id: MessageId,
    pub recipient: String,
    pub state: StateKind,
    /// What happened, in words.
    pub detail: String,
}

/// Called with each new view, on the core thread: it must not block (set LEDs, send a message
/// to another thread).
pub type ViewHook = Box<dyn FnMut(&GatewayView) + Send>;
/// Starts the upstream sync once the gateway has a [`Handle`] it can wake the core with.
pub type UpstreamStart = Box<dyn FnOnce(Handle) -> Result<Box<dyn Upstream>, String> + Send>;
/// Called with each message change.
pub type ChangeHook = Box<dyn FnMut(&MessageChange) + Send>;

/// Everything the gateway is made of.
pub struct Setup {
    pub config: Config,
    /// Opened by the caller (and shared with the upstream sync, if any).
    pub store: Arc<Store>,
    /// USB reset and power switch; `NoHardware` without a board.
    pub hardware: Box<dyn Hardware + Send>,
    /// The board whose LEDs the core drives (usually also `hardware`); `None`: no LEDs.
    pub board: Option<SharedBoard>,
    /// The upstream sync, if one is configured: it shares the store, and wakes the core
    /// through the handle after it inserted messages.
    pub upstream: Option<UpstreamStart>,
    pub on_view: Option<ViewHook>,
    pub on_change: Option<ChangeHook>,
    pub notifier: Notifier,
    /// Serve the control socket of `config.control`.
    pub serve_control: bool,
}

impl fmt::Debug for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setup").field("config", &self.config).field("store", &self.store).finish_non_exhaustive()
    }
}

/// What reaches the core thread.
#[derive(Debug)]
pub(crate) enum CoreInput {
    Event(Event),
    Modem(Box<ModemSnapshot>),
    HardwareError(String),
    Request(Request, Sender<Value>),
    /// Look at the queue now (something was inserted).
    Wake,
    Stop,
}

/// How long a client request may wait for the core: longer than any store operation.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A way to talk to the running core: from the control socket, the upstream sync, the demo.
#[derive(Debug, Clone)]
pub struct Handle {
    tx: Sender<CoreInput>,
}

impl Handle {
    /// New messages are in the store: look at the queue now rather than at the next poll.
    pub fn wake(&self) {
        let _ = self.tx.send(CoreInput::Wake);
    }

    /// Stop: the part in flight is finished first (within its result timeout).
    pub fn stop(&self) {
        let _ = self.tx.send(CoreInput::Stop);
    }

    /// One request; its answer (`{"ok":…}`).
    pub fn request(&self, request: Request) -> Value {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(CoreInput::Request(request, tx)).is_err() {
            return protocol::failed("the gateway is stopping");
        }
        rx.recv_timeout(REQUEST_TIMEOUT).unwrap_or_else(|_| protocol::failed("the gateway did not answer in time"))
    }
}

/// The running gateway.
#[derive(Debug)]
pub struct Gateway {
    handle: Handle,
    core: JoinHandle<()>,
    modem: JoinHandle<()>,
    control: Option<control::Server>,
}

impl Gateway {
    /// Recovers the store, opens the received-message file and the control socket, and starts
    /// the threads. Returns at once: the modem is opened and initialised by the modem thread.
    pub fn start(setup: Setup) -> Result<Gateway, Error> {
        let Setup { config, store, hardware, board, upstream, on_view, on_change, notifier, serve_control } = setup;
        let driver_config = config.driver_config()?;
        let (core_tx, core_rx): (Sender<CoreInput>, Receiver<CoreInput>) = mpsc::channel();
        let (modem_tx, modem_rx) = mpsc::channel();
        let handle = Handle { tx: core_tx.clone() };
        let upstream = upstream.map(|start| start(handle.clone())).transpose().map_err(Error::Upstream)?;
        let core = core_thread::Core::new(core_thread::Parts {
            config: config.clone(),
            store,
            rx: core_rx,
            modem: modem_tx,
            upstream,
            on_view,
            on_change,
            notifier,
            board,
        })?;
        let control = if serve_control {
            let c = &config.control;
            Some(
                control::Server::start(&c.socket, c.group.as_deref(), handle.clone())
                    .map_err(|source| Error::Io { what: format!("control socket {}", c.socket.display()), source })?,
            )
        } else {
            None
        };
        let spawn = |name: &str| std::thread::Builder::new().name(name.to_string());
        let device = config.modem.device.clone();
        let baud = config.modem.baud;
        let modem = spawn("modem")
            .spawn(move || modem_thread::run(device, baud, driver_config, hardware, modem_rx, core_tx))
            .map_err(|source| Error::Io { what: "starting the modem thread".into(), source })?;
        let core = spawn("core")
            .spawn(move || core.run())
            .map_err(|source| Error::Io { what: "starting the core thread".into(), source })?;
        Ok(Gateway { handle, core, modem, control })
    }

    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Whether the core has stopped (after [`Handle::stop`], or on its own after a failure).
    pub fn is_finished(&self) -> bool {
        self.core.is_finished()
    }

    /// Asks the gateway to stop and waits until it has.
    pub fn stop(self) {
        self.handle.stop();
        self.wait();
    }

    /// Waits until the gateway has stopped.
    pub fn wait(self) {
        let _ = self.core.join();
        // The core tells the modem thread to stop on its way out.
        let _ = self.modem.join();
        drop(self.control);
    }
}
