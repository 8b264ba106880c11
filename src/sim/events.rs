//! What happens to the modem on its own or from outside: booting, periodic URCs, the network's
//! answers, incoming messages, status reports and calls.

use core::fmt::Write as _;
use core::time::Duration;

use super::deliver::{self, DeliverParams, PduBuf, ReportParams};
use super::storage::{Slot, Stat};
use super::{Call, Error, PendingReport, PowerState, Sim, RECIPIENT_CAPACITY};
use crate::codec::encoding::{self, Options, RefBits};
use crate::codec::pdu::{Concat, Part, Timestamp};
use crate::codec::{hex, segment};
use crate::time::Instant;

impl Sim {
    /// Fires the earliest timer due by `now`; false when none is.
    pub(super) fn fire_one(&mut self, now: Instant) -> bool {
        let due = |t: Option<Instant>| t.is_some_and(|t| now.reached(t));
        let t = self.timers;
        if due(t.boot) {
            self.timers.boot = None;
            self.booted(now, t.boot.unwrap_or(now));
            return true;
        }
        if self.power != PowerState::Ready {
            return false;
        }
        if due(t.reboot) {
            self.timers.reboot = None;
            self.power = PowerState::Off;
            self.set_power(now, true);
            return true;
        }
        if due(t.boot_urc) {
            self.next_boot_urc(now);
            return true;
        }
        if due(t.send_result) {
            self.finish_send(now);
            return true;
        }
        if let Some(i) = t.periodic.iter().position(|&p| due(p)) {
            self.periodic(now, i);
            return true;
        }
        if due(t.flood) {
            self.timers.flood = Some(now + self.flood_period());
            if !self.busy() {
                let line = self.config.profile.spec().flood;
                self.urc(now, format_args!("{line}"));
            }
            return true;
        }
        if due(t.ring) {
            self.ring(now);
            return true;
        }
        if due(t.ussd) {
            self.timers.ussd = None;
            let request = self.ussd.clone();
            self.urc(now, format_args!("+CUSD: 0,\"Balance 12.34 EUR, valid until 2025-01-01 ({request})\",15"));
            return true;
        }
        if self.reports.iter().any(|r| now.reached(r.due)) {
            // The first one due, wherever it is (delays may have changed); the rest keep order.
            let mut report = None;
            for _ in 0..self.reports.len() {
                if let Some(r) = self.reports.pop_front() {
                    if report.is_none() && now.reached(r.due) {
                        report = Some(r);
                    } else {
                        let _ = self.reports.push_back(r);
                    }
                }
            }
            if let Some(r) = report {
                self.report_due(now, r);
            }
            return true;
        }
        false
    }

    /// Booting completed at `at`.
    fn booted(&mut self, now: Instant, at: Instant) {
        self.power = PowerState::Ready;
        self.stats.boots += 1;
        self.ready_at = at;
        self.boot_urc = 0;
        self.timers.boot_urc = self.config.profile.spec().boot_urcs.first().map(|&(ms, _)| at + ms_(ms));
        for (slot, p) in self.timers.periodic.iter_mut().zip(self.config.profile.spec().periodic) {
            *slot = Some(at + ms_(p.every_ms));
        }
        if self.faults.flood_hz > 0 {
            self.timers.flood = Some(now + self.flood_period());
        }
    }

    fn next_boot_urc(&mut self, now: Instant) {
        let urcs = self.config.profile.spec().boot_urcs;
        let Some(&(_, line)) = urcs.get(self.boot_urc) else {
            self.timers.boot_urc = None;
            return;
        };
        self.boot_urc += 1;
        self.timers.boot_urc = urcs.get(self.boot_urc).map(|&(ms, _)| self.ready_at + ms_(ms));
        let locked = self.sim_locked();
        match line {
            "+CPIN: READY" if locked => self.urc(now, format_args!("+CPIN: SIM PIN")),
            // The SMS and call stacks wait for the PIN.
            "Call Ready" | "SMS Ready" | "+QIND: SMS DONE" | "+QIND: PB DONE" if locked => {}
            _ => self.urc(now, format_args!("{line}")),
        }
    }

    fn periodic(&mut self, now: Instant, i: usize) {
        let Some(p) = self.config.profile.spec().periodic.get(i) else {
            if let Some(slot) = self.timers.periodic.get_mut(i) {
                *slot = None;
            }
            return;
        };
        if let Some(slot) = self.timers.periodic.get_mut(i) {
            *slot = Some(now + ms_(p.every_ms));
        }
        let silenced = p.curc && !self.settings.curc;
        if !silenced && !self.busy() {
            self.urc(now, format_args!("{}", p.line));
        }
    }

