//! The README stays true: every `$ smsgw ...` command in it runs, and where the README shows the
//! output beneath the command, the binary prints exactly that.

mod common;

use std::path::Path;

/// A command from a ```console block and the output shown under it.
struct Example {
    line: usize,
    args: Vec<String>,
    stdin: Option<String>,
    output: String,
}

/// Splits a shell-like command line: whitespace separates words, single or double quotes group.
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in cmd.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn examples(readme: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut in_console = false;
    let mut current: Option<Example> = None;
    for (i, line) in readme.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            found.extend(current.take());
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            found.extend(current.take());
            // `printf 'text' | smsgw ...` feeds stdin; other pipelines are not examples of smsgw.
            let (stdin, cmd) = match cmd.split_once(" | ") {
                Some((feed, rest)) => {
                    let w = words(feed);
                    assert_eq!(
                        w.first().map(String::as_str),
                        Some("printf"),
                        "README line {}: only printf may feed smsgw",
                        i + 1
                    );
                    (Some(w[1].replace("\\n", "\n")), rest)
                }
                None => (None, cmd),
            };
            let args = words(cmd);
            if args.first().map(String::as_str) == Some("smsgw") {
                current = Some(Example { line: i + 1, args: args[1..].to_vec(), stdin, output: String::new() });
            }
        } else if let Some(ex) = current.as_mut() {
            ex.output.push_str(line);
            ex.output.push('\n');
        }
    }
    found.extend(current);
    found
}

#[test]
fn every_smsgw_command_in_the_readme_runs_as_shown() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let examples = examples(&readme);
    assert!(!examples.is_empty(), "the README shows no smsgw command");
    for ex in examples {
        let out = common::run(&ex.args, ex.stdin.as_deref());
        assert!(
            out.status.success(),
            "README line {}: smsgw {:?} failed: {}",
            ex.line,
            ex.args,
            String::from_utf8_lossy(&out.stderr)
        );
        if !ex.output.trim().is_empty() {
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim_end(),
                ex.output.trim_end(),
                "README line {}",
                ex.line
            );
        }
    }
}

#[test]
fn words_split_like_a_shell() {
    assert_eq!(
        words(r#"pdu encode --to +491701234567 "Hello there" 'a "b"'"#),
        ["pdu", "encode", "--to", "+491701234567", "Hello there", "a \"b\""]
    );
    assert_eq!(words("parts ''"), ["parts", ""]);
}
