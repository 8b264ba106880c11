//! Reading the host's bytes and executing its command lines.

use core::fmt::Write as _;
use core::time::Duration;

use super::command::{self, Command, Op};
use super::deliver::PduBuf;
use super::storage::{Filter, Stat};
use super::{
    Charset, InFlight, Input, Outcome, PendingReport, PowerState, Sim, OPERATOR, OPERATOR_NUMERIC, RECIPIENT_CAPACITY,
    SLOTS,
};
use crate::codec::at::fields;
use crate::codec::encoding::{self, Options};
use crate::codec::hex;
use crate::codec::pdu::{self, Number, Part, Pdu, SubmitParams, MAX_TPDU_OCTETS};
use crate::time::Instant;

const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;
const BACKSPACE: u8 = 0x08;

/// What a command asks of the line it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Done; go on with the next command of the line.
    Next,
    /// End the line with this result.
    Stop(Outcome),
    /// The prompt is out: the host sends a message body next.
    Prompt,
}

/// `+CME ERROR` codes (TS 27.007 §9.2.1) the simulator gives.
mod cme {
    pub const NOT_ALLOWED: u16 = 3;
    pub const SIM_PIN_REQUIRED: u16 = 11;
    pub const INCORRECT_PASSWORD: u16 = 16;
    pub const NO_NETWORK: u16 = 30;
    pub const INVALID_CHARS: u16 = 25;
}

/// `+CMS ERROR` codes (TS 27.005 §3.2.5) the simulator gives.
mod cms {
    pub const NOT_ALLOWED: u16 = 302;
    pub const INVALID_PDU_PARAMETER: u16 = 304;
    pub const INVALID_TEXT_PARAMETER: u16 = 305;
    pub const SIM_PIN_REQUIRED: u16 = 311;
    pub const INVALID_INDEX: u16 = 321;
    pub const NO_NETWORK: u16 = 331;
}

/// Up to `N` comma-separated decimal parameters; an omitted one is `None`. `Err` when a
/// parameter is not a number or there are more than `N`.
fn numbers<const N: usize>(args: &str) -> Result<[Option<u16>; N], ()> {
    let mut out = [None; N];
    for (i, f) in fields::split(args).enumerate() {
        let slot = out.get_mut(i).ok_or(())?;
        if !f.is_empty() {
            *slot = Some(fields::number(f).ok_or(())?);
        }
    }
    Ok(out)
}

/// One decimal parameter in `0..=max`.
fn flag(args: &str, max: u16) -> Result<u8, ()> {
    match numbers::<1>(args)? {
        [Some(n)] if n <= max => Ok(n as u8),
        _ => Err(()),
    }
}

impl Sim {
    /// Reads what the host sent, as long as the modem is free to.
    pub(super) fn read_rx(&mut self, now: Instant) {
        while self.power == PowerState::Ready && self.in_flight.is_none() && self.timers.reboot.is_none() {
            let Some(b) = self.rx.pop_front() else { break };
            self.read_byte(now, b);
        }
        self.flush_echo(now);
    }

    fn echo(&mut self, b: u8) {
        if self.settings.echo {
            self.out.write(&[b]);
            self.echo_open = true;
        }
    }

    fn read_byte(&mut self, now: Instant, b: u8) {
        if self.input != Input::Command {
            self.echo(b);
            match b {
                CTRL_Z => self.end_body(now, true),
                ESC => self.end_body(now, false),
                b'\r' | b'\n' if matches!(self.input, Input::Pdu { .. }) => {}
                b'\r' => self.push_body(b'\n'),
                b'\n' => {}
                _ => self.push_body(b),
            }
            return;
        }
        self.echo(b);
        match b {
            b'\r' => {
                let line = core::mem::take(&mut self.line);
                let overflow = core::mem::replace(&mut self.line_overflow, false);
                self.execute_line(now, &line, overflow);
            }
            b'\n' => {}
            BACKSPACE => {
                self.line.pop();
            }
            // V.250 §5.2.1: a command line starts at "AT" (or "A/"); anything before is ignored.
            _ if self.line.is_empty() && !b.eq_ignore_ascii_case(&b'A') => {}
            b'/' if self.line.len() == 1 => {
                self.line.clear();
                let last = self.last_line.clone();
                self.execute_line(now, &last, false);
            }
            _ => {
                if self.line.push(b).is_err() {
                    self.line_overflow = true;
                }
            }
        }
    }

    fn push_body(&mut self, b: u8) {
        if self.body.push(b).is_err() {
            self.body_overflow = true;
        }
    }

