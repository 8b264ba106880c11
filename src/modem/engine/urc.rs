//! Unsolicited result codes: new messages, status reports, calls, signal, registration, and
//! the signs that the modem restarted or is switching off.

use core::fmt::Write;

use heapless::Vec;

use super::Engine;
use crate::codec::at::urc::{Domain, Registration as RegistrationLine};
use crate::codec::at::{Urc, UrcKind, UrcLine};
use crate::codec::hex;
use crate::codec::pdu::{self, Pdu, StatusCategory, MAX_PDU_OCTETS};
use crate::modem::call::{caller_number, Call, HangUp};
use crate::modem::command::{parse_cpin, parse_hcsq, PinState};
use crate::modem::event::{Event, Location, PhoneNumber, ReceiveToken};
use crate::modem::status::{Memory, RegState, Registration, Signal, CELL_CHARS};
use crate::modem::timers::Timer;
use crate::modem::Error;
use crate::time::Instant;

use super::state::State;

impl Engine {
    pub(crate) fn on_urc(&mut self, now: Instant, u: UrcLine<'_>) {
        let urc = match u.parse() {
            Ok(urc) => urc,
            Err(e) => return self.record(Error::Codec(e)),
        };
        match urc {
            Urc::Ring => self.ring(now),
            Urc::Other(UrcKind::Cring, _) => self.ring(now),
            Urc::Clip(clip) => {
                let number = caller_number(&clip);
                self.call.clip(now, number);
                self.call_changed(now);
            }
            Urc::MessageStored(s) | Urc::StatusReportStored(s) => match Memory::from_name(s.storage) {
                Some(memory) => self.stored(Location { memory, index: s.index }),
                None => self.record(Error::Unexpected { command: "+CMTI", reason: "unknown memory" }),
            },
            Urc::Message(line) => self.direct_message(line.pdu),
            Urc::StatusReport(line) => {
                let mut octets: Vec<u8, MAX_PDU_OCTETS> = Vec::new();
                if self.unhex(line.pdu, &mut octets) {
                    self.status_report(&octets);
                }
                self.ack_direct();
            }
            Urc::Registration(domain @ (Domain::CircuitSwitched | Domain::Eps), r) => self.registration(domain, &r),
            Urc::Rssi(csq) => self.signal(Signal { csq: if csq <= 31 { csq } else { 99 } }),
            Urc::Other(UrcKind::Hcsq, payload) => {
                if let Some(s) = parse_hcsq(payload) {
                    self.signal(s);
                }
            }
            Urc::Other(UrcKind::Cend, _) => self.call_ended_by_network(now),
            Urc::Other(UrcKind::Rdy, _) => self.booted(now, true),
            Urc::Other(UrcKind::CallReady | UrcKind::SmsReady, _) => self.booted(now, false),
            Urc::Other(UrcKind::Cfun, payload) if payload.trim() == "1" => self.booted(now, false),
            Urc::Other(UrcKind::Cpin, payload) => match parse_cpin(payload) {
                PinState::Ready => self.booted(now, false),
                // The SIM went away or restarted: initialising again finds out which.
                PinState::NoSim | PinState::NotReady | PinState::Pin if self.state == State::Ready => {
                    self.init_begin(now)
                }
                _ => {}
            },
            Urc::Other(
                UrcKind::NormalPowerDown
                | UrcKind::PoweredDown
                | UrcKind::UnderVoltagePowerDown
                | UrcKind::OverVoltagePowerDown,
                _,
            ) => self.powered_down(now),
            // ^BOOT (a heartbeat on some Huawei firmware), ^DSFLOWRPT, ^MODE, time zones,
            // other domains' registration, USSD, cell broadcast: nothing the gateway acts on.
            _ => {}
        }
    }

    // ---- Messages ----

