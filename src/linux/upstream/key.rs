//! How an upstream row maps to the store's upstream id.
//!
//! The store keeps one message per upstream id (enqueue is idempotent by it), which is what
//! makes a claim safe to repeat after a crash. A row reset to `pending` by hand after the
//! gateway finished it is a deliberate request to send it again, so it needs a new message:
//! the resend count goes in the top 16 bits. The first send of row `n` is upstream id `n`, so
//! `Store::by_upstream(n)` finds it as anyone would expect.

/// Bits of the upstream id that hold the row id; the rest count resends.
const ROW_BITS: u32 = 48;
const ROW_MASK: u64 = (1 << ROW_BITS) - 1;

/// A row and how many times it was sent again by request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    pub row: u64,
    pub resend: u16,
}

impl RowKey {
    /// The largest row id the gateway takes (2^48 - 1: far beyond any outbox).
    pub const MAX_ROW: u64 = ROW_MASK;

    /// The key of a row's first send, if the id is in range.
    pub fn first(row: u64) -> Option<RowKey> {
        (row <= ROW_MASK).then_some(RowKey { row, resend: 0 })
    }

    /// The key of the next resend, unless the count is used up.
    pub fn next(self) -> Option<RowKey> {
        Some(RowKey { row: self.row, resend: self.resend.checked_add(1)? })
    }

    pub fn to_upstream_id(self) -> u64 {
        (u64::from(self.resend) << ROW_BITS) | (self.row & ROW_MASK)
    }

    pub fn from_upstream_id(id: u64) -> RowKey {
        RowKey { row: id & ROW_MASK, resend: (id >> ROW_BITS) as u16 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_send_is_the_row_id_itself() {
        assert_eq!(RowKey::first(42).unwrap().to_upstream_id(), 42);
        assert_eq!(RowKey::first(RowKey::MAX_ROW).unwrap().to_upstream_id(), RowKey::MAX_ROW);
        assert_eq!(RowKey::first(RowKey::MAX_ROW + 1), None);
        let second = RowKey::first(42).unwrap().next().unwrap();
        assert_eq!(second.to_upstream_id(), (1 << 48) | 42);
        assert_eq!(RowKey { row: 1, resend: u16::MAX }.next(), None);
    }

    proptest! {
        #[test]
        fn round_trips(row in 0..=RowKey::MAX_ROW, resend: u16) {
            let k = RowKey { row, resend };
            prop_assert_eq!(RowKey::from_upstream_id(k.to_upstream_id()), k);
        }

        #[test]
        fn different_keys_never_share_an_id(a in 0..=RowKey::MAX_ROW, b in 0..=RowKey::MAX_ROW, ra: u16, rb: u16) {
            let (x, y) = (RowKey { row: a, resend: ra }, RowKey { row: b, resend: rb });
            prop_assert_eq!(x == y, x.to_upstream_id() == y.to_upstream_id());
        }
    }
}
