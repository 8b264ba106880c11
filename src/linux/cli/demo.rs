//! `smsgw demo`: the whole gateway on its embedded default — a simulated Huawei stick on a
//! pseudo-terminal in this process, a queue in a temporary directory, no database — sending a
//! few messages that show what it does: a plain one, a long one in parts, a Unicode one with a
//! delivery report, one to an impossible number and one the network refuses. Every state change
//! is printed as it happens, and the status LEDs as dots.
//!
//! The output names no times, so two runs print the same.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant as StdInstant};

use serde_json::Value;

use super::Error;
use crate::linux::board::{Board, BoardConfig, SimClock};
use crate::linux::config::Config;
use crate::linux::gateway::{Gateway, GatewayView, Handle, Health, MessageChange, Request, Setup, SharedBoard};
use crate::linux::modem_port::Hardware;
use crate::linux::pty::{self, Pty};
use crate::linux::sim_server::SimLink;
use crate::linux::store::{StateKind, Store};
use crate::linux::systemd::Notifier;
use crate::linux::{clock, log};
use crate::sim::{self, Fault, FaultKind, Injection, Profile, Sim};

/// Run the whole gateway against a simulated modem, with a few example messages.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the temporary directory (queue, received messages, log) and print where it is.
    #[arg(long)]
    pub keep: bool,
}

/// What the demo asks of its simulated modem.
#[derive(Debug)]
enum SimCommand {
    Fault(Fault),
    Clear(FaultKind),
    Power(bool),
    /// Someone calls from this number.
    Call(String),
    /// A message comes in: sender, text.
    Sms(String, String),
}

/// The simulated modem, served on a pty by a thread of this process.
struct SimModem {
    path: PathBuf,
    commands: Sender<SimCommand>,
    stop: Arc<AtomicBool>,
    /// Parts the simulated network took.
    air: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl SimModem {
    fn start() -> io::Result<SimModem> {
        let pty = Pty::open()?;
        let path = pty.slave_path().to_path_buf();
        let config = sim::Config { boot_ms: Some(300), report_delay_ms: 300, ..sim::Config::new(Profile::Huawei) };
        let (commands, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let air = Arc::new(AtomicUsize::new(0));
        let (s, a) = (stop.clone(), air.clone());
        let thread = std::thread::Builder::new().name("sim".into()).spawn(move || {
            if let Err(e) = serve(&pty, Sim::with_config(config, clock::now()), &rx, &s, &a) {
                log::error!("simulated modem: {e}");
            }
        })?;
        Ok(SimModem { path, commands, stop, air, thread: Some(thread) })
    }

    fn command(&self, c: SimCommand) {
        let _ = self.commands.send(c);
    }
}

impl Drop for SimModem {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Moves bytes between the pty and the simulator until `stop`.
fn serve(pty: &Pty, mut sim: Sim, rx: &Receiver<SimCommand>, stop: &AtomicBool, air: &AtomicUsize) -> io::Result<()> {
    let mut link = SimLink::default();
    while !stop.load(Ordering::SeqCst) {
        let now = clock::now();
        while let Ok(c) = rx.try_recv() {
            match c {
                SimCommand::Fault(f) => sim.set_fault(now, f),
                SimCommand::Clear(k) => sim.clear_fault(now, k),
                SimCommand::Power(on) => sim.set_power(now, on),
                SimCommand::Call(from) => {
                    if let Err(e) = sim.inject(now, Injection::Call { from: Some(&from) }) {
                        log::error!("simulated modem: the call from {from}: {e}");
                    }
                }
                SimCommand::Sms(from, text) => {
                    if let Err(e) = sim.inject(now, Injection::Sms { from: &from, text: &text, flash: false }) {
                        log::error!("simulated modem: the message from {from}: {e}");
                    }
                }
            }
        }
        sim.handle_timeout(now);
        link.feed(&mut sim, now);
        while sim.poll_air().is_some() {
            air.fetch_add(1, Ordering::SeqCst);
        }
        link.flush(pty, &mut sim, now)?;
        let mut timeout = 20u64;
        if let Some(t) = sim.poll_timeout() {
            timeout = timeout.min(t.as_millis().saturating_sub(now.as_millis()));
        }
        let events = link.events();
        if events != 0 {
            let mut fds = [libc::pollfd { fd: pty.master_fd(), events, revents: 0 }];
            pty::poll(&mut fds, timeout as i32)?;
        } else {
            // Without a peer the master reports a hang-up without end: it is not waited on.
            std::thread::sleep(Duration::from_millis(timeout));
        }
        link.read(pty, &mut sim, clock::now())?;
    }
    Ok(())
}

/// The board of the demo: switching the simulated modem's power is a message to its thread.
#[derive(Debug)]
struct SimPower(Sender<SimCommand>);

impl Hardware for SimPower {
    fn usb_reset(&mut self, _tty: &Path) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "a pty has no USB port"))
    }

