//! The daemon's log: lines to stderr and, optionally, to a file that rotates by size.
//!
//! Under systemd (`JOURNAL_STREAM` set) each stderr line starts with its syslog priority
//! (`<3>` error … `<7>` debug), which journald turns into the entry's level, and carries no
//! timestamp (the journal adds its own). Elsewhere stderr and the file get
//! `2024-01-15T10:30:45.123Z WARN  text`. `SMSGW_LOG` (error, warn, info, debug, trace)
//! overrides the configured level, for a quick look without editing the config.
//!
//! Small and hand-rolled: one mutex around the sinks, one atomic for the level check, so a
//! disabled `debug!` costs a load and a compare.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use super::{clock, dates};

/// How much a line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::Error, Level::Warn, Level::Info, Level::Debug, Level::Trace];

    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }

    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The syslog priority journald reads from a `<N>` prefix (RFC 5424 severities; trace
    /// has none of its own and shares debug's).
    pub fn syslog_priority(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warn => 4,
            Level::Info => 6,
            Level::Debug | Level::Trace => 7,
        }
    }

    /// The word in file lines, padded so the texts line up.
    fn tag(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    fn from_u8(n: u8) -> Option<Level> {
        Level::ALL.into_iter().find(|l| *l as u8 == n)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the log goes and how much of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub level: Level,
    /// Lines to stderr (the journal under systemd).
    pub stderr: bool,
    /// A file besides, rotated when it would grow past `max_size`.
    pub file: Option<PathBuf>,
    pub max_size: u64,
    /// Rotated files kept (`smsgw.log.1` … `.keep`); 0 starts the file afresh instead.
    pub keep: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { level: Level::Info, stderr: true, file: None, max_size: 10 * 1024 * 1024, keep: 5 }
    }
}

/// A log file that rotates by size: `path` → `path.1` → … → `path.keep`.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    max_size: u64,
    keep: u32,
}

impl RotatingFile {
    pub fn open(path: &Path, max_size: u64, keep: u32) -> io::Result<RotatingFile> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile { path: path.to_path_buf(), file, size, max_size: max_size.max(1), keep })
    }

    /// The name of the `n`-th older file.
    pub fn rotated(path: &Path, n: u32) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// Appends one line (the newline included); rotates first when it would not fit.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        let len = line.len() as u64;
        if self.size > 0 && self.size + len > self.max_size {
            self.rotate()?;
        }
        self.file.write_all(line.as_bytes())?;
        self.size += len;
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        if self.keep == 0 {
            self.file.set_len(0)?;
        } else {
            let _ = std::fs::remove_file(Self::rotated(&self.path, self.keep));
            for n in (1..self.keep).rev() {
                let from = Self::rotated(&self.path, n);
                if from.exists() {
                    std::fs::rename(&from, Self::rotated(&self.path, n + 1))?;
                }
            }
            std::fs::rename(&self.path, Self::rotated(&self.path, 1))?;
            self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        }
        self.size = 0;
        Ok(())
    }
}

struct Sinks {
    stderr: bool,
    journal: bool,
    file: Option<RotatingFile>,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
// Unit tests log nowhere: their output is the harness's.
static SINKS: Mutex<Sinks> = Mutex::new(Sinks { stderr: !cfg!(test), journal: false, file: None });

/// Whether stderr goes to journald: systemd sets `JOURNAL_STREAM` for a service whose stderr
/// is connected to the journal.
pub fn under_journal() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some_and(|v| !v.is_empty())
}

/// The level `SMSGW_LOG` asks for, if it names one.
pub fn level_from_env() -> Option<Level> {
    std::env::var("SMSGW_LOG").ok().and_then(|v| Level::from_name(&v))
}

/// Sets the log up for the process. Without a call, lines at info and above go to stderr.
pub fn init(settings: &Settings) -> io::Result<()> {
    let file = match &settings.file {
        Some(path) => Some(RotatingFile::open(path, settings.max_size, settings.keep)?),
        None => None,
    };
    let level = level_from_env().unwrap_or(settings.level);
    LEVEL.store(level as u8, Ordering::Relaxed);
    let mut sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    *sinks = Sinks { stderr: settings.stderr, journal: under_journal(), file };
    Ok(())
}

/// The level in force.
pub fn level() -> Level {
    Level::from_u8(LEVEL.load(Ordering::Relaxed)).unwrap_or(Level::Info)
}

