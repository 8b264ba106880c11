//! The AT digester: the modem's byte stream in, one [`Item`] at a time out.
//!
//! Sans-IO: the caller reads the serial port and hands the bytes to [`Digester::push`], in any
//! chunks — a line split across reads gives the same items as one read. `push` stops after the
//! byte that completes an item and returns how many bytes it took; [`Digester::poll`] then hands
//! the item out, borrowed from the digester's buffer until the next `push` or `poll`:
//!
//! ```
//! use smsgw::codec::at::{Digester, Final, Item};
//!
//! let mut d = Digester::new();
//! let mut input: &[u8] = b"AT+CSQ\r\r\n^RSSI:17\r\n\r\n+CSQ: 17,99\r\n\r\nOK\r\n";
//! d.set_expected(Some("+CSQ:"));
//! let mut finals = 0;
//! while !input.is_empty() {
//!     let n = d.push(input);
//!     input = &input[n..];
//!     while let Some(item) = d.poll() {
//!         match item {
//!             Ok(Item::Response(line)) => assert_eq!(line, "+CSQ: 17,99"),
//!             Ok(Item::Final(f)) => { assert_eq!(f, Final::Ok); finals += 1 }
//!             Ok(_) => {}  // the echo and the ^RSSI URC
//!             Err(e) => panic!("{e}"),
//!         }
//!     }
//! }
//! assert_eq!(finals, 1);
//! ```
//!
//! # How lines are told apart
//!
//! Lines end at CR or LF (V.250 §5.2.1 frames responses as CR LF text CR LF; an echoed command
//! ends with the CR the caller sent); empty lines are skipped. A complete line is, in this order:
//!
//! 1. an [`Item::Echo`] if it starts with `AT` or `A/` (either case): with echo on (`ATE1`, the
//!    default until `ATE0` is sent) the modem repeats the command line. (A text-mode message line
//!    that starts with "At" would be taken for one; the gateway reads messages in PDU mode.)
//! 2. an [`Item::Final`] if it is a final result code (`OK`, `ERROR`, `+CMS ERROR: …`,
//!    `+CME ERROR: …`, `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE`, `CONNECT …`,
//!    `ABORTED`; Huawei's `COMMAND NOT SUPPORT` and `TOO MANY PARAMETERS` are `ERROR`). Verbose
//!    result codes (`ATV1`, the default) are assumed;
//! 3. an [`Item::Response`] if it starts with the prefix given to [`Digester::set_expected`];
//! 4. an [`Item::Urc`] if it is one of the URCs of [`UrcKind`];
//! 5. an [`Item::Response`] otherwise (`+CSQ: 20,99`, an IMEI, a `+CMGL` PDU line).
//!
//! Rule 3 settles lines that are both: `+CREG: 1` or `+CPIN: READY` answer `AT+CREG?` and
//! `AT+CPIN?` but arrive unsolicited too. While a command is pending whose information
//! responses start with a prefix, the caller sets that prefix (`"+CREG:"`); a final result
//! clears it, so a later `+CREG: 1` is a URC again.
//!
//! `+CMT`, `+CDS` (PDU mode) and `+CBM` are followed by a second line that belongs to them; the
//! digester hands out both as one [`UrcLine`]. In PDU mode that line must be hex; if it is not,
//! the URC is reported as [`Error::InvalidField`] and the line is classified on its own.
//!
//! The SMS prompt `> ` (or a bare `>`) has no line end: it is an [`Item::Prompt`] as soon as a
//! `>` starts a line; a space right after it is dropped. After a prompt, the text up to Ctrl-Z
//! (sent) or ESC (cancelled) is the echoed PDU, [`Item::BodyEcho`].
//!
//! # Errors and resync
//!
//! A line longer than [`LINE_CAPACITY`] is [`Error::LineTooLong`]; bytes that are not text
//! (control characters other than CR, LF and TAB, DEL, bytes that cannot occur in UTF-8, or a
//! line that is not UTF-8) are [`Error::Garbage`]. Either is reported once, at the byte where it
//! is detected, and the rest of that line is dropped up to the next CR or LF; a run of garbage
//! between lines (a NUL flood while the modem powers up) is dropped up to the next text byte.
//!
//! After `CONNECT` the modem is in data mode: those bytes are not for this digester.

use core::fmt;

use super::errors::{CmeCode, CmsCode};
use super::fields::number;
use super::urc::{Body, UrcKind, UrcLine};
use crate::codec::Error;

