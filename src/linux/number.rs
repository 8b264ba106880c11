//! Phone numbers in one form, so the same caller is the same key everywhere: in the missed-call
//! de-duplication, the opt-out list and the allow and deny lists.
//!
//! The form is international, `+<country><number>` (E.164), whenever the written number says
//! enough to know it:
//!
//! | written | default country | result |
//! | --- | --- | --- |
//! | `+41 79 123 45 67` | any | `+41791234567` |
//! | `+41 (0)79 123 45 67` | any | `+41791234567` (the `(0)` is for callers in the country) |
//! | `0041791234567` | any | `+41791234567` (00 is the international prefix) |
//! | `079 123 45 67` | `41` | `+41791234567` (one national trunk `0` dropped) |
//! | `079 123 45 67` | none | `0791234567`: national, kept as written (digits only) |
//! | `7726` | any | `7726`: a short code (3 to 6 digits), kept as it is |
//! | `41791234567` | any | kept as written: international without its `+`, or national |
//! |  |  | without a trunk prefix; guessing could send to a stranger |
//!
//! Modems report an international caller (type of address 145) without the `+`; the caller of
//! [`normalise`] adds it back before asking. Countries whose numbers keep their `0` after the
//! country code (Italy's fixed lines) are not special-cased: write those numbers with `+`.

use std::fmt;

/// The longest number E.164 allows, country code included.
const MAX_DIGITS: usize = 15;
/// Shorter than this is no number anyone can call back.
const MIN_DIGITS: usize = 3;

/// Why a text is not a phone number that can be written in one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Nothing but spaces and separators.
    Empty,
    /// Letters: an alphanumeric sender such as "Bank", which cannot be answered.
    SenderName(String),
    /// A character that is neither a digit nor a separator (`#`, `*`, a `+` inside).
    BadCharacter { number: String, found: char },
    /// Fewer than 3 digits.
    TooShort(String),
    /// More than the 15 digits E.164 allows.
    TooLong(String),
    /// A country code starts with 1 to 9, so `+0…` and `000…` are mistakes.
    BadCountryCode(String),
    /// The default country is not a calling code of 1 to 3 digits.
    BadDefaultCountry(String),
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Empty => f.write_str("no number: the text is empty"),
            NumberError::SenderName(n) => write!(f, "{n:?} is a sender name, not a phone number"),
            NumberError::BadCharacter { number, found } => {
                write!(f, "{number:?} is not a phone number: it contains {found:?}")
            }
            NumberError::TooShort(n) => {
                write!(f, "{n:?} is too short for a phone number (fewer than {MIN_DIGITS} digits)")
            }
            NumberError::TooLong(n) => {
                write!(f, "{n:?} is too long for a phone number (more than {MAX_DIGITS} digits)")
            }
            NumberError::BadCountryCode(n) => write!(f, "{n:?} has no country code: none starts with 0"),
            NumberError::BadDefaultCountry(c) => {
                write!(f, "{c:?} is not a country calling code (1 to 3 digits, such as \"41\")")
            }
        }
    }
}

impl std::error::Error for NumberError {}

/// Spaces, dashes, dots and parentheses only make numbers readable.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/')
}

/// A default country as a calling code: `"41"` or `"+41"` gives `"41"`.
pub fn country_code(text: &str) -> Result<&str, NumberError> {
    let code = text.trim();
    let code = code.strip_prefix('+').unwrap_or(code);
    let valid = (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0');
    if valid {
        Ok(code)
    } else {
        Err(NumberError::BadDefaultCountry(text.to_string()))
    }
}

/// What is left of a number once its separators are gone: an optional leading `+` and digits.
fn strip(raw: &str) -> Result<(bool, String), NumberError> {
    let mut text = raw.trim().to_string();
    // "+41 (0)79 …" shows the trunk 0 a caller in the country dials; it is no part of the
    // international number. At the start, "(0)79 …" is a national number and keeps it.
    if text.starts_with('+') || text.starts_with("00") {
        text = text.replace("(0)", "");
    }
    let mut plus = false;
    let mut digits = String::with_capacity(text.len());
    for (i, c) in text.chars().filter(|c| !is_separator(*c)).enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            c if c.is_alphabetic() => return Err(NumberError::SenderName(raw.to_string())),
            found => return Err(NumberError::BadCharacter { number: raw.to_string(), found }),
        }
    }
    if digits.is_empty() {
        return Err(if plus { NumberError::TooShort(raw.to_string()) } else { NumberError::Empty });
    }
    Ok((plus, digits))
}

