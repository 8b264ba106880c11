//! USB port reset of the modem behind a tty: `USBDEVFS_RESET` on its device node. Needs no
//! wiring: the host controller re-enumerates the device as if it were plugged in again, which
//! brings back a dongle whose firmware stopped answering on its serial interfaces.
//!
//! The device is found through sysfs: `/sys/class/tty/ttyUSB0/device` points into the USB
//! device tree (at the usb-serial port or the interface); the first directory above it with
//! `busnum` and `devnum` is the USB device, and its node is `/dev/bus/usb/BBB/DDD`.
#![allow(unsafe_code)]

use std::fmt;
use std::fs;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// `_IO('U', 20)` of `<linux/usbdevice_fs.h>`: no direction, no size.
const USBDEVFS_RESET: u32 = ((b'U' as u32) << 8) | 20;

/// The USB device a tty belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDevice {
    /// Its directory in sysfs (`/sys/devices/.../1-1.3`).
    pub sysfs: PathBuf,
    pub bus: u16,
    pub dev: u16,
}

impl UsbDevice {
    /// Its device node under `dev_root` (`/dev`): `bus/usb/BBB/DDD`.
    pub fn node(&self, dev_root: &Path) -> PathBuf {
        dev_root.join(format!("bus/usb/{:03}/{:03}", self.bus, self.dev))
    }
}

/// Why a USB reset could not be done.
#[derive(Debug)]
pub enum UsbError {
    /// The tty does not exist (the modem is gone).
    NoTty { tty: PathBuf, reason: io::Error },
    /// The tty is not on USB (a UART on the header, a pty): there is no port to reset.
    NotUsb { tty: String },
    /// `busnum` or `devnum` could not be read.
    Sysfs { path: PathBuf, reason: String },
    /// Opening the node or the ioctl failed (permissions: it needs root or a udev rule).
    Reset { node: PathBuf, reason: io::Error },
}

impl fmt::Display for UsbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsbError::NoTty { tty, reason } => write!(f, "{}: {reason}", tty.display()),
            UsbError::NotUsb { tty } => write!(f, "{tty} is not a USB device: no USB port to reset"),
            UsbError::Sysfs { path, reason } => write!(f, "{}: {reason}", path.display()),
            UsbError::Reset { node, reason } => write!(f, "USB reset of {}: {reason}", node.display()),
        }
    }
}

impl std::error::Error for UsbError {}

/// The USB device behind `tty` (`/dev/ttyUSB0`, or a symlink to it such as
/// `/dev/serial/by-id/...`), looked up in the sysfs mounted at `sys_root`.
pub fn usb_device_of_tty(sys_root: &Path, tty: &Path) -> Result<UsbDevice, UsbError> {
    let real = fs::canonicalize(tty).map_err(|reason| UsbError::NoTty { tty: tty.to_path_buf(), reason })?;
    let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let not_usb = || UsbError::NotUsb { tty: name.clone() };
    let device = fs::canonicalize(sys_root.join("class/tty").join(&name).join("device")).map_err(|_| not_usb())?;
    let top = sys_root.join("devices");
    for dir in device.ancestors() {
        if !dir.starts_with(&top) || dir == top {
            break;
        }
        let (busnum, devnum) = (dir.join("busnum"), dir.join("devnum"));
        if busnum.is_file() && devnum.is_file() {
            return Ok(UsbDevice { sysfs: dir.to_path_buf(), bus: read_number(&busnum)?, dev: read_number(&devnum)? });
        }
    }
    Err(not_usb())
}

fn read_number(path: &Path) -> Result<u16, UsbError> {
    let text =
        fs::read_to_string(path).map_err(|e| UsbError::Sysfs { path: path.to_path_buf(), reason: e.to_string() })?;
    text.trim()
        .parse()
        .map_err(|_| UsbError::Sysfs { path: path.to_path_buf(), reason: format!("not a number: {text:?}") })
}

/// Resets the USB device whose node is `node`.
pub fn reset_node(node: &Path) -> Result<(), UsbError> {
    let err = |reason| UsbError::Reset { node: node.to_path_buf(), reason };
    let file = fs::OpenOptions::new().write(true).open(node).map_err(err)?;
    // SAFETY: USBDEVFS_RESET takes no argument; the descriptor is open for the whole call.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), USBDEVFS_RESET as _, 0) };
    if rc < 0 {
        return Err(err(io::Error::last_os_error()));
    }
    Ok(())
}

