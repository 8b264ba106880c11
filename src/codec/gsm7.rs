//! The GSM 7-bit default alphabet and its extension table (TS 23.038 §6.2.1), and the table pair
//! ([`Tables`]) that the national language shift mechanism (§6.2.1.2.4) swaps in.

use super::national;

/// The escape septet: the next septet is read from the single shift (extension) table.
pub const ESC: u8 = 0x1B;

/// The default alphabet, indexed by septet. Entry 0x1B is the escape and never a character.
pub const DEFAULT: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The default extension table: (septet after ESC, character).
pub const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Reverse of [`DEFAULT`] for ASCII, the common case: `NONE` where ASCII is not in the main table.
const NONE: u8 = 0xFF;
const ASCII_TO_DEFAULT: [u8; 128] = {
    let mut t = [NONE; 128];
    let mut i = 0;
    while i < 128 {
        let c = DEFAULT[i] as u32;
        if c < 128 && i != ESC as usize {
            t[c as usize] = i as u8;
        }
        i += 1;
    }
    t
};

/// The septet of a non-ASCII character of the default alphabet: a `match` the compiler turns
/// into a binary search, where a scan of [`DEFAULT`] would compare up to 128 characters.
#[inline]
fn default_non_ascii(c: char) -> Option<u8> {
    Some(match c {
        '£' => 0x01,
        '¥' => 0x03,
        'è' => 0x04,
        'é' => 0x05,
        'ù' => 0x06,
        'ì' => 0x07,
        'ò' => 0x08,
        'Ç' => 0x09,
        'Ø' => 0x0B,
        'ø' => 0x0C,
        'Å' => 0x0E,
        'å' => 0x0F,
        'Δ' => 0x10,
        'Φ' => 0x12,
        'Γ' => 0x13,
        'Λ' => 0x14,
        'Ω' => 0x15,
        'Π' => 0x16,
        'Ψ' => 0x17,
        'Σ' => 0x18,
        'Θ' => 0x19,
        'Ξ' => 0x1A,
        'Æ' => 0x1C,
        'æ' => 0x1D,
        'ß' => 0x1E,
        'É' => 0x1F,
        '¤' => 0x24,
        '¡' => 0x40,
        'Ä' => 0x5B,
        'Ö' => 0x5C,
        'Ñ' => 0x5D,
        'Ü' => 0x5E,
        '§' => 0x5F,
        '¿' => 0x60,
        'ä' => 0x7B,
        'ö' => 0x7C,
        'ñ' => 0x7D,
        'ü' => 0x7E,
        'à' => 0x7F,
        _ => return None,
    })
}

/// National language identifiers of TS 23.038 §6.2.1.2.4, as carried in the UDH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Language {
    /// The default alphabet / extension table: no shift.
    #[default]
    Default = 0,
    Turkish = 1,
    Spanish = 2,
    Portuguese = 3,
    Bengali = 4,
    Gujarati = 5,
    Hindi = 6,
    Kannada = 7,
    Malayalam = 8,
    Oriya = 9,
    Punjabi = 10,
    Tamil = 11,
    Telugu = 12,
    Urdu = 13,
}

impl Language {
    /// Every language, in identifier order.
    pub const ALL: [Language; 14] = [
        Language::Default,
        Language::Turkish,
        Language::Spanish,
        Language::Portuguese,
        Language::Bengali,
        Language::Gujarati,
        Language::Hindi,
        Language::Kannada,
        Language::Malayalam,
        Language::Oriya,
        Language::Punjabi,
        Language::Tamil,
        Language::Telugu,
        Language::Urdu,
    ];

    /// The language with this UDH identifier, if TS 23.038 defines one.
    pub fn from_id(id: u8) -> Option<Language> {
        Self::ALL.get(usize::from(id)).copied()
    }

