//! The work of an initialised modem, one command at a time, most urgent first: hanging up a
//! call, acknowledging a direct message, deleting what the caller stored, reading stored
//! messages (only as many as the caller can take), listing the storage, sending the part, and
//! the watch.

use super::state::{Abort, Outcome, Pending, Refusal, Stage, State, Watch};
use super::{Engine, Unacked};
use crate::codec::at::Permanence;
use crate::modem::call::HangUp;
use crate::modem::command::{Command, Tx, CTRL_Z, ESC};
use crate::modem::event::{Cause, Event, Failure, Location, OutgoingPart, ReceiveToken};
use crate::modem::status::Memory;
use crate::modem::timers::Timer;
use crate::modem::Error;
use crate::time::Instant;

/// TP-MTI of a PDU's first TPDU octet (TS 23.040 §9.2.3.1), after the SMSC field.
fn mti(pdu: &[u8]) -> Option<u8> {
    let smsc = usize::from(*pdu.first()?);
    pdu.get(1 + smsc).map(|fo| fo & 0x03)
}

const MTI_STATUS_REPORT: u8 = 0x02;

impl Engine {
    // ---- Caller requests ----

    pub(crate) fn send(&mut self, now: Instant, part: OutgoingPart) -> Result<(), Error> {
        part.check()?;
        self.can_send()?;
        self.part = Some(part);
        self.arm_part_wait(now);
        self.schedule(now);
        Ok(())
    }

    pub(crate) fn can_send(&self) -> Result<(), Error> {
        match self.state {
            State::Ready => {}
            State::Faulted(f) => return Err(Error::Faulted(f)),
            _ => return Err(Error::NotInitialised),
        }
        if self.part.is_some() {
            return Err(Error::Busy);
        }
        if !self.status.is_registered() {
            return Err(Error::NotRegistered);
        }
        Ok(())
    }

    pub(crate) fn acknowledge(&mut self, now: Instant, token: ReceiveToken) {
        let Some(pos) = self.unacked.iter().position(|u| u.seq == token.seq) else { return };
        let u = self.unacked.remove(pos);
        if self.deletes.push_back(u.location).is_err() {
            // Reads wait while the queue is full, so only acknowledgements can fill it. The
            // message stays stored and is read again at the next listing.
            self.record(Error::ReadQueueFull);
        }
        self.schedule(now);
    }

    pub(crate) fn hang_up(&mut self, now: Instant) {
        if let Some(r) = self.call.ringing() {
            if r.hang_up == HangUp::No {
                r.hang_up = HangUp::Wanted;
            }
        }
        self.schedule(now);
    }

    // ---- Scheduling ----

    /// Starts the most urgent work if the modem is initialised and free.
    pub(crate) fn schedule(&mut self, now: Instant) {
        if self.pending.is_some() || self.state != State::Ready {
            return;
        }
        if let Some(cmd) = self.next_job(now) {
            self.issue(now, cmd);
        }
    }

    fn next_job(&mut self, now: Instant) -> Option<Command> {
        if let Some(r) = self.call.ringing() {
            let cmd = match r.hang_up {
                HangUp::Wanted => Some(Command::HangUp),
                HangUp::WantedChup => Some(Command::HangUpChup),
                HangUp::No | HangUp::Sent => None,
            };
            if cmd.is_some() {
                // A `NO CARRIER` before the answer then reports the call as hung up.
                r.hang_up = HangUp::Sent;
                return cmd;
            }
        }
        if self.cnma_due {
            return Some(Command::NewMessageAck);
        }
        if let Some(&loc) = self.deletes.front() {
            return Some(self.in_memory(loc.memory, Command::Delete(loc)));
        }
        let room = self.event_room() && !self.unacked.is_full() && !self.deletes.is_full();
        if let (true, Some(&loc)) = (room, self.to_read.front()) {
            return Some(self.in_memory(loc.memory, Command::Read(loc)));
        }
        if self.relist && self.to_read.is_empty() {
            let memory = self.status.storage.map_or(Memory::Sim, |s| s.memory);
            let cmd = self.in_memory(memory, Command::List);
            // Set again if the listing overflows the read queue or is cut short.
            self.relist = cmd != Command::List;
            return Some(cmd);
        }
        if let Some(part) = &self.part {
            if self.status.is_registered() && self.event_room() {
                if now.reached(self.next_send_at) {
                    return Some(Command::Submit(part.tpdu_len));
                }
                self.timers.set(Timer::Spacing, self.next_send_at);
            }
        }
        match self.watch {
            Some(Watch::Signal) => Some(Command::SignalQuery),
            Some(Watch::Registration) => Some(Command::RegistrationQuery),
            Some(Watch::EpsRegistration) => Some(Command::EpsRegistrationQuery),
            None => None,
        }
    }

