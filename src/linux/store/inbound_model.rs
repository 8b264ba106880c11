//! The inbound side's data: received messages and the parts they are assembled from, calls and
//! what was decided about them, the opt-out list and the marks of work still to do.
//!
//! The stored types are record formats on flash (postcard, field order is the format, see
//! `memory-layout/store.md`): changing a field's type or order needs a new record version.

use serde::{Deserialize, Serialize};

use super::model::{MessageId, UnixMs};

/// One decoded SMS-DELIVER, as the daemon got it from the modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingPart {
    /// As decoded (already normalised by the caller when it is a number).
    pub sender: String,
    /// This part's decoded text; 8-bit data as hex (see `binary`).
    pub text: String,
    pub binary: bool,
    /// The concatenation header; `None` for a one-part message.
    pub concat: Option<ConcatKey>,
    pub smsc: Option<String>,
    /// TP-SCTS as ISO 8601 with its offset, e.g. "2024-01-15T10:30:45+01:00".
    pub sent_at: Option<String>,
    /// The raw PDU, kept for people and for decoding again; its octets (at most
    /// [`crate::codec::pdu::MAX_PDU_OCTETS`]) tell a re-delivery apart, so it must not be empty.
    pub pdu_hex: String,
    pub received: UnixMs,
}

/// The concatenation information element of a part (TS 23.040 §9.2.3.24.1 and .8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcatKey {
    pub reference: u16,
    /// The 16-bit reference element (IEI 0x08) rather than the 8-bit one (0x00).
    pub sixteen_bit: bool,
    /// 1-based.
    pub seq: u8,
    pub total: u8,
}

/// Which "still to do" marks a new record gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InboundTasks {
    /// Upstream must learn of it ([`TaskKind::PushReceived`] or [`TaskKind::PushCall`]).
    pub push: bool,
    /// The hook runs for it ([`TaskKind::Hook`]; received messages only).
    pub hook: bool,
}

/// A received message, whole or released incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedSms {
    /// Allocated by the store, increasing, never reused.
    pub id: u64,
    pub sender: String,
    /// The parts' texts in order; each missing part stands as "[…]".
    pub text: String,
    /// At least one part carried 8-bit data (its text is hex).
    pub binary: bool,
    /// Of the lowest part present.
    pub smsc: Option<String>,
    /// Of the lowest part present.
    pub sent_at: Option<String>,
    /// When the first of its parts arrived.
    pub received: UnixMs,
    /// When the last of its parts arrived.
    pub completed: UnixMs,
    /// How many parts the message has (1 for a one-part message).
    pub parts: u8,
    /// Parts never received (the message was released incomplete); empty when complete.
    pub missing: Vec<u8>,
    /// The raw PDUs of the parts present, in part order.
    pub pdus: Vec<String>,
}

impl ReceivedSms {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// What storing a received part came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// The message is whole (or had one part): stored, its parts gone.
    Complete(ReceivedSms),
    /// Stored; `have` of `total` parts are here.
    Waiting { have: u8, total: u8 },
    /// The modem handed out this PDU before (it is in the seen table), or that part of that
    /// set is here already: nothing changed.
    Duplicate,
}

/// A long message still waiting for some of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingSet {
    pub sender: String,
    pub reference: u16,
    pub sixteen_bit: bool,
    pub have: u8,
    pub total: u8,
    /// When its first part arrived.
    pub oldest: UnixMs,
    /// When its latest part arrived: stale release goes by this.
    pub newest: UnixMs,
}

/// Kinds of "still to do" marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskKind {
    /// Upstream has not got the received message yet.
    PushReceived,
    /// Upstream has not got the call record yet.
    PushCall,
    /// The hook has not run for the received message yet.
    Hook,
}

impl TaskKind {
    pub const ALL: [TaskKind; 3] = [TaskKind::PushReceived, TaskKind::PushCall, TaskKind::Hook];