    /// Lower-case English name, as used in the configuration file and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Language::Default => "default",
            Language::Turkish => "turkish",
            Language::Spanish => "spanish",
            Language::Portuguese => "portuguese",
            Language::Bengali => "bengali",
            Language::Gujarati => "gujarati",
            Language::Hindi => "hindi",
            Language::Kannada => "kannada",
            Language::Malayalam => "malayalam",
            Language::Oriya => "oriya",
            Language::Punjabi => "punjabi",
            Language::Tamil => "tamil",
            Language::Telugu => "telugu",
            Language::Urdu => "urdu",
        }
    }

    /// The language with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Language> {
        Self::ALL.iter().copied().find(|l| l.name().eq_ignore_ascii_case(name))
    }
}

/// How one character is written: one septet, or ESC and a septet of the single shift table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Code {
    One(u8),
    Escaped(u8),
}

// A character always takes one or two septets, so an `is_empty` would always be false.
#[allow(clippy::len_without_is_empty)]
impl Code {
    /// Septets this character occupies (an escape pair counts as two).
    pub fn len(self) -> usize {
        match self {
            Code::One(_) => 1,
            Code::Escaped(_) => 2,
        }
    }
}

/// The table pair in force for a GSM 7-bit text: the locking shift table replaces the default
/// alphabet, the single shift table replaces the extension table. `Tables::default()` is the
/// plain default alphabet with its extension table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Tables {
    pub locking: Language,
    pub single: Language,
}

impl Tables {
    /// The default alphabet and extension table.
    pub const DEFAULT: Tables = Tables { locking: Language::Default, single: Language::Default };

    /// How `c` is written with these tables, or `None` if they cannot represent it.
    ///
    /// Never the escape position 0x1B of the main table, and never a code point a national
    /// locking shift table leaves unused ([`national::UNUSED`]).
    #[inline]
    pub fn encode_char(self, c: char) -> Option<Code> {
        if c == national::UNUSED {
            return None;
        }
        if self.locking == Language::Default {
            let s = match c as u32 {
                0..=127 => Some(ASCII_TO_DEFAULT[c as usize]).filter(|&s| s != NONE),
                _ => default_non_ascii(c),
            };
            if let Some(s) = s {
                return Some(Code::One(s));
            }
        } else if let Some(i) = self.main().iter().enumerate().position(|(i, &m)| m == c && i != usize::from(ESC)) {
            return Some(Code::One(i as u8));
        }
        self.shift_table().iter().find(|&&(_, m)| m == c).map(|&(s, _)| Code::Escaped(s))
    }

    /// The character a septet stands for; `escaped` when it followed an ESC.
    ///
    /// An escaped septet missing from the single shift table is shown from the main table, and an
    /// escaped ESC (reserved for a further table) as a space, as TS 23.038 §6.2.1.1 requires. A
    /// code point the locking shift table leaves unused is shown as U+FFFD.
    #[inline]
    pub fn decode(self, septet: u8, escaped: bool) -> char {
        let septet = septet & 0x7F;
        if escaped {
            if let Some(&(_, c)) = self.shift_table().iter().find(|&&(s, _)| s == septet) {
                return c;
            }
            if septet == ESC {
                return ' ';
            }
        }
        match self.main()[usize::from(septet)] {
            // A code point the locking shift table leaves unused: shown, not silently dropped.
            national::UNUSED => char::REPLACEMENT_CHARACTER,
            c => c,
        }
    }

    /// The main (locking shift) table in force.
    pub fn main(self) -> &'static [char; 128] {
        national::locking_table(self.locking).unwrap_or(&DEFAULT)
    }

    /// The single shift table in force: (septet after ESC, character).
    pub fn shift_table(self) -> &'static [(u8, char)] {
        match self.single {
            Language::Default => &EXTENSION,
            lang => national::single_shift_table(lang),
        }
    }

    /// Septets `text` takes with these tables, or the first character they cannot represent.
    pub fn septets(self, text: &str) -> Result<usize, super::Error> {
        text.chars().try_fold(0usize, |n, c| {
            self.encode_char(c).map(|code| n + code.len()).ok_or(super::Error::Unrepresentable { ch: c })
        })
    }
}

