//! The core thread: every decision, and the only user of the store on the sending side.
//!
//! One part is out at a time. It is recorded in flight (`begin_part`) before the modem thread
//! gets it, so after a crash `recover` knows its outcome is unknown; its outcome is recorded
//! as soon as the driver reports it, and the next part goes out right after. Received parts
//! are stored (and long messages assembled) on flash before the modem is told to delete them;
//! a missed call is decided on (reply or not) when it ends, and the call and its reply are
//! stored in one commit.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::board_leds::{board_view, Leds, SharedBoard};
use super::hook_worker::HookWorker;
use super::inbox;
use super::modem_thread::{ModemCommand, ModemSnapshot};
use super::protocol::{self, MessageInfo, Request, MAX_PAGE};
use super::view::{quality_word, GatewayView, ModemState, QueueState, UpstreamState};
use super::{ChangeHook, CoreInput, Error, MessageChange, Upstream, ViewHook};
use crate::codec::encoding::RefBits;
use crate::linux::calls::{self, Decision, SkipReason};
use crate::linux::config::Config;
use crate::linux::hook::Hook;
use crate::linux::keywords::Keyword;
use crate::linux::message::{self, EncodedMessage, MessageOptions};
use crate::linux::store::{
    self, Arrival, CallOutcome, Counts, Failure, Filter, InboundTasks, Message, MessageId, NewCall, NewMessage,
    ReceivedSms, StateKind, Store, UnixMs,
};
use crate::linux::systemd::Notifier;
use crate::linux::{clock, dates, log};
use crate::modem::{self, Cause, Event, OutgoingPart, PartId, Phase, RegState};
use crate::time::Instant;

/// Errors kept for `smsgw status`: enough to see what went wrong lately without a log.
pub const RECENT_ERRORS: usize = 8;

/// History entries one export page reads at most, whatever it finds among them.
pub const EXPORT_SCAN: usize = 4_000;

/// The longest the loop sleeps: it checks the stop request and the watchdog this often.
const MAX_SLEEP: Duration = Duration::from_millis(250);
/// How often the queue is looked at while nothing happens (not-before times pass, the
/// upstream sync inserts without waking).
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often final messages past their retention are removed.
const COMPACT_INTERVAL: Duration = Duration::from_secs(3_600);
/// How often the parts of long messages are checked for having waited too long for the rest.
const RELEASE_INTERVAL: Duration = Duration::from_secs(60);
/// A modem that did not come back after several whole recovery ladders is tried again after
/// this long: an unattended gateway keeps trying, slowly. (A SIM fault, such as a wrong PIN,
/// is never retried: each try costs one of the SIM's few attempts.)
const DEAD_MODEM_RETRY: Duration = Duration::from_secs(600);

/// The part with the modem.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    id: MessageId,
    part: u8,
    part_id: PartId,
}

/// A part's id as the driver carries it: message id and part number in one `u64` (message ids
/// stay far below 2⁵⁶), so a delivery report names its part even after the core forgot it.
fn part_id(id: MessageId, part: u8) -> PartId {
    PartId((id.0 << 8) | u64::from(part))
}

fn from_part_id(p: PartId) -> (MessageId, u8) {
    (MessageId(p.0 >> 8), (p.0 & 0xFF) as u8)
}

fn unix_now() -> UnixMs {
    UnixMs(clock::unix_millis())
}

/// Why a part failed for now, in words.
fn cause_words(cause: Cause) -> String {
    match cause {
        Cause::Cms(code) => code.to_string(),
        Cause::Error => "the modem answered ERROR".into(),
        Cause::NoPrompt => "no prompt from the modem for the PDU".into(),
        Cause::NotRegistered => "not registered on a network".into(),
        Cause::NotReady => "the modem was not ready".into(),
        Cause::Faulted(f) => format!("the modem stopped: {f}"),
    }
}

/// A registration state in words.
fn registration_words(state: RegState) -> String {
    match state {
        RegState::NotRegistered => "not registered".into(),
        RegState::Home => "registered (home)".into(),
        RegState::Searching => "searching".into(),
        RegState::Denied => "registration denied".into(),
        RegState::Unknown => "unknown".into(),
        RegState::Roaming => "registered (roaming)".into(),
        RegState::SmsOnly(n) => format!("registered for SMS only (state {n})"),
        RegState::Other(n) => format!("not registered (state {n})"),
    }
}

fn registration_json(r: &modem::Registration) -> Value {
    json!({
        "state": registration_words(r.state),
        "registered": r.is_registered(),
        "roaming": r.is_roaming(),
        "area": r.area.as_deref(),
        "cell": r.cell.as_deref(),
    })
}

/// Why a text cannot be sent to a recipient at all, in words.
fn encode_error_words(to: &str, e: crate::codec::Error) -> String {
    match e {
        crate::codec::Error::TooManyParts { parts } => {
            format!("too long: the text needs {parts} parts, and a message has at most 255")
        }
        crate::codec::Error::InvalidField { field: "TP-DA", .. } => {
            format!("invalid recipient {to:?}: a number is an optional + and 1 to 20 digits")
        }
        other => format!("cannot be encoded: {other}"),
    }
}

/// How the gateway encodes every message: the store's reference for each, 8-bit (what every
/// phone joins), no national tables.
fn encode(m: &Message) -> Result<EncodedMessage, String> {
    let opts = MessageOptions {
        to: &m.recipient,
        status_report: m.status_report,
        ref_bits: RefBits::Eight,
        reference: Some(m.concat_ref & 0xFF),
        ..MessageOptions::default()
    };
    message::encode(&m.text, &opts).map_err(|e| encode_error_words(&m.recipient, e))
}

/// What the core is made with.
pub(super) struct Parts {
    pub config: Config,
    pub store: Arc<Store>,
    pub rx: Receiver<CoreInput>,
    pub modem: Sender<ModemCommand>,
    pub upstream: Option<Box<dyn Upstream>>,
    pub on_view: Option<ViewHook>,
    pub on_change: Option<ChangeHook>,
    pub notifier: Notifier,
    pub board: Option<SharedBoard>,
}

pub(super) struct Core {
    config: Config,
    store: Arc<Store>,
    rx: Receiver<CoreInput>,
    modem_tx: Sender<ModemCommand>,
    upstream: Option<Box<dyn Upstream>>,
    on_view: Option<ViewHook>,
    on_change: Option<ChangeHook>,
    notifier: Notifier,
    /// Runs the receive hook, when one is configured.
    hook: Option<HookWorker>,
    /// The call ringing now: its number (`None`: withheld) and when it started.
    ringing: Option<(Option<String>, UnixMs)>,
    /// The board's LEDs, when there is a board.
    leds: Option<Leds>,

    modem: Option<ModemSnapshot>,
    ever_ready: bool,
    in_flight: Option<InFlight>,
    /// The last message encoded, so its parts are not encoded again for each part.
    encoded: Option<(MessageId, EncodedMessage)>,
    counts: Counts,
    counts_stale: bool,
    failed: u64,
    received: u64,
    calls: u64,
    replies: u64,
    errors: VecDeque<(u64, String)>,
    view: GatewayView,
    started_ms: u64,

