//! Board files (`board/*.toml`): which serial device the modem is, which GPIO lines switch its
//! power and light the LEDs, and how long a power cycle takes.
//!
//! ```toml
//! name = "Raspberry Pi 4 Model B"
//!
//! [modem]
//! device = "/dev/smsgw-modem"   # a /dev/serial/by-id/... name or the udev symlink
//! family = "huawei"             # huawei, simcom, quectel, generic
//!
//! [gpio]
//! chip = { label = "pinctrl-bcm2711" }   # or { path = "/dev/gpiochip0" }
//!
//! [power]
//! switch = "relay"     # relay, mosfet-vbus, pwrkey, none
//! line = 17            # an offset on the chip, or a line name ("GPIO17")
//! active = "high"      # the level that cuts the supply (or presses PWRKEY)
//! # pulse_ms = 1200    # pwrkey only: how long a press lasts
//!
//! [leds]
//! health = { line = 22 }                  # active = "high" unless said otherwise
//! network = { line = 23 }
//! queue = { line = 24, active = "low" }
//!
//! [timings]
//! off_ms = 3000            # supply cut (or PWRKEY power-down time)
//! boot_ms = 30000          # power back to the modem answering
//! reenumerate_ms = 20000   # power back to the USB port being there again
//!
//! [limits]
//! cycles_per_hour = 4
//! ```
//!
//! Any line may name its own `chip`. [`BoardConfig::load`] parses and validates; every error
//! names the key it is about.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::board::power::MAX_CYCLES_PER_WINDOW;
use crate::board::{Led, Line, Polarity, PowerConfig, Switch};
use crate::modem::{Family, Timings};

/// Why a board file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read.
    Read { path: PathBuf, reason: String },
    /// Not TOML, or a key unknown, missing or of the wrong type (the text names it).
    Parse { reason: String },
    /// A value does not make sense; `key` is its dotted path (`power.pulse_ms`).
    Invalid { key: String, reason: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, reason } => write!(f, "{}: {reason}", path.display()),
            ConfigError::Parse { reason } => write!(f, "board file: {reason}"),
            ConfigError::Invalid { key, reason } => write!(f, "board file: {key}: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), reason: reason.into() }
}

/// How the lines are driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinDriver {
    /// The GPIO character device (`/dev/gpiochipN`).
    #[default]
    Gpio,
    /// Simulated pins that record every change (tests, `smsgw demo`).
    Sim,
}

/// The modem family, as board files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FamilyName {
    Generic,
    Huawei,
    Simcom,
    Quectel,
}

impl From<FamilyName> for Family {
    fn from(f: FamilyName) -> Family {
        match f {
            FamilyName::Generic => Family::Generic,
            FamilyName::Huawei => Family::Huawei,
            FamilyName::Simcom => Family::Simcom,
            FamilyName::Quectel => Family::Quectel,
        }
    }
}

/// The modem.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModemSection {
    /// The serial device: a stable name (`/dev/serial/by-id/...`, `/dev/smsgw-modem`), so a
    /// re-enumeration that renumbers the ttys does not lose it.
    pub device: PathBuf,
    pub family: FamilyName,
}

/// A GPIO chip.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum ChipRef {
    /// `/dev/gpiochipN`: fine where the numbering never changes.
    Path(PathBuf),
    /// The chip's label (`pinctrl-rp1`): the same on every kernel, where the number is not
    /// (the Raspberry Pi 5's header is `gpiochip4` on older kernels, `gpiochip0` on newer).
    Label(String),
}

impl fmt::Display for ChipRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChipRef::Path(p) => write!(f, "{}", p.display()),
            ChipRef::Label(l) => write!(f, "label {l:?}"),
        }
    }
}

/// A line on a chip.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(untagged)]
pub enum LineRef {
    Offset(u32),
    /// The line's name in the device tree (`GPIO17`).
    Name(String),
}

impl fmt::Display for LineRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineRef::Offset(n) => write!(f, "{n}"),
            LineRef::Name(s) => write!(f, "{s:?}"),
        }
    }
}

/// The level that makes a line active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActiveLevel {
    #[default]
    High,
    Low,
}

impl From<ActiveLevel> for Polarity {
    fn from(a: ActiveLevel) -> Polarity {
        match a {
            ActiveLevel::High => Polarity::ActiveHigh,
            ActiveLevel::Low => Polarity::ActiveLow,
        }
    }
}

/// The GPIO chip lines are on unless they say otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioSection {
    pub chip: ChipRef,
}

