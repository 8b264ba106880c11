//! The board on Linux: board files, GPIO lines through the character device (or simulated
//! ones), the power sequencer and the LEDs behind one [`Board`], and the USB port reset.
//!
//! [`Board`] implements [`Hardware`], so a [`ModemPort`](super::modem_port::ModemPort) made with
//! it carries out the driver's `UsbReset` and `PowerCycle` itself (the power cycle blocks for the
//! off time). Or the gateway drives it like the modem driver, with time as an argument:
//!
//! ```no_run
//! use smsgw::board::{pattern, GatewayView, Queue};
//! use smsgw::linux::board::{Board, BoardConfig};
//! use smsgw::linux::clock;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = BoardConfig::load("/etc/smsgw/board.toml".as_ref())?;
//! let mut board = Board::open(&config)?;
//! # let driver = smsgw::modem::Driver::new(smsgw::modem::Config::default(), clock::now());
//! // For every driver event: a PowerCycle switches the power line, a UsbReset resets the port.
//! // board.handle_event(clock::now(), &event)?;
//! // When board.poll_timeout() is reached:
//! board.handle_timeout(clock::now())?;
//! while let Some(e) = board.poll_event() {
//!     eprintln!("power: {e:?}");
//! }
//! // As often as the LEDs should move (every 25 ms or so):
//! let view = GatewayView::from_modem(driver.status(), Queue::from_counts(0, false, true));
//! board.set_leds(pattern(&view, clock::now()))?;
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use embedded_hal::digital::{ErrorKind, ErrorType, OutputPin};

use super::clock;
use super::modem_port::Hardware;
use crate::board::{self, Led, LedLevels, Line, OutputLine, PowerEvent, Request, Sequencer};
use crate::modem::Event;
use crate::time::Instant;

pub mod config;
pub mod gpio;
pub mod sim;
pub mod usb;

pub use config::{BoardConfig, ConfigError, PinDriver};
pub use gpio::GpioPin;
pub use sim::{PinChange, PinLog, SimClock, SimPin};
pub use usb::{UsbDevice, UsbError};

/// Why the board could not do something.
#[derive(Debug)]
pub enum Error {
    Config(ConfigError),
    /// A chip or line in the board file is not on this machine; `key` names it.
    NotFound {
        key: String,
        reason: String,
    },
    /// Two keys resolve to the same line (an offset and a line name, say).
    LineTwice {
        key: String,
        other: String,
    },
    /// The kernel refused a line (in use by another program, no permission).
    Request {
        key: String,
        reason: String,
    },
    /// The power sequencer or a line refused.
    Board(board::Error),
    Usb(UsbError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::NotFound { key, reason } => write!(f, "{key}: {reason}"),
            Error::LineTwice { key, other } => write!(f, "{key}: the same line as {other}"),
            Error::Request { key, reason } => write!(f, "{key}: {reason}"),
            Error::Board(e) => e.fmt(f),
            Error::Usb(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<board::Error> for Error {
    fn from(e: board::Error) -> Self {
        Error::Board(e)
    }
}

impl From<UsbError> for Error {
    fn from(e: UsbError) -> Self {
        Error::Usb(e)
    }
}

/// A GPIO line or a simulated one.
#[derive(Debug)]
pub enum Pin {
    Gpio(GpioPin),
    Sim(SimPin),
}

/// A line that could not be set.
#[derive(Debug)]
pub struct PinError(pub String);

impl embedded_hal::digital::Error for PinError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

impl ErrorType for Pin {
    type Error = PinError;
}

impl OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), PinError> {
        match self {
            Pin::Gpio(p) => p.set_low().map_err(|e| PinError(e.to_string())),
            Pin::Sim(p) => p.set_low().map_err(|e| match e {}),
        }
    }

    fn set_high(&mut self) -> Result<(), PinError> {
        match self {
            Pin::Gpio(p) => p.set_high().map_err(|e| PinError(e.to_string())),
            Pin::Sim(p) => p.set_high().map_err(|e| match e {}),
        }
    }
}

/// The simulated side of a board with simulated pins.
#[derive(Debug, Clone)]
pub struct SimWires {
    pub log: PinLog,
    pub clock: SimClock,
    /// USB resets asked for (a simulated board has no USB port to reset).
    pub usb_resets: u32,
}

/// The board: power line, LEDs and power sequencer. See the [module docs](self).
#[derive(Debug)]
pub struct Board {
    config: BoardConfig,
    inner: board::Board<Pin>,
    /// Where each line is, for messages: `line 17 on /dev/gpiochip0`.
    places: HashMap<Line, String>,
    sim: Option<SimWires>,
}

impl Board {
    /// Requests the board file's lines (GPIO, or simulated on the real clock when the file says
    /// `pins = "sim"`), each at its inactive level: modem powered, LEDs off.
    pub fn open(config: &BoardConfig) -> Result<Board, Error> {
        match config.pins {
            PinDriver::Gpio => Board::open_gpio(config),
            PinDriver::Sim => Board::simulated(config, SimClock::Real),
        }
    }

