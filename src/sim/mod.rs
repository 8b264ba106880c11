//! A simulated GSM modem, sans-IO: the mirror image of the driver, for tests that need a modem
//! without hardware.
//!
//! Bytes from the host go in through [`Sim::handle_bytes`]; the bytes the modem sends come out
//! of [`Sim::poll_transmit`], each run when it is due. Time is an argument: [`Sim::poll_timeout`]
//! says when the simulator next wants [`Sim::handle_timeout`] (a boot finishing, a URC, a ring,
//! a `+CMGS` result after the network's delay, a status report). Power follows a pin
//! ([`Sim::set_power`]): off, the modem is silent and forgets its settings (the SIM keeps its
//! messages); on, it boots for the profile's boot time and then says its boot URCs.
//!
//! What it understands is the AT command set of TS 27.007 / 27.005 that SMS gateways use, with
//! each [`Profile`]'s quirks; an unknown command is answered `ERROR` like a real modem does and
//! reported through [`Sim::poll_unknown`]. Every SMS-SUBMIT the network accepts comes out of
//! [`Sim::poll_air`], decoded. Tests make the world happen with [`Sim::inject`] (incoming
//! messages, status reports, calls) and make the modem misbehave with [`Sim::set_fault`].
//!
//! ```
//! use smsgw::sim::{Profile, Sim};
//! use smsgw::time::Instant;
//!
//! let mut sim = Sim::new(Profile::Sim800, Instant::ZERO);
//! let t = Instant::from_millis(10_000);
//! sim.handle_timeout(t); // booted, boot URCs queued
//! while sim.poll_transmit(t).is_some() {}
//! sim.handle_bytes(t, b"ATE0\r");
//! let mut answer = Vec::new();
//! while let Some(bytes) = sim.poll_transmit(t) {
//!     answer.extend_from_slice(bytes);
//! }
//! assert_eq!(answer, b"ATE0\r\r\nOK\r\n");
//! ```

use core::fmt::{self, Write as _};
use core::time::Duration;

use crate::codec::at::{CmeCode, CmsCode};
use crate::codec::pdu::{Timestamp, MAX_PDU_OCTETS};
use crate::time::Instant;

mod air;
pub mod calendar;
pub mod command;
pub mod deliver;
mod events;
mod exec;
mod fault;
pub mod output;
pub mod profile;
pub mod rng;
pub mod storage;

pub use air::{AirEvent, AIR_TEXT_CAPACITY, RECIPIENT_CAPACITY};
pub use fault::{Fault, FaultKind, Faults};
pub use profile::Profile;
pub use storage::{Stat, SLOTS};

use deliver::PduBuf;
use output::{Output, Release};
use rng::Rng;
use storage::Storage;

/// Bytes from the host not yet read. A command line is at most [`COMMAND_LINE_CAPACITY`] and a PDU
/// [`BODY_CAPACITY`]; this holds both with room, for what arrives while a send is in flight
/// and the modem reads nothing.
pub const RX_CAPACITY: usize = 2048;

/// Longest command line: SIMCom documents 556 characters; long enough for `AT+CUSD` strings
/// and chained commands.
pub const COMMAND_LINE_CAPACITY: usize = 560;

/// Longest text after the SMS prompt: a PDU of [`MAX_PDU_OCTETS`] in hex (352 digits), or a
/// text-mode message of 160 characters of up to 3 bytes.
pub const BODY_CAPACITY: usize = 2 * MAX_PDU_OCTETS + 160;

/// Accepted parts not yet taken with [`Sim::poll_air`]; the oldest is dropped (and counted in
/// [`Stats::air_dropped`]) when a caller does not keep up.
pub const AIR_QUEUE: usize = 16;

/// Status reports waiting for their time: one per part sent with TP-SRR within the report
/// delay.
pub const REPORT_QUEUE: usize = 32;

/// Unknown commands not yet taken with [`Sim::poll_unknown`] (later ones are counted only).
pub const UNKNOWN_QUEUE: usize = 8;

/// URCs one command line may cause after its response (unlocking the SIM: three).
const AFTER_RESPONSE: usize = 4;

/// The service centre the SIM holds.
pub const SMSC: &str = "+491710760000";

/// The PIN the SIM asks for under [`Fault::PinRequired`].
pub const PIN: &str = "1234";

/// The network's name.
pub const OPERATOR: &str = "SimNet";

