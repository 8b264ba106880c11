//! National language single and locking shift tables of TS 23.038 §A.2 and §A.3.
//! Used only when configured; see [`super::gsm7::Tables`].
//!
//! The tables follow TS 23.038 Annex A. They were compared entry by entry with three independent
//! public transcriptions (of Releases 9, 16 and 18); every difference was resolved as follows,
//! and a test pins each resolution:
//!
//! - Indic locking tables, 0x2C: COMMA, as in two of the transcriptions; the third has an
//!   apostrophe, which the Indic single shift tables already carry at 0x09. Without it these
//!   tables would have no comma at all.
//! - Kannada locking table, 0x24: U+0CA1 KANNADA LETTER DDA. The printed table repeats U+0CAA
//!   (also at 0x3D) here, which would leave DDA unencodable; the consonants around it run in
//!   Unicode order U+0C9F, U+0CA0, _, U+0CA2. Android handsets send DDA here.
//! - Telugu single shift table, 0x65: EURO SIGN, as at 0x65 in every other single shift table;
//!   one transcription lacks it.
//!
//! A locking shift table leaves some code points unused; they hold [`UNUSED`], which
//! [`Tables::encode_char`](super::gsm7::Tables::encode_char) never matches. Position 0x1B holds
//! the escape, as in the default alphabet, and is never an encoding of a character either.

use super::gsm7::Language;

/// What a locking shift table holds at a code point it leaves unused. U+FFFF is a noncharacter
/// that no text should carry, and the encoder refuses it outright, so no character is ever
/// written as an unused code point. A received unused code point decodes to U+FFFD.
pub const UNUSED: char = '\u{FFFF}';

/// Short name for [`UNUSED`] that keeps the tables readable.
const U: char = UNUSED;

/// The locking shift table of `lang` (replaces the default alphabet), if TS 23.038 defines one.
pub fn locking_table(lang: Language) -> Option<&'static [char; 128]> {
    match lang {
        Language::Default | Language::Spanish => None,
        Language::Turkish => Some(&TURKISH_LOCKING),
        Language::Portuguese => Some(&PORTUGUESE_LOCKING),
        Language::Bengali => Some(&BENGALI_LOCKING),
        Language::Gujarati => Some(&GUJARATI_LOCKING),
        Language::Hindi => Some(&HINDI_LOCKING),
        Language::Kannada => Some(&KANNADA_LOCKING),
        Language::Malayalam => Some(&MALAYALAM_LOCKING),
        Language::Oriya => Some(&ORIYA_LOCKING),
        Language::Punjabi => Some(&PUNJABI_LOCKING),
        Language::Tamil => Some(&TAMIL_LOCKING),
        Language::Telugu => Some(&TELUGU_LOCKING),
        Language::Urdu => Some(&URDU_LOCKING),
    }
}

/// The single shift table of `lang` (replaces the extension table): (septet after ESC, character),
/// sorted by septet. Empty for [`Language::Default`], whose table is [`super::gsm7::EXTENSION`].
pub fn single_shift_table(lang: Language) -> &'static [(u8, char)] {
    match lang {
        Language::Default => &[],
        Language::Turkish => &TURKISH_SINGLE,
        Language::Spanish => &SPANISH_SINGLE,
        Language::Portuguese => &PORTUGUESE_SINGLE,
        Language::Bengali => &BENGALI_SINGLE,
        Language::Gujarati => &GUJARATI_SINGLE,
        Language::Hindi => &HINDI_SINGLE,
        Language::Kannada => &KANNADA_SINGLE,
        Language::Malayalam => &MALAYALAM_SINGLE,
        Language::Oriya => &ORIYA_SINGLE,
        Language::Punjabi => &PUNJABI_SINGLE,
        Language::Tamil => &TAMIL_SINGLE,
        Language::Telugu => &TELUGU_SINGLE,
        Language::Urdu => &URDU_SINGLE,
    }
}

/// Turkish national language locking shift table (TS 23.038 §A.3.1).
#[rustfmt::skip]
pub static TURKISH_LOCKING: [char; 128] = [
    '@', '£', '$', '¥', '€', 'é', 'ù', 'ı', // 0x00
    'ò', 'Ç', '\n', 'Ğ', 'ğ', '\r', 'Å', 'å', // 0x08
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', // 0x10
    'Σ', 'Θ', 'Ξ', '\u{1B}', 'Ş', 'ş', 'ß', 'É', // 0x18
    ' ', '!', '"', '#', '¤', '%', '&', '\'', // 0x20
    '(', ')', '*', '+', ',', '-', '.', '/', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', '<', '=', '>', '?', // 0x38
    'İ', 'A', 'B', 'C', 'D', 'E', 'F', 'G', // 0x40
    'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', // 0x48
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', // 0x50
    'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', // 0x58
    'ç', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', // 0x78
];

