//! [`Board`]: the power sequencer and the output lines together.

use embedded_hal::digital::OutputPin;

use super::leds::LedLevels;
use super::pins::OutputLine;
use super::power::{PowerConfig, PowerEvent, Request, Sequencer};
use super::{Error, Led, Line};
use crate::modem::Event;
use crate::time::Instant;

/// The board's lines, driven by the power [`Sequencer`] and by [`Board::set_leds`].
///
/// Pin changes the sequencer asks for are applied before each method returns, so the pins
/// always show the sequencer's state; a pin that refuses is reported as [`Error::Pin`] and
/// tried again at the next input.
///
/// ```
/// use core::convert::Infallible;
/// use embedded_hal::digital::{ErrorType, OutputPin};
/// use smsgw::board::{Board, OutputLine, Polarity, PowerConfig, PowerEvent};
/// use smsgw::modem::Event;
/// use smsgw::time::Instant;
///
/// #[derive(Debug, Default)]
/// struct Pin(bool);
/// impl ErrorType for Pin { type Error = Infallible; }
/// impl OutputPin for Pin {
///     fn set_low(&mut self) -> Result<(), Infallible> { self.0 = false; Ok(()) }
///     fn set_high(&mut self) -> Result<(), Infallible> { self.0 = true; Ok(()) }
/// }
///
/// let line = |p| OutputLine::new(Pin::default(), p);
/// let leds = [line(Polarity::ActiveHigh), line(Polarity::ActiveHigh), line(Polarity::ActiveHigh)];
/// let mut board = Board::new(Some(line(Polarity::ActiveHigh)), leds, PowerConfig::default());
/// board.handle_event(Instant::ZERO, &Event::PowerCycle).unwrap();
/// assert!(board.power_line().unwrap().pin().0, "relay energised: supply cut");
/// let restore = board.poll_timeout().unwrap(); // after the off time
/// board.handle_timeout(restore).unwrap();
/// assert!(!board.power_line().unwrap().pin().0);
/// ```
#[derive(Debug)]
pub struct Board<P> {
    power: Option<OutputLine<P>>,
    /// In [`Led::ALL`] order.
    leds: [OutputLine<P>; 3],
    sequencer: Sequencer,
    /// The power line did not take the sequencer's level yet.
    power_stale: bool,
}

impl<P: OutputPin> Board<P> {
    /// A board whose lines are at their inactive level (supply on, LEDs off). `power` is
    /// `None` where nothing is wired; `leds` are in [`Led::ALL`] order.
    pub fn new(power: Option<OutputLine<P>>, leds: [OutputLine<P>; 3], config: PowerConfig) -> Board<P> {
        Board { power, leds, sequencer: Sequencer::new(config), power_stale: false }
    }

    /// Acts on the driver's [`Event::PowerCycle`]; other events are not the board's. Returns
    /// whether the event was one.
    pub fn handle_event(&mut self, now: Instant, event: &Event) -> Result<bool, Error> {
        match event {
            Event::PowerCycle => self.power_cycle(now, Request::Cycle).map(|()| true),
            _ => Ok(false),
        }
    }

    /// Starts a power cycle (or a switch-on) by hand.
    pub fn power_cycle(&mut self, now: Instant, request: Request) -> Result<(), Error> {
        self.sequencer.start(now, request)?;
        self.apply_power()
    }