/// The network's MCC and MNC.
pub const OPERATOR_NUMERIC: &str = "26201";

/// Everything that can go wrong when asking the simulator to do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// The modem is off, booting or hung: it cannot take a message or a call now.
    NotReady,
    /// Every SIM slot is used; `needed` slots were needed.
    StorageFull { needed: usize },
    /// A call is already ringing.
    CallInProgress,
    /// Too many status reports already wait for their time.
    QueueFull,
    /// The text, a number or a PDU could not be encoded.
    Codec(crate::codec::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotReady => f.write_str("the modem is off, booting or hung"),
            Error::StorageFull { needed } => write!(f, "SIM storage full ({needed} slot(s) needed)"),
            Error::CallInProgress => f.write_str("a call is already ringing"),
            Error::QueueFull => f.write_str("too many status reports pending"),
            Error::Codec(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<crate::codec::Error> for Error {
    fn from(e: crate::codec::Error) -> Self {
        Error::Codec(e)
    }
}

/// How the simulated world behaves, beyond the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    pub profile: Profile,
    /// Seed of the generator behind probabilistic faults, garbage and split points.
    pub seed: u64,
    /// Power-on to ready; `None` takes the profile's.
    pub boot_ms: Option<u32>,
    /// What the modem's clock reads at the instant given to [`Sim::with_config`].
    pub start_time: Timestamp,
    /// From a message being sent to its status report.
    pub report_delay_ms: u32,
    /// TP-ST of the status reports (0 = delivered).
    pub report_status: u8,
    /// Between two `RING`s.
    pub ring_interval_ms: u32,
    /// Rings before the caller gives up (`NO CARRIER`).
    pub ring_limit: u8,
    /// `+CLIP` before `RING` (`Some(true)`) or after it; `None` takes the profile's order.
    pub clip_first: Option<bool>,
    /// From `AT+CUSD=1,…` to the `+CUSD` answer.
    pub ussd_delay_ms: u32,
}

impl Config {
    pub fn new(profile: Profile) -> Config {
        Config {
            profile,
            seed: 1,
            boot_ms: None,
            start_time: calendar::DEFAULT_START,
            report_delay_ms: 2_000,
            report_status: 0,
            ring_interval_ms: 3_000,
            ring_limit: 5,
            clip_first: None,
            ussd_delay_ms: 1_500,
        }
    }
}

/// Whether the modem is on and answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PowerState {
    Off,
    /// On, not answering yet.
    Booting,
    Ready,
    /// On, answering nothing until the power is cycled.
    Hung,
}

impl PowerState {
    pub fn name(self) -> &'static str {
        match self {
            PowerState::Off => "off",
            PowerState::Booting => "booting",
            PowerState::Ready => "ready",
            PowerState::Hung => "hung",
        }
    }
}

/// Counters since the simulator was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stats {
    /// Command lines executed.
    pub commands: u32,
    /// Commands answered `ERROR` because they are unknown.
    pub unknown: u32,
    /// Parts the network accepted.
    pub sent: u32,
    /// `AT+CMGS` answered with an error.
    pub send_failed: u32,
    /// Messages (parts) delivered to the host, stored or direct.
    pub received: u32,
    pub reports: u32,
    pub rings: u32,
    /// Responses swallowed by [`Fault::Drop`].
    pub dropped: u32,
    /// Air events lost because nobody took them.
    pub air_dropped: u32,
    /// Bytes from the host refused because the receive buffer was full.
    pub rx_refused: u64,
    pub boots: u32,
}

/// A snapshot for a status display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Status {
    pub profile: Profile,
    pub power: PowerState,
    pub faults: Faults,
    pub stats: Stats,
    pub stored: usize,
    pub echo: bool,
    pub text_mode: bool,
    pub ringing: bool,
    /// Boot URCs still to come: the modem has not finished announcing itself.
    pub boot_urcs_pending: bool,
    /// Bytes queued for the host.
    pub tx_pending: usize,
    /// Bytes lost to a full transmit queue.
    pub tx_overflowed: u64,
}

