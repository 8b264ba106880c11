//! The inbound side of the store: received messages reassembled from their parts, calls and
//! auto-replies, the opt-out list and task marks — durable across restarts, compacted with the
//! queue, covered by `check` and `repair`, on every backend.

mod common;
mod store_support;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use smsgw::linux::store::{
    check, repair, Arrival, Backend, CallOutcome, ConcatKey, Config, Error, InboundTasks, IncomingPart, NewCall,
    NewMessage, ReceivedSms, Store, TaskKind, MISSING_PART,
};
use store_support::{backends, t, TestStore};

const BOTH: InboundTasks = InboundTasks { push: true, hook: true };
const NONE: InboundTasks = InboundTasks { push: false, hook: false };

/// A part as the modem hands it out. Its PDU differs whenever anything of the part does, as a
/// real one does (it carries the service centre's time stamp); the text is not in it as it is,
/// so that finding the text in a file finds the received record only.
fn part(sender: &str, text: &str, concat: Option<(u16, bool, u8, u8)>, at: u64) -> IncomingPart {
    let mut h = DefaultHasher::new();
    (sender, text, concat, at).hash(&mut h);
    IncomingPart {
        sender: sender.into(),
        text: text.into(),
        binary: false,
        concat: concat.map(|(reference, sixteen_bit, seq, total)| ConcatKey { reference, sixteen_bit, seq, total }),
        smsc: Some("+41794999000".into()),
        sent_at: Some(format!("2024-01-15T10:30:{:02}+01:00", at % 60)),
        pdu_hex: format!("07914197{:016X}", h.finish()),
        received: t(at),
    }
}

fn complete(a: Arrival) -> ReceivedSms {
    match a {
        Arrival::Complete(m) => m,
        other => panic!("expected a complete message, got {other:?}"),
    }
}

fn call(at: u64, caller: &str) -> NewCall {
    NewCall {
        at: t(at),
        number: Some(caller.trim_start_matches('+').into()),
        caller: Some(caller.into()),
        rings: 2,
        hung_up: true,
        outcome: CallOutcome::NotAnswered,
    }
}

/// Every order of three parts: waiting, waiting, then the message in part order.
#[test]
fn parts_reassemble_in_any_order() {
    let orders = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]];
    for backend in backends() {
        let ts = TestStore::new(backend);
        let s = ts.s();
        for (n, order) in orders.iter().enumerate() {
            let sender = format!("+4179000000{n}");
            let mut last = None;
            for (i, &seq) in order.iter().enumerate() {
                let text = ["one ", "two ", "three"][usize::from(seq) - 1];
                let a =
                    s.receive_part(&part(&sender, text, Some((7, false, seq, 3)), 10 * n as u64 + seq as u64), BOTH);
                if i < 2 {
                    assert_eq!(a.unwrap(), Arrival::Waiting { have: i as u8 + 1, total: 3 }, "{order:?}");
                } else {
                    last = Some(complete(a.unwrap()));
                }
            }
            let m = last.unwrap();
            assert_eq!(m.text, "one two three", "{backend:?} {order:?}");
            assert_eq!((m.parts, m.missing.clone(), m.sender.clone()), (3, vec![], sender));
            assert_eq!(m.received, t(10 * n as u64 + 1), "the first part to arrive");
            assert_eq!(m.completed, t(10 * n as u64 + 3), "the last part to arrive");
            assert_eq!(m.pdus.len(), 3);
            assert_eq!(s.received(m.id).unwrap(), Some(m));
        }
        assert!(s.waiting_parts().unwrap().is_empty(), "every set left the fragments table");
        let ids: Vec<u64> = s.list_received(None, 100).unwrap().iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
        assert_eq!(s.list_received(Some(4), 1).unwrap()[0].id, 5);
        assert!(s.list_received(Some(u64::MAX), 10).unwrap().is_empty());
    }
}

