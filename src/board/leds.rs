//! The status LEDs: a pure function of what the gateway knows and the time.
//!
//! Each LED shows one [`Pattern`], chosen from a [`GatewayView`]; the pattern is a fixed
//! sequence of on and off times repeated from the time origin, so every LED that blinks at the
//! same rate blinks in step, and a test can say what an LED shows at any instant.
//!
//! | LED | state | pattern |
//! | --- | --- | --- |
//! | health | gateway stopped | off |
//! | health | starting, modem initialising or recovering | slow blink |
//! | health | modem ready | on |
//! | health | fault (modem dead, SIM problem) | fast blink |
//! | network | not known (no modem) | off |
//! | network | no SIM or SIM locked | SOS |
//! | network | searching, denied | blink |
//! | network | registered, home | on |
//! | network | registered, roaming | double blink |
//! | queue | empty | off |
//! | queue | a part is in the modem | flicker |
//! | queue | messages waiting | on |
//! | queue | upstream unreachable | slow blink |

use super::Led;
use crate::modem::{Fault, Phase, Status};
use crate::time::Instant;

/// The gateway as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Health {
    /// Not running.
    Off,
    /// Starting, initialising the modem or bringing it back.
    Booting,
    Ok,
    /// Stopped until a person acts.
    Fault,
}

impl Health {
    /// What the driver's phase says.
    pub fn from_phase(phase: Phase) -> Health {
        match phase {
            Phase::WaitingForDevice | Phase::Initialising | Phase::Recovering(_) => Health::Booting,
            Phase::Ready | Phase::Sending => Health::Ok,
            Phase::Faulted(_) => Health::Fault,
        }
    }
}

/// The modem's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Network {
    /// No modem, or it has not said yet.
    Unknown,
    /// No SIM, or the SIM is locked (PIN, PUK, failure).
    NoSim,
    /// Not registered: searching, denied or out of coverage.
    Searching,
    Registered,
    Roaming,
}

impl Network {
    /// What the driver's status says.
    pub fn from_status(status: &Status) -> Network {
        match status.phase {
            Phase::Faulted(Fault::ModemDead) => Network::Unknown,
            Phase::Faulted(_) => Network::NoSim,
            Phase::WaitingForDevice => Network::Unknown,
            _ => match &status.registration {
                None => Network::Unknown,
                Some(r) if r.is_roaming() => Network::Roaming,
                Some(r) if r.is_registered() => Network::Registered,
                Some(_) => Network::Searching,
            },
        }
    }
}

/// The local queue and the upstream sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Queue {
    Empty,
    /// A part is in the modem.
    Sending,
    /// Messages wait (for the network, for message spacing, for a retry).
    Backlog,
    /// The upstream database cannot be reached: the board works from its local queue.
    UpstreamUnreachable,
}

impl Queue {
    /// From the counts the gateway keeps. An unreachable upstream shows first: it is the one
    /// a person may need to act on, and sending goes on without it.
    pub fn from_counts(waiting: u32, sending: bool, upstream_reachable: bool) -> Queue {
        if !upstream_reachable {
            Queue::UpstreamUnreachable
        } else if sending {
            Queue::Sending
        } else if waiting > 0 {
            Queue::Backlog
        } else {
            Queue::Empty
        }
    }
}

/// What the LEDs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GatewayView {
    pub health: Health,
    pub network: Network,
    pub queue: Queue,
}

impl GatewayView {
    /// The modem's part from the driver's status, the queue's from the caller.
    pub fn from_modem(status: &Status, queue: Queue) -> GatewayView {
        GatewayView { health: Health::from_phase(status.phase), network: Network::from_status(status), queue }
    }
}

/// A repeating sequence of on and off times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pattern {
    Off,
    On,
    /// 0.5 Hz: 1 s on, 1 s off.
    SlowBlink,
    /// 1 Hz: 0.5 s on, 0.5 s off.
    Blink,
    /// 4 Hz: 125 ms on, 125 ms off.
    FastBlink,
    /// Two 150 ms flashes every 1.5 s.
    DoubleBlink,
    /// 10 Hz: 50 ms on, 50 ms off, like a disk activity light.
    Flicker,
    /// · · · — — — · · · (dot 150 ms), then a pause.
    Sos,
}

/// Morse timing with a 150 ms unit: dot 1, dash 3, gap within a letter 1, between letters 3,
/// after the word 7.
const SOS: [u16; 18] = [150, 150, 150, 150, 150, 450, 450, 150, 450, 150, 450, 450, 150, 150, 150, 150, 150, 1050];

impl Pattern {
    /// Every pattern, in the order of the README's table.
    pub const ALL: [Pattern; 8] = [
        Pattern::Off,
        Pattern::On,
        Pattern::SlowBlink,
        Pattern::Blink,
        Pattern::FastBlink,
        Pattern::DoubleBlink,
        Pattern::Flicker,
        Pattern::Sos,
    ];

