//! Modem sessions as SIM800, Quectel and Huawei modules print them, fed through the digester
//! whole, byte by byte, and split at every point: the items must not depend on how the bytes
//! were read.

extern crate std;

use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use proptest::prelude::*;

use super::digester::{Digester, Item, LINE_CAPACITY};
use crate::codec::Error;

const DELIVER: &str = "0791447758100650000C9144971121436500004210510103548007743D885E9ED301";
const DELIVER_2: &str = "0791447758100650000C9144971121436500004210510103542307743D885E9ED301";
const STATUS_REPORT: &str = "079124603050020006E80C91666666666666909070618422809090706184628000";
const SUBMIT: &str = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";

struct Transcript {
    name: &'static str,
    /// The prefix the pending command expects, set before the first byte.
    expected: Option<&'static str>,
    bytes: Vec<u8>,
    items: Vec<String>,
}

fn t(name: &'static str, expected: Option<&'static str>, bytes: impl AsRef<[u8]>, items: &[&str]) -> Transcript {
    Transcript { name, expected, bytes: bytes.as_ref().to_vec(), items: items.iter().map(|s| s.to_string()).collect() }
}

fn transcripts() -> Vec<Transcript> {
    let long = "A".repeat(800);
    let exactly_full = "X".repeat(LINE_CAPACITY);
    vec![
        t(
            "Huawei ^RSSI flood between AT+CSQ and its OK",
            Some("+CSQ:"),
            "AT+CSQ\r\r\n^RSSI:14\r\n\r\n^RSSI:15\r\n\r\n+CSQ: 15,99\r\n\r\n^RSSI:15\r\n\r\nOK\r\n",
            &["echo AT+CSQ", "urc Rssi 14", "urc Rssi 15", "resp +CSQ: 15,99", "urc Rssi 15", "final Ok"],
        ),
        t("echo off", Some("+CSQ:"), "\r\n+CSQ: 20,99\r\n\r\nOK\r\n", &["resp +CSQ: 20,99", "final Ok"]),
        t(
            "bare response line (IMEI), lower-case command",
            None,
            "at+cgsn\r\r\n867322035432174\r\n\r\nOK\r\n",
            &["echo at+cgsn", "resp 867322035432174", "final Ok"],
        ),
        t(
            "+CMTI in the middle of AT+CMGL output",
            Some("+CMGL:"),
            format!(
                "AT+CMGL=4\r\r\n+CMGL: 0,1,,26\r\n{DELIVER}\r\n\r\n+CMTI: \"SM\",2\r\n+CMGL: 1,1,,26\r\n{DELIVER_2}\r\n\r\nOK\r\n"
            ),
            &[
                "echo AT+CMGL=4",
                "resp +CMGL: 0,1,,26",
                &format!("resp {DELIVER}"),
                "urc Cmti \"SM\",2",
                "resp +CMGL: 1,1,,26",
                &format!("resp {DELIVER_2}"),
                "final Ok",
            ],
        ),
        t("+CMT two-line URC", None, format!("\r\n+CMT: ,26\r\n{DELIVER}\r\n"), &[&format!("urc Cmt ,26 | {DELIVER}")]),
        t(
            "+CMT between a command's echo and its response",
            Some("+CSQ:"),
            format!("AT+CSQ\r\r\n+CMT: \"\",26\r\n{DELIVER}\r\n\r\n+CSQ: 21,0\r\n\r\nOK\r\n"),
            &["echo AT+CSQ", &format!("urc Cmt \"\",26 | {DELIVER}"), "resp +CSQ: 21,0", "final Ok"],
        ),
        t(
            "+CDS two-line URC",
            None,
            format!("\r\n+CDS: 25\r\n{STATUS_REPORT}\r\n"),
            &[&format!("urc Cds 25 | {STATUS_REPORT}")],
        ),
        t(
            "text-mode +CMT whose text looks like a result code",
            None,
            "\r\n+CMT: \"+4912345\",,\"24/01/01,12:00:00+04\"\r\nOK see you\r\n",
            &["urc Cmt \"+4912345\",,\"24/01/01,12:00:00+04\" | OK see you"],
        ),
        t(
            "AT+CMGS with echo and `> `",
            Some("+CMGS:"),
            format!("AT+CMGS=23\r\r\n> {SUBMIT}\x1a\r\n+CMGS: 12\r\n\r\nOK\r\n"),
            &["echo AT+CMGS=23", "prompt", &format!("body {SUBMIT} ^Z"), "resp +CMGS: 12", "final Ok"],
        ),
        t(
            "AT+CMGS with echo and a bare `>`",
            Some("+CMGS:"),
            format!("AT+CMGS=23\r\r\n>{SUBMIT}\x1a\r\n+CMGS: 13\r\n\r\nOK\r\n"),
            &["echo AT+CMGS=23", "prompt", &format!("body {SUBMIT} ^Z"), "resp +CMGS: 13", "final Ok"],
        ),
        t(
            "AT+CMGS with echo off",
            Some("+CMGS:"),
            "\r\n> \r\n+CMGS: 14\r\n\r\nOK\r\n",
            &["prompt", "resp +CMGS: 14", "final Ok"],
        ),
        t(
            "prompt cancelled with ESC",
            None,
            "AT+CMGS=23\r\r\n> \x1b\r\nOK\r\n",
            &["echo AT+CMGS=23", "prompt", "body  ESC", "final Ok"],
        ),
        t(
            "AT+CMGS refused",
            None,
            "AT+CMGS=23\r\r\n+CMS ERROR: 304\r\n",
            &["echo AT+CMGS=23", "final CmsError { code: Some(CmsCode(304)), text: \"304\" }"],
        ),
        t(
            "verbose and manufacturer-specific errors",
            None,
            "AT+CPIN?\r\r\n+CME ERROR: SIM PIN required\r\nAT+CMGS=23\r\r\n+CMS ERROR: 530\r\n\r\n+CMS ERROR: MEMORY FULL\r\n",
            &[
                "echo AT+CPIN?",
                "final CmeError { code: Some(CmeCode(11)), text: \"SIM PIN required\" }",
                "echo AT+CMGS=23",
                "final CmsError { code: Some(CmsCode(530)), text: \"530\" }",
                "final CmsError { code: Some(CmsCode(322)), text: \"MEMORY FULL\" }",
            ],
        ),
        t(
            "SIM800 boot",
            None,
            "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n",
            &["urc Rdy", "urc Cfun 1", "urc Cpin READY", "urc CallReady", "urc SmsReady"],
        ),
        t(
            "Quectel boot",
            None,
            "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n",
            &["urc Rdy", "urc Cfun 1", "urc Cpin READY", "urc Qusim 1", "urc Qind SMS DONE", "urc Qind PB DONE"],
        ),
        t(
            "+CPIN answered, then unsolicited",
            Some("+CPIN:"),
            "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n\r\n+CPIN: NOT READY\r\n",
            &["echo AT+CPIN?", "resp +CPIN: READY", "final Ok", "urc Cpin NOT READY"],
        ),
        t(
            "+CREG answered, then unsolicited",
            Some("+CREG:"),
            "AT+CREG?\r\r\n+CREG: 2,1,\"00C3\",\"0010ABCD\"\r\n\r\nOK\r\n\r\n+CREG: 5,\"00C3\",\"0010ABCE\"\r\n",
            &["echo AT+CREG?", "resp +CREG: 2,1,\"00C3\",\"0010ABCD\"", "final Ok", "urc Creg 5,\"00C3\",\"0010ABCE\""],
        ),
        t(
            "unanswered call on a SIM800",
            None,
            "\r\nRING\r\n\r\n+CLIP: \"+4915112345678\",145,\"\",0,\"\",0\r\n\r\nRING\r\n\r\n+CLIP: \"+4915112345678\",145,\"\",0,\"\",0\r\n\r\nNO CARRIER\r\n",
            &[
                "urc Ring",
                "urc Clip \"+4915112345678\",145,\"\",0,\"\",0",
                "urc Ring",
                "urc Clip \"+4915112345678\",145,\"\",0,\"\",0",
                "final NoCarrier",
            ],
        ),
        t(
            "Huawei call indications",
            None,
            "\r\n^ORIG:1,0\r\n\r\n^CONF:1\r\n\r\n^CONN:1,0\r\n\r\n^CEND:1,5,104,16\r\n",
            &["urc Orig 1,0", "urc Conf 1", "urc Conn 1,0", "urc Cend 1,5,104,16"],
        ),
        t(
            "Huawei status indications",
            None,
            "\r\n^BOOT:20185429,0,0,0,75\r\n\r\n^MODE:5,4\r\n\r\n^SRVST:2\r\n\r\n^SIMST:1\r\n\r\n^HCSQ:\"WCDMA\",30,30,58\r\n\r\n^DSFLOWRPT:0000001E,00000000,00000000,00000000000000AA,0000000000000122,0003E800,0003E800\r\n",
            &[
                "urc Boot 20185429,0,0,0,75",
                "urc Mode 5,4",
                "urc SrvSt 2",
                "urc SimSt 1",
                "urc Hcsq \"WCDMA\",30,30,58",
                "urc DsFlowRpt 0000001E,00000000,00000000,00000000000000AA,0000000000000122,0003E800,0003E800",
            ],
        ),
        t(
            "USSD answer after OK",
            None,
            "AT+CUSD=1,\"*100#\",15\r\r\nOK\r\n\r\n+CUSD: 0,\"Your balance is 5.00 EUR\",15\r\n",
            &["echo AT+CUSD=1,\"*100#\",15", "final Ok", "urc Cusd 0,\"Your balance is 5.00 EUR\",15"],
        ),
        t(
            "SIMCom supply warnings",
            None,
            "\r\nUNDER-VOLTAGE WARNNING\r\n\r\nUNDER-VOLTAGE POWER DOWN\r\n\r\nNORMAL POWER DOWN\r\n",
            &["urc UnderVoltageWarning", "urc UnderVoltagePowerDown", "urc NormalPowerDown"],
        ),
        t(
            "network time",
            None,
            "\r\n*PSUTTZ: 2024,5,1,12,30,0,\"+8\",0\r\n\r\nDST: 0\r\n\r\n+CTZV: +8,0\r\n",
            &["urc Psuttz 2024,5,1,12,30,0,\"+8\",0", "urc Dst 0", "urc Ctzv +8,0"],
        ),
        t(
            "Huawei refusing a command",
            None,
            "AT^FOO\r\r\nCOMMAND NOT SUPPORT\r\nAT+CSQ=1,2,3\r\r\nTOO MANY PARAMETERS\r\n",
            &["echo AT^FOO", "final Error", "echo AT+CSQ=1,2,3", "final Error"],
        ),
        t("data call", None, "ATD*99#\r\r\nCONNECT 150000000\r\n", &["echo ATD*99#", "final Connect(\"150000000\")"]),
        t("NUL flood at power-up", None, "\0\0\0\0\0\u{7f}\r\nRDY\r\n", &["err Garbage", "urc Rdy"]),
        t("bytes that UTF-8 never uses", None, b"\xff\xfe\xc0OK\r\n", &["err Garbage", "final Ok"]),
        t(
            "binary inside a line",
            Some("+CSQ:"),
            "+CSQ: 2\x01\x02 0,99\r\n\r\nOK\r\n",
            &["err Garbage", "final Ok"],
        ),
        t("a line that is not UTF-8", None, b"caf\xe9\r\nOK\r\n", &["err Garbage", "final Ok"]),
        t("Ctrl-Z outside a prompt", None, "OK\x1a\r\nOK\r\n", &["err Garbage", "final Ok"]),
        t(
            "a line longer than the buffer",
            None,
            format!("\r\n+CUSD: 0,\"{long}\",15\r\nOK\r\n"),
            &[&format!("err LineTooLong {{ limit: {LINE_CAPACITY} }}"), "final Ok"],
        ),
        t(
            "a line exactly as long as the buffer",
            None,
            format!("{exactly_full}\r\n"),
            &[&format!("resp {exactly_full}")],
        ),
        t(
            "+CMT without its PDU line",
            None,
            "\r\n+CMT: ,26\r\n\r\nOK\r\n",
            &["err InvalidField { field: \"+CMT:\", reason: \"the line after it is not a PDU\" }", "final Ok"],
        ),
        t(
            "+CMT header followed by another +CMT",
            None,
            format!("\r\n+CMT: ,26\r\n+CMT: ,26\r\n{DELIVER}\r\n"),
            &[
                "err InvalidField { field: \"+CMT:\", reason: \"the line after it is not a PDU\" }",
                &format!("urc Cmt ,26 | {DELIVER}"),
            ],
        ),
        t(
            "+CMT whose PDU line overflows",
            None,
            format!("\r\n+CMT: ,26\r\n{long}\r\nOK\r\n"),
            &[&format!("err LineTooLong {{ limit: {LINE_CAPACITY} }}"), "final Ok"],
        ),
    ]
}

