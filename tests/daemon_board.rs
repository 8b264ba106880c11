//! The gateway with a board file: a board whose GPIO chip is not on this machine stops the
//! start with an error naming the chip; a board of simulated pins gets its LEDs driven with
//! the real patterns, which `smsgw status` shows.

mod common;
mod daemon_common;

use std::time::{Duration, Instant};

use common::run;
use daemon_common::{config, Daemon, Sim, PATIENCE};

fn board(name: &str) -> String {
    format!("{}/board/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_board_without_its_gpio_chip_is_a_clear_error() {
    if std::path::Path::new("/dev/gpiochip0").exists() {
        return; // A machine with GPIO may have the chip.
    }
    let dir = tempfile::tempdir().unwrap();
    let text = format!("board = \"{}\"\n{}", board("pi4b.toml"), config(dir.path(), "/dev/null".as_ref(), "", ""));
    let path = dir.path().join("smsgw.toml");
    std::fs::write(&path, text).unwrap();
    let check = run(&["config", "check", path.to_str().unwrap()], None);
    assert!(check.status.success(), "the file itself is fine");
    assert!(String::from_utf8_lossy(&check.stdout).contains("board:   Raspberry Pi 4"));
    let out = run(&["run", "--config", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("no GPIO chip labelled \"pinctrl-bcm2711\""), "{e}");
}

#[test]
fn the_leds_of_a_simulated_board_follow_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let text = format!("board = \"{}\"\n{}", board("sim.toml"), config(dir.path(), &sim.link, "", ""));
    let d = Daemon::start(dir.path(), &text);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let s = d.status();
        let leds = s["board_leds"].as_str().unwrap_or("").to_string();
        if leds == "● health (on)  ● network (on)  ○ queue (off)" {
            break;
        }
        assert!(Instant::now() < deadline, "the LEDs never showed a ready gateway: {leds:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = run(&["status", "--socket", d.socket.to_str().unwrap()], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("● health (on)  ● network (on)  ○ queue (off)"), "{text}");
}
