//! The driver against the simulated modem (`crate::sim`), every profile: what the scripted
//! transcripts check line by line, here end to end with a modem that has its own timing,
//! storage and faults.

extern crate std;

use std::vec::Vec;

use super::script::{part, secs};
use crate::modem::{Config, DeviceEvent, Driver, Event, Family, Phase, RecoveryStep};
use crate::sim::{self, Injection, Profile, Sim};
use crate::time::Instant;
use core::time::Duration;

struct Pair {
    d: Driver,
    sim: Sim,
    now: Instant,
    events: Vec<Event>,
    /// Answer the driver's power-cycle and USB-reset requests like the board and shell do.
    obey: bool,
}

impl Pair {
    fn new(profile: Profile) -> Pair {
        let family = match profile {
            Profile::Huawei => Family::Huawei,
            Profile::Sim800 => Family::Simcom,
            Profile::Ec25 => Family::Quectel,
        };
        let mut sim = Sim::new(profile, Instant::ZERO);
        sim.set_power(Instant::ZERO, true);
        let mut d = Driver::new(Config::new(family), Instant::ZERO);
        d.handle_device(Instant::ZERO, DeviceEvent::Opened);
        Pair { d, sim, now: Instant::ZERO, events: Vec::new(), obey: true }
    }

    /// Runs both sides for `span`, bytes going each way as soon as they are due.
    fn run(&mut self, span: Duration) {
        let end = self.now + span;
        for _ in 0..200_000 {
            loop {
                let mut moved = false;
                if let Some(tx) = self.d.poll_transmit() {
                    let tx = tx.to_vec();
                    self.sim.handle_bytes(self.now, &tx);
                    moved = true;
                }
                while let Some(bytes) = self.sim.poll_transmit(self.now) {
                    let bytes = bytes.to_vec();
                    self.d.handle_bytes(self.now, &bytes);
                    moved = true;
                }
                while let Some(e) = self.d.poll_event() {
                    if self.obey && matches!(e, Event::PowerCycle | Event::UsbReset) {
                        // Power off and on: the port goes and comes back.
                        self.sim.set_power(self.now, false);
                        self.d.handle_device(self.now, DeviceEvent::Closed);
                        self.sim.set_power(self.now, true);
                        self.d.handle_device(self.now, DeviceEvent::Opened);
                    }
                    self.events.push(e);
                    moved = true;
                }
                if !moved {
                    break;
                }
            }
            let next = [self.d.poll_timeout(), self.sim.poll_timeout()].into_iter().flatten().min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    if self.d.poll_timeout().is_some_and(|d| self.now.reached(d)) {
                        self.d.handle_timeout(self.now);
                    }
                    if self.sim.poll_timeout().is_some_and(|s| self.now.reached(s)) {
                        self.sim.handle_timeout(self.now);
                    }
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
        panic!("no quiet moment in {span:?}");
    }

    fn ready(profile: Profile) -> Pair {
        let mut p = Pair::new(profile);
        p.run(secs(60));
        assert!(p.events.contains(&Event::Ready), "{profile:?}: {:?}", p.events);
        assert_eq!(p.d.status().phase, Phase::Ready, "{profile:?}");
        p.events.clear();
        p
    }
}

const PROFILES: [Profile; 3] = [Profile::Huawei, Profile::Sim800, Profile::Ec25];

#[test]
fn every_profile_initialises_and_sends() {
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        let s = p.d.status();
        assert!(s.identity.imei.is_some() && s.identity.iccid.is_some(), "{profile:?}: {:?}", s.identity);
        // Every profile's SIM has the same ICCID; Huawei prints it in the SIM's swapped form.
        assert_eq!(s.identity.iccid.as_deref(), Some("89490200001234567892"), "{profile:?}");
        assert!(s.is_registered(), "{profile:?}");
        assert!(s.indications.is_some(), "{profile:?}");
        p.d.send(p.now, part(1, "+4915112345678", "hello from the driver")).unwrap();
        p.run(secs(60));
        assert!(matches!(p.events[..], [Event::PartSent { mr: Some(_), .. }]), "{profile:?}: {:?}", p.events);
        let air = p.sim.poll_air().expect("on the air");
        assert_eq!((air.recipient.as_str(), air.text.as_str()), ("+4915112345678", "hello from the driver"));
    }
}

#[test]
fn every_profile_receives_and_deletes_after_acknowledge() {
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        p.sim.inject(p.now, Injection::Sms { from: "+4917012345", text: "ping", flash: false }).unwrap();
        p.run(secs(10));
        let token = match p.events.iter().find(|e| matches!(e, Event::Received { .. })) {
            Some(Event::Received { token, .. }) => *token,
            _ => panic!("{profile:?}: {:?}", p.events),
        };
        assert_eq!(p.sim.storage().used(), 1, "{profile:?}: kept until acknowledged");
        p.d.acknowledge(p.now, token);
        p.run(secs(5));
        assert_eq!(p.sim.storage().used(), 0, "{profile:?}");
    }
}

#[test]
fn every_profile_reports_calls_once() {
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        p.sim.inject(p.now, Injection::Call { from: Some("+4930123456") }).unwrap();
        p.run(secs(60));
        let calls: Vec<_> = p.events.iter().filter(|e| matches!(e, Event::IncomingCall { .. })).collect();
        assert_eq!(calls, [&Event::IncomingCall { number: Some("+4930123456".try_into().unwrap()) }], "{profile:?}");
    }
}

