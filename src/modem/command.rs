//! The AT commands the driver sends: their text, the prefix of their information responses,
//! their timeout, and the parsers for what they answer.
//!
//! Each [`Command`] names what it is for and carries the data its answer is read with, so the
//! driver can act on a final result knowing only the command it belongs to.

use core::fmt::{self, Write};
use core::time::Duration;

use heapless::Vec;

use super::config::{Config, Family};
use super::event::Location;
use super::status::{Indications, Memory, Signal, Storage};
use crate::codec::at::fields::{self, number, optional_text, small_number, unquote};

/// Bytes for the modem: the longest write is a PDU in hex and Ctrl-Z (2 × 176 + 1 = 353); the
/// rest leaves room for an ESC or a command queued before the caller took the bytes.
pub const TX_CAPACITY: usize = 2 * crate::codec::pdu::MAX_PDU_OCTETS + 64;

pub(crate) const CTRL_Z: u8 = 0x1A;
pub(crate) const ESC: u8 = 0x1B;

/// The new-message indication settings tried in order (TS 27.005 §3.4.1): messages stored and
/// announced with `+CMTI`, status reports routed as `+CDS`; then stored as `+CDSI`; then
/// without status reports; then with URCs discarded while the link is busy (mode 1), for
/// modems that know only that.
pub(crate) const INDICATIONS: [Indications; 4] = [
    Indications { mode: 2, mt: 1, bm: 0, ds: 1, bfr: 0 },
    Indications { mode: 2, mt: 1, bm: 0, ds: 2, bfr: 0 },
    Indications { mode: 2, mt: 1, bm: 0, ds: 0, bfr: 0 },
    Indications { mode: 1, mt: 1, bm: 0, ds: 0, bfr: 0 },
];

/// The commands that read the ICCID, by vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum IccidCommand {
    /// `AT+CCID` (SIMCom, many others).
    Ccid,
    /// `AT+ICCID` (SIMCom SIM7xxx).
    Iccid,
    /// `AT+QCCID` (Quectel).
    Qccid,
    /// `AT^ICCID?` (Huawei).
    Huawei,
}

impl IccidCommand {
    /// The commands to try for `family`, most likely first.
    pub(crate) fn for_family(family: Family) -> &'static [IccidCommand] {
        use IccidCommand::*;
        match family {
            Family::Generic => &[Ccid, Iccid, Qccid, Huawei],
            Family::Huawei => &[Huawei, Ccid],
            Family::Simcom => &[Ccid, Iccid],
            Family::Quectel => &[Qccid, Ccid],
        }
    }

    fn text(self) -> &'static str {
        match self {
            IccidCommand::Ccid => "AT+CCID",
            IccidCommand::Iccid => "AT+ICCID",
            IccidCommand::Qccid => "AT+QCCID",
            IccidCommand::Huawei => "AT^ICCID?",
        }
    }
}

/// A command the driver sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Command {
    /// `AT`: is anyone there?
    Probe,
    /// `ATE0`.
    EchoOff,
    /// `AT+CMEE=1`: numeric `+CME ERROR` codes.
    NumericErrors,
    /// `AT+CMGF=0`: PDU mode.
    PduMode,
    /// `AT+CPIN?`.
    PinQuery,
    /// `AT+CPIN="<pin>"`.
    PinEnter,
    /// `AT+CSMS?`: does `+CMT` need `AT+CNMA`?
    SmsService,
    /// `AT+CNMI=…` with [`INDICATIONS`]`[i]`.
    Indications(u8),
    /// `AT+CLIP=1`.
    CallerId,
    /// `AT+CREG=<n>`.
    RegistrationReports(u8),
    /// `AT+CPMS=?`.
    StorageOptions,
    /// `AT+CPMS="X","X","X"`: read, write and receive into one memory.
    StorageSelect(Memory),
    /// `AT+CPMS?`.
    StorageQuery,
    /// `AT+CPMS="X"`: read and delete in another memory (a `+CDSI` in `SR`).
    ReadMemory(Memory),
    /// `AT+CGMI`.
    Manufacturer,
    /// `AT+CGMM`.
    Model,
    /// `AT+CGMR`.
    Revision,
    /// `AT+CGSN`.
    Imei,
    /// `AT+CIMI`.
    Imsi,
    /// The `i`-th of [`IccidCommand::for_family`].
    Iccid(u8),
    /// `AT+COPS=3,0`: the operator as a long name.
    OperatorFormat,
    /// `AT+COPS?`.
    Operator,
    /// `AT+CSQ`.
    SignalQuery,
    /// `AT+CREG?`.
    RegistrationQuery,
    /// `AT+CEREG?`: EPS (LTE) registration. An LTE modem that sends SMS over SGs or IMS may be
    /// registered here while `+CREG` says it is not; modems without LTE refuse it.
    EpsRegistrationQuery,
    /// `AT+CMGL=4`: every message in the read memory.
    List,
    /// `AT+CMGR=<index>`.
    Read(Location),
    /// `AT+CMGD=<index>`.
    Delete(Location),
    /// `AT+CNMA`: acknowledge a `+CMT`/`+CDS` (TS 27.005 §3.4.4).
    NewMessageAck,
    /// `ATH`.
    HangUp,
    /// `AT+CHUP`.
    HangUpChup,
    /// `AT+CMGS=<length>`; the part is in the driver's send slot.
    Submit(u8),
}

