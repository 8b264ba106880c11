//! Time stamps (TS 23.040 §9.2.3.11): TP-SCTS, TP-DT and the absolute TP-VP. Seven octets of
//! swapped BCD — year, month, day, hour, minute, second, time zone — where the time zone counts
//! quarter hours and bit 3 of its first semi-octet is the sign.

use core::fmt;

use crate::codec::Error;

/// Two-digit years at or above this are 19xx, the rest 20xx. TS 23.040 carries no century; SMS
/// did not exist before 1992, so `90`–`99` can only be the 1990s and everything else is this
/// century (until 2089).
pub const CENTURY_PIVOT: u8 = 90;

/// The time zone field holds a sign and two BCD digits, the first of them 3 bits wide: at most
/// 79 quarter hours either way.
pub const MAX_OFFSET_QUARTERS: i8 = 79;

/// A local date and time with its offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Local time minus UTC, in quarter hours.
    pub offset_quarters: i8,
}

impl Timestamp {
    /// Reads the seven octets of a time stamp; `field` names it in errors.
    pub fn from_octets(octets: &[u8; 7], field: &'static str) -> Result<Self, Error> {
        let bcd = |b: u8| {
            let (tens, units) = (b & 0x0F, b >> 4);
            if tens > 9 || units > 9 {
                Err(Error::InvalidField { field, reason: "time stamp digit is not BCD" })
            } else {
                Ok(tens * 10 + units)
            }
        };
        let [y, mo, d, h, mi, s, tz] = *octets;
        let yy = bcd(y)?;
        let year = if yy >= CENTURY_PIVOT { 1900 } else { 2000 } + u16::from(yy);
        let (tz_tens, tz_units) = (tz & 0x07, tz >> 4);
        if tz_units > 9 {
            return Err(Error::InvalidField { field, reason: "time zone digit is not BCD" });
        }
        // At most 79: fits an i8.
        let quarters = (tz_tens * 10 + tz_units) as i8;
        let offset_quarters = if tz & 0x08 != 0 { -quarters } else { quarters };
        let t = Timestamp {
            year,
            month: bcd(mo)?,
            day: bcd(d)?,
            hour: bcd(h)?,
            minute: bcd(mi)?,
            second: bcd(s)?,
            offset_quarters,
        };
        t.check(field)?;
        Ok(t)
    }

    /// The seven octets of this time stamp.
    pub fn to_octets(&self) -> Result<[u8; 7], Error> {
        const FIELD: &str = "time stamp";
        self.check(FIELD)?;
        if !(1990..=2089).contains(&self.year) {
            return Err(Error::InvalidField { field: FIELD, reason: "year outside 1990..=2089" });
        }
        let bcd = |v: u8| ((v % 10) << 4) | (v / 10);
        let yy = (self.year % 100) as u8;
        let q = self.offset_quarters.unsigned_abs();
        let tz = ((q % 10) << 4) | (q / 10) | if self.offset_quarters < 0 { 0x08 } else { 0 };
        Ok([bcd(yy), bcd(self.month), bcd(self.day), bcd(self.hour), bcd(self.minute), bcd(self.second), tz])
    }

    fn check(&self, field: &'static str) -> Result<(), Error> {
        let bad = |reason| Err(Error::InvalidField { field, reason });
        if !(1..=12).contains(&self.month) {
            return bad("month outside 1..=12");
        }
        if self.day == 0 || self.day > days_in_month(self.year, self.month) {
            return bad("day outside the month");
        }
        if self.hour > 23 || self.minute > 59 || self.second > 59 {
            return bad("time of day out of range");
        }
        if self.offset_quarters.unsigned_abs() > MAX_OFFSET_QUARTERS.unsigned_abs() {
            return bad("time zone beyond 79 quarter hours");
        }
        Ok(())
    }

    /// Local time minus UTC, in minutes.
    pub fn utc_offset_minutes(&self) -> i16 {
        i16::from(self.offset_quarters) * 15
    }

    /// Writes ISO 8601 with the offset, e.g. `2024-01-18T11:37:46+01:00`.
    pub fn write_iso8601<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        let offset = self.utc_offset_minutes();
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.unsigned_abs();
        write!(
            w,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            sign,
            offset / 60,
            offset % 60
        )
    }
}

