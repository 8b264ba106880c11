//! `smsgw leds test` and `smsgw power-cycle` on simulated pins.

mod common;

use std::path::{Path, PathBuf};

fn sim_board() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("board/sim.toml")
}

/// `board/sim.toml` with `from` replaced by `to`, written to a temporary file.
fn variant(dir: &tempfile::TempDir, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(sim_board()).unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.path().join("board.toml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

fn run_ok(args: &[&str]) -> String {
    let out = common::run(args, None);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The pin log's entries for `line`: (ms, level).
fn pin_changes(out: &str, line: &str) -> Vec<(u64, String)> {
    let log = out.split("pin changes:\n").nth(1).expect("a pin log");
    log.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.get(2) == Some(&line)).then(|| (w[0].parse().unwrap(), w[6].to_string()))
        })
        .collect()
}

#[test]
fn leds_test_walks_every_led() {
    let board = sim_board();
    let out = run_ok(&["leds", "test", "--board", board.to_str().unwrap()]);
    let steps: Vec<&str> = out.lines().skip(1).take(6).collect();
    assert_eq!(
        steps,
        [
            "       0 ms  all on   ● health  ● network  ● queue",
            "     500 ms  all off  ○ health  ○ network  ○ queue",
            "    1000 ms  health   ● health  ○ network  ○ queue",
            "    1500 ms  network  ○ health  ● network  ○ queue",
            "    2000 ms  queue    ○ health  ○ network  ● queue",
            "    2500 ms  done     ○ health  ○ network  ○ queue",
        ]
    );
    for (led, on_alone) in [("health", 1000), ("network", 1500), ("queue", 2000)] {
        let want: Vec<(u64, String)> =
            [(0, "low"), (0, "high"), (500, "low"), (on_alone, "high"), (on_alone + 500, "low")]
                .into_iter()
                .map(|(t, l)| (t, l.to_string()))
                .collect();
        assert_eq!(pin_changes(&out, led), want, "{led}");
    }
    // The power line is requested at rest (modem on) and never touched.
    assert_eq!(pin_changes(&out, "power"), [(0, "low".to_string())]);
}

#[test]
fn an_active_low_led_is_lit_low() {
    let dir = tempfile::tempdir().unwrap();
    let board = variant(&dir, "network = { line = 23 }", "network = { line = 23, active = \"low\" }");
    let out = run_ok(&["leds", "test", "--board", board.to_str().unwrap(), "--step-ms", "100"]);
    let want: Vec<(u64, String)> = [(0, "high"), (0, "low"), (100, "high"), (300, "low"), (400, "high")]
        .into_iter()
        .map(|(t, l)| (t, l.to_string()))
        .collect();
    assert_eq!(pin_changes(&out, "network"), want, "{out}");
}

#[test]
fn power_cycle_on_a_relay() {
    let board = sim_board();
    let out = run_ok(&["power-cycle", "--board", board.to_str().unwrap()]);
    assert!(out.contains("power: relay, line 17 (simulated), active high; off 3000 ms, boot 10000 ms"), "{out}");
    for line in [
        "       0 ms  power cycle 1 started",
        "       0 ms  supply cut",
        "    3000 ms  supply restored",
        "   13000 ms  boot time passed",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} missing in\n{out}");
    }
    let want: Vec<(u64, String)> =
        [(0, "low"), (0, "high"), (3000, "low")].into_iter().map(|(t, l)| (t, l.to_string())).collect();
    assert_eq!(pin_changes(&out, "power"), want);
}

#[test]
fn power_cycle_on_an_active_low_pwrkey() {
    let dir = tempfile::tempdir().unwrap();
    let board = variant(
        &dir,
        "switch = \"relay\"\nline = 17\nactive = \"high\"",
        "switch = \"pwrkey\"\nline = 17\nactive = \"low\"\npulse_ms = 1200",
    );
    let out = run_ok(&["power-cycle", "--board", board.to_str().unwrap()]);
    let want: Vec<(u64, String)> = [(0, "high"), (0, "low"), (1200, "high"), (4200, "low"), (5400, "high")]
        .into_iter()
        .map(|(t, l)| (t, l.to_string()))
        .collect();
    assert_eq!(pin_changes(&out, "power"), want, "{out}");
    assert!(out.contains("   15400 ms  boot time passed"), "{out}");
    // --on: a single press.
    let out = run_ok(&["power-cycle", "--on", "--board", board.to_str().unwrap()]);
    assert_eq!(pin_changes(&out, "power").len(), 3, "{out}");
    assert!(out.contains("switch-on 1 started") && out.contains("PWRKEY pressed (switch on)"), "{out}");
}

#[test]
fn errors() {
    let dir = tempfile::tempdir().unwrap();
    let board = variant(&dir, "switch = \"relay\"\nline = 17\n", "switch = \"none\"\n");
    let out = common::run(&["power-cycle", "--board", board.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no power switch is wired"));

    let out = common::run(&["leds", "test", "--board", "/nonexistent/board.toml"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/board.toml"));

    let board = variant(&dir, "off_ms = 3000", "off_ms = 0");
    let out = common::run(&["power-cycle", "--board", board.to_str().unwrap()], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("timings.off_ms"));
}