fn show(item: Result<Item<'_>, Error>) -> String {
    let s = match item {
        Ok(Item::Echo(line)) => format!("echo {line}"),
        Ok(Item::BodyEcho { body, submitted }) => {
            format!("body {body} {}", if submitted { "^Z" } else { "ESC" })
        }
        Ok(Item::Prompt) => "prompt".to_string(),
        Ok(Item::Response(line)) => format!("resp {line}"),
        Ok(Item::Final(f)) => format!("final {f:?}"),
        Ok(Item::Urc(u)) => match u.body {
            Some(body) => format!("urc {:?} {} | {body}", u.kind, u.payload),
            None => format!("urc {:?} {}", u.kind, u.payload),
        },
        Err(e) => format!("err {e:?}"),
    };
    s.trim_end().to_string()
}

/// Feeds `chunks` in order, polling after every push, and renders the items.
fn digest<'a>(chunks: impl IntoIterator<Item = &'a [u8]>, expected: Option<&'static str>) -> Vec<String> {
    let mut d = Digester::new();
    d.set_expected(expected);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest = chunk;
        while !rest.is_empty() {
            let n = d.push(rest);
            rest = &rest[n..];
            let before = out.len();
            while let Some(item) = d.poll() {
                out.push(show(item));
            }
            assert!(n > 0 || out.len() > before, "the digester took no byte and had no item");
        }
    }
    out
}

