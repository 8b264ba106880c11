//! The queue's behaviour, the same for every backend: each test is a function of the backend,
//! run once per backend by `conformance!`.

mod store_support;

use std::time::Duration;

use smsgw::codec::pdu::Status;
use smsgw::linux::store::{
    check, Backend, Config, Error, Failure, Filter, MessageId, PartState, State, StateKind, Tombstone, UnknownPolicy,
    UpstreamState,
};
use store_support::{msg, t, TestStore};

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod redb {
            $( #[test] fn $name() { super::$name(smsgw::linux::store::Backend::Redb) } )*
        }
        #[cfg(feature = "sled")]
        mod sled {
            $( #[test] fn $name() { super::$name(smsgw::linux::store::Backend::Sled) } )*
        }
    };
}

conformance!(
    enqueue_then_get,
    enqueue_is_idempotent_by_upstream_id,
    enqueue_rejects_what_cannot_be_sent,
    next_ready_orders_by_priority_then_time_then_id,
    next_ready_skips_messages_not_due,
    in_flight_message_is_not_ready,
    single_part_lifecycle,
    multipart_resumes_at_first_unsent_part,
    sent_part_is_never_handed_out_again,
    temporary_failures_back_off_and_count_down_to_failure,
    permanent_failure_fails_at_once,
    recover_resend_puts_parts_back,
    recover_resend_uses_up_attempts,
    recover_fail_unconfirmed,
    part_unknown_applies_the_policy,
    delivery_reports,
    delivery_report_matching_by_reference,
    pushes_in_order_exactly_once_across_reopen,
    local_messages_push_nothing,
    counts_follow_every_transition,
    retry_and_cancel,
    list_filters_and_pages,
    history_in_time_order,
    compaction_keeps_unpushed_and_recent,
    invalid_calls_are_errors_not_changes,
    everything_survives_reopen,
    compacted_upstream_ids_are_never_queued_again,
    enqueue_batch_gives_each_outcome,
    indexes_are_rebuilt_at_open,
    numbers_are_not_reused_after_compaction,
);

fn enqueue_then_get(b: Backend) {
    let ts = TestStore::new(b);
    let mut new = msg("+41790000001", "hello", 2);
    new.upstream_id = Some(77);
    new.priority = 5;
    new.not_before = t(500);
    new.status_report = true;
    let e = ts.s().enqueue(&new, t(100)).unwrap();
    assert!(e.created);
    let m = e.message;
    assert_eq!(
        (m.upstream_id, m.recipient.as_str(), m.text.as_str(), m.priority, m.not_before),
        (Some(77), "+41790000001", "hello", 5, t(500))
    );
    assert_eq!((m.attempts_left, m.status_report, m.created, m.state.clone()), (3, true, t(100), State::Queued));
    assert_eq!(m.parts.len(), 2);
    assert!(m.parts.iter().all(|p| p.state == PartState::Pending && p.attempts == 0));
    assert_eq!(ts.s().get(m.id).unwrap(), Some(m.clone()));
    assert_eq!(ts.s().by_upstream(77).unwrap(), Some(m.clone()));
    assert_eq!(ts.s().by_upstream(78).unwrap(), None);
    assert_eq!(ts.s().get(MessageId(m.id.0 + 1)).unwrap(), None);
    let second = ts.s().enqueue(&msg("+41790000002", "x", 1), t(100)).unwrap().message;
    assert!(second.id > m.id, "ids grow");
    assert_ne!(second.concat_ref, m.concat_ref, "each message gets its own concatenation reference");
    let mut explicit = msg("+4179", "y", 1);
    explicit.attempts = Some(7);
    assert_eq!(ts.s().enqueue(&explicit, t(1)).unwrap().message.attempts_left, 7);
}

fn enqueue_is_idempotent_by_upstream_id(b: Backend) {
    let mut ts = TestStore::new(b);
    let mut new = msg("+1", "first", 1);
    new.upstream_id = Some(9);
    let a = ts.s().enqueue(&new, t(1)).unwrap();
    new.text = "different text".into();
    let again = ts.s().enqueue(&new, t(2)).unwrap();
    assert!(!again.created);
    assert_eq!(again.message, a.message);
    ts.reopen();
    let after = ts.s().enqueue(&new, t(3)).unwrap();
    assert!(!after.created);
    assert_eq!(after.message.id, a.message.id);
    assert_eq!(ts.s().counts().unwrap().total(), 1);
    // Still idempotent once the message has moved on.
    ts.s().begin_part(a.message.id, 0, t(4)).unwrap();
    ts.s().part_sent(a.message.id, 0, 1, t(5)).unwrap();
    let late = ts.s().enqueue(&new, t(6)).unwrap();
    assert!(!late.created);
    assert_eq!(late.message.state, State::Sent { at: t(5) });
}

fn enqueue_rejects_what_cannot_be_sent(b: Backend) {
    let ts = TestStore::new(b);
    assert!(matches!(ts.s().enqueue(&msg("+1", "x", 0), t(0)), Err(Error::InvalidInput(_))));
    assert!(matches!(ts.s().enqueue(&msg("", "x", 1), t(0)), Err(Error::InvalidInput(_))));
    let mut none = msg("+1", "x", 1);
    none.attempts = Some(0);
    assert!(matches!(ts.s().enqueue(&none, t(0)), Err(Error::InvalidInput(_))));
    assert_eq!(ts.s().counts().unwrap().total(), 0);
}

