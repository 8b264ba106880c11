//! `[inbox]`: what the gateway does with the messages and delivery reports it receives.

use std::time::Duration;

use super::keywords::Keywords;

/// Parts of a long message still missing after this long are given up on, when the
/// configuration does not say: a network delivers the parts of one message within minutes, a
/// day covers a phone that was off and a SIM that was full.
pub const DEFAULT_REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// How long the hook may run for one message, when the configuration does not say.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// How old a sent part may be for a delivery report to be matched to it, when the
/// configuration does not say. A report comes within the message's validity period at the
/// SMSC (days at most) or not at all; past it, a report with the same reference is more likely
/// for a later part that reused the reference.
pub const DEFAULT_REPORT_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// `[inbox]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxConfig {
    /// The parts of a long message that wait longer than this for the rest are released as an
    /// incomplete message.
    pub reassembly_timeout: Duration,
    /// A program run for each received message: its path (absolute) and its arguments, run
    /// without a shell.
    pub hook: Option<Vec<String>>,
    /// The hook is stopped after this long.
    pub hook_timeout: Duration,
    /// The words that opt a sender out and back in.
    pub keywords: Keywords,
    /// Honour the stop keywords: send nothing more to a sender who sent one.
    pub opt_out: bool,
    /// Whether messages queued locally (`smsgw send`, the control socket) ask for a delivery
    /// report by default. A `send` request's own `status_report` can only add one: it has no
    /// way to say "none" while this is on.
    pub status_reports: bool,
    /// A delivery report for a part sent longer ago than this is not matched to it.
    pub report_window: Duration,
}

impl Default for InboxConfig {
    fn default() -> InboxConfig {
        InboxConfig {
            reassembly_timeout: DEFAULT_REASSEMBLY_TIMEOUT,
            hook: None,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            keywords: Keywords::default(),
            opt_out: true,
            status_reports: false,
            report_window: DEFAULT_REPORT_WINDOW,
        }
    }
}
