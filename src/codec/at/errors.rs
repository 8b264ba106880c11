//! The codes of `+CMS ERROR` (TS 27.005 §3.2.5) and `+CME ERROR` (TS 27.007 §9.2), their spec
//! texts, and for message errors whether sending the same message again can succeed.
//!
//! `+CMS ERROR` codes 0…127 are the RP-cause values of TS 24.011 (Table 8.4 / Annex E.2), 128…255
//! the TP-Failure-Cause values of TS 23.040 §9.2.3.22, 300…500 those of TS 27.005 itself, 256…511
//! otherwise reserved and 512… manufacturer specific.
//!
//! With `AT+CMEE=2` modems print the spec text instead of the number; [`CmsCode::from_text`] and
//! [`CmeCode::from_text`] map such a text back to its code. Modems write "SIM", "USIM" or
//! "(U)SIM" for the spec's "(U)SIM", and vary in case, so the comparison ignores both.

use core::fmt;

/// Whether a failed message is worth sending again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Permanence {
    /// The same message will fail the same way: the destination, the subscription or the PDU
    /// itself was refused.
    Permanent,
    /// The network, the modem or the SIM failed at this moment; the same message may succeed
    /// later.
    Temporary,
    /// The code carries no spec meaning that decides it (unspecified, reserved, manufacturer
    /// specific): the caller's retry policy applies.
    Unknown,
}

use Permanence::{Permanent as P, Temporary as T, Unknown as U};

/// A `+CMS ERROR: <err>` code (TS 27.005 §3.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CmsCode(pub u16);

/// `(code, spec text, permanence)`.
///
/// Permanence follows the cause definitions: TS 24.011 Annex E calls 41 a failure "not likely to
/// last a long period of time" and 38 one after which "immediately reattempting … is not likely
/// to be successful" (still worth a later retry); TS 23.040 Table 1 classifies "Unknown
/// subscriber" permanent and "Error in MS", "Memory capacity exceeded" temporary. Causes of the
/// resource-unavailable class (38…47) are temporary; service-not-subscribed/implemented and
/// invalid-message causes (50…99) permanent, except 81 and 98, which describe the state of one
/// transfer attempt that a fresh attempt does not share. Errors of the modem or SIM (300…332)
/// are temporary for the message: they say nothing against it.
const CMS: &[(u16, &str, Permanence)] = &[
    // TS 24.011 Table 8.4, RP-cause.
    (1, "Unassigned (unallocated) number", P),
    (8, "Operator determined barring", P),
    (10, "Call barred", P),
    // A CP-cause (TS 24.011 Table 8.2) that modems report through the same code space.
    (17, "Network failure", T),
    (21, "Short message transfer rejected", P),
    (22, "Memory capacity exceeded", T),
    (27, "Destination out of order", T),
    // The sender's own IMSI is unknown to the visited network: registering again cures it.
    (28, "Unidentified subscriber", T),
    (29, "Facility rejected", P),
    (30, "Unknown subscriber", P),
    (38, "Network out of order", T),
    (41, "Temporary failure", T),
    (42, "Congestion", T),
    (47, "Resources unavailable, unspecified", T),
    (50, "Requested facility not subscribed", P),
    (69, "Requested facility not implemented", P),
    (81, "Invalid short message transfer reference value", T),
    (95, "Semantically incorrect message", P),
    (96, "Invalid mandatory information", P),
    (97, "Message type non-existent or not implemented", P),
    (98, "Message not compatible with short message protocol state", T),
    (99, "Information element non-existent or not implemented", P),
    (111, "Protocol error, unspecified", U),
    (127, "Interworking, unspecified", U),
    // TS 23.040 §9.2.3.22, TP-Failure-Cause.
    (0x80, "Telematic interworking not supported", P),
    (0x81, "Short message Type 0 not supported", P),
    (0x82, "Cannot replace short message", P),
    (0x8F, "Unspecified TP-PID error", P),
    (0x90, "Data coding scheme (alphabet) not supported", P),
    (0x91, "Message class not supported", P),
    (0x9F, "Unspecified TP-DCS error", P),
    (0xA0, "Command cannot be actioned", P),
    (0xA1, "Command unsupported", P),
    (0xAF, "Unspecified TP-Command error", P),
    (0xB0, "TPDU not supported", P),
    (0xC0, "SC busy", T),
    (0xC1, "No SC subscription", P),
    (0xC2, "SC system failure", T),
    (0xC3, "Invalid SME address", P),
    (0xC4, "Destination SME barred", P),
    (0xC5, "SM Rejected-Duplicate SM", P),
    (0xC6, "TP-VPF not supported", P),
    (0xC7, "TP-VP not supported", P),
    (0xD0, "(U)SIM SMS storage full", T),
    (0xD1, "No SMS storage capability in (U)SIM", P),
    (0xD2, "Error in MS", T),
    (0xD3, "Memory Capacity Exceeded", T),
    (0xD4, "(U)SIM Application Toolkit Busy", T),
    (0xD5, "(U)SIM data download error", T),
    (0xFF, "Unspecified error cause", U),
    // TS 27.005 §3.2.5.
    (300, "ME failure", T),
    (301, "SMS service of ME reserved", T),
    // Refused in the modem's present state (e.g. the wrong AT+CMGF mode): says nothing
    // about the message, nor whether the state will change by itself.
    (302, "operation not allowed", U),
    (303, "operation not supported", P),
    (304, "invalid PDU mode parameter", P),
    (305, "invalid text mode parameter", P),
    (310, "(U)SIM not inserted", T),
    (311, "(U)SIM PIN required", T),
    (312, "PH-(U)SIM PIN required", T),
    (313, "(U)SIM failure", T),
    (314, "(U)SIM busy", T),
    (315, "(U)SIM wrong", T),
    (316, "(U)SIM PUK required", T),
    (317, "(U)SIM PIN2 required", T),
    (318, "(U)SIM PUK2 required", T),
    (320, "memory failure", T),
    (321, "invalid memory index", P),
    (322, "memory full", T),
    (330, "SMSC address unknown", T),
    (331, "no network service", T),
    (332, "network timeout", T),
    (340, "no +CNMA acknowledgement expected", P),
    (500, "unknown error", U),
];

