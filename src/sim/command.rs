//! Splitting an AT command line (V.250 §5.2–5.4) into its commands: after `AT`, basic commands
//! (`E0`, `Z`, `&F`, `S0=0`, `D…`) and extended ones (`+CMGF=0`, `^CURC=0`) separated by `;`.

/// How an extended command is invoked (V.250 §5.4.2–5.4.4): `+X`, `+X?`, `+X=?`, `+X=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Op<'a> {
    Exec,
    Read,
    Test,
    /// The text after `=` (basic commands: the digits after the letter).
    Set(&'a str),
}

/// Longest command name kept: `+CMGS`, `^DSFLOWRPT`, `S12`… ; a longer one is an error.
pub const NAME_CAPACITY: usize = 16;

/// One command of a line; the name is upper-cased, the arguments are kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Command<'a> {
    pub name: heapless::String<NAME_CAPACITY>,
    pub op: Op<'a>,
}

impl Command<'_> {
    /// The arguments of a `Set`, empty otherwise.
    pub fn args(&self) -> &str {
        match self.op {
            Op::Set(a) => a,
            _ => "",
        }
    }
}

/// The commands after `AT`; `Err(())` ends the line at a command that cannot be parsed.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Commands<'a> {
    rest: &'a str,
    failed: bool,
}

/// The commands of a line that starts with `AT` (either case); `None` for any other line.
pub fn parse(line: &str) -> Option<Commands<'_>> {
    let prefix = line.get(..2)?;
    if !prefix.eq_ignore_ascii_case("AT") {
        return None;
    }
    Some(Commands { rest: line.get(2..)?.trim_end(), failed: false })
}

fn upper(text: &str) -> Option<heapless::String<NAME_CAPACITY>> {
    let mut s = heapless::String::new();
    for c in text.chars() {
        s.push(c.to_ascii_uppercase()).ok()?;
    }
    Some(s)
}

/// The end of the arguments starting at `s`: the first `;` outside quotes, or the end.
fn args_end(s: &str) -> usize {
    let mut quoted = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => return i,
            _ => {}
        }
    }
    s.len()
}

impl<'a> Iterator for Commands<'a> {
    type Item = Result<Command<'a>, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let s = self.rest.trim_start_matches([' ', ';']);
        let first = *s.as_bytes().first()?;
        let item =
            if matches!(first, b'+' | b'^' | b'$' | b'%' | b'*' | b'#') { self.extended(s) } else { self.basic(s) };
        if item.is_err() {
            self.failed = true;
        }
        Some(item)
    }
}

