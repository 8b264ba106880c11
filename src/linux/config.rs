//! The daemon's configuration: one TOML file (`/etc/smsgw/smsgw.toml` by default), checked
//! whole at start.
//!
//! Every mistake is reported with the key it is about (`modem.spacing: expected a duration like
//! "10s"`), and unknown keys are refused, so a misspelt key never silently does nothing. The
//! commented example ([`EXAMPLE`], `smsgw config example`) lists every key with its default.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::{Table, Value};

use super::board::BoardConfig;
use super::calls::{CallerRule, Callers, CallsConfig, QuietAction, QuietHours, Template, Zone};
use super::inbox_config::InboxConfig;
use super::keywords::{KeywordError, Keywords};
use super::log;
use super::number;
use super::store;
use super::upstream::UpstreamConfig;
use crate::codec::encoding::RefBits;
use crate::modem::{self, Family, Pin, Timings};

/// Where `smsgw run` looks when no `--config` is given.
pub const DEFAULT_PATH: &str = "/etc/smsgw/smsgw.toml";

/// The control socket when the configuration does not say.
pub const DEFAULT_SOCKET: &str = "/run/smsgw/control.sock";

/// The commented example configuration, every key with its default.
pub const EXAMPLE: &str = include_str!("../../board/config.example.toml");

/// Why a configuration was not taken.
#[derive(Debug)]
pub enum Error {
    /// There is no file at the path.
    NotFound { path: PathBuf },
    /// The file is there and cannot be read.
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not TOML.
    Syntax { path: Option<PathBuf>, message: String },
    /// A key is missing, unknown, or has a value that is not allowed.
    Invalid { path: Option<PathBuf>, key: String, message: String },
}

impl Error {
    fn invalid(key: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid { path: None, key: key.into(), message: message.into() }
    }

    fn in_file(self, file: &Path) -> Error {
        match self {
            Error::Syntax { path: None, message } => Error::Syntax { path: Some(file.to_path_buf()), message },
            Error::Invalid { path: None, key, message } => {
                Error::Invalid { path: Some(file.to_path_buf()), key, message }
            }
            other => other,
        }
    }

    /// The key the error is about, if it is about one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Error::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = |p: &Option<PathBuf>| p.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default();
        match self {
            Error::NotFound { path } => write!(
                f,
                "no configuration at {p}. smsgw does not guess which modem to use: make one with \
                 `smsgw config example > {p}`, set modem.device in it, and check it with `smsgw config check {p}`",
                p = path.display()
            ),
            Error::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Syntax { path, message } => write!(f, "{}not valid TOML: {}", file(path), message.trim_end()),
            Error::Invalid { path, key, message } => write!(f, "{}{key}: {message}", file(path)),
        }
    }
}

impl std::error::Error for Error {}

/// `[gateway]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    pub name: String,
}

/// Where the SIM PIN comes from.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum PinSetting {
    #[default]
    None,
    Given(Pin),
    /// Read at start, so it can be readable by the gateway's user only.
    File(PathBuf),
}

impl fmt::Debug for PinSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinSetting::None => f.write_str("None"),
            PinSetting::Given(_) => f.write_str("Given(****)"),
            PinSetting::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

/// `[modem]` and `[modem.timings]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModemConfig {
    pub device: PathBuf,
    pub baud: u32,
    pub family: Family,
    pub pin: PinSetting,
    pub spacing: Duration,
    pub watch_interval: Duration,
    pub hang_up_calls: Option<u8>,
    pub drain_storage: bool,
    /// The family's timings with the overrides of `[modem.timings]`.
    pub timings: Timings,
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    pub path: PathBuf,
    pub backend: store::Backend,
    pub attempts: u8,
    pub backoff: Vec<Duration>,
    pub unknown_policy: store::UnknownPolicy,
    pub retention: Duration,
    /// The engine's page cache in RAM, in bytes.
    pub cache: u64,
}

/// `[control]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlConfig {
    pub socket: PathBuf,
    /// The group the socket belongs to (mode 0660); `None`: the daemon's own group.
    pub group: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub gateway: GatewayConfig,
    pub modem: ModemConfig,
    pub store: StoreConfig,
    pub control: ControlConfig,
    pub log: log::Settings,
    /// `[upstream]`: the MySQL/MariaDB table to sync with; `None`: the local queue only.
    pub upstream: Option<UpstreamConfig>,
    /// `board = "…"` (or `[board] file = "…"`): the board file; `None`: no GPIO, no LEDs.
    /// A relative path is taken from the configuration file's directory by [`Config::load`].
    pub board: Option<PathBuf>,
    /// `[calls]`: replies to missed calls.
    pub calls: CallsConfig,
    /// `[inbox]`: received messages and delivery reports.
    pub inbox: InboxConfig,
}

const SECTIONS: &[&str] = &["gateway", "modem", "store", "control", "log", "upstream", "board", "calls", "inbox"];
const BOARD_KEYS: &[&str] = &["file"];
const GATEWAY_KEYS: &[&str] = &["name"];
const MODEM_KEYS: &[&str] = &[
    "device",
    "baud",
    "family",
    "pin",
    "pin_file",
    "spacing",
    "watch_interval",
    "hang_up_calls",
    "drain_storage",
    "timings",
];
const TIMING_KEYS: &[&str] = &[
    "probe",
    "guard",
    "command",
    "prompt",
    "result",
    "boot",
    "reenumerate",
    "sim_ready",
    "retry",
    "send_wait",
    "clip_wait",
    "ring_silence",
];
const STORE_KEYS: &[&str] = &["path", "backend", "attempts", "backoff", "unknown_policy", "retention", "cache"];

/// The store's page cache when `store.cache` does not say: the queue's working set (the ready
/// index, the messages being sent) is small, and a board's RAM is not. With 1 MiB the whole
/// daemon stays under 16 MiB with 100 000 messages queued, and sends as fast as with 4 MiB
/// (`BENCHMARKS.md`, daemon section).
pub const DEFAULT_STORE_CACHE: u64 = 1 << 20;
const CONTROL_KEYS: &[&str] = &["socket", "group"];
const LOG_KEYS: &[&str] = &["level", "file", "max_size", "keep"];
const CALLS_KEYS: &[&str] =
    &["reply", "template", "time_zone", "default_country", "allow", "deny", "quiet_hours", "quiet_action", "window"];
