//! One connection to the upstream database and every statement the sync sends.
//!
//! # Claiming
//!
//! Rows are claimed with one `UPDATE … ORDER BY id LIMIT n` that sets `claimed_by` and a lease
//! (`claim_expires`, on the server's clock, so the gateways' clocks do not matter) on pending
//! rows whose lease is free. InnoDB locks each row the statement changes and re-reads a row
//! that another gateway's claim locked once that claim commits; by then its lease is taken and
//! the row no longer matches, so no row is claimed by two gateways. This works on every MySQL
//! and MariaDB version the old daemon ran on; `SELECT … FOR UPDATE SKIP LOCKED` would need
//! MariaDB 10.6 or MySQL 8 and a transaction of three statements, for no gain at the few
//! rows a second an SMS gateway claims (a claim statement holds its locks for milliseconds).
//! The claimed rows are then read back by `claimed_by` and the statement's time, kept in a
//! session variable.
//!
//! # Pushing
//!
//! A status change is applied with `WHERE id = ? AND claimed_by = ? AND (push_seq IS NULL OR
//! push_seq < ?)`: the store's push sequence number only grows, so a change applied before
//! (the acknowledgement to the store was lost) changes nothing the second time, and a gateway
//! that lost its claim to another one cannot overwrite that one's results. A new claim clears
//! `push_seq`, since the sequence belongs to one gateway's store.

use mysql::prelude::Queryable;
use mysql::{Conn, Row, Value};

use super::config::UpstreamConfig;
use super::error::{Error, Result};
use super::row::COLUMNS;
use super::schema;
use crate::codec::pdu::Status;
use crate::linux::store::{reported_status, Push, StateKind, UnixMs};

/// Widest text the `error_message`, `events.detail` columns take (characters).
const TEXT_COLUMN_CHARS: usize = 255;

/// `text` cut to what a VARCHAR(255) column holds (it counts characters, not bytes).
pub fn column_text(text: &str) -> String {
    text.chars().take(TEXT_COLUMN_CHARS).collect()
}

/// What one push does to its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowChange {
    /// Queued again (a temporary failure, or a retry): still pending, attempts counted down.
    Retrying {
        attempts: u8,
        error: Option<String>,
    },
    /// Every part accepted by the network.
    Sent {
        at: UnixMs,
        attempts: u8,
    },
    /// Given up before it was sent, or (when the row is already `sent`) not delivered:
    /// `expired` when the report said the validity period ran out (TP-ST 0x46).
    Failed {
        attempts: u8,
        error: String,
        expired: bool,
    },
    Delivered {
        at: UnixMs,
    },
    /// Withdrawn on the gateway.
    Cancelled,
}

impl RowChange {
    /// The row change for a push; `None` when the row has nothing to learn (a part went out).
    pub fn of(push: &Push) -> Option<RowChange> {
        let error = push.error.as_deref().map(column_text);
        Some(match push.state {
            StateKind::Sending => return None,
            StateKind::Queued => RowChange::Retrying { attempts: push.attempts_left, error },
            StateKind::Sent => RowChange::Sent { at: push.at, attempts: push.attempts_left },
            StateKind::Failed => {
                let expired = push.error.as_deref().and_then(reported_status) == Some(Status::EXPIRED);
                RowChange::Failed {
                    attempts: push.attempts_left,
                    error: error.unwrap_or_else(|| "failed".into()),
                    expired,
                }
            }
            StateKind::Delivered => RowChange::Delivered { at: push.at },
            StateKind::Cancelled => RowChange::Cancelled,
        })
    }
}

/// A received message as the `inbox` table takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow<'a> {
    pub local_id: u64,
    pub sender: &'a str,
    pub text: &'a str,
    pub received: UnixMs,
    pub smsc: Option<&'a str>,
    pub parts: u8,
    pub complete: bool,
    /// The service centre's time stamp with its offset, as the message carried it.
    pub sms_timestamp: Option<&'a str>,
}

