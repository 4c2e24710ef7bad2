//! What a window is: its size, how far the next one starts after it (the slide), and how
//! late a message may come. Windows are aligned to the Unix epoch: they start at whole
//! multiples of the slide and cover the half-open interval `[start, start + size)`.
//! The arithmetic runs on nanoseconds since the epoch in `i128`, which cannot overflow for
//! any [`Timestamp`] and [`Duration`].

use super::WindowErr;
use sea_streamer_types::Timestamp;
use std::ops::Range;
use std::time::Duration;

/// Size, slide and allowed lateness of event-time windows.
///
/// - **Tumbling** windows ([`tumbling`](Self::tumbling)): slide = size; every message is in
///   exactly one window.
/// - **Sliding** (hopping) windows ([`sliding`](Self::sliding)): a new window starts every
///   `slide`; a message is in `size / slide` windows (rounded up or down when the slide
///   does not divide the size).
/// - **Allowed lateness** ([`with_allowed_lateness`](Self::with_allowed_lateness), default
///   zero): the watermark is the largest timestamp seen minus this, and a window closes
///   when the watermark reaches its end. A message may come this much out of order and
///   still be counted.
///
/// ```
/// use sea_streamer_fuse::WindowSpec;
/// use sea_streamer_types::Timestamp;
/// use std::time::Duration;
///
/// let spec = WindowSpec::sliding(Duration::from_secs(10), Duration::from_secs(5))
///     .unwrap()
///     .with_allowed_lateness(Duration::from_secs(2));
/// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
/// // second 12 is in [5, 15) and [10, 20)
/// assert_eq!(spec.windows_of(t(12)).unwrap(), [t(5)..t(15), t(10)..t(20)]);
/// // a window's start is in it, its end is not
/// assert_eq!(spec.windows_of(t(10)).unwrap(), [t(5)..t(15), t(10)..t(20)]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowSpec {
    size: Duration,
    slide: Duration,
    allowed_lateness: Duration,
}

/// The starts (nanoseconds since the epoch) of the first and the last window holding one
/// timestamp; the windows in between start every slide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Starts {
    pub(crate) first: i128,
    pub(crate) last: i128,
}

/// Nanoseconds since the epoch.
pub(crate) fn nanos(ts: Timestamp) -> i128 {
    ts.unix_timestamp_nanos()
}

/// Nanoseconds of a duration (at most about 1.8e28, far inside `i128`).
pub(crate) fn duration_nanos(d: Duration) -> i128 {
    d.as_nanos() as i128
}

/// The timestamp `n` nanoseconds after the epoch, if a [`Timestamp`] can hold it.
pub(crate) fn timestamp(n: i128) -> Option<Timestamp> {
    Timestamp::from_unix_timestamp_nanos(n).ok()
}

impl WindowSpec {
    /// Tumbling windows of `size`: back to back, each message in exactly one.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60)).unwrap();
    /// assert_eq!(spec.slide(), spec.size());
    /// assert!(WindowSpec::tumbling(Duration::ZERO).is_err());
    /// ```
    pub fn tumbling(size: Duration) -> Result<Self, WindowErr> {
        Self::sliding(size, size)
    }

    /// Sliding (hopping) windows of `size`, a new one every `slide`. `slide` must be
    /// longer than zero and not longer than `size`.
    ///
    /// ```
    /// use sea_streamer_fuse::{WindowErr, WindowSpec};
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::sliding(Duration::from_secs(60), Duration::from_secs(10)).unwrap();
    /// assert_eq!(spec.windows_per_message(), 6);
    /// assert_eq!(
    ///     WindowSpec::sliding(Duration::from_secs(60), Duration::ZERO),
    ///     Err(WindowErr::ZeroSlide)
    /// );
    /// ```
    pub fn sliding(size: Duration, slide: Duration) -> Result<Self, WindowErr> {
        if size.is_zero() {
            return Err(WindowErr::ZeroSize);
        }
        if slide.is_zero() {
            return Err(WindowErr::ZeroSlide);
        }
        if slide > size {
            return Err(WindowErr::SlideLongerThanSize { size, slide });
        }
        Ok(Self {
            size,
            slide,
            allowed_lateness: Duration::ZERO,
        })
    }

