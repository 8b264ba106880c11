//! Reading SMS-DELIVER, SMS-SUBMIT and SMS-STATUS-REPORT (TS 23.040 §9.2.2) from untrusted
//! octets into typed values that borrow them.

use super::address::Address;
use super::dcs::Dcs;
use super::reader::Reader;
use super::status::Status;
use super::timestamp::Timestamp;
use super::user_data::{UserData, MAX_STATUS_REPORT_UD_OCTETS, MAX_UD_OCTETS};
use super::validity::{EnhancedValidity, ValidityPeriod};
use crate::codec::Error;

/// A decoded PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pdu<'a> {
    Deliver(Deliver<'a>),
    Submit(Submit<'a>),
    StatusReport(StatusReport<'a>),
}

impl<'a> Pdu<'a> {
    /// The SMSC address in front of the TPDU, if one was given.
    pub fn smsc(&self) -> Option<Address<'a>> {
        match self {
            Pdu::Deliver(m) => m.smsc,
            Pdu::Submit(m) => m.smsc,
            Pdu::StatusReport(m) => m.smsc,
        }
    }

    /// The user data, when the PDU carries any.
    pub fn user_data(&self) -> Option<UserData<'a>> {
        match self {
            Pdu::Deliver(m) => Some(m.user_data),
            Pdu::Submit(m) => Some(m.user_data),
            Pdu::StatusReport(m) => m.user_data,
        }
    }
}

/// SMS-DELIVER: a message the service centre delivers to this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Deliver<'a> {
    pub smsc: Option<Address<'a>>,
    /// TP-MMS is 0: the service centre holds more messages for this phone.
    pub more_messages_waiting: bool,
    /// TP-LP: do not forward or answer automatically.
    pub loop_prevention: bool,
    /// TP-RP: a reply may go through the same service centre.
    pub reply_path: bool,
    /// TP-SRI: the sender asked for a status report.
    pub status_report_indication: bool,
    /// TP-UDHI as received.
    pub udhi: bool,
    /// TP-OA.
    pub originator: Address<'a>,
    /// TP-PID.
    pub pid: u8,
    pub dcs: Dcs,
    /// TP-SCTS: when the service centre received the message.
    pub timestamp: Timestamp,
    pub user_data: UserData<'a>,
}

/// SMS-SUBMIT: a message from this phone to the service centre (as stored or as sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Submit<'a> {
    pub smsc: Option<Address<'a>>,
    /// TP-RD: the SC is to reject a duplicate of a message it still holds.
    pub reject_duplicates: bool,
    /// TP-RP.
    pub reply_path: bool,
    /// TP-SRR: a status report is requested.
    pub status_report_request: bool,
    /// TP-UDHI as received.
    pub udhi: bool,
    /// TP-MR.
    pub message_ref: u8,
    /// TP-DA.
    pub destination: Address<'a>,
    /// TP-PID.
    pub pid: u8,
    pub dcs: Dcs,
    /// TP-VP, in the format TP-VPF gives; `None` when TP-VPF says it is absent.
    pub validity: Option<ValidityPeriod>,
    pub user_data: UserData<'a>,
}

/// SMS-STATUS-REPORT: what became of a message this phone submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StatusReport<'a> {
    pub smsc: Option<Address<'a>>,
    /// TP-MMS is 0: the service centre holds more messages for this phone.
    pub more_messages_waiting: bool,
    /// TP-LP.
    pub loop_prevention: bool,
    /// TP-SRQ: the report is about an SMS-COMMAND (true) rather than an SMS-SUBMIT (false).
    pub for_command: bool,
    /// TP-UDHI as received.
    pub udhi: bool,
    /// TP-MR of the message the report is about.
    pub message_ref: u8,
    /// TP-RA: the address that message went to.
    pub recipient: Address<'a>,
    /// TP-SCTS: when the service centre received that message.
    pub timestamp: Timestamp,
    /// TP-DT: when the status below was reached.
    pub discharge_time: Timestamp,
    /// TP-ST.
    pub status: Status,
    /// TP-PID, when TP-PI announces it.
    pub pid: Option<u8>,
    /// TP-DCS, when TP-PI announces it (user data without it is GSM 7-bit).
    pub dcs: Option<Dcs>,
    /// TP-UDL and TP-UD, when TP-PI announces them.
    pub user_data: Option<UserData<'a>>,
}

