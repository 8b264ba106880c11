//! Faults a test can switch on: the ways real dongles misbehave that a driver must survive.

/// A fault to inject. One-shot faults act at once; the others stay until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Fault {
    /// Stop answering anything, `AT+CFUN=1,1` included, until the power is cycled (one-shot).
    Hang,
    /// Reboot now: what was queued is lost, then the boot URCs (one-shot).
    Reboot,
    /// Send `len` bytes of garbage: random bytes, or NULs when `nul` (one-shot).
    Garbage { len: u16, nul: bool },
    /// Swallow the responses to the next `responses` command lines.
    Drop { responses: u16 },
    /// Hold every response back this long.
    Delay { ms: u32 },
    /// Fail `AT+CMGS` with `+CMS ERROR: <code>` with probability `permille` / 1000.
    CmsError { code: u16, permille: u16 },
    /// Lose the network: `+CREG: 0,2`, `+CSQ: 99,99`, and `AT+CMGS` fails with `+CMS ERROR: 331`.
    NoNetwork,
    /// The SIM asks for its PIN (`1234`) now and after every boot.
    PinRequired,
    /// Repeat the profile's flood URC `hz` times a second.
    Flood { hz: u16 },
    /// Send every response and URC in several writes.
    Split,
    /// Send at the speed of a 115200-baud line (86.8 µs a byte) instead of all at once.
    Pace,
    /// Give the `+CMGS` result this long after the PDU (the network's round trip).
    NetworkDelay { ms: u32 },
}

/// The faults that stay until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FaultKind {
    Drop,
    Delay,
    CmsError,
    NoNetwork,
    PinRequired,
    Flood,
    Split,
    Pace,
    NetworkDelay,
}

/// The lasting faults in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Faults {
    /// Responses still to swallow.
    pub drop: u16,
    pub delay_ms: u32,
    /// `(code, permille)`.
    pub cms: Option<(u16, u16)>,
    pub no_network: bool,
    pub pin: bool,
    /// URCs a second; 0 for none.
    pub flood_hz: u16,
    pub split: bool,
    pub pace: bool,
    pub network_delay_ms: u32,
}

impl Faults {
    pub fn clear(&mut self, kind: FaultKind) {
        match kind {
            FaultKind::Drop => self.drop = 0,
            FaultKind::Delay => self.delay_ms = 0,
            FaultKind::CmsError => self.cms = None,
            FaultKind::NoNetwork => self.no_network = false,
            FaultKind::PinRequired => self.pin = false,
            FaultKind::Flood => self.flood_hz = 0,
            FaultKind::Split => self.split = false,
            FaultKind::Pace => self.pace = false,
            FaultKind::NetworkDelay => self.network_delay_ms = 0,
        }
    }
}