/// A set is (sender, reference, its width, total): sets that differ in any of them do not mix.
#[test]
fn sets_are_told_apart_by_sender_width_and_reference() {
    for backend in backends() {
        let ts = TestStore::new(backend);
        let s = ts.s();
        // Same reference number: 8-bit and 16-bit, and two senders with 8-bit.
        let sets = [("+41791", 5, false, "a"), ("+41791", 5, true, "b"), ("+41792", 5, false, "c")];
        for (sender, reference, wide, text) in sets {
            let a = s.receive_part(&part(sender, &format!("{text}1"), Some((reference, wide, 1, 2)), 1), NONE);
            assert_eq!(a.unwrap(), Arrival::Waiting { have: 1, total: 2 }, "{sender} {wide}");
        }
        // A 16-bit reference above 255.
        let a = s.receive_part(&part("+41791", "d1", Some((0x1234, true, 1, 2)), 1), NONE).unwrap();
        assert_eq!(a, Arrival::Waiting { have: 1, total: 2 });
        let waiting = s.waiting_parts().unwrap();
        assert_eq!(waiting.len(), 4, "{waiting:?}");
        assert!(waiting.iter().all(|w| w.have == 1 && w.total == 2));
        for (sender, reference, wide, text) in sets.iter().rev() {
            let m = complete(
                s.receive_part(&part(sender, &format!("{text}2"), Some((*reference, *wide, 2, 2)), 2), NONE).unwrap(),
            );
            assert_eq!((m.sender.as_str(), m.text.as_str()), (*sender, format!("{text}1{text}2").as_str()));
        }
        let m = complete(s.receive_part(&part("+41791", "d2", Some((0x1234, true, 2, 2)), 3), NONE).unwrap());
        assert_eq!(m.text, "d1d2");
    }
}

#[test]
fn a_part_handed_out_twice_is_a_duplicate_and_changes_nothing() {
    for backend in backends() {
        let ts = TestStore::new(backend);
        let s = ts.s();
        let first = part("+4179", "first", Some((9, false, 1, 3)), 1);
        assert_eq!(s.receive_part(&first, BOTH).unwrap(), Arrival::Waiting { have: 1, total: 3 });
        let again = IncomingPart { text: "other".into(), received: t(2), ..first.clone() };
        assert_eq!(s.receive_part(&again, BOTH).unwrap(), Arrival::Duplicate);
        let w = s.waiting_parts().unwrap();
        assert_eq!((w.len(), w[0].have, w[0].oldest, w[0].newest), (1, 1, t(1), t(1)));
        assert_eq!(
            s.receive_part(&part("+4179", "second", Some((9, false, 2, 3)), 3), BOTH).unwrap(),
            Arrival::Waiting { have: 2, total: 3 }
        );
        let m = complete(s.receive_part(&part("+4179", "third", Some((9, false, 3, 3)), 4), BOTH).unwrap());
        assert_eq!(m.text, "firstsecondthird", "the first copy of part 1 is the one kept");
        assert!(s.tasks(TaskKind::Hook, 10).unwrap() == [m.id]);
    }
}

/// A crash after the commit and before the modem deleted the message: it hands the same PDU
/// out again after the restart, and the message is not stored (nor pushed, nor hooked) twice.
#[test]
fn a_single_message_handed_out_again_after_a_restart_is_stored_once() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let first = part("+4179", "hello", None, 10);
        let m = complete(ts.s().receive_part(&first, BOTH).unwrap());
        ts.reopen();
        let s = ts.s();
        let again = IncomingPart { received: t(20), ..first.clone() };
        assert_eq!(s.receive_part(&again, BOTH).unwrap(), Arrival::Duplicate, "{backend:?}");
        assert_eq!(s.list_received(None, 10).unwrap(), std::slice::from_ref(&m));
        assert_eq!(s.tasks(TaskKind::PushReceived, 10).unwrap(), [m.id]);
        assert_eq!(s.tasks(TaskKind::Hook, 10).unwrap(), [m.id]);
        // The same text sent again is another PDU: another message.
        let next = complete(s.receive_part(&part("+4179", "hello", None, 30), BOTH).unwrap());
        assert_eq!(next.id, m.id + 1);
        ts.close();
        let report = check(&ts.path, &ts.config).unwrap();
        assert!(report.is_ok(), "{report:?}");
        assert_eq!((report.inbound.received, report.inbound.seen), (2, 2));
    }
}