/// How a number is written, once its separators are gone.
enum Written<'a> {
    /// `+` or `00` and the country code: the digits after it.
    International(&'a str),
    /// One trunk `0`, then the national number: the digits after the `0`.
    National(&'a str),
    /// No prefix: a short code, or a long number whose country is unknown.
    Bare,
}

fn written(plus: bool, digits: &str) -> Written<'_> {
    if plus {
        Written::International(digits)
    } else if let Some(rest) = digits.strip_prefix("00") {
        Written::International(rest)
    } else if let Some(rest) = digits.strip_prefix('0') {
        Written::National(rest)
    } else {
        Written::Bare
    }
}

/// The number in international form; see the module's table for what is kept as written.
///
/// Without a default country a national number (one leading `0`) cannot be made international:
/// it is returned as its digits (`"079 123 45 67"` gives `"0791234567"`), which the modem sends
/// as a national number.
pub fn normalise(raw: &str, default_country: Option<&str>) -> Result<String, NumberError> {
    let country = default_country.map(country_code).transpose()?;
    let (plus, digits) = strip(raw)?;
    let length_checked = |number: String, count: usize| {
        if count < MIN_DIGITS {
            Err(NumberError::TooShort(raw.to_string()))
        } else if count > MAX_DIGITS {
            Err(NumberError::TooLong(raw.to_string()))
        } else {
            Ok(number)
        }
    };
    match written(plus, &digits) {
        Written::International(rest) if rest.starts_with('0') => Err(NumberError::BadCountryCode(raw.to_string())),
        Written::International(rest) => length_checked(format!("+{rest}"), rest.len()),
        Written::National(rest) => match country {
            Some(code) => length_checked(format!("+{code}{rest}"), code.len() + rest.len()),
            None => length_checked(digits.clone(), digits.len()),
        },
        Written::Bare => length_checked(digits.clone(), digits.len()),
    }
}

/// A number prefix (the part before the `*` of an allow or deny entry) in the form [`normalise`]
/// gives numbers, so `"079*"` with country 41 matches `+4179…` callers. Only the length is not
/// checked: a prefix may be as short as one digit.
pub fn normalise_prefix(raw: &str, default_country: Option<&str>) -> Result<String, NumberError> {
    let country = default_country.map(country_code).transpose()?;
    let (plus, digits) = strip(raw)?;
    let too_long = |count: usize| count > MAX_DIGITS;
    let prefix = match written(plus, &digits) {
        Written::International(rest) if rest.starts_with('0') => return Err(NumberError::BadCountryCode(raw.into())),
        // "00" alone says "international" and nothing more: every international number.
        Written::International(rest) => format!("+{rest}"),
        Written::National(rest) => match country {
            Some(code) => format!("+{code}{rest}"),
            None => digits.clone(),
        },
        Written::Bare => digits.clone(),
    };
    if too_long(prefix.trim_start_matches('+').len()) {
        return Err(NumberError::TooLong(raw.to_string()));
    }
    Ok(prefix)
}

