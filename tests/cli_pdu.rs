//! `smsgw pdu encode` and `smsgw pdu decode` as other tools call them.

mod common;

use common::run;
use serde_json::Value;

fn json_of(args: &[&str], stdin: Option<&str>) -> Value {
    let out = run(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Decodes a PDU the encoder printed.
fn decoded(pdu: &Value) -> Value {
    json_of(&["pdu", "decode", "--json", pdu.as_str().unwrap()], None)
}

#[test]
fn encode_matches_a_published_pdu() {
    let v = json_of(&["pdu", "encode", "--json", "--to", "+46708251358", "--validity", "5760", "hellohello"], None);
    assert_eq!(v["encoding"], "gsm7");
    assert_eq!(v["parts"], 1);
    assert_eq!(v["pdus"][0], "0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
    assert_eq!(v["tpdu_lengths"][0], 23);
}

#[test]
fn encode_options_show_in_the_decoded_pdu() {
    let v = json_of(
        &[
            "pdu",
            "encode",
            "--json",
            "--to",
            "0612345678",
            "--smsc",
            "+447785016005",
            "--flash",
            "--status-report",
            "ok",
        ],
        None,
    );
    let pdu = v["pdus"][0].as_str().unwrap();
    assert!(pdu.starts_with("0791447758100650"), "{pdu}");
    // TPDU length: what follows the 8-octet SMSC field.
    assert_eq!(v["tpdu_lengths"][0].as_u64().unwrap() as usize, pdu.len() / 2 - 8);
    let d = decoded(&v["pdus"][0]);
    assert_eq!(d["type"], "submit");
    assert_eq!(d["smsc"], "+447785016005");
    assert_eq!(d["recipient"], "0612345678");
    assert_eq!(d["class"], 0);
    assert_eq!(d["message_ref"], 0);
    assert_eq!(d["text"], "ok");
}

#[test]
fn encode_picks_ucs2_for_text_gsm7_cannot_carry() {
    let v = json_of(&["pdu", "encode", "--json", "--to", "+1", "Привет 😀"], None);
    assert_eq!(v["encoding"], "ucs2");
    let d = decoded(&v["pdus"][0]);
    assert_eq!((d["encoding"].as_str(), d["text"].as_str()), (Some("ucs2"), Some("Привет 😀")));
}

#[test]
fn stdin_is_read_verbatim() {
    let text = "line one\nline two\n";
    let v = json_of(&["pdu", "encode", "--json", "--to", "+1", "--stdin"], Some(text));
    assert_eq!(decoded(&v["pdus"][0])["text"], text);
}

#[test]
fn human_output() {
    let out = run(&["pdu", "encode", "--to", "+46708251358", "--validity", "5760", "hellohello"], None);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "encoding: gsm7\nparts: 1\nAT+CMGS=23\n0011000B916407281553F80000AA0AE8329BFD4697D9EC37\n"
    );
    let out = run(&["pdu", "decode", "0006D60B911326880736F4111011719551401110117195714046"], None);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "type: status_report\nrecipient: +31628870634\ntimestamp: 2011-01-11T17:59:15+01:00\n\
         discharge_time: 2011-01-11T17:59:17+01:00\nmessage_ref: 214\n\
         status: 70 (permanent error: SM validity period expired)\n"
    );
}

#[test]
fn decode_json_of_an_eight_bit_message_with_a_header() {
    let d = json_of(
        &["pdu", "decode", "--json", "07913307005630F0440BA13307570230F00006017010900412800A0605040B8423F0AABBCC"],
        None,
    );
    assert_eq!(d["encoding"], "8bit");
    assert_eq!(d["text"], Value::Null);
    assert_eq!(d["data_hex"], "AABBCC");
    assert_eq!(d["udh"], serde_json::json!({"concat": null, "ies": [[5, "0B8423F0"]]}));
    assert_eq!(d["sender"], "33707520030");
}

#[test]
fn bad_input_is_exit_1_with_one_line_and_no_output() {
    let cases: &[&[&str]] = &[
        &["pdu", "decode", "0"],
        &["pdu", "decode", "zz"],
        &["pdu", "decode", ""],
        &["pdu", "decode", "--json", "0011000B916407281553F80000AA0AE8329BFD4697D9EC"],
        &["pdu", "decode", "--json", "0011000B916407281553F80000AA0AE8329BFD4697D9EC3700"],
        &["pdu", "decode", "0003"],
        &["pdu", "encode", "--to", "+12ab", "hi"],
        &["pdu", "encode", "--to", "123456789012345678901", "hi"],
        &["pdu", "encode", "--to", "+1", "--smsc", "-", "hi"],
        &["pdu", "encode", "--to", "+1", "--validity", "635041", "hi"],
    ];
    for args in cases {
        let out = run(args, None);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// Encodes, then decodes every part: (encoding, decoded parts).
fn round_trip(args: &[&str]) -> (Value, Vec<Value>) {
    let mut all = vec!["pdu", "encode", "--json"];
    all.extend_from_slice(args);
    let v = json_of(&all, None);
    let parts: Vec<Value> = v["pdus"].as_array().unwrap().iter().map(decoded).collect();
    assert_eq!(v["parts"].as_u64().unwrap() as usize, parts.len());
    assert_eq!(v["tpdu_lengths"].as_array().unwrap().len(), parts.len());
    (v, parts)
}

fn joined(parts: &[Value]) -> String {
    parts.iter().map(|p| p["text"].as_str().unwrap()).collect()
}

#[test]
fn long_gsm7_text_is_sent_in_parts_with_one_reference() {
    let text = "0123456789".repeat(20);
    let (v, parts) = round_trip(&["--to", "+4915112345678", &text]);
    assert_eq!((v["encoding"].as_str(), parts.len()), (Some("gsm7"), 2));
    assert_eq!(joined(&parts), text);
    let concat: Vec<&Value> = parts.iter().map(|p| &p["udh"]["concat"]).collect();
    assert_eq!(concat[0]["ref"], concat[1]["ref"]);
    for (i, c) in concat.iter().enumerate() {
        assert_eq!(
            (c["seq"].as_u64(), c["total"].as_u64(), c["ref_bits"].as_u64()),
            (Some(i as u64 + 1), Some(2), Some(8))
        );
    }
    for pdu in v["pdus"].as_array().unwrap() {
        assert!(pdu.as_str().unwrap().len() / 2 <= smsgw::codec::pdu::MAX_PDU_OCTETS);
    }
}

#[test]
fn reference_and_its_size_are_as_given() {
    let text = "ж".repeat(100);
    let (v, parts) = round_trip(&["--to", "+1", "--ref", "4660", "--ref-bits", "16", &text]);
    assert_eq!((v["encoding"].as_str(), parts.len()), (Some("ucs2"), 2));
    assert_eq!(joined(&parts), text);
    for p in &parts {
        assert_eq!(p["udh"]["concat"]["ref"], 4660);
        assert_eq!(p["udh"]["concat"]["ref_bits"], 16);
        assert_eq!(p["udh"]["ies"][0][0], 8);
    }
    // An 8-bit reference cannot hold 4660.
    let out = run(&["pdu", "encode", "--to", "+1", "--ref", "4660", &text], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_single_part_has_no_concatenation_header() {
    let (_, parts) = round_trip(&["--to", "+1", "--ref", "9", "short"]);
    assert_eq!(parts[0]["udh"], Value::Null);
}

#[test]
fn national_shift_tables_travel_in_the_header_and_decode_back() {
    let text = "Şişli'de çay içtik, ğ ı ş";
    // Without the language the text needs UCS-2.
    let (v, _) = round_trip(&["--to", "+90", text]);
    assert_eq!(v["encoding"], "ucs2");
    let (v, parts) = round_trip(&["--to", "+90", "--language", "turkish", text]);
    assert_eq!(v["encoding"], "gsm7");
    assert_eq!(joined(&parts), text);
    let ies: Vec<u64> = parts[0]["udh"]["ies"].as_array().unwrap().iter().map(|ie| ie[0].as_u64().unwrap()).collect();
    assert!(ies.iter().any(|&iei| iei == 0x24 || iei == 0x25), "{ies:?}");
}

#[test]
fn unknown_language_is_a_usage_error() {
    let out = run(&["pdu", "encode", "--to", "+1", "--language", "klingon", "hi"], None);
    assert_eq!(out.status.code(), Some(2));
}