/// Every part of a set already assembled (the one that completed it, and those before it) is
/// a duplicate when handed out again: no new set starts, to be released later as a bogus copy.
#[test]
fn the_parts_of_an_assembled_set_handed_out_again_after_a_restart_are_duplicates() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let one = part("+4179", "one ", Some((5, false, 1, 2)), 1);
        let two = part("+4179", "two", Some((5, false, 2, 2)), 2);
        assert_eq!(ts.s().receive_part(&one, BOTH).unwrap(), Arrival::Waiting { have: 1, total: 2 });
        let m = complete(ts.s().receive_part(&two, BOTH).unwrap());
        assert_eq!(m.text, "one two");
        ts.reopen();
        let s = ts.s();
        assert_eq!(s.receive_part(&two, BOTH).unwrap(), Arrival::Duplicate, "{backend:?}: the completing part");
        assert!(s.waiting_parts().unwrap().is_empty(), "{backend:?}: no new set");
        assert_eq!(s.receive_part(&one, BOTH).unwrap(), Arrival::Duplicate, "{backend:?}: an earlier part");
        assert!(s.waiting_parts().unwrap().is_empty());
        assert_eq!(s.list_received(None, 10).unwrap(), std::slice::from_ref(&m));
        assert_eq!(s.release_stale_parts(t(u64::MAX), BOTH).unwrap(), []);
        assert_eq!(s.tasks(TaskKind::Hook, 10).unwrap(), [m.id]);
    }
}

/// A set released incomplete: its parts handed out again are duplicates, a part that never
/// came starts a set of its own.
#[test]
fn the_parts_of_a_released_set_handed_out_again_are_duplicates() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let one = part("+4179", "one", Some((6, true, 1, 3)), 1);
        ts.s().receive_part(&one, NONE).unwrap();
        let released = ts.s().release_stale_parts(t(10), NONE).unwrap();
        assert_eq!(released.len(), 1);
        ts.reopen();
        let s = ts.s();
        assert_eq!(s.receive_part(&one, NONE).unwrap(), Arrival::Duplicate, "{backend:?}");
        assert!(s.waiting_parts().unwrap().is_empty());
        let late = part("+4179", "two", Some((6, true, 2, 3)), 20);
        assert_eq!(s.receive_part(&late, NONE).unwrap(), Arrival::Waiting { have: 1, total: 3 });
        assert_eq!(s.list_received(None, 10).unwrap(), released);
    }
}

/// Without its PDU a re-delivery could not be told: such a part is refused, nothing stored.
#[test]
fn a_part_without_a_pdu_is_refused() {
    for backend in backends() {
        let ts = TestStore::new(backend);
        let s = ts.s();
        for pdu in ["", "079", "07ZZ", &"00".repeat(177)] {
            let p = IncomingPart { pdu_hex: pdu.into(), ..part("+4179", "x", None, 1) };
            assert!(matches!(s.receive_part(&p, BOTH), Err(Error::InvalidInput(_))), "{pdu:?}");
        }
        assert!(s.list_received(None, 10).unwrap().is_empty());
        let longest = IncomingPart { pdu_hex: "00".repeat(176), ..part("+4179", "x", None, 1) };
        complete(s.receive_part(&longest, BOTH).unwrap());
    }
}

/// A concatenation header that cannot be right is ignored: the part is a message of its own.
#[test]
fn a_nonsense_concatenation_header_makes_a_message_of_its_own() {
    for backend in backends() {
        let ts = TestStore::new(backend);
        let s = ts.s();
        for (i, (seq, total)) in [(0u8, 3u8), (4, 3), (1, 0), (0, 0), (1, 1)].into_iter().enumerate() {
            let m = complete(
                s.receive_part(&part("+4179", &format!("t{i}"), Some((1, false, seq, total)), 5), NONE).unwrap(),
            );
            assert_eq!((m.text, m.parts, m.missing), (format!("t{i}"), 1, vec![]), "seq {seq} of {total}");
        }
        assert!(s.waiting_parts().unwrap().is_empty());
        let long = "x".repeat(256);
        assert!(matches!(s.receive_part(&part(&long, "t", None, 1), NONE), Err(Error::InvalidInput(_))));
    }
}

/// The parts of a set arrive on both sides of a restart (or a crash): the set still completes.
#[test]
fn a_set_completes_after_the_store_is_opened_again() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        ts.s().receive_part(&part("+4179", "before ", Some((300, true, 2, 2)), 1), BOTH).unwrap();
        ts.reopen();
        let w = ts.s().waiting_parts().unwrap();
        assert_eq!((w[0].sender.as_str(), w[0].reference, w[0].sixteen_bit, w[0].have), ("+4179", 300, true, 1));
        let m = complete(ts.s().receive_part(&part("+4179", "after ", Some((300, true, 1, 2)), 2), BOTH).unwrap());
        assert_eq!(m.text, "after before ");
        ts.reopen();
        assert_eq!(ts.s().received(m.id).unwrap(), Some(m));
        assert!(ts.s().waiting_parts().unwrap().is_empty());
    }
}

