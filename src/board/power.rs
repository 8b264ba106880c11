//! Power sequencing: the driver's [`Event::PowerCycle`](crate::modem::Event::PowerCycle) turned
//! into timed changes of the power line, sans-IO.
//!
//! The power line is *active* when it cuts the modem's supply ([`Switch::Relay`],
//! [`Switch::MosfetVbus`]) or presses its PWRKEY ([`Switch::Pwrkey`]); at rest it is inactive and
//! the modem runs, so a gateway that is not running (or a board still booting, with the line
//! floating at its pull) leaves the modem powered.
//!
//! - A supply switch is cut for [`PowerConfig::off`] (long enough for the modem's capacitors to
//!   drain, or it browns out instead of restarting), then restored.
//! - A PWRKEY is a toggle: one press of [`PowerConfig::pulse`] switches a running module off, the
//!   module takes up to [`PowerConfig::off`] to shut down, and a second press switches it on.
//!
//! Either way [`PowerEvent::Booted`] follows once [`PowerConfig::boot`] has passed since the
//! power came back. At most [`PowerConfig::max_cycles`] cycles start within
//! [`PowerConfig::window`]; the driver's ladder has its own limit and stops with
//! `Fault::ModemDead`, this one keeps a misbehaving caller from wearing out a relay.
//!
//! Each input makes at most one step, and every deadline is counted from the step that set it,
//! so a caller that is late never shortens an off time.

use core::time::Duration;

use heapless::Deque;

use super::Error;
use crate::time::Instant;

/// Power cycles remembered for the rate limit, so the most [`PowerConfig::max_cycles`] can be.
/// More than 16 cycles in a window is no longer recovery: a modem cycled every four minutes
/// never finishes booting and registering.
pub const MAX_CYCLES_PER_WINDOW: usize = 16;

/// Events held until the caller polls them: a whole PWRKEY cycle makes six (started, two
/// presses, two releases, booted), so a caller that polls once per cycle loses nothing. More are
/// dropped and counted in [`PowerCounters::events_dropped`].
pub const POWER_EVENT_CAPACITY: usize = 8;

/// How the power line acts on the modem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Switch {
    /// Nothing is wired: power cycles are refused ([`Error::NoSwitch`]).
    None,
    /// A relay in the modem's supply (or a USB hub port's power).
    Relay,
    /// A high-side switch that cuts USB VBUS to the dongle.
    MosfetVbus,
    /// The module's PWRKEY (SIM800, EC25 on a HAT): pulses, not a supply cut.
    Pwrkey,
}

impl Switch {
    /// The name board files use.
    pub fn name(self) -> &'static str {
        match self {
            Switch::None => "none",
            Switch::Relay => "relay",
            Switch::MosfetVbus => "mosfet-vbus",
            Switch::Pwrkey => "pwrkey",
        }
    }

    /// Whether the line cuts a supply (the modem is off while it is active).
    pub fn cuts_supply(self) -> bool {
        matches!(self, Switch::Relay | Switch::MosfetVbus)
    }
}

/// Timings and limits of the power line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PowerConfig {
    pub switch: Switch,
    /// How long a PWRKEY press lasts ([`Switch::Pwrkey`] only).
    pub pulse: Duration,
    /// Supply switches: how long the supply stays cut. PWRKEY: from the switch-off press to the
    /// switch-on press, the module's power-down time.
    pub off: Duration,
    /// From the power coming back to the modem being booted.
    pub boot: Duration,
    /// Cycles allowed to start within `window` (at most [`MAX_CYCLES_PER_WINDOW`]).
    pub max_cycles: u8,
    pub window: Duration,
}

impl PowerConfig {
    /// From the start of a cycle to the power being back: what the driver's re-enumeration
    /// wait must cover besides the USB enumeration itself.
    pub fn span(&self) -> Duration {
        match self.switch {
            Switch::Pwrkey => self.pulse + self.off + self.pulse,
            Switch::Relay | Switch::MosfetVbus => self.off,
            Switch::None => Duration::ZERO,
        }
    }
}

impl Default for PowerConfig {
    /// A relay, 3 s off (a dongle's capacitors drain in well under that), 30 s to boot, at most
    /// 4 cycles an hour (the driver's default ladder gives up after 3).
    fn default() -> Self {
        PowerConfig {
            switch: Switch::Relay,
            pulse: Duration::from_millis(1_200),
            off: Duration::from_secs(3),
            boot: Duration::from_secs(30),
            max_cycles: 4,
            window: Duration::from_secs(3_600),
        }
    }
}