/// Bytes the digester holds for one item, both lines of a two-line URC together.
///
/// The longest text a modem sends in one item is a `+CUSD` answer in UCS-2 hex: 182 characters
/// (160 octets of 7-bit USSD) × 4 digits = 728, plus `+CUSD: 1,"",72` = 744. A `+CMT` URC, header
/// and PDU line, needs at most 2 × 176 digits (12-octet SMSC address + 164-octet TPDU) plus a
/// header with a phone-book name, well under that; so does an echoed PDU.
pub const LINE_CAPACITY: usize = 768;

const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;

/// One thing the modem said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Item<'a> {
    /// A command line echoed back, e.g. `AT+CSQ`.
    Echo(&'a str),
    /// The text echoed after the prompt, ended by Ctrl-Z (`submitted`) or ESC (not submitted).
    BodyEcho { body: &'a str, submitted: bool },
    /// The SMS prompt `> `: the modem waits for the PDU.
    Prompt,
    /// An information response line of the pending command.
    Response(&'a str),
    /// A final result code: the pending command is complete.
    Final(Final<'a>),
    /// An unsolicited result code.
    Urc(UrcLine<'a>),
}

/// A final result code (V.250 §5.7.1, TS 27.007 §9.2, TS 27.005 §3.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Final<'a> {
    Ok,
    Error,
    /// `+CMS ERROR: <err>`. `text` is `<err>` as sent (a number, or a text with `AT+CMEE=2`);
    /// `code` is the number, or the code whose spec text `text` is.
    CmsError {
        code: Option<CmsCode>,
        text: &'a str,
    },
    /// `+CME ERROR: <err>`, like [`Final::CmsError`].
    CmeError {
        code: Option<CmeCode>,
        text: &'a str,
    },
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
    /// `CONNECT` with what follows it (a speed or nothing).
    Connect(&'a str),
    Aborted,
}

impl Final<'_> {
    /// `OK` or `CONNECT`: the command succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Final::Ok | Final::Connect(_))
    }
}

/// Which final result code a line is; parsed into [`Final`] when handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FinalKind {
    Ok,
    Error,
    Cms,
    Cme,
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
    Connect,
    Aborted,
}

const CMS_ERROR: &str = "+CMS ERROR:";
const CME_ERROR: &str = "+CME ERROR:";

fn final_kind(line: &str) -> Option<FinalKind> {
    let line = line.trim_end();
    Some(match line {
        "OK" => FinalKind::Ok,
        // Huawei ends a command it does not know, or one with too many parameters, with these
        // instead of ERROR.
        "ERROR" | "COMMAND NOT SUPPORT" | "TOO MANY PARAMETERS" => FinalKind::Error,
        "NO CARRIER" => FinalKind::NoCarrier,
        "BUSY" => FinalKind::Busy,
        "NO ANSWER" => FinalKind::NoAnswer,
        "NO DIALTONE" | "NO DIAL TONE" => FinalKind::NoDialtone,
        "ABORTED" => FinalKind::Aborted,
        "CONNECT" => FinalKind::Connect,
        _ if line.starts_with(CMS_ERROR) => FinalKind::Cms,
        _ if line.starts_with(CME_ERROR) => FinalKind::Cme,
        _ if line.starts_with("CONNECT ") => FinalKind::Connect,
        _ => return None,
    })
}

impl<'a> Final<'a> {
    fn parse(kind: FinalKind, line: &'a str) -> Final<'a> {
        let line = line.trim_end();
        let after = |prefix: &str| line.strip_prefix(prefix).unwrap_or("").trim();
        match kind {
            FinalKind::Ok => Final::Ok,
            FinalKind::Error => Final::Error,
            FinalKind::Cms => {
                let text = after(CMS_ERROR);
                let code = number(text).map(CmsCode).or_else(|| CmsCode::from_text(text));
                Final::CmsError { code, text }
            }
            FinalKind::Cme => {
                let text = after(CME_ERROR);
                let code = number(text).map(CmeCode).or_else(|| CmeCode::from_text(text));
                Final::CmeError { code, text }
            }
            FinalKind::NoCarrier => Final::NoCarrier,
            FinalKind::Busy => Final::Busy,
            FinalKind::NoAnswer => Final::NoAnswer,
            FinalKind::NoDialtone => Final::NoDialtone,
            FinalKind::Connect => Final::Connect(after("CONNECT")),
            FinalKind::Aborted => Final::Aborted,
        }
    }
}

/// What a complete line is (rules 1–5 of the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Echo,
    Final(FinalKind),
    Response,
    Urc(UrcKind),
    /// The first line of a two-line URC.
    Header(UrcKind, Body),
}

fn classify(line: &str, expected: Option<&str>) -> Class {
    let echo = match line.as_bytes() {
        [a, t, ..] => a.eq_ignore_ascii_case(&b'A') && (t.eq_ignore_ascii_case(&b'T') || *t == b'/'),
        _ => false,
    };
    if echo {
        return Class::Echo;
    }
    if let Some(kind) = final_kind(line) {
        return Class::Final(kind);
    }
    if expected.is_some_and(|prefix| line.starts_with(prefix)) {
        return Class::Response;
    }
    match UrcKind::of(line) {
        Some((kind, payload)) => match Body::after(kind, payload) {
            Some(body) => Class::Header(kind, body),
            None => Class::Urc(kind),
        },
        None => Class::Response,
    }
}

/// Bytes that are never part of a line: C0 controls other than TAB (CR, LF, and after a
/// prompt Ctrl-Z and ESC, are handled before this), DEL, and bytes that UTF-8 never uses.
fn is_junk(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F || matches!(b, 0xC0 | 0xC1 | 0xF5..=0xFF)
}

/// What the digester does with the next byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Collecting a line.
    Line,
    /// A prompt was just seen: a space is part of it.
    AfterPrompt,
    /// After an error inside a line: drop bytes up to CR or LF.
    SkipLine,
    /// After garbage between lines: drop junk bytes up to the next text byte.
    Junk,
}

