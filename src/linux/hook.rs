//! Running the user's program for each received message: no shell (the argument vector is
//! used as given, so nothing in a message can become a command), the message as JSON on its
//! stdin, and a time limit after which the program and everything it started is killed.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::linux::clock;

/// The most of the program's stderr kept for the log: enough for an error message, not a flood.
pub const HOOK_STDERR_BYTES: usize = 2_048;

/// How often a running program is checked for having ended.
const POLL: Duration = Duration::from_millis(20);

/// A program and its arguments, and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub argv: Vec<String>,
    pub timeout: Duration,
}

/// Why a run did not succeed.
#[derive(Debug)]
pub enum HookError {
    /// The program could not be started (missing, not executable).
    Start { program: String, source: io::Error },
    /// It ran longer than the limit and was killed.
    TimedOut { after: Duration },
    /// It ended with a failure status; `stderr` is the start of what it printed there.
    Failed { status: ExitStatus, stderr: String },
    /// Waiting for it failed.
    Wait(io::Error),
}

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HookError::Start { program, source } => write!(f, "cannot start {program}: {source}"),
            HookError::TimedOut { after } => write!(f, "killed after {} ms (the time limit)", after.as_millis()),
            HookError::Failed { status, stderr } if stderr.is_empty() => write!(f, "{status}"),
            HookError::Failed { status, stderr } => write!(f, "{status}: {}", stderr.trim_end()),
            HookError::Wait(e) => write!(f, "waiting for it failed: {e}"),
        }
    }
}

impl std::error::Error for HookError {}

impl Hook {
    /// Runs the program once with `input` on its stdin; `Ok` when it exits with status 0 in time.
    pub fn run(&self, input: &[u8]) -> Result<(), HookError> {
        let Some((program, args)) = self.argv.split_first() else {
            return Err(HookError::Start {
                program: String::new(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "no program"),
            });
        };
        // Checked first: where the exec happens in an emulated child (qemu-user), a program
        // that cannot start shows only as exit status 127, not as this clear error.
        if let Err(source) = std::fs::metadata(program) {
            return Err(HookError::Start { program: program.clone(), source });
        }
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills what it started too.
            .process_group(0)
            .spawn()
            .map_err(|source| HookError::Start { program: program.clone(), source })?;
        // The writer and the stderr reader run beside the wait, so that neither a program that
        // does not read its input nor one that writes a lot can block the gateway.
        let writer = child.stdin.take().map(|mut stdin| {
            let input = input.to_vec();
            std::thread::spawn(move || {
                // A program that exits without reading everything closes the pipe: not an error.
                let _ = stdin.write_all(&input);
            })
        });
        let reader = child.stderr.take().map(|stderr| {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let _ = stderr.take(HOOK_STDERR_BYTES as u64).read_to_end(&mut kept);
                String::from_utf8_lossy(&kept).into_owned()
            })
        });
        let status = wait_until(&mut child, self.timeout);
        if status.as_ref().is_err() {
            kill_group(&child);
            let _ = child.wait();
        }
        if let Some(w) = writer {
            let _ = w.join();
        }
        let stderr = reader.and_then(|r| r.join().ok()).unwrap_or_default();
        match status? {
            s if s.success() => Ok(()),
            s => Err(HookError::Failed { status: s, stderr }),
        }
    }
}

/// Waits for `child` to end, at most `limit`.
fn wait_until(child: &mut Child, limit: Duration) -> Result<ExitStatus, HookError> {
    let deadline = clock::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if clock::now().reached(deadline) => return Err(HookError::TimedOut { after: limit }),
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => return Err(HookError::Wait(e)),
        }
    }
}

// The one unsafe call here: kill(2) on the hook's process group.
#[allow(unsafe_code)]
fn kill_group(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads; it
        // touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> Hook {
        Hook { argv: vec!["/bin/sh".into(), "-c".into(), script.into()], timeout: Duration::from_millis(timeout_ms) }
    }

    #[test]
    fn the_input_reaches_the_program_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let hook = sh(&format!("cat > '{}'", out.display()), 5_000);
        let input = br#"{"text":"$(rm -rf /) `x` ; | & \"quoted\""}"#;
        hook.run(input).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), input);
    }

    #[test]
    fn arguments_are_not_split_or_interpreted() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("args");
        let hook = Hook {
            argv: vec![
                "/bin/sh".into(),
                "-c".into(),
                "printf '%s|' \"$@\" > \"$0\"".into(),
                out.display().to_string(),
                "a b".into(),
                "$HOME".into(),
                "; ls".into(),
            ],
            timeout: Duration::from_secs(5),
        };
        hook.run(b"").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "a b|$HOME|; ls|");
    }

    #[test]
    fn failures_say_why() {
        let e = sh("echo 'no database' >&2; exit 3", 5_000).run(b"{}").unwrap_err();
        assert!(matches!(e, HookError::Failed { .. }), "{e}");
        assert!(e.to_string().contains("no database") && e.to_string().contains('3'), "{e}");
        let e = Hook { argv: vec!["/nonexistent/hook".into()], timeout: Duration::from_secs(1) }.run(b"").unwrap_err();
        assert!(e.to_string().starts_with("cannot start /nonexistent/hook"), "{e}");
        let e = Hook { argv: vec![], timeout: Duration::from_secs(1) }.run(b"").unwrap_err();
        assert!(matches!(e, HookError::Start { .. }));
    }

    #[test]
    fn a_program_that_runs_too_long_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("late");
        // The background child would write the marker after 2 s unless the group is killed.
        let script = format!("(sleep 2; touch '{}') & sleep 30", marker.display());
        let e = sh(&script, 300).run(b"").unwrap_err();
        assert!(matches!(e, HookError::TimedOut { .. }), "{e}");
        std::thread::sleep(Duration::from_millis(2_500));
        assert!(!marker.exists(), "the child of the hook was killed too");
    }

    #[test]
    fn a_program_that_ignores_its_input_is_fine() {
        sh("exit 0", 5_000).run(&vec![b'x'; 1 << 20]).unwrap();
    }
}