    /// The board file's lines as simulated pins, on `clock`, whatever the file's `pins`.
    pub fn simulated(config: &BoardConfig, clock: SimClock) -> Result<Board, Error> {
        config.validate()?;
        let log = PinLog::default();
        let mut places = HashMap::new();
        let mut lines: HashMap<Line, OutputLine<Pin>> = HashMap::new();
        for spec in config.lines() {
            let pin = SimPin::new(spec.role, spec.polarity.level(false), log.clone(), clock.clone());
            places.insert(spec.role, format!("line {} (simulated)", spec.line));
            lines.insert(spec.role, OutputLine::new(Pin::Sim(pin), spec.polarity));
        }
        let sim = SimWires { log, clock, usb_resets: 0 };
        Ok(Board::assemble(config, lines, places, Some(sim)))
    }

    fn open_gpio(config: &BoardConfig) -> Result<Board, Error> {
        config.validate()?;
        let mut chips: HashMap<config::ChipRef, PathBuf> = HashMap::new();
        let mut taken: HashMap<(PathBuf, u32), String> = HashMap::new();
        let mut places = HashMap::new();
        let mut lines = HashMap::new();
        for spec in config.lines() {
            let key = spec.key();
            let chip = match chips.get(&spec.chip) {
                Some(p) => p.clone(),
                None => {
                    let p =
                        gpio::find_chip(&spec.chip).map_err(|reason| Error::NotFound { key: key.clone(), reason })?;
                    chips.insert(spec.chip.clone(), p.clone());
                    p
                }
            };
            let offset =
                gpio::find_line(&chip, &spec.line).map_err(|reason| Error::NotFound { key: key.clone(), reason })?;
            if let Some(other) = taken.insert((chip.clone(), offset), key.clone()) {
                return Err(Error::LineTwice { key, other });
            }
            let inactive = spec.polarity.level(false);
            let pin = GpioPin::request(&chip, offset, inactive, inactive).map_err(|e| Error::Request {
                key: key.clone(),
                reason: format!("line {offset} on {}: {e}", chip.display()),
            })?;
            places.insert(spec.role, format!("line {offset} on {}", chip.display()));
            lines.insert(spec.role, OutputLine::new(Pin::Gpio(pin), spec.polarity));
        }
        Ok(Board::assemble(config, lines, places, None))
    }

    fn assemble(
        config: &BoardConfig,
        mut lines: HashMap<Line, OutputLine<Pin>>,
        places: HashMap<Line, String>,
        sim: Option<SimWires>,
    ) -> Board {
        let power = lines.remove(&Line::Power);
        // Validation made every LED a line.
        let mut led = |l| lines.remove(&Line::Led(l)).expect("every LED has a line");
        let leds = [led(Led::Health), led(Led::Network), led(Led::Queue)];
        Board { config: config.clone(), inner: board::Board::new(power, leds, config.power_config()), places, sim }
    }

    pub fn config(&self) -> &BoardConfig {
        &self.config
    }

    /// Acts on a driver event: [`Event::PowerCycle`] starts a power cycle, [`Event::UsbReset`]
    /// resets the USB port of the board file's modem device. Returns whether the event was
    /// one of these.
    pub fn handle_event(&mut self, now: Instant, event: &Event) -> Result<bool, Error> {
        match event {
            Event::PowerCycle => self.power_cycle(now, Request::Cycle).map(|()| true),
            Event::UsbReset => {
                let device = self.config.modem.device.clone();
                self.usb_reset(&device).map(|_| true)
            }
            _ => Ok(false),
        }
    }

    /// Starts a power cycle (or a switch-on) by hand.
    pub fn power_cycle(&mut self, now: Instant, request: Request) -> Result<(), Error> {
        Ok(self.inner.power_cycle(now, request)?)
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        Ok(self.inner.handle_timeout(now)?)
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout()
    }

    pub fn poll_event(&mut self) -> Option<PowerEvent> {
        self.inner.poll_event()
    }

    pub fn set_leds(&mut self, levels: LedLevels) -> Result<(), Error> {
        Ok(self.inner.set_leds(levels)?)
    }

    pub fn leds(&self) -> LedLevels {
        self.inner.leds()
    }

