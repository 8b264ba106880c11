//! The modem thread: owns the [`ModemPort`], turns it, hands every event and every change of
//! the driver's status to the core, and carries out the core's commands. It never touches the
//! store, so a slow flash never delays the modem.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::Duration;

use super::CoreInput;
use crate::linux::clock;
use crate::linux::log;
use crate::linux::modem_port::{Hardware, ModemPort, MAX_TURN};
use crate::modem::{self, Cause, Error as DriverError, Event, Failure, OutgoingPart, ReceiveToken};
use crate::time::Instant;

/// How long the thread waits for the core's next command after an event the core answers
/// (a part's outcome, a received message). Waiting on the channel instead of the port makes
/// the next part go out as soon as the core has recorded the last one; bytes from the modem
/// wait in the tty meanwhile.
const ANSWER_WAIT: Duration = Duration::from_millis(50);

/// What the core tells the modem thread. (Calls are hung up by the driver itself, as
/// `modem.hang_up_calls` says.)
#[derive(Debug)]
pub enum ModemCommand {
    /// Send this part (already recorded in flight in the store).
    Send(Box<OutgoingPart>),
    /// The received message is stored: the modem may delete it.
    Acknowledge(ReceiveToken),
    /// Start over after a fault: initialise the modem again.
    Reset,
    Stop,
}

/// The driver's status and the port's, as the core sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModemSnapshot {
    pub device: PathBuf,
    pub status: modem::Status,
    pub port_open: bool,
    pub port_error: Option<String>,
    /// The driver would take a part now.
    pub can_send: bool,
}

/// `Box<dyn Hardware + Send>` as a [`Hardware`].
struct Boxed(Box<dyn Hardware + Send>);

impl std::fmt::Debug for Boxed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hardware")
    }
}

impl Hardware for Boxed {
    fn usb_reset(&mut self, tty: &std::path::Path) -> std::io::Result<()> {
        self.0.usb_reset(tty)
    }

    fn power_cycle(&mut self) -> std::io::Result<()> {
        self.0.power_cycle()
    }
}

/// A part the driver refused for the moment (a race with a state change the core had not
/// seen yet): offered again each turn until `until`, then failed for now.
#[derive(Debug)]
struct Held {
    part: OutgoingPart,
    until: Instant,
}

/// Runs until [`ModemCommand::Stop`] or until the core is gone.
pub fn run(
    device: PathBuf,
    baud: u32,
    config: modem::Config,
    hardware: Box<dyn Hardware + Send>,
    commands: Receiver<ModemCommand>,
    core: Sender<CoreInput>,
) {
    let send_wait = config.timings.send_wait;
    let mut port = ModemPort::new(&device, baud, config, Boxed(hardware));
    let mut held: Option<Held> = None;
    let mut last: Option<ModemSnapshot> = None;
    let mut answer_wait = false;
    loop {
        // The commands waiting, or (right after an event the core answers) the first one to come.
        let first = if answer_wait {
            match commands.recv_timeout(ANSWER_WAIT) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            None
        };
        let mut next = first;
        loop {
            let cmd = match next.take() {
                Some(c) => c,
                None => match commands.try_recv() {
                    Ok(c) => c,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                },
            };
            let now = clock::now();
            match cmd {
                ModemCommand::Send(part) => match port.driver().send(now, (*part).clone()) {
                    Ok(()) => {}
                    Err(DriverError::InvalidPart { reason }) => {
                        log::error!("modem: part {} refused: {reason}", part.id.0);
                        let failure = Failure::Temporary(Cause::Error);
                        if core.send(CoreInput::Event(Event::PartFailed { id: part.id, failure })).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        log::debug!("modem: part {} held: {e}", part.id.0);
                        held = Some(Held { part: *part, until: now + send_wait });
                    }
                },
                ModemCommand::Acknowledge(token) => port.driver().acknowledge(now, token),
                ModemCommand::Reset => port.driver().reset(now),
                ModemCommand::Stop => return,
            }
        }
        if let Some(h) = held.take() {
            let now = clock::now();
            if port.driver().can_send().is_ok() {
                if let Err(e) = port.driver().send(now, h.part.clone()) {
                    log::warning!("modem: part {} refused: {e}", h.part.id.0);
                    let failure = Failure::Temporary(Cause::NotReady);
                    if core.send(CoreInput::Event(Event::PartFailed { id: h.part.id, failure })).is_err() {
                        return;
                    }
                }
            } else if now.reached(h.until) {
                let cause = match port.driver().can_send() {
                    Err(DriverError::NotRegistered) => Cause::NotRegistered,
                    Err(DriverError::Faulted(f)) => Cause::Faulted(f),
                    _ => Cause::NotReady,
                };
                let failure = Failure::Temporary(cause);
                if core.send(CoreInput::Event(Event::PartFailed { id: h.part.id, failure })).is_err() {
                    return;
                }
            } else {
                held = Some(h);
            }
        }

        port.turn(MAX_TURN);

        answer_wait = false;
        while let Some(event) = port.next_event() {
            answer_wait |= matches!(event, Event::PartSent { .. } | Event::PartFailed { .. } | Event::Received { .. });
            if core.send(CoreInput::Event(event)).is_err() {
                return;
            }
        }
        for e in port.take_hardware_errors() {
            if e.error.kind() == std::io::ErrorKind::Unsupported {
                // No board to do it: the ladder goes on to its next step. Not an error.
                log::info!("modem: {:?} skipped: {}", e.request, e.error);
                continue;
            }
            let text = format!("{:?} failed: {}", e.request, e.error);
            if core.send(CoreInput::HardwareError(text)).is_err() {
                return;
            }
        }
        let snapshot = ModemSnapshot {
            device: device.clone(),
            status: port.status().clone(),
            port_open: port.is_open(),
            port_error: port.port_error().map(str::to_string),
            can_send: held.is_none() && port.driver().can_send().is_ok(),
        };
        if last.as_ref() != Some(&snapshot) {
            last = Some(snapshot.clone());
            if core.send(CoreInput::Modem(Box::new(snapshot))).is_err() {
                return;
            }
        }
    }
}
