//! The AT side of TS 27.005 / 27.007: the line digester and the CMS/CME error tables.
//!
//! - [`digester`]: the modem's byte stream in, echoes, prompts, responses, final results and
//!   URCs out.
//! - [`urc`]: which lines are unsolicited and what their parameters mean.
//! - [`fields`]: splitting `+XXXX: a,"b",c` parameters.
//! - [`errors`]: `+CMS ERROR` / `+CME ERROR` codes, their texts, and whether a failed message is
//!   worth sending again.

pub mod digester;
pub mod errors;
pub mod fields;
pub mod urc;

pub use digester::{Digester, Final, Item, LINE_CAPACITY};
pub use errors::{CmeCode, CmsCode, Permanence};
pub use urc::{Urc, UrcKind, UrcLine};

#[cfg(test)]
mod transcripts;