    /// `cmd`, or first the command that makes `memory` the one it works on.
    fn in_memory(&self, memory: Memory, cmd: Command) -> Command {
        if !self.select_memory || self.read_memory == Some(memory) {
            cmd
        } else {
            Command::ReadMemory(memory)
        }
    }

    pub(crate) fn watch_timer(&mut self, now: Instant) {
        if self.state != State::Ready {
            return;
        }
        self.watch.get_or_insert(Watch::Signal);
        if self.status.indications.is_none() {
            self.relist = true;
        }
        self.timers.set(Timer::Watch, now + self.config.watch_interval);
    }

    // ---- Results ----

    pub(crate) fn job_done(&mut self, now: Instant, p: Pending, outcome: Outcome) {
        if outcome == Outcome::TimedOut {
            self.abandoned(now, p, Abort::Hang);
            return self.hang(now);
        }
        let ok = outcome == Outcome::Ok;
        // A refused submit has its own outcome, and a modem without LTE refuses `AT+CEREG?`.
        if !ok && !matches!(p.cmd, Command::Submit(_) | Command::EpsRegistrationQuery) {
            self.record(Error::Refused { command: p.cmd.name() });
        }
        match p.cmd {
            Command::HangUp | Command::HangUpChup if ok => self.end_call(now, true),
            Command::HangUp => {
                if let Some(r) = self.call.ringing() {
                    r.hang_up = HangUp::WantedChup;
                }
            }
            Command::HangUpChup => {
                // Neither works: the call rings out.
                if let Some(r) = self.call.ringing() {
                    r.hang_up = HangUp::Sent;
                }
            }
            Command::NewMessageAck => self.cnma_due = false,
            Command::ReadMemory(m) if ok => self.read_memory = Some(m),
            // The memory cannot be selected: work on in the one the modem has. What is read
            // there is what gets deleted, so nothing is deleted unread.
            Command::ReadMemory(_) => self.select_memory = false,
            Command::Delete(loc) if self.deletes.front() == Some(&loc) => {
                self.deletes.pop_front();
            }
            Command::Read(loc) => self.read_done(loc, p, ok),
            Command::Submit(_) => self.submit_done(now, p, outcome),
            Command::SignalQuery => self.watch = Some(Watch::Registration),
            // Asked again only where the modem answered it: one without LTE refuses it once.
            Command::RegistrationQuery if self.status.eps_registration.is_some() => {
                self.watch = Some(Watch::EpsRegistration)
            }
            Command::RegistrationQuery | Command::EpsRegistrationQuery => self.watch = None,
            _ => {}
        }
    }

    fn read_done(&mut self, loc: Location, p: Pending, ok: bool) {
        let received = ok && p.pdu && matches!(p.stat, Some(0 | 1));
        if received && mti(&self.read_pdu) == Some(MTI_STATUS_REPORT) {
            let pdu = core::mem::take(&mut self.read_pdu);
            self.status_report(&pdu);
            // Reports are not handed out: delete at once.
            if self.deletes.push_back(loc).is_err() {
                self.record(Error::ReadQueueFull);
            }
        } else if received {
            let token = self.token(Some(loc));
            let pdu = core::mem::take(&mut self.read_pdu);
            if !self.push_event(Event::Received { token, pdu }) {
                // Read again when the caller has polled.
                return;
            }
            self.status.counters.received += 1;
            // Room was checked before the read.
            let _ = self.unacked.push(Unacked { seq: token.seq, location: loc });
        } else if ok && p.stat.is_some() && !p.pdu {
            self.record(Error::Unexpected { command: "AT+CMGR", reason: "no PDU line" });
        }
        // An empty index, an outgoing draft (stat 2, 3), or an error: nothing to hand out.
        if self.to_read.front() == Some(&loc) {
            self.to_read.pop_front();
        }
    }

