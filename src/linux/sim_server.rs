//! `smsgw sim`: the simulated modem served on a pseudo-terminal, so that any program that talks
//! to a serial modem (the gateway, Gammu, python-gsmmodem, a terminal) can talk to it.
//!
//! One thread, one `poll(2)` loop over the pty master, the control socket and its clients. The
//! clock is read through [`clock`], the shell's one reader; the sans-IO [`Sim`] is driven with
//! what it reads.
//!
//! The control socket takes one-line text commands and answers each with one line of JSON
//! (`{"ok":true,…}` or `{"ok":false,"error":"…"}`):
//!
//! | command | effect |
//! | --- | --- |
//! | `status` | power state, profile, faults, counters |
//! | `fault hang` / `reboot` / `garbage N [nul]` / `drop N` / `delay MS` / `cms CODE P` / `no-network` / `pin` / `flood HZ` / `split` / `pace on\|off` / `net-delay MS` | a fault (see [`Fault`]); `P` is a probability 0..1 |
//! | `fault clear [KIND]` | clears every lasting fault, or one |
//! | `inject sms FROM TEXT…` | an incoming message (long ones in parts) |
//! | `inject call FROM\|withheld` | an incoming call |
//! | `inject report FROM MR STATUS` | a status report |
//! | `inject pdu HEX` | an SMS-DELIVER PDU as given (SMSC field first) |
//! | `reports DELAY_MS STATUS` | delay and TP-ST of the status reports to come |
//! | `calls clip-first\|clip-after\|profile RING_MS RINGS` | how calls to come ring: `+CLIP` before or after `RING`, the interval, the rings before the caller gives up |
//! | `power off\|on` | the supply |

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;

use serde_json::{json, Value};

use super::clock;
use super::pty::{self, Pty};
use crate::codec::hex;
use crate::codec::pdu::Alphabet;
use crate::sim::{calendar, AirEvent, Config, Fault, FaultKind, Injection, Sim};
use crate::time::Instant;

/// What `smsgw sim` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: Config,
    /// A symlink to create to the pty slave (removed on exit).
    pub link: Option<PathBuf>,
    /// JSON lines, one per part sent.
    pub air_log: Option<PathBuf>,
    /// The control socket's path.
    pub control: Option<PathBuf>,
    /// Faults to switch on at start, in the control socket's words (`"cms 500 0.5"`).
    pub faults: Vec<String>,
    /// Log unknown AT commands and control commands to stderr.
    pub verbose: bool,
}

/// What the modem's clock reads at start: the wall clock, UTC.
fn start_date() -> crate::codec::pdu::Timestamp {
    const EPOCH: crate::codec::pdu::Timestamp = crate::codec::pdu::Timestamp {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        offset_quarters: 0,
    };
    calendar::add_seconds(&EPOCH, clock::unix_millis() / 1000)
}

/// Removes a path when dropped (the link and the socket), so every exit path cleans up.
#[derive(Debug)]
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A control connection and the part of a line read so far.
#[derive(Debug)]
struct Client {
    stream: UnixStream,
    buf: Vec<u8>,
}

/// Longest control line kept: a command with a message text of a few parts.
const CONTROL_LINE_MAX: usize = 8 * 1024;

/// The bytes between a pty and a simulator, for `smsgw sim` and `smsgw demo`: what the host
/// wrote that the simulator has not taken yet, what the simulator said that the pty has not
/// taken yet, and whether anyone has the port open (when nobody has, the simulator's output goes
/// nowhere, as on a real line).
#[derive(Debug, Default)]
pub struct SimLink {
    peer: bool,
    to_host: Vec<u8>,
    from_host: Vec<u8>,
}

impl SimLink {
    /// Someone has the port open.
    pub fn peer(&self) -> bool {
        self.peer
    }

    /// Offers the simulator what the host wrote and it has not taken yet.
    pub fn feed(&mut self, sim: &mut Sim, now: Instant) {
        if !self.from_host.is_empty() {
            let n = sim.handle_bytes(now, &self.from_host);
            self.from_host.drain(..n);
        }
    }

    /// Writes what the simulator has to say to the pty, as much as it takes.
    pub fn flush(&mut self, pty: &Pty, sim: &mut Sim, now: Instant) -> io::Result<()> {
        while self.to_host.is_empty() {
            let Some(bytes) = sim.poll_transmit(now) else { break };
            if self.peer {
                self.to_host.extend_from_slice(bytes);
            }
        }
        if !self.to_host.is_empty() {
            let n = pty.write(&self.to_host)?;
            self.to_host.drain(..n);
        }
        Ok(())
    }

