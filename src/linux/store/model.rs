//! The queue's data: messages, their parts and states, the upstream pushes and the history.
//!
//! These types are also the record formats on flash (postcard, field order is the format, see
//! `memory-layout/store.md`): changing a field's type or order needs a new record version.

use core::fmt;
use core::time::Duration;

use serde::{Deserialize, Serialize};

/// A message's local id: allocated by the store, monotonic, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Wall-clock time: milliseconds since the Unix epoch. Kept on flash, so it must mean the same
/// after a reboot, which the monotonic `time::Instant` does not. Passed in by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct UnixMs(pub u64);

impl UnixMs {
    /// Later by `d`, saturating: a time beyond the end of `u64` milliseconds never arrives.
    pub fn saturating_add(self, d: Duration) -> UnixMs {
        UnixMs(self.0.saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
    }

    /// Earlier by `d`, saturating at the epoch.
    pub fn saturating_sub(self, d: Duration) -> UnixMs {
        UnixMs(self.0.saturating_sub(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
    }
}

/// A message's state without its data: what counters, filters and pushes speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StateKind {
    Queued,
    Sending,
    Sent,
    Delivered,
    Failed,
    Cancelled,
}

impl StateKind {
    /// Every state, in the order of their codes.
    pub const ALL: [StateKind; 6] = [
        StateKind::Queued,
        StateKind::Sending,
        StateKind::Sent,
        StateKind::Delivered,
        StateKind::Failed,
        StateKind::Cancelled,
    ];

    /// The lower-case name used in CSV and by the CLI.
    pub fn name(self) -> &'static str {
        match self {
            StateKind::Queued => "queued",
            StateKind::Sending => "sending",
            StateKind::Sent => "sent",
            StateKind::Delivered => "delivered",
            StateKind::Failed => "failed",
            StateKind::Cancelled => "cancelled",
        }
    }

    /// The state for a name given by [`StateKind::name`].
    pub fn from_name(name: &str) -> Option<StateKind> {
        StateKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// No more sending will happen (a sent message may still get a delivery report).
    pub fn is_final(self) -> bool {
        !matches!(self, StateKind::Queued | StateKind::Sending)
    }

    /// The byte that stands for the state in index keys and tombstones.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// The state a code stands for.
    pub(crate) fn from_code(code: u8) -> Option<StateKind> {
        StateKind::ALL.get(usize::from(code)).copied()
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a message is in its life, with what that state needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Waiting for its `not_before` and its turn.
    Queued,
    /// At least one part has been handed out and not all are sent; see the parts.
    Sending,
    /// Every part was accepted by the network.
    Sent { at: UnixMs },
    /// Every part was reported delivered.
    Delivered { at: UnixMs },
    /// Given up: a permanent error, the attempts used up, an unconfirmed send, or a delivery
    /// report saying it will not arrive.
    Failed { reason: String, at: UnixMs },
    /// Withdrawn before it was sent.
    Cancelled { at: UnixMs },
}

impl State {
    pub fn kind(&self) -> StateKind {
        match self {
            State::Queued => StateKind::Queued,
            State::Sending => StateKind::Sending,
            State::Sent { .. } => StateKind::Sent,
            State::Delivered { .. } => StateKind::Delivered,
            State::Failed { .. } => StateKind::Failed,
            State::Cancelled { .. } => StateKind::Cancelled,
        }
    }

    /// When the message reached a final state.
    pub fn final_at(&self) -> Option<UnixMs> {
        match self {
            State::Queued | State::Sending => None,
            State::Sent { at } | State::Delivered { at } | State::Failed { at, .. } | State::Cancelled { at } => {
                Some(*at)
            }
        }
    }
}

/// Where one part (one PDU) of a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartState {
    /// Not sent yet (or sent with an unknown outcome and to be sent again).
    Pending,
    /// Handed to the modem: attempt `attempt` (1-based) began at `since`. Committed before the
    /// PDU goes out, so a crash leaves this behind and `recover` finds it.
    InFlight { attempt: u16, since: UnixMs },
    /// The network accepted it with message reference `mr`.
    Sent { mr: u8, at: UnixMs },
    /// A status report for it arrived: TP-ST `status` (TS 23.040 §9.2.3.15) at `at`.
    Reported { mr: u8, sent_at: UnixMs, status: u8, at: UnixMs },
}

impl PartState {
    /// The network has it: it must never be handed out again.
    pub fn is_sent(self) -> bool {
        matches!(self, PartState::Sent { .. } | PartState::Reported { .. })
    }

    /// When the network accepted it, once it has.
    pub fn sent_at(self) -> Option<UnixMs> {
        match self {
            PartState::Sent { at, .. } | PartState::Reported { sent_at: at, .. } => Some(at),
            PartState::Pending | PartState::InFlight { .. } => None,
        }
    }

    /// A status report said it was delivered.
    pub fn is_delivered(self) -> bool {
        matches!(self, PartState::Reported { status, .. } if crate::codec::pdu::Status(status).is_delivered())
    }
}

/// One part of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub state: PartState,
    /// How many times this part was handed out (`begin_part`).
    pub attempts: u16,
}

/// A message in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    /// The upstream `outbox.id` this message came from; unique in the store.
    pub upstream_id: Option<u64>,
    /// The recipient's number, normalised by the caller.
    pub recipient: String,
    pub text: String,
    /// Higher is sent first.
    pub priority: u8,
    /// Not sent before this time.
    pub not_before: UnixMs,
    /// Failed attempts still allowed; at 0 the message fails with the last error.
    pub attempts_left: u8,
    /// Temporary failures since the message was queued (or retried): picks the backoff.
    pub failures: u16,
    /// A status report is requested for every part.
    pub status_report: bool,
    /// The concatenation reference every part of this message carries (the low 8 bits when the
    /// driver uses 8-bit references). Chosen once, so a part sent again after a restart still
    /// joins the parts sent before it.
    pub concat_ref: u16,
    pub created: UnixMs,
    /// The last change of anything in this record.
    pub updated: UnixMs,
    pub state: State,
    /// One entry per PDU; the count is fixed when the message is queued.
    pub parts: Vec<Part>,
    pub last_error: Option<String>,
    /// Parts whose outcome was unknown after a crash or timeout, over the message's life.
    pub unknown_parts: u16,
    /// The push outbox sequence number of the last push for this message: the message is kept
    /// until upstream has taken it.
    pub last_push: Option<u64>,
}

