//! [`GatewayView`]: the gateway's state in a few words, made by the core loop whenever it
//! changes. Status LEDs, `smsgw status` and `smsgw demo` show it; nothing reads the driver or
//! the store to draw them.

use crate::modem::{Fault, Phase, SignalQuality, Status};

/// Whether the gateway does its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Started; the modem has not been ready yet.
    Starting,
    /// Sending works (or would, if there were anything to send).
    Ok,
    /// Running, but something needs attention: no network, the modem recovering, store errors.
    Degraded,
    /// Stopped by a fault a person must fix (SIM PIN, no SIM, dead modem).
    Faulted,
    /// Shutting down.
    Stopping,
}

/// The modem, from the driver's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModemState {
    /// No serial port: unplugged, re-enumerating, or the wrong device configured.
    Absent,
    Initialising,
    Ready,
    Sending,
    Recovering,
    Faulted(Fault),
}

impl ModemState {
    pub fn from_phase(phase: Phase) -> ModemState {
        match phase {
            Phase::WaitingForDevice => ModemState::Absent,
            Phase::Initialising => ModemState::Initialising,
            Phase::Ready => ModemState::Ready,
            Phase::Sending => ModemState::Sending,
            Phase::Recovering(_) => ModemState::Recovering,
            Phase::Faulted(f) => ModemState::Faulted(f),
        }
    }
}

/// The mobile network, as far as the modem says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkState {
    /// Not known (no modem, or not asked yet).
    Unknown,
    /// Searching, not registered, or registration denied.
    NotRegistered,
    Registered {
        quality: SignalQuality,
        roaming: bool,
    },
}

/// Where the upstream database sync is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamState {
    /// No upstream configured: the queue is fed locally only.
    Disabled,
    Connecting,
    Online,
    /// Unreachable; the queue carries on and syncs when it is back.
    Offline,
    /// Reachable but refusing (credentials, schema); the text says what.
    Error(String),
}

impl UpstreamState {
    pub fn words(&self) -> String {
        match self {
            UpstreamState::Disabled => "not configured".into(),
            UpstreamState::Connecting => "connecting".into(),
            UpstreamState::Online => "online".into(),
            UpstreamState::Offline => "offline".into(),
            UpstreamState::Error(e) => format!("error: {e}"),
        }
    }
}

/// The queue in a few numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueState {
    /// Messages waiting to be sent (queued, or part-way sent).
    pub waiting: u64,
    /// A part is with the modem now.
    pub sending: bool,
    /// Messages that failed since the gateway started.
    pub failed: u64,
}

/// Everything the LEDs and the status show, in one comparable value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayView {
    pub health: Health,
    pub modem: ModemState,
    pub network: NetworkState,
    pub queue: QueueState,
    pub upstream: UpstreamState,
}

impl GatewayView {
    /// The view before anything is known.
    pub fn starting() -> GatewayView {
        GatewayView {
            health: Health::Starting,
            modem: ModemState::Absent,
            network: NetworkState::Unknown,
            queue: QueueState::default(),
            upstream: UpstreamState::Disabled,
        }
    }

    /// Health, modem and network from the driver's status.
    pub fn with_modem(mut self, status: Option<&Status>, ever_ready: bool, stopping: bool) -> GatewayView {
        self.modem = status.map_or(ModemState::Absent, |s| ModemState::from_phase(s.phase));
        self.network = match status {
            None => NetworkState::Unknown,
            // Circuit-switched or LTE (EPS) registration: SMS goes over either.
            Some(s) => {
                let known: Vec<&crate::modem::Registration> =
                    [&s.registration, &s.eps_registration].into_iter().flatten().collect();
                match known.iter().find(|r| r.is_registered()) {
                    Some(r) => NetworkState::Registered {
                        quality: s.signal.map_or(SignalQuality::None, |q| q.quality()),
                        roaming: r.is_roaming(),
                    },
                    None if known.is_empty() => NetworkState::Unknown,
                    None => NetworkState::NotRegistered,
                }
            }
        };
        let registered = matches!(self.network, NetworkState::Registered { .. });
        self.health = match self.modem {
            _ if stopping => Health::Stopping,
            ModemState::Faulted(_) => Health::Faulted,
            ModemState::Ready | ModemState::Sending if registered => Health::Ok,
            _ if !ever_ready => Health::Starting,
            _ => Health::Degraded,
        };
        self
    }

