//! Opt-out keywords: a received SMS that says only "STOP" (or another stop keyword) asks the
//! gateway to send its sender nothing more; one that says only "START" takes that back.
//!
//! The whole message must be the keyword, so a sentence that happens to contain one ("don't
//! stop", "STOP IT") never opts anyone out. Case does not matter, in any alphabet, and trailing
//! `.` or `!` are ignored ("Stop!"), as people type them.

use std::fmt;

/// What a message asked for, with the keyword it matched (as configured, in upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyword {
    Stop(String),
    Start(String),
}

/// Why a keyword list was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordError {
    /// A keyword that is empty once trimmed: it would match an empty message.
    Empty,
    /// The same keyword (case aside) both stops and starts.
    Both(String),
}

impl fmt::Display for KeywordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeywordError::Empty => f.write_str("a keyword cannot be empty"),
            KeywordError::Both(k) => write!(f, "{k:?} is both a stop and a start keyword"),
        }
    }
}

impl std::error::Error for KeywordError {}

/// The stop and start keywords, in upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keywords {
    stop: Vec<String>,
    start: Vec<String>,
}

/// The words carriers and regulators expect a sender to honour.
const DEFAULT_STOP: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
const DEFAULT_START: &[&str] = &["START", "UNSTOP", "SUBSCRIBE"];

impl Default for Keywords {
    fn default() -> Keywords {
        let owned = |words: &[&str]| words.iter().map(|w| w.to_string()).collect();
        Keywords { stop: owned(DEFAULT_STOP), start: owned(DEFAULT_START) }
    }
}

/// A message or keyword as it is compared: trimmed, without trailing `.`/`!`, upper case.
fn canonical(text: &str) -> String {
    text.trim().trim_end_matches(['.', '!']).trim_end().to_uppercase()
}

impl Keywords {
    /// Keyword lists as configured; either may be empty (then nothing stops, or nothing starts).
    pub fn new<S: AsRef<str>>(stop: &[S], start: &[S]) -> Result<Keywords, KeywordError> {
        let list = |words: &[S]| -> Result<Vec<String>, KeywordError> {
            words
                .iter()
                .map(|w| match canonical(w.as_ref()) {
                    k if k.is_empty() => Err(KeywordError::Empty),
                    k => Ok(k),
                })
                .collect()
        };
        let (stop, start) = (list(stop)?, list(start)?);
        if let Some(both) = stop.iter().find(|k| start.contains(k)) {
            return Err(KeywordError::Both(both.clone()));
        }
        Ok(Keywords { stop, start })
    }

    pub fn stop(&self) -> &[String] {
        &self.stop
    }

    pub fn start(&self) -> &[String] {
        &self.start
    }

    /// The keyword the whole message is, if it is one.
    pub fn classify(&self, text: &str) -> Option<Keyword> {
        let said = canonical(text);
        if let Some(k) = self.stop.iter().find(|k| **k == said) {
            return Some(Keyword::Stop(k.clone()));
        }
        self.start.iter().find(|k| **k == said).map(|k| Keyword::Start(k.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_messages_are_keywords() {
        let stop = |k: &str| Some(Keyword::Stop(k.to_string()));
        let start = |k: &str| Some(Keyword::Start(k.to_string()));
        let keywords = Keywords::default();
        let cases: &[(&str, Option<Keyword>)] = &[
            ("STOP", stop("STOP")),
            ("stop", stop("STOP")),
            ("Stop!", stop("STOP")),
            ("  stop.  ", stop("STOP")),
            ("STOP!!!", stop("STOP")),
            ("Stop !", stop("STOP")),
            ("\nUnsubscribe\r\n", stop("UNSUBSCRIBE")),
            ("stopall", stop("STOPALL")),
            ("quit", stop("QUIT")),
            ("start", start("START")),
            ("Unstop.", start("UNSTOP")),
            ("subscribe", start("SUBSCRIBE")),
            ("don't stop", None),
            ("STOP IT", None),
            ("stop?", None),
            ("S T O P", None),
            ("STOPP", None),
            (".stop", None),
            ("", None),
            ("!", None),
        ];
        for (text, expected) in cases {
            assert_eq!(&keywords.classify(text), expected, "{text:?}");
        }
    }

    #[test]
    fn configured_keywords_in_any_alphabet() {
        let k = Keywords::new(&["Arrêt", "ausschalten ", "стоп"], &["Ἀρχή", "weiter!"]).unwrap();
        assert_eq!(k.stop(), ["ARRÊT", "AUSSCHALTEN", "СТОП"]);
        assert_eq!(k.start(), ["ἈΡΧΉ", "WEITER"]);
        let cases: &[(&str, Option<Keyword>)] = &[
            ("arrêt", Some(Keyword::Stop("ARRÊT".into()))),
            ("ARRET", None),
            ("Стоп!", Some(Keyword::Stop("СТОП".into()))),
            ("ἀρχή", Some(Keyword::Start("ἈΡΧΉ".into()))),
            ("Weiter", Some(Keyword::Start("WEITER".into()))),
            ("stop", None),
        ];
        for (text, expected) in cases {
            assert_eq!(&k.classify(text), expected, "{text:?}");
        }
        let none = Keywords::new::<&str>(&[], &[]).unwrap();
        assert_eq!(none.classify("STOP"), None, "empty lists match nothing");
    }

    #[test]
    fn bad_lists_are_refused() {
        assert_eq!(Keywords::new(&["STOP", " "], &[]), Err(KeywordError::Empty));
        assert_eq!(Keywords::new(&["STOP", "!"], &[]), Err(KeywordError::Empty));
        assert_eq!(Keywords::new(&["stop", "end"], &["End"]), Err(KeywordError::Both("END".into())));
        assert_eq!(KeywordError::Both("END".into()).to_string(), "\"END\" is both a stop and a start keyword");
    }
}
