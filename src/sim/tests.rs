//! The simulator on a hand-advanced clock: each command, fault and profile.

use super::*;
use crate::codec::at::{Digester, Final, Item};
use crate::codec::hex;
use crate::codec::pdu::{self, Pdu};

fn before(t: Instant, d: u64) -> Instant {
    Instant::from_millis(t.as_millis() - d)
}

/// A host on a clock the test moves.
struct Bench {
    sim: Sim,
    now: Instant,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

impl Bench {
    /// A booted modem with its boot URCs read and, for Huawei, its floods off.
    fn new(profile: Profile) -> Bench {
        Bench::with(Config::new(profile))
    }

    fn with(config: Config) -> Bench {
        let mut b = Bench { sim: Sim::with_config(config, Instant::ZERO), now: Instant::ZERO };
        let boot = b.sim.poll_timeout().unwrap();
        b.run_until(boot + ms(3_000));
        assert_eq!(b.sim.power(), PowerState::Ready);
        if profile_is_huawei(&b) {
            assert!(b.cmd("AT^CURC=0").ends_with("OK\r\n"));
        }
        b
    }

    /// Moves the clock to `until`, firing timers and collecting everything sent on the way.
    fn run_until(&mut self, until: Instant) -> String {
        let mut got = Vec::new();
        let mut stuck = 0;
        loop {
            self.sim.handle_timeout(self.now);
            while let Some(bytes) = self.sim.poll_transmit(self.now) {
                got.extend_from_slice(bytes);
            }
            match self.sim.poll_timeout() {
                Some(t) if t > self.now && t <= until => {
                    self.now = t;
                    stuck = 0;
                }
                Some(t) if t <= self.now && stuck < 3 => stuck += 1,
                _ => break,
            }
        }
        self.now = self.now.max(until);
        String::from_utf8_lossy(&got).into_owned()
    }

    fn advance(&mut self, d: u64) -> String {
        let until = self.now + ms(d);
        self.run_until(until)
    }

    fn send(&mut self, bytes: &[u8]) -> String {
        assert_eq!(self.sim.handle_bytes(self.now, bytes), bytes.len());
        self.advance(0)
    }

    /// One command line; what came back within 10 ms.
    fn cmd(&mut self, line: &str) -> String {
        assert_eq!(self.sim.handle_bytes(self.now, format!("{line}\r").as_bytes()), line.len() + 1);
        self.advance(10)
    }

    /// Echo off, for tidier expectations.
    fn quiet(mut self) -> Bench {
        assert_eq!(self.cmd("ATE0"), "ATE0\r\r\nOK\r\n");
        self
    }

    /// Sends a text with `AT+CMGS` in PDU mode and returns the whole exchange.
    fn send_pdu(&mut self, pdu_hex: &str) -> String {
        let tpdu_len = pdu_hex.len() / 2 - 1;
        let mut got = self.cmd(&format!("AT+CMGS={tpdu_len}"));
        got += &self.send(format!("{pdu_hex}\x1a").as_bytes());
        got
    }
}

fn profile_is_huawei(b: &Bench) -> bool {
    b.sim.profile() == Profile::Huawei
}

/// "hello" to +4912345, TP-MR 0, no SMSC.
const HELLO: &str = "0001000791942143F5000005E8329BFD06";
/// The same with TP-SRR.
const HELLO_SRR: &str = "0021000791942143F5000005E8329BFD06";

fn submit_hex(destination: &str, text: &str, srr: bool) -> String {
    let params = pdu::SubmitParams { destination, status_report: srr, ..Default::default() };
    let part = pdu::Part { text, encoding: crate::codec::encoding::Encoding::GSM7, concat: None };
    let mut out = [0u8; pdu::MAX_PDU_OCTETS];
    let p = pdu::encode_submit(&params, &part, &mut out).unwrap();
    let mut buf = [0u8; 400];
    hex::encode_into(p.octets, &mut buf).unwrap().to_string()
}

/// The PDU of a `+CMGR`/`+CMGL`/`+CMT`/`+CDS` answer: the line after the header.
fn pdu_after<'a>(text: &'a str, header: &str) -> &'a str {
    let at = text.find(header).unwrap_or_else(|| panic!("{header} in {text:?}"));
    text[at..].lines().nth(1).unwrap()
}

/// The octets of a hex line, kept for the rest of the test so decoded views can borrow them.
fn decode_hex(h: &str) -> &'static [u8] {
    let mut buf = [0u8; 200];
    Box::leak(hex::decode_into(h.as_bytes(), &mut buf).unwrap().to_vec().into_boxed_slice())
}