const INBOX_KEYS: &[&str] = &[
    "reassembly_timeout",
    "hook",
    "hook_timeout",
    "stop_keywords",
    "start_keywords",
    "opt_out",
    "status_reports",
    "report_window",
];

const DURATION_HINT: &str = "expected a duration like \"10s\" (ms, s, m, h or d)";
const SIZE_HINT: &str = "expected a size like \"10MiB\" (B, KiB, MiB, GiB or a number of bytes)";

/// Reads a duration: a number and a unit, `500ms`, `10s`, `5m`, `2h`, `30d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let ms_per = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(ms_per).map(Duration::from_millis)
}

/// Reads a size: bytes, or a number with `B`, `KiB`, `MiB`, `GiB` (also `K`, `M`, `G`).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KiB" | "KB" => 1 << 10,
        "M" | "MiB" | "MB" => 1 << 20,
        "G" | "GiB" | "GB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// A duration as the configuration writes it (the largest unit that divides it).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    for (unit, per) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms >= per && ms % per == 0 {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
}

/// One table of the file, with the keys it may have.
struct Section<'a> {
    name: String,
    table: Option<&'a Table>,
}

impl<'a> Section<'a> {
    /// The section `name` of `parent`, whose keys must be among `known`.
    fn new(parent: &'a Table, prefix: &str, name: &str, known: &[&str]) -> Result<Section<'a>, Error> {
        let full = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        let table = match parent.get(name) {
            None => None,
            Some(Value::Table(t)) => Some(t),
            Some(_) => return Err(Error::invalid(full, "expected a table (a [section])")),
        };
        if let Some(t) = table {
            check_keys(t, &full, known)?;
        }
        Ok(Section { name: full, table })
    }

    fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.table.and_then(|t| t.get(key))
    }

    fn string(&self, key: &str) -> Result<Option<&'a str>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::invalid(self.key(key), "expected a string in quotes")),
        }
    }

    fn path(&self, key: &str) -> Result<Option<PathBuf>, Error> {
        match self.string(key)? {
            Some("") => Err(Error::invalid(self.key(key), "expected a path, not an empty string")),
            other => Ok(other.map(PathBuf::from)),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::invalid(self.key(key), "expected true or false")),
        }
    }

    fn integer<T: TryFrom<i64>>(&self, key: &str, range: &str) -> Result<Option<T>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(n)) => T::try_from(*n)
                .map(Some)
                .map_err(|_| Error::invalid(self.key(key), format!("{n} is out of range ({range})"))),
            Some(_) => Err(Error::invalid(self.key(key), format!("expected a whole number ({range})"))),
        }
    }

    fn duration(&self, key: &str) -> Result<Option<Duration>, Error> {
        self.get(key).map(|v| duration_value(v, &self.key(key))).transpose()
    }

    fn size(&self, key: &str) -> Result<Option<u64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(n)) => {
                u64::try_from(*n).map(Some).map_err(|_| Error::invalid(self.key(key), SIZE_HINT))
            }
            Some(Value::String(s)) => parse_size(s).map(Some).ok_or_else(|| Error::invalid(self.key(key), SIZE_HINT)),
            Some(_) => Err(Error::invalid(self.key(key), SIZE_HINT)),
        }
    }

    /// A list of strings; `what` says what they are, for the error.
    fn strings(&self, key: &str, what: &str) -> Result<Option<Vec<&'a str>>, Error> {
        let expected = || Error::invalid(self.key(key), format!("expected a list of {what} in quotes"));
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                items.iter().map(|v| v.as_str().ok_or_else(expected)).collect::<Result<_, _>>().map(Some)
            }
            Some(_) => Err(expected()),
        }
    }

    /// A duration longer than zero.
    fn positive_duration(&self, key: &str, why: &str) -> Result<Option<Duration>, Error> {
        match self.duration(key)? {
            Some(d) if d.is_zero() => Err(Error::invalid(self.key(key), format!("must be longer than 0: {why}"))),
            other => Ok(other),
        }
    }

    /// One of `choices` (by name).
    fn choice<T: Copy>(&self, key: &str, choices: &[(&str, T)]) -> Result<Option<T>, Error> {
        let Some(s) = self.string(key)? else { return Ok(None) };
        choices.iter().find(|(name, _)| name.eq_ignore_ascii_case(s.trim())).map(|(_, v)| Some(*v)).ok_or_else(|| {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            Error::invalid(self.key(key), format!("{s:?} is not one of {}", names.join(", ")))
        })
    }
}

fn duration_value(v: &Value, key: &str) -> Result<Duration, Error> {
    match v {
        Value::String(s) => parse_duration(s).ok_or_else(|| Error::invalid(key, DURATION_HINT)),
        _ => Err(Error::invalid(key, DURATION_HINT)),
    }
}

