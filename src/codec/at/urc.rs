//! Unsolicited result codes: which lines are URCs ([`UrcKind`], matched by prefix or whole line),
//! the view the digester hands out ([`UrcLine`]) and its typed form ([`Urc`]).
//!
//! Parsing is two steps: the digester only recognises the kind and keeps the line (and, for the
//! two-line `+CMT`/`+CDS`/`+CBM`, the PDU line) as a view; [`UrcLine::parse`] checks the
//! parameters and returns typed values that borrow from the same text.

use super::fields::{self, number, optional_text, small_number, unquote};
use crate::codec::Error;

/// The URCs the digester recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum UrcKind {
    // TS 27.007 / 27.005.
    /// `RING`: an incoming call.
    Ring,
    /// `+CRING: <type>`: an incoming call, extended format (`AT+CRC=1`).
    Cring,
    /// `+CLIP: <number>,<type>,…`: the caller's number.
    Clip,
    /// `+CMTI: <mem>,<index>`: a message was stored.
    Cmti,
    /// `+CDSI: <mem>,<index>`: a status report was stored.
    Cdsi,
    /// `+CMT: …` then the message: a message routed directly to the TE.
    Cmt,
    /// `+CDS: …` (then the PDU in PDU mode): a status report routed directly to the TE.
    Cds,
    /// `+CBM: …` then the page: a cell broadcast message.
    Cbm,
    /// `+CREG: <stat>,…`: circuit-switched registration changed.
    Creg,
    /// `+CGREG: <stat>,…`: GPRS registration changed.
    Cgreg,
    /// `+CEREG: <stat>,…`: EPS registration changed.
    Cereg,
    /// `+CGEV: …`: a packet-domain event.
    Cgev,
    /// `+CUSD: <m>,<str>,<dcs>`: a USSD response or network-initiated USSD.
    Cusd,
    /// `+CPIN: <code>` (SIMCom/Quectel announce `+CPIN: READY` at start-up).
    Cpin,
    /// `+CFUN: <fun>` (announced at start-up).
    Cfun,
    // Huawei.
    /// `^RSSI:<rssi>`: signal strength, same scale as `+CSQ`.
    Rssi,
    /// `^HCSQ:<sysmode>,…`: signal quality per radio access technology.
    Hcsq,
    /// `^MODE:<sys_mode>,<sys_submode>`: system mode changed.
    Mode,
    /// `^BOOT:…`: periodic keep-alive of the firmware.
    Boot,
    /// `^DSFLOWRPT:…`: data flow statistics.
    DsFlowRpt,
    /// `^SRVST:<srv_status>`: service state changed.
    SrvSt,
    /// `^SIMST:<sim_state>,…`: SIM state changed.
    SimSt,
    /// `^CEND:<call_x>,…`: a call ended.
    Cend,
    /// `^ORIG:<call_x>,<call_type>`: a call is being originated.
    Orig,
    /// `^CONF:<call_x>`: ringback.
    Conf,
    /// `^CONN:<call_x>,<call_type>`: a call was connected.
    Conn,
    // SIMCom / Quectel.
    /// `RDY`: the module has started.
    Rdy,
    /// `Call Ready`: the call stack is up.
    CallReady,
    /// `SMS Ready`: the SMS stack is up.
    SmsReady,
    /// `NORMAL POWER DOWN`: the module is switching off.
    NormalPowerDown,
    /// `POWERED DOWN`: the module switched off (Quectel).
    PoweredDown,
    /// `UNDER-VOLTAGE WARNNING` (sic, SIMCom) or `UNDER-VOLTAGE WARNING`.
    UnderVoltageWarning,
    /// `UNDER-VOLTAGE POWER DOWN`: the supply is too low, the module switches off.
    UnderVoltagePowerDown,
    /// `OVER-VOLTAGE WARNNING` (sic) or `OVER-VOLTAGE WARNING`.
    OverVoltageWarning,
    /// `OVER-VOLTAGE POWER DOWN`.
    OverVoltagePowerDown,
    /// `+QIND: …`: Quectel indications (`SMS DONE`, `PB DONE`, …).
    Qind,
    /// `+QUSIM: <n>`: Quectel's SIM type at start-up.
    Qusim,
    /// `*PSUTTZ: …`: network time (SIMCom).
    Psuttz,
    /// `+CTZV: …`: time zone changed.
    Ctzv,
    /// `DST: <dst>`: daylight saving time (SIMCom).
    Dst,
}

