//! Incoming calls: `RING` and `+CLIP` arrive in either order, once per ring, and the call ends
//! with `NO CARRIER`, `^CEND`, or just silence. The caller hears of each call once.

use core::time::Duration;

use super::event::PhoneNumber;
use crate::codec::at::urc::Clip;
use crate::time::Instant;

/// Whether and how the driver is hanging up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum HangUp {
    No,
    /// Due: `ATH` goes out when the modem is free.
    Wanted,
    /// `ATH` was refused: `AT+CHUP` goes out next.
    WantedChup,
    /// In progress or given up on.
    Sent,
}

/// A call that is ringing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Ringing {
    pub(crate) first: Instant,
    pub(crate) last: Instant,
    pub(crate) rings: u8,
    /// The caller heard of it (`IncomingCall` was queued).
    pub(crate) announced: bool,
    pub(crate) number: Option<PhoneNumber>,
    pub(crate) hang_up: HangUp,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Call {
    #[default]
    Idle,
    Ringing(Ringing),
    /// The driver just hung up: `RING`s still on the line belong to the call that ended.
    Quiet {
        until: Instant,
    },
}

/// The number in a `+CLIP`, or `None` if withheld, unavailable or not a number that fits.
pub(crate) fn caller_number(clip: &Clip<'_>) -> Option<PhoneNumber> {
    if matches!(clip.validity, Some(1 | 2)) || clip.number.is_empty() {
        return None;
    }
    let mut n = PhoneNumber::new();
    // Type 145 is international; some modems print the `+`, some leave it to the type.
    if clip.number_type == 145 && !clip.number.starts_with('+') {
        n.push('+').ok()?;
    }
    n.push_str(clip.number).ok()?;
    Some(n)
}

impl Call {
    /// A `RING` (or `+CRING`) at `now`; returns whether a new call started.
    pub(crate) fn ring(&mut self, now: Instant) -> bool {
        if let Call::Quiet { until } = *self {
            if !now.reached(until) {
                return false;
            }
            *self = Call::Idle;
        }
        let started = self.start(now);
        if let Call::Ringing(r) = self {
            r.rings = r.rings.saturating_add(1);
            r.last = now;
        }
        started
    }

    /// A `+CLIP` at `now`: the number, if this call has none yet. Returns whether a new call
    /// started.
    pub(crate) fn clip(&mut self, now: Instant, number: Option<PhoneNumber>) -> bool {
        if let Call::Quiet { until } = *self {
            if !now.reached(until) {
                return false;
            }
            *self = Call::Idle;
        }
        let started = self.start(now);
        if let Call::Ringing(r) = self {
            r.last = now;
            if !r.announced && r.number.is_none() {
                r.number = number;
            }
        }
        started
    }

    fn start(&mut self, now: Instant) -> bool {
        if matches!(self, Call::Ringing(_)) {
            return false;
        }
        *self = Call::Ringing(Ringing {
            first: now,
            last: now,
            rings: 0,
            announced: false,
            number: None,
            hang_up: HangUp::No,
        });
        true
    }

    pub(crate) fn ringing(&mut self) -> Option<&mut Ringing> {
        match self {
            Call::Ringing(r) => Some(r),
            _ => None,
        }
    }

    /// When the call timer should fire: the end of the wait for `+CLIP`, then of the silence
    /// that ends the call, or the end of the quiet time.
    pub(crate) fn deadline(&self, clip_wait: Duration, silence: Duration) -> Option<Instant> {
        match self {
            Call::Idle => None,
            Call::Ringing(r) if !r.announced => Some((r.first + clip_wait).min(r.last + silence)),
            Call::Ringing(r) => Some(r.last + silence),
            Call::Quiet { until } => Some(*until),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(number: &str, number_type: u8, validity: Option<u8>) -> Clip<'_> {
        Clip { number, number_type, alpha: None, validity }
    }

    #[test]
    fn caller_numbers() {
        let cases: &[(Clip<'_>, Option<&str>)] = &[
            (clip("+4912345", 145, Some(0)), Some("+4912345")),
            (clip("4912345", 145, None), Some("+4912345")),
            (clip("0301234", 129, None), Some("0301234")),
            (clip("", 128, Some(1)), None),
            (clip("0301234", 129, Some(2)), None),
            (clip("", 129, None), None),
            (clip("1234567890123456789012345", 129, None), None),
        ];
        for (c, want) in cases {
            assert_eq!(caller_number(c).as_deref(), *want, "{c:?}");
        }
    }

    #[test]
    fn one_call_from_rings_and_clips_in_either_order() {
        let t = Instant::from_millis;
        let mut c = Call::Idle;
        assert!(c.ring(t(0)));
        assert!(!c.clip(t(10), PhoneNumber::try_from("+491").ok()));
        assert!(!c.ring(t(4000)));
        assert!(!c.clip(t(4010), PhoneNumber::try_from("+492").ok()));
        let r = c.ringing().unwrap();
        assert_eq!((r.rings, r.number.as_deref()), (2, Some("+491")));

        let mut c = Call::Idle;
        assert!(c.clip(t(0), None));
        assert!(!c.ring(t(5)));
        assert_eq!(c.ringing().unwrap().rings, 1);

        let mut c = Call::Quiet { until: t(100) };
        assert!(!c.ring(t(50)));
        assert_eq!(c, Call::Quiet { until: t(100) });
        assert!(c.ring(t(100)));
    }

    #[test]
    fn deadlines() {
        let t = Instant::from_millis;
        let (wait, silence) = (Duration::from_millis(1500), Duration::from_millis(8000));
        let mut c = Call::Idle;
        assert_eq!(c.deadline(wait, silence), None);
        c.ring(t(1000));
        assert_eq!(c.deadline(wait, silence), Some(t(2500)));
        c.ringing().unwrap().announced = true;
        c.ring(t(5000));
        assert_eq!(c.deadline(wait, silence), Some(t(13000)));
    }
}