    /// The status LEDs as the daemon suggests them: power/health, network, queue, upstream.
    /// A board maps these to its own lines and patterns.
    pub fn leds(&self) -> [Led; 4] {
        use Colour::{Green, Red, Yellow};
        use Pattern::{Blink, Off, On};
        let health = match self.health {
            Health::Ok => Led::new("health", Green, On),
            Health::Starting => Led::new("health", Green, Blink),
            Health::Degraded => Led::new("health", Yellow, On),
            Health::Faulted => Led::new("health", Red, On),
            Health::Stopping => Led::new("health", Yellow, Blink),
        };
        let network = match self.network {
            NetworkState::Registered { quality: SignalQuality::None | SignalQuality::Poor, .. } => {
                Led::new("network", Yellow, On)
            }
            NetworkState::Registered { roaming: true, .. } => Led::new("network", Yellow, On),
            NetworkState::Registered { .. } => Led::new("network", Green, On),
            NetworkState::NotRegistered => Led::new("network", Red, Blink),
            NetworkState::Unknown => Led::new("network", Green, Off),
        };
        let queue = match self.queue {
            QueueState { sending: true, .. } => Led::new("queue", Green, Blink),
            QueueState { waiting: 1.., .. } => Led::new("queue", Yellow, On),
            QueueState { failed: 1.., .. } => Led::new("queue", Red, On),
            _ => Led::new("queue", Green, Off),
        };
        let upstream = match self.upstream {
            UpstreamState::Disabled => Led::new("upstream", Green, Off),
            UpstreamState::Connecting => Led::new("upstream", Green, Blink),
            UpstreamState::Online => Led::new("upstream", Green, On),
            UpstreamState::Offline => Led::new("upstream", Yellow, On),
            UpstreamState::Error(_) => Led::new("upstream", Red, On),
        };
        [health, network, queue, upstream]
    }

    /// One line for `systemctl status` and the logs: "modem ready, 3 queued, signal good".
    pub fn summary(&self) -> String {
        let modem = match self.modem {
            ModemState::Absent => "no modem".to_string(),
            ModemState::Initialising => "modem initialising".into(),
            ModemState::Ready | ModemState::Sending => "modem ready".into(),
            ModemState::Recovering => "modem recovering".into(),
            ModemState::Faulted(f) => format!("modem stopped: {f}"),
        };
        let network = match self.network {
            NetworkState::Unknown => String::new(),
            NetworkState::NotRegistered => ", no network".into(),
            NetworkState::Registered { quality, roaming } => {
                format!(", signal {}{}", quality_word(quality), if roaming { ", roaming" } else { "" })
            }
        };
        let upstream = match self.upstream {
            UpstreamState::Disabled => String::new(),
            ref u => format!(", upstream {}", u.words()),
        };
        format!("{modem}, {} queued{network}{upstream}", self.queue.waiting)
    }
}

/// A signal strength in a word.
pub fn quality_word(q: SignalQuality) -> &'static str {
    match q {
        SignalQuality::None => "none",
        SignalQuality::Poor => "poor",
        SignalQuality::Fair => "fair",
        SignalQuality::Good => "good",
        SignalQuality::Excellent => "excellent",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Green,
    Yellow,
    Red,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Off,
    On,
    Blink,
}

/// One status LED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Led {
    pub name: &'static str,
    pub colour: Colour,
    pub pattern: Pattern,
}

impl Led {
    const fn new(name: &'static str, colour: Colour, pattern: Pattern) -> Led {
        Led { name, colour, pattern }
    }

    /// `●` lit (blinking ones too), `○` dark; in its ANSI colour when `ansi`, blinking with the
    /// terminal's blink attribute.
    pub fn dot(&self, ansi: bool) -> String {
        let glyph = if self.pattern == Pattern::Off { '○' } else { '●' };
        if !ansi || self.pattern == Pattern::Off {
            return glyph.to_string();
        }
        let colour = match self.colour {
            Colour::Green => "32",
            Colour::Yellow => "33",
            Colour::Red => "31",
        };
        let blink = if self.pattern == Pattern::Blink { "5;" } else { "" };
        format!("\x1b[{blink}{colour}m{glyph}\x1b[0m")
    }