fn check_keys(table: &Table, prefix: &str, known: &[&str]) -> Result<(), Error> {
    for key in table.keys() {
        if !known.contains(&key.as_str()) {
            let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            return Err(Error::invalid(full, format!("unknown key (known here: {})", known.join(", "))));
        }
    }
    Ok(())
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound { path: path.to_path_buf() })
            }
            Err(source) => return Err(Error::Read { path: path.to_path_buf(), source }),
        };
        let mut config = Config::parse(&text).map_err(|e| e.in_file(path))?;
        if let (Some(board), Some(dir)) = (&config.board, path.parent()) {
            config.board = Some(dir.join(board));
        }
        config.board_config().map_err(|e| e.in_file(path))?;
        Ok(config)
    }

    /// Gives the driver the time the board's modem needs: the boot and re-enumeration waits
    /// become at least the board's (which count its power cycle), never shorter than the
    /// configuration's own.
    pub fn apply_board(&mut self, board: &BoardConfig) {
        let b = board.modem_timings();
        let t = &mut self.modem.timings;
        t.boot = t.boot.max(b.boot);
        t.reenumerate = t.reenumerate.max(b.reenumerate);
    }

    /// The board file, read and checked; `None` when no board is configured.
    pub fn board_config(&self) -> Result<Option<BoardConfig>, Error> {
        let Some(path) = &self.board else { return Ok(None) };
        BoardConfig::load(path).map(Some).map_err(|e| Error::invalid("board", e.to_string()))
    }

    /// Checks a configuration's text.
    pub fn parse(text: &str) -> Result<Config, Error> {
        let root: Table =
            text.parse().map_err(|e: toml::de::Error| Error::Syntax { path: None, message: e.to_string() })?;
        for (key, value) in &root {
            if !SECTIONS.contains(&key.as_str()) {
                let what = if value.is_table() { "unknown section" } else { "unknown key" };
                return Err(Error::invalid(key.clone(), format!("{what} (sections: {})", SECTIONS.join(", "))));
            }
        }
        Ok(Config {
            gateway: gateway(&Section::new(&root, "", "gateway", GATEWAY_KEYS)?)?,
            modem: modem(&root)?,
            store: store_section(&Section::new(&root, "", "store", STORE_KEYS)?)?,
            control: control(&Section::new(&root, "", "control", CONTROL_KEYS)?)?,
            log: log_section(&Section::new(&root, "", "log", LOG_KEYS)?)?,
            upstream: upstream_section(&root)?,
            board: board_section(&root)?,
            calls: calls_section(&Section::new(&root, "", "calls", CALLS_KEYS)?)?,
            inbox: inbox_section(&Section::new(&root, "", "inbox", INBOX_KEYS)?)?,
        })
    }

    /// The driver's configuration; reads `modem.pin_file` if one is given.
    pub fn driver_config(&self) -> Result<modem::Config, Error> {
        let m = &self.modem;
        let pin = match &m.pin {
            PinSetting::None => None,
            PinSetting::Given(p) => Some(p.clone()),
            PinSetting::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::invalid("modem.pin_file", format!("cannot read {}: {e}", path.display())))?;
                Some(Pin::new(text.trim()).map_err(|_| {
                    Error::invalid("modem.pin_file", format!("{} does not hold a PIN of 4 to 8 digits", path.display()))
                })?)
            }
        };
        Ok(modem::Config {
            timings: m.timings,
            pin,
            message_spacing: m.spacing,
            watch_interval: m.watch_interval,
            hang_up_calls: m.hang_up_calls,
            drain_storage: m.drain_storage,
            ..modem::Config::new(m.family)
        })
    }

    /// The store's configuration.
    pub fn store_config(&self) -> store::Config {
        let s = &self.store;
        store::Config {
            backend: s.backend,
            default_attempts: s.attempts,
            backoff: s.backoff.clone(),
            unknown_policy: s.unknown_policy,
            retention: s.retention,
            cache_bytes: usize::try_from(s.cache).unwrap_or(usize::MAX),
            ..store::Config::default()
        }
    }
}

fn gateway(s: &Section<'_>) -> Result<GatewayConfig, Error> {
    let name = s.string("name")?.unwrap_or("smsgw");
    if name.trim().is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(Error::invalid(s.key("name"), "expected 1 to 64 printable characters"));
    }
    Ok(GatewayConfig { name: name.to_string() })
}

fn modem(root: &Table) -> Result<ModemConfig, Error> {
    let s = Section::new(root, "", "modem", MODEM_KEYS)?;
    let device = s.path("device")?.ok_or_else(|| {
        Error::invalid(
            "modem.device",
            "missing: the modem's serial port, e.g. \"/dev/serial/by-id/usb-HUAWEI_...-if00-port0\" or a udev symlink",
        )
    })?;
    let baud = s.integer::<u32>("baud", "a line speed such as 115200")?.unwrap_or(super::serial::DEFAULT_BAUD);
    if baud == 0 {
        return Err(Error::invalid("modem.baud", "a line speed such as 115200, not 0"));
    }
    let family = s.choice("family", &Family::ALL.map(|f| (f.name(), f)))?.unwrap_or(Family::Generic);
    let pin = match (s.get("pin"), s.path("pin_file")?) {
        (Some(_), Some(_)) => return Err(Error::invalid("modem.pin", "give pin or pin_file, not both")),
        (Some(Value::String(p)), None) => PinSetting::Given(
            Pin::new(p).map_err(|_| Error::invalid("modem.pin", "expected 4 to 8 digits in quotes, e.g. \"1234\""))?,
        ),
        (Some(_), None) => return Err(Error::invalid("modem.pin", "expected 4 to 8 digits in quotes, e.g. \"1234\"")),
        (None, Some(file)) => PinSetting::File(file),
        (None, None) => PinSetting::None,
    };
    let defaults = modem::Config::new(family);
    let hang_up_calls = match s.get("hang_up_calls") {
        None | Some(Value::Boolean(false)) => None,
        Some(Value::Boolean(true)) => Some(0),
        Some(Value::Integer(_)) => Some(s.integer::<u8>("hang_up_calls", "0 to 255 rings")?.unwrap_or(0)),
        Some(_) => {
            return Err(Error::invalid("modem.hang_up_calls", "expected true, false or a number of rings"));
        }
    };
    let mut timings = Timings::for_family(family);
    let empty = Table::new();
    let t = Section::new(s.table.unwrap_or(&empty), "modem", "timings", TIMING_KEYS)?;
    let slots: [(&str, &mut Duration); 12] = [
        ("probe", &mut timings.probe),
        ("guard", &mut timings.guard),
        ("command", &mut timings.command),
        ("prompt", &mut timings.prompt),
        ("result", &mut timings.result),
        ("boot", &mut timings.boot),
        ("reenumerate", &mut timings.reenumerate),
        ("sim_ready", &mut timings.sim_ready),
        ("retry", &mut timings.retry),
        ("send_wait", &mut timings.send_wait),
        ("clip_wait", &mut timings.clip_wait),
        ("ring_silence", &mut timings.ring_silence),
    ];
    for (key, slot) in slots {
        if let Some(d) = t.duration(key)? {
            if d.is_zero() {
                return Err(Error::invalid(t.key(key), "must be longer than 0"));
            }
            *slot = d;
        }
    }
    let watch_interval = s.duration("watch_interval")?.unwrap_or(defaults.watch_interval);
    if watch_interval < Duration::from_secs(1) {
        return Err(Error::invalid("modem.watch_interval", "at least 1s: the modem has other work"));
    }
    Ok(ModemConfig {
        device,
        baud,
        family,
        pin,
        spacing: s.duration("spacing")?.unwrap_or(defaults.message_spacing),
        watch_interval,
        hang_up_calls,
        drain_storage: s.boolean("drain_storage")?.unwrap_or(defaults.drain_storage),
        timings,
    })
}