impl CmsCode {
    /// The spec text of this code, if the spec defines one.
    pub fn meaning(self) -> Option<&'static str> {
        CMS.iter().find(|(c, _, _)| *c == self.0).map(|(_, text, _)| *text)
    }

    /// Where the code comes from, for codes without a spec text.
    pub fn range(self) -> &'static str {
        match self.0 {
            0..=127 => "TS 24.011 RP-cause",
            0xE0..=0xFE => "TP-Failure-Cause specific to an application",
            128..=255 => "TS 23.040 TP-Failure-Cause",
            256..=511 => "TS 27.005",
            _ => "manufacturer specific",
        }
    }

    /// Whether the message that failed with this code is worth sending again.
    pub fn permanence(self) -> Permanence {
        CMS.iter().find(|(c, _, _)| *c == self.0).map_or(U, |(_, _, p)| *p)
    }

    /// The code whose spec text is `text` (verbose `+CMS ERROR`), ignoring case and the
    /// (U)SIM spelling. Where two codes share a text, the lower one.
    pub fn from_text(text: &str) -> Option<CmsCode> {
        CMS.iter().find(|(_, spec, _)| same_text(text, spec)).map(|(c, _, _)| CmsCode(*c))
    }
}

impl fmt::Display for CmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(text) => write!(f, "CMS error {}: {}", self.0, text),
            None => write!(f, "CMS error {} ({})", self.0, self.range()),
        }
    }
}

/// A `+CME ERROR: <err>` code (TS 27.007 §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CmeCode(pub u16);

