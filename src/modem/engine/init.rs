//! Waking the modem and configuring it: `AT` probes (escaping a stuck prompt), then the
//! initialisation sequence, one command after the other; each answer decides the next command.

use super::state::{
    Abort, Escalation, Init, Outcome, Pending, PinMemory, Recovery, RecoveryStage, Refusal, State, Wake,
};
use super::Engine;
use crate::modem::command::{Command, IccidCommand, PinState, CTRL_Z, ESC, INDICATIONS};
use crate::modem::event::Event;
use crate::modem::status::{Fault, Identity};
use crate::modem::timers::Timer;
use crate::time::Instant;

impl Engine {
    /// Starts initialising from the `AT` probes.
    pub(crate) fn init_begin(&mut self, now: Instant) {
        self.prepare_init(now);
        let w = Wake::new(Escalation::Plain, Escalation::CtrlZ);
        self.state = State::Initialising(Init::new(Some(w)));
        self.wake_begin(now);
    }

    /// Forgets what the modem was told: a new sequence tells it again.
    fn prepare_init(&mut self, now: Instant) {
        self.init_started = Some(now);
        self.abandon(now, Abort::Reboot);
        self.timers.clear(Timer::State);
        self.timers.clear(Timer::Watch);
        self.watch = None;
        self.read_memory = None;
        self.select_memory = true;
        self.status.identity = Identity::default();
        self.status.refused.clear();
        self.status.indications = None;
        self.status.storage = None;
        self.status.sms_service = None;
    }

    /// The modem answered a probe: the sequence starts. After probes that timed out, their
    /// late answers may still be on the way; they would be taken for the answers of the next
    /// commands, one off, all the way down. A guard time lets them arrive with no command
    /// pending, where they are dropped.
    fn awake(&mut self, now: Instant, clean: bool) {
        let mut init = Init::new(None);
        if clean {
            self.state = State::Initialising(init);
            return self.issue(now, Command::EchoOff);
        }
        init.next = Some(Command::EchoOff);
        self.state = State::Initialising(init);
        self.timers.set(Timer::State, now + self.config.timings.guard);
    }

    // ---- Waking ----

    pub(crate) fn wake_mut(&mut self) -> Option<&mut Wake> {
        match &mut self.state {
            State::Initialising(Init { wake: Some(w), .. }) => Some(w),
            State::Recovering(Recovery { stage: RecoveryStage::Waking(w), .. }) => Some(w),
            _ => None,
        }
    }

    pub(crate) fn waking(&self) -> bool {
        matches!(
            self.state,
            State::Initialising(Init { wake: Some(_), .. })
                | State::Recovering(Recovery { stage: RecoveryStage::Waking(_), .. })
        )
    }

    /// Probes at the wake's level: ESC or Ctrl-Z first if the level says so.
    pub(crate) fn wake_begin(&mut self, now: Instant) {
        let Some(w) = self.wake_mut() else { return };
        let level = w.level;
        if level == Escalation::Plain {
            return self.issue(now, Command::Probe);
        }
        w.guard = true;
        self.write_raw(&[if level == Escalation::Esc { ESC } else { CTRL_Z }]);
        self.timers.set(Timer::State, now + self.config.timings.guard);
    }

    /// The guard time after ESC or Ctrl-Z is over, or an `AT` is due: probe.
    pub(crate) fn wake_timer(&mut self, now: Instant) {
        if let Some(w) = self.wake_mut() {
            w.guard = false;
            self.issue(now, Command::Probe);
        }
    }

    pub(crate) fn probe_timed_out(&mut self, now: Instant) {
        let attempts = self.config.timings.probe_attempts.max(1);
        let Some(w) = self.wake_mut() else { return };
        w.attempt += 1;
        if w.attempt < attempts {
            return self.issue(now, Command::Probe);
        }
        if w.level < w.max {
            w.level = w.level.next();
            w.attempt = 0;
            return self.wake_begin(now);
        }
        self.wake_done(now, false);
    }

    /// The modem shows the SMS prompt while being woken: a message was being written when the
    /// driver lost it. Escalate at once rather than after the probes time out.
    pub(crate) fn stuck_prompt(&mut self, now: Instant) {
        let Some(w) = self.wake_mut() else { return };
        if w.guard {
            return;
        }
        if w.level == Escalation::CtrlZ {
            // Nothing stronger to try: a modem that answers every probe with a prompt counts
            // as one that does not answer.
            self.timers.clear(Timer::Command);
            self.pending = None;
            return self.probe_timed_out(now);
        }
        w.level = w.level.next().max(Escalation::Esc);
        w.max = w.max.max(w.level);
        w.attempt = 0;
        self.timers.clear(Timer::Command);
        self.pending = None;
        self.wake_begin(now);
    }