/// Whether two written numbers are the same number. A text that is no number (a sender name)
/// is the same as nothing, not even itself: it cannot be replied to or opted out.
pub fn same_number(a: &str, b: &str, default_country: Option<&str>) -> bool {
    match (normalise(a, default_country), normalise(b, default_country)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_one_form() {
        use NumberError as E;
        let s = |t: &str| t.to_string();
        let cases: &[(&str, Option<&str>, Result<&str, NumberError>)] = &[
            ("+41791234567", None, Ok("+41791234567")),
            ("+41 79 123 45 67", Some("49"), Ok("+41791234567")),
            ("0041791234567", None, Ok("+41791234567")),
            ("00 41 79-123.45.67", Some("41"), Ok("+41791234567")),
            ("079 123 45 67", Some("41"), Ok("+41791234567")),
            ("079 123 45 67", Some("+41"), Ok("+41791234567")),
            ("(079) 123-45-67", Some("41"), Ok("+41791234567")),
            ("079 123 45 67", None, Ok("0791234567")),
            ("0 30 1234567", Some("49"), Ok("+49301234567")),
            ("  +1 (212) 555-0100 ", None, Ok("+12125550100")),
            ("7726", Some("41"), Ok("7726")),
            ("112", None, Ok("112")),
            ("044/123 45 67", Some("41"), Ok("+41441234567")),
            ("+41 (0)79 123 45 67", None, Ok("+41791234567")),
            ("0041 (0)79 123 45 67", None, Ok("+41791234567")),
            ("(0)79 123 45 67", Some("41"), Ok("+41791234567")),
            ("(0)79 123 45 67", None, Ok("0791234567")),
            ("123456", None, Ok("123456")),
            ("41791234567", Some("41"), Ok("41791234567")),
            ("+123", None, Ok("+123")),
            ("+123456789012345", None, Ok("+123456789012345")),
            ("+1234567890123456", None, Err(E::TooLong(s("+1234567890123456")))),
            ("0041234567890123456", None, Err(E::TooLong(s("0041234567890123456")))),
            // 3 digits of country code and 13 national ones are one digit too many.
            ("01234567890123", Some("998"), Err(E::TooLong(s("01234567890123")))),
            ("01234567890123", None, Ok("01234567890123")),
            ("1234567890123456", None, Err(E::TooLong(s("1234567890123456")))),
            ("12", None, Err(E::TooShort(s("12")))),
            ("+12", None, Err(E::TooShort(s("+12")))),
            ("+", None, Err(E::TooShort(s("+")))),
            ("01", None, Err(E::TooShort(s("01")))),
            ("0012", None, Err(E::TooShort(s("0012")))),
            ("", None, Err(E::Empty)),
            (" - ", None, Err(E::Empty)),
            ("Bank", None, Err(E::SenderName(s("Bank")))),
            ("Swisscom", Some("41"), Err(E::SenderName(s("Swisscom")))),
            ("079 12x", Some("41"), Err(E::SenderName(s("079 12x")))),
            ("#31#079", None, Err(E::BadCharacter { number: s("#31#079"), found: '#' })),
            ("+41+79", None, Err(E::BadCharacter { number: s("+41+79"), found: '+' })),
            ("+0791234567", None, Err(E::BadCountryCode(s("+0791234567")))),
            ("000791234567", None, Err(E::BadCountryCode(s("000791234567")))),
            ("0791234567", Some("041"), Err(E::BadDefaultCountry(s("041")))),
            ("0791234567", Some("4100"), Err(E::BadDefaultCountry(s("4100")))),
            ("0791234567", Some("CH"), Err(E::BadDefaultCountry(s("CH")))),
        ];
        for (raw, country, expected) in cases {
            let expected = expected.clone().map(str::to_string);
            assert_eq!(normalise(raw, *country), expected, "{raw:?} with {country:?}");
            if let Ok(n) = &expected {
                assert_eq!(normalise(n, *country).as_ref(), Ok(n), "{raw:?}: normalising twice changes nothing");
            }
        }
    }

    #[test]
    fn prefixes_take_the_numbers_form() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            ("+4179", None, Some("+4179")),
            ("+41 79", Some("49"), Some("+4179")),
            ("004179", None, Some("+4179")),
            ("079", Some("41"), Some("+4179")),
            ("0", Some("41"), Some("+41")),
            ("00", None, Some("+")),
            ("079", None, Some("079")),
            ("+1", None, Some("+1")),
            ("77", None, Some("77")),
            ("+0", None, None),
            ("+41a", None, None),
            ("", None, None),
            ("+1234567890123456", None, None),
        ];
        for &(raw, country, expected) in cases {
            assert_eq!(normalise_prefix(raw, country).ok().as_deref(), expected, "{raw:?} with {country:?}");
        }
    }

    #[test]
    fn same_numbers_however_written() {
        let cases: &[(&str, &str, Option<&str>, bool)] = &[
            ("+41791234567", "0041 79 123 45 67", None, true),
            ("+41791234567", "079 123 45 67", Some("41"), true),
            ("+41791234567", "079 123 45 67", None, false),
            ("+41791234567", "079 123 45 67", Some("49"), false),
            ("0791234567", "079-123-45-67", None, true),
            ("7726", "7726", None, true),
            ("7726", "+7726", None, false),
            ("Bank", "Bank", None, false),
            ("+41791234567", "+41791234568", None, false),
        ];
        for &(a, b, country, same) in cases {
            assert_eq!(same_number(a, b, country), same, "{a:?} and {b:?} with {country:?}");
            assert_eq!(same_number(b, a, country), same, "{b:?} and {a:?}: in either order");
        }
    }

    #[test]
    fn errors_in_words() {
        let shown = normalise("Bank", None).unwrap_err().to_string();
        assert_eq!(shown, "\"Bank\" is a sender name, not a phone number");
        assert!(normalise("12", None).unwrap_err().to_string().contains("too short"));
        assert!(normalise("1", Some("x")).unwrap_err().to_string().contains("country calling code"));
    }
}
