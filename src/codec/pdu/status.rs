//! TP-Status (TS 23.040 §9.2.3.15): what became of a message a status report is about.

use core::fmt;

/// The four kinds of outcome the status octet encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StatusCategory {
    /// Short message transaction completed (delivered, or handed on).
    Completed,
    /// Temporary error, the SC is still trying to transfer the message.
    TemporaryStillTrying,
    /// Permanent error, the SC is not making any more transfer attempts.
    Permanent,
    /// Temporary error, the SC is not making any more transfer attempts.
    TemporaryNoLongerTrying,
}

/// A TP-ST octet, kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Status(pub u8);

/// Status "Service rejected" of the last category, which TS 23.040 §9.2.3.15 says a receiver
/// takes every reserved value for.
const SERVICE_REJECTED: u8 = 0x63;

impl Status {
    /// "SM Validity Period Expired": the service centre gave up because the message's validity
    /// period ran out, which users tell apart from other failures.
    pub const EXPIRED: Status = Status(0x46);

    pub fn raw(self) -> u8 {
        self.0
    }

    /// A value TS 23.040 reserves (neither named nor SC specific).
    pub fn is_reserved(self) -> bool {
        matches!(self.0, 0x03..=0x0F | 0x26..=0x2F | 0x4A..=0x4F | 0x66..=0x6F | 0x80..=0xFF)
    }

    /// A value each service centre defines for itself, in the range of its category.
    pub fn is_sc_specific(self) -> bool {
        matches!(self.0, 0x10..=0x1F | 0x30..=0x3F | 0x50..=0x5F | 0x70..=0x7F)
    }

    /// How the value is to be acted on. Reserved values count as "Service rejected"
    /// (temporary error, no more attempts), as §9.2.3.15 prescribes.
    pub fn category(self) -> StatusCategory {
        let value = if self.is_reserved() { SERVICE_REJECTED } else { self.0 };
        match value {
            0x00..=0x1F => StatusCategory::Completed,
            0x20..=0x3F => StatusCategory::TemporaryStillTrying,
            0x40..=0x5F => StatusCategory::Permanent,
            _ => StatusCategory::TemporaryNoLongerTrying,
        }
    }

    /// The message was delivered (or handed on) and no error is pending.
    pub fn is_delivered(self) -> bool {
        self.category() == StatusCategory::Completed
    }

    /// The name TS 23.040 gives this value; `None` for SC-specific values. Reserved values
    /// read as "Service rejected".
    pub fn meaning(self) -> Option<&'static str> {
        let value = if self.is_reserved() { SERVICE_REJECTED } else { self.0 };
        Some(match value {
            0x00 => "short message received by the SME",
            0x01 => "short message forwarded by the SC to the SME but the SC is unable to confirm delivery",
            0x02 => "short message replaced by the SC",
            0x20 | 0x60 => "congestion",
            0x21 | 0x61 => "SME busy",
            0x22 | 0x62 => "no response from SME",
            0x23 | 0x63 => "service rejected",
            0x24 | 0x64 | 0x44 => "quality of service not available",
            0x25 | 0x65 => "error in SME",
            0x40 => "remote procedure error",
            0x41 => "incompatible destination",
            0x42 => "connection rejected by SME",
            0x43 => "not obtainable",
            0x45 => "no interworking available",
            0x46 => "SM validity period expired",
            0x47 => "SM deleted by originating SME",
            0x48 => "SM deleted by SC administration",
            0x49 => "SM does not exist",
            _ => return None,
        })
    }
}

impl fmt::Display for StatusCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StatusCategory::Completed => "completed",
            StatusCategory::TemporaryStillTrying => "temporary error, SC still trying",
            StatusCategory::Permanent => "permanent error",
            StatusCategory::TemporaryNoLongerTrying => "temporary error, SC no longer trying",
        })
    }
}

/// `<category>: <meaning>`, e.g. `permanent error: SM validity period expired`.
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(m) if self.is_reserved() => write!(f, "{}: {m} (reserved value)", self.category()),
            Some(m) => write!(f, "{}: {m}", self.category()),
            None => write!(f, "{}: SC specific", self.category()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusCategory::*;

    #[test]
    fn table() {
        let cases: &[(u8, StatusCategory, Option<&str>)] = &[
            (0x00, Completed, Some("short message received by the SME")),
            (
                0x01,
                Completed,
                Some("short message forwarded by the SC to the SME but the SC is unable to confirm delivery"),
            ),
            (0x02, Completed, Some("short message replaced by the SC")),
            (0x03, TemporaryNoLongerTrying, Some("service rejected")),
            (0x10, Completed, None),
            (0x1F, Completed, None),
            (0x20, TemporaryStillTrying, Some("congestion")),
            (0x25, TemporaryStillTrying, Some("error in SME")),
            (0x2F, TemporaryNoLongerTrying, Some("service rejected")),
            (0x30, TemporaryStillTrying, None),
            (0x40, Permanent, Some("remote procedure error")),
            (0x44, Permanent, Some("quality of service not available")),
            (0x46, Permanent, Some("SM validity period expired")),
            (0x49, Permanent, Some("SM does not exist")),
            (0x4A, TemporaryNoLongerTrying, Some("service rejected")),
            (0x50, Permanent, None),
            (0x60, TemporaryNoLongerTrying, Some("congestion")),
            (0x65, TemporaryNoLongerTrying, Some("error in SME")),
            (0x70, TemporaryNoLongerTrying, None),
            (0x7F, TemporaryNoLongerTrying, None),
            (0x80, TemporaryNoLongerTrying, Some("service rejected")),
            (0xFF, TemporaryNoLongerTrying, Some("service rejected")),
        ];
        for &(raw, category, meaning) in cases {
            let s = Status(raw);
            assert_eq!((s.category(), s.meaning()), (category, meaning), "{raw:02X}");
        }
        assert!(Status(0).is_delivered() && !Status(0x46).is_delivered());
        assert!(Status(0x80).is_reserved() && !Status(0x7F).is_reserved() && Status(0x7F).is_sc_specific());
    }
}