/// Splits `bytes` at the given offsets (taken modulo the length, in any order).
fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| if bytes.is_empty() { 0 } else { c % bytes.len() }).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

#[test]
fn transcripts_give_their_items() {
    for tr in transcripts() {
        assert_eq!(digest([tr.bytes.as_slice()], tr.expected), tr.items, "{}", tr.name);
    }
}

#[test]
fn every_split_point_gives_the_same_items() {
    for tr in transcripts() {
        for at in 0..=tr.bytes.len() {
            let (a, b) = tr.bytes.split_at(at);
            assert_eq!(digest([a, b], tr.expected), tr.items, "{} split at {at}", tr.name);
        }
        let bytes: Vec<&[u8]> = tr.bytes.chunks(1).collect();
        assert_eq!(digest(bytes, tr.expected), tr.items, "{} byte by byte", tr.name);
    }
}

#[test]
fn transcripts_back_to_back_give_their_items_in_order() {
    // Every transcript ends at a line end or prompt boundary, so they can follow each other;
    // those that expect a prefix are left out because the prefix is set only once.
    let all: Vec<Transcript> = transcripts().into_iter().filter(|t| t.expected.is_none()).collect();
    let bytes: Vec<u8> = all.iter().flat_map(|t| t.bytes.iter().copied()).collect();
    let items: Vec<String> = all.iter().flat_map(|t| t.items.iter().cloned()).collect();
    assert_eq!(digest([bytes.as_slice()], None), items);
}