/// The caller's buffer was too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

/// The bytes waiting for the caller to write to the modem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Tx {
    pub(crate) bytes: Vec<u8, TX_CAPACITY>,
}

impl Tx {
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<(), Overflow> {
        self.bytes.extend_from_slice(bytes).map_err(|_| Overflow)
    }

    /// Appends `octets` in upper-case hex.
    pub(crate) fn push_hex(&mut self, octets: &[u8]) -> Result<(), Overflow> {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        for &o in octets {
            let hi = DIGITS[usize::from(o >> 4)];
            let lo = DIGITS[usize::from(o & 0x0F)];
            self.push(&[hi, lo])?;
        }
        Ok(())
    }
}

impl Write for Tx {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

impl Command {
    /// The command as written, without parameters that vary: for errors and logs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Command::Probe => "AT",
            Command::EchoOff => "ATE0",
            Command::NumericErrors => "AT+CMEE=1",
            Command::PduMode => "AT+CMGF=0",
            Command::PinQuery => "AT+CPIN?",
            Command::PinEnter => "AT+CPIN",
            Command::SmsService => "AT+CSMS?",
            Command::Indications(_) => "AT+CNMI",
            Command::CallerId => "AT+CLIP=1",
            Command::RegistrationReports(2) => "AT+CREG=2",
            Command::RegistrationReports(_) => "AT+CREG=1",
            Command::StorageOptions => "AT+CPMS=?",
            Command::StorageSelect(_) | Command::ReadMemory(_) => "AT+CPMS",
            Command::StorageQuery => "AT+CPMS?",
            Command::Manufacturer => "AT+CGMI",
            Command::Model => "AT+CGMM",
            Command::Revision => "AT+CGMR",
            Command::Imei => "AT+CGSN",
            Command::Imsi => "AT+CIMI",
            Command::Iccid(_) => "AT+CCID",
            Command::OperatorFormat => "AT+COPS=3,0",
            Command::Operator => "AT+COPS?",
            Command::SignalQuery => "AT+CSQ",
            Command::RegistrationQuery => "AT+CREG?",
            Command::EpsRegistrationQuery => "AT+CEREG?",
            Command::List => "AT+CMGL=4",
            Command::Read(_) => "AT+CMGR",
            Command::Delete(_) => "AT+CMGD",
            Command::NewMessageAck => "AT+CNMA",
            Command::HangUp => "ATH",
            Command::HangUpChup => "AT+CHUP",
            Command::Submit(_) => "AT+CMGS",
        }
    }

    /// Writes the command line, CR included.
    pub(crate) fn write(self, config: &Config, tx: &mut Tx) -> fmt::Result {
        match self {
            Command::PinEnter => write!(tx, "AT+CPIN=\"{}\"", config.pin.as_ref().map_or("", |p| p.as_str()))?,
            Command::Indications(i) => {
                let s = INDICATIONS.get(usize::from(i)).ok_or(fmt::Error)?;
                write!(tx, "AT+CNMI={},{},{},{},{}", s.mode, s.mt, s.bm, s.ds, s.bfr)?
            }
            Command::RegistrationReports(n) => write!(tx, "AT+CREG={n}")?,
            Command::StorageSelect(m) => write!(tx, "AT+CPMS=\"{0}\",\"{0}\",\"{0}\"", m.name())?,
            Command::ReadMemory(m) => write!(tx, "AT+CPMS=\"{}\"", m.name())?,
            Command::Iccid(i) => {
                let c = IccidCommand::for_family(config.family).get(usize::from(i)).ok_or(fmt::Error)?;
                tx.write_str(c.text())?
            }
            Command::Read(l) => write!(tx, "AT+CMGR={}", l.index)?,
            Command::Delete(l) => write!(tx, "AT+CMGD={}", l.index)?,
            Command::Submit(len) => write!(tx, "AT+CMGS={len}")?,
            other => tx.write_str(other.name())?,
        }
        tx.write_str("\r")
    }

    /// The prefix of this command's information responses, where a URC shares it or where a
    /// stray line must not be taken for the answer.
    pub(crate) fn expected_prefix(self) -> Option<&'static str> {
        Some(match self {
            Command::PinQuery => "+CPIN:",
            Command::SmsService => "+CSMS:",
            Command::StorageOptions | Command::StorageSelect(_) | Command::StorageQuery | Command::ReadMemory(_) => {
                "+CPMS:"
            }
            Command::Operator => "+COPS:",
            Command::SignalQuery => "+CSQ:",
            Command::RegistrationQuery => "+CREG:",
            Command::EpsRegistrationQuery => "+CEREG:",
            Command::List => "+CMGL:",
            Command::Read(_) => "+CMGR:",
            Command::Submit(_) => "+CMGS:",
            _ => return None,
        })
    }

    /// How long the final result may take (for `AT+CMGS`: the prompt).
    pub(crate) fn timeout(self, config: &Config) -> Duration {
        let t = &config.timings;
        match self {
            Command::Probe => t.probe,
            Command::Submit(_) => t.prompt,
            // A full storage lists for seconds at 115200 baud.
            Command::List => t.command * 4,
            _ => t.command,
        }
    }
}

