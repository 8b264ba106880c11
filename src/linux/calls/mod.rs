//! Missed calls: whether a caller the gateway did not answer gets an SMS back, and what it says.
//!
//! [`CallsConfig::decide`] is pure: the time of the call, the last reply to the caller and
//! whether the caller opted out are arguments, so the daemon keeps the records and this module
//! only applies the policy. Its only outside reading is the time-zone database, when the
//! configuration is read.

mod callers;
mod quiet;
mod template;
mod zone;

use std::fmt;
use std::time::Duration;

pub use callers::{CallerRule, Callers};
pub use quiet::QuietHours;
pub use template::{Template, DEFAULT_TEMPLATE};
pub use zone::Zone;

use super::dates;
use super::number::{self, NumberError};

/// Why a `[calls]` setting was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    EmptyTemplate,
    /// A `{name}` that is not `{caller}`, `{time}`, `{date}` or `{gateway}`.
    UnknownPlaceholder(String),
    /// A `{` without its `}`: the text from the brace on.
    UnclosedBrace(String),
    /// A `}` that closes nothing.
    LoneBrace,
    UnknownZone {
        name: String,
        why: String,
    },
    BadQuietHours {
        text: String,
        why: String,
    },
    /// An allow or deny entry that is neither a number nor a prefix.
    BadCaller {
        entry: String,
        why: String,
    },
    BadCountry(NumberError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::EmptyTemplate => f.write_str("the reply's text is empty"),
            ConfigError::UnknownPlaceholder(name) => write!(
                f,
                "{{{name}}} is not a placeholder (known: {{caller}}, {{time}}, {{date}}, {{gateway}}; \
                 write {{{{ and }}}} for braces)"
            ),
            ConfigError::UnclosedBrace(from) => {
                write!(f, "the placeholder {from:?} has no closing }} (write {{{{ for a brace)")
            }
            ConfigError::LoneBrace => f.write_str("a } closes no placeholder (write }} for a brace)"),
            ConfigError::UnknownZone { name, why } => write!(f, "{name:?} is not a time zone: {why}"),
            ConfigError::BadQuietHours { text, why } => write!(f, "{text:?}: {why}"),
            ConfigError::BadCaller { entry, why } => write!(f, "{entry:?} is no number or prefix: {why}"),
            ConfigError::BadCountry(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {}

/// What to do with a reply due in quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuietAction {
    /// Send it when the quiet hours end.
    #[default]
    Defer,
    /// Send none.
    Skip,
}

/// How long a caller who had a reply gets no other, when the configuration does not say: a
/// caller who rings again and again hears from the gateway once a day.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// `[calls]`. The default sends no replies (calls are logged either way).
///
/// The allow and deny entries were normalised with `default_country` when read: build them
/// with [`CallerRule::parse`] and the same country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallsConfig {
    /// Send replies at all.
    pub reply: bool,
    pub template: Template,
    /// The zone of `{time}`, `{date}` and the quiet hours.
    pub time_zone: Zone,
    /// The calling code national numbers belong to (`"41"`), without `+`.
    pub default_country: Option<String>,
    pub callers: Callers,
    pub quiet_hours: Option<QuietHours>,
    pub quiet_action: QuietAction,
    /// No second reply to the same caller within this time.
    pub window: Duration,
}

impl Default for CallsConfig {
    fn default() -> CallsConfig {
        CallsConfig {
            reply: false,
            template: Template::default(),
            time_zone: Zone::default(),
            default_country: None,
            callers: Callers::default(),
            quiet_hours: None,
            quiet_action: QuietAction::Defer,
            window: DEFAULT_WINDOW,
        }
    }
}

/// A missed call, as the modem reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'a> {
    /// The number as the modem gave it (with `+` for an international one); `None`: withheld.
    pub number: Option<&'a str>,
    /// When it rang, in Unix milliseconds.
    pub at_ms: u64,
    /// How many times it rang; for the call log, the policy does not weigh it.
    pub rings: u8,
}