    next_poll: Instant,
    next_compact: Instant,
    next_release: Instant,
    next_watchdog: Option<Instant>,
    /// When a dead modem is tried again.
    retry_modem: Option<Instant>,
    /// Set when stopping: the latest the part in flight is waited for.
    stop_by: Option<Instant>,
    /// The loop has ended.
    stopped: bool,
    /// A failing LED line is reported once, not every tick.
    led_error_logged: bool,
}

impl Core {
    /// Recovers the store and opens the inbox; the loop starts with [`Core::run`].
    pub fn new(p: Parts) -> Result<Core, Error> {
        let now = unix_now();
        let recovered = p.store.recover(now)?;
        if recovered.unknown_parts > 0 {
            log::warning!(
                "store: {} part(s) were in flight when the gateway stopped; their outcome is unknown: {} to be sent again, {} failed",
                recovered.unknown_parts,
                recovered.resent,
                recovered.failed
            );
        }
        let hook = match &p.config.inbox.hook {
            Some(argv) => {
                let hook = Hook { argv: argv.clone(), timeout: p.config.inbox.hook_timeout };
                let worker = HookWorker::spawn(Arc::clone(&p.store), hook, p.config.gateway.name.clone())
                    .map_err(|source| Error::Io { what: "starting the hook thread".into(), source })?;
                Some(worker)
            }
            None => None,
        };
        let counts = p.store.counts()?;
        let t = clock::now();
        let next_watchdog = p.notifier.watchdog_interval().map(|_| t);
        Ok(Core {
            config: p.config,
            store: p.store,
            rx: p.rx,
            modem_tx: p.modem,
            upstream: p.upstream,
            on_view: p.on_view,
            on_change: p.on_change,
            notifier: p.notifier,
            hook,
            ringing: None,
            leds: p.board.map(Leds::new),
            modem: None,
            ever_ready: false,
            in_flight: None,
            encoded: None,
            counts,
            counts_stale: false,
            failed: 0,
            received: 0,
            calls: 0,
            replies: 0,
            errors: VecDeque::new(),
            view: GatewayView::starting(),
            started_ms: now.0,
            next_poll: t,
            next_compact: t,
            next_release: t,
            next_watchdog,
            retry_modem: None,
            stop_by: None,
            stopped: false,
            led_error_logged: false,
        })
    }

