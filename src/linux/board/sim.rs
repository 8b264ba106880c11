//! Simulated pins: they record every level they are set to, with the time, for tests and
//! `smsgw demo`. The time comes from a [`SimClock`]: the real one, or one a test sets by hand.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use embedded_hal::digital::{ErrorType, OutputPin, StatefulOutputPin};

use crate::board::Line;
use crate::linux::clock;
use crate::time::Instant;

/// Where simulated pins read the time.
#[derive(Debug, Clone)]
pub enum SimClock {
    /// [`clock::now`].
    Real,
    /// The time last set with [`SimClock::set`]; shared by every clone.
    Manual(Arc<AtomicU64>),
}

impl SimClock {
    /// A hand-set clock at [`Instant::ZERO`].
    pub fn manual() -> SimClock {
        SimClock::Manual(Arc::new(AtomicU64::new(0)))
    }

    pub fn now(&self) -> Instant {
        match self {
            SimClock::Real => clock::now(),
            SimClock::Manual(t) => Instant::from_millis(t.load(Ordering::SeqCst)),
        }
    }

    /// Sets a manual clock (a real one cannot be set: nothing happens).
    pub fn set(&self, now: Instant) {
        if let SimClock::Manual(t) = self {
            t.store(now.as_millis(), Ordering::SeqCst);
        }
    }
}

/// One level a simulated pin was set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinChange {
    pub at: Instant,
    pub line: Line,
    /// The electrical level.
    pub high: bool,
}

/// Every level the pins of one board were set to, oldest first; the first entry of each line
/// is the level it was requested with. Clones share the log.
#[derive(Debug, Clone, Default)]
pub struct PinLog(Arc<Mutex<Vec<PinChange>>>);

impl PinLog {
    pub fn changes(&self) -> Vec<PinChange> {
        self.lock().clone()
    }

    /// The changes so far, leaving the log empty.
    pub fn take(&self) -> Vec<PinChange> {
        std::mem::take(&mut *self.lock())
    }

    /// The level `line` was last set to, if it was ever set.
    pub fn level(&self, line: Line) -> Option<bool> {
        self.lock().iter().rev().find(|c| c.line == line).map(|c| c.high)
    }

    fn push(&self, change: PinChange) {
        self.lock().push(change);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PinChange>> {
        // A test that panicked while holding the log leaves it as it was: still worth reading.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pin that records every level it is set to.
#[derive(Debug)]
pub struct SimPin {
    line: Line,
    high: bool,
    log: PinLog,
    clock: SimClock,
}

impl SimPin {
    /// A pin requested at level `high`; the request is the first entry in the log.
    pub fn new(line: Line, high: bool, log: PinLog, clock: SimClock) -> SimPin {
        log.push(PinChange { at: clock.now(), line, high });
        SimPin { line, high, log, clock }
    }

    pub fn line(&self) -> Line {
        self.line
    }

    fn set(&mut self, high: bool) {
        self.high = high;
        self.log.push(PinChange { at: self.clock.now(), line: self.line, high });
    }
}

impl ErrorType for SimPin {
    type Error = Infallible;
}

impl OutputPin for SimPin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}

impl StatefulOutputPin for SimPin {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.high)
    }

    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::Led;

    #[test]
    fn every_level_is_logged_with_the_time() {
        let clock = SimClock::manual();
        let log = PinLog::default();
        let mut pin = SimPin::new(Line::Led(Led::Queue), false, log.clone(), clock.clone());
        clock.set(Instant::from_millis(250));
        pin.set_high().unwrap();
        pin.set_high().unwrap();
        assert!(pin.is_set_high().unwrap());
        clock.set(Instant::from_millis(900));
        pin.set_low().unwrap();
        let at = |ms, high| PinChange { at: Instant::from_millis(ms), line: Line::Led(Led::Queue), high };
        assert_eq!(log.changes(), [at(0, false), at(250, true), at(250, true), at(900, false)]);
        assert_eq!(log.level(Line::Led(Led::Queue)), Some(false));
        assert_eq!(log.level(Line::Power), None);
        assert_eq!(log.take().len(), 4);
        assert!(log.changes().is_empty());
    }
}
