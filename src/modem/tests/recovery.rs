extern crate std;

use std::string::ToString;
use std::vec::Vec;

use super::script::{secs, Harness, Modem};
use crate::modem::{Config, DeviceEvent, Event, Fault, Phase, RecoveryStep};
use crate::time::Instant;

fn recoveries(h: &Harness) -> Vec<(Instant, RecoveryStep, u8)> {
    h.timeline
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Recovery { step, attempt } => Some((*t, *step, *attempt)),
            _ => None,
        })
        .collect()
}

#[test]
fn each_ladder_step_in_order_then_modem_dead() {
    let config = Config::default();
    let t = config.timings;
    let mut h = Harness::ready(config.clone());
    h.m.dead = true;
    // The watch finds the modem hung.
    h.advance(secs(30) + t.command);
    h.advance(secs(3_600));
    let r = recoveries(&h);
    let steps: Vec<_> = r.iter().map(|(_, s, a)| (*s, *a)).collect();
    let ladder = |a| {
        [
            (RecoveryStep::Resync, a),
            (RecoveryStep::SoftReset, a),
            (RecoveryStep::UsbReset, a),
            (RecoveryStep::PowerCycle, a),
        ]
    };
    let want: Vec<_> = [ladder(1), ladder(2), ladder(3)].concat();
    assert_eq!(steps, want);
    // Each step waits its own time: the guard and probes; the boot; re-enumeration.
    let probes = t.probe * u32::from(t.probe_attempts);
    let waits: Vec<_> = r.windows(2).take(4).map(|w| w[1].0.saturating_duration_since(w[0].0)).collect();
    assert_eq!(waits, [t.guard + probes, t.boot + probes, t.reenumerate + probes, t.reenumerate + probes]);
    assert_eq!(r[0].0, Instant::ZERO + secs(30) + t.command);
    // What the modem was told, and what the board was asked to do.
    assert_eq!(h.m.count("AT+CFUN=1,1"), 3);
    let actions = |e: &Event| h.events.iter().filter(|x| *x == e).count();
    assert_eq!((actions(&Event::UsbReset), actions(&Event::PowerCycle)), (3, 3));
    assert_eq!(h.events.last(), Some(&Event::Faulted(Fault::ModemDead)));
    let s = h.d.status();
    assert_eq!(s.phase, Phase::Faulted(Fault::ModemDead));
    assert_eq!((s.counters.recoveries, s.counters.failed_ladders), ([3, 3, 3, 3], 3));
    // It stops: no timer, no more writes.
    assert_eq!(h.d.poll_timeout(), None);
    let written = h.m.log.len();
    h.advance(secs(3_600));
    assert_eq!(h.m.log.len(), written);
    // A new device starts over.
    h.m.dead = false;
    h.close();
    h.open();
    h.settle();
    assert_eq!(h.events.last(), Some(&Event::Ready));
}

#[test]
fn the_usb_reset_step_can_be_left_out() {
    let mut config = Config::default();
    config.ladder.usb_reset = false;
    config.ladder.max_failed = 1;
    let mut h = Harness::ready(config);
    h.m.dead = true;
    h.advance(secs(600));
    let steps: Vec<_> = recoveries(&h).iter().map(|(_, s, _)| *s).collect();
    assert_eq!(steps, [RecoveryStep::Resync, RecoveryStep::SoftReset, RecoveryStep::PowerCycle]);
    assert!(!h.events.contains(&Event::UsbReset));
    assert_eq!(h.events.last(), Some(&Event::Faulted(Fault::ModemDead)));
}

#[test]
fn a_soft_reset_brings_it_back() {
    let mut h = Harness::ready(Config::default());
    h.m.dead = true;
    h.m.revive_on = Some("AT+CFUN=1,1".to_string());
    h.m.on("AT+CFUN=1,1", &["\r\nOK\r\n\r\nRDY\r\n\r\n+CPIN: READY\r\n"]);
    h.advance(secs(40));
    let steps: Vec<_> = recoveries(&h).iter().map(|(_, s, _)| *s).collect();
    assert_eq!(steps, [RecoveryStep::Resync, RecoveryStep::SoftReset]);
    assert_eq!(h.events.last(), Some(&Event::Ready));
    assert_eq!(h.d.status().phase, Phase::Ready);
    // Initialised again: from the probes on.
    assert_eq!(h.m.since("AT+CFUN=1,1")[1..3], ["AT", "ATE0"]);
}

#[test]
fn a_modem_that_hangs_again_soon_goes_to_the_next_step() {
    let csq = super::script::answer("+CSQ: 20,99");
    // (quiet time between the two hangs, the step the second hang starts at)
    let cases = [(secs(60), RecoveryStep::SoftReset), (secs(700), RecoveryStep::Resync)];
    for (quiet, second) in cases {
        let mut h = Harness::ready(Config::default());
        // The watch's AT+CSQ hangs once; the resync brings the modem back.
        h.m.on("AT+CSQ", &["", &csq]);
        h.advance(secs(40));
        assert_eq!(h.events.last(), Some(&Event::Ready), "{quiet:?}");
        h.advance(quiet - secs(30));
        h.m.on("AT+CSQ", &["", &csq]);
        h.advance(secs(40));
        let steps: Vec<_> = recoveries(&h).iter().map(|(_, s, _)| *s).collect();
        assert_eq!(steps, [RecoveryStep::Resync, second], "{quiet:?}");
    }
}