    fn power_cycle(&mut self) -> io::Result<()> {
        let _ = self.0.send(SimCommand::Power(false));
        std::thread::sleep(Duration::from_millis(100));
        let _ = self.0.send(SimCommand::Power(true));
        Ok(())
    }
}

/// A directory removed when dropped, unless kept.
struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    fn new(keep: bool) -> io::Result<TempDir> {
        let base = std::env::temp_dir();
        for n in 0..1000u32 {
            let path = base.join(format!("smsgw-demo-{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path, keep }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary directory name"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// One demo message.
struct Example {
    what: &'static str,
    to: &'static str,
    text: String,
    status_report: bool,
    /// A fault switched on while it is sent.
    fault: Option<Fault>,
    /// The state it should end in.
    expect: StateKind,
}

fn examples() -> Vec<Example> {
    vec![
        Example {
            what: "a single SMS in the GSM 7-bit alphabet",
            to: "+491701234567",
            text: "Your parcel is ready for pickup at Hauptstr. 5 until Friday 18:00.".into(),
            status_report: false,
            fault: None,
            expect: StateKind::Sent,
        },
        Example {
            what: "a long text, sent in three parts that the phone joins",
            to: "+491701234567",
            text: "Dear customer, your order 93-KX has been shipped in two parcels. The first one arrives on \
                   Tuesday between 8:00 and 12:00, the second one on Wednesday afternoon. If nobody is at home, \
                   the driver leaves a card and the parcels wait for you at the post office in Hauptstr. 5, open \
                   Monday to Saturday. Questions? Call us on 0800 123 456, we are happy to help you."
                .into(),
            status_report: false,
            fault: None,
            expect: StateKind::Sent,
        },
        Example {
            what: "Unicode (UCS-2), with a delivery report",
            to: "+447911123456",
            text: "Grüße aus Köln – 20 € Rabatt heute! 😀".into(),
            status_report: true,
            fault: None,
            expect: StateKind::Delivered,
        },
        Example {
            what: "an impossible number",
            to: "+49 170 CALL-ME",
            text: "This one cannot be sent.".into(),
            status_report: false,
            fault: None,
            expect: StateKind::Failed,
        },
        Example {
            what: "one the network refuses (+CMS ERROR: 21 from the modem)",
            to: "+33612345678",
            text: "This one meets a refusal.".into(),
            status_report: false,
            fault: Some(Fault::CmsError { code: 21, permille: 1000 }),
            expect: StateKind::Failed,
        },
    ]
}

/// The simulated board's LEDs as a line of dots, each with its pattern, as `smsgw status`
/// shows them.
fn leds(status: &Value) -> String {
    format!("LEDs: {}", status["board_leds"].as_str().unwrap_or("?"))
}

/// The board of the demo: `board/sim.toml`, simulated pins on the real clock, so the LEDs
/// show what a real board's would.
fn sim_board() -> Result<SharedBoard, Error> {
    let config =
        BoardConfig::parse(include_str!("../../../board/sim.toml")).map_err(crate::linux::board::Error::from)?;
    Ok(SharedBoard::new(Board::simulated(&config, SimClock::Real)?))
}

/// A text for one line: the first `max` characters.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        format!("{text:?}")
    } else {
        format!("{:?}…", text.chars().take(max).collect::<String>())
    }
}

/// What the core reports, collected for the main thread.
enum Seen {
    Change(MessageChange),
    View(GatewayView),
}

pub fn run(args: &Args) -> Result<(), Error> {
    let dir = TempDir::new(args.keep)?;
    let modem = SimModem::start()?;
    let config_text = format!(
        "[gateway]\nname = \"demo\"\n[modem]\ndevice = \"{}\"\nfamily = \"huawei\"\nhang_up_calls = 0\n[store]\npath = \"{}\"\n\
         backoff = [\"1s\"]\n[control]\nsocket = \"{}\"\n[log]\nlevel = \"debug\"\nfile = \"{}\"\n\
         [calls]\nreply = true\ntemplate = \"Sorry we missed your call, {{caller}}. We will call you back.\"\n",
        modem.path.display(),
        dir.path.join("queue.redb").display(),
        dir.path.join("control.sock").display(),
        dir.path.join("smsgw.log").display(),
    );
    let mut config = Config::parse(&config_text)?;
    // The demo's own output is the show; the gateway's log goes to its file.
    config.log.stderr = false;
    log::init(&config.log)?;
    let store = Store::open(&config.store.path, config.store_config())?;
    let (tx, rx) = mpsc::channel::<Seen>();
    let mut seen = Observer { rx, view: GatewayView::starting() };
    let tx2 = tx.clone();
    let gateway = Gateway::start(Setup {
        config,
        store: Arc::new(store),
        hardware: Box::new(SimPower(modem.commands.clone())),
        board: Some(sim_board()?),
        upstream: None,
        on_view: Some(Box::new(move |v| {
            let _ = tx.send(Seen::View(v.clone()));
        })),
        on_change: Some(Box::new(move |c| {
            let _ = tx2.send(Seen::Change(c.clone()));
        })),
        notifier: Notifier::new(None, None, None, 0),
        serve_control: false,
    })?;
    let handle = gateway.handle();
    let mut out = io::stdout().lock();
    writeln!(out, "smsgw demo: the gateway with a simulated Huawei E3372 modem, a queue in a temporary directory,")?;
    writeln!(out, "no database. Every state change is shown as it happens.")?;
    writeln!(out)?;

    let result = (|| -> Result<(), Error> {
        // The modem boots and initialises.
        let deadline = StdInstant::now() + Duration::from_secs(60);
        if !seen.wait_view(deadline, |v| v.health == Health::Ok) {
            return Err(Error::Gateway("demo: the simulated modem did not become ready in 60 s".into()));
        }
        let status = handle.request(Request::Status);
        let m = &status["modem"];
        writeln!(
            out,
            "modem ready: {} {}, operator {}, signal {}",
            m["manufacturer"].as_str().unwrap_or("?"),
            m["model"].as_str().unwrap_or("?"),
            m["operator"].as_str().unwrap_or("?"),
            m["signal"]["quality"].as_str().unwrap_or("?")
        )?;
        writeln!(out, "{}", leds(&seen.settle(&handle)))?;
        let mut outcomes = Vec::new();
        for ex in examples() {
            writeln!(out)?;
            writeln!(out, "{}: {} to {}", ex.what, short(&ex.text, 40), ex.to)?;
            if let Some(f) = ex.fault {
                modem.command(SimCommand::Fault(f));
            }
            let answer = handle.request(Request::Send {
                to: ex.to.into(),
                text: ex.text.clone(),
                priority: 0,
                status_report: ex.status_report,
            });
            if answer["ok"] != true {
                return Err(Error::Gateway(format!("demo: queueing failed: {}", answer["error"])));
            }
            let id = answer["id"].as_u64().unwrap_or(0);
            let end = follow(&mut out, &mut seen, id, ex.expect)?;
            if ex.fault.is_some() {
                modem.command(SimCommand::Clear(FaultKind::CmsError));
            }
            writeln!(out, "  {}", leds(&seen.settle(&handle)))?;
            outcomes.push((id, end, ex.expect));
        }
        inbound(&mut out, &mut seen, &handle, &modem)?;
        writeln!(out)?;
        let counts = handle.request(Request::Status);
        let c = &counts["queue"]["counts"];
        writeln!(
            out,
            "summary: {} sent, {} delivered, {} failed; the simulated network carried {} parts",
            c["sent"],
            c["delivered"],
            c["failed"],
            modem.air.load(Ordering::SeqCst)
        )?;
        if let Some((id, got, want)) = outcomes.iter().find(|(_, got, want)| got != want) {
            return Err(Error::Gateway(format!("demo: message #{id} ended {got}, not {want}")));
        }
        Ok(())
    })();
    gateway.stop();
    if args.keep {
        writeln!(out, "kept: {} (queue with received messages and calls, smsgw.log)", dir.path.display())?;
    }
    drop(modem);
    result
}

/// The caller of the demo's missed call, who then sends STOP.
const CALLER: &str = "+41791234567";

/// A missed call answered with an SMS, then the caller's STOP and a message to it refused.
fn inbound(out: &mut impl Write, seen: &mut Observer, handle: &Handle, modem: &SimModem) -> Result<(), Error> {
    writeln!(out)?;
    writeln!(out, "a missed call from {CALLER}: the gateway hangs up and texts the caller back")?;
    modem.command(SimCommand::Call(CALLER.into()));
    let deadline = StdInstant::now() + Duration::from_secs(60);
    let first = seen.next(deadline).map_err(|_| Error::Gateway("demo: the call got no reply in 60 s".into()))?;
    writeln!(out, "  #{} {:<9} {}", first.id.0, first.state.name(), first.detail)?;
    follow(out, seen, first.id.0, StateKind::Sent)?;
    let calls = handle.request(Request::Calls { after: None, limit: 10 });
    if let Some(c) = calls["calls"].as_array().and_then(|c| c.last()) {
        let who = c["caller"].as_str().unwrap_or("?");
        writeln!(out, "  call {} from {who} recorded: {} (smsgw calls)", c["id"], c["detail"].as_str().unwrap_or("?"))?;
    }
    writeln!(out)?;
    writeln!(out, "{CALLER} answers \"STOP\"; a message to it afterwards is not sent")?;
    modem.command(SimCommand::Sms(CALLER.into(), "STOP".into()));
    let deadline = StdInstant::now() + Duration::from_secs(60);
    loop {
        let list = handle.request(Request::OptOuts);
        if list["opt_outs"].as_array().is_some_and(|l| !l.is_empty()) {
            break;
        }
        if StdInstant::now() > deadline {
            return Err(Error::Gateway("demo: the STOP was not taken in 60 s".into()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writeln!(out, "  {CALLER} is on the opt-out list (smsgw optout list)")?;
    let answer = handle.request(Request::Send {
        to: CALLER.into(),
        text: "Our new offers for you!".into(),
        priority: 0,
        status_report: false,
    });
    let id = answer["id"].as_u64().ok_or_else(|| Error::Gateway(format!("demo: queueing failed: {answer}")))?;
    let end = follow(out, seen, id, StateKind::Failed)?;
    if end != StateKind::Failed {
        return Err(Error::Gateway(format!("demo: the message to {CALLER} ended {end}, not failed")));
    }
    writeln!(out, "  {}", leds(&seen.settle(handle)))?;
    Ok(())
}

/// What the core reported, as the demo follows it.
struct Observer {
    rx: Receiver<Seen>,
    view: GatewayView,
}

impl Observer {
    /// The next change, keeping the latest view.
    fn next(&mut self, deadline: StdInstant) -> Result<MessageChange, RecvTimeoutError> {
        loop {
            match self.rx.recv_timeout(deadline.saturating_duration_since(StdInstant::now()))? {
                Seen::Change(c) => return Ok(c),
                Seen::View(v) => self.view = v,
            }
        }
    }

    /// Waits until the view satisfies `f`.
    fn wait_view(&mut self, deadline: StdInstant, f: impl Fn(&GatewayView) -> bool) -> bool {
        while !f(&self.view) {
            match self.rx.recv_timeout(deadline.saturating_duration_since(StdInstant::now())) {
                Ok(Seen::View(v)) => self.view = v,
                Ok(Seen::Change(_)) => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// The view after everything the core has done so far: a status request makes the core
    /// publish its view before it answers.
    fn settle(&mut self, handle: &Handle) -> Value {
        let status = handle.request(Request::Status);
        while let Ok(s) = self.rx.try_recv() {
            if let Seen::View(v) = s {
                self.view = v;
            }
        }
        status
    }
}

/// Prints the changes of message `id` until it reaches `want` or another final state.
fn follow(out: &mut impl Write, seen: &mut Observer, id: u64, want: StateKind) -> Result<StateKind, Error> {
    let deadline = StdInstant::now() + Duration::from_secs(60);
    loop {
        match seen.next(deadline) {
            Ok(c) if c.id.0 == id => {
                writeln!(out, "  #{id} {:<9} {}", c.state.name(), c.detail)?;
                let done = c.state == want
                    || matches!(c.state, StateKind::Failed | StateKind::Cancelled | StateKind::Delivered)
                    || (c.state == StateKind::Sent && want != StateKind::Delivered);
                if done {
                    return Ok(c.state);
                }
            }
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => {
                return Err(Error::Gateway(format!("demo: message #{id} did not reach a final state in 60 s")))
            }
            Err(RecvTimeoutError::Disconnected) => return Err(Error::Gateway("demo: the gateway stopped".into())),
        }
    }
}
