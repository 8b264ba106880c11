//! What the driver knows about the modem, for the status page, the LEDs and the logs.

use core::fmt;

use heapless::{String, Vec};

use super::Error;

/// Characters kept for the manufacturer, model and revision texts. The longest seen from common
/// modules (`+CGMR` of Quectel and SIMCom firmware, e.g. `Revision:LE20B04SIM7600M22` or
/// `EC25EFAR06A08M4G_01.001.01.001`) is about 32; room for half as much again.
pub const TEXT_CHARS: usize = 48;
/// IMEI (15 digits) or IMEISV (16).
pub const IMEI_CHARS: usize = 16;
/// IMSI: at most 15 digits (TS 23.003 §2.2).
pub const IMSI_CHARS: usize = 15;
/// ICCID: 19 or 20 digits (ITU-T E.118), some modems print a trailing `F` filler.
pub const ICCID_CHARS: usize = 22;
/// Operator name: 16 characters in the long alphanumeric format (TS 27.007 §7.3), 64 when a
/// modem prints it as UCS-2 hex.
pub const OPERATOR_CHARS: usize = 64;
/// `<lac>`/`<tac>` (4 or 6 hex digits) and `<ci>` (up to 8 hex digits for a 28-bit E-UTRAN cell).
pub const CELL_CHARS: usize = 8;
/// Optional commands a modem may refuse, each recorded once: every optional command the driver
/// sends fits (there are fewer than 16).
pub const REFUSED_CAPACITY: usize = 16;

/// A fault that stops the driver until a person acts (or, for some, a new device appears).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Fault {
    /// The SIM refused the configured PIN, or still asked for it after it was entered, or an
    /// earlier entry's result was never seen. The PIN is never entered again without
    /// [`Driver::reset`](super::Driver::reset): each wrong try brings the SIM closer to PUK lock.
    WrongPin,
    /// The SIM asks for a PIN and none is configured.
    PinRequired,
    /// The SIM is blocked and asks for its PUK.
    PukRequired,
    /// No SIM is inserted.
    NoSim,
    /// The SIM failed or did not become ready.
    SimFailure,
    /// The SIM asks for a code other than its PIN (`PH-SIM PIN`, network lock, …).
    SimLocked,
    /// The modem did not come back after the whole recovery ladder, several times.
    ModemDead,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::WrongPin => "the SIM did not accept the configured PIN",
            Fault::PinRequired => "the SIM needs a PIN and none is configured",
            Fault::PukRequired => "the SIM is blocked and needs its PUK",
            Fault::NoSim => "no SIM inserted",
            Fault::SimFailure => "the SIM failed",
            Fault::SimLocked => "the SIM needs an unlock code other than its PIN",
            Fault::ModemDead => "the modem does not answer, even after power cycles",
        })
    }
}

/// The steps of the recovery ladder, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RecoveryStep {
    /// ESC, then `AT` retries.
    Resync,
    /// `AT+CFUN=1,1`, then waiting for the modem to boot.
    SoftReset,
    /// The Linux shell resets the USB port ([`Event::UsbReset`](super::Event::UsbReset)).
    UsbReset,
    /// The board switches the modem's power off and on
    /// ([`Event::PowerCycle`](super::Event::PowerCycle)).
    PowerCycle,
}

impl RecoveryStep {
    /// Every step, in ladder order.
    pub const ALL: [RecoveryStep; 4] =
        [RecoveryStep::Resync, RecoveryStep::SoftReset, RecoveryStep::UsbReset, RecoveryStep::PowerCycle];

    /// The step after this one; `usb_reset` says whether the USB reset step is on.
    pub fn next(self, usb_reset: bool) -> Option<RecoveryStep> {
        match self {
            RecoveryStep::Resync => Some(RecoveryStep::SoftReset),
            RecoveryStep::SoftReset if usb_reset => Some(RecoveryStep::UsbReset),
            RecoveryStep::SoftReset | RecoveryStep::UsbReset => Some(RecoveryStep::PowerCycle),
            RecoveryStep::PowerCycle => None,
        }
    }

