//! The driver's states and the data each carries.

use crate::codec::at::{CmeCode, CmsCode};
use crate::modem::command::{Command, PinState};
use crate::modem::status::{Fault, Memory, RecoveryStep};
use crate::time::Instant;

/// What the driver waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum State {
    /// For `DeviceEvent::Opened`.
    WaitingForDevice,
    /// For the answers of the initialisation sequence.
    Initialising(Init),
    /// For work: parts, stored messages, calls, the watch.
    Ready,
    /// For a hung modem to come back.
    Recovering(Recovery),
    /// For a person (or a new device).
    Faulted(Fault),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Init {
    /// Still waking the modem (`AT` probes).
    pub(crate) wake: Option<Wake>,
    /// Retries of failed steps so far.
    pub(crate) retries: u8,
    /// Since when the SIM has not been ready.
    pub(crate) sim_since: Option<Instant>,
    /// The command to send when the state timer fires (a retry after a delay).
    pub(crate) next: Option<Command>,
}

impl Init {
    pub(crate) fn new(wake: Option<Wake>) -> Init {
        Init { wake, retries: 0, sim_since: None, next: None }
    }
}

/// How hard the driver tries to get the modem's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Escalation {
    /// `AT` only.
    Plain,
    /// ESC first: leaves an SMS prompt without sending.
    Esc,
    /// Ctrl-Z first: ends a prompt that ESC did not (some firmware ignores ESC there).
    CtrlZ,
}

impl Escalation {
    pub(crate) fn next(self) -> Escalation {
        match self {
            Escalation::Plain => Escalation::Esc,
            Escalation::Esc | Escalation::CtrlZ => Escalation::CtrlZ,
        }
    }
}

/// `AT` probes until one is answered, escalating up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Wake {
    pub(crate) level: Escalation,
    pub(crate) max: Escalation,
    /// Probes at this level so far.
    pub(crate) attempt: u8,
    /// Waiting out the guard time after ESC or Ctrl-Z.
    pub(crate) guard: bool,
}

impl Wake {
    pub(crate) fn new(level: Escalation, max: Escalation) -> Wake {
        Wake { level, max, attempt: 0, guard: false }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Recovery {
    pub(crate) step: RecoveryStep,
    pub(crate) stage: RecoveryStage,
}

impl Recovery {
    pub(crate) fn reenumerating(self, closed: bool) -> Recovery {
        Recovery { stage: RecoveryStage::Reenumerating { closed }, ..self }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum RecoveryStage {
    /// For an `AT` to be answered.
    Waking(Wake),
    /// For the modem to boot after `AT+CFUN=1,1`.
    Booting,
    /// For the port to come back after a USB reset or power cycle.
    Reenumerating { closed: bool },
}

/// Where the `AT+CMGS` exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Stage {
    /// Any command but `AT+CMGS`: its final result.
    Answer,
    /// `AT+CMGS`: the prompt; nothing has gone out.
    Prompt,
    /// `AT+CMGS`: the PDU was written; the result.
    Result,
}

/// The command waiting for its answer, and what its information responses said so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Pending {
    pub(crate) cmd: Command,
    pub(crate) stage: Stage,
    /// Information response lines seen.
    pub(crate) lines: u8,
    pub(crate) pin: Option<PinState>,
    /// `<stat>` of `+CMGR`.
    pub(crate) stat: Option<u8>,
    /// `<mr>` of `+CMGS`.
    pub(crate) mr: Option<u8>,
    /// The memory `AT+CPMS=?` offered.
    pub(crate) memory: Option<Memory>,
    /// `+CMGR`: the PDU line was read.
    pub(crate) pdu: bool,
}

impl Pending {
    pub(crate) fn new(cmd: Command, stage: Stage) -> Pending {
        Pending { cmd, stage, lines: 0, pin: None, stat: None, mr: None, memory: None, pdu: false }
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Error(Refusal),
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Plain,
    Cms(Option<CmsCode>),
    Cme(Option<CmeCode>),
}

/// Why a pending command is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Abort {
    /// No answer in time.
    Hang,
    /// The modem restarted.
    Reboot,
    /// The port went away or was reopened, or the driver stopped.
    DeviceLost,
}

/// The watch's next command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Watch {
    Signal,
    Registration,
    EpsRegistration,
}

/// Whether the configured PIN may be entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum PinMemory {
    NeverEntered,
    /// Entered, not yet seen to work: it is not entered again.
    Unconfirmed,
    /// The SIM became ready after it: it may be entered after the modem restarts.
    Accepted,
}

/// Where the recovery ladder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Ladder {
    /// The step in progress (until the modem is initialised again).
    pub(crate) current: Option<RecoveryStep>,
    /// The step that last brought the modem back, and when.
    pub(crate) last_ok: Option<(RecoveryStep, Instant)>,
    /// Ladders that ran to the end since `window_start`.
    pub(crate) failed: u8,
    pub(crate) window_start: Instant,
}

impl Ladder {
    pub(crate) fn new(now: Instant) -> Ladder {
        Ladder { current: None, last_ok: None, failed: 0, window_start: now }
    }
}