#[test]
fn stale_sets_are_released_incomplete_with_the_gaps_marked() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let s = ts.s();
        // Old: parts 1 and 3 of 4 (the newest at 20). Young: part 1 of 2 at 100.
        s.receive_part(&part("+41791", "a", Some((1, false, 1, 4)), 10), NONE).unwrap();
        s.receive_part(&part("+41791", "c", Some((1, false, 3, 4)), 20), NONE).unwrap();
        s.receive_part(&part("+41792", "y", Some((2, false, 1, 2)), 100), NONE).unwrap();
        // A set is stale by its newest part.
        assert!(s.release_stale_parts(t(20), BOTH).unwrap().is_empty());
        let released = s.release_stale_parts(t(50), BOTH).unwrap();
        assert_eq!(released.len(), 1);
        let m = &released[0];
        assert_eq!(m.text, format!("a{MISSING_PART}c{MISSING_PART}"));
        assert_eq!((m.missing.clone(), m.parts, m.received, m.completed), (vec![2, 4], 4, t(10), t(20)));
        assert!(!m.is_complete());
        assert_eq!(s.tasks(TaskKind::PushReceived, 10).unwrap(), [m.id]);
        assert_eq!(s.tasks(TaskKind::Hook, 10).unwrap(), [m.id]);
        let w = s.waiting_parts().unwrap();
        assert_eq!((w.len(), w[0].sender.as_str()), (1, "+41792"));
        // A late part of the released set starts a new one; it does not touch the message.
        let late = s.receive_part(&part("+41791", "b", Some((1, false, 2, 4)), 60), NONE).unwrap();
        assert_eq!(late, Arrival::Waiting { have: 1, total: 4 });
        let m = m.clone();
        ts.reopen();
        assert_eq!(ts.s().received(m.id).unwrap(), Some(m));
    }
}

#[test]
fn tasks_are_made_with_their_record_and_finished_once() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let s = ts.s();
        let a = complete(s.receive_part(&part("+4179", "a", None, 1), BOTH).unwrap()).id;
        let b =
            complete(s.receive_part(&part("+4179", "b", None, 2), InboundTasks { push: true, hook: false }).unwrap())
                .id;
        let c = complete(s.receive_part(&part("+4179", "c", None, 3), NONE).unwrap()).id;
        let rung = s.record_call(&call(4, "+4178"), InboundTasks { push: true, hook: true }).unwrap();
        let quiet = s.record_call(&call(5, "+4177"), NONE).unwrap();
        assert_eq!((rung.id, quiet.id), (1, 2), "calls have ids of their own");
        assert_eq!(s.tasks(TaskKind::PushReceived, 10).unwrap(), [a, b]);
        assert_eq!(s.tasks(TaskKind::Hook, 10).unwrap(), [a]);
        assert_eq!(s.tasks(TaskKind::PushCall, 10).unwrap(), [rung.id]);
        assert_eq!(s.tasks(TaskKind::PushReceived, 1).unwrap(), [a]);
        s.finish_task(TaskKind::PushReceived, a).unwrap();
        s.finish_task(TaskKind::PushReceived, a).unwrap();
        s.finish_task(TaskKind::PushReceived, c).unwrap();
        ts.reopen();
        let s = ts.s();
        assert_eq!(s.tasks(TaskKind::PushReceived, 10).unwrap(), [b]);
        assert_eq!(s.tasks(TaskKind::Hook, 10).unwrap(), [a], "another kind's mark stays");
        assert_eq!(s.list_calls(None, 10).unwrap(), [rung.clone(), quiet.clone()]);
        assert_eq!(s.list_calls(Some(1), 10).unwrap(), [quiet]);
        ts.close();
        assert!(check(&ts.path, &ts.config).unwrap().is_ok());
    }
}

