//! [`Driver`]: the sans-IO face of the modem state machine.

use super::config::Config;
use super::engine::Engine;
use super::event::{DeviceEvent, Event, OutgoingPart, ReceiveToken};
use super::status::Status;
use super::Error;
use crate::codec::at::Digester;
use crate::time::Instant;

/// Drives one GSM modem: bytes, device changes, timeouts and requests in through `handle_*`
/// and the request methods; bytes to write, events and the next deadline out through
/// `poll_*`. It does no IO and reads no clock.
///
/// After every call that takes `now`, the caller writes what [`Driver::poll_transmit`] gives,
/// drains [`Driver::poll_event`], and calls [`Driver::handle_timeout`] when the clock reaches
/// [`Driver::poll_timeout`]. Events are held in a bounded queue; one the caller leaves there
/// while the queue is full is dropped and counted.
///
/// ```
/// use smsgw::modem::{Config, DeviceEvent, Driver, Event, RecoveryStep};
/// use smsgw::time::Instant;
///
/// let mut driver = Driver::new(Config::default(), Instant::ZERO);
/// driver.handle_device(Instant::ZERO, DeviceEvent::Opened);
/// // The first thing to write is the wake-up probe.
/// assert_eq!(driver.poll_transmit(), Some(&b"AT\r"[..]));
/// // The modem answers; initialisation goes on, one command at a time.
/// driver.handle_bytes(Instant::from_millis(20), b"\r\nOK\r\n");
/// assert_eq!(driver.poll_transmit(), Some(&b"ATE0\r"[..]));
/// assert_eq!(driver.poll_transmit(), None);
/// // No answer by the deadline: the modem counts as hung, and the recovery ladder starts.
/// let deadline = driver.poll_timeout().unwrap();
/// driver.handle_timeout(deadline);
/// assert_eq!(driver.poll_event(), Some(Event::Recovery { step: RecoveryStep::Resync, attempt: 1 }));
/// assert_eq!(driver.poll_transmit(), Some(&[0x1B][..])); // ESC: leave a prompt, if stuck in one
/// ```
#[derive(Debug, Clone)]
pub struct Driver {
    digester: Digester,
    engine: Engine,
}

impl Driver {
    /// A driver waiting for the device ([`DeviceEvent::Opened`]).
    pub fn new(config: Config, now: Instant) -> Driver {
        Driver { digester: Digester::new(), engine: Engine::new(config, now) }
    }

    /// The serial port opened or went away.
    pub fn handle_device(&mut self, now: Instant, event: DeviceEvent) {
        self.engine.device(now, event == DeviceEvent::Opened);
        self.after_input(now);
    }

    /// Everything read from the port, in any chunks.
    pub fn handle_bytes(&mut self, now: Instant, mut bytes: &[u8]) {
        if !self.engine.listening() {
            return;
        }
        while !bytes.is_empty() {
            let taken = self.digester.push(bytes);
            bytes = bytes.get(taken..).unwrap_or_default();
            let mut items = 0;
            while let Some(item) = self.digester.poll() {
                items += 1;
                match item {
                    Ok(item) => self.engine.on_item(now, item),
                    Err(e) => self.engine.on_digest_error(e),
                }
                self.sync_digester();
            }
            if taken == 0 && items == 0 {
                // The digester takes a byte whenever no item is waiting; this cannot happen.
                break;
            }
        }
        self.after_input(now);
    }

    /// Handles every timer that `now` has reached. Call when `now >= poll_timeout()`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.engine.on_timeout(now);
        self.after_input(now);
    }

    /// Takes one part to send. Refused while another part is in the driver, while the modem
    /// is not initialised or not registered, and for a part whose lengths disagree.
    pub fn send(&mut self, now: Instant, part: OutgoingPart) -> Result<(), Error> {
        let result = self.engine.send(now, part);
        self.after_input(now);
        result
    }

    /// Whether [`Driver::send`] would take a part now.
    pub fn can_send(&self) -> Result<(), Error> {
        self.engine.can_send()
    }

    /// The caller stored the message of [`Event::Received`]: it is deleted from the modem.
    /// Unknown or repeated tokens are ignored, so a message is never deleted twice.
    pub fn acknowledge(&mut self, now: Instant, token: ReceiveToken) {
        self.engine.acknowledge(now, token);
        self.after_input(now);
    }

    /// Hangs up the incoming call, if one is ringing.
    pub fn hang_up(&mut self, now: Instant) {
        self.engine.hang_up(now);
        self.after_input(now);
    }

    /// Starts over: clears a fault (including [`Fault::WrongPin`](super::Fault::WrongPin): the
    /// configured PIN may be entered once more) and the recovery ladder's counts.
    pub fn reset(&mut self, now: Instant) {
        self.engine.reset(now);
        self.after_input(now);
    }

    /// Replaces the configuration (a corrected PIN, say); takes effect from the next use of
    /// each setting. Call [`Driver::reset`] to initialise again with it.
    pub fn set_config(&mut self, config: Config) {
        self.engine.config = config;
    }

    /// Bytes to write to the modem now. They are handed out once.
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.engine.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.engine.poll_event()
    }

    /// When [`Driver::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    pub fn status(&self) -> &Status {
        self.engine.status()
    }

    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    fn sync_digester(&mut self) {
        if self.engine.take_digester_reset() {
            self.digester.reset();
        }
        self.digester.set_expected(self.engine.expected());
    }

    fn after_input(&mut self, now: Instant) {
        self.engine.schedule(now);
        self.sync_digester();
        self.engine.sync_phase();
    }

    #[cfg(test)]
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }
}