    pub(crate) fn wake_done(&mut self, now: Instant, answered: bool) {
        if !answered {
            return self.hang(now);
        }
        let clean = self.wake_mut().is_some_and(|w| w.attempt == 0 && w.level == Escalation::Plain);
        match self.state {
            State::Initialising(_) => self.awake(now, clean),
            State::Recovering(_) => {
                self.prepare_init(now);
                self.awake(now, clean);
            }
            _ => {}
        }
    }

    // ---- The sequence ----

    pub(crate) fn init_timer(&mut self, now: Instant) {
        if self.waking() {
            return self.wake_timer(now);
        }
        if let State::Initialising(mut init) = self.state {
            if let Some(cmd) = init.next.take() {
                self.state = State::Initialising(init);
                self.issue(now, cmd);
            }
        }
    }

    /// Sends `cmd` again after the retry delay, or gives up on the modem after
    /// `init_retries` tries.
    fn init_retry(&mut self, now: Instant, cmd: Command) {
        let State::Initialising(mut init) = self.state else { return };
        if init.retries >= self.config.init_retries {
            return self.hang(now);
        }
        init.retries += 1;
        init.next = Some(cmd);
        self.state = State::Initialising(init);
        self.timers.set(Timer::State, now + self.config.timings.retry);
    }

    /// An optional command was refused: noted, and the sequence goes on.
    fn note_refusal(&mut self, cmd: Command, outcome: Outcome) {
        if outcome != Outcome::Ok && !self.status.refused.contains(&cmd.name()) {
            // The list holds every optional command; a failure would only lose the note.
            let _ = self.status.refused.push(cmd.name());
        }
    }

    pub(crate) fn init_next(&mut self, now: Instant, p: Pending, outcome: Outcome) {
        use Command::*;
        if outcome == Outcome::TimedOut {
            self.abandoned(now, p, Abort::Hang);
            return self.hang(now);
        }
        let ok = outcome == Outcome::Ok;
        let next = match p.cmd {
            EchoOff => NumericErrors,
            NumericErrors => PduMode,
            // Without PDU mode nothing works; a modem still starting may refuse it for a while.
            PduMode if ok => PinQuery,
            PduMode => return self.init_retry(now, PduMode),
            PinQuery => return self.pin_answer(now, p.pin, outcome),
            PinEnter => return self.pin_entered(now, outcome),
            SmsService => Indications(0),
            Indications(i) if ok => {
                self.status.indications = INDICATIONS.get(usize::from(i)).copied();
                CallerId
            }
            Indications(i) if usize::from(i) + 1 < INDICATIONS.len() => Indications(i + 1),
            Indications(_) => {
                // Nothing announces new messages: the watch lists the storage instead.
                self.status.indications = None;
                CallerId
            }
            CallerId => RegistrationReports(2),
            RegistrationReports(2) if !ok => RegistrationReports(1),
            RegistrationReports(_) => StorageOptions,
            StorageOptions => match p.memory {
                Some(m) if ok => StorageSelect(m),
                _ => StorageQuery,
            },
            StorageSelect(m) => {
                if ok {
                    self.read_memory = Some(m);
                }
                StorageQuery
            }
            StorageQuery => Manufacturer,
            Manufacturer => Model,
            Model => Revision,
            Revision => Imei,
            Imei => Imsi,
            Imsi => Iccid(0),
            Iccid(i) if !ok && usize::from(i) + 1 < IccidCommand::for_family(self.config.family).len() => Iccid(i + 1),
            Iccid(_) => OperatorFormat,
            OperatorFormat => Operator,
            Operator => SignalQuery,
            SignalQuery => RegistrationQuery,
            RegistrationQuery => EpsRegistrationQuery,
            // A modem without LTE refuses it: that is no problem to note.
            EpsRegistrationQuery => {
                return self.init_finish(now);
            }
            // Not part of the sequence: nothing to do.
            _ => return,
        };
        // A refused form with another to try is not worth noting: the accepted one is recorded.
        let fallback = matches!(
            (p.cmd, next),
            (Indications(_), Indications(_)) | (RegistrationReports(2), RegistrationReports(1)) | (Iccid(_), Iccid(_))
        );
        if !fallback {
            self.note_refusal(p.cmd, outcome);
        }
        self.issue(now, next);
    }