/// `(code, spec text)`: §9.2.1 general errors, §9.2.2 GPRS and EPS errors.
const CME: &[(u16, &str)] = &[
    (0, "phone failure"),
    (1, "no connection to phone"),
    (2, "phone-adaptor link reserved"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (5, "PH-SIM PIN required"),
    (6, "PH-FSIM PIN required"),
    (7, "PH-FSIM PUK required"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (13, "SIM failure"),
    (14, "SIM busy"),
    (15, "SIM wrong"),
    (16, "incorrect password"),
    (17, "SIM PIN2 required"),
    (18, "SIM PUK2 required"),
    (20, "memory full"),
    (21, "invalid index"),
    (22, "not found"),
    (23, "memory failure"),
    (24, "text string too long"),
    (25, "invalid characters in text string"),
    (26, "dial string too long"),
    (27, "invalid characters in dial string"),
    (30, "no network service"),
    (31, "network timeout"),
    (32, "network not allowed - emergency calls only"),
    (40, "network personalization PIN required"),
    (41, "network personalization PUK required"),
    (42, "network subset personalization PIN required"),
    (43, "network subset personalization PUK required"),
    (44, "service provider personalization PIN required"),
    (45, "service provider personalization PUK required"),
    (46, "corporate personalization PIN required"),
    (47, "corporate personalization PUK required"),
    (48, "hidden key required"),
    (49, "EAP method not supported"),
    (50, "Incorrect parameters"),
    (51, "command implemented but currently disabled"),
    (52, "command aborted by user"),
    (53, "not attached to network due to MT functionality restrictions"),
    (54, "modem not allowed - MT restricted to emergency calls only"),
    (55, "operation not allowed because of MT functionality restrictions"),
    (56, "fixed dial number only allowed - called number is not a fixed dial number"),
    (57, "temporarily out of service due to other MT usage"),
    (58, "language/alphabet not supported"),
    (59, "unexpected data value"),
    (60, "system failure"),
    (61, "data missing"),
    (62, "call barred"),
    (63, "message waiting indication subscription failure"),
    (100, "unknown"),
    (103, "Illegal MS"),
    (106, "Illegal ME"),
    (107, "GPRS services not allowed"),
    (108, "GPRS services and non-GPRS services not allowed"),
    (111, "PLMN not allowed"),
    (112, "Location area not allowed"),
    (113, "Roaming not allowed in this location area"),
    (114, "GPRS services not allowed in this PLMN"),
    (115, "No Suitable Cells In Location Area"),
    (122, "Congestion"),
    (125, "Not authorized for this CSG"),
    (126, "insufficient resources"),
    (127, "missing or unknown APN"),
    (128, "unknown PDP address or PDP type"),
    (129, "user authentication failed"),
    (130, "activation rejected by GGSN, Serving GW or PDN GW"),
    (131, "activation rejected, unspecified"),
    (132, "service option not supported"),
    (133, "requested service option not subscribed"),
    (134, "service option temporarily out of order"),
    (140, "feature not supported"),
    (141, "semantic error in the TFT operation"),
    (142, "syntactical error in the TFT operation"),
    (143, "unknown PDP context"),
    (144, "semantic errors in packet filter(s)"),
    (145, "syntactical errors in packet filter(s)"),
    (146, "PDP context without TFT already activated"),
    (148, "unspecified GPRS error"),
    (149, "PDP authentication failure"),
    (150, "invalid mobile class"),
    (171, "Last PDN disconnection not allowed"),
    (172, "Semantically incorrect message"),
    (173, "Mandatory information element error"),
    (174, "Information element non-existent or not implemented"),
    (175, "Conditional IE error"),
    (176, "Protocol error, unspecified"),
    (177, "Operator Determined Barring"),
    (178, "maximum number of PDP contexts reached"),
    (179, "requested APN not supported in current RAT and PLMN combination"),
    (180, "request rejected, Bearer Control Mode violation"),
    (181, "unsupported QCI value"),
];

impl CmeCode {
    /// The spec text of this code, if the spec defines one.
    pub fn meaning(self) -> Option<&'static str> {
        CME.iter().find(|(c, _)| *c == self.0).map(|(_, text)| *text)
    }

    /// The code whose spec text is `text` (verbose `+CME ERROR`), ignoring case and the
    /// (U)SIM spelling.
    pub fn from_text(text: &str) -> Option<CmeCode> {
        CME.iter().find(|(_, spec)| same_text(text, spec)).map(|(c, _)| CmeCode(*c))
    }
}

impl fmt::Display for CmeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(text) => write!(f, "CME error {}: {}", self.0, text),
            None if self.0 >= 512 => write!(f, "CME error {} (manufacturer specific)", self.0),
            None => write!(f, "CME error {} (reserved)", self.0),
        }
    }
}

/// Compares a modem's text with a spec text: ASCII case-insensitive, surrounding spaces ignored,
/// and "(U)SIM", "USIM" and "SIM" at the start of a word all equal.
fn same_text(modem: &str, spec: &str) -> bool {
    Normalized::new(modem.trim()).eq(Normalized::new(spec))
}

/// The bytes of a text in lower case with "(u)sim" and "usim" read as "sim".
struct Normalized<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Normalized<'a> {
    fn new(text: &'a str) -> Self {
        Normalized { bytes: text.as_bytes(), pos: 0 }
    }

    fn rest_starts_with(&self, word: &[u8]) -> bool {
        let end = self.pos + word.len();
        self.bytes.get(self.pos..end).is_some_and(|rest| rest.eq_ignore_ascii_case(word))
    }
}