fn next_ready_orders_by_priority_then_time_then_id(b: Backend) {
    let ts = TestStore::new(b);
    // (priority, not_before) in enqueue order; expected send order by index.
    let specs = [(0, 10), (5, 30), (5, 20), (0, 10), (9, 40), (5, 20)];
    let mut ids = Vec::new();
    for (prio, nb) in specs {
        let mut new = msg("+1", "x", 1);
        new.priority = prio;
        new.not_before = t(nb);
        ids.push(ts.s().enqueue(&new, t(0)).unwrap().message.id);
    }
    let expected = [4, 2, 5, 1, 0, 3];
    let mut got = Vec::new();
    while let Some(r) = ts.s().next_ready(t(1_000)).unwrap() {
        assert_eq!(r.part, 0);
        got.push(r.message.id);
        ts.s().begin_part(r.message.id, 0, t(1_000)).unwrap();
        ts.s().part_sent(r.message.id, 0, 0, t(1_000)).unwrap();
    }
    let want: Vec<MessageId> = expected.iter().map(|&i| ids[i]).collect();
    assert_eq!(got, want);
}

fn next_ready_skips_messages_not_due(b: Backend) {
    let ts = TestStore::new(b);
    let mut urgent_later = msg("+1", "later", 1);
    urgent_later.priority = 200;
    urgent_later.not_before = t(5_000);
    let later = ts.s().enqueue(&urgent_later, t(0)).unwrap().message.id;
    assert_eq!(ts.s().next_ready(t(4_999)).unwrap(), None);
    let mut low = msg("+1", "now", 1);
    low.priority = 1;
    let now = ts.s().enqueue(&low, t(0)).unwrap().message.id;
    assert_eq!(ts.s().next_ready(t(4_999)).unwrap().unwrap().message.id, now);
    assert_eq!(ts.s().next_ready(t(5_000)).unwrap().unwrap().message.id, later, "reached counts as due");
}

fn in_flight_message_is_not_ready(b: Backend) {
    let ts = TestStore::new(b);
    let a = ts.s().enqueue(&msg("+1", "a", 1), t(0)).unwrap().message.id;
    let c = ts.s().enqueue(&msg("+1", "c", 1), t(0)).unwrap().message.id;
    let m = ts.s().begin_part(a, 0, t(10)).unwrap();
    assert_eq!(m.state, State::Sending);
    assert_eq!(m.parts[0].state, PartState::InFlight { attempt: 1, since: t(10) });
    assert_eq!(ts.s().in_flight().unwrap(), vec![(a, 0)]);
    assert_eq!(ts.s().next_ready(t(10)).unwrap().unwrap().message.id, c);
    ts.s().begin_part(c, 0, t(11)).unwrap();
    assert_eq!(ts.s().next_ready(t(11)).unwrap(), None);
}

fn single_part_lifecycle(b: Backend) {
    let ts = TestStore::new(b);
    let mut new = msg("+1", "a", 1);
    new.upstream_id = Some(1);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    let r = ts.s().next_ready(t(1)).unwrap().unwrap();
    assert_eq!((r.message.id, r.part), (id, 0));
    ts.s().begin_part(id, 0, t(2)).unwrap();
    let m = ts.s().part_sent(id, 0, 42, t(3)).unwrap();
    assert_eq!(m.state, State::Sent { at: t(3) });
    assert_eq!(m.parts[0].state, PartState::Sent { mr: 42, at: t(3) });
    assert_eq!(m.parts_sent(), 1);
    assert!(ts.s().in_flight().unwrap().is_empty());
    assert_eq!(ts.s().next_ready(t(4)).unwrap(), None);
    let states: Vec<StateKind> = ts.s().pending_pushes(10).unwrap().iter().map(|p| p.state).collect();
    assert_eq!(states, [StateKind::Sending, StateKind::Sent]);
}

fn multipart_resumes_at_first_unsent_part(b: Backend) {
    let ts = TestStore::new(b);
    let id = ts.s().enqueue(&msg("+1", "long", 3), t(0)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(1)).unwrap();
    let m = ts.s().part_sent(id, 0, 10, t(2)).unwrap();
    assert_eq!(m.state, State::Sending, "part-way sent");
    assert_eq!(m.first_unsent(), Some(1));
    let r = ts.s().next_ready(t(2)).unwrap().unwrap();
    assert_eq!((r.message.id, r.part), (id, 1), "ready again at once for its next part");
    // Parts go out in order.
    assert!(matches!(ts.s().begin_part(id, 2, t(3)), Err(Error::InvalidPart { part: 2, .. })));
    ts.s().begin_part(id, 1, t(3)).unwrap();
    // A temporary failure of part 2 requeues; part 1 stays sent; sending resumes at part 2.
    let m = ts.s().part_failed(id, 1, &Failure::Temporary("+CMS ERROR: 38".into()), t(4)).unwrap();
    assert_eq!(m.state, State::Queued);
    assert_eq!(m.parts[0].state, PartState::Sent { mr: 10, at: t(2) });
    let r = ts.s().next_ready(t(4 + 30_000)).unwrap().unwrap();
    assert_eq!(r.part, 1);
    ts.s().begin_part(id, 1, t(40_000)).unwrap();
    assert_eq!(ts.s().get(id).unwrap().unwrap().parts[1].attempts, 2);
    ts.s().part_sent(id, 1, 11, t(40_001)).unwrap();
    ts.s().begin_part(id, 2, t(40_002)).unwrap();
    let m = ts.s().part_sent(id, 2, 12, t(40_003)).unwrap();
    assert_eq!(m.state, State::Sent { at: t(40_003) });
}

fn sent_part_is_never_handed_out_again(b: Backend) {
    let mut ts = TestStore::new(b);
    let id = ts.s().enqueue(&msg("+1", "two", 2), t(0)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(1)).unwrap();
    ts.s().part_sent(id, 0, 1, t(2)).unwrap();
    assert!(matches!(
        ts.s().begin_part(id, 0, t(3)),
        Err(Error::InvalidPart { part: 0, reason: "it was sent already", .. })
    ));
    ts.s().begin_part(id, 1, t(3)).unwrap();
    ts.reopen();
    ts.s().recover(t(4)).unwrap();
    // Through crashes, retries and unknown outcomes: part 0 is never offered again.
    for round in 0..2 {
        let r = ts.s().next_ready(t(5)).unwrap().unwrap();
        assert_eq!(r.part, 1, "round {round}");
        ts.s().begin_part(id, 1, t(5)).unwrap();
        if round == 0 {
            ts.s().part_unknown(id, 1, t(6)).unwrap();
        }
    }
    assert!(matches!(ts.s().part_sent(id, 0, 9, t(7)), Err(Error::InvalidPart { .. })));
    assert_eq!(ts.s().get(id).unwrap().unwrap().parts[0].state, PartState::Sent { mr: 1, at: t(2) });
}

