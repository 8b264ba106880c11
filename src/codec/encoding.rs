//! Choosing the cheapest encoding that represents a text exactly, and how many parts it takes.
//!
//! Capacities follow from the 140 octets of TP-User-Data (TS 23.040 §9.2.3.24) less the User
//! Data Header: a concatenation IE when the text needs more than one part (§9.2.3.24.1 and
//! .24.8) and one IE per national language shift table in use (§9.2.3.24.15 and .24.16).

use super::gsm7::{Language, Tables};
use super::{national, segment, ucs2, Error};

/// Octets of TP-User-Data in one SMS (TS 23.040 §9.2.3.24): header and text share them.
pub const MAX_UD_OCTETS: usize = 140;

/// Most parts a concatenated message can have: the part count is one octet of the concat IE.
pub const MAX_PARTS: usize = 255;

/// Octets of one national language shift IE: IEI (0x24 single, 0x25 locking), length, language.
pub const SHIFT_IE_OCTETS: usize = 3;

/// How a text's characters are carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Encoding {
    /// GSM 7-bit with this table pair (national shift tables only when configured).
    Gsm7(Tables),
    /// UCS-2 / UTF-16BE.
    Ucs2,
}

impl Encoding {
    /// The GSM 7-bit default alphabet with its extension table.
    pub const GSM7: Encoding = Encoding::Gsm7(Tables::DEFAULT);

    /// Units `c` takes (septets, an escape pair counting two; or UTF-16 code units), or `None`
    /// if this encoding cannot represent it.
    #[inline]
    pub fn char_units(self, c: char) -> Option<usize> {
        match self {
            Encoding::Gsm7(tables) => tables.encode_char(c).map(|code| code.len()),
            Encoding::Ucs2 => Some(c.len_utf16()),
        }
    }

    /// Units the whole of `text` takes, or the first character this encoding cannot represent.
    pub fn units(self, text: &str) -> Result<usize, Error> {
        match self {
            Encoding::Gsm7(tables) => tables.septets(text),
            Encoding::Ucs2 => Ok(ucs2::units(text)),
        }
    }

    /// UDH octets the national language shift IEs take (the UDH length octet not included).
    pub fn shift_ie_octets(self) -> usize {
        match self {
            Encoding::Gsm7(t) => {
                SHIFT_IE_OCTETS
                    * (usize::from(t.locking != Language::Default) + usize::from(t.single != Language::Default))
            }
            Encoding::Ucs2 => 0,
        }
    }

    /// Short lower-case name: `gsm7` or `ucs2`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gsm7(_) => "gsm7",
            Encoding::Ucs2 => "ucs2",
        }
    }

    /// Name of the unit parts are counted in: `septet` or `ucs2` (a UTF-16 code unit).
    pub fn unit_name(self) -> &'static str {
        match self {
            Encoding::Gsm7(_) => "septet",
            Encoding::Ucs2 => "ucs2",
        }
    }
}

/// Size of the concatenation reference in a multipart message's UDH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RefBits {
    /// IEI 00, 5 octets with the UDH length.
    #[default]
    Eight,
    /// IEI 08, 6 octets with the UDH length.
    Sixteen,
}

impl RefBits {
    /// Octets of the concatenation IE: IEI, length, reference (1 or 2), part count, part number.
    pub const fn concat_ie_octets(self) -> usize {
        match self {
            RefBits::Eight => 5,
            RefBits::Sixteen => 6,
        }
    }
}

/// What the encoder may use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// National languages whose shift tables may be used, besides the default alphabet.
    pub languages: &'a [Language],
    /// Reference size used if the text needs more than one part.
    pub ref_bits: RefBits,
}

/// The result of [`plan`]: how a text is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Plan {
    pub encoding: Encoding,
    /// Number of parts (1 for a single SMS).
    pub parts: usize,
    /// Capacity of one part in units (septets for GSM 7-bit, UTF-16 code units for UCS-2).
    pub per_part: usize,
    /// Units the whole text takes.
    pub units: usize,
    /// Characters (Unicode scalar values) in the text.
    pub chars: usize,
}

impl Plan {
    /// Whether the parts carry a concatenation IE.
    pub fn is_multipart(&self) -> bool {
        self.parts > 1
    }

