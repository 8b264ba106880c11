//! `smsgw db`: create, migrate and inspect the upstream outbox, and release a gateway's claims.

use std::path::PathBuf;

use mysql::prelude::Queryable;

use super::Error;
use crate::linux::upstream::{self, link, schema, UpstreamConfig};

/// Where the database is. Flags override the `[upstream]` section of `--config`. The password
/// comes from `--password-file`, the variable `--password-env` names, or SMSGW_DB_PASSWORD:
/// never from the command line.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The gateway's configuration file (TOML); its `[upstream]` section is used.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub host: Option<String>,
    #[arg(long)]
    pub port: Option<u16>,
    /// Connect through this Unix socket.
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long)]
    pub database: Option<String>,
    /// A file whose first line is the password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The environment variable that holds the password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Use TLS and verify the server's certificate (required for a host that is not local).
    #[arg(long)]
    pub tls: bool,
    /// The CA certificate that signed the server's certificate (implies --tls).
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create the outbox (the old daemon's table) if missing, then migrate.
    Init,
    /// Add what the gateway needs to an existing outbox (claims, delivery reports, inbox,
    /// events), keeping every row. Safe to run again.
    Migrate,
    /// Release at once the claims GATEWAY holds on rows not sent yet (a gateway gone for good).
    Release {
        /// The gateway's name (its `claimed_by`).
        gateway: String,
    },
    /// Schema version, rows per status, live claims per gateway.
    Status,
    /// Print the least-privilege grants for a gateway's database user.
    Grants,
}

fn config(args: &Args) -> Result<UpstreamConfig, Error> {
    let mut c = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
            let mut table: toml::Table =
                toml::from_str(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            match table.remove("upstream") {
                Some(section) => {
                    section.try_into().map_err(|e| Error::Usage(format!("{}: [upstream]: {e}", path.display())))?
                }
                None => return Err(Error::Usage(format!("{} has no [upstream] section", path.display()))),
            }
        }
        None => UpstreamConfig::default(),
    };
    if let Some(v) = &args.host {
        c.host = v.clone();
    }
    if let Some(v) = args.port {
        c.port = v;
    }
    if let Some(v) = &args.socket {
        c.socket = Some(v.clone());
    }
    if let Some(v) = &args.user {
        c.user = v.clone();
    }
    if let Some(v) = &args.database {
        c.database = v.clone();
    }
    if let Some(v) = &args.password_file {
        c.password_file = Some(v.clone());
    }
    if let Some(v) = &args.password_env {
        c.password_env = Some(v.clone());
    }
    if args.tls || args.ca.is_some() {
        c.tls = true;
    }
    if let Some(v) = &args.ca {
        c.ca = Some(v.clone());
    }
    Ok(c)
}

fn upstream_error(e: upstream::Error) -> Error {
    match e {
        upstream::Error::Config(m) => Error::Usage(m),
        other => Error::Upstream(other),
    }
}

fn names(applied: &[schema::Migration]) -> String {
    applied.iter().map(|m| format!("{} {}", m.version, m.name)).collect::<Vec<_>>().join(", ")
}

pub fn run(args: &Args) -> Result<(), Error> {
    if let Command::Grants = args.command {
        print!("{}", upstream::GRANTS_SQL);
        return Ok(());
    }
    let config = config(args)?;
    let mut conn = link::connect_admin(&config).map_err(upstream_error)?;
    let db = |e: mysql::Error| Error::Upstream(e.into());
    match &args.command {
        Command::Init | Command::Migrate => {
            let applied = match args.command {
                Command::Init => schema::init(&mut conn),
                _ => schema::migrate(&mut conn),
            }
            .map_err(upstream_error)?;
            let version = schema::current_version(&mut conn).map_err(upstream_error)?;
            if applied.is_empty() {
                println!("schema version {version}: up to date");
            } else {
                println!("schema version {version}: applied {}", names(&applied));
            }
        }
        Command::Release { gateway } => {
            let n = link::release(&mut conn, gateway).map_err(upstream_error)?;
            println!("released {n} row(s) claimed by {gateway}");
        }
        Command::Status => {
            let version = schema::current_version(&mut conn).map_err(upstream_error)?;
            println!("schema version {version} (this build: {})", schema::latest_version());
            let counts: Vec<(Option<String>, u64)> =
                conn.query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status").map_err(db)?;
            for (status, n) in counts {
                println!("{:<8} {n}", status.as_deref().unwrap_or("NULL"));
            }
            if version >= 1 {
                let claims: Vec<(String, u64, u64)> = conn
                    .query(
                        "SELECT claimed_by, SUM(claim_expires >= NOW(3)), SUM(claim_expires < NOW(3)) FROM outbox \
                         WHERE status = 'pending' AND claimed_by IS NOT NULL AND claim_expires IS NOT NULL \
                         GROUP BY claimed_by ORDER BY claimed_by",
                    )
                    .map_err(db)?;
                for (gateway, live, lapsed) in claims {
                    println!("claimed by {gateway}: {live} live, {lapsed} lapsed");
                }
            }
        }
        Command::Grants => {}
    }
    Ok(())
}