/// Something the gateway recorded on its own, for the `events` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEvent<'a> {
    pub kind: &'a str,
    pub local_id: u64,
    pub phone_number: Option<&'a str>,
    pub detail: &'a str,
    pub at: UnixMs,
}

/// The guard every push carries: this gateway's claim, and not applied before.
const PUSH_GUARD: &str = "WHERE id = ? AND claimed_by = ? AND (push_seq IS NULL OR push_seq < ?)";

/// A connection, checked to have the migrated schema.
#[derive(Debug)]
pub struct Link {
    conn: Conn,
    gateway: String,
    lease_secs: u64,
}

impl Link {
    /// Connects (with the configuration's timeouts and TLS) and checks the schema.
    pub fn connect(config: &UpstreamConfig, gateway: &str) -> Result<Link> {
        config.validate()?;
        let mut conn = Conn::new(config.opts()?)?;
        schema::check(&mut conn)?;
        Ok(Link { conn, gateway: gateway.to_string(), lease_secs: config.lease_secs })
    }

    /// Is any row waiting to be claimed? One indexed query that reads at most one row: the
    /// idle poll.
    pub fn has_claimable(&mut self) -> Result<bool> {
        let hit: Option<u8> = self.conn.query_first(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND attempts > 0 \
             AND (claim_expires IS NULL OR claim_expires < NOW(3)) LIMIT 1",
        )?;
        Ok(hit.is_some())
    }

    /// Claims up to `limit` rows and returns their values (see [`COLUMNS`]). The claim is
    /// committed when this returns: a crash before the rows reach the store leaves them
    /// claimed by this gateway, and [`Link::held_rows`] finds them at the next connect.
    pub fn claim(&mut self, limit: u32) -> Result<Vec<Vec<Value>>> {
        self.conn.query_drop("SET @smsgw_claim = NOW(3)")?;
        self.conn.exec_drop(
            "UPDATE outbox SET claimed_by = ?, claim_expires = @smsgw_claim + INTERVAL ? SECOND, \
             claim_generation = claim_generation + 1, push_seq = NULL \
             WHERE status = 'pending' AND attempts > 0 \
             AND (claim_expires IS NULL OR claim_expires < @smsgw_claim) ORDER BY id LIMIT ?",
            (&self.gateway, self.lease_secs, limit),
        )?;
        if self.conn.affected_rows() == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<Row> = self.conn.exec(
            format!(
                "SELECT {COLUMNS} FROM outbox WHERE claimed_by = ? AND status = 'pending' \
                 AND claim_expires = @smsgw_claim + INTERVAL ? SECOND ORDER BY id"
            ),
            (&self.gateway, self.lease_secs),
        )?;
        Ok(rows.into_iter().map(Row::unwrap).collect())
    }

    /// Every pending row this gateway holds a claim on (live or lapsed but not taken).
    pub fn held_rows(&mut self) -> Result<Vec<Vec<Value>>> {
        let rows: Vec<Row> = self.conn.exec(
            format!(
                "SELECT {COLUMNS} FROM outbox WHERE claimed_by = ? AND status = 'pending' \
                 AND claim_expires IS NOT NULL ORDER BY id"
            ),
            (&self.gateway,),
        )?;
        Ok(rows.into_iter().map(Row::unwrap).collect())
    }

    /// The ids of [`Link::held_rows`].
    pub fn held_ids(&mut self) -> Result<Vec<u64>> {
        Ok(self.conn.exec(
            "SELECT id FROM outbox WHERE claimed_by = ? AND status = 'pending' AND claim_expires IS NOT NULL",
            (&self.gateway,),
        )?)
    }

    /// Extends the lease of every pending row this gateway holds, lapsed ones included (no
    /// other gateway took them); returns how many.
    pub fn renew(&mut self) -> Result<u64> {
        self.conn.exec_drop(
            "UPDATE outbox SET claim_expires = NOW(3) + INTERVAL ? SECOND \
             WHERE claimed_by = ? AND status = 'pending' AND claim_expires IS NOT NULL",
            (self.lease_secs, &self.gateway),
        )?;
        Ok(self.conn.affected_rows())
    }

