//! GPIO lines through the character device (`/dev/gpiochipN`), with `gpiocdev`: uAPI v2 where
//! the kernel has it, v1 on older kernels.

use std::fmt;
use std::path::{Path, PathBuf};

use embedded_hal::digital::{ErrorKind, ErrorType, OutputPin, StatefulOutputPin};
use gpiocdev::line::Value;
use gpiocdev::Request;

use super::config::{ChipRef, LineRef};

/// The consumer label the kernel shows for our lines (`gpioinfo`).
pub const CONSUMER: &str = "smsgw";

/// A line the kernel refused to set.
#[derive(Debug)]
pub struct GpioError(pub gpiocdev::Error);

impl fmt::Display for GpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl embedded_hal::digital::Error for GpioError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

/// One requested output line. Dropped, it is set to its rest level before it is released,
/// so the modem stays powered (power line inactive) and the LEDs go dark when the gateway
/// stops; after release the kernel leaves the line where it was.
#[derive(Debug)]
pub struct GpioPin {
    request: Request,
    offset: u32,
    high: bool,
    rest_high: bool,
}

impl GpioPin {
    /// Requests `offset` on `chip` as an output at `initial_high`, to be left at `rest_high`.
    pub fn request(chip: &Path, offset: u32, initial_high: bool, rest_high: bool) -> Result<GpioPin, gpiocdev::Error> {
        let request = Request::builder()
            .on_chip(chip)
            .with_consumer(CONSUMER)
            .with_line(offset)
            .as_output(value(initial_high))
            .request()?;
        Ok(GpioPin { request, offset, high: initial_high, rest_high })
    }

    pub fn offset(&self) -> u32 {
        self.offset
    }

    fn set(&mut self, high: bool) -> Result<(), GpioError> {
        self.request.set_value(self.offset, value(high)).map_err(GpioError)?;
        self.high = high;
        Ok(())
    }
}

fn value(high: bool) -> Value {
    // Requested active-high: the value is the electrical level; polarity is the board's.
    if high {
        Value::Active
    } else {
        Value::Inactive
    }
}

impl Drop for GpioPin {
    fn drop(&mut self) {
        if self.high != self.rest_high {
            let _ = self.request.set_value(self.offset, value(self.rest_high));
        }
    }
}

impl ErrorType for GpioPin {
    type Error = GpioError;
}

impl OutputPin for GpioPin {
    fn set_low(&mut self) -> Result<(), GpioError> {
        self.set(false)
    }

    fn set_high(&mut self) -> Result<(), GpioError> {
        self.set(true)
    }
}

impl StatefulOutputPin for GpioPin {
    fn is_set_high(&mut self) -> Result<bool, GpioError> {
        Ok(self.high)
    }

    fn is_set_low(&mut self) -> Result<bool, GpioError> {
        Ok(!self.high)
    }
}

/// The device path of `chip`: the path as given, or the chip whose label matches.
pub fn find_chip(chip: &ChipRef) -> Result<PathBuf, String> {
    match chip {
        ChipRef::Path(p) => gpiocdev::chip::is_chip(p).map_err(|e| format!("{}: {e}", p.display())),
        ChipRef::Label(label) => {
            let chips = gpiocdev::chip::chips().map_err(|e| format!("listing GPIO chips: {e}"))?;
            let mut seen = Vec::new();
            for path in chips {
                let Ok(info) = gpiocdev::Chip::from_path(&path).and_then(|c| c.info()) else { continue };
                if info.label == *label {
                    return Ok(path);
                }
                seen.push(format!("{} ({})", path.display(), info.label));
            }
            Err(format!("no GPIO chip labelled {label:?} (found: {})", list(&seen)))
        }
    }
}

/// The offset of `line` on the chip at `chip`.
pub fn find_line(chip: &Path, line: &LineRef) -> Result<u32, String> {
    let c = gpiocdev::Chip::from_path(chip).map_err(|e| format!("{}: {e}", chip.display()))?;
    let info = c.info().map_err(|e| format!("{}: {e}", chip.display()))?;
    match line {
        LineRef::Offset(n) if *n < info.num_lines => Ok(*n),
        LineRef::Offset(n) => Err(format!("{} has {} lines, no line {n}", chip.display(), info.num_lines)),
        LineRef::Name(name) => c
            .find_line_info(name)
            .map(|li| li.offset)
            .ok_or_else(|| format!("{} has no line named {name:?}", chip.display())),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}
