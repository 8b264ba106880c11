//! Splitting a text into the parts a [`Plan`] says it needs.
//!
//! A cut never falls inside a character, so an escape pair (GSM 7-bit) or a surrogate pair
//! (UCS-2) always travels whole. Within that, parts are filled greedily, which gives the fewest
//! parts; [`plan`](super::encoding::plan) counts them with the same rule ([`count_parts`]), so
//! the two always agree. Where it costs no extra part, a cut is moved back so that a base letter
//! keeps its combining marks (a Devanagari vowel sign, an accent typed as U+0301, an emoji's
//! variation selector): a receiving phone shows each part on its own until it has them all.

use super::encoding::{Encoding, Plan};
use super::ucs2;

/// Ranges of characters that extend the character before them into one user-perceived
/// character: the combining marks (general categories Mn, Mc and Me, Unicode 14) of the blocks
/// SMS texts use in practice, the zero-width (non-)joiners, the emoji skin-tone modifiers, tags
/// and variation selectors. Sorted and disjoint, for a binary search.
const EXTENDING: &[(u32, u32)] = &[
    (0x0300, 0x036F), // combining diacritical marks
    (0x0483, 0x0489), // Cyrillic
    (0x0591, 0x05BD), // Hebrew points
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    (0x0610, 0x061A), // Arabic, Urdu
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06DC),
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    (0x0900, 0x0903), // Devanagari
    (0x093A, 0x093C),
    (0x093E, 0x094F),
    (0x0951, 0x0957),
    (0x0962, 0x0963),
    (0x0981, 0x0983), // Bengali
    (0x09BC, 0x09BC),
    (0x09BE, 0x09C4),
    (0x09C7, 0x09C8),
    (0x09CB, 0x09CD),
    (0x09D7, 0x09D7),
    (0x09E2, 0x09E3),
    (0x09FE, 0x09FE),
    (0x0A01, 0x0A03), // Gurmukhi
    (0x0A3C, 0x0A3C),
    (0x0A3E, 0x0A42),
    (0x0A47, 0x0A48),
    (0x0A4B, 0x0A4D),
    (0x0A51, 0x0A51),
    (0x0A70, 0x0A71),
    (0x0A75, 0x0A75),
    (0x0A81, 0x0A83), // Gujarati
    (0x0ABC, 0x0ABC),
    (0x0ABE, 0x0AC5),
    (0x0AC7, 0x0AC9),
    (0x0ACB, 0x0ACD),
    (0x0AE2, 0x0AE3),
    (0x0AFA, 0x0AFF),
    (0x0B01, 0x0B03), // Oriya
    (0x0B3C, 0x0B3C),
    (0x0B3E, 0x0B44),
    (0x0B47, 0x0B48),
    (0x0B4B, 0x0B4D),
    (0x0B55, 0x0B57),
    (0x0B62, 0x0B63),
    (0x0B82, 0x0B82), // Tamil
    (0x0BBE, 0x0BC2),
    (0x0BC6, 0x0BC8),
    (0x0BCA, 0x0BCD),
    (0x0BD7, 0x0BD7),
    (0x0C00, 0x0C04), // Telugu
    (0x0C3C, 0x0C3C),
    (0x0C3E, 0x0C44),
    (0x0C46, 0x0C48),
    (0x0C4A, 0x0C4D),
    (0x0C55, 0x0C56),
    (0x0C62, 0x0C63),
    (0x0C81, 0x0C83), // Kannada
    (0x0CBC, 0x0CBC),
    (0x0CBE, 0x0CC4),
    (0x0CC6, 0x0CC8),
    (0x0CCA, 0x0CCD),
    (0x0CD5, 0x0CD6),
    (0x0CE2, 0x0CE3),
    (0x0D00, 0x0D03), // Malayalam
    (0x0D3B, 0x0D3C),
    (0x0D3E, 0x0D44),
    (0x0D46, 0x0D48),
    (0x0D4A, 0x0D4D),
    (0x0D57, 0x0D57),
    (0x0D62, 0x0D63),
    (0x0D81, 0x0D83), // Sinhala
    (0x0DCA, 0x0DCA),
    (0x0DCF, 0x0DD4),
    (0x0DD6, 0x0DD6),
    (0x0DD8, 0x0DDF),
    (0x0DF2, 0x0DF3),
    (0x0E31, 0x0E31), // Thai
    (0x0E34, 0x0E3A),
    (0x0E47, 0x0E4E),
    (0x0EB1, 0x0EB1), // Lao
    (0x0EB4, 0x0EBC),
    (0x0EC8, 0x0ECD),
    (0x1AB0, 0x1ACE),   // combining diacritical marks extended
    (0x1DC0, 0x1DFF),   // combining diacritical marks supplement
    (0x200C, 0x200D),   // zero-width non-joiner and joiner
    (0x20D0, 0x20F0),   // combining marks for symbols (keycap U+20E3)
    (0x3099, 0x309A),   // kana voicing marks
    (0xFE00, 0xFE0F),   // variation selectors (emoji presentation U+FE0F)
    (0xFE20, 0xFE2F),   // combining half marks
    (0x1F3FB, 0x1F3FF), // emoji skin-tone modifiers
    (0xE0020, 0xE007F), // tags (flag sub-regions)
    (0xE0100, 0xE01EF), // variation selectors supplement
];