/// The first line of a two-line URC, held at the start of the buffer while its body arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    /// Where the header ends and the body starts in the buffer.
    end: usize,
    kind: UrcKind,
    body: Body,
}

/// An item waiting in the buffer, to be built when polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Prompt,
    Echo,
    BodyEcho { submitted: bool },
    Response,
    Final(FinalKind),
    Urc(UrcKind),
}

/// What `poll` hands out next: an error first, if any, then an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ready {
    error: Option<Error>,
    then: Option<Pending>,
}

/// The AT line digester; see the module documentation for the rules.
#[derive(Clone, PartialEq, Eq)]
pub struct Digester {
    buf: [u8; LINE_CAPACITY],
    len: usize,
    header: Option<Header>,
    mode: Mode,
    /// A prompt was seen and no line has completed since: Ctrl-Z and ESC end the echoed PDU.
    prompted: bool,
    ready: Option<Ready>,
    /// The buffered item was handed out: the buffer is cleared at the next call.
    polled: bool,
    expected: Option<&'static str>,
}

impl Default for Digester {
    fn default() -> Self {
        Self::new()
    }
}

impl Digester {
    /// A digester with nothing buffered and no prefix expected.
    pub const fn new() -> Self {
        Digester {
            buf: [0; LINE_CAPACITY],
            len: 0,
            header: None,
            mode: Mode::Line,
            prompted: false,
            ready: None,
            polled: false,
            expected: None,
        }
    }

    /// Says which prefix the information responses of the pending command start with
    /// (`Some("+CREG:")`), so that such lines are [`Item::Response`] even where the prefix is
    /// also a URC's. `Some("")` makes every line that is not an echo or final result a response.
    /// The next final result sets it back to `None`.
    pub fn set_expected(&mut self, prefix: Option<&'static str>) {
        self.expected = prefix;
    }