impl Message {
    /// The first part that has not been sent: where sending resumes.
    pub fn first_unsent(&self) -> Option<u8> {
        self.parts.iter().position(|p| !p.state.is_sent()).and_then(|i| u8::try_from(i).ok())
    }

    /// The part handed to the modem whose outcome is not known yet.
    pub fn in_flight(&self) -> Option<u8> {
        self.parts.iter().position(|p| matches!(p.state, PartState::InFlight { .. })).and_then(|i| u8::try_from(i).ok())
    }

    /// How many parts the network has accepted.
    pub fn parts_sent(&self) -> u8 {
        u8::try_from(self.parts.iter().filter(|p| p.state.is_sent()).count()).unwrap_or(u8::MAX)
    }

    /// Waiting for a send: queued or part-way sent, with no part in flight.
    pub fn is_ready_candidate(&self) -> bool {
        matches!(self.state, State::Queued | State::Sending) && self.in_flight().is_none()
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub upstream_id: Option<u64>,
    pub recipient: String,
    pub text: String,
    /// How many PDUs the text takes (`codec::encoding::plan`), 1 to 255.
    pub parts: u8,
    pub priority: u8,
    pub not_before: UnixMs,
    /// Failed attempts allowed; `None` takes [`Config::default_attempts`].
    pub attempts: Option<u8>,
    pub status_report: bool,
}

impl NewMessage {
    /// A message for `recipient` with the defaults: no upstream id, priority 0, sendable at
    /// once, the configured attempts, no status report.
    pub fn new(recipient: impl Into<String>, text: impl Into<String>, parts: u8) -> NewMessage {
        NewMessage {
            upstream_id: None,
            recipient: recipient.into(),
            text: text.into(),
            parts,
            priority: 0,
            not_before: UnixMs(0),
            attempts: None,
            status_report: false,
        }
    }
}

/// What compaction leaves of a message that came from upstream: enough to never queue that
/// upstream row again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tombstone {
    pub upstream_id: u64,
    /// The message the upstream id was queued as.
    pub id: MessageId,
    /// How it ended.
    pub state: StateKind,
}

/// What the store knows of an upstream id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamState {
    /// The message is in the store.
    Kept(Message),
    /// The message ended and was compacted away; the upstream id is not queued again.
    Compacted(Tombstone),
}

/// What `enqueue` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub message: Message,
    /// False when a message with the same upstream id was already there (it is returned as is).
    pub created: bool,
}

/// The next part to send: hand it out with `begin_part(message.id, part, now)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub message: Message,
    /// The first part not yet sent.
    pub part: u8,
}

/// Why sending a part failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another attempt after the backoff (network busy, no signal…).
    Temporary(String),
    /// No attempt will succeed (invalid number, barred…).
    Permanent(String),
}

/// What to do with a part whose outcome is unknown: the PDU may or may not have gone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownPolicy {
    /// Send it again (the recipient may get it twice). The unknown attempt still counts
    /// against `attempts_left`, so a message that crashes the gateway cannot loop forever.
    Resend,
    /// Fail the message as "unconfirmed" (the recipient may get nothing).
    FailUnconfirmed,
}

