//! The modems the simulator can be: what each one calls itself, how it boots, what it says
//! unasked, and the small differences in framing that a driver has to cope with.

/// Which modem to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Profile {
    /// A Huawei E3372-like LTE stick: echo on at power-up, `^RSSI`/`^HCSQ`/`^DSFLOWRPT`/`^MODE`/
    /// `^SRVST` floods and a `^BOOT` heartbeat until `AT^CURC=0`, `AT^ICCID?`, SMS indexes from 0.
    #[default]
    Huawei,
    /// A SIMCom SIM800-like GSM module: `RDY`, `+CFUN: 1`, `+CPIN: READY`, `Call Ready`,
    /// `SMS Ready` on boot, a bare `>` prompt, `AT+CCID`, SMS indexes from 1.
    ///
    /// The bare prompt tests a driver's tolerance; libGammu and python-gsmmodem both wait for
    /// `"> "` after `AT+CMGS` and cannot send through this profile.
    Sim800,
    /// A Quectel EC25-like LTE module: `RDY`, `+QUSIM`, `+QIND` on boot, `AT+QCCID`, SMS
    /// indexes from 0.
    Ec25,
}

/// A URC a profile repeats on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Periodic {
    pub line: &'static str,
    pub every_ms: u32,
    /// Whether `AT^CURC=0` silences it (Huawei).
    pub curc: bool,
}

/// Everything that differs between the profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Spec {
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub revision: &'static str,
    /// IMEI (valid Luhn check digit).
    pub imei: &'static str,
    pub imsi: &'static str,
    pub iccid: &'static str,
    /// Lines of `ATI`.
    pub ati: &'static [&'static str],
    /// From power-on to the first answer.
    pub boot_ms: u32,
    /// Said once booted, each this long after the boot completed.
    pub boot_urcs: &'static [(u32, &'static str)],
    /// The SMS prompt as sent after `AT+CMGS`.
    pub prompt: &'static [u8],
    /// Number of the first SMS storage slot in AT commands.
    pub first_index: usize,
    /// `+CLIP` before `RING` rather than after it.
    pub clip_first: bool,
    /// Huawei's `^CEND` when a call ends.
    pub cend: bool,
    pub periodic: &'static [Periodic],
    /// The URC a flood fault repeats.
    pub flood: &'static str,
    /// How `AT+CCID` answers: with a `+CCID: ` prefix, or the bare number.
    pub ccid_prefixed: bool,
}

/// Most periodic URCs a profile has.
pub const MAX_PERIODIC: usize = 6;

const HUAWEI: Spec = Spec {
    manufacturer: "huawei",
    model: "E3372",
    revision: "22.200.15.00.00",
    imei: "867223024681355",
    imsi: "262011234567890",
    iccid: "89490200001234567892",
    ati: &[
        "Manufacturer: huawei",
        "Model: E3372",
        "Revision: 22.200.15.00.00",
        "IMEI: 867223024681355",
        "+GCAP: +CGSM,+DS,+ES",
    ],
    boot_ms: 4_000,
    boot_urcs: &[(0, "^SIMST:1"), (300, "^SRVST:2"), (600, "^MODE:5,4"), (900, "^RSSI:20")],
    prompt: b"> ",
    first_index: 0,
    clip_first: false,
    cend: true,
    periodic: &[
        Periodic { line: "^RSSI:20", every_ms: 9_000, curc: true },
        Periodic { line: "^HCSQ:\"LTE\",52,45,132,28", every_ms: 11_000, curc: true },
        Periodic {
            line: "^DSFLOWRPT:00000D2E,00000000,00000000,0000000000053F4C,00000000000124A6,0003E800,0003E800",
            every_ms: 2_000,
            curc: true,
        },
        Periodic { line: "^MODE:5,4", every_ms: 30_000, curc: true },
        Periodic { line: "^SRVST:2", every_ms: 31_000, curc: true },
        Periodic { line: "^BOOT:20952548,0,0,0,72", every_ms: 20_000, curc: true },
    ],
    flood: "^RSSI:20",
    ccid_prefixed: true,
};

const SIM800: Spec = Spec {
    manufacturer: "SIMCOM_Ltd",
    model: "SIMCOM_SIM800",
    revision: "Revision:1418B04SIM800C24",
    imei: "869170031234561",
    imsi: "262011234567890",
    iccid: "89490200001234567892",
    ati: &["SIM800 R14.18"],
    boot_ms: 2_000,
    boot_urcs: &[(0, "RDY"), (200, "+CFUN: 1"), (400, "+CPIN: READY"), (1_500, "Call Ready"), (2_500, "SMS Ready")],
    prompt: b">",
    first_index: 1,
    clip_first: false,
    cend: false,
    periodic: &[],
    flood: "+CREG: 1",
    ccid_prefixed: false,
};

const EC25: Spec = Spec {
    manufacturer: "Quectel",
    model: "EC25",
    revision: "EC25EFAR06A06M4G",
    imei: "866758041234564",
    imsi: "262011234567890",
    iccid: "89490200001234567892",
    ati: &["Quectel", "EC25", "Revision: EC25EFAR06A06M4G"],
    boot_ms: 5_000,
    boot_urcs: &[
        (0, "RDY"),
        (300, "+CFUN: 1"),
        (600, "+CPIN: READY"),
        (800, "+QUSIM: 1"),
        (1_200, "+QIND: SMS DONE"),
        (2_000, "+QIND: PB DONE"),
    ],
    prompt: b"> ",
    first_index: 0,
    clip_first: false,
    cend: false,
    periodic: &[],
    flood: "+QIND: \"csq\",20,99",
    ccid_prefixed: true,
};

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Huawei, Profile::Sim800, Profile::Ec25];

    /// Its name on the command line: `huawei`, `sim800`, `ec25`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Huawei => "huawei",
            Profile::Sim800 => "sim800",
            Profile::Ec25 => "ec25",
        }
    }

    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name))
    }

    pub fn spec(self) -> &'static Spec {
        match self {
            Profile::Huawei => &HUAWEI,
            Profile::Sim800 => &SIM800,
            Profile::Ec25 => &EC25,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luhn_ok(digits: &str) -> bool {
        let sum: u32 = digits
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let x = d * 2;
                    x / 10 + x % 10
                } else {
                    d
                }
            })
            .sum();
        sum % 10 == 0
    }

    #[test]
    fn identities_are_well_formed() {
        for p in Profile::ALL {
            let s = p.spec();
            assert_eq!(Profile::from_name(p.name()), Some(p));
            assert!(s.imei.len() == 15 && luhn_ok(s.imei), "{p:?} IMEI");
            assert!(luhn_ok(s.iccid) && s.iccid.len() == 20, "{p:?} ICCID");
            assert!(s.imsi.len() == 15 && s.imsi.bytes().all(|b| b.is_ascii_digit()));
            assert!(s.periodic.len() <= MAX_PERIODIC);
            assert!(s.boot_urcs.windows(2).all(|w| w[0].0 <= w[1].0), "{p:?} boot URCs in order");
        }
        assert_eq!(Profile::from_name("SIM800"), Some(Profile::Sim800));
        assert_eq!(Profile::from_name("nokia"), None);
    }
}