    /// The prefix set by [`Digester::set_expected`] and not yet cleared by a final result.
    pub fn expected(&self) -> Option<&'static str> {
        self.expected
    }

    /// Forgets everything buffered and expected, e.g. after the modem was power-cycled.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Takes bytes up to and including the one that completes the next item, and returns how
    /// many it took. Takes none while an item is waiting to be polled.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        self.finish_polled();
        let mut taken = 0;
        for &b in bytes {
            if self.ready.is_some() {
                break;
            }
            self.step(b);
            taken += 1;
        }
        taken
    }

    /// The next item or error, if one is complete.
    pub fn poll(&mut self) -> Option<Result<Item<'_>, Error>> {
        self.finish_polled();
        let ready = self.ready.as_mut()?;
        if let Some(e) = ready.error.take() {
            if ready.then.is_none() {
                self.ready = None;
            }
            return Some(Err(e));
        }
        let pending = ready.then.take();
        self.ready = None;
        let pending = pending?;
        self.polled = true;
        Some(self.item(pending))
    }

    fn finish_polled(&mut self) {
        if self.polled {
            self.polled = false;
            self.discard();
        }
    }

    fn discard(&mut self) {
        self.len = 0;
        self.header = None;
    }

    fn emit(&mut self, error: Option<Error>, then: Option<Pending>) {
        self.ready = Some(Ready { error, then });
    }

    fn line_start(&self) -> usize {
        self.header.map_or(0, |h| h.end)
    }

    fn step(&mut self, b: u8) {
        match self.mode {
            Mode::SkipLine => {
                if b == b'\r' || b == b'\n' {
                    self.mode = Mode::Line;
                }
                return;
            }
            Mode::Junk if is_junk(b) => return,
            Mode::AfterPrompt if b == b' ' => {
                self.mode = Mode::Line;
                return;
            }
            Mode::Junk | Mode::AfterPrompt => self.mode = Mode::Line,
            Mode::Line => {}
        }
        match b {
            b'\r' | b'\n' => self.end_line(),
            CTRL_Z | ESC if self.prompted && self.header.is_none() => self.end_body_echo(b == CTRL_Z),
            b'>' if self.len == 0 && self.header.is_none() => {
                self.prompted = true;
                self.mode = Mode::AfterPrompt;
                self.emit(None, Some(Pending::Prompt));
            }
            _ if is_junk(b) => self.fail(Error::Garbage),
            _ => match self.buf.get_mut(self.len) {
                Some(slot) => {
                    *slot = b;
                    self.len += 1;
                }
                None => self.fail(Error::LineTooLong { limit: LINE_CAPACITY }),
            },
        }
    }

    /// Reports `e` and drops what is buffered: the rest of the line if the error is inside
    /// one, the run of junk if it is between lines.
    fn fail(&mut self, e: Error) {
        let between_lines = self.len == self.line_start();
        self.discard();
        self.prompted = false;
        self.mode = if between_lines { Mode::Junk } else { Mode::SkipLine };
        self.emit(Some(e), None);
    }

    fn end_line(&mut self) {
        let start = self.line_start();
        if self.len == start {
            return;
        }
        self.prompted = false;
        let Some(line) = self.buf.get(start..self.len).and_then(|b| core::str::from_utf8(b).ok()) else {
            self.discard();
            return self.emit(Some(Error::Garbage), None);
        };
        let class = classify(line, self.expected);
        match self.header {
            Some(h) if h.body.accepts(line) => self.emit(None, Some(Pending::Urc(h.kind))),
            Some(h) => {
                // Not the body the header announced: report the header, keep the line.
                self.buf.copy_within(start..self.len, 0);
                self.len -= start;
                self.header = None;
                let then = self.apply(class);
                let error = Error::InvalidField { field: h.kind.prefix(), reason: "the line after it is not a PDU" };
                self.emit(Some(error), then);
            }
            None => {
                if let Some(pending) = self.apply(class) {
                    self.emit(None, Some(pending));
                }
            }
        }
    }

    /// Acts on the class of the line now at the start of the buffer; `None` if it is the
    /// header of a two-line URC, which waits for its body.
    fn apply(&mut self, class: Class) -> Option<Pending> {
        Some(match class {
            Class::Header(kind, body) => {
                self.header = Some(Header { end: self.len, kind, body });
                return None;
            }
            Class::Final(kind) => {
                self.expected = None;
                Pending::Final(kind)
            }
            Class::Echo => Pending::Echo,
            Class::Response => Pending::Response,
            Class::Urc(kind) => Pending::Urc(kind),
        })
    }

    fn end_body_echo(&mut self, submitted: bool) {
        self.prompted = false;
        if self.buf.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).is_none() {
            self.discard();
            return self.emit(Some(Error::Garbage), None);
        }
        self.emit(None, Some(Pending::BodyEcho { submitted }));
    }

    fn item(&self, pending: Pending) -> Result<Item<'_>, Error> {
        let text = self.buf.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).ok_or(Error::Garbage)?;
        Ok(match pending {
            Pending::Prompt => Item::Prompt,
            Pending::Echo => Item::Echo(text),
            Pending::BodyEcho { submitted } => Item::BodyEcho { body: text, submitted },
            Pending::Response => Item::Response(text),
            Pending::Final(kind) => Item::Final(Final::parse(kind, text)),
            Pending::Urc(kind) => {
                let (line, body) = match self.header {
                    Some(h) => {
                        let (line, body) = text.split_at_checked(h.end).ok_or(Error::Garbage)?;
                        (line, Some(body))
                    }
                    None => (text, None),
                };
                let payload = UrcKind::of(line).map_or("", |(_, payload)| payload);
                Item::Urc(UrcLine { kind, line, payload, body })
            }
        })
    }
}

impl fmt::Debug for Digester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digester")
            .field("buffered", &self.buf.get(..self.len).map(|b| core::str::from_utf8(b).map_err(|_| b)))
            .field("header", &self.header)
            .field("mode", &self.mode)
            .field("prompted", &self.prompted)
            .field("ready", &self.ready)
            .field("expected", &self.expected)
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Digester {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "Digester {{ buffered: {=usize}, expected: {} }}", self.len, self.expected)
    }
}
