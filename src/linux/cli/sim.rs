//! `smsgw sim`: serve a simulated modem on a pseudo-terminal.

use std::path::PathBuf;

use crate::linux::sim_server::{self, Options};
use crate::sim::{Config, Profile};

fn profile(name: &str) -> Result<Profile, String> {
    Profile::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        format!("unknown profile {name:?} (one of {})", names.join(", "))
    })
}

/// Serve a simulated modem on a pseudo-terminal, like a USB dongle on /dev/ttyUSB0.
///
/// Prints the pty's path on stdout, then runs until SIGTERM or SIGINT.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which modem to be: huawei (E3372), sim800, ec25.
    #[arg(long, default_value = "huawei", value_parser = profile)]
    pub profile: Profile,
    /// Create a symlink to the pty here (removed on exit).
    #[arg(long, value_name = "PATH")]
    pub link: Option<PathBuf>,
    /// Append a JSON line per part sent: time, recipient, text, encoding, concat, mr, srr.
    #[arg(long, value_name = "PATH")]
    pub air_log: Option<PathBuf>,
    /// Unix socket for one-line commands (status, fault …, inject …, power …), JSON answers.
    #[arg(long, value_name = "PATH")]
    pub control: Option<PathBuf>,
    /// A fault to switch on at start, as the control socket words it ("cms 500 0.2", "pace on");
    /// may be repeated.
    #[arg(long = "fault", value_name = "FAULT")]
    pub faults: Vec<String>,
    /// Seed of the generator behind probabilistic faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Boot time in milliseconds (default: the profile's).
    #[arg(long, value_name = "MS")]
    pub boot_ms: Option<u32>,
    /// From a message sent with a status report request to its report.
    #[arg(long, value_name = "MS", default_value_t = 2_000)]
    pub report_delay_ms: u32,
    /// TP-ST of the status reports (0 delivered, 70 = 0x46 failed …).
    #[arg(long, default_value_t = 0)]
    pub report_status: u8,
    /// Log unknown AT commands, control commands and sent messages to stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: &Args) -> Result<(), super::Error> {
    let config = Config {
        seed: args.seed,
        boot_ms: args.boot_ms,
        report_delay_ms: args.report_delay_ms,
        report_status: args.report_status,
        ..Config::new(args.profile)
    };
    sim_server::serve(&Options {
        config,
        link: args.link.clone(),
        air_log: args.air_log.clone(),
        control: args.control.clone(),
        faults: args.faults.clone(),
        verbose: args.verbose,
    })
}
