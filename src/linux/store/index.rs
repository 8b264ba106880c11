//! The queue's indexes, in memory, rebuilt from the message records when the store opens.
//!
//! Format 1 kept these as tables on flash (ready, by state, finals, in flight, counts,
//! references, the push outbox), so every commit rewrote pages of four to nine tables. They
//! are all functions of the records, so they are derived instead: a crash cannot make them
//! drift, and a per-message commit writes only the message's record. The price is a scan of
//! the records at open (which `verify_on_open` did anyway) and RAM: about 40 bytes per waiting
//! message (`memory-layout/store.md` has the measured figures).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::{Counts, MessageId, StateKind, UnixMs};
use super::stored::Stored;

/// `not_before` shares a `u64` with the priority in the ready index: 56 bits of milliseconds
/// reach two million years, and a later time sorts as that limit.
const NOT_BEFORE_BITS: u32 = 56;
const NOT_BEFORE_MAX: u64 = (1 << NOT_BEFORE_BITS) - 1;

/// The ready index's first field: higher priority, then earlier `not_before`, sorts first.
pub fn ready_key(priority: u8, not_before: UnixMs) -> u64 {
    (u64::from(u8::MAX - priority) << NOT_BEFORE_BITS) | not_before.0.min(NOT_BEFORE_MAX)
}

/// The `not_before` a ready key holds.
pub fn ready_not_before(key: u64) -> UnixMs {
    UnixMs(key & NOT_BEFORE_MAX)
}

/// The first ready key of the priority level after the one `key` is in, if there is one.
pub fn next_level(key: u64) -> Option<u64> {
    let level = key >> NOT_BEFORE_BITS;
    (level < 0xFF).then(|| (level + 1) << NOT_BEFORE_BITS)
}

/// The store's counters. Each is derived at open from the records, and never below its floor
/// in the meta table (written by compaction and repair, which remove records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// The id the next message gets.
    pub next_id: u64,
    /// The sequence number of the last push issued (0: none yet).
    pub last_push: u64,
    /// Upstream has acknowledged every push up to here.
    pub acked_push: u64,
    /// The sequence number the next history entry gets.
    pub next_change: u64,
    /// Unknown outcomes sent again / that failed their message, of messages compacted away.
    pub unknown_resent_base: u64,
    pub unknown_failed_base: u64,
}

/// What the indexes need to know of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    id: u64,
    ready: Option<u64>,
    state: StateKind,
    final_at: Option<u64>,
    in_flight: Option<u8>,
    /// The recipient, when a part was sent (for the reference index).
    recipient: Option<Box<str>>,
    /// (part, message reference, sent at) of every part the network took.
    sent: Vec<(u8, u8, u64)>,
    pushes: Vec<u64>,
    unknown_resent: u64,
    unknown_failed: u64,
}

impl Facts {
    pub fn of(s: &Stored) -> Facts {
        let m = &s.message;
        let sent: Vec<(u8, u8, u64)> = s.sent_parts().map(|(part, mr, at)| (part, mr, at.0)).collect();
        Facts {
            id: m.id.0,
            ready: m.is_ready_candidate().then(|| ready_key(m.priority, m.not_before)),
            state: m.state.kind(),
            final_at: m.state.final_at().map(|at| at.0),
            in_flight: m.in_flight(),
            recipient: (!sent.is_empty()).then(|| m.recipient.as_str().into()),
            sent,
            pushes: s.pushes.iter().map(|p| p.seq).collect(),
            unknown_resent: u64::from(s.unknown_resent()),
            unknown_failed: u64::from(s.unknown_failed),
        }
    }
}

/// The newest part sent with a (message reference, recipient): what a status report finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Reference {
    at: u64,
    id: u64,
    part: u8,
}

#[derive(Debug, Default)]
pub struct Index {
    /// (ready key, id): the messages waiting to send, best first.
    ready: BTreeSet<(u64, u64)>,
    /// Ids per state code: `list` by state and the counts.
    by_state: [BTreeSet<u64>; 6],
    /// (final time, id): what compaction may remove, oldest first.
    finals: BTreeSet<(u64, u64)>,
    /// id → part handed to the modem whose outcome is not recorded yet.
    in_flight: BTreeMap<u64, u8>,
    references: HashMap<(u8, Box<str>), Reference>,
    /// seq → id of every push upstream has not acknowledged.
    pushes: BTreeMap<u64, u64>,
    live_unknown_resent: u64,
    live_unknown_failed: u64,
    pub counters: Counters,
}

impl Index {
    /// Moves every entry from what `old` needed to what `new` needs (`None`: no record).
    pub fn apply(&mut self, old: Option<&Facts>, new: Option<&Facts>) {
        if let Some(f) = old {
            self.remove(f);
        }
        if let Some(f) = new {
            self.insert(f);
        }
    }

