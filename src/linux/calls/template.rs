//! The reply's text: fixed words with `{caller}`, `{time}`, `{date}` and `{gateway}` filled in.
//!
//! The template is checked when the configuration is read, so a misspelt placeholder is a
//! mistake at start, not a reply that says "{tme}" to a customer.

use std::fmt;
use std::fmt::Write as _;

use jiff::civil::DateTime;

use super::ConfigError;

/// What the reply says when the configuration does not.
pub const DEFAULT_TEMPLATE: &str = "Sorry we missed your call at {time} on {date}. We will call you back.";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// The caller's number, normalised.
    Caller,
    /// `HH:MM` of the call, in the configured zone.
    Time,
    /// `YYYY-MM-DD` of the call, in the configured zone.
    Date,
    /// The gateway's name.
    Gateway,
}

const PLACEHOLDERS: &[(&str, Piece)] =
    &[("caller", Piece::Caller), ("time", Piece::Time), ("date", Piece::Date), ("gateway", Piece::Gateway)];

/// A checked template.
#[derive(Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Template({:?})", self.source)
    }
}

impl Default for Template {
    fn default() -> Template {
        // The default is a constant whose placeholders are all known.
        Template::parse(DEFAULT_TEMPLATE).unwrap_or(Template { source: String::new(), pieces: Vec::new() })
    }
}

/// What a reply's placeholders stand for.
pub(super) struct Fields<'a> {
    pub caller: &'a str,
    pub local: DateTime,
    pub gateway: &'a str,
}

impl Template {
    /// Checks `source`: `{{` and `}}` are braces, any other brace must be part of a known
    /// placeholder.
    pub fn parse(source: &str) -> Result<Template, ConfigError> {
        if source.trim().is_empty() {
            return Err(ConfigError::EmptyTemplate);
        }
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(at) = rest.find(['{', '}']) {
            text.push_str(&rest[..at]);
            let tail = &rest[at..];
            if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
                text.push(tail.as_bytes()[0] as char);
                rest = after;
                continue;
            }
            if tail.starts_with('}') {
                return Err(ConfigError::LoneBrace);
            }
            let Some(end) = tail.find('}') else {
                return Err(ConfigError::UnclosedBrace(tail.to_string()));
            };
            let name = &tail[1..end];
            if name.contains('{') {
                return Err(ConfigError::UnclosedBrace(tail[..end + 1].to_string()));
            }
            let piece = PLACEHOLDERS
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, piece)| piece.clone())
                .ok_or_else(|| ConfigError::UnknownPlaceholder(name.to_string()))?;
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(piece);
            rest = &tail[end + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template { source: source.to_string(), pieces })
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub(super) fn render(&self, fields: &Fields<'_>) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        let l = fields.local;
        for piece in &self.pieces {
            // Writing to a String cannot fail.
            let _ = match piece {
                Piece::Text(t) => out.write_str(t),
                Piece::Caller => out.write_str(fields.caller),
                Piece::Time => write!(out, "{:02}:{:02}", l.hour(), l.minute()),
                Piece::Date => write!(out, "{:04}-{:02}-{:02}", l.year(), l.month(), l.day()),
                Piece::Gateway => out.write_str(fields.gateway),
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn placeholders_are_filled_in() {
        let fields = Fields { caller: "+41791234567", local: date(2024, 3, 9).at(7, 5, 59, 0), gateway: "depot" };
        let cases: &[(&str, &str)] = &[
            (DEFAULT_TEMPLATE, "Sorry we missed your call at 07:05 on 2024-03-09. We will call you back."),
            ("{caller} called {gateway}", "+41791234567 called depot"),
            ("{date}{time}", "2024-03-0907:05"),
            ("{{time}} is {time}", "{time} is 07:05"),
            ("}}{{", "}{"),
            ("{{{time}}}", "{07:05}"),
            ("a {{ b }} c", "a { b } c"),
            ("Grüezi {caller} 👋", "Grüezi +41791234567 👋"),
            ("no placeholders", "no placeholders"),
        ];
        for &(source, expected) in cases {
            let t = Template::parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"));
            assert_eq!(t.render(&fields), expected, "{source:?}");
            assert_eq!(t.source(), source);
        }
        assert_eq!(Template::default().source(), DEFAULT_TEMPLATE);
        assert_eq!(Template::default(), Template::parse(DEFAULT_TEMPLATE).unwrap());
    }

    #[test]
    fn mistakes_are_found_when_read() {
        let cases: &[(&str, ConfigError)] = &[
            ("at {tme}", ConfigError::UnknownPlaceholder("tme".into())),
            ("{Time}", ConfigError::UnknownPlaceholder("Time".into())),
            ("{ time }", ConfigError::UnknownPlaceholder(" time ".into())),
            ("{}", ConfigError::UnknownPlaceholder(String::new())),
            ("at {time", ConfigError::UnclosedBrace("{time".into())),
            ("at {time {date}", ConfigError::UnclosedBrace("{time {date}".into())),
            ("{", ConfigError::UnclosedBrace("{".into())),
            ("at time}", ConfigError::LoneBrace),
            ("{{time}", ConfigError::LoneBrace),
            ("", ConfigError::EmptyTemplate),
            ("  ", ConfigError::EmptyTemplate),
        ];
        for (source, expected) in cases {
            assert_eq!(&Template::parse(source).unwrap_err(), expected, "{source:?}");
        }
        assert!(ConfigError::UnknownPlaceholder("tme".into()).to_string().contains("{tme}"));
    }
}