    /// Position in [`RecoveryStep::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the driver is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Phase {
    /// No serial port is open.
    WaitingForDevice,
    /// Waking the modem and configuring it.
    Initialising,
    /// Initialised; no part is being sent.
    Ready,
    /// Initialised; a part is being sent.
    Sending,
    /// Bringing a hung modem back.
    Recovering(RecoveryStep),
    /// Stopped; see [`Fault`].
    Faulted(Fault),
}

/// Who the modem and its SIM are, as they said during initialisation. `None` where the modem
/// refused the command or the answer did not fit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Identity {
    /// `AT+CGMI`.
    pub manufacturer: Option<String<TEXT_CHARS>>,
    /// `AT+CGMM`.
    pub model: Option<String<TEXT_CHARS>>,
    /// `AT+CGMR`.
    pub revision: Option<String<TEXT_CHARS>>,
    /// `AT+CGSN`.
    pub imei: Option<String<IMEI_CHARS>>,
    /// `AT+CIMI`.
    pub imsi: Option<String<IMSI_CHARS>>,
    /// `AT+CCID`, `AT+QCCID`, `AT^ICCID?` or `AT+ICCID`.
    pub iccid: Option<String<ICCID_CHARS>>,
    /// `AT+COPS?`.
    pub operator: Option<String<OPERATOR_CHARS>>,
}

/// Signal strength on the `+CSQ` scale (TS 27.007 §8.5): 0…31, 99 not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Signal {
    pub csq: u8,
}

/// A word for a signal strength, as the status LEDs and page show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SignalQuality {
    /// No signal or not known.
    None,
    /// -111…-97 dBm: SMS may fail.
    Poor,
    /// -95…-85 dBm.
    Fair,
    /// -83…-75 dBm.
    Good,
    /// -73 dBm and better.
    Excellent,
}

impl Signal {
    /// Not known (`99`).
    pub const UNKNOWN: Signal = Signal { csq: 99 };

    /// dBm: `-113 + 2 n` for 0…31 (0 is -113 or less, 31 is -51 or more); `None` when unknown.
    pub fn dbm(self) -> Option<i16> {
        (self.csq <= 31).then(|| -113 + 2 * i16::from(self.csq))
    }

    /// The word for this strength: thresholds at CSQ 2, 10, 15 and 20.
    pub fn quality(self) -> SignalQuality {
        match self.csq {
            20..=31 => SignalQuality::Excellent,
            15..=19 => SignalQuality::Good,
            10..=14 => SignalQuality::Fair,
            2..=9 => SignalQuality::Poor,
            _ => SignalQuality::None,
        }
    }

    /// Converts a Huawei `^HCSQ` RSSI (0…96, where n means -121 + n dBm, 255 unknown) to the
    /// `+CSQ` scale.
    pub fn from_hcsq_rssi(rssi: u8) -> Signal {
        if rssi > 96 {
            return Signal::UNKNOWN;
        }
        let dbm = -121 + i16::from(rssi);
        // (dbm + 113) / 2, clamped to 0…31; the cast cannot truncate after the clamp.
        Signal { csq: ((dbm + 113).div_euclid(2)).clamp(0, 31) as u8 }
    }
}

/// Circuit-switched registration `<stat>` (TS 27.007 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RegState {
    /// 0: not registered, not searching.
    NotRegistered,
    /// 1: registered, home network.
    Home,
    /// 2: not registered, searching.
    Searching,
    /// 3: registration denied.
    Denied,
    /// 4: unknown (e.g. out of coverage).
    Unknown,
    /// 5: registered, roaming.
    Roaming,
    /// 6, 7, 9, 10: registered for SMS only or with CSFB not preferred; the number tells which.
    SmsOnly(u8),
    /// Any other value (8: emergency services only, …).
    Other(u8),
}

impl RegState {
    pub fn from_stat(stat: u8) -> RegState {
        match stat {
            0 => RegState::NotRegistered,
            1 => RegState::Home,
            2 => RegState::Searching,
            3 => RegState::Denied,
            4 => RegState::Unknown,
            5 => RegState::Roaming,
            6 | 7 | 9 | 10 => RegState::SmsOnly(stat),
            n => RegState::Other(n),
        }
    }

    /// Registered, so SMS can be sent.
    pub fn is_registered(self) -> bool {
        matches!(self, RegState::Home | RegState::Roaming | RegState::SmsOnly(_))
    }