    fn state_set(&mut self, state: StateKind) -> Option<&mut BTreeSet<u64>> {
        self.by_state.get_mut(usize::from(state.code()))
    }

    fn remove(&mut self, f: &Facts) {
        if let Some(k) = f.ready {
            self.ready.remove(&(k, f.id));
        }
        if let Some(set) = self.state_set(f.state) {
            set.remove(&f.id);
        }
        if let Some(at) = f.final_at {
            self.finals.remove(&(at, f.id));
        }
        if f.in_flight.is_some() {
            self.in_flight.remove(&f.id);
        }
        if let Some(recipient) = &f.recipient {
            for &(part, mr, _) in &f.sent {
                let key = (mr, recipient.clone());
                if self.references.get(&key).is_some_and(|r| r.id == f.id && r.part == part) {
                    self.references.remove(&key);
                }
            }
        }
        for seq in &f.pushes {
            if self.pushes.get(seq) == Some(&f.id) {
                self.pushes.remove(seq);
            }
        }
        self.live_unknown_resent = self.live_unknown_resent.saturating_sub(f.unknown_resent);
        self.live_unknown_failed = self.live_unknown_failed.saturating_sub(f.unknown_failed);
    }

    fn insert(&mut self, f: &Facts) {
        if let Some(k) = f.ready {
            self.ready.insert((k, f.id));
        }
        if let Some(set) = self.state_set(f.state) {
            set.insert(f.id);
        }
        if let Some(at) = f.final_at {
            self.finals.insert((at, f.id));
        }
        if let Some(part) = f.in_flight {
            self.in_flight.insert(f.id, part);
        }
        if let Some(recipient) = &f.recipient {
            for &(part, mr, at) in &f.sent {
                // The newest send wins, so the index is the same whether it was built up
                // commit by commit or rebuilt at open.
                let r = Reference { at, id: f.id, part };
                let slot = self.references.entry((mr, recipient.clone())).or_insert(r);
                *slot = (*slot).max(r);
            }
        }
        for &seq in &f.pushes {
            if seq > self.counters.acked_push {
                self.pushes.insert(seq, f.id);
            }
        }
        self.live_unknown_resent += f.unknown_resent;
        self.live_unknown_failed += f.unknown_failed;
    }

    /// Upstream has every push up to `mark`.
    pub fn acknowledge(&mut self, mark: u64) {
        self.counters.acked_push = self.counters.acked_push.max(mark);
        self.pushes = self.pushes.split_off(&mark.saturating_add(1));
    }

    /// The first ready entry at or after `from` (ready key, id).
    pub fn ready_from(&self, from: u64) -> Option<(u64, MessageId)> {
        self.ready.range((from, 0)..).next().map(|&(k, id)| (k, MessageId(id)))
    }

    /// A message with this id is in the store.
    pub fn contains(&self, id: MessageId) -> bool {
        self.by_state.iter().any(|set| set.contains(&id.0))
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for kind in StateKind::ALL {
            let n = self.by_state.get(usize::from(kind.code())).map_or(0, BTreeSet::len);
            counts.set(kind, n as u64);
        }
        counts
    }

    /// Ids in `state`, in id order, skipping `offset`, at most `limit`.
    pub fn in_state(&self, state: StateKind, offset: usize, limit: usize) -> Vec<MessageId> {
        self.by_state
            .get(usize::from(state.code()))
            .map(|set| set.iter().skip(offset).take(limit).map(|&id| MessageId(id)).collect())
            .unwrap_or_default()
    }

    pub fn in_flight(&self) -> Vec<(MessageId, u8)> {
        self.in_flight.iter().map(|(&id, &part)| (MessageId(id), part)).collect()
    }

    /// Final messages whose final time is before `cutoff`, oldest first, at most `limit`.
    pub fn finals_before(&self, cutoff: UnixMs, limit: usize) -> Vec<MessageId> {
        self.finals.range(..(cutoff.0, 0)).take(limit).map(|&(_, id)| MessageId(id)).collect()
    }

    pub fn reference(&self, mr: u8, recipient: &str) -> Option<(MessageId, u8)> {
        self.references.get(&(mr, Box::from(recipient))).map(|r| (MessageId(r.id), r.part))
    }

    /// The oldest `limit` pushes not acknowledged: (seq, id).
    pub fn pending_pushes(&self, limit: usize) -> Vec<(u64, MessageId)> {
        self.pushes.iter().take(limit).map(|(&seq, &id)| (seq, MessageId(id))).collect()
    }

    pub fn pending_push_count(&self) -> u64 {
        self.pushes.len() as u64
    }

    /// Pushes not acknowledged with a sequence number up to `mark`.
    pub fn pending_up_to(&self, mark: u64) -> u64 {
        self.pushes.range(..=mark).count() as u64
    }

