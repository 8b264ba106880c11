//! SIGTERM and SIGINT: the first asks the gateway to stop (finish the part in flight, then
//! exit 0); a second one ends the process at once with 128 + the signal (143 or 130), for the
//! person who does not want to wait.
#![allow(unsafe_code)]

use std::io;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

static RECEIVED: AtomicU32 = AtomicU32::new(0);
static LAST: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    if RECEIVED.fetch_add(1, Ordering::SeqCst) >= 1 {
        // SAFETY: _exit is async-signal-safe; nothing is flushed, which is the point.
        unsafe { libc::_exit(128 + sig) };
    }
    LAST.store(sig, Ordering::SeqCst);
}

/// Catches SIGTERM and SIGINT for the rest of the process's life.
pub fn install() -> io::Result<()> {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: sigaction is plain data; the handler only touches atomics and calls _exit.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: valid pointers to owned data.
        if unsafe { libc::sigemptyset(&mut action.sa_mask) } != 0
            || unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether a stop was asked for.
pub fn stop_requested() -> bool {
    RECEIVED.load(Ordering::SeqCst) > 0
}

/// The signal that asked, for the log.
pub fn last_signal() -> Option<&'static str> {
    match LAST.load(Ordering::SeqCst) {
        libc::SIGTERM => Some("SIGTERM"),
        libc::SIGINT => Some("SIGINT"),
        _ => None,
    }
}
