//! The comma-separated parameters of an information response or URC (TS 27.007 §4.1, V.250 §5.7):
//! `"SM",3` → `"SM"`, `3`. Commas inside double quotes do not separate; fields are trimmed of
//! spaces because modems differ in whether they put a space after a comma.

/// Splits `payload` (the text after `+XXXX:`) into its raw fields, quotes kept.
///
/// An empty payload has no fields; otherwise there is one field more than unquoted commas, so
/// `,23` gives `""` and `"23"` (an omitted first parameter stays in its place).
pub fn split(payload: &str) -> Fields<'_> {
    let trimmed = payload.trim();
    Fields { rest: if trimmed.is_empty() { None } else { Some(trimmed) } }
}

/// Iterator returned by [`split`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Fields<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let mut quoted = false;
        for (i, b) in rest.bytes().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                // `i` is the index of an ASCII comma, so both halves are on char boundaries.
                b',' if !quoted => {
                    self.rest = rest.get(i + 1..);
                    return rest.get(..i).map(str::trim);
                }
                _ => {}
            }
        }
        self.rest = None;
        Some(rest.trim())
    }
}

/// The text inside a double-quoted field, or `None` if the field is not quoted.
pub fn unquote(field: &str) -> Option<&str> {
    field.strip_prefix('"')?.strip_suffix('"')
}

/// An optional string parameter: `None` when omitted or empty (`""`), the unquoted text otherwise.
pub fn optional_text(field: Option<&str>) -> Option<&str> {
    let f = field?;
    let text = unquote(f).unwrap_or(f);
    if text.is_empty() {
        None
    } else {
        Some(text)
    }
}

/// A decimal parameter: ASCII digits only (no sign, no spaces), within `u16`.
pub fn number(field: &str) -> Option<u16> {
    if field.is_empty() {
        return None;
    }
    field.bytes().try_fold(0u16, |acc, b| {
        let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
        acc.checked_mul(10)?.checked_add(u16::from(d))
    })
}

/// A decimal parameter within `u8`.
pub fn small_number(field: &str) -> Option<u8> {
    number(field).and_then(|n| u8::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn splits_outside_quotes_only() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("\"SM\",3", &["\"SM\"", "3"]),
            (",23", &["", "23"]),
            ("20, 99", &["20", "99"]),
            ("\"a,b\",1,", &["\"a,b\"", "1", ""]),
            ("0,\"unterminated,1", &["0", "\"unterminated,1"]),
            ("1", &["1"]),
        ];
        for (input, want) in cases {
            let got: Vec<&str> = split(input).collect();
            assert_eq!(&got, want, "{input:?}");
        }
    }

    #[test]
    fn numbers_are_strict() {
        let cases: &[(&str, Option<u16>)] = &[
            ("0", Some(0)),
            ("65535", Some(65535)),
            ("65536", None),
            ("", None),
            ("+5", None),
            ("1 2", None),
            ("٣", None),
        ];
        for (input, want) in cases {
            assert_eq!(number(input), *want, "{input:?}");
        }
        assert_eq!(small_number("255"), Some(255));
        assert_eq!(small_number("256"), None);
    }

    #[test]
    fn quoted_and_optional_text() {
        assert_eq!(unquote("\"SM\""), Some("SM"));
        assert_eq!(unquote("\""), None);
        assert_eq!(unquote("SM"), None);
        assert_eq!(optional_text(Some("\"\"")), None);
        assert_eq!(optional_text(Some("")), None);
        assert_eq!(optional_text(None), None);
        assert_eq!(optional_text(Some("\"Bob\"")), Some("Bob"));
        assert_eq!(optional_text(Some("Bob")), Some("Bob"));
    }
}
