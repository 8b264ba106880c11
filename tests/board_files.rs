//! Every board file in `board/` parses, validates and keeps to the wiring rules.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use smsgw::board::{Led, Line, Switch};
use smsgw::linux::board::config::{ChipRef, LineRef, PinDriver};
use smsgw::linux::board::BoardConfig;

/// The board files in `board/`: every TOML file there but the gateway's commented example
/// configuration (`config.example.toml`), which names a board file rather than being one.
fn board_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != "config.example.toml"))
        .collect();
    files.sort();
    files
}

/// BCM lines the Raspberry Pi's header gives to the ID EEPROM (0, 1), I2C1 (2, 3), SPI0 (7-11)
/// and the UART (14, 15).
const PI_RESERVED: [u32; 11] = [0, 1, 2, 3, 7, 8, 9, 10, 11, 14, 15];

fn bcm_number(line: &LineRef) -> u32 {
    match line {
        LineRef::Offset(n) => *n,
        LineRef::Name(name) => {
            name.strip_prefix("GPIO").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{name}"))
        }
    }
}

#[test]
fn every_board_file_parses_and_validates() {
    let files = board_files();
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for want in ["pi-zero-2w.toml", "pi3bplus.toml", "pi4b.toml", "pi5.toml", "generic.toml", "sim.toml"] {
        assert!(names.iter().any(|n| n == want), "board/{want} missing: {names:?}");
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("board/README.md")).unwrap();
    for (path, name) in files.iter().zip(&names) {
        let config = BoardConfig::load(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(readme.contains(&format!("`{name}`")), "board/README.md does not list {name}");
        assert!(config.modem.device.is_absolute(), "{name}");
        let device = config.modem.device.to_string_lossy();
        if config.pins == PinDriver::Gpio && !device.starts_with("/dev/serial/by-id/") {
            assert!(
                ["/dev/smsgw-modem", "/dev/serial0"].contains(&device.as_ref()),
                "{name}: use a stable device name, not {device}"
            );
        }

        // No line twice on one chip; every LED and the power switch named.
        let lines = config.lines();
        let mut seen = HashSet::new();
        for spec in &lines {
            assert!(seen.insert((spec.chip.clone(), spec.line.clone())), "{name}: {} used twice", spec.line);
        }
        let roles: Vec<Line> = lines.iter().map(|s| s.role).collect();
        for led in Led::ALL {
            assert!(roles.contains(&Line::Led(led)), "{name}: no {} LED", led.name());
        }
        assert_ne!(config.power_config().switch, Switch::None, "{name}: every shipped board switches power");
        assert!(roles.contains(&Line::Power), "{name}");

        // Raspberry Pis: keep the header's buses free.
        if let ChipRef::Label(label) = &config.gpio.chip {
            if label.starts_with("pinctrl-bcm") || label == "pinctrl-rp1" {
                for spec in &lines {
                    let n = bcm_number(&spec.line);
                    assert!(!PI_RESERVED.contains(&n), "{name}: {} on BCM {n}, a bus pin", spec.key());
                }
            }
        }

        // The driver's wait for the port covers the power cycle.
        let timings = config.modem_timings();
        assert!(timings.reenumerate >= config.power_config().span(), "{name}");
    }
}

#[test]
fn the_pi5_chip_is_chosen_by_label() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
    let config = BoardConfig::load(&dir.join("pi5.toml")).unwrap();
    assert_eq!(config.gpio.chip, ChipRef::Label("pinctrl-rp1".into()));
}

#[test]
fn a_broken_file_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("board/pi4b.toml")).unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, good.replace("queue = { line = 24 }", "queue = { line = 23 }")).unwrap();
    let e = BoardConfig::load(&path).unwrap_err().to_string();
    assert!(e.contains("leds.queue.line") && e.contains("bad.toml"), "{e}");
}

#[test]
fn the_readme_explains_every_pattern_and_switch() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let wiring = readme.split("\n## Wiring\n").nth(1).expect("a Wiring section");
    let wiring = wiring.split("\n## ").next().unwrap();
    for p in smsgw::board::Pattern::ALL {
        assert!(wiring.contains(&format!("| {}", p.name())), "README's LED table lacks {:?}", p.name());
    }
    for s in [Switch::Relay, Switch::MosfetVbus, Switch::Pwrkey, Switch::None] {
        assert!(wiring.contains(&format!("| `{}` |", s.name())), "README lacks switch {}", s.name());
    }
}

#[test]
fn a_missing_chip_is_reported_with_the_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
    let mut config = BoardConfig::load(&dir.join("generic.toml")).unwrap();
    config.gpio.chip = ChipRef::Path("/nonexistent/gpiochip9".into());
    let e = smsgw::linux::board::Board::open(&config).unwrap_err().to_string();
    assert!(e.starts_with("power.line: /nonexistent/gpiochip9"), "{e}");
    config.gpio.chip = ChipRef::Label("no-such-label".into());
    let e = smsgw::linux::board::Board::open(&config).unwrap_err().to_string();
    assert!(e.contains("power.line") && e.contains("no GPIO chip labelled \"no-such-label\""), "{e}");
}
