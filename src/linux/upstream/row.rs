//! Outbox rows as they come from the database: untrusted, so read in two steps. First a view
//! that checks the column count and the type of each value ([`RawRow`]), then a typed,
//! validated message ([`ClaimedRow`]) or the reason it cannot be sent ([`BadRow`]), which goes
//! back to the row as its `error_message`.

use core::fmt;

use mysql::Value;

use super::key::RowKey;
use crate::codec::encoding::{self, Options};
use crate::codec::pdu::Number;

/// The columns a claimed row is read with, in the order [`RawRow::from_values`] expects.
pub const COLUMNS: &str = "id, phone_number, message, attempts, status_report, claim_generation";
const COLUMN_COUNT: usize = 6;

/// Most digits of an international number (ITU-T E.164).
const E164_MAX_DIGITS: usize = 15;

/// A row's values, checked for shape but not for meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub id: u64,
    pub phone_number: Option<Vec<u8>>,
    pub message: Option<Vec<u8>>,
    pub attempts: Option<i64>,
    pub status_report: bool,
    pub generation: u64,
}

/// Why a row cannot be sent. Its `Display` is the `error_message` written to the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRow {
    NullNumber,
    EmptyNumber,
    NumberNotUtf8,
    /// The number, as given, and why it is impossible.
    InvalidNumber(String, &'static str),
    NullMessage,
    EmptyMessage,
    /// Where the first byte that is not UTF-8 is.
    MessageNotUtf8 {
        at: usize,
    },
    /// More parts than the configured maximum.
    TooLong {
        parts: usize,
        max: u8,
    },
    /// More than the 255 parts a concatenated SMS can have.
    Impossible,
    /// The row id does not fit the gateway's key space.
    IdOutOfRange,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRow::NullNumber => f.write_str("phone_number is NULL"),
            BadRow::EmptyNumber => f.write_str("phone_number is empty"),
            BadRow::NumberNotUtf8 => f.write_str("phone_number is not valid UTF-8"),
            BadRow::InvalidNumber(n, why) => {
                let shown: String = n.chars().take(40).collect();
                write!(f, "phone_number {shown:?} is not a valid number: {why}")
            }
            BadRow::NullMessage => f.write_str("message is NULL"),
            BadRow::EmptyMessage => f.write_str("message is empty"),
            BadRow::MessageNotUtf8 { at } => write!(f, "message is not valid UTF-8 (byte {at})"),
            BadRow::TooLong { parts, max } => {
                write!(f, "message needs {parts} SMS parts, more than the limit of {max}")
            }
            BadRow::Impossible => f.write_str("message is too long: it needs more than 255 SMS parts"),
            BadRow::IdOutOfRange => f.write_str("id is beyond the gateway's range (2^48)"),
        }
    }
}

/// A row ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRow {
    pub id: u64,
    /// The normalised number: `+` and digits, or digits.
    pub recipient: String,
    pub text: String,
    pub parts: u8,
    /// The row's `attempts`, at most 255.
    pub attempts: u8,
    pub status_report: bool,
    pub generation: u64,
}

/// Why the values of a row do not even have the expected shape (a schema that is not the
/// one migrated, or a driver change): not the row's fault, so it is not failed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn int(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(i128::from(*i)),
        Value::UInt(u) => Some(i128::from(*u)),
        Value::Bytes(b) => core::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn bytes(v: &Value, column: &str) -> Result<Option<Vec<u8>>, ShapeError> {
    match v {
        Value::NULL => Ok(None),
        Value::Bytes(b) => Ok(Some(b.clone())),
        other => Err(ShapeError(format!("column {column} is not text: {other:?}"))),
    }
}

impl RawRow {
    /// Reads the values of one row selected with [`COLUMNS`].
    pub fn from_values(values: &[Value]) -> Result<RawRow, ShapeError> {
        let [id, phone, message, attempts, report, generation] = values else {
            return Err(ShapeError(format!("expected {COLUMN_COUNT} columns, got {}", values.len())));
        };
        let id = int(id).and_then(|i| u64::try_from(i).ok()).ok_or_else(|| ShapeError(format!("bad id {id:?}")))?;
        let attempts = match attempts {
            Value::NULL => None,
            v => Some(
                int(v)
                    .and_then(|i| i64::try_from(i).ok())
                    .ok_or_else(|| ShapeError(format!("row {id}: bad attempts {v:?}")))?,
            ),
        };
        let status_report = match report {
            Value::NULL => false,
            v => int(v).ok_or_else(|| ShapeError(format!("row {id}: bad status_report {v:?}")))? != 0,
        };
        let generation = int(generation)
            .and_then(|i| u64::try_from(i).ok())
            .ok_or_else(|| ShapeError(format!("row {id}: bad claim_generation {generation:?}")))?;
        Ok(RawRow {
            id,
            phone_number: bytes(phone, "phone_number")?,
            message: bytes(message, "message")?,
            attempts,
            status_report,
            generation,
        })
    }