#[test]
fn an_auto_reply_is_one_commit_and_its_memory_survives_a_restart() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let s = ts.s();
        assert_eq!(s.last_reply("+4178").unwrap(), None);
        let reply = NewMessage::new("+4178", "Sorry we missed you", 1);
        let (rec, message) = s.record_call_with_reply(&call(1_000, "+4178"), &reply, BOTH).unwrap();
        assert_eq!(rec.outcome, CallOutcome::Replied { message: message.id });
        assert_eq!((rec.caller.as_deref(), rec.number.as_deref(), rec.rings), (Some("+4178"), Some("4178"), 2));
        assert_eq!((message.recipient.as_str(), message.created), ("+4178", t(1_000)));
        assert_eq!(s.next_ready(t(1_000)).unwrap().unwrap().message.id, message.id, "queued as enqueue queues");
        assert_eq!(s.tasks(TaskKind::PushCall, 10).unwrap(), [rec.id]);
        assert!(s.tasks(TaskKind::Hook, 10).unwrap().is_empty(), "no hook marks for calls");

        // A reply not to go before later: deferred.
        let mut later = NewMessage::new("+4177", "later", 1);
        later.not_before = t(9_000);
        let (deferred, m2) = s.record_call_with_reply(&call(2_000, "+4177"), &later, NONE).unwrap();
        assert_eq!(deferred.outcome, CallOutcome::Deferred { message: m2.id, not_before: t(9_000) });

        ts.reopen();
        let s = ts.s();
        assert_eq!(s.last_reply("+4178").unwrap(), Some(t(1_000)));
        assert_eq!(s.last_reply("+4177").unwrap(), Some(t(2_000)));
        assert_eq!(s.get(message.id).unwrap(), Some(message.clone()));
        assert_eq!(s.list_calls(None, 10).unwrap(), [rec, deferred]);
        // A second reply to the same caller moves the memory on.
        s.record_call_with_reply(&call(3_000, "+4178"), &reply, NONE).unwrap();
        assert_eq!(s.last_reply("+4178").unwrap(), Some(t(3_000)));
    }
}

/// A reply the queue refuses (its upstream row was sent and compacted away, or it is invalid):
/// no message, no call, no reply memory, no task — nothing of the transaction.
#[test]
fn a_refused_auto_reply_stores_nothing() {
    for backend in backends() {
        let ts = TestStore::with(Config { backend, retention: Duration::ZERO, ..Config::default() });
        let s = ts.s();
        let mut old = NewMessage::new("+4178", "old", 1);
        old.upstream_id = Some(77);
        let id = s.enqueue(&old, t(1)).unwrap().message.id;
        s.cancel(id, t(2)).unwrap();
        s.ack_pushes(u64::MAX).unwrap();
        assert_eq!(s.compact(t(3)).unwrap().messages, 1);
        let e = s.record_call_with_reply(&call(10, "+4178"), &old, BOTH).unwrap_err();
        assert!(matches!(e, Error::Compacted { upstream_id: 77, .. }), "{e:?}");
        let e = s.record_call_with_reply(&call(10, "+4178"), &NewMessage::new("+4178", "x", 0), BOTH).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        let anonymous = NewCall { caller: None, ..call(10, "+4178") };
        let e = s.record_call_with_reply(&anonymous, &NewMessage::new("+4178", "x", 1), BOTH).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(s.list_calls(None, 10).unwrap().is_empty());
        assert_eq!(s.last_reply("+4178").unwrap(), None);
        assert!(s.tasks(TaskKind::PushCall, 10).unwrap().is_empty());
        assert_eq!(s.counts().unwrap().total(), 0);
    }
}

#[test]
fn opt_out_and_back_in() {
    for backend in backends() {
        let mut ts = TestStore::new(backend);
        let s = ts.s();
        assert!(s.opt_out("+4179", "STOP", "stop please", t(5)).unwrap());
        assert!(!s.opt_out("+4179", "ARRET", "arret", t(6)).unwrap(), "already out");
        assert!(s.opt_out("+4178", "STOP", "STOP", t(7)).unwrap());
        assert!(matches!(s.opt_out("", "STOP", "STOP", t(7)), Err(Error::InvalidInput(_))));
        ts.reopen();
        let s = ts.s();
        let first = s.opted_out("+4179").unwrap().unwrap();
        assert_eq!((first.at, first.keyword.as_str(), first.text.as_str()), (t(5), "STOP", "stop please"));
        let all: Vec<String> = s.list_opt_outs().unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(all, ["+4178", "+4179"]);
        assert!(s.opt_in("+4179").unwrap());
        assert!(!s.opt_in("+4179").unwrap());
        assert_eq!(s.opted_out("+4179").unwrap(), None);
        assert_eq!(s.list_opt_outs().unwrap().len(), 1);
    }
}

