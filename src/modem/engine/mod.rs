//! The state machine behind [`Driver`](super::Driver): everything but the AT digester, so that
//! the driver can hand the digester's items (which borrow the digester) to it.
//!
//! - [`state`]: the states, named for what they wait for, and the data they carry.
//! - `init`: waking the modem and configuring it.
//! - `jobs`: the work of an initialised modem: sending, reading, deleting, watching, calls.
//! - `urc`: what unsolicited result codes change.
//! - `recovery`: the ladder that brings a hung modem back.

mod answers;
mod init;
mod jobs;
mod recovery;
pub(crate) mod state;
mod urc;

use heapless::{Deque, String, Vec};

use self::state::{Abort, Ladder, Outcome, Pending, PinMemory, Stage, State, Watch};
use super::call::Call;
use super::command::{Command, Tx, ESC};
use super::config::Config;
use super::event::{Cause, Event, Failure, Location, OutgoingPart};
use super::recent::RecentSends;
use super::status::{Fault, Memory, Phase, Status, ICCID_CHARS, IMEI_CHARS};
use super::timers::{Timer, Timers};
use super::{Error, DELETE_QUEUE, EVENT_CAPACITY, MAX_UNACKED, READ_QUEUE};
use crate::codec::at::{Final, Item};
use crate::codec::pdu::MAX_PDU_OCTETS;
use crate::time::Instant;

/// A message handed out and not yet acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unacked {
    pub(crate) seq: u32,
    pub(crate) location: Location,
}

#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub(crate) config: Config,
    pub(crate) status: Status,
    pub(crate) state: State,
    pub(crate) pending: Option<Pending>,
    pub(crate) timers: Timers,
    tx: Tx,
    /// The caller took `tx`: it is cleared before the next write.
    tx_taken: bool,
    events: Deque<Event, EVENT_CAPACITY>,
    device_open: bool,
    /// The digester must forget what it holds (a new port, a rebooted modem).
    reset_digester: bool,
    // Sending.
    /// The part accepted by `send` and not yet reported.
    pub(crate) part: Option<OutgoingPart>,
    next_send_at: Instant,
    recent: RecentSends,
    // Receiving.
    /// Stored messages (and status reports) to read; the front one is in progress.
    pub(crate) to_read: Deque<Location, READ_QUEUE>,
    pub(crate) unacked: Vec<Unacked, MAX_UNACKED>,
    /// Locations to delete; the front one is in progress.
    pub(crate) deletes: Deque<Location, DELETE_QUEUE>,
    /// The storage is to be listed (at start, after an overflow, or when the modem announces
    /// nothing).
    pub(crate) relist: bool,
    cnma_due: bool,
    next_seq: u32,
    /// The memory `AT+CMGR`/`AT+CMGD`/`AT+CMGL` work on (`<mem1>`), if known.
    pub(crate) read_memory: Option<Memory>,
    /// Whether `AT+CPMS="X"` is used to reach another memory; off once the modem refuses it,
    /// and reads and deletes then go to whatever memory it has.
    pub(crate) select_memory: bool,
    /// IMEI and ICCID as last initialised: queued locations belong to that modem and SIM.
    pub(crate) known: Option<(Option<String<IMEI_CHARS>>, Option<String<ICCID_CHARS>>)>,
    /// The PDU of the `+CMGR` in progress.
    read_pdu: Vec<u8, MAX_PDU_OCTETS>,
    pub(crate) watch: Option<Watch>,
    pub(crate) call: Call,
    pub(crate) ladder: Ladder,
    pub(crate) pin: PinMemory,
    /// When the last initialisation began: boot signs soon after belong to the same boot.
    init_started: Option<Instant>,
}