    /// Units all parts can hold together.
    pub fn capacity(&self) -> usize {
        self.parts * self.per_part
    }
}

/// Octets of the UDH of each part, its length octet included (0 when there is no UDH).
pub fn udh_octets(encoding: Encoding, multipart: bool, ref_bits: RefBits) -> usize {
    let ies = encoding.shift_ie_octets() + if multipart { ref_bits.concat_ie_octets() } else { 0 };
    if ies == 0 {
        0
    } else {
        1 + ies
    }
}

/// Units one part holds: the user data left after the UDH, in septets (a 7-bit text starts on a
/// septet boundary after the header, so fill bits are lost) or in UTF-16 code units.
pub fn capacity(encoding: Encoding, multipart: bool, ref_bits: RefBits) -> usize {
    let free = MAX_UD_OCTETS.saturating_sub(udh_octets(encoding, multipart, ref_bits));
    match encoding {
        Encoding::Gsm7(_) => free * 8 / 7,
        Encoding::Ucs2 => free / 2,
    }
}

/// Picks the cheapest encoding that represents `text` exactly, and counts its parts.
///
/// Tried are the GSM 7-bit default tables, then for each language in `opts.languages` its
/// locking shift table, its single shift table and both together, then UCS-2. Cheapest means
/// fewest parts; on a tie GSM 7-bit wins over UCS-2, then the smaller UDH, then fewer units (more
/// room left), then the earlier candidate in that order. Parts are counted the way [`segment::split`] cuts them: never inside
/// a character, so an escape pair or a surrogate pair that would straddle a boundary moves to the
/// next part whole. Empty text is one part of zero units.
///
/// Fails with [`Error::TooManyParts`] if even the cheapest encoding needs more than
/// [`MAX_PARTS`] parts.
pub fn plan(text: &str, opts: &Options<'_>) -> Result<Plan, Error> {
    let chars = text.chars().count();
    let mut best: Option<(Plan, usize)> = None;
    let consider = |best: &mut Option<(Plan, usize)>, encoding: Encoding| {
        let Some((candidate, udh)) = candidate(text, chars, encoding, opts.ref_bits) else { return };
        let key = |p: &Plan, udh: usize| (p.parts, p.encoding == Encoding::Ucs2, udh, p.units);
        let cheaper = match best {
            Some((b, b_udh)) => key(&candidate, udh) < key(b, *b_udh),
            None => true,
        };
        if cheaper {
            *best = Some((candidate, udh));
        }
    };

    consider(&mut best, Encoding::GSM7);
    for &lang in opts.languages {
        if lang == Language::Default {
            continue;
        }
        let locking = national::locking_table(lang).is_some();
        if locking {
            consider(&mut best, Encoding::Gsm7(Tables { locking: lang, single: Language::Default }));
        }
        consider(&mut best, Encoding::Gsm7(Tables { locking: Language::Default, single: lang }));
        if locking {
            consider(&mut best, Encoding::Gsm7(Tables { locking: lang, single: lang }));
        }
    }
    // A GSM 7-bit character takes at most two septets, so a text any table pair represents
    // needs at most as many parts as in UCS-2 (80 > 70 characters a part, 76 > 67 in a multipart
    // message), and GSM 7-bit wins ties: UCS-2 is weighed only when no table pair fits.
    if best.is_none() {
        consider(&mut best, Encoding::Ucs2);
    }

    // UCS-2 represents every text, so there always is a candidate.
    let (plan, _) = best.ok_or(Error::Unrepresentable { ch: '\u{FFFD}' })?;
    if plan.parts > MAX_PARTS {
        return Err(Error::TooManyParts { parts: plan.parts });
    }
    Ok(plan)
}