#[test]
fn every_profile_comes_back_from_a_hang() {
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        p.sim.set_fault(p.now, sim::Fault::Hang);
        p.run(secs(600));
        let steps: Vec<_> = p
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Recovery { step, .. } => Some(*step),
                _ => None,
            })
            .collect();
        // Only power brings a hung simulator back: resync and soft reset fail first.
        assert_eq!(steps[..3], [RecoveryStep::Resync, RecoveryStep::SoftReset, RecoveryStep::UsbReset], "{profile:?}");
        assert_eq!(p.events.last(), Some(&Event::Ready), "{profile:?}: {:?}", p.events);
        assert_eq!(p.d.status().phase, Phase::Ready, "{profile:?}");
    }
}

#[test]
fn every_profile_survives_a_reboot_during_a_send() {
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        p.d.send(p.now, part(2, "+4915112345678", "through a reboot")).unwrap();
        p.sim.set_fault(p.now, sim::Fault::Reboot);
        p.run(secs(120));
        let outcomes: Vec<_> =
            p.events.iter().filter(|e| matches!(e, Event::PartSent { .. } | Event::PartFailed { .. })).collect();
        assert_eq!(outcomes.len(), 1, "{profile:?}: {:?}", p.events);
        // Initialised once after the reboot, not once per boot URC.
        assert_eq!(p.events.iter().filter(|e| **e == Event::Ready).count(), 1, "{profile:?}: {:?}", p.events);
        let sent = matches!(outcomes[0], Event::PartSent { .. });
        let on_air = core::iter::from_fn(|| p.sim.poll_air()).count();
        assert_eq!(on_air, usize::from(sent), "{profile:?}: no duplicate, nothing lost unreported");
    }
}

/// Sends one part and returns its outcome.
fn send_one(p: &mut Pair, id: u64) -> Event {
    p.events.clear();
    p.d.send(p.now, part(id, "+4915112345678", "x")).unwrap();
    p.run(secs(150));
    p.events
        .iter()
        .find(|e| matches!(e, Event::PartSent { .. } | Event::PartFailed { .. }))
        .cloned()
        .unwrap_or_else(|| panic!("no outcome: {:?}", p.events))
}

#[test]
fn every_profile_works_through_line_faults() {
    let faults = [
        sim::Fault::Split,
        sim::Fault::Flood { hz: 50 },
        sim::Fault::Delay { ms: 3_000 },
        sim::Fault::Garbage { len: 64, nul: true },
        sim::Fault::Garbage { len: 64, nul: false },
    ];
    for profile in PROFILES {
        for fault in faults {
            let mut p = Pair::new(profile);
            p.sim.set_fault(Instant::ZERO, fault);
            p.run(secs(120));
            assert_eq!(p.d.status().phase, Phase::Ready, "{profile:?} {fault:?}: {:?}", p.events);
            let outcome = send_one(&mut p, 1);
            assert!(matches!(outcome, Event::PartSent { .. }), "{profile:?} {fault:?}: {outcome:?}");
        }
    }
}

#[test]
fn every_profile_recovers_from_a_lost_response() {
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        p.sim.set_fault(p.now, sim::Fault::Drop { responses: 1 });
        // The watch's AT+CSQ goes unanswered: a resync brings the modem back.
        p.run(secs(60));
        assert!(p.events.contains(&Event::Recovery { step: RecoveryStep::Resync, attempt: 1 }), "{profile:?}");
        assert_eq!(p.d.status().phase, Phase::Ready, "{profile:?}: {:?}", p.events);
        assert!(matches!(send_one(&mut p, 2), Event::PartSent { .. }), "{profile:?}");
    }
}

#[test]
fn every_profile_reports_network_refusals_and_losses() {
    use crate::codec::at::CmsCode;
    use crate::modem::{Cause, Error, Failure};
    for profile in PROFILES {
        let mut p = Pair::ready(profile);
        p.sim.set_fault(p.now, sim::Fault::CmsError { code: 42, permille: 1000 });
        let outcome = send_one(&mut p, 3);
        let want =
            Event::PartFailed { id: crate::modem::PartId(3), failure: Failure::Temporary(Cause::Cms(CmsCode(42))) };
        assert_eq!(outcome, want, "{profile:?}");
        p.sim.clear_faults(p.now);
        p.sim.set_fault(p.now, sim::Fault::NoNetwork);
        p.events.clear();
        p.run(secs(65));
        assert!(p.events.contains(&Event::SendingPaused), "{profile:?}: {:?}", p.events);
        assert_eq!(p.d.can_send(), Err(Error::NotRegistered), "{profile:?}");
    }
}

#[test]
fn every_profile_takes_its_pin() {
    for profile in PROFILES {
        for pin in [Some("1234"), None] {
            let mut p = Pair::new(profile);
            let mut config = p.d.config().clone();
            config.pin = pin.map(|s| s.try_into().unwrap());
            p.d.set_config(config);
            p.sim.set_fault(Instant::ZERO, sim::Fault::PinRequired);
            p.run(secs(120));
            let want = if pin.is_some() { Phase::Ready } else { Phase::Faulted(crate::modem::Fault::PinRequired) };
            assert_eq!(p.d.status().phase, want, "{profile:?} {pin:?}: {:?}", p.events);
        }
    }
}