fn store_section(s: &Section<'_>) -> Result<StoreConfig, Error> {
    let defaults = store::Config::default();
    #[cfg(feature = "sled")]
    let backends: &[(&str, Option<store::Backend>)] =
        &[("redb", Some(store::Backend::Redb)), ("sled", Some(store::Backend::Sled))];
    #[cfg(not(feature = "sled"))]
    let backends: &[(&str, Option<store::Backend>)] = &[("redb", Some(store::Backend::Redb)), ("sled", None)];
    let backend = match s.choice("backend", backends)? {
        None => defaults.backend,
        Some(Some(b)) => b,
        Some(None) => {
            return Err(Error::invalid(
                "store.backend",
                "sled is not in this build (it was built without the sled feature)",
            ))
        }
    };
    let default_path = match backend {
        store::Backend::Redb => "/var/lib/smsgw/queue.redb",
        #[cfg(feature = "sled")]
        store::Backend::Sled => "/var/lib/smsgw/queue.sled",
    };
    let attempts = s.integer::<u8>("attempts", "1 to 255")?.unwrap_or(defaults.default_attempts);
    if attempts == 0 {
        return Err(Error::invalid("store.attempts", "at least 1: a message needs one attempt"));
    }
    let backoff = match s.get("backoff") {
        None => defaults.backoff,
        Some(Value::Array(items)) => {
            let key = s.key("backoff");
            let list = items.iter().map(|v| duration_value(v, &key)).collect::<Result<Vec<_>, _>>()?;
            if list.is_empty() {
                return Err(Error::invalid(key, "give at least one wait, e.g. [\"30s\"]"));
            }
            list
        }
        Some(_) => return Err(Error::invalid("store.backoff", "expected a list of durations like [\"30s\", \"2m\"]")),
    };
    let unknown_policy = s
        .choice(
            "unknown_policy",
            &[("resend", store::UnknownPolicy::Resend), ("fail", store::UnknownPolicy::FailUnconfirmed)],
        )?
        .unwrap_or(defaults.unknown_policy);
    let retention = s.duration("retention")?.unwrap_or(defaults.retention);
    let cache = s.size("cache")?.unwrap_or(DEFAULT_STORE_CACHE);
    if cache < 256 << 10 {
        return Err(Error::invalid("store.cache", "at least 256KiB"));
    }
    Ok(StoreConfig {
        path: s.path("path")?.unwrap_or_else(|| PathBuf::from(default_path)),
        backend,
        attempts,
        backoff,
        unknown_policy,
        retention,
        cache,
    })
}

fn control(s: &Section<'_>) -> Result<ControlConfig, Error> {
    let group = match s.string("group")? {
        Some(g) if g.trim().is_empty() => return Err(Error::invalid("control.group", "expected a group name")),
        other => other.map(str::to_string),
    };
    Ok(ControlConfig { socket: s.path("socket")?.unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET)), group })
}

/// `[upstream]`, set to plan parts as the gateway's sender cuts them.
fn upstream_section(root: &Table) -> Result<Option<UpstreamConfig>, Error> {
    let Some(value) = root.get("upstream") else { return Ok(None) };
    if !value.is_table() {
        return Err(Error::invalid("upstream", "expected a table (a [section])"));
    }
    let mut config: UpstreamConfig = value.clone().try_into().map_err(|e: toml::de::Error| {
        let message = e.message().trim_end().to_string();
        // serde names the field in backquotes: name the key the way the file spells it.
        let key = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map_or_else(|| "upstream".to_string(), |field| format!("upstream.{field}"));
        Error::invalid(key, message)
    })?;
    // The sender uses no national tables and 8-bit references (see the core's `encode`).
    config.languages = Vec::new();
    config.ref_bits = RefBits::Eight;
    config.validate().map_err(|e| {
        let text = e.to_string();
        let text = text.strip_prefix("upstream configuration: ").unwrap_or(&text).to_string();
        Error::invalid("upstream", text)
    })?;
    Ok(Some(config))
}

/// `board = "path"` or `[board] file = "path"`.
fn board_section(root: &Table) -> Result<Option<PathBuf>, Error> {
    let (value, key) = match root.get("board") {
        None => return Ok(None),
        Some(Value::Table(t)) => {
            check_keys(t, "board", BOARD_KEYS)?;
            (t.get("file"), "board.file")
        }
        other => (other, "board"),
    };
    match value {
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(PathBuf::from(s))),
        None => Err(Error::invalid(key, "missing: the board file's path, e.g. \"/etc/smsgw/board.toml\"")),
        Some(_) => Err(Error::invalid(key, "expected the board file's path in quotes")),
    }
}

/// `[calls]`. The default country comes first: the allow and deny entries are normalised with it.
fn calls_section(s: &Section<'_>) -> Result<CallsConfig, Error> {
    let defaults = CallsConfig::default();
    let invalid = |key: &str, e: &dyn fmt::Display| Error::invalid(s.key(key), e.to_string());
    let default_country = match s.string("default_country")? {
        None => None,
        Some(text) => Some(number::country_code(text).map_err(|e| invalid("default_country", &e))?.to_string()),
    };
    let rules = |key: &str| -> Result<Vec<CallerRule>, Error> {
        let entries = s.strings(key, "numbers or prefixes like \"+4179*\"")?.unwrap_or_default();
        entries.iter().map(|e| CallerRule::parse(e, default_country.as_deref()).map_err(|e| invalid(key, &e))).collect()
    };
    let (allow, deny) = (rules("allow")?, rules("deny")?);
    let template = match s.string("template")? {
        None => defaults.template,
        Some(text) => Template::parse(text).map_err(|e| invalid("template", &e))?,
    };
    let time_zone = match s.string("time_zone")? {
        None => defaults.time_zone,
        Some(name) => Zone::parse(name).map_err(|e| invalid("time_zone", &e))?,
    };
    let quiet_hours = match s.string("quiet_hours")? {
        None => None,
        Some(text) => Some(QuietHours::parse(text).map_err(|e| invalid("quiet_hours", &e))?),
    };
    let quiet_action = s
        .choice("quiet_action", &[("defer", QuietAction::Defer), ("skip", QuietAction::Skip)])?
        .unwrap_or(defaults.quiet_action);
    Ok(CallsConfig {
        reply: s.boolean("reply")?.unwrap_or(defaults.reply),
        template,
        time_zone,
        default_country,
        callers: Callers { allow, deny },
        quiet_hours,
        quiet_action,
        window: s.duration("window")?.unwrap_or(defaults.window),
    })
}

