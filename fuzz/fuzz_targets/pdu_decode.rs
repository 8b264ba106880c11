//! The SMS PDU decoder on arbitrary octets: it must return a value or an error, never panic,
//! and everything a decoded PDU offers (text, header elements, timestamps, addresses) must be
//! readable without a panic too.
#![no_main]

use core::fmt::Write;

use libfuzzer_sys::fuzz_target;
use smsgw::codec::pdu::{decode, Pdu};

/// Discards what is written: only the formatting code paths matter here.
struct Sink;

impl Write for Sink {
    fn write_str(&mut self, _: &str) -> core::fmt::Result {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(pdu) = decode(data) else { return };
    let _ = write!(Sink, "{pdu:?}");
    if let Some(smsc) = pdu.smsc() {
        let _ = write!(Sink, "{smsc:?}");
    }
    if let Pdu::StatusReport(sr) = &pdu {
        let _ = sr.discharge_time.write_iso8601(&mut Sink);
    }
    if let Some(ud) = pdu.user_data() {
        if let Some(udh) = ud.udh() {
            let _ = udh.concat();
            let _ = udh.tables();
            for ie in udh.ies() {
                let _ = ie;
            }
        }
        if let Ok(chars) = ud.text() {
            for c in chars {
                let _ = c;
            }
        }
    }
});