    /// The same windows, with `lateness` of allowed lateness: the watermark stays that much
    /// behind the largest timestamp seen, so windows close that much later and messages
    /// that much out of order are still counted.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60))
    ///     .unwrap()
    ///     .with_allowed_lateness(Duration::from_secs(5));
    /// assert_eq!(spec.allowed_lateness(), Duration::from_secs(5));
    /// ```
    pub fn with_allowed_lateness(mut self, lateness: Duration) -> Self {
        self.allowed_lateness = lateness;
        self
    }

    /// The length of each window.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60)).unwrap();
    /// assert_eq!(spec.size(), Duration::from_secs(60));
    /// ```
    pub fn size(&self) -> Duration {
        self.size
    }

    /// How far apart window starts are (equal to the size for tumbling windows).
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::sliding(Duration::from_secs(60), Duration::from_secs(15)).unwrap();
    /// assert_eq!(spec.slide(), Duration::from_secs(15));
    /// ```
    pub fn slide(&self) -> Duration {
        self.slide
    }

    /// How far the watermark stays behind the largest timestamp seen.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60)).unwrap();
    /// assert_eq!(spec.allowed_lateness(), Duration::ZERO);
    /// ```
    pub fn allowed_lateness(&self) -> Duration {
        self.allowed_lateness
    }

    /// Whether these are tumbling windows (slide = size).
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// assert!(WindowSpec::tumbling(Duration::from_secs(1)).unwrap().is_tumbling());
    /// ```
    pub fn is_tumbling(&self) -> bool {
        self.slide == self.size
    }

    /// The most windows one message can belong to: `size / slide`, rounded up.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::sliding(Duration::from_secs(10), Duration::from_secs(4)).unwrap();
    /// assert_eq!(spec.windows_per_message(), 3);
    /// ```
    pub fn windows_per_message(&self) -> u64 {
        let (size, slide) = (self.size.as_nanos(), self.slide.as_nanos());
        size.div_ceil(slide) as u64
    }

    /// The most windows of one key that are open at once, when closed windows are taken
    /// as soon as they close (as [`WindowStream`](crate::WindowStream) does):
    /// `(size + allowed lateness) / slide`, rounded up.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use std::time::Duration;
    ///
    /// let tumbling = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
    /// assert_eq!(tumbling.max_open_per_key(), 1);
    /// let late = tumbling.with_allowed_lateness(Duration::from_secs(3));
    /// assert_eq!(late.max_open_per_key(), 2);
    /// ```
    pub fn max_open_per_key(&self) -> u64 {
        let span = self.size.as_nanos() + self.allowed_lateness.as_nanos();
        span.div_ceil(self.slide.as_nanos()) as u64
    }

    /// The windows `[start, end)` that hold a message stamped `ts`, earliest first.
    ///
    /// ```
    /// use sea_streamer_fuse::WindowSpec;
    /// use sea_streamer_types::Timestamp;
    /// use std::time::Duration;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
    /// assert_eq!(spec.windows_of(t(19)).unwrap(), [t(10)..t(20)]);
    /// assert_eq!(spec.windows_of(t(20)).unwrap(), [t(20)..t(30)]);
    /// // before the epoch too
    /// assert_eq!(spec.windows_of(t(-1)).unwrap(), [t(-10)..t(0)]);
    /// ```
    pub fn windows_of(&self, ts: Timestamp) -> Result<Vec<Range<Timestamp>>, WindowErr> {
        let starts = self.checked_starts(ts)?;
        let (size, slide) = (self.size_nanos(), self.slide_nanos());
        let mut windows = Vec::new();
        let mut start = starts.first;
        while start <= starts.last {
            match (timestamp(start), timestamp(start + size)) {
                (Some(s), Some(e)) => windows.push(s..e),
                _ => return Err(WindowErr::OutOfRange { timestamp: ts }),
            }
            start += slide;
        }
        Ok(windows)
    }

    pub(crate) fn size_nanos(&self) -> i128 {
        duration_nanos(self.size)
    }

