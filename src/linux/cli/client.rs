//! The commands that talk to a running gateway through its control socket — `smsgw send`,
//! `status`, `queue`, `export` — and `smsgw logs`, which reads its log.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::Error;
use crate::linux::config::{self, Config};
use crate::linux::control::Client;
use crate::linux::dates;
use crate::linux::gateway::{MessageInfo, Request};
use crate::linux::log::{self as gwlog, Level, RotatingFile};
use crate::modem::Family;

/// Which gateway to talk to.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// The control socket (default: `control.socket` of the configuration, or /run/smsgw/control.sock).
    #[arg(long, value_name = "PATH", global = true)]
    pub socket: Option<PathBuf>,
    /// The gateway's configuration file, for the socket's path.
    #[arg(long, value_name = "PATH", global = true, default_value = config::DEFAULT_PATH)]
    pub config: PathBuf,
}

impl Target {
    /// The socket: given, or the configuration's (when there is a file), or the default.
    pub fn socket(&self) -> Result<PathBuf, Error> {
        if let Some(s) = &self.socket {
            return Ok(s.clone());
        }
        match Config::load(&self.config) {
            Ok(c) => Ok(c.control.socket),
            Err(config::Error::NotFound { .. }) => Ok(PathBuf::from(config::DEFAULT_SOCKET)),
            Err(e) => Err(e.into()),
        }
    }

    pub fn connect(&self) -> Result<Client, Error> {
        Ok(Client::connect(&self.socket()?)?)
    }
}

/// Arguments of `smsgw send`.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The recipient: an optional + and 1 to 20 digits.
    pub number: String,
    /// The text (several words are joined with spaces).
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    /// Higher is sent first (0 to 255).
    #[arg(long, default_value_t = 0, conflicts_with = "device")]
    pub priority: u8,
    /// Ask the network for a delivery report.
    #[arg(long, conflicts_with = "device")]
    pub status_report: bool,
    /// Send straight through the modem at this port instead, without the gateway or its queue,
    /// and report every part (stop the gateway first: the port is opened exclusively).
    #[arg(long, value_name = "PATH")]
    pub device: Option<PathBuf>,
    /// With --device: the line speed.
    #[arg(long, default_value_t = crate::linux::serial::DEFAULT_BAUD, requires = "device")]
    pub baud: u32,
    /// With --device: the modem family, for its timings (generic, huawei, simcom, quectel).
    #[arg(long, default_value = "generic", value_parser = super::modem::parse_family, requires = "device")]
    pub family: Family,
    /// With --device: the SIM PIN, entered once if the SIM asks for it.
    #[arg(long, env = "SMSGW_PIN", hide_env_values = true)]
    pub pin: Option<String>,
    /// With --device: how long to wait for the modem to be ready, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, requires = "device")]
    pub timeout: u64,
    /// With --device: ask for a status report and wait up to this many seconds for it.
    #[arg(long, value_name = "SECONDS", requires = "device")]
    pub wait_report: Option<u64>,
    /// With --device: send as a flash message (class 0).
    #[arg(long, requires = "device")]
    pub flash: bool,
    #[command(flatten)]
    pub target: Target,
}

/// Queues a message on the running gateway; works while the modem is down (it goes out when
/// the modem is back). With `--device`, sends it straight through that modem instead.
pub fn send(args: &SendArgs) -> Result<(), Error> {
    let text = args.text.join(" ");
    if let Some(device) = &args.device {
        return super::modem::send(&super::modem::SendArgs {
            modem: super::modem::ModemArgs {
                device: device.clone(),
                baud: args.baud,
                family: args.family,
                pin: args.pin.clone(),
                timeout: args.timeout,
            },
            wait_report: args.wait_report,
            flash: args.flash,
            number: args.number.clone(),
            text,
        });
    }
    let mut client = args.target.connect()?;
    let answer = client.request(&Request::Send {
        to: args.number.clone(),
        text,
        priority: args.priority,
        status_report: args.status_report,
    })?;
    let id = answer["id"].as_u64().unwrap_or(0);
    if answer["state"] == "failed" {
        let why = answer["error"].as_str().unwrap_or("it cannot be sent");
        return Err(Error::Gateway(format!("message #{id} failed: {why}")));
    }
    let parts = answer["parts"].as_u64().unwrap_or(1);
    let encoding = answer["encoding"].as_str().unwrap_or("?");
    println!("queued #{id}: {parts} part{} ({encoding})", if parts == 1 { "" } else { "s" });
    Ok(())
}