#[test]
fn boots_after_the_profile_time_with_its_urcs() {
    for (profile, urcs) in [
        (Profile::Sim800, &["RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"][..]),
        (Profile::Ec25, &["RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"][..]),
        (Profile::Huawei, &["^SIMST:1", "^SRVST:2", "^MODE:5,4", "^RSSI:20"][..]),
    ] {
        let mut sim = Sim::new(profile, Instant::ZERO);
        let boot = Instant::from_millis(u64::from(profile.spec().boot_ms));
        assert_eq!(sim.poll_timeout(), Some(boot), "{profile:?}");
        // Nothing is answered while booting.
        assert_eq!(sim.handle_bytes(Instant::from_millis(10), b"AT\r"), 3);
        sim.handle_timeout(before(boot, 1));
        assert_eq!((sim.power(), sim.poll_transmit(boot)), (PowerState::Booting, None));
        let mut b = Bench { sim, now: boot };
        let got = b.advance(3_000);
        let lines: Vec<&str> = got.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(&lines[..urcs.len()], urcs, "{profile:?}");
    }
}

#[test]
fn echo_and_basic_commands() {
    let mut b = Bench::new(Profile::Sim800);
    assert_eq!(b.cmd("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(b.cmd("ATE0"), "ATE0\r\r\nOK\r\n");
    assert_eq!(b.cmd("AT"), "\r\nOK\r\n");
    // Echo starts with the next line.
    assert_eq!(b.cmd("ATE1"), "\r\nOK\r\n");
    assert_eq!(b.cmd("ATE0"), "ATE0\r\r\nOK\r\n");
    // ATZ restores echo on.
    assert_eq!(b.cmd("ATZ"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT"), "AT\r\r\nOK\r\n");
    let mut b = b.quiet();
    assert_eq!(b.cmd("ATI"), "\r\nSIM800 R14.18\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("ATS3?"), "\r\n013\r\n\r\nOK\r\n");
    // A/ repeats the last line without a CR.
    assert_eq!(b.send(b"A/"), "\r\nSIM800 R14.18\r\n\r\nOK\r\n".replace("SIM800 R14.18", "013"));
    // Bytes before "AT" are ignored; backspace edits.
    assert_eq!(b.send(b"xyzATX\x08\r"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CGMI"), "\r\nSIMCOM_Ltd\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+GMM"), "\r\nSIMCOM_SIM800\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CGSN"), "\r\n869170031234561\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CIMI"), "\r\n262011234567890\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CCID"), "\r\n89490200001234567892\r\n\r\nOK\r\n");
}

#[test]
fn chained_commands_stop_at_the_first_error() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    assert_eq!(b.cmd("AT+CMGF=0;+CSQ"), "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CMGF=7;+CSQ"), "\r\nERROR\r\n");
    assert_eq!(b.cmd("AT+CMGF?"), "\r\n+CMGF: 0\r\n\r\nOK\r\n");
}

#[test]
fn unknown_commands_are_errors_and_reported() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    assert_eq!(b.cmd("AT+WIND?"), "\r\nERROR\r\n");
    assert_eq!(b.cmd("AT^ICCID?"), "\r\nERROR\r\n");
    assert_eq!(b.cmd("AT+CMGF=5"), "\r\nERROR\r\n");
    assert_eq!(b.sim.poll_unknown().as_deref(), Some("AT+WIND?"));
    assert_eq!(b.sim.poll_unknown().as_deref(), Some("AT^ICCID?"));
    // A known command with bad parameters is not "unknown".
    assert_eq!(b.sim.poll_unknown(), None);
    assert_eq!(b.sim.status().stats.unknown, 2);
}

#[test]
fn profile_identities() {
    let mut b = Bench::new(Profile::Huawei).quiet();
    assert_eq!(b.cmd("AT^ICCID?"), "\r\n^ICCID: 98942000002143658729\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CGMM"), "\r\nE3372\r\n\r\nOK\r\n");
    assert!(b.cmd("ATI").starts_with("\r\nManufacturer: huawei\r\n"));
    let mut b = Bench::new(Profile::Ec25).quiet();
    assert_eq!(b.cmd("AT+QCCID"), "\r\n+QCCID: 89490200001234567892\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CCID"), "\r\n+CCID: 89490200001234567892\r\n\r\nOK\r\n");
}

#[test]
fn huawei_floods_until_curc_off() {
    let mut sim = Sim::new(Profile::Huawei, Instant::ZERO);
    let mut b = Bench { now: Instant::ZERO, sim: Sim::new(Profile::Huawei, Instant::ZERO) };
    core::mem::swap(&mut b.sim, &mut sim);
    let got = b.advance(25_000);
    for urc in ["^DSFLOWRPT:", "^RSSI:20", "^HCSQ:\"LTE\"", "^BOOT:"] {
        assert!(got.contains(urc), "{urc} in {got}");
    }
    assert!(got.matches("^DSFLOWRPT:").count() >= 9);
    assert_eq!(b.cmd("AT^CURC=0"), "AT^CURC=0\r\r\nOK\r\n");
    assert_eq!(b.advance(60_000), "");
    assert_eq!(b.cmd("AT^CURC?"), "AT^CURC?\r\r\n^CURC: 0\r\n\r\nOK\r\n");
}

#[test]
fn cmee_forms_of_errors() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::PinRequired);
    assert_eq!(b.cmd("AT+CIMI"), "\r\nERROR\r\n");
    assert_eq!(b.cmd("AT+CMEE=1"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CIMI"), "\r\n+CME ERROR: 11\r\n");
    assert_eq!(b.cmd("AT+CMGL=4"), "\r\n+CMS ERROR: 311\r\n");
    assert_eq!(b.cmd("AT+CMEE=2"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CIMI"), "\r\n+CME ERROR: SIM PIN required\r\n");
    assert_eq!(b.cmd("AT+CMGL=4"), "\r\n+CMS ERROR: (U)SIM PIN required\r\n");
}

#[test]
fn pin_fault_until_the_right_pin() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.cmd("AT+CMEE=1");
    b.sim.set_fault(b.now, Fault::PinRequired);
    assert_eq!(b.cmd("AT+CPIN?"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CPIN=\"0000\""), "\r\n+CME ERROR: 16\r\n");
    assert_eq!(b.cmd("AT+CPIN=\"1234\""), "\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n");
    assert_eq!(b.cmd("AT+CPIN?"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CPIN=\"1234\""), "\r\n+CME ERROR: 3\r\n");
    // Locked again after a power cycle, while the fault stays.
    b.sim.set_power(b.now, false);
    b.sim.set_power(b.now, true);
    let got = b.advance(6_000);
    assert!(got.contains("+CPIN: SIM PIN") && !got.contains("SMS Ready"), "{got}");
    b.cmd("ATE0");
    b.sim.clear_fault(b.now, FaultKind::PinRequired);
    assert_eq!(b.cmd("AT+CPIN?"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
}

#[test]
fn registration_and_no_network() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    assert_eq!(b.cmd("AT+CREG?"), "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CREG=2"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CREG?"), "\r\n+CREG: 2,1,\"1A2B\",\"00C3D4E5\"\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CREG=1"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CREG=?"), "\r\n+CREG: (0-2)\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CGREG?"), "\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+COPS?"), "\r\n+COPS: 0,0,\"SimNet\",7\r\n\r\nOK\r\n");
    b.sim.set_fault(b.now, Fault::NoNetwork);
    assert_eq!(b.advance(10), "\r\n+CREG: 2\r\n");
    assert_eq!(b.cmd("AT+CREG?"), "\r\n+CREG: 1,2\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CSQ"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+COPS?"), "\r\n+COPS: 0\r\n\r\nOK\r\n");
    let got = b.send_pdu(HELLO);
    assert!(got.ends_with("\r\n+CMS ERROR: 331\r\n"), "{got}");
    assert_eq!(b.sim.poll_air(), None);
    b.sim.clear_fault(b.now, FaultKind::NoNetwork);
    assert_eq!(b.advance(10), "\r\n+CREG: 1\r\n");
    // CFUN=4 takes the radio off, CFUN=1 brings it back.
    assert_eq!(b.cmd("AT+CFUN=4"), "\r\nOK\r\n\r\n+CREG: 0\r\n");
    assert_eq!(b.cmd("AT+CFUN?"), "\r\n+CFUN: 4\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CFUN=1"), "\r\nOK\r\n\r\n+CREG: 1\r\n");
}

#[test]
fn send_a_pdu_and_see_it_on_the_air() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    let got = b.send_pdu(HELLO);
    assert_eq!(got, "\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n");
    let air = b.sim.poll_air().unwrap();
    assert_eq!((air.recipient.as_str(), air.text.as_str(), air.message_ref), ("+4912345", "hello", 0));
    assert_eq!((air.alphabet, air.concat, air.status_report, air.time), (pdu::Alphabet::Gsm7, None, false, b.now));
    // The modem numbers the messages itself.
    assert_eq!(b.send_pdu(HELLO), "\r\n> \r\n+CMGS: 1\r\n\r\nOK\r\n");
    assert_eq!(b.sim.poll_air().unwrap().message_ref, 1);
    assert_eq!(b.sim.status().stats.sent, 2);
}

#[test]
fn sim800_prompt_is_bare_and_the_pdu_is_echoed() {
    let mut b = Bench::new(Profile::Sim800);
    let got = b.send_pdu(HELLO);
    let want = format!("AT+CMGS=16\r\r\n>{HELLO}\x1a\r\n+CMGS: 0\r\n\r\nOK\r\n");
    assert_eq!(got, want);
}

#[test]
fn digester_reads_a_whole_send_exchange() {
    let mut b = Bench::new(Profile::Huawei);
    let got = b.send_pdu(HELLO);
    let mut d = Digester::new();
    let mut items = Vec::new();
    let mut input = got.as_bytes();
    while !input.is_empty() {
        let n = d.push(input);
        input = &input[n..];
        while let Some(item) = d.poll() {
            items.push(format!("{:?}", item.unwrap()));
        }
    }
    let want = [
        format!("{:?}", Item::Echo("AT+CMGS=16")),
        format!("{:?}", Item::Prompt),
        format!("{:?}", Item::BodyEcho { body: HELLO, submitted: true }),
        format!("{:?}", Item::Response("+CMGS: 0")),
        format!("{:?}", Item::Final(Final::Ok)),
    ];
    assert_eq!(items, want);
}

#[test]
fn bad_pdus_are_refused() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    // Length that does not match.
    let got = b.cmd("AT+CMGS=10");
    assert_eq!(got, "\r\n> ");
    assert_eq!(b.send(format!("{HELLO}\x1a").as_bytes()), "\r\n+CMS ERROR: 304\r\n");
    // Not hex.
    b.cmd("AT+CMGS=17");
    assert_eq!(b.send(b"00ZZ\x1a"), "\r\n+CMS ERROR: 304\r\n");
    // A DELIVER is not something to send.
    b.cmd("AT+CMGS=17");
    assert_eq!(b.send(b"0000000791942143F5000005E8329BFD06\x1a"), "\r\n+CMS ERROR: 304\r\n");
    assert_eq!(b.cmd("AT+CMGS=200"), "\r\n+CMS ERROR: 304\r\n");
    // ESC cancels.
    b.cmd("AT+CMGS=17");
    assert_eq!(b.send(b"0001\x1b"), "\r\nOK\r\n");
    assert_eq!(b.sim.poll_air(), None);
    assert_eq!(b.cmd("AT"), "\r\nOK\r\n");
}

#[test]
fn text_mode_send_and_read() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    assert_eq!(b.cmd("AT+CMGF=1;+CNMI=2,1"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CMGS=\"+4912345\""), "\r\n>");
    assert_eq!(b.send(b"hi there\x1a"), "\r\n+CMGS: 0\r\n\r\nOK\r\n");
    let air = b.sim.poll_air().unwrap();
    assert_eq!((air.recipient.as_str(), air.text.as_str()), ("+4912345", "hi there"));
    b.sim.inject(b.now, Injection::Sms { from: "+4917", text: "yo", flash: false }).unwrap();
    assert_eq!(b.advance(10), "\r\n+CMTI: \"SM\",1\r\n");
    let got = b.cmd("AT+CMGR=1");
    assert_eq!(got, "\r\n+CMGR: \"REC UNREAD\",\"+4917\",,\"24/06/01,12:00:05+00\"\r\nyo\r\n\r\nOK\r\n");
    let got = b.cmd("AT+CMGL=\"ALL\"");
    assert_eq!(got, "\r\n+CMGL: 1,\"REC READ\",\"+4917\",,\"24/06/01,12:00:05+00\"\r\nyo\r\n\r\nOK\r\n");
    // Numbers are for PDU mode.
    assert_eq!(b.cmd("AT+CMGL=4"), "\r\n+CMS ERROR: 302\r\n");
}

#[test]
fn storage_commands_count_from_the_profile_base() {
    for (profile, first) in [(Profile::Sim800, 1), (Profile::Huawei, 0), (Profile::Ec25, 0)] {
        let mut b = Bench::new(profile).quiet();
        b.cmd("AT+CNMI=2,1,0,0,0");
        assert_eq!(b.cmd("AT+CPMS=?"), "\r\n+CPMS: (\"SM\"),(\"SM\"),(\"SM\")\r\n\r\nOK\r\n");
        for text in ["one", "two"] {
            b.sim.inject(b.now, Injection::Sms { from: "+4917", text, flash: false }).unwrap();
        }
        let got = b.advance(10);
        assert_eq!(got, format!("\r\n+CMTI: \"SM\",{first}\r\n\r\n+CMTI: \"SM\",{}\r\n", first + 1), "{profile:?}");
        assert_eq!(b.cmd("AT+CPMS=\"SM\",\"SM\",\"SM\""), "\r\n+CPMS: 2,30,2,30,2,30\r\n\r\nOK\r\n");
        assert_eq!(b.cmd("AT+CPMS?"), "\r\n+CPMS: \"SM\",2,30,\"SM\",2,30,\"SM\",2,30\r\n\r\nOK\r\n");
        assert_eq!(b.cmd("AT+CPMS=\"ME\""), "\r\n+CMS ERROR: 302\r\n");
        // Read one: it becomes read, so the unread list holds only the other.
        let got = b.cmd(&format!("AT+CMGR={first}"));
        let Ok(Pdu::Deliver(d)) = pdu::decode(decode_hex(pdu_after(&got, "+CMGR: 0,,"))) else { panic!("{got}") };
        assert_eq!(d.user_data.text().unwrap().collect::<String>(), "one");
        let got = b.cmd("AT+CMGL=0");
        assert_eq!(got.matches("+CMGL:").count(), 1, "{got}");
        assert!(got.starts_with(&format!("\r\n+CMGL: {},0,,", first + 1)), "{got}");
        assert_eq!(b.cmd("AT+CMGL=4").matches("+CMGL:").count(), 2);
        assert_eq!(b.cmd("AT+CMGD=?"), format!("\r\n+CMGD: ({first},{}),(0-4)\r\n\r\nOK\r\n", first + 1));
        assert_eq!(b.cmd(&format!("AT+CMGD={first}")), "\r\nOK\r\n");
        assert_eq!(b.cmd(&format!("AT+CMGR={first}")), "\r\nOK\r\n");
        assert_eq!(b.cmd(&format!("AT+CMGR={}", first + 30)), "\r\n+CMS ERROR: 321\r\n");
        assert_eq!(b.cmd("AT+CMGD=0,4"), "\r\nOK\r\n");
        assert_eq!(b.sim.storage().used(), 0);
    }
}

#[test]
fn long_messages_arrive_in_concatenated_parts() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.cmd("AT+CNMI=2,1");
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(4);
    b.sim.inject(b.now, Injection::Sms { from: "Bank", text: &text, flash: false }).unwrap();
    assert_eq!(b.advance(10).matches("+CMTI:").count(), 2);
    let got = b.cmd("AT+CMGL=4");
    let mut joined = String::new();
    for (i, line) in got.lines().filter(|l| !l.is_empty() && !l.starts_with('+') && *l != "OK").enumerate() {
        let Ok(Pdu::Deliver(d)) = pdu::decode(decode_hex(line)) else { panic!("{line}") };
        let concat = d.user_data.udh().and_then(|h| h.concat()).unwrap();
        assert_eq!((concat.seq, concat.total), (i as u8 + 1, 2));
        assert_eq!(d.originator.to_string(), "Bank");
        joined.extend(d.user_data.text().unwrap());
    }
    assert_eq!(joined, text);
}