    // ---- Sending ----

    /// The prompt came: the PDU goes out, and the wait for the network's answer starts.
    pub(crate) fn write_pdu(&mut self, now: Instant, mut p: Pending) {
        self.tx_fresh();
        let Some(part) = &self.part else {
            // Nothing to send: leave the prompt.
            return self.write_raw(&[ESC]);
        };
        let hex = |tx: &mut Tx| tx.push_hex(&part.pdu).and_then(|()| tx.push(&[CTRL_Z]));
        if hex(&mut self.tx).is_err() {
            // Bytes the caller never took: their command timed out long ago.
            self.tx.bytes.clear();
            self.status.last_error = Some(Error::TransmitOverflow);
            self.status.counters.errors += 1;
            if hex(&mut self.tx).is_err() {
                // Cannot happen: the buffer holds the largest PDU. Leave the prompt unsent.
                self.tx.bytes.clear();
                return self.write_raw(&[ESC]);
            }
        }
        p.stage = Stage::Result;
        self.pending = Some(p);
        self.timers.set(Timer::Command, now + self.config.timings.result);
    }

    fn submit_done(&mut self, now: Instant, p: Pending, outcome: Outcome) {
        let failure = match outcome {
            Outcome::Ok => {
                let Some(part) = self.part.take() else { return };
                self.status.counters.parts_sent += 1;
                match p.mr {
                    Some(mr) => self.recent.record(part.id, mr, &part.recipient, now),
                    None => self.record(Error::Unexpected { command: "AT+CMGS", reason: "OK without +CMGS: <mr>" }),
                }
                self.next_send_at = now + self.config.message_spacing;
                self.push_event(Event::PartSent { id: part.id, mr: p.mr });
                return;
            }
            Outcome::Error(Refusal::Cms(Some(code))) => match code.permanence() {
                Permanence::Permanent => Failure::Permanent(code),
                // Temporary, or undecided by the spec: the caller's retry count decides.
                Permanence::Temporary | Permanence::Unknown => Failure::Temporary(Cause::Cms(code)),
            },
            Outcome::Error(_) => Failure::Temporary(Cause::Error),
            Outcome::TimedOut => Failure::Unknown,
        };
        self.part_failed(now, failure);
    }

    pub(crate) fn part_failed(&mut self, now: Instant, failure: Failure) {
        let Some(part) = self.part.take() else { return };
        let counters = &mut self.status.counters;
        match failure {
            Failure::Unknown => counters.parts_unknown += 1,
            _ => counters.parts_failed += 1,
        }
        self.timers.clear(Timer::PartWait);
        self.next_send_at = now + self.config.message_spacing;
        self.push_event(Event::PartFailed { id: part.id, failure });
    }

    /// The part must start by `send_wait` after it could first have.
    pub(crate) fn arm_part_wait(&mut self, now: Instant) {
        let from = now.max(self.next_send_at);
        self.timers.set(Timer::PartWait, from + self.config.timings.send_wait);
    }

    pub(crate) fn part_wait_over(&mut self, now: Instant) {
        if self.part.is_none() || matches!(self.pending, Some(Pending { cmd: Command::Submit(_), .. })) {
            return;
        }
        let cause = if self.state == State::Ready && !self.status.is_registered() {
            Cause::NotRegistered
        } else {
            Cause::NotReady
        };
        self.part_failed(now, Failure::Temporary(cause));
    }
}
