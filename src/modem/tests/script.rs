//! A scripted modem for transcript tests: it answers each command line the driver writes with
//! the next canned reply for that line (the last one repeats), and logs what it was sent.
//! Deliberately tiny and literal: the simulator proper lives elsewhere.

extern crate std;

use std::collections::{HashMap, VecDeque};
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::codec::pdu::{encode_submit, Part, SubmitParams, MAX_PDU_OCTETS};
use crate::modem::{Config, DeviceEvent, Driver, Event, OutgoingPart, PartId};
use crate::time::Instant;
use core::time::Duration;

pub(crate) const IMEI: &str = "867322035432174";
pub(crate) const IMSI: &str = "262021234567890";
pub(crate) const ICCID: &str = "89490200001234567890";

/// `\r\nOK\r\n`.
pub(crate) const OK: &str = "\r\nOK\r\n";

/// `line` framed as a modem frames a response: `\r\n<line>\r\n`.
pub(crate) fn line(text: &str) -> String {
    format!("\r\n{text}\r\n")
}

/// An information response and `OK`.
pub(crate) fn answer(text: &str) -> String {
    format!("\r\n{text}\r\n{OK}")
}

#[derive(Debug)]
pub(crate) struct Modem {
    rules: HashMap<String, VecDeque<String>>,
    /// Echo command lines (until `ATE0`).
    pub(crate) echo: bool,
    /// In the SMS prompt: input is message text up to Ctrl-Z or ESC.
    pub(crate) prompt: bool,
    /// Answers nothing at all.
    pub(crate) dead: bool,
    /// ESC does not leave the prompt (some firmware needs Ctrl-Z).
    pub(crate) sticky_prompt: bool,
    /// URC lines the modem puts before every reply (a Huawei stick's `^RSSI` flood).
    pub(crate) flood: String,
    /// While dead, this command brings the modem back (`AT+CFUN=1,1`, say).
    pub(crate) revive_on: Option<String>,
    line: String,
    /// What the driver wrote: command lines, `<ESC>`, `<CTRL-Z>`, `PDU:<hex>`.
    pub(crate) log: Vec<String>,
}

