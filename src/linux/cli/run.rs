//! `smsgw run`: the gateway daemon, in the foreground (systemd runs it as a `Type=notify`
//! service; see `packaging/smsgw.service`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::linux::board::Board;
use crate::linux::config::{self, Config};
use crate::linux::gateway::{signals, Gateway, Setup, SharedBoard, SyncUpstream};
use crate::linux::log;
use crate::linux::modem_port::{Hardware, NoHardware};
use crate::linux::store::Store;
use crate::linux::systemd::Notifier;
use crate::linux::upstream::UpstreamConfig;

/// Run the gateway: the modem, the queue and the control socket, until SIGTERM or Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file (`smsgw config example` prints one to start from).
    #[arg(long, short, value_name = "PATH", default_value = config::DEFAULT_PATH)]
    pub config: PathBuf,
}

pub fn run(args: &Args) -> Result<(), super::Error> {
    let mut config = Config::load(&args.config)?;
    log::init(&config.log).map_err(|e| {
        super::Error::Gateway(format!(
            "log.file {}: {e}",
            config.log.file.as_deref().unwrap_or(std::path::Path::new("")).display()
        ))
    })?;
    signals::install()?;
    let board = match config.board_config()? {
        None => None,
        Some(b) => {
            let board = Board::open(&b).map_err(|e| {
                super::Error::Gateway(format!(
                    "board {} ({}): {e}",
                    b.name,
                    config.board.as_deref().unwrap_or(Path::new("")).display()
                ))
            })?;
            config.apply_board(&b);
            log::info!("board {}: {}", b.name, if board.sim().is_some() { "simulated pins" } else { "GPIO" });
            Some(SharedBoard::new(board))
        }
    };
    let hardware: Box<dyn Hardware + Send> = match &board {
        Some(b) => Box::new(b.clone()),
        None => Box::new(NoHardware),
    };
    let store = Arc::new(Store::open(&config.store.path, config.store_config())?);
    let upstream = config.upstream.clone().map(|u| {
        let u = UpstreamConfig { status_reports: config.inbox.status_reports, ..u };
        SyncUpstream::starter(Arc::clone(&store), u)
    });
    let gateway = Gateway::start(Setup {
        config,
        store,
        hardware,
        board,
        upstream,
        on_view: None,
        on_change: None,
        notifier: Notifier::from_env(),
        serve_control: true,
    })?;
    let handle = gateway.handle();
    while !gateway.is_finished() {
        if signals::stop_requested() {
            log::info!("{} received: stopping", signals::last_signal().unwrap_or("a signal"));
            handle.stop();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    gateway.wait();
    Ok(())
}
