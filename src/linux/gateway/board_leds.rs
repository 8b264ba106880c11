//! The board in the daemon: the modem thread uses it for USB resets and power cycles, the core
//! thread drives its LEDs. Both share one [`Board`] behind a mutex.
//!
//! A power cycle holds the board for the modem's off time; the core never waits for it (it
//! only tries the lock), so sending decisions and the control socket are never held up by the
//! LEDs: they skip a beat at most.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::Duration;

use crate::board::leds::{patterns, LedPatterns};
use crate::board::render::{render_with_patterns, Style};
use crate::board::{GatewayView, Health, LedLevels, Network, Queue};
use crate::linux::board::Board;
use crate::linux::modem_port::Hardware;
use crate::modem::Status;
use crate::time::Instant;

/// How often the LEDs are set: short enough for the fastest pattern (a 4 Hz blink) to look
/// even, long enough to cost nothing.
pub const LED_TICK: Duration = Duration::from_millis(100);

/// The board, shared between the modem thread and the core.
#[derive(Debug, Clone)]
pub struct SharedBoard(pub Arc<Mutex<Board>>);

impl SharedBoard {
    pub fn new(board: Board) -> SharedBoard {
        SharedBoard(Arc::new(Mutex::new(board)))
    }
}

impl Hardware for SharedBoard {
    fn usb_reset(&mut self, tty: &Path) -> io::Result<()> {
        Hardware::usb_reset(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner), tty)
    }

    fn power_cycle(&mut self) -> io::Result<()> {
        Hardware::power_cycle(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// What the board's LEDs show, from what the core knows: the modem's status (none before the
/// modem thread first reports), the queue, and whether upstream is reachable (always, without
/// one).
pub fn board_view(status: Option<&Status>, stopped: bool, waiting: u64, sending: bool, reachable: bool) -> GatewayView {
    let queue = Queue::from_counts(u32::try_from(waiting).unwrap_or(u32::MAX), sending, reachable);
    match status {
        _ if stopped => GatewayView { health: Health::Off, network: Network::Unknown, queue: Queue::Empty },
        Some(s) => GatewayView::from_modem(s, queue),
        None => GatewayView { health: Health::Booting, network: Network::Unknown, queue },
    }
}

/// The core's side of the board: sets the LEDs every [`LED_TICK`].
#[derive(Debug)]
pub struct Leds {
    board: SharedBoard,
    next: Instant,
    shown: LedLevels,
    patterns: Option<LedPatterns>,
}

impl Leds {
    pub fn new(board: SharedBoard) -> Leds {
        Leds { board, next: Instant::ZERO, shown: LedLevels::OFF, patterns: None }
    }

    /// When the LEDs are set next.
    pub fn due(&self) -> Instant {
        self.next
    }

    /// Sets the LEDs for `view` at `now` if they are due (or `force`); an error says why a
    /// line could not be set. A board busy with a power cycle is tried at the next tick.
    pub fn tick(&mut self, view: &GatewayView, now: Instant, force: bool) -> Result<(), String> {
        if !force && !now.reached(self.next) {
            return Ok(());
        }
        self.next = now + LED_TICK;
        let p = patterns(view);
        let levels = p.at(now);
        let mut board = match self.board.0.try_lock() {
            Ok(b) => b,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        self.patterns = Some(p);
        if levels != self.shown || force {
            board.set_leds(levels).map_err(|e| e.to_string())?;
            self.shown = levels;
        }
        Ok(())
    }

    /// The LEDs as text, each with its pattern: `● health (on)  ○ network (off)  …`.
    pub fn text(&self) -> Option<String> {
        self.patterns.map(|p| render_with_patterns(self.shown, p, Style::Plain).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::board::{BoardConfig, SimClock};

    fn sim_board() -> Board {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/board/sim.toml")).unwrap();
        Board::simulated(&BoardConfig::parse(&text).unwrap(), SimClock::manual()).unwrap()
    }

    #[test]
    fn views() {
        let v = board_view(None, false, 0, false, true);
        assert_eq!((v.health, v.network, v.queue), (Health::Booting, Network::Unknown, Queue::Empty));
        assert_eq!(board_view(None, false, 3, false, true).queue, Queue::Backlog);
        assert_eq!(board_view(None, false, 3, true, true).queue, Queue::Sending);
        assert_eq!(board_view(None, false, 3, true, false).queue, Queue::UpstreamUnreachable);
        let mut ready = Status::new();
        ready.phase = crate::modem::Phase::Ready;
        assert_eq!(board_view(Some(&ready), false, 0, false, true).health, Health::Ok);
        assert_eq!(board_view(Some(&ready), true, 5, true, true).health, Health::Off, "stopped: dark");
    }

    #[test]
    fn the_leds_follow_the_patterns_every_tick() {
        let board = SharedBoard::new(sim_board());
        let mut leds = Leds::new(board.clone());
        assert_eq!(leds.text(), None, "nothing shown yet");
        let booting = board_view(None, false, 0, false, true);
        // Slow blink: on for the first second, off for the next.
        leds.tick(&booting, Instant::from_millis(100), false).unwrap();
        assert!(board.0.lock().unwrap().leds().health);
        assert!(leds.text().unwrap().contains("health"), "{:?}", leds.text());
        leds.tick(&booting, Instant::from_millis(150), false).unwrap();
        leds.tick(&booting, Instant::from_millis(1_100), false).unwrap();
        assert!(!board.0.lock().unwrap().leds().health, "off in the second second");
        // A board held by a power cycle is skipped, not waited for.
        let held = board.0.lock().unwrap();
        leds.tick(&booting, Instant::from_millis(2_100), false).unwrap();
        drop(held);
        assert!(!board.0.lock().unwrap().leds().health, "not set while held");
        leds.tick(&booting, Instant::from_millis(2_200), false).unwrap();
        assert!(board.0.lock().unwrap().leds().health);
    }
}