fn temporary_failures_back_off_and_count_down_to_failure(b: Backend) {
    let config = Config {
        backend: b,
        backoff: vec![Duration::from_secs(30), Duration::from_secs(120)],
        default_attempts: 4,
        ..Config::default()
    };
    let ts = TestStore::with(config);
    let mut new = msg("+1", "x", 1);
    new.upstream_id = Some(5);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    let mut now = 1_000;
    // Backoffs: 30 s, then 2 min, then the last one repeats.
    for (k, wait) in [(1u8, 30_000u64), (2, 120_000), (3, 120_000)] {
        ts.s().begin_part(id, 0, t(now)).unwrap();
        let m = ts.s().part_failed(id, 0, &Failure::Temporary(format!("busy {k}")), t(now)).unwrap();
        assert_eq!(m.state, State::Queued);
        assert_eq!(m.attempts_left, 4 - k);
        assert_eq!(m.not_before, t(now + wait));
        assert_eq!(m.last_error.as_deref(), Some(format!("busy {k}").as_str()));
        assert_eq!(ts.s().next_ready(t(now + wait - 1)).unwrap(), None, "not before the backoff");
        now += wait;
        assert_eq!(ts.s().next_ready(t(now)).unwrap().unwrap().message.id, id);
    }
    ts.s().begin_part(id, 0, t(now)).unwrap();
    let m = ts.s().part_failed(id, 0, &Failure::Temporary("busy 4".into()), t(now)).unwrap();
    assert_eq!(m.attempts_left, 0);
    assert_eq!(m.state, State::Failed { reason: "busy 4".into(), at: t(now) });
    assert_eq!(ts.s().next_ready(t(u64::MAX)).unwrap(), None);
    let pushes = ts.s().pending_pushes(100).unwrap();
    let attempts: Vec<(StateKind, u8)> = pushes.iter().map(|p| (p.state, p.attempts_left)).collect();
    assert_eq!(
        attempts,
        [
            (StateKind::Sending, 4),
            (StateKind::Queued, 3),
            (StateKind::Sending, 3),
            (StateKind::Queued, 2),
            (StateKind::Sending, 2),
            (StateKind::Queued, 1),
            (StateKind::Sending, 1),
            (StateKind::Failed, 0)
        ]
    );
    assert_eq!(pushes.last().unwrap().error.as_deref(), Some("busy 4"));
}

fn permanent_failure_fails_at_once(b: Backend) {
    let ts = TestStore::new(b);
    let id = ts.s().enqueue(&msg("+1", "x", 2), t(0)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(1)).unwrap();
    let m = ts.s().part_failed(id, 0, &Failure::Permanent("+CMS ERROR: 21".into()), t(2)).unwrap();
    assert_eq!(m.state, State::Failed { reason: "+CMS ERROR: 21".into(), at: t(2) });
    assert_eq!(m.attempts_left, 3, "a permanent error is not an attempt to count down");
    assert_eq!(ts.s().next_ready(t(10)).unwrap(), None);
}

fn recover_resend_puts_parts_back(b: Backend) {
    let mut ts = TestStore::new(b);
    let single = ts.s().enqueue(&msg("+1", "one", 1), t(0)).unwrap().message.id;
    let multi = ts.s().enqueue(&msg("+2", "three", 3), t(0)).unwrap().message.id;
    let idle = ts.s().enqueue(&msg("+3", "idle", 1), t(0)).unwrap().message.id;
    ts.s().begin_part(single, 0, t(1)).unwrap();
    ts.s().begin_part(multi, 0, t(1)).unwrap();
    ts.s().part_sent(multi, 0, 7, t(2)).unwrap();
    ts.s().begin_part(multi, 1, t(3)).unwrap();
    // The crash: the store is dropped with two parts in flight.
    ts.reopen();
    assert_eq!(ts.s().in_flight().unwrap(), vec![(single, 0), (multi, 1)]);
    let rec = ts.s().recover(t(100)).unwrap();
    assert_eq!((rec.unknown_parts, rec.resent, rec.failed), (2, 2, 0));
    assert!(ts.s().in_flight().unwrap().is_empty());
    let m = ts.s().get(single).unwrap().unwrap();
    assert_eq!(
        (m.state.clone(), m.parts[0].state, m.unknown_parts, m.attempts_left),
        (State::Queued, PartState::Pending, 1, 2)
    );
    let m = ts.s().get(multi).unwrap().unwrap();
    assert_eq!((m.state.clone(), m.first_unsent(), m.unknown_parts), (State::Sending, Some(1), 1));
    assert_eq!(ts.s().get(idle).unwrap().unwrap().unknown_parts, 0);
    let stats = ts.s().stats().unwrap();
    assert_eq!((stats.unknown_resent, stats.unknown_failed), (2, 0));
    // A second recover finds nothing.
    assert_eq!(ts.s().recover(t(101)).unwrap().unknown_parts, 0);
    let mut sent = Vec::new();
    while let Some(r) = ts.s().next_ready(t(200)).unwrap() {
        sent.push((r.message.id, r.part));
        ts.s().begin_part(r.message.id, r.part, t(200)).unwrap();
        ts.s().part_sent(r.message.id, r.part, 0, t(200)).unwrap();
    }
    sent.sort();
    assert_eq!(sent, [(single, 0), (multi, 1), (multi, 2), (idle, 0)]);
}