    /// What to wait for on the pty's master: input when the simulator can take it, output
    /// while some is pending.
    pub fn events(&self) -> i16 {
        let mut events = 0;
        if self.peer && self.from_host.is_empty() {
            events |= libc::POLLIN;
        }
        if !self.to_host.is_empty() {
            events |= libc::POLLOUT;
        }
        events
    }

    /// After a wait: notes whether the port is open and reads what the host wrote. Returns
    /// whether the port was opened or closed since the last call.
    pub fn read(&mut self, pty: &Pty, sim: &mut Sim, now: Instant) -> io::Result<bool> {
        let was = self.peer;
        self.peer = pty.has_peer()?;
        if self.peer && self.from_host.is_empty() {
            let mut buf = [0u8; 4096];
            let n = pty.read(&mut buf)?;
            if n > 0 {
                let taken = sim.handle_bytes(now, &buf[..n]);
                self.from_host.extend_from_slice(&buf[taken..n]);
            }
        }
        if !self.peer {
            self.to_host.clear();
        }
        Ok(self.peer != was)
    }
}

/// Serves until SIGTERM or SIGINT. Prints the slave's path (and the link) on stdout first.
pub fn serve(opts: &Options) -> Result<(), super::cli::Error> {
    pty::catch_termination()?;
    let pty = Pty::open()?;
    let mut config = opts.config;
    config.start_time = start_date();
    let origin = clock::now();
    let mut sim = Sim::with_config(config, origin);
    for f in &opts.faults {
        let answer = control(&mut sim, origin, &format!("fault {f}"));
        if answer["ok"] != json!(true) {
            return Err(super::cli::Error::Usage(format!("--fault {f}: {}", answer["error"])));
        }
    }
    let _link = match &opts.link {
        Some(link) => {
            let _ = std::fs::remove_file(link);
            std::os::unix::fs::symlink(pty.slave_path(), link)?;
            Some(RemoveOnDrop(link.clone()))
        }
        None => None,
    };
    let (listener, _socket) = match &opts.control {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            let l = UnixListener::bind(path)?;
            l.set_nonblocking(true)?;
            (Some(l), Some(RemoveOnDrop(path.clone())))
        }
        None => (None, None),
    };
    let mut air_log = match &opts.air_log {
        Some(p) => Some(BufWriter::new(File::options().create(true).append(true).open(p)?)),
        None => None,
    };
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", pty.slave_path().display())?;
        out.flush()?;
    }
    if opts.verbose {
        eprintln!(
            "smsgw sim: {} on {}{}",
            config.profile.name(),
            pty.slave_path().display(),
            opts.link.as_deref().map(|l| format!(" ({})", l.display())).unwrap_or_default()
        );
    }

    let mut clients: Vec<Client> = Vec::new();
    let mut link = SimLink::default();
    while !pty::stop_requested() {
        let now = clock::now();
        sim.handle_timeout(now);
        link.feed(&mut sim, now);
        // The air log first: a message is in it by the time the host reads its +CMGS.
        while let Some(event) = sim.poll_air() {
            if let Some(log) = air_log.as_mut() {
                writeln!(log, "{}", air_json(&event, &sim, origin))?;
                log.flush()?;
            }
            if opts.verbose {
                eprintln!("smsgw sim: sent to {}: {:?}", event.recipient, event.text.as_str());
            }
        }
        link.flush(&pty, &mut sim, now)?;
        while let Some(unknown) = sim.poll_unknown() {
            if opts.verbose {
                eprintln!("smsgw sim: unknown command {unknown:?}");
            }
        }

        // Wait for the host, a control client or the simulator's next deadline. While nobody
        // has the port open the master reports a hang-up without end, so it is left out of
        // the wait and looked at again every 20 ms.
        let mut timeout = 100u64;
        if let Some(t) = sim.poll_timeout() {
            timeout = timeout.min(t.as_millis().saturating_sub(now.as_millis()));
        }
        if !link.peer() {
            timeout = timeout.min(20);
        }
        let mut fds = Vec::with_capacity(2 + clients.len());
        let master_events = link.events();
        fds.push(libc::pollfd { fd: pty.master_fd(), events: master_events, revents: 0 });
        if let Some(l) = &listener {
            fds.push(libc::pollfd { fd: l.as_raw_fd(), events: libc::POLLIN, revents: 0 });
        }
        for c in &clients {
            fds.push(libc::pollfd { fd: c.stream.as_raw_fd(), events: libc::POLLIN, revents: 0 });
        }
        if link.peer() || master_events != 0 {
            pty::poll(&mut fds, timeout as i32)?;
        } else {
            let (_, rest) = fds.split_at_mut(1);
            pty::poll(rest, timeout as i32)?;
        }
        let now = clock::now();

        if link.read(&pty, &mut sim, now)? && opts.verbose {
            eprintln!("smsgw sim: port {}", if link.peer() { "opened" } else { "closed" });
        }
        let mut i = 1;
        if let Some(l) = &listener {
            if fds.get(i).is_some_and(|f| f.revents != 0) {
                accept_all(l, &mut clients)?;
            }
            i += 1;
        }
        let ready: Vec<bool> = (0..clients.len()).map(|k| fds.get(i + k).is_some_and(|f| f.revents != 0)).collect();
        let mut k = 0;
        clients.retain_mut(|c| {
            let keep = !ready.get(k).copied().unwrap_or(false) || serve_client(c, &mut sim, now, opts.verbose);
            k += 1;
            keep
        });
    }
    if opts.verbose {
        eprintln!("smsgw sim: stopped");
    }
    Ok(())
}