impl Engine {
    pub(crate) fn new(config: Config, now: Instant) -> Engine {
        Engine {
            config,
            status: Status::new(),
            state: State::WaitingForDevice,
            pending: None,
            timers: Timers::default(),
            tx: Tx::default(),
            tx_taken: false,
            events: Deque::new(),
            device_open: false,
            reset_digester: false,
            part: None,
            next_send_at: now,
            recent: RecentSends::default(),
            to_read: Deque::new(),
            unacked: Vec::new(),
            deletes: Deque::new(),
            relist: false,
            cnma_due: false,
            next_seq: 0,
            read_memory: None,
            select_memory: true,
            known: None,
            read_pdu: Vec::new(),
            watch: None,
            call: Call::Idle,
            ladder: Ladder::new(now),
            pin: PinMemory::NeverEntered,
            init_started: None,
        }
    }

    // ---- Outputs ----

    pub(crate) fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.tx_fresh();
        if self.tx.bytes.is_empty() {
            return None;
        }
        self.tx_taken = true;
        Some(&self.tx.bytes)
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.timers.earliest()
    }

    pub(crate) fn status(&self) -> &Status {
        &self.status
    }

    /// The prefix the digester is to expect: the pending command's.
    pub(crate) fn expected(&self) -> Option<&'static str> {
        self.pending.and_then(|p| p.cmd.expected_prefix())
    }

    pub(crate) fn take_digester_reset(&mut self) -> bool {
        core::mem::take(&mut self.reset_digester)
    }

    /// Bytes from the modem mean nothing while no port is open or the driver stopped.
    pub(crate) fn listening(&self) -> bool {
        !matches!(self.state, State::WaitingForDevice | State::Faulted(_))
    }

    fn tx_fresh(&mut self) {
        if core::mem::take(&mut self.tx_taken) {
            self.tx.bytes.clear();
        }
    }

    /// Queues bytes for the modem. Bytes the caller never took are dropped to make room: the
    /// command they belonged to has timed out by now.
    pub(crate) fn write_raw(&mut self, bytes: &[u8]) {
        self.tx_fresh();
        if self.tx.push(bytes).is_err() {
            self.record(Error::TransmitOverflow);
            self.tx.bytes.clear();
            let _ = self.tx.push(bytes);
        }
    }

    pub(crate) fn push_event(&mut self, event: Event) -> bool {
        match self.events.push_back(event) {
            Ok(()) => true,
            Err(_) => {
                self.status.counters.events_dropped += 1;
                self.record(Error::EventQueueFull);
                false
            }
        }
    }

    /// Room for an event that must not be dropped, with one to spare for a URC's event.
    pub(crate) fn event_room(&self) -> bool {
        self.events.len() + 2 <= self.events.capacity()
    }

    pub(crate) fn record(&mut self, e: Error) {
        self.status.last_error = Some(e);
        self.status.counters.errors += 1;
    }

    // ---- Commands ----

    /// Writes `cmd` and waits for its answer.
    pub(crate) fn issue(&mut self, now: Instant, cmd: Command) {
        self.tx_fresh();
        let mark = self.tx.bytes.len();
        if cmd.write(&self.config, &mut self.tx).is_err() {
            self.tx.bytes.truncate(mark);
            self.record(Error::TransmitOverflow);
            self.tx.bytes.clear();
            // Cannot overflow an empty buffer; a failure here leaves the command to time out.
            let _ = cmd.write(&self.config, &mut self.tx);
        }
        if let Command::Read(_) = cmd {
            self.read_pdu.clear();
        }
        let stage = if matches!(cmd, Command::Submit(_)) { Stage::Prompt } else { Stage::Answer };
        self.pending = Some(Pending::new(cmd, stage));
        self.timers.set(Timer::Command, now + cmd.timeout(&self.config));
        if matches!(cmd, Command::Submit(_)) {
            self.timers.clear(Timer::PartWait);
        }
    }

    fn take_pending(&mut self) -> Option<Pending> {
        self.timers.clear(Timer::Command);
        self.pending.take()
    }

    /// The pending command is done.
    fn complete(&mut self, now: Instant, p: Pending, outcome: Outcome) {
        if outcome == Outcome::TimedOut && p.cmd != Command::Probe {
            self.record(Error::Timeout { command: p.cmd.name() });
        }
        match self.state {
            State::Initialising(_) | State::Recovering(_) if p.cmd == Command::Probe => match outcome {
                Outcome::TimedOut => self.probe_timed_out(now),
                _ => self.wake_done(now, true),
            },
            State::Initialising(_) => self.init_next(now, p, outcome),
            State::Ready => self.job_done(now, p, outcome),
            _ => {}
        }
    }

    /// Gives up on the pending command because the modem went away or restarted (`why`), or
    /// did not answer (`Abort::Hang`); work it was doing is kept or reported.
    pub(crate) fn abandon(&mut self, now: Instant, why: Abort) {
        if let Some(p) = self.take_pending() {
            self.abandoned(now, p, why);
        }
    }

    fn abandoned(&mut self, now: Instant, p: Pending, why: Abort) {
        match p.cmd {
            Command::Submit(_) => match (p.stage, why) {
                (Stage::Result, _) => self.part_failed(now, Failure::Unknown),
                (_, Abort::Hang) => {
                    // Leave the prompt if the modem is in it: nothing must go out.
                    self.write_raw(&[ESC]);
                    self.part_failed(now, Failure::Temporary(Cause::NoPrompt));
                }
                // The PDU never reached the modem: the part goes out again once it is back.
                _ => self.arm_part_wait(now),
            },
            Command::List => self.relist = true,
            Command::SignalQuery | Command::RegistrationQuery | Command::EpsRegistrationQuery => self.watch = None,
            Command::NewMessageAck => self.cnma_due = false,
            Command::ReadMemory(_) => self.read_memory = None,
            Command::HangUp | Command::HangUpChup => {
                if let Some(r) = self.call.ringing() {
                    r.hang_up = super::call::HangUp::Wanted;
                }
            }
            // Reads and deletes stay at the front of their queues and are done again.
            _ => {}
        }
    }

    // ---- Inputs ----

    pub(crate) fn on_item(&mut self, now: Instant, item: Item<'_>) {
        if !self.listening() {
            return;
        }
        match item {
            Item::Echo(_) | Item::BodyEcho { .. } => {}
            Item::Prompt => self.on_prompt(now),
            Item::Response(line) => self.on_response(now, line),
            Item::Final(f) => self.on_final(now, f),
            Item::Urc(u) => self.on_urc(now, u),
        }
    }

    pub(crate) fn on_digest_error(&mut self, e: crate::codec::Error) {
        if self.listening() {
            self.record(Error::Codec(e));
        }
    }

    fn on_final(&mut self, now: Instant, f: Final<'_>) {
        let outcome = match f {
            Final::Ok => Outcome::Ok,
            Final::Error | Final::Aborted => Outcome::Error(state::Refusal::Plain),
            Final::CmsError { code, .. } => Outcome::Error(state::Refusal::Cms(code)),
            Final::CmeError { code, .. } => Outcome::Error(state::Refusal::Cme(code)),
            // The driver never dials: these end calls, not commands.
            Final::NoCarrier => return self.call_ended_by_network(now),
            Final::Busy | Final::NoAnswer | Final::NoDialtone | Final::Connect(_) => return,
        };
        // `OK` while waiting for the prompt is no answer `AT+CMGS` gives: keep waiting, on the
        // same deadline.
        if self.pending.is_some_and(|p| p.stage == Stage::Prompt) && outcome == Outcome::Ok {
            return;
        }
        if let Some(p) = self.take_pending() {
            self.complete(now, p, outcome);
        }
    }

    fn on_prompt(&mut self, now: Instant) {
        match self.pending {
            Some(p) if p.stage == Stage::Prompt => self.write_pdu(now, p),
            _ if self.waking() => self.stuck_prompt(now),
            _ => {
                // Whatever the pending command was, the modem now takes it for message text:
                // leave the prompt; the command times out and the resync follows.
                self.record(Error::UnexpectedPrompt);
                self.write_raw(&[ESC]);
            }
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant) {
        // A bound, not a loop until quiet: a zero duration in the configuration could re-arm
        // a timer at `now` forever. What is left is still due at the next call.
        for _ in 0..32 {
            let Some(timer) = self.timers.take_expired(now) else { break };
            match timer {
                Timer::Command => {
                    if let Some(p) = self.pending.take() {
                        self.complete(now, p, Outcome::TimedOut);
                    }
                }
                Timer::State => self.state_timer(now),
                Timer::Spacing => {}
                Timer::Watch => self.watch_timer(now),
                Timer::Call => self.call_timer(now),
                Timer::PartWait => self.part_wait_over(now),
            }
        }
        self.schedule(now);
    }

    fn state_timer(&mut self, now: Instant) {
        match self.state {
            State::Initialising(_) => self.init_timer(now),
            State::Recovering(_) => self.recovery_timer(now),
            State::WaitingForDevice => self.hang(now),
            State::Ready | State::Faulted(_) => {}
        }
    }

    // ---- Device ----

    pub(crate) fn device(&mut self, now: Instant, opened: bool) {
        self.device_open = opened;
        self.tx.bytes.clear();
        self.tx_taken = false;
        if opened {
            self.reset_digester = true;
            match self.state {
                // Each wrong try brings the SIM closer to PUK lock: only a person clears this.
                State::Faulted(Fault::WrongPin) => {}
                State::Faulted(_) => {
                    self.ladder = Ladder::new(now);
                    self.init_begin(now);
                }
                _ => {
                    self.abandon(now, Abort::DeviceLost);
                    self.init_begin(now);
                }
            }
            return;
        }
        self.abandon(now, Abort::DeviceLost);
        self.end_call(now, false);
        self.watch = None;
        self.timers.clear(Timer::Watch);
        match self.state {
            State::Faulted(_) | State::WaitingForDevice => {}
            State::Recovering(r) => {
                // USB modems re-enumerate when reset: wait for the port to come back.
                let until = self.timers.get(Timer::State).unwrap_or(now).max(now + self.config.timings.reenumerate);
                self.state = State::Recovering(r.reenumerating(true));
                self.timers.set(Timer::State, until);
            }
            State::Initialising(_) | State::Ready => {
                // The shell reopens the port when it comes back. A modem whose firmware
                // crashed may not come back by itself: after the re-enumeration time the
                // ladder goes on with what works without a port.
                self.state = State::WaitingForDevice;
                self.timers.set(Timer::State, now + self.config.timings.reenumerate);
            }
        }
    }

    /// Starts over after a fault or on request: the PIN may be entered again.
    pub(crate) fn reset(&mut self, now: Instant) {
        self.abandon(now, Abort::DeviceLost);
        self.ladder = Ladder::new(now);
        self.pin = PinMemory::NeverEntered;
        if self.device_open {
            self.init_begin(now);
        } else {
            self.timers.clear(Timer::State);
            self.state = State::WaitingForDevice;
        }
    }

    pub(crate) fn fault(&mut self, now: Instant, fault: Fault) {
        self.abandon(now, Abort::DeviceLost);
        self.timers.clear(Timer::State);
        self.timers.clear(Timer::Watch);
        self.watch = None;
        self.state = State::Faulted(fault);
        self.record(Error::Faulted(fault));
        if self.part.is_some() {
            self.part_failed(now, Failure::Temporary(Cause::Faulted(fault)));
        }
        self.push_event(Event::Faulted(fault));
    }

    /// Brings [`Status::phase`] up to date; called after every input.
    pub(crate) fn sync_phase(&mut self) {
        self.status.phase = match self.state {
            State::WaitingForDevice => Phase::WaitingForDevice,
            State::Initialising(_) => Phase::Initialising,
            State::Ready if matches!(self.pending, Some(Pending { cmd: Command::Submit(_), .. })) => Phase::Sending,
            State::Ready => Phase::Ready,
            State::Recovering(r) => Phase::Recovering(r.step),
            State::Faulted(f) => Phase::Faulted(f),
        };
    }
}