    /// Hex from the modem into `out`; a failure is recorded.
    pub(crate) fn unhex(&mut self, text: &str, out: &mut Vec<u8, MAX_PDU_OCTETS>) -> bool {
        let mut buf = [0u8; MAX_PDU_OCTETS];
        match hex::decode_into(text.as_bytes(), &mut buf) {
            Ok(octets) => {
                out.clear();
                // `octets` is at most MAX_PDU_OCTETS long: decode_into checked it against `buf`.
                out.extend_from_slice(octets).is_ok()
            }
            Err(e) => {
                self.record(Error::Codec(e));
                false
            }
        }
    }

    /// A `+CMTI`/`+CDSI`: the message is read when the modem is free.
    pub(crate) fn stored(&mut self, loc: Location) {
        let known = self.to_read.iter().any(|l| *l == loc)
            || self.unacked.iter().any(|u| u.location == loc)
            || self.deletes.iter().any(|l| *l == loc);
        if known {
            return;
        }
        if self.to_read.push_back(loc).is_err() {
            // Not lost: it stays stored, and the storage is listed once the queue has room.
            self.record(Error::ReadQueueFull);
            self.relist = true;
        }
    }

    /// A `+CMT`: handed out at once; nothing stores it, so acknowledging it deletes nothing.
    fn direct_message(&mut self, pdu_hex: &str) {
        let mut pdu = Vec::new();
        if self.unhex(pdu_hex, &mut pdu) {
            let token = self.token(None);
            if self.push_event(Event::Received { token, pdu }) {
                self.status.counters.received += 1;
            }
        }
        self.ack_direct();
    }

    /// `+CMT` and `+CDS` must be acknowledged with `AT+CNMA` when `AT+CSMS` service 1 is on
    /// (TS 27.005 §3.4.4), or the network resends them.
    fn ack_direct(&mut self) {
        if self.status.sms_service == Some(1) {
            self.cnma_due = true;
        }
    }

    pub(crate) fn token(&mut self, location: Option<Location>) -> ReceiveToken {
        self.next_seq = self.next_seq.wrapping_add(1);
        ReceiveToken { seq: self.next_seq, location }
    }

    /// A status report's PDU (SMSC field first): matched to a recent part and reported.
    pub(crate) fn status_report(&mut self, octets: &[u8]) {
        let report = match pdu::decode(octets) {
            Ok(Pdu::StatusReport(r)) => r,
            Ok(_) => return self.record(Error::Unexpected { command: "+CDS", reason: "not a status report" }),
            Err(e) => return self.record(Error::Codec(e)),
        };
        self.status.counters.status_reports += 1;
        let done = report.status.category() != StatusCategory::TemporaryStillTrying;
        let event = match self.recent.find(report.message_ref, &report.recipient, done) {
            Some(id) => Event::Delivery { id, status: report.status },
            None => {
                let mut recipient = PhoneNumber::new();
                if write!(recipient, "{}", report.recipient).is_err() {
                    recipient.clear();
                    self.record(Error::TooLong { field: "TP-RA", limit: recipient.capacity() });
                }
                Event::UnmatchedReport { mr: report.message_ref, recipient, status: report.status }
            }
        };
        self.push_event(event);
    }

    // ---- Signal and registration ----

    pub(crate) fn signal(&mut self, s: Signal) {
        let before = self.status.signal.map(Signal::quality);
        self.status.signal = Some(s);
        if before != Some(s.quality()) {
            self.push_event(Event::Signal(s));
        }
    }

    /// A registration state for `domain` (circuit-switched from `+CREG`, EPS from `+CEREG`;
    /// GPRS is not what SMS rides on here and is ignored by the caller).
    pub(crate) fn registration(&mut self, domain: Domain, line: &RegistrationLine<'_>) {
        let area = self.cell_text(line.area, "<lac>");
        let cell = self.cell_text(line.cell, "<ci>");
        let r = Registration { state: RegState::from_stat(line.stat), area, cell, act: line.act };
        let slot = match domain {
            Domain::Eps => &mut self.status.eps_registration,
            _ => &mut self.status.registration,
        };
        let changed = slot.as_ref().map(|old| old.state) != Some(r.state);
        *slot = Some(r.clone());
        if changed {
            self.push_event(Event::Registration(r));
        }
        self.update_pause();
    }