/// Decodes a PDU as modems print it: the SMSC field first (a length octet, `00` when there is
/// none), then the TPDU. Octets after the TPDU are an error, except `FF` padding.
pub fn decode(pdu: &[u8]) -> Result<Pdu<'_>, Error> {
    let mut r = Reader::new(pdu);
    let smsc = Address::read_smsc(&mut r)?;
    read_tpdu(r, smsc)
}

/// Decodes a TPDU without the SMSC field in front.
pub fn decode_tpdu(tpdu: &[u8]) -> Result<Pdu<'_>, Error> {
    read_tpdu(Reader::new(tpdu), None)
}

fn read_tpdu<'a>(mut r: Reader<'a>, smsc: Option<Address<'a>>) -> Result<Pdu<'a>, Error> {
    let first = r.u8("TP-MTI")?;
    let bit = |n: u8| first & (1 << n) != 0;
    let udhi = bit(6);
    match first & 0x03 {
        0b00 => {
            let originator = Address::read_tp(&mut r, "TP-OA")?;
            let pid = r.u8("TP-PID")?;
            let dcs = Dcs::new(r.u8("TP-DCS")?);
            let timestamp = Timestamp::from_octets(r.array("TP-SCTS")?, "TP-SCTS")?;
            let user_data = UserData::read(&mut r, dcs, udhi, MAX_UD_OCTETS)?;
            r.finish()?;
            Ok(Pdu::Deliver(Deliver {
                smsc,
                more_messages_waiting: !bit(2),
                loop_prevention: bit(3),
                reply_path: bit(7),
                status_report_indication: bit(5),
                udhi,
                originator,
                pid,
                dcs,
                timestamp,
                user_data,
            }))
        }
        0b01 => {
            let message_ref = r.u8("TP-MR")?;
            let destination = Address::read_tp(&mut r, "TP-DA")?;
            let pid = r.u8("TP-PID")?;
            let dcs = Dcs::new(r.u8("TP-DCS")?);
            let validity = match (first >> 3) & 0x03 {
                0b00 => None,
                0b10 => Some(ValidityPeriod::Relative(r.u8("TP-VP")?)),
                0b01 => Some(ValidityPeriod::Enhanced(EnhancedValidity { octets: *r.array("TP-VP")? })),
                _ => Some(ValidityPeriod::Absolute(Timestamp::from_octets(r.array("TP-VP")?, "TP-VP")?)),
            };
            let user_data = UserData::read(&mut r, dcs, udhi, MAX_UD_OCTETS)?;
            r.finish()?;
            Ok(Pdu::Submit(Submit {
                smsc,
                reject_duplicates: bit(2),
                reply_path: bit(7),
                status_report_request: bit(5),
                udhi,
                message_ref,
                destination,
                pid,
                dcs,
                validity,
                user_data,
            }))
        }
        0b10 => {
            let message_ref = r.u8("TP-MR")?;
            let recipient = Address::read_tp(&mut r, "TP-RA")?;
            let timestamp = Timestamp::from_octets(r.array("TP-SCTS")?, "TP-SCTS")?;
            let discharge_time = Timestamp::from_octets(r.array("TP-DT")?, "TP-DT")?;
            let status = Status(r.u8("TP-ST")?);
            let mut report = StatusReport {
                smsc,
                more_messages_waiting: !bit(2),
                loop_prevention: bit(3),
                for_command: bit(5),
                udhi,
                message_ref,
                recipient,
                timestamp,
                discharge_time,
                status,
                pid: None,
                dcs: None,
                user_data: None,
            };
            read_optional_parameters(&mut r, &mut report)?;
            Ok(Pdu::StatusReport(report))
        }
        _ => Err(Error::InvalidField { field: "TP-MTI", reason: "reserved message type 3" }),
    }
}