    /// Registered on a visited network (5, or the SMS-only roaming values 7 and 10).
    pub fn is_roaming(self) -> bool {
        matches!(self, RegState::Roaming | RegState::SmsOnly(7 | 10))
    }
}

/// Where the modem is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Registration {
    pub state: RegState,
    /// `<lac>` in hex, with `AT+CREG=2`.
    pub area: Option<String<CELL_CHARS>>,
    /// `<ci>` in hex, with `AT+CREG=2`.
    pub cell: Option<String<CELL_CHARS>>,
    /// `<AcT>`: 0 GSM, 2 UTRAN, 7 E-UTRAN, …
    pub act: Option<u8>,
}

impl Registration {
    pub fn is_registered(&self) -> bool {
        self.state.is_registered()
    }

    pub fn is_roaming(&self) -> bool {
        self.state.is_roaming()
    }
}

/// A message storage of TS 27.005 §3.2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Memory {
    /// `SM`: the SIM.
    Sim,
    /// `ME`: the modem.
    Modem,
    /// `MT`: SIM and modem together.
    Both,
    /// `SR`: status reports.
    StatusReports,
    /// `BM`: cell broadcast.
    Broadcast,
    /// `TA`: the terminal adaptor.
    Adaptor,
}

impl Memory {
    /// The name as AT commands write it, without quotes.
    pub fn name(self) -> &'static str {
        match self {
            Memory::Sim => "SM",
            Memory::Modem => "ME",
            Memory::Both => "MT",
            Memory::StatusReports => "SR",
            Memory::Broadcast => "BM",
            Memory::Adaptor => "TA",
        }
    }

    /// The memory named `name` (quotes removed, either case).
    pub fn from_name(name: &str) -> Option<Memory> {
        let name = name.trim().trim_matches('"');
        [Memory::Sim, Memory::Modem, Memory::Both, Memory::StatusReports, Memory::Broadcast, Memory::Adaptor]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// The message storage the driver reads from, and how full it is (`AT+CPMS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Storage {
    pub memory: Memory,
    pub used: u16,
    pub total: u16,
}

/// The `AT+CNMI=<mode>,<mt>,<bm>,<ds>,<bfr>` setting the modem accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Indications {
    pub mode: u8,
    /// 1: new messages are stored and announced with `+CMTI`.
    pub mt: u8,
    pub bm: u8,
    /// 1: status reports as `+CDS`; 2: stored and announced with `+CDSI`; 0: none.
    pub ds: u8,
    pub bfr: u8,
}

/// Running totals since the driver was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Counters {
    /// Parts the modem confirmed with `+CMGS`.
    pub parts_sent: u32,
    /// Parts that failed with nothing sent.
    pub parts_failed: u32,
    /// Parts written to the modem whose result never came.
    pub parts_unknown: u32,
    /// Messages handed out with [`Event::Received`](super::Event::Received).
    pub received: u32,
    /// Status reports read, matched or not.
    pub status_reports: u32,
    /// Incoming calls.
    pub calls: u32,
    /// Recovery steps started, by [`RecoveryStep::index`].
    pub recoveries: [u32; 4],
    /// Ladders that ran to the end without the modem coming back.
    pub failed_ladders: u32,
    /// Events dropped because the queue was full.
    pub events_dropped: u32,
    /// Errors recorded in [`Status::last_error`].
    pub errors: u32,
}

/// Everything [`Driver::status`](super::Driver::status) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Status {
    pub phase: Phase,
    pub identity: Identity,
    pub signal: Option<Signal>,
    pub registration: Option<Registration>,
    /// EPS (LTE) registration from `+CEREG`, where the modem has LTE. SMS over SGs or IMS works
    /// with only this one registered, so either counts for sending.
    pub eps_registration: Option<Registration>,
    /// Initialised but not registered: [`Driver::send`](super::Driver::send) refuses parts.
    pub sending_paused: bool,
    /// The new-message indication setting the modem accepted; `None` if it refused them all
    /// (stored messages are then listed at every watch).
    pub indications: Option<Indications>,
    /// The storage messages are read from.
    pub storage: Option<Storage>,
    /// `<service>` of `AT+CSMS?`: 1 means `+CMT`/`+CDS` must be acknowledged with `AT+CNMA`.
    pub sms_service: Option<u8>,
    /// Optional commands the modem refused, as written (`"AT+CLIP=1"`).
    pub refused: Vec<&'static str, REFUSED_CAPACITY>,
    pub last_error: Option<Error>,
    pub counters: Counters,
}