#[test]
fn compaction_keeps_what_still_has_work_and_what_is_young() {
    for backend in backends() {
        let mut ts = TestStore::with(Config { backend, retention: Duration::from_millis(1_000), ..Config::default() });
        let s = ts.s();
        let pending = complete(s.receive_part(&part("+4179", "pending", None, 10), BOTH).unwrap()).id;
        let done = complete(s.receive_part(&part("+4179", "done", None, 20), BOTH).unwrap()).id;
        let young = complete(s.receive_part(&part("+4179", "young", None, 5_000), NONE).unwrap()).id;
        s.finish_task(TaskKind::PushReceived, done).unwrap();
        s.finish_task(TaskKind::Hook, done).unwrap();
        s.finish_task(TaskKind::PushReceived, pending).unwrap(); // the hook still has to run
        let old_call = s.record_call(&call(30, "+4178"), InboundTasks { push: true, hook: false }).unwrap().id;
        let quiet_call = s.record_call(&call(40, "+4177"), NONE).unwrap().id;
        s.record_call_with_reply(&call(50, "+4176"), &NewMessage::new("+4176", "r", 1), NONE).unwrap();
        s.record_call_with_reply(&call(5_500, "+4175"), &NewMessage::new("+4175", "r", 1), NONE).unwrap();

        let report = s.compact(t(6_000)).unwrap();
        assert_eq!((report.received, report.calls, report.replies, report.kept_pending), (1, 2, 1, 2), "{report:?}");
        assert_eq!(report.seen, 2, "old enough, with their message or not");
        ts.reopen();
        let s = ts.s();
        let left: Vec<u64> = s.list_received(None, 10).unwrap().iter().map(|m| m.id).collect();
        assert_eq!(left, [pending, young]);
        let calls: Vec<u64> = s.list_calls(None, 10).unwrap().iter().map(|c| c.id).collect();
        assert_eq!(calls, [old_call, 4], "the pending call and the young one");
        assert!(!calls.contains(&quiet_call));
        assert_eq!(s.last_reply("+4176").unwrap(), None, "an old reply memory goes");
        assert_eq!(s.last_reply("+4175").unwrap(), Some(t(5_500)));
        // Once its work is done it goes; ids are not given again.
        s.finish_task(TaskKind::Hook, pending).unwrap();
        s.finish_task(TaskKind::PushCall, old_call).unwrap();
        let report = s.compact(t(6_000)).unwrap();
        assert_eq!((report.received, report.calls, report.kept_pending), (1, 1, 0));
        let next = complete(s.receive_part(&part("+4179", "next", None, 7_000), NONE).unwrap()).id;
        assert_eq!(next, young + 1);
        ts.close();
        assert!(check(&ts.path, &ts.config).unwrap().is_ok());
    }
}

/// Seen PDUs go with their message, or once older than the retention whatever became of their
/// part; a young one stays and still makes its re-delivery a duplicate.
#[test]
fn compaction_forgets_old_seen_pdus() {
    for backend in backends() {
        let mut ts = TestStore::with(Config { backend, retention: Duration::from_millis(1_000), ..Config::default() });
        let s = ts.s();
        let gone = part("+4179", "gone", None, 10);
        let pending = part("+4179", "pending", None, 20);
        let waiting = part("+4179", "wait", Some((8, false, 1, 2)), 30);
        let young = part("+4179", "young", None, 5_500);
        s.receive_part(&gone, NONE).unwrap();
        let kept = complete(s.receive_part(&pending, BOTH).unwrap());
        s.receive_part(&waiting, NONE).unwrap();
        s.receive_part(&young, NONE).unwrap();
        ts.close();
        assert_eq!(check(&ts.path, &ts.config).unwrap().inbound.seen, 4);
        ts.reopen();

        let report = ts.s().compact(t(6_000)).unwrap();
        assert_eq!((report.received, report.kept_pending, report.seen), (1, 1, 3), "{backend:?} {report:?}");
        ts.close();
        let after = check(&ts.path, &ts.config).unwrap();
        assert!(after.is_ok(), "{after:?}");
        assert_eq!((after.inbound.seen, after.inbound.received, after.inbound.fragments), (1, 2, 1));
        ts.reopen();
        let s = ts.s();
        assert_eq!(s.receive_part(&young, NONE).unwrap(), Arrival::Duplicate, "{backend:?}");
        assert_eq!(s.receive_part(&waiting, NONE).unwrap(), Arrival::Duplicate, "its part is still waiting");
        assert_eq!(s.received(kept.id).unwrap(), Some(kept), "the message stays for its task");
        assert_eq!(s.compact(t(6_000)).unwrap().seen, 0, "nothing left to forget");
    }
}

