//! The bytes the simulated modem sends to the host, in runs ("segments") that each become due
//! at an instant: a delayed response waits, a split response goes out in several writes, and
//! with pacing on the bytes trickle out at the speed of a 115200-baud line.

use core::fmt;

use super::rng::Rng;
use crate::time::Instant;

/// Bytes waiting to go to the host. The largest single response is a full `AT+CMGL` listing:
/// 30 slots × (a `+CMGL:` header of about 20 bytes + a PDU of up to 352 hex digits + line ends)
/// ≈ 11.3 KiB; 16 KiB leaves room for echoes and URCs queued behind it.
pub const TX_CAPACITY: usize = 16 * 1024;

/// Runs with their own due time. A split response takes at most [`MAX_PIECES`]; a few
/// responses and URCs may wait behind a delayed one. When full, a new run is merged into the
/// last one (it then goes out with it): timing coarsens, no byte is lost.
pub const SEGMENTS: usize = 64;

/// A response split across writes is cut into at most this many pieces.
pub const MAX_PIECES: usize = 6;

/// One byte on a 115200-baud line with 8N1 framing: 10 bits / 115200 bit/s = 86.805 µs.
pub const NANOS_PER_BYTE_115200: u64 = 86_806;

/// Pieces of a split response leave this far apart, so that each is its own write.
const PIECE_GAP_MS: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// End of the run, as an index into `buf`.
    end: usize,
    due: Instant,
}

/// How a run of output is released; see [`Output::commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Release {
    pub due: Instant,
    /// Cut into pieces that leave a few milliseconds apart.
    pub split: bool,
}

/// The transmit queue.
#[derive(Debug)]
pub struct Output {
    buf: [u8; TX_CAPACITY],
    /// Next byte to hand out.
    head: usize,
    /// End of the committed bytes; bytes from here to `len` are being written.
    committed: usize,
    len: usize,
    segments: heapless::Deque<Segment, SEGMENTS>,
    /// The last due time handed to a segment: runs never overtake each other.
    last_due: Instant,
    paced: bool,
    /// When the paced line finishes the last byte handed out, in nanoseconds.
    line_free_ns: u64,
    /// Bytes of the run being written that did not fit.
    open_overflow: usize,
    /// Bytes lost because the queue was full, since the start.
    overflowed: u64,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            buf: [0; TX_CAPACITY],
            head: 0,
            committed: 0,
            len: 0,
            segments: heapless::Deque::new(),
            last_due: Instant::ZERO,
            paced: false,
            line_free_ns: 0,
            open_overflow: 0,
            overflowed: 0,
        }
    }
}

fn nanos(t: Instant) -> u64 {
    t.as_millis().saturating_mul(1_000_000)
}

impl Output {
    /// Drops everything queued (power off, reboot).
    pub fn clear(&mut self) {
        self.head = 0;
        self.committed = 0;
        self.len = 0;
        self.segments.clear();
        self.open_overflow = 0;
    }

    pub fn set_paced(&mut self, paced: bool) {
        self.paced = paced;
    }

    pub fn is_paced(&self) -> bool {
        self.paced
    }

    /// Bytes queued and not yet handed out.
    pub fn pending(&self) -> usize {
        self.committed - self.head
    }

    /// Bytes lost to a full queue since the start.
    pub fn overflowed(&self) -> u64 {
        self.overflowed
    }