/// Something that happens to the modem from the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Injection<'a> {
    /// A message arrives: split into parts (concatenated when long) and delivered as CNMI says.
    Sms { from: &'a str, text: &'a str, flash: bool },
    /// A status report arrives, as if for a message sent with TP-MR `message_ref`.
    StatusReport { recipient: &'a str, message_ref: u8, status: u8 },
    /// Someone calls; `None` is a withheld number.
    Call { from: Option<&'a str> },
    /// A message exactly as the network hands it over: an SMS-DELIVER PDU, SMSC field first. How
    /// tests deliver the parts of a long message out of order, with 16-bit references, twice.
    Pdu { octets: &'a [u8] },
}

/// Settings the host changes with AT commands; forgotten at power-off and by `ATZ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settings {
    echo: bool,
    cmee: u8,
    text_mode: bool,
    /// `<mode>,<mt>,<bm>,<ds>,<bfr>` of `AT+CNMI`.
    cnmi: [u8; 5],
    clip: bool,
    crc: bool,
    creg: u8,
    cgreg: u8,
    cereg: u8,
    /// Huawei's periodic URCs on (`AT^CURC=1`).
    curc: bool,
    charset: Charset,
    csms: u8,
    cfun: u8,
    /// `AT+CSMP` first octet and validity, used for text-mode sends.
    csmp_fo: u8,
    csmp_vp: u8,
    cops_format: u8,
}

impl Settings {
    fn defaults(profile: Profile) -> Settings {
        Settings {
            echo: true,
            cmee: 0,
            text_mode: false,
            cnmi: [0, 0, 0, 0, 0],
            clip: false,
            crc: false,
            creg: 0,
            cgreg: 0,
            cereg: 0,
            curc: profile == Profile::Huawei,
            charset: Charset::Gsm,
            csms: 0,
            cfun: 1,
            csmp_fo: 17,
            csmp_vp: 167,
            cops_format: 0,
        }
    }
}

/// `AT+CSCS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Gsm,
    Ira,
    Ucs2,
}

impl Charset {
    fn name(self) -> &'static str {
        match self {
            Charset::Gsm => "GSM",
            Charset::Ira => "IRA",
            Charset::Ucs2 => "UCS2",
        }
    }
}

/// What the bytes from the host are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    /// A command line.
    Command,
    /// A PDU after `AT+CMGS=<tpdu_len>` and the prompt.
    Pdu { tpdu_len: usize },
    /// A text after `AT+CMGS="<destination>"` (text mode).
    Text { destination: heapless::String<RECIPIENT_CAPACITY> },
}

/// A final result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Error,
    Cme(u16),
    Cms(u16),
    NoCarrier,
}

/// A part between `AT+CMGS` and its result.
#[derive(Debug, Clone, PartialEq, Eq)]
struct InFlight {
    pdu: PduBuf,
    /// The assigned TP-MR, or the `+CMS ERROR` code it will fail with.
    result: Result<u8, u16>,
}

/// A status report waiting for its time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingReport {
    due: Instant,
    message_ref: u8,
    recipient: heapless::String<RECIPIENT_CAPACITY>,
    submitted: Timestamp,
    status: u8,
}

/// An incoming call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    from: Option<heapless::String<RECIPIENT_CAPACITY>>,
    rings: u8,
}

/// Every deadline of the simulator, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Timers {
    /// Booting completes.
    boot: Option<Instant>,
    /// The next boot URC is due (`Sim::boot_urc` says which).
    boot_urc: Option<Instant>,
    periodic: [Option<Instant>; profile::MAX_PERIODIC],
    flood: Option<Instant>,
    ring: Option<Instant>,
    /// The `+CMGS` result of the part in flight.
    send_result: Option<Instant>,
    ussd: Option<Instant>,
    /// `AT+CFUN=1,1` restarts the modem once its `OK` is out.
    reboot: Option<Instant>,
}

impl Timers {
    fn next(&self) -> Option<Instant> {
        [self.boot, self.boot_urc, self.flood, self.ring, self.send_result, self.ussd, self.reboot]
            .into_iter()
            .chain(self.periodic)
            .flatten()
            .min()
    }
}

