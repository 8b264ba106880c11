//! Quiet hours: the part of the day in which no reply goes out, on the configured zone's wall
//! clock, so a caller who rang at 23:30 is not woken by the answer.

use std::fmt;

use jiff::civil::DateTime;

use super::zone::Zone;
use super::ConfigError;

/// `from-to` on the wall clock; `from` is inside, `to` is not. When `to` is earlier than
/// `from` the period wraps midnight (`22:00-07:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Minutes since midnight.
    from: u16,
    to: u16,
}

/// `HH:MM`, 00:00 to 23:59 (24:00 too, meaning midnight, as people write the end of a day).
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(0),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

impl QuietHours {
    /// Reads `"22:00-07:00"`.
    pub fn parse(text: &str) -> Result<QuietHours, ConfigError> {
        let bad = |why: &str| ConfigError::BadQuietHours { text: text.to_string(), why: why.to_string() };
        let (from, to) = text.split_once('-').ok_or_else(|| bad("expected a start and an end like \"22:00-07:00\""))?;
        let from = minutes(from).ok_or_else(|| bad("the start is not a time like 22:00"))?;
        let to = minutes(to).ok_or_else(|| bad("the end is not a time like 07:00"))?;
        if from == to {
            return Err(bad("the start and the end are the same: is it quiet all day or never?"));
        }
        Ok(QuietHours { from, to })
    }

    fn minute_of_day(local: DateTime) -> u16 {
        // Hours and minutes of a civil time are 0..24 and 0..60.
        u16::try_from(local.hour()).unwrap_or(0) * 60 + u16::try_from(local.minute()).unwrap_or(0)
    }

    /// Whether the wall-clock time `local` is quiet.
    pub(super) fn contains(&self, local: DateTime) -> bool {
        let t = Self::minute_of_day(local);
        if self.from < self.to {
            self.from <= t && t < self.to
        } else {
            t >= self.from || t < self.to
        }
    }

    /// When the quiet period around `at_ms` (whose wall clock is `local`, inside the period)
    /// ends, in Unix milliseconds: the next time the wall clock reads the end, which is today
    /// before it, tomorrow after the start of a period that wraps midnight.
    pub(super) fn end(&self, zone: &Zone, local: DateTime, at_ms: u64) -> u64 {
        let mut day = local.date();
        if Self::minute_of_day(local) >= self.to {
            day = day.tomorrow().unwrap_or(day);
        }
        // Both below 24 and 60: `to` is less than a day of minutes.
        let (h, m) = ((self.to / 60) as i8, (self.to % 60) as i8);
        zone.next_instant(day.at(h, m, 0, 0), at_ms)
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| (m / 60, m % 60);
        let ((fh, fm), (th, tm)) = (hm(self.from), hm(self.to));
        write!(f, "{fh:02}:{fm:02}-{th:02}:{tm:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn quiet_hours_are_read() {
        let ok: &[(&str, &str)] = &[
            ("22:00-07:00", "22:00-07:00"),
            (" 9:30 - 12:00 ", "09:30-12:00"),
            ("00:00-06:00", "00:00-06:00"),
            ("20:00-24:00", "20:00-00:00"),
            ("23:59-00:00", "23:59-00:00"),
        ];
        for &(text, shown) in ok {
            let q = QuietHours::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(q.to_string(), shown);
            assert_eq!(QuietHours::parse(shown), Ok(q), "{shown} reads back");
        }
        let bad = ["22:00", "22:00-22:00", "00:00-24:00", "25:00-07:00", "22:60-07:00", "22-07", "10pm-7am", "", "-"];
        for text in bad {
            let e = QuietHours::parse(text).unwrap_err();
            assert!(matches!(e, ConfigError::BadQuietHours { .. }), "{text:?}: {e:?}");
        }
    }

    #[test]
    fn inside_or_outside() {
        let night = QuietHours::parse("22:00-07:00").unwrap();
        let lunch = QuietHours::parse("12:00-13:30").unwrap();
        let cases: &[(QuietHours, (i8, i8, i8), bool)] = &[
            (night, (21, 59, 59), false),
            (night, (22, 0, 0), true),
            (night, (23, 59, 59), true),
            (night, (0, 0, 0), true),
            (night, (6, 59, 59), true),
            (night, (7, 0, 0), false),
            (night, (12, 0, 0), false),
            (lunch, (11, 59, 0), false),
            (lunch, (12, 0, 0), true),
            (lunch, (13, 29, 59), true),
            (lunch, (13, 30, 0), false),
            (lunch, (0, 0, 0), false),
        ];
        for &(q, (h, m, s), inside) in cases {
            assert_eq!(q.contains(date(2024, 5, 1).at(h, m, s, 0)), inside, "{q} at {h}:{m}:{s}");
        }
    }
}