#[test]
fn direct_delivery_and_full_storage() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    b.cmd("AT+CNMI=2,2,0,0,0");
    b.sim.inject(b.now, Injection::Sms { from: "+4917", text: "€uro", flash: false }).unwrap();
    let got = b.advance(10);
    assert!(got.starts_with("\r\n+CMT: ,"), "{got}");
    let Ok(Pdu::Deliver(d)) = pdu::decode(decode_hex(pdu_after(&got, "+CMT:"))) else { panic!() };
    assert_eq!(d.user_data.text().unwrap().collect::<String>(), "€uro");
    assert_eq!(b.sim.storage().used(), 0);
    b.cmd("AT+CNMI=2,1,0,0,0");
    let bad = b.sim.inject(b.now, Injection::Sms { from: "not a sender!", text: "x", flash: false });
    assert!(matches!(bad, Err(Error::Codec(_))));
    for i in 0..SLOTS {
        b.sim.inject(b.now, Injection::Sms { from: "+4917", text: &format!("m{i}"), flash: false }).unwrap();
    }
    let full = b.sim.inject(b.now, Injection::Sms { from: "+4917", text: "one more", flash: false });
    assert_eq!(full, Err(Error::StorageFull { needed: 1 }));
}

#[test]
fn status_reports_follow_srr_sends() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_reports(5_000, 0x00);
    b.cmd("AT+CNMI=2,1,0,2,0");
    assert!(b.send_pdu(HELLO_SRR).ends_with("+CMGS: 0\r\n\r\nOK\r\n"));
    assert!(b.sim.poll_air().unwrap().status_report);
    assert_eq!(b.advance(4_900), "");
    assert_eq!(b.advance(200), "\r\n+CDSI: \"SM\",1\r\n");
    let got = b.cmd("AT+CMGR=1");
    let Ok(Pdu::StatusReport(r)) = pdu::decode(decode_hex(pdu_after(&got, "+CMGR:"))) else { panic!("{got}") };
    assert_eq!((r.message_ref, r.status.raw(), r.recipient.to_string()), (0, 0, "+4912345".to_string()));
    // Direct: +CDS with the PDU; failed status this time.
    b.sim.set_reports(1_000, 0x46);
    b.cmd("AT+CNMI=2,1,0,1,0");
    b.send_pdu(&submit_hex("+4917", "x", true));
    let got = b.advance(1_100);
    let Ok(Pdu::StatusReport(r)) = pdu::decode(decode_hex(pdu_after(&got, "+CDS: "))) else { panic!("{got}") };
    assert_eq!((r.message_ref, r.status.raw()), (1, 0x46));
    // No report without SRR, nor with <ds> 0.
    b.send_pdu(HELLO);
    b.cmd("AT+CNMI=2,1,0,0,0");
    b.send_pdu(HELLO_SRR);
    assert_eq!(b.advance(3_000), "");
    // An injected one.
    b.cmd("AT+CNMI=2,1,0,1,0");
    b.sim.inject(b.now, Injection::StatusReport { recipient: "+4999", message_ref: 77, status: 0x30 }).unwrap();
    let got = b.advance(10);
    let Ok(Pdu::StatusReport(r)) = pdu::decode(decode_hex(pdu_after(&got, "+CDS: "))) else { panic!("{got}") };
    assert_eq!((r.message_ref, r.status.raw()), (77, 0x30));
}

