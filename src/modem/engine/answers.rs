//! Information responses: what each command's answer lines say, kept in the pending command or
//! written straight into the status.

use heapless::String;

use super::Engine;
use crate::codec::at::urc::{Domain, Registration as RegistrationLine};
use crate::modem::command::{
    identity_value, parse_cmgl, parse_cmgr, parse_cmgs, parse_cops, parse_cpin, parse_cpms, parse_cpms_options,
    parse_csms, parse_csq, payload, Command,
};
use crate::modem::event::Location;
use crate::modem::status::{Memory, ICCID_CHARS, IMEI_CHARS, IMSI_CHARS};
use crate::modem::Error;
use crate::time::Instant;

impl Engine {
    pub(crate) fn on_response(&mut self, _now: Instant, line: &str) {
        let Some(mut p) = self.pending else { return };
        let first = p.lines == 0;
        p.lines = p.lines.saturating_add(1);
        match p.cmd {
            Command::PinQuery => {
                if let Some(v) = payload(line, "+CPIN:") {
                    p.pin = Some(parse_cpin(v));
                }
            }
            Command::SmsService => {
                if let Some(v) = payload(line, "+CSMS:") {
                    self.status.sms_service = parse_csms(v);
                }
            }
            Command::StorageOptions => {
                if let Some(v) = payload(line, "+CPMS:") {
                    p.memory = parse_cpms_options(v);
                }
            }
            Command::StorageSelect(m) => {
                if let Some(s) = payload(line, "+CPMS:").and_then(|v| parse_cpms(v, Some(m))) {
                    self.status.storage = Some(s);
                }
            }
            Command::StorageQuery => {
                if let Some(s) = payload(line, "+CPMS:").and_then(|v| parse_cpms(v, None)) {
                    self.status.storage = Some(s);
                    self.read_memory = Some(s.memory);
                }
            }
            Command::Manufacturer if first => self.status.identity.manufacturer = self.text(line, "manufacturer"),
            Command::Model if first => self.status.identity.model = self.text(line, "model"),
            Command::Revision if first => self.status.identity.revision = self.text(line, "revision"),
            Command::Imei if first => self.status.identity.imei = self.digits::<IMEI_CHARS>(line, "IMEI"),
            Command::Imsi if first => self.status.identity.imsi = self.digits::<IMSI_CHARS>(line, "IMSI"),
            Command::Iccid(_) if first => {
                let mut unswapped = [0u8; ICCID_CHARS];
                let huawei = line.trim_start().starts_with("^ICCID");
                let value = iccid_digits(identity_value(line), huawei, &mut unswapped);
                self.status.identity.iccid = self.text(value, "ICCID");
            }
            Command::Operator => {
                if let Some(name) = payload(line, "+COPS:").and_then(parse_cops) {
                    self.status.identity.operator = self.text(name, "operator");
                }
            }
            Command::SignalQuery => match payload(line, "+CSQ:").and_then(parse_csq) {
                Some(s) => self.signal(s),
                None => self.record(Error::Unexpected { command: "AT+CSQ", reason: "not +CSQ: <rssi>,<ber>" }),
            },
            Command::RegistrationQuery | Command::EpsRegistrationQuery => {
                let (prefix, domain) = match p.cmd {
                    Command::RegistrationQuery => ("+CREG:", Domain::CircuitSwitched),
                    _ => ("+CEREG:", Domain::Eps),
                };
                if let Some(v) = payload(line, prefix) {
                    match RegistrationLine::parse(v, prefix) {
                        Ok(r) => self.registration(domain, &r),
                        Err(e) => self.record(Error::Codec(e)),
                    }
                }
            }
            Command::List => {
                // The PDU lines that follow each header are read later, one by one, with
                // `AT+CMGR`: only as many as the caller can take are held at once.
                if let Some((index, stat)) = payload(line, "+CMGL:").and_then(parse_cmgl) {
                    // 0 received unread, 1 received read; 2 and 3 are outgoing drafts.
                    if stat <= 1 {
                        let memory = self.read_memory.unwrap_or(Memory::Sim);
                        self.stored(Location { memory, index });
                    }
                }
            }
            Command::Read(_) => match payload(line, "+CMGR:") {
                Some(v) => p.stat = parse_cmgr(v),
                None if p.stat.is_some() && !p.pdu => {
                    let mut pdu = core::mem::take(&mut self.read_pdu);
                    p.pdu = self.unhex(line, &mut pdu);
                    self.read_pdu = pdu;
                }
                None => {}
            },
            Command::Submit(_) => {
                if let Some(v) = payload(line, "+CMGS:") {
                    p.mr = parse_cmgs(v);
                }
            }
            _ => {}
        }
        // The handlers above may have ended the command (a status change re-initialising);
        // only a still-pending command takes the scratch values.
        if self.pending.is_some_and(|q| q.cmd == p.cmd) {
            self.pending = Some(p);
        }
    }

