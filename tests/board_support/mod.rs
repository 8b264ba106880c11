//! The gateway's modem side in one test rig: the modem driver, the simulated modem and the
//! simulated board, on a clock the rig advances from deadline to deadline.
//!
//! The simulated modem's supply follows the board's power line (`Sim::set_power`), its port
//! opens once it has booted (a USB modem's tty appears when its firmware is up) and closes
//! when the supply is cut. The rig plays the gateway: it hands queued parts to the driver,
//! requeues parts that failed for now, passes `PowerCycle` and `UsbReset` to the board and
//! shows the driver's state on the LEDs.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use smsgw::board::leds::{patterns, LedPatterns};
use smsgw::board::{pattern, GatewayView, Line, PowerEvent, Queue};
use smsgw::codec::encoding::{self, Options, RefBits};
use smsgw::codec::pdu::{self, Concat, Part, SubmitParams, MAX_PDU_OCTETS};
use smsgw::codec::segment;
use smsgw::linux::board::{Board, BoardConfig, SimClock};
use smsgw::modem::{Config, DeviceEvent, Driver, Event, Failure, OutgoingPart, PartId, Phase};
use smsgw::sim::{self, AirEvent, PowerState, Profile, Sim};
use smsgw::time::Instant;

pub const RECIPIENT: &str = "+4915112345678";

/// `board/sim.toml`, with `change` applied to its text.
pub fn sim_board_config(change: impl FnOnce(String) -> String) -> BoardConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("board/sim.toml");
    BoardConfig::parse(&change(std::fs::read_to_string(path).unwrap())).unwrap()
}

/// The parts of `text`, encoded as the gateway would, ids from `first_id`.
pub fn encode_parts(text: &str, first_id: u64) -> Vec<OutgoingPart> {
    let opts = Options { ref_bits: RefBits::Eight, ..Options::default() };
    let plan = encoding::plan(text, &opts).unwrap();
    let pieces: Vec<&str> = segment::split(text, &plan).collect();
    let total = pieces.len() as u8;
    let params = SubmitParams { destination: RECIPIENT, ..Default::default() };
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let concat =
                (total > 1).then(|| Concat { reference: 42, ref_bits: RefBits::Eight, seq: i as u8 + 1, total });
            let mut buf = [0u8; MAX_PDU_OCTETS];
            let encoded =
                pdu::encode_submit(&params, &Part { text: piece, encoding: plan.encoding, concat }, &mut buf).unwrap();
            OutgoingPart::new(PartId(first_id + i as u64), &encoded, RECIPIENT).unwrap()
        })
        .collect()
}

pub struct Rig {
    pub driver: Driver,
    pub sim: Sim,
    pub board: Board,
    pub clock: SimClock,
    pub now: Instant,
    /// Everything the driver said, with the time.
    pub events: Vec<(Instant, Event)>,
    /// Everything the board's power sequence did.
    pub power: Vec<(Instant, PowerEvent)>,
    /// Every part that went on the air.
    pub air: Vec<AirEvent>,
    /// Parts waiting for the driver, in order.
    pub queue: VecDeque<OutgoingPart>,
    /// The part the driver has.
    pub in_driver: Option<OutgoingPart>,
    /// Parts the driver reported sent, with the time.
    pub sent: Vec<(Instant, PartId)>,
    /// Parts that failed for good or with an unknown outcome.
    pub lost: Vec<(PartId, Failure)>,
    /// Switching the supply on does nothing: the modem is dead.
    pub dead: bool,
    /// The modem hangs the moment this part is handed to the driver, before any of its bytes
    /// reach the modem.
    pub hang_at: Option<PartId>,
    /// When it hung.
    pub hung_at: Option<Instant>,
    supply_on: bool,
    port_open: bool,
    /// A PWRKEY module's own power state: each completed press toggles it.
    key_on: bool,
    key_pressed: bool,
}

impl Rig {
    /// A rig with the simulated `profile` and the board `config` (simulated pins), the modem
    /// powered and its port open once it has booted.
    pub fn new(profile: Profile, config: &BoardConfig) -> Rig {
        let clock = SimClock::manual();
        let board = Board::simulated(config, clock.clone()).unwrap();
        let mut driver_config = Config::new(config.family());
        driver_config.timings = config.modem_timings();
        Rig {
            driver: Driver::new(driver_config, Instant::ZERO),
            sim: Sim::new(profile, Instant::ZERO),
            board,
            clock,
            now: Instant::ZERO,
            events: Vec::new(),
            power: Vec::new(),
            air: Vec::new(),
            queue: VecDeque::new(),
            in_driver: None,
            sent: Vec::new(),
            lost: Vec::new(),
            dead: false,
            hang_at: None,
            hung_at: None,
            supply_on: true,
            port_open: false,
            key_on: true,
            key_pressed: false,
        }
    }

    /// Runs until the driver is ready (or `limit` passes).
    pub fn ready(profile: Profile, config: &BoardConfig) -> Rig {
        let mut rig = Rig::new(profile, config);
        rig.run_until(Duration::from_secs(120), |r| r.driver.status().phase == Phase::Ready);
        assert_eq!(rig.driver.status().phase, Phase::Ready, "{:?}", rig.events);
        rig
    }

    /// The queue as the LEDs see it.
    pub fn queue_view(&self) -> Queue {
        Queue::from_counts(self.queue.len() as u32, self.in_driver.is_some(), true)
    }

    pub fn view(&self) -> GatewayView {
        GatewayView::from_modem(self.driver.status(), self.queue_view())
    }

    pub fn led_patterns(&self) -> LedPatterns {
        patterns(&self.view())
    }