fn accept_all(l: &UnixListener, clients: &mut Vec<Client>) -> io::Result<()> {
    loop {
        match l.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(true)?;
                clients.push(Client { stream, buf: Vec::new() });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Reads what a client sent and answers each complete line; false when it is gone.
fn serve_client(c: &mut Client, sim: &mut Sim, now: Instant, verbose: bool) -> bool {
    let mut buf = [0u8; 1024];
    let open = loop {
        match c.stream.read(&mut buf) {
            Ok(0) => break false,
            Ok(n) => c.buf.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break false,
        }
    };
    while let Some(end) = c.buf.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = c.buf.drain(..=end).collect();
        let line = String::from_utf8_lossy(&line);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let answer = control(sim, now, line);
        if verbose {
            eprintln!("smsgw sim: control {line:?} -> {answer}");
        }
        if write_line(&mut c.stream, &answer.to_string()).is_err() {
            return false;
        }
    }
    if c.buf.len() > CONTROL_LINE_MAX {
        let _ = write_line(&mut c.stream, &json!({"ok": false, "error": "line too long"}).to_string());
        return false;
    }
    open
}

/// Writes a whole answer line to a non-blocking socket; answers are small, so a full socket
/// buffer is waited out briefly rather than queued.
fn write_line(stream: &mut UnixStream, line: &str) -> io::Result<()> {
    let mut data = line.as_bytes().to_vec();
    data.push(b'\n');
    let mut at = 0;
    for _ in 0..1000 {
        match stream.write(&data[at..]) {
            Ok(n) => {
                at += n;
                if at == data.len() {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(std::time::Duration::from_millis(1)),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::TimedOut, "control client does not read"))
}

fn ok(extra: Value) -> Value {
    let mut v = json!({"ok": true});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

fn err(msg: impl std::fmt::Display) -> Value {
    json!({"ok": false, "error": msg.to_string()})
}

fn number<T: std::str::FromStr>(word: Option<&str>, what: &str) -> Result<T, Value> {
    word.and_then(|w| w.parse().ok()).ok_or_else(|| err(format!("{what}: a number is needed")))
}

/// Executes one control command and returns its answer.
pub fn control(sim: &mut Sim, now: Instant, line: &str) -> Value {
    match control_inner(sim, now, line) {
        Ok(v) => v,
        Err(v) => v,
    }
}

fn control_inner(sim: &mut Sim, now: Instant, line: &str) -> Result<Value, Value> {
    let mut words = line.split_whitespace();
    match words.next() {
        Some("status") => Ok(ok(status_json(sim))),
        Some("fault") => {
            let fault = match words.next() {
                Some("hang") => Fault::Hang,
                Some("reboot") => Fault::Reboot,
                Some("garbage") => {
                    let len = number(words.next(), "garbage")?;
                    Fault::Garbage { len, nul: words.next() == Some("nul") }
                }
                Some("drop") => Fault::Drop { responses: number(words.next(), "drop")? },
                Some("delay") => Fault::Delay { ms: number(words.next(), "delay")? },
                Some("cms") => {
                    let code = number(words.next(), "cms code")?;
                    let p: f64 = number(words.next(), "cms probability")?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(err("cms probability: 0 to 1"));
                    }
                    Fault::CmsError { code, permille: (p * 1000.0).round() as u16 }
                }
                Some("no-network") => Fault::NoNetwork,
                Some("pin") => Fault::PinRequired,
                Some("flood") => Fault::Flood { hz: number(words.next(), "flood")? },
                Some("split") => Fault::Split,
                Some("pace") => match words.next() {
                    Some("on") | None => Fault::Pace,
                    Some("off") => {
                        sim.clear_fault(now, FaultKind::Pace);
                        return Ok(ok(json!({})));
                    }
                    Some(w) => return Err(err(format!("pace {w}: on or off"))),
                },
                Some("net-delay") => Fault::NetworkDelay { ms: number(words.next(), "net-delay")? },
                Some("clear") => {
                    match words.next() {
                        None => sim.clear_faults(now),
                        Some(kind) => sim.clear_fault(now, fault_kind(kind).ok_or_else(|| err("unknown fault"))?),
                    }
                    return Ok(ok(json!({})));
                }
                Some(w) => return Err(err(format!("unknown fault {w:?}"))),
                None => return Err(err("fault: which one?")),
            };
            sim.set_fault(now, fault);
            Ok(ok(json!({})))
        }
        Some("inject") => {
            let what = words.next();
            let injection = match what {
                Some("sms") => {
                    let from = words.next().ok_or_else(|| err("inject sms FROM TEXT"))?;
                    // The text is the rest of the line after the sender, spacing kept.
                    let text = line.split_once(from).map(|(_, t)| t.strip_prefix(' ').unwrap_or(t)).unwrap_or("");
                    return sim
                        .inject(now, Injection::Sms { from, text, flash: false })
                        .map(|()| ok(json!({})))
                        .map_err(err);
                }
                Some("call") => match words.next() {
                    Some("withheld") => Injection::Call { from: None },
                    Some(n) => Injection::Call { from: Some(n) },
                    None => return Err(err("inject call FROM|withheld")),
                },
                Some("report") => {
                    let recipient = words.next().ok_or_else(|| err("inject report FROM MR STATUS"))?;
                    let message_ref = number(words.next(), "report mr")?;
                    let status = number(words.next(), "report status")?;
                    Injection::StatusReport { recipient, message_ref, status }
                }
                Some("pdu") => {
                    let text = words.next().ok_or_else(|| err("inject pdu HEX"))?;
                    let mut buf = [0u8; crate::codec::pdu::MAX_PDU_OCTETS];
                    let octets = hex::decode_into(text.as_bytes(), &mut buf).map_err(err)?;
                    return sim.inject(now, Injection::Pdu { octets }).map(|()| ok(json!({}))).map_err(err);
                }
                _ => return Err(err("inject sms|call|report|pdu")),
            };
            sim.inject(now, injection).map(|()| ok(json!({}))).map_err(err)
        }
        Some("calls") => {
            let order = match words.next() {
                Some("clip-first") => Some(true),
                Some("clip-after") => Some(false),
                Some("profile") => None,
                _ => return Err(err("calls clip-first|clip-after|profile RING_MS RINGS")),
            };
            let interval = number(words.next(), "calls ring interval")?;
            let rings = number(words.next(), "calls rings")?;
            sim.set_calls(order, interval, rings);
            Ok(ok(json!({})))
        }
        Some("reports") => {
            let delay = number(words.next(), "reports delay")?;
            let status = number(words.next(), "reports status")?;
            sim.set_reports(delay, status);
            Ok(ok(json!({})))
        }
        Some("power") => match words.next() {
            Some("on") => {
                sim.set_power(now, true);
                Ok(ok(json!({})))
            }
            Some("off") => {
                sim.set_power(now, false);
                Ok(ok(json!({})))
            }
            _ => Err(err("power on|off")),
        },
        Some(w) => Err(err(format!("unknown command {w:?}"))),
        None => Err(err("empty command")),
    }
}

fn fault_kind(name: &str) -> Option<FaultKind> {
    Some(match name {
        "drop" => FaultKind::Drop,
        "delay" => FaultKind::Delay,
        "cms" => FaultKind::CmsError,
        "no-network" => FaultKind::NoNetwork,
        "pin" => FaultKind::PinRequired,
        "flood" => FaultKind::Flood,
        "split" => FaultKind::Split,
        "pace" => FaultKind::Pace,
        "net-delay" => FaultKind::NetworkDelay,
        _ => return None,
    })
}

fn status_json(sim: &Sim) -> Value {
    let s = sim.status();
    let f = s.faults;
    let st = s.stats;
    json!({
        "profile": s.profile.name(),
        "power": s.power.name(),
        "echo": s.echo,
        "text_mode": s.text_mode,
        "ringing": s.ringing,
        "boot_urcs_pending": s.boot_urcs_pending,
        "stored": s.stored,
        "tx_pending": s.tx_pending,
        "tx_overflowed": s.tx_overflowed,
        "faults": {
            "drop": f.drop,
            "delay_ms": f.delay_ms,
            "cms": f.cms.map(|(code, permille)| json!({"code": code, "probability": f64::from(permille) / 1000.0})),
            "no_network": f.no_network,
            "pin": f.pin,
            "flood_hz": f.flood_hz,
            "split": f.split,
            "pace": f.pace,
            "net_delay_ms": f.network_delay_ms,
        },
        "stats": {
            "commands": st.commands,
            "unknown": st.unknown,
            "sent": st.sent,
            "send_failed": st.send_failed,
            "received": st.received,
            "reports": st.reports,
            "rings": st.rings,
            "dropped": st.dropped,
            "air_dropped": st.air_dropped,
            "rx_refused": st.rx_refused,
            "boots": st.boots,
        },
    })
}

/// One air-log line: what the network took, decoded.
pub fn air_json(e: &AirEvent, sim: &Sim, origin: Instant) -> Value {
    let mut pdu_hex = vec![0u8; 2 * e.pdu.len()];
    let pdu_hex = hex::encode_into(&e.pdu, &mut pdu_hex).unwrap_or("").to_string();
    let mut time = String::new();
    let _ = calendar::at(&sim.config().start_time, origin, e.time).write_iso8601(&mut time);
    json!({
        "time": time,
        "time_ms": e.time.as_millis().saturating_sub(origin.as_millis()),
        "recipient": e.recipient.as_str(),
        "text": e.text.as_str(),
        "encoding": match e.alphabet {
            Alphabet::Gsm7 => "gsm7",
            Alphabet::Ucs2 => "ucs2",
            Alphabet::EightBit => "8bit",
        },
        "concat": e.concat.map(|c| json!({"ref": c.reference, "seq": c.seq, "total": c.total})),
        "mr": e.message_ref,
        "srr": e.status_report,
        "class": e.class.map(|c| c.number()),
        "validity": e.validity.map(|v| format!("{v:?}")),
        "pdu": pdu_hex,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Profile;

    fn booted() -> (Sim, Instant) {
        let mut sim = Sim::new(Profile::Sim800, Instant::ZERO);
        let t = Instant::from_millis(10_000);
        sim.handle_timeout(t);
        (sim, t)
    }

    #[test]
    fn control_commands() {
        let (mut sim, t) = booted();
        let cases = [
            ("status", true),
            ("fault cms 500 0.25", true),
            ("fault cms 500 2", false),
            ("fault drop x", false),
            ("fault pace on", true),
            ("fault pace off", true),
            ("fault clear", true),
            ("fault clear nonsense", false),
            ("fault net-delay 100", true),
            ("fault bogus", false),
            ("inject sms +4917 hello  world", true),
            ("inject call withheld", true),
            ("inject call +4917", false),
            ("inject report +4917 3 0", true),
            ("inject pdu 0791447758100650040C9144971121436500004210510103548007743D885E9ED301", true),
            ("inject pdu 0791447758100650", false),
            ("inject pdu zz", false),
            ("reports 100 70", true),
            ("calls clip-first 500 3", true),
            ("calls sideways 500 3", false),
            ("calls profile 500", false),
            ("power off", true),
            ("inject call withheld", false),
            ("power on", true),
            ("nonsense", false),
            ("", false),
        ];
        for (line, want) in cases {
            let v = control(&mut sim, t, line);
            assert_eq!(v["ok"], json!(want), "{line}: {v}");
            if !want {
                assert!(v["error"].is_string(), "{line}: {v}");
            }
        }
        let v = control(&mut sim, t, "status");
        assert_eq!((v["power"].as_str(), v["profile"].as_str()), (Some("booting"), Some("sim800")));
        assert_eq!(v["faults"]["net_delay_ms"], json!(100));
    }

    #[test]
    fn status_shows_faults() {
        let (mut sim, t) = booted();
        control(&mut sim, t, "fault cms 38 0.5");
        control(&mut sim, t, "fault no-network");
        let v = control(&mut sim, t, "status");
        assert_eq!(v["faults"]["cms"], json!({"code": 38, "probability": 0.5}));
        assert_eq!(v["faults"]["no_network"], json!(true));
        assert_eq!(v["power"], json!("ready"));
    }
}
