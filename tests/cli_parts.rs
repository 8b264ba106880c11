//! `smsgw parts`, run as a user runs it: the built binary (under qemu-user for cross targets).

mod common;

use serde_json::{json, Value};

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = common::run(args, stdin);
    assert!(out.status.success(), "smsgw {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json_of(args: &[&str], stdin: Option<&str>) -> Value {
    let mut all = vec!["parts", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&all, stdin)).unwrap()
}

#[test]
fn human_output_for_a_two_part_message() {
    let text = format!("{}€€", "a".repeat(166));
    assert_eq!(
        ok(&["parts", &text], None),
        "encoding:   gsm7 (default alphabet)\n\
         parts:      2\n\
         per part:   153 septets\n\
         used:       170 of 306 septets, 168 characters\n"
    );
}

#[test]
fn json_contract() {
    // (arguments after `parts --json`, expected object)
    let a160 = "a".repeat(160);
    let a161 = "a".repeat(161);
    let zh71 = "ж".repeat(71);
    let cases: Vec<(Vec<&str>, Value)> = vec![
        (
            vec!["Hello"],
            json!({"encoding": "gsm7", "locking_shift": null, "single_shift": null, "parts": 1, "per_part": 160,
                   "units": 5, "unit": "septet", "chars": 5, "remaining": 155}),
        ),
        (
            vec![""],
            json!({"encoding": "gsm7", "locking_shift": null, "single_shift": null, "parts": 1, "per_part": 160,
                   "units": 0, "unit": "septet", "chars": 0, "remaining": 160}),
        ),
        (
            vec![&a160],
            json!({"encoding": "gsm7", "locking_shift": null, "single_shift": null, "parts": 1, "per_part": 160,
                   "units": 160, "unit": "septet", "chars": 160, "remaining": 0}),
        ),
        (
            vec![&a161],
            json!({"encoding": "gsm7", "locking_shift": null, "single_shift": null, "parts": 2, "per_part": 153,
                   "units": 161, "unit": "septet", "chars": 161, "remaining": 145}),
        ),
        (
            vec!["--ref-bits", "16", &a161],
            json!({"encoding": "gsm7", "locking_shift": null, "single_shift": null, "parts": 2, "per_part": 152,
                   "units": 161, "unit": "septet", "chars": 161, "remaining": 143}),
        ),
        (
            vec![&zh71],
            json!({"encoding": "ucs2", "locking_shift": null, "single_shift": null, "parts": 2, "per_part": 67,
                   "units": 71, "unit": "ucs2", "chars": 71, "remaining": 63}),
        ),
        (
            vec!["Merhaba 😀"],
            json!({"encoding": "ucs2", "locking_shift": null, "single_shift": null, "parts": 1, "per_part": 70,
                   "units": 10, "unit": "ucs2", "chars": 9, "remaining": 60}),
        ),
        (
            vec!["Günaydın"],
            json!({"encoding": "ucs2", "locking_shift": null, "single_shift": null, "parts": 1, "per_part": 70,
                   "units": 8, "unit": "ucs2", "chars": 8, "remaining": 62}),
        ),
        (
            vec!["--language", "turkish", "Günaydın"],
            json!({"encoding": "gsm7", "locking_shift": "turkish", "single_shift": null, "parts": 1, "per_part": 155,
                   "units": 8, "unit": "septet", "chars": 8, "remaining": 147}),
        ),
        (
            // Hindi letters from the locking table; danda and digits escaped from the single shift.
            vec!["--language", "spanish", "--language", "hindi", "नमस्ते। १२३"],
            json!({"encoding": "gsm7", "locking_shift": "hindi", "single_shift": "hindi", "parts": 1, "per_part": 152,
                   "units": 15, "unit": "septet", "chars": 11, "remaining": 137}),
        ),
        (
            vec!["--language", "Spanish", "¿Qué tal, mamá?"],
            json!({"encoding": "gsm7", "locking_shift": null, "single_shift": "spanish", "parts": 1, "per_part": 155,
                   "units": 16, "unit": "septet", "chars": 15, "remaining": 139}),
        ),
    ];
    for (args, want) in cases {
        assert_eq!(json_of(&args, None), want, "{args:?}");
    }
}

#[test]
fn stdin_is_read_verbatim() {
    let want = json!({"encoding": "gsm7", "locking_shift": null, "single_shift": null, "parts": 1, "per_part": 160,
                      "units": 8, "unit": "septet", "chars": 8, "remaining": 152});
    // The final newline counts: it is part of what would be sent.
    assert_eq!(json_of(&["--stdin"], Some("  two\n\n ")), want);
    let v = json_of(&["--stdin"], Some(&format!("{}\n", "x".repeat(160))));
    assert_eq!((v["parts"].as_u64(), v["units"].as_u64()), (Some(2), Some(161)));
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[&[&str]] = &[
        &["parts"],
        &["parts", "--stdin", "text"],
        &["parts", "--language", "klingon", "text"],
        &["parts", "--ref-bits", "12", "text"],
    ];
    for args in cases {
        let out = common::run(args, Some(""));
        assert_eq!(out.status.code(), Some(2), "smsgw {args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn a_text_longer_than_255_parts_is_refused() {
    let text = "a".repeat(255 * 153 + 1);
    let out = common::run(&["parts", "--stdin"], Some(&text));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("256 parts"), "{err}");
    let v = json_of(&["--stdin"], Some(&text[1..]));
    assert_eq!((v["parts"].as_u64(), v["remaining"].as_u64()), (Some(255), Some(0)));
}