/// TP-PI and what it announces (TS 23.040 §9.2.3.27), then the end of the TPDU.
fn read_optional_parameters<'a>(r: &mut Reader<'a>, report: &mut StatusReport<'a>) -> Result<(), Error> {
    // Nothing, or only SIM record padding: no TP-PI (a run of FF would otherwise read as TP-PI
    // octets whose extension bit never ends).
    if r.rest().iter().all(|&b| b == 0xFF) {
        return Ok(());
    }
    let pi = r.u8("TP-PI")?;
    // A reserved bit set means more information follows TP-UD in a format this release does
    // not define: the receiver ignores the bit and discards the octets after TP-UD. Bits of
    // extension octets are all reserved so far.
    let mut reserved = pi & 0x78 != 0;
    let mut more = pi & 0x80 != 0;
    while more {
        let ext = r.u8("TP-PI")?;
        reserved |= ext & 0x7F != 0;
        more = ext & 0x80 != 0;
    }
    if pi & 0x01 != 0 {
        report.pid = Some(r.u8("TP-PID")?);
    }
    if pi & 0x02 != 0 {
        report.dcs = Some(Dcs::new(r.u8("TP-DCS")?));
    }
    if pi & 0x04 != 0 {
        // Without TP-DCS the receiver assumes 0x00, the GSM 7-bit default alphabet.
        let dcs = report.dcs.unwrap_or(Dcs::DEFAULT);
        report.user_data = Some(UserData::read(r, dcs, report.udhi, MAX_STATUS_REPORT_UD_OCTETS)?);
    }
    if reserved {
        Ok(())
    } else {
        r.clone().finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encoding::RefBits;
    use crate::codec::hex;
    use crate::codec::pdu::dcs::{Alphabet, MessageClass};
    use crate::codec::pdu::status::StatusCategory;
    use crate::codec::pdu::udh::Concat;
    use core::fmt::Write;
    use proptest::prelude::*;

    type Octets = heapless::Vec<u8, 256>;
    type Text = heapless::String<256>;

    fn octets(hex_text: &str) -> Octets {
        let mut buf = [0u8; 256];
        let n = hex::decode_into(hex_text.as_bytes(), &mut buf).unwrap().len();
        Octets::from_slice(&buf[..n]).unwrap()
    }

    fn show<T: core::fmt::Display>(v: T) -> Text {
        let mut s = Text::new();
        write!(s, "{v}").unwrap();
        s
    }

    fn text(ud: &UserData<'_>) -> Text {
        ud.text().unwrap().collect()
    }

    fn deliver(p: &[u8]) -> Deliver<'_> {
        match decode(p).unwrap() {
            Pdu::Deliver(d) => d,
            other => panic!("not a deliver: {other:?}"),
        }
    }

    fn submit(p: &[u8]) -> Submit<'_> {
        match decode(p).unwrap() {
            Pdu::Submit(s) => s,
            other => panic!("not a submit: {other:?}"),
        }
    }

    fn report(p: &[u8]) -> StatusReport<'_> {
        match decode(p).unwrap() {
            Pdu::StatusReport(r) => r,
            other => panic!("not a status report: {other:?}"),
        }
    }

    #[test]
    fn deliver_hellohello() {
        let p = octets("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37");
        let d = deliver(&p);
        assert_eq!(show(d.smsc.unwrap()).as_str(), "+27381000015");
        assert_eq!(show(d.originator).as_str(), "27838890001");
        assert_eq!(d.originator.type_of_number(), crate::codec::pdu::TypeOfNumber::Subscriber);
        assert_eq!(show(d.timestamp).as_str(), "1999-03-29T15:16:59+02:00");
        assert_eq!(text(&d.user_data).as_str(), "hellohello");
        assert!(!d.more_messages_waiting && !d.reply_path && !d.udhi && !d.status_report_indication);
        assert_eq!((d.pid, d.dcs.alphabet(), d.dcs.class()), (0, Alphabet::Gsm7, None));
    }

    #[test]
    fn deliver_alphanumeric_sender() {
        let p = octets("07919762020033F1400DD0CDF2396C7EBB010008415072411084618C0500035602010053004D005300200063006F00640065003A00200034003800350036002C00200063006F006E006600690072006D006100740069006F006E0020006F00660020006100730073006F00630069006100740069006F006E0020006200650074007700650065006E0020006100630063006F0075006E007400200061006E00640020004D00650067");
        let d = deliver(&p);
        assert_eq!(show(d.originator).as_str(), "Megafon");
        assert!(d.originator.is_alphanumeric() && d.udhi);
        let udh = d.user_data.udh().unwrap();
        assert_eq!(udh.concat(), Some(Concat { reference: 0x56, ref_bits: RefBits::Eight, seq: 1, total: 2 }));
        assert_eq!(text(&d.user_data).as_str(), "SMS code: 4856, confirmation of association between account and Meg");
        assert_eq!(show(d.timestamp).as_str(), "2014-05-27T14:01:48+04:00");
    }

    #[test]
    fn deliver_concatenated_gsm7_with_fill_bit() {
        let p = octets("0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20");
        let d = deliver(&p);
        assert_eq!(show(d.originator).as_str(), "2781188");
        assert_eq!(
            text(&d.user_data).as_str(),
            "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. "
        );
        assert_eq!(d.user_data.udh().unwrap().concat().map(|c| (c.reference, c.seq, c.total)), Some((0xC3, 1, 1)));
    }

    #[test]
    fn deliver_ucs2() {
        let p = octets("07910201956905F0040B910201014160F3000820219130521580040628062A");
        let d = deliver(&p);
        assert_eq!(show(d.originator).as_str(), "+20101014063");
        assert_eq!((d.dcs.alphabet(), text(&d.user_data).as_str()), (Alphabet::Ucs2, "بت"));
    }

    #[test]
    fn deliver_eight_bit_with_port_header() {
        let p = octets("07912374151616F6440B911174164210F000F571309290346280860605040B8423F04F06226170706C69636174696F6E2F766E642E7761702E6D6D732D6D65737361676500AF848C82983831343630343934406D6D7331008D928918802B33333333333439333231312F545950453D504C4D4E0096008F8186818A808E03017A598805810303F48083687474703A2F2F6D74732F3F69643D383134363034393400");
        let d = deliver(&p);
        assert_eq!((d.dcs.alphabet(), d.dcs.class()), (Alphabet::EightBit, Some(MessageClass::Class1)));
        let ies: heapless::Vec<_, 4> = d.user_data.udh().unwrap().ies().map(|ie| (ie.iei, ie.data)).collect();
        assert_eq!(ies.as_slice(), &[(0x05, &[0x0B, 0x84, 0x23, 0xF0][..])]);
        assert_eq!(d.user_data.body().len(), 0x86 - 7);
        assert_eq!(d.user_data.body().first(), Some(&0x4F));
    }

    #[test]
    fn submit_relative_validity_without_smsc() {
        let p = octets("0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
        let s = submit(&p);
        assert_eq!(s.smsc, None);
        assert_eq!(show(s.destination).as_str(), "+46708251358");
        assert_eq!(s.validity, Some(ValidityPeriod::Relative(0xAA)));
        assert_eq!(crate::codec::pdu::validity::relative_minutes(0xAA), 4 * 24 * 60);
        assert_eq!((s.message_ref, text(&s.user_data).as_str()), (0, "hellohello"));
        assert!(!s.reject_duplicates && !s.status_report_request);
    }

    #[test]
    fn submit_absolute_and_enhanced_validity() {
        let p = octets("0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301");
        let s = submit(&p);
        match s.validity {
            Some(ValidityPeriod::Absolute(t)) => {
                assert_eq!(show(t).as_str(), "2013-07-10T13:39:00+02:00")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(text(&s.user_data).as_str(), "Timestamp validity test");
        // TP-VPF 01: enhanced, relative in seconds (30 s), single shot.
        let p = octets("000900048121430000421E000000000005E8329BFD06");
        let s = submit(&p);
        match s.validity {
            Some(ValidityPeriod::Enhanced(e)) => {
                assert_eq!((e.seconds(), e.single_shot()), (Some(30), true))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(text(&s.user_data).as_str(), "hello");
    }

    #[test]
    fn submit_flags_and_empty_user_data_with_udhi() {
        // RP, UDHI, VPF relative, RD; UDL 0 with UDHI: no header, empty text.
        let p = octets("058163465010D5B00C8163460653332000000000");
        let s = submit(&p);
        assert_eq!(show(s.smsc.unwrap()).as_str(), "36640501");
        assert!(s.reply_path && s.udhi && s.reject_duplicates && !s.status_report_request);
        assert_eq!((s.message_ref, s.validity), (0xB0, Some(ValidityPeriod::Relative(0))));
        assert_eq!((s.user_data.udh(), text(&s.user_data).as_str()), (None, ""));
    }

    #[test]
    fn status_report_plain() {
        let p = octets("079124603050020006E80C91666666666666909070618422809090706184628000");
        let r = report(&p);
        assert_eq!(show(r.smsc.unwrap()).as_str(), "+420603052000");
        assert_eq!((r.message_ref, show(r.recipient).as_str()), (0xE8, "+666666666666"));
        assert_eq!(show(r.timestamp).as_str(), "2009-09-07T16:48:22+02:00");
        assert_eq!(show(r.discharge_time).as_str(), "2009-09-07T16:48:26+02:00");
        assert_eq!((r.status.category(), r.pid, r.dcs, r.user_data), (StatusCategory::Completed, None, None, None));
    }

    #[test]
    fn status_report_with_ff_padding() {
        let p = octets("079124602009999002AB098106845688F8907080517375809070805183018000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
        let r = report(&p);
        assert_eq!((r.message_ref, show(r.recipient).as_str(), r.status), (0xAB, "604865888", Status(0)));
        assert_eq!(r.user_data, None);
    }

    #[test]
    fn status_report_optional_parameters() {
        const SR: &str = "0006D60B911326880736F4111011719551401110117195714046";
        let with = |tail: &str| {
            let mut s = Text::new();
            s.push_str(SR).unwrap();
            s.push_str(tail).unwrap();
            octets(&s)
        };
        // PID, DCS, UDL + UD.
        let p = with("07000005E8329BFD06");
        let r = report(&p);
        assert_eq!((r.pid, r.dcs), (Some(0), Some(Dcs::new(0))));
        assert_eq!(text(&r.user_data.unwrap()).as_str(), "hello");
        assert_eq!(r.status.category(), StatusCategory::Permanent);
        // UDL without DCS: the default alphabet.
        let p = with("0405E8329BFD06");
        assert_eq!(text(&report(&p).user_data.unwrap()).as_str(), "hello");
        // DCS only, UCS-2 user data would need UDL.
        let p = with("0208");
        assert_eq!((report(&p).dcs, report(&p).user_data), (Some(Dcs::new(8)), None));
        // An extension octet, then PID.
        let p = with("810000");
        assert_eq!(report(&p).pid, Some(0));
        // A reserved bit: what follows TP-UD is discarded.
        let p = with("0C05E8329BFD06123456");
        assert_eq!(text(&report(&p).user_data.unwrap()).as_str(), "hello");
        // No reserved bit: left-over octets are an error.
        assert_eq!(decode(&with("0405E8329BFD06123456")), Err(Error::TrailingBytes { count: 3 }));
        // PI that announces more than is there.
        assert_eq!(decode(&with("03")), Err(Error::Truncated { field: "TP-PID" }));
        assert_eq!(decode(&with("80")), Err(Error::Truncated { field: "TP-PI" }));
        assert_eq!(decode(&with("0405E832")), Err(Error::Truncated { field: "TP-UD" }));
    }

    #[test]
    fn trailing_octets() {
        const PDU: &str = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
        let mut s = Text::new();
        s.push_str(PDU).unwrap();
        s.push_str("FFFF").unwrap();
        assert!(decode(&octets(&s)).is_ok(), "FF padding");
        s.push_str("00").unwrap();
        assert_eq!(decode(&octets(&s)), Err(Error::TrailingBytes { count: 3 }));
        // A cut at the count the error gives decodes.
        let p = octets(&s);
        assert!(decode(&p[..p.len() - 3]).is_ok());
    }

    #[test]
    fn decode_tpdu_has_no_smsc_field() {
        let p = octets("0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
        assert_eq!(decode_tpdu(&p[1..]), decode(&p));
    }

    #[test]
    fn invalid_fields() {
        let cases: &[(&str, Error)] = &[
            ("0003", Error::InvalidField { field: "TP-MTI", reason: "reserved message type 3" }),
            ("0C", Error::InvalidField { field: "SMSC", reason: "SMSC address longer than 11 octets" }),
            ("0000158100", Error::InvalidField { field: "TP-OA", reason: "address longer than 20 semi-octets" }),
            // Month 13 in TP-SCTS.
            (
                "00000481214300004231510103548000",
                Error::InvalidField { field: "TP-SCTS", reason: "month outside 1..=12" },
            ),
            // UCS-2 with UDL 160.
            (
                "0041010B910661345542F60008A0050003000301306F3044",
                Error::InvalidField { field: "TP-UDL", reason: "more octets than the user data holds" },
            ),
        ];
        for (hex_text, err) in cases {
            assert_eq!(decode(&octets(hex_text)), Err(*err), "{hex_text}");
        }
    }

    /// Valid PDUs whose every proper prefix is cut inside a mandatory field.
    const COMPLETE: &[&str] = &[
        "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20",
        "07910201956905F0040B910201014160F3000820219130521580040628062A",
        "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
        "0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301",
        "000900048121430000421E000000000005E8329BFD06",
        "07914487200030230406D04F5904000060119180624300034F990E",
        "079124603050020006E80C91666666666666909070618422809090706184628000",
        "0791449737019037040C9144970710112800008010101041240000",
    ];

    #[test]
    fn every_prefix_is_truncated() {
        for hex_text in COMPLETE {
            let p = octets(hex_text);
            assert!(decode(&p).is_ok(), "{hex_text}");
            for cut in 0..p.len() {
                let got = decode(&p[..cut]);
                assert!(matches!(got, Err(Error::Truncated { .. })), "{hex_text} cut at {cut}: {got:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_octets_never_panic(p in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(pdu) = decode(&p) {
                // Walk everything a caller may ask for.
                if let Some(ud) = pdu.user_data() {
                    if let Ok(chars) = ud.text() {
                        chars.for_each(drop);
                    }
                    if let Some(udh) = ud.udh() {
                        let _ = (udh.concat(), udh.tables(), udh.ies().count());
                    }
                }
                if let Some(a) = pdu.smsc() {
                    a.chars().for_each(drop);
                }
            }
            let _ = decode_tpdu(&p);
        }

        #[test]
        fn mutated_pdus_never_panic(which in 0..COMPLETE.len(), at in 0usize..200, value in any::<u8>()) {
            let mut p = octets(COMPLETE[which]);
            let n = p.len();
            if let Some(b) = p.get_mut(at % n) {
                *b = value;
            }
            if let Ok(pdu) = decode(&p) {
                if let Some(Ok(chars)) = pdu.user_data().map(|ud| ud.text()) {
                    chars.for_each(drop);
                }
            }
        }
    }
}
