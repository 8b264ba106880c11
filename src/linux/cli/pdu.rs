//! `smsgw pdu encode|decode`: PDUs by hand, and the JSON contract other tools call.

use std::io::Read;

use serde_json::{json, Value};

use crate::codec::encoding::RefBits;
use crate::codec::gsm7::Language;
use crate::codec::hex;
use crate::codec::pdu::{self, Alphabet, Pdu, UserData};
use crate::linux::message::{self, hex_string, EncodedPart, MessageOptions};

/// `smsgw pdu` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Encode a text as SMS-SUBMIT PDUs ready for AT+CMGS.
    Encode(EncodeArgs),
    /// Decode a PDU as a modem prints it (SMSC field included).
    Decode(DecodeArgs),
}

/// Arguments of `smsgw pdu encode`.
#[derive(Debug, clap::Args)]
pub struct EncodeArgs {
    /// Print JSON: {"encoding", "parts", "pdus", "tpdu_lengths"}.
    #[arg(long)]
    pub json: bool,
    /// Destination: optional +, then 1 to 20 digits.
    #[arg(long, value_name = "NUMBER")]
    pub to: String,
    /// Read the text from standard input, verbatim (a final newline is part of the text).
    #[arg(long, conflicts_with = "text")]
    pub stdin: bool,
    /// The message text.
    #[arg(required_unless_present = "stdin")]
    pub text: Option<String>,
    /// Concatenation reference for a multipart message (default: derived from number and text).
    #[arg(long = "ref", value_name = "N")]
    pub reference: Option<u16>,
    /// Size of the concatenation reference.
    #[arg(long, value_name = "8|16", default_value = "8", value_parser = parse_ref_bits)]
    pub ref_bits: RefBits,
    /// Ask the service centre to keep trying for this long (rounded up to a period TS 23.040 can
    /// express; at most 63 weeks).
    #[arg(long, value_name = "MINUTES")]
    pub validity: Option<u32>,
    /// Request a status report.
    #[arg(long)]
    pub status_report: bool,
    /// Send as class 0: shown at once, not stored.
    #[arg(long)]
    pub flash: bool,
    /// Service centre to send through (default: the one on the SIM).
    #[arg(long, value_name = "NUMBER")]
    pub smsc: Option<String>,
    /// A national language whose shift tables may be used (repeatable).
    #[arg(long = "language", value_name = "LANG", value_parser = parse_language)]
    pub languages: Vec<Language>,
}

/// Arguments of `smsgw pdu decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Print JSON (absent fields are null).
    #[arg(long)]
    pub json: bool,
    /// The PDU in hex, SMSC field first (00 when there is none).
    pub hex: String,
}

fn parse_ref_bits(s: &str) -> Result<RefBits, String> {
    match s {
        "8" => Ok(RefBits::Eight),
        "16" => Ok(RefBits::Sixteen),
        _ => Err("8 or 16".into()),
    }
}

fn parse_language(s: &str) -> Result<Language, String> {
    Language::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        format!("one of {}", names.join(", "))
    })
}

pub fn run(cmd: &Command) -> Result<(), super::Error> {
    match cmd {
        Command::Encode(args) => encode(args),
        Command::Decode(args) => decode(args),
    }
}

fn decode(args: &DecodeArgs) -> Result<(), super::Error> {
    let hex_text = args.hex.trim();
    let mut octets = vec![0u8; hex_text.len() / 2];
    let octets = hex::decode_into(hex_text.as_bytes(), &mut octets)?;
    let pdu = pdu::decode(octets)?;
    let fields = decoded_json(&pdu);
    if args.json {
        println!("{fields}");
    } else {
        print!("{}", human(&pdu, &fields));
    }
    Ok(())
}

/// The `smsgw pdu decode --json` object: every key present, `null` when the PDU has no such
/// field.
pub fn decoded_json(pdu: &Pdu<'_>) -> Value {
    let shown = |a: Option<pdu::Address<'_>>| a.map(|a| a.to_string());
    let iso = |t: Option<pdu::Timestamp>| t.map(|t| t.to_string());
    let (kind, sender, recipient, timestamp, discharge, message_ref, status) = match pdu {
        Pdu::Deliver(d) => ("deliver", Some(d.originator), None, Some(d.timestamp), None, None, None),
        Pdu::Submit(s) => ("submit", None, Some(s.destination), None, None, Some(s.message_ref), None),
        Pdu::StatusReport(r) => (
            "status_report",
            None,
            Some(r.recipient),
            Some(r.timestamp),
            Some(r.discharge_time),
            Some(r.message_ref),
            Some(r.status.raw()),
        ),
    };
    let ud = pdu.user_data();
    let dcs = match pdu {
        Pdu::Deliver(d) => Some(d.dcs),
        Pdu::Submit(s) => Some(s.dcs),
        // Without TP-DCS, user data is read as GSM 7-bit (TS 23.040 §9.2.3.27).
        Pdu::StatusReport(r) => r.dcs.or(r.user_data.map(|u| u.dcs())),
    };
    let text = ud.and_then(|u| u.text().ok()).map(String::from_iter);
    // Octets are shown where there is no text: 8-bit data, or compressed user data.
    let data_hex = ud.filter(|_| text.is_none()).map(|u| hex_string(u.body()));
    json!({
        "type": kind,
        "smsc": shown(pdu.smsc()),
        "sender": shown(sender),
        "recipient": shown(recipient),
        "timestamp": iso(timestamp),
        "discharge_time": iso(discharge),
        "encoding": dcs.map(|d| alphabet_name(d.alphabet())),
        "text": text,
        "data_hex": data_hex,
        "class": dcs.and_then(|d| d.class()).map(|c| c.number()),
        "message_ref": message_ref,
        "status": status,
        "udh": ud.and_then(|u| udh_json(&u)),
    })
}

