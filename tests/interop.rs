//! The codec agrees with two independent implementations, libGammu and python-gsmmodem-new:
//! runs `tests/interop/crosscheck.py` against the built `smsgw` binary, with the Python venv that
//! `scripts/interop-setup.sh` makes (Debian's python with the libGammu binding, plus
//! python-gsmmodem-new).
//!
//! `SMSGW_SKIP_INTEROP=1` skips it (the cross-target runs under qemu do, since the Python tools
//! are host binaries); `SMSGW_PYENV` points at another venv.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pyenv() -> PathBuf {
    match std::env::var_os("SMSGW_PYENV") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let home = std::env::var_os("HOME").expect("HOME is not set");
            Path::new(&home).join(".cache/smsgw/pyenv")
        }
    }
}

#[test]
fn pdus_agree_with_libgammu_and_python_gsmmodem() {
    if std::env::var("SMSGW_SKIP_INTEROP").as_deref() == Ok("1") {
        // Written to the real stderr, past the test harness's capture, so a skip is never silent.
        let _ = writeln!(
            std::io::stderr(),
            "\n***** SKIPPED: cross-checks against libGammu and python-gsmmodem (SMSGW_SKIP_INTEROP=1) *****\n"
        );
        return;
    }
    let python = pyenv().join("bin/python");
    assert!(
        python.exists(),
        "no Python venv at {}: run scripts/interop-setup.sh first (or set SMSGW_SKIP_INTEROP=1 to skip)",
        python.display()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/crosscheck.py");
    let out = Command::new(&python)
        .arg(&script)
        .env("SMSGW_BIN", env!("CARGO_BIN_EXE_smsgw"))
        .output()
        .expect("start the cross-check script");
    // Shown by the test harness when the test fails (or with --nocapture).
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the cross-check found unexpected mismatches ({}); see its output above", out.status);
}
