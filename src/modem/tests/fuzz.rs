//! Random bytes, device changes, requests and timeouts: the driver never panics, and whenever
//! it waits for the modem (a pending command, initialising, recovering, ready) a timer is set,
//! so it can never wait forever.

extern crate std;

use std::vec::Vec;

use proptest::prelude::*;

use super::script::{part, Modem};
use crate::modem::engine::state::State;
use crate::modem::timers::Timer;
use crate::modem::{Config, DeviceEvent, Driver, Event, ReceiveToken};
use crate::time::Instant;

/// Lines a modem really sends, to reach deep states more often than random bytes would.
const FRAGMENTS: &[&str] = &[
    "\r\nOK\r\n",
    "\r\nERROR\r\n",
    "\r\n+CMS ERROR: 42\r\n",
    "\r\n+CMS ERROR: 21\r\n",
    "\r\n+CME ERROR: 14\r\n",
    "\r\n> ",
    ">",
    "\r\nRDY\r\n",
    "\r\nCall Ready\r\n",
    "\r\n+CPIN: READY\r\n",
    "\r\n+CPIN: SIM PIN\r\n",
    "\r\n+CSQ: 17,99\r\n",
    "\r\n+CREG: 1\r\n",
    "\r\n+CREG: 2,1,\"00C3\",\"0010ABCD\",7\r\n",
    "\r\n+CREG: 0\r\n",
    "\r\n+CMGS: 42\r\n",
    "\r\n+CMTI: \"SM\",3\r\n",
    "\r\n+CDSI: \"SR\",1\r\n",
    "\r\n+CMGR: 0,,26\r\n0791447758100650000C9144971121436500004210510103548007743D885E9ED301\r\n",
    "\r\n+CMGR: 0,,25\r\n079124603050020006E80C91666666666666909070618422809090706184628000\r\n",
    "\r\n+CMGL: 1,1,,26\r\n0791447758100650000C9144971121436500004210510103548007743D885E9ED301\r\n",
    "\r\n+CMT: ,26\r\n0791447758100650000C9144971121436500004210510103548007743D885E9ED301\r\n",
    "\r\n+CDS: 25\r\n079124603050020006E80C91666666666666909070618422809090706184628000\r\n",
    "\r\nRING\r\n",
    "\r\n+CLIP: \"+4912345\",145,\"\",,\"\",0\r\n",
    "\r\nNO CARRIER\r\n",
    "\r\n^CEND:1,0,104,16\r\n",
    "\r\n^RSSI:12\r\n",
    "\r\n^HCSQ:\"LTE\",40,30,100,20\r\n",
    "\r\n^BOOT:20952084,0,0,0,72\r\n",
    "\r\n+CPMS: \"SM\",1,30,\"SM\",1,30,\"SM\",1,30\r\n",
    "\r\n+CPMS: (\"SM\",\"ME\"),(\"SM\"),(\"SM\")\r\n",
    "\r\n+CSMS: 1,1,1,1\r\n",
    "\r\nNORMAL POWER DOWN\r\n",
    "\r\n867322035432174\r\n",
];

#[derive(Debug, Clone)]
enum Op {
    Bytes(Vec<u8>),
    Advance(u64),
    /// Jump to the next deadline and handle it.
    Timeout,
    Device(bool),
    Send(u64),
    /// Acknowledge the n-th token seen (modulo how many).
    Ack(usize),
    HangUp,
    Reset,
    /// The scripted modem answers what the driver wrote since the last answer.
    Answer,
    /// What the driver wrote is lost on the line.
    Lose,
}

/// `impatience` weighs the timeouts against the modem's `answers`: low against high, the
/// driver gets through initialisation to sending and receiving; high against low, it climbs the
/// recovery ladder to its faults.
fn op(impatience: u32, answers: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(|f| Op::Bytes(f.as_bytes().to_vec())),
        1 => proptest::collection::vec(any::<u8>(), 0..48).prop_map(Op::Bytes),
        impatience => (0u64..20_000).prop_map(Op::Advance),
        impatience => Just(Op::Timeout),
        1 => any::<bool>().prop_map(Op::Device),
        4 => (0u64..1_000).prop_map(Op::Send),
        2 => (0usize..16).prop_map(Op::Ack),
        1 => Just(Op::HangUp),
        1 => Just(Op::Reset),
        answers => Just(Op::Answer),
        1 => Just(Op::Lose),
    ]
}

