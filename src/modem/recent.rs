//! The parts sent recently, to match status reports to them by TP-MR and recipient.
//!
//! TP-MR is one octet and wraps every 256 parts, so the recipient is compared too; the most
//! recent match wins. Service centres may write the recipient differently from how it was
//! submitted (international `49171…` for national `0171…`), so numbers also match when the
//! shorter one, without its leading zeros, ends the longer one and has at least
//! [`MIN_SUFFIX_DIGITS`] digits.

use heapless::Deque;

use super::event::{PartId, PhoneNumber};
use crate::codec::pdu::Address;
use crate::time::Instant;

/// Parts remembered. A status report normally comes within minutes; at the fastest sending rate
/// (a part every 3 to 5 s) 64 parts cover several minutes, and a report for an older part is
/// reported as unmatched rather than matched to the wrong one.
pub const RECENT_SENDS: usize = 64;

/// Fewest digits of a suffix match: a subscriber number without country and trunk prefixes.
pub(crate) const MIN_SUFFIX_DIGITS: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    id: PartId,
    mr: u8,
    recipient: PhoneNumber,
    at: Instant,
}

/// The bounded table of recent sends; the oldest is evicted when it is full.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RecentSends {
    sent: Deque<Sent, RECENT_SENDS>,
}

impl RecentSends {
    pub(crate) fn record(&mut self, id: PartId, mr: u8, recipient: &PhoneNumber, at: Instant) {
        if self.sent.is_full() {
            self.sent.pop_front();
        }
        // Cannot fail: room was made above.
        let _ = self.sent.push_back(Sent { id, mr, recipient: recipient.clone(), at });
    }

    /// The most recent part with this TP-MR sent to `recipient`. With `done`, the part is
    /// forgotten: its report is final.
    pub(crate) fn find(&mut self, mr: u8, recipient: &Address<'_>, done: bool) -> Option<PartId> {
        let (pos, id) = self
            .sent
            .iter()
            .enumerate()
            .filter(|(_, s)| s.mr == mr && same_number(&s.recipient, recipient))
            .max_by_key(|(_, s)| s.at)
            .map(|(i, s)| (i, s.id))?;
        if done {
            let mut i = 0;
            self.sent.retain(|_| {
                i += 1;
                i - 1 != pos
            });
        }
        Some(id)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sent.len()
    }
}

/// Whether `sent` (as the caller gave it) and `reported` (TP-RA) are the same number.
pub(crate) fn same_number(sent: &str, reported: &Address<'_>) -> bool {
    if reported.is_alphanumeric() {
        return false;
    }
    let a = sent.strip_prefix('+').unwrap_or(sent).as_bytes();
    let mut digits = [0u8; 20];
    let mut n = 0;
    for c in reported.chars() {
        match digits.get_mut(n) {
            Some(slot) => *slot = c as u8,
            None => return false,
        }
        n += 1;
    }
    let b = &digits[..n];
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let short = trim_zeros(short);
    short.len() >= MIN_SUFFIX_DIGITS && long.ends_with(short)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len());
    digits.get(start..).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::pdu::{decode, Pdu};

    /// A status report to `ra` (semi-octet count, type of address, BCD value).
    fn report(ra: &[u8]) -> heapless::Vec<u8, 64> {
        let mut v = heapless::Vec::new();
        v.extend_from_slice(&[0x00, 0x06, 0x2A]).unwrap();
        v.extend_from_slice(ra).unwrap();
        v.extend_from_slice(&[0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x80]).unwrap();
        v.extend_from_slice(&[0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x80, 0x00]).unwrap();
        v
    }

    fn with_address<R>(ra: &[u8], f: impl FnOnce(&Address<'_>) -> R) -> R {
        let octets = report(ra);
        match decode(&octets).unwrap() {
            Pdu::StatusReport(r) => f(&r.recipient),
            other => panic!("{other:?}"),
        }
    }

    const INTL: &[u8] = &[0x0D, 0x91, 0x94, 0x71, 0x21, 0x43, 0x65, 0x87, 0xF9]; // +4917123456789
    const NATL: &[u8] = &[0x0C, 0x81, 0x10, 0x17, 0x32, 0x54, 0x76, 0x98]; // 017123456789
    const OTHER: &[u8] = &[0x0D, 0x91, 0x94, 0x71, 0x21, 0x43, 0x65, 0x87, 0xF0]; // +4917123456780
    const SHORT: &[u8] = &[0x04, 0x81, 0x21, 0x43]; // 1234

    #[test]
    fn numbers_match_across_formats() {
        let cases: &[(&str, &[u8], bool)] = &[
            ("+4917123456789", INTL, true),
            ("4917123456789", INTL, true),
            ("017123456789", INTL, true),
            ("+4917123456789", NATL, true),
            ("+4917123456789", OTHER, false),
            ("1234", SHORT, true),
            ("01234", SHORT, false),
            ("+491234", SHORT, false),
        ];
        for (sent, ra, want) in cases {
            assert_eq!(with_address(ra, |a| same_number(sent, a)), *want, "{sent} vs {ra:02X?}");
        }
    }

    #[test]
    fn most_recent_match_wins_and_final_reports_forget() {
        let mut t = RecentSends::default();
        let to = PhoneNumber::try_from("+4917123456789").unwrap();
        let other = PhoneNumber::try_from("+4917123456780").unwrap();
        t.record(PartId(1), 42, &to, Instant::from_millis(1));
        t.record(PartId(2), 42, &other, Instant::from_millis(2));
        t.record(PartId(3), 42, &to, Instant::from_millis(3));
        t.record(PartId(4), 43, &to, Instant::from_millis(4));
        with_address(INTL, |a| {
            assert_eq!(t.find(42, a, false), Some(PartId(3)));
            assert_eq!(t.find(42, a, true), Some(PartId(3)));
            assert_eq!(t.find(42, a, true), Some(PartId(1)));
            assert_eq!(t.find(42, a, true), None);
            assert_eq!(t.find(44, a, false), None);
        });
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn the_oldest_is_evicted() {
        let mut t = RecentSends::default();
        let to = PhoneNumber::try_from("+4917123456789").unwrap();
        for i in 0..=RECENT_SENDS as u64 {
            t.record(PartId(i), i as u8, &to, Instant::from_millis(i));
        }
        assert_eq!(t.len(), RECENT_SENDS);
        with_address(INTL, |a| {
            assert_eq!(t.find(0, a, false), None);
            assert_eq!(t.find(1, a, false), Some(PartId(1)));
        });
    }
}
