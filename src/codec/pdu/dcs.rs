//! TP-Data-Coding-Scheme (TS 23.038 §4): which alphabet the user data uses, its message class,
//! compression, and the message waiting indication groups.
//!
//! Every octet value has a meaning: TS 23.038 says reserved codings are read as the GSM 7-bit
//! default alphabet, so decoding a DCS never fails.

/// How the user data is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Alphabet {
    /// GSM 7-bit default alphabet (with national tables when the UDH names them).
    Gsm7,
    /// 8-bit data: octets, not text.
    EightBit,
    /// UCS-2 (read as UTF-16BE).
    Ucs2,
}

/// Message class: where the receiving phone puts the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MessageClass {
    /// Shown at once and not stored ("flash").
    Class0,
    /// Mobile equipment specific.
    Class1,
    /// SIM specific.
    Class2,
    /// Terminal equipment specific.
    Class3,
}

impl MessageClass {
    pub fn number(self) -> u8 {
        match self {
            MessageClass::Class0 => 0,
            MessageClass::Class1 => 1,
            MessageClass::Class2 => 2,
            MessageClass::Class3 => 3,
        }
    }

    fn from_bits(bits: u8) -> Self {
        match bits & 0x03 {
            0 => MessageClass::Class0,
            1 => MessageClass::Class1,
            2 => MessageClass::Class2,
            _ => MessageClass::Class3,
        }
    }
}

/// What a message waiting indication is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IndicationKind {
    Voicemail,
    Fax,
    Email,
    Other,
}

/// A message waiting indication (DCS groups `1100`, `1101`, `1110`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MessageWaiting {
    pub kind: IndicationKind,
    /// Set the indication (true) or clear it (false).
    pub active: bool,
    /// Store the message (groups `1101`, `1110`) or the phone may discard it (`1100`).
    pub store: bool,
}

/// A TP-DCS octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dcs(u8);

impl Dcs {
    /// GSM 7-bit, no class: what most text messages carry.
    pub const DEFAULT: Dcs = Dcs(0x00);

    pub const fn new(raw: u8) -> Self {
        Dcs(raw)
    }

    /// The DCS for uncompressed text in `alphabet`, with a class when given (general data
    /// coding group).
    pub fn for_text(alphabet: Alphabet, class: Option<MessageClass>) -> Self {
        let alphabet_bits = match alphabet {
            Alphabet::Gsm7 => 0x00,
            Alphabet::EightBit => 0x04,
            Alphabet::Ucs2 => 0x08,
        };
        let class_bits = class.map_or(0, |c| 0x10 | c.number());
        Dcs(alphabet_bits | class_bits)
    }

    pub fn raw(self) -> u8 {
        self.0
    }

    fn group(self) -> u8 {
        self.0 >> 4
    }

    /// General data coding (`00xx`) or its automatic deletion variant (`01xx`).
    fn is_general(self) -> bool {
        self.0 & 0x80 == 0
    }

    pub fn alphabet(self) -> Alphabet {
        if self.is_general() {
            return match (self.0 >> 2) & 0x03 {
                1 => Alphabet::EightBit,
                2 => Alphabet::Ucs2,
                // 0, and the reserved 3 read as the default alphabet.
                _ => Alphabet::Gsm7,
            };
        }
        match self.group() {
            0x0E => Alphabet::Ucs2,
            // Bit 3 is reserved; bit 2 chooses the coding.
            0x0F if self.0 & 0x04 != 0 => Alphabet::EightBit,
            // 0x0F with bit 2 clear, the message waiting groups 0x0C and 0x0D, and the reserved
            // groups 0x08..=0x0B.
            _ => Alphabet::Gsm7,
        }
    }

    /// The message class, when the DCS gives one.
    pub fn class(self) -> Option<MessageClass> {
        if self.is_general() {
            return (self.0 & 0x10 != 0).then(|| MessageClass::from_bits(self.0));
        }
        (self.group() == 0x0F).then(|| MessageClass::from_bits(self.0))
    }

    /// Compressed user data (TS 23.042), which this codec does not decompress.
    pub fn is_compressed(self) -> bool {
        self.is_general() && self.0 & 0x20 != 0
    }

