//! The one back-off policy of the crate's waits: delays that double from a first to a longest
//! one and stay there, reset when the awaited thing happens. The schedule comes from the
//! [`backon`] crate (no jitter); the caller sleeps the delay its own way (the runtime's sleep in
//! async code, a channel timeout or thread sleep in reader and writer threads).

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::time::Duration;

/// Longest wait between two polls of a file that has no change notification.
pub(crate) const POLL_MAX: Duration = Duration::from_millis(64);

/// Doubling delays from `first` up to `max`, endlessly.
#[derive(Debug)]
pub(crate) struct Backoff {
    builder: ExponentialBuilder,
    schedule: ExponentialBackoff,
    max: Duration,
}

impl Backoff {
    /// Delays `first`, `2 × first`, … up to `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        let builder = ExponentialBuilder::new()
            .with_min_delay(first)
            .with_max_delay(max)
            .with_factor(2.0)
            .without_max_times();
        Self {
            schedule: builder.build(),
            builder,
            max,
        }
    }

    /// The back-off of a reader polling a file for growth: 1 ms up to 64 ms.
    pub fn polling() -> Self {
        Self::new(Duration::from_millis(1), POLL_MAX)
    }

    /// Sleep the next delay on the async runtime.
    pub async fn sleep(&mut self) {
        sea_streamer_runtime::sleep(self.next_delay()).await;
    }

    /// The next delay to wait.
    pub fn next_delay(&mut self) -> Duration {
        self.schedule.next().unwrap_or(self.max)
    }

    /// Start again from the first delay (the awaited event happened).
    pub fn reset(&mut self) {
        self.schedule = self.builder.build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_max_and_resets() {
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(1), ms(8));
        let first: Vec<_> = (0..6).map(|_| b.next_delay()).collect();
        assert_eq!(first, [ms(1), ms(2), ms(4), ms(8), ms(8), ms(8)]);
        b.reset();
        assert_eq!(b.next_delay(), ms(1));
    }
}