/// What `AT+CPIN?` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum PinState {
    Ready,
    Pin,
    Puk,
    /// Another code: `PH-SIM PIN`, a network personalisation code, …
    OtherCode,
    /// Still starting: try again.
    NotReady,
    NoSim,
}

/// The value of a `+CPIN: <code>` line.
pub(crate) fn parse_cpin(payload: &str) -> PinState {
    let code = payload.trim().trim_matches('"');
    match code {
        "READY" => PinState::Ready,
        "SIM PIN" => PinState::Pin,
        "SIM PUK" => PinState::Puk,
        // PIN2/PUK2 guard phone-book and charging functions, not SMS (TS 27.007 §8.3 says the
        // modem shows them only right after a PIN2 failure): the SIM works.
        "SIM PIN2" | "SIM PUK2" => PinState::Ready,
        "NOT READY" | "" => PinState::NotReady,
        "NOT INSERTED" | "SIM REMOVED" | "NO SIM" => PinState::NoSim,
        _ => PinState::OtherCode,
    }
}

/// The text after `+XXX:` (or `+XXX: ` with a space), if `line` starts with `prefix`.
pub(crate) fn payload<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix).map(str::trim)
}

/// `+CSQ: <rssi>,<ber>` → rssi.
pub(crate) fn parse_csq(payload: &str) -> Option<Signal> {
    let csq = small_number(fields::split(payload).next()?)?;
    Some(Signal { csq: if csq <= 31 { csq } else { 99 } })
}

/// `^HCSQ:<sysmode>[,<rssi>,…]` → the signal on the `+CSQ` scale.
pub(crate) fn parse_hcsq(payload: &str) -> Option<Signal> {
    let mut f = fields::split(payload);
    let mode = f.next()?;
    let mode = unquote(mode).unwrap_or(mode);
    if mode == "NOSERVICE" {
        return Some(Signal::UNKNOWN);
    }
    Some(Signal::from_hcsq_rssi(small_number(f.next()?)?))
}