/// The plan for `text` in `encoding` with its UDH octets, or `None` if the encoding cannot
/// represent the text.
fn candidate(text: &str, chars: usize, encoding: Encoding, ref_bits: RefBits) -> Option<(Plan, usize)> {
    let units = encoding.units(text).ok()?;
    let single = capacity(encoding, false, ref_bits);
    let (parts, per_part) = if units <= single {
        (1, single)
    } else {
        let per_part = capacity(encoding, true, ref_bits);
        (segment::count_parts(text, encoding, per_part), per_part)
    };
    let udh = udh_octets(encoding, parts > 1, ref_bits);
    Some((Plan { encoding, parts, per_part, units, chars }, udh))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_plan(text: &str) -> Plan {
        plan(text, &Options::default()).unwrap()
    }

    fn repeat(s: &str, n: usize) -> String {
        s.repeat(n)
    }

    #[test]
    fn capacities_per_part() {
        let turkish = Encoding::Gsm7(Tables { locking: Language::Turkish, single: Language::Default });
        let both = Encoding::Gsm7(Tables { locking: Language::Turkish, single: Language::Turkish });
        let cases: &[(Encoding, bool, RefBits, usize, usize)] = &[
            // (encoding, multipart, ref bits, UDH octets, units per part)
            (Encoding::GSM7, false, RefBits::Eight, 0, 160),
            (Encoding::GSM7, true, RefBits::Eight, 6, 153),
            (Encoding::GSM7, true, RefBits::Sixteen, 7, 152),
            (Encoding::Ucs2, false, RefBits::Eight, 0, 70),
            (Encoding::Ucs2, true, RefBits::Eight, 6, 67),
            (Encoding::Ucs2, true, RefBits::Sixteen, 7, 66),
            (turkish, false, RefBits::Eight, 4, 155),
            (turkish, true, RefBits::Eight, 9, 149),
            (both, false, RefBits::Eight, 7, 152),
            (both, true, RefBits::Eight, 12, 146),
            (both, true, RefBits::Sixteen, 13, 145),
        ];
        for &(enc, multi, rb, udh, cap) in cases {
            assert_eq!(udh_octets(enc, multi, rb), udh, "{enc:?} {multi} {rb:?}");
            assert_eq!(capacity(enc, multi, rb), cap, "{enc:?} {multi} {rb:?}");
        }
    }

    #[test]
    fn table_driven_plans() {
        // (text, expected encoding, parts, per part, units, chars)
        let cases: &[(String, Encoding, usize, usize, usize, usize)] = &[
            (String::new(), Encoding::GSM7, 1, 160, 0, 0),
            ("Hello".into(), Encoding::GSM7, 1, 160, 5, 5),
            (repeat("a", 160), Encoding::GSM7, 1, 160, 160, 160),
            (repeat("a", 161), Encoding::GSM7, 2, 153, 161, 161),
            (repeat("a", 306), Encoding::GSM7, 2, 153, 306, 306),
            (repeat("a", 307), Encoding::GSM7, 3, 153, 307, 307),
            // The euro sign is an escape pair: two septets.
            (repeat("€", 80), Encoding::GSM7, 1, 160, 160, 80),
            (repeat("€", 81), Encoding::GSM7, 2, 153, 162, 81),
            (repeat("ж", 70), Encoding::Ucs2, 1, 70, 70, 70),
            (repeat("ж", 71), Encoding::Ucs2, 2, 67, 71, 71),
            (repeat("ж", 134), Encoding::Ucs2, 2, 67, 134, 134),
            (repeat("ж", 135), Encoding::Ucs2, 3, 67, 135, 135),
            // Outside the BMP: two units each.
            (repeat("😀", 35), Encoding::Ucs2, 1, 70, 70, 35),
            (repeat("😀", 36), Encoding::Ucs2, 2, 67, 72, 36),
        ];
        for (text, enc, parts, per_part, units, chars) in cases {
            let p = default_plan(text);
            assert_eq!(
                p,
                Plan { encoding: *enc, parts: *parts, per_part: *per_part, units: *units, chars: *chars },
                "{} chars of {:?}",
                text.chars().count(),
                text.chars().next()
            );
        }
    }

    #[test]
    fn an_escape_pair_is_never_split_so_it_can_cost_a_part() {
        // 152 plain septets, an escape pair, 152 more: 306 septets, exactly 2 × 153, yet the
        // pair cannot straddle the boundary after septet 153, so a third part is needed.
        let text = format!("{}€{}", repeat("a", 152), repeat("a", 152));
        let p = default_plan(&text);
        assert_eq!((p.parts, p.units), (3, 306));
    }

    #[test]
    fn a_surrogate_pair_is_never_split_so_it_can_cost_a_part() {
        let text = format!("{}😀{}", repeat("ж", 66), repeat("ж", 66));
        let p = default_plan(&text);
        assert_eq!((p.encoding, p.units, p.parts), (Encoding::Ucs2, 134, 3));
    }

    #[test]
    fn sixteen_bit_references_cost_a_septet_per_part() {
        let opts = Options { ref_bits: RefBits::Sixteen, ..Options::default() };
        let p = plan(&repeat("a", 305), &opts).unwrap();
        assert_eq!((p.parts, p.per_part), (3, 152));
        let p = plan(&repeat("a", 304), &opts).unwrap();
        assert_eq!((p.parts, p.per_part), (2, 152));
    }

    #[test]
    fn too_many_parts_is_an_error() {
        assert_eq!(default_plan(&repeat("a", 255 * 153)).parts, 255);
        assert_eq!(plan(&repeat("a", 255 * 153 + 1), &Options::default()), Err(Error::TooManyParts { parts: 256 }));
        assert_eq!(plan(&repeat("ж", 255 * 67 + 1), &Options::default()), Err(Error::TooManyParts { parts: 256 }));
    }

    fn gsm7(locking: Language, single: Language) -> Encoding {
        Encoding::Gsm7(Tables { locking, single })
    }

    #[test]
    fn configured_languages_pick_the_cheapest_tables() {
        use Language::*;
        // (languages, text, expected encoding, parts)
        let cases: &[(&[Language], String, Encoding, usize)] = &[
            // Dotless i: one septet in the Turkish locking table, an escape pair in its single
            // shift table; both cost a 4-octet UDH, so the fewer septets win.
            (&[Turkish], "Günaydın".into(), gsm7(Turkish, Default), 1),
            (&[Turkish], "ı".into(), gsm7(Turkish, Default), 1),
            // '{' is only in the extension tables; the Turkish locking table keeps the default one.
            (&[Turkish], "ğ{".into(), gsm7(Turkish, Default), 1),
            // 'è' is in the default alphabet but not the Turkish locking table: single shift only.
            (&[Turkish], "è ş".into(), gsm7(Default, Turkish), 1),
            // Default-alphabet text never pays for a shift table.
            (&[Turkish, Hindi], "plain text €".into(), Encoding::GSM7, 1),
            // 160 dotless i: 160 septets locking (2 parts of 149), 320 escaped (3), 160 UCS-2 (3).
            (&[Turkish], "ı".repeat(160), gsm7(Turkish, Default), 2),
            (&[Spanish], "¿Qué tal, mamá?".into(), gsm7(Default, Spanish), 1),
            (&[Portuguese], "Você está aí?".into(), gsm7(Portuguese, Default), 1),
            // '{' is in the default extension table, which the Portuguese locking table keeps.
            (&[Portuguese], "Você está aí? {ok}".into(), gsm7(Portuguese, Default), 1),
            // '∞' only in the Portuguese locking table, 'Φ' only in its single shift table.
            (&[Portuguese], "Você ∞ Φ".into(), gsm7(Portuguese, Portuguese), 1),
            (&[Hindi], "नमस्ते".into(), gsm7(Hindi, Default), 1),
            (&[Hindi], "नमस्ते। १२३".into(), gsm7(Hindi, Hindi), 1),
            (&[Spanish, Hindi], "नमस्ते".into(), gsm7(Hindi, Default), 1),
            // A character no configured table has: UCS-2.
            (&[Turkish], "ğ ж".into(), Encoding::Ucs2, 1),
        ];
        for (langs, text, enc, parts) in cases {
            let p = plan(text, &Options { languages: langs, ..Options::default() }).unwrap();
            assert_eq!((p.encoding, p.parts), (*enc, *parts), "{text:?} with {langs:?}");
            assert_eq!(p.units, enc.units(text).unwrap());
        }
    }

    #[test]
    fn shift_tables_shrink_the_parts() {
        let langs = [Language::Turkish];
        let opts = Options { languages: &langs, ..Options::default() };
        let p = plan(&"ı".repeat(155), &opts).unwrap();
        assert_eq!((p.parts, p.per_part), (1, 155));
        let p = plan(&"ı".repeat(156), &opts).unwrap();
        assert_eq!((p.parts, p.per_part), (2, 149));
    }

    #[test]
    fn without_languages_national_characters_need_ucs2() {
        assert_eq!(default_plan("Günaydın").encoding, Encoding::Ucs2);
    }
}
