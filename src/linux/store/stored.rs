//! A message as it is kept on flash: the message, the pushes upstream has not taken yet and its
//! history, in one record under one key.
//!
//! Why one record: every per-message commit (begin, sent, failed, report…) then writes exactly
//! one key. In redb that is one root-to-leaf path instead of one per table touched; in sled it
//! is one log entry without the batch manifest a multi-key commit needs, i.e. one flash page
//! instead of two (`memory-layout/store.md` has the figures). The push outbox and the history
//! were tables of their own in format 1.

use serde::{Deserialize, Serialize};

use super::model::{Change, Message, MessageId, PartState, Push, StateKind, UnixMs};
use crate::codec::pdu::Status;

/// One state change upstream must learn, kept in the record of its message until upstream has
/// acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEntry {
    pub seq: u64,
    pub at: UnixMs,
    pub state: StateKind,
    pub attempts_left: u8,
    pub parts_sent: u8,
    pub error: Option<String>,
}

/// What a history entry says happened. Kept as numbers, not words, so a record stays small;
/// [`What::detail`] words it when the history is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum What {
    Queued,
    InFlight {
        part: u8,
        attempt: u16,
    },
    Sent {
        part: u8,
        mr: u8,
    },
    Failed {
        part: u8,
        attempt: u16,
        permanent: bool,
        reason: String,
    },
    /// The outcome of an attempt was unknown (a crash or a modem that never answered);
    /// `failed` when that failed the message, else it is to be sent again.
    Unknown {
        part: u8,
        attempt: u16,
        failed: bool,
    },
    /// A status report with TP-ST `status`.
    Report {
        part: u8,
        status: u8,
    },
    Cancelled,
    Retried,
}

impl What {
    pub fn part(&self) -> Option<u8> {
        match self {
            What::Queued | What::Cancelled | What::Retried => None,
            What::InFlight { part, .. }
            | What::Sent { part, .. }
            | What::Failed { part, .. }
            | What::Unknown { part, .. }
            | What::Report { part, .. } => Some(*part),
        }
    }

    /// The change in words, e.g. "part 2 attempt 1 in flight".
    pub fn detail(&self) -> String {
        let n = |part: &u8| u16::from(*part) + 1;
        match self {
            What::Queued => "queued".into(),
            What::InFlight { part, attempt } => format!("part {} attempt {attempt} in flight", n(part)),
            What::Sent { part, mr } => format!("part {} sent, reference {mr}", n(part)),
            What::Failed { part, attempt, permanent, reason } => {
                let kind = if *permanent { "permanent" } else { "temporary" };
                format!("part {} attempt {attempt} failed ({kind}): {reason}", n(part))
            }
            What::Unknown { part, attempt, failed } => {
                let then = if *failed { "failed" } else { "to be sent again" };
                format!("part {} attempt {attempt}: outcome unknown; {then}", n(part))
            }
            What::Report { part, status } => format!("report {}", report_words(*part, Status(*status))),
            What::Cancelled => "cancelled".into(),
            What::Retried => "retried".into(),
        }
    }
}

/// A status report in words: "part 1: delivered (TP-ST 0x00)".
pub fn report_words(part: u8, status: Status) -> String {
    let meaning = status.meaning().unwrap_or("service centre specific");
    format!("part {}: {meaning} (TP-ST {:#04x})", u16::from(part) + 1, status.raw())
}

/// The TP-ST a failure reason written by [`report_words`] names: the push record keeps the
/// reason, not the report, and upstream tells an expired message from a failed one.
pub fn reported_status(reason: &str) -> Option<Status> {
    let (_, rest) = reason.rsplit_once("(TP-ST 0x")?;
    let hex = rest.strip_suffix(')')?;
    u8::from_str_radix(hex, 16).ok().map(Status)
}

/// One history entry of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEntry {
    pub seq: u64,
    pub at: UnixMs,
    /// `None` when the message was created.
    pub from: Option<StateKind>,
    pub to: StateKind,
    pub what: What,
}

