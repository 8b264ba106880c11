//! `smsgw store check|repair`: find damage in the queue store, and salvage what reads.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::linux::store::{self, Backend, CheckReport, Config, RepairReport};

/// Where the daemon keeps its queue unless the configuration says otherwise.
pub const DEFAULT_STORE: &str = "/var/lib/smsgw/queue.redb";

/// `smsgw store`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the queue store without changing it: every record reads, the upstream table agrees
    /// with the messages. Exit status 0 when healthy, 1 when damaged (with a report).
    Check(Target),
    /// Salvage a damaged store: every record that reads goes into a fresh store, what does not
    /// is quarantined in it and listed; the damaged store is kept beside it as PATH.damaged-N.
    Repair(RepairArgs),
}

/// The store a subcommand works on.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The store: a redb file, or a sled directory.
    #[arg(long = "store", value_name = "PATH", default_value = DEFAULT_STORE)]
    pub path: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RepairArgs {
    #[command(flatten)]
    pub target: Target,
    /// Rewrite the store even when the check finds nothing wrong.
    #[arg(long)]
    pub force: bool,
}

/// The engine a store at `path` is in: a directory is sled's.
fn config_for(path: &Path) -> Result<Config, super::Error> {
    if path.is_dir() {
        #[cfg(feature = "sled")]
        return Ok(Config { backend: Backend::Sled, ..Config::default() });
        #[cfg(not(feature = "sled"))]
        return Err(super::Error::Usage(format!(
            "{} is a directory (a sled store): this build has no sled backend",
            path.display()
        )));
    }
    Ok(Config { backend: Backend::Redb, ..Config::default() })
}

/// What `check` found, in words.
pub fn check_report(path: &Path, r: &CheckReport) -> String {
    let mut out = String::new();
    let verdict = if r.is_ok() { "healthy" } else { "DAMAGED" };
    let _ = writeln!(out, "store {}: {verdict}", path.display());
    let _ = writeln!(
        out,
        "messages: {}, pushes pending: {}, history entries: {}, quarantined records: {}",
        r.messages, r.pushes, r.changes, r.quarantined
    );
    if let Some(v) = r.newer_version {
        let _ = writeln!(out, "records of format version {v} (a newer build): not read, not damage");
    }
    if !r.problems.is_empty() {
        let _ = writeln!(out, "problems ({}):", r.problems.len());
        for p in &r.problems {
            let _ = writeln!(out, "  {p}");
        }
        let _ = writeln!(out, "salvage what reads with: smsgw store repair --store {}", path.display());
    }
    out
}

/// What `repair` did, in words.
pub fn repair_report(path: &Path, r: &RepairReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "store {}: repaired", path.display());
    let _ = writeln!(out, "kept: {} messages, {} pushes pending, {} history entries", r.messages, r.pushes, r.changes);
    let _ = writeln!(out, "quarantined ({}):", r.quarantined.len());
    for q in &r.quarantined {
        let key: String = q.key.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(out, "  {} {key}: {} ({} bytes kept)", q.table, q.reason, q.value.len());
    }
    for p in &r.problems {
        let _ = writeln!(out, "unsalvaged: {p}");
    }
    let _ = writeln!(out, "damaged store kept as {}", r.backup.display());
    out
}

pub fn run(cmd: &Command) -> Result<(), super::Error> {
    match cmd {
        Command::Check(target) => {
            let path = &target.path;
            let report = store::check(path, &config_for(path)?)?;
            print!("{}", check_report(path, &report));
            // Damage is reported above: exit 1 with nothing more to say.
            if report.is_ok() {
                Ok(())
            } else {
                Err(super::Error::Failed)
            }
        }
        Command::Repair(args) => {
            let path = &args.target.path;
            let config = config_for(path)?;
            match store::check(path, &config) {
                Ok(found) if found.is_ok() && !args.force => {
                    print!("{}", check_report(path, &found));
                    println!("nothing to repair (--force rewrites it anyway)");
                    return Ok(());
                }
                // Damage the engine cannot open past: the repair reads what the pages hold.
                Ok(_) | Err(store::Error::Corrupt { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let report = store::repair(path, &config)?;
            print!("{}", repair_report(path, &report));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::store::{Problem, Quarantined};

    #[test]
    fn reports_in_words() {
        let path = Path::new("/q");
        let mut r = CheckReport { messages: 3, pushes: 1, changes: 9, ..CheckReport::default() };
        assert_eq!(
            check_report(path, &r),
            "store /q: healthy\nmessages: 3, pushes pending: 1, history entries: 9, quarantined records: 0\n"
        );
        r.problems.push(Problem { table: "messages", key: vec![0, 26], detail: "record checksum mismatch".into() });
        let text = check_report(path, &r);
        assert!(text.starts_with("store /q: DAMAGED\n"), "{text}");
        assert!(text.contains("problems (1):\n  messages 001a: record checksum mismatch\n"), "{text}");
        assert!(text.ends_with("smsgw store repair --store /q\n"), "{text}");

        let fixed = RepairReport {
            messages: 2,
            quarantined: vec![Quarantined {
                table: "messages".into(),
                key: vec![0, 26],
                value: vec![1; 40],
                reason: "record checksum mismatch".into(),
            }],
            backup: PathBuf::from("/q.damaged-1"),
            ..RepairReport::default()
        };
        assert_eq!(
            repair_report(path, &fixed),
            "store /q: repaired\nkept: 2 messages, 0 pushes pending, 0 history entries\nquarantined (1):\n  \
             messages 001a: record checksum mismatch (40 bytes kept)\ndamaged store kept as /q.damaged-1\n"
        );
    }
}
