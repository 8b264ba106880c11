//! smsgw's codec speed on the benchmark corpus, for comparison with libGammu
//! (`bench/gammu_bench.c`) and python-gsmmodem (`bench/gsmmodem_bench.py`); `scripts/bench.sh codec`
//! runs all three and writes BENCHMARKS.md.
//!
//! For each text of the corpus (`single-gsm7.txt`, `multi-gsm7.txt`, `ucs2.txt`):
//! - `encode-*`: `&str` -> SMS-SUBMIT PDU octets of every part, SMSC field included
//!   (`encoding::plan`, `segment::split`, `pdu::encode_submit` into a stack buffer);
//! - `decode-*`: those octets -> fields and text (`pdu::decode`, then the addresses' and the
//!   text's characters, written into a buffer);
//!
//! and `decode-deliver`: every PDU of the DELIVER set decoded the same way.
//!
//! Prints one tab-separated line per operation: name, ns per PDU, PDUs per round, rounds timed.
//! Each operation runs ~`SMSGW_BENCH_SECONDS` (default 1) in 5 slices; the median slice is
//! reported, which keeps a busy machine's spikes out of the figure.
//!
//! `SMSGW_BENCH_CORPUS` (default `bench/corpus`), `SMSGW_BENCH_DELIVER` (default
//! `bench/build/codec/deliver.hex`, written by `scripts/bench.sh codec`), `SMSGW_BENCH_ONLY`
//! (run only the operations whose name contains it, e.g. under a profiler).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use smsgw::codec::encoding::{plan, Encoding, Options, RefBits};
use smsgw::codec::pdu::{self, Concat, Part, Pdu, SubmitParams, MAX_PDU_OCTETS};
use smsgw::codec::segment::split;

const SLICES: usize = 5;
const TO: &str = "+491701234567";
const NAMES: [&str; 3] = ["single-gsm7", "multi-gsm7", "ucs2"];
/// Characters kept per decoded PDU: a part holds at most 160.
const TEXT_CHARS: usize = 256;

/// Runs `round` (which returns the PDUs it handled) for about `target` seconds and prints the
/// median time per PDU over `SLICES` slices.
fn measure(name: &str, target: f64, mut round: impl FnMut() -> usize) {
    if std::env::var("SMSGW_BENCH_ONLY").is_ok_and(|only| !name.contains(only.as_str())) {
        return;
    }
    let pdus = round();
    let mut rounds: u64 = 1;
    let elapsed = loop {
        let t0 = Instant::now();
        for _ in 0..rounds {
            black_box(round());
        }
        let t = t0.elapsed().as_nanos() as f64;
        if t > 20e6 {
            break t;
        }
        rounds *= 2;
    };
    let rounds = (rounds as f64 * (target / SLICES as f64) * 1e9 / elapsed) as u64 + 1;
    let mut per_pdu = [0u128; SLICES];
    for slot in per_pdu.iter_mut() {
        let t0 = Instant::now();
        for _ in 0..rounds {
            black_box(round());
        }
        *slot = t0.elapsed().as_nanos() / u128::from(rounds * pdus as u64);
    }
    per_pdu.sort_unstable();
    println!("{name}\t{}\t{pdus}\t{}", per_pdu[SLICES / 2], rounds * SLICES as u64);
}

/// Encodes `text` as the gateway sends it: every part into `out`, handed to `sink`.
fn encode(text: &str, mut sink: impl FnMut(&[u8])) -> usize {
    let plan = plan(text, &Options::default()).expect("plan");
    let params = SubmitParams { destination: TO, ..SubmitParams::default() };
    let total = plan.parts;
    let mut buf = [0u8; MAX_PDU_OCTETS];
    let mut n = 0;
    for (i, part_text) in split(text, &plan).enumerate() {
        let concat = (total > 1).then(|| Concat {
            reference: 42,
            ref_bits: RefBits::Eight,
            seq: (i + 1) as u8,
            total: total as u8,
        });
        let part = Part { text: part_text, encoding: plan.encoding, concat };
        let pdu = pdu::encode_submit(&params, &part, &mut buf).expect("encode_submit");
        sink(pdu.octets);
        n += 1;
    }
    n
}

