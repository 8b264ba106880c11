//! TP-Validity-Period (TS 23.040 §9.2.3.12): how long the service centre keeps trying. Its
//! format is given by TP-VPF in the first octet of an SMS-SUBMIT.

use super::timestamp::Timestamp;
use crate::codec::Error;

/// The longest relative validity period, octet 255: 63 weeks, in minutes.
pub const MAX_RELATIVE_MINUTES: u32 = 63 * 7 * 24 * 60;

/// The period a relative TP-VP octet stands for, in minutes (§9.2.3.12.1):
/// 0–143 → (n+1)×5 min, 144–167 → 12 h + (n−143)×30 min, 168–196 → (n−166) days,
/// 197–255 → (n−192) weeks.
pub fn relative_minutes(octet: u8) -> u32 {
    let n = u32::from(octet);
    match octet {
        0..=143 => (n + 1) * 5,
        144..=167 => 12 * 60 + (n - 143) * 30,
        168..=196 => (n - 166) * 24 * 60,
        197..=255 => (n - 192) * 7 * 24 * 60,
    }
}

/// The relative TP-VP octet for a validity of `minutes`: the smallest octet whose period is at
/// least that long, so the message is never dropped before the time asked for (it may be kept up
/// to one step longer: 5 min, 30 min, a day or a week depending on the range). 0 minutes gives
/// the shortest period, 5 minutes.
pub fn relative_octet(minutes: u32) -> Result<u8, Error> {
    if minutes > MAX_RELATIVE_MINUTES {
        return Err(Error::InvalidField { field: "TP-VP", reason: "relative validity longer than 63 weeks" });
    }
    // `relative_minutes` rises strictly with the octet, and octet 255 covers every allowed value.
    Ok((0..=u8::MAX).find(|&o| relative_minutes(o) >= minutes).unwrap_or(u8::MAX))
}

/// A TP-VP field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ValidityPeriod {
    /// One octet, see [`relative_minutes`].
    Relative(u8),
    /// The time the validity period ends.
    Absolute(Timestamp),
    /// Seven octets led by a functionality indicator (§9.2.3.12.3).
    Enhanced(EnhancedValidity),
}

impl ValidityPeriod {
    /// TP-VPF bits (4..3 of the first octet) for this format.
    pub fn vpf_bits(&self) -> u8 {
        match self {
            ValidityPeriod::Relative(_) => 0b10,
            ValidityPeriod::Enhanced(_) => 0b01,
            ValidityPeriod::Absolute(_) => 0b11,
        }
    }
}

/// How an enhanced validity period gives its duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EnhancedFormat {
    /// No validity period.
    None,
    /// As the relative format, one octet.
    Relative(u8),
    /// 1 to 255 seconds (0 is reserved).
    Seconds(u8),
    /// Hours, minutes and seconds in swapped BCD.
    HoursMinutesSeconds { hours: u8, minutes: u8, seconds: u8 },
    /// A format TS 23.040 reserves, or a value that does not parse.
    Reserved,
}

/// The seven octets of an enhanced TP-VP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EnhancedValidity {
    pub octets: [u8; 7],
}

impl EnhancedValidity {
    /// The SC makes at most one delivery attempt.
    pub fn single_shot(&self) -> bool {
        self.octets[0] & 0x40 != 0
    }

    /// The duration, as bits 2..0 of the functionality indicator say.
    pub fn format(&self) -> EnhancedFormat {
        // Extension octets (bit 7 set on the one before) come before the value.
        let mut at = 1;
        while self.octets.get(at - 1).is_some_and(|&b| b & 0x80 != 0) {
            at += 1;
        }
        let value = self.octets.get(at..).unwrap_or(&[]);
        let bcd = |b: u8| {
            let (tens, units) = (b & 0x0F, b >> 4);
            (tens <= 9 && units <= 9).then_some(tens * 10 + units)
        };
        match (self.octets[0] & 0x07, value) {
            (0b000, _) => EnhancedFormat::None,
            (0b001, [v, ..]) => EnhancedFormat::Relative(*v),
            (0b010, [s, ..]) if *s != 0 => EnhancedFormat::Seconds(*s),
            (0b011, [h, m, s, ..]) => match (bcd(*h), bcd(*m), bcd(*s)) {
                (Some(hours), Some(minutes), Some(seconds)) => {
                    EnhancedFormat::HoursMinutesSeconds { hours, minutes, seconds }
                }
                _ => EnhancedFormat::Reserved,
            },
            _ => EnhancedFormat::Reserved,
        }
    }