    fn execute_line(&mut self, now: Instant, line: &[u8], overflow: bool) {
        self.flush_echo(now);
        let Ok(text) = core::str::from_utf8(line) else {
            return self.respond(now, Outcome::Error);
        };
        let Some(commands) = command::parse(text) else {
            // Not a command line ("A" then something else): nothing to answer.
            return;
        };
        if overflow {
            return self.respond(now, Outcome::Error);
        }
        self.last_line = heapless::Vec::from_slice(line).unwrap_or_default();
        self.stats.commands += 1;
        let mut outcome = Outcome::Ok;
        for cmd in commands {
            let flow = match cmd {
                Ok(cmd) => self.run(now, &cmd),
                Err(()) => {
                    self.note_unknown(text);
                    Flow::Stop(Outcome::Error)
                }
            };
            match flow {
                Flow::Next => {}
                Flow::Stop(o) => {
                    outcome = o;
                    break;
                }
                Flow::Prompt => {
                    let prompt = self.config.profile.spec().prompt;
                    self.out.write(b"\r\n");
                    self.out.write(prompt);
                    self.commit_response(now);
                    return;
                }
            }
        }
        self.respond(now, outcome);
    }

    /// Ends the response with `outcome` and releases it, then the URCs it caused.
    fn respond(&mut self, now: Instant, outcome: Outcome) {
        self.final_code(outcome);
        self.commit_response(now);
        for line in core::mem::take(&mut self.after_response) {
            self.urc(now, format_args!("{line}"));
        }
        if core::mem::replace(&mut self.announce_registration, false) {
            self.registration_changed(now);
        }
    }