/// `+CPMS: ("SM","ME"),(…),(…)` → the memory to use: the SIM if offered, else the modem.
pub(crate) fn parse_cpms_options(payload: &str) -> Option<Memory> {
    let first = payload.trim().strip_prefix('(')?;
    let first = first.get(..first.find(')')?)?;
    let offered = |m: Memory| fields::split(first).any(|f| Memory::from_name(f) == Some(m));
    [Memory::Sim, Memory::Modem, Memory::Both].into_iter().find(|m| offered(*m))
}

/// `+CPMS: "SM",<used>,<total>,…` (read) or `+CPMS: <used>,<total>,…` (set, for `memory`).
pub(crate) fn parse_cpms(payload: &str, memory: Option<Memory>) -> Option<Storage> {
    let mut f = fields::split(payload);
    let memory = match memory {
        Some(m) => m,
        None => Memory::from_name(f.next()?)?,
    };
    let used = number(f.next()?)?;
    let total = number(f.next()?)?;
    Some(Storage { memory, used, total })
}

/// `+CSMS: <service>,<mt>,<mo>,<bm>` → service.
pub(crate) fn parse_csms(payload: &str) -> Option<u8> {
    small_number(fields::split(payload).next()?)
}

/// `+COPS: <mode>[,<format>,<oper>[,<AcT>]]` → oper.
pub(crate) fn parse_cops(payload: &str) -> Option<&str> {
    optional_text(fields::split(payload).nth(2))
}

/// `+CMGL: <index>,<stat>,[<alpha>],<length>` → (index, stat).
pub(crate) fn parse_cmgl(payload: &str) -> Option<(u16, u8)> {
    let mut f = fields::split(payload);
    let index = number(f.next()?)?;
    let stat = small_number(f.next()?)?;
    Some((index, stat))
}

/// `+CMGR: <stat>,[<alpha>],<length>` → stat.
pub(crate) fn parse_cmgr(payload: &str) -> Option<u8> {
    small_number(fields::split(payload).next()?)
}

/// `+CMGS: <mr>[,<ackpdu>]` → mr.
pub(crate) fn parse_cmgs(payload: &str) -> Option<u8> {
    small_number(fields::split(payload).next()?)
}

/// The value of an identity answer: bare (`867322035432174`), after a label
/// (`+CGSN: 8673…`, `^ICCID: 8949…`, `Revision: 1418B05SIM800L24`), quotes removed.
pub(crate) fn identity_value(line: &str) -> &str {
    let line = line.trim();
    let value = match line.split_once(':') {
        Some((label, rest)) if is_label(label) => rest.trim(),
        _ => line,
    };
    unquote(value).unwrap_or(value)
}

