//! The modem tools: `smsgw identify`, `smsgw scan` and `smsgw send --device`.
//!
//! They talk to the modem directly, without the gateway's queue: to check a new dongle, to find
//! which of its ports answers AT, and to send one message by hand. Stop the gateway first — a
//! port is opened exclusively, so a running gateway (or ModemManager) makes them fail with a
//! message that says so.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use super::Error;
use crate::codec::at::{Digester, Final, Item};
use crate::linux::clock;
use crate::linux::message::{self, MessageOptions};
use crate::linux::modem_port::{ModemPort, NoHardware};
use crate::linux::serial::{Port, DEFAULT_BAUD, READ_CHUNK};
use crate::modem::{
    Config, Event, Failure, Family, Fault, OutgoingPart, PartId, Phase, Pin, RegState, SignalQuality, Status,
};

/// Options every modem tool takes.
#[derive(Debug, clap::Args)]
pub struct ModemArgs {
    /// The modem's AT port (prefer a /dev/serial/by-id/... name; `smsgw scan` lists them).
    #[arg(long, value_name = "PATH", default_value = "/dev/ttyUSB0")]
    pub device: PathBuf,
    /// Line speed (USB modems ignore it; UART-wired modules need the right one).
    #[arg(long, default_value_t = DEFAULT_BAUD)]
    pub baud: u32,
    /// Modem family, for its timings: generic, huawei, simcom, quectel.
    #[arg(long, default_value = "generic", value_parser = parse_family)]
    pub family: Family,
    /// SIM PIN, entered once if the SIM asks for it (never retried: a wrong PIN costs a try).
    #[arg(long, env = "SMSGW_PIN", hide_env_values = true)]
    pub pin: Option<String>,
    /// How long to wait for the modem to be ready, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
}

/// `smsgw identify`.
#[derive(Debug, clap::Args)]
pub struct IdentifyArgs {
    #[command(flatten)]
    pub modem: ModemArgs,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}

/// `smsgw scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Ports to probe (default: every serial port on the system).
    pub paths: Vec<PathBuf>,
    /// Seconds to wait for each port's answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 2)]
    pub wait: u64,
}

/// `smsgw send --device`.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub modem: ModemArgs,
    /// Ask for a status report and wait up to this many seconds for it.
    #[arg(long, value_name = "SECONDS")]
    pub wait_report: Option<u64>,
    /// Send as a flash message (class 0).
    #[arg(long)]
    pub flash: bool,
    /// The number: optional +, then digits.
    pub number: String,
    /// The message text.
    pub text: String,
}

/// A `--family` value.
pub(crate) fn parse_family(s: &str) -> Result<Family, String> {
    Family::from_name(s).ok_or_else(|| format!("unknown modem family {s:?}: generic, huawei, simcom or quectel"))
}

impl ModemArgs {
    /// A driver that only looks: it leaves stored messages and calls alone.
    fn open(&self) -> Result<ModemPort<NoHardware>, Error> {
        let mut config = Config::new(self.family);
        config.drain_storage = false;
        config.hang_up_calls = None;
        if let Some(pin) = &self.pin {
            config.pin = Some(Pin::new(pin).map_err(|e| Error::Usage(format!("--pin: {e}")))?);
        }
        Ok(ModemPort::new(&self.device, self.baud, config, NoHardware))
    }
}

/// How far a modem got before a tool gave up on it.
enum Readiness {
    Ready,
    Faulted(Fault),
    /// The port never opened: the reason.
    NoPort(String),
    /// The port opened but the modem did not finish initialising in time.
    TimedOut,
}

/// Runs the driver until it is ready, faulted, or `timeout` passed.
fn wait_ready(port: &mut ModemPort<NoHardware>, timeout: Duration) -> Readiness {
    let deadline = clock::now() + timeout;
    loop {
        port.turn(Duration::from_millis(100));
        while let Some(event) = port.next_event() {
            match event {
                Event::Ready => return Readiness::Ready,
                Event::Faulted(fault) => return Readiness::Faulted(fault),
                _ => {}
            }
        }
        if clock::now().reached(deadline) {
            return match (port.is_open(), port.port_error()) {
                (false, Some(e)) => Readiness::NoPort(e.to_owned()),
                _ => Readiness::TimedOut,
            };
        }
    }
}