    /// URCs to send once the current response is out.
    fn after_response(&mut self, lines: &[&'static str]) {
        for line in lines {
            // At most AFTER_RESPONSE lines are ever queued by one command line.
            let _ = self.after_response.push(line);
        }
    }

    fn note_unknown(&mut self, text: &str) {
        self.stats.unknown += 1;
        let mut s = heapless::String::<64>::new();
        for c in text.chars() {
            if s.push(c).is_err() {
                break;
            }
        }
        // Later ones are only counted.
        let _ = self.unknown.push_back(s);
    }

    /// Executes one command. Information lines go straight into the response.
    fn run(&mut self, now: Instant, cmd: &Command<'_>) -> Flow {
        let name = cmd.name.as_str();
        let huawei = self.config.profile == super::Profile::Huawei;
        let sms_locked = self.sim_locked() && matches!(name, "+CMGL" | "+CMGR" | "+CMGD" | "+CMGS" | "+CPMS" | "+CSCA");
        if sms_locked {
            return Flow::Stop(Outcome::Cms(cms::SIM_PIN_REQUIRED));
        }
        if self.sim_locked() && matches!(name, "+CIMI" | "+CNUM" | "+COPS" | "+CUSD") {
            return Flow::Stop(Outcome::Cme(cme::SIM_PIN_REQUIRED));
        }
        let result = match name {
            // Basic commands (V.250).
            "Z" | "&F" => {
                self.settings = super::Settings::defaults(self.config.profile);
                Ok(Flow::Next)
            }
            "E" => self.set_basic(cmd, |s, v| s.settings.echo = v == 1),
            "V" | "Q" | "X" | "L" | "M" | "&C" | "&D" | "&K" | "&W" | "&S" => Ok(Flow::Next),
            "I" => {
                for line in self.config.profile.spec().ati {
                    self.info(format_args!("{line}"));
                }
                Ok(Flow::Next)
            }
            "H" => {
                self.hang_up();
                Ok(Flow::Next)
            }
            "A" => {
                self.call = None;
                self.timers.ring = None;
                Ok(Flow::Stop(Outcome::NoCarrier))
            }
            "D" => Ok(Flow::Stop(if self.registered() { Outcome::NoCarrier } else { Outcome::Cme(cme::NO_NETWORK) })),
            n if n.starts_with('S') => self.s_register(cmd),
            // Identification.
            "+CGMI" | "+GMI" => self.identity(cmd, self.config.profile.spec().manufacturer),
            "+CGMM" | "+GMM" => self.identity(cmd, self.config.profile.spec().model),
            "+CGMR" | "+GMR" => self.identity(cmd, self.config.profile.spec().revision),
            "+CGSN" | "+GSN" => self.identity(cmd, self.config.profile.spec().imei),
            "+CIMI" => self.identity(cmd, self.config.profile.spec().imsi),
            "+GCAP" => {
                self.info(format_args!("+GCAP: +CGSM,+DS,+ES"));
                Ok(Flow::Next)
            }
            "+CCID" => {
                let iccid = self.config.profile.spec().iccid;
                if self.config.profile.spec().ccid_prefixed {
                    self.info(format_args!("+CCID: {iccid}"));
                } else {
                    self.info(format_args!("{iccid}"));
                }
                Ok(Flow::Next)
            }
            "^ICCID" if huawei && cmd.op == Op::Read => {
                // Huawei prints the ICCID as stored on the SIM: nibbles swapped.
                let mut swapped = heapless::String::<24>::new();
                for pair in self.config.profile.spec().iccid.as_bytes().chunks(2) {
                    for &c in pair.iter().rev() {
                        let _ = swapped.push(char::from(c));
                    }
                }
                self.info(format_args!("^ICCID: {swapped}"));
                Ok(Flow::Next)
            }
            "+QCCID" if self.config.profile == super::Profile::Ec25 => {
                self.info(format_args!("+QCCID: {}", self.config.profile.spec().iccid));
                Ok(Flow::Next)
            }
            "+CNUM" => {
                self.info(format_args!("+CNUM: \"\",\"+4915112345678\",145"));
                Ok(Flow::Next)
            }
            // Settings.
            "+CMEE" => self.setting(cmd, "+CMEE: (0-2)", |s| s.settings.cmee, 2, |s, v| s.settings.cmee = v),
            "+CMGF" => self.setting(
                cmd,
                "+CMGF: (0,1)",
                |s| u8::from(s.settings.text_mode),
                1,
                |s, v| s.settings.text_mode = v == 1,
            ),
            "+CLIP" => match cmd.op {
                Op::Read => {
                    self.info(format_args!("+CLIP: {},1", u8::from(self.settings.clip)));
                    Ok(Flow::Next)
                }
                _ => {
                    self.setting(cmd, "+CLIP: (0,1)", |s| u8::from(s.settings.clip), 1, |s, v| s.settings.clip = v == 1)
                }
            },
            "+CRC" => self.setting(cmd, "+CRC: (0,1)", |s| u8::from(s.settings.crc), 1, |s, v| s.settings.crc = v == 1),
            "+CVHU" => self.setting(cmd, "+CVHU: (0,1)", |_| 0, 1, |_, _| {}),
            "^CURC" if huawei => {
                self.setting(cmd, "^CURC: (0-1)", |s| u8::from(s.settings.curc), 1, |s, v| s.settings.curc = v == 1)
            }
            // Huawei: which port carries URCs (Gammu sets it after connecting).
            "^PORTSEL" if huawei => self.setting(cmd, "^PORTSEL: (0,1)", |_| 0, 1, |_, _| {}),
            "+CSMS" => self.csms(cmd),
            "+CNMA" => Ok(Flow::Next),
            "+CSMP" => self.csmp(cmd),
            "+CSCS" => self.cscs(cmd),
            "+CNMI" => self.cnmi(cmd),
            "+CPIN" => self.cpin(cmd),
            "+CFUN" => self.cfun(now, cmd),
            // Network.
            "+CREG" | "+CGREG" | "+CEREG" => self.creg(cmd),
            "+CSQ" => match cmd.op {
                Op::Test => {
                    self.info(format_args!("+CSQ: (0-31,99),(0-7,99)"));
                    Ok(Flow::Next)
                }
                _ => {
                    let rssi = if self.registered() { 20 } else { 99 };
                    self.info(format_args!("+CSQ: {rssi},99"));
                    Ok(Flow::Next)
                }
            },
            "+COPS" => self.cops(cmd),
            "+CUSD" => self.cusd(now, cmd),
            "+CCLK" if cmd.op == Op::Read => {
                let t = self.clock(now);
                let q = t.offset_quarters;
                self.info(format_args!(
                    "+CCLK: \"{:02}/{:02}/{:02},{:02}:{:02}:{:02}{}{:02}\"",
                    t.year % 100,
                    t.month,
                    t.day,
                    t.hour,
                    t.minute,
                    t.second,
                    if q < 0 { '-' } else { '+' },
                    q.unsigned_abs()
                ));
                Ok(Flow::Next)
            }
            // Calls.
            "+CHUP" => {
                self.hang_up();
                Ok(Flow::Next)
            }
            "+CLCC" => {
                if let Some(call) = &self.call {
                    let (number, toa) = match &call.from {
                        Some(n) => (n.as_str(), if n.starts_with('+') { 145 } else { 129 }),
                        None => ("", 128),
                    };
                    let mut line = heapless::String::<80>::new();
                    let _ = write!(line, "+CLCC: 1,1,4,0,0,\"{number}\",{toa}");
                    self.info(format_args!("{line}"));
                }
                Ok(Flow::Next)
            }
            // Messages.
            "+CSCA" => self.csca(cmd),
            "+CPMS" => self.cpms(cmd),
            "+CMGL" => self.cmgl(cmd),
            "+CMGR" => self.cmgr(cmd),
            "+CMGD" => self.cmgd(cmd),
            "+CMGS" => self.cmgs(cmd),
            _ => Err(()),
        };
        match result {
            Ok(flow) => flow,
            Err(()) => {
                if !self.is_known(name) {
                    let mut full = heapless::String::<80>::new();
                    let _ = write!(full, "AT{}", name);
                    match cmd.op {
                        Op::Read => {
                            let _ = full.push('?');
                        }
                        Op::Test => {
                            let _ = full.push_str("=?");
                        }
                        Op::Set(a) => {
                            let _ = write!(full, "={a}");
                        }
                        Op::Exec => {}
                    }
                    self.note_unknown(&full);
                }
                Flow::Stop(Outcome::Error)
            }
        }
    }

    /// Whether `name` is a command this profile knows (an `ERROR` for it is about its
    /// parameters, not an unknown command).
    fn is_known(&self, name: &str) -> bool {
        const KNOWN: &[&str] = &[
            "Z", "&F", "E", "V", "Q", "X", "L", "M", "&C", "&D", "&K", "&W", "&S", "I", "H", "A", "D", "+CGMI", "+GMI",
            "+CGMM", "+GMM", "+CGMR", "+GMR", "+CGSN", "+GSN", "+CIMI", "+GCAP", "+CCID", "+CNUM", "+CMEE", "+CMGF",
            "+CLIP", "+CRC", "+CVHU", "+CSMS", "+CNMA", "+CSMP", "+CSCS", "+CNMI", "+CPIN", "+CFUN", "+CREG", "+CGREG",
            "+CEREG", "+CSQ", "+COPS", "+CUSD", "+CHUP", "+CLCC", "+CSCA", "+CPMS", "+CMGL", "+CMGR", "+CMGD", "+CMGS",
        ];
        KNOWN.contains(&name)
            || (name.starts_with('S') && name.len() > 1)
            || (self.config.profile == super::Profile::Huawei && matches!(name, "^ICCID" | "^CURC" | "^PORTSEL"))
            || (self.config.profile == super::Profile::Ec25 && name == "+QCCID")
    }

    fn set_basic(&mut self, cmd: &Command<'_>, apply: impl FnOnce(&mut Sim, u8)) -> Result<Flow, ()> {
        let v = match cmd.op {
            Op::Exec => 0,
            Op::Set(d) => flag(d, 1)?,
            _ => return Err(()),
        };
        apply(self, v);
        Ok(Flow::Next)
    }

    fn s_register(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        let n: u8 = cmd.name.get(1..).and_then(|d| d.parse().ok()).ok_or(())?;
        match cmd.op {
            Op::Read => {
                // S3 (CR), S4 (LF), S5 (backspace) are fixed here; others read 0.
                let v = match n {
                    3 => 13,
                    4 => 10,
                    5 => 8,
                    _ => 0,
                };
                self.info(format_args!("{v:03}"));
                Ok(Flow::Next)
            }
            Op::Set(_) => Ok(Flow::Next),
            _ => Err(()),
        }
    }

    fn identity(&mut self, cmd: &Command<'_>, value: &str) -> Result<Flow, ()> {
        match cmd.op {
            Op::Exec => {
                self.info(format_args!("{value}"));
                Ok(Flow::Next)
            }
            Op::Test => Ok(Flow::Next),
            _ => Err(()),
        }
    }

    /// A numeric setting: `=?` answers `range`, `?` the value, `=n` sets it (n ≤ `max`).
    fn setting(
        &mut self,
        cmd: &Command<'_>,
        range: &str,
        get: impl FnOnce(&Sim) -> u8,
        max: u16,
        set: impl FnOnce(&mut Sim, u8),
    ) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self.info(format_args!("{range}")),
            Op::Read => {
                let prefix = range.split(':').next().unwrap_or("");
                let v = get(self);
                self.info(format_args!("{prefix}: {v}"));
            }
            Op::Set(a) => set(self, flag(a, max)?),
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn csms(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self.info(format_args!("+CSMS: (0,1)")),
            Op::Read => {
                let csms = self.settings.csms;
                self.info(format_args!("+CSMS: {csms},1,1,1"));
            }
            Op::Set(a) => {
                self.settings.csms = flag(a, 1)?;
                self.info(format_args!("+CSMS: 1,1,1"));
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn csmp(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Read => {
                let (fo, vp) = (self.settings.csmp_fo, self.settings.csmp_vp);
                self.info(format_args!("+CSMP: {fo},{vp},0,0"));
            }
            Op::Set(a) => {
                let [fo, vp, _, _] = numbers::<4>(a)?;
                if let Some(fo) = fo {
                    self.settings.csmp_fo = u8::try_from(fo).map_err(|_| ())?;
                }
                if let Some(vp) = vp {
                    self.settings.csmp_vp = u8::try_from(vp).map_err(|_| ())?;
                }
            }
            Op::Test => {}
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cscs(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self.info(format_args!("+CSCS: (\"GSM\",\"IRA\",\"UCS2\")")),
            Op::Read => self.info(format_args!("+CSCS: \"{}\"", self.settings.charset.name())),
            Op::Set(a) => {
                let name = fields::unquote(a).unwrap_or(a);
                self.settings.charset = [Charset::Gsm, Charset::Ira, Charset::Ucs2]
                    .into_iter()
                    .find(|c| c.name().eq_ignore_ascii_case(name))
                    .ok_or(())?;
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cnmi(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self.info(format_args!("+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)")),
            Op::Read => {
                let [a, b, c, d, e] = self.settings.cnmi;
                self.info(format_args!("+CNMI: {a},{b},{c},{d},{e}"));
            }
            Op::Set(args) => {
                const MAX: [u16; 5] = [3, 3, 3, 2, 1];
                let given = numbers::<5>(args)?;
                let mut cnmi = self.settings.cnmi;
                for ((slot, v), max) in cnmi.iter_mut().zip(given).zip(MAX) {
                    if let Some(v) = v {
                        if v > max {
                            return Ok(Flow::Stop(Outcome::Cms(cms::NOT_ALLOWED)));
                        }
                        *slot = v as u8;
                    }
                }
                self.settings.cnmi = cnmi;
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cpin(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Read => {
                let state = if self.sim_locked() { "SIM PIN" } else { "READY" };
                self.info(format_args!("+CPIN: {state}"));
            }
            Op::Test => {}
            Op::Set(a) => {
                let pin = fields::split(a).next().map(|f| fields::unquote(f).unwrap_or(f)).ok_or(())?;
                if !self.sim_locked() {
                    return Ok(Flow::Stop(Outcome::Cme(cme::NOT_ALLOWED)));
                }
                if pin != super::PIN {
                    return Ok(Flow::Stop(Outcome::Cme(cme::INCORRECT_PASSWORD)));
                }
                self.pin_entered = true;
                // SIMCom and Quectel announce the unlocked SIM after the OK.
                match self.config.profile {
                    super::Profile::Huawei => {}
                    super::Profile::Sim800 => self.after_response(&["+CPIN: READY", "Call Ready", "SMS Ready"]),
                    super::Profile::Ec25 => self.after_response(&["+CPIN: READY", "+QIND: SMS DONE"]),
                }
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cfun(&mut self, now: Instant, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self.info(format_args!("+CFUN: (0,1,4),(0-1)")),
            Op::Read => {
                let cfun = self.settings.cfun;
                self.info(format_args!("+CFUN: {cfun}"));
            }
            Op::Set(a) => {
                let [fun, rst] = numbers::<2>(a)?;
                let fun = fun.ok_or(())?;
                if !matches!(fun, 0 | 1 | 4) || rst.is_some_and(|r| r > 1) {
                    return Err(());
                }
                if rst == Some(1) {
                    // Restart once the OK has left.
                    self.timers.reboot = Some(now + Duration::from_millis(200));
                } else if u16::from(self.settings.cfun) != fun {
                    self.settings.cfun = fun as u8;
                    self.announce_registration = true;
                }
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    /// `<stat>` of `+CREG` and friends: 1 registered, 2 searching, 0 not searching.
    pub(super) fn registration_stat(&self) -> u8 {
        if self.registered() {
            1
        } else if self.settings.cfun == 1 {
            2
        } else {
            0
        }
    }

    fn creg(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        let name = cmd.name.as_str();
        match cmd.op {
            Op::Test => self.info(format_args!("{name}: (0-2)")),
            Op::Read => {
                let n = match name {
                    "+CREG" => self.settings.creg,
                    "+CGREG" => self.settings.cgreg,
                    _ => self.settings.cereg,
                };
                let stat = self.registration_stat();
                if n == 2 && stat == 1 {
                    self.info(format_args!("{name}: {n},{stat},\"1A2B\",\"00C3D4E5\""));
                } else {
                    self.info(format_args!("{name}: {n},{stat}"));
                }
            }
            Op::Set(a) => {
                let n = flag(a, 2)?;
                match name {
                    "+CREG" => self.settings.creg = n,
                    "+CGREG" => self.settings.cgreg = n,
                    _ => self.settings.cereg = n,
                }
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cops(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self
                .info(format_args!("+COPS: (2,\"{OPERATOR}\",\"{OPERATOR}\",\"{OPERATOR_NUMERIC}\",7),,(0-4),(0-2)")),
            Op::Read => {
                if self.registered() {
                    let f = self.settings.cops_format;
                    let name = if f == 2 { OPERATOR_NUMERIC } else { OPERATOR };
                    self.info(format_args!("+COPS: 0,{f},\"{name}\",7"));
                } else {
                    self.info(format_args!("+COPS: 0"));
                }
            }
            Op::Set(a) => {
                let [mode, format, _, _] = numbers::<4>(a).map_err(|_| ())?;
                match (mode, format) {
                    (Some(3), Some(f)) if f <= 2 => self.settings.cops_format = f as u8,
                    (Some(0 | 1 | 2 | 4), _) => {}
                    _ => return Err(()),
                }
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cusd(&mut self, now: Instant, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => self.info(format_args!("+CUSD: (0-2)")),
            Op::Read => self.info(format_args!("+CUSD: 1")),
            Op::Set(a) => {
                let mut f = fields::split(a);
                let n = f.next().and_then(fields::small_number).ok_or(())?;
                match n {
                    2 => self.timers.ussd = None,
                    0 | 1 => {
                        if let Some(request) = f.next().and_then(|s| fields::unquote(s)) {
                            if !self.registered() {
                                return Ok(Flow::Stop(Outcome::Cme(cme::NO_NETWORK)));
                            }
                            self.ussd.clear();
                            for c in request.chars() {
                                if self.ussd.push(c).is_err() {
                                    return Ok(Flow::Stop(Outcome::Cme(cme::INVALID_CHARS)));
                                }
                            }
                            let delay = u64::from(self.config.ussd_delay_ms);
                            self.timers.ussd = Some(now + Duration::from_millis(delay));
                        }
                    }
                    _ => return Err(()),
                }
            }
            Op::Exec => {}
        }
        Ok(Flow::Next)
    }

    fn hang_up(&mut self) {
        if self.call.take().is_some() {
            self.timers.ring = None;
            if self.config.profile.spec().cend {
                self.after_response(&["^CEND:1,0,104,16"]);
            }
        }
    }

    fn csca(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Read => {
                let toa = if self.csca.starts_with('+') { 145 } else { 129 };
                let csca = self.csca.clone();
                self.info(format_args!("+CSCA: \"{csca}\",{toa}"));
            }
            Op::Set(a) => {
                let number = fields::split(a).next().map(|f| fields::unquote(f).unwrap_or(f)).ok_or(())?;
                Number::parse(number, "SMSC").map_err(|_| ())?;
                self.csca.clear();
                self.csca.push_str(number).map_err(|_| ())?;
            }
            Op::Test => {}
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    fn cpms(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        let used = self.storage.used();
        match cmd.op {
            Op::Test => self.info(format_args!("+CPMS: (\"SM\"),(\"SM\"),(\"SM\")")),
            Op::Read => {
                self.info(format_args!("+CPMS: \"SM\",{used},{SLOTS},\"SM\",{used},{SLOTS},\"SM\",{used},{SLOTS}"))
            }
            Op::Set(a) => {
                let mut given = 0;
                for mem in fields::split(a) {
                    given += 1;
                    if given > 3 || !fields::unquote(mem).unwrap_or(mem).eq_ignore_ascii_case("SM") {
                        return Ok(Flow::Stop(Outcome::Cms(cms::NOT_ALLOWED)));
                    }
                }
                if given == 0 {
                    return Err(());
                }
                self.info(format_args!("+CPMS: {used},{SLOTS},{used},{SLOTS},{used},{SLOTS}"));
            }
            Op::Exec => return Err(()),
        }
        Ok(Flow::Next)
    }

    /// Slot number of an index as the host writes it; `None` outside the storage.
    fn slot_of(&self, index: u16) -> Option<usize> {
        let first = self.config.profile.spec().first_index;
        usize::from(index).checked_sub(first).filter(|&i| i < SLOTS)
    }

    fn index_of(&self, slot: usize) -> usize {
        slot + self.config.profile.spec().first_index
    }

    fn cmgl(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        let filter = match cmd.op {
            Op::Test => {
                if self.settings.text_mode {
                    self.info(format_args!("+CMGL: (\"REC UNREAD\",\"REC READ\",\"STO UNSENT\",\"STO SENT\",\"ALL\")"));
                } else {
                    self.info(format_args!("+CMGL: (0-4)"));
                }
                return Ok(Flow::Next);
            }
            Op::Exec => Filter::Only(Stat::RecUnread),
            Op::Set(a) => {
                let f = Filter::parse(a);
                // PDU mode takes numbers, text mode words.
                let word = a.trim_start().starts_with('"');
                match f {
                    Some(f) if word == self.settings.text_mode => f,
                    _ => return Ok(Flow::Stop(Outcome::Cms(cms::NOT_ALLOWED))),
                }
            }
            Op::Read => return Err(()),
        };
        let mut listed: heapless::Vec<usize, SLOTS> = heapless::Vec::new();
        // At most SLOTS slots match.
        listed.extend(self.storage.matching(filter));
        for &slot in &listed {
            self.write_message(slot, true);
            if let Some(m) = self.storage.get_mut(slot) {
                if m.stat == Stat::RecUnread {
                    m.stat = Stat::RecRead;
                }
            }
        }
        Ok(Flow::Next)
    }

    fn cmgr(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        let Op::Set(a) = cmd.op else {
            return if cmd.op == Op::Test { Ok(Flow::Next) } else { Err(()) };
        };
        let [index] = numbers::<1>(a)?;
        let Some(slot) = index.and_then(|i| self.slot_of(i)) else {
            return Ok(Flow::Stop(Outcome::Cms(cms::INVALID_INDEX)));
        };
        if self.storage.get(slot).is_some() {
            self.write_message(slot, false);
            if let Some(m) = self.storage.get_mut(slot) {
                if m.stat == Stat::RecUnread {
                    m.stat = Stat::RecRead;
                }
            }
        }
        Ok(Flow::Next)
    }

    /// Writes a stored message as `+CMGL` (`list`) or `+CMGR` shows it, in the current mode.
    fn write_message(&mut self, slot: usize, list: bool) {
        let Some(m) = self.storage.get(slot).cloned() else { return };
        let index = self.index_of(slot);
        let stat = m.stat;
        if !self.settings.text_mode {
            let mut hex_buf = [0u8; 2 * crate::codec::pdu::MAX_PDU_OCTETS];
            let hex_text = hex::encode_into(&m.pdu, &mut hex_buf).unwrap_or("");
            let len = m.tpdu_len;
            if list {
                self.info(format_args!("+CMGL: {index},{},,{len}", stat.number()));
            } else {
                self.info(format_args!("+CMGR: {},,{len}", stat.number()));
            }
            // The PDU line follows the header line directly.
            self.out.write(hex_text.as_bytes());
            self.out.write(b"\r\n");
            return;
        }
        let mut head = heapless::String::<160>::new();
        let mut body = heapless::String::<{ super::AIR_TEXT_CAPACITY * 2 }>::new();
        let _ = if list { write!(head, "+CMGL: {index},") } else { write!(head, "+CMGR: ") };
        match pdu::decode(&m.pdu) {
            Ok(Pdu::Deliver(d)) => {
                let t = d.timestamp;
                let _ = write!(
                    head,
                    "\"{}\",\"{}\",,\"{:02}/{:02}/{:02},{:02}:{:02}:{:02}{:+03}\"",
                    stat.text(),
                    d.originator,
                    t.year % 100,
                    t.month,
                    t.day,
                    t.hour,
                    t.minute,
                    t.second,
                    t.offset_quarters
                );
                if let Ok(chars) = d.user_data.text() {
                    self.text_for_host(chars, &mut body);
                }
            }
            Ok(Pdu::StatusReport(r)) => {
                let _ =
                    write!(head, "\"{}\",6,{},\"{}\",,,,{}", stat.text(), r.message_ref, r.recipient, r.status.raw());
            }
            Ok(Pdu::Submit(s)) => {
                let _ = write!(head, "\"{}\",\"{}\",", stat.text(), s.destination);
                if let Ok(chars) = s.user_data.text() {
                    self.text_for_host(chars, &mut body);
                }
            }
            Err(_) => {}
        }
        self.info(format_args!("{head}"));
        self.out.write(body.as_bytes());
        self.out.write(b"\r\n");
    }

    /// A text in the character set `AT+CSCS` chose: UCS2 as hex, otherwise as is.
    fn text_for_host<const N: usize>(&self, chars: impl Iterator<Item = char>, out: &mut heapless::String<N>) {
        for c in chars {
            let ok = if self.settings.charset == Charset::Ucs2 {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units).iter().try_for_each(|u| write!(out, "{u:04X}"))
            } else {
                out.push(c).map_err(|_| core::fmt::Error)
            };
            if ok.is_err() {
                break;
            }
        }
    }

    fn cmgd(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        match cmd.op {
            Op::Test => {
                let mut used = heapless::String::<{ SLOTS * 4 }>::new();
                let slots: heapless::Vec<usize, SLOTS> = self.storage.matching(Filter::All).collect();
                for (i, slot) in slots.into_iter().enumerate() {
                    let sep = if i > 0 { "," } else { "" };
                    let _ = write!(used, "{sep}{}", self.index_of(slot));
                }
                self.info(format_args!("+CMGD: ({used}),(0-4)"));
                Ok(Flow::Next)
            }
            Op::Set(a) => {
                let [index, flag] = numbers::<2>(a)?;
                let flag = flag.unwrap_or(0);
                if flag > 4 {
                    return Err(());
                }
                if flag == 0 {
                    let Some(slot) = index.and_then(|i| self.slot_of(i)) else {
                        return Ok(Flow::Stop(Outcome::Cms(cms::INVALID_INDEX)));
                    };
                    self.storage.delete(slot);
                } else {
                    self.storage.delete_where(|s| match flag {
                        1 => s == Stat::RecRead,
                        2 => matches!(s, Stat::RecRead | Stat::StoSent),
                        3 => s != Stat::RecUnread,
                        _ => true,
                    });
                }
                Ok(Flow::Next)
            }
            _ => Err(()),
        }
    }

    fn cmgs(&mut self, cmd: &Command<'_>) -> Result<Flow, ()> {
        let Op::Set(a) = cmd.op else {
            return if cmd.op == Op::Test { Ok(Flow::Next) } else { Err(()) };
        };
        if self.settings.text_mode {
            let number = fields::split(a).next().and_then(fields::unquote).unwrap_or("");
            if Number::parse(number, "TP-DA").is_err() {
                return Ok(Flow::Stop(Outcome::Cms(cms::INVALID_TEXT_PARAMETER)));
            }
            let mut destination = heapless::String::<RECIPIENT_CAPACITY>::new();
            destination.push_str(number).map_err(|_| ())?;
            self.input = Input::Text { destination };
        } else {
            let [len] = numbers::<1>(a).map_err(|_| ())?;
            match len.map(usize::from) {
                Some(n) if (7..=MAX_TPDU_OCTETS).contains(&n) => self.input = Input::Pdu { tpdu_len: n },
                _ => return Ok(Flow::Stop(Outcome::Cms(cms::INVALID_PDU_PARAMETER))),
            }
        }
        self.body.clear();
        self.body_overflow = false;
        Ok(Flow::Prompt)
    }

    /// Ctrl-Z (`submit`) or ESC after the prompt.
    fn end_body(&mut self, now: Instant, submit: bool) {
        self.flush_echo(now);
        let input = core::mem::replace(&mut self.input, Input::Command);
        let body = core::mem::take(&mut self.body);
        let overflow = core::mem::replace(&mut self.body_overflow, false);
        if !submit {
            return self.respond(now, Outcome::Ok);
        }
        let pdu = match input {
            Input::Command => return,
            Input::Pdu { tpdu_len } => {
                let mut octets = [0u8; crate::codec::pdu::MAX_PDU_OCTETS];
                let decoded = if overflow { None } else { hex::decode_into(&body, &mut octets).ok() };
                // The SMSC field's length octet, then that many octets, then the TPDU.
                let fits = decoded.filter(|p| p.first().is_some_and(|&l| p.len() == 1 + usize::from(l) + tpdu_len));
                match fits.and_then(|p| PduBuf::from_slice(p).ok()) {
                    Some(p) => p,
                    None => {
                        self.stats.send_failed += 1;
                        return self.respond(now, Outcome::Cms(cms::INVALID_PDU_PARAMETER));
                    }
                }
            }
            Input::Text { destination } => match self.text_mode_pdu(&destination, &body, overflow) {
                Some(p) => p,
                None => {
                    self.stats.send_failed += 1;
                    return self.respond(now, Outcome::Cms(cms::INVALID_TEXT_PARAMETER));
                }
            },
        };
        self.submit(now, pdu);
    }

    /// The SMS-SUBMIT a text-mode send stands for, with the `AT+CSMP` parameters.
    fn text_mode_pdu(&self, destination: &str, body: &[u8], overflow: bool) -> Option<PduBuf> {
        if overflow {
            return None;
        }
        let text = core::str::from_utf8(body).ok()?;
        let plan = encoding::plan(text, &Options::default()).ok().filter(|p| p.parts == 1)?;
        let fo = self.settings.csmp_fo;
        let params = SubmitParams {
            smsc: None,
            destination,
            message_ref: 0,
            status_report: fo & 0x20 != 0,
            validity_minutes: (fo & 0x18 == 0x10)
                .then(|| crate::codec::pdu::validity::relative_minutes(self.settings.csmp_vp)),
            flash: false,
        };
        let part = Part { text, encoding: plan.encoding, concat: None };
        let mut out = [0u8; crate::codec::pdu::MAX_PDU_OCTETS];
        let encoded = pdu::encode_submit(&params, &part, &mut out).ok()?;
        PduBuf::from_slice(encoded.octets).ok()
    }

    /// Hands a PDU to the network: checked now, answered after the network's delay.
    fn submit(&mut self, now: Instant, pdu: PduBuf) {
        if !matches!(pdu::decode(&pdu), Ok(Pdu::Submit(_))) {
            self.stats.send_failed += 1;
            return self.respond(now, Outcome::Cms(cms::INVALID_PDU_PARAMETER));
        }
        let result = if !self.registered() {
            Err(cms::NO_NETWORK)
        } else {
            match self.faults.cms {
                Some((code, permille)) if self.rng.chance(permille) => Err(code),
                _ => {
                    let mr = self.next_mr;
                    self.next_mr = self.next_mr.wrapping_add(1);
                    Ok(mr)
                }
            }
        };
        self.in_flight = Some(InFlight { pdu, result });
        let delay = self.faults.network_delay_ms;
        if delay == 0 {
            self.finish_send(now);
        } else {
            self.timers.send_result = Some(now + Duration::from_millis(u64::from(delay)));
        }
    }

    /// The network's answer to the part in flight.
    pub(super) fn finish_send(&mut self, now: Instant) {
        self.timers.send_result = None;
        let Some(flight) = self.in_flight.take() else { return };
        match flight.result {
            Ok(mr) => {
                self.stats.sent += 1;
                if let Some(event) = super::AirEvent::from_submit(now, mr, &flight.pdu) {
                    if event.status_report {
                        self.schedule_report(now, &event);
                    }
                    if self.air.is_full() {
                        self.air.pop_front();
                        self.stats.air_dropped += 1;
                    }
                    // Room was made above.
                    let _ = self.air.push_back(event);
                }
                self.info(format_args!("+CMGS: {mr}"));
                self.respond(now, Outcome::Ok);
            }
            Err(code) => {
                self.stats.send_failed += 1;
                self.respond(now, Outcome::Cms(code));
            }
        }
    }

    fn schedule_report(&mut self, now: Instant, event: &super::AirEvent) {
        let delay = Duration::from_millis(u64::from(self.config.report_delay_ms));
        let report = PendingReport {
            due: now + delay,
            message_ref: event.message_ref,
            recipient: event.recipient.clone(),
            submitted: self.clock(now),
            status: self.config.report_status,
        };
        // A full queue loses the report, as a network under load may.
        let _ = self.reports.push_back(report);
    }
}