/// `[inbox]`.
fn inbox_section(s: &Section<'_>) -> Result<InboxConfig, Error> {
    let defaults = InboxConfig::default();
    let hook = match s.get("hook") {
        None => None,
        Some(Value::Array(_)) => {
            let argv = s.strings("hook", "the program and its arguments")?.unwrap_or_default();
            match argv.first() {
                None => {
                    return Err(Error::invalid(s.key("hook"), "give the program, e.g. [\"/usr/local/bin/on-sms\"]"))
                }
                // Run without a shell and from the daemon's working directory: a relative path
                // would depend on where and how the daemon was started.
                Some(program) if !Path::new(program).is_absolute() => {
                    return Err(Error::invalid(
                        s.key("hook"),
                        format!("the program {program:?} must be an absolute path, like \"/usr/local/bin/on-sms\""),
                    ))
                }
                Some(_) => Some(argv.iter().map(|a| a.to_string()).collect()),
            }
        }
        Some(_) => {
            return Err(Error::invalid(
                s.key("hook"),
                "expected a list: the program and its arguments, e.g. [\"/usr/local/bin/on-sms\", \"--quiet\"]",
            ))
        }
    };
    let words = |key: &str| s.strings(key, "keywords");
    let (stop, start) = (words("stop_keywords")?, words("start_keywords")?);
    let keyword_error = |key: &str, e: KeywordError| Error::invalid(s.key(key), e.to_string());
    let default_words = Keywords::default();
    let stop_list = stop.map_or_else(|| default_words.stop().to_vec(), |l| l.iter().map(|w| w.to_string()).collect());
    let start_list =
        start.as_ref().map_or_else(|| default_words.start().to_vec(), |l| l.iter().map(|w| w.to_string()).collect());
    Keywords::new(&stop_list, &[]).map_err(|e| keyword_error("stop_keywords", e))?;
    Keywords::new(&[], &start_list).map_err(|e| keyword_error("start_keywords", e))?;
    // A word in both lists is a mistake in the list that was written (the start list if both were).
    let both_key = if start.is_some() { "start_keywords" } else { "stop_keywords" };
    let keywords = Keywords::new(&stop_list, &start_list).map_err(|e| keyword_error(both_key, e))?;
    Ok(InboxConfig {
        reassembly_timeout: s
            .positive_duration("reassembly_timeout", "the parts of a long message need time to arrive")?
            .unwrap_or(defaults.reassembly_timeout),
        hook,
        hook_timeout: s
            .positive_duration("hook_timeout", "the hook needs time to run")?
            .unwrap_or(defaults.hook_timeout),
        keywords,
        opt_out: s.boolean("opt_out")?.unwrap_or(defaults.opt_out),
        status_reports: s.boolean("status_reports")?.unwrap_or(defaults.status_reports),
        report_window: s
            .positive_duration("report_window", "reports come after the message")?
            .unwrap_or(defaults.report_window),
    })
}