/// The record under a message's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub message: Message,
    /// Pushes not known to be acknowledged, oldest first. Those at or below the acknowledgement
    /// mark are dropped whenever the record is written again.
    pub pushes: Vec<PushEntry>,
    /// Every change of the message, oldest first.
    pub changes: Vec<ChangeEntry>,
    /// Of `message.unknown_parts`, how many failed the message (the rest were sent again).
    pub unknown_failed: u16,
}

impl Stored {
    pub fn new(message: Message) -> Stored {
        Stored { message, pushes: Vec::new(), changes: Vec::new(), unknown_failed: 0 }
    }

    pub fn id(&self) -> MessageId {
        self.message.id
    }

    /// Unknown outcomes of this message that were sent again.
    pub fn unknown_resent(&self) -> u16 {
        self.message.unknown_parts.saturating_sub(self.unknown_failed)
    }

    /// The push with sequence number `seq`, as upstream gets it.
    pub fn push(&self, seq: u64) -> Option<Push> {
        let p = self.pushes.iter().find(|p| p.seq == seq)?;
        Some(Push {
            seq,
            id: self.message.id,
            upstream_id: self.message.upstream_id?,
            at: p.at,
            state: p.state,
            attempts_left: p.attempts_left,
            parts_sent: p.parts_sent,
            error: p.error.clone(),
        })
    }

    /// A history entry as the history gives it out.
    pub fn change(&self, c: &ChangeEntry) -> Change {
        Change {
            seq: c.seq,
            at: c.at,
            id: self.message.id,
            upstream_id: self.message.upstream_id,
            recipient: self.message.recipient.clone(),
            from: c.from,
            to: c.to,
            part: c.what.part(),
            detail: c.what.detail(),
        }
    }

    /// The parts the network accepted: (part, message reference, when sent).
    pub fn sent_parts(&self) -> impl Iterator<Item = (u8, u8, UnixMs)> + '_ {
        self.message.parts.iter().enumerate().filter_map(|(i, p)| {
            let part = u8::try_from(i).ok()?;
            match p.state {
                PartState::Sent { mr, at } => Some((part, mr, at)),
                PartState::Reported { mr, sent_at, .. } => Some((part, mr, sent_at)),
                _ => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_status_reads_back_from_its_words() {
        for raw in [0x00u8, 0x20, 0x41, 0x46, 0x65, 0x7F, 0xFF] {
            let words = format!("not delivered: {}", report_words(1, Status(raw)));
            assert_eq!(reported_status(&words), Some(Status(raw)), "{words}");
        }
        for other in ["failed", "+CMS ERROR: 500", "(TP-ST 0xzz)", "TP-ST 0x46"] {
            assert_eq!(reported_status(other), None, "{other}");
        }
    }

    #[test]
    fn details_in_words() {
        let cases = [
            (What::Queued, None, "queued"),
            (What::InFlight { part: 1, attempt: 1 }, Some(1), "part 2 attempt 1 in flight"),
            (What::Sent { part: 0, mr: 7 }, Some(0), "part 1 sent, reference 7"),
            (
                What::Failed { part: 0, attempt: 3, permanent: false, reason: "+CMS ERROR: 38".into() },
                Some(0),
                "part 1 attempt 3 failed (temporary): +CMS ERROR: 38",
            ),
            (
                What::Failed { part: 2, attempt: 1, permanent: true, reason: "barred".into() },
                Some(2),
                "part 3 attempt 1 failed (permanent): barred",
            ),
            (
                What::Unknown { part: 0, attempt: 2, failed: false },
                Some(0),
                "part 1 attempt 2: outcome unknown; to be sent again",
            ),
            (What::Unknown { part: 0, attempt: 2, failed: true }, Some(0), "part 1 attempt 2: outcome unknown; failed"),
            (
                What::Report { part: 0, status: 0 },
                Some(0),
                "report part 1: short message received by the SME (TP-ST 0x00)",
            ),
            (What::Cancelled, None, "cancelled"),
            (What::Retried, None, "retried"),
        ];
        for (what, part, words) in cases {
            assert_eq!(what.part(), part, "{what:?}");
            assert_eq!(what.detail(), words);
        }
    }
}