/// The kind of power switch, as board files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchName {
    None,
    Relay,
    MosfetVbus,
    Pwrkey,
}

impl From<SwitchName> for Switch {
    fn from(s: SwitchName) -> Switch {
        match s {
            SwitchName::None => Switch::None,
            SwitchName::Relay => Switch::Relay,
            SwitchName::MosfetVbus => Switch::MosfetVbus,
            SwitchName::Pwrkey => Switch::Pwrkey,
        }
    }
}

/// The modem's power line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSection {
    pub switch: SwitchName,
    pub line: Option<LineRef>,
    #[serde(default)]
    pub active: ActiveLevel,
    pub chip: Option<ChipRef>,
    pub pulse_ms: Option<u32>,
}

impl PowerSection {
    /// `"high"` or `"low"`, as the board file says.
    pub fn active_name(&self) -> &'static str {
        Polarity::from(self.active).name()
    }
}

/// An LED line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedLine {
    pub line: LineRef,
    #[serde(default)]
    pub active: ActiveLevel,
    pub chip: Option<ChipRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedsSection {
    pub health: LedLine,
    pub network: LedLine,
    pub queue: LedLine,
}

impl LedsSection {
    pub fn get(&self, led: Led) -> &LedLine {
        match led {
            Led::Health => &self.health,
            Led::Network => &self.network,
            Led::Queue => &self.queue,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingsSection {
    pub off_ms: u32,
    pub boot_ms: u32,
    pub reenumerate_ms: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    pub cycles_per_hour: u8,
}

impl Default for LimitsSection {
    /// One more than the driver's default ladder needs before it gives up (three).
    fn default() -> Self {
        LimitsSection { cycles_per_hour: 4 }
    }
}

/// One board file. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardConfig {
    pub name: String,
    #[serde(default)]
    pub pins: PinDriver,
    pub modem: ModemSection,
    pub gpio: GpioSection,
    pub power: PowerSection,
    pub leds: LedsSection,
    pub timings: TimingsSection,
    #[serde(default)]
    pub limits: LimitsSection,
}

/// Where one line is, as the board file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSpec {
    pub role: Line,
    pub chip: ChipRef,
    pub line: LineRef,
    pub polarity: Polarity,
}

impl LineSpec {
    /// The dotted key of the line in the board file (`leds.queue.line`).
    pub fn key(&self) -> String {
        match self.role {
            Line::Power => "power.line".to_string(),
            Line::Led(led) => format!("leds.{}.line", led.name()),
        }
    }
}

/// A PWRKEY press shorter than this is ignored by every module we know (SIM800: 1 s, EC25:
/// 500 ms); longer than this, some modules take it as a forced shutdown.
const PULSE_MS: std::ops::RangeInclusive<u32> = 100..=5_000;
const OFF_MS: std::ops::RangeInclusive<u32> = 100..=120_000;
const BOOT_MS: std::ops::RangeInclusive<u32> = 1_000..=300_000;
const REENUMERATE_MS: std::ops::RangeInclusive<u32> = 1_000..=300_000;

impl BoardConfig {
    /// Reads, parses and validates a board file.
    pub fn load(path: &Path) -> Result<BoardConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.to_path_buf(), reason: e.to_string() })?;
        BoardConfig::parse(&text).map_err(|e| match e {
            ConfigError::Parse { reason } => ConfigError::Parse { reason: format!("{}: {reason}", path.display()) },
            ConfigError::Invalid { key, reason } => {
                ConfigError::Invalid { key, reason: format!("{reason} (in {})", path.display()) }
            }
            other => other,
        })
    }

    /// Parses and validates board file text.
    pub fn parse(text: &str) -> Result<BoardConfig, ConfigError> {
        let config: BoardConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse { reason: e.to_string().trim_end().to_string() })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types cannot: the power line matches the switch, timings are within
    /// what modems need, no line is used twice on one chip.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(invalid("name", "is empty"));
        }
        if !self.modem.device.is_absolute() {
            return Err(invalid(
                "modem.device",
                "must be an absolute path (/dev/serial/by-id/... or /dev/smsgw-modem)",
            ));
        }
        let p = &self.power;
        match (p.switch, &p.line) {
            (SwitchName::None, Some(_)) => return Err(invalid("power.line", "given, but switch is \"none\"")),
            (SwitchName::None, None) => {}
            (_, None) => return Err(invalid("power.line", "missing: which line switches the modem")),
            (_, Some(_)) => {}
        }
        match (p.switch, p.pulse_ms) {
            (SwitchName::Pwrkey, None) => return Err(invalid("power.pulse_ms", "missing: switch \"pwrkey\" needs it")),
            (SwitchName::Pwrkey, Some(ms)) if !PULSE_MS.contains(&ms) => {
                return Err(invalid("power.pulse_ms", range_text(&PULSE_MS)));
            }
            (SwitchName::Pwrkey, Some(_)) => {}
            (_, Some(_)) => return Err(invalid("power.pulse_ms", "only for switch \"pwrkey\"")),
            (_, None) => {}
        }
        let t = &self.timings;
        for (key, value, range) in [
            ("timings.off_ms", t.off_ms, &OFF_MS),
            ("timings.boot_ms", t.boot_ms, &BOOT_MS),
            ("timings.reenumerate_ms", t.reenumerate_ms, &REENUMERATE_MS),
        ] {
            if !range.contains(&value) {
                return Err(invalid(key, range_text(range)));
            }
        }
        let cycles = usize::from(self.limits.cycles_per_hour);
        if !(1..=MAX_CYCLES_PER_WINDOW).contains(&cycles) {
            return Err(invalid("limits.cycles_per_hour", format!("must be 1 to {MAX_CYCLES_PER_WINDOW}")));
        }
        let lines = self.lines();
        for (i, a) in lines.iter().enumerate() {
            if let Some(b) = lines[..i].iter().find(|b| b.chip == a.chip && b.line == a.line) {
                return Err(invalid(
                    a.key(),
                    format!("line {} on {} is already {} ({})", a.line, a.chip, b.role.name(), b.key()),
                ));
            }
        }
        Ok(())
    }

    /// Every wired line: the power line (unless the switch is `none`), then the LEDs.
    pub fn lines(&self) -> Vec<LineSpec> {
        let chip = |c: &Option<ChipRef>| c.clone().unwrap_or_else(|| self.gpio.chip.clone());
        let mut out = Vec::with_capacity(4);
        if let Some(line) = &self.power.line {
            out.push(LineSpec {
                role: Line::Power,
                chip: chip(&self.power.chip),
                line: line.clone(),
                polarity: self.power.active.into(),
            });
        }
        for led in Led::ALL {
            let l = self.leds.get(led);
            out.push(LineSpec {
                role: Line::Led(led),
                chip: chip(&l.chip),
                line: l.line.clone(),
                polarity: l.active.into(),
            });
        }
        out
    }

    pub fn family(&self) -> Family {
        self.modem.family.into()
    }

    /// The power sequencer's settings.
    pub fn power_config(&self) -> PowerConfig {
        PowerConfig {
            switch: self.power.switch.into(),
            pulse: ms(self.power.pulse_ms.unwrap_or(0)),
            off: ms(self.timings.off_ms),
            boot: ms(self.timings.boot_ms),
            max_cycles: self.limits.cycles_per_hour,
            window: Duration::from_secs(3_600),
        }
    }

    /// The driver's timings for this board's modem: the family's, with the re-enumeration wait
    /// covering the power cycle itself and the USB enumeration after it, and the boot wait at
    /// least this modem's boot time.
    pub fn modem_timings(&self) -> Timings {
        let mut t = Timings::for_family(self.family());
        let reenumerate = self.power_config().span() + ms(self.timings.reenumerate_ms);
        t.reenumerate = t.reenumerate.max(reenumerate);
        t.boot = t.boot.max(ms(self.timings.boot_ms));
        t
    }
}

