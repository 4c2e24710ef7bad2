//! [`ProcessorOptions`]: concurrency, bounds, retries, deadlines.

use crate::ProcessorErr;
use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;

/// How a [`Processor`](crate::Processor) runs.
///
/// | Option | Default | Meaning |
/// |---|---|---|
/// | `concurrency` | 1 | messages handled at the same time (one per `(stream, shard)` at a time) |
/// | `max_in_flight` | 1024 | messages fetched and not finished (running or waiting for their shard) |
/// | `max_attempts` | 5 | attempts per message, the first included |
/// | `min_backoff`, `max_backoff` | 100 ms, 10 s | exponential back-off between attempts (doubling, plus a random jitter of up to the delay) |
/// | `max_pending_sends` | 1024 | receipts one handler may leave pending before [`Outbox::send`](crate::Outbox::send) waits |
/// | `commit_interval` | 1 s | at most one commit per interval while running (and one at the end) |
/// | `shutdown_deadline` | 30 s | how long in-flight work may take to finish once stopping |
/// | `max_messages` | none | stop after fetching this many messages, once they are finished (like a shutdown without a deadline) |
///
/// ```
/// use sea_streamer_processor::ProcessorOptions;
/// use std::time::Duration;
///
/// let mut options = ProcessorOptions::default();
/// options
///     .set_concurrency(8)
///     .set_max_attempts(3)
///     .set_backoff(Duration::from_millis(10), Duration::from_secs(1));
/// assert_eq!(options.concurrency(), 8);
/// assert_eq!(options.retry_delays().count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ProcessorOptions {
    concurrency: usize,
    max_in_flight: usize,
    max_attempts: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    max_pending_sends: usize,
    commit_interval: Duration,
    shutdown_deadline: Duration,
    max_messages: Option<u64>,
}

impl Default for ProcessorOptions {
    fn default() -> Self {
        Self {
            concurrency: 1,
            max_in_flight: 1024,
            max_attempts: 5,
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            max_pending_sends: 1024,
            commit_interval: Duration::from_secs(1),
            shutdown_deadline: Duration::from_secs(30),
            max_messages: None,
        }
    }
}

impl ProcessorOptions {
    /// Messages handled at the same time (at least 1).
    pub fn set_concurrency(&mut self, n: usize) -> &mut Self {
        self.concurrency = n;
        self
    }

    /// Messages handled at the same time.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Messages fetched and not finished, at most (at least `concurrency`).
    pub fn set_max_in_flight(&mut self, n: usize) -> &mut Self {
        self.max_in_flight = n;
        self
    }

    /// Messages fetched and not finished, at most.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Attempts per message, the first included (at least 1).
    pub fn set_max_attempts(&mut self, n: u32) -> &mut Self {
        self.max_attempts = n;
        self
    }

    /// Attempts per message.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first delay between attempts, and the largest.
    pub fn set_backoff(&mut self, min: Duration, max: Duration) -> &mut Self {
        self.min_backoff = min;
        self.max_backoff = max;
        self
    }

    /// Receipts one handler may leave pending before `Outbox::send` waits (at least 1).
    pub fn set_max_pending_sends(&mut self, n: usize) -> &mut Self {
        self.max_pending_sends = n;
        self
    }

    /// Receipts one handler may leave pending.
    pub fn max_pending_sends(&self) -> usize {
        self.max_pending_sends
    }

    /// The least time between two commits while running.
    pub fn set_commit_interval(&mut self, d: Duration) -> &mut Self {
        self.commit_interval = d;
        self
    }

    /// The least time between two commits while running.
    pub fn commit_interval(&self) -> Duration {
        self.commit_interval
    }

    /// How long in-flight work may take to finish once the processor stops.
    pub fn set_shutdown_deadline(&mut self, d: Duration) -> &mut Self {
        self.shutdown_deadline = d;
        self
    }

    /// How long in-flight work may take to finish once the processor stops.
    pub fn shutdown_deadline(&self) -> Duration {
        self.shutdown_deadline
    }

    /// Stops after fetching `n` messages (`None`: no limit): no more are fetched, the
    /// fetched ones are finished (no deadline), committed, and `run` returns. E.g. a
    /// command's `--count`.
    pub fn set_max_messages(&mut self, n: Option<u64>) -> &mut Self {
        self.max_messages = n;
        self
    }

    /// How many messages are fetched at most (`None`: no limit).
    pub fn max_messages(&self) -> Option<u64> {
        self.max_messages
    }

    /// The delays before the 2nd, 3rd, ... attempt: exponential with jitter, one fewer
    /// than `max_attempts`.
    pub fn retry_delays(&self) -> impl Iterator<Item = Duration> + Send {
        let retries = self.max_attempts.saturating_sub(1) as usize;
        ExponentialBuilder::new()
            .with_min_delay(self.min_backoff)
            .with_max_delay(self.max_backoff.max(self.min_backoff))
            .with_jitter()
            .with_max_times(retries)
            .build()
    }

    /// Checks the bounds.
    pub(crate) fn validate<E: std::error::Error>(&self) -> Result<(), ProcessorErr<E>> {
        let invalid = |why: &str| Err(ProcessorErr::Options(why.to_owned()));
        if self.concurrency == 0 {
            return invalid("concurrency must be at least 1");
        }
        if self.max_in_flight < self.concurrency {
            return invalid("max_in_flight must be at least the concurrency");
        }
        if self.max_attempts == 0 {
            return invalid("max_attempts must be at least 1");
        }
        if self.max_pending_sends == 0 {
            return invalid("max_pending_sends must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_with_jitter_and_stay_bounded() {
        let mut options = ProcessorOptions::default();
        options
            .set_max_attempts(6)
            .set_backoff(Duration::from_millis(10), Duration::from_millis(50));
        let delays: Vec<Duration> = options.retry_delays().collect();
        assert_eq!(delays.len(), 5);
        for d in &delays {
            // jitter adds at most the delay itself
            assert!(
                *d >= Duration::from_millis(10) && *d <= Duration::from_millis(100),
                "{d:?}"
            );
        }
        options.set_max_attempts(1);
        assert_eq!(options.retry_delays().count(), 0);
    }

    #[test]
    fn bounds_are_checked() {
        let check = |o: &ProcessorOptions| o.validate::<std::io::Error>().is_ok();
        assert!(check(&ProcessorOptions::default()));
        assert!(!check(ProcessorOptions::default().set_concurrency(0)));
        assert!(!check(ProcessorOptions::default().set_concurrency(2000)));
        assert!(!check(ProcessorOptions::default().set_max_attempts(0)));
        assert!(!check(ProcessorOptions::default().set_max_pending_sends(0)));
    }
}