/// The simulated modem. See the [module docs](self).
#[derive(Debug)]
pub struct Sim {
    config: Config,
    origin: Instant,
    power: PowerState,
    settings: Settings,
    /// The SIM has been given its PIN since it last asked.
    pin_entered: bool,
    input: Input,
    line: heapless::Vec<u8, COMMAND_LINE_CAPACITY>,
    line_overflow: bool,
    body: heapless::Vec<u8, BODY_CAPACITY>,
    body_overflow: bool,
    /// The last command line, for `A/`.
    last_line: heapless::Vec<u8, COMMAND_LINE_CAPACITY>,
    rx: heapless::Deque<u8, RX_CAPACITY>,
    out: Output,
    /// Echoed bytes are in `out`'s open run, not yet committed.
    echo_open: bool,
    timers: Timers,
    /// When booting last completed: boot URCs are timed from it.
    ready_at: Instant,
    boot_urc: usize,
    storage: Storage,
    faults: Faults,
    rng: Rng,
    next_mr: u8,
    in_flight: Option<InFlight>,
    reports: heapless::Deque<PendingReport, REPORT_QUEUE>,
    call: Option<Call>,
    ussd: heapless::String<64>,
    air: heapless::Deque<AirEvent, AIR_QUEUE>,
    unknown: heapless::Deque<heapless::String<64>, UNKNOWN_QUEUE>,
    csca: heapless::String<RECIPIENT_CAPACITY>,
    next_concat_ref: u8,
    /// URCs a command causes, sent after its response.
    after_response: heapless::Vec<&'static str, AFTER_RESPONSE>,
    /// The registration changed during a command: `+CREG` URCs follow its response.
    announce_registration: bool,
    stats: Stats,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Sim {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Sim {{ profile: {}, power: {} }}", self.config.profile, self.power);
    }
}

impl Sim {
    /// A modem of `profile`, powered on at `now` (it answers once booted).
    pub fn new(profile: Profile, now: Instant) -> Sim {
        Sim::with_config(Config::new(profile), now)
    }

    pub fn with_config(config: Config, now: Instant) -> Sim {
        let mut sim = Sim {
            config,
            origin: now,
            power: PowerState::Off,
            settings: Settings::defaults(config.profile),
            pin_entered: false,
            input: Input::Command,
            line: heapless::Vec::new(),
            line_overflow: false,
            body: heapless::Vec::new(),
            body_overflow: false,
            last_line: heapless::Vec::new(),
            rx: heapless::Deque::new(),
            out: Output::default(),
            echo_open: false,
            timers: Timers::default(),
            ready_at: now,
            boot_urc: 0,
            storage: Storage::default(),
            faults: Faults::default(),
            rng: Rng::new(config.seed),
            next_mr: 0,
            in_flight: None,
            reports: heapless::Deque::new(),
            call: None,
            ussd: heapless::String::new(),
            air: heapless::Deque::new(),
            unknown: heapless::Deque::new(),
            csca: heapless::String::new(),
            next_concat_ref: 0,
            after_response: heapless::Vec::new(),
            announce_registration: false,
            stats: Stats::default(),
        };
        sim.set_power(now, true);
        sim
    }

    pub fn profile(&self) -> Profile {
        self.config.profile
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes the delay and TP-ST of the status reports to come.
    /// How calls to come ring: the order of `+CLIP` and `RING`, their interval, and the rings
    /// before the caller gives up.
    pub fn set_calls(&mut self, clip_first: Option<bool>, ring_interval_ms: u32, ring_limit: u8) {
        self.config.clip_first = clip_first;
        self.config.ring_interval_ms = ring_interval_ms;
        self.config.ring_limit = ring_limit;
    }

    pub fn set_reports(&mut self, delay_ms: u32, status: u8) {
        self.config.report_delay_ms = delay_ms;
        self.config.report_status = status;
    }

    pub fn power(&self) -> PowerState {
        self.power
    }

    pub fn status(&self) -> Status {
        Status {
            profile: self.config.profile,
            power: self.power,
            faults: self.faults,
            stats: self.stats,
            stored: self.storage.used(),
            echo: self.settings.echo,
            text_mode: self.settings.text_mode,
            ringing: self.call.is_some(),
            boot_urcs_pending: self.timers.boot.is_some() || self.timers.boot_urc.is_some(),
            tx_pending: self.out.pending(),
            tx_overflowed: self.out.overflowed(),
        }
    }

    /// The SIM's storage, for tests to look into.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Bytes from the host. Returns how many were taken: all of them, unless the receive
    /// buffer is full while the modem is busy sending (the caller offers the rest later).
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) -> usize {
        if self.power != PowerState::Ready {
            // Off, booting or hung: the UART drops what arrives.
            return bytes.len();
        }
        let mut taken = 0;
        for &b in bytes {
            if self.rx.push_back(b).is_err() {
                break;
            }
            taken += 1;
        }
        self.stats.rx_refused += (bytes.len() - taken) as u64;
        self.read_rx(now);
        taken
    }

