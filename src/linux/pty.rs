//! A pseudo-terminal that looks like a serial port to whoever opens its slave side.
//!
//! std has no API for `openpty`, termios or `poll`; this module wraps the few libc calls the
//! simulator server needs, each checked.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use super::tty::{check, set_raw};

/// The master side of a pty, non-blocking, and the path of its slave (`/dev/pts/N`).
#[derive(Debug)]
pub struct Pty {
    master: OwnedFd,
    slave_path: PathBuf,
}

impl Pty {
    /// Opens a pty pair and puts the slave in raw mode at 115200 baud, as a USB serial port is:
    /// no echo, no line editing, no CR/LF translation, 8 data bits. The slave is closed again:
    /// whoever opens the path gets the port, and the master sees when nobody has it open.
    pub fn open() -> io::Result<Pty> {
        let mut master: RawFd = -1;
        let mut slave: RawFd = -1;
        // SAFETY: openpty writes two descriptors; name, termios and winsize may be null.
        check(unsafe {
            libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null())
        })?;
        // SAFETY: openpty succeeded, so both are open descriptors that nothing else owns.
        let master = unsafe { OwnedFd::from_raw_fd(master) };
        let slave = unsafe { OwnedFd::from_raw_fd(slave) };
        set_raw(slave.as_raw_fd(), 115_200)?;
        let slave_path = tty_name(slave.as_raw_fd())?;
        set_nonblocking(master.as_raw_fd())?;
        drop(slave);
        Ok(Pty { master, slave_path })
    }

    pub fn slave_path(&self) -> &std::path::Path {
        &self.slave_path
    }

    pub fn master_fd(&self) -> RawFd {
        self.master.as_raw_fd()
    }

    /// Reads what the host wrote. `Ok(0)` when nothing is there or nobody has the port open.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(self.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        match io::Error::last_os_error() {
            // EIO: the slave is closed. EAGAIN: nothing to read.
            e if matches!(e.raw_os_error(), Some(libc::EIO) | Some(libc::EAGAIN)) => Ok(0),
            e => Err(e),
        }
    }

    /// Writes to the host; returns how much was taken (0 when the port's buffer is full).
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::write(self.master.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        match io::Error::last_os_error() {
            e if e.raw_os_error() == Some(libc::EAGAIN) => Ok(0),
            e => Err(e),
        }
    }

    /// Whether some process has the slave open: the master reports a hang-up when none does.
    pub fn has_peer(&self) -> io::Result<bool> {
        let mut fds = [libc::pollfd { fd: self.master.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
        poll(&mut fds, 0)?;
        Ok(fds[0].revents & libc::POLLHUP == 0)
    }
}

fn tty_name(fd: RawFd) -> io::Result<PathBuf> {
    let mut buf = [0 as libc::c_char; 128];
    // SAFETY: buf is valid for its length; ttyname_r NUL-terminates on success.
    let ret = unsafe { libc::ttyname_r(fd, buf.as_mut_ptr(), buf.len()) };
    if ret != 0 {
        return Err(io::Error::from_raw_os_error(ret));
    }
    // SAFETY: NUL-terminated by ttyname_r.
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
    Ok(PathBuf::from(name.to_string_lossy().into_owned()))
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on an open descriptor.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) })?;
    Ok(())
}

pub use super::tty::poll;

/// Set by SIGTERM or SIGINT.
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Makes SIGTERM and SIGINT set a flag (see [`stop_requested`]) and interrupt `poll`, instead
/// of killing the process, so that it can clean up.
pub fn catch_termination() -> io::Result<()> {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: sigaction is plain data; the handler only stores to an atomic.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        // No SA_RESTART: poll returns EINTR at once.
        action.sa_flags = 0;
        check(unsafe { libc::sigemptyset(&mut action.sa_mask) })?;
        check(unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) })?;
    }
    Ok(())
}

pub fn stop_requested() -> bool {
    STOP.load(std::sync::atomic::Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn slave_is_raw_and_the_master_sees_its_peer() {
        let pty = Pty::open().unwrap();
        assert!(!pty.has_peer().unwrap());
        let mut port = std::fs::OpenOptions::new().read(true).write(true).open(pty.slave_path()).unwrap();
        assert!(pty.has_peer().unwrap());
        // Raw: CR stays CR, nothing is echoed back to the writer.
        port.write_all(b"AT\r").unwrap();
        let mut buf = [0u8; 16];
        let mut got = Vec::new();
        for _ in 0..100 {
            let n = pty.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
            if got.len() >= 3 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(got, b"AT\r");
        assert_eq!(pty.write(b"\r\nOK\r\n").unwrap(), 6);
        let mut answer = [0u8; 6];
        port.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"\r\nOK\r\n");
        drop(port);
        assert!(!pty.has_peer().unwrap());
    }
}