impl Status {
    pub(crate) fn new() -> Status {
        Status {
            phase: Phase::WaitingForDevice,
            identity: Identity::default(),
            signal: None,
            registration: None,
            eps_registration: None,
            sending_paused: false,
            indications: None,
            storage: None,
            sms_service: None,
            refused: Vec::new(),
            last_error: None,
            counters: Counters::default(),
        }
    }

    /// Whether the modem is registered, as far as the driver knows.
    pub fn is_registered(&self) -> bool {
        [&self.registration, &self.eps_registration].into_iter().flatten().any(Registration::is_registered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_scale() {
        let cases: &[(u8, Option<i16>, SignalQuality)] = &[
            (0, Some(-113), SignalQuality::None),
            (1, Some(-111), SignalQuality::None),
            (2, Some(-109), SignalQuality::Poor),
            (9, Some(-95), SignalQuality::Poor),
            (10, Some(-93), SignalQuality::Fair),
            (15, Some(-83), SignalQuality::Good),
            (20, Some(-73), SignalQuality::Excellent),
            (31, Some(-51), SignalQuality::Excellent),
            (32, None, SignalQuality::None),
            (99, None, SignalQuality::None),
        ];
        for &(csq, dbm, quality) in cases {
            let s = Signal { csq };
            assert_eq!((s.dbm(), s.quality()), (dbm, quality), "csq {csq}");
        }
    }

    #[test]
    fn hcsq_rssi_maps_to_the_csq_scale() {
        let cases: &[(u8, u8)] = &[(0, 0), (8, 0), (10, 1), (40, 16), (72, 31), (96, 31), (97, 99), (255, 99)];
        for &(rssi, csq) in cases {
            assert_eq!(Signal::from_hcsq_rssi(rssi).csq, csq, "rssi {rssi}");
        }
    }

    #[test]
    fn registration_states() {
        let cases: &[(u8, RegState, bool, bool)] = &[
            (0, RegState::NotRegistered, false, false),
            (1, RegState::Home, true, false),
            (2, RegState::Searching, false, false),
            (3, RegState::Denied, false, false),
            (4, RegState::Unknown, false, false),
            (5, RegState::Roaming, true, true),
            (6, RegState::SmsOnly(6), true, false),
            (7, RegState::SmsOnly(7), true, true),
            (8, RegState::Other(8), false, false),
            (10, RegState::SmsOnly(10), true, true),
        ];
        for &(stat, state, registered, roaming) in cases {
            let s = RegState::from_stat(stat);
            assert_eq!((s, s.is_registered(), s.is_roaming()), (state, registered, roaming), "stat {stat}");
        }
    }

    #[test]
    fn ladder_order() {
        assert_eq!(RecoveryStep::Resync.next(true), Some(RecoveryStep::SoftReset));
        assert_eq!(RecoveryStep::SoftReset.next(true), Some(RecoveryStep::UsbReset));
        assert_eq!(RecoveryStep::SoftReset.next(false), Some(RecoveryStep::PowerCycle));
        assert_eq!(RecoveryStep::UsbReset.next(true), Some(RecoveryStep::PowerCycle));
        assert_eq!(RecoveryStep::PowerCycle.next(true), None);
        for (i, step) in RecoveryStep::ALL.iter().enumerate() {
            assert_eq!(step.index(), i);
        }
    }

    #[test]
    fn memory_names() {
        for m in [Memory::Sim, Memory::Modem, Memory::Both, Memory::StatusReports, Memory::Broadcast, Memory::Adaptor] {
            assert_eq!(Memory::from_name(m.name()), Some(m));
        }
        assert_eq!(Memory::from_name("\"sm\""), Some(Memory::Sim));
        assert_eq!(Memory::from_name("XX"), None);
    }
}
