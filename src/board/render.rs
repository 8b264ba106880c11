//! The LEDs as text, for `smsgw status`, the demo and the board tools: a filled circle for a
//! lit LED, an empty one for a dark LED, optionally coloured like the LEDs on the board.

use core::fmt;

use super::leds::{LedLevels, LedPatterns};
use super::Led;

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Style {
    /// `●`/`○` only: logs, files, terminals without colour.
    Plain,
    /// ANSI colours: lit LEDs in their colour, dark ones dimmed.
    Ansi,
}

impl Led {
    /// The ANSI foreground colour of a lit LED: health green, network blue, queue yellow, the
    /// colours the wiring table suggests.
    pub fn ansi_colour(self) -> &'static str {
        match self {
            Led::Health => "\x1b[32m",
            Led::Network => "\x1b[34m",
            Led::Queue => "\x1b[33m",
        }
    }
}

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";

/// The LEDs in a line of text, e.g. `● health  ○ network  ● queue`; with patterns, each
/// followed by its pattern's name: `● health (on)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rendered {
    pub levels: LedLevels,
    pub patterns: Option<LedPatterns>,
    pub style: Style,
}

/// `levels` as text.
pub fn render(levels: LedLevels, style: Style) -> Rendered {
    Rendered { levels, patterns: None, style }
}

/// `levels` as text, each LED with the name of its pattern.
pub fn render_with_patterns(levels: LedLevels, patterns: LedPatterns, style: Style) -> Rendered {
    Rendered { levels, patterns: Some(patterns), style }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, led) in Led::ALL.into_iter().enumerate() {
            if i > 0 {
                f.write_str("  ")?;
            }
            let on = self.levels.get(led);
            let dot = if on { '●' } else { '○' };
            match (self.style, on) {
                (Style::Plain, _) => write!(f, "{dot} {}", led.name())?,
                (Style::Ansi, true) => write!(f, "{}{dot}{RESET} {}", led.ansi_colour(), led.name())?,
                (Style::Ansi, false) => write!(f, "{DIM}{dot}{RESET} {}", led.name())?,
            }
            if let Some(p) = &self.patterns {
                write!(f, " ({})", p.get(led).name())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::board::leds::Pattern;
    use std::string::ToString;

    #[test]
    fn plain_and_coloured() {
        let levels = LedLevels { health: true, network: false, queue: true };
        assert_eq!(render(levels, Style::Plain).to_string(), "● health  ○ network  ● queue");
        let patterns = LedPatterns { health: Pattern::On, network: Pattern::Blink, queue: Pattern::Flicker };
        assert_eq!(
            render_with_patterns(levels, patterns, Style::Plain).to_string(),
            "● health (on)  ○ network (blink)  ● queue (flicker)"
        );
        let ansi = render(levels, Style::Ansi).to_string();
        assert_eq!(ansi, "\x1b[32m●\x1b[0m health  \x1b[2m○\x1b[0m network  \x1b[33m●\x1b[0m queue");
    }
}
