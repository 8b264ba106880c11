//! `smsgw parts TEXT`: how a text would be sent — encoding, parts, capacity, units used.

use std::io::Read;

use crate::codec::encoding::{self, Encoding, Options, Plan, RefBits};
use crate::codec::gsm7::{Language, Tables};
use crate::codec::segment;

/// Arguments of `smsgw parts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The message text.
    #[arg(required_unless_present = "stdin")]
    pub text: Option<String>,
    /// Read the text from standard input instead, verbatim (a final newline is part of it).
    #[arg(long, conflicts_with = "text")]
    pub stdin: bool,
    /// A national language whose shift tables may be used; repeat for more. One of: turkish,
    /// spanish, portuguese, bengali, gujarati, hindi, kannada, malayalam, oriya, punjabi, tamil,
    /// telugu, urdu.
    #[arg(long = "language", value_name = "LANG", value_parser = parse_language)]
    pub languages: Vec<Language>,
    /// Size of the concatenation reference of a multipart message: 8 or 16 bits.
    #[arg(long, value_name = "BITS", default_value = "8", value_parser = parse_ref_bits)]
    pub ref_bits: RefBits,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_language(name: &str) -> Result<Language, String> {
    Language::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        format!("unknown language {name:?}; known: {}", names.join(", "))
    })
}

fn parse_ref_bits(bits: &str) -> Result<RefBits, String> {
    match bits {
        "8" => Ok(RefBits::Eight),
        "16" => Ok(RefBits::Sixteen),
        _ => Err(format!("{bits:?} is not 8 or 16")),
    }
}

/// How a text would be sent: its plan and the room left in its last part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub plan: Plan,
    /// Units still free in the last part.
    pub remaining: usize,
}

/// Plans `text` and measures its last part.
pub fn report(text: &str, opts: &Options<'_>) -> Result<Report, crate::codec::Error> {
    let plan = encoding::plan(text, opts)?;
    let last = segment::split(text, &plan).last().unwrap_or("");
    let used = plan.encoding.units(last)?;
    Ok(Report { plan, remaining: plan.per_part.saturating_sub(used) })
}

pub fn run(args: &Args) -> Result<(), super::Error> {
    let text = match (&args.text, args.stdin) {
        (Some(text), false) => text.clone(),
        (None, true) => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text
        }
        _ => return Err(super::Error::Usage("give the text either as an argument or with --stdin".into())),
    };
    let opts = Options { languages: &args.languages, ref_bits: args.ref_bits };
    let report = report(&text, &opts)?;
    if args.json {
        println!("{}", json(&report));
    } else {
        print!("{}", human(&report));
    }
    Ok(())
}

/// The tables of a GSM 7-bit encoding by language name, `None` where the default one is used.
fn shift_names(encoding: Encoding) -> (Option<&'static str>, Option<&'static str>) {
    match encoding {
        Encoding::Gsm7(Tables { locking, single }) => {
            let name = |l: Language| (l != Language::Default).then(|| l.name());
            (name(locking), name(single))
        }
        Encoding::Ucs2 => (None, None),
    }
}

fn json(report: &Report) -> serde_json::Value {
    let p = &report.plan;
    let (locking, single) = shift_names(p.encoding);
    serde_json::json!({
        "encoding": p.encoding.name(),
        "locking_shift": locking,
        "single_shift": single,
        "parts": p.parts,
        "per_part": p.per_part,
        "units": p.units,
        "unit": p.encoding.unit_name(),
        "chars": p.chars,
        "remaining": report.remaining,
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human(report: &Report) -> String {
    let p = &report.plan;
    let encoding = match (p.encoding, shift_names(p.encoding)) {
        (Encoding::Ucs2, _) => "ucs2 (UTF-16)".to_string(),
        (_, (None, None)) => "gsm7 (default alphabet)".to_string(),
        (_, (locking, single)) => {
            let tables: Vec<String> = [(locking, "locking shift"), (single, "single shift")]
                .into_iter()
                .filter_map(|(lang, kind)| lang.map(|l| format!("{l} {kind}")))
                .collect();
            format!("gsm7 ({})", tables.join(", "))
        }
    };
    let (one, many) = match p.encoding {
        Encoding::Gsm7(_) => ("septet", "septets"),
        Encoding::Ucs2 => ("UCS-2 unit", "UCS-2 units"),
    };
    format!(
        "encoding:   {encoding}\nparts:      {}\nper part:   {}\nused:       {} of {}, {}\n",
        p.parts,
        plural(p.per_part, one, many),
        p.units,
        plural(p.capacity(), one, many),
        plural(p.chars, "character", "characters"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_of(text: &str, langs: &[Language]) -> Report {
        report(text, &Options { languages: langs, ..Options::default() }).unwrap()
    }

    #[test]
    fn human_output() {
        let text = format!("{}€€", "a".repeat(166));
        assert_eq!(
            human(&report_of(&text, &[])),
            "encoding:   gsm7 (default alphabet)\nparts:      2\nper part:   153 septets\n\
             used:       170 of 306 septets, 168 characters\n"
        );
        assert_eq!(
            human(&report_of("ж", &[])),
            "encoding:   ucs2 (UTF-16)\nparts:      1\nper part:   70 UCS-2 units\n\
             used:       1 of 70 UCS-2 units, 1 character\n"
        );
        assert_eq!(
            human(&report_of("Günaydın {}", &[Language::Turkish])),
            "encoding:   gsm7 (turkish locking shift)\nparts:      1\nper part:   155 septets\n\
             used:       13 of 155 septets, 11 characters\n"
        );
    }

    #[test]
    fn remaining_is_the_room_in_the_last_part() {
        let text = format!("{}€€", "a".repeat(166));
        assert_eq!(report_of(&text, &[]).remaining, 153 - (170 - 153));
        assert_eq!(report_of("", &[]).remaining, 160);
        // The escape pair that cannot straddle a boundary opens the second part.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(8));
        let r = report_of(&text, &[]);
        assert_eq!((r.plan.parts, r.remaining), (2, 153 - 10));
    }

    #[test]
    fn options_parse() {
        assert_eq!(parse_language("Turkish"), Ok(Language::Turkish));
        assert!(parse_language("klingon").unwrap_err().contains("telugu"));
        assert_eq!(parse_ref_bits("16"), Ok(RefBits::Sixteen));
        assert!(parse_ref_bits("12").is_err());
    }
}