impl Modem {
    /// A modem that answers the whole initialisation sequence and a send cleanly.
    pub(crate) fn new() -> Modem {
        let mut m = Modem {
            rules: HashMap::new(),
            echo: false,
            prompt: false,
            dead: false,
            sticky_prompt: false,
            flood: String::new(),
            revive_on: None,
            line: String::new(),
            log: Vec::new(),
        };
        for (cmd, reply) in [
            ("AT", OK.to_string()),
            ("ATE0", OK.to_string()),
            ("AT+CMEE=1", OK.to_string()),
            ("AT+CMGF=0", OK.to_string()),
            ("AT+CPIN?", answer("+CPIN: READY")),
            ("AT+CSMS?", answer("+CSMS: 0,1,1,1")),
            ("AT+CNMI=2,1,0,1,0", OK.to_string()),
            ("AT+CLIP=1", OK.to_string()),
            ("AT+CREG=2", OK.to_string()),
            ("AT+CPMS=?", answer("+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")")),
            ("AT+CPMS=\"SM\",\"SM\",\"SM\"", answer("+CPMS: 0,30,0,30,0,30")),
            ("AT+CPMS?", answer("+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30")),
            ("AT+CGMI", answer("SIMCOM_Ltd")),
            ("AT+CGMM", answer("SIMCOM_SIM800L")),
            ("AT+CGMR", answer("Revision:1418B05SIM800L24")),
            ("AT+CGSN", answer(IMEI)),
            ("AT+CIMI", answer(IMSI)),
            ("AT+CCID", answer(ICCID)),
            ("AT+COPS=3,0", OK.to_string()),
            ("AT+COPS?", answer("+COPS: 0,0,\"Vodafone.de\"")),
            ("AT+CSQ", answer("+CSQ: 20,99")),
            ("AT+CREG?", answer("+CREG: 2,1,\"00C3\",\"0010ABCD\",7")),
            ("AT+CMGL=4", OK.to_string()),
            ("ATH", OK.to_string()),
            ("AT+CNMA", OK.to_string()),
            ("PDU", answer("+CMGS: 42")),
        ] {
            m.on(cmd, &[&reply]);
        }
        m
    }

    /// Replies for `cmd` (a command line without CR, `PDU` for a message body, `<ESC>`,
    /// `<CTRL-Z>`), used in order; the last repeats. An empty reply is silence.
    pub(crate) fn on(&mut self, cmd: &str, replies: &[&str]) -> &mut Modem {
        self.rules.insert(cmd.to_string(), replies.iter().map(|r| r.to_string()).collect());
        self
    }

    fn reply(&mut self, key: &str) -> String {
        if self.dead && self.revive_on.as_deref() == Some(key) {
            self.dead = false;
        }
        if self.dead {
            return String::new();
        }
        match self.rules.get_mut(key) {
            Some(q) if q.len() > 1 => q.pop_front().unwrap_or_default(),
            Some(q) => q.front().cloned().unwrap_or_default(),
            None if key.starts_with("AT+CMGS=") => "\r\n> ".to_string(),
            // A command the script does not know: what a modem says to one.
            None if key.starts_with("AT") => "\r\nERROR\r\n".to_string(),
            None => String::new(),
        }
    }

    /// Takes the driver's bytes and returns the modem's answer.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> String {
        let mut out = String::new();
        for &b in bytes {
            match b {
                0x1B => {
                    self.log.push("<ESC>".to_string());
                    self.line.clear();
                    self.prompt &= self.sticky_prompt;
                    out += &self.reply("<ESC>");
                }
                0x1A if self.prompt => {
                    self.prompt = false;
                    let body = core::mem::take(&mut self.line);
                    self.log.push(format!("PDU:{body}"));
                    out += &self.reply("PDU");
                }
                0x1A => {
                    self.log.push("<CTRL-Z>".to_string());
                    self.line.clear();
                    out += &self.reply("<CTRL-Z>");
                }
                b'\r' if !self.prompt => {
                    let cmd = core::mem::take(&mut self.line);
                    self.log.push(cmd.clone());
                    if self.echo && !self.dead {
                        out += &cmd;
                        out += "\r";
                    }
                    let reply = self.reply(&cmd);
                    if !reply.is_empty() {
                        out += &self.flood;
                    }
                    if cmd == "ATE0" && !reply.is_empty() {
                        self.echo = false;
                    }
                    if reply.trim_end_matches(' ').ends_with('>') {
                        self.prompt = true;
                    }
                    out += &reply;
                }
                _ => self.line.push(char::from(b)),
            }
        }
        out
    }

    /// How often `entry` was written.
    pub(crate) fn count(&self, entry: &str) -> usize {
        self.log.iter().filter(|l| *l == entry).count()
    }

    /// The log from the last `entry` on (or all of it).
    pub(crate) fn since(&self, entry: &str) -> Vec<String> {
        let start = self.log.iter().rposition(|l| l == entry).unwrap_or(0);
        self.log[start..].to_vec()
    }
}

/// The commands of a clean initialisation, as the default script answers them.
pub(crate) const CLEAN_INIT: &[&str] = &[
    "AT",
    "ATE0",
    "AT+CMEE=1",
    "AT+CMGF=0",
    "AT+CPIN?",
    "AT+CSMS?",
    "AT+CNMI=2,1,0,1,0",
    "AT+CLIP=1",
    "AT+CREG=2",
    "AT+CPMS=?",
    "AT+CPMS=\"SM\",\"SM\",\"SM\"",
    "AT+CPMS?",
    "AT+CGMI",
    "AT+CGMM",
    "AT+CGMR",
    "AT+CGSN",
    "AT+CIMI",
    "AT+CCID",
    "AT+COPS=3,0",
    "AT+COPS?",
    "AT+CSQ",
    "AT+CREG?",
    "AT+CEREG?",
    "AT+CMGL=4",
];