#[test]
fn calls_ring_until_hung_up_or_given_up() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.cmd("AT+CLIP=1");
    b.sim.inject(b.now, Injection::Call { from: Some("+4917") }).unwrap();
    assert_eq!(b.advance(10), "\r\nRING\r\n\r\n+CLIP: \"+4917\",145,\"\",0,\"\",0\r\n");
    assert_eq!(b.sim.inject(b.now, Injection::Call { from: None }), Err(Error::CallInProgress));
    assert_eq!(b.cmd("AT+CLCC"), "\r\n+CLCC: 1,1,4,0,0,\"+4917\",145\r\n\r\nOK\r\n");
    assert_eq!(b.advance(3_000).matches("RING").count(), 1);
    assert_eq!(b.cmd("ATH"), "\r\nOK\r\n");
    assert_eq!(b.advance(20_000), "");
    // Withheld, extended ring format, until the caller gives up.
    b.cmd("AT+CRC=1");
    b.sim.inject(b.now, Injection::Call { from: None }).unwrap();
    let got = b.advance(20_000);
    assert_eq!(got.matches("+CRING: VOICE").count(), 5, "{got}");
    assert_eq!(got.matches("+CLIP: \"\",128,\"\",0,\"\",1").count(), 5);
    assert!(got.ends_with("\r\nNO CARRIER\r\n"), "{got}");
    assert_eq!(b.sim.status().stats.rings, 7);
    // Huawei says ^CEND when a call ends.
    let mut b = Bench::new(Profile::Huawei).quiet();
    b.sim.inject(b.now, Injection::Call { from: Some("0301234") }).unwrap();
    assert_eq!(b.advance(10), "\r\nRING\r\n");
    assert_eq!(b.cmd("AT+CHUP"), "\r\nOK\r\n\r\n^CEND:1,0,104,16\r\n");
}