    fn cell_text(&mut self, field: Option<&str>, name: &'static str) -> Option<heapless::String<CELL_CHARS>> {
        let s = heapless::String::try_from(field?).ok();
        if s.is_none() {
            self.record(Error::TooLong { field: name, limit: CELL_CHARS });
        }
        s
    }

    /// Pauses or resumes sending as registration comes and goes (initialised modems only).
    pub(crate) fn update_pause(&mut self) {
        if self.state != State::Ready {
            return;
        }
        let paused = !self.status.is_registered();
        if paused != self.status.sending_paused {
            self.status.sending_paused = paused;
            self.push_event(if paused { Event::SendingPaused } else { Event::SendingResumed });
        }
    }

    // ---- Calls ----

    fn ring(&mut self, now: Instant) {
        self.call.ring(now);
        self.call_changed(now);
    }

    /// After a `RING` or `+CLIP`: announce the call once its number is known, decide on
    /// hanging up, and set the call timer.
    pub(crate) fn call_changed(&mut self, now: Instant) {
        let hang_up_after = self.config.hang_up_calls;
        let mut announce = None;
        if let Some(r) = self.call.ringing() {
            if !r.announced && r.number.is_some() {
                r.announced = true;
                announce = Some(r.number.clone());
            }
            if r.announced && r.hang_up == HangUp::No && hang_up_after.is_some_and(|n| r.rings >= n) {
                r.hang_up = HangUp::Wanted;
            }
        }
        if let Some(number) = announce {
            self.status.counters.calls += 1;
            self.push_event(Event::IncomingCall { number });
        }
        self.arm_call_timer(now);
    }

    fn arm_call_timer(&mut self, _now: Instant) {
        let t = self.config.timings;
        match self.call.deadline(t.clip_wait, t.ring_silence) {
            Some(at) => self.timers.set(Timer::Call, at),
            None => self.timers.clear(Timer::Call),
        }
    }

    pub(crate) fn call_timer(&mut self, now: Instant) {
        let t = self.config.timings;
        match &mut self.call {
            Call::Idle => {}
            Call::Quiet { until } if now.reached(*until) => self.call = Call::Idle,
            Call::Quiet { .. } => {}
            Call::Ringing(r) if now.reached(r.last + t.ring_silence) => return self.end_call(now, false),
            Call::Ringing(r) => {
                if !r.announced && now.reached(r.first + t.clip_wait) {
                    // No `+CLIP` came: the call is reported without a number.
                    r.announced = true;
                    self.status.counters.calls += 1;
                    self.push_event(Event::IncomingCall { number: None });
                    return self.call_changed(now);
                }
            }
        }
        self.arm_call_timer(now);
    }

    /// `NO CARRIER` or `^CEND`.
    pub(crate) fn call_ended_by_network(&mut self, now: Instant) {
        let hung_up = self.call.ringing().is_some_and(|r| r.hang_up == HangUp::Sent);
        self.end_call(now, hung_up);
    }

    /// Ends the ringing call, if any, announcing it first if it never was. After the driver
    /// hung up, `RING`s already on the line are ignored for a while.
    pub(crate) fn end_call(&mut self, now: Instant, hung_up: bool) {
        if !matches!(self.call, Call::Ringing(_)) {
            return self.arm_call_timer(now);
        }
        let Call::Ringing(r) = core::mem::take(&mut self.call) else { return };
        if !r.announced {
            self.status.counters.calls += 1;
            self.push_event(Event::IncomingCall { number: r.number.clone() });
        }
        self.push_event(Event::CallEnded { rings: r.rings, hung_up });
        if hung_up {
            self.call = Call::Quiet { until: now + self.config.timings.ring_silence };
        }
        self.arm_call_timer(now);
    }
}