    /// The message is to be deleted once read (group `01xx`).
    pub fn is_auto_delete(self) -> bool {
        self.0 & 0xC0 == 0x40
    }

    /// The message waiting indication, for groups `1100`, `1101` and `1110`.
    pub fn message_waiting(self) -> Option<MessageWaiting> {
        let store = match self.group() {
            0x0C => false,
            0x0D | 0x0E => true,
            _ => return None,
        };
        let kind = match self.0 & 0x03 {
            0 => IndicationKind::Voicemail,
            1 => IndicationKind::Fax,
            2 => IndicationKind::Email,
            _ => IndicationKind::Other,
        };
        Some(MessageWaiting { kind, active: self.0 & 0x08 != 0, store })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Alphabet::*;
    use MessageClass::*;

    #[test]
    fn table() {
        let cases: &[(u8, Alphabet, Option<MessageClass>, bool)] = &[
            (0x00, Gsm7, None, false),
            (0x04, EightBit, None, false),
            (0x08, Ucs2, None, false),
            (0x0C, Gsm7, None, false), // reserved alphabet → default
            (0x10, Gsm7, Some(Class0), false),
            (0x11, Gsm7, Some(Class1), false),
            (0x16, EightBit, Some(Class2), false),
            (0x18, Ucs2, Some(Class0), false),
            (0x1B, Ucs2, Some(Class3), false),
            (0x03, Gsm7, None, false), // class bits without bit 4 mean nothing
            (0x20, Gsm7, None, true),
            (0x38, Ucs2, Some(Class0), true),
            (0x48, Ucs2, None, false), // automatic deletion group
            (0x80, Gsm7, None, false), // reserved groups → default alphabet
            (0xBF, Gsm7, None, false),
            (0xC0, Gsm7, None, false),
            (0xD8, Gsm7, None, false),
            (0xE9, Ucs2, None, false),
            (0xF0, Gsm7, Some(Class0), false),
            (0xF1, Gsm7, Some(Class1), false),
            (0xF5, EightBit, Some(Class1), false),
            (0xF6, EightBit, Some(Class2), false),
            // Bit 3 of group 1111 is reserved: ignored.
            (0xF9, Gsm7, Some(Class1), false),
            (0xFB, Gsm7, Some(Class3), false),
            (0xFF, EightBit, Some(Class3), false),
        ];
        for &(raw, alphabet, class, compressed) in cases {
            let dcs = Dcs::new(raw);
            assert_eq!((dcs.alphabet(), dcs.class(), dcs.is_compressed()), (alphabet, class, compressed), "{raw:02X}");
        }
        assert!(Dcs::new(0x48).is_auto_delete());
        assert!(!Dcs::new(0x08).is_auto_delete());
    }

    #[test]
    fn message_waiting_groups() {
        use IndicationKind::*;
        let mw = |raw| Dcs::new(raw).message_waiting();
        assert_eq!(mw(0xC8), Some(MessageWaiting { kind: Voicemail, active: true, store: false }));
        assert_eq!(mw(0xD1), Some(MessageWaiting { kind: Fax, active: false, store: true }));
        assert_eq!(mw(0xEA), Some(MessageWaiting { kind: Email, active: true, store: true }));
        assert_eq!(mw(0xDB), Some(MessageWaiting { kind: Other, active: true, store: true }));
        assert_eq!(mw(0x00), None);
        assert_eq!(mw(0xF0), None);
    }

    #[test]
    fn for_text_reads_back() {
        for alphabet in [Gsm7, EightBit, Ucs2] {
            for class in [None, Some(Class0), Some(Class1), Some(Class2), Some(Class3)] {
                let dcs = Dcs::for_text(alphabet, class);
                assert_eq!((dcs.alphabet(), dcs.class(), dcs.is_compressed()), (alphabet, class, false));
            }
        }
        assert_eq!(Dcs::for_text(Gsm7, Some(Class0)).raw(), 0x10);
        assert_eq!(Dcs::for_text(Ucs2, None).raw(), 0x08);
    }
}
