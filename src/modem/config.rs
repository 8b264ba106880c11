//! How the driver is set up: timings per modem family, the PIN, message spacing, calls, and the
//! limits of the recovery ladder.

use core::fmt;
use core::time::Duration;

use heapless::String;

use super::Error;

/// The longest SIM PIN: 8 digits (TS 31.101 §9.2.1 / ISO 7816-4 CHV).
pub const PIN_CHARS: usize = 8;

/// A SIM PIN: 4 to 8 digits, checked when it is made, so a malformed PIN never costs the SIM
/// one of its tries. Debug and defmt output never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String<PIN_CHARS>);

impl Pin {
    pub fn new(digits: &str) -> Result<Pin, Error> {
        if !(4..=PIN_CHARS).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidConfig { reason: "a PIN is 4 to 8 digits" });
        }
        String::try_from(digits).map(Pin).map_err(|_| Error::InvalidConfig { reason: "a PIN is 4 to 8 digits" })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Pin {
    type Error = Error;

    fn try_from(digits: &str) -> Result<Pin, Error> {
        Pin::new(digits)
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(****)")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Pin {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "Pin(****)")
    }
}

/// The modem families whose timings and commands differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Family {
    /// Anything else: conservative timings, standard commands.
    #[default]
    Generic,
    /// Huawei USB sticks (E173, E3372 in stick mode, …): `^ICCID?`, slow to boot.
    Huawei,
    /// SIMCom modules (SIM800, SIM7600, …).
    Simcom,
    /// Quectel modules (EC25, EG91, M95, …): `+QCCID`, `+CMGS` may take 120 s.
    Quectel,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 4] = [Family::Generic, Family::Huawei, Family::Simcom, Family::Quectel];

    /// Lower-case name, as the configuration file and the command line write it.
    pub fn name(self) -> &'static str {
        match self {
            Family::Generic => "generic",
            Family::Huawei => "huawei",
            Family::Simcom => "simcom",
            Family::Quectel => "quectel",
        }
    }

    /// The family with this [`name`](Self::name), in any case.
    pub fn from_name(name: &str) -> Option<Family> {
        Self::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// How long the driver waits for each thing, per modem family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timings {
    /// Each `AT` probe while waking the modem.
    pub probe: Duration,
    /// `AT` probes before the next escalation (ESC, then Ctrl-Z) or giving up.
    pub probe_attempts: u8,
    /// After ESC or Ctrl-Z, before the next `AT`: the modem leaves the prompt.
    pub guard: Duration,
    /// An ordinary command's final result.
    pub command: Duration,
    /// `AT+CMGS=<n>` to the `>` prompt.
    pub prompt: Duration,
    /// The PDU to `+CMGS: <mr>` and `OK`: the network answers, which takes long on busy cells.
    pub result: Duration,
    /// After `AT+CFUN=1,1`, for the modem to boot.
    pub boot: Duration,
    /// After a USB reset or power cycle, for the port to come back.
    pub reenumerate: Duration,
    /// For the SIM to become ready (after power-up or the PIN).
    pub sim_ready: Duration,
    /// Before repeating a step that failed for now (SIM busy, an initialisation command
    /// refused while the modem starts up).
    pub retry: Duration,
    /// After `RING` with no `+CLIP`: the call is reported without a number.
    pub clip_wait: Duration,
    /// No `RING` for this long: the caller gave up.
    pub ring_silence: Duration,
    /// A part that cannot start this long after it could first have (not registered, modem
    /// recovering) fails as temporary, so the caller is not kept waiting forever.
    pub send_wait: Duration,
}

