//! Wall-clock dates for people: log lines, CSV exports, `--since`. Always UTC, in the proleptic
//! Gregorian calendar, so a file written on a board in one zone reads the same everywhere.

use std::fmt::Write as _;

use crate::time::{civil_from_days, days_from_civil};

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `2024-01-15T10:30:45Z`.
pub fn iso_utc(unix_ms: u64) -> String {
    let mut s = iso_utc_millis(unix_ms);
    s.truncate(19);
    s.push('Z');
    s
}

/// `2024-01-15T10:30:45.123Z`: log lines, where events a few milliseconds apart are told apart.
pub fn iso_utc_millis(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(24);
    let _ =
        write!(s, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem / 60 % 60, rem % 60, unix_ms % 1000);
    s
}

/// Reads `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS]`, optionally
/// followed by `Z`, as UTC; returns milliseconds since the Unix epoch.
pub fn parse_date(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not a date like 2024-01-31 or 2024-01-31T08:00:00Z");
    let t = text.trim().trim_end_matches('Z');
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (t, None),
    };
    let mut fields = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (fields.next(), fields.next(), fields.next(), fields.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let year: i64 = y.parse().map_err(|_| bad())?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    let day: u32 = d.parse().map_err(|_| bad())?;
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(bad());
    }
    let mut seconds = 0u64;
    if let Some(time) = time {
        let parts: Vec<&str> = time.split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
            return Err(bad());
        }
        let limits = [24, 60, 60];
        for (i, p) in parts.iter().enumerate() {
            let n: u64 = p.parse().map_err(|_| bad())?;
            if n >= limits[i] {
                return Err(bad());
            }
            seconds += n * [3600, 60, 1][i];
        }
    }
    // Month and day were checked against the calendar above: they fit in a u8.
    let days = u64::try_from(days_from_civil(year, month as u8, day as u8)).map_err(|_| bad())?;
    Ok((days * 86_400 + seconds) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        let cases: &[(u64, &str)] = &[
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_705_314_645_123, "2024-01-15T10:30:45.123Z"),
            (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
        ];
        for &(ms, text) in cases {
            assert_eq!(iso_utc_millis(ms), text);
            assert_eq!(iso_utc(ms), format!("{}Z", &text[..19]));
        }
    }

    #[test]
    fn dates_are_read() {
        let cases: &[(&str, Option<u64>)] = &[
            ("2024-01-15", Some(1_705_276_800_000)),
            ("2024-01-15T10:30:45Z", Some(1_705_314_645_000)),
            ("2024-01-15 10:30", Some(1_705_314_600_000)),
            ("2000-02-29", Some(951_782_400_000)),
            ("1900-02-29", None),
            ("2023-02-29", None),
            ("2024-13-01", None),
            ("2024-1-5", None),
            ("2024-01-15T24:00", None),
            ("2024-01-15T10", None),
            ("yesterday", None),
            ("", None),
        ];
        for &(text, want) in cases {
            assert_eq!(parse_date(text).ok(), want, "{text}");
        }
    }

    proptest! {
        #[test]
        fn written_dates_read_back(secs in 0u64..8_000_000_000) {
            let ms = secs * 1000;
            prop_assert_eq!(parse_date(&iso_utc(ms)), Ok(ms));
        }
    }
}
