//! `smsgw inbox`, `smsgw calls` and `smsgw optout`: what came in, asked of the running gateway.
//! Tables for people, CSV for spreadsheets (like the old notifier's call export), JSON lines
//! for scripts; long lists are read in pages so the gateway is never busy long.

use std::io::{self, Write};

use serde_json::Value;

use super::client::{clip, csv_field, Target};
use super::Error;
use crate::linux::gateway::protocol::MAX_PAGE;
use crate::linux::gateway::Request;

/// How a list is printed.
#[derive(Debug, Clone, clap::Args)]
pub struct Format {
    /// CSV with a header line.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `smsgw inbox`.
#[derive(Debug, clap::Args)]
pub struct InboxArgs {
    #[command(flatten)]
    pub format: Format,
    #[command(flatten)]
    pub target: Target,
}

/// Arguments of `smsgw calls`.
#[derive(Debug, clap::Args)]
pub struct CallsArgs {
    #[command(flatten)]
    pub format: Format,
    #[command(flatten)]
    pub target: Target,
}

/// `smsgw optout`.
#[derive(Debug, clap::Subcommand)]
pub enum OptOutCommand {
    /// The numbers that asked for no more messages (with a stop keyword, or added by hand).
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Send nothing more to NUMBER.
    Add {
        number: String,
        #[command(flatten)]
        target: Target,
    },
    /// Send to NUMBER again.
    Remove {
        number: String,
        #[command(flatten)]
        target: Target,
    },
}

/// The CSV columns of `smsgw inbox --csv`.
pub const INBOX_CSV_HEADER: &str = "id,received_at,sender,parts,complete,sent_at,smsc,text";
/// The CSV columns of `smsgw calls --csv`.
pub const CALLS_CSV_HEADER: &str = "id,at,number,caller,rings,hung_up,outcome,message,detail";

fn field(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_line(v: &Value, header: &str) -> String {
    header.split(',').map(|k| csv_field(&field(v, k))).collect::<Vec<_>>().join(",")
}

/// Reads every page of a list: `request(after)` asks for the next one, `key` names the list in
/// the answer; `each` gets every entry.
fn pages(
    target: &Target,
    request: impl Fn(Option<u64>) -> Request,
    key: &str,
    mut each: impl FnMut(&Value) -> io::Result<()>,
) -> Result<(), Error> {
    let mut client = target.connect()?;
    let mut after = None;
    loop {
        let answer = client.request(&request(after))?;
        let list = answer[key].as_array().cloned().unwrap_or_default();
        for v in &list {
            each(v)?;
        }
        match answer["next"].as_u64() {
            Some(next) if list.len() == MAX_PAGE => after = Some(next),
            _ => return Ok(()),
        }
    }
}

/// Prints a list as the format asks: `row` makes a table row, `header` is the CSV header.
fn print_list(
    target: &Target,
    format: &Format,
    request: impl Fn(Option<u64>) -> Request,
    key: &str,
    header: &str,
    row: impl Fn(&Value) -> String,
    empty: &str,
) -> Result<(), Error> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    if format.csv {
        writeln!(out, "{header}")?;
    }
    let mut n = 0;
    pages(target, request, key, |v| {
        n += 1;
        if format.json {
            writeln!(out, "{v}")
        } else if format.csv {
            writeln!(out, "{}", csv_line(v, header))
        } else {
            writeln!(out, "{}", row(v))
        }
    })?;
    if n == 0 && !format.csv && !format.json {
        writeln!(out, "{empty}")?;
    }
    out.flush()?;
    Ok(())
}

/// A received message as a table row.
pub fn inbox_row(v: &Value) -> String {
    let parts = match (v["parts"].as_u64(), v["complete"].as_bool()) {
        (Some(p), Some(false)) => format!("{p} parts, incomplete"),
        (Some(1), _) => "1 part".into(),
        (Some(p), _) => format!("{p} parts"),
        _ => String::new(),
    };
    format!(
        "#{:<5} {}  {:<16} {:<20} {}",
        field(v, "id"),
        field(v, "received_at"),
        field(v, "sender"),
        parts,
        clip(&field(v, "text"), 60)
    )
}

/// A call as a table row.
pub fn call_row(v: &Value) -> String {
    let who = v["caller"].as_str().or(v["number"].as_str()).unwrap_or("withheld");
    format!("#{:<5} {}  {:<16} {}", field(v, "id"), field(v, "at"), who, field(v, "detail"))
}

pub fn inbox(args: &InboxArgs) -> Result<(), Error> {
    print_list(
        &args.target,
        &args.format,
        |after| Request::Received { after, limit: MAX_PAGE },
        "messages",
        INBOX_CSV_HEADER,
        inbox_row,
        "no messages received",
    )
}

pub fn calls(args: &CallsArgs) -> Result<(), Error> {
    print_list(
        &args.target,
        &args.format,
        |after| Request::Calls { after, limit: MAX_PAGE },
        "calls",
        CALLS_CSV_HEADER,
        call_row,
        "no calls",
    )
}

pub fn optout(cmd: &OptOutCommand) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match cmd {
        OptOutCommand::List { target } => {
            let answer = target.connect()?.request(&Request::OptOuts)?;
            let list = answer["opt_outs"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                writeln!(out, "no number has opted out")?;
            }
            for v in &list {
                let how = match field(v, "text").as_str() {
                    "" => "added by hand".to_string(),
                    text => format!("sent {text:?}"),
                };
                writeln!(out, "{:<16} since {}  ({how})", field(v, "number"), field(v, "at"))?;
            }
        }
        OptOutCommand::Add { number, target } => {
            let answer = target.connect()?.request(&Request::OptOut { number: number.clone() })?;
            let n = field(&answer, "number");
            let already = if answer["changed"] == Value::Bool(true) { "" } else { " (it was already)" };
            writeln!(out, "{n} opted out: nothing more will be sent to it{already}")?;
        }
        OptOutCommand::Remove { number, target } => {
            let answer = target.connect()?.request(&Request::OptIn { number: number.clone() })?;
            let n = field(&answer, "number");
            if answer["changed"] == Value::Bool(true) {
                writeln!(out, "{n} opted in again")?;
            } else {
                writeln!(out, "{n} was not opted out")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_and_csv_lines() {
        let m = json!({"id": 3, "received_at": "2024-01-15T10:30:45.123Z", "sender": "+41791234567",
            "parts": 3, "complete": false, "sent_at": null, "smsc": "+41794999000", "text": "a, \"quoted\" text"});
        assert_eq!(
            csv_line(&m, INBOX_CSV_HEADER),
            "3,2024-01-15T10:30:45.123Z,+41791234567,3,false,,+41794999000,\"a, \"\"quoted\"\" text\""
        );
        assert!(inbox_row(&m).contains("3 parts, incomplete"), "{}", inbox_row(&m));
        let c = json!({"id": 1, "at": "2024-01-15T10:30:45.000Z", "number": null, "caller": null,
            "rings": 2, "hung_up": true, "outcome": "skipped", "message": null, "detail": "call from a withheld number"});
        assert_eq!(call_row(&c), "#1     2024-01-15T10:30:45.000Z  withheld         call from a withheld number");
        assert_eq!(
            csv_line(&c, CALLS_CSV_HEADER),
            "1,2024-01-15T10:30:45.000Z,,,2,true,skipped,,call from a withheld number"
        );
    }
}