    /// The duration in seconds, when the format gives one.
    pub fn seconds(&self) -> Option<u32> {
        match self.format() {
            EnhancedFormat::Relative(v) => Some(relative_minutes(v) * 60),
            EnhancedFormat::Seconds(s) => Some(u32::from(s)),
            EnhancedFormat::HoursMinutesSeconds { hours, minutes, seconds } => {
                Some(u32::from(hours) * 3600 + u32::from(minutes) * 60 + u32::from(seconds))
            }
            EnhancedFormat::None | EnhancedFormat::Reserved => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: u32 = 24 * 60;
    const WEEK: u32 = 7 * DAY;

    #[test]
    fn octet_boundaries() {
        let cases: &[(u8, u32)] = &[
            (0, 5),
            (1, 10),
            (11, 60),
            (143, 12 * 60),
            (144, 12 * 60 + 30),
            (167, 24 * 60),
            (168, 2 * DAY),
            (196, 30 * DAY),
            (197, 5 * WEEK),
            (255, 63 * WEEK),
        ];
        for &(octet, minutes) in cases {
            assert_eq!(relative_minutes(octet), minutes, "octet {octet}");
            assert_eq!(relative_octet(minutes), Ok(octet), "{minutes} min");
        }
    }

    #[test]
    fn requests_round_up_to_the_next_period() {
        let cases: &[(u32, u8)] = &[
            (0, 0),
            (1, 0),
            (6, 1),
            (721, 144),          // just over 12 h → 12 h 30
            (1441, 168),         // just over a day → 2 days
            (2881, 169),         // just over 2 days → 3 days
            (30 * DAY + 1, 197), // just over 30 days → 5 weeks
            (63 * WEEK - 1, 255),
        ];
        for &(minutes, octet) in cases {
            assert_eq!(relative_octet(minutes), Ok(octet), "{minutes} min");
        }
        assert!(matches!(relative_octet(63 * WEEK + 1), Err(Error::InvalidField { field: "TP-VP", .. })));
        assert!(relative_octet(u32::MAX).is_err());
    }

    proptest! {
        #[test]
        fn chosen_octet_is_the_smallest_that_covers(minutes in 0..=MAX_RELATIVE_MINUTES) {
            let o = relative_octet(minutes).unwrap();
            prop_assert!(relative_minutes(o) >= minutes);
            if o > 0 {
                prop_assert!(relative_minutes(o - 1) < minutes);
            }
        }
    }

    #[test]
    fn enhanced_formats() {
        let e = |octets| EnhancedValidity { octets };
        assert_eq!(e([0x00, 0, 0, 0, 0, 0, 0]).format(), EnhancedFormat::None);
        assert_eq!(e([0x01, 11, 0, 0, 0, 0, 0]).seconds(), Some(3600));
        assert_eq!(e([0x42, 30, 0, 0, 0, 0, 0]).seconds(), Some(30));
        assert!(e([0x42, 30, 0, 0, 0, 0, 0]).single_shot());
        assert_eq!(e([0x02, 0, 0, 0, 0, 0, 0]).format(), EnhancedFormat::Reserved);
        assert_eq!(e([0x03, 0x10, 0x03, 0x54, 0, 0, 0]).seconds(), Some(3600 + 30 * 60 + 45));
        assert_eq!(e([0x03, 0x1A, 0x03, 0x54, 0, 0, 0]).format(), EnhancedFormat::Reserved);
        assert_eq!(e([0x81, 0x00, 11, 0, 0, 0, 0]).seconds(), Some(3600));
        assert_eq!(e([0x04, 0, 0, 0, 0, 0, 0]).format(), EnhancedFormat::Reserved);
        assert_eq!(e([0xFF; 7]).format(), EnhancedFormat::Reserved);
    }
}