impl Iterator for Normalized<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let word_start = self.pos == 0 || self.bytes.get(self.pos - 1).is_some_and(|b| !b.is_ascii_alphanumeric());
        if word_start {
            if self.rest_starts_with(b"(u)sim") {
                self.pos += 3;
            } else if self.rest_starts_with(b"usim") {
                self.pos += 1;
            }
        }
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cms_codes_have_their_spec_meaning_and_class() {
        let cases: &[(u16, Option<&str>, Permanence)] = &[
            (1, Some("Unassigned (unallocated) number"), P),
            (21, Some("Short message transfer rejected"), P),
            (28, Some("Unidentified subscriber"), T),
            (38, Some("Network out of order"), T),
            (41, Some("Temporary failure"), T),
            (42, Some("Congestion"), T),
            (69, Some("Requested facility not implemented"), P),
            (0xC0, Some("SC busy"), T),
            (0xC5, Some("SM Rejected-Duplicate SM"), P),
            (0xE5, None, U),
            (304, Some("invalid PDU mode parameter"), P),
            (311, Some("(U)SIM PIN required"), T),
            (331, Some("no network service"), T),
            (500, Some("unknown error"), U),
            (515, None, U),
            (2, None, U),
        ];
        for &(code, meaning, permanence) in cases {
            assert_eq!(CmsCode(code).meaning(), meaning, "{code}");
            assert_eq!(CmsCode(code).permanence(), permanence, "{code}");
        }
    }

    #[test]
    fn cms_ranges() {
        let cases: &[(u16, &str)] = &[
            (3, "TS 24.011 RP-cause"),
            (0x85, "TS 23.040 TP-Failure-Cause"),
            (0xE0, "TP-Failure-Cause specific to an application"),
            (400, "TS 27.005"),
            (512, "manufacturer specific"),
        ];
        for &(code, range) in cases {
            assert_eq!(CmsCode(code).range(), range, "{code}");
        }
    }

    #[test]
    fn verbose_texts_map_back_to_codes() {
        let cms: &[(&str, Option<u16>)] = &[
            ("SIM PIN required", Some(311)),
            ("USIM PIN required", Some(311)),
            ("(U)SIM not inserted", Some(310)),
            ("PH-SIM PIN required", Some(312)),
            ("Invalid PDU mode parameter", Some(304)),
            ("unknown error ", Some(500)),
            ("SMS Rejected", None),
            ("network timeout", Some(332)),
            ("Congestion", Some(42)),
            ("", None),
        ];
        for &(text, code) in cms {
            assert_eq!(CmsCode::from_text(text), code.map(CmsCode), "{text:?}");
        }
        let cme: &[(&str, Option<u16>)] = &[
            ("SIM PIN required", Some(11)),
            ("sim pin required", Some(11)),
            ("USIM not inserted", Some(10)),
            ("(U)SIM busy", Some(14)),
            ("PH-SIM PIN required", Some(5)),
            ("incorrect password", Some(16)),
            ("unknown", Some(100)),
            ("Congestion", Some(122)),
            ("SIMPIN required", None),
            ("causim busy", None),
        ];
        for &(text, code) in cme {
            assert_eq!(CmeCode::from_text(text), code.map(CmeCode), "{text:?}");
        }
    }

    #[test]
    fn every_table_text_maps_back_to_a_code_with_that_text() {
        // Texts shared by two codes ("Congestion", "Memory capacity exceeded") give the lower.
        for (code, text, _) in CMS {
            let got = CmsCode::from_text(text).expect(text);
            assert!(got.0 <= *code && got.meaning().is_some_and(|t| same_text(t, text)), "{text:?}");
        }
        for (code, text) in CME {
            let got = CmeCode::from_text(text).expect(text);
            assert!(got.0 <= *code && got.meaning().is_some_and(|t| same_text(t, text)), "{text:?}");
        }
        assert_eq!(CmsCode::from_text("Memory Capacity Exceeded"), Some(CmsCode(22)));
        assert_eq!(CmeCode::from_text("congestion"), Some(CmeCode(122)));
    }

    #[test]
    fn tables_are_sorted_without_duplicates() {
        assert!(CMS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(CME.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn display_names_code_and_meaning() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(CmsCode(42).to_string(), "CMS error 42: Congestion");
        assert_eq!(CmsCode(530).to_string(), "CMS error 530 (manufacturer specific)");
        assert_eq!(CmeCode(11).to_string(), "CME error 11: SIM PIN required");
        assert_eq!(CmeCode(99).to_string(), "CME error 99 (reserved)");
        assert_eq!(CmeCode(600).to_string(), "CME error 600 (manufacturer specific)");
    }
}