    /// Fails a claimed row that cannot be sent; `attempts` stays as it was, so the row shows
    /// what it had. False when the row is no longer this gateway's pending claim.
    pub fn fail_row(&mut self, id: u64, reason: &str) -> Result<bool> {
        self.conn.exec_drop(
            "UPDATE outbox SET error_message = ?, claim_expires = NULL, status = 'failed' \
             WHERE id = ? AND claimed_by = ? AND status = 'pending'",
            (column_text(reason), id, &self.gateway),
        )?;
        Ok(self.conn.affected_rows() > 0)
    }

    /// Applies one push to row `id`. False when it changed nothing: applied before, or the
    /// row is no longer this gateway's.
    pub fn apply(&mut self, id: u64, seq: u64, change: &RowChange) -> Result<bool> {
        let g = &self.gateway;
        match change {
            RowChange::Retrying { attempts, error } => self.conn.exec_drop(
                format!(
                    "UPDATE outbox SET attempts = ?, error_message = ?, \
                     claim_expires = COALESCE(claim_expires, NOW(3) + INTERVAL ? SECOND), \
                     status = 'pending', push_seq = ? {PUSH_GUARD}"
                ),
                (attempts, error, self.lease_secs, seq, id, g, seq),
            )?,
            RowChange::Sent { at, attempts } => self.conn.exec_drop(
                format!(
                    "UPDATE outbox SET sent_at = FROM_UNIXTIME(? / 1000), attempts = ?, error_message = NULL, \
                     delivery_status = IF(status_report <> 0, 'pending', NULL), delivered_at = NULL, \
                     claim_expires = NULL, status = 'sent', push_seq = ? {PUSH_GUARD}"
                ),
                (at.0, attempts, seq, id, g, seq),
            )?,
            // MySQL assigns left to right, so `status` is read before it is set.
            RowChange::Failed { attempts, error, expired } => self.conn.exec_drop(
                format!(
                    "UPDATE outbox SET delivery_status = IF(status = 'sent', {}, delivery_status), \
                     attempts = IF(status = 'sent', attempts, ?), error_message = ?, claim_expires = NULL, \
                     status = IF(status = 'sent', 'sent', 'failed'), push_seq = ? {PUSH_GUARD}",
                    if *expired { "'expired'" } else { "'failed'" }
                ),
                (attempts, error, seq, id, g, seq),
            )?,
            RowChange::Delivered { at } => self.conn.exec_drop(
                format!(
                    "UPDATE outbox SET delivery_status = 'delivered', delivered_at = FROM_UNIXTIME(? / 1000), \
                     push_seq = ? {PUSH_GUARD}"
                ),
                (at.0, seq, id, g, seq),
            )?,
            RowChange::Cancelled => self.conn.exec_drop(
                format!(
                    "UPDATE outbox SET error_message = IF(status = 'pending', ?, error_message), \
                     claim_expires = NULL, status = IF(status = 'pending', 'failed', status), \
                     push_seq = ? {PUSH_GUARD}"
                ),
                (column_text(&format!("cancelled on gateway {g}")), seq, id, g, seq),
            )?,
        }
        Ok(self.conn.affected_rows() > 0)
    }

    /// Inserts a received message into `inbox`, once: the row is keyed by this gateway and the
    /// message's local id, so a push repeated after a lost acknowledgement inserts nothing.
    /// True when the row is new.
    pub fn insert_received(&mut self, m: &InboxRow<'_>) -> Result<bool> {
        self.conn.exec_drop(
            "INSERT IGNORE INTO inbox (gateway, local_id, sender, message, received_at, smsc, parts, complete, \
             sms_timestamp) VALUES (?, ?, ?, ?, FROM_UNIXTIME(? / 1000), ?, ?, ?, ?)",
            (&self.gateway, m.local_id, m.sender, m.text, m.received.0, m.smsc, m.parts, m.complete, m.sms_timestamp),
        )?;
        Ok(self.conn.affected_rows() > 0)
    }