/// One state change the upstream must learn, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// Position in the push outbox: strictly increasing, never reused.
    pub seq: u64,
    pub id: MessageId,
    pub upstream_id: u64,
    pub at: UnixMs,
    pub state: StateKind,
    pub attempts_left: u8,
    pub parts_sent: u8,
    pub error: Option<String>,
}

/// One entry of the history: a state change of a message (or of one of its parts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the history: strictly increasing.
    pub seq: u64,
    pub at: UnixMs,
    pub id: MessageId,
    pub upstream_id: Option<u64>,
    pub recipient: String,
    /// `None` when the message was created.
    pub from: Option<StateKind>,
    pub to: StateKind,
    /// The part the change is about, when it is about one.
    pub part: Option<u8>,
    /// What happened, in words: "part 2 attempt 1 in flight", the error text…
    pub detail: String,
}

/// Which messages `list` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    /// Only messages in this state; all when `None`.
    pub state: Option<StateKind>,
    pub limit: usize,
    pub offset: usize,
}

/// Messages per state, from counters the store keeps (not a scan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    by_state: [u64; 6],
}

impl Counts {
    pub fn get(&self, state: StateKind) -> u64 {
        self.by_state.get(usize::from(state.code())).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.by_state.iter().sum()
    }

    pub(crate) fn set(&mut self, state: StateKind, n: u64) {
        if let Some(slot) = self.by_state.get_mut(usize::from(state.code())) {
            *slot = n;
        }
    }
}

/// Counters over the store's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub counts: Counts,
    /// Parts with an unknown outcome that were sent again.
    pub unknown_resent: u64,
    /// Parts with an unknown outcome whose message failed as unconfirmed.
    pub unknown_failed: u64,
    /// Pushes upstream has not acknowledged.
    pub pending_pushes: u64,
}

/// What `recover` found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recovered {
    /// Parts found in flight: their outcome is unknown.
    pub unknown_parts: u64,
    /// Of those, parts put back to be sent again.
    pub resent: u64,
    /// Of those, parts whose message failed (as unconfirmed, or out of attempts).
    pub failed: u64,
}

/// What `compact` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compacted {
    pub messages: u64,
    pub changes: u64,
    /// Final messages old enough to go that were kept because upstream has not taken their push.
    pub kept_unpushed: u64,
    /// Received messages and call records removed.
    pub received: u64,
    pub calls: u64,
    /// Reply memories removed: those callers may be auto-replied to again.
    pub replies: u64,
    /// Received messages and calls old enough to go that were kept for a task still pending.
    pub kept_pending: u64,
    /// Seen PDUs forgotten (with their message, or older than the retention).
    pub seen: u64,
}

/// The storage engine behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One redb file.
    Redb,
    /// A sled directory.
    #[cfg(feature = "sled")]
    Sled,
}

/// How the store behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub backend: Backend,
    /// Failed attempts a message gets when it does not say (the old daemon's `attempts`).
    pub default_attempts: u8,
    /// Wait after the k-th temporary failure: entry k-1, the last one repeating.
    pub backoff: Vec<Duration>,
    /// What `recover` and `part_unknown` do with a part whose outcome is unknown.
    pub unknown_policy: UnknownPolicy,
    /// How long final messages and the history are kept.
    pub retention: Duration,
    /// Also check the upstream table and the quarantine at open (every message record is
    /// decoded at open whatever this says: the indexes are built from them), so damage shows
    /// as `Error::Corrupt` then and not mid-run.
    pub verify_on_open: bool,
    /// Page cache of the engine, in bytes. The queue's working set is a record or two per step
    /// plus the B-tree's branch pages (about 40 for 100 000 messages), and the operating
    /// system caches the file as well; every MiB here is a MiB of the daemon's RSS
    /// (`memory-layout/store.md`). sled keeps its tree in memory whatever this says.
    pub cache_bytes: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            backend: Backend::Redb,
            default_attempts: 3,
            backoff: vec![Duration::from_secs(30), Duration::from_secs(120), Duration::from_secs(600)],
            unknown_policy: UnknownPolicy::Resend,
            retention: Duration::from_secs(30 * 24 * 3600),
            verify_on_open: true,
            cache_bytes: 2 * 1024 * 1024,
        }
    }
}

impl Config {
    /// The wait after the `failures`-th temporary failure (1-based).
    pub fn backoff(&self, failures: u32) -> Duration {
        let i = usize::try_from(failures.saturating_sub(1)).unwrap_or(usize::MAX);
        self.backoff.get(i).or(self.backoff.last()).copied().unwrap_or(Duration::ZERO)
    }
}