    /// Moves everything that can move at `self.now`, until nothing does.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            if let Some(tx) = self.driver.poll_transmit() {
                let tx = tx.to_vec();
                self.sim.handle_bytes(self.now, &tx);
                moved = true;
            }
            while let Some(bytes) = self.sim.poll_transmit(self.now) {
                let bytes = bytes.to_vec();
                self.driver.handle_bytes(self.now, &bytes);
                moved = true;
            }
            while let Some(air) = self.sim.poll_air() {
                self.air.push(air);
            }
            while let Some(e) = self.driver.poll_event() {
                self.on_event(e);
                moved = true;
            }
            while let Some(e) = self.board.poll_event() {
                self.power.push((self.now, e));
                moved = true;
            }
            moved |= self.follow_power();
            if self.in_driver.is_none() && self.driver.can_send().is_ok() {
                if let Some(part) = self.queue.pop_front() {
                    if self.hang_at == Some(part.id) && self.hung_at.is_none() {
                        self.hang();
                    }
                    self.driver.send(self.now, part.clone()).unwrap();
                    self.in_driver = Some(part);
                    moved = true;
                }
            }
            if !moved {
                let levels = pattern(&self.view(), self.now);
                self.board.set_leds(levels).unwrap();
                return;
            }
        }
        panic!("no quiet moment at {:?}", self.now);
    }

    fn on_event(&mut self, e: Event) {
        match &e {
            Event::PowerCycle | Event::UsbReset => {
                // Refusals (the cycle limit) are in the power log; the driver's ladder goes on.
                let _ = self.board.handle_event(self.now, &e);
            }
            Event::PartSent { id, .. } => {
                self.sent.push((self.now, *id));
                self.in_driver = None;
            }
            Event::PartFailed { id, failure } => {
                let part = self.in_driver.take();
                match failure {
                    // Back to the head of the queue: the parts of a message go out in order.
                    Failure::Temporary(_) => {
                        if let Some(part) = part {
                            self.queue.push_front(part);
                        }
                    }
                    _ => self.lost.push((*id, *failure)),
                }
            }
            _ => {}
        }
        self.events.push((self.now, e));
    }

    /// The modem's supply follows the power line; its port comes with its firmware.
    fn follow_power(&mut self) -> bool {
        let mut moved = false;
        let supply = match self.board.supply_on() {
            Some(on) => on,
            // A PWRKEY: the module switches on or off when a press ends.
            None => {
                let pressed = self.board.line_active(Line::Power).unwrap_or(false);
                if self.key_pressed && !pressed {
                    self.key_on = !self.key_on;
                }
                self.key_pressed = pressed;
                self.key_on
            }
        };
        if supply != self.supply_on {
            self.supply_on = supply;
            if !supply {
                self.sim.set_power(self.now, false);
                if self.port_open {
                    self.port_open = false;
                    self.driver.handle_device(self.now, DeviceEvent::Closed);
                }
            } else if !self.dead {
                self.sim.set_power(self.now, true);
            }
            moved = true;
        }
        let up = matches!(self.sim.power(), PowerState::Ready | PowerState::Hung);
        if up && !self.port_open {
            self.port_open = true;
            self.driver.handle_device(self.now, DeviceEvent::Opened);
            moved = true;
        }
        moved
    }

    /// Runs for at most `limit`, stopping early once `done` holds after a step.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Rig) -> bool) {
        let end = self.now + limit;
        for _ in 0..1_000_000 {
            self.settle();
            if done(self) {
                return;
            }
            let next = [self.driver.poll_timeout(), self.sim.poll_timeout(), self.board.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(t) = next.filter(|t| *t <= end) else {
                self.advance(end);
                return;
            };
            self.advance(self.now.max(t));
            if self.driver.poll_timeout().is_some_and(|d| self.now.reached(d)) {
                self.driver.handle_timeout(self.now);
            }
            if self.sim.poll_timeout().is_some_and(|d| self.now.reached(d)) {
                self.sim.handle_timeout(self.now);
            }
            if self.board.poll_timeout().is_some_and(|d| self.now.reached(d)) {
                self.board.handle_timeout(self.now).unwrap();
            }
        }
        panic!("no end in sight at {:?}", self.now);
    }

    pub fn run(&mut self, span: Duration) {
        self.run_until(span, |_| false);
    }

    fn advance(&mut self, t: Instant) {
        self.now = t;
        self.clock.set(t);
    }

    /// Makes the simulated modem hang now.
    pub fn hang(&mut self) {
        self.hung_at = Some(self.now);
        self.sim.set_fault(self.now, sim::Fault::Hang);
    }

    /// The driver's events of one kind.
    pub fn count(&self, f: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|(_, e)| f(e)).count()
    }
}

/// The recovery ladder's configured bound: the sum of its steps' waits (each step's own wait,
/// then the `AT` probes that ask whether the modem is back).
pub fn ladder_bound(driver: &Driver) -> Duration {
    let config = driver.config();
    let t = config.timings;
    let probes = t.probe * u32::from(t.probe_attempts);
    let resync = t.guard + probes;
    let soft_reset = t.boot + probes;
    let usb_reset = if config.ladder.usb_reset { t.reenumerate + probes } else { Duration::ZERO };
    let power_cycle = t.reenumerate + probes;
    resync + soft_reset + usb_reset + power_cycle
}

/// From the hang to the first part sent after it.
pub fn outage(rig: &Rig) -> Option<Duration> {
    let hung = rig.hung_at?;
    rig.sent.iter().find(|(t, _)| *t > hung).map(|(t, _)| t.saturating_duration_since(hung))
}
