//! The modem driver on a real serial port: the loop that feeds [`Driver`] the port's bytes and
//! the clock's time, writes what it asks to write, and carries out its requests to the hardware.
//!
//! [`ModemPort::turn`] does one round and returns; the caller decides what runs around it (the
//! daemon's modem thread, or a tool such as `smsgw send` that stops at the event it waits for).
//! The driver's events come out of [`ModemPort::next_event`]; `UsbReset` and `PowerCycle` are
//! carried out by the [`Hardware`] before they are handed on, so the caller only logs them.
//!
//! A port that fails (the USB modem vanished, rebooted into a new device node, or was unplugged)
//! is closed and reopened every [`REOPEN_INTERVAL`] by the same path, which is why a
//! `/dev/serial/by-id/...` path or a udev symlink is the one to configure.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::clock;
use super::serial::{Port, READ_CHUNK};
use crate::modem::{Config, DeviceEvent, Driver, Event};
use crate::time::Instant;

/// How often a vanished device is looked for again.
pub const REOPEN_INTERVAL: Duration = Duration::from_millis(500);

/// The longest a turn waits for bytes when the driver has no deadline sooner: the caller gets
/// control back this often to take requests and to see a shutdown.
pub const MAX_TURN: Duration = Duration::from_millis(200);

/// What the driver asks of the hardware around the modem. The board layer implements it with
/// GPIO power control; without a board, [`NoHardware`] says it cannot, and the driver's recovery
/// ladder goes on to its next step.
pub trait Hardware {
    /// Resets the USB device behind the tty at `tty` (`USBDEVFS_RESET`).
    fn usb_reset(&mut self, tty: &Path) -> io::Result<()>;
    /// Switches the modem's power off and on (may block for the off time).
    fn power_cycle(&mut self) -> io::Result<()>;
}

/// No hardware control: a modem on a plain USB port with no power switch and no USB reset.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHardware;

impl Hardware for NoHardware {
    fn usb_reset(&mut self, _tty: &Path) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no USB reset configured"))
    }

    fn power_cycle(&mut self) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no power switch configured"))
    }
}

/// A hardware request that failed, reported beside the event that asked for it.
#[derive(Debug)]
pub struct HardwareError {
    pub request: Event,
    pub error: io::Error,
}

/// The driver, its port and its hardware.
#[derive(Debug)]
pub struct ModemPort<H: Hardware> {
    path: PathBuf,
    baud: u32,
    port: Option<Port>,
    /// When a closed port is next tried.
    reopen_at: Instant,
    /// Why the port last failed to open or broke, for status reports.
    last_port_error: Option<String>,
    driver: Driver,
    hardware: H,
    /// Hardware requests that failed since the caller last asked.
    hardware_errors: Vec<HardwareError>,
}

impl<H: Hardware> ModemPort<H> {
    /// A driver for the modem at `path`. The port is opened on the first turn (and again
    /// whenever it breaks), so a modem that is not there yet is not an error.
    pub fn new(path: &Path, baud: u32, config: Config, hardware: H) -> ModemPort<H> {
        let now = clock::now();
        ModemPort {
            path: path.to_path_buf(),
            baud,
            port: None,
            reopen_at: now,
            last_port_error: None,
            driver: Driver::new(config, now),
            hardware,
            hardware_errors: Vec::new(),
        }
    }

    /// The device path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the port is open.
    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// Why the port is not open (or last broke), if it is not.
    pub fn port_error(&self) -> Option<&str> {
        self.last_port_error.as_deref()
    }

    /// The driver, for its status and for requests (`send`, `acknowledge`, `hang_up`).
    /// Whatever a request makes it write goes out at the start of the next turn.
    pub fn driver(&mut self) -> &mut Driver {
        &mut self.driver
    }

    /// The driver's status.
    pub fn status(&self) -> &crate::modem::Status {
        self.driver.status()
    }

    /// The hardware, e.g. for the LEDs.
    pub fn hardware(&mut self) -> &mut H {
        &mut self.hardware
    }

    /// One round: write what is pending, wait for the modem's bytes until the driver's next
    /// deadline or `max_wait` (at most [`MAX_TURN`]), hand them over, fire a due timeout, and
    /// write what that produced. Then take the events with [`next_event`](Self::next_event).
    pub fn turn(&mut self, max_wait: Duration) {
        self.flush();
        let now = clock::now();
        if self.port.is_none() && now.reached(self.reopen_at) {
            self.open(now);
        }
        let mut wait = max_wait.min(MAX_TURN);
        if let Some(deadline) = self.driver.poll_timeout() {
            wait = wait.min(deadline.saturating_duration_since(now));
        }
        if self.port.is_none() {
            wait = wait.min(self.reopen_at.saturating_duration_since(now));
        }
        let mut buf = [0u8; READ_CHUNK];
        match self.port.as_mut() {
            Some(port) => match port.read_timeout(&mut buf, wait) {
                Ok(0) => {}
                Ok(n) => self.driver.handle_bytes(clock::now(), &buf[..n]),
                Err(e) => self.lost(e),
            },
            None => std::thread::sleep(wait),
        }
        let now = clock::now();
        if self.driver.poll_timeout().is_some_and(|deadline| now.reached(deadline)) {
            self.driver.handle_timeout(now);
        }
        self.flush();
    }

    /// The driver's next event. `UsbReset` and `PowerCycle` have been carried out (or have
    /// failed: see [`take_hardware_errors`](Self::take_hardware_errors)) when they come out.
    pub fn next_event(&mut self) -> Option<Event> {
        let event = self.driver.poll_event()?;
        let done = match event {
            Event::UsbReset => {
                let result = self.hardware.usb_reset(&self.path);
                // The device node goes away with the reset; look for it again after it.
                self.close();
                result
            }
            Event::PowerCycle => {
                self.close();
                self.hardware.power_cycle()
            }
            _ => Ok(()),
        };
        if let Err(error) = done {
            self.hardware_errors.push(HardwareError { request: event.clone(), error });
        }
        Some(event)
    }

    /// Hardware requests that failed since the last call.
    pub fn take_hardware_errors(&mut self) -> Vec<HardwareError> {
        std::mem::take(&mut self.hardware_errors)
    }

    fn open(&mut self, now: Instant) {
        match Port::open(&self.path, self.baud) {
            Ok(port) => {
                self.port = Some(port);
                self.last_port_error = None;
                self.driver.handle_device(now, DeviceEvent::Opened);
            }
            Err(e) => {
                self.last_port_error = Some(e.to_string());
                self.reopen_at = now + REOPEN_INTERVAL;
            }
        }
    }

    /// The port broke: tell the driver, and look for the device again shortly.
    fn lost(&mut self, error: io::Error) {
        self.last_port_error = Some(format!("{}: {error}", self.path.display()));
        self.close();
    }

    fn close(&mut self) {
        if self.port.take().is_some() {
            let now = clock::now();
            self.driver.handle_device(now, DeviceEvent::Closed);
            self.reopen_at = now + REOPEN_INTERVAL;
        }
    }

    /// Writes everything the driver has to say.
    fn flush(&mut self) {
        let mut failed = None;
        while let Some(bytes) = self.driver.poll_transmit() {
            // Without a device (or after a failed write) the bytes are dropped: the driver learns
            // of it through `Closed` and starts over when the device is back.
            if let (Some(port), None) = (self.port.as_mut(), failed.as_ref()) {
                failed = port.write_all(bytes).err();
            }
        }
        if let Some(e) = failed {
            self.lost(e);
        }
    }
}