    pub(crate) fn slide_nanos(&self) -> i128 {
        duration_nanos(self.slide)
    }

    pub(crate) fn lateness_nanos(&self) -> i128 {
        duration_nanos(self.allowed_lateness)
    }

    /// The first and last window starts for `ts` (nanoseconds): the last is `ts` rounded
    /// down to a multiple of the slide, the first is the smallest multiple of the slide
    /// above `ts - size`.
    pub(crate) fn starts(&self, ts: i128) -> Starts {
        let slide = self.slide_nanos();
        let last = ts.div_euclid(slide) * slide;
        let first = (ts - self.size_nanos()).div_euclid(slide) * slide + slide;
        Starts { first, last }
    }

    /// [`starts`](Self::starts), checked: every window of `ts` must start and end inside
    /// the range of [`Timestamp`] (the range is contiguous, so the two extremes suffice).
    pub(crate) fn checked_starts(&self, ts: Timestamp) -> Result<Starts, WindowErr> {
        let starts = self.starts(nanos(ts));
        if timestamp(starts.first).is_none() || timestamp(starts.last + self.size_nanos()).is_none()
        {
            return Err(WindowErr::OutOfRange { timestamp: ts });
        }
        Ok(starts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// The window starts (seconds) of second `t`, from `starts`.
    fn starts_of(spec: &WindowSpec, t: i128) -> Vec<i128> {
        let ns = 1_000_000_000;
        let Starts { first, last } = spec.starts(t * ns);
        (first / ns..=last / ns)
            .step_by((spec.slide_nanos() / ns) as usize)
            .collect()
    }

    #[test]
    fn tumbling_membership() {
        let spec = WindowSpec::tumbling(secs(10)).unwrap();
        assert_eq!(starts_of(&spec, 0), [0]);
        assert_eq!(starts_of(&spec, 9), [0]);
        assert_eq!(starts_of(&spec, 10), [10]);
        assert_eq!(starts_of(&spec, -1), [-10]);
        assert_eq!(starts_of(&spec, -10), [-10]);
        assert_eq!(starts_of(&spec, -11), [-20]);
    }

    #[test]
    fn sliding_membership() {
        let spec = WindowSpec::sliding(secs(10), secs(5)).unwrap();
        assert_eq!(starts_of(&spec, 7), [0, 5]);
        assert_eq!(starts_of(&spec, 10), [5, 10]);
        assert_eq!(starts_of(&spec, -3), [-10, -5]);
        // the slide does not divide the size: 2 or 3 windows
        let spec = WindowSpec::sliding(secs(10), secs(4)).unwrap();
        assert_eq!(starts_of(&spec, 9), [0, 4, 8]);
        assert_eq!(starts_of(&spec, 10), [4, 8]);
        assert_eq!(starts_of(&spec, 12), [4, 8, 12]);
    }

    #[test]
    fn every_start_holds_the_timestamp() {
        for (size, slide) in [(10, 10), (10, 5), (10, 3), (7, 1), (9, 9)] {
            let spec = WindowSpec::sliding(secs(size), secs(slide)).unwrap();
            for t in -50..50i128 {
                let starts = starts_of(&spec, t);
                // brute force: every multiple of the slide with start <= t < start + size
                let expected: Vec<i128> = (-100..100i128)
                    .filter(|s| s % slide as i128 == 0 && *s <= t && t < s + size as i128)
                    .collect();
                assert_eq!(starts, expected, "size {size} slide {slide} t {t}");
                let n = starts.len() as u64;
                assert!(n <= spec.windows_per_message() && n + 1 >= spec.windows_per_message());
            }
        }
    }

    #[test]
    fn out_of_range() {
        let spec = WindowSpec::tumbling(secs(86_400)).unwrap();
        let last_day = Timestamp::from_unix_timestamp_nanos(253_402_300_799_000_000_000).unwrap();
        assert!(matches!(
            spec.windows_of(last_day),
            Err(WindowErr::OutOfRange { .. })
        ));
        let huge = WindowSpec::tumbling(Duration::MAX).unwrap();
        assert!(huge.windows_of(Timestamp::UNIX_EPOCH).is_err());
    }
}
