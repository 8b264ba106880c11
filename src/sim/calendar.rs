//! The simulator's wall clock: service centre time stamps for the messages it delivers, derived
//! from the [`Instant`] it is handed, so that tests on a hand-advanced clock get exact dates.

use crate::codec::pdu::Timestamp;
use crate::time::{civil_from_days, days_from_civil, Instant};

/// What the clock reads at the simulator's origin instant when nothing else is configured:
/// 2024-06-01 12:00:00 UTC, a date every two-digit-year decoder reads the same way.
pub const DEFAULT_START: Timestamp =
    Timestamp { year: 2024, month: 6, day: 1, hour: 12, minute: 0, second: 0, offset_quarters: 0 };

/// `start` plus `seconds`, in the same time zone.
pub fn add_seconds(start: &Timestamp, seconds: u64) -> Timestamp {
    let day_secs = i64::from(start.hour) * 3600 + i64::from(start.minute) * 60 + i64::from(start.second);
    let total = day_secs + i64::try_from(seconds).unwrap_or(i64::MAX / 2);
    let days = days_from_civil(i64::from(start.year), start.month, start.day) + total.div_euclid(86_400);
    let secs = total.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Timestamp {
        // Saturates far beyond any simulated run.
        year: u16::try_from(year).unwrap_or(u16::MAX),
        month,
        day,
        hour: (secs / 3600) as u8,
        minute: (secs / 60 % 60) as u8,
        second: (secs % 60) as u8,
        offset_quarters: start.offset_quarters,
    }
}

/// What the clock reads at `now`, given what it read at `origin`.
pub fn at(start: &Timestamp, origin: Instant, now: Instant) -> Timestamp {
    add_seconds(start, now.saturating_duration_since(origin).as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_round_trip_over_four_centuries() {
        for days in (-200_000..200_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn adding_seconds_crosses_days_months_and_leap_years() {
        let t = |y, mo, d, h, mi, s| Timestamp {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            offset_quarters: 4,
        };
        let cases = [
            (t(2024, 6, 1, 12, 0, 0), 0, t(2024, 6, 1, 12, 0, 0)),
            (t(2024, 6, 1, 12, 0, 0), 61, t(2024, 6, 1, 12, 1, 1)),
            (t(2024, 2, 28, 23, 59, 59), 1, t(2024, 2, 29, 0, 0, 0)),
            (t(2023, 2, 28, 23, 59, 59), 1, t(2023, 3, 1, 0, 0, 0)),
            (t(2024, 12, 31, 23, 0, 0), 3600, t(2025, 1, 1, 0, 0, 0)),
            (t(2024, 1, 1, 0, 0, 0), 366 * 86_400, t(2025, 1, 1, 0, 0, 0)),
        ];
        for (start, secs, want) in cases {
            assert_eq!(add_seconds(&start, secs), want, "{start:?} + {secs}");
        }
        let origin = Instant::from_millis(5_000);
        assert_eq!(at(&DEFAULT_START, origin, Instant::from_millis(65_999)).minute, 1);
        assert_eq!(at(&DEFAULT_START, origin, Instant::ZERO), DEFAULT_START);
    }
}