#[test]
fn ussd_answers_later() {
    let mut b = Bench::new(Profile::Huawei).quiet();
    assert_eq!(b.cmd("AT+CUSD=1,\"*100#\",15"), "\r\nOK\r\n");
    let got = b.advance(2_000);
    assert!(got.starts_with("\r\n+CUSD: 0,\"Balance") && got.contains("(*100#)"), "{got}");
    b.sim.set_fault(b.now, Fault::NoNetwork);
    b.cmd("AT+CMEE=1");
    assert_eq!(b.cmd("AT+CUSD=1,\"*100#\",15"), "\r\n+CME ERROR: 30\r\n");
}

#[test]
fn misc_queries() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    assert_eq!(b.cmd("AT+CSCA?"), "\r\n+CSCA: \"+491710760000\",145\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CSCA=\"+4917\",145"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CSCA?"), "\r\n+CSCA: \"+4917\",145\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CSCS=\"UCS2\""), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CSCS?"), "\r\n+CSCS: \"UCS2\"\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CSCS=\"KOI8\""), "\r\nERROR\r\n");
    assert_eq!(b.cmd("AT+CNMI=2,1,0,2,0"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CNMI?"), "\r\n+CNMI: 2,1,0,2,0\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CNMI=2,9"), "\r\n+CMS ERROR: 302\r\n");
    assert_eq!(b.cmd("AT+CSMS=0"), "\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CNMA"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+COPS=3,0"), "\r\nOK\r\n");
    assert_eq!(b.cmd("AT+COPS=3,2;+COPS?"), "\r\n+COPS: 0,2,\"26201\",7\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CCLK?"), "\r\n+CCLK: \"24/06/01,12:00:05+00\"\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CMEE?"), "\r\n+CMEE: 0\r\n\r\nOK\r\n");
    assert_eq!(b.cmd("AT+CLIP?"), "\r\n+CLIP: 0,1\r\n\r\nOK\r\n");
}