/// A store with something in every inbound table, closed.
fn fill(path: &Path, config: &Config) {
    let s = Store::open(path, config.clone()).unwrap();
    for i in 0..30u64 {
        let text = format!("INBOUND-{i:03}-text");
        s.receive_part(&part("+4179", &text, None, i), BOTH).unwrap();
    }
    s.receive_part(&part("+4179", "FRAGMENT-text", Some((3, false, 1, 2)), 1), BOTH).unwrap();
    s.record_call_with_reply(&call(50, "+4178"), &NewMessage::new("+4178", "reply", 1), BOTH).unwrap();
    s.record_call(&call(60, "+4177"), BOTH).unwrap();
    s.opt_out("+4176", "STOP", "STOP", t(70)).unwrap();
    s.finish_task(TaskKind::Hook, 3).unwrap();
}

/// What a reader sees of the inbound tables, and the task marks of each kind.
fn inbound_snapshot(path: &Path, config: &Config) -> (impl PartialEq + std::fmt::Debug, Vec<Vec<u64>>) {
    let s = Store::open(path, config.clone()).unwrap();
    let tasks: Vec<Vec<u64>> = TaskKind::ALL.iter().map(|&k| s.tasks(k, usize::MAX).unwrap()).collect();
    let records = (
        s.list_received(None, usize::MAX).unwrap(),
        s.waiting_parts().unwrap(),
        s.list_calls(None, usize::MAX).unwrap(),
        s.last_reply("+4178").unwrap(),
        s.list_opt_outs().unwrap(),
    );
    (records, tasks)
}

#[test]
fn check_counts_and_repair_keeps_the_inbound_tables() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue");
        let config = Config { backend, ..Config::default() };
        fill(&path, &config);
        let report = check(&path, &config).unwrap();
        assert!(report.is_ok(), "{report:?}");
        let n = report.inbound;
        assert_eq!((n.received, n.fragments, n.calls, n.replies, n.opt_outs), (30, 1, 2, 1, 1), "{n:?}");
        assert_eq!(n.tasks, 30 * 2 - 1 + 2, "{n:?}");
        assert_eq!(n.seen, 30 + 1, "every part's PDU: {n:?}");
        let before = inbound_snapshot(&path, &config);
        let fixed = repair(&path, &config).unwrap();
        assert_eq!(fixed.inbound, n);
        assert!(fixed.quarantined.is_empty() && fixed.problems.is_empty(), "{fixed:?}");
        assert_eq!(inbound_snapshot(&path, &config), before);
        // The seen PDUs come along: a re-delivery is still known.
        let s = Store::open(&path, config.clone()).unwrap();
        assert_eq!(s.receive_part(&part("+4179", "INBOUND-005-text", None, 5), NONE).unwrap(), Arrival::Duplicate);
        let fragment = part("+4179", "FRAGMENT-text", Some((3, false, 1, 2)), 1);
        assert_eq!(s.receive_part(&fragment, NONE).unwrap(), Arrival::Duplicate);
        // The id counters come along: no id is given twice.
        assert_eq!(complete(s.receive_part(&part("+4179", "new", None, 99), NONE).unwrap()).id, 31);
        assert_eq!(s.record_call(&call(99, "+4170"), NONE).unwrap().id, 3);
    }
}

/// A damaged received record: a clear error at open, named by `check`, set aside by `repair`
/// with its task marks; the rest kept.
#[test]
fn redb_a_damaged_received_record_is_quarantined_with_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    let config = Config::default();
    fill(&path, &config);
    let mut data = std::fs::read(&path).unwrap();
    let marker = b"INBOUND-007-text";
    let found: Vec<usize> =
        data.windows(marker.len()).enumerate().filter(|(_, w)| *w == marker).map(|(i, _)| i).collect();
    assert!(!found.is_empty(), "marker in file");
    for pos in found {
        data[pos + marker.len() - 1] ^= 0x01;
    }
    std::fs::write(&path, &data).unwrap();
    assert!(matches!(Store::open(&path, config.clone()), Err(Error::Corrupt { .. })));
    let report = check(&path, &config).unwrap();
    assert!(report.problems.iter().any(|p| p.table == "received" && p.key == 8u64.to_be_bytes()), "{report:?}");
    let fixed = repair(&path, &config).unwrap();
    assert_eq!(fixed.quarantined.len(), 1, "{fixed:?}");
    assert_eq!(fixed.quarantined[0].table, "received");
    assert_eq!(fixed.problems.iter().filter(|p| p.table == "tasks").count(), 2, "its two marks: {fixed:?}");
    assert_eq!(fixed.problems.iter().filter(|p| p.table == "seen").count(), 1, "its PDU: {fixed:?}");
    assert!(check(&path, &config).unwrap().is_ok());
    let s = Store::open(&path, config).unwrap();
    assert_eq!(s.received(8).unwrap(), None);
    assert_eq!(s.list_received(None, usize::MAX).unwrap().len(), 29);
    assert!(!s.tasks(TaskKind::PushReceived, usize::MAX).unwrap().contains(&8));
    assert_eq!(complete(s.receive_part(&part("+4179", "new", None, 99), NONE).unwrap()).id, 31);
}