    /// Whether the modem's supply is on (`None` for a PWRKEY, which says nothing about it).
    pub fn supply_on(&self) -> Option<bool> {
        self.inner.supply_on()
    }

    pub fn sequencer(&self) -> &Sequencer {
        self.inner.sequencer()
    }

    /// Whether `line` is active now.
    pub fn line_active(&self, line: Line) -> Option<bool> {
        match line {
            Line::Power => self.inner.power_line().map(OutputLine::is_active),
            Line::Led(led) => Some(self.inner.led_line(led).is_active()),
        }
    }

    /// Where `line` is (`line 17 on /dev/gpiochip0`), `None` if it is not wired.
    pub fn place(&self, line: Line) -> Option<&str> {
        self.places.get(&line).map(String::as_str)
    }

    /// Resets the USB device behind `tty`. On a simulated board it is only counted.
    pub fn usb_reset(&mut self, tty: &Path) -> Result<Option<UsbDevice>, Error> {
        if let Some(sim) = self.sim.as_mut() {
            sim.usb_resets += 1;
            return Ok(None);
        }
        Ok(Some(usb::reset_tty(tty)?))
    }

    /// The simulated side, for a board with simulated pins.
    pub fn sim(&self) -> Option<&SimWires> {
        self.sim.as_ref()
    }

    /// The time the board runs on: a simulated board's hand-set clock, or the real one.
    pub fn now(&self) -> Instant {
        match self.sim.as_ref().map(|s| &s.clock) {
            Some(c @ SimClock::Manual(_)) => c.now(),
            _ => clock::now(),
        }
    }

    /// Starts a power cycle and waits until the line is back at rest (the supply restored, or
    /// the last PWRKEY press released), sleeping through the off time; on a hand-set clock the
    /// clock jumps instead. The boot wait goes on afterwards: [`PowerEvent::Booted`] comes from
    /// [`Board::handle_timeout`] as usual.
    pub fn power_cycle_blocking(&mut self, request: Request) -> Result<(), Error> {
        let now = self.now();
        self.power_cycle(now, request)?;
        while self.sequencer().is_switching() {
            let Some(t) = self.poll_timeout() else { break };
            match self.sim.as_ref().map(|s| &s.clock) {
                Some(c @ SimClock::Manual(_)) => c.set(t.max(c.now())),
                _ => std::thread::sleep(t.saturating_duration_since(clock::now())),
            }
            let now = self.now();
            self.handle_timeout(now)?;
        }
        Ok(())
    }
}

/// The board carries out the driver's hardware requests for [`ModemPort`](super::modem_port::ModemPort).
impl Hardware for Board {
    fn usb_reset(&mut self, tty: &Path) -> io::Result<()> {
        Board::usb_reset(self, tty).map(|_| ()).map_err(|e| io::Error::other(e.to_string()))
    }

    /// Blocks for the off time (the modem's port is closed meanwhile anyway).
    fn power_cycle(&mut self) -> io::Result<()> {
        self.power_cycle_blocking(Request::Cycle).map_err(|e| {
            let kind = match e {
                Error::Board(board::Error::NoSwitch) => io::ErrorKind::Unsupported,
                _ => io::ErrorKind::Other,
            };
            io::Error::new(kind, e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim_config(change: impl FnOnce(String) -> String) -> BoardConfig {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/board/sim.toml")).unwrap();
        BoardConfig::parse(&change(text)).unwrap()
    }

    #[test]
    fn the_hardware_requests_of_the_modem_port() {
        let clock = SimClock::manual();
        let mut board = Board::simulated(&sim_config(|t| t), clock.clone()).unwrap();
        Hardware::power_cycle(&mut board).unwrap();
        // Back at rest after the off time; the boot wait is still running.
        assert_eq!(clock.now(), Instant::from_millis(3_000));
        assert_eq!(board.supply_on(), Some(true));
        assert_eq!(board.poll_timeout(), Some(Instant::from_millis(13_000)));
        let power: Vec<bool> =
            board.sim().unwrap().log.changes().iter().filter(|c| c.line == Line::Power).map(|c| c.high).collect();
        assert_eq!(power, [false, true, false]);
        Hardware::usb_reset(&mut board, Path::new("/dev/ttyUSB0")).unwrap();
        assert_eq!(board.sim().unwrap().usb_resets, 1);

        let config = sim_config(|t| t.replace("switch = \"relay\"\nline = 17\n", "switch = \"none\"\n"));
        let mut board = Board::simulated(&config, SimClock::manual()).unwrap();
        let e = Hardware::power_cycle(&mut board).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");
    }
}
