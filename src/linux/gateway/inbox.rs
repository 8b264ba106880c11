//! Received messages, kept before the modem is told to delete them.
//!
//! An append-only file of JSON lines (`received.jsonl` beside the queue): the PDU as the modem
//! gave it, plus what it decodes to, for people and scripts. [`Inbox::append`] returns only
//! after the line is on flash (`fsync`), and only then does the core acknowledge the message to
//! the modem, which deletes it. A crash between the two leaves the message in the modem, which
//! hands it out again after the restart: a message may be written twice, never lost.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::codec::pdu::{self, Pdu};
use crate::linux::{dates, message};

/// What a received PDU said, for the log and the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub sender: Option<String>,
    pub text: Option<String>,
    /// `(reference, seq, total)` of a part of a longer message.
    pub concat: Option<(u16, u8, u8)>,
    /// Why it did not decode, if it did not.
    pub error: Option<String>,
}

impl Received {
    /// Decodes what it can of `octets` (SMSC field first).
    pub fn decode(octets: &[u8]) -> Received {
        match pdu::decode(octets) {
            Ok(p) => {
                let sender = match &p {
                    Pdu::Deliver(d) => Some(d.originator.to_string()),
                    _ => None,
                };
                let ud = p.user_data();
                let text = ud.as_ref().and_then(|u| u.text().ok()).map(|t| t.collect::<String>());
                let concat =
                    ud.as_ref().and_then(|u| u.udh()).and_then(|h| h.concat()).map(|c| (c.reference, c.seq, c.total));
                Received { sender, text, concat, error: None }
            }
            Err(e) => Received { sender: None, text: None, concat: None, error: Some(e.to_string()) },
        }
    }
}

/// The file of received messages.
#[derive(Debug)]
pub struct Inbox {
    path: PathBuf,
    file: File,
}

impl Inbox {
    pub fn open(path: &Path) -> io::Result<Inbox> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Inbox { path: path.to_path_buf(), file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one message and waits until it is on flash.
    pub fn append(&mut self, octets: &[u8], received: &Received, unix_ms: u64) -> io::Result<()> {
        let line = json!({
            "received_at": dates::iso_utc_millis(unix_ms),
            "received_ms": unix_ms,
            "sender": received.sender,
            "text": received.text,
            "concat": received.concat.map(|(r, s, t)| json!({"ref": r, "seq": s, "total": t})),
            "error": received.error,
            "pdu": message::hex_string(octets),
        });
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        // One write for the line, so a reader never sees half of one; a crash mid-write leaves
        // at most a torn last line, which readers skip.
        self.file.write_all(&bytes)?;
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_appended_with_what_they_say() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/received.jsonl");
        let mut inbox = Inbox::open(&path).unwrap();
        // SMS-DELIVER from +447911123456, GSM 7-bit "tz test".
        let mut octets = [0u8; 40];
        let hex = "0791447758100650000C9144971121436500004210510103548007743D885E9ED301";
        let octets = crate::codec::hex::decode_into(hex.as_bytes(), &mut octets).unwrap().to_vec();
        let r = Received::decode(&octets);
        assert_eq!(
            (r.sender.as_deref(), r.text.as_deref(), r.error.as_ref()),
            (Some("+447911123456"), Some("tz test"), None)
        );
        inbox.append(&octets, &r, 1_705_314_645_123).unwrap();
        let bad = Received::decode(&[0x00, 0x04]);
        assert!(bad.error.is_some() && bad.text.is_none());
        inbox.append(&[0x00, 0x04], &bad, 1_705_314_646_000).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["text"], "tz test");
        assert_eq!(lines[0]["received_at"], "2024-01-15T10:30:45.123Z");
        assert_eq!(lines[0]["pdu"], hex);
        assert_eq!(lines[1]["pdu"], "0004");
        assert!(lines[1]["error"].is_string());
    }
}