    fn pin_answer(&mut self, now: Instant, answer: Option<PinState>, outcome: Outcome) {
        let state = match outcome {
            Outcome::Ok => answer.unwrap_or(PinState::NotReady),
            // TS 27.007 §9.2.1 codes; some modems answer `AT+CPIN?` with the error instead.
            Outcome::Error(Refusal::Cme(Some(code))) => match code.0 {
                10 => PinState::NoSim,
                11 => PinState::Pin,
                12 => PinState::Puk,
                13 | 15 => return self.fault(now, Fault::SimFailure),
                5..=7 | 40..=48 => PinState::OtherCode,
                _ => PinState::NotReady,
            },
            Outcome::Error(Refusal::Cms(Some(code))) => match code.0 {
                310 => PinState::NoSim,
                311 => PinState::Pin,
                316 => PinState::Puk,
                313 | 315 => return self.fault(now, Fault::SimFailure),
                _ => PinState::NotReady,
            },
            _ => PinState::NotReady,
        };
        match state {
            PinState::Ready => {
                if self.pin == PinMemory::Unconfirmed {
                    self.pin = PinMemory::Accepted;
                }
                self.issue(now, Command::SmsService);
            }
            PinState::Pin => match (&self.config.pin, self.pin) {
                // Entered once and the SIM still asks: it was wrong. Never twice.
                (_, PinMemory::Unconfirmed) => self.fault(now, Fault::WrongPin),
                (None, _) => self.fault(now, Fault::PinRequired),
                (Some(_), _) => {
                    self.pin = PinMemory::Unconfirmed;
                    self.issue(now, Command::PinEnter);
                }
            },
            PinState::Puk => self.fault(now, Fault::PukRequired),
            PinState::OtherCode => self.fault(now, Fault::SimLocked),
            PinState::NoSim => self.fault(now, Fault::NoSim),
            PinState::NotReady => self.sim_not_ready(now),
        }
    }

    fn pin_entered(&mut self, now: Instant, outcome: Outcome) {
        match outcome {
            // The SIM takes a moment after its PIN: ask again after the retry delay.
            Outcome::Ok => self.sim_not_ready(now),
            Outcome::Error(Refusal::Cme(Some(c))) if c.0 == 12 => self.fault(now, Fault::PukRequired),
            _ => self.fault(now, Fault::WrongPin),
        }
    }

    /// Asks `AT+CPIN?` again after the retry delay, until `sim_ready` has passed.
    fn sim_not_ready(&mut self, now: Instant) {
        let State::Initialising(mut init) = self.state else { return };
        let since = *init.sim_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.config.timings.sim_ready {
            return self.fault(now, Fault::SimFailure);
        }
        init.next = Some(Command::PinQuery);
        self.state = State::Initialising(init);
        self.timers.set(Timer::State, now + self.config.timings.retry);
    }

    fn init_finish(&mut self, now: Instant) {
        self.forget_if_replaced();
        self.state = State::Ready;
        self.timers.clear(Timer::State);
        if let Some(step) = self.ladder.current.take() {
            self.ladder.last_ok = Some((step, now));
        }
        self.relist |= self.config.drain_storage || self.status.indications.is_none();
        self.timers.set(Timer::Watch, now + self.config.watch_interval);
        self.push_event(Event::Ready);
        self.update_pause();
        if self.part.is_some() {
            self.arm_part_wait(now);
        }
    }
}

impl Engine {
    /// A different modem or SIM than last time: the stored messages the driver knew of (to
    /// read, handed out, to delete) are in the other one. Deleting their indices here would
    /// delete this SIM's messages unread, so they are forgotten (they stay on the old SIM).
    fn forget_if_replaced(&mut self) {
        let id = &self.status.identity;
        let now = (id.imei.clone(), id.iccid.clone());
        let replaced = self.known.as_ref().is_some_and(|(imei, iccid)| {
            let differs = |a: Option<&str>, b: Option<&str>| a.zip(b).is_some_and(|(a, b)| a != b);
            differs(imei.as_deref(), now.0.as_deref()) || differs(iccid.as_deref(), now.1.as_deref())
        });
        if replaced {
            self.to_read.clear();
            self.unacked.clear();
            self.deletes.clear();
        }
        self.known = Some(now);
    }
}