    /// Appends to the run being written. Bytes that do not fit are counted and dropped.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.head == self.committed && self.segments.is_empty() && self.head > 0 {
            // Everything committed went out: start over at the front.
            self.buf.copy_within(self.head..self.len, 0);
            self.len -= self.head;
            self.committed = 0;
            self.head = 0;
        }
        if self.len + bytes.len() > TX_CAPACITY && self.head > 0 {
            let shift = self.head;
            self.buf.copy_within(shift..self.len, 0);
            self.len -= shift;
            self.committed -= shift;
            self.head = 0;
            for s in self.segments.iter_mut() {
                s.end -= shift;
            }
        }
        let room = TX_CAPACITY - self.len;
        let n = bytes.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        self.open_overflow += bytes.len() - n;
    }

    /// Forgets the run being written (a dropped response).
    pub fn discard(&mut self) {
        self.len = self.committed;
        self.open_overflow = 0;
    }

    /// Bytes of the run being written.
    pub fn open_len(&self) -> usize {
        self.len - self.committed
    }

    /// Releases the run being written at `release.due` (never before an earlier run), cut into
    /// pieces when `release.split` is set.
    pub fn commit(&mut self, release: Release, rng: &mut Rng) {
        self.overflowed += self.open_overflow as u64;
        self.open_overflow = 0;
        let start = self.committed;
        let end = self.len;
        if end == start {
            return;
        }
        let mut due = release.due.max(self.last_due);
        if release.split && end - start > 1 {
            // Up to MAX_PIECES - 1 distinct cut points, in order.
            let cuts = 1 + rng.below((MAX_PIECES - 1) as u64) as usize;
            let mut points: heapless::Vec<usize, MAX_PIECES> = heapless::Vec::new();
            for _ in 0..cuts {
                let p = start + 1 + rng.below((end - start - 1) as u64) as usize;
                if !points.contains(&p) {
                    // At most MAX_PIECES - 1 pushes.
                    let _ = points.push(p);
                }
            }
            points.sort_unstable();
            for p in points {
                self.push_segment(Segment { end: p, due });
                due += core::time::Duration::from_millis(PIECE_GAP_MS);
            }
        }
        self.push_segment(Segment { end, due });
        self.committed = end;
    }

    fn push_segment(&mut self, seg: Segment) {
        self.last_due = seg.due;
        if let Err(seg) = self.segments.push_back(seg) {
            if let Some(last) = self.segments.back_mut() {
                last.end = seg.end;
                last.due = seg.due;
            }
        }
    }

    /// When the next byte is due, if any is queued.
    pub fn next_due(&self) -> Option<Instant> {
        let seg = self.segments.front()?;
        if !self.paced {
            return Some(seg.due);
        }
        let done = self.line_free_ns.max(nanos(seg.due)) + NANOS_PER_BYTE_115200;
        Some(Instant::from_millis(done.div_ceil(1_000_000)))
    }

    /// The bytes due by `now`, at most one run of them: each call is one write to the host.
    pub fn poll(&mut self, now: Instant) -> Option<&[u8]> {
        loop {
            let seg = *self.segments.front()?;
            if seg.end <= self.head {
                self.segments.pop_front();
                continue;
            }
            if seg.due > now {
                return None;
            }
            let available = seg.end - self.head;
            let n = if self.paced {
                let start = self.line_free_ns.max(nanos(seg.due));
                let fit = nanos(now).saturating_sub(start) / NANOS_PER_BYTE_115200;
                let n = available.min(usize::try_from(fit).unwrap_or(usize::MAX));
                if n == 0 {
                    return None;
                }
                self.line_free_ns = start + n as u64 * NANOS_PER_BYTE_115200;
                n
            } else {
                available
            };
            let from = self.head;
            self.head += n;
            if self.head == seg.end {
                self.segments.pop_front();
            }
            return self.buf.get(from..from + n);
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Output {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Output {{ pending: {=usize}, paced: {=bool} }}", self.pending(), self.paced);
    }
}

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    fn now_at(n: u64) -> Release {
        Release { due: ms(n), split: false }
    }

    #[test]
    fn runs_wait_for_their_time_and_keep_their_order() {
        let (mut o, mut rng) = (Output::default(), Rng::new(1));
        o.write(b"late");
        o.commit(now_at(100), &mut rng);
        o.write(b"early");
        o.commit(now_at(10), &mut rng);
        assert_eq!(o.next_due(), Some(ms(100)));
        assert_eq!(o.poll(ms(50)), None);
        assert_eq!(o.poll(ms(100)), Some(&b"late"[..]));
        // Queued behind the late run, it goes right after it.
        assert_eq!(o.poll(ms(100)), Some(&b"early"[..]));
        assert_eq!(o.poll(ms(200)), None);
        assert_eq!((o.next_due(), o.pending()), (None, 0));
    }

    #[test]
    fn discard_forgets_only_the_open_run() {
        let (mut o, mut rng) = (Output::default(), Rng::new(1));
        o.write(b"kept");
        o.commit(now_at(0), &mut rng);
        o.write(b"dropped");
        assert_eq!(o.open_len(), 7);
        o.discard();
        assert_eq!(o.poll(ms(0)), Some(&b"kept"[..]));
        assert_eq!(o.poll(ms(0)), None);
    }

    #[test]
    fn split_goes_out_in_several_writes_that_join() {
        let (mut o, mut rng) = (Output::default(), Rng::new(9));
        o.write(b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
        o.commit(Release { due: ms(0), split: true }, &mut rng);
        let mut writes = 0;
        let mut joined = heapless::Vec::<u8, 64>::new();
        let mut t = ms(0);
        while o.pending() > 0 {
            if let Some(b) = o.poll(t) {
                joined.extend_from_slice(b).unwrap();
                writes += 1;
            } else {
                t = o.next_due().unwrap();
            }
        }
        assert!(writes >= 2, "{writes}");
        assert_eq!(joined.as_slice(), b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    }

    #[test]
    fn pacing_releases_eleven_or_twelve_bytes_a_millisecond() {
        let (mut o, mut rng) = (Output::default(), Rng::new(1));
        o.set_paced(true);
        o.write(&[b'x'; 1000]);
        o.commit(now_at(0), &mut rng);
        assert_eq!(o.poll(ms(0)), None);
        assert_eq!(o.next_due(), Some(ms(1)));
        assert_eq!(o.poll(ms(1)).map(<[u8]>::len), Some(11));
        // 1000 bytes take 86.8 ms in all.
        let mut sent = 11;
        let mut t = ms(1);
        while sent < 1000 {
            t += Duration::from_millis(1);
            sent += o.poll(t).map_or(0, <[u8]>::len);
        }
        assert_eq!(t, ms(87));
    }

    #[test]
    fn overflow_is_counted_not_silent() {
        let (mut o, mut rng) = (Output::default(), Rng::new(1));
        o.write(&[0; TX_CAPACITY - 2]);
        o.write(b"abcd");
        o.commit(now_at(0), &mut rng);
        assert_eq!(o.overflowed(), 2);
        assert_eq!(o.poll(ms(0)).map(<[u8]>::len), Some(TX_CAPACITY));
        // Room again once handed out.
        o.write(b"ok");
        o.commit(now_at(0), &mut rng);
        assert_eq!(o.poll(ms(0)), Some(&b"ok"[..]));
    }

    #[test]
    fn full_segment_table_merges_runs() {
        let (mut o, mut rng) = (Output::default(), Rng::new(1));
        for i in 0..(SEGMENTS as u64 + 10) {
            o.write(b"u");
            o.commit(now_at(i), &mut rng);
        }
        let mut total = 0;
        while let Some(b) = o.poll(ms(1_000)) {
            total += b.len();
        }
        assert_eq!(total, SEGMENTS + 10);
    }
}
