//! The `smsgw` binary: the gateway daemon and its tools.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use smsgw::linux::cli;

#[derive(Debug, Parser)]
#[command(name = "smsgw", version, about = "Edge SMS gateway for a USB GSM/LTE modem")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole gateway on a simulated modem with a few example messages (no hardware needed).
    Demo(cli::demo::Args),
    /// Run the gateway: modem, queue and control socket, until SIGTERM or Ctrl-C.
    Run(cli::run::Args),
    /// Queue a message on the running gateway (works while the modem is down), or with --device
    /// send it straight through a modem, reporting every part.
    Send(cli::client::SendArgs),
    /// The running gateway's state: modem, signal, network, queue, LEDs, recent errors.
    Status(cli::client::StatusArgs),
    /// List, show, retry or cancel queued messages.
    Queue(cli::client::QueueArgs),
    /// The messages and their outcomes as CSV.
    Export(cli::client::ExportArgs),
    /// The gateway's log (its file, or the systemd journal).
    Logs(cli::client::LogsArgs),
    /// The messages received, whole (long ones reassembled), oldest first.
    Inbox(cli::inbound::InboxArgs),
    /// The calls to the gateway's number and whether each got a reply.
    Calls(cli::inbound::CallsArgs),
    /// The numbers that asked for no more messages: list, add, remove.
    #[command(subcommand)]
    Optout(cli::inbound::OptOutCommand),
    /// Print an example configuration, or check one.
    #[command(subcommand)]
    Config(cli::config::Command),
    /// Show how a text would be sent: encoding, parts, capacity per part, characters used.
    Parts(cli::parts::Args),
    /// Encode or decode SMS PDUs.
    #[command(subcommand)]
    Pdu(cli::pdu::Command),
    /// Serve a simulated modem on a pseudo-terminal.
    Sim(cli::sim::Args),
    /// Try the status LEDs.
    #[command(subcommand)]
    Leds(cli::board::LedsCommand),
    /// Switch the modem's power off and on once, by hand.
    PowerCycle(cli::board::PowerCycleArgs),
    /// Create, migrate and inspect the upstream MySQL/MariaDB outbox.
    Db(cli::db::Args),
    /// Identify the modem and check that it can send and receive SMS.
    Identify(cli::modem::IdentifyArgs),
    /// Find the serial ports that answer AT, and say which one to configure.
    Scan(cli::modem::ScanArgs),
    /// Check the queue store for damage, or salvage a damaged one.
    #[command(subcommand)]
    Store(cli::store::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Demo(args) => cli::demo::run(args),
        Command::Run(args) => cli::run::run(args),
        Command::Send(args) => cli::client::send(args),
        Command::Status(args) => cli::client::status(args),
        Command::Queue(args) => cli::client::queue(args),
        Command::Export(args) => cli::client::export(args),
        Command::Logs(args) => cli::client::logs(args),
        Command::Inbox(args) => cli::inbound::inbox(args),
        Command::Calls(args) => cli::inbound::calls(args),
        Command::Optout(cmd) => cli::inbound::optout(cmd),
        Command::Config(cmd) => cli::config::run(cmd),
        Command::Parts(args) => cli::parts::run(args),
        Command::Pdu(cmd) => cli::pdu::run(cmd),
        Command::Sim(args) => cli::sim::run(args),
        Command::Leds(cmd) => cli::board::leds(cmd),
        Command::PowerCycle(args) => cli::board::power_cycle(args),
        Command::Db(args) => cli::db::run(args),
        Command::Identify(args) => cli::modem::identify(args),
        Command::Scan(args) => cli::modem::scan(args),
        Command::Store(cmd) => cli::store::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The command already said what failed.
        Err(cli::Error::Failed) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("smsgw: {e}");
            ExitCode::from(match e {
                cli::Error::Usage(_) => 2,
                _ => 1,
            })
        }
    }
}
