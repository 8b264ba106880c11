//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// A `Command` for a program built for the target. Under qemu-user (cross targets, no
/// binfmt_misc) the program in `SMSGW_TEST_RUNNER` (e.g. `qemu-aarch64-static -L
/// /usr/aarch64-linux-gnu`) runs it.
pub fn target_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    match std::env::var("SMSGW_TEST_RUNNER") {
        Ok(runner) if !runner.trim().is_empty() => {
            let mut words = runner.split_whitespace();
            let mut cmd = Command::new(words.next().unwrap());
            cmd.args(words).arg(program);
            cmd
        }
        _ => Command::new(program),
    }
}

/// A `Command` for the built `smsgw` binary.
pub fn smsgw() -> Command {
    target_command(env!("CARGO_BIN_EXE_smsgw"))
}

/// A `Command` for the running test binary itself: how crash tests start the child they kill.
pub fn this_test_binary() -> Command {
    target_command(std::env::current_exe().unwrap())
}

/// Runs `smsgw ARGS`, with `stdin` fed to it when given, and returns what it did.
pub fn run<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&str>) -> Output {
    let mut cmd = smsgw();
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("start smsgw");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().expect("wait for smsgw")
}
