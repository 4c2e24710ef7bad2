//! Back-off schedules: every wait between two attempts in this crate comes from one of these,
//! built with `backon`'s exponential builder and rounded to whole milliseconds (so that a
//! schedule doubles exactly: 10, 20, 40 … ms).

use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;

/// A back-off schedule in progress: the next delay, and starting over after a success.
#[derive(Debug)]
pub(crate) struct Backoff {
    builder: ExponentialBuilder,
    delays: <ExponentialBuilder as BackoffBuilder>::Backoff,
}

impl Backoff {
    fn new(builder: ExponentialBuilder) -> Self {
        Self {
            builder,
            delays: builder.build(),
        }
    }

    /// The next delay; `None` once the schedule is exhausted (give up).
    pub fn next_delay(&mut self) -> Option<Duration> {
        let d = self.delays.next()?;
        Some(Duration::from_millis(
            d.as_secs_f64().mul_add(1000.0, 0.5) as u64
        ))
    }

    /// Start over from the first delay (after a success).
    pub fn reset(&mut self) {
        self.delays = self.builder.build();
    }

    /// Reconnecting to a node: 1 s, 2 s, 4 s … while the delay stays within `max` (the
    /// connect timeout, at most 60 s), then give up; always at least one attempt.
    pub fn reconnect(max: Duration) -> Self {
        let mut times = 1;
        while Duration::from_secs(1 << times) <= max && times < 16 {
            times += 1;
        }
        Self::new(
            ExponentialBuilder::new()
                .with_min_delay(Duration::from_secs(1))
                .without_max_delay()
                .with_max_times(times),
        )
    }

    /// The server or cluster is busy (`TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `ASK`,
    /// `LOADING`): 250 ms doubling to 8 s, with jitter (clients do not retry in step), for
    /// ever (one operation gives up after `MAX_BUSY_RETRIES`).
    pub fn busy() -> Self {
        Self::new(
            ExponentialBuilder::new()
                .with_min_delay(Duration::from_millis(250))
                .with_max_delay(Duration::from_secs(8))
                .with_jitter()
                .without_max_times(),
        )
    }

    /// Reads that come back empty without blocking (see `consumer::pace`): 10 ms doubling
    /// to 1 s, for ever.
    pub fn empty_reads() -> Self {
        Self::between(Duration::from_millis(10), Duration::from_secs(1))
    }

    /// Checks for streams that do not exist yet (see `consumer::absent`): 50 ms doubling to
    /// 1 s, for ever.
    pub fn absent_streams() -> Self {
        Self::between(Duration::from_millis(50), Duration::from_secs(1))
    }

    fn between(min: Duration, max: Duration) -> Self {
        Self::new(
            ExponentialBuilder::new()
                .with_min_delay(min)
                .with_max_delay(max)
                .without_max_times(),
        )
    }
}

/// Most retries of one operation while the server is busy.
pub(crate) const MAX_BUSY_RETRIES: usize = 100;

#[cfg(test)]
mod test {
    use super::*;

    fn take(mut b: Backoff, n: usize) -> Vec<Duration> {
        (0..n).map_while(|_| b.next_delay()).collect()
    }

    #[test]
    fn reconnect_doubles_up_to_the_limit_then_gives_up() {
        let secs = |v: Vec<Duration>| v.iter().map(|d| d.as_secs()).collect::<Vec<_>>();
        let all = take(Backoff::reconnect(Duration::from_secs(60)), 100);
        assert_eq!(secs(all), [1, 2, 4, 8, 16, 32]);
        let short = take(Backoff::reconnect(Duration::from_secs(5)), 100);
        assert_eq!(secs(short), [1, 2, 4]);
        let tiny = take(Backoff::reconnect(Duration::from_millis(500)), 100);
        assert_eq!(secs(tiny), [1]);
    }

    #[test]
    fn doubling_schedules_are_exact_bounded_and_reset() {
        let mut b = Backoff::empty_reads();
        let first = take(Backoff::empty_reads(), 10);
        let ms: Vec<u128> = first.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        for _ in 0..5 {
            b.next_delay();
        }
        b.reset();
        assert_eq!(b.next_delay(), Some(Duration::from_millis(10)));
        assert_eq!(
            Backoff::absent_streams().next_delay(),
            Some(Duration::from_millis(50))
        );
    }

    #[test]
    fn busy_is_jittered_within_bounds() {
        let all = take(Backoff::busy(), MAX_BUSY_RETRIES);
        assert_eq!(all.len(), MAX_BUSY_RETRIES);
        assert!(all[0] >= Duration::from_millis(250) && all[0] <= Duration::from_millis(500));
        assert!(all.iter().all(|d| *d <= Duration::from_secs(16)), "{all:?}");
    }
}