/// What the caller asks of the sequencer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Request {
    /// Off, then on again.
    Cycle,
    /// Switch a modem on that is known to be off (it said it powered down, or its port is
    /// gone): one PWRKEY press, since a second would switch it off again. With a supply switch
    /// the supply is on whenever the line rests, so this is a whole cycle.
    PowerOn,
}

/// Which press of a PWRKEY sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pulse {
    /// Switches the running module off.
    Off,
    /// Switches it on.
    On,
}

/// What the sequencer waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Stage {
    /// For a request; the line is inactive.
    Idle,
    /// For the off time to pass, the supply cut.
    SupplyCut { until: Instant },
    /// For the end of a PWRKEY press.
    KeyPressed { pulse: Pulse, until: Instant },
    /// For the module to shut down after the switch-off press.
    WaitingOff { until: Instant },
    /// For the modem's boot time, the power back on.
    Booting { until: Instant },
}

impl Stage {
    fn deadline(self) -> Option<Instant> {
        match self {
            Stage::Idle => None,
            Stage::SupplyCut { until }
            | Stage::KeyPressed { until, .. }
            | Stage::WaitingOff { until }
            | Stage::Booting { until } => Some(until),
        }
    }
}

/// What happened, for the log and the status page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PowerEvent {
    /// A cycle started; `cycle` counts them since the sequencer was made.
    Started {
        cycle: u32,
        request: Request,
    },
    SupplyCut,
    SupplyRestored,
    KeyPressed(Pulse),
    KeyReleased(Pulse),
    /// The boot time has passed since the power came back.
    Booted,
    /// A request was refused.
    Refused(Error),
}

impl core::fmt::Display for PowerEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PowerEvent::Started { cycle, request: Request::Cycle } => write!(f, "power cycle {cycle} started"),
            PowerEvent::Started { cycle, request: Request::PowerOn } => write!(f, "switch-on {cycle} started"),
            PowerEvent::SupplyCut => f.write_str("supply cut"),
            PowerEvent::SupplyRestored => f.write_str("supply restored"),
            PowerEvent::KeyPressed(Pulse::Off) => f.write_str("PWRKEY pressed (switch off)"),
            PowerEvent::KeyPressed(Pulse::On) => f.write_str("PWRKEY pressed (switch on)"),
            PowerEvent::KeyReleased(_) => f.write_str("PWRKEY released"),
            PowerEvent::Booted => f.write_str("boot time passed"),
            PowerEvent::Refused(e) => write!(f, "refused: {e}"),
        }
    }
}

/// Running totals since the sequencer was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PowerCounters {
    /// Cycles started.
    pub cycles: u32,
    /// PWRKEY presses.
    pub pulses: u32,
    /// Cycles whose boot time passed.
    pub booted: u32,
    /// Requests refused (busy, no switch, over the limit).
    pub refused: u32,
    /// Events the caller left in a full queue.
    pub events_dropped: u32,
}

/// The power sequencer. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sequencer {
    config: PowerConfig,
    stage: Stage,
    /// When the cycles within the window started, oldest first.
    starts: Deque<Instant, MAX_CYCLES_PER_WINDOW>,
    line_active: bool,
    line_changed: bool,
    events: Deque<PowerEvent, POWER_EVENT_CAPACITY>,
    counters: PowerCounters,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Sequencer {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Sequencer {{ stage: {}, line_active: {} }}", self.stage, self.line_active);
    }
}

impl Sequencer {
    /// An idle sequencer; the line is taken to be inactive. `config.max_cycles` beyond
    /// [`MAX_CYCLES_PER_WINDOW`] counts as that many.
    pub fn new(config: PowerConfig) -> Sequencer {
        Sequencer {
            config,
            stage: Stage::Idle,
            starts: Deque::new(),
            line_active: false,
            line_changed: false,
            events: Deque::new(),
            counters: PowerCounters::default(),
        }
    }