#[test]
fn an_item_waits_until_polled() {
    let mut d = Digester::new();
    let input = b"\r\nOK\r\n\r\nERROR\r\n";
    let n = d.push(input);
    assert_eq!(n, 5, "stops after the CR that ends OK");
    assert_eq!(d.push(&input[n..]), 0, "takes nothing while OK waits");
    assert_eq!(d.poll().map(show), Some("final Ok".to_string()));
    assert_eq!(d.poll().map(show), None);
    let m = d.push(&input[n..]);
    assert_eq!(n + m, input.len() - 1, "stops after the CR that ends ERROR");
    assert_eq!(d.poll().map(show), Some("final Error".to_string()));
}

#[test]
fn a_final_result_clears_the_expected_prefix() {
    let mut d = Digester::new();
    d.set_expected(Some("+CREG:"));
    assert_eq!(d.expected(), Some("+CREG:"));
    let input = b"\r\n+CREG: 0,1\r\n\r\nOK\r\n\r\n+CREG: 1\r\n";
    let mut rest = &input[..];
    let mut got = Vec::new();
    while !rest.is_empty() {
        let n = d.push(rest);
        rest = &rest[n..];
        while let Some(item) = d.poll() {
            got.push(show(item));
        }
    }
    assert_eq!(got, ["resp +CREG: 0,1", "final Ok", "urc Creg 1"]);
    assert_eq!(d.expected(), None);
}

#[test]
fn reset_forgets_a_partial_line() {
    let mut d = Digester::new();
    assert_eq!(d.push(b"\r\n+CSQ: 1"), 9);
    d.set_expected(Some("+CSQ:"));
    d.reset();
    assert_eq!(d.expected(), None);
    assert_eq!(d.push(b"OK\r"), 3);
    assert_eq!(d.poll().map(show), Some("final Ok".to_string()));
}

/// Bytes that steer the digester into its states, mixed with arbitrary ones.
fn modem_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => proptest::sample::select(b"\r\n> \x1a\x1bATOK+CMT:,\"0123456789ABCDEF^RSI".to_vec()),
        1 => any::<u8>(),
    ]
}

proptest! {
    #[test]
    fn any_chunking_of_a_transcript_gives_its_items(which in 0usize..64, cuts in prop::collection::vec(any::<usize>(), 0..16)) {
        let all = transcripts();
        let tr = &all[which % all.len()];
        let parts = chunks(&tr.bytes, &cuts);
        prop_assert_eq!(digest(parts.iter().map(Vec::as_slice), tr.expected), tr.items.clone(), "{}", tr.name);
    }

    #[test]
    fn any_chunking_of_any_bytes_gives_the_same_items(
        bytes in prop::collection::vec(modem_byte(), 0..1600),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let whole = digest([bytes.as_slice()], None);
        let parts = chunks(&bytes, &cuts);
        prop_assert_eq!(digest(parts.iter().map(Vec::as_slice), None), whole);
    }
}