#[test]
fn cfun_restart_reboots_after_its_ok() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    assert_eq!(b.cmd("AT+CFUN=1,1"), "\r\nOK\r\n");
    // Commands meanwhile are lost.
    b.sim.handle_bytes(b.now, b"AT\r");
    let got = b.advance(300);
    assert_eq!((got.as_str(), b.sim.power()), ("", PowerState::Booting));
    let got = b.advance(6_000);
    assert!(got.starts_with("\r\nRDY\r\n") && got.ends_with("SMS Ready\r\n"), "{got}");
    // Settings are back to their defaults: echo on.
    assert_eq!(b.cmd("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(b.sim.status().stats.boots, 2);
}

#[test]
fn power_off_forgets_settings_but_not_the_sim() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    b.sim.inject(b.now, Injection::Sms { from: "+4917", text: "kept", flash: false }).unwrap();
    b.sim.set_power(b.now, false);
    assert_eq!(b.sim.power(), PowerState::Off);
    assert_eq!(b.sim.inject(b.now, Injection::Call { from: None }), Err(Error::NotReady));
    assert_eq!(b.send(b"AT\r"), "");
    assert_eq!(b.advance(60_000), "");
    b.sim.set_power(b.now, true);
    b.advance(8_000);
    assert_eq!(b.cmd("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(b.sim.storage().used(), 1);
}

#[test]
fn hang_ignores_everything_but_power() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::Hang);
    assert_eq!(b.sim.power(), PowerState::Hung);
    assert_eq!(b.cmd("AT"), "");
    assert_eq!(b.cmd("AT+CFUN=1,1"), "");
    assert_eq!(b.advance(30_000), "");
    assert_eq!(b.sim.inject(b.now, Injection::Call { from: None }), Err(Error::NotReady));
    b.sim.set_power(b.now, false);
    b.sim.set_power(b.now, true);
    assert!(b.advance(6_000).contains("SMS Ready"));
    assert_eq!(b.cmd("AT"), "AT\r\r\nOK\r\n");
}

