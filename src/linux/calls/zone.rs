//! The time zone replies speak in: the `{time}` and `{date}` of the template and the quiet
//! hours are the caller's wall clock, not UTC.

use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;

use super::ConfigError;

/// A named time zone: an IANA name from the board's `/usr/share/zoneinfo`, `UTC`, or a fixed
/// offset such as `+02:00`.
#[derive(Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({:?})", self.name)
    }
}

impl Default for Zone {
    /// UTC: the board's own zone is not guessed, so a reply says the same on every board.
    fn default() -> Zone {
        Zone { name: "UTC".to_string(), tz: TimeZone::UTC }
    }
}

/// `+HH:MM` or `-HH:MM`, within the ±14 hours zones on Earth use.
fn fixed_offset(text: &str) -> Option<Offset> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = text[1..].split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 || (h == 14 && m > 0) {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

impl Zone {
    /// Looks the zone up; an IANA name must be in the board's time-zone database.
    pub fn parse(name: &str) -> Result<Zone, ConfigError> {
        let name = name.trim();
        let unknown = |why: String| ConfigError::UnknownZone { name: name.to_string(), why };
        let tz = if name.eq_ignore_ascii_case("UTC") {
            TimeZone::UTC
        } else if name.starts_with(['+', '-']) {
            TimeZone::fixed(fixed_offset(name).ok_or_else(|| unknown("an offset is written +HH:MM or -HH:MM".into()))?)
        } else if name.is_empty() {
            return Err(unknown(
                "give an IANA name such as \"Europe/Zurich\", \"UTC\" or an offset like \"+02:00\"".into(),
            ));
        } else {
            TimeZone::get(name).map_err(|e| unknown(format!("not in the time-zone database ({e})")))?
        };
        Ok(Zone { name: name.to_string(), tz })
    }

    /// The name as configured.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The wall-clock time at `at_ms` (Unix milliseconds).
    pub(super) fn local(&self, at_ms: u64) -> DateTime {
        let ms = i64::try_from(at_ms).unwrap_or(i64::MAX).min(Timestamp::MAX.as_millisecond());
        self.tz.to_datetime(Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX))
    }

    /// The first instant (Unix milliseconds) later than `after_ms` at which the wall clock
    /// reads `local` or later.
    ///
    /// When the clocks go back, a time that happens twice is its first occurrence unless that
    /// one is not later than `after_ms`; when they go forward, a time that never happens is
    /// the moment of the jump, the first that is later.
    pub(super) fn next_instant(&self, local: DateTime, after_ms: u64) -> u64 {
        let ms = |t: Option<Timestamp>| u64::try_from(t.map_or(i64::MAX, Timestamp::as_millisecond)).unwrap_or(0);
        match self.tz.to_ambiguous_timestamp(local).offset() {
            AmbiguousOffset::Unambiguous { offset } => ms(offset.to_timestamp(local).ok()),
            AmbiguousOffset::Fold { before, after } => {
                let first = ms(before.to_timestamp(local).ok());
                if first > after_ms {
                    first
                } else {
                    ms(after.to_timestamp(local).ok())
                }
            }
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset, the time lies before the jump: the jump is next.
                let early = after.to_timestamp(local).ok();
                ms(early.and_then(|t| self.tz.following(t).next()).map(|jump| jump.timestamp()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn zones_by_name_or_offset() {
        let ok: &[(&str, i32)] = &[
            ("UTC", 0),
            ("utc", 0),
            ("+02:00", 7200),
            ("-05:30", -19_800),
            ("+14:00", 50_400),
            ("-00:00", 0),
            ("Europe/Zurich", 3600),
            ("America/New_York", -18_000),
            (" Asia/Kolkata ", 19_800),
        ];
        // 2024-01-15T12:00:00Z: winter in the north.
        let at_ms = 1_705_320_000_000;
        for &(name, offset) in ok {
            let zone = Zone::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let utc = Zone::default().local(at_ms);
            let local = zone.local(at_ms);
            assert_eq!(local, utc.checked_add(jiff::SignedDuration::from_secs(offset.into())).unwrap(), "{name}");
            assert_eq!(zone.name(), name.trim());
        }
        let bad = ["", "Europe/Zurch", "CEST+", "+2:00", "+02", "+15:00", "+14:30", "02:00", "+02:60", "../etc/passwd"];
        for name in bad {
            let e = Zone::parse(name).unwrap_err();
            assert!(matches!(e, ConfigError::UnknownZone { .. }), "{name}: {e:?}");
        }
    }

    #[test]
    fn next_instants_across_daylight_saving() {
        let zurich = Zone::parse("Europe/Zurich").unwrap();
        let utc = |y, m, d, h, min| date(y, m, d).at(h, min, 0, 0).to_zoned(TimeZone::UTC).unwrap();
        let ms = |z: jiff::Zoned| u64::try_from(z.timestamp().as_millisecond()).unwrap();
        let cases = [
            // Winter (+01:00) and summer (+02:00).
            (date(2024, 1, 15).at(7, 0, 0, 0), 0, utc(2024, 1, 15, 6, 0)),
            (date(2024, 7, 15).at(7, 0, 0, 0), 0, utc(2024, 7, 15, 5, 0)),
            // 2024-03-31: 02:00 jumps to 03:00, so 02:30 never happens; the jump is at 01:00Z.
            (date(2024, 3, 31).at(2, 30, 0, 0), 0, utc(2024, 3, 31, 1, 0)),
            (date(2024, 3, 31).at(2, 0, 0, 0), 0, utc(2024, 3, 31, 1, 0)),
            (date(2024, 3, 31).at(3, 0, 0, 0), 0, utc(2024, 3, 31, 1, 0)),
            (date(2024, 3, 31).at(1, 59, 0, 0), 0, utc(2024, 3, 31, 0, 59)),
            // 2024-10-27: 03:00 goes back to 02:00, so 02:30 happens twice: at 00:30Z and 01:30Z.
            (date(2024, 10, 27).at(2, 30, 0, 0), 0, utc(2024, 10, 27, 0, 30)),
            (date(2024, 10, 27).at(2, 30, 0, 0), ms(utc(2024, 10, 27, 0, 30)), utc(2024, 10, 27, 1, 30)),
            (date(2024, 10, 27).at(2, 30, 0, 0), ms(utc(2024, 10, 27, 1, 15)), utc(2024, 10, 27, 1, 30)),
            (date(2024, 10, 27).at(3, 0, 0, 0), 0, utc(2024, 10, 27, 2, 0)),
        ];
        for (local, after_ms, expected) in cases {
            let expected = ms(expected);
            assert_eq!(zurich.next_instant(local, after_ms), expected, "{local} after {after_ms}");
            assert!(zurich.local(expected) >= local, "{local}: the wall clock has got there");
        }
    }
}