/// How a table entry matches a line.
#[derive(Clone, Copy)]
enum Match {
    /// The line starts with the text; the rest is the payload.
    Prefix,
    /// The line (trailing spaces aside) is the text.
    Whole,
}

/// Every recognised URC. Prefixes end in `:` so that none is the start of another.
const TABLE: &[(&str, Match, UrcKind)] = &[
    ("RING", Match::Whole, UrcKind::Ring),
    ("+CRING:", Match::Prefix, UrcKind::Cring),
    ("+CLIP:", Match::Prefix, UrcKind::Clip),
    ("+CMTI:", Match::Prefix, UrcKind::Cmti),
    ("+CDSI:", Match::Prefix, UrcKind::Cdsi),
    ("+CMT:", Match::Prefix, UrcKind::Cmt),
    ("+CDS:", Match::Prefix, UrcKind::Cds),
    ("+CBM:", Match::Prefix, UrcKind::Cbm),
    ("+CREG:", Match::Prefix, UrcKind::Creg),
    ("+CGREG:", Match::Prefix, UrcKind::Cgreg),
    ("+CEREG:", Match::Prefix, UrcKind::Cereg),
    ("+CGEV:", Match::Prefix, UrcKind::Cgev),
    ("+CUSD:", Match::Prefix, UrcKind::Cusd),
    ("+CPIN:", Match::Prefix, UrcKind::Cpin),
    ("+CFUN:", Match::Prefix, UrcKind::Cfun),
    ("^RSSI:", Match::Prefix, UrcKind::Rssi),
    ("^HCSQ:", Match::Prefix, UrcKind::Hcsq),
    ("^MODE:", Match::Prefix, UrcKind::Mode),
    ("^BOOT:", Match::Prefix, UrcKind::Boot),
    ("^DSFLOWRPT:", Match::Prefix, UrcKind::DsFlowRpt),
    ("^SRVST:", Match::Prefix, UrcKind::SrvSt),
    ("^SIMST:", Match::Prefix, UrcKind::SimSt),
    ("^CEND:", Match::Prefix, UrcKind::Cend),
    ("^ORIG:", Match::Prefix, UrcKind::Orig),
    ("^CONF:", Match::Prefix, UrcKind::Conf),
    ("^CONN:", Match::Prefix, UrcKind::Conn),
    ("RDY", Match::Whole, UrcKind::Rdy),
    ("Call Ready", Match::Whole, UrcKind::CallReady),
    ("SMS Ready", Match::Whole, UrcKind::SmsReady),
    ("NORMAL POWER DOWN", Match::Whole, UrcKind::NormalPowerDown),
    ("POWERED DOWN", Match::Whole, UrcKind::PoweredDown),
    ("UNDER-VOLTAGE WARNNING", Match::Whole, UrcKind::UnderVoltageWarning),
    ("UNDER-VOLTAGE WARNING", Match::Whole, UrcKind::UnderVoltageWarning),
    ("UNDER-VOLTAGE POWER DOWN", Match::Whole, UrcKind::UnderVoltagePowerDown),
    ("OVER-VOLTAGE WARNNING", Match::Whole, UrcKind::OverVoltageWarning),
    ("OVER-VOLTAGE WARNING", Match::Whole, UrcKind::OverVoltageWarning),
    ("OVER-VOLTAGE POWER DOWN", Match::Whole, UrcKind::OverVoltagePowerDown),
    ("+QIND:", Match::Prefix, UrcKind::Qind),
    ("+QUSIM:", Match::Prefix, UrcKind::Qusim),
    ("*PSUTTZ:", Match::Prefix, UrcKind::Psuttz),
    ("+CTZV:", Match::Prefix, UrcKind::Ctzv),
    ("DST:", Match::Prefix, UrcKind::Dst),
];

impl UrcKind {
    /// The kind of `line` and its payload (the text after the prefix, trimmed), if it is a URC.
    pub fn of(line: &str) -> Option<(UrcKind, &str)> {
        TABLE.iter().find_map(|&(text, how, kind)| match how {
            Match::Prefix => line.strip_prefix(text).map(|rest| (kind, rest.trim())),
            Match::Whole => (line.trim_end() == text).then_some((kind, "")),
        })
    }