    pub fn config(&self) -> &PowerConfig {
        &self.config
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    pub fn counters(&self) -> &PowerCounters {
        &self.counters
    }

    /// The level the power line should have now.
    pub fn line_active(&self) -> bool {
        self.line_active
    }

    /// Whether the line is being switched (a new request would be [`Error::Busy`]). Waiting
    /// out the boot time is not switching: a modem that hangs again while booting may be
    /// cycled again.
    pub fn is_switching(&self) -> bool {
        matches!(self.stage, Stage::SupplyCut { .. } | Stage::KeyPressed { .. } | Stage::WaitingOff { .. })
    }

    /// Cycles started within the window that ends at `now`.
    pub fn cycles_in_window(&self, now: Instant) -> usize {
        self.starts.iter().filter(|t| now.saturating_duration_since(**t) < self.config.window).count()
    }

    /// Starts a power cycle (or switch-on) at `now`. A refusal is also reported as
    /// [`PowerEvent::Refused`].
    pub fn start(&mut self, now: Instant, request: Request) -> Result<(), Error> {
        let refusal = if self.config.switch == Switch::None {
            Some(Error::NoSwitch)
        } else if self.is_switching() {
            Some(Error::Busy)
        } else {
            self.forget_old_starts(now);
            let max = usize::from(self.config.max_cycles).clamp(1, MAX_CYCLES_PER_WINDOW);
            match self.starts.front() {
                Some(oldest) if self.starts.len() >= max => {
                    Some(Error::CycleLimit { until: *oldest + self.config.window })
                }
                _ => None,
            }
        };
        if let Some(e) = refusal {
            self.counters.refused += 1;
            self.push(PowerEvent::Refused(e));
            return Err(e);
        }
        if self.starts.is_full() {
            // Only when max_cycles allows a full window: the oldest no longer limits anything.
            self.starts.pop_front();
        }
        let _ = self.starts.push_back(now);
        self.counters.cycles += 1;
        self.push(PowerEvent::Started { cycle: self.counters.cycles, request });
        match (self.config.switch, request) {
            (Switch::Pwrkey, Request::Cycle) => self.press(now, Pulse::Off),
            (Switch::Pwrkey, Request::PowerOn) => self.press(now, Pulse::On),
            _ => {
                self.set_line(true);
                self.push(PowerEvent::SupplyCut);
                self.stage = Stage::SupplyCut { until: now + self.config.off };
            }
        }
        Ok(())
    }

    /// Makes the step whose deadline `now` has reached, if any.
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.stage.deadline().is_some_and(|d| now.reached(d)) {
            return;
        }
        let c = self.config;
        self.stage = match self.stage {
            Stage::Idle => Stage::Idle,
            Stage::SupplyCut { .. } => {
                self.set_line(false);
                self.push(PowerEvent::SupplyRestored);
                Stage::Booting { until: now + c.boot }
            }
            Stage::KeyPressed { pulse, .. } => {
                self.set_line(false);
                self.push(PowerEvent::KeyReleased(pulse));
                match pulse {
                    Pulse::Off => Stage::WaitingOff { until: now + c.off },
                    Pulse::On => Stage::Booting { until: now + c.boot },
                }
            }
            Stage::WaitingOff { .. } => {
                self.press(now, Pulse::On);
                self.stage
            }
            Stage::Booting { .. } => {
                self.counters.booted += 1;
                self.push(PowerEvent::Booted);
                Stage::Idle
            }
        };
    }