fn recover_resend_uses_up_attempts(b: Backend) {
    let mut ts = TestStore::new(b);
    let mut new = msg("+1", "crashy", 1);
    new.attempts = Some(2);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    for round in 0..2 {
        ts.s().begin_part(id, 0, t(round)).unwrap();
        ts.reopen();
        let rec = ts.s().recover(t(round + 1)).unwrap();
        assert_eq!(rec.unknown_parts, 1);
        assert_eq!(rec.failed, round, "the second unknown outcome uses the last attempt");
    }
    let m = ts.s().get(id).unwrap().unwrap();
    assert!(matches!(&m.state, State::Failed { reason, .. } if reason.starts_with("unconfirmed")), "{m:?}");
    assert_eq!(m.unknown_parts, 2);
    let stats = ts.s().stats().unwrap();
    assert_eq!((stats.unknown_resent, stats.unknown_failed), (1, 1));
}

fn recover_fail_unconfirmed(b: Backend) {
    let config = Config { backend: b, unknown_policy: UnknownPolicy::FailUnconfirmed, ..Config::default() };
    let mut ts = TestStore::with(config);
    let mut new = msg("+1", "two", 2);
    new.upstream_id = Some(3);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    let other = ts.s().enqueue(&msg("+1", "x", 1), t(0)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(1)).unwrap();
    ts.s().part_sent(id, 0, 1, t(2)).unwrap();
    ts.s().begin_part(id, 1, t(3)).unwrap();
    ts.reopen();
    let rec = ts.s().recover(t(10)).unwrap();
    assert_eq!((rec.unknown_parts, rec.resent, rec.failed), (1, 0, 1));
    let m = ts.s().get(id).unwrap().unwrap();
    assert!(matches!(&m.state, State::Failed { reason, at } if reason.contains("unconfirmed") && *at == t(10)));
    assert_eq!((m.unknown_parts, m.parts[0].state.is_sent(), m.parts[1].state), (1, true, PartState::Pending));
    assert_eq!(ts.s().next_ready(t(11)).unwrap().unwrap().message.id, other);
    assert_eq!(ts.s().stats().unwrap().unknown_failed, 1);
    assert_eq!(ts.s().pending_pushes(10).unwrap().last().unwrap().state, StateKind::Failed);
}

fn part_unknown_applies_the_policy(b: Backend) {
    for policy in [UnknownPolicy::Resend, UnknownPolicy::FailUnconfirmed] {
        let ts = TestStore::with(Config { backend: b, unknown_policy: policy, ..Config::default() });
        let id = ts.s().enqueue(&msg("+1", "x", 1), t(0)).unwrap().message.id;
        assert!(matches!(ts.s().part_unknown(id, 0, t(1)), Err(Error::InvalidPart { .. })), "not in flight");
        ts.s().begin_part(id, 0, t(1)).unwrap();
        let m = ts.s().part_unknown(id, 0, t(2)).unwrap();
        assert_eq!(m.unknown_parts, 1);
        match policy {
            UnknownPolicy::Resend => assert_eq!((m.state, m.attempts_left), (State::Queued, 2)),
            UnknownPolicy::FailUnconfirmed => assert_eq!(m.state.kind(), StateKind::Failed),
        }
        assert!(ts.s().in_flight().unwrap().is_empty());
    }
}

fn send_all(ts: &TestStore, id: MessageId, parts: u8, mr0: u8, at: u64) {
    for p in 0..parts {
        ts.s().begin_part(id, p, t(at)).unwrap();
        ts.s().part_sent(id, p, mr0 + p, t(at)).unwrap();
    }
}

fn delivery_reports(b: Backend) {
    let ts = TestStore::new(b);
    let mut new = msg("+1", "two", 2);
    new.status_report = true;
    new.upstream_id = Some(11);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(1)).unwrap();
    assert!(matches!(ts.s().record_delivery(id, 0, Status(0), t(2)), Err(Error::InvalidPart { .. })), "not sent");
    ts.s().part_sent(id, 0, 20, t(2)).unwrap();
    // Part 1 delivered before part 2 is even sent: recorded, no state change.
    let m = ts.s().record_delivery(id, 0, Status(0x00), t(3)).unwrap();
    assert_eq!(m.state, State::Sending);
    assert!(m.parts[0].state.is_delivered());
    ts.s().begin_part(id, 1, t(4)).unwrap();
    ts.s().part_sent(id, 1, 21, t(5)).unwrap();
    // "Still trying" changes nothing; delivery of the last part delivers the message.
    let m = ts.s().record_delivery(id, 1, Status(0x20), t(6)).unwrap();
    assert_eq!(m.state, State::Sent { at: t(5) });
    let m = ts.s().record_delivery(id, 1, Status(0x00), t(7)).unwrap();
    assert_eq!(m.state, State::Delivered { at: t(7) });
    assert_eq!(ts.s().pending_pushes(10).unwrap().last().unwrap().state, StateKind::Delivered);
    assert!(matches!(ts.s().record_delivery(id, 2, Status(0), t(8)), Err(Error::InvalidPart { .. })));

    // A permanent error fails the message with the reason in words.
    let id = ts.s().enqueue(&msg("+2", "one", 1), t(0)).unwrap().message.id;
    send_all(&ts, id, 1, 30, 10);
    let m = ts.s().record_delivery(id, 0, Status(0x41), t(11)).unwrap();
    assert!(matches!(&m.state, State::Failed { reason, .. } if reason.contains("incompatible destination")), "{m:?}");
}

fn delivery_report_matching_by_reference(b: Backend) {
    let ts = TestStore::new(b);
    let a = ts.s().enqueue(&msg("+1", "a", 2), t(0)).unwrap().message.id;
    let c = ts.s().enqueue(&msg("+2", "c", 1), t(0)).unwrap().message.id;
    send_all(&ts, a, 2, 5, 1);
    send_all(&ts, c, 1, 5, 2);
    assert_eq!(ts.s().find_part(5, "+1").unwrap(), Some((a, 0)));
    assert_eq!(ts.s().find_part(6, "+1").unwrap(), Some((a, 1)));
    assert_eq!(ts.s().find_part(5, "+2").unwrap(), Some((c, 0)));
    assert_eq!(ts.s().find_part(7, "+1").unwrap(), None);
    // The reference wraps: the newest message with it wins.
    let d = ts.s().enqueue(&msg("+1", "d", 1), t(0)).unwrap().message.id;
    send_all(&ts, d, 1, 5, 3);
    assert_eq!(ts.s().find_part(5, "+1").unwrap(), Some((d, 0)));
}