#[test]
fn usb_reset_waits_for_the_port_to_come_back() {
    let mut h = Harness::ready(Config::default());
    h.m.dead = true;
    h.advance(secs(30) + secs(5) + secs(4) + secs(33));
    assert_eq!(h.events.last(), Some(&Event::UsbReset));
    // The shell resets the port: it vanishes and comes back, the modem alive.
    h.advance(secs(2));
    h.close();
    assert_eq!(h.d.status().phase, Phase::Recovering(RecoveryStep::UsbReset));
    h.advance(secs(10));
    h.m.dead = false;
    h.open();
    h.settle();
    assert_eq!(h.events.last(), Some(&Event::Ready));
    assert_eq!(h.d.status().counters.recoveries, [1, 1, 1, 0]);
}

#[test]
fn a_port_that_does_not_come_back_goes_to_the_power_cycle() {
    let mut h = Harness::ready(Config::default());
    h.m.dead = true;
    h.advance(secs(30) + secs(5) + secs(4) + secs(33));
    assert_eq!(h.events.last(), Some(&Event::UsbReset));
    h.close();
    h.advance(Config::default().timings.reenumerate);
    assert_eq!(h.events.last(), Some(&Event::PowerCycle));
    // The power comes back on: the port returns, the modem answers.
    h.m.dead = false;
    h.d.handle_device(h.now, DeviceEvent::Opened);
    h.pump();
    assert_eq!(h.events.last(), Some(&Event::Ready));
}

#[test]
fn spontaneous_reboot_while_idle_initialises_again() {
    let boot = Config::default().timings.boot;
    for sign in ["\r\nRDY\r\n", "\r\n+CFUN: 1\r\n", "\r\n+CPIN: READY\r\n", "\r\nCall Ready\r\n", "\r\nSMS Ready\r\n"] {
        let mut h = Harness::ready(Config::default());
        h.advance(boot);
        h.events.clear();
        let inits = h.m.count("ATE0");
        h.inject(sign);
        assert_eq!(h.m.count("ATE0"), inits + 1, "{sign:?}");
        assert_eq!(h.events, [Event::Ready], "{sign:?}");
    }
    // Huawei's heartbeat is not a reboot.
    let mut h = Harness::ready(Config::default());
    h.advance(boot);
    h.inject("\r\n^BOOT:20952084,0,0,0,72\r\n");
    assert_eq!(h.m.count("ATE0"), 1);
}

#[test]
fn the_rest_of_a_boot_does_not_initialise_again() {
    let mut h = Harness::ready(Config::default());
    h.inject("\r\nRDY\r\n");
    assert_eq!(h.m.count("ATE0"), 2);
    // What a SIM800 says over the next seconds of the same boot.
    for sign in ["\r\n+CFUN: 1\r\n", "\r\n+CPIN: READY\r\n", "\r\nCall Ready\r\n", "\r\nSMS Ready\r\n"] {
        h.advance(secs(1));
        h.inject(sign);
    }
    assert_eq!(h.m.count("ATE0"), 2);
}

#[test]
fn power_down_goes_straight_to_the_power_cycle() {
    let mut h = Harness::ready(Config::default());
    h.m.dead = true;
    h.inject("\r\nUNDER-VOLTAGE POWER DOWN\r\n");
    assert_eq!(h.events, [Event::Recovery { step: RecoveryStep::PowerCycle, attempt: 1 }, Event::PowerCycle]);
}

#[test]
fn a_silent_modem_at_start_escalates_through_the_wake_then_the_ladder() {
    let mut m = Modem::new();
    m.dead = true;
    let mut h = Harness::new(Config::default(), m);
    h.open();
    h.advance(secs(12));
    // Three probes, ESC and three, Ctrl-Z and three, then the resync step.
    assert_eq!(h.m.log[..4], ["AT", "AT", "AT", "<ESC>"]);
    assert_eq!(h.m.log[7], "<CTRL-Z>");
    assert_eq!(recoveries(&h)[0].1, RecoveryStep::Resync);
}

#[test]
fn a_port_that_vanishes_and_stays_away_is_reset_then_power_cycled() {
    let t = Config::default().timings;
    let mut h = Harness::ready(Config::default());
    h.close();
    assert_eq!(h.d.status().phase, Phase::WaitingForDevice);
    // The shell may reopen it in time: nothing happens before.
    h.advance(t.reenumerate - secs(1));
    assert!(h.events.is_empty(), "{:?}", h.events);
    h.advance(secs(1));
    assert_eq!(h.events, [Event::Recovery { step: RecoveryStep::UsbReset, attempt: 1 }, Event::UsbReset]);
    h.advance(t.reenumerate);
    assert_eq!(h.events[2..], [Event::Recovery { step: RecoveryStep::PowerCycle, attempt: 1 }, Event::PowerCycle]);
    // Nothing was written to the missing port.
    assert_eq!(h.m.log.last().map(|l| l.as_str()), Some("AT+CMGL=4"));
    h.open();
    h.settle();
    assert_eq!(h.events.last(), Some(&Event::Ready));
}

#[test]
fn a_port_that_comes_back_in_time_is_initialised_without_recovery() {
    let mut h = Harness::ready(Config::default());
    h.close();
    h.advance(secs(5));
    h.open();
    h.settle();
    assert_eq!(h.events, [Event::Ready]);
    assert_eq!(h.d.status().counters.recoveries, [0, 0, 0, 0]);
}
