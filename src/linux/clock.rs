//! The one place that reads the clock.
//!
//! Everything below the Linux shell takes time as an argument ([`crate::time::Instant`]); the
//! shell reads it here, so a test or a replay can see every point where real time enters.

use std::sync::OnceLock;
use std::time::{Instant as StdInstant, SystemTime, UNIX_EPOCH};

use crate::time::Instant;

/// The monotonic origin of [`now`]: the first time the process asked for the time.
fn origin() -> StdInstant {
    static ORIGIN: OnceLock<StdInstant> = OnceLock::new();
    *ORIGIN.get_or_init(StdInstant::now)
}

/// Monotonic time for timers and timeouts, never going back when the wall clock is set (a
/// board without a real-time clock jumps decades once NTP answers).
pub fn now() -> Instant {
    let since = StdInstant::now().saturating_duration_since(origin());
    Instant::from_millis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// Wall-clock time in milliseconds since the Unix epoch, for records people read (sent at,
/// received at). Zero if the clock is before 1970, which only an unset board clock can be.
pub fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_and_plausible() {
        let a = now();
        let b = now();
        assert!(b >= a);
        // 2020-01-01 in ms: a machine running these tests has a set clock.
        assert!(unix_millis() > 1_577_836_800_000);
    }
}