fn ms(n: u32) -> Duration {
    Duration::from_millis(u64::from(n))
}

fn range_text(range: &std::ops::RangeInclusive<u32>) -> String {
    format!("must be {} to {} ms", range.start(), range.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "test board"
[modem]
device = "/dev/smsgw-modem"
family = "quectel"
[gpio]
chip = { label = "pinctrl-bcm2711" }
[power]
switch = "pwrkey"
line = 17
active = "low"
pulse_ms = 600
[leds]
health = { line = 22 }
network = { line = "GPIO23" }
queue = { line = 24, active = "low", chip = { path = "/dev/gpiochip1" } }
[timings]
off_ms = 30000
boot_ms = 15000
reenumerate_ms = 20000
"#;

    #[test]
    fn a_good_file() {
        let c = BoardConfig::parse(GOOD).unwrap();
        assert_eq!(c.pins, PinDriver::Gpio);
        assert_eq!(c.family(), Family::Quectel);
        assert_eq!(c.limits.cycles_per_hour, 4);
        let lines = c.lines();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            LineSpec {
                role: Line::Power,
                chip: ChipRef::Label("pinctrl-bcm2711".into()),
                line: LineRef::Offset(17),
                polarity: Polarity::ActiveLow
            }
        );
        assert_eq!(lines[2].line, LineRef::Name("GPIO23".into()));
        assert_eq!(lines[3].chip, ChipRef::Path("/dev/gpiochip1".into()));
        assert_eq!(lines[3].polarity, Polarity::ActiveLow);
        let p = c.power_config();
        assert_eq!((p.switch, p.pulse, p.off, p.max_cycles), (Switch::Pwrkey, ms(600), ms(30_000), 4));
        // 600 + 30 000 + 600 ms of pulses and power-down, then 20 s to enumerate: beyond the
        // family's 45 s.
        let t = c.modem_timings();
        assert_eq!(t.reenumerate, ms(51_200));
        assert_eq!(t.boot, Timings::for_family(Family::Quectel).boot);
    }

    /// A change to the good file and the key its error must name.
    #[test]
    fn errors_name_the_key() {
        let cases: &[(&str, &str, &str)] = &[
            ("name = \"test board\"", "name = \" \"", "name"),
            ("device = \"/dev/smsgw-modem\"", "device = \"ttyUSB0\"", "modem.device"),
            ("pulse_ms = 600", "", "power.pulse_ms"),
            ("pulse_ms = 600", "pulse_ms = 20", "power.pulse_ms"),
            ("switch = \"pwrkey\"", "switch = \"relay\"", "power.pulse_ms"),
            ("line = 17\n", "", "power.line"),
            ("switch = \"pwrkey\"\nline = 17\n", "switch = \"none\"\nline = 17\n", "power.line"),
            ("off_ms = 30000", "off_ms = 0", "timings.off_ms"),
            ("boot_ms = 15000", "boot_ms = 999999", "timings.boot_ms"),
            ("reenumerate_ms = 20000", "reenumerate_ms = 10", "timings.reenumerate_ms"),
            ("health = { line = 22 }", "health = { line = 17 }", "leds.health.line"),
            ("network = { line = \"GPIO23\" }", "network = { line = 22 }", "leds.network.line"),
            (
                "reenumerate_ms = 20000",
                "reenumerate_ms = 20000\n[limits]\ncycles_per_hour = 0",
                "limits.cycles_per_hour",
            ),
            (
                "reenumerate_ms = 20000",
                "reenumerate_ms = 20000\n[limits]\ncycles_per_hour = 17",
                "limits.cycles_per_hour",
            ),
        ];
        for (from, to, key) in cases {
            assert!(GOOD.contains(from), "{from}");
            let text = GOOD.replacen(from, to, 1);
            match BoardConfig::parse(&text) {
                Err(ConfigError::Invalid { key: k, reason }) => assert_eq!(k, *key, "{to:?}: {reason}"),
                other => panic!("{to:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_same_line_on_another_chip_is_another_line() {
        let text = GOOD.replace("queue = { line = 24,", "queue = { line = 22,");
        BoardConfig::parse(&text).unwrap();
        let text = GOOD.replace(
            "queue = { line = 24, active = \"low\", chip = { path = \"/dev/gpiochip1\" } }",
            "queue = { line = 22 }",
        );
        let e = BoardConfig::parse(&text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "board file: leds.queue.line: line 22 on label \"pinctrl-bcm2711\" is already health (leds.health.line)"
        );
    }

    #[test]
    fn parse_errors_name_the_key() {
        let cases: &[(&str, &str, &str)] = &[
            ("switch = \"pwrkey\"", "switch = \"transistor\"", "switch"),
            ("family = \"quectel\"", "family = \"nokia\"", "family"),
            ("queue = { line = 24, active = \"low\",", "queue = { line = 24, active = \"middle\",", "active"),
            ("[timings]", "[timings]\nspeed = 3", "speed"),
            ("health = { line = 22 }\n", "", "health"),
            ("chip = { label = \"pinctrl-bcm2711\" }", "chip = { number = 4 }", "number"),
        ];
        for (from, to, key) in cases {
            assert!(GOOD.contains(from), "{from}");
            match BoardConfig::parse(&GOOD.replacen(from, to, 1)) {
                Err(ConfigError::Parse { reason }) => assert!(reason.contains(key), "{to:?}: {reason}"),
                other => panic!("{to:?}: {other:?}"),
            }
        }
    }
}
