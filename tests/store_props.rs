//! Property: whatever sequence of operations runs (valid or not, with restarts), the indexes
//! and counters agree with a scan of the records: `next_ready` equals the best message found
//! by scanning, the counts equal a count of the listing, the pushes are contiguous and a deep
//! check finds nothing; an upstream id compacted away is never queued again.

mod store_support;

use proptest::prelude::*;
use smsgw::codec::pdu::Status;
use smsgw::linux::store::{
    check, Backend, Config, Error, Failure, Filter, Message, NewMessage, StateKind, UnixMs, UpstreamState,
};
use store_support::TestStore;

#[derive(Debug, Clone)]
enum Op {
    Enqueue { priority: u8, delay: u64, parts: u8, upstream: Option<u64> },
    SendNext { outcome: u8 },
    Outcome { pick: usize, outcome: u8 },
    Cancel(usize),
    Retry(usize),
    Deliver { pick: usize, part: u8, status: u8 },
    Advance(u64),
    Restart,
    Compact,
    Ack(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..3, 0u64..4, 1u8..4, proptest::option::of(0u64..6))
            .prop_map(|(priority, delay, parts, upstream)| Op::Enqueue { priority, delay, parts, upstream }),
        4 => (0u8..5).prop_map(|outcome| Op::SendNext { outcome }),
        2 => (0usize..20, 0u8..5).prop_map(|(pick, outcome)| Op::Outcome { pick, outcome }),
        1 => (0usize..20).prop_map(Op::Cancel),
        1 => (0usize..20).prop_map(Op::Retry),
        1 => (0usize..20, 0u8..3, prop_oneof![Just(0u8), Just(0x20), Just(0x41)])
            .prop_map(|(pick, part, status)| Op::Deliver { pick, part, status }),
        1 => (0u64..3).prop_map(Op::Advance),
        1 => Just(Op::Restart),
        1 => Just(Op::Compact),
        1 => (0u64..30).prop_map(Op::Ack),
    ]
}

fn all(ts: &TestStore) -> Vec<Message> {
    ts.s().list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap()
}

/// The message `next_ready` must return, found by scanning every record.
fn best_by_scan(messages: &[Message], now: UnixMs) -> Option<(u64, u8)> {
    messages
        .iter()
        .filter(|m| m.is_ready_candidate() && m.not_before <= now)
        .min_by_key(|m| (u8::MAX - m.priority, m.not_before, m.id))
        .map(|m| (m.id.0, m.first_unsent().unwrap()))
}

fn outcome(ts: &TestStore, m: &Message, part: u8, outcome: u8, now: UnixMs) {
    let s = ts.s();
    // Errors are allowed (the pick may not be in flight); they must change nothing, which
    // the checks after every step would notice.
    let _ = match outcome {
        0 | 1 => s.part_sent(m.id, part, part, now),
        2 => s.part_failed(m.id, part, &Failure::Temporary("busy".into()), now),
        3 => s.part_failed(m.id, part, &Failure::Permanent("barred".into()), now),
        _ => s.part_unknown(m.id, part, now),
    };
}

fn run(backend: Backend, ops: &[Op]) {
    let config = Config {
        backend,
        retention: std::time::Duration::from_millis(2_000),
        backoff: vec![std::time::Duration::from_millis(1_000)],
        ..Config::default()
    };
    let mut ts = TestStore::with(config);
    let mut now = 10_000u64;
    for op in ops {
        let t = UnixMs(now);
        let messages = all(&ts);
        let pick = |i: usize| (!messages.is_empty()).then(|| messages[i % messages.len()].clone());
        match op.clone() {
            Op::Enqueue { priority, delay, parts, upstream } => {
                let mut new = NewMessage::new("+1", "x", parts);
                new.priority = priority;
                new.not_before = UnixMs(now + delay * 1_000);
                new.upstream_id = upstream;
                let compacted = upstream.and_then(|up| match ts.s().upstream_state(up).unwrap() {
                    Some(UpstreamState::Compacted(tomb)) => Some(tomb),
                    _ => None,
                });
                match (ts.s().enqueue(&new, t), compacted) {
                    (Ok(_), None) => {}
                    // An upstream id compacted away is never queued again.
                    (Err(Error::Compacted { upstream_id, id, state }), Some(tomb)) => {
                        assert_eq!((Some(upstream_id), id, state), (upstream, tomb.id, tomb.state));
                    }
                    (other, tomb) => panic!("enqueue of {upstream:?} (tombstone {tomb:?}): {other:?}"),
                }
            }
            Op::SendNext { outcome: o } => {
                if let Some(r) = ts.s().next_ready(t).unwrap() {
                    ts.s().begin_part(r.message.id, r.part, t).unwrap();
                    if o < 4 {
                        outcome(&ts, &r.message, r.part, o, t);
                    }
                }
            }
            Op::Outcome { pick: i, outcome: o } => {
                if let Some(m) = pick(i) {
                    outcome(&ts, &m, m.in_flight().unwrap_or(0), o, t);
                }
            }
            Op::Cancel(i) => {
                if let Some(m) = pick(i) {
                    let _ = ts.s().cancel(m.id, t);
                }
            }
            Op::Retry(i) => {
                if let Some(m) = pick(i) {
                    let _ = ts.s().retry(m.id, t);
                }
            }
            Op::Deliver { pick: i, part, status } => {
                if let Some(m) = pick(i) {
                    let _ = ts.s().record_delivery(m.id, part, Status(status), t);
                }
            }
            Op::Advance(s) => now += s * 1_000,
            Op::Restart => {
                ts.reopen();
                ts.s().recover(t).unwrap();
            }
            Op::Compact => {
                ts.s().compact(t).unwrap();
            }
            Op::Ack(n) => {
                ts.s().ack_pushes(n).unwrap();
            }
        }
        let messages = all(&ts);
        for at in [now, now + 5_000] {
            let got = ts.s().next_ready(UnixMs(at)).unwrap().map(|r| (r.message.id.0, r.part));
            assert_eq!(got, best_by_scan(&messages, UnixMs(at)), "after {op:?}");
        }
        let counts = ts.s().counts().unwrap();
        for kind in StateKind::ALL {
            assert_eq!(counts.get(kind), messages.iter().filter(|m| m.state.kind() == kind).count() as u64);
        }
        let flying: Vec<_> = messages.iter().filter_map(|m| Some((m.id, m.in_flight()?))).collect();
        assert_eq!(ts.s().in_flight().unwrap(), flying);
        let pushes = ts.s().pending_pushes(usize::MAX).unwrap();
        assert!(pushes.windows(2).all(|w| w[1].seq == w[0].seq + 1), "outbox contiguous after {op:?}");
        assert_eq!(ts.s().stats().unwrap().pending_pushes, pushes.len() as u64);
        for p in &pushes {
            let m = messages.iter().find(|m| m.id == p.id).expect("a push of a kept message");
            assert!(m.last_push >= Some(p.seq) && m.upstream_id == Some(p.upstream_id));
        }
    }
    ts.close();
    let report = check(&ts.path, &ts.config).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn indexes_agree_with_the_records_redb(ops in proptest::collection::vec(op(), 1..40)) {
        run(Backend::Redb, &ops);
    }

    #[cfg(feature = "sled")]
    #[test]
    fn indexes_agree_with_the_records_sled(ops in proptest::collection::vec(op(), 1..40)) {
        run(Backend::Sled, &ops);
    }
}
