//! What the control socket carries: one JSON request per line, one JSON answer per line.
//!
//! A request names its command in `cmd`: `{"cmd":"send","to":"+4917…","text":"…"}`. An answer
//! is `{"ok":true,…}` with the command's fields, or `{"ok":false,"error":"…"}`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::linux::store::{Message, PartState, State};

/// Messages in one answer when the request does not say.
pub const DEFAULT_LIMIT: usize = 50;

/// The most messages one `list` or `export` answer carries: an answer is built in memory and
/// the core loop does nothing else meanwhile, so a long export comes in pages.
pub const MAX_PAGE: usize = 1_000;

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// A command for the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Queue a message; answers its id, parts and encoding (and its error if it can never be
    /// sent: it is failed at once).
    Send {
        to: String,
        text: String,
        #[serde(default)]
        priority: u8,
        #[serde(default)]
        status_report: bool,
    },
    /// The modem, the queue, the LEDs.
    Status,
    /// Messages in id order, optionally in one state.
    List {
        #[serde(default)]
        state: Option<String>,
        #[serde(default = "default_limit")]
        limit: usize,
        #[serde(default)]
        offset: usize,
    },
    Show {
        id: u64,
    },
    Retry {
        id: u64,
    },
    Cancel {
        id: u64,
    },
    /// Received messages with ids above `after`, oldest first; `next` is the last id.
    Received {
        #[serde(default)]
        after: Option<u64>,
        #[serde(default = "default_limit")]
        limit: usize,
    },
    /// Calls with ids above `after`, oldest first; `next` is the last id.
    Calls {
        #[serde(default)]
        after: Option<u64>,
        #[serde(default = "default_limit")]
        limit: usize,
    },
    /// The numbers that asked for no more messages.
    OptOuts,
    /// Puts a number on the opt-out list by hand.
    OptOut {
        number: String,
    },
    /// Takes a number off the opt-out list.
    OptIn {
        number: String,
    },
    /// A page of messages created at or after `since` (Unix ms), oldest first; `after` is the
    /// `next` cursor of the previous page.
    Export {
        #[serde(default)]
        since: u64,
        #[serde(default)]
        after: Option<(u64, u64)>,
        #[serde(default = "default_limit")]
        limit: usize,
    },
}

/// A successful answer with `fields` (an object) besides `"ok": true`.
pub fn ok(fields: Value) -> Value {
    let mut v = json!({"ok": true});
    if let (Some(o), Value::Object(extra)) = (v.as_object_mut(), fields) {
        o.extend(extra);
    }
    v
}

pub fn failed(error: impl std::fmt::Display) -> Value {
    json!({"ok": false, "error": error.to_string()})
}

/// A message as the client commands show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageInfo {
    pub id: u64,
    pub upstream_id: Option<u64>,
    pub recipient: String,
    pub text: String,
    pub state: String,
    /// The last error, or why it failed.
    pub error: Option<String>,
    pub parts: usize,
    pub parts_sent: u8,
    /// Times parts were handed to the modem, over all parts.
    pub attempts: u32,
    pub attempts_left: u8,
    pub unknown_parts: u16,
    pub priority: u8,
    pub created_ms: u64,
    pub updated_ms: u64,
    pub not_before_ms: u64,
    /// When the network took the last part.
    pub sent_ms: Option<u64>,
    pub delivered_ms: Option<u64>,
    /// Each part: `pending`, `in flight`, `sent (mr 7)`, `reported 0x00 (mr 7)`.
    pub part_states: Vec<String>,
}

impl From<&Message> for MessageInfo {
    fn from(m: &Message) -> MessageInfo {
        let last_sent = m
            .parts
            .iter()
            .map(|p| match p.state {
                PartState::Sent { at, .. } | PartState::Reported { sent_at: at, .. } => Some(at.0),
                _ => None,
            })
            .collect::<Option<Vec<u64>>>()
            .and_then(|v| v.into_iter().max());
        let error = match &m.state {
            State::Failed { reason, .. } => Some(reason.clone()),
            _ => m.last_error.clone(),
        };
        MessageInfo {
            id: m.id.0,
            upstream_id: m.upstream_id,
            recipient: m.recipient.clone(),
            text: m.text.clone(),
            state: m.state.kind().name().to_string(),
            error,
            parts: m.parts.len(),
            parts_sent: m.parts_sent(),
            attempts: m.parts.iter().map(|p| u32::from(p.attempts)).sum(),
            attempts_left: m.attempts_left,
            unknown_parts: m.unknown_parts,
            priority: m.priority,
            created_ms: m.created.0,
            updated_ms: m.updated.0,
            not_before_ms: m.not_before.0,
            sent_ms: last_sent,
            delivered_ms: match m.state {
                State::Delivered { at } => Some(at.0),
                _ => None,
            },
            part_states: m
                .parts
                .iter()
                .map(|p| match p.state {
                    PartState::Pending => "pending".to_string(),
                    PartState::InFlight { attempt, .. } => format!("in flight (attempt {attempt})"),
                    PartState::Sent { mr, .. } => format!("sent (mr {mr})"),
                    PartState::Reported { mr, status, .. } => {
                        let meaning = crate::codec::pdu::Status(status).meaning().unwrap_or("reported");
                        format!("{meaning} (mr {mr}, TP-ST {status:#04x})")
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_from_json() {
        let cases: &[(&str, Option<Request>)] = &[
            (
                r#"{"cmd":"send","to":"+4917","text":"hi"}"#,
                Some(Request::Send { to: "+4917".into(), text: "hi".into(), priority: 0, status_report: false }),
            ),
            (r#"{"cmd":"status"}"#, Some(Request::Status)),
            (
                r#"{"cmd":"list","state":"failed"}"#,
                Some(Request::List { state: Some("failed".into()), limit: 50, offset: 0 }),
            ),
            (r#"{"cmd":"show","id":7}"#, Some(Request::Show { id: 7 })),
            (
                r#"{"cmd":"export","since":5,"after":[5,6],"limit":2}"#,
                Some(Request::Export { since: 5, after: Some((5, 6)), limit: 2 }),
            ),
            (r#"{"cmd":"show"}"#, None),
            (r#"{"cmd":"show","id":7,"extra":1}"#, None),
            (r#"{"cmd":"reboot"}"#, None),
            (r#"status"#, None),
        ];
        for (text, want) in cases {
            let got: Option<Request> = serde_json::from_str(text).ok();
            assert_eq!(&got, want, "{text}");
            if let Some(r) = want {
                let back: Request = serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap();
                assert_eq!(&back, r);
            }
        }
    }

    #[test]
    fn answers() {
        assert_eq!(ok(json!({"id": 3})), json!({"ok": true, "id": 3}));
        assert_eq!(failed("no message #3"), json!({"ok": false, "error": "no message #3"}));
    }
}