fn log_section(s: &Section<'_>) -> Result<log::Settings, Error> {
    let defaults = log::Settings::default();
    let level = match s.string("level")? {
        None => defaults.level,
        Some(name) => log::Level::from_name(name).ok_or_else(|| {
            Error::invalid("log.level", format!("{name:?} is not one of error, warn, info, debug, trace"))
        })?,
    };
    let max_size = s.size("max_size")?.unwrap_or(defaults.max_size);
    if max_size < 4096 {
        return Err(Error::invalid("log.max_size", "at least 4KiB"));
    }
    let keep = s.integer::<u32>("keep", "0 to 1000")?.unwrap_or(defaults.keep);
    if keep > 1000 {
        return Err(Error::invalid("log.keep", format!("{keep} is out of range (0 to 1000)")));
    }
    Ok(log::Settings { level, stderr: true, file: s.path("file")?, max_size, keep })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[modem]\ndevice = \"/dev/ttyUSB0\"\n";

    #[test]
    fn the_example_is_valid_and_says_the_defaults() {
        let example = Config::parse(EXAMPLE).unwrap();
        let mut minimal = Config::parse(MINIMAL).unwrap();
        minimal.modem.device = example.modem.device.clone();
        assert_eq!(example, minimal, "the example's values are the defaults");
        assert_eq!(minimal.store.path, PathBuf::from("/var/lib/smsgw/queue.redb"));
        assert_eq!(minimal.control.socket, PathBuf::from(DEFAULT_SOCKET));
        assert_eq!(minimal.store_config().backoff, store::Config::default().backoff);
        assert_eq!(minimal.driver_config().unwrap(), modem::Config::default());
    }

    #[test]
    fn values_are_read() {
        let text = r#"
            [gateway]
            name = "depot"
            [modem]
            device = "/dev/ttySIM"
            family = "Quectel"
            pin = "0000"
            spacing = "10s"
            hang_up_calls = 2
            drain_storage = false
            [modem.timings]
            result = "5s"
            [store]
            attempts = 9
            backoff = ["1s", "500ms"]
            unknown_policy = "fail"
            retention = "2d"
            [control]
            socket = "/tmp/s.sock"
            group = "dialout"
            [log]
            level = "debug"
            file = "/tmp/smsgw.log"
            max_size = "1MiB"
            keep = 0
        "#;
        let c = Config::parse(text).unwrap();
        assert_eq!(c.gateway.name, "depot");
        assert_eq!(c.modem.family, Family::Quectel);
        let d = c.driver_config().unwrap();
        assert_eq!(d.pin.as_ref().map(Pin::as_str), Some("0000"));
        assert_eq!(d.message_spacing, Duration::from_secs(10));
        assert_eq!(d.hang_up_calls, Some(2));
        assert!(!d.drain_storage);
        assert_eq!(d.timings.result, Duration::from_secs(5));
        assert_eq!(d.timings.boot, Timings::for_family(Family::Quectel).boot, "others stay the family's");
        let s = c.store_config();
        assert_eq!((s.default_attempts, s.unknown_policy), (9, store::UnknownPolicy::FailUnconfirmed));
        assert_eq!(s.backoff, vec![Duration::from_secs(1), Duration::from_millis(500)]);
        assert_eq!(s.retention, Duration::from_secs(2 * 86_400));
        assert_eq!(c.control.group.as_deref(), Some("dialout"));
        assert_eq!((c.log.level, c.log.max_size, c.log.keep), (log::Level::Debug, 1 << 20, 0));
        assert!(!format!("{c:?}").contains("0000"), "the PIN never shows");
    }

    #[test]
    fn mistakes_name_their_key() {
        let cases: &[(&str, &str, &str)] = &[
            ("[modem]\n", "modem.device", "missing"),
            ("", "modem.device", "missing"),
            (
                "[modem]\ndevice = \"/d\"\nspacing = \"10 parsecs\"\n",
                "modem.spacing",
                "expected a duration like \"10s\"",
            ),
            ("[modem]\ndevice = \"/d\"\nspacing = 10\n", "modem.spacing", "expected a duration"),
            ("[modem]\ndevice = \"/d\"\nbaudrate = 9600\n", "modem.baudrate", "unknown key"),
            ("[modem]\ndevice = \"/d\"\n[modem.timings]\nresult = \"0s\"\n", "modem.timings.result", "longer than 0"),
            ("[modem]\ndevice = \"/d\"\n[modem.timings]\nanswer = \"1s\"\n", "modem.timings.answer", "unknown key"),
            ("[modem]\ndevice = \"/d\"\nfamily = \"nokia\"\n", "modem.family", "not one of"),
            ("[modem]\ndevice = \"/d\"\npin = \"12\"\n", "modem.pin", "4 to 8 digits"),
            ("[modem]\ndevice = \"/d\"\npin = 1234\n", "modem.pin", "in quotes"),
            ("[modem]\ndevice = \"/d\"\npin = \"1234\"\npin_file = \"/p\"\n", "modem.pin", "not both"),
            ("[modem]\ndevice = \"/d\"\nbaud = -1\n", "modem.baud", "out of range"),
            ("[modem]\ndevice = \"\"\n", "modem.device", "empty"),
            ("[modem]\ndevice = \"/d\"\n[store]\nattempts = 0\n", "store.attempts", "at least 1"),
            ("[modem]\ndevice = \"/d\"\n[store]\nbackoff = \"30s\"\n", "store.backoff", "list"),
            ("[modem]\ndevice = \"/d\"\n[store]\nbackoff = [\"30s\", 5]\n", "store.backoff", "duration"),
            ("[modem]\ndevice = \"/d\"\n[store]\nunknown_policy = \"pray\"\n", "store.unknown_policy", "not one of"),
            ("[modem]\ndevice = \"/d\"\n[log]\nlevel = \"loud\"\n", "log.level", "not one of"),
            ("[modem]\ndevice = \"/d\"\n[log]\nmax_size = \"huge\"\n", "log.max_size", "expected a size"),
            ("[modem]\ndevice = \"/d\"\n[upstreams]\nhost = \"db\"\n", "upstreams", "unknown section"),
            ("[modem]\ndevice = \"/d\"\n[upstream]\nhost = \"db.example\"\n", "upstream", "tls = true"),
            ("[modem]\ndevice = \"/d\"\n[upstream]\nhots = \"db\"\n", "upstream.hots", "unknown field"),
            ("[modem]\ndevice = \"/d\"\n[upstream]\nport = \"x\"\n", "upstream", "invalid type"),
            ("[modem]\ndevice = \"/d\"\n[upstream]\npoll_interval_ms = 1\n", "upstream", "poll_interval_ms"),
            ("upstream = 1\n[modem]\ndevice = \"/d\"\n", "upstream", "expected a table"),
            ("board = 3\n[modem]\ndevice = \"/d\"\n", "board", "in quotes"),
            ("board = \"\"\n[modem]\ndevice = \"/d\"\n", "board", "in quotes"),
            ("[modem]\ndevice = \"/d\"\n[board]\npath = \"/b\"\n", "board.path", "unknown key"),
            ("[modem]\ndevice = \"/d\"\n[board]\n", "board.file", "missing"),
            ("name = \"x\"\n[modem]\ndevice = \"/d\"\n", "name", "unknown key"),
            ("modem = 3\n", "modem", "expected a table"),
            ("[modem]\ndevice = \"/d\"\n[gateway]\nname = \"\"\n", "gateway.name", "printable"),
            ("[calls]\nreplies = true\n[modem]\ndevice = \"/d\"\n", "calls.replies", "unknown key"),
            ("[calls]\nreply = 1\n[modem]\ndevice = \"/d\"\n", "calls.reply", "true or false"),
            ("[calls]\ntime_zone = \"Mars/Olympus\"\n[modem]\ndevice = \"/d\"\n", "calls.time_zone", "not a time zone"),
            ("[calls]\ntime_zone = \"+2\"\n[modem]\ndevice = \"/d\"\n", "calls.time_zone", "+HH:MM"),
            ("[calls]\ntemplate = \"at {tme}\"\n[modem]\ndevice = \"/d\"\n", "calls.template", "{tme} is not a"),
            ("[calls]\ntemplate = \"at {time\"\n[modem]\ndevice = \"/d\"\n", "calls.template", "no closing }"),
            ("[calls]\ntemplate = \"\"\n[modem]\ndevice = \"/d\"\n", "calls.template", "empty"),
            ("[calls]\nquiet_hours = \"22:00-22:00\"\n[modem]\ndevice = \"/d\"\n", "calls.quiet_hours", "the same"),
            ("[calls]\nquiet_hours = \"22-7\"\n[modem]\ndevice = \"/d\"\n", "calls.quiet_hours", "not a time"),
            ("[calls]\nquiet_action = \"drop\"\n[modem]\ndevice = \"/d\"\n", "calls.quiet_action", "not one of"),
            ("[calls]\nallow = [\"+41*79\"]\n[modem]\ndevice = \"/d\"\n", "calls.allow", "only end a prefix"),
            ("[calls]\ndeny = [\"*\"]\n[modem]\ndevice = \"/d\"\n", "calls.deny", "everyone"),
            ("[calls]\ndeny = [\"Bank*\"]\n[modem]\ndevice = \"/d\"\n", "calls.deny", "sender name"),
            ("[calls]\nallow = \"+4179*\"\n[modem]\ndevice = \"/d\"\n", "calls.allow", "expected a list"),
            ("[calls]\nallow = [4179]\n[modem]\ndevice = \"/d\"\n", "calls.allow", "in quotes"),
            ("[calls]\ndefault_country = \"CH\"\n[modem]\ndevice = \"/d\"\n", "calls.default_country", "calling code"),
            ("[calls]\nwindow = \"1 week\"\n[modem]\ndevice = \"/d\"\n", "calls.window", "duration"),
            ("[inbox]\nhook = [\"on-sms\"]\n[modem]\ndevice = \"/d\"\n", "inbox.hook", "absolute path"),
            ("[inbox]\nhook = [\"./on-sms\", \"-q\"]\n[modem]\ndevice = \"/d\"\n", "inbox.hook", "absolute path"),
            ("[inbox]\nhook = \"/usr/bin/x\"\n[modem]\ndevice = \"/d\"\n", "inbox.hook", "expected a list"),
            ("[inbox]\nhook = []\n[modem]\ndevice = \"/d\"\n", "inbox.hook", "give the program"),
            ("[inbox]\nhook = [\"/usr/bin/x\", 3]\n[modem]\ndevice = \"/d\"\n", "inbox.hook", "in quotes"),
            ("[inbox]\nhook_timeout = \"0s\"\n[modem]\ndevice = \"/d\"\n", "inbox.hook_timeout", "longer than 0"),
            ("[inbox]\nreassembly_timeout = \"0s\"\n[modem]\ndevice = \"/d\"\n", "inbox.reassembly_timeout", "0"),
            ("[inbox]\nreport_window = \"soon\"\n[modem]\ndevice = \"/d\"\n", "inbox.report_window", "duration"),
            ("[inbox]\nstop_keywords = [\"STOP\", \" \"]\n[modem]\ndevice = \"/d\"\n", "inbox.stop_keywords", "empty"),
            ("[inbox]\nstart_keywords = [\"stop\"]\n[modem]\ndevice = \"/d\"\n", "inbox.start_keywords", "both"),
            ("[inbox]\nstop_keywords = [\"Start\"]\n[modem]\ndevice = \"/d\"\n", "inbox.stop_keywords", "both"),
            ("[inbox]\nopt_out = \"yes\"\n[modem]\ndevice = \"/d\"\n", "inbox.opt_out", "true or false"),
            ("[inbox]\nkeywords = []\n[modem]\ndevice = \"/d\"\n", "inbox.keywords", "unknown key"),
        ];
        for &(text, key, words) in cases {
            let e = Config::parse(text).unwrap_err();
            assert_eq!(e.key(), Some(key), "{text:?}: {e}");
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("{key}: ")) && shown.contains(words), "{text:?}: {shown}");
        }
    }

    #[test]
    fn calls_and_inbox_are_read() {
        let minimal = Config::parse(MINIMAL).unwrap();
        assert_eq!((&minimal.calls, &minimal.inbox), (&CallsConfig::default(), &InboxConfig::default()));
        let text = r#"
            [modem]
            device = "/d"
            [calls]
            reply = true
            template = "{gateway}: we call {caller} back ({time}, {date})"
            time_zone = "Europe/Zurich"
            default_country = "+41"
            allow = ["079*", "044 123 45 67"]
            deny = ["079 000 00 00"]
            quiet_hours = "22:00-07:00"
            quiet_action = "skip"
            window = "12h"
            [inbox]
            reassembly_timeout = "1h"
            hook = ["/usr/local/bin/on-sms", "--from", "gateway"]
            hook_timeout = "30s"
            stop_keywords = ["Stopp", "Halt"]
            start_keywords = []
            opt_out = false
            status_reports = true
            report_window = "2d"
        "#;
        let c = Config::parse(text).unwrap();
        let calls = &c.calls;
        assert!(calls.reply);
        assert_eq!(calls.template.source(), "{gateway}: we call {caller} back ({time}, {date})");
        assert_eq!((calls.time_zone.name(), calls.default_country.as_deref()), ("Europe/Zurich", Some("41")));
        let shown: Vec<String> = calls.callers.allow.iter().chain(&calls.callers.deny).map(|r| r.to_string()).collect();
        assert_eq!(shown, ["+4179*", "+41441234567", "+41790000000"], "normalised with the default country");
        assert_eq!(calls.quiet_hours.map(|q| q.to_string()).as_deref(), Some("22:00-07:00"));
        assert_eq!((calls.quiet_action, calls.window), (QuietAction::Skip, Duration::from_secs(12 * 3600)));
        let i = &c.inbox;
        assert_eq!(i.reassembly_timeout, Duration::from_secs(3600));
        assert_eq!(
            i.hook.as_deref(),
            Some(&["/usr/local/bin/on-sms".to_string(), "--from".into(), "gateway".into()][..])
        );
        assert_eq!(i.hook_timeout, Duration::from_secs(30));
        assert_eq!((i.keywords.stop(), i.keywords.start()), (&["STOPP".to_string(), "HALT".into()][..], &[][..]));
        assert_eq!((i.opt_out, i.status_reports, i.report_window), (false, true, Duration::from_secs(2 * 86_400)));
        // The policy as read: Zurich time, Swiss numbers, the allow list.
        use super::super::calls::{Call, Decision, SkipReason};
        let call = |number| Call { number: Some(number), at_ms: 1_718_445_600_000, rings: 1 }; // 2024-06-15T10:00Z
        assert_eq!(
            calls.decide(&call("079 123 45 67"), "depot", None, false),
            Decision::Reply {
                to: "+41791234567".into(),
                text: "depot: we call +41791234567 back (12:00, 2024-06-15)".into(),
                not_before_ms: None
            }
        );
        assert_eq!(
            calls.decide(&call("+41 44 123 45 68"), "depot", None, false),
            Decision::Skip { caller: Some("+41441234568".into()), reason: SkipReason::NotAllowed }
        );
    }

    #[test]
    fn upstream_and_board_are_optional_and_read() {
        let c = Config::parse(MINIMAL).unwrap();
        assert_eq!((c.upstream, c.board), (None, None));
        let text = "board = \"/etc/b.toml\"\n[modem]\ndevice = \"/d\"\n[upstream]\nhost = \"localhost\"\n\
                    database = \"smsdb\"\npoll_interval_ms = 100\n";
        let c = Config::parse(text).unwrap();
        let u = c.upstream.unwrap();
        assert_eq!((u.host.as_str(), u.database.as_str(), u.poll_interval_ms), ("localhost", "smsdb", 100));
        assert_eq!((u.languages.len(), u.ref_bits), (0, RefBits::Eight), "as the sender cuts parts");
        assert_eq!(c.board, Some(PathBuf::from("/etc/b.toml")));
        let c = Config::parse("[modem]\ndevice = \"/d\"\n[board]\nfile = \"b.toml\"\n").unwrap();
        assert_eq!(c.board, Some(PathBuf::from("b.toml")));
    }

    #[test]
    fn the_examples_upstream_section_says_the_defaults() {
        let (_, tail) = EXAMPLE.split_once("# [upstream]").unwrap();
        let keys: Vec<&str> = tail
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .map(|l| l.split_once("  #").map_or(l, |(v, _)| v).trim())
            .filter(|l| !l.starts_with("socket") && !l.starts_with("ca ") && !l.starts_with("password"))
            .collect();
        assert!(keys.len() > 10, "{keys:?}");
        let text = format!("[modem]\ndevice = \"/d\"\n[upstream]\n{}\n", keys.join("\n"));
        let c = Config::parse(&text).unwrap();
        let defaults = UpstreamConfig { ref_bits: RefBits::Eight, ..UpstreamConfig::default() };
        assert_eq!(c.upstream, Some(defaults));
    }

    #[test]
    fn the_board_file_is_found_beside_the_configuration_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("smsgw.toml");
        std::fs::write(&conf, "board = \"board.toml\"\n[modem]\ndevice = \"/d\"\n").unwrap();
        let e = Config::load(&conf).unwrap_err();
        assert_eq!(e.key(), Some("board"), "{e}");
        assert!(e.to_string().contains(&dir.path().join("board.toml").display().to_string()), "{e}");
        let sim = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/board/sim.toml")).unwrap();
        std::fs::write(dir.path().join("board.toml"), sim).unwrap();
        let c = Config::load(&conf).unwrap();
        assert_eq!(c.board.as_deref(), Some(dir.path().join("board.toml").as_path()));
        assert!(c.board_config().unwrap().is_some());
        let mut applied = c.clone();
        applied.apply_board(&c.board_config().unwrap().unwrap());
        let board = c.board_config().unwrap().unwrap().modem_timings();
        assert_eq!(applied.modem.timings.reenumerate, board.reenumerate.max(c.modem.timings.reenumerate));
        assert_eq!(applied.modem.timings.boot, board.boot.max(c.modem.timings.boot));
        assert_eq!(applied.modem.timings.result, c.modem.timings.result, "the rest stays");
        std::fs::write(dir.path().join("board.toml"), "name = 3\n").unwrap();
        assert_eq!(Config::load(&conf).unwrap_err().key(), Some("board"));
    }

    #[test]
    fn files_missing_unreadable_or_not_toml() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        let e = Config::load(&missing).unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }));
        assert!(e.to_string().contains(&format!("smsgw config example > {}", missing.display())), "{e}");
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[modem\n").unwrap();
        let e = Config::load(&bad).unwrap_err();
        assert!(matches!(e, Error::Syntax { .. }) && e.to_string().starts_with(&bad.display().to_string()), "{e}");
        std::fs::write(&bad, "[modem]\ndevice = \"/d\"\nspacing = \"x\"\n").unwrap();
        let e = Config::load(&bad).unwrap_err();
        assert_eq!(e.to_string(), format!("{}: modem.spacing: {DURATION_HINT}", bad.display()));
    }

    #[test]
    fn the_pin_file_is_read_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let pin = dir.path().join("pin");
        let text = format!("[modem]\ndevice = \"/d\"\npin_file = \"{}\"\n", pin.display());
        let c = Config::parse(&text).unwrap();
        assert_eq!(c.driver_config().unwrap_err().key(), Some("modem.pin_file"), "not there yet");
        std::fs::write(&pin, "4711\n").unwrap();
        assert_eq!(c.driver_config().unwrap().pin.as_ref().map(Pin::as_str), Some("4711"));
        std::fs::write(&pin, "47\n").unwrap();
        assert!(c.driver_config().unwrap_err().to_string().contains("does not hold a PIN"));
    }

    #[test]
    fn durations_and_sizes() {
        let durations: &[(&str, Option<u64>)] = &[
            ("500ms", Some(500)),
            ("10s", Some(10_000)),
            ("5m", Some(300_000)),
            ("2h", Some(7_200_000)),
            ("30d", Some(2_592_000_000)),
            ("0s", Some(0)),
            ("10", None),
            ("s", None),
            ("1.5s", None),
            ("-1s", None),
        ];
        for &(text, ms) in durations {
            assert_eq!(parse_duration(text).map(|d| d.as_millis() as u64), ms, "{text}");
            if let Some(ms) = ms.filter(|m| *m > 0) {
                assert_eq!(
                    parse_duration(&format_duration(Duration::from_millis(ms))),
                    Some(Duration::from_millis(ms))
                );
            }
        }
        let sizes: &[(&str, Option<u64>)] = &[
            ("4096", Some(4096)),
            ("512KiB", Some(524_288)),
            ("10MiB", Some(10 << 20)),
            ("1G", Some(1 << 30)),
            ("1TB", None),
        ];
        for &(text, n) in sizes {
            assert_eq!(parse_size(text), n, "{text}");
        }
    }
}
