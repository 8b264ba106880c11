//! `smsgw leds test` and `smsgw power-cycle`: the board's lines by hand, to check the wiring.
//!
//! With a board file of simulated pins (`board/sim.toml`) both run on a simulated clock that
//! jumps from step to step, and print every pin change they made.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::board::render::{self, Style};
use crate::board::{Led, LedLevels, Line, Request};
use crate::linux::board::{Board, BoardConfig, PinDriver, SimClock};
use crate::linux::clock;
use crate::time::Instant;

/// Where the board file is.
#[derive(Debug, clap::Args)]
pub struct BoardArg {
    /// The board file (see board/ in the sources).
    #[arg(long, value_name = "FILE", default_value = "/etc/smsgw/board.toml")]
    pub board: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
pub enum LedsCommand {
    /// Walk every LED: all on, all off, then each one alone.
    Test(LedsTestArgs),
}

#[derive(Debug, clap::Args)]
pub struct LedsTestArgs {
    #[command(flatten)]
    pub board: BoardArg,
    /// How long each step lasts.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub step_ms: u64,
}

#[derive(Debug, clap::Args)]
pub struct PowerCycleArgs {
    #[command(flatten)]
    pub board: BoardArg,
    /// Only switch the modem on: one PWRKEY press (for a module that is off). With a supply
    /// switch this is the same as a cycle.
    #[arg(long)]
    pub on: bool,
}

/// The time the board runs on: the real clock, or a simulated one that jumps to each deadline.
struct Pace {
    sim: Option<SimClock>,
    start: Instant,
}

impl Pace {
    fn new(board: &Board) -> Pace {
        let sim = board.sim().map(|s| s.clock.clone()).filter(|c| matches!(c, SimClock::Manual(_)));
        let start = sim.as_ref().map_or_else(clock::now, SimClock::now);
        Pace { sim, start }
    }

    fn now(&self) -> Instant {
        self.sim.as_ref().map_or_else(clock::now, SimClock::now)
    }

    fn wait_until(&self, t: Instant) {
        match &self.sim {
            Some(c) => c.set(t.max(c.now())),
            None => {
                let left = t.saturating_duration_since(clock::now());
                if !left.is_zero() {
                    std::thread::sleep(left);
                }
            }
        }
    }

    fn since_start(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.start).as_millis() as u64
    }
}

/// Opens the board; simulated pins run on a simulated clock.
fn open(arg: &BoardArg) -> Result<(Board, Pace), super::Error> {
    let config = BoardConfig::load(&arg.board).map_err(crate::linux::board::Error::from)?;
    let board = match config.pins {
        PinDriver::Sim => Board::simulated(&config, SimClock::manual())?,
        PinDriver::Gpio => Board::open(&config)?,
    };
    let pace = Pace::new(&board);
    Ok((board, pace))
}

fn header(out: &mut impl Write, board: &Board, arg: &BoardArg) -> std::io::Result<()> {
    let c = board.config();
    let pins = if board.sim().is_some() { "simulated pins" } else { "GPIO" };
    writeln!(out, "board: {} ({}, {pins})", c.name, arg.board.display())
}

/// Prints the pin changes a simulated board logged.
fn print_pin_log(out: &mut impl Write, board: &Board, pace: &Pace) -> std::io::Result<()> {
    let Some(sim) = board.sim() else { return Ok(()) };
    writeln!(out, "pin changes:")?;
    let mut requested = Vec::new();
    for change in sim.log.changes() {
        let place = board.place(change.line).unwrap_or("?");
        let level = if change.high { "high" } else { "low" };
        // A line's first entry is the level it was requested with.
        let how = if requested.contains(&change.line) { "" } else { " (requested)" };
        requested.push(change.line);
        writeln!(out, "{:>8} ms  {:<8} {place:<20} {level}{how}", pace.since_start(change.at), change.line.name())?;
    }
    Ok(())
}

pub fn leds(cmd: &LedsCommand) -> Result<(), super::Error> {
    let LedsCommand::Test(args) = cmd;
    let (mut board, pace) = open(&args.board)?;
    let mut out = std::io::stdout().lock();
    header(&mut out, &board, &args.board)?;
    let style = if std::io::stdout().is_terminal() { Style::Ansi } else { Style::Plain };
    let mut steps: Vec<(&str, LedLevels)> = vec![("all on", LedLevels::ALL_ON), ("all off", LedLevels::OFF)];
    steps.extend(Led::ALL.iter().map(|&led| (led.name(), LedLevels::only(led))));
    steps.push(("done", LedLevels::OFF));
    let step = Duration::from_millis(args.step_ms);
    let mut at = pace.now();
    for (i, (name, levels)) in steps.iter().enumerate() {
        if i > 0 {
            at += step;
            pace.wait_until(at);
        }
        board.set_leds(*levels)?;
        let shown = render::render(board.leds(), style);
        writeln!(out, "{:>8} ms  {name:<8} {shown}", pace.since_start(pace.now()))?;
        out.flush()?;
    }
    print_pin_log(&mut out, &board, &pace)?;
    Ok(())
}

pub fn power_cycle(args: &PowerCycleArgs) -> Result<(), super::Error> {
    let (mut board, pace) = open(&args.board)?;
    let mut out = std::io::stdout().lock();
    header(&mut out, &board, &args.board)?;
    let p = board.config().power_config();
    let place = board.place(Line::Power).unwrap_or("not wired").to_string();
    writeln!(
        out,
        "power: {}, {place}, active {}; off {} ms, boot {} ms",
        p.switch.name(),
        board.config().power.active_name(),
        p.off.as_millis(),
        p.boot.as_millis()
    )?;
    let request = if args.on { Request::PowerOn } else { Request::Cycle };
    let started = board.power_cycle(pace.now(), request);
    let mut refused = started.err();
    loop {
        while let Some(e) = board.poll_event() {
            writeln!(out, "{:>8} ms  {e}", pace.since_start(pace.now()))?;
            out.flush()?;
        }
        let Some(t) = board.poll_timeout() else { break };
        pace.wait_until(t);
        if let Err(e) = board.handle_timeout(pace.now()) {
            refused.get_or_insert(e);
            break;
        }
    }
    print_pin_log(&mut out, &board, &pace)?;
    match refused {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