    /// Alternating on and off times in milliseconds, on first; empty for a steady light.
    pub fn segments(self) -> &'static [u16] {
        match self {
            Pattern::Off | Pattern::On => &[],
            Pattern::SlowBlink => &[1_000, 1_000],
            Pattern::Blink => &[500, 500],
            Pattern::FastBlink => &[125, 125],
            Pattern::DoubleBlink => &[150, 150, 150, 1_050],
            Pattern::Flicker => &[50, 50],
            Pattern::Sos => &SOS,
        }
    }

    /// One repetition, in milliseconds (0 for a steady light).
    pub fn period_ms(self) -> u32 {
        self.segments().iter().map(|&s| u32::from(s)).sum()
    }

    /// Whether the LED is lit at `now`.
    pub fn is_on(self, now: Instant) -> bool {
        match self {
            Pattern::Off => false,
            Pattern::On => true,
            _ => {
                let period = u64::from(self.period_ms().max(1));
                let mut t = now.as_millis() % period;
                for (i, &len) in self.segments().iter().enumerate() {
                    let len = u64::from(len);
                    if t < len {
                        return i % 2 == 0;
                    }
                    t -= len;
                }
                false
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pattern::Off => "off",
            Pattern::On => "on",
            Pattern::SlowBlink => "slow blink",
            Pattern::Blink => "blink",
            Pattern::FastBlink => "fast blink",
            Pattern::DoubleBlink => "double blink",
            Pattern::Flicker => "flicker",
            Pattern::Sos => "SOS",
        }
    }
}

/// The pattern of each LED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LedPatterns {
    pub health: Pattern,
    pub network: Pattern,
    pub queue: Pattern,
}

impl LedPatterns {
    pub fn get(&self, led: Led) -> Pattern {
        match led {
            Led::Health => self.health,
            Led::Network => self.network,
            Led::Queue => self.queue,
        }
    }

    /// The levels at `now`.
    pub fn at(&self, now: Instant) -> LedLevels {
        LedLevels { health: self.health.is_on(now), network: self.network.is_on(now), queue: self.queue.is_on(now) }
    }
}

/// The patterns for `view`: the table in the [module docs](self).
pub fn patterns(view: &GatewayView) -> LedPatterns {
    LedPatterns {
        health: match view.health {
            Health::Off => Pattern::Off,
            Health::Booting => Pattern::SlowBlink,
            Health::Ok => Pattern::On,
            Health::Fault => Pattern::FastBlink,
        },
        network: match view.network {
            Network::Unknown => Pattern::Off,
            Network::NoSim => Pattern::Sos,
            Network::Searching => Pattern::Blink,
            Network::Registered => Pattern::On,
            Network::Roaming => Pattern::DoubleBlink,
        },
        queue: match view.queue {
            Queue::Empty => Pattern::Off,
            Queue::Sending => Pattern::Flicker,
            Queue::Backlog => Pattern::On,
            Queue::UpstreamUnreachable => Pattern::SlowBlink,
        },
    }
}

/// Whether each LED is lit at `now` for `view`.
pub fn pattern(view: &GatewayView, now: Instant) -> LedLevels {
    patterns(view).at(now)
}

/// Lit or not, per LED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LedLevels {
    pub health: bool,
    pub network: bool,
    pub queue: bool,
}

impl LedLevels {
    pub const OFF: LedLevels = LedLevels { health: false, network: false, queue: false };
    pub const ALL_ON: LedLevels = LedLevels { health: true, network: true, queue: true };

    /// Only `led` lit.
    pub fn only(led: Led) -> LedLevels {
        let mut levels = LedLevels::OFF;
        levels.set(led, true);
        levels
    }

    pub fn get(&self, led: Led) -> bool {
        match led {
            Led::Health => self.health,
            Led::Network => self.network,
            Led::Queue => self.queue,
        }
    }