    /// The prefix (or whole line) that identifies this kind, e.g. `"+CMTI:"`.
    pub fn prefix(self) -> &'static str {
        TABLE.iter().find(|(_, _, k)| *k == self).map_or("", |(text, _, _)| text)
    }
}

/// What follows the header line of a two-line URC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Body {
    /// A PDU in hex (`AT+CMGF=0`): the line must be hex digits, an even number of them.
    Pdu,
    /// Message text (`AT+CMGF=1`): any line.
    Text,
}

impl Body {
    /// Whether a URC of `kind` with this `payload` is followed by a second line, and what it is.
    ///
    /// In PDU mode `+CMT: [<alpha>],<length>`, `+CDS: <length>` and `+CBM: <length>` announce a
    /// PDU line; in text mode `+CMT: <oa>,[<alpha>],<scts>…` and `+CBM: <sn>,<mid>,…` announce
    /// the text, while text-mode `+CDS: <fo>,<mr>,…` is complete on one line (TS 27.005 §3.4.1).
    pub fn after(kind: UrcKind, payload: &str) -> Option<Body> {
        let count = fields::split(payload).count();
        let last_is_number = fields::split(payload).last().and_then(number).is_some();
        match kind {
            UrcKind::Cmt if count == 2 && last_is_number => Some(Body::Pdu),
            UrcKind::Cmt if count >= 3 => Some(Body::Text),
            UrcKind::Cds | UrcKind::Cbm if count == 1 && last_is_number => Some(Body::Pdu),
            UrcKind::Cbm if count >= 5 => Some(Body::Text),
            _ => None,
        }
    }

    /// Whether `line` can be this body.
    pub fn accepts(self, line: &str) -> bool {
        match self {
            Body::Pdu => !line.is_empty() && line.len() % 2 == 0 && line.bytes().all(|b| b.is_ascii_hexdigit()),
            Body::Text => true,
        }
    }
}

/// A URC as the digester recognised it: its kind and text, not yet checked further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UrcLine<'a> {
    pub kind: UrcKind,
    /// The whole (first) line.
    pub line: &'a str,
    /// The text after the prefix, spaces trimmed; empty for whole-line URCs such as `RING`.
    pub payload: &'a str,
    /// The second line of a two-line URC (`+CMT`, `+CDS` and `+CBM`): the PDU in hex or the text.
    pub body: Option<&'a str>,
}

/// Where an SMS or status report was stored (`+CMTI`, `+CDSI`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stored<'a> {
    /// The memory, e.g. `SM` (SIM) or `ME` (modem), without quotes.
    pub storage: &'a str,
    /// The index to read it with `AT+CMGR`.
    pub index: u16,
}

/// A PDU delivered in a URC (`+CMT`, `+CDS`, `+CBM` in PDU mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PduLine<'a> {
    /// The phone-book name of the sender (`+CMT` only), if the modem gives one.
    pub alpha: Option<&'a str>,
    /// `<length>`: octets of the TPDU (for `+CBM`, of the whole page).
    pub length: u16,
    /// The PDU in hex; for `+CMT`/`+CDS` the SMSC address comes first.
    pub pdu: &'a str,
}

/// The calling line identity (`+CLIP`, TS 27.007 §7.18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Clip<'a> {
    /// The caller's number as the network gives it; empty when withheld.
    pub number: &'a str,
    /// Type of address (145: international, 129: unknown/national).
    pub number_type: u8,
    /// The phone-book name, if the modem found one.
    pub alpha: Option<&'a str>,
    /// `<CLI validity>`: 0 valid, 1 withheld, 2 not available.
    pub validity: Option<u8>,
}

/// Which registration a `+CREG`, `+CGREG` or `+CEREG` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Domain {
    /// `+CREG`: circuit switched (calls, SMS over CS).
    CircuitSwitched,
    /// `+CGREG`: GPRS.
    Gprs,
    /// `+CEREG`: EPS (LTE).
    Eps,
}

/// A registration state (TS 27.007 §7.2, §10.1.20, §10.1.22).
///
/// The unsolicited form is `<stat>[,<lac>,<ci>[,<AcT>]]`; the answer to `AT+CREG?` puts the
/// setting `<n>` first. The two are told apart by the second parameter: a quoted `<lac>` in
/// the URC, a bare `<stat>` in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Registration<'a> {
    /// `<n>`, only in the answer to the read command.
    pub n: Option<u8>,
    /// `<stat>`: 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming, …
    pub stat: u8,
    /// `<lac>` or `<tac>`, hex without quotes.
    pub area: Option<&'a str>,
    /// `<ci>`, hex without quotes.
    pub cell: Option<&'a str>,
    /// `<AcT>`: access technology.
    pub act: Option<u8>,
}