    /// Makes the power sequence's step that is due.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.sequencer.handle_timeout(now);
        self.apply_power()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sequencer.poll_timeout()
    }

    /// What the power sequence did, for the log.
    pub fn poll_event(&mut self) -> Option<PowerEvent> {
        self.sequencer.poll_event()
    }

    /// Lights the LEDs as `levels` says; each one that refuses is reported (the first).
    pub fn set_leds(&mut self, levels: LedLevels) -> Result<(), Error> {
        let mut result = Ok(());
        for (led, line) in Led::ALL.into_iter().zip(self.leds.iter_mut()) {
            let on = levels.get(led);
            if line.is_active() != on && line.set_active(on).is_err() && result.is_ok() {
                result = Err(Error::Pin { line: Line::Led(led) });
            }
        }
        result.and(self.apply_power())
    }

    /// What the LEDs show.
    pub fn leds(&self) -> LedLevels {
        let mut levels = LedLevels::OFF;
        for (led, line) in Led::ALL.into_iter().zip(self.leds.iter()) {
            levels.set(led, line.is_active());
        }
        levels
    }

    /// Whether the modem's supply is on, as far as the lines say: a supply switch at rest. A
    /// PWRKEY says nothing about it (the module toggles), so this is `None` there.
    pub fn supply_on(&self) -> Option<bool> {
        let switch = self.sequencer.config().switch;
        switch.cuts_supply().then(|| !self.power.as_ref().is_some_and(OutputLine::is_active))
    }

    pub fn sequencer(&self) -> &Sequencer {
        &self.sequencer
    }

    pub fn power_line(&self) -> Option<&OutputLine<P>> {
        self.power.as_ref()
    }

    pub fn led_line(&self, led: Led) -> &OutputLine<P> {
        match led {
            Led::Health => &self.leds[0],
            Led::Network => &self.leds[1],
            Led::Queue => &self.leds[2],
        }
    }

    /// The lines, for releasing them.
    pub fn into_lines(self) -> (Option<OutputLine<P>>, [OutputLine<P>; 3]) {
        (self.power, self.leds)
    }

    fn apply_power(&mut self) -> Result<(), Error> {
        if self.sequencer.poll_line().is_some() {
            self.power_stale = true;
        }
        if !self.power_stale {
            return Ok(());
        }
        let want = self.sequencer.line_active();
        match self.power.as_mut() {
            Some(line) if line.is_active() != want => {
                line.set_active(want).map_err(|_| Error::Pin { line: Line::Power })?;
            }
            // Nothing wired (the sequencer refuses then) or already there.
            _ => {}
        }
        self.power_stale = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::board::pins::tests::Recorder;
    use crate::board::pins::Polarity;
    use crate::board::power::Switch;
    use core::time::Duration;

    fn board(switch: Switch, power_polarity: Polarity) -> Board<Recorder> {
        let line = |p| OutputLine::new(Recorder::default(), p);
        let config = PowerConfig { switch, ..PowerConfig::default() };
        Board::new(
            Some(line(power_polarity)),
            [line(Polarity::ActiveHigh), line(Polarity::ActiveLow), line(Polarity::ActiveHigh)],
            config,
        )
    }

    #[test]
    fn a_power_cycle_event_drives_the_line_with_its_polarity() {
        for (polarity, cut, restored) in [(Polarity::ActiveHigh, true, false), (Polarity::ActiveLow, false, true)] {
            let mut b = board(Switch::Relay, polarity);
            assert_eq!(b.supply_on(), Some(true));
            assert!(b.handle_event(Instant::ZERO, &Event::PowerCycle).unwrap());
            assert!(!b.handle_event(Instant::ZERO, &Event::UsbReset).unwrap());
            assert_eq!(b.supply_on(), Some(false));
            let t = b.poll_timeout().unwrap();
            assert_eq!(t, Instant::ZERO + Duration::from_secs(3));
            b.handle_timeout(t).unwrap();
            assert_eq!(b.supply_on(), Some(true));
            assert_eq!(b.power_line().unwrap().pin().levels, [cut, restored], "{polarity:?}");
        }
    }

    #[test]
    fn leds_change_only_when_they_differ() {
        let mut b = board(Switch::Pwrkey, Polarity::ActiveHigh);
        assert_eq!(b.supply_on(), None);
        b.set_leds(LedLevels::only(Led::Network)).unwrap();
        b.set_leds(LedLevels::only(Led::Network)).unwrap();
        b.set_leds(LedLevels::ALL_ON).unwrap();
        assert_eq!(b.leds(), LedLevels::ALL_ON);
        assert_eq!(b.led_line(Led::Health).pin().levels, [true]);
        // Active low: lit is low.
        assert_eq!(b.led_line(Led::Network).pin().levels, [false]);
        assert_eq!(b.led_line(Led::Queue).pin().levels, [true]);
    }
}