/// Whether `c` extends the character before it (a combining mark and the like), so that a cut
/// just before `c` would separate them.
pub fn extends_previous(c: char) -> bool {
    let c = c as u32;
    EXTENDING
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                core::cmp::Ordering::Less
            } else if lo > c {
                core::cmp::Ordering::Greater
            } else {
                core::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The byte offset of each character of a text and the units it takes in an encoding.
///
/// A character the encoding cannot represent counts one unit: the plan never chose such an
/// encoding for such a text, and the encoder refuses it anyway. For UCS-2 the units are read
/// off the UTF-8 lead bytes without decoding the characters, which makes counting and
/// splitting the long non-Latin texts that need UCS-2 several times faster.
struct CharUnits<'t> {
    text: &'t str,
    pos: usize,
    encoding: Encoding,
}

impl<'t> CharUnits<'t> {
    fn new(text: &'t str, encoding: Encoding) -> CharUnits<'t> {
        CharUnits { text, pos: 0, encoding }
    }
}

impl Iterator for CharUnits<'_> {
    /// (byte offset, units)
    type Item = (usize, usize);

    #[inline]
    fn next(&mut self) -> Option<(usize, usize)> {
        let at = self.pos;
        let units = match self.encoding {
            Encoding::Ucs2 => {
                let (units, len) = ucs2::units_of_lead(*self.text.as_bytes().get(at)?);
                self.pos += len;
                units
            }
            Encoding::Gsm7(_) => {
                let c = self.text.get(at..)?.chars().next()?;
                self.pos += c.len_utf8();
                self.encoding.char_units(c).unwrap_or(1)
            }
        };
        Some((at, units))
    }
}

/// Parts `text` takes in `encoding` at `per_part` units each, filled greedily without cutting a
/// character. Greedy filling is optimal here: a longer prefix in each part never leaves more
/// for the rest. Empty text is one part.
pub fn count_parts(text: &str, encoding: Encoding, per_part: usize) -> usize {
    let mut parts = 1;
    let mut used = 0;
    for (_, n) in CharUnits::new(text, encoding) {
        if used > 0 && used + n > per_part {
            parts += 1;
            used = 0;
        }
        used += n;
    }
    parts
}

/// Splits `text` into the parts `plan` counted; see [`Split`].
pub fn split<'t>(text: &'t str, plan: &Plan) -> Split<'t> {
    Split { rest: text, encoding: plan.encoding, per_part: plan.per_part, parts_left: plan.parts, done: false }
}

/// Iterator over the parts of a text, as `&str` slices of it, returned by [`split`].
///
/// For the [`Plan`] that [`plan`](super::encoding::plan) made for the same text it yields exactly
/// `plan.parts` parts, each within `plan.per_part` units, and they join back to the text. Given a
/// plan made for another text it still never exceeds `per_part` (unless a single character does)
/// and never cuts a character, but the number of parts may differ.
#[derive(Debug, Clone)]
pub struct Split<'t> {
    rest: &'t str,
    encoding: Encoding,
    per_part: usize,
    /// Parts still to come, this one included, as the plan counted them.
    parts_left: usize,
    done: bool,
}

impl<'t> Iterator for Split<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        if self.done {
            return None;
        }
        let rest = self.rest;
        // The greedy cut: as many whole characters as fit, at least one so that we progress.
        let mut used = 0;
        let mut greedy = rest.len();
        for (i, n) in CharUnits::new(rest, self.encoding) {
            if i > 0 && used + n > self.per_part {
                greedy = i;
                break;
            }
            used += n;
        }
        if greedy == rest.len() {
            self.done = true;
            self.rest = "";
            return Some(rest);
        }
        let cut = self.keep_marks_with_base(rest, greedy);
        self.parts_left = self.parts_left.saturating_sub(1);
        let (part, tail) = rest.split_at(cut);
        self.rest = tail;
        Some(part)
    }
}