impl Registration<'_> {
    /// Registered on the home network or roaming (including "SMS only" and "CSFB not
    /// preferred" variants, stat 6, 7, 9, 10).
    pub fn is_registered(&self) -> bool {
        matches!(self.stat, 1 | 5 | 6 | 7 | 9 | 10)
    }

    /// Parses a `+CREG`/`+CGREG`/`+CEREG` payload in either form.
    pub fn parse<'a>(payload: &'a str, field: &'static str) -> Result<Registration<'a>, Error> {
        let mut f = fields::split(payload);
        let first = f.next().ok_or(Error::Truncated { field })?;
        let mut rest = f.clone();
        let second = rest.next();
        let (n, stat) = match second.and_then(small_number) {
            Some(stat) => {
                f = rest;
                (Some(small_number(first).ok_or(invalid(field, "<n> is not a number"))?), stat)
            }
            None => (None, small_number(first).ok_or(invalid(field, "<stat> is not a number"))?),
        };
        let area = optional_text(f.next());
        let cell = optional_text(f.next());
        let act = match f.next() {
            None | Some("") => None,
            Some(a) => Some(small_number(a).ok_or(invalid(field, "<AcT> is not a number"))?),
        };
        Ok(Registration { n, stat, area, cell, act })
    }
}

/// A USSD result (`+CUSD`, TS 27.007 §7.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ussd<'a> {
    /// `<m>`: 0 no further action, 1 further action required, 2 terminated by network, …
    pub status: u8,
    /// `<str>` without quotes, in the character set the modem was told to use (`AT+CSCS`).
    pub text: Option<&'a str>,
    /// `<dcs>`: the data coding scheme of `text` (TS 23.038 §5).
    pub dcs: Option<u8>,
}