/// What to do about a missed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send `text` to `to` (normalised), not before `not_before_ms` if there is one (the end of
    /// the quiet hours).
    Reply { to: String, text: String, not_before_ms: Option<u64> },
    /// Send nothing; `caller` is the normalised number when there is one, for the log.
    Skip { caller: Option<String>, reason: SkipReason },
}

/// Why a missed call gets no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Disabled,
    Withheld,
    /// The number cannot be replied to: why, in words.
    InvalidNumber(String),
    Denied,
    NotAllowed,
    QuietHours,
    OptedOut,
    /// The caller had a reply at `at_ms`, within the window.
    RecentlyReplied {
        at_ms: u64,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Disabled => f.write_str("replies to missed calls are turned off"),
            SkipReason::Withheld => f.write_str("the caller withheld the number"),
            SkipReason::InvalidNumber(why) => write!(f, "no number to reply to: {why}"),
            SkipReason::Denied => f.write_str("the caller is on the deny list"),
            SkipReason::NotAllowed => f.write_str("the caller is not on the allow list"),
            SkipReason::QuietHours => f.write_str("the call came in quiet hours"),
            SkipReason::OptedOut => f.write_str("the caller asked for no more messages"),
            SkipReason::RecentlyReplied { at_ms } => {
                write!(f, "the caller already had a reply, at {}", dates::iso_utc(*at_ms))
            }
        }
    }
}

impl CallsConfig {
    /// The caller's number as the policy, the reply log and the opt-out list know it.
    pub fn caller(&self, raw: &str) -> Result<String, NumberError> {
        number::normalise(raw, self.default_country.as_deref())
    }

    /// Whether `call` gets a reply. `last_reply_ms` is when the same caller (by [`Self::caller`])
    /// last had one, `opted_out` whether the caller asked for no more messages; `gateway` is
    /// the name `{gateway}` stands for.
    ///
    /// The checks go from what is known about the call to what is known about the caller: a
    /// withheld or invalid number, replies turned off, the allow and deny lists, the opt-out,
    /// the de-duplication window, and last the quiet hours, which delay rather than refuse.
    pub fn decide(&self, call: &Call<'_>, gateway: &str, last_reply_ms: Option<u64>, opted_out: bool) -> Decision {
        let skip = |caller: Option<String>, reason| Decision::Skip { caller, reason };
        let raw = match call.number.map(str::trim) {
            None | Some("") => return skip(None, SkipReason::Withheld),
            Some(raw) => raw,
        };
        let caller = match self.caller(raw) {
            Ok(caller) => caller,
            Err(e) => return skip(None, SkipReason::InvalidNumber(e.to_string())),
        };
        if !self.reply {
            return skip(Some(caller), SkipReason::Disabled);
        }
        if let Some(reason) = self.callers.refusal(&caller) {
            return skip(Some(caller), reason);
        }
        if opted_out {
            return skip(Some(caller), SkipReason::OptedOut);
        }
        // A last reply "after" the call (the clock was set back) counts as recent too.
        if let Some(last) =
            last_reply_ms.filter(|last| u128::from(call.at_ms.saturating_sub(*last)) < self.window.as_millis())
        {
            return skip(Some(caller), SkipReason::RecentlyReplied { at_ms: last });
        }
        let local = self.time_zone.local(call.at_ms);
        let not_before_ms = match self.quiet_hours {
            Some(quiet) if quiet.contains(local) => match self.quiet_action {
                QuietAction::Skip => return skip(Some(caller), SkipReason::QuietHours),
                QuietAction::Defer => Some(quiet.end(&self.time_zone, local, call.at_ms)),
            },
            _ => None,
        };
        let text = self.template.render(&template::Fields { caller: &caller, local, gateway });
        Decision::Reply { to: caller, text, not_before_ms }
    }
}

#[cfg(test)]
mod tests;
