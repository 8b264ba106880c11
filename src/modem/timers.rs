//! Every deadline of the driver in one table, so the earliest is one scan away and no state can
//! forget a timer it set.

use crate::time::Instant;

/// The driver's timers. Each is set by one concern and cleared when that concern is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Timer {
    /// The pending command's answer (for `AT+CMGS`: the prompt, then the result).
    Command,
    /// The current state's own wait: the guard after ESC, a boot, re-enumeration, a retry delay.
    State,
    /// The next part may not start before this (message spacing).
    Spacing,
    /// The next signal and registration check.
    Watch,
    /// The incoming call: waiting for `+CLIP`, or for the ringing to stop.
    Call,
    /// The queued part fails as temporary if it has not started by then.
    PartWait,
}

const TIMERS: usize = 6;

/// Table order: when several are due, the earlier one is handled first.
const ORDER: [Timer; TIMERS] =
    [Timer::Command, Timer::State, Timer::Call, Timer::PartWait, Timer::Spacing, Timer::Watch];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Timers {
    deadlines: [Option<Instant>; TIMERS],
}

impl Timers {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer as usize] = Some(at);
    }

    pub(crate) fn clear(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer as usize]
    }

    /// The earliest deadline of all.
    pub(crate) fn earliest(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Clears and returns the first timer (in table order) whose deadline `now` has reached.
    pub(crate) fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let timer = ORDER.into_iter().find(|t| self.get(*t).is_some_and(|at| now.reached(at)))?;
        self.clear(timer);
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_and_expiry_in_table_order() {
        let mut t = Timers::default();
        assert_eq!(t.earliest(), None);
        t.set(Timer::Watch, Instant::from_millis(100));
        t.set(Timer::Command, Instant::from_millis(300));
        t.set(Timer::Call, Instant::from_millis(100));
        assert_eq!(t.earliest(), Some(Instant::from_millis(100)));
        assert_eq!(t.take_expired(Instant::from_millis(99)), None);
        assert_eq!(t.take_expired(Instant::from_millis(100)), Some(Timer::Call));
        assert_eq!(t.take_expired(Instant::from_millis(500)), Some(Timer::Command));
        assert_eq!(t.take_expired(Instant::from_millis(500)), Some(Timer::Watch));
        assert_eq!(t.take_expired(Instant::from_millis(500)), None);
        assert_eq!(t.earliest(), None);
    }
}