fn check(d: &Driver) -> Result<(), TestCaseError> {
    let e = d.engine();
    if e.pending.is_some() {
        prop_assert!(e.timers.get(Timer::Command).is_some(), "a command without a timer: {:?}", e.pending);
    }
    if !matches!(e.state, State::WaitingForDevice | State::Faulted(_)) {
        prop_assert!(d.poll_timeout().is_some(), "waiting without a timer in {:?}", e.state);
    }
    Ok(())
}

/// Runs `ops` against a driver; `seen` gets every phase and event name, for coverage checks.
fn run(ops: Vec<Op>, hang_up: bool, seen: &mut dyn FnMut(&Driver, Option<&Event>)) -> Result<(), TestCaseError> {
    let config =
        Config { pin: Some("1234".try_into().unwrap()), hang_up_calls: hang_up.then_some(1), ..Config::default() };
    let mut d = Driver::new(config, Instant::ZERO);
    let mut m = Modem::new();
    let mut written: Vec<u8> = Vec::new();
    let mut now = Instant::ZERO;
    let mut tokens: Vec<ReceiveToken> = Vec::new();
    for op in ops {
        match op {
            Op::Bytes(b) => d.handle_bytes(now, &b),
            Op::Advance(ms) => {
                now += core::time::Duration::from_millis(ms);
                if d.poll_timeout().is_some_and(|t| now.reached(t)) {
                    d.handle_timeout(now);
                }
            }
            Op::Timeout => {
                if let Some(t) = d.poll_timeout() {
                    now = now.max(t);
                    d.handle_timeout(now);
                }
            }
            Op::Device(open) => d.handle_device(now, if open { DeviceEvent::Opened } else { DeviceEvent::Closed }),
            Op::Send(id) => {
                let _ = d.send(now, part(id, "+666666666666", "fuzz"));
            }
            Op::Ack(i) => {
                if !tokens.is_empty() {
                    let t = tokens[i % tokens.len()];
                    d.acknowledge(now, t);
                }
            }
            Op::HangUp => d.hang_up(now),
            Op::Reset => d.reset(now),
            Op::Answer => {
                let reply = m.feed(&core::mem::take(&mut written));
                d.handle_bytes(now, reply.as_bytes());
            }
            Op::Lose => written.clear(),
        }
        while let Some(tx) = d.poll_transmit() {
            written.extend_from_slice(tx);
        }
        while let Some(e) = d.poll_event() {
            if let Event::Received { token, .. } = e {
                tokens.push(token);
            }
            seen(&d, Some(&e));
        }
        seen(&d, None);
        check(&d)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_input_never_panics_nor_stalls(
        (ops, hang_up) in (1u32..10, 1u32..24)
            .prop_flat_map(|(i, a)| (proptest::collection::vec(op(i, a), 1..250), any::<bool>()))
    ) {
        run(ops, hang_up, &mut |_, _| {})?;
    }
}

/// The random runs reach the states worth checking: initialised, sending, receiving, calls,
/// every recovery step, faults. Without this the property above could pass by never leaving
/// the first state.
#[test]
fn random_runs_reach_deep_states() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;
    use std::format;
    use std::string::String;

    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for i in 0..200 {
        let (impatience, answers) = if i % 4 == 3 { (8, 2) } else { (1, 20) };
        let ops = proptest::collection::vec(op(impatience, answers), 1..300).new_tree(&mut runner).unwrap().current();
        run(ops, true, &mut |d, e| {
            seen.insert(format!("{:?}", d.status().phase));
            if let Some(e) = e {
                let name = format!("{e:?}");
                seen.insert(String::from(name.split([' ', '(']).next().unwrap_or("")));
            }
        })
        .unwrap();
    }
    for want in [
        "Ready",
        "Sending",
        "Recovering(Resync)",
        "Recovering(SoftReset)",
        "Recovering(UsbReset)",
        "Recovering(PowerCycle)",
        "PartSent",
        "PartFailed",
        "Received",
        "IncomingCall",
        "CallEnded",
        "Faulted",
    ] {
        assert!(seen.contains(want), "never reached {want}: {seen:?}");
    }
}