    /// Checks the row: a number that can be dialled, a text that fits in `max_parts` parts.
    pub fn validate(&self, max_parts: u8, opts: &Options<'_>) -> Result<ClaimedRow, BadRow> {
        if RowKey::first(self.id).is_none() {
            return Err(BadRow::IdOutOfRange);
        }
        let phone = self.phone_number.as_deref().ok_or(BadRow::NullNumber)?;
        let phone = core::str::from_utf8(phone).map_err(|_| BadRow::NumberNotUtf8)?;
        let recipient = normalize_number(phone)?;
        let message = self.message.as_deref().ok_or(BadRow::NullMessage)?;
        let text = core::str::from_utf8(message).map_err(|e| BadRow::MessageNotUtf8 { at: e.valid_up_to() })?;
        if text.trim().is_empty() {
            return Err(BadRow::EmptyMessage);
        }
        let plan = encoding::plan(text, opts).map_err(|_| BadRow::Impossible)?;
        let parts = u8::try_from(plan.parts).map_err(|_| BadRow::Impossible)?;
        if parts > max_parts {
            return Err(BadRow::TooLong { parts: plan.parts, max: max_parts });
        }
        Ok(ClaimedRow {
            id: self.id,
            recipient,
            text: text.to_string(),
            parts,
            attempts: self.attempts.unwrap_or(1).clamp(1, 255) as u8,
            status_report: self.status_report,
            generation: self.generation,
        })
    }
}