#[test]
fn reboot_fault_loses_queued_output() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::Delay { ms: 1_000 });
    b.sim.handle_bytes(b.now, b"AT\r");
    b.sim.set_fault(b.now, Fault::Reboot);
    assert_eq!(b.sim.power(), PowerState::Booting);
    let got = b.advance(6_000);
    assert!(got.starts_with("\r\nRDY\r\n") && !got.contains("OK"), "{got}");
}

#[test]
fn garbage_bytes() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::Garbage { len: 100, nul: true });
    assert_eq!(b.advance(1), "\0".repeat(100));
    b.sim.set_fault(b.now, Fault::Garbage { len: 300, nul: false });
    let mut got = Vec::new();
    while let Some(bytes) = b.sim.poll_transmit(b.now) {
        got.extend_from_slice(bytes);
    }
    assert_eq!(got.len(), 300);
    assert!(got.iter().collect::<std::collections::HashSet<_>>().len() > 100, "random bytes");
    assert_eq!(b.cmd("AT"), "\r\nOK\r\n");
}

#[test]
fn drop_swallows_whole_responses() {
    let mut b = Bench::new(Profile::Sim800);
    b.sim.set_fault(b.now, Fault::Drop { responses: 2 });
    // The echo still comes; the responses do not.
    assert_eq!(b.cmd("AT+CSQ"), "AT+CSQ\r");
    assert_eq!(b.cmd("AT"), "AT\r");
    assert_eq!(b.cmd("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(b.sim.status().stats.dropped, 2);
}

#[test]
fn delay_holds_responses_back() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::Delay { ms: 500 });
    assert_eq!(b.cmd("AT"), "");
    assert_eq!(b.advance(489), "");
    assert_eq!(b.advance(1), "\r\nOK\r\n");
    b.sim.clear_fault(b.now, FaultKind::Delay);
    assert_eq!(b.cmd("AT"), "\r\nOK\r\n");
}

#[test]
fn cms_errors_with_a_seeded_probability() {
    let outcomes = |seed: u64| {
        let mut b = Bench::with(Config { seed, ..Config::new(Profile::Ec25) }).quiet();
        b.sim.set_fault(b.now, Fault::CmsError { code: 500, permille: 500 });
        (0..40).map(|_| b.send_pdu(HELLO).ends_with("+CMS ERROR: 500\r\n")).collect::<Vec<bool>>()
    };
    let a = outcomes(7);
    assert_eq!(a, outcomes(7), "same seed, same failures");
    assert_ne!(a, outcomes(8));
    let failed = a.iter().filter(|f| **f).count();
    assert!((10..=30).contains(&failed), "{failed}");
    // Always, and the air sees only what went through.
    let mut b = Bench::new(Profile::Ec25).quiet();
    b.sim.set_fault(b.now, Fault::CmsError { code: 38, permille: 1000 });
    assert!(b.send_pdu(HELLO).ends_with("\r\n+CMS ERROR: 38\r\n"));
    assert_eq!((b.sim.poll_air(), b.sim.status().stats.send_failed), (None, 1));
}