    /// When [`Sequencer::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.stage.deadline()
    }

    /// The power line's new state (`true`: active), once per change.
    pub fn poll_line(&mut self) -> Option<bool> {
        core::mem::take(&mut self.line_changed).then_some(self.line_active)
    }

    pub fn poll_event(&mut self) -> Option<PowerEvent> {
        self.events.pop_front()
    }

    fn press(&mut self, now: Instant, pulse: Pulse) {
        self.set_line(true);
        self.counters.pulses += 1;
        self.push(PowerEvent::KeyPressed(pulse));
        self.stage = Stage::KeyPressed { pulse, until: now + self.config.pulse };
    }

    fn set_line(&mut self, active: bool) {
        if self.line_active != active {
            self.line_active = active;
            self.line_changed = true;
        }
    }

    fn forget_old_starts(&mut self, now: Instant) {
        while self.starts.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.config.window) {
            self.starts.pop_front();
        }
    }

    fn push(&mut self, event: PowerEvent) {
        if self.events.push_back(event).is_err() {
            self.counters.events_dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    /// Runs the sequencer to idle from `now`, returning (time, line, event) for every step.
    fn run(seq: &mut Sequencer) -> Vec<(u64, Option<bool>, Vec<PowerEvent>)> {
        let mut out = Vec::new();
        while let Some(t) = seq.poll_timeout() {
            seq.handle_timeout(t);
            out.push((t.as_millis(), seq.poll_line(), core::iter::from_fn(|| seq.poll_event()).collect()));
        }
        out
    }

    fn config(switch: Switch) -> PowerConfig {
        PowerConfig {
            switch,
            pulse: Duration::from_millis(1_000),
            off: Duration::from_millis(5_000),
            boot: Duration::from_millis(20_000),
            max_cycles: 3,
            window: Duration::from_secs(3_600),
        }
    }

    #[test]
    fn a_supply_switch_is_cut_for_the_off_time_then_the_boot_time_passes() {
        for switch in [Switch::Relay, Switch::MosfetVbus] {
            let mut seq = Sequencer::new(config(switch));
            seq.start(ms(100), Request::Cycle).unwrap();
            assert_eq!(seq.poll_line(), Some(true));
            assert_eq!(seq.poll_line(), None, "once per change");
            let first: Vec<_> = core::iter::from_fn(|| seq.poll_event()).collect();
            assert_eq!(first, [PowerEvent::Started { cycle: 1, request: Request::Cycle }, PowerEvent::SupplyCut]);
            assert!(seq.is_switching());
            let steps = run(&mut seq);
            assert_eq!(
                steps,
                [
                    (5_100, Some(false), std::vec![PowerEvent::SupplyRestored]),
                    (25_100, None, std::vec![PowerEvent::Booted]),
                ],
                "{switch:?}"
            );
            assert_eq!(seq.stage(), Stage::Idle);
            assert_eq!(seq.counters().booted, 1);
            assert_eq!(seq.counters().pulses, 0);
        }
    }

    #[test]
    fn a_pwrkey_is_pressed_twice_with_the_power_down_time_between() {
        let mut seq = Sequencer::new(config(Switch::Pwrkey));
        seq.start(ms(0), Request::Cycle).unwrap();
        assert_eq!(seq.poll_line(), Some(true));
        let steps = run(&mut seq);
        assert_eq!(
            steps,
            [
                (
                    1_000,
                    Some(false),
                    std::vec![
                        PowerEvent::Started { cycle: 1, request: Request::Cycle },
                        PowerEvent::KeyPressed(Pulse::Off),
                        PowerEvent::KeyReleased(Pulse::Off)
                    ]
                ),
                (6_000, Some(true), std::vec![PowerEvent::KeyPressed(Pulse::On)]),
                (7_000, Some(false), std::vec![PowerEvent::KeyReleased(Pulse::On)]),
                (27_000, None, std::vec![PowerEvent::Booted]),
            ]
        );
        assert_eq!(seq.counters().pulses, 2);
        assert_eq!(seq.config().span(), Duration::from_millis(7_000));
    }

    #[test]
    fn power_on_presses_a_pwrkey_once() {
        let mut seq = Sequencer::new(config(Switch::Pwrkey));
        seq.start(ms(0), Request::PowerOn).unwrap();
        let steps = run(&mut seq);
        assert_eq!(steps.len(), 2, "{steps:?}");
        assert_eq!(seq.counters().pulses, 1);
        // A supply switch has no "on" of its own: the whole cycle.
        let mut seq = Sequencer::new(config(Switch::Relay));
        seq.start(ms(0), Request::PowerOn).unwrap();
        assert_eq!(seq.poll_line(), Some(true));
    }

    #[test]
    fn refusals() {
        let mut seq = Sequencer::new(config(Switch::None));
        assert_eq!(seq.start(ms(0), Request::Cycle), Err(Error::NoSwitch));
        assert_eq!(seq.poll_line(), None);

        let mut seq = Sequencer::new(config(Switch::Relay));
        seq.start(ms(0), Request::Cycle).unwrap();
        assert_eq!(seq.start(ms(10), Request::Cycle), Err(Error::Busy));
        // Once the line is back, a modem still booting may be cycled again.
        seq.handle_timeout(ms(5_000));
        assert!(matches!(seq.stage(), Stage::Booting { .. }));
        seq.start(ms(6_000), Request::Cycle).unwrap();
        let events: Vec<_> = core::iter::from_fn(|| seq.poll_event()).collect();
        assert!(events.contains(&PowerEvent::Refused(Error::Busy)), "{events:?}");
        assert_eq!(seq.counters().refused, 1);
    }

    #[test]
    fn no_more_than_max_cycles_per_window() {
        let mut seq = Sequencer::new(config(Switch::Relay));
        let mut t = 0;
        for _ in 0..3 {
            seq.start(ms(t), Request::Cycle).unwrap();
            run(&mut seq);
            t += 60_000;
        }
        // The fourth within the hour: refused until the first is an hour old.
        assert_eq!(seq.start(ms(t), Request::Cycle), Err(Error::CycleLimit { until: ms(3_600_000) }));
        assert_eq!(seq.cycles_in_window(ms(t)), 3);
        assert_eq!(seq.start(ms(3_599_999), Request::Cycle), Err(Error::CycleLimit { until: ms(3_600_000) }));
        seq.start(ms(3_600_000), Request::Cycle).unwrap();
        assert_eq!(seq.counters().cycles, 4);
        assert_eq!(seq.counters().refused, 2);
    }

    #[test]
    fn a_late_caller_never_shortens_the_off_time() {
        let mut seq = Sequencer::new(config(Switch::Pwrkey));
        seq.start(ms(0), Request::Cycle).unwrap();
        // Called very late, once: one step only, and the next deadline counts from now.
        seq.handle_timeout(ms(100_000));
        assert_eq!(seq.stage(), Stage::WaitingOff { until: ms(105_000) });
        seq.handle_timeout(ms(104_999));
        assert_eq!(seq.stage(), Stage::WaitingOff { until: ms(105_000) });
    }

    #[test]
    fn a_full_event_queue_counts_what_it_drops() {
        let mut seq = Sequencer::new(PowerConfig { max_cycles: 16, ..config(Switch::Pwrkey) });
        for i in 0..3 {
            let _ = seq.start(ms(i * 100_000), Request::Cycle);
            while let Some(t) = seq.poll_timeout() {
                seq.handle_timeout(t);
            }
        }
        assert_eq!(seq.counters().events_dropped, 3 * 6 - POWER_EVENT_CAPACITY as u32);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Op {
            Start(bool),
            Advance(u32),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![any::<bool>().prop_map(Op::Start), (0u32..40_000).prop_map(Op::Advance)]
        }

        proptest! {
            /// Whatever the caller does: the line is active only while switching, never for
            /// less than its time, cycles per window stay within the limit, and the line
            /// reported through poll_line is the line the sequencer holds.
            #[test]
            fn the_line_follows_the_stage(
                switch in prop_oneof![Just(Switch::Relay), Just(Switch::MosfetVbus), Just(Switch::Pwrkey)],
                ops in proptest::collection::vec(op(), 1..80),
            ) {
                let c = PowerConfig { switch, ..config(switch) };
                let mut seq = Sequencer::new(c);
                let mut now = ms(0);
                let mut line = false;
                let mut since = now;
                let mut starts = Vec::new();
                for op in ops {
                    match op {
                        Op::Start(on) => {
                            let request = if on { Request::PowerOn } else { Request::Cycle };
                            if seq.start(now, request).is_ok() {
                                starts.push(now);
                            }
                        }
                        Op::Advance(ms) => {
                            now += Duration::from_millis(u64::from(ms));
                            if seq.poll_timeout().is_some_and(|d| now.reached(d)) {
                                seq.handle_timeout(now);
                            }
                        }
                    }
                    if let Some(active) = seq.poll_line() {
                        prop_assert_ne!(active, line);
                        if line {
                            let held = now.saturating_duration_since(since);
                            let least = if switch == Switch::Pwrkey { c.pulse } else { c.off };
                            prop_assert!(held >= least, "held {:?}", held);
                        }
                        line = active;
                        since = now;
                    }
                    prop_assert_eq!(line, seq.line_active());
                    prop_assert_eq!(seq.line_active(), matches!(seq.stage(), Stage::SupplyCut { .. } | Stage::KeyPressed { .. }));
                    let recent = starts.iter().filter(|t| now.saturating_duration_since(**t) < c.window).count();
                    prop_assert!(recent <= usize::from(c.max_cycles));
                }
            }
        }
    }
}
