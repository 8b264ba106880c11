//! The AT digester on an arbitrary byte stream read in arbitrary chunks: it must never panic,
//! never stall, and give the same items however the stream is split.
//!
//! Input layout: byte 0 picks the number of split points (low nibble) and the expected prefix
//! (high nibble); two bytes per split point follow; the rest is what the modem sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsgw::codec::at::{Digester, Final, Item, LINE_CAPACITY};

const EXPECTED: [Option<&str>; 6] = [None, Some("+CSQ:"), Some("+CREG:"), Some("+CMGL:"), Some("+CPIN:"), Some("")];

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else { return };
    let cut_count = usize::from(head & 0x0F);
    let expected = EXPECTED[usize::from(head >> 4) % EXPECTED.len()];
    let (cut_bytes, stream) = rest.split_at((2 * cut_count).min(rest.len()));
    let mut cuts: Vec<usize> =
        cut_bytes.chunks(2).map(|c| (usize::from(c[0]) << 8) | usize::from(*c.get(1).unwrap_or(&0))).collect();
    for c in &mut cuts {
        *c %= stream.len() + 1;
    }
    cuts.push(0);
    cuts.push(stream.len());
    cuts.sort_unstable();
    let chunks: Vec<&[u8]> = cuts.windows(2).map(|w| &stream[w[0]..w[1]]).collect();

    let whole = digest(&[stream], expected);
    assert_eq!(digest(&chunks, expected), whole, "split points changed the items");
    if stream.len() <= 512 {
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(digest(&bytes, expected), whole, "byte-by-byte reading changed the items");
    }
});

/// Feeds the chunks in order and renders every item, typed URC parse included.
fn digest(chunks: &[&[u8]], expected: Option<&'static str>) -> Vec<String> {
    let mut d = Digester::new();
    d.set_expected(expected);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        while !rest.is_empty() {
            let n = d.push(rest);
            assert!(n <= rest.len());
            rest = &rest[n..];
            let before = out.len();
            while let Some(item) = d.poll() {
                out.push(render(item));
            }
            assert!(n > 0 || out.len() > before, "the digester took no byte and had no item");
        }
    }
    out
}

fn render(item: Result<Item<'_>, smsgw::codec::Error>) -> String {
    let text = |s: &str| {
        assert!(s.len() <= LINE_CAPACITY, "an item longer than the buffer");
        assert!(!s.contains(['\r', '\n']), "a line end inside an item");
    };
    match item {
        Ok(Item::Echo(l) | Item::Response(l) | Item::BodyEcho { body: l, .. }) => text(l),
        Ok(Item::Urc(u)) => {
            text(u.line);
            if let Some(body) = u.body {
                text(body);
            }
            return format!("{item:?} {:?}", u.parse());
        }
        Ok(Item::Final(f)) => {
            let code = match f {
                Final::CmsError { code: Some(c), .. } => format!("{c} {:?}", c.permanence()),
                Final::CmeError { code: Some(c), .. } => format!("{c}"),
                _ => String::new(),
            };
            return format!("{f:?} {} {code}", f.is_success());
        }
        Ok(Item::Prompt) | Err(_) => {}
    }
    format!("{item:?}")
}