/// Resets the USB device behind `tty`, found through `/sys`, at its node under `/dev`.
pub fn reset_tty(tty: &Path) -> Result<UsbDevice, UsbError> {
    let device = usb_device_of_tty(Path::new("/sys"), tty)?;
    reset_node(&device.node(Path::new("/dev")))?;
    Ok(device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A sysfs tree like a Raspberry Pi's with a USB dongle (usb-serial ttyUSB0 and ttyUSB1 on
    /// two interfaces, ttyACM0 on another dongle), a header UART and a pty, and a /dev with
    /// stable names pointing at them.
    struct FakeSys {
        dir: tempfile::TempDir,
    }

    impl FakeSys {
        fn new() -> FakeSys {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let usb = root.join("sys/devices/platform/scb/fd500000.pcie/pci0000:00/0000:01:00.0/usb1/1-1");
            let write = |p: PathBuf, text: &str| {
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, text).unwrap();
            };
            // The hub and the dongle: both USB devices; the tty must find the dongle, not the hub.
            write(usb.join("busnum"), "1\n");
            write(usb.join("devnum"), "2\n");
            let dongle = usb.join("1-1.3");
            write(dongle.join("busnum"), "1\n");
            write(dongle.join("devnum"), "5\n");
            let acm = usb.join("1-1.4");
            write(acm.join("busnum"), "1\n");
            write(acm.join("devnum"), "17\n");
            let uart = root.join("sys/devices/platform/soc/fe201000.serial");
            fs::create_dir_all(&uart).unwrap();
            let class = root.join("sys/class/tty");
            fs::create_dir_all(&class).unwrap();
            let dev = root.join("dev");
            fs::create_dir_all(dev.join("serial/by-id")).unwrap();
            for (name, device) in [
                ("ttyUSB0", dongle.join("1-1.3:1.0/ttyUSB0")),
                ("ttyUSB1", dongle.join("1-1.3:1.2/ttyUSB1")),
                ("ttyACM0", acm.join("1-1.4:1.0")),
                ("ttyAMA0", uart.clone()),
            ] {
                fs::create_dir_all(device.join("tty").join(name)).unwrap();
                symlink(device.join("tty").join(name), class.join(name)).unwrap();
                symlink(&device, class.join(name).join("device")).unwrap();
                fs::write(dev.join(name), "").unwrap();
            }
            // A pty has no device link at all.
            fs::create_dir_all(class.join("pts0")).unwrap();
            fs::write(dev.join("pts0"), "").unwrap();
            symlink(dev.join("ttyUSB1"), dev.join("smsgw-modem")).unwrap();
            symlink(dev.join("ttyUSB0"), dev.join("serial/by-id/usb-HUAWEI_Mobile-if00-port0")).unwrap();
            FakeSys { dir }
        }

        fn sys(&self) -> PathBuf {
            self.dir.path().join("sys")
        }

        fn dev(&self, name: &str) -> PathBuf {
            self.dir.path().join("dev").join(name)
        }
    }

    #[test]
    fn the_walk_finds_the_usb_device_above_the_tty() {
        let fake = FakeSys::new();
        /// The tty, and the bus, device number and sysfs directory it must lead to.
        type Case<'a> = (&'a str, Option<(u16, u16, &'a str)>);
        let cases: &[Case<'_>] = &[
            ("ttyUSB0", Some((1, 5, "1-1.3"))),
            ("smsgw-modem", Some((1, 5, "1-1.3"))),
            ("serial/by-id/usb-HUAWEI_Mobile-if00-port0", Some((1, 5, "1-1.3"))),
            ("ttyACM0", Some((1, 17, "1-1.4"))),
            ("ttyAMA0", None),
            ("pts0", None),
        ];
        for (tty, want) in cases {
            let got = usb_device_of_tty(&fake.sys(), &fake.dev(tty));
            match (got, want) {
                (Ok(d), Some((bus, dev, dir))) => {
                    assert_eq!((d.bus, d.dev), (*bus, *dev), "{tty}");
                    assert!(d.sysfs.ends_with(dir), "{tty}: {}", d.sysfs.display());
                }
                (Err(UsbError::NotUsb { .. }), None) => {}
                (got, want) => panic!("{tty}: {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn nodes_and_errors() {
        let fake = FakeSys::new();
        let d = usb_device_of_tty(&fake.sys(), &fake.dev("ttyUSB0")).unwrap();
        assert_eq!(d.node(Path::new("/dev")), Path::new("/dev/bus/usb/001/005"));
        assert!(matches!(usb_device_of_tty(&fake.sys(), &fake.dev("ttyUSB9")), Err(UsbError::NoTty { .. })));
        // A garbled devnum is an error that names the file.
        let devnum = d.sysfs.join("devnum");
        fs::write(&devnum, "five").unwrap();
        let e = usb_device_of_tty(&fake.sys(), &fake.dev("ttyUSB0")).unwrap_err();
        assert!(e.to_string().contains("devnum") && e.to_string().contains("five"), "{e}");
        // Resetting a node that is not a USB device fails with the reason, never silently.
        let e = reset_node(&fake.dev("ttyUSB0")).unwrap_err();
        assert!(matches!(e, UsbError::Reset { .. }), "{e}");
        assert_eq!(USBDEVFS_RESET, 0x5514);
    }
}