    pub fn run(mut self) {
        self.publish_view(true);
        if let Err(e) = self.notifier.ready(&self.view.summary()) {
            log::warning!("systemd: cannot notify: {e}");
        }
        log::info!(
            "gateway {} started: modem {}, queue {} ({} to send), control {}",
            self.config.gateway.name,
            self.config.modem.device.display(),
            self.store.path().display(),
            self.waiting(),
            self.config.control.socket.display()
        );
        loop {
            let now = clock::now();
            let mut until = now + MAX_SLEEP;
            let timers =
                [Some(self.next_compact), Some(self.next_release), self.next_watchdog, self.retry_modem, self.stop_by];
            for t in timers.into_iter().flatten() {
                until = until.min(t);
            }
            if self.in_flight.is_none() && self.stop_by.is_none() {
                until = until.min(self.next_poll);
            }
            if let Some(l) = &self.leds {
                until = until.min(l.due());
            }
            match self.rx.recv_timeout(until.saturating_duration_since(now)) {
                Ok(input) => self.handle(input),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Everything else that arrived meanwhile, before deciding anything.
            while let Ok(input) = self.rx.try_recv() {
                self.handle(input);
            }
            let now = clock::now();
            self.timers(now);
            if let Some(by) = self.stop_by {
                if self.in_flight.is_none() {
                    log::info!("stopping: nothing in flight");
                    break;
                }
                if now.reached(by) {
                    log::warning!("stopping with a part in flight: its outcome will be unknown at the next start");
                    break;
                }
            } else {
                self.maybe_send(now);
            }
            self.publish_view(false);
            self.drive_leds(now, false);
        }
        // Dark LEDs say the gateway is not running.
        self.stopped = true;
        self.drive_leds(clock::now(), true);
        let _ = self.modem_tx.send(ModemCommand::Stop);
        if let Some(u) = self.upstream.as_mut() {
            u.stop();
        }
        if let Some(h) = self.hook.as_mut() {
            h.stop();
        }
        let _ = self.notifier.stopping("stopped");
        log::info!("gateway stopped");
    }

    fn handle(&mut self, input: CoreInput) {
        // Anything may have made a message ready.
        self.next_poll = clock::now();
        match input {
            CoreInput::Event(e) => self.event(e),
            CoreInput::Modem(snapshot) => self.modem_changed(*snapshot),
            CoreInput::HardwareError(text) => self.error(format!("modem hardware: {text}")),
            CoreInput::Request(request, reply) => {
                let answer = self.request(request);
                let _ = reply.send(answer);
            }
            CoreInput::Wake => {}
            CoreInput::Stop => {
                if self.stop_by.is_none() {
                    let t = self.config.modem.timings;
                    // The part in flight gets its whole prompt and result time, and a little more.
                    let bound = t.prompt + t.result + Duration::from_secs(2);
                    self.stop_by = Some(clock::now() + bound);
                    log::info!("stopping: finishing the part in flight first");
                    let _ = self.notifier.stopping("finishing the part in flight");
                }
            }
        }
    }

    fn timers(&mut self, now: Instant) {
        if let (Some(at), Some(every)) = (self.next_watchdog, self.notifier.watchdog_interval()) {
            if now.reached(at) {
                let _ = self.notifier.watchdog();
                self.next_watchdog = Some(now + every);
            }
        }
        if self.retry_modem.is_some_and(|t| now.reached(t)) {
            self.retry_modem = None;
            log::info!("modem: trying the dead modem again");
            let _ = self.modem_tx.send(ModemCommand::Reset);
        }
        if now.reached(self.next_release) {
            // A short timeout (a test's) is checked often enough to be met within a quarter.
            let every = RELEASE_INTERVAL.min(self.config.inbox.reassembly_timeout / 4).max(MAX_SLEEP);
            self.next_release = now + every;
            self.release_stale_parts();
        }
        if now.reached(self.next_compact) {
            self.next_compact = now + COMPACT_INTERVAL;
            match self.store.compact(unix_now()) {
                Ok(c) if c.messages > 0 || c.changes > 0 => {
                    log::info!(
                        "store: removed {} message(s) and {} history entries past retention",
                        c.messages,
                        c.changes
                    );
                    self.counts_stale = true;
                }
                Ok(_) => {}
                Err(e) => self.error(format!("store: compacting failed: {e}")),
            }
        }
    }

    /// Sets the board's LEDs for what the gateway knows now.
    fn drive_leds(&mut self, now: Instant, force: bool) {
        let Some(leds) = self.leds.as_mut() else { return };
        let reachable = !matches!(self.view.upstream, UpstreamState::Offline | UpstreamState::Error(_));
        let view = board_view(
            self.modem.as_ref().map(|m| &m.status),
            self.stopped,
            self.counts.get(StateKind::Queued) + self.counts.get(StateKind::Sending),
            self.in_flight.is_some(),
            reachable,
        );
        if let Err(e) = leds.tick(&view, now, force) {
            if !self.led_error_logged {
                self.led_error_logged = true;
                self.error(format!("board: setting the LEDs failed: {e}"));
            }
        }
    }

    fn error(&mut self, text: String) {
        log::error!("{text}");
        if self.errors.len() == RECENT_ERRORS {
            self.errors.pop_front();
        }
        self.errors.push_back((clock::unix_millis(), text));
    }

    fn changed(&mut self, m: &Message, detail: String) {
        self.counts_stale = true;
        if let Some(u) = &self.upstream {
            if m.upstream_id.is_some() {
                u.changed();
            }
        }
        let change = MessageChange { id: m.id, recipient: m.recipient.clone(), state: m.state.kind(), detail };
        // A failure was logged as an error already.
        if m.state.kind().is_final() && m.state.kind() != StateKind::Failed {
            log::info!("message {} to {}: {} ({})", m.id, m.recipient, change.state, change.detail);
        } else {
            log::debug!("message {} to {}: {} ({})", m.id, m.recipient, change.state, change.detail);
        }
        if let Some(hook) = self.on_change.as_mut() {
            hook(&change);
        }
    }

    fn waiting(&self) -> u64 {
        self.counts.get(StateKind::Queued) + self.counts.get(StateKind::Sending)
    }

    /// Works out the view; tells the hook, systemd and the log when it changed.
    fn publish_view(&mut self, force: bool) {
        if self.counts_stale {
            match self.store.counts() {
                Ok(c) => {
                    self.counts = c;
                    self.counts_stale = false;
                }
                Err(e) => self.error(format!("store: reading the counts failed: {e}")),
            }
        }
        let mut view = GatewayView::starting().with_modem(
            self.modem.as_ref().map(|m| &m.status),
            self.ever_ready,
            self.stop_by.is_some(),
        );
        view.queue = QueueState { waiting: self.waiting(), sending: self.in_flight.is_some(), failed: self.failed };
        view.upstream = self.upstream.as_ref().map_or(UpstreamState::Disabled, |u| u.state());
        if !force && view == self.view {
            return;
        }
        let summary = view.summary();
        if force || summary != self.view.summary() {
            let _ = self.notifier.status(&summary);
        }
        // Ready and sending alternate with every part: not worth a line each.
        let calm = |m: ModemState| if m == ModemState::Sending { ModemState::Ready } else { m };
        if force
            || view.health != self.view.health
            || calm(view.modem) != calm(self.view.modem)
            || view.network != self.view.network
        {
            log::info!("status: {summary}");
        }
        self.view = view;
        if let Some(hook) = self.on_view.as_mut() {
            hook(&self.view);
        }
    }

    fn modem_changed(&mut self, s: ModemSnapshot) {
        if let Some(old) = &self.modem {
            if old.port_open && !s.port_open {
                log::warning!(
                    "modem: port {} closed: {}",
                    s.device.display(),
                    s.port_error.as_deref().unwrap_or("gone")
                );
            }
            if old.status.last_error != s.status.last_error {
                if let Some(e) = &s.status.last_error {
                    log::debug!("modem: {e}");
                }
            }
        } else if !s.port_open {
            if let Some(e) = &s.port_error {
                log::warning!("modem: cannot open {}: {e}; trying again", s.device.display());
            }
        }
        self.modem = Some(s);
    }

    fn event(&mut self, e: Event) {
        match e {
            Event::Ready => {
                self.ever_ready = true;
                self.retry_modem = None;
                let id = self.modem.as_ref().map(|m| m.status.identity.clone()).unwrap_or_default();
                log::info!(
                    "modem ready: {} {} (IMEI {})",
                    id.manufacturer.as_deref().unwrap_or("?"),
                    id.model.as_deref().unwrap_or("?"),
                    id.imei.as_deref().unwrap_or("?")
                );
            }
            Event::PartSent { id, mr } => self.part_sent(id, mr),
            Event::PartFailed { id, failure } => self.part_failed(id, failure),
            Event::Received { token, pdu } => {
                let part = inbox::incoming_part(&pdu, unix_now());
                match self.store.receive_part(&part, self.inbound_tasks()) {
                    Ok(arrival) => {
                        let _ = self.modem_tx.send(ModemCommand::Acknowledge(token));
                        match arrival {
                            Arrival::Complete(m) => self.received_message(&m),
                            Arrival::Waiting { have, total } => {
                                log::info!("received part {have} of {total} from {}", part.sender)
                            }
                            Arrival::Duplicate => {
                                log::info!("received again from {} (kept already): ignored", part.sender);
                                // The first time may have been cut short before its keyword
                                // was acted on; acting on it again changes nothing.
                                if part.concat.is_none() {
                                    self.keyword(&part.sender, &part.text);
                                }
                            }
                        }
                    }
                    // Not acknowledged: the modem keeps it and hands it out again.
                    Err(e) => self.error(format!("received message from {} not stored: {e}", part.sender)),
                }
            }
            Event::Delivery { id, status } => {
                let (msg, part) = from_part_id(id);
                self.delivery(msg, part, status);
            }
            Event::UnmatchedReport { mr, recipient, status } => self.unmatched_report(mr, &recipient, status),
            Event::IncomingCall { number } => {
                log::info!("incoming call from {}", number.as_deref().unwrap_or("a withheld number"));
                self.ringing = Some((number.map(|n| n.to_string()), unix_now()));
            }
            Event::CallEnded { rings, hung_up } => {
                log::info!("call ended after {rings} ring(s){}", if hung_up { ", hung up" } else { "" });
                match self.ringing.take() {
                    Some((number, at)) => self.call_ended(number, at, rings, hung_up),
                    None => log::debug!("a call ended that was never announced"),
                }
            }
            Event::Signal(s) => match s.dbm() {
                Some(dbm) => log::debug!("signal {} ({dbm} dBm)", quality_word(s.quality())),
                None => log::debug!("signal unknown"),
            },
            Event::Registration(r) => {
                log::info!("network: {:?}{}", r.state, if r.is_roaming() { " (roaming)" } else { "" })
            }
            Event::SendingPaused => log::warning!("sending paused: not registered on a network"),
            Event::SendingResumed => log::info!("sending resumed"),
            Event::Recovery { step, attempt } => {
                log::warning!("modem does not answer: recovery {step:?} (ladder {attempt})")
            }
            Event::UsbReset => log::warning!("modem: USB reset"),
            Event::PowerCycle => log::warning!("modem: power cycle"),
            Event::Faulted(f) => {
                self.error(format!("modem stopped: {f}"));
                if f == modem::Fault::ModemDead {
                    self.retry_modem = Some(clock::now() + DEAD_MODEM_RETRY);
                }
            }
        }
    }

    /// Which marks a new received message or call gets: upstream learns of it when there is an
    /// upstream, the hook runs for it when there is a hook.
    fn inbound_tasks(&self) -> InboundTasks {
        InboundTasks { push: self.upstream.is_some(), hook: self.hook.is_some() }
    }

    /// `raw` in the international form the opt-out list and the reply memory key on; as given
    /// when it is not a number (an alphanumeric sender).
    fn normalised(&self, raw: &str) -> String {
        self.config.calls.caller(raw).unwrap_or_else(|_| raw.to_string())
    }

    /// A whole message arrived (or what there is of one, after the reassembly timeout).
    fn received_message(&mut self, m: &ReceivedSms) {
        self.received += 1;
        if m.is_complete() {
            log::info!("received message {} from {} ({} part(s)): {:?}", m.id, m.sender, m.parts, m.text);
        } else {
            let missing: Vec<String> = m.missing.iter().map(u8::to_string).collect();
            log::warning!(
                "received message {} from {} released incomplete: part(s) {} of {} never came",
                m.id,
                m.sender,
                missing.join(", "),
                m.parts
            );
        }
        if let Some(h) = &self.hook {
            h.wake();
        }
        if let Some(u) = &self.upstream {
            u.changed();
        }
        self.keyword(&m.sender, &m.text);
    }

    /// Acts on an opt-out (or opt-in) keyword, when the message is one.
    fn keyword(&mut self, sender: &str, text: &str) {
        if !self.config.inbox.opt_out {
            return;
        }
        let Some(keyword) = self.config.inbox.keywords.classify(text) else { return };
        let number = self.normalised(sender);
        let result = match &keyword {
            Keyword::Stop(k) => self.store.opt_out(&number, k, text, unix_now()).map(|new| {
                if new {
                    log::info!("{number} opted out ({k}): no more messages will be sent to it");
                }
            }),
            Keyword::Start(k) => self.store.opt_in(&number).map(|was| {
                if was {
                    log::info!("{number} opted in again ({k})");
                }
            }),
        };
        if let Err(e) = result {
            self.error(format!("store: recording the {keyword:?} of {number} failed: {e}"));
        }
    }

    /// Releases long messages whose missing parts did not come within the reassembly timeout.
    fn release_stale_parts(&mut self) {
        let older_than = unix_now().saturating_sub(self.config.inbox.reassembly_timeout);
        match self.store.release_stale_parts(older_than, self.inbound_tasks()) {
            Ok(released) => {
                for m in &released {
                    self.received_message(m);
                }
            }
            Err(e) => self.error(format!("store: releasing incomplete messages failed: {e}")),
        }
    }

    /// A call ended: decide whether the caller gets a reply, and store the call with it.
    fn call_ended(&mut self, number: Option<String>, at: UnixMs, rings: u8, hung_up: bool) {
        self.calls += 1;
        let policy = &self.config.calls;
        let caller = number.as_deref().and_then(|n| policy.caller(n).ok());
        let (last_reply, opted_out) = match caller.as_deref() {
            Some(c) => {
                (self.store.last_reply(c).ok().flatten().map(|t| t.0), self.store.opted_out(c).ok().flatten().is_some())
            }
            None => (None, false),
        };
        let call = calls::Call { number: number.as_deref(), at_ms: at.0, rings };
        let decision = policy.decide(&call, &self.config.gateway.name, last_reply, opted_out);
        let new_call =
            |outcome| NewCall { at, number: number.clone(), caller: caller.clone(), rings, hung_up, outcome };
        let result = match decision {
            Decision::Reply { to, text, not_before_ms } => {
                let opts = MessageOptions { to: &to, ref_bits: RefBits::Eight, ..MessageOptions::default() };
                let parts = message::encode(&text, &opts).map_or(1, |e| u8::try_from(e.parts.len()).unwrap_or(u8::MAX));
                let reply = NewMessage {
                    not_before: UnixMs(not_before_ms.unwrap_or(0)),
                    status_report: self.config.inbox.status_reports,
                    ..NewMessage::new(to.clone(), text, parts.max(1))
                };
                self.store
                    .record_call_with_reply(&new_call(CallOutcome::NotAnswered), &reply, self.inbound_tasks())
                    .map(|(record, m)| {
                        self.replies += 1;
                        let when = match &record.outcome {
                            CallOutcome::Deferred { not_before, .. } => {
                                format!(", after the quiet hours ({})", dates::iso_utc(not_before.0))
                            }
                            _ => String::new(),
                        };
                        self.changed(&m, format!("queued: reply to the missed call from {to}{when}"));
                        record
                    })
            }
            Decision::Skip { reason: SkipReason::Disabled, .. } => {
                self.store.record_call(&new_call(CallOutcome::NotAnswered), self.inbound_tasks())
            }
            Decision::Skip { reason, .. } => {
                let outcome = CallOutcome::Skipped { reason: reason.to_string() };
                self.store.record_call(&new_call(outcome), self.inbound_tasks())
            }
        };
        match result {
            Ok(record) => {
                log::info!("call {}: {}", record.id, record.detail());
                if let Some(u) = &self.upstream {
                    u.changed();
                }
            }
            Err(e) => self.error(format!("store: recording the call from {:?} failed: {e}", number)),
        }
    }

    /// A status report the driver could not match to a recent part: found by reference and
    /// recipient among the parts sent within the report window.
    fn unmatched_report(&mut self, mr: u8, recipient: &str, status: crate::codec::pdu::Status) {
        let plus = format!("+{}", recipient.trim_start_matches('+'));
        let bare = recipient.trim_start_matches('+').to_string();
        let found = [recipient.to_string(), plus, bare].iter().find_map(|r| self.store.find_part(mr, r).ok().flatten());
        let Some((msg, part)) = found else {
            log::info!("status report for reference {mr} to {recipient} matches no message");
            return;
        };
        let oldest = unix_now().saturating_sub(self.config.inbox.report_window);
        let sent_at = self
            .store
            .get(msg)
            .ok()
            .flatten()
            .and_then(|m| m.parts.get(usize::from(part)).and_then(|p| p.state.sent_at()));
        match sent_at {
            Some(at) if at >= oldest => self.delivery(msg, part, status),
            _ => log::info!(
                "status report for reference {mr} to {recipient}: message {msg} part {} was sent before the report window; ignored",
                part + 1
            ),
        }
    }

    /// Why `m` must not go to its recipient: the recipient opted out.
    fn opted_out(&self, m: &Message) -> Option<String> {
        if !self.config.inbox.opt_out || m.parts_sent() > 0 {
            return None;
        }
        let number = self.normalised(&m.recipient);
        let o = self.store.opted_out(&number).ok().flatten()?;
        // When is in the opt-out list (`smsgw optout list`); the reason says why.
        let how = if o.text.is_empty() { "by hand".to_string() } else { format!("by sending {:?}", o.text) };
        Some(format!("{number} opted out {how}"))
    }

    /// The in-flight part `id`, if it is the one the core handed out.
    fn take_in_flight(&mut self, id: PartId) -> Option<InFlight> {
        match self.in_flight {
            Some(f) if f.part_id == id => self.in_flight.take(),
            _ => {
                log::warning!("modem reported part {} which is not the part in flight; ignored", id.0);
                None
            }
        }
    }

    fn part_sent(&mut self, id: PartId, mr: Option<u8>) {
        let Some(f) = self.take_in_flight(id) else { return };
        let mr = mr.unwrap_or_else(|| {
            log::warning!("modem gave no message reference for message {} part {}", f.id, f.part + 1);
            0
        });
        match self.store.part_sent(f.id, f.part, mr, unix_now()) {
            Ok(m) => {
                let detail = format!("part {}/{} sent, reference {mr}", f.part + 1, m.parts.len());
                self.changed(&m, detail);
            }
            Err(e) => self.error(format!("store: recording message {} part {} as sent failed: {e}", f.id, f.part + 1)),
        }
    }

    fn part_failed(&mut self, id: PartId, failure: modem::Failure) {
        let Some(f) = self.take_in_flight(id) else { return };
        let now = unix_now();
        let result = match failure {
            modem::Failure::Permanent(code) => {
                self.store.part_failed(f.id, f.part, &Failure::Permanent(code.to_string()), now)
            }
            modem::Failure::Temporary(cause) => {
                self.store.part_failed(f.id, f.part, &Failure::Temporary(cause_words(cause)), now)
            }
            modem::Failure::Unknown => self.store.part_unknown(f.id, f.part, now),
        };
        match result {
            Ok(m) => {
                let detail = match &m.state {
                    store::State::Failed { reason, .. } => reason.clone(),
                    _ => m.last_error.clone().unwrap_or_default(),
                };
                if m.state.kind() == StateKind::Failed {
                    self.failed += 1;
                    self.error(format!("message {} to {} failed: {detail}", m.id, m.recipient));
                }
                self.changed(&m, format!("part {}/{}: {detail}", f.part + 1, m.parts.len()));
            }
            Err(e) => self.error(format!("store: recording message {} part {} failed: {e}", f.id, f.part + 1)),
        }
    }

    fn delivery(&mut self, id: MessageId, part: u8, status: crate::codec::pdu::Status) {
        match self.store.record_delivery(id, part, status, unix_now()) {
            Ok(m) => {
                let meaning = status.meaning().unwrap_or("service centre specific");
                self.changed(&m, format!("part {}/{}: {meaning}", part + 1, m.parts.len()));
            }
            Err(e) => log::warning!("status report for message {id} part {}: {e}", part + 1),
        }
    }

    /// Hands out the next part if the modem can take one.
    fn maybe_send(&mut self, now: Instant) {
        // Messages that cannot be sent at all are failed without the modem; a run of them
        // does not hold the loop long.
        for _ in 0..64 {
            if self.in_flight.is_some()
                || !self.modem.as_ref().is_some_and(|m| m.can_send)
                || !now.reached(self.next_poll)
            {
                return;
            }
            let ready = match self.store.next_ready(unix_now()) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    self.next_poll = now + POLL_INTERVAL;
                    return;
                }
                Err(e) => {
                    self.error(format!("store: finding the next message failed: {e}"));
                    self.next_poll = now + POLL_INTERVAL;
                    return;
                }
            };
            let m = ready.message;
            let part = ready.part;
            if let Some(why) = self.opted_out(&m) {
                self.fail_unsendable(&m, part, why);
                continue;
            }
            let encoded = match self.encoded.take() {
                Some((id, e)) if id == m.id => Ok(e),
                _ => encode(&m),
            };
            let encoded = match encoded {
                Ok(e) if e.parts.len() == m.parts.len() => e,
                Ok(e) => {
                    let why = format!("the text takes {} parts, but {} were queued", e.parts.len(), m.parts.len());
                    self.fail_unsendable(&m, part, why);
                    continue;
                }
                Err(why) => {
                    self.fail_unsendable(&m, part, why);
                    continue;
                }
            };
            let pid = part_id(m.id, part);
            let outgoing =
                match encoded.parts.get(usize::from(part)).map(|p| OutgoingPart::new(pid, &p.as_pdu(), &m.recipient)) {
                    Some(Ok(o)) => o,
                    Some(Err(e)) => {
                        self.fail_unsendable(&m, part, format!("cannot be sent: {e}"));
                        continue;
                    }
                    None => {
                        self.fail_unsendable(&m, part, format!("no part {}", part + 1));
                        continue;
                    }
                };
            self.encoded = Some((m.id, encoded));
            let begun = match self.store.begin_part(m.id, part, unix_now()) {
                Ok(b) => b,
                Err(e) => {
                    self.error(format!("store: recording message {} part {} in flight failed: {e}", m.id, part + 1));
                    self.next_poll = now + POLL_INTERVAL;
                    return;
                }
            };
            self.in_flight = Some(InFlight { id: m.id, part, part_id: pid });
            if self.modem_tx.send(ModemCommand::Send(Box::new(outgoing))).is_err() {
                self.error("the modem thread is gone".into());
                return;
            }
            let attempt = begun.parts.get(usize::from(part)).map_or(0, |p| p.attempts);
            self.changed(&begun, format!("part {}/{} to the modem, attempt {attempt}", part + 1, begun.parts.len()));
            return;
        }
    }

    /// Fails a message that can never be sent, without the modem: recorded as an attempt that
    /// failed permanently before anything went out.
    fn fail_unsendable(&mut self, m: &Message, part: u8, why: String) {
        let now = unix_now();
        let result = self
            .store
            .begin_part(m.id, part, now)
            .and_then(|_| self.store.part_failed(m.id, part, &Failure::Permanent(why.clone()), now));
        match result {
            Ok(failed) => {
                self.failed += 1;
                self.error(format!("message {} to {} failed: {why}", m.id, m.recipient));
                self.changed(&failed, why);
            }
            Err(e) => self.error(format!("store: failing message {} failed: {e}", m.id)),
        }
    }

    fn request(&mut self, request: Request) -> Value {
        match request {
            Request::Send { to, text, priority, status_report } => {
                let status_report = status_report || self.config.inbox.status_reports;
                self.enqueue(to, text, priority, status_report)
            }
            Request::Received { after, limit } => match self.store.list_received(after, limit.clamp(1, MAX_PAGE)) {
                Ok(list) => {
                    let next = list.last().map(|m| m.id);
                    let gw = &self.config.gateway.name;
                    let messages: Vec<Value> = list.iter().map(|m| inbox::received_json(m, gw)).collect();
                    protocol::ok(json!({ "messages": messages, "next": next }))
                }
                Err(e) => protocol::failed(e),
            },
            Request::Calls { after, limit } => match self.store.list_calls(after, limit.clamp(1, MAX_PAGE)) {
                Ok(list) => {
                    let next = list.last().map(|c| c.id);
                    let calls: Vec<Value> = list.iter().map(inbox::call_json).collect();
                    protocol::ok(json!({ "calls": calls, "next": next }))
                }
                Err(e) => protocol::failed(e),
            },
            Request::OptOuts => match self.store.list_opt_outs() {
                Ok(list) => {
                    let numbers: Vec<Value> = list
                        .iter()
                        .map(|(n, o)| json!({ "number": n, "at": dates::iso_utc(o.at.0), "keyword": o.keyword, "text": o.text }))
                        .collect();
                    protocol::ok(json!({ "opt_outs": numbers }))
                }
                Err(e) => protocol::failed(e),
            },
            Request::OptOut { number } => self.change_opt_out(&number, true),
            Request::OptIn { number } => self.change_opt_out(&number, false),
            Request::Status => protocol::ok(self.status_json()),
            Request::List { state, limit, offset } => {
                let state = match state.as_deref().map(|s| (s, StateKind::from_name(s))) {
                    None => None,
                    Some((_, Some(k))) => Some(k),
                    Some((s, None)) => {
                        let names: Vec<&str> = StateKind::ALL.iter().map(|k| k.name()).collect();
                        return protocol::failed(format!("unknown state {s:?} (one of {})", names.join(", ")));
                    }
                };
                match self.store.list(Filter { state, limit: limit.min(MAX_PAGE), offset }) {
                    Ok(list) => {
                        let infos: Vec<MessageInfo> = list.iter().map(MessageInfo::from).collect();
                        protocol::ok(json!({ "messages": infos }))
                    }
                    Err(e) => protocol::failed(e),
                }
            }
            Request::Show { id } => match self.store.get(MessageId(id)) {
                Ok(Some(m)) => protocol::ok(json!({ "message": MessageInfo::from(&m) })),
                Ok(None) => protocol::failed(format!("no message #{id}")),
                Err(e) => protocol::failed(e),
            },
            Request::Retry { id } => match self.store.retry(MessageId(id), unix_now()) {
                Ok(m) => {
                    self.changed(&m, "retried".into());
                    protocol::ok(json!({ "message": MessageInfo::from(&m) }))
                }
                Err(e) => protocol::failed(e),
            },
            Request::Cancel { id } => match self.store.cancel(MessageId(id), unix_now()) {
                Ok(m) => {
                    self.changed(&m, "cancelled".into());
                    protocol::ok(json!({ "message": MessageInfo::from(&m) }))
                }
                Err(e) => protocol::failed(e),
            },
            Request::Export { since, after, limit } => self.export(since, after, limit.clamp(1, MAX_PAGE)),
        }
    }

    /// `smsgw optout add|remove`: puts `number` on the opt-out list (`out`) or takes it off.
    fn change_opt_out(&mut self, number: &str, out: bool) -> Value {
        let n = match self.config.calls.caller(number) {
            Ok(n) => n,
            Err(e) => return protocol::failed(format!("{number:?}: {e}")),
        };
        let changed = if out { self.store.opt_out(&n, "by hand", "", unix_now()) } else { self.store.opt_in(&n) };
        match changed {
            Ok(changed) => protocol::ok(json!({ "number": n, "changed": changed })),
            Err(e) => protocol::failed(e),
        }
    }

    fn enqueue(&mut self, to: String, text: String, priority: u8, status_report: bool) -> Value {
        let to = to.trim().to_string();
        let opts = MessageOptions { to: &to, status_report, ref_bits: RefBits::Eight, ..MessageOptions::default() };
        let encoded = message::encode(&text, &opts);
        // A message that can never be sent is still queued, so that it has an id and a final
        // state to look up; it fails at once.
        let parts = encoded.as_ref().map_or(1, |e| u8::try_from(e.parts.len()).unwrap_or(u8::MAX).max(1));
        let new = NewMessage { priority, status_report, ..NewMessage::new(to.clone(), text, parts) };
        let m = match self.store.enqueue(&new, unix_now()) {
            Ok(e) => e.message,
            Err(e) => return protocol::failed(e),
        };
        self.changed(&m, format!("queued: {parts} part{}", if parts == 1 { "" } else { "s" }));
        match encoded {
            Ok(e) => protocol::ok(json!({
                "id": m.id.0,
                "parts": m.parts.len(),
                "encoding": e.encoding.name(),
                "state": m.state.kind().name(),
            })),
            Err(e) => {
                let why = encode_error_words(&to, e);
                self.fail_unsendable(&m, 0, why.clone());
                protocol::ok(json!({
                    "id": m.id.0,
                    "parts": m.parts.len(),
                    "encoding": null,
                    "state": "failed",
                    "error": why,
                }))
            }
        }
    }

    /// A page of messages created at or after `since`, from the history's creation entries.
    fn export(&mut self, since: u64, after: Option<(u64, u64)>, limit: usize) -> Value {
        let mut from = after.map_or(since, |(at, _)| at.max(since));
        let mut skip_upto = after;
        let mut rows: Vec<MessageInfo> = Vec::new();
        let mut scanned = 0;
        let mut cursor = after;
        const BATCH: usize = 500;
        let mut size = BATCH;
        loop {
            let batch = match self.store.history(UnixMs(from), size) {
                Ok(b) => b,
                Err(e) => return protocol::failed(e),
            };
            let full = batch.len() == size;
            let mut new = 0;
            for c in &batch {
                if skip_upto.is_some_and(|(at, seq)| (c.at.0, c.seq) <= (at, seq)) {
                    continue;
                }
                new += 1;
                scanned += 1;
                cursor = Some((c.at.0, c.seq));
                if c.from.is_none() {
                    match self.store.get(c.id) {
                        Ok(Some(m)) => rows.push(MessageInfo::from(&m)),
                        Ok(None) => {}
                        Err(e) => return protocol::failed(e),
                    }
                }
                if rows.len() >= limit || scanned >= EXPORT_SCAN {
                    return protocol::ok(json!({ "messages": rows, "next": cursor }));
                }
            }
            if !full {
                return protocol::ok(json!({ "messages": rows, "next": null }));
            }
            if new == 0 {
                // More entries share one millisecond than a batch holds: read further at once.
                size = size.saturating_mul(2);
                continue;
            }
            size = BATCH;
            // The next batch starts at the last entry's time; entries up to it are skipped.
            from = cursor.map_or(from, |(at, _)| at);
            skip_upto = cursor;
        }
    }

    fn status_json(&mut self) -> Value {
        self.publish_view(false);
        // The LEDs as of now, not as of the last tick.
        self.drive_leds(clock::now(), true);
        let counts: serde_json::Map<String, Value> =
            StateKind::ALL.iter().map(|k| (k.name().to_string(), json!(self.counts.get(*k)))).collect();
        let stats = self.store.stats().ok();
        let modem = match &self.modem {
            None => json!({ "device": self.config.modem.device, "port_open": false, "phase": "starting" }),
            Some(m) => {
                let s = &m.status;
                let id = &s.identity;
                let phase = match s.phase {
                    Phase::WaitingForDevice => "waiting for the device".to_string(),
                    Phase::Initialising => "initialising".into(),
                    Phase::Ready => "ready".into(),
                    Phase::Sending => "sending".into(),
                    Phase::Recovering(step) => format!("recovering ({step:?})"),
                    Phase::Faulted(f) => format!("stopped: {f}"),
                };
                let c = &s.counters;
                json!({
                    "device": m.device,
                    "port_open": m.port_open,
                    "port_error": m.port_error,
                    "phase": phase,
                    "manufacturer": id.manufacturer.as_deref(),
                    "model": id.model.as_deref(),
                    "revision": id.revision.as_deref(),
                    "imei": id.imei.as_deref(),
                    "imsi": id.imsi.as_deref(),
                    "iccid": id.iccid.as_deref(),
                    "operator": id.operator.as_deref(),
                    "signal": s.signal.map(|q| json!({
                        "csq": q.csq,
                        "dbm": q.dbm(),
                        "quality": quality_word(q.quality()),
                    })),
                    "registration": s.registration.as_ref().map(registration_json),
                    "eps_registration": s.eps_registration.as_ref().map(registration_json),
                    "sending_paused": s.sending_paused,
                    "last_error": s.last_error.map(|e| e.to_string()),
                    "counters": {
                        "parts_sent": c.parts_sent,
                        "parts_failed": c.parts_failed,
                        "parts_unknown": c.parts_unknown,
                        "received": c.received,
                        "status_reports": c.status_reports,
                        "calls": c.calls,
                        "recoveries": c.recoveries,
                    },
                })
            }
        };
        let leds: Vec<Value> = self
            .view
            .leds()
            .iter()
            .map(|l| json!({ "name": l.name, "colour": format!("{:?}", l.colour).to_lowercase(), "pattern": format!("{:?}", l.pattern).to_lowercase() }))
            .collect();
        let errors: Vec<Value> =
            self.errors.iter().map(|(at, text)| json!({ "at": dates::iso_utc(*at), "error": text })).collect();
        json!({
            "gateway": {
                "name": self.config.gateway.name,
                "version": env!("CARGO_PKG_VERSION"),
                "pid": std::process::id(),
                "started": dates::iso_utc(self.started_ms),
                "uptime_s": clock::unix_millis().saturating_sub(self.started_ms) / 1000,
                "health": format!("{:?}", self.view.health).to_lowercase(),
                "summary": self.view.summary(),
            },
            "modem": modem,
            "queue": {
                "counts": counts,
                "waiting": self.waiting(),
                "in_flight": self.in_flight.map(|f| json!({ "id": f.id.0, "part": f.part + 1 })),
                "failed_since_start": self.failed,
                "unknown_resent": stats.map(|s| s.unknown_resent),
                "unknown_failed": stats.map(|s| s.unknown_failed),
                "pending_pushes": stats.map(|s| s.pending_pushes),
                "store": self.store.path(),
            },
            "received": {
                "since_start": self.received,
                "waiting_sets": self.store.waiting_parts().map(|w| w.len()).unwrap_or(0),
                "hook": self.config.inbox.hook.as_ref().map(|h| h.join(" ")),
            },
            "calls": {
                "since_start": self.calls,
                "replies_since_start": self.replies,
                "auto_reply": self.config.calls.reply,
            },
            "upstream": self.view.upstream.words(),
            "upstream_sync": self.upstream.as_ref().and_then(|u| u.report()).map(|r| upstream_json(&r)),
            "leds": leds,
            "board_leds": self.leds.as_ref().and_then(Leds::text),
            "errors": errors,
        })
    }
}