fn pushes_in_order_exactly_once_across_reopen(b: Backend) {
    let mut ts = TestStore::new(b);
    let mut ids = Vec::new();
    for up in 0..5u64 {
        let mut new = msg("+1", "x", 1);
        new.upstream_id = Some(100 + up);
        ids.push(ts.s().enqueue(&new, t(up)).unwrap().message.id);
    }
    for &id in &ids {
        send_all(&ts, id, 1, 0, 10);
    }
    let all = ts.s().pending_pushes(100).unwrap();
    assert_eq!(all.len(), 10);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "strictly increasing");
    assert_eq!(all[0].upstream_id, 100);
    assert_eq!(ts.s().pending_pushes(3).unwrap(), all[..3]);
    assert_eq!(ts.s().ack_pushes(all[3].seq).unwrap(), 4);
    assert_eq!(ts.s().ack_pushes(all[3].seq).unwrap(), 0, "acknowledging again is harmless");
    assert_eq!(ts.s().ack_pushes(all[1].seq).unwrap(), 0, "an older mark changes nothing");
    ts.reopen();
    assert_eq!(ts.s().pending_pushes(100).unwrap(), all[4..], "never given out again after a restart");
    // A mark beyond the last push acknowledges only what exists; later pushes still come.
    assert_eq!(ts.s().ack_pushes(u64::MAX).unwrap(), 6);
    assert!(ts.s().pending_pushes(100).unwrap().is_empty());
    ts.s().retry(ids[0], t(20)).unwrap_err();
    let mut new = msg("+1", "x", 1);
    new.upstream_id = Some(999);
    let id = ts.s().enqueue(&new, t(30)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(31)).unwrap();
    let next = ts.s().pending_pushes(100).unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].seq > all[9].seq, "sequence numbers are never reused");
    assert_eq!(ts.s().stats().unwrap().pending_pushes, 1);
}

fn local_messages_push_nothing(b: Backend) {
    let ts = TestStore::new(b);
    let id = ts.s().enqueue(&msg("+1", "local", 1), t(0)).unwrap().message.id;
    send_all(&ts, id, 1, 0, 1);
    assert!(ts.s().pending_pushes(10).unwrap().is_empty());
}

/// Counts from the counters must equal counts from a full listing after every step.
fn assert_counts(ts: &TestStore) {
    let counts = ts.s().counts().unwrap();
    let all = ts.s().list(Filter { state: None, limit: usize::MAX, offset: 0 }).unwrap();
    for kind in StateKind::ALL {
        let listed = all.iter().filter(|m| m.state.kind() == kind).count() as u64;
        assert_eq!(counts.get(kind), listed, "{kind}");
    }
    assert_eq!(counts.total(), all.len() as u64);
}

fn counts_follow_every_transition(b: Backend) {
    let mut ts = TestStore::new(b);
    let ids: Vec<MessageId> =
        (0..6).map(|i| ts.s().enqueue(&msg("+1", &format!("m{i}"), 1), t(0)).unwrap().message.id).collect();
    assert_counts(&ts);
    assert_eq!(ts.s().counts().unwrap().get(StateKind::Queued), 6);
    ts.s().begin_part(ids[0], 0, t(1)).unwrap();
    assert_counts(&ts);
    ts.s().part_sent(ids[0], 0, 1, t(2)).unwrap();
    ts.s().record_delivery(ids[0], 0, Status(0), t(3)).unwrap();
    ts.s().begin_part(ids[1], 0, t(1)).unwrap();
    ts.s().part_failed(ids[1], 0, &Failure::Permanent("no".into()), t(2)).unwrap();
    ts.s().cancel(ids[2], t(2)).unwrap();
    send_all(&ts, ids[3], 1, 0, 4);
    ts.s().begin_part(ids[4], 0, t(5)).unwrap();
    assert_counts(&ts);
    let c = ts.s().counts().unwrap();
    let got: Vec<u64> = StateKind::ALL.iter().map(|&k| c.get(k)).collect();
    assert_eq!(got, [1, 1, 1, 1, 1, 1]);
    ts.reopen();
    ts.s().recover(t(6)).unwrap();
    ts.s().retry(ids[1], t(7)).unwrap();
    assert_counts(&ts);
    assert_eq!(ts.s().counts().unwrap().get(StateKind::Queued), 3);
    assert_sound(&mut ts);
}

/// A deep check of the closed store finds nothing wrong; the store is opened again after.
fn assert_sound(ts: &mut TestStore) {
    ts.close();
    let report = check(&ts.path, &ts.config).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    ts.reopen();
}

