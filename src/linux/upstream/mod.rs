//! The upstream sync: the MySQL/MariaDB `outbox` table the old daemon polled, shared by any
//! number of gateways.
//!
//! - Rows are claimed atomically in the database ([`link`]: a lease per row, on the server's
//!   clock), validated ([`row`]: bad rows fail with a clear `error_message` and never hold up
//!   the rows behind them), and stored in the local queue before they count as claimed.
//! - Every status change of the local queue goes back exactly once, in order, from the store's
//!   push outbox; changes made while the database is away stay on flash until it returns.
//! - Sending never waits for the database: the sync is its own thread ([`Sync::spawn`]), and
//!   every statement has connect, read and write timeouts; a lost link is retried with a
//!   capped backoff and shows in [`UpstreamState`].
//! - A host that is not local needs TLS with certificate verification ([`UpstreamConfig::validate`]);
//!   the password comes from a file or an environment variable, never the command line.
//! - A gateway's database user needs only SELECT and UPDATE on `outbox` and INSERT on
//!   `inbox` and `events`: [`GRANTS_SQL`].
//!
//! The schema and its migrations are in [`schema`]. A dead gateway's claims free themselves
//! when its lease lapses (`lease_secs`, 15 minutes by default), or at once with
//! `smsgw db release GATEWAY`.
//!
//! Bad rows keep their `attempts`: the row says what it had, and `status = 'failed'` already
//! keeps the old daemon's `attempts > 0` query from picking it up.
//!
//! A row reset to `pending` by hand after the gateway finished it (`UPDATE outbox SET
//! status='pending', attempts=3, error_message=NULL WHERE id=…`) is claimed again and sent
//! again as a new message ([`key`]); the store's idempotency by upstream id covers only
//! repeated claims of the same send.

pub mod config;
pub mod error;
pub mod key;
pub mod link;
pub mod row;
pub mod schema;
pub mod state;
mod sync;

pub use config::{Password, UpstreamConfig};
pub use error::{Error, Result};
pub use state::{Connection, UpstreamState};
pub use sync::{Sync, SyncHandle};

/// The grants of a gateway's database user (least privilege), to adapt and run as an
/// administrator.
pub const GRANTS_SQL: &str = include_str!("grants.sql");