/// Arguments of `smsgw status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print the whole status as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: Target,
}

fn duration_words(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {}s", secs / 60, secs % 60),
        3600..=86_399 => format!("{}h {}m", secs / 3600, secs / 60 % 60),
        _ => format!("{}d {}h", secs / 86_400, secs / 3600 % 24),
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("?")
}

/// The status as `smsgw status` prints it.
pub fn format_status(s: &Value, ansi: bool) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<10}{value}\n"));
    let g = &s["gateway"];
    line(
        "gateway",
        format!(
            "{} (smsgw {}, pid {}), up {}, {}",
            text(&g["name"]),
            text(&g["version"]),
            g["pid"],
            duration_words(g["uptime_s"].as_u64().unwrap_or(0)),
            text(&g["health"])
        ),
    );
    line("", text(&g["summary"]).to_string());
    let m = &s["modem"];
    let device = format!(
        "{}: {}{}",
        text(&m["device"]),
        text(&m["phase"]),
        m["port_error"].as_str().map(|e| format!(" ({e})")).unwrap_or_default()
    );
    match m["model"].as_str() {
        Some(model) => {
            line(
                "modem",
                format!(
                    "{} {}, revision {}, IMEI {}",
                    m["manufacturer"].as_str().unwrap_or(""),
                    model,
                    m["revision"].as_str().unwrap_or("?"),
                    m["imei"].as_str().unwrap_or("?")
                ),
            );
            line("", device);
        }
        None => line("modem", device),
    }
    if m["imsi"].is_string() || m["operator"].is_string() {
        line(
            "SIM",
            format!(
                "IMSI {}, ICCID {}, operator {}",
                m["imsi"].as_str().unwrap_or("?"),
                m["iccid"].as_str().unwrap_or("?"),
                m["operator"].as_str().unwrap_or("?")
            ),
        );
    }
    match &m["signal"] {
        Value::Object(sig) => {
            let dbm = sig.get("dbm").and_then(Value::as_i64).map(|d| format!(" ({d} dBm)")).unwrap_or_default();
            line("signal", format!("{}{dbm}", sig.get("quality").and_then(Value::as_str).unwrap_or("?")));
        }
        _ => line("signal", "unknown".into()),
    }
    let registration = |r: &serde_json::Map<String, Value>| {
        let state = r.get("state").and_then(Value::as_str).unwrap_or("?");
        match (r.get("area").and_then(Value::as_str), r.get("cell").and_then(Value::as_str)) {
            (Some(a), Some(c)) => format!("{state} (area {a}, cell {c})"),
            _ => state.to_string(),
        }
    };
    match (&m["registration"], &m["eps_registration"]) {
        (Value::Object(cs), Value::Object(eps)) => {
            line("network", registration(cs));
            line("", format!("LTE: {}", registration(eps)));
        }
        (Value::Object(r), _) => line("network", registration(r)),
        (_, Value::Object(r)) => line("network", format!("LTE: {}", registration(r))),
        _ => line("network", "unknown".into()),
    }
    if let Some(e) = m["last_error"].as_str() {
        line("", format!("last modem error: {e}"));
    }
    let q = &s["queue"];
    let counts = &q["counts"];
    line(
        "queue",
        ["queued", "sending", "sent", "delivered", "failed", "cancelled"]
            .iter()
            .map(|k| format!("{} {k}", counts[k].as_u64().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(f) = q["in_flight"].as_object() {
        line("", format!("with the modem: #{} part {}", f["id"], f["part"]));
    }
    let resent = q["unknown_resent"].as_u64().unwrap_or(0);
    let unconfirmed = q["unknown_failed"].as_u64().unwrap_or(0);
    if resent + unconfirmed > 0 {
        line("", format!("parts with an unknown outcome: {resent} sent again, {unconfirmed} failed unconfirmed"));
    }
    line("", text(&q["store"]).to_string());
    let r = &s["received"];
    let waiting = match r["waiting_sets"].as_u64() {
        Some(0) | None => String::new(),
        Some(n) => format!(", {n} long message(s) waiting for parts"),
    };
    line("received", format!("{} since start{waiting}", r["since_start"]));
    let c = &s["calls"];
    let replies = if c["auto_reply"] == true {
        format!(", {} answered with an SMS", c["replies_since_start"])
    } else {
        ", auto-reply off".into()
    };
    line("calls", format!("{} since start{replies}", c["since_start"]));
    line("upstream", text(&s["upstream"]).to_string());
    if let Some(u) = s["upstream_sync"].as_object() {
        let since = u.get("since").and_then(Value::as_str).map(|t| format!(" since {t}")).unwrap_or_default();
        let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
        line(
            "",
            format!(
                "{}{since} as {}; claimed {}, pushed {}, pending pushes {}, rejected {}, resent {}, reconnects {}",
                u.get("connection").and_then(Value::as_str).unwrap_or("?"),
                u.get("gateway").and_then(Value::as_str).unwrap_or("?"),
                n("claimed"),
                n("pushed"),
                n("pending_pushes"),
                n("rejected"),
                n("resent"),
                n("reconnects")
            ),
        );
        if let Some(e) = u.get("last_error").and_then(Value::as_str) {
            line("", format!("last upstream error: {e}"));
        }
    }
    let leds: Vec<String> = s["leds"].as_array().into_iter().flatten().map(|l| led_words(l, ansi)).collect();
    line("LEDs", leds.join("   "));
    if let Some(b) = s["board_leds"].as_str() {
        line("board", b.to_string());
    }
    for (i, e) in s["errors"].as_array().into_iter().flatten().enumerate() {
        line(if i == 0 { "errors" } else { "" }, format!("{} {}", text(&e["at"]), text(&e["error"])));
    }
    out
}

/// One LED of the status's JSON as `name ● colour`.
fn led_words(l: &Value, ansi: bool) -> String {
    use crate::linux::gateway::view::{Colour, Led, Pattern};
    let colour = match l["colour"].as_str() {
        Some("red") => Colour::Red,
        Some("yellow") => Colour::Yellow,
        _ => Colour::Green,
    };
    let pattern = match l["pattern"].as_str() {
        Some("on") => Pattern::On,
        Some("blink") => Pattern::Blink,
        _ => Pattern::Off,
    };
    let name: &'static str = match l["name"].as_str() {
        Some("health") => "health",
        Some("network") => "network",
        Some("queue") => "queue",
        Some("upstream") => "upstream",
        _ => "led",
    };
    Led { name, colour, pattern }.describe(ansi)
}

/// Whether stdout is a terminal (for colours).
pub fn stdout_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

pub fn status(args: &StatusArgs) -> Result<(), Error> {
    let mut client = args.target.connect()?;
    let answer = client.request(&Request::Status)?;
    let mut out = io::stdout().lock();
    if args.json {
        let mut v = answer;
        if let Some(o) = v.as_object_mut() {
            o.remove("ok");
        }
        writeln!(out, "{v}")?;
    } else {
        out.write_all(format_status(&answer, stdout_is_tty()).as_bytes())?;
    }
    Ok(())
}

/// `smsgw queue …`.
#[derive(Debug, clap::Subcommand)]
pub enum QueueCommand {
    /// Messages in id order (newest last).
    List {
        /// Only messages in this state: queued, sending, sent, delivered, failed, cancelled.
        #[arg(long)]
        state: Option<String>,
        /// At most this many (the first ones; see --offset).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Skip this many first.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// One message with its parts.
    Show {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Queue a failed or cancelled message again, with fresh attempts.
    Retry { id: u64 },
    /// Withdraw a message that has not been sent (parts already sent stay sent).
    Cancel { id: u64 },
}

/// Arguments of `smsgw queue`.
#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    pub command: QueueCommand,
    #[command(flatten)]
    pub target: Target,
}

fn messages(answer: &Value) -> Result<Vec<MessageInfo>, Error> {
    serde_json::from_value(answer["messages"].clone())
        .map_err(|e| Error::Gateway(format!("unexpected answer from the gateway: {e}")))
}

fn message(answer: &Value) -> Result<MessageInfo, Error> {
    serde_json::from_value(answer["message"].clone())
        .map_err(|e| Error::Gateway(format!("unexpected answer from the gateway: {e}")))
}

/// A text shortened to `max` characters for a table.
pub fn clip(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

pub fn queue(args: &QueueArgs) -> Result<(), Error> {
    let mut client = args.target.connect()?;
    let mut out = io::stdout().lock();
    match &args.command {
        QueueCommand::List { state, limit, offset, json } => {
            let answer = client.request(&Request::List { state: state.clone(), limit: *limit, offset: *offset })?;
            let list = messages(&answer)?;
            if *json {
                for m in &list {
                    writeln!(out, "{}", serde_json::to_string(m).unwrap_or_default())?;
                }
            } else {
                writeln!(
                    out,
                    "{:>6}  {:<10} {:<16} {:>5}  {:<20}  text",
                    "id", "state", "recipient", "parts", "created"
                )?;
                for m in &list {
                    writeln!(
                        out,
                        "{:>6}  {:<10} {:<16} {:>2}/{:<2}  {:<20}  {}",
                        m.id,
                        m.state,
                        m.recipient,
                        m.parts_sent,
                        m.parts,
                        dates::iso_utc(m.created_ms),
                        clip(&m.text, 40)
                    )?;
                }
            }
        }
        QueueCommand::Show { id, json } => {
            let m = message(&client.request(&Request::Show { id: *id })?)?;
            if *json {
                writeln!(out, "{}", serde_json::to_string(&m).unwrap_or_default())?;
            } else {
                show(&mut out, &m)?;
            }
        }
        QueueCommand::Retry { id } => {
            let m = message(&client.request(&Request::Retry { id: *id })?)?;
            writeln!(out, "#{}: {} again, {} attempt(s)", m.id, m.state, m.attempts_left)?;
        }
        QueueCommand::Cancel { id } => {
            let m = message(&client.request(&Request::Cancel { id: *id })?)?;
            writeln!(out, "#{}: {}", m.id, m.state)?;
        }
    }
    Ok(())
}

fn show(out: &mut impl Write, m: &MessageInfo) -> io::Result<()> {
    writeln!(out, "id:            {}", m.id)?;
    if let Some(u) = m.upstream_id {
        writeln!(out, "upstream id:   {u}")?;
    }
    writeln!(out, "recipient:     {}", m.recipient)?;
    writeln!(out, "state:         {}", m.state)?;
    if let Some(e) = &m.error {
        writeln!(out, "error:         {e}")?;
    }
    writeln!(out, "priority:      {}", m.priority)?;
    writeln!(out, "attempts:      {} made, {} left", m.attempts, m.attempts_left)?;
    if m.unknown_parts > 0 {
        writeln!(out, "unknown:       {} part(s) with an unknown outcome", m.unknown_parts)?;
    }
    writeln!(out, "created:       {}", dates::iso_utc(m.created_ms))?;
    if let Some(t) = m.sent_ms {
        writeln!(out, "sent:          {}", dates::iso_utc(t))?;
    }
    if let Some(t) = m.delivered_ms {
        writeln!(out, "delivered:     {}", dates::iso_utc(t))?;
    }
    for (i, p) in m.part_states.iter().enumerate() {
        writeln!(out, "part {:<3}      {p}", format!("{}:", i + 1))?;
    }
    writeln!(out, "text:          {}", m.text)
}

/// Arguments of `smsgw export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// CSV with a header line (the default).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// One JSON object per message instead.
    #[arg(long)]
    pub json: bool,
    /// Only messages created at or after this date (UTC): 2024-01-31 or 2024-01-31T08:00:00.
    #[arg(long, value_name = "DATE", value_parser = dates::parse_date)]
    pub since: Option<u64>,
    #[command(flatten)]
    pub target: Target,
}

/// The CSV columns of `smsgw export`.
pub const CSV_HEADER: &str = "id,upstream_id,recipient,state,parts,attempts,error,created,sent,delivered";

/// One CSV field, quoted when it must be (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A message as one CSV row (without the line end).
pub fn csv_row(m: &MessageInfo) -> String {
    let time = |t: Option<u64>| t.map(dates::iso_utc).unwrap_or_default();
    [
        m.id.to_string(),
        m.upstream_id.map(|u| u.to_string()).unwrap_or_default(),
        csv_field(&m.recipient),
        m.state.clone(),
        m.parts.to_string(),
        m.attempts.to_string(),
        csv_field(m.error.as_deref().unwrap_or("")),
        time(Some(m.created_ms)),
        time(m.sent_ms),
        time(m.delivered_ms),
    ]
    .join(",")
}

pub fn export(args: &ExportArgs) -> Result<(), Error> {
    let mut client = args.target.connect()?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if !args.json {
        writeln!(out, "{CSV_HEADER}")?;
    }
    let mut after = None;
    loop {
        let answer = client.request(&Request::Export {
            since: args.since.unwrap_or(0),
            after,
            limit: super::super::gateway::protocol::MAX_PAGE,
        })?;
        for m in messages(&answer)? {
            if args.json {
                writeln!(out, "{}", serde_json::to_string(&m).unwrap_or_default())?;
            } else {
                writeln!(out, "{}", csv_row(&m))?;
            }
        }
        after = serde_json::from_value::<Option<(u64, u64)>>(answer["next"].clone()).unwrap_or(None);
        if after.is_none() {
            break;
        }
    }
    out.flush()?;
    Ok(())
}

/// Arguments of `smsgw logs`.
#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// Keep printing lines as they are written.
    #[arg(long, short)]
    pub follow: bool,
    /// Only errors.
    #[arg(long)]
    pub errors: bool,
    /// How many of the last lines to print first.
    #[arg(long, short = 'n', default_value_t = 50)]
    pub lines: usize,
    /// The gateway's configuration file, for `log.file`.
    #[arg(long, value_name = "PATH", default_value = config::DEFAULT_PATH)]
    pub config: PathBuf,
}

/// Reads the log file of the configuration, or the journal when the gateway logs only there.
pub fn logs(args: &LogsArgs) -> Result<(), Error> {
    let file = match Config::load(&args.config) {
        Ok(c) => c.log.file,
        Err(config::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    match file {
        Some(path) => tail(&path, args),
        None if Path::new("/run/systemd/system").exists() => journal(args),
        None => Err(Error::Gateway(format!(
            "no log file is configured (log.file in {}) and there is no systemd journal: the gateway logs to its stderr",
            args.config.display()
        ))),
    }
}

/// `journalctl -u smsgw`, with the same options.
fn journal(args: &LogsArgs) -> Result<(), Error> {
    let mut cmd = std::process::Command::new("journalctl");
    cmd.args(["-u", "smsgw", "--no-pager", "-n"]).arg(args.lines.to_string());
    if args.follow {
        cmd.arg("-f");
    }
    if args.errors {
        cmd.args(["-p", "err"]);
    }
    let status = cmd.status().map_err(|e| Error::Gateway(format!("cannot run journalctl: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Gateway(format!("journalctl failed ({status})")))
    }
}

/// Whether a log line is shown with `--errors`.
fn wanted(line: &str, errors: bool) -> bool {
    !errors || gwlog::line_level(line) == Some(Level::Error)
}

/// Prints the last lines of the log file (reaching into the rotated one when the current one
/// is short), then follows it across rotations.
fn tail(path: &Path, args: &LogsArgs) -> Result<(), Error> {
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let current = std::fs::read_to_string(path).map_err(|e| Error::Gateway(format!("{}: {e}", path.display())))?;
    let mut lines: Vec<String> = read(&RotatingFile::rotated(path, 1))
        .lines()
        .chain(current.lines())
        .filter(|l| wanted(l, args.errors))
        .map(str::to_string)
        .collect();
    let skip = lines.len().saturating_sub(args.lines);
    let mut out = io::stdout().lock();
    for l in lines.drain(..).skip(skip) {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    if !args.follow {
        return Ok(());
    }
    let mut offset = current.len() as u64;
    let mut partial = String::new();
    let inode = |p: &Path| std::fs::metadata(p).ok().map(|m| std::os::unix::fs::MetadataExt::ino(&m));
    let mut ino = inode(path);
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let now_ino = inode(path);
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if now_ino != ino || size < offset {
            // Rotated or started afresh: read the new file from its start.
            ino = now_ino;
            offset = 0;
            partial.clear();
        }
        if size <= offset {
            continue;
        }
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(_) => continue,
        };
        f.seek(SeekFrom::Start(offset))?;
        let mut chunk = String::new();
        let n = f.take(size - offset).read_to_string(&mut chunk)?;
        offset += n as u64;
        partial.push_str(&chunk);
        while let Some(end) = partial.find('\n') {
            let line: String = partial.drain(..=end).collect();
            if wanted(line.trim_end(), args.errors) {
                out.write_all(line.as_bytes())?;
            }
        }
        out.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(error: Option<&str>) -> MessageInfo {
        MessageInfo {
            id: 7,
            upstream_id: Some(900),
            recipient: "+491701234567".into(),
            text: "hello".into(),
            state: "failed".into(),
            error: error.map(str::to_string),
            parts: 2,
            parts_sent: 1,
            attempts: 4,
            attempts_left: 0,
            unknown_parts: 0,
            priority: 0,
            created_ms: 1_705_314_645_123,
            updated_ms: 0,
            not_before_ms: 0,
            sent_ms: None,
            delivered_ms: None,
            part_states: vec![],
        }
    }

    #[test]
    fn csv_rows_quote_what_needs_it() {
        assert_eq!(csv_row(&info(None)), "7,900,+491701234567,failed,2,4,,2024-01-15T10:30:45Z,,");
        assert_eq!(
            csv_row(&info(Some("CMS error 21: \"rejected\", twice"))),
            "7,900,+491701234567,failed,2,4,\"CMS error 21: \"\"rejected\"\", twice\",2024-01-15T10:30:45Z,,"
        );
        assert_eq!(CSV_HEADER.split(',').count(), csv_row(&info(None)).split(',').count());
    }

    #[test]
    fn long_texts_are_clipped_for_tables() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("line\nbreak", 20), "line break");
        assert_eq!(clip("ääääääääääää", 5), "ääää…");
    }

    #[test]
    fn error_lines_are_picked() {
        let e = gwlog::format_line(0, Level::Error, "bad");
        let i = gwlog::format_line(0, Level::Info, "fine");
        assert!(wanted(e.trim_end(), true) && !wanted(i.trim_end(), true) && wanted(i.trim_end(), false));
    }
}