    /// `name ●` with the pattern in words when not lit steadily: `network ● (red, blinking)`.
    pub fn describe(&self, ansi: bool) -> String {
        let words = match (self.pattern, self.colour) {
            (Pattern::Off, _) => "off".to_string(),
            (Pattern::On, c) => colour_word(c).into(),
            (Pattern::Blink, c) => format!("{} blinking", colour_word(c)),
        };
        format!("{} {} {words}", self.name, self.dot(ansi))
    }
}

fn colour_word(c: Colour) -> &'static str {
    match c {
        Colour::Green => "green",
        Colour::Yellow => "yellow",
        Colour::Red => "red",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modem::{RegState, Registration, Signal};

    fn status(phase: Phase, reg: Option<u8>, csq: u8) -> Status {
        let mut s = crate::modem::Driver::new(Default::default(), crate::time::Instant::ZERO).status().clone();
        s.phase = phase;
        s.registration =
            reg.map(|stat| Registration { state: RegState::from_stat(stat), area: None, cell: None, act: None });
        s.signal = Some(Signal { csq });
        s
    }

    #[test]
    fn health_and_leds_follow_the_modem() {
        use Colour::*;
        use Pattern::*;
        type Case = (Option<Status>, bool, Health, (Colour, Pattern), (Colour, Pattern));
        let cases: &[Case] = &[
            (None, false, Health::Starting, (Green, Blink), (Green, Off)),
            (Some(status(Phase::Initialising, None, 99)), false, Health::Starting, (Green, Blink), (Green, Off)),
            (Some(status(Phase::Ready, Some(1), 20)), true, Health::Ok, (Green, On), (Green, On)),
            (Some(status(Phase::Sending, Some(5), 20)), true, Health::Ok, (Green, On), (Yellow, On)),
            (Some(status(Phase::Ready, Some(1), 5)), true, Health::Ok, (Green, On), (Yellow, On)),
            (Some(status(Phase::Ready, Some(2), 20)), true, Health::Degraded, (Yellow, On), (Red, Blink)),
            (
                Some(status(Phase::Recovering(crate::modem::RecoveryStep::Resync), Some(1), 20)),
                true,
                Health::Degraded,
                (Yellow, On),
                (Green, On),
            ),
            (Some(status(Phase::Faulted(Fault::NoSim), None, 99)), true, Health::Faulted, (Red, On), (Green, Off)),
        ];
        for (status, ever, health, led0, led1) in cases {
            let v = GatewayView::starting().with_modem(status.as_ref(), *ever, false);
            let leds = v.leds();
            assert_eq!(v.health, *health, "{status:?}");
            assert_eq!((leds[0].colour, leds[0].pattern), *led0, "{status:?}");
            if leds[1].pattern != Off || led1.1 != Off {
                assert_eq!((leds[1].colour, leds[1].pattern), *led1, "{status:?}");
            }
        }
        let stopping = GatewayView::starting().with_modem(None, true, true);
        assert_eq!(stopping.health, Health::Stopping);
    }

    #[test]
    fn lte_registration_alone_counts() {
        let mut s = status(Phase::Ready, Some(2), 20);
        s.eps_registration = Some(Registration { state: RegState::Home, area: None, cell: None, act: Some(7) });
        let v = GatewayView::starting().with_modem(Some(&s), true, false);
        assert_eq!(v.network, NetworkState::Registered { quality: SignalQuality::Excellent, roaming: false });
        assert_eq!(v.health, Health::Ok);
    }

    #[test]
    fn queue_led_and_summary() {
        let mut v = GatewayView::starting().with_modem(Some(&status(Phase::Ready, Some(1), 16)), true, false);
        assert_eq!(v.leds()[2].pattern, Pattern::Off);
        v.queue = QueueState { waiting: 3, sending: false, failed: 0 };
        assert_eq!((v.leds()[2].colour, v.leds()[2].pattern), (Colour::Yellow, Pattern::On));
        v.queue.sending = true;
        assert_eq!(v.leds()[2].pattern, Pattern::Blink);
        assert_eq!(v.summary(), "modem ready, 3 queued, signal good");
        v.upstream = UpstreamState::Offline;
        assert_eq!(v.summary(), "modem ready, 3 queued, signal good, upstream offline");
        assert_eq!(v.leds()[3].describe(false), "upstream ● yellow");
        assert_eq!(v.leds()[2].describe(false), "queue ● green blinking");
        assert_eq!(v.leds()[2].dot(true), "\x1b[5;32m●\x1b[0m");
        assert_eq!(GatewayView::starting().leds()[3].describe(true), "upstream ○ off");
    }
}