/// The driver, the scripted modem, and a clock moved by hand.
#[derive(Debug)]
pub(crate) struct Harness {
    pub(crate) d: Driver,
    pub(crate) m: Modem,
    pub(crate) now: Instant,
    pub(crate) events: Vec<Event>,
    /// Every event with the time it came out, never cleared.
    pub(crate) timeline: Vec<(Instant, Event)>,
}

impl Harness {
    pub(crate) fn new(config: Config, m: Modem) -> Harness {
        Harness {
            d: Driver::new(config, Instant::ZERO),
            m,
            now: Instant::ZERO,
            events: Vec::new(),
            timeline: Vec::new(),
        }
    }

    /// A harness on the default script, initialised.
    pub(crate) fn ready(config: Config) -> Harness {
        let mut h = Harness::new(config, Modem::new());
        h.open();
        h.settle();
        assert!(h.events.contains(&Event::Ready), "{:?}\n{:?}", h.events, h.m.log);
        h.events.clear();
        h
    }

    pub(crate) fn open(&mut self) {
        self.d.handle_device(self.now, DeviceEvent::Opened);
        self.pump();
    }

    pub(crate) fn close(&mut self) {
        self.d.handle_device(self.now, DeviceEvent::Closed);
        self.pump();
    }

    /// Passes bytes both ways until neither side has more to say.
    pub(crate) fn pump(&mut self) {
        for _ in 0..1_000 {
            while let Some(e) = self.d.poll_event() {
                self.timeline.push((self.now, e.clone()));
                self.events.push(e);
            }
            let Some(tx) = self.d.poll_transmit() else { return };
            let reply = self.m.feed(tx);
            if !reply.is_empty() {
                self.d.handle_bytes(self.now, reply.as_bytes());
            }
        }
        panic!("the driver and the modem talk forever: {:?}", tail(&self.m.log));
    }

    /// Bytes from the modem that no command asked for.
    pub(crate) fn inject(&mut self, text: &str) {
        self.d.handle_bytes(self.now, text.as_bytes());
        self.pump();
    }

    /// Moves the clock by `d`, firing timers on the way.
    pub(crate) fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        self.pump();
        for _ in 0..10_000 {
            match self.d.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.d.handle_timeout(self.now);
                    self.pump();
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
        panic!("timers fire forever");
    }

    /// Runs until the driver has nothing to do for a while (a minute of quiet timers aside).
    pub(crate) fn settle(&mut self) {
        self.advance(Duration::from_millis(1));
    }

    pub(crate) fn send(&mut self, id: u64, to: &str, text: &str) -> Result<(), crate::modem::Error> {
        let r = self.d.send(self.now, part(id, to, text));
        self.pump();
        r
    }
}

/// A part with `text` to `to`.
pub(crate) fn part(id: u64, to: &str, text: &str) -> OutgoingPart {
    let mut buf = [0u8; MAX_PDU_OCTETS];
    let params = SubmitParams { destination: to, ..Default::default() };
    let p = Part { text, encoding: crate::codec::encoding::Encoding::GSM7, concat: None };
    let encoded = encode_submit(&params, &p, &mut buf).unwrap();
    OutgoingPart::new(PartId(id), &encoded, to).unwrap()
}

/// Octets from hex.
pub(crate) fn unhex(hex: &str) -> heapless::Vec<u8, MAX_PDU_OCTETS> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// The hex of `part`'s PDU, as the modem sees it.
pub(crate) fn pdu_hex(part: &OutgoingPart) -> String {
    part.pdu.iter().map(|b| format!("{b:02X}")).collect()
}

pub(crate) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The last lines of a log, for failure messages.
pub(crate) fn tail(log: &[String]) -> &[String] {
    &log[log.len().saturating_sub(30)..]
}
