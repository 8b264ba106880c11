//! The recovery ladder: a modem that stops answering is resynced, soft-reset, USB-reset and
//! power-cycled, in that order, each step with its own wait; a step that brings it back ends
//! the ladder once initialisation completes. A modem that hangs again soon after a step
//! brought it back goes on from the next step. Ladders that run to the end are counted, and
//! after `max_failed` of them within the window the driver stops with `Fault::ModemDead`.

use super::state::{Abort, Escalation, Recovery, RecoveryStage, State, Wake};
use super::Engine;
use crate::modem::event::Event;
use crate::modem::status::{Fault, RecoveryStep};
use crate::modem::timers::Timer;
use crate::time::Instant;

impl Engine {
    /// The modem did not answer: the next recovery step. The pending command, if any, was
    /// already dealt with.
    pub(crate) fn hang(&mut self, now: Instant) {
        self.abandon(now, Abort::Hang);
        let usb = self.config.ladder.usb_reset;
        let next = match (self.ladder.current, self.ladder.last_ok) {
            (Some(step), _) => step.next(usb),
            (None, Some((step, at))) if now.saturating_duration_since(at) < self.config.ladder.stable_after => {
                step.next(usb)
            }
            (None, _) => Some(RecoveryStep::Resync),
        };
        match next {
            Some(step) => self.recovery_step(now, step),
            None => self.ladder_failed(now),
        }
    }

    fn ladder_failed(&mut self, now: Instant) {
        let limits = self.config.ladder;
        if now.saturating_duration_since(self.ladder.window_start) > limits.window {
            self.ladder.window_start = now;
            self.ladder.failed = 0;
        }
        self.ladder.failed = self.ladder.failed.saturating_add(1);
        self.ladder.current = None;
        self.ladder.last_ok = None;
        self.status.counters.failed_ladders += 1;
        if self.ladder.failed >= limits.max_failed.max(1) {
            return self.fault(now, Fault::ModemDead);
        }
        self.recovery_step(now, RecoveryStep::Resync);
    }

    pub(crate) fn recovery_step(&mut self, now: Instant, step: RecoveryStep) {
        // Without a port, nothing can be said to the modem: only the USB reset and the power
        // cycle can bring it back.
        let step = match step {
            RecoveryStep::Resync | RecoveryStep::SoftReset if !self.device_open => {
                if self.config.ladder.usb_reset {
                    RecoveryStep::UsbReset
                } else {
                    RecoveryStep::PowerCycle
                }
            }
            _ => step,
        };
        self.abandon(now, Abort::Hang);
        self.timers.clear(Timer::Watch);
        self.watch = None;
        self.ladder.current = Some(step);
        if let Some(n) = self.status.counters.recoveries.get_mut(step.index()) {
            *n += 1;
        }
        let attempt = self.ladder.failed.saturating_add(1);
        self.push_event(Event::Recovery { step, attempt });
        let t = self.config.timings;
        match step {
            RecoveryStep::Resync => {
                let stage = RecoveryStage::Waking(Wake::new(Escalation::Esc, Escalation::Esc));
                self.state = State::Recovering(Recovery { step, stage });
                self.wake_begin(now);
            }
            RecoveryStep::SoftReset => {
                // Not a pending command: the modem may restart before it answers.
                self.write_raw(b"AT+CFUN=1,1\r");
                self.state = State::Recovering(Recovery { step, stage: RecoveryStage::Booting });
                self.timers.set(Timer::State, now + t.boot);
            }
            RecoveryStep::UsbReset | RecoveryStep::PowerCycle => {
                let action = if step == RecoveryStep::UsbReset { Event::UsbReset } else { Event::PowerCycle };
                self.push_event(action);
                let stage = RecoveryStage::Reenumerating { closed: !self.device_open };
                self.state = State::Recovering(Recovery { step, stage });
                self.timers.set(Timer::State, now + t.reenumerate);
            }
        }
    }

    pub(crate) fn recovery_timer(&mut self, now: Instant) {
        let State::Recovering(r) = self.state else { return };
        match r.stage {
            RecoveryStage::Waking(_) => self.wake_timer(now),
            RecoveryStage::Reenumerating { closed: true } => self.hang(now),
            // The wait is over: does the modem answer now?
            RecoveryStage::Booting | RecoveryStage::Reenumerating { closed: false } => {
                let stage = RecoveryStage::Waking(Wake::new(Escalation::Plain, Escalation::Plain));
                self.state = State::Recovering(Recovery { stage, ..r });
                self.wake_begin(now);
            }
        }
    }

    /// The modem announced that it started (`RDY`, `+CFUN: 1`, `+CPIN: READY`, `Call Ready`,
    /// `SMS Ready`): it forgot its settings. Huawei's `^BOOT` is not one: some firmware sends it
    /// every few seconds.
    ///
    /// One boot says several of these over seconds (SIM800: `RDY` … `SMS Ready` 2.5 s later),
    /// and the driver may have initialised in between; only `RDY` (`rdy`), which starts a
    /// boot, counts within the boot time after initialisation began. While initialising, only
    /// `RDY` counts at all: the others also follow the PIN.
    pub(crate) fn booted(&mut self, now: Instant, rdy: bool) {
        let same_boot = self.init_started.is_some_and(|t| now.saturating_duration_since(t) < self.config.timings.boot);
        match self.state {
            State::Ready if rdy || !same_boot => self.init_begin(now),
            State::Recovering(_) => self.init_begin(now),
            State::Initialising(_) if rdy && !self.waking() => self.init_begin(now),
            _ => {}
        }
    }

    /// The modem says it is switching off: only power brings it back.
    pub(crate) fn powered_down(&mut self, now: Instant) {
        match self.state {
            State::Ready | State::Initialising(_) => {
                self.abandon(now, Abort::Reboot);
                self.recovery_step(now, RecoveryStep::PowerCycle);
            }
            _ => {}
        }
    }
}