/// ISO 8601, as [`Timestamp::write_iso8601`].
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_iso8601(f)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iso(octets: [u8; 7]) -> Result<heapless::String<32>, Error> {
        let t = Timestamp::from_octets(&octets, "TP-SCTS")?;
        let mut s = heapless::String::new();
        t.write_iso8601(&mut s).unwrap();
        Ok(s)
    }

    #[test]
    fn zones_and_centuries() {
        let cases: &[([u8; 7], &str)] = &[
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x80], "2024-01-15T10:30:45+02:00"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x8A], "2024-01-15T10:30:45-07:00"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x49], "2024-01-15T10:30:45-03:30"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x22], "2024-01-15T10:30:45+05:30"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x32], "2024-01-15T10:30:45+05:45"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x8C], "2024-01-15T10:30:45-12:00"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x18], "2024-01-15T10:30:45-00:15"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x65], "2024-01-15T10:30:45+14:00"),
            // Sign bit with zero quarters is plain UTC.
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0x08], "2024-01-15T10:30:45+00:00"),
            ([0x99, 0x30, 0x92, 0x51, 0x61, 0x95, 0x80], "1999-03-29T15:16:59+02:00"),
            ([0x09, 0x30, 0x92, 0x51, 0x61, 0x95, 0x00], "1990-03-29T15:16:59+00:00"),
            ([0x98, 0x30, 0x92, 0x51, 0x61, 0x95, 0x00], "2089-03-29T15:16:59+00:00"),
            ([0x40, 0x20, 0x92, 0x00, 0x00, 0x00, 0x00], "2004-02-29T00:00:00+00:00"),
            ([0x97, 0x21, 0x13, 0x32, 0x95, 0x95, 0x9F], "2079-12-31T23:59:59-19:45"),
        ];
        for (octets, want) in cases {
            assert_eq!(iso(*octets).unwrap().as_str(), *want, "{octets:02X?}");
        }
    }

    #[test]
    fn bad_values() {
        let bad = |reason| Err(Error::InvalidField { field: "TP-SCTS", reason });
        let cases: &[([u8; 7], &str)] = &[
            ([0x4A, 0x10, 0x51, 0x01, 0x03, 0x54, 0x80], "time stamp digit is not BCD"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0xA4, 0x80], "time stamp digit is not BCD"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x54, 0xA0], "time zone digit is not BCD"),
            ([0x42, 0x00, 0x51, 0x01, 0x03, 0x54, 0x80], "month outside 1..=12"),
            ([0x42, 0x31, 0x51, 0x01, 0x03, 0x54, 0x80], "month outside 1..=12"),
            ([0x42, 0x10, 0x00, 0x01, 0x03, 0x54, 0x80], "day outside the month"),
            ([0x32, 0x20, 0x92, 0x01, 0x03, 0x54, 0x80], "day outside the month"), // 2023-02-29
            ([0x42, 0x40, 0x13, 0x01, 0x03, 0x54, 0x80], "day outside the month"), // 2024-04-31
            ([0x42, 0x10, 0x51, 0x42, 0x03, 0x54, 0x80], "time of day out of range"),
            ([0x42, 0x10, 0x51, 0x01, 0x06, 0x54, 0x80], "time of day out of range"),
            ([0x42, 0x10, 0x51, 0x01, 0x03, 0x06, 0x80], "time of day out of range"),
        ];
        for (octets, reason) in cases {
            assert_eq!(iso(*octets), bad(reason), "{octets:02X?}");
        }
    }

    proptest! {
        #[test]
        fn octets_round_trip(
            year in 1990u16..=2089, month in 1u8..=12, day in 1u8..=28, hour in 0u8..24,
            minute in 0u8..60, second in 0u8..60, offset_quarters in -79i8..=79,
        ) {
            let t = Timestamp { year, month, day, hour, minute, second, offset_quarters };
            let octets = t.to_octets().unwrap();
            prop_assert_eq!(Timestamp::from_octets(&octets, "TP-SCTS"), Ok(t));
        }
    }
}