#[test]
fn network_delay_holds_the_result_and_further_commands() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    b.sim.set_fault(b.now, Fault::NetworkDelay { ms: 3_000 });
    let sent = b.now;
    assert_eq!(b.send_pdu(HELLO), "\r\n> ");
    // A command sent meanwhile waits until the result is out.
    assert_eq!(b.cmd("AT+CSQ"), "");
    assert_eq!(b.sim.poll_air(), None);
    assert_eq!(b.advance(2_980), "");
    assert_eq!(b.advance(20), "\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    assert_eq!(b.sim.poll_air().unwrap().time, sent + ms(3_010));
}

#[test]
fn flood_urcs_at_the_given_rate() {
    let mut b = Bench::new(Profile::Ec25).quiet();
    b.sim.set_fault(b.now, Fault::Flood { hz: 50 });
    let got = b.advance(1_000);
    assert_eq!(got.matches("+QIND: \"csq\",20,99").count(), 50);
    // Not inside a send: the host waits for the prompt and PDU.
    assert!(b.send_pdu(HELLO).starts_with("\r\n> \r\n+CMGS: "));
    b.sim.clear_fault(b.now, FaultKind::Flood);
    assert_eq!(b.advance(1_000), "");
}

#[test]
fn split_responses_come_in_several_writes() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::Split);
    b.sim.handle_bytes(b.now, b"AT+CGSN\r");
    let mut writes = Vec::new();
    for _ in 0..100 {
        while let Some(bytes) = b.sim.poll_transmit(b.now) {
            writes.push(bytes.to_vec());
        }
        b.now += ms(1);
    }
    assert!(writes.len() >= 2, "{writes:?}");
    assert_eq!(writes.concat(), b"\r\n869170031234561\r\n\r\nOK\r\n");
}

#[test]
fn pacing_takes_the_time_of_a_115200_baud_line() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::Pace);
    let start = b.now;
    b.sim.handle_bytes(b.now, b"ATI\r");
    // 21 bytes take 1.82 ms: due in pieces, done by 2 ms.
    let mut got = Vec::new();
    while got.len() < 21 {
        b.sim.handle_timeout(b.now);
        while let Some(bytes) = b.sim.poll_transmit(b.now) {
            assert!(bytes.len() <= 12);
            got.extend_from_slice(bytes);
        }
        if got.len() < 21 {
            b.now = b.sim.poll_timeout().unwrap();
        }
    }
    assert_eq!(b.now.saturating_duration_since(start), ms(2));
    assert_eq!(got, b"\r\nSIM800 R14.18\r\n\r\nOK\r\n");
}

#[test]
fn a_full_receive_buffer_refuses_bytes_while_busy() {
    let mut b = Bench::new(Profile::Sim800).quiet();
    b.sim.set_fault(b.now, Fault::NetworkDelay { ms: 1_000 });
    b.send_pdu(HELLO);
    let flood = [b'A'; RX_CAPACITY + 10];
    assert_eq!(b.sim.handle_bytes(b.now, &flood), RX_CAPACITY);
    assert_eq!(b.sim.status().stats.rx_refused, 10);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn noisy_input() -> impl Strategy<Value = Vec<Vec<u8>>> {
        let piece = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::sample::select(vec![
                b"AT+CMGS=16\r".to_vec(),
                b"AT+CMGL=4\r".to_vec(),
                b"AT+CMGF=1\r".to_vec(),
                b"AT+CMGS=\"+49\"\r".to_vec(),
                b"\x1a".to_vec(),
                b"\x1b".to_vec(),
                b"A/".to_vec(),
                b"AT+CFUN=1,1\r".to_vec(),
                b"ATE0\r".to_vec(),
                b"0001000791942143F5000005E8329BFD06".to_vec(),
            ]),
        ];
        proptest::collection::vec(piece, 0..30)
    }

    proptest! {
        /// Whatever the host sends, the modem never panics and, once it has had its ESC and a
        /// CR, answers a plain AT again.
        #[test]
        fn any_input_then_at_still_works(pieces in noisy_input(), profile in 0usize..3) {
            let mut b = Bench::new(Profile::ALL[profile]);
            for p in &pieces {
                b.sim.handle_bytes(b.now, p);
                b.advance(5);
            }
            b.advance(10_000);
            b.send(b"\x1b\r");
            b.advance(10);
            let got = b.cmd("AT");
            prop_assert!(got.ends_with("\r\nOK\r\n"), "{:?}", got);
        }
    }
}