    /// An identity text; `None` (and an error noted) if empty or longer than `N`.
    fn text<const N: usize>(&mut self, line: &str, field: &'static str) -> Option<String<N>> {
        let value = identity_value(line);
        if value.is_empty() {
            return None;
        }
        match String::try_from(value) {
            Ok(s) => Some(s),
            Err(_) => {
                self.record(Error::TooLong { field, limit: N });
                None
            }
        }
    }

    /// Like [`Engine::text`], for a value that must be digits (IMEI, IMSI): anything else is
    /// an error message in a modem's own words, not the value.
    fn digits<const N: usize>(&mut self, line: &str, field: &'static str) -> Option<String<N>> {
        let value = identity_value(line);
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            self.record(Error::Unexpected { command: field, reason: "not digits" });
            return None;
        }
        self.text(value, field)
    }
}

/// The ICCID in a modem's answer, as printed on the SIM card. Huawei's `^ICCID:` (`huawei`) prints the SIM's
/// EF-ICCID bytes as they are stored, each pair of digits swapped (`98…` for an ICCID that
/// starts with the telecom prefix `89`), with the filler `F` of an odd count inside the last
/// pair; others print the digits, some with a trailing `F`.
fn iccid_digits<'a>(value: &'a str, huawei: bool, buf: &'a mut [u8; ICCID_CHARS]) -> &'a str {
    let bytes = value.as_bytes();
    let swapped = huawei && value.starts_with("98") && bytes.len() <= buf.len();
    let value = if swapped {
        for (i, pair) in bytes.chunks(2).enumerate() {
            match *pair {
                [a, b] => {
                    buf[2 * i] = b;
                    buf[2 * i + 1] = a;
                }
                [a] => buf[2 * i] = a,
                _ => {}
            }
        }
        core::str::from_utf8(&buf[..bytes.len()]).unwrap_or(value)
    } else {
        value
    };
    // Some modems print the SIM's filler `F` after an odd number of digits.
    value.trim_end_matches(['F', 'f'])
}

#[cfg(test)]
mod iccid_tests {
    use super::*;

    #[test]
    fn iccids_read_as_printed_on_the_card() {
        let cases = [
            // Huawei's stored form: pairs swapped, the filler inside the last pair.
            (true, "98942000002143658729", "89490200001234567892"),
            (true, "9844100010325476F8", "89440100012345678"),
            // A Huawei firmware that already prints the digits.
            (true, "89490200001234567892", "89490200001234567892"),
            (false, "89490200001234567892F", "89490200001234567892"),
            (false, "98942000002143658729", "98942000002143658729"),
        ];
        for (huawei, printed, want) in cases {
            let mut buf = [0u8; ICCID_CHARS];
            assert_eq!(iccid_digits(printed, huawei, &mut buf), want, "{huawei} {printed}");
        }
    }
}