pub fn enabled(level: Level) -> bool {
    level as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// A line as the file and a plain stderr get it, newline included.
pub fn format_line(unix_ms: u64, level: Level, text: &str) -> String {
    format!("{} {} {text}\n", dates::iso_utc_millis(unix_ms), level.tag())
}

/// The level of a line [`format_line`] wrote, if it is one.
pub fn line_level(line: &str) -> Option<Level> {
    let tag = line.split_whitespace().nth(1)?;
    Level::ALL.into_iter().find(|l| l.tag().trim_end() == tag)
}

/// Writes one line at `level`. Use the macros ([`error!`](crate::linux::log::error) …).
pub fn write(level: Level, args: fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let text = args.to_string();
    let mut sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    let plain = (sinks.stderr && !sinks.journal) || sinks.file.is_some();
    let line = if plain { format_line(clock::unix_millis(), level, &text) } else { String::new() };
    if sinks.stderr {
        let mut err = io::stderr().lock();
        // A log line that cannot be written has nowhere else to go.
        let _ = if sinks.journal {
            // One entry per line: a multi-line text becomes several, each with its priority.
            text.lines().try_for_each(|l| writeln!(err, "<{}>{l}", level.syslog_priority()))
        } else {
            err.write_all(line.as_bytes())
        };
    }
    if let Some(file) = sinks.file.as_mut() {
        let _ = file.write_line(&line);
    }
}

macro_rules! error {
    ($($arg:tt)+) => { $crate::linux::log::write($crate::linux::log::Level::Error, format_args!($($arg)+)) };
}
macro_rules! warning {
    ($($arg:tt)+) => { $crate::linux::log::write($crate::linux::log::Level::Warn, format_args!($($arg)+)) };
}
macro_rules! info {
    ($($arg:tt)+) => { $crate::linux::log::write($crate::linux::log::Level::Info, format_args!($($arg)+)) };
}
macro_rules! debug {
    ($($arg:tt)+) => { $crate::linux::log::write($crate::linux::log::Level::Debug, format_args!($($arg)+)) };
}
#[allow(unused_macros)]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::linux::log::write($crate::linux::log::Level::Trace, format_args!($($arg)+)) };
}
#[allow(unused_imports, unused_macros)]
pub(crate) use {debug, error, info, trace, warning};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_name_and_priority() {
        let cases: &[(&str, Option<Level>, u8)] = &[
            ("error", Some(Level::Error), 3),
            ("WARN", Some(Level::Warn), 4),
            (" info ", Some(Level::Info), 6),
            ("debug", Some(Level::Debug), 7),
            ("trace", Some(Level::Trace), 7),
            ("verbose", None, 0),
        ];
        for &(name, level, prio) in cases {
            assert_eq!(Level::from_name(name), level, "{name}");
            if let Some(l) = level {
                assert_eq!(l.syslog_priority(), prio);
                assert_eq!(Level::from_name(l.name()), Some(l));
            }
        }
        assert!(Level::Error < Level::Warn && Level::Debug < Level::Trace);
    }

    #[test]
    fn lines_carry_their_level() {
        let line = format_line(1_705_314_645_123, Level::Warn, "modem: no answer");
        assert_eq!(line, "2024-01-15T10:30:45.123Z WARN  modem: no answer\n");
        for l in Level::ALL {
            assert_eq!(line_level(&format_line(0, l, "x")), Some(l));
        }
        assert_eq!(line_level("random text"), None);
    }

    #[test]
    fn the_file_rotates_by_size_and_keeps_n() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smsgw.log");
        let mut f = RotatingFile::open(&path, 100, 2).unwrap();
        // 40-byte lines: two fit in 100 bytes, the third rotates.
        let line = |i: usize| format!("{i:039}\n");
        for i in 0..7 {
            f.write_line(&line(i)).unwrap();
        }
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        assert_eq!(read(path.clone()), line(6));
        assert_eq!(read(RotatingFile::rotated(&path, 1)), line(4) + &line(5));
        assert_eq!(read(RotatingFile::rotated(&path, 2)), line(2) + &line(3));
        assert!(!RotatingFile::rotated(&path, 3).exists(), "only 2 kept");
        // An existing file counts towards the size when opened again.
        let mut f = RotatingFile::open(&path, 100, 0).unwrap();
        f.write_line(&line(7)).unwrap();
        f.write_line(&line(8)).unwrap();
        assert_eq!(read(path.clone()), line(8), "keep 0: started afresh");
    }
}
