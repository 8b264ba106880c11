//! Who gets a reply: allow and deny lists of numbers and number prefixes.

use std::fmt;

use super::{ConfigError, SkipReason};
use crate::linux::number;

/// One entry of a list: a whole number, or a prefix written with a trailing `*` (`"+4179*"`).
/// Both are normalised when read, so they compare with normalised callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerRule {
    Number(String),
    Prefix(String),
}

impl CallerRule {
    /// Reads an entry, normalising it with `default_country` as callers' numbers are.
    pub fn parse(entry: &str, default_country: Option<&str>) -> Result<CallerRule, ConfigError> {
        let bad = |why: String| ConfigError::BadCaller { entry: entry.to_string(), why };
        let text = entry.trim();
        match text.find('*') {
            None => number::normalise(text, default_country).map(CallerRule::Number).map_err(|e| bad(e.to_string())),
            Some(at) if at + 1 != text.len() => Err(bad("a * can only end a prefix, as in \"+4179*\"".into())),
            Some(_) if text[..text.len() - 1].trim().is_empty() => {
                Err(bad("\"*\" alone is everyone: leave allow empty instead, or set reply = false".into()))
            }
            Some(at) => number::normalise_prefix(&text[..at], default_country)
                .map(CallerRule::Prefix)
                .map_err(|e| bad(e.to_string())),
        }
    }

    /// Whether the normalised caller is this number or starts with this prefix.
    pub fn matches(&self, caller: &str) -> bool {
        match self {
            CallerRule::Number(n) => n == caller,
            CallerRule::Prefix(p) => caller.starts_with(p.as_str()),
        }
    }
}

impl fmt::Display for CallerRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallerRule::Number(n) => f.write_str(n),
            CallerRule::Prefix(p) => write!(f, "{p}*"),
        }
    }
}

/// The allow and deny lists. Deny wins; a non-empty allow list lets only its callers through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callers {
    pub allow: Vec<CallerRule>,
    pub deny: Vec<CallerRule>,
}

impl Callers {
    /// Why the normalised caller gets no reply, if the lists say so.
    pub fn refusal(&self, caller: &str) -> Option<SkipReason> {
        if self.deny.iter().any(|r| r.matches(caller)) {
            Some(SkipReason::Denied)
        } else if !self.allow.is_empty() && !self.allow.iter().any(|r| r.matches(caller)) {
            Some(SkipReason::NotAllowed)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_normalised_when_read() {
        let number = |n: &str| Ok(CallerRule::Number(n.to_string()));
        let prefix = |p: &str| Ok(CallerRule::Prefix(p.to_string()));
        let cases: &[(&str, Option<&str>, Result<CallerRule, ()>)] = &[
            ("+41 79 123 45 67", None, number("+41791234567")),
            ("079 123 45 67", Some("41"), number("+41791234567")),
            ("7726", None, number("7726")),
            ("+4179*", None, prefix("+4179")),
            (" +41 79 * ", None, prefix("+4179")),
            ("004179*", None, prefix("+4179")),
            ("079*", Some("41"), prefix("+4179")),
            ("079*", None, prefix("079")),
            ("+1*", None, prefix("+1")),
            ("*", None, Err(())),
            (" * ", None, Err(())),
            ("+41*79", None, Err(())),
            ("+41**", None, Err(())),
            ("Bank*", None, Err(())),
            ("Bank", None, Err(())),
            ("12", None, Err(())),
            ("+0*", None, Err(())),
        ];
        for (entry, country, expected) in cases {
            let got = CallerRule::parse(entry, *country);
            assert_eq!(got.clone().map_err(|_| ()), *expected, "{entry:?} with {country:?}");
            if let Err(ConfigError::BadCaller { entry: e, .. }) = &got {
                assert_eq!(e, entry, "the error names the entry");
            }
            if let Ok(rule) = got {
                assert_eq!(CallerRule::parse(&rule.to_string(), None), Ok(rule), "{entry:?} reads back");
            }
        }
    }

    #[test]
    fn deny_wins_and_allow_narrows() {
        let rules = |entries: &[&str]| entries.iter().map(|e| CallerRule::parse(e, Some("41")).unwrap()).collect();
        let nobody = Callers::default();
        let swiss_mobiles = Callers { allow: rules(&["+4179*", "+4178*"]), deny: rules(&["079 000 00 00"]) };
        let deny_only = Callers { allow: vec![], deny: rules(&["+1*", "+41791234567"]) };
        let both = Callers { allow: rules(&["+41791234567"]), deny: rules(&["+41791234567"]) };
        let cases: &[(&Callers, &str, Option<SkipReason>)] = &[
            (&nobody, "+41791234567", None),
            (&nobody, "7726", None),
            (&swiss_mobiles, "+41791234567", None),
            (&swiss_mobiles, "+41781234567", None),
            (&swiss_mobiles, "+41790000000", Some(SkipReason::Denied)),
            (&swiss_mobiles, "+41441234567", Some(SkipReason::NotAllowed)),
            (&swiss_mobiles, "+4179", None),
            (&swiss_mobiles, "7726", Some(SkipReason::NotAllowed)),
            (&deny_only, "+12125550100", Some(SkipReason::Denied)),
            (&deny_only, "+41791234567", Some(SkipReason::Denied)),
            (&deny_only, "+41791234568", None),
            (&deny_only, "+4179123456", None),
            (&both, "+41791234567", Some(SkipReason::Denied)),
        ];
        for &(callers, caller, ref expected) in cases {
            assert_eq!(&callers.refusal(caller), expected, "{caller} with {callers:?}");
        }
    }
}
