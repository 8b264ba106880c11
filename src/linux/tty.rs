//! The few terminal calls std has no API for: raw mode at a baud rate, exclusive access, `poll`.
//! Used by the modem's serial port and by the simulator's pseudo-terminal.
//!
//! Plain termios (`TCGETS`/`TCSETS`) only: every kernel and qemu-user emulate it, while the
//! `termios2` ioctls some serial libraries use for arbitrary rates are missing from qemu-user,
//! where the ARM builds' tests run. Modems use standard rates.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::RawFd;

/// A libc return value as a `Result`, with errno as the error.
pub fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The termios speed constant for `baud`, or an error naming the rates there are.
pub fn speed(baud: u32) -> io::Result<libc::speed_t> {
    Ok(match baud {
        1200 => libc::B1200,
        2400 => libc::B2400,
        4800 => libc::B4800,
        9600 => libc::B9600,
        19_200 => libc::B19200,
        38_400 => libc::B38400,
        57_600 => libc::B57600,
        115_200 => libc::B115200,
        230_400 => libc::B230400,
        460_800 => libc::B460800,
        921_600 => libc::B921600,
        1_000_000 => libc::B1000000,
        2_000_000 => libc::B2000000,
        3_000_000 => libc::B3000000,
        4_000_000 => libc::B4000000,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{baud} baud is not a standard rate (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600…)"
                ),
            ))
        }
    })
}

/// Raw mode at `baud`, 8N1, no flow control: no echo, no line editing, no CR/LF translation,
/// reads return what has arrived.
pub fn set_raw(fd: RawFd, baud: u32) -> io::Result<()> {
    let rate = speed(baud)?;
    // SAFETY: termios is plain data; tcgetattr fills it before it is read.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    check(unsafe { libc::tcgetattr(fd, &mut t) })?;
    // SAFETY: t was filled by tcgetattr.
    unsafe {
        libc::cfmakeraw(&mut t);
        check(libc::cfsetispeed(&mut t, rate))?;
        check(libc::cfsetospeed(&mut t, rate))?;
    }
    t.c_cflag &= !(libc::CSTOPB | libc::PARENB | libc::CRTSCTS);
    t.c_cflag |= libc::CLOCAL | libc::CREAD | libc::CS8;
    t.c_iflag &= !(libc::IXON | libc::IXOFF | libc::IXANY);
    t.c_cc[libc::VMIN] = 1;
    t.c_cc[libc::VTIME] = 0;
    // SAFETY: fd is open; t is a valid termios.
    check(unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) })?;
    Ok(())
}

/// Refuses further opens of the terminal by others (`TIOCEXCL`; root is not refused).
pub fn set_exclusive(fd: RawFd) -> io::Result<()> {
    // SAFETY: an ioctl without argument on an open descriptor.
    check(unsafe { libc::ioctl(fd, libc::TIOCEXCL) })?;
    Ok(())
}

/// Drops what was received and not read yet.
pub fn flush_input(fd: RawFd) -> io::Result<()> {
    // SAFETY: tcflush on an open descriptor.
    check(unsafe { libc::tcflush(fd, libc::TCIFLUSH) })?;
    Ok(())
}

/// Waits until what was written has been handed to the device.
pub fn drain(fd: RawFd) -> io::Result<()> {
    // SAFETY: tcdrain on an open descriptor.
    check(unsafe { libc::tcdrain(fd) })?;
    Ok(())
}

/// `poll(2)`; an interrupted wait counts as "nothing happened".
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    // SAFETY: fds is a valid array of pollfd for its length.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n >= 0 {
        return Ok(n as usize);
    }
    match io::Error::last_os_error() {
        e if e.raw_os_error() == Some(libc::EINTR) => Ok(0),
        e => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_rates_only() {
        assert_eq!(speed(115_200).unwrap(), libc::B115200);
        let e = speed(115_000).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("115000 baud"));
    }
}