fn retry_and_cancel(b: Backend) {
    let ts = TestStore::new(b);
    let mut new = msg("+1", "x", 2);
    new.upstream_id = Some(1);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    assert!(matches!(ts.s().retry(id, t(1)), Err(Error::InvalidTransition { state: StateKind::Queued, .. })));
    ts.s().begin_part(id, 0, t(1)).unwrap();
    assert!(matches!(ts.s().cancel(id, t(1)), Err(Error::InvalidPart { .. })), "in flight: too late");
    ts.s().part_sent(id, 0, 3, t(2)).unwrap();
    for k in 0..3 {
        ts.s().begin_part(id, 1, t(10 + k)).unwrap();
        ts.s().part_failed(id, 1, &Failure::Temporary("busy".into()), t(10 + k)).unwrap();
    }
    let m = ts.s().get(id).unwrap().unwrap();
    assert_eq!((m.state.kind(), m.attempts_left), (StateKind::Failed, 0));
    let m = ts.s().retry(id, t(100)).unwrap();
    assert_eq!((m.state.clone(), m.attempts_left, m.failures, m.not_before), (State::Sending, 3, 0, t(100)));
    let r = ts.s().next_ready(t(100)).unwrap().unwrap();
    assert_eq!((r.message.id, r.part), (id, 1), "a retry resends only what was not sent");
    let m = ts.s().cancel(id, t(101)).unwrap();
    assert_eq!(m.state, State::Cancelled { at: t(101) });
    assert_eq!(ts.s().next_ready(t(200)).unwrap(), None);
    assert!(matches!(ts.s().cancel(id, t(102)), Err(Error::InvalidTransition { .. })));
    assert_eq!(ts.s().retry(id, t(103)).unwrap().state, State::Sending, "a cancelled message can be retried");
    send_all(&ts, ts.s().enqueue(&msg("+2", "y", 1), t(0)).unwrap().message.id, 1, 0, 104);
    let sent = ts.s().list(Filter { state: Some(StateKind::Sent), limit: 10, offset: 0 }).unwrap();
    assert!(matches!(ts.s().retry(sent[0].id, t(105)), Err(Error::InvalidTransition { .. })), "nothing to resend");
    assert!(matches!(ts.s().cancel(MessageId(12345), t(1)), Err(Error::NotFound(MessageId(12345)))));
}

fn list_filters_and_pages(b: Backend) {
    let ts = TestStore::new(b);
    let ids: Vec<MessageId> =
        (0..10).map(|i| ts.s().enqueue(&msg("+1", &format!("m{i}"), 1), t(0)).unwrap().message.id).collect();
    for &id in ids.iter().step_by(2) {
        ts.s().cancel(id, t(1)).unwrap();
    }
    let page = |state, limit, offset| -> Vec<MessageId> {
        ts.s().list(Filter { state, limit, offset }).unwrap().iter().map(|m| m.id).collect()
    };
    assert_eq!(page(None, 3, 0), ids[..3]);
    assert_eq!(page(None, 3, 8), ids[8..]);
    assert_eq!(page(Some(StateKind::Cancelled), 2, 1), [ids[2], ids[4]]);
    assert_eq!(page(Some(StateKind::Queued), 100, 0), [ids[1], ids[3], ids[5], ids[7], ids[9]]);
    assert!(page(Some(StateKind::Delivered), 100, 0).is_empty());
    assert!(page(None, 0, 0).is_empty());
}

fn history_in_time_order(b: Backend) {
    let ts = TestStore::new(b);
    let mut new = msg("+41", "x", 1);
    new.upstream_id = Some(8);
    let id = ts.s().enqueue(&new, t(1_000)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(2_000)).unwrap();
    ts.s().part_failed(id, 0, &Failure::Temporary("+CMS ERROR: 42".into()), t(3_000)).unwrap();
    ts.s().begin_part(id, 0, t(40_000)).unwrap();
    ts.s().part_sent(id, 0, 9, t(41_000)).unwrap();
    let h = ts.s().history(t(0), 100).unwrap();
    let steps: Vec<(Option<StateKind>, StateKind, u64)> = h.iter().map(|c| (c.from, c.to, c.at.0)).collect();
    use StateKind::*;
    assert_eq!(
        steps,
        [
            (None, Queued, 1_000),
            (Some(Queued), Sending, 2_000),
            (Some(Sending), Queued, 3_000),
            (Some(Queued), Sending, 40_000),
            (Some(Sending), Sent, 41_000)
        ]
    );
    assert!(h.iter().all(|c| c.id == id && c.recipient == "+41" && c.upstream_id == Some(8)));
    assert!(h[2].detail.contains("+CMS ERROR: 42"), "{}", h[2].detail);
    assert!(h[3].detail.contains("attempt 2"), "{}", h[3].detail);
    assert_eq!(ts.s().history(t(3_000), 100).unwrap(), h[2..]);
    assert_eq!(ts.s().history(t(3_001), 1).unwrap(), h[3..4]);
}

fn compaction_keeps_unpushed_and_recent(b: Backend) {
    const DAY: u64 = 24 * 3600 * 1000;
    let config = Config { backend: b, retention: Duration::from_millis(7 * DAY), ..Config::default() };
    let mut ts = TestStore::with(config);
    let make = |up: Option<u64>, at: u64| {
        let mut new = msg("+1", "x", 1);
        new.upstream_id = up;
        let id = ts.s().enqueue(&new, t(at)).unwrap().message.id;
        send_all(&ts, id, 1, 0, at);
        id
    };
    let old_local = make(None, DAY);
    let old_pushed = make(Some(1), DAY);
    let old_unpushed = make(Some(2), 2 * DAY);
    let recent = make(Some(3), 9 * DAY);
    let old_waiting = ts.s().enqueue(&msg("+1", "later", 1), t(DAY)).unwrap().message.id;
    let pushes = ts.s().pending_pushes(100).unwrap();
    let last_of_pushed = pushes.iter().filter(|p| p.upstream_id == 1).map(|p| p.seq).max().unwrap();
    ts.s().ack_pushes(last_of_pushed).unwrap();
    let now = t(10 * DAY);
    let r = ts.s().compact(now).unwrap();
    assert_eq!((r.messages, r.kept_unpushed), (2, 1));
    assert!(r.changes >= 6, "the history of the removed messages goes too: {r:?}");
    assert_eq!(ts.s().get(old_local).unwrap(), None);
    assert_eq!(ts.s().get(old_pushed).unwrap(), None);
    assert_eq!(ts.s().by_upstream(1).unwrap(), None);
    assert!(ts.s().get(old_unpushed).unwrap().is_some(), "upstream has not taken its push");
    assert!(ts.s().get(recent).unwrap().is_some());
    assert!(ts.s().get(old_waiting).unwrap().is_some(), "not final");
    assert!(ts.s().history(t(0), 1000).unwrap().iter().all(|c| c.id != old_local && c.id != old_pushed));
    assert!(ts.s().history(t(0), 1000).unwrap().iter().any(|c| c.id == old_unpushed));
    assert_eq!(ts.s().counts().unwrap().total(), 3);
    // Once upstream has it, the next compaction removes it.
    ts.s().ack_pushes(u64::MAX).unwrap();
    let r = ts.s().compact(now).unwrap();
    assert_eq!((r.messages, r.kept_unpushed), (1, 0));
    assert_eq!(ts.s().get(old_unpushed).unwrap(), None);
    assert_eq!(ts.s().compact(now).unwrap().messages, 0);
    assert_sound(&mut ts);
}