    /// Tells the host about a registration change, as `AT+CREG`/`+CGREG`/`+CEREG` asked.
    pub(super) fn registration_changed(&mut self, now: Instant) {
        if self.power != PowerState::Ready {
            return;
        }
        let stat = self.registration_stat();
        for (name, n) in
            [("+CREG", self.settings.creg), ("+CGREG", self.settings.cgreg), ("+CEREG", self.settings.cereg)]
        {
            match n {
                1 => self.urc(now, format_args!("{name}: {stat}")),
                2 if stat == 1 => self.urc(now, format_args!("{name}: {stat},\"1A2B\",\"00C3D4E5\"")),
                2 => self.urc(now, format_args!("{name}: {stat}")),
                _ => {}
            }
        }
    }

    /// An incoming message: planned, split, and each part delivered as `AT+CNMI` says.
    pub(super) fn receive_sms(&mut self, now: Instant, from: &str, text: &str, flash: bool) -> Result<(), Error> {
        let plan = encoding::plan(text, &Options { languages: &[], ref_bits: RefBits::Eight })?;
        let direct = self.settings.cnmi[1] == 2;
        if !direct && self.storage.free() < plan.parts {
            return Err(Error::StorageFull { needed: plan.parts });
        }
        let reference = self.next_concat_ref;
        self.next_concat_ref = self.next_concat_ref.wrapping_add(1);
        let params = DeliverParams { smsc: super::SMSC, originator: from, timestamp: self.clock(now), flash };
        // Check every part before delivering any, so that a bad sender delivers nothing.
        for (i, text) in segment::split(text, &plan).enumerate() {
            let concat = plan.is_multipart().then_some(Concat {
                reference: u16::from(reference),
                ref_bits: RefBits::Eight,
                // At most 255 parts: plan refuses more.
                seq: (i + 1) as u8,
                total: plan.parts as u8,
            });
            deliver::encode_deliver(&params, &Part { text, encoding: plan.encoding, concat })?;
        }
        for (i, text) in segment::split(text, &plan).enumerate() {
            let concat = plan.is_multipart().then_some(Concat {
                reference: u16::from(reference),
                ref_bits: RefBits::Eight,
                seq: (i + 1) as u8,
                total: plan.parts as u8,
            });
            let pdu = deliver::encode_deliver(&params, &Part { text, encoding: plan.encoding, concat })?;
            self.deliver_message(now, pdu);
        }
        Ok(())
    }

    /// A raw SMS-DELIVER from the network. It must decode as one, so that the host is never handed
    /// something no network would send.
    pub(super) fn receive_pdu(&mut self, now: Instant, octets: &[u8]) -> Result<(), Error> {
        match crate::codec::pdu::decode(octets)? {
            crate::codec::pdu::Pdu::Deliver(_) => {}
            _ => {
                return Err(Error::Codec(crate::codec::Error::InvalidField {
                    field: "TP-MTI",
                    reason: "not an SMS-DELIVER",
                }))
            }
        }
        let pdu = PduBuf::from_slice(octets)
            .map_err(|_| Error::Codec(crate::codec::Error::BufferTooSmall { needed: octets.len() }))?;
        if self.settings.cnmi[1] != 2 && self.storage.free() < 1 {
            return Err(Error::StorageFull { needed: 1 });
        }
        self.deliver_message(now, pdu);
        Ok(())
    }

    fn deliver_message(&mut self, now: Instant, pdu: PduBuf) {
        self.stats.received += 1;
        let tpdu_len = pdu_tpdu_len(&pdu);
        match self.settings.cnmi[1] {
            2 => self.two_line_urc(now, "+CMT: ,", &pdu, tpdu_len),
            mt => {
                let Some(slot) = self.storage.store(Slot { stat: Stat::RecUnread, pdu, tpdu_len }) else {
                    return;
                };
                if mt != 0 {
                    let index = slot + self.config.profile.spec().first_index;
                    self.urc(now, format_args!("+CMTI: \"SM\",{index}"));
                }
            }
        }
    }