fn alphabet_name(a: Alphabet) -> &'static str {
    match a {
        Alphabet::Gsm7 => "gsm7",
        Alphabet::EightBit => "8bit",
        Alphabet::Ucs2 => "ucs2",
    }
}

/// The header's elements; `null` when there is no header or it holds no elements (a bare
/// length octet of 0 says nothing).
fn udh_json(ud: &UserData<'_>) -> Option<Value> {
    let udh = ud.udh().filter(|h| h.ies().next().is_some())?;
    let concat = udh.concat().map(|c| {
        json!({
            "ref": c.reference,
            "ref_bits": match c.ref_bits { RefBits::Eight => 8, RefBits::Sixteen => 16 },
            "seq": c.seq,
            "total": c.total,
        })
    });
    let ies: Vec<Value> = udh.ies().map(|ie| json!([ie.iei, hex_string(ie.data)])).collect();
    Some(json!({ "concat": concat, "ies": ies }))
}

/// `key: value` lines for people, skipping what the PDU does not have.
fn human(pdu: &Pdu<'_>, fields: &Value) -> String {
    let mut out = String::new();
    let mut line = |key: &str, value: String| out.push_str(&format!("{key}: {value}\n"));
    for key in ["type", "smsc", "sender", "recipient", "timestamp", "discharge_time", "message_ref"] {
        match &fields[key] {
            Value::Null => {}
            Value::String(s) => line(key, s.clone()),
            v => line(key, v.to_string()),
        }
    }
    if let Pdu::StatusReport(r) = pdu {
        line("status", format!("{} ({})", r.status.raw(), r.status));
    }
    for key in ["encoding", "class"] {
        match &fields[key] {
            Value::Null => {}
            Value::String(s) => line(key, s.clone()),
            v => line(key, v.to_string()),
        }
    }
    if let Some(ud) = pdu.user_data() {
        if let Some(udh) = ud.udh() {
            if let Some(c) = udh.concat() {
                let bits = match c.ref_bits {
                    RefBits::Eight => 8,
                    RefBits::Sixteen => 16,
                };
                line("part", format!("{} of {} (reference {}, {bits}-bit)", c.seq, c.total, c.reference));
            }
            for ie in udh.ies() {
                line("udh", format!("{:02X} {}", ie.iei, hex_string(ie.data)));
            }
        }
        match ud.text() {
            Ok(chars) => line("text", chars.collect()),
            Err(e) => {
                line("data", hex_string(ud.body()));
                line("note", e.to_string());
            }
        }
    }
    out
}

fn encode(args: &EncodeArgs) -> Result<(), super::Error> {
    let text = match (&args.text, args.stdin) {
        (_, true) => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
        (Some(t), false) => t.clone(),
        (None, false) => return Err(super::Error::Usage("give the text, or --stdin".into())),
    };
    let opts = MessageOptions {
        to: &args.to,
        smsc: args.smsc.as_deref(),
        status_report: args.status_report,
        validity_minutes: args.validity,
        flash: args.flash,
        languages: &args.languages,
        ref_bits: args.ref_bits,
        reference: args.reference,
    };
    let message = message::encode(&text, &opts)?;
    let pdus: Vec<String> = message.parts.iter().map(EncodedPart::hex).collect();
    let tpdu_lengths: Vec<usize> = message.parts.iter().map(|p| p.tpdu_len).collect();
    let encoding = message.encoding;
    let encoding_name = encoding.name();
    if args.json {
        let v = json!({
            "encoding": encoding_name,
            "parts": pdus.len(),
            "pdus": pdus,
            "tpdu_lengths": tpdu_lengths,
        });
        println!("{v}");
    } else {
        println!("encoding: {encoding_name}");
        println!("parts: {}", pdus.len());
        for (pdu, len) in pdus.iter().zip(&tpdu_lengths) {
            println!("AT+CMGS={len}");
            println!("{pdu}");
        }
    }
    Ok(())
}