    /// Unknown outcomes over the store's life: (sent again, failed).
    pub fn unknown_totals(&self) -> (u64, u64) {
        (
            self.counters.unknown_resent_base + self.live_unknown_resent,
            self.counters.unknown_failed_base + self.live_unknown_failed,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::store::model::{Message, Part, PartState, State};
    use crate::linux::store::stored::PushEntry;

    fn stored(id: u64, priority: u8, not_before: u64, state: State, parts: Vec<PartState>) -> Stored {
        Stored::new(Message {
            id: MessageId(id),
            upstream_id: Some(id + 100),
            recipient: "+41".into(),
            text: "x".into(),
            priority,
            not_before: UnixMs(not_before),
            attempts_left: 3,
            failures: 0,
            status_report: false,
            concat_ref: 0,
            created: UnixMs(0),
            updated: UnixMs(0),
            state,
            parts: parts.into_iter().map(|state| Part { state, attempts: 1 }).collect(),
            last_error: None,
            unknown_parts: 0,
            last_push: None,
        })
    }

    #[test]
    fn ready_keys_sort_by_priority_then_time() {
        let mut keys =
            [ready_key(0, UnixMs(5)), ready_key(9, UnixMs(7)), ready_key(9, UnixMs(6)), ready_key(255, UnixMs(1))];
        keys.sort_unstable();
        let back: Vec<(u8, u64)> = keys.iter().map(|&k| (u8::MAX - (k >> 56) as u8, ready_not_before(k).0)).collect();
        assert_eq!(back, [(255, 1), (9, 6), (9, 7), (0, 5)]);
        assert_eq!(
            ready_not_before(ready_key(1, UnixMs(u64::MAX))),
            UnixMs(NOT_BEFORE_MAX),
            "later sorts as the limit"
        );
        assert_eq!(next_level(ready_key(9, UnixMs(7))), Some(ready_key(8, UnixMs(0))));
        assert_eq!(next_level(ready_key(0, UnixMs(7))), None, "priority 0 is the last level");
    }

    #[test]
    fn apply_moves_entries_and_reverts() {
        let mut index = Index::default();
        let queued = stored(1, 2, 10, State::Queued, vec![PartState::Pending]);
        let flying = stored(1, 2, 10, State::Sending, vec![PartState::InFlight { attempt: 1, since: UnixMs(3) }]);
        let mut sent = stored(1, 2, 10, State::Sent { at: UnixMs(4) }, vec![PartState::Sent { mr: 9, at: UnixMs(4) }]);
        sent.pushes.push(PushEntry {
            seq: 1,
            at: UnixMs(4),
            state: StateKind::Sent,
            attempts_left: 3,
            parts_sent: 1,
            error: None,
        });
        index.apply(None, Some(&Facts::of(&queued)));
        assert_eq!(index.ready_from(0), Some((ready_key(2, UnixMs(10)), MessageId(1))));
        index.apply(Some(&Facts::of(&queued)), Some(&Facts::of(&flying)));
        assert_eq!(index.ready_from(0), None);
        assert_eq!(index.in_flight(), [(MessageId(1), 0)]);
        index.apply(Some(&Facts::of(&flying)), Some(&Facts::of(&sent)));
        assert!(index.in_flight().is_empty());
        assert_eq!(index.reference(9, "+41"), Some((MessageId(1), 0)));
        assert_eq!(index.finals_before(UnixMs(5), 10), [MessageId(1)]);
        assert_eq!(index.finals_before(UnixMs(4), 10), []);
        assert_eq!(index.pending_pushes(10), [(1, MessageId(1))]);
        assert_eq!(index.counts().get(StateKind::Sent), 1);
        index.acknowledge(1);
        assert_eq!(index.pending_push_count(), 0);
        index.apply(Some(&Facts::of(&sent)), None);
        assert_eq!(index.counts().total(), 0);
        assert_eq!(index.reference(9, "+41"), None);
        assert!(index.finals_before(UnixMs(u64::MAX), 10).is_empty());
    }

    #[test]
    fn the_newest_send_wins_a_reference_whatever_the_order() {
        let a = stored(1, 0, 0, State::Sent { at: UnixMs(5) }, vec![PartState::Sent { mr: 3, at: UnixMs(5) }]);
        let b = stored(2, 0, 0, State::Sent { at: UnixMs(9) }, vec![PartState::Sent { mr: 3, at: UnixMs(9) }]);
        for order in [[&a, &b], [&b, &a]] {
            let mut index = Index::default();
            for s in order {
                index.apply(None, Some(&Facts::of(s)));
            }
            assert_eq!(index.reference(3, "+41"), Some((MessageId(2), 0)));
            // Removing the loser leaves the winner.
            index.apply(Some(&Facts::of(&a)), None);
            assert_eq!(index.reference(3, "+41"), Some((MessageId(2), 0)));
        }
    }
}