/// A URC with its parameters checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Urc<'a> {
    Ring,
    Clip(Clip<'a>),
    /// `+CMTI`: a message was stored.
    MessageStored(Stored<'a>),
    /// `+CDSI`: a status report was stored.
    StatusReportStored(Stored<'a>),
    /// `+CMT` in PDU mode: a message, SMSC address first.
    Message(PduLine<'a>),
    /// `+CDS` in PDU mode: a status report, SMSC address first.
    StatusReport(PduLine<'a>),
    /// `+CBM` in PDU mode: a cell broadcast page.
    Broadcast(PduLine<'a>),
    /// `+CREG`, `+CGREG`, `+CEREG`.
    Registration(Domain, Registration<'a>),
    /// `+CUSD`.
    Ussd(Ussd<'a>),
    /// `^RSSI` (Huawei): 0…31, 99 unknown.
    Rssi(u8),
    /// Any other kind: the payload as text.
    Other(UrcKind, &'a str),
}

impl<'a> UrcLine<'a> {
    /// Checks the parameters and returns the typed URC.
    pub fn parse(&self) -> Result<Urc<'a>, Error> {
        let field = self.kind.prefix();
        let p = self.payload;
        Ok(match self.kind {
            UrcKind::Ring => Urc::Ring,
            UrcKind::Clip => Urc::Clip(parse_clip(p)?),
            UrcKind::Cmti => Urc::MessageStored(parse_stored(p, field)?),
            UrcKind::Cdsi => Urc::StatusReportStored(parse_stored(p, field)?),
            UrcKind::Cmt => Urc::Message(self.pdu_line(true)?),
            UrcKind::Cds => Urc::StatusReport(self.pdu_line(true)?),
            UrcKind::Cbm => Urc::Broadcast(self.pdu_line(false)?),
            UrcKind::Creg => Urc::Registration(Domain::CircuitSwitched, Registration::parse(p, field)?),
            UrcKind::Cgreg => Urc::Registration(Domain::Gprs, Registration::parse(p, field)?),
            UrcKind::Cereg => Urc::Registration(Domain::Eps, Registration::parse(p, field)?),
            UrcKind::Cusd => Urc::Ussd(parse_ussd(p)?),
            UrcKind::Rssi => Urc::Rssi(small_number(p).ok_or(invalid(field, "not a number"))?),
            kind => Urc::Other(kind, p),
        })
    }

    /// The PDU-mode form `[<alpha>,]<length>` + PDU line; `with_smsc`: the PDU starts with the
    /// SMSC address, which `<length>` does not count (TS 27.005 §3.1, `<length>`).
    fn pdu_line(&self, with_smsc: bool) -> Result<PduLine<'a>, Error> {
        let field = self.kind.prefix();
        match Body::after(self.kind, self.payload) {
            Some(Body::Pdu) => {}
            Some(Body::Text) => return Err(Error::Unsupported { field, reason: "text mode (AT+CMGF=1)" }),
            None => return Err(invalid(field, "neither a PDU-mode nor a text-mode header")),
        }
        let pdu = self.body.ok_or(Error::Truncated { field })?;
        if !Body::Pdu.accepts(pdu) {
            return Err(invalid(field, "PDU line is not hex"));
        }
        let mut f = fields::split(self.payload);
        let alpha = if self.kind == UrcKind::Cmt { optional_text(f.next()) } else { None };
        let length = f.next().and_then(number).ok_or(invalid(field, "<length> is not a number"))?;
        let octets = pdu.len() / 2;
        let smsc = if with_smsc {
            // The first octet counts the SMSC address octets that follow it.
            let len_digits = pdu.get(..2).ok_or(Error::Truncated { field })?;
            1 + usize::from(u8::from_str_radix(len_digits, 16).map_err(|_| invalid(field, "PDU line is not hex"))?)
        } else {
            0
        };
        if octets != smsc + usize::from(length) {
            return Err(invalid(field, "<length> does not match the PDU line"));
        }
        Ok(PduLine { alpha, length, pdu })
    }
}

fn invalid(field: &'static str, reason: &'static str) -> Error {
    Error::InvalidField { field, reason }
}

fn parse_stored<'a>(payload: &'a str, field: &'static str) -> Result<Stored<'a>, Error> {
    let mut f = fields::split(payload);
    let mem = f.next().ok_or(Error::Truncated { field })?;
    let storage = unquote(mem).unwrap_or(mem);
    let index = f.next().ok_or(Error::Truncated { field })?;
    let index = number(index).ok_or(invalid(field, "<index> is not a number"))?;
    Ok(Stored { storage, index })
}

fn parse_clip(payload: &str) -> Result<Clip<'_>, Error> {
    const FIELD: &str = "+CLIP:";
    let mut f = fields::split(payload);
    let raw = f.next().ok_or(Error::Truncated { field: FIELD })?;
    let number = unquote(raw).unwrap_or(raw);
    let number_type = f.next().ok_or(Error::Truncated { field: FIELD })?;
    let number_type = small_number(number_type).ok_or(invalid(FIELD, "<type> is not a number"))?;
    let _subaddr = f.next();
    let _satype = f.next();
    let alpha = optional_text(f.next());
    let validity = match f.next() {
        None | Some("") => None,
        Some(v) => Some(small_number(v).ok_or(invalid(FIELD, "<CLI validity> is not a number"))?),
    };
    Ok(Clip { number, number_type, alpha, validity })
}

fn parse_ussd(payload: &str) -> Result<Ussd<'_>, Error> {
    const FIELD: &str = "+CUSD:";
    let mut f = fields::split(payload);
    let status = f.next().ok_or(Error::Truncated { field: FIELD })?;
    let status = small_number(status).ok_or(invalid(FIELD, "<m> is not a number"))?;
    let text = match f.next() {
        None => None,
        Some(s) => Some(unquote(s).ok_or(invalid(FIELD, "<str> is not quoted"))?),
    };
    let dcs = match f.next() {
        None | Some("") => None,
        Some(d) => Some(small_number(d).ok_or(invalid(FIELD, "<dcs> is not a number"))?),
    };
    Ok(Ussd { status, text, dcs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(l: &str) -> UrcLine<'_> {
        let (kind, payload) = UrcKind::of(l).expect(l);
        UrcLine { kind, line: l, payload, body: None }
    }

    #[test]
    fn kinds_by_prefix_and_whole_line() {
        let cases: &[(&str, Option<(UrcKind, &str)>)] = &[
            ("RING", Some((UrcKind::Ring, ""))),
            ("RING ", Some((UrcKind::Ring, ""))),
            ("RINGING", None),
            ("+CMTI: \"SM\",3", Some((UrcKind::Cmti, "\"SM\",3"))),
            ("+CMT: ,23", Some((UrcKind::Cmt, ",23"))),
            ("+CMTX: 1", None),
            ("^RSSI:15", Some((UrcKind::Rssi, "15"))),
            ("^DSFLOWRPT:0000,1,2", Some((UrcKind::DsFlowRpt, "0000,1,2"))),
            ("Call Ready", Some((UrcKind::CallReady, ""))),
            ("UNDER-VOLTAGE WARNNING", Some((UrcKind::UnderVoltageWarning, ""))),
            ("UNDER-VOLTAGE WARNING", Some((UrcKind::UnderVoltageWarning, ""))),
            ("*PSUTTZ: 2024,1,1,12,0,0,\"+4\",0", Some((UrcKind::Psuttz, "2024,1,1,12,0,0,\"+4\",0"))),
            ("DST: 1", Some((UrcKind::Dst, "1"))),
            ("+CPIN: READY", Some((UrcKind::Cpin, "READY"))),
            ("+CSQ: 20,99", None),
            ("OK", None),
            ("", None),
        ];
        for (l, want) in cases {
            assert_eq!(UrcKind::of(l), *want, "{l:?}");
        }
    }

    #[test]
    fn every_kind_has_its_prefix() {
        for &(text, _, kind) in TABLE {
            assert_eq!(UrcKind::of(text).map(|(k, _)| k), Some(kind), "{text}");
            assert!(!kind.prefix().is_empty());
        }
    }

    #[test]
    fn two_line_urcs() {
        let cases: &[(UrcKind, &str, Option<Body>)] = &[
            (UrcKind::Cmt, ",23", Some(Body::Pdu)),
            (UrcKind::Cmt, "\"Bob\",23", Some(Body::Pdu)),
            (UrcKind::Cmt, "\"+4912345\",,\"24/01/01,12:00:00+04\"", Some(Body::Text)),
            (UrcKind::Cmt, "23", None),
            (UrcKind::Cds, "25", Some(Body::Pdu)),
            (UrcKind::Cds, "6,46,\"+4912345\",145,\"24/01/01,12:00:00+04\",\"24/01/01,12:00:05+04\",0", None),
            (UrcKind::Cbm, "88", Some(Body::Pdu)),
            (UrcKind::Cbm, "1,50,0,1,1", Some(Body::Text)),
            (UrcKind::Cmti, "\"SM\",3", None),
        ];
        for (kind, payload, want) in cases {
            assert_eq!(Body::after(*kind, payload), *want, "{kind:?} {payload:?}");
        }
        assert!(Body::Pdu.accepts("07911326040000F0"));
        assert!(!Body::Pdu.accepts("07911326040000F"));
        assert!(!Body::Pdu.accepts(""));
        assert!(!Body::Pdu.accepts("OK"));
        assert!(Body::Text.accepts("OK"));
    }

    #[test]
    fn typed_payloads() {
        let cases: &[(&str, Result<Urc<'_>, Error>)] = &[
            ("RING", Ok(Urc::Ring)),
            ("+CMTI: \"SM\",3", Ok(Urc::MessageStored(Stored { storage: "SM", index: 3 }))),
            ("+CMTI: \"ME\", 312", Ok(Urc::MessageStored(Stored { storage: "ME", index: 312 }))),
            ("+CDSI: \"SR\",0", Ok(Urc::StatusReportStored(Stored { storage: "SR", index: 0 }))),
            ("+CMTI: \"SM\"", Err(Error::Truncated { field: "+CMTI:" })),
            ("+CMTI: \"SM\",x", Err(invalid("+CMTI:", "<index> is not a number"))),
            (
                "+CLIP: \"+4912345\",145,\"\",,\"\",0",
                Ok(Urc::Clip(Clip { number: "+4912345", number_type: 145, alpha: None, validity: Some(0) })),
            ),
            (
                "+CLIP: \"0301234\",129,,,\"Mum\"",
                Ok(Urc::Clip(Clip { number: "0301234", number_type: 129, alpha: Some("Mum"), validity: None })),
            ),
            (
                "+CLIP: \"\",128,,,,1",
                Ok(Urc::Clip(Clip { number: "", number_type: 128, alpha: None, validity: Some(1) })),
            ),
            ("+CLIP: \"+4912345\"", Err(Error::Truncated { field: "+CLIP:" })),
            ("^RSSI:15", Ok(Urc::Rssi(15))),
            ("^RSSI:99", Ok(Urc::Rssi(99))),
            ("^RSSI:", Err(invalid("^RSSI:", "not a number"))),
            (
                "+CREG: 1",
                Ok(Urc::Registration(
                    Domain::CircuitSwitched,
                    Registration { n: None, stat: 1, area: None, cell: None, act: None },
                )),
            ),
            (
                "+CREG: 0,5",
                Ok(Urc::Registration(
                    Domain::CircuitSwitched,
                    Registration { n: Some(0), stat: 5, area: None, cell: None, act: None },
                )),
            ),
            (
                "+CGREG: 1,\"00C3\",\"0010ABCD\",7",
                Ok(Urc::Registration(
                    Domain::Gprs,
                    Registration { n: None, stat: 1, area: Some("00C3"), cell: Some("0010ABCD"), act: Some(7) },
                )),
            ),
            (
                "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7",
                Ok(Urc::Registration(
                    Domain::Eps,
                    Registration { n: Some(2), stat: 1, area: Some("1A2B"), cell: Some("01A2B3C4"), act: Some(7) },
                )),
            ),
            ("+CREG:", Err(Error::Truncated { field: "+CREG:" })),
            ("+CREG: x", Err(invalid("+CREG:", "<stat> is not a number"))),
            ("+CUSD: 2", Ok(Urc::Ussd(Ussd { status: 2, text: None, dcs: None }))),
            (
                "+CUSD: 0,\"Balance: 5.00, valid\",15",
                Ok(Urc::Ussd(Ussd { status: 0, text: Some("Balance: 5.00, valid"), dcs: Some(15) })),
            ),
            ("+CUSD: 0,Balance,15", Err(invalid("+CUSD:", "<str> is not quoted"))),
            ("+CPIN: READY", Ok(Urc::Other(UrcKind::Cpin, "READY"))),
            ("^MODE:5,4", Ok(Urc::Other(UrcKind::Mode, "5,4"))),
            ("SMS Ready", Ok(Urc::Other(UrcKind::SmsReady, ""))),
        ];
        for (l, want) in cases {
            assert_eq!(line(l).parse(), *want, "{l:?}");
        }
    }

    #[test]
    fn registration_helpers() {
        let reg = |stat| Registration { n: None, stat, area: None, cell: None, act: None };
        assert!(reg(1).is_registered());
        assert!(reg(5).is_registered());
        assert!(!reg(2).is_registered());
        assert!(!reg(3).is_registered());
    }

    #[test]
    fn pdu_urcs_check_the_length_against_the_pdu_line() {
        // SMSC 07 91 … (8 octets with its length octet) + a 3-octet TPDU stand-in.
        let pdu = "07911326040000F0040B91";
        let cases: &[(&str, Option<&str>, Result<Urc<'_>, Error>)] = &[
            ("+CMT: ,3", Some(pdu), Ok(Urc::Message(PduLine { alpha: None, length: 3, pdu }))),
            ("+CMT: \"Bob\",3", Some(pdu), Ok(Urc::Message(PduLine { alpha: Some("Bob"), length: 3, pdu }))),
            ("+CMT: ,4", Some(pdu), Err(invalid("+CMT:", "<length> does not match the PDU line"))),
            ("+CMT: ,3", None, Err(Error::Truncated { field: "+CMT:" })),
            ("+CMT: ,3", Some("07911326040000F0040B9"), Err(invalid("+CMT:", "PDU line is not hex"))),
            ("+CDS: 3", Some(pdu), Ok(Urc::StatusReport(PduLine { alpha: None, length: 3, pdu }))),
            ("+CBM: 11", Some(pdu), Ok(Urc::Broadcast(PduLine { alpha: None, length: 11, pdu }))),
            (
                "+CMT: \"+4912345\",,\"24/01/01,12:00:00+04\"",
                Some("Hello"),
                Err(Error::Unsupported { field: "+CMT:", reason: "text mode (AT+CMGF=1)" }),
            ),
            ("+CMT: 3", Some(pdu), Err(invalid("+CMT:", "neither a PDU-mode nor a text-mode header"))),
        ];
        for (header, body, want) in cases {
            let mut l = line(header);
            l.body = *body;
            assert_eq!(l.parse(), *want, "{header:?} {body:?}");
        }
    }
}
