//! The modem's serial port: 8N1 raw at the configured speed, opened exclusively.
//!
//! USB modems ignore the baud rate (the USB link sets the pace), but a UART-wired module on a
//! board's GPIO header needs it right; 115200 is what the common modules default to.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tty;

/// Default line speed.
pub const DEFAULT_BAUD: u32 = 115_200;

/// Bytes read from the port in one call: a full `+CMGL` line with its PDU and then some.
pub const READ_CHUNK: usize = 1024;

/// An open modem port.
#[derive(Debug)]
pub struct Port {
    path: PathBuf,
    file: File,
}

impl Port {
    /// Opens `path` (following symlinks such as `/dev/serial/by-id/...`) exclusively, so that
    /// ModemManager or a second gateway cannot talk to the modem at the same time.
    pub fn open(path: &Path, baud: u32) -> io::Result<Port> {
        let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        // Non-blocking: reads wait in `poll`, with a timeout, never in `read`. No controlling
        // terminal: a modem hanging up must not send the gateway SIGHUP.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)
            .map_err(named)?;
        let fd = file.as_raw_fd();
        tty::set_raw(fd, baud).map_err(named)?;
        tty::set_exclusive(fd).map_err(named)?;
        // Whatever the modem said before we opened the port answers nobody's command.
        tty::flush_input(fd).map_err(named)?;
        Ok(Port { path: path.to_path_buf(), file })
    }

    /// The path the port was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what has arrived, waiting at most `timeout`. `Ok(0)` means nothing came in time;
    /// an error means the device is gone (USB unplugged, modem rebooted into a new device node).
    pub fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let fd = self.file.as_raw_fd();
        let mut fds = [libc::pollfd { fd, events: libc::POLLIN, revents: 0 }];
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        if tty::poll(&mut fds, ms)? == 0 {
            return Ok(0);
        }
        if fds[0].revents & libc::POLLIN == 0 && fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
        {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "serial device hung up"));
        }
        match self.file.read(buf) {
            Ok(0) => Err(io::Error::new(io::ErrorKind::NotConnected, "serial device closed")),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Writes all of `bytes` and waits until they are handed to the device.
    pub fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        let fd = self.file.as_raw_fd();
        while !bytes.is_empty() {
            match self.file.write(bytes) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "serial device takes no more")),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // The driver's buffer is full: wait (bounded) for room.
                    let mut fds = [libc::pollfd { fd, events: libc::POLLOUT, revents: 0 }];
                    if tty::poll(&mut fds, 5_000)? == 0 {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "serial device takes no more"));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        tty::drain(fd)
    }
}