    /// Inserts an event the gateway recorded locally (a call, an opt-out) into `events`, once,
    /// keyed by gateway, kind and local id, with the time it happened.
    pub fn insert_local_event(&mut self, e: &LocalEvent<'_>) -> Result<bool> {
        self.conn.exec_drop(
            "INSERT IGNORE INTO events (gateway, kind, local_id, phone_number, detail, created_at) \
             VALUES (?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000))",
            (&self.gateway, e.kind, e.local_id, e.phone_number, column_text(e.detail), e.at.0),
        )?;
        Ok(self.conn.affected_rows() > 0)
    }

    /// Records an event (`kind`: `bad_row`, `resend`, `lost_claim`, `connected`…).
    pub fn event(&mut self, kind: &str, outbox_id: Option<u64>, detail: &str) -> Result<()> {
        self.conn.exec_drop(
            "INSERT INTO events (gateway, kind, outbox_id, detail) VALUES (?, ?, ?, ?)",
            (&self.gateway, kind, outbox_id, column_text(detail)),
        )?;
        Ok(())
    }
}

/// Releases every claim `gateway` holds on rows not sent yet, at once (for a gateway that is
/// gone for good); returns how many rows. Its lease would free them in time anyway.
pub fn release(conn: &mut Conn, gateway: &str) -> Result<u64> {
    conn.exec_drop(
        "UPDATE outbox SET claimed_by = NULL, claim_expires = NULL WHERE claimed_by = ? AND status = 'pending'",
        (gateway,),
    )?;
    Ok(conn.affected_rows())
}

/// Connects for the `smsgw db` tools: the same checks and options as the sync, but no schema
/// check (they make the schema).
pub fn connect_admin(config: &UpstreamConfig) -> Result<Conn> {
    config.validate()?;
    Conn::new(config.opts()?).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::store::MessageId;

    fn push(state: StateKind, error: Option<&str>) -> Push {
        Push {
            seq: 9,
            id: MessageId(1),
            upstream_id: 5,
            at: UnixMs(1_700_000_000_123),
            state,
            attempts_left: 2,
            parts_sent: 1,
            error: error.map(Into::into),
        }
    }

    #[test]
    fn each_state_maps_to_its_row_change() {
        let long = "e".repeat(400);
        let expired = "not delivered: part 1: SM validity period expired (TP-ST 0x46)".to_string();
        let refused = "not delivered: part 2: remote procedure error (TP-ST 0x41)".to_string();
        let cases = [
            (push(StateKind::Sending, None), None),
            (
                push(StateKind::Queued, Some("no signal")),
                Some(RowChange::Retrying { attempts: 2, error: Some("no signal".into()) }),
            ),
            (push(StateKind::Sent, None), Some(RowChange::Sent { at: UnixMs(1_700_000_000_123), attempts: 2 })),
            (
                push(StateKind::Failed, Some(&long)),
                Some(RowChange::Failed { attempts: 2, error: "e".repeat(255), expired: false }),
            ),
            (
                push(StateKind::Failed, None),
                Some(RowChange::Failed { attempts: 2, error: "failed".into(), expired: false }),
            ),
            (
                push(StateKind::Failed, Some(&expired)),
                Some(RowChange::Failed { attempts: 2, error: expired.clone(), expired: true }),
            ),
            (
                push(StateKind::Failed, Some(&refused)),
                Some(RowChange::Failed { attempts: 2, error: refused.clone(), expired: false }),
            ),
            (push(StateKind::Delivered, None), Some(RowChange::Delivered { at: UnixMs(1_700_000_000_123) })),
            (push(StateKind::Cancelled, None), Some(RowChange::Cancelled)),
        ];
        for (p, want) in cases {
            assert_eq!(RowChange::of(&p), want, "{:?}", p.state);
        }
    }

    #[test]
    fn column_text_counts_characters() {
        assert_eq!(column_text(&"ü".repeat(300)).chars().count(), 255);
        assert_eq!(column_text("short"), "short");
    }
}