    /// `+CMT`/`+CDS` in PDU mode: a header line with the TPDU length, then the PDU.
    fn two_line_urc(&mut self, now: Instant, head: &str, pdu: &[u8], tpdu_len: usize) {
        self.flush_echo(now);
        let mut hex_buf = [0u8; 2 * crate::codec::pdu::MAX_PDU_OCTETS];
        let hex_text = hex::encode_into(pdu, &mut hex_buf).unwrap_or("");
        let mut line = heapless::String::<32>::new();
        let _ = write!(line, "{head}{tpdu_len}");
        self.info(format_args!("{line}"));
        self.out.write(hex_text.as_bytes());
        self.out.write(b"\r\n");
        self.out.commit(super::output::Release { due: now, split: self.faults.split }, &mut self.rng);
    }

    /// A status report is due.
    fn report_due(&mut self, now: Instant, r: PendingReport) {
        let _ = self.receive_report(now, &r.recipient, r.message_ref, r.submitted, r.status);
    }

    /// A status report arrives; `AT+CNMI`'s `<ds>` says what becomes of it.
    pub(super) fn receive_report(
        &mut self,
        now: Instant,
        recipient: &str,
        message_ref: u8,
        submitted: Timestamp,
        status: u8,
    ) -> Result<(), Error> {
        let params =
            ReportParams { smsc: super::SMSC, message_ref, recipient, submitted, discharged: self.clock(now), status };
        let pdu = deliver::encode_status_report(&params)?;
        self.stats.reports += 1;
        let tpdu_len = pdu_tpdu_len(&pdu);
        match self.settings.cnmi[3] {
            1 => self.two_line_urc(now, "+CDS: ", &pdu, tpdu_len),
            2 => {
                let slot = self
                    .storage
                    .store(Slot { stat: Stat::RecUnread, pdu, tpdu_len })
                    .ok_or(Error::StorageFull { needed: 1 })?;
                let index = slot + self.config.profile.spec().first_index;
                self.urc(now, format_args!("+CDSI: \"SM\",{index}"));
            }
            // Not routed to the host: the report is lost to it, as TS 27.005 has it.
            _ => {}
        }
        Ok(())
    }

    /// Someone calls: `RING` (and `+CLIP`) until `ATH` or the ring limit.
    pub(super) fn incoming_call(&mut self, now: Instant, from: Option<&str>) -> Result<(), Error> {
        if self.call.is_some() {
            return Err(Error::CallInProgress);
        }
        let from = match from {
            Some(n) => {
                crate::codec::pdu::Number::parse(n, "caller")?;
                let mut s = heapless::String::<RECIPIENT_CAPACITY>::new();
                // A checked number is at most 21 characters.
                let _ = s.push_str(n);
                Some(s)
            }
            None => None,
        };
        self.call = Some(Call { from, rings: 0 });
        self.timers.ring = Some(now);
        Ok(())
    }

    fn ring(&mut self, now: Instant) {
        let Some(call) = self.call.clone() else {
            self.timers.ring = None;
            return;
        };
        if call.rings >= self.config.ring_limit {
            // The caller gave up.
            self.call = None;
            self.timers.ring = None;
            self.urc(now, format_args!("NO CARRIER"));
            if self.config.profile.spec().cend {
                self.urc(now, format_args!("^CEND:1,0,104,16"));
            }
            return;
        }
        self.stats.rings += 1;
        if let Some(c) = self.call.as_mut() {
            c.rings += 1;
        }
        self.timers.ring = Some(now + ms_(self.config.ring_interval_ms));
        let clip_first = self.config.clip_first.unwrap_or(self.config.profile.spec().clip_first);
        if clip_first {
            self.clip(now, &call);
        }
        if self.settings.crc {
            self.urc(now, format_args!("+CRING: VOICE"));
        } else {
            self.urc(now, format_args!("RING"));
        }
        if !clip_first {
            self.clip(now, &call);
        }
    }

    fn clip(&mut self, now: Instant, call: &Call) {
        if !self.settings.clip {
            return;
        }
        match &call.from {
            Some(n) => {
                let toa = if n.starts_with('+') { 145 } else { 129 };
                self.urc(now, format_args!("+CLIP: \"{n}\",{toa},\"\",0,\"\",0"));
            }
            // CLI validity 1: withheld by the caller.
            None => self.urc(now, format_args!("+CLIP: \"\",128,\"\",0,\"\",1")),
        }
    }
}

fn ms_(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// Octets after the SMSC field of a PDU this simulator wrote.
fn pdu_tpdu_len(pdu: &[u8]) -> usize {
    let smsc = pdu.first().map_or(0, |&l| 1 + usize::from(l));
    pdu.len().saturating_sub(smsc)
}