/// What to do about a port that does not open, by the reason the system gave.
fn port_advice(error: &str) -> &'static str {
    if error.contains("ermission denied") {
        "add your user to the dialout group (`sudo usermod -aG dialout $USER`, then log in again) or run as root"
    } else if error.contains("busy") {
        "another program holds the port: stop the gateway (`systemctl stop smsgw`) or ModemManager \
         (`systemctl disable --now ModemManager`)"
    } else if error.contains("No such file") || error.contains("not found") {
        "no such device: check the USB cable and `smsgw scan`; a dongle that shows up as a CD-ROM needs usb_modeswitch"
    } else {
        "check the device path with `smsgw scan`"
    }
}

/// One line of the identify checklist.
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
    /// What to do when not ok.
    advice: &'static str,
}

fn checklist(status: &Status) -> Vec<Check> {
    let mut checks = Vec::new();
    let reg = status.registration.as_ref().map(|r| r.state);
    checks.push(Check {
        name: "SIM ready",
        ok: !matches!(status.phase, Phase::Faulted(_)),
        detail: match status.phase {
            Phase::Faulted(f) => f.to_string(),
            _ => "ready".into(),
        },
        advice: "insert an activated SIM; give its PIN with --pin (or modem.pin in the config); a blocked SIM needs \
                 its PUK in a phone",
    });
    checks.push(Check {
        name: "registered",
        ok: reg.is_some_and(RegState::is_registered),
        detail: match reg {
            Some(RegState::Home) => "home network".into(),
            Some(RegState::Roaming) => "roaming".into(),
            Some(RegState::Searching) => "searching".into(),
            Some(RegState::Denied) => "registration denied".into(),
            Some(state) => format!("{state:?}").to_lowercase(),
            None => "unknown".into(),
        },
        advice: "check the antenna and coverage; a denied registration means the SIM is not active on this network",
    });
    let signal = status.signal;
    checks.push(Check {
        name: "signal",
        ok: signal.is_some_and(|s| s.quality() >= SignalQuality::Fair),
        detail: signal.map_or("unknown".into(), describe_signal),
        advice: "move the modem or its antenna (a USB extension cable away from the board helps)",
    });
    checks.push(Check {
        name: "SMS storage",
        ok: status.storage.is_some(),
        detail: status
            .storage
            .map_or("none selected".into(), |s| format!("{} ({} of {} used)", s.memory.name(), s.used, s.total)),
        advice: "the modem offers no message storage: received messages may be lost; check AT+CPMS=?",
    });
    checks.push(Check {
        name: "new-message alerts",
        ok: status.indications.is_some(),
        detail: status.indications.map_or("refused (messages found by polling)".into(), |i| {
            format!("AT+CNMI={},{},{},{},{}", i.mode, i.mt, i.bm, i.ds, i.bfr)
        }),
        advice: "the modem refused every AT+CNMI setting: received messages are found by listing storage instead",
    });
    checks
}

fn describe_signal(s: crate::modem::Signal) -> String {
    let word = match s.quality() {
        SignalQuality::Excellent => "excellent",
        SignalQuality::Good => "good",
        SignalQuality::Fair => "fair",
        SignalQuality::Poor => "poor",
        SignalQuality::None => "none",
    };
    match s.dbm() {
        Some(dbm) => format!("{word} ({dbm} dBm)"),
        None => word.to_owned(),
    }
}