    pub fn set(&mut self, led: Led, on: bool) {
        match led {
            Led::Health => self.health = on,
            Led::Network => self.network = on,
            Led::Queue => self.queue = on,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modem::{RecoveryStep, RegState, Registration};

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn patterns_over_time() {
        // (pattern, instants lit, instants dark)
        let cases: &[(Pattern, &[u64], &[u64])] = &[
            (Pattern::Off, &[], &[0, 500, 1_000, 99_999]),
            (Pattern::On, &[0, 500, 1_000, 99_999], &[]),
            (Pattern::SlowBlink, &[0, 999, 2_000, 2_999], &[1_000, 1_999, 3_000]),
            (Pattern::Blink, &[0, 499, 1_000], &[500, 999, 1_500]),
            (Pattern::FastBlink, &[0, 124, 250], &[125, 249, 375]),
            (Pattern::DoubleBlink, &[0, 149, 300, 449, 1_500, 1_800], &[150, 299, 450, 1_000, 1_499, 1_650]),
            (Pattern::Flicker, &[0, 49, 100], &[50, 99, 150]),
            // S: 0-150, 300-450, 600-750; O: 1200-1650, 1800-2250, 2400-2850; S from 3300.
            (
                Pattern::Sos,
                &[0, 300, 600, 1_200, 1_649, 1_800, 2_400, 3_300, 3_900],
                &[150, 450, 750, 1_199, 1_650, 2_850, 3_299, 4_050, 5_000],
            ),
        ];
        for (p, lit, dark) in cases {
            for &t in *lit {
                assert!(p.is_on(at(t)), "{p:?} at {t} should be on");
            }
            for &t in *dark {
                assert!(!p.is_on(at(t)), "{p:?} at {t} should be off");
            }
        }
        assert_eq!(Pattern::Sos.period_ms(), 5_100);
        assert_eq!(Pattern::DoubleBlink.period_ms(), 1_500);
    }

    #[test]
    fn every_blinking_pattern_repeats_and_is_sometimes_on_and_sometimes_off() {
        for p in Pattern::ALL {
            if matches!(p, Pattern::Off | Pattern::On) {
                continue;
            }
            assert_eq!(p.segments().len() % 2, 0, "{p:?}: on and off times pair up");
            let period = u64::from(p.period_ms());
            let samples: std::vec::Vec<bool> = (0..period).map(|t| p.is_on(at(t))).collect();
            assert!(samples.contains(&true) && samples.contains(&false), "{p:?}");
            for t in (0..period).step_by(7) {
                assert_eq!(p.is_on(at(t)), p.is_on(at(t + 5 * period)), "{p:?} at {t}");
            }
        }
    }

    extern crate std;

    #[test]
    fn the_table() {
        use Health as H;
        use Network as N;
        use Pattern as P;
        use Queue as Q;
        let cases = [
            (H::Off, N::Unknown, Q::Empty, P::Off, P::Off, P::Off),
            (H::Booting, N::NoSim, Q::Sending, P::SlowBlink, P::Sos, P::Flicker),
            (H::Ok, N::Searching, Q::Backlog, P::On, P::Blink, P::On),
            (H::Fault, N::Registered, Q::UpstreamUnreachable, P::FastBlink, P::On, P::SlowBlink),
            (H::Ok, N::Roaming, Q::Empty, P::On, P::DoubleBlink, P::Off),
        ];
        for (health, network, queue, h, n, q) in cases {
            let view = GatewayView { health, network, queue };
            assert_eq!(patterns(&view), LedPatterns { health: h, network: n, queue: q }, "{view:?}");
            for t in [0, 130, 700, 1_234, 4_000] {
                let levels = pattern(&view, at(t));
                assert_eq!(
                    levels,
                    LedLevels { health: h.is_on(at(t)), network: n.is_on(at(t)), queue: q.is_on(at(t)) }
                );
            }
        }
    }

    #[test]
    fn the_view_from_the_driver() {
        let mut status = Status::new();
        let reg = |state| Some(Registration { state, area: None, cell: None, act: None });
        let cases = [
            (Phase::WaitingForDevice, None, H::Booting, N::Unknown),
            (Phase::Initialising, None, H::Booting, N::Unknown),
            (Phase::Ready, reg(RegState::Home), H::Ok, N::Registered),
            (Phase::Sending, reg(RegState::Roaming), H::Ok, N::Roaming),
            (Phase::Ready, reg(RegState::SmsOnly(7)), H::Ok, N::Roaming),
            (Phase::Ready, reg(RegState::Searching), H::Ok, N::Searching),
            (Phase::Ready, reg(RegState::Denied), H::Ok, N::Searching),
            (Phase::Recovering(RecoveryStep::PowerCycle), reg(RegState::Home), H::Booting, N::Registered),
            (Phase::Faulted(Fault::NoSim), None, H::Fault, N::NoSim),
            (Phase::Faulted(Fault::PinRequired), None, H::Fault, N::NoSim),
            (Phase::Faulted(Fault::ModemDead), reg(RegState::Home), H::Fault, N::Unknown),
        ];
        use Health as H;
        use Network as N;
        for (phase, registration, health, network) in cases {
            status.phase = phase;
            status.registration = registration;
            let view = GatewayView::from_modem(&status, Queue::Empty);
            assert_eq!((view.health, view.network), (health, network), "{phase:?}");
        }
    }

    #[test]
    fn the_queue_from_counts() {
        let cases = [
            (0, false, true, Queue::Empty),
            (3, false, true, Queue::Backlog),
            (3, true, true, Queue::Sending),
            (0, true, true, Queue::Sending),
            (3, true, false, Queue::UpstreamUnreachable),
            (0, false, false, Queue::UpstreamUnreachable),
        ];
        for (waiting, sending, reachable, want) in cases {
            assert_eq!(Queue::from_counts(waiting, sending, reachable), want, "{waiting} {sending} {reachable}");
        }
    }

    #[test]
    fn levels_by_led() {
        for led in Led::ALL {
            let only = LedLevels::only(led);
            for other in Led::ALL {
                assert_eq!(only.get(other), other == led);
                assert!(LedLevels::ALL_ON.get(other) && !LedLevels::OFF.get(other));
            }
        }
    }
}