fn invalid_calls_are_errors_not_changes(b: Backend) {
    let ts = TestStore::new(b);
    let id = ts.s().enqueue(&msg("+1", "x", 2), t(0)).unwrap().message.id;
    let before = ts.s().get(id).unwrap();
    let nobody = MessageId(999);
    assert!(matches!(ts.s().begin_part(nobody, 0, t(1)), Err(Error::NotFound(_))));
    assert!(matches!(ts.s().begin_part(id, 2, t(1)), Err(Error::InvalidPart { reason: "no such part", .. })));
    assert!(matches!(ts.s().begin_part(id, 1, t(1)), Err(Error::InvalidPart { .. })));
    assert!(matches!(ts.s().part_sent(id, 0, 1, t(1)), Err(Error::InvalidPart { reason: "it is not in flight", .. })));
    assert!(matches!(ts.s().part_failed(id, 0, &Failure::Temporary("x".into()), t(1)), Err(Error::InvalidPart { .. })));
    assert_eq!(ts.s().get(id).unwrap(), before, "a refused call changes nothing");
    ts.s().begin_part(id, 0, t(1)).unwrap();
    assert!(matches!(ts.s().begin_part(id, 0, t(1)), Err(Error::InvalidPart { .. })), "already in flight");
    ts.s().part_failed(id, 0, &Failure::Permanent("no".into()), t(2)).unwrap();
    assert!(matches!(ts.s().begin_part(id, 0, t(3)), Err(Error::InvalidTransition { state: StateKind::Failed, .. })));
    let e = ts.s().begin_part(id, 0, t(3)).unwrap_err();
    assert_eq!(e.to_string(), format!("cannot begin sending message {id}: it is failed"));
}

fn everything_survives_reopen(b: Backend) {
    let mut ts = TestStore::new(b);
    let mut new = msg("+1", "über ünïcödé ✓", 3);
    new.upstream_id = Some(4);
    new.priority = 7;
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(1)).unwrap();
    ts.s().part_sent(id, 0, 4, t(2)).unwrap();
    let m = ts.s().get(id).unwrap();
    let pushes = ts.s().pending_pushes(10).unwrap();
    let history = ts.s().history(t(0), 10).unwrap();
    let counts = ts.s().counts().unwrap();
    ts.reopen();
    assert_eq!(ts.s().get(id).unwrap(), m);
    assert_eq!(ts.s().pending_pushes(10).unwrap(), pushes);
    assert_eq!(ts.s().history(t(0), 10).unwrap(), history);
    assert_eq!(ts.s().counts().unwrap(), counts);
    assert_eq!(ts.s().next_ready(t(3)).unwrap().unwrap().part, 1);
    let next = ts.s().enqueue(&msg("+1", "y", 1), t(4)).unwrap().message.id;
    assert!(next > id, "ids are not reused after a restart");
    ts.close();
    let report = check(&ts.path, &ts.config).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!((report.messages, report.pushes), (2, 1));
}

/// Compaction keeps a tombstone of every upstream id it removes, for good: the row is not
/// queued again, by `enqueue` or `enqueue_batch`, after a restart too.
fn compacted_upstream_ids_are_never_queued_again(b: Backend) {
    const DAY: u64 = 24 * 3600 * 1000;
    let config = Config { backend: b, retention: Duration::from_millis(DAY), ..Config::default() };
    let mut ts = TestStore::with(config);
    let mut new = msg("+1", "once", 1);
    new.upstream_id = Some(41);
    let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
    send_all(&ts, id, 1, 3, 1);
    ts.s().ack_pushes(u64::MAX).unwrap();
    assert_eq!(ts.s().compact(t(3 * DAY)).unwrap().messages, 1);
    let tombstone = Tombstone { upstream_id: 41, id, state: StateKind::Sent };
    for round in 0..2 {
        assert_eq!(ts.s().get(id).unwrap(), None, "round {round}");
        assert_eq!(ts.s().by_upstream(41).unwrap(), None);
        assert_eq!(ts.s().upstream_state(41).unwrap(), Some(UpstreamState::Compacted(tombstone)));
        let e = ts.s().enqueue(&new, t(4 * DAY)).unwrap_err();
        assert!(matches!(e, Error::Compacted { upstream_id: 41, id: i, state: StateKind::Sent } if i == id), "{e:?}");
        assert!(e.to_string().contains("upstream id 41 was queued as message #1, which ended sent"), "{e}");
        assert_eq!(ts.s().counts().unwrap().total(), 0, "nothing queued");
        ts.reopen();
    }
    let mut other = msg("+1", "other", 1);
    other.upstream_id = Some(42);
    let out = ts.s().enqueue_batch(&[new.clone(), other], t(5 * DAY)).unwrap();
    assert!(matches!(out[0], Err(Error::Compacted { upstream_id: 41, .. })), "{:?}", out[0]);
    let queued = out[1].as_ref().unwrap();
    assert!(queued.created);
    assert!(matches!(ts.s().upstream_state(42).unwrap(), Some(UpstreamState::Kept(m)) if m.id == queued.message.id));
    assert_eq!(ts.s().upstream_state(43).unwrap(), None);
    // Compacting the tombstone's neighbours again leaves it alone.
    assert_eq!(ts.s().compact(t(9 * DAY)).unwrap().messages, 0);
    assert_eq!(ts.s().upstream_state(41).unwrap(), Some(UpstreamState::Compacted(tombstone)));
    assert_sound(&mut ts);
}