pub fn identify(args: &IdentifyArgs) -> Result<(), Error> {
    let mut port = args.modem.open()?;
    let readiness = wait_ready(&mut port, Duration::from_secs(args.modem.timeout));
    let device = args.modem.device.display().to_string();
    let (checks, problem) = match &readiness {
        Readiness::Ready | Readiness::Faulted(_) => (checklist(port.status()), None),
        Readiness::NoPort(e) => (Vec::new(), Some((format!("cannot open the port: {e}"), port_advice(e)))),
        Readiness::TimedOut => (
            Vec::new(),
            Some((
                format!("no usable answer to AT within {} s", args.modem.timeout),
                "this is not the modem's AT port (dongles have several: try `smsgw scan`), or the modem is hung: \
                 unplug it for 10 s",
            )),
        ),
    };
    let failed = problem.is_some() as usize + checks.iter().filter(|c| !c.ok).count();
    let status = port.status();
    let id = &status.identity;
    let text = |v: Option<&str>| v.map_or(Value::Null, |s| Value::String(s.to_owned()));
    if args.json {
        let v = json!({
            "device": device,
            "manufacturer": text(id.manufacturer.as_deref()),
            "model": text(id.model.as_deref()),
            "revision": text(id.revision.as_deref()),
            "imei": text(id.imei.as_deref()),
            "imsi": text(id.imsi.as_deref()),
            "iccid": text(id.iccid.as_deref()),
            "operator": text(id.operator.as_deref()),
            "signal_dbm": status.signal.and_then(|s| s.dbm()),
            "checks": checks.iter().map(|c| json!({"name": c.name, "ok": c.ok, "detail": c.detail})).collect::<Vec<_>>(),
            "problem": problem.as_ref().map(|(p, _)| p),
            "ready": failed == 0,
        });
        println!("{v}");
    } else {
        let show = |v: Option<&str>| v.unwrap_or("-").to_owned();
        println!("device:        {device}");
        if problem.is_none() {
            println!("manufacturer:  {}", show(id.manufacturer.as_deref()));
            println!("model:         {}", show(id.model.as_deref()));
            println!("firmware:      {}", show(id.revision.as_deref()));
            println!("IMEI:          {}", show(id.imei.as_deref()));
            println!("IMSI:          {}", show(id.imsi.as_deref()));
            println!("ICCID:         {}", show(id.iccid.as_deref()));
            println!("operator:      {}", show(id.operator.as_deref()));
            println!("PDU mode:      yes");
            println!();
        }
        for c in &checks {
            println!("[{}] {:<19} {}", if c.ok { "ok" } else { "!!" }, c.name, c.detail);
        }
        if let Some((p, _)) = &problem {
            println!("[!!] {p}");
        }
        println!();
        if failed == 0 {
            println!("verdict: READY: this modem can send and receive SMS");
        } else {
            println!("verdict: NOT READY: {failed} problem(s)");
            if let Some((_, advice)) = &problem {
                println!("  - {advice}");
            }
            for c in checks.iter().filter(|c| !c.ok) {
                println!("  - {}: {}", c.name, c.advice);
            }
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Error::Failed)
    }
}