impl<'a> Commands<'a> {
    fn extended(&mut self, s: &'a str) -> Result<Command<'a>, ()> {
        let name_end = s
            .char_indices()
            .skip(1)
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '!' | '%' | '-')))
            .map_or(s.len(), |(i, _)| i);
        let name = upper(s.get(..name_end).ok_or(())?).ok_or(())?;
        if name.len() < 2 {
            return Err(());
        }
        let after = s.get(name_end..).ok_or(())?;
        let (op, used) = if let Some(rest) = after.strip_prefix("=?") {
            (Op::Test, after.len() - rest.len())
        } else if let Some(rest) = after.strip_prefix('?') {
            (Op::Read, after.len() - rest.len())
        } else if let Some(rest) = after.strip_prefix('=') {
            let end = args_end(rest);
            (Op::Set(rest.get(..end).ok_or(())?.trim()), 1 + end)
        } else {
            (Op::Exec, 0)
        };
        let rest = after.get(used..).ok_or(())?;
        // Only a separator or the end may follow.
        if !(rest.is_empty() || rest.starts_with(';')) {
            return Err(());
        }
        self.rest = rest;
        Ok(Command { name, op })
    }

    fn basic(&mut self, s: &'a str) -> Result<Command<'a>, ()> {
        let bytes = s.as_bytes();
        let first = bytes.first().ok_or(())?.to_ascii_uppercase();
        let (name_len, op, used) = match first {
            // D takes the rest of the line: the dial string.
            b'D' => (1, Op::Set(s.get(1..).ok_or(())?.trim()), s.len()),
            b'S' => {
                let digits = bytes.iter().skip(1).take_while(|b| b.is_ascii_digit()).count();
                if digits == 0 {
                    return Err(());
                }
                let after = s.get(1 + digits..).ok_or(())?;
                if let Some(rest) = after.strip_prefix('?') {
                    (1 + digits, Op::Read, s.len() - rest.len())
                } else if let Some(rest) = after.strip_prefix('=') {
                    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
                    (1 + digits, Op::Set(rest.get(..n).ok_or(())?), s.len() - rest.len() + n)
                } else {
                    return Err(());
                }
            }
            b'&' => {
                if !bytes.get(1).is_some_and(u8::is_ascii_alphabetic) {
                    return Err(());
                }
                let digits = bytes.iter().skip(2).take_while(|b| b.is_ascii_digit()).count();
                let op = if digits > 0 { Op::Set(s.get(2..2 + digits).ok_or(())?) } else { Op::Exec };
                (2, op, 2 + digits)
            }
            c if c.is_ascii_alphabetic() => {
                let digits = bytes.iter().skip(1).take_while(|b| b.is_ascii_digit()).count();
                let op = if digits > 0 { Op::Set(s.get(1..1 + digits).ok_or(())?) } else { Op::Exec };
                (1, op, 1 + digits)
            }
            _ => return Err(()),
        };
        let name = upper(s.get(..name_len).ok_or(())?).ok_or(())?;
        self.rest = s.get(used..).ok_or(())?;
        Ok(Command { name, op })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, Op<'_>)> {
        parse(line)
            .unwrap()
            .map(|c| c.map(|c| (c.name.as_str().to_string(), c.op)).unwrap_or(("!".into(), Op::Exec)))
            .collect()
    }

    #[test]
    fn lines() {
        let cases: &[(&str, &[(&str, Op<'_>)])] = &[
            ("AT", &[]),
            ("at+cmgf=0", &[("+CMGF", Op::Set("0"))]),
            ("AT+CPMS=?", &[("+CPMS", Op::Test)]),
            ("AT+CREG?", &[("+CREG", Op::Read)]),
            ("AT+CGMI", &[("+CGMI", Op::Exec)]),
            ("ATE0V1", &[("E", Op::Set("0")), ("V", Op::Set("1"))]),
            ("ATZ", &[("Z", Op::Exec)]),
            ("AT&F", &[("&F", Op::Exec)]),
            ("AT&FE0", &[("&F", Op::Exec), ("E", Op::Set("0"))]),
            ("ATS0=0", &[("S0", Op::Set("0"))]),
            ("ATS7?", &[("S7", Op::Read)]),
            ("ATD+4912345;", &[("D", Op::Set("+4912345;"))]),
            ("AT+CMGF=0;+CNMI=2,1,0,0,0", &[("+CMGF", Op::Set("0")), ("+CNMI", Op::Set("2,1,0,0,0"))]),
            ("AT+CPIN=\"1;2\"", &[("+CPIN", Op::Set("\"1;2\""))]),
            ("AT^CURC=0", &[("^CURC", Op::Set("0"))]),
            ("ATE1 +CMEE=1", &[("E", Op::Set("1")), ("+CMEE", Op::Set("1"))]),
            ("AT+CMGS=23;", &[("+CMGS", Op::Set("23"))]),
            ("AT+", &[("!", Op::Exec)]),
            ("AT+CSQ?x", &[("!", Op::Exec)]),
            ("AT!", &[("!", Op::Exec)]),
        ];
        for (line, want) in cases {
            let got = names(line);
            let want: Vec<(String, Op<'_>)> = want.iter().map(|(n, o)| (n.to_string(), *o)).collect();
            assert_eq!(got, want, "{line}");
        }
        assert!(parse("xAT").is_none());
        assert!(parse("A").is_none());
    }
}