/// Portuguese national language locking shift table (TS 23.038 §A.3.3).
#[rustfmt::skip]
pub static PORTUGUESE_LOCKING: [char; 128] = [
    '@', '£', '$', '¥', 'ê', 'é', 'ú', 'í', // 0x00
    'ó', 'ç', '\n', 'Ô', 'ô', '\r', 'Á', 'á', // 0x08
    'Δ', '_', 'ª', 'Ç', 'À', '∞', '^', '\\', // 0x10
    '€', 'Ó', '|', '\u{1B}', 'Â', 'â', 'Ê', 'É', // 0x18
    ' ', '!', '"', '#', 'º', '%', '&', '\'', // 0x20
    '(', ')', '*', '+', ',', '-', '.', '/', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', '<', '=', '>', '?', // 0x38
    'Í', 'A', 'B', 'C', 'D', 'E', 'F', 'G', // 0x40
    'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', // 0x48
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', // 0x50
    'X', 'Y', 'Z', 'Ã', 'Õ', 'Ú', 'Ü', '§', // 0x58
    '~', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', 'ã', 'õ', '`', 'ü', 'à', // 0x78
];

/// Bengali national language locking shift table (TS 23.038 §A.3.4).
#[rustfmt::skip]
pub static BENGALI_LOCKING: [char; 128] = [
    '\u{0981}', '\u{0982}', '\u{0983}', '\u{0985}', '\u{0986}', '\u{0987}', '\u{0988}', '\u{0989}', // 0x00
    '\u{098A}', '\u{098B}', '\n', '\u{098C}', U, '\r', U, '\u{098F}', // 0x08
    '\u{0990}', U, U, '\u{0993}', '\u{0994}', '\u{0995}', '\u{0996}', '\u{0997}', // 0x10
    '\u{0998}', '\u{0999}', '\u{099A}', '\u{1B}', '\u{099B}', '\u{099C}', '\u{099D}', '\u{099E}', // 0x18
    ' ', '!', '\u{099F}', '\u{09A0}', '\u{09A1}', '\u{09A2}', '\u{09A3}', '\u{09A4}', // 0x20
    ')', '(', '\u{09A5}', '\u{09A6}', ',', '\u{09A7}', '.', '\u{09A8}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{09AA}', '\u{09AB}', '?', // 0x38
    '\u{09AC}', '\u{09AD}', '\u{09AE}', '\u{09AF}', '\u{09B0}', U, '\u{09B2}', U, // 0x40
    U, U, '\u{09B6}', '\u{09B7}', '\u{09B8}', '\u{09B9}', '\u{09BC}', '\u{09BD}', // 0x48
    '\u{09BE}', '\u{09BF}', '\u{09C0}', '\u{09C1}', '\u{09C2}', '\u{09C3}', '\u{09C4}', U, // 0x50
    U, '\u{09C7}', '\u{09C8}', U, U, '\u{09CB}', '\u{09CC}', '\u{09CD}', // 0x58
    '\u{09CE}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{09D7}', '\u{09DC}', '\u{09DD}', '\u{09F0}', '\u{09F1}', // 0x78
];

/// Gujarati national language locking shift table (TS 23.038 §A.3.5).
#[rustfmt::skip]
pub static GUJARATI_LOCKING: [char; 128] = [
    '\u{0A81}', '\u{0A82}', '\u{0A83}', '\u{0A85}', '\u{0A86}', '\u{0A87}', '\u{0A88}', '\u{0A89}', // 0x00
    '\u{0A8A}', '\u{0A8B}', '\n', '\u{0A8C}', '\u{0A8D}', '\r', U, '\u{0A8F}', // 0x08
    '\u{0A90}', '\u{0A91}', U, '\u{0A93}', '\u{0A94}', '\u{0A95}', '\u{0A96}', '\u{0A97}', // 0x10
    '\u{0A98}', '\u{0A99}', '\u{0A9A}', '\u{1B}', '\u{0A9B}', '\u{0A9C}', '\u{0A9D}', '\u{0A9E}', // 0x18
    ' ', '!', '\u{0A9F}', '\u{0AA0}', '\u{0AA1}', '\u{0AA2}', '\u{0AA3}', '\u{0AA4}', // 0x20
    ')', '(', '\u{0AA5}', '\u{0AA6}', ',', '\u{0AA7}', '.', '\u{0AA8}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{0AAA}', '\u{0AAB}', '?', // 0x38
    '\u{0AAC}', '\u{0AAD}', '\u{0AAE}', '\u{0AAF}', '\u{0AB0}', U, '\u{0AB2}', '\u{0AB3}', // 0x40
    U, '\u{0AB5}', '\u{0AB6}', '\u{0AB7}', '\u{0AB8}', '\u{0AB9}', '\u{0ABC}', '\u{0ABD}', // 0x48
    '\u{0ABE}', '\u{0ABF}', '\u{0AC0}', '\u{0AC1}', '\u{0AC2}', '\u{0AC3}', '\u{0AC4}', '\u{0AC5}', // 0x50
    U, '\u{0AC7}', '\u{0AC8}', '\u{0AC9}', U, '\u{0ACB}', '\u{0ACC}', '\u{0ACD}', // 0x58
    '\u{0AD0}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0AE0}', '\u{0AE1}', '\u{0AE2}', '\u{0AE3}', '\u{0AF1}', // 0x78
];

/// Hindi national language locking shift table (TS 23.038 §A.3.6).
#[rustfmt::skip]
pub static HINDI_LOCKING: [char; 128] = [
    '\u{0901}', '\u{0902}', '\u{0903}', '\u{0905}', '\u{0906}', '\u{0907}', '\u{0908}', '\u{0909}', // 0x00
    '\u{090A}', '\u{090B}', '\n', '\u{090C}', '\u{090D}', '\r', '\u{090E}', '\u{090F}', // 0x08
    '\u{0910}', '\u{0911}', '\u{0912}', '\u{0913}', '\u{0914}', '\u{0915}', '\u{0916}', '\u{0917}', // 0x10
    '\u{0918}', '\u{0919}', '\u{091A}', '\u{1B}', '\u{091B}', '\u{091C}', '\u{091D}', '\u{091E}', // 0x18
    ' ', '!', '\u{091F}', '\u{0920}', '\u{0921}', '\u{0922}', '\u{0923}', '\u{0924}', // 0x20
    ')', '(', '\u{0925}', '\u{0926}', ',', '\u{0927}', '.', '\u{0928}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', '\u{0929}', '\u{092A}', '\u{092B}', '?', // 0x38
    '\u{092C}', '\u{092D}', '\u{092E}', '\u{092F}', '\u{0930}', '\u{0931}', '\u{0932}', '\u{0933}', // 0x40
    '\u{0934}', '\u{0935}', '\u{0936}', '\u{0937}', '\u{0938}', '\u{0939}', '\u{093C}', '\u{093D}', // 0x48
    '\u{093E}', '\u{093F}', '\u{0940}', '\u{0941}', '\u{0942}', '\u{0943}', '\u{0944}', '\u{0945}', // 0x50
    '\u{0946}', '\u{0947}', '\u{0948}', '\u{0949}', '\u{094A}', '\u{094B}', '\u{094C}', '\u{094D}', // 0x58
    '\u{0950}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0972}', '\u{097B}', '\u{097C}', '\u{097E}', '\u{097F}', // 0x78
];

/// Kannada national language locking shift table (TS 23.038 §A.3.7).
#[rustfmt::skip]
pub static KANNADA_LOCKING: [char; 128] = [
    U, '\u{0C82}', '\u{0C83}', '\u{0C85}', '\u{0C86}', '\u{0C87}', '\u{0C88}', '\u{0C89}', // 0x00
    '\u{0C8A}', '\u{0C8B}', '\n', '\u{0C8C}', U, '\r', '\u{0C8E}', '\u{0C8F}', // 0x08
    '\u{0C90}', U, '\u{0C92}', '\u{0C93}', '\u{0C94}', '\u{0C95}', '\u{0C96}', '\u{0C97}', // 0x10
    '\u{0C98}', '\u{0C99}', '\u{0C9A}', '\u{1B}', '\u{0C9B}', '\u{0C9C}', '\u{0C9D}', '\u{0C9E}', // 0x18
    ' ', '!', '\u{0C9F}', '\u{0CA0}', '\u{0CA1}', '\u{0CA2}', '\u{0CA3}', '\u{0CA4}', // 0x20
    ')', '(', '\u{0CA5}', '\u{0CA6}', ',', '\u{0CA7}', '.', '\u{0CA8}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{0CAA}', '\u{0CAB}', '?', // 0x38
    '\u{0CAC}', '\u{0CAD}', '\u{0CAE}', '\u{0CAF}', '\u{0CB0}', '\u{0CB1}', '\u{0CB2}', '\u{0CB3}', // 0x40
    U, '\u{0CB5}', '\u{0CB6}', '\u{0CB7}', '\u{0CB8}', '\u{0CB9}', '\u{0CBC}', '\u{0CBD}', // 0x48
    '\u{0CBE}', '\u{0CBF}', '\u{0CC0}', '\u{0CC1}', '\u{0CC2}', '\u{0CC3}', '\u{0CC4}', U, // 0x50
    '\u{0CC6}', '\u{0CC7}', '\u{0CC8}', U, '\u{0CCA}', '\u{0CCB}', '\u{0CCC}', '\u{0CCD}', // 0x58
    '\u{0CD5}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0CD6}', '\u{0CE0}', '\u{0CE1}', '\u{0CE2}', '\u{0CE3}', // 0x78
];

/// Malayalam national language locking shift table (TS 23.038 §A.3.8).
#[rustfmt::skip]
pub static MALAYALAM_LOCKING: [char; 128] = [
    U, '\u{0D02}', '\u{0D03}', '\u{0D05}', '\u{0D06}', '\u{0D07}', '\u{0D08}', '\u{0D09}', // 0x00
    '\u{0D0A}', '\u{0D0B}', '\n', '\u{0D0C}', U, '\r', '\u{0D0E}', '\u{0D0F}', // 0x08
    '\u{0D10}', U, '\u{0D12}', '\u{0D13}', '\u{0D14}', '\u{0D15}', '\u{0D16}', '\u{0D17}', // 0x10
    '\u{0D18}', '\u{0D19}', '\u{0D1A}', '\u{1B}', '\u{0D1B}', '\u{0D1C}', '\u{0D1D}', '\u{0D1E}', // 0x18
    ' ', '!', '\u{0D1F}', '\u{0D20}', '\u{0D21}', '\u{0D22}', '\u{0D23}', '\u{0D24}', // 0x20
    ')', '(', '\u{0D25}', '\u{0D26}', ',', '\u{0D27}', '.', '\u{0D28}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{0D2A}', '\u{0D2B}', '?', // 0x38
    '\u{0D2C}', '\u{0D2D}', '\u{0D2E}', '\u{0D2F}', '\u{0D30}', '\u{0D31}', '\u{0D32}', '\u{0D33}', // 0x40
    '\u{0D34}', '\u{0D35}', '\u{0D36}', '\u{0D37}', '\u{0D38}', '\u{0D39}', U, '\u{0D3D}', // 0x48
    '\u{0D3E}', '\u{0D3F}', '\u{0D40}', '\u{0D41}', '\u{0D42}', '\u{0D43}', '\u{0D44}', U, // 0x50
    '\u{0D46}', '\u{0D47}', '\u{0D48}', U, '\u{0D4A}', '\u{0D4B}', '\u{0D4C}', '\u{0D4D}', // 0x58
    '\u{0D57}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0D60}', '\u{0D61}', '\u{0D62}', '\u{0D63}', '\u{0D79}', // 0x78
];

/// Oriya national language locking shift table (TS 23.038 §A.3.9).
#[rustfmt::skip]
pub static ORIYA_LOCKING: [char; 128] = [
    '\u{0B01}', '\u{0B02}', '\u{0B03}', '\u{0B05}', '\u{0B06}', '\u{0B07}', '\u{0B08}', '\u{0B09}', // 0x00
    '\u{0B0A}', '\u{0B0B}', '\n', '\u{0B0C}', U, '\r', U, '\u{0B0F}', // 0x08
    '\u{0B10}', U, U, '\u{0B13}', '\u{0B14}', '\u{0B15}', '\u{0B16}', '\u{0B17}', // 0x10
    '\u{0B18}', '\u{0B19}', '\u{0B1A}', '\u{1B}', '\u{0B1B}', '\u{0B1C}', '\u{0B1D}', '\u{0B1E}', // 0x18
    ' ', '!', '\u{0B1F}', '\u{0B20}', '\u{0B21}', '\u{0B22}', '\u{0B23}', '\u{0B24}', // 0x20
    ')', '(', '\u{0B25}', '\u{0B26}', ',', '\u{0B27}', '.', '\u{0B28}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{0B2A}', '\u{0B2B}', '?', // 0x38
    '\u{0B2C}', '\u{0B2D}', '\u{0B2E}', '\u{0B2F}', '\u{0B30}', U, '\u{0B32}', '\u{0B33}', // 0x40
    U, '\u{0B35}', '\u{0B36}', '\u{0B37}', '\u{0B38}', '\u{0B39}', '\u{0B3C}', '\u{0B3D}', // 0x48
    '\u{0B3E}', '\u{0B3F}', '\u{0B40}', '\u{0B41}', '\u{0B42}', '\u{0B43}', '\u{0B44}', U, // 0x50
    U, '\u{0B47}', '\u{0B48}', U, U, '\u{0B4B}', '\u{0B4C}', '\u{0B4D}', // 0x58
    '\u{0B56}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0B57}', '\u{0B60}', '\u{0B61}', '\u{0B62}', '\u{0B63}', // 0x78
];

/// Punjabi national language locking shift table (TS 23.038 §A.3.10).
#[rustfmt::skip]
pub static PUNJABI_LOCKING: [char; 128] = [
    '\u{0A01}', '\u{0A02}', '\u{0A03}', '\u{0A05}', '\u{0A06}', '\u{0A07}', '\u{0A08}', '\u{0A09}', // 0x00
    '\u{0A0A}', U, '\n', U, U, '\r', U, '\u{0A0F}', // 0x08
    '\u{0A10}', U, U, '\u{0A13}', '\u{0A14}', '\u{0A15}', '\u{0A16}', '\u{0A17}', // 0x10
    '\u{0A18}', '\u{0A19}', '\u{0A1A}', '\u{1B}', '\u{0A1B}', '\u{0A1C}', '\u{0A1D}', '\u{0A1E}', // 0x18
    ' ', '!', '\u{0A1F}', '\u{0A20}', '\u{0A21}', '\u{0A22}', '\u{0A23}', '\u{0A24}', // 0x20
    ')', '(', '\u{0A25}', '\u{0A26}', ',', '\u{0A27}', '.', '\u{0A28}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{0A2A}', '\u{0A2B}', '?', // 0x38
    '\u{0A2C}', '\u{0A2D}', '\u{0A2E}', '\u{0A2F}', '\u{0A30}', U, '\u{0A32}', '\u{0A33}', // 0x40
    U, '\u{0A35}', '\u{0A36}', U, '\u{0A38}', '\u{0A39}', '\u{0A3C}', U, // 0x48
    '\u{0A3E}', '\u{0A3F}', '\u{0A40}', '\u{0A41}', '\u{0A42}', U, U, U, // 0x50
    U, '\u{0A47}', '\u{0A48}', U, U, '\u{0A4B}', '\u{0A4C}', '\u{0A4D}', // 0x58
    '\u{0A51}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0A70}', '\u{0A71}', '\u{0A72}', '\u{0A73}', '\u{0A74}', // 0x78
];

/// Tamil national language locking shift table (TS 23.038 §A.3.11).
#[rustfmt::skip]
pub static TAMIL_LOCKING: [char; 128] = [
    U, '\u{0B82}', '\u{0B83}', '\u{0B85}', '\u{0B86}', '\u{0B87}', '\u{0B88}', '\u{0B89}', // 0x00
    '\u{0B8A}', U, '\n', U, U, '\r', '\u{0B8E}', '\u{0B8F}', // 0x08
    '\u{0B90}', U, '\u{0B92}', '\u{0B93}', '\u{0B94}', '\u{0B95}', U, U, // 0x10
    U, '\u{0B99}', '\u{0B9A}', '\u{1B}', U, '\u{0B9C}', U, '\u{0B9E}', // 0x18
    ' ', '!', '\u{0B9F}', U, U, U, '\u{0BA3}', '\u{0BA4}', // 0x20
    ')', '(', U, U, ',', U, '.', '\u{0BA8}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', '\u{0BA9}', '\u{0BAA}', U, '?', // 0x38
    U, U, '\u{0BAE}', '\u{0BAF}', '\u{0BB0}', '\u{0BB1}', '\u{0BB2}', '\u{0BB3}', // 0x40
    '\u{0BB4}', '\u{0BB5}', '\u{0BB6}', '\u{0BB7}', '\u{0BB8}', '\u{0BB9}', U, U, // 0x48
    '\u{0BBE}', '\u{0BBF}', '\u{0BC0}', '\u{0BC1}', '\u{0BC2}', U, U, U, // 0x50
    '\u{0BC6}', '\u{0BC7}', '\u{0BC8}', U, '\u{0BCA}', '\u{0BCB}', '\u{0BCC}', '\u{0BCD}', // 0x58
    '\u{0BD0}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0BD7}', '\u{0BF0}', '\u{0BF1}', '\u{0BF2}', '\u{0BF9}', // 0x78
];

/// Telugu national language locking shift table (TS 23.038 §A.3.12).
#[rustfmt::skip]
pub static TELUGU_LOCKING: [char; 128] = [
    '\u{0C01}', '\u{0C02}', '\u{0C03}', '\u{0C05}', '\u{0C06}', '\u{0C07}', '\u{0C08}', '\u{0C09}', // 0x00
    '\u{0C0A}', '\u{0C0B}', '\n', '\u{0C0C}', U, '\r', '\u{0C0E}', '\u{0C0F}', // 0x08
    '\u{0C10}', U, '\u{0C12}', '\u{0C13}', '\u{0C14}', '\u{0C15}', '\u{0C16}', '\u{0C17}', // 0x10
    '\u{0C18}', '\u{0C19}', '\u{0C1A}', '\u{1B}', '\u{0C1B}', '\u{0C1C}', '\u{0C1D}', '\u{0C1E}', // 0x18
    ' ', '!', '\u{0C1F}', '\u{0C20}', '\u{0C21}', '\u{0C22}', '\u{0C23}', '\u{0C24}', // 0x20
    ')', '(', '\u{0C25}', '\u{0C26}', ',', '\u{0C27}', '.', '\u{0C28}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', U, '\u{0C2A}', '\u{0C2B}', '?', // 0x38
    '\u{0C2C}', '\u{0C2D}', '\u{0C2E}', '\u{0C2F}', '\u{0C30}', '\u{0C31}', '\u{0C32}', '\u{0C33}', // 0x40
    U, '\u{0C35}', '\u{0C36}', '\u{0C37}', '\u{0C38}', '\u{0C39}', U, '\u{0C3D}', // 0x48
    '\u{0C3E}', '\u{0C3F}', '\u{0C40}', '\u{0C41}', '\u{0C42}', '\u{0C43}', '\u{0C44}', U, // 0x50
    '\u{0C46}', '\u{0C47}', '\u{0C48}', U, '\u{0C4A}', '\u{0C4B}', '\u{0C4C}', '\u{0C4D}', // 0x58
    '\u{0C55}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0C56}', '\u{0C60}', '\u{0C61}', '\u{0C62}', '\u{0C63}', // 0x78
];

/// Urdu national language locking shift table (TS 23.038 §A.3.13).
#[rustfmt::skip]
pub static URDU_LOCKING: [char; 128] = [
    '\u{0627}', '\u{0622}', '\u{0628}', '\u{067B}', '\u{0680}', '\u{067E}', '\u{06A6}', '\u{062A}', // 0x00
    '\u{06C2}', '\u{067F}', '\n', '\u{0679}', '\u{067D}', '\r', '\u{067A}', '\u{067C}', // 0x08
    '\u{062B}', '\u{062C}', '\u{0681}', '\u{0684}', '\u{0683}', '\u{0685}', '\u{0686}', '\u{0687}', // 0x10
    '\u{062D}', '\u{062E}', '\u{062F}', '\u{1B}', '\u{068C}', '\u{0688}', '\u{0689}', '\u{068A}', // 0x18
    ' ', '!', '\u{068F}', '\u{068D}', '\u{0630}', '\u{0631}', '\u{0691}', '\u{0693}', // 0x20
    ')', '(', '\u{0699}', '\u{0632}', ',', '\u{0696}', '.', '\u{0698}', // 0x28
    '0', '1', '2', '3', '4', '5', '6', '7', // 0x30
    '8', '9', ':', ';', '\u{069A}', '\u{0633}', '\u{0634}', '?', // 0x38
    '\u{0635}', '\u{0636}', '\u{0637}', '\u{0638}', '\u{0639}', '\u{0641}', '\u{0642}', '\u{06A9}', // 0x40
    '\u{06AA}', '\u{06AB}', '\u{06AF}', '\u{06B3}', '\u{06B1}', '\u{0644}', '\u{0645}', '\u{0646}', // 0x48
    '\u{06BA}', '\u{06BB}', '\u{06BC}', '\u{0648}', '\u{06C4}', '\u{06D5}', '\u{06C1}', '\u{06BE}', // 0x50
    '\u{0621}', '\u{06CC}', '\u{06D0}', '\u{06D2}', '\u{064D}', '\u{0650}', '\u{064F}', '\u{0657}', // 0x58
    '\u{0654}', 'a', 'b', 'c', 'd', 'e', 'f', 'g', // 0x60
    'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', // 0x68
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', // 0x70
    'x', 'y', 'z', '\u{0655}', '\u{0651}', '\u{0653}', '\u{0656}', '\u{0670}', // 0x78
];

/// Turkish national language single shift table (TS 23.038 §A.2.1): (septet after ESC, character).
#[rustfmt::skip]
pub static TURKISH_SINGLE: [(u8, char); 17] = [
    (0x0A, '\u{0C}'), (0x14, '^'), (0x28, '{'), (0x29, '}'), (0x2F, '\\'), (0x3C, '['),
    (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x47, 'Ğ'), (0x49, 'İ'), (0x53, 'Ş'),
    (0x63, 'ç'), (0x65, '€'), (0x67, 'ğ'), (0x69, 'ı'), (0x73, 'ş'),
];

/// Spanish national language single shift table (TS 23.038 §A.2.2): (septet after ESC, character).
#[rustfmt::skip]
pub static SPANISH_SINGLE: [(u8, char); 19] = [
    (0x09, 'ç'), (0x0A, '\u{0C}'), (0x14, '^'), (0x28, '{'), (0x29, '}'), (0x2F, '\\'),
    (0x3C, '['), (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x41, 'Á'), (0x49, 'Í'),
    (0x4F, 'Ó'), (0x55, 'Ú'), (0x61, 'á'), (0x65, '€'), (0x69, 'í'), (0x6F, 'ó'),
    (0x75, 'ú'),
];

/// Portuguese national language single shift table (TS 23.038 §A.2.3): (septet after ESC, character).
#[rustfmt::skip]
pub static PORTUGUESE_SINGLE: [(u8, char); 37] = [
    (0x05, 'ê'), (0x09, 'ç'), (0x0A, '\u{0C}'), (0x0B, 'Ô'), (0x0C, 'ô'), (0x0E, 'Á'),
    (0x0F, 'á'), (0x12, 'Φ'), (0x13, 'Γ'), (0x14, '^'), (0x15, 'Ω'), (0x16, 'Π'),
    (0x17, 'Ψ'), (0x18, 'Σ'), (0x19, 'Θ'), (0x1F, 'Ê'), (0x28, '{'), (0x29, '}'),
    (0x2F, '\\'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x41, 'À'),
    (0x49, 'Í'), (0x4F, 'Ó'), (0x55, 'Ú'), (0x5B, 'Ã'), (0x5C, 'Õ'), (0x61, 'Â'),
    (0x65, '€'), (0x69, 'í'), (0x6F, 'ó'), (0x75, 'ú'), (0x7B, 'ã'), (0x7C, 'õ'),
    (0x7F, 'â'),
];

/// Bengali national language single shift table (TS 23.038 §A.2.4): (septet after ESC, character).
#[rustfmt::skip]
pub static BENGALI_SINGLE: [(u8, char); 82] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{09E6}'), (0x1A, '\u{09E7}'), (0x1C, '\u{09E8}'), (0x1D, '\u{09E9}'), (0x1E, '\u{09EA}'), (0x1F, '\u{09EB}'),
    (0x20, '\u{09EC}'), (0x21, '\u{09ED}'), (0x22, '\u{09EE}'), (0x23, '\u{09EF}'), (0x24, '\u{09DF}'), (0x25, '\u{09E0}'),
    (0x26, '\u{09E1}'), (0x27, '\u{09E2}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{09E3}'), (0x2B, '\u{09F2}'),
    (0x2C, '\u{09F3}'), (0x2D, '\u{09F4}'), (0x2E, '\u{09F5}'), (0x2F, '\\'), (0x30, '\u{09F6}'), (0x31, '\u{09F7}'),
    (0x32, '\u{09F8}'), (0x33, '\u{09F9}'), (0x34, '\u{09FA}'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'),
    (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'), (0x45, 'E'),
    (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'),
    (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'),
    (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'), (0x57, 'W'),
    (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Gujarati national language single shift table (TS 23.038 §A.2.5): (septet after ESC, character).
#[rustfmt::skip]
pub static GUJARATI_SINGLE: [(u8, char); 70] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0AE6}'), (0x1D, '\u{0AE7}'), (0x1E, '\u{0AE8}'), (0x1F, '\u{0AE9}'),
    (0x20, '\u{0AEA}'), (0x21, '\u{0AEB}'), (0x22, '\u{0AEC}'), (0x23, '\u{0AED}'), (0x24, '\u{0AEE}'), (0x25, '\u{0AEF}'),
    (0x28, '{'), (0x29, '}'), (0x2F, '\\'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'),
    (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'), (0x45, 'E'),
    (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'),
    (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'),
    (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'), (0x57, 'W'),
    (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Hindi national language single shift table (TS 23.038 §A.2.6): (septet after ESC, character).
#[rustfmt::skip]
pub static HINDI_SINGLE: [(u8, char); 88] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0966}'), (0x1D, '\u{0967}'), (0x1E, '\u{0968}'), (0x1F, '\u{0969}'),
    (0x20, '\u{096A}'), (0x21, '\u{096B}'), (0x22, '\u{096C}'), (0x23, '\u{096D}'), (0x24, '\u{096E}'), (0x25, '\u{096F}'),
    (0x26, '\u{0951}'), (0x27, '\u{0952}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{0953}'), (0x2B, '\u{0954}'),
    (0x2C, '\u{0958}'), (0x2D, '\u{0959}'), (0x2E, '\u{095A}'), (0x2F, '\\'), (0x30, '\u{095B}'), (0x31, '\u{095C}'),
    (0x32, '\u{095D}'), (0x33, '\u{095E}'), (0x34, '\u{095F}'), (0x35, '\u{0960}'), (0x36, '\u{0961}'), (0x37, '\u{0962}'),
    (0x38, '\u{0963}'), (0x39, '\u{0970}'), (0x3A, '\u{0971}'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'),
    (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'), (0x45, 'E'),
    (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'),
    (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'),
    (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'), (0x57, 'W'),
    (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Kannada national language single shift table (TS 23.038 §A.2.7): (septet after ESC, character).
#[rustfmt::skip]
pub static KANNADA_SINGLE: [(u8, char); 73] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0CE6}'), (0x1D, '\u{0CE7}'), (0x1E, '\u{0CE8}'), (0x1F, '\u{0CE9}'),
    (0x20, '\u{0CEA}'), (0x21, '\u{0CEB}'), (0x22, '\u{0CEC}'), (0x23, '\u{0CED}'), (0x24, '\u{0CEE}'), (0x25, '\u{0CEF}'),
    (0x26, '\u{0CDE}'), (0x27, '\u{0CF1}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{0CF2}'), (0x2F, '\\'),
    (0x3C, '['), (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x41, 'A'), (0x42, 'B'),
    (0x43, 'C'), (0x44, 'D'), (0x45, 'E'), (0x46, 'F'), (0x47, 'G'), (0x48, 'H'),
    (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'), (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'),
    (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'), (0x52, 'R'), (0x53, 'S'), (0x54, 'T'),
    (0x55, 'U'), (0x56, 'V'), (0x57, 'W'), (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'),
    (0x65, '€'),
];

/// Malayalam national language single shift table (TS 23.038 §A.2.8): (septet after ESC, character).
#[rustfmt::skip]
pub static MALAYALAM_SINGLE: [(u8, char); 82] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0D66}'), (0x1D, '\u{0D67}'), (0x1E, '\u{0D68}'), (0x1F, '\u{0D69}'),
    (0x20, '\u{0D6A}'), (0x21, '\u{0D6B}'), (0x22, '\u{0D6C}'), (0x23, '\u{0D6D}'), (0x24, '\u{0D6E}'), (0x25, '\u{0D6F}'),
    (0x26, '\u{0D70}'), (0x27, '\u{0D71}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{0D72}'), (0x2B, '\u{0D73}'),
    (0x2C, '\u{0D74}'), (0x2D, '\u{0D75}'), (0x2E, '\u{0D7A}'), (0x2F, '\\'), (0x30, '\u{0D7B}'), (0x31, '\u{0D7C}'),
    (0x32, '\u{0D7D}'), (0x33, '\u{0D7E}'), (0x34, '\u{0D7F}'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'),
    (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'), (0x45, 'E'),
    (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'),
    (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'),
    (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'), (0x57, 'W'),
    (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Oriya national language single shift table (TS 23.038 §A.2.9): (septet after ESC, character).
#[rustfmt::skip]
pub static ORIYA_SINGLE: [(u8, char); 75] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0B66}'), (0x1D, '\u{0B67}'), (0x1E, '\u{0B68}'), (0x1F, '\u{0B69}'),
    (0x20, '\u{0B6A}'), (0x21, '\u{0B6B}'), (0x22, '\u{0B6C}'), (0x23, '\u{0B6D}'), (0x24, '\u{0B6E}'), (0x25, '\u{0B6F}'),
    (0x26, '\u{0B5C}'), (0x27, '\u{0B5D}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{0B5F}'), (0x2B, '\u{0B70}'),
    (0x2C, '\u{0B71}'), (0x2F, '\\'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'), (0x40, '|'),
    (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'), (0x45, 'E'), (0x46, 'F'),
    (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'), (0x4C, 'L'),
    (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'), (0x52, 'R'),
    (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'), (0x57, 'W'), (0x58, 'X'),
    (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Punjabi national language single shift table (TS 23.038 §A.2.10): (septet after ESC, character).
#[rustfmt::skip]
pub static PUNJABI_SINGLE: [(u8, char); 76] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0A66}'), (0x1D, '\u{0A67}'), (0x1E, '\u{0A68}'), (0x1F, '\u{0A69}'),
    (0x20, '\u{0A6A}'), (0x21, '\u{0A6B}'), (0x22, '\u{0A6C}'), (0x23, '\u{0A6D}'), (0x24, '\u{0A6E}'), (0x25, '\u{0A6F}'),
    (0x26, '\u{0A59}'), (0x27, '\u{0A5A}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{0A5B}'), (0x2B, '\u{0A5C}'),
    (0x2C, '\u{0A5E}'), (0x2D, '\u{0A75}'), (0x2F, '\\'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'),
    (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'), (0x45, 'E'),
    (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'), (0x4B, 'K'),
    (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'), (0x51, 'Q'),
    (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'), (0x57, 'W'),
    (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Tamil national language single shift table (TS 23.038 §A.2.11): (septet after ESC, character).
#[rustfmt::skip]
pub static TAMIL_SINGLE: [(u8, char); 77] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0964}'), (0x1A, '\u{0965}'), (0x1C, '\u{0BE6}'), (0x1D, '\u{0BE7}'), (0x1E, '\u{0BE8}'), (0x1F, '\u{0BE9}'),
    (0x20, '\u{0BEA}'), (0x21, '\u{0BEB}'), (0x22, '\u{0BEC}'), (0x23, '\u{0BED}'), (0x24, '\u{0BEE}'), (0x25, '\u{0BEF}'),
    (0x26, '\u{0BF3}'), (0x27, '\u{0BF4}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{0BF5}'), (0x2B, '\u{0BF6}'),
    (0x2C, '\u{0BF7}'), (0x2D, '\u{0BF8}'), (0x2E, '\u{0BFA}'), (0x2F, '\\'), (0x3C, '['), (0x3D, '~'),
    (0x3E, ']'), (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'), (0x44, 'D'),
    (0x45, 'E'), (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'), (0x4A, 'J'),
    (0x4B, 'K'), (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'), (0x50, 'P'),
    (0x51, 'Q'), (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'), (0x56, 'V'),
    (0x57, 'W'), (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Telugu national language single shift table (TS 23.038 §A.2.12): (septet after ESC, character).
#[rustfmt::skip]
pub static TELUGU_SINGLE: [(u8, char); 78] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x1C, '\u{0C66}'), (0x1D, '\u{0C67}'), (0x1E, '\u{0C68}'), (0x1F, '\u{0C69}'), (0x20, '\u{0C6A}'), (0x21, '\u{0C6B}'),
    (0x22, '\u{0C6C}'), (0x23, '\u{0C6D}'), (0x24, '\u{0C6E}'), (0x25, '\u{0C6F}'), (0x26, '\u{0C58}'), (0x27, '\u{0C59}'),
    (0x28, '{'), (0x29, '}'), (0x2A, '\u{0C78}'), (0x2B, '\u{0C79}'), (0x2C, '\u{0C7A}'), (0x2D, '\u{0C7B}'),
    (0x2E, '\u{0C7C}'), (0x2F, '\\'), (0x30, '\u{0C7D}'), (0x31, '\u{0C7E}'), (0x32, '\u{0C7F}'), (0x3C, '['),
    (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'),
    (0x44, 'D'), (0x45, 'E'), (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'),
    (0x4A, 'J'), (0x4B, 'K'), (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'),
    (0x50, 'P'), (0x51, 'Q'), (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'),
    (0x56, 'V'), (0x57, 'W'), (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

/// Urdu national language single shift table (TS 23.038 §A.2.13): (septet after ESC, character).
#[rustfmt::skip]
pub static URDU_SINGLE: [(u8, char); 90] = [
    (0x00, '@'), (0x01, '£'), (0x02, '$'), (0x03, '¥'), (0x04, '¿'), (0x05, '"'),
    (0x06, '¤'), (0x07, '%'), (0x08, '&'), (0x09, '\''), (0x0A, '\u{0C}'), (0x0B, '*'),
    (0x0C, '+'), (0x0E, '-'), (0x0F, '/'), (0x10, '<'), (0x11, '='), (0x12, '>'),
    (0x13, '¡'), (0x14, '^'), (0x15, '¡'), (0x16, '_'), (0x17, '#'), (0x18, '*'),
    (0x19, '\u{0600}'), (0x1A, '\u{0601}'), (0x1C, '\u{06F0}'), (0x1D, '\u{06F1}'), (0x1E, '\u{06F2}'), (0x1F, '\u{06F3}'),
    (0x20, '\u{06F4}'), (0x21, '\u{06F5}'), (0x22, '\u{06F6}'), (0x23, '\u{06F7}'), (0x24, '\u{06F8}'), (0x25, '\u{06F9}'),
    (0x26, '\u{060C}'), (0x27, '\u{060D}'), (0x28, '{'), (0x29, '}'), (0x2A, '\u{060E}'), (0x2B, '\u{060F}'),
    (0x2C, '\u{0610}'), (0x2D, '\u{0611}'), (0x2E, '\u{0612}'), (0x2F, '\\'), (0x30, '\u{0613}'), (0x31, '\u{0614}'),
    (0x32, '\u{061B}'), (0x33, '\u{061F}'), (0x34, '\u{0640}'), (0x35, '\u{0652}'), (0x36, '\u{0658}'), (0x37, '\u{066B}'),
    (0x38, '\u{066C}'), (0x39, '\u{0672}'), (0x3A, '\u{0673}'), (0x3B, '\u{06CD}'), (0x3C, '['), (0x3D, '~'),
    (0x3E, ']'), (0x3F, '\u{06D4}'), (0x40, '|'), (0x41, 'A'), (0x42, 'B'), (0x43, 'C'),
    (0x44, 'D'), (0x45, 'E'), (0x46, 'F'), (0x47, 'G'), (0x48, 'H'), (0x49, 'I'),
    (0x4A, 'J'), (0x4B, 'K'), (0x4C, 'L'), (0x4D, 'M'), (0x4E, 'N'), (0x4F, 'O'),
    (0x50, 'P'), (0x51, 'Q'), (0x52, 'R'), (0x53, 'S'), (0x54, 'T'), (0x55, 'U'),
    (0x56, 'V'), (0x57, 'W'), (0x58, 'X'), (0x59, 'Y'), (0x5A, 'Z'), (0x65, '€'),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::gsm7::{self, Code, Tables, DEFAULT, ESC};

    /// Every national language: all but the default alphabet.
    fn national() -> impl Iterator<Item = Language> {
        Language::ALL.into_iter().skip(1)
    }

    const INDIC: [Language; 9] = [
        Language::Bengali,
        Language::Gujarati,
        Language::Hindi,
        Language::Kannada,
        Language::Malayalam,
        Language::Oriya,
        Language::Punjabi,
        Language::Tamil,
        Language::Telugu,
    ];

    fn locking(lang: Language) -> Tables {
        Tables { locking: lang, single: Language::Default }
    }

    fn single(lang: Language) -> Tables {
        Tables { locking: Language::Default, single: lang }
    }

    #[test]
    fn spot_checks_against_the_spec() {
        // (tables, character, expected code) from the printed tables of TS 23.038 Annex A.
        let cases: &[(Tables, char, Code)] = &[
            (locking(Language::Turkish), 'ğ', Code::One(0x0C)),
            (locking(Language::Turkish), 'Ğ', Code::One(0x0B)),
            (locking(Language::Turkish), 'ş', Code::One(0x1D)),
            (locking(Language::Turkish), 'Ş', Code::One(0x1C)),
            (locking(Language::Turkish), 'İ', Code::One(0x40)),
            (locking(Language::Turkish), 'ı', Code::One(0x07)),
            (locking(Language::Turkish), 'ç', Code::One(0x60)),
            (locking(Language::Turkish), '€', Code::One(0x04)),
            (single(Language::Turkish), 'ğ', Code::Escaped(0x67)),
            (single(Language::Turkish), 'İ', Code::Escaped(0x49)),
            (single(Language::Turkish), 'ş', Code::Escaped(0x73)),
            (single(Language::Spanish), 'á', Code::Escaped(0x61)),
            (single(Language::Spanish), 'Ó', Code::Escaped(0x4F)),
            (single(Language::Spanish), 'ç', Code::Escaped(0x09)),
            (locking(Language::Portuguese), 'ê', Code::One(0x04)),
            (locking(Language::Portuguese), 'ã', Code::One(0x7B)),
            (locking(Language::Portuguese), '∞', Code::One(0x15)),
            (locking(Language::Portuguese), '`', Code::One(0x7D)),
            (single(Language::Portuguese), 'ê', Code::Escaped(0x05)),
            (Tables { locking: Language::Portuguese, single: Language::Portuguese }, 'Φ', Code::Escaped(0x12)),
            (Tables { locking: Language::Portuguese, single: Language::Portuguese }, 'ª', Code::One(0x12)),
            (locking(Language::Hindi), 'अ', Code::One(0x03)),
            (locking(Language::Hindi), 'क', Code::One(0x15)),
            (locking(Language::Hindi), 'ि', Code::One(0x51)),
            (locking(Language::Hindi), '्', Code::One(0x5F)),
            (locking(Language::Hindi), 'ॐ', Code::One(0x60)),
            (single(Language::Hindi), '।', Code::Escaped(0x19)),
            (single(Language::Hindi), '०', Code::Escaped(0x1C)),
            (locking(Language::Bengali), 'অ', Code::One(0x03)),
            (locking(Language::Bengali), 'ৎ', Code::One(0x60)),
            (single(Language::Bengali), '০', Code::Escaped(0x19)),
            (locking(Language::Gujarati), 'અ', Code::One(0x03)),
            (locking(Language::Kannada), 'ಅ', Code::One(0x03)),
            (locking(Language::Malayalam), 'അ', Code::One(0x03)),
            (locking(Language::Oriya), 'ଅ', Code::One(0x03)),
            (locking(Language::Punjabi), 'ਅ', Code::One(0x03)),
            (locking(Language::Tamil), 'அ', Code::One(0x03)),
            (single(Language::Tamil), '௮', Code::Escaped(0x24)),
            (locking(Language::Telugu), 'అ', Code::One(0x03)),
            (single(Language::Telugu), '౬', Code::Escaped(0x22)),
            (locking(Language::Urdu), 'ا', Code::One(0x00)),
            (locking(Language::Urdu), 'ے', Code::One(0x5B)),
            (single(Language::Urdu), '؟', Code::Escaped(0x33)),
        ];
        for &(tables, c, code) in cases {
            assert_eq!(tables.encode_char(c), Some(code), "{c:?} with {tables:?}");
            let (s, escaped) = match code {
                Code::One(s) => (s, false),
                Code::Escaped(s) => (s, true),
            };
            assert_eq!(tables.decode(s, escaped), c, "{s:#04X} with {tables:?}");
        }
    }

    #[test]
    fn resolved_differences_between_transcriptions() {
        // See the module documentation for why.
        for lang in INDIC {
            assert_eq!(locking(lang).decode(0x2C, false), ',', "{lang:?}");
            assert_eq!(locking(lang).encode_char(','), Some(Code::One(0x2C)), "{lang:?}");
        }
        assert_eq!(locking(Language::Kannada).decode(0x24, false), '\u{0CA1}');
        assert_eq!(locking(Language::Kannada).decode(0x3D, false), '\u{0CAA}');
        assert_eq!(single(Language::Telugu).encode_char('€'), Some(Code::Escaped(0x65)));
        for lang in national() {
            assert_eq!(single(lang).decode(0x65, true), '€', "{lang:?}");
        }
    }

    #[test]
    fn spanish_has_no_locking_table() {
        assert!(locking_table(Language::Spanish).is_none());
        assert!(locking_table(Language::Default).is_none());
        for lang in national().filter(|&l| l != Language::Spanish) {
            assert!(locking_table(lang).is_some(), "{lang:?}");
        }
    }

    #[test]
    fn every_locking_table_round_trips_and_has_no_duplicates() {
        for lang in national() {
            let Some(table) = locking_table(lang) else { continue };
            let tables = Tables { locking: lang, single: lang };
            assert_eq!(table[usize::from(ESC)], '\u{1B}', "{lang:?}: 0x1B is the escape");
            assert_eq!((table[0x0A], table[0x0D], table[0x20]), ('\n', '\r', ' '), "{lang:?}");
            let mut used = 0;
            for (i, &c) in table.iter().enumerate() {
                if c == UNUSED || i == usize::from(ESC) {
                    continue;
                }
                used += 1;
                let dup = table.iter().enumerate().find(|&(j, &d)| d == c && j != i);
                assert_eq!(dup, None, "{lang:?}: {c:?} at {i:#04X} and elsewhere");
                assert_eq!(tables.encode_char(c), Some(Code::One(i as u8)), "{lang:?}: {c:?}");
                assert_eq!(tables.decode(i as u8, false), c, "{lang:?}: {i:#04X}");
            }
            assert!(used > 100, "{lang:?}: only {used} characters");
        }
    }

    #[test]
    fn unused_code_points_and_the_escape_never_encode() {
        for lang in Language::ALL {
            for tables in [locking(lang), single(lang), Tables { locking: lang, single: lang }] {
                assert_eq!(tables.encode_char(UNUSED), None, "{tables:?}");
                assert_eq!(tables.encode_char('\u{1B}'), None, "{tables:?}");
                let main = tables.main().iter();
                let shift = tables.shift_table().iter().map(|&(_, c)| c);
                for c in main.copied().chain(shift) {
                    assert_ne!(tables.encode_char(c), Some(Code::One(ESC)), "{c:?} with {tables:?}");
                }
            }
            if let Some(table) = locking_table(lang) {
                for (i, _) in table.iter().enumerate().filter(|&(_, &c)| c == UNUSED) {
                    assert_eq!(locking(lang).decode(i as u8, false), char::REPLACEMENT_CHARACTER);
                }
            }
        }
    }

    #[test]
    fn single_shift_tables_are_sorted_without_duplicate_positions() {
        for lang in national() {
            let table = single_shift_table(lang);
            assert!(table.len() >= 10, "{lang:?}");
            for w in table.windows(2) {
                assert!(w[0].0 < w[1].0, "{lang:?}: {:#04X} then {:#04X}", w[0].0, w[1].0);
            }
            for &(s, c) in table {
                assert!(s < 0x80 && s != ESC, "{lang:?}: septet {s:#04X}");
                assert_ne!(c, UNUSED);
                assert_eq!(single(lang).decode(s, true), c, "{lang:?}: {s:#04X}");
                // Encoded escaped unless the default alphabet, or an earlier entry, has it.
                let first = table.iter().find(|&&(_, d)| d == c).map(|&(t, _)| t);
                let expected = match DEFAULT.iter().position(|&d| d == c) {
                    Some(i) if i != usize::from(ESC) => Code::One(i as u8),
                    _ => Code::Escaped(first.unwrap_or(s)),
                };
                assert_eq!(single(lang).encode_char(c), Some(expected), "{lang:?}: {c:?}");
            }
        }
    }

    #[test]
    fn the_only_repeated_characters_are_the_specs_own() {
        // The Indic and Urdu single shift tables print '¡' at 0x13 and 0x15 and '*' at 0x0B and
        // 0x18; both decode, the first encodes.
        for lang in national() {
            let table = single_shift_table(lang);
            for (k, &(s, c)) in table.iter().enumerate() {
                if let Some(&(t, _)) = table[k + 1..].iter().find(|&&(_, d)| d == c) {
                    assert!(
                        matches!((s, t, c), (0x13, 0x15, '¡') | (0x0B, 0x18, '*')),
                        "{lang:?}: {c:?} at {s:#04X} and {t:#04X}"
                    );
                }
            }
        }
    }

    #[test]
    fn national_texts_round_trip_through_septets() {
        let cases: &[(Tables, &str)] = &[
            (
                Tables { locking: Language::Turkish, single: Language::Turkish },
                "Günaydın İstanbul! Çok güzel, şöyle böyle: 5€ {ok}",
            ),
            (single(Language::Spanish), "¿Qué tal? Mañana a las 9, señor Núñez. Ç"),
            (
                Tables { locking: Language::Portuguese, single: Language::Portuguese },
                "Olá, você está aí? Não, ação ∞ €",
            ),
            (Tables { locking: Language::Hindi, single: Language::Hindi }, "नमस्ते दुनिया। ०१२ ok"),
            (locking(Language::Bengali), "আমি বাংলায় গান গাই"),
            (locking(Language::Tamil), "வணக்கம் உலகம்"),
            (locking(Language::Urdu), "سلام دنیا"),
        ];
        for &(tables, text) in cases {
            let septets: heapless::Vec<u8, 128> = gsm7::encode(text, tables).collect::<Result<_, _>>().unwrap();
            assert_eq!(Ok(septets.len()), tables.septets(text));
            let back: heapless::String<256> = gsm7::decode(septets.iter().copied(), tables).collect();
            assert_eq!(back.as_str(), text, "{tables:?}");
        }
    }
}
