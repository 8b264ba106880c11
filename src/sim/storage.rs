//! The SIM's message storage (`"SM"`): numbered slots holding PDUs with their TS 27.005 status.
//! It lives on the SIM card, so it survives a power cycle of the modem.

use super::deliver::PduBuf;

/// Slots of the simulated SIM: a common SIM's EF-SMS holds 20 to 50 records; 30 is enough for
/// tests to fill it and small enough to list in one response.
pub const SLOTS: usize = 30;

/// `<stat>` of TS 27.005 §3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Stat {
    RecUnread = 0,
    RecRead = 1,
    StoUnsent = 2,
    StoSent = 3,
}

impl Stat {
    /// The number PDU mode uses.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The text text mode uses.
    pub fn text(self) -> &'static str {
        match self {
            Stat::RecUnread => "REC UNREAD",
            Stat::RecRead => "REC READ",
            Stat::StoUnsent => "STO UNSENT",
            Stat::StoSent => "STO SENT",
        }
    }
}

/// Which messages `AT+CMGL` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Filter {
    Only(Stat),
    All,
}

impl Filter {
    /// `<stat>` as PDU mode (`0`..`4`) or text mode (`"REC UNREAD"`.. `"ALL"`) writes it.
    pub fn parse(arg: &str) -> Option<Filter> {
        const TABLE: [(&str, &str, Filter); 5] = [
            ("0", "REC UNREAD", Filter::Only(Stat::RecUnread)),
            ("1", "REC READ", Filter::Only(Stat::RecRead)),
            ("2", "STO UNSENT", Filter::Only(Stat::StoUnsent)),
            ("3", "STO SENT", Filter::Only(Stat::StoSent)),
            ("4", "ALL", Filter::All),
        ];
        let arg = arg.trim();
        let word = arg.strip_prefix('"').and_then(|a| a.strip_suffix('"'));
        TABLE.iter().find(|(n, w, _)| word.map_or(arg == *n, |word| word.eq_ignore_ascii_case(w))).map(|t| t.2)
    }

    pub fn matches(self, stat: Stat) -> bool {
        match self {
            Filter::All => true,
            Filter::Only(s) => s == stat,
        }
    }
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Slot {
    pub stat: Stat,
    /// SMSC field first, as `AT+CMGR` prints it.
    pub pdu: PduBuf,
    /// Octets after the SMSC field: the `<length>` of `+CMGR`/`+CMGL`.
    pub tpdu_len: usize,
}

/// The slots, numbered from 0 here; the profile decides whether AT commands count from 0 or 1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Storage {
    slots: [Option<Slot>; SLOTS],
}

impl Default for Storage {
    fn default() -> Self {
        Storage { slots: [const { None }; SLOTS] }
    }
}

impl Storage {
    /// Stores in the lowest free slot and returns its number, or `None` when every slot is used.
    pub fn store(&mut self, slot: Slot) -> Option<usize> {
        let (i, free) = self.slots.iter_mut().enumerate().find(|(_, s)| s.is_none())?;
        *free = Some(slot);
        Some(i)
    }

    pub fn get(&self, i: usize) -> Option<&Slot> {
        self.slots.get(i).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut Slot> {
        self.slots.get_mut(i).and_then(Option::as_mut)
    }

    /// Empties slot `i`; false when `i` is beyond the storage.
    pub fn delete(&mut self, i: usize) -> bool {
        match self.slots.get_mut(i) {
            Some(s) => {
                *s = None;
                true
            }
            None => false,
        }
    }

    /// Empties every slot whose status `doomed` selects.
    pub fn delete_where(&mut self, doomed: impl Fn(Stat) -> bool) {
        for s in self.slots.iter_mut() {
            if s.as_ref().is_some_and(|m| doomed(m.stat)) {
                *s = None;
            }
        }
    }

    /// Used slots.
    pub fn used(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    pub fn free(&self) -> usize {
        SLOTS - self.used()
    }

    /// Numbers of the used slots that `filter` selects, in order.
    pub fn matching(&self, filter: Filter) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().enumerate().filter_map(move |(i, s)| s.as_ref().filter(|m| filter.matches(m.stat)).map(|_| i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(stat: Stat) -> Slot {
        Slot { stat, pdu: PduBuf::from_slice(&[0, 4]).unwrap(), tpdu_len: 1 }
    }

    #[test]
    fn stores_lowest_free_and_fills_up() {
        let mut s = Storage::default();
        for i in 0..SLOTS {
            assert_eq!(s.store(slot(Stat::RecUnread)), Some(i));
        }
        assert_eq!(s.store(slot(Stat::RecUnread)), None);
        assert!(s.delete(3) && !s.delete(SLOTS));
        assert_eq!((s.used(), s.free()), (SLOTS - 1, 1));
        assert_eq!(s.store(slot(Stat::RecRead)), Some(3));
        assert_eq!(s.get(3).map(|m| m.stat), Some(Stat::RecRead));
    }

    #[test]
    fn filters_and_bulk_delete() {
        let mut s = Storage::default();
        for stat in [Stat::RecUnread, Stat::RecRead, Stat::StoUnsent, Stat::StoSent, Stat::RecRead] {
            s.store(slot(stat));
        }
        let read: heapless::Vec<usize, 8> = s.matching(Filter::Only(Stat::RecRead)).collect();
        assert_eq!(read.as_slice(), &[1, 4]);
        assert_eq!(s.matching(Filter::All).count(), 5);
        s.delete_where(|st| st == Stat::RecRead);
        assert_eq!(s.matching(Filter::All).count(), 3);
    }

    #[test]
    fn filter_words_and_numbers() {
        let cases = [
            ("0", Some(Filter::Only(Stat::RecUnread))),
            ("\"REC READ\"", Some(Filter::Only(Stat::RecRead))),
            ("\"all\"", Some(Filter::All)),
            ("4", Some(Filter::All)),
            ("5", None),
            ("\"STO SENT\"", Some(Filter::Only(Stat::StoSent))),
            ("", None),
        ];
        for (arg, want) in cases {
            assert_eq!(Filter::parse(arg), want, "{arg}");
        }
    }
}
