//! Properties of `encoding::plan` and `segment::split` together: the parts join back to the
//! text, there are exactly as many as planned, each fits, none cuts an escape or surrogate pair,
//! and the count is the minimum, checked against a reference that counts units on its own.

use proptest::prelude::*;
use smsgw::codec::encoding::{plan, Encoding, Options, RefBits};
use smsgw::codec::gsm7::{self, Language, Tables};
use smsgw::codec::segment::{extends_previous, split};

/// Characters chosen to hit every rule: plain GSM 7-bit, escape pairs, UCS-2 only, outside the
/// BMP (surrogate pairs), combining marks, and Turkish / Hindi national characters.
fn atom() -> impl Strategy<Value = char> {
    prop_oneof![
        12 => prop::sample::select(vec!['a', 'Z', ' ', '0', '@', 'é', '\n', 'Ä']),
        4 => prop::sample::select(vec!['€', '[', ']', '{', '}', '~', '^', '|', '\\']),
        1 => prop::sample::select(vec!['ж', 'ç', 'ğ', 'ş', 'İ', '“']),
        1 => prop::sample::select(vec!['😀', '𝄞', '👍']),
        2 => prop::sample::select(vec!['\u{0301}', '\u{0308}', '\u{FE0F}', '\u{1F3FD}']),
        2 => prop::sample::select(vec!['क', 'ि', '्', 'ष', 'अ', '।']),
    ]
}

/// Texts around the part boundaries: up to four 7-bit parts.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(atom(), 0..640).prop_map(|v| v.into_iter().collect())
}

/// Units of `c` in `encoding`, counted without the code under test's counting functions.
fn reference_units(encoding: Encoding, c: char) -> Option<usize> {
    let mut s = [0u8; 4];
    let s = c.encode_utf8(&mut s);
    match encoding {
        Encoding::Gsm7(t) => gsm7::encode(s, t).map(|r| r.ok()).collect::<Option<Vec<u8>>>().map(|v| v.len()),
        Encoding::Ucs2 => Some(c.encode_utf16(&mut [0u16; 2]).len()),
    }
}

/// Fewest parts `text` can take in `encoding` when a character is never cut: one part if the
/// whole fits the single-part capacity, else greedy filling of multipart parts (greedy is optimal
/// for indivisible items kept in order).
fn reference_parts(text: &str, encoding: Encoding, single: usize, multi: usize) -> Option<usize> {
    let costs: Vec<usize> = text.chars().map(|c| reference_units(encoding, c)).collect::<Option<_>>()?;
    if costs.iter().sum::<usize>() <= single {
        return Some(1);
    }
    let (mut parts, mut used) = (1, 0);
    for n in costs {
        if used + n > multi {
            parts += 1;
            used = 0;
        }
        used += n;
    }
    Some(parts)
}

/// Capacities written out from TS 23.040 rather than computed: (single, multipart) per part.
fn capacities(encoding: Encoding, ref_bits: RefBits) -> (usize, usize) {
    let shifts = match encoding {
        Encoding::Gsm7(t) => usize::from(t.locking != Language::Default) + usize::from(t.single != Language::Default),
        Encoding::Ucs2 => 0,
    };
    match (encoding, ref_bits, shifts) {
        (Encoding::Ucs2, RefBits::Eight, _) => (70, 67),
        (Encoding::Ucs2, RefBits::Sixteen, _) => (70, 66),
        (_, RefBits::Eight, 0) => (160, 153),
        (_, RefBits::Sixteen, 0) => (160, 152),
        (_, RefBits::Eight, 1) => (155, 149),
        (_, RefBits::Sixteen, 1) => (155, 148),
        (_, RefBits::Eight, _) => (152, 146),
        (_, RefBits::Sixteen, _) => (152, 145),
    }
}

fn check(text: &str, opts: &Options<'_>) -> Result<(), TestCaseError> {
    let p = plan(text, opts).unwrap();
    let parts: Vec<&str> = split(text, &p).collect();

    prop_assert_eq!(parts.concat(), text);
    prop_assert_eq!(parts.len(), p.parts);
    prop_assert_eq!(p.chars, text.chars().count());

    let (single, multi) = capacities(p.encoding, opts.ref_bits);
    prop_assert_eq!(p.per_part, if p.parts == 1 { single } else { multi });
    let minimal = reference_parts(text, p.encoding, single, multi);
    prop_assert_eq!(Some(p.parts), minimal, "not the fewest parts in {:?}", p.encoding);

    // No cheaper encoding was left out: the default alphabet and UCS-2 each need at least as many.
    for other in [Encoding::Gsm7(Tables::DEFAULT), Encoding::Ucs2] {
        let (s, m) = capacities(other, opts.ref_bits);
        if let Some(n) = reference_parts(text, other, s, m) {
            prop_assert!(n >= p.parts, "{:?} needs {} parts, the plan {}", other, n, p.parts);
        }
    }

    let mut total = 0;
    for part in &parts {
        // Each part encodes on its own: no escape pair or surrogate pair was cut.
        let n: usize = part.chars().map(|c| reference_units(p.encoding, c).unwrap()).sum();
        prop_assert!(n <= p.per_part, "part of {} units, capacity {}", n, p.per_part);
        match p.encoding {
            Encoding::Gsm7(t) => {
                let septets: Vec<u8> = gsm7::encode(part, t).collect::<Result<_, _>>().unwrap();
                prop_assert_eq!(septets.len(), n);
                prop_assert!(septets.last() != Some(&gsm7::ESC), "a part ends inside an escape pair");
            }
            Encoding::Ucs2 => {
                let units: Vec<u16> = part.encode_utf16().collect();
                prop_assert!(!units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)), "high surrogate at the end");
                prop_assert!(
                    !units.first().is_some_and(|u| (0xDC00..0xE000).contains(u)),
                    "low surrogate at the start"
                );
            }
        }
        total += n;
    }
    prop_assert_eq!(total, p.units);

    // A cut just before a combining mark is made only where moving it back to the mark's base
    // character would have needed another part.
    let mut offset = 0;
    for (k, part) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
        offset += part.len();
        let next = text[offset..].chars().next();
        if next.is_some_and(extends_previous) {
            let base = text[..offset]
                .char_indices()
                .rev()
                .find(|&(i, c)| !extends_previous(c) || i == offset - part.len())
                .map(|(i, _)| i)
                .unwrap();
            if base > offset - part.len() {
                let left = p.parts - k - 1;
                let rest = reference_parts(&text[base..], p.encoding, 0, p.per_part).unwrap();
                prop_assert!(rest > left, "cut before a mark at {} although the base could move", offset);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn default_alphabet_and_ucs2(text in text()) {
        check(&text, &Options::default())?;
    }

    #[test]
    fn sixteen_bit_references(text in text()) {
        check(&text, &Options { ref_bits: RefBits::Sixteen, ..Options::default() })?;
    }

    #[test]
    fn with_national_tables(text in text(), sixteen in any::<bool>()) {
        let langs = [Language::Turkish, Language::Hindi];
        let ref_bits = if sixteen { RefBits::Sixteen } else { RefBits::Eight };
        check(&text, &Options { languages: &langs, ref_bits })?;
    }
}