/// The sync's state for the status: the link and since when, the last error, the counters.
fn upstream_json(r: &crate::linux::upstream::UpstreamState) -> Value {
    use crate::linux::upstream::Connection;
    let (connection, since) = match r.connection {
        Connection::Starting => ("starting", None),
        Connection::Connected { since } => ("connected", Some(since)),
        Connection::Offline { since } => ("offline", Some(since)),
    };
    json!({
        "gateway": r.gateway,
        "connection": connection,
        "since": since.map(|t| dates::iso_utc(t.0)),
        "last_error": r.last_error,
        "refusing": r.refusing,
        "last_poll": r.last_poll.map(|t| dates::iso_utc(t.0)),
        "claimed": r.claimed,
        "pushed": r.pushed,
        "pending_pushes": r.pending_pushes,
        "rejected": r.rejected,
        "resent": r.resent,
        "lost": r.lost,
        "stale_pushes": r.stale_pushes,
        "received_pushed": r.received_pushed,
        "calls_pushed": r.calls_pushed,
        "reconnects": r.reconnects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A core on a store in `dir`, with no modem thread: the test plays it.
    fn core(dir: &std::path::Path) -> (Core, mpsc::Receiver<ModemCommand>, mpsc::Sender<CoreInput>) {
        let text = format!(
            "[modem]\ndevice = \"/dev/null\"\n[store]\npath = \"{}\"\nattempts = 5\nbackoff = [\"0s\"]\n",
            dir.join("q.redb").display()
        );
        let config = Config::parse(&text).unwrap();
        let store = Arc::new(Store::open(&config.store.path, config.store_config()).unwrap());
        let (tx, rx) = mpsc::channel();
        let (modem_tx, modem_rx) = mpsc::channel();
        let core = Core::new(Parts {
            config,
            store,
            rx,
            modem: modem_tx,
            upstream: None,
            on_view: None,
            on_change: None,
            notifier: Notifier::new(None, None, None, 0),
            board: None,
        })
        .unwrap();
        (core, modem_rx, tx)
    }

    fn ready_modem(can_send: bool) -> ModemSnapshot {
        ModemSnapshot {
            device: "/dev/null".into(),
            status: modem::Driver::new(modem::Config::default(), Instant::ZERO).status().clone(),
            port_open: true,
            port_error: None,
            can_send,
        }
    }

    #[test]
    fn requests_answer_without_a_modem() {
        let dir = tempfile::tempdir().unwrap();
        let (mut core, _modem, _tx) = core(dir.path());
        let send = |core: &mut Core, to: &str, text: &str| {
            core.request(Request::Send { to: to.into(), text: text.into(), priority: 0, status_report: false })
        };
        let a = send(&mut core, "+491701234567", &"z".repeat(170));
        assert_eq!((a["ok"].as_bool(), a["id"].as_u64(), a["parts"].as_u64()), (Some(true), Some(1), Some(2)), "{a}");
        assert_eq!((a["state"].as_str(), a["encoding"].as_str()), (Some("queued"), Some("gsm7")));
        let b = send(&mut core, "+49 x", "hi");
        assert_eq!(b["state"], "failed", "{b}");
        assert!(b["error"].as_str().unwrap().starts_with("invalid recipient"), "{b}");
        let c = send(&mut core, "", "hi");
        assert_eq!(c["ok"], false, "an empty recipient is not queued: {c}");

        let list = |core: &mut Core, state: Option<&str>| {
            core.request(Request::List { state: state.map(str::to_string), limit: 50, offset: 0 })
        };
        assert_eq!(list(&mut core, None)["messages"].as_array().unwrap().len(), 2);
        let failed = list(&mut core, Some("failed"));
        assert_eq!(failed["messages"][0]["id"], 2);
        assert!(list(&mut core, Some("lost"))["error"].as_str().unwrap().contains("unknown state \"lost\""));
        assert_eq!(core.request(Request::Show { id: 1 })["message"]["parts"], 2);
        assert_eq!(core.request(Request::Show { id: 9 })["error"], "no message #9");
        assert_eq!(core.request(Request::Cancel { id: 1 })["message"]["state"], "cancelled");
        assert_eq!(core.request(Request::Retry { id: 1 })["message"]["state"], "queued");
        assert_eq!(core.request(Request::Cancel { id: 2 })["ok"], false, "a failed message cannot be cancelled");

        // Export in pages of one: both messages, in order, then no cursor.
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let page = core.request(Request::Export { since: 0, after, limit: 1 });
            ids.extend(page["messages"].as_array().unwrap().iter().map(|m| m["id"].as_u64().unwrap()));
            after = serde_json::from_value(page["next"].clone()).unwrap();
            if after.is_none() {
                break;
            }
        }
        assert_eq!(ids, [1, 2]);
        let later = core.request(Request::Export { since: unix_now().0 + 60_000, after: None, limit: 10 });
        assert_eq!(later["messages"].as_array().unwrap().len(), 0);
        let status = core.request(Request::Status);
        assert_eq!(status["queue"]["counts"]["queued"], 1);
        assert_eq!(status["queue"]["counts"]["failed"], 1);
        assert_eq!(status["errors"].as_array().unwrap().len(), 1, "the failure is among the recent errors");
    }

    /// An upstream that is offline since a given time, and counts the pokes it gets.
    #[derive(Debug, Default)]
    struct FakeUpstream {
        pokes: std::sync::Arc<std::sync::atomic::AtomicU32>,
    }

    impl Upstream for FakeUpstream {
        fn state(&self) -> UpstreamState {
            UpstreamState::Offline
        }
        fn report(&self) -> Option<crate::linux::upstream::UpstreamState> {
            use crate::linux::upstream::{Connection, UpstreamState as Sync};
            let since = crate::linux::store::UnixMs(86_400_000);
            Some(Sync {
                gateway: "g1".into(),
                connection: Connection::Offline { since },
                claimed: 7,
                ..Sync::default()
            })
        }
        fn changed(&self) {
            self.pokes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn the_status_shows_the_upstream_sync() {
        let dir = tempfile::tempdir().unwrap();
        let (mut core, _modem, _tx) = core(dir.path());
        core.upstream = Some(Box::new(FakeUpstream::default()));
        core.publish_view(true);
        assert!(core.view.summary().ends_with("upstream offline"), "{}", core.view.summary());
        let status = core.request(Request::Status);
        assert_eq!(status["upstream"], "offline");
        let u = &status["upstream_sync"];
        assert_eq!((u["connection"].as_str(), u["gateway"].as_str()), (Some("offline"), Some("g1")));
        assert_eq!(u["since"], "1970-01-02T00:00:00Z");
        assert_eq!(u["claimed"], 7);
        assert_eq!(u["last_error"], Value::Null);
    }

    #[test]
    fn a_change_of_an_upstream_message_pokes_the_sync() {
        let dir = tempfile::tempdir().unwrap();
        let (mut core, _modem, _tx) = core(dir.path());
        let fake = FakeUpstream::default();
        let pokes = std::sync::Arc::clone(&fake.pokes);
        core.upstream = Some(Box::new(fake));
        core.request(Request::Send { to: "+4917".into(), text: "local".into(), priority: 0, status_report: false });
        core.request(Request::Cancel { id: 1 });
        assert_eq!(
            pokes.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "a local message is none of upstream's business"
        );
        let mut m = core.store.get(MessageId(1)).unwrap().unwrap();
        m.upstream_id = Some(5);
        core.changed(&m, "test".into());
        assert_eq!(pokes.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    fn sent_part(modem: &mpsc::Receiver<ModemCommand>) -> Option<OutgoingPart> {
        match modem.try_recv() {
            Ok(ModemCommand::Send(p)) => Some(*p),
            Ok(other) => panic!("{other:?}"),
            Err(_) => None,
        }
    }

    #[test]
    fn parts_go_out_one_at_a_time_and_outcomes_are_recorded_first() {
        let dir = tempfile::tempdir().unwrap();
        let (mut core, modem, _tx) = core(dir.path());
        core.request(Request::Send { to: "+4917".into(), text: "w".repeat(200), priority: 0, status_report: false });
        let id = MessageId(1);
        core.maybe_send(clock::now());
        assert!(sent_part(&modem).is_none(), "no modem yet");
        core.modem_changed(ready_modem(false));
        core.maybe_send(clock::now());
        assert!(sent_part(&modem).is_none(), "the modem cannot take a part");
        core.modem_changed(ready_modem(true));
        core.maybe_send(clock::now());
        let p = sent_part(&modem).expect("part 1");
        assert_eq!(p.id, part_id(id, 0));
        assert_eq!(core.store.in_flight().unwrap(), [(id, 0)], "in flight on the store before it went out");
        core.maybe_send(clock::now());
        assert!(sent_part(&modem).is_none(), "one part at a time");

        core.event(Event::PartSent { id: p.id, mr: Some(7) });
        assert_eq!(core.store.find_part(7, "+4917").unwrap(), Some((id, 0)));
        core.maybe_send(clock::now());
        let p2 = sent_part(&modem).expect("part 2");
        assert_eq!(p2.id, part_id(id, 1));
        // A report about another part changes nothing.
        core.event(Event::PartSent { id: part_id(MessageId(9), 0), mr: Some(1) });
        assert!(core.in_flight.is_some());

        core.event(Event::PartFailed { id: p2.id, failure: modem::Failure::Unknown });
        let m = core.store.get(id).unwrap().unwrap();
        assert_eq!((m.state.kind(), m.unknown_parts), (StateKind::Sending, 1), "sent again, counted");
        core.maybe_send(clock::now());
        let again = sent_part(&modem).expect("part 2 again");
        assert_eq!(again.pdu, p2.pdu, "the same PDU, the same concatenation reference");
        let code = crate::codec::at::CmsCode(21);
        core.event(Event::PartFailed { id: again.id, failure: modem::Failure::Permanent(code) });
        let m = core.store.get(id).unwrap().unwrap();
        assert_eq!(m.state.kind(), StateKind::Failed);
        assert!(m.last_error.unwrap().contains("CMS error 21"));
        core.maybe_send(clock::now());
        assert!(sent_part(&modem).is_none());
        assert!(core.in_flight.is_none());
    }

    #[test]
    fn part_ids_carry_message_and_part() {
        for (id, part) in [(1u64, 0u8), (77, 254), ((1 << 56) - 1, 255)] {
            assert_eq!(from_part_id(part_id(MessageId(id), part)), (MessageId(id), part));
        }
        assert_ne!(part_id(MessageId(1), 2), part_id(MessageId(2), 1));
    }

    #[test]
    fn unsendable_texts_are_explained() {
        let too_long = encode_error_words("+49", crate::codec::Error::TooManyParts { parts: 300 });
        assert!(too_long.contains("300 parts"), "{too_long}");
        let m = |to: &str, text: &str| Message {
            id: MessageId(1),
            upstream_id: None,
            recipient: to.into(),
            text: text.into(),
            priority: 0,
            not_before: UnixMs(0),
            attempts_left: 1,
            failures: 0,
            status_report: false,
            concat_ref: 0x1234,
            created: UnixMs(0),
            updated: UnixMs(0),
            state: store::State::Queued,
            parts: Vec::new(),
            last_error: None,
            unknown_parts: 0,
            last_push: None,
        };
        let bad = encode(&m("+49 170 x", "hi")).unwrap_err();
        assert!(bad.starts_with("invalid recipient \"+49 170 x\""), "{bad}");
        let e = encode(&m("+491701234567", &"y".repeat(200))).unwrap();
        assert_eq!((e.parts.len(), e.reference), (2, 0x34), "the store's reference, cut to 8 bits");
    }
}