fn is_label(label: &str) -> bool {
    let name = label.strip_prefix(['+', '^']).unwrap_or(label);
    !name.is_empty() && name.len() <= 12 && name.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn written(cmd: Command, config: &Config) -> String {
        let mut tx = Tx::default();
        cmd.write(config, &mut tx).unwrap();
        String::from_utf8(tx.bytes.to_vec()).unwrap()
    }

    #[test]
    fn command_lines() {
        let mut config = Config::new(Family::Quectel);
        config.pin = Some("1234".try_into().unwrap());
        let loc = Location { memory: Memory::Sim, index: 7 };
        let cases: &[(Command, &str)] = &[
            (Command::Probe, "AT\r"),
            (Command::EchoOff, "ATE0\r"),
            (Command::PinEnter, "AT+CPIN=\"1234\"\r"),
            (Command::Indications(0), "AT+CNMI=2,1,0,1,0\r"),
            (Command::Indications(1), "AT+CNMI=2,1,0,2,0\r"),
            (Command::Indications(3), "AT+CNMI=1,1,0,0,0\r"),
            (Command::RegistrationReports(2), "AT+CREG=2\r"),
            (Command::StorageSelect(Memory::Sim), "AT+CPMS=\"SM\",\"SM\",\"SM\"\r"),
            (Command::ReadMemory(Memory::StatusReports), "AT+CPMS=\"SR\"\r"),
            (Command::Iccid(0), "AT+QCCID\r"),
            (Command::Iccid(1), "AT+CCID\r"),
            (Command::Read(loc), "AT+CMGR=7\r"),
            (Command::Delete(loc), "AT+CMGD=7\r"),
            (Command::Submit(23), "AT+CMGS=23\r"),
            (Command::List, "AT+CMGL=4\r"),
            (Command::HangUp, "ATH\r"),
        ];
        for (cmd, want) in cases {
            assert_eq!(written(*cmd, &config), *want, "{cmd:?}");
        }
        let mut tx = Tx::default();
        assert!(Command::Indications(4).write(&config, &mut tx).is_err());
        assert!(Command::Iccid(2).write(&config, &mut tx).is_err());
    }

    #[test]
    fn hex_and_overflow() {
        let mut tx = Tx::default();
        tx.push_hex(&[0x00, 0x1A, 0xFF]).unwrap();
        assert_eq!(&tx.bytes[..], b"001AFF");
        let big = [0u8; TX_CAPACITY];
        assert_eq!(tx.push(&big), Err(Overflow));
    }

    #[test]
    fn pin_states() {
        let cases: &[(&str, PinState)] = &[
            ("READY", PinState::Ready),
            ("SIM PIN", PinState::Pin),
            ("SIM PUK", PinState::Puk),
            ("SIM PIN2", PinState::Ready),
            ("PH-SIM PIN", PinState::OtherCode),
            ("PH-NET PIN", PinState::OtherCode),
            ("NOT READY", PinState::NotReady),
            ("NOT INSERTED", PinState::NoSim),
            ("\"READY\"", PinState::Ready),
        ];
        for (text, want) in cases {
            assert_eq!(parse_cpin(text), *want, "{text}");
        }
    }

    #[test]
    fn answers() {
        assert_eq!(parse_csq("17,99"), Some(Signal { csq: 17 }));
        assert_eq!(parse_csq("99,99"), Some(Signal::UNKNOWN));
        assert_eq!(parse_csq("x"), None);
        assert_eq!(parse_hcsq("\"LTE\",52,40,120,20"), Some(Signal { csq: 22 }));
        assert_eq!(parse_hcsq("\"NOSERVICE\""), Some(Signal::UNKNOWN));
        assert_eq!(parse_hcsq("\"GSM\""), None);
        assert_eq!(parse_cpms_options("(\"ME\",\"MT\",\"SM\",\"SR\"),(\"ME\"),(\"ME\")"), Some(Memory::Sim));
        assert_eq!(parse_cpms_options("(\"ME\",\"MT\"),(\"ME\",\"MT\"),(\"ME\",\"MT\")"), Some(Memory::Modem));
        assert_eq!(parse_cpms_options("\"SM\""), None);
        assert_eq!(
            parse_cpms("\"SM\",3,30,\"SM\",3,30,\"SM\",3,30", None),
            Some(Storage { memory: Memory::Sim, used: 3, total: 30 })
        );
        assert_eq!(
            parse_cpms("3,50,3,50,3,50", Some(Memory::Modem)),
            Some(Storage { memory: Memory::Modem, used: 3, total: 50 })
        );
        assert_eq!(parse_cpms("\"XX\",3,30", None), None);
        assert_eq!(parse_csms("1,1,1,1"), Some(1));
        assert_eq!(parse_cops("0,0,\"Vodafone.de\",7"), Some("Vodafone.de"));
        assert_eq!(parse_cops("0"), None);
        assert_eq!(parse_cmgl("3,1,,26"), Some((3, 1)));
        assert_eq!(parse_cmgr("0,,26"), Some(0));
        assert_eq!(parse_cmgs("212"), Some(212));
        assert_eq!(parse_cmgs("300"), None);
        assert_eq!(payload("+CSQ: 17,99", "+CSQ:"), Some("17,99"));
    }

    #[test]
    fn identity_values() {
        let cases: &[(&str, &str)] = &[
            ("867322035432174", "867322035432174"),
            ("+CGSN: 867322035432174", "867322035432174"),
            ("+CGSN: \"867322035432174\"", "867322035432174"),
            ("^ICCID: 89490200001234567890", "89490200001234567890"),
            ("Revision:1418B05SIM800L24", "1418B05SIM800L24"),
            ("SIMCOM_Ltd", "SIMCOM_Ltd"),
            ("Quectel EC25: rev 1", "Quectel EC25: rev 1"),
            ("  huawei ", "huawei"),
        ];
        for (line, want) in cases {
            assert_eq!(identity_value(line), *want, "{line}");
        }
    }
}