    /// The first byte of the task's key.
    pub(crate) fn code(self) -> u8 {
        match self {
            TaskKind::PushReceived => 0,
            TaskKind::PushCall => 1,
            TaskKind::Hook => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            TaskKind::PushReceived => "push-received",
            TaskKind::PushCall => "push-call",
            TaskKind::Hook => "hook",
        }
    }

    /// The task is about a call (else about a received message).
    pub fn is_call(self) -> bool {
        self == TaskKind::PushCall
    }
}

/// A call as it ended, and what was decided about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub at: UnixMs,
    /// As the modem gave it.
    pub number: Option<String>,
    /// Normalised; `None` when the caller withheld the number.
    pub caller: Option<String>,
    pub rings: u8,
    /// The caller hung up (rather than the gateway rejecting the call).
    pub hung_up: bool,
    pub outcome: CallOutcome,
}

/// What became of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallOutcome {
    /// An auto-reply was queued, to go at once.
    Replied { message: MessageId },
    /// An auto-reply was queued, to go out no earlier than `not_before`.
    Deferred { message: MessageId, not_before: UnixMs },
    /// No reply, for this reason (replied recently, opted out, no number…).
    Skipped { reason: String },
    /// Auto-reply is off.
    NotAnswered,
}

/// A stored call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Allocated by the store, increasing, never reused (a sequence of its own).
    pub id: u64,
    pub at: UnixMs,
    pub number: Option<String>,
    pub caller: Option<String>,
    pub rings: u8,
    pub hung_up: bool,
    pub outcome: CallOutcome,
}

impl CallRecord {
    pub(crate) fn new(id: u64, call: &NewCall) -> CallRecord {
        CallRecord {
            id,
            at: call.at,
            number: call.number.clone(),
            caller: call.caller.clone(),
            rings: call.rings,
            hung_up: call.hung_up,
            outcome: call.outcome.clone(),
        }
    }
}

/// A number that asked for no more messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptOut {
    pub at: UnixMs,
    /// The keyword that matched ("STOP").
    pub keyword: String,
    /// The whole text that carried it.
    pub text: String,
}

/// A part waiting in the fragments table for its siblings (the set and the part number are
/// in the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fragment {
    pub text: String,
    pub binary: bool,
    pub smsc: Option<String>,
    pub sent_at: Option<String>,
    pub pdu_hex: String,
    pub received: UnixMs,
}

impl Fragment {
    pub fn of(part: &IncomingPart) -> Fragment {
        Fragment {
            text: part.text.clone(),
            binary: part.binary,
            smsc: part.smsc.clone(),
            sent_at: part.sent_at.clone(),
            pdu_hex: part.pdu_hex.clone(),
            received: part.received,
        }
    }
}

impl CallOutcome {
    /// What became of the call, in words.
    pub fn words(&self) -> String {
        match self {
            CallOutcome::Replied { message } => format!("replied (message {message})"),
            CallOutcome::Deferred { message, not_before } => {
                format!("reply deferred to {} (message {message})", crate::linux::dates::iso_utc(not_before.0))
            }
            CallOutcome::Skipped { reason } => format!("no reply: {reason}"),
            CallOutcome::NotAnswered => "logged (auto-reply is off)".into(),
        }
    }
}

impl CallRecord {
    /// The call in one line: who, how long it rang, what was done (the upstream `events.detail`).
    pub fn detail(&self) -> String {
        let who = self.caller.as_deref().or(self.number.as_deref()).unwrap_or("a withheld number");
        let hung = if self.hung_up { ", hung up" } else { "" };
        format!("call from {who}, {} ring(s){hung}: {}", self.rings, self.outcome.words())
    }
}

/// What the seen table holds for a PDU (the PDU's octets are the key). A PDU carries the
/// service centre's time stamp, so only a re-delivery of the same part has the same octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SeenPdu {
    /// The received message the part went into; `None` while its set waits for parts.
    pub received: Option<u64>,
    /// When the part arrived: compaction removes the entry once this is older than retention.
    pub at: UnixMs,
}