/// A redb file redb cannot open: its inbound records come back from its pages.
#[test]
fn redb_the_inbound_tables_are_salvaged_from_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    let config = Config::default();
    fill(&path, &config);
    let before = inbound_snapshot(&path, &config);
    let mut data = std::fs::read(&path).unwrap();
    data[0] ^= 0xFF;
    std::fs::write(&path, &data).unwrap();
    assert!(matches!(Store::open(&path, config.clone()), Err(Error::Corrupt { .. })));
    let fixed = repair(&path, &config).unwrap();
    assert_eq!((fixed.inbound.received, fixed.inbound.seen), (30, 31), "{fixed:?}");
    assert!(check(&path, &config).unwrap().is_ok());
    let after = inbound_snapshot(&path, &config);
    assert_eq!(after.0, before.0);
    // A mark finished before may come back from an older page (work done twice, never
    // skipped); every pending one is there.
    for (kind, (was, is)) in before.1.iter().zip(&after.1).enumerate() {
        assert!(was.iter().all(|id| is.contains(id)), "kind {kind}: {was:?} -> {is:?}");
        assert!(is.iter().all(|id| was.contains(id) || (kind == 2 && *id == 3)), "kind {kind}: {was:?} -> {is:?}");
    }
}

const CHILD: &str = "SMSGW_STORE_INBOUND_CHILD";

/// The child: auto-replies to calls until it is killed. A no-op in an ordinary run.
#[test]
fn reply_child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let (path, backend) = spec.split_once('|').unwrap();
    let backend = match backend {
        #[cfg(feature = "sled")]
        "sled" => Backend::Sled,
        _ => Backend::Redb,
    };
    let s = Store::open(path, Config { backend, ..Config::default() }).unwrap();
    // Each round goes on where the last one was killed, so call times only grow and a caller's
    // reply memory is the time of its latest call (the check relies on it).
    let first = s.list_calls(None, usize::MAX).unwrap().len() as u64;
    for i in first.. {
        let caller = format!("+41790{:03}", i % 50);
        let reply = NewMessage::new(caller.as_str(), format!("reply {i}"), 1);
        s.record_call_with_reply(&call(1_000 + i, &caller), &reply, BOTH).unwrap();
    }
}

/// Killed at any moment, a process auto-replying leaves calls, replies and reply memories that
/// agree: each reply has its call and memory, each call its reply.
#[test]
fn an_auto_reply_is_all_or_nothing_across_a_kill() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue");
        let name = if backend == Backend::Redb { "redb" } else { "sled" };
        let config = Config { backend, ..Config::default() };
        for round in 0..4u64 {
            let mut cmd = common::this_test_binary();
            let mut child = cmd
                .args(["reply_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD, format!("{}|{name}", path.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150 + 97 * round));
            child.kill().unwrap();
            child.wait().unwrap();

            let s = Store::open(&path, config.clone()).unwrap();
            let calls = s.list_calls(None, usize::MAX).unwrap();
            let all = smsgw::linux::store::Filter { state: None, limit: usize::MAX, offset: 0 };
            let messages = s.list(all).unwrap();
            assert_eq!(calls.len(), messages.len(), "{name} round {round}: one reply per call");
            assert_eq!(s.tasks(TaskKind::PushCall, usize::MAX).unwrap().len(), calls.len());
            for c in &calls {
                let CallOutcome::Replied { message } = c.outcome else { panic!("{c:?}") };
                let m = s.get(message).unwrap().expect("the reply is there");
                assert_eq!(Some(m.recipient.as_str()), c.caller.as_deref());
                let memory = s.last_reply(c.caller.as_deref().unwrap()).unwrap().expect("the memory is there");
                assert!(memory >= c.at, "{name} round {round}: {c:?}");
            }
            if let Some(last) = calls.last() {
                assert_eq!(s.last_reply(last.caller.as_deref().unwrap()).unwrap(), Some(last.at));
            }
            drop(s);
            assert!(check(&path, &config).unwrap().is_ok());
        }
        assert!(!Store::open(&path, config).unwrap().list_calls(None, 1).unwrap().is_empty(), "{name}: it did run");
    }
}