impl Timings {
    /// The defaults for `family`.
    pub const fn for_family(family: Family) -> Timings {
        let generic = Timings {
            probe: Duration::from_millis(1_000),
            probe_attempts: 3,
            guard: Duration::from_millis(500),
            command: Duration::from_secs(5),
            prompt: Duration::from_secs(10),
            result: Duration::from_secs(90),
            boot: Duration::from_secs(30),
            reenumerate: Duration::from_secs(45),
            sim_ready: Duration::from_secs(30),
            retry: Duration::from_secs(2),
            clip_wait: Duration::from_millis(1_500),
            ring_silence: Duration::from_secs(8),
            send_wait: Duration::from_secs(120),
        };
        match family {
            Family::Generic => generic,
            // Sticks answer `AT+COPS?` and `AT+CPMS` slowly while the network is busy, and take
            // the longest to boot and to come back on the USB bus.
            Family::Huawei => Timings {
                command: Duration::from_secs(10),
                boot: Duration::from_secs(40),
                reenumerate: Duration::from_secs(60),
                ..generic
            },
            // SIM800/SIM7600 documents give 60 s as the longest `+CMGS` response time.
            Family::Simcom => Timings { result: Duration::from_secs(60), boot: Duration::from_secs(20), ..generic },
            // Quectel documents give 120 s as the longest `+CMGS` response time.
            Family::Quectel => Timings { result: Duration::from_secs(120), ..generic },
        }
    }
}

impl Default for Timings {
    fn default() -> Self {
        Timings::for_family(Family::Generic)
    }
}

/// Limits of the recovery ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LadderLimits {
    /// Whether the ladder includes the USB reset step.
    pub usb_reset: bool,
    /// Ladders that may run to the end without the modem coming back, within `window`, before
    /// the driver stops with `Fault::ModemDead`.
    pub max_failed: u8,
    pub window: Duration,
    /// A modem that hangs again within this time after a recovery step brought it back is
    /// taken to the next step, not the first.
    pub stable_after: Duration,
}

impl Default for LadderLimits {
    fn default() -> Self {
        LadderLimits {
            usb_reset: true,
            max_failed: 3,
            window: Duration::from_secs(3_600),
            stable_after: Duration::from_secs(600),
        }
    }
}

/// Everything the driver is told when it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    pub family: Family,
    pub timings: Timings,
    /// Entered once when the SIM asks for it.
    pub pin: Option<Pin>,
    /// Least time from one part's result to the next part's `AT+CMGS`. Some dongles drop
    /// parts sent back to back; 10 s cures them.
    pub message_spacing: Duration,
    /// How often signal and registration are checked while idle.
    pub watch_interval: Duration,
    /// `None`: let incoming calls ring; `Some(n)`: hang up after `n` rings (`0`: at once, as
    /// soon as the caller's number is known).
    pub hang_up_calls: Option<u8>,
    pub ladder: LadderLimits,
    /// List and read the messages already stored when the modem is initialised.
    pub drain_storage: bool,
    /// Times an initialisation step that failed for now (e.g. `AT+CMGF=0` refused while the
    /// modem starts up) is tried again before the modem counts as hung.
    pub init_retries: u8,
}

impl Config {
    /// The defaults for `family`.
    pub fn new(family: Family) -> Config {
        Config {
            family,
            timings: Timings::for_family(family),
            pin: None,
            message_spacing: Duration::ZERO,
            watch_interval: Duration::from_secs(30),
            hang_up_calls: None,
            ladder: LadderLimits::default(),
            drain_storage: true,
            init_retries: 5,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new(Family::Generic)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn pins_are_checked_and_never_shown() {
        let cases: &[(&str, bool)] =
            &[("1234", true), ("12345678", true), ("123", false), ("123456789", false), ("12a4", false), ("", false)];
        for (digits, ok) in cases {
            assert_eq!(Pin::new(digits).is_ok(), *ok, "{digits:?}");
        }
        let config = Config { pin: Some(Pin::new("4711").unwrap()), ..Config::default() };
        let shown = std::format!("{config:?}");
        assert!(!shown.contains("4711") && shown.contains("Pin(****)"), "{shown}");
    }

    #[test]
    fn family_timings() {
        assert_eq!(Timings::for_family(Family::Quectel).result, Duration::from_secs(120));
        assert_eq!(Timings::for_family(Family::Simcom).result, Duration::from_secs(60));
        assert!(Timings::for_family(Family::Huawei).boot > Timings::default().boot);
        assert_eq!(Config::new(Family::Huawei).timings, Timings::for_family(Family::Huawei));
    }
}
