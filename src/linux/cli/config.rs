//! `smsgw config example` and `smsgw config check [PATH]`.

use std::io::Write;
use std::path::PathBuf;

use crate::linux::config::{self, Config};

/// The configuration file.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the commented example configuration (every key, with its default).
    Example,
    /// Check a configuration file and say what it sets up.
    Check {
        /// The file to check.
        #[arg(default_value = config::DEFAULT_PATH)]
        path: PathBuf,
    },
}

pub fn run(cmd: &Command) -> Result<(), super::Error> {
    let mut out = std::io::stdout().lock();
    match cmd {
        Command::Example => out.write_all(config::EXAMPLE.as_bytes())?,
        Command::Check { path } => {
            let c = Config::load(path)?;
            // The PIN file is read as the daemon will read it, so a wrong one shows now.
            c.driver_config()?;
            writeln!(out, "{}: ok", path.display())?;
            writeln!(out, "modem:   {} ({:?}, {} baud)", c.modem.device.display(), c.modem.family, c.modem.baud)?;
            writeln!(out, "store:   {} ({:?})", c.store.path.display(), c.store.backend)?;
            writeln!(out, "control: {}", c.control.socket.display())?;
            match &c.upstream {
                Some(u) => {
                    // The password file too: a wrong one shows now, not as a retry loop.
                    u.password().map_err(|e| config::Error::Invalid {
                        path: Some(path.clone()),
                        key: if u.password_file.is_some() { "upstream.password_file" } else { "upstream.password_env" }
                            .into(),
                        message: e.to_string(),
                    })?;
                    let at = match &u.socket {
                        Some(s) => s.display().to_string(),
                        None => format!("{}:{}", u.host, u.port),
                    };
                    writeln!(
                        out,
                        "upstream: {}@{at}/{} as gateway {}, every {} ms{}",
                        u.user,
                        u.database,
                        u.gateway_name(),
                        u.poll_interval_ms,
                        if u.tls { ", TLS" } else { "" }
                    )?
                }
                None => writeln!(out, "upstream: none (the local queue only)")?,
            }
            match (&c.board, c.board_config()?) {
                (Some(file), Some(b)) => writeln!(out, "board:   {} ({}, {:?} pins)", b.name, file.display(), b.pins)?,
                _ => writeln!(out, "board:   none (no GPIO)")?,
            }
            let calls = &c.calls;
            if calls.reply {
                let quiet = match &calls.quiet_hours {
                    Some(q) => format!(", quiet {q} ({:?})", calls.quiet_action).to_lowercase(),
                    None => String::new(),
                };
                writeln!(
                    out,
                    "calls:   reply to missed calls in {}, once per {}{quiet}",
                    calls.time_zone.name(),
                    config::format_duration(calls.window)
                )?;
            } else {
                writeln!(out, "calls:   logged, no replies")?;
            }
            let inbox = &c.inbox;
            let hook = match &inbox.hook {
                Some(argv) => format!("hook {} ({})", argv.join(" "), config::format_duration(inbox.hook_timeout)),
                None => "no hook".into(),
            };
            writeln!(
                out,
                "inbox:   {hook}, stop keywords {}, delivery reports {}",
                if inbox.opt_out { "honoured" } else { "ignored" },
                if inbox.status_reports { "for every message" } else { "when asked for" }
            )?;
            match &c.log.file {
                Some(f) => writeln!(out, "log:     {} and stderr, level {}", f.display(), c.log.level)?,
                None => writeln!(out, "log:     stderr, level {}", c.log.level)?,
            }
        }
    }
    Ok(())
}