    /// The next bytes for the host that are due by `now`: one write's worth.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<&[u8]> {
        self.out.poll(now)
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next wanted or a byte is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let report = self.reports.front().map(|r| r.due).filter(|_| self.power == PowerState::Ready);
        [self.timers.next(), report, self.out.next_due()].into_iter().flatten().min()
    }

    /// Fires every timer due by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Each pass fires what is due; firing may arm timers that are due at once.
        for _ in 0..64 {
            if !self.fire_one(now) {
                break;
            }
        }
        self.read_rx(now);
    }

    /// Switches the supply. Off: silent, settings and queued output forgotten (the SIM keeps
    /// its messages). On: boots, then answers.
    pub fn set_power(&mut self, now: Instant, on: bool) {
        if on && self.power != PowerState::Off {
            return;
        }
        self.reset_volatile();
        if on {
            self.power = PowerState::Booting;
            let boot = self.config.boot_ms.unwrap_or(self.config.profile.spec().boot_ms);
            self.timers.boot = Some(now + Duration::from_millis(u64::from(boot)));
        } else {
            self.power = PowerState::Off;
        }
    }

    /// Makes something happen to the modem from outside.
    pub fn inject(&mut self, now: Instant, injection: Injection<'_>) -> Result<(), Error> {
        if self.power != PowerState::Ready {
            return Err(Error::NotReady);
        }
        match injection {
            Injection::Sms { from, text, flash } => self.receive_sms(now, from, text, flash),
            Injection::StatusReport { recipient, message_ref, status } => {
                let submitted = self.clock(now);
                self.receive_report(now, recipient, message_ref, submitted, status)
            }
            Injection::Call { from } => self.incoming_call(now, from),
            Injection::Pdu { octets } => self.receive_pdu(now, octets),
        }
    }

    /// Switches a fault on (one-shot faults act at once).
    pub fn set_fault(&mut self, now: Instant, fault: Fault) {
        match fault {
            Fault::Hang => {
                if self.power != PowerState::Off {
                    self.reset_volatile();
                    self.power = PowerState::Hung;
                }
            }
            Fault::Reboot => {
                if self.power != PowerState::Off {
                    self.power = PowerState::Off;
                    self.set_power(now, true);
                }
            }
            Fault::Garbage { len, nul } => {
                if self.power == PowerState::Ready {
                    self.flush_echo(now);
                    for _ in 0..len {
                        let b = if nul { 0 } else { self.rng.below(256) as u8 };
                        self.out.write(&[b]);
                    }
                    self.out.commit(Release { due: now, split: self.faults.split }, &mut self.rng);
                }
            }
            Fault::Drop { responses } => self.faults.drop = responses,
            Fault::Delay { ms } => self.faults.delay_ms = ms,
            Fault::CmsError { code, permille } => self.faults.cms = Some((code, permille.min(1000))),
            Fault::NoNetwork => {
                if !self.faults.no_network {
                    self.faults.no_network = true;
                    self.registration_changed(now);
                }
            }
            Fault::PinRequired => {
                self.faults.pin = true;
                self.pin_entered = false;
            }
            Fault::Flood { hz } => {
                self.faults.flood_hz = hz;
                self.timers.flood = (hz > 0 && self.power == PowerState::Ready).then(|| now + self.flood_period());
            }
            Fault::Split => self.faults.split = true,
            Fault::Pace => {
                self.faults.pace = true;
                self.out.set_paced(true);
            }
            Fault::NetworkDelay { ms } => self.faults.network_delay_ms = ms,
        }
    }

    /// Switches a lasting fault off.
    pub fn clear_fault(&mut self, now: Instant, kind: FaultKind) {
        let was_offline = self.faults.no_network;
        self.faults.clear(kind);
        match kind {
            FaultKind::Pace => self.out.set_paced(false),
            FaultKind::Flood => self.timers.flood = None,
            FaultKind::NoNetwork if was_offline => self.registration_changed(now),
            _ => {}
        }
    }

    /// Switches every lasting fault off.
    pub fn clear_faults(&mut self, now: Instant) {
        for kind in [
            FaultKind::Drop,
            FaultKind::Delay,
            FaultKind::CmsError,
            FaultKind::NoNetwork,
            FaultKind::PinRequired,
            FaultKind::Flood,
            FaultKind::Split,
            FaultKind::Pace,
            FaultKind::NetworkDelay,
        ] {
            self.clear_fault(now, kind);
        }
    }

    /// The next part the network accepted, oldest first.
    pub fn poll_air(&mut self) -> Option<AirEvent> {
        self.air.pop_front()
    }

    /// The next command the modem did not know (as sent, cut to 64 bytes), oldest first.
    pub fn poll_unknown(&mut self) -> Option<heapless::String<64>> {
        self.unknown.pop_front()
    }

    // ---- internals shared by the submodules ----

    /// Forgets everything but the SIM, the faults and the counters.
    fn reset_volatile(&mut self) {
        self.settings = Settings::defaults(self.config.profile);
        self.pin_entered = false;
        self.input = Input::Command;
        self.line.clear();
        self.line_overflow = false;
        self.body.clear();
        self.body_overflow = false;
        self.rx.clear();
        self.out.clear();
        self.out.set_paced(self.faults.pace);
        self.echo_open = false;
        self.timers = Timers::default();
        self.boot_urc = 0;
        self.in_flight = None;
        self.reports.clear();
        self.call = None;
        self.csca.clear();
        let _ = self.csca.push_str(SMSC);
        self.after_response.clear();
        self.announce_registration = false;
    }

    fn clock(&self, now: Instant) -> Timestamp {
        calendar::at(&self.config.start_time, self.origin, now)
    }

    fn sim_locked(&self) -> bool {
        self.faults.pin && !self.pin_entered
    }

    fn registered(&self) -> bool {
        !self.faults.no_network && self.settings.cfun == 1
    }

    fn flood_period(&self) -> Duration {
        Duration::from_millis((1000 / u64::from(self.faults.flood_hz.max(1))).max(1))
    }

    /// The host is in the middle of something: URCs wait (V.250 buffers them while a command
    /// runs), and so do further commands while a send is in flight.
    fn busy(&self) -> bool {
        self.in_flight.is_some() || self.input != Input::Command
    }

    /// Commits the echo written so far as its own run.
    fn flush_echo(&mut self, now: Instant) {
        if self.echo_open {
            self.echo_open = false;
            self.out.commit(Release { due: now, split: false }, &mut self.rng);
        }
    }

    /// Writes one information line of a response.
    fn info(&mut self, args: fmt::Arguments<'_>) {
        self.out.write(b"\r\n");
        let _ = self.out.write_fmt(args);
        self.out.write(b"\r\n");
    }

    /// Writes a final result code, in the form `AT+CMEE` asks for.
    fn final_code(&mut self, outcome: Outcome) {
        let cmee = self.settings.cmee;
        match outcome {
            Outcome::Ok => self.info(format_args!("OK")),
            Outcome::Error => self.info(format_args!("ERROR")),
            Outcome::NoCarrier => self.info(format_args!("NO CARRIER")),
            Outcome::Cme(_) if cmee == 0 => self.info(format_args!("ERROR")),
            Outcome::Cme(code) => match CmeCode(code).meaning().filter(|_| cmee == 2) {
                Some(text) => self.info(format_args!("+CME ERROR: {text}")),
                None => self.info(format_args!("+CME ERROR: {code}")),
            },
            Outcome::Cms(code) => match CmsCode(code).meaning().filter(|_| cmee == 2) {
                Some(text) => self.info(format_args!("+CMS ERROR: {text}")),
                None => self.info(format_args!("+CMS ERROR: {code}")),
            },
        }
    }

    /// Releases the response written since the last commit, as the faults say: swallowed,
    /// delayed, split.
    fn commit_response(&mut self, now: Instant) {
        if self.faults.drop > 0 {
            self.faults.drop -= 1;
            self.stats.dropped += 1;
            self.out.discard();
            return;
        }
        let due = now + Duration::from_millis(u64::from(self.faults.delay_ms));
        self.out.commit(Release { due, split: self.faults.split }, &mut self.rng);
    }

    /// Sends one URC line now (written and committed on its own).
    fn urc(&mut self, now: Instant, args: fmt::Arguments<'_>) {
        self.flush_echo(now);
        self.info(args);
        self.out.commit(Release { due: now, split: self.faults.split }, &mut self.rng);
    }
}

#[cfg(test)]
mod tests;