/// Iterates the septets of `text` with `tables`, the escapes included.
///
/// Yields `Err` for a character the tables cannot represent, and stops after it.
pub fn encode(text: &str, tables: Tables) -> impl Iterator<Item = Result<u8, super::Error>> + '_ {
    let mut chars = text.chars();
    let mut pending: Option<u8> = None;
    let mut failed = false;
    core::iter::from_fn(move || {
        if let Some(s) = pending.take() {
            return Some(Ok(s));
        }
        if failed {
            return None;
        }
        let c = chars.next()?;
        match tables.encode_char(c) {
            Some(Code::One(s)) => Some(Ok(s)),
            Some(Code::Escaped(s)) => {
                pending = Some(s);
                Some(Ok(ESC))
            }
            None => {
                failed = true;
                Some(Err(super::Error::Unrepresentable { ch: c }))
            }
        }
    })
}

/// Iterates the characters of a septet stream read with `tables`, resolving escapes.
pub fn decode<I: Iterator<Item = u8>>(septets: I, tables: Tables) -> impl Iterator<Item = char> {
    let mut septets = septets;
    core::iter::from_fn(move || {
        let s = septets.next()?;
        if s & 0x7F == ESC {
            // A trailing ESC with nothing after it is shown as a space (§6.2.1.1 note).
            return Some(match septets.next() {
                Some(next) => tables.decode(next, true),
                None => ' ',
            });
        }
        Some(tables.decode(s, false))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_character_round_trips() {
        for (i, &c) in DEFAULT.iter().enumerate() {
            if i == usize::from(ESC) {
                continue;
            }
            assert_eq!(Tables::DEFAULT.encode_char(c), Some(Code::One(i as u8)), "{c:?}");
            assert_eq!(Tables::DEFAULT.decode(i as u8, false), c);
        }
        for &(s, c) in &EXTENSION {
            assert_eq!(Tables::DEFAULT.encode_char(c), Some(Code::Escaped(s)), "{c:?}");
            assert_eq!(Tables::DEFAULT.decode(s, true), c);
        }
    }

    #[test]
    fn table_driven_cases() {
        let cases: &[(&str, &[u8])] = &[
            ("@", &[0x00]),
            ("€", &[0x1B, 0x65]),
            ("a[b]", &[0x61, 0x1B, 0x3C, 0x62, 0x1B, 0x3E]),
            ("$¤", &[0x02, 0x24]),
            ("\u{0C}", &[0x1B, 0x0A]),
        ];
        for (text, septets) in cases {
            let got: Result<heapless::Vec<u8, 16>, _> = encode(text, Tables::DEFAULT).collect();
            assert_eq!(got.unwrap().as_slice(), *septets, "{text}");
            let back: heapless::String<16> = decode(septets.iter().copied(), Tables::DEFAULT).collect();
            assert_eq!(back.as_str(), *text);
        }
    }

    #[test]
    fn unknown_escapes_show_the_main_table_character() {
        assert_eq!(Tables::DEFAULT.decode(0x41, true), 'A');
        assert_eq!(Tables::DEFAULT.decode(ESC, true), ' ');
        let s: heapless::String<4> = decode([0x41, 0x1B].into_iter(), Tables::DEFAULT).collect();
        assert_eq!(s.as_str(), "A ");
    }

    #[test]
    fn unrepresentable_characters_are_errors() {
        assert_eq!(Tables::DEFAULT.encode_char('ç'), None);
        assert_eq!(Tables::DEFAULT.septets("aç"), Err(super::super::Error::Unrepresentable { ch: 'ç' }));
        assert_eq!(Tables::DEFAULT.septets("a€"), Ok(3));
        assert!(encode("\u{1B}", Tables::DEFAULT).any(|r| r.is_err()), "ESC itself is not a character");
    }

    #[test]
    fn languages_by_id_and_name() {
        assert_eq!(Language::from_id(1), Some(Language::Turkish));
        assert_eq!(Language::from_id(14), None);
        assert_eq!(Language::from_name("Hindi"), Some(Language::Hindi));
    }
}