pub fn send(args: &SendArgs) -> Result<(), Error> {
    let opts = MessageOptions {
        to: &args.number,
        status_report: args.wait_report.is_some(),
        flash: args.flash,
        ..Default::default()
    };
    // Refuse a bad number or text before touching the modem.
    let encoded = message::encode(&args.text, &opts)?;
    let mut port = args.modem.open()?;
    match wait_ready(&mut port, Duration::from_secs(args.modem.timeout)) {
        Readiness::Ready => {}
        Readiness::Faulted(f) => return Err(Error::Modem(format!("the modem stopped: {f}"))),
        Readiness::NoPort(e) => return Err(Error::Modem(format!("cannot open the port: {e}; {}", port_advice(&e)))),
        Readiness::TimedOut => {
            return Err(Error::Modem(format!(
                "the modem did not get ready within {} s (try `smsgw identify`)",
                args.modem.timeout
            )))
        }
    }
    let total = encoded.parts.len();
    let deadline = clock::now() + Duration::from_secs(args.modem.timeout);
    let mut failed = 0;
    let mut sent = Vec::new();
    for (i, part) in encoded.parts.iter().enumerate() {
        let id = PartId(i as u64);
        let outgoing = OutgoingPart::new(id, &part.as_pdu(), &args.number).map_err(|e| Error::Modem(e.to_string()))?;
        // Registration may come a little after the modem is ready: wait for it.
        let outcome = loop {
            match port.driver().can_send() {
                Ok(()) => break None,
                Err(e) if clock::now().reached(deadline) => break Some(e.to_string()),
                Err(_) => {
                    port.turn(Duration::from_millis(100));
                    while port.next_event().is_some() {}
                }
            }
        };
        if let Some(why) = outcome {
            println!("part {}/{total}: not sent: {why}", i + 1);
            failed += 1;
            continue;
        }
        port.driver().send(clock::now(), outgoing).map_err(|e| Error::Modem(e.to_string()))?;
        let result = loop {
            port.turn(Duration::from_millis(100));
            let mut result = None;
            while let Some(event) = port.next_event() {
                match event {
                    Event::PartSent { id: got, mr } if got == id => result = Some(Ok(mr)),
                    Event::PartFailed { id: got, failure } if got == id => result = Some(Err(failure)),
                    _ => {}
                }
            }
            if let Some(r) = result {
                break r;
            }
        };
        match result {
            Ok(mr) => {
                let mr_text = mr.map_or("no reference".into(), |mr| format!("TP-MR {mr}"));
                println!("part {}/{total}: sent ({mr_text})", i + 1);
                sent.push(id);
            }
            Err(failure) => {
                failed += 1;
                println!("part {}/{total}: {}", i + 1, describe_failure(&failure));
                if matches!(failure, Failure::Permanent(_)) {
                    // The network refuses this message: the other parts would be refused too.
                    break;
                }
            }
        }
    }
    if let (Some(secs), false) = (args.wait_report, sent.is_empty()) {
        wait_reports(&mut port, &sent, Duration::from_secs(secs));
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Error::Failed)
    }
}

fn describe_failure(failure: &Failure) -> String {
    match failure {
        Failure::Permanent(code) => format!("failed for good: {code} (not worth retrying)"),
        Failure::Temporary(cause) => format!("failed for now: {cause:?} (worth retrying later)"),
        Failure::Unknown => "unknown: the PDU went out but the modem never answered; it may have been sent".into(),
    }
}

/// Prints the status report of each sent part as it comes, for up to `wait`.
fn wait_reports(port: &mut ModemPort<NoHardware>, sent: &[PartId], wait: Duration) {
    let deadline = clock::now() + wait;
    let mut left: Vec<PartId> = sent.to_vec();
    while !left.is_empty() && !clock::now().reached(deadline) {
        port.turn(Duration::from_millis(100));
        while let Some(event) = port.next_event() {
            if let Event::Delivery { id, status } = event {
                if let Some(pos) = left.iter().position(|&p| p == id) {
                    left.remove(pos);
                    println!("part {}: report: {status}", id.0 + 1);
                }
            }
        }
    }
    for id in left {
        println!("part {}: no status report within {} s", id.0 + 1, wait.as_secs());
    }
}

/// What a port said to a short probe.
struct Probe {
    path: PathBuf,
    /// Another name of the same device (its /dev/serial/by-id link).
    by_id: Option<PathBuf>,
    answer: Result<Option<String>, String>,
}

pub fn scan(args: &ScanArgs) -> Result<(), Error> {
    let candidates = if args.paths.is_empty() { system_ports() } else { given_ports(&args.paths) };
    if candidates.is_empty() {
        println!("no serial ports found: is the modem plugged in? (`lsusb` shows it; a dongle in CD-ROM mode needs usb_modeswitch)");
        return Err(Error::Failed);
    }
    let wait = Duration::from_secs(args.wait.max(1));
    let probes: Vec<Probe> = candidates
        .into_iter()
        .map(|(path, by_id)| {
            let answer = probe(&path, wait);
            Probe { path, by_id, answer }
        })
        .collect();
    let mut best = None;
    for p in &probes {
        let name = p.by_id.as_ref().unwrap_or(&p.path);
        let what = match &p.answer {
            Ok(Some(model)) => {
                best.get_or_insert(name.clone());
                format!("answers AT: {model}")
            }
            Ok(None) => "no answer to AT (not an AT port: many dongles have a diagnostic or data port too)".into(),
            Err(e) => format!("cannot open: {e} ({})", port_advice(e)),
        };
        match &p.by_id {
            Some(link) => println!("{} ({}): {what}", link.display(), p.path.display()),
            None => println!("{}: {what}", p.path.display()),
        }
    }
    match best {
        Some(path) => {
            println!();
            println!("put this in the config file (/etc/smsgw/smsgw.toml), [modem] section:");
            println!("device = \"{}\"", path.display());
            Ok(())
        }
        None => {
            println!();
            println!("no port answered AT");
            Err(Error::Failed)
        }
    }
}