impl Split<'_> {
    /// Moves a cut at `greedy` back to just before the base character of the marks that follow
    /// it, if the text after the new cut still fits in the parts that remain; else keeps it.
    fn keep_marks_with_base(&self, rest: &str, greedy: usize) -> usize {
        let mut cut = greedy;
        while let Some(c) = rest.get(cut..).and_then(|t| t.chars().next()) {
            if !extends_previous(c) {
                break;
            }
            match rest.get(..cut).and_then(|h| h.char_indices().next_back()) {
                Some((i, _)) => cut = i,
                None => break,
            }
        }
        let remaining_parts = self.parts_left.saturating_sub(1);
        if cut == greedy || cut == 0 {
            return greedy;
        }
        match rest.get(cut..) {
            Some(tail) if count_parts(tail, self.encoding, self.per_part) <= remaining_parts => cut,
            _ => greedy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encoding::{plan, Options};
    use crate::codec::gsm7::{Language, Tables};

    fn parts(text: &str) -> (Plan, Vec<&str>) {
        let p = plan(text, &Options::default()).unwrap();
        (p, split(text, &p).collect())
    }

    fn units(p: &Plan, s: &str) -> usize {
        p.encoding.units(s).unwrap()
    }

    #[test]
    fn extending_table_is_sorted_and_disjoint() {
        for w in EXTENDING.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{:X?}", w);
        }
    }

    #[test]
    fn extending_characters() {
        for c in ['\u{0301}', '\u{093F}', '\u{094D}', '\u{0BCD}', '\u{FE0F}', '\u{20E3}', '\u{1F3FD}', '\u{200D}'] {
            assert!(extends_previous(c), "{c:?} U+{:04X}", c as u32);
        }
        for c in ['a', ' ', 'अ', 'क', '€', '😀', '\u{0964}', '\u{02FF}', '\u{0370}'] {
            assert!(!extends_previous(c), "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn empty_text_is_one_empty_part() {
        let (p, v) = parts("");
        assert_eq!(p.parts, 1);
        assert_eq!(v, [""]);
    }

    #[test]
    fn table_driven_splits() {
        let a152 = "a".repeat(152);
        let a153 = "a".repeat(153);
        let zh66 = "ж".repeat(66);
        // (text, expected parts)
        let cases: Vec<(String, Vec<String>)> = vec![
            ("short".into(), vec!["short".into()]),
            ("a".repeat(160), vec!["a".repeat(160)]),
            (format!("{a153}{}", "b".repeat(8)), vec![a153.clone(), "b".repeat(8)]),
            // The escape pair moves whole to part two.
            (format!("{a152}€{}", "x".repeat(7)), vec![a152.clone(), format!("€{}", "x".repeat(7))]),
            // The surrogate pair moves whole to part two.
            (format!("{zh66}😀{zh66}"), vec![zh66.clone(), format!("😀{}", "ж".repeat(65)), "ж".into()]),
        ];
        for (text, want) in cases {
            let (p, got) = parts(&text);
            assert_eq!(got, want);
            assert_eq!(got.len(), p.parts);
        }
    }

    #[test]
    fn a_cut_moves_back_to_keep_combining_marks_when_that_costs_nothing() {
        // 73 UCS-2 units: two parts of 67. The greedy cut would fall between the two accents
        // of the "e"; the rest fits in part two anyway, so the whole "e" moves there.
        let base = "a".repeat(65);
        let text = format!("{base}e\u{0301}\u{0302}bcdef");
        let (p, got) = parts(&text);
        assert_eq!((p.encoding, p.parts, p.per_part), (Encoding::Ucs2, 2, 67));
        assert_eq!(got, [base.as_str(), "e\u{0301}\u{0302}bcdef"]);
    }

    #[test]
    fn a_cut_stays_greedy_when_moving_it_would_cost_a_part() {
        // The same, but part two is full: moving the cut back would need a third part, so the
        // plan's minimum wins over keeping the accents together.
        let text = format!("{}e\u{0301}\u{0302}{}", "a".repeat(65), "b".repeat(65));
        let (p, got) = parts(&text);
        assert_eq!((p.parts, p.units), (2, 133));
        assert_eq!(got, [format!("{}e\u{0301}", "a".repeat(65)), format!("\u{0302}{}", "b".repeat(65))]);
        assert!(got.iter().all(|s| units(&p, s) <= p.per_part));
    }

    #[test]
    fn hindi_vowel_signs_stay_with_their_consonant() {
        // "कि" is KA + VOWEL SIGN I; with the Hindi locking table each is one septet.
        let langs = [Language::Hindi];
        let opts = Options { languages: &langs, ..Options::default() };
        // 163 septets: two parts of 149. The greedy cut falls between KA and its vowel sign.
        let text = format!("{}कि ok{}", "क".repeat(148), "क".repeat(10));
        let p = plan(&text, &opts).unwrap();
        assert_eq!(p.encoding, Encoding::Gsm7(Tables { locking: Language::Hindi, single: Language::Default }));
        let got: Vec<&str> = split(&text, &p).collect();
        assert_eq!((got.len(), p.parts, p.per_part), (2, 2, 149));
        assert!(got[1].starts_with("कि"), "{:?}", got[1]);
        assert_eq!(got.concat(), text);
    }

    #[test]
    fn a_bogus_plan_does_not_loop_or_panic() {
        let p = Plan { encoding: Encoding::GSM7, parts: 1, per_part: 0, units: 0, chars: 0 };
        let got: Vec<&str> = split("ab€", &p).collect();
        assert_eq!(got, ["a", "b", "€"]);
    }
}