fn enqueue_batch_gives_each_outcome(b: Backend) {
    let ts = TestStore::new(b);
    let mut first = msg("+1", "a", 1);
    first.upstream_id = Some(7);
    let existing = ts.s().enqueue(&first, t(0)).unwrap().message;
    let mut fresh = msg("+2", "b", 2);
    fresh.upstream_id = Some(8);
    let local = msg("+3", "c", 1);
    let invalid = msg("+4", "d", 0);
    let batch = [first.clone(), fresh.clone(), local, invalid, fresh.clone()];
    let out = ts.s().enqueue_batch(&batch, t(5)).unwrap();
    assert_eq!(out.len(), 5);
    let ok: Vec<(u64, bool)> =
        out.iter().filter_map(|r| r.as_ref().ok()).map(|e| (e.message.id.0, e.created)).collect();
    let new_id = out[1].as_ref().unwrap().message.id;
    assert_eq!(
        ok,
        [(existing.id.0, false), (new_id.0, true), (new_id.0 + 1, true), (new_id.0, false)],
        "an upstream id twice in one batch is queued once"
    );
    assert!(matches!(out[3], Err(Error::InvalidInput(_))));
    assert_eq!(out[1].as_ref().unwrap().message.parts.len(), 2);
    assert_eq!(ts.s().counts().unwrap().get(StateKind::Queued), 3);
    assert_eq!(ts.s().by_upstream(8).unwrap().unwrap().id, new_id);
    assert!(ts.s().enqueue_batch(&[], t(6)).unwrap().is_empty());
    // The batch is ordered in the queue like single enqueues.
    assert_eq!(ts.s().next_ready(t(10)).unwrap().unwrap().message.id, existing.id);
}

/// The indexes live in memory and are rebuilt from the records at open: everything they
/// answer is the same after a restart.
fn indexes_are_rebuilt_at_open(b: Backend) {
    let mut ts = TestStore::new(b);
    let mut ids = Vec::new();
    for i in 0..6u64 {
        let mut new = msg(&format!("+{}", i % 2), "x", 2);
        new.upstream_id = Some(500 + i);
        new.priority = (i % 3) as u8;
        new.status_report = true;
        ids.push(ts.s().enqueue(&new, t(i)).unwrap().message.id);
    }
    send_all(&ts, ids[0], 2, 10, 10);
    send_all(&ts, ids[1], 2, 10, 11);
    ts.s().begin_part(ids[2], 0, t(12)).unwrap();
    ts.s().part_failed(ids[2], 0, &Failure::Permanent("barred".into()), t(13)).unwrap();
    ts.s().begin_part(ids[3], 0, t(14)).unwrap();
    ts.s().record_delivery(ids[0], 1, smsgw::codec::pdu::Status(0), t(15)).unwrap();
    let pushes = ts.s().pending_pushes(3).unwrap();
    ts.s().ack_pushes(pushes[2].seq).unwrap();
    let snapshot = |ts: &TestStore| {
        let s = ts.s();
        (
            s.counts().unwrap(),
            s.stats().unwrap(),
            s.in_flight().unwrap(),
            s.pending_pushes(100).unwrap(),
            s.next_ready(t(100)).unwrap(),
            s.list(Filter { state: Some(StateKind::Queued), limit: 10, offset: 1 }).unwrap(),
            (s.find_part(10, "+0").unwrap(), s.find_part(11, "+1").unwrap(), s.find_part(12, "+0").unwrap()),
            s.history(t(0), 100).unwrap(),
        )
    };
    let before = snapshot(&ts);
    assert_eq!(before.2, [(ids[3], 0)]);
    assert_eq!(before.6, (Some((ids[0], 0)), Some((ids[1], 1)), None));
    ts.reopen();
    assert_eq!(snapshot(&ts), before);
}

/// Ids, push and history numbers stay above everything given out, even when compaction has
/// removed every record that carried them.
fn numbers_are_not_reused_after_compaction(b: Backend) {
    const DAY: u64 = 24 * 3600 * 1000;
    let config = Config {
        backend: b,
        retention: Duration::from_millis(DAY),
        unknown_policy: UnknownPolicy::Resend,
        ..Config::default()
    };
    let mut ts = TestStore::with(config);
    let mut last = (0, 0, 0);
    for up in 0..3u64 {
        let mut new = msg("+1", "x", 1);
        new.upstream_id = Some(up);
        let id = ts.s().enqueue(&new, t(0)).unwrap().message.id;
        ts.s().begin_part(id, 0, t(1)).unwrap();
        ts.s().part_unknown(id, 0, t(2)).unwrap();
        send_all(&ts, id, 1, 0, 3);
        let push = ts.s().pending_pushes(100).unwrap().last().unwrap().seq;
        let change = ts.s().history(t(0), 1000).unwrap().last().unwrap().seq;
        last = (id.0, push, change);
    }
    let stats = ts.s().stats().unwrap();
    assert_eq!((stats.unknown_resent, stats.unknown_failed), (3, 0));
    ts.s().ack_pushes(u64::MAX).unwrap();
    assert_eq!(ts.s().compact(t(5 * DAY)).unwrap().messages, 3);
    ts.reopen();
    let stats = ts.s().stats().unwrap();
    assert_eq!((stats.unknown_resent, stats.counts.total()), (3, 0), "life counters outlive the records");
    let mut new = msg("+1", "y", 1);
    new.upstream_id = Some(9);
    let id = ts.s().enqueue(&new, t(6 * DAY)).unwrap().message.id;
    ts.s().begin_part(id, 0, t(6 * DAY)).unwrap();
    assert!(id.0 > last.0, "id {id} after {}", last.0);
    assert!(ts.s().pending_pushes(1).unwrap()[0].seq > last.1);
    assert!(ts.s().history(t(0), 1).unwrap()[0].seq > last.2);
}