/// Every serial port worth probing, with its by-id name when it has one. By-id names come
/// first: they stay the same when the modem re-enumerates as another ttyUSB number.
fn system_ports() -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut ports: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/dev/serial/by-id") {
        let mut links: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        links.sort();
        for link in links {
            if let Ok(target) = std::fs::canonicalize(&link) {
                ports.push((target, Some(link)));
            }
        }
    }
    if let Ok(dir) = std::fs::read_dir("/dev") {
        let mut names: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                ["ttyUSB", "ttyACM", "ttyAMA", "ttyAMC", "serial0", "serial1"].iter().any(|pre| name.starts_with(pre))
            })
            .collect();
        names.sort();
        for path in names {
            let canonical = std::fs::canonicalize(&path).unwrap_or(path.clone());
            if !ports.iter().any(|(p, _)| *p == canonical) {
                ports.push((canonical, None));
            }
        }
    }
    ports
}

fn given_ports(paths: &[PathBuf]) -> Vec<(PathBuf, Option<PathBuf>)> {
    paths
        .iter()
        .map(|p| match std::fs::canonicalize(p) {
            // A symlink given by name (a by-id link, the simulator's --link) is the name to configure.
            Ok(target) if target != *p => (target, Some(p.clone())),
            _ => (p.clone(), None),
        })
        .collect()
}

/// Asks `path` for `AT` and, if it answers, for its manufacturer and model.
fn probe(path: &Path, wait: Duration) -> Result<Option<String>, String> {
    let mut port = Port::open(path, DEFAULT_BAUD).map_err(|e| e.to_string())?;
    // ESC first: a modem left at the SMS prompt would swallow the AT.
    let answer = exchange(&mut port, b"\x1bAT\r", wait).map_err(|e| e.to_string())?;
    if answer.is_none() {
        return Ok(None);
    }
    let mut describe = Vec::new();
    for cmd in [&b"AT+CGMI\r"[..], b"AT+CGMM\r"] {
        if let Ok(Some(lines)) = exchange(&mut port, cmd, wait) {
            if let Some(line) = lines.into_iter().next() {
                describe.push(line);
            }
        }
    }
    Ok(Some(if describe.is_empty() { "unknown modem".into() } else { describe.join(" ") }))
}

/// Writes `cmd` and collects the information lines up to `OK`; `None` if no `OK` came in time.
fn exchange(port: &mut Port, cmd: &[u8], wait: Duration) -> io::Result<Option<Vec<String>>> {
    port.write_all(cmd)?;
    let deadline = clock::now() + wait;
    let mut digester = Digester::new();
    let mut lines = Vec::new();
    let mut buf = [0u8; READ_CHUNK];
    while !clock::now().reached(deadline) {
        let n = port.read_timeout(&mut buf, deadline.saturating_duration_since(clock::now()))?;
        let mut input = &buf[..n];
        while !input.is_empty() {
            let used = digester.push(input);
            input = &input[used..];
            while let Some(item) = digester.poll() {
                match item {
                    Ok(Item::Response(line)) => lines.push(line.trim().to_owned()),
                    Ok(Item::Final(Final::Ok)) => return Ok(Some(lines)),
                    Ok(Item::Final(_)) => return Ok(None),
                    _ => {}
                }
            }
        }
    }
    Ok(None)
}
