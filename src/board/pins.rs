//! Output lines over [`OutputPin`], each with the level that makes it active.
//!
//! The board speaks of lines as active (LED lit, supply cut, PWRKEY pressed) or inactive; which
//! electrical level that is depends on the wiring (a relay module's input is often active low,
//! an LED to ground active high), so each line carries its [`Polarity`]. The pin itself is the
//! raw electrical level, as `embedded_hal` defines it.

use embedded_hal::digital::OutputPin;

/// Which electrical level makes a line active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Polarity {
    /// High is active.
    #[default]
    ActiveHigh,
    /// Low is active.
    ActiveLow,
}

impl Polarity {
    /// The electrical level (`true` = high) for `active`.
    pub fn level(self, active: bool) -> bool {
        match self {
            Polarity::ActiveHigh => active,
            Polarity::ActiveLow => !active,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Polarity::ActiveHigh => "high",
            Polarity::ActiveLow => "low",
        }
    }
}

/// A pin and its polarity. It remembers the state it last set, so a display can show it
/// without reading the pin back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutputLine<P> {
    pin: P,
    polarity: Polarity,
    active: bool,
}

impl<P: OutputPin> OutputLine<P> {
    /// A line whose pin is already at its inactive level: the caller requests the pin with
    /// that initial level, so making the line never glitches it (an LED flashing on, or a
    /// supply cut for an instant at start).
    pub fn new(pin: P, polarity: Polarity) -> OutputLine<P> {
        OutputLine { pin, polarity, active: false }
    }

    /// Drives the pin to the level for `active`.
    pub fn set_active(&mut self, active: bool) -> Result<(), P::Error> {
        let high = self.polarity.level(active);
        if high {
            self.pin.set_high()?;
        } else {
            self.pin.set_low()?;
        }
        self.active = active;
        Ok(())
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    pub fn polarity(&self) -> Polarity {
        self.polarity
    }

    pub fn pin(&self) -> &P {
        &self.pin
    }

    pub fn into_pin(self) -> P {
        self.pin
    }
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::*;
    use core::convert::Infallible;
    use embedded_hal::digital::ErrorType;
    use std::vec::Vec;

    /// A pin that records every level it is set to.
    #[derive(Debug, Default)]
    pub(crate) struct Recorder {
        pub(crate) levels: Vec<bool>,
    }

    impl ErrorType for Recorder {
        type Error = Infallible;
    }

    impl OutputPin for Recorder {
        fn set_low(&mut self) -> Result<(), Infallible> {
            self.levels.push(false);
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Infallible> {
            self.levels.push(true);
            Ok(())
        }
    }

    #[test]
    fn polarity_maps_active_to_a_level() {
        let cases = [
            (Polarity::ActiveHigh, true, true),
            (Polarity::ActiveHigh, false, false),
            (Polarity::ActiveLow, true, false),
            (Polarity::ActiveLow, false, true),
        ];
        for (polarity, active, high) in cases {
            let mut line = OutputLine::new(Recorder::default(), polarity);
            assert!(!line.is_active());
            line.set_active(active).unwrap();
            assert_eq!(line.is_active(), active);
            assert_eq!(line.pin().levels, [high], "{polarity:?} {active}");
            assert_eq!(polarity.level(active), high);
        }
    }
}