/// Decodes one PDU down to its characters: the addresses' into a scratch buffer, the text's
/// into `text`; returns the number of text characters.
fn decode(octets: &[u8], text: &mut [char; TEXT_CHARS]) -> usize {
    let pdu = pdu::decode(octets).expect("decode");
    // Two addresses (SMSC and the other party) of at most 20 digits and a '+' each.
    let mut digits = ['\0'; 2 * 21];
    let mut d = 0;
    let mut put_digit = |c: char| {
        if let Some(slot) = digits.get_mut(d) {
            *slot = c;
        }
        d += 1;
    };
    if let Some(smsc) = pdu.smsc() {
        smsc.chars().for_each(&mut put_digit);
    }
    match &pdu {
        Pdu::Deliver(m) => m.originator.chars().for_each(&mut put_digit),
        Pdu::Submit(m) => m.destination.chars().for_each(&mut put_digit),
        Pdu::StatusReport(m) => m.recipient.chars().for_each(&mut put_digit),
    }
    black_box(&digits);
    let mut n = 0;
    let mut put = |c: char| {
        if let Some(slot) = text.get_mut(n) {
            *slot = c;
        }
        n += 1;
    };
    if let Some(ud) = pdu.user_data() {
        if let Some(udh) = ud.udh() {
            black_box(udh.concat());
        }
        match ud.text() {
            Ok(chars) => chars.for_each(&mut put),
            // 8-bit data is not text: its octets are the content.
            Err(_) => black_box(ud.body()).iter().for_each(|&b| put(char::from(b))),
        }
    }
    black_box(&pdu);
    n
}

fn text_of(octets: &[u8]) -> String {
    let mut buf = ['\0'; TEXT_CHARS];
    let n = decode(octets, &mut buf);
    buf[..n].iter().collect()
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn env_path(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(default),
    }
}

fn main() {
    let target: f64 = std::env::var("SMSGW_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let corpus = env_path("SMSGW_BENCH_CORPUS", "bench/corpus");
    let deliver = env_path("SMSGW_BENCH_DELIVER", "bench/build/codec/deliver.hex");

    for name in NAMES {
        let path = corpus.join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut pdus: Vec<Vec<u8>> = Vec::new();
        encode(&text, |o| pdus.push(o.to_vec()));
        // The parts decode back to the text: the benchmark measures working code.
        let joined: String = pdus.iter().map(|p| text_of(p)).collect();
        assert_eq!(joined, text, "{name} does not decode to its text");
        let want_ucs2 = name.contains("ucs2");
        let planned = plan(&text, &Options::default()).expect("plan").encoding;
        assert_eq!(matches!(planned, Encoding::Ucs2), want_ucs2, "{name}: unexpected encoding");

        measure(&format!("encode-{name}"), target, || {
            encode(black_box(&text), |o| {
                black_box(o);
            })
        });
        let mut buf = ['\0'; TEXT_CHARS];
        measure(&format!("decode-{name}"), target, || {
            for p in &pdus {
                black_box(decode(black_box(p), &mut buf));
            }
            pdus.len()
        });
    }

    match std::fs::read_to_string(&deliver) {
        Ok(list) => {
            let vectors: Vec<Vec<u8>> = list.lines().filter(|l| !l.trim().is_empty()).map(|l| hex(l.trim())).collect();
            let mut buf = ['\0'; TEXT_CHARS];
            measure("decode-deliver", target, || {
                for p in &vectors {
                    black_box(decode(black_box(p), &mut buf));
                }
                vectors.len()
            });
        }
        Err(e) => {
            eprintln!("codec bench: no DELIVER set at {} ({e}); scripts/bench.sh codec writes it", deliver.display())
        }
    }
}