/// A number as people write it, made dialable: spaces, dashes, dots and parentheses go, a
/// leading `00` becomes `+`. The result passes the codec's address check (`Number::parse`);
/// an international number also has to be a possible E.164 number (at most 15 digits, no
/// leading 0).
pub fn normalize_number(given: &str) -> Result<String, BadRow> {
    let invalid = |why| BadRow::InvalidNumber(given.to_string(), why);
    let mut out = String::with_capacity(given.len());
    for c in given.trim().chars() {
        match c {
            ' ' | '\t' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            '+' if out.is_empty() => out.push('+'),
            '+' => return Err(invalid("'+' only at the start")),
            '0'..='9' => out.push(c),
            _ => return Err(invalid("only digits, an optional leading + and separators")),
        }
    }
    if out.is_empty() {
        return Err(if given.trim().is_empty() { BadRow::EmptyNumber } else { invalid("no digits") });
    }
    if let Some(rest) = out.strip_prefix("00") {
        out = format!("+{rest}");
    }
    if let Some(digits) = out.strip_prefix('+') {
        if digits.starts_with('0') {
            return Err(invalid("no country code starts with 0"));
        }
        if digits.len() < 3 || digits.len() > E164_MAX_DIGITS {
            return Err(invalid("an international number has 3 to 15 digits"));
        }
    }
    Number::parse(&out, "phone_number").map_err(|_| invalid("a number is 1 to 20 digits after an optional +"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_or_refused() {
        let ok: &[(&str, &str)] = &[
            ("+1234567890", "+1234567890"),
            ("  +41 79 123 45 67 ", "+41791234567"),
            ("0041-79-123-45-67", "+41791234567"),
            ("(030) 1234.567", "0301234567"),
            ("079/123 45 67", "0791234567"),
            ("112", "112"),
            ("7726", "7726"),
            ("+44\u{a0}20 7946 0000", "+442079460000"),
        ];
        for &(given, want) in ok {
            assert_eq!(normalize_number(given).as_deref(), Ok(want), "{given:?}");
        }
        let bad = [
            "",
            "   ",
            "-",
            "+",
            "++41",
            "41+79",
            "+0791234567",
            "0012",
            "+1234567890123456",
            "123456789012345678901",
            "call me",
            "12a4",
            "+41 79 ext 5",
        ];
        for given in bad {
            let r = normalize_number(given);
            assert!(matches!(r, Err(BadRow::InvalidNumber(..) | BadRow::EmptyNumber)), "{given:?}: {r:?}");
        }
        assert_eq!(normalize_number(""), Err(BadRow::EmptyNumber));
    }

    fn raw(phone: Option<&[u8]>, message: Option<&[u8]>) -> RawRow {
        RawRow {
            id: 7,
            phone_number: phone.map(<[u8]>::to_vec),
            message: message.map(<[u8]>::to_vec),
            attempts: Some(3),
            status_report: false,
            generation: 1,
        }
    }

    #[test]
    fn every_kind_of_bad_row_has_its_reason() {
        let long = "x".repeat(160 * 12);
        let huge = "x".repeat(153 * 256);
        let opts = Options::default();
        let cases: &[(RawRow, BadRow)] = &[
            (raw(None, Some(b"hi")), BadRow::NullNumber),
            (raw(Some(b""), Some(b"hi")), BadRow::EmptyNumber),
            (raw(Some(b"\xff\xfe"), Some(b"hi")), BadRow::NumberNotUtf8),
            (raw(Some(b"abc"), Some(b"hi")), BadRow::InvalidNumber("abc".into(), "")),
            (raw(Some(b"+41791234567"), None), BadRow::NullMessage),
            (raw(Some(b"+41791234567"), Some(b"")), BadRow::EmptyMessage),
            (raw(Some(b"+41791234567"), Some(b"  \n")), BadRow::EmptyMessage),
            (raw(Some(b"+41791234567"), Some(b"Hi \xc3\x28 there")), BadRow::MessageNotUtf8 { at: 3 }),
            (raw(Some(b"+41791234567"), Some(long.as_bytes())), BadRow::TooLong { parts: 13, max: 10 }),
            (raw(Some(b"+41791234567"), Some(huge.as_bytes())), BadRow::Impossible),
            (RawRow { id: RowKey::MAX_ROW + 1, ..raw(Some(b"+41791234567"), Some(b"hi")) }, BadRow::IdOutOfRange),
        ];
        for (row, want) in cases {
            let got = row.validate(10, &opts).unwrap_err();
            match (&got, want) {
                (BadRow::InvalidNumber(n, _), BadRow::InvalidNumber(w, _)) => assert_eq!(n, w),
                _ => assert_eq!(&got, want, "{row:?}"),
            }
            let text = got.to_string();
            assert!(!text.is_empty() && text.chars().count() <= 255, "{text}");
        }
    }

    #[test]
    fn a_good_row_is_typed() {
        let mut row = raw(Some(b"0041 79 123 45 67"), Some("Grüße".as_bytes()));
        row.attempts = Some(1000);
        row.status_report = true;
        let c = row.validate(10, &Options::default()).unwrap();
        assert_eq!(
            c,
            ClaimedRow {
                id: 7,
                recipient: "+41791234567".into(),
                text: "Grüße".into(),
                parts: 1,
                attempts: 255,
                status_report: true,
                generation: 1
            }
        );
        let ten = "x".repeat(153 * 10);
        assert_eq!(
            raw(Some(b"+41791234567"), Some(ten.as_bytes())).validate(10, &Options::default()).unwrap().parts,
            10
        );
    }

    #[test]
    fn values_of_the_wrong_shape_are_not_a_row() {
        let good = [
            Value::UInt(5),
            Value::Bytes(b"+1".to_vec()),
            Value::Bytes(b"hi".to_vec()),
            Value::Int(3),
            Value::Int(1),
            Value::UInt(2),
        ];
        let r = RawRow::from_values(&good).unwrap();
        assert_eq!((r.id, r.attempts, r.status_report, r.generation), (5, Some(3), true, 2));
        // The text protocol sends numbers as text.
        let text = [b"5".as_slice(), b"+1", b"hi", b"3", b"0", b"2"].map(|b| Value::Bytes(b.to_vec()));
        assert_eq!(RawRow::from_values(&text).unwrap().id, 5);
        assert!(RawRow::from_values(&good[..5]).is_err());
        let mut negative = good.clone();
        negative[0] = Value::Int(-1);
        assert!(RawRow::from_values(&negative).is_err());
        let mut number = good.clone();
        number[2] = Value::Int(4);
        assert!(RawRow::from_values(&number).is_err());
        let mut nulls = good;
        nulls[1] = Value::NULL;
        nulls[2] = Value::NULL;
        nulls[3] = Value::NULL;
        let r = RawRow::from_values(&nulls).unwrap();
        assert_eq!((r.phone_number, r.message, r.attempts), (None, None, None));
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::NULL),
            any::<i64>().prop_map(Value::Int),
            any::<u64>().prop_map(Value::UInt),
            proptest::collection::vec(any::<u8>(), 0..48).prop_map(Value::Bytes),
            "[ +0-9()a-z./-]{0,24}".prop_map(|s| Value::Bytes(s.into_bytes())),
            any::<f64>().prop_map(Value::Double),
        ]
    }

    proptest::proptest! {
        #[test]
        fn normalising_twice_changes_nothing_and_the_codec_accepts_the_result(given in "[ +0-9()./-]{0,30}") {
            if let Ok(n) = normalize_number(&given) {
                proptest::prop_assert_eq!(normalize_number(&n), Ok(n.clone()));
                proptest::prop_assert!(Number::parse(&n, "x").is_ok());
            }
        }

        #[test]
        fn any_values_are_a_row_or_a_reason_never_a_panic(values in proptest::collection::vec(value(), 0..8)) {
            if let Ok(raw) = RawRow::from_values(&values) {
                if let Ok(row) = raw.validate(10, &Options::default()) {
                    proptest::prop_assert!((1..=10).contains(&row.parts));
                    proptest::prop_assert!(Number::parse(&row.recipient, "x").is_ok());
                    proptest::prop_assert!(!row.text.trim().is_empty());
                }
            }
        }
    }
}
