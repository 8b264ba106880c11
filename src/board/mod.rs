//! The board: the modem's power switch and the status LEDs, portable like the codec (`no_std`,
//! no allocation), so the same logic drives a Raspberry Pi's GPIO lines and a microcontroller's.
//!
//! - [`pins`]: output lines over [`embedded_hal::digital::OutputPin`], each with its active level.
//! - [`power`]: the power [`Sequencer`], a sans-IO state machine that turns the driver's
//!   [`Event::PowerCycle`](crate::modem::Event::PowerCycle) into timed changes of the power line
//!   (cut and restore a supply, or pulse a module's PWRKEY), says when the modem has had its boot
//!   time, and refuses to cycle a dead modem more than a few times an hour.
//! - [`leds`]: the LED patterns, a pure function of the gateway's state and the time.
//! - [`render`]: the LEDs as text (`●`/`○`, ANSI colours) for a terminal.
//! - [`Board`]: the lines and the sequencer together, the face the gateway uses.
//!
//! Time is an argument here too: the caller hands `now` to every input and calls
//! [`Board::handle_timeout`] when [`Board::poll_timeout`] says.

use core::fmt;

pub mod leds;
pub mod pins;
pub mod power;
pub mod render;

mod driver;

pub use driver::Board;
pub use leds::{pattern, GatewayView, Health, LedLevels, Network, Pattern, Queue};
pub use pins::{OutputLine, Polarity};
pub use power::{PowerConfig, PowerCounters, PowerEvent, Pulse, Request, Sequencer, Stage, Switch};

/// One of the status LEDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Led {
    /// Power and health of the gateway as a whole.
    Health,
    /// The modem's network registration.
    Network,
    /// The local queue and the upstream sync.
    Queue,
}

impl Led {
    /// Every LED, in the order they are shown and walked.
    pub const ALL: [Led; 3] = [Led::Health, Led::Network, Led::Queue];

    /// The name board files and displays use.
    pub fn name(self) -> &'static str {
        match self {
            Led::Health => "health",
            Led::Network => "network",
            Led::Queue => "queue",
        }
    }
}

/// An output line of the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Line {
    /// The modem's power switch or PWRKEY.
    Power,
    Led(Led),
}

impl Line {
    /// Every line: power first, then the LEDs.
    pub const ALL: [Line; 4] = [Line::Power, Line::Led(Led::Health), Line::Led(Led::Network), Line::Led(Led::Queue)];

    pub fn name(self) -> &'static str {
        match self {
            Line::Power => "power",
            Line::Led(led) => led.name(),
        }
    }
}

/// Why the board did not do what it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// A power cycle is already switching the line.
    Busy,
    /// The board has no power switch wired: only a USB reset can help the modem.
    NoSwitch,
    /// The configured number of power cycles within the window has been reached; the next is
    /// allowed at `until`. A modem that needs more is dead, and cycling it again only hides that.
    CycleLimit { until: crate::time::Instant },
    /// Setting a line's level failed (the GPIO driver refused it).
    Pin { line: Line },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Busy => f.write_str("a power cycle is already in progress"),
            Error::NoSwitch => f.write_str("no power switch is wired"),
            Error::CycleLimit { until } => {
                write!(f, "power cycle limit reached; next one allowed at {} ms", until.as_millis())
            }
            Error::Pin { line } => write!(f, "could not set the {} line", line.name()),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
